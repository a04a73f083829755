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
import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from csperf_lib.core.errors import CsperfError

__all__ = ["DemoError", "DemoResult", "generate_demo", "FILE_NAMES"]

#: Canonical table -> file name written by :func:`generate_demo`.
FILE_NAMES = {
    "contacts": "contacts_export.csv",
    "surveys": "survey_responses.csv",
    "qa_evaluations": "qa_scores.csv",
    "complaints": "complaints.xlsx",
}
CONFIG_NAME = "review.yaml"
PLANTED_NAME = "planted.json"
TARGETS_NAME = "targets.yaml"
ORGANISATION = "Northwind Contact Centre (demo)"
REVIEWER = "Demo Reviewer"

# --- the operation ------------------------------------------------------------------------------
CHANNELS = ("phone", "email", "chat", "social")
CHANNEL_LABELS = ("Voice", "Email", "Chat", "Social")
CHANNEL_MIX_WEEKDAY = (0.62, 0.16, 0.15, 0.07)
CHANNEL_MIX_WEEKEND = (0.50, 0.22, 0.16, 0.12)
LIVE = np.array([True, False, True, False])  # phone and chat: callers wait on the line

QUEUES = ("Billing", "Technical Support", "Sales", "Accounts", "Complaints")
SKILL_CODES = ("SK_BILLING", "SK_TECH_SUPPORT", "SK_SALES", "SK_ACCOUNTS", "SK_COMPLAINTS")
# P(queue | channel): rows phone, email, chat, social.
QUEUE_MIX = np.array(
    [
        [0.30, 0.25, 0.15, 0.20, 0.10],
        [0.30, 0.15, 0.10, 0.30, 0.15],
        [0.25, 0.35, 0.20, 0.15, 0.05],
        [0.20, 0.30, 0.10, 0.15, 0.25],
    ]
)
REGIONS = ("North", "Midlands", "South", "Scotland", "Wales")
REGION_MIX = (0.28, 0.24, 0.26, 0.12, 0.10)
AGENTS_PER_REGION = (11, 10, 10, 5, 4)  # each site's agents take its region's contacts
TEAMS = ("Kestrel", "Osprey", "Falcon", "Merlin", "Harrier")
DOW_WEIGHT = (1.30, 1.12, 1.05, 1.00, 0.95, 0.50, 0.32)  # Monday .. Sunday

# Medians (seconds) and log-sd of the handling components, by channel.
WAIT_MEDIAN = (22.0, 4 * 3600.0, 35.0, 45 * 60.0)
WAIT_SIGMA = (1.05, 0.9, 1.0, 1.0)
PATIENCE_MEAN = (800.0, np.inf, 1000.0, np.inf)
TALK_MEDIAN = (330.0, 480.0, 600.0, 300.0)
TALK_SIGMA = (0.55, 0.6, 0.55, 0.6)
WRAP_MEDIAN = (45.0, 60.0, 30.0, 30.0)
HOLD_SHARE = (0.30, 0.0, 0.10, 0.0)
QUEUE_TALK = (1.0, 1.3, 0.9, 0.85, 1.45)
TRANSFER_P = (0.07, 0.11, 0.06, 0.07, 0.10)
ESCALATE_P = (0.02, 0.04, 0.01, 0.02, 0.09)
FCR_P = (0.80, 0.72, 0.86, 0.82, 0.64)  # when neither transferred nor escalated
# "Normal" wait by channel: satisfaction falls with wait relative to it.
WAIT_NORM = (60.0, 8 * 3600.0, 90.0, 2 * 3600.0)
SURVEY_P = (0.13, 0.10, 0.14, 0.08)

EVALUATORS = ("qa.hughes", "qa.patel", "qa.oconnor", "qa.davies")
EVALUATOR_WEIGHT = (0.32, 0.28, 0.22, 0.18)
EVALUATOR_BIAS = (0.10, 0.0, -0.20, 0.05)  # mild severity differences, not a planted finding
# canonical item, label on the QA form, max score, critical, mean (5-point) or pass rate (0/1).
# Critical items are pass/fail (out of 1), as on most QA forms: failing one fails the evaluation.
QA_ITEMS = (
    ("greeting", "Q1 Greeting and opening", 5, False, 4.4),
    ("identification_and_security", "Q2 ID&V completed", 1, True, 0.95),
    ("needs_analysis", "Q3 Needs analysis / probing", 5, False, 3.8),
    ("accuracy_of_information", "Q4 Accuracy of information given", 5, False, 4.1),
    ("resolution", "Q5 Resolution / next steps agreed", 5, False, 3.9),
    ("empathy", "Q6 Empathy and tone", 5, False, 4.0),
    ("compliance_statement", "Q7 Compliance statement read", 1, True, 0.93),
    ("wrap_up_notes", "Q8 Wrap-up notes complete", 5, False, 3.7),
)
QA_EVAL_P = 0.03
QA_CALIBRATION_P = 0.06

