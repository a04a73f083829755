"""Sampling stage library: sample sizes and ISO 2859-1 plans against published tables, allocation,
drawing, design weights, representativeness and weighted estimates (with simulations)."""

from __future__ import annotations

import json
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import shared_path

from csperf_lib.core.exports import write_xlsx
from csperf_lib.methods import acceptance as A
from csperf_lib.methods import sample_checks as C
from csperf_lib.methods import sampling as S
from csperf_lib.methods.sample_frame import (
    _with_derived,
    population_overview,
    sampling_frame,
    usable_strata,
)
from csperf_lib.methods.sample_size import sample_size, sample_size_reasoning, sample_size_table
from csperf_lib.report import explorer as X
from csperf_lib.stages import sample as SS

# ------------------------------------------------------------------------------------------------
# Fixtures: a synthetic population with known structure
# ------------------------------------------------------------------------------------------------


def make_population(rows: int = 6_000, *, seed: int = 5, agents_per_team: int = 6) -> pd.DataFrame:
    """Answered contacts: 4 teams of agents, 3 channels, escalations, a pass flag that depends on them."""
    rng = np.random.default_rng(seed)
    team = rng.choice(list("ABCD"), rows, p=[0.4, 0.3, 0.2, 0.1])
    channel = rng.choice(["phone", "chat", "email"], rows, p=[0.6, 0.3, 0.1])
    escalated = rng.random(rows) < 0.05
    agent = np.char.add(np.char.add(team.astype(str), "-"), rng.integers(0, agents_per_team, rows).astype(str))
    p_pass = 0.85 - 0.1 * (team == "C") - 0.2 * (team == "D") - 0.05 * (channel == "email") - 0.3 * escalated
    arrived = pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 84 * 86_400, rows), unit="s")
    return pd.DataFrame(
        {
            "contact_id": [f"C{i:06d}" for i in range(rows)],
            "channel": pd.Categorical(channel),
            "team": pd.Categorical(team),
            "agent_id": agent,
            "arrived_at": arrived,
            "handle_s": rng.lognormal(6, 0.5, rows) * np.where(escalated, 2.0, 1.0),
            "escalated": escalated,
            "passed": rng.random(rows) < p_pass,
        }
    )


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return make_population()


# ------------------------------------------------------------------------------------------------
# Sample size (Cochran 1977; Krejcie & Morgan 1970)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("confidence", "margin", "expected"),
    [
        # The standard published values of n0 = z^2 p(1-p)/e^2 with p = 0.5, rounded up
        # (e.g. Cochran 1977, 4.4; the usual survey sample-size tables):
        (0.95, 0.05, 385),  # 1.95996^2 * 0.25 / 0.05^2 = 384.15
        (0.95, 0.03, 1068),  # 1067.07
        (0.95, 0.01, 9604),  # 9603.65
        (0.99, 0.05, 664),  # 2.57583^2 * 0.25 / 0.0025 = 663.49
        (0.90, 0.05, 271),  # 1.64485^2 * 0.25 / 0.0025 = 270.55
    ],
)
def test_cochran_without_correction_matches_published_values(confidence, margin, expected):
    assert sample_size(confidence=confidence, margin=margin) == expected


# Krejcie, R. V. & Morgan, D. W. (1970), Table 1 (95 % confidence, ±5 %, P = 0.5): population N ->
# sample s. (Their entry for N = 100,000 is 384, which their own formula does not give (382.6, i.e.
# 383); it is left out.)
KREJCIE_MORGAN = {
    10: 10, 15: 14, 20: 19, 25: 24, 30: 28, 50: 44, 100: 80, 150: 108, 200: 132, 250: 152,
    300: 169, 400: 196, 500: 217, 1000: 278, 1500: 306, 2000: 322, 3000: 341, 5000: 357,
    10_000: 370, 20_000: 377, 50_000: 381, 1_000_000: 384,
}


@pytest.mark.parametrize(("population", "published"), sorted(KREJCIE_MORGAN.items()))
def test_finite_population_correction_reproduces_krejcie_morgan(population, published):
    reasoning = sample_size_reasoning(population)
    # K&M rounded to the nearest whole number; we round up so the margin is never exceeded.
    assert round(reasoning.n_exact) == published
    assert sample_size(population) == math.ceil(reasoning.n_exact - 1e-9) in (published, published + 1)


def test_sample_size_edges_and_errors():
    assert sample_size(0) == 0
    assert sample_size(3) == 3  # never more than the population
    assert sample_size(10_000, p=0.1) < sample_size(10_000, p=0.5)  # p = 0.5 is the worst case
    with pytest.raises(ValueError, match="margin"):
        sample_size(margin=0)
    with pytest.raises(ValueError, match="confidence"):
        sample_size(confidence=1.5)
    text = sample_size_reasoning(93_761).describe()
    assert "384.1" in text and "382.6" in text and "383 contacts" in text
    table = sample_size_table(93_761)
    assert table.loc["±5 points", "95% confidence"] == 383


