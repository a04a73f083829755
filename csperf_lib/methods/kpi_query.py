"""KPI filters and values compiled to the store's query engine (Ibis), and the aggregation plan.

A KPI's filters and values (:mod:`csperf_lib.methods.kpi_catalogue`) become Ibis expressions by a
whitelisted translation (never evaluated as code). :class:`_Plan` links each table's KPIs to the
columns and segments they need, and :func:`_run_source` runs one ``GROUP BY`` query per table that
returns, per segment and period, the counts, sums, means and sample variances each KPI needs; only
those small aggregates leave the engine. :mod:`csperf_lib.methods.kpis` turns them into values and
intervals. Written on Ibis so the same plan runs on DuckDB, PostgreSQL or any backend Ibis supports.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd

from csperf_lib.core.formatting import TABLE_WORDS
from csperf_lib.core.tables import CANONICAL_TABLES, EVENT_COLUMNS
from csperf_lib.ingest.store import Store, has_values
from csperf_lib.methods.kpi_catalogue import (
    _NEVER,
    _VALUE_OPS,
    KpiDefinition,
    KpiOptions,
    _catalogue,
    _filter_columns,
    _grain_sources,
    _kpi_columns,
    _suggest,
)

_CASTS = {"bool": "boolean", "duration": "float64", "number": "float64", "datetime": "timestamp"}


_TRUNC = {"day": "D", "week": "W", "month": "M"}


def _and(*parts):
    parts = [p for p in parts if p is not None]
    if any(isinstance(p, str) for p in parts):
        return _NEVER
    return functools.reduce(lambda a, b: a & b, parts) if parts else None


def _or(*parts):
    if any(p is None for p in parts):
        return None
    parts = [p for p in parts if not isinstance(p, str)]
    return functools.reduce(lambda a, b: a | b, parts) if parts else _NEVER


def _where(cond):
    """An Ibis filter for an aggregate's ``where`` (None: every row)."""
    return ibis.literal(False) if isinstance(cond, str) else cond


def _operand(rel: ibis.Table, value: Any, options: Mapping[str, Any]):
    if isinstance(value, str):
        current = options.get(value)
        return None if current is None else ibis.literal(float(current))
    if isinstance(value, Mapping):
        col = rel[value["column"]]
        if "times" in value:
            times = _operand(rel, value["times"], options)
            return None if times is None else col * times
        return col
    return ibis.literal(float(value))


def _filter(rel: ibis.Table, node: Any, options: Mapping[str, Any]):
    """Ibis boolean that is never null (a comparison with null is false); None for every row,
    :data:`_NEVER` for no row."""
    if node is None or node is True:
        return None
    if "not" in node:
        inner = _filter(rel, node["not"], options)
        return _NEVER if inner is None else None if isinstance(inner, str) else ~inner
    if "all" in node:
        return _and(*(_filter(rel, p, options) for p in node["all"]))
    if "any" in node:
        return _or(*(_filter(rel, p, options) for p in node["any"]))
    col = rel[node["column"]]
    op = next(k for k in node if k != "column")
    arg = node[op]
    if op == "is_null":
        return col.isnull()
    if op == "not_null":
        return col.notnull()
    if op in ("equals", "not_equals") and isinstance(arg, bool) and col.type().is_boolean():
        test = col if arg == (op == "equals") else ~col
    elif op in ("equals", "not_equals"):
        test = col == arg if op == "equals" else col != arg
    elif op in ("in", "not_in"):
        test = col.isin(list(arg)) if op == "in" else col.notin(list(arg))
    else:
        other = _operand(rel, arg, options)
        if other is None:  # an option that is not set: the comparison is false for every row
            return _NEVER
        test = {"lt": col < other, "le": col <= other, "gt": col > other, "ge": col >= other}[op]
    return test.fill_null(False)


def _value(rel: ibis.Table, node: Any):
    if isinstance(node, str):
        return rel[node].cast("float64")
    if not isinstance(node, Mapping):
        return ibis.literal(float(node))
    op = next(k for k in node if k in _VALUE_OPS)
    args = node[op]
    if op in ("days_between", "seconds_between"):
        start, end = (rel[a].epoch_seconds().cast("float64") for a in args)
        return (end - start) / (86400.0 if op == "days_between" else 1.0)
    terms = [_value(rel, a) for a in args]
    if op == "add":
        if node.get("nulls_as_zero"):
            total = functools.reduce(lambda a, b: a + b, (t.fill_null(0.0) for t in terms))
            none = functools.reduce(lambda a, b: a & b, (t.isnull() for t in terms))
            return ibis.ifelse(none, ibis.null("float64"), total)
        return functools.reduce(lambda a, b: a + b, terms)
    if op == "subtract":
        return terms[0] - terms[1]
    if op == "multiply":
        return functools.reduce(lambda a, b: a * b, terms)
    return terms[0] / terms[1].nullif(0.0)


