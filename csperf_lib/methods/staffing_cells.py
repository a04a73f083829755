r"""Which weekday x interval cells (of the centre, or of each queue) were short of agents.

The staffing review (:mod:`csperf_lib.methods.staffing_review`) sets the agents an Erlang model
requires against the agents deployed. That comparison is only as good as the model and the
deployed figure (a proxy without a roster), so each cell is judged in two steps:

1. **Does the model reproduce what happened?** Over the calendar intervals with enough contacts,
   the Erlang C service level predicted with the agents deployed is compared with the observed one
   (:func:`csperf_lib.methods.staffing_review.model_check`). The model *fits* when the
   offered-weighted mean absolute error is at most :data:`MODEL_FIT_MAE` and the pooled bias at
   most :data:`MODEL_FIT_BIAS` (:func:`model_fits`).
2. **Is the shortfall statistically real?** A cell is under-staffed only when its observed service
   level is below the target beyond chance: a one-sided exact binomial test of
   :math:`H_0: \text{SL} \ge \text{target}` on the cell's contacts over the review,
   :math:`p = P(X \le x \mid n, \text{target})` (Clopper & Pearson 1934 give the matching
   interval), with Benjamini–Hochberg control of the false discovery rate over every cell judged
   (:func:`csperf_lib.methods.stats.fdr_bh`). Where the model fits, the agents required must also
   exceed the agents deployed; where it does not, the data decides alone and the agents the cell
   had are read from its observed service level instead of the proxy: the *effective agents* are
   the (fractional) number with which Erlang C gives the observed service level (inverse Erlang C,
   :func:`effective_agents`), so the agents to add are the agents required minus the effective
   agents, both under the same model.

Over-staffing can only be read from the model (a service level above target says nothing about
idle agents), so a cell is over-staffed only where the model fits. Queues without a recorded value
(``(not recorded)``) are profiled but never judged.

Written here rather than taken from a library: no maintained package judges contact-centre
staffing cells against a service-level target; the statistics themselves (exact binomial tail,
Benjamini–Hochberg) come from SciPy and statsmodels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.tables import NOT_RECORDED
from csperf_lib.methods.erlang import _erlang_c_arrays
from csperf_lib.methods.stats import fdr_bh

__all__ = [
    "CELL_COLUMNS",
    "JUDGED_BY_MODEL",
    "JUDGED_BY_OBSERVED",
    "MIN_CELL_CONTACTS",
    "MODEL_FIT_BIAS",
    "MODEL_FIT_MAE",
    "cell_evidence",
    "effective_agents",
    "judge_cells",
    "model_fits",
]

#: Largest offered-weighted mean absolute error (service level, 0-1) at which the Erlang model is
#: taken to reproduce the observed service level interval by interval.
MODEL_FIT_MAE = 0.10
#: Largest pooled bias (predicted - observed service level, 0-1) at which the model fits.
MODEL_FIT_BIAS = 0.05
#: Fewest contacts over the review (the service level's denominator) for a cell to be judged.
MIN_CELL_CONTACTS = 20

JUDGED_BY_MODEL = "Erlang C model (agents required against agents deployed)"
JUDGED_BY_OBSERVED = "observed service level (the model does not reproduce it)"

#: Columns :func:`cell_evidence` adds to a weekday profile.
CELL_COLUMNS = (
    "queue", "sl_n", "sl_within", "target_sl", "effective_agents", "agents_deployed", "gap",
    "judged_by", "p_value", "q_value", "status",
)


def model_fits(check: Mapping[str, Any] | None) -> bool:
    """Whether a model check (``model_check``'s ``erlang_c`` entry) says the model fits.

    True when it covers at least one interval, its offered-weighted mean absolute error is at most
    :data:`MODEL_FIT_MAE` and its pooled bias at most :data:`MODEL_FIT_BIAS` in absolute value.
    """
    check = check or {}
    mae, bias = check.get("mae"), check.get("bias")
    if not check.get("intervals") or mae is None or bias is None:
        return False
    return bool(math.isfinite(mae) and math.isfinite(bias) and mae <= MODEL_FIT_MAE and abs(bias) <= MODEL_FIT_BIAS)


def effective_agents(traffic, aht_s, observed_sl, *, target_s: float, max_agents: int = 500) -> np.ndarray:
    r"""Agents with which Erlang C gives the observed service level (inverse Erlang C).

    For each row the smallest whole :math:`n > A` with :math:`\text{SL}_C(n) \ge` the observed
    service level is found and interpolated linearly with :math:`n - 1` (so a service level between
    the two reads as a fraction of an agent); a service level below what :math:`\lfloor A \rfloor +
    1` agents give reads as :math:`A` agents (the queue was at or past saturation). Erlang C:
    :math:`\text{SL} = 1 - C(n, A)\,e^{-(n - A) t / \text{AHT}}` (Gans, Koole & Mandelbaum 2003,
    eq. 2), :func:`csperf_lib.methods.erlang.erlang_c`.

    Parameters
    ----------
    traffic : array-like
        Offered load per interval, Erlangs (contacts x AHT / interval length).
    aht_s : array-like
        Average handling time, seconds.
    observed_sl : array-like
        Observed service level, 0-1.
    target_s : float, keyword-only
        Service-level threshold, seconds.
    max_agents : int, keyword-only
        Search ceiling.

    Returns
    -------
    numpy.ndarray
        Effective agents (float); NaN where an input is missing.
    """
    a = np.asarray(traffic, dtype=float)
    aht = np.asarray(aht_s, dtype=float)
    obs = np.asarray(observed_sl, dtype=float)
    out = np.full(a.shape, np.nan)
    ok = np.isfinite(a) & np.isfinite(aht) & (aht > 0) & np.isfinite(obs)
    if not ok.any():
        return out
    a_ok, aht_ok, obs_ok = a[ok], aht[ok], obs[ok]
    low = np.floor(a_ok) + 1
    result = np.full(a_ok.shape, np.nan)
    previous_sl = np.zeros(a_ok.shape)
    for step in range(max_agents):
        n = low + step
        _, sl, _ = _erlang_c_arrays(a_ok, n, aht_ok, target_s)
        reached = np.isnan(result) & (sl >= obs_ok)
        if step == 0:
            result = np.where(reached, a_ok + np.clip(obs_ok / np.maximum(sl, 1e-12), 0, 1) * (n - a_ok), result)
        else:
            span = np.maximum(sl - previous_sl, 1e-12)
            result = np.where(reached, n - 1 + np.clip((obs_ok - previous_sl) / span, 0, 1), result)
        previous_sl = sl
        if not np.isnan(result).any():
            break
    out[ok] = result
    return out


def cell_evidence(intervals: pd.DataFrame, profile: pd.DataFrame, *, target_sl: float, fits: bool,
                  target_s: float, queue: str = "all") -> pd.DataFrame:
    r"""A weekday profile with the evidence each cell is judged on (status not yet decided).

    Parameters
    ----------
    intervals : pandas.DataFrame
        :func:`csperf_lib.methods.staffing.interval_profile` (or one queue's).
    profile : pandas.DataFrame
        :func:`csperf_lib.methods.staffing.weekday_profile` of ``intervals``.
    target_sl : float, keyword-only
        The service-level target that applies (proportion 0-1).
    fits : bool, keyword-only
        Whether the model reproduces the observed service level (:func:`model_fits`).
    target_s : float, keyword-only
        Service-level threshold, seconds.
    queue : str, keyword-only
        The queue the cells belong to (``"all"`` for the centre).

    Returns
    -------
    pandas.DataFrame
        ``profile`` plus :data:`CELL_COLUMNS` (``status`` None until :func:`judge_cells`):
        ``sl_n`` / ``sl_within`` — contacts in the service level's denominator and answered within
        the threshold, over the review; ``effective_agents`` (:func:`effective_agents`);
        ``agents_deployed`` — the deployed proxy where the model fits, else the effective agents;
        ``gap`` — ``agents_deployed - required_raw``; ``p_value`` — exact one-sided binomial
        :math:`P(X \le \text{sl\_within} \mid \text{sl\_n}, \text{target})` (NaN below
        :data:`MIN_CELL_CONTACTS`); ``q_value`` NaN until judged.
    """
    from scipy.stats import binom

    sums = intervals.groupby(["weekday", "time"], sort=False).agg(
        sl_n=("sl_offered", "sum"), sl_within=("answered_within", "sum")).reset_index()
    out = profile.drop(columns=[c for c in CELL_COLUMNS if c in profile.columns and c != "gap"])
    out = out.merge(sums, on=["weekday", "time"], how="left")
    out[["sl_n", "sl_within"]] = out[["sl_n", "sl_within"]].fillna(0.0)
    out.insert(0, "queue", queue)
    out["target_sl"] = float(target_sl)
    out["effective_agents"] = effective_agents(out["traffic_erlangs"], out["aht_s"], out["observed_sl"],
                                               target_s=target_s)
    out["agents_deployed"] = out["deployed"] if fits else out["effective_agents"]
    out["gap"] = out["agents_deployed"] - out["required_raw"]
    out["judged_by"] = JUDGED_BY_MODEL if fits else JUDGED_BY_OBSERVED
    testable = (out["sl_n"] >= MIN_CELL_CONTACTS) & (queue != NOT_RECORDED)
    p = binom.cdf(out["sl_within"].to_numpy(float), out["sl_n"].to_numpy(float).astype(int), float(target_sl))
    out["p_value"] = np.where(testable, p, np.nan)
    out["q_value"] = np.nan
    out["status"] = None
    return out


def judge_cells(cells: pd.DataFrame, *, alpha: float = 0.05, min_offered: float = 1.0) -> pd.DataFrame:
    """Decide each cell's status, with the false discovery rate controlled over every cell given.

    ``q_value`` is the Benjamini–Hochberg adjusted p-value over all tested cells (of every queue
    passed in together). ``status``:

    * ``under-staffed`` — where the model fits, fewer agents deployed than it requires; where it
      does not, q < ``alpha`` and the observed service level below target;
    * ``over-staffed`` — only where the model fits: at least one agent more than required;
    * ``balanced`` (the model fits; within one agent of the requirement) or ``meets target`` (judged
      on the observed service level, not significantly below target);
    * ``not judged`` — fewer than ``min_offered`` contacts per interval, no handling time or agents
      deployed, the ``(not recorded)`` queue, or (judged on the service level) fewer than
      :data:`MIN_CELL_CONTACTS` contacts over the review.

    Returns
    -------
    pandas.DataFrame
        A copy of ``cells`` with ``q_value`` and ``status`` filled.
    """
    out = cells.copy()
    out["q_value"] = fdr_bh(out["p_value"].to_numpy(float))
    model = out["judged_by"] == JUDGED_BY_MODEL
    judged = ((out["offered"] >= min_offered) & out["required_raw"].notna() & out["gap"].notna()
              & (out["queue"] != NOT_RECORDED) & (model | out["p_value"].notna()))
    short = judged & np.where(model, out["gap"] < 0,
                              (out["q_value"] < alpha) & (out["observed_sl"] < out["target_sl"]))
    spare = judged & model & (out["gap"] >= 1)
    out["status"] = np.select(
        [~judged, short, spare, model],
        ["not judged", "under-staffed", "over-staffed", "balanced"],
        "meets target",
    )
    return out
