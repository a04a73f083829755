"""The KPI explorer: choose a KPI, a segment dimension, a period grain and a filter; see the table,
the trend and the control chart.

The callbacks are plain functions with unit tests: :func:`explore` computes a view (every
aggregate in the store's engine through :func:`csperf_lib.methods.kpis.compute_kpi_breakdowns`, one
query per table the KPI needs), :func:`render_view` draws it, :func:`filter_choices` lists the
values a filter can take. :func:`kpi_explorer` only wires them to ``ipywidgets`` controls. Under
papermill the widget is inert (it shows the view of its initial selection at most); the stage's
static charts carry the report.

Filters
-------
``filters`` maps a column to a value or a list of values (``{"channel": "phone", "queue":
["Billing", "Sales"]}``); columns are those of the ``contacts`` table (categories, identifiers
other than ``contact_id``, flags). They are applied in the engine, before aggregation:

* ``contacts``: directly;
* ``surveys`` and ``qa_evaluations``: directly when the table has the column itself (e.g.
  ``qa_evaluations.agent_id``), otherwise through their ``contact_id`` (rows whose contact is
  not among the filtered contacts, or that have no contact, are dropped);
* ``complaints``: directly when it has the column (``channel``, ``queue``, ``region``);
  complaints have no contact link, so a filter on any other column leaves no complaints and
  complaint KPIs are reported unavailable, with that reason.

An empty list (or None) leaves the column unfiltered, so an empty multi-select means "all".
"""

from __future__ import annotations

import base64
import html
import io
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd
from matplotlib.figure import Figure

from csperf_lib.core.display import reader_html
from csperf_lib.core.formatting import format_value
from csperf_lib.ingest.store import Store, has_values
from csperf_lib.methods.kpi_catalogue import kpi_catalogue, kpi_definitions, unit_bounds
from csperf_lib.methods.kpis import PERIODS, compute_kpi_breakdowns, kpi_availability
from csperf_lib.methods.sample_frame import DEFAULT_STRATA
from csperf_lib.methods.sample_size import SampleSizeReasoning, sample_size_reasoning
from csperf_lib.methods.sampling import ALLOCATIONS, Allocation, allocate
from csperf_lib.methods.spc import ControlChart, run_rules, xmr_chart
from csperf_lib.methods.trend import mann_kendall
from csperf_lib.report.plots import control_chart, kpi_interval_chart
from csperf_lib.stages.quantitative import adjust_trends, main_table, present_segments
from csperf_lib.stages.sample import strata_sentence

__all__ = [
    "FILTER_COLUMNS",
    "ExplorerView",
    "explore",
    "filter_choices",
    "kpi_explorer",
    "render_view",
]

#: Default columns offered as filters (those of them ``contacts`` has).
FILTER_COLUMNS = ("channel", "queue", "team", "region")
#: Tables linked to contacts through ``contact_id``.
_LINKED = ("surveys", "qa_evaluations")
TREND_COLUMNS = ("segment", "periods", "trend", "slope", "slope_unit", "p", "p_adjusted", "tau", "note")


@dataclass(frozen=True, eq=False)
class ExplorerView:
    """What the explorer shows for one selection (treat the frames as read-only).

    Attributes
    ----------
    kpi, name, unit : str
        KPI id, display name and unit key.
    dimension : str or None
        Segment column, if one was chosen.
    period : str
        ``"day"``, ``"week"`` or ``"month"``.
    filters : dict
        Column -> tuple of values applied (empty filters dropped).
    table : DataFrame
        :func:`~csperf_lib.methods.kpis.compute_kpis` output for the KPI over the whole period, by
        ``dimension`` when given (one row otherwise).
    series : DataFrame
        The KPI by period, all segments together (the charted series), sorted by period.
    segment_series : DataFrame or None
        The KPI by ``dimension`` and period; None without a dimension.
    trend : DataFrame
        Mann-Kendall test with Sen's slope (slope per day) on the overall series (``segment``
        ``"all"``) then on each segment's series: ``segment, periods, trend, slope, slope_unit,
        p, p_adjusted, tau, note``. The verdict is judged on ``p_adjusted``: Benjamini-Hochberg
        across the series shown, the same control of false discoveries the stage applies across
        every trend it tests (:func:`csperf_lib.stages.quantitative.adjust_trends`), so the
        explorer never calls a trend the report would not.
    chart : ControlChart
        XmR chart of the overall series.
    signals : DataFrame
        :func:`~csperf_lib.methods.spc.run_rules` (Western Electric) on the overall series; positions
        index ``series``.
    seconds : float
        Wall time of the :func:`explore` call.
    note : str
        Empty, or why the KPI has no value for this selection.
    """

    kpi: str
    name: str
    unit: str
    dimension: str | None
    period: str
    filters: dict
    table: pd.DataFrame
    series: pd.DataFrame
    segment_series: pd.DataFrame | None
    trend: pd.DataFrame
    chart: ControlChart
    signals: pd.DataFrame
    seconds: float
    note: str = ""


