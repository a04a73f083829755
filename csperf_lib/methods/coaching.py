r"""Coaching and training from QA scorecards: who needs help on which item, how, and by when.

Every judgement here rests on evidence that is both large enough and statistically real:

* an agent × item with fewer than ``min_evaluations`` evaluated contacts is listed as
  *insufficient evidence* and never judged;
* an item is *below threshold* for an agent only when the agent's mean is demonstrably below the
  standard (the item threshold, a share of the maximum score) **and** demonstrably below the
  other agents after the Benjamini–Hochberg correction over every agent × item tested;
* team-wide training is proposed where a configurable share of a team's (or the centre's) agents
  with sufficient evidence fall below the standard on the same item.

Public API
----------
- :func:`csperf_lib.methods.agent_scores.agent_item_scores` — per agent × item: mean, interval, peer comparison, flags.
- :func:`coaching_plan` — one row per agent to coach: need, evidence, method, follow-up date.
- :func:`training_needs` — items shared by enough agents to justify team-wide training.
- :func:`insufficient_evidence` — agent × items with too few evaluations (listed, not judged).
- :func:`csperf_lib.methods.agent_scores.evaluator_offsets` — each evaluator's severity per item (adjustment of graded items).
- :func:`csperf_lib.methods.agent_scores.agent_teams` — each agent's team from the contacts they answered.
- :func:`coaching_review` → :class:`CoachingReview` — all of the above with plain findings.
- :func:`recommendation_settings` → :class:`RecommendationSettings` — the validated
  ``recommendations:`` config section (shared with :mod:`csperf_lib.stages.recommendations`).
- :data:`COACHING_METHODS`, :data:`csperf_lib.methods.agent_scores.ITEM_KINDS`, :data:`METHODS` — the documented, read-only
  mapping from item type to coaching method.

Statistics
----------
The unit of observation is one *evaluated contact* per agent × item: score as a share of the
maximum, :math:`y = \text{score}/\text{max\_score}` (0–1). A contact scored again in a
calibration session (several evaluations of one ``contact_id``) counts once, with its earliest
evaluation, so calibration re-scores neither double the evidence nor weight one contact twice.

*Graded items* (maximum above 1):

* evaluator severity is removed first (optional, on by default): the additive two-way model
  :math:`y_{ijk} = \mu_{ai} + \beta_{ei} + \varepsilon` (agent × item mean :math:`\mu_{ai}`,
  evaluator × item offset :math:`\beta_{ei}` centred to a row-weighted mean of zero within the
  item) is fitted by least squares via backfitting (alternating group means, Hastie &
  Tibshirani 1990, *Generalized Additive Models* §4.4; the Gauss–Seidel solution of the two-way
  ANOVA without interaction), and :math:`\hat\beta_{ei}` is subtracted from each score. An
  evaluator with fewer than :data:`MIN_EVALUATOR_CONTACTS` contacts on an item is not adjusted.
  Because the agent means are estimated jointly, an evaluator who happens to score a weak agent
  often is not mistaken for a severe one. If evaluators are assigned by team, evaluator and team
  are confounded and the adjustment also removes part of any real team difference (it cannot
  tell them apart); switch it off with ``adjust_for_evaluator=False`` in that case;
* mean with the Student t interval :math:`\bar y \pm t_{1-\alpha/2,n-1}\,s/\sqrt n`
  (Student 1908);
* difference from the peers (every other agent's contacts on the item) with Welch's unequal
  variances t test and interval (Welch 1947, Biometrika 34:28–35):
  :math:`d = \bar y_a - \bar y_p`, :math:`se = \sqrt{s_a^2/n_a + s_p^2/n_p}`,
  :math:`\nu = se^4 / \big((s_a^2/n_a)^2/(n_a-1) + (s_p^2/n_p)^2/(n_p-1)\big)`,
  :math:`d \pm t_{1-\alpha/2,\nu}\,se`, two-sided :math:`p = 2\,P(T_\nu > |d|/se)`. The peers'
  mean and variance come from the item's totals minus the agent's own, through the
  between/within decomposition of the sum of squares (never a raw sum of squares).

*Pass/fail items* (maximum 1, scores 0 or 1; not evaluator-adjusted, passes are counts):

* pass rate with the Wilson score interval (Wilson 1927, JASA 22:209–212);
* difference with Newcombe's hybrid score interval built from the two Wilson intervals
  (Newcombe 1998, Statistics in Medicine 17:873–890, method 10):
  :math:`L = d - \sqrt{(\hat p_a - l_a)^2 + (u_p - \hat p_p)^2}`,
  :math:`U = d + \sqrt{(u_a - \hat p_a)^2 + (\hat p_p - l_p)^2}`;
* two-sided p-value of Fisher's exact test (Fisher 1922), valid with the few failures a small
  agent sample has.

*Multiplicity*: the p-values of all agent × item tests with sufficient evidence are adjusted
together with the Benjamini–Hochberg step-up procedure (Benjamini & Hochberg 1995, JRSS B
57:289–300), :math:`p_{(i)}^{adj} = \min_{j \ge i} \min(1, m\,p_{(j)}/j)`, controlling the false
discovery rate at :math:`\alpha = 1 -` ``confidence``.

*The flag* ``below_threshold`` is an intersection–union test (Berger 1982, Technometrics
24:295–300): both conditions must hold, each at level :math:`\alpha`, so no further correction
for the pair is needed:

1. ``below_standard`` — the interval of the mean lies wholly below the item threshold
   (``threshold_test="interval"``, the default), or only the point estimate does
   (``threshold_test="point"``, less strict: a mean of 69 % from 30 contacts would count). Under
   the default a *material* shortfall — :data:`~csperf_lib.methods.agent_scores.MATERIAL_SHORTFALL`
   (20 points of the maximum) or more below peers — needs only the estimate below the standard:
   the 15–20 evaluations an agent × item usually has leave a wide interval, and requiring it to
   clear the standard found an agent at 50 % against peers at 91 % in 3 of 20 simulated centres
   (18 of 20 with the material path, no control agent flagged; ``tests/test_coaching.py``);
2. ``below_peers`` — :math:`d < 0` and the BH-adjusted p-value is below :math:`\alpha`.

Honesty about small samples: with about 30–50 evaluated contacts per agent × item the interval of
a 5-point item's mean is roughly ±5 percentage points, so only large shortfalls can be
established; a non-flag means "not demonstrated", not "fine".

Item types and coaching methods
-------------------------------
An item's *kind* is read from its name (:data:`ITEM_KINDS`: the first kind one of whose keywords
the lower-cased name contains; a ``critical`` item is always ``compliance``; otherwise
``general``). Each kind has a coaching method (:data:`COACHING_METHODS`), after the methods of
CFACSD20 K7:

=============== ========================================= ================================
kind            individual coaching                       team-wide training
=============== ========================================= ================================
knowledge       call review + e-learning                  e-learning, then a call review
                                                          session on the knowledge base
soft_skills     side-by-side listening + role play        role-play workshop
compliance      call review + buddying (with an           classroom training with a
                accredited colleague) and a re-check      re-check of every agent
process         call review + buddying                    e-learning on the procedure
general         call review + side-by-side listening      call review session
=============== ========================================= ================================

The config extends or overrides it: ``recommendations: {coaching_methods: {knowledge:
[call review, role play], wrap_up_notes: [buddying]}}`` — a key is a kind or an item name (an
item name takes precedence over its kind); values are methods of :data:`METHODS`.

Conventions: data first, options keyword-only; inputs are never mutated; no state at module
level beyond read-only tables; agent identifiers are pseudonymised with
:func:`csperf_lib.methods.privacy.pseudonymise_series` wherever a ``pseudonym_key`` is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.formatting import format_p
from csperf_lib.core.sections import section_link
from csperf_lib.core.settings import (
    COACHING_METHOD_NAMES,
    RecommendationsSettings,
    section_settings,
)
from csperf_lib.methods.agent_scores import (
    GENERAL_KIND,
    INSUFFICIENT,
    SUFFICIENT,
    _as_frame,
    _prepare,
    _score_table,
    _team_map,
)
from csperf_lib.methods.privacy import pseudonymise_series
from csperf_lib.methods.stats import wilson_interval

__all__ = [
    "COACHING_METHODS",
    "METHODS",
    "RECOMMENDATION_KEYS",
    "CoachingMethod",
    "CoachingReview",
    "RecommendationSettings",
    "coaching_plan",
    "coaching_review",
    "insufficient_evidence",
    "recommendation_settings",
    "training_needs",
]

# --------------------------------------------------------------------------------------------
# read-only tables
# --------------------------------------------------------------------------------------------

#: Coaching methods a config may name (CFACSD20 K7), plus classroom training for team-wide needs.
METHODS: tuple[str, ...] = COACHING_METHOD_NAMES

#: A shortfall against peers at least this large (share of the maximum) makes a plan high priority.
HIGH_PRIORITY_SHORTFALL = 0.20
#: Keys the ``recommendations:`` config section may have (coaching.py and recommend.py read it).
RECOMMENDATION_KEYS = frozenset(RecommendationsSettings.model_fields)


@dataclass(frozen=True)
class CoachingMethod:
    """How an item kind (or one item) is coached.

    Attributes
    ----------
    methods : tuple of str
        Individual coaching methods from :data:`METHODS`, in the order they are used.
    detail : str
        The methods as a plain instruction for a team leader.
    training : str
        Team-wide training when many agents share the need.
    """

    methods: tuple[str, ...]
    detail: str
    training: str


#: Item kind -> coaching method (read-only; extended by ``recommendations.coaching_methods``).
COACHING_METHODS: Mapping[str, CoachingMethod] = MappingProxyType(
    {
        "knowledge": CoachingMethod(
            ("call review", "e-learning"),
            "review recorded contacts with the agent against the knowledge base, then the "
            "e-learning module on the topic",
            "e-learning on the knowledge base for the team, then a call review session on it",
        ),
        "soft_skills": CoachingMethod(
            ("side-by-side listening", "role play"),
            "side-by-side listening with the team leader, then role play of the situations "
            "that went wrong",
            "a role-play workshop for the team",
        ),
        "compliance": CoachingMethod(
            ("call review", "buddying"),
            "review the failed contacts with the agent, buddy them with an accredited colleague, "
            "and re-check their next contacts before the follow-up date",
            "classroom training on the requirement, with a re-check of every agent afterwards",
        ),
        "process": CoachingMethod(
            ("call review", "buddying"),
            "review the agent's contact records with them and buddy them with a colleague whose "
            "records are complete",
            "e-learning on the procedure for the team",
        ),
        GENERAL_KIND: CoachingMethod(
            ("call review", "side-by-side listening"),
            "review recorded contacts with the agent, then side-by-side listening",
            "a call review session for the team",
        ),
    }
)

PLAN_COLUMNS = (
    "agent", "team", "items", "need", "evidence", "method", "method_detail", "follow_up",
    "follow_up_evaluations", "priority", "priority_rank", "n_items", "max_shortfall",
    "n_evaluations", "value_text", "peer_text",
)
TRAINING_COLUMNS = (
    "scope", "team", "item", "item_label", "kind", "n_agents", "n_below", "share",
    "share_ci_low", "share_ci_high", "training", "method", "evidence",
)
INSUFFICIENT_COLUMNS = ("agent_id", "team", "item", "n_evaluations", "min_evaluations", "note")
NO_TEAM = "(no team)"


# --------------------------------------------------------------------------------------------
# settings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendationSettings:
    """The validated ``recommendations:`` config section, with defaults filled in.

    Attributes
    ----------
    min_evaluations : int
        Fewest evaluated contacts an agent × item needs to be judged (default 10).
    item_threshold : float
        Standard an item's mean must reach, as a share 0–1 of its maximum score (default 0.7).
    item_thresholds : Mapping of str to float
        Per-item standards (share 0–1) overriding ``item_threshold``.
    training_share : float
        Share 0–1 of agents below the standard on one item that makes it a team-wide training
        need (default 0.25).
    follow_up_days : int
        Days from the data's latest evaluation to the coaching follow-up (default 28).
    coaching_methods : Mapping of str to CoachingMethod
        Kind or item name -> method: :data:`COACHING_METHODS` merged with the config's entries.
    rules : tuple of RuleSettings
        The config's own recommendation rules (applied by :mod:`csperf_lib.stages.recommendations`).
    owners : Mapping of str to str
        The ``owners`` entry: action kind -> who owns such actions.
    """

    min_evaluations: int = 10
    item_threshold: float = 0.7
    item_thresholds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    training_share: float = 0.25
    follow_up_days: int = 28
    coaching_methods: Mapping[str, CoachingMethod] = field(
        default_factory=lambda: COACHING_METHODS
    )
    rules: tuple[Any, ...] = ()
    owners: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def threshold_for(self, item: str) -> float:
        """The standard (share 0–1 of the maximum) of ``item``."""
        return float(self.item_thresholds.get(item, self.item_threshold))

    @property
    def thresholds(self) -> float | Mapping[str, float]:
        """``item_threshold``, or a mapping with per-item values and ``default``, for
        :func:`agent_item_scores`."""
        if not self.item_thresholds:
            return self.item_threshold
        return {"default": self.item_threshold, **self.item_thresholds}


def _methods(given: Mapping[str, Sequence[str]] | None) -> dict[str, CoachingMethod]:
    """:data:`COACHING_METHODS` merged with the config's entries (already checked names)."""
    merged = dict(COACHING_METHODS)
    for name, values in (given or {}).items():
        methods = tuple(dict.fromkeys(values))
        base = merged.get(str(name)) or COACHING_METHODS[GENERAL_KIND]
        merged[str(name)] = CoachingMethod(
            methods=methods,
            detail=_join_words(methods) + " (as set in the review config)",
            training=base.training,
        )
    return merged


