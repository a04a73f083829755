"""How an export writes its numbers and dates, decided from the values: the one detector that both
``collect`` (stage 00, when a config leaves it open) and ``csperf init`` (when it writes a config) use,
so the two never read the same file differently.

Hand-written because the rules are about evidence a reader can check ("1.234,5 can only be a
decimal comma"), and each decision says which values decided it; no parsing library reports that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = [
    "DateOrder", "NumberFormat", "assumed_dayfirst", "commonest_step", "date_order", "date_patterns",
    "detect_date_format",
    "number_format",
]

#: 1,234 and 1,234,567.5: a comma grouping thousands (or, alone, possibly a decimal comma).
THOUSANDS_COMMA = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
#: 1,234,567 or 1,234.5: only a thousands comma can write these.
SURE_THOUSANDS_COMMA = re.compile(r"^[-+]?\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?$|^[-+]?\d{1,3}(?:,\d{3})+\.\d+$")
#: 1.234 and 1.234,5: dots grouping thousands.
THOUSANDS_DOT = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
#: 3,5: a decimal comma (unless it is 1,234).
DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")
#: 3.5 or .5: a decimal point.
DECIMAL_DOT = re.compile(r"^[-+]?\d*\.\d+$")
#: nn/nn/yyyy, nn.nn.yy, nn-nn-yyyy, then anything (a time): groups first field, separator, second
#: field, year, rest.
NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?=$|[T\s,])(.*)$")
#: yyyy-mm-dd, yyyy/m/d, yyyy.mm.dd, then anything: groups year, separator, month, day, rest.
YEAR_FIRST = re.compile(r"^\s*(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?=$|[T\s])(.*)$")


@dataclass(frozen=True)
class NumberFormat:
    """How numbers are written.

    Attributes
    ----------
    decimal : str
        "." or ",".
    thousands : str or None
        "," or ".", or None when no grouping was seen.
    example : str
        A value that shows it.
    count : int
        Distinct values that show it.
    sure : bool
        False when the values allow another reading (``1,234`` alone: thousands, or a decimal comma).
    """

    decimal: str
    thousands: str | None
    example: str
    count: int
    sure: bool


def number_format(texts: pd.Series, *, delimiter: str | None = None) -> NumberFormat | None:
    """The separators of number texts, or None when the values do not show them.

    Evidence, strongest first: ``1.234,5`` (or ``1.234`` beside ``3,5``) can only be a decimal
    comma with dot thousands; ``1,234,567`` or ``1,234.5`` only a thousands comma; ``1,234`` alone
    is read as a thousands comma (not sure) — or, in a file whose fields are split by ``;`` (the
    convention where the comma is the decimal mark), a decimal comma (not sure); ``3,5`` without
    any ``3.5`` is a decimal comma; ``3.5`` a decimal point.
    """
    texts = pd.Series(texts, dtype=object).dropna().astype(str).str.strip().drop_duplicates()
    texts = texts[texts != ""]
    commas = texts[texts.str.contains(",", regex=False)]
    dotted = texts[texts.str.match(DECIMAL_DOT)]
    euro = texts[texts.str.match(THOUSANDS_DOT) & texts.str.contains(",", regex=False)]
    if not len(euro) and commas.str.match(DECIMAL_COMMA).any():
        # 1.234 beside 3,5: dots group thousands where the comma is the decimal mark
        euro = texts[texts.str.match(THOUSANDS_DOT)]
    if len(euro):
        return NumberFormat(",", ".", euro.iloc[0], len(euro), True)
    sure = commas[commas.str.match(SURE_THOUSANDS_COMMA)]
    if len(sure):
        return NumberFormat(".", ",", sure.iloc[0], len(sure), True)
    grouped = commas[commas.str.match(THOUSANDS_COMMA)]
    if len(commas) and len(grouped) == len(commas):
        if delimiter == ";" and not len(dotted):
            return NumberFormat(",", None, grouped.iloc[0], len(grouped), False)
        return NumberFormat(".", ",", grouped.iloc[0], len(grouped), bool(len(dotted)))
    decimal_comma = commas[commas.str.match(DECIMAL_COMMA) & ~commas.str.match(THOUSANDS_COMMA)]
    if len(decimal_comma) and not len(dotted):
        return NumberFormat(",", None, decimal_comma.iloc[0], len(decimal_comma), True)
    if len(dotted):
        return NumberFormat(".", None, dotted.iloc[0], len(dotted), True)
    return None


@dataclass(frozen=True)
class DateOrder:
    """The order of day and month in numeric dates.

    Attributes
    ----------
    dayfirst : bool or None
        True day-first, False month-first, None when the values do not say.
    evidence : str
        Why, in words, with an example value.
    separator : str or None
        The separator of the dates ("/", ".", "-"), None without numeric dates.
    conflict : bool
        True when the dates disagree: some can only be day-first and others only month-first.
    """

    dayfirst: bool | None
    evidence: str
    separator: str | None
    conflict: bool = False

    @property
    def found(self) -> bool:
        """Whether there were numeric dates to judge."""
        return self.separator is not None

    @property
    def assumed(self) -> bool:
        """The order to read: the evidence's, else the separator's convention (:func:`assumed_dayfirst`)."""
        return self.dayfirst if self.dayfirst is not None else assumed_dayfirst(self.separator)


def assumed_dayfirst(separator: str | None) -> bool:
    """The order assumed when the values cannot tell (every day and month field 12 or less): day-first
    for dotted dates (``01.02.2026``, the European convention), month-first otherwise. Whoever relies
    on it says so (``dayfirst`` in the config settles it)."""
    return separator == "."


def date_order(series: pd.Series) -> DateOrder:
    """Whether ``nn/nn/yyyy``-style dates are day-first, decided from the distinct values, and why.

    A first field above 12 can only be a day, a second field above 12 only a day in the other
    order; both seen, or neither, leaves the order undecided (``dayfirst`` None).
    """
    text = pd.Series(series, dtype=object).dropna().astype(str).str.strip().drop_duplicates()
    parts = text.str.extract(NUMERIC_DATE).dropna(subset=[0, 1, 2, 3])
    if parts.empty:
        return DateOrder(None, "no dd/mm or mm/dd dates", None)
    separator = str(parts[1].mode().iloc[0])
    first, second = parts[0].astype(int), parts[2].astype(int)
    above_first, above_second = int((first > 12).sum()), int((second > 12).sum())
    if above_first and above_second:
        day_first = text[first.index[first > 12][0]]
        month_first = text[second.index[second > 12][0]]
        return DateOrder(None, f"the dates disagree: {above_first:,} distinct values have a first field above 12, so are day-first "
                               f"(e.g. {day_first}), and {above_second:,} a second field above 12, so are month-first "
                               f"(e.g. {month_first})", separator, conflict=True)
    if above_first:
        example = text[first.index[first > 12][0]]
        return DateOrder(True, f"{above_first:,} of {len(parts):,} distinct dates have a first field above 12 "
                               f"(e.g. {example})", separator)
    if above_second:
        example = text[second.index[second > 12][0]]
        return DateOrder(False, f"{above_second:,} of {len(parts):,} distinct dates have a second field above 12 "
                                f"(e.g. {example})", separator)
    spacing = _spacing_order(parts, separator)
    if spacing is not None:
        return spacing
    return DateOrder(None, f"all {len(parts):,} distinct dates have day and month fields of 12 or less", separator)


def _spacing_order(parts: pd.DataFrame, separator: str) -> DateOrder | None:
    """Day and month fields all 12 or less: the order under which the distinct dates lie close
    together, when one order puts them days apart and the other months apart (ten days of March,
    02/03 ... 12/03, are consecutive days day-first and the 3rd of ten months month-first). An
    export covers a continuous stretch of time, so the compact reading is taken; it needs at least
    five distinct dates and a median gap of a week or less, at most a quarter of the other's."""
    if len(parts) < 5:
        return None
    first, second, year = parts[0].astype(int), parts[2].astype(int), parts[3].astype(int)
    year = year.where(year >= 100, year + 2000)

    def median_gap(day: pd.Series, month: pd.Series) -> float:
        dates = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")
        gaps = pd.Series(dates.dropna().unique()).sort_values().diff().dt.days.dropna()
        return float(gaps.median()) if len(gaps) else float("inf")

    day_first, month_first = median_gap(first, second), median_gap(second, first)
    near, far = sorted((day_first, month_first))
    if not (0 < near <= 7 and far >= 4 * near):
        return None
    order = "day-first" if day_first < month_first else "month-first"
    return DateOrder(
        day_first < month_first,
        f"all {len(parts):,} distinct dates have day and month fields of 12 or less; read {order} they "
        f"are {near:g} day(s) apart at the median, read the other way {far:g} days apart, so {order} "
        "(an export covers a continuous stretch of time)", separator,
    )


