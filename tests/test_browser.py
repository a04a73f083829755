"""Browser tests of the rendered review, and of printing the evidence report to PDF.

One small review whose sources carry markup (an organisation name, a contact's timestamp and
survey comments holding ``<script>alert(1)</script>`` and ``<img src=x onerror=...>``) runs once
through the command line with the project's stage notebooks. Every page a reviewer opens
(``index.html``, each stage page, ``evidence_report.html``) is then loaded from ``file://`` in
headless Chromium driven by Playwright, and checked as a browser sees it: no script errors, no
dialog (an executed ``alert``), an unchanged title, images that load and are described, local
links and anchors that resolve, one ``<h1>`` and no skipped heading level, tables with header
cells, and the hostile text shown as text.

Playwright drives the system's Chromium (``executable_path``; its own browser download is never
used). Without a Chromium binary these tests skip with the reason; ``apt-get install chromium
poppler-utils`` provides the browser and ``pdfinfo``/``pdftotext`` for the PDF checks.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from conftest import make_stage

from csperf_lib.core.errors import CsperfError
from csperf_lib.core.paths import notebooks_dir
from csperf_lib.core.summary_io import read_summary
from csperf_lib.report.pdf import (
    CHROMIUM_FLAGS,
    PRINT_CSS,
    ChromiumNotFoundError,
    PdfError,
    find_chromium,
    html_to_pdf,
)
from csperf_lib.report.runner import (
    EVIDENCE_HTML,
    EVIDENCE_PDF,
    EVIDENCE_STAGE,
    INDEX_FILE,
    NBCONVERT_DEFAULT_ALT,
    describe_images,
    discover_stages,
    run_review,
)

RUN_DATE = "2026-11-22"
HOSTILE_IMG = "<img src=x onerror=\"document.title='pwned'\">"
HOSTILE_SCRIPT = "<script>alert(1)</script>"


def _chromium() -> str | None:
    try:
        return find_chromium()
    except ChromiumNotFoundError:
        return None


CHROMIUM = _chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium binary (chromium, chromium-browser, google-chrome or $CSPERF_CHROMIUM); "
    "apt-get install chromium",
)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None,
    reason="pdfinfo/pdftotext not found; apt-get install poppler-utils",
)


def _expected_pages() -> list[str]:
    """index.html, one page per stage notebook of the project, and the evidence report."""
    stages = discover_stages(notebooks_dir())
    pages = [INDEX_FILE, *(f"{path.stem}.html" for path in stages)]
    if any(EVIDENCE_STAGE.match(path.stem) for path in stages):
        pages.append(EVIDENCE_HTML)
    return pages


PAGES = _expected_pages()
HAS_EVIDENCE = EVIDENCE_HTML in PAGES


# --------------------------------------------------------------------------------------------
# fixtures: one hostile review (shared by pytest-xdist workers), one browser per module


def _write_hostile_sources(folder: Path) -> Path:
    rows = ["id,when,ans"] + [f"C{i},2026-01-05 10:{i:02d},Y" for i in range(40)]
    rows.append(f"BAD,{HOSTILE_IMG},Y")
    (folder / "calls.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    comments = ["rid,call,csat,comment"] + [
        f'R{i},C{i},{1 + i % 5},"{HOSTILE_SCRIPT} rude agent, ring 07700 900{i:03d} '
        f'or x{i}@example.com"'
        for i in range(30)
    ]
    (folder / "surveys.csv").write_text("\n".join(comments) + "\n", encoding="utf-8")
    config = folder / "review.yaml"
    config.write_text(
        f'organisation: "{HOSTILE_SCRIPT} Ltd"\n'
        "tables:\n  contacts:\n    source: {file: calls.csv}\n"
        "    columns: {contact_id: id, arrived_at: when, answered: ans}\n"
        "  surveys:\n    source: {file: surveys.csv}\n"
        "    columns: {response_id: rid, contact_id: call, csat: csat, comment: comment}\n",
        encoding="utf-8",
    )
    return config


def _run_hostile_review(work: Path) -> dict:
    config = _write_hostile_sources(work)
    cmd = [
        sys.executable, "-m", "csperf_lib", "review", "--config", str(config),
        "--date", RUN_DATE, "--out", str(work / "reports"),
        "--store", f"duckdb://{work / 's.duckdb'}", "--quiet",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=work, timeout=600)
    return {
        "returncode": done.returncode,
        "stderr": done.stderr[-4000:],
        "folder": str(work / "reports" / RUN_DATE),
    }


def _lock(path: Path):
    try:
        from filelock import FileLock
    except ModuleNotFoundError:  # without it each xdist worker runs its own review
        return contextlib.nullcontext()
    return FileLock(str(path))


@pytest.fixture(scope="module")
def review_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile review's report folder; run once per test session, even under xdist."""
    root = tmp_path_factory.getbasetemp()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        try:
            import filelock  # noqa: F401
        except ModuleNotFoundError:
            pass
        else:
            root = root.parent  # the session's folder, shared by the workers
    work = root / "browser-review"
    with _lock(root / "browser-review.lock"):
        record = work / "result.json"
        if not record.is_file():
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            record.write_text(json.dumps(_run_hostile_review(work)), encoding="utf-8")
    result = json.loads(record.read_text(encoding="utf-8"))
    if result["returncode"] != 0:
        pytest.fail(f"the review failed (exit {result['returncode']}):\n{result['stderr']}")
    return Path(result["folder"])


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (the system's binary) driven by Playwright."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS), headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


class OpenedPage:
    """A page loaded with its console errors, uncaught exceptions and dialogs recorded."""

    def __init__(self, browser, path: Path):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on(
            "console",
            lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on("dialog", self._on_dialog)
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.wait_for_timeout(100)  # let late handlers (onerror of a broken image) fire

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def open_page(browser):
    """Open pages in the module's browser; each in its own context, closed after the test."""
    opened: list[OpenedPage] = []

    def _open(path: Path) -> OpenedPage:
        page = OpenedPage(browser, path)
        opened.append(page)
        return page

    yield _open
    for page in opened:
        page.close()


_ids_cache: dict[Path, set[str]] = {}

PAGE_FACTS_JS = r"""() => ({
  title: document.title,
  headings: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => ({
    level: Number(h.tagName.slice(1)), text: h.textContent.replace('\u00b6', '').trim()})),
  images: [...document.images].map(img => ({
    ok: img.complete && img.naturalWidth > 0, alt: img.getAttribute('alt'),
    src: (img.getAttribute('src') || '').slice(0, 60)})),
  tables: [...document.querySelectorAll('table')].map(t => ({
    th: t.querySelectorAll('th').length, start: t.outerHTML.slice(0, 120)})),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id)
    .concat([...document.querySelectorAll('a[name]')].map(a => a.name)),
})"""


def _source_title(path: Path) -> str:
    match = re.search(r"<title>(.*?)</title>", path.read_text(encoding="utf-8"), re.S | re.I)
    return html.unescape(match.group(1)).strip() if match else ""


def _page_ids(open_page, path: Path) -> set[str]:
    """The ids in ``path``'s DOM (pages checked earlier in the module are not opened again)."""
    path = path.resolve()
    if path not in _ids_cache:
        _ids_cache[path] = set(open_page(path).page.evaluate(PAGE_FACTS_JS)["ids"])
    return _ids_cache[path]


def _link_problems(open_page, page_path: Path, links: list[str], own_ids: set[str]) -> list[str]:
    problems = []
    for href in links:
        parts = urllib.parse.urlsplit(href)
        if parts.scheme or parts.netloc:  # not a local link (none are expected, none checked)
            continue
        target = page_path
        if parts.path:
            target = (page_path.parent / urllib.parse.unquote(parts.path)).resolve()
            if not target.exists():
                problems.append(f"link {href!r}: {target.name} does not exist")
                continue
        if parts.fragment:
            anchor = urllib.parse.unquote(parts.fragment)
            if target == page_path:
                ids = own_ids
            elif target.suffix == ".html":
                ids = _page_ids(open_page, target)
            else:
                continue
            # a browser tries the fragment as written, then percent-decoded (nbconvert writes
            # percent-encoded ids such as "Stage-00-%E2%80%94-Collect")
            if parts.fragment not in ids and anchor not in ids:
                problems.append(f"link {href!r}: no element with id {anchor!r} in {target.name}")
    return problems


# --------------------------------------------------------------------------------------------
# every page, as a browser shows it


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("name", PAGES)
def test_page_is_safe_and_well_formed_in_a_browser(name: str, review_dir: Path, open_page) -> None:
    path = (review_dir / name).resolve()
    assert path.is_file(), f"{name} was not written; the run has {sorted(os.listdir(review_dir))}"
    opened = open_page(path)
    facts = opened.page.evaluate(PAGE_FACTS_JS)
    _ids_cache[path.resolve()] = set(facts["ids"])
    problems: list[str] = []
    problems += opened.errors
    problems += [f"a dialog opened ({d}): a script from the data ran" for d in opened.dialogs]
    if facts["title"] != _source_title(path) or "pwned" in facts["title"]:
        problems.append(f"document.title changed by a script: {facts['title']!r}")
    for img in facts["images"]:
        alt = (img["alt"] or "").strip()
        if not img["ok"]:
            problems.append(f"broken image {img['src']!r}")
        if not alt or alt == NBCONVERT_DEFAULT_ALT:
            problems.append(f"image without a description (alt={img['alt']!r})")
    problems += _link_problems(open_page, path, facts["links"], set(facts["ids"]))
    levels = [h["level"] for h in facts["headings"]]
    if levels.count(1) != 1:
        h1s = [h["text"] for h in facts["headings"] if h["level"] == 1]
        problems.append(f"{levels.count(1)} <h1> elements (want exactly one): {h1s}")
    for before, after in zip(facts["headings"], facts["headings"][1:], strict=False):
        if after["level"] > before["level"] + 1:
            problems.append(
                f"heading level skipped: h{before['level']} {before['text']!r} is followed by "
                f"h{after['level']} {after['text']!r}"
            )
    for table in facts["tables"]:
        if table["th"] == 0:
            problems.append(f"table without header cells: {table['start']!r}")
    if name == INDEX_FILE and HAS_EVIDENCE:
        local = [h for h in facts["links"] if not urllib.parse.urlsplit(h).scheme]
        if not local or local[0] != EVIDENCE_HTML:
            problems.append(f"index.html does not link the evidence report first: {local[:3]}")
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.slow
@needs_chromium
def test_hostile_text_is_shown_as_text(review_dir: Path, open_page) -> None:
    qualitative = open_page(review_dir / "04_qualitative.html").page
    assert f"{HOSTILE_SCRIPT} rude agent" in qualitative.inner_text("body")
    validate = open_page(review_dir / "01_validate.html").page
    assert "<img src=x onerror=" in validate.inner_text("body")
    index = open_page(review_dir / INDEX_FILE).page
    assert f"{HOSTILE_SCRIPT} Ltd" in index.title()
    assert f"{HOSTILE_SCRIPT} Ltd" in index.inner_text("h1")


READER_TEXT_JS = r"""() => {
  const visible = e => e.offsetParent !== null || e.getClientRects().length > 0;
  const cells = [...document.querySelectorAll('td,th')].filter(visible).map(c => c.innerText.trim());
  // prose: each visible text block on its own line, without code, formulas and anchor links
  const blocks = [...document.querySelectorAll('p,li,td,th,caption,dd,dt,figcaption,summary,blockquote,h1,h2,h3,h4,h5,h6')]
    .filter(visible).map(e => {
      const c = e.cloneNode(true);
      c.querySelectorAll('code,pre,kbd,samp,math,var,script,style,.anchor-link').forEach(x => x.remove());
      c.querySelectorAll('br').forEach(b => b.replaceWith(' '));
      return c.textContent;
    });
  return {cells, prose: blocks.join('\n'), text: document.body.innerText};
}"""


def reader_problems_in_browser(paths) -> dict[str, list[str]]:
    """Open each page in headless Chromium and check what it shows (cells, prose, size); for
    other test modules (the demo and the example reviews). Page name -> problems (only pages with
    problems); skips when Playwright or Chromium is missing."""
    from csperf_lib.report.audit import cell_problems, prose_problems, size_problems

    if CHROMIUM is None:
        pytest.skip("no Chromium binary for the browser check (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    found = {}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS), headless=True)
        try:
            for path in paths:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(Path(path).resolve().as_uri(), wait_until="load")
                shown = page.evaluate(READER_TEXT_JS)
                page.close()
                problems = cell_problems(shown["cells"]) + prose_problems(shown["prose"]) + size_problems(path)
                if problems:
                    found[Path(path).name] = problems
        finally:
            browser.close()
    return found


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("name", PAGES)
def test_page_reads_as_written_for_people(name: str, review_dir: Path, open_page) -> None:
    """Issue 19's visual check, on what Chromium shows: no None/nan/NaN/NaT/<NA>/True/False cells,
    no e- exponents, no snake_case identifiers in the prose, no page over 2 MB."""
    from csperf_lib.report.audit import cell_problems, prose_problems, size_problems

    path = (review_dir / name).resolve()
    shown = open_page(path).page.evaluate(READER_TEXT_JS)
    problems = cell_problems(shown["cells"]) + prose_problems(shown["prose"]) + size_problems(path)
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.slow
@needs_chromium
@needs_poppler
@pytest.mark.skipif(not HAS_EVIDENCE, reason="no evidence-report stage (NN_evidence_report) yet")
def test_evidence_report_pdf_text_is_whole(review_dir: Path, open_page) -> None:
    """No word or path of the evidence report is cut in the PDF (pdftotext against the page)."""
    from csperf_lib.report.audit import pdf_word_problems

    shown = open_page(review_dir / EVIDENCE_HTML).page.evaluate(READER_TEXT_JS)
    assert pdf_word_problems(_pdf_text(review_dir / EVIDENCE_PDF), shown["text"], ignore=("Page", "of")) == []


@pytest.mark.slow
@needs_chromium
def test_screenshot_of_the_report(review_dir: Path, open_page, tmp_path: Path) -> None:
    name = EVIDENCE_HTML if HAS_EVIDENCE else "04_qualitative.html"
    page = open_page(review_dir / name).page
    shot = tmp_path / f"{Path(name).stem}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot of {name}: {shot}")
    assert shot.stat().st_size > 10_000
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height > 900, "the page is shorter than one screen: is the report empty?"


@pytest.mark.slow
@needs_chromium
@needs_poppler
@pytest.mark.skipif(not HAS_EVIDENCE, reason="no evidence-report stage (NN_evidence_report) yet")
def test_evidence_report_pdf_has_numbered_pages(review_dir: Path) -> None:
    pdf = review_dir / EVIDENCE_PDF
    assert pdf.is_file(), f"{EVIDENCE_PDF} was not written"
    assert _pdf_pages(pdf) >= 2
    assert "Page 1 of" in _pdf_text(pdf)
    summary = read_summary(review_dir)
    assert summary["evidence_report"]["html"] == EVIDENCE_HTML
    assert summary["evidence_report"]["pdf"] == EVIDENCE_PDF


# --------------------------------------------------------------------------------------------
# csperf_lib.report.pdf and the runner's evidence-report step on their own


def _pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@needs_chromium
@needs_poppler
def test_print_css_numbers_pages_and_hides_anchor_links(tmp_path: Path) -> None:
    paragraphs = "\n".join(
        f"<p>Finding {i}: waiting times rose in week {i}.</p>" for i in range(120)
    )
    page = tmp_path / "report.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title>'
        f"<style>{PRINT_CSS}</style></head><body>"
        f'<h1 id="top">Evidence<a class="anchor-link" href="#top">\u00b6</a></h1>{paragraphs}'
        "</body></html>",
        encoding="utf-8",
    )
    pdf = html_to_pdf(page, tmp_path / "out" / "report.pdf")
    assert pdf == tmp_path / "out" / "report.pdf" and pdf.is_file()
    pages = _pdf_pages(pdf)
    text = _pdf_text(pdf)
    assert pages >= 2
    assert "Page 1 of " + str(pages) in text and f"Page {pages} of {pages}" in text
    assert "\u00b6" not in text
    assert not list(pdf.parent.glob(".*partial*"))


def test_html_to_pdf_reports_problems_in_one_line(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(PdfError, match="no such file"):
        html_to_pdf(tmp_path / "missing.html", tmp_path / "x.pdf")
    page = tmp_path / "page.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(ChromiumNotFoundError, match="not an executable"):
        html_to_pdf(page, tmp_path / "x.pdf", chromium=tmp_path / "no-such-browser")
    monkeypatch.setattr("csperf_lib.report.pdf.find_chromium", lambda: None)
    with pytest.raises(ChromiumNotFoundError) as caught:
        html_to_pdf(page, tmp_path / "x.pdf")
    assert str(caught.value) == "Chromium not found (apt-get install chromium)"
    assert isinstance(caught.value, CsperfError)
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n", encoding="utf-8")
    fake.chmod(0o755)
    with pytest.raises(PdfError, match=r"exit code 3\): cannot open display"):
        html_to_pdf(page, tmp_path / "x.pdf", chromium=fake)
    assert not (tmp_path / "x.pdf").exists()


def test_find_chromium_looks_at_the_environment_then_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CSPERF_CHROMIUM", raising=False)
    assert find_chromium() is None
    browser = tmp_path / "chromium-browser"
    browser.write_text("#!/bin/sh\n", encoding="utf-8")
    browser.chmod(0o755)
    assert find_chromium() == str(browser)
    monkeypatch.setenv("CSPERF_CHROMIUM", str(tmp_path / "absent"))
    with pytest.raises(ChromiumNotFoundError, match="CSPERF_CHROMIUM="):
        find_chromium()


def test_describe_images_uses_the_nearest_heading() -> None:
    default = f'<img src="data:image/png;base64,AA" alt="{NBCONVERT_DEFAULT_ALT}">'
    page = (
        f"{default}"
        '<h2 id="a">Waits &amp; <em>queues</em><a class="anchor-link" href="#a">\u00b6</a></h2>'
        f'{default}<img alt="" src="b.png"><img src="c.png">'
        '<h3>One &lt;script&gt; chart</h3><img alt="Already described" src="d.png">'
        f"{default}"
    )
    out = describe_images(page, fallback="Stage 03")
    alts = re.findall(r'alt="([^"]*)"', out)
    assert alts == [
        "Chart: Stage 03",
        "Chart 1 of 3: Waits &amp; queues",
        "Chart 2 of 3: Waits &amp; queues",
        "Chart 3 of 3: Waits &amp; queues",
        "Already described",
        "Chart: One &lt;script&gt; chart",
    ]
    assert describe_images("<p>no images</p>") == "<p>no images</p>"


@pytest.mark.slow
def test_review_without_chromium_still_succeeds(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "calls.csv").write_text("id,t,a\n1,2026-01-05 09:00,Y\n", encoding="utf-8")
    config = tmp_path / "review.yaml"
    config.write_text(
        "organisation: No Browser Ltd\ntables:\n  contacts:\n    source: {file: calls.csv}\n"
        "    columns: {contact_id: id, arrived_at: t, answered: a}\n",
        encoding="utf-8",
    )
    stages = tmp_path / "notebooks"
    make_stage(stages, "07_evidence_report", "print('the evidence')", title="Evidence report")
    monkeypatch.setattr("csperf_lib.report.pdf.find_chromium", lambda: None)
    lines: list[str] = []
    result = run_review(
        config,
        out_dir=tmp_path / "reports",
        run_date=RUN_DATE,
        notebooks_dir=stages,
        progress=False,
        log=lines.append,
    )
    assert "evidence_report.pdf not written: Chromium not found (apt-get install chromium)" in lines
    assert sum("not written" in line for line in lines) == 1
    assert result.evidence_html == result.run_dir / EVIDENCE_HTML and result.evidence_html.is_file()
    assert result.evidence_pdf is None and not (result.run_dir / EVIDENCE_PDF).exists()
    page = result.evidence_html.read_text(encoding="utf-8")
    assert "the evidence" in page and "counter(pages)" in page  # print CSS added to the head
    entry = read_summary(result.run_dir)["evidence_report"]
    assert entry["html"] == EVIDENCE_HTML and entry["pdf"] is None
    assert "Chromium not found" in entry["pdf_error"]
    index = result.index_path.read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]+)"', index)
    assert hrefs[0] == EVIDENCE_HTML
    assert "evidence_report.pdf not written" in index
