"""The demo centre's ``review.yaml``, ``targets.yaml`` and ``planted.json``.

:func:`_review_yaml` writes the config mapping every demo export onto the canonical tables,
:func:`_targets_yaml` the centre's targets (consistent with the planted signals, with one target
deliberately missing its owner and deadline for the SMART check), and :func:`_planted` the answer
key: the findings a correct review should surface, the control segments that must not show one,
and the bad rows planted per table and kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np

from csperf_lib.ingest.demo_scenario import (
    AHT_WEEKLY_GROWTH,
    CHANNEL_LABELS,
    CHANNELS,
    COMPLAINT_CATEGORIES,
    CSAT_TARGET,
    DAY,
    EVALUATOR_BIAS,
    EVALUATORS,
    FILE_NAMES,
    LIVE,
    ORGANISATION,
    PATIENCE_HALVING_WEEKS,
    QA_ITEMS,
    QUEUES,
    REGION_CSAT_SHIFT,
    REGIONS,
    REVIEWER,
    ROUTE_CHANNEL,
    SKILL_CODES,
    SPIKE_CATEGORY,
    SPIKE_KEYWORDS,
    SPIKE_MULTIPLIER,
    SPIKE_QUEUE,
    TARGETS_NAME,
    TEAMS,
    UNDERSTAFFED_HOURS,
    UNDERSTAFFED_WAIT_FACTOR,
    UNDERSTAFFED_WEEKDAY,
    WEAK_ITEM,
    WEAK_ITEM_SHIFT,
)


def _week_dates(start: dt.date, week: int) -> list[str]:
    first = start + dt.timedelta(days=7 * (week - 1))
    return [first.isoformat(), (first + dt.timedelta(days=6)).isoformat()]


def _talk_growth(c: dict[str, np.ndarray], team: int, weeks: int) -> float:
    """Observed weekly growth of one team's mean talk time (log-linear fit on weekly means)."""
    sel = c["answered"] & (c["team"] == team)
    tot = np.bincount(c["week"][sel], weights=c["talk"][sel], minlength=weeks)[:weeks]
    cnt = np.bincount(c["week"][sel], minlength=weeks)[:weeks]
    ok = cnt > 0
    if ok.sum() < 2:
        return 0.0
    slope = np.polyfit(np.arange(weeks)[ok], np.log(tot[ok] / cnt[ok]), 1)[0]
    return round(float(np.expm1(slope)), 4)


def _mean(x: np.ndarray) -> float | None:
    return round(float(x.mean()), 3) if x.size else None


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _understaffed_slots() -> list[str]:
    """The half-hour interval starts of the planted under-staffed morning (09:00 ... 11:30)."""
    first, last = UNDERSTAFFED_HOURS
    return [f"{h:02d}:{m:02d}" for h in range(first, last) for m in (0, 30)]


def _service_level(c: dict[str, np.ndarray], sel: np.ndarray) -> float | None:
    """Answered within 20 s / offered, over the live-channel contacts in ``sel``."""
    sel = sel & LIVE[c["channel"]]
    within = c["answered"] & (np.nan_to_num(c["wait"], nan=np.inf) <= 20)
    return _mean(within[sel].astype(float))


