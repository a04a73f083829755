"""KPIs computed: values with their intervals and n, per segment and period, in the store's engine.

The KPIs are data (:mod:`csperf_lib.methods.kpi_catalogue`: the catalogue, the config's ``kpis:``
options and custom KPIs); their filters and values are compiled to the engine by
:mod:`csperf_lib.methods.kpi_query`.

Aggregation happens in the store's query engine through Ibis: for each table one ``GROUP BY``
query per call computes, per segment and period, the counts, sums, means and sample variances
each KPI needs; only those small aggregates come back to pandas, where the values and intervals
are computed with :mod:`csperf_lib.methods.stats`. Several breakdowns
(:func:`compute_kpi_breakdowns`) share one query per table at the finest grain they need and are
rolled up from its aggregates (counts add; means and variances combine exactly, see
:func:`_combine_moments`), which is how one call matches a ``GROUPING SETS`` query.

Result frame
------------
``kpi, <segment columns>, period, value, ci_low, ci_high, n, sd`` (``sd``: standard deviation of
the values behind a mean KPI, NaN for other kinds): one row per KPI, segment and
period; ``period`` is the start of the day, ISO week (Monday) or month (NaT without a period);
``n`` the denominator count (contacts offered or answered, responses, evaluations, complaints,
values averaged). Segments and periods in which a KPI has no data (``n == 0``) have no row. KPIs
that cannot be computed are absent; ``frame.attrs["unavailable"]`` maps each to the reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ibis
import numpy as np
import pandas as pd
from scipy import stats as _st

from csperf_lib.core.config import ReviewConfig
from csperf_lib.core.tables import EVENT_COLUMNS, NOT_RECORDED
from csperf_lib.ingest.store import Store
from csperf_lib.methods.kpi_catalogue import (
    _BREAKDOWN,
    RESULT_COLUMNS,
    KpiDefinition,
    KpiOptions,
    _catalogue,
    _describe_filter,
    _describe_value,
    _suggest,
    kpi_definitions,
    kpi_options,
)
from csperf_lib.methods.kpi_query import (
    _as_tables,
    _link_plan,
    _measures_for,
    _period_unit,
    _Plan,
    _relation_columns,
    _run_source,
    _Source,
)
from csperf_lib.methods.stats import nps_interval, t_interval, wilson_interval

__all__ = [
    "compute_kpi_breakdowns",
    "compute_kpis",
    "kpi_availability",
    "kpi_summary_json",
    "stack_breakdowns",
]

#: The segment and segment value of the whole population in a stacked frame.
WHOLE = "all"

PERIODS = ("day", "week", "month")


# --- definitions ----------------------------------------------------------------------------------


# --- the grammar: validation ------------------------------------------------------------------------


# --- parsing the catalogue and the config --------------------------------------------------------


# --- plain-language text -----------------------------------------------------------------------


# --- compiling expressions to Ibis ------------------------------------------------------------


# --- the engine ---------------------------------------------------------------------------------


def _groups(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group number of each row (first-appearance order, nulls a group) and the groups' keys."""
    if not keys:
        return np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=pd.RangeIndex(1))
    ids = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    first = ~pd.Series(ids).duplicated().to_numpy()
    return ids, frame.loc[first, keys].reset_index(drop=True)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype="float64", na_value=np.nan)


