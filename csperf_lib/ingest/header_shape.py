"""Where an export's header is and what surrounds it: a file whose first line is a record, lines of
question text under a header, the workbook sheet that holds the records.

Read by :func:`csperf_lib.ingest.profiling.inspect_export` (``csperf init``). Hand-written because
pandas reads whichever line it is told is the header; deciding which line that is (or that there is
none) is the judgement ``init`` adds, and each decision is said in the config it writes.
"""

from __future__ import annotations

import math
import re

import pandas as pd

__all__ = ["first_line_is_a_record", "header_label", "likeliest_sheet", "lines_under_header"]


#: A field that reads as a value, not a name: a number, or a date with its fields in digits.
_VALUE_LIKE = re.compile(r"^[-+]?\d+(?:[.,]\d+)?%?$|^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


def first_line_is_a_record(fields: list[str], frame: pd.DataFrame) -> bool:
    """Whether the line read as the header is a record: most of its fields are numbers or dates in
    columns of numbers or dates, or repeat as values of their own column (a header names a column;
    it is not one of its values). A year among names ("id,2019,2020" over text) stays a name."""
    if len(fields) != len(frame.columns) or len(frame) < 2:
        return False
    value_like = 0
    for position, field in enumerate(fields):
        values = frame.iloc[:, position].dropna().astype(str).str.strip().head(2000)
        shaped = bool(_VALUE_LIKE.match(field)) and values.str.match(_VALUE_LIKE).mean() >= 0.5
        if not field or shaped or field in set(values):
            value_like += 1
    return value_like >= max(2, math.ceil(len(fields) / 2))


def lines_under_header(frame: pd.DataFrame, *, most: int = 3) -> int:
    """How many records right under the header are more header: in the columns that hold numbers
    or dates further down, they hold words (Qualtrics writes the question text and an ImportId
    line there; SurveyMonkey a "Response" line). 0 when there are none."""
    if len(frame) < most + 5:
        return 0
    rest = frame.iloc[most:]
    numeric = []
    for column in frame.columns:
        values = rest[column].dropna().astype(str).str.strip()
        values = values[values != ""]
        if len(values) >= 5 and values.str.match(_VALUE_LIKE).mean() >= 0.95:
            numeric.append(column)
    if len(numeric) < 2:
        return 0
    count = 0
    for position in range(most):
        cells = frame.iloc[position][numeric]
        words = [str(v).strip() for v in cells if pd.notna(v) and str(v).strip()]
        wordy = [w for w in words if not _VALUE_LIKE.match(w)]
        if len(wordy) < 2 or len(wordy) < 0.8 * len(words):
            break
        count += 1
    return count


def header_label(cells: pd.Series, name: str) -> str:
    """The words under one header: the lines that say something other than the name (JSON
    import tags and repeats of the name left out)."""
    words = []
    for value in cells:
        text = str(value).strip() if pd.notna(value) else ""
        if text and text != name and not text.startswith("{") and text not in words:
            words.append(text)
    return " ".join(words)[:200]


def likeliest_sheet(book: pd.ExcelFile, names: list[str]) -> tuple[str, str]:
    """The sheet holding the records: the one with the most filled cells in its first 200 rows
    (an instructions or summary sheet before the register holds a few lines of text). Returns the
    name and, when there was a choice, why."""
    if len(names) == 1:
        return names[0], ""
    filled = {}
    for name in names:
        head = pd.read_excel(book, sheet_name=name, header=None, nrows=200, dtype=object)
        filled[name] = int(head.notna().to_numpy().sum())
    best = max(names, key=lambda n: (filled[n], -names.index(n)))
    others = ", ".join(f"'{n}' {filled[n]:,}" for n in names if n != best)
    return best, f"sheet '{best}' chosen: {filled[best]:,} filled cells in its first 200 rows ({others})"
