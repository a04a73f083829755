"""Complaints analysis: hand-computed Pareto, timeliness (open-but-overdue are breaches, pending
are not judged), upheld Wilson interval against Newcombe (1998), pseudonymised repeat
complainants, config validation, segment differences under FDR control, inputs never mutated."""

from __future__ import annotations

import copy
import json
import math
import re
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import shared_path
from scipy import stats as sps

from csperf_lib.core.errors import ConfigError
from csperf_lib.methods.complaint_review import complaints_review, summary_entries
from csperf_lib.methods.complaints import (
    DEFAULT_ACKNOWLEDGE_S,
    DEFAULT_RESOLVE_S,
    NOT_RECORDED,
    ComplaintTargets,
    data_as_of,
    duration_words,
    pareto,
    repeat_complainants,
    repeat_summary,
    segment_differences,
    timeliness,
    upheld_rate,
)
from csperf_lib.methods.privacy import pseudonymise
from csperf_lib.methods.stats import wilson_interval
from csperf_lib.report.plots import pareto_chart

KEY = "test-pseudonym-key"
DAY = 86_400.0


def ts(text):
    return pd.Timestamp(text) if text else pd.NaT


def complaints(rows: list[dict]) -> pd.DataFrame:
    """A canonical complaints frame from short row dicts (missing columns filled with NA)."""
    frame = pd.DataFrame(rows)
    out = pd.DataFrame({"complaint_id": [f"K{i + 1}" for i in range(len(frame))]}, dtype="string")
    for column in ("received_at", "acknowledged_at", "resolved_at"):
        values = frame[column] if column in frame else [None] * len(frame)
        out[column] = pd.Series([ts(v) for v in values], dtype="datetime64[ns]")
    for column in ("channel", "category", "queue", "region", "text", "customer_id"):
        values = frame[column] if column in frame else [None] * len(frame)
        out[column] = pd.Series(list(values), dtype="string")
    values = frame["upheld"] if "upheld" in frame else [None] * len(frame)
    out["upheld"] = pd.Series(list(values), dtype="boolean")
    return out


# The timeliness example, as of 2026-03-31 00:00 with the default targets (3 days, 8 weeks):
#   K1 acknowledged after 1 day, resolved after 10 days        -> ack within, resolve within
#   K2 acknowledged after 5 days, resolved after 70 days       -> ack late,   resolve late
#   K3 acknowledged after 1 day, still open after 80 days      -> ack within, resolve open overdue
#   K4 received 11 days before as_of, nothing yet              -> ack open overdue, resolve pending
#   K5 received 1 day before as_of, nothing yet                -> ack pending, resolve pending
#   K6 resolved after 1 day, never acknowledged separately     -> ack within (the final response
#                                                                 acknowledges), resolve within
TIMELINESS_ROWS = [
    {"received_at": "2026-01-01", "acknowledged_at": "2026-01-02", "resolved_at": "2026-01-11", "queue": "A"},
    {"received_at": "2026-01-01", "acknowledged_at": "2026-01-06", "resolved_at": "2026-03-12", "queue": "A"},
    {"received_at": "2026-01-10", "acknowledged_at": "2026-01-11", "queue": "B"},
    {"received_at": "2026-03-20", "queue": "B"},
    {"received_at": "2026-03-30", "queue": None},
    {"received_at": "2026-02-01", "resolved_at": "2026-02-02", "queue": "A"},
]
AS_OF = pd.Timestamp("2026-03-31")


@pytest.fixture
def timely():
    return complaints(TIMELINESS_ROWS)


# --------------------------------------------------------------------------------------------
# targets and config
# --------------------------------------------------------------------------------------------


def test_default_targets_are_three_days_and_eight_weeks():
    targets = ComplaintTargets()
    assert targets.acknowledge_s == DEFAULT_ACKNOWLEDGE_S == 259_200
    assert targets.resolve_s == DEFAULT_RESOLVE_S == 4_838_400  # FCA DISP 1.6.2R: 8 weeks
    assert targets.label("resolve") == "8 weeks" and targets.label("acknowledge") == "3 days"
    assert duration_words(36 * 3600) == "36 hours" and duration_words(1.5 * DAY) == "36 hours"
    assert duration_words(2.5 * DAY + 1) == "2.50 days"