def recommendation_settings(config: Any = None) -> RecommendationSettings:
    """The config's typed ``recommendations:`` section with the defaults filled in.

    Parameters
    ----------
    config : ReviewConfig, mapping, RecommendationSettings or None
        The review config (its ``settings.recommendations``, checked at load against
        :class:`csperf_lib.core.settings.RecommendationsSettings`), its parsed YAML, or just its
        ``recommendations:`` section (a mapping without ``recommendations`` and ``tables``
        keys), checked here against the same model; None gives the defaults.

    Returns
    -------
    RecommendationSettings

    Raises
    ------
    ConfigError
        Listing every problem of the section at once, each with its key
        (``recommendations.<key>``); an unknown key is a problem, with a "did you mean".

    Notes
    -----
    Known keys (:data:`RECOMMENDATION_KEYS`): ``min_evaluations`` (whole number >= 2),
    ``item_threshold`` (a share 0-1, or a mapping of item name to share with an optional
    ``default``), ``training_share`` (share 0-1), ``follow_up_days`` (whole number >= 1),
    ``coaching_methods`` (see the module docstring), ``rules`` (checked rules, applied by
    :mod:`csperf_lib.stages.recommendations`) and ``owners``.
    """
    if isinstance(config, RecommendationSettings):
        return config

    _, section = section_settings(config, "recommendations", bare=True)
    values: dict[str, Any] = {}
    for key in ("min_evaluations", "training_share", "follow_up_days"):
        if getattr(section, key) is not None:
            values[key] = getattr(section, key)
    threshold = section.item_threshold
    if isinstance(threshold, Mapping):
        if "default" in threshold:
            values["item_threshold"] = float(threshold["default"])
        values["item_thresholds"] = MappingProxyType(
            {str(item): float(share) for item, share in threshold.items() if str(item) != "default"})
    elif threshold is not None:
        values["item_threshold"] = float(threshold)
    return RecommendationSettings(
        coaching_methods=MappingProxyType(_methods(section.coaching_methods)),
        rules=tuple(section.rules or ()),
        owners=MappingProxyType(dict(section.owners or {})),
        **values,
    )


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _item_words(item: str) -> str:
    return str(item).replace("_", " ").strip()


