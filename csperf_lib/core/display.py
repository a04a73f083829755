"""How a table is shown to a reader: no index column, no ``None``, ``nan``, ``NaT`` or ``<NA>``.

Stage notebooks display many computed tables; in the executed notebook, the HTML and the PDF a
reader sees those tables, not the code. :func:`reader_frame` turns a DataFrame into the text a
reader should see (missing values as a dash, yes/no for flags, dates as "5 Jan 2026", p and q
values as "< 0.001", numbers to four significant figures with thousands separators, lists as
comma-separated text, snake_case column names as words with their unit); :func:`reader_html` renders it; :func:`show_frames_for_people` makes every
DataFrame a stage notebook displays go through it (called by
:func:`csperf_lib.stages.context.stage_context`; a no-op outside IPython). The data themselves are
never changed: only their display.

Written here rather than with pandas' Styler: the Styler formats per column and leaves the index
and missing values to each call site; one formatter for every table is what keeps the pages
consistent. The HTML itself is pandas' ``to_html`` (escaped). Great Tables was tried for it
(great_tables 1.1): its per-table stylesheet sets ``tbody, tfoot, tr, td, th`` unscoped, restyling
every other table of a notebook page, its random per-render ids make two runs of the same review
differ, and it roughly doubles each table's bytes; a long table here is complete and scrolls
instead (:func:`reader_html`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.formatting import format_p_value

__all__ = ["MAX_ROWS", "MISSING", "SCROLL_ROWS", "human_label", "reader_frame", "reader_html", "reader_text", "reader_value", "show_frames_for_people"]

_STYLE = ("<style>table.reader-table td, table.reader-table th {text-align: left; vertical-align: top;}"
          " table.reader-table td {max-width: 42em; white-space: normal; overflow-wrap: break-word;}"
          " div.reader-scroll {max-height: 34em; overflow-y: auto;}"
          " @media print {div.reader-scroll {max-height: none; overflow: visible;}}"
          "</style>")
#: What a reader sees for a value that is not there.
MISSING = "—"
#: Rows a page holds before a table is cut (the rest is counted under it): every table a stage
#: shows is far shorter, so in practice each is complete.
MAX_ROWS = 2000
#: Rows shown before a longer table scrolls (all its rows are in the page, and in print).
SCROLL_ROWS = 25
_P_NAMES = {"p", "q", "p_value", "q_value", "p_adjusted", "p_adj", "pvalue", "qvalue", "p-value", "q-value"}


def _is_p_column(name: Any) -> bool:
    text = str(name).strip().lower()
    return text in _P_NAMES or text.startswith(("p_value", "q_value")) or text.endswith(("_p_value", "_q_value"))


def _number(x: float) -> str:
    if not math.isfinite(x):
        return MISSING if math.isnan(x) else ("∞" if x > 0 else "−∞")
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.1f}"
    if abs(x) < 1e-4:
        return "≈ 0"
    return f"{x:.4g}"


def reader_value(value: Any, *, p_value: bool = False, labels: Mapping[str, str] | None = None) -> str:
    """One cell as a reader sees it (see the module docstring); ``p_value`` formats a p or q value;
    identifiers in text read as words (:func:`reader_text`, with ``labels``)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        if pd.isna(value):
            return MISSING
        stamp = pd.Timestamp(value)
        return f"{stamp.day} {stamp:%b %Y}" + ("" if stamp == stamp.normalize() else f" {stamp:%H:%M}")
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, (pd.Timedelta, dt.timedelta)):
        return MISSING if pd.isna(value) else str(pd.Timedelta(value)).replace("0 days ", "")
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return MISSING
        return format_p_value(value) if p_value else _number(float(value))
    if isinstance(value, Mapping):
        return "; ".join(f"{reader_text(str(k), labels=labels)}: {reader_value(v, labels=labels)}"
                         for k, v in value.items()) or MISSING
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        items = [reader_value(v, labels=labels) for v in value]
        return ", ".join(items) if items else MISSING
    text = str(value)
    if not text.strip() or text in ("nan", "NaN", "None", "NaT", "<NA>"):
        return MISSING
    return reader_text(text, labels=labels)


_SNAKE_IN_TEXT = re.compile(r"(?<![\w./@#:=-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/@-]|\.\w)")


def reader_text(text: str, *, labels: Mapping[str, str] | None = None) -> str:
    """Identifiers in a text as a reader reads them.

    A text that is one snake_case identifier becomes its label (``labels``, e.g. a KPI's name from
    the catalogue) or its words (:func:`human_label`: ``within_tolerance`` → "Within tolerance");
    inside a longer text, each identifier is replaced by its label (``aht_s`` → "Average handling
    time") or its words (``wait_s`` → "wait (s)"). File names, e-mail addresses and other text are
    unchanged.
    """
    labels = labels or {}
    if "_" not in text:
        return text
    if _SNAKE.match(text):
        return labels.get(text) or human_label(text)
    return _SNAKE_IN_TEXT.sub(lambda m: labels.get(m.group(0)) or _words(m.group(0)), text)


