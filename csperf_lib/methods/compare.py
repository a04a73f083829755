"""A segment against the rest: the one home of the two-sample tests, effect sizes and multiplicity
control that patterns (stage 03), complaints and escalations (stage 04) and data sources (stage 01)
use, so a "significant difference" means the same test, the same effect size and the same
false-discovery control on every page.

The tests themselves are scipy's and statsmodels'; what is written here is only the choice between
them (Fisher's exact test when an expected count is below 5, the textbook rule for a 2x2 table;
Cochran 1954) and the shape of the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from csperf_lib.methods.stats import cohens_h, fdr_bh, hedges_g

__all__ = ["Comparison", "benjamini_hochberg", "compare_means", "compare_proportions"]


@dataclass(frozen=True)
class Comparison:
    """One two-sample comparison.

    Attributes
    ----------
    test : str
        The test used, in words ("two-proportion z-test", "Fisher's exact test", "Welch's t-test"),
        or "" when nothing could be tested.
    statistic : float
        z or t (NaN for Fisher's exact test or when untested).
    p : float
        Two-sided p-value (NaN when untested).
    effect_name : str
        ``cohens_h`` (proportions) or ``hedges_g`` (means).
    effect : float
        Group 1 minus group 2 on that scale (NaN when undefined).
    """

    test: str
    statistic: float
    p: float
    effect_name: str
    effect: float


def compare_proportions(x1: float, n1: float, x2: float, n2: float, *, exact_below: float = 5) -> Comparison:
    r"""Two-sided test of :math:`p_1 = p_2` for ``x1`` of ``n1`` against ``x2`` of ``n2``.

    Pooled two-proportion z-test, :math:`z = (\hat p_1-\hat p_2)/\sqrt{\bar p(1-\bar p)(1/n_1+1/n_2)}`
    (Agresti, *Categorical Data Analysis*, 3rd ed., 3.1), or Fisher's exact test
    (``scipy.stats.fisher_exact``) when an expected cell count is below ``exact_below`` (0: never).
    Effect: Cohen's h (Cohen 1988, ch. 6).
    """
    if not (n1 > 0 and n2 > 0):
        return Comparison("", math.nan, math.nan, "cohens_h", math.nan)
    effect = cohens_h(x1 / n1, x2 / n2)
    total, hits = n1 + n2, x1 + x2
    expected = np.array([n1 * hits, n1 * (total - hits), n2 * hits, n2 * (total - hits)]) / total
    if expected.min() < exact_below:
        table = [[int(round(x1)), int(round(n1 - x1))], [int(round(x2)), int(round(n2 - x2))]]
        return Comparison("Fisher's exact test", math.nan, float(sps.fisher_exact(table)[1]), "cohens_h", effect)
    pooled = hits / total
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if not se > 0:
        return Comparison("", math.nan, math.nan, "cohens_h", effect)
    z = (x1 / n1 - x2 / n2) / se
    return Comparison("two-proportion z-test", float(z), float(2 * sps.norm.sf(abs(z))), "cohens_h", effect)


def compare_means(m1: float, s1: float, n1: float, m2: float, s2: float, n2: float) -> Comparison:
    """Welch's t-test from summary statistics (``scipy.stats.ttest_ind_from_stats``, unequal
    variances; Welch 1947) and Hedges' g (:func:`csperf_lib.methods.stats.hedges_g`)."""
    if not (n1 >= 2 and n2 >= 2 and s1 > 0 and s2 > 0):
        return Comparison("", math.nan, math.nan, "hedges_g", math.nan)
    result = sps.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
    return Comparison("Welch's t-test", float(result.statistic), float(result.pvalue), "hedges_g",
                      hedges_g(m1, s1, n1, m2, s2, n2))


def benjamini_hochberg(p: pd.Series, *, alpha: float = 0.05) -> tuple[pd.Series, pd.Series]:
    """Benjamini-Hochberg adjusted p-values over the tested comparisons, and which are significant
    (adjusted p <= ``alpha``, the step-up rule's decision; Benjamini & Hochberg 1995). A missing p
    is not a test: it stays NaN and not significant."""
    p = pd.Series(p, dtype=float)
    adjusted = pd.Series(fdr_bh(p.to_numpy()), index=p.index)
    return adjusted, (adjusted <= alpha).fillna(False).astype(bool)