@pytest.mark.parametrize(
    "raw",
    [
        {"complaints": {"acknowledge_within_days": 2, "resolve_within_days": 56}},  # whole config
        {"acknowledge_within_days": 2, "resolve_within_days": 56},  # the section itself
        SimpleNamespace(path="/x/review.yaml", raw={"tables": {}, "complaints": {"acknowledge_within_days": 2}}),
    ],
)
def test_targets_from_config(raw):
    targets = ComplaintTargets.from_config(raw)
    assert targets.acknowledge_s == 2 * DAY
    assert targets.resolve_s == 56 * DAY
    assert targets.required_share is None


def test_targets_from_config_defaults_and_required_share():
    assert ComplaintTargets.from_config(None) == ComplaintTargets()
    assert ComplaintTargets.from_config({"tables": {}}) == ComplaintTargets()
    assert ComplaintTargets.from_config({"required_share": 0.95}).required_share == 0.95
    assert ComplaintTargets.from_config({"acknowledge_within_days": 0.5}).acknowledge_s == 43_200


def test_config_reports_every_problem_at_once_with_its_key():
    raw = {
        "acknowledge_within_days": "three",
        "resolve_within_days": -1,
        "required_share": 1.5,
        "resolv_within_days": 5,
    }
    with pytest.raises(ConfigError) as caught:
        ComplaintTargets.from_config(raw, path="review.yaml")
    problems = caught.value.problems
    assert caught.value.path == "review.yaml"
    assert len(problems) == 4, problems
    assert any(p.startswith("complaints.resolv_within_days: unknown option") and "resolve_within_days" in p
               for p in problems)
    assert any(p.startswith("complaints.acknowledge_within_days:") for p in problems)
    assert any(p.startswith("complaints.resolve_within_days:") for p in problems)
    assert any(p.startswith("complaints.required_share:") for p in problems)


def test_config_rejects_booleans_inverted_targets_and_non_mappings():
    with pytest.raises(ConfigError) as caught:
        ComplaintTargets.from_config({"acknowledge_within_days": True})
    assert "acknowledge_within_days" in caught.value.problems[0]
    with pytest.raises(ConfigError) as caught:
        ComplaintTargets.from_config({"acknowledge_within_days": 60, "resolve_within_days": 56})
    assert caught.value.problems == [
        "complaints.acknowledge_within_days: 60 is longer than resolve_within_days (56); an "
        "acknowledgement comes before the final response"
    ]
    with pytest.raises(ConfigError):
        ComplaintTargets.from_config({"complaints": [3, 56]})
    with pytest.raises(ValueError, match="acknowledge_s"):
        ComplaintTargets(acknowledge_s=0)


# --------------------------------------------------------------------------------------------
# Pareto
# --------------------------------------------------------------------------------------------


def test_pareto_shares_cumulative_and_vital_few_by_hand():
    frame = complaints([{"category": c} for c in ["A"] * 5 + ["B"] * 3 + ["C", None]])
    result = pareto(frame)
    # ties (C and the missing one, 1 each) are ordered alphabetically: "(" sorts before "C"
    assert result["category"].tolist() == ["A", "B", NOT_RECORDED, "C"]
    assert result["count"].tolist() == [5, 3, 1, 1]
    assert result["share"].tolist() == pytest.approx([0.5, 0.3, 0.1, 0.1])
    assert result["cumulative_share"].tolist() == pytest.approx([0.5, 0.8, 0.9, 1.0])
    assert result["vital_few"].tolist() == [True, True, False, False]  # B reaches exactly 80 %
    low, high = wilson_interval(5, 10)
    assert (result.loc[0, "ci_low"], result.loc[0, "ci_high"]) == pytest.approx((low, high))


def test_pareto_vital_few_includes_ties_at_the_boundary_and_blank_is_not_recorded():
    frame = complaints([{"category": c} for c in ["A"] * 6 + ["B"] * 2 + ["C"] * 2 + ["  "]])
    result = pareto(frame).set_index("category")
    # A 6/11, B 8/11 (< 80 %), C 10/11 closes the vital few; nothing tied with C is left out
    assert result["vital_few"].to_dict() == {"A": True, "B": True, "C": True, NOT_RECORDED: False}
    tied = pareto(complaints([{"category": c} for c in ["A"] * 6 + ["B"] * 2 + ["C"] * 2]))
    assert tied["vital_few"].tolist() == [True, True, True]  # B closes 80 %; C ties with B


