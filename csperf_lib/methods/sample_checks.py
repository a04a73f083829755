"""Is the QA sample like the population, and what does it say about it: representativeness tests
(chi-square for categories, Kolmogorov-Smirnov for numbers, Holm-adjusted), the sample's mix against
the population's, and design-weighted estimates with their intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from csperf_lib.methods.sample_frame import _with_derived
from csperf_lib.methods.sample_size import _check_fraction
from csperf_lib.methods.sampling import DEFAULT_BY, DEFAULT_NUMERIC, DESIGN_WEIGHT, MISSING

__all__ = [
    "estimate_from_sample",
    "representativeness",
    "sample_mix",
]


def _weights(sample: pd.DataFrame, weight: str | None) -> np.ndarray:
    if weight is None:
        return np.ones(len(sample))
    if weight not in sample:
        raise ValueError(f"the sample has no weight column '{weight}'")
    return pd.to_numeric(sample[weight], errors="coerce").fillna(0).to_numpy(dtype=float)


def _kish(weights: np.ndarray) -> float:
    total = weights.sum()
    squares = (weights**2).sum()
    return float(total**2 / squares) if squares > 0 else 0.0


def _counts(values: pd.Series, weights: np.ndarray | None = None) -> pd.Series:
    """(Weighted) count per category label, blanks as :data:`MISSING`; no per-row string conversion,
    so it is cheap on a 10M-row categorical column."""
    if weights is None:
        counts = values.value_counts(dropna=False, sort=False)
    else:
        counts = pd.Series(weights).groupby(values.reset_index(drop=True), dropna=False, observed=True, sort=False).sum()
    counts = counts[counts > 0]
    labels = [MISSING if pd.isna(k) else str(k) for k in counts.index]
    return pd.Series(counts.to_numpy(dtype=float), index=labels).groupby(level=0, sort=False).sum()


def _chi_square(sample_values: pd.Series, weights: np.ndarray, population_values: pd.Series) -> dict[str, Any]:
    pop = _counts(population_values)
    pop_share = pop / pop.sum()
    mask = weights > 0
    samp = _counts(sample_values[mask], weights[mask])
    n_eff = _kish(weights[mask])
    n_rows = int(mask.sum())
    cats = pop_share.index.union(samp.index)
    p = pop_share.reindex(cats, fill_value=0.0)
    s = (samp / samp.sum()).reindex(cats, fill_value=0.0) if samp.sum() > 0 else p * 0
    gaps = (s - p).abs()
    worst = gaps.idxmax() if len(gaps) else None
    gap_text = (
        f"{worst}: {s[worst]:.1%} of the sample vs {p[worst]:.1%} of the population" if worst is not None else ""
    )
    expected = p * n_eff
    observed = s * n_eff
    # Cochran's rule: pool categories expected fewer than 5 times (smallest first) until the pool has 5.
    pool, kept = [], list(expected.sort_values(kind="stable").index)
    while kept and (expected[kept[0]] < 5 or (pool and expected[pool].sum() < 5)):
        pool.append(kept.pop(0))
    obs = [observed[kept].to_numpy()]
    exp = [expected[kept].to_numpy()]
    if pool:
        obs.append([observed[pool].sum()])
        exp.append([expected[pool].sum()])
    obs_arr, exp_arr = np.concatenate(obs), np.concatenate(exp)
    result = {
        "kind": "category",
        "test": "chi-square goodness of fit",
        "n": n_rows,
        "n_effective": n_eff,
        "categories": int(len(cats)),
        "largest_gap": gap_text,
        "effect_measure": "Cramér's V",
    }
    if len(obs_arr) < 2 or n_eff <= 0:
        return {**result, "statistic": np.nan, "df": np.nan, "p_value": np.nan, "effect_size": np.nan,
                "untestable": ("no sampled values" if n_eff <= 0 else "only one category" if len(cats) < 2
                               else "only one category after pooling those expected fewer than 5 times")}
    if (exp_arr <= 0).any():
        # categories the population does not have at all: a sample outside the population
        return {**result, "statistic": np.inf, "df": len(obs_arr) - 1, "p_value": 0.0, "effect_size": 1.0}
    chi = stats.chisquare(obs_arr, exp_arr)
    df = len(obs_arr) - 1
    return {
        **result,
        "statistic": float(chi.statistic),
        "df": df,
        "p_value": float(chi.pvalue),
        "effect_size": float(math.sqrt(chi.statistic / (n_eff * df))),
    }


def _ks(sample_values: pd.Series, weights: np.ndarray, population_values: pd.Series) -> dict[str, Any]:
    values = pd.to_numeric(sample_values, errors="coerce").to_numpy(dtype=float)
    pop = np.sort(pd.to_numeric(population_values, errors="coerce").dropna().to_numpy(dtype=float))
    keep = ~np.isnan(values) & (weights > 0)
    values, w = values[keep], weights[keep]
    result = {"kind": "number", "test": "Kolmogorov–Smirnov (one-sample)", "n": int(keep.sum()),
              "categories": np.nan, "df": np.nan, "effect_measure": "KS D"}
    n_eff = _kish(w)
    if not len(values) or not len(pop):
        return {**result, "n_effective": n_eff, "statistic": np.nan, "p_value": np.nan, "effect_size": np.nan,
                "largest_gap": "", "untestable": "no values"}
    order = np.argsort(values, kind="stable")
    values, w = values[order], w[order] / w.sum()
    unique, first = np.unique(values, return_index=True)
    cum = np.cumsum(w)
    last = np.concatenate([first[1:], [len(values)]]) - 1
    f_after = cum[last]  # sample ECDF at each distinct value
    f_before = np.concatenate([[0.0], f_after[:-1]])  # just below it
    g_after = np.searchsorted(pop, unique, side="right") / len(pop)
    g_before = np.searchsorted(pop, unique, side="left") / len(pop)
    d = float(max(np.abs(f_after - g_after).max(), np.abs(f_before - g_before).max()))
    n_int = max(1, int(round(n_eff)))
    p_value = float(stats.kstwo.sf(d, n_int))
    mean_s = float((values * w).sum())
    gap = f"mean {mean_s:,.0f} in the sample vs {pop.mean():,.0f} in the population"
    return {**result, "n_effective": n_eff, "statistic": d, "p_value": p_value, "effect_size": d, "largest_gap": gap}


def _holm(p_values: np.ndarray) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values: ``max_{j<=i} min(1, (m - j + 1) p_(j))``.

    Hand-written (four lines) because statsmodels' ``multipletests`` forces a full garbage
    collection on every call, which dominates a simulation of many samples; it agrees with
    ``multipletests(method="holm")`` (tested).
    """
    order = np.argsort(p_values, kind="stable")
    m = len(p_values)
    stepped = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p_values[order]))
    out = np.empty(m)
    out[order] = stepped
    return out


