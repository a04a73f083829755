"""Map raw source chunks onto canonical columns, converting values and recording parse problems.

Each converter is vectorised over a chunk and returns the converted values plus a boolean mask of
values that were present in the source but could not be read. A row with such a value is never
dropped here: it keeps a null in that column and a reason in ``_issues``, and the validate stage
quarantines it, so rows in = usable + quarantined always holds.

Hand-written because no library converts the duration spellings contact-centre exports use
("0:02:23", "12:02:23 AM" meaning 2 min 23 s, Excel day fractions and time cells) together with
row-level reasons; numbers and dates are delegated to pandas' vectorised parsers, dates one
pattern at a time (:func:`to_datetime`), since a parser told "day first" for a whole column would
also reorder the ISO dates in it.
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
from csperf_lib.ingest.detect import NUMERIC_DATE, YEAR_FIRST
from csperf_lib.ingest.readers import READ_ISSUES_COLUMN
from csperf_lib.methods.privacy import contains_pii, pseudonymise, redact, redact_series

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


#: How exports write "no value" (compared ignoring case and surrounding spaces): read as missing in
#: every column, so a NULL duration is missing (not unreadable) and a NULL identifier is no
#: identifier. "NA" is not among them: it is also a region (North America) and a language.
NULL_SPELLINGS = frozenset({"null", "nan", "n/a", "#n/a", "-", "--", "none", "(null)", "<null>", "nil"})


def _is_null_spelling(text: pd.Series) -> pd.Series:
    """Which values of a text column spell "no value" (:data:`NULL_SPELLINGS`)."""
    short = text.str.len().le(8).fillna(False).astype(bool)  # every spelling is short: skip long text cheaply
    found = pd.Series(False, index=text.index)
    if short.any():
        found[short] = text[short].str.strip().str.lower().isin(NULL_SPELLINGS).fillna(False).astype(bool)
    return found


def null_spellings(series: pd.Series) -> dict[str, int]:
    """The "no value" spellings a column uses, in capitals (they match in any case), and how often
    (for the collect stage's assumptions)."""
    if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
        return {}
    counts = series.astype("string").value_counts()  # the distinct values only: columns repeat a lot
    spelt = counts[_is_null_spelling(pd.Series(counts.index, index=counts.index, dtype="string")).to_numpy()]
    found: dict[str, int] = {}
    for value, count in spelt.items():  # matched in any case: shown in one
        word = str(value).strip().upper()
        found[word] = found.get(word, 0) + int(count)
    return found


def _present(series: pd.Series) -> pd.Series:
    """Values the source actually gave (not null, not blank, not a "no value" spelling)."""
    mask = series.notna()
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        text = series.astype("string")
        mask &= text.str.strip().ne("").fillna(False).astype(bool) & ~_is_null_spelling(text)
    return mask


def _as_str(series: pd.Series, *, nulls: bool = True) -> pd.Series:
    """Text of each value; whole floats from spreadsheets lose their '.0' (IDs like 1001.0); with
    ``nulls`` the "no value" spellings (:data:`NULL_SPELLINGS`) are missing."""
    if pd.api.types.is_float_dtype(series.dtype):
        whole = series.notna() & (series == np.floor(series))
        text = series.astype("string")
        text[whole] = series[whole].astype("int64").astype("string")
        return text
    if series.dtype == object:
        series = series.map(
            lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else v, na_action="ignore"
        )
    text = series.astype("string").str.strip().replace("", pd.NA)
    return text.mask(_is_null_spelling(text)) if nulls else text


def apply_values(series: pd.Series, values: Mapping[Any, Any]) -> pd.Series:
    """Replace source values by the config's value mapping (keys compared as stripped text)."""
    if not values:
        return series
    lookup = {str(k).strip(): v for k, v in values.items()}
    text = _as_str(series, nulls=False)  # the config may map a "no value" spelling itself
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
#: A UTC offset ending a timestamp: Z, +01:00, +0100, or +00 right after a time (never the day of a
#: date such as 2026-03-05).
UTC_OFFSET = re.compile(r"\s*(?:Z|[+-]\d{2}:?\d{2}|(?<=:\d\d)[+-]\d{2})$")


def _naive(values: pd.Series, timezone: str | None) -> pd.Series:
    """Timezone-aware values made naive: converted to ``timezone``, or (None) kept on the clock each
    was written in (its offset dropped)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(timezone) if timezone else values
        values = values.dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(values.dtype) and str(values.dtype) != "datetime64[ns]":
        # dateutil reads "1;" as the year 1: outside what nanosecond timestamps hold, so unreadable
        values = values.where((values >= pd.Timestamp.min) & (values <= pd.Timestamp.max))
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
    settle_each: bool = False,
    timezone: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Naive timestamps (see :mod:`csperf_lib.core.config` for the time-zone rule): values with a
    time zone or UTC offset are converted to ``timezone`` when one is named, else kept on the clock
    they were written in (the offset is dropped, never silently converted to UTC).

    Without a ``fmt`` each text value is read by its own pattern (:func:`_parse_by_pattern`): a
    year-first date (``2026-01-06``, ``2026/01/06``) is always year-month-day, whatever
    ``dayfirst`` says; ``nn/nn/yyyy`` dates are day-first or month-first as ``dayfirst`` says and a
    value that does not fit that order (``13/01/2026`` month-first) is unreadable rather than
    silently swapped; with ``settle_each`` (the column's dates disagree on the order) each such date
    is read in the only order its fields allow and one whose fields allow both is unreadable.
    Anything else (``6 Jan 2026``) is read by dateutil, month names being unambiguous.
    """
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
            if fmt and fmt != "iso":
                out[rest] = _parse_text(text, timezone, format=fmt)
            elif fmt == "iso":
                out[rest] = _parse_text(text, timezone, format="ISO8601")
            else:
                out[rest] = _parse_by_pattern(text, dayfirst=dayfirst, settle_each=settle_each, timezone=timezone)
    bad = present & out.isna()
    return out, bad


def _parse_text(text: pd.Series, timezone: str | None, **kwargs: Any) -> pd.Series:
    """``pd.to_datetime`` of text (unreadable as NaT), made naive by :func:`_naive`; mixed UTC
    offsets are compared on UTC first."""
    try:
        parsed = pd.to_datetime(text, errors="coerce", **kwargs)
    except (ValueError, TypeError):
        parsed = pd.to_datetime(text, errors="coerce", utc=True, **kwargs)
    return _naive(pd.Series(parsed, index=text.index), timezone)


def _iso_text(year: pd.Series, month: pd.Series, day: pd.Series, rest: pd.Series) -> pd.Series:
    """``yyyy-mm-dd<rest>`` from the fields (month or day out of range left for the parser to reject)."""
    return year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + rest


def _full_year(year: pd.Series) -> pd.Series:
    """Four-digit years; a two-digit year yy is 20yy up to 68 and 19yy from 69 (POSIX ``%y``)."""
    short = year.str.len() == 2
    century = np.where(year.str.slice(0, 2).astype(int) <= 68, "20", "19")
    return year.where(~short, pd.Series(century, index=year.index) + year)


def _parse_by_pattern(text: pd.Series, *, dayfirst: bool, settle_each: bool, timezone: str | None) -> pd.Series:
    """Timestamps from text, each value read by its own pattern (see :func:`to_datetime`).

    Strict ISO 8601 text (year first by definition) is read first, in one vectorised pass: on
    large exports nearly every value is, and only the rest pays for pattern matching.
    """
    out = _parse_text(text, timezone, format="ISO8601")
    pending = out.isna()
    if pending.any():
        out[pending] = _parse_other_patterns(text[pending], dayfirst=dayfirst, settle_each=settle_each,
                                             timezone=timezone)
    return out


def _parse_other_patterns(text: pd.Series, *, dayfirst: bool, settle_each: bool, timezone: str | None) -> pd.Series:
    """:func:`_parse_by_pattern` for text that is not strict ISO 8601."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    year_first = text.str.extract(YEAR_FIRST)
    is_year_first = year_first[0].notna()
    day_month = text.str.extract(NUMERIC_DATE)
    is_day_month = day_month[0].notna() & ~is_year_first
    iso = pd.Series(pd.NA, index=text.index, dtype="string")
    if is_year_first.any():
        y = year_first[is_year_first]
        iso[is_year_first] = _iso_text(y[0], y[2], y[3], y[4])
    if is_day_month.any():
        d = day_month[is_day_month]
        first, second = d[0].astype(int), d[2].astype(int)
        if settle_each:
            day_is_first = pd.Series(np.where(first > 12, True, np.where(second > 12, False, pd.NA)), index=d.index)
            settled = day_is_first.notna()
            d, day_is_first = d[settled], day_is_first[settled].astype(bool)
        else:
            day_is_first = pd.Series(bool(dayfirst), index=d.index)
        day = d[0].where(day_is_first, d[2])
        month = d[2].where(day_is_first, d[0])
        iso[d.index] = _iso_text(_full_year(d[3]), month, day, d[4])
    rewritten = iso.notna()
    if rewritten.any():
        parsed = _parse_text(iso[rewritten], timezone, format="ISO8601")
        retry = parsed.isna()
        if retry.any():  # a time written as "10:00 AM" after the date: dateutil, on year-first text
            parsed[retry] = _parse_text(iso[rewritten][retry], timezone, format="mixed")
        out[rewritten] = parsed
    other = ~is_year_first & ~is_day_month
    if other.any():  # not ISO 8601 (tried first) nor numeric: "6 Jan 2026", for dateutil
        out[other] = _parse_text(text[other], timezone, format="mixed", dayfirst=False)
    return out


#: A clock time ``h:mm[:ss][ AM|PM]``, alone or as the start of a range (``08:00 AM-08:30 AM``,
#: as interval reports label their rows): hours, minutes, seconds, meridiem.
_CLOCK_TIME = re.compile(
    r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?"
    r"(?:\s*(?:-|–|to)\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp]\.?[Mm]\.?)?)?\s*$"
)


def to_time_of_day(series: pd.Series, *, fmt: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Time of day as a timedelta since midnight.

    Text ``h:mm``, ``h:mm:ss`` (a time of day, so ``08:00`` is eight o'clock, never eight minutes),
    with or without AM/PM, or a range ``08:00 AM-08:30 AM`` read as its start; ``day_fraction``;
    a ``%``-format; Excel time cells.
    """
    if fmt == "day_fraction":
        seconds, bad = to_duration(series, fmt="day_fraction")
    elif fmt and fmt.startswith("%"):
        text = _as_str(series)
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        seconds = (parsed - parsed.dt.normalize()).dt.total_seconds()
        bad = _present(series) & seconds.isna()
    else:
        clock_s, clock_bad = clock_seconds(_as_str(series))
        read = clock_s.notna() | clock_bad
        seconds = pd.Series(np.nan, index=series.index, dtype="float64")
        bad = pd.Series(False, index=series.index)
        seconds[read], bad[read] = clock_s[read], clock_bad[read]
        if (~read).any():  # numbers, day fractions, Excel time cells
            seconds[~read], bad[~read] = to_duration(series[~read])
    bad = bad | (seconds >= 86400).fillna(False) | (seconds < 0).fillna(False)
    return pd.to_timedelta(seconds.where(~bad), unit="s"), bad


def clock_seconds(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Seconds since midnight of clock times ``h:mm[:ss][ AM|PM]`` (a range's start), and which
    values look like clock times but are none (``13:00 PM``, ``10:75``); values that do not look
    like clock times are NaN and not bad."""
    clock = text.str.extract(_CLOCK_TIME)
    read = clock[0].notna()
    seconds = pd.Series(np.nan, index=text.index, dtype="float64")
    bad = pd.Series(False, index=text.index)
    if read.any():
        hours = clock.loc[read, 0].astype(int)
        minutes = clock.loc[read, 1].astype(int)
        meridiem = clock.loc[read, 3].fillna("").str.lower().str.replace(".", "", regex=False)
        twelve = meridiem != ""
        wrong = (twelve & ((hours < 1) | (hours > 12))) | (minutes > 59)
        hours = hours.where(~twelve, hours % 12 + np.where(meridiem == "pm", 12, 0))
        value = (hours * 3600 + minutes * 60 + clock.loc[read, 2].fillna("0").astype(int)).astype("float64")
        seconds[read] = value.where(~wrong)
        bad[read] = wrong
    return seconds, bad


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


#: A cheap necessary condition for personal data (an @, a URL, an IBAN or postcode shape, a sort
#: code, a ZIP+4, ten digits or more not glued to a letter, or + and eight): only values matching
#: it are run through the full detector, so long identifier columns (``C000000001``, ``59876543``)
#: cost one vectorised pass.
_MAYBE_PERSONAL = (r"@|://|www\.|\b[A-Za-z]{2}\d{2}[A-Za-z0-9 ]{11,}|[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}|"
                   r"\d{2}-\d{2}-\d{2}|\d{5}-\d{4}|"
                   r"(?:^|[^0-9A-Za-z_])(?:\+\d[\d ()\-.]{6,}\d|\(?\d(?:[ ()\-.]{0,2}\d){9,})")
#: Identifiers kept as given in the store even when they hold personal data: every report shows
#: agents under keyed pseudonyms and the key file beside the report maps them back (issue 19).
KEPT_IDENTIFIERS = frozenset({"agent_id"})
#: The ``attrs["personal_data"]`` entry of :func:`map_chunk` for unmapped column headers (the same
#: in every chunk of a source, unlike the values).
PERSONAL_HEADERS = "column headers"


def shareable(values: pd.Series, kind: str, *, key: bytes | None) -> tuple[pd.Series, int, list[str]]:
    """Identifiers and categories with personal data made shareable: the one privacy rule of the
    collect stage (free text keeps its words and is redacted where a report quotes it).

    An identifier value holding personal data (an e-mail address as a customer id) is replaced by
    its keyed pseudonym (:func:`csperf_lib.methods.privacy.pseudonymise`), so the same value gets
    the same pseudonym in every table and joins still hold; a category value ("Call 07700 900123")
    is redacted ("Call [PHONE]"). Other values, and every value when ``key`` is None, are unchanged.

    Returns
    -------
    (values, changed, kinds)
        The new values, how many values changed and the kinds of personal data found.
    """
    if key is None:
        return values, 0, []
    text = values.astype("string")
    maybe = text.str.contains(_MAYBE_PERSONAL, regex=True).fillna(False).astype(bool)
    if not maybe.any():
        return values, 0, []
    distinct = pd.Series(text[maybe].unique(), dtype="string")
    kinds = {v: contains_pii(v) for v in distinct}
    flagged = {v: k for v, k in kinds.items() if k}
    if not flagged:
        return values, 0, []
    change = {v: pseudonymise(v, key=key) if kind == "id" else redact(v) for v in flagged}
    hit = text.isin(list(flagged)).fillna(False).astype(bool)
    out = values.astype(object).copy()
    out[hit] = text[hit].map(change)
    found = list(dict.fromkeys(k for ks in flagged.values() for k in ks))
    return out.astype(values.dtype), int(hit.sum()), found


def _shareable_header(name: str) -> str:
    """A column header with personal data redacted (an e-mail address as a header). A header that
    only looks like a handle is kept: ``:@computed_region_x`` is how Socrata APIs name computed
    columns, not a person."""
    kinds = contains_pii(name)
    return name if set(kinds) <= {"handle"} else redact(name)


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
        values, bad = per_unique(column, to_datetime, fmt=spec.format, dayfirst=bool(spec.dayfirst),
                                 settle_each=spec.dates_settle_each, timezone=timezone)
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


def check_columns(
    source: SourceSpec, columns: tuple[str, ...], *, location: str, repeated: tuple[str, ...] = ()
) -> None:
    """Raise one clear :class:`SourceError` listing every mapped column the source lacks, or that
    its header names more than once (which one would be meant?)."""
    twice = sorted({col for spec in source.columns for col in spec.referenced_columns if col in repeated})
    if twice:
        named = ", ".join(f"'{col}'" for col in twice)
        raise SourceError(f"{source.table}: column(s) {named} appear more than once in the header of {location}; "
                          "rename the copies in the export so the config can say which one it means")
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


def map_chunk(
    raw: pd.DataFrame, source: SourceSpec, *, first_row: int, timezone: str | None = None, pseudonym_key: bytes | None = None
) -> pd.DataFrame:
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
    pseudonym_key : bytes or None, keyword-only
        Key for identifiers holding personal data (see :func:`shareable`); None keeps them as given.

    Returns
    -------
    DataFrame
        Every canonical column in canonical order and dtype (unmapped ones all null), then the
        unmapped source columns as text (renamed ``src_<name>`` if they clash, ignoring case,
        with a canonical name), then ``_row`` (record number) and ``_issues`` (parse problems, '' when none).
        ``attrs["personal_data"]`` maps each canonical column whose values were made shareable to
        ``(values changed, kinds found)``.
    """
    table = CANONICAL_TABLES[source.table]
    raw = raw.reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    issues = pd.Series("", index=raw.index, dtype=object)
    personal: dict[str, tuple[int, list[str]]] = {}
    if READ_ISSUES_COLUMN in raw.columns:  # the reader's own findings (a line with too many fields...)
        issues = raw[READ_ISSUES_COLUMN].fillna("").astype(object)
        raw = raw.drop(columns=[READ_ISSUES_COLUMN])
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
        personal_kind = kind == "category" or (kind == "id" and name not in KEPT_IDENTIFIERS and not spec.hash_of)
        if personal_kind and pseudonym_key is not None:  # a digest of other columns holds nothing personal
            out[name], changed, kinds = shareable(out[name], kind, key=pseudonym_key)
            if changed:
                personal[name] = (changed, kinds)
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
        shown = _shareable_header(col)
        if shown != col:
            count, kinds = personal.get(PERSONAL_HEADERS, (0, []))
            personal[PERSONAL_HEADERS] = (count + 1, list(dict.fromkeys([*kinds, *contains_pii(col)])))
        target = f"src_{shown}" if shown.lower() in taken else shown
        while target.lower() in taken:
            target += "'"
        taken.add(target.lower())
        out[target] = per_unique(raw[col], to_text)[0]
    frame = pd.DataFrame(out, index=raw.index)
    frame[ROW_COLUMN] = np.arange(first_row, first_row + len(raw), dtype="int64")
    frame[ISSUES_COLUMN] = issues.astype("string")
    frame.attrs["personal_data"] = personal
    return frame
