"""Survey non-response: who answers the survey, and are they like those who do not?

:func:`nonresponse_bias` → :class:`NonResponse` gives the survey response rate among answered
contacts (Wilson interval) overall and by segment, compares responders with non-responders on
what is known for both (wait and handle time by Welch's t test with Hedges' g; first-contact
resolution, transfers and escalations by the two-proportion z test with Cohen's h; channel mix by
the chi-square test with Cramér's V), controls the false discovery rate across the comparisons
(Benjamini & Hochberg 1995), re-weights mean CSAT to the answered contacts' channel mix, and says
in plain words which way any bias would push the survey results. A difference is material only
when significant after correction and at least :data:`MIN_EFFECT` in standardised size (Cohen
1988, "small"). Aggregates run in the store's engine; contact rows are never pulled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np
import pandas as pd
from scipy import stats as _st

from csperf_lib.core.formatting import format_p
from csperf_lib.core.tables import GROUP_DIMENSIONS
from csperf_lib.ingest.store import Store
from csperf_lib.methods.compare import compare_proportions
from csperf_lib.methods.stats import cohens_h, fdr_bh, hedges_g, wilson_interval

__all__ = [
    "NonResponse",
    "nonresponse_bias",
]


#: Smallest standardised effect (|g|, |h|, Cramér's V) treated as material (Cohen 1988: "small").
MIN_EFFECT = 0.1


#: Segment columns of the contacts table examined for thin coverage and response rates.
SEGMENTS = GROUP_DIMENSIONS


#: Measures compared, with the direction that is "better" for the customer (+1 higher is better,
#: -1 lower is better, 0 not directional) and the words used in the verdict.
_NUMERIC = {"wait_s": (-1, "waited"), "handle_s": (0, "took to handle")}


_BINARY = {"resolved_first_contact": (+1, "were resolved at first contact"), "transferred": (-1, "were transferred"),
           "escalated": (-1, "were escalated")}


@dataclass(frozen=True)
class NonResponse:
    """Survey response and non-response bias among answered contacts.

    Attributes
    ----------
    overall : dict
        ``answered, responders, response_rate, low, high``.
    by_segment : DataFrame
        ``segment, value, answered, responders, response_rate, low, high``.
    comparison : DataFrame
        Per measure known for responders and non-responders: ``measure, kind, n_responders,
        n_nonresponders, responders, nonresponders, relative_difference, effect, effect_name,
        statistic, p_value, p_adjusted, material, favours_responders``.
    direction : str
        ``"overstated"``, ``"understated"``, ``"unclear"``, ``"none"`` or ``"not assessable"``:
        the likely bias of satisfaction figures.
    verdict : str
        The finding in plain words.
    csat_adjusted : dict
        Mean CSAT of responders as observed and re-weighted to the answered-contact channel mix
        (post-stratification): ``observed, reweighted, difference``; empty without CSAT.
    """

    overall: dict
    by_segment: pd.DataFrame
    comparison: pd.DataFrame
    direction: str
    verdict: str
    csat_adjusted: dict = field(default_factory=dict)


def _answered(store: Store) -> ibis.Table:
    c = store.table("contacts")
    return c.filter(c.answered.fill_null(False))


def _responder_ids(store: Store) -> ibis.Table:
    s = store.table("surveys")
    return s.filter(s.contact_id.notnull()).select(_sid=s.contact_id).distinct()


def _response_frame(store: Store) -> ibis.Table:
    answered = _answered(store)
    ids = _responder_ids(store)
    j = answered.left_join(ids, answered.contact_id == ids._sid)
    return j.mutate(_responded=j._sid.notnull())


def _rate_rows(df: pd.DataFrame, confidence: float) -> pd.DataFrame:
    low, high = wilson_interval(df["responders"].to_numpy(float), df["answered"].to_numpy(float), confidence=confidence)
    return df.assign(response_rate=df["responders"] / df["answered"].where(df["answered"] > 0), low=low, high=high)


def _group_stat(g: pd.DataFrame, name: str, key: str, responded: bool) -> float:
    """One aggregate (``n``, ``mean``, ``sd``, ``x``) of a measure for responders or non-responders."""
    if f"{name}__{key}" not in g:
        return math.nan
    v = g[f"{name}__{key}"].get(responded, math.nan)
    return math.nan if v is None or pd.isna(v) else float(v)


def _numeric_rows(g: pd.DataFrame, numeric: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Responders against non-responders on each numeric measure: Welch's t test and Hedges' g."""
    rows = []
    for name in numeric:
        m1, s1, k1 = _group_stat(g, name, "mean", True), _group_stat(g, name, "sd", True), _group_stat(g, name, "n", True)
        m2, s2, k2 = _group_stat(g, name, "mean", False), _group_stat(g, name, "sd", False), _group_stat(g, name, "n", False)
        t, p = (math.nan, math.nan)
        if k1 >= 2 and k2 >= 2 and (s1 > 0 or s2 > 0):
            res = _st.ttest_ind_from_stats(m1, s1, k1, m2, s2, k2, equal_var=False)
            t, p = float(res.statistic), float(res.pvalue)
        rows.append({"measure": name, "kind": "numeric", "n_responders": k1, "n_nonresponders": k2,
                     "responders": m1, "nonresponders": m2,
                     "relative_difference": (m1 - m2) / m2 if m2 else math.nan,
                     "effect": hedges_g(m1, s1, k1, m2, s2, k2), "effect_name": "Hedges' g",
                     "statistic": t, "p_value": p})
    return rows


