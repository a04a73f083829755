"""Gap analysis against targets and the target review (csperf_lib.stages.benchmarks)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from csperf_lib.methods.kpis import stack_breakdowns
from csperf_lib.methods.stats import wilson_interval
from csperf_lib.stages.benchmarks import (
    benchmark_gaps,
    change_since,
    classify,
    previous_summary,
    rag_matrix,
    review_targets,
    shortfalls_and_strengths,
    target_test,
)


@dataclass(frozen=True)
class T:
    """A minimal target (csperf_lib.methods.targets.Target has these fields and more)."""

    kpi: str
    target: float
    tolerance: float | None = None
    segment: tuple = ()
    source: str = "internal target"
    origin: str = "targets file"


# --- status at the boundaries -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "better", "expected"),
    [
        (4.0, "higher", "met"),  # exactly on target
        (4.2, "higher", "met"),
        (3.9, "higher", "within_tolerance"),  # exactly on the tolerance edge
        (3.85, "higher", "missed"),
        (0.05, "lower", "met"),  # lower is better: on target
        (0.03, "lower", "met"),
        (0.06, "lower", "within_tolerance"),  # on the edge (target 0.05 + 0.01)
        (0.0601, "lower", "missed"),
    ],
)
def test_status_boundaries(value, better, expected):
    target, tolerance = (4.0, 0.1) if better == "higher" else (0.05, 0.01)
    assert classify(value, target, tolerance, better=better) == expected


def test_status_without_tolerance_or_target():
    assert classify(3.99, 4.0, None, better="higher") == "missed"
    assert classify(3.99, math.nan, 0.1, better="higher") == "no_target"


# --- the tests behind "significant" -------------------------------------------------------------
def test_proportion_uses_the_score_test_that_inverts_wilson():
    # textbook score test: 45 of 100 against p0 = 0.5 -> z = -1.0, one-sided p = 0.1587
    p, test = target_test(0.45, 0.5, method="wilson", n=100)
    assert p == pytest.approx(st.norm.sf(1.0), rel=1e-12) and "score" in test
    # inversion: the 95 % Wilson upper bound of 81/263 is 0.3662 (Newcombe 1998, Table I), so a
    # target just above it is rejected at 2.5 % one-sided and one just below it is not
    low, high = wilson_interval(81, 263)
    assert target_test(81 / 263, high + 1e-4, method="wilson", n=263)[0] < 0.025
    assert target_test(81 / 263, high - 1e-4, method="wilson", n=263)[0] > 0.025


def test_mean_uses_the_one_sample_t_test():
    rng = np.random.default_rng(1)
    x = rng.normal(3.8, 1.0, 40)
    p, _ = target_test(x.mean(), 4.0, method="t", n=len(x), sd=x.std(ddof=1))
    reference = st.ttest_1samp(x, 4.0, alternative="less").pvalue
    assert p == pytest.approx(reference, rel=1e-10)


def test_rate_uses_the_exact_poisson_test():
    # 12 complaints in 2,000 contacts = 6 per 1000 against a target of 4 per 1000: mu0 = 8
    p, _ = target_test(6.0, 4.0, method="poisson", n=2000)
    assert p == pytest.approx(1 - st.poisson.cdf(11, 8.0), rel=1e-12)
    p_low, _ = target_test(2.0, 4.0, method="poisson", n=2000)  # 4 complaints against mu0 = 8
    assert p_low == pytest.approx(st.poisson.cdf(4, 8.0), rel=1e-12)


def test_normal_interval_kpis_recover_the_standard_error():
    # NPS 10 with 95 % CI 6.08..13.92 -> se 2.0; target 14 -> z = 2, p = 0.02275
    p, _ = target_test(10.0, 14.0, method="nps_multinomial", n=1000, ci_low=10 - 1.959964 * 2, ci_high=10 + 1.959964 * 2)
    assert p == pytest.approx(st.norm.sf(2.0), rel=1e-5)


def test_small_segment_missing_by_noise_is_not_significant():
    kpis = pd.DataFrame(
        {
            "kpi": ["csat_mean", "csat_mean"],
            "region": ["Tiny", "Big"],
            "period": [pd.NaT, pd.NaT],
            "value": [3.7, 3.7],
            "ci_low": [3.0, 3.66],
            "ci_high": [4.4, 3.74],
            "n": [8, 2500],
            "sd": [1.0, 1.0],
        }
    )
    gaps = benchmark_gaps(kpis, [T("csat_mean", 4.0, 0.1)]).set_index("region")
    assert gaps.loc["Tiny", "status"] == gaps.loc["Big", "status"] == "missed"
    assert not gaps.loc["Tiny", "significant"] and gaps.loc["Big", "significant"]
    assert gaps.loc["Big", "gap"] == pytest.approx(-0.3) and gaps.loc["Big", "gap_pct"] == pytest.approx(-0.075)
    assert gaps.loc["Big", "impact"] == pytest.approx(0.3 / 4.0 * 2500)  # relative shortfall x volume
    assert "not statistically significant" in gaps.loc["Tiny", "finding"]


# --- persistence, direction, segment precedence -----------------------------------------------------
def _weekly(kpi, segment_values, values, *, n=400, sd=1.0, dim="region"):
    rows = []
    for seg, series in zip(segment_values, values, strict=True):
        for w, v in enumerate(series):
            half = 1.96 * sd / math.sqrt(n)
            rows.append({"kpi": kpi, dim: seg, "period": pd.Timestamp("2026-01-05") + pd.Timedelta(weeks=w),
                         "value": v, "ci_low": v - half, "ci_high": v + half, "n": n, "sd": sd})
    return pd.DataFrame(rows)


def test_persistence_and_direction_from_history():
    history = _weekly("csat_mean", ["North", "South"], [[4.2, 4.1, 3.6, 3.6, 3.6, 3.6], [3.2, 3.4, 3.6, 3.8, 4.0, 4.2]])
    whole = history.groupby(["kpi", "region"], as_index=False).agg(value=("value", "mean"), n=("n", "sum"), sd=("sd", "mean"))
    whole["period"], whole["ci_low"], whole["ci_high"] = pd.NaT, whole["value"] - 0.02, whole["value"] + 0.02
    gaps = benchmark_gaps(whole, [T("csat_mean", 4.0, 0.1)], history=history).set_index("region")
    assert gaps.loc["North", "status"] == "missed" and gaps.loc["North", "persistence"] == 4
    assert gaps.loc["South", "direction"] == "improving"
    assert gaps.loc["South", "persistence"] == 0  # missed overall, but met in the latest week


def test_segment_target_takes_precedence_over_the_whole_population_target():
    kpis = pd.DataFrame({"kpi": ["service_level"] * 2, "queue": ["Billing", "Sales"], "period": [pd.NaT] * 2,
                         "value": [0.7, 0.7], "ci_low": [0.68, 0.68], "ci_high": [0.72, 0.72], "n": [2000, 2000], "sd": [np.nan] * 2})
    targets = [T("service_level", 0.8), T("service_level", 0.65, segment=(("queue", "Billing"),))]
    gaps = benchmark_gaps(kpis, targets).set_index("queue")
    assert gaps.loc["Billing", "target"] == 0.65 and gaps.loc["Billing", "status"] == "met"
    assert gaps.loc["Sales", "target"] == 0.8 and gaps.loc["Sales", "status"] == "missed"


def test_no_target_and_neutral_kpis():
    kpis = pd.DataFrame({"kpi": ["contacts_offered", "aht_s"], "period": [pd.NaT] * 2, "value": [100.0, 300.0],
                         "ci_low": [np.nan, 290.0], "ci_high": [np.nan, 310.0], "n": [100, 100], "sd": [np.nan, 50.0]})
    gaps = benchmark_gaps(kpis, [T("contacts_offered", 50.0)])
    assert list(gaps["status"]) == ["no_target", "no_target"]
    assert not gaps["significant"].any()


def test_stacked_frames_rag_matrix_and_strengths():
    overall = pd.DataFrame({"kpi": ["csat_mean"], "period": [pd.NaT], "value": [4.05], "ci_low": [4.0], "ci_high": [4.1], "n": [5000], "sd": [1.0]})
    by_region = pd.DataFrame({"kpi": ["csat_mean"] * 3, "region": ["A", "B", "C"], "period": [pd.NaT] * 3,
                              "value": [4.4, 3.6, 3.98], "ci_low": [4.35, 3.55, 3.7], "ci_high": [4.45, 3.65, 4.26],
                              "n": [2000, 2000, 50], "sd": [1.0, 1.0, 1.0]})
    stacked = stack_breakdowns({None: overall, "region": by_region})
    assert list(stacked.columns[:3]) == ["kpi", "dimension", "segment"]
    gaps = benchmark_gaps(stacked, [T("csat_mean", 4.0, 0.1)])
    matrix = rag_matrix(gaps, significant_only=True)
    assert list(matrix.columns) == ["overall", "region: A", "region: B", "region: C"]
    assert matrix.loc["csat_mean", "region: B"] == "missed" and matrix.loc["csat_mean", "region: C"] == "within_tolerance"
    shortfalls, strengths = shortfalls_and_strengths(gaps)
    assert list(shortfalls["segment"]) == ["B"] and "A" in list(strengths["segment"])


# --- target review ----------------------------------------------------------------------------------
def _stacked_history(kpi, series_by_segment, *, n=500, sd=0.8):
    rows = []
    for (dim, seg), values in series_by_segment.items():
        for w, v in enumerate(values):
            half = 1.96 * sd / math.sqrt(n)
            rows.append({"kpi": kpi, "dimension": dim, "segment": seg, "period": pd.Timestamp("2026-01-05") + pd.Timedelta(weeks=w),
                         "value": v, "ci_low": v - half, "ci_high": v + half, "n": n})
    return pd.DataFrame(rows)


def test_target_no_longer_challenging_is_raised():
    history = _stacked_history("csat_mean", {("all", "all"): [4.5] * 6, ("region", "A"): [4.4] * 6, ("region", "B"): [4.7] * 6})
    review = review_targets(history, [T("csat_mean", 4.0, 0.1)]).iloc[0]
    assert review["status"] == "no_longer_challenging"
    pool = [4.4] * 4 + [4.7] * 4
    assert review["proposed_target"] == pytest.approx(np.quantile(pool, 0.75))
    assert review["proposed_target"] >= 4.0


def test_target_not_achievable_is_lowered_but_not_below_the_benchmark():
    @dataclass(frozen=True)
    class B:
        kpi: str
        indicative_target: float
        comparable: bool = True

    class Set:
        targets = (T("fcr_rate", 0.95, 0.02),)
        benchmarks = (B("fcr_rate", 0.70),)

    history = _stacked_history("fcr_rate", {("all", "all"): [0.72] * 6, ("queue", "A"): [0.60] * 6, ("queue", "B"): [0.80] * 6}, sd=0.4)
    current = pd.DataFrame({"kpi": ["fcr_rate"] * 3, "dimension": ["all", "queue", "queue"], "segment": ["all", "A", "B"], "value": [0.72, 0.60, 0.80]})
    review = review_targets(history, Set(), current=current).iloc[0]
    assert review["status"] == "not_achievable"
    assert review["proposed_target"] == pytest.approx(max(np.quantile([0.6] * 4 + [0.8] * 4, 0.6), 0.70))
    # a segment that reaches the target keeps it as a stretch target
    current.loc[2, "value"] = 0.96
    assert review_targets(history, Set(), current=current).iloc[0]["status"] == "keep"


def test_short_history_keeps_the_target_and_says_why():
    history = _stacked_history("csat_mean", {("all", "all"): [4.5, 4.5]})
    review = review_targets(history, [T("csat_mean", 4.0)]).iloc[0]
    assert review["status"] == "keep" and "only 2 periods" in review["evidence"]


# --- previous review ----------------------------------------------------------------------------------
def test_change_since_previous_review(tmp_path):
    old = tmp_path / "2026-10-01"
    old.mkdir()
    (old / "summary.json").write_text(json.dumps({"gaps": [{"kpi": "csat_mean", "dimension": "all", "segment": "all", "value": 3.9, "status": "within_tolerance"}]}))
    (tmp_path / "2026-12-01").mkdir()
    (tmp_path / "2026-12-01" / "summary.json").write_text(json.dumps({"gaps": [{"kpi": "x"}]}))  # later: ignored
    current = tmp_path / "2026-11-22"
    found = previous_summary(current)
    assert found[0] == "2026-10-01"
    gaps = pd.DataFrame({"kpi": ["csat_mean"], "dimension": ["all"], "segment": ["all"], "value": [4.1], "status": ["met"], "better": ["higher"]})
    change = change_since(gaps, found[1]["gaps"]).iloc[0]
    assert change["change"] == pytest.approx(0.2) and change["better_or_worse"] == "better" and change["status_before"] == "within_tolerance"


# --- the demo's planted under-performing region ---------------------------------------------------------
def test_demo_low_region_is_a_significant_persistent_shortfall():
    from conftest import ROOT, load_into_store

    from csperf_lib.methods.kpis import compute_kpi_breakdowns

    folder = ROOT / "data" / "raw" / "demo"
    if not (folder / "planted.json").is_file():
        pytest.skip("demo data not generated: run `make demo-data`")
    planted = json.loads((folder / "planted.json").read_text())
    signal = planted["signals"]["region_csat"]
    config, store = load_into_store(folder / "review.yaml")
    with store:
        frames = compute_kpi_breakdowns(store, breakdowns=[(("region",), None), (("region",), "week")], kpis=["csat_mean"], config=config)
    gaps = benchmark_gaps(frames[(("region",), None)], [T("csat_mean", signal["target"]["value"], 0.1)], history=frames[(("region",), "week")])
    gaps = gaps.set_index("region")
    low = signal["segment"]["region"]
    assert gaps.loc[low, "status"] == "missed" and gaps.loc[low, "significant"]
    assert gaps.loc[low, "persistence"] >= 8  # weeks in a row
    controls = gaps.drop(index=low)
    assert not (controls["status"].eq("missed") & controls["significant"]).any()


def test_target_at_the_benchmark_is_not_lowered_below_it():
    @dataclass(frozen=True)
    class B:
        kpi: str
        indicative_target: float
        comparable: bool = True

    class Set:
        targets = (T("service_level", 0.80, 0.05),)
        benchmarks = (B("service_level", 0.80),)

    history = _stacked_history("service_level", {("all", "all"): [0.35] * 6, ("queue", "A"): [0.30] * 6, ("queue", "B"): [0.40] * 6}, sd=0.48)
    current = pd.DataFrame({"kpi": ["service_level"] * 3, "dimension": ["all", "queue", "queue"], "segment": ["all", "A", "B"], "value": [0.35, 0.30, 0.40]})
    review = review_targets(history, Set(), current=current).iloc[0]
    assert review["status"] == "not_achievable" and np.isnan(review["proposed_target"])
    assert "Do not lower it" in review["reasoning"]
