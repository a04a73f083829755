"""Stage 03 building blocks: headline KPIs, distributions, segment patterns and KPI trends.

Everything here works on the small aggregates :func:`csperf_lib.methods.kpis.compute_kpis` returns (or on
single columns pulled from the engine for distributions), so the stage runs in bounded memory on
millions of contacts. A trend is called a trend only when the Mann-Kendall test says so at the
stated significance level; control-chart signals and change points are reported beside it as
separate evidence, never instead of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.calendar import GRAINS, ReviewCalendar, period_end, review_calendar
from csperf_lib.core.findings import FindingsLedger, finding_dimension
from csperf_lib.core.formatting import (
    DIMENSION_WORDS,
    format_date,
    format_p,
    format_p_value,
    format_value,
    subject,
)
from csperf_lib.core.sections import section_link
from csperf_lib.core.tables import EVENT_COLUMNS, GROUP_DIMENSIONS, SEGMENT_DIMENSIONS
from csperf_lib.methods.changepoint import change_points
from csperf_lib.methods.drivers import (
    DriversResult,
    QualityComparison,
    quality_vs_satisfaction,
    satisfaction_drivers,
)
from csperf_lib.methods.kpi_catalogue import (
    kpi_catalogue,
    kpi_definitions,
    kpi_options,
    unit_bounds,
)
from csperf_lib.methods.kpis import (
    compute_kpi_breakdowns,
    compute_kpis,
    kpi_summary_json,
    stack_breakdowns,
)
from csperf_lib.methods.patterns import arrival_profile, segment_differences
from csperf_lib.methods.privacy import privacy_settings, pseudonymise_column
from csperf_lib.methods.seasonality import Decomposition, decompose
from csperf_lib.methods.spc import run_rules, xmr_chart
from csperf_lib.methods.stats import describe, fdr_bh
from csperf_lib.methods.trend import mann_kendall

#: Columns whose distribution the stage describes, per table (seconds, or the scale's points).
DISTRIBUTION_COLUMNS = {
    "contacts": ("wait_s", "talk_s", "hold_s", "wrap_s"),
    "surveys": ("csat", "nps", "ces"),
}
#: Complaint durations described in days (computed from the timestamps).
COMPLAINT_DURATIONS = {
    "days_to_acknowledge": "acknowledged_at",
    "days_to_forward": "forwarded_at",
    "days_to_resolve": "resolved_at",
}
#: Fewest periods for a trend test to be run at all.
MIN_TREND_PERIODS = 6


def headline_table(kpis: pd.DataFrame, *, config=None) -> pd.DataFrame:
    """The whole-period KPIs as a reviewer reads them: name, value, 95 % interval, n, direction.

    Parameters
    ----------
    kpis : DataFrame
        ``compute_kpis`` output without segments or periods.
    config : ReviewConfig, optional, keyword-only
        For the KPI options (thresholds in the definitions).
    """
    catalogue = kpi_catalogue(config).set_index("id")
    rows = []
    for row in kpis.itertuples():
        entry = catalogue.loc[row.kpi]
        unit = entry["unit"]
        interval = (
            f"{format_value(row.ci_low, unit)} – {format_value(row.ci_high, unit)}"
            if pd.notna(row.ci_low)
            else "—"
        )
        rows.append(
            {
                "KPI": entry["name"],
                "value": format_value(row.value, unit),
                "95% interval": interval,
                "n": f"{row.n:,}",
                "better when": {"higher_is_better": "higher", "lower_is_better": "lower"}.get(entry["direction"], "—"),
            }
        )
    return pd.DataFrame(rows)


def unavailable_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """KPIs that could not be computed, with the reason (from ``attrs["unavailable"]``)."""
    missing = kpis.attrs.get("unavailable", {}) or {}
    return pd.DataFrame(sorted(missing.items()), columns=["kpi", "reason"])


def distributions(store, *, columns: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """Central tendency and dispersion of the main numeric columns (``stats.describe``).

    One column is pulled from the engine at a time (a float column of 10M rows is 80 MB).
    Columns that are absent or entirely null are skipped.

    Returns
    -------
    DataFrame
        ``table, column`` then the fields of :func:`csperf_lib.methods.stats.describe`.
    """
    frames = []
    for table, names in (columns or DISTRIBUTION_COLUMNS).items():
        if not store.has(table):
            continue
        expr = store.table(table)
        for name in names:
            if name not in expr.columns:
                continue
            values = expr.select(name).execute()[name].astype("float64").dropna()
            if values.empty:
                continue
            stats = describe(values.to_numpy())
            stats.insert(0, "column", name)
            stats.insert(0, "table", table)
            frames.append(stats)
    if columns is None and store.has("complaints"):
        # Complaint handling times in days, from the timestamps (closed or forwarded cases only).
        expr = store.table("complaints")
        for name, end in COMPLAINT_DURATIONS.items():
            if end not in expr.columns or "received_at" not in expr.columns:
                continue
            delta = expr.filter(expr[end].notnull() & expr.received_at.notnull())
            seconds = delta.select(s=(delta[end].epoch_seconds() - delta.received_at.epoch_seconds())).execute()["s"]
            values = seconds.astype("float64").dropna() / 86_400.0
            if values.empty:
                continue
            stats = describe(values.to_numpy())
            stats.insert(0, "column", name)
            stats.insert(0, "table", "complaints")
            frames.append(stats)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


#: Columns :func:`control_limits` adds to a period series.
CONTROL_COLUMNS = ("xmr_center", "xmr_lcl", "xmr_ucl", "special_cause")


def control_limits(series: pd.DataFrame, *, segment: str | None = None, config=None) -> pd.DataFrame:
    """A copy of a period series with its individuals (XmR) control chart, per KPI (and segment).

    Computed once per review, here, and read by the trend table and the control-chart figures.

    Parameters
    ----------
    series : DataFrame
        ``kpi, period, value`` (and the ``segment`` column), e.g. ``compute_kpis(..., period="week")``.
    segment : str, optional, keyword-only
        The segment column, when the series is split by one.

    Returns
    -------
    DataFrame
        ``series`` with ``xmr_center``, ``xmr_lcl``, ``xmr_ucl`` (centre line x̄ and limits
        x̄ ± 3·MR̄/d₂, d₂ = 1.128; Montgomery, *Introduction to Statistical Quality Control*,
        6.4) and ``special_cause`` (the point breaks a Western Electric run rule). Series with
        fewer than :data:`MIN_TREND_PERIODS` values get no limits and no special causes. Limits
        stay within the KPI's scale (:func:`csperf_lib.methods.kpi_catalogue.unit_bounds`).
    """
    units = {k.id: k.unit for k in kpi_definitions(config)}
    out = series.copy()
    for column in CONTROL_COLUMNS[:3]:
        out[column] = np.nan
    out["special_cause"] = False
    keys = ["kpi"] + ([segment] if segment else [])
    valued = out[out["value"].notna()]
    for _, group in valued.groupby(keys, sort=False):
        group = group.sort_values("period")
        values = group["value"].to_numpy(dtype=float)
        if len(values) < MIN_TREND_PERIODS:
            continue
        chart = xmr_chart(values, bounds=unit_bounds(units.get(group["kpi"].iloc[0])))
        out.loc[group.index, ["xmr_center", "xmr_lcl", "xmr_ucl"]] = [chart.center, chart.lcl, chart.ucl]
        if np.isfinite(chart.sigma):
            signals = run_rules(values, chart.center, chart.sigma, rules="western_electric")
            flagged = group.index[sorted(set(signals["position"]))] if len(signals) else []
            out.loc[flagged, "special_cause"] = True
    return out


def kpi_trends(
    series: pd.DataFrame,
    *,
    segment: str | None = None,
    alpha: float = 0.05,
    min_periods: int = MIN_TREND_PERIODS,
    complete: set[pd.Timestamp] | None = None,
    censored: Mapping[str, pd.Timestamp] | None = None,
    grain: str = "week",
) -> pd.DataFrame:
    """Trend, control-chart and change-point evidence per KPI (and segment) over periods.

    Parameters
    ----------
    series : DataFrame
        ``compute_kpis(..., period="week")`` output (optionally with one segment column), with
        its control chart (:func:`control_limits`; computed here when absent).
    segment : str, optional, keyword-only
        The segment column, when the series is split by one.
    alpha : float, keyword-only
        Significance level of the Mann-Kendall test.
    min_periods : int, keyword-only
        Fewer periods than this: no test, ``trend`` says "too few periods".
    complete : set of Timestamp, optional, keyword-only
        Starts of the review calendar's complete periods (:class:`csperf_lib.core.calendar.ReviewCalendar`):
        a partial first or last period (fewer days of data) is left out of the tests, counted in
        ``partial_periods``.
    censored : mapping of str to Timestamp, optional, keyword-only
        KPI -> the moment from which its cases have not all had the time to close (the calendar's
        :meth:`~csperf_lib.core.calendar.ReviewCalendar.censored_from`): periods ending later are
        right-censored (recent complaints look quick to resolve and often open only because they
        are recent) and are left out, counted in ``censored_periods``.
    grain : {"week", "month", "day"}, keyword-only
        The periods' grain, for their ends.

    Returns
    -------
    DataFrame
        ``kpi, segment, periods, trend, slope, slope_unit, p, tau, special_causes,
        change_point, first_value, last_value, gaps``: the tests run on the latest unbroken run of
        periods (:func:`latest_contiguous_run`; ``periods`` counts it, ``gaps`` the breaks before it,
        never bridged). ``slope`` is Sen's slope per day (per period
        step when periods are not dates); ``special_causes`` counts points breaking the Western
        Electric rules on the series' XmR chart (:func:`control_limits`); ``change_point`` is the start of the first
        shifted segment found by :func:`csperf_lib.methods.changepoint.change_points`, if any.
    """
    if "special_cause" not in series.columns:
        series = control_limits(series, segment=segment)
    keys = ["kpi"] + ([segment] if segment else [])
    rows = []
    for key, group in series.dropna(subset=["value"]).groupby(keys, sort=False):
        group = group.sort_values("period")
        partial = censored_out = 0
        if complete is not None:
            whole = pd.to_datetime(group["period"]).isin(complete).to_numpy()
            group, partial = group[whole], int((~whole).sum())
        kpi_id = key[0] if isinstance(key, tuple) else key
        if censored and kpi_id in censored:  # a period's cases must all have had the time to close
            ends = [pd.Timestamp(period_end(d, grain)) + pd.Timedelta(days=1) for d in group["period"]]
            closed = np.array([end <= censored[kpi_id] for end in ends], dtype=bool)
            group, censored_out = group[closed], int((~closed).sum())
        start, gaps = latest_contiguous_run(pd.to_datetime(group["period"]))
        group = group.iloc[start:]  # a trend is never fitted across a gap: the latest unbroken run
        values = group["value"].to_numpy(dtype=float)
        kpi = key[0] if isinstance(key, tuple) else key
        record = {
            "kpi": kpi,
            "segment": key[1] if segment else "all",
            "periods": len(values),
            "first_value": values[0] if len(values) else np.nan,
            "last_value": values[-1] if len(values) else np.nan,
            "gaps": gaps,
            "partial_periods": partial,
            "censored_periods": censored_out,
            "first_period": pd.Timestamp(group["period"].iloc[0]) if len(group) else pd.NaT,
            "last_period": pd.Timestamp(group["period"].iloc[-1]) if len(group) else pd.NaT,
        }
        if len(values) < min_periods:
            record.update(trend="too few periods", slope=np.nan, slope_unit="", p=np.nan, tau=np.nan,
                          special_causes=0, change_point=pd.NaT)
            rows.append(record)
            continue
        dates = pd.to_datetime(group["period"]).to_numpy()
        result = mann_kendall(values, dates, alpha=alpha)
        shifts = change_points(values, x=dates)
        record.update(
            trend=result.trend,
            slope=result.slope,
            slope_unit=result.slope_unit,
            p=result.p,
            tau=result.tau,
            special_causes=int(group["special_cause"].sum()),
            change_point=pd.Timestamp(shifts.breakpoint_x[0]) if shifts.changed and len(shifts.breakpoint_x) else pd.NaT,
        )
        rows.append(record)
    columns = ["kpi", "segment", "periods", "trend", "slope", "slope_unit", "p", "tau", "special_causes",
               "change_point", "first_value", "last_value", "gaps", "partial_periods", "censored_periods",
               "first_period", "last_period"]
    return pd.DataFrame(rows, columns=columns)


def complete_periods(store, *, config=None, period: str = "week",
                     calendar: ReviewCalendar | None = None) -> set[pd.Timestamp] | None:
    """Starts of the complete weeks or months of the review calendar (``calendar``, else
    :func:`csperf_lib.core.calendar.review_calendar` of ``store``), or None for a grain the calendar
    does not define (days)."""
    if period not in GRAINS:
        return None
    calendar = calendar or review_calendar(store, config=config)
    if not calendar.has_dates:
        return None
    return {pd.Timestamp(p.start) for p in calendar.periods(period) if p.complete}


#: Columns a complaint gets only when it is handled: a KPI that needs one is right-censored for the
#: complaints received too recently to have been handled.
CASE_OUTCOME_COLUMNS = ("acknowledged_at", "resolved_at", "forwarded_at", "upheld")


def censored_kpis(store, *, config=None, definitions: Mapping[str, Any] | None = None,
                  calendar: ReviewCalendar | None = None) -> dict[str, pd.Timestamp]:
    """KPI -> the moment from which its cases had less than the complaint resolution target to
    close before the data cut-off (:meth:`csperf_lib.core.calendar.ReviewCalendar.censored_from`),
    for every complaints KPI that needs a handling outcome (:data:`CASE_OUTCOME_COLUMNS`)."""
    if not store.has("complaints"):
        return {}
    moment = (calendar or review_calendar(store, config=config)).censored_from()
    if moment is None:
        return {}
    definitions = definitions if definitions is not None else {k.id: k for k in kpi_definitions(config)}
    return {kid: moment for kid, k in definitions.items() if k.table == "complaints"
            and any(r.rpartition(".")[2] in CASE_OUTCOME_COLUMNS for r in k.requires)}


def segment_trends(store, weekly: pd.DataFrame, by_segment_period: Mapping[str, pd.DataFrame], *, config=None,
                   definitions: Mapping[str, Any], period: str = "week", alpha: float = 0.05) -> pd.DataFrame:
    """Trend tests of the whole centre's KPIs and of :data:`SEGMENT_TREND_KPIS` in every segment of
    every group dimension, on complete, uncensored, unbroken periods, with the false discovery rate
    controlled across all of them (:func:`adjust_trends`); ``dimension`` names the segment's."""
    calendar = review_calendar(store, config=config)  # built once: its event span is an engine query
    complete = complete_periods(store, period=period, calendar=calendar)
    censored = censored_kpis(store, definitions=definitions, calendar=calendar)
    options = {"alpha": alpha, "complete": complete, "censored": censored, "grain": period}
    parts = [kpi_trends(weekly, **options).assign(dimension="all")]
    for dimension, frame in by_segment_period.items():
        if dimension not in GROUP_DIMENSIONS or frame is None or not len(frame):
            continue
        series = frame[frame["kpi"].isin(SEGMENT_TREND_KPIS)].reset_index(drop=True)
        if len(series):
            parts.append(kpi_trends(series, segment=dimension, **options).assign(dimension=dimension))
    return adjust_trends(pd.concat(parts, ignore_index=True), alpha=alpha)


