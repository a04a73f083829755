"""The evidence report's library layer (csperf_lib.stages.evidence): coverage, recording form, summary."""

from __future__ import annotations

import pandas as pd
import pytest

from csperf_lib.stages import evidence as ev

UNIT_SIZES = {"CU852": 21, "CFACSD20": 21, "UNIT34": 28, "UNIT403": 16, "CFACC16": 27}


@pytest.fixture(scope="module")
def catalogue():
    return ev.load_catalogue()


@pytest.fixture(scope="module")
def emap():
    return ev.load_evidence_map()


def test_every_criterion_once_and_covered(catalogue, emap):
    criteria, units = catalogue
    assert criteria.groupby("unit").size().to_dict() == UNIT_SIZES
    assert not criteria.duplicated(["unit", "code"]).any()
    cov = ev.coverage(criteria, emap)
    assert len(cov) == sum(UNIT_SIZES.values())
    assert set(cov["status"]) <= set(ev.STATUSES)
    # a criterion the workbench cannot (fully) show names the evidence the candidate must bring
    needs = cov[cov["status"] != ev.STATUS_EVIDENCED]
    assert (needs["candidate_evidence"] != "").all()
    totals = ev.coverage_totals(cov).set_index("unit")
    assert (totals["evidenced"] + totals["partly"] + totals["candidate_required"] == totals["total"]).all()
    assert ev.summary_coverage(totals.reset_index())["coverage"]["CFACC16"]["total"] == 27


def test_stages_not_run_do_not_count(catalogue, emap):
    criteria, _ = catalogue
    full = ev.coverage_totals(ev.coverage(criteria, emap)).set_index("unit")
    without = ev.coverage_totals(ev.coverage(criteria, emap, stages_run=["00_collect", "01_validate"])).set_index("unit")
    assert (without["evidenced"] <= full["evidenced"]).all() and without["evidenced"].sum() < full["evidenced"].sum()


def test_recording_form_ticks_and_columns(catalogue, emap):
    criteria, _ = catalogue
    form = ev.recording_form(ev.coverage(criteria, emap), unit="CFACC16")
    codes = [c for c in form.columns if c not in ("ref", "evidence")]
    assert len(codes) == 27 and codes[0] == "PC 1"
    assert form["ref"].str.match(r"^[EC]\d\d$").all()
    ticked = (form[codes] == "✓").any(axis=0)
    assert ticked.all()  # every criterion is covered by a section or by candidate evidence


def test_links_and_anchors():
    assert ev.section_href("05_benchmarks", "Target review: still challenging and achievable?") == "05_benchmarks.html#Target-review:-still-challenging-and-achievable?"
    assert ev.section_href(ev.REPORT_STAGE, "Appendix A: Methods and their sources") == "#Appendix-A:-Methods-and-their-sources"


def test_html_table_escapes_and_has_header_cells():
    frame = pd.DataFrame({"name": ["<script>alert(1)</script>"], "href": ["x.html#a"]})
    out = ev.html_table(frame, caption="c", links={"name": "href"})
    assert "<script>" not in out and "&lt;script&gt;" in out and '<th scope="col">name</th>' in out
    assert '<a href="x.html#a">' in out


def test_executive_summary_from_the_findings_ledger():
    from csperf_lib.core.findings import FindingsLedger

    five = FindingsLedger("05_benchmarks")
    scotland = five.add("kpi_gap", kpi="csat_mean", dimension="region", segment="Scotland", direction="down",
                        favourable=False, estimate=3.76, comparator=4.0, n=1374, q_value=1e-9, significant=True,
                        attributes={"kpi_name": "CSAT (mean)", "unit": "score_1_5", "status": "missed"},
                        evidence=["05_benchmarks.html#x"])
    overall = five.add("kpi_gap", kpi="service_level", direction="down", favourable=False, estimate=0.35,
                       comparator=0.8, n=74617, q_value=1e-9, significant=True,
                       attributes={"kpi_name": "Service level", "unit": "proportion", "status": "missed"},
                       evidence=["05_benchmarks.html#y"])
    noise = five.add("kpi_gap", kpi="fcr_rate", dimension="team", segment="Kestrel", direction="down", favourable=False,
                     estimate=0.74, comparator=0.75, n=300, q_value=0.4, significant=False,
                     attributes={"kpi_name": "FCR", "unit": "proportion", "status": "within_tolerance"})
    four = FindingsLedger("04_qualitative")
    check = four.add("sentiment_check", estimate=0.67, n=900, significant=True, evidence=["04_qualitative.html#s"])
    summary = {
        "recommendations": [{"id": "R01", "subject": "region Scotland", "action": "Find out why.", "finding_ids": [scotland.id]}],
        "findings": [f.model_dump(mode="json") for f in (scotland, overall, noise, check)],
    }
    items = ev.executive_summary(summary)
    assert [t for t, _ in items][:2] == [f"{scotland.sentence} Recommended action R01: Find out why.", overall.sentence]
    assert all(link for _, link in items) and len(items) == 2  # noise and method checks are not in the summary


def test_appendices_are_complete():
    methods = ev.methods_table()
    assert methods["source"].str.len().gt(10).all() and methods["formula"].str.len().gt(3).all()
    assert len(ev.glossary()) >= 20
    assert ev.code_order("PC 2") < ev.code_order("PC 10")