# ------------------------------------------------------------------------------------------------
# ISO 2859-1 (reference tables in ../shared/reference)
# ------------------------------------------------------------------------------------------------


def _lot_sizes(label: str) -> list[int]:
    if label.endswith("+"):
        low = int(label[:-1])
        return [low, low * 3]
    low, high = map(int, label.split("-"))
    return sorted({low, (low + high) // 2, high})


def test_library_copy_of_the_iso_tables_equals_the_shared_reference():
    shared = json.loads(shared_path("reference", "iso2859_1_tables.json").read_text())
    library = A.iso2859_tables()
    for key, value in shared.items():
        assert library[key] == value, key
    table1 = library["code_letters"]
    assert dict(zip(table1["lot_sizes"], table1["levels"]["II"], strict=True)) == shared["level_II_code_letters"]


def test_acceptance_plans_match_the_reference_tables_for_every_lot_size_and_aql():
    shared = json.loads(shared_path("reference", "iso2859_1_tables.json").read_text())
    nominal = A.iso2859_tables()["nominal_sample_size"]["n"]
    checked = arrows = 0
    for label, letter in shared["level_II_code_letters"].items():
        for lot in _lot_sizes(label):
            for aql_key, n in shared["normal_single_effective_n"][letter].items():
                plan = A.acceptance_plan(lot, aql=float(aql_key))
                assert (plan.code_letter, plan.n) == (letter, n), (lot, aql_key)
                assert plan.accept == shared["normal_single_Ac"][letter][aql_key]
                assert plan.reject == shared["normal_single_Re"][letter][aql_key]
                assert nominal[plan.plan_code_letter] == n
                assert (plan.arrow is None) == (n == nominal[letter])
                assert plan.inspect_all == (n >= lot)
                arrows += plan.arrow is not None
                checked += 1
    assert checked > 1000 and arrows > 100


def test_acceptance_plan_textbook_examples_arrows_and_levels():
    # Montgomery, *Introduction to Statistical Quality Control*, the MIL-STD-105E example:
    # N = 2000, AQL 0.65 %, general level II, normal inspection -> K, n = 125, Ac = 2, Re = 3.
    plan = A.acceptance_plan(2000, aql=0.65)
    assert (plan.code_letter, plan.n, plan.accept, plan.reject, plan.arrow) == ("K", 125, 2, 3, None)
    # ISO 2859-1 Table 1, lot 1201-3200: S-1 C, S-2 D, S-3 E, S-4 G, I H, II K, III L.
    letters = {lvl: A.acceptance_plan(2000, aql=1.0, inspection_level=lvl).code_letter for lvl in A.INSPECTION_LEVELS}
    assert letters == {"S-1": "C", "S-2": "D", "S-3": "E", "S-4": "G", "I": "H", "II": "K", "III": "L"}
    # Table 2-A arrows: letter A at AQL 0.65 points down to F's plan (n 20, 0/1) ...
    down = A.acceptance_plan(5, aql=0.65)
    assert (down.code_letter, down.plan_code_letter, down.n, down.arrow, down.inspect_all) == ("A", "F", 20, "down", True)
    # ... and letter B at AQL 6.5 up to A's (n 2, 0/1).
    up = A.acceptance_plan(10, aql=6.5)
    assert (up.code_letter, up.plan_code_letter, up.n, up.accept, up.reject, up.arrow) == ("B", "A", 2, 0, 1, "up")
    assert A.acceptance_plan(10, aql="6.5") == up
    with pytest.raises(ValueError, match="lot size"):
        A.acceptance_plan(1, aql=1.0)
    with pytest.raises(ValueError, match="preferred AQL"):
        A.acceptance_plan(100, aql=2.0)
    with pytest.raises(ValueError, match="inspection level"):
        A.acceptance_plan(100, aql=1.0, inspection_level="IV")
    levels = A.inspection_levels_table(788)
    assert list(levels["inspection_level"]) == list(A.INSPECTION_LEVELS)


def test_agent_month_plans(population):
    plans = A.agent_month_plans(population)
    assert set(plans["month"]) == {"2026-01", "2026-02", "2026-03"}
    assert plans["lot_size"].sum() == len(population)
    one = plans.iloc[0]
    assert one["n"] == A.acceptance_plan(int(one["lot_size"]), aql=A.DEFAULT_AQL).n
    assert A.plan_overview(plans)["agent_months"].sum() == len(plans)
    assert A.agent_month_plans(population.drop(columns="agent_id")).empty


# ------------------------------------------------------------------------------------------------
# Allocation
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("allocation", S.ALLOCATIONS)
@pytest.mark.parametrize("n", [30, 97, 385, 2_000])
def test_allocation_sums_to_n_within_bounds(population, allocation, n):
    plan = S.allocate(population, n=n, strata=("channel", "team"), allocation=allocation, min_per_stratum=2)
    table = plan.table
    assert table["sample"].sum() == plan.n == n
    assert (table["sample"] <= table["population"]).all()
    assert (table["sample"] >= np.minimum(2, table["population"])).all()
    assert plan.population == len(population) and table["population"].sum() == len(population)


def test_proportional_allocation_is_proportional(population):
    plan = S.allocate(population, n=600, strata=("channel", "team"))
    exact = 600 * plan.table["population"] / len(population)
    assert (abs(plan.table["sample"] - exact) < 1).all()  # largest-remainder rounding
    assert plan.table["design_weight"].between(len(population) / 600 * 0.8, len(population) / 600 * 1.25).all()


def test_neyman_allocation_follows_n_times_sd_and_falls_back_without_variability(population):
    plan = S.allocate(population, n=500, strata=("team",), allocation="neyman", min_per_stratum=0)
    sd = population.groupby("team", observed=True)["handle_s"].std()
    size = population.groupby("team", observed=True).size()
    exact = 500 * size * sd / (size * sd).sum()  # Neyman (1934): n_h = n N_h S_h / sum N_h S_h
    got = plan.table.set_index("team")["sample"]
    assert (abs(got - exact) < 1).all() and plan.method == "neyman" and plan.variability == "handle_s"
    fallback = S.allocate(population.drop(columns="handle_s"), n=500, strata=("team",), allocation="neyman")
    assert fallback.method == "proportional" and fallback.requested == "neyman"
    assert "variability" in fallback.note and "proportional" in fallback.note


def test_equal_allocation_and_capping_at_small_strata():
    frame = pd.DataFrame({"queue": ["big"] * 500 + ["mid"] * 100 + ["tiny"] * 4})
    plan = S.allocate(frame, n=60, strata=("queue",), allocation="equal")
    assert plan.table.set_index("queue")["sample"].to_dict() == {"big": 28, "mid": 28, "tiny": 4}
    assert S.allocate(frame, n=10_000, strata=("queue",)).n == len(frame)  # n capped at N


def test_unusable_strata_are_skipped_with_a_reason(population):
    frame = population.assign(team=pd.Series([None] * len(population), dtype="string"), region="North")
    used, skipped = usable_strata(frame, ("channel", "queue", "team", "region", "hour_band"))
    assert used == ("channel", "hour_band")  # hour_band derived from arrived_at
    assert "no such column" in skipped["queue"] and "blank" in skipped["team"] and "single value" in skipped["region"]
    plan = S.allocate(frame, n=100)
    assert plan.strata == ("channel",) and set(plan.skipped) == {"queue", "team"}
    assert "`team` is not used" in SS.strata_sentence(plan)


def test_every_stratum_gets_a_contact_when_n_allows_and_too_high_minimum_is_refused(population):
    plan = S.allocate(population, n=40, strata=("channel", "team"))
    assert (plan.table["sample"] >= 1).all()
    with pytest.raises(ValueError, match="min_per_stratum"):
        S.allocate(population, n=20, strata=("channel", "team"), min_per_stratum=5)


# ------------------------------------------------------------------------------------------------
# Drawing and design weights
# ------------------------------------------------------------------------------------------------


def test_draw_is_reproducible_by_seed_and_does_not_mutate(population):
    before = population.copy()
    one = S.draw_sample(population, n=300, strata=("channel", "team"), per_agent=2, random_state=7)
    two = S.draw_sample(population, n=300, strata=("channel", "team"), per_agent=2, random_state=7)
    other = S.draw_sample(population, n=300, strata=("channel", "team"), per_agent=2, random_state=8)
    pd.testing.assert_frame_equal(one, two)
    assert not one.index.equals(other.index)
    gen = S.draw_sample(population, n=300, strata=("channel",), random_state=np.random.default_rng(3))
    assert gen.index.equals(S.draw_sample(population, n=300, strata=("channel",), random_state=np.random.default_rng(3)).index)
    pd.testing.assert_frame_equal(population, before)
    assert one.index.is_unique and one.index.isin(population.index).all()


def test_stratified_counts_match_the_allocation_and_weights_sum_to_population(population):
    plan = S.allocate(population, n=385, strata=("channel", "team"))
    sample = S.draw_sample(population, n=385, strata=("channel", "team"), random_state=1)
    assert len(sample) == 385
    counts = sample.groupby("stratum").size()
    assert counts.to_dict() == plan.table.set_index("stratum")["sample"].to_dict()
    assert sample["design_weight"].sum() == pytest.approx(len(population))
    expected = plan.table.set_index("stratum")["design_weight"]
    assert np.allclose(sample["design_weight"], expected.loc[sample["stratum"]].to_numpy())
    assert (sample["selected_by"] == "stratified").all()


@pytest.mark.parametrize("options", [{"per_agent": 3}, {"oversample": {"escalated": 5}, "per_agent": 2}, {"allocation": "neyman", "per_agent": 4}])
def test_design_weights_sum_to_population_size_in_every_design(population, options):
    sample = S.draw_sample(population, n=120, strata=("channel", "team"), random_state=11, **options)
    assert sample["design_weight"].sum() == pytest.approx(len(population))
    assert ((sample["inclusion_probability"] > 0) & (sample["inclusion_probability"] <= 1)).all()


def test_per_agent_minimum_is_honoured_where_the_agent_has_the_contacts():
    frame = make_population(3_000, seed=9, agents_per_team=25)  # 100 agents, n = 60: most get none
    frame.loc[frame.index[:1], "agent_id"] = "Z-solo"  # an agent with a single contact
    sample = S.draw_sample(frame, n=60, strata=("channel",), per_agent=2, random_state=4)
    coverage = S.agent_coverage(sample, frame, per_agent=2)
    assert coverage["met"].all()
    assert coverage.set_index("agent_id").loc["Z-solo", "sampled"] == 1  # all they have
    assert (sample["selected_by"] == "stratified").sum() == 60
    assert (sample["selected_by"] == "agent minimum").sum() > 100
    assert SS.agent_coverage_overview(coverage)["agents meeting it"].iloc[0] == len(coverage)


def test_per_agent_is_ignored_with_a_note_when_there_are_no_agents(population):
    sample = S.draw_sample(population.drop(columns="agent_id"), n=50, strata=("channel",), per_agent=2, random_state=1)
    assert len(sample) == 50 and any("no agents" in note for note in sample.attrs["notes"])


def test_top_up_inclusion_probabilities_match_monte_carlo():
    """The exact top-up probabilities against simulated selection frequencies.

    Measured: 300 draws of 30 from 600 contacts with per_agent=3; the largest |z| over the
    (agent, channel) cells was about 2.5 (independent-draws z, conservative here).
    """
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "channel": rng.choice(["phone", "chat", "email"], 600, p=[0.6, 0.3, 0.1]),
            "agent_id": rng.choice([f"A{i}" for i in range(12)], 600, p=np.r_[np.full(10, 0.095), [0.04, 0.01]]),
        }
    )
    reps = 300
    hits = np.zeros(len(frame))
    pi = np.full(len(frame), np.nan)
    for seed in range(reps):
        sample = S.draw_sample(frame, n=30, strata=("channel",), per_agent=3, random_state=seed)
        hits[sample.index] += 1
        pi[sample.index] = sample["inclusion_probability"]
    cells = (frame["agent_id"] + "|" + frame["channel"]).to_numpy()
    table = pd.DataFrame({"cell": cells, "freq": hits / reps, "pi": pi}).groupby("cell").agg(
        freq=("freq", "mean"), pi=("pi", "max"), size=("freq", "size")
    )
    table = table[table["pi"] < 1]
    z = (table["freq"] - table["pi"]) / np.sqrt(table["pi"] * (1 - table["pi"]) / (reps * table["size"]))
    assert z.abs().max() < 4.5, table.assign(z=z).sort_values("z")
    # the top-up raises the probability above n_h / N_h for agents with few contacts
    assert (table["pi"] > 30 / 600 * 0.9).all()