def _staffing_signals(plan: dict[str, Any], c: dict[str, np.ndarray], *, weeks: int) -> dict[str, Any]:
    """The queue under-staffed on one weekday morning and the queue whose abandonment rises."""
    short, falling = QUEUES[plan["short_queue"]], QUEUES[plan["abandon_queue"]]
    morning = (c["hour"] >= UNDERSTAFFED_HOURS[0]) & (c["hour"] < UNDERSTAFFED_HOURS[1])
    in_queue = c["queue"] == plan["short_queue"]
    weekday = c["dow"] == UNDERSTAFFED_WEEKDAY
    live = LIVE[c["channel"]] & (c["queue"] == plan["abandon_queue"])
    first = live & (c["week"] < 4)
    last = live & (c["week"] >= weeks - 4)
    day = WEEKDAY_NAMES[UNDERSTAFFED_WEEKDAY]
    return {
        "queue_understaffed": {
            "table": "contacts",
            "metric": "service_level",
            "segment": {"queue": short, "weekday": day, "interval_start": _understaffed_slots()},
            "kind": "under-staffed",
            "description": f"The {short} queue is under-staffed on {day} mornings "
                           f"({UNDERSTAFFED_HOURS[0]:02d}:00-{UNDERSTAFFED_HOURS[1]:02d}:00): phone and chat "
                           f"waits there are {UNDERSTAFFED_WAIT_FACTOR:g} times longer than at the same "
                           f"time on other days; every other queue and time meets the service level.",
            "wait_factor": UNDERSTAFFED_WAIT_FACTOR,
            "observed_service_level": _service_level(c, in_queue & weekday & morning),
            "observed_service_level_other_days": _service_level(c, in_queue & ~weekday & morning),
        },
        "abandonment_trend": {
            "table": "contacts",
            "metric": "abandonment_rate",
            "segment": {"queue": falling},
            "kind": "rising abandonment",
            "description": f"Callers to the {falling} queue grow less patient: their patience halves "
                           f"every {PATIENCE_HALVING_WEEKS:g} weeks, so abandonment rises week by week; "
                           f"other queues are flat.",
            "patience_halving_weeks": PATIENCE_HALVING_WEEKS,
            "observed_first_4_weeks": _mean(c["abandoned"][first].astype(float)),
            "observed_last_4_weeks": _mean(c["abandoned"][last].astype(float)),
        },
    }


