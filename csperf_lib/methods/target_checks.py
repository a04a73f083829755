"""Targets examined: SMART quality of each target and compliance with the regulatory rules.

- :func:`smart_check` — is each target Specific, Measurable, Achievable, Realistic, Time-bound
  (Doran 1981, *Management Review* 70(11):35–36), with the evidence for each letter;
- :func:`regulatory_compliance` → :class:`RegulatoryResult` — the compliance rate of each
  regulatory rule (e.g. complaints resolved within 8 weeks, in the spirit of the UK FCA's DISP 1.6),
  computed case by case in the store's engine, with a Wilson interval and the failing cases; cases
  still open and not yet due are not judged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from csperf_lib.core.tables import CANONICAL_TABLES
from csperf_lib.ingest.store import Store
from csperf_lib.methods.stats import wilson_interval
from csperf_lib.methods.targets import (
    _WHOLE_WORDS,
    RULE_SETS,
    UNIT_RANGES,
    BenchmarkEntry,
    RegulatoryRule,
    Target,
    TargetSet,
    _fmt,
    segment_label,
)

__all__ = [
    "RegulatoryResult",
    "regulatory_compliance",
    "smart_check",
]


_DAY_S = 86_400.0


_OPEN_REASON = "still open past the window"


_SUMMARY_COLUMNS = (
    "rule", "description", "source", "table", "window", "as_of", "n", "compliant", "breaches",
    "late", "open_past_window", "pending", "excluded", "rate", "ci_low", "ci_high",
    "required_rate", "status", "caveat",
)


_SMART_COLUMNS = (
    "kpi", "segment", "label", "specific", "measurable", "achievable", "realistic", "time_bound",
    "complete", "missing", "notes",
)


@dataclass(frozen=True)
class RegulatoryResult:
    """Compliance with the regulatory rules.

    Attributes
    ----------
    summary : DataFrame
        One row per rule: ``rule, description, source, table, window, as_of, n, compliant,
        breaches, late, open_past_window, pending, excluded, rate, ci_low, ci_high,
        required_rate, status, caveat``. ``n`` = compliant + breaches (late + open past the
        window); ``rate`` = compliant / n (proportion 0-1) with its Wilson interval; ``status``
        is ``compliant``, ``not compliant`` (the whole interval is below ``required_rate``),
        ``below required rate but not significantly``, ``no required rate`` or
        ``not assessed: <reason>``.
    failing_cases : DataFrame
        ``rule``, the table's key column (e.g. ``complaint_id``), ``start``, ``end`` (the end
        reached, NaT when still open), ``elapsed_days`` (to the end, or to ``as_of`` when
        open), ``reason`` (``late`` or ``still open past the window``); at most ``max_cases``
        per rule, longest first. The full counts are in ``summary``.
    confidence : float
        Level of the intervals.
    note : str
        Which rules are in force and why, in words (e.g. that none is named, so none is judged).
    """

    summary: pd.DataFrame
    failing_cases: pd.DataFrame
    confidence: float = 0.95
    note: str = ""

    @property
    def findings(self) -> tuple[str, ...]:
        """One plain-English sentence per rule, e.g. for a report's findings list."""
        out = []
        for row in self.summary.itertuples(index=False):
            if str(row.status).startswith("not assessed"):
                out.append(f"{row.description}: {row.status} ({row.source}).")
                continue
            sentence = (
                f"{row.description}: {row.rate:.1%} of {row.n} judged cases comply "
                f"({self.confidence:.0%} CI {row.ci_low:.1%}-{row.ci_high:.1%}); {row.breaches} breaches "
                f"({row.late} late, {row.open_past_window} still open past the window)"
            )
            if row.pending:
                sentence += f", {row.pending} still within the window"
            if not pd.isna(row.required_rate):
                sentence += f"; required {row.required_rate:.0%}: {row.status}"
            out.append(f"{sentence} ({row.source}).")
        return tuple(out)


