"""Charts. Each function takes a computed frame and an optional ``ax`` and returns the Axes
(the seaborn convention), so notebooks only arrange and caption them."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import TwoSlopeNorm
from matplotlib.ticker import PercentFormatter

from csperf_lib.core.calendar import WEEKDAYS
from csperf_lib.methods.complaints import PARETO_STATS
from csperf_lib.methods.text import ThemeTrends
from csperf_lib.stages.quantitative import SEGMENT_CHART_KPIS, kpi_label, varies

DIMENSIONS = ("completeness", "validity", "uniqueness", "timeliness")


def quality_heatmap(scorecard: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Heatmap of the data-quality scorecard: table.column rows x dimensions, 0-100 %.

    Blank cells are dimensions that do not apply (uniqueness of a non-identifier, timeliness of a
    non-timestamp).
    """
    frame = scorecard.assign(field=scorecard["table"] + "." + scorecard["column"]).set_index("field")
    values = frame[list(DIMENSIONS)].astype(float) * 100
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.32 * len(values) + 1.5))
    sns.heatmap(
        values,
        ax=ax,
        vmin=80,
        vmax=100,
        cmap="RdYlGn",
        annot=True,
        fmt=".1f",
        linewidths=0.5,
        cbar_kws={"label": "% of values (floor 80 %)"},
    )
    ax.set_title("Data-quality scorecard (% of values meeting each dimension)")
    ax.tick_params(axis="x", labelrotation=30)  # four dimension names side by side would overlap
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.set_xlabel("Quality dimension")
    ax.set_ylabel("Table.column")
    return ax


def row_accounting_chart(accounting: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Stacked horizontal bars per table: usable vs quarantined rows (counts)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.6 * len(accounting) + 1.2))
    frame = accounting.set_index("table")[["rows_usable", "rows_quarantined"]]
    frame.columns = ["usable", "quarantined"]
    frame.plot.barh(stacked=True, ax=ax, color=["#2e7d32", "#c62828"])
    ax.set_title("Rows in = usable + quarantined, per table")
    ax.set_xlabel("Rows (count)")
    ax.set_ylabel("Table")
    ax.invert_yaxis()
    return ax