def _join_words(words) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _pct(value: float) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{100 * value:.0f} %"


def _points(value: float) -> str:
    """A difference of shares as percentage points with a real minus sign."""
    if value is None or not np.isfinite(value):
        return "n/a"
    text = f"{100 * value:+.0f}"
    text = text.replace("-", "\u2212")
    return "0" if text in ("+0", "\u22120") else text


# --------------------------------------------------------------------------------------------
# plan, training, insufficient evidence
# --------------------------------------------------------------------------------------------


def _method_for(item: str, kind: str, methods: Mapping[str, CoachingMethod]) -> CoachingMethod:
    return methods.get(item) or methods.get(kind) or COACHING_METHODS[GENERAL_KIND]


def _evidence_sentence(row) -> str:
    level = f"{100 * row.ci_level:.0f} %"
    when = ""
    if pd.notna(row.first_evaluated_at) and pd.notna(row.last_evaluated_at):
        when = (
            f", {pd.Timestamp(row.first_evaluated_at):%Y-%m-%d} to "
            f"{pd.Timestamp(row.last_evaluated_at):%Y-%m-%d}"
        )
    what = "pass rate" if row.pass_fail else "mean"
    return (
        f"{_item_words(row.item)}: {what} {_pct(row.mean_pct)} ({level} CI {_pct(row.ci_low)} to "
        f"{_pct(row.ci_high)}; n = {row.n_evaluations} evaluations{when}) against "
        f"{_pct(row.peer_mean_pct)} for peers and a {_pct(row.threshold)} standard; "
        f"{format_p(row.p_adjusted, adjusted=True) or 'p not computed'}"
    )