def date_patterns(series: pd.Series) -> dict[str, tuple[int, str]]:
    """How a column writes its dates: distinct values per pattern ("year-first", "day/month
    numeric", "other text") with an example each; patterns with no value are left out."""
    text = pd.Series(series, dtype=object).dropna().astype(str).str.strip().drop_duplicates()
    text = text[text != ""]
    year_first = text.str.match(YEAR_FIRST)
    numeric = ~year_first & text.str.match(NUMERIC_DATE)
    groups = {"year-first": text[year_first], "day/month numeric": text[numeric],
              "other text": text[~year_first & ~numeric]}
    return {name: (len(values), str(values.iloc[0])) for name, values in groups.items() if len(values)}


# --------------------------------------------------------------------------------------------
# Date formats of text columns (csperf init)
# --------------------------------------------------------------------------------------------


_DATE = re.compile(
    r"^(?P<a>\d{1,4})(?P<sep>[-/. ])(?P<b>\d{1,2}|[A-Za-z]{3,9})(?P=sep)(?P<c>\d{2,4})"
    r"(?:(?P<t>,?[ T])(?P<time>.+))?$"
)


_TIME_PARTS = (
    (re.compile(r"^\d{1,2}:\d{2}:\d{2}\s?[AaPp][Mm]$"), "%I:%M:%S %p"),
    (re.compile(r"^\d{1,2}:\d{2}\s?[AaPp][Mm]$"), "%I:%M %p"),
    (re.compile(r"^\d{1,2}:\d{2}:\d{2}\.\d+$"), "%H:%M:%S.%f"),
    (re.compile(r"^\d{1,2}:\d{2}:\d{2}$"), "%H:%M:%S"),
    (re.compile(r"^\d{1,2}:\d{2}$"), "%H:%M"),
)


