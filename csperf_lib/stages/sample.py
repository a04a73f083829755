"""Stage 02: the QA sample a reviewer scores — the worksheet written for reviewers and read back
when filled in, the scores it gives, the settings of the draw, the pages' tables and sentences, and
the stage's findings. The design itself (sizes, frames, allocation, the draw, representativeness,
estimates) is in :mod:`csperf_lib.methods.sampling`, :mod:`csperf_lib.methods.sample_checks` and
:mod:`csperf_lib.methods.acceptance`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.errors import ConfigError
from csperf_lib.core.exports import FORMULA_STARTS, neutralise_formulas, write_csv, write_xlsx
from csperf_lib.core.sections import section_link
from csperf_lib.core.settings import section_settings
from csperf_lib.ingest.schemas import QaEvaluationsModel
from csperf_lib.methods.acceptance import DEFAULT_AQL
from csperf_lib.methods.sample_checks import estimate_from_sample
from csperf_lib.methods.sample_frame import AGENT, population_unit
from csperf_lib.methods.sample_size import SampleSizeReasoning
from csperf_lib.methods.sampling import DESIGN_WEIGHT, VARIABILITY, Allocation

__all__ = [
    "SamplingSettings",
    "WorksheetScores",
    "agent_coverage_overview",
    "allocation_view",
    "draw_sentence",
    "qa_estimates",
    "qa_results",
    "read_worksheet",
    "representativeness_view",
    "reviewer_worksheet",
    "sampling_findings",
    "sampling_settings",
    "sampling_summary",
    "scorecard_items",
    "scores_sentence",
    "strata_sentence",
    "tables_sentence",
    "write_worksheet",
]

#: An evaluation passes with no failed critical item and at least this share of the points.
PASS_MARK = 0.8


#: A critical item fails below this share of its maximum: 1 = any score below the maximum, as the
#: KPI catalogue's ``qa_critical_pass_ratio`` default (``csperf_lib.methods.kpis``); pass the config's value.
CRITICAL_FAIL_BELOW = 1.0


#: Contact details the worksheet shows (identifiers, categories, times; never free text).
WORKSHEET_DETAILS = (
    "contact_id", "complaint_id", "category", "status", "agent_id", "team", "channel", "queue", "region", "arrived_at", "weekday",
    "hour_band", "handle_s", "wait_s", "escalated", "transferred",
)


WORKSHEET_DIR = "sample"


WORKSHEET_NAME = "qa_worksheet"


WORKSHEET_SHEET = "worksheet"


#: Scorecard used when the store has no QA evaluations to take it from: (item, max_score, critical).
DEFAULT_SCORECARD = (
    ("greeting", 5, False),
    ("identification_and_security", 1, True),
    ("needs_analysis", 5, False),
    ("accuracy_of_information", 5, True),
    ("resolution", 5, False),
    ("empathy", 5, False),
    ("compliance_statement", 1, True),
    ("wrap_up_notes", 5, False),
)


_ITEM_HEADER = re.compile(r"^score: (?P<item>\S+) \(0-(?P<max>[0-9.]+)(?P<critical>, critical)?\)$")


def scorecard_items(evaluations=None) -> pd.DataFrame:
    """The scorecard: ``item, max_score, critical``, one row per item, in first-seen order.

    Parameters
    ----------
    evaluations : DataFrame or ibis.Table, optional
        QA evaluations in the canonical long format (an Ibis table is aggregated in the engine).
        None or empty: :data:`DEFAULT_SCORECARD`.
    """
    columns = ["item", "max_score", "critical"]
    default = pd.DataFrame(list(DEFAULT_SCORECARD), columns=columns)
    if evaluations is None:
        return default
    if not isinstance(evaluations, pd.DataFrame):
        t = evaluations
        order = t["_row"] if "_row" in t.columns else t["max_score"]
        crit = t["critical"].fill_null(False).cast("int8").max() if "critical" in t.columns else order.min() * 0
        evaluations = (
            t.group_by("item").aggregate(max_score=t["max_score"].max(), critical=crit, _first=order.min())
            .order_by("_first")
            .execute()
        )
        evaluations["critical"] = evaluations["critical"].astype(bool)
    if evaluations.empty or "item" not in evaluations:
        return default
    frame = evaluations.assign(_seen=np.arange(len(evaluations)))
    critical = frame["critical"].astype("boolean").fillna(False) if "critical" in frame else False
    frame = frame.assign(critical=critical)
    grouped = frame.groupby("item", sort=False).agg(max_score=("max_score", "max"), critical=("critical", "max"), _seen=("_seen", "min"))
    out = grouped.sort_values("_seen").reset_index()[columns]
    out["item"] = out["item"].astype(str)
    out["max_score"] = out["max_score"].astype(float)
    out["critical"] = out["critical"].astype(bool)
    return out


def _item_header(item: str, max_score: float, critical: bool) -> str:
    return f"score: {item} (0-{max_score:g}{', critical' if critical else ''})"


def reviewer_worksheet(sample: pd.DataFrame, *, scorecard: pd.DataFrame | None = None, agent: str = AGENT) -> pd.DataFrame:
    """The reviewer worksheet: one row per sampled contact, its details, blank scorecard columns.

    Columns: ``sample_no``; the contact details of :data:`WORKSHEET_DETAILS` the sample has
    (identifiers, categories, times and numbers only: free text never goes in); ``stratum``,
    ``selected_by``, ``design_weight`` (keep them: the estimates need them); blank
    ``evaluator_id`` and ``evaluated_at``; then one blank column per scorecard item headed
    ``score: <item> (0-<max>[, critical])``. Rows are ordered by agent and arrival time.
    """
    scorecard = scorecard_items(None) if scorecard is None else scorecard
    details = [c for c in WORKSHEET_DETAILS if c in sample]
    sort = [c for c in (agent, "arrived_at", "contact_id") if c in sample]
    ordered = sample.sort_values(sort, kind="stable") if sort and len(sample) else sample
    out = pd.DataFrame(index=range(len(ordered)))
    out["sample_no"] = np.arange(1, len(ordered) + 1)
    for column in details:
        values = ordered[column].reset_index(drop=True)
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype("string")
        if column in ("handle_s", "wait_s"):
            values = values.round(0)
        out[column] = values
    for column in ("stratum", "selected_by", DESIGN_WEIGHT):
        if column in ordered:
            out[column] = ordered[column].reset_index(drop=True)
    out["evaluator_id"] = pd.Series([pd.NA] * len(out), dtype="string")
    out["evaluated_at"] = pd.Series([pd.NaT] * len(out), dtype="datetime64[ns]")
    for item in scorecard.itertuples():
        out[_item_header(item.item, float(item.max_score), bool(item.critical))] = pd.Series([np.nan] * len(out), dtype="float64")
    return out


def write_worksheet(worksheet: pd.DataFrame, run_dir: str | Path, *, scorecard: pd.DataFrame | None = None) -> dict[str, str]:
    """Write ``<run_dir>/sample/qa_worksheet.xlsx`` and ``.csv`` (formula-safe); return relative paths.

    The workbook has the worksheet (sheet ``worksheet``, header frozen, each score cell limited to
    0..max by data validation) and a ``scorecard`` sheet listing the items. Paths are returned
    relative to ``run_dir`` (``{"xlsx": "sample/qa_worksheet.xlsx", "csv": ...}``), because the run
    folder is renamed after the run.
    """
    from openpyxl import load_workbook
    from openpyxl.worksheet.datavalidation import DataValidation


    run_dir = Path(run_dir)
    folder = run_dir / WORKSHEET_DIR
    xlsx = folder / f"{WORKSHEET_NAME}.xlsx"
    csv = folder / f"{WORKSHEET_NAME}.csv"
    write_csv(worksheet, csv)
    write_xlsx(worksheet, xlsx, sheet=WORKSHEET_SHEET)
    book = load_workbook(xlsx)
    sheet = book[WORKSHEET_SHEET]
    last = max(len(worksheet) + 1, 2)
    for i, column in enumerate(worksheet.columns, start=1):
        match = _ITEM_HEADER.match(str(column))
        if not match:
            continue
        letter = sheet.cell(row=1, column=i).column_letter
        rule = DataValidation(type="decimal", operator="between", formula1="0", formula2=match["max"], allow_blank=True)
        rule.error = f"Score {match['item']} from 0 to {match['max']}"
        rule.errorTitle = "Score out of range"
        sheet.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}{last}")
    items = scorecard if scorecard is not None else pd.DataFrame(
        [(m["item"], float(m["max"]), bool(m["critical"])) for m in map(_ITEM_HEADER.match, map(str, worksheet.columns)) if m],
        columns=["item", "max_score", "critical"],
    )
    info = book.create_sheet("scorecard")
    info.append(["item", "max_score", "critical"])
    for row in neutralise_formulas(items[["item", "max_score", "critical"]]).itertuples(index=False):
        info.append([str(row.item), float(row.max_score), bool(row.critical)])
    info.append([])
    info.append(["How to fill in: score each item of each row from 0 to its maximum (blank = not scored yet). "
                 "A critical item scored below its maximum fails the evaluation (unless the review config's "
                 f"kpis.qa_critical_pass_ratio says otherwise); otherwise it passes at {PASS_MARK:.0%} of the points. "
                 "Keep the design_weight column: the estimates need it."])
    book.save(xlsx)
    return {"xlsx": xlsx.relative_to(run_dir).as_posix(), "csv": csv.relative_to(run_dir).as_posix()}


@dataclass(frozen=True)
class WorksheetScores:
    """A filled worksheet read back.

    Attributes
    ----------
    evaluations : DataFrame
        The scores in the canonical ``qa_evaluations`` long format (one row per contact and item:
        ``evaluation_id, contact_id, agent_id, evaluator_id, evaluated_at, item, score, max_score,
        critical``), validated against the pandera schema.
    scored : DataFrame
        One row per scored contact: the worksheet's details and ``design_weight`` plus
        ``score, max_score, score_pct, critical_failed, passed`` (see :func:`qa_results`).
    problems : DataFrame
        Cells that could not be used: ``sample_no, column, value, problem``.
    rows : int
        Rows in the worksheet.
    rows_scored : int
        Rows with at least one usable score.
    """

    evaluations: pd.DataFrame
    scored: pd.DataFrame
    problems: pd.DataFrame
    rows: int
    rows_scored: int


def _unneutralise(values: pd.Series) -> pd.Series:

    text = values.astype("string")
    quoted = text.str.startswith("'").fillna(False) & text.str[1:2].isin(list(FORMULA_STARTS)).fillna(False)
    return text.where(~quoted, text.str[1:])


def qa_results(
    evaluations: pd.DataFrame, *, pass_mark: float = PASS_MARK, critical_ratio: float = CRITICAL_FAIL_BELOW
) -> pd.DataFrame:
    """Per evaluation: total ``score``, ``max_score``, ``score_pct`` (share of the points, 0-1),
    ``critical_failed`` and ``passed``.

    A critical item fails when it scores below ``critical_ratio`` of its maximum (the review
    config's ``kpis.qa_critical_pass_ratio``; 1, the default, means any score below the maximum,
    the same rule as the ``qa_critical_fail_rate`` KPI). An evaluation passes with no failed
    critical item and ``score_pct >= pass_mark`` (:data:`PASS_MARK`, 80 %).
    """
    if evaluations.empty:
        return pd.DataFrame(columns=["evaluation_id", "contact_id", "agent_id", "score", "max_score", "score_pct", "critical_failed", "passed"])
    frame = evaluations.assign(
        _crit_fail=evaluations["critical"].astype("boolean").fillna(False).astype(bool)
        & (evaluations["score"] < critical_ratio * evaluations["max_score"])
    )
    out = frame.groupby("evaluation_id", sort=False).agg(
        contact_id=("contact_id", "first"),
        agent_id=("agent_id", "first"),
        score=("score", "sum"),
        max_score=("max_score", "sum"),
        critical_failed=("_crit_fail", "any"),
    )
    out["score_pct"] = out["score"] / out["max_score"]
    out["passed"] = ~out["critical_failed"] & (out["score_pct"] >= pass_mark - 1e-12)
    return out.reset_index()[["evaluation_id", "contact_id", "agent_id", "score", "max_score", "score_pct", "critical_failed", "passed"]]


def read_worksheet(
    path: str | Path, *, pass_mark: float = PASS_MARK, critical_ratio: float = CRITICAL_FAIL_BELOW
) -> WorksheetScores:
    """Read a filled reviewer worksheet (``.xlsx`` sheet ``worksheet``, or ``.csv``) back.

    Score columns are recognised by their headers (``score: <item> (0-<max>[, critical])``). A
    score must be a number from 0 to the item's maximum; anything else is listed in ``problems``
    and left out. Rows with no score at all are not yet reviewed and are skipped. The quote that
    neutralised a formula-like text cell is removed again. ``pass_mark`` and ``critical_ratio``
    are as in :func:`qa_results`.
    """

    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheet = pd.read_excel(path, sheet_name=WORKSHEET_SHEET, dtype=object)
    else:
        sheet = pd.read_csv(path, encoding="utf-8-sig", dtype=object)
    items = {c: _ITEM_HEADER.match(str(c)) for c in sheet.columns}
    items = {c: m for c, m in items.items() if m}
    if not items:
        raise ValueError(f"{path.name} has no score columns ('score: <item> (0-<max>)'): is it a csperf QA worksheet?")
    for column in ("contact_id", "agent_id", "evaluator_id", "stratum", "team", "channel", "queue", "region"):
        if column in sheet:
            sheet[column] = _unneutralise(sheet[column])
    long_rows, problems = [], []
    for column, match in items.items():
        raw = sheet[column]
        numbers = pd.to_numeric(raw, errors="coerce")
        maximum = float(match["max"])
        filled = raw.notna() & raw.astype(str).str.strip().ne("")
        bad = filled & (numbers.isna() | (numbers < 0) | (numbers > maximum))
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append({"sample_no": sheet["sample_no"].iloc[i] if "sample_no" in sheet else i + 1, "column": column,
                             "value": str(raw.iloc[i]), "problem": f"not a number from 0 to {maximum:g}"})
        good = filled & ~bad
        long_rows.append(pd.DataFrame({
            "_rowpos": np.flatnonzero(good.to_numpy()),
            "item": match["item"],
            "score": numbers[good].to_numpy(dtype=float),
            "max_score": maximum,
            "critical": bool(match["critical"]),
        }))
    long = pd.concat(long_rows, ignore_index=True)
    sample_no = sheet["sample_no"] if "sample_no" in sheet else pd.Series(np.arange(1, len(sheet) + 1))
    evaluator = sheet["evaluator_id"] if "evaluator_id" in sheet else pd.Series([pd.NA] * len(sheet))
    evaluated = pd.to_datetime(sheet["evaluated_at"], errors="coerce") if "evaluated_at" in sheet else pd.Series([pd.NaT] * len(sheet))
    ids = sheet["contact_id"] if "contact_id" in sheet else pd.Series([pd.NA] * len(sheet))
    agents = sheet["agent_id"] if "agent_id" in sheet else pd.Series([pd.NA] * len(sheet))
    pos = long["_rowpos"].to_numpy()
    evaluations = pd.DataFrame({
        "evaluation_id": [f"worksheet-{int(float(s))}" for s in sample_no.to_numpy()[pos]],
        "contact_id": ids.to_numpy()[pos],
        "agent_id": agents.to_numpy()[pos],
        "evaluator_id": evaluator.to_numpy()[pos],
        "evaluated_at": evaluated.to_numpy()[pos],
        "item": long["item"].to_numpy(),
        "score": long["score"].to_numpy(),
        "max_score": long["max_score"].to_numpy(),
        "critical": long["critical"].to_numpy(),
    })
    evaluations["agent_id"] = evaluations["agent_id"].astype("string").fillna("(unknown)")
    evaluations = QaEvaluationsModel.validate(evaluations)
    results = qa_results(evaluations, pass_mark=pass_mark, critical_ratio=critical_ratio)
    scored_rows = sorted(set(pos.tolist()))
    details = sheet.iloc[scored_rows].reset_index(drop=True)
    details = details.drop(columns=[c for c in items] + ["evaluator_id", "evaluated_at"], errors="ignore")
    details["evaluation_id"] = pd.Series([f"worksheet-{int(float(s))}" for s in sample_no.to_numpy()[scored_rows]], dtype="string")
    if DESIGN_WEIGHT in details:
        details[DESIGN_WEIGHT] = pd.to_numeric(details[DESIGN_WEIGHT], errors="coerce")
    results = results.drop(columns=["contact_id", "agent_id"]).astype({"evaluation_id": "string"})
    scored = details.merge(results, on="evaluation_id", how="left")
    return WorksheetScores(
        evaluations=evaluations.reset_index(drop=True),
        scored=scored,
        problems=pd.DataFrame(problems, columns=["sample_no", "column", "value", "problem"]),
        rows=len(sheet),
        rows_scored=len(scored_rows),
    )


def qa_estimates(
    scored: pd.DataFrame, *, by: Sequence[str] = ("team",), weight: str | None = DESIGN_WEIGHT, confidence: float = 0.95
) -> pd.DataFrame:
    """Population QA pass rate, critical-fail rate and mean score from scored sample contacts,
    overall and by group.

    Tidy: ``measure`` (``QA pass rate``, ``critical-fail rate``, ``mean score (share of points)``),
    ``group`` (``all`` or the column), ``level``, then the columns of :func:`estimate_from_sample`.
    Groups the data lacks are skipped.
    """
    weight = weight if weight in scored else None
    parts = []
    measures = (("QA pass rate", "passed"), ("critical-fail rate", "critical_failed"), ("mean score (share of points)", "score_pct"))
    for measure, value in measures:
        whole = estimate_from_sample(scored, value=value, weight=weight, confidence=confidence)
        parts.append(whole.assign(measure=measure, group="all", level="all"))
        for column in by:
            if column not in scored or scored[column].isna().all():
                continue
            part = estimate_from_sample(scored, value=value, weight=weight, by=column, confidence=confidence)
            parts.append(part.rename(columns={column: "level"}).assign(measure=measure, group=column))
    out = pd.concat(parts, ignore_index=True)
    out["level"] = out["level"].astype(str)
    first = ["measure", "group", "level", "estimate", "ci_low", "ci_high", "n", "n_effective", "population"]
    return out[first + [c for c in out.columns if c not in first]]


def _md(value: Any) -> str:
    """A data value made safe for Markdown/HTML (escaped)."""
    return html.escape(str(value))


def allocation_view(plan: Allocation) -> pd.DataFrame:
    """The allocation table for reading: ``stratum, population, % of population, sample,
    % sampled, design weight`` (and the SD of the variability column for Neyman), rounded."""
    table = plan.table
    view = pd.DataFrame(
        {
            "stratum": table["stratum"],
            "population": table["population"],
            "% of population": (table["share"] * 100).round(2),
            "sample": table["sample"],
            "% sampled": (table["sampling_fraction"] * 100).round(2),
            "design weight": table["design_weight"].round(1),
        }
    )
    if "sd" in table:
        view.insert(3, f"SD of {plan.variability or VARIABILITY}", table["sd"].round(1))
    if "oversample" in table:
        view.insert(3, "oversample", table["oversample"])
    return view


def representativeness_view(checks: pd.DataFrame) -> pd.DataFrame:
    """The representativeness table for reading: one row per variable, rounded, short test names."""
    short = {"chi-square goodness of fit": "chi-square"}
    return pd.DataFrame(
        {
            "variable": checks["variable"],
            "test": checks["test"].map(lambda t: short.get(t, "Kolmogorov–Smirnov" if isinstance(t, str) else "")),
            "n (effective)": checks["n_effective"].round(0),
            "statistic": checks["statistic"].round(3),
            "p (Holm)": checks["p_adjusted"].round(3),
            "effect size": [
                "" if pd.isna(size) else f"{size:.3f} {measure}"
                for size, measure in zip(checks["effect_size"], checks["effect_measure"], strict=True)
            ],
            "largest difference": checks["largest_gap"].astype(object).where(checks["largest_gap"].notna(), ""),
            "verdict": checks["verdict"],
        }
    )


def agent_coverage_overview(coverage: pd.DataFrame) -> pd.DataFrame:
    """One row: agents, the minimum owed, agents meeting it, fewest / median / most sampled contacts."""
    if coverage.empty:
        return pd.DataFrame(columns=["agents", "minimum per agent", "agents meeting it", "fewest sampled", "median sampled", "most sampled"])
    return pd.DataFrame(
        [
            {
                "agents": len(coverage),
                "minimum per agent": int(coverage["minimum"].max()),
                "agents meeting it": int(coverage["met"].sum()),
                "fewest sampled": int(coverage["sampled"].min()),
                "median sampled": float(coverage["sampled"].median()),
                "most sampled": int(coverage["sampled"].max()),
            }
        ]
    )


def strata_sentence(plan: Allocation) -> str:
    """Which strata divide the population, which were skipped and why, and the allocation (Markdown)."""
    used = ", ".join(f"`{c}`" for c in plan.strata) if plan.strata else "none (one stratum: all contacts)"
    text = f"**Strata:** {used} — {len(plan.table):,} strata. **Allocation:** {plan.method}"
    if plan.method == "neyman":
        text += f" (by the spread of `{plan.variability}`)"
    text += "."
    for column, reason in plan.skipped.items():
        text += f" `{_md(column)}` is not used: {_md(reason)}."
    if plan.note:
        text += f" Note: {_md(plan.note)}."
    return text


def draw_sentence(sample: pd.DataFrame, plan: Allocation, *, per_agent: int | None, coverage: pd.DataFrame) -> str:
    """What was drawn, in words (Markdown)."""
    topup = int((sample["selected_by"] == "agent minimum").sum()) if "selected_by" in sample else 0
    text = f"Drew **{len(sample):,} {population_unit(sample)}**: {plan.n:,} by stratified random sampling"
    if per_agent:
        text += f" and {topup:,} more so that every agent has at least {per_agent} (or all their contacts)"
    text += f", out of {plan.population:,}. The design weights add up to {sample[DESIGN_WEIGHT].sum():,.0f}."
    if len(coverage):
        met = int(coverage["met"].sum())
        text += f" Agents meeting the minimum: {met} of {len(coverage)}."
    for note in sample.attrs.get("notes", []):
        if note and note != plan.note:
            text += f" Note: {_md(note)}."
    return text


def tables_sentence(available: Mapping[str, bool], *, unit: str = "contacts") -> str:
    """One sentence on which canonical tables the store holds and which one is sampled."""
    names = {"surveys": "surveys", "qa_evaluations": "QA evaluations", "complaints": "complaints"}
    if unit == "complaints":
        names.pop("complaints")
    have = [names[t] for t in names if available.get(t)]
    missing = [names[t] for t in names if not available.get(t)]
    text = f"The population is the {unit} table"
    if unit == "complaints":
        text += (" (the review has no contact records, so the quality review samples complaint cases: "
                 "how each complaint was handled and answered)")
    if have:
        text += f"; the store also holds {', '.join(have)}"
    if missing:
        text += f"; it has no {', '.join(missing)} for this review"
    if not available.get("qa_evaluations"):
        text += ", so the worksheet uses the default scorecard"
    else:
        text += ", and the worksheet uses the scorecard items found in the QA evaluations"
    return text + "."


def scores_sentence(scores: WorksheetScores | None, source: str | Path | None = None) -> str:
    """What was read back from a filled worksheet, or that none was supplied (Markdown)."""
    if scores is None:
        return (
            "No filled worksheet was supplied (parameter `filled_worksheet`). When reviewers have scored "
            "the worksheet of an earlier run, give its path to turn the scores into population estimates."
        )
    name = _md(Path(source).name) if source else "the worksheet"
    text = f"Read `{name}`: {scores.rows:,} rows, {scores.rows_scored:,} scored"
    text += f" ({len(scores.evaluations):,} item scores in the `qa_evaluations` format)."
    if len(scores.problems):
        text += f" {len(scores.problems):,} cells could not be used (not a number within the item's range) and are listed below."
    if not scores.rows_scored:
        text += " Nothing is scored yet, so there is nothing to estimate."
    else:
        text += (
            " Estimates are design-weighted (each scored contact counts for the contacts it represents); "
            "an evaluation passes with no critical item failed (see the KPI glossary for the rule) and at least "
            f"{PASS_MARK:.0%} of the points; the mean score is the share of the points scored."
        )
    return text


def sampling_summary(
    *,
    plan: Allocation,
    sample: pd.DataFrame,
    reasoning: SampleSizeReasoning,
    checks: pd.DataFrame,
    seed: Any,
    per_agent: int | None,
    worksheet: Mapping[str, str] | None = None,
    estimates: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The ``sampling`` entry of ``summary.json`` (plain values)."""
    return {
        "unit": reasoning.unit,
        "population": plan.population,
        "sample_size": int(len(sample)),
        "sample_size_for_margin": reasoning.n,
        "agent_minimum_added": int((sample["selected_by"] == "agent minimum").sum()) if "selected_by" in sample else 0,
        "margin": reasoning.margin,
        "confidence": reasoning.confidence,
        "p": reasoning.p,
        "strata": list(plan.strata),
        "strata_skipped": dict(plan.skipped),
        "allocation": plan.requested,
        "allocation_used": plan.method,
        "per_agent": per_agent,
        "seed": seed,
        "design_weights_sum": float(sample[DESIGN_WEIGHT].sum()) if DESIGN_WEIGHT in sample else None,
        "representativeness": {
            row.variable: {
                "verdict": row.verdict, "test": row.test, "p_value": row.p_value, "p_adjusted": row.p_adjusted,
                "effect_size": row.effect_size, "effect_measure": row.effect_measure,
            }
            for row in checks.itertuples()
        },
        "worksheet": dict(worksheet or {}),
        "estimates": estimates if estimates is not None else None,
    }


