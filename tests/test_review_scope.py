"""Reviews without contact records: stage scope, identifiers built from columns, case handling."""

from __future__ import annotations

import pandas as pd
import pytest

from csperf_lib.core.config import parse_config
from csperf_lib.core.scope import NothingToReviewError, require_stage, review_scope, skip_reason
from csperf_lib.ingest.mapping import hashed_id
from csperf_lib.methods.case_handling import case_handling, open_cases


def test_stage_scope_sentences():
    assert skip_reason("02_sample", ["contacts"]) is None
    assert skip_reason("02_sample", ["complaints"]) is None
    reason = skip_reason("02_sample", ["surveys"])
    assert reason == ("This review has no contact records or complaints, so there are no handled contacts or "
                      "complaint cases to sample for quality review.")
    assert skip_reason("03_quantitative", ["surveys"]) is None  # stages not listed always run
    with pytest.raises(NothingToReviewError, match="nothing to|no handled contacts"):
        require_stage("02_sample", ["intervals"])
    assert review_scope(["complaints"]).startswith("A complaints-only review: no contact records")
    assert review_scope(["surveys"]).startswith("A feedback-only review")
    assert review_scope(["contacts", "surveys"]) == "A review of contact records with survey or feedback responses."


def test_hash_of_builds_identifiers_that_catch_exact_repeats(tmp_path):
    raw = pd.DataFrame({"rating": ["5", "5", "4", "5"], "text": ["Love it", "Love it", "ok", "Love it "]})
    ids = hashed_id(raw, ("rating", "text"))
    assert ids[0] == ids[1] and ids[0] != ids[3] and ids[0] != ids[2]
    assert len(ids[0]) == 16
    # ("a b", "c") and ("a", "b c") must differ: the separator is not a space
    pair = hashed_id(pd.DataFrame({"x": ["a b", "a"], "y": ["c", "b c"]}), ("x", "y"))
    assert pair[0] != pair[1]
    (tmp_path / "r.tsv").write_text("rating\ttext\n5\tLove it\n", encoding="utf-8")
    config = parse_config({"tables": {"surveys": {"source": {"file": "r.tsv"}, "columns": {
        "response_id": {"hash_of": ["rating", "text"]}, "csat": "rating", "comment": "text"}}}},
        path=tmp_path / "review.yaml")
    spec = next(c for c in config.tables["surveys"].columns if c.canonical == "response_id")
    assert spec.hash_of == ("rating", "text") and spec.source_columns == ()
    with pytest.raises(Exception, match="exactly one of 'column', 'value' or 'hash_of'"):
        parse_config({"tables": {"surveys": {"source": {"file": "r.tsv"}, "columns": {
            "response_id": {"hash_of": ["rating"], "column": "rating"}}}}}, path=tmp_path / "review.yaml")
    with pytest.raises(Exception, match="only identifiers"):
        parse_config({"tables": {"surveys": {"source": {"file": "r.tsv"}, "columns": {
            "response_id": "rating", "csat": {"hash_of": ["rating"]}}}}}, path=tmp_path / "review.yaml")


def _cases() -> pd.DataFrame:
    received = pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-02", "2026-01-03", "2026-01-05"])
    return pd.DataFrame({
        "complaint_id": pd.array(["1", "2", "3", "4", "5"], dtype="string"),
        "received_at": received,
        "forwarded_at": received + pd.to_timedelta([0, 0, 1, 2, 0], unit="D"),
        "resolved_at": pd.to_datetime(["2026-01-02", None, "2026-01-04", None, None]),
        "status": pd.array(["Closed", "In Progress", "Closed", "Open", None], dtype="string"),
        "queue": pd.array(["A", "A", "B", "A", None], dtype="string"),
        "timely": pd.array([True, True, False, True, None], dtype="boolean"),
    })


