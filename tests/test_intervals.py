"""Interval (ACD) reports: weighting, percent/average parsing, averaging check, staffing feed,
schema checks through collect + validate, and the real daily queue report."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csperf_lib.core.config import load_config
from csperf_lib.core.errors import ConfigError
from csperf_lib.ingest.mapping import to_percent
from csperf_lib.ingest.store import Store
from csperf_lib.methods.erlang import required_agents
from csperf_lib.methods.interval_review import intervals_review
from csperf_lib.methods.intervals import (
    averaging_check,
    interval_kpis,
    interval_staffing,
    interval_trend,
    staffing_unavailable,
)
from csperf_lib.methods.staffing import StaffingOptions, weekday_profile
from csperf_lib.methods.stats import wilson_interval
from csperf_lib.stages.collect import collect
from csperf_lib.stages.validate import validate

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real-data"
DAILY = REAL / "callcentre_daily" / "call_center_daily.csv"

TWO_DAYS = pd.DataFrame({
    "interval_index": ["1", "2"],
    "offered": [100.0, 1000.0],
    "answered": [90.0, 500.0],
    "abandoned": [10.0, 500.0],
    "service_level": [0.8, 0.3],  # proportion of offered answered within 20 s
    "wait_s_total": [90 * 10.0, 500 * 100.0],  # ASA 10 s and 100 s
    "talk_s_total": [90 * 120.0, 500 * 200.0],
})


# --- weighting --------------------------------------------------------------------------------


def test_period_rates_are_ratios_of_sums_not_means_of_daily_rates():
    before = TWO_DAYS.copy()
    k = interval_kpis(TWO_DAYS).set_index("kpi")
    pd.testing.assert_frame_equal(TWO_DAYS, before)  # input untouched
    assert k.loc["answer_rate", "value"] == pytest.approx(590 / 1100)
    assert k.loc["answer_rate", "n"] == 1100
    lo, hi = wilson_interval(590, 1100)
    assert (k.loc["answer_rate", "ci_low"], k.loc["answer_rate", "ci_high"]) == pytest.approx((lo, hi))
    assert k.loc["abandonment_rate", "value"] == pytest.approx(510 / 1100)
    # service level from percentages: counts rebuilt as 0.8 x 100 and 0.3 x 1000
    assert k.loc["service_level", "numerator"] == pytest.approx(80 + 300)
    assert k.loc["service_level", "value"] == pytest.approx(380 / 1100)
    # ASA weighted by answered calls: (900 + 50,000) / 590, not (10 + 100) / 2
    assert k.loc["asa_s", "value"] == pytest.approx(50_900 / 590)
    assert k.loc["att_s", "value"] == pytest.approx((10_800 + 100_000) / 590)
    assert math.isnan(k.loc["asa_s", "ci_low"])  # totals hold no per-call spread
    assert k.loc["offered", "value"] == 1100


def test_service_level_over_answered_and_counts_win_over_percentages():
    d = TWO_DAYS.assign(answered_within_threshold=[72.0, np.nan])
    k = interval_kpis(d, sl_denominator="answered").set_index("kpi")
    # day 1 count 72 used as given; day 2 rebuilt as 0.3 x 500 answered
    assert k.loc["service_level", "value"] == pytest.approx((72 + 150) / 590)
    with pytest.raises(ValueError, match="sl_denominator"):
        interval_kpis(d, sl_denominator="handled")


def test_kpis_by_queue_and_dispersion():
    d = pd.concat([TWO_DAYS.assign(queue="A"), TWO_DAYS.assign(queue="B", answered=[50.0, 900.0],
                                                                abandoned=[50.0, 100.0])])
    k = interval_kpis(d, by="queue")
    rate = k[k["kpi"] == "answer_rate"].set_index("queue")["value"]
    assert rate["A"] == pytest.approx(590 / 1100) and rate["B"] == pytest.approx(950 / 1100)
    # 90/100 and 500/1000 are far more different than binomial sampling allows
    phi = interval_kpis(TWO_DAYS).set_index("kpi").loc["answer_rate"]
    assert phi["dispersion"] > 10
    assert phi["ci_low_adjusted"] < phi["ci_low"] and phi["ci_high_adjusted"] > phi["ci_high"]


# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["94.01%", "94,01 %", "0.5%"], [0.9401, 0.9401, 0.005]),
        ([0.9401, 0.5], [0.9401, 0.5]),  # Excel percent cells / proportions
        ([94.01, 50.0], [0.9401, 0.5]),  # plain percentages
        (["0.9401", "1"], [0.9401, 1.0]),  # all plain values in [0, 1]: proportions
        (["94.01", "1"], [0.9401, 0.01]),  # some plain value > 1: all are percentages
        (["100.00%", "0.00%"], [1.0, 0.0]),
    ],
)
def test_percent_parser(values, expected):
    out, bad = to_percent(pd.Series(values, dtype=object))
    assert out.tolist() == pytest.approx(expected)
    assert not bad.any()


def test_percent_parser_flags_unreadable_values_and_respects_thousands():
    out, bad = to_percent(pd.Series(["soon", "", None, "12%", "n/a"], dtype=object))
    # issue 20, item 7: "n/a" spells no value (missing), it is no longer flagged as unreadable
    assert bad.tolist() == [True, False, False, False, False]
    assert out.iloc[3] == pytest.approx(0.12) and pd.isna(out.iloc[4])
    out, _ = to_percent(pd.Series(["1,000.5", "50"], dtype=object), thousands=",")
    assert out.tolist() == pytest.approx([10.005, 0.5])  # out of range: kept for the schema to refuse


CSV = (
    "Index;Start;Incoming Calls;Answered Calls;Abandoned Calls;Answer Rate;Answer Speed (AVG);"
    "Talk Duration (AVG);Service Level (20 Seconds)\r\n"
    "1;2026-01-05 09:00;100;90;10;90.00%;0:00:10;0:02:00;80,00 %\r\n"
    "2;2026-01-05 09:30;1000;500;500;50.00%;0:01:40;0:03:20;30.00%\r\n"
)
CONFIG = """
organisation: Test
reviewer: Tester
tables:
  intervals:
    source: {file: daily.csv, delimiter: ";"}
    columns:
      interval_index: Index
      interval_start: {column: Start, format: "%Y-%m-%d %H:%M"}
      interval_s: {value: 1800}
      offered: Incoming Calls
      answered: Answered Calls
      abandoned: Abandoned Calls
      service_level: {column: "Service Level (20 Seconds)", format: percent}
      threshold_s: {value: 20}
      wait_s_total: {column: "Answer Speed (AVG)", average_of: answered}
      talk_s_total: {column: "Talk Duration (AVG)", average_of: answered}
