"""Erlang B, C and A against published worked examples and independent constructions, and the
interval analysis on a small hand-built store."""

from __future__ import annotations

import heapq
import json
import math
import time
from fractions import Fraction

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import special
from scipy.linalg import expm

from csperf_lib.core.errors import ConfigError
from csperf_lib.ingest.store import Store
from csperf_lib.methods.erlang import Queue, Staffing, erlang_a, erlang_b, erlang_c, required_agents
from csperf_lib.methods.staffing import (
    ASSUMPTIONS,
    interval_profile,
    staffing_options,
    weekday_profile,
)
from csperf_lib.methods.staffing_review import staffing_review, summary_entries, what_if_table
from csperf_lib.report.plots import staffing_heatmap

matplotlib.use("Agg")

HALF_HOUR = 1800


def _erlang_b_exact(a: int, n: int) -> float:
    """B(N, A) = (A^N / N!) / sum_k A^k / k!, in exact rational arithmetic."""
    a = Fraction(a)
    terms = [a**k / math.factorial(k) for k in range(n + 1)]
    return float(terms[-1] / sum(terms))


def _erlang_c_exact(a: int, n: int) -> float:
    """C(N, A) = (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! * N/(N-A)), exactly."""
    a = Fraction(a)
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    return float(top / (sum(a**k / math.factorial(k) for k in range(n)) + top))


# --------------------------------------------------------------------------------------------
# Erlang B
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("traffic", "trunks", "expected", "places"),
    [
        # erlanglib (PyPI) test suite, from standard Erlang B tables: 5 E on 10 trunks = 1.84 %,
        # 20 E on 10 trunks = 53.8 %.
        (5, 10, 0.018384, 6),
        (20, 10, 0.53796, 5),
        # Erlang B tables: 10 E on 14 trunks = 5.68 %, on 15 trunks = 3.65 %.
        (10, 14, 0.0568, 4),
        (10, 15, 0.0365, 4),
        # Westbay / erlang.com calculator manual ("How much traffic can a trunk group handle?"):
        # 15 lines at 1 % blocking carry 8.108 Erlangs.
        (8.108, 15, 0.0100, 4),
        (1, 1, 0.5, 12),
    ],
)
def test_erlang_b_matches_published_tables(traffic, trunks, expected, places):
    assert round(erlang_b(traffic, trunks), places) == pytest.approx(expected, abs=10**-places)


@pytest.mark.parametrize(
    ("traffic", "blocking", "lines"),
    [
        # P. Dordal, "Erlang models" (Loyola CS 346 notes, from erlang.com's calculator):
        # 10 E at 1 % -> 18 lines; 1000 E at 1 % -> 1029 lines.
        (10, 0.01, 18),
        (1000, 0.01, 1029),
        # erlanglib (PyPI) tests: 5 E at 1 % -> 11 channels; 708 E at 1 % -> 736 channels.
        (5, 0.01, 11),
        (708, 0.01, 736),
    ],
)
def test_lines_needed_for_a_blocking_target_match_published_tables(traffic, blocking, lines):
    assert erlang_b(traffic, lines) <= blocking < erlang_b(traffic, lines - 1)


@pytest.mark.parametrize(("a", "n"), [(1, 1), (2, 5), (5, 10), (10, 14), (7, 3), (48, 55), (30, 30)])
def test_erlang_b_recursion_equals_the_factorial_formula(a, n):
    assert erlang_b(a, n) == pytest.approx(_erlang_b_exact(a, n), rel=1e-13)


def test_erlang_b_edges_and_bad_input():
    assert erlang_b(0, 5) == 0.0
    assert erlang_b(4, 0) == 1.0
    with pytest.raises(ValueError, match="trunks"):
        erlang_b(4, 2.5)
    with pytest.raises(ValueError, match="traffic_erlangs"):
        erlang_b(-1, 3)


# --------------------------------------------------------------------------------------------
# Erlang C
# --------------------------------------------------------------------------------------------


def test_erlang_c_matches_the_call_centre_helper_worked_example():
    # Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example": 100 calls
    # per 30 minutes, AHT 180 s (A = 10 Erlangs), target 80 % in 20 s, 85 % maximum occupancy,
    # 30 % shrinkage. Its step values as the erlanglib (PyPI) test suite records them: 11 agents
    # -> P(wait) 0.6821, service level 0.390; 12 -> 0.640; 14 agents -> P(wait) 0.1741, service
    # level 0.888350, ASA 7.83593 s, 82.586 % answered immediately, occupancy 71.4285 %; the
    # pyworkforce test suite has 14 agents, 20 with shrinkage, occupancy 0.714, P(wait) 0.174.
    def q(n):
        return erlang_c(calls=100, interval_s=HALF_HOUR, aht_s=180, agents=n, target_s=20)

    assert q(11).traffic_erlangs == 10.0
    assert round(q(11).p_wait, 4) == 0.6821
    assert round(q(11).service_level, 3) == 0.390
    assert round(q(12).service_level, 3) == 0.640
    assert round(q(13).service_level, 3) == 0.796  # below 80 %: 13 agents are not enough
    fourteen = q(14)
    assert round(fourteen.p_wait, 4) == 0.1741
    assert round(fourteen.service_level, 3) == 0.888
    assert round(fourteen.asa_s, 2) == 7.84
    assert round(100 * (1 - fourteen.p_wait), 2) == 82.59
    assert round(fourteen.occupancy, 4) == 0.7143
    assert fourteen.stable and fourteen.p_abandon == 0.0 and fourteen.model == "erlang_c"