def test_open_cases_uses_status_then_the_resolution_date():
    cases = _cases()
    assert open_cases(cases).tolist() == [False, True, False, True, True]  # the last: no status, no resolution
    assert open_cases(cases.drop(columns="status")).tolist() == [False, True, False, True, True]
    assert open_cases(cases.drop(columns=["status", "resolved_at"])) is None


def test_case_handling_counts_shares_and_times():
    cases = _cases()
    before = cases.copy()
    handling = case_handling(cases, as_of="2026-01-06")
    pd.testing.assert_frame_equal(cases, before)  # input untouched
    volumes = handling.volumes[handling.volumes["dimension"] == "queue"].set_index("segment")
    assert volumes.loc["A", "complaints"] == 3 and volumes.loc["A", "share"] == pytest.approx(0.6)
    # Wilson 95 % interval of 3/5, from the closed form (Newcombe 1998, method 3): 0.2307 to 0.8824
    assert volumes.loc["A", "ci_low"] == pytest.approx(0.2307, abs=5e-4)
    assert volumes.loc["A", "ci_high"] == pytest.approx(0.8824, abs=5e-4)
    response = handling.response.set_index("measure")
    assert response.loc["timely response", "value"] == pytest.approx(3 / 4)
    assert response.loc["timely response", "n"] == 4
    assert response.loc["days to forward", "value"] == 0  # median of 0, 0, 1, 2, 0
    assert response.loc["open share", "value"] == pytest.approx(3 / 5)
    # open cases received 1, 3 and 5 January, as of the 6th: ages 5, 3 and 1 days, median 3
    assert response.loc["age of open cases", "value"] == pytest.approx(3.0)
    mix = handling.mix[handling.mix["field"] == "status"].set_index("value")
    assert mix.loc["Closed", "complaints"] == 2
    assert any("still open" in f for f in handling.findings)


def test_interval_report_with_start_times_feeds_the_staffing_review():
    from csperf_lib.methods.intervals import interval_staffing
    from csperf_lib.methods.staffing_review import staffing_review

    starts = pd.date_range("2026-01-05 08:00", periods=16, freq="30min")
    rows = pd.DataFrame({
        "interval_start": starts, "interval_s": 1800.0, "queue": "Sales", "offered": 100.0, "answered": 95.0,
        "abandoned": 5.0, "answered_within_threshold": 70.0, "threshold_s": 20.0, "wait_s_total": 95 * 25.0,
        "talk_s_total": 95 * 180.0, "handle_s_total": 95 * 180.0, "agents_staffed": 12.0,
    })
    review = staffing_review(None, intervals=interval_staffing(rows))
    peak = review.summary["peak"]
    # 100 calls in 30 minutes at 180 s = 10 Erlangs; Erlang C needs 14 agents for 80 % within 20 s
    # (Call Centre Helper's worked example: 13 agents give 79.6 %, 14 give 88.8 %).
    assert peak["traffic_erlangs"] == pytest.approx(10.0)
    assert peak["required"] == 14 and peak["deployed"] == 12
    assert review.summary["under_staffed"] == review.summary["cells_judged"] == 16
    assert "agents_staffed column of the interval report" in " ".join(review.findings)


def test_date_order_is_decided_from_the_data_and_reported(tmp_path):
    from csperf_lib.ingest.detect import date_order
    from csperf_lib.ingest.store import Store
    from csperf_lib.stages.collect import collect_table

    assert date_order(pd.Series(["01/02/2026", "13/02/2026"])).dayfirst is True
    assert date_order(pd.Series(["05/01/2022 12:00:03 AM", "05/13/2022 01:00:00 AM"])).dayfirst is False
    undecided = date_order(pd.Series(["01/02/2026", "03/04/2026"]))
    assert undecided.dayfirst is None and "12 or less" in undecided.evidence
    assert date_order(pd.Series(["2026-01-02"])).dayfirst is None

    (tmp_path / "c.csv").write_text("id,opened\n1,03/02/2026 09:00\n2,25/02/2026 10:30\n", encoding="utf-8")
    config = parse_config({"tables": {"complaints": {"source": {"file": "c.csv"},
                                                     "columns": {"complaint_id": "id", "received_at": "opened"}}}},
                          path=tmp_path / "review.yaml")
    with Store(f"duckdb:///{tmp_path / 's.duckdb'}") as store:
        record = collect_table(config.tables["complaints"], store)
        got = store.table("collected_complaints").execute().sort_values("complaint_id")["received_at"].tolist()
    assert got == [pd.Timestamp("2026-02-03 09:00"), pd.Timestamp("2026-02-25 10:30")]
    assert any("read day-first" in a and "'opened'" in a for a in record.assumptions)