def _binary_rows(g: pd.DataFrame, binaries: Sequence[str]) -> list[dict[str, Any]]:
    """Responders against non-responders on each yes/no measure: the two-proportion z test and Cohen's h."""
    rows = []
    for name in binaries:
        x1, k1 = _group_stat(g, name, "x", True), _group_stat(g, name, "n", True)
        x2, k2 = _group_stat(g, name, "x", False), _group_stat(g, name, "n", False)
        if not (k1 > 0 and k2 > 0):  # not recorded (or a group is empty): nothing to compare
            continue
        p1 = x1 / k1 if k1 else math.nan
        p2 = x2 / k2 if k2 else math.nan
        result = compare_proportions(x1, k1, x2, k2, exact_below=0)  # large samples: the z test
        z, p = result.statistic, result.p
        rows.append({"measure": name, "kind": "proportion", "n_responders": k1, "n_nonresponders": k2,
                     "responders": p1, "nonresponders": p2,
                     "relative_difference": (p1 - p2) / p2 if p2 else math.nan,
                     "effect": cohens_h(p1, p2) if k1 and k2 else math.nan, "effect_name": "Cohen's h",
                     "statistic": z, "p_value": p})
    return rows


def _channel_rows(frame: Any) -> list[dict[str, Any]]:
    """Responders' channel mix against non-responders': chi-square test of independence and Cramér's V."""
    known = frame.filter(frame.channel.notnull())
    tab = known.group_by(["channel", "_responded"]).aggregate(n=known.count()).execute()
    ct = tab.pivot_table(index="channel", columns="_responded", values="n", fill_value=0)
    if ct.shape[0] >= 2 and ct.shape[1] == 2 and (ct.sum(axis=0) > 0).all():
        chi2, p, _, _ = _st.chi2_contingency(ct.to_numpy(float), correction=False)
        v = math.sqrt(chi2 / ct.to_numpy().sum())  # 2 columns: min(r, c) - 1 = 1
        share = ct[True] / ct[True].sum()
        base = ct.sum(axis=1) / ct.to_numpy().sum()
        top = (share - base).abs().idxmax()
        return [{"measure": "channel", "kind": "category", "n_responders": float(ct[True].sum()),
                 "n_nonresponders": float(ct[False].sum()),
                 "responders": float(share[top]), "nonresponders": float((ct[False] / ct[False].sum())[top]),
                 "relative_difference": math.nan, "effect": v, "effect_name": f"Cramér's V (largest shift: {top})",
                 "statistic": float(chi2), "p_value": float(p)}]
    return []


