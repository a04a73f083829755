"""Escalations: rates with intervals, themes, recurrence, high-risk markers (recall and false positives)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csperf_lib.core.errors import ConfigError
from csperf_lib.core.tables import CANONICAL_TABLES, KIND_DTYPES
from csperf_lib.ingest.store import Store
from csperf_lib.methods.escalations import (
    escalation_rates,
    escalation_review,
    escalation_themes,
    flag_high_risk,
    marker_hits,
    recurrence,
    summary_entries,
)
from csperf_lib.methods.markers import load_markers
from csperf_lib.methods.stats import wilson_interval
from csperf_lib.methods.text import load_codebook

CFPB = Path(__file__).resolve().parents[1] / ".." / "shared" / "real-data" / "cfpb_complaints" / "complaints_sample.csv"


def canonical(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    kinds = CANONICAL_TABLES[table].columns
    return frame.astype({c: KIND_DTYPES[kinds[c]] for c in frame.columns if c in kinds})


def contacts_frame(spec: dict[tuple[str, str], tuple[int, int]], start="2026-01-05 09:00") -> pd.DataFrame:
    """(team, queue) -> (contacts, escalated); agent = team + '-A'."""
    rows = []
    t0 = pd.Timestamp(start)
    for (team, queue), (n, x) in spec.items():
        for i in range(n):
            rows.append({"team": team, "queue": queue, "agent_id": f"{team}-A", "escalated": i < x})
    frame = pd.DataFrame(rows)
    frame.insert(0, "contact_id", [f"C{i:05d}" for i in range(len(frame))])
    frame["arrived_at"] = [t0 + pd.Timedelta(minutes=i) for i in range(len(frame))]
    frame["answered"] = True
    return canonical("contacts", frame)


@pytest.fixture
def store():
    s = Store("duckdb://")
    yield s
    s.close()


# --- rates ----------------------------------------------------------------------------------------
def test_rates_hand_checked_and_significance(store):
    spec = {("Alpha", "Billing"): (400, 60), ("Beta", "Billing"): (400, 12), ("Gamma", "Sales"): (400, 12),
            ("Tiny", "Sales"): (6, 1)}
    frame = contacts_frame(spec)
    before = frame.copy()
    store.write("contacts", frame)
    rates = escalation_rates(store)
    pd.testing.assert_frame_equal(frame, before)
    team = rates[rates["dimension"] == "team"].set_index("segment")
    assert team.loc["Alpha", "n"] == 400 and team.loc["Alpha", "escalated"] == 60
    assert team.loc["Alpha", "rate"] == pytest.approx(0.15)
    lo, hi = wilson_interval(60, 400)
    assert (team.loc["Alpha", "ci_low"], team.loc["Alpha", "ci_high"]) == pytest.approx((lo, hi))
    # Wilson by hand: p = .15, z = 1.95996
    z = 1.959963984540054
    centre = (0.15 + z**2 / 800) / (1 + z**2 / 400)
    half = z * np.sqrt(0.15 * 0.85 / 400 + z**2 / (4 * 400**2)) / (1 + z**2 / 400)
    assert team.loc["Alpha", "ci_low"] == pytest.approx(centre - half)
    assert team.loc["Alpha", "rest_n"] == 806 and team.loc["Alpha", "rest_escalated"] == 25
    assert team.loc["Alpha", "significant"] and team.loc["Alpha", "difference"] > 0
    assert "Alpha" in team.loc["Alpha", "finding"] and "more than the rest" in team.loc["Alpha", "finding"]
    assert not team.loc["Tiny", "significant"]  # 1 in 6 (17 %): noisy, Fisher's exact test
    assert team.loc["Tiny", "test"] == "Fisher's exact test"
    assert team.loc["Tiny", "finding"] == ""
    assert set(rates["dimension"]) == {"team", "queue", "agent_id"}
    assert rates["p_adjusted"].dropna().ge(rates["p"].dropna()).all()


def test_rates_pseudonymise_agents_and_missing_flag(store):
    store.write("contacts", contacts_frame({("Alpha", "Billing"): (50, 5), ("Beta", "Sales"): (50, 1)}))
    rates = escalation_rates(store, pseudonym_key="secret")
    agents = rates.loc[rates["dimension"] == "agent_id", "segment"]
    assert agents.str.startswith("P-").all() and not agents.str.contains("Alpha").any()
    assert rates.loc[rates["dimension"] == "team", "segment"].tolist() == ["Alpha", "Beta"]
    store.write("contacts", contacts_frame({("Alpha", "Billing"): (10, 0)}).assign(escalated=pd.NA).astype({"escalated": "boolean"}))
    assert escalation_rates(store).empty
    review = escalation_review(store)
    assert "Contacts carry no escalation flag, so escalations cannot be analysed." in review.notes
    json.dumps(summary_entries(review))


# --- themes -------------------------------------------------------------------------------------
def test_escalation_themes():
    codebook = load_codebook()
    comments = pd.DataFrame({
        "text": ["I was passed around and had to call back again and again"] * 30 + ["lovely friendly agent"] * 10
        + ["lovely friendly agent"] * 150 + ["had to call back again"] * 10,
        "escalated": [True] * 40 + [False] * 160,
    }).astype({"text": "string", "escalated": "boolean"})
    before = comments.copy()
    themes = escalation_themes(comments, codebook=codebook).set_index("theme")
    pd.testing.assert_frame_equal(comments, before)
    repeat = themes.loc["repeat_contact"]
    assert repeat["n_escalated"] == 40 and repeat["count_escalated"] == 30
    assert repeat["share_escalated"] == pytest.approx(0.75)
    assert repeat["share_other"] == pytest.approx(10 / 160)
    assert repeat["significant"]
    assert (repeat["ci_low_escalated"], repeat["ci_high_escalated"]) == pytest.approx(wilson_interval(30, 40))


# --- recurrence ---------------------------------------------------------------------------------
def test_recurrence(store):
    contacts = contacts_frame({("Alpha", "Billing"): (40, 20)})
    store.write("contacts", contacts)
    ids = contacts["contact_id"].tolist()
    at = contacts.set_index("contact_id")["arrived_at"]
    # 10 of 20 escalated contacts get a complaint 5 days later; 2 of 20 others; one 60 days later (outside)
    rows = [(f"K{i}", ids[i], f"CU{i}", at[ids[i]] + pd.Timedelta(days=5)) for i in range(10)]
    rows += [(f"K{20 + i}", ids[20 + i], f"CU{20 + i}", at[ids[20 + i]] + pd.Timedelta(days=5)) for i in range(2)]
    rows += [("K99", ids[15], "CU15", at[ids[15]] + pd.Timedelta(days=60))]
    # customer CU0 complains again 10 days after the contact
    rows += [("K100", None, "CU0", at[ids[0]] + pd.Timedelta(days=10))]
    complaints = canonical("complaints", pd.DataFrame(rows, columns=["complaint_id", "contact_id", "customer_id", "received_at"]))
    store.write("complaints", complaints)
    rec = recurrence(store, window_days=30)
    table = rec.table.set_index("measure")
    first = table.loc["complaint_after_contact"]
    assert (first["n_escalated"], first["count_escalated"], first["n_other"], first["count_other"]) == (20, 10, 20, 2)
    assert first["rate_escalated"] == pytest.approx(0.5)
    assert (first["ci_low_escalated"], first["ci_high_escalated"]) == pytest.approx(wilson_interval(10, 20))
    second = table.loc["repeat_complaint"]
    assert (second["n_escalated"], second["count_escalated"], second["n_other"], second["count_other"]) == (11, 1, 2, 0)
    assert any("no customer identifier" in n for n in rec.notes)


# --- high-risk markers ----------------------------------------------------------------------------
HIGH_RISK = [
    # vulnerability
    ("My husband passed away last month and I keep getting letters addressed to him.", "vulnerability"),
    ("I'm recently bereaved and can't face another call about this.", "vulnerability"),
    ("I am terminally ill and just want this account closed.", "vulnerability"),
    ("My mum has dementia and the agent kept asking her for passwords.", "vulnerability"),
    ("I'm disabled and cannot get to a branch, please stop telling me to go in.", "vulnerability"),
    ("I am a full time carer for my son and only have time to call in the evenings.", "vulnerability"),
    ("This has seriously affected my mental health.", "vulnerability"),
    ("Honestly I feel suicidal about the debt you keep chasing.", "vulnerability"),
    ("I'm in financial hardship and cannot pay the arrears this month.", "vulnerability"),
    ("We've been using a food bank since you took the money twice.", "vulnerability"),
    ("I am fleeing domestic abuse and my ex still has access to the joint account.", "vulnerability"),
    ("I'm currently having chemotherapy and can't deal with hour-long calls.", "vulnerability"),
    ("I'm a vulnerable customer and your agent hung up on me.", "vulnerability"),
    ("I lost my job and I'm struggling to pay the bills.", "vulnerability"),
    # regulator
    ("If this is not sorted I will take it to the Financial Ombudsman.", "regulator"),
    ("I have already reported you to the FCA.", "regulator"),
    ("I'll be complaining to Ofcom about the broadband speeds.", "regulator"),
    ("Ofgem will hear about this back-billing.", "regulator"),
    ("I filed a complaint with the CFPB last week.", "regulator"),
    ("The ombudsman will decide who is right here.", "regulator"),
    ("I've been in touch with Trading Standards about the mis-selling.", "regulator"),
    # media
    ("I'm going to the press with this story.", "media"),
    ("A journalist at the local paper is interested in my case.", "media"),
    ("I'll be contacting BBC Watchdog.", "media"),
    ("I will post this all over Twitter so everyone knows how you treat customers.", "media"),
    ("This will go viral once people see the recording.", "media"),
    ("I'm leaving a one star review on Trustpilot and every review site I can find.", "media"),
    ("I'm going to name and shame you on social media.", "media"),
    # legal
    ("My solicitor will be writing to you.", "legal"),
    ("I'm going to sue you for the losses.", "legal"),
    ("I will take you to court over this.", "legal"),
    ("I am starting legal action next week.", "legal"),
    ("I've filed a small claims case against the company.", "legal"),
    ("My lawyer says this is a breach of contract.", "legal"),
    # data breach
    ("You sent me someone else's details in my statement.", "data_breach"),
    ("This is a data breach and I want to know who saw my information.", "data_breach"),
    ("My account was hacked and you did nothing.", "data_breach"),
    ("This is a breach of GDPR.", "data_breach"),
    ("I'm reporting this to the ICO.", "data_breach"),
    ("Somebody opened a loan in my name: this is identity theft.", "data_breach"),
    # safety
    ("There is a gas leak at the property and no engineer has come.", "safety"),
    ("The engineer left exposed wires in the kitchen and my kids are at home.", "safety"),
    ("The debt collector threatened me with violence on my doorstep.", "safety"),
    ("I'll come down there and hurt someone if this is not fixed.", "safety"),
    ("The meter caught fire last night.", "safety"),
]

ORDINARY = [
    "The food court was busy so I called from the car park.",
    "I spoke to Sue in billing and she was really helpful.",
    "Sue from the complaints team called me back as promised.",
    "Please press the button to confirm your identity.",
    "I had to press 1 three times before I got through.",
    "My phone died halfway through the call.",
    "The wait was killing me but the agent sorted it.",
    "I'm not vulnerable, I just want my refund.",
    "There's no legal issue here, I just want an apology.",
    "I messaged you on Twitter and got a quick reply.",
    "Saw your advert on Facebook and decided to switch.",
    "The tennis court booking app keeps crashing.",
    "I waited 40 minutes on hold, which is far too long.",
    "The agent was friendly and resolved my billing query.",
    "My bill went up without any explanation.",
    "I was charged twice for the same month.",
    "Nobody called me back even though I was promised a call.",
    "The app logs me out every time I open it.",
    "Great service, thank you Jamie.",
    "Delivery was two days late and the box was damaged.",
    "I had to explain my problem three times to three different people.",
    "The website would not accept my card.",
    "The engineer turned up on time and fixed the fault.",
    "I could not find the cancellation option anywhere online.",
    "Your chat bot is useless, I needed a person.",
    "The refund took three weeks to arrive.",
    "Please stop sending me marketing emails.",
    "I was transferred four times and then cut off.",
    "The new tariff is more expensive than the old one.",
    "Very quick and easy, sorted in five minutes.",
    "I'd like a copy of my last three statements.",
    "The password reset link expired before I could use it.",
    "Why do I have to pay a fee to close my account?",
    "The agent didn't know the answer and guessed.",
    "I want to change my direct debit date.",
    "The letter said one thing and the agent said another.",
    "Happy with the outcome but it took too long.",
    "I was told my complaint would be escalated but nothing happened.",
    "Your store staff were more helpful than the phone line.",
    "Please update my address, I moved last month.",
    "The hold music is awful.",
    "Good news: the replacement router works perfectly.",
    "I will be leaving at the end of my contract.",
    "The invoice shows the wrong VAT amount.",
    "I was on the phone for an hour and the call dropped.",
    "My parcel was left in the rain.",
    "The courier never turned up.",
    "She kept talking over me and would not listen.",
    "The online form crashed when I uploaded a photo.",
    "I did not receive the confirmation email.",
    "Thanks for sorting the meter reading so quickly.",
    "I can't log in since the update.",
    "Keep up the good work, very impressed.",
    "The chat closed before I could finish typing.",
    "I'd rate the service seven out of ten.",
    "My order number is ORD-2026-00123 and it still has not shipped.",
    "Please call me on 07700 900123 after 5pm.",
    "I needed to speak to a manager about the price rise.",
    "We had a stroke of luck and found the missing parcel.",
    "The courtyard entrance was locked so the driver left.",
    "Don't threaten me with late fees when your system was down.",
    "I was threatened with disconnection even though I had paid.",
    "There's no data issue, I just need a paper bill.",
]


def _measure(markers):
    texts = pd.Series([t for t, _ in HIGH_RISK] + ORDINARY, dtype="string")
    hits = marker_hits(texts, markers=markers)
    n_risk = len(HIGH_RISK)
    planted = hits.iloc[:n_risk]
    right_category = np.array([planted.iloc[i][cat] for i, (_, cat) in enumerate(HIGH_RISK)])
    recall = right_category.mean()
    fpr = hits["any"].iloc[n_risk:].mean()
    return recall, fpr, hits


def test_markers_recall_and_false_positive_rate():
    assert len(HIGH_RISK) >= 40 and len(ORDINARY) >= 60
    assert {c for _, c in HIGH_RISK} == {"vulnerability", "regulator", "media", "legal", "data_breach", "safety"}
    recall, fpr, hits = _measure(load_markers())
    missed = [t for (t, c), ok in zip(HIGH_RISK, [hits.iloc[i][c] for i, (_, c) in enumerate(HIGH_RISK)], strict=True) if not ok]
    false = [t for t, hit in zip(ORDINARY, hits["any"].iloc[len(HIGH_RISK):], strict=True) if hit]
    print(f"\nhigh-risk markers: recall {recall:.1%} of {len(HIGH_RISK)} planted (right category), "
          f"false-positive rate {fpr:.1%} of {len(ORDINARY)} ordinary texts; missed={missed}; false={false}")
    assert recall >= 0.9
    assert fpr <= 0.05


def test_flag_high_risk_redacts_and_explains():
    texts = pd.Series([
        "My husband passed away. Call me on 07700 900123 or email jo.bloggs@example.com",
        "The agent was lovely.",
        None,
        "I will go to the Financial Ombudsman and my solicitor. " + "x " * 400,
    ], dtype="string")
    before = texts.copy()
    flags = flag_high_risk(texts, markers=load_markers(), ids=pd.Series(["K1", "K2", "K3", "K4"]))
    pd.testing.assert_series_equal(texts, before)
    assert flags["id"].tolist() == ["K1", "K4"]
    first = flags.iloc[0]
    assert "07700" not in first["text"] and "example.com" not in first["text"]
    assert "[PHONE]" in first["text"] and "[EMAIL]" in first["text"]
    assert first["categories"] == "vulnerability" and first["markers"] == "vulnerability_bereavement"
    assert "Bereavement" in first["reasons"] and "husband" not in first["reasons"]
    second = flags.iloc[1]
    assert second["categories"] == "regulator; legal" and second["severity"] == "high"
    assert len(second["text"]) <= 300 and second["text"].endswith("…")


def test_negation_is_documented_behaviour():
    markers = load_markers()
    hits = marker_hits(pd.Series(["I am not vulnerable", "I am vulnerable", "I'm not going to kill myself",
                                  "I don't have a solicitor", "I won't hesitate to contact the ombudsman"]), markers=markers)
    assert hits["any"].tolist() == [False, True, True, False, True]  # self-harm ignores negation


def test_config_extends_overrides_and_validates():
    base = load_markers()
    config = {"escalations": {"markers": {
        "energy_meter_safety": {"category": "safety", "label": "Meter fault", "reason": "Unsafe meter.",
                                "severity": "critical", "keywords": ["sparks"]},
        "media": {"severity": "high"},
        "vulnerability_declared": None,
    }}}
    markers = load_markers(config)
    assert "energy_meter_safety" in markers.names and "vulnerability_declared" not in markers.names
    media = next(m for m in markers.markers if m.name == "media")
    assert media.severity == "high" and media.phrases == next(m for m in base.markers if m.name == "media").phrases
    assert len(markers.sources) == 2
    flags = flag_high_risk(pd.Series(["there were sparks from the box"]), markers=markers)
    assert flags["markers"].tolist() == ["energy_meter_safety"]
    # the section's shape is checked against its model (csperf_lib.core.settings), every problem at once
    bad = {"escalations": {"markerz": {}, "recurrence_window_days": -1, "markers": {
        "Bad Name": {"category": "x"},
        "new_one": {"category": "legal", "severity": "urgent", "keywords": ["x"], "patterns": ["("], "colour": 1},
    }}}
    with pytest.raises(ConfigError) as err:
        load_markers(bad)
    problems = err.value.problems
    joined = " | ".join(problems)
    for expected in ("escalations.markerz: unknown option (did you mean 'markers'?)",
                     "escalations.recurrence_window_days", "Bad Name", "new_one.severity", "not a valid regular expression",
                     "new_one.colour: unknown option"):
        assert expected in joined
    assert len(problems) >= 6
    # then the marker a well-formed entry makes, merged over the built-in ones, is judged
    incomplete = {"escalations": {"markers": {"new_one": {"category": "legal", "severity": "high", "keywords": ["x"]},
                                              "media": {"severity": "high"}}}}
    with pytest.raises(ConfigError) as err:
        load_markers(incomplete)
    assert err.value.problems == ["escalations.markers.new_one.reason: required, one sentence saying why the case "
                                  "needs attention"]


@pytest.mark.skipif(not CFPB.is_file(), reason="CFPB sample not available")
def test_real_cfpb_narratives_flag_counts():
    frame = pd.read_csv(CFPB, skiprows=2, usecols=["Consumer complaint narrative"])
    texts = frame["Consumer complaint narrative"].dropna().astype("string")
    hits = marker_hits(texts, markers=load_markers())
    counts = hits.sum().to_dict()
    print(f"\nCFPB narratives: {len(texts):,}; flagged per category: {counts}")
    assert 0 < counts["any"] < len(texts)
    assert counts["regulator"] > 0  # CFPB complaints often name the CFPB or another regulator


# --- review and summary ---------------------------------------------------------------------------
def test_review_summary_is_json_without_personal_data(store):
    contacts = contacts_frame({("Alpha", "Complaints"): (300, 60), ("Beta", "Billing"): (300, 6), ("Gamma", "Sales"): (300, 6)})
    store.write("contacts", contacts)
    complaints = canonical("complaints", pd.DataFrame({
        "complaint_id": ["K1", "K2"], "contact_id": [contacts["contact_id"][0], contacts["contact_id"][400]],
        "customer_id": ["CU1", "CU2"],
        "received_at": [contacts["arrived_at"][0] + pd.Timedelta(days=2), contacts["arrived_at"][400] + pd.Timedelta(days=2)],
        "resolved_at": [contacts["arrived_at"][0] + pd.Timedelta(days=9), pd.NaT],
        "text": ["My wife passed away, call 07700 900123", "Slow refund"],
    }))
    store.write("complaints", complaints)
    review = escalation_review(store, pseudonym_key="k")
    assert review.overall["n"] == 900 and review.overall["escalated"] == 72
    assert any("'Alpha' escalates" in f for f in review.findings)
    assert any(e["pattern"] == "escalation_outlier" and e["segment"] == "Alpha" for e in review.recommendation_evidence)
    assert review.high_risk["id"].tolist() == ["K1"]
    entry = summary_entries(review)["escalations"]
    text = json.dumps(entry)
    assert "07700" not in text and "passed away" not in text and "Alpha-A" not in text
    assert entry["high_risk"]["by_category"] == {"vulnerability": 1}
    assert isinstance(entry["overall"]["n"], int)


def test_demo_high_risk_complaints_are_flagged():
    """Every high-risk sentence planted in the demo's complaint summaries is flagged, with its category."""
    import json
    import sys

    from csperf_lib.methods.escalations import escalation_review

    root = Path(__file__).resolve().parents[1]
    folder = root / "data" / "raw" / "demo"
    planted = json.loads((folder / "planted.json").read_text()) if (folder / "planted.json").is_file() else {}
    cases = (planted.get("pii") or {}).get("high_risk_complaints")
    if not cases:
        pytest.skip("the demo predates planted high-risk cases: run `make demo-data`")
    sys.path.insert(0, str(root / "tests"))
    from conftest import load_into_store

    config, store = load_into_store(folder / "review.yaml")
    with store:
        usable = set(store.table("complaints").complaint_id.execute())
        review = escalation_review(store, config=config, pseudonym_key=b"k")
    flags = review.high_risk
    flagged = dict(zip(flags["id"].astype(str), flags["categories"].astype(str), strict=True)) if len(flags) else {}
    expected = {f"CMP-{c['row'] + 1:06d}": c["kind"] for c in cases}
    expected = {k: v for k, v in expected.items() if k in usable}
    found = [k for k, kind in expected.items() if k in flagged and kind in flagged[k]]
    # measured 2026-11-22 (seed 7): every usable planted case flagged with its category
    assert len(found) == len(expected) > 10, (expected, flagged)
    assert not (set(flagged) - set(expected) - {i for i in flagged if not i.startswith("CMP-")})


