"""Tests of the KPI catalogue and engine (csperf_lib.methods.kpis).

Hand-made frames with hand-computed values; intervals cross-checked with statsmodels and scipy;
the real PwC calls against an independent pandas reading of the raw Excel file; demo data from a
DuckDB store against the same tables passed as DataFrames, without pulling whole tables out.
"""

from __future__ import annotations

import json
import math

import ibis
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, load_into_store, shared_path
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from csperf_lib.core.errors import ConfigError
from csperf_lib.core.tables import empty_frame
from csperf_lib.methods.kpi_catalogue import (
    KpiDefinition,
    kpi_catalogue,
    kpi_definitions,
    kpi_options,
)
from csperf_lib.methods.kpis import (
    compute_kpi_breakdowns,
    compute_kpis,
    kpi_availability,
    kpi_summary_json,
)

CONTRACT_IDS = (
    "contacts_offered", "answer_rate", "abandonment_rate", "service_level", "asa_s", "aht_s",
    "talk_s", "fcr_rate", "transfer_rate", "escalation_rate", "csat_mean", "csat_top2box", "nps",
    "ces_mean", "qa_score_mean", "qa_critical_fail_rate", "complaints_per_1000",
    "complaint_ack_days", "complaint_resolution_days", "complaint_upheld_rate",
)  # fmt: skip
LOWER_IS_BETTER = (
    "abandonment_rate", "asa_s", "aht_s", "transfer_rate", "escalation_rate",
    "qa_critical_fail_rate", "complaints_per_1000", "complaint_ack_days",
    "complaint_resolution_days", "complaint_upheld_rate",
)  # fmt: skip
HIGHER_IS_BETTER = (
    "answer_rate", "service_level", "fcr_rate", "csat_mean", "csat_top2box", "nps", "ces_mean",
    "qa_score_mean",
)  # fmt: skip
RESULT = ["value", "ci_low", "ci_high", "n"]


# --- tiny hand-made tables ------------------------------------------------------------------------
def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """A canonical frame of ``table`` (canonical dtypes) holding ``rows``."""
    empty = empty_frame(table)
    data = pd.DataFrame(rows, columns=list(empty.columns))
    return data.astype(empty.dtypes.to_dict())


T, F, NA = True, False, None
# id, channel, queue, team, agent, arrived, wait, answered, abandoned, talk, hold, wrap, fcr, transferred, escalated
CONTACT_ROWS = [
    ("c1", "phone", "A", "T1", "a1", "2026-01-05 09:00", 10, T, F, 300, 0, 30, T, F, F),
    ("c2", "phone", "A", "T1", "a1", "2026-01-05 10:00", 25, T, F, 200, 20, 40, F, T, F),
    ("c3", "phone", "B", NA, NA, "2026-01-06 11:00", 3, F, T, NA, NA, NA, NA, NA, NA),
    ("c4", "phone", "B", NA, NA, "2026-01-12 09:00", 40, F, T, NA, NA, NA, NA, NA, NA),
    ("c5", "chat", "A", "T2", "a2", "2026-01-13 12:00", 15, T, F, 400, 60, 20, T, F, T),
    ("c6", "chat", "B", "T2", "a2", "2026-02-02 08:00", 20, T, F, 100, NA, 10, T, F, F),
    ("c7", "email", "A", "T1", "a1", "2026-02-03 09:00", 7200, T, F, 500, 0, 60, F, F, F),
    ("c8", "email", "B", NA, NA, "2026-02-04 09:00", NA, F, F, NA, NA, NA, NA, NA, NA),
]


def contacts() -> pd.DataFrame:
    names = [
        "contact_id", "channel", "queue", "team", "agent_id", "arrived_at", "wait_s", "answered",
        "abandoned", "talk_s", "hold_s", "wrap_s", "resolved_first_contact", "transferred",
        "escalated",
    ]  # fmt: skip
    rows = [dict(zip(names, r, strict=True)) for r in CONTACT_ROWS]
    for r in rows:
        r["arrived_at"] = pd.Timestamp(r["arrived_at"])
    return _frame("contacts", rows)


def surveys() -> pd.DataFrame:
    rows = [
        ("r1", "c1", "2026-01-05 12:00", 5, 10, 6),
        ("r2", "c2", "2026-01-06 08:00", 3, 7, 4),
        ("r3", "c5", "2026-01-14 08:00", 4, 9, None),
        ("r4", "c6", "2026-02-03 08:00", 2, 3, 2),
        ("r5", "c7", None, None, 8, 5),  # no response time: the contact's arrival is used
        ("r6", "zz", "2026-02-10 08:00", 1, 0, None),  # refers to no contact: no segment
    ]
    out = [
        {
            "response_id": a,
            "contact_id": b,
            "responded_at": pd.Timestamp(c) if c else pd.NaT,
            "csat": d,
            "nps": e,
            "ces": f,
        }
        for a, b, c, d, e, f in rows
    ]
    return _frame("surveys", out)


