"""The complaints section of a review in one call: :func:`complaints_review` → :class:`ComplaintsReview`.

Runs the measures of :mod:`csperf_lib.methods.complaints` (Pareto of categories or themes,
timeliness against the configured deadlines, upheld rate, repeat complainants, segments that
differ from the rest) and :mod:`csperf_lib.methods.case_handling` on the canonical ``complaints``
frame, judges only what the data can support (a rate is below a required share only when its whole
interval is; a segment differs only after Benjamini–Hochberg control), and writes the plain-English
findings; :func:`summary_entries` gives its ``complaints`` entry of summary.json.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.summary_io import to_jsonable
from csperf_lib.methods.case_handling import CaseHandling, case_handling
from csperf_lib.methods.complaints import (
    _REPEAT_COLUMNS,
    DEFAULT_SEGMENTS,
    MAX_SEGMENT_LEVELS,
    NOT_RECORDED,
    PARETO_STATS,
    ComplaintTargets,
    RepeatSummary,
    _days,
    _labels,
    _pct,
    _rate_ci,
    _require_frame,
    _timestamps,
    data_as_of,
    pareto,
    repeat_summary,
    segment_differences,
    timeliness,
    upheld_rate,
)

__all__ = [
    "ComplaintsReview",
    "complaints_review",
    "summary_entries",
]


@dataclass(frozen=True)
class ComplaintsReview:
    """Everything the complaints section of a review shows.

    Attributes
    ----------
    totals : dict
        ``complaints``, ``received_from``, ``received_to``, ``as_of`` (Timestamps or None),
        ``resolved``, ``open``, ``decided``, ``categories`` (distinct, recorded),
        ``with_customer_id``.
    targets : ComplaintTargets
        The time targets used.
    pareto : DataFrame
        :func:`pareto` by category (empty without a category column).
    pareto_themes : DataFrame or None
        :func:`pareto` of the themes frame, when one was given.
    timeliness : DataFrame
        :func:`timeliness`, whole population.
    timeliness_by : dict of str to DataFrame
        Dimension -> :func:`timeliness` by that dimension.
    upheld : DataFrame
        :func:`upheld_rate`, whole population.
    upheld_by : dict of str to DataFrame
        Dimension -> :func:`upheld_rate` by that dimension.
    repeat : RepeatSummary
        Repeat complainants (pseudonymised).
    differences : DataFrame
        :func:`segment_differences` over every measure and dimension (BH-adjusted together).
    segments : tuple of str
        Dimensions compared.
    skipped_segments : dict of str to str
        Dimensions not compared, with the reason.
    findings : tuple of str
        Plain-English sentences, each with its number, 95 % interval and n.
    note : str
        Empty, or why the complaints could not be analysed at all.
    handling : CaseHandling or None
        Volumes by dimension, status and outcome mix, timely responses, forwarding and backlog
        (:func:`case_handling`).
    """

    totals: dict
    targets: ComplaintTargets
    pareto: pd.DataFrame
    timeliness: pd.DataFrame
    timeliness_by: dict
    upheld: pd.DataFrame
    upheld_by: dict
    repeat: RepeatSummary
    differences: pd.DataFrame
    segments: tuple[str, ...] = ()
    skipped_segments: dict = field(default_factory=dict)
    pareto_themes: pd.DataFrame | None = None
    findings: tuple[str, ...] = ()
    note: str = ""
    handling: CaseHandling | None = None


def _signed_points(difference: float) -> str:
    """A difference of proportions in percentage points with its sign (``+12``, ``−4``)."""
    return f"{difference * 100:+.0f}".replace("-", "−")


def _measure_phrase(measure: str, targets: ComplaintTargets) -> str:
    if measure == "upheld":
        return "upheld rate"
    verb = "acknowledgement" if measure == "acknowledge" else "resolution"
    return f"{verb} within {targets.label(measure)}"


def _withhold(table: pd.DataFrame, measures: list[str], window_s: float, targets: ComplaintTargets) -> pd.DataFrame:
    """Timeliness rows of ``measures`` with the rate and interval withheld and the reason in ``note``
    (the data window is shorter than the target, so every completed case met it)."""
    table = table.copy()
    rows = table["measure"].isin(measures) & (table["note"].fillna("") == "")  # a row with a note already says why
    if not rows.any():
        return table
    table.loc[rows, ["rate", "ci_low", "ci_high"]] = np.nan
    table.loc[rows, "note"] = [
        f"The data covers only {_days(window_s)}, less than the {targets.label(m)} target, so being "
        f"{'acknowledged' if m == 'acknowledge' else 'resolved'} within it cannot be judged: {int(c):,} were "
        f"{'acknowledged' if m == 'acknowledge' else 'resolved'} within the window and {int(p):,} not yet"
        for m, c, p in zip(table.loc[rows, "measure"], table.loc[rows, "n_completed"], table.loc[rows, "n_pending"], strict=True)
    ]
    return table


def _timeliness_finding(row: pd.Series, targets: ComplaintTargets, as_of: pd.Timestamp) -> str:
    measure = row["measure"]
    verb = "acknowledged" if measure == "acknowledge" else "resolved"
    if row["note"]:
        return row["note"] + "."
    if row["n"] == 0:
        return (f"No complaint can yet be judged against the {targets.label(measure)} target for "
                f"being {verb} ({row['n_pending']:,} still inside it).")
    rate, interval = _rate_ci(row["rate"], row["ci_low"], row["ci_high"])
    sentence = (f"{rate} % of complaints were {verb} within {targets.label(measure)} "
                f"({interval}, n = {row['n']:,}).")
    extra = []
    if row["n_open_overdue"]:
        extra.append(f"{row['n_open_overdue']:,} still open past the target at {as_of:%d %b %Y} count "
                     f"as not {verb} in time")
    if row["n_pending"]:
        extra.append(f"{row['n_pending']:,} more recent ones are not yet judged")
    if extra:
        joined = "; ".join(extra)
        sentence += " " + joined[0].upper() + joined[1:] + "."
    if row["n_completed"]:
        median = (f"median {_days(row['median_s'])}" +
                  (f" (95 % CI {_days(row['median_ci_low'], row['median_ci_high'])})"
                   if math.isfinite(row["median_ci_low"]) else ""))
        sentence += (f" Time to be {verb}: {median}, 90th percentile {_days(row['p90_s'])}, "
                     f"over the {row['n_completed']:,} {verb} by then.")
    goal = targets.required_share
    if goal is not None and math.isfinite(row["ci_low"]):
        if row["ci_high"] < goal:
            sentence += f" That is below the required {_pct(goal)} % (the whole interval lies below it)."
        elif row["ci_low"] >= goal:
            sentence += f" That meets the required {_pct(goal)} % (the whole interval lies at or above it)."
        else:
            sentence += (f" The interval includes the required {_pct(goal)} %, so these data cannot "
                         f"show whether it is met.")
    return sentence


def _difference_finding(row, targets: ComplaintTargets, comparisons: int) -> str:
    measure = _measure_phrase(row.measure, targets)
    higher = row.difference > 0
    if row.measure == "upheld":
        judgement = ""
    else:
        judgement = " — better" if higher else " — worse, a shortfall against the rest"
    p = "< 0.001" if row.p_adjusted < 0.001 else f"= {row.p_adjusted:.3f}"
    rate, interval = _rate_ci(row.rate, row.ci_low, row.ci_high)
    return (
        f"The {measure} in {row.dimension} '{row.segment}' is {rate} % "
        f"({interval}, n = {row.n:,}) against {_pct(row.rest_rate)} % for the rest "
        f"(n = {row.rest_n:,}): {abs(row.difference) * 100:.0f} points {'higher' if higher else 'lower'} "
        f"(95 % CI {_signed_points(row.difference_ci_low)} to {_signed_points(row.difference_ci_high)} "
        f"points){judgement}. "
        f"Statistically real after Benjamini–Hochberg correction over {comparisons} comparisons "
        f"(Fisher exact test, adjusted p {p})."
    )


def _pareto_finding(frame: pd.DataFrame, what: str, *, max_listed: int = 6) -> str:
    if frame.empty:
        return ""
    column = [c for c in frame.columns if c not in PARETO_STATS][0]
    total = int(frame["count"].sum())
    vital = frame[frame["vital_few"]]
    listed = "; ".join("{} {} % ({})".format(r[column], *_rate_ci(r["share"], r["ci_low"], r["ci_high"]))
                       for _, r in vital.head(max_listed).iterrows())
    if len(vital) > max_listed:
        listed += f"; and {len(vital) - max_listed} more"
    sentence = (f"{len(vital)} of {len(frame)} {what} account for {_pct(vital['count'].sum() / total)} % "
                f"of {total:,} {'mentions' if what == 'themes' else 'complaints'} (the vital few): {listed}.")
    missing = frame[frame[column] == NOT_RECORDED]
    if len(missing):
        sentence += f" {int(missing['count'].iloc[0]):,} have no {column} recorded."
    return sentence


def _empty_review(targets: ComplaintTargets, note: str, rows: int = 0) -> ComplaintsReview:
    empty = pd.DataFrame()
    repeat = RepeatSummary(pd.DataFrame(columns=_REPEAT_COLUMNS), 0, 0, math.nan, math.nan, math.nan,
                           0, rows, 0, None, note)
    totals = {"complaints": rows, "received_from": None, "received_to": None, "as_of": None,
              "resolved": 0, "open": 0, "decided": 0, "categories": 0, "with_customer_id": 0}
    return ComplaintsReview(totals=totals, targets=targets, pareto=empty, timeliness=empty,
                            timeliness_by={}, upheld=empty, upheld_by={}, repeat=repeat,
                            differences=segment_differences(pd.DataFrame(
                                columns=["measure", "dimension", "segment", "n", "successes"])),
                            findings=(note,), note=note)


def _present_segments(frame: pd.DataFrame, candidates: Sequence[str], max_levels: int):
    kept, skipped = [], {}
    for name in candidates:
        if name not in frame.columns:
            skipped[name] = "not a column of the complaints table"
            continue
        distinct = int(_labels(frame[name]).loc[lambda s: s != NOT_RECORDED].nunique())
        if distinct < 2:
            skipped[name] = "not recorded" if distinct == 0 else "only one value in the data"
        elif distinct > max_levels:
            skipped[name] = f"{distinct} distinct values, too many to compare one by one"
        else:
            kept.append(name)
    return tuple(kept), skipped


def complaints_review(
    frame: pd.DataFrame | None,
    *,
    targets: ComplaintTargets,
    by: Sequence[str] | str = DEFAULT_SEGMENTS,
    pseudonym_key: bytes | str | None,
    alpha: float = 0.05,
    as_of: pd.Timestamp | str | None = None,
    themes: pd.DataFrame | None = None,
    theme_column: str = "theme",
    window_days: float | None = None,
    max_levels: int = MAX_SEGMENT_LEVELS,
) -> ComplaintsReview:
    """Run the complaints analysis: Pareto, timeliness, upheld rate, repeat complainants and
    statistically real differences between queues and regions.

    Parameters
    ----------
    frame : DataFrame or None
        The canonical complaints table; None or no rows gives a review whose ``note`` says what
        cannot be analysed.
    targets : ComplaintTargets, keyword-only
        Time targets (:meth:`ComplaintTargets.from_config`).
    by : sequence of str, keyword-only
        Segment dimensions compared, default queue and region (those with 2 to ``max_levels``
        recorded values are used; the others are listed in ``skipped_segments``).
    pseudonym_key : bytes, str or None, keyword-only
        Key for pseudonymising customers; None: repeat complainants are not analysed.
    alpha : float, keyword-only
        False discovery rate (Benjamini–Hochberg 1995) over all segment comparisons.
    as_of : Timestamp or str, optional, keyword-only
        See :func:`timeliness` (default: the latest timestamp in the data).
    themes : DataFrame, optional, keyword-only
        One row per (complaint, theme) — e.g. from a text-analysis stage — for a theme Pareto.
    theme_column : str, keyword-only
        The theme column of ``themes``.
    window_days : float, optional, keyword-only
        Repeat window (see :func:`repeat_complainants`).
    max_levels : int, keyword-only
        Most distinct values a dimension may have to be compared segment by segment.

    Returns
    -------
    ComplaintsReview
    """
    unreviewable = _unreviewable(frame, targets)
    if unreviewable is not None:
        return unreviewable
    frame = _require_frame(frame)
    dims, skipped = _present_segments(frame, (by,) if isinstance(by, str) else tuple(by), max_levels)
    moment = pd.Timestamp(as_of) if as_of is not None else data_as_of(frame)
    overall = timeliness(frame, targets=targets, as_of=moment)
    timeliness_by = {d: timeliness(frame, targets=targets, by=d, as_of=moment) for d in dims}
    upheld = upheld_rate(frame)
    upheld_by = {d: upheld_rate(frame, by=d) for d in dims}
    has_category = "category" in frame.columns
    pareto_frame = pareto(frame, by="category") if has_category else pd.DataFrame()
    pareto_themes = pareto(themes, by=theme_column) if themes is not None else None
    repeat = repeat_summary(frame, pseudonym_key=pseudonym_key, window_days=window_days)

    counts_frame = _segment_counts(dims, timeliness_by, upheld_by)
    differences = segment_differences(counts_frame, alpha=alpha)

    received = _timestamps(frame, "received_at")
    resolved = _timestamps(frame, "resolved_at")
    totals = _totals(frame, moment, received=received, resolved=resolved, has_category=has_category)

    findings = _volume_sentences(frame, totals, moment=moment, told_now=as_of is not None, received=received,
                                 resolved=resolved, pareto_frame=pareto_frame if has_category else None,
                                 pareto_themes=pareto_themes)
    handling = case_handling(frame, as_of=moment)
    findings += list(handling.findings)
    overall, timeliness_by, unjudged = _judgeable(frame, overall, timeliness_by, targets=targets, moment=moment,
                                                  received=received)
    findings += unjudged
    findings += [_timeliness_finding(row, targets, moment) for _, row in overall.iterrows()]
    findings += _outcome_sentences(upheld, repeat, differences, targets=targets, dims=dims, alpha=alpha)
    return ComplaintsReview(
        totals=totals, targets=targets, pareto=pareto_frame, pareto_themes=pareto_themes, timeliness=overall,
        timeliness_by=timeliness_by, upheld=upheld, upheld_by=upheld_by, repeat=repeat, differences=differences,
        segments=dims, skipped_segments=skipped, findings=tuple(f for f in findings if f), handling=handling,
    )


def _volume_sentences(frame, totals, *, moment, told_now: bool, received, resolved, pareto_frame,
                      pareto_themes) -> list[str]:
    """Sentences on how many complaints, when, how many are still open, and their Pareto."""
    now_source = " (the latest date in the data, used as 'now')" if not told_now else ""
    short = (totals["received_to"] - totals["received_from"]) < pd.Timedelta(days=2)
    stamp = "%d %b %Y %H:%M" if short else "%d %b %Y"  # a window of hours is told in hours
    findings = [
        f"{len(frame):,} complaints were received between {totals['received_from']:{stamp}} and "
        f"{totals['received_to']:{stamp}}"
        + (f"; {totals['resolved']:,} are resolved and {totals['open']:,} still open at "
           f"{moment:{stamp}}{now_source}." if resolved is not None
           else f"; no resolution dates are recorded (as of {moment:%d %b %Y}).")
    ]
    if (received.dropna() == received.dropna().dt.normalize()).all():
        findings.append("The dates carry no time of day, so elapsed times are whole days: a complaint "
                        "received and acknowledged on the same day counts as 0 seconds.")
    if pareto_frame is not None:
        findings.append(_pareto_finding(pareto_frame, "categories"))
    if pareto_themes is not None and not pareto_themes.empty:
        findings.append(_pareto_finding(pareto_themes, "themes"))
    return findings


def _unreviewable(frame: pd.DataFrame | None, targets: ComplaintTargets) -> ComplaintsReview | None:
    """The review of complaints that cannot be analysed, saying why; None when they can."""
    if frame is None:
        return _empty_review(targets, "No complaints table was supplied, so complaint volumes, "
                                      "categories, timeliness, upheld rates and repeat complainants "
                                      "cannot be analysed.")
    frame = _require_frame(frame)
    if frame.empty:
        return _empty_review(targets, "The complaints table has no rows, so complaint volumes, "
                                      "categories, timeliness, upheld rates and repeat complainants "
                                      "cannot be analysed.")
    if _timestamps(frame, "received_at") is None:
        return _empty_review(targets, "The complaints table has no received_at dates, so complaint "
                                      "timeliness cannot be analysed and the review period is unknown.",
                             rows=len(frame))
    return None


def _segment_counts(dims, timeliness_by, upheld_by) -> pd.DataFrame:
    """``measure, dimension, segment, n, successes`` of every segment, for the comparisons."""
    counts = []
    for d in dims:
        t = timeliness_by[d]
        counts.append(pd.DataFrame({"measure": t["measure"], "dimension": d, "segment": t[d],
                                    "n": t["n"], "successes": t["within_target"]}))
        u = upheld_by[d]
        counts.append(pd.DataFrame({"measure": "upheld", "dimension": d, "segment": u[d],
                                    "n": u["n"], "successes": u["upheld"]}))
    return (pd.concat(counts, ignore_index=True) if counts
            else pd.DataFrame(columns=["measure", "dimension", "segment", "n", "successes"]))


def _totals(frame: pd.DataFrame, moment, *, received, resolved, has_category: bool) -> dict[str, Any]:
    """The review's headline counts and dates."""
    decided = int(frame["upheld"].notna().sum()) if "upheld" in frame.columns else 0
    return {
        "complaints": len(frame),
        "received_from": received.min(),
        "received_to": received.max(),
        "as_of": moment,
        "resolved": int(resolved.notna().sum()) if resolved is not None else None,
        "open": int(resolved.isna().sum()) if resolved is not None else None,
        "decided": decided,
        "categories": int(_labels(frame["category"]).loc[lambda s: s != NOT_RECORDED].nunique()) if has_category else 0,
        "with_customer_id": int(frame["customer_id"].notna().sum()) if "customer_id" in frame.columns else 0,
    }