def representativeness(
    sample: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    by: Sequence[str] = DEFAULT_BY,
    numeric: Sequence[str] = DEFAULT_NUMERIC,
    weight: str | None = None,
    alpha: float = 0.05,
    min_effect: float = 0.1,
) -> pd.DataFrame:
    """Does the sample look like the population? One test per variable, with effect size and verdict.

    * categories (``by``): chi-square goodness of fit of the sample's mix against the population's
      shares (``scipy.stats.chisquare``), categories expected fewer than 5 times pooled (Cochran
      1954); effect size Cramér's V = sqrt(chi² / (n (k - 1)));
    * numbers (``numeric``): one-sample Kolmogorov–Smirnov against the population's own
      distribution (the sample is part of it); effect size D, the largest gap between the two
      cumulative distributions; p-value from ``scipy.stats.kstwo``.

    With ``weight`` (e.g. ``"design_weight"``) the sample is weighted, which is how the estimates
    see it (a deliberately oversampled stratum then does not count against it), and ``n`` is
    Kish's effective sample size ``(sum w)² / sum w²``. p-values are Holm-adjusted across the
    variables tested (Holm 1979), so a proper random sample is flagged on any variable at
    most ``alpha`` of the time. Verdict: ``"not representative"`` when the adjusted p-value is below
    ``alpha`` *and* the effect size is at least ``min_effect`` (0.1: Cohen's "small"; a sample of
    thousands can be significantly but trivially different); ``"small difference"`` when only
    significant; ``"representative"`` otherwise; ``"not tested"`` with the reason.

    Parameters
    ----------
    sample, frame : DataFrame
        The sample and the population it was drawn from; not modified. ``weekday`` and
        ``hour_band`` are derived from ``arrived_at`` when asked for and absent.
    by, numeric : sequence of str, keyword-only
        Variables to compare. Those neither has are reported as not tested.
    weight : str, keyword-only
        Weight column of the sample, or None (unweighted).
    alpha, min_effect : float, keyword-only

    Returns
    -------
    DataFrame
        ``variable, kind, test, n, n_effective, categories, statistic, df, p_value, p_adjusted,
        effect_size, effect_measure, largest_gap, verdict``.
    """
    by = [by] if isinstance(by, str) else list(by)
    numeric = [numeric] if isinstance(numeric, str) else list(numeric)
    sample = _with_derived(sample, by)
    frame = _with_derived(frame, by)
    weights = _weights(sample, weight)
    rows = []
    for variable in [*by, *numeric]:
        kind = "category" if variable in by else "number"
        if variable not in sample or variable not in frame:
            rows.append({"variable": variable, "kind": kind, "untestable": "the data has no such column"})
            continue
        if frame[variable].isna().all():
            rows.append({"variable": variable, "kind": kind, "untestable": "no values (not mapped, or blank in every row)"})
            continue
        test = _chi_square if kind == "category" else _ks
        rows.append({"variable": variable, **test(sample[variable].reset_index(drop=True), weights, frame[variable])})
    columns = ["variable", "kind", "test", "n", "n_effective", "categories", "statistic", "df", "p_value",
               "p_adjusted", "effect_size", "effect_measure", "largest_gap", "verdict"]
    table = pd.DataFrame(rows)
    for column in [*columns, "untestable"]:
        if column not in table:
            table[column] = np.nan
    tested = table["p_value"].notna() & table["untestable"].isna()
    table["p_adjusted"] = np.nan
    if tested.any():
        table.loc[tested, "p_adjusted"] = _holm(table.loc[tested, "p_value"].to_numpy(dtype=float))
    verdicts = []
    for row in table.itertuples():
        if not isinstance(row.untestable, float) or not bool(tested[row.Index]):
            verdicts.append(f"not tested: {row.untestable}" if isinstance(row.untestable, str) else "not tested")
        elif row.p_adjusted < alpha and row.effect_size >= min_effect:
            verdicts.append("not representative")
        elif row.p_adjusted < alpha:
            verdicts.append("small difference")
        else:
            verdicts.append("representative")
    table["verdict"] = verdicts
    return table[columns]


