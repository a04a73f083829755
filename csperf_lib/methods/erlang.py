r"""Erlang B, C and A queueing models: service level, ASA, occupancy and the agents required.

Pure functions, seconds and proportions 0-1 throughout:

- :func:`erlang_b` — blocking probability of a loss system (no queue).
- :func:`erlang_c` — M/M/N queue: probability of waiting, service level, ASA, occupancy.
- :func:`erlang_a` — M/M/N+M queue with abandonment (callers hang up after an exponential
  patience): the same measures plus the probability of abandoning.
- :func:`required_agents` — the fewest agents meeting a service-level target (and an occupancy
  cap), then grossed up for shrinkage.
- :class:`Queue`, :class:`Staffing` — their results (frozen dataclasses).

The models
----------
Erlang B (Erlang 1917; Cooper 1981, §3.4) is computed with the recursion

.. math:: B(0) = 1, \qquad B(n) = \frac{A\,B(n-1)}{n + A\,B(n-1)},

which never forms :math:`A^N` or :math:`N!`: every step stays in (0, 1], so a thousand Erlangs
on eleven hundred agents costs eleven hundred multiply-adds and cannot overflow. Erlang C
(Erlang 1917; Cooper 1981, §5.2; Koole 2013, ch. 4) follows from it,

.. math::

    C = \frac{N B}{N - A (1 - B)}, \quad
    SL(t) = 1 - C\,e^{-(N - A) t / \mathrm{AHT}}, \quad
    \mathrm{ASA} = \frac{C\,\mathrm{AHT}}{N - A}, \quad \text{occupancy} = A / N,

with :math:`A = \text{calls} \cdot \mathrm{AHT} / \text{interval}` Erlangs. When
:math:`N \le A` the queue has no steady state (it grows without bound): the functions say so
(``stable = False``: everyone waits, service level 0, ASA infinite, occupancy 1) instead of
raising. Erlang A (Palm 1943; Garnett, Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2007) is
solved exactly as a birth-death chain; see :func:`erlang_a`.

Why hand-written
----------------
The formulas are a few lines each, and the packages that offer them do not fit. ``pyworkforce``
(the best known; maintained) is the one checked: it pulls in Google OR-Tools, protobuf and joblib
for its scheduling and rostering half, has neither Erlang B nor Erlang A nor an ASA, calls the
target answer time ``asa``, and recomputes Erlang B from scratch for every candidate head count.
Formulas written with :math:`A^N/N!` (as in many spreadsheets and small packages) overflow a
double beyond about 170 agents. Here the required head count is found in one upward pass of the
recursion (each extra agent is one more step); ``benchmarks/staffing_bench.py`` checks the
answers against pyworkforce case by case (same head counts, values equal to 1e-13) and times
both.

References
----------
Erlang, A. K. (1917). Løsning af nogle Problemer fra Sandsynlighedsregningen af Betydning for de
automatiske Telefoncentraler. *Elektroteknikeren* 13.
Palm, C. (1943). Intensitätsschwankungen im Fernsprechverkehr. *Ericsson Technics* 44.
Cooper, R. B. (1981). *Introduction to Queueing Theory*, 2nd ed. North Holland.
Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center with impatient
customers. *Manufacturing & Service Operations Management* 4(3), 208-227.
Mandelbaum, A. & Zeltyn, S. (2007). Service engineering in action: the Palm/Erlang-A queue,
with applications to call centers. In *Advances in Services Innovations*, Springer, 17-45.
Koole, G. (2013). *Call Center Optimization*. MG Books, Amsterdam.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special as _sp

__all__ = [
    "Queue",
    "Staffing",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "required_agents",
]


#: Service-level definition of :func:`erlang_c`.
SL_DEFINITION_C = (
    "share of offered contacts answered within target_s seconds of arriving (Erlang C: every "
    "contact is eventually answered)"
)


#: Service-level definition of :func:`erlang_a`.
SL_DEFINITION_A = (
    "share of all offered contacts answered within target_s seconds of arriving; contacts that "
    "abandon (before or after target_s) count as not answered within target and stay in the "
    "offered count"
)


#: More states than this in the Erlang A chain means the patience is too long for the overload.
_MAX_STATES = 4_000_000


#: Tail of the Erlang A chain dropped once its terms are this far (natural log) below the largest.
_LOG_TAIL = 46.0  # e^-46 ~ 1e-20


#: Relative slack when rounding a head count up, so 14 / 0.7 (= 20.000000000000004) stays 20.
_ROUND_SLACK = 1e-9


@dataclass(frozen=True)
class Queue:
    """Steady-state performance of a queue with a given number of agents.

    Attributes
    ----------
    traffic_erlangs : float
        Offered load A = calls x AHT / interval (Erlangs: agents' worth of work).
    agents : int
        Agents on the phones (N).
    p_wait : float
        Probability an arriving contact has to queue (0-1); Erlang C's C(N, A).
    service_level : float
        Proportion 0-1 of offered contacts answered within ``target_s``; see
        ``service_level_definition``.
    asa_s : float
        Average speed of answer: mean seconds answered contacts waited (including those answered
        at once). ``inf`` for an unstable Erlang C queue; NaN when nothing is answered.
    occupancy : float
        Share 0-1 of agents' time spent handling contacts: A / N for Erlang C (1 when unstable),
        A (1 - p_abandon) / N for Erlang A.
    p_abandon : float
        Probability 0-1 an arriving contact hangs up before being answered (0 for Erlang C).
    target_s : float
        The service level's answer-within threshold, seconds.
    stable : bool
        False when N <= A without abandonment: the queue grows without bound and the steady-state
        figures are the limits (p_wait 1, service level 0, ASA infinite).
    model : str
        ``"erlang_c"`` or ``"erlang_a"``.
    service_level_definition : str
        What ``service_level`` counts, in words.
    """

    traffic_erlangs: float
    agents: int
    p_wait: float
    service_level: float
    asa_s: float
    occupancy: float
    p_abandon: float = 0.0
    target_s: float = math.nan
    stable: bool = True
    model: str = "erlang_c"
    service_level_definition: str = SL_DEFINITION_C


@dataclass(frozen=True)
class Staffing:
    """Agents required for a service-level target (Erlang C), with what they achieve.

    Attributes
    ----------
    raw_agents : int
        Agents needed on the phones (productive), before shrinkage: the smallest N > A meeting the
        service-level target, raised to ceil(A / max_occupancy) when an occupancy cap binds.
    agents : int
        Agents to roster (paid heads) after shrinkage: ceil(raw_agents / (1 - shrinkage)).
    service_level : float
        Service level 0-1 achieved by ``raw_agents`` (answered within ``target_s``).
    asa_s : float
        Average speed of answer achieved by ``raw_agents``, seconds.
    occupancy : float
        Occupancy A / raw_agents achieved, 0-1.
    p_wait : float
        Probability of waiting with ``raw_agents``, 0-1.
    traffic_erlangs : float
        Offered load A, Erlangs.
    shrinkage : float
        Share 0-1 of paid time not available for contacts, as given.
    target_service_level : float
        The target, proportion 0-1.
    target_s : float
        Answer-within threshold of the target, seconds.
    max_occupancy : float or None
        The occupancy cap, as given.
    binding : str
        What set ``raw_agents``: ``"service level"``, ``"occupancy cap"``, or ``"no traffic"``.
    """

    raw_agents: int
    agents: int
    service_level: float
    asa_s: float
    occupancy: float
    p_wait: float
    traffic_erlangs: float
    shrinkage: float
    target_service_level: float
    target_s: float
    max_occupancy: float | None
    binding: str


def _finite(value: Any, name: str, *, minimum: float = 0.0, strict: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(x) or (x <= minimum if strict else x < minimum):
        raise ValueError(f"{name} must be a finite number {'>' if strict else '>='} {minimum:g}, got {value!r}")
    return x


def _count(value: Any, name: str) -> int:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}") from None
    if not math.isfinite(x) or x < 0 or x != int(x):
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(x)


def _traffic(calls: Any, interval_s: Any, aht_s: Any) -> float:
    calls = _finite(calls, "calls")
    interval_s = _finite(interval_s, "interval_s", strict=True)
    aht_s = _finite(aht_s, "aht_s", strict=True)
    return calls * aht_s / interval_s


def _erlang_b(a: float, n: int) -> float:
    b = 1.0
    for k in range(1, n + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def erlang_b(traffic_erlangs: float, trunks: int) -> float:
    r"""Erlang B: probability an arriving call finds all ``trunks`` busy and is lost.

    .. math:: B(0) = 1, \qquad B(n) = \frac{A\,B(n-1)}{n + A\,B(n-1)}, \quad n = 1 \dots N,

    the recursion equivalent to :math:`B(N) = (A^N/N!) / \sum_{k=0}^{N} A^k/k!` (Erlang 1917;
    Cooper 1981, eq. 3.4.2) without factorials, so it is exact to rounding and cannot overflow
    for any traffic or number of trunks.

    Parameters
    ----------
    traffic_erlangs : float
        Offered traffic A in Erlangs (>= 0).
    trunks : int
        Number of servers N (lines, agents), a whole number >= 0.

    Returns
    -------
    float
        Blocking probability, 0-1 (1 with no trunks, 0 with no traffic and at least one trunk).

    Examples
    --------
    >>> round(erlang_b(5, 10), 4)   # standard tables: 5 Erlangs on 10 trunks block 1.84 %
    0.0184
    """
    a = _finite(traffic_erlangs, "traffic_erlangs")
    return _erlang_b(a, _count(trunks, "trunks"))


def _erlang_c_from_b(a: float, n: int, b: float) -> float:
    return n * b / (n - a * (1.0 - b))


def _queue_c(a: float, n: int, aht_s: float, target_s: float, b: float | None = None) -> Queue:
    if a == 0.0:
        return Queue(0.0, n, 0.0, 1.0, 0.0, 0.0 if n > 0 else math.nan, target_s=target_s)
    if n <= a:
        return Queue(a, n, 1.0, 0.0, math.inf, 1.0, target_s=target_s, stable=False)
    c = _erlang_c_from_b(a, n, _erlang_b(a, n) if b is None else b)
    c = min(max(c, 0.0), 1.0)
    sl = 1.0 - c * math.exp(-(n - a) * target_s / aht_s)
    return Queue(a, n, c, min(max(sl, 0.0), 1.0), c * aht_s / (n - a), a / n, target_s=target_s)


def erlang_c(
    *, calls: float, interval_s: float, aht_s: float, agents: int, target_s: float
) -> Queue:
    r"""Erlang C (M/M/N): waiting, service level, ASA and occupancy for ``agents`` agents.

    With :math:`A = \text{calls}\cdot\mathrm{AHT}/\text{interval}` and :math:`B` from
    :func:`erlang_b` (Erlang 1917; Cooper 1981, §5.2; Koole 2013, ch. 4):

    .. math::

        C = \frac{N B}{N - A (1 - B)}, \qquad
        SL = 1 - C\,e^{-(N - A)\,t/\mathrm{AHT}}, \qquad
        \mathrm{ASA} = \frac{C\,\mathrm{AHT}}{N - A}, \qquad
        \text{occupancy} = \frac{A}{N}.

    :math:`C` is the probability of waiting; the waiting time of those who wait is exponential
    with rate :math:`(N - A)/\mathrm{AHT}`, which gives SL and ASA. When :math:`N \le A` the queue
    is unstable (it grows for ever): ``stable=False``, ``p_wait = 1``, ``service_level = 0``,
    ``asa_s = inf``, ``occupancy = 1``; no exception. With no calls: nobody waits
    (``service_level = 1``, ``asa_s = 0``).

    Parameters
    ----------
    calls : float, keyword-only
        Contacts offered in the interval (a mean may be fractional).
    interval_s : float, keyword-only
        Interval length, seconds (1800 for half an hour).
    aht_s : float, keyword-only
        Average handle time (talk + hold + wrap), seconds.
    agents : int, keyword-only
        Agents on the phones, a whole number >= 0.
    target_s : float, keyword-only
        Service-level threshold: answered within this many seconds.

    Returns
    -------
    Queue
        ``service_level`` is the share of offered contacts answered within ``target_s``.

    Examples
    --------
    The worked example of Call Centre Helper ("Erlang C formula - made simple"): 100 calls per 30
    minutes, AHT 180 s, 14 agents, 20 s target give P(wait) 17.4 %, service level 88.8 %,
    ASA 7.8 s, occupancy 71.4 % (erlanglib and pyworkforce test the same values):

    >>> q = erlang_c(calls=100, interval_s=1800, aht_s=180, agents=14, target_s=20)
    >>> round(q.p_wait, 4), round(q.service_level, 3), round(q.asa_s, 2), round(q.occupancy, 3)
    (0.1741, 0.888, 7.84, 0.714)
    """
    a = _traffic(calls, interval_s, aht_s)
    n = _count(agents, "agents")
    t = _finite(target_s, "target_s")
    return _queue_c(a, n, float(aht_s), t)


def _erlang_c_arrays(
    a: np.ndarray, n: np.ndarray, aht_s: np.ndarray, target_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised Erlang C over rows: (p_wait, service_level, asa_s); unstable rows as documented."""
    a = np.asarray(a, dtype=float)
    n = np.asarray(n, dtype=float)
    aht_s = np.asarray(aht_s, dtype=float)
    b = np.ones_like(a)
    top = int(np.nanmax(n)) if n.size and np.isfinite(n).any() else 0
    for k in range(1, top + 1):
        ab = a * b
        b = np.where(k <= n, ab / (k + ab), b)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, n * b / (n - a * (1.0 - b)), 1.0)
        c = np.clip(c, 0.0, 1.0)
        sl = np.where(stable, 1.0 - c * np.exp(-(n - a) * target_s / aht_s), 0.0)
        asa = np.where(stable, c * aht_s / (n - a), np.inf)
    zero = a == 0
    c, sl, asa = np.where(zero, 0.0, c), np.where(zero, 1.0, sl), np.where(zero, 0.0, asa)
    bad = ~np.isfinite(a) | ~np.isfinite(n) | ~np.isfinite(aht_s)
    return (np.where(bad, np.nan, c), np.where(bad, np.nan, np.clip(sl, 0.0, 1.0)),
            np.where(bad, np.nan, asa))


