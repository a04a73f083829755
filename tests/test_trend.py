"""Mann-Kendall, seasonal Kendall and Sen's slope against published and independent values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from csperf_lib.methods.trend import MannKendall, mann_kendall, seasonal_mann_kendall

# US EPA (2006) Data Quality Assessment: Statistical Methods for Practitioners, EPA QA/G-9S,
# Mann-Kendall example (p. 109; as reproduced in the EarthSoft EnviroInsite documentation):
# 11 values with ties (10 four times, 15 twice) give S = 22, Var(S) = 155.33 and
# Z = (22 - 1)/sqrt(155.33) = 1.685 -> no trend at alpha = 0.05.
EPA_G9S = [10.0, 10.0, 10.0, 5.0, 10.0, 20.0, 18.0, 17.0, 15.0, 24.0, 15.0]


def test_epa_qa_g9s_example():
    r = mann_kendall(EPA_G9S)
    assert isinstance(r, MannKendall)
    assert r.s == 22
    assert r.var_s == pytest.approx(155.33, abs=0.005)
    assert r.z == pytest.approx(1.685, abs=5e-4)
    assert r.p == pytest.approx(2 * st.norm.sf(21 / math.sqrt(2796 / 18)), rel=1e-12)
    assert r.trend == "no trend" and r.n == 11 and r.note == ""
    # one-sided at 0.10 (two-sided 0.20) the same data call an increase
    assert mann_kendall(EPA_G9S, alpha=0.2).trend == "increasing"


# Independent implementations: scipy.stats.kendalltau (tau-b) and scipy.stats.theilslopes
# (Sen's slope, Conover intercept); S, Var(S), z, p frozen from pymannkendall 1.4.3
# original_test (Hussain & Mahmud 2019, JOSS 4:1556) on the same series.
TIES = [5, 3, 3, 6, 7, 7, 7, 9, 8, 10, 10, 12, 11, 11, 14]


def test_ties_against_scipy_and_pymannkendall():
    r = mann_kendall(TIES)
    assert (r.s, r.var_s) == (89.0, pytest.approx(401.6666666666667, rel=1e-14))
    assert r.z == pytest.approx(4.390861880063245, rel=1e-12)
    assert r.p == pytest.approx(1.1290224375404279e-05, rel=1e-9)
    assert r.tau == pytest.approx(st.kendalltau(np.arange(len(TIES)), TIES).statistic, rel=1e-12)
    ts = st.theilslopes(TIES)
    assert (r.slope, r.intercept) == pytest.approx((ts.slope, ts.intercept), rel=1e-12)
    assert r.trend == "increasing" and r.slope_unit == "per step"


def test_decreasing_and_x_as_numbers_dates_and_order():
    y = np.array([9.0, 8.5, 8.7, 7.9, 7.0, 7.2, 6.1, 5.8, 5.9, 5.0, 4.4, 4.6])
    r = mann_kendall(y)
    assert r.trend == "decreasing" and r.s < 0 and r.z < 0
    # numeric x: slope per unit of x; shuffling rows does not change anything when x is given
    x = np.arange(12) * 7.0
    rx = mann_kendall(y, x)
    assert rx.slope == pytest.approx(r.slope / 7.0) and rx.slope_unit == "per unit of x"
    perm = np.random.default_rng(0).permutation(12)
    rp = mann_kendall(y[perm], x[perm])
    assert (rp.s, rp.var_s, rp.slope, rp.intercept) == pytest.approx(
        (rx.s, rx.var_s, rx.slope, rx.intercept)
    )
    # weekly dates: slope per day; datetime64, Timestamps, python dates and strings agree
    d = pd.date_range("2025-01-06", periods=12, freq="7D")
    for xs in (d, d.values, list(d.date), [str(v) for v in d.date], pd.Series(d)):
        rd = mann_kendall(y, xs)
        assert rd.slope == pytest.approx(r.slope / 7.0) and rd.slope_unit == "per day"
    # theilslopes on day numbers as the independent check
    ts = st.theilslopes(y, (d - d[0]).days.to_numpy(float))
    assert rd.slope == pytest.approx(ts.slope) and rd.intercept == pytest.approx(ts.intercept)


def test_ties_in_x_use_kendalls_full_variance():
    # two observations per day: Var(S) with both tie corrections equals the null variance
    # scipy uses for tau-b (Kendall 1976 eq. 4.3), var = (S / z)^2 with z from kendalltau.
    x = np.repeat(np.arange(8), 2).astype(float)
    y = np.array([3, 4, 4, 5, 6, 5, 7, 6, 8, 9, 9, 8, 10, 12, 11, 12], dtype=float)
    r = mann_kendall(y, x)
    res = st.kendalltau(x, y, method="asymptotic")
    z_scipy = st.norm.isf(res.pvalue / 2)
    assert r.var_s == pytest.approx((r.s / z_scipy) ** 2, rel=1e-9)
    assert r.tau == pytest.approx(res.statistic, rel=1e-12)


def test_nan_dropping_small_n_and_ties():
    y = [1.0, np.nan, 2.0, 3.0, np.nan, 5.0]
    r = mann_kendall(y)
    assert r.n == 4 and r.s == 6 and "rough" in r.note
    short = mann_kendall([1.0, np.nan, 2.0])
    assert short.n == 2 and math.isnan(short.p) and short.trend == "no trend" and short.note
    flat = mann_kendall([4.0] * 12)
    assert (flat.s, flat.z, flat.p, flat.trend) == (0.0, 0.0, 1.0, "no trend")
    assert "tied" in flat.note and flat.slope == 0.0
    assert mann_kendall([]).n == 0
    with pytest.raises(ValueError):
        mann_kendall([1, 2, 3], x=[1, 2])
    arr = np.array([3.0, 1.0, 2.0])
    mann_kendall(arr)
    assert arr.tolist() == [3.0, 1.0, 2.0]


# Seasonal Kendall (Hirsch, Slack & Smith 1982, Water Resour. Res. 18:107-121): 4 years of a
# monthly KPI with a seasonal cycle and a small upward drift. S, Var(S), z, p and the per-year
# slope frozen from pymannkendall 1.4.3 seasonal_test(y, period=12), which sums S and Var(S)
# over months as R trend::smk.test does.
MONTHLY = [
    10.3, 11.5, 12.3, 13.4, 13.1, 11.0, 9.6, 8.7, 7.2, 6.9, 7.5, 8.7,
    10.35, 11.95, 12.75, 12.85, 13.15, 12.15, 9.65, 8.25, 7.75, 6.95, 7.45, 8.75,
    10.4, 12.0, 13.2, 13.3, 12.6, 12.2, 10.8, 8.3, 7.3, 7.5, 7.5, 8.7,
    10.35, 12.05, 13.25, 13.75, 13.05, 11.65, 10.85, 9.45, 7.35, 7.05, 8.05, 8.75,
]  # fmt: skip


def test_seasonal_mann_kendall_against_pymannkendall():
    month = np.tile(np.arange(1, 13), 4)
    r = seasonal_mann_kendall(MONTHLY, month)
    assert (r.s, r.var_s) == (36.0, pytest.approx(100.0, rel=1e-12))
    assert r.z == pytest.approx(3.5) and r.p == pytest.approx(0.0004652581580710802, rel=1e-9)
    assert r.trend == "increasing" and r.seasons == 12 and r.n == 48
    assert r.slope * 12 == pytest.approx(0.05, rel=1e-9)  # per step here; per year x 12
    # equals the sum of the per-month plain tests
    parts = [mann_kendall(np.asarray(MONTHLY)[month == m]) for m in range(1, 13)]
    assert r.s == sum(p.s for p in parts) and r.var_s == pytest.approx(sum(p.var_s for p in parts))
    # slope = median of within-season pairwise slopes (Hirsch et al. 1982), per step of series
    y = np.asarray(MONTHLY).reshape(4, 12)
    pairs = [(y[j, m] - y[i, m]) / (12 * (j - i)) for m in range(12) for i in range(4) for j in range(i + 1, 4)]  # fmt: skip
    assert r.slope == pytest.approx(np.median(pairs))


def test_seasonal_with_dates_labels_and_missing():
    d = pd.date_range("2022-01-01", periods=48, freq="MS")
    y = np.asarray(MONTHLY, dtype=float).copy()
    y[[5, 17]] = np.nan
    r = seasonal_mann_kendall(y, d.month_name(), d)
    assert r.n == 46 and r.slope_unit == "per day" and r.trend == "increasing"
    assert r.slope * 365.25 == pytest.approx(0.05, rel=0.05)
    # a season with one observation adds nothing; too little data gives a NaN result
    tiny = seasonal_mann_kendall([1.0, 2.0, 3.0], ["a", "b", "c"])
    assert math.isnan(tiny.s) and tiny.note and tiny.seasons == 0
    with pytest.raises(ValueError):
        seasonal_mann_kendall([1.0, 2.0], ["a"])
