"""Tests of the demo data generator (csperf_lib.ingest.demo)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np
import pandas as pd
import pandera.errors
import pytest
from scipy.stats import poisson

from csperf_lib.core.config import load_config
from csperf_lib.core.errors import CsperfError
from csperf_lib.ingest.demo import DemoError, generate_demo
from csperf_lib.ingest.demo_scenario import FILE_NAMES
from csperf_lib.ingest.schemas import (
    ComplaintsModel,
    ContactsModel,
    QaEvaluationsModel,
    SurveysModel,
)

START = dt.date(2026, 1, 5)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return generate_demo(tmp_path_factory.mktemp("demo_small"), contacts=3_000, seed=11)


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """Big enough for the planted signals to be clear (about a second to generate)."""
    return generate_demo(tmp_path_factory.mktemp("demo_large"), contacts=100_000, seed=7)


def read_contacts(result) -> pd.DataFrame:
    df = pd.read_csv(result.files["contacts"], dtype=str, keep_default_na=False, na_values=[""])
    df["start"] = pd.to_datetime(df["Start Time"], format="%d/%m/%Y %H:%M:%S", errors="coerce")
    df["wait"] = pd.to_timedelta(df["Queue Time"], errors="coerce").dt.total_seconds()
    for col in ("Talk Time (s)", "Hold Time (s)", "ACW (s)"):
        df[col] = pd.to_numeric(df[col])
    return df


def read_surveys(result) -> pd.DataFrame:
    return pd.read_csv(result.files["surveys"], dtype={"Response ID": str, "Interaction Ref": str})


def read_qa(result) -> pd.DataFrame:
    return pd.read_csv(
        result.files["qa_evaluations"], dtype={"Evaluation ID": str, "Interaction ID": str}
    )


def read_complaints(result) -> pd.DataFrame:
    return pd.read_excel(result.files["complaints"], sheet_name="Complaints")


def week_of(ts: pd.Series) -> pd.Series:
    return (ts - pd.Timestamp(START)).dt.days // 7 + 1


def file_hashes(result) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(result.out_dir.iterdir())
        if p.is_file()
    }


# --- files, config, determinism -----------------------------------------------------------------
def test_files_exist_and_rows_match(small):
    assert set(small.files) == {"contacts", "surveys", "qa_evaluations", "complaints"}
    for table, path in small.files.items():
        assert path.is_file() and path.parent == small.out_dir
        assert path.name == FILE_NAMES[table]
    assert small.config_path == small.out_dir / "review.yaml" and small.config_path.is_file()
    assert json.loads((small.out_dir / "planted.json").read_text(encoding="utf-8")) == small.planted
    assert small.rows["contacts"] == 3_000
    assert len(read_contacts(small)) == small.rows["contacts"]
    assert len(read_surveys(small)) == small.rows["surveys"]
    assert len(read_qa(small)) == small.rows["qa_evaluations"]
    assert len(read_complaints(small)) == small.rows["complaints"]
    assert small.planted["rows"] == dict(small.rows)
    assert all(n > 0 for n in small.rows.values())


def test_config_loads_and_maps_every_column(small):
    config = load_config(small.config_path)
    assert config.organisation == "Northwind Contact Centre (demo)"
    assert config.reviewer == "Demo Reviewer"
    assert config.period_start == START
    assert config.period_end == START + dt.timedelta(days=7 * 12 - 1)
    assert config.validation.min_usable_share == 0.9
    assert set(config.tables) == set(small.files)
    frames = {
        "contacts": pd.read_csv(small.files["contacts"], dtype=str),
        "surveys": read_surveys(small),
        "qa_evaluations": read_qa(small),
        "complaints": read_complaints(small),
    }
    for table, spec in config.tables.items():
        assert spec.path == small.files[table]
        frame = frames[table]
        assert spec.mapped_source_columns <= set(frame.columns), table
        for col in spec.columns:
            if col.values:  # every value in the data is covered by the value mapping
                present = set(frame[col.column].dropna().astype(str))
                assert present <= {str(k) for k in col.values}, (table, col.canonical)


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a = generate_demo(tmp_path / "a", contacts=2_000, seed=5)
    b = generate_demo(tmp_path / "b", contacts=2_000, seed=5)
    c = generate_demo(tmp_path / "c", contacts=2_000, seed=6)
    assert file_hashes(a) == file_hashes(b)
    assert len(file_hashes(a)) == 7
    differs = {k for k, v in file_hashes(a).items() if file_hashes(c)[k] != v}
    assert {
        "contacts_export.csv",
        "survey_responses.csv",
        "qa_scores.csv",
        "planted.json",
    } <= differs
    assert a.planted == b.planted


def test_bad_arguments_are_user_errors(tmp_path):
    with pytest.raises(DemoError) as info:
        generate_demo(tmp_path, contacts=10)
    assert isinstance(info.value, CsperfError) and isinstance(info.value, ValueError)
    with pytest.raises(DemoError):
        generate_demo(tmp_path, contacts=5_000, weeks=2)


# --- bad rows -----------------------------------------------------------------------------------
def observed_bad_contacts(df: pd.DataFrame, planted: dict) -> dict[str, int]:
    start = pd.Timestamp(planted["period"]["start"])
    end = pd.Timestamp(planted["period"]["end"]) + pd.Timedelta(days=1)
    answered = df["Answered"] == "Y"
    return {
        "negative_queue_time": int(df["Queue Time"].str.startswith("-", na=False).sum()),
        "answered_without_agent": int((answered & df["Agent Login"].isna()).sum()),
        "answered_and_abandoned": int((answered & (df["Abandoned"] == "Y")).sum()),
        "unparseable_start_time": int(df["start"].isna().sum()),
        "start_in_future": int((df["start"] >= end).sum()),
        "start_before_period": int((df["start"] < start).sum()),
        "duplicate_call_id": int(df.duplicated(subset=list(df.columns[:16])).sum()),
    }


@pytest.mark.parametrize("fixture", ["small", "large"])
def test_bad_rows_are_as_recorded(fixture, request):
    result = request.getfixturevalue(fixture)
    bad = result.planted["bad_rows"]
    contacts = read_contacts(result)
    assert observed_bad_contacts(contacts, result.planted) == bad["contacts"]["counts"]
    assert contacts["Call ID"].duplicated().sum() == bad["contacts"]["counts"]["duplicate_call_id"]

    surveys = read_surveys(result)
    csat = surveys["Overall satisfaction (1-5)"]
    known = set(contacts["Call ID"])
    assert bad["surveys"]["counts"] == {
        "csat_out_of_range": int((~csat.between(1, 5)).sum()),
        "unknown_contact_id": int((~surveys["Interaction Ref"].isin(known)).sum()),
    }
    qa = read_qa(result)
    assert bad["qa_evaluations"]["counts"] == {
        "score_above_max": int((qa["Score"] > qa["Out Of"]).sum())
    }
    complaints = read_complaints(result)
    early = complaints["Date Resolved"] < complaints["Date Received"]
    assert bad["complaints"]["counts"] == {"resolved_before_received": int(early.sum())}

    for table, rows in result.rows.items():
        share = sum(bad[table]["counts"].values()) / rows
        assert share < 0.03, table
        if rows >= 200:  # small tables may legitimately have none
            assert share >= 0.005, table
    if fixture == "large":
        assert all(n > 0 for t in bad.values() for n in t["counts"].values())
        example = bad["contacts"]["examples"]["answered_and_abandoned"][0]
        row = contacts.loc[contacts["Call ID"] == example].iloc[0]
        assert row["Answered"] == "Y" and row["Abandoned"] == "Y"


def test_row_level_schema_checks_fail_only_on_planted_bad_rows(small):
    """Hand-map the raw exports; the pandera models reject exactly the bad rows they can see."""

    def failing_rows(model, frame) -> set:
        try:
            model.validate(frame, lazy=True)
        except pandera.errors.SchemaErrors as exc:
            return set(exc.failure_cases["index"].dropna().astype(int))
        return set()

    yn = {"Y": True, "N": False}
    raw = read_contacts(small)
    contacts = pd.DataFrame(
        {
            "contact_id": raw["Call ID"],
            "channel": raw["Media Type"].map(
                {"Voice": "phone", "Email": "email", "Chat": "chat", "Social": "social"}
            ),
            "queue": raw["Skill"],
            "team": raw["Team Name"],
            "agent_id": raw["Agent Login"],
            "region": raw["Site Region"],
            "arrived_at": raw["start"],
            "wait_s": raw["wait"],
            "answered": raw["Answered"].map(yn).astype("boolean"),
            "abandoned": raw["Abandoned"].map(yn).astype("boolean"),
            "talk_s": raw["Talk Time (s)"],
            "hold_s": raw["Hold Time (s)"],
            "wrap_s": raw["ACW (s)"],
            "resolved_first_contact": raw["FCR"].map(yn).astype("boolean"),
            "transferred": raw["Transferred"].map(yn).astype("boolean"),
            "escalated": raw["Escalated"].map(yn).astype("boolean"),
        }
    )
    counts = small.planted["bad_rows"]["contacts"]["counts"]
    row_level = (
        "negative_queue_time",
        "answered_without_agent",
        "answered_and_abandoned",
        "unparseable_start_time",
    )
    assert len(failing_rows(ContactsModel, contacts)) == sum(counts[k] for k in row_level)

    raw = read_surveys(small)
    surveys = pd.DataFrame(
        {
            "response_id": raw["Response ID"],
            "contact_id": raw["Interaction Ref"],
            "responded_at": pd.to_datetime(raw["Completed Date"], format="%Y-%m-%d %H:%M"),
            "csat": raw["Overall satisfaction (1-5)"].astype(float),
            "nps": raw["Likelihood to recommend (0-10)"],
            "ces": raw["Ease of resolving (1-7)"],
            "comment": raw["Comments"],
        }
    )
    counts = small.planted["bad_rows"]["surveys"]["counts"]
    assert len(failing_rows(SurveysModel, surveys)) == counts["csat_out_of_range"]

    raw = read_qa(small)
    qa = pd.DataFrame(
        {
            "evaluation_id": raw["Evaluation ID"],
            "contact_id": raw["Interaction ID"],
            "agent_id": raw["Agent"],
            "evaluator_id": raw["Evaluator"],
            "evaluated_at": pd.to_datetime(raw["Evaluation Date"], format="%d/%m/%Y %H:%M"),
            "item": raw["Question"],
            "score": raw["Score"].astype(float),
            "max_score": raw["Out Of"].astype(float),
            "critical": raw["Critical"].map({"Yes": True, "No": False}).astype("boolean"),
        }
    )
    counts = small.planted["bad_rows"]["qa_evaluations"]["counts"]
    assert len(failing_rows(QaEvaluationsModel, qa)) == counts["score_above_max"] > 0

    raw = read_complaints(small)
    complaints = pd.DataFrame(
        {
            "complaint_id": raw["Complaint Ref"],
            "received_at": raw["Date Received"],
            "channel": raw["How Received"],
            "category": raw["Complaint Category"],
            "queue": raw["Product Area"],
            "region": raw["Customer Region"],
            "acknowledged_at": raw["Date Acknowledged"],
            "resolved_at": raw["Date Resolved"],
            "upheld": raw["Upheld?"].map({"Yes": True, "No": False}).astype("boolean"),
            "text": raw["Summary"],
        }
    )
    counts = small.planted["bad_rows"]["complaints"]["counts"]
    assert len(failing_rows(ComplaintsModel, complaints)) == counts["resolved_before_received"]


# --- realism ------------------------------------------------------------------------------------
@pytest.mark.parametrize("fixture", ["small", "large"])
def test_arrival_pattern(fixture, request):
    df = read_contacts(request.getfixturevalue(fixture))
    by_day = df["start"].dt.day_of_week.value_counts()
    assert by_day[0] > by_day[6] * 2  # Monday much busier than Sunday
    assert by_day[0] == by_day.max()
    by_hour = df["start"].dt.hour.value_counts()
    assert by_hour.get(12, 0) > 5 * by_hour.get(7, 0)
    assert by_hour.get(10, 0) > by_hour.get(18, 0)
    assert (
        df["start"].dropna().between(pd.Timestamp(START), pd.Timestamp("2026-03-30")).mean() > 0.99
    )


def test_operational_proportions(large):
    df = read_contacts(large)
    share = df["Media Type"].value_counts(normalize=True)
    assert share.idxmax() == "Voice" and share["Voice"] > 0.5
    assert set(share.index) == {"Voice", "Email", "Chat", "Social"}
    assert df["Team Name"].nunique() in (4, 5)
    assert 35 <= df["Agent Login"].nunique() <= 45
    assert df["Agent Login"].dropna().str.fullmatch(r"AG\d{3}").all()

    answered = df[df["Answered"] == "Y"]
    assert 0.70 <= (answered["FCR"] == "Y").mean() <= 0.76
    assert 0.06 <= (answered["Transferred"] == "Y").mean() <= 0.10
    assert 0.02 <= (answered["Escalated"] == "Y").mean() <= 0.045
    assert answered[["Talk Time (s)", "ACW (s)"]].notna().all().all()
    assert df.loc[df["Answered"] == "N", "Talk Time (s)"].isna().all()

    # waits: phone short with a long tail, e-mail hours; abandonment only on live channels
    phone = df[df["Media Type"] == "Voice"]
    email = df[df["Media Type"] == "Email"]
    assert phone["wait"].median() < 60 and phone["wait"].quantile(0.99) > 5 * phone["wait"].median()
    assert email["wait"].median() > 3600
    assert (email["Abandoned"] == "Y").sum() == 0
    assert 0.03 < (phone["Abandoned"] == "Y").mean() < 0.12
    clean = phone[phone["wait"] >= 0]
    aband = clean["Abandoned"] == "Y"
    assert aband[clean["wait"] > 300].mean() > 2 * aband[clean["wait"].between(15, 60)].mean()

    surveys = read_surveys(large)
    assert 0.10 <= len(surveys) / len(answered) <= 0.15
    assert 0.4 <= surveys["Comments"].notna().mean() <= 0.6
    assert surveys["Comments"].nunique() > 50
    merged = surveys.merge(
        df.drop_duplicates("Call ID"), left_on="Interaction Ref", right_on="Call ID"
    )
    csat = merged["Overall satisfaction (1-5)"].where(
        merged["Overall satisfaction (1-5)"].between(1, 5)
    )
    assert csat[merged["FCR"] == "N"].mean() < csat[merged["FCR"] == "Y"].mean() - 0.5
    long_wait = merged["Media Type"].eq("Voice") & (merged["wait"] > 180)
    short_wait = merged["Media Type"].eq("Voice") & (merged["wait"] < 30)
    assert csat[long_wait].mean() < csat[short_wait].mean() - 0.2
    assert surveys["Likelihood to recommend (0-10)"].dropna().between(0, 10).all()
    assert surveys["Ease of resolving (1-7)"].dropna().between(1, 7).all()

    qa = read_qa(large)
    evaluations = qa.drop_duplicates("Evaluation ID")
    live_answered = answered["Media Type"].isin(["Voice", "Chat"]).sum()
    assert 0.02 <= evaluations["Interaction ID"].nunique() / live_answered <= 0.04
    assert 6 <= qa["Question"].nunique() <= 8
    assert (qa.groupby("Evaluation ID").size() == qa["Question"].nunique()).all()
    assert 3 <= qa["Evaluator"].nunique() <= 4
    assert qa["Critical"].eq("Yes").any() and qa["Critical"].eq("No").any()
    calibrated = evaluations.groupby("Interaction ID")["Evaluator"].agg(["size", "nunique"])
    multi = calibrated[calibrated["size"] > 1]
    assert (
        len(multi) > 10 and (multi["size"] == multi["nunique"]).all() and multi["size"].max() <= 3
    )

    complaints = read_complaints(large)
    assert 0.003 <= len(complaints) / len(df) <= 0.0055
    assert (
        complaints["Date Resolved"].isna().any()
        and complaints["Date Resolved"].notna().mean() > 0.6
    )
    assert set(complaints["Upheld?"].dropna()) == {"Yes", "No"}
    assert (
        complaints["Date Acknowledged"].dropna()
        >= complaints.loc[complaints["Date Acknowledged"].notna(), "Date Received"]
    ).all()


# --- planted signals ----------------------------------------------------------------------------
def test_aht_trend_in_one_team_only(large):
    signal = large.planted["signals"]["aht_trend"]
    df = read_contacts(large)
    df = df[(df["Answered"] == "Y") & df["start"].notna()]
    df["week"] = week_of(df["start"])
    weekly = df.groupby(["Team Name", "week"])["Talk Time (s)"].mean().unstack()
    ratio = weekly[[10, 11, 12]].mean(axis=1) / weekly[[1, 2, 3]].mean(axis=1)
    team = signal["segment"]["team"]
    assert ratio[team] > 1.10
    others = ratio.drop(team)
    assert (others.sub(1).abs() < 0.05).all(), others
    controls = [c["segment"]["team"] for c in large.planted["controls"] if c["metric"] == "talk_s"]
    assert set(controls) == set(others.index)
    assert signal["observed_weekly_growth"] == pytest.approx(signal["weekly_growth"], abs=0.005)


def test_weak_agent_on_one_item(large):
    signal = large.planted["signals"]["weak_agent_item"]
    agent, item = signal["segment"]["agent_id"], signal["segment"]["item"]
    qa = read_qa(large)
    qa = qa[(qa["Score"] <= qa["Out Of"]) & (qa["Out Of"] == 5)]
    spec = load_config(large.config_path).tables["qa_evaluations"]
    qa["item"] = qa["Question"].map(next(c for c in spec.columns if c.canonical == "item").values)
    means = qa.groupby(["item", "Agent"])["Score"].mean().unstack()
    # each agent's mean on each item relative to the other agents on that item
    gaps = means.apply(lambda row: row - (row.sum() - row) / (row.count() - 1), axis=1)
    assert gaps.loc[item, agent] < -1.2
    ranked = gaps.stack().sort_values()
    assert ranked.index[0] == (item, agent)
    assert ranked.iloc[1] > ranked.iloc[0] + 0.5  # no other agent/item comes close
    assert (gaps[agent].drop(item) > -0.4).all()  # the agent is ordinary on every other item
    assert signal["observed_mean"] == pytest.approx(means.loc[item, agent], abs=0.01)


def test_complaint_spike(large):
    signal = large.planted["signals"]["complaint_spike"]
    queue, category, weeks = (
        signal["segment"]["queue"],
        signal["segment"]["category"],
        signal["weeks"],
    )
    assert weeks == [8]  # one week (issue 18: a spike of one theme in one week is found and dated)
    df = read_complaints(large)
    df["week"] = week_of(df["Date Received"])

    def spike(mask: pd.Series) -> tuple[float, float]:
        """Ratio of weekly counts in the spike weeks to the others, and its Poisson p-value."""
        counts = df[mask].groupby("week").size().reindex(range(1, 13), fill_value=0)
        rate = counts.drop(weeks).mean()
        observed = counts[weeks].sum()
        return counts[weeks].mean() / rate, poisson.sf(observed - 1, rate * len(weeks))

    in_queue = df["Product Area"] == queue
    theme = df["Complaint Category"] == category
    ratio, p_value = spike(in_queue & theme)
    assert ratio > 2.0 and p_value < 0.01
    for control in (~in_queue & theme, in_queue & ~theme, ~in_queue & ~theme):
        ratio, p_value = spike(control)
        assert p_value > 0.01 and ratio < 2.0
    text = df.loc[in_queue & theme & df["week"].isin(weeks), "Summary"].str.lower()
    keyword_hits = text.str.contains("|".join(signal["keywords"])).sum()
    assert keyword_hits >= 0.4 * len(text)
    other = df.loc[~df["week"].isin(weeks), "Summary"].str.lower()
    assert other.str.contains("price change").mean() < 0.01


def test_region_below_csat_target(large):
    signal = large.planted["signals"]["region_csat"]
    region, target = signal["segment"]["region"], signal["target"]["value"]
    contacts = read_contacts(large).drop_duplicates("Call ID")
    surveys = read_surveys(large)
    surveys = surveys[surveys["Overall satisfaction (1-5)"].between(1, 5)]
    merged = surveys.merge(contacts, left_on="Interaction Ref", right_on="Call ID")
    means = merged.groupby("Site Region")["Overall satisfaction (1-5)"].mean()
    assert len(means) == 5
    assert means[region] < target - 0.15
    others = means.drop(region)
    assert (others >= target).all(), means
    assert others.mean() - means[region] > 0.3
    assert signal["observed_mean"] == pytest.approx(means[region], abs=0.02)
    control_regions = {
        c["segment"]["region"] for c in large.planted["controls"]
        if c["metric"] == "csat" and c["segment"]["region"] != "(not recorded)"  # blank in the export
    }
    assert control_regions == set(others.index)


def test_planted_json_structure(small):
    planted = small.planted
    assert set(planted["signals"]) == {
        "aht_trend",
        "weak_agent_item",
        "complaint_spike",
        "region_csat",
        "queue_understaffed",
        "abandonment_trend",
    }
    for signal in planted["signals"].values():
        assert {"table", "metric", "segment", "description"} <= set(signal)
        assert signal["table"] in FILE_NAMES
    assert len(planted["controls"]) >= 8
    assert all({"table", "metric", "segment", "expect"} <= set(c) for c in planted["controls"])
    assert set(planted["bad_rows"]) == set(FILE_NAMES)
    for table, info in planted["bad_rows"].items():
        assert info["rows"] == small.rows[table]
    assert len(planted["roster"]["agents"]) == 40
    weak = planted["signals"]["weak_agent_item"]["segment"]["agent_id"]
    assert weak in {a["agent_id"] for a in planted["roster"]["agents"]}
    assert np.isclose(planted["signals"]["aht_trend"]["weekly_growth"], 0.015)


# --- the staffing gap, the abandonment trend, the blank region -------------------------------------
SKILL_OF = {"Billing": "SK_BILLING", "Technical Support": "SK_TECH_SUPPORT", "Sales": "SK_SALES",
            "Accounts": "SK_ACCOUNTS", "Complaints": "SK_COMPLAINTS"}


def _live(large) -> pd.DataFrame:
    df = read_contacts(large).drop_duplicates("Call ID")
    df = df[df["Media Type"].isin(["Voice", "Chat"]) & df["start"].notna() & (df["wait"] >= 0)].copy()
    df["within"] = (df["Answered"] == "Y") & (df["wait"] <= 20)
    df["abandoned"] = df["Abandoned"] == "Y"
    return df


def test_one_queue_under_staffed_on_one_weekday_morning_only(large):
    signal = large.planted["signals"]["queue_understaffed"]
    seg = signal["segment"]
    assert seg["weekday"] == "Monday" and seg["interval_start"][0] == "09:00" and len(seg["interval_start"]) == 6
    df = _live(large)
    morning = df["start"].dt.hour.between(9, 11)
    monday = df["start"].dt.day_of_week == 0
    in_queue = df["Skill"] == SKILL_OF[seg["queue"]]
    planted_sl = df.loc[in_queue & monday & morning, "within"].mean()
    assert planted_sl < 0.5  # far below the 80 % target
    assert df.loc[in_queue & ~monday & morning, "within"].mean() > 0.83  # the same queue on other days
    assert df.loc[~in_queue & monday & morning, "within"].mean() > 0.83  # other queues on Monday mornings
    assert df["within"].mean() > 0.84  # the centre as a whole meets its target
    assert signal["observed_service_level"] == pytest.approx(planted_sl, abs=0.02)
    controls = [c for c in large.planted["controls"] if c["metric"] == "service_level"]
    assert len(controls) == 2


def test_abandonment_rises_in_one_queue_only(large):
    signal = large.planted["signals"]["abandonment_trend"]
    df = _live(large)
    df["week"] = week_of(df["start"])
    by_week = df[df["week"].between(1, 12)].groupby(["Skill", "week"])["abandoned"].mean().unstack()
    rising = by_week.loc[SKILL_OF[signal["segment"]["queue"]]]
    assert rising.iloc[-4:].mean() > 2 * rising.iloc[:4].mean()
    others = by_week.drop(index=SKILL_OF[signal["segment"]["queue"]])
    assert (others.iloc[:, -4:].mean(axis=1) < 1.5 * others.iloc[:, :4].mean(axis=1)).all()
    control = next(c for c in large.planted["controls"] if c["metric"] == "abandonment_rate")
    assert signal["segment"]["queue"] not in control["segment"]["queue"] and len(control["segment"]["queue"]) == 4


def test_weak_agent_has_few_evaluations_and_a_blank_region_segment_exists(large):
    weak = large.planted["signals"]["weak_agent_item"]
    assert 15 <= weak["observed_evaluations"] <= 20
    qa = read_qa(large)
    assert qa.loc[qa["Agent"] == weak["segment"]["agent_id"], "Interaction ID"].nunique() == weak["observed_evaluations"]
    contacts = read_contacts(large)
    assert 0.005 < contacts["Site Region"].isna().mean() < 0.02
    assert any(c["segment"].get("region") == "(not recorded)" for c in large.planted["controls"])