def test_pareto_within_segments_and_on_an_exploded_theme_frame():
    frame = complaints([
        {"category": "X", "queue": "Q1"}, {"category": "X", "queue": "Q1"},
        {"category": "Y", "queue": "Q1"}, {"category": "Y", "queue": "Q2"},
    ])
    result = pareto(frame, within="queue")
    q1 = result[result["queue"] == "Q1"]
    assert q1["category"].tolist() == ["X", "Y"]
    assert q1["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert result[result["queue"] == "Q2"]["share"].tolist() == [1.0]
    themes = pd.DataFrame({"complaint_id": ["K1", "K1", "K2", "K3"],
                           "theme": ["refund", "delay", "refund", None]})
    assert pareto(themes, by="theme")[["theme", "count"]].values.tolist() == [
        ["refund", 2], [NOT_RECORDED, 1], ["delay", 1]]
    assert pareto(frame.iloc[:0]).empty
    with pytest.raises(ValueError, match="theme"):
        pareto(frame, by="theme")


def test_pareto_chart_draws_bars_and_a_cumulative_line():
    frame = complaints([{"category": f"category {i % 20}"} for i in range(60)] + [{"category": "big"}] * 40)
    result = pareto(frame)
    ax = pareto_chart(result, max_bars=8)
    assert len(ax.patches) == 8  # 7 categories and one "Other" bar
    assert ax.get_xticklabels()[-1].get_text().startswith("Other (14")
    twin = [other for other in ax.figure.axes if other is not ax][0]
    line = twin.get_lines()[0]
    assert line.get_ydata()[-1] == pytest.approx(100.0)
    assert any(np.allclose(h.get_ydata(), 80) for h in twin.get_lines()[1:])
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="one Pareto"):
        pareto_chart(pareto(complaints([{"category": "a", "queue": "q"}]), within="queue"))


# --------------------------------------------------------------------------------------------
# timeliness
# --------------------------------------------------------------------------------------------


def test_timeliness_counts_open_overdue_as_breaches_and_leaves_pending_unjudged(timely):
    result = timeliness(timely, targets=ComplaintTargets(), as_of=AS_OF).set_index("measure")
    ack, res = result.loc["acknowledge"], result.loc["resolve"]
    # acknowledge: within K1 K3 K6, late K2, open overdue K4; pending K5
    assert (ack["n"], ack["within_target"], ack["n_late"], ack["n_open_overdue"], ack["n_pending"]) == (5, 3, 1, 1, 1)
    assert ack["rate"] == pytest.approx(0.6)
    assert (ack["ci_low"], ack["ci_high"]) == pytest.approx(wilson_interval(3, 5))
    # resolve: within K1 K6, late K2, open overdue K3; pending K4 K5
    assert (res["n"], res["within_target"], res["n_late"], res["n_open_overdue"], res["n_pending"]) == (4, 2, 1, 1, 2)
    assert res["rate"] == pytest.approx(0.5)
    # elapsed among completed: acknowledge 1, 5, 1, 1 days; resolve 10, 70, 1 days
    assert ack["median_s"] == 1 * DAY
    assert ack["p90_s"] == pytest.approx(3.8 * DAY)  # linear: 1 + 0.7 * (5 - 1)
    assert res["median_s"] == 10 * DAY
    assert np.isnan(ack["median_ci_low"])  # n = 4 is too few for a 95 % median interval
    assert (ack["target_s"], res["target_s"]) == (259_200, 4_838_400)
    assert (ack["n_invalid"], res["n_invalid"], ack["note"]) == (0, 0, "")


def test_timeliness_resolution_as_acknowledgement_can_be_switched_off(timely):
    result = timeliness(timely, targets=ComplaintTargets(), as_of=AS_OF, resolution_acknowledges=False)
    ack = result.set_index("measure").loc["acknowledge"]
    # K6 now has no acknowledgement and is 58 days old: a breach
    assert (ack["n"], ack["within_target"], ack["n_open_overdue"]) == (5, 2, 2)