def test_systematic_sample(population):
    sample = S.systematic_sample(population, n=100, order_by="arrived_at", random_state=3)
    assert len(sample) == 100 and sample.index.is_unique
    assert sample["arrived_at"].is_monotonic_increasing
    assert sample["design_weight"].sum() == pytest.approx(len(population))
    ranks = population["arrived_at"].rank(method="first").loc[sample.index].to_numpy()
    assert np.allclose(np.diff(ranks), len(population) / 100, atol=1.01)  # every k-th contact
    again = S.systematic_sample(population, n=100, order_by="arrived_at", random_state=3)
    assert sample.index.equals(again.index)


def test_empty_population_gives_an_empty_sample():
    frame = make_population(10).iloc[:0]
    sample = S.draw_sample(frame, n=0, strata=("channel",), per_agent=2, random_state=1)
    assert sample.empty and "design_weight" in sample
    checks = C.representativeness(sample, frame)
    assert checks["verdict"].str.startswith("not tested").all()


# ------------------------------------------------------------------------------------------------
# Representativeness
# ------------------------------------------------------------------------------------------------

BY = ("team", "channel", "weekday", "hour_band")


def test_representativeness_flags_a_monday_only_and_a_one_team_sample(population):
    frame = _with_derived(population, ["weekday"])
    mondays = frame[frame["weekday"] == "Mon"].sample(300, random_state=1)
    checks = C.representativeness(mondays, population, by=BY, numeric=("handle_s",)).set_index("variable")
    assert checks.loc["weekday", "verdict"] == "not representative"
    assert checks.loc["weekday", "effect_size"] > 0.5 and "Mon: 100.0%" in checks.loc["weekday", "largest_gap"]
    one_team = population[population["team"] == "A"].sample(300, random_state=1)
    checks = C.representativeness(one_team, population, by=BY, numeric=("handle_s",)).set_index("variable")
    assert checks.loc["team", "verdict"] == "not representative"
    assert checks.loc["channel", "verdict"] == "representative"


