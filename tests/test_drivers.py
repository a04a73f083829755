"""Drivers of satisfaction: a known logistic model is recovered (and equals a direct statsmodels
fit), missing data gives notes not errors, and quality-vs-satisfaction works on the demo store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy.stats import spearmanr

from csperf_lib.ingest.store import Store
from csperf_lib.methods.drivers import quality_vs_satisfaction, satisfaction_drivers

N = 5_000


@pytest.fixture(scope="module")
def synthetic():
    """Contacts + surveys with logit P(top-2-box) = 1.5 - 0.4 wait_min + 0.8 fcr."""
    rng = np.random.default_rng(11)
    wait_min = rng.exponential(2.0, N)
    fcr = rng.random(N) < 0.7
    handle_s = rng.gamma(4, 90, N)
    channel = rng.choice(["phone", "chat", "email"], N, p=[0.6, 0.25, 0.15])
    p = 1 / (1 + np.exp(-(1.5 - 0.4 * wait_min + 0.8 * fcr)))
    top2 = rng.random(N) < p
    csat = np.where(top2, rng.choice([4.0, 5.0], N), rng.choice([1.0, 2.0, 3.0], N))
    ids = pd.array([f"C{i:05d}" for i in range(N)], dtype="string")
    contacts = pd.DataFrame(
        {
            "contact_id": ids,
            "channel": pd.array(channel, dtype="string"),
            "wait_s": wait_min * 60,
            "talk_s": handle_s * 0.8,
            "hold_s": handle_s * 0.1,
            "wrap_s": handle_s * 0.1,
            "resolved_first_contact": pd.array(fcr, dtype="boolean"),
            "answered": pd.array(np.ones(N, bool), dtype="boolean"),
        }
    )
    surveys = pd.DataFrame(
        {
            "response_id": pd.array([f"R{i}" for i in range(N)], dtype="string"),
            "contact_id": ids,
            "csat": csat,
        }
    )
    data = pd.DataFrame(
        {
            "top2": (csat >= 4).astype(int),
            "wait_min": wait_min,
            "handle_min": handle_s / 60,
            "fcr": fcr.astype(int),
            "channel": channel,
        }
    )
    return {"contacts": contacts, "surveys": surveys}, data


def test_known_odds_ratios_are_recovered(synthetic):
    tables, _ = synthetic
    before = {k: v.copy() for k, v in tables.items()}
    result = satisfaction_drivers(tables)
    for k, v in tables.items():
        pd.testing.assert_frame_equal(v, before[k])  # inputs untouched
    t = result.table.set_index("term")
    assert result.n == N
    assert t.loc["wait_min", "ci_low"] < np.exp(-0.4) < t.loc["wait_min", "ci_high"]
    assert t.loc["fcr", "ci_low"] < np.exp(0.8) < t.loc["fcr", "ci_high"]
    assert {"channel[chat]", "channel[email]", "handle_min"} <= set(t.index)
    assert t.loc["fcr", "n"] == int(tables["contacts"]["resolved_first_contact"].sum())
    assert any(
        f.startswith("Each extra minute of waiting multiplies the odds") for f in result.findings
    )
    assert any("resolved at first contact" in f for f in result.findings)
    assert 0 < result.pseudo_r2 < 1


def test_equals_a_direct_statsmodels_fit(synthetic):
    tables, data = synthetic
    result = satisfaction_drivers(tables).table.set_index("term")
    direct = smf.logit(
        "top2 ~ wait_min + handle_min + fcr + C(channel, Treatment(reference='phone'))", data=data
    ).fit(disp=False)
    ci = np.exp(direct.conf_int())
    for term, name in [
        ("wait_min", "wait_min"),
        ("fcr", "fcr"),
        ("handle_min", "handle_min"),
        ("channel[chat]", "C(channel, Treatment(reference='phone'))[T.chat]"),
    ]:
        assert result.loc[term, "odds_ratio"] == pytest.approx(
            np.exp(direct.params[name]), rel=1e-6
        )
        assert result.loc[term, "ci_low"] == pytest.approx(ci.loc[name, 0], rel=1e-6)
        assert result.loc[term, "ci_high"] == pytest.approx(ci.loc[name, 1], rel=1e-6)
        assert result.loc[term, "p"] == pytest.approx(direct.pvalues[name], rel=1e-4, abs=1e-300)


def test_sampling_happens_in_the_engine_and_is_seeded(synthetic):
    tables, _ = synthetic
    a = satisfaction_drivers(tables, max_rows=1_000, random_state=3)
    b = satisfaction_drivers(tables, max_rows=1_000, random_state=3)
    assert a.n == 1_000 and "sample of 1,000" in a.note
    pd.testing.assert_frame_equal(a.table, b.table)
    assert (
        satisfaction_drivers(tables, max_rows=1_000, random_state=4)
        .table["odds_ratio"]
        .ne(a.table["odds_ratio"])
        .any()
    )


def test_missing_or_thin_data_gives_a_note(synthetic):
    tables, _ = synthetic
    for given, words in [
        ({"contacts": tables["contacts"]}, "no surveys table"),
        ({"surveys": tables["surveys"]}, "no contacts table"),
        (
            {"contacts": tables["contacts"], "surveys": tables["surveys"].drop(columns="csat")},
            "surveys.csat",
        ),
        ({"contacts": tables["contacts"], "surveys": tables["surveys"].head(50)}, "fewer than 100"),
        (
            {"contacts": tables["contacts"], "surveys": tables["surveys"].assign(csat=5.0)},
            "no variation",
        ),
    ]:
        result = satisfaction_drivers(given)
        assert result.table.empty and words in result.note, (words, result.note)
        assert list(result.table.columns[:6]) == [
            "term",
            "odds_ratio",
            "ci_low",
            "ci_high",
            "p",
            "n",
        ]
    empty_store = Store("duckdb://")
    assert "no surveys table" in satisfaction_drivers(empty_store).note
    empty_store.close()


# --- on the demo store ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    from conftest import load_into_store

    from csperf_lib.ingest.demo import generate_demo

    demo = generate_demo(tmp_path_factory.mktemp("demo"), contacts=20_000, seed=7)
    config, store = load_into_store(demo.config_path)
    yield store, config
    store.close()


def test_demo_drivers_find_first_contact_resolution(demo_store):
    store, _ = demo_store
    result = satisfaction_drivers(store)
    t = result.table.set_index("term")
    assert result.n > 1_000
    assert t.loc["fcr", "ci_low"] > 1  # resolved contacts are rated better
    assert {"wait_min", "handle_min", "fcr"} <= set(t.index)
    assert any(term.startswith("channel[") for term in t.index)


@pytest.mark.parametrize("level", ["agent_id", "team"])
def test_quality_vs_satisfaction_on_demo(demo_store, level):
    store, config = demo_store
    result = quality_vs_satisfaction(store, level=level, config=config)
    by = result.by_level
    units = store.table("contacts").filter(lambda t: t[level].notnull())[level].nunique().execute()
    assert len(by) == units and by[level].is_unique
    assert (by["csat_mean_n"] > 0).all() and (by["qa_score_mean_n"] > 0).all()
    assert by["csat_mean_n"].sum() <= store.count("surveys")
    assert by["csat_mean"].between(1, 5).all() and by["fcr_rate"].between(0, 1).all()
    # complaints reach agents and teams through the contact they are about (Related Call ID)
    assert by["complaints_per_1000"].notna().all() and (by["complaints_per_1000"] >= 0).all()
    corr = result.correlations.set_index(["measure", "versus"])
    eligible = by[by["csat_mean_n"] >= 20]
    direct = spearmanr(eligible["qa_score_mean"], eligible["csat_mean"])
    assert corr.loc[("qa_score_mean", "csat_mean"), "rho"] == pytest.approx(direct.statistic)
    assert corr.loc[("qa_score_mean", "csat_mean"), "p"] == pytest.approx(direct.pvalue)
    assert corr.loc[("qa_score_mean", "csat_mean"), "n_units"] == len(eligible)
    assert corr.loc[("complaints_per_1000", "csat_mean"), "n_units"] == len(eligible)


def test_min_n_filters_units(demo_store):
    store, config = demo_store
    result = quality_vs_satisfaction(store, level="agent_id", config=config, min_n=10_000)
    assert (result.correlations["n_units"] == 0).all() and result.correlations["rho"].isna().all()
    with pytest.raises(ValueError, match="level"):
        quality_vs_satisfaction(store, level="region")