#: Keys of the config's ``sampling:`` section and their built-in defaults.
SAMPLING_DEFAULTS = {
    "margin": 0.05,
    "confidence": 0.95,
    "strata": None,
    "allocation": "proportional",
    "per_agent": 2,
    "seed": 2026,
    "filled_worksheet": None,
    "aql": DEFAULT_AQL,
}


@dataclass(frozen=True)
class SamplingSettings:
    """The sampling design in force for a run.

    Attributes
    ----------
    margin, confidence : float
        Margin of error (± proportion) and confidence level of the sample size.
    strata : tuple of str or None
        Stratification columns (None: channel, queue and team where the data has them).
    allocation : str
        ``proportional``, ``neyman`` or ``equal``.
    per_agent : int
        Least contacts per agent (top-up).
    seed : int
        Random seed of the draw.
    filled_worksheet : Path or None
        A worksheet filled in after an earlier run, to read back.
    aql : float
        ISO 2859-1 acceptable quality limit (%) for agent-month plans.
    source : dict
        Where each value came from: ``parameter``, ``config`` or ``default``.
    """

    margin: float
    confidence: float
    strata: tuple[str, ...] | None
    allocation: str
    per_agent: int
    seed: int
    filled_worksheet: Path | None
    aql: float
    source: dict


