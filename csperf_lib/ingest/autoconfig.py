"""``csperf init``: inspect unknown exports and write a first, commented ``review.yaml``.

Three steps, each usable on its own:

1. :func:`inspect_export` reads a sample of one file (CSV/TSV/TXT, Excel, Parquet) and describes it:
   encoding, delimiter, stray lines before the header, line endings, number separators, and per
   column an inferred type (integer, number, percent, flag, date, datetime, time of day, duration,
   categorical, identifier, free text) with its format, blank share, distinct count and examples.
2. :func:`propose_mapping` matches the profile against every canonical table in
   :data:`csperf_lib.core.tables.CANONICAL_TABLES` (read at run time, so tables added later are
   considered): source column names against synonyms of each canonical column, and the inferred
   value types against the column's kind. It proposes the table(s) the file feeds, a spec per
   recognised column with a confidence and the evidence in words, and lists what it could not map.
3. :func:`write_config` writes the YAML with a comment on every line, ambiguous or low-confidence
   choices commented out with their alternatives, and a ``# TODO`` for required columns not found.
   The result is validated with :func:`csperf_lib.core.config.parse_config` before it is written.

What is hand-written and why: no library infers canonical contact-centre columns from an export.
Schema-inference tools (pandas' own dtype inference, frictionless, csvkit) guess storage types,
not meaning, and they do not know contact-centre spellings: "12:02:23 AM" as a 2 min 23 s talk
time, a time of day as a fraction of a day, Y/N flags, "94.01%" strings, or which of ``01/02``
is the day. The reading itself is pandas and :mod:`csv`; encoding and layout sniffing reuse
:func:`csperf_lib.ingest.readers.detect_encoding` and :func:`csperf_lib.ingest.readers.detect_layout`. The
synonym lists and scoring weights below are the judgement this module adds; every proposal says
which evidence it rests on so a reviewer can overrule it.

Input files are opened read-only and never modified.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from csperf_lib.core import config as config_module
from csperf_lib.core.config import parse_config
from csperf_lib.core.errors import ConfigError, CsperfError, SourceError
from csperf_lib.core.tables import CANONICAL_TABLES, CHANNELS, column_kind
from csperf_lib.ingest.detect import date_order, number_format
from csperf_lib.ingest.readers import SAMPLE_BYTES, detect_encoding, detect_layout

__all__ = [
    "ColumnProfile",
    "ExportProfile",
    "ColumnProposal",
    "TableProposal",
    "MappingProposal",
    "WrittenConfig",
    "inspect_export",
    "propose_mapping",
    "write_config",
    "init_config",
]

#: Rows read from each file to profile it.
SAMPLE_ROWS = 20_000
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
TRUE_WORDS = {"y", "yes", "true", "t", "1", "1.0"}
FALSE_WORDS = {"n", "no", "false", "f", "0", "0.0"}
NEGATIVE_MARKERS = ("not ", "non", "un", "no ", "fail", "false", "reject", "denied", "declin")

_CLOCK12 = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?\s*([AaPp][Mm])$")
_HMS = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_PERCENT = re.compile(r"^[-+]?\d+(?:[.,]\d+)?\s?%$")
_DATE = re.compile(
    r"^(?P<a>\d{1,4})(?P<sep>[-/.])(?P<b>\d{1,2}|[A-Za-z]{3,9})(?P=sep)(?P<c>\d{2,4})"
    r"(?:(?P<t>[ T])(?P<time>.+))?$"
)
_TIME_PARTS = (
    (re.compile(r"^\d{1,2}:\d{2}:\d{2}\s?[AaPp][Mm]$"), "%I:%M:%S %p"),
    (re.compile(r"^\d{1,2}:\d{2}\s?[AaPp][Mm]$"), "%I:%M %p"),
    (re.compile(r"^\d{1,2}:\d{2}:\d{2}\.\d+$"), "%H:%M:%S.%f"),
    (re.compile(r"^\d{1,2}:\d{2}:\d{2}$"), "%H:%M:%S"),
    (re.compile(r"^\d{1,2}:\d{2}$"), "%H:%M"),
)
_NUMBER_PLAIN = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")

#: Words dropped from column names before matching: flag suffixes and units ("Answered (Y/N)",
#: "Speed of answer in seconds"). Units are kept aside as a hint for durations.
_NOISE = {"y", "n", "yn", "the", "of", "in", "a", "an", "per", "to"}
_UNITS = {
    "s": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds", "seconds": "seconds",
    "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
}

#: Name synonyms per table and canonical column, ``"phrase"`` or ``"phrase:weight"`` (weight below
#: 1 for generic words such as "date"). The canonical name itself is always a synonym, so columns
#: added to the schema later are still matched by their own name.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "contacts": {
        "contact_id": ("contact id", "call id", "interaction id", "session id", "conversation id",
                       "chat id", "call reference", "contact reference", "call ref", "callid",
                       "ticket id:0.8", "case id:0.7", "record id:0.7", "id:0.6"),
        "channel": ("channel", "contact channel", "media type", "media", "contact type:0.8",
                    "interaction type:0.8", "submitted via:0.8", "channel type"),
        "queue": ("queue", "queue name", "skill", "skill group", "split", "vdn", "topic:0.9",
                  "service:0.8", "call type:0.8", "call reason:0.8", "reason:0.7", "category:0.7",
                  "department:0.7", "campaign:0.8", "application:0.6", "line:0.6"),
        "team": ("team", "team name", "agent group", "group:0.8", "supervisor:0.7", "site:0.6"),
        "agent_id": ("agent", "agent id", "agent name", "operator", "representative", "rep:0.8",
                     "advisor", "adviser", "employee", "employee id", "csr", "handled by:0.8",
                     "staff:0.7", "user:0.6", "login id:0.8", "assignee:0.7"),
        "region": ("region", "area:0.8", "borough", "state:0.8", "country:0.8", "city:0.7",
                   "territory", "market:0.7", "location:0.6"),
        "arrived_at": ("arrived at", "arrival time", "arrival", "call start", "start time",
                       "call date", "contact date", "call time:0.8", "offered at", "queue start",
                       "datetime:0.8", "date time:0.8", "timestamp:0.8", "created at:0.8",
                       "created date:0.8", "start date:0.8", "date:0.7", "start:0.7",
                       "created:0.6", "received:0.6"),
        "wait_s": ("wait", "wait time", "waiting time", "speed of answer", "answer speed", "asa",
                   "queue time", "time in queue", "time to answer", "ring time:0.8",
                   "answer time:0.8", "queue duration", "wait duration"),
        "answered": ("answered", "is answered", "call answered", "answered flag", "connected:0.8",
                     "handled:0.8", "calls answered:0.8"),
        "abandoned": ("abandoned", "abandon", "is abandoned", "abandoned flag", "dropped:0.8",
                      "hung up:0.8"),
        "talk_s": ("talk", "talk time", "talk duration", "talktime", "conversation duration",
                   "call duration:0.9", "duration:0.75", "handle time:0.7", "aht:0.6"),
        "hold_s": ("hold", "hold time", "hold duration", "on hold"),
        "wrap_s": ("wrap", "wrap up", "wrapup", "wrap time", "wrap up time", "after call work",
                   "acw", "after call"),
        "resolved_first_contact": ("first contact resolution", "fcr", "resolved first contact",
                                   "first call resolution", "resolved on first contact",
                                   "resolved:0.85", "resolution:0.6", "solved:0.8"),
        "transferred": ("transferred", "transfer", "is transferred"),
        "escalated": ("escalated", "escalation", "is escalated"),
    },
    "surveys": {
        "response_id": ("response id", "survey id", "feedback id", "review id", "respondent id",
                        "survey response id", "id:0.6"),
        "contact_id": ("contact id", "call id", "interaction id", "conversation id",
                       "ticket id:0.8", "case id:0.7"),
        "responded_at": ("responded at", "response date", "survey date", "review date",
                         "feedback date", "completed at", "submitted at", "submitted:0.8",
                         "timestamp:0.8", "created at:0.8", "date:0.7", "created:0.6"),
        "queue": ("queue", "product", "product name", "variation", "service:0.8", "topic:0.8",
                  "category:0.7", "department:0.7", "skill:0.8", "model:0.7", "area:0.6"),
        "csat": ("csat", "satisfaction", "satisfaction rating", "satisfaction score",
                 "customer satisfaction", "overall satisfaction", "star rating", "stars",
                 "rating:0.9", "overall rating:0.9", "score:0.6"),
        "nps": ("nps", "net promoter", "net promoter score", "likelihood to recommend",
                "likely to recommend", "ltr", "recommend:0.8"),
        "ces": ("ces", "customer effort", "customer effort score", "effort:0.8", "ease:0.6"),
        "comment": ("comment", "comments", "verbatim", "verified reviews", "review text",
                    "feedback text", "free text", "remarks", "open answer", "review:0.9",
                    "reviews:0.9", "feedback:0.8", "text:0.7"),
    },
    "complaints": {
        "complaint_id": ("complaint id", "complaint number", "complaint reference", "unique key",
                         "case id", "case number", "case reference", "request id",
                         "service request id", "sr number", "ticket id:0.8", "reference:0.7",
                         "id:0.6", "key:0.6"),
        "received_at": ("received at", "date received", "received date", "created date",
                        "created at", "date opened", "opened date", "opened", "date logged",
                        "logged at", "date submitted", "complaint date", "received:0.8",
                        "created:0.8", "submitted:0.7", "date:0.6"),
        "channel": ("channel", "submitted via", "received via", "open data channel type",
                    "channel type", "intake channel", "contact channel", "via:0.7",
                    "source:0.6", "origin:0.6"),
        # What the complaint is about is its category; the product or service it concerns is
        # the queue, as a contact queue would be.
        "category": ("category", "complaint category", "complaint type", "issue:0.95",
                     "issue type", "type:0.7", "reason:0.7", "topic:0.8", "problem:0.7",
                     "product:0.7"),
        "sub_category": ("sub category", "subcategory", "sub issue", "sub type", "subtype",
                         "descriptor", "sub product:0.8", "detail:0.6"),
        "queue": ("queue", "agency", "department", "product:0.9", "team:0.8", "assigned to:0.8",
                  "agency name:0.85", "company:0.7", "business unit:0.8", "handled by:0.8",
                  "service:0.6"),
        "region": ("region", "borough", "state:0.9", "area:0.8", "country:0.8", "county:0.8",
                   "district:0.8", "city:0.7", "territory", "location:0.5", "zip code:0.5"),
        "acknowledged_at": ("acknowledged at", "acknowledged", "date acknowledged",
                            "acknowledgement date", "acknowledgment date",
                            "first response date:0.8", "first response:0.8"),
        "resolved_at": ("resolved at", "closed date", "date closed", "closed at", "closed",
                        "resolution date", "date resolved", "resolved:0.8", "completed:0.7",
                        "resolution action updated date:0.5"),
        "upheld": ("upheld", "complaint upheld", "justified", "founded:0.8", "substantiated"),
        "text": ("text", "narrative", "complaint narrative", "consumer complaint narrative",
                 "complaint text", "description:0.9", "details:0.8", "complaint:0.7",
                 "comments:0.7", "summary:0.7"),
        "contact_id": ("contact id", "call id", "interaction id"),
        "customer_id": ("customer id", "customer number", "client id", "consumer id",
                        "member id", "account number:0.8", "account:0.7", "customer:0.7"),
        "status": ("status", "case status", "complaint status", "current status"),
        "outcome": ("outcome", "company response to consumer", "company response", "resolution",
                    "result:0.8", "decision:0.8", "resolution description:0.8",
                    "company public response:0.6", "response:0.6"),
        "timely": ("timely", "timely response", "on time", "within deadline", "sla met",
                   "in sla:0.8"),
        "forwarded_at": ("forwarded at", "date sent to company", "sent to company", "forwarded",
                         "date forwarded", "referred at", "date referred", "date sent:0.8",
                         "assigned date:0.7"),
    },
    "qa_evaluations": {
        "evaluation_id": ("evaluation id", "evaluation", "assessment id", "scorecard id",
                          "form id:0.8", "audit id", "qa id", "review id:0.7"),
        "contact_id": ("contact id", "call id", "interaction id"),
        "agent_id": ("agent", "agent id", "agent name", "employee", "advisor", "adviser"),
        "evaluator_id": ("evaluator", "evaluator id", "reviewer", "assessor", "auditor",
                         "qa analyst", "scored by", "evaluated by"),
        "evaluated_at": ("evaluated at", "evaluation date", "reviewed at", "scored at",
                         "date:0.6"),
        "item": ("item", "question", "criterion", "criteria", "attribute", "behaviour",
                 "behavior", "competency", "section:0.7"),
        "score": ("score", "points", "points awarded", "mark", "result:0.7"),
        "max_score": ("max score", "maximum score", "max points", "possible points", "out of",
                      "maximum:0.8", "max:0.8", "weight:0.6"),
        "critical": ("critical", "is critical", "fatal", "auto fail", "autofail"),
    },
    "intervals": {
        "interval_start": ("interval start", "interval", "interval start time", "period start",
                           "date time:0.8", "datetime:0.8", "timestamp:0.8", "start:0.7",
                           "date:0.7", "time:0.6", "day:0.6", "period:0.7"),
        "interval_index": ("interval index", "index", "row", "row number", "sequence",
                           "interval number", "period number", "day number", "no:0.7"),
        "interval_s": ("interval length", "interval seconds", "interval minutes",
                       "period length", "interval duration"),
        "queue": ("queue", "skill", "split", "campaign", "vdn", "skill group", "service:0.7"),
        "offered": ("offered", "calls offered", "contacts offered", "incoming", "incoming calls",
                    "inbound calls", "calls received", "presented", "total calls:0.9",
                    "calls:0.7", "volume:0.8", "received:0.6"),
        "answered": ("answered", "answered calls", "calls answered", "calls handled",
                     "handled:0.8", "acd calls:0.8"),
        "abandoned": ("abandoned", "abandoned calls", "calls abandoned", "abandons", "aban"),
        "answered_within_threshold": ("answered within threshold", "answered within sl",
                                      "answered in sl", "within sl", "answered within",
                                      "calls answered within"),
        "service_level": ("service level", "sl", "grade of service", "gos",
                          "service level percent"),
        "threshold_s": ("threshold", "service level threshold", "sl threshold",
                        "target answer time", "answer target"),
        "wait_s_total": ("total wait", "total wait time", "total waiting time", "wait time total",
                         "total queue time", "wait total", "answer speed avg",
                         "average speed of answer", "speed of answer avg", "asa",
                         "answer speed:0.9", "speed of answer:0.9", "waiting time avg:0.8",
                         "wait time avg:0.8", "waiting time:0.7"),
        "talk_s_total": ("total talk", "total talk time", "talk time total", "talk total",
                         "talk duration avg", "talk time avg", "average talk time",
                         "talk duration:0.9", "talk time:0.9"),
        "handle_s_total": ("total handle", "total handle time", "handle time total",
                           "handle total", "aht", "average handle time", "handle time avg",
                           "handle time:0.9"),
        "agents_staffed": ("agents staffed", "staffed", "agents", "agents logged in",
                           "logged in agents", "positions staffed", "headcount:0.8", "fte:0.8"),
    },
}

#: Score ranges of the survey scales (inclusive) used as value evidence.
SCALES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
CONFIDENCE_ORDER = {"high": 3, "medium": 2, "low": 1}


# --------------------------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


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
    encoding = detect_encoding(sample)
    bom = sample.startswith(codecs.BOM_UTF8)
    if encoding == "utf-8-sig" and not bom:
        encoding = "utf-8"
    text = sample.decode(encoding, errors="replace")
    delimiter, skip = detect_layout(text)
    stray = tuple(line.strip()[:80] for line in text.splitlines()[:skip])
    try:
        frame = pd.read_csv(
            path,
            sep=delimiter,
            encoding=encoding,
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
    info = {
        "encoding": encoding,
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
        if sheet is None:
            sheet_name = names[0]
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
    info = {"sheet": sheet_name, "skip_rows": skip, "stray_lines": stray}
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


# --------------------------------------------------------------------------------------------
# Column profiling
# --------------------------------------------------------------------------------------------


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


def _detect_date(text: pd.Series) -> dict[str, Any] | None:
    """Format and date order of date strings, verified by parsing; None when not dates."""
    sample = text.head(5000)
    parts = sample.str.extract(_DATE)
    matched = parts["a"].notna()
    if matched.mean() < 0.95:
        return None
    parts = parts[matched]
    sep = parts["sep"].mode().iloc[0]
    a_len = parts["a"].str.len().max()
    note = ""
    if a_len == 4:
        date_fmt, order = f"%Y{sep}%m{sep}%d", "year-first"
        if parts["b"].str.isalpha().any():
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
        tz = times.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
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
        "first": str(parsed.min())[:19] if parsed.notna().any() else None,
        "last": str(parsed.max())[:19] if parsed.notna().any() else None,
        "note": note,
    }


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


def _profile_column(
    name: str, series: pd.Series, *, rows: int, decimal: str, thousands: str | None
) -> ColumnProfile:
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

    # Native cells (Excel, Parquet): trust the cell type.
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
            first=str(stamps.min())[:19], last=str(stamps.max())[:19], **base,
        )
    if top_kind in ("bool", "bool_"):
        return ColumnProfile(type="flag", flag_values=("True", "False"), **base)

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

    clock = text.str.extract(_CLOCK12)
    if clock[0].notna().mean() >= 0.98:
        ok = clock[0].notna()
        twelve_am = (clock[0][ok].astype(int) == 12) & clock[3][ok].str.lower().eq("am")
        hours = clock[0][ok].astype(int) % 12 + np.where(clock[3][ok].str.lower() == "pm", 12, 0)
        secs = hours * 3600 + clock[1][ok].astype(int) * 60 + clock[2][ok].astype(int)
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

    date = _detect_date(text)
    if date is not None:
        return ColumnProfile(**date, **base)

    numbers = _to_numbers(text, decimal=decimal, thousands=thousands)
    if numbers.notna().mean() >= 0.98:
        numbers = numbers.dropna()
        leading_zero = text.str.fullmatch(r"0\d+").any()
        unseparated = text.str.replace(thousands, "", regex=False) if thousands else text
        whole = bool((numbers == numbers.round()).all()) and not unseparated.str.contains(
            re.escape(decimal) + r"\d*[1-9]", regex=True
        ).any()
        lo, hi = float(numbers.min()), float(numbers.max())
        if leading_zero:
            kind = "identifier" if base["unique"] and n >= 10 else "categorical"
            return ColumnProfile(type=kind, note="codes with leading zeros", **base)
        if distinct == 2 and lower <= {"0", "1", "0.0", "1.0"}:
            return ColumnProfile(type="flag", flag_values=("1", "0"), **base)
        if not whole:
            decimals = text.str.extract(r"[.,](\d+)$")[0].str.len().median()
            if 0 <= lo and hi < 1 and decimals is not None and decimals >= 6:
                return ColumnProfile(
                    type="time", value_format="day_fraction", minimum=lo * 86400,
                    maximum=hi * 86400, note="fractions of a day (Excel times)", **base,
                )
            return ColumnProfile(type="number", minimum=lo, maximum=hi, **base)
        if base["unique"] and n >= 20 and _id_like(name):
            return ColumnProfile(type="identifier", minimum=lo, maximum=hi, **base)
        return ColumnProfile(type="integer", minimum=lo, maximum=hi, **base)

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


#: Whole values that mean "missing" in exports (never "NA" or "None", which can be real values).
NA_TOKENS = ("N/A", "n/a", "#N/A", "NULL", "null", "NaN", "nan")


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
    na_tokens = _na_tokens(frame)
    if na_tokens:
        frame = frame.replace(list(na_tokens), np.nan)
    decimal, thousands = _separators(frame, delimiter=info.get("delimiter"))
    profiles = [
        _profile_column(str(name), frame[name], rows=len(frame), decimal=decimal, thousands=thousands)
        for name in frame.columns
    ]
    profiles = _blank_explanations(frame, profiles)
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
    )


# --------------------------------------------------------------------------------------------
# Proposals
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnProposal:
    """How one canonical column would be read.

    Attributes
    ----------
    canonical : str
        Canonical column name.
    spec : str or dict
        The config spec: a source column name or a mapping (``column``, ``format``...).
    source : str or None
        The source column it reads (None for constants and digests).
    confidence : {"high", "medium", "low"}
    evidence : str
        Why, in words.
    alternatives : tuple of ColumnProposal
        Other candidates worth a look (written commented out).
    active : bool
        False when the choice is low-confidence or ambiguous: written commented out.
    """

    canonical: str
    spec: Any
    source: str | None
    confidence: str
    evidence: str
    score: float = 0.0
    alternatives: tuple[ColumnProposal, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class TableProposal:
    """What one file would feed into one canonical table.

    Attributes
    ----------
    table : str
        Canonical table.
    score : float
        How well the file fits the table (higher is better; compare tables of one file).
    evidence : str
        Why this table.
    columns : tuple of ColumnProposal
        Proposed canonical columns, in canonical order.
    missing_required : tuple of str
        Required canonical columns with no active proposal.
    unmapped : tuple of str
        Source columns the table does not use.
    skip_when_blank : tuple of str
        Canonical columns whose blankness means "not a row of this table".
    """

    table: str
    score: float
    evidence: str
    columns: tuple[ColumnProposal, ...]
    missing_required: tuple[str, ...]
    unmapped: tuple[str, ...]
    skip_when_blank: tuple[str, ...] = ()

    def column(self, canonical: str) -> ColumnProposal | None:
        """The proposal for ``canonical``, or None."""
        return next((c for c in self.columns if c.canonical == canonical), None)


@dataclass(frozen=True)
class MappingProposal:
    """Everything proposed for one file.

    Attributes
    ----------
    profile : ExportProfile
    tables : tuple of TableProposal
        The table(s) the file feeds, best first (a call export with ratings feeds two).
    table_scores : dict of str to float
        Score of every canonical table, for the record.
    unmapped : tuple of str
        Source columns no proposed table uses.
    """

    profile: ExportProfile
    tables: tuple[TableProposal, ...]
    table_scores: Mapping[str, float]
    unmapped: tuple[str, ...]


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


def _synonyms(table: str, canonical: str) -> list[tuple[str, float]]:
    out = [(_normalise(canonical)[0], 1.0)]
    for entry in SYNONYMS.get(table, {}).get(canonical, ()):
        phrase, _, weight = entry.partition(":")
        out.append((_normalise(phrase)[0], float(weight) if weight else 1.0))
    return out


def _name_score(name: str, synonyms: list[tuple[str, float]]) -> tuple[float, str]:
    words, _ = _normalise(name)
    tokens = words.split()
    compact = words.replace(" ", "")
    best, why = 0.0, ""
    for phrase, weight in synonyms:
        ptoks = phrase.split()
        if not ptoks:
            continue
        if tokens == ptoks or compact == phrase.replace(" ", ""):
            score = 1.0
        elif _contains(tokens, ptoks):
            extra = len(tokens) - len(ptoks)
            score = max(0.55, 0.9 - 0.07 * extra)
        elif len(tokens) > 1 and len(ptoks) > len(tokens) and _contains(ptoks, tokens):
            score = 0.5
        else:
            score = 0.0
        score *= weight
        if score > best:
            best, why = score, phrase
    return best, why


def _contains(tokens: list[str], part: list[str]) -> bool:
    k = len(part)
    return any(tokens[i : i + k] == part for i in range(len(tokens) - k + 1))


def _value_fit(
    col: ColumnProfile, kind: str, canonical: str, *, key: bool
) -> tuple[float, str]:
    """How well a column's values fit a canonical kind (0 = incompatible) and why."""
    t = col.type
    if t == "empty":
        return 0.0, "empty in the sample"
    if kind == "id":
        if key:
            if t in ("identifier", "integer", "categorical", "text") and col.unique:
                return 1.0, f"unique in {col.distinct:,} rows"
            if t in ("identifier", "integer", "categorical"):
                dup = "not unique" if not col.unique else ""
                return 0.4, f"{dup} ({col.distinct:,} distinct values)".strip()
            return 0.0, f"{col.describe()} values"
        if t in ("identifier", "categorical", "integer"):
            return 0.9, f"{t} ({col.distinct:,} distinct)"
        if t == "text" and col.mean_length <= 40:
            return 0.5, "short text"
        return 0.0, f"{col.describe()} values"
    if kind == "category":
        if t == "categorical":
            return 1.0, f"categorical ({col.distinct:,} distinct)"
        if t == "flag":
            return 0.3, "a two-valued flag"
        if t in ("identifier", "integer") or (t == "text" and col.mean_length <= 60):
            return 0.5, f"{t} ({col.distinct:,} distinct)"
        if t == "text":
            return 0.3, f"long text ({col.distinct:,} distinct)"
        return 0.0, f"{col.describe()} values"
    if kind == "text":
        if t == "text":
            return 1.0, f"free text (mean {col.mean_length:.0f} characters)"
        if t in ("categorical", "identifier"):
            return 0.4, f"{t} text"
        return 0.0, f"{col.describe()} values"
    if kind == "datetime":
        if t in ("date", "datetime"):
            return 1.0, col.describe()
        if t in ("integer", "number") and col.minimum is not None and 20000 <= col.minimum and (
            col.maximum or 0
        ) <= 80000:
            return 0.5, "numbers in the range of Excel serial dates"
        return 0.0, f"{col.describe()} values"
    if kind == "duration":
        if t == "duration":
            return 1.0, col.describe()
        if t in ("integer", "number"):
            if col.minimum is not None and col.minimum < 0:
                return 0.2, "some numbers are negative"
            return 0.8, "non-negative numbers"
        if t == "time":
            return 0.4, f"clock times ({col.value_format})"
        return 0.0, f"{col.describe()} values"
    if kind == "bool":
        if t == "flag" and len(col.flag_values) == 2:
            return 1.0, f"flag {'/'.join(col.flag_values)}"
        if t == "flag":
            return 0.5, f"flag with one value only ({col.flag_values[0]})"
        if col.flag_values:
            return 0.6, f"two values {'/'.join(col.flag_values)}"
        return 0.0, f"{col.describe()} values"
    if kind == "number":
        if t in ("integer", "number", "flag") and col.minimum is not None:
            lo, hi = col.minimum, col.maximum
            scale = SCALES.get(canonical)
            if scale:
                if scale[0] <= lo and hi <= scale[1]:
                    return 1.0, f"numbers {lo:g}-{hi:g} within the {scale[0]}-{scale[1]} scale"
                return 0.2, f"numbers {lo:g}-{hi:g} outside the {scale[0]}-{scale[1]} scale"
            return 1.0, f"numbers {lo:g}-{hi:g}"
        if t in ("integer", "number"):
            return 0.8, "numbers"
        if t == "percent":
            return 1.0 if not SCALES.get(canonical) else 0.2, "percentages"
        return 0.0, f"{col.describe()} values"
    return (0.5, col.describe()) if t not in ("empty",) else (0.0, "empty")


