"""Evidence-backed management actions: a transparent rule set maps evidence to recommendations.

The rules live in ``csperf_lib/data/recommendation_rules.yaml`` (read it: every rule, option,
benefit and risk is there in plain words) and can be extended or overridden under
``recommendations.rules`` in the review config. Each rule names a *pattern* — a kind of evidence
this module knows how to find — and :func:`recommend` turns every match into a
:class:`Recommendation` with its evidence (numbers with intervals, linked to the stage report
section they come from), options compared from the customer's point of view, benefit and risk, an
owner, a priority score and a SMART action line with a review date.

Patterns only see evidence that is statistically real (significant after false-discovery-rate
control in the stage that produced it) and, for anything about an agent, rests on at least
``recommendations.min_evaluations`` evaluations: a recommendation cannot rest on noise.

The evidence comes from the run's ``summary.json`` (what stages 03–05 recorded, so actions rest on
exactly the numbers the reports show) plus the staffing and coaching analyses of this stage; a piece
missing from summary.json (a stage not run) is computed here. The rule engine is hand-written: it is
a small, auditable mapping the project owns, not a general rules library.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from csperf_lib.core.sections import SECTIONS as _SECTIONS
from csperf_lib.core.sections import anchor_id, section_link
from csperf_lib.errors import ConfigError

PATTERNS = (
    "kpi_shortfall", "kpi_trend", "agent_weakness", "training_need", "complaint_issue",
    "target_review", "calibration", "regulatory", "escalation_outlier", "escalation_cause",
)
KINDS = (
    "resource_change", "training", "coaching", "root_cause", "target_change", "service_improvement",
    "calibration", "compliance", "authority_boundaries",
)
RULE_KEYS = ("id", "pattern", "when", "kind", "owner", "action", "measure", "review_days", "options")
OPTION_KEYS = ("name", "customer", "benefit", "risk")

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
    when : dict
        Conditions narrowing the pattern.
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


def _parse_rules(raw: Any, where: str, origin: str, problems: list[str]) -> list[Rule]:
    if not isinstance(raw, list):
        problems.append(f"{where}: must be a list of rules")
        return []
    rules = []
    for i, item in enumerate(raw):
        key = f"{where}[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{key}: must be a mapping")
            continue
        for k in item:
            if k not in RULE_KEYS:
                problems.append(f"{key}.{k}: unknown key (known: {', '.join(RULE_KEYS)})")
        missing = [k for k in ("id", "pattern", "kind", "owner", "action", "options") if not item.get(k)]
        if missing:
            problems.append(f"{key}: missing {', '.join(missing)}")
            continue
        if item["pattern"] not in PATTERNS:
            problems.append(f"{key}.pattern: '{item['pattern']}' is not one of {', '.join(PATTERNS)}")
        if item["kind"] not in KINDS:
            problems.append(f"{key}.kind: '{item['kind']}' is not one of {', '.join(KINDS)}")
        options = []
        for j, opt in enumerate(item.get("options") or []):
            if not isinstance(opt, Mapping) or any(not opt.get(k) for k in OPTION_KEYS):
                problems.append(f"{key}.options[{j}]: needs {', '.join(OPTION_KEYS)}")
                continue
            options.append(Option(*(str(opt[k]).strip() for k in OPTION_KEYS)))
        if len(options) < 2:
            problems.append(f"{key}.options: at least two options are needed, to compare")
        days = item.get("review_days", 28)
        if not isinstance(days, int) or days <= 0:
            problems.append(f"{key}.review_days: a whole number of days > 0")
            days = 28
        when = item.get("when") or {}
        if not isinstance(when, Mapping):
            problems.append(f"{key}.when: must be a mapping")
            when = {}
        rules.append(Rule(
            id=str(item["id"]), pattern=str(item["pattern"]), kind=str(item["kind"]), owner=str(item["owner"]),
            action=" ".join(str(item["action"]).split()), measure=" ".join(str(item.get("measure", "")).split()),
            when=dict(when), review_days=days, options=tuple(options), origin=origin,
        ))
    return rules


def load_rules(config=None) -> tuple[Rule, ...]:
    """The built-in rules, extended or overridden (same id) by ``recommendations.rules``.

    Raises
    ------
    ConfigError
        Listing every problem of the rules at once.
    """
    text = resources.files("csperf_lib.data").joinpath("recommendation_rules.yaml").read_text(encoding="utf-8")
    problems: list[str] = []
    rules = {r.id: r for r in _parse_rules(yaml.safe_load(text)["rules"], "recommendation_rules.yaml", "built-in", problems)}
    section = (config.raw.get("recommendations") if config is not None else None) or {}
    if isinstance(section, Mapping) and section.get("rules") is not None:
        for rule in _parse_rules(section["rules"], "recommendations.rules", "review config", problems):
            rules[rule.id] = rule
    if problems:
        raise ConfigError(str(getattr(config, "path", "recommendation_rules.yaml")), problems)
    return tuple(rules.values())


# --- evidence -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """What the rules look at.

    Attributes
    ----------
    gaps : DataFrame
        Stage 05 gaps (stacked: ``dimension``, ``segment``).
    trends : DataFrame
        Stage 03 trends (``kpi, segment, trend, slope, p_adjusted, first_value, last_value``).
    themes : DataFrame
        Stage 04 themes (``source, theme, label, count, share, sentiment, spike``…).
    emerging : DataFrame
        Stage 04 emerging issues with their queue and category.
    target_review : DataFrame
        Stage 05 target review.
    calibration : list of dict
        Stage 04 calibration entries.
    regulatory : DataFrame
        Stage 05 regulatory compliance summary.
    staffing : object or None
        :class:`csperf_lib.staffing.StaffingReview`.
    coaching : object or None
        :class:`csperf_lib.coaching.CoachingReview`.
    escalations : list of dict
        The escalation review's significant patterns (``recommendation_evidence``).
    as_of : datetime.date
        End of the review period: review dates count from it.
    sources : dict of str to str
        Where each piece came from (summary.json or computed here).
    staffing_note : str
        Why staffing could not be reviewed, in one sentence ('' when it was).
    """

    gaps: pd.DataFrame
    trends: pd.DataFrame
    themes: pd.DataFrame
    emerging: pd.DataFrame
    target_review: pd.DataFrame
    calibration: list
    regulatory: pd.DataFrame
    staffing: Any
    coaching: Any
    as_of: dt.date
    sources: Mapping[str, str] = field(default_factory=dict)
    escalations: list = field(default_factory=list)
    staffing_note: str = ""


def _frame(records) -> pd.DataFrame:
    return pd.DataFrame(records) if records else pd.DataFrame()


def gather_evidence(store, *, config=None, run_dir=None, pseudonym_key: bytes | None = None, alpha: float = 0.05) -> Evidence:
    """Collect the evidence: summary.json entries of earlier stages, computed here when missing."""
    from csperf_lib.summary import read_summary, to_jsonable

    summary = read_summary(run_dir) if run_dir is not None and (Path(run_dir) / "summary.json").is_file() else {}
    sources: dict[str, str] = {}

    if summary.get("gaps"):
        gaps, review_t, regulatory = _frame(summary["gaps"]), _frame(summary.get("target_review")), _frame(summary.get("regulatory"))
        sources["gaps"] = "summary.json (stage 05)"
    else:
        from csperf_lib.benchmark import benchmark_review, summary_entries

        entries = to_jsonable(summary_entries(benchmark_review(store, config=config, alpha=alpha)))
        gaps, review_t, regulatory = _frame(entries["gaps"]), _frame(entries["target_review"]), _frame(entries.get("regulatory"))
        sources["gaps"] = "computed in this stage (stage 05 results not found)"

    if "trends" in summary:
        trends = _frame(summary["trends"])
        sources["trends"] = "summary.json (stage 03)"
    else:
        trends = _team_trends(store, config=config, alpha=alpha)
        sources["trends"] = "computed in this stage (stage 03 results not found)"

    if "themes" in summary:
        themes, emerging, calibration = _frame(summary["themes"]), _frame(summary.get("emerging_issues")), summary.get("calibration") or []
        sources["themes"] = "summary.json (stage 04)"
    else:
        from csperf_lib.qualitative import qualitative_review, summary_entries

        entries = to_jsonable(summary_entries(qualitative_review(store, config=config, alpha=alpha)))
        themes, emerging, calibration = _frame(entries["themes"]), _frame(entries.get("emerging_issues")), entries.get("calibration") or []
        sources["themes"] = "computed in this stage (stage 04 results not found)"

    staffing = coaching = None
    staffing_note = ""
    from csperf_lib.staffing import staffing_review

    if store.has("contacts"):
        staffing = staffing_review(store, config=config)
        sources["staffing"] = "computed in this stage"
    elif store.has("intervals"):
        # An ACD interval report with start times feeds the same Erlang review as contact records.
        from csperf_lib.intervals import interval_staffing, staffing_unavailable

        rows = store.table("intervals").execute()
        staffing_note = staffing_unavailable(rows) or ""
        if not staffing_note:
            staffing = staffing_review(store, config=config, intervals=interval_staffing(rows, config=config))
            sources["staffing"] = "computed in this stage from the interval report"
    else:
        staffing_note = "The review has no contact records or interval reports, so resourcing cannot be reviewed."
    if store.has("qa_evaluations"):
        from csperf_lib.coaching import coaching_review

        coaching = coaching_review(_qa_with_team(store), config=config, pseudonym_key=pseudonym_key)
        sources["coaching"] = "computed in this stage"
    if "escalations" in summary:
        escalations = (summary["escalations"] or {}).get("recommendation_evidence") or []
        sources["escalations"] = "summary.json (stage 04)"
    elif store.has("contacts"):
        from csperf_lib.escalations import escalation_review
        from csperf_lib.escalations import summary_entries as escalation_entries

        entry = to_jsonable(escalation_entries(escalation_review(store, config=config, pseudonym_key=pseudonym_key, alpha=alpha)))
        escalations = (entry.get("escalations") or {}).get("recommendation_evidence") or []
        sources["escalations"] = "computed in this stage (stage 04 results not found)"
    else:
        escalations = []
    return Evidence(
        gaps=gaps, trends=trends, themes=themes, emerging=emerging, target_review=review_t,
        calibration=list(calibration), regulatory=regulatory, staffing=staffing, coaching=coaching,
        staffing_note=staffing_note,
        as_of=_as_of(store, config), sources=sources, escalations=list(escalations),
    )


def _qa_with_team(store) -> pd.DataFrame:
    """QA evaluations with the team of the evaluated contact (an agent's team where recorded)."""
    qa = store.table("qa_evaluations")
    if store.has("contacts") and "team" in store.table("contacts").columns and "contact_id" in qa.columns:
        contacts = store.table("contacts")
        right = contacts.select(contact_id_ref=contacts.contact_id, team=contacts.team)
        qa = qa.left_join(right, qa.contact_id == right.contact_id_ref).drop("contact_id_ref")
    return qa.to_pandas()


def _team_trends(store, *, config=None, alpha: float = 0.05) -> pd.DataFrame:
    from csperf_lib.kpis import compute_kpi_breakdowns
    from csperf_lib.quantitative import TEAM_TREND_KPIS, adjust_trends, kpi_trends

    if not store.has("contacts") or "team" not in store.table("contacts").columns:
        return pd.DataFrame()
    frames = compute_kpi_breakdowns(store, breakdowns=[(("team",), "week")], kpis=[k for k in TEAM_TREND_KPIS if k in ("aht_s", "talk_s")], config=config)
    return adjust_trends(kpi_trends(frames[(("team",), "week")], segment="team", alpha=alpha), alpha=alpha)


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
        The fact, with its number, interval and n.
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


class _Format(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, context: Mapping[str, Any]) -> str:
    return template.format_map(_Format({k: v for k, v in context.items()}))


def _kpi_label(kpi: str) -> str:
    from csperf_lib.kpis import kpi_definitions

    names = {k.id: k.name for k in kpi_definitions()}
    return names.get(kpi, kpi)


def _fmt(value, unit: str) -> str:
    from csperf_lib.benchmark import format_kpi_value

    return format_kpi_value(value, unit)


def _subject(dimension: str, segment: str) -> str:
    return "the whole centre" if dimension in ("all", None) else f"{dimension} {segment}"


def _gap_evidence(row: Mapping[str, Any]) -> EvidenceItem:
    return EvidenceItem(str(row.get("finding") or ""), section_link("gaps"))


def _match_kpi_shortfall(rule: Rule, ev: Evidence) -> list[dict]:
    gaps = ev.gaps
    if gaps.empty:
        return []
    when = rule.when
    rows = gaps[(gaps["status"] == "missed") & gaps["significant"].astype(bool)]
    if when.get("kpi"):
        rows = rows[rows["kpi"].isin(when["kpi"])]
    if when.get("dimension"):
        rows = rows[rows["dimension"].isin(when["dimension"])]
    rows = rows[rows["persistence"].fillna(0) >= when.get("min_persistence", 1)]
    if rows.empty:
        return []
    staffing_ctx = {}
    if when.get("understaffed"):
        staffing_ctx = _staffing_context(ev.staffing)
        if not staffing_ctx:
            return []
    matches = []
    mode = when.get("group", "row")
    if mode == "all":
        groups = [rows]
    elif mode == "kpi":
        groups = [rows[rows["kpi"] == k] for k in rows["kpi"].unique()]
    elif mode == "segment":
        keys = rows[["dimension", "segment"]].astype(str).agg("|".join, axis=1)
        groups = [rows[keys == k] for k in keys.unique()]
    else:
        groups = [rows.iloc[[i]] for i in range(len(rows))]
    for part in groups:
        order = {k: i for i, k in enumerate(when.get("kpi") or [])}
        part = part.assign(_rel=[_relative_gap(r) for r in part.to_dict(orient="records")], _order=part["kpi"].map(order).fillna(len(order)))
        # the text leads with the rule's first KPI present (e.g. CSAT before NPS); priority uses the largest gap
        lead = part.sort_values(["_order", "_rel"], ascending=[True, False]).iloc[0].to_dict()
        unit = lead.get("unit", "")
        context = {
            "kpi": lead["kpi"], "kpi_label": _kpi_label(lead["kpi"]),
            "subject": _subject(lead["dimension"], lead["segment"]),
            "value_text": _fmt(lead["value"], unit), "target_text": _fmt(lead["target"], unit),
            **staffing_ctx.get("context", {}),
        }
        evidence = [_gap_evidence(r) for r in part.sort_values(["_order", "_rel"], ascending=[True, False]).head(4).to_dict(orient="records")]
        evidence += staffing_ctx.get("evidence", [])
        kpis = list(dict.fromkeys(part["kpi"]))
        context["kpi_label"] = " and ".join(_kpi_label(k) for k in kpis) if mode in ("all", "segment") else context["kpi_label"]
        same_segment = part[["dimension", "segment"]].drop_duplicates().shape[0] == 1
        matches.append({
            "subject": context["subject"] if same_segment else f"{context['kpi_label']} ({len(part)} segments)",
            "segment": {} if lead["dimension"] == "all" or not same_segment else {lead["dimension"]: str(lead["segment"])},
            "context": context,
            "evidence": evidence,
            "gap": float(part["_rel"].max()),
            "volume": float(part["n"].max()),
            "persistence": float(lead.get("persistence") or 1),
        })
    return matches


#: Scale of a KPI unit, for the relative size of a gap when the target is 0 (e.g. NPS 0).
UNIT_SCALE = {"proportion": 1.0, "nps": 100.0, "percent": 100.0, "score_1_5": 4.0, "score_1_7": 6.0}


def _relative_gap(row: Mapping[str, Any]) -> float:
    """|gap| / |target|, or |gap| / the unit's scale when the target is 0."""
    gap = abs(_finite(row.get("gap"), 0.0))
    target = abs(_finite(row.get("target"), 0.0))
    if target > 0:
        return gap / target
    return gap / UNIT_SCALE.get(str(row.get("unit", "")), max(abs(_finite(row.get("value"), 1.0)), 1.0))


def _staffing_context(staffing) -> dict:
    """Under-staffed intervals from the staffing review, or {} when none are."""
    if staffing is None:
        return {}
    info = getattr(staffing, "headline", None) or {}
    hours = float(info.get("understaffed_agent_hours_per_week", 0) or 0)
    if hours <= 0:
        return {}
    context = {
        "agent_hours_per_week": f"{hours:,.0f}",
        "peak_interval": info.get("worst_interval", "the busiest intervals"),
        "peak_required": info.get("worst_required", "?"),
        "peak_deployed": info.get("worst_deployed", "?"),
    }
    evidence = [EvidenceItem(f, section_link("staffing")) for f in list(getattr(staffing, "findings", ()))[:3]]
    return {"context": context, "evidence": evidence}


def _match_kpi_trend(rule: Rule, ev: Evidence) -> list[dict]:
    trends = ev.trends
    if trends.empty or "segment" not in trends:
        return []
    from csperf_lib.kpis import kpi_definitions

    better = {k.id: k.direction for k in kpi_definitions()}
    rows = trends[(trends["segment"] != "all") & trends["trend"].isin(["increasing", "decreasing"])]
    if rule.when.get("kpi"):
        rows = rows[rows["kpi"].isin(rule.when["kpi"])]
    worsening = [
        (r["trend"] == "increasing") == (better.get(r["kpi"]) == "lower_is_better") for r in rows.to_dict(orient="records")
    ]
    rows = rows[np.asarray(worsening, dtype=bool)] if len(rows) else rows
    matches = []
    for team, part in rows.groupby("segment", sort=True):
        lead = part.iloc[0].to_dict()
        unit = "seconds"
        weekly = float(lead.get("slope") or 0) * 7
        text = (
            f"{_kpi_label(lead['kpi'])} in team {team} is {lead['trend']} (Mann–Kendall, FDR-adjusted p = {float(lead.get('p_adjusted', np.nan)):.2g}): "
            f"Sen's slope {weekly:+.1f} s a week over {int(lead.get('periods') or 0)} weeks"
            + (f", from {_fmt(lead.get('first_value'), unit)} to {_fmt(lead.get('last_value'), unit)}." if lead.get("first_value") is not None else ".")
        )
        evidence = [EvidenceItem(text, section_link("trends"))]
        for theme in rule.when.get("supporting_themes") or []:
            hit = ev.themes[(ev.themes.get("theme") == theme) & (ev.themes.get("source") == "comments")] if len(ev.themes) else ev.themes
            if len(hit):
                t = hit.iloc[0]
                sentiment = t.get("sentiment") if isinstance(t.get("sentiment"), Mapping) else {}
                negative = sentiment.get("share_negative")
                evidence.append(EvidenceItem(
                    f"Customers mention '{t['label']}' in {t['share']:.0%} of comments (n = {int(t['n']):,})"
                    + (f", {negative:.0%} of them negative" if negative is not None else "") + " (centre-wide: context, not proof about this team).",
                    section_link("themes"), supporting=True,
                ))
        first = _finite(lead.get("first_value"), math.nan)
        last = _finite(lead.get("last_value"), math.nan)
        matches.append({
            "subject": f"team {team}", "segment": {"team": str(team)},
            "context": {"team": team, "kpi_label": _kpi_label(lead["kpi"]), "slope_text": f"{weekly:+.1f} s a week",
                        "first_value_text": _fmt(first, unit)},
            "evidence": evidence,
            # relative change over the period; without first/last values, Sen's slope over the periods
            "gap": abs(last - first) / first if math.isfinite(first) and math.isfinite(last) and first else 0.05,
            "volume": _team_volume(ev.gaps, str(team)),
            "persistence": float(lead.get("periods") or 1),
        })
    return matches


def _team_volume(gaps: pd.DataFrame, team: str) -> float:
    """Contacts a team handled (the largest n of its stage-05 rows), else 1."""
    if gaps.empty or "dimension" not in gaps:
        return 1.0
    rows = gaps[(gaps["dimension"] == "team") & (gaps["segment"].astype(str) == team)]
    return float(rows["n"].max()) if len(rows) else 1.0


def _match_agent_weakness(rule: Rule, ev: Evidence) -> list[dict]:
    plan = getattr(ev.coaching, "plan", None)
    if plan is None or plan.empty:
        return []
    matches = []
    for row in plan.to_dict(orient="records"):
        evidence = [EvidenceItem(str(row.get("evidence", "")), section_link("coaching"))]
        matches.append({
            "subject": f"agent {row['agent']}", "segment": {"agent_id": str(row["agent"])},
            "context": {"agent": row["agent"], "item_label": row.get("need", ""), "method": row.get("method", ""),
                        "follow_up": _date_text(row.get("follow_up")), "follow_up_evaluations": row.get("follow_up_evaluations", 5),
                        "value_text": row.get("value_text", ""), "peer_text": row.get("peer_text", "")},
            "evidence": evidence,
            "gap": abs(_finite(row.get("max_shortfall"), 0.1)),
            "volume": _finite(row.get("n_evaluations"), 1.0),
            "persistence": 1.0,
        })
    return matches


def _match_training_need(rule: Rule, ev: Evidence) -> list[dict]:
    training = getattr(ev.coaching, "training", None)
    if training is None or training.empty:
        return []
    matches = []
    for row in training.to_dict(orient="records"):
        scope = "the whole centre" if row.get("team") in (None, "all") or pd.isna(row.get("team")) else f"team {row['team']}"
        matches.append({
            "subject": f"{scope}: {row.get('item', '')}", "segment": {} if scope == "the whole centre" else {"team": str(row["team"])},
            "context": {"scope": scope, "item_label": row.get("item_label", row.get("item", "")), "share_text": f"{float(row.get('share', 0)):.0%}"},
            "evidence": [EvidenceItem(str(row.get("evidence", row.get("finding", ""))), section_link("coaching"))],
            "gap": float(row.get("share", 0)),
            "volume": _finite(row.get("n_below"), 1.0),
            "persistence": 1.0,
        })
    return matches


def _match_complaint_issue(rule: Rule, ev: Evidence) -> list[dict]:
    issues = ev.emerging
    if issues.empty or "queue" not in issues:
        return []
    issues = issues[(issues.get("source") == "complaints") & (issues["queue_share"].fillna(0) >= rule.when.get("min_share", 0.5))]
    matches = []
    for queue, part in issues.groupby("queue", sort=True):
        lead = part.sort_values("p_value").iloc[0].to_dict()
        term = str(lead["terms"]).split(", ")[0]
        weeks = f"{lead['first_week']}" if lead["first_week"] == lead["last_week"] else f"{lead['first_week']}–{lead['last_week']}"
        evidence = [EvidenceItem(str(r.get("finding") or ""), section_link("spikes")) for r in part.to_dict(orient="records")]
        if "category" in lead and lead.get("category_share", 0) >= 0.5:
            evidence.append(EvidenceItem(f"{lead['category_share']:.0%} of these complaints are logged as '{lead['category']}'.", section_link("complaints"), supporting=True))
        matches.append({
            "subject": f"queue {queue}", "segment": {"queue": str(queue)},
            "context": {"queue": queue, "issue": term, "weeks": weeks, "count": int(lead["count"]), "expected": f"{float(lead['expected']):.1f}"},
            "evidence": evidence,
            # rate ratio capped at 10 (an issue unseen elsewhere has an infinite ratio, stored as null)
            "gap": min(_finite(lead.get("rate_ratio"), 10.0), 10.0) / 10,
            "volume": float(lead["count"]),
            "persistence": float(lead["last_week"] - lead["first_week"] + 1),
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


def _match_target_review(rule: Rule, ev: Evidence) -> list[dict]:
    review = ev.target_review
    if review.empty:
        return []
    rows = review[review["status"].isin(rule.when.get("status") or ["no_longer_challenging", "not_achievable"])]
    matches = []
    for row in rows.to_dict(orient="records"):
        unit = ev.gaps.loc[ev.gaps["kpi"] == row["kpi"], "unit"].iloc[0] if len(ev.gaps) and (ev.gaps["kpi"] == row["kpi"]).any() else ""
        where = "" if row["dimension"] == "all" else f" for {row['dimension']} {row['segment']}"
        proposed = row.get("proposed_target")
        matches.append({
            "subject": f"target {row['kpi']}{where}", "segment": {} if row["dimension"] == "all" else {row["dimension"]: str(row["segment"])},
            "context": {"kpi_label": _kpi_label(row["kpi"]), "where": where, "target_text": _fmt(row["target"], unit),
                        "proposed_text": _fmt(proposed, unit) if proposed is not None and not pd.isna(proposed) else "a level agreed with its owner",
                        "reasoning": row.get("reasoning", "")},
            "evidence": [EvidenceItem(f"{row['kpi']}{where}: {row['evidence']}. {row.get('reasoning', '')}", section_link("target_review"))],
            "gap": 0.1, "volume": 1.0, "persistence": float(row.get("periods") or 1),
        })
    return matches


def _match_calibration(rule: Rule, ev: Evidence) -> list[dict]:
    entries = ev.calibration or []
    flagged_evaluators = [e for e in entries if e.get("verdict") in ("strict", "lenient")]
    items = sorted({i for e in entries for i in (e.get("items_flagged") or [])})
    overall = next((e for e in entries if "alpha" in str(e.get("statistic", "")).lower()), None)
    if not flagged_evaluators and not items:
        return []
    who = ", ".join(_evaluator_name(e) for e in flagged_evaluators) or "all evaluators"
    evidence = [EvidenceItem(
        f"{e.get('statistic')}: {float(e['value']):+.1f}" + (f" (95 % CI {e['interval'][0]:+.1f} to {e['interval'][1]:+.1f}, n = {e.get('n')})" if e.get("interval") and e["interval"][0] is not None else "")
        + f" — {e.get('verdict')}", section_link("calibration")) for e in flagged_evaluators]
    if items:
        evidence.append(EvidenceItem(f"{len(items)} scorecard items scored inconsistently (Krippendorff's alpha below 0.667): {', '.join(items)}.", section_link("calibration")))
    alpha_text = f"{float(overall['value']):.2f}" if overall and overall.get("value") is not None else "its current level"
    return [{
        "subject": "QA evaluators", "segment": {},
        "context": {"who": who, "items": ", ".join(items) or "every item", "alpha_text": alpha_text},
        "evidence": evidence, "gap": 0.1, "volume": float(len(items) + len(flagged_evaluators)), "persistence": 1.0,
    }]


def _evaluator_name(entry: Mapping[str, Any]) -> str:
    """The evaluator of a calibration entry ("Mean difference from colleagues, qa.x (…)")."""
    if entry.get("evaluator"):
        return str(entry["evaluator"])
    found = re.search(r",\s*([^,(]+?)\s*\(", str(entry.get("statistic", "")))
    return found.group(1) if found else str(entry.get("statistic", "an evaluator"))


def _match_regulatory(rule: Rule, ev: Evidence) -> list[dict]:
    reg = ev.regulatory
    if reg.empty or "breaches" not in reg:
        return []
    rows = reg[(reg["breaches"].fillna(0) >= rule.when.get("min_breaches", 1)) | (reg.get("status") == "not compliant")]
    matches = []
    for row in rows.to_dict(orient="records"):
        matches.append({
            "subject": f"rule {row['rule']}", "segment": {},
            "context": {"breaches": int(row["breaches"]), "rule_description": row.get("description", row["rule"]),
                        "rate_text": f"{float(row['rate']):.1%}" if row.get("rate") is not None else "n/a", "n": int(row.get("n") or 0)},
            "evidence": [EvidenceItem(
                f"{row.get('description')}: {int(row['breaches'])} breaches of {int(row.get('n') or 0)} judged cases "
                f"({float(row['rate']):.1%} compliant, 95 % CI {float(row['ci_low']):.1%}–{float(row['ci_high']):.1%}); source: {row.get('source')}.",
                section_link("regulatory"))],
            "gap": 1 - float(row.get("rate") or 1), "volume": float(row.get("n") or 1), "persistence": 1.0,
        })
    return matches


def _p_text(p) -> str:
    from csperf_lib.benchmark import format_p

    return format_p(_finite(p, 1.0))


def _match_escalation_outlier(rule: Rule, ev: Evidence) -> list[dict]:
    dims = rule.when.get("dimension") or ["team"]
    ratio_min = float(rule.when.get("min_ratio", 1.5))
    matches = []
    for e in ev.escalations:
        if e.get("pattern") != "escalation_outlier" or e.get("dimension") not in dims or _finite(e.get("ratio"), 0) < ratio_min:
            continue
        text = (f"{e['dimension']} {e['segment']} escalates {float(e['rate']):.1%} of contacts (95 % CI {float(e['ci_low']):.1%} to "
                f"{float(e['ci_high']):.1%}, n = {int(e['n']):,}) against {float(e['rest_rate']):.1%} elsewhere "
                f"({float(e['ratio']):.1f}×, adjusted p {_p_text(e.get('p_adjusted'))}).")
        matches.append({
            "subject": f"{e['dimension']} {e['segment']}", "segment": {e["dimension"]: str(e["segment"])},
            "context": {"subject": f"{e['dimension']} {e['segment']}", "rate_text": f"{float(e['rate']):.1%}", "rest_text": f"{float(e['rest_rate']):.1%}"},
            "evidence": [EvidenceItem(text, section_link("escalations"))],
            "gap": _finite(e.get("ratio"), 1.0) - 1, "volume": _finite(e.get("n"), 1.0), "persistence": 1.0,
        })
    return matches


def _match_escalation_cause(rule: Rule, ev: Evidence) -> list[dict]:
    causes = [e for e in ev.escalations if e.get("pattern") == "repeated_escalation_cause"]
    if not causes:
        return []
    evidence, labels = [], []
    for e in causes:
        if e.get("theme"):
            labels.append(str(e.get("label") or e["theme"]))
            evidence.append(EvidenceItem(
                f"'{e.get('label') or e['theme']}' is in {float(e['share_escalated']):.0%} of comments on escalated contacts against "
                f"{float(e['share_other']):.0%} on others (n = {int(e['n_escalated']):,} escalated; adjusted p {_p_text(e.get('p_adjusted'))}).",
                section_link("escalations")))
        else:
            evidence.append(EvidenceItem(
                f"{float(e['rate_escalated']):.1%} of escalated contacts are followed by a complaint within the window against "
                f"{float(e['rate_other']):.1%} of others (n = {int(e['n_escalated']):,}).", section_link("escalations")))
    return [{
        "subject": "escalated contacts", "segment": {},
        "context": {"causes": ", ".join(labels) or "the causes found", "n": len(causes)},
        "evidence": evidence, "gap": 0.1, "volume": max(_finite(e.get("n_escalated"), 1.0) for e in causes), "persistence": 1.0,
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
}


def recommend(evidence: Evidence, rules: Sequence[Rule]) -> list[Recommendation]:
    """Apply every rule to the evidence; one recommendation per match, highest priority first.

    Priority score = size of gap × volume affected × persistence, each factor as the rule's pattern
    defines it (relative shortfall, contacts or cases affected, consecutive periods). Volumes span
    orders of magnitude (one agent's evaluations, a centre's contacts), so the priority shown is
    ``100 × log(1 + score) / log(1 + largest score)``: the order is the score's, and small but real
    needs stay visible. It orders the action plan; it is not a statistic.
    """
    raw = []
    for rule in rules:
        for match in MATCHERS[rule.pattern](rule, evidence):
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
            review_date=review_date,
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
    from csperf_lib.markup import escape

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
    priority, owner, review date (and subject, rule, SMART line)."""
    return [
        {
            "id": r.id, "action": r.action, "kind": r.kind, "subject": r.subject, "segment": dict(r.segment),
            "rule": r.rule, "evidence": [{"text": e.text, "link": e.link, "supporting": e.supporting} for e in r.evidence],
            "priority": r.priority, "owner": r.owner, "review_date": r.review_date.isoformat(), "smart": r.smart,
        }
        for r in recs
    ]


# --- the stage ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecommendationReview:
    """Everything stage 06 shows.

    Attributes
    ----------
    evidence : Evidence
    rules : tuple of Rule
    recommendations : list of Recommendation
        Highest priority first.
    table : DataFrame
        :func:`recommendations_table`.
    briefings : dict of str to str
        Team -> one-page Markdown briefing note.
    files : dict of str to Path
        Exports written into the run folder (``actions.xlsx``, ``actions.csv``, briefing notes).
    """

    evidence: Evidence
    rules: tuple[Rule, ...]
    recommendations: list
    table: pd.DataFrame
    briefings: Mapping[str, str]
    files: Mapping[str, Path] = field(default_factory=dict)


def _team_inputs(recs: Sequence[Recommendation], evidence: Evidence) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """Changes, targets and actions rows for the team briefings (no individual agents)."""
    changes, actions = [], []
    for rec in recs:
        if "agent_id" in rec.segment:
            continue  # individual coaching is for one-to-ones, never a team note
        team = rec.segment.get("team", "all")
        why = next((e.text for e in rec.evidence if not e.supporting), "")
        changes.append({"team": team, "text": f"{rec.subject}: {rec.kind.replace('_', ' ')} needed", "why": why})
        actions.append({"team": team, "action": rec.action, "owner": rec.owner, "review_date": rec.review_date})
    gaps = evidence.gaps
    targets = []
    teams: list[str] = []
    if len(gaps) and "dimension" in gaps:
        team_rows = gaps[(gaps["dimension"] == "team") & (gaps["status"] != "no_target")]
        teams = sorted(str(t) for t in team_rows["segment"].unique() if str(t) != "(not recorded)")
        for row in team_rows.to_dict(orient="records"):
            targets.append({"team": str(row["segment"]), "kpi": row["kpi"], "label": _kpi_label(row["kpi"]), "target": row["target"],
                            "value": row["value"], "status": row["status"], "unit": row.get("unit", "")})
    return pd.DataFrame(changes), pd.DataFrame(targets), pd.DataFrame(actions), teams


def recommendation_review(
    store,
    *,
    config=None,
    run_dir: str | Path | None = None,
    alpha: float = 0.05,
    write_files: bool = True,
) -> RecommendationReview:
    """Run stage 06: gather the evidence, apply the rules, write the action plan and briefings."""
    from csperf_lib.briefing import action_plan_export, team_briefings, write_briefings
    from csperf_lib.qualitative import privacy_settings

    key, _ = privacy_settings(config)
    rules = load_rules(config)
    evidence = gather_evidence(store, config=config, run_dir=run_dir, pseudonym_key=key, alpha=alpha)
    recs = recommend(evidence, rules)
    table = recommendations_table(recs)
    changes, targets, actions, teams = _team_inputs(recs, evidence)
    review_date = max((r.review_date for r in recs), default=evidence.as_of + dt.timedelta(days=28))
    briefings = team_briefings(
        changes=changes, targets=targets, actions=actions, review_date=review_date, teams=teams or None,
        organisation=getattr(config, "organisation", None),
        period=f"{config.period_start} to {config.period_end}" if config is not None and config.period_start else None,
    ) if teams else {}
    files: dict[str, Path] = {}
    if write_files and run_dir is not None:
        folder = Path(run_dir)
        plan = table.assign(status="open", team=[r.segment.get("team", "all") for r in recs])[
            ["id", "team", "action", "kind", "owner", "priority", "evidence", "review_date", "status"]
        ] if len(table) else pd.DataFrame(columns=["id", "action", "kind", "owner", "priority", "evidence", "review_date", "status"])
        xlsx, csv = action_plan_export(plan, folder)
        files.update({"actions.xlsx": xlsx, "actions.csv": csv})
        for path in write_briefings(briefings, folder / "briefings"):
            files[f"briefings/{path.name}"] = path
    return RecommendationReview(evidence=evidence, rules=rules, recommendations=recs, table=table, briefings=briefings, files=files)


def summary_entries(review: RecommendationReview) -> dict[str, Any]:
    """The ``recommendations`` and ``staffing`` entries of summary.json."""
    out: dict[str, Any] = {"recommendations": summary_records(review.recommendations)}
    staffing = review.evidence.staffing
    if staffing is not None:
        from csperf_lib import staffing as staffing_module

        out.update(staffing_module.summary_entries(staffing))
    else:
        out["staffing"] = {"note": review.evidence.staffing_note
                           or "No contacts with arrival times: staffing could not be reviewed."}
    return out
