r"""Targets as configuration: what each KPI should reach, who owns it, and the rules that bind.

A review compares its KPIs with *targets*. They are data, written in a targets file
(``targets.yaml``, copied from ``templates/targets.yaml``) or inline in the review config, never
in code. Three kinds of reference are kept apart:

* **targets** the organisation set itself, agreed with a client or imposed by a regulator, each
  with its owner, baseline, deadline and rationale (the SMART fields);
* **indicative benchmarks** from the catalogue shipped with csperf
  (``csperf_lib/data/benchmarks.yaml``): commonly cited industry conventions with their source
  and a caveat, used as a fallback for a KPI without a target and always labelled
  "indicative benchmark";
* **regulatory rules** judged case by case, e.g. every complaint resolved within 8 weeks, in the
  spirit of the UK FCA's DISP 1.6 rules, reported as a compliance rate with the failing cases.

Public API
----------
- :class:`Target`, :class:`BenchmarkEntry`, :class:`RegulatoryRule`, :class:`TargetSet` (frozen
  dataclasses); :func:`complaint_rules` — the complaint deadlines as regulatory rules.
- :mod:`csperf_lib.methods.target_loading`: :func:`load_targets` (a file or a mapping),
  :func:`targets_from_config` (the review config's ``targets:`` key), :func:`load_benchmarks`
  (the shipped catalogue).
- :mod:`csperf_lib.methods.target_checks`: :func:`smart_check` — is each target Specific,
  Measurable, Achievable, Realistic, Time-bound? — and :func:`regulatory_compliance` →
  :class:`RegulatoryResult`, compliance rates of the regulatory rules, computed in the store's
  engine, with the failing cases.
- :func:`segment_label` — a segment in words (``"region = North"``, ``"whole population"``).

File format
-----------
.. code-block:: yaml

    use_benchmarks: true            # fall back to indicative benchmarks for KPIs without a target
    targets:
      - kpi: csat_mean              # a KPI id of the catalogue (or of the config's kpis.custom)
        target: 4.0                 # in the KPI's unit: proportions 0-1, seconds, score 1-5, ...
        tolerance: 0.1              # amber band: absolute in the KPI's unit, or "5%" of the target
        source: internal target     # internal target | client SLA | regulator |
                                    # industry benchmark | indicative benchmark
        owner: Head of Customer Service
        baseline: 3.9               # the value when the target was set, in the KPI's unit
        deadline: 2026-06-30        # and/or review_date: 2026-04-30
        rationale: Board objective for 2026
      - kpi: service_level
        segment: {queue: Billing}   # queue, team, channel, region, agent_id; absent = everyone
        target: 0.8
        tolerance: 0.05
        source: client SLA
        owner: Operations Manager
        deadline: 2026-06-30
    regulatory:                     # absent: the two default complaint rules below
      - id: complaints_acknowledged_promptly
        description: Complaints acknowledged promptly
        source: FCA DISP 1.6.1R (in spirit; "promptly" read as 3 calendar days)
        table: complaints
        start: received_at
        end: [acknowledged_at, resolved_at]   # a column, or a list: the earliest counts
        within_days: 3              # or within_hours / within_s
        required_rate: 0.95         # optional: proportion 0-1 that must comply
      - id: complaints_resolved_within_8_weeks
        description: Complaints resolved within 8 weeks
        source: FCA DISP 1.6.2R
        table: complaints
        start: received_at
        end: resolved_at
        within_days: 56

The review config names the file (``targets: targets.yaml``, relative to the config's folder)
or holds the same mapping inline (``targets: {targets: [...]}``; a bare list is read as the
``targets:`` list). Without a ``targets`` key the review has no targets of its own: only
indicative benchmarks and the default regulatory rules apply.

Meaning
-------
*Direction* comes from the KPI catalogue (``higher_is_better`` or ``lower_is_better``; a target
on a ``neutral`` KPI such as contacts offered is refused, since it cannot be judged). The
*tolerance* is the amber band on the wrong side of the target: a value worse than the target by
at most the tolerance is "close". A relative tolerance ``"5%"`` is converted when the file is read
to ``0.05 x |target|`` in the KPI's unit (for a percent KPI such as ``qa_score_mean`` with target
80, ``"5%"`` is 4 points; write ``5`` for 5 points). No tolerance means no amber band.

*Precedence* (:meth:`TargetSet.lookup`): a target for exactly the segment asked for, else the
target of the largest part of that segment that has one (a ``{queue: Billing}`` target applies to
``{queue: Billing, region: North}``; on a tie the one listed first in the file wins), else the
KPI's whole-population target, else — when benchmarks are in use — the catalogue's indicative
target, marked ``origin = "indicative benchmark"`` with its caveat. Catalogue entries that are
reference only (another scale, another statistic) are never used as a fallback. The fallback is
used only when both the function's ``use_benchmarks`` and the file's ``use_benchmarks`` (default
true) allow it.

SMART check
-----------
:func:`smart_check` applies these definitions to every target of the file:

specific
    The KPI id is known (always true once the file is valid), its scope is stated (a segment,
    or none for the whole population) and an owner is named.
measurable
    The KPI is in the catalogue with a plain-language definition and a unit.
achievable
    Per the evidence (e.g. the target review of :mod:`csperf_lib.stages.benchmarks`): False when the
    evidence's status is ``not_achievable``; NA without evidence for the target.
realistic
    Judged against the benchmark catalogue and the KPI's scale. False when the target sits at
    the best end of the scale (100 %, 0 s, a perfect 5: no room for error), or when it is better
    than the best end of a comparable benchmark range by more than the range's own width (e.g.
    first-contact resolution "good" at 70-79 %: a target above 88 % is flagged "beyond the
    indicative benchmark range"). A target worse than the whole range is realistic but noted as
    "less ambitious than the indicative benchmark range". NA when there is no comparable range.
time_bound
    A deadline or a review date is set.

The ``missing`` column lists in plain words everything missing or failing, including a missing
baseline and rationale, which SMART practice expects although they belong to no single letter.

Regulatory rules
----------------
A rule says: rows of ``table`` should reach ``end`` within the window after ``start``. As of a
moment (default: the latest timestamp in the table, never the wall clock, so the same extract
always gives the same answer) each row is

* *compliant* or *late* when it reached ``end`` by then (with several end columns, the earliest
  recorded one counts; e.g. a final response sent before any acknowledgement acknowledges it);
* *still open past the window* when it has not and its window has passed — a breach already;
* *pending* when it has not and its window is still running — not yet judgeable;
* *excluded* when it has no ``start``, or only ends before its start (such rows are quarantined
  by validation anyway). Rows starting after the moment are not in view.

The rate is compliant / (compliant + late + open past the window) with a Wilson interval
(:func:`csperf_lib.methods.stats.wilson_interval`); it is called *not compliant* with a required rate
only when the whole interval lies below it. Counting happens in the store's engine through Ibis;
only the failing cases (at most ``max_cases`` per rule, worst first) come back to pandas. The
default rules follow :mod:`csperf_lib.methods.complaints`: acknowledgement within 3 calendar days (DISP
1.6.1R asks for a *prompt* acknowledgement; 3 days is a reading anchored on the DISP 1.5
window) and a final response within 8 weeks (DISP 1.6.2R). The data cannot show whether a
holding response was sent, so a late resolution is a finding to check, not proof of a breach.

Why the validation is hand-written
----------------------------------
The file is small but its rules are unit-aware (a proportion target of 80 means "write 0.8"),
refer to the KPI catalogue (unknown ids, neutral KPIs, "did you mean") and to the canonical
tables (regulatory columns must be timestamps of their table). A generic schema validator
(pandera validates frames, not nested YAML; jsonschema is not a dependency) would stop at the
first error or report it in schema terms. Like :mod:`csperf_lib.core.config`, every problem is
collected with its key and raised at once as one :class:`~csperf_lib.core.errors.ConfigError`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.methods.complaints import ComplaintTargets, duration_words
from csperf_lib.methods.kpi_catalogue import KpiDefinition, kpi_definitions

__all__ = [
    "DEFAULT_REGULATORY_RULES",
    "RULE_SETS",
    "complaint_rules",
    "ORIGINS",
    "SEGMENT_DIMENSIONS",
    "SOURCES",
    "BenchmarkEntry",
    "RegulatoryRule",
    "Target",
    "TargetSet",
    "segment_label",
]

#: Columns a target may be set for, in the order segments are written.
SEGMENT_DIMENSIONS = ("queue", "team", "channel", "region", "agent_id")
#: Where a target comes from.
SOURCES = ("internal target", "client SLA", "regulator", "industry benchmark", "indicative benchmark")
#: Where a :class:`Target` was read from.
ORIGINS = ("targets file", "indicative benchmark")
DIRECTIONS = ("higher_is_better", "lower_is_better")
#: Label of the empty segment.
WHOLE_POPULATION = "whole population"

#: Scale of each KPI unit (see the ``units`` of ``csperf_lib/data/kpis.yaml``): (low, high, words).
UNIT_RANGES: Mapping[str, tuple[float, float, str]] = {
    "proportion": (0.0, 1.0, "a proportion 0-1"),
    "percent": (0.0, 100.0, "a percentage 0-100"),
    "score_1_5": (1.0, 5.0, "a score 1-5"),
    "score_1_7": (1.0, 7.0, "a score 1-7"),
    "nps": (-100.0, 100.0, "an NPS -100..100"),
    "seconds": (0.0, math.inf, "seconds (0 or more)"),
    "days": (0.0, math.inf, "days (0 or more)"),
    "count": (0.0, math.inf, "a count (0 or more)"),
    "per_1000_contacts": (0.0, math.inf, "a rate per 1000 contacts (0 or more)"),
    "ratio": (-math.inf, math.inf, "a ratio"),
    "number": (-math.inf, math.inf, "a number"),
}

_WHOLE_WORDS = frozenset({"", "all", "whole population", "overall", "none"})


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool | np.bool_)
        and math.isfinite(float(value))
    )


def _fmt(value: float) -> str:
    return f"{value:.10g}"


def _canonical_segment(pairs: Iterable[tuple[Any, Any]]) -> tuple[tuple[str, str], ...]:
    """Pairs as text, ordered as :data:`SEGMENT_DIMENSIONS` (other names after, alphabetically)."""
    order = {d: i for i, d in enumerate(SEGMENT_DIMENSIONS)}
    items = {(str(d), str(v)) for d, v in pairs}
    return tuple(sorted(items, key=lambda p: (order.get(p[0], len(order)), p[0], p[1])))


def _as_segment(segment: Any) -> tuple[tuple[str, str], ...]:
    """A segment given as pairs, a mapping or None, in canonical form."""
    if segment is None:
        return ()
    if isinstance(segment, Mapping):
        return _canonical_segment(segment.items())
    if isinstance(segment, str):
        raise TypeError("give a segment as a mapping {dimension: value} or (dimension, value) pairs")
    return _canonical_segment(tuple(p) for p in segment)


def segment_label(segment: Any) -> str:
    """A segment in words: ``"queue = Billing, region = North"``, or ``"whole population"``.

    Parameters
    ----------
    segment : tuple of (str, str) pairs, mapping, str or None
        The segment; a string is taken as a label already (blank or ``"all"``: whole
        population), None or empty as the whole population.
    """
    if segment is None or (isinstance(segment, float) and math.isnan(segment)):
        return WHOLE_POPULATION
    if isinstance(segment, str):
        text = segment.strip()
        return WHOLE_POPULATION if text.lower() in _WHOLE_WORDS else text
    pairs = _as_segment(segment)
    return ", ".join(f"{d} = {v}" for d, v in pairs) if pairs else WHOLE_POPULATION


# --------------------------------------------------------------------------------------------
# dataclasses
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Target:
    """One target for one KPI, for the whole population or one segment.

    Attributes
    ----------
    kpi : str
        KPI id (see :func:`csperf_lib.methods.kpi_catalogue.kpi_definitions`).
    target : float
        The target, in the KPI's unit (proportions 0-1, seconds, score 1-5, NPS -100..100,
        percent 0-100, days, per 1000 contacts).
    tolerance : float or None
        Amber band on the wrong side of the target, absolute, in the KPI's unit (a relative
        tolerance is converted when the file is read: ``rel x |target|``); None: no band.
    tolerance_spec : str or None
        The tolerance as written, e.g. ``"0.1"`` or ``"5%"``.
    segment : tuple of (str, str)
        ``(dimension, value)`` pairs, dimensions from :data:`SEGMENT_DIMENSIONS`, in that
        order; empty for the whole population.
    direction : {"higher_is_better", "lower_is_better"}
        From the KPI catalogue.
    source : str
        One of :data:`SOURCES`.
    owner : str or None
        Who is accountable for the target.
    baseline : float or None
        The KPI's value when the target was set, in the KPI's unit.
    deadline, review_date : datetime.date or None
        When the target is to be met; when it is next reviewed.
    rationale : str or None
        Why this target.
    origin : {"targets file", "indicative benchmark"}
        Read from the user's targets (file or inline config), or a fallback built from the
        benchmark catalogue.
    caveat : str or None
        Why the target may not fit (always set for an indicative benchmark).
    """

    kpi: str
    target: float
    direction: str
    source: str
    tolerance: float | None = None
    tolerance_spec: str | None = None
    segment: tuple[tuple[str, str], ...] = ()
    owner: str | None = None
    baseline: float | None = None
    deadline: dt.date | None = None
    review_date: dt.date | None = None
    rationale: str | None = None
    origin: str = "targets file"
    caveat: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "segment", _as_segment(self.segment))
        problems = []
        if self.direction not in DIRECTIONS:
            problems.append(f"direction must be one of {DIRECTIONS}, got {self.direction!r}")
        if self.source not in SOURCES:
            problems.append(f"source must be one of {SOURCES}, got {self.source!r}")
        if self.origin not in ORIGINS:
            problems.append(f"origin must be one of {ORIGINS}, got {self.origin!r}")
        if not _is_number(self.target):
            problems.append(f"target must be a finite number, got {self.target!r}")
        if self.tolerance is not None and not (_is_number(self.tolerance) and self.tolerance >= 0):
            problems.append(f"tolerance must be a number >= 0 or None, got {self.tolerance!r}")
        if self.baseline is not None and not _is_number(self.baseline):
            problems.append(f"baseline must be a finite number or None, got {self.baseline!r}")
        if problems:
            raise ValueError("; ".join(problems))
        for name in ("target", "tolerance", "baseline"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """``(kpi, segment)``: unique within a :class:`TargetSet`'s file targets."""
        return (self.kpi, self.segment)

    @property
    def segment_label(self) -> str:
        """The segment in words (``"region = North"`` or ``"whole population"``)."""
        return segment_label(self.segment)

    @property
    def label(self) -> str:
        """The KPI and its segment, e.g. ``"csat_mean (region = North)"`` or ``"csat_mean"``."""
        return f"{self.kpi} ({self.segment_label})" if self.segment else self.kpi