def test_representativeness_passes_random_samples_false_alarm_rate(population):
    """A simple random sample is flagged on any variable in at most alpha of draws (Holm + effect size).

    Measured (n = 300 from 6,000; 4 category variables and handle time): 1 of these 100 seeds
    (1 %) and 16 of 500 seeds (3.2 %) had any "not representative" verdict; on a 20,000-contact
    population, 5 of 300 seeds (1.7 %). The bound is the nominal family-wise rate, alpha = 5 %.
    """
    flagged = 0
    frame = _with_derived(population, BY)
    for seed in range(100):
        sample = frame.sample(300, random_state=seed)
        checks = C.representativeness(sample, frame, by=BY, numeric=("handle_s",))
        flagged += (checks["verdict"] == "not representative").any()
    assert flagged / 100 <= 0.05


def test_weighted_representativeness_of_an_oversampled_design(population):
    sample = S.draw_sample(population, n=400, strata=("channel", "team"), oversample={"escalated": 6}, random_state=2)
    raw = C.representativeness(sample, population, by=("escalated",), numeric=("handle_s",)).set_index("variable")
    weighted = C.representativeness(sample, population, by=("escalated",), numeric=("handle_s",), weight="design_weight").set_index("variable")
    assert raw.loc["escalated", "verdict"] == "not representative"  # deliberately oversampled
    assert weighted.loc["escalated", "verdict"] == "representative"  # as the estimates see it
    assert weighted.loc["escalated", "n_effective"] < len(sample)


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, 0.03, 0.2, 0.005])
    assert np.allclose(C._holm(p), multipletests(p, method="holm")[1])


