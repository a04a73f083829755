"""Stage 02: statistically sized, representative QA samples, reviewer worksheets, estimates.

Commercial QA tools assign "5 random calls per agent per month" and stop there. This module answers
the questions a quality reviewer (and an assessor) asks of a QA sample:

1. **How many contacts to review** to estimate a pass rate within a stated margin:
   :func:`sample_size` (Cochran 1977, with the finite-population correction; it reproduces the
   Krejcie & Morgan 1970 table), and, for lot-by-lot acceptance of an agent-month of contacts,
   :func:`acceptance_plan` (ISO 2859-1 single sampling, normal inspection).
2. **How to draw them so they represent the population** (channel, queue, team, time of day):
   :func:`allocate` and :func:`draw_sample` (stratified simple random sampling without
   replacement; proportional, Neyman 1934 or equal allocation; oversampled strata; a per-agent
   minimum), and :func:`systematic_sample`.
3. **How to prove it is representative**: :func:`representativeness` (chi-square goodness of fit
   for categories, one-sample Kolmogorov–Smirnov against the population for numbers, effect sizes,
   Holm's adjustment across the variables tested, a plain verdict).
4. **How to turn the scored sample back into population estimates** with honest intervals:
   :func:`estimate_from_sample` (Hájek weighted estimator, linearisation variance).

The population
--------------
QA reviews *answered* contacts: an unanswered or abandoned contact has no agent handling to score.
The population is therefore the usable (validated) contacts of the review period with
``answered`` true; :func:`sampling_frame` pulls exactly those rows from the store, and only the
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
:func:`estimate_from_sample` uses the Hájek (ratio) estimator ``sum(w*y)/sum(w)`` within each
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

import copy
import functools
import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from csperf_lib.core.errors import ConfigError
from csperf_lib.core.exports import FORMULA_STARTS, neutralise_formulas, write_csv, write_xlsx
from csperf_lib.core.sections import section_link
from csperf_lib.core.settings import section_settings
from csperf_lib.ingest.schemas import QaEvaluationsModel

__all__ = [
    "AcceptancePlan",
    "Allocation",
    "DesignPreview",
    "SampleSizeReasoning",
    "WorksheetScores",
    "acceptance_plan",
    "agent_coverage",
    "agent_coverage_overview",
    "agent_month_plans",
    "allocate",
    "allocation_view",
    "design_preview",
    "draw_sentence",
    "draw_sample",
    "estimate_from_sample",
    "inspection_levels_table",
    "iso2859_tables",
    "plan_overview",
    "population_overview",
    "qa_estimates",
    "qa_results",
    "read_worksheet",
    "representativeness",
    "representativeness_view",
    "reviewer_worksheet",
    "sample_mix",
    "sample_size",
    "sample_size_reasoning",
    "sample_size_table",
    "sampling_explorer",
    "sampling_frame",
    "sampling_summary",
    "scores_sentence",
    "scorecard_items",
    "strata_sentence",
    "systematic_sample",
    "tables_sentence",
    "usable_strata",
    "write_worksheet",
]

#: Default stratification: only those the data has values for are used.
DEFAULT_STRATA = ("channel", "queue", "team")
#: Categorical variables the representativeness check compares by default.
DEFAULT_BY = ("channel", "queue", "team", "region", "weekday", "hour_band")
#: Numeric variables the representativeness check compares by default (seconds).
DEFAULT_NUMERIC = ("handle_s", "wait_s")
#: Variability column for Neyman allocation: handle time (talk + hold + wrap, seconds), the
#: available proxy for how much contacts of a stratum differ from one another.
VARIABILITY = "handle_s"
AGENT = "agent_id"
DESIGN_WEIGHT = "design_weight"
ALLOCATIONS = ("proportional", "neyman", "equal")
INSPECTION_LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
#: AQL (% of contacts with a critical error) used for agent-month acceptance plans by default.
DEFAULT_AQL = 1.0
#: An evaluation passes with no failed critical item and at least this share of the points.
PASS_MARK = 0.8
#: A critical item fails below this share of its maximum: 1 = any score below the maximum, as the
#: KPI catalogue's ``qa_critical_pass_ratio`` default (``csperf_lib.methods.kpis``); pass the config's value.
CRITICAL_FAIL_BELOW = 1.0
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Time-of-day bands (start hour, label) derived from the arrival time.
HOUR_BANDS = ((0, "night 00-08"), (8, "morning 08-12"), (12, "afternoon 12-17"), (17, "evening 17-24"))
MISSING = "(blank)"
#: Categorical columns :func:`sampling_frame` pulls (when the contacts table has them).
FRAME_CATEGORIES = ("channel", "queue", "team", "region", "agent_id")
#: Categorical columns :func:`complaint_frame` pulls (when the complaints table has them).
COMPLAINT_CATEGORIES = ("queue", "category", "channel", "region", "status")
#: Flags :func:`sampling_frame` pulls, usable with ``oversample``.
FRAME_FLAGS = ("escalated", "transferred")
#: Contact details the worksheet shows (identifiers, categories, times; never free text).
WORKSHEET_DETAILS = (
    "contact_id", "complaint_id", "category", "status", "agent_id", "team", "channel", "queue", "region", "arrived_at", "weekday",
    "hour_band", "handle_s", "wait_s", "escalated", "transferred",
)
WORKSHEET_DIR = "sample"
WORKSHEET_NAME = "qa_worksheet"
WORKSHEET_SHEET = "worksheet"
#: Scorecard used when the store has no QA evaluations to take it from: (item, max_score, critical).
DEFAULT_SCORECARD = (
    ("greeting", 5, False),
    ("identification_and_security", 1, True),
    ("needs_analysis", 5, False),
    ("accuracy_of_information", 5, True),
    ("resolution", 5, False),
    ("empathy", 5, False),
    ("compliance_statement", 1, True),
    ("wrap_up_notes", 5, False),
)
_ITEM_HEADER = re.compile(r"^score: (?P<item>\S+) \(0-(?P<max>[0-9.]+)(?P<critical>, critical)?\)$")


# ------------------------------------------------------------------------------------------------
# How many: Cochran and ISO 2859-1
# ------------------------------------------------------------------------------------------------


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


@functools.lru_cache(maxsize=1)
def _iso_tables() -> dict[str, Any]:
    path = resources.files("csperf_lib").joinpath("data", "iso2859_1_tables.json")
    return json.loads(path.read_text(encoding="utf-8"))


def iso2859_tables() -> dict[str, Any]:
    """The library's copy of the ISO 2859-1 tables (``csperf_lib/data/iso2859_1_tables.json``).

    Keys: ``level_II_code_letters`` (lot size range -> letter), ``code_letters`` (Table 1 for every
    inspection level), ``normal_single_effective_n`` / ``_Ac`` / ``_Re`` (Table 2-A by letter and
    AQL, arrows resolved), ``nominal_sample_size`` (each letter's own n). A copy: edit freely.
    """
    return copy.deepcopy(_iso_tables())


@dataclass(frozen=True)
class AcceptancePlan:
    """An ISO 2859-1 single sampling plan for normal inspection.

    Attributes
    ----------
    lot_size : int
        Items in the lot (contacts of one agent-month).
    aql : float
        Acceptance quality limit, % nonconforming (contacts with a critical error).
    inspection_level : str
        One of ``S-1 .. S-4, I, II, III``.
    code_letter : str
        Sample size code letter for the lot size and level (Table 1).
    n : int
        Contacts to inspect (the effective sample size after following any arrow).
    accept : int
        Acceptance number Ac: accept the lot with at most this many nonconforming contacts.
    reject : int
        Rejection number Re: reject the lot with this many or more.
    plan_code_letter : str
        Letter whose plan is used; differs from ``code_letter`` when the table cell is an arrow.
    arrow : str or None
        ``"down"`` (use the first plan below the arrow: larger n), ``"up"`` (first plan above:
        smaller n), or None.
    inspect_all : bool
        ``n`` equals or exceeds the lot size: inspect every contact (the Table 2-A footnote).
    """

    lot_size: int
    aql: float
    inspection_level: str
    code_letter: str
    n: int
    accept: int
    reject: int
    plan_code_letter: str
    arrow: str | None
    inspect_all: bool


def _lot_row(lot_size: int, ranges: Sequence[str]) -> int:
    for i, label in enumerate(ranges):
        low, _, high = label.partition("-")
        if label.endswith("+"):
            if lot_size >= int(label[:-1]):
                return i
        elif int(low) <= lot_size <= int(high):
            return i
    raise ValueError(f"lot size {lot_size} is outside ISO 2859-1 Table 1 (lots of 2 or more items)")


def _aql_key(aql: float | str, keys: Sequence[str]) -> str:
    for key in keys:
        if math.isclose(float(key), float(aql), rel_tol=1e-9):
            return key
    raise ValueError(f"AQL {aql} is not a preferred AQL of ISO 2859-1; use one of {', '.join(keys)}")


def acceptance_plan(lot_size: int, *, aql: float | str, inspection_level: str = "II") -> AcceptancePlan:
    """ISO 2859-1 single sampling plan, normal inspection, for one lot.

    Treat an agent-month of contacts as the lot and contacts with a critical error as nonconforming:
    review ``n`` contacts; accept the agent-month if at most ``accept`` have a critical error,
    reject it (act: coaching, 100 % review) at ``reject`` or more.

    Table 1 gives the code letter from the lot size and inspection level; Table 2-A gives n, Ac and
    Re by code letter and AQL. Where Table 2-A holds an arrow the plan of the first letter below
    (``arrow="down"``) or above (``"up"``) with a plan is used, with that letter's sample size; the
    library's table has the arrows resolved (effective n) and :attr:`AcceptancePlan.arrow` reports
    them by comparing the effective n with the letter's own. When ``n`` equals or exceeds the lot
    size, every item is inspected (``inspect_all``).

    Parameters
    ----------
    lot_size : int
        Items in the lot (>= 2).
    aql : float or str, keyword-only
        A preferred AQL (0.010 ... 1000, % nonconforming or nonconformities per 100 items).
    inspection_level : str, keyword-only
        ``"II"`` (general level II, the default), ``"I"``, ``"III"`` or special ``"S-1"`` .. ``"S-4"``
        (small samples where inspection is costly, as QA reviews are).

    Returns
    -------
    AcceptancePlan

    Examples
    --------
    >>> plan = acceptance_plan(2000, aql=0.65)   # Montgomery's textbook example
    >>> plan.code_letter, plan.n, plan.accept, plan.reject
    ('K', 125, 2, 3)
    """
    tables = _iso_tables()
    lot_size = int(lot_size)
    if inspection_level not in tables["code_letters"]["levels"]:
        raise ValueError(f"inspection level must be one of {', '.join(INSPECTION_LEVELS)}, got {inspection_level!r}")
    row = _lot_row(lot_size, tables["code_letters"]["lot_sizes"])
    letter = tables["code_letters"]["levels"][inspection_level][row]
    key = _aql_key(aql, list(tables["normal_single_effective_n"][letter]))
    n = int(tables["normal_single_effective_n"][letter][key])
    nominal = tables["nominal_sample_size"]["n"]
    plan_letter = next(k for k, v in nominal.items() if v == n)
    arrow = None if n == nominal[letter] else ("down" if n > nominal[letter] else "up")
    return AcceptancePlan(
        lot_size=lot_size,
        aql=float(key),
        inspection_level=inspection_level,
        code_letter=letter,
        n=n,
        accept=int(tables["normal_single_Ac"][letter][key]),
        reject=int(tables["normal_single_Re"][letter][key]),
        plan_code_letter=plan_letter,
        arrow=arrow,
        inspect_all=n >= lot_size,
    )


def _plan_record(plan: AcceptancePlan) -> dict[str, Any]:
    return {
        "code_letter": plan.code_letter,
        "n": plan.n,
        "accept": plan.accept,
        "reject": plan.reject,
        "arrow": {"down": "↓ below", "up": "↑ above"}.get(plan.arrow or "", ""),
        "inspect_all": plan.inspect_all,
    }


def inspection_levels_table(lot_size: int, *, aql: float = DEFAULT_AQL) -> pd.DataFrame:
    """The plan for one lot size at every inspection level (one row per level)."""
    rows = []
    for level in INSPECTION_LEVELS:
        plan = acceptance_plan(lot_size, aql=aql, inspection_level=level)
        rows.append({"inspection_level": level, "lot_size": lot_size, "aql_pct": plan.aql, **_plan_record(plan)})
    return pd.DataFrame(rows)


def agent_month_plans(
    frame: pd.DataFrame,
    *,
    aql: float = DEFAULT_AQL,
    inspection_level: str = "II",
    agent: str = AGENT,
    time: str = "arrived_at",
) -> pd.DataFrame:
    """ISO 2859-1 plan of every agent-month lot (an agent's answered contacts in one calendar month).

    Returns one row per agent and month: ``agent_id, month, lot_size, code_letter, n, accept,
    reject, arrow, inspect_all``. Empty (with those columns) when the data has no agents.
    """
    columns = [agent, "month", "lot_size", "code_letter", "n", "accept", "reject", "arrow", "inspect_all"]
    if agent not in frame or time not in frame or frame[agent].isna().all():
        return pd.DataFrame(columns=columns)
    data = frame[[agent, time]].dropna()
    when = pd.to_datetime(data[time])
    month = (when.dt.year * 100 + when.dt.month).rename("month")  # integers: no 10M strings
    lots = data.groupby([data[agent], month], observed=True).size().rename("lot_size").reset_index()
    lots[agent] = lots[agent].astype(str)
    lots["month"] = [f"{m // 100:04d}-{m % 100:02d}" for m in lots["month"].astype(int)]
    lots = lots[lots["lot_size"] >= 2]
    plans = [_plan_record(acceptance_plan(int(s), aql=aql, inspection_level=inspection_level)) for s in lots["lot_size"]]
    return pd.concat([lots.reset_index(drop=True), pd.DataFrame(plans, columns=columns[3:])], axis=1)[columns]


def plan_overview(plans: pd.DataFrame) -> pd.DataFrame:
    """Agent-month plans grouped by plan: how many agent-months, their lot sizes, n, Ac, Re."""
    columns = ["code_letter", "n", "accept", "reject", "arrow", "agent_months", "smallest_lot", "largest_lot", "inspect_all"]
    if plans.empty:
        return pd.DataFrame(columns=columns)
    grouped = plans.groupby(["code_letter", "n", "accept", "reject", "arrow"], sort=True).agg(
        agent_months=("lot_size", "size"),
        smallest_lot=("lot_size", "min"),
        largest_lot=("lot_size", "max"),
        inspect_all=("inspect_all", "sum"),
    )
    return grouped.reset_index()[columns]


# ------------------------------------------------------------------------------------------------
# The sampling frame (in the engine)
# ------------------------------------------------------------------------------------------------


def _hour_band(hours: np.ndarray) -> pd.Categorical:
    starts = np.array([s for s, _ in HOUR_BANDS])
    codes = np.searchsorted(starts, np.asarray(hours), side="right") - 1
    return pd.Categorical.from_codes(codes.astype("int8"), categories=[label for _, label in HOUR_BANDS], ordered=True)


def _weekday(index: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(index).astype("int8"), categories=list(WEEKDAYS), ordered=True)


def _with_derived(frame: pd.DataFrame, wanted: Sequence[str]) -> pd.DataFrame:
    """``frame`` with ``weekday`` / ``hour_band`` derived from ``arrived_at`` when wanted and absent."""
    missing = [c for c in ("weekday", "hour_band") if c in wanted and c not in frame]
    if not missing or "arrived_at" not in frame:
        return frame
    arrived = pd.to_datetime(frame["arrived_at"])
    extra = {}
    blank = arrived.isna().to_numpy()
    if "weekday" in missing:
        codes = np.where(blank, -1, arrived.dt.day_of_week.fillna(0).to_numpy(dtype=np.int64))
        extra["weekday"] = pd.Categorical.from_codes(codes.astype("int8"), categories=list(WEEKDAYS), ordered=True)
    if "hour_band" in missing:
        band = _hour_band(arrived.dt.hour.fillna(0).to_numpy(dtype=np.int64))
        codes = np.where(blank, -1, band.codes)
        extra["hour_band"] = pd.Categorical.from_codes(codes.astype("int8"), categories=band.categories, ordered=True)
    return frame.assign(**extra)


def sampling_frame(contacts, *, chunk_size: int = 1_000_000) -> pd.DataFrame:
    """The population to sample: answered contacts, only the columns sampling needs.

    Runs in the store's engine (an Ibis table): filters answered contacts and selects the
    identifier, the stratification columns, the agent, the arrival time with its weekday
    (0 = Monday) and hour, handle time (``talk_s + hold_s + wrap_s``, seconds; missing hold/wrap
    count as 0), wait time and the escalation/transfer flags. The result is streamed in batches of
    ``chunk_size`` rows into preallocated arrays: text categories become pandas categoricals
    straight from Arrow's dictionary indices (1-2 bytes a row, no Python strings), so a
    10M-contact population takes about 50 bytes a contact. Rows are in source-record order (they
    are reordered only if the engine returned them otherwise), so the same store and seed always
    give the same sample.

    Parameters
    ----------
    contacts : ibis.Table
        The usable ``contacts`` table (``store.table("contacts")``).
    chunk_size : int, keyword-only
        Rows transferred at a time (memory bound).

    Returns
    -------
    DataFrame
        ``contact_id`` (string), the categorical columns of :data:`FRAME_CATEGORIES` the table has
        (``category``), ``arrived_at``, ``weekday`` and ``hour_band`` (ordered categories),
        ``handle_s`` and ``wait_s`` (float seconds) and the flags of :data:`FRAME_FLAGS` (boolean)
        when the table has their sources. All-null columns are kept: :func:`usable_strata` says so.
    """
    import ibis
    import pyarrow as pa
    import pyarrow.compute as pc

    t = contacts
    names = set(t.columns)
    pop = t.filter(t.answered.fill_null(False))
    select: dict[str, Any] = {"contact_id": pop.contact_id.cast("string")}
    categories = [c for c in FRAME_CATEGORIES if c in names]
    for column in categories:
        select[column] = pop[column].cast("string")
    select["arrived_at"] = pop.arrived_at
    select["_weekday"] = pop.arrived_at.day_of_week.index().cast("int8")
    select["_hour"] = pop.arrived_at.hour().cast("int8")
    numbers = []
    if "talk_s" in names:
        handle = pop.talk_s
        for part in ("hold_s", "wrap_s"):
            if part in names:
                handle = handle + pop[part].fill_null(0)
        select["handle_s"] = handle.cast("float64")
        numbers.append("handle_s")
    if "wait_s" in names:
        select["wait_s"] = pop.wait_s.cast("float64")
        numbers.append("wait_s")
    flags = [f for f in FRAME_FLAGS if f in names]
    for flag in flags:
        select[flag] = pop[flag].cast("boolean")
    select["_order"] = pop["_row" if "_row" in names else "contact_id"]
    expr = pop.select(**select)
    rows = int(pop.count().execute())
    levels = {}
    for column in categories:
        values = pop.select(v=pop[column].cast("string")).distinct().filter(ibis._.v.notnull()).execute()["v"]
        levels[column] = pd.Index(sorted(values.astype(str)))
    # the smallest integer type pandas uses for these categories, so from_codes does not copy
    codes = {c: np.full(rows, -1, dtype=np.int8 if len(levels[c]) < 127 else np.int16 if len(levels[c]) < 32_767 else np.int32) for c in categories}
    arrived = np.empty(rows, dtype="datetime64[us]")
    weekday = np.empty(rows, dtype=np.int8)
    hour = np.empty(rows, dtype=np.int8)
    values = {c: np.full(rows, np.nan) for c in numbers}
    flag_values = {f: np.zeros(rows, dtype=bool) for f in flags}
    flag_blank = {f: np.ones(rows, dtype=bool) for f in flags}
    numeric_order = "_row" in names
    order_values = np.empty(rows, dtype=np.int64) if numeric_order else None
    ids, order_parts = [], []
    at = 0
    for batch in expr.to_pyarrow_batches(chunk_size=chunk_size):
        size = batch.num_rows
        if not size:
            continue
        stop = min(at + size, rows)
        size = stop - at  # guard: the table cannot grow between the count and the scan
        col = {name: batch.column(name).slice(0, size) for name in batch.schema.names}
        # Copies, not views: an array imported from the engine keeps its whole batch alive.
        ids.append(pa.concat_arrays([col["contact_id"].cast(pa.large_string())]))
        for column in categories:
            encoded = pc.dictionary_encode(col[column])
            lookup = levels[column].get_indexer(encoded.dictionary.to_pandas().astype(str))
            index = encoded.indices.to_numpy(zero_copy_only=False)
            valid = ~np.asarray(encoded.is_null())
            target = codes[column][at:stop]
            target[valid] = lookup[index[valid].astype(np.int64)]
        arrived[at:stop] = col["arrived_at"].cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
        weekday[at:stop] = col["_weekday"].to_numpy(zero_copy_only=False)
        hour[at:stop] = col["_hour"].to_numpy(zero_copy_only=False)
        for column in numbers:
            values[column][at:stop] = col[column].to_numpy(zero_copy_only=False)
        for flag in flags:
            present = col[flag].is_valid().to_numpy(zero_copy_only=False)
            flag_blank[flag][at:stop] = ~present
            flag_values[flag][at:stop] = col[flag].fill_null(False).to_numpy(zero_copy_only=False)
        if numeric_order:
            order_values[at:stop] = col["_order"].to_numpy(zero_copy_only=False)
        else:
            order_parts.append(pa.concat_arrays([col["_order"].cast(pa.large_string())]))
        at = stop
        del batch, col
    rows = at
    permutation = None
    if rows > 1 and numeric_order:
        order_values = order_values[:rows]
        if not (order_values[1:] > order_values[:-1]).all():
            permutation = np.argsort(order_values, kind="stable")
    elif rows > 1:
        order = pa.chunked_array(order_parts, type=pa.large_string())
        if not pc.all(pc.greater(order[1:], order[:-1])).as_py():
            permutation = pc.sort_indices(order).to_numpy()
        del order
    del order_values, order_parts

    def arranged(array: np.ndarray) -> np.ndarray:
        array = array[:rows]
        return array if permutation is None else array[permutation]

    id_array = pa.chunked_array(ids, type=pa.large_string()) if ids else pa.chunked_array([], type=pa.large_string())
    if permutation is not None:
        id_array = id_array.take(pa.array(permutation))
    out: dict[str, Any] = {"contact_id": pd.array(pd.arrays.ArrowStringArray(id_array), dtype="string")}
    for column in categories:
        out[column] = pd.Categorical.from_codes(arranged(codes.pop(column)), categories=levels[column])
    out["arrived_at"] = arranged(arrived)
    out["weekday"] = _weekday(arranged(weekday))
    out["hour_band"] = _hour_band(arranged(hour))
    for column in numbers:
        out[column] = arranged(values.pop(column))
    for flag in flags:
        out[flag] = pd.arrays.BooleanArray(arranged(flag_values[flag]), arranged(flag_blank[flag]))
    return pd.DataFrame(out, copy=False)


def population_unit(frame: pd.DataFrame) -> str:
    """What the rows of a sampling frame are: ``"contacts"`` or ``"complaints"`` (``frame.attrs``)."""
    return frame.attrs.get("unit", "contacts")


def complaint_frame(complaints) -> pd.DataFrame:
    """The population to sample in a review without contact records: every usable complaint.

    A complaint-handling quality review scores how each case was handled and answered. The frame
    has the case identifier as ``complaint_id``, the complaint's categories (``queue`` = product or
    service area, ``category``, ``channel``, ``region``, ``status``) as categoricals, and the
    receipt time as ``arrived_at`` so that weekday and time-of-day bands are derived as for
    contacts. Rows are in source-record order so the same store and seed give the same sample.

    Parameters
    ----------
    complaints : ibis.Table
        The usable ``complaints`` table.

    Returns
    -------
    DataFrame
        With ``attrs["unit"] = "complaints"`` (see :func:`population_unit`).
    """
    names = set(complaints.columns)
    picks = ["complaint_id", *[c for c in COMPLAINT_CATEGORIES if c in names]]
    order = "_row" if "_row" in names else "complaint_id"
    frame = complaints.select(*picks, arrived_at=complaints.received_at, _order=complaints[order]).execute()
    frame = frame.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
    frame["complaint_id"] = frame["complaint_id"].astype("string")
    for column in picks[1:]:
        frame[column] = frame[column].astype("category")
    frame["arrived_at"] = pd.to_datetime(frame["arrived_at"])
    frame = _with_derived(frame, ("weekday", "hour_band"))
    frame.attrs["unit"] = "complaints"
    return frame


def review_population(store) -> pd.DataFrame:
    """What a review samples for quality review: answered contacts (:func:`sampling_frame`), or in
    a review without contact records every complaint (:func:`complaint_frame`)."""
    if store.has("contacts"):
        return sampling_frame(store.table("contacts"))
    return complaint_frame(store.table("complaints"))


def population_overview(frame: pd.DataFrame, *, agent: str = AGENT) -> pd.DataFrame:
    """One-row description of the population: contacts (or complaints), agents, first and last arrival."""
    arrived = frame["arrived_at"] if "arrived_at" in frame else pd.Series(dtype="datetime64[ns]")
    if population_unit(frame) == "complaints":
        return pd.DataFrame([{"complaints": len(frame), "first_received": arrived.min() if len(arrived) else pd.NaT,
                              "last_received": arrived.max() if len(arrived) else pd.NaT}])
    return pd.DataFrame(
        [
            {
                "answered_contacts": len(frame),
                "agents": int(frame[agent].nunique()) if agent in frame else 0,
                "first_contact": arrived.min() if len(arrived) else pd.NaT,
                "last_contact": arrived.max() if len(arrived) else pd.NaT,
            }
        ]
    )


# ------------------------------------------------------------------------------------------------
# Allocation
# ------------------------------------------------------------------------------------------------


def usable_strata(frame: pd.DataFrame, strata: Sequence[str] | None = None) -> tuple[tuple[str, ...], dict[str, str]]:
    """Split ``strata`` into the columns that can divide the population and the skipped ones.

    A column is skipped when the data does not have it, when it has no values, or when it has a
    single value (it cannot divide anything). ``weekday`` and ``hour_band`` are derived from
    ``arrived_at`` when asked for.

    Returns
    -------
    (tuple of str, dict of str to str)
        Columns used, in the order given; skipped column -> reason in plain words.
    """
    strata = tuple(DEFAULT_STRATA if strata is None else ([strata] if isinstance(strata, str) else strata))
    frame = _with_derived(frame, strata)
    used, skipped = [], {}
    for column in dict.fromkeys(strata):
        if column not in frame:
            skipped[column] = "the data has no such column (it is not mapped for this source)"
            continue
        values = frame[column]
        present = values.notna().to_numpy()
        if not present.any():
            skipped[column] = "it has no values (not mapped for this source, or blank in every row)"
        elif present.all() and values.nunique() == 1:
            skipped[column] = f"it has a single value ({values.iloc[0]}), so it cannot divide the population"
        else:
            used.append(column)
    return tuple(used), skipped


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
    method, used_variability = allocation, None
    sd = np.full(len(keys), np.nan)
    if allocation == "neyman":
        if variability is None or variability not in frame or frame[variability].notna().sum() < 2:
            method = "proportional"
            notes.append(
                f"Neyman allocation needs a variability column ({variability or 'none given'}), which the data "
                "does not have, so proportional allocation was used"
            )
        else:
            values = pd.to_numeric(frame[variability], errors="coerce").to_numpy(dtype=float)
            sd = _stratum_sd(values, codes, len(keys))
            pooled = float(np.nanstd(values, ddof=1)) if np.isfinite(values).sum() > 1 else np.nan
            sd = np.where(np.isnan(sd), pooled, sd)
            if not np.isfinite(pooled) or pooled == 0:
                method = "proportional"
                notes.append(f"{variability} does not vary, so Neyman allocation reduces to proportional")
            else:
                used_variability = variability
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
    result = Allocation(
        table=table,
        n=int(sample.sum()),
        population=total,
        strata=tuple(columns),
        skipped=skipped,
        requested=allocation,
        method=method,
        variability=used_variability,
        note="; ".join(notes),
    )
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
        The population (e.g. from :func:`sampling_frame`); not modified.
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
        Contacts for the stratified sample (e.g. :func:`sample_size`); capped at the population.
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
        notes.append(f"per_agent={k} was ignored: the data has no agents ({agent})")
        k = 0
    cell_of_selected = cell_pi = None
    if k and rows:
        agent_codes, agent_labels = _codes(frame[agent])
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
# Representativeness
# ------------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------------
# Estimation
# ------------------------------------------------------------------------------------------------


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
        row.update(
            value=value,
            kind="proportion" if proportion else "mean",
            estimate=est,
            ci_low=float(min(low, est)),
            ci_high=float(max(high, est)),
            confidence=confidence,
            se=math.sqrt(var) if np.isfinite(var) else np.nan,
            n=n_d,
            n_effective=float(n_eff),
            population=total_w,
            method=method,
        )
        rows.append(row)
    columns = [*by_cols, "value", "kind", "estimate", "ci_low", "ci_high", "confidence", "se", "n", "n_effective", "population", "method"]
    return pd.DataFrame(rows, columns=columns)


# ------------------------------------------------------------------------------------------------
# Scorecard, worksheet, read-back
# ------------------------------------------------------------------------------------------------


def scorecard_items(evaluations=None) -> pd.DataFrame:
    """The scorecard: ``item, max_score, critical``, one row per item, in first-seen order.

    Parameters
    ----------
    evaluations : DataFrame or ibis.Table, optional
        QA evaluations in the canonical long format (an Ibis table is aggregated in the engine).
        None or empty: :data:`DEFAULT_SCORECARD`.
    """
    columns = ["item", "max_score", "critical"]
    default = pd.DataFrame(list(DEFAULT_SCORECARD), columns=columns)
    if evaluations is None:
        return default
    if not isinstance(evaluations, pd.DataFrame):
        t = evaluations
        order = t["_row"] if "_row" in t.columns else t["max_score"]
        crit = t["critical"].fill_null(False).cast("int8").max() if "critical" in t.columns else order.min() * 0
        evaluations = (
            t.group_by("item").aggregate(max_score=t["max_score"].max(), critical=crit, _first=order.min())
            .order_by("_first")
            .execute()
        )
        evaluations["critical"] = evaluations["critical"].astype(bool)
    if evaluations.empty or "item" not in evaluations:
        return default
    frame = evaluations.assign(_seen=np.arange(len(evaluations)))
    critical = frame["critical"].astype("boolean").fillna(False) if "critical" in frame else False
    frame = frame.assign(critical=critical)
    grouped = frame.groupby("item", sort=False).agg(max_score=("max_score", "max"), critical=("critical", "max"), _seen=("_seen", "min"))
    out = grouped.sort_values("_seen").reset_index()[columns]
    out["item"] = out["item"].astype(str)
    out["max_score"] = out["max_score"].astype(float)
    out["critical"] = out["critical"].astype(bool)
    return out


def _item_header(item: str, max_score: float, critical: bool) -> str:
    return f"score: {item} (0-{max_score:g}{', critical' if critical else ''})"


def reviewer_worksheet(sample: pd.DataFrame, *, scorecard: pd.DataFrame | None = None, agent: str = AGENT) -> pd.DataFrame:
    """The reviewer worksheet: one row per sampled contact, its details, blank scorecard columns.

    Columns: ``sample_no``; the contact details of :data:`WORKSHEET_DETAILS` the sample has
    (identifiers, categories, times and numbers only: free text never goes in); ``stratum``,
    ``selected_by``, ``design_weight`` (keep them: the estimates need them); blank
    ``evaluator_id`` and ``evaluated_at``; then one blank column per scorecard item headed
    ``score: <item> (0-<max>[, critical])``. Rows are ordered by agent and arrival time.
    """
    scorecard = scorecard_items(None) if scorecard is None else scorecard
    details = [c for c in WORKSHEET_DETAILS if c in sample]
    sort = [c for c in (agent, "arrived_at", "contact_id") if c in sample]
    ordered = sample.sort_values(sort, kind="stable") if sort and len(sample) else sample
    out = pd.DataFrame(index=range(len(ordered)))
    out["sample_no"] = np.arange(1, len(ordered) + 1)
    for column in details:
        values = ordered[column].reset_index(drop=True)
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype("string")
        if column in ("handle_s", "wait_s"):
            values = values.round(0)
        out[column] = values
    for column in ("stratum", "selected_by", DESIGN_WEIGHT):
        if column in ordered:
            out[column] = ordered[column].reset_index(drop=True)
    out["evaluator_id"] = pd.Series([pd.NA] * len(out), dtype="string")
    out["evaluated_at"] = pd.Series([pd.NaT] * len(out), dtype="datetime64[ns]")
    for item in scorecard.itertuples():
        out[_item_header(item.item, float(item.max_score), bool(item.critical))] = pd.Series([np.nan] * len(out), dtype="float64")
    return out


def write_worksheet(worksheet: pd.DataFrame, run_dir: str | Path, *, scorecard: pd.DataFrame | None = None) -> dict[str, str]:
    """Write ``<run_dir>/sample/qa_worksheet.xlsx`` and ``.csv`` (formula-safe); return relative paths.

    The workbook has the worksheet (sheet ``worksheet``, header frozen, each score cell limited to
    0..max by data validation) and a ``scorecard`` sheet listing the items. Paths are returned
    relative to ``run_dir`` (``{"xlsx": "sample/qa_worksheet.xlsx", "csv": ...}``), because the run
    folder is renamed after the run.
    """
    from openpyxl import load_workbook
    from openpyxl.worksheet.datavalidation import DataValidation


    run_dir = Path(run_dir)
    folder = run_dir / WORKSHEET_DIR
    xlsx = folder / f"{WORKSHEET_NAME}.xlsx"
    csv = folder / f"{WORKSHEET_NAME}.csv"
    write_csv(worksheet, csv)
    write_xlsx(worksheet, xlsx, sheet=WORKSHEET_SHEET)
    book = load_workbook(xlsx)
    sheet = book[WORKSHEET_SHEET]
    last = max(len(worksheet) + 1, 2)
    for i, column in enumerate(worksheet.columns, start=1):
        match = _ITEM_HEADER.match(str(column))
        if not match:
            continue
        letter = sheet.cell(row=1, column=i).column_letter
        rule = DataValidation(type="decimal", operator="between", formula1="0", formula2=match["max"], allow_blank=True)
        rule.error = f"Score {match['item']} from 0 to {match['max']}"
        rule.errorTitle = "Score out of range"
        sheet.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}{last}")
    items = scorecard if scorecard is not None else pd.DataFrame(
        [(m["item"], float(m["max"]), bool(m["critical"])) for m in map(_ITEM_HEADER.match, map(str, worksheet.columns)) if m],
        columns=["item", "max_score", "critical"],
    )
    info = book.create_sheet("scorecard")
    info.append(["item", "max_score", "critical"])
    for row in neutralise_formulas(items[["item", "max_score", "critical"]]).itertuples(index=False):
        info.append([str(row.item), float(row.max_score), bool(row.critical)])
    info.append([])
    info.append(["How to fill in: score each item of each row from 0 to its maximum (blank = not scored yet). "
                 "A critical item scored below its maximum fails the evaluation (unless the review config's "
                 f"kpis.qa_critical_pass_ratio says otherwise); otherwise it passes at {PASS_MARK:.0%} of the points. "
                 "Keep the design_weight column: the estimates need it."])
    book.save(xlsx)
    return {"xlsx": xlsx.relative_to(run_dir).as_posix(), "csv": csv.relative_to(run_dir).as_posix()}


@dataclass(frozen=True)
class WorksheetScores:
    """A filled worksheet read back.

    Attributes
    ----------
    evaluations : DataFrame
        The scores in the canonical ``qa_evaluations`` long format (one row per contact and item:
        ``evaluation_id, contact_id, agent_id, evaluator_id, evaluated_at, item, score, max_score,
        critical``), validated against the pandera schema.
    scored : DataFrame
        One row per scored contact: the worksheet's details and ``design_weight`` plus
        ``score, max_score, score_pct, critical_failed, passed`` (see :func:`qa_results`).
    problems : DataFrame
        Cells that could not be used: ``sample_no, column, value, problem``.
    rows : int
        Rows in the worksheet.
    rows_scored : int
        Rows with at least one usable score.
    """

    evaluations: pd.DataFrame
    scored: pd.DataFrame
    problems: pd.DataFrame
    rows: int
    rows_scored: int


def _unneutralise(values: pd.Series) -> pd.Series:

    text = values.astype("string")
    quoted = text.str.startswith("'").fillna(False) & text.str[1:2].isin(list(FORMULA_STARTS)).fillna(False)
    return text.where(~quoted, text.str[1:])


def qa_results(
    evaluations: pd.DataFrame, *, pass_mark: float = PASS_MARK, critical_ratio: float = CRITICAL_FAIL_BELOW
) -> pd.DataFrame:
    """Per evaluation: total ``score``, ``max_score``, ``score_pct`` (share of the points, 0-1),
    ``critical_failed`` and ``passed``.

    A critical item fails when it scores below ``critical_ratio`` of its maximum (the review
    config's ``kpis.qa_critical_pass_ratio``; 1, the default, means any score below the maximum,
    the same rule as the ``qa_critical_fail_rate`` KPI). An evaluation passes with no failed
    critical item and ``score_pct >= pass_mark`` (:data:`PASS_MARK`, 80 %).
    """
    if evaluations.empty:
        return pd.DataFrame(columns=["evaluation_id", "contact_id", "agent_id", "score", "max_score", "score_pct", "critical_failed", "passed"])
    frame = evaluations.assign(
        _crit_fail=evaluations["critical"].astype("boolean").fillna(False).astype(bool)
        & (evaluations["score"] < critical_ratio * evaluations["max_score"])
    )
    out = frame.groupby("evaluation_id", sort=False).agg(
        contact_id=("contact_id", "first"),
        agent_id=("agent_id", "first"),
        score=("score", "sum"),
        max_score=("max_score", "sum"),
        critical_failed=("_crit_fail", "any"),
    )
    out["score_pct"] = out["score"] / out["max_score"]
    out["passed"] = ~out["critical_failed"] & (out["score_pct"] >= pass_mark - 1e-12)
    return out.reset_index()[["evaluation_id", "contact_id", "agent_id", "score", "max_score", "score_pct", "critical_failed", "passed"]]


def read_worksheet(
    path: str | Path, *, pass_mark: float = PASS_MARK, critical_ratio: float = CRITICAL_FAIL_BELOW
) -> WorksheetScores:
    """Read a filled reviewer worksheet (``.xlsx`` sheet ``worksheet``, or ``.csv``) back.

    Score columns are recognised by their headers (``score: <item> (0-<max>[, critical])``). A
    score must be a number from 0 to the item's maximum; anything else is listed in ``problems``
    and left out. Rows with no score at all are not yet reviewed and are skipped. The quote that
    neutralised a formula-like text cell is removed again. ``pass_mark`` and ``critical_ratio``
    are as in :func:`qa_results`.
    """

    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheet = pd.read_excel(path, sheet_name=WORKSHEET_SHEET, dtype=object)
    else:
        sheet = pd.read_csv(path, encoding="utf-8-sig", dtype=object)
    items = {c: _ITEM_HEADER.match(str(c)) for c in sheet.columns}
    items = {c: m for c, m in items.items() if m}
    if not items:
        raise ValueError(f"{path.name} has no score columns ('score: <item> (0-<max>)'): is it a csperf QA worksheet?")
    for column in ("contact_id", "agent_id", "evaluator_id", "stratum", "team", "channel", "queue", "region"):
        if column in sheet:
            sheet[column] = _unneutralise(sheet[column])
    long_rows, problems = [], []
    for column, match in items.items():
        raw = sheet[column]
        numbers = pd.to_numeric(raw, errors="coerce")
        maximum = float(match["max"])
        filled = raw.notna() & raw.astype(str).str.strip().ne("")
        bad = filled & (numbers.isna() | (numbers < 0) | (numbers > maximum))
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append({"sample_no": sheet["sample_no"].iloc[i] if "sample_no" in sheet else i + 1, "column": column,
                             "value": str(raw.iloc[i]), "problem": f"not a number from 0 to {maximum:g}"})
        good = filled & ~bad
        long_rows.append(pd.DataFrame({
            "_rowpos": np.flatnonzero(good.to_numpy()),
            "item": match["item"],
            "score": numbers[good].to_numpy(dtype=float),
            "max_score": maximum,
            "critical": bool(match["critical"]),
        }))
    long = pd.concat(long_rows, ignore_index=True)
    sample_no = sheet["sample_no"] if "sample_no" in sheet else pd.Series(np.arange(1, len(sheet) + 1))
    evaluator = sheet["evaluator_id"] if "evaluator_id" in sheet else pd.Series([pd.NA] * len(sheet))
    evaluated = pd.to_datetime(sheet["evaluated_at"], errors="coerce") if "evaluated_at" in sheet else pd.Series([pd.NaT] * len(sheet))
    ids = sheet["contact_id"] if "contact_id" in sheet else pd.Series([pd.NA] * len(sheet))
    agents = sheet["agent_id"] if "agent_id" in sheet else pd.Series([pd.NA] * len(sheet))
    pos = long["_rowpos"].to_numpy()
    evaluations = pd.DataFrame({
        "evaluation_id": [f"worksheet-{int(float(s))}" for s in sample_no.to_numpy()[pos]],
        "contact_id": ids.to_numpy()[pos],
        "agent_id": agents.to_numpy()[pos],
        "evaluator_id": evaluator.to_numpy()[pos],
        "evaluated_at": evaluated.to_numpy()[pos],
        "item": long["item"].to_numpy(),
        "score": long["score"].to_numpy(),
        "max_score": long["max_score"].to_numpy(),
        "critical": long["critical"].to_numpy(),
    })
    evaluations["agent_id"] = evaluations["agent_id"].astype("string").fillna("(unknown)")
    evaluations = QaEvaluationsModel.validate(evaluations)
    results = qa_results(evaluations, pass_mark=pass_mark, critical_ratio=critical_ratio)
    scored_rows = sorted(set(pos.tolist()))
    details = sheet.iloc[scored_rows].reset_index(drop=True)
    details = details.drop(columns=[c for c in items] + ["evaluator_id", "evaluated_at"], errors="ignore")
    details["evaluation_id"] = pd.Series([f"worksheet-{int(float(s))}" for s in sample_no.to_numpy()[scored_rows]], dtype="string")
    if DESIGN_WEIGHT in details:
        details[DESIGN_WEIGHT] = pd.to_numeric(details[DESIGN_WEIGHT], errors="coerce")
    results = results.drop(columns=["contact_id", "agent_id"]).astype({"evaluation_id": "string"})
    scored = details.merge(results, on="evaluation_id", how="left")
    return WorksheetScores(
        evaluations=evaluations.reset_index(drop=True),
        scored=scored,
        problems=pd.DataFrame(problems, columns=["sample_no", "column", "value", "problem"]),
        rows=len(sheet),
        rows_scored=len(scored_rows),
    )


def qa_estimates(
    scored: pd.DataFrame, *, by: Sequence[str] = ("team",), weight: str | None = DESIGN_WEIGHT, confidence: float = 0.95
) -> pd.DataFrame:
    """Population QA pass rate, critical-fail rate and mean score from scored sample contacts,
    overall and by group.

    Tidy: ``measure`` (``QA pass rate``, ``critical-fail rate``, ``mean score (share of points)``),
    ``group`` (``all`` or the column), ``level``, then the columns of :func:`estimate_from_sample`.
    Groups the data lacks are skipped.
    """
    weight = weight if weight in scored else None
    parts = []
    measures = (("QA pass rate", "passed"), ("critical-fail rate", "critical_failed"), ("mean score (share of points)", "score_pct"))
    for measure, value in measures:
        whole = estimate_from_sample(scored, value=value, weight=weight, confidence=confidence)
        parts.append(whole.assign(measure=measure, group="all", level="all"))
        for column in by:
            if column not in scored or scored[column].isna().all():
                continue
            part = estimate_from_sample(scored, value=value, weight=weight, by=column, confidence=confidence)
            parts.append(part.rename(columns={column: "level"}).assign(measure=measure, group=column))
    out = pd.concat(parts, ignore_index=True)
    out["level"] = out["level"].astype(str)
    first = ["measure", "group", "level", "estimate", "ci_low", "ci_high", "n", "n_effective", "population"]
    return out[first + [c for c in out.columns if c not in first]]


# ------------------------------------------------------------------------------------------------
# Words, summary, explorer
# ------------------------------------------------------------------------------------------------


def _md(value: Any) -> str:
    """A data value made safe for Markdown/HTML (escaped)."""
    return html.escape(str(value))


def allocation_view(plan: Allocation) -> pd.DataFrame:
    """The allocation table for reading: ``stratum, population, % of population, sample,
    % sampled, design weight`` (and the SD of the variability column for Neyman), rounded."""
    table = plan.table
    view = pd.DataFrame(
        {
            "stratum": table["stratum"],
            "population": table["population"],
            "% of population": (table["share"] * 100).round(2),
            "sample": table["sample"],
            "% sampled": (table["sampling_fraction"] * 100).round(2),
            "design weight": table["design_weight"].round(1),
        }
    )
    if "sd" in table:
        view.insert(3, f"SD of {plan.variability or VARIABILITY}", table["sd"].round(1))
    if "oversample" in table:
        view.insert(3, "oversample", table["oversample"])
    return view


def representativeness_view(checks: pd.DataFrame) -> pd.DataFrame:
    """The representativeness table for reading: one row per variable, rounded, short test names."""
    short = {"chi-square goodness of fit": "chi-square"}
    return pd.DataFrame(
        {
            "variable": checks["variable"],
            "test": checks["test"].map(lambda t: short.get(t, "Kolmogorov–Smirnov" if isinstance(t, str) else "")),
            "n (effective)": checks["n_effective"].round(0),
            "statistic": checks["statistic"].round(3),
            "p (Holm)": checks["p_adjusted"].round(3),
            "effect size": [
                "" if pd.isna(size) else f"{size:.3f} {measure}"
                for size, measure in zip(checks["effect_size"], checks["effect_measure"], strict=True)
            ],
            "largest difference": checks["largest_gap"].astype(object).where(checks["largest_gap"].notna(), ""),
            "verdict": checks["verdict"],
        }
    )


def agent_coverage_overview(coverage: pd.DataFrame) -> pd.DataFrame:
    """One row: agents, the minimum owed, agents meeting it, fewest / median / most sampled contacts."""
    if coverage.empty:
        return pd.DataFrame(columns=["agents", "minimum per agent", "agents meeting it", "fewest sampled", "median sampled", "most sampled"])
    return pd.DataFrame(
        [
            {
                "agents": len(coverage),
                "minimum per agent": int(coverage["minimum"].max()),
                "agents meeting it": int(coverage["met"].sum()),
                "fewest sampled": int(coverage["sampled"].min()),
                "median sampled": float(coverage["sampled"].median()),
                "most sampled": int(coverage["sampled"].max()),
            }
        ]
    )


def strata_sentence(plan: Allocation) -> str:
    """Which strata divide the population, which were skipped and why, and the allocation (Markdown)."""
    used = ", ".join(f"`{c}`" for c in plan.strata) if plan.strata else "none (one stratum: all contacts)"
    text = f"**Strata:** {used} — {len(plan.table):,} strata. **Allocation:** {plan.method}"
    if plan.method == "neyman":
        text += f" (by the spread of `{plan.variability}`)"
    text += "."
    for column, reason in plan.skipped.items():
        text += f" `{_md(column)}` is not used: {_md(reason)}."
    if plan.note:
        text += f" Note: {_md(plan.note)}."
    return text


def draw_sentence(sample: pd.DataFrame, plan: Allocation, *, per_agent: int | None, coverage: pd.DataFrame) -> str:
    """What was drawn, in words (Markdown)."""
    topup = int((sample["selected_by"] == "agent minimum").sum()) if "selected_by" in sample else 0
    text = f"Drew **{len(sample):,} {population_unit(sample)}**: {plan.n:,} by stratified random sampling"
    if per_agent:
        text += f" and {topup:,} more so that every agent has at least {per_agent} (or all their contacts)"
    text += f", out of {plan.population:,}. The design weights add up to {sample[DESIGN_WEIGHT].sum():,.0f}."
    if len(coverage):
        met = int(coverage["met"].sum())
        text += f" Agents meeting the minimum: {met} of {len(coverage)}."
    for note in sample.attrs.get("notes", []):
        if note and note != plan.note:
            text += f" Note: {_md(note)}."
    return text


def tables_sentence(available: Mapping[str, bool], *, unit: str = "contacts") -> str:
    """One sentence on which canonical tables the store holds and which one is sampled."""
    names = {"surveys": "surveys", "qa_evaluations": "QA evaluations", "complaints": "complaints"}
    if unit == "complaints":
        names.pop("complaints")
    have = [names[t] for t in names if available.get(t)]
    missing = [names[t] for t in names if not available.get(t)]
    text = f"The population is the {unit} table"
    if unit == "complaints":
        text += (" (the review has no contact records, so the quality review samples complaint cases: "
                 "how each complaint was handled and answered)")
    if have:
        text += f"; the store also holds {', '.join(have)}"
    if missing:
        text += f"; it has no {', '.join(missing)} for this review"
    if not available.get("qa_evaluations"):
        text += ", so the worksheet uses the default scorecard"
    else:
        text += ", and the worksheet uses the scorecard items found in the QA evaluations"
    return text + "."


def scores_sentence(scores: WorksheetScores | None, source: str | Path | None = None) -> str:
    """What was read back from a filled worksheet, or that none was supplied (Markdown)."""
    if scores is None:
        return (
            "No filled worksheet was supplied (parameter `filled_worksheet`). When reviewers have scored "
            "the worksheet of an earlier run, give its path to turn the scores into population estimates."
        )
    name = _md(Path(source).name) if source else "the worksheet"
    text = f"Read `{name}`: {scores.rows:,} rows, {scores.rows_scored:,} scored"
    text += f" ({len(scores.evaluations):,} item scores in the `qa_evaluations` format)."
    if len(scores.problems):
        text += f" {len(scores.problems):,} cells could not be used (not a number within the item's range) and are listed below."
    if not scores.rows_scored:
        text += " Nothing is scored yet, so there is nothing to estimate."
    else:
        text += (
            " Estimates are design-weighted (each scored contact counts for the contacts it represents); "
            "an evaluation passes with no critical item failed (see the KPI glossary for the rule) and at least "
            f"{PASS_MARK:.0%} of the points; the mean score is the share of the points scored."
        )
    return text


def sampling_summary(
    *,
    plan: Allocation,
    sample: pd.DataFrame,
    reasoning: SampleSizeReasoning,
    checks: pd.DataFrame,
    seed: Any,
    per_agent: int | None,
    worksheet: Mapping[str, str] | None = None,
    estimates: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The ``sampling`` entry of ``summary.json`` (plain values)."""
    return {
        "unit": reasoning.unit,
        "population": plan.population,
        "sample_size": int(len(sample)),
        "sample_size_for_margin": reasoning.n,
        "agent_minimum_added": int((sample["selected_by"] == "agent minimum").sum()) if "selected_by" in sample else 0,
        "margin": reasoning.margin,
        "confidence": reasoning.confidence,
        "p": reasoning.p,
        "strata": list(plan.strata),
        "strata_skipped": dict(plan.skipped),
        "allocation": plan.requested,
        "allocation_used": plan.method,
        "per_agent": per_agent,
        "seed": seed,
        "design_weights_sum": float(sample[DESIGN_WEIGHT].sum()) if DESIGN_WEIGHT in sample else None,
        "representativeness": {
            row.variable: {
                "verdict": row.verdict, "test": row.test, "p_value": row.p_value, "p_adjusted": row.p_adjusted,
                "effect_size": row.effect_size, "effect_measure": row.effect_measure,
            }
            for row in checks.itertuples()
        },
        "worksheet": dict(worksheet or {}),
        "estimates": estimates if estimates is not None else None,
    }


@dataclass(frozen=True)
class DesignPreview:
    """What the explorer shows for one choice of margin, confidence, strata and allocation.

    Attributes
    ----------
    reasoning : SampleSizeReasoning
    allocation : Allocation or None
        None when the choice is impossible (see ``error``).
    error : str
        Why no allocation could be made ("" when it could).
    """

    reasoning: SampleSizeReasoning
    allocation: Allocation | None
    error: str = field(default="")


def design_preview(
    frame: pd.DataFrame,
    *,
    margin: float = 0.05,
    confidence: float = 0.95,
    strata: Sequence[str] | None = DEFAULT_STRATA,
    allocation: str = "proportional",
    min_per_stratum: int = 1,
) -> DesignPreview:
    """Sample size and allocation for one design choice (the explorer's callback; never raises
    for an impossible choice, it says why in ``error``)."""
    reasoning = sample_size_reasoning(len(frame), confidence=confidence, margin=margin)
    try:
        plan = allocate(frame, n=reasoning.n, strata=strata, allocation=allocation, min_per_stratum=min_per_stratum)
    except ValueError as exc:
        return DesignPreview(reasoning, None, str(exc))
    return DesignPreview(reasoning, plan)


def _render_preview(preview: DesignPreview) -> str:
    """HTML for the explorer (data values escaped by pandas / html.escape)."""
    parts = [f"<p>{html.escape(preview.reasoning.describe()).replace('**', '')}</p>"]
    if preview.allocation is None:
        parts.append(f"<p><b>No allocation:</b> {html.escape(preview.error)}</p>")
    else:
        plan = preview.allocation
        parts.append(f"<p>{html.escape(strata_sentence(plan)).replace('**', '').replace('`', '')}</p>")
        table = plan.table[["stratum", "population", "sample", "design_weight"]]
        parts.append(table.to_html(index=False, float_format=lambda v: f"{v:,.1f}", max_rows=60))
    return "\n".join(parts)


def sampling_explorer(
    frame: pd.DataFrame,
    *,
    margin: float = 0.05,
    confidence: float = 0.95,
    strata: Sequence[str] | None = None,
    allocation: str = "proportional",
    candidates: Sequence[str] = ("channel", "queue", "team", "region", "hour_band", "weekday"),
):
    """An ipywidgets panel: change margin, confidence, strata and allocation; see n and the allocation.

    The work is done by :func:`design_preview` (a plain, tested function); the panel only wires
    controls to it. Under papermill (no widget front end) the panel is inert and the HTML report
    shows nothing for it.
    """
    import ipywidgets as widgets

    options = [c for c in candidates if c in frame or (c in ("weekday", "hour_band") and "arrived_at" in frame)]
    chosen = [c for c in (DEFAULT_STRATA if strata is None else strata) if c in options]
    margin_w = widgets.FloatSlider(value=margin, min=0.01, max=0.15, step=0.005, description="margin ±", readout_format=".3f")
    confidence_w = widgets.Dropdown(options=[0.90, 0.95, 0.99], value=confidence if confidence in (0.90, 0.95, 0.99) else 0.95, description="confidence")
    strata_w = widgets.SelectMultiple(options=options, value=tuple(chosen), description="strata", rows=min(6, max(len(options), 1)))
    allocation_w = widgets.Dropdown(options=list(ALLOCATIONS), value=allocation, description="allocation")
    out = widgets.HTML()

    def refresh(_change=None) -> None:
        preview = design_preview(
            frame, margin=margin_w.value, confidence=confidence_w.value, strata=tuple(strata_w.value), allocation=allocation_w.value
        )
        out.value = _render_preview(preview)

    for control in (margin_w, confidence_w, strata_w, allocation_w):
        control.observe(refresh, names="value")
    refresh()
    return widgets.VBox([widgets.HBox([margin_w, confidence_w]), widgets.HBox([strata_w, allocation_w]), out])


#: Keys of the config's ``sampling:`` section and their built-in defaults.
SAMPLING_DEFAULTS = {
    "margin": 0.05,
    "confidence": 0.95,
    "strata": None,
    "allocation": "proportional",
    "per_agent": 2,
    "seed": 2026,
    "filled_worksheet": None,
    "aql": DEFAULT_AQL,
}


@dataclass(frozen=True)
class SamplingSettings:
    """The sampling design in force for a run.

    Attributes
    ----------
    margin, confidence : float
        Margin of error (± proportion) and confidence level of the sample size.
    strata : tuple of str or None
        Stratification columns (None: channel, queue and team where the data has them).
    allocation : str
        ``proportional``, ``neyman`` or ``equal``.
    per_agent : int
        Least contacts per agent (top-up).
    seed : int
        Random seed of the draw.
    filled_worksheet : Path or None
        A worksheet filled in after an earlier run, to read back.
    aql : float
        ISO 2859-1 acceptable quality limit (%) for agent-month plans.
    source : dict
        Where each value came from: ``parameter``, ``config`` or ``default``.
    """

    margin: float
    confidence: float
    strata: tuple[str, ...] | None
    allocation: str
    per_agent: int
    seed: int
    filled_worksheet: Path | None
    aql: float
    source: dict


def sampling_settings(config=None, **parameters) -> SamplingSettings:
    """Resolve the sampling design: a notebook parameter that is not None wins, then the config's
    ``sampling:`` section, then the built-in defaults (:data:`SAMPLING_DEFAULTS`).

    This is how a scheduled ``csperf review`` supplies a filled worksheet, the AQL or another
    margin: in the config, e.g. ``sampling: {margin: 0.04, filled_worksheet: qa/filled.xlsx}``
    (paths relative to the config file).

    Raises
    ------
    ConfigError
        Listing every problem in the ``sampling:`` section with its key.
    """

    path, typed = section_settings(config, "sampling")  # checked against SamplingSettingsModel
    section = typed.model_dump(exclude_none=True)
    problems: list[str] = []
    values, source = {}, {}
    for key, default in SAMPLING_DEFAULTS.items():
        if parameters.get(key) is not None:
            values[key], source[key] = parameters[key], "parameter"
        elif key in section and section[key] is not None:
            values[key], source[key] = section[key], "config"
        else:
            values[key], source[key] = default, "default"
    if not (isinstance(values["margin"], int | float) and 0 < values["margin"] < 1):
        problems.append("sampling.margin: must be a proportion between 0 and 1 (e.g. 0.05)")
    if not (isinstance(values["confidence"], int | float) and 0 < values["confidence"] < 1):
        problems.append("sampling.confidence: must be between 0 and 1 (e.g. 0.95)")
    if values["allocation"] not in ("proportional", "neyman", "equal"):
        problems.append("sampling.allocation: must be proportional, neyman or equal")
    if not (isinstance(values["per_agent"], int) and values["per_agent"] >= 0):
        problems.append("sampling.per_agent: must be a whole number >= 0")
    if not isinstance(values["seed"], int):
        problems.append("sampling.seed: must be a whole number")
    worksheet = values["filled_worksheet"]
    if worksheet is not None:
        worksheet = Path(worksheet)
        if source["filled_worksheet"] == "config" and not worksheet.is_absolute() and config is not None:
            worksheet = (Path(config.path).parent / worksheet).resolve()
        if not worksheet.is_file():
            problems.append(f"sampling.filled_worksheet: {worksheet} does not exist")
    if problems:
        raise ConfigError(path, problems)
    strata = values["strata"]
    return SamplingSettings(
        margin=float(values["margin"]),
        confidence=float(values["confidence"]),
        strata=None if strata is None else tuple([strata] if isinstance(strata, str) else strata),
        allocation=values["allocation"],
        per_agent=int(values["per_agent"]),
        seed=int(values["seed"]),
        filled_worksheet=worksheet,
        aql=float(values["aql"]),
        source=source,
    )


# --- findings -------------------------------------------------------------------------------------
def sampling_findings(checks: pd.DataFrame, *, ledger) -> None:
    """``source_risk`` findings of stage 02: a variable on which the QA sample is not
    representative of the population (significant after Holm's adjustment and at least a small
    effect), so QA estimates from it need the design weights or a redraw."""

    link = [section_link("sample")]
    for row in checks.to_dict(orient="records") if len(checks) else ():
        if row.get("verdict") != "not representative":
            continue
        effect = str(row.get("effect_measure") or "").lower().replace("'", "").replace(" ", "_").replace("é", "e")
        ledger.add(
            "source_risk", key={"risk": "sample", "variable": row["variable"]}, estimate=row.get("effect_size"),
            n=row.get("n"), p_value=row.get("p_value"), q_value=row.get("p_adjusted"), significant=True,
            favourable=False, effect_name=effect or None, effect_size=row.get("effect_size"),
            attributes={"risk": "sample", "variable": row["variable"], "test": row.get("test"), "unit": "ratio",
                        "largest_gap": row.get("largest_gap")},
            evidence=link,
        )