#: A weekday before a date ("Mon, 02 Mar 2026", "Mon 03/02/2026"), as Five9 and phone systems write.
_WEEKDAY = re.compile(r"^(?P<day>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*)\.?(?P<comma>,?)\s+")


def detect_date_format(text: pd.Series) -> dict[str, Any] | None:
    """Format and date order of date strings, verified by parsing; None when not dates. A leading
    weekday is read as part of the format."""
    sample = text.head(5000)
    zone = sample.str.extract(r"\s(UTC|GMT)$")[0]
    if len(sample) and zone.notna().mean() >= 0.95:  # "2026-03-02 08:04:35 UTC": read value by value
        found = detect_date_format(sample.str.replace(r"\s(?:UTC|GMT)$", "", regex=True))
        if not found:
            return None
        return dict(found, date_format=None,
                    note=f"times marked {zone.dropna().iloc[0]}: kept on that clock unless the config names a time zone")
    offset = sample.str.contains(r"\d:\d\d(?::\d\d)?\s*[+-]\d{2}:?\d{2}$", regex=True)
    if len(sample) and offset.mean() >= 0.95 and not sample.str.match(r"^\d{4}-").all():
        # "Mon, 02 Mar 2026 09:54:27 +0000" (RFC 2822): not ISO, so read value by value, the
        # offset set aside as collect does.
        found = detect_date_format(sample.str.replace(r"\s*[+-]\d{2}:?\d{2}$", "", regex=True))
        if not found:
            return None
        return dict(found, date_format=None,
                    note="times carry a UTC offset: kept on the clock written unless the config names a time zone")
    weekday = sample.str.extract(_WEEKDAY)
    if len(sample) and weekday["day"].notna().mean() >= 0.95:
        found = detect_date_format(sample.str.replace(_WEEKDAY, "", regex=True))
        if not found or found["date_format"] in (None, "iso"):
            return None
        full = weekday["day"].dropna().str.len().max() > 3
        comma = weekday["comma"].dropna().eq(",").mean() >= 0.5
        fmt = ("%A" if full else "%a") + ("," if comma else "") + " " + found["date_format"]
        if pd.to_datetime(sample, errors="coerce", format=fmt).notna().mean() < 0.95:
            return None
        return dict(found, date_format=fmt)
    compact = _compact_date(sample)
    if compact is not None:
        return compact
    parts = sample.str.extract(_DATE)
    matched = parts["a"].notna()
    if matched.mean() < 0.95:
        return _worded_date(sample)
    parts = parts[matched]
    sep = parts["sep"].mode().iloc[0]
    a_len = parts["a"].str.len().max()
    note = ""
    if a_len == 4:
        date_fmt, order = f"%Y{sep}%m{sep}%d", "year-first"
        if parts["b"].str.isalpha().all():  # "2026 Mar 02"
            month = "%b" if parts["b"].str.len().max() <= 3 else "%B"
            date_fmt, order = f"%Y{sep}{month}{sep}%d", "month name"
        elif parts["b"].str.isalpha().any():
            return None
    else:
        c_len = parts["c"].str.len().max()
        year = "%Y" if c_len == 4 else "%y"
        if parts["b"].str.isalpha().all():
            month = "%b" if parts["b"].str.len().max() <= 3 else "%B"
            date_fmt, order = f"%d{sep}{month}{sep}{year}", "month name"
        elif parts["b"].str.isdigit().all():
            first = pd.to_numeric(parts["a"]).max()
            second = pd.to_numeric(parts["b"]).max()
            if first > 31 or second > 31 or (first > 12 and second > 12):
                return None
            decided = date_order(sample)  # the order collect would decide, and its convention when undecidable
            order = {True: "day-first", False: "month-first", None: "undecidable"}[decided.dayfirst]
            day_first = decided.assumed if decided.found else sep == "."
            date_fmt = (
                f"%d{sep}%m{sep}{year}" if day_first else f"%m{sep}%d{sep}{year}"
            )
            if order == "undecidable":
                guess = "day-first" if day_first else "month-first"
                note = (
                    f"date order undecidable from the data (no first or second field above 12); "
                    f"{guess} assumed"
                )
        else:
            return None
    times = parts["time"].dropna().str.strip()
    has_time = len(times) > 0
    fmt = date_fmt
    if has_time:
        tz = times.str.contains(r"(?:Z|[+-]\d{2}:?\d{2}|(?<=:\d\d)[+-]\d{2})$", regex=True)
        if tz.mean() > 0.5:
            fmt = "iso"
        else:
            time_fmt = None
            for pattern, candidate in _TIME_PARTS:
                if times.str.fullmatch(pattern.pattern).mean() >= 0.95:
                    time_fmt = candidate
                    break
            if time_fmt is None:
                return None
            joiner = parts["t"].dropna().mode().iloc[0]
            fmt = f"{date_fmt}{joiner}{time_fmt}"
    if fmt == "iso":
        parsed = pd.to_datetime(sample, errors="coerce", format="ISO8601", utc=True)
    else:
        parsed = pd.to_datetime(sample, errors="coerce", format=fmt)
    if parsed.notna().mean() < 0.95:
        if len(times) < len(parts) and fmt != date_fmt:  # date-only and date-time values mixed
            parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
            if parsed.notna().mean() < 0.95:
                return None
            fmt = None
        else:
            return None
    return {
        "type": "datetime" if has_time else "date",
        "date_format": fmt,
        "date_order": order,
        "median": commonest_step(parsed),
        "first": str(parsed.min())[:19] if parsed.notna().any() else None,
        "last": str(parsed.max())[:19] if parsed.notna().any() else None,
        "note": note,
    }