def _staffing_controls(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Segments of the staffing and abandonment signals that must show no finding."""
    short, falling = QUEUES[plan["short_queue"]], QUEUES[plan["abandon_queue"]]
    day = WEEKDAY_NAMES[UNDERSTAFFED_WEEKDAY]
    return [
        {"table": "contacts", "metric": "service_level",
         "segment": {"queue": short, "weekday": [d for d in WEEKDAY_NAMES if d != day],
                     "interval_start": _understaffed_slots()},
         "expect": "no staffing shortfall"},
        {"table": "contacts", "metric": "service_level",
         "segment": {"queue": [q for q in QUEUES if q != short], "weekday": day,
                     "interval_start": _understaffed_slots()},
         "expect": "no staffing shortfall"},
        {"table": "contacts", "metric": "abandonment_rate",
         "segment": {"queue": [q for q in QUEUES if q != falling]},
         "expect": "no trend"},
    ]


def _signals(
    plan: dict[str, Any],
    c: dict[str, np.ndarray],
    s: dict[str, np.ndarray],
    q: dict[str, np.ndarray],
    k: dict[str, np.ndarray],
    *,
    start: dt.date,
    weeks: int,
) -> dict[str, Any]:
    """The planted signals, each with what was observed in the written (clean) rows."""
    aht_team, low_region = TEAMS[plan["aht_team"]], REGIONS[plan["low_region"]]
    weak = plan["agent_ids"][plan["weak_agent"]]
    five = (q["score"] <= q["max"]) & (q["item"] == plan["weak_item"])
    weak_rows = five & (q["agent"] == plan["weak_agent"])
    others = five & (q["agent"] != plan["weak_agent"])
    valid = (s["csat"] >= 1) & (s["csat"] <= 5) & ~c["region_blank"][s["contact"]]
    s_region = c["region"][s["contact"]]
    k_week = k["received"] // (7 * DAY) + 1
    k_queue = c["queue"][k["contact"]]
    seg = (k["category"] == COMPLAINT_CATEGORIES.index(SPIKE_CATEGORY)) & (
        k_queue == QUEUES.index(SPIKE_QUEUE)
    )
    in_spike = np.isin(k_week, plan["spike_weeks"])
    n_spike_weeks = len(plan["spike_weeks"])
    return {
        **_staffing_signals(plan, c, weeks=weeks),
        "aht_trend": {
            "table": "contacts",
            "metric": "talk_s",
            "segment": {"team": aht_team},
            "kind": "rising trend",
            "description": f"Talk time in team {aht_team} grows {AHT_WEEKLY_GROWTH:.1%} a week (compounding); other teams are flat.",
            "weekly_growth": AHT_WEEKLY_GROWTH,
            "observed_weekly_growth": _talk_growth(c, plan["aht_team"], weeks),
        },
        "weak_agent_item": {
            "table": "qa_evaluations",
            "metric": "score",
            "segment": {"agent_id": weak, "item": WEAK_ITEM},
            "kind": "individual weakness",
            "description": f"Agent {weak} scores about {-WEAK_ITEM_SHIFT:.0f} points (of 5) lower on {WEAK_ITEM}; average on every other item.",
            "mean_shift": WEAK_ITEM_SHIFT,
            "max_score": 5,
            "observed_mean": _mean(q["score"][weak_rows]),
            "observed_mean_other_agents": _mean(q["score"][others]),
            "observed_evaluations": int(np.unique(q["contact"][weak_rows]).size),  # evaluated contacts
        },
        "complaint_spike": {
            "table": "complaints",
            "metric": "complaints per week",
            "segment": {"queue": SPIKE_QUEUE, "category": SPIKE_CATEGORY},
            "kind": "spike",
            "description": f"'{SPIKE_CATEGORY}' complaints in the {SPIKE_QUEUE} queue rise {SPIKE_MULTIPLIER:g}-fold in week{'s' if len(plan['spike_weeks']) > 1 else ''} {', '.join(map(str, plan['spike_weeks']))} (a duplicate direct debit after a price change).",
            "weeks": plan["spike_weeks"],
            "week_dates": [_week_dates(start, w) for w in plan["spike_weeks"]],
            "week_numbering": "1-based 7-day weeks from period.start, by received_at",
            "multiplier": SPIKE_MULTIPLIER,
            "keywords": list(SPIKE_KEYWORDS),
            "observed_per_week_in_spike": round(float((seg & in_spike).sum()) / n_spike_weeks, 2),
            "observed_per_week_otherwise": round(
                float((seg & ~in_spike).sum()) / max(weeks - n_spike_weeks, 1), 2
            ),
        },
        "region_csat": {
            "table": "surveys",
            "metric": "csat",
            "segment": {"region": low_region},
            "join": "surveys.contact_id = contacts.contact_id (region is a contacts column)",
            "kind": "below target",
            "description": f"Customers in {low_region} rate satisfaction about half a point lower (mean CSAT below the {CSAT_TARGET} target); the other regions meet it.",
            "target": {"metric": "mean csat", "value": CSAT_TARGET},
            "latent_shift": REGION_CSAT_SHIFT,
            "observed_mean": _mean(s["csat"][valid & (s_region == plan["low_region"])]),
            "observed_mean_other_regions": _mean(
                s["csat"][valid & (s_region != plan["low_region"])]
            ),
        },
    }


def _controls(
    plan: dict[str, Any], c: dict[str, np.ndarray], s: dict[str, np.ndarray], *, weeks: int
) -> list[dict[str, Any]]:
    """The segments that must *not* show a finding, with what was observed where it can be."""
    agent_ids = plan["agent_ids"]
    weak = agent_ids[plan["weak_agent"]]
    valid = (s["csat"] >= 1) & (s["csat"] <= 5) & ~c["region_blank"][s["contact"]]
    s_region = c["region"][s["contact"]]
    controls = [
        {
            "table": "contacts",
            "metric": "talk_s",
            "segment": {"team": t},
            "expect": "no trend",
            "observed_weekly_growth": _talk_growth(c, i, weeks),
        }
        for i, t in enumerate(TEAMS)
        if i != plan["aht_team"]
    ]
    controls += [
        {
            "table": "qa_evaluations",
            "metric": "score",
            "segment": {"agent_id": weak, "item": [i[0] for i in QA_ITEMS if i[0] != WEAK_ITEM]},
            "expect": "in line with other agents",
        },
        {
            "table": "qa_evaluations",
            "metric": "score",
            "segment": {
                "agent_id": [a for i, a in enumerate(agent_ids) if i != plan["weak_agent"]],
                "item": WEAK_ITEM,
            },
            "expect": "no individual weakness",
        },
        {
            "table": "complaints",
            "metric": "complaints per week",
            "segment": {
                "queue": [x for x in QUEUES if x != SPIKE_QUEUE],
                "category": SPIKE_CATEGORY,
            },
            "expect": "no spike",
        },
        {
            "table": "complaints",
            "metric": "complaints per week",
            "segment": {
                "queue": SPIKE_QUEUE,
                "category": [x for x in COMPLAINT_CATEGORIES if x != SPIKE_CATEGORY],
            },
            "expect": "no spike",
        },
    ]
    controls += [
        {
            "table": "surveys",
            "metric": "csat",
            "segment": {"region": r},
            "expect": f"mean csat at or above target {CSAT_TARGET}",
            "observed_mean": _mean(s["csat"][valid & (s_region == i)]),
        }
        for i, r in enumerate(REGIONS)
        if i != plan["low_region"]
    ]
    controls += _staffing_controls(plan)
    controls += [
        {"table": "surveys", "metric": "csat", "segment": {"region": "(not recorded)"},
         "expect": "no finding: contacts whose site region the export leaves blank are a data-quality "
                   "finding, never a segment judged against targets or peers",
         "observed_share_of_contacts": round(float(c["region_blank"].mean()), 4)},
        {"table": "complaints", "metric": ["complaint_resolution_days", "complaint_open_share"],
         "segment": {},
         "expect": "no trend: complaints received near the cut-off have not had time to close (censored)"},
    ]
    return controls


def _roster(plan: dict[str, Any]) -> dict[str, Any]:
    """Teams, regions, queues, channels, agents (with team and region), evaluators, QA items."""
    return {
        "teams": list(TEAMS),
        "regions": list(REGIONS),
        "queues": list(QUEUES),
        "channels": list(CHANNELS),
        "agents": [
            {
                "agent_id": a,
                "team": TEAMS[plan["agent_team"][i]],
                "region": REGIONS[plan["agent_region"][i]],
            }
            for i, a in enumerate(plan["agent_ids"])
        ],
        "evaluators": list(EVALUATORS),
        "qa_items": [
            {"item": i[0], "label": i[1], "max_score": i[2], "critical": i[3]} for i in QA_ITEMS
        ],
    }


def _planted(
    seed: int,
    contacts: int,
    start: dt.date,
    end: dt.date,
    weeks: int,
    plan: dict[str, Any],
    c: dict[str, np.ndarray],
    s: dict[str, np.ndarray],
    q: dict[str, np.ndarray],
    k: dict[str, np.ndarray],
    rows: dict[str, int],
    bad: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The planted signals with what was observed in the written data (clean rows)."""
    return {
        "generator": "csperf_lib.ingest.demo",
        "seed": int(seed),
        "contacts": int(contacts),
        "period": {"start": start.isoformat(), "end": end.isoformat(), "weeks": weeks},
        "files": dict(FILE_NAMES),
        "rows": dict(rows),
        "roster": _roster(plan),
        "signals": _signals(plan, c, s, q, k, start=start, weeks=weeks),
        "controls": _controls(plan, c, s, weeks=weeks),
        "background": {
            "evaluator_bias": dict(zip(EVALUATORS, EVALUATOR_BIAS, strict=True)),
            "note": "Evaluator severity differs mildly (points on 5-point items); not a planted finding.",
            "ces_scale": "1-7, higher = easier (agreement that the organisation made it easy)",
        },
        "bad_rows": bad,
    }


def _yaml_map(mapping: Mapping[str, str], indent: int) -> str:
    pad = " " * indent
    return "\n".join(f'{pad}"{k}": {v}' for k, v in mapping.items())


def _review_yaml(start: dt.date, end: dt.date) -> str:
    """The demo's ``review.yaml`` (with comments explaining each non-obvious mapping)."""
    channel = dict(zip(CHANNEL_LABELS, CHANNELS, strict=True))
    skills = {code: f'"{q}"' for code, q in zip(SKILL_CODES, QUEUES, strict=True)}
    items = {i[1]: i[0] for i in QA_ITEMS}
    routes = dict(ROUTE_CHANNEL)
    return f"""\
# Review config of the csperf demo data (written by csperf_lib.ingest.demo.generate_demo).
# The exports beside this file are synthetic; planted.json lists what a review should find.
organisation: {ORGANISATION}
reviewer: {REVIEWER}
period: {{start: {start.isoformat()}, end: {end.isoformat()}}}
validation: {{min_usable_share: 0.9}}
staffing: {{shrinkage: 0.3, max_occupancy: 0.85}}   # 30 % of paid time off the phones (breaks, training, leave)
targets: {TARGETS_NAME}              # KPI targets, SMART fields and regulatory rules
tables:
  contacts:
    source:
      file: {FILE_NAMES["contacts"]}
      delimiter: ","
      encoding: utf-8
    columns:
      contact_id: Call ID
      channel:                       # the routing platform calls channels "media types"
        column: Media Type
        values:
{_yaml_map(channel, 10)}
      queue:                         # routing skills are the queues; codes -> product areas
        column: Skill
        values:
{_yaml_map(skills, 10)}
      team: Team Name                # the answering agent's team (blank when not answered)
      agent_id: Agent Login
      region: Site Region            # the site the contact was routed to (by customer region)
      arrived_at: {{column: Start Time, format: "%d/%m/%Y %H:%M:%S"}}   # UK day-first dates
      wait_s: {{column: Queue Time, format: "hh:mm:ss"}}   # time in queue, to answer or to abandon
      answered: Answered             # Y/N
      abandoned: Abandoned           # Y/N; e-mails still unanswered at export are N/N
      talk_s: {{column: Talk Time (s), unit: seconds}}   # for e-mail/social: handling time
      hold_s: {{column: Hold Time (s), unit: seconds}}
      wrap_s: {{column: ACW (s), unit: seconds}}          # after-call work
      resolved_first_contact: FCR    # agent-recorded first-contact resolution, Y/N
      transferred: Transferred
      escalated: Escalated
  surveys:
    source:
      file: {FILE_NAMES["surveys"]}
      delimiter: ","
    columns:
      response_id: Response ID
      contact_id: Interaction Ref    # the Call ID of the surveyed contact
      responded_at: {{column: Completed Date, format: "%Y-%m-%d %H:%M"}}
      csat: "Overall satisfaction (1-5)"
      nps: "Likelihood to recommend (0-10)"
      ces: "Ease of resolving (1-7)"   # CES 2.0 wording: 7 = strongly agree it was easy
      comment: Comments
  qa_evaluations:
    source:
      file: {FILE_NAMES["qa_evaluations"]}
      delimiter: ","
    columns:
      evaluation_id: Evaluation ID   # Calibration = Y rows re-score a contact another evaluator scored
      contact_id: Interaction ID
      agent_id: Agent
      evaluator_id: Evaluator
      evaluated_at: {{column: Evaluation Date, format: "%d/%m/%Y %H:%M"}}
      item:                          # form questions -> stable scorecard item names
        column: Question
        values:
{_yaml_map(items, 10)}
      score: Score
      max_score: Out Of              # pass/fail items are scored out of 1
      critical: Critical             # Yes/No: a failed critical item fails the evaluation
  complaints:
    source:
      file: {FILE_NAMES["complaints"]}
      sheet: Complaints
    columns:
      complaint_id: Complaint Ref
      received_at: Date Received     # Excel date-time cells
      channel:                       # how the complaint arrived; forms and letters are "other"
        column: How Received
        values:
{_yaml_map(routes, 10)}
      category: Complaint Category
      queue: Product Area            # same names as the contact queues
      region: Customer Region
      acknowledged_at: Date Acknowledged
      resolved_at: Date Resolved     # blank while the complaint is open
      upheld: "Upheld?"              # Yes/No; blank while open
      text: Summary                  # free text: redacted before analysis or display
      contact_id: Related Call ID    # the contact the complaint is about
      customer_id: Customer No       # pseudonymised in reports; finds repeat complainants
"""


def _quarter_end(day: dt.date) -> dt.date:
    """The last day of the calendar quarter containing ``day``."""
    last_month = (day.month - 1) // 3 * 3 + 3
    return dt.date(day.year + last_month // 12, last_month % 12 + 1, 1) - dt.timedelta(days=1)


def _targets_yaml(end: dt.date) -> str:
    """The demo's ``targets.yaml`` (see :mod:`csperf_lib.methods.targets`); dates follow the period's end.

    Targets fall due at the end of the quarter after the period's; the review dates are a month
    after the period. Values are chosen against the demo's typical levels (100,000 contacts, seed
    7: service level about 35 %, abandonment about 6.7 %, FCR about 73 %, AHT about 560 s, QA
    about 79 %, upheld about 49 %, mean CSAT about 4.1 with one region near 3.7).
    """
    deadline = _quarter_end(_quarter_end(end) + dt.timedelta(days=1)).isoformat()
    review = (end + dt.timedelta(days=30)).isoformat()
    return f"""\
# Targets of the csperf demo centre (written by csperf_lib.ingest.demo.generate_demo); format:
# csperf_lib.methods.targets and templates/targets.yaml. Values are in each KPI's unit (proportions 0-1).
# The demo centre is in the UK: its complaints are judged against the UK FCA DISP 1.6 rule set
# (acknowledged within 3 days, resolved within 8 weeks; deadlines from review.yaml's complaints:).
use_benchmarks: true                 # KPIs without a target fall back to indicative benchmarks
regulatory: uk_fca_disp              # a built-in rule set; none applies unless named
targets:
  - kpi: csat_mean                   # planted: one region's mean CSAT falls below this target
    target: {CSAT_TARGET}
    tolerance: 0.1
    source: internal target
    owner: Head of Customer Service
    baseline: 3.95
    deadline: {deadline}
    rationale: Board objective - every region at a mean CSAT of {CSAT_TARGET} or more
  - kpi: service_level               # 80/20: answered within kpis.service_level_threshold_s (20 s)
    target: 0.8
    tolerance: 0.05
    source: client SLA
    owner: Operations Manager
    baseline: 0.86
    deadline: {deadline}
    review_date: {review}
    rationale: Service level agreed in the outsourcing contract (schedule 2)
  - kpi: service_level
    segment: {{queue: Complaints}}     # unhappy callers should not wait: a stricter SLA here
    target: 0.9
    tolerance: 0.05
    source: client SLA
    owner: Complaints Manager
    baseline: 0.93
    deadline: {deadline}
    rationale: Contract schedule 2 - complaint calls answered faster than the rest
  - kpi: abandonment_rate
    target: 0.05
    tolerance: "20%"                 # relative: 20 % of 0.05 = 0.01
    source: internal target
    owner: Workforce Planning Manager
    baseline: 0.04
    deadline: {deadline}
    rationale: Abandonment at the low end of the commonly cited 5-8 % range
  - kpi: fcr_rate
    target: 0.75
    tolerance: 0.03
    source: internal target
    owner: Head of Customer Service
    baseline: 0.72
    deadline: {deadline}
    rationale: Fewer repeat contacts; agent-recorded resolution flag
  # Deliberately incomplete for the SMART check: no owner and no deadline or review date.
  - kpi: aht_s
    target: 600                      # seconds of talk + hold + wrap per answered contact
    tolerance: 30
    source: internal target
    baseline: 560
    rationale: Planning assumption of the staffing model (10 minutes per contact)
  - kpi: qa_score_mean
    target: 80                       # percent of the scorecard maximum
    tolerance: 2                     # points (a relative "2%" would be 1.6 points)
    source: internal target
    owner: Quality Lead
    baseline: 78
    review_date: {review}
    rationale: Quality framework pass mark
  - kpi: complaint_upheld_rate       # lower is better: fix root causes, never reject more complaints
    target: 0.45
    tolerance: 0.05
    source: internal target
    owner: Complaints Manager
    baseline: 0.5
    deadline: {deadline}
    rationale: Fewer complaints that are the centre's fault
"""
