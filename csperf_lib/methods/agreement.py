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

Evaluator severity, agreement per scorecard item and the calibration review of a QA table are in
:mod:`csperf_lib.methods.calibration`.

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

Conventions: data first, options keyword-only; inputs are never mutated; randomness only through
``random_state``; a statistic that cannot be estimated (no pairs, no variation) is NaN with a
``note``, never an exception; malformed input raises :class:`csperf_lib.core.errors.CsperfError`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import krippendorff as _krippendorff
import numpy as np
import pandas as pd
from scipy import stats as _st
from statsmodels.stats.inter_rater import cohens_kappa as _sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as _sm_fleiss_kappa

from csperf_lib.core.errors import CsperfError

__all__ = [
    "ALPHA_FIRM",
    "ALPHA_TENTATIVE",
    "Agreement",
    "MIN_ITEM_SUBJECTS",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
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


def _pair_categories(a: np.ndarray, b: np.ndarray, categories: Sequence | None) -> list:
    """The categories of a pair of raters: as given (each rating must be one of them), else the
    sorted values used."""
    if categories is None:
        return _sorted_categories(np.concatenate([a, b]))
    cats = list(categories)
    if len(set(cats)) != len(cats):
        raise CsperfError("categories must not repeat a value")
    index = set(cats)
    unknown = sorted({repr(v) for v in np.concatenate([a, b]).tolist() if v not in index})
    if unknown:
        raise CsperfError(f"rating(s) {', '.join(unknown[:5])} are not among the categories given")
    return cats


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
    cats = _pair_categories(a, b, categories)
    index = {c: i for i, c in enumerate(cats)}
    if n == 0:
        notes.append("no subject was rated by both raters")
        return _nan_agreement(statistic, method, n_subjects=0, n_raters=2,
                              confidence=confidence, note="; ".join(notes))
    k = len(cats)
    table = np.zeros((k, k))
    np.add.at(table, ([index[v] for v in a.tolist()], [index[v] for v in b.tolist()]), 1.0)
    p_row, p_col = table.sum(1) / n, table.sum(0) / n
    if k < 2 or math.isclose(float(p_row @ p_col), 1.0):
        notes.append(
            "both raters used a single category throughout, so chance agreement is 100 % and kappa is undefined"
        )
        return _nan_agreement(statistic, method, n_subjects=n, n_raters=2,
                              confidence=confidence, note="; ".join(notes))
    with np.errstate(divide="ignore", invalid="ignore"):
        res = _sm_cohens_kappa(table, wt=weights) if weights else _sm_cohens_kappa(table)
    kappa = float(res.kappa)
    se = math.sqrt(max(float(res.var_kappa), 0.0))
    se0 = math.sqrt(max(float(res.var_kappa0), 0.0))
    z = _z(alpha)
    p_value = float(2 * _st.norm.sf(abs(kappa) / se0)) if se0 > 0 else math.nan
    return Agreement(statistic=statistic, value=kappa, se=se, ci_low=max(-1.0, kappa - z * se),
                     ci_high=min(1.0, kappa + z * se), n_subjects=n, n_raters=2, method=method,
                     confidence=confidence, se_null=se0, p_value=p_value, note="; ".join(notes))


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


def _fleiss_method(*, constant: bool, n_boot: int, random_state: Any) -> str:
    """How Fleiss' kappa, its interval and its null test were computed, in words."""
    boot = f"percentile bootstrap over subjects ({n_boot} resamples, random_state={random_state!r})"
    if constant:
        return (
            "kappa from statsmodels fleiss_kappa (Fleiss 1971); se and interval: "
            + boot
            + "; se_null and p-value: Fleiss, Nee & Landis (1979)"
        )
    return (
        "kappa generalised to a varying number of ratings per subject (Gwet 2014); "
        "se and interval: " + boot + "; no null-SE test (it assumes equal ratings per subject)"
    )


def _fleiss_null_test(kappa: float, pi: np.ndarray, *, n_subjects: int, m: float) -> tuple[float, float]:
    """Fleiss, Nee & Landis (1979) standard error of kappa under kappa = 0 (``m`` ratings per
    subject) and the two-sided p-value of kappa = 0."""
    pq = pi * (1.0 - pi)
    s = float(pq.sum())
    var0 = 2.0 / (n_subjects * m * (m - 1.0)) * (s**2 - float((pq * ((1.0 - pi) - pi)).sum())) / s**2
    se0 = math.sqrt(max(var0, 0.0))
    return se0, (float(2 * _st.norm.sf(abs(kappa) / se0)) if se0 > 0 else math.nan)


def _fleiss_bootstrap(a: np.ndarray, q: np.ndarray, *, n_boot: int, random_state: Any,
                      alpha: float) -> tuple[float, float, float]:
    """Percentile bootstrap over subjects of Fleiss' kappa from its per-subject parts: se, low, high."""
    n = len(a)
    reps = []
    for w in _bootstrap_weights(_rng(random_state), n, int(n_boot)):
        p_o_b = w @ a / n
        p_e_b = ((w @ q / n) ** 2).sum(1)
        reps.append(_kappa_from_parts(p_o_b, p_e_b))
    return _percentile_ci(np.concatenate(reps), alpha)


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
    method = _fleiss_method(constant=constant, n_boot=n_boot, random_state=random_state)
    if n == 0:
        notes.append("no subject has two ratings")
        return _nan_agreement(statistic, method, n_subjects=0, n_raters=n_raters,
                              confidence=confidence, note="; ".join(notes))
    counts = _category_counts(arr, cats)
    a, q = _fleiss_parts(counts)
    pi = q.mean(0)
    p_e = float((pi**2).sum())
    if len(cats) < 2 or math.isclose(p_e, 1.0):
        notes.append(
            "every rating is the same category, so chance agreement is 100 % and kappa is undefined"
        )
        return _nan_agreement(statistic, method, n_subjects=n, n_raters=n_raters,
                              confidence=confidence, note="; ".join(notes))
    se0 = p_value = math.nan
    if constant:
        kappa = float(_sm_fleiss_kappa(counts))
        se0, p_value = _fleiss_null_test(kappa, pi, n_subjects=n, m=float(m[0]))
    else:
        kappa = float(_kappa_from_parts(float(a.mean()), p_e))
    se = lo = hi = math.nan
    if n_boot > 0 and n >= 2:
        se, lo, hi = _fleiss_bootstrap(a, q, n_boot=n_boot, random_state=random_state, alpha=alpha)
    return Agreement(statistic=statistic, value=kappa, se=se, ci_low=lo, ci_high=hi, n_subjects=n,
                     n_raters=n_raters, method=method, confidence=confidence, se_null=se0, p_value=p_value,
                     note="; ".join(notes))


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