def _as_tables(tables: Any) -> dict[str, ibis.Table]:
    """Canonical table name -> Ibis table, from a Store or a mapping of Ibis tables / DataFrames."""
    if isinstance(tables, Store):
        return {name: tables.table(name) for name in CANONICAL_TABLES if tables.has(name)}
    if not isinstance(tables, Mapping):
        raise TypeError(
            "tables must be a Store or a mapping of table name to Ibis table or DataFrame"
        )
    out = {}
    for name, table in tables.items():
        if name not in CANONICAL_TABLES:
            raise ValueError(f"'{name}' is not a canonical table{_suggest(name, CANONICAL_TABLES)}")
        if table is None:
            continue
        if isinstance(table, pd.DataFrame):
            table = ibis.memtable(table)
        elif not isinstance(table, ibis.Table):
            raise TypeError(
                f"tables['{name}'] must be an Ibis table or a DataFrame, not {type(table).__name__}"
            )
        out[name] = _typed(name, table)
    return out


def _typed(name: str, table: ibis.Table) -> ibis.Table:
    """Cast canonical columns of a supplied table to their canonical types where they differ."""
    schema = table.schema()
    casts = {}
    for col, kind in CANONICAL_TABLES[name].columns.items():
        if col not in schema or kind not in _CASTS:
            continue
        dtype = schema[col]
        ok = {
            "bool": dtype.is_boolean(),
            "duration": dtype.is_floating(),
            "number": dtype.is_floating(),
            "datetime": dtype.is_timestamp(),
        }[kind]
        if not ok:
            casts[col] = table[col].cast(_CASTS[kind])
    return table.mutate(**casts) if casts else table


@dataclass
class _Source:
    """One query: a table (optionally at a grain) grouped by the combined keys of the breakdowns."""

    table: str
    grain: str | None
    segments: tuple[str, ...] = ()
    period: str | None = None
    measures: dict[str, Any] = field(default_factory=dict)  # name -> (builder, applies_to)
    counted: set[str] = field(default_factory=set)  # base columns whose non-null counts are needed
    result: pd.DataFrame | None = None


class _Plan:
    """The supplied tables and the options of one call."""

    def __init__(self, tables: dict[str, ibis.Table], options: KpiOptions):
        self.tables = tables
        self.options = options
        self.grains = _catalogue().grains

    # -- schema-level availability
    def schema_reason(self, kpi: KpiDefinition) -> str | None:
        for table in (kpi.table, kpi.denominator_table):
            if table is not None and table not in self.tables:
                return f"no {TABLE_WORDS.get(table, table)} table is supplied"
        schema = self.tables[kpi.table].schema()
        needed = set(_kpi_columns(kpi))
        if kpi.grain:
            sources = _grain_sources(self.grains[kpi.grain])
            needed = set().union(*(sources.get(c, {c}) for c in needed)) | {
                self.grains[kpi.grain]["key"]
            }
        for req in kpi.requires:
            t, _, c = req.rpartition(".")
            t = t or kpi.table
            if t not in self.tables:
                return f"no {TABLE_WORDS.get(t, t)} table is supplied"
            if c not in self.tables[t].schema():
                return f"{t} has no column {c}"
        for col in sorted(needed):
            if col not in schema:
                return f"{kpi.table} has no column {col}"
        if kpi.kind == "rate_per_1000":
            den_schema = self.tables[kpi.denominator_table].schema()
            for col in sorted(_filter_columns(kpi.denominator)):
                if col not in den_schema:
                    return f"{kpi.denominator_table} has no column {col}"
        return None


