"""Tests of csperf_lib.methods.sources: currency, credibility, coverage, non-response bias, reliability."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pandas as pd
import pytest

from csperf_lib.core.tables import CANONICAL_TABLES, KIND_DTYPES
from csperf_lib.ingest.store import Store
from csperf_lib.methods.nonresponse import nonresponse_bias
from csperf_lib.methods.reliability import cronbach_alpha, scorecard_reliability
from csperf_lib.methods.sources import (
    coverage,
    credibility,
    currency,
    evaluate_sources,
    method_notes,
    poisson_interval,
    summary_entries,
    thin_segments,
)


def canonical(table: str, **columns) -> pd.DataFrame:
    """A canonical frame of ``table`` with the given columns, the rest empty, canonical dtypes."""
    n = len(next(iter(columns.values())))
    out = {}
    for name, kind in CANONICAL_TABLES[table].columns.items():
        values = columns.get(name, [None] * n)
        out[name] = pd.Series(values, dtype=KIND_DTYPES[kind])
    return pd.DataFrame(out)


@pytest.fixture
def store():
    s = Store("duckdb://")
    yield s
    s.close()


# ------------------------------------------------------------------------------------------------
# reliability
# ------------------------------------------------------------------------------------------------


def test_cronbach_alpha_matches_published_example():
    # Statology, "How to Calculate Cronbach's Alpha in Python" (Zach, 17 Aug 2021,
    # https://www.statology.org/cronbachs-alpha-in-python/): 10 customers rate a restaurant 1-3 on
    # three questions; pingouin.cronbach_alpha(data=df) prints (0.7734375, array([0.336, 0.939])).
    df = pd.DataFrame({"Q1": [1, 2, 2, 3, 2, 2, 3, 3, 2, 3],
                       "Q2": [1, 1, 1, 2, 3, 3, 2, 3, 3, 3],
                       "Q3": [1, 1, 2, 1, 2, 3, 3, 3, 2, 3]})
    before = df.copy()
    r = cronbach_alpha(df)
    pd.testing.assert_frame_equal(df, before)  # input not mutated
    assert r.alpha == pytest.approx(0.7734375, abs=1e-9)
    assert (round(r.low, 3), round(r.high, 3)) == (0.336, 0.939)  # Feldt interval, as pingouin
    assert (r.n, r.k) == (10, 3)
    # alpha if deleted with k = 3 is the two-item alpha of the other two; item-total r is corrected
    q2q3 = cronbach_alpha(df[["Q2", "Q3"]]).alpha
    assert r.items.set_index("item").loc["Q1", "alpha_if_deleted"] == pytest.approx(q2q3)
    rest = df["Q2"] + df["Q3"]
    assert r.items.set_index("item").loc["Q1", "item_total_r"] == pytest.approx(np.corrcoef(df["Q1"], rest)[0, 1])


def test_cronbach_alpha_small_data_is_nan():
    assert math.isnan(cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0]})).alpha)  # one item
    assert math.isnan(cronbach_alpha(pd.DataFrame({"a": [1.0], "b": [2.0]})).alpha)  # one row


def test_scorecard_reliability_pivots_long_qa():
    rng = np.random.default_rng(3)
    n, items = 200, ["a", "b", "c", "d"]
    skill = rng.normal(0, 1, n)
    rows = []
    for e in range(n):
        for it in items:
            rows.append((f"E{e}", "A1", it, float(np.clip(np.rint(5 + 2 * skill[e] + rng.normal(0, 1)), 0, 10)), 10.0))
    qa = canonical("qa_evaluations", evaluation_id=[r[0] for r in rows], agent_id=[r[1] for r in rows],
                   item=[r[2] for r in rows], score=[r[3] for r in rows], max_score=[r[4] for r in rows])
    r = scorecard_reliability(qa)
    assert r.k == 4 and r.n == n
    assert r.alpha > 0.8  # one latent skill drives every item
    wide = qa.assign(p=qa.score / qa.max_score).pivot(index="evaluation_id", columns="item", values="p")
    assert r.alpha == pytest.approx(cronbach_alpha(wide).alpha)


# ------------------------------------------------------------------------------------------------
# currency
# ------------------------------------------------------------------------------------------------


def test_currency_finds_gap_days_and_lag(store):
    days = ["2026-01-05 09:00", "2026-01-05 17:00", "2026-01-06 10:00", "2026-01-08 11:00", "2026-01-11 12:00"]
    store.write("contacts", canonical("contacts", contact_id=[f"C{i}" for i in range(5)], arrived_at=pd.to_datetime(days),
                                      answered=[True] * 5))
    c = currency(store, table="contacts", extracted_at="2026-01-13T12:00:00")
    assert c["gap_dates"] == ["2026-01-07", "2026-01-09", "2026-01-10"]
    assert c["days_without_records"] == 3
    assert c["days_spanned"] == 7 and c["days_with_records"] == 4 and c["records"] == 5
    assert c["last_record_at"] == pd.Timestamp("2026-01-11 12:00")
    assert c["lag_days"] == pytest.approx(2.0)
    assert c["gap_weekdays"] == {"Wednesday": 1, "Friday": 1, "Saturday": 1}


# ------------------------------------------------------------------------------------------------
# credibility
# ------------------------------------------------------------------------------------------------


def test_credibility_from_summary(tmp_path):
    f = tmp_path / "calls.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    sha = hashlib.sha256(f.read_bytes()).hexdigest()
    summary = {
        "sources": [{"table": "contacts", "location": str(f), "sha256": sha, "rows_in": 200, "rows_usable": 180}],
        "validation": {"failures": [
            {"table": "contacts", "column": "contact_id", "check": "duplicate contact_id of an earlier record", "rows": 6},
            {"table": "contacts", "column": "(row)", "check": "abandoned contacts are not answered", "rows": 14},
            {"table": "surveys", "column": "csat", "check": "duplicate", "rows": 99},
        ]},
    }
    c = credibility(summary, table="contacts")
    assert c["pass_rate"] == pytest.approx(0.9)
    assert c["duplicate_rows"] == 6 and c["duplicate_rate"] == pytest.approx(0.03)
    assert c["checks_failed"] == 2 and c["rows_failing_checks"] == 20
    assert c["consistency_checks"] == 2 and c["consistency_checks_passed"] == 1
    assert c["consistency_checks_failed"] == ["abandoned contacts are not answered"]
    assert c["file_status"] == "unchanged"
    f.write_text("a,b\n1,3\n", encoding="utf-8")
    assert credibility(summary, table="contacts")["file_status"] == "changed"
    f.unlink()
    assert credibility(summary, table="contacts")["file_status"] == "not checkable"


# ------------------------------------------------------------------------------------------------
# coverage
# ------------------------------------------------------------------------------------------------


def _small_store(store):
    answered = [True] * 8 + [False] * 2
    store.write("contacts", canonical(
        "contacts", contact_id=[f"C{i}" for i in range(10)], channel=["phone"] * 6 + ["email"] * 4,
        queue=["Billing"] * 10, agent_id=["A"] * 4 + ["B"] * 4 + [None] * 2,
        arrived_at=pd.date_range("2026-01-05", periods=10, freq="h"), answered=answered))
    store.write("surveys", canonical("surveys", response_id=["R1", "R2", "R3", "R4"], contact_id=["C0", "C5", "C5", None],
                                     csat=[5.0, 4.0, 4.0, 3.0]))
    store.write("qa_evaluations", canonical("qa_evaluations", evaluation_id=["E1", "E1", "E2"], contact_id=["C0", "C0", "C1"],
                                            agent_id=["A", "A", "A"], item=["x", "y", "x"], score=[1.0, 1.0, 0.0],
                                            max_score=[1.0, 1.0, 1.0]))
    store.write("complaints", canonical("complaints", complaint_id=["K1", "K2", "K3"],
                                        received_at=pd.date_range("2026-01-05", periods=3, freq="D")))


def test_coverage_hand_checked(store):
    _small_store(store)
    cov = coverage(store).set_index("measure")
    s = cov.loc["surveys per answered contact"]
    assert (s.numerator, s.denominator) == (2, 8)  # C0 and C5 (C5 twice counts once); R4 unlinked
    assert s.value == pytest.approx(0.25) and s.low < 0.25 < s.high
    assert "1 responses carry no contact reference" in s.note
    q = cov.loc["QA evaluations per agent"]
    assert (q.numerator, q.denominator) == (2, 2)  # agent A: 2 evaluations, agent B: none
    assert (q.low, q.value, q.high) == (0, 1, 2)
    assert "2 of 2 agents have fewer than 5" in q.note
    k = cov.loc["complaints per 1,000 contacts"]
    assert k.value == pytest.approx(300.0)
    lo, hi = poisson_interval(3)
    assert (lo, hi) == pytest.approx((0.6187, 8.7673), abs=1e-4)  # Garwood exact limits for x = 3
    assert (k.low, k.high) == pytest.approx((lo * 100, hi * 100))


def test_thin_segments(store):
    _small_store(store)
    thin = thin_segments(store, min_n=2)
    row = thin[(thin.source == "surveys") & (thin.segment == "channel")].set_index("value")
    # C0-C5 are phone: R1 (C0), R2 and R3 (C5) are three phone responses; no email contact responded
    assert row.loc["phone", "n"] == 3 and not row.loc["phone", "thin"]
    assert row.loc["email", "n"] == 0 and row.loc["email", "thin"] and row.loc["email", "contacts"] == 4
    qa = thin[(thin.source == "qa_evaluations") & (thin.segment == "queue")].set_index("value")
    assert qa.loc["Billing", "n"] == 2 and not qa.loc["Billing", "thin"]


# ------------------------------------------------------------------------------------------------
# non-response bias
# ------------------------------------------------------------------------------------------------


def _response_store(store, *, biased: bool, seed: int = 11, n: int = 6000):
    rng = np.random.default_rng(seed)
    wait = rng.gamma(2.0, 60.0, n)
    fcr = rng.random(n) < 0.7
    if biased:  # the short-wait customers respond: response falls from ~25 % to ~5 % with wait
        p = 0.05 + 0.25 * np.exp(-wait / 80.0)
    else:
        p = np.full(n, 0.12)
    responded = rng.random(n) < p
    ids = [f"C{i}" for i in range(n)]
    store.write("contacts", canonical(
        "contacts", contact_id=ids, channel=rng.choice(["phone", "chat"], n).tolist(), agent_id=["A"] * n,
        arrived_at=pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 86400 * 20, n), unit="s"),
        wait_s=wait, answered=[True] * n, talk_s=rng.gamma(3.0, 100.0, n), resolved_first_contact=fcr.tolist(),
        transferred=(rng.random(n) < 0.1).tolist()))
    rid = [ids[i] for i in np.flatnonzero(responded)]
    store.write("surveys", canonical("surveys", response_id=[f"R{i}" for i in range(len(rid))], contact_id=rid,
                                     csat=rng.integers(1, 6, len(rid)).astype(float)))
    return responded


def test_nonresponse_bias_detected_when_responders_waited_less(store):
    responded = _response_store(store, biased=True)
    nr = nonresponse_bias(store)
    assert nr.overall["responders"] == responded.sum()
    wait = nr.comparison.set_index("measure").loc["wait_s"]
    assert wait.responders < wait.nonresponders and wait.effect < -0.1 and wait.p_adjusted < 0.001 and wait.material
    assert nr.direction == "overstated"
    assert "Responders waited" in nr.verdict and "less than non-responders" in nr.verdict
    assert "overstated" in nr.verdict


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nonresponse_bias_not_flagged_when_response_is_random(store, seed):
    # n = 20,000: the standard error of Cohen's h is then ~0.022, so chance alone essentially never
    # reaches the material size 0.1 (z > 4.5). With n = 6,000 (SE ~0.04) about 1 random data set in
    # 20 is flagged -- the test's alpha -- e.g. seed 1 gives a chance transfer-rate gap, h = 0.13.
    _response_store(store, biased=False, seed=seed, n=20_000)
    nr = nonresponse_bias(store)
    assert nr.direction == "none"
    assert not nr.comparison["material"].any()
    assert "No sign of non-response bias" in nr.verdict
    assert 0.10 < nr.overall["response_rate"] < 0.14


def test_benjamini_hochberg():
    from csperf_lib.methods.compare import benjamini_hochberg
    from csperf_lib.methods.stats import fdr_bh

    # Benjamini & Hochberg (1995) step-up by hand: sorted p 0.005, 0.01, 0.03, 0.04 over m = 4
    adj = fdr_bh([0.01, 0.04, 0.03, 0.005, np.nan])
    np.testing.assert_allclose(adj[:4], [0.02, 0.04, 0.04, 0.02])
    assert np.isnan(adj[4])
    adjusted, significant = benjamini_hochberg(pd.Series([0.01, 0.04, 0.03, 0.005, np.nan]), alpha=0.03)
    np.testing.assert_allclose(adjusted[:4], [0.02, 0.04, 0.04, 0.02])
    assert significant.tolist() == [True, False, False, True, False]


# ------------------------------------------------------------------------------------------------
# method notes and the bundle
# ------------------------------------------------------------------------------------------------


def test_method_notes_use_the_data():
    notes = method_notes({"responders": 1200, "response_rate": 0.118, "nonresponse_direction": "overstated",
                          "qa_evaluations": 300, "qa_agents": 20, "qa_agents_below_5": 4, "qa_alpha": 0.55, "kappa": 0.42})
    assert list(notes["method"]) == ["operational statistics", "surveys", "QA evaluations", "complaints", "free-text feedback"]
    row = notes.set_index("method")
    assert "11.8%" in row.loc["surveys", "weaknesses"] and "overstated" in row.loc["surveys", "risks"]
    assert "4 of 20 agents" in row.loc["QA evaluations", "weaknesses"]
    assert "kappa 0.42" in row.loc["QA evaluations", "risks"] and "alpha 0.55" in row.loc["QA evaluations", "risks"]
    assert not row.loc["complaints", "used"] and row.loc["complaints", "evidence"] == "not measured in this review"


def test_evaluate_sources_summary_is_json(store):
    _small_store(store)
    ev = evaluate_sources(store)
    out = summary_entries(ev)
    text = json.dumps(out)
    assert "sources_evaluation" in out and "currency" in out["sources_evaluation"]
    assert len(ev.currency) == 4 and ev.findings
    assert json.loads(text)["sources_evaluation"]["coverage"][0]["measure"] == "surveys per answered contact"