def _evidence_status(evidence: pd.DataFrame | None) -> dict[tuple[str, str], Any]:
    if evidence is None:
        return {}
    missing = {"kpi", "segment", "status"} - set(evidence.columns)
    if missing:
        raise ValueError(f"evidence needs the columns kpi, segment, status (missing {sorted(missing)})")
    dimensions = evidence["dimension"] if "dimension" in evidence.columns else [None] * len(evidence)
    found = {}
    for kpi, dim, seg, status in zip(
        evidence["kpi"], dimensions, evidence["segment"], evidence["status"], strict=True
    ):
        plain = isinstance(seg, str | int | float) and not pd.isna(seg)
        named = dim is not None and not pd.isna(dim) and str(dim).strip().lower() not in _WHOLE_WORDS
        label = segment_label(((dim, seg),)) if plain and named else segment_label(seg)
        found[(str(kpi), label)] = status
    return found


def _realistic(target: Target, entry: BenchmarkEntry | None, unit: str) -> tuple[Any, str, str]:
    """(realistic, what is missing, note) under the rule of the module docstring."""
    low, high, _ = UNIT_RANGES.get(unit, UNIT_RANGES["number"])
    higher = target.direction == "higher_is_better"
    best_end = high if higher else low
    if math.isfinite(best_end) and target.target == best_end:
        return False, f"target at the best end of the scale ({_fmt(best_end)}): no room for error", ""
    if entry is None or not entry.comparable or (entry.band_low is None and entry.band_high is None):
        return pd.NA, "", "realistic not assessed: no comparable benchmark range"
    band_low, band_high = entry.band_low, entry.band_high
    if band_low is not None and band_high is not None:
        margin = band_high - band_low
        band = f"{_fmt(band_low)}-{_fmt(band_high)}"
    else:
        margin = entry.tolerance or 0.0
        band = f"{_fmt(band_low)} or more" if band_low is not None else f"{_fmt(band_high)} or less"
    words = f"indicative benchmark range ({band}; {entry.source})"
    if higher:
        beyond = band_high is not None and target.target > band_high + margin
        weaker = band_low is not None and target.target < band_low
    else:
        beyond = band_low is not None and target.target < band_low - margin
        weaker = band_high is not None and target.target > band_high
    if beyond:
        return False, f"beyond the {words}", ""
    if weaker:
        return True, "", f"less ambitious than the {words}"
    return True, "", ""


