"""What a reader must never see on a page of the report: a check of the rendered pages and PDF.

A page fails when a table cell shows a raw missing value or a Python literal (``None``, ``nan``,
``NaN``, ``NaT``, ``<NA>``, ``True``, ``False``, ``[]``, ``{}``), when a p-value or any figure is
printed with an ``e-`` exponent, when prose names something by its snake_case identifier
(``aht_s``, ``within_tolerance``) instead of its label, when a table has headers and no row,
when a local link or anchor leads nowhere, or when the page is over :data:`MAX_PAGE_BYTES`; the PDF fails when pdftotext finds a word the HTML does not have (a word cut
across lines or pages). The checks take the text a browser shows (the browser test passes
Chromium's ``innerText``) or, without a browser, the text of the HTML (:func:`page_texts`).

Hand-written: the rules are this project's reading standard, a few regular expressions over text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MAX_PAGE_BYTES",
    "RAW_CELL_VALUES",
    "PageTexts",
    "audit_folder",
    "cell_problems",
    "empty_table_problems",
    "link_problems",
    "page_texts",
    "pdf_word_problems",
    "prose_problems",
    "size_problems",
]

#: A page over this size fails (2 MB: it opens slowly and prints badly).
MAX_PAGE_BYTES = 2_000_000

#: Cell texts that are a program's value, not a reader's.
RAW_CELL_VALUES = frozenset({"None", "none", "nan", "NaN", "NaT", "<NA>", "True", "False", "[]", "{}", "null"})

_EXPONENT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][-+]\d+\b")
_SNAKE = re.compile(r"(?<![\w./@#:=-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/@-]|\.\w)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]")


@dataclass(frozen=True)
class PageTexts:
    """What a reader sees on one page: every table cell's text and the prose outside code.

    Attributes
    ----------
    cells : list of str
        Each ``td``/``th`` text, stripped.
    prose : str
        Visible text outside ``code``, ``pre``, ``kbd``, ``samp`` and formulas.
    text : str
        All visible text (for the PDF word check).
    """

    cells: list[str]
    prose: str
    text: str


def page_texts(html_text: str) -> PageTexts:
    """The cells, prose and text of an HTML page as a browser shows them (scripts, styles and
    hidden elements left out)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html_text, "html.parser")
    for hidden in soup(["script", "style", "template", "noscript", "head"]):
        hidden.decompose()
    cells = [c.get_text(" ", strip=True) for c in soup.find_all(["td", "th"])]
    text = soup.get_text(" ")
    for code in soup(["code", "pre", "kbd", "samp", "math", "var"]):
        code.decompose()
    return PageTexts(cells=cells, prose=soup.get_text(" "), text=text)


def cell_problems(cells: Iterable[str]) -> list[str]:
    """Cells showing a raw value (:data:`RAW_CELL_VALUES`), counted per value."""
    counts: dict[str, int] = {}
    for cell in cells:
        value = cell.strip()
        if value in RAW_CELL_VALUES:
            counts[value] = counts.get(value, 0) + 1
    return [f"{n} table cell{'s' if n > 1 else ''} showing {value!r}" for value, n in sorted(counts.items())]


def empty_table_problems(html_text: str) -> list[str]:
    """Tables that show headers but no row (say "nothing to list" instead)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html_text, "html.parser")
    empty = [t for t in soup.find_all("table") if t.find("th") and not t.find("td")]
    return [f"{len(empty)} empty table(s) (headers and no row)"] if empty else []


def prose_problems(prose: str, *, allowed: Iterable[str] = ()) -> list[str]:
    """Numbers with an exponent (``1.13e-312``) and snake_case identifiers in the prose."""
    problems = []
    exponents = _EXPONENT.findall(prose)
    if exponents:
        problems.append(f"{len(exponents)} number(s) printed with an exponent, e.g. {exponents[:3]}")
    allowed = set(allowed)
    snake = [w for w in _SNAKE.findall(prose) if w not in allowed]
    if snake:
        common = sorted(set(snake), key=snake.count, reverse=True)[:8]
        problems.append(f"{len(snake)} snake_case identifier(s) in the text, e.g. {common}")
    return problems


def size_problems(path: str | Path) -> list[str]:
    """The page's size when over :data:`MAX_PAGE_BYTES`."""
    size = Path(path).stat().st_size
    return [f"{size / 1e6:.1f} MB (over {MAX_PAGE_BYTES / 1e6:.0f} MB)"] if size > MAX_PAGE_BYTES else []


def pdf_text(path: str | Path) -> str:
    """The PDF's text as ``pdftotext -layout`` reads it (poppler-utils)."""
    if shutil.which("pdftotext") is None:
        raise FileNotFoundError("pdftotext not found (apt-get install poppler-utils)")
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout


def pdf_word_problems(pdf: str, html_text: str, *, ignore: Sequence[str] = ()) -> list[str]:
    """Words of the PDF text that the HTML does not have: a word cut across lines or pages (or a
    path broken mid-word). Page furniture (``ignore``: running header and footer words) is left
    out; case is ignored."""
    known = {w.lower() for w in _WORD.findall(html_text)} | {w.lower() for w in ignore}
    cut = sorted({w for w in _WORD.findall(pdf) if w.lower() not in known})
    return [f"{len(cut)} word(s) in the PDF that the page does not have (cut?): {cut[:10]}"] if cut else []


def link_problems(page: str | Path) -> list[str]:
    """Local links of an HTML page whose file or ``#fragment`` does not exist (external and
    ``data:`` links are not followed)."""
    from urllib.parse import unquote, urlsplit

    from bs4 import BeautifulSoup

    page = Path(page)
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            ids[path] = {str(t.get("id")) for t in soup.find_all(id=True)} | {str(t.get("name")) for t in soup.find_all("a", attrs={"name": True})}
        return ids[path]

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    broken = []
    for a in soup.find_all("a", href=True):
        parts = urlsplit(a["href"])
        if parts.scheme or parts.netloc:
            continue
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
        if not target.exists():
            broken.append(a["href"])
        elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in ids_of(target) \
                and parts.fragment not in ids_of(target):
            broken.append(a["href"])
    return [f"{len(broken)} broken local link(s), e.g. {broken[:3]}"] if broken else []


def audit_folder(folder: str | Path, *, allowed: Iterable[str] = ()) -> dict[str, list[str]]:
    """Every page of a report folder (and its evidence PDF) checked; page name -> problems (only
    pages with problems)."""
    folder = Path(folder)
    found: dict[str, list[str]] = {}
    allowed = tuple(allowed)
    texts = {}
    for page in sorted(folder.glob("*.html")):
        texts[page.name] = page_texts(page.read_text(encoding="utf-8"))
        problems = (size_problems(page) + cell_problems(texts[page.name].cells)
                    + prose_problems(texts[page.name].prose, allowed=allowed) + link_problems(page)
                    + empty_table_problems(page.read_text(encoding="utf-8")))
        if problems:
            found[page.name] = problems
    pdf = folder / "evidence_report.pdf"
    if pdf.is_file() and "evidence_report.html" in texts and shutil.which("pdftotext"):
        problems = pdf_word_problems(pdf_text(pdf), texts["evidence_report.html"].text, ignore=("Page", "of"))
        if problems:
            found[pdf.name] = problems
    return found