def _queue_weights(y: float, p: float) -> np.ndarray:
    """log w_k, k = 0..K: w_k = prod_{i=1..k} y / (p + i), truncated where the tail is negligible."""
    peak = max(0.0, y - p)  # terms grow while p + i < y
    size = int(min(_MAX_STATES, max(256, 2 * math.ceil(peak) + 256)))
    while True:
        i = np.arange(1, size + 1, dtype=float)
        logw = np.concatenate(([0.0], np.cumsum(math.log(y) - np.log(p + i))))
        top = float(logw.max())
        below = np.flatnonzero(logw < top - _LOG_TAIL)
        past = below[below > peak]
        if past.size:
            return logw[: past[0] + 1]
        if size >= _MAX_STATES:
            raise ValueError(
                f"the patience is so long relative to the overload that the Erlang A queue holds "
                f"more than {_MAX_STATES:,} contacts; use erlang_c (patience_s=inf) or more agents"
            )
        size = min(_MAX_STATES, size * 4)


def _erlang_a_chain(a: float, n: int, *, aht: float, patience: float,
                    target_s: float) -> tuple[float, float, float, float]:
    """The M/M/N+M birth-death chain solved in log space: probability of waiting, service level
    within ``target_s``, probability of abandoning and ASA of answered contacts (see
    :func:`erlang_a` for the formulas)."""
    t = target_s
    theta = 1.0 / patience
    y = a * patience / aht  # λ/θ
    p = n * patience / aht  # Nμ/θ
    logw = _queue_weights(y, p)
    top = float(logw.max())
    log_s = top + math.log(float(np.exp(logw - top).sum()))
    b = _erlang_b(a, n)
    below = (1.0 - b) / b if b > 0 else math.inf  # Σ_{j<N} π_j / π_N
    log_below = math.log(below) if below > 0 else -math.inf
    log_z = float(np.logaddexp(log_below, log_s))
    q = np.exp(logw - log_z)  # π_{N+k}
    k = np.arange(logw.size, dtype=float)
    answered = p / (p + k + 1.0)
    p_wait = float(min(1.0, math.exp(log_s - log_z)))
    p_abandon = float(min(1.0, np.sum(q * (k + 1.0) / (p + k + 1.0))))
    x = -math.expm1(-theta * t)
    in_time = _sp.betainc(k + 1.0, p + 1.0, x) if x > 0 else np.zeros_like(k)
    sl = (1.0 - p_wait) + float(np.sum(q * answered * in_time))
    # mean time to answer of a contact that finds k queued: Σ_{i=1..k+1} 1/(Nμ + iθ)
    to_answer = np.cumsum(1.0 / (n / aht + np.arange(1, logw.size + 1) * theta))
    if n == 0:  # nobody is ever answered
        p_abandon = 1.0
    served = 1.0 - p_abandon
    asa = float(np.sum(q * answered * to_answer)) / served if served > 0 else math.nan
    return p_wait, sl, p_abandon, asa


