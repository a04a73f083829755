"""Reading targets, benchmarks and regulatory rules: a targets file, the config's ``targets:`` key, the shipped catalogue.

:func:`load_targets` reads a targets file (or a mapping) into a :class:`~csperf_lib.methods.targets.TargetSet`,
:func:`targets_from_config` the review config's ``targets:`` key (inline, or the file it names), and
:func:`load_benchmarks` the indicative benchmarks shipped in ``csperf_lib/data/benchmarks.yaml``.
Every problem is reported with its place in the file and a did-you-mean; the file format is
documented in :mod:`csperf_lib.methods.targets`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from csperf_lib.core.config import ReviewConfig, _as_date
from csperf_lib.core.errors import ConfigError
from csperf_lib.core.settings import section_settings
from csperf_lib.core.tables import CANONICAL_TABLES
from csperf_lib.methods.complaints import ComplaintTargets
from csperf_lib.methods.kpi_catalogue import KpiDefinition, KpiOptions, kpi_definitions, kpi_options
from csperf_lib.methods.targets import (
    _WHOLE_WORDS,
    DIRECTIONS,
    RULE_SETS,
    SEGMENT_DIMENSIONS,
    SOURCES,
    UNIT_RANGES,
    BenchmarkEntry,
    RegulatoryRule,
    Target,
    TargetSet,
    _canonical_segment,
    _fmt,
    _is_number,
)

__all__ = [
    "load_benchmarks",
    "load_targets",
    "targets_from_config",
]


_DOCUMENT_KEYS = frozenset({"use_benchmarks", "targets", "regulatory"})


_TARGET_KEYS = frozenset(
    {"kpi", "segment", "target", "tolerance", "source", "owner", "baseline", "deadline",
     "review_date", "rationale", "caveat"}
)


_WINDOW_KEYS = {"within_days": 86_400.0, "within_hours": 3_600.0, "within_s": 1.0}


_RULE_KEYS = frozenset(
    {"id", "description", "source", "table", "start", "end", "required_rate", "caveat",
     *_WINDOW_KEYS}
)


_BENCHMARK_KEYS = frozenset(
    {"kpi", "convention", "indicative_target", "tolerance", "band_low", "band_high", "comparable",
     "options", "source", "caveat"}
)


_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _suggest(key: Any, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(key), sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _parse_date(value: Any, key: str, problems: list[str]) -> dt.date | None:
    return _as_date(value.strip() if isinstance(value, str) else value, key, problems)


def _optional_text(raw: Mapping[str, Any], name: str, key: str, problems: list[str]) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{key}.{name}: must be text")
        return None
    return value.strip() or None


def _range_problem(value: float, unit: str, what: str) -> str | None:
    """Why ``value`` cannot be a ``what`` in ``unit``, or None."""
    low, high, words = UNIT_RANGES.get(unit, UNIT_RANGES["number"])
    if low <= value <= high:
        return None
    hint = ""
    if unit == "proportion" and 1 < value <= 100:
        hint = f" (a proportion: write {_fmt(value / 100)} for {_fmt(value)} %)"
    return f"{what} {_fmt(value)} is outside the KPI's scale: {words}{hint}"


def _optional_number(raw: Mapping[str, Any], name: str, key: str, problems: list[str]) -> float | None:
    value = raw.get(name)
    if value is None:
        return None
    if not _is_number(value):
        problems.append(f"{key}.{name}: must be a number or null")
        return None
    return float(value)


@functools.lru_cache(maxsize=1)
def load_benchmarks() -> tuple[BenchmarkEntry, ...]:
    """The indicative benchmark catalogue shipped with csperf (read and validated once, lazily).

    Returns
    -------
    tuple of BenchmarkEntry
        In catalogue order, one per KPI.

    Raises
    ------
    ConfigError
        When the shipped file is invalid (every problem listed).
    """
    source = resources.files("csperf_lib").joinpath("data", "benchmarks.yaml")
    doc = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    definitions = {k.id: k for k in kpi_definitions()}
    problems: list[str] = []
    entries = []
    raw_entries = doc.get("benchmarks") if isinstance(doc, Mapping) else None
    if not isinstance(raw_entries, list):
        raise ConfigError(str(source), ["benchmarks: must be a list of entries"])
    seen: set[str] = set()
    for i, raw in enumerate(raw_entries):
        key = f"benchmarks[{i}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{key}: must be a mapping")
            continue
        before = len(problems)
        problems += [f"{key}.{k}: unknown field{_suggest(k, _BENCHMARK_KEYS)}"
                     for k in raw if k not in _BENCHMARK_KEYS]
        kpi = raw.get("kpi")
        definition = definitions.get(kpi)
        if definition is None:
            problems.append(f"{key}.kpi: '{kpi}' is not a KPI of the catalogue")
        elif kpi in seen:
            problems.append(f"{key}.kpi: '{kpi}' has two entries")
        seen.add(kpi)
        for name in ("convention", "source", "caveat"):
            if not isinstance(raw.get(name), str) or not raw[name].strip():
                problems.append(f"{key}.{name}: required text")
        numbers = {n: _optional_number(raw, n, key, problems)
                   for n in ("indicative_target", "tolerance", "band_low", "band_high")}
        if definition is not None:
            for name in ("indicative_target", "band_low", "band_high"):
                if numbers[name] is not None and (
                    why := _range_problem(numbers[name], definition.unit, name)
                ):
                    problems.append(f"{key}.{name}: {why}")
        if numbers["tolerance"] is not None and numbers["tolerance"] < 0:
            problems.append(f"{key}.tolerance: must be >= 0")
        low, high = numbers["band_low"], numbers["band_high"]
        if low is not None and high is not None and low > high:
            problems.append(f"{key}: band_low {_fmt(low)} is above band_high {_fmt(high)}")
        comparable = raw.get("comparable")
        if not isinstance(comparable, bool):
            problems.append(f"{key}.comparable: must be true or false")
        elif numbers["indicative_target"] is not None and not comparable:
            problems.append(f"{key}: a figure that is not comparable cannot be an indicative target")
        options = raw.get("options") or {}
        if not isinstance(options, Mapping):
            problems.append(f"{key}.options: must be a mapping of KPI option to value")
            options = {}
        if len(problems) > before:
            continue
        entries.append(
            BenchmarkEntry(
                kpi=str(kpi),
                convention=" ".join(raw["convention"].split()),
                indicative_target=numbers["indicative_target"],
                tolerance=numbers["tolerance"],
                band_low=low,
                band_high=high,
                source=" ".join(raw["source"].split()),
                caveat=" ".join(raw["caveat"].split()),
                comparable=bool(comparable),
                options=tuple(sorted(options.items())),
            )
        )
    if problems:
        raise ConfigError(str(source), problems)
    return tuple(entries)


def _fit_benchmarks(options: KpiOptions) -> tuple[BenchmarkEntry, ...]:
    """The catalogue, with entries assuming other KPI options than ``options`` made not comparable."""
    fitted = []
    for entry in load_benchmarks():
        differ = [(name, value) for name, value in entry.options
                  if name in options.values and options.values[name] != value]
        if differ and entry.comparable:
            words = ", ".join(f"{n} = {options.values[n]} (the figure assumes {v})" for n, v in differ)
            entry = dataclasses.replace(
                entry, comparable=False, caveat=f"{entry.caveat} Not comparable here: the review uses {words}."
            )
        fitted.append(entry)
    return tuple(fitted)


def _parse_source(value: Any, key: str, problems: list[str]) -> str | None:
    if value is None:
        problems.append(f"{key}: required, one of {', '.join(SOURCES)}")
        return None
    lowered = {s.lower(): s for s in SOURCES}
    text = " ".join(str(value).split()).lower()
    if text in lowered:
        return lowered[text]
    close = difflib.get_close_matches(text, list(lowered), n=1)
    hint = f" (did you mean '{lowered[close[0]]}'?)" if close else f" (one of {', '.join(SOURCES)})"
    problems.append(f"{key}: '{value}' is not a known source{hint}")
    return None


def _parse_segment(value: Any, key: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    if value is None or (isinstance(value, str) and value.strip().lower() in _WHOLE_WORDS):
        return ()
    if not isinstance(value, Mapping):
        problems.append(f"{key}: a mapping such as {{queue: Billing}}, or 'all' for the whole population")
        return ()
    pairs = []
    for dim, level in value.items():
        if dim not in SEGMENT_DIMENSIONS:
            problems.append(
                f"{key}.{dim}: not a segment dimension ({', '.join(SEGMENT_DIMENSIONS)})"
                f"{_suggest(dim, SEGMENT_DIMENSIONS)}"
            )
        elif level is None or isinstance(level, bool | list | tuple | Mapping) or not str(level).strip():
            problems.append(f"{key}.{dim}: give one value (write one target per value)")
        else:
            pairs.append((str(dim), str(level).strip()))
    return _canonical_segment(pairs)


def _parse_tolerance(
    value: Any, target: float | None, unit: str | None, key: str, problems: list[str]
) -> tuple[float | None, str | None]:
    """The tolerance as an absolute number in the KPI's unit, and as written."""
    if value is None:
        return None, None
    spec = str(value).strip() if isinstance(value, str) else str(value) if _is_number(value) else None
    absolute: float | None = None
    if _is_number(value):
        absolute = float(value)
    elif isinstance(value, str) and spec.endswith("%"):
        try:
            relative = float(spec[:-1]) / 100.0
        except ValueError:
            relative = None
        if relative is None or not math.isfinite(relative) or relative < 0:
            problems.append(f"{key}: '{value}' is not a percentage >= 0 such as \"5%\"")
            return None, spec
        if target is None:
            return None, spec  # the target's own problem is reported
        if target == 0 and relative > 0:
            problems.append(f"{key}: a relative tolerance of a target of 0 is 0; give an absolute tolerance")
            return None, spec
        absolute = relative * abs(target)
    elif isinstance(value, str):
        try:
            absolute = float(spec)
        except ValueError:
            absolute = None
        if absolute is None or not math.isfinite(absolute):
            problems.append(f"{key}: '{value}' is neither a number nor a percentage such as \"5%\"")
            return None, spec
    else:
        problems.append(f"{key}: give a number in the KPI's unit or a percentage such as \"5%\"")
        return None, None
    if absolute < 0:
        problems.append(f"{key}: must not be negative, got {spec}")
        return None, spec
    if unit is not None:
        low, high, words = UNIT_RANGES.get(unit, UNIT_RANGES["number"])
        if math.isfinite(high - low) and absolute > high - low:
            hint = ""
            if unit == "proportion":
                hint = (f"; for {spec} percentage points write {_fmt(absolute / 100)}, for {spec} % "
                        f"of the target write \"{spec}%\"")
            problems.append(f"{key}: {_fmt(absolute)} is wider than the whole scale ({words}){hint}")
            return None, spec
    return absolute, spec


