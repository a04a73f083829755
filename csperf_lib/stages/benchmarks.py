"""Benchmark gaps and target review: KPIs against targets, tolerances and benchmarks.

:func:`benchmark_gaps` sets each KPI value (overall, by segment, by period) beside its target
(:mod:`csperf_lib.methods.targets`: the review's targets file, else an indicative benchmark), gives it a
status (``met``, ``within_tolerance``, ``missed``, ``no_target``), tests whether the shortfall or
the exceedance is statistically real with the test that matches the KPI's own interval, and says
for how many periods the status has held and which way the KPI is moving. :func:`review_targets`
flags targets that are no longer challenging or not achievable on the evidence and proposes new
ones. The figures the stage shows are built here.

What is delegated and what is written here: the tests are scipy distributions (normal, Student t,
Poisson) and the trend test is :func:`csperf_lib.methods.trend.mann_kendall`; the Benjamini–Hochberg
adjustment is statsmodels'. Matching a KPI's interval method to its one-sided test, the status
rules and the target-review rules are the project's own and are written here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats as _st

from csperf_lib.core.errors import CsperfError
from csperf_lib.core.findings import FindingsLedger, finding_dimension
from csperf_lib.core.formatting import format_p, format_p_value, format_value
from csperf_lib.core.results import has_result, read_result
from csperf_lib.core.sections import section_link
from csperf_lib.core.tables import NOT_RECORDED
from csperf_lib.methods.interval_review import interval_kpi_rows
from csperf_lib.methods.kpi_catalogue import kpi_definitions, kpi_options
from csperf_lib.methods.stats import fdr_bh
from csperf_lib.methods.target_checks import regulatory_compliance, smart_check
from csperf_lib.methods.target_loading import targets_from_config
from csperf_lib.methods.trend import mann_kendall

STATUSES = ("met", "within_tolerance", "missed", "no_target")
RAG = {"met": "green", "within_tolerance": "amber", "missed": "red", "no_target": "grey"}
#: Columns of a compute_kpis frame that are not segment columns.
KPI_COLUMNS = ("kpi", "period", "value", "ci_low", "ci_high", "n", "sd")
#: Columns benchmark_gaps adds.
GAP_COLUMNS = (
    "target", "tolerance", "gap", "gap_pct", "status", "significant", "p_value", "p_adjusted", "test",
    "persistence", "direction", "better", "unit", "target_source", "target_origin", "impact", "finding",
)
WHOLE = "all"


# --- targets --------------------------------------------------------------------------------------
def _segment_pairs(row: Mapping[str, Any], seg_cols: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The segment of a row as (dimension, value) pairs; stacked frames use dimension/segment."""
    if list(seg_cols) == ["dimension", "segment"]:
        dim = row["dimension"]
        return () if dim == WHOLE or pd.isna(dim) else ((str(dim), str(row["segment"])),)
    return tuple((c, str(row[c])) for c in seg_cols if not pd.isna(row[c]))


def _lookup(targets, kpi: str, segment: tuple[tuple[str, str], ...]):
    if targets is None:
        return None
    if hasattr(targets, "lookup"):
        return targets.lookup(kpi, segment)
    exact = [t for t in targets if t.kpi == kpi and tuple(t.segment) == tuple(segment)]
    whole = [t for t in targets if t.kpi == kpi and not t.segment]
    return (exact or whole or [None])[0]


def _definitions(config=None) -> dict[str, Any]:

    return {k.id: k for k in kpi_definitions(config)}


def _confidence(config=None) -> float:

    return float(kpi_options(config).confidence)


# --- the one-sided test that matches each interval ----------------------------------------------
def target_test(
    value: float,
    target: float,
    *,
    method: str,
    n: float,
    sd: float = math.nan,
    ci_low: float = math.nan,
    ci_high: float = math.nan,
    confidence: float = 0.95,
) -> tuple[float, str]:
    r"""One-sided p-value that the true KPI lies on the observed side of its target.

    The test is the one whose inversion gives the KPI's own interval, so a KPI whose interval
    excludes the target at level :math:`1-\alpha` is significant at :math:`\alpha/2` one-sided:

    * ``wilson`` (proportions): the score test, :math:`z = (\hat p - p_0)/\sqrt{p_0(1-p_0)/n}`
      (Wilson 1927 inverts exactly this test);
    * ``t`` (means): Student's one-sample t, :math:`t = (\bar x - \mu_0)/(s/\sqrt n)`, ``n - 1`` df;
    * ``poisson`` (rates per 1000): the exact Poisson test of the count
      :math:`k = \text{value}\cdot n/1000` against :math:`\mu_0 = \text{target}\cdot n/1000`,
      :math:`P(X \ge k)` or :math:`P(X \le k)` (Garwood 1936 inverts it);
    * ``nps_multinomial`` and ``delta`` (symmetric normal intervals): :math:`z =
      (\text{value} - \text{target})/\text{se}` with se recovered from the interval,
      :math:`(\text{high} - \text{low}) / (2 z_{1-\alpha/2})`.

    Returns
    -------
    (p_value, test) : tuple of float and str
        ``p_value`` is NaN when the test cannot be made (n too small, no spread, no interval).
    """
    if any(pd.isna(x) for x in (value, target, n)) or n <= 0:
        return math.nan, "not testable"
    if value == target:
        return 1.0, "on target"
    if method == "wilson":
        if not 0 < target < 1:
            return (0.0 if (value < target if target >= 1 else value > target) else 1.0), "score test (boundary target)"
        z = (value - target) / math.sqrt(target * (1 - target) / n)
        return float(_st.norm.sf(abs(z))), "one-sided score test (Wilson)"
    if method == "t":
        if n < 2 or pd.isna(sd) or sd <= 0:
            return math.nan, "not testable (n < 2 or no spread)"
        t = (value - target) / (sd / math.sqrt(n))
        return float(_st.t.sf(abs(t), n - 1)), "one-sided one-sample t test"
    if method == "poisson":
        k = round(value * n / 1000)
        mu0 = target * n / 1000
        if mu0 <= 0:
            return (0.0 if k > 0 else 1.0), "exact Poisson test (zero target)"
        p = _st.poisson.sf(k - 1, mu0) if value > target else _st.poisson.cdf(k, mu0)
        return float(p), "one-sided exact Poisson test"
    if method in ("nps_multinomial", "delta"):
        if pd.isna(ci_low) or pd.isna(ci_high) or ci_high <= ci_low:
            return math.nan, "not testable (no interval)"
        se = (ci_high - ci_low) / (2 * _st.norm.ppf(0.5 + confidence / 2))
        return float(_st.norm.sf(abs(value - target) / se)), "one-sided z test (normal interval)"
    return math.nan, f"not testable ({method} interval)"


