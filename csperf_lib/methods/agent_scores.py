"""Agent × scorecard-item scores from QA evaluations: means, intervals, peer comparisons, flags.

:func:`agent_item_scores` gives, per agent × item, the mean (Student t interval) or pass rate
(Wilson interval), the difference from the peers (Welch; Newcombe for pass rates) with its
Benjamini–Hochberg adjusted p, and whether the item is below threshold, after removing each
evaluator's severity (:func:`evaluator_offsets`, backfitting of the additive two-way model). The
formulas, their sources and the evidence rules are set out in :mod:`csperf_lib.methods.coaching`,
which turns these scores into coaching plans and training needs. :func:`agent_teams` gives each
agent's team from the contacts they answered; :func:`item_kind` the kind of a scorecard item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from csperf_lib.methods.stats import fdr_bh, wilson_interval

__all__ = [
    "ITEM_KINDS",
    "agent_item_scores",
    "agent_teams",
    "evaluator_offsets",
    "item_kind",
]


#: Item kind -> keywords of item names (lower case, matched as substrings, first kind wins).
ITEM_KINDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "compliance": (
            "complian", "security", "identification", "id&v", "idv", "verification", "verif",
            "disclos", "consent", "data_protection", "data protection", "gdpr", "regulat",
            "vulnerab", "mandatory", "terms",
        ),
        "knowledge": (
            "accura", "knowledge", "information", "product", "policy", "resolution", "resolv",
            "diagnos", "advice", "first_contact", "solution", "correct",
        ),
        "soft_skills": (
            "empath", "tone", "greeting", "opening", "closing", "rapport", "courte", "listen",
            "polite", "ownership", "manner", "needs", "probing", "question", "friendl",
            "professional", "apolog",
        ),
        "process": (
            "wrap", "notes", "record", "system", "process", "hold", "transfer", "logging",
            "documentation", "admin", "follow_up", "follow-up", "tagging", "disposition",
        ),
    }
)


#: Kind of an item whose name matches no keyword.
GENERAL_KIND = "general"


#: Fewest contacts an evaluator must have scored on an item for their offset to be removed.
MIN_EVALUATOR_CONTACTS = 30
#: A shortfall against peers this large (a share of the item's maximum: 20 percentage points) is
#: acted on when the agent's estimate is below the standard, without waiting for the whole interval
#: to be: an agent × item usually has 15-20 evaluations, too few for the interval of a clearly weak
#: agent to clear the standard (the peers test, FDR-controlled, is the evidence).
MATERIAL_SHORTFALL = 0.20


SCORE_COLUMNS = (
    "agent_id", "team", "item", "kind", "pass_fail", "critical", "n_evaluations",
    "first_evaluated_at", "last_evaluated_at", "mean_pct", "raw_mean_pct", "ci_low", "ci_high",
    "peer_n", "peer_mean_pct", "difference", "diff_ci_low", "diff_ci_high", "p_value",
    "p_adjusted", "threshold", "below_standard", "below_peers", "below_threshold", "evidence",
    "min_evaluations", "ci_level", "interval_method", "test",
)


OFFSET_COLUMNS = ("evaluator_id", "item", "n_contacts", "offset_pct", "adjusted")


SUFFICIENT = "sufficient"


INSUFFICIENT = "insufficient evidence"


_REQUIRED = ("agent_id", "item", "score", "max_score")


def item_kind(item: str, *, critical: bool = False) -> str:
    """The kind of a scorecard item (see :data:`ITEM_KINDS`): a critical item is compliance."""
    if critical:
        return "compliance"
    name = str(item).lower()
    for kind, keywords in ITEM_KINDS.items():
        if any(k in name for k in keywords):
            return kind
    return GENERAL_KIND


def _check_confidence(confidence: float) -> float:
    confidence = float(confidence)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return confidence


def _is_ibis(obj: Any) -> bool:
    return not isinstance(obj, pd.DataFrame) and hasattr(obj, "to_pandas") and hasattr(obj, "select")


def agent_teams(contacts: Any) -> pd.Series:
    """Each agent's team: the team of most of the contacts they answered.

    Parameters
    ----------
    contacts : DataFrame or ibis Table
        With ``agent_id`` and ``team`` (e.g. the canonical ``contacts`` table; an ibis table is
        counted in its engine and only the counts come back). Never modified.

    Returns
    -------
    Series
        Indexed by ``agent_id``, named ``team``. An agent who moved teams gets the team of most
        of their contacts (ties: the alphabetically first); rows without an agent or team are
        ignored.
    """
    if _is_ibis(contacts):
        t = contacts.filter(contacts.agent_id.notnull() & contacts.team.notnull())
        counts = t.group_by(["agent_id", "team"]).aggregate(n=t.count()).to_pandas()
    else:
        missing = {"agent_id", "team"} - set(contacts.columns)
        if missing:
            raise ValueError(f"contacts lack column(s) {', '.join(sorted(missing))}")
        sub = contacts[["agent_id", "team"]].dropna()
        counts = sub.groupby(["agent_id", "team"], observed=True).size().rename("n").reset_index()
    if counts.empty:
        return pd.Series(dtype=object, name="team", index=pd.Index([], name="agent_id"))
    counts = counts.astype({"agent_id": str, "team": str})
    best = counts.sort_values(["agent_id", "n", "team"], ascending=[True, False, True])
    best = best.drop_duplicates("agent_id")
    return pd.Series(
        best["team"].to_numpy(dtype=object), index=pd.Index(best["agent_id"], name="agent_id"),
        name="team",
    )


def _team_map(qa: pd.DataFrame, teams: Any) -> pd.Series | None:
    """Agent -> team from ``teams`` (mapping, Series, agent table or contacts) or qa's column."""
    if teams is None:
        if "team" in qa.columns:
            return agent_teams(qa[["agent_id", "team"]])
        return None
    if isinstance(teams, pd.Series):
        return pd.Series(teams.to_numpy(dtype=object), index=teams.index.astype(str), name="team")
    if isinstance(teams, Mapping):
        return pd.Series({str(k): v for k, v in teams.items()}, dtype=object, name="team")
    return agent_teams(teams)