_AVERAGE_WORDS = {"avg", "average", "mean"}


def _is_average(name: str) -> bool:
    return bool(set(_normalise(name)[0].split()) & _AVERAGE_WORDS)


def _config_supports(option: str) -> bool:

    return option in getattr(config_module, "COLUMN_OPTIONS", ())


def _spec(
    col: ColumnProfile, kind: str, *, profile: ExportProfile, unit: str | None,
    canonical: str = "",
) -> tuple[Any, str]:
    """The config spec for reading ``col`` as ``kind``, and a note on the format chosen."""
    spec, note = _base_spec(col, kind, profile=profile, unit=unit)
    if canonical == "channel" and col.values:
        mapping = _channel_values(col.values)
        if mapping is not None:
            spec = {"column": col.name, "values": mapping}
            note = "values mapped onto phone/email/chat/social/other by keyword"
    if canonical.endswith("_total") and _is_average(col.name) and _config_supports("average_of"):
        spec = dict(spec) if isinstance(spec, dict) else {"column": spec}
        spec["average_of"] = "answered"
        note = (note + "; " if note else "") + (
            "the export gives an average per answered call: average_of turns it into the total"
        )
    return spec, note


_CHANNEL_WORDS = (
    ("phone", ("phone", "call", "voice", "telephone", "tel", "ivr")),
    ("email", ("email", "e mail", "e-mail")),
    ("chat", ("chat", "web chat", "webchat", "messag", "sms", "text message", "whatsapp")),
    ("social", ("social", "twitter", "facebook", "instagram", "tweet")),
)


