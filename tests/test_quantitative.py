"""Stage 03 on demo data: the planted trend and the planted under-performing region are found,
the control segments are not flagged."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import load_into_store

from csperf_lib.ingest.demo import generate_demo
from csperf_lib.ingest.store import Store
from csperf_lib.stages.collect import collect
from csperf_lib.stages.quantitative import (
    adjust_trends,
    headline_table,
    kpi_trends,
    quantitative_review,
    summary_entries,
)
from csperf_lib.stages.validate import validate


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    demo = generate_demo(tmp_path_factory.mktemp("demo"), contacts=60_000, seed=7)
    config, store = load_into_store(demo.config_path)
    review = quantitative_review(store, config=config)
    yield demo, config, review
    store.close()


def test_planted_team_trend_is_found_and_controls_are_not(reviewed):
    demo, _, review = reviewed
    signal = demo.planted["signals"]["aht_trend"]
    team = signal["segment"]["team"]
    trends = review.trends.set_index(["kpi", "segment"])
    assert trends.loc[(signal["metric"], team), "trend"] == "increasing"
    for control in demo.planted["controls"]:
        if control["metric"] == signal["metric"] and "team" in control["segment"]:
            assert trends.loc[(signal["metric"], control["segment"]["team"]), "trend"] == "no trend", control


def test_planted_region_below_target_is_a_material_finding(reviewed):
    demo, _, review = reviewed
    region = demo.planted["signals"]["region_csat"]["segment"]["region"]
    diffs = review.differences.set_index(["kpi", "dimension", "segment"])
    row = diffs.loc[("csat_mean", "region", region)]
    assert bool(row["material"]) and row["difference"] < 0
    others = review.differences.query("kpi == 'csat_mean' and dimension == 'region' and segment != @region")
    assert not (others["material"] & (others["difference"] < 0)).any()
    assert any(region in f and "csat_mean" in f for f in review.findings)


def test_headline_and_summary_entries(reviewed):
    _, config, review = reviewed
    table = headline_table(review.headline, config=config)
    assert {"KPI", "value", "95% interval", "n"} <= set(table.columns)
    assert len(table) == len(review.headline)
    entries = summary_entries(review, config=config)
    assert {"overall", "weekly", "by_team", "by_region"} <= set(entries["kpis"])
    assert {"kpi", "segment", "trend", "slope", "p"} <= set(entries["trends"].columns)


def test_too_few_periods_is_said_not_tested():
    import pandas as pd

    series = pd.DataFrame({"kpi": "aht_s", "period": pd.date_range("2026-01-05", periods=3, freq="W-MON"), "value": [1.0, 2.0, 3.0]})
    result = adjust_trends(kpi_trends(series))
    assert result.loc[0, "trend"] == "too few periods"


def test_fdr_control_removes_chance_trends():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    periods = pd.date_range("2026-01-05", periods=12, freq="W-MON")
    frames = [pd.DataFrame({"kpi": f"k{i}", "period": periods, "value": rng.normal(size=12)}) for i in range(60)]
    raw = kpi_trends(pd.concat(frames))
    adjusted = adjust_trends(raw)
    assert adjusted["trend"].isin(["increasing", "decreasing"]).sum() <= raw["trend"].isin(["increasing", "decreasing"]).sum()
    assert adjusted["trend"].isin(["increasing", "decreasing"]).sum() <= 1  # pure noise: (almost) nothing survives


def test_data_without_segments_or_surveys_still_reviews(tmp_path, write_yaml):
    from csperf_lib.core.config import load_config
    from csperf_lib.stages.quantitative import significant_differences

    rows = ["id,when,ans"] + [f"C{i},2026-01-05 10:{i:02d},Y" for i in range(40)]
    (tmp_path / "calls.csv").write_text("\n".join(rows) + "\n")
    config = load_config(write_yaml("tables:\n  contacts:\n    source: {file: calls.csv}\n    columns: {contact_id: id, arrived_at: when, answered: ans}\n"))
    with Store("duckdb://") as store:
        collect(config, store)
        validate(config, store)
        review = quantitative_review(store, config=config)
    assert review.segments == () and significant_differences(review).empty
    assert review.quality is None and review.drivers.n == 0 and review.drivers.note
    assert set(review.trends["trend"]) == {"too few periods"}


def test_trends_are_never_fitted_across_a_gap():
    """Issue 18: trends were fitted across non-adjacent weeks (a data set with gaps of years)."""
    from csperf_lib.stages.quantitative import kpi_trends, latest_contiguous_run

    early = pd.date_range("2019-01-07", periods=10, freq="7D")
    late = pd.date_range("2024-03-04", periods=6, freq="7D")
    weeks = pd.Series(early.append(late))
    assert latest_contiguous_run(weeks) == (10, 1)
    assert latest_contiguous_run(pd.Series(pd.date_range("2026-01-05", periods=8, freq="7D"))) == (0, 0)
    months = pd.Series(pd.date_range("2025-01-01", periods=12, freq="MS"))
    assert latest_contiguous_run(months) == (0, 0)  # 28 to 31 days a step is one month, no gap
    # a steep rise across the gap and a flat recent run: no trend may be reported
    series = pd.DataFrame({"kpi": "aht_s", "period": weeks,
                           "value": list(range(100, 110)) + [500, 501, 500, 499, 500, 501],
                           "n": 100})
    trend = kpi_trends(series, min_periods=4).iloc[0]
    assert trend["periods"] == 6 and trend["gaps"] == 1 and trend["trend"] not in ("increasing", "decreasing")
    assert trend["first_value"] == 500


def test_partial_first_and_last_weeks_are_left_out_of_trend_tests():
    """A review starting on a Wednesday has a short first week: its low volume must not make a trend."""
    from csperf_lib.stages.quantitative import complete_periods, kpi_trends

    weeks = pd.Series(pd.date_range("2026-01-05", periods=10, freq="7D"))
    series = pd.DataFrame({"kpi": "contacts_offered", "period": weeks,
                           "value": [300] + [1000] * 8 + [400], "n": 1})  # partial weeks at both ends
    complete = set(weeks.iloc[1:-1])
    trend = kpi_trends(series, min_periods=4, complete=complete).iloc[0]
    assert trend["partial_periods"] == 2 and trend["periods"] == 8 and trend["first_value"] == 1000

    contacts = pd.DataFrame({"contact_id": ["a", "b", "c"], "answered": [True, True, True],
                             "arrived_at": pd.to_datetime(["2026-01-07 10:00", "2026-01-20 10:00", "2026-02-03 09:00"])})
    with Store("duckdb://") as store:
        store.write("contacts", contacts)
        starts = complete_periods(store, period="week")
        assert complete_periods(store, period="day") is None
    # data from Wednesday 7 Jan to Tuesday 3 Feb: the weeks of 12, 19 and 26 Jan are complete
    assert starts == {pd.Timestamp("2026-01-12"), pd.Timestamp("2026-01-19"), pd.Timestamp("2026-01-26")}


def test_right_censored_complaint_periods_are_left_out_of_trends():
    """Issue 18: resolution time 'improving' and open share 'increasing' were artefacts of the cut-off."""
    from csperf_lib.stages.quantitative import censored_kpis, kpi_trends

    weeks = pd.Series(pd.date_range("2026-01-05", periods=16, freq="7D"))
    # resolution time flat at 20 days, then falling in the last 8 weeks only because slow cases are still open
    series = pd.DataFrame({"kpi": "complaint_resolution_days", "period": weeks,
                           "value": [20.0, 21, 19, 20, 21, 20, 19, 20, 17, 15, 13, 11, 9, 7, 5, 3], "n": 30})
    cutoff = pd.Timestamp("2026-04-26 23:59")
    censored = {"complaint_resolution_days": cutoff - pd.Timedelta(days=56)}
    trend = kpi_trends(series, min_periods=4, censored=censored).iloc[0]
    assert trend["censored_periods"] == 9 and trend["periods"] == 7  # weeks ending by 1 Mar 23:59 only
    assert trend["trend"] not in ("increasing", "decreasing")
    naive = kpi_trends(series, min_periods=4).iloc[0]
    assert naive["trend"] == "decreasing"  # what the report used to say

    complaints = pd.DataFrame({"complaint_id": ["a", "b"], "received_at": pd.to_datetime(["2026-01-05", "2026-04-26"]),
                               "resolved_at": pd.to_datetime(["2026-01-20", None])})
    with Store("duckdb://") as store:
        store.write("complaints", complaints)
        found = censored_kpis(store)
    assert {"complaint_resolution_days", "complaint_open_share", "complaint_ack_days",
            "complaint_upheld_rate"} <= set(found)
    assert "complaints_received" not in found and "complaints_per_1000" not in found
    assert found["complaint_resolution_days"] == pd.Timestamp("2026-04-26") - pd.Timedelta(days=56)


def test_trend_scope_note_says_what_was_left_out():
    from csperf_lib.stages.quantitative import trend_scope_note

    trends = pd.DataFrame({"kpi": ["aht_s", "complaint_open_share"], "partial_periods": [1, 1],
                           "censored_periods": [0, 8], "gaps": [0, 2]})
    note = trend_scope_note(trends)
    assert "1 partial week(s)" in note and "last 8 week(s)" in note and "2 gap(s)" in note
    assert "complaint_open_share" not in note  # the KPI's name, not its id
    assert trend_scope_note(trends.assign(partial_periods=0, censored_periods=0, gaps=0)) == ""


def test_a_rising_rate_in_one_queue_is_a_trend_of_that_queue():
    """Issue 18: a rising abandonment rate in one queue appeared only as a benchmark 'direction'."""
    import numpy as np

    from csperf_lib.stages.quantitative import segment_trends

    weeks = pd.date_range("2026-01-05", periods=12, freq="7D")
    rng = np.random.default_rng(3)
    rows = []
    for queue in ("Billing", "Sales", "Support"):
        for i, week in enumerate(weeks):
            rate = 0.05 + (0.01 * i if queue == "Billing" else 0) + rng.normal(0, 0.002)
            rows.append({"kpi": "abandonment_rate", "queue": queue, "period": week, "value": rate, "n": 2000,
                         "ci_low": rate - 0.01, "ci_high": rate + 0.01})
    by_queue = pd.DataFrame(rows)
    overall = by_queue.groupby("period", as_index=False)["value"].mean().assign(kpi="abandonment_rate", n=6000)
    contacts = pd.DataFrame({"contact_id": ["a", "b"], "answered": [True, True],
                             "arrived_at": [weeks[0], weeks[-1] + pd.Timedelta(days=6, hours=20)]})
    with Store("duckdb://") as store:
        store.write("contacts", contacts)
        trends = segment_trends(store, overall, {"queue": by_queue}, definitions={}, alpha=0.05)
    significant = trends[trends["trend"].isin(["increasing", "decreasing"]) & (trends["p_adjusted"] < 0.05)]
    by_queue_found = significant[significant["dimension"] == "queue"]
    assert set(by_queue_found["segment"]) == {"Billing"}  # the planted queue, and no control queue
    assert by_queue_found.iloc[0]["trend"] == "increasing"


def test_reader_views_of_differences_and_trends(reviewed):
    from csperf_lib.core.display import reader_frame
    from csperf_lib.report.audit import cell_problems, prose_problems
    from csperf_lib.stages.quantitative import (
        differences_view,
        significant_differences,
        trends_view,
    )

    _, config, review = reviewed
    differences = differences_view(significant_differences(review), config=config)
    trends = trends_view(review.trends, config=config)
    assert list(differences.columns) == ["where", "KPI", "value", "rest of the centre", "difference", "effect", "adjusted p"]
    assert len(trends) == len(review.trends) and "adjusted p" in trends.columns
    for view in (differences, trends):
        shown = reader_frame(view)
        cells = shown.to_numpy().ravel().tolist() + list(shown.columns)
        assert cell_problems(cells) == [] and prose_problems(" ".join(map(str, cells))) == []