def test_interval_kpis_reach_the_benchmark_stage_with_an_honest_n():
    from csperf_lib.methods.interval_review import interval_kpi_rows
    from csperf_lib.methods.intervals import interval_kpis

    days = pd.DataFrame({"offered": [100.0, 1000.0, 400.0], "answered": [90.0, 500.0, 300.0],
                         "abandoned": [10.0, 500.0, 100.0], "interval_s": 86400.0})
    kpis = interval_kpis(days)
    rows = interval_kpi_rows(kpis).set_index("kpi")
    # weighted: 890 / 1500, never the mean of 90 %, 50 % and 75 %
    assert rows.loc["answer_rate", "value"] == pytest.approx(890 / 1500)
    phi = kpis.set_index("kpi").loc["answer_rate", "dispersion"]
    assert phi > 1  # the days differ far more than binomial noise
    assert rows.loc["answer_rate", "n"] == round(1500 / phi)
    assert rows.loc["answer_rate", "ci_low"] == pytest.approx(kpis.set_index("kpi").loc["answer_rate", "ci_low_adjusted"])
    assert "asa_s" not in rows.index


def test_coverage_counts_only_sections_the_review_can_fill():
    from csperf_lib.stages import evidence as ev

    criteria, _ = ev.load_catalogue()
    emap = ev.load_evidence_map()
    stages = sorted(set(emap.sections["stage"]) - {ev.REPORT_STAGE})
    full = ev.coverage_totals(ev.coverage(criteria, emap, stages_run=stages,
                                          tables=["contacts", "surveys", "qa_evaluations", "complaints"]))
    summary = {"stages": [{"name": s, "status": "skipped" if s == "02_sample" else "ok"} for s in stages]}
    ran = ev.stages_that_ran(summary, stages)
    assert "02_sample" not in ran
    only = ev.coverage_totals(ev.coverage(criteria, emap, stages_run=ran, tables=["complaints"]))
    # a complaints-only review cannot evidence calibration, coaching or resourcing: fewer criteria
    # are evidenced outright and more need the candidate's own evidence
    assert only["evidenced"].sum() < full["evidenced"].sum()
    assert only["candidate_required"].sum() > full["candidate_required"].sum()
    assert ev.has_needs(["contacts|intervals"], ["intervals"]) and not ev.has_needs(["contacts", "surveys"], ["surveys"])
    # without a run record (JupyterLab), the stages the tables give work to
    assert "02_sample" not in ev.stages_that_ran(None, stages, tables=["surveys"])


def test_a_rising_volume_is_not_called_an_improvement():
    from csperf_lib.stages.quantitative import trend_findings

    trends = pd.DataFrame([
        {"kpi": "complaints_received", "segment": "all", "trend": "increasing", "slope": 1.0, "slope_unit": "per day",
         "p": 0.001, "periods": 12, "first_value": 10.0, "last_value": 30.0},
        {"kpi": "answer_rate", "segment": "all", "trend": "decreasing", "slope": -0.01, "slope_unit": "per week",
         "p": 0.001, "periods": 12, "first_value": 0.9, "last_value": 0.8},
    ])
    volume, rate = trend_findings(trends, neutral={"complaints_received"})
    assert "is increasing:" in volume and "improving" not in volume and "worsening" not in volume
    assert "is decreasing (worsening)" in rate


