"""Stage 03 on demo data: the planted trend and the planted under-performing region are found,
the control segments are not flagged."""

from __future__ import annotations

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
