"""The one segment-against-the-rest comparison (csperf_lib.methods.compare), checked against
published values."""

import math

import numpy as np
import pandas as pd
import pytest

from csperf_lib.methods.compare import benjamini_hochberg, compare_means, compare_proportions


def test_fisher_exact_for_small_counts_lady_tasting_tea():
    # Fisher (1935), The Design of Experiments, ch. 2: 3 of 4 right against 1 of 4, two-sided p = 34/70
    result = compare_proportions(3, 4, 1, 4)
    assert result.test == "Fisher's exact test"
    assert result.p == pytest.approx(34 / 70, abs=1e-12)
    # Cohen's h of 0.75 against 0.25 (Cohen 1988, ch. 6): 2 asin sqrt(.75) - 2 asin sqrt(.25) = pi/3
    assert result.effect_name == "cohens_h" and result.effect == pytest.approx(math.pi / 3)


def test_pooled_z_test_for_large_counts():
    # 45/100 against 55/100: pooled p 0.5, se sqrt(0.25 * 0.02) = 0.070711, z = -1.414214,
    # two-sided p = 0.157299 (Agresti, Categorical Data Analysis, 3.1; normal table)
    result = compare_proportions(45, 100, 55, 100)
    assert result.test == "two-proportion z-test"
    assert result.statistic == pytest.approx(-math.sqrt(2), rel=1e-9)
    assert result.p == pytest.approx(0.157299, abs=1e-6)
    # exact_below=inf always takes the exact test, 0 never
    assert compare_proportions(45, 100, 55, 100, exact_below=math.inf).test == "Fisher's exact test"
    assert compare_proportions(3, 4, 1, 4, exact_below=0).test == "two-proportion z-test"
    assert compare_proportions(3, 0, 1, 4).test == "" and math.isnan(compare_proportions(3, 0, 1, 4).p)


def test_welch_t_and_hedges_g():
    # Welch (1947): t = (20 - 22) / sqrt(4/10 + 16/10) = -sqrt(2);
    # df = (0.4 + 1.6)^2 / (0.4^2/9 + 1.6^2/9) = 13.2353; p = 2 t.sf(sqrt(2), df)
    from scipy import stats

    result = compare_means(20.0, 2.0, 10, 22.0, 4.0, 10)
    df = 4.0 / (0.16 / 9 + 2.56 / 9)
    assert result.test == "Welch's t-test"
    assert result.statistic == pytest.approx(-math.sqrt(2))
    assert result.p == pytest.approx(2 * stats.t.sf(math.sqrt(2), df))
    # Hedges' g: sp = sqrt((9*4 + 9*16)/18) = sqrt(10); J = 1 - 3/(4*20 - 9) = 68/71
    assert result.effect == pytest.approx(68 / 71 * -2 / math.sqrt(10))
    assert compare_means(20.0, 0.0, 10, 22.0, 4.0, 10).test == ""


def test_benjamini_hochberg_decision():
    # step-up over m = 4 (Benjamini & Hochberg 1995): sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.02, 0.04, 0.04
    adjusted, significant = benjamini_hochberg(pd.Series([0.01, 0.04, 0.03, 0.005, np.nan]), alpha=0.05)
    np.testing.assert_allclose(adjusted[:4], [0.02, 0.04, 0.04, 0.02])
    assert significant.tolist() == [True, True, True, True, False]