COMPLAINT_RATE = 0.0045
COMPLAINT_CATEGORIES = (
    "Billing error",
    "Delay in resolution",
    "Staff attitude",
    "Repeat contact",
    "Incorrect information",
    "Delivery problem",
    "App or website",
    "Policy or terms",
    "Waiting time",
)
# P(category | queue) before driver adjustments; rows follow QUEUES.
COMPLAINT_MIX = np.array(
    [
        [0.35, 0.11, 0.07, 0.11, 0.09, 0.02, 0.06, 0.10, 0.09],
        [0.03, 0.18, 0.07, 0.18, 0.10, 0.04, 0.25, 0.05, 0.10],
        [0.08, 0.08, 0.08, 0.08, 0.15, 0.30, 0.08, 0.08, 0.07],
        [0.15, 0.12, 0.08, 0.12, 0.12, 0.03, 0.12, 0.16, 0.10],
        [0.15, 0.18, 0.12, 0.15, 0.10, 0.06, 0.06, 0.10, 0.08],
    ]
)
# How a complaint arrived, by the channel of the contact it is about.
COMPLAINT_ROUTES = ("Telephone", "Email", "Live Chat", "Social Media", "Web Form", "Letter")
COMPLAINT_ROUTE_MIX = np.array(
    [
        [0.85, 0.0, 0.0, 0.0, 0.10, 0.05],
        [0.0, 0.85, 0.0, 0.0, 0.15, 0.0],
        [0.0, 0.0, 0.60, 0.0, 0.40, 0.0],
        [0.0, 0.0, 0.0, 0.80, 0.20, 0.0],
    ]
)
ROUTE_CHANNEL = {
    "Telephone": "phone",
    "Email": "email",
    "Live Chat": "chat",
    "Social Media": "social",
    "Web Form": "other",
    "Letter": "other",
}

# --- planted effects ----------------------------------------------------------------------------
AHT_WEEKLY_GROWTH = 0.015
WEAK_ITEM = "accuracy_of_information"
WEAK_ITEM_SHIFT = -2.0
SPIKE_CATEGORY = "Billing error"
SPIKE_QUEUE = "Billing"
SPIKE_MULTIPLIER = 3.0
CSAT_TARGET = 4.0
REGION_CSAT_SHIFT = -0.6  # latent shift; about -0.4 on the observed 1-5 mean after rounding

# Rates of deliberately bad rows (per table row).
BAD_CONTACT_RATES = {
    "negative_queue_time": 0.002,
    "answered_without_agent": 0.002,
    "answered_and_abandoned": 0.002,
    "unparseable_start_time": 0.0015,
    "start_in_future": 0.0007,
    "start_before_period": 0.0007,
    "duplicate_call_id": 0.003,
}
BAD_SURVEY_RATES = {"csat_out_of_range": 0.006, "unknown_contact_id": 0.005}
BAD_QA_RATES = {"score_above_max": 0.006}
BAD_COMPLAINT_RATES = {"resolved_before_received": 0.02}
MAX_BAD_SHARE = 0.025  # never more than this share of a table is bad

DAY = 86_400
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
FIXED_XLSX_STAMP = "2026-01-01T00:00:00Z"

