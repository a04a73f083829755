"""The demo centre's scenario: its shape, its planted signals and the words its customers write.

Everything :func:`csperf_lib.ingest.demo.generate_demo` draws from is data here, so a reader can
see at a glance what the synthetic "Northwind Contact Centre" is and what was planted in it:
channels, queues, regions, teams and their mixes; wait, patience and handle-time parameters;
survey, QA and complaint rates; the planted signals (AHT growth, a weak scorecard item, a
complaint spike, a region below the CSAT target) and the deliberately bad rows per table; and the
phrase banks of survey comments and complaint texts (praise, complaints by theme, mixed, personal
data templates, high-risk wording). Distributions and rates are illustrative, chosen to give a
recognisable operation, not estimates of any real centre.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FILE_NAMES",
]


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


CHANNELS = ("phone", "email", "chat", "social")


CHANNEL_LABELS = ("Voice", "Email", "Chat", "Social")


CHANNEL_MIX_WEEKDAY = (0.62, 0.16, 0.15, 0.07)


CHANNEL_MIX_WEEKEND = (0.50, 0.22, 0.16, 0.12)


LIVE = np.array([True, False, True, False])  # phone and chat: callers wait on the line


QUEUES = ("Billing", "Technical Support", "Sales", "Accounts", "Complaints")


SKILL_CODES = ("SK_BILLING", "SK_TECH_SUPPORT", "SK_SALES", "SK_ACCOUNTS", "SK_COMPLAINTS")


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


WAIT_MEDIAN = (3.5, 4 * 3600.0, 5.0, 45 * 60.0)


# How waits on the live channels grow with load: log(wait) rises by this times log(load / mean load).
# Small: the centre's rosters follow demand, so the service level holds through the day.
LOAD_WAIT_ELASTICITY = 0.4


# Waits by queue on the live channels (multipliers): the Complaints queue is answered first.
QUEUE_WAIT = (1.0, 1.0, 1.0, 1.0, 0.6)


WAIT_SIGMA = (1.3, 0.9, 1.2, 1.0)


PATIENCE_MEAN = (380.0, np.inf, 500.0, np.inf)


TALK_MEDIAN = (330.0, 480.0, 600.0, 300.0)


TALK_SIGMA = (0.55, 0.6, 0.55, 0.6)


WRAP_MEDIAN = (45.0, 60.0, 30.0, 30.0)


HOLD_SHARE = (0.30, 0.0, 0.10, 0.0)


QUEUE_TALK = (1.0, 1.3, 0.9, 0.85, 1.45)


TRANSFER_P = (0.07, 0.11, 0.06, 0.07, 0.10)


ESCALATE_P = (0.02, 0.04, 0.01, 0.02, 0.09)


FCR_P = (0.80, 0.72, 0.86, 0.82, 0.64)  # when neither transferred nor escalated


WAIT_NORM = (60.0, 8 * 3600.0, 90.0, 2 * 3600.0)


SURVEY_P = (0.13, 0.10, 0.14, 0.08)


EVALUATORS = ("qa.hughes", "qa.patel", "qa.oconnor", "qa.davies")


EVALUATOR_WEIGHT = (0.32, 0.28, 0.22, 0.18)


EVALUATOR_BIAS = (0.10, 0.0, -0.20, 0.05)  # mild severity differences, not a planted finding


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


COMPLAINT_MIX = np.array(
    [
        [0.35, 0.11, 0.07, 0.11, 0.09, 0.02, 0.06, 0.10, 0.09],
        [0.03, 0.18, 0.07, 0.18, 0.10, 0.04, 0.25, 0.05, 0.10],
        [0.08, 0.08, 0.08, 0.08, 0.15, 0.30, 0.08, 0.08, 0.07],
        [0.15, 0.12, 0.08, 0.12, 0.12, 0.03, 0.12, 0.16, 0.10],
        [0.15, 0.18, 0.12, 0.15, 0.10, 0.06, 0.06, 0.10, 0.08],
    ]
)


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


AHT_WEEKLY_GROWTH = 0.015


WEAK_ITEM = "accuracy_of_information"


WEAK_ITEM_SHIFT = -2.0


SPIKE_CATEGORY = "Billing error"


SPIKE_QUEUE = "Billing"


SPIKE_MULTIPLIER = 4.0


CSAT_TARGET = 4.0


REGION_CSAT_SHIFT = -0.85  # latent shift; about -0.55 on the observed 1-5 mean after rounding


# The planted staffing gap: in one queue (drawn from STAFFING_QUEUES), on one weekday morning, waits
# on the live channels are this many times longer than at the same time on other days.
STAFFING_QUEUES = ("Billing", "Technical Support", "Sales", "Accounts")
UNDERSTAFFED_WEEKDAY = 0              # Monday
UNDERSTAFFED_HOURS = (9, 12)          # 09:00 to 12:00
UNDERSTAFFED_WAIT_FACTOR = 8.0


# The planted abandonment trend: in another queue, callers' patience halves every this many weeks.
PATIENCE_HALVING_WEEKS = 5.0


# The weak agent is evaluated less often than the others (a part-time phone role): about this many
# evaluations in the review, so the coaching review must find a weakness on few evaluations.
WEAK_AGENT_EVALUATIONS = 18


# Share of contacts whose site region the export leaves blank: a "(not recorded)" segment.
REGION_NOT_RECORDED_SHARE = 0.01


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
