"""Reviewer calibration: how consistently QA evaluators score the same contacts.

In a calibration session several evaluators score the same contact; the canonical
``qa_evaluations`` table then holds several ``evaluation_id`` by different ``evaluator_id`` for one
``contact_id``. This module measures their agreement and each evaluator's severity.

Public API
----------
- :class:`Agreement` — one agreement statistic with its standard error and interval.
- :func:`cohen_kappa` — Cohen's kappa for two raters, unweighted or with linear / quadratic weights.
- :func:`fleiss_kappa` — Fleiss' kappa for many raters (subjects × raters).
- :func:`krippendorff_alpha` — Krippendorff's alpha (raters × units, missing values allowed).
- :func:`evaluator_bias` — each evaluator's mean difference from colleagues on the same contacts.
- :func:`item_agreement` — Krippendorff's alpha and exact agreement per scorecard item.
- :func:`calibration_review` → :class:`CalibrationReview` — everything above for a QA table, with
  plain-English findings; :func:`summary_entries` — its ``calibration`` entry of summary.json.

What is delegated and what is hand-written
-----------------------------------------
* Cohen's kappa and its asymptotic variances (Fleiss, Cohen & Everitt 1969, the formulas of the SAS
  PROC FREQ manual) come from :func:`statsmodels.stats.inter_rater.cohens_kappa`; this module only
  builds the contingency table (pairs with a missing rating dropped) and the Wald interval.
* Fleiss' kappa comes from :func:`statsmodels.stats.inter_rater.fleiss_kappa` when every subject has
  the same number of ratings. statsmodels has neither its standard error nor a version for a
  varying number of ratings per subject (calibration contacts are scored by two *or* three
  evaluators), so the Fleiss, Nee & Landis (1979) null variance, the varying-m generalisation
  (Gwet 2014) and the subject bootstrap are written here.
* Krippendorff's alpha comes from the ``krippendorff`` package. Its coincidence computation holds a
  units × values × values array, so for interval data with many distinct values (total
  percentages) and for every bootstrap replicate the algebraically identical closed form for the
  squared-difference metric is used instead (written here; tested equal to the package).
* Evaluator severity (leave-one-out difference, t interval, Holm correction via
  :func:`statsmodels.stats.multitest.multipletests`), per-item agreement, the pooled kappa across
  items (De Vries et al. 2008) and the findings are written here: no library does them.

Conventions: data first, options keyword-only; inputs are never mutated; randomness only through
``random_state``; a statistic that cannot be estimated (no pairs, no variation) is NaN with a
``note``, never an exception; malformed input raises :class:`csperf_lib.core.errors.CsperfError`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import krippendorff as _krippendorff
import numpy as np
import pandas as pd
from scipy import stats as _st
from statsmodels.stats.inter_rater import cohens_kappa as _sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as _sm_fleiss_kappa
from statsmodels.stats.multitest import multipletests

from csperf_lib.core.errors import CsperfError
from csperf_lib.core.formatting import format_p

__all__ = [
    "ALPHA_FIRM",
    "ALPHA_TENTATIVE",
    "Agreement",
    "CalibrationReview",
    "MIN_ITEM_SUBJECTS",
    "calibration_review",
    "cohen_kappa",
    "evaluator_bias",
    "fleiss_kappa",
    "item_agreement",
    "krippendorff_alpha",
    "summary_entries",
]

#: Krippendorff (2004, *Content Analysis*, 2nd ed., p. 241; restated in Krippendorff 2011 and
#: Hayes & Krippendorff 2007): rely on variables with alpha >= .800; consider those between .667 and
#: .800 only for drawing tentative conclusions; below .667, do not rely on the data.
ALPHA_TENTATIVE = 0.667
ALPHA_FIRM = 0.800
#: Fewest calibration contacts for an item's alpha to be reported.
MIN_ITEM_SUBJECTS = 5
#: Bootstrap resamples used by default.
N_BOOT = 2000
#: Above this many cells (units × values²) the package's interval alpha is replaced by the closed form.
_MAX_COINCIDENCE_CELLS = 20_000_000

_LEVELS = ("nominal", "ordinal", "interval", "ratio")
_WEIGHTS = (None, "linear", "quadratic")
NO_CALIBRATION_NOTE = (
    "No contact was scored by more than one evaluator, so scoring consistency cannot be measured; "
    "run calibration sessions."
)


@dataclass(frozen=True)
class Agreement:
    """One agreement statistic with its uncertainty.

    Attributes
    ----------
    statistic : str
        What was computed, e.g. ``"Cohen's kappa (quadratic weights)"``.
    value : float
        The estimate; NaN when it cannot be computed (see ``note``).
    se : float
        Standard error of the estimate (asymptotic or bootstrap, see ``method``); NaN when unknown.
    ci_low, ci_high : float
        Two-sided ``confidence`` interval (95 % by default); NaN when unknown.
    n_subjects : int
        Subjects (contacts, units) that entered the estimate, after dropping missing ratings.
    n_raters : int
        Distinct raters that entered the estimate.
    method : str
        How the estimate, the standard error and the interval were obtained, with sources.
    confidence : float
        Level of the interval (``1 - alpha``).
    se_null : float
        Standard error under H0 "no agreement beyond chance" (kappa = 0), used for ``p_value``;
        NaN where no such formula is used.
    p_value : float
        Two-sided p-value of the test of kappa = 0; NaN where not computed.
    note : str
        Ratings dropped, or why the statistic is undefined; empty when nothing to say.
    """

    statistic: str
    value: float
    se: float
    ci_low: float
    ci_high: float
    n_subjects: int
    n_raters: int
    method: str
    confidence: float = 0.95
    se_null: float = math.nan
    p_value: float = math.nan
    note: str = ""


@dataclass(frozen=True)
class CalibrationReview:
    """Scoring consistency of QA evaluators on calibration contacts (see :func:`calibration_review`).

    Attributes
    ----------
    n_subjects : int
        Calibration contacts: contacts scored by at least ``min_raters`` distinct evaluators.
    n_evaluators : int
        Distinct evaluators who scored a calibration contact.
    overall : Agreement or None
        Krippendorff's alpha (interval) of the total percentage score per contact, with a
        bootstrap interval over contacts; None without calibration contacts.
    fleiss : Agreement or None
        Pooled Fleiss' kappa of the item scores across scorecard items (De Vries et al. 2008),
        bootstrap interval over contacts; None without calibration contacts.
    evaluators : DataFrame
        :func:`evaluator_bias` of the calibration contacts (one row per evaluator).
    items : DataFrame
        :func:`item_agreement` of the calibration contacts (one row per item).
    flagged_items : list of str
        Items whose alpha is below the threshold (0.667).
    findings : list of str
        Plain-English sentences for a quality manager, each with its number and n.
    note : str
        Why nothing could be measured (no calibration contacts), or empty.
    """

    n_subjects: int
    n_evaluators: int
    overall: Agreement | None
    fleiss: Agreement | None
    evaluators: pd.DataFrame
    items: pd.DataFrame
    flagged_items: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    note: str = ""


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise CsperfError(f"alpha (the significance level) must be between 0 and 1, got {alpha!r}")
    return alpha


def _z(alpha: float) -> float:
    return float(_st.norm.ppf(1.0 - alpha / 2.0))


def _rng(random_state) -> np.random.Generator:
    return np.random.default_rng(random_state)


def _conf_label(confidence: float) -> str:
    return f"{100 * confidence:g} %"


def _vector(values, name: str) -> np.ndarray:
    """A 1-D object array of ``values`` (positions, never index labels, pair the ratings)."""
    if isinstance(values, pd.Series | pd.Index):
        arr = values.to_numpy(dtype=object)
    else:
        arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        raise CsperfError(
            f"{name} must be a one-dimensional sequence of ratings, got shape {arr.shape}"
        )
    return arr


def _matrix(values, name: str) -> np.ndarray:
    """A 2-D object array (copy) of a DataFrame or array-like."""
    if isinstance(values, pd.DataFrame):
        arr = values.to_numpy(dtype=object)
    else:
        arr = np.asarray(values, dtype=object)
    if arr.ndim != 2:
        raise CsperfError(f"{name} must be two-dimensional, got shape {arr.shape}")
    return arr


def _missing(arr: np.ndarray) -> np.ndarray:
    return np.asarray(pd.isna(arr), dtype=bool)


def _sorted_categories(values: np.ndarray) -> list:
    """Distinct values in a stable order: sorted when comparable, else order of appearance."""
    distinct = list(dict.fromkeys(values.tolist()))
    try:
        return sorted(distinct)
    except TypeError:
        return distinct


def _is_numeric(values: np.ndarray) -> bool:
    return all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values.tolist())


def _nan_agreement(
    statistic: str, method: str, *, n_subjects: int, n_raters: int, confidence: float, note: str
) -> Agreement:
    return Agreement(
        statistic=statistic,
        value=math.nan,
        se=math.nan,
        ci_low=math.nan,
        ci_high=math.nan,
        n_subjects=int(n_subjects),
        n_raters=int(n_raters),
        method=method,
        confidence=confidence,
        note=note,
    )


def _percentile_ci(replicates: np.ndarray, alpha: float) -> tuple[float, float, float]:
    """Bootstrap SE and percentile interval from replicates (NaN replicates ignored)."""
    rep = replicates[np.isfinite(replicates)]
    if rep.size < 2:
        return math.nan, math.nan, math.nan
    lo, hi = np.percentile(rep, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(np.std(rep, ddof=1)), float(lo), float(hi)


def _bootstrap_weights(
    rng: np.random.Generator, n: int, n_boot: int, *, max_cells: int = 4_000_000
):
    """Yield blocks of multinomial resampling counts (replicates × n), each row summing to n."""
    block = max(1, min(n_boot, max_cells // max(n, 1)))
    done = 0
    p = np.full(n, 1.0 / n)
    while done < n_boot:
        size = min(block, n_boot - done)
        yield rng.multinomial(n, p, size=size).astype(float)
        done += size


def _require_columns(qa: pd.DataFrame, columns: Sequence[str]) -> None:
    if not isinstance(qa, pd.DataFrame):
        raise CsperfError(f"expected a DataFrame of QA evaluations, got {type(qa).__name__}")
    missing = [c for c in columns if c not in qa.columns]
    if missing:
        raise CsperfError(f"the QA table lacks column(s) {', '.join(missing)}")


# --------------------------------------------------------------------------------------------
# Cohen's kappa
# --------------------------------------------------------------------------------------------


def cohen_kappa(
    rater_a: Sequence[Any],
    rater_b: Sequence[Any],
    *,
    weights: str | None = None,
    categories: Sequence[Any] | None = None,
    alpha: float = 0.05,
) -> Agreement:
    r"""Cohen's kappa for two raters, unweighted or weighted, with its asymptotic interval.

    .. math::

        \kappa_w = \frac{p_{o(w)} - p_{e(w)}}{1 - p_{e(w)}}, \quad
        p_{o(w)} = \sum_{ij} w_{ij} p_{ij}, \quad p_{e(w)} = \sum_{ij} w_{ij} p_{i\cdot} p_{\cdot j}

    with agreement weights :math:`w_{ij} = 1` on the diagonal and 0 elsewhere (Cohen 1960),
    :math:`w_{ij} = 1 - |i-j|/(k-1)` ("linear", Cicchetti & Allison 1971) or
    :math:`w_{ij} = 1 - (i-j)^2/(k-1)^2` ("quadratic", Fleiss & Cohen 1973), :math:`i, j` being
    the positions of the categories in their order (Cohen 1968). The standard error ``se`` is the
    large-sample one of Fleiss, Cohen & Everitt (1969); the interval is
    :math:`\hat\kappa \pm z_{1-\alpha/2}\,\mathrm{se}` clipped to [-1, 1]; ``p_value`` tests
    :math:`\kappa = 0` with the variance under that hypothesis (``se_null``). Kappa and both
    variances are :func:`statsmodels.stats.inter_rater.cohens_kappa` (which follows the SAS PROC
    FREQ formulas).

    Parameters
    ----------
    rater_a, rater_b : sequence
        Ratings of the same subjects by the two raters, paired by position (index labels are
        ignored). A pair with a missing value (None/NaN) is dropped: ``n_subjects`` counts complete
        pairs only and ``note`` says how many were dropped.
    weights : {None, "linear", "quadratic"}, keyword-only
        None for Cohen's unweighted kappa.
    categories : sequence, optional, keyword-only
        All possible categories in their order (e.g. ``range(6)`` for a 0–5 item). Weighted kappa
        depends on it: by default only the categories observed (sorted) are used, as in R's
        ``irr::kappa2``, so an unobserved middle category closes the gap. A rating outside
        ``categories`` raises :class:`CsperfError`.
    alpha : float, keyword-only
        1 - confidence of the interval (0.05 → 95 %).

    Returns
    -------
    Agreement
        NaN value (with ``note``) when there is no complete pair or only one category is used
        (chance agreement is then 1 and kappa is 0/0).
    """
    alpha = _check_alpha(alpha)
    if weights not in _WEIGHTS:
        raise CsperfError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    a = _vector(rater_a, "rater_a")
    b = _vector(rater_b, "rater_b")
    if a.size != b.size:
        raise CsperfError(
            f"rater_a and rater_b must rate the same subjects: {a.size} vs {b.size} ratings"
        )
    statistic = "Cohen's kappa" + (f" ({weights} weights)" if weights else "")
    method = (
        "kappa and asymptotic SE (Fleiss, Cohen & Everitt 1969) from statsmodels cohens_kappa; "
        "Wald interval; p-value from the SE under kappa = 0"
    )
    confidence = 1.0 - alpha
    complete = ~(_missing(a) | _missing(b))
    dropped = int(complete.size - complete.sum())
    notes = [f"{dropped} pair(s) with a missing rating dropped"] if dropped else []
    a, b = a[complete], b[complete]
    n = int(a.size)
    if categories is None:
        cats = _sorted_categories(np.concatenate([a, b]))
    else:
        cats = list(categories)
        if len(set(cats)) != len(cats):
            raise CsperfError("categories must not repeat a value")
    index = {c: i for i, c in enumerate(cats)}
    unknown = sorted({repr(v) for v in np.concatenate([a, b]).tolist() if v not in index})
    if unknown:
        raise CsperfError(f"rating(s) {', '.join(unknown[:5])} are not among the categories given")
    if n == 0:
        notes.append("no subject was rated by both raters")
        return _nan_agreement(
            statistic,
            method,
            n_subjects=0,
            n_raters=2,
            confidence=confidence,
            note="; ".join(notes),
        )
    k = len(cats)
    table = np.zeros((k, k))
    np.add.at(table, ([index[v] for v in a.tolist()], [index[v] for v in b.tolist()]), 1.0)
    p_row, p_col = table.sum(1) / n, table.sum(0) / n
    if k < 2 or math.isclose(float(p_row @ p_col), 1.0):
        notes.append(
            "both raters used a single category throughout, so chance agreement is 100 % and kappa is undefined"
        )
        return _nan_agreement(
            statistic,
            method,
            n_subjects=n,
            n_raters=2,
            confidence=confidence,
            note="; ".join(notes),
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        res = _sm_cohens_kappa(table, wt=weights) if weights else _sm_cohens_kappa(table)
    kappa = float(res.kappa)
    se = math.sqrt(max(float(res.var_kappa), 0.0))
    se0 = math.sqrt(max(float(res.var_kappa0), 0.0))
    z = _z(alpha)
    p_value = float(2 * _st.norm.sf(abs(kappa) / se0)) if se0 > 0 else math.nan
    return Agreement(
        statistic=statistic,
        value=kappa,
        se=se,
        ci_low=max(-1.0, kappa - z * se),
        ci_high=min(1.0, kappa + z * se),
        n_subjects=n,
        n_raters=2,
        method=method,
        confidence=confidence,
        se_null=se0,
        p_value=p_value,
        note="; ".join(notes),
    )


# --------------------------------------------------------------------------------------------
# Fleiss' kappa
# --------------------------------------------------------------------------------------------


def _category_counts(arr: np.ndarray, cats: list) -> np.ndarray:
    """Subjects × categories counts of the non-missing ratings of a subjects × raters array."""
    index = {c: i for i, c in enumerate(cats)}
    counts = np.zeros((arr.shape[0], len(cats)))
    rows, cols = np.nonzero(~_missing(arr))
    np.add.at(counts, (rows, [index[v] for v in arr[rows, cols].tolist()]), 1.0)
    return counts


def _fleiss_parts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-subject agreement a_i = Σ_k c_ik(c_ik-1) / (r_i(r_i-1)) and shares q_ik = c_ik / r_i."""
    r = counts.sum(1)
    a = (counts * (counts - 1)).sum(1) / (r * (r - 1))
    return a, counts / r[:, None]