@pytest.mark.parametrize(("a", "n"), [(10, 11), (10, 14), (48, 55), (2, 3), (99, 100)])
def test_erlang_c_equals_the_factorial_formula(a, n):
    q = erlang_c(calls=a, interval_s=HALF_HOUR, aht_s=HALF_HOUR, agents=n, target_s=0)
    assert q.p_wait == pytest.approx(_erlang_c_exact(a, n), rel=1e-12)
    assert q.service_level == pytest.approx(1 - q.p_wait, rel=1e-12)  # t = 0: not waiting at all


def test_erlang_c_is_monotone():
    sls = [erlang_c(calls=100, interval_s=HALF_HOUR, aht_s=180, agents=n, target_s=20) for n in range(11, 30)]
    assert all(a.service_level < b.service_level for a, b in zip(sls, sls[1:], strict=False))
    assert all(a.p_wait > b.p_wait for a, b in zip(sls, sls[1:], strict=False))
    assert all(a.asa_s > b.asa_s for a, b in zip(sls, sls[1:], strict=False))
    by_target = [erlang_c(calls=100, interval_s=HALF_HOUR, aht_s=180, agents=13, target_s=t).service_level
                 for t in (0, 10, 20, 60, 300)]
    assert by_target == sorted(by_target)
    by_calls = [erlang_c(calls=c, interval_s=HALF_HOUR, aht_s=180, agents=13, target_s=20).service_level
                for c in (60, 80, 100, 120)]
    assert by_calls == sorted(by_calls, reverse=True)


@pytest.mark.parametrize("agents", [0, 5, 10])
def test_unstable_queue_is_reported_not_raised(agents):
    q = erlang_c(calls=100, interval_s=HALF_HOUR, aht_s=180, agents=agents, target_s=20)  # A = 10
    assert not q.stable
    assert (q.p_wait, q.service_level, q.asa_s, q.occupancy) == (1.0, 0.0, math.inf, 1.0)


def test_no_calls_means_nobody_waits():
    q = erlang_c(calls=0, interval_s=HALF_HOUR, aht_s=180, agents=3, target_s=20)
    assert (q.p_wait, q.service_level, q.asa_s, q.occupancy) == (0.0, 1.0, 0.0, 0.0)


def test_large_traffic_is_finite_and_fast():
    # 1000 Erlangs (10,000 calls per half hour at 180 s) on 1100 agents: A^N / N! would overflow
    # a double a thousand times over; the recursion stays in (0, 1].
    start = time.perf_counter()
    q = erlang_c(calls=10_000, interval_s=HALF_HOUR, aht_s=180, agents=1100, target_s=20)
    assert time.perf_counter() - start < 0.05
    assert q.traffic_erlangs == 1000.0
    assert 0 < q.p_wait < 0.01 and 0.999 < q.service_level <= 1.0 and 0 < q.asa_s < 0.1
    assert q.occupancy == pytest.approx(1000 / 1100)
    # near the edge of stability the answers are still sensible, and monotone
    near = [erlang_c(calls=10_000, interval_s=HALF_HOUR, aht_s=180, agents=n, target_s=20) for n in (1001, 1010, 1030)]
    assert all(math.isfinite(x.asa_s) for x in near)
    assert near[0].service_level < near[1].service_level < near[2].service_level
    assert 0.9 < near[0].p_wait < 1.0
    huge = erlang_c(calls=100_000, interval_s=HALF_HOUR, aht_s=180, agents=10_150, target_s=20)
    assert math.isfinite(huge.asa_s) and 0 < huge.service_level < 1


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError, match="agents"):
        erlang_c(calls=10, interval_s=HALF_HOUR, aht_s=180, agents=2.5, target_s=20)
    with pytest.raises(ValueError, match="interval_s"):
        erlang_c(calls=10, interval_s=0, aht_s=180, agents=2, target_s=20)
    with pytest.raises(ValueError, match="calls"):
        erlang_c(calls=-1, interval_s=HALF_HOUR, aht_s=180, agents=2, target_s=20)
    with pytest.raises(TypeError):
        erlang_c(100, HALF_HOUR, 180, 14, 20)  # keyword-only


# --------------------------------------------------------------------------------------------
# required agents
# --------------------------------------------------------------------------------------------


def test_required_agents_for_the_worked_example_with_shrinkage():
    # Call Centre Helper worked example: 14 agents on the phones; with 30 % shrinkage
    # 14 / 0.7 = 20 agents (not 21: 14 / 0.7 is 20.000000000000004 in binary floating point).
    s = required_agents(calls=100, interval_s=HALF_HOUR, aht_s=180, target_s=20, service_level=0.8,
                        max_occupancy=0.85, shrinkage=0.3)
    assert isinstance(s, Staffing)
    assert (s.raw_agents, s.agents, s.binding) == (14, 20, "service level")
    assert round(s.service_level, 3) == 0.888 and round(s.occupancy, 3) == 0.714
    assert round(s.asa_s, 2) == 7.84 and round(s.p_wait, 3) == 0.174