def qa() -> pd.DataFrame:
    rows = []
    evaluations = [
        (
            "E1",
            "c1",
            "a1",
            "2026-01-07 10:00",
            [("greet", 4, 5, F), ("idv", 1, 1, T), ("acc", 5, 5, T)],
        ),
        (
            "E2",
            "c5",
            "a2",
            "2026-01-15 10:00",
            [("greet", 3, 5, F), ("idv", 0, 1, T), ("acc", 4, 5, T)],
        ),
        ("E3", "c6", "a2", "2026-02-04 10:00", [("greet", 5, 5, NA)]),
    ]
    for ev, contact, agent, at, items in evaluations:
        for item, score, maximum, critical in items:
            rows.append(
                {
                    "evaluation_id": ev,
                    "contact_id": contact,
                    "agent_id": agent,
                    "evaluator_id": "q1",
                    "evaluated_at": pd.Timestamp(at),
                    "item": item,
                    "score": score,
                    "max_score": maximum,
                    "critical": critical,
                }
            )
    return _frame("qa_evaluations", rows)


def complaints() -> pd.DataFrame:
    ts = pd.Timestamp
    rows = [
        {
            "complaint_id": "k1",
            "received_at": ts("2026-01-06 10:00"),
            "channel": "phone",
            "queue": "A",
            "acknowledged_at": ts("2026-01-07 10:00"),
            "resolved_at": ts("2026-01-09 10:00"),
            "upheld": T,
        },
        {
            "complaint_id": "k2",
            "received_at": ts("2026-01-13 00:00"),
            "channel": "email",
            "queue": "B",
            "acknowledged_at": ts("2026-01-13 12:00"),
            "resolved_at": pd.NaT,
            "upheld": NA,
        },
        {
            "complaint_id": "k3",
            "received_at": ts("2026-02-03 00:00"),
            "channel": "phone",
            "queue": "A",
            "acknowledged_at": pd.NaT,
            "resolved_at": ts("2026-02-13 00:00"),
            "upheld": F,
        },
    ]
    return _frame("complaints", rows)


def tables(**replace) -> dict:
    out = {
        "contacts": contacts(),
        "surveys": surveys(),
        "qa_evaluations": qa(),
        "complaints": complaints(),
    }
    out.update(replace)
    return {k: v for k, v in out.items() if v is not None}


def row(frame: pd.DataFrame, kpi: str, **segments) -> pd.Series:
    sel = frame["kpi"] == kpi
    for col, value in segments.items():
        sel &= frame[col].isna() if value is None else frame[col] == value
    assert sel.sum() == 1, f"{kpi} {segments}: {sel.sum()} rows"
    return frame.loc[sel].iloc[0]


@pytest.fixture(scope="module")
def overall() -> pd.DataFrame:
    return compute_kpis(tables())


# --- catalogue -------------------------------------------------------------------------------------
def test_every_contract_kpi_is_in_the_catalogue_with_all_fields():
    cat = kpi_catalogue()
    assert set(CONTRACT_IDS) <= set(cat["id"])
    assert cat["id"].is_unique
    for col in (
        "name",
        "definition",
        "table",
        "kind",
        "unit",
        "unit_label",
        "direction",
        "ci",
        "applies_to",
        "requires",
    ):
        assert cat[col].astype(str).str.len().gt(0).all(), col
    assert not cat["definition"].str.contains(r"\{\w+\}").any()  # placeholders filled
    kinds = cat.set_index("id")
    assert (
        kinds.loc[["answer_rate", "fcr_rate", "csat_top2box", "complaint_upheld_rate"], "ci"]
        == "wilson"
    ).all()
    assert (kinds.loc[["asa_s", "aht_s", "csat_mean", "complaint_ack_days"], "ci"] == "t").all()
    assert kinds.loc["nps", "ci"] == "nps_multinomial"
    assert kinds.loc["complaints_per_1000", "ci"] == "poisson"
    assert kinds.loc["service_level", "unit"] == "proportion"
    assert all(isinstance(k, KpiDefinition) for k in kpi_definitions())


def test_directions():
    cat = kpi_catalogue().set_index("id")["direction"]
    assert (cat.loc[list(LOWER_IS_BETTER)] == "lower_is_better").all()
    assert (cat.loc[list(HIGHER_IS_BETTER)] == "higher_is_better").all()
    assert cat.loc["contacts_offered"] == "neutral"


