"""Map raw source chunks onto canonical columns, converting values and recording parse problems.

Each converter is vectorised over a chunk and returns the converted values plus a boolean mask of
values that were present in the source but could not be read. A row with such a value is never
dropped here: it keeps a null in that column and a reason in ``_issues``, and the validate stage
quarantines it, so rows in = usable + quarantined always holds.

Hand-written because no library converts the duration spellings contact-centre exports use
("0:02:23", "12:02:23 AM" meaning 2 min 23 s, Excel day fractions and time cells) together with
row-level reasons; dates and numbers are delegated to pandas' vectorised parsers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.config import DURATION_UNITS, ColumnSpec, SourceSpec
from csperf_lib.core.errors import SourceError
from csperf_lib.core.tables import CANONICAL_TABLES, KIND_DTYPES
from csperf_lib.methods.privacy import redact_series

ROW_COLUMN = "_row"
ISSUES_COLUMN = "_issues"
TRUE_WORDS = frozenset({"y", "yes", "true", "t", "1", "1.0"})
FALSE_WORDS = frozenset({"n", "no", "false", "f", "0", "0.0"})
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_HMS = re.compile(r"^\s*(-)?(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$")
_CLOCK12 = re.compile(r"^\s*(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)\s*([AaPp][Mm])\s*$")


def _is_instance(series: pd.Series, types: tuple[type, ...]) -> pd.Series:
    """Which values are native objects of ``types`` (only object columns can hold any)."""
    if series.dtype != object:
        return pd.Series(False, index=series.index)
    return series.map(lambda v: isinstance(v, types)).astype(bool)


def _present(series: pd.Series) -> pd.Series:
    """Values the source actually gave (not null, not blank)."""
    mask = series.notna()
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        mask &= series.astype("string").str.strip().ne("").fillna(False).astype(bool)
    return mask


def _as_str(series: pd.Series) -> pd.Series:
    """Text of each value; whole floats from spreadsheets lose their '.0' (IDs like 1001.0)."""
    if pd.api.types.is_float_dtype(series.dtype):
        whole = series.notna() & (series == np.floor(series))
        text = series.astype("string")
        text[whole] = series[whole].astype("int64").astype("string")
        return text
    if series.dtype == object:
        series = series.map(
            lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else v, na_action="ignore"
        )
    return series.astype("string").str.strip().replace("", pd.NA)


def apply_values(series: pd.Series, values: Mapping[Any, Any]) -> pd.Series:
    """Replace source values by the config's value mapping (keys compared as stripped text)."""
    if not values:
        return series
    lookup = {str(k).strip(): v for k, v in values.items()}
    text = _as_str(series)
    mapped = text.map(lambda v: lookup.get(v, v), na_action="ignore")
    return mapped.astype(object).where(text.notna(), None)


def _with_values(series: pd.Series, *, values: Mapping[Any, Any]) -> tuple[pd.Series, pd.Series]:
    return apply_values(series, values), pd.Series(False, index=series.index)