# --- validation ----------------------------------------------------------------------------------
def _choice_error(what: str, value: Any, choices: Sequence[Any]) -> ValueError:
    listed = ", ".join(str(c) for c in choices) or "none"
    return ValueError(f"unknown {what} {value!r}; choose one of: {listed}")


def _segment_columns(contacts: ibis.Table) -> list[str]:
    """Columns of ``contacts`` usable as a dimension or filter: texts and flags but the key."""
    schema = contacts.schema()
    return [
        name
        for name, dtype in schema.items()
        if name != "contact_id"
        and not name.startswith("_")
        and (dtype.is_string() or dtype.is_boolean())
    ]


def _normalise_filters(filters: Mapping[str, Any] | None, valid: Sequence[str]) -> dict[str, tuple]:
    if filters is None:
        return {}
    if not isinstance(filters, Mapping):
        raise ValueError("filters must be a mapping of column to a value or a list of values")
    out = {}
    for column, values in filters.items():
        if column not in valid:
            raise _choice_error("filter column", column, valid)
        if values is None:
            continue
        if isinstance(values, str | bool | int | float):
            values = (values,)
        values = tuple(values)
        if values:
            out[column] = values
    return out


# --- filtering in the engine -----------------------------------------------------------------------
def _filtered_tables(
    store: Store, filters: Mapping[str, tuple]
) -> tuple[dict[str, ibis.Table], dict[str, str]]:
    """The canonical tables with ``filters`` applied as Ibis expressions, and tables dropped (why)."""
    tables = {
        name: store.table(name)
        for name in ("contacts", "surveys", "qa_evaluations", "complaints")
        if store.has(name)
    }
    if not filters:
        return tables, {}

    def keep(table: ibis.Table, column: str) -> ibis.Table:
        return table.filter(table[column].isin(list(filters[column])))

    contacts = tables.get("contacts")
    out: dict[str, ibis.Table] = {}
    if contacts is not None:
        for column in filters:
            contacts = keep(contacts, column)
        out["contacts"] = contacts
    dropped: dict[str, str] = {}
    for name, table in tables.items():
        if name == "contacts":
            continue
        # an unmapped (all-null) own column is not the segment: take it from the contact instead
        own = [c for c in filters if c in table.columns
               and (contacts is None or has_values(table, c))]
        linked = [c for c in filters if c not in own]
        for column in own:
            table = keep(table, column)
        if linked:
            if name in _LINKED and "contact_id" in table.columns and contacts is not None:
                table = table.filter(table["contact_id"].isin(contacts["contact_id"]))
            else:
                dropped[name] = (
                    f"{name} cannot be filtered by {', '.join(linked)} "
                    "(no such column and no link to contacts)"
                )
                continue
        out[name] = table
    return out, dropped


# --- the callback ------------------------------------------------------------------------------
def _trend_row(segment: Any, frame: pd.DataFrame, alpha: float) -> dict[str, Any]:
    frame = frame.dropna(subset=["value"]).sort_values("period")
    result = mann_kendall(
        frame["value"].to_numpy(dtype=float),
        pd.to_datetime(frame["period"]).to_numpy(),
        alpha=alpha,
    )
    return {
        "segment": segment,
        "periods": len(frame),
        "trend": result.trend,
        "slope": result.slope,
        "slope_unit": result.slope_unit,
        "p": result.p,
        "tau": result.tau,
        "note": result.note,
    }