@dataclass(frozen=True, kw_only=True)
class BenchmarkEntry:
    """One entry of the indicative benchmark catalogue (``csperf_lib/data/benchmarks.yaml``).

    Attributes
    ----------
    kpi : str
        KPI id of the catalogue.
    convention : str
        What is commonly cited, in words.
    indicative_target : float or None
        Fallback target in the KPI's unit; None: reference only, never a fallback.
    tolerance : float or None
        Amber band of the fallback, absolute, in the KPI's unit.
    band_low, band_high : float or None
        Typical range in the KPI's unit (used by the SMART "realistic" check).
    source : str
        Organisation and publication the figure is attributed to.
    caveat : str
        Why and how the comparison can mislead.
    comparable : bool
        False when the figure measures something else (e.g. the UKCSI, a 0-100 index, for
        ``csat_mean``): shown for context only.
    options : tuple of (str, object)
        KPI options the figure assumes (e.g. ``service_level_threshold_s = 20``).
    """

    kpi: str
    convention: str
    indicative_target: float | None
    tolerance: float | None
    band_low: float | None
    band_high: float | None
    source: str
    caveat: str
    comparable: bool
    options: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, kw_only=True)
class RegulatoryRule:
    """A rule judged per row: ``end`` within a window after ``start``.

    Attributes
    ----------
    id : str
        Identifier (lower-case letters, digits, ``_``).
    description : str
        The rule in words.
    source : str
        Where it comes from (e.g. ``"FCA DISP 1.6.2R"``) and how it was read.
    table : str
        Canonical table (see :data:`csperf_lib.core.tables.CANONICAL_TABLES`).
    start : str
        Timestamp column starting the clock.
    end : tuple of str
        Timestamp column(s) stopping it; with several, the earliest recorded one counts.
    within_s : float
        The window in seconds (> 0).
    required_rate : float or None
        Proportion 0-1 of rows that must comply; None: rates are reported as they are.
    caveat : str or None
        What the data cannot show.
    """

    id: str
    description: str
    source: str
    table: str
    start: str
    end: tuple[str, ...]
    within_s: float
    required_rate: float | None = None
    caveat: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.end, str):
            object.__setattr__(self, "end", (self.end,))
        else:
            object.__setattr__(self, "end", tuple(self.end))
        if not self.end:
            raise ValueError("a regulatory rule needs at least one end column")
        if not (_is_number(self.within_s) and self.within_s > 0):
            raise ValueError(f"within_s must be a number of seconds > 0, got {self.within_s!r}")
        if self.required_rate is not None and not (
            _is_number(self.required_rate) and 0 < self.required_rate <= 1
        ):
            raise ValueError(f"required_rate must be a proportion in (0, 1], got {self.required_rate!r}")

    @property
    def window_label(self) -> str:
        """The window in words, e.g. ``"8 weeks"`` or ``"3 days"``."""
        return duration_words(float(self.within_s))