def _pseudonyms(values: pd.Series, key: Any) -> pd.Series:
    if key is None:
        return values
    return pseudonymise_series(values.astype(object), key=key)


def coaching_plan(
    scores: pd.DataFrame,
    *,
    methods: Mapping[str, Any] | None = None,
    follow_up_days: int = 28,
    as_of: Any = None,
    pseudonym_key: bytes | str | None = None,
) -> pd.DataFrame:
    """One coaching plan per agent with at least one item below threshold.

    Parameters
    ----------
    scores : DataFrame
        :func:`agent_item_scores` output (never modified).
    methods : mapping, optional, keyword-only
        Kind or item name → :class:`CoachingMethod` (or a list of method names), merged over
        :data:`COACHING_METHODS`; e.g. ``RecommendationSettings.coaching_methods``.
    follow_up_days : int, keyword-only
        Days from ``as_of`` to the follow-up (default 28).
    as_of : date-like, optional, keyword-only
        The review date; default the latest ``last_evaluated_at`` in ``scores`` (the data's
        end, never the clock). Required when the scores have no dates.
    pseudonym_key : bytes or str, optional, keyword-only
        When given, agents are shown as keyed pseudonyms
        (:func:`csperf_lib.methods.privacy.pseudonymise_series`) and the raw id appears nowhere.

    Returns
    -------
    DataFrame
        ``agent`` (id or pseudonym), ``team``, ``items`` (item names, "; "-separated),
        ``need`` (the items in words), ``evidence`` (per item: mean, interval, n, period, peer
        mean, standard, adjusted p), ``method`` (methods joined with " + "), ``method_detail``
        (the instruction per item), ``follow_up`` (date: ``as_of + follow_up_days``),
        ``follow_up_evaluations`` (new evaluations to score before re-judging: the minimum
        evidence, ``min_evaluations``), ``priority`` (``"high"``: a critical or compliance item, or a shortfall of at least
        :data:`HIGH_PRIORITY_SHORTFALL` against peers; else ``"medium"``), ``priority_rank``
        (1 high, 2 medium), ``n_items``, ``max_shortfall`` (largest gap to peers, share 0–1,
        positive); for the item with that gap: ``n_evaluations``, ``value_text`` (the agent's
        mean, e.g. "42 %") and ``peer_text`` (the peers' mean). Sorted by priority, then
        shortfall.
    """
    table = {**COACHING_METHODS}
    for name, value in (methods or {}).items():
        if isinstance(value, CoachingMethod):
            table[str(name)] = value
        else:
            values = (value,) if isinstance(value, str) else tuple(value)
            table[str(name)] = CoachingMethod(values, _join_words(values), table.get(
                str(name), COACHING_METHODS[GENERAL_KIND]).training)
    if int(follow_up_days) < 1:
        raise ValueError("follow_up_days must be at least 1")
    if as_of is None:
        last = pd.to_datetime(scores.get("last_evaluated_at"), errors="coerce")
        as_of = None if last is None or last.isna().all() else last.max()
        if as_of is None and len(scores):
            raise ValueError("as_of is required: the scores carry no evaluation dates")
    follow_up = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=int(follow_up_days)) if as_of is not None else pd.NaT
    flagged = scores[scores["below_threshold"].astype(bool)]
    rows = []
    for (agent, team), part in flagged.groupby(["agent_id", "team"], dropna=False, sort=True):
        part = part.sort_values("difference")
        chosen = [_method_for(r.item, r.kind, table) for r in part.itertuples()]
        methods_used = list(dict.fromkeys(m for c in chosen for m in c.methods))
        details = [f"{_item_words(r.item)}: {c.detail}" for r, c in zip(part.itertuples(), chosen, strict=True)]
        shortfall = float(-part["difference"].min())
        lead = part.iloc[0]
        high = bool(part["critical"].any() or (part["kind"] == "compliance").any() or shortfall >= HIGH_PRIORITY_SHORTFALL)
        rows.append(
            {
                "agent": agent,
                "team": team if pd.notna(team) else None,
                "items": "; ".join(part["item"]),
                "need": _join_words([_item_words(i) for i in part["item"]]),
                "evidence": "; ".join(_evidence_sentence(r) for r in part.itertuples()),
                "method": " + ".join(methods_used),
                "method_detail": "; ".join(details),
                "follow_up": follow_up,
                "follow_up_evaluations": int(lead["min_evaluations"]),
                "priority": "high" if high else "medium",
                "priority_rank": 1 if high else 2,
                "n_items": len(part),
                "max_shortfall": shortfall,
                "n_evaluations": int(lead["n_evaluations"]),
                "value_text": _pct(lead["mean_pct"]),
                "peer_text": _pct(lead["peer_mean_pct"]),
            }
        )
    plan = pd.DataFrame(rows, columns=list(PLAN_COLUMNS))
    if plan.empty:
        return plan.astype({"follow_up": "datetime64[ns]", "priority_rank": "int64",
                            "n_items": "int64", "max_shortfall": "float64",
                            "follow_up_evaluations": "int64", "n_evaluations": "int64"})
    plan = plan.sort_values(["priority_rank", "max_shortfall"], ascending=[True, False])
    plan["agent"] = _pseudonyms(plan["agent"], pseudonym_key)
    plan["follow_up"] = pd.to_datetime(plan["follow_up"])
    return plan.reset_index(drop=True)