def erlang_a(
    *,
    calls: float,
    interval_s: float,
    aht_s: float,
    patience_s: float,
    agents: int,
    target_s: float,
) -> Queue:
    r"""Erlang A (M/M/N+M, Palm 1943): a queue whose callers hang up after an exponential patience.

    Arrivals :math:`\lambda = \text{calls}/\text{interval}`, service rate
    :math:`\mu = 1/\mathrm{AHT}`, abandonment rate :math:`\theta = 1/\text{patience}`. The number
    of contacts in the system is a birth-death chain (Garnett, Mandelbaum & Reiman 2002) whose
    stationary probabilities are, relative to the state with all :math:`N` agents busy and nobody
    queued,

    .. math::

        \frac{\pi_j}{\pi_N} = \frac{N!}{j!\,A^{N-j}} \; (j < N), \qquad
        \frac{\pi_{N+k}}{\pi_N} = w_k = \prod_{i=1}^{k} \frac{y}{p + i}, \quad
        y = \frac{\lambda}{\theta},\; p = \frac{N\mu}{\theta},

    with :math:`\sum_{j<N} \pi_j/\pi_N = 1/B(N, A) - 1` from the Erlang B recursion and the
    :math:`w_k` summed in log space until they fall 20 orders of magnitude below their peak
    (their sum is :math:`\Gamma(p+1) y^{-p} e^{y} P(p, y)`, the incomplete-gamma form of
    Mandelbaum & Zeltyn 2007, which the tests check). By PASTA an arrival sees this distribution.
    One that finds :math:`k` contacts queued ahead is answered with probability
    :math:`p/(p+k+1)`, and its time to answer, given that it is answered, is a sum of
    exponentials with rates :math:`N\mu + i\theta` (:math:`i = 1 \dots k+1`), whose distribution
    function is the regularised incomplete beta function
    :math:`I_{1-e^{-\theta t}}(k+1,\, p+1)`. Hence

    .. math::

        SL(t) &= P(\text{not queued}) + \sum_{k \ge 0} \pi_{N+k} \frac{p}{p+k+1}
                 I_{1-e^{-\theta t}}(k + 1, p + 1), \\
        P(\text{abandon}) &= \sum_{k \ge 0} \pi_{N+k} \frac{k + 1}{p + k + 1}, \qquad
        \mathrm{ASA} = \frac{\sum_k \pi_{N+k} \frac{p}{p+k+1}
                       \sum_{i=1}^{k+1} \frac{1}{N\mu + i\theta}}{1 - P(\text{abandon})}.

    Service level definition: the share of **all offered** contacts answered within
    ``target_s`` seconds; contacts that abandon, before or after ``target_s``, count as not
    answered within target and are not removed from the offered count (the definition of the
    ``service_level`` KPI without short-abandon exclusion). ASA is the mean wait of answered
    contacts. Occupancy is the carried load per agent, :math:`A(1 - P(\text{abandon}))/N`.
    Abandonment keeps the queue stable for any number of agents, so ``stable`` is always True;
    ``patience_s = inf`` gives :func:`erlang_c` exactly.

    Parameters
    ----------
    calls, interval_s, aht_s, agents, target_s
        As for :func:`erlang_c`.
    patience_s : float, keyword-only
        Mean time a caller is willing to wait before hanging up, seconds (> 0; ``inf`` for
        Erlang C).

    Returns
    -------
    Queue
        ``model = "erlang_a"``; ``asa_s`` is NaN when no contact is answered (no agents).

    Raises
    ------
    ValueError
        Bad inputs, or a patience so long relative to an overload that the chain would need
        millions of states (then the queue is, for practical purposes, Erlang C's unstable one).
    """
    a = _traffic(calls, interval_s, aht_s)
    n = _count(agents, "agents")
    t = _finite(target_s, "target_s")
    patience = _finite(patience_s, "patience_s", strict=True) if patience_s != math.inf else math.inf
    aht = float(aht_s)
    if patience == math.inf:
        q = _queue_c(a, n, aht, t)
        return Queue(**{**q.__dict__, "model": "erlang_a", "service_level_definition": SL_DEFINITION_A})
    if a == 0.0:
        return Queue(0.0, n, 0.0, 1.0, 0.0, 0.0 if n > 0 else math.nan, target_s=t,
                     model="erlang_a", service_level_definition=SL_DEFINITION_A)
    p_wait, sl, p_abandon, asa = _erlang_a_chain(a, n, aht=aht, patience=patience, target_s=t)
    served = 1.0 - p_abandon
    occupancy = a * served / n if n > 0 else math.nan
    return Queue(traffic_erlangs=a, agents=n, p_wait=p_wait, service_level=min(max(sl, 0.0), 1.0), asa_s=asa,
                 occupancy=min(occupancy, 1.0) if n > 0 else math.nan, p_abandon=p_abandon, target_s=t,
                 stable=True, model="erlang_a", service_level_definition=SL_DEFINITION_A)