def test_shrinkage_rounds_up():
    # erlanglib tests: 50 raw agents with 20 % shrinkage -> 62.5 -> 63
    s = required_agents(calls=45 * 1800 / 180, interval_s=HALF_HOUR, aht_s=180, target_s=20,
                        service_level=0.0, shrinkage=0.2)  # A = 45: the first stable N is 46
    assert s.raw_agents == 46 and s.agents == math.ceil(46 / 0.8) == 58
    fifty = required_agents(calls=49.5 * 10, interval_s=HALF_HOUR, aht_s=180, target_s=20,
                            service_level=0.0, shrinkage=0.2)
    assert fifty.raw_agents == 50 and fifty.agents == 63


def test_occupancy_cap_binds():
    # pyworkforce test_over_occupancy_erlangc: the same centre capped at 70 % occupancy needs
    # ceil(10 / 0.7) = 15 agents (22 with 30 % shrinkage), service level 94.1 %, occupancy 66.7 %.
    s = required_agents(calls=100, interval_s=HALF_HOUR, aht_s=180, target_s=20, service_level=0.8,
                        max_occupancy=0.7, shrinkage=0.3)
    assert (s.raw_agents, s.agents, s.binding) == (15, 22, "occupancy cap")
    assert round(s.service_level, 3) == 0.941 and round(s.occupancy, 3) == 0.667


def test_required_agents_is_minimal_and_handles_large_traffic():
    for calls, aht, target in [(100, 180, 0.8), (37.5, 420, 0.9), (3, 600, 0.8), (10_000, 180, 0.8)]:
        s = required_agents(calls=calls, interval_s=HALF_HOUR, aht_s=aht, target_s=20, service_level=target)
        below = erlang_c(calls=calls, interval_s=HALF_HOUR, aht_s=aht, agents=s.raw_agents - 1, target_s=20)
        assert s.service_level >= target > below.service_level
        assert s.raw_agents > s.traffic_erlangs
    start = time.perf_counter()
    big = required_agents(calls=10_000, interval_s=HALF_HOUR, aht_s=180, target_s=20, service_level=0.8)
    assert time.perf_counter() - start < 0.05
    assert 1000 < big.raw_agents < 1050


def test_required_agents_edges():
    none = required_agents(calls=0, interval_s=HALF_HOUR, aht_s=180, target_s=20)
    assert (none.raw_agents, none.agents, none.binding) == (0, 0, "no traffic")
    with pytest.raises(ValueError, match="service_level"):
        required_agents(calls=10, interval_s=HALF_HOUR, aht_s=180, target_s=20, service_level=1.0)
    with pytest.raises(ValueError, match="shrinkage"):
        required_agents(calls=10, interval_s=HALF_HOUR, aht_s=180, target_s=20, shrinkage=1.0)
    with pytest.raises(ValueError, match="max_occupancy"):
        required_agents(calls=10, interval_s=HALF_HOUR, aht_s=180, target_s=20, max_occupancy=1.2)


# --------------------------------------------------------------------------------------------
# Erlang A
# --------------------------------------------------------------------------------------------


def _tagged_chain_sl(lam, mu, theta, n, t, pi):
    """Service level from the tagged caller's own Markov chain (matrix exponential), state by state."""
    sl = float(pi[:n].sum())
    for k in range(len(pi) - n):
        if pi[n + k] < 1e-15:
            break
        size = k + 3  # k+1 queue positions, answered, abandoned
        q = np.zeros((size, size))
        for idx in range(k + 1):
            ahead = k - idx
            q[idx, idx + 1 if ahead else k + 1] = n * mu + ahead * theta
            q[idx, k + 2] = theta
            q[idx, idx] = -(n * mu + ahead * theta + theta)
        sl += pi[n + k] * expm(q * t)[0, k + 1]
    return sl


def _birth_death(lam, mu, theta, n, states=600):
    logp = np.zeros(states)
    for j in range(1, states):
        logp[j] = logp[j - 1] + math.log(lam) - math.log(min(j, n) * mu + max(j - n, 0) * theta)
    pi = np.exp(logp - logp.max())
    return pi / pi.sum()


@pytest.mark.parametrize(
    ("calls", "aht", "patience", "agents", "target"),
    [(100, 180, 120, 9, 20), (100, 180, 60, 12, 20), (50, 300, 300, 6, 30), (30, 240, 90, 3, 15)],
)
def test_erlang_a_agrees_with_independent_constructions(calls, aht, patience, agents, target):
    q = erlang_a(calls=calls, interval_s=HALF_HOUR, aht_s=aht, patience_s=patience, agents=agents, target_s=target)
    lam, mu, theta = calls / HALF_HOUR, 1 / aht, 1 / patience
    pi = _birth_death(lam, mu, theta, agents)
    # 1. the plain birth-death chain, solved by detailed balance
    assert q.p_wait == pytest.approx(pi[agents:].sum(), rel=1e-10)
    # 2. flow balance: abandonments per second = theta x mean queue length
    mean_queue = sum(k * pi[agents + k] for k in range(len(pi) - agents))
    assert q.p_abandon == pytest.approx(theta * mean_queue / lam, rel=1e-10)
    # 3. the incomplete-gamma closed form of P(wait) (Mandelbaum & Zeltyn 2007):
    #    sum_k w_k = Gamma(p+1) y^-p e^y P(p, y), y = lambda/theta, p = N mu/theta
    y, p = lam / theta, agents * mu / theta
    log_s = special.gammaln(p + 1) - p * math.log(y) + y + math.log(special.gammainc(p, y))
    b = erlang_b(calls * aht / HALF_HOUR, agents)
    assert q.p_wait == pytest.approx(math.exp(log_s) / ((1 - b) / b + math.exp(log_s)), rel=1e-10)
    # 4. the service level from the tagged caller's chain (matrix exponentials)
    assert q.service_level == pytest.approx(_tagged_chain_sl(lam, mu, theta, agents, target, pi), rel=1e-9)
    assert q.occupancy == pytest.approx(q.traffic_erlangs * (1 - q.p_abandon) / agents)
    assert q.model == "erlang_a" and "abandon" in q.service_level_definition