"""


def _collect(tmp_path, write_yaml, csv_text: str, config_text: str = CONFIG):
    (tmp_path / "daily.csv").write_bytes(csv_text.encode("utf-8"))
    return load_config(write_yaml(config_text))


def test_averages_become_totals_and_percentages_proportions(tmp_path, write_yaml):
    config = _collect(tmp_path, write_yaml, CSV)
    with Store("duckdb://") as store:
        collect(config, store)
        result = validate(config, store)
        rows = store.to_pandas("intervals").sort_values("_row")
    assert result.accounting.iloc[0]["rows_usable"] == 2
    assert rows["wait_s_total"].tolist() == [900.0, 50_000.0]  # 10 s x 90, 100 s x 500
    assert rows["talk_s_total"].tolist() == [10_800.0, 100_000.0]
    assert rows["service_level"].tolist() == pytest.approx([0.8, 0.3])
    assert rows["Answer Rate"].tolist() == ["90.00%", "50.00%"]  # kept beside the canonical columns


def test_config_reports_every_average_of_and_format_problem_at_once(tmp_path, write_yaml):
    (tmp_path / "daily.csv").write_text("a;b\r\n1;2\r\n", encoding="utf-8")
    bad = CONFIG.replace("average_of: answered}", "average_of: anwsered}", 1).replace(
        "talk_s_total: {column: \"Talk Duration (AVG)\", average_of: answered}",
        "talk_s_total: {column: \"Talk Duration (AVG)\", average_of: wait_s_total}",
    ).replace("format: percent}", "format: permille}").replace(
        "interval_index: Index", "interval_index: {column: Index, average_of: offered}"
    )
    with pytest.raises(ConfigError) as err:
        load_config(write_yaml(bad))
    text = str(err.value)
    assert "wait_s_total.average_of: 'anwsered' is not a canonical column" in text
    assert "did you mean 'answered'" in text
    assert "talk_s_total.average_of: 'wait_s_total' is not a count (number) column" in text
    assert "service_level.format: 'permille' is not a number format" in text
    assert "interval_index.average_of: only durations and numbers" in text


# --- averaging check ----------------------------------------------------------------------------


def test_averaging_check_against_hand_computed_means():
    d = TWO_DAYS.assign(**{"Answer Rate": ["90.00%", "50.00%"]})
    a = averaging_check(d).set_index("kpi")
    assert a.loc["answer_rate", "naive_source"] == "export column 'Answer Rate'"
    assert a.loc["answer_rate", "naive_mean"] == pytest.approx(0.70)
    assert a.loc["answer_rate", "weighted"] == pytest.approx(590 / 1100)
    assert a.loc["answer_rate", "difference"] == pytest.approx(0.70 - 590 / 1100)
    assert a.loc["answer_rate", "matters"]
    assert a.loc["service_level", "naive_mean"] == pytest.approx(0.55)
    assert a.loc["asa_s", "naive_mean"] == pytest.approx(55.0)
    assert a.loc["asa_s", "weighted"] == pytest.approx(50_900 / 590)
    assert "understates" in a.loc["asa_s", "explanation"]
    # equal days: the plain mean is right and does not matter
    same = pd.DataFrame({"offered": [100.0, 100.0], "answered": [90.0, 90.0]})
    s = averaging_check(same).set_index("kpi")
    assert s.loc["answer_rate", "difference"] == pytest.approx(0.0)
    assert not s.loc["answer_rate", "matters"]
    with pytest.raises(ValueError, match="not in the data"):
        averaging_check(TWO_DAYS, export_columns={"answer_rate": "Nope"})


# --- staffing feed ------------------------------------------------------------------------------


def _half_hours():
    return pd.DataFrame({
        "interval_start": pd.to_datetime(["2026-01-05 09:00", "2026-01-05 09:30", "2026-01-12 09:00"]),
        "interval_s": [1800.0, 1800.0, 1800.0],
        "offered": [100.0, 50.0, 100.0],
        "answered": [95.0, 50.0, 90.0],
        "abandoned": [5.0, 0.0, 10.0],
        "answered_within_threshold": [80.0, 45.0, 70.0],
        "threshold_s": [20.0, 20.0, 20.0],
        "handle_s_total": [95 * 180.0, 50 * 180.0, 90 * 180.0],
        "wait_s_total": [95 * 8.0, 50 * 3.0, 90 * 12.0],
        "agents_staffed": [14.0, 8.0, 12.5],
    })


def test_staffing_feed_matches_required_agents():
    options = StaffingOptions(service_level=0.8, shrinkage=0.3, target_s=20.0)
    s = interval_staffing(_half_hours(), options=options)
    first = s.iloc[0]
    expected = required_agents(calls=100, interval_s=1800, aht_s=180, target_s=20, service_level=0.8, shrinkage=0.3)
    # the Call Centre Helper case: 100 calls / 30 min, AHT 180 s, 80/20 -> 14 agents, 20 with shrinkage
    assert (first["required_raw"], first["required"]) == (expected.raw_agents, expected.agents) == (14, 20)
    assert first["traffic_erlangs"] == pytest.approx(10.0)
    assert first["gap"] == 0 and first["observed_sl"] == pytest.approx(0.8)
    assert first["predicted_sl"] == pytest.approx(0.888, abs=1e-3)  # erlang_c docstring example
    assert s.attrs["options"].interval_minutes == 30
    profile = weekday_profile(s)  # the staffing roll-up takes the feed as it is
    monday_nine = profile[(profile["weekday"] == 0) & (profile["time"] == "09:00")].iloc[0]
    assert monday_nine["offered"] == pytest.approx(100.0) and monday_nine["days"] == 2


def test_staffing_is_refused_with_a_reason_for_undated_or_daily_rows():
    assert "no start time" in staffing_unavailable(TWO_DAYS)
    daily = _half_hours().assign(interval_s=86400.0)
    assert "24 hours" in staffing_unavailable(daily)
    with pytest.raises(ValueError, match="staffing by interval of day is not possible"):
        interval_staffing(TWO_DAYS)
    assert staffing_unavailable(_half_hours()) is None


def test_trend_over_dates_and_review_bundle():
    days = pd.date_range("2026-01-01", periods=30, freq="D")
    d = pd.DataFrame({"interval_start": days, "interval_s": 86400.0, "offered": 100.0,
                      "answered": np.linspace(95, 70, 30).round()})
    t = interval_trend(d).set_index("kpi")
    assert t.loc["answer_rate", "trend"] == "decreasing" and t.loc["answer_rate", "slope_unit"] == "per day"
    assert t.loc["answer_rate", "first_tenth"] > t.loc["answer_rate", "last_tenth"]
    review = intervals_review(d)
    assert review.staffing is None and any("24 hours" in n for n in review.notes)
    json.dumps(review.summary)  # JSON-safe
    undated = intervals_review(TWO_DAYS)
    assert any(n.startswith("These rows have no dates") for n in undated.notes)
    assert undated.summary["kpis"]["answer_rate"]["value"] == pytest.approx(590 / 1100)


def test_review_from_a_store_without_intervals():
    with Store("duckdb://") as store:
        review = intervals_review(store)
    assert review.summary == {"available": False, "notes": list(review.notes)}


# --- schema checks through collect + validate -----------------------------------------------------


def test_bad_interval_rows_are_quarantined_with_reasons(tmp_path, write_yaml):
    csv = CSV + (
        "3;2026-01-05 10:00;50;40;20;80.00%;0:00:10;0:02:00;50.00%\r\n"  # 40 + 20 > 50
        "4;2026-01-05 10:30;-5;0;0;0.00%;0:00:10;0:02:00;0.00%\r\n"  # negative count
        "5;2026-01-05 11:00;10;10;0;100.00%;0:00:10;0:02:00;150%\r\n"  # service level > 100 %
        "6;2026-01-05 11:30;10.5;10;0;95.24%;0:00:10;0:02:00;90.00%\r\n"  # not a whole number
        "7;2026-01-05 09:00;100;90;10;90.00%;0:00:10;0:02:00;80.00%\r\n"  # repeats row 1's interval
        "8;2026-01-05 12:00;abc;10;0;100.00%;0:00:10;0:02:00;90.00%\r\n"  # unreadable
        "9;;20;20;0;100.00%;0:00:10;0:02:00;90.00%\r\n"  # no start: kept (period cannot apply)
    )
    config = _collect(tmp_path, write_yaml, csv, CONFIG.replace("reviewer: Tester", "reviewer: Tester\nperiod: {start: 2026-01-01, end: 2026-01-31}"))
    with Store("duckdb://") as store:
        collect(config, store)
        result = validate(config, store)
    acc = result.accounting.iloc[0]
    assert acc["rows_in"] == 9 == acc["rows_usable"] + acc["rows_quarantined"]
    reasons = result.quarantine.set_index("_row")["reasons"]
    assert set(reasons.index) == {3, 4, 5, 6, 7, 8}
    assert "answered + abandoned is not more than offered" in reasons[3]
    assert "offered: must be >= 0" in reasons[4]
    assert "service_level: must be between 0 and 1" in reasons[5]
    assert "counts are whole numbers" in reasons[6]
    assert "duplicate interval_start + queue" in reasons[7]
    assert "offered: cannot read 'abc'" in reasons[8]
    assert (result.quarantine["reasons"].str.len() > 0).all()
    assert result.quarantine.set_index("_row").loc[3, "record_id"] == "3"


# --- the real daily queue report ----------------------------------------------------------------


def _independent(path: Path) -> dict[str, float]:
    raw = pd.read_csv(path, sep=";")
    answered = raw["Answered Calls"]
    asa = pd.to_timedelta(raw["Answer Speed (AVG)"]).dt.total_seconds()
    return {
        "offered": raw["Incoming Calls"].sum(),
        "answered": answered.sum(),
        "answer_rate": answered.sum() / raw["Incoming Calls"].sum(),
        "asa_s": (asa * answered).sum() / answered.sum(),
        "naive_answer_rate": raw["Answer Rate"].str.rstrip("%").astype(float).mean() / 100,
        "rows": len(raw),
    }


def test_real_daily_queue_report(tmp_path):
    if not REAL.exists():
        pytest.skip("../shared/real-data is absent: the real daily queue report is not beside this checkout")
    config = load_config(ROOT / "examples" / "callcentre_daily.yaml")
    expect = _independent(DAILY)
    with Store("duckdb://") as store:
        manifest = collect(config, store)
        result = validate(config, store)
        review = intervals_review(store, config=config)
    acc = result.accounting.iloc[0]
    assert manifest.iloc[0]["rows_in"] == expect["rows"] == 1251
    assert acc["rows_in"] == acc["rows_usable"] + acc["rows_quarantined"]
    assert acc["rows_quarantined"] == 0  # Answered + Abandoned = Incoming on every row
    k = review.kpis.set_index("kpi")
    assert k.loc["offered", "value"] == expect["offered"] == 248_373
    assert k.loc["answered", "value"] == expect["answered"] == 221_234
    assert k.loc["answer_rate", "value"] == pytest.approx(expect["answer_rate"], rel=1e-12)
    assert k.loc["asa_s", "value"] == pytest.approx(expect["asa_s"], rel=1e-12)
    a = review.averaging.set_index("kpi")
    assert a.loc["answer_rate", "naive_mean"] == pytest.approx(expect["naive_answer_rate"], rel=1e-12)
    assert a.loc["answer_rate", "matters"]  # 92.7 % plain mean against 89.1 % weighted
    assert review.staffing is None and review.trend is not None
    assert review.summary["dated_rows"] == 0
    json.dumps(review.summary)
