from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.oneway import anova_oneway

from csperf_lib.methods.patterns import (
    _pooled_rest,
    _welch_anova,
    arrival_profile,
    segment_differences,
)


def test_welch_anova_from_aggregates_equals_statsmodels_on_raw_data():
    rng = np.random.default_rng(5)
    groups = [rng.normal(10, 2, 40), rng.normal(11, 4, 25), rng.normal(10.5, 1, 60)]
    f, p = _welch_anova(
        np.array([len(g) for g in groups], float), np.array([g.mean() for g in groups]), np.array([g.std(ddof=1) for g in groups])
    )
    reference = anova_oneway(groups, use_var="unequal")  # statsmodels, Welch (1951)
    assert f == pytest.approx(reference.statistic, rel=1e-10)
    assert p == pytest.approx(reference.pvalue, rel=1e-8)


def test_pooling_the_rest_is_exact():
    rng = np.random.default_rng(1)
    groups = [rng.normal(5, 1, 30), rng.normal(6, 2, 50), rng.normal(4, 1, 20)]
    n = np.array([len(g) for g in groups], float)
    rest_n, rest_mean, rest_sd = _pooled_rest(n, np.array([g.mean() for g in groups]), np.array([g.std(ddof=1) for g in groups]), 0)
    rest = np.concatenate(groups[1:])
    assert (rest_n, rest_mean, rest_sd) == pytest.approx((len(rest), rest.mean(), rest.std(ddof=1)), rel=1e-12)


def _frame():
    # queue C abandons far more; A and B are alike; D is tiny and must not be tested
    return pd.DataFrame(
        {
            "kpi": ["abandonment_rate"] * 4 + ["aht_s"] * 3,
            "queue": ["A", "B", "C", "D", "A", "B", "C"],
            "value": [0.05, 0.052, 0.12, 0.5, 300.0, 302.0, 360.0],
            "n": [4000, 3800, 3000, 10, 3800, 3600, 2640],
            "sd": [np.nan] * 4 + [120.0, 118.0, 130.0],
        }
    )


def test_segment_differences_flags_real_differences_only():
    result = segment_differences(
        _frame(), segment="queue", kinds={"abandonment_rate": "proportion", "aht_s": "mean"},
        lower_is_better={"abandonment_rate", "aht_s"},
    ).set_index(["kpi", "segment"])
    assert bool(result.loc[("abandonment_rate", "C"), "significant"]) is True
    assert bool(result.loc[("abandonment_rate", "D"), "significant"]) is False  # n = 10 < min_n
    assert np.isnan(result.loc[("abandonment_rate", "D"), "p"])
    assert bool(result.loc[("aht_s", "C"), "significant"]) is True
    finding = result.loc[("abandonment_rate", "C"), "finding"]
    assert "higher than the rest" in finding and "worse" in finding and "12.0 %" in finding  # one formatter: a space before %
    # segment vs rest for a proportion: the same z-test as statsmodels
    from statsmodels.stats.proportion import proportions_ztest

    rest_success = 0.05 * 4000 + 0.052 * 3800 + 0.5 * 10
    z, p = proportions_ztest([360, rest_success], [3000, 7810])
    assert result.loc[("abandonment_rate", "C"), "p"] == pytest.approx(p, rel=1e-9)
    # against a rest that contains queue C, queue B is genuinely lower, but by a trivial effect
    # (Cohen's h ~ -0.1): significant, not material, so no finding
    assert bool(result.loc[("abandonment_rate", "B"), "significant"]) is True
    assert bool(result.loc[("abandonment_rate", "B"), "material"]) is False
    assert result.loc[("abandonment_rate", "B"), "finding"] == ""


def test_no_differences_when_segments_are_alike():
    rng = np.random.default_rng(3)
    n = np.full(6, 2000)
    successes = rng.binomial(n, 0.1)
    frame = pd.DataFrame({"kpi": "fcr_rate", "team": list("ABCDEF"), "value": successes / n, "n": n})
    result = segment_differences(frame, segment="team", kinds={"fcr_rate": "proportion"})
    assert not result["significant"].any()
    assert sps.chi2_contingency(np.column_stack([successes, n - successes]))[1] == pytest.approx(result["overall_p"].iloc[0])


def test_arrival_profile_matches_pandas():
    rng = np.random.default_rng(0)
    arrived = pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 14 * 86400, 2000), unit="s")
    answered = rng.random(2000) < 0.9
    contacts = pd.DataFrame({"arrived_at": arrived, "answered": answered, "abandoned": ~answered})
    profile = arrival_profile(contacts).set_index(["weekday", "hour"])
    expected = contacts.groupby([contacts.arrived_at.dt.day_of_week, contacts.arrived_at.dt.hour]).size()
    assert profile["offered"].sum() == 2000
    for (weekday, hour), count in expected.items():
        assert profile.loc[(weekday, hour), "offered"] == count
    assert set(profile["days"]) == {2}


def test_arrival_profile_ignores_an_extra_column_named_like_its_own():
    # An export's own "Hour" column, kept beside the canonical ones, once broke stage 03: the
    # engine compares names without regard to case, so it met the computed hour.
    contacts = pd.DataFrame({
        "arrived_at": pd.to_datetime(["2026-03-02 08:10", "2026-03-02 09:20", "2026-03-03 08:40"]),
        "answered": [True, False, True], "abandoned": [False, True, False],
        "Hour": ["08", "09", "08"], "Weekday": ["Mon", "Mon", "Tue"],
    })
    profile = arrival_profile(contacts)
    assert list(profile["hour"]) == [8, 9, 8] and profile["offered"].sum() == 3