# --- text templates -----------------------------------------------------------------------------
THEMES = (
    "waiting_time",
    "repeat_contact",
    "staff_attitude",
    "knowledge",
    "resolution",
    "billing",
    "delivery",
    "app_website",
    "communication",
    "policy",
)
PRAISE = {
    "waiting_time": (
        "Got through straight away.",
        "Hardly any wait, which made a nice change.",
        "Quick reply to my email, thank you.",
        "Answered really quickly.",
    ),
    "staff_attitude": (
        "The agent was really friendly and patient.",
        "Lovely helpful lady on the phone.",
        "Very polite and took the time to listen.",
        "The adviser was courteous and professional throughout.",
        "Really friendly chap, made it easy.",
    ),
    "knowledge": (
        "Knew exactly what to do and explained it clearly.",
        "Really knowledgeable, sorted my query in minutes.",
        "Clear explanation of my options.",
        "He knew the system inside out.",
    ),
    "resolution": (
        "Problem sorted first time, great service.",
        "Issue resolved on the same call, no need to ring back.",
        "Everything fixed quickly, very happy.",
        "Sorted in one go.",
    ),
    "communication": (
        "Kept me updated at every step.",
        "Followed up by email exactly as promised.",
        "Explained what happens next clearly.",
    ),
}
COMPLAINT = {
    "waiting_time": (
        "Waited far too long in the queue before anyone answered.",
        "Over 20 minutes on hold just to get through.",
        "Took days to get a reply to my email.",
        "The wait time is ridiculous.",
        "Kept being told I was next in the queue for ages.",
    ),
    "repeat_contact": (
        "This is the third time I have had to call about the same thing.",
        "Had to chase again because nobody called me back.",
        "I keep having to explain my problem from the start.",
        "Second time this week I've had to get in touch.",
    ),
    "staff_attitude": (
        "The agent was rude and kept talking over me.",
        "Felt like the adviser couldn't be bothered.",
        "Very dismissive attitude.",
        "Was made to feel stupid for asking.",
    ),
    "knowledge": (
        "The person I spoke to didn't seem to know the answer.",
        "Was given wrong information and had to call back.",
        "Had to be transferred because nobody knew how to help.",
        "Staff need better training.",
    ),
    "resolution": (
        "My problem still isn't fixed.",
        "Nothing was actually resolved.",
        "Was promised a call back that never came.",
        "Still waiting for someone to sort it out.",
    ),
    "billing": (
        "I was charged twice this month and still haven't had a refund.",
        "My bill is wrong again.",
        "Direct debit taken on the wrong date.",
        "Nobody can explain why my bill went up.",
    ),
    "delivery": (
        "My order still hasn't arrived.",
        "Delivery was missed and nobody told me.",
        "Parcel arrived damaged.",
        "Engineer visit cancelled without notice.",
    ),
    "app_website": (
        "The app keeps logging me out.",
        "Couldn't do it online because the website kept crashing.",
        "Password reset on the website doesn't work.",
        "The app shows the wrong balance.",
    ),
    "communication": (
        "Nobody told me what was happening.",
        "The letter I received was confusing.",
        "Emails contradicted what I was told on the phone.",
        "No updates at all since I first got in touch.",
    ),
    "policy": (
        "The cancellation fee is unfair.",
        "Your policy makes no sense to me.",
        "Was told it's company policy and nothing could be done.",
        "Having to send proof of ID again is ridiculous.",
    ),
}
MIXED = (
    "Got there in the end but it took a while.",
    "Helpful agent but the wait was too long.",
    "OK but I had to explain it twice.",
    "Friendly enough, but I'm not sure it's fixed.",
    "Fine, nothing special.",
    "Sorted in the end, though I had to be transferred.",
    "Agent was nice but the app still doesn't work.",
)
SUFFIX_PRAISE = ("", "", "", " Thank you!", " Keep it up.", " 10/10.")
SUFFIX_MIXED = ("", "", " Could be better.")
SUFFIX_COMPLAINT = ("", "", " Very disappointed.", " Not good enough.", " Considering leaving.")

COMPLAINT_TEXT = {
    "Billing error": (
        "Customer says the latest bill is higher than agreed and no one can explain the difference.",
        "Customer charged for a service they cancelled last month.",
        "Customer reports a refund that was promised has not been applied to the account.",
        "Customer billed at the wrong tariff since renewal.",
    ),
    "Delay in resolution": (
        "Customer has been waiting over two weeks for the fault to be fixed.",
        "Case open since last month with no progress despite several chasers.",
        "Customer unhappy at how long the investigation is taking.",
    ),
    "Staff attitude": (
        "Customer says the adviser was rude and ended the call.",
        "Customer felt patronised by the agent on the phone.",
        "Customer unhappy with the tone of the reply to their email.",
    ),
    "Repeat contact": (
        "Customer has contacted us four times about the same issue.",
        "Customer promised call backs that never happened and had to chase again.",
        "Customer had to repeat the whole story on every contact.",
    ),
    "Incorrect information": (
        "Customer was told the contract could be cancelled free of charge, which was wrong.",
        "Adviser gave the wrong date for the engineer visit.",
        "Customer acted on incorrect advice about the payment holiday.",
    ),
    "Delivery problem": (
        "Order not delivered by the promised date.",
        "Router delivered to the wrong address.",
        "Delivery marked as completed but nothing received.",
    ),
    "App or website": (
        "Customer cannot log in to the app after the update.",
        "Online payment failed but money left the account.",
        "Website shows a different balance to the bill.",
    ),
    "Policy or terms": (
        "Customer disputes the early termination charge.",
        "Customer unhappy about the change to the loyalty discount.",
        "Customer objects to the new identity check requirements.",
    ),
    "Waiting time": (
        "Customer waited over 40 minutes on the phone and gave up.",
        "No reply to the customer's email for five days.",
        "Customer says the queue message kept saying they were next for half an hour.",
    ),
}
SPIKE_TEXT = (
    "Customer charged twice after the price change; duplicate direct debit taken.",
    "Direct debit taken twice this month following the price change.",
    "Customer billed the old and the new price after the price change.",
    "Duplicate payment taken by direct debit; customer now overdrawn.",
)
SPIKE_KEYWORDS = ("charged twice", "price change", "direct debit", "duplicate")
# Personal data customers type into free text, planted so tests can prove every report redacts it.
# Phone numbers are from Ofcom's drama range (07700 900xxx, 0161 496 0xxx), cards are published
# Luhn-valid test numbers, e-mail domains are reserved (RFC 2606): none belongs to a real person.
PII_COMMENT_P = 0.006
PII_COMPLAINT_P = 0.05
PII_TEMPLATES = (  # (text around the value, the value, kind)
    (" Please ring me on {}.", "07700 900{n:03d}", "phone"),
    (" Email me at {} with an update.", "jo.bloggs{n}@example.co.uk", "email"),
    (" Call back on {} please.", "+44 161 496 0{n:03d}", "phone"),
    (" I live at {}, send it there.", "SW1A 2AA", "postcode"),
    (" Card used was {}.", "4539 1488 0343 6467", "card"),
    (" My account is {}.", "12-34-56 {n:08d}", "sort code and account"),
)
REPEAT_COMPLAINANT_P = 0.12
# High-risk cases in complaint summaries (vulnerability, ombudsman, media, legal), so the escalation
# section has work to do; planted after the personal data, from the same separate stream.
HIGH_RISK_P = 0.03
HIGH_RISK_TEXT = (
    (" Customer was recently bereaved and is struggling to cope.", "vulnerability"),
    (" Customer says they will take this to the Financial Ombudsman.", "regulator"),
    (" Customer has spoken to a journalist about it.", "media"),
    (" Customer's solicitor has written to us.", "legal"),
)