def trend_scope_note(trends: pd.DataFrame, *, period: str = "week", config=None) -> str:
    """What the trend tests left out, in one sentence ('' when nothing was): partial periods at the
    ends, periods of complaint KPIs too recent for every case to have closed, and breaks in the data."""
    def most(column: str) -> int:
        return int(trends[column].fillna(0).max()) if trends is not None and column in trends and len(trends) else 0

    parts = []
    if most("partial_periods"):
        parts.append(f"{most('partial_periods')} partial {period}(s) at the start or end of the data")
    if most("censored_periods"):
        names = {k.id: k.name for k in kpi_definitions(config)}
        kpis = ", ".join(sorted({names.get(k, k) for k in trends.loc[trends["censored_periods"] > 0, "kpi"]}))
        parts.append(f"the last {most('censored_periods')} {period}(s) of {kpis}, whose complaints have not all "
                     "had the time to be handled (right-censored)")
    if most("gaps"):
        parts.append(f"everything before the last break in the data ({most('gaps')} gap(s) between {period}s)")
    return ("Trend tests use complete, unbroken periods only; left out: " + "; ".join(parts) + ".") if parts else ""


def latest_contiguous_run(periods: pd.Series) -> tuple[int, int]:
    """Where the latest unbroken run of periods starts, and how many gaps come before it.

    A gap is a step between consecutive periods longer than the series' own grain (its shortest
    step: a day, a week; a month counts as up to 31 days), so a data set with weeks missing, or years
    between two extracts, is never read as one series.

    Returns
    -------
    tuple of int
        Position of the run's first period in ``periods`` (sorted ascending) and the number of gaps
        before it (0: the series is contiguous).
    """
    dates = pd.to_datetime(periods).to_numpy()
    if len(dates) < 2:
        return 0, 0
    steps = np.diff(dates).astype("timedelta64[s]").astype("float64") / 86_400
    grain = float(steps[steps > 0].min()) if (steps > 0).any() else 0.0
    allowed = 31.0 if grain >= 28 else grain * 1.5
    broken = np.flatnonzero(steps > allowed)
    return (int(broken[-1]) + 1, len(broken)) if len(broken) else (0, 0)


