r"""Resourcing: Erlang B, C and A queueing models, agents required per interval, and the gap.

What this module answers: given how many contacts arrive in an interval and how long they take,
how many agents does the centre need on the phones to reach its service-level target, how many
did it actually have, and what would one or two agents more or fewer have changed?

Public API
----------
Queueing models (pure functions, seconds and proportions 0-1 throughout):

- :func:`erlang_b` — blocking probability of a loss system (no queue).
- :func:`erlang_c` — M/M/N queue: probability of waiting, service level, ASA, occupancy.
- :func:`erlang_a` — M/M/N+M queue with abandonment (callers hang up after an exponential
  patience): the same measures plus the probability of abandoning.
- :func:`required_agents` — the fewest agents meeting a service-level target (and an occupancy
  cap), then grossed up for shrinkage.
- :class:`Queue`, :class:`Staffing` — their results (frozen dataclasses).

From the store (one ``GROUP BY`` in the store's engine; only aggregates come back):

- :func:`staffing_options` — the config's ``staffing:`` section, validated.
- :func:`interval_profile` — per calendar interval (default 30 minutes): offered, answered
  within the target, AHT, distinct agents who handled contacts, observed and predicted service
  level.
- :func:`weekday_profile` — the same rolled up to weekday x interval of day, with the agents
  required and the gap.
- :func:`staffing_review` — profile, gap in agent-hours per week, what-if table, model check,
  assumptions and findings (:class:`StaffingReview`); :func:`summary_entries` for summary.json;
  :func:`staffing_heatmap` and :func:`what_if_table` for the report.

Config section
--------------
.. code-block:: yaml

    staffing:
      channels: [phone]          # queued real-time channels modelled (phone; chat with care)
      interval_minutes: 30       # planning interval; must divide a day (15, 30, 60 ...)
      target_s: 20               # answer within; default kpis.service_level_threshold_s (20)
      service_level: 0.8         # optional; default the service_level target, else 0.8
      max_occupancy: 0.85        # optional cap on agent occupancy (0-1]; default none
      shrinkage: 0.3             # share of paid time not on the phones (breaks, training), [0, 1)
      min_offered: 1.0           # contacts per interval below which a cell is not judged

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

Assumptions (stated in the report, see :data:`ASSUMPTIONS`): Poisson arrivals at a constant rate
within each interval, exponential handle times, one pool of identical agents serving one queue
first come first served, no retrials, and for Erlang C no abandonment (callers wait as long as
it takes). Chat breaks the one-agent-one-contact assumption (agents handle several chats at
once), so only phone is modelled by default; e-mail and social are not queued in real time and
are left to a backlog model (deferred work).

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

The deployed agents
-------------------
The canonical data has no roster or log-in table, so the agents *deployed* in an interval are
estimated by a proxy: the distinct agents who answered a contact of the modelled channels that
arrived in it, each counted at the share of their handling time spent on those channels over the
review (1 for an agent who only takes calls; a blended agent who spends half their handling time
on e-mail counts as half an agent). The proxy misses agents logged in but idle (or still busy
with a contact that arrived earlier), which understates deployment, most in quiet intervals, and
counts an agent who answered one contact as present for the whole interval, which overstates it;
the model check (predicted against observed service level, interval by interval) shows how far
to trust it. A roster can be passed instead (``roster=`` of :func:`interval_profile`). The
deployed agents are agents *on the phones*, so the gap compares them with the agents required
before shrinkage; shrinkage only converts a gap into rostered (paid) hours.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special as _sp

from csperf_lib.core.sections import section_link
from csperf_lib.core.settings import DEFERRED_CHANNELS as _DEFERRED_CHANNELS
from csperf_lib.core.settings import section_settings
from csperf_lib.core.summary_io import to_jsonable
from csperf_lib.methods.kpis import kpi_options
from csperf_lib.methods.targets import targets_from_config

__all__ = [
    "ASSUMPTIONS",
    "DEFERRED_CHANNELS",
    "QUEUED_CHANNELS",
    "Queue",
    "Staffing",
    "StaffingOptions",
    "StaffingReview",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "interval_profile",
    "required_agents",
    "staffing_heatmap",
    "staffing_options",
    "staffing_review",
    "summary_entries",
    "weekday_profile",
    "what_if_table",
]

#: Channels whose contacts queue in real time for an agent: the ones an Erlang model can describe.
QUEUED_CHANNELS = ("phone", "chat", "other")
#: Channels answered from a backlog (hours, not seconds): staffing them needs a backlog model.
DEFERRED_CHANNELS = _DEFERRED_CHANNELS

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

#: The model's assumptions, in words, for the report.
ASSUMPTIONS = (
    "Contacts arrive at random, one at a time and independently (a Poisson process), at a constant "
    "rate within each interval; the rate used is the interval's mean over the review period.",
    "Handle times (talk + hold + wrap) are exponentially distributed with the interval's mean AHT.",
    "One pool of identical agents serves one first-come-first-served queue; an agent handles one "
    "contact at a time, so chat (several at once) is not modelled by default.",
    "Erlang C assumes callers never hang up and never call back (no abandonment, no retrials); "
    "real abandonment shortens the queue, so Erlang C is on the safe (over-staffing) side. Erlang A "
    "adds exponential patience, estimated from the data as total waiting time / abandoned contacts.",
    "Each interval is treated as a steady state on its own: a backlog carried over from the "
    "previous interval is ignored.",
    "Agents deployed are estimated from the contacts (no roster or log-in data): the distinct "
    "agents who answered a contact arriving in the interval, each counted at their share of "
    "handling time on the modelled channels. Idle logged-in agents are missed (quiet intervals "
    "look more under-staffed than they were) and an agent who took one contact counts for the "
    "whole interval.",
)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: More states than this in the Erlang A chain means the patience is too long for the overload.
_MAX_STATES = 4_000_000
#: Tail of the Erlang A chain dropped once its terms are this far (natural log) below the largest.
_LOG_TAIL = 46.0  # e^-46 ~ 1e-20
#: Relative slack when rounding a head count up, so 14 / 0.7 (= 20.000000000000004) stays 20.
_ROUND_SLACK = 1e-9


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Erlang B and C
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Erlang A
# --------------------------------------------------------------------------------------------


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
    occupancy = a * served / n if n > 0 else math.nan
    return Queue(
        traffic_erlangs=a,
        agents=n,
        p_wait=p_wait,
        service_level=min(max(sl, 0.0), 1.0),
        asa_s=asa,
        occupancy=min(occupancy, 1.0) if n > 0 else math.nan,
        p_abandon=p_abandon,
        target_s=t,
        stable=True,
        model="erlang_a",
        service_level_definition=SL_DEFINITION_A,
    )


# --------------------------------------------------------------------------------------------
# required agents
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# config
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StaffingOptions:
    """Validated options of the config's ``staffing:`` section, defaults filled in.

    Attributes
    ----------
    channels : tuple of str
        Queued real-time channels modelled (default ``("phone",)``). Contacts without a channel
        count as phone, as in the KPI catalogue.
    interval_minutes : int
        Planning interval, minutes; divides a day (default 30).
    target_s : float
        Service-level threshold, seconds (default the ``kpis.service_level_threshold_s``, 20).
    service_level : float
        Service-level target, proportion 0-1 (default: ``staffing.service_level``, else the
        review's ``service_level`` target, else 0.8).
    service_level_source : str
        Where ``service_level`` came from, in words.
    max_occupancy : float or None
        Occupancy cap, (0, 1]; None for none (the default).
    shrinkage : float
        Share of paid time not on the phones, [0, 1) (default 0).
    min_offered : float
        Mean contacts per interval below which a weekday x interval cell is shown but not judged
        under- or over-staffed (the deployed proxy sees no agent without a contact; default 1).
    exclude_short_abandons_s : float or None
        From the ``kpis:`` section: abandons quicker than this leave the observed service level's
        offered count, as in the ``service_level`` KPI.
    """

    channels: tuple[str, ...] = ("phone",)
    interval_minutes: int = 30
    target_s: float = 20.0
    service_level: float = 0.8
    service_level_source: str = "default 80 %"
    max_occupancy: float | None = None
    shrinkage: float = 0.0
    min_offered: float = 1.0
    exclude_short_abandons_s: float | None = None

    @property
    def interval_s(self) -> float:
        """Interval length, seconds."""
        return 60.0 * self.interval_minutes


def staffing_options(config: Any = None) -> StaffingOptions:
    """The options of the config's typed ``staffing:`` section, defaults filled in.

    Parameters
    ----------
    config : ReviewConfig, mapping or None
        The review config (its ``settings.staffing``, checked at load against
        :class:`csperf_lib.core.settings.StaffingSettings`), or its parsed YAML, checked here
        against the same model (None: defaults; the service-level target then falls back to the
        indicative 80/20 benchmark).

    Returns
    -------
    StaffingOptions

    Raises
    ------
    ConfigError
        Listing every problem of the section at once, each with its key (``staffing.<option>``).
        E-mail and social are refused as channels: they are answered from a backlog, which an
        Erlang queue does not describe.
    """

    if config is not None and not hasattr(config, "raw") and isinstance(config, Mapping):
        # a parsed YAML mapping: make sure the KPI and target readers see a whole config, not a
        # kpis: section (they tell the two apart by a kpis or tables key)
        config = {**config, "kpis": config.get("kpis") or {}}
    _, section = section_settings(config, "staffing")
    kpis = kpi_options(config)
    values: dict[str, Any] = {
        "target_s": float(kpis["service_level_threshold_s"]),
        "exclude_short_abandons_s": kpis["exclude_short_abandons_s"],
    }
    given = section.model_dump(exclude_unset=True)
    if given.get("channels") is not None:
        values["channels"] = tuple(dict.fromkeys(given["channels"]))
    for key in ("interval_minutes", "target_s", "service_level", "shrinkage", "min_offered"):
        if given.get(key) is not None:
            values[key] = given[key]
    if "max_occupancy" in given:
        values["max_occupancy"] = given["max_occupancy"]
    if "service_level" in values:
        values["service_level_source"] = "staffing.service_level in the config"
    else:

        target = targets_from_config(config).lookup("service_level")
        if target is not None and 0 < target.target < 1:
            values["service_level"] = float(target.target)
            values["service_level_source"] = (
                f"the review's service_level target ({target.source}, {target.origin})"
            )
    return StaffingOptions(**values)


# --------------------------------------------------------------------------------------------
# intervals from the store
# --------------------------------------------------------------------------------------------

#: Columns of :func:`interval_profile`.
INTERVAL_COLUMNS = (
    "interval_start", "date", "weekday", "time", "offered", "sl_offered", "answered", "abandoned",
    "answered_within", "handle_n", "handle_sum_s", "aht_s", "wait_answered_sum_s",
    "wait_total_s", "observed_sl", "observed_asa_s", "handlers", "deployed", "traffic_erlangs",
    "required_raw", "required", "gap", "predicted_sl", "predicted_asa_s", "predicted_sl_erlang_a",
)


def _period(config: Any, days: pd.Series) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    first = pd.Timestamp(days.min()) if len(days) else None
    last = pd.Timestamp(days.max()) if len(days) else None
    start = getattr(config, "period_start", None)
    end = getattr(config, "period_end", None)
    return (pd.Timestamp(start) if start else first), (pd.Timestamp(end) if end else last)


def _aggregate(store, options: StaffingOptions) -> pd.DataFrame:
    """One GROUP BY in the store's engine: per (day, slot) counts and sums."""
    import ibis

    t = store.table("contacts")
    cols = set(t.columns)

    def col(name: str, kind: str):
        return t[name] if name in cols else ibis.null(kind)

    keep = t.arrived_at.notnull()
    if "channel" in cols:
        live = t.channel.isin(list(options.channels))
        if "phone" in options.channels:
            live = live | t.channel.isnull()
        keep = keep & live
    answered = t.answered.fill_null(False)
    abandoned = col("abandoned", "boolean").fill_null(False) & ~answered
    wait = col("wait_s", "float64").cast("float64")
    parts = [col(c, "float64").cast("float64") for c in ("talk_s", "hold_s", "wrap_s")]
    total = parts[0].fill_null(0.0) + parts[1].fill_null(0.0) + parts[2].fill_null(0.0)
    none = parts[0].isnull() & parts[1].isnull() & parts[2].isnull()
    handle = ibis.ifelse(none, ibis.null("float64"), total)
    within = answered & (wait <= options.target_s).fill_null(False)
    short = options.exclude_short_abandons_s
    excluded = abandoned & (wait < short).fill_null(False) if short is not None else ibis.literal(False)
    agent = col("agent_id", "string")
    minute = t.arrived_at.hour() * 60 + t.arrived_at.minute()
    base = t.filter(keep).mutate(
        _day=t.arrived_at.truncate("D"),
        _slot=minute // options.interval_minutes,
        _ans=answered.cast("int64"),
        _ab=abandoned.cast("int64"),
        _within=within.cast("int64"),
        _sl=(~excluded).cast("int64"),
        _handle=ibis.ifelse(answered, handle, ibis.null("float64")),
        _wait_ans=ibis.ifelse(answered, wait, ibis.null("float64")),
        _wait_all=ibis.ifelse(answered | abandoned, wait, ibis.null("float64")),
        _agent=ibis.ifelse(answered, agent, ibis.null("string")),
    )
    if "agent_id" not in cols:
        equivalents = pd.DataFrame(columns=["_day", "_slot", "handlers", "deployed_equivalent"])
    else:
        equivalents = _equivalents(t, base, keep, answered, handle, agent)
    agg = base.group_by(["_day", "_slot"]).aggregate(
        offered=base.count(),
        sl_offered=base._sl.sum(),
        answered=base._ans.sum(),
        abandoned=base._ab.sum(),
        answered_within=base._within.sum(),
        handle_n=base._handle.count(),
        handle_sum_s=base._handle.sum(),
        wait_answered_n=base._wait_ans.count(),
        wait_answered_sum_s=base._wait_ans.sum(),
        wait_total_s=base._wait_all.sum(),
        abandoned_timed=base._wait_all.count(where=base._ab == 1),
    )
    frame = agg.execute().merge(equivalents, on=["_day", "_slot"], how="left")
    frame[["handlers", "deployed_equivalent"]] = frame[["handlers", "deployed_equivalent"]].fillna(0.0)
    return frame.rename(columns={"_day": "day", "_slot": "slot"})


def _equivalents(t, base, keep, answered, handle, agent) -> pd.DataFrame:
    """Per (day, slot): distinct handlers, and the same each weighted by their share of handling on
    the modelled channels over the review (blended agents count for the part of their time the
    queue had; the contact-count share where no handle time is known)."""
    import ibis

    every = t.filter(answered & agent.notnull()).mutate(
        _h=handle.fill_null(0.0), _mine=keep.fill_null(False).cast("int64"),
    )
    shares = every.group_by(agent.name("_agent")).aggregate(
        _mine_h=every._h.sum(where=every._mine == 1), _all_h=every._h.sum(),
        _mine_n=every._mine.sum(), _all_n=every.count(),
    )
    shares = shares.mutate(
        _share=ibis.ifelse(shares._all_h > 0, shares._mine_h.fill_null(0.0) / shares._all_h,
                           shares._mine_n.cast("float64") / shares._all_n.cast("float64")),
    ).select("_agent", "_share")
    seen = base.filter(base._agent.notnull()).select("_day", "_slot", "_agent").distinct()
    seen = seen.left_join(shares, "_agent").select("_day", "_slot", "_share")
    equivalents = seen.group_by(["_day", "_slot"]).aggregate(
        handlers=seen.count(), deployed_equivalent=seen._share.fill_null(1.0).sum(),
    ).execute()
    return equivalents


def _with_roster(frame: pd.DataFrame, roster: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    missing = {"interval_start", "agents"} - set(roster.columns)
    if missing:
        raise ValueError(f"roster needs columns interval_start and agents; missing {sorted(missing)}")
    r = pd.DataFrame({
        "interval_start": pd.to_datetime(roster["interval_start"]).dt.floor(f"{interval_minutes}min"),
        "roster": pd.to_numeric(roster["agents"], errors="coerce"),
    }).groupby("interval_start", as_index=False)["roster"].sum()
    out = frame.merge(r, on="interval_start", how="outer")
    counts = [c for c in out.columns if c not in ("interval_start", "roster") and out[c].dtype.kind in "iuf"]
    out[counts] = out[counts].fillna(0)
    out["roster"] = out["roster"].fillna(0.0)  # the roster is authoritative: not on it, nobody there
    return out


def interval_profile(
    store,
    *,
    config: Any = None,
    interval_minutes: int | None = None,
    channels: Sequence[str] | None = None,
    roster: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Per calendar interval: offered, AHT, observed service, agents deployed and required.

    Aggregated in the store's engine (one ``GROUP BY`` date x interval); only one row per
    interval comes back. Intervals with no contact of the channels are absent (unless a
    ``roster`` names them).

    Parameters
    ----------
    store : Store
        The processed store (its ``contacts`` table).
    config : ReviewConfig, mapping or None, keyword-only
        The review config: ``staffing:`` options (:func:`staffing_options`) and the ``kpis:``
        threshold and short-abandon rule.
    interval_minutes : int, keyword-only
        Overrides ``staffing.interval_minutes`` (default 30).
    channels : sequence of str, keyword-only
        Overrides ``staffing.channels`` (default ``("phone",)``).
    roster : pandas.DataFrame, keyword-only
        Agents actually logged in or rostered on the phones per interval (columns
        ``interval_start``, ``agents``); replaces the distinct-handler proxy.

    Returns
    -------
    pandas.DataFrame
        :data:`INTERVAL_COLUMNS`: ``offered`` (every contact arriving), ``sl_offered`` (the
        service level's denominator), ``answered_within`` (answered with ``wait_s <=
        target_s``), ``aht_s`` (mean talk + hold + wrap of answered contacts, NaN without any),
        ``observed_sl``, ``observed_asa_s``, ``handlers`` (distinct agents who answered a
        contact arriving in the interval), ``deployed`` (the same, each counted at their share of
        handling time on the modelled channels over the review; or the roster; see the module
        docstring), ``traffic_erlangs`` (offered x AHT / interval;
        the pooled AHT where the interval has none), ``required_raw`` / ``required`` (Erlang C
        agents for the target before / after shrinkage, :func:`required_agents`), ``gap``
        (deployed - required_raw), ``predicted_sl`` and ``predicted_asa_s`` (Erlang C with the
        deployed agents), ``predicted_sl_erlang_a`` (Erlang A with the patience estimated from
        all intervals); a fractional number of agents deployed is read as a mix of the two whole
        numbers around it (predictions interpolated linearly). ``attrs`` holds ``options``, ``period`` (first and last date),
        ``deployed_source``, ``pooled_aht_s``, ``patience_s`` and ``excluded`` (contacts of
        other channels by channel).
    """
    options = staffing_options(config)
    if interval_minutes is not None:
        if not (isinstance(interval_minutes, int) and interval_minutes > 0 and 1440 % interval_minutes == 0):
            raise ValueError(f"interval_minutes must divide a day (15, 30, 60 ...), got {interval_minutes!r}")
        options = StaffingOptions(**{**options.__dict__, "interval_minutes": interval_minutes})
    if channels is not None:
        bad = [c for c in channels if c in DEFERRED_CHANNELS]
        if bad:
            raise ValueError(f"channels {bad} are answered from a backlog; an Erlang model does not apply")
        options = StaffingOptions(**{**options.__dict__, "channels": tuple(channels)})
    raw = _aggregate(store, options)
    frame = pd.DataFrame({
        "interval_start": pd.to_datetime(raw["day"]) + pd.to_timedelta(raw["slot"].astype(int) * options.interval_minutes, unit="min"),
        **{c: pd.to_numeric(raw[c]).astype(float) for c in raw.columns if c not in ("day", "slot")},
    })
    channels = "/".join(options.channels)
    blended = frame["handlers"].sum() > 0 and frame["deployed_equivalent"].sum() < 0.99 * frame["handlers"].sum()
    deployed_source = (
        f"agents who answered a {channels} contact arriving in the interval, each counted at the "
        f"share of their handling time spent on {channels} over the review (proxy; the agents also "
        f"work other channels)" if blended else
        f"distinct agents who answered a {channels} contact arriving in the interval (proxy)"
    )
    frame["deployed"] = frame["deployed_equivalent"]
    if roster is not None:
        frame = _with_roster(frame, roster, options.interval_minutes)
        frame["deployed"] = frame["roster"]
        deployed_source = "roster (agents logged in per interval)"
    elif not (frame["handlers"] > 0).any():
        deployed_source = "unavailable (no agent IDs)"
        frame["deployed"] = np.nan
    frame = frame.sort_values("interval_start", kind="stable").reset_index(drop=True)
    frame["date"] = frame["interval_start"].dt.normalize()
    frame["weekday"] = frame["interval_start"].dt.day_of_week.astype(int)
    frame["time"] = frame["interval_start"].dt.strftime("%H:%M")
    handle_n, handle_sum = frame["handle_n"].sum(), frame["handle_sum_s"].sum()
    pooled_aht = float(handle_sum / handle_n) if handle_n > 0 else math.nan
    timed = frame["abandoned_timed"].sum()
    patience = float(frame["wait_total_s"].sum() / timed) if timed > 0 else math.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["aht_s"] = np.where(frame["handle_n"] > 0, frame["handle_sum_s"] / frame["handle_n"], np.nan)
        frame["observed_sl"] = np.where(frame["sl_offered"] > 0, frame["answered_within"] / frame["sl_offered"], np.nan)
        frame["observed_asa_s"] = np.where(frame["wait_answered_n"] > 0, frame["wait_answered_sum_s"] / frame["wait_answered_n"], np.nan)
    aht = frame["aht_s"].fillna(pooled_aht).to_numpy(float)
    frame["traffic_erlangs"] = frame["offered"] * aht / options.interval_s
    req = [_required(o, a, options) for o, a in zip(frame["offered"], aht, strict=True)]
    frame["required_raw"] = [r[0] for r in req]
    frame["required"] = [r[1] for r in req]
    frame["gap"] = frame["deployed"] - frame["required_raw"]
    # a fractional number of agents (a blended agent's share) is read as a mix of the two whole
    # numbers around it: the predictions are interpolated linearly between them
    deployed = frame["deployed"].fillna(0.0).to_numpy(float)
    low = np.floor(deployed)
    frac = deployed - low
    traffic = frame["traffic_erlangs"].to_numpy(float)
    _, sl_lo, asa_lo = _erlang_c_arrays(traffic, low, aht, options.target_s)
    _, sl_hi, asa_hi = _erlang_c_arrays(traffic, low + 1, aht, options.target_s)
    sl = (1 - frac) * sl_lo + frac * sl_hi
    with np.errstate(invalid="ignore"):
        asa = np.where(frac == 0, asa_lo, (1 - frac) * asa_lo + frac * asa_hi)
    known = frame["deployed"].notna().to_numpy()
    frame["predicted_sl"] = np.where(known, sl, np.nan)
    frame["predicted_asa_s"] = np.where(known, asa, np.nan)
    frame["predicted_sl_erlang_a"] = [
        _erlang_a_sl(o, a, patience, d, options) for o, a, d in zip(frame["offered"], aht, frame["deployed"], strict=True)
    ]
    excluded = _excluded(store, options)
    frame = frame[list(INTERVAL_COLUMNS)]
    frame.attrs.update(
        options=options, period=_period(config, frame["date"]), deployed_source=deployed_source,
        pooled_aht_s=pooled_aht, patience_s=patience, excluded=excluded,
    )
    return frame


def _required(offered: float, aht: float, options: StaffingOptions) -> tuple[float, float]:
    if not (math.isfinite(offered) and math.isfinite(aht) and aht > 0):
        return math.nan, math.nan
    s = required_agents(
        calls=offered, interval_s=options.interval_s, aht_s=aht, target_s=options.target_s,
        service_level=options.service_level, max_occupancy=options.max_occupancy,
        shrinkage=options.shrinkage,
    )
    return float(s.raw_agents), float(s.agents)


def _erlang_a_sl(offered: float, aht: float, patience: float, deployed: float, options: StaffingOptions) -> float:
    """Erlang A service level, interpolated linearly between the whole numbers of agents around
    a fractional ``deployed``."""
    if not all(math.isfinite(x) for x in (offered, aht, deployed)) or aht <= 0 or deployed < 0:
        return math.nan
    low = math.floor(deployed)
    frac = deployed - low
    try:
        sl = [erlang_a(calls=offered, interval_s=options.interval_s, aht_s=aht, patience_s=patience,
                       agents=n, target_s=options.target_s).service_level
              for n in ((low,) if frac == 0 else (low, low + 1))]
    except ValueError:
        return math.nan
    return sl[0] if frac == 0 else (1 - frac) * sl[0] + frac * sl[1]


def _excluded(store, options: StaffingOptions) -> dict[str, int]:
    t = store.table("contacts")
    if "channel" not in t.columns:
        return {}
    rest = t.filter(t.channel.notnull() & ~t.channel.isin(list(options.channels)))
    counts = rest.group_by("channel").aggregate(n=rest.count()).execute()
    return {str(c): int(n) for c, n in zip(counts["channel"], counts["n"], strict=True)}


# --------------------------------------------------------------------------------------------
# weekday x interval profile
# --------------------------------------------------------------------------------------------

#: Columns of :func:`weekday_profile`.
PROFILE_COLUMNS = (
    "weekday", "weekday_name", "time", "days", "offered", "aht_s", "traffic_erlangs",
    "required_raw", "required", "required_sl", "required_asa_s", "binding", "deployed", "gap",
    "status", "observed_sl", "predicted_sl", "predicted_sl_erlang_a", "observed_asa_s",
)


def _weekday_counts(start: pd.Timestamp | None, end: pd.Timestamp | None) -> dict[int, int]:
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return {}
    days = pd.date_range(start.normalize(), end.normalize(), freq="D")
    return days.day_of_week.value_counts().to_dict()


def weekday_profile(intervals: pd.DataFrame) -> pd.DataFrame:
    r"""Roll calendar intervals up to weekday x interval of day: the planning view.

    For each weekday and time of day, over the ``days`` dates of that weekday in the review period
    (an interval without a contact counts as zero offered and zero deployed):

    * ``offered`` — mean contacts per interval, :math:`\sum \text{offered} / \text{days}`;
    * ``aht_s`` — pooled AHT, :math:`\sum \text{handle} / \sum n` (the review's AHT where the cell
      has no answered contact);
    * ``required_raw`` / ``required`` — :func:`required_agents` for that mean load, before / after
      shrinkage, with ``required_sl`` and ``required_asa_s`` it achieves and what ``binding``;
    * ``deployed`` — mean agents deployed per interval; ``gap = deployed - required_raw``
      (negative: under-staffed). Agents deployed are agents on the phones, so they are compared
      with the requirement before shrinkage;
    * ``status`` — ``under-staffed`` (gap < 0), ``over-staffed`` (gap >= 1: at least one agent
      spare), ``balanced``, or ``not judged`` when fewer than ``min_offered`` contacts arrive on
      average;
    * ``observed_sl`` — pooled answered within target / offered; ``predicted_sl`` and
      ``predicted_sl_erlang_a`` — each interval's prediction with the agents it had, averaged with
      the same weights (offered), so the three are directly comparable.

    Parameters
    ----------
    intervals : pandas.DataFrame
        :func:`interval_profile` output (its ``attrs`` carry the options and the period).

    Returns
    -------
    pandas.DataFrame
        :data:`PROFILE_COLUMNS`, sorted by weekday and time; ``attrs`` as the input's.
    """
    options: StaffingOptions = intervals.attrs.get("options", StaffingOptions())
    start, end = intervals.attrs.get("period", (None, None))
    counts = _weekday_counts(start, end)
    if intervals.empty:
        out = pd.DataFrame(columns=list(PROFILE_COLUMNS))
        out.attrs.update(intervals.attrs)
        return out
    f = intervals.assign(
        _pred=intervals["predicted_sl"] * intervals["sl_offered"],
        _pred_a=intervals["predicted_sl_erlang_a"] * intervals["sl_offered"],
        _pred_w=intervals["sl_offered"].where(intervals["predicted_sl"].notna(), 0.0),
        _pred_a_w=intervals["sl_offered"].where(intervals["predicted_sl_erlang_a"].notna(), 0.0),
        _wait_n=intervals["answered"].where(intervals["observed_asa_s"].notna(), 0.0),
    )
    g = f.groupby(["weekday", "time"], sort=True).agg(
        offered=("offered", "sum"), sl_offered=("sl_offered", "sum"),
        answered_within=("answered_within", "sum"), handle_n=("handle_n", "sum"),
        handle_sum_s=("handle_sum_s", "sum"), deployed=("deployed", "sum"),
        deployed_known=("deployed", "count"), wait_sum=("wait_answered_sum_s", "sum"),
        wait_n=("_wait_n", "sum"), pred=("_pred", "sum"), pred_w=("_pred_w", "sum"),
        pred_a=("_pred_a", "sum"), pred_a_w=("_pred_a_w", "sum"), seen=("offered", "size"),
    ).reset_index()
    days = g["weekday"].map(counts).fillna(0).to_numpy(float)
    days = np.maximum(days, g["seen"].to_numpy(float))  # never fewer days than intervals seen
    pooled = intervals.attrs.get("pooled_aht_s", math.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        aht = np.where(g["handle_n"] > 0, g["handle_sum_s"] / g["handle_n"], pooled)
        out = pd.DataFrame({
            "weekday": g["weekday"].astype(int),
            "weekday_name": g["weekday"].map(dict(enumerate(_WEEKDAYS))),
            "time": g["time"],
            "days": days.astype(int),
            "offered": g["offered"] / days,
            "aht_s": aht,
        })
        out["traffic_erlangs"] = out["offered"] * out["aht_s"] / options.interval_s
        deployed_known = g["deployed_known"].to_numpy() > 0
        out["observed_sl"] = np.where(g["sl_offered"] > 0, g["answered_within"] / g["sl_offered"], np.nan)
        out["predicted_sl"] = np.where(g["pred_w"] > 0, g["pred"] / g["pred_w"], np.nan)
        out["predicted_sl_erlang_a"] = np.where(g["pred_a_w"] > 0, g["pred_a"] / g["pred_a_w"], np.nan)
        out["observed_asa_s"] = np.where(g["wait_n"] > 0, g["wait_sum"] / g["wait_n"], np.nan)
        out["deployed"] = np.where(deployed_known, g["deployed"] / days, np.nan)
    rows = []
    for offered, a in zip(out["offered"], out["aht_s"], strict=True):
        if math.isfinite(a) and a > 0:
            s = required_agents(calls=offered, interval_s=options.interval_s, aht_s=a,
                                target_s=options.target_s, service_level=options.service_level,
                                max_occupancy=options.max_occupancy, shrinkage=options.shrinkage)
            rows.append((s.raw_agents, s.agents, s.service_level, s.asa_s, s.binding))
        else:
            rows.append((math.nan, math.nan, math.nan, math.nan, "no handle time"))
    out["required_raw"], out["required"], out["required_sl"], out["required_asa_s"], out["binding"] = (
        [r[i] for r in rows] for i in range(5)
    )
    out["gap"] = out["deployed"] - out["required_raw"]
    judged = out["offered"] >= options.min_offered
    out["status"] = np.select(
        [~judged | out["gap"].isna(), out["gap"] < 0, out["gap"] >= 1],
        ["not judged", "under-staffed", "over-staffed"],
        "balanced",
    )
    out = out[list(PROFILE_COLUMNS)].sort_values(["weekday", "time"]).reset_index(drop=True)
    out.attrs.update(intervals.attrs)
    return out


# --------------------------------------------------------------------------------------------
# the review
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class StaffingReview:
    """Resourcing review of the queued channels: what was needed against what was deployed.

    Attributes
    ----------
    options : StaffingOptions
        The options in force (channels, interval, target, shrinkage, occupancy cap).
    intervals : pandas.DataFrame
        One row per calendar interval (:func:`interval_profile`).
    profile : pandas.DataFrame
        Weekday x interval of day (:func:`weekday_profile`): the heatmap's data.
    summary : dict
        ``calendar_intervals``, ``cells`` (weekday x interval cells with contacts),
        ``cells_judged``, ``under_staffed``, ``over_staffed``, ``balanced``,
        ``shortfall_agent_hours_per_week`` (sum over judged cells of max(0, required_raw -
        deployed) x interval hours: agent-hours on the phones one week lacks),
        ``shortfall_rostered_hours_per_week`` (the same grossed up for shrinkage: paid hours to
        add), ``surplus_agent_hours_per_week`` (max(0, deployed - required_raw) x interval hours),
        ``peak`` (the busiest cell: offered, AHT, required, deployed, gap, service levels).
    what_if : pandas.DataFrame
        For the busiest cell and the most under-staffed ones: service level (Erlang C and
        Erlang A), ASA, occupancy and abandonment with the deployed agents (rounded) -2 .. +2.
    model_check : dict
        How well the model reproduces what happened, interval by interval (only intervals with at
        least ``min_contacts`` contacts): ``intervals``, ``observed_sl`` (pooled), and for
        ``erlang_c`` and ``erlang_a`` the pooled ``predicted_sl``, ``bias`` (predicted -
        observed), ``mae`` (offered-weighted mean absolute error) and ``correlation`` (Pearson,
        across intervals).
    patience_s : float
        Mean patience estimated from the data: total waiting time of answered and abandoned
        contacts / abandoned contacts (the exponential maximum-likelihood estimate with answered
        contacts censored; Mandelbaum & Zeltyn 2007); ``inf`` without abandons.
    deployed_source : str
        What "deployed" means here (the proxy, a roster, or unavailable).
    assumptions : tuple of str
        The model's assumptions in plain words (:data:`ASSUMPTIONS`).
    notes : tuple of str
        Channels left out and why, and other caveats.
    findings : tuple of str
        Plain sentences with the numbers.
    """

    options: StaffingOptions
    intervals: pd.DataFrame
    profile: pd.DataFrame
    summary: dict[str, Any]
    what_if: pd.DataFrame
    model_check: dict[str, Any]
    patience_s: float
    deployed_source: str
    assumptions: tuple[str, ...] = ASSUMPTIONS
    notes: tuple[str, ...] = ()
    findings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def headline(self) -> dict[str, Any]:
        """The few numbers a recommendation quotes.

        ``understaffed_agent_hours_per_week`` and ``understaffed_rostered_hours_per_week`` (see
        ``summary``), ``under_staffed_cells``, and the most under-staffed weekday x interval cell:
        ``worst_interval`` (e.g. ``"Monday 10:30"``), ``worst_required`` (agents on the phones,
        int), ``worst_deployed`` (mean agents deployed, one decimal); the ``worst_*`` are None when
        no cell is under-staffed.
        """
        under = self.profile[self.profile["status"] == "under-staffed"] if len(self.profile) else self.profile
        worst = under.nsmallest(1, "gap").iloc[0] if len(under) else None
        return {
            "understaffed_agent_hours_per_week": float(self.summary["shortfall_agent_hours_per_week"]),
            "understaffed_rostered_hours_per_week": float(self.summary["shortfall_rostered_hours_per_week"]),
            "under_staffed_cells": int(self.summary["under_staffed"]),
            "worst_interval": None if worst is None else f"{_DAY_NAMES[int(worst['weekday'])]} {worst['time']}",
            "worst_required": None if worst is None else int(worst["required_raw"]),
            "worst_deployed": None if worst is None else round(float(worst["deployed"]), 1),
        }


def _what_if(profile: pd.DataFrame, options: StaffingOptions, patience: float, *, worst: int = 3) -> pd.DataFrame:
    columns = ["weekday_name", "time", "why", "offered", "aht_s", "deployed", "required_raw", "base",
               "delta", "agents", "service_level", "asa_s", "occupancy", "service_level_erlang_a",
               "p_abandon"]
    usable = profile[(profile["status"] != "not judged") | profile["deployed"].isna()]
    usable = usable[usable["required_raw"].notna()]
    if usable.empty:
        return pd.DataFrame(columns=columns)
    picks: dict[int, str] = {int(usable["traffic_erlangs"].idxmax()): "busiest"}
    for idx in usable.sort_values("gap", kind="stable").index[:worst]:
        if usable.at[idx, "gap"] < 0:
            picks.setdefault(int(idx), "most under-staffed")
    rows = []
    for idx, why in picks.items():
        cell = profile.loc[idx]
        bases = {"required": int(cell["required_raw"])}
        if math.isfinite(cell["deployed"]):
            bases = {"deployed": int(round(cell["deployed"])), **bases}
        for base, start in bases.items():
            for delta in (-2, -1, 0, 1, 2):
                n = start + delta
                if n < 0:
                    continue
                c = erlang_c(calls=cell["offered"], interval_s=options.interval_s, aht_s=cell["aht_s"],
                             agents=n, target_s=options.target_s)
                sl_a = p_ab = math.nan
                if math.isfinite(patience):
                    try:
                        a = erlang_a(calls=cell["offered"], interval_s=options.interval_s,
                                     aht_s=cell["aht_s"], patience_s=patience, agents=n,
                                     target_s=options.target_s)
                        sl_a, p_ab = a.service_level, a.p_abandon
                    except ValueError:
                        pass
                rows.append({
                    "weekday_name": cell["weekday_name"], "time": cell["time"], "why": why,
                    "offered": cell["offered"], "aht_s": cell["aht_s"], "deployed": cell["deployed"],
                    "required_raw": cell["required_raw"], "base": base, "delta": delta, "agents": n,
                    "service_level": c.service_level, "asa_s": c.asa_s, "occupancy": c.occupancy,
                    "service_level_erlang_a": sl_a, "p_abandon": p_ab,
                })
    return pd.DataFrame(rows, columns=columns)


def what_if_table(what_if: pd.DataFrame) -> pd.DataFrame:
    """The what-if rows as a reader sees them: one row per cell and base, one column per change.

    Rows are the chosen weekday x interval cells, once around the agents deployed (rounded) and
    once around the agents required; columns the change (-2 .. +2). Each value reads
    ``"17: SL 64 % · ASA 40 s (A 70 %)"``: agents, Erlang C service level and ASA, and in
    brackets the Erlang A service level with the estimated patience (an unstable Erlang C queue
    reads ``SL 0 % · ASA ∞``; Erlang A stays finite because callers hang up).
    """
    if what_if.empty:
        return pd.DataFrame()

    def label(r) -> str:
        asa = "∞" if not math.isfinite(r.asa_s) else f"{r.asa_s:.0f} s"
        text = f"{r.agents}: SL {100 * r.service_level:.0f} % · ASA {asa}"
        if math.isfinite(r.service_level_erlang_a):
            text += f" (A {100 * r.service_level_erlang_a:.0f} %)"
        return text

    frame = what_if.assign(
        row=what_if["weekday_name"] + " " + what_if["time"] + " (" + what_if["why"] + "), around "
        + what_if["base"],
        label=[label(r) for r in what_if.itertuples()],
        change=what_if["delta"].map(lambda d: f"{d:+d}" if d else "±0"),
    )
    order = [c for c in ("-2", "-1", "±0", "+1", "+2") if c in set(frame["change"])]
    wide = frame.pivot(index="row", columns="change", values="label").reindex(columns=order)
    wide = wide.reindex(list(dict.fromkeys(frame["row"])))
    wide.index.name, wide.columns.name = "cell", None
    return wide.fillna("")


def _model_check(intervals: pd.DataFrame, *, min_contacts: int) -> dict[str, Any]:
    f = intervals[(intervals["sl_offered"] >= min_contacts) & intervals["observed_sl"].notna()]
    out: dict[str, Any] = {"min_contacts": min_contacts, "intervals": int(len(f))}
    if f.empty:
        return out
    w = f["sl_offered"].to_numpy(float)
    obs = f["observed_sl"].to_numpy(float)
    out["observed_sl"] = float(np.sum(w * obs) / np.sum(w))
    for name, column in (("erlang_c", "predicted_sl"), ("erlang_a", "predicted_sl_erlang_a")):
        pred = f[column].to_numpy(float)
        ok = np.isfinite(pred)
        if not ok.any():
            out[name] = {"intervals": 0}
            continue
        pw, po, ww = pred[ok], obs[ok], w[ok]
        corr = float(np.corrcoef(pw, po)[0, 1]) if ok.sum() > 2 and np.std(pw) > 0 and np.std(po) > 0 else math.nan
        mean = float(np.sum(ww * pw) / np.sum(ww))
        out[name] = {
            "intervals": int(ok.sum()),
            "predicted_sl": mean,
            "bias": mean - float(np.sum(ww * po) / np.sum(ww)),
            "mae": float(np.sum(ww * np.abs(pw - po)) / np.sum(ww)),
            "correlation": corr,
        }
    return out


def _pct(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{100 * x:.0f} %"


def _hours(x: float) -> str:
    return f"{x:,.1f}"


def staffing_review(
    store,
    *,
    config: Any = None,
    roster: pd.DataFrame | None = None,
    min_contacts: int = 5,
    intervals: pd.DataFrame | None = None,
) -> StaffingReview:
    """Agents required per interval against agents deployed, for the review's queued channels.

    Parameters
    ----------
    store : Store
        The processed store.
    config : ReviewConfig, mapping or None, keyword-only
        The review config (``staffing:``, ``kpis:`` and ``targets:`` sections).
    roster : pandas.DataFrame, keyword-only
        Agents logged in per interval (``interval_start``, ``agents``), replacing the
        distinct-handler proxy.
    min_contacts : int, keyword-only
        Calendar intervals with fewer contacts are left out of the model check (their observed
        service level is mostly noise).
    intervals : DataFrame, optional, keyword-only
        A ready calendar-interval profile in :func:`interval_profile`'s shape, e.g. from an ACD
        interval report (:func:`csperf_lib.methods.intervals.interval_staffing`); default: built from the
        store's contacts.

    Returns
    -------
    StaffingReview
    """
    if intervals is None:
        intervals = interval_profile(store, config=config, roster=roster)
    options: StaffingOptions = intervals.attrs["options"]
    profile = weekday_profile(intervals)
    patience = float(intervals.attrs["patience_s"])
    deployed_source = intervals.attrs["deployed_source"]
    hours = options.interval_minutes / 60.0
    judged = profile[profile["status"] != "not judged"]
    shortfall = float((-judged["gap"]).clip(lower=0).sum() * hours) if len(judged) else 0.0
    surplus = float(judged["gap"].clip(lower=0).sum() * hours) if len(judged) else 0.0
    summary: dict[str, Any] = {
        "calendar_intervals": int(len(intervals)),
        "cells": int(len(profile)),
        "cells_judged": int(len(judged)),
        "under_staffed": int((profile["status"] == "under-staffed").sum()),
        "over_staffed": int((profile["status"] == "over-staffed").sum()),
        "balanced": int((profile["status"] == "balanced").sum()),
        "shortfall_agent_hours_per_week": shortfall,
        "shortfall_rostered_hours_per_week": shortfall / (1.0 - options.shrinkage),
        "surplus_agent_hours_per_week": surplus,
        "peak": None,
    }
    if len(profile) and profile["traffic_erlangs"].notna().any():  # no handling times: no traffic
        p = profile.loc[profile["traffic_erlangs"].idxmax(skipna=True)]
        summary["peak"] = {k: (p[k].item() if hasattr(p[k], "item") else p[k]) for k in (
            "weekday_name", "time", "offered", "aht_s", "traffic_erlangs", "required_raw", "required",
            "deployed", "gap", "status", "observed_sl", "predicted_sl", "predicted_sl_erlang_a")}
    what_if = _what_if(profile, options, patience)
    check = _model_check(intervals, min_contacts=min_contacts)
    assumptions = ASSUMPTIONS
    if not deployed_source.endswith("(proxy)") and "proxy" not in deployed_source:
        assumptions = ASSUMPTIONS[:-1] + (f"Agents deployed: {deployed_source}.",)
    notes = _notes(intervals, options, deployed_source)
    findings = _findings(intervals, profile, summary, check, options, patience, deployed_source)
    return StaffingReview(
        options=options, intervals=intervals, profile=profile, summary=summary, what_if=what_if,
        model_check=check, patience_s=patience, deployed_source=deployed_source,
        assumptions=assumptions, notes=tuple(notes), findings=tuple(findings),
    )


def _notes(intervals: pd.DataFrame, options: StaffingOptions, deployed_source: str) -> list[str]:
    notes = []
    excluded = intervals.attrs.get("excluded", {})
    backlog = {c: n for c, n in excluded.items() if c in DEFERRED_CHANNELS}
    if backlog:
        listed = ", ".join(f"{c} ({n:,} contacts)" for c, n in sorted(backlog.items()))
        notes.append(
            f"Not modelled: {listed}. These are answered from a backlog within hours, not queued in "
            f"real time, so an Erlang model does not describe them; backlog staffing is deferred work."
        )
    if "chat" in excluded:
        notes.append(
            f"Chat ({excluded['chat']:,} contacts) is not modelled: agents handle several chats at "
            f"once, which breaks Erlang C's one-agent-one-contact assumption. Add it to "
            f"staffing.channels only if chats are handled one at a time."
        )
    if "chat" in options.channels:
        notes.append("Chat is modelled as if each agent handled one chat at a time; with concurrency "
                     "the agents required are overstated.")
    if "proxy" in deployed_source:
        blended = "" if deployed_source.startswith("distinct") else (
            " Agents who also work other channels count only for their share of handling time on "
            "the modelled ones (over the review), so a blended agent is not counted as a whole one."
        )
        notes.append(
            f"Agents deployed are a proxy ({deployed_source.split(' (proxy')[0]}), as the data has "
            f"no roster or log-in "
            f"records. Agents logged in but idle, or still busy with a contact that arrived earlier, "
            f"are missed, which understates deployment, most in quiet intervals; an agent who "
            f"answered one contact counts as present for the whole interval, which overstates it."
            f"{blended} A roster or log-in export (roster=) would replace the proxy."
        )
    elif deployed_source.startswith("unavailable"):
        notes.append("No agent IDs in the contacts: agents deployed are unknown, so only the agents "
                     "required are shown.")
    return notes


def _findings(
    intervals: pd.DataFrame,
    profile: pd.DataFrame,
    summary: Mapping[str, Any],
    check: Mapping[str, Any],
    options: StaffingOptions,
    patience: float,
    deployed_source: str,
) -> list[str]:
    channels = ", ".join(options.channels)
    if intervals.empty:
        return [f"No {channels} contacts to model: the resourcing review has nothing to show."]
    start, end = intervals.attrs.get("period", (None, None))
    span = f" from {start:%d %b %Y} to {end:%d %b %Y}" if start is not None and end is not None else ""
    out = [
        f"{channels.capitalize()}: {summary['calendar_intervals']:,} intervals of "
        f"{options.interval_minutes} minutes with contacts{span}, rolled up to {summary['cells']} "
        f"weekday x time-of-day cells; target {_pct(options.service_level)} answered within "
        f"{options.target_s:g} s ({options.service_level_source}), shrinkage {_pct(options.shrinkage)}"
        + (f", occupancy capped at {_pct(options.max_occupancy)}" if options.max_occupancy else "") + "."
    ]
    peak = summary.get("peak")
    if peak:
        line = (
            f"Busiest interval: {peak['weekday_name']} {peak['time']}, {peak['offered']:.1f} contacts "
            f"per interval at an AHT of {peak['aht_s']:.0f} s ({peak['traffic_erlangs']:.1f} Erlangs). "
            f"Erlang C needs {peak['required_raw']:.0f} agents on the phones "
            f"({peak['required']:.0f} rostered with {_pct(options.shrinkage)} shrinkage)"
        )
        if math.isfinite(peak["deployed"]):
            line += (
                f"; {peak['deployed']:.1f} were deployed on average (gap {peak['gap']:+.1f}), and "
                f"{_pct(peak['observed_sl'])} were answered within {options.target_s:g} s"
            )
        out.append(line + ".")
    if not deployed_source.startswith("unavailable") and summary["cells_judged"]:
        out.append(
            f"{summary['under_staffed']} of {summary['cells_judged']} judged cells are under-staffed "
            f"and {summary['over_staffed']} over-staffed (by a whole agent or more). Closing the "
            f"shortfall takes {_hours(summary['shortfall_agent_hours_per_week'])} agent-hours on the "
            f"phones per week ({_hours(summary['shortfall_rostered_hours_per_week'])} rostered hours "
            f"with shrinkage); over-staffed cells hold "
            f"{_hours(summary['surplus_agent_hours_per_week'])} agent-hours per week that could be "
            f"moved. Agents deployed: {deployed_source}."
        )
        worst = profile[profile["status"] == "under-staffed"].nsmallest(3, "gap")
        if len(worst):
            cells = "; ".join(
                f"{r.weekday_name} {r.time} ({r.deployed:.1f} deployed vs {r.required_raw:.0f} needed)"
                for r in worst.itertuples()
            )
            out.append(f"Largest shortfalls: {cells}.")
    c, a = check.get("erlang_c", {}), check.get("erlang_a", {})
    if c.get("intervals"):
        text = (
            f"Model check over {check['intervals']:,} intervals with at least {check['min_contacts']} "
            f"contacts: observed service level {_pct(check['observed_sl'])}; Erlang C with the agents "
            f"deployed predicts {_pct(c['predicted_sl'])} (mean absolute error {_pct(c['mae'])}, "
            f"correlation {c['correlation']:.2f})"
        )
        if a.get("intervals") and math.isfinite(patience):
            text += (
                f", Erlang A with the estimated mean patience of {patience:.0f} s predicts "
                f"{_pct(a['predicted_sl'])} (error {_pct(a['mae'])}, correlation {a['correlation']:.2f})"
            )
        text += "."
        if abs(c["bias"]) > 0.1:
            text += (
                " The gap between predicted and observed is large: read the agents required as an "
                "order of magnitude, not a roster"
                + (" (the deployed proxy misses idle agents, and Erlang C ignores abandonment)."
                   if deployed_source.startswith("distinct") else ".")
            )
        out.append(text)
    return out


# --------------------------------------------------------------------------------------------
# chart and summary.json
# --------------------------------------------------------------------------------------------

_HEATMAP_LABELS = {
    "gap": "Agents deployed − required (red: under-staffed)",
    "required_raw": "Agents required on the phones",
    "required": "Agents to roster (with shrinkage)",
    "deployed": "Agents deployed (mean per interval)",
    "offered": "Contacts offered (mean per interval)",
    "observed_sl": "Observed service level",
    "predicted_sl": "Predicted service level (Erlang C, agents deployed)",
}


def staffing_heatmap(profile: pd.DataFrame, *, value: str = "gap", ax=None):
    """Heatmap of a weekday x interval-of-day column of :func:`weekday_profile`.

    ``value="gap"`` (deployed - required) uses diverging colours centred on 0, under-staffed
    red and over-staffed blue; cells not judged are blank. Other columns (``required_raw``,
    ``deployed``, ``offered``, ``observed_sl`` ...) use a sequential scale.

    Parameters
    ----------
    profile : pandas.DataFrame
        :func:`weekday_profile` output (``StaffingReview.profile``).
    value : str, keyword-only
        The column to show.
    ax : matplotlib.axes.Axes, keyword-only
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    if value not in profile.columns:
        raise ValueError(f"value must be a column of the profile, got {value!r}")
    data = profile if value != "gap" else profile.assign(gap=profile["gap"].where(profile["status"] != "not judged"))
    grid = data.pivot(index="weekday", columns="time", values=value).astype(float)
    grid = grid.reindex(sorted(grid.index))
    grid.index = [_WEEKDAYS[int(d)] for d in grid.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, 0.28 * grid.shape[1] + 2), 0.45 * max(len(grid), 1) + 1.6))
    values = grid.to_numpy(float)
    if value == "gap":
        bound = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
        bound = max(bound, 0.5)
        mesh = ax.pcolormesh(np.ma.masked_invalid(values), cmap="RdBu",
                             norm=TwoSlopeNorm(vmin=-bound, vcenter=0.0, vmax=bound))
    else:
        cmap = "RdYlGn" if value.endswith("_sl") else "viridis"
        mesh = ax.pcolormesh(np.ma.masked_invalid(values), cmap=cmap)
    ax.set_facecolor("#d9d9d9")  # grey: no contacts (or, for the gap, not judged)
    ax.figure.colorbar(mesh, ax=ax, label="agents" if value in ("gap", "required_raw", "required", "deployed")
                       else ("contacts" if value == "offered"
                             else ("proportion 0-1" if value.endswith("_sl") else value)))
    ax.set_yticks(np.arange(len(grid)) + 0.5, grid.index)
    ax.invert_yaxis()
    step = max(1, grid.shape[1] // 16)
    ticks = np.arange(0, grid.shape[1], step)
    ax.set_xticks(ticks + 0.5, [grid.columns[i] for i in ticks], rotation=90)
    ax.set_xlabel("Interval start")
    ax.set_ylabel("Weekday")
    ax.set_title(_HEATMAP_LABELS.get(value, value) + "; grey: no contacts" + (" or not judged" if value == "gap" else ""))
    return ax


def summary_entries(review: StaffingReview) -> dict[str, Any]:
    """The ``staffing`` entry of summary.json (plain JSON types; NaN and infinity become null)."""

    o = review.options
    return {"staffing": to_jsonable({
        "model": "Erlang C (agents required); Erlang A as a check",
        "channels": list(o.channels),
        "interval_minutes": o.interval_minutes,
        "target_service_level": o.service_level,
        "target_source": o.service_level_source,
        "target_s": o.target_s,
        "shrinkage": o.shrinkage,
        "max_occupancy": o.max_occupancy,
        "deployed_source": review.deployed_source,
        "patience_s": review.patience_s,
        **review.summary,
        "headline": review.headline,
        "model_check": review.model_check,
        "assumptions": list(review.assumptions),
        "notes": list(review.notes),
        "findings": list(review.findings),
    })}


# --- findings -------------------------------------------------------------------------------------
def staffing_findings(review: StaffingReview, *, ledger, queue: str = "all") -> None:
    """``staffing_shortfall`` / ``staffing_surplus`` findings: one per weekday × interval cell the
    review judged under- or over-staffed (agents required by Erlang C for the service-level target
    against agents deployed), with the model check in the attributes so a reader (and the
    recommendation rules) can see whether the model reproduced what happened."""

    check = review.model_check or {}
    erlang_c = check.get("erlang_c") or {}
    profile = review.profile
    for row in profile.to_dict(orient="records") if len(profile) else ():
        status = row.get("status")
        if status not in ("under-staffed", "over-staffed"):
            continue
        shortfall = status == "under-staffed"
        ledger.add(
            "staffing_shortfall" if shortfall else "staffing_surplus",
            key={"queue": queue, "weekday": row["weekday_name"], "interval": row["time"]},
            direction="down" if shortfall else "up", favourable=not shortfall, estimate=row["gap"],
            comparator=row["required_raw"], comparator_label="agents required", n=row.get("offered"),
            significant=True,
            attributes={"queue": queue, "weekday": row["weekday_name"], "interval_start": row["time"],
                        "agents_required": row["required_raw"], "agents_deployed": row["deployed"],
                        "offered_per_day": (row["offered"] / row["days"]) if row.get("days") else None,
                        "observed_sl": row.get("observed_sl"), "predicted_sl": row.get("predicted_sl"),
                        "model_bias": erlang_c.get("bias"), "deployed_source": review.deployed_source,
                        "unit": "number"},
            evidence=[section_link("staffing")],
        )