def test_erlang_a_matches_a_simulation():
    # FCFS M/M/N+M simulated directly: a caller's offered wait is the time until the earliest
    # agent frees, given the callers ahead who stayed; it is answered if that beats its patience.
    rng = np.random.default_rng(7)
    calls, aht, patience, agents, target = 100, 180, 120, 9, 20
    n = 200_000
    arrivals = np.cumsum(rng.exponential(HALF_HOUR / calls, n))
    service = rng.exponential(aht, n)
    patiences = rng.exponential(patience, n)
    free = [0.0] * agents
    in_time = abandoned = 0
    waited = 0.0
    for t, s, p in zip(arrivals.tolist(), service.tolist(), patiences.tolist(), strict=True):
        wait = max(0.0, free[0] - t)
        if wait <= p:
            heapq.heapreplace(free, t + wait + s)
            in_time += wait <= target
            waited += wait
        else:
            abandoned += 1
    q = erlang_a(calls=calls, interval_s=HALF_HOUR, aht_s=aht, patience_s=patience, agents=agents, target_s=target)
    assert in_time / n == pytest.approx(q.service_level, abs=0.01)
    assert abandoned / n == pytest.approx(q.p_abandon, abs=0.01)
    assert waited / (n - abandoned) == pytest.approx(q.asa_s, rel=0.05)


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    c = erlang_c(calls=100, interval_s=HALF_HOUR, aht_s=180, agents=14, target_s=20)
    exact = erlang_a(calls=100, interval_s=HALF_HOUR, aht_s=180, patience_s=math.inf, agents=14, target_s=20)
    assert (exact.p_wait, exact.service_level, exact.asa_s) == (c.p_wait, c.service_level, c.asa_s)
    errors = []
    for patience in (600, 6_000, 60_000, 1e7):
        a = erlang_a(calls=100, interval_s=HALF_HOUR, aht_s=180, patience_s=patience, agents=14, target_s=20)
        errors.append(abs(a.service_level - c.service_level) + abs(a.asa_s - c.asa_s) / c.asa_s)
    assert errors == sorted(errors, reverse=True) and errors[-1] < 1e-4
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-4) and a.p_abandon < 1e-5


def test_erlang_a_stays_finite_when_erlang_c_is_unstable_and_impatience_means_abandonment():
    under = erlang_a(calls=100, interval_s=HALF_HOUR, aht_s=180, patience_s=120, agents=8, target_s=20)
    assert under.stable and 0 < under.service_level < 1 and math.isfinite(under.asa_s)
    # the answered share can never exceed the capacity: at most N / A of callers are answered
    assert 1 - under.p_abandon <= 8 / 10 + 1e-9
    # the more impatient the callers, the more hang up; callers who leave at once make a loss
    # system, so abandonment tends to Erlang B's blocking (Garnett, Mandelbaum & Reiman 2002)
    for agents in (8, 14):
        abandon = [erlang_a(calls=100, interval_s=HALF_HOUR, aht_s=180, patience_s=p, agents=agents,
                            target_s=20).p_abandon for p in (1e-4, 1, 60, 600, 6000)]
        assert abandon == sorted(abandon, reverse=True)
        assert abandon[0] == pytest.approx(erlang_b(10, agents), rel=1e-4)
    assert erlang_a(calls=100, interval_s=HALF_HOUR, aht_s=180, patience_s=1e-4, agents=8,
                    target_s=20).p_abandon > 0.33
    nobody = erlang_a(calls=100, interval_s=HALF_HOUR, aht_s=180, patience_s=60, agents=0, target_s=20)
    assert (nobody.p_wait, nobody.p_abandon, nobody.service_level) == (1.0, 1.0, 0.0)
    assert math.isnan(nobody.asa_s)


def test_erlang_a_with_long_patience_and_overload_is_computed_or_refused_clearly():
    long = erlang_a(calls=110, interval_s=HALF_HOUR, aht_s=180, patience_s=1e6, agents=10, target_s=20)
    assert long.service_level < 0.01 and long.p_wait > 0.99  # practically Erlang C's unstable queue
    with pytest.raises(ValueError, match="patience"):
        erlang_a(calls=200, interval_s=HALF_HOUR, aht_s=180, patience_s=1e12, agents=10, target_s=20)


