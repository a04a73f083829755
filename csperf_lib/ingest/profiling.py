"""What an unknown export holds: encoding, layout, number format and an inferred type per column.

:func:`inspect_export` reads a sample of one file (CSV/TSV/TXT, Excel, Parquet) into an
:class:`ExportProfile`: encoding, delimiter, stray lines before the header, line endings, number
separators, and per column a :class:`ColumnProfile` with an inferred type (integer, number,
percent, flag, date, datetime, time of day, duration, categorical, identifier, free text), its
format, blank share, distinct count and examples. Step 1 of ``csperf init``
(:mod:`csperf_lib.ingest.autoconfig`).

Hand-written because schema-inference tools guess storage types, not contact-centre meaning
("12:02:23 AM" as a 2 min 23 s talk time, Y/N flags, "94.01%" strings, which of ``01/02`` is the
day); the date-order and number-format decisions are the ones collect makes
(:mod:`csperf_lib.ingest.detect`), the encoding is :func:`csperf_lib.ingest.readers.decide_encoding` and the
layout :func:`csperf_lib.ingest.readers.detect_layout`: the decisions collect makes.
The file is opened read-only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.errors import SourceError
from csperf_lib.ingest.detect import commonest_step, detect_date_format, number_format
from csperf_lib.ingest.header_shape import (
    first_line_is_a_record,
    header_label,
    likeliest_sheet,
    lines_under_header,
)
from csperf_lib.ingest.mapping import clock_seconds
from csperf_lib.ingest.readers import (
    SAMPLE_BYTES,
    binary_kind,
    decide_encoding,
    detect_layout,
    header_fields,
    scan_file,
)

__all__ = [
    "ColumnProfile",
    "ExportProfile",
    "inspect_export",
]


#: Rows read from each file to profile it.
SAMPLE_ROWS = 20_000


TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}


EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


PARQUET_SUFFIXES = {".parquet", ".pq"}


TRUE_WORDS = {"y", "yes", "true", "t", "1", "1.0"}


FALSE_WORDS = {"n", "no", "false", "f", "0", "0.0"}


NEGATIVE_MARKERS = ("not ", "non", "un", "no ", "fail", "false", "reject", "denied", "declin")


_CLOCK12 = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])$")


#: A range of clock times, as interval reports label their rows ("08:00 AM-08:30 AM").
_TIME_RANGE = re.compile(
    r"^(\d{1,2}):(\d{2})(?::\d{2})?\s*([AaPp][Mm])?\s*(?:-|–|to)\s*(\d{1,2}):(\d{2})(?::\d{2})?\s*([AaPp][Mm])?$"
)


_HMS = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")


_PERCENT = re.compile(r"^[-+]?\d+(?:[.,]\d+)?\s?%$")


_NUMBER_PLAIN = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")


#: Words dropped from column names before matching: flag suffixes and units ("Answered (Y/N)",
#: "Speed of answer in seconds"). Units are kept aside as a hint for durations.
_NOISE = {"y", "n", "yn", "the", "of", "in", "a", "an", "per", "to"}


_UNITS = {
    "s": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds", "seconds": "seconds",
    "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "ms": "milliseconds", "msec": "milliseconds", "millis": "milliseconds",
    "milliseconds": "milliseconds", "millisecond": "milliseconds",
}


#: Score ranges of the survey scales (inclusive) used as value evidence.
SCALES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}


CONFIDENCE_ORDER = {"high": 3, "medium": 2, "low": 1}


#: Whole values that mean "missing" in exports (never "NA" or "None", which can be real values).
NA_TOKENS = ("N/A", "n/a", "#N/A", "NULL", "null", "NaN", "nan")


@dataclass(frozen=True)
class ColumnProfile:
    """What one source column looks like.

    Attributes
    ----------
    name : str
        Source column name (stripped).
    type : str
        One of ``integer``, ``number``, ``percent``, ``flag``, ``date``, ``datetime``, ``time``
        (time of day), ``duration``, ``categorical``, ``identifier``, ``text``, ``empty``.
    blank_share : float
        Proportion 0-1 of sampled rows with no value.
    distinct : int
        Distinct non-blank values in the sample.
    examples : tuple of str
        Up to three distinct values, shortened.
    flag_values : tuple of str
        For two-valued columns: the two values as found (true-like first when it can be told).
    date_format : str or None
        For dates: a strftime format, ``iso``, or None when pandas must infer it (native cells).
    date_order : str or None
        ``day-first``, ``month-first``, ``year-first``, ``month name``, ``native`` or
        ``undecidable``.
    value_format : str or None
        For durations: ``hh:mm:ss``, ``clock12``, ``day_fraction``, ``seconds`` or ``native``;
        for times of day: a strftime format, ``day_fraction`` or ``native``.
    minimum, maximum : float or None
        Range of numeric values (seconds for durations and times of day).
    median : float or None
        Median of a numeric column's values above 0 (a plain number's size tells milliseconds
        from seconds); for ranges of clock times, their commonest width in seconds; for
        timestamps, the commonest gap in seconds between consecutive distinct values when most
        gaps are equal (an interval report's length), else None.
    unique : bool
        Every non-blank sampled value is distinct.
    mean_length : float
        Mean length in characters of the non-blank values.
    first, last : str or None
        Earliest and latest value of a date column (ISO text).
    blank_when : str or None
        A flag value that explains the blanks, e.g. ``"Answered (Y/N)" = N``.
    values : tuple of str
        Every distinct value, most frequent first, for columns with at most 30 of them.
    note : str
        Anything else worth telling (undecidable date order, mixed values...).
    label : str
        Words under the header line that describe the column (a survey platform's question text,
        as Qualtrics and SurveyMonkey write on a second header line); empty when there are none.
    """

    name: str
    type: str
    blank_share: float
    distinct: int
    examples: tuple[str, ...]
    flag_values: tuple[str, ...] = ()
    date_format: str | None = None
    date_order: str | None = None
    value_format: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    unique: bool = False
    mean_length: float = 0.0
    first: str | None = None
    last: str | None = None
    blank_when: str | None = None
    note: str = ""
    values: tuple[str, ...] = ()
    median: float | None = None
    label: str = ""

    def describe(self) -> str:
        """The type in a few words, e.g. ``date (%d.%m.%Y, day-first)``."""
        extra = []
        if self.type in ("date", "datetime"):
            extra += [self.date_format or "native", self.date_order or ""]
        elif self.type in ("duration", "time"):
            extra.append(self.value_format or "")
        elif self.type == "flag" or (self.flag_values and self.type == "categorical"):
            extra.append("/".join(self.flag_values))
        text = ", ".join(e for e in extra if e)
        return f"{self.type} ({text})" if text else self.type


@dataclass(frozen=True)
class ExportProfile:
    """What one export file looks like.

    Attributes
    ----------
    path : Path
        Absolute path of the file.
    format : {"csv", "excel", "parquet"}
        Reader to use.
    encoding : str or None
        ``utf-8``, ``utf-8-sig`` (with byte-order mark) or ``cp1252``; None for binary formats.
    delimiter : str or None
        Field separator of a text file.
    skip_rows : int
        Stray lines before the header (tool output, titles).
    stray_lines : tuple of str
        Those lines, shortened.
    line_endings : str or None
        ``CRLF``, ``LF``, ``CR`` or ``mixed`` for text files.
    decimal : str
        Decimal separator of numbers.
    thousands : str or None
        Thousands separator seen in numbers, if any.
    sheet : str or None
        Excel sheet read.
    rows_sampled : int
        Data rows read to build the profile.
    sample_complete : bool
        Whether the sample is the whole file.
    columns : tuple of ColumnProfile
        One profile per source column, in file order.
    na_values : tuple of str
        Placeholder values meaning "missing" found in the sample ("N/A", "NULL"...), read as
        blank in the profile and proposed as the source's ``na_values``.
    duplicate_rows : int
        Sampled rows that repeat an earlier row exactly (every column equal).
    header_names : tuple of str
        For a file without a header line (its first line reads as a record), the names given to
        its columns after what they hold ("identifier 1", "datetime 2"); for a file with lines
        under its header (``lines_under_header``), the header's own names; empty otherwise.
    lines_under_header : int
        Records right under the header that are more header (question text, import tags): the
        reader skips them (``skip_rows`` counts the header and them) and takes ``header_names``.
    sheet_choice : str
        Why this sheet of a workbook with several was read; empty when there was no choice.
    count_sums : tuple of (str, str, str)
        Whole-number columns that add up in every sampled row: ``(total, larger part, smaller
        part)`` with total = larger + smaller (offered = answered + abandoned in an interval
        report), the larger part the one with the larger mean.
    bounded_by : tuple of (str, str)
        Whole-number columns never above another: ``(smaller, larger)`` (answered within the
        threshold never above answered), among the columns of ``count_sums``' larger parts.
    """

    path: Path
    format: str
    encoding: str | None
    delimiter: str | None
    skip_rows: int
    stray_lines: tuple[str, ...]
    line_endings: str | None
    decimal: str
    thousands: str | None
    sheet: str | None
    rows_sampled: int
    sample_complete: bool
    columns: tuple[ColumnProfile, ...]
    na_values: tuple[str, ...] = ()
    duplicate_rows: int = 0
    header_names: tuple[str, ...] = ()
    lines_under_header: int = 0
    sheet_choice: str = ""
    count_sums: tuple[tuple[str, str, str], ...] = ()
    bounded_by: tuple[tuple[str, str], ...] = ()

    def column(self, name: str) -> ColumnProfile:
        """The profile of the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def describe(self) -> str:
        """A few lines describing the file and its columns."""
        layout = [self.format]
        if self.encoding:
            layout.append(f"encoding {self.encoding}")
        if self.delimiter:
            layout.append(f"delimiter {self.delimiter!r}")
        if self.line_endings:
            layout.append(f"{self.line_endings} line endings")
        if self.skip_rows:
            layout.append(f"{self.skip_rows} stray line(s) before the header")
        if self.thousands:
            layout.append(f"thousands separator {self.thousands!r}")
        if self.decimal != ".":
            layout.append(f"decimal separator {self.decimal!r}")
        lines = [f"{self.path.name}: {', '.join(layout)}; {self.rows_sampled:,} rows sampled"]
        for col in self.columns:
            lines.append(
                f"  {col.name}: {col.describe()}, {_share(col.blank_share)} blank, "
                f"{col.distinct:,} distinct, e.g. {', '.join(col.examples)}"
            )
        return "\n".join(lines)


def _file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    return "csv"


def _line_endings(sample: bytes) -> str | None:
    crlf = sample.count(b"\r\n")
    lf = sample.count(b"\n") - crlf
    cr = sample.count(b"\r") - crlf
    kinds = {name: n for name, n in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if n}
    if not kinds:
        return None
    if len(kinds) == 1:
        return next(iter(kinds))
    top, count = max(kinds.items(), key=lambda kv: kv[1])
    return top if count >= 0.99 * sum(kinds.values()) else "mixed"


def _read_text(path: Path, *, rows: int) -> tuple[dict[str, Any], pd.DataFrame, bool]:
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip():
        raise SourceError(f"{path.name}: the file is empty")
    kind = binary_kind(sample)
    if kind is not None:
        raise SourceError(f"{path.name} is not a text export: it looks like {kind}")
    choice = decide_encoding(sample, scan_file(path))  # the decision collect makes, per byte sequence
    text = sample.decode(choice.read_as, errors="replace" if choice.errors == "strict" else choice.errors)
    delimiter, skip = detect_layout(text)
    stray = tuple(line.strip()[:80] for line in text.splitlines()[:skip])
    try:
        frame = pd.read_csv(
            path,
            sep=delimiter,
            encoding=choice.read_as,
            encoding_errors=choice.errors,
            skiprows=skip,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            nrows=rows + 1,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()
        raise SourceError(f"cannot read {path.name}: {first[0] if first else exc}") from None
    complete = len(frame) <= rows
    frame = frame.iloc[:rows]
    frame.columns = [str(c).strip() for c in frame.columns]
    first = header_fields(text, delimiter, skip)
    headerless = first_line_is_a_record(first, frame)
    if headerless:  # read again with the first line as a record; names come from the content below
        frame = pd.read_csv(path, sep=delimiter, encoding=choice.read_as, encoding_errors=choice.errors,
                            skiprows=skip, header=None, dtype=str, keep_default_na=False, na_values=[""],
                            nrows=rows + 1)
        complete = len(frame) <= rows
        frame = frame.iloc[:rows]
        frame.columns = [f"column {i + 1}" for i in range(len(frame.columns))]
    info = {
        "headerless": headerless,
        "encoding": choice.config_value,
        "delimiter": delimiter,
        "skip_rows": skip,
        "stray_lines": stray,
        "line_endings": _line_endings(sample),
    }
    return info, frame, complete


def _read_excel(path: Path, *, sheet: str | int | None, rows: int) -> tuple[dict, pd.DataFrame, bool]:
    try:
        book = pd.ExcelFile(path)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise SourceError(f"cannot read {path.name} as Excel: {exc}") from None
    with book:
        names = book.sheet_names
        chosen_because = ""
        if sheet is None:
            sheet_name, chosen_because = likeliest_sheet(book, names)
        elif isinstance(sheet, int):
            if sheet >= len(names):
                raise SourceError(f"{path.name} has {len(names)} sheet(s); no sheet {sheet}")
            sheet_name = names[sheet]
        elif sheet in names:
            sheet_name = sheet
        else:
            raise SourceError(f"{path.name} has no sheet {sheet!r}; it has {', '.join(names)}")
        head = pd.read_excel(book, sheet_name=sheet_name, header=None, nrows=50, dtype=object)
        filled = head.notna().sum(axis=1)
        widest = int(filled.max()) if len(filled) else 0
        skip = int(next((i for i, n in enumerate(filled) if n == widest and widest > 0), 0))
        frame = pd.read_excel(
            book, sheet_name=sheet_name, skiprows=skip, dtype=object, nrows=rows + 1,
            keep_default_na=False, na_values=[""],
        )
    stray = tuple(
        " ".join(str(v) for v in head.iloc[i].dropna())[:80] for i in range(skip)
    )
    complete = len(frame) <= rows
    frame = frame.iloc[:rows]
    frame.columns = [str(c).strip() for c in frame.columns]
    info = {"sheet": sheet_name, "skip_rows": skip, "stray_lines": stray,
            "sheet_choice": chosen_because}
    return info, frame, complete


def _read_parquet(path: Path, *, rows: int) -> tuple[dict, pd.DataFrame, bool]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        batch = next(parquet.iter_batches(batch_size=rows), None)
    except Exception as exc:
        raise SourceError(f"cannot read {path.name} as Parquet: {exc}") from None
    frame = batch.to_pandas() if batch is not None else parquet.schema_arrow.empty_table().to_pandas()
    complete = parquet.metadata.num_rows <= rows
    frame.columns = [str(c).strip() for c in frame.columns]
    return {"skip_rows": 0, "stray_lines": ()}, frame, complete


def _texts(series: pd.Series) -> pd.Series:
    """Non-blank values as stripped text; whole floats lose their '.0'."""
    def as_text(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    present = series[series.notna()]
    text = present.map(as_text)
    return text[text.ne("")]


def _separators(frame: pd.DataFrame, *, delimiter: str | None) -> tuple[str, str | None]:
    """File-level decimal and thousands separators from number-like text columns."""
    decimal_comma = decimal_point = thousands_comma = thousands_dot = 0
    for name in frame.columns:
        series = frame[name]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
            continue
        text = _texts(series.head(5000))
        text = text[text.map(lambda v: isinstance(v, str))]
        if len(text) == 0 or not text.str.fullmatch(r"[-+]?[\d.,]*\d[\d.,]*").mean() >= 0.95:
            continue
        found = number_format(text, delimiter=delimiter)  # the rules collect uses too
        if found is None:
            continue
        if found.decimal == ",":
            decimal_comma += 1
            thousands_dot += found.thousands == "."
        elif found.thousands == ",":
            thousands_comma += 1
        else:
            decimal_point += 1
    decimal = "," if decimal_comma > decimal_point else "."
    if decimal == ",":
        thousands = "." if thousands_dot else None
    else:
        thousands = "," if thousands_comma else None
    return decimal, thousands


def _to_numbers(text: pd.Series, *, decimal: str, thousands: str | None) -> pd.Series:
    cleaned = text
    if thousands:
        cleaned = cleaned.str.replace(thousands, "", regex=False)
    if decimal != ".":
        cleaned = cleaned.str.replace(decimal, ".", regex=False)
    ok = cleaned.str.fullmatch(_NUMBER_PLAIN.pattern)
    return pd.to_numeric(cleaned.where(ok), errors="coerce")


def _flag_order(values: Sequence[str]) -> tuple[str, ...]:
    """Two values with the true-like one first when that can be told, else as sorted."""
    a, b = sorted(values, key=str)
    la, lb = a.lower(), b.lower()
    if la in TRUE_WORDS and lb in FALSE_WORDS:
        return (a, b)
    if lb in TRUE_WORDS and la in FALSE_WORDS:
        return (b, a)
    neg_a = any(la.startswith(m) or f" {m}" in f" {la}" for m in NEGATIVE_MARKERS)
    neg_b = any(lb.startswith(m) or f" {m}" in f" {lb}" for m in NEGATIVE_MARKERS)
    if neg_a and not neg_b:
        return (b, a)
    return (a, b)


def _seconds_of(value: Any) -> float:
    if isinstance(value, dt.datetime):
        value = value.time()
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return math.nan


def _time_or_duration(seconds: pd.Series, *, clock_like: bool) -> str:
    """``duration`` when the values look like elapsed times (mostly under an hour), else ``time``."""
    seconds = seconds.dropna()
    if len(seconds) == 0:
        return "time"
    if seconds.max() >= 86400:
        return "duration"
    short = (seconds < 3600).mean()
    if short >= 0.8 and not (clock_like and seconds.median() >= 6 * 3600):
        return "duration"
    return "time"


def _native_profile(
    series: pd.Series, values: pd.Series, top_kind: str, base: dict[str, Any]
) -> ColumnProfile | None:
    """Native cells (Excel, Parquet): the cell type is trusted."""
    if top_kind in ("time", "timedelta", "Timedelta"):
        secs = values.map(_seconds_of)
        kind = "duration" if top_kind != "time" else _time_or_duration(secs, clock_like=True)
        return ColumnProfile(
            type=kind, value_format="native", minimum=float(secs.min()),
            maximum=float(secs.max()), **base,
        )
    if top_kind in ("datetime", "Timestamp", "date") or pd.api.types.is_datetime64_any_dtype(
        series.dtype
    ):
        stamps = pd.to_datetime(values, errors="coerce")
        midnight = (stamps.dropna() == stamps.dropna().dt.normalize()).all()
        return ColumnProfile(
            type="date" if midnight else "datetime", date_order="native",
            first=str(stamps.min())[:19], last=str(stamps.max())[:19],
            **dict(base, median=commonest_step(stamps)),
        )
    if top_kind in ("bool", "bool_"):
        return ColumnProfile(type="flag", flag_values=("True", "False"), **base)
    return None


def _clock_profile(text: pd.Series, base: dict[str, Any]) -> ColumnProfile | None:
    """12-hour clock values: times of day, or durations an export wrote as "12:02:23 AM"."""
    clock = text.str.extract(_CLOCK12)
    if clock[0].notna().mean() >= 0.98:
        ok = clock[0].notna()
        twelve_am = (clock[0][ok].astype(int) == 12) & clock[3][ok].str.lower().eq("am")
        hours = clock[0][ok].astype(int) % 12 + np.where(clock[3][ok].str.lower() == "pm", 12, 0)
        with_seconds = clock[2][ok].notna().all()
        secs = hours * 3600 + clock[1][ok].astype(int) * 60 + clock[2][ok].fillna("0").astype(int)
        if not with_seconds:  # "08:25 AM": a time of day (a duration is written with its seconds)
            return ColumnProfile(type="time", value_format="%I:%M %p", minimum=float(secs.min()),
                                 maximum=float(secs.max()), **base)
        if twelve_am.mean() >= 0.9:
            return ColumnProfile(
                type="duration", value_format="clock12", minimum=float(secs.min()),
                maximum=float(secs.max()),
                note='clock times such as "12:02:23 AM" read as durations (2 min 23 s)', **base,
            )
        return ColumnProfile(
            type="time", value_format="%I:%M:%S %p", minimum=float(secs.min()),
            maximum=float(secs.max()), **base,
        )
    return None


def _range_profile(text: pd.Series, base: dict[str, Any]) -> ColumnProfile | None:
    """Ranges of clock times ("08:00 AM-08:30 AM"): times of day, each read as its start."""
    if text.str.match(_TIME_RANGE).mean() < 0.98:
        return None
    start, _ = clock_seconds(text)
    end, _ = clock_seconds(text.str.split(r"\s*(?:-|–|to)\s*", n=1, regex=True).str[1].fillna(""))
    width = ((end - start) % 86400).dropna()
    common = int(width.mode().iloc[0]) if len(width) else 0
    return ColumnProfile(
        type="time", value_format=None, minimum=float(start.min()), maximum=float(start.max()),
        note=f"ranges of clock times, each read as its start (most are {common // 60} min wide)",
        **dict(base, median=float(common)),
    )


def _hms_profile(text: pd.Series, base: dict[str, Any]) -> ColumnProfile | None:
    """``hh:mm:ss``, ``mm:ss`` or ``hh:mm`` values: a duration or a time of day."""
    hms = text.str.extract(_HMS)
    if hms[0].notna().mean() >= 0.98:
        ok = hms[0].notna()
        three = hms[2][ok].notna()
        first = hms[0][ok].astype(int)
        second = hms[1][ok].astype(int)
        third = hms[2][ok].fillna("0").astype(float)
        secs = np.where(three, first * 3600 + second * 60 + third, first * 60 + second)
        secs = pd.Series(secs, index=first.index, dtype="float64")
        if not three.all():  # "mm:ss" or "hh:mm"
            kind = "time" if (first.max() < 24 and (first >= 7).mean() > 0.5) else "duration"
            if kind == "time":
                secs = first * 3600.0 + second * 60
            fmt = "%H:%M" if kind == "time" else "hh:mm:ss"
        else:
            kind = _time_or_duration(secs, clock_like=False)
            if (hms[0][ok].str.len() == 1).mean() > 0.5 and first.max() < 10:
                kind = "duration" if (first == 0).mean() >= 0.5 else kind
            fmt = "hh:mm:ss" if kind == "duration" else "%H:%M:%S"
        return ColumnProfile(
            type=kind, value_format=fmt, minimum=float(secs.min()), maximum=float(secs.max()),
            **base,
        )
    return None


def _numeric_profile(
    name: str,
    text: pd.Series,
    base: dict[str, Any],
    *,
    decimal: str,
    thousands: str | None,
    lower: set[str],
) -> ColumnProfile | None:
    """Numbers in the export's format: codes with leading zeros, 0/1 flags, day fractions,
    numbers, integers, numeric identifiers; None when the column is not numeric."""
    numbers = _to_numbers(text, decimal=decimal, thousands=thousands)
    if numbers.notna().mean() < 0.98:
        return None
    numbers = numbers.dropna()
    leading_zero = text.str.fullmatch(r"0\d+").any()
    unseparated = text.str.replace(thousands, "", regex=False) if thousands else text
    whole = bool((numbers == numbers.round()).all()) and not unseparated.str.contains(
        re.escape(decimal) + r"\d*[1-9]", regex=True
    ).any()
    lo, hi = float(numbers.min()), float(numbers.max())
    positive = numbers[numbers > 0]
    base = dict(base, median=float(positive.median()) if len(positive) else 0.0)
    if leading_zero:
        kind = "identifier" if base["unique"] and len(text) >= 10 else "categorical"
        return ColumnProfile(type=kind, note="codes with leading zeros", **base)
    if base["distinct"] == 2 and lower <= {"0", "1", "0.0", "1.0"}:
        return ColumnProfile(type="flag", flag_values=("1", "0"), **base)
    if not whole:
        decimals = text.str.extract(r"[.,](\d+)$")[0].str.len().median()
        if 0 <= lo and hi < 1 and decimals is not None and decimals >= 6:
            return ColumnProfile(
                type="time", value_format="day_fraction", minimum=lo * 86400,
                maximum=hi * 86400, note="fractions of a day (Excel times)", **base,
            )
        return ColumnProfile(type="number", minimum=lo, maximum=hi, **base)
    if base["unique"] and len(text) >= 20 and _id_like(name):
        return ColumnProfile(type="identifier", minimum=lo, maximum=hi, **base)
    return ColumnProfile(type="integer", minimum=lo, maximum=hi, **base)


def _profile_column(
    name: str, series: pd.Series, *, rows: int, decimal: str, thousands: str | None
) -> ColumnProfile:
    """One column's inferred type: native cells first, then flags, percentages, clock times and
    durations, dates, numbers, and finally categories, identifiers or free text by their spread."""
    text = _texts(series)
    n = len(text)
    blank_share = 1.0 - n / rows if rows else 0.0
    distinct_values = pd.unique(text)
    distinct = len(distinct_values)
    examples = tuple(" ".join(str(v).split())[:40] for v in distinct_values[:3])
    counts = text.value_counts() if 0 < distinct <= 30 else None
    base = {
        "values": tuple(str(v) for v in counts.index) if counts is not None else (),
        "name": name,
        "blank_share": round(blank_share, 4),
        "distinct": distinct,
        "examples": examples,
        "unique": n > 0 and distinct == n,
        "mean_length": float(text.str.len().mean()) if n else 0.0,
    }
    if n == 0:
        return ColumnProfile(type="empty", **base)
    values = series[series.notna()]
    kinds = Counter(type(v).__name__ for v in values.head(2000))
    top_kind = kinds.most_common(1)[0][0]

    native = _native_profile(series, values, top_kind, base)
    if native is not None:
        return native

    lower = {str(v).lower() for v in distinct_values}
    if distinct == 2:
        flag_values = _flag_order([str(v) for v in distinct_values])
        if lower <= TRUE_WORDS | FALSE_WORDS and lower & TRUE_WORDS and lower & FALSE_WORDS:
            return ColumnProfile(type="flag", flag_values=flag_values, **base)
    else:
        flag_values = ()
    if distinct == 1 and lower <= TRUE_WORDS | FALSE_WORDS and not lower <= {"0", "1", "0.0", "1.0"}:
        return ColumnProfile(
            type="flag", flag_values=tuple(str(v) for v in distinct_values),
            note="only one value present", **base,
        )

    if text.str.fullmatch(_PERCENT.pattern).mean() >= 0.98:
        numbers = _to_numbers(
            text.str.rstrip("%").str.strip(), decimal="," if text.str.contains(",").any()
            and not text.str.contains(r"\.").any() else ".", thousands=None,
        )
        return ColumnProfile(
            type="percent", minimum=float(numbers.min()), maximum=float(numbers.max()), **base
        )

    timed = _range_profile(text, base) or _clock_profile(text, base) or _hms_profile(text, base)
    if timed is not None:
        return timed

    date = detect_date_format(text)
    if date is not None:
        return ColumnProfile(**date, **base)

    numeric = _numeric_profile(name, text, base, decimal=decimal, thousands=thousands, lower=lower)
    if numeric is not None:
        return numeric

    if flag_values:
        base_flag = {"flag_values": flag_values}
    else:
        base_flag = {}
    mean_len = base["mean_length"]
    words = float(text.head(2000).str.count(r"\s+").mean()) + 1
    ratio = distinct / n
    if n >= 20 and (distinct <= 30 or ratio <= 0.05):
        return ColumnProfile(type="categorical", **base_flag, **base)
    if mean_len >= 40 or (words >= 6 and ratio > 0.5):
        return ColumnProfile(type="text", **base_flag, **base)
    if base["unique"] and n >= 10 and mean_len <= 40:
        return ColumnProfile(type="identifier", **base_flag, **base)
    if ratio >= 0.95 and n >= 20 and words <= 2 and mean_len <= 24:
        return ColumnProfile(type="identifier", note="nearly unique", **base_flag, **base)
    if distinct <= 50 or ratio <= 0.3:
        return ColumnProfile(type="categorical", **base_flag, **base)
    return ColumnProfile(type="text", note="short, varied values", **base_flag, **base)


def _id_like(name: str) -> bool:
    tokens = _normalise(name)[0].split()
    return bool(set(tokens) & {"id", "key", "no", "number", "nr", "index", "ref", "reference", "code"})


def _blank_explanations(frame: pd.DataFrame, profiles: list[ColumnProfile]) -> list[ColumnProfile]:
    """Say when a column's blanks coincide with one value of a flag ("blank where Answered = N")."""
    flags = [p for p in profiles if p.type == "flag" and len(p.flag_values) == 2]
    out = []
    for prof in profiles:
        explanation = None
        if 0 < prof.blank_share < 1 and flags:
            blank = frame[prof.name].isna() | frame[prof.name].astype(str).str.strip().eq("")
            for flag in flags:
                if flag.name == prof.name:
                    continue
                values = frame[flag.name].astype(str).str.strip()
                for v in flag.flag_values:
                    is_v = values.eq(v)
                    if is_v.sum() and (blank == is_v).mean() >= 0.99:
                        explanation = f"`{flag.name}` = {v}"
                        break
                if explanation:
                    break
        out.append(prof if explanation is None else _replace(prof, blank_when=explanation))
    return out


def _share(value: float) -> str:
    """A proportion as a percentage that never rounds a few blanks to 0 % or 100 %."""
    if 0 < value < 0.01:
        return "<1%"
    if 0.99 < value < 1:
        return ">99%"
    return f"{value:.0%}"


def _na_tokens(frame: pd.DataFrame) -> tuple[str, ...]:
    """Placeholder values for "missing" present anywhere in the sample's text cells."""
    found = set()
    for name in frame.columns:
        series = frame[name]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
            continue
        stripped = series.map(lambda v: v.strip() if isinstance(v, str) else v)
        found.update(t for t in NA_TOKENS if stripped.eq(t).any())
    return tuple(t for t in NA_TOKENS if t in found)


def _replace(obj, **changes):
    return replace(obj, **changes)


def inspect_export(
    path: str | Path, *, sheet: str | int | None = None, rows: int = SAMPLE_ROWS
) -> ExportProfile:
    """Describe an export file: layout, separators and a profile of every column.

    Parameters
    ----------
    path : str or Path
        CSV/TSV/TXT, Excel (XLSX/XLSM/XLS) or Parquet file. Opened read-only.
    sheet : str or int, optional, keyword-only
        Excel sheet (default: the first).
    rows : int, keyword-only
        Data rows to sample (default :data:`SAMPLE_ROWS`).

    Returns
    -------
    ExportProfile

    Raises
    ------
    SourceError
        When the file does not exist or cannot be read.
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise SourceError(f"{path} does not exist")
    fmt = _file_format(path)
    if fmt == "excel":
        info, frame, complete = _read_excel(path, sheet=sheet, rows=rows)
    elif fmt == "parquet":
        info, frame, complete = _read_parquet(path, rows=rows)
    else:
        info, frame, complete = _read_text(path, rows=rows)
    if len(frame.columns) == 0:
        raise SourceError(f"{path.name} has no header line")
    below = 0 if info.get("headerless") else lines_under_header(frame)
    labels: dict[str, str] = {}
    if below:  # question text under the header (survey platforms): skipped, kept as labels
        labels = {str(c): header_label(frame[c].iloc[:below], str(c)) for c in frame.columns}
        frame = frame.iloc[below:].reset_index(drop=True)
        info = dict(info, skip_rows=int(info.get("skip_rows", 0)) + 1 + below)
    na_tokens = _na_tokens(frame)
    if na_tokens:
        frame = frame.replace(list(na_tokens), np.nan)
    decimal, thousands = _separators(frame, delimiter=info.get("delimiter"))
    profiles = [
        _profile_column(str(name), frame[name], rows=len(frame), decimal=decimal, thousands=thousands)
        for name in frame.columns
    ]
    header_names: tuple[str, ...] = ()
    if below:
        header_names = tuple(str(c) for c in frame.columns)
        profiles = [replace(p, label=labels[p.name]) for p in profiles]
    if info.get("headerless"):  # name each column after what it holds, so a reader (and the mapping) can tell them apart
        header_names = tuple(f"{p.type} {i + 1}" for i, p in enumerate(profiles))
        frame = frame.set_axis(list(header_names), axis=1)
        profiles = [replace(p, name=name) for p, name in zip(profiles, header_names, strict=True)]
    profiles = _blank_explanations(frame, profiles)
    sums, bounded = _count_relations(frame, profiles, decimal=decimal, thousands=thousands)
    return ExportProfile(
        path=path,
        format=fmt,
        encoding=info.get("encoding"),
        delimiter=info.get("delimiter"),
        skip_rows=int(info.get("skip_rows", 0)),
        stray_lines=tuple(info.get("stray_lines", ())),
        line_endings=info.get("line_endings"),
        decimal=decimal,
        thousands=thousands,
        sheet=info.get("sheet"),
        rows_sampled=len(frame),
        sample_complete=complete,
        na_values=na_tokens,
        columns=tuple(profiles),
        duplicate_rows=int(frame.duplicated().sum()),
        header_names=header_names,
        lines_under_header=below,
        sheet_choice=info.get("sheet_choice", ""),
        count_sums=sums,
        bounded_by=bounded,
    )


def _count_relations(
    frame: pd.DataFrame, profiles: list[ColumnProfile], *, decimal: str, thousands: str | None
) -> tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str], ...]]:
    """Sums and bounds among whole-number columns (see ``ExportProfile.count_sums`` and
    ``bounded_by``): the arithmetic that tells an interval report's counts apart when no header
    names them. Every row with the three values must add up, over at least 10 rows."""
    names = [p.name for p in profiles if p.type == "integer" and (p.minimum or 0) >= 0][:12]
    if len(names) < 3:
        return (), ()
    numbers = {n: _to_numbers(_texts(frame[n]), decimal=decimal, thousands=thousands) for n in names}
    sums = []
    for total, a, b in itertools.permutations(names, 3):
        if a > b:
            continue
        both = numbers[total].notna() & numbers[a].notna() & numbers[b].notna()
        if both.sum() < 10 or numbers[total][both].sum() == 0:
            continue
        if (numbers[total][both] == numbers[a][both] + numbers[b][both]).all():
            larger, smaller = (a, b) if numbers[a][both].mean() >= numbers[b][both].mean() else (b, a)
            sums.append((total, larger, smaller))
    parts = {s[1] for s in sums}
    bounded = [
        (n, larger) for larger in parts for n in names
        if n not in {x for s in sums for x in s} and numbers[n].notna().sum() >= 10
        and (numbers[n] <= numbers[larger]).where(numbers[n].notna() & numbers[larger].notna(), True).all()
    ]
    return tuple(sums), tuple(bounded)


def _normalise(name: str) -> tuple[str, str | None]:
    """Lower-case words of a column name without punctuation, flag suffixes and units.

    Returns the words and the unit they named, if any: ``"Speed of answer in seconds"`` ->
    ``("speed answer", "seconds")``; ``"AvgTalkDuration"`` -> ``("avg talk duration", None)``.
    """
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    words = re.sub(r"[^0-9a-zA-Z]+", " ", text).lower().split()
    unit = None
    kept = []
    for w in words:
        if w in _UNITS and len(words) > 1:
            unit = _UNITS[w]
            continue
        if w in _NOISE and len(words) > 1:
            continue
        kept.append(w)
    return " ".join(kept), unit
