"""The QA sample's design (stage 02): statistically sized, stratified, weighted, representative.

The stage itself (worksheet, settings, pages, findings) is :mod:`csperf_lib.stages.sample`; the frame is
:mod:`csperf_lib.methods.sample_frame`, the sample size :mod:`csperf_lib.methods.sample_size`; the checks
and estimates on a drawn sample are :mod:`csperf_lib.methods.sample_checks`, the ISO 2859-1 plans
:mod:`csperf_lib.methods.acceptance`.

Commercial QA tools assign "5 random calls per agent per month" and stop there. This module answers
the questions a quality reviewer (and an assessor) asks of a QA sample:

1. **How many contacts to review** to estimate a pass rate within a stated margin:
   :func:`~csperf_lib.methods.sample_size.sample_size` (Cochran 1977, with the finite-population correction; it reproduces the
   Krejcie & Morgan 1970 table), and, for lot-by-lot acceptance of an agent-month of contacts,
   :func:`csperf_lib.methods.acceptance.acceptance_plan` (ISO 2859-1 single sampling, normal inspection).
2. **How to draw them so they represent the population** (channel, queue, team, time of day):
   :func:`allocate` and :func:`draw_sample` (stratified simple random sampling without
   replacement; proportional, Neyman 1934 or equal allocation; oversampled strata; a per-agent
   minimum), and :func:`systematic_sample`.
3. **How to prove it is representative**: :func:`csperf_lib.methods.sample_checks.representativeness` (chi-square goodness of fit
   for categories, one-sample Kolmogorov–Smirnov against the population for numbers, effect sizes,
   Holm's adjustment across the variables tested, a plain verdict).
4. **How to turn the scored sample back into population estimates** with honest intervals:
   :func:`csperf_lib.methods.sample_checks.estimate_from_sample` (Hájek weighted estimator, linearisation variance).

The population
--------------
QA reviews *answered* contacts: an unanswered or abandoned contact has no agent handling to score.
The population is therefore the usable (validated) contacts of the review period with
``answered`` true; :func:`~csperf_lib.methods.sample_frame.sampling_frame` pulls exactly those rows from the store, and only the
columns sampling needs (identifier, stratification columns, agent, arrival time with derived
``weekday`` and ``hour_band``, handle and wait time, escalation and transfer flags), in the
store's engine and in bounded batches, so a 10M-contact review never holds whole contacts in pandas.

The design and its weights
--------------------------
The population is divided into strata ``h`` (every combination of the stratification columns);
``n_h`` contacts are drawn from the ``N_h`` of stratum ``h`` by simple random sampling without
replacement (numpy ``Generator.choice``), so each has inclusion probability ``pi = n_h / N_h`` and
design weight ``w = 1 / pi = N_h / n_h`` (Horvitz & Thompson 1952; Kish 1965, ch. 3). The weights
of a stratum add up to ``N_h``, so weighted estimates stay unbiased when some strata (complaints,
escalations, long calls) are deliberately oversampled.

The per-agent minimum (``per_agent=k``) is a *top-up*: after the stratified draw, an agent with
fewer than ``k`` sampled contacts gets the missing ones drawn at random from their other contacts.
Its inclusion probabilities are computed exactly: the number ``M_a`` of agent ``a``'s contacts in
the stratified sample is a sum of independent hypergeometric counts (one per stratum), so for a
contact of agent ``a`` in stratum ``h``

    pi = n_h/N_h + (1 - n_h/N_h) * sum_{m<k} P(M_a = m | not drawn) * min(1, (k - m)/(N_a - m)).

The weights ``1/pi`` are then ratio-adjusted within each stratum to add up to ``N_h``
(post-stratification, the Hájek form; Särndal, Swensson & Wretman 1992, 7.6), so they always sum to
the population size. Without a top-up the adjustment changes nothing.

Estimates and intervals
-----------------------
:func:`csperf_lib.methods.sample_checks.estimate_from_sample` uses the Hájek (ratio) estimator ``sum(w*y)/sum(w)`` within each
domain, with the Taylor-linearisation variance under the with-replacement approximation (Wolter
2007, ch. 6; the ``survey`` package's default), which ignores the finite-population correction and
the gain from stratification and is therefore slightly conservative. Proportions get the Wilson
score interval computed with the design-based effective sample size ``p(1-p)/v`` (Korn & Graubard
1998; Kish's ``(sum w)^2 / sum w^2`` when the estimate is 0 or 1); means get a Student-t interval.

What is hand-written, and why
-----------------------------
* the allocation with bounds (``min_per_stratum``, no more than ``N_h``): scipy has no allocation
  routine; a bisection on the scale of ``clip(lambda * a_h, lower_h, upper_h)`` followed by
  largest-remainder rounding, so the allocation sums exactly to ``n``;
* the top-up inclusion probabilities above (truncated products of hypergeometric pmfs): no
  library computes them; the pmf itself is the log-gamma closed form (``scipy.special.gammaln``)
  because ``scipy.stats.hypergeom.pmf`` is exact but takes about 0.3 ms a value for strata of
  10^5 contacts (70 s at 10M contacts and 1000 agents); a test checks they agree;
* the weighted one-sample Kolmogorov–Smirnov statistic: ``scipy.stats.kstest`` takes neither
  weights nor a reference CDF with jumps (the population's own ECDF); its p-value comes from
  ``scipy.stats.kstwo`` (exact for continuous data, conservative with ties);
* the linearisation variance (a few lines of numpy; statsmodels has no survey estimators);
* Holm's adjustment (four lines): statsmodels' ``multipletests`` runs a full garbage collection
  on every call, which dominates a simulation over many seeds; the test checks they agree.

Everything else is library code: ``scipy.stats.norm`` (z), ``scipy.stats.chisquare``,
``scipy.special.gammaln``, ``scipy.stats.kstwo``, ``scipy.stats.t``, statsmodels'
``proportion_confint(method="wilson")`` and ``multipletests(method="holm")``, numpy ``Generator``.
Randomness only ever comes from the ``random_state`` argument.

References
----------
Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley (4.2-4.4: sample size for proportions;
5.5-5.9: stratified allocation). Krejcie, R. V. & Morgan, D. W. (1970). Determining sample size for
research activities. *Educational and Psychological Measurement* 30, 607-610. Neyman, J. (1934). On
the two different aspects of the representative method. *JRSS* 97, 558-625. Kish, L. (1965).
*Survey Sampling*. Wiley. Horvitz, D. G. & Thompson, D. J. (1952). *JASA* 47, 663-685. Korn, E. L. &
Graubard, B. I. (1998). Confidence intervals for proportions with small expected number of positive
counts estimated from survey data. *Survey Methodology* 24, 193-201. Holm, S. (1979). A simple
sequentially rejective multiple test procedure. *Scand. J. Statist.* 6, 65-70. ISO 2859-1:1999 Sampling
procedures for inspection by attributes (= ANSI/ASQ Z1.4, MIL-STD-105E), Tables 1 and 2-A.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csperf_lib.methods.sample_frame import (
    AGENT,
    DEFAULT_STRATA,
    _with_derived,
    usable_strata,
)

__all__ = [
    "Allocation",
    "agent_coverage",
    "allocate",
    "draw_sample",
    "systematic_sample",
]

#: Categorical variables the representativeness check compares by default.
DEFAULT_BY = ("channel", "queue", "team", "region", "weekday", "hour_band")
#: Numeric variables the representativeness check compares by default (seconds).
DEFAULT_NUMERIC = ("handle_s", "wait_s")
#: Variability column for Neyman allocation: handle time (talk + hold + wrap, seconds), the
#: available proxy for how much contacts of a stratum differ from one another.
VARIABILITY = "handle_s"
DESIGN_WEIGHT = "design_weight"
ALLOCATIONS = ("proportional", "neyman", "equal")
MISSING = "(blank)"


# ------------------------------------------------------------------------------------------------
# Allocation
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """How ``n`` contacts are shared among strata.

    Attributes
    ----------
    table : DataFrame
        One row per stratum: the stratification columns, ``stratum`` (label), ``population``
        (``N_h``), ``share`` (``N_h/N``), ``sd`` (standard deviation of the variability column, for
        Neyman), ``oversample`` (factor), ``sample`` (``n_h``), ``sampling_fraction``
        (``n_h/N_h``) and ``design_weight`` (``N_h/n_h``; NaN where ``n_h`` is 0).
    n : int
        Contacts allocated (``table.sample.sum()``).
    population : int
        ``N``.
    strata : tuple of str
        Stratification columns used (oversampled flags included).
    skipped : dict of str to str
        Requested columns not used, with the reason.
    requested : str
        The allocation asked for.
    method : str
        The allocation used (``proportional`` when Neyman had no variability column).
    variability : str or None
        Column whose spread drove a Neyman allocation.
    note : str
        Why ``method`` differs from ``requested``, or other caveats ("" when none).
    """

    table: pd.DataFrame
    n: int
    population: int
    strata: tuple[str, ...]
    skipped: Mapping[str, str]
    requested: str
    method: str
    variability: str | None
    note: str


def _round_allocation(weights: np.ndarray, n: int, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Integers ``n_h`` with ``lower <= n_h <= upper``, summing to ``n``, close to ``clip(lam * w)``.

    ``lam`` is found by bisection (the clipped sum is monotone in it); the fractional allocation is
    then rounded by the largest-remainder method.
    """
    weights = np.asarray(weights, dtype=float)
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    if not len(weights):
        return np.zeros(0, dtype=np.int64)
    # strata with weight 0 fill last (a tiny weight keeps the bisection well defined)
    positive = weights[weights > 0]
    tiny = (positive.min() if len(positive) else 1.0) * 1e-9
    weights = np.where(weights > 0, weights, tiny)

    def total(lam: float) -> float:
        return float(np.clip(lam * weights, lower, upper).sum())

    lo, hi = 0.0, float((upper / weights).max()) + 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if total(mid) < n:
            lo = mid
        else:
            hi = mid
    x = np.clip(hi * weights, lower, upper)
    out = np.floor(x + 1e-9).astype(np.int64)
    out = np.clip(out, lower.astype(np.int64), upper.astype(np.int64))
    remainder = n - int(out.sum())
    frac = x - out
    order = np.argsort(-frac, kind="stable")
    while remainder > 0:
        moved = False
        for i in order:
            if remainder == 0:
                break
            if out[i] < upper[i]:
                out[i] += 1
                remainder -= 1
                moved = True
        if not moved:
            break
    while remainder < 0:
        for i in order[::-1]:
            if remainder == 0:
                break
            if out[i] > lower[i]:
                out[i] -= 1
                remainder += 1
    return out