def _judgeable(frame, overall, timeliness_by, *, targets, moment, received):
    """The timeliness rows that can be judged, and a sentence for each target that cannot."""
    findings: list[str] = []
    # A target whose end date the source never records cannot be judged: say so once, and keep
    # the empty rows out of the tables.
    unrecorded = [m for m, column in (("acknowledge", "acknowledged_at"), ("resolve", "resolved_at"))
                  if _timestamps(frame, column) is None or _timestamps(frame, column).isna().all()]
    if "resolve" not in unrecorded and "acknowledge" in unrecorded:
        unrecorded.remove("acknowledge")  # a resolution counts as the acknowledgement
    for m in unrecorded:
        word = "acknowledgement" if m == "acknowledge" else "resolution"
        findings.append(f"The complaints carry no {word} date, so the {targets.label(m)} {word} target cannot be checked.")
    overall = overall[~overall["measure"].isin(unrecorded)].reset_index(drop=True)
    timeliness_by = {d: t[~t["measure"].isin(unrecorded)].reset_index(drop=True) for d, t in timeliness_by.items()}
    # Every case completed inside a window shorter than the target met it by construction: a rate
    # there would be 100 % whatever the service did, so it is withheld and the reason given.
    window_s = float((moment - received.min()).total_seconds())
    too_short = [m for m in ("acknowledge", "resolve") if window_s < targets.target_s(m)]
    if too_short:
        overall = _withhold(overall, too_short, window_s, targets)
        timeliness_by = {d: _withhold(t, too_short, window_s, targets) for d, t in timeliness_by.items()}
    return overall, timeliness_by, findings