def test_missing_variables_are_reported_not_tested(population):
    checks = C.representativeness(population.sample(50, random_state=1), population, by=("queue",), numeric=("wait_s",))
    assert checks["verdict"].tolist() == ["not tested: the data has no such column"] * 2
    view = SS.representativeness_view(checks)
    assert list(view["variable"]) == ["queue", "wait_s"]


def test_sample_mix_shares(population):
    sample = S.draw_sample(population, n=200, strata=("team",), random_state=3)
    mix = C.sample_mix(sample, population, by=("team", "channel"))
    for _, part in mix.groupby("variable"):
        assert part["population_share"].sum() == pytest.approx(1)
        assert part["weighted_share"].sum() == pytest.approx(1)
    team = mix[mix["variable"] == "team"]
    assert np.allclose(team["weighted_share"], team["population_share"])  # weights restore the mix


# ------------------------------------------------------------------------------------------------
# Estimation
# ------------------------------------------------------------------------------------------------


def test_estimate_hand_computed():
    scored = pd.DataFrame(
        {"passed": [True, False, True, True], "score_pct": [0.9, 0.5, 0.8, 1.0], "design_weight": [1.0, 3.0, 2.0, 2.0], "team": ["x", "x", "y", "y"]}
    )
    out = C.estimate_from_sample(scored, value="passed").iloc[0]
    assert out["kind"] == "proportion" and out["estimate"] == pytest.approx(5 / 8) and out["n"] == 4
    assert out["population"] == pytest.approx(8)
    # linearisation: v = n/(n-1) sum (w (y - p))^2 / W^2
    v = 4 / 3 * sum((w * (y - 5 / 8)) ** 2 for w, y in [(1, 1), (3, 0), (2, 1), (2, 1)]) / 64
    assert out["se"] == pytest.approx(math.sqrt(v))
    assert out["ci_low"] < 5 / 8 < out["ci_high"]
    mean = C.estimate_from_sample(scored, value="score_pct", by="team").set_index("team")
    assert mean.loc["x", "estimate"] == pytest.approx((0.9 + 1.5) / 4) and mean.loc["y", "estimate"] == pytest.approx(0.9)
    assert (mean["kind"] == "mean").all() and mean.loc["x", "n"] == 2


def test_equal_weights_give_the_wilson_interval_of_a_simple_random_sample():
    from statsmodels.stats.proportion import proportion_confint

    y = np.r_[np.ones(40), np.zeros(60)]
    out = C.estimate_from_sample(pd.DataFrame({"v": y}), value="v", weight=None).iloc[0]
    # design-based n_eff = p(1-p)/v = n - 1 for equal weights (the with-replacement variance)
    low, high = proportion_confint(0.4 * 99, 99, method="wilson")
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((low, high))
    assert out["n_effective"] == pytest.approx(99)
    all_pass = C.estimate_from_sample(pd.DataFrame({"v": np.ones(20)}), value="v", weight=None).iloc[0]
    assert all_pass["estimate"] == 1 and 0.8 < all_pass["ci_low"] < 1 and all_pass["ci_high"] == pytest.approx(1)


