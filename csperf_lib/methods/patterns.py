"""Broad patterns and the questions they raise: when contacts arrive, and which segments differ.

``arrival_profile`` aggregates contacts by weekday and hour in the store's engine (only 168 rows
come back). ``segment_differences`` works on the small tidy KPI frames of
:func:`csperf_lib.methods.kpis.compute_kpis`: for each KPI and segment dimension it tests whether the
segments differ at all (chi-square test of homogeneity for proportions; Welch's heteroscedastic
one-way ANOVA for means, from the segments' n, mean and standard deviation), then compares each
segment with the rest of the population (two-proportion z-test / Welch's t-test), and controls the
false discovery rate over every comparison made (Benjamini & Hochberg 1995, via statsmodels).
Only a segment whose difference survives that correction is reported as a finding, each with an
effect size (Cohen's h for proportions, Hedges' g for means) and one plain-English sentence.

Hand-written only where no library takes aggregates: Welch's ANOVA and the segment-versus-rest
tests are computed from counts, means and standard deviations so that no contact rows are pulled
out of the engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from csperf_lib.core.calendar import WEEKDAYS
from csperf_lib.core.formatting import format_p, format_value
from csperf_lib.core.tables import NOT_RECORDED
from csperf_lib.methods.compare import benjamini_hochberg, compare_means, compare_proportions


def arrival_profile(contacts) -> pd.DataFrame:
    """Contacts offered, answered and abandoned by weekday and hour of arrival.

    Parameters
    ----------
    contacts : ibis.Table or DataFrame
        The usable ``contacts`` table.

    Returns
    -------
    DataFrame
        ``weekday`` (0 = Monday), ``weekday_name``, ``hour`` (0-23), ``offered``, ``answered``,
        ``abandoned``, ``abandonment_rate`` (proportion 0-1 of offered), ``days`` (distinct dates
        with that weekday in the data) and ``offered_per_day`` (mean contacts in that hour on such a
        day).
    """
    import ibis

    table = ibis.memtable(contacts) if isinstance(contacts, pd.DataFrame) else contacts
    # Only the columns used: an export's own extra column ("Hour", "weekday") must not meet the
    # names computed here (the engine compares names without regard to case).
    table = table.select("arrived_at", "answered", "abandoned")
    at = table.arrived_at
    keyed = table.mutate(weekday=at.day_of_week.index(), hour=at.hour())
    grouped = (
        keyed.group_by(["weekday", "hour"])
        .aggregate(
            offered=keyed.count(),
            answered=keyed.answered.cast("int64").sum(),
            abandoned=keyed.abandoned.cast("int64").sum(),
        )
        .execute()
    )
    days = (
        table.mutate(weekday=at.day_of_week.index(), day=at.date())
        .group_by("weekday")
        .aggregate(days=lambda t: t.day.nunique())
        .execute()
    )
    frame = grouped.merge(days, on="weekday", how="left").sort_values(["weekday", "hour"]).reset_index(drop=True)
    frame["weekday_name"] = frame["weekday"].map(dict(enumerate(WEEKDAYS)))
    frame["abandonment_rate"] = frame["abandoned"] / frame["offered"]
    frame["offered_per_day"] = frame["offered"] / frame["days"]
    return frame[
        ["weekday", "weekday_name", "hour", "offered", "answered", "abandoned", "abandonment_rate", "days", "offered_per_day"]
    ]


def _welch_anova(n: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> tuple[float, float]:
    """Welch's (1951) one-way ANOVA from group sizes, means and standard deviations.

    w_i = n_i / s_i²; m = Σw_i x̄_i / Σw_i; A = Σw_i (x̄_i − m)² / (k − 1);
    B = 1 + 2(k − 2)/(k² − 1) · Σ (1 − w_i/Σw)² / (n_i − 1); F = A / B with
    df1 = k − 1, df2 = (k² − 1) / (3 Σ (1 − w_i/Σw)² / (n_i − 1)).
    Returns (F, p); NaN when fewer than two usable groups.
    """
    ok = (n >= 2) & (sd > 0)
    n, mean, sd = n[ok], mean[ok], sd[ok]
    k = len(n)
    if k < 2:
        return np.nan, np.nan
    w = n / sd**2
    m = np.sum(w * mean) / np.sum(w)
    tmp = np.sum((1 - w / np.sum(w)) ** 2 / (n - 1))
    a = np.sum(w * (mean - m) ** 2) / (k - 1)
    b = 1 + 2 * (k - 2) / (k**2 - 1) * tmp
    f = a / b
    df2 = (k**2 - 1) / (3 * tmp)
    return float(f), float(sps.f.sf(f, k - 1, df2))


def _pooled_rest(n: np.ndarray, mean: np.ndarray, sd: np.ndarray, i: int) -> tuple[float, float, float]:
    """n, mean and sd of every group but ``i`` combined (exact pooling of sums of squares)."""
    mask = np.arange(len(n)) != i
    nn, mm, ss = n[mask], mean[mask], sd[mask]
    total = nn.sum()
    if total < 2:
        return float(total), np.nan, np.nan
    grand = np.sum(nn * mm) / total
    sum_sq = np.sum((nn - 1) * ss**2 + nn * (mm - grand) ** 2)
    return float(total), float(grand), float(np.sqrt(sum_sq / (total - 1)))


#: Columns of :func:`segment_differences`.
DIFFERENCE_COLUMNS = ("kpi", "dimension", "segment", "value", "n", "rest_value", "rest_n", "difference", "effect_size",
                      "effect_measure", "overall_test", "overall_p", "p", "p_adjusted", "significant", "material",
                      "finding")


def _overall_test(kind: str, n: np.ndarray, value: np.ndarray, sd: np.ndarray | None) -> tuple[str, float]:
    """Do the segments differ at all? Chi-square test of homogeneity for a proportion (scipy
    ``chi2_contingency``), Welch's one-way ANOVA for a mean; the test's name and p."""
    if kind == "proportion":
        successes = np.round(value * n)
        table = np.column_stack([successes, n - successes])
        table = table[table.sum(axis=1) > 0]
        keep = table.sum(axis=0) > 0
        p = float(sps.chi2_contingency(table[:, keep])[1]) if keep.all() and len(table) >= 2 else np.nan
        return "chi-square test of homogeneity", p
    return "Welch's one-way ANOVA", _welch_anova(n, value, sd)[1]


def segment_differences(
    kpis: pd.DataFrame,
    *,
    segment: str,
    kinds: dict[str, str],
    alpha: float = 0.05,
    min_n: int = 30,
    min_effect: float = 0.2,
    lower_is_better: frozenset[str] | set[str] = frozenset(),
) -> pd.DataFrame:
    """Which segments differ significantly from the rest, per KPI, after FDR control.

    Parameters
    ----------
    kpis : DataFrame
        Rows of one segment dimension from ``compute_kpis`` (no period split): ``kpi``,
        ``segment`` column, ``value``, ``n``; mean KPIs also need ``sd``.
    segment : str, keyword-only
        The segment column (e.g. ``queue``).
    kinds : dict, keyword-only
        KPI id -> ``"proportion"`` or ``"mean"``; other kinds are skipped.
    alpha : float, keyword-only
        False discovery rate (Benjamini-Hochberg) over all segment-versus-rest comparisons.
    min_n : int, keyword-only
        Segments with fewer observations are not tested (reported as too small).
    min_effect : float, keyword-only
        Smallest absolute effect size worth a finding (default 0.2, Cohen's "small" for both h
        and g): with tens of thousands of contacts, trivial differences are statistically
        significant, so a finding needs both significance and at least this effect.
    lower_is_better : set of str, keyword-only
        KPI ids where a lower value is better (for the wording of findings).

    Returns
    -------
    DataFrame
        One row per KPI and segment tested: ``kpi, dimension, segment, value, n, rest_value,
        rest_n, difference, effect_size, effect_measure, overall_test, overall_p, p, p_adjusted,
        significant, material, finding`` (``material``: significant and abs(effect) >=
        ``min_effect``; ``finding`` is a sentence for material rows, else empty). Rows whose
        segment is null (e.g. no team recorded for unanswered contacts) are not tested.

    Notes
    -----
    Proportions: overall chi-square test of homogeneity on the segments x (success, failure)
    table (scipy ``chi2_contingency``); segment versus rest: two-proportion z-test with pooled
    variance; Cohen's h = 2 asin √p₁ − 2 asin √p₂ (Cohen 1988). Means: Welch's ANOVA overall;
    segment versus rest: Welch's t-test from summary statistics (scipy
    ``ttest_ind_from_stats``); Hedges' g with the small-sample correction J = 1 − 3/(4(n₁+n₂)−9).
    """
    rows = []
    for kpi, group in kpis.groupby("kpi", sort=False):
        kind = kinds.get(kpi)
        if kind not in ("proportion", "mean"):
            continue
        group = group.dropna(subset=["value", "n", segment])
        group = group[group["n"] >= 1]
        if len(group) < 2:
            continue
        n = group["n"].to_numpy(dtype=float)
        value = group["value"].to_numpy(dtype=float)
        if kind == "mean" and "sd" not in group:
            continue
        sd = group["sd"].to_numpy(dtype=float) if kind == "mean" else None
        overall, overall_p = _overall_test(kind, n, value, sd)
        for i, (_, row) in enumerate(group.iterrows()):
            rest_n = n.sum() - n[i]
            record = {
                "kpi": kpi, "dimension": segment, "segment": row[segment], "value": value[i], "n": int(n[i]),
                "rest_n": int(rest_n), "overall_test": overall, "overall_p": overall_p,
            }
            if kind == "proportion":
                rest_value = (np.sum(value * n) - value[i] * n[i]) / rest_n if rest_n else np.nan
                # large samples of KPI rates: the pooled z test throughout (no exact test)
                result = compare_proportions(value[i] * n[i], n[i], rest_value * rest_n, rest_n, exact_below=0)
                record.update(rest_value=rest_value, effect_size=result.effect, effect_measure="Cohen's h", p=result.p)
            else:
                r_n, r_mean, r_sd = _pooled_rest(n, value, sd, i)
                result = compare_means(value[i], sd[i], n[i], r_mean, r_sd, r_n)
                record.update(rest_value=r_mean, effect_size=result.effect, effect_measure="Hedges' g", p=result.p)
            if n[i] < min_n or str(row[segment]) == NOT_RECORDED:  # no value recorded: never judged
                record["p"] = np.nan
            record["difference"] = record["value"] - record["rest_value"]
            rows.append(record)
    columns = list(DIFFERENCE_COLUMNS)
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    tested = frame["p"].notna()
    frame["p_adjusted"] = np.nan
    frame["significant"] = False
    if tested.any():
        frame["p_adjusted"], frame["significant"] = benjamini_hochberg(frame["p"], alpha=alpha)
    frame["material"] = frame["significant"] & (frame["effect_size"].abs() >= min_effect)
    frame["finding"] = [
        _sentence(r, kinds[r.kpi], int(tested.sum()), lower_is_better) if r.material else ""
        for r in frame.itertuples()
    ]
    return frame[columns]


def _sentence(row, kind: str, comparisons: int, lower_is_better) -> str:
    higher = row.difference > 0
    better = higher != (row.kpi in lower_is_better)
    return (
        f"{row.kpi} in {row.dimension} '{row.segment}' is {format_value(row.value, kind)} (n = {row.n:,}), "
        f"{'higher' if higher else 'lower'} than the rest ({format_value(row.rest_value, kind)}, n = {row.rest_n:,}) — "
        f"{'better' if better else 'worse'}; significant after correcting for {comparisons} comparisons "
        f"({format_p(row.p_adjusted, adjusted=True)}, {row.effect_measure} {row.effect_size:+.2f})."
    )