def _channel_values(values: Sequence[str]) -> dict[str, Any] | None:
    """Source channel names onto the canonical vocabulary; None when they already are canonical."""

    if all(v.strip().lower() in CHANNELS and v.strip() == v.strip().lower() for v in values):
        return None
    mapping: dict[str, Any] = {}
    for value in values:
        low = " " + re.sub(r"[^a-z]+", " ", value.lower()) + " "
        target: Any = "other"
        if low.strip() in ("unknown", "n a", "none", "unspecified"):
            target = None
        else:
            for channel, words in _CHANNEL_WORDS:
                if any(f" {w}" in low for w in words):
                    target = channel
                    break
        mapping[value] = target
    return mapping


def _swapped_order(fmt: str) -> str:
    """The same strftime format with day and month swapped."""
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _base_spec(
    col: ColumnProfile, kind: str, *, profile: ExportProfile, unit: str | None
) -> tuple[Any, str]:
    if kind == "datetime":
        if col.type in ("integer", "number"):
            return {"column": col.name, "format": "excel_serial"}, "Excel serial days"
        if col.date_format:
            note = col.note or ""
            return {"column": col.name, "format": col.date_format}, note
        return col.name, ""
    if kind == "duration":
        if col.type in ("duration", "time"):
            fmt = col.value_format
            if fmt in (None, "native"):
                return col.name, "read as a duration"
            if fmt in ("hh:mm:ss", "clock12", "day_fraction"):
                return {"column": col.name, "format": fmt}, ""
            return col.name, ""
        chosen = unit or "seconds"
        note = "" if unit else "unit not named; seconds assumed"
        return {"column": col.name, "unit": chosen}, note
    if kind == "bool":
        values = col.flag_values
        if len(values) == 2:
            words = {v.lower() for v in values}
            if words <= TRUE_WORDS | FALSE_WORDS:
                return {"column": col.name, "values": {values[0]: True, values[1]: False}}, ""
            return (
                {"column": col.name, "values": {values[0]: True, values[1]: False}},
                f"'{values[0]}' read as true, '{values[1]}' as false",
            )
        return col.name, ""
    if kind == "number" and col.type == "percent":
        return {"column": col.name, "format": "percent"}, "percent strings"
    return col.name, ""