def _parse_target(
    raw: Any, key: str, problems: list[str], *, definitions: Mapping[str, KpiDefinition]
) -> Target | None:
    """Validate one target; append every problem (with its key) to ``problems``."""
    if not isinstance(raw, Mapping):
        problems.append(f"{key}: a target is a mapping with kpi, target, source, owner, ...")
        return None
    before = len(problems)
    problems += [f"{key}.{k}: unknown key{_suggest(k, _TARGET_KEYS)}" for k in raw if k not in _TARGET_KEYS]
    kpi = raw.get("kpi")
    definition = definitions.get(kpi) if isinstance(kpi, str) else None
    if kpi is None:
        problems.append(f"{key}.kpi: required, a KPI id such as csat_mean")
    elif definition is None:
        problems.append(f"{key}.kpi: '{kpi}' is not a KPI{_suggest(kpi, definitions)}")
    elif definition.direction not in DIRECTIONS:
        problems.append(
            f"{key}.kpi: {kpi} is '{definition.direction}' in the KPI catalogue (neither higher "
            "nor lower is better), so a target on it cannot be judged"
        )
    unit = definition.unit if definition is not None else None
    words = UNIT_RANGES.get(unit, UNIT_RANGES["number"])[2] if unit else "the KPI's unit"
    value = raw.get("target")
    target: float | None = None
    if value is None:
        problems.append(f"{key}.target: required, a number in the KPI's unit ({words})")
    elif not _is_number(value):
        problems.append(f"{key}.target: '{value}' is not a number ({words})")
    else:
        target = float(value)
        if unit is not None and (why := _range_problem(target, unit, "target")):
            problems.append(f"{key}.target: {why}")
    tolerance, spec = _parse_tolerance(raw.get("tolerance"), target, unit, f"{key}.tolerance", problems)
    segment = _parse_segment(raw.get("segment"), f"{key}.segment", problems)
    source = _parse_source(raw.get("source"), f"{key}.source", problems)
    baseline = raw.get("baseline")
    if baseline is not None:
        if not _is_number(baseline):
            problems.append(f"{key}.baseline: '{baseline}' is not a number ({words})")
            baseline = None
        else:
            baseline = float(baseline)
            if unit is not None and (why := _range_problem(baseline, unit, "baseline")):
                problems.append(f"{key}.baseline: {why}")
    deadline = _parse_date(raw.get("deadline"), f"{key}.deadline", problems)
    review_date = _parse_date(raw.get("review_date"), f"{key}.review_date", problems)
    owner = _optional_text(raw, "owner", key, problems)
    rationale = _optional_text(raw, "rationale", key, problems)
    caveat = _optional_text(raw, "caveat", key, problems)
    if len(problems) > before or definition is None or target is None or source is None:
        return None
    return Target(
        kpi=str(kpi), target=target, tolerance=tolerance, tolerance_spec=spec, segment=segment,
        direction=definition.direction, source=source, owner=owner, baseline=baseline,
        deadline=deadline, review_date=review_date, rationale=rationale,
        origin="targets file", caveat=caveat,
    )