COMPLAINT_ASK = (
    " Wants a refund.",
    " Requests compensation.",
    " Wants an apology.",
    " Asks for a call back from a manager.",
    " Wants the account corrected.",
    "",
)


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
def _pick(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One category per element: ``probs[rows[i]]`` is the distribution of element ``i``."""
    cdf = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    cdf[:, -1] = 1.0
    u = rng.random(rows.size)
    out = np.zeros(rows.size, dtype=np.int8)
    for k in range(probs.shape[0]):
        sel = rows == k
        if sel.any():
            out[sel] = np.searchsorted(cdf[k], u[sel], side="right")
    return np.minimum(out, probs.shape[1] - 1).astype(np.int8)


def _pick_weighted(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row of a (rows x categories) weight matrix."""
    if weights.shape[0] == 0:
        return np.zeros(0, dtype=np.int16)
    cdf = np.cumsum(weights, axis=1)
    u = rng.random(weights.shape[0]) * cdf[:, -1]
    return np.minimum((u[:, None] >= cdf).sum(axis=1), weights.shape[1] - 1).astype(np.int16)


def _bad_counts(rates: Mapping[str, float], n: int) -> dict[str, int]:
    """Rows of each bad kind for a table of ``n`` rows, capped at :data:`MAX_BAD_SHARE` in total."""
    counts = {k: int(np.floor(r * n + 0.5)) for k, r in rates.items()}
    cap = int(np.floor(MAX_BAD_SHARE * n))
    while sum(counts.values()) > cap:
        biggest = max(counts, key=lambda k: counts[k])
        counts[biggest] -= 1
    return counts


def _assign_bad(
    rng: np.random.Generator, n: int, wanted: Mapping[str, tuple[int, np.ndarray | None]]
) -> dict[str, np.ndarray]:
    """Disjoint random row indices for each bad kind: ``wanted[kind] = (count, eligible mask)``."""
    perm = rng.permutation(n)
    used = np.zeros(n, dtype=bool)
    out = {}
    for kind, (count, eligible) in wanted.items():
        ok = ~used[perm] if eligible is None else (~used[perm] & eligible[perm])
        chosen = np.sort(perm[ok][:count])
        used[chosen] = True
        out[kind] = chosen
    return out


def _labels(
    labels: tuple[str, ...] | list[str], codes: np.ndarray, null: np.ndarray | None = None
) -> pa.Array:
    """String array ``labels[codes]`` with nulls where ``null`` (or a code is negative)."""
    codes = np.asarray(codes)
    mask = codes < 0 if null is None else (null | (codes < 0))
    idx = pa.array(np.where(mask, 0, codes).astype(np.int32), mask=mask)
    return pa.array(list(labels), type=pa.string()).take(idx)


def _yn(flags: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return _labels(("N", "Y"), flags.astype(np.int8), null)


def _strftime(epoch_s: np.ndarray, fmt: str, null: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(np.asarray(epoch_s, dtype=np.int64), type=pa.timestamp("s"), mask=null)
    return pc.strftime(arr, format=fmt)


def _hms(seconds: np.ndarray, null: np.ndarray) -> pa.Array:
    """Durations as ``h:mm:ss`` strings (hours unpadded, a leading ``-`` when negative)."""
    sec = np.asarray(seconds, dtype=np.int64)
    mag = np.abs(sec)
    hours = pc.cast(pa.array(mag // 3600), pa.string())
    mmss = pc.strftime(pa.array(mag % 3600, type=pa.timestamp("s")), format="%M:%S")
    text = pc.binary_join_element_wise(hours, mmss, ":")
    text = pc.if_else(pa.array(sec < 0), pc.binary_join_element_wise("-", text, ""), text)
    return pc.if_else(pa.array(null), pa.scalar(None, pa.string()), text)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(
        pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0"
    )
    return pc.binary_join_element_wise(prefix, digits, "")


def _ints(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), mask=null)


def _write_csv(
    path: Path,
    columns: dict[str, Any],
    row_index: np.ndarray,
    *,
    quote: bool = False,
    chunk: int = 1_000_000,
) -> int:
    """Write columns (callables ``f(rows) -> pa.Array`` over row indices) as CSV in chunks.

    ``quote`` puts every text value in double quotes (needed when text may hold commas);
    otherwise nothing is quoted.
    """
    n = int(row_index.size)
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed" if quote else "none")
    schema = None
    names = [f'"{name}"' if quote else name for name in columns]
    with pa.OSFile(str(path), "wb") as sink:
        sink.write((",".join(names) + "\n").encode("utf-8"))
        writer = None
        for lo in range(0, max(n, 1), chunk):
            rows = row_index[lo : lo + chunk]
            table = pa.table({name: make(rows) for name, make in columns.items()})
            if writer is None:
                schema = table.schema
                writer = pacsv.CSVWriter(sink, schema, write_options=options)
            writer.write_table(table.cast(schema))
        if writer is not None:
            writer.close()
    return n


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

    plan = _plan(rng, weeks)
    n_dup = _bad_counts({"duplicate_call_id": BAD_CONTACT_RATES["duplicate_call_id"]}, contacts)[
        "duplicate_call_id"
    ]
    c = _contacts(rng, contacts - n_dup, start, days, plan)
    c["agent_ids"] = plan["agent_ids"]
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


def _plan(rng: np.random.Generator, weeks: int) -> dict[str, Any]:
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
    spike_first = max(1, int(round(weeks * 2 / 3)))  # 1-based; weeks 8-9 of 12
    spike_weeks = [w for w in (spike_first, spike_first + 1) if w <= weeks]
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
    }


def _intraday(open_from: float, open_to: float, floor: float) -> np.ndarray:
    """Arrival weights of the 96 quarter hours of a day: morning and early-afternoon peaks."""
    h = (np.arange(96) + 0.5) / 4
    w = 0.35 + np.exp(-0.5 * ((h - 10.5) / 1.2) ** 2) + 0.8 * np.exp(-0.5 * ((h - 14.0) / 1.4) ** 2)
    w = w * np.clip(1 - (h - 17) / 6, 0.5, 1)  # evenings tail off
    return np.where((h >= open_from) & (h < open_to), w, floor * w)


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
    mu = np.log(np.asarray(WAIT_MEDIAN))[channel] + np.where(
        live, 1.3 * np.log(np.maximum(load, 0.5)), 0
    )
    wait = np.exp(mu + np.asarray(WAIT_SIGMA)[channel] * rng.standard_normal(n))
    patience = rng.exponential(1.0, n) * np.asarray(PATIENCE_MEAN)[channel]
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

    agent = np.full(n, -1, dtype=np.int16)
    for r in range(len(REGIONS)):
        sel = np.flatnonzero(answered & (region == r))
        members = np.flatnonzero(plan["agent_region"] == r)
        p = plan["fte"][members] / plan["fte"][members].sum()
        agent[sel] = rng.choice(members, size=sel.size, p=p)
    has_agent = agent >= 0
    a = np.where(has_agent, agent, 0)
    team = np.where(has_agent, plan["agent_team"][a], -1).astype(np.int8)
    week = (day // 7).astype(np.int16)

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
def _write_contacts(
    path: Path, c: dict[str, np.ndarray], row_index: np.ndarray, epoch0: int
) -> int:
    agents_null = c["agent"] < 0
    not_answered = ~c["answered"]
    bad_start = np.zeros(c["t"].size, dtype=bool)
    bad_start[c["bad_start"]] = True
    plan_ids = c["agent_ids"]
    team_codes = c["team"]

    def start_time(rows: np.ndarray) -> pa.Array:
        text = _strftime(epoch0 + c["t"][rows], "%d/%m/%Y %H:%M:%S")
        bad = bad_start[rows]
        if not bad.any():
            return text
        pos = np.flatnonzero(bad)
        dates = _strftime(epoch0 + c["t"][rows[pos]], "%d/%m/%Y").to_pylist()
        repl = [
            "n/a" if (r % 2) else f"{d} 25:61:00" for r, d in zip(rows[pos], dates, strict=True)
        ]
        return pc.replace_with_mask(text, pa.array(bad), pa.array(repl, type=pa.string()))

    wait = c["wait"]
    wait_null = np.isnan(wait)
    columns = {
        "Call ID": lambda r: _ids("C", r + 1, 9),
        "Media Type": lambda r: _labels(CHANNEL_LABELS, c["channel"][r]),
        "Skill": lambda r: _labels(SKILL_CODES, c["queue"][r]),
        "Team Name": lambda r: _labels(TEAMS, team_codes[r]),
        "Agent Login": lambda r: _labels(plan_ids, c["agent"][r], agents_null[r]),
        "Site Region": lambda r: _labels(REGIONS, c["region"][r]),
        "Start Time": start_time,
        "Queue Time": lambda r: _hms(np.nan_to_num(wait[r]), wait_null[r]),
        "Answered": lambda r: _yn(c["answered"][r]),
        "Abandoned": lambda r: _yn(c["abandoned"][r]),
        "Talk Time (s)": lambda r: _ints(c["talk"][r], not_answered[r]),
        "Hold Time (s)": lambda r: _ints(c["hold"][r], not_answered[r]),
        "ACW (s)": lambda r: _ints(c["wrap"][r], not_answered[r]),
        "FCR": lambda r: _yn(c["fcr"][r], not_answered[r]),
        "Transferred": lambda r: _yn(c["transferred"][r], not_answered[r]),
        "Escalated": lambda r: _yn(c["escalated"][r], not_answered[r]),
    }
    return _write_csv(path, columns, row_index)


def _comment_texts(s: dict[str, np.ndarray]) -> pa.Array:
    """The free-text comments, assembled from the phrase templates."""
    phrases: list[str] = []
    offset = np.zeros((3, len(THEMES)), dtype=np.int64)
    count = np.zeros((3, len(THEMES)), dtype=np.int64)
    for sentiment, bank in ((0, PRAISE), (2, COMPLAINT)):
        for j, theme in enumerate(THEMES):
            texts = bank.get(theme, ())
            offset[sentiment, j], count[sentiment, j] = len(phrases), len(texts)
            phrases.extend(texts)
    offset[1, :], count[1, :] = len(phrases), len(MIXED)
    phrases.extend(MIXED)
    sent, theme = s["sentiment"].astype(np.int64), s["theme"].astype(np.int64)
    n_var = np.maximum(count[sent, theme], 1)
    which = offset[sent, theme] + np.minimum(np.floor(s["variant_u"] * n_var), n_var - 1).astype(
        np.int64
    )
    suffixes = [SUFFIX_PRAISE, SUFFIX_MIXED, SUFFIX_COMPLAINT]
    s_off = np.cumsum([0] + [len(x) for x in suffixes])[:3]
    s_cnt = np.array([len(x) for x in suffixes])
    s_which = s_off[sent] + np.floor(s["suffix_u"] * s_cnt[sent]).astype(np.int64)
    body = pa.array(phrases, type=pa.string()).take(pa.array(which))
    tail = pa.array([x for group in suffixes for x in group], type=pa.string()).take(
        pa.array(s_which)
    )
    text = pc.binary_join_element_wise(body, tail, "")
    return pc.if_else(pa.array(s["has_comment"]), text, pa.scalar(None, pa.string()))


def _write_surveys(
    path: Path, s: dict[str, np.ndarray], c: dict[str, np.ndarray], epoch0: int
) -> int:
    comments = _comment_texts(s)
    if "pii" in s:
        comments = pc.binary_join_element_wise(comments, pa.array(s["pii"], type=pa.string()), "")
    ref = s["contact_ref"]
    survey_channel = np.where(
        s["ivr"],
        np.where(c["channel"][s["contact"]] == 2, 2, 0),
        np.where(c["channel"][s["contact"]] == 1, 1, 3),
    )
    columns = {
        "Response ID": lambda r: _ids("SR", r + 1, 8),
        "Interaction Ref": lambda r: _ids("C", ref[r] + 1, 9),
        "Completed Date": lambda r: _strftime(epoch0 + s["at"][r], "%Y-%m-%d %H:%M"),
        "Survey Method": lambda r: _labels(("IVR", "Email", "Post-chat", "SMS"), survey_channel[r]),
        "Overall satisfaction (1-5)": lambda r: _ints(s["csat"][r]),
        "Likelihood to recommend (0-10)": lambda r: _ints(
            np.nan_to_num(s["nps"][r]), np.isnan(s["nps"][r])
        ),
        "Ease of resolving (1-7)": lambda r: _ints(
            np.nan_to_num(s["ces"][r]), np.isnan(s["ces"][r])
        ),
        "Comments": lambda r: comments.take(pa.array(r)),
    }
    return _write_csv(path, columns, np.arange(s["at"].size), quote=True)


def _write_qa(path: Path, q: dict[str, np.ndarray], c: dict[str, np.ndarray], epoch0: int) -> int:
    forms = np.where(c["channel"][q["contact"]] == 0, 0, 1)
    labels = tuple(i[1] for i in QA_ITEMS)
    critical = np.array([i[3] for i in QA_ITEMS])[q["item"]].astype(np.int8)
    columns = {
        "Evaluation ID": lambda r: _ids("EV", q["eval"][r] + 1, 7),
        "Interaction ID": lambda r: _ids("C", q["contact"][r] + 1, 9),
        "Agent": lambda r: _labels(c["agent_ids"], q["agent"][r]),
        "Evaluator": lambda r: _labels(EVALUATORS, q["evaluator"][r]),
        "Evaluation Date": lambda r: _strftime(epoch0 + q["at"][r], "%d/%m/%Y %H:%M"),
        "Form": lambda r: _labels(("Voice QA v3", "Chat QA v2"), forms[r]),
        "Calibration": lambda r: _yn(q["calibration"][r]),
        "Question": lambda r: _labels(labels, q["item"][r]),
        "Score": lambda r: _ints(q["score"][r]),
        "Out Of": lambda r: _ints(q["max"][r]),
        "Critical": lambda r: _labels(("No", "Yes"), critical[r]),
    }
    return _write_csv(path, columns, np.arange(q["score"].size))


def _write_complaints(
    path: Path, k: dict[str, np.ndarray], c: dict[str, np.ndarray], epoch0: int
) -> int:
    from openpyxl import Workbook

    base = dt.datetime(1970, 1, 1)

    def when(sec: int) -> dt.datetime:
        return base + dt.timedelta(seconds=int(epoch0 + sec))

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Complaints")
    ws.append(
        [
            "Complaint Ref",
            "Date Received",
            "How Received",
            "Complaint Category",
            "Product Area",
            "Customer Region",
            "Date Acknowledged",
            "Date Resolved",
            "Upheld?",
            "Status",
            "Summary",
            "Related Call ID",
            "Customer No",
        ]
    )
    idx = k["contact"]
    queue = c["queue"][idx].tolist()
    region = c["region"][idx].tolist()
    for i in range(idx.size):
        cat = COMPLAINT_CATEGORIES[int(k["category"][i])]
        bank = SPIKE_TEXT if k["spike"][i] else COMPLAINT_TEXT[cat]
        text = bank[int(k["variant"][i]) % len(bank)] + COMPLAINT_ASK[int(k["ask"][i])]
        if "pii" in k:
            text += k["pii"][i]
        resolved = bool(k["resolved"][i] != -1)
        ws.append(
            [
                f"CMP-{i + 1:06d}",
                when(int(k["received"][i])),
                COMPLAINT_ROUTES[int(k["route"][i])],
                cat,
                QUEUES[queue[i]],
                REGIONS[region[i]],
                when(int(k["ack"][i])) if k["ack"][i] >= 0 else None,
                when(int(k["resolved"][i])) if resolved else None,
                ("Yes" if k["upheld"][i] else "No") if resolved else None,
                "Closed" if resolved else "Open",
                text,
                f"C{int(idx[i]) + 1:09d}",
                f"CUS{int(k['customer'][i]):07d}" if "customer" in k else None,
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_reproducible_zip(buffer.getvalue()))
    return int(idx.size)


def _reproducible_zip(data: bytes) -> bytes:
    """Re-pack an xlsx with fixed entry dates and document timestamps (byte-identical output)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_XLSX_STAMP.encode() + rb"\g<3>",
                    body,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, body)
    return out.getvalue()


# --- planted.json and review.yaml ---------------------------------------------------------------
def _week_dates(start: dt.date, week: int) -> list[str]:
    first = start + dt.timedelta(days=7 * (week - 1))
    return [first.isoformat(), (first + dt.timedelta(days=6)).isoformat()]


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
    agent_ids = plan["agent_ids"]
    aht_team, low_region, weak = (
        TEAMS[plan["aht_team"]],
        REGIONS[plan["low_region"]],
        agent_ids[plan["weak_agent"]],
    )

    # observed weekly growth of mean talk time per team (log-linear fit on weekly means)
    def growth(team: int) -> float:
        sel = c["answered"] & (c["team"] == team)
        tot = np.bincount(c["week"][sel], weights=c["talk"][sel], minlength=weeks)[:weeks]
        cnt = np.bincount(c["week"][sel], minlength=weeks)[:weeks]
        ok = cnt > 0
        if ok.sum() < 2:
            return 0.0
        slope = np.polyfit(np.arange(weeks)[ok], np.log(tot[ok] / cnt[ok]), 1)[0]
        return round(float(np.expm1(slope)), 4)

    item_names = [i[0] for i in QA_ITEMS]
    ok_qa = q["score"] <= q["max"]
    five = ok_qa & (q["item"] == plan["weak_item"])
    weak_rows = five & (q["agent"] == plan["weak_agent"])
    others = five & (q["agent"] != plan["weak_agent"])

    valid = (s["csat"] >= 1) & (s["csat"] <= 5)
    s_region = c["region"][s["contact"]]

    def mean(x: np.ndarray) -> float | None:
        return round(float(x.mean()), 3) if x.size else None

    k_week = k["received"] // (7 * DAY) + 1
    k_queue = c["queue"][k["contact"]]
    seg = (k["category"] == COMPLAINT_CATEGORIES.index(SPIKE_CATEGORY)) & (
        k_queue == QUEUES.index(SPIKE_QUEUE)
    )
    in_spike = np.isin(k_week, plan["spike_weeks"])
    n_spike_weeks = len(plan["spike_weeks"])

    signals = {
        "aht_trend": {
            "table": "contacts",
            "metric": "talk_s",
            "segment": {"team": aht_team},
            "kind": "rising trend",
            "description": f"Talk time in team {aht_team} grows {AHT_WEEKLY_GROWTH:.1%} a week (compounding); other teams are flat.",
            "weekly_growth": AHT_WEEKLY_GROWTH,
            "observed_weekly_growth": growth(plan["aht_team"]),
        },
        "weak_agent_item": {
            "table": "qa_evaluations",
            "metric": "score",
            "segment": {"agent_id": weak, "item": WEAK_ITEM},
            "kind": "individual weakness",
            "description": f"Agent {weak} scores about {-WEAK_ITEM_SHIFT:.0f} points (of 5) lower on {WEAK_ITEM}; average on every other item.",
            "mean_shift": WEAK_ITEM_SHIFT,
            "max_score": 5,
            "observed_mean": mean(q["score"][weak_rows]),
            "observed_mean_other_agents": mean(q["score"][others]),
            "observed_evaluations": int(np.unique(q["eval"][weak_rows]).size),
        },
        "complaint_spike": {
            "table": "complaints",
            "metric": "complaints per week",
            "segment": {"queue": SPIKE_QUEUE, "category": SPIKE_CATEGORY},
            "kind": "spike",
            "description": f"'{SPIKE_CATEGORY}' complaints in the {SPIKE_QUEUE} queue triple in weeks {', '.join(map(str, plan['spike_weeks']))} (a duplicate direct debit after a price change).",
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
            "description": f"Customers in {low_region} rate satisfaction about 0.4 lower (mean CSAT below the {CSAT_TARGET} target); the other regions meet it.",
            "target": {"metric": "mean csat", "value": CSAT_TARGET},
            "latent_shift": REGION_CSAT_SHIFT,
            "observed_mean": mean(s["csat"][valid & (s_region == plan["low_region"])]),
            "observed_mean_other_regions": mean(
                s["csat"][valid & (s_region != plan["low_region"])]
            ),
        },
    }
    controls = [
        {
            "table": "contacts",
            "metric": "talk_s",
            "segment": {"team": t},
            "expect": "no trend",
            "observed_weekly_growth": growth(i),
        }
        for i, t in enumerate(TEAMS)
        if i != plan["aht_team"]
    ]
    controls.append(
        {
            "table": "qa_evaluations",
            "metric": "score",
            "segment": {"agent_id": weak, "item": [x for x in item_names if x != WEAK_ITEM]},
            "expect": "in line with other agents",
        }
    )
    controls.append(
        {
            "table": "qa_evaluations",
            "metric": "score",
            "segment": {
                "agent_id": [a for i, a in enumerate(agent_ids) if i != plan["weak_agent"]],
                "item": WEAK_ITEM,
            },
            "expect": "no individual weakness",
        }
    )
    controls.append(
        {
            "table": "complaints",
            "metric": "complaints per week",
            "segment": {
                "queue": [x for x in QUEUES if x != SPIKE_QUEUE],
                "category": SPIKE_CATEGORY,
            },
            "expect": "no spike",
        }
    )
    controls.append(
        {
            "table": "complaints",
            "metric": "complaints per week",
            "segment": {
                "queue": SPIKE_QUEUE,
                "category": [x for x in COMPLAINT_CATEGORIES if x != SPIKE_CATEGORY],
            },
            "expect": "no spike",
        }
    )
    controls.extend(
        {
            "table": "surveys",
            "metric": "csat",
            "segment": {"region": r},
            "expect": f"mean csat at or above target {CSAT_TARGET}",
            "observed_mean": mean(s["csat"][valid & (s_region == i)]),
        }
        for i, r in enumerate(REGIONS)
        if i != plan["low_region"]
    )
    return {
        "generator": "csperf_lib.ingest.demo",
        "seed": int(seed),
        "contacts": int(contacts),
        "period": {"start": start.isoformat(), "end": end.isoformat(), "weeks": weeks},
        "files": dict(FILE_NAMES),
        "rows": dict(rows),
        "roster": {
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
                for i, a in enumerate(agent_ids)
            ],
            "evaluators": list(EVALUATORS),
            "qa_items": [
                {"item": i[0], "label": i[1], "max_score": i[2], "critical": i[3]} for i in QA_ITEMS
            ],
        },
        "signals": signals,
        "controls": controls,
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
# No regulatory: section, so the default complaint rules apply (acknowledged within 3 days,
# resolved within 8 weeks, in the spirit of FCA DISP 1.6).
use_benchmarks: true                 # KPIs without a target fall back to indicative benchmarks
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
    baseline: 0.4
    deadline: {deadline}
    review_date: {review}
    rationale: Service level agreed in the outsourcing contract (schedule 2)
  - kpi: service_level
    segment: {{queue: Complaints}}     # unhappy callers should not wait: a stricter SLA here
    target: 0.9
    tolerance: 0.05
    source: client SLA
    owner: Complaints Manager
    baseline: 0.4
    deadline: {deadline}
    rationale: Contract schedule 2 - complaint calls answered faster than the rest
  - kpi: abandonment_rate
    target: 0.05
    tolerance: "20%"                 # relative: 20 % of 0.05 = 0.01
    source: internal target
    owner: Workforce Planning Manager
    baseline: 0.07
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