def test_timeliness_as_of_defaults_to_the_latest_timestamp_and_can_rewind(timely):
    assert data_as_of(timely) == pd.Timestamp("2026-03-30")
    default = timeliness(timely, targets=ComplaintTargets())
    assert default.attrs["as_of"] == pd.Timestamp("2026-03-30")
    early = timeliness(timely, targets=ComplaintTargets(), as_of="2026-01-05").set_index("measure")
    # only K1 and K2 were received; K1's resolution and K2's acknowledgement had not happened
    assert early.loc["acknowledge", ["n", "within_target", "n_open_overdue"]].tolist() == [2, 1, 1]
    assert early.loc["resolve", ["n", "n_pending"]].tolist() == [0, 2]
    assert np.isnan(early.loc["resolve", "rate"]) and np.isnan(early.loc["resolve", "ci_low"])


def test_timeliness_by_segment_keeps_unrecorded_segments(timely):
    result = timeliness(timely, targets=ComplaintTargets(), by="queue", as_of=AS_OF)
    resolve = result[result["measure"] == "resolve"]
    assert resolve["queue"].tolist() == ["A", "B", NOT_RECORDED]
    assert resolve["n"].tolist() == [3, 1, 0]
    assert resolve["within_target"].tolist() == [2, 0, 0]
    assert resolve["n_pending"].tolist() == [0, 1, 1]
    assert resolve["n"].sum() == 4  # the segments add up to the whole


def test_timeliness_completion_before_receipt_is_invalid_not_judged():
    frame = complaints([
        {"received_at": "2026-01-10", "acknowledged_at": "2026-01-11", "resolved_at": "2026-01-09"},
        {"received_at": "2026-01-10", "acknowledged_at": "2026-01-09", "resolved_at": "2026-01-12"},
    ])
    result = timeliness(frame, targets=ComplaintTargets(), as_of="2026-01-20").set_index("measure")
    assert result.loc["resolve", ["n", "n_invalid"]].tolist() == [1, 1]
    # the second one's acknowledgement is impossible, but its final response two days later counts
    assert result.loc["acknowledge", ["n", "within_target", "n_invalid"]].tolist() == [2, 2, 0]


def test_timeliness_without_resolution_dates_says_not_available():
    frame = complaints([{"received_at": "2026-01-01", "acknowledged_at": "2026-01-02"}]).drop(columns="resolved_at")
    result = timeliness(frame, targets=ComplaintTargets()).set_index("measure")
    assert result.loc["acknowledge", "rate"] == 1.0
    assert result.loc["resolve", "n"] == 0 and np.isnan(result.loc["resolve", "rate"])
    assert "resolved_at" in result.loc["resolve", "note"]
    assert "cannot be measured" in result.loc["resolve", "note"]


# --------------------------------------------------------------------------------------------
# upheld rate
# --------------------------------------------------------------------------------------------


def test_upheld_rate_matches_newcombe_1998_table_i():
    # Newcombe RG (1998), Statistics in Medicine 17:857-872, Table I: 81/263, Wilson 0.2553-0.3662
    rows = [{"upheld": True}] * 81 + [{"upheld": False}] * 182 + [{"upheld": None}] * 10
    result = upheld_rate(complaints(rows)).iloc[0]
    assert (result["n"], result["upheld"], result["n_undecided"]) == (263, 81, 10)
    assert result["rate"] == pytest.approx(81 / 263)
    assert [round(result["ci_low"], 4), round(result["ci_high"], 4)] == [0.2553, 0.3662]


def test_upheld_rate_by_segment_and_when_not_recorded():
    frame = complaints([{"upheld": True, "region": "N"}, {"upheld": False, "region": "N"},
                        {"upheld": True, "region": None}, {"upheld": None, "region": "S"}])
    result = upheld_rate(frame, by="region")
    assert result["region"].tolist() == ["N", "S", NOT_RECORDED]
    assert result["n"].tolist() == [2, 0, 1] and result["upheld"].tolist() == [1, 0, 1]
    assert np.isnan(result.loc[1, "rate"])
    missing = upheld_rate(frame.drop(columns="upheld")).iloc[0]
    assert missing["n"] == 0 and "cannot be measured" in missing["note"]


# --------------------------------------------------------------------------------------------
# repeat complainants
# --------------------------------------------------------------------------------------------