def sample_mix(
    sample: pd.DataFrame, frame: pd.DataFrame, *, by: Sequence[str] = DEFAULT_BY, weight: str | None = DESIGN_WEIGHT
) -> pd.DataFrame:
    """Population vs sample mix per category (tidy): ``variable, category, population_share,
    sample_share`` (unweighted), ``weighted_share`` (with ``weight``; equals ``sample_share`` without).

    Variables the data lacks or leaves blank are left out.
    """
    by = [by] if isinstance(by, str) else list(by)
    sample = _with_derived(sample, by)
    frame = _with_derived(frame, by)
    weights = _weights(sample, weight if weight in sample else None)
    parts = []
    for variable in by:
        if variable not in sample or variable not in frame or frame[variable].isna().all():
            continue
        pop = _counts(frame[variable])
        pop = pop / pop.sum()
        plain = _counts(sample[variable])
        plain = plain / plain.sum() if plain.sum() > 0 else plain
        weighted = _counts(sample[variable], weights)
        weighted = weighted / weighted.sum() if weighted.sum() > 0 else weighted
        cats = pop.index.union(plain.index)
        if isinstance(frame[variable].dtype, pd.CategoricalDtype):
            known = [str(c) for c in frame[variable].cat.categories]
            cats = [c for c in known if c in set(cats)] + [c for c in cats if c not in set(known)]
        parts.append(
            pd.DataFrame(
                {
                    "variable": variable,
                    "category": list(cats),
                    "population_share": pop.reindex(cats, fill_value=0.0).to_numpy(),
                    "sample_share": plain.reindex(cats, fill_value=0.0).to_numpy(),
                    "weighted_share": weighted.reindex(cats, fill_value=0.0).to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["variable", "category", "population_share", "sample_share", "weighted_share"])
    return pd.concat(parts, ignore_index=True)


def _is_proportion(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values.dtype):
        return True
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(numbers)) and bool(numbers.isin([0, 1]).all())


def estimate_from_sample(
    scored: pd.DataFrame,
    *,
    value: str,
    weight: str | None = DESIGN_WEIGHT,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Weighted estimate of a population proportion or mean, with its confidence interval.

    Hájek (ratio) estimator within each domain ``d`` (all contacts, or each group of ``by``):
    ``y_d = sum_d w y / sum_d w`` over the scored contacts (those with a ``value``), which for a
    0/1 value is a proportion (e.g. the QA pass rate). Variance: Taylor linearisation under the
    with-replacement approximation, computed over the whole scored sample so domain sizes are
    random (Wolter 2007, 6; Särndal et al. 1992, 10.3),

    ``v = n/(n-1) * sum_{i in d} (w_i (y_i - y_d))² / (sum_d w)²``.

    Intervals: for a proportion, the Wilson score interval (statsmodels ``proportion_confint``)
    with the design-based effective sample size ``n_eff = y(1-y)/v`` (Korn & Graubard 1998), capped
    at the domain's n; Kish's ``(sum w)²/sum w²`` when ``y`` is 0 or 1. For a mean,
    ``y ± t_{n_d - 1} sqrt(v)``. Unscored contacts are left out (treated as missing at random within
    their domain).

    Parameters
    ----------
    scored : DataFrame
        The sample with its scores; not modified.
    value : str, keyword-only
        Column to estimate: boolean / 0-1 (a proportion) or numeric (a mean).
    weight : str, keyword-only
        Design weight column (None: equal weights, i.e. a simple random sample).
    by : str or sequence of str, keyword-only
        Domains (e.g. ``"team"``); None for the whole population.
    confidence : float, keyword-only

    Returns
    -------
    DataFrame
        One row per domain: the ``by`` columns, ``value, kind`` (``proportion`` / ``mean``),
        ``estimate, ci_low, ci_high, confidence, se, n`` (scored contacts), ``n_effective``,
        ``population`` (estimated domain size, sum of weights) and ``method``.
    """
    from statsmodels.stats.proportion import proportion_confint

    confidence = _check_fraction("confidence", confidence)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if value not in scored:
        raise ValueError(f"the scored sample has no column '{value}'")
    proportion = _is_proportion(scored[value])
    y_all = pd.to_numeric(scored[value].astype("Float64") if proportion else scored[value], errors="coerce")
    weights = _weights(scored, weight)
    keep = y_all.notna().to_numpy() & (weights > 0)
    y = y_all.to_numpy(dtype=float, na_value=np.nan)[keep]
    w = weights[keep]
    data = scored.loc[keep, by_cols].reset_index(drop=True) if by_cols else pd.DataFrame(index=range(int(keep.sum())))
    n_total = len(y)
    groups = data.groupby(by_cols, dropna=False, sort=True, observed=True).indices if by_cols else {(): np.arange(n_total)}
    rows = []
    for key, idx in groups.items():
        key = key if isinstance(key, tuple) else (key,)
        yd, wd = y[idx], w[idx]
        n_d, total_w = len(yd), float(wd.sum())
        # a weighted mean lies within the values' range; clipping removes float noise (0.999...)
        est = float(np.clip((wd * yd).sum() / total_w, yd.min(), yd.max())) if total_w > 0 else np.nan
        var = float(n_total / (n_total - 1) * ((wd * (yd - est)) ** 2).sum() / total_w**2) if n_total > 1 and total_w > 0 else np.nan
        kish = _kish(wd)
        row = dict(zip(by_cols, key, strict=True))
        if proportion:
            if np.isfinite(var) and var > 0 and 0 < est < 1:
                n_eff = min(est * (1 - est) / var, float(n_d))
            else:
                n_eff = kish
            if n_d and n_eff > 0:
                low, high = proportion_confint(est * n_eff, n_eff, alpha=1 - confidence, method="wilson")
            else:
                low = high = np.nan
            method = "Wilson score interval with the design-based effective sample size (Korn & Graubard 1998)"
        else:
            n_eff = kish
            if n_d > 1 and np.isfinite(var):
                half = float(stats.t.ppf(1 - (1 - confidence) / 2, n_d - 1)) * math.sqrt(var)
                low, high = est - half, est + half
            else:
                low = high = np.nan
            method = "Student t with the linearisation standard error"
        row.update(value=value, kind="proportion" if proportion else "mean", estimate=est, ci_low=float(min(low, est)),
                   ci_high=float(max(high, est)), confidence=confidence, se=math.sqrt(var) if np.isfinite(var) else np.nan,
                   n=n_d, n_effective=float(n_eff), population=total_w, method=method)
        rows.append(row)
    columns = [*by_cols, "value", "kind", "estimate", "ci_low", "ci_high", "confidence", "se", "n", "n_effective", "population", "method"]
    return pd.DataFrame(rows, columns=columns)