def smart_check(
    target_set: TargetSet, *, evidence: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Check every target of the file for SMART completeness and list what is missing.

    Parameters
    ----------
    target_set : TargetSet
        Targets from :func:`load_targets` or :func:`targets_from_config`; indicative-benchmark
        fallbacks are not checked (they are not the organisation's targets).
    evidence : DataFrame, optional, keyword-only
        ``kpi, segment, status`` per target, e.g. the target review of
        :mod:`csperf_lib.stages.benchmarks` (``segment`` as pairs, a mapping or its
        :func:`segment_label`; or, with a ``dimension`` column, the segment's value, e.g.
        ``dimension = "region", segment = "North"``, and ``"all"`` for the whole population).
        ``status == "not_achievable"`` makes a target not achievable;
        a missing row, a missing status or one starting ``not assessed`` or ``insufficient``
        leaves it NA; any other status counts as achievable. Not modified.

    Returns
    -------
    DataFrame
        One row per file target: ``kpi, segment`` (in words), ``label``, ``specific,
        measurable, achievable, realistic, time_bound`` (nullable booleans; NA = not assessed),
        ``complete`` (nothing missing), ``missing`` (plain words, ``"; "``-separated, empty
        when nothing is) and ``notes``. The criteria are defined in the module docstring.
    """
    statuses = _evidence_status(evidence)
    definitions = target_set._definitions()
    rows = []
    for target in target_set.targets:
        definition = definitions.get(target.kpi)
        missing: list[str] = []
        notes: list[str] = []
        if not target.owner:
            missing.append("no owner")
        specific = definition is not None and bool(target.owner)
        measurable = bool(definition is not None and definition.definition and definition.unit)
        if definition is None:
            missing.append("KPI not in the catalogue")
        elif not definition.definition:
            missing.append("KPI has no plain-language definition")
        if target.baseline is None:
            missing.append("no baseline")
        status = statuses.get((target.kpi, target.segment_label))
        text = "" if status is None or pd.isna(status) else str(status).strip()
        if not text or text.lower().startswith(("not assessed", "insufficient")):
            achievable: Any = pd.NA
            notes.append("achievable not assessed: no evidence" if not text else f"achievable: {text}")
        elif text == "not_achievable":
            achievable = False
            missing.append("not achievable per the evidence")
        else:
            achievable = True
        unit = definition.unit if definition is not None else "number"
        realistic, lacking, note = _realistic(target, target_set.benchmark(target.kpi), unit)
        if lacking:
            missing.append(lacking)
        if note:
            notes.append(note)
        time_bound = target.deadline is not None or target.review_date is not None
        if not time_bound:
            missing.append("no deadline or review date")
        if not target.rationale:
            missing.append("no rationale")
        rows.append(
            {
                "kpi": target.kpi,
                "segment": target.segment_label,
                "label": target.label,
                "specific": specific,
                "measurable": measurable,
                "achievable": achievable,
                "realistic": realistic,
                "time_bound": time_bound,
                "complete": not missing,
                "missing": "; ".join(missing),
                "notes": "; ".join(notes),
            }
        )
    out = pd.DataFrame(rows, columns=list(_SMART_COLUMNS))
    for column in ("specific", "measurable", "achievable", "realistic", "time_bound", "complete"):
        out[column] = out[column].astype("boolean")
    return out


def _timestamp(table: ibis.Table, column: str) -> ibis.Value:
    value = table[column]
    return value if value.type().is_timestamp() else value.cast("timestamp")


def _not_assessed(reason: str) -> dict[str, Any]:
    return {"as_of": pd.NaT, "n": 0, "compliant": 0, "breaches": 0, "late": 0, "open_past_window": 0,
            "pending": 0, "excluded": 0, "status": f"not assessed: {reason}"}


def _assess_rule(
    store: Store, rule: RegulatoryRule, *, as_of: pd.Timestamp | None, max_cases: int | None
) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Counts of one rule (computed in the engine) and its failing cases (limited)."""
    if not store.has(rule.table):
        return _not_assessed(f"no {rule.table} table"), None
    table = store.table(rule.table)
    schema = table.schema()
    if rule.start not in schema:
        return _not_assessed(f"no {rule.start} column in the {rule.table} table"), None
    if rule.end[0] not in schema:
        return _not_assessed(f"no {rule.end[0]} column in the {rule.table} table"), None
    ends = [c for c in rule.end if c in schema]
    stamps = sorted(
        {rule.start, *ends}
        | {c for c, kind in CANONICAL_TABLES[rule.table].columns.items() if kind == "datetime" and c in schema}
    )
    start = _timestamp(table, rule.start)
    overview = table.aggregate(
        _rows=table.count(),
        _no_start=start.isnull().cast("int64").sum(),
        _recorded=_timestamp(table, rule.end[0]).count(),
        **{f"_latest_{i}": _timestamp(table, c).max() for i, c in enumerate(stamps)},
    ).execute().iloc[0]
    if int(overview["_rows"]) == 0:
        return _not_assessed(f"the {rule.table} table is empty"), None
    if int(overview["_recorded"]) == 0:
        return _not_assessed(f"{rule.end[0]} is never recorded in the {rule.table} table"), None
    latest = [pd.Timestamp(overview[f"_latest_{i}"]) for i in range(len(stamps))]
    latest = [t for t in latest if pd.notna(t)]
    if as_of is None and not latest:
        return _not_assessed(f"no timestamps are recorded in the {rule.table} table"), None
    moment = pd.Timestamp(as_of) if as_of is not None else max(latest)
    literal = ibis.literal(moment.to_pydatetime(), type="timestamp")
    moment_s = (moment - pd.Timestamp(0)).total_seconds()

    completed = None
    before_start = ibis.literal(False)
    for column in ends:
        end = _timestamp(table, column)
        usable = ibis.ifelse(end.notnull() & (end >= start) & (end <= literal), end, ibis.null("timestamp"))
        completed = usable if completed is None else ibis.ifelse(
            completed.isnull() | (usable.notnull() & (usable < completed)), usable, completed
        )
        before_start = before_start | (end.notnull() & (end < start))
    start_s = start.epoch_seconds().cast("float64")
    view = table.filter(start.notnull() & (start <= literal)).mutate(
        _start=start,
        _end=completed,
        _elapsed=completed.epoch_seconds().cast("float64") - start_s,
        _age=ibis.literal(moment_s) - start_s,
        _before=before_start,
    )
    window = float(rule.within_s)
    done = view["_end"].notnull()
    compliant = done & (view["_elapsed"] <= window)
    late = done & (view["_elapsed"] > window)
    excluded = ~done & view["_before"]
    overdue = ~done & ~view["_before"] & (view["_age"] > window)
    pending = ~done & ~view["_before"] & (view["_age"] <= window)
    counts = view.aggregate(
        compliant=compliant.cast("int64").sum(),
        late=late.cast("int64").sum(),
        open_past_window=overdue.cast("int64").sum(),
        pending=pending.cast("int64").sum(),
        excluded=excluded.cast("int64").sum(),
    ).execute().iloc[0]
    record = {name: int(0 if pd.isna(counts[name]) else counts[name])
              for name in ("compliant", "late", "open_past_window", "pending", "excluded")}
    record["excluded"] += int(0 if pd.isna(overview["_no_start"]) else overview["_no_start"])
    record["breaches"] = record["late"] + record["open_past_window"]
    record["n"] = record["compliant"] + record["breaches"]
    record["as_of"] = moment

    key = CANONICAL_TABLES[rule.table].key
    cases = None
    if record["breaches"]:
        # Computed names start with "_": an export's extra column ("Reason") must not meet them.
        failing = view.filter(late | overdue).mutate(
            _elapsed_days=ibis.ifelse(view["_end"].notnull(), view["_elapsed"], view["_age"]) / _DAY_S,
            _reason=ibis.ifelse(view["_end"].notnull(), "late", _OPEN_REASON),
        )
        keys = [key] if key is not None and key in schema else []
        ordered = failing.order_by([ibis.desc("_elapsed_days"), *keys])
        if max_cases is not None:
            ordered = ordered.limit(int(max_cases))
        cases = ordered.select(*keys, "_start", "_end", "_elapsed_days", "_reason").execute()
        cases = cases.rename(columns={"_start": "start", "_end": "end", "_elapsed_days": "elapsed_days",
                                      "_reason": "reason"})
        cases.insert(0, "rule", rule.id)
    return record, cases


def regulatory_compliance(
    store: Store,
    rules: TargetSet | Iterable[RegulatoryRule],
    *,
    as_of: pd.Timestamp | str | None = None,
    max_cases: int | None = 50,
    confidence: float = 0.95,
) -> RegulatoryResult:
    r"""Compliance rates of regulatory rules, with the failing cases listed.

    Parameters
    ----------
    store : Store
        The processed store (its usable rows, :meth:`csperf_lib.ingest.store.Store.table`).
    rules : TargetSet or iterable of RegulatoryRule
        The rules (a TargetSet's ``regulatory``).
    as_of : Timestamp or str, optional, keyword-only
        The moment open rows are aged to. Default: per rule, the latest timestamp in its table
        (never the wall clock). Rows starting after it are not in view; ends after it have not
        happened yet.
    max_cases : int or None, keyword-only
        Failing cases listed per rule, longest first (None: all). Counts are never limited.
    confidence : float, keyword-only
        Level of the Wilson intervals (default 0.95).

    Returns
    -------
    RegulatoryResult
        ``summary`` (one row per rule) and ``failing_cases``; see :class:`RegulatoryResult`.
        A rule whose table or columns are absent, or whose first end column is never filled
        in, is ``not assessed: <reason>`` rather than an error.

    Notes
    -----
    Per rule, compliant :math:`x` of :math:`n` judged rows, :math:`\hat p = x/n`, with the
    Wilson (1927) score interval. With a required rate :math:`r`: ``not compliant`` when the
    interval's upper bound is below :math:`r`; ``below required rate but not significantly``
    when :math:`\hat p < r` otherwise; else ``compliant``. With :math:`r = 1` any breach makes
    the upper bound fall below 1, so every breach counts.
    """
    rule_list = list(rules.regulatory if isinstance(rules, TargetSet) else rules)
    if max_cases is not None and int(max_cases) < 0:
        raise ValueError(f"max_cases must be >= 0 or None, got {max_cases!r}")
    moment = None if as_of is None else pd.Timestamp(as_of)
    records = []
    cases: list[pd.DataFrame] = []
    for rule in rule_list:
        record, failing = _assess_rule(store, rule, as_of=moment, max_cases=max_cases)
        record.update(
            rule=rule.id, description=rule.description, source=rule.source, table=rule.table,
            window=rule.window_label, caveat=rule.caveat,
            required_rate=math.nan if rule.required_rate is None else float(rule.required_rate),
        )
        n, x = record["n"], record["compliant"]
        low, high = wilson_interval(x, n, confidence=confidence) if n else (math.nan, math.nan)
        record.update(rate=x / n if n else math.nan, ci_low=float(low), ci_high=float(high))
        if "status" not in record:
            required = rule.required_rate
            if n == 0:
                record["status"] = "not assessed: no case can be judged yet (all pending or excluded)"
            elif required is None:
                record["status"] = "no required rate"
            elif record["ci_high"] < required:
                record["status"] = "not compliant"
            elif record["rate"] < required:
                record["status"] = "below required rate but not significantly"
            else:
                record["status"] = "compliant"
        records.append(record)
        if failing is not None and len(failing):
            cases.append(failing)
    summary = pd.DataFrame(records, columns=list(_SUMMARY_COLUMNS))
    base = ["rule", "start", "end", "elapsed_days", "reason"]
    if cases:
        failing_cases = pd.concat(cases, ignore_index=True)
        keys = [c for c in failing_cases.columns if c not in base]
        failing_cases = failing_cases[["rule", *keys, *base[1:]]]
    else:
        failing_cases = pd.DataFrame(
            {"rule": pd.Series(dtype="string"), "start": pd.Series(dtype="datetime64[ns]"),
             "end": pd.Series(dtype="datetime64[ns]"), "elapsed_days": pd.Series(dtype="float64"),
             "reason": pd.Series(dtype="string")}
        )
    return RegulatoryResult(summary=summary, failing_cases=failing_cases, confidence=float(confidence),
                            note=_rules_note(rules, len(rule_list)))


def _rules_note(rules: TargetSet | Iterable[RegulatoryRule], count: int) -> str:
    """Which regulatory rules are judged, and where they come from, in one sentence."""
    if count == 0:
        return ("No regulatory rule set is named in the targets, so no regulatory compliance is judged: a "
                "jurisdiction's rules are never assumed. Name one (`regulatory: uk_fca_disp`) or list the rules.")
    name = getattr(rules, "rule_set", None)
    if name:
        return f"The targets name the {RULE_SETS[name][0]} rule set ({count} rules)."
    return f"{count} rule(s) listed in the targets."
