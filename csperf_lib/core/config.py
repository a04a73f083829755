"""The review config (``review.yaml``): what to review, where the data comes from, how to map it.

The file is plain YAML. Every problem in it is reported at once, each with the offending key, as
one :class:`~csperf_lib.core.errors.ConfigError`. Relative file paths are relative to the config file's
folder, so a config and its exports can be moved together.

Example
-------
.. code-block:: yaml

    organisation: Northwind Contact Centre      # shown on the report cover
    reviewer: Alex Reviewer                     # the candidate / quality reviewer
    period: {start: 2026-01-05, end: 2026-03-29}  # inclusive dates; optional
    store: {url: "duckdb:///data/processed/northwind.duckdb"}  # optional; see csperf_lib.ingest.store
    # or a database: {url: "postgres://csperf@warehouse/review", password_env: CSPERF_STORE_PASSWORD}
    validation: {min_usable_share: 0.9}         # stop the review below this share of usable rows
    tables:
      contacts:                                 # a canonical table (see csperf_lib.core.tables)
        source:
          file: exports/calls.csv               # CSV/TSV/TXT, XLSX/XLSM/XLS, or Parquet
          delimiter: ";"                        # optional: sniffed when absent
          encoding: utf-8                       # optional: utf-8 (with or without BOM), else cp1252
          skip_rows: 0                          # stray lines before the header
          # header_names: [id, started, agent]  # only for a file without a header line: its column names
          sheet: Calls                          # Excel only
          na_values: ["N/A", "-"]               # extra strings meaning "missing"
          decimal: "."                          # decimal separator of numbers
        columns:                                # canonical name: source column or a spec
          contact_id: Call Id
          agent_id: Agent
          queue: Topic
          channel: {value: phone}               # a constant
          arrived_at: {column: Date, format: "%d.%m.%Y", time_column: Time, time_format: day_fraction}
          wait_s: {column: Speed of answer in seconds, unit: seconds}
          talk_s: {column: AvgTalkDuration, format: clock12}
          answered: {column: "Answered (Y/N)", values: {"Y": true, "N": false}}
          abandoned: {column: "Answered (Y/N)", values: {"Y": false, "N": true}}
      surveys:
        skip_when_blank: [csat]                 # records with no rating are not survey responses
        source:
          sql:                                  # any SQLAlchemy URL; never put a password here
            url: postgresql+psycopg://csperf@db.internal:5432/cc
            password_env: CSPERF_DB_PASSWORD    # the password is read from this variable
            query: select * from survey_responses

Column specs
------------
A bare string names the source column. A mapping may have:

``column``
    The source column. ``value`` instead gives a constant for every row.
``values``
    Value mapping applied before conversion, e.g. ``{"Y": true, "N": false}``. Booleans also
    understand y/n, yes/no, true/false, t/f, 1/0 case-insensitively without a mapping.
``format``
    For timestamps a ``strftime`` format (``"%d/%m/%Y %H:%M"``), ``iso``, or ``excel_serial``.
    For durations ``seconds`` (number), ``minutes``, ``hours``, ``hh:mm:ss``, ``clock12``
    (a duration exported as a clock time such as ``"12:02:23 AM"`` meaning 2 min 23 s), or
    ``day_fraction`` (an Excel time as a fraction of a day). When absent it is inferred per value:
    numbers are read in ``unit``, ``h:mm:ss`` strings and Excel time cells as durations.
    For numbers ``percent``: a proportion 0-1 from ``"94.01%"``, ``"94,01 %"``, ``94.01`` or
    ``0.9401``. A value with a ``%`` sign is a percentage. Plain numbers are ambiguous (is ``1``
    1 % or 100 %?), so they are read per column (per chunk of a large source): when every plain
    number lies in [0, 1] they are proportions, otherwise they are all percentages. A comma is the
    decimal separator of a percentage unless the source's ``thousands`` is ``","``.
``unit``
    Unit of plain numbers for a duration: seconds (default), minutes, hours, days.
``average_of``
    For durations and numbers: the source value is a per-row *average* over the count held in
    another canonical column of the same table, and the canonical value is the *total*, average x
    count. ``wait_s_total: {column: "Answer Speed (AVG)", average_of: answered}`` turns an
    interval's average speed of answer into its total wait of answered calls, so period figures
    can be weighted by calls (see :mod:`csperf_lib.methods.intervals`). The count column must be mapped,
    be a number, and not itself use ``average_of``.
``dayfirst``
    For timestamps without ``format``: ``true`` reads ``01/02/2026`` as 1 February, ``false`` as
    2 January. When absent, the collect stage decides from the data (a first field above 12 means
    day-first, a second field above 12 month-first) and reports the choice and its evidence among
    the reading assumptions; when every value is ambiguous it reads month-first and says so.
``time_column`` / ``time_format``
    A separate time-of-day column added to the date: ``%H:%M:%S`` style, or ``day_fraction``.
``hash_of``
    For an identifier the export lacks (product reviews, feedback forms): a list of source columns
    whose values together identify a record, e.g. ``response_id: {hash_of: [date, rating, text]}``.
    The identifier is a SHA-1 digest of the values, so identical records get the same identifier
    and the validate stage quarantines the copies as duplicates instead of counting them twice.
    The columns stay available for other mappings.

Time zone
---------
Canonical timestamps are *naive local time of the contact centre*. Source values that carry a time
zone or UTC offset keep the clock they were written in (the offset is dropped) unless the config
names a ``timezone``, to which they are then converted before being made naive; they are never
silently converted to UTC. The collect stage records which happened for each column.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from csperf_lib.core.errors import ConfigError, UsageError
from csperf_lib.core.settings import (
    ColumnMapping,
    FileSource,
    ReviewSettings,
    SqlQuery,
    TableSettings,
    parse_settings,
    settings_problems,
)
from csperf_lib.core.tables import CANONICAL_TABLES, PRIMARY_TABLES, REQUIRED_TABLES, column_kind

#: Top-level keys a config may have, and the options of each part of a table, as the typed models
#: of :mod:`csperf_lib.core.settings` declare them (declared once there).
KNOWN_SECTIONS = frozenset(ReviewSettings.model_fields)
FILE_OPTIONS = frozenset(FileSource.model_fields)
TABLE_OPTIONS = frozenset(TableSettings.model_fields)
SQL_OPTIONS = frozenset(SqlQuery.model_fields)
COLUMN_OPTIONS = frozenset(ColumnMapping.model_fields)
FILE_FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
}
DURATION_FORMATS = frozenset({"seconds", "minutes", "hours", "hh:mm:ss", "clock12", "day_fraction"})
DURATION_UNITS = {"milliseconds": 0.001, "seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
NUMBER_FORMATS = frozenset({"percent"})


@dataclass(frozen=True)
class ColumnSpec:
    """How one canonical column is read from a source.

    Attributes
    ----------
    canonical : str
        Canonical column name (see :mod:`csperf_lib.core.tables`).
    column : str or None
        Source column, or None when ``value`` is a constant.
    value : object
        Constant used when ``column`` is None.
    values : dict
        Value mapping applied before conversion (source value -> canonical value).
    format, unit, dayfirst, time_column, time_format
        Parsing options; see the module docstring.
    dates_settle_each : bool
        Set by the collect stage (never in a config) when a column's ``nn/nn/yyyy`` dates disagree on
        the order of day and month: each date is read in the only order its fields allow, and a date
        whose fields allow both (``05/06/2026``) is unreadable, so its row is quarantined.
    hash_of : tuple of str
        For identifiers an export lacks: source columns whose values together identify a row.
    average_of : str or None
        Canonical count column this value is a per-row average over: the canonical value is
        value x count (a total).
    """

    canonical: str
    column: str | None = None
    value: Any = None
    values: Mapping[Any, Any] = field(default_factory=dict)
    format: str | None = None
    unit: str = "seconds"
    dayfirst: bool | None = None
    time_column: str | None = None
    time_format: str | None = None
    dates_settle_each: bool = False
    hash_of: tuple[str, ...] = ()
    average_of: str | None = None

    @property
    def source_columns(self) -> tuple[str, ...]:
        """Source columns this spec consumes (a hashed identifier consumes none: they stay usable)."""
        return tuple(c for c in (self.column, self.time_column) if c is not None)

    @property
    def referenced_columns(self) -> tuple[str, ...]:
        """Every source column this spec reads, consumed or not."""
        return (*self.source_columns, *self.hash_of)


@dataclass(frozen=True)
class SourceSpec:
    """Where one canonical table comes from.

    Attributes
    ----------
    table : str
        Canonical table name.
    kind : {"file", "sql"}
        File export or SQL query.
    path : Path or None
        Absolute path of the file (``kind == "file"``).
    format : {"csv", "excel", "parquet", "sql"}
        Reader to use.
    options : dict
        Reader options (delimiter, encoding, skip_rows, sheet, na_values, decimal, thousands).
    url, query, password_env : str or None
        SQL source (``kind == "sql"``); the password is read from ``password_env`` at run time.
    columns : tuple of ColumnSpec
        The mapping onto canonical columns.
    skip_when_blank : tuple of str
        Canonical columns that, when *all* blank in a source record, mean the record is not a row of
        this table (e.g. a call export feeding ``surveys``: calls without a rating are not survey
        responses). Such records are counted as ``rows_skipped`` in the manifest, never silently lost.
    """

    table: str
    kind: str
    columns: tuple[ColumnSpec, ...]
    path: Path | None = None
    format: str = "csv"
    options: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None
    query: str | None = None
    password_env: str | None = None
    skip_when_blank: tuple[str, ...] = ()

    @property
    def mapped_source_columns(self) -> frozenset[str]:
        """Source columns consumed by the mapping (the others are kept as extra columns)."""
        return frozenset(c for spec in self.columns for c in spec.source_columns)


@dataclass(frozen=True)
class ValidationSettings:
    """Thresholds of the validate stage.

    Attributes
    ----------
    min_usable_share : float
        Proportion 0-1 of a table's rows that must be usable, else the review stops.
    future_tolerance_s : float
        Seconds a timestamp may lie after the extraction time (clock skew) before it is "in the future".
    """

    min_usable_share: float = 0.9
    future_tolerance_s: float = 300.0


@dataclass(frozen=True)
class ReviewConfig:
    """A validated review config.

    Attributes
    ----------
    path : Path
        Absolute path of the YAML file.
    organisation, reviewer : str
        Names shown on reports.
    period_start, period_end : datetime.date or None
        Inclusive review period; None means "whatever the data covers".
    timezone : str or None
        Zone that timezone-aware source values are converted to before being made naive (None:
        each keeps the clock it was written in).
    store_url : str or None
        Processed store URL (None: the default DuckDB file under ``data/processed/``).
    store_password_env : str or None
        Environment variable holding the store's password, for a database store.
    validation : ValidationSettings
    tables : dict of str to SourceSpec
        The canonical tables supplied, keyed by table name.
    raw : dict
        The whole parsed YAML, as written.
    store_password_env : str or None
        Environment variable holding the store's password.
    settings : ReviewSettings
        Every section as typed models (:mod:`csperf_lib.core.settings`), validated at load: what
        stages read.
    """

    path: Path
    organisation: str
    reviewer: str
    period_start: dt.date | None
    period_end: dt.date | None
    timezone: str | None
    store_url: str | None
    validation: ValidationSettings
    tables: Mapping[str, SourceSpec]
    raw: Mapping[str, Any]
    store_password_env: str | None = None
    settings: ReviewSettings | None = None

    @property
    def period_label(self) -> str:
        """The review period as text, e.g. ``2026-01-05 to 2026-03-29``."""
        start = self.period_start.isoformat() if self.period_start else "start of data"
        end = self.period_end.isoformat() if self.period_end else "end of data"
        return f"{start} to {end}"


def _suggest(key: str, known: frozenset[str] | set[str]) -> str:
    close = difflib.get_close_matches(str(key), sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _as_date(value: Any, key: str, problems: list[str]) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{key}: '{value}' is not a date (use YYYY-MM-DD)")
        return None


def _column_spec(table: str, canonical: str, raw: Any, problems: list[str]) -> ColumnSpec | None:
    key = f"tables.{table}.columns.{canonical}"
    if isinstance(raw, str):
        return ColumnSpec(canonical=canonical, column=raw)
    if not isinstance(raw, Mapping):
        problems.append(f"{key}: give a source column name or a mapping with 'column'")
        return None
    for option in raw:
        if option not in COLUMN_OPTIONS:
            problems.append(f"{key}.{option}: unknown option{_suggest(option, COLUMN_OPTIONS)}")
    if sum(option in raw for option in ("column", "value", "hash_of")) != 1:
        problems.append(f"{key}: give exactly one of 'column', 'value' or 'hash_of'")
        return None
    hash_of = raw.get("hash_of") or ()
    if isinstance(hash_of, str) or not all(isinstance(c, str) for c in hash_of):
        problems.append(f"{key}.hash_of: must be a list of source column names")
        hash_of = ()
    if hash_of and column_kind(table, canonical) != "id":
        problems.append(f"{key}.hash_of: only identifiers can be built from other columns")
    values = raw.get("values") or {}
    if not isinstance(values, Mapping):
        problems.append(f"{key}.values: must be a mapping of source value to canonical value")
        values = {}
    kind = column_kind(table, canonical)
    fmt = raw.get("format")
    if fmt is not None and kind == "duration" and fmt not in DURATION_FORMATS:
        problems.append(
            f"{key}.format: '{fmt}' is not a duration format ({', '.join(sorted(DURATION_FORMATS))})"
        )
    if fmt is not None and kind == "number" and fmt not in NUMBER_FORMATS:
        problems.append(f"{key}.format: '{fmt}' is not a number format ({', '.join(sorted(NUMBER_FORMATS))})")
    if fmt is not None and kind not in ("duration", "datetime", "number"):
        problems.append(f"{key}.format: only timestamps, durations and numbers (percent) take a format")
    average_of = raw.get("average_of")
    if average_of is not None and (not isinstance(average_of, str) or not average_of):
        problems.append(f"{key}.average_of: give the canonical count column the value is an average over")
        average_of = None
    elif average_of is not None and kind not in ("duration", "number"):
        problems.append(f"{key}.average_of: only durations and numbers can be averages over a count")
        average_of = None
    unit = raw.get("unit", "seconds")
    if unit not in DURATION_UNITS:
        problems.append(f"{key}.unit: '{unit}' is not one of {', '.join(DURATION_UNITS)}")
    if raw.get("time_column") is not None and kind != "datetime":
        problems.append(f"{key}.time_column: only timestamps take a separate time column")
    return ColumnSpec(
        canonical=canonical,
        column=None if raw.get("column") is None else str(raw["column"]),
        value=raw.get("value"),
        values=dict(values),
        format=None if fmt is None else str(fmt),
        unit=str(unit),
        dayfirst=None if raw.get("dayfirst") is None else bool(raw["dayfirst"]),
        time_column=None if raw.get("time_column") is None else str(raw["time_column"]),
        time_format=None if raw.get("time_format") is None else str(raw["time_format"]),
        hash_of=tuple(hash_of),
        average_of=average_of,
    )


def _check_averages(columns: list[ColumnSpec], *, key: str, table: str, problems: list[str]) -> None:
    """Every ``average_of`` names a mapped, plain count column of the same table."""
    known_columns = CANONICAL_TABLES[table].columns
    by_name = {c.canonical: c for c in columns}
    for spec in columns:
        if spec.average_of is None:
            continue
        where = f"{key}.columns.{spec.canonical}.average_of"
        count = by_name.get(spec.average_of)
        if spec.average_of not in known_columns:
            problems.append(
                f"{where}: '{spec.average_of}' is not a canonical column of {table}"
                f"{_suggest(spec.average_of, set(known_columns))}"
            )
        elif count is None:
            problems.append(f"{where}: '{spec.average_of}' is not mapped (map the count the average is over)")
        elif known_columns[spec.average_of] != "number":
            problems.append(f"{where}: '{spec.average_of}' is not a count (number) column")
        elif count.average_of is not None:
            problems.append(f"{where}: '{spec.average_of}' is itself an average; give a plain count")


def local_database_url(url: str, base: Path) -> tuple[str, Path | None]:
    """A SQLite or DuckDB URL whose file path is relative, made absolute against ``base`` (the
    config's folder, like every other path in a config); with the file it names (None for other
    databases and in-memory ones).

    ``sqlite:///x.db`` (three slashes) is relative and ``sqlite:////srv/x.db`` absolute
    (SQLAlchemy's convention); ``duckdb://x.duckdb`` is relative and ``duckdb:///srv/x.duckdb``
    absolute (Ibis').
    """
    for scheme in ("sqlite:///", "duckdb://"):
        if url.startswith(scheme):
            path_text, sep, query = url[len(scheme):].partition("?")
            if not path_text or path_text == ":memory:":
                return url, None
            path = Path(os.path.expanduser(path_text))
            if not path.is_absolute():
                path = (base / path).resolve()
            return f"{scheme}{path}{sep}{query}", path
    return url, None


def _sql_source(table: str, sql: Any, columns: list[ColumnSpec], *, key: str, skip_when_blank: list[str],
                problems: list[str], base: Path, check_files: bool) -> SourceSpec | None:
    """A ``source.sql`` block: url and query required, no password in the URL."""
    if not isinstance(sql, Mapping):
        problems.append(f"{key}.source.sql: must be a mapping with url, query, password_env")
        return None
    for option in sql:
        if option not in SQL_OPTIONS:
            problems.append(f"{key}.source.sql.{option}: unknown option{_suggest(option, SQL_OPTIONS)}")
    for needed in ("url", "query"):
        if not sql.get(needed):
            problems.append(f"{key}.source.sql.{needed}: required")
    url, database = local_database_url(str(sql.get("url", "")), base)
    if check_files and database is not None and not database.is_file():
        # SQLite would create an empty database there and then find no table in it
        problems.append(f"{key}.source.sql.url: the database file {database} does not exist")
    if url_has_password(url):
        problems.append(
            f"{key}.source.sql.url: contains a password; remove it and name an environment "
            "variable in password_env instead"
        )
    return SourceSpec(
        table=table,
        kind="sql",
        columns=tuple(columns),
        format="sql",
        url=url,
        query=str(sql.get("query", "")),
        password_env=sql.get("password_env"),
        skip_when_blank=tuple(skip_when_blank),
    )


def _source_spec(
    table: str, raw: Any, base: Path, problems: list[str], *, check_files: bool
) -> SourceSpec | None:
    key = f"tables.{table}"
    if not isinstance(raw, Mapping):
        problems.append(f"{key}: must be a mapping with 'source' and 'columns'")
        return None
    for option in raw:
        if option not in TABLE_OPTIONS:
            problems.append(f"{key}.{option}: unknown key{_suggest(option, TABLE_OPTIONS)}")
    source = raw.get("source")
    columns_raw = raw.get("columns")
    if not isinstance(columns_raw, Mapping) or not columns_raw:
        problems.append(f"{key}.columns: a mapping of canonical column to source column is required")
        columns_raw = {}
    known_columns = CANONICAL_TABLES[table].columns
    columns = []
    for canonical, spec in columns_raw.items():
        if canonical not in known_columns:
            problems.append(
                f"{key}.columns.{canonical}: not a canonical column of {table}"
                f"{_suggest(canonical, set(known_columns))}"
            )
            continue
        parsed = _column_spec(table, canonical, spec, problems)
        if parsed is not None:
            columns.append(parsed)
    mapped = {c.canonical for c in columns}
    skip_when_blank = raw.get("skip_when_blank") or []
    if isinstance(skip_when_blank, str):
        skip_when_blank = [skip_when_blank]
    for name in skip_when_blank:
        if name not in mapped:
            problems.append(f"{key}.skip_when_blank: '{name}' is not a mapped canonical column")
    _check_averages(columns, key=key, table=table, problems=problems)
    for required in CANONICAL_TABLES[table].required_columns:
        if required not in mapped and columns_raw:
            problems.append(f"{key}.columns.{required}: required column is not mapped")

    if not isinstance(source, Mapping):
        problems.append(f"{key}.source: give 'file: PATH' or 'sql: {{url, query, password_env}}'")
        return None
    if "sql" in source:
        return _sql_source(table, source["sql"], columns, key=key, skip_when_blank=skip_when_blank, problems=problems,
                           base=base, check_files=check_files)
    for option in source:
        if option not in FILE_OPTIONS:
            problems.append(f"{key}.source.{option}: unknown option{_suggest(option, FILE_OPTIONS | {'sql'})}")
    if not source.get("file"):
        problems.append(f"{key}.source.file: required (or give 'sql')")
        return None
    path = Path(os.path.expanduser(str(source["file"])))
    if not path.is_absolute():
        path = (base / path).resolve()
    fmt = source.get("format") or FILE_FORMATS.get(path.suffix.lower())
    if fmt not in {"csv", "excel", "parquet"}:
        problems.append(
            f"{key}.source.format: cannot tell the format of '{path.name}'; set format to csv, excel or parquet"
        )
        fmt = "csv"
    if check_files and path.is_dir():
        problems.append(f"{key}.source.file: {path} is a folder, not a file: name the export in it")
    elif check_files and not path.is_file():
        problems.append(f"{key}.source.file: {path} does not exist")
    options = {k: v for k, v in source.items() if k not in {"file", "format"}}
    if "skip_rows" in options and not (isinstance(options["skip_rows"], int) and options["skip_rows"] >= 0):
        problems.append(f"{key}.source.skip_rows: must be a whole number >= 0")
    names = options.get("header_names")
    if names is not None and (not isinstance(names, list) or not names or len({str(n).strip() for n in names}) != len(names)
                              or any(not str(n).strip() for n in names)):
        problems.append(f"{key}.source.header_names: must be a list of distinct, non-empty column names")
    return SourceSpec(
        table=table,
        kind="file",
        columns=tuple(columns),
        path=path,
        format=fmt,
        options=options,
        skip_when_blank=tuple(skip_when_blank),
    )


#: Files other sections may name (relative to the config's folder): key path -> what it is.
NAMED_FILES = {("targets",): "the targets file", ("text", "codebook"): "the codebook file",
               ("sampling", "filled_worksheet"): "the filled worksheet"}


def _named_file_problems(raw: Mapping[str, Any], base: Path) -> list[str]:
    """A file another section names must exist (a targets file, a codebook, a filled worksheet)."""
    problems = []
    for keys, what in NAMED_FILES.items():
        value: Any = raw
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, str) and value.strip():
            file = Path(os.path.expanduser(value))
            file = file if file.is_absolute() else base / file
            if not file.is_file():
                problems.append(f"{'.'.join(keys)}: {what} {file.resolve()} does not exist")
    return problems


def url_has_password(url: str) -> bool:
    """Whether a database URL carries a password, in its user info or its query string
    (``?password=``); an unparsable URL has none (it is reported when it is opened)."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password:
            return True
        query = urllib.parse.parse_qs(parts.query)
    except ValueError:
        return False
    return any(key.lower() in {"password", "pwd", "passwd"} for key in query)


def check_store_argument(url: str | None) -> None:
    """Refuse a store URL given on the command line (``--store``) that carries a password: it would
    be passed to every stage notebook and kept in the executed notebooks.

    Raises
    ------
    UsageError
        One line naming ``--store``.
    """
    if url is not None and url_has_password(url):
        raise UsageError("--store: the store URL contains a password; remove it (passwords are read from "
                         "environment variables, never passed to the notebooks)")


def parse_config(raw: Any, *, path: str | Path = "<config>", check_files: bool = True) -> ReviewConfig:
    """Validate a parsed YAML document and return a :class:`ReviewConfig`.

    Parameters
    ----------
    raw : dict
        The parsed YAML.
    path : str or Path
        Where it came from; relative source paths are resolved against its folder.
    check_files : bool, keyword-only
        Whether missing source files are problems (True when about to run a review).

    Raises
    ------
    ConfigError
        Listing every problem found, each with its key.
    """
    path = Path(path).resolve() if str(path) != "<config>" else Path.cwd() / "<config>"
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        raise ConfigError(str(path), ["the file must be a YAML mapping (key: value lines)"])
    # every section but the ones read in detail below, against the typed models (unknown sections too)
    problems += settings_problems(raw)
    if check_files:
        problems += _named_file_problems(raw, path.parent)

    for key in ("organisation", "reviewer"):
        if key in raw and not isinstance(raw[key], str):
            shown = "a list" if isinstance(raw[key], list) else "a mapping" if isinstance(raw[key], Mapping) else repr(raw[key])
            problems.append(f"{key}: must be a name written as text, not {shown} (put it in quotes if it is a number)")
    period = raw.get("period") or {}
    if not isinstance(period, Mapping):
        problems.append("period: must be a mapping with start and end")
        period = {}
    start = _as_date(period.get("start"), "period.start", problems)
    end = _as_date(period.get("end"), "period.end", problems)
    if start and end and end < start:
        problems.append(f"period: end {end} is before start {start}")

    store = raw.get("store") or {}
    if not isinstance(store, Mapping):
        problems.append("store: must be a mapping with url")
        store = {}
    for option in store:
        if option not in {"url", "password_env"}:
            problems.append(f"store.{option}: unknown option{_suggest(option, {'url', 'password_env'})}")
    if store.get("url") and url_has_password(str(store["url"])):
        problems.append("store.url: contains a password; name an environment variable in store.password_env instead")
    validation_raw = raw.get("validation") or {}
    share = validation_raw.get("min_usable_share", 0.9) if isinstance(validation_raw, Mapping) else 0.9
    if not isinstance(share, int | float) or not 0 <= share <= 1:
        problems.append("validation.min_usable_share: must be a proportion between 0 and 1")
        share = 0.9
    tolerance = validation_raw.get("future_tolerance_s", 300.0) if isinstance(validation_raw, Mapping) else 300.0

    tables_raw = raw.get("tables")
    tables: dict[str, SourceSpec] = {}
    if not isinstance(tables_raw, Mapping) or not tables_raw:
        problems.append(
            "tables: required; map at least one of " + ", ".join(PRIMARY_TABLES) + " to its source"
        )
        tables_raw = {}
    for table, spec in tables_raw.items():
        if table not in CANONICAL_TABLES:
            problems.append(f"tables.{table}: not a canonical table{_suggest(table, set(CANONICAL_TABLES))}")
            continue
        parsed = _source_spec(table, spec, path.parent, problems, check_files=check_files)
        if parsed is not None:
            tables[table] = parsed
    for required in REQUIRED_TABLES:
        if tables_raw and required not in tables_raw:
            problems.append(f"tables.{required}: required table is missing")
    if tables_raw and not any(t in tables_raw for t in PRIMARY_TABLES):
        problems.append(
            "tables: a review needs at least one of " + ", ".join(PRIMARY_TABLES)
            + " (QA evaluations alone do not describe the service)"
        )

    if problems:
        raise ConfigError(str(path), problems)
    try:
        settings = parse_settings(raw)
    except ValidationError as err:  # a shape the detailed reader let through: still one clear list
        raise ConfigError(str(path), [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()]) from None
    return ReviewConfig(
        path=path,
        organisation=str(raw.get("organisation", "Unnamed organisation")),
        reviewer=str(raw.get("reviewer", "Unnamed reviewer")),
        period_start=start,
        period_end=end,
        timezone=str(raw["timezone"]) if raw.get("timezone") else None,
        store_url=local_database_url(str(store["url"]), path.parent)[0] if store.get("url") else None,
        store_password_env=store.get("password_env"),
        validation=ValidationSettings(min_usable_share=float(share), future_tolerance_s=float(tolerance)),
        tables=tables,
        raw=dict(raw),
        settings=settings,
    )


def load_config(path: str | Path, *, check_files: bool = True) -> ReviewConfig:
    """Read and validate a ``review.yaml``.

    Raises
    ------
    ConfigError
        When the file is missing, is not YAML, or has any problem (all listed at once).
    """
    path = Path(path)
    if path.is_dir():
        inside = "; it holds " + ", ".join(sorted(p.name for p in path.glob("*.y*ml"))[:5]) if any(path.glob("*.y*ml")) else ""
        raise ConfigError(str(path), [f"is a folder, not a config file: name the review.yaml in it{inside}"])
    if not path.is_file():
        raise ConfigError(str(path), ["the config file does not exist"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(str(path), [f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"]) from None
    except ValueError as exc:  # PyYAML builds dates while parsing: 2026-02-30 fails here, not in the schema
        raise ConfigError(str(path), [f"a date that does not exist ({exc}): write it as YYYY-MM-DD"]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["the config must be UTF-8 text"]) from None
    return parse_config(raw, path=path, check_files=check_files)