def nonresponse_bias(
    store: Store,
    *,
    alpha: float = 0.05,
    min_effect: float = MIN_EFFECT,
    segments: tuple[str, ...] = SEGMENTS,
    confidence: float = 0.95,
) -> NonResponse:
    """Survey response rate and whether responders differ from non-responders.

    Among answered contacts, responders are those whose ``contact_id`` appears in the surveys.
    Compared on what is known for both groups (contacts columns):

    - wait and handle time (talk + hold + wrap, missing hold/wrap as 0): Hedges' g
      (:func:`hedges_g`) with Welch's t test from summary statistics
      (``scipy.stats.ttest_ind_from_stats``);
    - first-contact resolution, transfer, escalation: Cohen's h (:func:`cohens_h`) with the pooled
      two-proportion z test;
    - channel mix: Cramér's V with the chi-square test of independence.

    p-values are adjusted with Benjamini-Hochberg across the tests. A difference is *material*
    when the adjusted p < ``alpha`` and the effect is at least ``min_effect`` (Cohen's "small"
    is 0.2 for g and h, 0.1 for V; 0.1 is used throughout to be cautious). Direction: when
    responders had better operational outcomes (shorter waits, more first-contact resolution,
    fewer transfers/escalations) satisfaction is probably *overstated*, since those outcomes go
    with higher satisfaction; worse outcomes → *understated*; both → *unclear*. Channel mix alone
    is reported, and CSAT re-weighted to the answered channel mix (post-stratification) shows how
    much it moves the mean.

    Returns
    -------
    NonResponse
    """
    frame = _response_frame(store)
    cols = frame.columns
    group = frame.group_by("_responded")
    aggs: dict[str, Any] = {"n": frame.count()}
    numeric: dict[str, ibis.Value] = {}
    if "wait_s" in cols:
        numeric["wait_s"] = frame.wait_s
    if "talk_s" in cols:
        handle = frame.talk_s
        for extra in ("hold_s", "wrap_s"):
            if extra in cols:
                handle = handle + frame[extra].fill_null(0)
        numeric["handle_s"] = handle
    for name, expr in numeric.items():
        aggs[f"{name}__n"] = expr.count()
        aggs[f"{name}__mean"] = expr.mean()
        aggs[f"{name}__sd"] = expr.std(how="sample")
    binaries = [b for b in _BINARY if b in cols]
    for name in binaries:
        aggs[f"{name}__n"] = frame[name].count()
        aggs[f"{name}__x"] = frame[name].cast("int64").sum()
    g = group.aggregate(**aggs).execute().set_index("_responded")
    n_resp = int(g["n"].get(True, 0))
    n_non = int(g["n"].get(False, 0))
    n_ans = n_resp + n_non
    low, high = wilson_interval(n_resp, n_ans, confidence=confidence)
    overall = {"answered": n_ans, "responders": n_resp, "response_rate": n_resp / n_ans if n_ans else math.nan,
               "low": low, "high": high}

    seg_frames = []
    for seg in (s for s in segments if s in cols):
        d = frame.group_by(value=frame[seg]).aggregate(answered=frame.count(), responders=frame._responded.cast("int64").sum()).execute()
        seg_frames.append(_rate_rows(d.assign(segment=seg), confidence))
    by_segment = (pd.concat(seg_frames, ignore_index=True)[["segment", "value", "answered", "responders", "response_rate", "low", "high"]]
                  if seg_frames else pd.DataFrame(columns=["segment", "value", "answered", "responders", "response_rate", "low", "high"]))

    rows = _numeric_rows(g, numeric) + _binary_rows(g, binaries)
    if "channel" in cols:
        rows += _channel_rows(frame)
    comp = pd.DataFrame(rows, columns=["measure", "kind", "n_responders", "n_nonresponders", "responders", "nonresponders",
                                       "relative_difference", "effect", "effect_name", "statistic", "p_value"])
    comp["p_adjusted"] = fdr_bh(comp["p_value"].to_numpy(float))
    comp["material"] = (comp["p_adjusted"] < alpha) & (comp["effect"].abs() >= min_effect)
    better = []
    for r in comp.itertuples():
        sign = _NUMERIC.get(r.measure, _BINARY.get(r.measure, (0, "")))[0]
        better.append(None if sign == 0 or pd.isna(r.effect) else bool(np.sign(r.effect) == sign))
    comp["favours_responders"] = better

    csat_adj = _csat_reweighted(store, frame) if "channel" in cols else {}
    direction, verdict = _verdict(comp, overall, csat_adj, alpha=alpha, min_effect=min_effect)
    return NonResponse(overall=overall, by_segment=by_segment, comparison=comp, direction=direction,
                       verdict=verdict, csat_adjusted=csat_adj)