# --------------------------------------------------------------------------------------------
# config
# --------------------------------------------------------------------------------------------


def test_options_default_and_from_config():
    o = staffing_options(None)
    assert (o.channels, o.interval_minutes, o.target_s, o.service_level, o.shrinkage, o.max_occupancy) == (
        ("phone",), 30, 20.0, 0.8, 0.0, None)
    cfg = {"staffing": {"shrinkage": 0.3, "interval_minutes": 15, "target_s": 30, "max_occupancy": 0.85,
                        "channels": ["phone", "chat"], "service_level": 0.9},
           "kpis": {"exclude_short_abandons_s": 5}}
    o = staffing_options(cfg)
    assert (o.channels, o.interval_minutes, o.target_s, o.service_level, o.shrinkage, o.max_occupancy) == (
        ("phone", "chat"), 15, 30.0, 0.9, 0.3, 0.85)
    assert o.exclude_short_abandons_s == 5 and o.interval_s == 900
    # the target comes from the review's targets when the section does not set it
    inline = {"targets": {"targets": [{"kpi": "service_level", "target": 0.75, "source": "client SLA",
                                       "owner": "Ops"}]}}
    assert staffing_options(inline).service_level == 0.75
    assert "client SLA" in staffing_options(inline).service_level_source


def test_config_problems_are_reported_at_once():
    cfg = {"staffing": {"shrinkage": 1.2, "interval_minutes": 7, "channels": ["email", "fax"],
                        "max_ocupancy": 0.8, "target_s": -1, "service_level": True}}
    with pytest.raises(ConfigError) as err:
        staffing_options(cfg)
    text = "; ".join(err.value.problems)
    assert len(err.value.problems) == 7
    for needle in ("staffing.shrinkage", "staffing.interval_minutes", "email is answered from a backlog",
                   "unknown channel 'fax'", "did you mean 'max_occupancy'", "staffing.target_s",
                   "staffing.service_level"):
        assert needle in text
    with pytest.raises(ConfigError, match="mapping"):
        staffing_options({"staffing": [1, 2]})


# --------------------------------------------------------------------------------------------
# intervals from a hand-built store
# --------------------------------------------------------------------------------------------


def _contacts() -> pd.DataFrame:
    rows = [
        # id, channel, agent, arrived, wait, answered, abandoned, talk, hold, wrap
        ("c1", "phone", "A", "2026-01-05 09:01", 10, True, False, 100, 20, 30),  # handle 150
        ("c2", "phone", "B", "2026-01-05 09:10", 30, True, False, 200, None, None),  # 200
        ("c3", "phone", None, "2026-01-05 09:20", 40, False, True, None, None, None),
        ("c4", "phone", "A", "2026-01-05 09:29", 5, True, False, None, None, None),  # no handle
        ("e1", "email", "B", "2026-01-05 09:05", 3600, True, False, 300, None, None),
        ("h1", "chat", "A", "2026-01-05 09:06", 3, True, False, 0, None, None),
        ("c5", "phone", "A", "2026-01-05 09:30", 0, True, False, 60, None, None),
        ("c6", "phone", "C", "2026-01-12 09:15", 25, True, False, 120, None, None),
        ("c7", None, "C", "2026-01-12 09:45", 3, True, False, 90, None, None),  # no channel: phone
    ]
    f = pd.DataFrame(rows, columns=["contact_id", "channel", "agent_id", "arrived_at", "wait_s", "answered",
                                    "abandoned", "talk_s", "hold_s", "wrap_s"])
    f["arrived_at"] = pd.to_datetime(f["arrived_at"])
    for c in ("channel", "agent_id", "contact_id"):
        f[c] = f[c].astype("string")
    for c in ("wait_s", "talk_s", "hold_s", "wrap_s"):
        f[c] = f[c].astype(float)
    f["answered"] = f["answered"].astype("boolean")
    f["abandoned"] = f["abandoned"].astype("boolean")
    return f


@pytest.fixture
def store():
    s = Store("duckdb://")
    s.write("contacts", _contacts())
    yield s
    s.close()