def _kappa_from_parts(p_o, p_e):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isclose(p_e, 1.0), np.nan, (p_o - p_e) / (1.0 - p_e))


def fleiss_kappa(
    ratings,
    *,
    alpha: float = 0.05,
    n_boot: int = N_BOOT,
    random_state: int | np.random.Generator | None = 0,
) -> Agreement:
    r"""Fleiss' kappa for several raters per subject, with a bootstrap interval over subjects.

    .. math::

        \kappa = \frac{\bar P - \bar P_e}{1 - \bar P_e}, \quad
        \bar P = \frac1N \sum_i \frac{\sum_k n_{ik}(n_{ik}-1)}{m_i(m_i-1)}, \quad
        \bar P_e = \sum_k \pi_k^2, \quad \pi_k = \frac1N \sum_i \frac{n_{ik}}{m_i}

    where :math:`n_{ik}` raters put subject *i* in category *k* and :math:`m_i` rated it
    (Fleiss 1971; the raters of one subject need not be those of another). With the same
    :math:`m` for every subject this is Fleiss' kappa exactly and is computed by
    :func:`statsmodels.stats.inter_rater.fleiss_kappa`; with a varying :math:`m_i` it is the
    generalisation of Gwet (2014, *Handbook of Inter-Rater Reliability*, 4th ed.), written here.

    Uncertainty: ``se``, ``ci_low``, ``ci_high`` come from a percentile bootstrap over subjects
    (``n_boot`` resamples; the null SE below is not a standard error of kappa when kappa ≠ 0).
    With constant :math:`m`, ``se_null`` is the large-sample standard error under kappa = 0 of
    Fleiss, Nee & Landis (1979),

    .. math::

        \mathrm{se}_0 = \frac{\sqrt{2}}{\sum_k p_k q_k \sqrt{N m (m-1)}}
        \sqrt{\Big(\sum_k p_k q_k\Big)^2 - \sum_k p_k q_k (q_k - p_k)}, \quad q_k = 1 - p_k,

    and ``p_value`` the two-sided test of kappa = 0 (as R's ``irr::kappam.fleiss``).

    Parameters
    ----------
    ratings : DataFrame or 2-D array_like
        Subjects in rows, raters in columns, category labels as values. Missing ratings
        (None/NaN) are allowed: they are skipped, and a subject with fewer than two ratings is
        dropped (counted in ``note``).
    alpha : float, keyword-only
        1 - confidence of the interval.
    n_boot : int, keyword-only
        Bootstrap resamples (0 for no interval).
    random_state : int, Generator or None, keyword-only
        Seed of the bootstrap (default 0: the same interval every run).

    Returns
    -------
    Agreement
        NaN value (with ``note``) when no subject has two ratings or a single category is used.
    """
    alpha = _check_alpha(alpha)
    arr = _matrix(ratings, "ratings")
    confidence = 1.0 - alpha
    statistic = "Fleiss' kappa"
    have = (~_missing(arr)).sum(1)
    keep = have >= 2
    notes = []
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} subject(s) with fewer than two ratings dropped")
    arr = arr[keep]
    n = int(arr.shape[0])
    n_raters = int((~_missing(arr)).any(axis=0).sum()) if n else 0
    values = arr[~_missing(arr)]
    cats = _sorted_categories(values)
    m = have[keep]
    constant = n > 0 and bool((m == m[0]).all())
    boot = f"percentile bootstrap over subjects ({n_boot} resamples, random_state={random_state!r})"
    if constant:
        method = (
            "kappa from statsmodels fleiss_kappa (Fleiss 1971); se and interval: "
            + boot
            + "; se_null and p-value: Fleiss, Nee & Landis (1979)"
        )
    else:
        method = (
            "kappa generalised to a varying number of ratings per subject (Gwet 2014); "
            "se and interval: " + boot + "; no null-SE test (it assumes equal ratings per subject)"
        )
    if n == 0:
        notes.append("no subject has two ratings")
        return _nan_agreement(
            statistic,
            method,
            n_subjects=0,
            n_raters=n_raters,
            confidence=confidence,
            note="; ".join(notes),
        )
    counts = _category_counts(arr, cats)
    a, q = _fleiss_parts(counts)
    pi = q.mean(0)
    p_e = float((pi**2).sum())
    if len(cats) < 2 or math.isclose(p_e, 1.0):
        notes.append(
            "every rating is the same category, so chance agreement is 100 % and kappa is undefined"
        )
        return _nan_agreement(
            statistic,
            method,
            n_subjects=n,
            n_raters=n_raters,
            confidence=confidence,
            note="; ".join(notes),
        )
    se0 = p_value = math.nan
    if constant:
        kappa = float(_sm_fleiss_kappa(counts))
        mm = float(m[0])
        pq = pi * (1.0 - pi)
        s = float(pq.sum())
        var0 = 2.0 / (n * mm * (mm - 1.0)) * (s**2 - float((pq * ((1.0 - pi) - pi)).sum())) / s**2
        se0 = math.sqrt(max(var0, 0.0))
        p_value = float(2 * _st.norm.sf(abs(kappa) / se0)) if se0 > 0 else math.nan
    else:
        kappa = float(_kappa_from_parts(float(a.mean()), p_e))
    se = lo = hi = math.nan
    if n_boot > 0 and n >= 2:
        reps = []
        for w in _bootstrap_weights(_rng(random_state), n, int(n_boot)):
            p_o_b = w @ a / n
            p_e_b = ((w @ q / n) ** 2).sum(1)
            reps.append(_kappa_from_parts(p_o_b, p_e_b))
        se, lo, hi = _percentile_ci(np.concatenate(reps), alpha)
    return Agreement(
        statistic=statistic,
        value=kappa,
        se=se,
        ci_low=lo,
        ci_high=hi,
        n_subjects=n,
        n_raters=n_raters,
        method=method,
        confidence=confidence,
        se_null=se0,
        p_value=p_value,
        note="; ".join(notes),
    )


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha
# --------------------------------------------------------------------------------------------