# Held-out sentences, written after the markers were tuned and never used to tune them: the honest
# estimate of how the markers do on new text. Measured 2026-11-22: 17 of 22 high-risk sentences
# flagged with the right category (77 %), 2 of 30 ordinary ones flagged (6.7 %: "court" in a
# football fixture, "data protection" in praise). Misses: anxiety, partial sight, an abusive
# ex-partner, "somebody else's bank statement", "threatened me". Do not tune on this list.
HELD_OUT_RISKY = [
 ("My husband passed away last month and I can't cope with all this paperwork.", "vulnerability"),
 ("I'm a full-time carer for my mum and can't get to the phone during the day.", "vulnerability"),
 ("I have been diagnosed with cancer and need this sorted quickly.", "vulnerability"),
 ("I'm struggling to pay for food this month because of these charges.", "vulnerability"),
 ("My anxiety is through the roof after your letters.", "vulnerability"),
 ("I am partially sighted and your letters are unreadable for me.", "vulnerability"),
 ("My ex-partner is abusive and must not be given my new address.", "vulnerability"),
 ("I will be escalating this to the ombudsman if it is not fixed.", "regulator"),
 ("I've already lodged a complaint with Ofgem about this.", "regulator"),
 ("I'm reporting you to the Financial Conduct Authority.", "regulator"),
 ("The Financial Ombudsman Service has my case reference.", "regulator"),
 ("I'll be posting about this on Twitter so everyone knows.", "media"),
 ("A reporter from the local paper is interested in my story.", "media"),
 ("I'm writing a review on Trustpilot today.", "media"),
 ("My lawyer will be in touch about the losses.", "legal"),
 ("I'm taking you to the small claims court.", "legal"),
 ("I intend to start legal proceedings next week.", "legal"),
 ("You sent me somebody else's bank statement.", "data_breach"),
 ("My account was hacked and someone changed my password.", "data_breach"),
 ("I want to know why my personal data was shared with a third party.", "data_breach"),
 ("Your engineer threatened me on my doorstep.", "safety"),
 ("I feel like ending it all because of this debt.", "vulnerability"),
]
HELD_OUT_ORDINARY = [
 "The engineer was friendly and fixed the router in ten minutes.",
 "Please send me a copy of my latest bill.",
 "I would like to change my payment date to the 15th.",
 "The app crashed twice while I was paying.",
 "Thanks for sorting the refund so quickly.",
 "My parcel arrived a day late but in good condition.",
 "Can you explain the new tariff to me?",
 "I was on hold for twenty minutes before anyone answered.",
 "The agent was polite but did not know the answer.",
 "I moved house and need to update my address.",
 "The court date for my football match clashes with the appointment.",
 "I watched a news story about broadband speeds and wanted to check mine.",
 "The legal small print on the contract is hard to read.",
 "My daughter set up the account for me and it works fine.",
 "I share the account with my partner; please add her name.",
 "The website said my password had expired, so I reset it.",
 "I'm not vulnerable, just busy, so please email me instead.",
 "No need to involve anyone else, I just want the charge reversed.",
 "The letter about data protection was clear and useful.",
 "I'd rate the service four out of five.",
 "Please call me back after 5 pm.",
 "The direct debit was taken twice this month.",
 "The chat adviser kept me updated throughout.",
 "I'm happy to pay the balance once it's corrected.",
 "Great service as always, thank you.",
 "The queue message said I was number three.",
 "The store staff told me to contact you online.",
 "I read on your social media page that there was an outage.",
 "My previous complaint was handled well.",
 "The form would not let me upload a photo.",
]


def test_markers_on_held_out_sentences():
    from csperf_lib.methods.escalations import marker_hits
    from csperf_lib.methods.markers import load_markers

    texts = pd.Series([t for t, _ in HELD_OUT_RISKY] + HELD_OUT_ORDINARY, dtype="string")
    hits = marker_hits(texts, markers=load_markers())
    n = len(HELD_OUT_RISKY)
    recall = sum(bool(hits.iloc[i][kind]) for i, (_, kind) in enumerate(HELD_OUT_RISKY)) / n
    false_positive_rate = hits.iloc[n:].any(axis=1).mean()
    print(f"held-out recall {recall:.0%}, false-positive rate {false_positive_rate:.1%}")
    assert recall >= 0.75 and false_positive_rate <= 0.10