def sample_mix_chart(mix: pd.DataFrame, *, ax: plt.Axes | None = None, weighted: bool = True) -> plt.Axes:
    """Population vs sample mix (% of contacts) per category of each variable, as paired bars.

    ``mix`` is :func:`csperf_lib.methods.sample_checks.sample_mix`'s tidy frame; ``weighted`` plots the sample
    as the estimates see it (design-weighted) rather than raw counts.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.28 * max(len(mix), 1) + 1.5))
    ax.set_title("Mix of the population and of the sample, by variable")
    if mix.empty:
        ax.text(0.5, 0.5, "No variable to compare", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    frame = mix.assign(label=mix["variable"].astype(str) + ": " + mix["category"].astype(str))
    share = "weighted_share" if weighted else "sample_share"
    values = frame.set_index("label")[["population_share", share]] * 100
    values.columns = ["population", "sample (weighted)" if weighted else "sample"]
    values.plot.barh(ax=ax, color=["#90a4ae", "#1565c0"], width=0.8)
    ax.invert_yaxis()
    ax.set_title("Mix of the population and of the sample, by variable")
    ax.set_xlabel("% of contacts")
    ax.set_ylabel("Variable: category")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def kpi_interval_chart(
    frame: pd.DataFrame, *, kpi: str, segment: str, label: str | None = None, ax: plt.Axes | None = None
) -> plt.Axes:
    """One KPI per segment: the value with its 95 % interval as whiskers, n in the label.

    ``frame`` is ``compute_kpis(..., by=(segment,))`` output. Overlapping whiskers mean the
    segments cannot be told apart on this evidence.
    """
    rows = frame[(frame["kpi"] == kpi) & frame[segment].notna()].sort_values("value")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 0.35 * max(len(rows), 1) + 1.4))
    labels = [f"{s} (n={n:,})" for s, n in zip(rows[segment], rows["n"], strict=True)]
    y = range(len(rows))
    low = (rows["value"] - rows["ci_low"]).clip(lower=0).fillna(0)
    high = (rows["ci_high"] - rows["value"]).clip(lower=0).fillna(0)
    ax.errorbar(rows["value"], list(y), xerr=[low, high], fmt="o", color="#1565c0", ecolor="#90a4ae", capsize=3)
    ax.set_yticks(list(y), labels)
    ax.set_title(f"{label or kpi} by {segment} (95% interval)")
    ax.set_xlabel(label or kpi)
    ax.set_ylabel(segment)
    return ax


def arrival_heatmap(profile: pd.DataFrame, *, value: str = "offered_per_day", ax: plt.Axes | None = None) -> plt.Axes:
    """Weekday x hour heatmap of contact arrivals (mean contacts per hour on such a day)."""
    table = profile.pivot_table(index="weekday_name", columns="hour", values=value, aggfunc="sum")
    order = [d for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun") if d in table.index]
    table = table.reindex(order)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.2))
    sns.heatmap(table, ax=ax, cmap="Blues", cbar_kws={"label": "contacts per hour (mean per day)"})
    ax.set_title("When contacts arrive: mean contacts per hour, by weekday")
    ax.set_xlabel("Hour of arrival (local time)")
    ax.set_ylabel("Weekday")
    return ax


def control_chart(
    series: pd.DataFrame, chart=None, *, signals: pd.DataFrame | None = None, label: str = "value",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """An individuals (XmR) chart of a KPI over periods: centre line, control limits, and the
    points breaking a run rule in red.

    ``series`` has ``period`` and ``value`` (one KPI, one segment). Its chart is either stored
    with it (``xmr_center``, ``xmr_lcl``, ``xmr_ucl``, ``special_cause`` from
    :func:`csperf_lib.stages.quantitative.control_limits`, computed once by the stage) or, for a
    view computed on the fly, given: ``chart`` a :class:`csperf_lib.methods.spc.ControlChart` of
    its values and ``signals`` the output of :func:`csperf_lib.methods.spc.run_rules`.
    """
    series = series.sort_values("period").reset_index(drop=True)
    if chart is None:
        first = series.iloc[0] if len(series) else {}
        center, ucl, lcl = (float(first.get(c, np.nan)) for c in ("xmr_center", "xmr_ucl", "xmr_lcl"))
        flagged = list(np.flatnonzero(series["special_cause"].fillna(False).to_numpy(dtype=bool))) if "special_cause" in series else []
    else:
        center, ucl, lcl = chart.center, chart.ucl, chart.lcl
        flagged = sorted(set(signals["position"])) if signals is not None and len(signals) else []
    x = pd.to_datetime(series["period"])
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    ax.plot(x, series["value"], marker="o", color="#1565c0", label=label)
    if np.isfinite(center):
        ax.axhline(center, color="#2e7d32", linestyle="-", linewidth=1, label="centre")
    for limit, name in ((ucl, "upper limit"), (lcl, "lower limit")):
        if np.ndim(limit) == 0 and np.isfinite(limit):
            ax.axhline(limit, color="#c62828", linestyle="--", linewidth=1, label=name)
    if flagged:
        ax.scatter(x.iloc[flagged], series["value"].iloc[flagged], color="#c62828", zorder=3, s=60, label="special cause")
    ax.set_title(f"{label}: individuals control chart")
    ax.set_xlabel("Period start")
    ax.set_ylabel(label)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return ax


def segment_figure(review, dimension: str, *, kpis=None, config=None) -> plt.Figure:
    """Small multiples of stage 03: each KPI that varies by one dimension, with its 95 % intervals.

    ``review`` is a :class:`csperf_lib.stages.quantitative.QuantitativeReview`; ``kpis`` default
    to its :data:`~csperf_lib.stages.quantitative.SEGMENT_CHART_KPIS`.
    """
    frame = review.by_segment[dimension]
    # a KPI equal in every segment says nothing here (e.g. answer rate by team when a team is
    # only recorded for answered contacts), so it is not drawn
    shown = [k for k in (kpis or SEGMENT_CHART_KPIS) if varies(frame.loc[frame["kpi"] == k, "value"])]
    cols = 2
    rows = max(1, -(-len(shown) // cols))
    height = 0.32 * frame[dimension].nunique() + 1.6
    fig, axes = plt.subplots(rows, cols, figsize=(12, height * rows), squeeze=False)
    for ax, kpi in zip(axes.flat, shown, strict=False):
        kpi_interval_chart(frame, kpi=kpi, segment=dimension, label=kpi_label(kpi, config=config), ax=ax)
    for ax in list(axes.flat)[len(shown):]:
        ax.set_axis_off()
    fig.suptitle(f"KPIs by {dimension}, with 95% intervals", y=1.0)
    fig.tight_layout()
    return fig


def control_chart_figure(review, kpi: str, *, segment: str = "all", config=None) -> plt.Figure:
    """The XmR chart stage 03 computed for one KPI's period series (overall, or one team), special
    causes marked; nothing is recomputed here."""
    if segment == "all":
        series = review.weekly[review.weekly["kpi"] == kpi]
    else:
        series = review.weekly_by_team[(review.weekly_by_team["kpi"] == kpi) & (review.weekly_by_team["team"] == segment)]
    series = series.dropna(subset=["value"])
    name = kpi_label(kpi, config=config)
    fig, ax = plt.subplots(figsize=(9, 3))
    control_chart(series, label=f"{name}" + ("" if segment == "all" else f" ({segment})"), ax=ax)
    fig.tight_layout()
    return fig


def theme_chart(coverage: pd.DataFrame, *, ax: plt.Axes | None = None, title: str = "") -> plt.Axes:
    """Horizontal bars of theme shares with 95 % Wilson intervals."""
    rows = coverage[~coverage["theme"].isin(["any theme", "uncoded"])].sort_values("share")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.2))
    y = np.arange(len(rows))
    ax.barh(y, rows["share"], color="#4C72B0")
    ax.errorbar(rows["share"], y, xerr=[rows["share"] - rows["ci_low"], rows["ci_high"] - rows["share"]], fmt="none", ecolor="black", capsize=2, lw=1)
    ax.set_yticks(y, rows["label"])
    ax.set_xlabel("share of texts with the theme (proportion 0–1), 95 % CI")
    ax.set_title(title or f"Themes (n = {int(coverage['n'].iloc[0]):,} texts)")
    return ax


def theme_trend_chart(
    trends: ThemeTrends,
    *,
    themes=None,
    labels: Mapping[str, str] | None = None,
    issues: pd.DataFrame | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Weekly count of texts per theme; theme spikes shaded red, emerging issues shaded orange
    and named. Default themes: the four largest plus any with a spike or an emerging issue."""
    weekly = trends.weekly
    labels = labels or {}
    by_label = {v: k for k, v in labels.items()}
    if themes is None:
        themes = list(weekly.groupby("theme")["count"].sum().sort_values(ascending=False).index[:4])
        flagged = list(trends.spikes["theme"])
        if issues is not None and len(issues) and "theme" in issues:
            flagged += [by_label.get(t, t) for t in issues["theme"]]
        themes += [t for t in dict.fromkeys(flagged) if t not in themes]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.8))
    for theme in themes:
        part = weekly[weekly["theme"] == theme]
        ax.plot(part["week"], part["count"], marker="o", ms=3, label=labels.get(theme, theme))
    for row in trends.spikes.itertuples():
        if row.theme in themes:
            ax.axvspan(row.first_week - 0.5, row.last_week + 0.5, color="red", alpha=0.12)
    if issues is not None:
        top = ax.get_ylim()[1]
        bottom = ax.get_ylim()[0]
        for i, row in enumerate(issues.head(3).itertuples()):
            ax.axvspan(row.first_week - 0.5, row.last_week + 0.5, color="orange", alpha=0.15)
            y = top - (0.07 * i) * (top - bottom)  # staggered so neighbouring issues stay legible
            ax.text((row.first_week + row.last_week) / 2, y, f"'{str(row.terms).split(', ')[0]}'", ha="center", va="top", fontsize=8, color="#A0522D")
    ax.set_xlabel(f"week (1 = week starting {trends.start:%d %b %Y}); red: theme spike, orange: emerging issue")
    ax.set_ylabel("texts per week (count)")
    ax.legend(fontsize=8, ncol=2, loc="lower left")
    return ax