def training_needs(
    scores: pd.DataFrame,
    *,
    share: float = 0.25,
    min_agents: int = 2,
    confidence: float = 0.95,
    methods: Mapping[str, CoachingMethod] | None = None,
    include_all: bool = False,
) -> pd.DataFrame:
    """Items where enough agents fall below the standard to justify team-wide training.

    For each item, over all agents and within each team, count the agents with sufficient
    evidence and those among them whose mean is demonstrably below the standard
    (``below_standard``; the peer comparison is *not* required, since a need shared by many
    agents lowers the peer mean itself). Training is proposed when the share reaches ``share``
    and at least ``min_agents`` agents are below (one agent is individual coaching).

    Parameters
    ----------
    scores : DataFrame
        :func:`agent_item_scores` output (never modified).
    share : float, keyword-only
        Share 0–1 of agents below the standard that triggers training (default 0.25).
    min_agents : int, keyword-only
        Fewest agents below the standard for a training need (default 2).
    confidence : float, keyword-only
        Confidence of the Wilson interval of the share (Wilson 1927).
    methods : mapping, optional, keyword-only
        Kind or item → :class:`CoachingMethod` for the training text (default
        :data:`COACHING_METHODS`).
    include_all : bool, keyword-only
        Return every scope × item (with ``training`` False where not triggered) instead of the
        needs only.

    Returns
    -------
    DataFrame
        ``scope`` (``"all teams"`` or ``"team"``), ``team`` (None for all teams), ``item``,
        ``item_label`` (in words), ``kind``, ``n_agents`` (agents with sufficient evidence),
        ``n_below``, ``share`` with ``share_ci_low, share_ci_high`` (Wilson), ``training``
        (bool), ``method`` (the training to organise), ``evidence`` (a sentence with the
        numbers). Agents without a team count only in "all teams".
    """
    if not 0 < float(share) <= 1:
        raise ValueError("share must be in (0, 1]")
    table = {**COACHING_METHODS, **(methods or {})}
    base = scores[scores["evidence"] == SUFFICIENT]
    frames = []
    if len(base):
        overall = base.groupby("item", sort=True).agg(
            kind=("kind", "first"), n_agents=("agent_id", "nunique"),
            n_below=("below_standard", "sum"),
        ).reset_index()
        overall.insert(0, "team", None)
        overall.insert(0, "scope", "all teams")
        frames.append(overall)
        with_team = base[base["team"].notna()]
        if len(with_team):
            by_team = with_team.groupby(["team", "item"], sort=True).agg(
                kind=("kind", "first"), n_agents=("agent_id", "nunique"),
                n_below=("below_standard", "sum"),
            ).reset_index()
            by_team.insert(0, "scope", "team")
            frames.append(by_team)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TRAINING_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out["team"] = out["team"].astype(object).where(out["team"].notna(), None)
    out["n_below"] = out["n_below"].astype("int64")
    out["share"] = out["n_below"] / out["n_agents"]
    lo, hi = wilson_interval(out["n_below"].to_numpy(), out["n_agents"].to_numpy(),
                             confidence=confidence)
    out["share_ci_low"], out["share_ci_high"] = lo, hi
    out["training"] = (out["share"] >= float(share) - 1e-12) & (out["n_below"] >= int(min_agents))
    out["method"] = [
        _method_for(i, k, table).training for i, k in zip(out["item"], out["kind"], strict=True)
    ]
    out["item_label"] = out["item"].map(_item_words)
    level = f"{100 * float(confidence):.0f} %"
    out["evidence"] = [
        f"{r.n_below} of {r.n_agents} agents "
        f"{'across all teams' if r.scope == 'all teams' else f'in team {r.team}'} "
        f"({_pct(r.share)}, {level} CI {_pct(r.share_ci_low)} to {_pct(r.share_ci_high)}) score "
        f"demonstrably below the {_item_words(r.item)} standard"
        for r in out.itertuples()
    ]
    out = out[list(TRAINING_COLUMNS)]
    if not include_all:
        out = out[out["training"]]
    return out.reset_index(drop=True)


