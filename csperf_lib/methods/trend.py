"""Monotonic trend tests for KPI series: Mann–Kendall, seasonal Mann–Kendall, Sen's slope.

- :func:`mann_kendall` — Mann (1945) / Kendall (1975) test with the tie-corrected variance and
  the Theil–Sen slope (Sen 1968).
- :func:`seasonal_mann_kendall` — Hirsch, Slack & Smith (1982) seasonal Kendall test: S and its
  variance summed over seasons, slope = median of the within-season pairwise slopes.

Both return a :class:`MannKendall` (a frozen dataclass). Missing values (NaN ``y``, NaT/NaN
``x``) are dropped pairwise before anything is computed; ``n`` reports what was used. Too little
data gives NaN statistics, ``trend == "no trend"`` and a ``note`` saying why, never an exception.

Pairs are formed over all ``i < j`` and each contributes ``sgn(x_j − x_i)·sgn(y_j − y_i)``, so
the result does not depend on the row order when ``x`` is given; without ``x`` the row order is
the time order. Memory and time are O(n²) in the number of observations (per season for the
seasonal test), which is fine for KPI series of up to a few thousand points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _st

__all__ = ["MannKendall", "mann_kendall", "seasonal_mann_kendall"]

_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class MannKendall:
    """Result of a (seasonal) Mann–Kendall trend test with Sen's slope.

    Attributes
    ----------
    s : float
        Kendall's score :math:`S = \\sum_{i<j} \\operatorname{sgn}(x_j-x_i)\\operatorname{sgn}(y_j-y_i)`
        (summed over seasons for the seasonal test).
    var_s : float
        Variance of S under H0, corrected for ties (summed over seasons).
    z : float
        Normal score with continuity correction, :math:`(S - \\operatorname{sgn} S)/\\sqrt{\\operatorname{var} S}`.
    p : float
        Two-sided p-value :math:`2(1-\\Phi(|z|))`.
    tau : float
        Kendall's :math:`\\tau_b = S / D` with the tie-adjusted denominator
        :math:`D=\\sqrt{(n_0-n_1)(n_0-n_2)}` (for the seasonal test S / ΣD over seasons).
    slope : float
        Sen's slope: median of the pairwise slopes :math:`(y_j-y_i)/(x_j-x_i)`, per unit of
        ``x`` (per day for dates/times), per step when ``x`` is not given.
    intercept : float
        :math:`\\operatorname{median}(y) - \\text{slope}\\cdot\\operatorname{median}(x)`
        (Conover 1980), i.e. the line's value at ``x = 0``: the first step when ``x`` is not
        given, the first date/time when ``x`` holds dates/times.
    trend : str
        ``"increasing"`` or ``"decreasing"`` when ``p < alpha``, else ``"no trend"``.
    n : int
        Number of observations used (after dropping missing values).
    alpha : float
        Significance level used to call the trend.
    slope_unit : str
        ``"per step"``, ``"per day"`` or ``"per unit of x"``.
    seasons : int
        Number of seasons that contributed (1 for the plain test).
    note : str
        Empty, or why statistics are NaN or approximate.
    """

    s: float
    var_s: float
    z: float
    p: float
    tau: float
    slope: float
    intercept: float
    trend: str
    n: int
    alpha: float
    slope_unit: str
    seasons: int = 1
    note: str = ""


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _x_as_float(x, n: int) -> tuple[np.ndarray, str]:
    """Numeric positions of the observations and the unit a slope is expressed in."""
    if x is None:
        return np.arange(n, dtype=float), "per step"
    arr = np.asarray(x)
    if arr.shape != (n,):
        raise ValueError(f"x must have the same length as y ({n}), got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.number) and not np.issubdtype(arr.dtype, np.timedelta64):
        return arr.astype(float), "per unit of x"
    if np.issubdtype(arr.dtype, np.timedelta64):
        ns = arr.astype("timedelta64[ns]").astype("int64").astype(float)
        ns[np.isnat(arr)] = np.nan
        return ns / _NS_PER_DAY, "per day"
    # datetimes, dates, Timestamps, strings parseable as dates
    stamps = pd.to_datetime(pd.Series(arr, copy=True))
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = stamps.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(ns)
    days = np.full(n, np.nan)
    if (~missing).any():
        origin = ns[~missing].min()
        days[~missing] = (ns[~missing] - origin).astype("int64") / _NS_PER_DAY
    return days, "per day"


def _tie_terms(values: np.ndarray) -> tuple[float, float, float]:
    """Σt(t−1)(2t+5), Σt(t−1)(t−2) and Σt(t−1) over groups of tied values."""
    _, t = np.unique(values, return_counts=True)
    t = t[t > 1].astype(float)
    return (
        float(np.sum(t * (t - 1) * (2 * t + 5))),
        float(np.sum(t * (t - 1) * (t - 2))),
        float(np.sum(t * (t - 1))),
    )


@dataclass(frozen=True)
class _Group:
    s: float
    var_s: float
    denom: float
    slopes: np.ndarray
    n: int


def _kendall_group(y: np.ndarray, x: np.ndarray) -> _Group:
    """S, tie-corrected Var(S), τ_b denominator and pairwise slopes of one series."""
    n = y.size
    s = 0
    slopes: list[np.ndarray] = []
    for k in range(1, n):
        dy = y[k:] - y[:-k]
        dx = x[k:] - x[:-k]
        s += int(np.sum(np.sign(dy) * np.sign(dx)))
        ok = dx != 0
        if ok.any():
            slopes.append(dy[ok] / dx[ok])
    # Kendall (1976, Rank Correlation Methods, eq. 4.3): variance of S with ties in both
    # rankings; with no ties in x it reduces to the usual Mann–Kendall tie correction
    # [n(n−1)(2n+5) − Σt(t−1)(2t+5)]/18 (US EPA 2009 Unified Guidance §17.3.2).
    ty1, ty2, ty3 = _tie_terms(y)
    tx1, tx2, tx3 = _tie_terms(x)
    nn = float(n)
    var = (nn * (nn - 1) * (2 * nn + 5) - ty1 - tx1) / 18.0
    if n > 2:
        var += ty2 * tx2 / (9.0 * nn * (nn - 1) * (nn - 2))
    if n > 1:
        var += ty3 * tx3 / (2.0 * nn * (nn - 1))
    n0 = nn * (nn - 1) / 2.0
    denom = math.sqrt(max(n0 - ty3 / 2.0, 0.0) * max(n0 - tx3 / 2.0, 0.0))
    all_slopes = np.concatenate(slopes) if slopes else np.empty(0)
    return _Group(float(s), max(var, 0.0), denom, all_slopes, n)


def _finish(
    groups: list[_Group],
    y: np.ndarray,
    x: np.ndarray,
    *,
    alpha: float,
    unit: str,
    min_n: int,
) -> MannKendall:
    n = int(sum(g.n for g in groups))
    seasons = len(groups)
    nan = float("nan")
    if n < min_n or not groups:
        return MannKendall(
            nan, nan, nan, nan, nan, nan, nan, "no trend", n, alpha, unit, seasons,
            note=f"too few observations for a trend test (n = {n}, need at least {min_n})",
        )  # fmt: skip
    s = sum(g.s for g in groups)
    var_s = sum(g.var_s for g in groups)
    denom = sum(g.denom for g in groups)
    slopes = np.concatenate([g.slopes for g in groups])
    notes = []
    if var_s > 0:
        z = (s - math.copysign(1.0, s)) / math.sqrt(var_s) if s != 0 else 0.0
        p = float(2.0 * _st.norm.sf(abs(z)))
    else:
        z, p = 0.0, 1.0
        notes.append("all values tied: no evidence of a trend")
    if n < 10:
        notes.append("n < 10: the normal approximation for p is rough")
    tau = s / denom if denom > 0 else nan
    slope = float(np.median(slopes)) if slopes.size else nan
    intercept = float(np.median(y) - slope * np.median(x)) if slopes.size else nan
    trend = "no trend"
    if p < alpha:
        trend = "increasing" if s > 0 else "decreasing"
    return MannKendall(
        float(s), float(var_s), float(z), p, float(tau), slope, intercept, trend, n,
        float(alpha), unit, seasons, "; ".join(notes),
    )  # fmt: skip


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha!r}")
    return alpha


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def mann_kendall(y, x=None, *, alpha: float = 0.05) -> MannKendall:
    r"""Mann–Kendall test for a monotonic trend, with Sen's slope.

    .. math::

        S = \sum_{i<j} \operatorname{sgn}(x_j - x_i)\,\operatorname{sgn}(y_j - y_i), \qquad
        \operatorname{Var}(S) = \frac{n(n-1)(2n+5) - \sum_t t(t-1)(2t+5)}{18}

        z = \frac{S - \operatorname{sgn}(S)}{\sqrt{\operatorname{Var}(S)}}, \qquad
        p = 2\,[1 - \Phi(|z|)]

    where t runs over the sizes of groups of tied ``y`` values (Mann 1945; Kendall 1975;
    Gilbert 1987 §16.4; US EPA 2009 Unified Guidance §17.3.2). If ``x`` has ties too, Kendall's
    full variance with both tie corrections is used. Sen's (1968) slope is the median of
    :math:`(y_j - y_i)/(x_j - x_i)` over pairs with :math:`x_j \ne x_i`.

    Parameters
    ----------
    y : array_like
        The KPI series, in time order when ``x`` is not given.
    x : array_like, optional
        Times of the observations: numbers (slope per unit of x), or dates/datetimes/timedeltas
        (slope per day). Without it observations are equally spaced steps 0, 1, 2, ….
    alpha : float, keyword-only
        Two-sided significance level used to call ``trend`` (default 0.05).

    Returns
    -------
    MannKendall
        NaN statistics and a ``note`` when fewer than 3 observations remain after dropping
        missing values; ``z = 0, p = 1`` when every value is tied.
    """
    alpha = _check_alpha(alpha)
    yv = np.array(y, dtype=float).ravel()
    xv, unit = _x_as_float(x, yv.size)
    keep = ~(np.isnan(yv) | np.isnan(xv))
    yv, xv = yv[keep], xv[keep]
    groups = [_kendall_group(yv, xv)] if yv.size else []
    return _finish(groups, yv, xv, alpha=alpha, unit=unit, min_n=3)


def seasonal_mann_kendall(y, season, x=None, *, alpha: float = 0.05) -> MannKendall:
    r"""Seasonal Kendall test (Hirsch, Slack & Smith 1982) with the seasonal Sen slope.

    For each season g (e.g. month of year, day of week) compute :math:`S_g` and
    :math:`\operatorname{Var}(S_g)` as in :func:`mann_kendall` from that season's observations
    only; then

    .. math::

        S = \sum_g S_g, \qquad \operatorname{Var}(S) = \sum_g \operatorname{Var}(S_g), \qquad
        z = \frac{S - \operatorname{sgn}(S)}{\sqrt{\operatorname{Var}(S)}}

    (seasons treated as independent, as in R ``trend::smk.test`` and Hirsch & Slack 1984 before
    their covariance correction). The slope is the median of all within-season pairwise slopes
    (Hirsch et al. 1982); the intercept is ``median(y) − slope·median(x)`` over all data.

    Parameters
    ----------
    y : array_like
        The KPI series.
    season : array_like
        Season label of each observation (any hashable values), same length as ``y``.
    x : array_like, optional
        Times as in :func:`mann_kendall`. Without it the position in the whole series is used,
        so the slope is per step of the series (per month for monthly data; multiply by the
        number of seasons for a per-cycle slope).
    alpha : float, keyword-only
        Two-sided significance level used to call ``trend``.

    Returns
    -------
    MannKendall
        ``seasons`` counts the seasons with at least 2 observations (others add nothing to S).
        NaN statistics and a ``note`` when the seasons with 2 or more observations hold fewer
        than 3 observations in all.
    """
    alpha = _check_alpha(alpha)
    yv = np.array(y, dtype=float).ravel()
    labels = pd.Series(np.asarray(season, dtype=object).ravel(), copy=True)
    if labels.size != yv.size:
        raise ValueError(f"season must have the same length as y ({yv.size}), got {labels.size}")
    xv, unit = _x_as_float(x, yv.size)
    keep = ~(np.isnan(yv) | np.isnan(xv) | labels.isna().to_numpy())
    yv, xv, labels = yv[keep], xv[keep], labels[keep].reset_index(drop=True)
    codes, _ = pd.factorize(labels, sort=True)
    groups = []
    for g in np.unique(codes):
        idx = codes == g
        if idx.sum() >= 2:
            groups.append(_kendall_group(yv[idx], xv[idx]))
    used = np.isin(codes, [g for g in np.unique(codes) if (codes == g).sum() >= 2])
    return _finish(groups, yv[used], xv[used], alpha=alpha, unit=unit, min_n=3)