_COMPLAINT_CAVEAT = (
    "The data cannot show whether a holding response was sent or whether a complaint was "
    "closed by a summary resolution communication, so a breach here is a finding to check, "
    "not proof of a rule breach."
)
def complaint_rules(targets: ComplaintTargets | None = None) -> tuple[RegulatoryRule, ...]:
    """The complaint handling rules checked as compliance rates when the targets have no
    ``regulatory:`` section: acknowledgement and final response within the review's complaint
    targets (the ``complaints:`` section, :class:`csperf_lib.methods.complaints.ComplaintTargets`:
    3 days and 8 weeks by default, FCA DISP 1.6). The deadlines are configured there, once; the
    rule ids stay the same whatever the deadline, so findings about them are comparable."""
    targets = targets or ComplaintTargets()

    def calendar(seconds: float) -> str:
        words = duration_words(seconds)
        return words.replace(" day", " calendar day") if words.endswith(("day", "days")) else words

    acknowledge, resolve = calendar(targets.acknowledge_s), calendar(targets.resolve_s)
    return (
        RegulatoryRule(
            id="complaints_acknowledged_promptly",
            description=f"Complaints acknowledged promptly (within {acknowledge} of receipt)",
            source=(
                "FCA DISP 1.6.1R (in spirit): 'promptly' read as 3 calendar days, anchored on the "
                "DISP 1.5 three-business-day window; a final response sent first counts as the "
                "acknowledgement"
            ),
            table="complaints",
            start="received_at",
            end=("acknowledged_at", "resolved_at"),
            within_s=targets.acknowledge_s,
            caveat=_COMPLAINT_CAVEAT,
        ),
        RegulatoryRule(
            id="complaints_resolved_within_8_weeks",
            description=f"Complaints resolved (final response) within {resolve} of receipt",
            source="FCA DISP 1.6.2R (final or holding response by the end of eight weeks)",
            table="complaints",
            start="received_at",
            end=("resolved_at",),
            within_s=targets.resolve_s,
            caveat=_COMPLAINT_CAVEAT,
        ),
    )