def classify(value: float, target: float, tolerance: float | None, *, better: str) -> str:
    """``met`` when at or better than target; ``within_tolerance`` when worse by no more than the
    tolerance (its edge included); ``missed`` beyond it; ``no_target`` without a target."""
    if pd.isna(target):
        return "no_target"
    if pd.isna(value):
        return "no_target"
    shortfall = (target - value) if better == "higher" else (value - target)
    if shortfall <= 0:
        return "met"
    if tolerance is not None and not pd.isna(tolerance) and shortfall <= tolerance + 1e-12 * max(1.0, abs(target)):
        return "within_tolerance"
    return "missed"


# --- gaps ------------------------------------------------------------------------------------------
def segment_columns(kpis: pd.DataFrame) -> list[str]:
    """The segment columns of a compute_kpis (or stacked) frame."""
    return [c for c in kpis.columns if c not in KPI_COLUMNS]


def benchmark_gaps(
    kpis: pd.DataFrame,
    targets,
    *,
    history: pd.DataFrame | None = None,
    alpha: float = 0.05,
    config=None,
) -> pd.DataFrame:
    r"""Every KPI value against its target, with status, significance, persistence and direction.

    Parameters
    ----------
    kpis : DataFrame
        :func:`csperf_lib.methods.kpis.compute_kpis` output (``kpi, <segment columns>, period, value,
        ci_low, ci_high, n, sd``), or a :func:`~csperf_lib.methods.kpis.stack_breakdowns` frame (``dimension, segment``).
    targets : TargetSet or sequence of Target
        :class:`csperf_lib.methods.targets.TargetSet` (most specific target, else an indicative benchmark).
    history : DataFrame, optional, keyword-only
        The same KPIs and segments by period (e.g. weekly): gives ``persistence`` and ``direction``.
    alpha : float, keyword-only
        Significance level; p-values are Benjamini–Hochberg adjusted over every row tested.
    config : ReviewConfig, optional, keyword-only
        KPI catalogue (custom KPIs) and the confidence level of intervals.

    Returns
    -------
    DataFrame
        ``kpi, <segment columns>, period, value, ci_low, ci_high, n, target, tolerance, gap,
        gap_pct, status`` then ``significant, p_value, p_adjusted, test, persistence, direction,
        better, unit, target_source, target_origin, impact, finding``.

        * ``gap = value - target`` (KPI units); ``gap_pct = gap / |target|``;
        * ``status``: ``met`` (at or better than target), ``within_tolerance`` (worse, by no more
          than the tolerance), ``missed``, ``no_target``;
        * ``significant``: the one-sided test of :func:`target_test` in the direction observed
          (shortfall or exceedance) has a BH-adjusted p-value below ``alpha`` — a small segment that
          misses by noise is not significant;
        * ``persistence``: consecutive periods, up to the latest, with the row's status;
        * ``direction``: ``improving`` / ``worsening`` (Mann–Kendall on the period series, BH
          adjusted over the series, ``alpha``), ``stable``, or ``too few periods``;
        * ``impact``: the relative shortfall (shortfall / |target|) times ``n``, the volume it
          affects — comparable across KPIs of different units; 0 when met.
    """
    defs = _definitions(config)
    confidence = _confidence(config)
    seg_cols = segment_columns(kpis)
    rows = []
    for record in kpis.to_dict(orient="records"):
        definition = defs.get(record["kpi"])
        segment = _segment_pairs(record, seg_cols)
        if any(str(value) == NOT_RECORDED for _, value in segment):
            continue  # rows with no segment value are not a part of the service: never judged
        target = _lookup(targets, record["kpi"], segment)
        better = {"higher_is_better": "higher", "lower_is_better": "lower"}.get(getattr(definition, "direction", ""), "neutral")
        out = {k: record.get(k) for k in ("kpi", *seg_cols, "period", "value", "ci_low", "ci_high", "n")}
        if target is None or better == "neutral":
            out.update(target=math.nan, tolerance=math.nan, gap=math.nan, gap_pct=math.nan, status="no_target",
                       p_value=math.nan, test="", better=better, target_source="", target_origin="")
        else:
            value = record["value"]
            gap = value - target.target
            p, test = target_test(
                value, target.target, method=definition.ci, n=record["n"], sd=record.get("sd", math.nan),
                ci_low=record["ci_low"], ci_high=record["ci_high"], confidence=confidence,
            )
            out.update(
                target=target.target,
                tolerance=target.tolerance if target.tolerance is not None else math.nan,
                gap=gap,
                gap_pct=gap / abs(target.target) if target.target else math.nan,
                status=classify(value, target.target, target.tolerance, better=better),
                p_value=p,
                test=test,
                better=better,
                target_source=target.source,
                target_origin=target.origin,
            )
        out["unit"] = getattr(definition, "unit", "")
        rows.append(out)
    frame = pd.DataFrame(rows, columns=[
        "kpi", *seg_cols, "period", "value", "ci_low", "ci_high", "n", "target", "tolerance", "gap",
        "gap_pct", "status", "p_value", "test", "better", "unit", "target_source", "target_origin",
    ])
    testable = frame["p_value"].notna().to_numpy()
    frame["p_adjusted"] = np.nan
    if testable.any():
        frame.loc[testable, "p_adjusted"] = fdr_bh(frame.loc[testable, "p_value"])
    frame["significant"] = (frame["p_adjusted"] < alpha) & (frame["status"] != "no_target")
    shortfall = np.where(frame["better"] == "higher", frame["target"] - frame["value"], frame["value"] - frame["target"])
    # relative shortfall x volume: comparable across KPIs of different units (seconds, proportions)
    relative = shortfall / frame["target"].abs().where(frame["target"] != 0)
    frame["impact"] = np.where(frame["status"].isin(["missed", "within_tolerance"]), relative * frame["n"], 0.0)
    frame["persistence"], frame["direction"] = _history_columns(frame, history, targets, seg_cols, alpha=alpha, config=config)
    frame["finding"] = [_gap_sentence(r, seg_cols) for r in frame.to_dict(orient="records")]
    order = ["kpi", *seg_cols, "period", "value", "ci_low", "ci_high", "n", "target", "tolerance", "gap", "gap_pct",
             "status", "significant", "p_value", "p_adjusted", "test", "persistence", "direction", "better", "unit",
             "target_source", "target_origin", "impact", "finding"]
    return frame[order]