@dataclass(frozen=True)
class _Candidate:
    canonical: str
    source: str
    score: float
    name_score: float
    value_score: float
    evidence: str


def _candidates(profile: ExportProfile, table: str) -> list[_Candidate]:

    tdef = CANONICAL_TABLES[table]
    out = []
    for canonical, kind in tdef.columns.items():
        synonyms = _synonyms(table, canonical)
        key = canonical == tdef.key or (
            canonical.endswith("_id") and canonical == f"{table.rstrip('s')}_id"
        )
        for col in profile.columns:
            name_score, phrase = _name_score(col.name, synonyms)
            if name_score <= 0:
                continue
            value_score, why = _value_fit(col, kind, canonical, key=key)
            if value_score <= 0:
                continue
            score = 0.7 * name_score + 0.3 * value_score
            if score < 0.35:
                continue
            name_part = (
                "name matches" if name_score >= 0.95 else f"name resembles \"{phrase}\""
            )
            evidence = f"{name_part}, {why}"
            if col.blank_share > 0:
                evidence += f", {_share(col.blank_share)} blank"
                if col.blank_when:
                    evidence += f" (blank where {col.blank_when})"
            out.append(_Candidate(canonical, col.name, score, name_score, value_score, evidence))
    return out


def _confidence(cand: _Candidate) -> str:
    if cand.name_score >= 0.9 and cand.value_score >= 0.8:
        return "high"
    if cand.name_score >= 0.6 and cand.value_score >= 0.5:
        return "medium"
    if cand.name_score >= 0.95 and cand.value_score >= 0.3:
        return "medium"
    return "low"