def _interval_alpha_parts(
    units: list[np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per pairable unit: m_u, Σx, Σx², and m_u SS_u / (m_u - 1)."""
    m = np.array([u.size for u in units], dtype=float)
    s1 = np.array([u.sum() for u in units], dtype=float)
    s2 = np.array([(u**2).sum() for u in units], dtype=float)
    ss = s2 - s1**2 / m
    return m, s1, s2, m * ss / (m - 1.0)


def _interval_alpha_weighted(w: np.ndarray, m, s1, s2, within) -> np.ndarray:
    r"""Interval alpha of units repeated ``w`` times (rows of ``w`` are replicates).

    With squared differences, Krippendorff's :math:`D_o/D_e` reduces to
    :math:`\frac{n-1}{n}\,\sum_u \frac{m_u SS_u}{m_u-1} \big/ SS_{tot}`, where :math:`SS` are
    sums of squared deviations from the unit mean and from the mean of all pairable values.
    """
    n = w @ m
    ss_tot = w @ s2 - (w @ s1) ** 2 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 1.0 - (n - 1.0) / n * (w @ within) / ss_tot
    return np.where(ss_tot > 1e-12 * np.maximum(w @ s2, 1.0), value, np.nan)


def _pairable_units(data: np.ndarray) -> list[np.ndarray]:
    """Float values of each unit (column) with at least two ratings."""
    units = []
    for col in data.T:
        vals = col[~np.isnan(col)]
        if vals.size >= 2:
            units.append(vals)
    return units


def _reliability_codes(
    reliability_data, level: str, value_domain
) -> tuple[np.ndarray, list | None]:
    """Raters × units float array (NaN missing) and the value domain to pass to the package."""
    arr = _matrix(reliability_data, "reliability_data")
    miss = _missing(arr)
    present = arr[~miss]
    if value_domain is not None:
        domain = list(value_domain)
        index = {v: i for i, v in enumerate(domain)}
        bad = sorted({repr(v) for v in present.tolist() if v not in index})
        if bad:
            raise CsperfError(f"value(s) {', '.join(bad[:5])} are not in value_domain")
        if level in ("interval", "ratio"):
            if not _is_numeric(np.asarray(domain, dtype=object)):
                raise CsperfError(f"{level} alpha needs numeric values")
            out = np.full(arr.shape, np.nan)
            out[~miss] = present.astype(float)
            return out, [float(v) for v in domain]
        out = np.full(arr.shape, np.nan)
        out[~miss] = [index[v] for v in present.tolist()]
        return out, list(range(len(domain)))
    if _is_numeric(present):
        out = np.full(arr.shape, np.nan)
        out[~miss] = present.astype(float)
        return out, None
    if level != "nominal":
        raise CsperfError(f"{level} alpha of non-numeric labels needs an ordered value_domain")
    cats = _sorted_categories(present)
    index = {v: i for i, v in enumerate(cats)}
    out = np.full(arr.shape, np.nan)
    out[~miss] = [index[v] for v in present.tolist()]
    return out, None


def krippendorff_alpha(
    reliability_data, *, level: str = "nominal", value_domain: Sequence[Any] | None = None
) -> float:
    r"""Krippendorff's alpha for any number of raters, missing values allowed.

    .. math::

        \alpha = 1 - \frac{D_o}{D_e}
              = 1 - (n-1)\frac{\sum_c \sum_k o_{ck}\,\delta^2_{ck}}{\sum_c \sum_k n_c n_k\,\delta^2_{ck}}

    with :math:`o_{ck}` the coincidence matrix of pairable values (each unit's ordered value
    pairs weighted by :math:`1/(m_u-1)`), :math:`n_c` its margins, :math:`n` the number of
    pairable values and :math:`\delta^2` the metric of the level: nominal (0/1), ordinal (rank
    sums), interval :math:`(c-k)^2` or ratio :math:`((c-k)/(c+k))^2` (Krippendorff 2011,
    "Computing Krippendorff's Alpha-Reliability"). Computed by the ``krippendorff`` package; for
    interval data whose coincidence array would be very large the closed form
    :math:`1 - \frac{n-1}{n}\sum_u \frac{m_u SS_u}{m_u-1} / SS_{tot}` (same value) is used.

    Parameters
    ----------
    reliability_data : DataFrame or 2-D array_like
        Raters in rows, units (e.g. contacts) in columns (Krippendorff's layout; transpose a
        subjects × raters table). None/NaN marks a missing value; units with fewer than two values
        are not pairable and do not count.
    level : {"nominal", "ordinal", "interval", "ratio"}, keyword-only
        Level of measurement.
    value_domain : sequence, optional, keyword-only
        The possible values in their order; required for ordinal alpha of text labels.

    Returns
    -------
    float
        Alpha; NaN when no unit has two values or every pairable value is the same (then
        :math:`D_e = 0` and alpha is 0/0: agreement cannot be told from chance).
    """
    if level not in _LEVELS:
        raise CsperfError(f"level must be one of {', '.join(_LEVELS)}, got {level!r}")
    data, domain = _reliability_codes(reliability_data, level, value_domain)
    pairable = (~np.isnan(data)).sum(0) >= 2
    if not pairable.any():
        return math.nan
    data = data[:, pairable]
    distinct = np.unique(data[~np.isnan(data)])
    if distinct.size < 2:
        return math.nan
    n_values = len(domain) if domain is not None else distinct.size
    if level == "interval" and data.shape[1] * n_values**2 > _MAX_COINCIDENCE_CELLS:
        parts = _interval_alpha_parts(_pairable_units(data))
        return float(_interval_alpha_weighted(np.ones((1, len(parts[0]))), *parts)[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        value = _krippendorff.alpha(
            reliability_data=data, value_domain=domain, level_of_measurement=level
        )
    return float(value)


# --------------------------------------------------------------------------------------------
# calibration tables
# --------------------------------------------------------------------------------------------


def _calibration_rows(
    qa: pd.DataFrame, subject: str, rater: str, min_raters: int = 2
) -> pd.DataFrame:
    """Rows of subjects scored by at least ``min_raters`` distinct raters (never a view to mutate)."""
    raters = qa.groupby(subject, sort=False, dropna=True)[rater].nunique()
    keep = raters.index[raters >= min_raters]
    return qa.loc[qa[subject].isin(keep)]


def _percent_totals(
    qa: pd.DataFrame, subject: str, rater: str, score: str, max_score: str
) -> pd.DataFrame:
    """Total percentage per (subject, rater): 100 × Σ score / Σ max over the items scored."""
    df = qa[[subject, rater, score, max_score]].dropna()
    totals = (
        df.groupby([subject, rater], sort=True)
        .agg(s=(score, "sum"), m=(max_score, "sum"))
        .reset_index()
    )
    totals = totals.loc[totals["m"] > 0]
    return totals.assign(pct=100.0 * totals["s"] / totals["m"])[[subject, rater, "pct"]]


_BIAS_COLUMNS = [
    "evaluator",
    "n_subjects",
    "mean_percent",
    "consensus_percent",
    "mean_difference",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "verdict",
]


def evaluator_bias(
    qa: pd.DataFrame,
    *,
    subject: str = "contact_id",
    rater: str = "evaluator_id",
    item: str = "item",
    score: str = "score",
    max_score: str = "max_score",
    alpha: float = 0.05,
) -> pd.DataFrame:
    r"""How much more leniently or strictly each evaluator scores than colleagues on the same contacts.

    Only subjects scored by at least two distinct raters count. For each such subject *s* and
    rater *e*, :math:`x_{se} = 100\,\sum \text{score} / \sum \text{max\_score}` over the items *e*
    scored (several evaluations of *s* by *e* are pooled), and the difference from the
    *leave-one-out* consensus

    .. math::

        d_{se} = x_{se} - \frac{1}{k_s - 1}\sum_{e' \ne e} x_{se'}

    in percentage points (:math:`k_s` raters scored *s*). Leave-one-out, not the mean of all: the
    consensus must not contain the evaluator's own score, which would shrink every difference by
    :math:`(k_s-1)/k_s` and make an evaluator partly agree with themself. Per evaluator: the mean
    of :math:`d_{se}` over their subjects, its Student-t interval
    :math:`\bar d \pm t_{1-\alpha/2,\,n-1}\, s_d/\sqrt n` and the one-sample t-test of zero; the
    p-values are Holm-adjusted across evaluators (Holm 1979, family-wise error) and the verdict is
    "lenient" (:math:`\bar d > 0`) or "strict" (:math:`\bar d < 0`) only when the adjusted p is
    below ``alpha`` — then the unadjusted interval also excludes 0 — else "in line".

    Severity is relative to the colleagues on the same contacts, the only reference calibration
    data have: when one evaluator of a contact scores *d* points lower, each of its
    :math:`k_s - 1` colleagues appears :math:`d/(k_s-1)` points more lenient on that contact. With
    two or three evaluators per contact, an unbiased evaluator who mostly shares contacts with a
    strict one can therefore be called "lenient"; read the verdicts together.

    Parameters
    ----------
    qa : DataFrame
        QA evaluations in long format (one row per item). Not modified.
    subject, rater, item, score, max_score : str, keyword-only
        Column names (``item`` is only checked to exist: the total is over all items).
    alpha : float, keyword-only
        Significance level and 1 - confidence of the intervals.

    Returns
    -------
    DataFrame
        ``evaluator, n_subjects, mean_percent`` (their mean total %), ``consensus_percent`` (the
        colleagues' mean on the same subjects), ``mean_difference`` (percentage points, evaluator
        minus colleagues), ``ci_low, ci_high, p_value, p_adjusted, verdict``; strictest first.
        Empty (same columns) without calibration subjects. NaN interval and p with fewer than two
        subjects.
    """
    alpha = _check_alpha(alpha)
    _require_columns(qa, [subject, rater, item, score, max_score])
    calib = _calibration_rows(qa, subject, rater)
    totals = _percent_totals(calib, subject, rater, score, max_score)
    k = totals.groupby(subject)[rater].transform("size")
    totals = totals.loc[k >= 2]
    if totals.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=object if c in ("evaluator", "verdict") else float)
                for c in _BIAS_COLUMNS
            }
        )
    grp = totals.groupby(subject)["pct"]
    k = grp.transform("size").astype(float)
    consensus = (grp.transform("sum") - totals["pct"]) / (k - 1.0)
    frame = totals.assign(consensus=consensus, diff=totals["pct"] - consensus)
    rows = []
    for evaluator, g in frame.groupby(rater, sort=True):
        d = g["diff"].to_numpy(dtype=float)
        n = d.size
        mean = float(d.mean())
        lo = hi = p = math.nan
        if n >= 2:
            sd = float(d.std(ddof=1))
            se = sd / math.sqrt(n)
            t = float(_st.t.ppf(1 - alpha / 2, n - 1))
            lo, hi = mean - t * se, mean + t * se
            if se > 0:
                p = float(2 * _st.t.sf(abs(mean) / se, n - 1))
            else:
                p = 0.0 if mean != 0 else 1.0
        rows.append(
            {
                "evaluator": evaluator,
                "n_subjects": n,
                "mean_percent": float(g["pct"].mean()),
                "consensus_percent": float(g["consensus"].mean()),
                "mean_difference": mean,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": p,
            }
        )
    out = pd.DataFrame(rows)
    p = out["p_value"].to_numpy(dtype=float)
    adjusted = np.full(p.size, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        adjusted[ok] = multipletests(p[ok], method="holm")[1]
    out["p_adjusted"] = adjusted
    significant = np.isfinite(adjusted) & (adjusted < alpha)
    out["verdict"] = np.where(
        significant & (out["mean_difference"] > 0),
        "lenient",
        np.where(significant & (out["mean_difference"] < 0), "strict", "in line"),
    )
    out = out.sort_values(["mean_difference", "evaluator"], kind="stable").reset_index(drop=True)
    return out[_BIAS_COLUMNS]


_ITEM_COLUMNS = [
    "item",
    "level",
    "n_subjects",
    "n_raters",
    "krippendorff_alpha",
    "exact_agreement",
    "flag",
    "note",
]


def _one_rating_each(df: pd.DataFrame, subject: str, rater: str, item: str) -> pd.DataFrame:
    """One row per (subject, rater, item): the last one in input order when an evaluator scored twice."""
    return df.drop_duplicates([subject, rater, item], keep="last")


def item_agreement(
    qa: pd.DataFrame,
    *,
    subject: str = "contact_id",
    rater: str = "evaluator_id",
    item: str = "item",
    score: str = "score",
    max_score: str = "max_score",
    level: str | Mapping[str, str] | None = None,
    threshold: float = ALPHA_TENTATIVE,
    min_subjects: int = MIN_ITEM_SUBJECTS,
) -> pd.DataFrame:
    r"""Inter-evaluator agreement per scorecard item on calibration subjects.

    For each item, the raters × subjects table of its scores on subjects that at least two raters
    scored on that item gives Krippendorff's alpha (:func:`krippendorff_alpha`; Krippendorff
    2011) — ordinal for multi-point items, nominal for pass/fail items (``max_score`` 1), unless
    ``level`` says otherwise — and the exact agreement

    .. math::

        \frac{\sum_s \sum_v n_{sv}(n_{sv}-1)}{\sum_s m_s(m_s-1)}

    the share of pairs of raters of the same subject giving the same score (:math:`n_{sv}` raters
    gave subject *s* score *v*, :math:`m_s` rated it). An item is flagged when alpha is below
    ``threshold``: 0.667 is the lowest alpha Krippendorff (2004, *Content Analysis*, 2nd ed.,
    p. 241) accepts even for tentative conclusions; 0.800 is his level for firm ones. When an
    evaluator scored an item of a subject twice, the later row of ``qa`` counts.

    Parameters
    ----------
    qa : DataFrame
        QA evaluations in long format. Not modified.
    subject, rater, item, score, max_score : str, keyword-only
        Column names.
    level : str or mapping, optional, keyword-only
        Level of measurement for every item, or per item (missing items use the default rule).
    threshold : float, keyword-only
        Alpha below which an item is flagged.
    min_subjects : int, keyword-only
        Items with fewer calibration subjects get NaN alpha and a ``note`` (default 5).

    Returns
    -------
    DataFrame
        ``item, level, n_subjects, n_raters, krippendorff_alpha, exact_agreement, flag, note``,
        lowest alpha first (NaN last). ``flag`` is False where alpha is NaN.
    """
    _require_columns(qa, [subject, rater, item, score, max_score])
    if isinstance(level, str) and level not in _LEVELS:
        raise CsperfError(f"level must be one of {', '.join(_LEVELS)}, got {level!r}")
    df = qa[[subject, rater, item, score, max_score]].dropna(subset=[subject, rater, item, score])
    df = _one_rating_each(df, subject, rater, item)
    rows = []
    for name, g in df.groupby(item, sort=True):
        per_subject = g.groupby(subject)[rater].transform("size")
        g = g.loc[per_subject >= 2]
        top = pd.to_numeric(df.loc[df[item] == name, max_score], errors="coerce").max()
        default = "nominal" if top == 1 else "ordinal"
        lvl = level.get(name, default) if isinstance(level, Mapping) else (level or default)
        if lvl not in _LEVELS:
            raise CsperfError(
                f"level for item {name!r} must be one of {', '.join(_LEVELS)}, got {lvl!r}"
            )
        n_sub = int(g[subject].nunique())
        n_rat = int(g[rater].nunique())
        alpha_value = exact = math.nan
        note = ""
        if n_sub > 0:
            wide = g.pivot(index=rater, columns=subject, values=score)
            counts = g.groupby([subject, score]).size()
            m = g.groupby(subject).size()
            exact = float((counts * (counts - 1)).sum() / (m * (m - 1)).sum())
        if n_sub < min_subjects:
            note = (
                f"fewer than {min_subjects} calibration contacts ({n_sub}): agreement not measured"
            )
        else:
            alpha_value = krippendorff_alpha(wide, level=lvl)
            if math.isnan(alpha_value):
                note = "every rating identical: alpha undefined (no variation to tell agreement from chance)"
        rows.append(
            {
                "item": name,
                "level": lvl,
                "n_subjects": n_sub,
                "n_raters": n_rat,
                "krippendorff_alpha": alpha_value,
                "exact_agreement": exact,
                "flag": bool(np.isfinite(alpha_value) and alpha_value < threshold),
                "note": note,
            }
        )
    if not rows:
        return pd.DataFrame(
            {
                c: pd.Series(
                    dtype=float if c in ("krippendorff_alpha", "exact_agreement") else object
                )
                for c in _ITEM_COLUMNS
            }
        )
    out = pd.DataFrame(rows)
    out = out.sort_values(
        ["krippendorff_alpha", "item"], na_position="last", kind="stable"
    ).reset_index(drop=True)
    return out[_ITEM_COLUMNS]


# --------------------------------------------------------------------------------------------
# the review
# --------------------------------------------------------------------------------------------

_QA_COLUMNS = ("contact_id", "evaluator_id", "item", "score", "max_score")


def _overall_alpha(totals: pd.DataFrame, *, alpha: float, n_boot: int, random_state) -> Agreement:
    """Interval alpha of total % per contact with a bootstrap over contacts."""
    confidence = 1.0 - alpha
    statistic = "Krippendorff's alpha (interval) of the total QA score"
    method = (
        "Krippendorff (2011) interval alpha of each evaluator's total % per contact (krippendorff "
        f"package); se and interval: percentile bootstrap over contacts ({n_boot} resamples, "
        f"random_state={random_state!r}; resampling contacts as in the bootstrap idea of Hayes & "
        "Krippendorff 2007)"
    )
    wide = totals.pivot(index="evaluator_id", columns="contact_id", values="pct")
    value = krippendorff_alpha(wide, level="interval")
    units = _pairable_units(wide.to_numpy(dtype=float))
    n, raters = len(units), int(wide.shape[0])
    note = "" if np.isfinite(value) else "every total score identical: alpha undefined"
    se = lo = hi = math.nan
    if n >= 2 and n_boot > 0 and np.isfinite(value):
        parts = _interval_alpha_parts(units)
        reps = [
            _interval_alpha_weighted(w, *parts)
            for w in _bootstrap_weights(_rng(random_state), n, n_boot)
        ]
        se, lo, hi = _percentile_ci(np.concatenate(reps), alpha)
    return Agreement(statistic, float(value), se, lo, hi, n, raters, method, confidence, note=note)


def _pooled_kappa(df: pd.DataFrame, *, alpha: float, n_boot: int, random_state) -> Agreement:
    r"""Pooled Fleiss' kappa across items: :math:`(\bar p_o - \bar p_e)/(1 - \bar p_e)`, the item means."""
    confidence = 1.0 - alpha
    statistic = "Pooled Fleiss' kappa of item scores across scorecard items"
    method = (
        "De Vries et al. (2008) pooled kappa: mean over items of the Fleiss (1971) observed and "
        "chance agreement (Gwet 2014 form for 2 or 3 evaluators per contact), each item's scores as "
        f"categories; se and interval: percentile bootstrap over contacts ({n_boot} resamples, "
        f"random_state={random_state!r})"
    )
    contacts = sorted(df["contact_id"].unique())
    cindex = {c: i for i, c in enumerate(contacts)}
    parts = []
    for _, g in df.groupby("item", sort=True):
        g = g.loc[g.groupby("contact_id")["evaluator_id"].transform("size") >= 2]
        if g.empty:
            continue
        counts = pd.crosstab(g["contact_id"], g["score"])
        a, q = _fleiss_parts(counts.to_numpy(dtype=float))
        parts.append((np.array([cindex[c] for c in counts.index]), a, q))
    if not parts:
        return _nan_agreement(
            statistic,
            method,
            n_subjects=0,
            n_raters=0,
            confidence=confidence,
            note="no item scored twice",
        )

    def pooled(w: np.ndarray) -> np.ndarray:
        p_o, p_e = [], []
        for idx, a, q in parts:
            wi = w[:, idx]
            tot = wi.sum(1)
            with np.errstate(divide="ignore", invalid="ignore"):
                p_o.append(wi @ a / tot)
                p_e.append((((wi @ q) / tot[:, None]) ** 2).sum(1))
        with np.errstate(invalid="ignore"):
            return _kappa_from_parts(np.nanmean(np.vstack(p_o), 0), np.nanmean(np.vstack(p_e), 0))

    n = len(contacts)
    value = float(pooled(np.ones((1, n)))[0])
    note = "" if np.isfinite(value) else "every item score identical: kappa undefined"
    se = lo = hi = math.nan
    if n >= 2 and n_boot > 0 and np.isfinite(value):
        reps = [pooled(w) for w in _bootstrap_weights(_rng(random_state), n, n_boot)]
        se, lo, hi = _percentile_ci(np.concatenate(reps), alpha)
    return Agreement(
        statistic,
        value,
        se,
        lo,
        hi,
        n,
        int(df["evaluator_id"].nunique()),
        method,
        confidence,
        note=note,
    )


def _fmt_ci(lo: float, hi: float, digits: int) -> str:
    return f"{lo:.{digits}f} to {hi:.{digits}f}"


def _findings(
    overall: Agreement,
    fleiss: Agreement | None,
    evaluators: pd.DataFrame,
    items: pd.DataFrame,
    *,
    n_subjects: int,
    n_evaluators: int,
    threshold: float,
    alpha: float,
) -> list[str]:
    conf = _conf_label(1.0 - alpha)
    out = []
    if np.isfinite(overall.value):
        if overall.value >= ALPHA_FIRM:
            verdict = (
                f"at or above the {ALPHA_FIRM:.3f} Krippendorff recommends for firm conclusions"
            )
        elif overall.value >= ALPHA_TENTATIVE:
            verdict = (
                f"between {ALPHA_TENTATIVE:.3f} and {ALPHA_FIRM:.3f}, which Krippendorff accepts only for "
                "tentative conclusions"
            )
        else:
            verdict = (
                f"below the {ALPHA_TENTATIVE:.3f} Krippendorff treats as the lowest acceptable, so an agent's "
                "total score depends noticeably on who evaluated the contact"
            )
        ci = (
            f"{conf} CI {_fmt_ci(overall.ci_low, overall.ci_high, 2)}, "
            if np.isfinite(overall.ci_low)
            else ""
        )
        out.append(
            f"{n_subjects} contacts were scored by two or more of {n_evaluators} evaluators; agreement on "
            f"the total QA score is Krippendorff's alpha = {overall.value:.2f} ({ci}n = {n_subjects} contacts), "
            f"{verdict}."
        )
    else:
        out.append(f"{n_subjects} contacts were scored by two or more evaluators; {overall.note}.")
    for row in evaluators.itertuples(index=False):
        if not np.isfinite(row.ci_low):
            out.append(
                f"Evaluator {row.evaluator} scored only {row.n_subjects} calibration contact(s), too few to judge "
                "their severity."
            )
            continue
        if row.verdict in ("strict", "lenient"):
            word = "stricter" if row.verdict == "strict" else "higher (more lenient)"
            lo, hi = sorted((abs(row.ci_low), abs(row.ci_high)))
            out.append(
                f"Evaluator {row.evaluator} scores {abs(row.mean_difference):.1f} percentage points {word} than "
                f"colleagues on the same contacts ({conf} CI {_fmt_ci(lo, hi, 1)}, n = {row.n_subjects}; "
                f"Holm-adjusted {format_p(row.p_adjusted)})."
            )
        elif row.ci_low > 0 or row.ci_high < 0:
            side = "above" if row.mean_difference > 0 else "below"
            out.append(
                f"Evaluator {row.evaluator} scores {abs(row.mean_difference):.1f} percentage points {side} "
                f"colleagues on the same contacts ({conf} CI {_fmt_ci(row.ci_low, row.ci_high, 1)}, "
                f"n = {row.n_subjects}), but not significantly once all {len(evaluators)} evaluators are "
                f"compared (Holm-adjusted {format_p(row.p_adjusted)}); treat as in line and watch at the next "
                "calibration."
            )
        else:
            out.append(
                f"Evaluator {row.evaluator} scores in line with colleagues on the same contacts (difference "
                f"{row.mean_difference:+.1f} percentage points, {conf} CI {_fmt_ci(row.ci_low, row.ci_high, 1)}, "
                f"n = {row.n_subjects}; not significant after Holm correction)."
            )
    verdicts = set(evaluators["verdict"]) if len(evaluators) else set()
    if {"strict", "lenient"} <= verdicts:
        out.append(
            "Differences are relative to the colleagues who scored the same contacts: an evaluator who often "
            "shares contacts with a strict colleague looks more lenient (by about that colleague's difference "
            "divided by the number of colleagues), and the reverse, so read the strict and lenient verdicts together."
        )
    for row in items.itertuples(index=False):
        if row.flag:
            why = (
                "most scores are the same, so the high exact agreement hides that evaluators rarely agree on the "
                "exceptions"
                if row.exact_agreement >= 0.8
                else "evaluators do not apply it consistently"
            )
            out.append(
                f"Item '{row.item}' has Krippendorff's alpha = {row.krippendorff_alpha:.2f} ({row.level}, "
                f"n = {row.n_subjects} contacts, exact agreement {row.exact_agreement:.0%}), below {threshold}: "
                f"{why}; clarify its scoring guidance and re-calibrate on it."
            )
    unmeasured = (
        items.loc[items["krippendorff_alpha"].isna(), "item"].tolist() if len(items) else []
    )
    if unmeasured:
        out.append(
            f"Agreement could not be measured for {len(unmeasured)} item(s) ({', '.join(map(str, unmeasured))}): "
            "too few calibration contacts or no variation in their scores."
        )
    if fleiss is not None and np.isfinite(fleiss.value):
        ci = (
            f"{conf} CI {_fmt_ci(fleiss.ci_low, fleiss.ci_high, 2)}, "
            if np.isfinite(fleiss.ci_low)
            else ""
        )
        out.append(
            f"Exact agreement on individual item scores beyond chance is pooled Fleiss' kappa = "
            f"{fleiss.value:.2f} ({ci}n = {fleiss.n_subjects} contacts)."
        )
    if n_subjects < 30:
        out.append(
            f"With only {n_subjects} calibration contacts the intervals are wide; schedule more calibration "
            "sessions before acting on individual evaluators."
        )
    return out


def calibration_review(
    qa: pd.DataFrame,
    *,
    min_raters: int = 2,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = 0,
    n_boot: int = N_BOOT,
    threshold: float = ALPHA_TENTATIVE,
) -> CalibrationReview:
    r"""Everything a quality manager needs to judge scoring consistency, from the QA table.

    Calibration contacts are those scored by at least ``min_raters`` distinct evaluators
    (canonical ``qa_evaluations`` columns ``contact_id, evaluator_id, item, score, max_score``).
    On them: the interval Krippendorff's alpha of each evaluator's total percentage per contact
    with a percentile bootstrap over contacts (``overall``); the pooled Fleiss' kappa of item
    scores across items (De Vries, Elliott, Kanouse & Teleki 2008, *Field Methods* 20:272–282:
    :math:`(\bar p_o - \bar p_e)/(1-\bar p_e)` with the item means of Fleiss' observed and
    chance agreement), bootstrap over contacts (``fleiss``); :func:`evaluator_bias` and
    :func:`item_agreement`; and findings in plain English.

    Parameters
    ----------
    qa : DataFrame
        The canonical ``qa_evaluations`` table. Not modified.
    min_raters : int, keyword-only
        Distinct evaluators a contact needs to count as a calibration contact (≥ 2).
    alpha : float, keyword-only
        Significance level; intervals are ``1 - alpha``.
    random_state : int, Generator or None, keyword-only
        Seed of the bootstraps (default 0: identical results every run).
    n_boot : int, keyword-only
        Bootstrap resamples.
    threshold : float, keyword-only
        Item alpha below which an item is flagged (Krippendorff's 0.667).

    Returns
    -------
    CalibrationReview
        With ``note`` and no statistics when no contact was scored by two evaluators.
    """
    alpha = _check_alpha(alpha)
    _require_columns(qa, _QA_COLUMNS)
    if int(min_raters) < 2:
        raise CsperfError(f"min_raters must be at least 2, got {min_raters!r}")
    base = qa[list(_QA_COLUMNS)].dropna(subset=["contact_id", "evaluator_id", "item", "score"])
    calib = _calibration_rows(base, "contact_id", "evaluator_id", int(min_raters))
    n_subjects = int(calib["contact_id"].nunique())
    n_evaluators = int(calib["evaluator_id"].nunique())
    if n_subjects == 0:
        return CalibrationReview(
            n_subjects=0,
            n_evaluators=0,
            overall=None,
            fleiss=None,
            evaluators=evaluator_bias(calib, alpha=alpha),
            items=item_agreement(calib, threshold=threshold),
            flagged_items=[],
            findings=[NO_CALIBRATION_NOTE],
            note=NO_CALIBRATION_NOTE,
        )
    totals = _percent_totals(calib, "contact_id", "evaluator_id", "score", "max_score")
    overall = _overall_alpha(totals, alpha=alpha, n_boot=int(n_boot), random_state=random_state)
    pooled = _pooled_kappa(
        _one_rating_each(calib, "contact_id", "evaluator_id", "item"),
        alpha=alpha,
        n_boot=int(n_boot),
        random_state=random_state,
    )
    evaluators = evaluator_bias(calib, alpha=alpha)
    items = item_agreement(calib, threshold=threshold)
    flagged = [str(i) for i in items.loc[items["flag"], "item"]]
    findings = _findings(
        overall,
        pooled,
        evaluators,
        items,
        n_subjects=n_subjects,
        n_evaluators=n_evaluators,
        threshold=threshold,
        alpha=alpha,
    )
    return CalibrationReview(
        n_subjects=n_subjects,
        n_evaluators=n_evaluators,
        overall=overall,
        fleiss=pooled,
        evaluators=evaluators,
        items=items,
        flagged_items=flagged,
        findings=findings,
        note="",
    )


def _json_float(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def summary_entries(review: CalibrationReview) -> dict:
    """The ``calibration`` entry of summary.json (plain JSON types; NaN becomes null).

    ``{"calibration": [entry, ...]}``, each entry ``statistic, value, interval [low, high], n,
    items_flagged`` (the review's flagged items, on every entry) — the overall alpha, the pooled
    kappa, then one entry per evaluator (mean difference from colleagues in percentage points, with
    its ``verdict``). Without calibration contacts a single entry with null value and the ``note``.
    """
    flagged = [str(i) for i in review.flagged_items]
    entries = []
    if review.overall is None:
        entries.append(
            {
                "statistic": "Krippendorff's alpha (interval) of the total QA score",
                "value": None,
                "interval": [None, None],
                "n": 0,
                "items_flagged": [],
                "note": review.note,
            }
        )
        return {"calibration": entries}
    for agreement in (review.overall, review.fleiss):
        if agreement is None:
            continue
        entries.append(
            {
                "statistic": agreement.statistic,
                "value": _json_float(agreement.value),
                "interval": [_json_float(agreement.ci_low), _json_float(agreement.ci_high)],
                "n": int(agreement.n_subjects),
                "items_flagged": list(flagged),
            }
        )
    for row in review.evaluators.itertuples(index=False):
        entries.append(
            {
                "statistic": f"Mean difference from colleagues, {row.evaluator} (percentage points)",
                "value": _json_float(row.mean_difference),
                "interval": [_json_float(row.ci_low), _json_float(row.ci_high)],
                "n": int(row.n_subjects),
                "items_flagged": list(flagged),
                "verdict": str(row.verdict),
            }
        )
    return {"calibration": entries}