def _csat_reweighted(store: Store, frame: ibis.Table) -> dict:
    """Responders' mean CSAT as observed and post-stratified to the answered channel mix."""
    s = store.table("surveys")
    if "csat" not in s.columns:
        return {}
    per = s.filter(s.csat.notnull() & s.contact_id.notnull()).group_by("contact_id").aggregate(csat=s.csat.mean())
    j = per.join(frame.select("contact_id", "channel"), per.contact_id == frame.contact_id)
    d = j.group_by("channel").aggregate(n=j.count(), mean=j.csat.mean()).execute().set_index("channel")
    mix = frame.group_by("channel").aggregate(n=frame.count()).execute().set_index("channel")["n"]
    mix = mix.reindex(d.index).fillna(0)
    if d.empty or d["n"].sum() == 0 or mix.sum() == 0:
        return {}
    observed = float((d["mean"] * d["n"]).sum() / d["n"].sum())
    reweighted = float((d["mean"] * mix).sum() / mix.sum())
    return {"observed": observed, "reweighted": reweighted, "difference": observed - reweighted}


def _phrase(r) -> str:
    if r.measure in _NUMERIC:
        words = _NUMERIC[r.measure][1]
        pct = abs(r.relative_difference) * 100
        more = "more" if r.relative_difference > 0 else "less"
        if r.measure == "wait_s":
            return f"Responders {words} {pct:.0f} % {more} than non-responders ({r.effect_name} = {r.effect:+.2f}, {format_p(r.p_adjusted, adjusted=True)})"
        longer = "longer" if r.relative_difference > 0 else "shorter"
        return f"Responders' contacts were {pct:.0f} % {longer} to handle ({r.effect_name} = {r.effect:+.2f}, {format_p(r.p_adjusted, adjusted=True)})"
    if r.measure in _BINARY:
        words = _BINARY[r.measure][1]
        return (f"{r.responders:.0%} of responders' contacts {words} against {r.nonresponders:.0%} of non-responders' "
                f"({r.effect_name} = {r.effect:+.2f}, {format_p(r.p_adjusted, adjusted=True)})")
    return f"The channel mix of responders differs ({r.effect_name} = {r.effect:.2f}, {format_p(r.p_adjusted, adjusted=True)})"


def _verdict(comp: pd.DataFrame, overall: dict, csat_adj: dict, *, alpha: float, min_effect: float) -> tuple[str, str]:
    if overall["responders"] < 2 or overall["answered"] - overall["responders"] < 2 or comp.empty:
        return "not assessable", "Too few responders or non-responders to compare: non-response bias cannot be assessed."
    rate = f"{overall['response_rate']:.1%} of answered contacts have a survey response. "
    material = comp[comp["material"]]
    directional = material[material["favours_responders"].notna()]
    if material.empty:
        small = comp[(comp["p_adjusted"] < alpha) & comp["effect"].notna()]
        note = ""
        if not small.empty:
            note = (" Some differences are statistically detectable but too small to matter (|effect| < "
                    f"{min_effect:g}): " + "; ".join(_phrase(r) for r in small.itertuples()) + ".")
        return "none", (rate + "No sign of non-response bias on what is known for both groups (waits, handling, "
                        "resolution, channel): no difference reaches a material size." + note)
    parts = [_phrase(r) for r in material.reindex(material["effect"].abs().sort_values(ascending=False).index).itertuples()]
    said = "; ".join(parts) + "."
    tail = ""
    if csat_adj and abs(csat_adj.get("difference", 0)) >= 0.005:
        tail = (f" Re-weighting CSAT to the answered channel mix moves the mean from {csat_adj['observed']:.2f} "
                f"to {csat_adj['reweighted']:.2f}.")
    caveat = " Only what is known for both groups is compared; responders may also differ in ways the data do not show."
    if directional.empty:
        return "unclear", rate + said + " These differences have no clear direction for satisfaction." + tail + caveat
    fav = directional["favours_responders"].astype(bool)
    if fav.all():
        return "overstated", (rate + said + " Satisfaction is probably overstated, because shorter waits and better "
                              "resolution go with higher satisfaction and the dissatisfied are under-represented." + tail + caveat)
    if (~fav).all():
        return "understated", (rate + said + " Satisfaction is probably understated, because responders had worse "
                               "operational outcomes than the customers who did not respond." + tail + caveat)
    return "unclear", rate + said + " The differences point both ways, so the direction of any bias is unclear." + tail + caveat