def _proposal(
    cand: _Candidate, profile: ExportProfile, table: str, *, alternatives=(), active=True,
    confidence: str | None = None, extra: str = "",
) -> ColumnProposal:

    col = profile.column(cand.source)
    unit = _normalise(col.name)[1]
    kind = column_kind(table, cand.canonical)
    spec, note = _spec(col, kind, profile=profile, unit=unit, canonical=cand.canonical)
    evidence = f"`{cand.source}` -> {cand.canonical}: {cand.evidence}"
    if note:
        evidence += f"; {note}"
    if extra:
        evidence += f"; {extra}"
    conf = confidence or _confidence(cand)
    if (
        cand.canonical.endswith("_total") and _is_average(col.name)
        and not _config_supports("average_of")
    ):
        conf = "low"
        evidence += "; the export gives an average, not a total"
    if kind == "datetime" and col.date_order == "undecidable" and isinstance(spec, dict):
        if conf == "high":
            conf = "medium"
        if "%p" in str(spec.get("format")) and "%m/%d" in str(spec.get("format")):
            evidence += " (a 12-hour clock with AM/PM is a US convention, so month-first is likelier)"
        if active:
            other = dict(spec, format=_swapped_order(str(spec["format"])))
            alternatives = (*alternatives, ColumnProposal(
                canonical=cand.canonical, spec=other, source=cand.source, confidence="low",
                evidence=f"`{cand.source}` -> {cand.canonical} with day and month the other way "
                "round (the sample cannot tell)", active=False,
            ))
    return ColumnProposal(
        canonical=cand.canonical, spec=spec, source=cand.source, confidence=conf,
        evidence=evidence, score=round(cand.score, 3), alternatives=tuple(alternatives),
        active=active,
    )


def _assign(profile: ExportProfile, table: str) -> tuple[list[ColumnProposal], float]:
    """Greedy one-to-one assignment of source columns to canonical columns, best score first."""

    tdef = CANONICAL_TABLES[table]
    cands = sorted(_candidates(profile, table), key=lambda c: (-c.score, c.canonical, c.source))
    taken_canon: dict[str, _Candidate] = {}
    taken_source: set[str] = set()
    for cand in cands:
        if cand.canonical in taken_canon or cand.source in taken_source:
            continue
        taken_canon[cand.canonical] = cand
        taken_source.add(cand.source)
    proposals = []
    score = 0.0
    for canonical in tdef.columns:
        best = taken_canon.get(canonical)
        if best is None:
            continue
        rivals = [
            c for c in cands
            if c.canonical == canonical and c.source != best.source and c.score >= 0.45
        ]
        free_rivals = [c for c in rivals if c.source not in taken_source]
        ambiguous = any(best.score - c.score < 0.05 for c in free_rivals)
        conf = _confidence(best)
        alternatives = tuple(
            _proposal(c, profile, table, active=False, confidence=_confidence(c))
            for c in (free_rivals if (ambiguous or conf == "low") else [])[:3]
        )
        active = conf != "low" and not ambiguous
        extra = "ambiguous: as likely as the alternatives below" if ambiguous else ""
        prop = _proposal(
            best, profile, table, alternatives=alternatives, active=active,
            confidence="low" if ambiguous else conf, extra=extra,
        )
        proposals.append(prop)
        weight = {"high": 1.0, "medium": 0.8, "low": 0.3}[prop.confidence]
        score += best.score * weight
    return proposals, score