#: :func:`complaint_rules` at the default complaint targets: the ``uk_fca_disp`` rule set.
DEFAULT_REGULATORY_RULES: tuple[RegulatoryRule, ...] = complaint_rules()

#: Built-in regulatory rule sets a targets document can name (``regulatory: uk_fca_disp``): name ->
#: (what it is, in words; the function building its rules from the review's complaint targets).
#: None applies unless named: a jurisdiction's rules are never assumed for data from elsewhere.
RULE_SETS = {
    "uk_fca_disp": (
        "UK FCA DISP 1.6 complaint handling: acknowledged promptly, final response within 8 weeks",
        complaint_rules,
    ),
}


@dataclass(frozen=True)
class TargetSet:
    """The targets of a review, the benchmark catalogue and the regulatory rules.

    Attributes
    ----------
    targets : tuple of Target
        The user's targets (file or inline config), in file order.
    benchmarks : tuple of BenchmarkEntry
        The indicative benchmark catalogue (entries made not comparable when the review's KPI
        options differ from the ones they assume).
    regulatory : tuple of RegulatoryRule
        Rules judged per case (:func:`csperf_lib.methods.target_checks.regulatory_compliance`):
        the document's own, or a named rule set's (:data:`RULE_SETS`); none when neither is given.
    rule_set : str or None
        The name of the built-in rule set in force (e.g. ``"uk_fca_disp"``), None otherwise.
    source : str
        The targets file's path, or ``"review config"`` (inline, or no targets at all).
    use_benchmarks : bool
        Whether KPIs without a target fall back to an indicative benchmark.
    kpis : tuple of KpiDefinition
        The KPI definitions the targets were validated against (empty: the built-in catalogue).
    """

    targets: tuple[Target, ...] = ()
    benchmarks: tuple[BenchmarkEntry, ...] = ()
    regulatory: tuple[RegulatoryRule, ...] = ()
    source: str = "review config"
    use_benchmarks: bool = True
    kpis: tuple[KpiDefinition, ...] = field(default=(), repr=False)
    rule_set: str | None = None

    def _definitions(self) -> dict[str, KpiDefinition]:
        return {k.id: k for k in (self.kpis or kpi_definitions())}

    def benchmark(self, kpi: str) -> BenchmarkEntry | None:
        """The catalogue entry of ``kpi`` (comparable or not), or None."""
        return next((b for b in self.benchmarks if b.kpi == kpi), None)

    def fallback(self, kpi: str) -> Target | None:
        """The indicative-benchmark target of ``kpi``, or None (none in use, or reference only)."""
        entry = self.benchmark(kpi)
        if not self.use_benchmarks or entry is None:
            return None
        if not entry.comparable or entry.indicative_target is None:
            return None
        definition = self._definitions().get(kpi)
        if definition is None or definition.direction not in DIRECTIONS:
            return None
        return Target(
            kpi=kpi,
            target=float(entry.indicative_target),
            tolerance=None if entry.tolerance is None else float(entry.tolerance),
            tolerance_spec=None if entry.tolerance is None else str(entry.tolerance),
            direction=definition.direction,
            source="indicative benchmark",
            rationale=f"{entry.convention} Source: {entry.source}",
            origin="indicative benchmark",
            caveat=entry.caveat,
        )

    def lookup(self, kpi: str, segment: Any = ()) -> Target | None:
        """The target that applies to ``kpi`` in ``segment``, most specific first.

        Parameters
        ----------
        kpi : str
            KPI id.
        segment : tuple of (str, str) pairs or mapping, optional
            The segment asked about; empty for the whole population.

        Returns
        -------
        Target or None
            A target of the file for exactly this segment; else for the largest part of it
            that has one (ties: the first in the file); else the KPI's whole-population target;
            else the indicative benchmark (``origin == "indicative benchmark"``, segment empty)
            when benchmarks are in use; else None.
        """
        wanted = set(_as_segment(segment))
        best: Target | None = None
        for target in self.targets:
            if target.kpi != kpi or not set(target.segment) <= wanted:
                continue
            if best is None or len(target.segment) > len(best.segment):
                best = target
        return best if best is not None else self.fallback(kpi)

    def all_targets(self, kpis_available: Iterable[str] | None = None) -> tuple[Target, ...]:
        """The file's targets and the fallbacks for KPIs without a whole-population target.

        Parameters
        ----------
        kpis_available : iterable of str, optional
            KPI ids to keep (e.g. those the data can compute); None keeps every KPI.

        Returns
        -------
        tuple of Target
            File targets in file order, then indicative benchmarks in catalogue order.
        """
        keep = None if kpis_available is None else set(kpis_available)
        chosen = [t for t in self.targets if keep is None or t.kpi in keep]
        whole = {t.kpi for t in self.targets if not t.segment}
        for entry in self.benchmarks:
            if entry.kpi in whole or (keep is not None and entry.kpi not in keep):
                continue
            fallback = self.fallback(entry.kpi)
            if fallback is not None:
                chosen.append(fallback)
        return tuple(chosen)

    def table(self) -> pd.DataFrame:
        """Every target in force, readable: one row per file target and per fallback benchmark.

        Returns
        -------
        DataFrame
            ``kpi, segment, target, tolerance, tolerance_spec, direction, source, origin, owner,
            baseline, deadline, review_date, rationale, caveat`` (``segment`` in words; values
            in the KPI's unit).
        """
        columns = ["kpi", "segment", "target", "tolerance", "tolerance_spec", "direction",
                   "source", "origin", "owner", "baseline", "deadline", "review_date",
                   "rationale", "caveat"]
        rows = [
            {c: (t.segment_label if c == "segment" else getattr(t, c)) for c in columns}
            for t in self.all_targets()
        ]
        return pd.DataFrame(rows, columns=columns)

    def benchmark_table(self) -> pd.DataFrame:
        """The benchmark catalogue, readable: ``kpi, convention, indicative_target, typical range,
        comparable, used as fallback, source, caveat``."""
        rows = []
        for b in self.benchmarks:
            band = "" if b.band_low is None and b.band_high is None else f"{_fmt(b.band_low) if b.band_low is not None else '…'} to {_fmt(b.band_high) if b.band_high is not None else '…'}"
            rows.append({
                "kpi": b.kpi,
                "convention": b.convention,
                "indicative_target": b.indicative_target,
                "typical range": band,
                "comparable": b.comparable,
                "used as fallback": bool(
                    self.use_benchmarks and self.fallback(b.kpi) is not None
                    and not any(t.kpi == b.kpi and not t.segment for t in self.targets)
                ),
                "source": b.source,
                "caveat": b.caveat,
            })
        return pd.DataFrame(rows)
