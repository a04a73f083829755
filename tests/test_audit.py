"""The page audit (csperf_lib/report/audit.py): what a reader must never see, checked on hand-made
pages and PDF text, so the browser test and the demo check cannot pass by checking nothing."""

from __future__ import annotations

import base64
import io

import pytest

from csperf_lib.report.audit import (
    MAX_PAGE_BYTES,
    audit_folder,
    cell_problems,
    link_problems,
    page_texts,
    pdf_word_problems,
    prose_problems,
    size_problems,
)
from csperf_lib.report.images import compact_png

PAGE = """<html><head><style>td {color: red} .None {}</style><script>var x = None;</script></head><body>
<h1 id="top">Report</h1>
<p>Average handling time is 9 min 23 s (n = 96,342); p &lt; 0.001.</p>
<p>See <code>wait_s</code> and <a href="other.html#there">there</a>, the file qa_worksheet.xlsx and a_b@example.com.</p>
<table><tr><th>KPI</th><th>Passed</th></tr><tr><td>Answer rate</td><td>yes</td></tr></table>
</body></html>"""


def test_a_clean_page_has_no_problem(tmp_path):
    texts = page_texts(PAGE)
    assert cell_problems(texts.cells) == [] and prose_problems(texts.prose) == []
    assert "wait_s" in texts.text and "wait_s" not in texts.prose  # code is shown, but is not prose


@pytest.mark.parametrize("cell", ["None", "nan", "NaN", "NaT", "<NA>", "True", "False", "[]", "{}"])
def test_raw_values_in_cells_fail(cell):
    problems = cell_problems(["Answer rate", cell, f" {cell} ", "yes"])
    assert problems == [f"2 table cells showing {cell!r}"]


def test_exponents_and_identifiers_in_prose_fail():
    problems = prose_problems("p = 1.13e-312 and 2E+05; aht_s in agent_id AG01 is within_tolerance; "
                              "qa_scores.csv, x_y@a.com and www.a_b.org are not identifiers")
    assert problems[0].startswith("2 number(s) printed with an exponent") and "1.13e-312" in problems[0]
    assert problems[1].startswith("3 snake_case identifier(s)")
    for word in ("aht_s", "agent_id", "within_tolerance"):
        assert word in problems[1]
    assert prose_problems("aht_s", allowed=["aht_s"]) == []


def test_cut_words_in_the_pdf_fail():
    html_text = "The candidate evidence templates are in the folder. Welch–Satterthwaite df."
    assert pdf_word_problems("The candidate evidence\ntemplates are in the folder.\nPage 1 of 3", html_text,
                             ignore=("Page", "of")) == []
    problems = pdf_word_problems("The candidat\ne evidence temp-\nlates; Welc\nh–Satterthwaite", html_text)
    assert problems and all(w in problems[0] for w in ("candidat", "Welc", "lates"))


def test_pages_over_two_megabytes_fail(tmp_path):
    small, large = tmp_path / "small.html", tmp_path / "large.html"
    small.write_text("x" * 1000)
    large.write_bytes(b"x" * (MAX_PAGE_BYTES + 1))
    assert size_problems(small) == [] and size_problems(large) == ["2.0 MB (over 2 MB)"]


def test_broken_links_and_anchors_fail(tmp_path):
    (tmp_path / "other.html").write_text('<h2 id="there">There</h2>', encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_text('<a href="other.html#there">ok</a> <a href="#top">ok</a> <h1 id="top">t</h1>'
                    '<a href="https://example.com/x">external</a> <a href="missing.csv">bad</a>'
                    '<a href="other.html#nowhere">bad</a>', encoding="utf-8")
    problems = link_problems(page)
    assert problems == ["2 broken local link(s), e.g. ['missing.csv', 'other.html#nowhere']"]


def test_empty_tables_fail():
    from csperf_lib.report.audit import empty_table_problems

    assert empty_table_problems("<table><tr><th>a</th></tr></table><table><tr><td>1</td></tr></table>") == [
        "1 empty table(s) (headers and no row)"]
    assert empty_table_problems("<p>Nothing to list.</p>") == []


def test_audit_folder_reports_only_pages_with_problems(tmp_path):
    (tmp_path / "good.html").write_text(PAGE.replace("other.html#there", "#top"), encoding="utf-8")
    (tmp_path / "bad.html").write_text("<p>aht_s</p><table><tr><td>NaN</td></tr></table>", encoding="utf-8")
    found = audit_folder(tmp_path)
    assert list(found) == ["bad.html"] and len(found["bad.html"]) == 2


def test_chart_images_are_compacted_without_changing_their_size():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.plot(range(50), [i * i for i in range(50)], marker="o")
    ax.fill_between(range(50), 0, [i * i for i in range(50)], alpha=0.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    original = buffer.getvalue()
    smaller = compact_png(original)
    assert len(smaller) < 0.6 * len(original)
    assert Image.open(io.BytesIO(smaller)).size == Image.open(io.BytesIO(original)).size
    assert compact_png(b"not an image") == b"not an image"
    assert base64.b64encode(smaller)  # still a PNG the page can embed