def _derived(profile: ExportProfile, table: str, columns: list[ColumnProposal]) -> list[ColumnProposal]:
    """Rules beyond one-to-one matches: time column, abandonment from answered, channel, ids."""

    tdef = CANONICAL_TABLES[table]
    by_name = {c.canonical: c for c in columns}
    used = {c.source for c in columns if c.active and c.source}
    out = list(columns)

    # A date-only timestamp with a separate time-of-day column: add it as time_column.
    for i, prop in enumerate(out):
        if not prop.active or tdef.columns.get(prop.canonical) != "datetime" or not prop.source:
            continue
        col = profile.column(prop.source)
        if col.type != "date":
            continue
        times = [
            c for c in profile.columns
            if c.type == "time" and c.name not in used
            and set(_normalise(c.name)[0].split()) & {"time", "hour", "start", "clock"}
        ]
        if not times:
            continue
        tcol = times[0]
        spec = dict(prop.spec) if isinstance(prop.spec, dict) else {"column": prop.spec}
        spec["time_column"] = tcol.name
        if tcol.value_format not in (None, "native"):
            spec["time_format"] = tcol.value_format
        used.add(tcol.name)
        out[i] = _replace(
            prop, spec=spec,
            evidence=prop.evidence + f"; time of day from `{tcol.name}` ({tcol.describe()})",
        )

    # No abandonment flag: an offered call that was not answered was abandoned.
    if (
        table == "contacts" and "abandoned" in tdef.columns and "abandoned" not in by_name
        and "answered" in by_name and by_name["answered"].active
    ):
        ans = by_name["answered"]
        spec = ans.spec
        if isinstance(spec, dict) and spec.get("values"):
            values = {k: (not v) for k, v in spec["values"].items()}
            out.append(ColumnProposal(
                canonical="abandoned",
                spec={"column": ans.source, "values": values},
                source=ans.source, confidence="medium",
                evidence=(
                    f"`{ans.source}` -> abandoned (inverted): no separate abandonment flag, so an "
                    "offered call that was not answered is taken as abandoned"
                ),
                score=0.6,
            ))

    # Every record a call: a constant channel.
    if table == "contacts" and "channel" in tdef.columns and "channel" not in by_name:
        callish = [c.name for c in profile.columns if re.search(r"\bcalls?\b", _normalise(c.name)[0])]
        if callish:
            out.append(ColumnProposal(
                canonical="channel", spec={"value": "phone"}, source=None, confidence="medium",
                evidence=(
                    "every record is taken to be a call: column names speak of calls ("
                    + ", ".join(f"`{n}`" for n in callish[:3]) + ")"
                ),
                score=0.6,
            ))

    # Interval reports: the service-level threshold named in a header, the interval length named
    # in the file name.
    if table == "intervals" and "threshold_s" in tdef.columns and "threshold_s" not in by_name:
        for prop in out:
            match = re.search(r"(\d+)\s*(s|sec|secs|seconds)\b", prop.source or "", re.I)
            if prop.canonical == "service_level" and prop.active and match:
                out.append(ColumnProposal(
                    canonical="threshold_s", spec={"value": int(match.group(1))}, source=None,
                    confidence="medium",
                    evidence=f"the service-level header `{prop.source}` names a {match.group(1)} s "
                    "threshold",
                    score=0.6,
                ))
                break
    if table == "intervals" and "interval_s" in tdef.columns and "interval_s" not in by_name:
        stem = " " + _normalise(profile.path.stem)[0] + " "
        lengths = (
            (" daily ", 86400, "daily"), (" day ", 86400, "daily"), (" hourly ", 3600, "hourly"),
            (" half hourly ", 1800, "half-hourly"), (" 30 min ", 1800, "30-minute"),
            (" 15 min ", 900, "15-minute"),
        )
        for word, seconds, label in lengths:
            if word in stem:
                out.append(ColumnProposal(
                    canonical="interval_s", spec={"value": seconds}, source=None,
                    confidence="medium",
                    evidence=f"the file name `{profile.path.name}` says {label}: one row is "
                    f"{seconds:,} s",
                    score=0.6,
                ))
                break

    # A required identifier with no source column: a digest of the whole record.
    key = tdef.key
    active = {c.canonical for c in out if c.active}
    if (
        key and key in tdef.required_columns and key not in active
        and _config_supports("hash_of")
    ):
        present = [c.name for c in profile.columns if c.type != "empty"]
        out = [c for c in out if c.canonical != key]
        alts = tuple(c for c in columns if c.canonical == key)
        out.append(ColumnProposal(
            canonical=key, spec={"hash_of": present}, source=None, confidence="medium",
            evidence=(
                f"no identifier column found: {key} is a digest of the whole record, so exact "
                "repeated records show up as duplicates"
            ),
            score=0.5, alternatives=alts,
        ))
    order = list(tdef.columns)
    return sorted(out, key=lambda c: order.index(c.canonical))


def _table_proposal(
    profile: ExportProfile, table: str, columns: list[ColumnProposal], score: float,
    *, skip_when_blank: tuple[str, ...] = (), evidence: str = "",
) -> TableProposal:

    tdef = CANONICAL_TABLES[table]
    active = {c.canonical for c in columns if c.active}
    missing = tuple(r for r in tdef.required_columns if r not in active)
    used = set()
    for c in columns:
        if not c.active:
            continue
        spec = c.spec
        if isinstance(spec, str):
            used.add(spec)
        elif isinstance(spec, dict):
            used.update(v for k, v in spec.items() if k in ("column", "time_column"))
    unmapped = tuple(c.name for c in profile.columns if c.name not in used)
    if not evidence:
        counts = Counter(c.confidence for c in columns if c.active)
        found = len(tdef.required_columns) - len(missing)
        evidence = (
            f"{len(active)} canonical column(s) recognised ({counts.get('high', 0)} high, "
            f"{counts.get('medium', 0)} medium confidence); {found} of "
            f"{len(tdef.required_columns)} required column(s) found"
        )
    return TableProposal(
        table=table, score=round(score, 2), evidence=evidence, columns=tuple(columns),
        missing_required=missing, unmapped=unmapped, skip_when_blank=skip_when_blank,
    )