def test_definitions_state_the_options_in_force():
    text = kpi_catalogue().set_index("id").loc["service_level", "definition"]
    assert "20 seconds" in text and "no abandoned contact is left out" in text
    config = {"kpis": {"service_level_threshold_s": 30, "exclude_short_abandons_s": 5}}
    text = kpi_catalogue(config).set_index("id").loc["service_level", "definition"]
    assert "30 seconds" in text and "less than 5 seconds are left out" in text


# --- values by hand ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kpi", "value", "n"),
    [
        ("contacts_offered", 8, 8),
        ("answer_rate", 5 / 8, 8),
        ("abandonment_rate", 2 / 6, 6),  # phone and chat only
        ("service_level", 3 / 6, 6),  # c1 (10 s), c5 (15 s), c6 (20 s: within means <=)
        ("asa_s", 17.5, 4),
        ("aht_s", (330 + 260 + 480 + 110 + 560) / 5, 5),  # c6 has no hold: counted as 0
        ("talk_s", 300, 5),
        ("fcr_rate", 3 / 5, 5),
        ("transfer_rate", 1 / 5, 5),
        ("escalation_rate", 1 / 5, 5),
        ("csat_mean", 3, 5),
        ("csat_top2box", 2 / 5, 5),
        ("nps", 0, 6),  # 2 promoters, 2 passives, 2 detractors
        ("ces_mean", 4.25, 4),
        ("qa_score_mean", 100 * (10 / 11 + 7 / 11 + 5 / 5) / 3, 3),
        ("qa_critical_fail_rate", 1 / 2, 2),  # E3 has no critical item
        ("complaints_per_1000", 3 / 8 * 1000, 8),
        ("complaint_ack_days", 0.75, 2),  # acknowledged only
        ("complaint_resolution_days", 6.5, 2),  # resolved only
        ("complaint_upheld_rate", 1 / 2, 2),  # decided only
    ],
)
def test_overall_values_by_hand(overall, kpi, value, n):
    got = row(overall, kpi)
    assert got["value"] == pytest.approx(value, rel=1e-12)
    assert got["n"] == n
    assert pd.isna(got["period"])


def test_intervals_match_statsmodels_and_scipy(overall):
    for kpi, x, n in (("answer_rate", 5, 8), ("abandonment_rate", 2, 6), ("csat_top2box", 2, 5)):
        low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
        got = row(overall, kpi)
        assert got["ci_low"] == pytest.approx(low, rel=1e-10)
        assert got["ci_high"] == pytest.approx(high, rel=1e-10)
    values = {"asa_s": [10, 25, 15, 20], "ces_mean": [6, 4, 2, 5], "complaint_ack_days": [1.0, 0.5]}
    for kpi, data in values.items():
        data = np.asarray(data, dtype=float)
        low, high = stats.t.interval(0.95, len(data) - 1, loc=data.mean(), scale=stats.sem(data))
        got = row(overall, kpi)
        assert (got["ci_low"], got["ci_high"]) == pytest.approx((low, high), rel=1e-10)
    # NPS 0 from (2, 2, 2): variance (p + d - (p - d)^2) / n = (2/3) / 6
    half = 100 * stats.norm.ppf(0.975) * math.sqrt((2 / 3) / 6)
    assert (row(overall, "nps")["ci_low"], row(overall, "nps")["ci_high"]) == pytest.approx(
        (-half, half)
    )
    # Garwood exact Poisson interval of 3 complaints, per 1000 of 8 contacts
    low, high = stats.chi2.ppf(0.025, 6) / 2, stats.chi2.ppf(0.975, 8) / 2
    got = row(overall, "complaints_per_1000")
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((low * 125, high * 125), rel=1e-10)
    assert np.isnan(row(overall, "contacts_offered")["ci_low"])  # a census count has no interval


def test_service_level_threshold_and_short_abandon_exclusion():
    base = compute_kpis(tables(), kpis=["service_level"])
    assert (base.loc[0, "value"], base.loc[0, "n"]) == (0.5, 6)
    excluded = compute_kpis(
        tables(), kpis=["service_level"], config={"kpis": {"exclude_short_abandons_s": 5}}
    )
    assert (excluded.loc[0, "value"], excluded.loc[0, "n"]) == (
        pytest.approx(3 / 5),
        5,
    )  # c3 abandoned at 3 s
    longer = compute_kpis(
        tables(), kpis=["service_level"], config={"kpis": {"service_level_threshold_s": 25}}
    )
    assert longer.loc[0, "value"] == pytest.approx(4 / 6)
    low, high = proportion_confint(3, 5, method="wilson")
    assert (excluded.loc[0, "ci_low"], excluded.loc[0, "ci_high"]) == pytest.approx((low, high))