def _labels(keys: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    if not columns:
        return pd.Series(["all contacts"] * len(keys), index=keys.index, dtype="string")
    parts = [keys[c].astype(object).where(keys[c].notna(), MISSING).astype(str) for c in columns]
    label = parts[0]
    for part in parts[1:]:
        label = label + " / " + part
    return label.astype("string")


def _stratify(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Stratum code of every row (0..H-1) and one row of keys per stratum (``population`` = N_h).

    Strata are ordered by the columns' values (category order; blanks last). The codes are built
    from each column's integer codes (mixed radix), with no per-row strings or hash tables, so a
    10M-row frame costs a few int arrays.
    """
    if not columns:
        keys = pd.DataFrame({"population": [len(frame)]})
        return np.zeros(len(frame), dtype=np.int64), keys
    sizes = [len(_codes(frame[c])[1]) + 1 for c in columns]
    dtype = np.int32 if math.prod(sizes) < 2**31 else np.int64
    combined = np.zeros(len(frame), dtype=dtype)
    radix, parts = 1, []
    for column in reversed(list(columns)):
        codes, labels = _codes(frame[column])
        size = len(labels) + 1
        digit = codes.astype(dtype)
        digit[digit < 0] = len(labels)  # blank = last
        digit *= radix
        combined += digit
        del digit
        parts.append((column, labels, size, radix))
        radix *= size
    if radix <= 50_000_000:
        counts = np.bincount(combined, minlength=radix)
        present = np.flatnonzero(counts)
        lookup = np.full(radix, -1, dtype=np.int32)
        lookup[present] = np.arange(len(present))
        strata = lookup[combined]
        population = counts[present]
        del combined
    else:
        present, strata, population = np.unique(combined, return_inverse=True, return_counts=True)
    keys = {}
    for column, labels, size, base in reversed(parts):
        index = (present // base) % size
        values = pd.Series(labels).reindex(range(size)).to_numpy(dtype=object)  # last = blank
        column_values = pd.Series(values[index], dtype=object)
        original = frame[column].dtype
        if isinstance(original, pd.CategoricalDtype):
            column_values = pd.Categorical(column_values, categories=original.categories, ordered=original.ordered)
        keys[column] = column_values
    table = pd.DataFrame(keys)
    table["population"] = population.astype(np.int64)
    return strata, table


def _stratum_sd(values: np.ndarray, codes: np.ndarray, strata: int) -> np.ndarray:
    """Sample standard deviation (ddof 1) of ``values`` per stratum code, NaN below 2 values.

    Two passes with ``np.bincount`` (numerically sound, no per-row groups: cheap at 10M rows).
    """
    valid = np.isfinite(values)
    x, c = values[valid], codes[valid]
    count = np.bincount(c, minlength=strata).astype(float)
    mean = np.bincount(c, weights=x, minlength=strata) / np.where(count > 0, count, 1)
    squares = np.bincount(c, weights=(x - mean[c]) ** 2, minlength=strata)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 1, np.sqrt(squares / (count - 1)), np.nan)


def _neyman_spread(frame: pd.DataFrame, codes: np.ndarray, n_strata: int, *, allocation: str,
                   variability: str | None, notes: list[str]) -> tuple[str, str | None, np.ndarray]:
    """The allocation method actually used (Neyman falls back to proportional, with a note, when
    the variability column is missing or constant), the variability column used and each
    stratum's standard deviation of it (the pooled one where a stratum has too few values)."""
    method, used_variability = allocation, None
    sd = np.full(n_strata, np.nan)
    if allocation == "neyman":
        if variability is None or variability not in frame or frame[variability].notna().sum() < 2:
            method = "proportional"
            notes.append(
                f"Neyman allocation needs a variability column ({variability or 'none given'}), which the data "
                "does not have, so proportional allocation was used"
            )
        else:
            values = pd.to_numeric(frame[variability], errors="coerce").to_numpy(dtype=float)
            sd = _stratum_sd(values, codes, n_strata)
            pooled = float(np.nanstd(values, ddof=1)) if np.isfinite(values).sum() > 1 else np.nan
            sd = np.where(np.isnan(sd), pooled, sd)
            if not np.isfinite(pooled) or pooled == 0:
                method = "proportional"
                notes.append(f"{variability} does not vary, so Neyman allocation reduces to proportional")
            else:
                used_variability = variability
    return method, used_variability, sd


def _allocate(
    frame: pd.DataFrame,
    *,
    n: int,
    strata: Sequence[str] | None,
    allocation: str,
    min_per_stratum: int,
    oversample: Mapping[str, float] | None,
    variability: str | None,
) -> tuple[Allocation, np.ndarray]:
    if allocation not in ALLOCATIONS:
        raise ValueError(f"allocation must be one of {', '.join(ALLOCATIONS)}, got {allocation!r}")
    n = int(n)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if min_per_stratum < 0:
        raise ValueError(f"min_per_stratum must be >= 0, got {min_per_stratum}")
    used, skipped = usable_strata(frame, strata)
    frame = _with_derived(frame, used)
    oversample = dict(oversample or {})
    flags = []
    for column, factor in oversample.items():
        if column not in frame:
            raise ValueError(f"oversample names '{column}', which the data does not have")
        if not factor > 0:
            raise ValueError(f"oversample factor of '{column}' must be > 0, got {factor}")
        flags.append(column)
    flag_frame = {f"{c}": frame[c].astype("boolean").fillna(False).astype(bool) for c in flags}
    work = frame[list(used)].assign(**flag_frame) if flags else frame[list(used)]
    columns = [*used, *[c for c in flags if c not in used]]
    codes, keys = _stratify(work, columns)
    population = keys["population"].to_numpy(dtype=np.int64)
    total = int(population.sum())
    notes = []
    if n > total:
        notes.append(f"n = {n:,} is more than the {total:,} contacts: every contact is taken")
        n = total
    factor = np.ones(len(keys))
    for column in flags:
        factor = np.where(keys[column].astype(bool).to_numpy(), factor * float(oversample[column]), factor)
    method, used_variability, sd = _neyman_spread(frame, codes, len(keys), allocation=allocation,
                                                  variability=variability, notes=notes)
    if method == "proportional":
        weights = population * factor
    elif method == "neyman":
        weights = population * sd * factor
    else:
        weights = factor.astype(float)
    # Every stratum gets at least one contact when n allows: a stratum left out would hold contacts
    # that could never be chosen (inclusion probability 0), and the sample would not represent them.
    floor = max(int(min_per_stratum), 1 if n >= int((population > 0).sum()) else 0)
    lower = np.minimum(floor, population)
    if lower.sum() > n:
        raise ValueError(
            f"min_per_stratum={min_per_stratum} across {len(keys)} strata needs {int(lower.sum()):,} contacts, "
            f"more than n = {n:,}: lower it, use fewer strata or a smaller margin"
        )
    sample = _round_allocation(np.where(population > 0, weights, 0.0), n, lower, population)
    empty = int(((sample == 0) & (population > 0)).sum())
    if empty:
        notes.append(
            f"{empty} of {len(keys)} strata got no contacts because n = {n:,} is smaller than the number of "
            "strata: their contacts cannot be drawn; use fewer strata or a smaller margin"
        )
    table = keys.copy()
    table.insert(len(columns), "stratum", _labels(keys, columns))
    table["share"] = population / total if total else np.nan
    table["sd"] = sd
    table["oversample"] = factor
    table["sample"] = sample
    table["sampling_fraction"] = np.where(population > 0, sample / np.maximum(population, 1), np.nan)
    table["design_weight"] = np.where(sample > 0, population / np.maximum(sample, 1), np.nan)
    if method != "neyman":
        table = table.drop(columns="sd")
    if not flags:
        table = table.drop(columns="oversample")
    result = Allocation(table=table, n=int(sample.sum()), population=total, strata=tuple(columns), skipped=skipped,
                        requested=allocation, method=method, variability=used_variability, note="; ".join(notes))
    return result, codes


def allocate(
    frame: pd.DataFrame,
    *,
    n: int,
    strata: Sequence[str] | None = DEFAULT_STRATA,
    allocation: str = "proportional",
    min_per_stratum: int = 0,
    oversample: Mapping[str, float] | None = None,
    variability: str | None = VARIABILITY,
) -> Allocation:
    """Share ``n`` contacts among the strata of ``frame`` (Cochran 1977, 5.5-5.9).

    Allocation weights ``a_h`` per stratum:

    * ``proportional``: ``a_h = N_h`` (the sample mirrors the population; self-weighting);
    * ``neyman``: ``a_h = N_h S_h`` (Neyman 1934; minimises the variance of the stratified mean
      for a fixed n), ``S_h`` the standard deviation of ``variability`` in the stratum (handle
      time by default; the overall SD for a stratum of one). Without that column, proportional is
      used and :attr:`Allocation.note` says why;
    * ``equal``: ``a_h = 1`` (the same number from every stratum; best for comparing strata);

    each multiplied by the ``oversample`` factor of the stratum. ``n_h`` is proportional to ``a_h``
    within ``min(floor, N_h) <= n_h <= N_h`` and rounded by the largest-remainder method, so
    ``sum n_h = n`` exactly (``n`` is capped at ``N``). The floor is ``min_per_stratum``, but at
    least 1 whenever ``n`` is at least the number of strata: a stratum with no sample would hold
    contacts that can never be chosen, and no weight could make the sample represent them.

    Parameters
    ----------
    frame : DataFrame
        The population (e.g. from :func:`~csperf_lib.methods.sample_frame.sampling_frame`); not modified.
    n : int, keyword-only
        Contacts to allocate.
    strata : sequence of str, keyword-only
        Stratification columns (None: :data:`DEFAULT_STRATA`). Columns the data does not have, with
        no values or a single value are skipped (:attr:`Allocation.skipped`); ``weekday`` and
        ``hour_band`` are derived from ``arrived_at``.
    allocation : {"proportional", "neyman", "equal"}, keyword-only
    min_per_stratum : int, keyword-only
        Least contacts per stratum (or all of a smaller stratum); 1 is applied anyway when n allows.
    oversample : mapping of str to float, keyword-only
        Boolean column -> factor: strata where the column is true get ``factor`` times their
        weight (e.g. ``{"escalated": 3}``). The column becomes a stratification column.
    variability : str, keyword-only
        Column for Neyman allocation.

    Returns
    -------
    Allocation
    """
    return _allocate(
        frame, n=n, strata=strata, allocation=allocation, min_per_stratum=min_per_stratum,
        oversample=oversample, variability=variability,
    )[0]


# ------------------------------------------------------------------------------------------------
# Drawing
# ------------------------------------------------------------------------------------------------


def _hypergeom_pmf(x: np.ndarray, total: np.ndarray, successes: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Hypergeometric pmf ``C(K, x) C(M-K, d-x) / C(M, d)`` by log-gamma (``scipy.special.gammaln``).

    Same values as ``scipy.stats.hypergeom.pmf(x, M, K, d)`` (to about 1e-10), which uses an exact
    method that takes about 0.3 ms a value when M is around 10^5: 70 s for the cells of a
    10M-contact, 1000-agent population, against milliseconds here.
    """
    from scipy.special import gammaln

    x, total, successes, draws = np.broadcast_arrays(
        np.asarray(x, dtype=float), np.asarray(total, dtype=float), np.asarray(successes, dtype=float), np.asarray(draws, dtype=float)
    )
    ok = (x >= 0) & (x <= successes) & (draws - x >= 0) & (draws - x <= total - successes) & (draws <= total)

    def log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
        return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)

    with np.errstate(invalid="ignore"):
        log_pmf = log_choose(successes, x) + log_choose(total - successes, draws - x) - log_choose(total, draws)
    return np.where(ok, np.exp(np.where(ok, log_pmf, 0.0)), 0.0)


def _truncated_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.convolve(a, b)[: len(a)]


def _topup_probabilities(
    cell_agent: np.ndarray,
    cell_stratum: np.ndarray,
    cell_size: np.ndarray,
    big_n: np.ndarray,
    small_n: np.ndarray,
    agent_size: np.ndarray,
    k: int,
) -> np.ndarray:
    """Exact inclusion probability of a contact in each (agent, stratum) cell under the top-up design.

    ``M_a`` (agent a's contacts in the stratified sample) is a sum of independent hypergeometric
    counts; given one contact of the cell is not drawn, its cell's count is hypergeometric on
    ``N_h - 1`` contacts of which ``N_ah - 1`` are the agent's. Only ``P(M_a = m)`` for ``m < k``
    matter, so the pmfs are multiplied as polynomials truncated at degree ``k - 1``.
    """
    pi_strat = small_n[cell_stratum] / big_n[cell_stratum]
    grid = np.arange(k)
    total_h, draws = big_n[cell_stratum], small_n[cell_stratum]
    pmf = _hypergeom_pmf(grid[None, :], total_h[:, None], cell_size[:, None], draws[:, None])
    possible = draws <= total_h - 1  # else every contact of the stratum is drawn (pi = 1)
    cond = np.zeros_like(pmf)
    cond[:, 0] = 1.0
    if possible.any():
        cond[possible] = _hypergeom_pmf(
            grid[None, :], (total_h - 1)[possible, None], (cell_size - 1)[possible, None], draws[possible, None]
        )
    pmf = np.nan_to_num(pmf)
    cond = np.nan_to_num(cond)
    unit = np.zeros(k)
    unit[0] = 1.0
    result = np.array(pi_strat, dtype=float)
    order = np.argsort(cell_agent, kind="stable")
    bounds = np.flatnonzero(np.diff(cell_agent[order])) + 1
    for cells in np.split(order, bounds):
        if not len(cells):
            continue
        n_agent = agent_size[cell_agent[cells[0]]]
        m = len(cells)
        prefix = [unit]
        for j in range(m):
            prefix.append(_truncated_product(prefix[-1], pmf[cells[j]]))
        suffix = [unit] * (m + 1)
        for j in range(m - 1, -1, -1):
            suffix[j] = _truncated_product(suffix[j + 1], pmf[cells[j]])
        take = np.minimum(1.0, (k - grid) / np.maximum(n_agent - grid, 1))
        for j, cell in enumerate(cells):
            if not possible[cell]:
                result[cell] = 1.0
                continue
            dist = _truncated_product(_truncated_product(prefix[j], cond[cell]), suffix[j + 1])
            result[cell] = pi_strat[cell] + (1 - pi_strat[cell]) * float((dist * take).sum())
    return np.minimum(result, 1.0)


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer code per row (-1 for blank) and the labels; categoricals use their own codes, so a
    10M-row agent column is never turned into strings."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories  # int8/int16: no copy
    codes, labels = pd.factorize(values, sort=True)
    return codes, pd.Index(labels)


def _agent_minimum(agents_column: pd.Series, codes: np.ndarray, chosen: np.ndarray, stratified_index: np.ndarray,
                   *, big_n: np.ndarray, small_n: np.ndarray, k: int, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top the stratified draw up so each agent has ``k`` contacts (or all they handled), marking the
    extra rows in ``chosen``; return each selected row's (agent, stratum) cell, the cells' inclusion
    probabilities (:func:`_topup_probabilities`) and which selected rows have an agent."""
    strata_count = len(big_n)
    agent_codes, agent_labels = _codes(agents_column)
    agents = len(agent_labels)
    has_agent = agent_codes >= 0
    agent_size = np.bincount(agent_codes[has_agent], minlength=agents)
    # (agent, stratum) cells: sizes by bincount (no sort), probabilities per cell
    cell_dtype = np.int32 if agents * strata_count < 2**31 else np.int64
    cells = agent_codes.astype(cell_dtype)
    cells *= strata_count
    cells += codes
    cells[~has_agent] = -1
    if agents * strata_count <= 50_000_000:
        cell_size_all = np.bincount(cells[has_agent], minlength=agents * strata_count)
        present = np.flatnonzero(cell_size_all)
        cell_size = cell_size_all[present]
    else:
        present, cell_size = np.unique(cells[has_agent], return_counts=True)
    cell_pi = _topup_probabilities(present // strata_count, present % strata_count, cell_size, big_n, small_n, agent_size, k)
    drawn = np.bincount(agent_codes[stratified_index][has_agent[stratified_index]], minlength=agents)
    short = np.flatnonzero(drawn < np.minimum(k, agent_size))
    if len(short):
        a_order = np.argsort(np.where(has_agent, agent_codes, agents).astype(np.int32), kind="stable")
        a_starts = np.concatenate([[0], np.cumsum(agent_size)])
        for a in short:
            members = a_order[a_starts[a] : a_starts[a + 1]]
            free = members[~chosen[members]]
            take = min(k - int(drawn[a]), len(free))
            if take:
                chosen[free[rng.choice(len(free), size=take, replace=False)]] = True
        del a_order
    index = np.flatnonzero(chosen)
    cell_of_selected = np.searchsorted(present, cells[index])
    selected_has_agent = has_agent[index]
    del cells
    return cell_of_selected, cell_pi, selected_has_agent


def draw_sample(
    frame: pd.DataFrame,
    *,
    n: int,
    strata: Sequence[str] | None = DEFAULT_STRATA,
    allocation: str = "proportional",
    min_per_stratum: int = 0,
    per_agent: int | None = None,
    oversample: Mapping[str, float] | None = None,
    random_state: int | np.random.Generator | None = None,
    variability: str | None = VARIABILITY,
    agent: str = AGENT,
) -> pd.DataFrame:
    """Stratified random sample without replacement, with design weights.

    ``n`` contacts are allocated to strata by :func:`allocate` and drawn from each stratum by simple
    random sampling without replacement (``numpy.random.Generator.choice``). With ``per_agent=k``,
    an agent with fewer than ``k`` sampled contacts then gets the missing ones drawn at random from
    their other contacts (a top-up; every agent ends with ``min(k, N_a)`` or more), so the sample
    can be a little larger than ``n``.

    ``inclusion_probability`` is exact: ``n_h/N_h`` without a top-up, the formula in the module
    docstring with one. ``design_weight`` is ``1/inclusion_probability`` ratio-adjusted within each
    stratum so the weights of a stratum sum to ``N_h`` (Kish 1965; Horvitz–Thompson weights,
    post-stratified, i.e. the Hájek form): the weights of the whole sample sum to the population
    size, and weighted estimates are unbiased (approximately, for the ratio form) whatever the
    allocation or oversampling.

    Parameters
    ----------
    frame : DataFrame
        The population (one row per contact); not modified. The same frame (same rows, same order)
        and the same seed give the same sample.
    n : int, keyword-only
        Contacts for the stratified sample (e.g. :func:`~csperf_lib.methods.sample_size.sample_size`); capped at the population.
    strata, allocation, min_per_stratum, oversample, variability
        As in :func:`allocate`.
    per_agent : int, keyword-only
        Least contacts per agent (all of an agent's contacts when they have fewer); None or 0: none.
    random_state : int or numpy.random.Generator, keyword-only
        Seed or generator (``numpy.random.default_rng``); the only source of randomness.
    agent : str, keyword-only
        Agent column for ``per_agent``; ignored (with a note) when the data has no agents.

    Returns
    -------
    DataFrame
        The sampled rows of ``frame`` (its index and columns, in frame order) plus ``stratum``
        (label), ``selected_by`` (``"stratified"`` or ``"agent minimum"``),
        ``inclusion_probability`` and ``design_weight``. ``attrs["notes"]`` lists caveats in words.
    """
    plan, codes = _allocate(
        frame, n=n, strata=strata, allocation=allocation, min_per_stratum=min_per_stratum,
        oversample=oversample, variability=variability,
    )
    rng = np.random.default_rng(random_state)
    notes = [plan.note] if plan.note else []
    big_n = plan.table["population"].to_numpy(dtype=np.int64)
    small_n = plan.table["sample"].to_numpy(dtype=np.int64)
    strata_count = len(big_n)
    rows = len(frame)
    chosen = np.zeros(rows, dtype=bool)
    # Stratified simple random sampling without replacement: n_h of the N_h members of each stratum.
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(big_n)])
    for h in np.flatnonzero(small_n):
        members = order[starts[h] : starts[h + 1]]
        chosen[members[rng.choice(len(members), size=int(small_n[h]), replace=False)]] = True
    del order
    stratified_index = np.flatnonzero(chosen)
    k = int(per_agent or 0)
    if k < 0:
        raise ValueError(f"per_agent must be >= 0, got {per_agent}")
    if k and (agent not in frame or frame[agent].isna().all()):
        notes.append(f"the least number of contacts per agent (`per_agent`, {k}) was ignored: the data has no agents")
        k = 0
    cell_of_selected = cell_pi = selected_has_agent = None
    if k and rows:
        cell_of_selected, cell_pi, selected_has_agent = _agent_minimum(
            frame[agent], codes, chosen, stratified_index, big_n=big_n, small_n=small_n, k=k, rng=rng)
    index = np.flatnonzero(chosen)
    sel_codes = codes[index]
    pi = np.where(big_n[sel_codes] > 0, small_n[sel_codes] / np.maximum(big_n[sel_codes], 1), 0.0)
    if cell_of_selected is not None:
        pi = np.where(selected_has_agent, cell_pi[np.minimum(cell_of_selected, len(cell_pi) - 1)], pi)
    sample = frame.iloc[index].copy()
    sample = _with_derived(sample, plan.strata)
    weight = 1.0 / pi
    sums = np.bincount(sel_codes, weights=weight, minlength=strata_count)
    adjust = np.where(sums > 0, big_n / np.where(sums > 0, sums, 1), 0.0)
    labels = plan.table["stratum"].to_numpy()
    sample["stratum"] = pd.array(labels[sel_codes] if len(index) else [], dtype="string")
    sample["selected_by"] = np.where(np.isin(index, stratified_index), "stratified", "agent minimum")
    sample["inclusion_probability"] = pi
    sample[DESIGN_WEIGHT] = weight * adjust[sel_codes]
    sample.attrs["notes"] = notes
    return sample


def systematic_sample(
    frame: pd.DataFrame, *, n: int, order_by: str | Sequence[str], random_state: int | np.random.Generator | None = None
) -> pd.DataFrame:
    """Systematic sample: every ``k``-th contact after sorting, from a random start (Cochran 1977, ch. 8).

    The frame is sorted by ``order_by`` (stable); with the fractional interval ``k = N/n`` the
    contacts at positions ``floor(r + i k)``, ``i = 0..n-1``, are taken, ``r`` uniform on
    ``[0, k)``. Every contact has inclusion probability exactly ``n/N`` (weight ``N/n``); sorting by
    time spreads the sample evenly over the period (implicit stratification by time).

    Returns
    -------
    DataFrame
        The sampled rows (in ``order_by`` order) plus ``inclusion_probability`` and ``design_weight``.
    """
    rows = len(frame)
    n = min(int(n), rows)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = np.random.default_rng(random_state)
    ordered = frame.sort_values(order_by, kind="stable")
    if n == 0:
        out = ordered.iloc[:0].copy()
    else:
        step = rows / n
        positions = np.floor(rng.uniform(0, step) + step * np.arange(n)).astype(np.int64)
        out = ordered.iloc[np.minimum(positions, rows - 1)].copy()
    out["inclusion_probability"] = n / rows if rows else np.nan
    out[DESIGN_WEIGHT] = rows / n if n else np.nan
    return out


def agent_coverage(sample: pd.DataFrame, frame: pd.DataFrame, *, per_agent: int | None, agent: str = AGENT) -> pd.DataFrame:
    """Per agent: contacts in the population, in the sample, the minimum owed and whether it is met."""
    columns = [agent, "population", "sampled", "minimum", "met"]
    if agent not in frame or frame[agent].isna().all():
        return pd.DataFrame(columns=columns)
    codes, labels = _codes(frame[agent])
    counts = np.bincount(codes[codes >= 0], minlength=len(labels))
    population = pd.Series(counts, index=pd.Index(labels.astype(str), name=agent), name="population")
    population = population[population > 0]
    sampled = sample[agent].astype("string").value_counts().rename("sampled") if agent in sample else pd.Series(dtype=int, name="sampled")
    sampled.index = sampled.index.astype(str)
    table = pd.concat([population, sampled], axis=1).fillna(0).astype(int)
    table["minimum"] = np.minimum(int(per_agent or 0), table["population"])
    table["met"] = table["sampled"] >= table["minimum"]
    table.index.name = agent
    return table.reset_index().sort_values(agent, kind="stable")[columns].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# Words, summary, explorer
# ------------------------------------------------------------------------------------------------


# --- findings -------------------------------------------------------------------------------------
