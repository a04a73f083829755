r"""Interval (ACD) reports: correctly weighted KPIs, the export's own averages checked, trend, staffing.

Many contact centres have only the ACD's interval or daily queue reports, not contact records. The
optional canonical table ``intervals`` (:class:`csperf_lib.ingest.schemas.IntervalsModel`) holds one row
per interval and queue: counts (``offered``, ``answered``, ``abandoned``,
``answered_within_threshold``), the export's ``service_level`` proportion where it gives no count,
and wait / talk / handle times as interval TOTALS in seconds (an export's averages become totals
when mapped with ``average_of``, see :mod:`csperf_lib.core.config`).

Public API
----------
- :func:`interval_kpis` — period KPIs weighted by calls, each rate with n and a Wilson interval.
- :func:`averaging_check` — the export's own averaged figures (plain mean of daily percentages,
  of daily ASA) against the weighted ones.
- :func:`interval_trend` — Mann–Kendall trend and Sen's slope of the daily (or per-row) KPIs.
- :func:`staffing_unavailable`, :func:`interval_staffing` — the offered-load table the Erlang
  functions of :mod:`csperf_lib.methods.erlang` need, with agents required per interval against
  ``agents_staffed``.

:func:`csperf_lib.methods.interval_review.intervals_review` gathers everything above in one
review for the stage notebooks, with plain-English notes and the ``intervals`` entry of summary.json.

Formulas
--------
Over the rows :math:`i` of a period (or a group such as a queue):

.. math::

    \text{answer rate} = \frac{\sum_i \text{answered}_i}{\sum_i \text{offered}_i}, \quad
    \text{abandonment rate} = \frac{\sum_i \text{abandoned}_i}{\sum_i \text{offered}_i}, \quad
    \text{service level} = \frac{\sum_i \text{within}_i}{\sum_i \text{offered}_i},

.. math::

    \text{ASA} = \frac{\sum_i \text{wait}_i}{\sum_i \text{answered}_i}, \quad
    \text{ATT} = \frac{\sum_i \text{talk}_i}{\sum_i \text{answered}_i}, \quad
    \text{AHT} = \frac{\sum_i \text{handle}_i}{\sum_i \text{answered}_i}.

A period rate is a ratio of sums, never the mean of the rows' rates: the mean of daily
percentages gives a quiet day as much weight as a busy one, and busy days are usually the worst
served, so the plain mean flatters the service (the "average of averages" error; COPC Inc. 2020,
*COPC CX Standard* release 7, KPI definitions; Cleveland, B. 2019, *Call Center Management on
Fast Forward*, 4th ed., ch. 9, on averaging service levels across intervals). ASA is the mean wait
of *answered* calls (the ACD definition), so it is weighted by answered calls.

Service-level convention: answered within the threshold / **offered** (abandoned calls count as
not answered within the threshold), the definition the Erlang models of
:mod:`csperf_lib.methods.erlang` predict; ``sl_denominator="answered"`` gives within / answered instead.
Where a row gives only the export's percentage, its count is reconstructed as
:math:`\text{within}_i = \text{service\_level}_i \times \text{denominator}_i` and capped at
``answered`` (an export whose own denominator is smaller than offered, e.g. offered minus short
abandons, can give more than the calls answered); the notes say how many rows were rebuilt.

Uncertainty: each rate has :math:`n` = its denominator in calls and the Wilson (1927) 95 % score
interval (:func:`csperf_lib.methods.stats.wilson_interval`). That interval treats calls as independent
trials; in practice days differ more than binomial sampling explains, so the Pearson dispersion
:math:`\hat\phi = \chi^2/(k-1)`, :math:`\chi^2 = \sum_i (x_i - n_i\hat p)^2 / (n_i\hat p(1-\hat
p))` over the :math:`k` rows (McCullagh & Nelder 1989, *Generalized Linear Models*, 2nd ed.,
§4.5), is reported, and when :math:`\hat\phi > 1` a dispersion-adjusted Wilson interval with the
effective sample size :math:`n/\hat\phi` (quasi-binomial) beside it. ASA, ATT and AHT carry no
interval: interval totals hold no per-call spread.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.tables import CANONICAL_TABLES
from csperf_lib.ingest.mapping import to_duration, to_percent
from csperf_lib.methods.erlang import erlang_c, required_agents
from csperf_lib.methods.staffing import INTERVAL_COLUMNS, StaffingOptions, staffing_options
from csperf_lib.methods.stats import wilson_interval
from csperf_lib.methods.trend import mann_kendall

__all__ = [
    "KPI_DEFINITIONS",
    "averaging_check",
    "interval_kpis",
    "interval_staffing",
    "interval_trend",
    "staffing_unavailable",
]

SL_DENOMINATORS = ("offered", "answered")
#: Longest interval the Erlang models are applied to: they assume a constant arrival rate within
#: the interval, which holds for 15-60 minute planning intervals (Koole 2013, ch. 4) and never
#: for a whole day.
MAX_STAFFING_INTERVAL_S = 3600.0
_DAY_S = 86400.0

#: What each KPI of :func:`interval_kpis` is, in words.
KPI_DEFINITIONS = {
    "offered": "calls offered (sum over the rows)",
    "answered": "calls answered (sum)",
    "abandoned": "calls abandoned (sum)",
    "answer_rate": "sum answered / sum offered",
    "abandonment_rate": "sum abandoned / sum offered (rows with an abandoned count)",
    "service_level": "sum answered within the threshold / sum {den} (rows with a count or a percentage)",
    "asa_s": "sum wait of answered calls / sum answered (average speed of answer, s); no interval: "
             "totals hold no per-call spread",
    "att_s": "sum talk time / sum answered (average talk time, s); no interval",
    "aht_s": "sum handle time (talk + hold + wrap) / sum answered (average handle time, s); no interval",
}
_RATES = ("answer_rate", "abandonment_rate", "service_level")
_LABELS = {"answer_rate": "answer rate", "abandonment_rate": "abandonment rate", "service_level": "service level",
           "asa_s": "average speed of answer (ASA)", "att_s": "average talk time (ATT)",
           "aht_s": "average handle time (AHT)"}
_TIMES = {"asa_s": "wait_s_total", "att_s": "talk_s_total", "aht_s": "handle_s_total"}
KPI_COLUMNS = (
    "kpi", "value", "numerator", "denominator", "n", "ci_low", "ci_high", "dispersion",
    "ci_low_adjusted", "ci_high_adjusted", "rows", "unit", "definition",
)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _canonical(data: pd.DataFrame) -> pd.DataFrame:
    """A copy with every canonical intervals column present (missing ones all null), numbers as floats."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame of the intervals table, not {type(data).__name__}")
    missing = [c for c in ("offered", "answered") if c not in data.columns]
    if missing:
        raise ValueError(f"the intervals data needs columns {missing} (offered and answered are required)")
    frame = data.copy()
    for column, kind in CANONICAL_TABLES["intervals"].columns.items():
        if column not in frame.columns:
            frame[column] = pd.NaT if kind == "datetime" else (np.nan if kind in ("number", "duration") else pd.NA)
        elif kind in ("number", "duration"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        elif kind == "datetime":
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


def _check_denominator(sl_denominator: str) -> str:
    if sl_denominator not in SL_DENOMINATORS:
        raise ValueError(f"sl_denominator must be one of {SL_DENOMINATORS}, got {sl_denominator!r}")
    return sl_denominator


def _within(frame: pd.DataFrame, sl_denominator: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Answered within the threshold per row: the count where given, else the export's proportion
    x the denominator, capped at answered. Returns (within, rebuilt, capped) masks/values."""
    count = frame["answered_within_threshold"]
    rebuilt = count.isna() & frame["service_level"].notna() & frame[sl_denominator].notna()
    estimate = frame["service_level"] * frame[sl_denominator]
    capped = rebuilt & (estimate > frame["answered"]).fillna(False)
    within = count.where(~rebuilt, estimate.clip(upper=frame["answered"]))
    return within, rebuilt, capped


def _dispersion(x: np.ndarray, n: np.ndarray) -> float:
    """Pearson dispersion chi2 / (k - 1) of per-row counts x out of n around the pooled rate."""
    keep = n > 0
    x, n = x[keep], n[keep]
    k = len(n)
    if k < 2 or n.sum() <= 0:
        return math.nan
    p = x.sum() / n.sum()
    if p <= 0 or p >= 1:
        return math.nan
    chi2 = float(np.sum((x - n * p) ** 2 / (n * p * (1 - p))))
    return chi2 / (k - 1)


def _by_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


# --------------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------------


def _kpi_rows(g: pd.DataFrame, sl_denominator: str, confidence: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    off, ans = g["offered"], g["answered"]
    for name, column in (("offered", "offered"), ("answered", "answered"), ("abandoned", "abandoned")):
        values = g[column].dropna()
        rows.append({"kpi": name, "value": float(values.sum()) if len(values) else math.nan,
                     "rows": int(len(values)), "unit": "calls"})
    within, _, _ = _within(g, sl_denominator)
    rates = {
        "answer_rate": (ans, off, pd.Series(True, index=g.index)),
        "abandonment_rate": (g["abandoned"], off, g["abandoned"].notna()),
        "service_level": (within, g[sl_denominator], within.notna()),
    }
    for name, (num, den, keep) in rates.items():
        keep = keep & num.notna() & den.notna()
        x, n = num[keep].to_numpy(float), den[keep].to_numpy(float)
        total_x, total_n = float(x.sum()), float(n.sum())
        row = {"kpi": name, "numerator": total_x, "denominator": total_n, "n": total_n,
               "rows": int(keep.sum()), "unit": "proportion"}
        if total_n > 0:
            lo, hi = wilson_interval(total_x, total_n, confidence=confidence)
            phi = _dispersion(x, n)
            row.update(value=total_x / total_n, ci_low=lo, ci_high=hi, dispersion=phi)
            if math.isfinite(phi) and phi > 1:
                lo_a, hi_a = wilson_interval(total_x / phi, total_n / phi, confidence=confidence)
                row.update(ci_low_adjusted=lo_a, ci_high_adjusted=hi_a)
            else:
                row.update(ci_low_adjusted=lo, ci_high_adjusted=hi)
        else:
            row["value"] = math.nan
        rows.append(row)
    for name, column in _TIMES.items():
        keep = g[column].notna() & ans.notna()
        total, calls = float(g.loc[keep, column].sum()), float(ans[keep].sum())
        rows.append({"kpi": name, "value": total / calls if calls > 0 else math.nan, "numerator": total,
                     "denominator": calls, "n": calls, "rows": int(keep.sum()), "unit": "seconds"})
    for row in rows:
        row["definition"] = KPI_DEFINITIONS[row["kpi"]].format(den=sl_denominator)
    return rows


def interval_kpis(
    data: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    sl_denominator: str = "offered",
    confidence: float = 0.95,
) -> pd.DataFrame:
    r"""Period KPIs of an interval report, weighted by calls (see the module docstring).

    Parameters
    ----------
    data : DataFrame
        Rows of the canonical ``intervals`` table (extra columns are ignored; not modified).
    by : str or sequence of str, keyword-only
        Group columns (e.g. ``"queue"``); None for the whole period. Rows with a null group value
        form their own group.
    sl_denominator : {"offered", "answered"}, keyword-only
        Service level = answered within threshold / this (default offered; see the module
        docstring). Percentages without counts are turned into counts with the same denominator.
    confidence : float, keyword-only
        Level of the Wilson intervals (default 0.95).

    Returns
    -------
    DataFrame
        Long format, one row per group and KPI: the ``by`` columns, then :data:`KPI_COLUMNS`:
        ``value`` (sum for counts, proportion 0-1 for rates, seconds for times), ``numerator`` and
        ``denominator`` (the sums the value is the ratio of), ``n`` (calls in the denominator),
        ``ci_low``/``ci_high`` (Wilson, rates only), ``dispersion`` (Pearson :math:`\hat\phi`
        across the rows; 1 = binomial), ``ci_low_adjusted``/``ci_high_adjusted`` (Wilson with
        :math:`n/\hat\phi` when :math:`\hat\phi > 1`), ``rows`` (rows contributing), ``unit`` and
        ``definition``.

    Examples
    --------
    Two days, 100 offered / 90 answered and 1,000 offered / 500 answered: the answer rate is
    590 / 1,100 = 53.6 %, not the 70 % mean of the daily rates.

    >>> d = pd.DataFrame({"offered": [100, 1000], "answered": [90, 500]})
    >>> k = interval_kpis(d).set_index("kpi")
    >>> round(k.loc["answer_rate", "value"], 4)
    0.5364
    """
    _check_denominator(sl_denominator)
    frame = _canonical(data)
    keys = _by_list(by)
    for key in keys:
        if key not in frame.columns:
            raise ValueError(f"by: '{key}' is not a column of the intervals data")
    if not keys:
        out = pd.DataFrame(_kpi_rows(frame, sl_denominator, confidence))
    else:
        parts = []
        for values, g in frame.groupby(keys, dropna=False, sort=True):
            values = values if isinstance(values, tuple) else (values,)
            part = pd.DataFrame(_kpi_rows(g, sl_denominator, confidence))
            for key, value in zip(keys, values, strict=True):
                part[key] = value
            parts.append(part)
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(KPI_COLUMNS))
    for column in KPI_COLUMNS:
        if column not in out.columns:
            out[column] = np.nan
    return out[[*keys, *KPI_COLUMNS]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# the export's own averages
# --------------------------------------------------------------------------------------------

#: KPIs :func:`averaging_check` compares, with their unit.
AVERAGED_KPIS = {
    "answer_rate": "proportion",
    "abandonment_rate": "proportion",
    "service_level": "proportion",
    "asa_s": "seconds",
    "att_s": "seconds",
    "aht_s": "seconds",
}
_RATIO_WORDS = {
    "answer_rate": "answered / offered",
    "abandonment_rate": "abandoned / offered",
    "service_level": "answered within threshold / denominator",
    "asa_s": "wait_s_total / answered",
    "att_s": "talk_s_total / answered",
    "aht_s": "handle_s_total / answered",
}
#: Unmapped export columns recognised as the export's own daily rates when ``export_columns`` is
#: not given: lower-case name -> KPI.
_AUTO_EXPORT_COLUMNS = {"answer rate": "answer_rate", "abandon rate": "abandonment_rate",
                        "abandonment rate": "abandonment_rate", "abandoned rate": "abandonment_rate"}


def _export_values(series: pd.Series, unit: str) -> pd.Series:

    values, _ = to_percent(series) if unit == "proportion" else to_duration(series)
    return values


def _auto_export_columns(frame: pd.DataFrame) -> dict[str, str]:
    canonical = set(CANONICAL_TABLES["intervals"].columns)
    found = {}
    for column in frame.columns:
        if column in canonical or str(column).startswith("_"):
            continue
        kpi = _AUTO_EXPORT_COLUMNS.get(str(column).strip().lower())
        if kpi is not None and kpi not in found:
            found[kpi] = column
    return found


def averaging_check(
    data: pd.DataFrame,
    *,
    export_columns: Mapping[str, str] | None = None,
    sl_denominator: str = "offered",
    material_points: float = 0.01,
    material_relative: float = 0.05,
) -> pd.DataFrame:
    r"""The plain mean of per-row figures (what a spreadsheet "average" of the export gives) against
    the correctly weighted period figure.

    For each KPI the naive figure is the unweighted mean over rows of the export's own column when
    one is named (e.g. the daily "Answer Rate" kept beside the canonical columns by the collect
    stage), otherwise of the per-row ratio of the canonical columns (answered / offered per day,
    wait total / answered = the day's ASA, the export's ``service_level`` proportion). The weighted
    figure is :func:`interval_kpis`' ratio of sums over the same rows.

    Parameters
    ----------
    data : DataFrame
        Rows of the ``intervals`` table, extra export columns included (not modified).
    export_columns : mapping of str to str, keyword-only
        KPI (one of :data:`AVERAGED_KPIS`) -> export column holding the export's own per-row
        figure (percentages such as "94.01%", or durations such as "0:00:17"). None: columns named
        "Answer Rate" (or "Abandon(ment) Rate") are used when present.
    sl_denominator : {"offered", "answered"}, keyword-only
        As for :func:`interval_kpis`.
    material_points : float, keyword-only
        A rate difference at least this large (proportion; 0.01 = one percentage point) matters.
    material_relative : float, keyword-only
        A time difference at least this share of the weighted value (and at least 1 s) matters.

    Returns
    -------
    DataFrame
        ``kpi, unit, naive_source, rows, naive_mean, weighted, difference`` (naive - weighted),
        ``relative_difference`` (difference / weighted), ``matters`` (bool) and ``explanation``.
        KPIs the data cannot give are left out.
    """
    _check_denominator(sl_denominator)
    frame = _canonical(data)
    if export_columns is None:
        export_columns = _auto_export_columns(frame)
    for kpi, column in export_columns.items():
        if kpi not in AVERAGED_KPIS:
            raise ValueError(f"export_columns: '{kpi}' is not one of {', '.join(AVERAGED_KPIS)}")
        if column not in frame.columns:
            raise ValueError(f"export_columns: column '{column}' (for {kpi}) is not in the data")
    within, _, _ = _within(frame, sl_denominator)
    off, ans = frame["offered"], frame["answered"]
    pairs = {
        "answer_rate": (ans, off),
        "abandonment_rate": (frame["abandoned"], off),
        "service_level": (within, frame[sl_denominator]),
        **{kpi: (frame[col], ans) for kpi, col in _TIMES.items()},
    }
    rows = []
    for kpi, unit in AVERAGED_KPIS.items():
        num, den = pairs[kpi]
        keep = num.notna() & den.notna() & (den > 0)
        if kpi in export_columns:
            naive_values = _export_values(frame[export_columns[kpi]], unit)
            source = f"export column '{export_columns[kpi]}'"
        elif kpi == "service_level" and frame["service_level"].notna().any():
            # the export's own percentage is the figure a reader would average
            naive_values = frame["service_level"].where(frame["service_level"].notna(), within / den)
            source = "the export's own service-level column"
        else:
            naive_values = num / den
            source = f"per-row {_RATIO_WORDS[kpi]}"
        keep &= naive_values.notna()
        if not keep.any():
            continue
        naive = float(naive_values[keep].mean())
        weighted = float(num[keep].sum() / den[keep].sum())
        diff = naive - weighted
        rel = diff / weighted if weighted else math.nan
        if unit == "proportion":
            matters = abs(diff) >= material_points
            size = f"{100 * abs(diff):.1f} percentage points"
        else:
            matters = abs(diff) >= 1.0 and abs(rel) >= material_relative
            size = f"{abs(diff):.1f} s ({100 * abs(rel):.0f} %)"
        if abs(diff) < 1e-12:
            explanation = "The plain mean equals the weighted figure."
        else:
            direction = "overstates" if diff > 0 else "understates"
            explanation = (
                f"The plain mean of the rows {direction} the weighted figure by {size}: every row "
                f"counts the same however many calls it holds"
                + (", so this matters." if matters else "; too small to matter.")
            )
        rows.append({"kpi": kpi, "unit": unit, "naive_source": source, "rows": int(keep.sum()),
                     "naive_mean": naive, "weighted": weighted, "difference": diff,
                     "relative_difference": rel, "matters": bool(matters), "explanation": explanation})
    columns = ["kpi", "unit", "naive_source", "rows", "naive_mean", "weighted", "difference",
               "relative_difference", "matters", "explanation"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------------------------
# trend
# --------------------------------------------------------------------------------------------


def _time_axis(frame: pd.DataFrame) -> tuple[str, pd.Series] | None:
    """("date", dates) when every row has a start; ("index", numbers) when every row has a
    numeric label; ("row", record numbers) from the collect stage's ``_row``; else None."""
    if len(frame) and frame["interval_start"].notna().all():
        return "date", frame["interval_start"].dt.normalize()
    label = pd.to_numeric(frame["interval_index"], errors="coerce")
    if len(frame) and label.notna().all():
        return "index", label
    if "_row" in frame.columns and len(frame):
        return "row", pd.to_numeric(frame["_row"], errors="coerce")
    return None


def interval_trend(
    data: pd.DataFrame,
    *,
    kpis: Sequence[str] = ("offered", "answer_rate", "abandonment_rate", "service_level", "asa_s", "att_s"),
    sl_denominator: str = "offered",
    alpha: float = 0.05,
) -> pd.DataFrame | None:
    r"""Monotonic trend of each KPI over time: Mann–Kendall test and Sen's slope.

    Rows are first summed per time step, so a step's rate is its own weighted ratio (several
    queues or half-hours of one day make one daily value): per calendar day when every row has an
    ``interval_start`` (intraday intervals would otherwise mix the time-of-day pattern into the
    trend), else per numeric ``interval_index`` (the export's row label, assumed to be in time
    order), else per source record order. The test (:func:`csperf_lib.methods.trend.mann_kendall`) is
    run on the series of per-step values.

    Parameters
    ----------
    data : DataFrame
        Rows of the ``intervals`` table (not modified).
    kpis : sequence of str, keyword-only
        Any of ``offered``, ``answered``, ``answer_rate``, ``abandonment_rate``,
        ``service_level``, ``asa_s``, ``att_s``, ``aht_s``.
    sl_denominator : {"offered", "answered"}, keyword-only
    alpha : float, keyword-only
        Significance level of the trend call.

    Returns
    -------
    DataFrame or None
        ``kpi, axis, steps, n, trend, p, tau, slope, slope_unit, first_tenth, last_tenth`` (the
        KPI over the first and last tenth of the steps pooled, ratios of sums; calls per step for
        counts, to show the size of a change);
        None when the rows have no time axis at all.
    """
    _check_denominator(sl_denominator)
    frame = _canonical(data)
    axis = _time_axis(frame)
    if axis is None:
        return None
    kind, step = axis
    within, _, _ = _within(frame, sl_denominator)
    work = pd.DataFrame({
        "_step": step.to_numpy(),
        "offered": frame["offered"], "answered": frame["answered"], "abandoned": frame["abandoned"],
        "within": within, "den": frame[sl_denominator].where(within.notna()),
        "wait": frame["wait_s_total"], "talk": frame["talk_s_total"], "handle": frame["handle_s_total"],
        "ans_wait": frame["answered"].where(frame["wait_s_total"].notna()),
        "ans_talk": frame["answered"].where(frame["talk_s_total"].notna()),
        "ans_handle": frame["answered"].where(frame["handle_s_total"].notna()),
        "off_ab": frame["offered"].where(frame["abandoned"].notna()),
    }).dropna(subset=["_step"])
    g = work.groupby("_step", sort=True).sum(min_count=1)
    series = _step_series(g)
    x = g.index.to_numpy()
    axis_label = {"date": "calendar day", "index": "export row label (assumed in time order)",
                  "row": "record order in the source (assumed in time order)"}[kind]
    rows = []
    tenth = max(1, len(g) // 10)
    # the first and last tenth of the steps pooled (ratios of sums), to show the size of a change
    first = {k: v.iloc[0] for k, v in _step_series(g.iloc[:tenth].sum(min_count=1).to_frame().T).items()}
    last = {k: v.iloc[0] for k, v in _step_series(g.iloc[-tenth:].sum(min_count=1).to_frame().T).items()}
    for kpi in kpis:
        if kpi not in series:
            raise ValueError(f"kpis: '{kpi}' is not one of {', '.join(series)}")
        y = series[kpi].astype(float)
        if y.notna().sum() == 0:
            continue
        mk = mann_kendall(y.to_numpy(), x, alpha=alpha)
        scale = tenth if kpi in ("offered", "answered") else 1  # counts: mean per step
        rows.append({
            "kpi": kpi, "axis": axis_label, "steps": int(len(g)), "n": mk.n, "trend": mk.trend,
            "p": mk.p, "tau": mk.tau, "slope": mk.slope,
            "slope_unit": "per day" if kind == "date" else "per step",
            "first_tenth": float(first[kpi]) / scale, "last_tenth": float(last[kpi]) / scale,
        })
    columns = ["kpi", "axis", "steps", "n", "trend", "p", "tau", "slope", "slope_unit",
               "first_tenth", "last_tenth"]
    return pd.DataFrame(rows, columns=columns)


def _step_series(g: pd.DataFrame) -> dict[str, pd.Series]:
    """Per-step KPI values from per-step sums (ratios of sums)."""
    g = g.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "offered": g["offered"], "answered": g["answered"],
            "answer_rate": g["answered"] / g["offered"].where(g["offered"] > 0),
            "abandonment_rate": g["abandoned"] / g["off_ab"].where(g["off_ab"] > 0),
            "service_level": g["within"] / g["den"].where(g["den"] > 0),
            "asa_s": g["wait"] / g["ans_wait"].where(g["ans_wait"] > 0),
            "att_s": g["talk"] / g["ans_talk"].where(g["ans_talk"] > 0),
            "aht_s": g["handle"] / g["ans_handle"].where(g["ans_handle"] > 0),
        }


# --------------------------------------------------------------------------------------------
# staffing feed
# --------------------------------------------------------------------------------------------


def staffing_unavailable(data: pd.DataFrame) -> str | None:
    """Why agents required per interval of day cannot be modelled from these rows, or None.

    Erlang models need the calls of one interval of known length and time of day, short enough
    for the arrival rate to be taken as constant (at most :data:`MAX_STAFFING_INTERVAL_S`).
    """
    frame = _canonical(data)
    if frame.empty:
        return "There are no interval rows, so staffing cannot be modelled."
    if frame["interval_start"].isna().all():
        return (
            "These rows have no start time (only a row label), so staffing by interval of day is not "
            "possible: the Erlang models need the calls arriving in each half-hour or hour of the day, "
            "and a row without a time cannot be placed in the day or the week."
        )
    if frame["interval_s"].isna().all():
        return "The length of the intervals (interval_s) is not mapped, so the offered load cannot be computed."
    longest = float(frame["interval_s"].max())
    if longest > MAX_STAFFING_INTERVAL_S:
        hours = longest / 3600
        return (
            f"The rows cover {hours:g} hours each, so staffing by interval of day is not possible: the "
            "Erlang models assume calls arrive at a constant rate within an interval, which holds for "
            "15-60 minute intervals, not across a whole "
            + ("day" if longest >= _DAY_S else "multi-hour block")
            + " (a day's average load hides its peaks and would understate the agents needed)."
        )
    return None


def _options(config: Any, options: Any):

    if options is not None:
        if not isinstance(options, StaffingOptions):
            raise TypeError("options must be a csperf_lib.methods.staffing.StaffingOptions")
        return options
    return staffing_options(config)


def _predicted(calls: float, interval_s: float, aht: float, deployed: float, target_s: float) -> tuple[float, float]:
    """Erlang C service level and ASA with ``deployed`` agents; a fractional number of agents is read
    as a mix of the two whole numbers around it (as :func:`csperf_lib.methods.staffing.interval_profile`)."""

    if not all(math.isfinite(v) for v in (calls, interval_s, aht, deployed, target_s)) or aht <= 0 or deployed < 0:
        return math.nan, math.nan
    low = math.floor(deployed)
    frac = deployed - low
    qs = [erlang_c(calls=calls, interval_s=interval_s, aht_s=aht, agents=n, target_s=target_s)
          for n in ((low,) if frac == 0 else (low, low + 1))]
    if frac == 0:
        return qs[0].service_level, qs[0].asa_s
    asa = (1 - frac) * qs[0].asa_s + frac * qs[1].asa_s
    return (1 - frac) * qs[0].service_level + frac * qs[1].service_level, asa


def _handle_times(frame: pd.DataFrame, notes: list[str]) -> tuple[pd.Series, pd.Series, pd.Series, float, pd.Series]:
    """Handle totals per row (talk time where no handle time is mapped, with a note), the basis in
    words, which rows have one, the pooled AHT and each row's AHT (the pooled one where unknown)."""
    ans = frame["answered"]
    handle = frame["handle_s_total"]
    basis = pd.Series("handle time", index=frame.index)
    talk_only = handle.isna() & frame["talk_s_total"].notna()
    if talk_only.any():
        handle = handle.where(~talk_only, frame["talk_s_total"])
        basis[talk_only] = "talk time only (understates AHT: no hold or wrap-up)"
        notes.append(
            f"{int(talk_only.sum()):,} intervals have no handle time, only talk time; their AHT "
            "leaves out hold and wrap-up, so the agents required are understated."
        )
    basis[handle.isna()] = "none (pooled AHT)"
    known = handle.notna() & (ans > 0)
    pooled = float(handle[known].sum() / ans[known].sum()) if ans[known].sum() > 0 else math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        aht = (handle / ans).where(known, pooled)
    return handle, basis, known, pooled, aht


def _erlang_columns(out: pd.DataFrame, opts: StaffingOptions) -> tuple[list[float], ...]:
    """Per row: agents required before and after shrinkage, and Erlang C's service level and ASA
    with the agents deployed (NaN where the row has no usable AHT or calls)."""
    req_raw, req, pred_sl, pred_asa = [], [], [], []
    for r in out.itertuples(index=False):
        if math.isfinite(r.aht_s) and r.aht_s > 0 and math.isfinite(r.offered):
            s = required_agents(calls=r.offered, interval_s=r.interval_s, aht_s=r.aht_s, target_s=r.target_s,
                                service_level=opts.service_level, max_occupancy=opts.max_occupancy,
                                shrinkage=opts.shrinkage)
            req_raw.append(float(s.raw_agents))
            req.append(float(s.agents))
        else:
            req_raw.append(math.nan)
            req.append(math.nan)
        sl, asa = _predicted(r.offered, r.interval_s, r.aht_s, float(r.deployed), r.target_s)
        pred_sl.append(sl)
        pred_asa.append(asa)
    return req_raw, req, pred_sl, pred_asa


def _model_notes(out: pd.DataFrame) -> list[str]:
    """What the reader should know about how the interval rows were modelled."""
    notes = []
    if out["interval_s"].nunique() > 1:
        notes.append("The intervals are of different lengths; each row is modelled with its own length.")
    if out["queue"].nunique(dropna=True) > 1:
        notes.append(
            "Each queue is modelled as its own pool of agents; a roll-up by weekday and time of day "
            "over queues would pool them and understate the agents needed by separate teams."
        )
    if out["deployed"].isna().all():
        notes.append("The report gives no agents staffed, so required agents cannot be compared with deployed ones.")
    return notes


def _load_frame(
    frame: pd.DataFrame, notes: list[str], *, target_s: float, sl_denominator: str
) -> tuple[pd.DataFrame, float]:
    """The offered load of each dated interval row in the terms of
    :data:`~csperf_lib.methods.staffing.INTERVAL_COLUMNS`, with calendar keys and the observed
    service level and ASA; and the pooled AHT (seconds)."""
    within, _, _ = _within(frame, sl_denominator)
    ans = frame["answered"]
    handle, basis, known, pooled, aht = _handle_times(frame, notes)
    target = frame["threshold_s"].fillna(target_s)
    length = frame["interval_s"]
    out = pd.DataFrame({
        "interval_start": frame["interval_start"],
        "queue": frame["queue"],
        "interval_s": length,
        "target_s": target,
        "aht_basis": basis,
        "offered": frame["offered"],
        "sl_offered": frame[sl_denominator].where(within.notna()),
        "answered": ans,
        "abandoned": frame["abandoned"],
        "answered_within": within,
        "handle_n": ans.where(known, 0.0),
        "handle_sum_s": handle.where(known, 0.0),
        "aht_s": aht,
        "wait_answered_sum_s": frame["wait_s_total"],
        "wait_total_s": np.nan,
        "handlers": np.nan,
        "deployed": frame["agents_staffed"],
    })
    out["date"] = out["interval_start"].dt.normalize()
    out["weekday"] = out["interval_start"].dt.day_of_week.astype(int)
    out["time"] = out["interval_start"].dt.strftime("%H:%M")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["observed_sl"] = (out["answered_within"] / out["sl_offered"]).where(out["sl_offered"] > 0)
        out["observed_asa_s"] = (out["wait_answered_sum_s"] / ans).where(ans > 0)
    return out, pooled


def interval_staffing(
    data: pd.DataFrame,
    *,
    config: Any = None,
    options: Any = None,
    sl_denominator: str = "offered",
) -> pd.DataFrame:
    r"""The offered-load table of an interval report, with agents required per interval.

    Turns rows with an ``interval_start`` and ``interval_s`` into the columns of
    :data:`csperf_lib.methods.staffing.INTERVAL_COLUMNS` (plus ``queue``, ``interval_s``, ``target_s`` and
    ``aht_basis``), so :func:`csperf_lib.methods.staffing.weekday_profile` can roll it up to weekday x
    time of day as for contact records:

    * ``aht_s`` = handle total / answered (talk total / answered where no handle time is mapped,
      ``aht_basis`` says which; the pooled value where an interval answered nothing);
    * ``traffic_erlangs`` :math:`A = \text{offered} \times \text{AHT} / \text{interval\_s}`;
    * ``required_raw`` / ``required`` = :func:`csperf_lib.methods.erlang.required_agents` for the
      interval's calls, length, AHT and target (``threshold_s`` of the row, else the config's
      ``staffing.target_s``), before / after shrinkage;
    * ``deployed`` = ``agents_staffed`` (NaN when the export has none), ``gap`` = deployed -
      required_raw, and ``predicted_sl`` / ``predicted_asa_s`` = Erlang C with the deployed agents.

    ``handlers``, ``wait_total_s`` and ``predicted_sl_erlang_a`` are NaN: an interval report has
    no agent IDs and no waiting time of abandoned calls (Erlang A's patience estimate).

    Parameters
    ----------
    data : DataFrame
        Rows of the ``intervals`` table (not modified).
    config : ReviewConfig, mapping or None, keyword-only
        Its ``staffing:`` section (target service level, shrinkage, occupancy cap, threshold).
    options : StaffingOptions, keyword-only
        Instead of ``config``.
    sl_denominator : {"offered", "answered"}, keyword-only
        Denominator of the observed service level (and of ``sl_offered``).

    Returns
    -------
    DataFrame
        One row per interval and queue, sorted by queue and start; ``attrs`` as
        :func:`csperf_lib.methods.staffing.interval_profile` sets them (``options`` with the interval
        length, ``period``, ``deployed_source``, ``pooled_aht_s``, ``patience_s``, ``excluded``)
        plus ``notes``.

    Raises
    ------
    ValueError
        With :func:`staffing_unavailable`'s reason when the rows cannot be staffed by interval.
    """

    _check_denominator(sl_denominator)
    reason = staffing_unavailable(data)
    if reason is not None:
        raise ValueError(reason)
    opts = _options(config, options)
    frame = _canonical(data)
    notes = []
    undated = int(frame["interval_start"].isna().sum())
    if undated:
        notes.append(f"{undated:,} rows without a start time were left out of the staffing model.")
    frame = frame[frame["interval_start"].notna() & frame["interval_s"].notna()].copy()
    out, pooled = _load_frame(frame, notes, target_s=opts.target_s, sl_denominator=sl_denominator)
    out["traffic_erlangs"] = out["offered"] * out["aht_s"] / out["interval_s"]
    out["required_raw"], out["required"], out["predicted_sl"], out["predicted_asa_s"] = _erlang_columns(out, opts)
    out["gap"] = out["deployed"] - out["required_raw"]
    out["predicted_sl_erlang_a"] = np.nan
    extra = ["queue", "interval_s", "target_s", "aht_basis"]
    out = out[[*INTERVAL_COLUMNS, *extra]].sort_values(["queue", "interval_start"], kind="stable",
                                                         na_position="first").reset_index(drop=True)
    lengths = out["interval_s"].unique()
    minutes = int(lengths[0] // 60) if len(lengths) == 1 else opts.interval_minutes
    notes += _model_notes(out)
    deployed_source = ("agents_staffed column of the interval report" if out["deployed"].notna().any()
                       else "unavailable (the report has no agents_staffed)")
    first = out["date"].min() if len(out) else None
    last = out["date"].max() if len(out) else None
    out.attrs.update(
        options=StaffingOptions(**{**opts.__dict__, "interval_minutes": minutes}),
        period=(first, last), deployed_source=deployed_source, pooled_aht_s=pooled,
        patience_s=math.nan, excluded={}, notes=tuple(notes),
    )
    return out


# --------------------------------------------------------------------------------------------
# the review
# --------------------------------------------------------------------------------------------


#: Interval KPIs that are catalogue KPIs (same id and definition) and so can be judged against
#: targets; the means (ASA, talk time) have no per-call spread in interval totals, so no test.
TARGET_KPIS = ("answer_rate", "abandonment_rate", "service_level")