def test_by_segment_and_period_is_tidy():
    frame = compute_kpis(tables(), by=("queue",), period="month")
    assert list(frame.columns) == ["kpi", "queue", "period", "value", "ci_low", "ci_high", "n", "sd"]
    assert not frame.duplicated(["kpi", "queue", "period"]).any()
    assert set(frame["period"].dropna().dt.strftime("%Y-%m-%d")) == {"2026-01-01", "2026-02-01"}
    assert frame["n"].dtype == "int64" and (frame["n"] > 0).all()
    assert (
        row(frame, "contacts_offered", queue="A", period=pd.Timestamp("2026-01-01"))["value"] == 3
    )
    assert row(frame, "answer_rate", queue="B", period=pd.Timestamp("2026-02-01"))["value"] == 0.5
    # complaints per 1000 in the same queue and month: A/Jan 1 of 3, B/Jan 1 of 2, A/Feb 1 of 1
    assert row(frame, "complaints_per_1000", queue="A", period=pd.Timestamp("2026-01-01"))[
        "value"
    ] == pytest.approx(1000 / 3)
    assert (
        row(frame, "complaints_per_1000", queue="B", period=pd.Timestamp("2026-02-01"))["value"]
        == 0
    )
    # surveys take queue and (when missing) time from the linked contact; r6 links to none
    assert row(frame, "csat_mean", queue="A", period=pd.Timestamp("2026-01-01"))["value"] == 4
    assert row(frame, "csat_mean", queue=None, period=pd.Timestamp("2026-02-01"))["value"] == 1
    assert row(frame, "nps", queue="A", period=pd.Timestamp("2026-02-01"))["n"] == 1  # r5 via c7
    weeks = compute_kpis(tables(), kpis=["contacts_offered"], period="week")
    assert list(weeks["period"].dt.strftime("%Y-%m-%d")) == [
        "2026-01-05",
        "2026-01-12",
        "2026-02-02",
    ]
    assert (weeks["period"].dt.day_of_week == 0).all()


def test_segment_missing_for_a_table_is_absent_with_reason():
    frame = compute_kpis(tables(), by=("team",))
    unavailable = frame.attrs["unavailable"]
    assert set(unavailable) == {
        "complaints_per_1000",
        "complaint_ack_days",
        "complaint_resolution_days",
        "complaint_upheld_rate",
        "complaints_received",
        "complaint_open_share",
        "complaint_forwarding_days",  # the fixture has no forwarding date
        "complaint_timely_rate",  # nor a timely flag
    }
    # the fixture's complaints link to no contact, so they have no team to inherit
    assert "segment team is empty" in unavailable["complaint_ack_days"]
    assert (
        row(frame, "contacts_offered", team=None)["value"] == 3
    )  # unanswered contacts have no team
    assert row(frame, "qa_score_mean", team="T2")["n"] == 2  # QA takes team from the contact
    with pytest.raises(ValueError, match="no supplied table has a column 'queu'.*queue"):
        compute_kpis(tables(), by=("queu",))
    with pytest.raises(ValueError, match="period"):
        compute_kpis(tables(), period="quarter")
    with pytest.raises(ValueError, match="unknown KPI id.*'answer_rate'"):
        compute_kpis(tables(), kpis=["answer_rat"])


def test_missing_tables_and_columns_are_absent_with_reasons():
    frame = compute_kpis(
        tables(
            surveys=None,
            complaints=None,
            contacts=contacts().drop(columns="hold_s").assign(escalated=pd.NA),
        )
    )
    reasons = frame.attrs["unavailable"]
    assert reasons["csat_mean"] == "no survey responses table is supplied"
    assert reasons["complaints_per_1000"] == "no complaints table is supplied"
    assert reasons["aht_s"] == "contacts has no column hold_s"
    assert reasons["escalation_rate"] == "contacts.escalated is empty (null in every row)"
    assert not set(reasons) & set(frame["kpi"])  # absent, never NaN-filled
    assert frame["value"].notna().all() and (frame["n"] > 0).all()
    availability = kpi_availability(
        tables(
            surveys=None,
            complaints=None,
            contacts=contacts().drop(columns="hold_s").assign(escalated=pd.NA),
        )
    )
    assert list(availability.columns) == ["kpi", "name", "available", "reason"]
    got = availability.set_index("kpi")
    assert got.loc["aht_s", "reason"] == reasons["aht_s"] and not got.loc["aht_s", "available"]
    assert got.loc["answer_rate", "available"] and got.loc["answer_rate", "reason"] == ""
    assert set(got.index[~got["available"]]) == set(reasons)


