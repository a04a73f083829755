"""Coaching and training needs from QA scorecards (csperf_lib.methods.coaching)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csperf_lib.core.errors import ConfigError
from csperf_lib.methods.agent_scores import (
    INSUFFICIENT,
    SCORE_COLUMNS,
    agent_item_scores,
    agent_teams,
    evaluator_offsets,
    item_kind,
)
from csperf_lib.methods.coaching import (
    COACHING_METHODS,
    METHODS,
    CoachingReview,
    RecommendationSettings,
    coaching_plan,
    coaching_review,
    insufficient_evidence,
    recommendation_settings,
    training_needs,
)
from csperf_lib.methods.stats import wilson_interval

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"

GRADED = ("accuracy_of_information", "empathy", "wrap_up_notes")
PASS_FAIL = "compliance_statement"


def make_qa(
    *,
    agents: int = 30,
    per_agent: int = 40,
    shifts: dict | None = None,
    counts: dict | None = None,
    pass_rates: dict | None = None,
    evaluator_bias: dict | None = None,
    evaluator_of: dict | None = None,
    seed: int = 1,
) -> pd.DataFrame:
    """Canonical long QA rows: graded 0-5 items (mean 4.0) and one pass/fail critical item.

    ``shifts``: (agent, item) -> points added; ``counts``: agent -> evaluations;
    ``pass_rates``: agent -> pass rate on the pass/fail item (default 0.95);
    ``evaluator_bias``: evaluator -> points; ``evaluator_of``: agent -> the only evaluator.
    """
    rng = np.random.default_rng(seed)
    shifts = shifts or {}
    counts = counts or {}
    pass_rates = pass_rates or {}
    evaluator_bias = evaluator_bias or {}
    evaluator_of = evaluator_of or {}
    evaluators = ["ev.a", "ev.b", "ev.c"]
    rows = []
    ev_no = 0
    start = pd.Timestamp("2026-01-05 09:00")
    for a in range(agents):
        agent = f"AG{a:03d}"
        for _ in range(counts.get(agent, per_agent)):
            ev_no += 1
            evaluator = evaluator_of.get(agent) or evaluators[rng.integers(3)]
            at = start + pd.Timedelta(hours=int(rng.integers(0, 24 * 80)))
            for item in GRADED:
                x = 4.0 + shifts.get((agent, item), 0.0) + evaluator_bias.get(evaluator, 0.0)
                score = float(np.clip(np.rint(x + rng.normal(0, 0.6)), 0, 5))
                rows.append((f"EV{ev_no:06d}", f"C{ev_no:07d}", agent, evaluator, at, item,
                             score, 5.0, False))
            passed = float(rng.random() < pass_rates.get(agent, 0.95))
            rows.append((f"EV{ev_no:06d}", f"C{ev_no:07d}", agent, evaluator, at, PASS_FAIL,
                         passed, 1.0, True))
    return pd.DataFrame(
        rows,
        columns=["evaluation_id", "contact_id", "agent_id", "evaluator_id", "evaluated_at",
                 "item", "score", "max_score", "critical"],
    )


def teams_for(qa: pd.DataFrame) -> dict:
    agents = sorted(qa["agent_id"].unique())
    return {a: ("North" if i % 2 == 0 else "South") for i, a in enumerate(agents)}


def row(scores: pd.DataFrame, agent: str, item: str) -> pd.Series:
    hit = scores[(scores["agent_id"] == agent) & (scores["item"] == item)]
    assert len(hit) == 1
    return hit.iloc[0]


# --------------------------------------------------------------------------------------------
# scores
# --------------------------------------------------------------------------------------------


def test_planted_weak_agent_item_is_flagged_and_controls_are_not():
    qa = make_qa(shifts={("AG007", "accuracy_of_information"): -2.0})
    scores = agent_item_scores(qa, teams=teams_for(qa))
    assert list(scores.columns) == list(SCORE_COLUMNS)
    weak = row(scores, "AG007", "accuracy_of_information")
    assert weak["below_threshold"] and weak["below_standard"] and weak["below_peers"]
    assert weak["evidence"] == "sufficient"
    assert weak["n_evaluations"] == 40
    assert weak["ci_low"] < weak["mean_pct"] < weak["ci_high"] < 0.7
    assert weak["diff_ci_low"] < weak["difference"] < weak["diff_ci_high"] < 0
    assert weak["p_adjusted"] < 0.001
    assert weak["team"] == "South"
    flagged = scores[scores["below_threshold"]]
    assert list(zip(flagged["agent_id"], flagged["item"], strict=True)) == [
        ("AG007", "accuracy_of_information")
    ]


def test_welch_and_t_interval_match_scipy():
    qa = make_qa(shifts={("AG003", "empathy"): -1.0})
    scores = agent_item_scores(qa, adjust_for_evaluator=False)
    r = row(scores, "AG003", "empathy")
    y = qa[qa["item"] == "empathy"].assign(p=lambda f: f["score"] / 5)
    mine, peers = y.loc[y["agent_id"] == "AG003", "p"], y.loc[y["agent_id"] != "AG003", "p"]
    welch = stats.ttest_ind(mine, peers, equal_var=False)
    assert r["p_value"] == pytest.approx(welch.pvalue, rel=1e-6)
    assert r["mean_pct"] == pytest.approx(mine.mean())
    assert r["peer_mean_pct"] == pytest.approx(peers.mean())
    ci = stats.t.interval(0.95, len(mine) - 1, loc=mine.mean(), scale=stats.sem(mine))
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(ci)
    dci = welch.confidence_interval(0.95)
    assert (r["diff_ci_low"], r["diff_ci_high"]) == pytest.approx((dci.low, dci.high), rel=1e-6)


def test_benjamini_hochberg_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    scores = agent_item_scores(make_qa(agents=12, per_agent=15))
    tested = scores[scores["p_value"].notna()]
    expected = multipletests(tested["p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(tested["p_adjusted"], expected)


def test_too_few_evaluations_is_insufficient_evidence_not_judged():
    qa = make_qa(
        shifts={("AG004", "accuracy_of_information"): -2.5}, counts={"AG004": 6}
    )
    scores = agent_item_scores(qa, min_evaluations=10)
    weak = row(scores, "AG004", "accuracy_of_information")
    assert weak["evidence"] == INSUFFICIENT
    assert not weak["below_threshold"] and not weak["below_standard"]
    assert np.isnan(weak["p_value"]) and np.isnan(weak["p_adjusted"])
    listed = insufficient_evidence(scores)
    assert set(listed["agent_id"]) == {"AG004"}
    assert len(listed) == 4  # every item of the agent
    assert set(listed.columns) == {"agent_id", "team", "item", "n_evaluations",
                                   "min_evaluations", "note"}
    assert "mean_pct" not in listed.columns  # listed, not judged
    assert listed["note"].str.contains("insufficient evidence: 6 of the 10").all()
    plan = coaching_plan(scores)
    assert "AG004" not in set(plan["agent"])


def test_small_difference_is_not_flagged_after_bh():
    # 0.3 points below on a 5-point item: the mean is near 0.74, not demonstrably below 0.7, and
    # the gap to peers does not survive Benjamini-Hochberg across 30 x 4 tests
    qa = make_qa(shifts={("AG010", "wrap_up_notes"): -0.3}, per_agent=20, seed=3)
    scores = agent_item_scores(qa)
    r = row(scores, "AG010", "wrap_up_notes")
    assert not r["below_threshold"]
    assert not scores["below_threshold"].any()
    assert (scores["p_adjusted"].dropna() >= scores["p_value"].dropna()).all()


def test_point_threshold_test_is_less_strict_but_still_needs_significance():
    # mean about 0.69: below a 0.7 standard, but its interval is not wholly below it
    qa = make_qa(shifts={("AG002", "empathy"): -0.6}, per_agent=40, seed=5)
    strict = row(agent_item_scores(qa), "AG002", "empathy")
    loose_scores = agent_item_scores(qa, threshold_test="point")
    loose = row(loose_scores, "AG002", "empathy")
    assert strict["mean_pct"] < 0.7 < strict["ci_high"]
    assert strict["below_peers"] and not strict["below_standard"] and not strict["below_threshold"]
    assert loose["below_standard"] and loose["below_threshold"]
    assert (loose_scores["below_threshold"] <= loose_scores["below_peers"]).all()
    with pytest.raises(ValueError):
        agent_item_scores(qa, threshold_test="mean")


def test_pass_fail_items_use_wilson_newcombe_and_fisher():
    qa = make_qa(pass_rates={"AG005": 0.55}, per_agent=40, seed=2)
    scores = agent_item_scores(qa, threshold={"default": 0.7, PASS_FAIL: 0.9})
    r = row(scores, "AG005", PASS_FAIL)
    assert r["pass_fail"] and r["critical"] and r["kind"] == "compliance"
    assert r["interval_method"] == "wilson" and r["test"] == "fisher exact"
    x = int(round(r["mean_pct"] * r["n_evaluations"]))
    lo, hi = wilson_interval(x, int(r["n_evaluations"]))
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi))
    peers = qa[(qa["item"] == PASS_FAIL) & (qa["agent_id"] != "AG005")]
    xp, np_ = int(peers["score"].sum()), len(peers)
    table = [[x, int(r["n_evaluations"]) - x], [xp, np_ - xp]]
    assert r["p_value"] == pytest.approx(stats.fisher_exact(table).pvalue)
    # Newcombe (1998) method 10 from the two Wilson intervals
    pl, ph = wilson_interval(xp, np_)
    p1, p2 = x / r["n_evaluations"], xp / np_
    assert r["diff_ci_low"] == pytest.approx(p1 - p2 - np.hypot(p1 - lo, ph - p2))
    assert r["diff_ci_high"] == pytest.approx(p1 - p2 + np.hypot(hi - p1, p2 - pl))
    assert r["threshold"] == 0.9
    assert r["below_threshold"]
    # pass/fail items are not evaluator-adjusted
    assert r["mean_pct"] == r["raw_mean_pct"]


def test_calibration_rescores_count_once():
    qa = make_qa(agents=6, per_agent=12)
    first = qa[qa["evaluation_id"] == "EV000001"]
    again = first.assign(evaluation_id="EV999999", evaluator_id="ev.c",
                         evaluated_at=first["evaluated_at"] + pd.Timedelta(days=3), score=0.0)
    scores = agent_item_scores(pd.concat([qa, again], ignore_index=True),
                               adjust_for_evaluator=False)
    plain = agent_item_scores(qa, adjust_for_evaluator=False)
    pd.testing.assert_series_equal(scores["n_evaluations"], plain["n_evaluations"])
    pd.testing.assert_series_equal(scores["mean_pct"], plain["mean_pct"])


def test_evaluator_adjustment_removes_a_confounded_severity():
    # AG001 is scored only by the severe evaluator; no real weakness
    qa = make_qa(agents=20, per_agent=40, evaluator_bias={"ev.c": -1.0},
                 evaluator_of={"AG001": "ev.c"}, seed=4)
    raw = agent_item_scores(qa, adjust_for_evaluator=False)
    adjusted = agent_item_scores(qa)
    assert row(raw, "AG001", "empathy")["below_threshold"]
    assert not adjusted.loc[adjusted["agent_id"] == "AG001", "below_threshold"].any()
    offsets = evaluator_offsets(qa)
    severe = offsets[offsets["evaluator_id"] == "ev.c"]
    assert len(severe) == len(GRADED)  # graded items only
    others = offsets[offsets["evaluator_id"] != "ev.c"].groupby("item")["offset_pct"].mean()
    gap = severe.set_index("item")["offset_pct"] - others
    assert ((gap < -0.15) & (gap > -0.22)).all()  # -1 point of 5 = -0.2, a little less by clipping
    assert severe["adjusted"].all()


def test_input_is_not_mutated():
    qa = make_qa(agents=8, per_agent=12, shifts={("AG001", "empathy"): -2})
    teams = teams_for(qa)
    before, teams_before = qa.copy(deep=True), dict(teams)
    review = coaching_review(qa, teams=teams, pseudonym_key="k")
    pd.testing.assert_frame_equal(qa, before)
    assert teams == teams_before
    scores = review.scores
    copy = scores.copy(deep=True)
    coaching_plan(scores, pseudonym_key="k")
    training_needs(scores)
    insufficient_evidence(scores, pseudonym_key="k")
    pd.testing.assert_frame_equal(scores, copy)


def test_agent_teams_takes_the_team_of_most_contacts():
    contacts = pd.DataFrame(
        {
            "agent_id": ["A", "A", "A", "B", "B", None, "C"],
            "team": ["North", "North", "South", "West", "East", "North", None],
        }
    )
    teams = agent_teams(contacts)
    assert teams.to_dict() == {"A": "North", "B": "East"}


# --------------------------------------------------------------------------------------------
# plan and training
# --------------------------------------------------------------------------------------------


def test_coaching_plan_methods_follow_up_and_pseudonyms():
    qa = make_qa(
        shifts={("AG007", "accuracy_of_information"): -2.0, ("AG008", "empathy"): -1.6},
        seed=6,
    )
    scores = agent_item_scores(qa, teams=teams_for(qa))
    plan = coaching_plan(scores, follow_up_days=14)
    assert set(plan["agent"]) == {"AG007", "AG008"}
    by = plan.set_index("agent")
    assert by.loc["AG007", "method"] == "call review + e-learning"
    assert by.loc["AG008", "method"] == "side-by-side listening + role play"
    assert by.loc["AG007", "priority"] == "high"  # more than 20 points below peers
    latest = qa["evaluated_at"].max().normalize()
    assert (plan["follow_up"] == latest + pd.Timedelta(days=14)).all()
    evidence = by.loc["AG007", "evidence"]
    for part in ("95 % CI", "n = 40 evaluations", "for peers", "adjusted p"):
        assert part in evidence
    assert by.loc["AG007", "need"] == "accuracy of information"
    as_of = coaching_plan(scores, as_of="2026-06-01")
    assert (as_of["follow_up"] == pd.Timestamp("2026-06-29")).all()

    hidden = coaching_plan(scores, pseudonym_key="secret")
    text = hidden.to_csv()
    assert "AG007" not in text and "AG008" not in text
    assert hidden["agent"].str.match(r"^P-[0-9a-f]{8}$").all()
    assert hidden["agent"].tolist() == coaching_plan(scores, pseudonym_key="secret")["agent"].tolist()


def test_methods_can_be_overridden_per_kind_and_item():
    qa = make_qa(shifts={("AG007", "accuracy_of_information"): -2.0}, seed=6)
    settings = recommendation_settings(
        {"coaching_methods": {"knowledge": ["role play"], "empathy": "buddying"}}
    )
    plan = coaching_plan(agent_item_scores(qa), methods=settings.coaching_methods)
    assert plan.loc[0, "method"] == "role play"
    assert settings.coaching_methods["empathy"].methods == ("buddying",)
    assert COACHING_METHODS["knowledge"].methods == ("call review", "e-learning")  # unchanged


def test_item_kinds():
    assert item_kind("accuracy_of_information") == "knowledge"
    assert item_kind("empathy") == "soft_skills"
    assert item_kind("greeting") == "soft_skills"
    assert item_kind("identification_and_security") == "compliance"
    assert item_kind("wrap_up_notes") == "process"
    assert item_kind("anything", critical=True) == "compliance"
    assert item_kind("xyz") == "general"
    for method in COACHING_METHODS.values():
        assert set(method.methods) <= set(METHODS)
    with pytest.raises(TypeError):
        COACHING_METHODS["new"] = COACHING_METHODS["general"]  # read-only


def test_team_wide_training_is_triggered_at_the_share():
    # 4 of the 15 "North" agents (27 %) and 4 of 30 overall (13 %) are weak on wrap-up notes
    weak = {("AG000", "wrap_up_notes"): -1.8, ("AG002", "wrap_up_notes"): -1.8,
            ("AG004", "wrap_up_notes"): -1.8, ("AG006", "wrap_up_notes"): -1.8}
    qa = make_qa(shifts=weak, seed=8)
    scores = agent_item_scores(qa, teams=teams_for(qa))
    needs = training_needs(scores, share=0.25)
    assert list(zip(needs["scope"], needs["team"], needs["item"], strict=True)) == [
        ("team", "North", "wrap_up_notes")
    ]
    need = needs.iloc[0]
    assert (need["n_agents"], need["n_below"]) == (15, 4)
    lo, hi = wilson_interval(4, 15)
    assert (need["share_ci_low"], need["share_ci_high"]) == pytest.approx((lo, hi))
    assert need["method"] == COACHING_METHODS["process"].training
    assert training_needs(scores, share=0.3).empty
    overall = training_needs(scores, share=0.1)
    assert ("all teams", "wrap_up_notes") in set(zip(overall["scope"], overall["item"],
                                                     strict=True))
    everything = training_needs(scores, include_all=True)
    assert len(everything) == 4 * 3  # items x (all teams, North, South)


# --------------------------------------------------------------------------------------------
# config and review
# --------------------------------------------------------------------------------------------


RULE = {"id": "x", "pattern": "agent_weakness", "kind": "coaching", "owner": "Team leader", "action": "Coach.",
        "options": [{"name": n, "customer": "c", "benefit": "b", "risk": "r"} for n in ("A", "B")]}


def test_settings_defaults_and_values():
    assert recommendation_settings(None) == RecommendationSettings()
    s = recommendation_settings(
        {"recommendations": {"min_evaluations": 15, "item_threshold": {"default": 0.75,
                             "compliance_statement": 0.95}, "training_share": 0.3,
                             "follow_up_days": 21, "rules": [RULE], "owners": {"a": "b"}},
         "tables": {}}
    )
    assert (s.min_evaluations, s.item_threshold, s.training_share, s.follow_up_days) == (
        15, 0.75, 0.3, 21)
    assert s.threshold_for("compliance_statement") == 0.95
    assert s.threshold_for("empathy") == 0.75
    # the rules arrive checked and typed (csperf_lib.core.settings.RuleSettings)
    assert [r.id for r in s.rules] == ["x"] and s.rules[0].options[1].name == "B" and s.owners == {"a": "b"}


def test_config_validation_reports_every_problem_at_once():
    with pytest.raises(ConfigError) as info:
        recommendation_settings(
            {
                "min_evaluation": 5,
                "min_evaluations": 1,
                "item_threshold": 70,
                "training_share": "a quarter",
                "follow_up_days": 0,
                "coaching_methods": {"knowledge": ["roleplay"]},
            }
        )
    problems = info.value.problems
    assert len(problems) == 6
    text = " ".join(problems)
    assert "recommendations.min_evaluation: unknown option (did you mean 'min_evaluations'?)" in text
    assert "recommendations.min_evaluations" in text
    assert "write 0.7 for 70 %" in text
    assert "recommendations.training_share" in text
    assert "recommendations.follow_up_days" in text
    assert "'roleplay' is not a coaching method (did you mean 'role play'?)" in text


def test_coaching_review_bundles_everything_and_pseudonymises_throughout():
    qa = make_qa(shifts={("AG007", "accuracy_of_information"): -2.0}, counts={"AG020": 5})
    review = coaching_review(qa, teams=teams_for(qa), config={"min_evaluations": 8},
                             pseudonym_key="key")
    assert isinstance(review, CoachingReview)
    assert review.settings.min_evaluations == 8 and review.pseudonymised
    blob = "\n".join([*review.findings, review.scores.to_csv(), review.plan.to_csv(),
                      review.insufficient.to_csv()])
    assert "AG007" not in blob and "AG020" not in blob
    assert len(review.plan) == 1 and len(review.insufficient) == 4
    first = review.findings[0]
    assert first.startswith("Agent P-") and "accuracy of information" in first  # the item in words
    assert "95 % CI" in first and "n = 40 evaluations" in first and "adjusted p < 0.001" in first
    assert any("insufficient evidence" in f for f in review.findings)
    plain = coaching_review(qa, teams=teams_for(qa))
    assert plain.findings[0].startswith("Agent AG007 (South) scores")
    assert plain.as_of == qa["evaluated_at"].max()


def test_no_flags_gives_a_plain_sentence():
    review = coaching_review(make_qa(agents=10, per_agent=15, seed=9))
    assert review.plan.empty and list(review.plan.columns)[0] == "agent"
    assert any(f.startswith("No agent scores demonstrably below") for f in review.findings)


# --------------------------------------------------------------------------------------------
# the demo: planted weakness found, controls clean
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_review():
    if not (DEMO / "review.yaml").is_file():
        pytest.skip("data/raw/demo is absent (csperf demo writes it)")
    from conftest import load_into_store

    t0 = time.perf_counter()
    config, store = load_into_store(DEMO / "review.yaml")
    try:
        qa = store.table("qa_evaluations").to_pandas()
        teams = agent_teams(store.table("contacts"))
    finally:
        store.close()
    review = coaching_review(qa, teams=teams, config=config)
    planted = json.loads((DEMO / "planted.json").read_text(encoding="utf-8"))
    return review, planted, time.perf_counter() - t0


def test_demo_planted_weakness_found_and_controls_clean(demo_review):
    review, planted, _seconds = demo_review  # speed is measured in benchmarks/, not asserted here
    signal = planted["signals"]["weak_agent_item"]["segment"]
    scores = review.scores
    hit = row(scores, signal["agent_id"], signal["item"])
    assert hit["below_threshold"] and hit["evidence"] == "sufficient"
    assert hit["difference"] < -0.25
    controls = [c for c in planted["controls"] if c["table"] == "qa_evaluations"]
    assert len(controls) == 2
    checked = 0
    for control in controls:
        agents = control["segment"]["agent_id"]
        items = control["segment"]["item"]
        agents = [agents] if isinstance(agents, str) else agents
        items = [items] if isinstance(items, str) else items
        part = scores[scores["agent_id"].isin(agents) & scores["item"].isin(items)]
        assert len(part) > 0
        assert not part["below_threshold"].any(), part[part["below_threshold"]]
        checked += len(part)
    assert checked >= 40
    assert signal["agent_id"] in set(review.plan["agent"])
    assert review.plan.set_index("agent").loc[signal["agent_id"], "method"] == (
        "call review + e-learning"
    )


def test_power_to_find_an_agent_far_below_peers_at_15_to_20_evaluations():
    """Issue 18: an agent at about 50 % against about 91 % for peers, with 18 evaluations, was never
    named. Across 20 simulated centres (30 agents, 40 evaluations each, the weak agent 15-20) the agent
    is found in at least 18 (pass/fail item) and 20 (graded item 35 points down), and no other agent
    × item is ever flagged. Requiring the whole interval below the standard found 3 of 20."""
    from csperf_lib.methods.agent_scores import MATERIAL_SHORTFALL

    assert MATERIAL_SHORTFALL == 0.20
    found = {"pass_fail": 0, "graded": 0}
    false_alarms = 0
    for seed in range(1, 21):
        n = 15 + seed % 6
        cases = {
            "pass_fail": (make_qa(counts={"AG007": n}, pass_rates={"AG007": 0.5}, seed=seed), PASS_FAIL),
            "graded": (make_qa(counts={"AG007": n}, shifts={("AG007", "accuracy_of_information"): -1.75},
                               seed=seed), "accuracy_of_information"),
        }
        for name, (qa, item) in cases.items():
            scores = agent_item_scores(qa, teams=teams_for(qa))
            flagged = scores[scores["below_threshold"]]
            hit = (flagged["agent_id"] == "AG007") & (flagged["item"] == item)
            found[name] += bool(hit.any())
            false_alarms += int((~hit).sum())
    assert found["pass_fail"] >= 18 and found["graded"] == 20
    assert false_alarms == 0