def explore(
    store: Store,
    *,
    kpi: str,
    dimension: str | None = None,
    period: str = "week",
    filters: Mapping[str, Any] | None = None,
    config=None,
    alpha: float = 0.05,
) -> ExplorerView:
    """Compute what the explorer shows for one selection (the widget callback's whole logic).

    One engine query per table the KPI needs (the breakdowns share it, see
    :func:`~csperf_lib.methods.kpis.compute_kpi_breakdowns`); only small aggregates come back.

    Parameters
    ----------
    store : Store
        Holds the usable canonical tables.
    kpi : str, keyword-only
        KPI id (catalogue or the config's custom KPIs).
    dimension : str, optional, keyword-only
        Segment column of ``contacts`` (e.g. ``"queue"``); None for no breakdown.
    period : {"day", "week", "month"}, keyword-only
        Grain of the series.
    filters : mapping, optional, keyword-only
        Column -> value or list of values, applied in the engine before aggregation (see the
        module docstring for the tables each filter reaches). Not modified.
    config : ReviewConfig, optional, keyword-only
        KPI options and custom KPIs.
    alpha : float, keyword-only
        Significance level of the trend test.

    Returns
    -------
    ExplorerView

    Raises
    ------
    ValueError
        One line listing the valid choices, for an unknown KPI, dimension, period or filter column.
    """
    started = time.perf_counter()
    definitions = {k.id: k for k in kpi_definitions(config)}
    if kpi not in definitions:
        raise _choice_error("KPI", kpi, list(definitions))
    if period not in PERIODS:
        raise _choice_error("period", period, PERIODS)
    columns = _segment_columns(store.table(main_table(store) or "contacts"))
    if dimension is not None and dimension not in columns:
        raise _choice_error("dimension", dimension, columns)
    applied = _normalise_filters(filters, columns)
    tables, dropped = _filtered_tables(store, applied)

    by = (dimension,) if dimension else ()
    wanted = list(dict.fromkeys([(by, None), ((), period), *([(by, period)] if by else [])]))
    frames = compute_kpi_breakdowns(tables, breakdowns=wanted, kpis=[kpi], config=config)
    table, series = frames[(by, None)], frames[((), period)]
    segment_series = frames[(by, period)] if by else None

    note = table.attrs.get("unavailable", {}).get(kpi, "")
    definition = definitions[kpi]
    for name in (definition.table, definition.denominator_table):
        if name in dropped and note:
            note = dropped[name]
    if not note and table.empty:
        note = "no rows for this selection"

    series = (
        series.dropna(subset=["value"]).sort_values("period", kind="stable").reset_index(drop=True)
    )
    values = series["value"].to_numpy(dtype=float)
    chart = xmr_chart(values, bounds=unit_bounds(definition.unit))
    signals = run_rules(values, chart.center, chart.sigma, rules="western_electric")
    rows = [_trend_row("all", series, alpha)]
    if segment_series is not None:
        for segment, group in segment_series.groupby(dimension, sort=True):
            rows.append(_trend_row(segment, group, alpha))
    tested = pd.DataFrame(rows, columns=[c for c in TREND_COLUMNS if c != "p_adjusted"])
    trend = adjust_trends(tested, alpha=alpha)[list(TREND_COLUMNS)]
    return ExplorerView(
        kpi=kpi,
        name=definition.name,
        unit=definition.unit,
        dimension=dimension,
        period=period,
        filters={k: v for k, v in applied.items()},
        table=table,
        series=series,
        segment_series=segment_series,
        trend=trend,
        chart=chart,
        signals=signals,
        seconds=time.perf_counter() - started,
        note=note,
    )


def filter_choices(
    store: Store, *, columns: Sequence[str] = FILTER_COLUMNS, max_values: int = 200
) -> dict[str, list]:
    """Distinct values of each filter column of :func:`~csperf_lib.stages.quantitative.main_table`, for dropdowns.

    Parameters
    ----------
    store : Store
    columns : sequence of str, keyword-only
        Candidate columns; those ``contacts`` lacks, or where every value is null, are left out.
    max_values : int, keyword-only
        At most this many values per column (the first in sort order).

    Returns
    -------
    dict
        Column -> sorted list of distinct non-null values.
    """
    out: dict[str, list] = {}
    table = main_table(store)
    if table is None:
        return out
    contacts = store.table(table)
    for column in columns:
        if column not in contacts.columns:
            continue
        expr = contacts.select(column).filter(contacts[column].notnull()).distinct()
        values = expr.order_by(column).limit(max_values).execute()[column].tolist()
        if values:
            out[column] = values
    return out