def _outcome_sentences(upheld, repeat, differences, *, targets, dims, alpha) -> list[str]:
    """Sentences on the upheld rate, repeat complainants and the segment differences."""
    findings: list[str] = []
    row = upheld.iloc[0]
    rate, interval = _rate_ci(row["rate"], row["ci_low"], row["ci_high"])
    findings.append(row["note"] + "." if row["note"] else
                    f"{rate} % of decided complaints were upheld ({interval}, n = {row['n']:,}); "
                    f"{row['n_undecided']:,} have no decision yet.")
    if repeat.note:
        findings.append(repeat.note)
    elif repeat.n_complainants:
        window = f" within {repeat.window_days:g} days" if repeat.window_days else ""
        rate, interval = _rate_ci(repeat.rate, repeat.ci_low, repeat.ci_high)
        findings.append(
            f"{repeat.n_repeat:,} of {repeat.n_complainants:,} complainants ({rate} %, "
            f"{interval}) complained more than once{window}, making "
            f"{repeat.complaints_from_repeaters:,} complaints between them"
            + (f"; {repeat.complaints_unattributed:,} complaints carry no customer identifier."
               if repeat.complaints_unattributed else "."))
    significant = differences[differences["significant"].astype(bool)] if len(differences) else differences
    comparisons = len(differences)
    if len(significant):
        findings += [_difference_finding(r, targets, comparisons)
                     for r in significant.sort_values("p_adjusted").itertuples()]
    elif dims:
        findings.append(
            f"No {' or '.join(dims)} differs from the rest on acknowledgement, resolution or upheld "
            f"rate by more than chance would explain (Fisher exact tests, Benjamini–Hochberg "
            f"correction over {comparisons} comparisons at a false discovery rate of {_pct(alpha)} %).")
    return findings