def adjust_trends(trends: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Control the false discovery rate over every trend test of the stage (Benjamini-Hochberg).

    Dozens of KPIs and segments are tested at once; at alpha = 0.05 some would show a "trend" by
    chance. Adds ``p_adjusted`` and keeps ``trend`` as increasing/decreasing only where the
    adjusted p-value is below ``alpha`` (``"no trend"`` otherwise).
    """
    out = trends.copy()
    out["p_adjusted"] = np.nan
    tested = out["p"].notna()
    if tested.any():
        out.loc[tested, "p_adjusted"] = fdr_bh(out.loc[tested, "p"])
    real = out["p_adjusted"] < alpha
    out["trend"] = out["trend"].where(~out["trend"].isin(["increasing", "decreasing"]) | real, "no trend")
    return out


def trend_findings(trends: pd.DataFrame, *, lower_is_better: set[str] | frozenset[str] = frozenset(),
                   neutral: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """One plain-English sentence per statistically significant trend.

    A KPI in ``neutral`` (volumes: contacts offered, complaints received) is neither better nor
    worse when it rises, so its sentence makes no such judgement.
    """
    sentences = []
    for row in trends[trends["trend"].isin(["increasing", "decreasing"])].itertuples():
        rising = row.trend == "increasing"
        better = rising != (row.kpi in lower_is_better)
        judgement = "" if row.kpi in neutral else f" ({'improving' if better else 'worsening'})"
        dimension = str(getattr(row, "dimension", "") or "").replace("_", " ")
        where = "overall" if row.segment == "all" else f"in {dimension} {row.segment}".replace("  ", " ")
        weekly = row.slope * 7 if row.slope_unit == "per day" else row.slope
        unit = "per week" if row.slope_unit == "per day" else row.slope_unit
        sentences.append(
            f"{row.kpi} {where} is {row.trend}{judgement}: Sen's slope "
            f"{weekly:+.4g} {unit}, Mann-Kendall {format_p(row.p)} over {row.periods} periods"
            f"{f' (FDR-{format_p(row.p_adjusted, adjusted=True)})' if 'p_adjusted' in trends and pd.notna(row.p_adjusted) else ''} "
            f"({row.first_value:.4g} → {row.last_value:.4g})."
        )
    return sentences


#: Segment dimensions looked at by default (those the data has).
DEFAULT_SEGMENTS = SEGMENT_DIMENSIONS
#: Tables a segment column is looked for in, in order (contacts first).
SEGMENT_TABLES = ("contacts", "surveys", "complaints", "qa_evaluations")
#: A dimension with more values than this is not charted segment by segment.
MAX_SEGMENT_LEVELS = 50
#: KPIs whose trends are also tested per team (the functional view).
TEAM_TREND_KPIS = ("aht_s", "talk_s", "answer_rate", "fcr_rate", "csat_mean", "qa_score_mean")
#: KPIs tested for a trend in every segment of every group dimension (channel, queue, team, region):
#: a queue's rising abandonment is a trend, not only a benchmark "direction".
SEGMENT_TREND_KPIS = ("aht_s", "talk_s", "answer_rate", "abandonment_rate", "service_level", "asa_s", "fcr_rate",
                      "csat_mean", "qa_score_mean")


@dataclass(frozen=True)
class QuantitativeReview:
    """Everything stage 03 shows.

    Attributes
    ----------
    headline : DataFrame
        Whole-period ``compute_kpis`` frame (``attrs["unavailable"]`` holds absent KPIs).
    by_segment : dict of str to DataFrame
        Dimension -> ``compute_kpis`` frame split by that dimension.
    weekly : DataFrame
        ``compute_kpis`` by ``period`` (whole population).
    weekly_by_team : DataFrame or None
        Selected KPIs by team and period (None without teams).
    segments : tuple of str
        Dimensions present in the data.
    skipped_segments : dict of str to str
        Dimensions not analysed, with the reason.
    differences : DataFrame
        :func:`csperf_lib.methods.patterns.segment_differences` over every dimension.
    trends : DataFrame
        :func:`kpi_trends` of ``weekly`` and ``weekly_by_team``.
    profile : DataFrame or None
        :func:`csperf_lib.methods.patterns.arrival_profile`; None without contact records.
    distributions : DataFrame
        :func:`distributions`.
    drivers : DriversResult
        What moves the odds of a top-2-box rating (logistic regression).
    quality : QualityComparison or None
        Operational and quality KPIs against CSAT per agent (else per team; None without either).
    seasonality : Decomposition or None
        STL decomposition of the daily volume (contacts offered; complaints or responses received
        in a review without contacts): the weekly cycle in demand. None without dated records.
    findings : tuple of str
        Plain-English sentences: significant segment differences, then significant trends.
    volume_label : str
        What the daily volume counts ("contacts offered", "complaints received"...).
    trend_note : str
        Why trends cannot be judged at all (the data spans too few periods), '' otherwise.
    by_segment_period : dict of str to DataFrame
        Dimension -> ``compute_kpis`` frame split by that dimension and by period (every KPI).
    period : str
        The grain of the period series (``day``, ``week`` or ``month``).
    """

    headline: pd.DataFrame
    by_segment: dict
    weekly: pd.DataFrame
    weekly_by_team: pd.DataFrame | None
    segments: tuple[str, ...]
    skipped_segments: dict
    differences: pd.DataFrame
    trends: pd.DataFrame
    profile: pd.DataFrame | None
    distributions: pd.DataFrame
    drivers: DriversResult | None = None
    quality: QualityComparison | None = None
    seasonality: Decomposition | None = None
    findings: tuple[str, ...] = field(default_factory=tuple)
    volume_label: str = "contacts offered"
    trend_note: str = ""
    by_segment_period: dict = field(default_factory=dict)
    period: str = "week"


def present_segments(
    store, candidates=DEFAULT_SEGMENTS, *, max_levels: int = MAX_SEGMENT_LEVELS
) -> tuple[tuple[str, ...], dict[str, str]]:
    """Segment columns with 2 to ``max_levels`` distinct values, and why others are skipped.

    A segment is looked for in ``contacts`` first; a review without contact records takes it from
    the tables it has (a complaint's product area, a feedback response's product variation).
    """
    tables = [t for t in SEGMENT_TABLES if store.has(t)]
    kept, skipped = [], {}
    for name in candidates:
        holders = [t for t in tables if name in store.table(t).columns]
        if "contacts" in holders:
            holders = ["contacts"]
        if not holders:
            skipped[name] = "not a column of " + (" or ".join(tables) or "any table")
            continue
        distinct = max(int(store.table(t)[name].nunique().execute()) for t in holders)
        if distinct < 2:
            skipped[name] = "not supplied" if distinct == 0 else "only one value in the data"
        elif distinct > max_levels:
            skipped[name] = f"{distinct} distinct values, too many to compare one by one here"
        else:
            kept.append(name)
    return tuple(kept), skipped


#: How the seasonality chart names each volume KPI.
VOLUME_LABELS = {
    "contacts_offered": "contacts offered",
    "complaints_received": "complaints received",
    "survey_responses": "responses received",
}
#: The review's main table in order of preference, with the KPI counting its events.
MAIN_TABLES = (("contacts", "contacts_offered"), ("complaints", "complaints_received"), ("surveys", "survey_responses"))


def main_table(store) -> str | None:
    """The table whose events the review counts: contacts, else complaints, else survey responses."""
    return next((table for table, _ in MAIN_TABLES if store.has(table)), None)


def trend_window_note(series: pd.DataFrame, *, period: str = "week", min_periods: int = MIN_TREND_PERIODS,
                      span: pd.Timedelta | None = None) -> str:
    """One sentence when the data spans too few periods for any trend test, else ''.

    Parameters
    ----------
    series : DataFrame
        A KPI time series (``period`` column), e.g. ``QuantitativeReview.weekly``.
    period : str, keyword-only
        Its grain, for the sentence.
    min_periods : int, keyword-only
        Fewest periods a trend test needs (:data:`MIN_TREND_PERIODS`).
    span : Timedelta, optional, keyword-only
        Time from the first to the last record, quoted in the sentence.
    """
    periods = pd.to_datetime(series["period"]).dropna().unique() if "period" in series else []
    if len(periods) >= min_periods:
        return ""
    if span is None or pd.isna(span):
        span = ""
    elif span < pd.Timedelta(days=2):
        span = f" ({span / pd.Timedelta(hours=1):.1f} hours from the first record to the last)"
    else:
        span = f" ({span / pd.Timedelta(days=1):.0f} days from the first record to the last)"
    return (f"The data covers {len(periods)} {period}(s){span}, too short for trend analysis: a trend test needs "
            f"at least {min_periods} {period}s, so no trends or control charts over time are drawn.")


def data_span(store) -> pd.Timedelta | None:
    """Time from the first to the last event of the review's main table (:func:`main_table`)."""
    table = main_table(store)
    if table is None:
        return None
    t, column = store.table(table), EVENT_COLUMNS[table]
    row = t.aggregate(first=t[column].min(), last=t[column].max()).execute().iloc[0]
    return None if pd.isna(row["first"]) else pd.Timestamp(row["last"]) - pd.Timestamp(row["first"])


def volume_kpi(store) -> str | None:
    """The KPI counting the review's main events: contacts offered, else complaints, else responses."""
    return dict(MAIN_TABLES).get(main_table(store))


def quantitative_review(
    store,
    *,
    config=None,
    segments=None,
    period: str = "week",
    alpha: float = 0.05,
) -> QuantitativeReview:
    """Run the quantitative analysis: one engine pass for all KPI breakdowns, then the tests.

    Parameters
    ----------
    store : Store
        Holds the usable canonical tables.
    config : ReviewConfig, optional, keyword-only
        KPI options and custom KPIs.
    segments : sequence of str, optional, keyword-only
        Dimensions to analyse (default: channel, queue, team, region and agent where present).
    period : {"day", "week", "month"}, keyword-only
        Grain of the time series.
    alpha : float, keyword-only
        Significance level of trend tests and the false discovery rate of segment comparisons.
    """
    dims, skipped = present_segments(store, tuple(segments) if segments else DEFAULT_SEGMENTS)
    has_team = "team" in dims
    # one engine pass (the union of the segments at the finest period) for every breakdown the
    # review shows or stores for later stages: whole period and per period, overall and per dimension
    breakdowns = [((), None), ((), period), *(((d,), None) for d in dims), *(((d,), period) for d in dims)]
    frames = compute_kpi_breakdowns(store, breakdowns=breakdowns, config=config)
    headline = frames[((), None)]
    weekly = frames[((), period)]
    # agents appear under their keyed pseudonyms in everything this stage shows, stores and finds
    key = privacy_settings(config)[0] if AGENT in dims else None
    by_segment = {d: _agents_hidden(frames[((d,), None)], key) for d in dims}
    by_segment_period = {d: _agents_hidden(frames[((d,), period)], key) for d in dims}
    weekly_by_team = None
    if has_team:
        team_kpis = [k for k in TEAM_TREND_KPIS if k in set(headline["kpi"])]
        if team_kpis:
            team = by_segment_period["team"]
            weekly_by_team = team[team["kpi"].isin(team_kpis)].reset_index(drop=True)

    definitions = {k.id: k for k in kpi_definitions(config)}
    kinds = {kid: ("mean" if k.kind == "mean" else "proportion" if k.kind == "proportion" else k.kind) for kid, k in definitions.items()}
    lower = {kid for kid, k in definitions.items() if k.direction == "lower_is_better"}
    neutral = {kid for kid, k in definitions.items() if k.direction == "neutral"}
    differences = pd.concat(
        [segment_differences(frame, segment=d, kinds=kinds, alpha=alpha, lower_is_better=lower) for d, frame in by_segment.items()],
        ignore_index=True,
    ) if by_segment else segment_differences(pd.DataFrame(columns=["kpi", "value", "n"]), segment="none", kinds={})
    weekly = control_limits(weekly, config=config)
    if weekly_by_team is not None:
        weekly_by_team = control_limits(weekly_by_team, segment="team", config=config)
    trends = segment_trends(store, weekly, by_segment_period, config=config, definitions=definitions,
                            period=period, alpha=alpha)
    findings = tuple(differences.loc[differences["material"].astype(bool), "finding"]) + tuple(
        trend_findings(trends, lower_is_better=lower, neutral=neutral)
    )
    level = "agent_id" if "agent_id" in dims else "team" if "team" in dims else None
    has_contacts = store.has("contacts")
    events = volume_kpi(store)
    daily = compute_kpis(store, kpis=[events], period="day", config=config) if events else None
    return QuantitativeReview(
        drivers=satisfaction_drivers(store, top2box_min=kpi_options(config)["csat_top2box_min"]),
        quality=_quality_with_pseudonyms(store, level=level, config=config, key=key) if level else None,
        seasonality=decompose(daily[["period", "value"]]) if daily is not None and len(daily) else None,
        headline=headline, by_segment=by_segment, weekly=weekly, weekly_by_team=weekly_by_team,
        by_segment_period=by_segment_period, period=period, segments=dims, skipped_segments=skipped,
        differences=differences, trends=trends,
        profile=arrival_profile(store.table("contacts")) if has_contacts else None,
        distributions=distributions(store),
        findings=findings,
        volume_label=VOLUME_LABELS.get(events, "records"),
        trend_note=trend_window_note(weekly, period=period, span=data_span(store)),
    )


#: The agent dimension, shown under keyed pseudonyms (:func:`csperf_lib.methods.privacy.pseudonymise_series`).
AGENT = "agent_id"


def _agents_hidden(frame: pd.DataFrame, key: bytes | None) -> pd.DataFrame:
    """``frame`` with its agent column replaced by pseudonyms (unchanged without a key or column)."""
    return pseudonymise_column(frame, AGENT, key=key) if key is not None else frame


def _quality_with_pseudonyms(store, *, level: str, config, key: bytes | None):
    """:func:`quality_vs_satisfaction` with each agent unit shown under its pseudonym."""
    quality = quality_vs_satisfaction(store, level=level, config=config)
    if key is None or level != AGENT:
        return quality
    return dataclasses.replace(quality, by_level=pseudonymise_column(quality.by_level, AGENT, key=key))


def summary_entries(review: QuantitativeReview, *, config=None) -> dict:
    """The ``kpis`` and ``trends`` entries of summary.json."""

    kpis = {"overall": kpi_summary_json(review.headline, config=config),
            "weekly": kpi_summary_json(review.weekly, config=config, include_unavailable=False)}
    for dim, frame in review.by_segment.items():
        kpis[f"by_{dim}"] = kpi_summary_json(frame, config=config, include_unavailable=False)
    trends = review.trends[["kpi", "segment", "trend", "slope", "slope_unit", "p", "p_adjusted", "periods", "special_causes", "change_point", "first_value", "last_value"]]
    return {"kpis": kpis, "trends": trends}


#: KPIs drawn per segment dimension (those available are shown).
SEGMENT_CHART_KPIS = ("answer_rate", "service_level", "aht_s", "fcr_rate", "csat_mean", "qa_score_mean")


#: How a KPI unit is shown on an axis.
UNIT_LABELS = {
    "count": "count",
    "proportion": "proportion 0–1",
    "percent": "%",
    "seconds": "seconds",
    "days": "days",
    "score_1_5": "score 1–5",
    "score_1_7": "score 1–7",
    "nps": "NPS −100..100",
    "per_1000_contacts": "per 1,000 contacts",
}


def varies(values: pd.Series) -> bool:
    """Whether values differ by more than 0.1 % of their size (not all equal in practice)."""
    values = values.dropna().to_numpy(dtype=float)
    if len(values) < 2:
        return False
    return bool(np.ptp(values) > 1e-3 * max(np.abs(values).max(), 1e-12))


def kpi_label(kpi: str, *, config=None) -> str:
    """A KPI's display name with its unit, for axis labels (e.g. 'Average handling time (seconds)')."""
    catalogue = kpi_catalogue(config).set_index("id")
    if kpi not in catalogue.index:
        return kpi
    entry = catalogue.loc[kpi]
    unit = UNIT_LABELS.get(entry["unit"], entry["unit"])
    return f"{entry['name']} ({unit})" if unit else entry["name"]


def dimensions_sentence(review: QuantitativeReview) -> str:
    """Which dimensions the segment analysis covered, in words ("channel, queue, team and agent")."""
    words = [DIMENSION_WORDS.get(d, d.replace("_", " ")) for d in review.segments]
    if not words:
        return "No segment dimension is recorded, so no segment was compared with the rest."
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"Dimensions analysed: {listed}."


def skipped_segment_sentences(review: QuantitativeReview) -> list[str]:
    """One sentence per dimension the segment analysis left out, with the reason."""
    out = []
    for name, reason in review.skipped_segments.items():
        words = DIMENSION_WORDS.get(name, name.replace("_", " "))
        out.append(f"{words[:1].upper()}{words[1:]} is not analysed: {reason}.")
    return out


def differences_view(differences: pd.DataFrame, *, config=None) -> pd.DataFrame:
    """Segment differences as a reader reads them: where, the KPI, its value against the rest of
    the centre (each with n), the difference, the effect size and the adjusted p."""
    catalogue = kpi_catalogue(config).set_index("id")
    rows = []
    for r in differences.to_dict(orient="records"):
        unit = catalogue.loc[r["kpi"], "unit"] if r["kpi"] in catalogue.index else ""
        rows.append({
            "where": subject(r.get("dimension"), r.get("segment")),
            "KPI": catalogue.loc[r["kpi"], "name"] if r["kpi"] in catalogue.index else r["kpi"],
            "value": f"{format_value(r['value'], unit)} (n = {int(r['n']):,})",
            "rest of the centre": f"{format_value(r['rest_value'], unit)} (n = {int(r['rest_n']):,})",
            "difference": format_value(r["difference"], unit, signed=True),
            "effect": f"{r['effect_measure']} {r['effect_size']:+.2f}" if pd.notna(r.get("effect_size")) else "—",
            "adjusted p": format_p_value(r.get("p_adjusted")) or "—",
        })
    return pd.DataFrame(rows, columns=["where", "KPI", "value", "rest of the centre", "difference", "effect", "adjusted p"])


def trends_view(trends: pd.DataFrame, *, config=None) -> pd.DataFrame:
    """Trend tests as a reader reads them: the KPI and where, the verdict (after false discovery
    rate control), the change a week (Sen's slope), first and last period, special causes, the
    change point and the adjusted p."""
    catalogue = kpi_catalogue(config).set_index("id")
    rows = []
    for r in trends.to_dict(orient="records"):
        unit = catalogue.loc[r["kpi"], "unit"] if r["kpi"] in catalogue.index else ""
        slope = r.get("slope")
        weekly = slope * 7 if r.get("slope_unit") == "per day" and pd.notna(slope) else slope
        rows.append({
            "KPI": catalogue.loc[r["kpi"], "name"] if r["kpi"] in catalogue.index else r["kpi"],
            "where": subject(r.get("dimension"), r.get("segment")),
            "periods": r.get("periods"),
            "trend": r.get("trend"),
            "change a week": format_value(weekly, unit, signed=True) if pd.notna(weekly) else "—",
            "first → last": (f"{format_value(r['first_value'], unit)} → {format_value(r['last_value'], unit)}"
                             if pd.notna(r.get("first_value")) and pd.notna(r.get("last_value")) else "—"),
            "special causes": r.get("special_causes"),
            "change point": format_date(r.get("change_point")) or "—",
            "adjusted p": format_p_value(r.get("p_adjusted")) or "—",
        })
    return pd.DataFrame(rows, columns=["KPI", "where", "periods", "trend", "change a week", "first → last",
                                       "special causes", "change point", "adjusted p"])


def charts_worth_showing(review: QuantitativeReview) -> pd.DataFrame:
    """Trend rows with a significant trend, a special cause or a change point (what to chart): the
    whole centre's and the teams' series, whose control charts the stage keeps (the other
    dimensions' trends are in the table and the findings)."""
    trends = review.trends
    if "dimension" in trends:
        trends = trends[trends["dimension"].isin(["all", "team"])]
    keep = trends["trend"].isin(["increasing", "decreasing"]) | (trends["special_causes"] > 0) | trends["change_point"].notna()
    return trends[keep].reset_index(drop=True)


def significant_differences(review: QuantitativeReview, *, limit: int = 30) -> pd.DataFrame:
    """The statistically significant segment differences, most significant first (at most ``limit``)."""
    differences = review.differences
    if differences.empty:
        return differences
    chosen = differences[differences["significant"].astype(bool)]
    return chosen.sort_values("p_adjusted", kind="stable").head(limit).reset_index(drop=True)


def weekly_overview_figure(review: QuantitativeReview, *, config=None):
    """Small multiples: every KPI's period series, titled with its trend verdict (a Figure)."""
    import matplotlib.pyplot as plt

    trends = review.trends[review.trends["segment"] == "all"].set_index("kpi")
    kpis = [k for k in review.weekly["kpi"].unique() if k in trends.index]
    cols = 4
    rows = max(1, -(-len(kpis) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(16, 2.6 * rows), squeeze=False)
    catalogue = kpi_catalogue(config).set_index("id")
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        series = review.weekly[review.weekly["kpi"] == kpi].sort_values("period")
        ax.plot(pd.to_datetime(series["period"]), series["value"], marker=".", color="#1565c0")
        ax.fill_between(pd.to_datetime(series["period"]), series["ci_low"], series["ci_high"], color="#90caf9", alpha=0.4)
        verdict = trends.loc[kpi, "trend"]
        name = catalogue.loc[kpi, "name"] if kpi in catalogue.index else kpi
        ax.set_title(f"{name}: {verdict}", fontsize=9, color="#c62828" if verdict in ("increasing", "decreasing") else "black")
        ax.set_ylabel(UNIT_LABELS.get(catalogue.loc[kpi, "unit"], "") if kpi in catalogue.index else "", fontsize=8)
        ax.tick_params(axis="x", labelsize=7, rotation=45)
        ax.tick_params(axis="y", labelsize=7)
    for ax in list(axes.flat)[len(kpis):]:
        ax.set_axis_off()
    fig.suptitle("Every KPI per period with its 95% interval; red title = statistically significant trend", y=1.0)
    fig.tight_layout()
    return fig


# --- findings -----------------------------------------------------------------------------------
def _kpi_attributes(kpi: str, definitions: dict) -> dict:
    definition = definitions.get(kpi)
    return {"kpi_name": getattr(definition, "name", kpi), "unit": getattr(definition, "unit", "")}


def _favourable(kpi: str, direction: str | None, definitions: dict) -> bool | None:
    """Whether moving ``direction`` ("up"/"down") is good for the KPI (None for neutral KPIs)."""
    better = getattr(definitions.get(kpi), "direction", "neutral")
    if direction is None or better not in ("higher_is_better", "lower_is_better"):
        return None
    return (direction == "up") == (better == "higher_is_better")


def _difference_findings(review: QuantitativeReview, *, ledger: Any, definitions: dict) -> None:
    """``segment_difference``: each segment significantly and materially different from the rest."""
    material = review.differences[review.differences["material"].astype(bool)] if len(review.differences) else review.differences
    for row in material.to_dict(orient="records"):
        dimension = row["dimension"]
        frame = review.by_segment.get(dimension)
        match = frame[(frame["kpi"] == row["kpi"]) & (frame[dimension].astype(str) == str(row["segment"]))] if frame is not None else None
        ci = match.iloc[0] if match is not None and len(match) else {}
        direction = "up" if row["difference"] > 0 else "down"
        effect = "cohens_h" if row["effect_measure"] == "Cohen's h" else "hedges_g"
        ledger.add(
            "segment_difference", kpi=row["kpi"], dimension=finding_dimension(dimension),
            segment=str(row["segment"]), direction=direction, favourable=_favourable(row["kpi"], direction, definitions),
            estimate=row["value"], ci_low=ci.get("ci_low") if len(ci) else None, ci_high=ci.get("ci_high") if len(ci) else None,
            n=row["n"], comparator=row["rest_value"], comparator_label="the rest of the centre", p_value=row["p"],
            q_value=row["p_adjusted"], significant=True, effect_name=effect, effect_size=row["effect_size"],
            attributes={**_kpi_attributes(row["kpi"], definitions), "rest_n": row["rest_n"],
                        "overall_test": row["overall_test"], "overall_p": row["overall_p"]},
            evidence=[section_link("differences")],
        )


def _trend_findings(review: QuantitativeReview, *, ledger: Any, definitions: dict, period: str) -> None:
    """``trend`` (significant after FDR control), and ``special_cause`` and ``change_point`` as
    prompts to look (not controlled for multiplicity, so ``significant`` is False)."""
    step_word = {"day": "days", "week": "weeks", "month": "months"}.get(period, "periods")
    for row in review.trends.to_dict(orient="records"):
        dimension = row.get("dimension") or ("all" if row["segment"] == "all" else "team")
        segmented = dimension != "all"
        frame = review.by_segment_period.get(dimension) if segmented else review.weekly
        if frame is None:
            continue
        series = frame[(frame["kpi"] == row["kpi"]) & ((frame[dimension].astype(str) == str(row["segment"]))
                                                        if segmented else True)]
        series = series.dropna(subset=["value"]).sort_values("period")
        if pd.notna(row.get("first_period")):  # the periods the test was fitted on: complete, uncensored, unbroken
            when = pd.to_datetime(series["period"])
            series = series[((when >= row["first_period"]) & (when <= row["last_period"])).to_numpy()]
        if series.empty:
            continue
        first, last = series.iloc[0], series.iloc[-1]
        common = {
            "kpi": row["kpi"], "dimension": finding_dimension(dimension) if segmented else None,
            "segment": str(row["segment"]) if segmented else None,
            "period_start": pd.Timestamp(first["period"]).date(), "period_end": period_end(last["period"], period),
            "attributes": {**_kpi_attributes(row["kpi"], definitions), "periods": row["periods"], "period_word": step_word,
                           "gaps_before": int(row.get("gaps") or 0)},
            "evidence": [section_link("trends")],
        }
        if row["trend"] in ("increasing", "decreasing"):
            direction = "up" if row["trend"] == "increasing" else "down"
            weekly = row["slope"] * 7 if row["slope_unit"] == "per day" else row["slope"]
            ledger.add(
                "trend", **common, direction=direction, favourable=_favourable(row["kpi"], direction, definitions),
                estimate=last["value"], ci_low=last.get("ci_low"), ci_high=last.get("ci_high"), n=last.get("n"),
                comparator=first["value"], comparator_label="first period", p_value=row["p"], q_value=row["p_adjusted"],
                significant=True, effect_name="sens_slope_per_week" if period in ("week", "day") else "sens_slope_per_period",
                effect_size=weekly,
            )
        if dimension not in ("all", "team"):
            continue  # prompts to look (special causes, change points) are charted for the centre and teams only
        if row.get("special_causes"):
            ledger.add(
                "special_cause", **{**common, "attributes": {**common["attributes"], "signals": int(row["special_causes"]),
                                                             "rule": "Western Electric"}},
                estimate=last["value"], n=last.get("n"), significant=False,
            )
        if pd.notna(row.get("change_point")):
            at = pd.Timestamp(row["change_point"])
            periods = pd.to_datetime(series["period"])
            before, after = series.loc[(periods < at).to_numpy(), "value"], series.loc[(periods >= at).to_numpy(), "value"]
            if len(before) and len(after):
                direction = "up" if after.mean() > before.mean() else "down"
                ledger.add(
                    "change_point", **{**common, "period_start": at.date()}, key={"at": at.date().isoformat()},
                    direction=direction, favourable=_favourable(row["kpi"], direction, definitions),
                    estimate=float(after.mean()), comparator=float(before.mean()), comparator_label="mean before the change",
                    n=int(len(series)), significant=False,
                )


def _driver_findings(drivers: Any, *, ledger: Any, alpha: float) -> None:
    """``driver``: odds ratios of a satisfied rating, Benjamini–Hochberg adjusted across the terms."""
    table = drivers.table if drivers is not None else pd.DataFrame()
    if len(table):
        for row, q_value in zip(table.to_dict(orient="records"), fdr_bh(table["p"]), strict=True):
            if not (q_value < alpha):
                continue
            direction = "up" if row["odds_ratio"] > 1 else "down"
            ledger.add(
                "driver", dimension="term", segment=str(row["term"]), direction=direction, favourable=None,
                estimate=row["odds_ratio"], ci_low=row["ci_low"], ci_high=row["ci_high"], n=row["n"], comparator=1.0,
                comparator_label="no effect (odds ratio 1)", p_value=row["p"], q_value=q_value, significant=True,
                effect_name="odds_ratio", effect_size=row["odds_ratio"],
                attributes={"term": row.get("label") or row["term"], "model": drivers.model, "unit": "ratio"},
                evidence=[section_link("drivers")],
            )


def quantitative_findings(review: QuantitativeReview, *, config=None, period: str = "week", alpha: float = 0.05,
                          intervals=None, ledger=None):
    """Record what stage 03 concludes in a findings ledger.

    Findings: ``segment_difference`` (segments significantly and materially different from the
    rest, as the page lists them), ``trend`` (trends significant after FDR control),
    ``special_cause`` and ``change_point`` (shown beside trends as prompts to look, never acted on:
    ``significant`` is False because neither is controlled for multiplicity across series),
    ``driver`` (odds ratios of a satisfied rating, Benjamini–Hochberg adjusted across the model's
    terms), and for interval reports ``source_risk`` (the export's own averages mislead) and
    ``trend`` over the report's time axis.

    Parameters
    ----------
    review : QuantitativeReview
    config : ReviewConfig, optional, keyword-only
        KPI names and units (custom KPIs).
    period : str, keyword-only
        Grain of the stage's series.
    alpha : float, keyword-only
        False discovery rate used by the stage.
    intervals : IntervalsReview, optional, keyword-only
        The stage's interval-report review.
    ledger : FindingsLedger, optional, keyword-only
        Ledger to add to (a new one for ``03_quantitative`` by default).

    Returns
    -------
    FindingsLedger
    """

    ledger = ledger if ledger is not None else FindingsLedger("03_quantitative")
    definitions = {k.id: k for k in kpi_definitions(config)}

    _difference_findings(review, ledger=ledger, definitions=definitions)
    _trend_findings(review, ledger=ledger, definitions=definitions, period=period)
    _driver_findings(review.drivers, ledger=ledger, alpha=alpha)
    if intervals is not None:
        _interval_findings(intervals, ledger=ledger, definitions=definitions, alpha=alpha)
    return ledger


def _interval_findings(intervals, *, ledger, definitions: dict, alpha: float) -> None:
    """Findings of an interval (ACD) report: misleading export averages, trends over its time axis."""

    averaging = intervals.averaging
    for row in averaging[averaging["matters"].astype(bool)].to_dict(orient="records") if len(averaging) else ():
        direction = "up" if row["naive_mean"] > row["weighted"] else "down"
        ledger.add(
            "source_risk", kpi=row["kpi"] if row["kpi"] in definitions else None, key={"check": "averaging", "measure": row["kpi"]},
            direction=direction, favourable=None, estimate=row["naive_mean"], comparator=row["weighted"],
            comparator_label="the figure weighted by calls", n=row.get("rows"), significant=True,
            attributes={**_kpi_attributes(row["kpi"], definitions), "unit": row["unit"],
                        "measure": f"the export's own average of the {definitions[row['kpi']].name.lower() if row['kpi'] in definitions else row['kpi']}",
                        "source": row.get("naive_source")},
            evidence=[section_link("headline")],
        )
    trend = intervals.trend
    if trend is None or not len(trend):
        return
    for row, q_value in zip(trend.to_dict(orient="records"), fdr_bh(trend["p"]), strict=True):
        if not (q_value < alpha):
            continue
        direction = "up" if row["slope"] > 0 else "down"
        kpi = row["kpi"] if row["kpi"] in definitions else None
        unit = "seconds" if row["kpi"].endswith("_s") else "count" if row["kpi"] in ("offered", "answered") else "proportion"
        ledger.add(
            "trend", kpi=kpi, key={"report": "intervals", "measure": row["kpi"]}, direction=direction,
            favourable=_favourable(row["kpi"], direction, definitions), estimate=row["last_tenth"], comparator=row["first_tenth"],
            comparator_label="first tenth of the report", n=row["n"], p_value=row["p"], q_value=q_value, significant=True,
            effect_name="sens_slope_per_period", effect_size=row["slope"],
            attributes={"kpi_name": definitions[kpi].name if kpi else row["kpi"], "unit": unit, "periods": row["steps"],
                        "axis": row["axis"], "period_word": "steps"},
            evidence=[section_link("headline")],
        )


def stored_results(review: QuantitativeReview, *, intervals=None) -> dict[str, pd.DataFrame]:
    """What stage 03 stores for later stages (:func:`csperf_lib.core.results.save_results`).

    ``kpis``: every KPI for the whole review and by period, overall and by every dimension, one
    stacked frame (``kpi, dimension, segment, period, value, ci_low, ci_high, n, sd, grain``;
    ``dimension`` and ``segment`` are ``all`` for the whole population, ``period`` is empty for the
    whole review, ``grain`` is the period grain); ``trends``; and, with an interval report,
    ``interval_kpis`` (:func:`csperf_lib.methods.intervals.interval_kpis` over every row).
    """

    whole = stack_breakdowns({None: review.headline, **review.by_segment})
    # the KPI values only: the control chart columns belong to this stage's charts
    weekly = review.weekly.drop(columns=list(CONTROL_COLUMNS), errors="ignore")
    periods = stack_breakdowns({None: weekly, **review.by_segment_period})
    kpis = pd.concat([whole, periods], ignore_index=True) if len(periods) else whole
    kpis = kpis.assign(grain=review.period)
    kpis["segment"] = kpis["segment"].astype(str)
    out = {"kpis": kpis, "trends": review.trends}
    if intervals is not None and len(intervals.kpis):
        out["interval_kpis"] = intervals.kpis
    return out
