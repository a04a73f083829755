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
- :class:`Target`, :class:`BenchmarkEntry`, :class:`RegulatoryRule`, :class:`TargetSet`,
  :class:`RegulatoryResult` (frozen dataclasses).
- :func:`load_targets` (a file or a mapping), :func:`targets_from_config` (the review config's
  ``targets:`` key), :func:`load_benchmarks` (the shipped catalogue).
- :func:`smart_check` — is each target Specific, Measurable, Achievable, Realistic, Time-bound?
- :func:`regulatory_compliance` — compliance rates of the regulatory rules, computed in the
  store's engine, with the failing cases.
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

import dataclasses
import datetime as dt
import difflib
import functools
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import yaml

from csperf_lib.core.config import ReviewConfig, _as_date
from csperf_lib.core.errors import ConfigError
from csperf_lib.core.settings import section_settings
from csperf_lib.core.tables import CANONICAL_TABLES
from csperf_lib.ingest.store import Store
from csperf_lib.methods.complaints import ComplaintTargets, duration_words
from csperf_lib.methods.kpis import KpiDefinition, KpiOptions, kpi_definitions, kpi_options
from csperf_lib.methods.stats import wilson_interval

__all__ = [
    "DEFAULT_REGULATORY_RULES",
    "complaint_rules",
    "ORIGINS",
    "SEGMENT_DIMENSIONS",
    "SOURCES",
    "BenchmarkEntry",
    "RegulatoryResult",
    "RegulatoryRule",
    "Target",
    "TargetSet",
    "load_benchmarks",
    "load_targets",
    "regulatory_compliance",
    "segment_label",
    "smart_check",
    "targets_from_config",
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

_DOCUMENT_KEYS = frozenset({"use_benchmarks", "targets", "regulatory"})
_TARGET_KEYS = frozenset(
    {"kpi", "segment", "target", "tolerance", "source", "owner", "baseline", "deadline",
     "review_date", "rationale", "caveat"}
)
_WINDOW_KEYS = {"within_days": 86_400.0, "within_hours": 3_600.0, "within_s": 1.0}
_RULE_KEYS = frozenset(
    {"id", "description", "source", "table", "start", "end", "required_rate", "caveat",
     *_WINDOW_KEYS}
)
_BENCHMARK_KEYS = frozenset(
    {"kpi", "convention", "indicative_target", "tolerance", "band_low", "band_high", "comparable",
     "options", "source", "caveat"}
)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_WHOLE_WORDS = frozenset({"", "all", "whole population", "overall", "none"})
_DAY_S = 86_400.0
_OPEN_REASON = "still open past the window"
_SUMMARY_COLUMNS = (
    "rule", "description", "source", "table", "window", "as_of", "n", "compliant", "breaches",
    "late", "open_past_window", "pending", "excluded", "rate", "ci_low", "ci_high",
    "required_rate", "status", "caveat",
)
_SMART_COLUMNS = (
    "kpi", "segment", "label", "specific", "measurable", "achievable", "realistic", "time_bound",
    "complete", "missing", "notes",
)


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _suggest(key: Any, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(key), sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


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


def _parse_date(value: Any, key: str, problems: list[str]) -> dt.date | None:
    return _as_date(value.strip() if isinstance(value, str) else value, key, problems)


def _optional_text(raw: Mapping[str, Any], name: str, key: str, problems: list[str]) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{key}.{name}: must be text")
        return None
    return value.strip() or None


def _range_problem(value: float, unit: str, what: str) -> str | None:
    """Why ``value`` cannot be a ``what`` in ``unit``, or None."""
    low, high, words = UNIT_RANGES.get(unit, UNIT_RANGES["number"])
    if low <= value <= high:
        return None
    hint = ""
    if unit == "proportion" and 1 < value <= 100:
        hint = f" (a proportion: write {_fmt(value / 100)} for {_fmt(value)} %)"
    return f"{what} {_fmt(value)} is outside the KPI's scale: {words}{hint}"


# --------------------------------------------------------------------------------------------
# dataclasses
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Target:
    """One target for one KPI, for the whole population or one segment.

    Attributes
    ----------
    kpi : str
        KPI id (see :func:`csperf_lib.methods.kpis.kpi_definitions`).
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


#: :func:`complaint_rules` at the default complaint targets.
DEFAULT_REGULATORY_RULES: tuple[RegulatoryRule, ...] = complaint_rules()


@dataclass(frozen=True)
class RegulatoryResult:
    """Compliance with the regulatory rules.

    Attributes
    ----------
    summary : DataFrame
        One row per rule: ``rule, description, source, table, window, as_of, n, compliant,
        breaches, late, open_past_window, pending, excluded, rate, ci_low, ci_high,
        required_rate, status, caveat``. ``n`` = compliant + breaches (late + open past the
        window); ``rate`` = compliant / n (proportion 0-1) with its Wilson interval; ``status``
        is ``compliant``, ``not compliant`` (the whole interval is below ``required_rate``),
        ``below required rate but not significantly``, ``no required rate`` or
        ``not assessed: <reason>``.
    failing_cases : DataFrame
        ``rule``, the table's key column (e.g. ``complaint_id``), ``start``, ``end`` (the end
        reached, NaT when still open), ``elapsed_days`` (to the end, or to ``as_of`` when
        open), ``reason`` (``late`` or ``still open past the window``); at most ``max_cases``
        per rule, longest first. The full counts are in ``summary``.
    confidence : float
        Level of the intervals.
    """

    summary: pd.DataFrame
    failing_cases: pd.DataFrame
    confidence: float = 0.95

    @property
    def findings(self) -> tuple[str, ...]:
        """One plain-English sentence per rule, e.g. for a report's findings list."""
        out = []
        for row in self.summary.itertuples(index=False):
            if str(row.status).startswith("not assessed"):
                out.append(f"{row.description}: {row.status} ({row.source}).")
                continue
            sentence = (
                f"{row.description}: {row.rate:.1%} of {row.n} judged cases comply "
                f"({self.confidence:.0%} CI {row.ci_low:.1%}-{row.ci_high:.1%}); {row.breaches} breaches "
                f"({row.late} late, {row.open_past_window} still open past the window)"
            )
            if row.pending:
                sentence += f", {row.pending} still within the window"
            if not pd.isna(row.required_rate):
                sentence += f"; required {row.required_rate:.0%}: {row.status}"
            out.append(f"{sentence} ({row.source}).")
        return tuple(out)


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
        Rules judged per case (:func:`regulatory_compliance`).
    source : str
        The targets file's path, or ``"review config"`` (inline, or no targets at all).
    use_benchmarks : bool
        Whether KPIs without a target fall back to an indicative benchmark.
    kpis : tuple of KpiDefinition
        The KPI definitions the targets were validated against (empty: the built-in catalogue).
    """

    targets: tuple[Target, ...] = ()
    benchmarks: tuple[BenchmarkEntry, ...] = ()
    regulatory: tuple[RegulatoryRule, ...] = DEFAULT_REGULATORY_RULES
    source: str = "review config"
    use_benchmarks: bool = True
    kpis: tuple[KpiDefinition, ...] = field(default=(), repr=False)

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


# --------------------------------------------------------------------------------------------
# the benchmark catalogue
# --------------------------------------------------------------------------------------------


def _optional_number(raw: Mapping[str, Any], name: str, key: str, problems: list[str]) -> float | None:
    value = raw.get(name)
    if value is None:
        return None
    if not _is_number(value):
        problems.append(f"{key}.{name}: must be a number or null")
        return None
    return float(value)


@functools.lru_cache(maxsize=1)
def load_benchmarks() -> tuple[BenchmarkEntry, ...]:
    """The indicative benchmark catalogue shipped with csperf (read and validated once, lazily).

    Returns
    -------
    tuple of BenchmarkEntry
        In catalogue order, one per KPI.

    Raises
    ------
    ConfigError
        When the shipped file is invalid (every problem listed).
    """
    source = resources.files("csperf_lib").joinpath("data", "benchmarks.yaml")
    doc = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    definitions = {k.id: k for k in kpi_definitions()}
    problems: list[str] = []
    entries = []
    raw_entries = doc.get("benchmarks") if isinstance(doc, Mapping) else None
    if not isinstance(raw_entries, list):
        raise ConfigError(str(source), ["benchmarks: must be a list of entries"])
    seen: set[str] = set()
    for i, raw in enumerate(raw_entries):
        key = f"benchmarks[{i}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{key}: must be a mapping")
            continue
        before = len(problems)
        problems += [f"{key}.{k}: unknown field{_suggest(k, _BENCHMARK_KEYS)}"
                     for k in raw if k not in _BENCHMARK_KEYS]
        kpi = raw.get("kpi")
        definition = definitions.get(kpi)
        if definition is None:
            problems.append(f"{key}.kpi: '{kpi}' is not a KPI of the catalogue")
        elif kpi in seen:
            problems.append(f"{key}.kpi: '{kpi}' has two entries")
        seen.add(kpi)
        for name in ("convention", "source", "caveat"):
            if not isinstance(raw.get(name), str) or not raw[name].strip():
                problems.append(f"{key}.{name}: required text")
        numbers = {n: _optional_number(raw, n, key, problems)
                   for n in ("indicative_target", "tolerance", "band_low", "band_high")}
        if definition is not None:
            for name in ("indicative_target", "band_low", "band_high"):
                if numbers[name] is not None and (
                    why := _range_problem(numbers[name], definition.unit, name)
                ):
                    problems.append(f"{key}.{name}: {why}")
        if numbers["tolerance"] is not None and numbers["tolerance"] < 0:
            problems.append(f"{key}.tolerance: must be >= 0")
        low, high = numbers["band_low"], numbers["band_high"]
        if low is not None and high is not None and low > high:
            problems.append(f"{key}: band_low {_fmt(low)} is above band_high {_fmt(high)}")
        comparable = raw.get("comparable")
        if not isinstance(comparable, bool):
            problems.append(f"{key}.comparable: must be true or false")
        elif numbers["indicative_target"] is not None and not comparable:
            problems.append(f"{key}: a figure that is not comparable cannot be an indicative target")
        options = raw.get("options") or {}
        if not isinstance(options, Mapping):
            problems.append(f"{key}.options: must be a mapping of KPI option to value")
            options = {}
        if len(problems) > before:
            continue
        entries.append(
            BenchmarkEntry(
                kpi=str(kpi),
                convention=" ".join(raw["convention"].split()),
                indicative_target=numbers["indicative_target"],
                tolerance=numbers["tolerance"],
                band_low=low,
                band_high=high,
                source=" ".join(raw["source"].split()),
                caveat=" ".join(raw["caveat"].split()),
                comparable=bool(comparable),
                options=tuple(sorted(options.items())),
            )
        )
    if problems:
        raise ConfigError(str(source), problems)
    return tuple(entries)


def _fit_benchmarks(options: KpiOptions) -> tuple[BenchmarkEntry, ...]:
    """The catalogue, with entries assuming other KPI options than ``options`` made not comparable."""
    fitted = []
    for entry in load_benchmarks():
        differ = [(name, value) for name, value in entry.options
                  if name in options.values and options.values[name] != value]
        if differ and entry.comparable:
            words = ", ".join(f"{n} = {options.values[n]} (the figure assumes {v})" for n, v in differ)
            entry = dataclasses.replace(
                entry, comparable=False, caveat=f"{entry.caveat} Not comparable here: the review uses {words}."
            )
        fitted.append(entry)
    return tuple(fitted)


# --------------------------------------------------------------------------------------------
# parsing the targets
# --------------------------------------------------------------------------------------------


def _parse_source(value: Any, key: str, problems: list[str]) -> str | None:
    if value is None:
        problems.append(f"{key}: required, one of {', '.join(SOURCES)}")
        return None
    lowered = {s.lower(): s for s in SOURCES}
    text = " ".join(str(value).split()).lower()
    if text in lowered:
        return lowered[text]
    close = difflib.get_close_matches(text, list(lowered), n=1)
    hint = f" (did you mean '{lowered[close[0]]}'?)" if close else f" (one of {', '.join(SOURCES)})"
    problems.append(f"{key}: '{value}' is not a known source{hint}")
    return None


def _parse_segment(value: Any, key: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    if value is None or (isinstance(value, str) and value.strip().lower() in _WHOLE_WORDS):
        return ()
    if not isinstance(value, Mapping):
        problems.append(f"{key}: a mapping such as {{queue: Billing}}, or 'all' for the whole population")
        return ()
    pairs = []
    for dim, level in value.items():
        if dim not in SEGMENT_DIMENSIONS:
            problems.append(
                f"{key}.{dim}: not a segment dimension ({', '.join(SEGMENT_DIMENSIONS)})"
                f"{_suggest(dim, SEGMENT_DIMENSIONS)}"
            )
        elif level is None or isinstance(level, bool | list | tuple | Mapping) or not str(level).strip():
            problems.append(f"{key}.{dim}: give one value (write one target per value)")
        else:
            pairs.append((str(dim), str(level).strip()))
    return _canonical_segment(pairs)


def _parse_tolerance(
    value: Any, target: float | None, unit: str | None, key: str, problems: list[str]
) -> tuple[float | None, str | None]:
    """The tolerance as an absolute number in the KPI's unit, and as written."""
    if value is None:
        return None, None
    spec = str(value).strip() if isinstance(value, str) else str(value) if _is_number(value) else None
    absolute: float | None = None
    if _is_number(value):
        absolute = float(value)
    elif isinstance(value, str) and spec.endswith("%"):
        try:
            relative = float(spec[:-1]) / 100.0
        except ValueError:
            relative = None
        if relative is None or not math.isfinite(relative) or relative < 0:
            problems.append(f"{key}: '{value}' is not a percentage >= 0 such as \"5%\"")
            return None, spec
        if target is None:
            return None, spec  # the target's own problem is reported
        if target == 0 and relative > 0:
            problems.append(f"{key}: a relative tolerance of a target of 0 is 0; give an absolute tolerance")
            return None, spec
        absolute = relative * abs(target)
    elif isinstance(value, str):
        try:
            absolute = float(spec)
        except ValueError:
            absolute = None
        if absolute is None or not math.isfinite(absolute):
            problems.append(f"{key}: '{value}' is neither a number nor a percentage such as \"5%\"")
            return None, spec
    else:
        problems.append(f"{key}: give a number in the KPI's unit or a percentage such as \"5%\"")
        return None, None
    if absolute < 0:
        problems.append(f"{key}: must not be negative, got {spec}")
        return None, spec
    if unit is not None:
        low, high, words = UNIT_RANGES.get(unit, UNIT_RANGES["number"])
        if math.isfinite(high - low) and absolute > high - low:
            hint = ""
            if unit == "proportion":
                hint = (f"; for {spec} percentage points write {_fmt(absolute / 100)}, for {spec} % "
                        f"of the target write \"{spec}%\"")
            problems.append(f"{key}: {_fmt(absolute)} is wider than the whole scale ({words}){hint}")
            return None, spec
    return absolute, spec


def _parse_target(
    raw: Any, key: str, problems: list[str], *, definitions: Mapping[str, KpiDefinition]
) -> Target | None:
    """Validate one target; append every problem (with its key) to ``problems``."""
    if not isinstance(raw, Mapping):
        problems.append(f"{key}: a target is a mapping with kpi, target, source, owner, ...")
        return None
    before = len(problems)
    problems += [f"{key}.{k}: unknown key{_suggest(k, _TARGET_KEYS)}" for k in raw if k not in _TARGET_KEYS]
    kpi = raw.get("kpi")
    definition = definitions.get(kpi) if isinstance(kpi, str) else None
    if kpi is None:
        problems.append(f"{key}.kpi: required, a KPI id such as csat_mean")
    elif definition is None:
        problems.append(f"{key}.kpi: '{kpi}' is not a KPI{_suggest(kpi, definitions)}")
    elif definition.direction not in DIRECTIONS:
        problems.append(
            f"{key}.kpi: {kpi} is '{definition.direction}' in the KPI catalogue (neither higher "
            "nor lower is better), so a target on it cannot be judged"
        )
    unit = definition.unit if definition is not None else None
    words = UNIT_RANGES.get(unit, UNIT_RANGES["number"])[2] if unit else "the KPI's unit"
    value = raw.get("target")
    target: float | None = None
    if value is None:
        problems.append(f"{key}.target: required, a number in the KPI's unit ({words})")
    elif not _is_number(value):
        problems.append(f"{key}.target: '{value}' is not a number ({words})")
    else:
        target = float(value)
        if unit is not None and (why := _range_problem(target, unit, "target")):
            problems.append(f"{key}.target: {why}")
    tolerance, spec = _parse_tolerance(raw.get("tolerance"), target, unit, f"{key}.tolerance", problems)
    segment = _parse_segment(raw.get("segment"), f"{key}.segment", problems)
    source = _parse_source(raw.get("source"), f"{key}.source", problems)
    baseline = raw.get("baseline")
    if baseline is not None:
        if not _is_number(baseline):
            problems.append(f"{key}.baseline: '{baseline}' is not a number ({words})")
            baseline = None
        else:
            baseline = float(baseline)
            if unit is not None and (why := _range_problem(baseline, unit, "baseline")):
                problems.append(f"{key}.baseline: {why}")
    deadline = _parse_date(raw.get("deadline"), f"{key}.deadline", problems)
    review_date = _parse_date(raw.get("review_date"), f"{key}.review_date", problems)
    owner = _optional_text(raw, "owner", key, problems)
    rationale = _optional_text(raw, "rationale", key, problems)
    caveat = _optional_text(raw, "caveat", key, problems)
    if len(problems) > before or definition is None or target is None or source is None:
        return None
    return Target(
        kpi=str(kpi), target=target, tolerance=tolerance, tolerance_spec=spec, segment=segment,
        direction=definition.direction, source=source, owner=owner, baseline=baseline,
        deadline=deadline, review_date=review_date, rationale=rationale,
        origin="targets file", caveat=caveat,
    )


def _parse_rule(raw: Any, key: str, problems: list[str]) -> RegulatoryRule | None:
    """Validate one regulatory rule; append every problem (with its key) to ``problems``."""
    if not isinstance(raw, Mapping):
        problems.append(f"{key}: a rule is a mapping with id, table, start, end, within_days, ...")
        return None
    before = len(problems)
    problems += [f"{key}.{k}: unknown key{_suggest(k, _RULE_KEYS)}" for k in raw if k not in _RULE_KEYS]
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        problems.append(f"{key}.id: required, lower-case letters, digits and _ (e.g. complaints_resolved_in_time)")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{key}.source: required text, e.g. 'FCA DISP 1.6.2R'")
    description = _optional_text(raw, "description", key, problems)
    caveat = _optional_text(raw, "caveat", key, problems)
    table = raw.get("table")
    datetimes: list[str] = []
    if table is None:
        problems.append(f"{key}.table: required, one of {', '.join(CANONICAL_TABLES)}")
    elif table not in CANONICAL_TABLES:
        problems.append(f"{key}.table: '{table}' is not a canonical table{_suggest(table, CANONICAL_TABLES)}")
        table = None
    else:
        datetimes = [c for c, kind in CANONICAL_TABLES[table].columns.items() if kind == "datetime"]

    def column(value: Any, where: str) -> str | None:
        if not isinstance(value, str) or not value:
            problems.append(f"{where}: required, a timestamp column of the table")
            return None
        if table is None:
            return value
        columns = CANONICAL_TABLES[table].columns
        if value not in columns:
            problems.append(f"{where}: '{value}' is not a column of {table}{_suggest(value, columns)}")
            return None
        if columns[value] != "datetime":
            problems.append(
                f"{where}: '{value}' is a {columns[value]} column of {table}, not a timestamp "
                f"({', '.join(datetimes) or 'it has none'})"
            )
            return None
        return value

    start = column(raw.get("start"), f"{key}.start")
    end_raw = raw.get("end")
    ends: list[str | None] = []
    if isinstance(end_raw, list) and end_raw:
        ends = [column(v, f"{key}.end[{i}]") for i, v in enumerate(end_raw)]
    elif isinstance(end_raw, list):
        problems.append(f"{key}.end: give a timestamp column or a non-empty list of them")
    else:
        ends = [column(end_raw, f"{key}.end")]
    if start is not None and start in ends:
        problems.append(f"{key}.end: '{start}' is also the start column")
    windows = [k for k in _WINDOW_KEYS if raw.get(k) is not None]
    within_s = None
    if len(windows) != 1:
        problems.append(
            f"{key}: give exactly one window: within_days, within_hours or within_s"
            + (f" (got {', '.join(windows)})" if windows else "")
        )
    else:
        value = raw[windows[0]]
        if not _is_number(value) or value <= 0:
            problems.append(f"{key}.{windows[0]}: must be a number greater than 0, got {value!r}")
        else:
            within_s = float(value) * _WINDOW_KEYS[windows[0]]
    required = raw.get("required_rate")
    if required is not None and not (_is_number(required) and 0 < required <= 1):
        problems.append(f"{key}.required_rate: a proportion in (0, 1] such as 0.95, or null")
    if len(problems) > before:
        return None
    return RegulatoryRule(
        id=rule_id, description=description or rule_id, source=" ".join(source.split()),
        table=table, start=start, end=tuple(ends), within_s=within_s,
        required_rate=None if required is None else float(required), caveat=caveat,
    )


def _parse_document(
    raw: Any,
    *,
    path: str,
    prefix: str,
    definitions: tuple[KpiDefinition, ...],
    options: KpiOptions,
    use_benchmarks: bool,
    source: str,
    default_rules: tuple[RegulatoryRule, ...] = DEFAULT_REGULATORY_RULES,
) -> TargetSet:
    if raw is None:
        raw = {}
    if isinstance(raw, list):  # a bare list is the targets: list
        raw = {"targets": raw}
    if not isinstance(raw, Mapping):
        where = prefix.rstrip(".") or "the targets file"
        raise ConfigError(path, [f"{where}: must be a mapping with targets:, use_benchmarks:, regulatory:"])
    problems: list[str] = [
        f"{prefix}{k}: unknown key{_suggest(k, _DOCUMENT_KEYS)}" for k in raw if k not in _DOCUMENT_KEYS
    ]
    file_flag = raw.get("use_benchmarks", True)
    if not isinstance(file_flag, bool):
        problems.append(f"{prefix}use_benchmarks: must be true or false")
        file_flag = True
    by_id = {k.id: k for k in definitions}
    targets_raw = raw.get("targets")
    if targets_raw is None:
        targets_raw = []
    if not isinstance(targets_raw, list):
        problems.append(f"{prefix}targets: must be a list of targets (- kpi: ..., target: ...)")
        targets_raw = []
    targets: list[Target] = []
    first_index: dict[tuple, int] = {}
    for i, item in enumerate(targets_raw):
        key = f"{prefix}targets[{i}]"
        parsed = _parse_target(item, key, problems, definitions=by_id)
        if parsed is None:
            continue
        if parsed.key in first_index:
            problems.append(
                f"{key}: a second target for {parsed.label} (the first is "
                f"{prefix}targets[{first_index[parsed.key]}]); keep one"
            )
            continue
        first_index[parsed.key] = i
        targets.append(parsed)
    rules_raw = raw.get("regulatory")
    rules: tuple[RegulatoryRule, ...] = default_rules
    if rules_raw is not None:
        parsed_rules = []
        if not isinstance(rules_raw, list):
            problems.append(f"{prefix}regulatory: must be a list of rules (or [] for none)")
            rules_raw = []
        seen: dict[str, int] = {}
        for i, item in enumerate(rules_raw):
            key = f"{prefix}regulatory[{i}]"
            rule = _parse_rule(item, key, problems)
            if rule is None:
                continue
            if rule.id in seen:
                problems.append(f"{key}.id: '{rule.id}' is also regulatory[{seen[rule.id]}]")
                continue
            seen[rule.id] = i
            parsed_rules.append(rule)
        rules = tuple(parsed_rules)
    if problems:
        raise ConfigError(path, problems)
    return TargetSet(
        targets=tuple(targets),
        benchmarks=_fit_benchmarks(options),
        regulatory=rules,
        source=source,
        use_benchmarks=bool(use_benchmarks and file_flag),
        kpis=tuple(definitions),
    )


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(str(path), [f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["the targets file must be UTF-8 text"]) from None


def load_targets(
    source: str | Path | Mapping[str, Any] | Sequence[Any],
    *,
    base: str | Path | None = None,
    kpis: Iterable[KpiDefinition] | None = None,
    options: KpiOptions | Mapping[str, Any] | None = None,
    use_benchmarks: bool = True,
    default_rules: tuple[RegulatoryRule, ...] = DEFAULT_REGULATORY_RULES,
) -> TargetSet:
    """Read and validate targets from a YAML file or a mapping (see the module docstring).

    Parameters
    ----------
    source : str, Path, mapping or list
        Path of a targets YAML, or its content already parsed (a mapping; a list is read as the
        ``targets:`` list).
    base : str or Path, optional, keyword-only
        Folder a relative path is resolved against (default: the working directory).
    kpis : iterable of KpiDefinition, optional, keyword-only
        KPIs targets may name (default: the built-in catalogue; pass
        ``kpi_definitions(config)`` to allow the config's custom KPIs).
    options : KpiOptions or mapping, optional, keyword-only
        The review's KPI options (its ``kpis:`` section); benchmark entries assuming other values
        (e.g. an 80/20 service level with a 30 s threshold) are made not comparable.
    use_benchmarks : bool, keyword-only
        False disables the indicative-benchmark fallback whatever the file says; True (default)
        leaves it to the file's ``use_benchmarks`` (default true).
    default_rules : tuple of RegulatoryRule, keyword-only
        The rules checked when the file has no ``regulatory:`` section (default: the complaint
        rules at the default complaint targets, :func:`complaint_rules`).

    Returns
    -------
    TargetSet

    Raises
    ------
    ConfigError
        When the file is missing or not YAML, or listing every problem of its content at once,
        each with its key (``targets[2].tolerance``, ``regulatory[0].end``, ...).
    """
    definitions = tuple(kpis) if kpis is not None else kpi_definitions()
    resolved_options = kpi_options(options)
    if isinstance(source, str | Path):
        path = Path(os.path.expanduser(str(source)))
        if not path.is_absolute():
            path = (Path(base) if base is not None else Path.cwd()) / path
        path = path.resolve()
        if not path.is_file():
            raise ConfigError(str(path), ["the targets file does not exist"])
        return _parse_document(
            _read_yaml(path), path=str(path), prefix="", definitions=definitions,
            options=resolved_options, use_benchmarks=use_benchmarks, source=str(path),
            default_rules=default_rules,
        )
    if isinstance(source, Mapping | list | tuple):
        return _parse_document(
            list(source) if isinstance(source, tuple) else source, path="<targets>", prefix="",
            definitions=definitions, options=resolved_options, use_benchmarks=use_benchmarks,
            source="review config", default_rules=default_rules,
        )
    raise TypeError("source must be a path to a targets YAML or its parsed content (a mapping)")


def _as_written(section: Any) -> Any:
    """A typed targets section (file name, document or list) as the mapping its reader parses."""
    if isinstance(section, list):
        return [item.model_dump(exclude_unset=True) for item in section]
    if hasattr(section, "model_dump"):
        return section.model_dump(exclude_unset=True)
    return section


def targets_from_config(config: ReviewConfig | Mapping[str, Any] | None) -> TargetSet:
    """The targets of a review config (its ``targets:`` key).

    Parameters
    ----------
    config : ReviewConfig, mapping or None
        The review config (or its parsed YAML; None: no config). ``targets`` absent: no targets of the
        organisation's own (indicative benchmarks and the default regulatory rules only); a
        string: a targets file, relative to the config's folder; a mapping: the targets inline.
        Custom KPIs of ``kpis.custom`` may be targeted; the ``kpis:`` options decide which
        benchmarks are comparable.

    Returns
    -------
    TargetSet

    Raises
    ------
    ConfigError
        Listing every problem at once (the config's ``kpis:`` section's problems first, if any).
    """
    if isinstance(config, ReviewConfig):
        path, folder = str(config.path), config.path.parent
    elif isinstance(config, Mapping) or config is None:
        path, folder = "<config>", Path.cwd()
    else:
        raise TypeError("config must be a ReviewConfig, the parsed review YAML (a mapping) or None")
    definitions = kpi_definitions(config)
    options = kpi_options(config)
    # the complaint deadlines are configured once, in complaints:; the default rules check them
    rules = complaint_rules(ComplaintTargets.from_config(section_settings(config, "complaints")[1]))
    if isinstance(config, ReviewConfig) and config.settings is not None:
        # the typed section (checked at load against TargetsDocument); what a target means —
        # its KPI, segment, tolerance and the KPI's unit — is judged by this module's reader
        section = _as_written(config.settings.targets)
    else:
        section = (config or {}).get("targets")
    if isinstance(section, str | Path):
        file = Path(os.path.expanduser(str(section)))
        file = (file if file.is_absolute() else folder / file).resolve()
        if not file.is_file():
            raise ConfigError(path, [f"targets: the targets file {file} does not exist"])
        return load_targets(file, kpis=definitions, options=options, default_rules=rules)
    if section is not None and not isinstance(section, Mapping | list):
        raise ConfigError(path, ["targets: give a file name (targets: targets.yaml) or the targets "
                                 "inline as a mapping with targets:, use_benchmarks:, regulatory:"])
    return _parse_document(
        section, path=path, prefix="targets.", definitions=definitions, options=options,
        use_benchmarks=True, source="review config", default_rules=rules,
    )


# --------------------------------------------------------------------------------------------
# SMART check
# --------------------------------------------------------------------------------------------


def _evidence_status(evidence: pd.DataFrame | None) -> dict[tuple[str, str], Any]:
    if evidence is None:
        return {}
    missing = {"kpi", "segment", "status"} - set(evidence.columns)
    if missing:
        raise ValueError(f"evidence needs the columns kpi, segment, status (missing {sorted(missing)})")
    dimensions = evidence["dimension"] if "dimension" in evidence.columns else [None] * len(evidence)
    found = {}
    for kpi, dim, seg, status in zip(
        evidence["kpi"], dimensions, evidence["segment"], evidence["status"], strict=True
    ):
        plain = isinstance(seg, str | int | float) and not pd.isna(seg)
        named = dim is not None and not pd.isna(dim) and str(dim).strip().lower() not in _WHOLE_WORDS
        label = segment_label(((dim, seg),)) if plain and named else segment_label(seg)
        found[(str(kpi), label)] = status
    return found


def _realistic(target: Target, entry: BenchmarkEntry | None, unit: str) -> tuple[Any, str, str]:
    """(realistic, what is missing, note) under the rule of the module docstring."""
    low, high, _ = UNIT_RANGES.get(unit, UNIT_RANGES["number"])
    higher = target.direction == "higher_is_better"
    best_end = high if higher else low
    if math.isfinite(best_end) and target.target == best_end:
        return False, f"target at the best end of the scale ({_fmt(best_end)}): no room for error", ""
    if entry is None or not entry.comparable or (entry.band_low is None and entry.band_high is None):
        return pd.NA, "", "realistic not assessed: no comparable benchmark range"
    band_low, band_high = entry.band_low, entry.band_high
    if band_low is not None and band_high is not None:
        margin = band_high - band_low
        band = f"{_fmt(band_low)}-{_fmt(band_high)}"
    else:
        margin = entry.tolerance or 0.0
        band = f"{_fmt(band_low)} or more" if band_low is not None else f"{_fmt(band_high)} or less"
    words = f"indicative benchmark range ({band}; {entry.source})"
    if higher:
        beyond = band_high is not None and target.target > band_high + margin
        weaker = band_low is not None and target.target < band_low
    else:
        beyond = band_low is not None and target.target < band_low - margin
        weaker = band_high is not None and target.target > band_high
    if beyond:
        return False, f"beyond the {words}", ""
    if weaker:
        return True, "", f"less ambitious than the {words}"
    return True, "", ""


def smart_check(
    target_set: TargetSet, *, evidence: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Check every target of the file for SMART completeness and list what is missing.

    Parameters
    ----------
    target_set : TargetSet
        Targets from :func:`load_targets` or :func:`targets_from_config`; indicative-benchmark
        fallbacks are not checked (they are not the organisation's targets).
    evidence : DataFrame, optional, keyword-only
        ``kpi, segment, status`` per target, e.g. the target review of
        :mod:`csperf_lib.stages.benchmarks` (``segment`` as pairs, a mapping or its
        :func:`segment_label`; or, with a ``dimension`` column, the segment's value, e.g.
        ``dimension = "region", segment = "North"``, and ``"all"`` for the whole population).
        ``status == "not_achievable"`` makes a target not achievable;
        a missing row, a missing status or one starting ``not assessed`` or ``insufficient``
        leaves it NA; any other status counts as achievable. Not modified.

    Returns
    -------
    DataFrame
        One row per file target: ``kpi, segment`` (in words), ``label``, ``specific,
        measurable, achievable, realistic, time_bound`` (nullable booleans; NA = not assessed),
        ``complete`` (nothing missing), ``missing`` (plain words, ``"; "``-separated, empty
        when nothing is) and ``notes``. The criteria are defined in the module docstring.
    """
    statuses = _evidence_status(evidence)
    definitions = target_set._definitions()
    rows = []
    for target in target_set.targets:
        definition = definitions.get(target.kpi)
        missing: list[str] = []
        notes: list[str] = []
        if not target.owner:
            missing.append("no owner")
        specific = definition is not None and bool(target.owner)
        measurable = bool(definition is not None and definition.definition and definition.unit)
        if definition is None:
            missing.append("KPI not in the catalogue")
        elif not definition.definition:
            missing.append("KPI has no plain-language definition")
        if target.baseline is None:
            missing.append("no baseline")
        status = statuses.get((target.kpi, target.segment_label))
        text = "" if status is None or pd.isna(status) else str(status).strip()
        if not text or text.lower().startswith(("not assessed", "insufficient")):
            achievable: Any = pd.NA
            notes.append("achievable not assessed: no evidence" if not text else f"achievable: {text}")
        elif text == "not_achievable":
            achievable = False
            missing.append("not achievable per the evidence")
        else:
            achievable = True
        unit = definition.unit if definition is not None else "number"
        realistic, lacking, note = _realistic(target, target_set.benchmark(target.kpi), unit)
        if lacking:
            missing.append(lacking)
        if note:
            notes.append(note)
        time_bound = target.deadline is not None or target.review_date is not None
        if not time_bound:
            missing.append("no deadline or review date")
        if not target.rationale:
            missing.append("no rationale")
        rows.append(
            {
                "kpi": target.kpi,
                "segment": target.segment_label,
                "label": target.label,
                "specific": specific,
                "measurable": measurable,
                "achievable": achievable,
                "realistic": realistic,
                "time_bound": time_bound,
                "complete": not missing,
                "missing": "; ".join(missing),
                "notes": "; ".join(notes),
            }
        )
    out = pd.DataFrame(rows, columns=list(_SMART_COLUMNS))
    for column in ("specific", "measurable", "achievable", "realistic", "time_bound", "complete"):
        out[column] = out[column].astype("boolean")
    return out


# --------------------------------------------------------------------------------------------
# regulatory compliance
# --------------------------------------------------------------------------------------------


def _timestamp(table: ibis.Table, column: str) -> ibis.Value:
    value = table[column]
    return value if value.type().is_timestamp() else value.cast("timestamp")


def _not_assessed(reason: str) -> dict[str, Any]:
    return {"as_of": pd.NaT, "n": 0, "compliant": 0, "breaches": 0, "late": 0, "open_past_window": 0,
            "pending": 0, "excluded": 0, "status": f"not assessed: {reason}"}


def _assess_rule(
    store: Store, rule: RegulatoryRule, *, as_of: pd.Timestamp | None, max_cases: int | None
) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Counts of one rule (computed in the engine) and its failing cases (limited)."""
    if not store.has(rule.table):
        return _not_assessed(f"no {rule.table} table"), None
    table = store.table(rule.table)
    schema = table.schema()
    if rule.start not in schema:
        return _not_assessed(f"no {rule.start} column in the {rule.table} table"), None
    if rule.end[0] not in schema:
        return _not_assessed(f"no {rule.end[0]} column in the {rule.table} table"), None
    ends = [c for c in rule.end if c in schema]
    stamps = sorted(
        {rule.start, *ends}
        | {c for c, kind in CANONICAL_TABLES[rule.table].columns.items() if kind == "datetime" and c in schema}
    )
    start = _timestamp(table, rule.start)
    overview = table.aggregate(
        _rows=table.count(),
        _no_start=start.isnull().cast("int64").sum(),
        _recorded=_timestamp(table, rule.end[0]).count(),
        **{f"_latest_{i}": _timestamp(table, c).max() for i, c in enumerate(stamps)},
    ).execute().iloc[0]
    if int(overview["_rows"]) == 0:
        return _not_assessed(f"the {rule.table} table is empty"), None
    if int(overview["_recorded"]) == 0:
        return _not_assessed(f"{rule.end[0]} is never recorded in the {rule.table} table"), None
    latest = [pd.Timestamp(overview[f"_latest_{i}"]) for i in range(len(stamps))]
    latest = [t for t in latest if pd.notna(t)]
    if as_of is None and not latest:
        return _not_assessed(f"no timestamps are recorded in the {rule.table} table"), None
    moment = pd.Timestamp(as_of) if as_of is not None else max(latest)
    literal = ibis.literal(moment.to_pydatetime(), type="timestamp")
    moment_s = (moment - pd.Timestamp(0)).total_seconds()

    completed = None
    before_start = ibis.literal(False)
    for column in ends:
        end = _timestamp(table, column)
        usable = ibis.ifelse(end.notnull() & (end >= start) & (end <= literal), end, ibis.null("timestamp"))
        completed = usable if completed is None else ibis.ifelse(
            completed.isnull() | (usable.notnull() & (usable < completed)), usable, completed
        )
        before_start = before_start | (end.notnull() & (end < start))
    start_s = start.epoch_seconds().cast("float64")
    view = table.filter(start.notnull() & (start <= literal)).mutate(
        _start=start,
        _end=completed,
        _elapsed=completed.epoch_seconds().cast("float64") - start_s,
        _age=ibis.literal(moment_s) - start_s,
        _before=before_start,
    )
    window = float(rule.within_s)
    done = view["_end"].notnull()
    compliant = done & (view["_elapsed"] <= window)
    late = done & (view["_elapsed"] > window)
    excluded = ~done & view["_before"]
    overdue = ~done & ~view["_before"] & (view["_age"] > window)
    pending = ~done & ~view["_before"] & (view["_age"] <= window)
    counts = view.aggregate(
        compliant=compliant.cast("int64").sum(),
        late=late.cast("int64").sum(),
        open_past_window=overdue.cast("int64").sum(),
        pending=pending.cast("int64").sum(),
        excluded=excluded.cast("int64").sum(),
    ).execute().iloc[0]
    record = {name: int(0 if pd.isna(counts[name]) else counts[name])
              for name in ("compliant", "late", "open_past_window", "pending", "excluded")}
    record["excluded"] += int(0 if pd.isna(overview["_no_start"]) else overview["_no_start"])
    record["breaches"] = record["late"] + record["open_past_window"]
    record["n"] = record["compliant"] + record["breaches"]
    record["as_of"] = moment

    key = CANONICAL_TABLES[rule.table].key
    cases = None
    if record["breaches"]:
        failing = view.filter(late | overdue).mutate(
            elapsed_days=ibis.ifelse(view["_end"].notnull(), view["_elapsed"], view["_age"]) / _DAY_S,
            reason=ibis.ifelse(view["_end"].notnull(), "late", _OPEN_REASON),
        )
        keys = [key] if key is not None and key in schema else []
        ordered = failing.order_by([ibis.desc("elapsed_days"), *keys])
        if max_cases is not None:
            ordered = ordered.limit(int(max_cases))
        cases = ordered.select(*keys, "_start", "_end", "elapsed_days", "reason").execute()
        cases = cases.rename(columns={"_start": "start", "_end": "end"})
        cases.insert(0, "rule", rule.id)
    return record, cases


def regulatory_compliance(
    store: Store,
    rules: TargetSet | Iterable[RegulatoryRule],
    *,
    as_of: pd.Timestamp | str | None = None,
    max_cases: int | None = 50,
    confidence: float = 0.95,
) -> RegulatoryResult:
    r"""Compliance rates of regulatory rules, with the failing cases listed.

    Parameters
    ----------
    store : Store
        The processed store (its usable rows, :meth:`csperf_lib.ingest.store.Store.table`).
    rules : TargetSet or iterable of RegulatoryRule
        The rules (a TargetSet's ``regulatory``).
    as_of : Timestamp or str, optional, keyword-only
        The moment open rows are aged to. Default: per rule, the latest timestamp in its table
        (never the wall clock). Rows starting after it are not in view; ends after it have not
        happened yet.
    max_cases : int or None, keyword-only
        Failing cases listed per rule, longest first (None: all). Counts are never limited.
    confidence : float, keyword-only
        Level of the Wilson intervals (default 0.95).

    Returns
    -------
    RegulatoryResult
        ``summary`` (one row per rule) and ``failing_cases``; see :class:`RegulatoryResult`.
        A rule whose table or columns are absent, or whose first end column is never filled
        in, is ``not assessed: <reason>`` rather than an error.

    Notes
    -----
    Per rule, compliant :math:`x` of :math:`n` judged rows, :math:`\hat p = x/n`, with the
    Wilson (1927) score interval. With a required rate :math:`r`: ``not compliant`` when the
    interval's upper bound is below :math:`r`; ``below required rate but not significantly``
    when :math:`\hat p < r` otherwise; else ``compliant``. With :math:`r = 1` any breach makes
    the upper bound fall below 1, so every breach counts.
    """
    rule_list = list(rules.regulatory if isinstance(rules, TargetSet) else rules)
    if max_cases is not None and int(max_cases) < 0:
        raise ValueError(f"max_cases must be >= 0 or None, got {max_cases!r}")
    moment = None if as_of is None else pd.Timestamp(as_of)
    records = []
    cases: list[pd.DataFrame] = []
    for rule in rule_list:
        record, failing = _assess_rule(store, rule, as_of=moment, max_cases=max_cases)
        record.update(
            rule=rule.id, description=rule.description, source=rule.source, table=rule.table,
            window=rule.window_label, caveat=rule.caveat,
            required_rate=math.nan if rule.required_rate is None else float(rule.required_rate),
        )
        n, x = record["n"], record["compliant"]
        low, high = wilson_interval(x, n, confidence=confidence) if n else (math.nan, math.nan)
        record.update(rate=x / n if n else math.nan, ci_low=float(low), ci_high=float(high))
        if "status" not in record:
            required = rule.required_rate
            if n == 0:
                record["status"] = "not assessed: no case can be judged yet (all pending or excluded)"
            elif required is None:
                record["status"] = "no required rate"
            elif record["ci_high"] < required:
                record["status"] = "not compliant"
            elif record["rate"] < required:
                record["status"] = "below required rate but not significantly"
            else:
                record["status"] = "compliant"
        records.append(record)
        if failing is not None and len(failing):
            cases.append(failing)
    summary = pd.DataFrame(records, columns=list(_SUMMARY_COLUMNS))
    base = ["rule", "start", "end", "elapsed_days", "reason"]
    if cases:
        failing_cases = pd.concat(cases, ignore_index=True)
        keys = [c for c in failing_cases.columns if c not in base]
        failing_cases = failing_cases[["rule", *keys, *base[1:]]]
    else:
        failing_cases = pd.DataFrame(
            {"rule": pd.Series(dtype="string"), "start": pd.Series(dtype="datetime64[ns]"),
             "end": pd.Series(dtype="datetime64[ns]"), "elapsed_days": pd.Series(dtype="float64"),
             "reason": pd.Series(dtype="string")}
        )
    return RegulatoryResult(summary=summary, failing_cases=failing_cases, confidence=float(confidence))
