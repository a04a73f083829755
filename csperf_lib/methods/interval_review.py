"""Interval (ACD) reports reviewed in one call: the stage's :class:`IntervalsReview`.

:func:`intervals_review` runs the measures of :mod:`csperf_lib.methods.intervals` (weighted KPIs,
the export's own averages checked, trend, staffing) on the ``intervals`` table and gathers them with
plain-English notes and the ``intervals`` entry of summary.json; :func:`interval_kpi_rows` turns
the weighted KPIs into rows the target review (stage 05) reads. The formulas and their sources are
in :mod:`csperf_lib.methods.intervals`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.methods.intervals import (
    _LABELS,
    _RATES,
    KPI_COLUMNS,
    TARGET_KPIS,
    _canonical,
    _within,
    averaging_check,
    interval_kpis,
    interval_staffing,
    interval_trend,
    staffing_unavailable,
)

__all__ = [
    "IntervalsReview",
    "interval_kpi_rows",
    "intervals_review",
]


@dataclass(frozen=True, eq=False)
class IntervalsReview:
    """Everything the interval-report sections of the stage notebooks show.

    Attributes
    ----------
    kpis : DataFrame
        :func:`interval_kpis` over every row.
    by_queue : DataFrame
        :func:`interval_kpis` by ``queue`` (empty when the report has one unnamed queue).
    averaging : DataFrame
        :func:`averaging_check`.
    trend : DataFrame or None
        :func:`interval_trend` (None without any time axis).
    staffing : DataFrame or None
        :func:`interval_staffing` (None when :func:`staffing_unavailable` gives a reason; the
        reason is in ``notes``).
    notes : tuple of str
        Plain-English sentences: what the rows allow and what they do not, conventions used.
    summary : dict
        JSON-safe ``intervals`` entry of summary.json.
    """

    kpis: pd.DataFrame
    by_queue: pd.DataFrame
    averaging: pd.DataFrame
    trend: pd.DataFrame | None
    staffing: pd.DataFrame | None
    notes: tuple[str, ...] = ()
    summary: dict[str, Any] = field(default_factory=dict)


def _num(value: Any) -> float | int | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _records(frame: pd.DataFrame | None, columns: Sequence[str]) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    out = []
    for row in frame[[c for c in columns if c in frame.columns]].to_dict("records"):
        out.append({k: (v if isinstance(v, str) else _num(v)) for k, v in row.items()})
    return out


def _pct(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{100 * x:.2f} %"


def _empty_review(note: str) -> IntervalsReview:
    empty = pd.DataFrame(columns=list(KPI_COLUMNS))
    return IntervalsReview(kpis=empty, by_queue=empty.copy(), averaging=pd.DataFrame(), trend=None,
                           staffing=None, notes=(note,), summary={"available": False, "notes": [note]})


def _date_notes(frame: pd.DataFrame, dated: int, config: Any) -> list[str]:
    """What undated rows mean for the trend and the review period."""
    notes: list[str] = []
    if dated == 0:
        notes.append(
            "These rows have no dates (only the export's row label), so the trend runs over the row "
            "order of the export, assumed to be chronological, and nothing can be said by weekday, "
            "month or time of day."
        )
        period_start = getattr(config, "period_start", None)
        period_end = getattr(config, "period_end", None)
        if period_start or period_end:
            notes.append(
                "The review period could not be applied to these rows (they have no dates): every "
                "row was kept."
            )
    elif dated < len(frame):
        notes.append(f"{len(frame) - dated:,} of {len(frame):,} rows have no start time; they count in the "
                     "period KPIs but could not be checked against the review period or placed in time.")
    return notes


def _measure_notes(frame: pd.DataFrame, k: pd.DataFrame, averaging: pd.DataFrame, sl_denominator: str) -> list[str]:
    """Reconstructed service-level counts, missing handle time, over-dispersion and misleading
    averages, in words."""
    notes: list[str] = []
    within, rebuilt, capped = _within(frame, sl_denominator)
    if rebuilt.any():
        threshold = frame["threshold_s"].dropna().unique()
        within_words = f"{threshold[0]:g} s" if len(threshold) == 1 else "the threshold"
        notes.append(
            f"The export gives the service level only as a percentage on {int(rebuilt.sum()):,} rows; the "
            f"count answered within {within_words} was reconstructed as service level x {sl_denominator} "
            f"calls (the convention here: service level = answered within the threshold / {sl_denominator}), "
            f"so the period service level is weighted by {sl_denominator} calls."
        )
        if capped.any():
            notes.append(
                f"On {int(capped.sum()):,} rows the reconstructed count exceeded the calls answered and was "
                f"capped at answered: there the export's percentage must use a smaller denominator than "
                f"{sl_denominator} (e.g. offered minus short abandons), so its definition is not quite ours."
            )
    if k.loc["aht_s", "rows"] == 0 and k.loc["att_s", "rows"] > 0:
        notes.append(
            "No handle time (talk + hold + wrap-up) is mapped; the average talk time per answered call "
            "(ATT) is reported instead, and it understates the work per call."
        )
    for kpi in _RATES:
        phi = k.loc[kpi, "dispersion"]
        # with a handful of rows the dispersion estimate itself is too noisy to comment on
        if isinstance(phi, float) and math.isfinite(phi) and phi > 1.5 and k.loc[kpi, "rows"] >= 10:
            notes.append(
                f"Rows differ more than chance: the row-to-row variance of the {_LABELS[kpi]} is "
                f"{phi:,.0f} times what independent calls would give, so its Wilson interval (which treats "
                f"calls as independent) is too narrow; the adjusted interval "
                f"({_pct(k.loc[kpi, 'ci_low_adjusted'])} to {_pct(k.loc[kpi, 'ci_high_adjusted'])}) allows for it."
            )
    for r in averaging[averaging["matters"]].itertuples() if len(averaging) else ():
        if r.unit == "proportion":
            notes.append(
                f"Averaging rows misleads for the {_LABELS[r.kpi]}: the plain mean of the rows "
                f"({r.naive_source}) is {_pct(r.naive_mean)}, the weighted figure {_pct(r.weighted)}."
            )
        else:
            notes.append(
                f"Averaging rows misleads for the {_LABELS[r.kpi]}: the plain mean of the rows is {r.naive_mean:.1f} s, "
                f"the figure weighted by answered calls {r.weighted:.1f} s."
            )
    return notes


def _summary(frame: pd.DataFrame, *, kpis: pd.DataFrame, by_queue: pd.DataFrame, averaging: pd.DataFrame,
             trend: pd.DataFrame | None, staffing: pd.DataFrame | None, dated: int, sl_denominator: str,
             reason: str | None, notes: list[str]) -> dict[str, Any]:
    """The ``intervals`` entry of summary.json."""
    return {
        "available": True,
        "rows": int(len(frame)),
        "dated_rows": dated,
        "queues": int(frame["queue"].nunique(dropna=True)),
        "sl_denominator": sl_denominator,
        "kpis": {r["kpi"]: {key: val for key, val in r.items() if key != "kpi"}
                 for r in _records(kpis, ["kpi", "value", "numerator", "denominator", "n", "ci_low", "ci_high",
                                          "dispersion", "ci_low_adjusted", "ci_high_adjusted", "rows"])},
        "by_queue": _records(by_queue, ["queue", "kpi", "value", "n", "ci_low", "ci_high"]),
        "averaging": _records(averaging, ["kpi", "unit", "naive_source", "rows", "naive_mean", "weighted",
                                          "difference", "matters"]),
        "trend": _records(trend, ["kpi", "axis", "n", "trend", "p", "slope", "slope_unit"]) if trend is not None else None,
        "staffing": None if staffing is None else {
            "intervals": int(len(staffing)),
            "deployed_source": staffing.attrs["deployed_source"],
            "under_staffed_intervals": int((staffing["gap"] < 0).sum()),
            "required_raw_max": _num(staffing["required_raw"].max()),
        },
        "staffing_unavailable": reason,
        "notes": list(notes),
    }


def intervals_review(
    store_or_frame: Any,
    *,
    config: Any = None,
    sl_denominator: str = "offered",
    export_columns: Mapping[str, str] | None = None,
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> IntervalsReview:
    """Weighted KPIs, averaging check, trend and staffing feed of the review's interval report.

    Parameters
    ----------
    store_or_frame : Store or DataFrame
        The processed store (its validated ``intervals`` table) or the rows themselves.
    config : ReviewConfig, mapping or None, keyword-only
        The review config: the ``staffing:`` section for the staffing feed, and the period (a note
        says when rows without dates could not be checked against it).
    sl_denominator : {"offered", "answered"}, keyword-only
        Service-level convention (default offered; see the module docstring).
    export_columns : mapping, keyword-only
        For :func:`averaging_check` (default: export columns named "Answer Rate" etc.).
    confidence, alpha : float, keyword-only
        Level of the Wilson intervals; significance level of the trend test.

    Returns
    -------
    IntervalsReview
        With empty frames and an ``available: False`` summary when no interval report is mapped.
    """
    if isinstance(store_or_frame, pd.DataFrame):
        data = store_or_frame
    else:
        store = store_or_frame
        if not store.has("intervals"):
            return _empty_review("No interval report (the intervals table) is mapped, so there are no interval KPIs.")
        data = store.table("intervals").execute()
    if data.empty:
        return _empty_review("The interval report has no usable rows.")
    frame = _canonical(data)
    notes: list[str] = []
    kpis = interval_kpis(frame, sl_denominator=sl_denominator, confidence=confidence)
    named_queues = frame["queue"].nunique(dropna=True)
    by_queue = (interval_kpis(frame, by="queue", sl_denominator=sl_denominator, confidence=confidence)
                if named_queues > 1 else pd.DataFrame(columns=["queue", *KPI_COLUMNS]))
    averaging = averaging_check(frame, export_columns=export_columns, sl_denominator=sl_denominator)
    trend = interval_trend(frame, sl_denominator=sl_denominator, alpha=alpha)
    k = kpis.set_index("kpi")

    dated = int(frame["interval_start"].notna().sum())
    notes += _date_notes(frame, dated, config)

    notes += _measure_notes(frame, k, averaging, sl_denominator)

    reason = staffing_unavailable(frame)
    staffing = None
    if reason is None:
        staffing = interval_staffing(frame, config=config, sl_denominator=sl_denominator)
        notes.extend(staffing.attrs.get("notes", ()))
    else:
        notes.append(reason)

    summary = _summary(frame, kpis=kpis, by_queue=by_queue, averaging=averaging, trend=trend, staffing=staffing,
                       dated=dated, sl_denominator=sl_denominator, reason=reason, notes=notes)
    return IntervalsReview(kpis=kpis, by_queue=by_queue, averaging=averaging, trend=trend,
                           staffing=staffing, notes=tuple(notes), summary=summary)


def interval_kpi_rows(kpis: pd.DataFrame) -> pd.DataFrame:
    """:func:`interval_kpis` rows in the shape of :func:`csperf_lib.methods.kpis.compute_kpis`, for the
    benchmark stage.

    Days (or intervals) differ more than binomial sampling explains, so the effective number of
    calls behind a rate is :math:`n / \\hat\\phi` (the design effect of overdispersed binomial
    data, McCullagh & Nelder 1989, §4.5) and the interval is the dispersion-adjusted one: a gap
    test that inverts it is then no more confident than the data allow.

    Returns
    -------
    DataFrame
        ``kpi, period, value, ci_low, ci_high, n, sd`` for :data:`TARGET_KPIS` present.
    """
    rows = []
    for r in kpis[kpis["kpi"].isin(TARGET_KPIS)].itertuples():
        if pd.isna(r.value) or not r.n:
            continue
        phi = r.dispersion if pd.notna(r.dispersion) and r.dispersion > 1 else 1.0
        low = r.ci_low_adjusted if phi > 1 and pd.notna(r.ci_low_adjusted) else r.ci_low
        high = r.ci_high_adjusted if phi > 1 and pd.notna(r.ci_high_adjusted) else r.ci_high
        rows.append({"kpi": r.kpi, "period": None, "value": float(r.value), "ci_low": float(low),
                     "ci_high": float(high), "n": max(1, int(round(float(r.n) / phi))), "sd": np.nan})
    return pd.DataFrame(rows, columns=["kpi", "period", "value", "ci_low", "ci_high", "n", "sd"])