# --- drawing -----------------------------------------------------------------------------------
def render_view(view: ExplorerView, *, config=None) -> Figure:
    """The explorer's figure: the control chart of the series, and the segments' intervals.

    Parameters
    ----------
    view : ExplorerView
        From :func:`explore`.
    config : ReviewConfig, optional, keyword-only
        For the KPI's display name when a config renames or adds KPIs (default: ``view.name``).

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot (nothing to close); top axes: the series with centre line,
        control limits and special causes (:func:`csperf_lib.report.plots.control_chart`); bottom
        axes, when a dimension is chosen: the value per segment with its interval
        (:func:`csperf_lib.report.plots.kpi_interval_chart`).
    """
    label = view.name
    if config is not None:
        label = kpi_catalogue(config).set_index("id")["name"].get(view.kpi, view.name)
    segments = 0
    if view.dimension:
        segments = int(view.table[view.dimension].notna().sum()) if len(view.table) else 0
    bottom = 0.35 * max(segments, 1) + 1.4 if view.dimension else 0
    fig = Figure(figsize=(9, 3.2 + bottom))
    if view.dimension:
        top, low = fig.subplots(2, 1, height_ratios=[3.2, bottom])
    else:
        top, low = fig.subplots(1, 1), None
    if view.series.empty:
        top.text(
            0.5, 0.5, view.note or "no data", ha="center", va="center", transform=top.transAxes
        )
        top.set_title(label)
        top.set_axis_off()
    else:
        control_chart(view.series, view.chart, signals=view.signals, label=label, ax=top)
        top.tick_params(axis="x", labelrotation=30)
    if low is not None:
        if segments:
            kpi_interval_chart(
                view.table, kpi=view.kpi, segment=view.dimension, label=label, ax=low
            )
        else:
            low.text(
                0.5, 0.5, view.note or "no data", ha="center", va="center", transform=low.transAxes
            )
            low.set_axis_off()
    fig.tight_layout()
    return fig


def _display_table(view: ExplorerView) -> pd.DataFrame:

    rows = []
    for r in view.table.to_dict(orient="records"):
        interval = (
            f"{format_value(r['ci_low'], view.unit)} – {format_value(r['ci_high'], view.unit)}"
            if pd.notna(r["ci_low"])
            else "—"
        )
        rows.append(
            {
                **({view.dimension: r[view.dimension]} if view.dimension else {}),
                "value": format_value(r["value"], view.unit),
                "95% interval": interval,
                "n": f"{r['n']:,}",
            }
        )
    return pd.DataFrame(rows)