def sentiment_theme_chart(by_theme: pd.DataFrame, *, ax: plt.Axes | None = None) -> plt.Axes:
    """Mean sentiment (compound −1..1) per theme with its 95 % interval (``sentiment_by_theme``)."""
    rows = by_theme.sort_values("mean_compound")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.2))
    y = np.arange(len(rows))
    colours = np.where(rows["mean_compound"] < 0, "#C44E52", "#55A868")
    ax.barh(y, rows["mean_compound"], color=colours)
    ax.errorbar(rows["mean_compound"], y, xerr=[rows["mean_compound"] - rows["mean_low"], rows["mean_high"] - rows["mean_compound"]], fmt="none", ecolor="black", capsize=2, lw=1)
    ax.set_yticks(y, [f"{t} (n={n:,})" for t, n in zip(rows["theme"], rows["n"], strict=True)])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("mean sentiment (compound score −1..1), 95 % CI")
    return ax


def pareto_chart(
    pareto_frame: pd.DataFrame,
    *,
    ax=None,
    title: str | None = None,
    threshold: float = 0.8,
    max_bars: int = 15,
    label_width: int = 32,
):
    """Pareto chart: complaints per category as bars, cumulative % as a line on a second axis.

    Parameters
    ----------
    pareto_frame : DataFrame
        One :func:`pareto` result (without ``within``; filter one segment first).
    ax : matplotlib Axes, optional, keyword-only
        Where to draw; a new figure when None.
    title : str, optional, keyword-only
        Default ``"Pareto of complaints by <column>"``.
    threshold : float, keyword-only
        Where the dashed reference line is drawn on the cumulative axis (default 80 %).
    max_bars : int, keyword-only
        Categories beyond this many are folded into one final "Other (k categories)" bar.
    label_width : int, keyword-only
        Longer category names are shortened to this many characters (ending in "…").

    Returns
    -------
    matplotlib Axes
        The bar (count) axis; the cumulative axis is its twin on the right. Vital-few bars are
        dark blue, the rest light.
    """
    labels = [c for c in pareto_frame.columns if c not in PARETO_STATS]
    if len(labels) != 1:
        raise ValueError("pareto_chart draws one Pareto: pass a pareto() result without `within`, "
                         "or one segment of it")
    by = labels[0]
    rows = pareto_frame.reset_index(drop=True)
    if len(rows) > max_bars:
        head, tail = rows.iloc[: max_bars - 1], rows.iloc[max_bars - 1:]
        other = pd.DataFrame({by: [f"Other ({len(tail)} categories)"], "count": [tail["count"].sum()],
                              "cumulative_share": [1.0], "vital_few": [False]})
        rows = pd.concat([head, other], ignore_index=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(rows) + 2.5), 4.2))
    title = title or f"Pareto of complaints by {by}"
    if rows.empty:
        ax.text(0.5, 0.5, "No complaints", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        ax.set_title(title)
        return ax
    x = np.arange(len(rows))
    colours = np.where(rows["vital_few"].astype(bool), "#1565c0", "#90caf9")
    ax.bar(x, rows["count"], color=colours, edgecolor="white")
    # long labels are shortened, not wrapped: wrapped text on rotated ticks collides
    names = [textwrap.shorten(str(v), width=label_width, placeholder="…") for v in rows[by]]
    ax.set_xticks(x, names, rotation=40, ha="right", rotation_mode="anchor", fontsize=8)
    ax.set_ylabel("Complaints (count)")
    ax.set_xlabel(by.replace("_", " ").capitalize())
    cumulative = ax.twinx()
    cumulative.plot(x, rows["cumulative_share"] * 100, color="#c62828", marker="o", linewidth=1.5)
    cumulative.axhline(threshold * 100, color="#616161", linestyle="--", linewidth=1)
    cumulative.text(x[-1], threshold * 100, f" {threshold:.0%}", va="bottom", ha="right", fontsize=8,
                    color="#616161")
    cumulative.set_ylim(0, 105)
    cumulative.yaxis.set_major_formatter(PercentFormatter(100))
    cumulative.set_ylabel("Cumulative share of complaints", color="#c62828")
    ax.set_title(title + f"\n(dark bars: the vital few reaching {threshold:.0%}; n = {int(rows['count'].sum()):,})")
    return ax


_HEATMAP_LABELS = {
    "gap": "Agents deployed − required (red: under-staffed)",
    "required_raw": "Agents required on the phones",
    "required": "Agents to roster (with shrinkage)",
    "deployed": "Agents deployed (mean per interval)",
    "offered": "Contacts offered (mean per interval)",
    "observed_sl": "Observed service level",
    "predicted_sl": "Predicted service level (Erlang C, agents deployed)",
}


def staffing_heatmap(profile: pd.DataFrame, *, value: str = "gap", ax=None):
    """Heatmap of a weekday x interval-of-day column of :func:`weekday_profile`.

    ``value="gap"`` (deployed - required) uses diverging colours centred on 0, under-staffed
    red and over-staffed blue; cells not judged are blank. Other columns (``required_raw``,
    ``deployed``, ``offered``, ``observed_sl`` ...) use a sequential scale.

    Parameters
    ----------
    profile : pandas.DataFrame
        :func:`weekday_profile` output (``StaffingReview.profile``).
    value : str, keyword-only
        The column to show.
    ax : matplotlib.axes.Axes, keyword-only
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if value not in profile.columns:
        raise ValueError(f"value must be a column of the profile, got {value!r}")
    data = profile if value != "gap" else profile.assign(gap=profile["gap"].where(profile["status"] != "not judged"))
    grid = data.pivot(index="weekday", columns="time", values=value).astype(float)
    grid = grid.reindex(sorted(grid.index))
    grid.index = [WEEKDAYS[int(d)] for d in grid.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, 0.28 * grid.shape[1] + 2), 0.45 * max(len(grid), 1) + 1.6))
    values = grid.to_numpy(float)
    if value == "gap":
        bound = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
        bound = max(bound, 0.5)
        mesh = ax.pcolormesh(np.ma.masked_invalid(values), cmap="RdBu",
                             norm=TwoSlopeNorm(vmin=-bound, vcenter=0.0, vmax=bound))
    else:
        cmap = "RdYlGn" if value.endswith("_sl") else "viridis"
        mesh = ax.pcolormesh(np.ma.masked_invalid(values), cmap=cmap)
    ax.set_facecolor("#d9d9d9")  # grey: no contacts (or, for the gap, not judged)
    ax.figure.colorbar(mesh, ax=ax, label="agents" if value in ("gap", "required_raw", "required", "deployed")
                       else ("contacts" if value == "offered"
                             else ("proportion 0-1" if value.endswith("_sl") else value)))
    ax.set_yticks(np.arange(len(grid)) + 0.5, grid.index)
    ax.invert_yaxis()
    step = max(1, grid.shape[1] // 16)
    ticks = np.arange(0, grid.shape[1], step)
    ax.set_xticks(ticks + 0.5, [grid.columns[i] for i in ticks], rotation=90)
    ax.set_xlabel("Interval start")
    ax.set_ylabel("Weekday")
    title = _HEATMAP_LABELS.get(value, value)
    if value == "gap" and str(profile.get("judged_by", pd.Series([""])).iloc[0] if len(profile) else "").startswith("observed"):
        title = "Agents deployed (implied by the service level) − required (red: under-staffed)"  # model did not fit
    ax.set_title(title + "; grey: no contacts" + (" or not judged" if value == "gap" else ""))
    return ax