def test_no_rows_in_scope_is_absent_with_reason():
    open_only = complaints().assign(resolved_at=pd.NaT, upheld=pd.NA)
    frame = compute_kpis(
        tables(complaints=open_only), kpis=["complaint_resolution_days", "complaint_upheld_rate"]
    )
    assert frame.empty
    assert "resolved_at is empty" in frame.attrs["unavailable"]["complaint_resolution_days"]
    phone_less = contacts().assign(channel="email")
    frame = compute_kpis(tables(contacts=phone_less), kpis=["asa_s", "answer_rate"])
    assert list(frame["kpi"]) == ["answer_rate"]
    assert frame.attrs["unavailable"]["asa_s"].startswith("no rows to compute it from (n = 0")


def test_inputs_are_not_modified():
    given = tables()
    before = {k: v.copy() for k, v in given.items()}
    compute_kpis(given, by=("queue",), period="week")
    for name, frame in given.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_ibis_tables_and_plain_dtypes_are_accepted():
    plain = contacts().astype({"answered": object, "wait_s": object})
    plain["answered"] = plain["answered"].map(bool)
    frame = compute_kpis({"contacts": ibis.memtable(plain)}, kpis=["answer_rate", "asa_s"])
    assert row(frame, "answer_rate")["value"] == 5 / 8
    assert row(frame, "asa_s")["value"] == 17.5


# --- config --------------------------------------------------------------------------------------
def test_custom_kpis_from_the_config():
    config = {
        "kpis": {
            "custom": [
                {
                    "id": "hold_rate",
                    "name": "Contacts put on hold",
                    "table": "contacts",
                    "numerator": {"column": "hold_s", "gt": 0},
                    "denominator": {"column": "answered", "equals": True},
                    "direction": "lower_is_better",
                    "unit": "proportion",
                },
                {
                    "id": "hold_per_talk",
                    "name": "Hold seconds per talk second",
                    "table": "contacts",
                    "numerator": "hold_s",
                    "denominator": "talk_s",
                    "direction": "lower_is_better",
                },
                {
                    "id": "long_waits",
                    "name": "Long waits",
                    "table": "contacts",
                    "kind": "count",
                    "where": {"column": "wait_s", "gt": "service_level_threshold_s"},
                },
            ]
        }
    }
    frame = compute_kpis(tables(), kpis=["hold_rate", "hold_per_talk", "long_waits"], config=config)
    assert row(frame, "hold_rate")["value"] == pytest.approx(2 / 5)  # c2 and c5
    low, high = proportion_confint(2, 5, method="wilson")
    assert (row(frame, "hold_rate")["ci_low"], row(frame, "hold_rate")["ci_high"]) == pytest.approx(
        (low, high)
    )
    ratio = row(frame, "hold_per_talk")  # rows with both known: c1, c2, c5, c7
    assert ratio["value"] == pytest.approx(80 / 1400) and ratio["n"] == 4
    assert ratio["ci_low"] < ratio["value"] < ratio["ci_high"]
    assert row(frame, "long_waits")["value"] == 3  # 25, 40 and 7200 s
    cat = kpi_catalogue(config).set_index("id")
    assert (
        cat.loc["hold_rate", "origin"] == "config" and cat.loc["hold_rate", "kind"] == "proportion"
    )
    assert (
        cat.loc["hold_per_talk", "kind"] == "ratio"
        and cat.loc["hold_per_talk", "requires"] == "hold_s, talk_s"
    )
    assert "hold_s > 0" in cat.loc["hold_rate", "definition"]
    by_queue = compute_kpis(tables(), kpis=["hold_per_talk"], by="queue", config=config)
    assert row(by_queue, "hold_per_talk", queue="A")["value"] == pytest.approx(80 / 1400)


def test_grammar_any_in_and_channels_from_the_linked_contact():
    config = {
        "kpis": {
            "custom": [
                {
                    "id": "phone_csat",
                    "name": "CSAT of phone contacts",
                    "table": "surveys",
                    "kind": "mean",
                    "value": "csat",
                    "applies_to": ["phone"],
                    "direction": "higher_is_better",
                    "unit": "score_1_5",
                },
                {
                    "id": "a_or_slow",
                    "name": "Queue A or slow",
                    "table": "contacts",
                    "numerator": {
                        "any": [{"column": "queue", "in": ["A"]}, {"column": "wait_s", "ge": 40}]
                    },
                    "denominator": {"not": {"column": "channel", "not_in": ["phone", "chat"]}},
                },
            ]
        }
    }
    frame = compute_kpis(tables(), kpis=["phone_csat", "a_or_slow"], config=config)
    # r1 (5) and r2 (3) are phone; r6 links to no contact: unknown channel, kept (1); chat/email left out
    assert (row(frame, "phone_csat")["value"], row(frame, "phone_csat")["n"]) == (3, 3)
    # phone and chat contacts (6): queue A c1 c2 c5, or waited >= 40 s: c4
    assert row(frame, "a_or_slow")["value"] == pytest.approx(4 / 6)