def sampling_settings(config=None, **parameters) -> SamplingSettings:
    """Resolve the sampling design: a notebook parameter that is not None wins, then the config's
    ``sampling:`` section, then the built-in defaults (:data:`SAMPLING_DEFAULTS`).

    This is how a scheduled ``csperf review`` supplies a filled worksheet, the AQL or another
    margin: in the config, e.g. ``sampling: {margin: 0.04, filled_worksheet: qa/filled.xlsx}``
    (paths relative to the config file).

    Raises
    ------
    ConfigError
        Listing every problem in the ``sampling:`` section with its key.
    """

    path, typed = section_settings(config, "sampling")  # checked against SamplingSettingsModel
    section = typed.model_dump(exclude_none=True)
    problems: list[str] = []
    values, source = {}, {}
    for key, default in SAMPLING_DEFAULTS.items():
        if parameters.get(key) is not None:
            values[key], source[key] = parameters[key], "parameter"
        elif key in section and section[key] is not None:
            values[key], source[key] = section[key], "config"
        else:
            values[key], source[key] = default, "default"
    if not (isinstance(values["margin"], int | float) and 0 < values["margin"] < 1):
        problems.append("sampling.margin: must be a proportion between 0 and 1 (e.g. 0.05)")
    if not (isinstance(values["confidence"], int | float) and 0 < values["confidence"] < 1):
        problems.append("sampling.confidence: must be between 0 and 1 (e.g. 0.95)")
    if values["allocation"] not in ("proportional", "neyman", "equal"):
        problems.append("sampling.allocation: must be proportional, neyman or equal")
    if not (isinstance(values["per_agent"], int) and values["per_agent"] >= 0):
        problems.append("sampling.per_agent: must be a whole number >= 0")
    if not isinstance(values["seed"], int):
        problems.append("sampling.seed: must be a whole number")
    worksheet = values["filled_worksheet"]
    if worksheet is not None:
        worksheet = Path(worksheet)
        if source["filled_worksheet"] == "config" and not worksheet.is_absolute() and config is not None:
            worksheet = (Path(config.path).parent / worksheet).resolve()
        if not worksheet.is_file():
            problems.append(f"sampling.filled_worksheet: {worksheet} does not exist")
    if problems:
        raise ConfigError(path, problems)
    strata = values["strata"]
    return SamplingSettings(
        margin=float(values["margin"]),
        confidence=float(values["confidence"]),
        strata=None if strata is None else tuple([strata] if isinstance(strata, str) else strata),
        allocation=values["allocation"],
        per_agent=int(values["per_agent"]),
        seed=int(values["seed"]),
        filled_worksheet=worksheet,
        aql=float(values["aql"]),
        source=source,
    )


def sampling_findings(checks: pd.DataFrame, *, ledger) -> None:
    """``source_risk`` findings of stage 02: a variable on which the QA sample is not
    representative of the population (significant after Holm's adjustment and at least a small
    effect), so QA estimates from it need the design weights or a redraw."""

    link = [section_link("sample")]
    for row in checks.to_dict(orient="records") if len(checks) else ():
        if row.get("verdict") != "not representative":
            continue
        effect = str(row.get("effect_measure") or "").lower().replace("'", "").replace(" ", "_").replace("é", "e")
        ledger.add(
            "source_risk", key={"risk": "sample", "variable": row["variable"]}, estimate=row.get("effect_size"),
            n=row.get("n"), p_value=row.get("p_value"), q_value=row.get("p_adjusted"), significant=True,
            favourable=False, effect_name=effect or None, effect_size=row.get("effect_size"),
            attributes={"risk": "sample", "variable": row["variable"], "test": row.get("test"), "unit": "ratio",
                        "largest_gap": row.get("largest_gap")},
            evidence=link,
        )