def _surveys_from_contacts(
    profile: ExportProfile, contacts: TableProposal
) -> TableProposal | None:
    """A contact-level file with a score column also feeds ``surveys`` (one response per contact)."""

    if "surveys" not in CANONICAL_TABLES:
        return None
    props, _ = _assign(profile, "surveys")
    scores = [
        p for p in props
        if p.canonical in ("csat", "nps", "ces") and p.active and p.confidence != "low"
        and p.source not in {c.source for c in contacts.columns if c.active}
    ]
    if not scores:
        return None
    key = contacts.column("contact_id")
    if key is None or not key.active:
        return None
    arrived = contacts.column("arrived_at")
    columns = [
        ColumnProposal(
            "response_id", key.spec, key.source, key.confidence,
            f"`{key.source}` -> response_id: one response per contact, so the contact id "
            "identifies the response", key.score,
        ),
        ColumnProposal(
            "contact_id", key.spec, key.source, key.confidence,
            f"`{key.source}` -> contact_id: the contact the rating is about", key.score,
        ),
    ]
    if arrived is not None and arrived.active:
        columns.append(ColumnProposal(
            "responded_at", arrived.spec, arrived.source, "medium",
            f"`{arrived.source}` -> responded_at: the contact's time (no separate response time)",
            arrived.score,
        ))
    columns += scores
    comment = next((p for p in props if p.canonical == "comment" and p.active), None)
    if comment is not None:
        columns.append(comment)
    order = list(CANONICAL_TABLES["surveys"].columns)
    columns.sort(key=lambda c: order.index(c.canonical))
    names = ", ".join(f"`{p.source}`" for p in scores)
    skip = tuple(p.canonical for p in scores)
    return _table_proposal(
        profile, "surveys", columns, sum(p.score for p in scores), skip_when_blank=skip,
        evidence=(
            f"score column(s) {names} in a contact-level file: one survey response per rated "
            f"contact; records with no score are skipped (skip_when_blank)"
        ),
    )