def _link_plan(
    tables: dict[str, ibis.Table], table: str, rel_schema, segments: Sequence[str], period: bool
) -> tuple[dict[str, str], str | None]:
    """How each segment is obtained for ``table``: 'own' | 'linked' | reason; and the period mode."""
    contacts = tables.get("contacts")
    can_link = table != "contacts" and "contact_id" in rel_schema and contacts is not None
    how: dict[str, str] = {}
    for seg in segments:
        linkable = can_link and seg in contacts.schema()
        # A table's own column wins, unless it is an unmapped (all-null) canonical column and the
        # contact can supply the segment: a survey's queue is its contact's queue.
        if seg in rel_schema and not (linkable and not has_values(tables[table], seg)):
            how[seg] = "own"
        elif linkable:
            how[seg] = "linked"
        elif table != "contacts" and "contact_id" not in rel_schema:
            how[seg] = f"{table} has no column {seg} and no contact_id to take it from contacts"
        elif table != "contacts" and contacts is None:
            how[seg] = (
                f"{table} has no column {seg} (contacts, which could supply it, is not supplied)"
            )
        else:
            how[seg] = f"{table} has no column {seg}" + (
                " (nor has contacts)" if table != "contacts" else ""
            )
    mode = None
    if period:
        event = EVENT_COLUMNS[table]
        if event in rel_schema and can_link:
            mode = "own+linked"
        elif event in rel_schema:
            mode = "own"
        elif can_link:
            mode = "linked"
        else:
            mode = f"{table} has no {event} (nor a contact_id to take contacts.arrived_at)"
    return how, mode


def _grain_relation(
    table: ibis.Table, grain: Mapping[str, Any], counted: set[str], options: Mapping[str, Any]
) -> ibis.Table:
    """Roll ``table`` up to one row per ``grain['key']`` in the engine."""
    schema = table.schema()
    aggs: dict[str, Any] = {c: table[c].min() for c in grain.get("keep", ()) if c in schema}
    sources = _grain_sources(grain)
    for name, spec in grain.get("columns", {}).items():
        if not sources[name] <= set(schema):
            continue
        if "sum" in spec:
            aggs[name] = _value(table, spec["sum"]).sum()
        elif "count" in spec:
            cond = _filter(table, spec["count"], options)
            aggs[name] = table.count() if cond is None else table.count(where=_where(cond))
        elif "min" in spec:
            aggs[name] = table[spec["min"]].min()
        else:
            aggs[name] = table[spec["max"]].max()
    for col in sorted(counted):
        aggs[f"_nn_{col}"] = table[col].count()
    return table.group_by(grain["key"]).aggregate(**aggs)


def _measures_for(
    kpi: KpiDefinition, i: int, options: Mapping[str, Any]
) -> dict[tuple, dict[str, Any]]:
    """Builders of the aggregates KPI number ``i`` needs, per source key (table, grain).

    Each builder takes ``(rel, scope)``, ``scope`` being the applies_to filter (or None), and
    returns one Ibis aggregate. Names: ``k<i>_n`` (denominator count), ``_x`` (numerator count),
    ``_mean``/``_var`` (mean kinds), ``_p``/``_a``/``_d`` (NPS bands), ``_mx``... (ratio).
    """
    p = f"k{i}_"
    src = (kpi.table, kpi.grain)

    def rows(*nodes):
        def build(r, s):
            c = _and(s, *(_filter(r, n, options) for n in nodes))
            return r.count() if c is None else r.count(where=_where(c))

        return build

    if kpi.kind == "count":
        return {src: {p + "n": rows(kpi.where)}}
    if kpi.kind == "proportion":
        return {
            src: {
                p + "n": rows(kpi.where, kpi.denominator),
                p + "x": rows(kpi.where, kpi.denominator, kpi.numerator),
            }
        }
    if kpi.kind == "rate_per_1000":
        return {
            src: {p + "x": rows(kpi.numerator)},
            (kpi.denominator_table, None): {p + "n": rows(kpi.denominator)},
        }
    if kpi.kind == "nps":
        bands = {"p": lambda v: v >= 9, "a": lambda v: (v > 6) & (v < 9), "d": lambda v: v <= 6}

        def band(which):
            def build(r, s):
                inside = bands[which](_value(r, kpi.value)).fill_null(False)
                return r.count(where=_where(_and(s, _filter(r, kpi.where, options), inside)))

            return build

        return {src: {p + which: band(which) for which in bands}}
    if kpi.kind == "mean":

        def moment(how):
            def build(r, s):
                v, c = _value(r, kpi.value), _where(_and(s, _filter(r, kpi.where, options)))
                return {
                    "n": v.count,
                    "mean": v.mean,
                    "var": functools.partial(v.var, how="sample"),
                }[how](where=c)

            return build

        return {src: {p + h: moment(h) for h in ("n", "mean", "var")}}

    def ratio(how):  # x / y over rows where both are known
        def build(r, s):
            x, y = _value(r, kpi.numerator), _value(r, kpi.denominator)
            c = _where(_and(s, _filter(r, kpi.where, options), x.notnull() & y.notnull()))
            return {
                "n": lambda: r.count(where=c),
                "mx": lambda: x.mean(where=c),
                "my": lambda: y.mean(where=c),
                "vx": lambda: x.var(how="sample", where=c),
                "vy": lambda: y.var(how="sample", where=c),
                "cxy": lambda: x.cov(y, how="sample", where=c),
            }[how]()

        return build

    return {src: {p + h: ratio(h) for h in ("n", "mx", "my", "vx", "vy", "cxy")}}