def _round_up(x: float) -> int:
    return int(math.ceil(x - _ROUND_SLACK * max(1.0, abs(x))))


def required_agents(
    *,
    calls: float,
    interval_s: float,
    aht_s: float,
    target_s: float,
    service_level: float = 0.8,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
) -> Staffing:
    r"""Fewest agents meeting a service-level target under Erlang C, then grossed up for shrinkage.

    ``raw_agents`` is the smallest :math:`N > A` with :math:`SL(N) \ge` ``service_level`` (see
    :func:`erlang_c`), raised to :math:`\lceil A/\text{max\_occupancy} \rceil` when an occupancy
    cap is given and binds; ``agents = ceil(raw_agents / (1 - shrinkage))`` (Koole 2013, ch. 4;
    the Call Centre Helper worked example: 100 calls per 30 minutes, AHT 180 s, 80 % in 20 s
    needs 14 agents on the phones, 20 with 30 % shrinkage). The search climbs the Erlang B
    recursion one agent at a time from :math:`\lfloor A \rfloor + 1`, so it costs one step per
    agent in all. Head counts are rounded up with a relative slack of 1e-9 so that binary
    rounding (14 / 0.7 = 20.000000000000004) does not add an agent.

    Parameters
    ----------
    calls, interval_s, aht_s, target_s
        As for :func:`erlang_c` (seconds; calls per interval).
    service_level : float, keyword-only
        Target proportion answered within ``target_s``, in [0, 1).
    max_occupancy : float or None, keyword-only
        Cap on occupancy A / N, in (0, 1]; None for no cap.
    shrinkage : float, keyword-only
        Share of paid time not on the phones (breaks, training, absence), in [0, 1).

    Returns
    -------
    Staffing
        With no calls, no agents (``binding = "no traffic"``, service level 1, ASA 0).
    """
    a = _traffic(calls, interval_s, aht_s)
    t = _finite(target_s, "target_s")
    target = _finite(service_level, "service_level")
    if target >= 1.0:
        raise ValueError(f"service_level must be in [0, 1), got {service_level!r}")
    if max_occupancy is not None:
        cap = _finite(max_occupancy, "max_occupancy", strict=True)
        if cap > 1.0:
            raise ValueError(f"max_occupancy must be in (0, 1], got {max_occupancy!r}")
    shrink = _finite(shrinkage, "shrinkage")
    if shrink >= 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage!r}")
    aht = float(aht_s)
    common = dict(traffic_erlangs=a, shrinkage=shrink, target_service_level=target, target_s=t,
                  max_occupancy=max_occupancy)
    if a == 0.0:
        return Staffing(raw_agents=0, agents=0, service_level=1.0, asa_s=0.0, occupancy=0.0,
                        p_wait=0.0, binding="no traffic", **common)
    n = math.floor(a) + 1
    b = _erlang_b(a, n)
    rate = t / aht
    while True:  # the SL of _queue_c, inlined: this loop is the hot path
        c = n * b / (n - a * (1.0 - b))
        if 1.0 - c * math.exp(-(n - a) * rate) >= target:
            break
        n += 1
        ab = a * b
        b = ab / (n + ab)
    queue = _queue_c(a, n, aht, t, b)
    binding = "service level"
    if max_occupancy is not None:
        n_cap = _round_up(a / float(max_occupancy))
        if n_cap > n:
            n, binding = n_cap, "occupancy cap"
            queue = _queue_c(a, n, aht, t)
    return Staffing(
        raw_agents=n,
        agents=_round_up(n / (1.0 - shrink)),
        service_level=queue.service_level,
        asa_s=queue.asa_s,
        occupancy=queue.occupancy,
        p_wait=queue.p_wait,
        binding=binding,
        **common,
    )
