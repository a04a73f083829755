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
    assert "<script>" not in out and "&lt;script&gt;" in out and '<th scope="col">Name</th>' in out  # column names read as words
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


def _summary_with_actions():
    from csperf_lib.core.findings import FindingsLedger

    five = FindingsLedger("05_benchmarks")
    scotland = five.add("kpi_gap", kpi="csat_mean", dimension="region", segment="Scotland", direction="down",
                        favourable=False, estimate=3.62, comparator=4.0, n=1302, q_value=1e-9, significant=True,
                        attributes={"kpi_name": "Customer satisfaction (mean)", "unit": "score_1_5", "status": "missed"},
                        evidence=["05_benchmarks.html#x"])
    tolerance = five.add("kpi_gap", kpi="fcr_rate", direction="down", favourable=False, estimate=0.727,
                         comparator=0.75, n=96342, q_value=1e-9, significant=True,
                         attributes={"kpi_name": "First-contact resolution", "unit": "proportion", "status": "within_tolerance"},
                         evidence=["05_benchmarks.html#y"])
    three = FindingsLedger("03_quantitative")
    falling = three.add("trend", kpi="answer_rate", direction="down", favourable=False, estimate=0.96, n=12,
                        q_value=0.04, significant=True, attributes={"kpi_name": "Answer rate", "unit": "proportion"},
                        evidence=["03_quantitative.html#t"])
    four = FindingsLedger("04_qualitative")
    item = four.add("calibration", dimension="item", segment="wrap_up_notes", estimate=0.32, comparator=0.667,
                    significant=True)
    return {
        "recommendations": [{"id": "R01", "subject": "region Scotland", "kind": "service_improvement", "priority": 100.0,
                             "action": "Find out why customers in region Scotland are less satisfied.",
                             "owner": "Customer experience manager", "review_date": "2026-05-10",
                             "finding_ids": [scotland.id]}],
        "findings": [f.model_dump(mode="json") for f in (scotland, tolerance, falling, item)],
        "stages": [{"name": "04_qualitative", "status": "ok"}, {"name": "02_sample", "status": "skipped",
                                                                 "reason": "no contacts or complaints"}],
        "kpis": {"overall": [
            {"kpi": "csat_mean", "name": "Customer satisfaction (mean)", "value": 4.2, "available": True},
            {"kpi": "complaint_timely_rate", "name": "Complaints answered in time", "value": None, "available": False,
             "note": "complaints.timely is empty (null in every row)"},
            {"kpi": "contacts_offered", "name": "Contacts offered", "value": 100.0, "available": True}]},
        "gaps": [{"kpi": "csat_mean", "dimension": "all"}],
        "calendar": {"censored_from": "2026-02-01T23:20:00", "censoring_horizon_days": 56.0},
        "trends": [{"kpi": "complaint_ack_days", "segment": "all", "trend": "too few periods"}],
    }


def test_executive_summary_leads_with_actions_and_says_what_it_could_not_judge():
    summary = _summary_with_actions()
    model = ev.executive_summary_model(summary)
    (action,) = model.actions
    assert action.id == "R01" and action.review_date == "10 May 2026" and action.owner == "Customer experience manager"
    assert action.because.startswith("Customer satisfaction (mean) for region Scotland misses its target: 3.62")
    assert action.evidence == "05_benchmarks.html#x"
    assert action.href == "06_recommendations.html#R01-%C2%B7-service-improvement-%C2%B7-region-Scotland-(priority-100)"
    # other real concerns follow; a gap within tolerance is not one
    assert [text for text, _ in model.concerns] == [f["sentence"] for f in summary["findings"] if f["kind"] == "trend"]
    judged = " ".join(model.not_judged)
    for expected in ("Stage 02", "no contacts or complaints", "Complaints answered in time: not measured",
                     "from 1 Feb 2026", "56 days", "too few complete periods", "No target is set for Contacts offered",
                     "wrap up notes"):
        assert expected in judged, expected
    html = ev.executive_summary_html(summary)
    assert html.index("What to do first") < html.index("Other findings") < html.index("could not judge")
    assert "R01. Find out why customers in region Scotland" in html and 'href="05_benchmarks.html#x"' in html


def test_executive_summary_escapes_data_values():
    summary = _summary_with_actions()
    summary["recommendations"][0]["action"] = "<script>alert(1)</script>"
    html = ev.executive_summary_html(summary)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_data_quality_scorecard_reads_in_words_and_percentages():
    summary = {"validation": {
        "accounting": [{"table": "qa_evaluations", "rows_in": 17752, "rows_usable": 17645, "rows_quarantined": 107,
                        "usable_share": 0.9939725, "threshold": 0.9, "passed": True}],
        "failures": [{"table": "qa_evaluations", "rows": 107}]}}
    card = ev.quality_scorecard(summary)
    row = card.iloc[0]
    assert row["table"] == "QA evaluations" and row["usable_share"] == "99.4 %" and row["threshold"] == "90.0 %"
    html = ev.html_table(card)
    assert ">yes<" in html and "True" not in html and "0.99" not in html and ">Usable share<" in html