def _history_columns(frame, history, targets, seg_cols, *, alpha, config) -> tuple[list, list]:
    """Persistence of each row's status and the direction of its period series."""

    n = len(frame)
    if history is None or history.empty:
        return [np.nan] * n, ["no history"] * n
    defs = _definitions(config)
    hist_cols = segment_columns(history)
    history = history.sort_values("period", kind="stable")
    series: dict[tuple, pd.DataFrame] = {
        (kpi, *key): part for (kpi, *key), part in history.groupby(["kpi", *hist_cols], sort=False, dropna=False)
    } if hist_cols else {(kpi,): part for kpi, part in history.groupby("kpi", sort=False)}
    tests = {}
    for key, part in series.items():
        values = part["value"].dropna().to_numpy()
        tests[key] = mann_kendall(values, alpha=alpha) if len(values) >= 4 else None
    valid = {k: r for k, r in tests.items() if r is not None and np.isfinite(r.p)}
    adjusted = dict(zip(valid, fdr_bh([r.p for r in valid.values()]), strict=True)) if valid else {}
    persistence, direction = [], []
    for record in frame.to_dict(orient="records"):
        key = (record["kpi"], *(record[c] for c in hist_cols)) if hist_cols else (record["kpi"],)
        part = series.get(key)
        if part is None or record["status"] == "no_target":
            persistence.append(np.nan)
            direction.append("no history" if part is None else _direction(tests.get(key), adjusted.get(key), record["better"], alpha))
            continue
        definition = defs.get(record["kpi"])
        better = {"higher_is_better": "higher", "lower_is_better": "lower"}.get(getattr(definition, "direction", ""), "neutral")
        target = record["target"]
        statuses = [classify(v, target, None if pd.isna(record["tolerance"]) else record["tolerance"], better=better) for v in part["value"]]
        run = 0
        for status in reversed(statuses):
            if status != record["status"]:
                break
            run += 1
        persistence.append(run)
        direction.append(_direction(tests.get(key), adjusted.get(key), better, alpha))
    return persistence, direction


def _direction(result, p_adjusted, better: str, alpha: float) -> str:
    if result is None:
        return "too few periods"
    if p_adjusted is None or p_adjusted >= alpha or better == "neutral":
        return "stable"
    rising = result.s > 0
    return "improving" if rising == (better == "higher") else "worsening"


def _gap_sentence(row: Mapping[str, Any], seg_cols: Sequence[str]) -> str:
    if row["status"] == "no_target":
        return ""
    where = ", ".join(f"{d} {v}" for d, v in _segment_pairs(row, seg_cols)) or "overall"
    unit = row["unit"]
    f = format_value
    verdict = {
        "met": "meets",
        "within_tolerance": "is within tolerance of",
        "missed": "misses",
    }[row["status"]]
    real = "statistically real" if row["significant"] else "not statistically significant"
    kind = "exceedance" if row["status"] == "met" else "shortfall"
    sentence = (
        f"{row['kpi']} ({where}) {verdict} its target: {f(row['value'], unit)} "
        f"(95 % CI {f(row['ci_low'], unit)} to {f(row['ci_high'], unit)}, n = {int(row['n']):,}) against "
        f"{f(row['target'], unit)}"
    )
    if row["status"] != "met" or row["value"] != row["target"]:
        sentence += f"; the {kind} is {real} ({format_p(row['p_adjusted'], adjusted=True)})" if not pd.isna(row["p_adjusted"]) else ""
    if not pd.isna(row.get("persistence", np.nan)) and row.get("persistence"):
        sentence += f", held for the last {int(row['persistence'])} periods"
    if row.get("direction") in ("improving", "worsening"):
        sentence += f", {row['direction']}"
    origin = " [indicative benchmark]" if row["target_origin"] == "indicative benchmark" else ""
    return sentence + "." + origin


def kpi_findings(gaps: pd.DataFrame) -> list[str]:
    """One paragraph per KPI with a target, largest impact first: the overall verdict, then the
    segments significantly short of target and those significantly better (stacked gaps)."""
    out = []
    targeted = gaps[gaps["status"] != "no_target"]
    order = targeted.groupby("kpi")["impact"].max().sort_values(ascending=False).index
    f = format_value
    for kpi in order:
        part = targeted[targeted["kpi"] == kpi]
        overall = part[part["dimension"] == WHOLE] if "dimension" in part else part.iloc[0:0]
        segs = part[part["dimension"] != WHOLE] if "dimension" in part else part
        sentence = overall["finding"].iloc[0] if len(overall) else f"{kpi}:"
        short = segs[segs["significant"].astype(bool) & segs["status"].isin(["missed", "within_tolerance"])]
        better = segs[segs["significant"].astype(bool) & (segs["status"] == "met")]
        overall_status = overall["status"].iloc[0] if len(overall) else None
        if len(short) and (overall_status == "met" or len(short) < len(segs)):
            sentence += " Significantly short: " + "; ".join(
                f"{r.dimension} {r.segment} {f(r.value, r.unit)} (n = {int(r.n):,})" for r in short.sort_values("impact", ascending=False).head(6).itertuples()
            ) + "."
        elif len(short) and len(short) == len(segs):
            sentence += " Every segment is significantly short."
        if len(better) and overall_status != "met":
            sentence += " Significantly better than target: " + "; ".join(
                f"{r.dimension} {r.segment} {f(r.value, r.unit)}" for r in better.head(6).itertuples()
            ) + "."
        out.append(sentence)
    return out