def test_critical_pass_ratio_option():
    strict = compute_kpis(tables(), kpis=["qa_critical_fail_rate"])
    assert strict.loc[0, "value"] == 0.5
    lenient = compute_kpis(
        tables(), kpis=["qa_critical_fail_rate"], config={"kpis": {"qa_critical_pass_ratio": 0}}
    )
    assert (lenient.loc[0, "value"], lenient.loc[0, "n"]) == (0, 2)


def test_config_problems_are_all_reported_at_once():
    config = {
        "kpis": {
            "service_level_threshold_s": -1,
            "csat_top2box_min": "four",
            "exclude_short_abandon_s": 5,
            "custom": [
                {
                    "id": "Bad Id",
                    "name": "x",
                    "table": "contacts",
                    "numerator": {"column": "answered", "equals": True},
                },
                {
                    "id": "answer_rate",
                    "name": "dup",
                    "table": "contacts",
                    "numerator": {"column": "answered", "equals": True},
                },
                {
                    "id": "typo",
                    "name": "t",
                    "table": "contacts",
                    "numerator": {"column": "answred", "equals": True},
                    "denominator": {"column": "wait_s", "le": "threshold"},
                    "direction": "up",
                },
                {"id": "nope", "name": "n", "table": "calls"},
                {
                    "id": "bad_value",
                    "name": "b",
                    "table": "surveys",
                    "value": {"sum": ["csat"]},
                    "ci": "wilson",
                },
                {
                    "id": "bad_type",
                    "name": "b",
                    "table": "contacts",
                    "numerator": {"column": "channel", "equals": True},
                    "applies_to": ["fax"],
                },
            ],
        }
    }
    with pytest.raises(ConfigError) as info:
        kpi_options(config)
    problems = info.value.problems
    text = "\n".join(problems)
    expected = [
        "kpis.service_level_threshold_s:",
        "kpis.csat_top2box_min: must be a number",
        "kpis.exclude_short_abandon_s: unknown option (did you mean 'exclude_short_abandons_s'?)",
        "kpis.custom[0].id:",
        "kpis.custom[1].id: 'answer_rate' is a built-in KPI",
        "kpis.custom[2].numerator.column: 'answred' is not a column here (did you mean 'answered'?)",
        "kpis.custom[2].denominator.le: 'threshold' is neither a number nor an option",
        "kpis.custom[2].direction:",
        "kpis.custom[3].table: 'calls' is not a canonical table",
        "kpis.custom[4].value: give exactly one of",
        "kpis.custom[4].ci: a mean KPI takes t or none",
        "kpis.custom[5].numerator.equals: channel is a category column; compare it with text",
        "kpis.custom[5].applies_to:",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), f"{start!r} not in:\n{text}"
    with pytest.raises(ConfigError, match="kpis: must be a mapping"):
        kpi_options({"kpis": [1, 2]})


def test_options_defaults_and_a_bare_section():
    assert kpi_options({"service_level_threshold_s": 30})["service_level_threshold_s"] == 30
    with pytest.raises(ConfigError, match="kpis.threshold"):
        kpi_options({"threshold": 30})
    options = kpi_options(None)
    assert options["service_level_threshold_s"] == 20
    assert options["exclude_short_abandons_s"] is None
    assert options["csat_top2box_min"] == 4
    assert options.confidence == 0.95 and options.custom == ()


def test_confidence_option_and_summary_json():
    frame = compute_kpis(
        tables(),
        kpis=["answer_rate", "talk_s", "csat_mean"],
        by="queue",
        config={"kpis": {"confidence": 0.9}},
    )
    low, high = proportion_confint(1, 4, alpha=0.1, method="wilson")  # queue B: 1 of 4 answered
    got = row(frame, "answer_rate", queue="B")
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((low, high))
    frame = compute_kpis(tables(surveys=None), kpis=["answer_rate", "csat_mean"], period="month")
    records = kpi_summary_json(frame)
    json.dumps(records, allow_nan=False)
    first = records[0]
    assert first["kpi"] == "answer_rate" and first["period"] == "2026-01-01" and first["available"]
    assert first["unit"] == "proportion" and first["direction"] == "higher_is_better"
    assert records[-1] == {
        "kpi": "csat_mean",
        "name": "Customer satisfaction (mean)",
        "unit": "score_1_5",
        "direction": "higher_is_better",
        "available": False,
        "reason": "no survey responses table is supplied",
    }


def test_breakdowns_in_one_pass_equal_separate_calls():
    wanted = [
        ((), None),
        (("queue",), None),
        (("team",), "week"),
        ((), "month"),
        (("queue", "channel"), None),
    ]
    together = compute_kpi_breakdowns(tables(), breakdowns=wanted)
    assert list(together) == wanted
    for by, period in wanted:
        alone = compute_kpis(tables(), by=by, period=period)
        pd.testing.assert_frame_equal(together[(by, period)], alone, rtol=1e-12)
        assert together[(by, period)].attrs["unavailable"] == alone.attrs["unavailable"]


