r"""Seasonality of a KPI series: STL decomposition into trend, seasonal and remainder.

A daily (or weekly) KPI series, e.g. one KPI of ``compute_kpis(..., period="day")``, is put on a
regular calendar (missing periods filled by linear interpolation, and counted) and decomposed with
STL, Seasonal-Trend decomposition using LOESS (Cleveland, Cleveland, McRae & Terpenning 1990,
*Journal of Official Statistics* 6(1)), robust version, from :class:`statsmodels.tsa.seasonal.STL`:

.. math:: y_t = T_t + S_t + R_t .

How strong each component is follows Wang, Smith & Hyndman (2006, *Data Mining and Knowledge
Discovery* 13) as given in Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd
ed.), §4.3:

.. math::

    F_S = \max\left(0,\ 1 - \frac{\mathrm{Var}(R_t)}{\mathrm{Var}(S_t + R_t)}\right), \qquad
    F_T = \max\left(0,\ 1 - \frac{\mathrm{Var}(R_t)}{\mathrm{Var}(T_t + R_t)}\right),

between 0 (none) and 1 (all the variation the remainder leaves is seasonal / trend); FPP3 reads
values above about 0.6 as strong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Decomposition", "decompose", "plot_decomposition"]

FRAME_COLUMNS = ("period", "observed", "trend", "seasonal", "resid")
#: Default seasonal period and calendar frequency of each spacing of the input.
DEFAULT_PERIODS = {"day": 7, "week": 52, "month": 12}
FREQUENCIES = {"day": "D", "week": "7D", "month": "MS"}
#: Smallest share of the calendar's periods that must be observed (not interpolated) for a
#: decomposition: below it the "seasonality" would be a shape drawn by the interpolation.
MIN_OBSERVED_SHARE = 0.8
CYCLE_WORDS = {
    "day": "weekly cycle of 7 days",
    "week": "yearly cycle of 52 weeks",
    "month": "yearly cycle of 12 months",
}


@dataclass(frozen=True)
class Decomposition:
    """An STL decomposition of one KPI series (see :func:`decompose`).

    Attributes
    ----------
    frame : DataFrame
        ``period`` (dates, regular), ``observed`` (after filling gaps), ``trend``, ``seasonal``,
        ``resid``; the last three NaN when no decomposition was made.
    seasonal_period : int or None
        Periods per seasonal cycle (7 for daily data); None when the spacing is unknown.
    strength_seasonal, strength_trend : float
        :math:`F_S` and :math:`F_T` (0-1); NaN when no decomposition was made.
    note : str
        What was done (cycle, gaps filled) or why no decomposition was made.
    spacing : str or None
        ``day``, ``week`` or ``month``: the spacing of the input's periods.
    filled : int
        Periods missing from the input and filled by linear interpolation.
    """

    frame: pd.DataFrame
    seasonal_period: int | None
    strength_seasonal: float = float("nan")
    strength_trend: float = float("nan")
    note: str = ""
    spacing: str | None = None
    filled: int = 0

    @property
    def decomposed(self) -> bool:
        """Whether an STL decomposition was made."""
        return bool(self.frame["trend"].notna().any())

    @property
    def sentence(self) -> str:
        """The result for a reader: the two strengths and what was done, or only why nothing was
        (never "strength nan")."""
        note = self.note[:1].upper() + self.note[1:] if self.note else ""
        if not (np.isfinite(self.strength_seasonal) and np.isfinite(self.strength_trend)):
            return note or "No seasonal decomposition was made."
        return (f"Seasonal strength {self.strength_seasonal:.2f}, trend strength {self.strength_trend:.2f}."
                + (f" {note}" if note else ""))


def _strength(resid: np.ndarray, component: np.ndarray) -> float:
    """:math:`\\max(0, 1 - \\mathrm{Var}(R)/\\mathrm{Var}(C + R))` (NaN when the latter is 0)."""
    total = float(np.var(component + resid))
    if total == 0 or not np.isfinite(total):
        return float("nan")
    return max(0.0, 1.0 - float(np.var(resid)) / total)


def _as_series(series: pd.DataFrame | pd.Series) -> pd.Series:
    """The input as a float Series indexed by sorted timestamps (a copy; the input is untouched)."""
    if isinstance(series, pd.Series):
        values = pd.Series(series.to_numpy(dtype="float64"), index=pd.DatetimeIndex(series.index))
    elif isinstance(series, pd.DataFrame):
        missing = [c for c in ("period", "value") if c not in series.columns]
        if missing:
            raise ValueError(
                f"the series frame needs columns period and value (missing {', '.join(missing)})"
            )
        if "kpi" in series.columns and series["kpi"].nunique(dropna=True) > 1:
            raise ValueError("the series frame holds several KPIs; pass one (filter on kpi first)")
        values = pd.Series(
            pd.to_numeric(series["value"], errors="coerce").to_numpy(dtype="float64"),
            index=pd.DatetimeIndex(series["period"]),
        )
    else:
        raise TypeError(
            "series must be a DataFrame with period and value, or a Series indexed by date"
        )
    values = values[values.index.notna()].sort_index()
    if values.index.has_duplicates:
        raise ValueError(
            "the series has several values for one period (segments?); pass one value per period"
        )
    return values.rename("observed")


def _spacing(index: pd.DatetimeIndex) -> str | None:
    """``day``, ``week`` or ``month`` from the median gap between periods (None if unclear)."""
    if len(index) < 2:
        return None
    gap = (
        float(np.median(np.diff(index.to_numpy()).astype("timedelta64[s]").astype("float64")))
        / 86_400
    )
    if gap <= 1.5:
        return "day"
    if 6 <= gap <= 8:
        return "week"
    if 27 <= gap <= 32:
        return "month"
    return None


def _skipped(
    values: pd.Series, *, seasonal_period: int | None, spacing: str | None, filled: int, note: str
) -> Decomposition:
    frame = pd.DataFrame(
        {
            "period": values.index.to_numpy(),
            "observed": values.to_numpy(),
            "trend": np.nan,
            "seasonal": np.nan,
            "resid": np.nan,
        }
    )
    return Decomposition(
        frame=frame, seasonal_period=seasonal_period, note=note, spacing=spacing, filled=filled
    )


def decompose(series: pd.DataFrame | pd.Series, *, period: int | None = None) -> Decomposition:
    r"""Robust STL decomposition of one KPI series, with the strength of its seasonality and trend.

    Parameters
    ----------
    series : DataFrame or Series
        A tidy frame with ``period`` (dates) and ``value`` for a single KPI and segment (e.g. one
        KPI of ``compute_kpis(..., period="day")``; a ``kpi`` column, if any, must hold one KPI),
        or a Series indexed by date. Never modified.
    period : int, optional, keyword-only
        Periods per seasonal cycle. Default: 7 for daily data (the weekly cycle), 52 for weekly
        and 12 for monthly data (the yearly cycle).

    Returns
    -------
    Decomposition
        Components on the regular calendar, :math:`F_S`, :math:`F_T` and a note. With fewer than
        two full cycles of data, or a spacing that is not daily, weekly or monthly and no
        ``period`` given, nothing is decomposed and ``note`` says why (no exception).

    Raises
    ------
    ValueError
        When the frame lacks ``period``/``value``, holds several KPIs or several values for one
        period.

    Notes
    -----
    Missing periods inside the range are added and filled by linear interpolation between their
    neighbours (counted in ``note`` and ``filled``); when fewer than :data:`MIN_OBSERVED_SHARE` of
    the periods are observed nothing is decomposed (the seasonality would be the interpolation's). The decomposition is
    ``statsmodels.tsa.seasonal.STL(y, period=period, robust=True).fit()`` (LOESS with the
    statsmodels defaults: seasonal smoother 7, trend smoother the next odd integer above
    :math:`1.5p / (1 - 1.5/7)`); robustness weights make the components resistant to outlying
    days (Cleveland et al. 1990). Strengths as in the module docstring (FPP3 §4.3).
    """
    from statsmodels.tsa.seasonal import STL

    values = _as_series(series).dropna()
    spacing = _spacing(values.index)
    filled = 0
    if spacing is not None:
        start = values.index.min().normalize() if spacing == "day" else values.index.min()
        full = pd.date_range(start, values.index.max(), freq=FREQUENCIES[spacing])
        if spacing == "day":
            values.index = values.index.normalize()
        if values.index.isin(full).all():
            filled = int(len(full) - len(values))
            values = values.reindex(full).interpolate(method="linear")
    seasonal_period = period if period is not None else DEFAULT_PERIODS.get(spacing or "", None)
    if seasonal_period is None:
        return _skipped(values, seasonal_period=None, spacing=spacing, filled=filled,
                        note="no seasonal decomposition: the periods are not daily, weekly or monthly; give period")
    if seasonal_period < 2:
        raise ValueError(f"period must be at least 2, not {seasonal_period}")
    observed = 1.0 - filled / len(values) if len(values) else 0.0
    if observed < MIN_OBSERVED_SHARE:
        return _skipped(values, seasonal_period=seasonal_period, spacing=spacing, filled=filled,
                        note=(f"no seasonal decomposition: only {observed:.0%} of the {len(values)} "
                              f"{spacing or 'period'}s in the range have data ({filled} would be interpolated; at "
                              f"least {MIN_OBSERVED_SHARE:.0%} must be observed)").replace("%", " %"))
    gaps = f"; {filled} missing {spacing or 'period'}(s) filled by linear interpolation" if filled else ""
    if len(values) < 2 * seasonal_period:
        return _skipped(values, seasonal_period=seasonal_period, spacing=spacing, filled=filled,
                        note=(f"no seasonal decomposition: fewer than two full cycles ({len(values)} periods, "
                              f"a cycle is {seasonal_period}){gaps}"))
    fit = STL(values, period=seasonal_period, robust=True).fit()
    trend, seasonal, resid = (
        np.asarray(x, dtype="float64") for x in (fit.trend, fit.seasonal, fit.resid)
    )
    frame = pd.DataFrame({"period": values.index.to_numpy(), "observed": values.to_numpy(), "trend": trend,
                          "seasonal": seasonal, "resid": resid})
    f_s, f_t = _strength(resid, seasonal), _strength(resid, trend)
    cycle = CYCLE_WORDS.get(spacing or "", f"cycle of {seasonal_period} periods")
    if period is not None and period != DEFAULT_PERIODS.get(spacing or ""):
        cycle = f"cycle of {seasonal_period} {spacing or 'period'}s"
    note = (
        f"robust STL over {len(values)} {spacing or 'period'}s ({len(values) / seasonal_period:.1f} cycles), "
        f"{cycle}; seasonal strength {f_s:.2f}, trend strength {f_t:.2f}{gaps}"
    )
    return Decomposition(frame=frame, seasonal_period=int(seasonal_period), strength_seasonal=f_s, strength_trend=f_t,
                         note=note, spacing=spacing, filled=filled)


def plot_decomposition(decomposition: Decomposition, *, title: str, unit: str = "value"):
    """Four stacked panels: observed, trend, seasonal and remainder, sharing the date axis.

    Parameters
    ----------
    decomposition : Decomposition
        A result of :func:`decompose` (with no decomposition only the observed panel has data).
    title : str, keyword-only
        Figure title (e.g. the KPI's name).
    unit : str, keyword-only
        Unit of the KPI, shown in each panel's title (e.g. ``"seconds"``, ``"proportion"``).

    Returns
    -------
    matplotlib.figure.Figure
        A new figure, not registered with pyplot (no global state touched).
    """
    from matplotlib.figure import Figure

    frame = decomposition.frame
    fig = Figure(figsize=(9, 8), layout="constrained")
    axes = fig.subplots(4, 1, sharex=True)
    panels = (
        ("observed", f"Observed ({unit})"),
        ("trend", f"Trend ({unit})"),
        ("seasonal", f"Seasonal, period {decomposition.seasonal_period} ({unit})"),
        ("resid", f"Remainder ({unit})"),
    )
    for ax, (column, label) in zip(axes, panels, strict=True):
        if column == "resid":
            ax.axhline(0, color="0.6", linewidth=0.8)
            ax.plot(frame["period"], frame[column], marker=".", linestyle="none", markersize=3)
        else:
            ax.plot(frame["period"], frame[column], linewidth=1)
        ax.set_title(label, loc="left", fontsize=10)
        ax.set_ylabel(unit)
    axes[-1].set_xlabel("period")
    strength = (
        f" — seasonal strength {decomposition.strength_seasonal:.2f}, "
        f"trend strength {decomposition.strength_trend:.2f}"
        if np.isfinite(decomposition.strength_seasonal)
        else ""
    )
    fig.suptitle(f"{title}{strength}")
    return fig