@dataclass(frozen=True)
class _Prepared:
    """Cleaned observations (internal).

    Attributes
    ----------
    obs : DataFrame
        One row per agent × item × evaluated contact: ``agent_id, item, score, max_score,
        evaluated_at, evaluator_id, critical, unit, evaluation_id, pct, pass_fail, value``
        (``value``: ``pct`` minus the evaluator offset, share 0–1).
    offsets : DataFrame
        :func:`evaluator_offsets`.
    notes : tuple of str
        What was done to the rows.
    as_of : Timestamp or None
        The latest evaluation.
    """

    obs: pd.DataFrame
    offsets: pd.DataFrame
    notes: tuple[str, ...]
    as_of: pd.Timestamp | None


def _as_frame(qa: Any) -> pd.DataFrame:
    if _is_ibis(qa):
        cols = [c for c in (*_REQUIRED, "contact_id", "evaluation_id", "evaluator_id",
                            "evaluated_at", "critical", "team") if c in qa.columns]
        return qa.select(cols).to_pandas()
    if not isinstance(qa, pd.DataFrame):
        raise TypeError("qa must be a pandas DataFrame (the canonical qa_evaluations table)")
    return qa


def _prepare(qa: Any, *, adjust_for_evaluator: bool) -> _Prepared:
    qa = _as_frame(qa)
    missing = [c for c in _REQUIRED if c not in qa.columns]
    if missing:
        raise ValueError(f"qa lacks required column(s): {', '.join(missing)}")
    notes: list[str] = []
    score = pd.to_numeric(qa["score"], errors="coerce").to_numpy(dtype=float)
    max_score = pd.to_numeric(qa["max_score"], errors="coerce").to_numpy(dtype=float)
    agent = qa["agent_id"]
    item = qa["item"]
    with np.errstate(invalid="ignore"):
        ok = (
            agent.notna().to_numpy() & item.notna().to_numpy() & np.isfinite(score)
            & np.isfinite(max_score) & (max_score > 0) & (score >= 0) & (score <= max_score)
        )
    dropped = int((~ok).sum())
    if dropped:
        notes.append(
            f"{dropped} item row(s) without agent, item or a valid score (0 <= score <= max) "
            "were left out"
        )
    data = {
        "agent_id": agent.to_numpy()[ok].astype(str),
        "item": item.to_numpy()[ok].astype(str),
        "score": score[ok],
        "max_score": max_score[ok],
    }
    n = int(ok.sum())
    if "evaluated_at" in qa.columns:
        data["evaluated_at"] = pd.to_datetime(qa["evaluated_at"], errors="coerce").to_numpy()[ok]
    else:
        data["evaluated_at"] = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if "evaluator_id" in qa.columns:
        ev = qa["evaluator_id"].to_numpy(dtype=object)[ok]
        data["evaluator_id"] = ev
    else:
        data["evaluator_id"] = np.full(n, None, dtype=object)
    if "critical" in qa.columns:
        data["critical"] = qa["critical"].fillna(False).to_numpy(dtype=bool)[ok]
    else:
        data["critical"] = np.zeros(n, dtype=bool)
    # the unit: one evaluated contact (calibration re-scores of the same contact counted once)
    if "contact_id" in qa.columns:
        unit = qa["contact_id"].astype(object).to_numpy()[ok]
    else:
        unit = np.full(n, None, dtype=object)
    if "evaluation_id" in qa.columns:
        fallback = "ev:" + qa["evaluation_id"].astype(str).to_numpy(dtype=object)[ok]
    else:
        fallback = np.array([f"row:{i}" for i in np.flatnonzero(ok)], dtype=object)
    unit = np.where(pd.isna(unit), fallback, unit)
    data["unit"] = unit.astype(str)
    if "evaluation_id" in qa.columns:
        data["evaluation_id"] = qa["evaluation_id"].astype(str).to_numpy(dtype=object)[ok]
    else:
        data["evaluation_id"] = data["unit"]
    obs = pd.DataFrame(data)
    obs["_order"] = np.arange(n)
    obs = obs.sort_values(["evaluated_at", "_order"], na_position="last", kind="mergesort")
    before = len(obs)
    obs = obs.drop_duplicates(["agent_id", "item", "unit"], keep="first")
    rescored = before - len(obs)
    if rescored:
        notes.append(
            f"{rescored} item row(s) re-scoring a contact already evaluated (calibration) were "
            "counted once, with the earliest evaluation"
        )
    obs["pct"] = obs["score"] / obs["max_score"]
    # pass/fail items: maximum 1 and every score 0 or 1
    binary = (obs["max_score"] == 1) & obs["score"].isin([0.0, 1.0])
    pf = binary.groupby(obs["item"]).all()
    obs["pass_fail"] = obs["item"].map(pf).astype(bool)
    crit = obs.groupby("item")["critical"].any()
    obs["critical"] = obs["item"].map(crit).astype(bool)
    obs = obs.drop(columns=["_order"]).reset_index(drop=True)
    offsets, off_row = _evaluator_offsets(obs, enabled=adjust_for_evaluator)
    obs["value"] = obs["pct"].to_numpy() - off_row
    if adjust_for_evaluator and len(offsets) and offsets["adjusted"].any():
        biggest = offsets.loc[offsets["adjusted"], "offset_pct"].abs().max()
        notes.append(
            "graded items adjusted for evaluator severity (two-way additive model; largest "
            f"evaluator offset {100 * biggest:.1f} percentage points)"
        )
    as_of = obs["evaluated_at"].max() if len(obs) else None
    as_of = None if as_of is None or pd.isna(as_of) else pd.Timestamp(as_of)
    return _Prepared(obs=obs, offsets=offsets, notes=tuple(notes), as_of=as_of)


