"""Control charts, run rules and change points against published examples and constructions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from csperf_lib.methods import spc
from csperf_lib.methods.changepoint import change_points, default_penalty, noise_sigma
from csperf_lib.methods.spc import p_chart, run_rules, xmr_chart

# --------------------------------------------------------------------------------------------
# Shewhart constants
# --------------------------------------------------------------------------------------------


def test_shewhart_constants_for_moving_ranges_of_two():
    # Tabulated for n = 2 (ASTM STP 15D; Montgomery 2009 App. VI; NIST e-Handbook 6.3.2):
    # d2 = 1.128, D3 = 0, D4 = 3.267. Closed forms for the range of two N(0,1) values:
    # d2 = 2/sqrt(pi), d3 = sqrt(2 - 4/pi), D4 = 1 + 3 d3/d2.
    d2 = 2 / math.sqrt(math.pi)
    d3 = math.sqrt(2 - 4 / math.pi)
    assert spc.D2 == round(d2, 3) == 1.128
    assert spc.D4 == round(1 + 3 * d3 / d2, 3) == 3.267
    assert spc.D3 == 0.0
    assert round(3 / spc.D2, 3) == 2.66  # E2


# --------------------------------------------------------------------------------------------
# XmR chart: NIST/SEMATECH e-Handbook of Statistical Methods, 6.3.2.2 "Individuals control
# charts", example: 10 batches, x-bar = 50.81, MR-bar = 1.8778, UCL = 55.80, LCL = 45.82 and
# UCL(MR) = 3.267 * 1.8778 = 6.13.
# --------------------------------------------------------------------------------------------

NIST_XMR = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]


def test_xmr_chart_nist_example():
    c = xmr_chart(NIST_XMR)
    assert c.kind == "xmr" and c.n == 10 and c.note == ""
    assert c.center == pytest.approx(50.81)
    assert c.mr_bar == pytest.approx(1.8778, abs=5e-5)
    assert round(c.ucl, 2) == 55.80 and round(c.lcl, 2) == 45.82
    assert round(c.ucl_mr, 2) == 6.13
    assert c.sigma == pytest.approx(c.mr_bar / 1.128)
    assert c.points["mr"].tolist()[1:] == pytest.approx(
        [2.0, 2.3, 1.4, 3.5, 3.4, 1.4, 0.2, 1.2, 1.5]
    )
    assert math.isnan(c.points["mr"].iloc[0]) and not c.points["beyond_limits"].any()


def test_xmr_chart_missing_values_index_and_small_n():
    idx = pd.date_range("2025-03-03", periods=6)
    s = pd.Series([10.0, 12.0, np.nan, 11.0, 30.0, 10.0], index=idx)
    c = xmr_chart(s)
    assert c.n == 5 and list(c.points.index) == list(idx)
    # moving range bridges the gap: |11 - 12| = 1 is recorded at the point after the NaN
    assert c.points["mr"].iloc[3] == 1.0 and math.isnan(c.points["mr"].iloc[2])
    assert c.mr_bar == pytest.approx((2 + 1 + 19 + 20) / 4)
    assert s.isna().sum() == 1  # input untouched
    one = xmr_chart([5.0])
    assert math.isnan(one.ucl) and one.center == 5.0 and "at least 2" in one.note
    assert math.isnan(xmr_chart([]).center)


# --------------------------------------------------------------------------------------------
# p chart: NIST/SEMATECH e-Handbook 6.3.3.1 "Proportions control charts", example: 30 wafers of
# 50 chips, p-bar = 0.2313, UCL = 0.4102, LCL = 0.0524.
# --------------------------------------------------------------------------------------------

NIST_WAFERS = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18,
               24, 15, 9, 12, 7, 13, 9, 6]  # fmt: skip


def test_p_chart_nist_example():
    c = p_chart(NIST_WAFERS, 50)
    assert c.kind == "p" and c.n == 30
    assert round(c.center, 4) == 0.2313
    assert np.round(c.ucl, 4).tolist() == [0.4102] * 30
    assert np.round(c.lcl, 4).tolist() == [0.0524] * 30
    assert c.points["value"].iloc[0] == pytest.approx(0.24)
    # wafers 15 (0.44) and 23 (0.48) are above the UCL
    assert c.points.index[c.points["beyond_limits"]].tolist() == [14, 22]
    assert math.isnan(c.mr_bar)


def test_p_chart_varying_sizes_and_edges():
    d = np.array([5, 0, 30, np.nan, 0])
    n = np.array([100, 20, 400, 50, 0])
    c = p_chart(d, n)
    pbar = 35 / 520
    assert c.center == pytest.approx(pbar) and c.n == 3
    sig = np.sqrt(pbar * (1 - pbar) / n[:3])
    np.testing.assert_allclose(c.ucl[:3], pbar + 3 * sig)
    np.testing.assert_allclose(c.lcl[:3], np.maximum(0, pbar - 3 * sig))
    assert c.lcl[1] == 0.0 and np.isnan(c.ucl[3:]).all() and np.isnan(c.points["value"].iloc[4])
    assert "positive size" in p_chart([0], [0]).note
    with pytest.raises(ValueError):
        p_chart([5], [4])


# --------------------------------------------------------------------------------------------
# run rules on constructed series (center 0, sigma 1)
# Western Electric Co. (1956) Statistical Quality Control Handbook;
# Nelson LS (1984) The Shewhart control chart - tests for special causes. JQT 16:237-239.
# --------------------------------------------------------------------------------------------


def flagged(x, rules="western_electric"):
    out = run_rules(x, 0.0, 1.0, rules=rules)
    return sorted(zip(out["rule"], out["position"], out["start"], strict=True))


def test_western_electric_rules():
    assert flagged([0, 0, 3.5, 0, -3.2]) == [("WE1", 2, 2), ("WE1", 4, 4)]
    assert flagged([0, 2.5, 0.5, 2.2, 0]) == [("WE2", 3, 1)]
    assert flagged([2.5, 0, -2.5, 0]) == []  # opposite sides do not count together
    assert flagged([0, 1.5, 1.2, 0.2, 1.1, 1.3, 0]) == [("WE3", 5, 1)]
    assert flagged([0.5] * 7) == []
    assert flagged([0.5] * 8) == [("WE4", 7, 0)]
    assert flagged([-0.5] * 9) == [("WE4", 7, 0), ("WE4", 8, 1)]
    assert flagged([0.5] * 4 + [0.0] + [0.5] * 4) == []  # a point on the centre breaks the run


def test_nelson_rules():
    assert flagged([0, 3.1], "nelson") == [("N1", 1, 1)]
    assert flagged([0.4] * 9, "nelson") == [("N2", 8, 0)]
    assert flagged([-0.5, -0.3, -0.1, 0.1, 0.3, 0.5], "nelson") == [("N3", 5, 0)]
    assert flagged([-0.5, -0.3, -0.1, 0.1, 0.1, 0.5], "nelson") == []  # a flat step breaks it
    assert flagged([0.5, -0.5] * 7, "nelson") == [("N4", 13, 0)]
    assert flagged([0.5, -0.5] * 6 + [0.5], "nelson") == []
    assert flagged([0, 2.5, -1, 2.1], "nelson") == [("N5", 3, 1)]
    assert flagged([1.5, 1.2, 0.2, 1.1, 1.3], "nelson") == [("N6", 4, 0)]
    assert flagged([0.2, 0.3, -0.2, -0.1, 0.1] * 3, "nelson") == [("N7", 14, 0)]
    assert flagged([0.2, 0.3, -0.2, -0.1, 0.1] * 3 + [1.5], "nelson") == [("N7", 14, 0)]
    assert flagged([1.5, -1.5, 1.2, -1.2, 1.7, -1.1, 1.3, -1.9], "nelson") == [("N8", 7, 0)]


def test_run_rules_output_frame_labels_missing_and_degenerate():
    idx = pd.date_range("2025-01-01", periods=10)
    x = pd.Series([0.5, 0.5, np.nan, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 4.0], index=idx)
    out = run_rules(x, 0.0, 1.0)
    assert list(out.columns) == ["position", "label", "value", "z", "rule", "start", "description"]
    # NaN skipped: the 8-run completes at position 8 (9th row) and continues to the 3-sigma point
    assert out[["position", "rule"]].values.tolist() == [[8, "WE4"], [9, "WE1"], [9, "WE4"]]
    assert out["label"].iloc[0] == idx[8] and out["start"].iloc[0] == 0
    # center/sigma from an XmR chart (usual use)
    c = xmr_chart(NIST_XMR)
    assert run_rules(NIST_XMR, c.center, c.sigma, rules="nelson").empty
    bad = run_rules([1.0, 2.0], 1.0, 0.0)
    assert bad.empty and "sigma" in bad.attrs["note"]
    with pytest.raises(ValueError):
        run_rules([1.0], 0.0, 1.0, rules="shewhart")


# --------------------------------------------------------------------------------------------
# change points
# --------------------------------------------------------------------------------------------

# fixed "noise" so the tests do not depend on a random generator
NOISE = np.array([0.3, -1.1, 0.8, 0.1, -0.6, 1.4, -0.2, 0.5, -1.3, 0.9, -0.4, 0.2, 1.0, -0.8,
                  0.6, -0.1, -1.5, 0.7, 0.0, -0.7, 1.2, -0.9, 0.4, -0.3, 1.1, -1.2, 0.3, 0.6,
                  -0.5, 0.05])  # fmt: skip


def test_change_points_finds_a_level_shift_with_dates():
    y = np.concatenate([100 + 4 * NOISE, 110 + 4 * NOISE[::-1]])
    days = pd.date_range("2025-05-01", periods=60)
    r = change_points(pd.Series(y, index=days))
    assert r.changed and r.breakpoints == (30,) and r.breakpoint_x == (days[30],)
    assert r.segments["n"].tolist() == [30, 30]
    assert r.segments["mean"].tolist() == pytest.approx([y[:30].mean(), y[30:].mean()])
    assert r.segments["x_start"].tolist() == [days[0], days[30]]
    assert r.penalty == pytest.approx(default_penalty(60, noise_sigma(y)))
    assert r.penalty == pytest.approx(3 * r.sigma**2 * math.log(60))


def test_change_points_same_as_ruptures_pelt_l2():
    import ruptures

    y = np.concatenate([5 + NOISE, 8 + NOISE, 6 + NOISE[::-1]])
    r = change_points(y)
    pelt = ruptures.Pelt(model="l2", min_size=5, jump=1).fit(y).predict(pen=r.penalty)
    assert list(r.breakpoints) == pelt[:-1] == [30, 60]


def test_change_points_no_change_results():
    r = change_points(np.random.default_rng(2024).normal(50, 3, size=120))
    assert not r.changed and r.breakpoints == () and len(r.segments) == 1 and r.note == ""
    assert not change_points(10 + NOISE).changed
    flat = change_points([7.0] * 20)
    assert not flat.changed and "constant" in flat.note
    short = change_points([1.0, 5.0, 1.0, 5.0])
    assert not short.changed and "too short" in short.note and short.segments["n"].tolist() == [4]
    assert change_points([]).segments.empty
    big = change_points(np.concatenate([100 + 4 * NOISE, 110 + 4 * NOISE]), penalty=1e9)
    assert not big.changed


def test_change_points_missing_values_and_min_size():
    y = np.concatenate([100 + 4 * NOISE, 110 + 4 * NOISE[::-1]])
    y[[3, 40]] = np.nan
    r = change_points(y, x=pd.date_range("2025-01-01", periods=60))
    assert r.n == 58 and r.breakpoints == (30,) and r.segments["end"].tolist() == [30, 60]
    assert np.isnan(y[3])  # input untouched
    spike = np.concatenate([10 + 0.1 * NOISE, [20.0, 20.0], 10 + 0.1 * NOISE])
    assert change_points(spike, min_size=5).segments["n"].min() >= 5
    with pytest.raises(ValueError):
        change_points(y, min_size=0)
    with pytest.raises(ValueError):
        change_points(y, penalty=-1)


def test_xmr_limits_stay_within_the_scale():
    # a mean CSAT on a 1-5 scale near its ceiling: x-bar + 3 sigma would pass 5
    values = [4.9, 4.6, 4.95, 4.5, 4.9, 4.7, 4.95, 4.55]
    open_chart = xmr_chart(values)
    bounded = xmr_chart(values, bounds=(1.0, 5.0))
    assert open_chart.ucl > 5.0 and bounded.ucl == 5.0
    assert bounded.lcl == open_chart.lcl and bounded.center == open_chart.center and bounded.sigma == open_chart.sigma
    assert xmr_chart([0.02, 0.2, 0.01, 0.15], bounds=(0.0, 1.0)).lcl == 0.0  # a proportion never below 0