@pytest.mark.parametrize(
    ("options", "reps"),
    [({}, 200), ({"oversample": {"escalated": 4}, "per_agent": 2}, 150)],
)
def test_weighted_estimates_cover_the_population_value_about_95_percent(population, options, reps):
    """Design-based coverage of the 95 % intervals, simulated.

    Measured (development runs, 400 draws of n = 400 from 20,000 contacts): proportional 95.3 %
    overall / 95.1 % by team; oversampled escalations with a per-agent minimum 95.8 % / 94.1 %;
    Neyman 94.0 % / 95.4 %; equal 96.3 % / 95.3 %. Here (6,000 contacts, n = 300) the bounds allow
    for the simulation error of a couple of hundred draws (SE about 1.5 points).
    """
    truth = population["passed"].mean()
    truth_team = population.groupby("team", observed=True)["passed"].mean()
    hits, team_hits = 0, []
    for seed in range(reps):
        sample = S.draw_sample(population, n=300, strata=("channel", "team"), random_state=seed, **options)
        whole = C.estimate_from_sample(sample, value="passed").iloc[0]
        hits += whole["ci_low"] <= truth <= whole["ci_high"]
        teams = C.estimate_from_sample(sample, value="passed", by="team").set_index("team")
        team_hits.append(((teams["ci_low"] <= truth_team) & (truth_team <= teams["ci_high"])).mean())
    assert 0.90 <= hits / reps <= 0.99
    assert 0.90 <= np.mean(team_hits) <= 0.99


# ------------------------------------------------------------------------------------------------
# Worksheet: write, neutralise, read back
# ------------------------------------------------------------------------------------------------