def _combine_moments(
    frame: pd.DataFrame,
    ids: np.ndarray,
    groups: int,
    n: str,
    means: Sequence[str],
    variances: Sequence[str],
    cov: str | None = None,
) -> dict[str, np.ndarray]:
    r"""Combine per-part counts, means and sample (co)variances into groups, exactly.

    For parts :math:`i` of a group with :math:`n_i`, :math:`\bar x_i`, :math:`s_i^2`:
    :math:`N = \sum n_i`, :math:`\bar x = \sum n_i \bar x_i / N`,
    :math:`M_2 = \sum (n_i - 1) s_i^2 + \sum n_i (\bar x_i - \bar x)^2`, :math:`s^2 = M_2/(N-1)`,
    and the co-moment likewise with :math:`n_i(\bar x_i - \bar x)(\bar y_i - \bar y)`
    (Chan, Golub & LeVeque 1979, "Updating formulae and a pairwise algorithm for computing sample
    variances"). Stable: no raw sums of squares are formed.

    Returns
    -------
    dict
        ``n``, each mean, each variance (and ``cov``) per group, as arrays of length ``groups``.
    """
    ni = np.nan_to_num(_column(frame, n))
    big_n = np.bincount(ids, weights=ni, minlength=groups)
    out: dict[str, np.ndarray] = {n: big_n}
    dev = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for m, v in zip(means, variances, strict=True):
            mi = np.where(ni > 0, _column(frame, m), 0.0)
            mean = np.bincount(ids, weights=ni * mi, minlength=groups) / big_n
            dev[m] = np.where(ni > 0, mi - mean[ids], 0.0)
            within = np.where(ni > 1, (ni - 1) * np.nan_to_num(_column(frame, v)), 0.0)
            m2 = np.bincount(ids, weights=within + ni * dev[m] ** 2, minlength=groups)
            out[m] = np.where(big_n > 0, mean, np.nan)
            out[v] = np.where(big_n > 1, m2 / (big_n - 1), np.nan)
        if cov is not None:
            within = np.where(ni > 1, (ni - 1) * np.nan_to_num(_column(frame, cov)), 0.0)
            c2 = np.bincount(
                ids, weights=within + ni * dev[means[0]] * dev[means[1]], minlength=groups
            )
            out[cov] = np.where(big_n > 1, c2 / (big_n - 1), np.nan)
    return out


def _rollup(
    result: pd.DataFrame,
    source: _Source,
    by: tuple[str, ...],
    period: str | None,
    kpis: Sequence[tuple[int, KpiDefinition]],
) -> pd.DataFrame:
    """Aggregates of ``source`` at the (by, period) grain, rolled up from its query's grain."""
    keys = list(by) + (["period"] if period else [])
    frame = result
    if period and source.period != period:  # the query ran by day; weeks and months are days' sums
        p = frame["period"]
        start = (
            p - pd.to_timedelta(p.dt.day_of_week, unit="D")
            if period == "week"
            else p.dt.to_period("M").dt.start_time
        )
        frame = frame.assign(period=start.astype("datetime64[ns]"))
    if set(source.segments) == set(by) and source.period == period:
        return frame
    ids, out = _groups(frame, keys)
    groups = len(out)
    here = (source.table, source.grain)
    columns: dict[str, np.ndarray] = {}
    for i, kpi in kpis:
        p = f"k{i}_"
        if kpi.kind == "mean" and (kpi.table, kpi.grain) == here:
            columns.update(_combine_moments(frame, ids, groups, p + "n", [p + "mean"], [p + "var"]))
        elif kpi.kind == "ratio" and (kpi.table, kpi.grain) == here:
            columns.update(
                _combine_moments(
                    frame,
                    ids,
                    groups,
                    p + "n",
                    [p + "mx", p + "my"],
                    [p + "vx", p + "vy"],
                    p + "cxy",
                )
            )
        else:
            for col in frame.columns:
                if col.startswith(p):
                    columns[col] = np.bincount(
                        ids, weights=np.nan_to_num(_column(frame, col)), minlength=groups
                    )
    return pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)