def insufficient_evidence(
    scores: pd.DataFrame, *, pseudonym_key: bytes | str | None = None
) -> pd.DataFrame:
    """Agent × items with fewer evaluations than the minimum: listed, not judged.

    Parameters
    ----------
    scores : DataFrame
        :func:`agent_item_scores` output (never modified).
    pseudonym_key : bytes or str, optional, keyword-only
        Pseudonymise ``agent_id`` (as in :func:`coaching_plan`).

    Returns
    -------
    DataFrame
        ``agent_id, team, item, n_evaluations, min_evaluations, note``: no mean and no
        judgement, only how much evidence there is and how much is needed.
    """
    part = scores[scores["evidence"] == INSUFFICIENT]
    out = pd.DataFrame(
        {
            "agent_id": part["agent_id"].astype(object),
            "team": part["team"],
            "item": part["item"],
            "n_evaluations": part["n_evaluations"].astype("int64"),
            "min_evaluations": part["min_evaluations"].astype("int64"),
        }
    ).reset_index(drop=True)
    out["note"] = [
        f"insufficient evidence: {n} of the {k} evaluations needed to judge"
        for n, k in zip(out["n_evaluations"], out["min_evaluations"], strict=True)
    ]
    out["agent_id"] = _pseudonyms(out["agent_id"], pseudonym_key)
    return out[list(INSUFFICIENT_COLUMNS)]


