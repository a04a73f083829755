"""Generate the demo data: a synthetic multi-channel contact centre with planted findings.

:func:`generate_demo` writes, into one folder, the raw exports a reviewer would be handed by a
UK contact centre ("Northwind Contact Centre") over a number of weeks, plus the ``review.yaml``
that maps them onto the canonical tables of :mod:`csperf_lib.ingest.schemas`:

``contacts_export.csv``
    The ACD / omnichannel routing export, one row per contact (calls, e-mails, chats, social
    messages), in the source system's own column names and formats.
``survey_responses.csv``
    Post-contact survey responses (CSAT 1-5, NPS 0-10, CES 1-7, free-text comments).
``qa_scores.csv``
    Quality-assurance evaluations in long format (one row per scorecard item), including a
    calibration subset where several evaluators scored the same contact.
``complaints.xlsx``
    The complaints log (sheet ``Complaints``).
``review.yaml``
    A valid config (see :mod:`csperf_lib.core.config`) mapping every file onto the canonical tables.
``planted.json``
    What was planted: the findings a correct review should surface, segments that must *not*
    show a finding (``controls``), and the deliberately bad rows per table and kind.
``targets.yaml``
    The centre's targets (see :mod:`csperf_lib.methods.targets`), named by ``review.yaml``: consistent
    with the planted signals (mean CSAT target 4.0, which one region misses), a realistic mix of
    sources, and one target deliberately missing its owner and deadline for the SMART check.

Why hand-written
----------------
No library generates contact-centre data: generic fakers produce independent columns, whereas a
review needs the structure of a real operation (intraday and weekly arrival peaks, waits that
lengthen at peaks, abandonment that grows with the wait, satisfaction that falls with long waits
and unresolved contacts, QA scorecards and complaint logs that refer back to contacts) *and*
known, planted signals with controls, so the review notebooks can be tested for finding what is
there and not finding what is not. The generator is fully vectorised with numpy and pyarrow (1M
contacts in seconds) and deterministic: the same ``seed`` gives byte-identical files.

The model, briefly: contacts arrive over ``weeks`` weeks with a Monday peak and light weekends,
morning and early-afternoon peaks (phone and chat open 08:00-20:00 on weekdays, shorter at
weekends; e-mail and social arrive around the clock). Waits are log-normal and lengthen with the
load at the time of arrival; callers and chatters abandon when their (exponential) patience runs
out before the wait; e-mail and social wait hours. Handle times are log-normal by channel, queue
and agent. Satisfaction falls with relative wait, transfers, escalations and unresolved contacts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from csperf_lib.core.errors import CsperfError
from csperf_lib.ingest.demo_config import _planted, _review_yaml, _targets_yaml
from csperf_lib.ingest.demo_files import (
    _assign_bad,
    _bad_counts,
    _ids,
    _pick,
    _pick_weighted,
    _write_complaints,
    _write_contacts,
    _write_qa,
    _write_surveys,
)
from csperf_lib.ingest.demo_scenario import (
    AGENTS_PER_REGION,
    AHT_WEEKLY_GROWTH,
    BAD_COMPLAINT_RATES,
    BAD_CONTACT_RATES,
    BAD_QA_RATES,
    BAD_SURVEY_RATES,
    CHANNEL_MIX_WEEKDAY,
    CHANNEL_MIX_WEEKEND,
    COMPLAINT_ASK,
    COMPLAINT_CATEGORIES,
    COMPLAINT_MIX,
    COMPLAINT_RATE,
    COMPLAINT_ROUTE_MIX,
    COMPLAINT_TEXT,
    CONFIG_NAME,
    DAY,
    DOW_WEIGHT,
    ESCALATE_P,
    EVALUATOR_BIAS,
    EVALUATOR_WEIGHT,
    EVALUATORS,
    FCR_P,
    FILE_NAMES,
    HIGH_RISK_P,
    HIGH_RISK_TEXT,
    HOLD_SHARE,
    LIVE,
    LOAD_WAIT_ELASTICITY,
    PATIENCE_HALVING_WEEKS,
    PATIENCE_MEAN,
    PII_COMMENT_P,
    PII_COMPLAINT_P,
    PII_TEMPLATES,
    PLANTED_NAME,
    QA_CALIBRATION_P,
    QA_EVAL_P,
    QA_ITEMS,
    QUEUE_MIX,
    QUEUE_TALK,
    QUEUE_WAIT,
    QUEUES,
    REGION_CSAT_SHIFT,
    REGION_MIX,
    REGION_NOT_RECORDED_SHARE,
    REGIONS,
    REPEAT_COMPLAINANT_P,
    SPIKE_CATEGORY,
    SPIKE_MULTIPLIER,
    SPIKE_QUEUE,
    SPIKE_TEXT,
    STAFFING_QUEUES,
    SURVEY_P,
    TALK_MEDIAN,
    TALK_SIGMA,
    TARGETS_NAME,
    TEAMS,
    THEMES,
    TRANSFER_P,
    UNDERSTAFFED_HOURS,
    UNDERSTAFFED_WAIT_FACTOR,
    UNDERSTAFFED_WEEKDAY,
    WAIT_MEDIAN,
    WAIT_NORM,
    WAIT_SIGMA,
    WEAK_AGENT_EVALUATIONS,
    WEAK_ITEM,
    WEAK_ITEM_SHIFT,
    WRAP_MEDIAN,
)

__all__ = [
    "DemoError",
    "DemoResult",
    "generate_demo",
]


# --- the operation ------------------------------------------------------------------------------

# P(queue | channel): rows phone, email, chat, social.

# Medians (seconds) and log-sd of the handling components, by channel.
# "Normal" wait by channel: satisfaction falls with wait relative to it.

# canonical item, label on the QA form, max score, critical, mean (5-point) or pass rate (0/1).
# Critical items are pass/fail (out of 1), as on most QA forms: failing one fails the evaluation.

# P(category | queue) before driver adjustments; rows follow QUEUES.
# How a complaint arrived, by the channel of the contact it is about.

# --- planted effects ----------------------------------------------------------------------------

# Rates of deliberately bad rows (per table row).


# --- text templates -----------------------------------------------------------------------------

# Personal data customers type into free text, planted so tests can prove every report redacts it.
# Phone numbers are from Ofcom's drama range (07700 900xxx, 0161 496 0xxx), cards are published
# Luhn-valid test numbers, e-mail domains are reserved (RFC 2606): none belongs to a real person.
# High-risk cases in complaint summaries (vulnerability, ombudsman, media, legal), so the escalation
# section has work to do; planted after the personal data, from the same separate stream.


class DemoError(CsperfError, ValueError):
    """The demo cannot be generated with the arguments given (e.g. too few contacts)."""


@dataclass(frozen=True)
class DemoResult:
    """What :func:`generate_demo` wrote.

    Attributes
    ----------
    out_dir : Path
        The folder holding every file (absolute).
    config_path : Path
        The ``review.yaml`` mapping the exports onto the canonical tables.
    files : dict of str to Path
        Canonical table name -> raw export written for it (``contacts``, ``surveys``,
        ``qa_evaluations``, ``complaints``).
    rows : dict of str to int
        Canonical table name -> data rows written to its export (headers excluded, bad rows and
        duplicates included).
    planted : dict
        The planted signals, controls and bad-row counts; the same content as ``planted.json``.
    """

    out_dir: Path
    config_path: Path
    files: Mapping[str, Path]
    rows: Mapping[str, int]
    planted: Mapping[str, Any]


# --- small vectorised helpers -------------------------------------------------------------------


# --- the generator ------------------------------------------------------------------------------
def generate_demo(
    out_dir: str | Path,
    *,
    contacts: int = 100_000,
    seed: int = 7,
    start: dt.date = dt.date(2026, 1, 5),
    weeks: int = 12,
) -> DemoResult:
    """Write the demo exports, ``review.yaml``, ``planted.json`` and ``targets.yaml`` into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into; created when missing. Existing demo files are overwritten.
    contacts : int, keyword-only
        Rows of ``contacts_export.csv`` (distinct contacts plus the planted duplicate rows).
        At least 1,000; the planted signals are reliably visible from about 100,000.
    seed : int, keyword-only
        Seed of the only random generator (:func:`numpy.random.default_rng`); the same seed and
        arguments give byte-identical files.
    start : datetime.date, keyword-only
        First day of the period (a Monday is natural but not required).
    weeks : int, keyword-only
        Length of the period in weeks (at least 4).

    Returns
    -------
    DemoResult
        Paths, row counts and the planted signals.

    Raises
    ------
    DemoError
        When ``contacts`` or ``weeks`` is too small.

    Examples
    --------
    >>> result = generate_demo("/tmp/demo", contacts=5_000)  # doctest: +SKIP
    >>> result.rows["contacts"]  # doctest: +SKIP
    5000
    """
    if int(contacts) < 1000:
        raise DemoError(f"contacts must be at least 1000 (got {contacts})")
    if int(weeks) < 4:
        raise DemoError(f"weeks must be at least 4 (got {weeks})")
    if isinstance(start, dt.datetime):
        start = start.date()
    contacts, weeks = int(contacts), int(weeks)
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    days = 7 * weeks
    end = start + dt.timedelta(days=days - 1)
    epoch0 = (start - dt.date(1970, 1, 1)).days * DAY  # period start as epoch seconds
    cutoff = days * DAY - 1  # last second of the period, relative to its start

    plan = _plan(rng, weeks, seed)
    n_dup = _bad_counts({"duplicate_call_id": BAD_CONTACT_RATES["duplicate_call_id"]}, contacts)[
        "duplicate_call_id"
    ]
    c = _contacts(rng, contacts - n_dup, start, days, plan)
    c["agent_ids"] = plan["agent_ids"]
    c["region_blank"] = np.random.default_rng([seed, 3]).random(c["t"].size) < REGION_NOT_RECORDED_SHARE
    s = _surveys(rng, c, plan, cutoff)
    q = _qa(rng, c, plan, start, days)
    k = _complaints(rng, c, plan, cutoff)
    # Customers and personal data in free text come from their own stream, so adding them left
    # every other file byte-identical.
    pii = _customers_and_pii(np.random.default_rng([seed, 1]), s, k)

    bad: dict[str, dict[str, Any]] = {}
    row_index, bad["contacts"] = _bad_contacts(rng, c, contacts, n_dup, days)
    bad["surveys"] = _bad_surveys(rng, s, c)
    bad["qa_evaluations"] = _bad_qa(rng, q)
    bad["complaints"] = _bad_complaints(rng, k)

    files = {t: out / name for t, name in FILE_NAMES.items()}
    rows = {
        "contacts": _write_contacts(files["contacts"], c, row_index, epoch0),
        "surveys": _write_surveys(files["surveys"], s, c, epoch0),
        "qa_evaluations": _write_qa(files["qa_evaluations"], q, c, epoch0),
        "complaints": _write_complaints(files["complaints"], k, c, epoch0),
    }
    planted = _planted(seed, contacts, start, end, weeks, plan, c, s, q, k, rows, bad)
    planted["pii"] = pii
    text = json.dumps(planted, indent=2, ensure_ascii=False) + "\n"
    (out / PLANTED_NAME).write_text(text, encoding="utf-8")
    config_path = out / CONFIG_NAME
    config_path.write_text(_review_yaml(start, end), encoding="utf-8")
    (out / TARGETS_NAME).write_text(_targets_yaml(end), encoding="utf-8")
    return DemoResult(
        out_dir=out, config_path=config_path, files=files, rows=rows, planted=json.loads(text)
    )


def _plan(rng: np.random.Generator, weeks: int, seed: int) -> dict[str, Any]:
    """The roster (agents, teams, sites) and which segments carry the planted signals."""
    n_agents = sum(AGENTS_PER_REGION)
    numbers = np.sort(rng.choice(np.arange(1, 150), size=n_agents, replace=False))
    agent_ids = [f"AG{x:03d}" for x in numbers]
    agent_region = np.repeat(np.arange(len(REGIONS)), AGENTS_PER_REGION).astype(np.int8)
    agent_team = (np.arange(n_agents) % len(TEAMS)).astype(np.int8)  # teams span the sites
    fte = rng.uniform(0.6, 1.0, n_agents)
    skill = rng.normal(0.0, 0.25, n_agents)
    talk_eff = rng.normal(0.0, 0.12, n_agents)
    wrap_eff = rng.normal(0.0, 0.15, n_agents)
    csat_eff = rng.normal(0.0, 0.10, n_agents)
    item_eff = rng.normal(0.0, 0.15, (n_agents, len(QA_ITEMS)))
    aht_team = int(rng.integers(len(TEAMS)))
    low_region = int(rng.integers(len(REGIONS)))
    # the weak agent: a full-timer outside the low region, average otherwise
    candidates = np.flatnonzero((fte > 0.8) & (agent_region != low_region))
    weak = int(rng.choice(candidates))
    skill[weak] = 0.1
    item_eff[weak] = 0.0
    spike_first = max(1, int(round(weeks * 2 / 3)))  # 1-based; week 8 of 12
    spike_weeks = [spike_first]  # one week: the review must find and date it
    return {
        "agent_ids": agent_ids,
        "agent_region": agent_region,
        "agent_team": agent_team,
        "fte": fte,
        "skill": skill,
        "talk_eff": talk_eff,
        "wrap_eff": wrap_eff,
        "csat_eff": csat_eff,
        "item_eff": item_eff,
        "aht_team": aht_team,
        "low_region": low_region,
        "weak_agent": weak,
        "weak_item": [i[0] for i in QA_ITEMS].index(WEAK_ITEM),
        "spike_weeks": spike_weeks,
        "seed": seed,
        **_plan_queues(np.random.default_rng([seed, 2])),
    }


def _plan_queues(rng: np.random.Generator) -> dict[str, int]:
    """The queue under-staffed on one weekday morning and the queue whose abandonment rises: two
    different queues, drawn from their own stream so the other planted signals keep their draws."""
    short, falling = rng.choice(len(STAFFING_QUEUES), size=2, replace=False)
    return {"short_queue": QUEUES.index(STAFFING_QUEUES[int(short)]),
            "abandon_queue": QUEUES.index(STAFFING_QUEUES[int(falling)])}


def _intraday(open_from: float, open_to: float, floor: float) -> np.ndarray:
    """Arrival weights of the 96 quarter hours of a day: morning and early-afternoon peaks."""
    h = (np.arange(96) + 0.5) / 4
    w = 0.35 + np.exp(-0.5 * ((h - 10.5) / 1.2) ** 2) + 0.8 * np.exp(-0.5 * ((h - 14.0) / 1.4) ** 2)
    w = w * np.clip(1 - (h - 17) / 6, 0.5, 1)  # evenings tail off
    return np.where((h >= open_from) & (h < open_to), w, floor * w)


def _assign_agents(rng: np.random.Generator, answered: np.ndarray, region: np.ndarray,
                   plan: dict[str, Any]) -> np.ndarray:
    """Each answered contact's agent, drawn from its region's agents in proportion to their FTE."""
    agent = np.full(len(answered), -1, dtype=np.int16)
    for r in range(len(REGIONS)):
        sel = np.flatnonzero(answered & (region == r))
        members = np.flatnonzero(plan["agent_region"] == r)
        p = plan["fte"][members] / plan["fte"][members].sum()
        agent[sel] = rng.choice(members, size=sel.size, p=p)
    return agent


def _handle_times(rng: np.random.Generator, *, channel: np.ndarray, queue: np.ndarray, agent: np.ndarray,
                  team: np.ndarray, week: np.ndarray, plan: dict[str, Any]) -> tuple[np.ndarray, ...]:
    """Talk, hold and wrap seconds: log-normal by channel, queue and agent, with the planted weekly
    growth of talk time in one team."""
    n, a = len(channel), agent
    trend = np.where(team == plan["aht_team"], week * np.log1p(AHT_WEEKLY_GROWTH), 0.0)
    talk_mu = (
        np.log(np.asarray(TALK_MEDIAN))[channel]
        + np.log(np.asarray(QUEUE_TALK))[queue]
        + plan["talk_eff"][a]
        + trend
    )
    talk = np.maximum(
        20, np.rint(np.exp(talk_mu + np.asarray(TALK_SIGMA)[channel] * rng.standard_normal(n)))
    )
    hold_p = np.asarray(HOLD_SHARE)[channel] * np.where(queue == 1, 1.5, 1.0)
    hold = np.where(rng.random(n) < hold_p, np.rint(rng.lognormal(np.log(55), 0.8, n)), 0)
    wrap = np.maximum(
        5,
        np.rint(
            np.exp(
                np.log(np.asarray(WRAP_MEDIAN))[channel]
                + plan["wrap_eff"][a]
                + 0.55 * rng.standard_normal(n)
            )
        ),
    )
    return talk, hold, wrap


def _contacts(
    rng: np.random.Generator, n: int, start: dt.date, days: int, plan: dict[str, Any]
) -> dict[str, np.ndarray]:
    """The clean contacts, sorted by arrival; times are seconds from the period start."""
    dow = (start.weekday() + np.arange(days)) % 7
    day_w = np.asarray(DOW_WEIGHT)[dow] * rng.lognormal(0, 0.04, days)
    day = np.repeat(np.arange(days), rng.multinomial(n, day_w / day_w.sum())).astype(np.int32)
    daytype = np.minimum(np.maximum(dow[day] - 4, 0), 2)  # 0 weekday, 1 Saturday, 2 Sunday
    weekend = daytype > 0
    channel = _pick(
        rng, np.array([CHANNEL_MIX_WEEKDAY, CHANNEL_MIX_WEEKEND]), weekend.astype(np.int8)
    )

    # intraday: phone/chat open 08-20 weekdays, 09-17 Saturday, 10-16 Sunday; e-mail/social 24 h
    profiles = np.array(
        [_intraday(8, 20, 0), _intraday(9, 17, 0), _intraday(10, 16, 0)]
        + [_intraday(7, 22, 0.12)] * 3
    )
    profile = (~LIVE[channel]).astype(np.int8) * 3 + daytype.astype(np.int8)
    qhour = _pick(rng, profiles, profile).astype(np.int64)
    t = day.astype(np.int64) * DAY + qhour * 900 + rng.integers(0, 900, n)
    order = np.argsort(t, kind="stable")
    t, channel, qhour = t[order], channel[order], qhour[order]
    day = (t // DAY).astype(np.int32)
    prof = profiles[
        (~LIVE[channel]).astype(np.int8) * 3 + np.minimum(np.maximum(dow[day] - 4, 0), 2), qhour
    ]
    open_mean = np.array([p[p > 0.2].mean() if (p > 0.2).any() else 1.0 for p in profiles])
    load = (
        prof / open_mean[(~LIVE[channel]).astype(np.int8) * 3] * np.where(dow[day] == 0, 1.15, 1.0)
    )

    queue = _pick(rng, QUEUE_MIX, channel)
    region = rng.choice(len(REGIONS), size=n, p=REGION_MIX).astype(np.int8)

    live = LIVE[channel]
    week = (day // 7).astype(np.int16)
    mu = np.log(np.asarray(WAIT_MEDIAN))[channel] + np.where(
        live, LOAD_WAIT_ELASTICITY * np.log(np.maximum(load, 0.5)) + np.log(np.asarray(QUEUE_WAIT))[queue], 0
    )
    short = live & (queue == plan["short_queue"]) & (dow[day] == UNDERSTAFFED_WEEKDAY) & (
        (qhour >= 4 * UNDERSTAFFED_HOURS[0]) & (qhour < 4 * UNDERSTAFFED_HOURS[1]))
    mu = mu + np.where(short, np.log(UNDERSTAFFED_WAIT_FACTOR), 0.0)
    wait = np.exp(mu + np.asarray(WAIT_SIGMA)[channel] * rng.standard_normal(n))
    patience = rng.exponential(1.0, n) * np.asarray(PATIENCE_MEAN)[channel]
    patience = patience * np.where(queue == plan["abandon_queue"], 0.5 ** (week / PATIENCE_HALVING_WEEKS), 1.0)
    quick = live & (rng.random(n) < 0.008)  # short abandons (misdials, IVR drop-outs)
    patience = np.where(quick, rng.uniform(2, 15, n), patience)
    abandoned = live & (patience < wait)
    wait = np.where(abandoned, patience, wait)
    # the e-mail desk works 08:00-20:00: replies due outside those hours wait for the morning
    reply = t + wait
    tod = reply % DAY
    email = channel == 1
    overnight = np.where(
        tod < 8 * 3600, 8 * 3600 - tod, np.where(tod >= 20 * 3600, DAY - tod + 8 * 3600, 0)
    )
    wait = np.where(email & (overnight > 0), wait + overnight + rng.uniform(0, 3600, n), wait)
    still_open = ~live & (t + wait > days * DAY - 1)  # e-mails/messages not yet answered
    answered = ~abandoned & ~still_open
    wait = np.rint(wait)

    agent = _assign_agents(rng, answered, region, plan)
    has_agent = agent >= 0
    a = np.where(has_agent, agent, 0)
    team = np.where(has_agent, plan["agent_team"][a], -1).astype(np.int8)

    talk, hold, wrap = _handle_times(rng, channel=channel, queue=queue, agent=a, team=team, week=week, plan=plan)
    transferred = answered & (rng.random(n) < np.asarray(TRANSFER_P)[queue])
    escalated = answered & (rng.random(n) < np.asarray(ESCALATE_P)[queue])
    fcr_p = np.asarray(FCR_P)[queue] * np.where(transferred, 0.6, 1.0)
    fcr = answered & ~escalated & (rng.random(n) < fcr_p)
    zero = ~answered
    return {
        "t": t,
        "day": day,
        "week": week,
        "hour": (qhour // 4).astype(np.int8),
        "dow": dow[day].astype(np.int8),
        "channel": channel,
        "queue": queue,
        "region": region,
        "wait": np.where(still_open, np.nan, wait),
        "answered": answered,
        "abandoned": abandoned,
        "agent": agent,
        "team": team,
        "talk": np.where(zero, 0, talk).astype(np.int32),
        "hold": np.where(zero, 0, hold).astype(np.int32),
        "wrap": np.where(zero, 0, wrap).astype(np.int32),
        "fcr": fcr,
        "transferred": transferred,
        "escalated": escalated,
    }


def _contact_end(c: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """Epoch seconds when each contact in ``idx`` ended: arrival + wait + talk + hold + wrap."""
    return c["t"][idx] + np.nan_to_num(c["wait"][idx]) + c["talk"][idx] + c["hold"][idx] + c["wrap"][idx]


def _surveys(
    rng: np.random.Generator, c: dict[str, np.ndarray], plan: dict[str, Any], cutoff: int
) -> dict[str, np.ndarray]:
    """Survey responses of answered contacts, sorted by response time."""
    ch = c["channel"]
    resp = c["answered"] & (rng.random(ch.size) < np.asarray(SURVEY_P)[ch])
    idx = np.flatnonzero(resp)
    ch = ch[idx]
    m = idx.size
    end = _contact_end(c, idx)
    ivr = ((ch == 0) & (rng.random(m) < 0.6)) | (ch == 2)
    delay = np.where(ivr, rng.uniform(20, 180, m), rng.lognormal(np.log(3 * 3600), 1.0, m))
    at = np.rint(end + delay).astype(np.int64)
    keep = at <= cutoff
    idx, at, ch, ivr = idx[keep], at[keep], ch[keep], ivr[keep]
    m = idx.size
    order = np.argsort(at, kind="stable")
    idx, at, ch, ivr = idx[order], at[order], ch[order], ivr[order]

    rel = np.nan_to_num(c["wait"][idx]) / np.asarray(WAIT_NORM)[ch]
    fcr, tr, esc = c["fcr"][idx], c["transferred"][idx], c["escalated"][idx]
    base = (
        5.0
        - 0.9 * ~fcr
        - 0.35 * tr
        - 0.5 * esc
        - 0.45 * np.log1p(rel)
        + plan["csat_eff"][c["agent"][idx]]
        + REGION_CSAT_SHIFT * (c["region"][idx] == plan["low_region"])
    )
    # a minority are very unhappy (more so when unresolved): the long low tail of real CSAT
    upset = rng.random(m) < 0.04 + 0.10 * ~fcr
    latent = base + rng.normal(0, 0.85, m) - 2.2 * upset
    csat = np.clip(np.rint(latent), 1, 5)
    nps = np.clip(np.rint(2.3 * (latent - 1) + 0.3 + rng.normal(0, 1.2, m)), 0, 10)
    nps = np.where(rng.random(m) < 0.07, np.nan, nps)
    ces = np.clip(
        np.rint(1.0 + 1.3 * (latent - 1) - 0.8 * tr - 0.5 * ~fcr + rng.normal(0, 0.9, m)), 1, 7
    )
    ces = np.where(rng.random(m) < 0.12, np.nan, ces)

    sentiment = np.where(csat >= 4, 0, np.where(csat == 3, 1, 2)).astype(np.int8)
    has_comment = rng.random(m) < np.array([0.45, 0.60, 0.75])[sentiment]
    queue = c["queue"][idx]
    long_wait = rel > 3
    n_t = len(THEMES)
    w_bad = np.tile(np.array([1, 1, 0.6, 0.8, 1, 0.3, 0.3, 0.3, 0.6, 0.4]), (m, 1))
    w_bad[:, 0] += 3 * long_wait
    w_bad[:, 1] += 2.5 * ~fcr
    w_bad[:, 4] += 2.5 * ~fcr
    w_bad[:, 3] += 2 * tr
    w_bad[:, 5] += 2.5 * (queue == 0)
    w_bad[:, 7] += 2.5 * (queue == 1)
    w_bad[:, 6] += 2.5 * (queue == 2)
    w_bad[:, 9] += 1.5 * (queue == 3) + 1.0 * (queue == 4)
    w_bad[:, 8] += 1.5 * (queue == 3) + 1.0 * (queue == 4)
    w_good = np.zeros((m, n_t))
    w_good[:, 0] = 0.6 + 1.5 * (rel < 0.5)
    w_good[:, 2] = 2.0
    w_good[:, 3] = 1.5
    w_good[:, 4] = 1.5 * fcr + 0.1
    w_good[:, 8] = 0.8
    theme = np.where(sentiment == 0, _pick_weighted(rng, w_good), _pick_weighted(rng, w_bad))
    u = rng.random(m)
    return {
        "contact": idx,
        "at": at,
        "ivr": ivr,
        "csat": csat,
        "nps": nps,
        "ces": ces,
        "sentiment": sentiment,
        "has_comment": has_comment,
        "theme": theme.astype(np.int8),
        "variant_u": u,
        "suffix_u": rng.random(m),
        "contact_ref": idx.astype(np.int64),  # replaced for bad rows
    }


def _qa(
    rng: np.random.Generator,
    c: dict[str, np.ndarray],
    plan: dict[str, Any],
    start: dt.date,
    days: int,
) -> dict[str, np.ndarray]:
    """QA evaluations in long format (one row per item), sorted by evaluation time."""
    eligible = c["answered"] & LIVE[c["channel"]]
    idx = np.flatnonzero(eligible & (rng.random(c["t"].size) < QA_EVAL_P))
    # the weak agent is evaluated less often (own stream, so the other draws are unchanged)
    # exactly WEAK_AGENT_EVALUATIONS of them, of contacts early enough to be evaluated in the period
    weak = c["agent"][idx] == plan["weak_agent"]
    early = np.flatnonzero(weak & (c["day"][idx] < days - 12))
    chosen = np.random.default_rng([plan["seed"], 4]).choice(
        early, size=min(WEAK_AGENT_EVALUATIONS, early.size), replace=False)
    keep_weak = np.zeros(idx.size, dtype=bool)
    keep_weak[chosen] = True
    idx = idx[~weak | keep_weak]
    ne = idx.size
    evaluator = rng.choice(len(EVALUATORS), size=ne, p=EVALUATOR_WEIGHT).astype(np.int8)
    perf = rng.normal(0, 0.35, ne)  # how well this particular contact went
    lag = 1 + rng.integers(0, 9, ne)
    # calibration: the same contact scored again by one or two other evaluators
    calib = rng.random(ne) < QA_CALIBRATION_P
    extra = np.where(calib, 1 + (rng.random(ne) < 0.5), 0)
    off1 = 1 + rng.integers(0, 3, ne)
    off2 = off1 % 3 + 1
    parts_idx = [np.arange(ne), np.flatnonzero(extra >= 1), np.flatnonzero(extra >= 2)]
    base = np.concatenate(parts_idx)
    ev = np.concatenate(
        [
            evaluator,
            (evaluator[parts_idx[1]] + off1[parts_idx[1]]) % 4,
            (evaluator[parts_idx[2]] + off2[parts_idx[2]]) % 4,
        ]
    ).astype(np.int8)
    ev_lag = lag[base] + np.concatenate([np.zeros(ne, int), rng.integers(0, 5, base.size - ne)])
    calibration = np.concatenate([calib, np.ones(base.size - ne, dtype=bool)])
    contact = idx[base]
    eday = c["day"][contact] + ev_lag
    dow = (start.weekday() + eday) % 7
    eday = eday + np.where(dow == 5, 2, np.where(dow == 6, 1, 0))  # evaluators work weekdays
    at = eday.astype(np.int64) * DAY + 9 * 3600 + rng.integers(0, 8 * 3600, base.size)
    keep = eday < days
    base, ev, contact, at, calibration = (
        base[keep],
        ev[keep],
        contact[keep],
        at[keep],
        calibration[keep],
    )
    order = np.lexsort((ev, at))
    base, ev, contact, at, calibration = (
        base[order],
        ev[order],
        contact[order],
        at[order],
        calibration[order],
    )
    n_eval = base.size

    n_items = len(QA_ITEMS)
    agent = c["agent"][contact]
    maxs = np.array([i[2] for i in QA_ITEMS])
    means = np.array([i[4] for i in QA_ITEMS])
    e_rep = np.repeat(np.arange(n_eval), n_items)
    item = np.tile(np.arange(n_items), n_eval)
    a_rep = agent[e_rep]
    x = (
        means[item]
        + plan["skill"][a_rep]
        + plan["item_eff"][a_rep, item]
        + np.asarray(EVALUATOR_BIAS)[ev[e_rep]]
        + perf[base][e_rep]
        + rng.normal(0, 0.55, e_rep.size)
        + WEAK_ITEM_SHIFT * ((a_rep == plan["weak_agent"]) & (item == plan["weak_item"]))
    )
    score5 = np.clip(np.rint(x), 0, 5)
    logit = (
        np.log(means[item] / (1 - np.minimum(means[item], 0.999)))
        + 1.5 * plan["skill"][a_rep]
        + 0.8 * perf[base][e_rep]
    )
    pass_ = rng.random(e_rep.size) < 1 / (1 + np.exp(-logit))
    score = np.where(maxs[item] == 1, pass_.astype(float), score5).astype(np.int16)
    return {
        "eval": e_rep,
        "item": item.astype(np.int8),
        "score": score,
        "max": maxs[item].astype(np.int16),
        "agent": a_rep,
        "evaluator": ev[e_rep],
        "contact": contact[e_rep],
        "at": at[e_rep],
        "calibration": calibration[e_rep],
    }


def _complaints(
    rng: np.random.Generator, c: dict[str, np.ndarray], plan: dict[str, Any], cutoff: int
) -> dict[str, np.ndarray]:
    """Complaints about contacts, including the planted spike; sorted by receipt."""
    n = c["t"].size
    weight = (
        1.0
        + 2.0 * (c["answered"] & ~c["fcr"])
        + 4.0 * c["escalated"]
        + 1.0 * c["abandoned"]
        + 0.5 * c["transferred"]
    )
    p = COMPLAINT_RATE * weight / weight.mean()
    idx = np.flatnonzero(rng.random(n) < p)
    w = COMPLAINT_MIX[c["queue"][idx]].copy()
    w[:, 8] += 0.5 * (c["abandoned"][idx] | (np.nan_to_num(c["wait"][idx]) > 600))
    w[:, 3] += 0.2 * (c["answered"][idx] & ~c["fcr"][idx])
    category = _pick_weighted(rng, w)
    spike = np.zeros(idx.size, dtype=bool)

    # the spike: twice the expected baseline of billing errors in the Billing queue, on top
    q_spike = QUEUES.index(SPIKE_QUEUE)
    cat_spike = COMPLAINT_CATEGORIES.index(SPIKE_CATEGORY)
    in_weeks = np.isin(c["week"] + 1, plan["spike_weeks"]) & (c["queue"] == q_spike)
    pool = np.flatnonzero(in_weeks)
    pool_w = np.tile(COMPLAINT_MIX[q_spike], (pool.size, 1))
    pool_w[:, 8] += 0.5 * (c["abandoned"][pool] | (np.nan_to_num(c["wait"][pool]) > 600))
    pool_w[:, 3] += 0.2 * (c["answered"][pool] & ~c["fcr"][pool])
    expected = float((p[pool] * pool_w[:, cat_spike] / pool_w.sum(axis=1)).sum())
    n_extra = int(round((SPIKE_MULTIPLIER - 1) * expected))
    extra = np.sort(rng.choice(pool, size=min(n_extra, pool.size), replace=False))
    idx = np.concatenate([idx, extra])
    category = np.concatenate([category, np.full(extra.size, cat_spike, dtype=category.dtype)])
    spike = np.concatenate([spike, np.ones(extra.size, dtype=bool)])

    m = idx.size
    end = _contact_end(c, idx)
    on_call = rng.random(m) < 0.4
    delay = np.where(on_call, rng.uniform(0, 600, m), rng.exponential(20 * 3600, m))
    delay = np.where(spike, rng.uniform(0, 4 * 3600, m), delay)  # raised the same day
    received = np.rint(end + delay).astype(np.int64)
    keep = received <= cutoff
    idx, category, spike, received = idx[keep], category[keep], spike[keep], received[keep]
    order = np.argsort(received, kind="stable")
    idx, category, spike, received = idx[order], category[order], spike[order], received[order]
    m = idx.size
    ack = received + np.rint(rng.lognormal(np.log(18 * 3600), 0.7, m)).astype(np.int64)
    resolved = received + np.rint(rng.lognormal(np.log(5 * DAY), 0.8, m)).astype(np.int64)
    never = rng.random(m) < 0.06
    is_resolved = ~never & (resolved <= cutoff)
    upheld_p = 0.42 + 0.2 * (category == cat_spike)
    upheld = rng.random(m) < upheld_p
    route = _pick(rng, COMPLAINT_ROUTE_MIX, c["channel"][idx])
    n_text = np.array([len(COMPLAINT_TEXT[k]) for k in COMPLAINT_CATEGORIES])
    variant = np.floor(rng.random(m) * np.where(spike, len(SPIKE_TEXT), n_text[category])).astype(
        np.int16
    )
    ask = rng.integers(0, len(COMPLAINT_ASK), m)
    return {
        "contact": idx,
        "category": category.astype(np.int8),
        "spike": spike,
        "received": received,
        "ack": np.where(ack <= cutoff, ack, -1),
        "resolved": np.where(is_resolved, resolved, -1),
        "upheld": upheld,
        "route": route,
        "variant": variant,
        "ask": ask,
    }


# --- bad rows -----------------------------------------------------------------------------------
def _examples(ids: pa.Array | list[str]) -> list[str]:
    return [str(x) for x in (ids.to_pylist() if isinstance(ids, pa.Array) else ids)[:5]]


def _bad_contacts(
    rng: np.random.Generator, c: dict[str, np.ndarray], total: int, n_dup: int, days: int
) -> tuple[np.ndarray, dict[str, Any]]:
    """Damage a few contact rows in place; return the write order (with duplicates) and counts."""
    n = c["t"].size
    counts = _bad_counts(
        {k: v for k, v in BAD_CONTACT_RATES.items() if k != "duplicate_call_id"}, total
    )
    answered_live = c["answered"] & LIVE[c["channel"]]
    wanted = {
        "negative_queue_time": (counts["negative_queue_time"], c["answered"]),
        "answered_without_agent": (counts["answered_without_agent"], c["answered"]),
        "answered_and_abandoned": (counts["answered_and_abandoned"], answered_live),
        "unparseable_start_time": (counts["unparseable_start_time"], None),
        "start_in_future": (counts["start_in_future"], None),
        "start_before_period": (counts["start_before_period"], None),
        "duplicate_call_id": (n_dup, None),
    }
    chosen = _assign_bad(rng, n, wanted)
    neg = chosen["negative_queue_time"]
    c["wait"][neg] = -rng.integers(5, 120, neg.size)
    c["agent"][chosen["answered_without_agent"]] = -1
    c["abandoned"][chosen["answered_and_abandoned"]] = True
    c["bad_start"] = chosen["unparseable_start_time"]
    fut = chosen["start_in_future"]
    c["t"][fut] = (days + rng.integers(200, 400, fut.size)) * DAY + c["t"][fut] % DAY
    before = chosen["start_before_period"]
    c["t"][before] = -rng.integers(1, 30, before.size) * DAY + c["t"][before] % DAY
    row_index = np.sort(np.concatenate([np.arange(n), chosen["duplicate_call_id"]]))
    report = {k: int(v.size) for k, v in chosen.items()}
    examples = {k: _examples(_ids("C", v + 1, 9)) for k, v in chosen.items()}
    return row_index, {"counts": report, "examples": examples, "rows": int(row_index.size)}


def _bad_surveys(
    rng: np.random.Generator, s: dict[str, np.ndarray], c: dict[str, np.ndarray]
) -> dict[str, Any]:
    m = s["at"].size
    counts = _bad_counts(BAD_SURVEY_RATES, m)
    chosen = _assign_bad(rng, m, {k: (v, None) for k, v in counts.items()})
    out = chosen["csat_out_of_range"]
    s["csat"][out] = np.where(rng.random(out.size) < 0.5, 0, 7)
    unknown = chosen["unknown_contact_id"]
    s["contact_ref"][unknown] = 900_000_000 + rng.integers(0, 90_000_000, unknown.size)
    examples = {k: _examples(_ids("SR", v + 1, 8)) for k, v in chosen.items()}
    return {"counts": {k: int(v.size) for k, v in chosen.items()}, "examples": examples, "rows": m}


def _bad_qa(rng: np.random.Generator, q: dict[str, np.ndarray]) -> dict[str, Any]:
    m = q["score"].size
    counts = _bad_counts(BAD_QA_RATES, m)
    chosen = _assign_bad(rng, m, {k: (v, None) for k, v in counts.items()})
    above = chosen["score_above_max"]
    q["score"][above] = q["max"][above] + np.where(rng.random(above.size) < 0.8, 1, 5)
    examples = {k: _examples(_ids("EV", q["eval"][v] + 1, 7)) for k, v in chosen.items()}
    return {"counts": {k: int(v.size) for k, v in chosen.items()}, "examples": examples, "rows": m}


def _bad_complaints(rng: np.random.Generator, k: dict[str, np.ndarray]) -> dict[str, Any]:
    m = k["received"].size
    counts = _bad_counts(BAD_COMPLAINT_RATES, m)
    chosen = _assign_bad(rng, m, {kind: (v, k["resolved"] >= 0) for kind, v in counts.items()})
    early = chosen["resolved_before_received"]
    k["resolved"][early] = k["received"][early] - rng.integers(DAY, 5 * DAY, early.size)
    examples = {kind: [f"CMP-{x + 1:06d}" for x in v[:5]] for kind, v in chosen.items()}
    return {
        "counts": {kind: int(v.size) for kind, v in chosen.items()},
        "examples": examples,
        "rows": m,
    }


def _customers_and_pii(
    rng: np.random.Generator, s: dict[str, np.ndarray], k: dict[str, np.ndarray]
) -> dict[str, Any]:
    """Customer numbers on complaints (some customers complain again) and planted personal data.

    Adds ``k["customer"]``, ``k["pii"]`` and ``s["pii"]`` (text appended to a complaint summary or a
    comment, ``""`` for most) and returns the planted values for ``planted.json``.
    """
    m = k["received"].size
    customer = np.empty(m, dtype=np.int64)
    fresh = 1_000_000 + rng.permutation(9_000_000)[:m]
    again = rng.random(m) < REPEAT_COMPLAINANT_P
    for i in range(m):  # complaints are sorted by receipt, so a repeat follows an earlier one
        customer[i] = customer[rng.integers(0, i)] if again[i] and i > 0 else fresh[i]
    k["customer"] = customer

    def plant(n: int, p: float, eligible: np.ndarray) -> tuple[np.ndarray, list[dict[str, str]]]:
        out = np.full(n, "", dtype=object)
        rows = np.flatnonzero(eligible & (rng.random(n) < p))
        values = []
        for r in rows:
            around, value, kind = PII_TEMPLATES[int(rng.integers(0, len(PII_TEMPLATES)))]
            value = value.format(n=int(rng.integers(0, 1000)))
            out[r] = around.format(value)
            values.append({"row": int(r), "kind": kind, "value": value, "text": out[r].strip()})
        return out, values

    s["pii"], in_comments = plant(s["at"].size, PII_COMMENT_P, s["has_comment"])
    k["pii"], in_complaints = plant(m, PII_COMPLAINT_P, np.ones(m, dtype=bool))
    risky = np.flatnonzero(rng.random(m) < HIGH_RISK_P)
    high_risk = []
    for r in risky:
        text, kind = HIGH_RISK_TEXT[int(rng.integers(0, len(HIGH_RISK_TEXT)))]
        k["pii"][r] = k["pii"][r] + text
        high_risk.append({"row": int(r), "kind": kind, "text": text.strip()})
    repeaters = np.unique(customer, return_counts=True)[1]
    return {
        "high_risk_complaints": high_risk,
        "description": "Personal data typed into comments and complaint summaries; no rendered report or export may contain it.",
        "surveys.comment": in_comments,
        "complaints.text": in_complaints,
        "repeat_complainants": int((repeaters > 1).sum()),
        "complainants": int(repeaters.size),
    }


# --- writers ------------------------------------------------------------------------------------


# --- planted.json and review.yaml ---------------------------------------------------------------
