"""Evidence-backed management actions: a transparent rule set maps evidence to recommendations.

The rules live in ``csperf_lib/data/recommendation_rules.yaml`` (read it: every rule, option,
benefit and risk is there in plain words) and can be extended or overridden under
``recommendations.rules`` in the review config. Each rule selects findings from the review's
findings ledger by their fields (kind, KPI, dimension, significance, effect size, kind-specific
attributes; :func:`finding_conditions`) — never by their text — and names a *pattern* that groups
what it selected and fills the action's placeholders; :func:`recommend` turns every match into a
:class:`Recommendation` with its evidence (numbers with intervals, linked to the stage report
section they come from), options compared from the customer's point of view, benefit and risk, an
owner, a priority score and a SMART action line with a review date.

Patterns only see evidence that is statistically real (significant after false-discovery-rate
control in the stage that produced it) and, for anything about an agent, rests on at least
``recommendations.min_evaluations`` evaluations: a recommendation cannot rest on noise.

The evidence is what stages 01–05 stored (the findings ledger, stage 04's theme shares and stage
05's gaps, so actions rest on exactly the numbers the reports show) plus this stage's own staffing
and coaching analyses; nothing of an earlier stage is recomputed, and a stage that has not run is
named in one sentence (:class:`csperf_lib.core.results.MissingStageError`). Every recommendation
lists the ids of the findings it rests on (``finding_ids``). The rule engine is hand-written: it is
a small, auditable mapping the project owns, not a general rules library.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from csperf_lib.core.errors import ConfigError
from csperf_lib.core.findings import FINDING_DIMENSIONS, FindingsLedger, read_findings, select
from csperf_lib.core.formatting import format_value as _fmt
from csperf_lib.core.formatting import subject as _subject
from csperf_lib.core.markup import escape
from csperf_lib.core.results import has_result, read_result, require_stage
from csperf_lib.core.scope import skip_reason
from csperf_lib.core.sections import SECTIONS as _SECTIONS
from csperf_lib.core.sections import anchor_id, section_link
from csperf_lib.core.settings import (
    ACTION_KINDS,
    RULE_PATTERNS,
    FindingConditions,
    RuleSettings,
    model_problems,
    section_settings,
)
from csperf_lib.methods import staffing_review as staffing_module
from csperf_lib.methods.action_coverage import action_coverage
from csperf_lib.methods.coaching import coaching_findings, coaching_review
from csperf_lib.methods.intervals import interval_staffing, staffing_unavailable
from csperf_lib.methods.kpi_catalogue import kpi_definitions
from csperf_lib.methods.privacy import privacy_settings
from csperf_lib.methods.staffing_review import staffing_actions, staffing_findings, staffing_review
from csperf_lib.methods.team_notes import team_inputs

#: The rule patterns and action kinds, as the rule model declares them (csperf_lib.core.settings).
PATTERNS = RULE_PATTERNS
KINDS = ACTION_KINDS

#: Report sections evidence links point at: stage page and heading (one registry, in core).
SECTIONS = {key: (f"{stage}.html", heading) for key, (stage, heading) in _SECTIONS.items()}


def anchor(page: str, heading: str) -> str:
    """Link to a heading of a rendered stage page (nbconvert's anchor: spaces to ``-``, quoted)."""
    return f"{page}#{anchor_id(heading)}"


# --- rules --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    """One way to act, judged from the customer's point of view.

    Attributes
    ----------
    name : str
    customer : str
        What the customer experiences.
    benefit, risk : str
        To the organisation.
    """

    name: str
    customer: str
    benefit: str
    risk: str


@dataclass(frozen=True)
class Rule:
    """A rule of the rule set (see ``data/recommendation_rules.yaml``).

    Attributes
    ----------
    id, pattern, kind, owner, action, measure : str
    finding : dict
        Conditions on the fields of the findings the rule acts on (see :func:`match_findings`);
        they narrow the pattern's own (:data:`PATTERN_FINDINGS`).
    when : dict
        How the pattern groups what it matches and what else it needs (``group``,
        ``understaffed``, ``supporting_themes``); older field keys (``kpi``, ``dimension``,
        ``min_persistence`` …) are read as finding conditions.
    review_days : int
        Days after the end of the review period when progress is reviewed.
    options : tuple of Option
        At least two; the first is recommended.
    origin : str
        ``built-in`` or ``review config``.
    """

    id: str
    pattern: str
    kind: str
    owner: str
    action: str
    measure: str
    when: Mapping[str, Any] = field(default_factory=dict)
    review_days: int = 28
    options: tuple[Option, ...] = ()
    origin: str = "built-in"
    finding: Mapping[str, Any] = field(default_factory=dict)


def _rule(typed: Any, origin: str) -> Rule:
    """A checked :class:`csperf_lib.core.settings.RuleSettings` as the rule applied."""
    finding = typed.finding.model_dump(exclude_none=True) if typed.finding is not None else {}
    return Rule(
        id=typed.id, pattern=typed.pattern, kind=typed.kind, owner=typed.owner,
        action=" ".join(typed.action.split()), measure=" ".join((typed.measure or "").split()),
        when=dict(typed.when or {}), review_days=typed.review_days,
        options=tuple(Option(o.name.strip(), o.customer.strip(), o.benefit.strip(), o.risk.strip()) for o in typed.options),
        origin=origin, finding=finding,
    )


def _parse_rules(raw: Any, where: str, origin: str, problems: list[str]) -> list[Rule]:
    """Rules from a YAML list, each checked against :class:`csperf_lib.core.settings.RuleSettings`
    (the one declaration of a rule, built-in or the config's); problems are added with their key."""

    if not isinstance(raw, list):
        problems.append(f"{where}: must be a list of rules")
        return []
    rules = []
    for i, item in enumerate(raw):
        found = model_problems(RuleSettings, item, prefix=f"{where}[{i}]")
        if found:
            problems += found
            continue
        rules.append(_rule(RuleSettings.model_validate(item), origin))
    return rules


def load_rules(config=None) -> tuple[Rule, ...]:
    """The built-in rules, extended or overridden (same id) by the config's typed
    ``recommendations.rules``.

    Raises
    ------
    ConfigError
        Listing every problem of the rules at once.
    """

    text = resources.files("csperf_lib.data").joinpath("recommendation_rules.yaml").read_text(encoding="utf-8")
    problems: list[str] = []
    rules = {r.id: r for r in _parse_rules(yaml.safe_load(text)["rules"], "recommendation_rules.yaml", "built-in", problems)}
    if problems:
        raise ConfigError("recommendation_rules.yaml", problems)
    _, section = section_settings(config, "recommendations")
    for typed in section.rules or ():
        rules[typed.id] = _rule(typed, "review config")
    return tuple(rules.values())


# --- evidence -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """What the rules look at.

    Attributes
    ----------
    findings : tuple of Finding
        The review's findings ledger: what stages 01–05 stored, and this stage's own staffing and
        coaching findings. Rules match findings by their fields, never by their text.
    as_of : datetime.date
        End of the review period: review dates count from it.
    themes : DataFrame
        Stage 04's stored theme shares (``source, theme, label, share, n, sentiment``), quoted as
        supporting context (never as the reason for an action).
    gaps : DataFrame
        Stage 05's stored gaps (stacked: ``kpi, dimension, segment, value, target, status``…), for
        the team briefings' targets table.
    staffing : object or None
        :class:`csperf_lib.methods.staffing_review.StaffingReview` (this stage's own).
    coaching : object or None
        :class:`csperf_lib.methods.coaching.CoachingReview` (this stage's own).
    sources : dict of str to str
        Where each piece came from.
    staffing_note : str
        Why staffing could not be reviewed, in one sentence ('' when it was).
    """

    findings: tuple = ()
    as_of: dt.date = dt.date(1970, 1, 1)
    themes: pd.DataFrame = field(default_factory=pd.DataFrame)
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    staffing: Any = None
    coaching: Any = None
    sources: Mapping[str, str] = field(default_factory=dict)
    staffing_note: str = ""


#: Earlier stages whose findings and results stage 06 reads.
UPSTREAM_STAGES = ("03_quantitative", "04_qualitative", "05_benchmarks")


def gather_evidence(store, *, config=None, run_dir=None, pseudonym_key: bytes | None = None, alpha: float = 0.05) -> Evidence:
    """The evidence for the rules: the findings ledger and results earlier stages stored, plus
    this stage's own resourcing and coaching analyses. Nothing of stages 03–05 is recomputed.

    Raises
    ------
    MissingStageError
        When stage 03, 04 or 05 has not run on this store (a stage the review skips, with nothing
        to work on, is not required), naming the stage to run first.
    """

    tables = list(getattr(config, "tables", {}) or [t for t in ("contacts", "surveys", "complaints", "intervals", "qa_evaluations") if store.has(t)])
    skipped = {s: r for s in UPSTREAM_STAGES if (r := skip_reason(s, tables))}
    require_stage(store, UPSTREAM_STAGES, needed_by="06_recommendations", skipped=skipped)
    findings = [f for f in read_findings(store) if f.stage != "06_recommendations"]
    sources = {"findings": f"the findings ledger ({len(findings):,} findings of stages "
                           + ", ".join(sorted({f.stage for f in findings})) + ")" if findings else "the findings ledger (empty)"}
    themes = read_result(store, "04_qualitative", "themes") if has_result(store, "04_qualitative", "themes") else pd.DataFrame()
    gaps = read_result(store, "05_benchmarks", "gaps") if has_result(store, "05_benchmarks", "gaps") else pd.DataFrame()
    sources["context"] = "themes stored by stage 04, gaps stored by stage 05"

    staffing = coaching = None
    staffing_note = ""

    if store.has("contacts"):
        staffing = staffing_review(store, config=config)
        sources["staffing"] = "computed in this stage"
    elif store.has("intervals"):
        # An ACD interval report with start times feeds the same Erlang review as contact records.

        rows = store.table("intervals").execute()
        staffing_note = staffing_unavailable(rows) or ""
        if not staffing_note:
            staffing = staffing_review(store, config=config, intervals=interval_staffing(rows, config=config))
            sources["staffing"] = "computed in this stage from the interval report"
    else:
        staffing_note = "The review has no contact records or interval reports, so resourcing cannot be reviewed."
    if store.has("qa_evaluations"):

        coaching = coaching_review(_qa_with_team(store), config=config, pseudonym_key=pseudonym_key)
        sources["coaching"] = "computed in this stage"
    return Evidence(
        findings=tuple(findings), themes=themes, gaps=gaps, staffing=staffing, coaching=coaching,
        staffing_note=staffing_note, as_of=_as_of(store, config), sources=sources,
    )


def _qa_with_team(store) -> pd.DataFrame:
    """QA evaluations with the team of the evaluated contact (an agent's team where recorded)."""
    qa = store.table("qa_evaluations")
    if store.has("contacts") and "team" in store.table("contacts").columns and "contact_id" in qa.columns:
        contacts = store.table("contacts")
        right = contacts.select(contact_id_ref=contacts.contact_id, team=contacts.team)
        qa = qa.left_join(right, qa.contact_id == right.contact_id_ref).drop("contact_id_ref")
    return qa.to_pandas()


def _as_of(store, config) -> dt.date:
    if config is not None and config.period_end:
        return config.period_end
    if store.has("contacts"):
        latest = store.table("contacts").arrived_at.max().execute()
        if latest is not None and not pd.isna(latest):
            return pd.Timestamp(latest).date()
    return dt.date.today()


# --- recommendations ----------------------------------------------------------------------------
@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence a recommendation rests on.

    Attributes
    ----------
    text : str
        The fact, with its number, interval and n (a finding's sentence).
    link : str
        Report section it comes from (``page.html#anchor``).
    supporting : bool
        True for context that strengthens the case but is not required by the rule.
    """

    text: str
    link: str
    supporting: bool = False


@dataclass(frozen=True)
class Recommendation:
    """A management action with its case.

    Attributes
    ----------
    id : str
        ``R01``… in priority order.
    rule, kind, subject : str
        The rule that fired, its kind, and what it concerns (``region Scotland``, ``team Kestrel``).
    segment : dict
        Dimension -> value of the subject (agents pseudonymised).
    action : str
        What to do.
    smart : str
        The SMART action line: action, owner, measure, review date.
    owner : str
        Role.
    evidence : tuple of EvidenceItem
    options : tuple of Option
        The first is recommended.
    priority : float
        0–100, relative within the run: size of gap × volume affected × persistence, scaled so the
        largest is 100, on a log scale (``priority_parts`` holds the three factors).
    priority_parts : dict
    review_date : datetime.date
    finding_ids : tuple of str
        The ids of the findings the recommendation rests on (``summary.json["findings"]``).
    """

    id: str
    rule: str
    kind: str
    subject: str
    segment: Mapping[str, str]
    action: str
    smart: str
    owner: str
    evidence: tuple[EvidenceItem, ...]
    options: tuple[Option, ...]
    priority: float
    priority_parts: Mapping[str, float]
    review_date: dt.date
    finding_ids: tuple[str, ...] = ()


class _Format(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, context: Mapping[str, Any]) -> str:
    return template.format_map(_Format({k: v for k, v in context.items()}))


def _kpi_label(kpi: str) -> str:

    names = {k.id: k.name for k in kpi_definitions()}
    return names.get(kpi, kpi)


def _unit(f) -> str:
    return str(f.attributes.get("unit") or "")


def _label(f) -> str:
    return str(f.attributes.get("kpi_name") or f.kpi or "")


def _item(f, *, supporting: bool = False) -> EvidenceItem:
    """A finding as a piece of evidence: its sentence and the first section that shows it."""
    return EvidenceItem(f.sentence, f.evidence[0] if f.evidence else "", supporting)


#: A recommendation's segment uses canonical column names (agents are ``agent_id``): the inverse
#: of how findings name dimensions.
SEGMENT_KEYS = {name: column for column, name in FINDING_DIMENSIONS.items()}


def _segment(f) -> dict:
    if f.dimension is None or f.segment is None:
        return {}
    return {SEGMENT_KEYS.get(f.dimension, f.dimension): str(f.segment)}


#: What each pattern matches in the findings ledger (a rule's ``finding:`` narrows or replaces it).
PATTERN_FINDINGS: dict[str, dict[str, Any]] = {
    "kpi_shortfall": {"kind": "kpi_gap", "significant": True, "favourable": False, "attributes": {"status": ["missed"]}},
    "kpi_trend": {"kind": "trend", "significant": True, "favourable": False, "dimension": ["team"]},
    "agent_weakness": {"kind": "coaching_need", "significant": True},
    "training_need": {"kind": "training_need", "significant": True},
    "complaint_issue": {"kind": ["emerging_issue", "theme_spike"], "significant": True, "dimension": ["queue"],
                        "attributes": {"source": ["complaints"]}, "min": {"queue_share": 0.5}},
    "target_review": {"kind": "target_review", "attributes": {"status": ["no_longer_challenging", "not_achievable"]}},
    "calibration": {"kind": "calibration", "significant": True, "dimension": ["evaluator", "item"]},
    "regulatory": {"kind": "regulatory_breach", "significant": True, "min": {"breaches": 1}},
    "escalation_outlier": {"kind": "escalation", "significant": True, "direction": "up", "dimension": ["team"],
                           "min": {"ratio": 1.5}},
    "escalation_cause": {"kind": "escalation", "significant": True, "attributes": {"cause": ["theme", "recurrence"]}},
    "staffing_shortfall": {"kind": "staffing_shortfall", "significant": True},
}
#: The field conditions a rule's ``finding:`` may set.
FINDING_KEYS = tuple(FindingConditions.model_fields)
#: Older ``when:`` keys that are field conditions: ``when`` key -> (condition, attribute).
LEGACY_WHEN = {"kpi": ("kpi", None), "dimension": ("dimension", None), "status": ("attributes", "status"),
               "min_persistence": ("min", "persistence"), "min_breaches": ("min", "breaches"),
               "min_ratio": ("min", "ratio"), "min_share": ("min", "queue_share")}


def finding_conditions(rule: Rule) -> dict[str, Any]:
    """The field conditions of a rule: its pattern's defaults, then its ``when`` field keys, then
    its ``finding:`` block (each later one overrides)."""
    out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in PATTERN_FINDINGS[rule.pattern].items()}
    for key, value in rule.when.items():
        if key in LEGACY_WHEN:
            where, attribute = LEGACY_WHEN[key]
            if attribute is None:
                out[where] = value
            else:
                out.setdefault(where, {})[attribute] = value
    for key, value in (rule.finding or {}).items():
        out[key] = {**out.get(key, {}), **value} if key in ("attributes", "min") and isinstance(value, Mapping) else value
    return out


def match_findings(findings, conditions: Mapping[str, Any]) -> list:
    """The findings meeting every condition (see :data:`FINDING_KEYS`): ``kind``, ``kpi``,
    ``dimension`` (``all`` is the whole review), ``segment`` (each a value or a list of values),
    ``significant``, ``favourable``, ``direction``, ``min_effect`` (absolute effect size),
    ``min_n``, ``attributes`` (attribute -> value or list) and ``min`` (attribute -> lowest value;
    a finding without the attribute does not match)."""

    def listed(value):
        return None if value is None else ([value] if isinstance(value, (str, bool)) else list(value))

    chosen = select(findings, kind=listed(conditions.get("kind")), kpi=listed(conditions.get("kpi")),
                    dimension=listed(conditions.get("dimension")), significant=conditions.get("significant"),
                    favourable=conditions.get("favourable"), min_effect=conditions.get("min_effect"),
                    **{k: listed(v) for k, v in (conditions.get("attributes") or {}).items()})
    out = []
    segments = listed(conditions.get("segment"))
    for f in chosen:
        if segments is not None and str(f.segment) not in {str(s) for s in segments}:
            continue
        if conditions.get("direction") is not None and f.direction != conditions["direction"]:
            continue
        if conditions.get("min_n") is not None and (f.n is None or f.n < conditions["min_n"]):
            continue
        if any(not isinstance(f.attributes.get(k), (int, float)) or isinstance(f.attributes.get(k), bool)
               or f.attributes[k] < v for k, v in (conditions.get("min") or {}).items()):
            continue
        out.append(f)
    return out


#: Scale of a KPI unit, for the relative size of a gap when the target is 0 (e.g. NPS 0).
UNIT_SCALE = {"proportion": 1.0, "nps": 100.0, "percent": 100.0, "score_1_5": 4.0, "score_1_7": 6.0}


def _relative_gap(f) -> float:
    """|gap| / |target|, or |gap| / the unit's scale when the target is 0."""
    if f.effect_name == "relative_gap" and f.effect_size is not None:
        return abs(f.effect_size)
    gap = abs(_finite(f.estimate, 0.0) - _finite(f.comparator, 0.0))
    target = abs(_finite(f.comparator, 0.0))
    if target > 0:
        return gap / target
    return gap / UNIT_SCALE.get(_unit(f), max(abs(_finite(f.estimate, 1.0)), 1.0))


def _staffing_context(staffing, findings) -> dict:
    """Under-staffed intervals from the staffing review, or {} when none are."""
    if staffing is None:
        return {}
    info = getattr(staffing, "headline", None) or {}
    hours = float(info.get("understaffed_agent_hours_per_week", 0) or 0)
    if not (math.isfinite(hours) and round(hours) >= 1):  # never "schedule 0 more agent-hours"
        return {}
    context = {
        "agent_hours_per_week": f"{hours:,.0f}",
        "peak_interval": info.get("worst_interval", "the busiest intervals"),
        "peak_required": info.get("worst_required", "?"),
        "peak_deployed": info.get("worst_deployed", "?"),
    }
    evidence = [EvidenceItem(f, section_link("staffing")) for f in list(getattr(staffing, "findings", ()))[:3]]
    # every under-staffed cell: the agent-hours quoted are their sum (StaffingReview.headline)
    cells = sorted((f for f in findings if f.kind == "staffing_shortfall" and f.significant),
                   key=lambda f: _finite(f.estimate, 0.0))
    return {"context": context, "evidence": evidence, "ids": [f.id for f in cells]}


def _match_staffing_shortfall(rule: Rule, ev: Evidence, found: list) -> list[dict]:
    minutes = getattr(getattr(ev.staffing, "options", None), "interval_minutes", 30)
    return [{"subject": m["subject"], "segment": m["segment"], "context": m["context"],
             "evidence": [_item(f) for f in m["findings"]], "finding_ids": [f.id for f in m["findings"]],
             "gap": m["shortfall"], "volume": float(max(m["contacts"], 1)), "persistence": 1.0}
            for m in staffing_actions(found, interval_minutes=minutes)
            if round(m["agent_hours"]) >= 1]  # never "roster 0 more agent-hours"


def _match_kpi_shortfall(rule: Rule, ev: Evidence, found: list) -> list[dict]:
    if not found:
        return []
    when = rule.when
    staffing_ctx = {}
    if when.get("understaffed"):
        staffing_ctx = _staffing_context(ev.staffing, ev.findings)
        if not staffing_ctx:
            return []
    order = {k: i for i, k in enumerate(finding_conditions(rule).get("kpi") or [])}
    mode = when.get("group", "row")
    if mode == "all":
        groups = [found]
    elif mode == "kpi":
        groups = [[f for f in found if f.kpi == k] for k in dict.fromkeys(f.kpi for f in found)]
    elif mode == "segment":
        groups = [[f for f in found if (f.dimension, f.segment) == key] for key in dict.fromkeys((f.dimension, f.segment) for f in found)]
    else:
        groups = [[f] for f in found]
    matches = []
    for part in groups:
        # the text leads with the rule's first KPI present (e.g. CSAT before NPS); priority uses the largest gap
        ranked = sorted(part, key=lambda f: (order.get(f.kpi, len(order)), -_relative_gap(f)))
        lead = ranked[0]
        kpis = list(dict.fromkeys(f.kpi for f in part))
        same_segment = len({(f.dimension, f.segment) for f in part}) == 1
        label = " and ".join(_label(next(f for f in part if f.kpi == k)) for k in kpis) if mode in ("all", "segment") else _label(lead)
        leads = [next(f for f in ranked if f.kpi == k) for k in dict.fromkeys(f.kpi for f in ranked)]
        figures = [f"{_fmt(f.estimate, _unit(f))} against {_fmt(f.comparator, _unit(f))}" for f in leads]
        context = {
            "kpi": lead.kpi, "kpi_label": label, "subject": _subject(lead.dimension, lead.segment),
            "value_text": _fmt(lead.estimate, _unit(lead)), "target_text": _fmt(lead.comparator, _unit(lead)),
            # every KPI's own figures when the action covers several ("first-contact resolution 66.1 % against 75.0 %, ...")
            "figures_text": figures[0] if len(leads) == 1 else ", ".join(
                f"{_label(f)[:1].lower()}{_label(f)[1:]} {text}" for f, text in zip(leads, figures, strict=True)),
            "targets_word": "target" if len(leads) == 1 else "targets",
            **staffing_ctx.get("context", {}),
        }
        evidence = [_item(f) for f in ranked[:4]] + staffing_ctx.get("evidence", [])
        matches.append({
            "subject": context["subject"] if same_segment else f"{label} ({len(part)} segments)",
            "segment": _segment(lead) if same_segment else {},
            "context": context,
            "evidence": evidence,
            "finding_ids": [f.id for f in ranked] + staffing_ctx.get("ids", []),
            "gap": max(_relative_gap(f) for f in part),
            "volume": float(max(_finite(f.n, 1.0) for f in part)),
            "persistence": _finite(lead.attributes.get("persistence"), 1.0),
        })
    return matches


def _match_kpi_trend(rule: Rule, ev: Evidence, found: list) -> list[dict]:
    matches = []
    segments = dict.fromkeys((str(f.dimension), str(f.segment)) for f in found)
    for dimension, team in sorted(segments):
        part = [f for f in found if (str(f.dimension), str(f.segment)) == (dimension, team)]
        lead = part[0]
        unit = _unit(lead)
        weekly = _finite(lead.effect_size, 0.0)
        evidence = [_item(f) for f in part]
        for theme in rule.when.get("supporting_themes") or []:
            themes = ev.themes
            hit = themes[(themes["theme"] == theme) & (themes["source"] == "comments")] if len(themes) and "theme" in themes else themes
            if len(hit):
                t = hit.iloc[0]
                sentiment = t.get("sentiment") if isinstance(t.get("sentiment"), Mapping) else {}
                negative = sentiment.get("share_negative")
                evidence.append(EvidenceItem(
                    f"Customers mention '{t['label']}' in {t['share']:.0%} of comments (n = {int(t['n']):,})"
                    + (f", {negative:.0%} of them negative" if negative is not None else "") + " (centre-wide: context, not proof about this team).",
                    section_link("themes"), supporting=True,
                ))
        first, last = _finite(lead.comparator, math.nan), _finite(lead.estimate, math.nan)
        matches.append({
            "subject": _subject(lead.dimension, lead.segment), "segment": _segment(lead),
            "context": {"team": team, "subject": _subject(lead.dimension, lead.segment), "kpi_label": _label(lead), "slope_text": f"{_fmt(weekly, unit) if unit != 'seconds' else f'{weekly:+.1f} s'} a week",
                        "first_value_text": _fmt(first, unit)},
            "evidence": evidence,
            "finding_ids": [f.id for f in part],
            # relative change over the period; without first/last values, a nominal 5 %
            "gap": abs(last - first) / first if math.isfinite(first) and math.isfinite(last) and first else 0.05,
            "volume": _segment_volume(ev.findings, dimension, team, default=_finite(lead.n, 1.0)),
            "persistence": _finite(lead.attributes.get("periods"), 1.0),
        })
    return matches


def _segment_volume(findings, dimension: str, segment: str, *, default: float = 1.0) -> float:
    """Contacts of a segment: the largest n of its stage-05 findings, else ``default``."""
    sizes = [_finite(f.n, 0.0) for f in findings
             if f.stage == "05_benchmarks" and f.dimension == dimension and str(f.segment) == segment]
    return max(sizes) if sizes else default


def _match_agent_weakness(rule: Rule, ev: Evidence, found: list) -> list[dict]:
    plan = getattr(ev.coaching, "plan", None)
    plans = {str(r["agent"]): r for r in plan.to_dict(orient="records")} if plan is not None and len(plan) else {}
    matches = []
    for agent in dict.fromkeys(str(f.segment) for f in found):
        part = [f for f in found if str(f.segment) == agent]
        row = plans.get(agent, {})
        worst = min(part, key=lambda f: _finite(f.effect_size, 0.0))
        teams = {str(f.attributes["team"]) for f in part if f.attributes.get("team")}
        matches.append({
            "subject": f"agent {agent}", "segment": {"agent_id": agent, **({"team": teams.pop()} if len(teams) == 1 else {})},
            "context": {"agent": agent, "item_label": row.get("need") or ", ".join(str(f.attributes.get("item_label")) for f in part),
                        "method": row.get("method", "coaching"), "follow_up": _date_text(row.get("follow_up")),
                        "follow_up_evaluations": row.get("follow_up_evaluations", 5),
                        "value_text": row.get("value_text") or _fmt(worst.estimate, "proportion"),
                        "peer_text": row.get("peer_text") or _fmt(worst.comparator, "proportion")},
            "evidence": [_item(f) for f in part],
            "finding_ids": [f.id for f in part],
            "gap": abs(_finite(row.get("max_shortfall"), abs(_finite(worst.effect_size, 0.1)))),
            "volume": _finite(row.get("n_evaluations"), _finite(worst.n, 1.0)),
            "persistence": 1.0,
        })
    return matches


def _match_training_need(rule: Rule, ev: Evidence, found: list) -> list[dict]:
    matches = []
    for f in found:
        scope = "the whole centre" if f.segment is None else f"team {f.segment}"
        label = f.attributes.get("item_label") or f.attributes.get("item") or ""
        matches.append({
            "subject": f"{scope}: {f.attributes.get('item', '')}", "segment": _segment(f),
            "context": {"scope": scope, "item_label": label, "share_text": f"{_finite(f.estimate, 0.0):.0%}"},
            "evidence": [_item(f)],
            "finding_ids": [f.id],
            "gap": _finite(f.estimate, 0.0),
            "volume": _finite(f.attributes.get("agents_below"), 1.0),
            "persistence": 1.0,
        })
    return matches


def _match_complaint_issue(rule: Rule, ev: Evidence, found: list) -> list[dict]:
    matches = []
    for queue in sorted(dict.fromkeys(str(f.segment) for f in found)):
        part = sorted((f for f in found if str(f.segment) == queue), key=lambda f: _finite(f.p_value, 1.0))
        lead = part[0]
        term = str(lead.attributes.get("term") or lead.attributes.get("theme_label") or lead.attributes.get("theme") or "")
        first, last = lead.attributes.get("first_week"), lead.attributes.get("last_week")
        weeks = f"week {first}" if first == last else f"weeks {first}–{last}"
        evidence = [_item(f) for f in part]
        if _finite(lead.attributes.get("category_share"), 0.0) >= 0.5:
            evidence.append(EvidenceItem(f"{lead.attributes['category_share']:.0%} of these complaints are logged as "
                                         f"'{lead.attributes.get('category')}'.", section_link("complaints"), supporting=True))
        matches.append({
            "subject": f"queue {queue}", "segment": {"queue": queue},
            "context": {"queue": queue, "issue": term, "weeks": weeks, "count": int(_finite(lead.estimate, 0)),
                        "expected": f"{_finite(lead.comparator, 0.0):.1f}"},
            "evidence": evidence,
            "finding_ids": [f.id for f in part],
            # rate ratio capped at 10 (an issue unseen elsewhere has an infinite ratio, stored as null)
            "gap": min(_finite(lead.effect_size, 10.0), 10.0) / 10,
            "volume": _finite(lead.estimate, 1.0),
            "persistence": float(_finite(last, 1) - _finite(first, 1) + 1),
        })
    return matches


def _date_text(value) -> str:
    try:
        return f"{pd.Timestamp(value):%d %b %Y}"
    except (TypeError, ValueError):
        return str(value or "")


def _finite(value, default: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


def _match_target_review(rule: Rule, ev: Evidence, found: list) -> list[dict]:
    matches = []
    for f in found:
        unit = _unit(f)
        where = "" if f.segment is None else f" for {_subject(f.dimension, f.segment)}"
        proposed = f.attributes.get("proposed_target")
        matches.append({
            "subject": f"the {_label(f)} target{where}", "segment": _segment(f),
            "context": {"kpi_label": _label(f), "where": where, "target_text": _fmt(f.comparator, unit),
                        "proposed_text": _fmt(proposed, unit) if proposed is not None else "a level agreed with its owner",
                        "reasoning": f.attributes.get("reasoning", "")},
            "evidence": [EvidenceItem(f"{f.sentence} {f.attributes.get('reasoning', '')}".strip(), f.evidence[0] if f.evidence else section_link("target_review"))],
            "finding_ids": [f.id],
            "gap": 0.1, "volume": 1.0, "persistence": _finite(f.n, 1.0),
        })
    return matches


def _match_calibration(rule: Rule, ev: Evidence, found: list) -> list[dict]:
    evaluators = [f for f in found if f.dimension == "evaluator"]
    items = sorted({str(f.segment) for f in found if f.dimension == "item"})
    if not evaluators and not items:
        return []
    overall = next((f for f in ev.findings if f.kind == "calibration" and f.dimension is None), None)
    who = ", ".join(str(f.segment) for f in evaluators) or "all evaluators"
    alpha_text = f"{overall.estimate:.2f}" if overall is not None and overall.estimate is not None else "its current level"
    return [{
        "subject": "QA evaluators", "segment": {},
        "context": {"who": who, "items": ", ".join(i.replace("_", " ") for i in items) or "every item", "alpha_text": alpha_text},
        "evidence": [_item(f) for f in found],
        "finding_ids": [f.id for f in found] + ([overall.id] if overall is not None else []),
        "gap": 0.1, "volume": float(len(items) + len(evaluators)), "persistence": 1.0,
    }]


def _match_regulatory(rule: Rule, ev: Evidence, found: list) -> list[dict]:
    matches = []
    for f in found:
        breaches = int(_finite(f.attributes.get("breaches"), 0))
        description = f.attributes.get("description") or f.attributes.get("rule")
        matches.append({
            "subject": f"the rule '{description}'", "segment": {},
            "context": {"breaches": breaches, "rule_description": description,
                        "rate_text": f"{_finite(f.estimate, 0.0):.1%}" if f.estimate is not None else "n/a", "n": int(_finite(f.n, 0))},
            "evidence": [_item(f)],
            "finding_ids": [f.id],
            "gap": 1 - _finite(f.estimate, 1.0), "volume": _finite(f.n, 1.0), "persistence": 1.0,
        })
    return matches


def _match_escalation_outlier(rule: Rule, ev: Evidence, found: list) -> list[dict]:
    matches = []
    for f in found:
        subject = _subject(f.dimension, f.segment)
        matches.append({
            "subject": subject, "segment": _segment(f),
            "context": {"subject": subject, "rate_text": f"{_finite(f.estimate, 0.0):.1%}", "rest_text": f"{_finite(f.comparator, 0.0):.1%}"},
            "evidence": [_item(f)],
            "finding_ids": [f.id],
            "gap": _finite(f.attributes.get("ratio"), 1.0) - 1, "volume": _finite(f.n, 1.0), "persistence": 1.0,
        })
    return matches


def _match_escalation_cause(rule: Rule, ev: Evidence, found: list) -> list[dict]:
    if not found:
        return []
    # each cause in words: a theme's label, or what recurs (e.g. "a complaint within 28 days")
    labels = [str(f.attributes.get("theme_label") or f.attributes.get("theme") if f.attributes.get("cause") == "theme"
                  else f.attributes.get("measure") or "escalated customers contacting again") for f in found]
    return [{
        "subject": "escalated contacts", "segment": {},
        "context": {"causes": ", ".join(dict.fromkeys(labels)), "n": len(found)},
        "evidence": [_item(f) for f in found],
        "finding_ids": [f.id for f in found],
        "gap": 0.1, "volume": max(_finite(f.n, 1.0) for f in found), "persistence": 1.0,
    }]


MATCHERS = {
    "kpi_shortfall": _match_kpi_shortfall,
    "kpi_trend": _match_kpi_trend,
    "agent_weakness": _match_agent_weakness,
    "training_need": _match_training_need,
    "complaint_issue": _match_complaint_issue,
    "target_review": _match_target_review,
    "calibration": _match_calibration,
    "regulatory": _match_regulatory,
    "escalation_outlier": _match_escalation_outlier,
    "escalation_cause": _match_escalation_cause,
    "staffing_shortfall": _match_staffing_shortfall,
}


def recommend(evidence: Evidence, rules: Sequence[Rule]) -> list[Recommendation]:
    """Apply every rule to the evidence; one recommendation per match, highest priority first.

    Each rule selects findings by their fields (:func:`finding_conditions`,
    :func:`match_findings`); its pattern groups them and fills the action's placeholders.
    Priority score = size of gap × volume affected × persistence, each factor as the rule's pattern
    defines it (relative shortfall, contacts or cases affected, consecutive periods). Volumes span
    orders of magnitude (one agent's evaluations, a centre's contacts), so the priority shown is
    ``100 × log(1 + score) / log(1 + largest score)``: the order is the score's, and small but real
    needs stay visible. It orders the action plan; it is not a statistic.
    """
    raw = []
    for rule in rules:
        found = match_findings(evidence.findings, finding_conditions(rule))
        for match in MATCHERS[rule.pattern](rule, evidence, found):
            context = {**match["context"]}
            review_date = evidence.as_of + dt.timedelta(days=rule.review_days)
            action = _fill(rule.action, context)
            measure = _fill(rule.measure, context)
            owner = _fill(rule.owner, context)
            smart = f"{action} Owner: {owner}. Measure: {measure}. Review by {review_date:%d %b %Y}."
            score = max(match["gap"], 0.0) * max(match["volume"], 1.0) * max(match["persistence"], 1.0)
            raw.append((score, rule, match, action, smart, owner, review_date))
    if not raw:
        return []
    raw = [(s if math.isfinite(s) else 0.0, *rest) for s, *rest in raw]
    top = math.log1p(max(s for s, *_ in raw)) or 1.0
    raw.sort(key=lambda x: (-x[0], x[1].id, x[2]["subject"]))
    out = []
    for i, (score, rule, match, action, smart, owner, review_date) in enumerate(raw, start=1):
        out.append(Recommendation(
            id=f"R{i:02d}", rule=rule.id, kind=rule.kind, subject=match["subject"], segment=match["segment"],
            action=action, smart=smart, owner=owner, evidence=tuple(match["evidence"]), options=rule.options,
            priority=round(100 * math.log1p(score) / top, 1),
            priority_parts={"gap": match["gap"], "volume": match["volume"], "persistence": match["persistence"]},
            review_date=review_date, finding_ids=tuple(dict.fromkeys(match.get("finding_ids", []))),
        ))
    return out


def recommendations_table(recs: Sequence[Recommendation]) -> pd.DataFrame:
    """One row per recommendation: ``id, kind, subject, action, owner, priority, review_date,
    evidence`` (the evidence sentences, ``;``-joined) and ``links``."""
    return pd.DataFrame(
        [
            {
                "id": r.id, "kind": r.kind, "subject": r.subject, "action": r.action, "owner": r.owner,
                "priority": r.priority, "review_date": r.review_date,
                "evidence": " ; ".join(e.text for e in r.evidence if not e.supporting),
                "links": " ".join(sorted({e.link for e in r.evidence})),
            }
            for r in recs
        ],
        columns=["id", "kind", "subject", "action", "owner", "priority", "review_date", "evidence", "links"],
    )


def recommendation_markdown(rec: Recommendation) -> str:
    """A recommendation as Markdown for the report: the action, the evidence with links, the
    options compared (customer view, benefit, risk) and the SMART line; data values escaped."""

    lines = [f"### {rec.id} · {escape(rec.kind.replace('_', ' '))} · {escape(rec.subject)} (priority {rec.priority:.0f})", "",
             f"**Action.** {escape(rec.action)}", "", "**Evidence.**"]
    for item in rec.evidence:
        lines.append(f"- {'(supporting) ' if item.supporting else ''}{escape(item.text)} [→ report]({item.link})")
    lines += ["", "| option | for the customer | benefit to the organisation | risk to the organisation |", "|---|---|---|---|"]
    for i, opt in enumerate(rec.options):
        name = f"**{escape(opt.name)}** (recommended)" if i == 0 else escape(opt.name)
        lines.append(f"| {name} | {escape(opt.customer)} | {escape(opt.benefit)} | {escape(opt.risk)} |")
    lines += ["", f"**SMART action.** {escape(rec.smart)}"]
    return "\n".join(lines)


def summary_records(recs: Sequence[Recommendation]) -> list[dict]:
    """The ``recommendations`` entry of summary.json: id, action, kind, evidence references,
    priority, owner, review date, the ids of the findings it rests on (``finding_ids``), and
    subject, rule, SMART line."""
    return [
        {
            "id": r.id, "action": r.action, "kind": r.kind, "subject": r.subject, "segment": dict(r.segment),
            "rule": r.rule, "evidence": [{"text": e.text, "link": e.link, "supporting": e.supporting} for e in r.evidence],
            "priority": r.priority, "owner": r.owner, "review_date": r.review_date.isoformat(), "smart": r.smart,
            "finding_ids": list(r.finding_ids),
        }
        for r in recs
    ]


# --- the stage ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TeamInputs:
    """What the team briefings say, per team (no individual agent anywhere).

    Attributes
    ----------
    changes : DataFrame
        ``team, text, why``: what needs to change and the finding behind it.
    targets : DataFrame
        ``team, kpi, label, target, value, status, unit``: each team's KPIs against target (stage 05).
    actions : DataFrame
        ``team, action, owner, review_date``.
    teams : tuple of str
        The teams with a briefing (named teams with targets or actions).
    review_date : datetime.date
        When the actions are next reviewed (the latest review date of the recommendations).
    """

    changes: pd.DataFrame
    targets: pd.DataFrame
    actions: pd.DataFrame
    teams: tuple[str, ...]
    review_date: dt.date


@dataclass(frozen=True)
class RecommendationReview:
    """Everything stage 06 concludes.

    Attributes
    ----------
    evidence : Evidence
    rules : tuple of Rule
    recommendations : list of Recommendation
        Highest priority first.
    table : DataFrame
        :func:`recommendations_table`.
    plan : DataFrame
        The action plan, one row per recommendation: ``id, team, action, kind, owner, priority,
        evidence, findings, review_date, status`` (written to ``actions.xlsx``/``.csv`` by
        :func:`csperf_lib.report.briefing.write_action_outputs`).
    team_inputs : TeamInputs
        What each team's briefing says.
    ledger : FindingsLedger
        This stage's own findings (``staffing_shortfall``, ``staffing_surplus``, ``coaching_need``,
        ``training_need``); save it with ``ledger.save(store, run_dir)``.
    coverage : DataFrame
        Every significant shortfall with the recommendation acting on it or why none does
        (:func:`csperf_lib.methods.action_coverage.action_coverage`).
    """

    evidence: Evidence
    rules: tuple[Rule, ...]
    recommendations: list
    table: pd.DataFrame
    plan: pd.DataFrame
    team_inputs: TeamInputs
    ledger: Any = None
    coverage: pd.DataFrame | None = None


def _team_inputs(recs: Sequence[Recommendation], evidence: Evidence) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """Changes, targets and actions rows for the team briefings (:func:`csperf_lib.methods.team_notes.team_inputs`)."""
    return team_inputs(recs, gaps=evidence.gaps, findings=evidence.findings, kpi_label=_kpi_label)


def action_plan(recs: Sequence[Recommendation], table: pd.DataFrame) -> pd.DataFrame:
    """The action plan: one open row per recommendation, with the findings it rests on."""
    columns = ["id", "team", "action", "kind", "owner", "priority", "evidence", "findings", "review_date", "status"]
    if not len(table):
        return pd.DataFrame(columns=columns)
    return table.assign(status="open", team=[r.segment.get("team", "all") for r in recs],
                        findings=["; ".join(r.finding_ids) for r in recs])[columns]


def recommendation_review(
    store,
    *,
    config=None,
    run_dir: str | Path | None = None,
    alpha: float = 0.05,
) -> RecommendationReview:
    """Run stage 06: gather the evidence, record this stage's findings, apply the rules.

    The action plan and the team briefings are written by the report layer
    (:func:`csperf_lib.report.briefing.write_action_outputs`) from what this returns.
    """


    key, _ = privacy_settings(config)
    rules = load_rules(config)
    evidence = gather_evidence(store, config=config, run_dir=run_dir, pseudonym_key=key, alpha=alpha)
    ledger = FindingsLedger("06_recommendations")
    if evidence.staffing is not None:
        staffing_findings(evidence.staffing, ledger=ledger)
    if evidence.coaching is not None:
        coaching_findings(evidence.coaching, ledger=ledger)
    evidence = replace(evidence, findings=(*evidence.findings, *ledger.findings))
    recs = recommend(evidence, rules)
    table = recommendations_table(recs)
    changes, targets, actions, teams = _team_inputs(recs, evidence)
    review_date = max((r.review_date for r in recs), default=evidence.as_of + dt.timedelta(days=28))
    inputs = TeamInputs(changes=changes, targets=targets, actions=actions, teams=tuple(teams), review_date=review_date)
    return RecommendationReview(evidence=evidence, rules=rules, recommendations=recs, table=table,
                                plan=action_plan(recs, table), team_inputs=inputs, ledger=ledger,
                                coverage=action_coverage(evidence.findings, recs))


def summary_entries(review: RecommendationReview) -> dict[str, Any]:
    """The ``recommendations`` and ``staffing`` entries of summary.json."""
    out: dict[str, Any] = {"recommendations": summary_records(review.recommendations)}
    staffing = review.evidence.staffing
    if staffing is not None:

        out.update(staffing_module.summary_entries(staffing))
    else:
        out["staffing"] = {"note": review.evidence.staffing_note
                           or "No contacts with arrival times: staffing could not be reviewed."}
    return out
