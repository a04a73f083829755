"""How an export writes its numbers and dates, decided from the values: the one detector that both
``collect`` (stage 00, when a config leaves it open) and ``csperf init`` (when it writes a config) use,
so the two never read the same file differently.

Hand-written because the rules are about evidence a reader can check ("1.234,5 can only be a
decimal comma"), and each decision says which values decided it; no parsing library reports that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

__all__ = ["DateOrder", "NumberFormat", "assumed_dayfirst", "date_order", "date_patterns", "number_format"]

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
    return DateOrder(None, f"all {len(parts):,} distinct dates have day and month fields of 12 or less", separator)


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