def summary_entries(review: ComplaintsReview, *, top: int = 10) -> dict:
    """The ``complaints`` entry of summary.json (plain JSON: NaN as null, timestamps ISO).

    Parameters
    ----------
    review : ComplaintsReview
    top : int, keyword-only
        Most categories listed (the largest first).

    Returns
    -------
    dict
        ``{"complaints": {available, note, totals, targets, timeliness, timeliness_by, upheld,
        upheld_by, repeat, top_categories, significant_differences, findings}}``; rates are
        proportions 0–1 with ``ci_low``/``ci_high`` and ``n``, durations seconds. Customers
        appear only as counts (no identifiers, not even pseudonyms).
    """

    rate_fields = ["n", "within_target", "rate", "ci_low", "ci_high", "n_open_overdue", "n_pending",
                   "n_invalid", "median_s", "median_ci_low", "median_ci_high", "p90_s", "target_s", "note"]

    def timeliness_records(frame: pd.DataFrame, extra: list[str]) -> list:
        if frame.empty:
            return []
        return frame[["measure", *extra, *rate_fields]].to_dict(orient="records")

    repeat = review.repeat
    entry = {
        "available": not review.note,
        "note": review.note,
        "totals": review.totals,
        "targets": {"acknowledge_s": review.targets.acknowledge_s, "resolve_s": review.targets.resolve_s,
                    "required_share": review.targets.required_share},
        "timeliness": {r["measure"]: {k: v for k, v in r.items() if k != "measure"}
                       for r in timeliness_records(review.timeliness, [])},
        "timeliness_by": {d: timeliness_records(f, [d]) for d, f in review.timeliness_by.items()},
        "upheld": review.upheld.to_dict(orient="records")[0] if not review.upheld.empty else None,
        "handling": None if review.handling is None else {
            "volumes": review.handling.volumes.to_dict(orient="records"),
            "mix": review.handling.mix.to_dict(orient="records"),
            "response": review.handling.response.to_dict(orient="records"),
        },
        "upheld_by": {d: f.to_dict(orient="records") for d, f in review.upheld_by.items()},
        "repeat": {"n_complainants": repeat.n_complainants, "n_repeat": repeat.n_repeat,
                   "rate": repeat.rate, "ci_low": repeat.ci_low, "ci_high": repeat.ci_high,
                   "complaints_from_repeaters": repeat.complaints_from_repeaters,
                   "complaints_unattributed": repeat.complaints_unattributed,
                   "window_days": repeat.window_days, "note": repeat.note},
        "top_categories": (review.pareto.head(top).to_dict(orient="records")
                           if not review.pareto.empty else []),
        "significant_differences": (review.differences[review.differences["significant"].astype(bool)]
                                    .drop(columns=["significant"]).to_dict(orient="records")
                                    if len(review.differences) else []),
        "segments": list(review.segments),
        "skipped_segments": review.skipped_segments,
        "findings": list(review.findings),
    }
    return {"complaints": to_jsonable(entry)}