REPEAT_ROWS = [
    {"received_at": "2026-01-01", "customer_id": "CUST-1", "category": "Billing"},
    {"received_at": "2026-01-10", "customer_id": " CUST-1", "category": "Delay"},
    {"received_at": "2026-03-01", "customer_id": "CUST-1", "category": "Billing"},
    {"received_at": "2026-01-05", "customer_id": "CUST-2", "category": "Staff"},
    {"received_at": "2026-01-01", "customer_id": "CUST-3", "category": "Delay"},
    {"received_at": "2026-02-15", "customer_id": "CUST-3", "category": None},
    {"received_at": "2026-02-20", "customer_id": None, "category": "Billing"},
]


def test_repeat_complainants_are_pseudonymised_and_counted():
    frame = complaints(REPEAT_ROWS)
    customers = repeat_complainants(frame, pseudonym_key=KEY)
    expected = {pseudonymise(c, key=KEY, prefix="C-", length=12): c for c in ("CUST-1", "CUST-2", "CUST-3")}
    assert set(customers["customer"]) == set(expected)
    first = customers.iloc[0]
    assert expected[first["customer"]] == "CUST-1"  # surrounding spaces ignored: 3 complaints
    assert first["complaints"] == 3 and first["repeat"]
    assert first["categories"] == "Billing; Delay"
    assert first["shortest_gap_days"] == pytest.approx(9.0)
    assert (first["first_received"], first["last_received"]) == (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-03-01"))
    summary = repeat_summary(frame, pseudonym_key=KEY)
    assert (summary.n_complainants, summary.n_repeat) == (3, 2)
    assert summary.rate == pytest.approx(2 / 3)
    assert (summary.ci_low, summary.ci_high) == pytest.approx(wilson_interval(2, 3))
    assert (summary.complaints_attributed, summary.complaints_unattributed, summary.complaints_from_repeaters) == (6, 1, 5)
    assert summary.note == ""


def test_repeat_window_counts_only_close_complaints():
    summary = repeat_summary(complaints(REPEAT_ROWS), pseudonym_key=KEY, window_days=14)
    # CUST-1's closest complaints are 9 days apart; CUST-3's only two are 45 days apart
    assert (summary.n_complainants, summary.n_repeat, summary.complaints_from_repeaters) == (3, 1, 3)
    with pytest.raises(ValueError, match="window_days"):
        repeat_complainants(complaints(REPEAT_ROWS), pseudonym_key=KEY, window_days=0)


def test_absent_or_empty_customer_id_gives_a_note_not_an_error():
    frame = complaints(REPEAT_ROWS)
    absent = repeat_summary(frame.drop(columns="customer_id"), pseudonym_key=KEY)
    assert "has no customer identifier" in absent.note and "`customer_id`" in absent.note
    assert absent.n_complainants == 0 and math.isnan(absent.rate) and absent.customers.empty
    empty = repeat_summary(frame.assign(customer_id=pd.Series([pd.NA] * len(frame), dtype="string")),
                           pseudonym_key=KEY)
    assert "never filled in" in empty.note
    assert repeat_complainants(frame.drop(columns="customer_id"), pseudonym_key=KEY).attrs["note"]
    no_key = repeat_summary(frame, pseudonym_key=None)
    assert "pseudonymisation key" in no_key.note and no_key.customers.empty


def test_raw_customer_ids_are_absent_from_every_output():
    frame = complaints([{**r, "queue": q, "region": g, "resolved_at": "2026-03-02", "upheld": True}
                        for r, q, g in zip(REPEAT_ROWS, "ABABABA", "NSNSNSN", strict=True)])
    review = complaints_review(frame, targets=ComplaintTargets(), pseudonym_key=KEY)
    texts = [json.dumps(summary_entries(review)), *review.findings, repr(review.totals)]
    frames = [review.pareto, review.timeliness, review.upheld, review.differences, review.repeat.customers,
              *review.timeliness_by.values(), *review.upheld_by.values()]
    texts += [f.to_csv() for f in frames]
    assert review.repeat.n_repeat == 2
    for text in texts:
        assert "CUST-" not in text


# --------------------------------------------------------------------------------------------
# segment differences
# --------------------------------------------------------------------------------------------


def test_segment_differences_fisher_bh_and_newcombe_difference_interval():
    rates = pd.DataFrame({
        "measure": ["m", "m"], "dimension": ["d", "d"], "segment": ["X", "Y"],
        "n": [70, 80], "successes": [56, 48],
    })
    result = segment_differences(rates).set_index("segment")
    x = result.loc["X"]
    assert (x["rest_n"], x["rest_successes"]) == (80, 48)
    assert x["difference"] == pytest.approx(0.2)
    # Newcombe RG (1998), Statistics in Medicine 17:873-890, example (a): 56/70 - 48/80,
    # method 10 (hybrid score) 0.0524 to 0.3339
    assert [round(x["difference_ci_low"], 4), round(x["difference_ci_high"], 4)] == [0.0524, 0.3339]
    assert x["p"] == pytest.approx(sps.fisher_exact([[56, 14], [48, 32]]).pvalue)
    # two tests of the same 2x2 table: BH leaves the common p-value as it is
    assert result["p_adjusted"].tolist() == pytest.approx(result["p"].tolist())


def test_segment_differences_skip_unrecorded_segments_but_keep_them_in_the_rest():
    rates = pd.DataFrame({
        "measure": ["m"] * 3, "dimension": ["d"] * 3, "segment": ["X", "Y", NOT_RECORDED],
        "n": [10, 10, 5], "successes": [5, 5, 5],
    })
    result = segment_differences(rates)
    assert result["segment"].tolist() == ["X", "Y"]
    assert result["rest_n"].tolist() == [15, 15]


def two_queue_frame(seed: int = 1) -> pd.DataFrame:
    """Queue B resolves half its complaints late, queue A none; regions are a random split."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(80):
        queue = "A" if i < 40 else "B"
        late = queue == "B" and i % 2 == 0
        received = pd.Timestamp("2026-01-01") + pd.Timedelta(hours=int(i))
        rows.append({
            "received_at": str(received),
            "acknowledged_at": str(received + pd.Timedelta(hours=20)),
            "resolved_at": str(received + pd.Timedelta(days=70 if late else 5)),
            "queue": queue,
            "region": str(rng.choice(["North", "South"])),
            "category": ["Billing", "Delay", "Staff"][i % 3],
            "upheld": bool(i % 2),
            "customer_id": f"CUST-{i % 60}",
        })
    rows.append({"received_at": "2026-03-20", "queue": "A", "region": "North", "category": None})
    return complaints(rows)


# --------------------------------------------------------------------------------------------
# the review and summary.json
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def queue_review():
    return complaints_review(two_queue_frame(), targets=ComplaintTargets(), pseudonym_key=KEY)


def test_review_reports_only_statistically_real_differences(queue_review):
    review = queue_review
    assert review.segments == ("queue", "region")
    significant = review.differences[review.differences["significant"]]
    assert set(zip(significant["measure"], significant["segment"], strict=True)) == {("resolve", "A"), ("resolve", "B")}
    shortfalls = [f for f in review.findings if "shortfall" in f]
    assert len(shortfalls) == 1 and "queue 'B'" in shortfalls[0]
    assert not any("region '" in f for f in review.findings)
    assert "Benjamini–Hochberg" in shortfalls[0] and "n = 40" in shortfalls[0]


def test_review_findings_carry_number_interval_and_n(queue_review):
    review = queue_review
    resolved = [f for f in review.findings if "resolved within 8 weeks" in f][0]
    assert re.match(r"^\d+ % of complaints were resolved within 8 weeks \(95 % CI \d+–\d+ %, n = 80\)\.", resolved)
    assert "1 more recent ones are not yet judged" in resolved
    upheld = [f for f in review.findings if "upheld" in f and "decided" in f][0]
    assert "n = 80" in upheld and "95 % CI" in upheld
    assert any("complained more than once" in f and "95 % CI" in f for f in review.findings)
    assert review.totals["complaints"] == 81 and review.totals["open"] == 1


def test_required_share_is_called_missed_only_when_the_interval_lies_below():
    frame = two_queue_frame()
    review = complaints_review(frame, targets=ComplaintTargets(required_share=0.95), pseudonym_key=KEY)
    resolved = [f for f in review.findings if "resolved within 8 weeks" in f][0]
    assert "below the required 95 %" in resolved  # 60/80 resolved in time: CI 64-83 %
    acknowledged = [f for f in review.findings if "acknowledged within" in f][0]
    assert "meets the required 95 %" in acknowledged  # 80/80: CI 95.4-100 %, all above 95 %
    lenient = complaints_review(frame, targets=ComplaintTargets(required_share=0.7), pseudonym_key=KEY)
    resolved = [f for f in lenient.findings if "resolved within 8 weeks" in f][0]
    assert "cannot show whether it is met" in resolved


def test_review_without_a_table_or_rows_gives_a_note():
    for frame, start in ((None, "No complaints table was supplied"), (complaints([]), "The complaints table has no rows")):
        review = complaints_review(frame, targets=ComplaintTargets(), pseudonym_key=KEY)
        assert review.note.startswith(start) and "cannot be analysed" in review.note
        assert review.findings == (review.note,)
        entry = summary_entries(review)["complaints"]
        assert entry["available"] is False
        json.dumps(entry, allow_nan=False)


def test_summary_entries_are_plain_json(queue_review):
    review = queue_review
    entry = summary_entries(review)["complaints"]
    text = json.dumps(entry, allow_nan=False)
    assert entry["available"] is True
    assert entry["timeliness"]["resolve"]["n"] == 80
    assert entry["timeliness"]["resolve"]["ci_low"] < entry["timeliness"]["resolve"]["rate"]
    assert entry["upheld"]["n"] == 80 and entry["repeat"]["n_complainants"] == 60
    assert entry["top_categories"][0]["category"] in {"Billing", "Delay", "Staff"}
    assert {d["segment"] for d in entry["significant_differences"]} == {"A", "B"}
    assert entry["totals"]["as_of"].startswith("2026-03-20")
    assert "NaN" not in text


def test_review_skips_segments_it_cannot_compare():
    frame = two_queue_frame().drop(columns="region").assign(channel="phone")
    review = complaints_review(frame, targets=ComplaintTargets(), by=("queue", "region", "channel"),
                               pseudonym_key=KEY, max_levels=1)
    assert review.segments == ()
    assert review.skipped_segments == {
        "queue": "2 distinct values, too many to compare one by one",
        "region": "not a column of the complaints table",
        "channel": "only one value in the data",
    }


# --------------------------------------------------------------------------------------------
# inputs are never mutated
# --------------------------------------------------------------------------------------------


def test_no_function_mutates_its_input():
    frame = two_queue_frame()
    frame.attrs["source"] = "test"
    before = copy.deepcopy(frame)
    targets = ComplaintTargets()
    pareto(frame)
    pareto(frame, within="queue")
    timeliness(frame, targets=targets, by="queue")
    upheld_rate(frame, by="region")
    repeat_complainants(frame, pseudonym_key=KEY, window_days=30)
    review = complaints_review(frame, targets=targets, pseudonym_key=KEY)
    rates = review.differences[["measure", "dimension", "segment", "n", "successes"]].copy()
    rates_before = rates.copy()
    segment_differences(rates)
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(rates, rates_before)
    assert frame.attrs == {"source": "test"}


# --------------------------------------------------------------------------------------------
# real data: the CFPB complaint sample (no resolution dates, no customer ids)
# --------------------------------------------------------------------------------------------


def test_cfpb_sample_runs_and_says_what_is_not_available():
    path = shared_path("real-data", "cfpb_complaints", "complaints_sample.csv")
    raw = pd.read_csv(path, skiprows=2)  # two stray lines of unzip output precede the header
    frame = pd.DataFrame({
        "complaint_id": raw["Complaint ID"].astype("string"),
        "received_at": pd.to_datetime(raw["Date received"]),
        "channel": raw["Submitted via"].astype("string"),
        "category": raw["Product"].astype("string"),
        "region": raw["State"].astype("string"),
        "acknowledged_at": pd.to_datetime(raw["Date sent to company"]),
    })
    review = complaints_review(frame, targets=ComplaintTargets(), pseudonym_key=KEY, max_levels=60)
    overall = review.timeliness.set_index("measure")
    assert overall.loc["acknowledge", "n"] == len(frame)
    assert 0.8 < overall.loc["acknowledge", "rate"] < 0.95
    # no resolution date at all: the target is said to be uncheckable once, not shown as an empty row
    assert "resolve" not in overall.index
    assert any("no resolution date" in f and "cannot be checked" in f for f in review.findings)
    assert review.pareto.iloc[0]["category"].startswith("Credit reporting")
    assert review.pareto["count"].sum() == len(frame)
    assert "has no customer identifier" in review.repeat.note
    assert review.skipped_segments == {"queue": "not a column of the complaints table"}
    json.dumps(summary_entries(review), allow_nan=False)
