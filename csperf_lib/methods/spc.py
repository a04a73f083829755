"""Shewhart control charts and run rules for KPI series.

- :func:`xmr_chart` — individuals and moving-range (XmR, I-MR) chart.
- :func:`p_chart` — proportion-defective chart with per-point limits for varying sizes.
- :func:`run_rules` — Western Electric (1956) or Nelson (1984) rules for special causes.

Shewhart constants for subgroups of 2 (moving ranges of two consecutive points) are the
tabulated values of ASTM STP 15D / Montgomery (2009, Appendix VI) used by the NIST/SEMATECH
e-Handbook §6.3.2: ``d2 = 1.128``, ``D3 = 0``, ``D4 = 3.267``; hence ``E2 = 3/d2 = 2.660``.

Missing values are skipped: they get no moving range and are never flagged, and a moving range
is taken between consecutive *observed* values. Too little data gives NaN limits and a ``note``
rather than an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["D2", "D3", "D4", "ControlChart", "p_chart", "run_rules", "xmr_chart"]

#: d2 for n = 2: expected range of two standard normal values (2/√π = 1.1284, tabulated 1.128).
D2 = 1.128
#: D3 for n = 2 (lower moving-range limit factor).
D3 = 0.0
#: D4 for n = 2 (upper moving-range limit factor, 1 + 3·d3/d2 with d3 = 0.853).
D4 = 3.267


@dataclass(frozen=True, eq=False)
class ControlChart:
    """A Shewhart control chart.

    Attributes
    ----------
    kind : str
        ``"xmr"`` or ``"p"``.
    center : float
        Centre line: mean of the individuals (XmR) or pooled proportion p̄ = Σd/Σn (p chart).
    ucl, lcl : float or numpy.ndarray
        Upper and lower control limits: floats for XmR, one value per point for a p chart.
    sigma : float or numpy.ndarray
        Estimated standard deviation behind the limits: MR̄/d2 (XmR), √(p̄(1−p̄)/nᵢ) per point (p).
    mr_bar : float
        Mean moving range (XmR); NaN for a p chart.
    ucl_mr : float
        Upper limit of the moving-range chart, D4·MR̄ (its lower limit is D3·MR̄ = 0); NaN for
        a p chart.
    n : int
        Number of points used (non-missing).
    points : pandas.DataFrame
        One row per input point (input order and index): ``value`` (the individual or the
        proportion), ``mr`` (XmR), ``ucl``, ``lcl``, and ``beyond_limits`` (strictly outside).
    note : str
        Empty, or why limits are NaN.
    """

    kind: str
    center: float
    ucl: float | np.ndarray
    lcl: float | np.ndarray
    sigma: float | np.ndarray
    mr_bar: float
    ucl_mr: float
    n: int
    points: pd.DataFrame
    note: str = ""


def _as_series(values, name: str) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.astype(float).copy()
    return pd.Series(np.array(values, dtype=float).ravel(), name=name)


def xmr_chart(x, *, bounds: tuple[float | None, float | None] | None = None) -> ControlChart:
    r"""Individuals and moving-range (XmR) chart.

    .. math::

        MR_i = |x_i - x_{i-1}|, \quad \overline{MR} = \frac{1}{n-1}\sum_{i=2}^n MR_i, \quad
        \hat\sigma = \overline{MR}/d_2

        \text{center} = \bar x, \quad UCL, LCL = \bar x \pm 3\hat\sigma
        = \bar x \pm 2.660\,\overline{MR}, \quad UCL_{MR} = D_4\,\overline{MR} = 3.267\,\overline{MR}

    (NIST/SEMATECH e-Handbook of Statistical Methods §6.3.2.2; Montgomery 2009 §6.4).

    Parameters
    ----------
    x : array_like or pandas.Series
        Individual values in time order; NaN values are skipped (see module docstring). A
        Series keeps its index in ``points``.
    bounds : (low, high), optional, keyword-only
        The scale's limits (a mean CSAT on 1-5 cannot pass 5, a proportion 0-1): the control
        limits are clipped to them, as the p chart's are to [0, 1]; ``None`` on a side leaves it
        open. The centre line and sigma (and so the run rules) are unchanged.

    Returns
    -------
    ControlChart
        With NaN limits and a note when fewer than 2 values are observed.
    """
    s = _as_series(x, "value")
    obs = s.dropna()
    n = int(obs.size)
    mr = obs.diff().abs()
    center = float(obs.mean()) if n else float("nan")
    note = ""
    if n < 2:
        mr_bar = sigma = ucl = lcl = ucl_mr = float("nan")
        note = f"need at least 2 values for a moving range (n = {n})"
    else:
        mr_bar = float(mr.iloc[1:].mean())
        sigma = mr_bar / D2
        ucl = center + 3.0 * sigma
        lcl = center - 3.0 * sigma
        low, high = bounds or (None, None)
        ucl = min(ucl, high) if high is not None else ucl
        lcl = max(lcl, low) if low is not None else lcl
        ucl_mr = D4 * mr_bar
    points = pd.DataFrame({"value": s, "mr": mr.reindex(s.index)}, index=s.index)
    points["ucl"] = ucl
    points["lcl"] = lcl
    points["beyond_limits"] = (points["value"] > ucl) | (points["value"] < lcl)
    return ControlChart("xmr", center, ucl, lcl, sigma, mr_bar, ucl_mr, n, points, note)


def p_chart(defectives, sizes) -> ControlChart:
    r"""Proportion-defective (p) chart with limits for each point's sample size.

    .. math::

        \bar p = \frac{\sum d_i}{\sum n_i}, \qquad
        UCL_i, LCL_i = \bar p \pm 3\sqrt{\bar p(1-\bar p)/n_i}, \text{ clipped to } [0, 1]

    (NIST/SEMATECH e-Handbook §6.3.3.1; Montgomery 2009 §7.2). For a contact centre,
    "defective" may be an abandoned call, a missed SLA, a failed QA check.

    Parameters
    ----------
    defectives : array_like
        Count of defectives per sample (e.g. per day).
    sizes : array_like or scalar
        Sample sizes (broadcast against ``defectives``). Points with a missing count or a size
        of 0 are skipped: their proportion and limits are NaN.

    Returns
    -------
    ControlChart
        ``ucl``, ``lcl`` and ``sigma`` are arrays, one per point.
    """
    d_in = _as_series(defectives, "defectives")
    d, m = np.broadcast_arrays(d_in.to_numpy(dtype=float), np.asarray(sizes, dtype=float))
    d, m = d.astype(float, copy=True), m.astype(float, copy=True)
    with np.errstate(invalid="ignore"):
        if np.any((d < 0) | (m < 0) | (d > m)):
            raise ValueError("counts must satisfy 0 <= defectives <= sizes")
    ok = ~np.isnan(d) & ~np.isnan(m) & (m > 0)
    n = int(ok.sum())
    note = ""
    if n == 0:
        center = float("nan")
        note = "no sample with a positive size"
    else:
        center = float(d[ok].sum() / m[ok].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.where(ok, np.sqrt(center * (1.0 - center) / m), np.nan)
        prop = np.where(ok, d / m, np.nan)
    ucl = np.where(ok, np.minimum(1.0, center + 3.0 * sigma), np.nan)
    lcl = np.where(ok, np.maximum(0.0, center - 3.0 * sigma), np.nan)
    points = pd.DataFrame(
        {"value": prop, "defectives": d, "size": m, "ucl": ucl, "lcl": lcl}, index=d_in.index
    )
    points["beyond_limits"] = (points["value"] > ucl) | (points["value"] < lcl)
    nan = float("nan")
    return ControlChart("p", center, ucl, lcl, sigma, nan, nan, n, points, note)


# --------------------------------------------------------------------------------------------
# run rules
# --------------------------------------------------------------------------------------------

#: Rule code -> description.
RULES = {
    "western_electric": {
        "WE1": "1 point beyond 3 sigma",
        "WE2": "2 of 3 consecutive points beyond 2 sigma on the same side",
        "WE3": "4 of 5 consecutive points beyond 1 sigma on the same side",
        "WE4": "8 consecutive points on the same side of the centre line",
    },
    "nelson": {
        "N1": "1 point beyond 3 sigma",
        "N2": "9 points in a row on the same side of the centre line",
        "N3": "6 points in a row steadily increasing or decreasing",
        "N4": "14 points in a row alternating up and down",
        "N5": "2 of 3 points in a row beyond 2 sigma on the same side",
        "N6": "4 of 5 points in a row beyond 1 sigma on the same side",
        "N7": "15 points in a row within 1 sigma of the centre line",
        "N8": "8 points in a row beyond 1 sigma, on either side",
    },
}


def _windows(flags: np.ndarray, width: int) -> np.ndarray:
    """Count of True in each window of ``width`` ending at i (0 before a full window)."""
    c = np.concatenate([[0], np.cumsum(flags.astype(int))])
    out = np.zeros(flags.size, dtype=int)
    if flags.size >= width:
        out[width - 1 :] = c[width:] - c[:-width]
    return out


def _k_of_m(z: np.ndarray, k: int, m: int, level: float) -> np.ndarray:
    """Points completing a window of m with ≥ k beyond ``level`` on one side, itself among them."""
    up, down = z > level, z < -level
    return ((_windows(up, m) >= k) & up) | ((_windows(down, m) >= k) & down)


def _run(flags: np.ndarray, length: int) -> np.ndarray:
    return _windows(flags, length) == length


def run_rules(x, center: float, sigma: float, *, rules: str = "western_electric") -> pd.DataFrame:
    """Points that break the Western Electric or Nelson run rules.

    With :math:`z_i = (x_i - \\text{center})/\\sigma`:

    Western Electric (1956, *Statistical Quality Control Handbook*):
    WE1 one point with :math:`|z| > 3`; WE2 two of three consecutive points with
    :math:`z > 2` (or :math:`z < -2`); WE3 four of five consecutive with :math:`z > 1` (or
    :math:`< -1`); WE4 eight consecutive points on one side of the centre.

    Nelson (1984, *J. Quality Technology* 16:237–239): N1 one point beyond 3σ; N2 nine in a row
    on one side; N3 six in a row steadily increasing or decreasing (five strict steps); N4
    fourteen in a row alternating up and down; N5 two of three beyond 2σ on one side; N6 four of
    five beyond 1σ on one side; N7 fifteen in a row within 1σ (:math:`|z| < 1`); N8 eight in a
    row beyond 1σ on either side (:math:`|z| > 1`).

    A point is flagged for a rule when it *completes* a qualifying window; for the "k of m"
    rules it must itself be one of the k points. A long run therefore flags each point from the
    one that completes it onwards. A point exactly on the centre line is on neither side;
    equal consecutive values break N3 and N4. Missing values are skipped (runs continue over
    them).

    Parameters
    ----------
    x : array_like or pandas.Series
        The plotted values in time order.
    center, sigma : float
        Centre line and the sigma behind the limits (e.g. from :func:`xmr_chart`).
    rules : {"western_electric", "nelson"}, keyword-only
        Rule set.

    Returns
    -------
    pandas.DataFrame
        One row per (point, rule) broken, sorted by position then rule, with columns
        ``position`` (0-based position in ``x``), ``label`` (the Series index label or the
        position), ``value``, ``z``, ``rule`` (code such as ``"WE2"`` or ``"N5"``), ``start``
        (position where the qualifying window starts) and ``description``. Empty when nothing is
        flagged; also empty, with ``attrs["note"]`` set, when ``sigma`` is not a positive
        finite number or ``center`` is NaN.
    """
    key = str(rules).lower().replace("-", "_").replace(" ", "_")
    if key not in RULES:
        raise ValueError(f"rules must be 'western_electric' or 'nelson', got {rules!r}")
    s = _as_series(x, "value")
    columns = ["position", "label", "value", "z", "rule", "start", "description"]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    center, sigma = float(center), float(sigma)
    if not (np.isfinite(sigma) and sigma > 0 and np.isfinite(center)):
        empty.attrs["note"] = f"no rules evaluated: sigma = {sigma!r}, center = {center!r}"
        return empty
    pos_all = np.arange(s.size)
    observed = ~s.isna().to_numpy()
    pos = pos_all[observed]
    v = s.to_numpy()[observed]
    z = (v - center) / sigma
    above, below = z > 0, z < 0
    step = np.sign(np.diff(v))
    inc = np.concatenate([[False], step > 0])
    dec = np.concatenate([[False], step < 0])
    alt = np.zeros(v.size, dtype=bool)  # point i ends two steps of opposite sign
    alt[2:] = step[1:] * step[:-1] < 0

    if key == "western_electric":
        checks = {
            "WE1": (np.abs(z) > 3, 1),
            "WE2": (_k_of_m(z, 2, 3, 2.0), 3),
            "WE3": (_k_of_m(z, 4, 5, 1.0), 5),
            "WE4": (_run(above, 8) | _run(below, 8), 8),
        }
    else:
        checks = {
            "N1": (np.abs(z) > 3, 1),
            "N2": (_run(above, 9) | _run(below, 9), 9),
            "N3": (_run(inc, 5) | _run(dec, 5), 6),
            "N4": (_run(alt, 12), 14),
            "N5": (_k_of_m(z, 2, 3, 2.0), 3),
            "N6": (_k_of_m(z, 4, 5, 1.0), 5),
            "N7": (_run(np.abs(z) < 1, 15), 15),
            "N8": (_run(np.abs(z) > 1, 8), 8),
        }
    rows = []
    labels = s.index
    for code, (hit, width) in checks.items():
        for i in np.flatnonzero(hit):
            rows.append(
                {
                    "position": int(pos[i]),
                    "label": labels[pos[i]],
                    "value": float(v[i]),
                    "z": float(z[i]),
                    "rule": code,
                    "start": int(pos[max(i - width + 1, 0)]),
                    "description": RULES[key][code],
                }
            )
    if not rows:
        return empty
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["position", "rule"], kind="stable").reset_index(drop=True)