#: A date written in words: "12th March 2026", "March 12th, 2026", "March 02, 2026".
_WORDED_DATE = re.compile(
    r"^(?:\d{1,2}(?:st|nd|rd|th)\s+[A-Za-z]{3,9}\.?,?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})"
    r"(?P<time>,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp][Mm])?)?$"
)


_COMPACT = re.compile(r"^(20\d{2}|19\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:(?P<sep>[ T]?)(?P<time>\d{4}(?:\d{2})?))?$")


def _compact_date(sample: pd.Series) -> dict[str, Any] | None:
    """Dates without separators, as legacy systems write them ("20260302", "20260302 093122",
    "20260302T0931"): a plausible year, month and day in every value, verified by parsing."""
    found = sample.str.extract(_COMPACT)
    if not len(sample) or found[0].isna().mean() > 0.05:
        return None
    times = found["time"].dropna()
    fmt = "%Y%m%d"
    if len(times):
        if found["time"].isna().any():
            return None
        sep = found["sep"].mode().iloc[0]
        fmt += sep + ("%H%M%S" if times.str.len().max() == 6 else "%H%M")
    parsed = pd.to_datetime(sample, errors="coerce", format=fmt)
    if parsed.notna().mean() < 0.95:
        return None
    return {"type": "datetime" if len(times) else "date", "date_format": fmt, "date_order": "year-first",
            "first": str(parsed.min())[:19], "last": str(parsed.max())[:19],
            "note": "dates written without separators (yyyymmdd)"}