def _parse_rule(raw: Any, key: str, problems: list[str]) -> RegulatoryRule | None:
    """Validate one regulatory rule; append every problem (with its key) to ``problems``."""
    if not isinstance(raw, Mapping):
        problems.append(f"{key}: a rule is a mapping with id, table, start, end, within_days, ...")
        return None
    before = len(problems)
    problems += [f"{key}.{k}: unknown key{_suggest(k, _RULE_KEYS)}" for k in raw if k not in _RULE_KEYS]
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        problems.append(f"{key}.id: required, lower-case letters, digits and _ (e.g. complaints_resolved_in_time)")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{key}.source: required text, e.g. 'FCA DISP 1.6.2R'")
    description = _optional_text(raw, "description", key, problems)
    caveat = _optional_text(raw, "caveat", key, problems)
    table = raw.get("table")
    datetimes: list[str] = []
    if table is None:
        problems.append(f"{key}.table: required, one of {', '.join(CANONICAL_TABLES)}")
    elif table not in CANONICAL_TABLES:
        problems.append(f"{key}.table: '{table}' is not a canonical table{_suggest(table, CANONICAL_TABLES)}")
        table = None
    else:
        datetimes = [c for c, kind in CANONICAL_TABLES[table].columns.items() if kind == "datetime"]

    def column(value: Any, where: str) -> str | None:
        if not isinstance(value, str) or not value:
            problems.append(f"{where}: required, a timestamp column of the table")
            return None
        if table is None:
            return value
        columns = CANONICAL_TABLES[table].columns
        if value not in columns:
            problems.append(f"{where}: '{value}' is not a column of {table}{_suggest(value, columns)}")
            return None
        if columns[value] != "datetime":
            problems.append(
                f"{where}: '{value}' is a {columns[value]} column of {table}, not a timestamp "
                f"({', '.join(datetimes) or 'it has none'})"
            )
            return None
        return value

    start = column(raw.get("start"), f"{key}.start")
    end_raw = raw.get("end")
    ends: list[str | None] = []
    if isinstance(end_raw, list) and end_raw:
        ends = [column(v, f"{key}.end[{i}]") for i, v in enumerate(end_raw)]
    elif isinstance(end_raw, list):
        problems.append(f"{key}.end: give a timestamp column or a non-empty list of them")
    else:
        ends = [column(end_raw, f"{key}.end")]
    if start is not None and start in ends:
        problems.append(f"{key}.end: '{start}' is also the start column")
    windows = [k for k in _WINDOW_KEYS if raw.get(k) is not None]
    within_s = None
    if len(windows) != 1:
        problems.append(
            f"{key}: give exactly one window: within_days, within_hours or within_s"
            + (f" (got {', '.join(windows)})" if windows else "")
        )
    else:
        value = raw[windows[0]]
        if not _is_number(value) or value <= 0:
            problems.append(f"{key}.{windows[0]}: must be a number greater than 0, got {value!r}")
        else:
            within_s = float(value) * _WINDOW_KEYS[windows[0]]
    required = raw.get("required_rate")
    if required is not None and not (_is_number(required) and 0 < required <= 1):
        problems.append(f"{key}.required_rate: a proportion in (0, 1] such as 0.95, or null")
    if len(problems) > before:
        return None
    return RegulatoryRule(
        id=rule_id, description=description or rule_id, source=" ".join(source.split()),
        table=table, start=start, end=tuple(ends), within_s=within_s,
        required_rate=None if required is None else float(required), caveat=caveat,
    )