def test_interval_profile_by_hand(store):
    f = interval_profile(store)
    assert list(f["interval_start"].astype(str)) == [
        "2026-01-05 09:00:00", "2026-01-05 09:30:00", "2026-01-12 09:00:00", "2026-01-12 09:30:00"]
    first = f.iloc[0]
    assert (first["offered"], first["answered"], first["abandoned"], first["answered_within"]) == (4, 3, 1, 2)
    assert first["aht_s"] == pytest.approx((150 + 200) / 2)  # c4 has no handle time: left out
    assert first["observed_sl"] == pytest.approx(2 / 4)
    assert first["observed_asa_s"] == pytest.approx((10 + 30 + 5) / 3)
    assert first["traffic_erlangs"] == pytest.approx(4 * 175 / 1800)
    # A handles only phone/chat... its chat has 0 s, so its phone share is 1; B spent 200 of 500 s
    # on phone, so B counts 0.4: two handlers, 1.4 phone-equivalent agents
    assert first["handlers"] == 2 and first["deployed"] == pytest.approx(1.4)
    req = required_agents(calls=4, interval_s=1800, aht_s=175, target_s=20)
    assert first["required_raw"] == req.raw_agents and first["gap"] == pytest.approx(1.4 - req.raw_agents)
    # 1.4 agents: predictions interpolated between 1 and 2 agents
    one, two = (erlang_c(calls=4, interval_s=1800, aht_s=175, agents=n, target_s=20) for n in (1, 2))
    assert first["predicted_sl"] == pytest.approx(0.6 * one.service_level + 0.4 * two.service_level)
    assert first["predicted_asa_s"] == pytest.approx(0.6 * one.asa_s + 0.4 * two.asa_s)
    ea = [erlang_a(calls=4, interval_s=1800, aht_s=175, patience_s=f.attrs["patience_s"], agents=n,
                   target_s=20).service_level for n in (1, 2)]
    assert first["predicted_sl_erlang_a"] == pytest.approx(0.6 * ea[0] + 0.4 * ea[1])
    assert f.iloc[3]["offered"] == 1  # the contact without a channel counts as phone
    assert f.attrs["patience_s"] == pytest.approx((10 + 30 + 40 + 5 + 0 + 25 + 3) / 1)
    assert f.attrs["excluded"] == {"email": 1, "chat": 1}
    assert f.attrs["pooled_aht_s"] == pytest.approx((150 + 200 + 60 + 120 + 90) / 5)


def test_interval_profile_options_and_short_abandons(store):
    cfg = {"kpis": {"exclude_short_abandons_s": 60}, "staffing": {"interval_minutes": 60, "target_s": 30}}
    f = interval_profile(store, config=cfg)
    first = f.iloc[0]  # 09:00-10:00 on the 5th: c1..c5
    assert (first["offered"], first["sl_offered"], first["answered_within"]) == (5, 4, 4)
    assert first["observed_sl"] == pytest.approx(1.0)
    assert len(interval_profile(store, interval_minutes=60)) == 2
    with pytest.raises(ValueError, match="backlog"):
        interval_profile(store, channels=["email"])


def test_weekday_profile_divides_by_every_matching_day(store):
    profile = weekday_profile(interval_profile(store))
    mon9 = profile[(profile["weekday_name"] == "Mon") & (profile["time"] == "09:00")].iloc[0]
    assert mon9["days"] == 2
    assert mon9["offered"] == pytest.approx((4 + 1) / 2)
    assert mon9["aht_s"] == pytest.approx((150 + 200 + 120) / 3)
    assert mon9["deployed"] == pytest.approx((1.4 + 1.0) / 2)
    assert mon9["observed_sl"] == pytest.approx(2 / 5)
    req = required_agents(calls=2.5, interval_s=1800, aht_s=470 / 3, target_s=20)
    assert mon9["required_raw"] == req.raw_agents and mon9["gap"] == pytest.approx(1.2 - req.raw_agents)
    assert req.raw_agents == 1 and mon9["status"] == "balanced"  # 1.2 deployed: not a whole agent spare
    mon930 = profile[(profile["time"] == "09:30")].iloc[0]
    assert mon930["offered"] == pytest.approx(1.0)  # one contact on each Monday


def test_roster_replaces_the_proxy(store):
    roster = pd.DataFrame({"interval_start": pd.to_datetime(["2026-01-05 09:00", "2026-01-05 09:30",
                                                              "2026-01-05 10:00"]), "agents": [3, 2, 1]})
    f = interval_profile(store, roster=roster)
    assert f.attrs["deployed_source"].startswith("roster")
    assert list(f["deployed"]) == [3.0, 2.0, 1.0, 0.0, 0.0]
    idle = f[f["interval_start"] == pd.Timestamp("2026-01-05 10:00")].iloc[0]
    assert idle["offered"] == 0 and idle["required_raw"] == 0


def test_staffing_review_summary_and_chart(store):
    cfg = {"staffing": {"shrinkage": 0.25, "min_offered": 0}}
    review = staffing_review(store, config=cfg, min_contacts=1)
    assert review.assumptions == ASSUMPTIONS
    assert any("Poisson" in a for a in review.assumptions)
    assert any("no retrials" in a for a in review.assumptions)
    s = review.summary
    judged = review.profile[review.profile["status"] != "not judged"]
    hours = float((-judged["gap"]).clip(lower=0).sum()) * 0.5
    assert s["shortfall_agent_hours_per_week"] == pytest.approx(hours)
    assert s["shortfall_rostered_hours_per_week"] == pytest.approx(hours / 0.75)
    assert s["under_staffed"] + s["over_staffed"] + s["balanced"] + s["meets_target"] == s["cells_judged"] == len(judged)
    assert set(review.what_if["delta"]) <= {-2, -1, 0, 1, 2} and not review.what_if.empty
    assert {"deployed", "required"} == set(review.what_if["base"])
    table = what_if_table(review.what_if)
    assert list(table.columns)[-1] == "+2"
    assert any("email" in n for n in review.notes) and any("proxy" in n for n in review.notes)
    head = review.headline
    assert head["understaffed_agent_hours_per_week"] == pytest.approx(hours)
    if head["under_staffed_cells"]:
        worst = review.profile.nsmallest(1, "gap").iloc[0]
        assert head["worst_interval"] == "Monday " + worst["time"] and head["worst_required"] == worst["required_raw"]
    entry = summary_entries(review)
    assert set(entry) == {"staffing"}
    json.dumps(entry, allow_nan=False)
    assert entry["staffing"]["shrinkage"] == 0.25 and entry["staffing"]["assumptions"]
    ax = staffing_heatmap(review.profile)
    assert ax.get_title().startswith("Agents deployed")
    staffing_heatmap(review.profile, value="required_raw")
    with pytest.raises(ValueError):
        staffing_heatmap(review.profile, value="nope")