def _words(identifier: str) -> str:
    """An identifier inside a sentence as words: ``wait_s`` → "wait (s)", ``qa_evaluations`` →
    "QA evaluations" (lower case unless an abbreviation leads)."""
    label = human_label(identifier)
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


#: Words a snake_case column name spells in capitals (abbreviations a reader knows).
_ACRONYMS = {"ci": "CI", "id": "ID", "ids": "IDs", "kpi": "KPI", "kpis": "KPIs", "aht": "AHT", "asa": "ASA",
             "nps": "NPS", "csat": "CSAT", "ces": "CES", "fcr": "FCR", "qa": "QA", "sl": "SL", "smart": "SMART",
             "iqr": "IQR", "sd": "SD", "mae": "MAE",
             "sha256": "SHA-256", "url": "URL", "aql": "AQL", "rag": "RAG"}
#: Name endings that are units: shown in brackets.
_UNIT_SUFFIXES = {"_s": "s", "_days": "days", "_hours": "hours", "_minutes": "min"}
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def human_label(name: Any) -> Any:
    """A snake_case column name as a reader reads it: ``rows_usable`` → "Rows usable",
    ``wait_s`` → "Wait (s)", ``ci_low`` → "CI low", ``p_value`` → "p"; other names unchanged."""
    if not isinstance(name, str) or not _SNAKE.match(name):
        return name
    if name in ("p_value", "p", "pvalue"):
        return "p"
    if name in ("q_value", "q", "qvalue"):
        return "q"
    if name == "n":
        return "n"
    unit = ""
    for suffix, word in _UNIT_SUFFIXES.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            name, unit = name[: -len(suffix)], f" ({word})"
            break
    words = [_ACRONYMS.get(w, w) for w in name.split("_")]
    first = words[0] if words[0] in _ACRONYMS.values() else words[0][:1].upper() + words[0][1:]
    return " ".join([first, *words[1:]]) + unit


def reader_frame(frame: pd.DataFrame, *, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The table as text a reader should see: every cell through :func:`reader_value`, a default
    0, 1, 2 … index dropped (a meaningful index becomes the first columns).

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table; not modified.
    labels : mapping, optional, keyword-only
        Identifier → label (KPI names, dimensions, tables) for identifiers in cells
        (:func:`reader_text`).

    Returns
    -------
    pandas.DataFrame
        Same rows and columns (plus the index's, when it has meaning), every value a string,
        snake_case column names read as words (:func:`human_label`).
    """
    source = frame
    if not isinstance(frame.index, pd.RangeIndex):  # a meaningful index: its labels become columns
        unnamed = [n is None for n in frame.index.names]
        source = frame.reset_index(names=["" if u else n for u, n in zip(unnamed, frame.index.names, strict=True)]
                                   if frame.index.nlevels > 1 or unnamed[0] else None)
    names = [" / ".join(str(c) for c in col) if isinstance(col, tuple) else col for col in source.columns]
    columns = {i: [reader_value(v, p_value=_is_p_column(name), labels=labels) for v in source.iloc[:, i].tolist()]
               for i, name in enumerate(names)}
    out = pd.DataFrame(columns, index=range(len(source)), dtype=object)
    out.columns = [reader_text(h, labels=labels) if isinstance(h := human_label(n), str) else h for n in names]
    return out


def reader_html(frame: pd.DataFrame, *, max_rows: int = MAX_ROWS, scroll_rows: int = SCROLL_ROWS,
                labels: Mapping[str, str] | None = None) -> str:
    """:func:`reader_frame` as an HTML table (escaped, no index, long text wrapped).

    A table longer than ``scroll_rows`` is complete in the page but scrolls in a box of about
    that height (printed in full), with a line saying how many rows it has; beyond ``max_rows`` it
    is cut, with a line saying how many of how many are shown. Never silently cut. A table with no
    rows is a sentence saying so, not an empty grid of headers.
    """
    if frame.empty:
        return "<p><em>Nothing to list.</em></p>"
    shown = reader_frame(frame.head(max_rows), labels=labels)
    # text reads from the left and long cells wrap from the top (the notebook default right-aligns)
    table = _STYLE + shown.to_html(index=False, escape=True, border=0, classes="reader-table", justify="left")
    if len(frame) > max_rows:
        return table + f"<p><em>The first {max_rows:,} of {len(frame):,} rows are shown.</em></p>"
    if len(frame) > scroll_rows:
        return (f'<div class="reader-scroll">{table}</div>'
                f"<p><em>All {len(frame):,} rows; scroll the table to see them.</em></p>")
    return table


def show_frames_for_people(*, labels: Mapping[str, str] | None = None) -> bool:
    """Make IPython display every DataFrame through :func:`reader_html` (identifiers in cells
    read through ``labels``).

    Returns
    -------
    bool
        True when registered (running under IPython), False otherwise (nothing changes).
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the notebook extras
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, lambda f: reader_html(f, labels=labels))
    return True