def _garwood(count: np.ndarray, *, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact (Garwood 1936) interval for a Poisson mean from an observed count :math:`k`.

    :math:`L = \chi^2_{\alpha/2}(2k)/2` (0 when :math:`k = 0`),
    :math:`U = \chi^2_{1-\alpha/2}(2k+2)/2` (Garwood, Biometrika 28:437-442).
    """
    k = np.asarray(count, dtype=float)
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore"):
        low = np.where(k > 0, _st.chi2.ppf(alpha / 2, np.maximum(2 * k, 1e-300)) / 2, 0.0)
        high = _st.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return low, high


def _values(
    kpi: KpiDefinition, agg: pd.DataFrame, i: int, confidence: float
) -> dict[str, np.ndarray]:
    """value, ci_low, ci_high, n of one KPI from its aggregates (vectorised over groups)."""
    p = f"k{i}_"
    nan = np.full(len(agg), np.nan)
    sd = nan
    if kpi.kind == "nps":
        pp, pa, pd_ = (_column(agg, p + s) for s in ("p", "a", "d"))
        n = pp + pa + pd_
        value, low, high = nps_interval(pp, pa, pd_, confidence=confidence)
    else:
        n = _column(agg, p + "n")
        with np.errstate(invalid="ignore", divide="ignore"):
            if kpi.kind == "count":
                value, low, high = n.copy(), nan, nan
            elif kpi.kind == "proportion":
                x = _column(agg, p + "x")
                value = np.where(n > 0, x / np.where(n > 0, n, 1), np.nan)
                low, high = wilson_interval(x, n, confidence=confidence)
            elif kpi.kind == "rate_per_1000":
                x = _column(agg, p + "x")
                safe = np.where(n > 0, n, np.nan)
                value = 1000.0 * x / safe
                lo, hi = _garwood(x, confidence=confidence)
                low, high = 1000.0 * lo / safe, 1000.0 * hi / safe
            elif kpi.kind == "mean":
                value = _column(agg, p + "mean")
                sd = np.sqrt(np.maximum(_column(agg, p + "var"), 0.0))
                low, high = t_interval(value, sd, n, confidence=confidence)
            else:  # ratio of sums with a delta-method interval
                mx, my = _column(agg, p + "mx"), _column(agg, p + "my")
                vx, vy = _column(agg, p + "vx"), _column(agg, p + "vy")
                cxy = _column(agg, p + "cxy")
                value = mx / np.where(my != 0, my, np.nan)
                var = (vx - 2 * value * cxy + value**2 * vy) / (n * my**2)
                half = _st.norm.ppf(0.5 + confidence / 2) * np.sqrt(np.maximum(var, 0.0))
                low, high = value - half, value + half
    if kpi.ci == "none":
        low, high = nan, nan
    return {
        "value": np.asarray(value, dtype=float),
        "ci_low": np.asarray(low, dtype=float),
        "ci_high": np.asarray(high, dtype=float),
        "n": np.asarray(n, dtype=float),
        "sd": np.asarray(sd, dtype=float),
    }


def _select(kpis: Any, options: KpiOptions) -> list[KpiDefinition]:
    every = _catalogue().kpis + options.custom
    if kpis is None:
        return list(every)
    if isinstance(kpis, str | KpiDefinition):
        kpis = [kpis]
    by_id = {k.id: k for k in every}
    chosen, unknown = [], []
    for k in kpis:
        if isinstance(k, KpiDefinition):
            chosen.append(k)
        elif k in by_id:
            chosen.append(by_id[k])
        else:
            unknown.append(f"'{k}'{_suggest(k, by_id)}")
    if unknown:
        raise ValueError(f"unknown KPI id(s): {', '.join(unknown)}")
    unique = {k.id: k for k in reversed(chosen)}
    return [unique[k] for k in dict.fromkeys(k.id for k in chosen)]


def _normalise_breakdown(by: Any, period: Any, tables: dict[str, ibis.Table]) -> _BREAKDOWN:
    if isinstance(by, str):
        by = (by,)
    by = tuple(by)
    reserved = set(RESULT_COLUMNS)
    for seg in by:
        if not isinstance(seg, str):
            raise ValueError(f"segment columns are names (text), got {seg!r}")
        if seg in reserved or seg.startswith("_"):
            raise ValueError(f"'{seg}' cannot be a segment column (it names a result column)")
        if not any(seg in t.schema() for t in tables.values()):
            known = set().union(*(t.schema().names for t in tables.values())) if tables else set()
            raise ValueError(f"no supplied table has a column '{seg}'{_suggest(seg, known)}")
    if len(set(by)) != len(by):
        raise ValueError(f"segment columns repeat: {by}")
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be None or one of {', '.join(PERIODS)} (got {period!r})")
    return by, period


def _sources(live: list[tuple[int, KpiDefinition]], options: KpiOptions) -> dict[tuple[str, str | None], _Source]:
    """The sources (one engine query each: a table at a grain) and the measures each computes."""
    sources: dict[tuple[str, str | None], _Source] = {}
    for i, kpi in live:
        for key, builders in _measures_for(kpi, i, options.values).items():
            src = sources.setdefault(key, _Source(table=key[0], grain=key[1]))
            src.measures.update({name: (build, kpi.applies_to) for name, build in builders.items()})
        for req in kpi.requires:
            t, _, c = req.rpartition(".")
            key = (t, None) if t and t != kpi.table else (kpi.table, kpi.grain)
            sources.setdefault(key, _Source(table=key[0], grain=key[1])).counted.add(c)
    return sources


def _breakdown_frame(b: _BREAKDOWN, *, live: list[tuple[int, KpiDefinition]], sources: dict, absent: dict[str, str],
                     absent_by: dict[str, str], selected: list[KpiDefinition], order: dict[str, int],
                     options: KpiOptions) -> pd.DataFrame:
    """One breakdown's result frame, rolled up from the sources' aggregates; ``attrs["unavailable"]``
    says why each KPI it lacks is absent."""
    by, period = b
    keys = list(by) + (["period"] if period else [])
    rolled: dict[tuple[str, str | None], pd.DataFrame] = {}

    pieces: list[tuple[str, pd.DataFrame | None, dict[str, np.ndarray]]] = []
    for i, kpi in live:
        if kpi.id in absent:
            continue
        if kpi.id in absent_by:
            absent[kpi.id] = absent_by[kpi.id]
            continue
        main = sources[(kpi.table, kpi.grain)].result
        empty = [k for k in keys if int(main[f"_nk_{k}"].sum()) == 0]
        if empty:
            absent[kpi.id] = (
                f"{kpi.table} has no {EVENT_COLUMNS[kpi.table]} timestamps for the period"
                if empty[0] == "period"
                else f"segment {empty[0]} is empty (null in every row) for {kpi.table}"
            )
            continue
        agg = _rolled(rolled, sources, live, (kpi.table, kpi.grain), b)
        if kpi.kind == "rate_per_1000":
            num = agg[keys + [f"k{i}_x"]]
            den = _rolled(rolled, sources, live, (kpi.denominator_table, None), b)
            den = den[keys + [f"k{i}_n"]]
            agg = (
                num.merge(den, on=keys, how="outer") if keys else pd.concat([num, den], axis=1)
            )
            agg = agg.fillna({f"k{i}_x": 0, f"k{i}_n": 0})
        vals = _values(kpi, agg, i, options.confidence)
        keep = vals["n"] > 0
        if not keep.any():
            absent[kpi.id] = f"no rows to compute it from (n = 0: {_scope_words(kpi, options)})"
            continue
        pieces.append(
            (
                kpi.id,
                agg.loc[keep, keys] if keys else None,
                {k: v[keep] for k, v in vals.items()},
            )
        )
    frame = _assemble(pieces, list(by), period, order)
    frame.attrs["unavailable"] = {k.id: absent[k.id] for k in selected if k.id in absent}
    frame.attrs["by"] = list(by)
    frame.attrs["period"] = period
    frame.attrs["confidence"] = options.confidence
    return frame


def _compute(tables: Any, *, kpis: Any, breakdowns: Sequence[tuple[Any, Any]], config: Any):
    options = kpi_options(config)
    tabs = _as_tables(tables)
    selected = _select(kpis, options)
    wanted = list(
        dict.fromkeys(_normalise_breakdown(by, period, tabs) for by, period in breakdowns)
    )
    plan = _Plan(tabs, options)
    base_absent: dict[str, str] = {}
    live: list[tuple[int, KpiDefinition]] = []
    for i, kpi in enumerate(selected):
        reason = plan.schema_reason(kpi)
        if reason:
            base_absent[kpi.id] = reason
        else:
            live.append((i, kpi))

    sources = _sources(live, options)

    # which breakdowns each source can serve; KPIs of a source that cannot are absent from them
    absent_by: dict[_BREAKDOWN, dict[str, str]] = {b: {} for b in wanted}
    for key, src in sources.items():
        columns = _relation_columns(plan, key)
        served = []
        for b in wanted:
            how, mode = _link_plan(tabs, key[0], columns, b[0], b[1] is not None)
            problems = [v for v in how.values() if v not in ("own", "linked")]
            if b[1] is not None and mode not in ("own", "linked", "own+linked"):
                problems.append(mode)
            if not problems:
                served.append(b)
                continue
            for _, kpi in live:
                if key in ((kpi.table, kpi.grain), (kpi.denominator_table, None)):
                    absent_by[b].setdefault(kpi.id, problems[0])
        src.segments = tuple(dict.fromkeys(s for b in served for s in b[0]))
        src.period = _period_unit(b[1] for b in served)
        src.result = _run_source(plan, src) if served else None

    # data-level availability: every required column non-null somewhere
    for _, kpi in live:
        for req in kpi.requires:
            t, _, c = req.rpartition(".")
            key = (t, None) if t and t != kpi.table else (kpi.table, kpi.grain)
            res = sources[key].result
            if res is not None and int(res[f"_nn_{c}"].sum()) == 0:
                base_absent[kpi.id] = f"{t or kpi.table}.{c} is empty (null in every row)"
                break

    order = {k.id: j for j, k in enumerate(selected)}
    frames = {b: _breakdown_frame(b, live=live, sources=sources, absent=dict(base_absent), absent_by=absent_by[b],
                                  selected=selected, order=order, options=options) for b in wanted}
    return frames, selected


def _assemble(
    pieces: list[tuple[str, pd.DataFrame | None, dict[str, np.ndarray]]],
    by: list[str],
    period: str | None,
    order: Mapping[str, int],
) -> pd.DataFrame:
    """The tidy result frame from each KPI's keys and value arrays (built once, sorted)."""
    columns = ["kpi", *by, "period", "value", "ci_low", "ci_high", "n", "sd"]
    if not pieces:
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
        return empty.astype(
            {
                "kpi": "str",
                "period": "datetime64[ns]",
                "value": "float64",
                "ci_low": "float64",
                "ci_high": "float64",
                "n": "int64",
                "sd": "float64",
            }
        )
    data: dict[str, Any] = {
        "kpi": np.concatenate([np.full(len(v["n"]), kid, dtype=object) for kid, _, v in pieces])
    }
    for key in by + (["period"] if period else []):
        data[key] = pd.concat([k[key] for _, k, _ in pieces], ignore_index=True)
    if not period:
        data["period"] = pd.Series(pd.NaT, index=range(len(data["kpi"])), dtype="datetime64[ns]")
    for col in ("value", "ci_low", "ci_high"):
        data[col] = np.concatenate([v[col] for _, _, v in pieces])
    data["n"] = np.concatenate([v["n"] for _, _, v in pieces]).round().astype("int64")
    data["sd"] = np.concatenate([v["sd"] for _, _, v in pieces])
    frame = pd.DataFrame(data)[columns]
    frame["period"] = frame["period"].astype("datetime64[ns]")
    frame["kpi"] = frame["kpi"].astype("str")
    rank = frame["kpi"].map(order).to_numpy()
    frame = frame.assign(_o=rank).sort_values(
        ["_o", *by, "period"], na_position="last", kind="stable"
    )
    return frame.drop(columns="_o").reset_index(drop=True)


def _rolled(
    cache: dict, sources: dict, live: list, key: tuple[str, str | None], b: _BREAKDOWN
) -> pd.DataFrame:
    """The aggregates of source ``key`` rolled up to breakdown ``b`` (once per breakdown)."""
    if key not in cache:
        src = sources[key]
        mine = [(i, k) for i, k in live if key in ((k.table, k.grain), (k.denominator_table, None))]
        cache[key] = _rollup(src.result, src, b[0], b[1], mine)
    return cache[key]


def _scope_words(kpi: KpiDefinition, options: KpiOptions) -> str:
    if kpi.kind in ("proportion",):
        return _describe_filter(_and_node(kpi.where, kpi.denominator), options.values)
    if kpi.kind == "rate_per_1000":
        return f"{kpi.denominator_table}: {_describe_filter(kpi.denominator, options.values)}"
    if kpi.kind in ("mean", "nps"):
        return f"{_describe_value(kpi.value)} known where {_describe_filter(kpi.where, options.values)}"
    return _describe_filter(kpi.where, options.values)


def _and_node(*nodes: Any) -> Any:
    parts = [n for n in nodes if n is not None and n is not True]
    return None if not parts else parts[0] if len(parts) == 1 else {"all": parts}


def compute_kpis(
    tables: Store | Mapping[str, Any],
    *,
    kpis: Iterable[str | KpiDefinition] | None = None,
    by: Sequence[str] | str = (),
    period: str | None = None,
    config: ReviewConfig | Mapping[str, Any] | KpiOptions | None = None,
) -> pd.DataFrame:
    r"""Compute KPIs per segment and period in the store's query engine.

    Parameters
    ----------
    tables : Store or mapping
        A :class:`~csperf_lib.ingest.store.Store` (its canonical tables), or table name -> Ibis table or
        pandas DataFrame (DataFrames are wrapped with :func:`ibis.memtable`; never modified).
    kpis : iterable of str or KpiDefinition, keyword-only
        KPIs to compute (default: every KPI of the catalogue and the config).
    by : sequence of str, keyword-only
        Segment columns (e.g. ``("queue",)``, ``("team", "channel")``). A table lacking one takes
        it from the linked contact (``contact_id``), joined in the engine; a KPI whose table can
        have it neither way is absent for this breakdown, with the reason.
    period : {None, "day", "week", "month"}, keyword-only
        Truncate each table's event timestamp (contacts.arrived_at, surveys.responded_at,
        qa_evaluations.evaluated_at, complaints.received_at; for surveys and QA the linked
        contact's arrived_at when their own is missing); periods are labelled by their start (ISO
        weeks start on Monday).
    config : ReviewConfig, mapping or KpiOptions, keyword-only
        Supplies the ``kpis:`` options and custom KPIs (validated by :func:`kpi_options`).

    Returns
    -------
    DataFrame
        ``kpi, <by...>, period, value, ci_low, ci_high, n`` (tidy). Intervals: Wilson for
        proportions, Student t for means, the multinomial normal interval for NPS, exact
        Poisson (Garwood) for rates per 1000, delta method for ratios. ``attrs["unavailable"]``
        maps each absent KPI to the reason (table not supplied, column missing or empty, segment
        not available, no rows in scope).

    Raises
    ------
    ValueError
        For an unknown KPI id, a segment column no supplied table has, or an unknown period.
    ConfigError
        When the config's ``kpis:`` section is invalid.

    Notes
    -----
    Per group the engine returns counts (proportions: :math:`x` of :math:`n`; NPS: promoters
    :math:`P`, passives, detractors :math:`D`), and for means :math:`n`, :math:`\bar x` and the
    sample variance :math:`s^2` (the engine's ``var_samp``, never a raw sum of squares). Then:

    * proportion :math:`\hat p = x/n`, Wilson score interval (Wilson 1927);
    * mean :math:`\bar x \pm t_{1-\alpha/2, n-1}\, s/\sqrt n` (Student 1908);
    * NPS :math:`100(P - D)/n` with :math:`\mathrm{Var} = (p_P + p_D - (p_P - p_D)^2)/n`
      (multinomial; Reichheld 2003 for the score);
    * rate per 1000 :math:`1000\,k/n` with the exact Poisson interval of :math:`k` (Garwood 1936)
      scaled by :math:`1000/n`;
    * ratio of sums :math:`R = \bar x/\bar y` with the delta-method variance
      :math:`(s_x^2 - 2R s_{xy} + R^2 s_y^2)/(n \bar y^2)` (e.g. Cochran 1977, *Sampling
      Techniques*, 6.9).
    """
    frames, _ = _compute(tables, kpis=kpis, breakdowns=[(by, period)], config=config)
    return next(iter(frames.values()))


def compute_kpi_breakdowns(
    tables: Store | Mapping[str, Any],
    *,
    breakdowns: Sequence[tuple[Sequence[str] | str, str | None]],
    kpis: Iterable[str | KpiDefinition] | None = None,
    config: ReviewConfig | Mapping[str, Any] | KpiOptions | None = None,
) -> dict[_BREAKDOWN, pd.DataFrame]:
    """Several breakdowns in one pass: one engine query per table, like SQL ``GROUPING SETS``.

    Each table is aggregated once at the union of the breakdowns' segments (and the finest period
    asked for); every breakdown is then rolled up from those aggregates (see
    :func:`_combine_moments`), so results equal separate :func:`compute_kpis` calls up to
    floating-point rounding.

    Parameters
    ----------
    breakdowns : sequence of (by, period)
        E.g. ``[((), None), (("queue",), None), ((), "week"), (("team",), "week")]``.
    tables, kpis, config
        As for :func:`compute_kpis`.

    Returns
    -------
    dict
        ``(by tuple, period) -> frame`` as returned by :func:`compute_kpis`, in the order given.
    """
    frames, _ = _compute(tables, kpis=kpis, breakdowns=breakdowns, config=config)
    return frames


def kpi_availability(
    tables: Store | Mapping[str, Any],
    *,
    kpis: Iterable[str | KpiDefinition] | None = None,
    config: ReviewConfig | Mapping[str, Any] | KpiOptions | None = None,
) -> pd.DataFrame:
    """Which KPIs can be computed from ``tables``, and why not the others.

    Runs the overall (unsegmented) aggregation, so every reason :func:`compute_kpis` can give
    without a breakdown is found: table not supplied, column missing or null in every row, no
    rows in scope.

    Returns
    -------
    DataFrame
        ``kpi, name, available, reason`` (reason empty when available), in catalogue order.
    """
    frames, selected = _compute(tables, kpis=kpis, breakdowns=[((), None)], config=config)
    absent = next(iter(frames.values())).attrs["unavailable"]
    return pd.DataFrame(
        {
            "kpi": [k.id for k in selected],
            "name": [k.name for k in selected],
            "available": [k.id not in absent for k in selected],
            "reason": [absent.get(k.id, "") for k in selected],
        }
    )


def kpi_summary_json(
    frame: pd.DataFrame,
    *,
    config: ReviewConfig | Mapping[str, Any] | KpiOptions | None = None,
    include_unavailable: bool = True,
) -> list[dict[str, Any]]:
    """Records for ``summary.json``'s ``kpis``: plain JSON types, NaN as null, periods ISO dates.

    Parameters
    ----------
    frame : DataFrame
        A result of :func:`compute_kpis`.
    config : keyword-only
        For the names and units of custom KPIs.
    include_unavailable : bool, keyword-only
        Also list each absent KPI once, with ``available: false`` and its reason.

    Returns
    -------
    list of dict
        ``{kpi, name, unit, direction, available, <segments>, period, value, ci_low, ci_high, n}``.
    """
    defs = {k.id: k for k in kpi_definitions(config)}
    segments = [c for c in frame.columns if c not in RESULT_COLUMNS]

    def num(v: Any) -> float | None:
        return None if v is None or pd.isna(v) or not math.isfinite(float(v)) else float(v)

    records = []
    for r in frame.to_dict(orient="records"):
        k = defs.get(r["kpi"])
        rec = {
            "kpi": r["kpi"],
            "name": k.name if k else r["kpi"],
            "unit": k.unit if k else None,
            "direction": k.direction if k else None,
            "available": True,
        }
        for s in segments:
            v = r[s]
            rec[s] = None if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v)
        rec["period"] = (
            None if pd.isna(r["period"]) else pd.Timestamp(r["period"]).date().isoformat()
        )
        rec.update(
            value=num(r["value"]), ci_low=num(r["ci_low"]), ci_high=num(r["ci_high"]), n=int(r["n"])
        )
        records.append(rec)
    if include_unavailable:
        for kid, reason in frame.attrs.get("unavailable", {}).items():
            k = defs.get(kid)
            records.append(
                {
                    "kpi": kid,
                    "name": k.name if k else kid,
                    "unit": k.unit if k else None,
                    "direction": k.direction if k else None,
                    "available": False,
                    "reason": reason,
                }
            )
    return records


def stack_breakdowns(frames: Mapping[str | None, pd.DataFrame]) -> pd.DataFrame:
    """One frame from several compute_kpis breakdowns: ``dimension`` and ``segment`` columns
    (``all``/``all`` for the whole population), then the KPI columns."""
    parts = []
    value_columns = ("period", "value", "ci_low", "ci_high", "n", "sd")
    for dim, frame in frames.items():
        if frame is None or frame.empty:
            continue
        part = frame.copy()
        if dim is None:
            part.insert(1, "dimension", WHOLE)
            part.insert(2, "segment", WHOLE)
        else:
            values = part.pop(dim).astype("string").fillna(NOT_RECORDED)
            part.insert(1, "dimension", dim)
            part.insert(2, "segment", values.astype(object))
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["kpi", "dimension", "segment", *value_columns])
    return pd.concat(parts, ignore_index=True)
