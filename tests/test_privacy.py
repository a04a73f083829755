"""Redaction recall/precision on planted corpora, masks, series helpers and pseudonymisation."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csperf_lib.methods.privacy import (
    PII_KINDS,
    contains_pii,
    pseudonymise,
    pseudonymise_series,
    redact,
    redact_series,
)

# (sentence, planted values, kinds that must be reported)
PLANTED: list[tuple[str, list[str], set[str]]] = [
    # social-media handles (issue 18): people, so personal data in every output
    ("@united my bag never arrived at ORD", ["@united"], {"handle"}),
    ("Thanks @Jane_Doe99 for sorting it, ^KS", ["@Jane_Doe99"], {"handle"}),
    ("RT @AcmeHelp: we are looking into it", ["@AcmeHelp"], {"handle"}),
    # phones: UK
    ("Please call me back on +44 7700 900123 after lunch.", ["+44 7700 900123"], {"phone"}),
    ("My mobile is 07700 900123 if the line drops.", ["07700 900123"], {"phone"}),
    ("You can reach the office on (020) 7946 0018.", ["(020) 7946 0018"], {"phone"}),
    ("The Manchester branch number is 0161 496 0000.", ["0161 496 0000"], {"phone"}),
    ("Customer gave 07700900123 as a contact number.", ["07700900123"], {"phone"}),
    (
        "Landline 020 7946 0018, mobile +447700900456.",
        ["020 7946 0018", "+447700900456"],
        {"phone"},
    ),
    (
        "Ring +44 (0)20 7946 0999 and ask for billing.",
        ["+44 (0)20 7946 0999", "7946 0999"],
        {"phone"},
    ),
    (
        "She called from 0044 7700 900789 yesterday at 10:30.",
        ["0044 7700 900789", "900789"],
        {"phone"},
    ),
    ("Best number is 01632 960123 in the evenings.", ["01632 960123", "960123"], {"phone"}),
    ("Text me on 07700-900-321 please.", ["07700-900-321", "900-321"], {"phone"}),
    # phones: international
    ("Our US office is on +1 415 555 0132.", ["+1 415 555 0132", "555 0132"], {"phone"}),
    ("The Paris team: +33 1 23 45 67 89.", ["+33 1 23 45 67 89", "45 67 89"], {"phone"}),
    ("He called from (415) 555-0199 twice.", ["(415) 555-0199", "555-0199"], {"phone"}),
    ("Call 415-555-0143 for the US helpdesk.", ["415-555-0143"], {"phone"}),
    ("Contact +49 30 1234 5678 in Berlin.", ["+49 30 1234 5678", "1234 5678"], {"phone"}),
    ("Try +1 (212) 555-0175 before 5pm EST.", ["+1 (212) 555-0175", "555-0175"], {"phone"}),
    ("My Irish number is +353 87 123 4567.", ["+353 87 123 4567", "123 4567"], {"phone"}),
    # e-mails
    (
        "Send the refund confirmation to jane.doe@example.com please.",
        ["jane.doe@example.com"],
        {"email"},
    ),
    (
        "My email is J.Bloggs+billing@mail.example.co.uk.",
        ["J.Bloggs+billing@mail.example.co.uk"],
        {"email"},
    ),
    ("Reply to support_team@acme-corp.org, not me.", ["support_team@acme-corp.org"], {"email"}),
    (
        "Customer wrote from tom_smith1987@gmail.com at 14:05.",
        ["tom_smith1987@gmail.com"],
        {"email"},
    ),
    ("Emails: a.b@example.net; c-d@example.io.", ["a.b@example.net", "c-d@example.io"], {"email"}),
    ("<sarah.o'neil@example.ie> complained again.", ["o'neil@example.ie"], {"email"}),
    # cards (Luhn-valid test numbers)
    (
        "Card number 4111 1111 1111 1111 was declined.",
        ["4111 1111 1111 1111", "1111 1111 1111"],
        {"card"},
    ),
    ("I paid with 5555-5555-5555-4444 last week.", ["5555-5555-5555-4444"], {"card"}),
    ("Amex 3782 822463 10005 was charged twice.", ["3782 822463 10005"], {"card"}),
    ("Card 4012888888881881 expired.", ["4012888888881881"], {"card"}),
    ("Used card 6011 1111 1111 1117 for the order.", ["6011 1111 1111 1117"], {"card"}),
    ("Visa 4242424242424242 exp 12/27.", ["4242424242424242"], {"card"}),
    ("The 13-digit card 4222222222222 was rejected.", ["4222222222222"], {"card"}),
    ("Mastercard 5105 1051 0510 5100, charged £12.99.", ["5105 1051 0510 5100"], {"card"}),
    # IBAN
    (
        "Please refund to IBAN GB82 WEST 1234 5698 7654 32.",
        ["GB82 WEST 1234 5698 7654 32", "5698 7654"],
        {"iban"},
    ),
    ("IBAN GB82WEST12345698765432 belongs to my husband.", ["GB82WEST12345698765432"], {"iban"}),
    (
        "My German account DE89 3704 0044 0532 0130 00 is fine.",
        ["DE89 3704 0044 0532 0130 00", "0532 0130"],
        {"iban"},
    ),
    ("Transfer to FR1420041010050500013M02606 failed.", ["FR1420041010050500013M02606"], {"iban"}),
    # sort codes and accounts
    ("Sort code 12-34-56, thanks.", ["12-34-56"], {"sort_code"}),
    ("My sort code is 40 47 84 and the branch is local.", ["40 47 84"], {"sort_code"}),
    ("Sort code: 200000 for Barclays.", ["200000"], {"sort_code"}),
    ("Account number 12345678 was debited.", ["12345678"], {"account"}),
    ("Acc no. 87654321, sort code 60-16-13.", ["87654321", "60-16-13"], {"account", "sort_code"}),
    ("Pay into 12-34-56 31926819 by Friday.", ["12-34-56", "31926819"], {"account", "sort_code"}),
    ("My a/c is 44556677 with Lloyds.", ["44556677"], {"account"}),
    ("The account ending in 00112233 was closed.", ["00112233"], {"account"}),
    # UK postcodes
    ("Deliver to 10 Downing Street, London SW1A 2AA.", ["SW1A 2AA"], {"postcode"}),
    ("The store at M1 1AE is closed on Sunday.", ["M1 1AE"], {"postcode"}),
    ("My postcode is SW1A 1AA.", ["SW1A 1AA"], {"postcode"}),
    ("Returns go to EC1A1BB by courier.", ["EC1A1BB"], {"postcode"}),
    ("Flat 2, 5 High St, Leeds LS1 4AP.", ["LS1 4AP"], {"postcode"}),
    ("Postcode B33 8TH, but the parcel went to CR2 6XH.", ["B33 8TH", "CR2 6XH"], {"postcode"}),
    ("I live in DN55 1PT near the station.", ["DN55 1PT"], {"postcode"}),
    # US ZIP
    ("Ship to 350 Fifth Avenue, New York, NY 10001.", ["10001"], {"zip"}),
    ("Our billing address is 1 Market St, San Francisco, CA 94105-1234.", ["94105-1234"], {"zip"}),
    ("Zip code 60614 is wrong on the invoice.", ["60614"], {"zip"}),
    ("Address: 100 Main St, Austin, TX 78701.", ["78701"], {"zip"}),
    ("The ZIP: 02134 was mistyped.", ["02134"], {"zip"}),
    ("Mail went to 30301-0001 instead.", ["30301-0001"], {"zip"}),
    # URLs
    (
        "See https://www.example.com/account/orders?id=991 for details.",
        ["https://www.example.com/account/orders?id=991", "example.com"],
        {"url"},
    ),
    (
        "I followed http://bit.ly/3xYzAbC and got a virus.",
        ["http://bit.ly/3xYzAbC", "bit.ly"],
        {"url"},
    ),
    (
        "Go to www.acme-store.co.uk/returns.",
        ["www.acme-store.co.uk/returns", "acme-store"],
        {"url"},
    ),
    ("The form at acme.com/complaints is broken.", ["acme.com/complaints"], {"url"}),
    (
        "My profile is https://facebook.com/jane.doe.1990, check it.",
        ["https://facebook.com/jane.doe.1990", "jane.doe"],
        {"url"},
    ),
    # mixed
    (
        "Jane (jane@example.com, 07700 900123) at SW1A 1AA paid with 4111-1111-1111-1111.",
        ["jane@example.com", "07700 900123", "SW1A 1AA", "4111-1111-1111-1111"],
        {"email", "phone", "postcode", "card"},
    ),
    (
        "Refund £45.00 to GB82 WEST 1234 5698 7654 32 or sort code 12-34-56 acc 12345678.",
        ["GB82 WEST 1234 5698 7654 32", "12-34-56", "12345678"],
        {"iban", "sort_code", "account"},
    ),
    (
        "Called +1 415 555 0132 on 12/03/2026 at 10:30 from CA 94105.",
        ["+1 415 555 0132", "94105"],
        {"phone", "zip"},
    ),
    (
        "Order ORD-2026-00123 tracking at https://track.example.com/ORD-2026-00123, phone 0161 496 0000.",
        ["https://track.example.com/ORD-2026-00123", "0161 496 0000"],
        {"url", "phone"},
    ),
]

CLEAN: list[str] = [
    "Meet @ 3pm at the desk, flight UA1234 was delayed by 45 minutes.",
    "The call started at 10:30 and ended at 10:52.",
    "Customer called on 12/03/2026 about a late delivery.",
    "The item cost £12.99 including VAT.",
    "Refund of $1,250.00 was approved by the team lead.",
    "Order ORD-2026-00123 was dispatched yesterday.",
    "Reference number REF-884512 has been escalated.",
    "Average handle time was 2:35 this week.",
    "First contact resolution improved to 78.5%.",
    "She ordered 3 boxes of 24 items each.",
    "He had to call 3 times before anyone answered.",
    "Order id 4111 1111 1111 1112 is not a card number.",
    "Internal ticket 1234567812345678 needs a manager.",
    "The queue had 145 calls waiting at 09:00.",
    "Service level was 80/20 for most of March.",
    "Complaint ticket INC0012345 was closed on 2026-03-12.",
    "Wait time averaged 4 minutes 12 seconds.",
    "The price went up from £9.99 to £11.49.",
    "We received 1,024 emails and 312 chats on Monday.",
    "Case 55123 was reopened after 48 hours.",
    "CSAT was 4.2 out of 5 in Q1 2026.",
    "Shift runs 08:00-16:30 on weekdays.",
    "NPS rose from -12 to +8 after the fix.",
    "Agents handled 1500 contacts in week 11.",
    "The parcel weighed 2.5 kg and cost €7.50 to post.",
    "Invoice INV/2026/0456 was paid in full.",
    "The customer waited 20 to 25 minutes on hold.",
    "Discount code SPRING20 gives 20% off.",
    "Call back scheduled for 15:45 on 14/03/2026.",
    "Product SKU 100-2045-XL is out of stock.",
    "Abandon rate fell to 3.4% in February.",
    "Order number 20260312-0042 was delayed twice.",
    "Ticket #48213 is waiting on the courier.",
    "The router model AX3000 keeps rebooting.",
    "Firmware 2.4.1 fixed the connection issue.",
    "Agent 17 took 62 calls during the 8 hour shift.",
    "Handle time target is 360 seconds per call.",
    "The refund of 49.99 was issued on 03/04/2026.",
    "Version 10.2 of the app crashes on login.",
    "Customer was charged twice, £25 and £25.",
    "Backlog dropped from 1,200 to 850 cases.",
    "Queue 4 had a service level of 92.3%.",
    "Order placed 11:02, confirmed 11:05, shipped 16:40.",
    "Contract term is 24 months at £30 per month.",
    "The outage lasted 1h 45m on 2026-02-28.",
    "We aim to reply within 2 working days.",
    "Promised callback between 9 and 11 am.",
    "The TV is a 55 inch model bought for $499.99.",
    "Tracking number 1Z999AA10123456784 shows no movement.",
    "Batch 2026-W11 contained 3,456 surveys.",
    "The customer is 72 years old and needs extra help.",
    "The bill for March was £102.37, up 5%.",
    "Agent scored 9/10 on the quality form.",
    "Return authorised under RMA 778812.",
    "Train delayed by 35 mins, refund under Delay Repay 15.",
    "She was on hold for 00:14:32 before disconnecting.",
    "Complaint ID 2026-000123 was logged by phone.",
    "Meter reading was 04512 on the last bill.",
    "Broadband speed dropped to 12.5 Mbps at 19:00.",
    "Store 0042 reported 18 returns today.",
    "Overall 1,234,567 interactions were analysed in 2025.",
    "The loan is for £5,000 over 36 months at 6.9% APR.",
    "Please allow 5-7 working days for the refund.",
    "Quarter ran from 01/01/2026 to 31/03/2026.",
    "Customer had 3 orders: ORD-2026-00123, ORD-2026-00124 and ORD-2026-00125.",
]

MASKED: list[str] = [
    "On XX/XX/2019 I called the bank about my account.",
    "They charged me {$XXXX} without notice.",
    "My card ending XXXX XXXX XXXX 1234 was used.",
    "I wrote to XXXX XXXX at XXXX on XX/XX/XXXX.",
    "Account XXXXXXXX was closed on XX/XX/2019.",
    "Call XXX-XXX-XXXX or write to XXXX, XXXX XXXXX.",
]


def _recall_failures() -> list[tuple[str, str, str]]:
    failures = []
    for sentence, values, _ in PLANTED:
        out = redact(sentence)
        failures += [(sentence, v, out) for v in values if v in out]
    return failures


def test_corpora_are_large_enough_and_cover_every_kind():
    assert len(PLANTED) >= 60 and len(CLEAN) >= 60
    covered = set().union(*(kinds for _, _, kinds in PLANTED))
    assert covered == set(PII_KINDS)


def test_recall_every_planted_value_is_removed(record_property):
    failures = _recall_failures()
    n_values = sum(len(values) for _, values, _ in PLANTED)
    recall = 1 - len(failures) / n_values
    record_property("redaction_recall", recall)
    print(
        f"redaction recall: {recall:.1%} of {n_values} planted values in {len(PLANTED)} sentences"
    )
    assert failures == []


@pytest.mark.parametrize(("sentence", "values", "kinds"), PLANTED)
def test_planted_kinds_are_reported(sentence, values, kinds):
    assert set(contains_pii(sentence)) == kinds
    out = redact(sentence)
    for kind in kinds:
        assert f"[{kind.upper()}]" in out
    assert contains_pii(out) == []  # nothing left to find
    assert redact(out) == out  # idempotent


def test_precision_ordinary_text_is_left_alone(record_property):
    changed = [(s, redact(s)) for s in CLEAN if redact(s) != s]
    precision = 1 - len(changed) / len(CLEAN)
    record_property("redaction_precision", precision)
    print(
        f"redaction precision: {precision:.1%} of {len(CLEAN)} clean sentences unchanged; changed: {changed}"
    )
    assert precision >= 0.95


@pytest.mark.parametrize("sentence", MASKED)
def test_existing_masks_are_left_as_is(sentence):
    assert redact(sentence) == sentence
    assert contains_pii(sentence) == []


def test_luhn_invalid_number_is_not_a_card():
    assert redact("id 4111 1111 1111 1112") == "id 4111 1111 1111 1112"
    assert redact("id 4111 1111 1111 1111") == "id [CARD]"
    # an IBAN with a wrong check digit is not an IBAN
    assert "[IBAN]" not in redact("GB83 WEST 1234 5698 7654 32")


def test_zip_rule_needs_context():
    assert redact("Order 10001 shipped") == "Order 10001 shipped"
    assert redact("Price 94105 yen") == "Price 94105 yen"
    assert redact("New York, NY 10001") == "New York, NY [ZIP]"
    assert redact("ref 94105-1234") == "ref [ZIP]"


def test_missing_values_pass_through_and_non_strings_are_converted():
    assert redact(None) is None
    assert math.isnan(redact(float("nan")))
    assert redact(pd.NA) is pd.NA
    assert redact(4111111111111111) == "[CARD]"
    assert contains_pii(None) == []


def test_redact_series_does_not_mutate_and_keeps_index():
    s = pd.Series(
        ["mail a@b.com", None, "mail a@b.com", "fine at 10:30", float("nan")],
        index=[10, 11, 12, 13, 14],
        name="text",
    )
    before = s.copy()
    out = redact_series(s)
    pd.testing.assert_series_equal(s, before)
    assert out[[10, 12, 13]].tolist() == ["mail [EMAIL]", "mail [EMAIL]", "fine at 10:30"]
    assert out[[11, 14]].isna().all()
    assert list(out.index) == [10, 11, 12, 13, 14] and out.name == "text"
    assert redact_series(pd.Series([], dtype=object)).empty
    typed = pd.Series(["call 07700 900123", pd.NA], dtype="string")
    out = redact_series(typed)
    assert out.dtype == typed.dtype and out.iloc[0] == "call [PHONE]" and pd.isna(out.iloc[1])
    mixed = pd.Series([4111111111111111, "ok", None], dtype=object)
    assert redact_series(mixed).tolist() == ["[CARD]", "ok", None]


def test_exported_report_contains_no_planted_value(tmp_path):
    from csperf_lib.core.exports import write_csv

    frame = pd.DataFrame({"narrative": [s for s, _, _ in PLANTED]})
    path = write_csv(frame.assign(narrative=redact_series(frame["narrative"])), tmp_path / "r.csv")
    text = path.read_text(encoding="utf-8-sig")
    leaked = [v for _, values, _ in PLANTED for v in values if v in text]
    assert leaked == []


def test_pseudonymise_is_stable_keyed_and_prefixed():
    a = pseudonymise("AGENT-0042", key="k1")
    assert a == pseudonymise("AGENT-0042", key=b"k1") == pseudonymise(" AGENT-0042 ", key="k1")
    assert a.startswith("P-") and len(a) == 10
    int(a[2:], 16)
    assert pseudonymise("AGENT-0042", key="k2") != a
    assert pseudonymise("AGENT-0043", key="k1") != a
    assert pseudonymise("AGENT-0042", key="k1", prefix="A-", length=12).startswith("A-")
    assert len(pseudonymise("x", key="k1", length=12)) == 14
    assert pseudonymise(None, key="k1") is None
    # a known value pins the construction (HMAC-SHA256, hex, truncated)
    import hashlib
    import hmac

    expected = hmac.new(b"k1", b"AGENT-0042", hashlib.sha256).hexdigest()[:8]
    assert a == "P-" + expected


@pytest.mark.parametrize("key", ["", b""])
def test_pseudonymise_requires_a_key(key):
    with pytest.raises(ValueError):
        pseudonymise("AGENT-1", key=key)
    with pytest.raises(ValueError):
        pseudonymise_series(pd.Series([], dtype=object), key=key)


def test_pseudonymise_series():
    s = pd.Series(["C1", "C2", "C1", None], name="customer")
    before = s.copy()
    out = pseudonymise_series(s, key="secret")
    pd.testing.assert_series_equal(s, before)
    assert out.iloc[0] == out.iloc[2] == pseudonymise("C1", key="secret")
    assert out.iloc[1] != out.iloc[0]
    assert pd.isna(out.iloc[3]) and out.name == "customer"


def test_references_shaped_like_phone_numbers_are_not_redacted_as_phones():
    """Issue 18: identifiers that are not personal data (bag tags, order, ticket, flight and case
    numbers) are not redacted as phone numbers; a phone number beside them still is."""
    from csperf_lib.methods.privacy import redact

    for text in ("bag tag 0016 123456 lost at Heathrow", "order no. 01234 567890 never came",
                 "ticket #: 0167 234 5678", "Flight 0123 456 789 was cancelled", "case 617 555 0199"):
        assert redact(text) == text, text
    assert redact("my number is 0161 496 0123, order 4411") == "my number is [PHONE], order 4411"
    assert redact("reach me at 617 555 0199 about booking 77") == "reach me at [PHONE] about booking 77"
