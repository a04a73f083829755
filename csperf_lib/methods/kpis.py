"""KPIs as data: the catalogue, the review config's ``kpis:`` options, and the engine computing them.

Every KPI is a record in ``csperf_lib/data/kpis.yaml`` (id, name, plain-language definition,
table, kind, numerator / denominator filters or a value and statistic, unit, direction,
confidence-interval method, the channels it applies to, and the columns it requires). A review
config may add its own under ``kpis.custom`` with the same fields: no code is written for a KPI.
Filters and values are structured YAML interpreted by a small whitelisted grammar, never
evaluated as code (the grammar is documented at the top of the YAML file).

Aggregation happens in the store's query engine through Ibis: for each table one ``GROUP BY``
query per call computes, per segment and period, the counts, sums, means and sample variances
each KPI needs; only those small aggregates come back to pandas, where the values and intervals
are computed with :mod:`csperf_lib.methods.stats`. Several breakdowns
(:func:`compute_kpi_breakdowns`) share one query per table at the finest grain they need and are
rolled up from its aggregates (counts add; means and variances combine exactly, see
:func:`_combine_moments`), which is how one call matches a ``GROUPING SETS`` query.

Config section
--------------
.. code-block:: yaml

    kpis:
      service_level_threshold_s: 20      # answered within this many seconds (default 20)
      exclude_short_abandons_s: 5        # drop abandons shorter than 5 s from SL offered (default: none)
      csat_top2box_min: 4                # CSAT ratings counted as satisfied (default 4)
      qa_critical_pass_ratio: 1.0        # critical item fails below this share of its max (default 1)
      confidence: 0.95                   # of every interval
      custom:
        - id: hold_rate
          name: Contacts put on hold
          table: contacts
          numerator: {column: hold_s, gt: 0}
          denominator: {column: answered, equals: true}
          direction: lower_is_better
          unit: proportion

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

import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import ibis
import numpy as np
import pandas as pd
import yaml
from scipy import stats as _st

from csperf_lib.core.config import ReviewConfig
from csperf_lib.core.errors import ConfigError
from csperf_lib.core.settings import KpisSettings, did_you_mean, model_problems
from csperf_lib.core.tables import CANONICAL_TABLES, CHANNELS, EVENT_COLUMNS
from csperf_lib.ingest.store import Store, has_values
from csperf_lib.methods.stats import nps_interval, t_interval, wilson_interval

__all__ = [
    "KpiDefinition",
    "KpiOptions",
    "compute_kpi_breakdowns",
    "compute_kpis",
    "kpi_availability",
    "kpi_catalogue",
    "kpi_definitions",
    "kpi_options",
    "kpi_summary_json",
    "stack_breakdowns",
]

#: The segment and segment value of the whole population in a stacked frame.
WHOLE = "all"
#: Value of a segment whose column is empty for the rows it holds.
NOT_RECORDED = "(not recorded)"

KINDS = ("count", "proportion", "mean", "nps", "rate_per_1000", "ratio")
DIRECTIONS = ("higher_is_better", "lower_is_better", "neutral")
CI_METHODS = ("wilson", "t", "nps_multinomial", "poisson", "delta", "none")
PERIODS = ("day", "week", "month")
#: Interval methods each kind allows; the first is the default.
KIND_CI = {
    "count": ("none",),
    "proportion": ("wilson", "none"),
    "mean": ("t", "none"),
    "nps": ("nps_multinomial", "none"),
    "rate_per_1000": ("poisson", "none"),
    "ratio": ("delta", "none"),
}
KIND_STATISTIC = {"mean": "mean", "nps": "nps", "ratio": "ratio_of_sums"}
KIND_UNIT = {
    "count": "count",
    "proportion": "proportion",
    "nps": "nps",
    "rate_per_1000": "per_1000_contacts",
}
RESULT_COLUMNS = ("kpi", "period", "value", "ci_low", "ci_high", "n", "sd")
_FIELDS = frozenset(
    {
        "id",
        "name",
        "definition",
        "table",
        "grain",
        "kind",
        "statistic",
        "where",
        "numerator",
        "denominator",
        "denominator_table",
        "value",
        "unit",
        "direction",
        "ci",
        "applies_to",
        "requires",
    }
)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_COMPARE = ("lt", "le", "gt", "ge")
_LEAF_OPS = ("equals", "not_equals", "in", "not_in", *_COMPARE, "is_null", "not_null")
_VALUE_OPS = ("add", "subtract", "multiply", "divide", "days_between", "seconds_between")
_NUMERIC_KINDS = ("duration", "number")
_BREAKDOWN = tuple[tuple[str, ...], str | None]


# --- definitions ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class KpiDefinition:
    """One KPI of the catalogue (or of the config's ``kpis.custom``).

    Attributes
    ----------
    id, name : str
        Stable identifier and display name.
    definition : str
        Plain-language definition; ``{option}`` placeholders are filled by :func:`kpi_catalogue`.
    table : str
        Canonical table the rows come from.
    kind : str
        One of :data:`KINDS`.
    unit, direction, ci : str
        Unit key (see the catalogue's ``units``), one of :data:`DIRECTIONS`, one of
        :data:`CI_METHODS`.
    applies_to : str or tuple of str
        ``"all"`` or the channels whose rows are in scope.
    requires : tuple of str
        Columns (``column`` of ``table`` or ``table.column``) that must be non-null somewhere.
    where, numerator, denominator, value : object
        Filter / value expressions as parsed YAML (treat as read-only); None when not used.
    statistic : str or None
        ``mean``, ``nps`` or ``ratio_of_sums`` for value kinds.
    grain : str or None
        Roll-up of ``table`` the rows are taken at (e.g. ``evaluation``).
    denominator_table : str or None
        Table the denominator of a ``rate_per_1000`` counts.
    origin : str
        ``catalogue`` or ``config``.
    """

    id: str
    name: str
    definition: str
    table: str
    kind: str
    unit: str
    direction: str
    ci: str
    applies_to: str | tuple[str, ...] = "all"
    requires: tuple[str, ...] = ()
    where: Any = None
    numerator: Any = None
    denominator: Any = None
    value: Any = None
    statistic: str | None = None
    grain: str | None = None
    denominator_table: str | None = None
    origin: str = "catalogue"


@dataclass(frozen=True)
class KpiOptions:
    """Validated options of the config's ``kpis:`` section.

    Attributes
    ----------
    values : dict
        Option name -> value, defaults filled in (see the catalogue's ``options``).
    custom : tuple of KpiDefinition
        KPIs defined in the config.
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    custom: tuple[KpiDefinition, ...] = ()

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def confidence(self) -> float:
        """Two-sided confidence level of every interval."""
        return float(self.values["confidence"])


@dataclass(frozen=True)
class _Catalogue:
    options: Mapping[str, Mapping[str, Any]]
    units: Mapping[str, str]
    grains: Mapping[str, Mapping[str, Any]]
    kpis: tuple[KpiDefinition, ...]


def _suggest(key: Any, known: Iterable[str]) -> str:
    return did_you_mean(key, tuple(known))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# --- the grammar: validation ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Scope:
    """What expressions of one KPI may refer to: column name -> kind, and the numeric options."""

    columns: Mapping[str, str]
    options: frozenset[str]


def _check_operand(value: Any, key: str, scope: _Scope, problems: list[str]) -> None:
    if _is_number(value):
        return
    if isinstance(value, str):
        if value not in scope.options:
            problems.append(
                f"{key}: '{value}' is neither a number nor an option{_suggest(value, scope.options)}"
            )
        return
    if isinstance(value, Mapping) and "column" in value:
        for extra in set(value) - {"column", "times"}:
            problems.append(f"{key}.{extra}: unknown key (use column and times)")
        _check_column(value["column"], f"{key}.column", scope, problems, numeric=True)
        if "times" in value:
            _check_operand(value["times"], f"{key}.times", scope, problems)
        return
    problems.append(f"{key}: give a number, an option name or {{column: NAME, times: NUMBER}}")


def _check_column(
    name: Any, key: str, scope: _Scope, problems: list[str], *, numeric=False, kinds=None
) -> None:
    if not isinstance(name, str) or name not in scope.columns:
        problems.append(f"{key}: '{name}' is not a column here{_suggest(name, scope.columns)}")
        return
    wanted = _NUMERIC_KINDS if numeric else kinds
    if wanted and scope.columns[name] not in wanted:
        problems.append(
            f"{key}: '{name}' is a {scope.columns[name]} column, not {' or '.join(wanted)}"
        )


def _check_filter(node: Any, key: str, scope: _Scope, problems: list[str]) -> None:
    """Append a problem for everything wrong with filter ``node`` (see the YAML's grammar)."""
    if node is True:
        return
    if not isinstance(node, Mapping) or not node:
        problems.append(
            f"{key}: a filter is a mapping such as {{column: answered, equals: true}}, or true"
        )
        return
    logical = [k for k in ("all", "any", "not") if k in node]
    if logical:
        if len(node) != 1:
            problems.append(f"{key}: '{logical[0]}' must be the only key of its mapping")
        op = logical[0]
        if op == "not":
            _check_filter(node["not"], f"{key}.not", scope, problems)
            return
        parts = node[op]
        if not isinstance(parts, list) or not parts:
            problems.append(f"{key}.{op}: must be a non-empty list of filters")
            return
        for i, part in enumerate(parts):
            _check_filter(part, f"{key}.{op}[{i}]", scope, problems)
        return
    if "column" not in node:
        unknown = ", ".join(str(k) for k in node)
        problems.append(
            f"{key}: unknown filter ({unknown}); use column + an operator, all, any or not"
        )
        return
    ops = [k for k in node if k != "column"]
    bad = [k for k in ops if k not in _LEAF_OPS]
    for k in bad:
        problems.append(f"{key}.{k}: unknown operator{_suggest(k, _LEAF_OPS)}")
    good = [k for k in ops if k in _LEAF_OPS]
    if len(good) != 1:
        if not bad:
            problems.append(f"{key}: give exactly one operator ({', '.join(_LEAF_OPS)})")
        return
    op = good[0]
    arg = node[op]
    _check_column(node["column"], f"{key}.column", scope, problems, numeric=op in _COMPARE)
    if op in ("equals", "not_equals", "in", "not_in"):
        values = arg if op in ("in", "not_in") else [arg]
        if op in ("in", "not_in") and (not isinstance(arg, list) or not arg):
            problems.append(f"{key}.{op}: must be a non-empty list of values")
        elif not all(isinstance(v, bool | int | float | str) for v in values):
            problems.append(f"{key}.{op}: give true, false, numbers or texts")
        elif node["column"] in scope.columns:
            kind = scope.columns[node["column"]]
            fits = {
                "bool": lambda v: isinstance(v, bool),
                "duration": _is_number,
                "number": _is_number,
                "datetime": lambda v: False,
            }.get(kind, lambda v: isinstance(v, str))
            if not all(fits(v) for v in values):
                wanted = {
                    "bool": "true or false",
                    "duration": "a number",
                    "number": "a number",
                    "datetime": "nothing (use lt/gt on a number column)",
                }.get(kind, "text")
                problems.append(
                    f"{key}.{op}: {node['column']} is a {kind} column; compare it with {wanted}"
                )
    elif op in _COMPARE:
        _check_operand(arg, f"{key}.{op}", scope, problems)
    elif arg is not True:
        problems.append(f"{key}.{op}: must be true")


def _check_value(node: Any, key: str, scope: _Scope, problems: list[str]) -> None:
    """Append a problem for everything wrong with value expression ``node``."""
    if _is_number(node):
        return
    if isinstance(node, str):
        _check_column(node, key, scope, problems, numeric=True)
        return
    if not isinstance(node, Mapping):
        problems.append(
            f"{key}: a value is a column name, a number or a mapping such as {{add: [a, b]}}"
        )
        return
    ops = [k for k in node if k in _VALUE_OPS]
    if len(ops) != 1:
        problems.append(f"{key}: give exactly one of {', '.join(_VALUE_OPS)}")
        return
    op = ops[0]
    allowed = {op, "nulls_as_zero"} if op == "add" else {op}
    for extra in set(node) - allowed:
        problems.append(f"{key}.{extra}: unknown key{_suggest(extra, allowed)}")
    if op == "add" and not isinstance(node.get("nulls_as_zero", False), bool):
        problems.append(f"{key}.nulls_as_zero: must be true or false")
    args = node[op]
    pairs = op in ("subtract", "divide", "days_between", "seconds_between")
    if not isinstance(args, list) or len(args) < 2 or (pairs and len(args) != 2):
        problems.append(
            f"{key}.{op}: must be a list of {'two' if pairs else 'at least two'} values"
        )
        return
    for i, arg in enumerate(args):
        if op.endswith("_between"):
            _check_column(arg, f"{key}.{op}[{i}]", scope, problems, kinds=("datetime",))
        else:
            _check_value(arg, f"{key}.{op}[{i}]", scope, problems)


def _filter_columns(node: Any) -> set[str]:
    if not isinstance(node, Mapping):
        return set()
    if "not" in node:
        return _filter_columns(node["not"])
    for op in ("all", "any"):
        if op in node:
            return set().union(*(_filter_columns(p) for p in node[op]))
    out = {node["column"]} if isinstance(node.get("column"), str) else set()
    for op in _COMPARE:
        if isinstance(node.get(op), Mapping) and isinstance(node[op].get("column"), str):
            out.add(node[op]["column"])
    return out


def _value_columns(node: Any) -> set[str]:
    if isinstance(node, str):
        return {node}
    if isinstance(node, Mapping):
        for op in _VALUE_OPS:
            if op in node and isinstance(node[op], list):
                return set().union(*(_value_columns(a) for a in node[op]))
    return set()


def _kpi_columns(kpi: KpiDefinition) -> set[str]:
    """Columns of the KPI's own (grain) relation its expressions use."""
    cols = _filter_columns(kpi.where) | _value_columns(kpi.value)
    if kpi.kind == "ratio":
        cols |= _value_columns(kpi.numerator) | _value_columns(kpi.denominator)
    elif kpi.kind == "rate_per_1000":
        cols |= _filter_columns(kpi.numerator)
    else:
        cols |= _filter_columns(kpi.numerator) | _filter_columns(kpi.denominator)
    return cols


# --- parsing the catalogue and the config --------------------------------------------------------
def _grain_scope(grain: Mapping[str, Any]) -> dict[str, str]:
    table = CANONICAL_TABLES[grain["table"]].columns
    cols = {grain["key"]: table[grain["key"]]}
    cols.update({c: table[c] for c in grain.get("keep", ())})
    cols.update({c: "number" for c in grain.get("columns", {})})
    return cols


def _grain_sources(grain: Mapping[str, Any]) -> dict[str, set[str]]:
    """Base-table columns each column of a grain is computed from."""
    out = {grain["key"]: {grain["key"]}}
    out.update({c: {c} for c in grain.get("keep", ())})
    for name, spec in grain.get("columns", {}).items():
        if "sum" in spec:
            out[name] = _value_columns(spec["sum"])
        elif "count" in spec:
            out[name] = _filter_columns(spec["count"])
        else:
            out[name] = {spec.get("min") or spec.get("max")}
    return out


def _infer_kind(raw: Mapping[str, Any]) -> str | None:
    if raw.get("statistic") in {v: k for k, v in KIND_STATISTIC.items()}:
        return {v: k for k, v in KIND_STATISTIC.items()}[raw["statistic"]]
    if raw.get("denominator_table"):
        return "rate_per_1000"
    if "value" in raw:
        return "mean"
    num, den = raw.get("numerator"), raw.get("denominator")
    if (
        num is not None
        and den is not None
        and not isinstance(num, Mapping | bool)
        and not isinstance(den, Mapping | bool)
    ):
        return "ratio"
    if isinstance(den, Mapping) and any(op in den for op in _VALUE_OPS):
        return "ratio"
    if num is not None:
        return "proportion"
    return None


def _parse_kpi(
    raw: Any,
    key: str,
    problems: list[str],
    *,
    catalogue: Mapping[str, Any],
    custom: bool,
) -> KpiDefinition | None:
    """Validate one KPI record; append every problem (with its key) to ``problems``."""
    if not isinstance(raw, Mapping):
        problems.append(f"{key}: a KPI is a mapping with id, name, table, ...")
        return None
    before = len(problems)
    for name in raw:
        if name not in _FIELDS:
            problems.append(f"{key}.{name}: unknown field{_suggest(name, _FIELDS)}")
    kid = raw.get("id")
    if not isinstance(kid, str) or not _ID.match(kid):
        problems.append(f"{key}.id: required, lower-case letters, digits and _ (e.g. hold_rate)")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{key}.name: required, a short display name")
    definition = raw.get("definition")
    if (definition is not None and not isinstance(definition, str)) or (
        not custom and not definition
    ):
        problems.append(
            f"{key}.definition: {'required, ' if not custom else ''}plain-language text"
        )
    table = raw.get("table")
    if table not in CANONICAL_TABLES:
        problems.append(
            f"{key}.table: required, one of {', '.join(CANONICAL_TABLES)}"
            if table is None
            else f"{key}.table: '{table}' is not a canonical table{_suggest(table, CANONICAL_TABLES)}"
        )
        return None
    grain = raw.get("grain")
    grains = catalogue["grains"]
    if grain is not None and (grain not in grains or grains[grain]["table"] != table):
        fits = [g for g, spec in grains.items() if spec["table"] == table]
        problems.append(
            f"{key}.grain: '{grain}' is not a grain of {table} ({', '.join(fits) or 'it has none'})"
        )
        grain = None
    columns = _grain_scope(grains[grain]) if grain else dict(CANONICAL_TABLES[table].columns)
    numeric_options = frozenset(
        n for n, spec in catalogue["options"].items() if spec.get("type") == "number"
    )
    scope = _Scope(columns, numeric_options)

    kind = raw.get("kind") or (_infer_kind(raw) if custom else None)
    if kind not in KINDS:
        hint = (
            f"'{kind}' is not one of {', '.join(KINDS)}"
            if kind
            else f"required ({', '.join(KINDS)})"
        )
        problems.append(f"{key}.kind: {hint}")
        return None
    statistic = raw.get("statistic", KIND_STATISTIC.get(kind))
    if statistic != KIND_STATISTIC.get(kind):
        problems.append(
            f"{key}.statistic: a {kind} KPI takes {KIND_STATISTIC.get(kind) or 'no statistic'}"
        )

    # fields by kind
    wanted = {
        "count": ({"where"}, set()),
        "proportion": ({"where", "denominator"}, {"numerator"}),
        "mean": ({"where"}, {"value"}),
        "nps": ({"where"}, {"value"}),
        "rate_per_1000": ({"numerator", "denominator"}, {"denominator_table"}),
        "ratio": ({"where"}, {"numerator", "denominator"}),
    }[kind]
    for f in ("where", "numerator", "denominator", "value", "denominator_table"):
        if f in raw and raw[f] is not None and f not in wanted[0] | wanted[1]:
            problems.append(f"{key}.{f}: not used by a {kind} KPI")
        if f in wanted[1] and raw.get(f) is None:
            problems.append(f"{key}.{f}: required for a {kind} KPI")
    den_table = raw.get("denominator_table")
    if kind == "rate_per_1000" and den_table is not None and den_table not in CANONICAL_TABLES:
        problems.append(
            f"{key}.denominator_table: '{den_table}' is not a canonical table{_suggest(den_table, CANONICAL_TABLES)}"
        )
        den_table = None
    if raw.get("where") is not None:
        _check_filter(raw["where"], f"{key}.where", scope, problems)
    if kind in ("mean", "nps") and raw.get("value") is not None:
        _check_value(raw["value"], f"{key}.value", scope, problems)
    if kind == "ratio":
        for f in ("numerator", "denominator"):
            if raw.get(f) is not None:
                _check_value(raw[f], f"{key}.{f}", scope, problems)
    if kind == "proportion":
        for f in ("numerator", "denominator"):
            if raw.get(f) is not None:
                _check_filter(raw[f], f"{key}.{f}", scope, problems)
    if kind == "rate_per_1000":
        if raw.get("numerator") is not None:
            _check_filter(raw["numerator"], f"{key}.numerator", scope, problems)
        if raw.get("denominator") is not None and den_table:
            den_scope = _Scope(dict(CANONICAL_TABLES[den_table].columns), numeric_options)
            _check_filter(raw["denominator"], f"{key}.denominator", den_scope, problems)

    units = catalogue["units"]
    unit = raw.get("unit", KIND_UNIT.get(kind, "number") if custom else None)
    if unit not in units:
        problems.append(f"{key}.unit: '{unit}' is not one of {', '.join(units)}")
    direction = raw.get("direction", "neutral" if custom else None)
    if direction not in DIRECTIONS:
        problems.append(f"{key}.direction: '{direction}' is not one of {', '.join(DIRECTIONS)}")
    ci = raw.get("ci", KIND_CI[kind][0] if custom else None)
    if ci not in KIND_CI[kind]:
        problems.append(f"{key}.ci: a {kind} KPI takes {' or '.join(KIND_CI[kind])} (got '{ci}')")
    applies = raw.get("applies_to", "all")
    if applies != "all":
        if isinstance(applies, str):
            applies = [applies]
        if not isinstance(applies, list) or not applies or any(c not in CHANNELS for c in applies):
            problems.append(
                f"{key}.applies_to: 'all' or a list of channels ({', '.join(CHANNELS)})"
            )
            applies = "all"
        else:
            applies = tuple(applies)

    base = CANONICAL_TABLES[table].columns
    requires = raw.get("requires")
    if requires is None and custom:
        used = _kpi_columns_raw(raw, kind)
        if grain:
            sources = _grain_sources(grains[grain])
            used = set().union(*(sources.get(c, {c}) for c in used)) if used else set()
        requires = sorted(c for c in used if c in base)
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        problems.append(f"{key}.requires: a list of column names")
        requires = []
    for i, req in enumerate(requires):
        t, _, c = req.rpartition(".")
        cols = CANONICAL_TABLES[t].columns if t in CANONICAL_TABLES else (base if not t else {})
        if c not in cols:
            problems.append(f"{key}.requires[{i}]: '{req}' is not a column of {t or table}")
    if len(problems) > before:
        return None
    return KpiDefinition(
        id=kid,
        name=name.strip(),
        definition=(definition or "").strip(),
        table=table,
        kind=kind,
        unit=unit,
        direction=direction,
        ci=ci,
        applies_to=applies,
        requires=tuple(requires),
        where=raw.get("where"),
        numerator=raw.get("numerator"),
        denominator=raw.get("denominator"),
        value=raw.get("value"),
        statistic=statistic,
        grain=grain,
        denominator_table=den_table if kind == "rate_per_1000" else None,
        origin="config" if custom else "catalogue",
    )


def _kpi_columns_raw(raw: Mapping[str, Any], kind: str) -> set[str]:
    probe = KpiDefinition(
        id="x",
        name="x",
        definition="",
        table="contacts",
        kind=kind,
        unit="",
        direction="",
        ci="",
        where=raw.get("where"),
        numerator=raw.get("numerator"),
        denominator=None if kind == "rate_per_1000" else raw.get("denominator"),
        value=raw.get("value"),
    )
    return _kpi_columns(probe)


@functools.lru_cache(maxsize=1)
def _catalogue() -> _Catalogue:
    """The shipped catalogue, parsed and validated once (lazily)."""
    source = resources.files("csperf_lib").joinpath("data", "kpis.yaml")
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    problems: list[str] = []
    document = {
        "options": doc.get("options", {}),
        "units": doc.get("units", {}),
        "grains": doc.get("grains", {}),
    }
    kpis = []
    for i, raw in enumerate(doc.get("kpis", [])):
        parsed = _parse_kpi(raw, f"kpis[{i}]", problems, catalogue=document, custom=False)
        if parsed is not None:
            kpis.append(parsed)
    ids = [k.id for k in kpis]
    problems += [
        f"kpis: id '{d}' is defined twice" for d in sorted({i for i in ids if ids.count(i) > 1})
    ]
    if problems:
        raise ConfigError(str(source), problems)
    return _Catalogue(document["options"], document["units"], document["grains"], tuple(kpis))


def _section(config: Any) -> tuple[str, Any]:
    """The config's path and its ``kpis:`` section: the typed one of a loaded config, else as written."""
    if config is None:
        return "<config>", None
    if isinstance(config, ReviewConfig):
        if config.settings is not None:
            return str(config.path), config.settings.kpis
        return str(config.path), config.raw.get("kpis")
    if isinstance(config, KpisSettings):
        return "<config>", config
    if isinstance(config, Mapping):
        if "kpis" in config or "tables" in config:  # a whole review config
            return "<config>", config.get("kpis")
        return "<config>", config  # the kpis: section itself
    raise TypeError("config must be a ReviewConfig, the parsed review YAML (a mapping) or None")


def kpi_options(config: ReviewConfig | Mapping[str, Any] | KpiOptions | None = None) -> KpiOptions:
    """The options of the config's ``kpis:`` section, defaults filled in, and its custom KPIs.

    The options are declared once, by :class:`csperf_lib.core.settings.KpisSettings` (a loaded
    config's ``settings.kpis`` was checked at load; a mapping is checked here against the same
    model). A custom KPI's shape is declared there too, but what it means — its filters against
    the canonical columns, its statistic against its kind, its id against the catalogue's — only
    this module can judge, so each is parsed by the catalogue's own reader (:func:`_parse_kpi`).

    Parameters
    ----------
    config : ReviewConfig, mapping, KpiOptions or None
        The review config, its parsed YAML, or just its ``kpis:`` section (a mapping without
        ``kpis`` and ``tables`` keys); None gives the defaults.

    Returns
    -------
    KpiOptions

    Raises
    ------
    ConfigError
        Listing every problem of the section at once, each with its key (``kpis.<option>``,
        ``kpis.custom[i].<field>``).
    """
    if isinstance(config, KpiOptions):
        return config
    cat = _catalogue()
    path, section = _section(config)
    if section is None:
        section = {}
    problems: list[str] = []
    if isinstance(section, KpisSettings):
        typed = section
        custom_raw: Any = [k.model_dump(exclude_unset=True) for k in section.custom]
    else:
        options = {k: v for k, v in section.items() if k != "custom"} if isinstance(section, Mapping) else section
        problems += model_problems(KpisSettings, options, prefix="kpis")
        if problems and not isinstance(section, Mapping):
            raise ConfigError(path, problems)
        typed = KpisSettings() if problems else KpisSettings.model_validate(options)
        custom_raw = section.get("custom") or []
    values = {name: getattr(typed, name) for name in cat.options}
    custom: list[KpiDefinition] = []
    if not isinstance(custom_raw, list):
        problems.append("kpis.custom: must be a list of KPI definitions")
        custom_raw = []
    builtin = {k.id for k in cat.kpis}
    seen: set[str] = set()
    document = {"options": cat.options, "units": cat.units, "grains": cat.grains}
    for i, raw in enumerate(custom_raw):
        key = f"kpis.custom[{i}]"
        parsed = _parse_kpi(raw, key, problems, catalogue=document, custom=True)
        kid = raw.get("id") if isinstance(raw, Mapping) else None
        if kid in builtin:
            problems.append(f"{key}.id: '{kid}' is a built-in KPI; choose another id")
        elif kid in seen:
            problems.append(f"{key}.id: '{kid}' is defined twice")
        seen.add(kid)
        if parsed is not None and kid not in builtin:
            custom.append(parsed)
    if problems:
        raise ConfigError(path, problems)
    return KpiOptions(values=values, custom=tuple(custom))


def kpi_definitions(
    config: ReviewConfig | Mapping[str, Any] | KpiOptions | None = None,
) -> tuple[KpiDefinition, ...]:
    """Every KPI: the catalogue's, then the config's custom ones (validated)."""
    return _catalogue().kpis + kpi_options(config).custom


# --- plain-language text -----------------------------------------------------------------------
def _fmt(value: Any) -> str:
    return f"{value:g}" if _is_number(value) else str(value)


def _describe_operand(value: Any, options: Mapping[str, Any]) -> str:
    if isinstance(value, str):
        current = options.get(value)
        return f"{value} (not set)" if current is None else f"{_fmt(current)} ({value})"
    if isinstance(value, Mapping):
        text = value["column"]
        return (
            text
            if "times" not in value
            else f"{text} x {_describe_operand(value['times'], options)}"
        )
    return _fmt(value)


def _describe_filter(node: Any, options: Mapping[str, Any]) -> str:
    if node is None or node is True:
        return "every row"
    if "not" in node:
        return f"not ({_describe_filter(node['not'], options)})"
    for op, word in (("all", " and "), ("any", " or ")):
        if op in node:
            parts = [_describe_filter(p, options) for p in node[op]]
            return word.join(f"({p})" if (" and " in p or " or " in p) else p for p in parts)
    col = node["column"]
    op = next(k for k in node if k != "column")
    arg = node[op]
    symbols = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}
    if op in symbols:
        return f"{col} {symbols[op]} {_describe_operand(arg, options)}"
    if op in ("is_null", "not_null"):
        return f"{col} is {'missing' if op == 'is_null' else 'known'}"
    if op in ("in", "not_in"):
        return (
            f"{col} is {'not ' if op == 'not_in' else ''}one of {', '.join(_fmt(v) for v in arg)}"
        )
    verb = "is" if op == "equals" else "is not"
    return f"{col} {verb} {str(arg).lower() if isinstance(arg, bool) else _fmt(arg)}"


def _describe_value(node: Any) -> str:
    if node is None:
        return ""
    if not isinstance(node, Mapping):
        return _fmt(node)
    op = next(k for k in node if k in _VALUE_OPS)
    args = node[op]
    if op == "days_between":
        return f"days from {args[0]} to {args[1]}"
    if op == "seconds_between":
        return f"seconds from {args[0]} to {args[1]}"
    sym = {"add": " + ", "subtract": " - ", "multiply": " x ", "divide": " / "}[op]
    parts = [
        f"({_describe_value(a)})" if isinstance(a, Mapping) else _describe_value(a) for a in args
    ]
    extra = " (a missing part counts as 0)" if node.get("nulls_as_zero") else ""
    return sym.join(parts) + extra


def _rules(options: Mapping[str, Any]) -> dict[str, str]:
    short = options.get("exclude_short_abandons_s")
    ratio = options.get("qa_critical_pass_ratio", 1.0)
    return {
        "short_abandon_rule": (
            "no abandoned contact is left out (exclude_short_abandons_s is not set)"
            if short is None
            else f"abandoned contacts that waited less than {_fmt(short)} seconds are left out of "
            "offered (exclude_short_abandons_s)"
        ),
        "qa_critical_rule": (
            "the item scored below its maximum"
            if ratio == 1
            else f"the item scored below {_fmt(ratio)} of its maximum (qa_critical_pass_ratio)"
        ),
    }


def _render(text: str, options: Mapping[str, Any]) -> str:
    words = {**{k: _fmt(v) for k, v in options.items()}, **_rules(options)}
    return re.sub(r"\{(\w+)\}", lambda m: words.get(m.group(1), m.group(0)), text)


def _auto_definition(kpi: KpiDefinition, options: Mapping[str, Any]) -> str:
    table = kpi.table if not kpi.grain else f"{kpi.table} ({kpi.grain}s)"
    if kpi.kind == "count":
        return f"Number of {table} rows where {_describe_filter(kpi.where, options)}."
    if kpi.kind == "proportion":
        den = _describe_filter(kpi.denominator, options)
        return f"Share of {table} rows where {den} that also have {_describe_filter(kpi.numerator, options)}."
    if kpi.kind == "rate_per_1000":
        return (
            f"{kpi.table} where {_describe_filter(kpi.numerator, options)} per 1000 "
            f"{kpi.denominator_table} where {_describe_filter(kpi.denominator, options)}."
        )
    if kpi.kind == "ratio":
        return (
            f"Sum of {_describe_value(kpi.numerator)} / sum of {_describe_value(kpi.denominator)} over "
            f"{table} rows where {_describe_filter(kpi.where, options)} and both are known."
        )
    stat = "Mean" if kpi.kind == "mean" else "Net Promoter Score of"
    return f"{stat} {_describe_value(kpi.value)} over {table} rows where {_describe_filter(kpi.where, options)}."


def kpi_catalogue(
    config: ReviewConfig | Mapping[str, Any] | KpiOptions | None = None,
) -> pd.DataFrame:
    """One row per KPI (catalogue then custom), for the report's glossary.

    Definitions are rendered with the options in force (e.g. the service-level threshold).

    Returns
    -------
    DataFrame
        ``id, name, definition, table, grain, kind, statistic, numerator, denominator, value,
        where, unit, unit_label, direction, ci, applies_to, requires, origin``; expressions in
        plain words.
    """
    options = kpi_options(config)
    units = _catalogue().units
    rows = []
    for k in _catalogue().kpis + options.custom:
        rate = k.kind == "rate_per_1000"
        rows.append(
            {
                "id": k.id,
                "name": k.name,
                "definition": _render(
                    k.definition or _auto_definition(k, options.values), options.values
                ),
                "table": k.table,
                "grain": k.grain or "row",
                "kind": k.kind,
                "statistic": k.statistic or "",
                "numerator": (
                    _describe_value(k.numerator)
                    if k.kind == "ratio"
                    else (f"{k.table}: " if rate else "")
                    + _describe_filter(k.numerator, options.values)
                    if k.kind in ("proportion", "rate_per_1000")
                    else ""
                ),
                "denominator": (
                    _describe_value(k.denominator)
                    if k.kind == "ratio"
                    else (f"{k.denominator_table}: " if rate else "")
                    + _describe_filter(k.denominator, options.values)
                    if k.kind in ("proportion", "rate_per_1000")
                    else ""
                ),
                "value": _describe_value(k.value),
                "where": _describe_filter(k.where, options.values),
                "unit": k.unit,
                "unit_label": units[k.unit],
                "direction": k.direction,
                "ci": k.ci,
                "applies_to": k.applies_to if k.applies_to == "all" else ", ".join(k.applies_to),
                "requires": ", ".join(k.requires),
                "origin": k.origin,
            }
        )
    return pd.DataFrame(rows)


# --- compiling expressions to Ibis ------------------------------------------------------------
#: A filter that no row passes (e.g. a comparison with an option that is not set); None is the
#: filter every row passes. Folding both keeps the generated SQL free of constant clauses.
_NEVER = "never"


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


# --- the engine ---------------------------------------------------------------------------------
_CASTS = {"bool": "boolean", "duration": "float64", "number": "float64", "datetime": "timestamp"}


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
                return f"table {table} is not supplied"
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
                return f"table {t} is not supplied"
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


_TRUNC = {"day": "D", "week": "W", "month": "M"}


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

    # the sources (one query each) and the measures they compute
    sources: dict[tuple[str, str | None], _Source] = {}
    for i, kpi in live:
        for key, builders in _measures_for(kpi, i, options.values).items():
            src = sources.setdefault(key, _Source(table=key[0], grain=key[1]))
            src.measures.update({name: (build, kpi.applies_to) for name, build in builders.items()})
        for req in kpi.requires:
            t, _, c = req.rpartition(".")
            key = (t, None) if t and t != kpi.table else (kpi.table, kpi.grain)
            sources.setdefault(key, _Source(table=key[0], grain=key[1])).counted.add(c)

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
    frames: dict[_BREAKDOWN, pd.DataFrame] = {}
    for b in wanted:
        by, period = b
        keys = list(by) + (["period"] if period else [])
        absent = dict(base_absent)
        rolled: dict[tuple[str, str | None], pd.DataFrame] = {}

        pieces: list[tuple[str, pd.DataFrame | None, dict[str, np.ndarray]]] = []
        for i, kpi in live:
            if kpi.id in absent:
                continue
            if kpi.id in absent_by[b]:
                absent[kpi.id] = absent_by[b][kpi.id]
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
        frames[b] = frame
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
