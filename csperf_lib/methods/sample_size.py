"""How many contacts a review needs: Cochran's sample size for a proportion.

:func:`sample_size` gives Cochran's (1977) :math:`n_0 = z^2 p(1-p)/e^2` with the finite-population
correction :math:`n = n_0 / (1 + (n_0 - 1)/N)`, rounded up (Cochran, W. G. 1977, *Sampling
Techniques*, 3rd ed., Wiley, eq. 4.2 and §4.4); :func:`sample_size_reasoning` returns the working
for a reader, :func:`sample_size_table` the sizes for several margins and confidence levels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from scipy import stats

__all__ = [
    "SampleSizeReasoning",
    "sample_size",
    "sample_size_reasoning",
    "sample_size_table",
]


def _check_fraction(name: str, value: float, *, closed: bool = False) -> float:
    value = float(value)
    ok = 0 <= value <= 1 if closed else 0 < value < 1
    if not ok or math.isnan(value):
        raise ValueError(f"{name} must be between 0 and 1 (exclusive), got {value!r}")
    return value


@dataclass(frozen=True)
class SampleSizeReasoning:
    """Cochran's sample size with every intermediate number, for showing the working.

    Attributes
    ----------
    confidence : float
        Confidence level, 0-1 (e.g. 0.95).
    margin : float
        Margin of error ``e`` as a proportion (0.05 = ±5 percentage points).
    p : float
        Anticipated proportion (0.5 is the least favourable, giving the largest n).
    z : float
        Two-sided standard normal quantile ``z_{1-(1-confidence)/2}`` (1.960 at 95 %).
    n0 : float
        ``z² p (1-p) / e²``, the sample size for an infinite population (unrounded).
    population : int or None
        Population size ``N``; None for an infinite population.
    n_exact : float
        ``n0 / (1 + (n0 - 1)/N)`` with a population, else ``n0`` (unrounded).
    n : int
        ``n_exact`` rounded up, and at most ``N``: the number of contacts to review.
    """

    confidence: float
    margin: float
    p: float
    z: float
    n0: float
    population: int | None
    n_exact: float
    n: int
    unit: str = "contacts"

    def describe(self) -> str:
        """The reasoning in words and numbers (Markdown)."""
        pct = f"±{self.margin * 100:.1f} percentage points"
        text = (
            f"To estimate a proportion (such as the QA pass rate) within {pct} with "
            f"{self.confidence:.0%} confidence, assuming p = {self.p:.0%} "
            f"({'the least favourable value, which gives the largest sample' if self.p == 0.5 else 'the anticipated proportion'}): "
            f"z = {self.z:.3f} and n₀ = z² × p(1 − p) / e² = {self.z:.3f}² × {self.p:.2f} × {1 - self.p:.2f} / "
            f"{self.margin:.3f}² = {self.n0:,.1f} (Cochran 1977, 4.2)."
        )
        if self.population is None:
            return text + f" Rounded up: **{self.n:,} {self.unit}** (rounding up keeps the margin within {pct})."
        population = "answered contacts" if self.unit == "contacts" else self.unit
        text += (
            f" The population is N = {self.population:,} {population}, so the finite-population "
            f"correction gives n = n₀ / (1 + (n₀ − 1)/N) = {self.n_exact:,.1f}"
        )
        if self.n >= self.population:
            return text + f", which is the whole population: review **all {self.population:,} {self.unit}**."
        return text + f", rounded up to **{self.n:,} {self.unit}** (rounding up keeps the margin within {pct})."


def sample_size_reasoning(
    population: int | None = None, *, confidence: float = 0.95, margin: float = 0.05, p: float = 0.5,
    unit: str = "contacts",
) -> SampleSizeReasoning:
    """Cochran's sample size for estimating a proportion, with the working (see :func:`sample_size`).

    ``unit`` names what is sampled in the wording ("contacts", "complaints").
    """
    confidence = _check_fraction("confidence", confidence)
    margin = _check_fraction("margin", margin)
    p = _check_fraction("p", p)
    if population is not None:
        population = int(population)
        if population < 0:
            raise ValueError(f"population must be >= 0, got {population}")
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    n0 = z**2 * p * (1 - p) / margin**2
    n_exact = n0 if population is None else (n0 / (1 + (n0 - 1) / population) if population else 0.0)
    # Round up; the tolerance keeps a float just above a whole number (384.0000000001) from
    # becoming the next one.
    n = int(math.ceil(n_exact - 1e-9))
    if population is not None:
        n = min(n, population)
    return SampleSizeReasoning(confidence, margin, p, z, n0, population, n_exact, n, unit)


def sample_size(population: int | None = None, *, confidence: float = 0.95, margin: float = 0.05, p: float = 0.5) -> int:
    """Contacts to review to estimate a proportion within ``±margin`` (Cochran 1977, 4.2-4.4).

    .. math::

        n_0 = \\frac{z^2 p (1-p)}{e^2}, \\qquad n = \\frac{n_0}{1 + (n_0 - 1)/N}

    where ``z`` is the two-sided standard normal quantile for ``confidence`` (1.960 at 95 %), ``e``
    the margin and ``N`` the population. With ``population`` the finite-population correction is
    applied (algebraically the Krejcie & Morgan 1970 formula
    ``chi² N P(1-P) / (d² (N-1) + chi² P(1-P))`` with ``chi² = z²``). The result is **rounded up**
    (so the margin is never exceeded) and is at most ``N``. Krejcie & Morgan rounded their table to
    the nearest whole number, so their entries equal ours or are one less.

    Parameters
    ----------
    population : int, optional
        Population size ``N`` (contacts); None for an infinite population (no correction).
    confidence : float, keyword-only
        Confidence level, 0-1.
    margin : float, keyword-only
        Margin of error as a proportion (0.05 = ±5 percentage points).
    p : float, keyword-only
        Anticipated proportion; 0.5 (the default) is the least favourable and gives the largest n.

    Returns
    -------
    int
        Sample size (contacts). 95 % and ±5 % give 385 without correction.
    """
    return sample_size_reasoning(population, confidence=confidence, margin=margin, p=p).n


def sample_size_table(
    population: int | None = None,
    *,
    margins: Sequence[float] = (0.03, 0.05, 0.10),
    confidences: Sequence[float] = (0.90, 0.95, 0.99),
    p: float = 0.5,
) -> pd.DataFrame:
    """Sample sizes for a grid of margins (rows, ``±`` percentage points) and confidence levels (columns)."""
    rows = {
        f"±{m * 100:g} points": {f"{c:.0%} confidence": sample_size(population, confidence=c, margin=m, p=p) for c in confidences}
        for m in margins
    }
    frame = pd.DataFrame(rows).T
    frame.index.name = "margin of error"
    return frame
