"""The KPI catalogue: every KPI as data, the review config's ``kpis:`` options, and their checks.

Every KPI is a record in ``csperf_lib/data/kpis.yaml`` (id, name, plain-language definition,
table, kind, numerator / denominator filters or a value and statistic, unit, direction,
confidence-interval method, the channels it applies to, and the columns it requires). A review
config may add its own under ``kpis.custom`` with the same fields: no code is written for a KPI.
Filters and values are structured YAML interpreted by a small whitelisted grammar, never
evaluated as code (the grammar is documented at the top of the YAML file).

Public API
----------
- :class:`KpiDefinition` — one KPI of the catalogue (or of the config's ``kpis.custom``).
- :func:`kpi_definitions` — the catalogue plus the config's custom KPIs, each checked against the
  grammar and the canonical tables (a problem names the KPI, the field and a did-you-mean).
- :class:`KpiOptions`, :func:`kpi_options` — the ``kpis:`` section, validated.
- :func:`kpi_catalogue` — the catalogue as a table for readers, filters and values in words.

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

"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from csperf_lib.core.config import ReviewConfig
from csperf_lib.core.errors import ConfigError
from csperf_lib.core.settings import KpisSettings, did_you_mean, model_problems
from csperf_lib.core.tables import CANONICAL_TABLES, CHANNELS

__all__ = [
    "KpiDefinition",
    "KpiOptions",
    "kpi_catalogue",
    "kpi_definitions",
    "kpi_options",
]


KINDS = ("count", "proportion", "mean", "nps", "rate_per_1000", "ratio")


DIRECTIONS = ("higher_is_better", "lower_is_better", "neutral")


CI_METHODS = ("wilson", "t", "nps_multinomial", "poisson", "delta", "none")


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


#: A filter that no row passes (e.g. a comparison with an option that is not set); None is the
#: filter every row passes. Folding both keeps the generated SQL free of constant clauses.
_NEVER = "never"


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


def _labels(raw: Mapping[str, Any], key: str, *, custom: bool, problems: list[str]) -> tuple[Any, Any, Any]:
    """A KPI's id, name and definition, checked (a catalogue KPI must define itself in words)."""
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
    return kid, name, definition


def _check_kind_fields(raw: Mapping[str, Any], key: str, kind: str, scope: _Scope,
                       problems: list[str]) -> str | None:
    """Check the fields a KPI of ``kind`` uses (and refuse the others); return its denominator table."""
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
            den_scope = _Scope(dict(CANONICAL_TABLES[den_table].columns), scope.options)
            _check_filter(raw["denominator"], f"{key}.denominator", den_scope, problems)
    return den_table


def _applies_to(raw: Mapping[str, Any], key: str, problems: list[str]) -> str | tuple[str, ...]:
    """The channels a KPI applies to: ``"all"`` or a tuple of canonical channels."""
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
    return applies


def _requires(raw: Mapping[str, Any], key: str, *, kind: str, table: str, grain: str | None,
              grains: Mapping[str, Any], custom: bool, problems: list[str]) -> list[str]:
    """The columns a KPI requires: as written, or (for a custom KPI) the ones its fields use."""
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
    return requires


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
    kid, name, definition = _labels(raw, key, custom=custom, problems=problems)
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

    den_table = _check_kind_fields(raw, key, kind, scope, problems)

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
    applies = _applies_to(raw, key, problems)

    requires = _requires(raw, key, kind=kind, table=table, grain=grain, grains=grains, custom=custom,
                         problems=problems)
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


def reader_labels(config=None) -> dict[str, str]:
    """Identifier → the words a reader sees in a table: every KPI's name from the catalogue
    (``aht_s`` → "Average handling time") and the agent dimension ("agent"); other identifiers
    read as words (:func:`csperf_lib.core.display.reader_text`)."""
    catalogue = kpi_catalogue(config)
    return {"agent_id": "agent", **{str(k): str(v) for k, v in zip(catalogue["id"], catalogue["name"], strict=True)}}


#: The range a KPI's values can take, by unit (None: open on that side).
UNIT_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "proportion": (0.0, 1.0), "percent": (0.0, 100.0), "score_1_5": (1.0, 5.0), "score_1_7": (1.0, 7.0),
    "nps": (-100.0, 100.0), "seconds": (0.0, None), "days": (0.0, None), "count": (0.0, None),
    "per_1000_contacts": (0.0, None),
}


def unit_bounds(unit: str | None) -> tuple[float | None, float | None] | None:
    """The values a KPI in ``unit`` can take (:data:`UNIT_BOUNDS`), for clipping control limits."""
    return UNIT_BOUNDS.get(str(unit)) if unit else None