def _outputs(view: ExplorerView, fig: Figure) -> tuple[dict, ...]:
    """Jupyter output records (HTML tables, PNG figure): filled without a kernel or display."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    trend = view.trend
    caption = f"{view.name} — computed in {view.seconds:.2f} s" + (
        f" — filters: {'; '.join(f'{k} in {list(v)}' for k, v in view.filters.items())}"
        if view.filters
        else ""
    )
    parts = [f"<p><b>{html.escape(caption, quote=False)}</b></p>"]
    if view.note:
        parts.append(f"<p><i>{html.escape(view.note, quote=False)}</i></p>")
    table = _display_table(view)
    parts.append(reader_html(table) if len(table) else "")
    parts.append(f"<p>Trend per {html.escape(view.period)} (Mann–Kendall, Sen's slope per day; the verdict uses p "
                 "adjusted by Benjamini–Hochberg across the series shown, as the review adjusts across all its "
                 "trend tests):</p>")
    parts.append(reader_html(trend))
    page = "\n".join(parts)
    text = f"{caption}\n{table.to_string(index=False)}\n{trend.to_string(index=False)}"
    return (
        {
            "output_type": "display_data",
            "data": {"text/html": page, "text/plain": text},
            "metadata": {},
        },
        {
            "output_type": "display_data",
            "data": {"image/png": png, "text/plain": f"<Figure: {view.name}>"},
            "metadata": {},
        },
    )


# --- the widget --------------------------------------------------------------------------------
def kpi_explorer(store_url_or_store: str | Store, *, config=None):
    """An ``ipywidgets`` explorer wired to :func:`explore` and :func:`render_view`.

    Parameters
    ----------
    store_url_or_store : str or Store
        An open :class:`~csperf_lib.ingest.store.Store` (used, never closed: the caller owns it), or a
        store URL. Given a URL the widget opens the store and keeps it open for its life, which
        for a DuckDB file holds the file's lock and blocks other processes (e.g. ``csperf run``)
        from writing it: press *Release store* (or call ``widget.release()``) to close it; the
        next change of a control reopens it.
    config : ReviewConfig, optional, keyword-only
        KPI options and custom KPIs; its ``store_password_env`` when opening a URL.

    Returns
    -------
    ipywidgets.VBox
        Controls (KPI, dimension, period, filter column and its values), a status line and an
        Output area with the table, the trend tests and the figure. ``widget.refresh()`` recomputes
        the view; ``widget.controls`` maps control names to widgets. Works without a display
        (the output is filled as plain output records).
    """
    import ipywidgets as w

    # the config's store.password_env, as StageContext.open_store uses it
    holder = _LazyStore(store_url_or_store, password_env=getattr(config, "store_password_env", None))
    available = kpi_availability(holder.get(), config=config)
    available = available[available["available"]]
    if available.empty:  # e.g. a review of interval reports only: nothing to explore here
        holder.release()
        return w.HTML("<p>No KPI of the catalogue can be computed from this review's tables, so there is nothing to explore.</p>")
    dims, _ = present_segments(holder.get())
    choices = filter_choices(holder.get())
    c = _explorer_controls(w, available, dims=dims, choices=choices, owned=holder.owned)
    busy = {"flag": False}

    def refresh(_change=None) -> None:
        if busy["flag"] or c["kpi"].value is None:
            return
        filters = {c["column"].value: list(c["values"].value)} if c["column"].value and c["values"].value else None
        try:
            view = explore(holder.get(), kpi=c["kpi"].value, dimension=c["dimension"].value,
                           period=c["period"].value, filters=filters, config=config)
        except Exception as exc:  # shown to the reviewer, never raised in a callback
            c["status"].value = f"<span style='color:#c62828'>{type(exc).__name__}: {exc}</span>"
            c["output"].outputs = ()
            return
        c["status"].value = f"{view.name}: {view.seconds:.2f} s" + (f" — {view.note}" if view.note else "")
        c["output"].outputs = _outputs(view, render_view(view, config=config))

    def on_column(_change=None) -> None:
        busy["flag"] = True
        try:
            c["values"].options = choices.get(c["column"].value, []) if c["column"].value else []
            c["values"].value = ()
        finally:
            busy["flag"] = False
        refresh()

    def on_release(_button=None) -> None:
        if holder.release():
            c["status"].value = "store released; the next change reopens it"

    for name in ("kpi", "dimension", "period", "values"):
        c[name].observe(refresh, names="value")
    c["column"].observe(on_column, names="value")
    c["release"].on_click(on_release)
    box = w.VBox([w.HBox([c["kpi"], c["dimension"], c["period"]]), w.HBox([c["column"], c["values"], c["release"]]),
                  c["status"], c["output"]])
    box.refresh = refresh
    box.release = on_release
    box.controls = c
    refresh()
    return box


class _LazyStore:
    """The explorer's store: the caller's (used, never closed), or one opened from a URL on first
    use and closed by :meth:`release` (the next :meth:`get` reopens it)."""

    def __init__(self, store_url_or_store: str | Store, *, password_env: str | None) -> None:
        self.owned = not isinstance(store_url_or_store, Store)
        self._source = store_url_or_store
        self._password_env = password_env
        self._store: Store | None = None if self.owned else store_url_or_store

    def get(self) -> Store:
        if self._store is None:
            self._store = Store(self._source, password_env=self._password_env)
        return self._store

    def release(self) -> bool:
        """Close an owned, open store; True when it was closed."""
        if self.owned and self._store is not None:
            self._store.close()
            self._store = None
            return True
        return False


def _explorer_controls(w: Any, available: pd.DataFrame, *, dims: Sequence[str], choices: Mapping[str, Any],
                       owned: bool) -> dict[str, Any]:
    """The explorer's widgets by name: KPI, dimension, period, filter column and values, status,
    output and the release button."""
    return {
        "kpi": w.Dropdown(description="KPI", options=list(zip(available["name"], available["kpi"], strict=True))),
        "dimension": w.Dropdown(description="Dimension", options=[("(none)", None), *((d, d) for d in dims)]),
        "period": w.Dropdown(description="Period", options=list(PERIODS), value="week"),
        "column": w.Dropdown(description="Filter by", options=[("(no filter)", None), *((c, c) for c in choices)]),
        "values": w.SelectMultiple(description="Values", options=[], rows=6),
        "status": w.HTML(),
        "output": w.Output(),
        "release": w.Button(description="Release store", disabled=not owned, tooltip="close the store file"),
    }


@dataclass(frozen=True)
class DesignPreview:
    """What the explorer shows for one choice of margin, confidence, strata and allocation.

    Attributes
    ----------
    reasoning : SampleSizeReasoning
    allocation : Allocation or None
        None when the choice is impossible (see ``error``).
    error : str
        Why no allocation could be made ("" when it could).
    """

    reasoning: SampleSizeReasoning
    allocation: Allocation | None
    error: str = field(default="")


def design_preview(
    frame: pd.DataFrame,
    *,
    margin: float = 0.05,
    confidence: float = 0.95,
    strata: Sequence[str] | None = DEFAULT_STRATA,
    allocation: str = "proportional",
    min_per_stratum: int = 1,
) -> DesignPreview:
    """Sample size and allocation for one design choice (the explorer's callback; never raises
    for an impossible choice, it says why in ``error``)."""
    reasoning = sample_size_reasoning(len(frame), confidence=confidence, margin=margin)
    try:
        plan = allocate(frame, n=reasoning.n, strata=strata, allocation=allocation, min_per_stratum=min_per_stratum)
    except ValueError as exc:
        return DesignPreview(reasoning, None, str(exc))
    return DesignPreview(reasoning, plan)


def _render_preview(preview: DesignPreview) -> str:
    """HTML for the explorer (data values escaped by pandas / html.escape)."""
    parts = [f"<p>{html.escape(preview.reasoning.describe()).replace('**', '')}</p>"]
    if preview.allocation is None:
        parts.append(f"<p><b>No allocation:</b> {html.escape(preview.error)}</p>")
    else:
        plan = preview.allocation
        parts.append(f"<p>{html.escape(strata_sentence(plan)).replace('**', '').replace('`', '')}</p>")
        table = plan.table[["stratum", "population", "sample", "design_weight"]]
        parts.append(table.to_html(index=False, float_format=lambda v: f"{v:,.1f}", max_rows=60))
    return "\n".join(parts)


def sampling_explorer(
    frame: pd.DataFrame,
    *,
    margin: float = 0.05,
    confidence: float = 0.95,
    strata: Sequence[str] | None = None,
    allocation: str = "proportional",
    candidates: Sequence[str] = ("channel", "queue", "team", "region", "hour_band", "weekday"),
):
    """An ipywidgets panel: change margin, confidence, strata and allocation; see n and the allocation.

    The work is done by :func:`design_preview` (a plain, tested function); the panel only wires
    controls to it. Under papermill (no widget front end) the panel is inert and the HTML report
    shows nothing for it.
    """
    import ipywidgets as widgets

    options = [c for c in candidates if c in frame or (c in ("weekday", "hour_band") and "arrived_at" in frame)]
    chosen = [c for c in (DEFAULT_STRATA if strata is None else strata) if c in options]
    margin_w = widgets.FloatSlider(value=margin, min=0.01, max=0.15, step=0.005, description="margin ±", readout_format=".3f")
    confidence_w = widgets.Dropdown(options=[0.90, 0.95, 0.99], value=confidence if confidence in (0.90, 0.95, 0.99) else 0.95, description="confidence")
    strata_w = widgets.SelectMultiple(options=options, value=tuple(chosen), description="strata", rows=min(6, max(len(options), 1)))
    allocation_w = widgets.Dropdown(options=list(ALLOCATIONS), value=allocation, description="allocation")
    out = widgets.HTML()

    def refresh(_change=None) -> None:
        preview = design_preview(
            frame, margin=margin_w.value, confidence=confidence_w.value, strata=tuple(strata_w.value), allocation=allocation_w.value
        )
        out.value = _render_preview(preview)

    for control in (margin_w, confidence_w, strata_w, allocation_w):
        control.observe(refresh, names="value")
    refresh()
    return widgets.VBox([widgets.HBox([margin_w, confidence_w]), widgets.HBox([strata_w, allocation_w]), out])