# --------------------------------------------------------------------------------------------
# the review
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoachingReview:
    """Coaching and training needs from QA scorecards (see :func:`coaching_review`).

    Attributes
    ----------
    scores : DataFrame
        :func:`agent_item_scores` (``agent_id`` pseudonymised when a key was given).
    plan : DataFrame
        :func:`coaching_plan`: one row per agent to coach.
    training : DataFrame
        :func:`training_needs`: team-wide (and centre-wide) training needs.
    insufficient : DataFrame
        :func:`insufficient_evidence`: agent × items not judged for lack of evidence.
    evaluator_offsets : DataFrame
        :func:`evaluator_offsets` as removed (empty when not adjusted).
    settings : RecommendationSettings
        The settings used.
    as_of : Timestamp or None
        The date follow-ups count from (the latest evaluation unless given).
    findings : tuple of str
        Plain sentences with their numbers, one per coaching need, training need and the
        evidence caveat.
    notes : tuple of str
        What was done to the data (rows left out, re-scores counted once, adjustment).
    pseudonymised : bool
        Whether agent identifiers are pseudonyms throughout.
    """

    scores: pd.DataFrame
    plan: pd.DataFrame
    training: pd.DataFrame
    insufficient: pd.DataFrame
    evaluator_offsets: pd.DataFrame
    settings: RecommendationSettings
    as_of: pd.Timestamp | None = None
    findings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    pseudonymised: bool = False


def _findings(
    scores: pd.DataFrame,
    plan_methods: Mapping[str, CoachingMethod],
    training: pd.DataFrame,
    insufficient: pd.DataFrame,
    settings: RecommendationSettings,
) -> list[str]:
    out: list[str] = []
    flagged = scores[scores["below_threshold"].astype(bool)].sort_values("difference")
    for r in flagged.itertuples():
        level = f"{100 * r.ci_level:.0f} %"
        method = _method_for(r.item, r.kind, plan_methods)
        team = f" ({r.team})" if r.team is not None and pd.notna(r.team) else ""
        out.append(
            f"Agent {r.agent_id}{team} scores {_pct(r.mean_pct)} on {str(r.item).replace('_', ' ')} against "
            f"{_pct(r.peer_mean_pct)} for peers (difference {_points(r.difference)} points, "
            f"{level} CI {_points(r.diff_ci_low)} to {_points(r.diff_ci_high)}, n = "
            f"{r.n_evaluations} evaluations; {format_p(r.p_adjusted, adjusted=True) or 'p not computed'}): individual coaching by "
            f"{_join_words(method.methods)}."
        )
    judged = scores[scores["evidence"] == SUFFICIENT]
    if len(judged) and flagged.empty:
        out.append(
            f"No agent scores demonstrably below the standard and below peers on any item "
            f"({len(judged)} agent × item combinations with at least "
            f"{settings.min_evaluations} evaluations tested)."
        )
    for r in training.itertuples():
        out.append(f"{r.evidence}: team-wide training ({r.method}).")
    if len(insufficient):
        n_agents = insufficient["agent_id"].nunique()
        out.append(
            f"{len(insufficient)} agent × item combination(s) ({n_agents} agent(s)) have fewer "
            f"than {settings.min_evaluations} evaluations: listed as insufficient evidence, not "
            "judged."
        )
    return out