def shortfalls_and_strengths(gaps: pd.DataFrame, *, limit: int = 15) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Significant shortfalls ranked by impact (shortfall × volume), and instances of effective
    service: rows significantly better than their target, largest relative margin first."""
    real = gaps[gaps["significant"].astype(bool)]
    shortfalls = real[real["status"].isin(["missed", "within_tolerance"])].sort_values("impact", ascending=False, kind="stable")
    margin = np.where(real["better"] == "higher", real["gap_pct"], -real["gap_pct"])
    strengths = real[real["status"] == "met"].assign(margin=margin[(real["status"] == "met").to_numpy()])
    strengths = strengths.sort_values("margin", ascending=False, kind="stable").drop(columns="margin")
    return shortfalls.head(limit), strengths.head(limit)


def rag_matrix(gaps: pd.DataFrame, *, significant_only: bool = False) -> pd.DataFrame:
    """KPIs × segments table of statuses (stacked gaps: columns ``dimension / segment``).

    With ``significant_only`` a missed cell whose shortfall is not statistically real is shown as
    ``not significant`` — the honest reading of a small segment that misses by noise.
    """
    frame = gaps.copy()
    if significant_only:
        noise = frame["status"].eq("missed") & ~frame["significant"].astype(bool)
        frame.loc[noise, "status"] = "not significant"
    if {"dimension", "segment"} <= set(frame.columns):
        frame["column"] = np.where(frame["dimension"] == WHOLE, "overall", frame["dimension"].astype(str) + ": " + frame["segment"].astype(str))
    else:
        cols = [c for c in frame.columns if c not in (*KPI_COLUMNS, *GAP_COLUMNS)]
        frame["column"] = frame[cols].astype(str).agg(", ".join, axis=1) if cols else "overall"
    matrix = frame.pivot_table(index="kpi", columns="column", values="status", aggfunc="first")
    ordered = ["overall", *[c for c in matrix.columns if c != "overall"]]
    return matrix[[c for c in ordered if c in matrix.columns]]


_RAG_CODES = {"met": 0, "within_tolerance": 1, "not significant": 2, "missed": 3, "no_target": 4}
_RAG_COLOURS = ["#2E8B57", "#F0B429", "#C9D4E0", "#C0392B", "#F2F2F2"]


def rag_chart(matrix: pd.DataFrame, *, ax: plt.Axes | None = None, title: str = "") -> plt.Axes:
    """Colour the RAG matrix: green met, amber within tolerance, red missed (significant), light
    blue-grey a shortfall that is not statistically significant, pale grey no target."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    codes = matrix.apply(lambda col: col.map(_RAG_CODES)).astype(float)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 0.42 * matrix.shape[1] + 3), 0.38 * matrix.shape[0] + 1.8))
    ax.imshow(codes.to_numpy(), cmap=ListedColormap(_RAG_COLOURS), vmin=-0.5, vmax=4.5, aspect="auto")
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(matrix.shape[0]), matrix.index, fontsize=8)
    ax.set_xticks(np.arange(-0.5, matrix.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, matrix.shape[0]), minor=True)
    ax.grid(which="minor", color="white", lw=1.5)
    ax.tick_params(which="minor", length=0)
    ax.legend(
        handles=[Patch(color=c, label=k.replace("_", " ")) for k, c in zip(_RAG_CODES, _RAG_COLOURS, strict=True)],
        loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False,
    )
    ax.set_title(title or "KPIs against targets (status by segment; blank: KPI not computed for the segment)")
    return ax


def bullet_chart(rows: pd.DataFrame, *, ax: plt.Axes | None = None, title: str = "") -> plt.Axes:
    """Bullet chart of one KPI across segments: value with its interval, the target line and the
    tolerance band (amber). ``rows`` are gap rows of a single KPI."""
    rows = rows[rows["target"].notna()]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.42 * max(len(rows), 1) + 1.4))
    if rows.empty:
        ax.set_axis_off()
        return ax
    labels = _row_labels(rows)
    y = np.arange(len(rows))
    better = rows["better"].iloc[0]
    for i, r in enumerate(rows.itertuples()):
        tol = 0.0 if pd.isna(r.tolerance) else r.tolerance
        band = (r.target - tol, r.target) if better == "higher" else (r.target, r.target + tol)
        ax.barh(i, band[1] - band[0], left=band[0], height=0.8, color="#F6D776", alpha=0.7, lw=0)
        ax.plot([r.target, r.target], [i - 0.4, i + 0.4], color="black", lw=2)
    colours = rows["status"].map({"met": "#2E8B57", "within_tolerance": "#D4A017", "missed": "#C0392B"}).fillna("grey")
    ax.errorbar(rows["value"], y, xerr=[rows["value"] - rows["ci_low"], rows["ci_high"] - rows["value"]], fmt="none", ecolor="black", lw=1, capsize=2)
    real = rows["significant"].astype(bool).to_numpy() | (rows["status"] == "met").to_numpy()
    ax.scatter(rows["value"][real], y[real], c=list(colours[real]), zorder=3, s=30)
    # hollow: a shortfall that is not statistically real
    ax.scatter(rows["value"][~real], y[~real], facecolors="white", edgecolors=list(colours[~real]), zorder=3, s=30, linewidths=1.5)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    unit = rows["unit"].iloc[0]
    ax.set_xlabel(f"{rows['kpi'].iloc[0]} ({unit}); black line: target, amber: tolerance, whiskers: 95 % CI;\nhollow dot: short of target but not statistically significant")
    ax.set_title(title or f"{rows['kpi'].iloc[0]} against target")
    return ax


def _row_labels(rows: pd.DataFrame) -> list[str]:
    if {"dimension", "segment"} <= set(rows.columns):
        return [("overall" if d == WHOLE else f"{d}: {s}") + f" (n={int(n):,})" for d, s, n in zip(rows["dimension"], rows["segment"], rows["n"], strict=True)]
    cols = [c for c in rows.columns if c not in (*KPI_COLUMNS, *GAP_COLUMNS)]
    return [", ".join(str(r[c]) for c in cols) or "overall" for _, r in rows.iterrows()]