def test_worksheet_written_formula_safe_and_read_back(tmp_path, population):
    frame = population.copy()
    frame["queue"] = "=HYPERLINK(\"http://x\")"  # hostile category text
    frame.loc[frame.index[0], "contact_id"] = "-2+3"
    frame["comment"] = "free text never goes in"
    sample = S.draw_sample(frame, n=40, strata=("channel",), random_state=1)
    sample = pd.concat([sample, S.draw_sample(frame.iloc[:1], n=1, strata=(), random_state=1)])
    scorecard = SS.scorecard_items(None)
    sheet = SS.reviewer_worksheet(sample, scorecard=scorecard)
    assert "comment" not in sheet and len(sheet) == len(sample)
    items = [c for c in sheet if c.startswith("score: ")]
    assert len(items) == len(scorecard) and "score: identification_and_security (0-1, critical)" in items
    paths = SS.write_worksheet(sheet, tmp_path, scorecard=scorecard)
    assert paths == {"xlsx": "sample/qa_worksheet.xlsx", "csv": "sample/qa_worksheet.csv"}
    book = openpyxl.load_workbook(tmp_path / paths["xlsx"])
    ws = book["worksheet"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws.data_validations.dataValidation  # score cells limited to 0..max
    assert [c.value for c in book["scorecard"][1]] == ["item", "max_score", "critical"]
    csv_text = (tmp_path / paths["csv"]).read_text(encoding="utf-8-sig")
    assert "\n=" not in csv_text and ",=" not in csv_text

    # a reviewer fills in some rows (one of them badly) and the sheet is read back
    header = [c.value for c in ws[1]]
    rng = np.random.default_rng(0)
    for row in range(2, 32):
        for col, name in enumerate(header, start=1):
            if name and name.startswith("score: "):
                top = 1 if "(0-1" in name else 5
                ws.cell(row=row, column=col, value=int(rng.integers(top // 2, top + 1)))
        ws.cell(row=row, column=header.index("evaluator_id") + 1, value="qa.tester")
    ws.cell(row=5, column=header.index("score: greeting (0-5)") + 1, value="excellent")
    book.save(tmp_path / "filled.xlsx")
    scores = SS.read_worksheet(tmp_path / "filled.xlsx")
    assert scores.rows == len(sheet) and scores.rows_scored == 30
    assert len(scores.problems) == 1 and scores.problems.iloc[0]["value"] == "excellent"
    assert len(scores.evaluations) == 30 * len(scorecard) - 1
    assert set(scores.evaluations.columns) >= {"evaluation_id", "contact_id", "agent_id", "item", "score", "max_score", "critical"}
    assert "-2+3" in set(scores.evaluations["contact_id"]) or "-2+3" not in set(sheet["contact_id"].iloc[:30])
    assert scores.scored["design_weight"].notna().all()
    estimates = SS.qa_estimates(scores.scored, by=("team",))
    overall = estimates[(estimates["measure"] == "QA pass rate") & (estimates["group"] == "all")].iloc[0]
    assert overall["n"] == 30 and overall["ci_low"] <= overall["estimate"] <= overall["ci_high"]
    assert "30 scored" in SS.scores_sentence(scores, tmp_path / "filled.xlsx")
    csv_scores = SS.read_worksheet(tmp_path / paths["csv"])
    assert csv_scores.rows_scored == 0 and "Nothing is scored yet" in SS.scores_sentence(csv_scores)


def test_contact_ids_that_look_like_formulas_survive_the_round_trip(tmp_path):
    sample = pd.DataFrame({"contact_id": ["=1+1", "-5", "@x", "plain"], "agent_id": ["a", "a", "b", "b"], "design_weight": 2.0})
    sheet = SS.reviewer_worksheet(sample, scorecard=pd.DataFrame([("greeting", 5.0, False)], columns=["item", "max_score", "critical"]))
    paths = SS.write_worksheet(sheet, tmp_path)
    book = openpyxl.load_workbook(tmp_path / paths["xlsx"])
    ws = book["worksheet"]
    for row in range(2, 6):
        ws.cell(row=row, column=len(sheet.columns), value=4)
    book.save(tmp_path / "filled.xlsx")
    scores = SS.read_worksheet(tmp_path / "filled.xlsx")
    assert sorted(scores.evaluations["contact_id"]) == sorted(["=1+1", "-5", "@x", "plain"])


def test_scorecard_items_from_evaluations_and_default():
    evaluations = pd.DataFrame(
        {"item": ["b", "a", "b", "c"], "max_score": [5.0, 1.0, 5.0, 3.0], "critical": [False, True, None, False]}
    )
    card = SS.scorecard_items(evaluations)
    assert card.values.tolist() == [["b", 5.0, False], ["a", 1.0, True], ["c", 3.0, False]]
    assert len(SS.scorecard_items(None)) == len(SS.DEFAULT_SCORECARD)


def test_write_xlsx_keeps_text_as_text(tmp_path):
    frame = pd.DataFrame({"t": ["=SUM(A1)", "+1", "ok"], "n": [1, -2, 3], "when": pd.to_datetime(["2026-01-05 10:00"] * 3), "b": [True, False, None]})
    write_xlsx(frame, tmp_path / "x.xlsx", sheet="data")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["data"]
    assert [c.value for c in ws["A"]][1:] == ["'=SUM(A1)", "'+1", "ok"]
    assert [c.value for c in ws["B"]][1:] == [1, -2, 3]  # numbers are left alone
    assert ws["C2"].is_date and ws["D4"].value is None


# ------------------------------------------------------------------------------------------------
# The sampling frame in the engine, the explorer, the summary
# ------------------------------------------------------------------------------------------------


def test_sampling_frame_pulls_answered_contacts_from_the_store():
    from csperf_lib.ingest.store import Store

    contacts = pd.DataFrame(
        {
            "contact_id": ["C3", "C1", "C2", "C4"],
            "channel": ["phone", "chat", "phone", "email"],
            "team": pd.Series([None] * 4, dtype="string"),
            "agent_id": ["a1", "a2", None, "a1"],
            "arrived_at": pd.to_datetime(["2026-01-05 07:30", "2026-01-06 09:00", "2026-01-10 13:00", "2026-01-11 18:00"]),
            "answered": [True, True, False, True],
            "talk_s": [100.0, 200.0, None, 50.0],
            "hold_s": [10.0, None, None, 0.0],
            "wrap_s": [5.0, 5.0, None, None],
            "wait_s": [3.0, 4.0, 90.0, 5.0],
            "escalated": [False, True, None, False],
            "free_text": ["secret", "secret", "secret", "secret"],
            "_row": [3, 1, 2, 4],
        }
    )
    with Store("duckdb://") as store:
        store.write("contacts", contacts)
        frame = sampling_frame(store.table("contacts"), chunk_size=2)
    assert list(frame["contact_id"]) == ["C1", "C3", "C4"]  # answered, in source order
    assert "free_text" not in frame and "answered" not in frame
    assert frame["handle_s"].tolist() == [205.0, 115.0, 50.0]
    assert frame["weekday"].astype(str).tolist() == ["Tue", "Mon", "Sun"]
    assert frame["hour_band"].astype(str).tolist() == ["morning 08-12", "night 00-08", "evening 17-24"]
    assert isinstance(frame["channel"].dtype, pd.CategoricalDtype) and frame["team"].isna().all()
    _, skipped = usable_strata(frame)
    assert "blank" in skipped["team"] and "no such column" in skipped["queue"]
    overview = population_overview(frame)
    assert overview.iloc[0]["answered_contacts"] == 3 and overview.iloc[0]["agents"] == 2


def test_design_preview_and_explorer(population):
    preview = X.design_preview(population, margin=0.05, confidence=0.95, strata=("channel",))
    assert preview.reasoning.n == sample_size(len(population)) and preview.allocation.n == preview.reasoning.n
    wider = X.design_preview(population, margin=0.10, strata=("channel",))
    assert wider.reasoning.n < preview.reasoning.n
    bad = X.design_preview(population.iloc[:30], margin=0.05, strata=("channel", "team", "agent_id"), min_per_stratum=5)
    assert bad.allocation is None and "min_per_stratum" in bad.error
    panel = X.sampling_explorer(population, strata=("channel",))
    html_out = panel.children[-1]
    first = html_out.value
    assert str(sample_size(len(population))) in first
    panel.children[0].children[0].value = 0.10  # move the margin slider
    assert html_out.value != first and str(sample_size(len(population), margin=0.10)) in html_out.value


def test_sampling_summary_is_plain_json(population):
    from csperf_lib.core.summary_io import to_jsonable

    reasoning = sample_size_reasoning(len(population))
    plan = S.allocate(population, n=reasoning.n, strata=("channel",))
    sample = S.draw_sample(population, n=reasoning.n, strata=("channel",), per_agent=2, random_state=1)
    checks = C.representativeness(sample, population, by=("channel",), numeric=(), weight="design_weight")
    summary = SS.sampling_summary(plan=plan, sample=sample, reasoning=reasoning, checks=checks, seed=1, per_agent=2,
                                 worksheet={"xlsx": "sample/qa_worksheet.xlsx"})
    text = json.dumps(to_jsonable(summary))
    loaded = json.loads(text)
    assert loaded["population"] == len(population) and loaded["sample_size"] == len(sample)
    assert loaded["representativeness"]["channel"]["verdict"] == "representative"
    assert loaded["design_weights_sum"] == pytest.approx(len(population))


def test_qa_results_follow_the_critical_rule_and_pass_mark():
    evaluations = pd.DataFrame(
        {
            "evaluation_id": ["e1", "e1", "e2", "e2", "e3", "e3"],
            "contact_id": ["c1", "c1", "c2", "c2", "c3", "c3"],
            "agent_id": "a",
            "item": ["accuracy", "greeting"] * 3,
            "score": [3.0, 5.0, 5.0, 2.0, 5.0, 5.0],
            "max_score": 5.0,
            "critical": [True, False] * 3,
        }
    )
    strict = SS.qa_results(evaluations).set_index("evaluation_id")  # the KPI default: below max fails
    assert strict["critical_failed"].tolist() == [True, False, False]
    assert strict["passed"].tolist() == [False, False, True]  # e2: 70 % of the points < 80 %
    lenient = SS.qa_results(evaluations, critical_ratio=0.5).set_index("evaluation_id")
    assert lenient.loc["e1", "critical_failed"] == False and lenient.loc["e1", "passed"] == True  # noqa: E712
    assert strict.loc["e2", "score_pct"] == pytest.approx(0.7)


def test_hypergeometric_pmf_matches_scipy():
    from scipy import stats

    x = np.arange(6)[None, :]
    total = np.array([10, 50, 1_000, 95_000])[:, None]
    successes = np.array([3, 20, 40, 95])[:, None]
    draws = np.array([4, 5, 12, 4])[:, None]
    assert np.allclose(S._hypergeom_pmf(x, total, successes, draws), stats.hypergeom.pmf(x, total, successes, draws), rtol=1e-9, atol=1e-14)
    assert S._hypergeom_pmf(np.array([0]), np.array([5]), np.array([0]), np.array([5]))[0] == pytest.approx(1)


def test_sampling_settings_parameter_then_config_then_default(tmp_path):
    from csperf_lib.core.config import parse_config
    from csperf_lib.core.errors import ConfigError
    from csperf_lib.stages.sample import SAMPLING_DEFAULTS, sampling_settings

    (tmp_path / "calls.csv").write_text("id,when,ans\n")
    (tmp_path / "filled.xlsx").write_bytes(b"placeholder")
    raw = {
        "tables": {"contacts": {"source": {"file": "calls.csv"}, "columns": {"contact_id": "id", "arrived_at": "when", "answered": "ans"}}},
        "sampling": {"margin": 0.04, "filled_worksheet": "filled.xlsx", "aql": 0.65},
    }
    config = parse_config(raw, path=tmp_path / "review.yaml")
    settings = sampling_settings(config, margin=None, confidence=0.9)
    assert settings.margin == 0.04 and settings.source["margin"] == "config"
    assert settings.confidence == 0.9 and settings.source["confidence"] == "parameter"
    assert settings.seed == SAMPLING_DEFAULTS["seed"] and settings.source["seed"] == "default"
    assert settings.filled_worksheet == (tmp_path / "filled.xlsx").resolve() and settings.aql == 0.65
    with pytest.raises(ConfigError) as err:  # every problem of the section, found when the config is loaded
        bad = parse_config({**raw, "sampling": {"margni": 0.1, "allocation": "random", "filled_worksheet": "nope.xlsx"}}, path=tmp_path / "review.yaml")
        sampling_settings(bad)
    text = str(err.value)
    assert "sampling.margni: unknown option" in text and "sampling.allocation" in text and "nope.xlsx" in text


def test_an_unrepresentative_sample_is_a_finding(population):
    from csperf_lib.core.findings import FindingsLedger

    frame = _with_derived(population, ["weekday"])
    mondays = frame[frame["weekday"] == "Mon"].sample(300, random_state=1)
    checks = C.representativeness(mondays, population, by=BY, numeric=("handle_s",))
    ledger = FindingsLedger("02_sample")
    SS.sampling_findings(checks, ledger=ledger)
    found = {f.attributes["variable"]: f for f in ledger}
    assert "weekday" in found and found["weekday"].kind == "source_risk" and found["weekday"].significant
    assert "Mon: 100.0%" in found["weekday"].sentence and "not representative" in found["weekday"].sentence
    assert set(found) == set(checks.loc[checks["verdict"] == "not representative", "variable"])