def _evaluator_offsets(obs: pd.DataFrame, *, enabled: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """Backfitted evaluator x item offsets of graded items; the offset of each row."""
    row_offset = np.zeros(len(obs))
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        OFFSET_COLUMNS, ("object", "object", "int64", "float64", "bool"), strict=True)})
    graded = (~obs["pass_fail"]) & obs["evaluator_id"].notna()
    if not enabled or not graded.any():
        return empty, row_offset
    sub = obs.loc[graded, ["agent_id", "item", "evaluator_id", "pct"]]
    if sub["evaluator_id"].nunique() < 2:
        return empty, row_offset
    y = sub["pct"].to_numpy(dtype=float)
    ai = sub.groupby(["agent_id", "item"], sort=False).ngroup().to_numpy()
    ei_frame = sub.groupby(["evaluator_id", "item"], sort=True)
    ei = ei_frame.ngroup().to_numpy()
    it = sub.groupby("item", sort=False).ngroup().to_numpy()
    n_ai = np.bincount(ai).astype(float)
    n_ei = np.bincount(ei).astype(float)
    ei_item = np.zeros(n_ei.size, dtype=int)
    ei_item[ei] = it
    eligible = n_ei >= MIN_EVALUATOR_CONTACTS
    row_ok = eligible[ei]
    n_it_ok = np.bincount(it, weights=row_ok.astype(float), minlength=it.max() + 1)
    beta = np.zeros(n_ei.size)
    for _ in range(200):
        a_mean = np.bincount(ai, weights=y - beta[ei]) / n_ai
        raw = np.bincount(ei, weights=y - a_mean[ai], minlength=n_ei.size) / n_ei
        raw = np.where(eligible, raw, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.bincount(it, weights=np.where(row_ok, raw[ei], 0.0)) / n_it_ok
        centre = np.nan_to_num(centre)
        new = np.where(eligible, raw - centre[ei_item], 0.0)
        change = np.max(np.abs(new - beta)) if new.size else 0.0
        beta = new
        if change < 1e-12:
            break
    keys = ei_frame.size().reset_index()
    offsets = pd.DataFrame(
        {
            "evaluator_id": keys["evaluator_id"].astype(object).to_numpy(),
            "item": keys["item"].astype(object).to_numpy(),
            "n_contacts": n_ei.astype("int64"),
            "offset_pct": beta,
            "adjusted": eligible,
        }
    )
    row_offset[np.flatnonzero(graded.to_numpy())] = beta[ei]
    return offsets, row_offset


def evaluator_offsets(qa: pd.DataFrame) -> pd.DataFrame:
    """Each evaluator's severity per graded item, as removed by :func:`agent_item_scores`.

    Parameters
    ----------
    qa : DataFrame
        The canonical ``qa_evaluations`` table (never modified).

    Returns
    -------
    DataFrame
        ``evaluator_id, item, n_contacts, offset_pct, adjusted``: the evaluator's offset in
        shares of the maximum (e.g. −0.04 = scores 4 percentage points below the average
        evaluator for the same agents), estimated by the two-way additive model of the module
        docstring; ``adjusted`` is False (offset 0) below :data:`MIN_EVALUATOR_CONTACTS`
        contacts. Empty for pass/fail items or with fewer than two evaluators.
    """
    return _prepare(qa, adjust_for_evaluator=True).offsets


def _thresholds(items: pd.Series, threshold: float | Mapping[str, float]) -> np.ndarray:
    if isinstance(threshold, Mapping):
        default = float(threshold.get("default", 0.7))
        values = items.map(lambda i: float(threshold.get(i, default)))
    else:
        values = pd.Series(float(threshold), index=items.index)
    arr = values.to_numpy(dtype=float)
    if np.any(~((arr > 0) & (arr <= 1))):
        raise ValueError("thresholds must be shares of the maximum score in (0, 1]")
    return arr


def _pass_fail_tests(pf: np.ndarray, *, n: np.ndarray, m: np.ndarray, n_p: np.ndarray, m_p: np.ndarray,
                     intervals: tuple[np.ndarray, ...], p: np.ndarray, confidence: float) -> tuple[np.ndarray, ...]:
    """For pass/fail rows (``pf``): the Wilson (1927) interval of the pass rate, Newcombe's (1998,
    *Stat. Med.* 17:873-890, method 10) hybrid score interval of the difference from the peers and
    Fisher's exact p; the graded rows keep their t / Welch values. Returns lo, hi, d_lo, d_hi, p."""
    lo, hi, d_lo, d_hi = intervals
    d = m - m_p
    x = np.rint(m * n)
    x_p = np.rint(m_p * n_p)
    wl, wh = wilson_interval(np.where(pf, x, 0), np.where(pf, n, 1), confidence=confidence)
    pl, ph = wilson_interval(
        np.where(pf & (n_p > 0), x_p, 0), np.where(pf & (n_p > 0), n_p, 1),
        confidence=confidence,
    )
    nl = d - np.sqrt((m - wl) ** 2 + (ph - m_p) ** 2)
    nh = d + np.sqrt((wh - m) ** 2 + (m_p - pl) ** 2)
    lo, hi = np.where(pf, wl, lo), np.where(pf, wh, hi)
    d_lo, d_hi = np.where(pf, nl, d_lo), np.where(pf, nh, d_hi)
    p = p.copy()
    for i in np.flatnonzero(pf & (n_p > 0)):
        table = [[int(x[i]), int(n[i] - x[i])], [int(x_p[i]), int(n_p[i] - x_p[i])]]
        p[i] = float(_st.fisher_exact(table).pvalue)
    return lo, hi, d_lo, d_hi, p


def _score_table(
    prep: _Prepared,
    *,
    teams: pd.Series | None,
    min_evaluations: int,
    threshold: float | Mapping[str, float],
    confidence: float,
    threshold_test: str,
) -> pd.DataFrame:
    confidence = _check_confidence(confidence)
    if int(min_evaluations) < 2:
        raise ValueError("min_evaluations must be at least 2")
    if threshold_test not in ("interval", "point"):
        raise ValueError("threshold_test must be 'interval' or 'point'")
    alpha = 1.0 - confidence
    obs = prep.obs
    if obs.empty:
        return _empty_scores()
    g = obs.groupby(["agent_id", "item"], sort=True)
    s = g.agg(n=("value", "size"), mean=("value", "mean"), var=("value", "var"), raw_mean=("pct", "mean"),
              first=("evaluated_at", "min"), last=("evaluated_at", "max"), pass_fail=("pass_fail", "first"),
              critical=("critical", "first")).reset_index()
    items = obs.groupby("item").agg(N=("value", "size"), M=("value", "mean"), V=("value", "var"))
    s = s.join(items, on="item")
    n = s["n"].to_numpy(dtype=float)
    m = s["mean"].to_numpy(dtype=float)
    var = s["var"].fillna(0.0).to_numpy(dtype=float)
    N = s["N"].to_numpy(dtype=float)
    M = s["M"].to_numpy(dtype=float)
    V = s["V"].fillna(0.0).to_numpy(dtype=float)
    pf = s["pass_fail"].to_numpy(dtype=bool)
    n_p = N - n
    with np.errstate(invalid="ignore", divide="ignore"):
        m_p = (N * M - n * m) / n_p
        tss = (N - 1) * V
        agent_ss = (n - 1) * var + n * (m - M) ** 2
        peer_ss = np.maximum(tss - agent_ss - n_p * (m_p - M) ** 2, 0.0)
        var_p = np.where(n_p > 1, peer_ss / (n_p - 1), np.nan)
        # graded: t interval of the mean, Welch difference
        df_a = np.where(n > 1, n - 1, np.nan)
        t_a = _st.t.ppf(0.5 + confidence / 2, df_a)
        half = t_a * np.sqrt(var / n)
        lo, hi = m - half, m + half
        va, vp = var / n, var_p / n_p
        se = np.sqrt(va + vp)
        d = m - m_p
        nu = (va + vp) ** 2 / (va**2 / (n - 1) + vp**2 / (n_p - 1))
        t_d = _st.t.ppf(0.5 + confidence / 2, nu)
        d_lo, d_hi = d - t_d * se, d + t_d * se
        p = 2 * _st.t.sf(np.abs(d) / se, nu)
    p = np.where(se > 0, p, np.nan)
    if pf.any():  # pass/fail items: Wilson, Newcombe hybrid score, Fisher's exact
        lo, hi, d_lo, d_hi, p = _pass_fail_tests(pf, n=n, m=m, n_p=n_p, m_p=m_p, intervals=(lo, hi, d_lo, d_hi),
                                                 p=p, confidence=confidence)
    sufficient = n >= int(min_evaluations)
    p = np.where(sufficient & (n_p > 0), p, np.nan)
    p_adj = fdr_bh(p)
    thr = _thresholds(s["item"], threshold)
    material = (d <= -MATERIAL_SHORTFALL) & (m < thr)  # far below peers and below the standard
    below_standard = sufficient & (((hi < thr) | material) if threshold_test == "interval" else (m < thr))
    below_peers = sufficient & (d < 0) & (p_adj < alpha)
    team = s["agent_id"].map(teams) if teams is not None else pd.Series(np.nan, index=s.index, dtype=object)
    out = pd.DataFrame(
        {
            "agent_id": s["agent_id"].astype(object),
            "team": team.astype(object).where(team.notna(), None),
            "item": s["item"].astype(object),
            "kind": [item_kind(i, critical=c) for i, c in zip(s["item"], s["critical"], strict=True)],
            "pass_fail": pf,
            "critical": s["critical"].to_numpy(dtype=bool),
            "n_evaluations": s["n"].astype("int64"),
            "first_evaluated_at": s["first"],
            "last_evaluated_at": s["last"],
            "mean_pct": m,
            "raw_mean_pct": s["raw_mean"].to_numpy(dtype=float),
            "ci_low": lo,
            "ci_high": hi,
            "peer_n": n_p.astype("int64"),
            "peer_mean_pct": m_p,
            "difference": d,
            "diff_ci_low": d_lo,
            "diff_ci_high": d_hi,
            "p_value": p,
            "p_adjusted": p_adj,
            "threshold": thr,
            "below_standard": below_standard,
            "below_peers": below_peers,
            "below_threshold": below_standard & below_peers,
            "evidence": np.where(sufficient, SUFFICIENT, INSUFFICIENT).astype(object),
            "min_evaluations": int(min_evaluations),
            "ci_level": confidence,
            "interval_method": np.where(pf, "wilson", "t").astype(object),
            "test": np.where(pf, "fisher exact", "welch t").astype(object),
        }
    )
    return out.reset_index(drop=True)


def _empty_scores() -> pd.DataFrame:
    kinds = {
        "pass_fail": "bool", "critical": "bool", "below_standard": "bool", "below_peers": "bool",
        "below_threshold": "bool", "n_evaluations": "int64", "peer_n": "int64",
        "min_evaluations": "int64", "first_evaluated_at": "datetime64[ns]",
        "last_evaluated_at": "datetime64[ns]",
    }
    floats = {"mean_pct", "raw_mean_pct", "ci_low", "ci_high", "peer_mean_pct", "difference",
              "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted", "threshold", "ci_level"}
    return pd.DataFrame(
        {c: pd.Series(dtype=kinds.get(c, "float64" if c in floats else object))
         for c in SCORE_COLUMNS}
    )


def agent_item_scores(
    qa: pd.DataFrame,
    *,
    teams: Any = None,
    min_evaluations: int = 10,
    threshold: float | Mapping[str, float] = 0.7,
    confidence: float = 0.95,
    threshold_test: str = "interval",
    adjust_for_evaluator: bool = True,
) -> pd.DataFrame:
    r"""Per agent × scorecard item: mean, interval, comparison with peers and the coaching flag.

    Parameters
    ----------
    qa : DataFrame
        The canonical ``qa_evaluations`` table (long: one row per evaluation × item) with at
        least ``agent_id, item, score, max_score``; ``contact_id``, ``evaluation_id``,
        ``evaluator_id``, ``evaluated_at``, ``critical`` and ``team`` are used when present. An
        ibis table is accepted too (only these columns are fetched). Never modified. Rows with a
        missing agent/item/score or a score outside 0..max are left out.
    teams : mapping, Series, DataFrame or ibis Table, optional, keyword-only
        Agent → team: a mapping or Series indexed by ``agent_id``, or a table with ``agent_id``
        and ``team`` (e.g. the canonical contacts; each agent gets the team of most of their
        contacts, see :func:`agent_teams`). Default: ``qa``'s own ``team`` column if any, else
        no team.
    min_evaluations : int, keyword-only
        Fewest evaluated contacts an agent × item needs to be judged (default 10, at least 2).
    threshold : float or mapping, keyword-only
        The standard as a share 0–1 of the maximum score (default 0.7), or item → share with an
        optional ``default``.
    confidence : float, keyword-only
        Two-sided confidence of the intervals; :math:`\alpha = 1 -` confidence is also the false
        discovery rate of the BH correction (default 0.95).
    threshold_test : {"interval", "point"}, keyword-only
        Whether ``below_standard`` needs the whole interval of the mean below the threshold
        (default; or, for a shortfall of :data:`MATERIAL_SHORTFALL` or more against peers, the
        mean) or only the mean.
    adjust_for_evaluator : bool, keyword-only
        Remove evaluator × item severity from graded items first (default True; see the module
        docstring for the model and its caveat).

    Returns
    -------
    DataFrame
        One row per agent × item, sorted by agent then item:

        ``agent_id, team, item``; ``kind`` (item type, :func:`item_kind`); ``pass_fail``
        (maximum 1, scores 0/1); ``critical``; ``n_evaluations`` (distinct evaluated
        contacts); ``first_evaluated_at, last_evaluated_at`` (the period the evidence covers);
        ``mean_pct`` (share 0–1 of the maximum, evaluator-adjusted for graded items) and
        ``raw_mean_pct`` (unadjusted); ``ci_low, ci_high`` (t interval, Wilson for pass/fail);
        ``peer_n, peer_mean_pct`` (every other agent's contacts on the item); ``difference``
        (agent − peers, share 0–1) with ``diff_ci_low, diff_ci_high`` (Welch; Newcombe for
        pass/fail); ``p_value`` (Welch t; Fisher's exact for pass/fail) and ``p_adjusted``
        (Benjamini–Hochberg over every agent × item with sufficient evidence; NaN otherwise);
        ``threshold``; ``below_standard``, ``below_peers`` and ``below_threshold`` (both: the
        coaching flag); ``evidence`` (``"sufficient"`` / ``"insufficient evidence"``);
        ``min_evaluations, ci_level, interval_method, test`` (the settings, for the sentences).

    Notes
    -----
    Welch (1947), Wilson (1927), Newcombe (1998), Fisher (1922), Benjamini & Hochberg (1995),
    Berger (1982); formulas in the module docstring. An agent × item with insufficient evidence
    keeps its descriptive mean and interval but is never tested, flagged or counted in the BH
    family.
    """
    prep = _prepare(qa, adjust_for_evaluator=adjust_for_evaluator)
    return _score_table(
        prep,
        teams=_team_map(_as_frame(qa), teams),
        min_evaluations=min_evaluations,
        threshold=threshold,
        confidence=confidence,
        threshold_test=threshold_test,
    )