# --- target review ----------------------------------------------------------------------------------
def _more_demanding(base: dict, target: Any, *, pool: np.ndarray, bench: Any, better: str, unit: str,
                    k: int) -> dict[str, Any]:
    """A target met beyond doubt: raise it to the 75th percentile of recent segment performance in
    the better direction, never below the current target or the indicative benchmark."""
    f = format_value
    q = 0.75 if better == "higher" else 0.25
    proposal = float(np.quantile(pool, q)) if len(pool) else np.nan
    proposal = max(proposal, target.target) if better == "higher" else min(proposal, target.target)
    if bench is not None:
        proposal = max(proposal, bench.indicative_target) if better == "higher" else min(proposal, bench.indicative_target)
    if not np.isfinite(proposal) or f(proposal, unit) == f(target.target, unit):
        # met beyond doubt, but recent segment performance gives no more demanding level to propose
        # (never "raise from 90.0 % to 90.0 %")
        return {**base, "status": "keep", "evidence": f"met beyond its interval in each of the last {k} periods",
                "proposed_target": np.nan,
                "reasoning": "Keep: met every period, but the better segments do not reach a higher level to set instead."}
    return {**base, "status": "no_longer_challenging",
            "evidence": f"met beyond its interval in each of the last {k} periods",
            "proposed_target": proposal,
            "reasoning": f"Make it more demanding: {f(proposal, unit)}, the level the best quarter of recent segment "
                         f"performance reaches ({len(pool)} segment-periods), so it stays challenging but is shown achievable."}


def _not_achievable(base: dict, target: Any, *, pool: np.ndarray, bench: Any, better: str, unit: str,
                    k: int) -> dict[str, Any]:
    """A target missed every recent period that no segment reaches: the 60th percentile of recent
    segment performance, held at the indicative benchmark, or kept where the benchmark is at least
    as demanding (the gap is one of resources or process)."""
    f = format_value
    q = 0.60 if better == "higher" else 0.40
    proposal = float(np.quantile(pool, q)) if len(pool) else np.nan
    floor = bench.indicative_target if bench is not None else None
    below_floor = floor is not None and ((better == "higher" and proposal < floor) or (better == "lower" and proposal > floor))
    if below_floor and ((better == "higher" and floor >= target.target) or (better == "lower" and floor <= target.target)):
        return {**base, "status": "not_achievable",
                "evidence": f"missed beyond tolerance in each of the last {k} periods and no segment reaches it",
                "proposed_target": np.nan,
                "reasoning": f"Do not lower it: the indicative benchmark ({f(floor, unit)}) is at least as demanding. "
                             "The gap is one of resources or process, not of the target: plan how to reach it "
                             "(see the recommendations and resourcing stage) and agree an interim milestone with its owner."}
    note = " (held at the indicative benchmark, which it must not fall below)" if below_floor else ""
    proposal = floor if below_floor else proposal
    return {**base, "status": "not_achievable",
            "evidence": f"missed beyond tolerance in each of the last {k} periods and no segment reaches it",
            "proposed_target": proposal,
            "reasoning": f"Set to {f(proposal, unit)}{note}: the level the better segments reach now (60 % of "
                         "recent segment performance in the better direction); review again once it is met."}


def review_targets(
    history: pd.DataFrame,
    targets,
    *,
    current: pd.DataFrame | None = None,
    k: int = 4,
    config=None,
) -> pd.DataFrame:
    """Decide for each target whether to keep it, and propose a new one where the evidence says so.

    Parameters
    ----------
    history : DataFrame
        Stacked per-period KPI values (:func:`~csperf_lib.methods.kpis.stack_breakdowns` of weekly breakdowns: ``kpi,
        dimension, segment, period, value, ci_low, ci_high, n``).
    targets : TargetSet or sequence of Target
        The targets to review (``TargetSet.targets``: the file's; indicative benchmarks are not
        the organisation's targets and are not reviewed).
    current : DataFrame, optional, keyword-only
        Stacked whole-period KPI values (for "no segment reaches it").
    k : int, keyword-only
        Consecutive recent periods the evidence must hold for.

    Returns
    -------
    DataFrame
        ``kpi, dimension, segment, target, status, periods, evidence, proposed_target, reasoning``.
        ``status`` is

        * ``no_longer_challenging`` — in each of the last ``k`` periods the interval lies entirely
          on the better side of the target (lower bound above it, or upper bound below it for
          lower-is-better KPIs): it is met beyond doubt, every period;
        * ``not_achievable`` — missed (beyond tolerance) in each of the last ``k`` periods, and no
          segment of the KPI reaches it over the whole review period;
        * ``keep`` — otherwise (also when fewer than ``k`` periods are available, said in
          ``evidence``).

        Proposals: for a target no longer challenging, the 75th percentile of recent segment
        performance in the better direction; for one not achievable, the 60th; never less
        demanding than the indicative benchmark for the KPI when one exists, and never less
        demanding than the current target when raising it.
    """
    defs = _definitions(config)
    file_targets = [t for t in (targets.targets if hasattr(targets, "targets") else targets) if getattr(t, "origin", "targets file") != "indicative benchmark"]
    benchmarks = {}
    if hasattr(targets, "benchmarks"):
        benchmarks = {b.kpi: b for b in targets.benchmarks if getattr(b, "indicative_target", None) is not None and getattr(b, "comparable", True)}
    rows = []
    hist = history.sort_values("period", kind="stable") if len(history) else history
    for target in file_targets:
        definition = defs.get(target.kpi)
        better = "higher" if getattr(definition, "direction", "") == "higher_is_better" else "lower"
        dim, seg = (target.segment[0] if target.segment else (WHOLE, WHOLE))
        series = hist[(hist["kpi"] == target.kpi) & (hist["dimension"] == dim) & (hist["segment"].astype(str) == str(seg))] if len(hist) else hist
        recent = series.tail(k)
        tol = target.tolerance
        base = {"kpi": target.kpi, "dimension": dim, "segment": seg, "target": target.target, "periods": len(series)}
        if len(recent) < k:
            rows.append({**base, "status": "keep", "evidence": f"only {len(recent)} periods with data (need {k})", "proposed_target": np.nan, "reasoning": "Too little history to review the target."})
            continue
        if better == "higher":
            beyond = (recent["ci_low"] > target.target).all()
        else:
            beyond = (recent["ci_high"] < target.target).all()
        missed = all(classify(v, target.target, tol, better=better) == "missed" for v in recent["value"])
        pool = _recent_pool(hist, target.kpi, dim, k)
        reached = _any_segment_reaches(current, target.kpi, target.target, better) if current is not None else None
        bench = benchmarks.get(target.kpi)
        unit = getattr(definition, "unit", "")
        if beyond:
            rows.append(_more_demanding(base, target, pool=pool, bench=bench, better=better, unit=unit, k=k))
        elif missed and reached is False:
            rows.append(_not_achievable(base, target, pool=pool, bench=bench, better=better, unit=unit, k=k))
        else:
            why = "met in recent periods but not beyond doubt every period" if not missed else "missed, but at least one segment reaches it: a stretch target the best already meet"
            rows.append({**base, "status": "keep", "evidence": why, "proposed_target": np.nan, "reasoning": "Keep: challenging and achievable on the evidence."})
    return pd.DataFrame(rows, columns=["kpi", "dimension", "segment", "target", "status", "periods", "evidence", "proposed_target", "reasoning"])