def _regulatory(rules_raw: Any, *, prefix: str, complaints: ComplaintTargets | None,
                problems: list[str]) -> tuple[str | None, tuple[RegulatoryRule, ...]]:
    """The regulatory rules a document asks for: none when it names none (a jurisdiction's rules
    are never assumed), a built-in rule set by name (:data:`~csperf_lib.methods.targets.RULE_SETS`,
    built from the review's complaint deadlines), or its own list of rules."""
    if rules_raw is None:
        return None, ()
    if isinstance(rules_raw, str):
        if rules_raw not in RULE_SETS:
            problems.append(f"{prefix}regulatory: '{rules_raw}' is not a known rule set "
                            f"({', '.join(RULE_SETS)}){_suggest(rules_raw, RULE_SETS)}; or list the rules")
            return None, ()
        return rules_raw, tuple(RULE_SETS[rules_raw][1](complaints))
    if not isinstance(rules_raw, list):
        problems.append(f"{prefix}regulatory: a rule set's name ({', '.join(RULE_SETS)}) or a list of rules "
                        "([] for none)")
        return None, ()
    parsed_rules = []
    seen: dict[str, int] = {}
    for i, item in enumerate(rules_raw):
        key = f"{prefix}regulatory[{i}]"
        rule = _parse_rule(item, key, problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(f"{key}.id: '{rule.id}' is also regulatory[{seen[rule.id]}]")
            continue
        seen[rule.id] = i
        parsed_rules.append(rule)
    return None, tuple(parsed_rules)


def _parse_document(
    raw: Any,
    *,
    path: str,
    prefix: str,
    definitions: tuple[KpiDefinition, ...],
    options: KpiOptions,
    use_benchmarks: bool,
    source: str,
    complaints: ComplaintTargets | None = None,
) -> TargetSet:
    if raw is None:
        raw = {}
    if isinstance(raw, list):  # a bare list is the targets: list
        raw = {"targets": raw}
    if not isinstance(raw, Mapping):
        where = prefix.rstrip(".") or "the targets file"
        raise ConfigError(path, [f"{where}: must be a mapping with targets:, use_benchmarks:, regulatory:"])
    problems: list[str] = [
        f"{prefix}{k}: unknown key{_suggest(k, _DOCUMENT_KEYS)}" for k in raw if k not in _DOCUMENT_KEYS
    ]
    file_flag = raw.get("use_benchmarks", True)
    if not isinstance(file_flag, bool):
        problems.append(f"{prefix}use_benchmarks: must be true or false")
        file_flag = True
    by_id = {k.id: k for k in definitions}
    targets_raw = raw.get("targets")
    if targets_raw is None:
        targets_raw = []
    if not isinstance(targets_raw, list):
        problems.append(f"{prefix}targets: must be a list of targets (- kpi: ..., target: ...)")
        targets_raw = []
    targets: list[Target] = []
    first_index: dict[tuple, int] = {}
    for i, item in enumerate(targets_raw):
        key = f"{prefix}targets[{i}]"
        parsed = _parse_target(item, key, problems, definitions=by_id)
        if parsed is None:
            continue
        if parsed.key in first_index:
            problems.append(
                f"{key}: a second target for {parsed.label} (the first is "
                f"{prefix}targets[{first_index[parsed.key]}]); keep one"
            )
            continue
        first_index[parsed.key] = i
        targets.append(parsed)
    rule_set, rules = _regulatory(raw.get("regulatory"), prefix=prefix, complaints=complaints, problems=problems)
    if problems:
        raise ConfigError(path, problems)
    return TargetSet(
        targets=tuple(targets),
        benchmarks=_fit_benchmarks(options),
        regulatory=rules,
        source=source,
        use_benchmarks=bool(use_benchmarks and file_flag),
        kpis=tuple(definitions),
        rule_set=rule_set,
    )


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(str(path), [f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"]) from None
    except ValueError as exc:  # PyYAML builds dates while parsing: 2026-02-30 fails here, not in the schema
        raise ConfigError(str(path), [f"a date that does not exist ({exc}): write it as YYYY-MM-DD"]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["the targets file must be UTF-8 text"]) from None


def load_targets(
    source: str | Path | Mapping[str, Any] | Sequence[Any],
    *,
    base: str | Path | None = None,
    kpis: Iterable[KpiDefinition] | None = None,
    options: KpiOptions | Mapping[str, Any] | None = None,
    use_benchmarks: bool = True,
    complaints: ComplaintTargets | None = None,
) -> TargetSet:
    """Read and validate targets from a YAML file or a mapping (see the module docstring).

    Parameters
    ----------
    source : str, Path, mapping or list
        Path of a targets YAML, or its content already parsed (a mapping; a list is read as the
        ``targets:`` list).
    base : str or Path, optional, keyword-only
        Folder a relative path is resolved against (default: the working directory).
    kpis : iterable of KpiDefinition, optional, keyword-only
        KPIs targets may name (default: the built-in catalogue; pass
        ``kpi_definitions(config)`` to allow the config's custom KPIs).
    options : KpiOptions or mapping, optional, keyword-only
        The review's KPI options (its ``kpis:`` section); benchmark entries assuming other values
        (e.g. an 80/20 service level with a 30 s threshold) are made not comparable.
    use_benchmarks : bool, keyword-only
        False disables the indicative-benchmark fallback whatever the file says; True (default)
        leaves it to the file's ``use_benchmarks`` (default true).
    complaints : ComplaintTargets, optional, keyword-only
        The review's complaint deadlines (its ``complaints:`` section), which a named complaint
        rule set (``regulatory: uk_fca_disp``) checks; default 3 days and 8 weeks. A document
        that names no rule set and lists no rules has none.

    Returns
    -------
    TargetSet

    Raises
    ------
    ConfigError
        When the file is missing or not YAML, or listing every problem of its content at once,
        each with its key (``targets[2].tolerance``, ``regulatory[0].end``, ...).
    """
    definitions = tuple(kpis) if kpis is not None else kpi_definitions()
    resolved_options = kpi_options(options)
    if isinstance(source, str | Path):
        path = Path(os.path.expanduser(str(source)))
        if not path.is_absolute():
            path = (Path(base) if base is not None else Path.cwd()) / path
        path = path.resolve()
        if not path.is_file():
            raise ConfigError(str(path), ["the targets file does not exist"])
        return _parse_document(
            _read_yaml(path), path=str(path), prefix="", definitions=definitions,
            options=resolved_options, use_benchmarks=use_benchmarks, source=str(path),
            complaints=complaints,
        )
    if isinstance(source, Mapping | list | tuple):
        return _parse_document(
            list(source) if isinstance(source, tuple) else source, path="<targets>", prefix="",
            definitions=definitions, options=resolved_options, use_benchmarks=use_benchmarks,
            source="review config", complaints=complaints,
        )
    raise TypeError("source must be a path to a targets YAML or its parsed content (a mapping)")


def _as_written(section: Any) -> Any:
    """A typed targets section (file name, document or list) as the mapping its reader parses."""
    if isinstance(section, list):
        return [item.model_dump(exclude_unset=True) for item in section]
    if hasattr(section, "model_dump"):
        return section.model_dump(exclude_unset=True)
    return section


def targets_from_config(config: ReviewConfig | Mapping[str, Any] | None) -> TargetSet:
    """The targets of a review config (its ``targets:`` key).

    Parameters
    ----------
    config : ReviewConfig, mapping or None
        The review config (or its parsed YAML; None: no config). ``targets`` absent: no targets of the
        organisation's own (indicative benchmarks only, no regulatory rules); a
        string: a targets file, relative to the config's folder; a mapping: the targets inline.
        Custom KPIs of ``kpis.custom`` may be targeted; the ``kpis:`` options decide which
        benchmarks are comparable.

    Returns
    -------
    TargetSet

    Raises
    ------
    ConfigError
        Listing every problem at once (the config's ``kpis:`` section's problems first, if any).
    """
    if isinstance(config, ReviewConfig):
        path, folder = str(config.path), config.path.parent
    elif isinstance(config, Mapping) or config is None:
        path, folder = "<config>", Path.cwd()
    else:
        raise TypeError("config must be a ReviewConfig, the parsed review YAML (a mapping) or None")
    definitions = kpi_definitions(config)
    options = kpi_options(config)
    # the complaint deadlines are configured once, in complaints:; the default rules check them
    complaints = ComplaintTargets.from_config(section_settings(config, "complaints")[1])
    if isinstance(config, ReviewConfig) and config.settings is not None:
        # the typed section (checked at load against TargetsDocument); what a target means —
        # its KPI, segment, tolerance and the KPI's unit — is judged by this module's reader
        section = _as_written(config.settings.targets)
    else:
        section = (config or {}).get("targets")
    if isinstance(section, str | Path):
        file = Path(os.path.expanduser(str(section)))
        file = (file if file.is_absolute() else folder / file).resolve()
        if not file.is_file():
            raise ConfigError(path, [f"targets: the targets file {file} does not exist"])
        return load_targets(file, kpis=definitions, options=options, complaints=complaints)
    if section is not None and not isinstance(section, Mapping | list):
        raise ConfigError(path, ["targets: give a file name (targets: targets.yaml) or the targets "
                                 "inline as a mapping with targets:, use_benchmarks:, regulatory:"])
    return _parse_document(
        section, path=path, prefix="targets.", definitions=definitions, options=options,
        use_benchmarks=True, source="review config", complaints=complaints,
    )