@pytest.mark.parametrize("values, expected, words", [
    (["1.234,5", "12,25"], [1234.5, 12.25], "decimal comma and '.' thousands"),
    (["3,5", "12,25"], [3.5, 12.25], "decimal comma: 2 values"),
    (["1,234.5", "7.5"], [1234.5, 7.5], "',' as thousands separator: e.g. 1,234.5 (decided"),
    # "1,234" alone could be either; in a ';'-separated file (the decimal-comma convention) collect now
    # reads it as csperf init does, a decimal comma, and says it is undecidable (one detector:
    # csperf_lib.ingest.detect; the ','-separated reading, thousands, is in tests/test_detect.py)
    (["1,234", "7"], [1.234, 7.0], "undecidable"),
])
def test_separators_of_numbers_are_decided_from_the_data(tmp_path, values, expected, words):
    from csperf_lib.ingest.store import Store
    from csperf_lib.stages.collect import collect_table

    body = "".join(f'{i};2026-01-0{i + 1};"{v}";12:02:{10 + i} AM\n' for i, v in enumerate(values))
    (tmp_path / "c.csv").write_text("id;date;score;talk\n" + body, encoding="utf-8")
    config = parse_config({"tables": {"contacts": {"source": {"file": "c.csv", "delimiter": ";"}, "columns": {
        "contact_id": "id", "arrived_at": "date", "answered": {"value": True}, "wait_s": "score", "talk_s": "talk"}}}},
        path=tmp_path / "review.yaml")
    with Store(f"duckdb:///{tmp_path / 's.duckdb'}") as store:
        record = collect_table(config.tables["contacts"], store)
        got = store.table("collected_contacts").execute().sort_values("contact_id")
    assert got["wait_s"].tolist() == expected
    # "12:02:10 AM" is a clock-style duration: 2 min 10 s
    assert got["talk_s"].tolist() == [130.0 + i for i in range(len(values))]
    text = " | ".join(record.assumptions)
    assert words in text and "clock times" in text


def test_targets_for_kpis_the_review_cannot_give_are_left_out_and_named():
    from types import SimpleNamespace

    from csperf_lib.methods.target_loading import targets_from_config
    from csperf_lib.stages.benchmarks import scope_sentence, targets_in_scope

    review = SimpleNamespace(targets=targets_from_config(None),
                             gaps=pd.DataFrame({"kpi": ["csat_mean", "service_level"], "value": [4.4, None]}))
    table = targets_in_scope(review)
    assert set(table["kpi"]) <= {"csat_mean"}
    assert "service_level" in table.attrs["out_of_scope"]
    assert "Service level" in scope_sentence(table)  # the KPI by its name


def test_a_window_shorter_than_the_target_withholds_the_timeliness_rate():
    from csperf_lib.methods.complaint_review import complaints_review
    from csperf_lib.methods.complaints import ComplaintTargets

    received = pd.Timestamp("2026-01-01 00:00") + pd.to_timedelta([0, 10, 20, 30, 40], unit="min")
    frame = pd.DataFrame({
        "complaint_id": pd.array(list("12345"), dtype="string"),
        "received_at": received,
        "acknowledged_at": received + pd.Timedelta(minutes=5),
        "resolved_at": [received[0] + pd.Timedelta(minutes=30), pd.NaT, pd.NaT, received[3] + pd.Timedelta(minutes=9), pd.NaT],
    })
    review = complaints_review(frame, targets=ComplaintTargets(), pseudonym_key=b"k" * 32)
    rows = review.timeliness.set_index("measure")
    # 40 minutes of data: every completed case met a 3-day or 8-week target by construction
    assert rows["rate"].isna().all()
    assert "cannot be judged: 2 were resolved within the window and 3 not yet" in rows.loc["resolve", "note"]
    assert any("less than the 8 weeks target" in f for f in review.findings)
    assert not any("100" in f and "within 8 weeks" in f for f in review.findings)