def _worded_date(sample: pd.Series) -> dict[str, Any] | None:
    """Dates in words with an ordinal day or the month first, which the numeric patterns do not
    read: left to collect's reading of each value by its pattern (month names are unambiguous)."""
    if sample.str.match(_WORDED_DATE).mean() < 0.95:
        return None
    cleaned = sample.str.replace(r"(\d)(?:st|nd|rd|th)\b", r"\1", regex=True)
    parsed = pd.to_datetime(cleaned, errors="coerce", format="mixed")
    if parsed.notna().mean() < 0.95:
        return None
    timed = sample.str.extract(_WORDED_DATE)["time"].notna().mean() >= 0.5
    return {"type": "datetime" if timed else "date", "date_format": None, "date_order": "month name",
            "first": str(parsed.min())[:19], "last": str(parsed.max())[:19],
            "note": "dates in words (\"12th March 2026\", \"Mar 02, 2026 08:15 AM\"), read value by value"}


def commonest_step(parsed: pd.Series) -> float | None:
    """Seconds between consecutive distinct timestamps when most gaps are the same (an interval
    report's rows every 15 / 30 / 60 minutes); None otherwise."""
    times = pd.Series(parsed.dropna().unique()).sort_values()
    gaps = times.diff().dt.total_seconds().dropna()
    gaps = gaps[gaps > 0]
    if len(gaps) < 5:
        return None
    common = float(gaps.mode().iloc[0])
    return common if (gaps == common).mean() >= 0.6 else None