def coaching_review(
    qa: pd.DataFrame,
    *,
    teams: Any = None,
    config: Any = None,
    pseudonym_key: bytes | str | None = None,
    as_of: Any = None,
    confidence: float = 0.95,
    threshold_test: str = "interval",
    adjust_for_evaluator: bool = True,
) -> CoachingReview:
    """Scores, coaching plan, training needs and the insufficient-evidence list in one call.

    Parameters
    ----------
    qa : DataFrame
        The canonical ``qa_evaluations`` table (see :func:`agent_item_scores`; never modified).
    teams : optional, keyword-only
        Agent → team, as for :func:`agent_item_scores` (e.g. the contacts table).
    config : ReviewConfig, mapping or RecommendationSettings, optional, keyword-only
        Supplies ``recommendations: {min_evaluations, item_threshold, training_share,
        follow_up_days, coaching_methods}`` (validated by :func:`recommendation_settings`).
    pseudonym_key : bytes or str, optional, keyword-only
        When given, every agent identifier in the result (tables and findings) is a keyed
        pseudonym; give one for anything that leaves the team.
    as_of : date-like, optional, keyword-only
        Date follow-ups count from; default the latest evaluation in the data.
    confidence, threshold_test, adjust_for_evaluator : keyword-only
        As for :func:`agent_item_scores`.

    Returns
    -------
    CoachingReview
    """
    settings = recommendation_settings(config)
    frame = _as_frame(qa)
    prep = _prepare(frame, adjust_for_evaluator=adjust_for_evaluator)
    scores = _score_table(
        prep,
        teams=_team_map(frame, teams),
        min_evaluations=settings.min_evaluations,
        threshold=settings.thresholds,
        confidence=confidence,
        threshold_test=threshold_test,
    )
    when = pd.Timestamp(as_of) if as_of is not None else prep.as_of
    plan = coaching_plan(
        scores,
        methods=settings.coaching_methods,
        follow_up_days=settings.follow_up_days,
        as_of=when,
        pseudonym_key=pseudonym_key,
    )
    training = training_needs(
        scores, share=settings.training_share, confidence=confidence,
        methods=settings.coaching_methods,
    )
    if pseudonym_key is not None and len(scores):
        scores = scores.assign(agent_id=_pseudonyms(scores["agent_id"], pseudonym_key))
    insufficient = insufficient_evidence(scores)
    findings = _findings(scores, settings.coaching_methods, training, insufficient, settings)
    return CoachingReview(
        scores=scores,
        plan=plan,
        training=training,
        insufficient=insufficient,
        evaluator_offsets=prep.offsets,
        settings=settings,
        as_of=when,
        findings=tuple(findings),
        notes=prep.notes,
        pseudonymised=pseudonym_key is not None,
    )


# --- findings -------------------------------------------------------------------------------------
def coaching_findings(review: CoachingReview, *, ledger) -> None:
    """``coaching_need`` (an agent significantly below peers and below the standard on a
    scorecard item, with enough evaluations; agents as the report shows them, pseudonymised when a
    key is set) and ``training_need`` (a share of agents below standard on an item, team-wide or
    centre-wide) findings."""

    link = [section_link("coaching")]
    scores = review.scores
    if len(scores):
        flagged = scores[scores["below_peers"].astype(bool) & scores["below_threshold"].astype(bool)
                         & (scores["evidence"] == SUFFICIENT)]
        for row in flagged.to_dict(orient="records"):
            ledger.add(
                "coaching_need", dimension="agent", segment=str(row["agent_id"]), key={"item": row["item"]},
                period_start=row.get("first_evaluated_at"), period_end=row.get("last_evaluated_at"),
                direction="down", favourable=False, estimate=row["mean_pct"], ci_low=row["ci_low"],
                ci_high=row["ci_high"], n=row["n_evaluations"], comparator=row["peer_mean_pct"], comparator_label="peers",
                p_value=row["p_value"], q_value=row["p_adjusted"], significant=True, effect_name="difference",
                effect_size=row["difference"],
                attributes={"item": row["item"], "item_label": _item_words(row["item"]),
                            "team": row.get("team"), "threshold": row.get("threshold"), "critical": row.get("critical"),
                            "peer_n": row.get("peer_n"), "unit": "proportion"},
                evidence=link,
            )
    training = review.training
    for row in training[training["training"].astype(bool)].to_dict(orient="records") if len(training) else ():
        team = row.get("team")
        whole = team is None or pd.isna(team)
        ledger.add(
            "training_need", dimension=None if whole else "team", segment=None if whole else str(team),
            key={"item": row["item"]}, direction="down", favourable=False, estimate=row["share"],
            ci_low=row.get("share_ci_low"), ci_high=row.get("share_ci_high"), n=row["n_agents"], significant=True,
            attributes={"item": row["item"], "item_label": row.get("item_label"), "agents_below": row["n_below"],
                        "unit": "proportion", "method": row.get("method")},
            evidence=link,
        )