def _period_unit(periods: Iterable[str | None]) -> str | None:
    units = {p for p in periods if p is not None}
    if not units:
        return None
    return units.pop() if len(units) == 1 else "day"


def _relation_columns(plan: _Plan, key: tuple[str, str | None]) -> set[str]:
    """Columns of a source's relation (a grain keeps only what the base table can supply)."""
    schema = set(plan.tables[key[0]].schema().names)
    if key[1] is None:
        return schema
    grain = plan.grains[key[1]]
    cols = {grain["key"]} | (set(grain.get("keep", ())) & schema)
    cols |= {name for name, src in _grain_sources(grain).items() if src <= schema}
    return cols


def _run_source(plan: _Plan, source: _Source) -> pd.DataFrame:
    """Build and execute the one aggregation query of ``source``; return its small result.

    Result columns: the segment keys, ``period``, ``_nn_<column>`` (non-null count of each
    required column), ``_nk_<key>`` (non-null count of each key) and the KPI measures.
    """
    options = plan.options.values
    base = plan.tables[source.table]
    if source.grain:
        rel = _grain_relation(base, plan.grains[source.grain], source.counted, options)
        counted = {f"_nn_{c}": rel[f"_nn_{c}"].sum() for c in sorted(source.counted)}
    else:
        rel = base
        counted = {f"_nn_{c}": rel[c].count() for c in sorted(source.counted)}
    schema = rel.schema()
    how, mode = _link_plan(
        plan.tables, source.table, schema, source.segments, source.period is not None
    )
    linked = [s for s in source.segments if how[s] == "linked"]
    need_channel = any(applies != "all" for _, applies in source.measures.values())
    contacts = plan.tables.get("contacts")
    if (
        need_channel
        and "channel" not in schema
        and "channel" not in linked
        and source.table != "contacts"
        and "contact_id" in schema
        and contacts is not None
        and "channel" in contacts.schema()
    ):
        linked.append("channel")
    link_period = mode in ("linked", "own+linked")
    if linked or link_period:
        picks = {"_link_contact_id": contacts.contact_id}
        picks.update({f"_link_{c}": contacts[c] for c in linked})
        if link_period:
            picks["_link_arrived_at"] = contacts.arrived_at
        right = contacts.select(**picks)
        rel = rel.left_join(right, rel.contact_id == right._link_contact_id)
    keys: dict[str, Any] = {}
    for seg in source.segments:
        keys[seg] = rel[seg] if how[seg] == "own" else rel[f"_link_{seg}"]
    if source.period is not None:
        event = EVENT_COLUMNS[source.table]
        if mode == "own":
            ts = rel[event]
        elif mode == "linked":
            ts = rel._link_arrived_at
        else:
            ts = rel[event].fill_null(rel._link_arrived_at)
        keys["period"] = ts.truncate(_TRUNC[source.period])
    channel = None
    if need_channel:
        channel = (
            rel["channel"]
            if "channel" in schema
            else rel["_link_channel"]
            if "channel" in linked
            else None
        )
    aggs = dict(counted)
    for name, expr in keys.items():
        aggs[f"_nk_{name}"] = expr.count()
    for name, (build, applies) in source.measures.items():
        scope = None
        if applies != "all" and channel is not None:
            scope = channel.isin(list(applies)) | channel.isnull()
        aggs[name] = build(rel, scope)
    unique: dict[Any, str] = {}
    copies: dict[str, str] = {}
    for name, agg in aggs.items():  # the same aggregate is computed once (e.g. COUNT(*) twice)
        copies[name] = unique.setdefault(agg.op(), name)
    aggs = {name: agg for name, agg in aggs.items() if copies[name] == name}
    expr = rel.group_by(**keys).aggregate(**aggs) if keys else rel.aggregate(**aggs)
    out = expr.execute()
    for name, first in copies.items():
        if name != first:
            out[name] = out[first]
    if "period" in out:
        out["period"] = pd.to_datetime(out["period"]).astype("datetime64[ns]")
    return out