# --- real data: the PwC call-centre export ------------------------------------------------------
@pytest.fixture(scope="module")
def pwc():
    raw_path = shared_path("real-data", "pwc_callcentre", "call_center_dataset.xlsx")
    _, store = load_into_store(ROOT / "examples" / "pwc_callcentre_xlsx.yaml")
    yield store, pd.read_excel(raw_path)
    store.close()


PWC_KPIS = ["answer_rate", "asa_s", "talk_s", "fcr_rate", "csat_mean", "csat_top2box"]


def _pwc_expected(raw: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The six KPIs computed independently with pandas from the raw Excel columns."""
    d = pd.DataFrame(
        {
            "agent_id": raw["Agent"],
            "period": pd.to_datetime(raw["Date"]).dt.to_period("M").dt.start_time,
            "answered": raw["Answered (Y/N)"].eq("Y"),
            "resolved": raw["Resolved"].eq("Y"),
            "wait": raw["Speed of answer in seconds"],
            "talk": pd.to_timedelta(raw["AvgTalkDuration"].astype(str)).dt.total_seconds(),
            "csat": raw["Satisfaction rating"],
        }
    )
    answered = d[d["answered"]]
    rated = d[d["csat"].notna()]
    parts = {
        "answer_rate": d.groupby(keys)["answered"].agg(["mean", "size"]),
        "asa_s": answered.groupby(keys)["wait"].agg(["mean", "count"]),
        "talk_s": answered.groupby(keys)["talk"].agg(["mean", "count"]),
        "fcr_rate": answered.groupby(keys)["resolved"].agg(["mean", "size"]),
        "csat_mean": rated.groupby(keys)["csat"].agg(["mean", "size"]),
        "csat_top2box": rated.assign(top=rated["csat"] >= 4)
        .groupby(keys)["top"]
        .agg(["mean", "size"]),
    }
    frames = []
    for kpi, part in parts.items():
        part.columns = ["expected", "expected_n"]
        frames.append(part.reset_index().assign(kpi=kpi))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize(
    "by, period", [(("agent_id",), None), ((), "month"), (("agent_id",), "month")]
)
def test_pwc_kpis_equal_an_independent_pandas_computation(pwc, by, period):
    store, raw = pwc
    frame = compute_kpis(store, kpis=PWC_KPIS, by=by, period=period)
    assert frame.attrs["unavailable"] == {}
    keys = list(by) + (["period"] if period else [])
    expected = _pwc_expected(raw, keys)
    merged = frame.merge(expected, on=["kpi", *keys], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert len(merged) == len(expected) == len(frame)
    np.testing.assert_allclose(merged["value"], merged["expected"], rtol=1e-12, atol=0)
    assert (merged["n"] == merged["expected_n"]).all()
    assert (merged["ci_low"] <= merged["value"]).all() and (
        merged["value"] <= merged["ci_high"]
    ).all()


def test_pwc_kpis_that_the_export_cannot_give_are_absent_with_reasons(pwc):
    store, _ = pwc
    reasons = compute_kpis(store).attrs["unavailable"]
    assert reasons["aht_s"] == "contacts.hold_s is empty (null in every row)"
    assert reasons["nps"] == "surveys.nps is empty (null in every row)"
    assert reasons["qa_score_mean"] == "no QA evaluations table is supplied"
    assert reasons["transfer_rate"] == "contacts.transferred is empty (null in every row)"


# --- demo data: store vs DataFrames, aggregation stays in the engine ------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from csperf_lib.ingest.demo import generate_demo

    result = generate_demo(tmp_path_factory.mktemp("kpi_demo"), contacts=20_000, seed=7)
    _, store = load_into_store(result.config_path, f"duckdb://{result.out_dir / 'store.duckdb'}")
    frames = {
        name: store.to_pandas(name)
        for name in ("contacts", "surveys", "qa_evaluations", "complaints")
    }
    yield store, frames
    store.close()


def test_demo_store_equals_dataframes_without_pulling_tables(demo, monkeypatch):
    store, frames = demo
    from csperf_lib.ingest.store import Store

    def refuse(*args, **kwargs):
        raise AssertionError("compute_kpis pulled a whole table with Store.to_pandas")

    returned: list[int] = []
    execute = ibis.Table.execute

    def counting(self, *args, **kwargs):
        out = execute(self, *args, **kwargs)
        returned.append(len(out))
        return out

    monkeypatch.setattr(Store, "to_pandas", refuse)
    monkeypatch.setattr(ibis.Table, "execute", counting)
    for by, period in ((("queue", "channel"), "week"), (("agent_id",), "month")):
        from_store = compute_kpis(store, by=by, period=period)
        from_frames = compute_kpis(frames, by=by, period=period)
        assert from_store.attrs["unavailable"] == from_frames.attrs["unavailable"]
        pd.testing.assert_frame_equal(from_store, from_frames, rtol=1e-9)
    assert len(returned) >= 4 and max(returned) < 1_000  # only small aggregates came back
    assert store.count("contacts") > 19_000


def test_demo_breakdowns_in_one_pass_equal_separate_calls(demo):
    store, _ = demo
    wanted = [((), None), (("queue",), "week"), (("region", "channel"), "month")]
    together = compute_kpi_breakdowns(store, breakdowns=wanted)
    for by, period in wanted:
        pd.testing.assert_frame_equal(
            together[(by, period)], compute_kpis(store, by=by, period=period), rtol=1e-9
        )


def test_demo_kpis_match_pandas_and_the_planted_signal(demo):
    store, frames = demo
    c = frames["contacts"]
    frame = compute_kpis(
        store, kpis=["answer_rate", "aht_s", "service_level", "csat_mean"], by="region"
    )
    live = c[c["channel"].isin(["phone", "chat"])]
    sl = live.groupby("region").apply(
        lambda g: (g["answered"].fillna(False) & (g["wait_s"] <= 20)).mean()
    )
    for region, value in sl.items():
        assert row(frame, "service_level", region=region)["value"] == pytest.approx(
            value, rel=1e-12
        )
    answered = c[c["answered"].fillna(False)]
    handle = answered[["talk_s", "hold_s", "wrap_s"]].sum(axis=1, min_count=1)
    for region, value in handle.groupby(answered["region"]).mean().items():
        assert row(frame, "aht_s", region=region)["value"] == pytest.approx(value, rel=1e-12)
    # the planted signal: Scotland's mean CSAT is below the 4.0 target, the others' above
    csat = frame[frame["kpi"] == "csat_mean"].set_index("region")
    assert csat.loc["Scotland", "ci_high"] < 4.0
    others = csat[csat.index.notna() & (csat.index != "Scotland")]
    assert len(others) == 4 and (others["value"] > 4.0).all()


# --- the same KPIs on a PostgreSQL store ----------------------------------------------------------
try:  # a throw-away server, started by the fixture of the PostgreSQL store tests (skips without one)
    from test_postgres import PG_SUPERUSER, pg_server  # noqa: F401
except ImportError:  # pragma: no cover - that module changed: nothing to start a server with
    pg_server = None


@pytest.mark.postgres
@pytest.mark.skipif(pg_server is None, reason="tests/test_postgres.py no longer provides pg_server")
def test_postgres_store_gives_the_same_kpis_as_duckdb(pg_server):  # noqa: F811
    import psycopg

    from csperf_lib.ingest.store import Store

    with psycopg.connect(
        host="127.0.0.1",
        port=pg_server.port,
        user=PG_SUPERUSER,
        password=pg_server.password,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute("drop database if exists csperf_kpis")
        admin.execute("create database csperf_kpis")
    url = f"postgres://{PG_SUPERUSER}:{pg_server.password}@127.0.0.1:{pg_server.port}/csperf_kpis"
    wanted = [
        ((), None),
        (("queue",), "month"),
        (("team",), "week"),
        (("agent_id", "channel"), "day"),
    ]
    with Store(url) as pg, Store("duckdb://") as duck:
        for name, frame in tables().items():
            pg.write(name, frame)
            duck.write(name, frame)
        on_pg = compute_kpi_breakdowns(pg, breakdowns=wanted)
        on_duck = compute_kpi_breakdowns(duck, breakdowns=wanted)
    for key in wanted:
        assert on_pg[key].attrs == on_duck[key].attrs
        pd.testing.assert_frame_equal(on_pg[key], on_duck[key], rtol=1e-12)


def test_catalogue_options_are_the_config_models():
    """The catalogue's ``options`` (named by KPI filters) and the config model agree on every
    option's default and range: the model is what a config is checked against."""
    from csperf_lib.core.settings import KpisSettings
    from csperf_lib.methods.kpi_catalogue import _catalogue

    options = _catalogue().options
    assert set(options) == set(KpisSettings.model_fields) - {"custom"}
    schema = KpisSettings.model_json_schema()["properties"]
    for name, spec in options.items():
        assert KpisSettings.model_fields[name].default == spec["default"], name
        bounds = schema[name] if "anyOf" not in schema[name] else schema[name]["anyOf"][0]
        assert (bounds.get("minimum"), bounds.get("maximum")) == (spec.get("min"), spec.get("max")), name