def propose_mapping(profile: ExportProfile) -> MappingProposal:
    """Propose the canonical table(s) a profiled file feeds and a spec per recognised column.

    Every canonical table in :data:`csperf_lib.core.tables.CANONICAL_TABLES` is scored; the best
    becomes the proposal. A contact-level file with a satisfaction/rating/NPS column also feeds
    ``surveys`` (one response per rated contact, ``skip_when_blank``).

    Parameters
    ----------
    profile : ExportProfile
        From :func:`inspect_export`.

    Returns
    -------
    MappingProposal
    """

    scored: dict[str, TableProposal] = {}
    for table, tdef in CANONICAL_TABLES.items():
        props, score = _assign(profile, table)
        found = {p.canonical for p in props if p.active}
        required_found = sum(r in found for r in tdef.required_columns)
        required_missing = len(tdef.required_columns) - required_found
        total = score + 1.0 * required_found - 1.0 * required_missing
        scored[table] = _table_proposal(profile, table, props, total)
    ranking = sorted(scored.values(), key=lambda t: -t.score)
    best = ranking[0]
    columns = _derived(profile, best.table, list(best.columns))
    main = _table_proposal(profile, best.table, columns, best.score)
    rivals = [t for t in ranking[1:3] if t.score > 0]
    why = main.evidence
    if rivals:
        why += "; next best: " + ", ".join(f"{t.table} ({t.score:.1f})" for t in rivals)
    main = _replace(main, evidence=f"score {main.score:.1f}: {why}")
    tables = [main]
    if main.table == "contacts":
        second = _surveys_from_contacts(profile, main)
        if second is not None:
            tables.append(second)
    unused = {c.name for c in profile.columns}
    for t in tables:
        unused &= set(t.unmapped)
    return MappingProposal(
        profile=profile,
        tables=tuple(tables),
        table_scores={t.table: t.score for t in ranking},
        unmapped=tuple(c.name for c in profile.columns if c.name in unused),
    )


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .\-()/]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if (
        _PLAIN.match(text) and text.lower() not in _YAML_WORDS and not text.endswith(" ")
        and ": " not in text and " #" not in text and text.strip() == text
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


@dataclass(frozen=True)
class WrittenConfig:
    """The result of :func:`write_config`.

    Attributes
    ----------
    path : Path
        The file written.
    loads : bool
        Whether the config passes :func:`csperf_lib.core.config.load_config` as written.
    problems : tuple of str
        What stops it from loading (required columns missing...), empty when it loads.
    tables : tuple of TableProposal
        The table proposals written, after resolving two files proposing the same table.
    """

    path: Path
    loads: bool
    problems: tuple[str, ...]
    tables: tuple[TableProposal, ...]


def _comment_lines(text: str, indent: str, *, width: int = 96) -> list[str]:
    import textwrap

    return [
        f"{indent}# {line}"
        for line in textwrap.wrap(text, width=width - len(indent) - 2, break_on_hyphens=False)
    ] or [f"{indent}#"]


def _source_block(profile: ExportProfile, base: Path, indent: str) -> list[str]:
    rel = os.path.relpath(profile.path, base)
    lines = [f"{indent}source:", f"{indent}  file: {_scalar(Path(rel).as_posix())}"]
    if profile.format == "csv":
        bits = []
        if profile.line_endings:
            bits.append(f"{profile.line_endings} line endings")
        bits.append(f"{profile.rows_sampled:,} rows sampled"
                    + ("" if profile.sample_complete else " (the file has more)"))
        lines.append(f"{indent}  delimiter: {_scalar(profile.delimiter)}   # detected; "
                     + ", ".join(bits))
        enc_note = {
            "utf-8-sig": "UTF-8 with a byte-order mark",
            "utf-8": "UTF-8",
            "cp1252": "not valid UTF-8: read as Windows-1252",
        }.get(profile.encoding or "", "")
        lines.append(f"{indent}  encoding: {profile.encoding}   # detected: {enc_note}")
        if profile.skip_rows:
            stray = "; ".join(repr(s) for s in profile.stray_lines)[:120]
            lines.append(f"{indent}  skip_rows: {profile.skip_rows}   # stray lines: {stray}")
    elif profile.format == "excel":
        lines.append(f"{indent}  sheet: {_scalar(profile.sheet)}")
        if profile.skip_rows:
            lines.append(f"{indent}  skip_rows: {profile.skip_rows}   # rows above the header")
    if profile.na_values:
        lines.append(f"{indent}  na_values: {_flow(list(profile.na_values))}   # placeholders "
                     "for a missing value found in the data")
    if profile.decimal != ".":
        lines.append(f"{indent}  decimal: {_scalar(profile.decimal)}   # detected in numbers")
    if profile.thousands:
        lines.append(f"{indent}  thousands: {_scalar(profile.thousands)}   # detected in numbers")
    return lines


def _column_lines(prop: ColumnProposal, indent: str) -> list[str]:
    lines = _comment_lines(f"{prop.confidence}: {prop.evidence}", indent)
    line = f"{prop.canonical}: {_flow(prop.spec)}"
    if prop.active:
        lines.append(f"{indent}{line}")
    else:
        lines.append(f"{indent}# {line}")
    for alt in prop.alternatives:
        lines += _comment_lines(f"alternative ({alt.confidence}): {alt.evidence}", indent)
        lines.append(f"{indent}# {alt.canonical}: {_flow(alt.spec)}")
    return lines


def _render(
    plans: list[tuple[MappingProposal, TableProposal]],
    skipped: list[tuple[MappingProposal, str]],
    *, base: Path, disabled: Mapping[tuple[str, str], str],
) -> str:

    files = sorted({str(p.profile.path.name) for p, _ in plans} | {p.profile.path.name for p, _ in skipped})
    out = [
        f"# Generated by `csperf init` on {dt.date.today().isoformat()} from: {', '.join(files)}.",
        "# REVIEW EVERY LINE BEFORE RUNNING A REVIEW. Each column carries the confidence of the",
        "# guess (high / medium / low) and the evidence. Low-confidence or ambiguous choices are",
        "# commented out with their alternatives: uncomment the right one. '# TODO' marks required",
        "# columns that were not found. Column specs are documented in csperf_lib/core/config.py.",
        "organisation: Unnamed organisation   # TODO: shown on the report cover",
        "reviewer: Unnamed reviewer           # TODO: the quality reviewer",
    ]
    periods = []
    for prop, table in plans:
        for c in table.columns:
            if c.active and c.source and CANONICAL_TABLES[table.table].columns.get(c.canonical) == "datetime":
                col = prop.profile.column(c.source)
                if col.first and col.last:
                    periods.append((col.first[:10], col.last[:10]))
                break
    duplicated = [(p.profile.path.name, p.profile.duplicate_rows / p.profile.rows_sampled)
                  for p, _ in plans if p.profile.rows_sampled and p.profile.duplicate_rows]
    worst = max((share for _, share in duplicated), default=0.0)
    if worst > 0.05:
        # Exact repeats are quarantined as duplicates; above 10 % the default usable-share
        # threshold (90 %) would stop the review, so the config says so and proposes a threshold.
        listed = ", ".join(f"{name} {share:.0%}" for name, share in duplicated)
        threshold = max(0.5, math.floor((1 - worst - 0.05) * 20) / 20)
        out += _comment_lines(f"exact repeated rows in the sample: {listed}. They will be quarantined as "
                              "duplicates (when the identifier repeats too); the review stops below the "
                              "usable-share threshold, 90 % by default.", "")
        line = f"validation: {{min_usable_share: {threshold:g}}}"
        out.append(line if worst > 0.1 else "# " + line)
    if periods:
        start = min(p[0] for p in periods)
        end = max(p[1] for p in periods)
        out.append(f"# period: {{start: {start}, end: {end}}}   # the sampled data covers "
                   f"{start} to {end}; uncomment to restrict the review")
    out.append("tables:")
    for prop, table in plans:
        ind = "  "
        out.append(f"{ind}{table.table}:")
        out += _comment_lines(f"from {prop.profile.path.name}: {table.evidence}", ind + "  ")
        if table.skip_when_blank:
            out.append(f"{ind}  skip_when_blank: {_flow(list(table.skip_when_blank))}")
        out += _source_block(prop.profile, base, ind + "  ")
        out.append(f"{ind}  columns:")
        cind = ind + "    "
        for col in table.columns:
            reason = disabled.get((table.table, col.canonical))
            if reason:
                col = _replace(col, active=False, evidence=col.evidence + f"; rejected by the "
                               f"config check: {reason}")
            out += _column_lines(col, cind)
        active = {c.canonical for c in table.columns if c.active
                  and (table.table, c.canonical) not in disabled}
        for req in CANONICAL_TABLES[table.table].required_columns:
            if req not in active:
                out.append(f"{cind}# TODO required column {req}: no source column recognised; "
                           f"map it before running ({req}: <source column>)")
        if table.unmapped:
            out += _comment_lines(
                "not mapped (kept beside the canonical columns as extra columns): "
                + ", ".join(table.unmapped), cind,
            )
    for prop, why in skipped:
        out += _comment_lines(f"{prop.profile.path.name}: not used ({why})", "")
    return "\n".join(out) + "\n"


def _plan(proposals: Sequence[MappingProposal]) -> tuple[list, list]:
    """Resolve two files proposing the same table: the better-scoring file keeps it."""
    claims: dict[str, tuple[MappingProposal, TableProposal]] = {}
    skipped = []
    for prop in proposals:
        for table in prop.tables:
            held = claims.get(table.table)
            if held is None or table.score > held[1].score:
                if held is not None:
                    skipped.append((held[0], f"{table.table} comes from {prop.profile.path.name}"))
                claims[table.table] = (prop, table)
            else:
                skipped.append((prop, f"{table.table} comes from {held[0].profile.path.name}"))
    used_files = {id(p) for p, _ in claims.values()}
    skipped = [(p, why) for p, why in skipped if id(p) not in used_files]
    plans = sorted(claims.values(), key=lambda pt: [p.profile.path for p in proposals].index(
        pt[0].profile.path) * 10 + [t.table for t in pt[0].tables].index(pt[1].table))
    return plans, skipped


def write_config(
    proposals: MappingProposal | Sequence[MappingProposal], *, out: str | Path, force: bool = False
) -> WrittenConfig:
    """Write a commented ``review.yaml`` from one or more proposals.

    File paths are written relative to the config's folder. The text is checked with
    :func:`csperf_lib.core.config.parse_config`; a column spec the config rejects is commented out with
    the reason, so what is written loads whenever the required columns were found.

    Parameters
    ----------
    proposals : MappingProposal or sequence of MappingProposal
        From :func:`propose_mapping`, one per file.
    out : str or Path, keyword-only
        The YAML file to write.
    force : bool, keyword-only
        Overwrite an existing file.

    Returns
    -------
    WrittenConfig

    Raises
    ------
    CsperfError
        When ``out`` exists and ``force`` is False.
    """

    if isinstance(proposals, MappingProposal):
        proposals = [proposals]
    out = Path(out).expanduser()
    if out.exists() and not force:
        raise CsperfError(f"{out} already exists; choose another --out or pass --force to overwrite it")
    base = out.resolve().parent
    plans, skipped = _plan(list(proposals))
    disabled: dict[tuple[str, str], str] = {}
    text = _render(plans, skipped, base=base, disabled=disabled)
    problems: list[str] = []
    for _ in range(5):
        try:
            parse_config(yaml.safe_load(text), path=base / out.name, check_files=False)
            problems = []
            break
        except ConfigError as exc:
            problems = list(exc.problems)
        except yaml.YAMLError as exc:  # a bug here, never the user's: say so plainly
            raise CsperfError(f"csperf init produced invalid YAML ({exc}); please report it") from None
        fixed = False
        for problem in problems:
            match = re.match(r"tables\.(\w+)\.columns\.(\w+)[.:]", problem)
            if match and "required column is not mapped" not in problem:
                key = (match.group(1), match.group(2))
                if key not in disabled:
                    disabled[key] = problem.split(": ", 1)[-1]
                    fixed = True
        if not fixed:
            break
        text = _render(plans, skipped, base=base, disabled=disabled)
    base.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return WrittenConfig(
        path=out, loads=not problems, problems=tuple(problems),
        tables=tuple(t for _, t in plans),
    )


def init_config(
    paths: Iterable[str | Path], *, out: str | Path, force: bool = False,
    sheet: str | int | None = None,
) -> tuple[WrittenConfig, tuple[MappingProposal, ...]]:
    """Inspect each file, propose mappings and write the config (what ``csperf init`` runs).

    Parameters
    ----------
    paths : iterable of str or Path
        The exports.
    out : str or Path, keyword-only
        Config to write.
    force : bool, keyword-only
        Overwrite an existing config.
    sheet : str or int, optional, keyword-only
        Excel sheet to read (default: the first of each workbook).

    Returns
    -------
    (WrittenConfig, tuple of MappingProposal)
    """
    out = Path(out).expanduser()
    if out.exists() and not force:
        raise CsperfError(f"{out} already exists; choose another --out or pass --force to overwrite it")
    proposals = tuple(propose_mapping(inspect_export(p, sheet=sheet)) for p in paths)
    if not proposals:
        raise CsperfError("give at least one export with --from")
    return write_config(proposals, out=out, force=force), proposals