def to_text(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Identifiers, categories and free text: stripped strings, blank as null."""
    return _as_str(series), pd.Series(False, index=series.index)


def to_bool(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Y/N, yes/no, true/false, t/f, 1/0 (any case) and native booleans."""
    text = _as_str(series).str.lower()
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[text.isin(TRUE_WORDS).fillna(False).astype(bool)] = True
    out[text.isin(FALSE_WORDS).fillna(False).astype(bool)] = False
    native = _is_instance(series, (bool, np.bool_))
    if native.any():
        out[native] = series[native].astype(bool)
    bad = _present(series) & out.isna()
    return out, bad


def to_number(
    series: pd.Series, *, decimal: str = ".", thousands: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """Plain numbers; a trailing '%' is allowed and kept as the number shown (94.01% -> 94.01)."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.astype("float64")
        return values, pd.Series(False, index=series.index)
    text = _as_str(series)
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    text = text.str.rstrip("%").str.strip()
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = _present(series) & values.isna()
    return values, bad


_PERCENT_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def to_percent(
    series: pd.Series, *, decimal: str = ".", thousands: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """Percentages and proportions as a proportion 0-1 (``format: percent``).

    Accepts ``"94.01%"``, ``"94,01 %"`` (a comma is the decimal separator unless ``thousands`` is
    ``","``; spaces, including non-breaking ones, are ignored), Excel percent cells (stored as
    0.9401), ``0.9401`` and ``94.01``. A value with a ``%`` sign is always a percentage. Plain
    numbers are ambiguous (``1`` could be 1 % or 100 %), so the whole series decides: when every
    plain number lies in [0, 1] they are proportions, otherwise all of them are percentages. A
    series of 0s and 1s is therefore read as 0 % and 100 %. Values outside 0-1 after conversion
    are kept (the schema quarantines them) rather than guessed at.
    """
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.astype("float64")
        plain = values
        signed = pd.Series(False, index=series.index)
    else:
        text = _as_str(series)
        text = text.str.replace(_PERCENT_SPACES, "", regex=True)
        signed = text.str.endswith("%").fillna(False).astype(bool)
        text = text.str.rstrip("%")
        if thousands:
            text = text.str.replace(thousands, "", regex=False)
        if decimal != ".":
            text = text.str.replace(decimal, ".", regex=False)
        elif thousands != ",":  # "94,01 %": a comma in a percentage is a decimal comma
            text = text.str.replace(",", ".", regex=False)
        values = pd.to_numeric(text, errors="coerce").astype("float64")
        plain = values[~signed]
    plain = plain.dropna()
    plain_are_percent = bool(len(plain)) and bool(((plain < 0) | (plain > 1)).any())
    scale = signed | plain_are_percent
    out = values.where(~scale, values / 100.0)
    bad = _present(series) & out.isna()
    return out.astype("float64"), bad


def _time_of_day_seconds(value: Any) -> float:
    if isinstance(value, dt.datetime):
        value = value.time()
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    if isinstance(value, dt.timedelta | pd.Timedelta):
        return value.total_seconds()
    return np.nan


def _parse_hms(text: pd.Series) -> pd.Series:
    parts = text.str.extract(_HMS)
    hours = pd.to_numeric(parts[1], errors="coerce").fillna(0)
    minutes = pd.to_numeric(parts[2], errors="coerce")
    seconds = pd.to_numeric(parts[3], errors="coerce")
    # With an hours part, minutes and seconds must be clock-like (00-59); "25:61:00" is rejected.
    valid = minutes.notna() & seconds.notna() & (seconds < 60) & ((parts[1].isna()) | (minutes < 60))
    sign = np.where(parts[0].eq("-").fillna(False), -1.0, 1.0)
    total = sign * (hours * 3600 + minutes * 60 + seconds)
    return total.where(valid).astype("float64")


def _parse_clock12(text: pd.Series) -> pd.Series:
    parts = text.str.extract(_CLOCK12)
    hours = pd.to_numeric(parts[0], errors="coerce")
    minutes = pd.to_numeric(parts[1], errors="coerce")
    seconds = pd.to_numeric(parts[2], errors="coerce")
    pm = parts[3].str.lower().eq("pm").fillna(False)
    valid = hours.between(1, 12) & (minutes < 60) & (seconds < 60)
    hours24 = (hours % 12) + np.where(pm, 12, 0)
    return (hours24 * 3600 + minutes * 60 + seconds).where(valid).astype("float64")


def to_duration(
    series: pd.Series, *, fmt: str | None = None, unit: str = "seconds", decimal: str = ".", thousands: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """Durations in float seconds.

    Numbers are read in ``unit`` (or the unit ``fmt`` names); ``h:mm:ss``/``mm:ss`` strings, Excel
    time cells and timedeltas are read as durations; ``clock12`` reads "12:02:23 AM" as 2 min 23 s;
    ``day_fraction`` reads 0.5 as 12 hours.
    """
    if pd.api.types.is_timedelta64_dtype(series.dtype):  # Parquet/SQL durations
        return series.dt.total_seconds().astype("float64"), pd.Series(False, index=series.index)
    present = _present(series)
    out = pd.Series(np.nan, index=series.index, dtype="float64")
    # NaT is an instance of datetime: a missing value must not be taken for a native cell.
    native = present & _is_instance(series, (dt.time, dt.datetime, dt.timedelta, pd.Timedelta))
    if native.any():
        out[native] = series[native].map(_time_of_day_seconds).astype("float64")
    rest = present & ~native
    if rest.any():
        factor = DURATION_UNITS.get(fmt or unit, DURATION_UNITS[unit])
        if fmt == "day_fraction":
            factor = 86400.0
        numbers, _ = to_number(series[rest], decimal=decimal, thousands=thousands)
        if fmt == "clock12":
            out[rest] = _parse_clock12(_as_str(series[rest]))
        elif fmt == "hh:mm:ss":
            out[rest] = _parse_hms(_as_str(series[rest]))
        else:
            text = _as_str(series[rest])
            hms = _parse_hms(text) if fmt is None else pd.Series(np.nan, index=text.index)
            out[rest] = numbers.mul(factor).where(numbers.notna(), hms)
    bad = present & out.isna()
    return out, bad


#: A UTC offset (or "Z") at the end of a timestamp written as text.
UTC_OFFSET = re.compile(r"\s*(?:Z|[+-]\d{2}:?\d{2})$")


def _naive(values: pd.Series, timezone: str | None) -> pd.Series:
    """Timezone-aware values made naive: converted to ``timezone``, or (None) kept on the clock each
    was written in (its offset dropped)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(timezone) if timezone else values
        values = values.dt.tz_localize(None)
    return values.astype("datetime64[ns]")


def has_utc_offsets(series: pd.Series) -> bool:
    """Whether a column's timestamps carry a time zone or UTC offset (a zone-aware dtype, aware
    objects, or text ending in an offset such as ``+01:00`` or ``Z``)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return True
    sample = series.dropna().head(1000)
    if any(getattr(v, "tzinfo", None) for v in sample if isinstance(v, dt.datetime)):
        return True
    text = pd.Series([v.strip() for v in sample if isinstance(v, str)], dtype="string")
    return bool(len(text)) and bool(text.str.contains(UTC_OFFSET).any())


def to_datetime(
    series: pd.Series,
    *,
    fmt: str | None = None,
    dayfirst: bool = False,
    timezone: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Naive timestamps (see :mod:`csperf_lib.core.config` for the time-zone rule): values with a
    time zone or UTC offset are converted to ``timezone`` when one is named, else kept on the clock
    they were written in (the offset is dropped, never silently converted to UTC)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):  # Parquet/SQL timestamps
        return _naive(series, timezone), pd.Series(False, index=series.index)
    present = _present(series)
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    if not present.any():
        return out, present
    native = present & _is_instance(series, (dt.datetime, dt.date, pd.Timestamp))
    if native.any():
        aware = any(getattr(v, "tzinfo", None) for v in series[native])
        if aware and timezone:
            out[native] = _naive(pd.to_datetime(series[native], utc=True), timezone)
        elif aware:
            out[native] = pd.to_datetime(series[native].map(lambda v: v.replace(tzinfo=None))).astype("datetime64[ns]")
        else:
            out[native] = pd.to_datetime(series[native]).astype("datetime64[ns]")
    rest = present & ~native
    if rest.any():
        values = series[rest]
        if fmt == "excel_serial" or pd.api.types.is_numeric_dtype(values.dtype):
            days, _ = to_number(values)
            out[rest] = (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).astype("datetime64[ns]")
        else:
            text = _as_str(values)
            if not timezone and fmt in (None, "iso"):  # the source's clock: drop the offsets
                text = text.str.replace(UTC_OFFSET, "", regex=True)
            kwargs: dict[str, Any] = {"errors": "coerce"}
            if fmt and fmt != "iso":
                kwargs["format"] = fmt
            elif fmt == "iso" or not dayfirst:
                kwargs["format"] = "ISO8601"
            else:
                kwargs.update(format="mixed", dayfirst=True)
            try:
                parsed = pd.to_datetime(text, **kwargs)
            except (ValueError, TypeError):  # mixed offsets: compare on UTC, then localise
                parsed = pd.to_datetime(text, utc=True, **kwargs)
            if fmt is None and not dayfirst and parsed.isna().any():
                retry = parsed.isna() & text.notna()
                parsed = parsed.astype(object) if isinstance(parsed.dtype, pd.DatetimeTZDtype) else parsed
                parsed[retry] = pd.to_datetime(text[retry], errors="coerce", format="mixed")
            out[rest] = _naive(pd.Series(parsed, index=text.index), timezone)
    bad = present & out.isna()
    return out, bad


def to_time_of_day(series: pd.Series, *, fmt: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Time of day as a timedelta since midnight (``%H:%M:%S`` style, ``day_fraction``, Excel cells)."""
    if fmt == "day_fraction":
        seconds, bad = to_duration(series, fmt="day_fraction")
    elif fmt and fmt.startswith("%"):
        text = _as_str(series)
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        seconds = (parsed - parsed.dt.normalize()).dt.total_seconds()
        bad = _present(series) & seconds.isna()
    else:
        seconds, bad = to_duration(series)
    bad = bad | (seconds >= 86400).fillna(False) | (seconds < 0).fillna(False)
    return pd.to_timedelta(seconds.where(~bad), unit="s"), bad


def per_unique(series: pd.Series, convert, /, **options) -> tuple[pd.Series, pd.Series]:
    """Apply a converter to the distinct values only, then expand back to every row.

    Export columns repeat a few values many times (Y/N flags, queue names, "0:02:23" durations),
    so converting the distinct values and taking them back by position is several times faster
    than converting every row, and gives identical results. Columns that are mostly distinct
    (timestamps, free text) are converted directly.
    """
    if len(series) < 2_000:
        return convert(series, **options)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if len(uniques) > 0.2 * len(series):
        return convert(series, **options)
    values, bad = convert(pd.Series(uniques, dtype=object), **options)
    taken = pd.Series(values.array.take(codes, allow_fill=True), index=series.index)
    bad_rows = np.where(codes < 0, False, bad.to_numpy(dtype=bool)[np.maximum(codes, 0)])
    return taken, pd.Series(bad_rows, index=series.index)


def hashed_id(raw: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """Identifier built from ``columns``: the first 16 hex digits of SHA-1 of the values joined.

    Values are joined with the unit separator (U+001F), which exports do not contain, so
    ("a b", "c") and ("a", "b c") differ; missing values count as the empty string.
    """
    joined = raw[list(columns)].astype("string").fillna("").agg("\x1f".join, axis=1)
    return joined.map(lambda text: hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]).astype(object)


def _convert(spec: ColumnSpec, kind: str, raw: pd.DataFrame, source: SourceSpec, timezone: str | None):
    if spec.hash_of:
        column = hashed_id(raw, spec.hash_of)
    elif spec.column is None:
        column = pd.Series([spec.value] * len(raw), index=raw.index, dtype=object)
    else:
        column = raw[spec.column]
    if spec.values:
        column = per_unique(column, _with_values, values=spec.values)[0]
    opts = source.options
    if kind in ("id", "category", "text"):
        return per_unique(column, to_text)
    if kind == "bool":
        return per_unique(column, to_bool)
    if kind == "number" and spec.format == "percent":
        # not per_unique: the proportion-or-percentage decision is made on the whole chunk, and
        # per_unique would make it on the distinct values, which gives the same answer anyway
        return to_percent(column, decimal=opts.get("decimal", "."), thousands=opts.get("thousands"))
    if kind == "number":
        return per_unique(column, to_number, decimal=opts.get("decimal", "."), thousands=opts.get("thousands"))
    if kind == "duration":
        return per_unique(column, to_duration, fmt=spec.format, unit=spec.unit,
                          decimal=opts.get("decimal", "."), thousands=opts.get("thousands"))
    if kind == "datetime":
        values, bad = per_unique(column, to_datetime, fmt=spec.format, dayfirst=bool(spec.dayfirst), timezone=timezone)
        if spec.time_column is not None:
            times, bad_time = per_unique(raw[spec.time_column], to_time_of_day, fmt=spec.time_format)
            values = values.dt.normalize() + times
            bad = bad | bad_time | (values.isna() & _present(raw[spec.time_column]))
        return values.astype("datetime64[ns]"), bad
    raise AssertionError(f"unknown kind {kind}")


def null_column(kind: str, index: pd.Index) -> pd.Series:
    """An all-null column of a canonical kind (for canonical columns a source does not map)."""
    return pd.Series(None, index=index, dtype=object).astype(KIND_DTYPES[kind])


def _reason(spec: ColumnSpec, kind: str, raw: pd.DataFrame, bad: pd.Series) -> pd.Series | str:
    """Why each bad row's value is unreadable, quoting the value (redacted first, then shortened,
    so a truncated e-mail or phone number can never slip past redaction)."""
    if spec.column is None:
        return f"{spec.canonical}: cannot read the constant {spec.value!r} as {kind}"
    rows = raw.loc[bad.to_numpy(dtype=bool)]

    def quoted(column: str, width: int) -> pd.Series:
        return redact_series(rows[column].astype(str)).str.slice(0, width)

    shown = quoted(spec.column, 40)
    where = f"'{spec.column}'"
    if spec.time_column is not None:
        shown = shown + " " + quoted(spec.time_column, 20)
        where += f" + '{spec.time_column}'"
    reason = f"{spec.canonical}: cannot read '" + shown + f"' from {where} as {kind}"
    return reason.reindex(raw.index, fill_value="")


def _add_reason(issues: pd.Series, bad: pd.Series, reason: pd.Series | str) -> pd.Series:
    separator = np.where(issues.eq(""), "", "; ")
    return issues.where(~bad, issues + separator + reason)


def check_columns(source: SourceSpec, columns: tuple[str, ...], *, location: str) -> None:
    """Raise one clear :class:`SourceError` listing every mapped column the source lacks."""
    present = set(columns)
    missing = [
        (spec.canonical, col)
        for spec in source.columns
        for col in spec.referenced_columns
        if col not in present
    ]
    if missing:
        named = ", ".join(f"'{col}' (for {canon})" for canon, col in missing)
        shown = ", ".join(f"'{c}'" for c in columns[:25])
        raise SourceError(
            f"{source.table}: column(s) {named} not found in {location}; it has {shown}"
        )


def map_chunk(raw: pd.DataFrame, source: SourceSpec, *, first_row: int, timezone: str | None = None) -> pd.DataFrame:
    """Map one raw chunk onto the canonical columns of ``source.table``.

    Parameters
    ----------
    raw : DataFrame
        Source columns as read.
    source : SourceSpec
        The table's source and mapping.
    first_row : int, keyword-only
        1-based record number of the chunk's first row in the source (header excluded).
    timezone : str or None, keyword-only
        Zone timezone-aware values are converted to before being made naive; None keeps each on
        the clock it was written in.

    Returns
    -------
    DataFrame
        Every canonical column in canonical order and dtype (unmapped ones all null), then the
        unmapped source columns as text (renamed ``src_<name>`` if they clash, ignoring case,
        with a canonical name), then ``_row`` (record number) and ``_issues`` (parse problems, '' when none).
    """
    table = CANONICAL_TABLES[source.table]
    raw = raw.reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    issues = pd.Series("", index=raw.index, dtype=object)
    specs = {spec.canonical: spec for spec in source.columns}
    for name, kind in table.columns.items():
        spec = specs.get(name)
        if spec is None:
            out[name] = null_column(kind, raw.index)
            continue
        try:
            values, bad = _convert(spec, kind, raw, source, timezone)
        except (ValueError, TypeError) as exc:
            raise SourceError(f"{source.table}: cannot convert column for {name}: {exc}") from None
        out[name] = values.astype(KIND_DTYPES[kind]) if kind != "datetime" else values
        if bad.any():
            issues = _add_reason(issues, bad, _reason(spec, kind, raw, bad))
    # Averages over a count become totals once every column is converted (the count may come
    # later in canonical order). An unreadable count already carries its own reason; the total
    # is then null too.
    for spec in source.columns:
        if spec.average_of is not None and spec.canonical in out and spec.average_of in out:
            out[spec.canonical] = (out[spec.canonical] * out[spec.average_of]).astype("float64")
    consumed = source.mapped_source_columns
    # SQL engines compare column names case-insensitively: "Team" would clash with "team".
    taken = {c.lower() for c in (*table.columns, ROW_COLUMN, ISSUES_COLUMN)}
    for col in raw.columns:
        if col in consumed:
            continue
        target = f"src_{col}" if col.lower() in taken else col
        taken.add(target.lower())
        out[target] = per_unique(raw[col], to_text)[0]
    frame = pd.DataFrame(out, index=raw.index)
    frame[ROW_COLUMN] = np.arange(first_row, first_row + len(raw), dtype="int64")
    frame[ISSUES_COLUMN] = issues.astype("string")
    return frame