def _recent_pool(hist: pd.DataFrame, kpi: str, dim: str, k: int) -> np.ndarray:
    """Recent per-period values of the KPI's segments (the target's dimension, else every one)."""
    part = hist[hist["kpi"] == kpi]
    if part.empty:
        return np.array([])
    periods = sorted(part["period"].dropna().unique())[-k:]
    part = part[part["period"].isin(periods)]
    segs = part[part["dimension"] == dim] if dim != WHOLE else part[part["dimension"] != WHOLE]
    if segs.empty:
        segs = part
    return segs["value"].dropna().to_numpy()


def _any_segment_reaches(current: pd.DataFrame, kpi: str, target: float, better: str) -> bool:
    part = current[(current["kpi"] == kpi)]
    if part.empty:
        return False
    values = part["value"].dropna()
    return bool((values >= target).any() if better == "higher" else (values <= target).any())


# --- previous review ----------------------------------------------------------------------------
def previous_summary(run_dir: str | Path, *, run_date=None) -> tuple[str, dict] | None:
    """The latest earlier review beside ``run_dir`` (``<out>/YYYY-MM-DD/summary.json`` with gaps)."""
    run_dir = Path(run_dir)
    current = str(run_date) if run_date is not None else run_dir.name
    candidates = []
    for path in run_dir.parent.glob("*/summary.json"):
        name = path.parent.name
        if len(name) == 10 and name[4] == "-" and name < current and path.parent != run_dir:
            candidates.append(path)
    for path in sorted(candidates, reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("gaps"):
            return path.parent.name, data
    return None


def change_since(gaps: pd.DataFrame, previous: list[dict]) -> pd.DataFrame:
    """Stacked whole-period gaps beside the previous review's: value and status then and now."""
    before = pd.DataFrame(previous)
    if before.empty or not {"kpi", "dimension", "segment", "value", "status"} <= set(before.columns):
        return pd.DataFrame(columns=["kpi", "dimension", "segment", "value_before", "value", "change", "status_before", "status"])
    now = gaps[["kpi", "dimension", "segment", "value", "status", "better"]].copy()
    now["segment"] = now["segment"].astype(str)
    before = before[["kpi", "dimension", "segment", "value", "status"]].rename(columns={"value": "value_before", "status": "status_before"})
    before["segment"] = before["segment"].astype(str)
    merged = now.merge(before, on=["kpi", "dimension", "segment"], how="inner")
    merged["change"] = merged["value"] - merged["value_before"]
    merged["better_or_worse"] = np.select(
        [merged["change"] == 0, (merged["change"] > 0) == (merged["better"] == "higher")], ["same", "better"], "worse"
    )
    return merged[["kpi", "dimension", "segment", "value_before", "value", "change", "better_or_worse", "status_before", "status"]]


# --- the stage ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BenchmarkReview:
    """Everything stage 05 shows.

    Attributes
    ----------
    targets : TargetSet
        Targets, benchmarks and regulatory rules in force.
    gaps : DataFrame
        :func:`benchmark_gaps` on the whole period, stacked over the whole population and every
        segment dimension (``dimension``, ``segment``).
    weekly_gaps : DataFrame
        The same per period.
    shortfalls, strengths : DataFrame
        Significant shortfalls by impact; instances of effective service.
    target_review : DataFrame
        :func:`review_targets`.
    smart : DataFrame
        SMART completeness of each target (:func:`csperf_lib.methods.target_checks.smart_check`).
    regulatory : object
        :class:`csperf_lib.methods.target_checks.RegulatoryResult`.
    previous : tuple of (str, DataFrame) or None
        Date of the previous review and :func:`change_since`.
    findings : tuple of str
        Sentences for the reader (significant shortfalls and strengths, target review, compliance).
    notes : tuple of str
        What the stage could not judge, and why (no target for any KPI the data gives).
    """

    targets: Any
    gaps: pd.DataFrame
    weekly_gaps: pd.DataFrame
    shortfalls: pd.DataFrame
    strengths: pd.DataFrame
    target_review: pd.DataFrame
    smart: pd.DataFrame
    regulatory: Any
    previous: tuple[str, pd.DataFrame] | None = None
    findings: tuple[str, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)


#: KPIs decided before a contact reaches anyone: a team or an agent has no unanswered contacts, so
#: these are not measures of a team's or an agent's performance (the queue's, channel's, region's).
QUEUE_LEVEL_KPIS = frozenset({"answer_rate", "abandonment_rate", "service_level"})
AGENT_DIMENSIONS = frozenset({"team", "agent_id"})


def _drop_agent_level(stacked: pd.DataFrame) -> pd.DataFrame:
    """Stacked rows without queue-level KPIs by team or agent (see :data:`QUEUE_LEVEL_KPIS`)."""
    keep = ~(stacked["kpi"].isin(QUEUE_LEVEL_KPIS) & stacked["dimension"].isin(AGENT_DIMENSIONS))
    return stacked[keep].reset_index(drop=True)


def benchmark_review(
    store,
    *,
    config=None,
    run_dir: str | Path | None = None,
    run_date=None,
    segments: Sequence[str] | None = None,
    period: str = "week",
    alpha: float = 0.05,
    k: int = 4,
) -> BenchmarkReview:
    """Run stage 05: gaps overall and by segment, target review, SMART checks, compliance.

    The KPI values are those stage 03 computed and stored (``stage03_kpis``: whole period and per
    period, overall and by dimension; ``stage03_interval_kpis`` for an interval report): nothing
    is recomputed here, so the gaps judge exactly the numbers stage 03 shows.

    Raises
    ------
    MissingStageError
        When stage 03 has not stored its KPIs in ``store``.
    """

    target_set = targets_from_config(config) if config is not None else targets_from_config(None)
    wanted = {t.kpi for t in target_set.targets} | {b.kpi for b in target_set.benchmarks if b.indicative_target is not None} if target_set.use_benchmarks else {t.kpi for t in target_set.targets}
    stored = read_result(store, "03_quantitative", "kpis", needed_by="05_benchmarks")
    grain = str(stored["grain"].iloc[0]) if len(stored) and "grain" in stored else period
    if grain != period:
        raise CsperfError(f"stage 05 judges persistence by {period}, but stage 03 stored its KPIs by {grain}: run "
                          f"both with the same period")
    stored = stored.drop(columns=["grain"], errors="ignore")
    if wanted:
        stored = stored[stored["kpi"].isin(wanted)]
    present = [d for d in dict.fromkeys(stored["dimension"]) if d != WHOLE]
    if segments:
        dims = [d for d in segments if d in present]
    else:
        dims = [d for d in present if d != "agent_id"]
    stored = stored[stored["dimension"].isin([WHOLE, *dims])]
    dated = stored["period"].notna()
    whole = stored[~dated].reset_index(drop=True)
    weekly = stored[dated].reset_index(drop=True)
    whole, weekly = _drop_agent_level(whole), _drop_agent_level(weekly)
    effective_n: dict[str, tuple[int, int]] = {}
    if store.has("intervals") and not store.has("contacts") and has_result(store, "03_quantitative", "interval_kpis"):
        # An interval report gives the queue KPIs (weighted, dispersion-adjusted) for the whole period.

        interval_kpis = read_result(store, "03_quantitative", "interval_kpis")
        rows = interval_kpi_rows(interval_kpis)
        calls = dict(zip(interval_kpis["kpi"], interval_kpis["n"], strict=True))
        effective_n = {r.kpi: (int(r.n), int(calls[r.kpi])) for r in rows.itertuples() if int(r.n) != int(calls[r.kpi])}
        if len(rows):
            rows.insert(1, "dimension", WHOLE)
            rows.insert(2, "segment", WHOLE)
            whole = pd.concat([whole[~whole["kpi"].isin(rows["kpi"])], rows], ignore_index=True) if len(whole) else rows
    gaps = benchmark_gaps(whole, target_set, history=weekly, alpha=alpha, config=config)
    for kpi, (n_eff, n_calls) in effective_n.items():
        # Interval KPIs are tested on the effective n: say so where the finding quotes it.
        at = (gaps["kpi"] == kpi) & (gaps["dimension"] == WHOLE)
        gaps.loc[at, "finding"] = gaps.loc[at, "finding"].str.replace(
            f"n = {n_eff:,}", f"effective n = {n_eff:,} of {n_calls:,} calls, as days vary more than chance", regex=False)
    weekly_gaps = benchmark_gaps(weekly, target_set, alpha=alpha, config=config)
    shortfalls, strengths = shortfalls_and_strengths(gaps)
    review = review_targets(weekly, target_set, current=whole, k=k, config=config)
    smart = smart_check(target_set, evidence=review)
    regulatory = regulatory_compliance(store, target_set.regulatory)
    previous = None
    if run_dir is not None:
        found = previous_summary(run_dir, run_date=run_date)
        if found:
            previous = (found[0], change_since(gaps, found[1]["gaps"]))
    findings = kpi_findings(gaps)
    notes: list[str] = []
    judged = gaps[(gaps["status"] != "no_target") & gaps["value"].notna()] if len(gaps) else gaps
    if judged.empty:
        notes.append(
            "None of the KPIs this review can compute has a target or an indicative benchmark ("
            + (", ".join(sorted(getattr(_definitions(config).get(k), "name", k) for k in wanted)) or "none is set")
            + " have one, but the data cannot give them), "
            "so there are no gaps to judge: set targets for this review's KPIs in the targets file "
            "(see templates/targets.yaml).")
        findings.insert(0, notes[0])
    for row in review.itertuples():
        if row.status != "keep":
            findings.append(f"Target for {row.kpi} ({'overall' if row.dimension == WHOLE else f'{row.dimension} {row.segment}'}) is {row.status.replace('_', ' ')}: {row.evidence}. {row.reasoning}")
    findings += list(getattr(regulatory, "findings", ()))
    return BenchmarkReview(
        targets=target_set, gaps=gaps, weekly_gaps=weekly_gaps, shortfalls=shortfalls, strengths=strengths,
        target_review=review, smart=smart, regulatory=regulatory, previous=previous, findings=tuple(findings),
        notes=tuple(notes),
    )


def targets_in_scope(review: BenchmarkReview) -> pd.DataFrame:
    """The targets in force for KPIs this review could compute (``TargetSet.table`` rows).

    A target for a KPI the data cannot give (service level in a complaints-only review) judges
    nothing here; those are counted in ``attrs["out_of_scope"]`` (KPI ids) rather than listed.
    """
    table = review.targets.table()
    computed = set(review.gaps.loc[review.gaps["value"].notna(), "kpi"]) if len(review.gaps) else set()
    keep = table["kpi"].isin(computed)
    out = table[keep].reset_index(drop=True)
    out.attrs["out_of_scope"] = sorted(set(table.loc[~keep, "kpi"]))
    return out


def scope_sentence(targets: pd.DataFrame, *, config=None) -> str:
    """One sentence on the targets left out by :func:`targets_in_scope` ('' when none)."""
    left = targets.attrs.get("out_of_scope") or []
    if not left:
        return ""
    names = _definitions(config)
    return (f"Targets or benchmarks in force for KPIs this review's data cannot give are not listed: "
            f"{', '.join(getattr(names.get(k), 'name', k) for k in left)}.")


def summary_entries(review: BenchmarkReview) -> dict[str, Any]:
    """The ``gaps``, ``target_review``, ``smart`` and ``regulatory`` entries of summary.json."""
    gaps = review.gaps.drop(columns=["period"]).copy()
    gaps["segment"] = gaps["segment"].astype(str)
    entries: dict[str, Any] = {
        "gaps": gaps,
        "target_review": review.target_review,
        "smart": review.smart,
    }
    summary = getattr(review.regulatory, "summary", None)
    if summary is not None:
        entries["regulatory"] = summary
    return entries


def display_gaps(gaps: pd.DataFrame) -> pd.DataFrame:
    """Gap rows as a reader sees them: values in their units, one column per fact."""
    f = format_value
    seg = ["dimension", "segment"] if {"dimension", "segment"} <= set(gaps.columns) else [c for c in gaps.columns if c not in (*KPI_COLUMNS, *GAP_COLUMNS)]
    out = gaps[["kpi", *seg]].copy()
    out["value (95 % CI)"] = [f"{f(v, u)} ({f(lo, u)} to {f(hi, u)})" for v, lo, hi, u in zip(gaps["value"], gaps["ci_low"], gaps["ci_high"], gaps["unit"], strict=True)]
    out["n"] = gaps["n"].astype("Int64")
    out["target"] = [f(t, u) for t, u in zip(gaps["target"], gaps["unit"], strict=True)]
    out["tolerance"] = [("" if pd.isna(t) else f(t, u)) for t, u in zip(gaps["tolerance"], gaps["unit"], strict=True)]
    out["status"] = gaps["status"]
    out["statistically real"] = np.where(gaps["significant"].astype(bool), "yes", "no")
    out["adjusted p"] = gaps["p_adjusted"].map(format_p_value)
    out["periods held"] = gaps["persistence"].astype("Int64") if "persistence" in gaps else pd.NA
    out["direction"] = gaps["direction"]
    out["target from"] = gaps["target_origin"].where(gaps["target_origin"] != "", "")
    return out.reset_index(drop=True)


# --- findings -------------------------------------------------------------------------------------
def benchmark_findings(review: BenchmarkReview, *, config=None, period: str = "week", ledger=None):
    """Record what stage 05 concludes in a findings ledger.

    Findings: ``kpi_gap`` for every KPI and segment that misses its target or is only within
    tolerance (``significant`` when the shortfall is statistically real after FDR control, as the
    RAG matrix shows it), ``strength`` for segments significantly better than target (instances
    of effective service), ``target_review`` for targets judged no longer challenging or not
    achievable, and ``regulatory_breach`` for rules with breaches. A segment whose value is not
    recorded (``(not recorded)``) is never a finding: it is not a part of the service.

    Returns
    -------
    FindingsLedger
        For ``05_benchmarks`` (or ``ledger`` when given).
    """

    ledger = ledger if ledger is not None else FindingsLedger("05_benchmarks")
    defs = _definitions(config)
    step_word = {"day": "days", "week": "weeks", "month": "months"}.get(period, "periods")
    gaps = review.gaps
    for row in gaps.to_dict(orient="records") if len(gaps) else ():
        if row["status"] == "no_target" or pd.isna(row["value"]) or str(row["segment"]) == NOT_RECORDED:
            continue
        strength = row["status"] == "met" and bool(row["significant"])
        if row["status"] == "met" and not strength:
            continue
        whole = row["dimension"] == WHOLE
        direction = None if pd.isna(row["gap"]) or row["gap"] == 0 else ("up" if row["gap"] > 0 else "down")
        definition = defs.get(row["kpi"])
        ledger.add(
            "strength" if strength else "kpi_gap", kpi=row["kpi"],
            dimension=None if whole else finding_dimension(row["dimension"]),
            segment=None if whole else str(row["segment"]), direction=direction, favourable=row["status"] == "met",
            estimate=row["value"], ci_low=row["ci_low"], ci_high=row["ci_high"], n=row["n"], comparator=row["target"],
            comparator_label="indicative benchmark" if row["target_origin"] == "indicative benchmark" else "target",
            p_value=row["p_value"], q_value=row["p_adjusted"], significant=bool(row["significant"]),
            effect_name="relative_gap", effect_size=row["gap_pct"],
            attributes={
                "kpi_name": getattr(definition, "name", row["kpi"]), "unit": row["unit"], "status": row["status"],
                "tolerance": row["tolerance"], "persistence": row["persistence"], "moving": row["direction"],
                "target_origin": row["target_origin"], "target_source": row["target_source"], "test": row["test"],
                "impact": row["impact"], "period_word": step_word,
            },
            evidence=[section_link("strengths" if strength else "gaps" if row["significant"] else "all_gaps")],
        )
    for row in review.target_review.to_dict(orient="records") if len(review.target_review) else ():
        if row["status"] == "keep":
            continue
        whole = row["dimension"] == WHOLE
        definition = defs.get(row["kpi"])
        ledger.add(
            "target_review", kpi=row["kpi"], dimension=None if whole else row["dimension"],
            segment=None if whole else str(row["segment"]), key={"status": row["status"]},
            direction="up" if row["status"] == "no_longer_challenging" else "down", favourable=None,
            comparator=row["target"], comparator_label="target", n=row["periods"], significant=True,
            attributes={"kpi_name": getattr(definition, "name", row["kpi"]), "unit": getattr(definition, "unit", ""),
                        "status": row["status"], "evidence": row["evidence"], "reasoning": row["reasoning"],
                        "proposed_target": row["proposed_target"]},
            evidence=[section_link("target_review")],
        )
    summary = getattr(review.regulatory, "summary", None)
    for row in summary.to_dict(orient="records") if summary is not None and len(summary) else ():
        breaches = row.get("breaches")
        if not (breaches and breaches > 0) and row.get("status") != "not compliant":
            continue
        ledger.add(
            "regulatory_breach", key={"rule": row["rule"]}, direction="down", favourable=False,
            estimate=row["rate"], ci_low=row["ci_low"], ci_high=row["ci_high"], n=row["n"],
            comparator=row.get("required_rate"), comparator_label="required rate" if pd.notna(row.get("required_rate")) else None,
            significant=True,
            attributes={"rule": row["rule"], "description": row.get("description"), "source": row.get("source"),
                        "breaches": breaches, "late": row.get("late"), "open_past_window": row.get("open_past_window"),
                        "status": row.get("status"), "table": row.get("table"), "unit": "proportion",
                        "measure": f"compliance with {row.get('description') or row['rule']}"},
            evidence=[section_link("regulatory")],
        )
    return ledger


def stored_results(review: BenchmarkReview) -> dict[str, pd.DataFrame]:
    """What stage 05 stores for later stages (:func:`csperf_lib.core.results.save_results`):
    ``gaps`` (whole-period gaps, stacked) and ``target_review``."""
    gaps = review.gaps.drop(columns=["period"]).copy()
    gaps["segment"] = gaps["segment"].astype(str)
    return {"gaps": gaps, "target_review": review.target_review}