def test_review_of_a_store_without_modelled_contacts():
    s = Store("duckdb://")
    f = _contacts()
    s.write("contacts", f[f["channel"] == "email"])
    review = staffing_review(s)
    s.close()
    assert review.profile.empty and review.what_if.empty
    assert "nothing to show" in review.findings[0]
    json.dumps(summary_entries(review), allow_nan=False)


def test_queue_is_frozen():
    q = erlang_c(calls=100, interval_s=HALF_HOUR, aht_s=180, agents=14, target_s=20)
    assert isinstance(q, Queue)
    with pytest.raises(AttributeError):
        q.agents = 3


def test_benchmark_skips_cleanly_without_pyworkforce(monkeypatch, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "staffing_bench.py"
    spec = importlib.util.spec_from_file_location("staffing_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "pyworkforce_available", lambda: False)
    assert bench.benchmark_staffing().attrs["skipped"].startswith("pyworkforce is not installed")
    assert bench.main([]) == 0
    assert "skipped" in capsys.readouterr().out


def test_headline_names_the_most_under_staffed_interval(store):
    roster = pd.DataFrame({"interval_start": pd.to_datetime(["2026-01-05 09:30", "2026-01-12 09:30"]),
                           "agents": [2, 2]})  # nobody on the roster at 09:00
    review = staffing_review(store, roster=roster, config={"staffing": {"shrinkage": 0.5}})
    head = review.headline
    assert head["worst_interval"] == "Monday 09:00" and head["worst_required"] == 1 and head["worst_deployed"] == 0.0
    assert head["understaffed_agent_hours_per_week"] == pytest.approx(0.5)  # one agent, half an hour
    assert head["understaffed_rostered_hours_per_week"] == pytest.approx(1.0)  # 50 % shrinkage
    assert review.assumptions[-1].startswith("Agents deployed: roster")
    assert "Largest shortfalls: Mon 09:00" in " ".join(review.findings)


def test_review_without_handling_times_does_not_fail():
    frame = _contacts().assign(talk_s=float("nan"), hold_s=float("nan"), wrap_s=float("nan"))
    s = Store("duckdb://")
    s.write("contacts", frame)
    try:
        review = staffing_review(s)
    finally:
        s.close()
    assert review.summary["peak"] is None


# --- judging cells: the model where it fits, the observed service level where it does not (issue 18) ---
def test_effective_agents_invert_erlang_c():
    from csperf_lib.methods.staffing_cells import effective_agents

    traffic, aht = np.array([8.0, 8.0, 3.0]), np.array([300.0, 300.0, 200.0])
    # the service level Erlang C gives with 10 and 12 agents reads back as 10 and 12 agents
    sl = [erlang_c(calls=8 * 1800 / 300, interval_s=1800, aht_s=300, agents=n, target_s=20).service_level for n in (10, 12)]
    got = effective_agents(traffic, aht, np.array([sl[0], sl[1], np.nan]), target_s=20)
    assert got[0] == pytest.approx(10.0, abs=1e-9) and got[1] == pytest.approx(12.0, abs=1e-9) and np.isnan(got[2])
    # halfway between the service levels of 10 and 11 agents reads as 10.5
    sl11 = erlang_c(calls=48, interval_s=1800, aht_s=300, agents=11, target_s=20).service_level
    assert effective_agents([8.0], [300.0], [(sl[0] + sl11) / 2], target_s=20)[0] == pytest.approx(10.5)
    # a service level below what floor(A) + 1 agents give reads as at most that many
    assert 8.0 <= effective_agents([8.0], [300.0], [0.0], target_s=20)[0] <= 9.0


def test_model_fits_only_when_error_and_bias_are_small():
    from csperf_lib.methods.staffing_cells import model_fits

    assert model_fits({"intervals": 50, "mae": 0.08, "bias": -0.02})
    assert not model_fits({"intervals": 50, "mae": 0.24, "bias": -0.02})  # the demo's proxy: no
    assert not model_fits({"intervals": 50, "mae": 0.05, "bias": 0.07})
    assert not model_fits({"intervals": 0}) and not model_fits(None)


def _cells(**overrides):
    base = {"queue": "Billing", "weekday": 0, "weekday_name": "Mon", "time": "09:00", "days": 12,
            "offered": 10.0, "traffic_erlangs": 2.0, "aht_s": 360.0, "required_raw": 5.0, "deployed": 4.0,
            "observed_sl": 0.5, "sl_n": 120.0, "sl_within": 60.0, "target_sl": 0.8,
            "effective_agents": 3.5, "agents_deployed": 3.5, "gap": -1.5,
            "judged_by": "observed service level (the model does not reproduce it)", "p_value": 1e-9,
            "q_value": np.nan, "status": None}
    return pd.DataFrame([{**base, **o} for o in overrides.get("rows", [{}])])


def test_judge_cells_needs_a_real_shortfall_and_never_judges_not_recorded():
    from csperf_lib.methods.staffing_cells import JUDGED_BY_MODEL, judge_cells

    rows = [{}, {"time": "09:30", "observed_sl": 0.78, "sl_within": 93.6, "p_value": 0.3},  # not beyond chance
            {"time": "10:00", "queue": "(not recorded)", "p_value": np.nan},  # as cell_evidence leaves it
            {"time": "10:30", "p_value": np.nan, "sl_n": 5.0},  # too few contacts to judge
            {"time": "11:00", "judged_by": JUDGED_BY_MODEL, "gap": 1.5, "p_value": 0.9},  # the model: spare agents
            {"time": "11:30", "offered": 0.2}]  # below min_offered
    out = judge_cells(_cells(rows=rows), alpha=0.05, min_offered=1.0)
    assert list(out["status"]) == ["under-staffed", "meets target", "not judged", "not judged", "over-staffed",
                                   "not judged"]
    assert out.loc[0, "q_value"] == pytest.approx(4 * 1e-9 / 2)  # BH over the four tested cells


def test_cell_p_value_is_the_exact_binomial_tail(store):
    from scipy.stats import binom

    from csperf_lib.methods.staffing_cells import cell_evidence

    intervals = interval_profile(store)
    profile = weekday_profile(intervals)
    cells = cell_evidence(intervals, profile, target_sl=0.8, fits=False, target_s=20)
    assert cells["p_value"].isna().all()  # fewer than MIN_CELL_CONTACTS contacts per cell here
    many = pd.concat([intervals] * 10, ignore_index=True)  # ten times the contacts, same shares
    cells = cell_evidence(many, profile, target_sl=0.8, fits=False, target_s=20)
    first = cells.iloc[0]
    assert first["p_value"] == pytest.approx(binom.cdf(first["sl_within"], int(first["sl_n"]), 0.8))
    assert first["agents_deployed"] == first["effective_agents"]  # the model does not fit: not the proxy


def _queue_store(short_queue="Billing", seed=3):
    """Two queues, four Mondays and Tuesdays; one queue answers slowly on Monday 09:00-10:00 only."""
    rng = np.random.default_rng(seed)
    rows = []
    for day in pd.date_range("2026-01-05", periods=14, freq="D"):
        if day.day_of_week > 1:
            continue
        for queue in ("Billing", "Sales"):
            for k in range(240):
                t = day + pd.Timedelta(hours=9) + pd.Timedelta(seconds=int(rng.integers(0, 7200)))
                slow = queue == short_queue and day.day_of_week == 0 and t.hour == 9
                wait = float(rng.exponential(90 if slow else 6))
                rows.append((f"{queue[0]}{day:%m%d}{k}", "phone", queue, f"AG{k % 12}", t, wait, True, False,
                             float(rng.exponential(240)), 0.0, 30.0))
    f = pd.DataFrame(rows, columns=["contact_id", "channel", "queue", "agent_id", "arrived_at", "wait_s", "answered",
                                    "abandoned", "talk_s", "hold_s", "wrap_s"])
    for c in ("contact_id", "channel", "queue", "agent_id"):
        f[c] = f[c].astype("string")
    f["answered"], f["abandoned"] = f["answered"].astype("boolean"), f["abandoned"].astype("boolean")
    s = Store("duckdb://")
    s.write("contacts", f)
    return s


def test_a_queue_short_on_one_morning_is_found_per_queue_and_nowhere_else():
    from csperf_lib.core.findings import FindingsLedger
    from csperf_lib.methods.staffing_review import (
        queue_shortfall_table,
        staffing_actions,
        staffing_findings,
    )

    with _queue_store() as s:
        review = staffing_review(s, config={"staffing": {"shrinkage": 0.3}})
    cells = review.queues
    under = cells[cells["status"] == "under-staffed"]
    assert set(under["queue"]) == {"Billing"} and set(under["weekday_name"]) == {"Mon"}
    assert set(under["time"]) <= {"09:00", "09:30"} and len(under) >= 1
    assert set(review.queue_checks) == {"Billing", "Sales"}
    ledger = FindingsLedger("06_recommendations")
    staffing_findings(review, ledger=ledger)
    findings = [f for f in ledger if f.kind == "staffing_shortfall"]
    assert len(findings) == len(under)
    for f in findings:
        assert {"queue", "weekday", "interval_start", "agents_required", "agents_deployed"} <= set(f.attributes)
        assert f.attributes["queue"] == "Billing" and f.attributes["agents_required"] > f.attributes["agents_deployed"]
    # the action's numbers are the findings' numbers
    (action,) = staffing_actions(findings, interval_minutes=30)
    assert action["agent_hours"] == pytest.approx(sum(f.attributes["agent_hours_per_week"] for f in findings))
    assert action["weekday"] == "Monday" and action["times"].startswith("09:")
    table = queue_shortfall_table(review)
    assert list(table["Queue"]) == ["Billing"] * len(under) and "nan" not in table.to_string()
    head = review.headline
    assert head["worst_queue"] == "Billing" and head["understaffed_agent_hours_per_week"] == pytest.approx(action["agent_hours"])
