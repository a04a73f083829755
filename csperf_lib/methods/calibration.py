"""QA calibration: evaluators' severity, agreement per scorecard item, and the review of a QA table.

In a calibration session several evaluators score the same contact. This module applies the
agreement statistics of :mod:`csperf_lib.methods.agreement` to the canonical ``qa_evaluations``
table:

- :func:`evaluator_bias` — each evaluator's mean difference from colleagues on the same contacts
  (leave-one-out difference, t interval, Holm correction via
  :func:`statsmodels.stats.multitest.multipletests`);
- :func:`item_agreement` — Krippendorff's alpha and exact agreement per scorecard item;
- :func:`calibration_review` → :class:`CalibrationReview` — overall alpha, the pooled kappa across
  items (De Vries et al. 2008), evaluator severity and plain-English findings;
  :func:`summary_entries` — its ``calibration`` entry of summary.json.

Severity, per-item agreement, the pooled kappa and the findings are written here: no library does
them. Malformed input raises :class:`csperf_lib.core.errors.CsperfError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st
from statsmodels.stats.multitest import multipletests

from csperf_lib.core.errors import CsperfError
from csperf_lib.core.formatting import format_p
from csperf_lib.methods.agreement import (
    _LEVELS,
    ALPHA_FIRM,
    ALPHA_TENTATIVE,
    MIN_ITEM_SUBJECTS,
    N_BOOT,
    Agreement,
    _bootstrap_weights,
    _check_alpha,
    _conf_label,
    _fleiss_parts,
    _interval_alpha_parts,
    _interval_alpha_weighted,
    _kappa_from_parts,
    _nan_agreement,
    _pairable_units,
    _percentile_ci,
    _require_columns,
    _rng,
    krippendorff_alpha,
)

__all__ = [
    "CalibrationReview",
    "calibration_review",
    "evaluator_bias",
    "item_agreement",
    "summary_entries",
]


NO_CALIBRATION_NOTE = (
    "No contact was scored by more than one evaluator, so scoring consistency cannot be measured; "
    "run calibration sessions."
)


@dataclass(frozen=True)
class CalibrationReview:
    """Scoring consistency of QA evaluators on calibration contacts (see :func:`calibration_review`).

    Attributes
    ----------
    n_subjects : int
        Calibration contacts: contacts scored by at least ``min_raters`` distinct evaluators.
    n_evaluators : int
        Distinct evaluators who scored a calibration contact.
    overall : Agreement or None
        Krippendorff's alpha (interval) of the total percentage score per contact, with a
        bootstrap interval over contacts; None without calibration contacts.
    fleiss : Agreement or None
        Pooled Fleiss' kappa of the item scores across scorecard items (De Vries et al. 2008),
        bootstrap interval over contacts; None without calibration contacts.
    evaluators : DataFrame
        :func:`evaluator_bias` of the calibration contacts (one row per evaluator).
    items : DataFrame
        :func:`item_agreement` of the calibration contacts (one row per item).
    flagged_items : list of str
        Items whose alpha is below the threshold (0.667).
    findings : list of str
        Plain-English sentences for a quality manager, each with its number and n.
    note : str
        Why nothing could be measured (no calibration contacts), or empty.
    """

    n_subjects: int
    n_evaluators: int
    overall: Agreement | None
    fleiss: Agreement | None
    evaluators: pd.DataFrame
    items: pd.DataFrame
    flagged_items: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    note: str = ""


def _calibration_rows(
    qa: pd.DataFrame, subject: str, rater: str, min_raters: int = 2
) -> pd.DataFrame:
    """Rows of subjects scored by at least ``min_raters`` distinct raters (never a view to mutate)."""
    raters = qa.groupby(subject, sort=False, dropna=True)[rater].nunique()
    keep = raters.index[raters >= min_raters]
    return qa.loc[qa[subject].isin(keep)]


def _percent_totals(
    qa: pd.DataFrame, subject: str, rater: str, score: str, max_score: str
) -> pd.DataFrame:
    """Total percentage per (subject, rater): 100 × Σ score / Σ max over the items scored."""
    df = qa[[subject, rater, score, max_score]].dropna()
    totals = (
        df.groupby([subject, rater], sort=True)
        .agg(s=(score, "sum"), m=(max_score, "sum"))
        .reset_index()
    )
    totals = totals.loc[totals["m"] > 0]
    return totals.assign(pct=100.0 * totals["s"] / totals["m"])[[subject, rater, "pct"]]


def _one_sample_t(d: np.ndarray, alpha: float) -> tuple[float, float, float, float]:
    """Mean of the differences ``d`` with its Student t interval and the two-sided p of mean 0
    (Student 1908); NaN interval and p with fewer than two values."""
    n = d.size
    mean = float(d.mean())
    lo = hi = p = math.nan
    if n >= 2:
        se = float(d.std(ddof=1)) / math.sqrt(n)
        t = float(_st.t.ppf(1 - alpha / 2, n - 1))
        lo, hi = mean - t * se, mean + t * se
        if se > 0:
            p = float(2 * _st.t.sf(abs(mean) / se, n - 1))
        else:
            p = 0.0 if mean != 0 else 1.0
    return mean, lo, hi, p


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values of the finite entries of ``p`` (NaN stays NaN), by statsmodels."""
    adjusted = np.full(p.size, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        adjusted[ok] = multipletests(p[ok], method="holm")[1]
    return adjusted


_BIAS_COLUMNS = [
    "evaluator",
    "n_subjects",
    "mean_percent",
    "consensus_percent",
    "mean_difference",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "verdict",
]


def evaluator_bias(
    qa: pd.DataFrame,
    *,
    subject: str = "contact_id",
    rater: str = "evaluator_id",
    item: str = "item",
    score: str = "score",
    max_score: str = "max_score",
    alpha: float = 0.05,
) -> pd.DataFrame:
    r"""How much more leniently or strictly each evaluator scores than colleagues on the same contacts.

    Only subjects scored by at least two distinct raters count. For each such subject *s* and
    rater *e*, :math:`x_{se} = 100\,\sum \text{score} / \sum \text{max\_score}` over the items *e*
    scored (several evaluations of *s* by *e* are pooled), and the difference from the
    *leave-one-out* consensus

    .. math::

        d_{se} = x_{se} - \frac{1}{k_s - 1}\sum_{e' \ne e} x_{se'}

    in percentage points (:math:`k_s` raters scored *s*). Leave-one-out, not the mean of all: the
    consensus must not contain the evaluator's own score, which would shrink every difference by
    :math:`(k_s-1)/k_s` and make an evaluator partly agree with themself. Per evaluator: the mean
    of :math:`d_{se}` over their subjects, its Student-t interval
    :math:`\bar d \pm t_{1-\alpha/2,\,n-1}\, s_d/\sqrt n` and the one-sample t-test of zero; the
    p-values are Holm-adjusted across evaluators (Holm 1979, family-wise error) and the verdict is
    "lenient" (:math:`\bar d > 0`) or "strict" (:math:`\bar d < 0`) only when the adjusted p is
    below ``alpha`` — then the unadjusted interval also excludes 0 — else "in line".

    Severity is relative to the colleagues on the same contacts, the only reference calibration
    data have: when one evaluator of a contact scores *d* points lower, each of its
    :math:`k_s - 1` colleagues appears :math:`d/(k_s-1)` points more lenient on that contact. With
    two or three evaluators per contact, an unbiased evaluator who mostly shares contacts with a
    strict one can therefore be called "lenient"; read the verdicts together.

    Parameters
    ----------
    qa : DataFrame
        QA evaluations in long format (one row per item). Not modified.
    subject, rater, item, score, max_score : str, keyword-only
        Column names (``item`` is only checked to exist: the total is over all items).
    alpha : float, keyword-only
        Significance level and 1 - confidence of the intervals.

    Returns
    -------
    DataFrame
        ``evaluator, n_subjects, mean_percent`` (their mean total %), ``consensus_percent`` (the
        colleagues' mean on the same subjects), ``mean_difference`` (percentage points, evaluator
        minus colleagues), ``ci_low, ci_high, p_value, p_adjusted, verdict``; strictest first.
        Empty (same columns) without calibration subjects. NaN interval and p with fewer than two
        subjects.
    """
    alpha = _check_alpha(alpha)
    _require_columns(qa, [subject, rater, item, score, max_score])
    calib = _calibration_rows(qa, subject, rater)
    totals = _percent_totals(calib, subject, rater, score, max_score)
    k = totals.groupby(subject)[rater].transform("size")
    totals = totals.loc[k >= 2]
    if totals.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=object if c in ("evaluator", "verdict") else float)
                for c in _BIAS_COLUMNS
            }
        )
    grp = totals.groupby(subject)["pct"]
    k = grp.transform("size").astype(float)
    consensus = (grp.transform("sum") - totals["pct"]) / (k - 1.0)
    frame = totals.assign(consensus=consensus, diff=totals["pct"] - consensus)
    rows = []
    for evaluator, g in frame.groupby(rater, sort=True):
        mean, lo, hi, p = _one_sample_t(g["diff"].to_numpy(dtype=float), alpha)
        rows.append({"evaluator": evaluator, "n_subjects": len(g), "mean_percent": float(g["pct"].mean()),
                     "consensus_percent": float(g["consensus"].mean()), "mean_difference": mean,
                     "ci_low": lo, "ci_high": hi, "p_value": p})
    out = pd.DataFrame(rows)
    out["p_adjusted"] = _holm(out["p_value"].to_numpy(dtype=float))
    adjusted = out["p_adjusted"].to_numpy(dtype=float)
    significant = np.isfinite(adjusted) & (adjusted < alpha)
    out["verdict"] = np.where(
        significant & (out["mean_difference"] > 0),
        "lenient",
        np.where(significant & (out["mean_difference"] < 0), "strict", "in line"),
    )
    out = out.sort_values(["mean_difference", "evaluator"], kind="stable").reset_index(drop=True)
    return out[_BIAS_COLUMNS]


_ITEM_COLUMNS = [
    "item",
    "level",
    "n_subjects",
    "n_raters",
    "krippendorff_alpha",
    "exact_agreement",
    "flag",
    "note",
]


def _one_rating_each(df: pd.DataFrame, subject: str, rater: str, item: str) -> pd.DataFrame:
    """One row per (subject, rater, item): the last one in input order when an evaluator scored twice."""
    return df.drop_duplicates([subject, rater, item], keep="last")


def _item_row(name: Any, g: pd.DataFrame, *, level: str, subject: str, rater: str, score: str,
              min_subjects: int, threshold: float) -> dict[str, Any]:
    """Agreement on one scorecard item: Krippendorff's alpha at ``level`` and exact agreement
    (the share of agreeing rater pairs within a contact), over contacts rated at least twice."""
    n_sub = int(g[subject].nunique())
    n_rat = int(g[rater].nunique())
    alpha_value = exact = math.nan
    note = ""
    if n_sub > 0:
        wide = g.pivot(index=rater, columns=subject, values=score)
        counts = g.groupby([subject, score]).size()
        m = g.groupby(subject).size()
        exact = float((counts * (counts - 1)).sum() / (m * (m - 1)).sum())
    if n_sub < min_subjects:
        note = (
            f"fewer than {min_subjects} calibration contacts ({n_sub}): agreement not measured"
        )
    else:
        alpha_value = krippendorff_alpha(wide, level=level)
        if math.isnan(alpha_value):
            note = "every rating identical: alpha undefined (no variation to tell agreement from chance)"
    return {
        "item": name,
        "level": level,
        "n_subjects": n_sub,
        "n_raters": n_rat,
        "krippendorff_alpha": alpha_value,
        "exact_agreement": exact,
        "flag": bool(np.isfinite(alpha_value) and alpha_value < threshold),
        "note": note,
    }


def item_agreement(
    qa: pd.DataFrame,
    *,
    subject: str = "contact_id",
    rater: str = "evaluator_id",
    item: str = "item",
    score: str = "score",
    max_score: str = "max_score",
    level: str | Mapping[str, str] | None = None,
    threshold: float = ALPHA_TENTATIVE,
    min_subjects: int = MIN_ITEM_SUBJECTS,
) -> pd.DataFrame:
    r"""Inter-evaluator agreement per scorecard item on calibration subjects.

    For each item, the raters × subjects table of its scores on subjects that at least two raters
    scored on that item gives Krippendorff's alpha (:func:`krippendorff_alpha`; Krippendorff
    2011) — ordinal for multi-point items, nominal for pass/fail items (``max_score`` 1), unless
    ``level`` says otherwise — and the exact agreement

    .. math::

        \frac{\sum_s \sum_v n_{sv}(n_{sv}-1)}{\sum_s m_s(m_s-1)}

    the share of pairs of raters of the same subject giving the same score (:math:`n_{sv}` raters
    gave subject *s* score *v*, :math:`m_s` rated it). An item is flagged when alpha is below
    ``threshold``: 0.667 is the lowest alpha Krippendorff (2004, *Content Analysis*, 2nd ed.,
    p. 241) accepts even for tentative conclusions; 0.800 is his level for firm ones. When an
    evaluator scored an item of a subject twice, the later row of ``qa`` counts.

    Parameters
    ----------
    qa : DataFrame
        QA evaluations in long format. Not modified.
    subject, rater, item, score, max_score : str, keyword-only
        Column names.
    level : str or mapping, optional, keyword-only
        Level of measurement for every item, or per item (missing items use the default rule).
    threshold : float, keyword-only
        Alpha below which an item is flagged.
    min_subjects : int, keyword-only
        Items with fewer calibration subjects get NaN alpha and a ``note`` (default 5).

    Returns
    -------
    DataFrame
        ``item, level, n_subjects, n_raters, krippendorff_alpha, exact_agreement, flag, note``,
        lowest alpha first (NaN last). ``flag`` is False where alpha is NaN.
    """
    _require_columns(qa, [subject, rater, item, score, max_score])
    if isinstance(level, str) and level not in _LEVELS:
        raise CsperfError(f"level must be one of {', '.join(_LEVELS)}, got {level!r}")
    df = qa[[subject, rater, item, score, max_score]].dropna(subset=[subject, rater, item, score])
    df = _one_rating_each(df, subject, rater, item)
    rows = []
    for name, g in df.groupby(item, sort=True):
        per_subject = g.groupby(subject)[rater].transform("size")
        g = g.loc[per_subject >= 2]
        top = pd.to_numeric(df.loc[df[item] == name, max_score], errors="coerce").max()
        default = "nominal" if top == 1 else "ordinal"
        lvl = level.get(name, default) if isinstance(level, Mapping) else (level or default)
        if lvl not in _LEVELS:
            raise CsperfError(
                f"level for item {name!r} must be one of {', '.join(_LEVELS)}, got {lvl!r}"
            )
        rows.append(_item_row(name, g, level=lvl, subject=subject, rater=rater, score=score,
                              min_subjects=min_subjects, threshold=threshold))
    if not rows:
        return pd.DataFrame(
            {
                c: pd.Series(
                    dtype=float if c in ("krippendorff_alpha", "exact_agreement") else object
                )
                for c in _ITEM_COLUMNS
            }
        )
    out = pd.DataFrame(rows)
    out = out.sort_values(
        ["krippendorff_alpha", "item"], na_position="last", kind="stable"
    ).reset_index(drop=True)
    return out[_ITEM_COLUMNS]


_QA_COLUMNS = ("contact_id", "evaluator_id", "item", "score", "max_score")


def _overall_alpha(totals: pd.DataFrame, *, alpha: float, n_boot: int, random_state) -> Agreement:
    """Interval alpha of total % per contact with a bootstrap over contacts."""
    confidence = 1.0 - alpha
    statistic = "Krippendorff's alpha (interval) of the total QA score"
    method = (
        "Krippendorff (2011) interval alpha of each evaluator's total % per contact (krippendorff "
        f"package); se and interval: percentile bootstrap over contacts ({n_boot} resamples, "
        f"random_state={random_state!r}; resampling contacts as in the bootstrap idea of Hayes & "
        "Krippendorff 2007)"
    )
    wide = totals.pivot(index="evaluator_id", columns="contact_id", values="pct")
    value = krippendorff_alpha(wide, level="interval")
    units = _pairable_units(wide.to_numpy(dtype=float))
    n, raters = len(units), int(wide.shape[0])
    note = "" if np.isfinite(value) else "every total score identical: alpha undefined"
    se = lo = hi = math.nan
    if n >= 2 and n_boot > 0 and np.isfinite(value):
        parts = _interval_alpha_parts(units)
        reps = [
            _interval_alpha_weighted(w, *parts)
            for w in _bootstrap_weights(_rng(random_state), n, n_boot)
        ]
        se, lo, hi = _percentile_ci(np.concatenate(reps), alpha)
    return Agreement(statistic, float(value), se, lo, hi, n, raters, method, confidence, note=note)


def _pooled_kappa(df: pd.DataFrame, *, alpha: float, n_boot: int, random_state) -> Agreement:
    r"""Pooled Fleiss' kappa across items: :math:`(\bar p_o - \bar p_e)/(1 - \bar p_e)`, the item means."""
    confidence = 1.0 - alpha
    statistic = "Pooled Fleiss' kappa of item scores across scorecard items"
    method = (
        "De Vries et al. (2008) pooled kappa: mean over items of the Fleiss (1971) observed and "
        "chance agreement (Gwet 2014 form for 2 or 3 evaluators per contact), each item's scores as "
        f"categories; se and interval: percentile bootstrap over contacts ({n_boot} resamples, "
        f"random_state={random_state!r})"
    )
    contacts = sorted(df["contact_id"].unique())
    cindex = {c: i for i, c in enumerate(contacts)}
    parts = []
    for _, g in df.groupby("item", sort=True):
        g = g.loc[g.groupby("contact_id")["evaluator_id"].transform("size") >= 2]
        if g.empty:
            continue
        counts = pd.crosstab(g["contact_id"], g["score"])
        a, q = _fleiss_parts(counts.to_numpy(dtype=float))
        parts.append((np.array([cindex[c] for c in counts.index]), a, q))
    if not parts:
        return _nan_agreement(
            statistic,
            method,
            n_subjects=0,
            n_raters=0,
            confidence=confidence,
            note="no item scored twice",
        )

    def pooled(w: np.ndarray) -> np.ndarray:
        p_o, p_e = [], []
        for idx, a, q in parts:
            wi = w[:, idx]
            tot = wi.sum(1)
            with np.errstate(divide="ignore", invalid="ignore"):
                p_o.append(wi @ a / tot)
                p_e.append((((wi @ q) / tot[:, None]) ** 2).sum(1))
        with np.errstate(invalid="ignore"):
            return _kappa_from_parts(np.nanmean(np.vstack(p_o), 0), np.nanmean(np.vstack(p_e), 0))

    n = len(contacts)
    value = float(pooled(np.ones((1, n)))[0])
    note = "" if np.isfinite(value) else "every item score identical: kappa undefined"
    se = lo = hi = math.nan
    if n >= 2 and n_boot > 0 and np.isfinite(value):
        reps = [pooled(w) for w in _bootstrap_weights(_rng(random_state), n, n_boot)]
        se, lo, hi = _percentile_ci(np.concatenate(reps), alpha)
    return Agreement(
        statistic,
        value,
        se,
        lo,
        hi,
        n,
        int(df["evaluator_id"].nunique()),
        method,
        confidence,
        note=note,
    )


def _fmt_ci(lo: float, hi: float, digits: int) -> str:
    return f"{lo:.{digits}f} to {hi:.{digits}f}"


def _overall_sentence(overall: Agreement, *, n_subjects: int, n_evaluators: int, conf: str) -> str:
    """Agreement on the total QA score against Krippendorff's (2004) thresholds, in one sentence."""
    if np.isfinite(overall.value):
        if overall.value >= ALPHA_FIRM:
            verdict = (
                f"at or above the {ALPHA_FIRM:.3f} Krippendorff recommends for firm conclusions"
            )
        elif overall.value >= ALPHA_TENTATIVE:
            verdict = (
                f"between {ALPHA_TENTATIVE:.3f} and {ALPHA_FIRM:.3f}, which Krippendorff accepts only for "
                "tentative conclusions"
            )
        else:
            verdict = (
                f"below the {ALPHA_TENTATIVE:.3f} Krippendorff treats as the lowest acceptable, so an agent's "
                "total score depends noticeably on who evaluated the contact"
            )
        ci = (
            f"{conf} CI {_fmt_ci(overall.ci_low, overall.ci_high, 2)}, "
            if np.isfinite(overall.ci_low)
            else ""
        )
        return (
            f"{n_subjects} contacts were scored by two or more of {n_evaluators} evaluators; agreement on "
            f"the total QA score is Krippendorff's alpha = {overall.value:.2f} ({ci}n = {n_subjects} contacts), "
            f"{verdict}."
        )
    return f"{n_subjects} contacts were scored by two or more evaluators; {overall.note}."


def _evaluator_sentence(row: Any, *, conf: str, evaluators: int) -> str:
    """One evaluator's severity against colleagues on the same contacts, in one sentence."""
    if not np.isfinite(row.ci_low):
        return (
            f"Evaluator {row.evaluator} scored only {row.n_subjects} calibration contact(s), too few to judge "
            "their severity."
        )
    if row.verdict in ("strict", "lenient"):
        word = "stricter" if row.verdict == "strict" else "higher (more lenient)"
        lo, hi = sorted((abs(row.ci_low), abs(row.ci_high)))
        return (
            f"Evaluator {row.evaluator} scores {abs(row.mean_difference):.1f} percentage points {word} than "
            f"colleagues on the same contacts ({conf} CI {_fmt_ci(lo, hi, 1)}, n = {row.n_subjects}; "
            f"Holm-adjusted {format_p(row.p_adjusted)})."
        )
    elif row.ci_low > 0 or row.ci_high < 0:
        side = "above" if row.mean_difference > 0 else "below"
        return (
            f"Evaluator {row.evaluator} scores {abs(row.mean_difference):.1f} percentage points {side} "
            f"colleagues on the same contacts ({conf} CI {_fmt_ci(row.ci_low, row.ci_high, 1)}, "
            f"n = {row.n_subjects}), but not significantly once all {evaluators} evaluators are "
            f"compared (Holm-adjusted {format_p(row.p_adjusted)}); treat as in line and watch at the next "
            "calibration."
        )
    else:
        return (
            f"Evaluator {row.evaluator} scores in line with colleagues on the same contacts (difference "
            f"{row.mean_difference:+.1f} percentage points, {conf} CI {_fmt_ci(row.ci_low, row.ci_high, 1)}, "
            f"n = {row.n_subjects}; not significant after Holm correction)."
        )


def _findings(
    overall: Agreement,
    fleiss: Agreement | None,
    evaluators: pd.DataFrame,
    items: pd.DataFrame,
    *,
    n_subjects: int,
    n_evaluators: int,
    threshold: float,
    alpha: float,
) -> list[str]:
    conf = _conf_label(1.0 - alpha)
    out = [_overall_sentence(overall, n_subjects=n_subjects, n_evaluators=n_evaluators, conf=conf)]
    out += [_evaluator_sentence(row, conf=conf, evaluators=len(evaluators))
            for row in evaluators.itertuples(index=False)]
    verdicts = set(evaluators["verdict"]) if len(evaluators) else set()
    if {"strict", "lenient"} <= verdicts:
        out.append(
            "Differences are relative to the colleagues who scored the same contacts: an evaluator who often "
            "shares contacts with a strict colleague looks more lenient (by about that colleague's difference "
            "divided by the number of colleagues), and the reverse, so read the strict and lenient verdicts together."
        )
    for row in items.itertuples(index=False):
        if row.flag:
            why = (
                "most scores are the same, so the high exact agreement hides that evaluators rarely agree on the "
                "exceptions"
                if row.exact_agreement >= 0.8
                else "evaluators do not apply it consistently"
            )
            out.append(
                f"Item '{str(row.item).replace('_', ' ')}' has Krippendorff's alpha = {row.krippendorff_alpha:.2f} ({row.level}, "
                f"n = {row.n_subjects} contacts, exact agreement {row.exact_agreement:.0%}), below {threshold}: "
                f"{why}; clarify its scoring guidance and re-calibrate on it."
            )
    unmeasured = (
        items.loc[items["krippendorff_alpha"].isna(), "item"].tolist() if len(items) else []
    )
    if unmeasured:
        out.append(
            f"Agreement could not be measured for {len(unmeasured)} item(s) ({', '.join(str(i).replace('_', ' ') for i in unmeasured)}): "
            "too few calibration contacts or no variation in their scores."
        )
    if fleiss is not None and np.isfinite(fleiss.value):
        ci = (
            f"{conf} CI {_fmt_ci(fleiss.ci_low, fleiss.ci_high, 2)}, "
            if np.isfinite(fleiss.ci_low)
            else ""
        )
        out.append(
            f"Exact agreement on individual item scores beyond chance is pooled Fleiss' kappa = "
            f"{fleiss.value:.2f} ({ci}n = {fleiss.n_subjects} contacts)."
        )
    if n_subjects < 30:
        out.append(
            f"With only {n_subjects} calibration contacts the intervals are wide; schedule more calibration "
            "sessions before acting on individual evaluators."
        )
    return out


def calibration_review(
    qa: pd.DataFrame,
    *,
    min_raters: int = 2,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = 0,
    n_boot: int = N_BOOT,
    threshold: float = ALPHA_TENTATIVE,
) -> CalibrationReview:
    r"""Everything a quality manager needs to judge scoring consistency, from the QA table.

    Calibration contacts are those scored by at least ``min_raters`` distinct evaluators
    (canonical ``qa_evaluations`` columns ``contact_id, evaluator_id, item, score, max_score``).
    On them: the interval Krippendorff's alpha of each evaluator's total percentage per contact
    with a percentile bootstrap over contacts (``overall``); the pooled Fleiss' kappa of item
    scores across items (De Vries, Elliott, Kanouse & Teleki 2008, *Field Methods* 20:272–282:
    :math:`(\bar p_o - \bar p_e)/(1-\bar p_e)` with the item means of Fleiss' observed and
    chance agreement), bootstrap over contacts (``fleiss``); :func:`evaluator_bias` and
    :func:`item_agreement`; and findings in plain English.

    Parameters
    ----------
    qa : DataFrame
        The canonical ``qa_evaluations`` table. Not modified.
    min_raters : int, keyword-only
        Distinct evaluators a contact needs to count as a calibration contact (≥ 2).
    alpha : float, keyword-only
        Significance level; intervals are ``1 - alpha``.
    random_state : int, Generator or None, keyword-only
        Seed of the bootstraps (default 0: identical results every run).
    n_boot : int, keyword-only
        Bootstrap resamples.
    threshold : float, keyword-only
        Item alpha below which an item is flagged (Krippendorff's 0.667).

    Returns
    -------
    CalibrationReview
        With ``note`` and no statistics when no contact was scored by two evaluators.
    """
    alpha = _check_alpha(alpha)
    _require_columns(qa, _QA_COLUMNS)
    if int(min_raters) < 2:
        raise CsperfError(f"min_raters must be at least 2, got {min_raters!r}")
    base = qa[list(_QA_COLUMNS)].dropna(subset=["contact_id", "evaluator_id", "item", "score"])
    calib = _calibration_rows(base, "contact_id", "evaluator_id", int(min_raters))
    n_subjects = int(calib["contact_id"].nunique())
    n_evaluators = int(calib["evaluator_id"].nunique())
    if n_subjects == 0:
        return CalibrationReview(
            n_subjects=0,
            n_evaluators=0,
            overall=None,
            fleiss=None,
            evaluators=evaluator_bias(calib, alpha=alpha),
            items=item_agreement(calib, threshold=threshold),
            flagged_items=[],
            findings=[NO_CALIBRATION_NOTE],
            note=NO_CALIBRATION_NOTE,
        )
    totals = _percent_totals(calib, "contact_id", "evaluator_id", "score", "max_score")
    overall = _overall_alpha(totals, alpha=alpha, n_boot=int(n_boot), random_state=random_state)
    pooled = _pooled_kappa(
        _one_rating_each(calib, "contact_id", "evaluator_id", "item"),
        alpha=alpha,
        n_boot=int(n_boot),
        random_state=random_state,
    )
    evaluators = evaluator_bias(calib, alpha=alpha)
    items = item_agreement(calib, threshold=threshold)
    flagged = [str(i) for i in items.loc[items["flag"], "item"]]
    findings = _findings(
        overall,
        pooled,
        evaluators,
        items,
        n_subjects=n_subjects,
        n_evaluators=n_evaluators,
        threshold=threshold,
        alpha=alpha,
    )
    return CalibrationReview(
        n_subjects=n_subjects,
        n_evaluators=n_evaluators,
        overall=overall,
        fleiss=pooled,
        evaluators=evaluators,
        items=items,
        flagged_items=flagged,
        findings=findings,
        note="",
    )


def _json_float(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def summary_entries(review: CalibrationReview) -> dict:
    """The ``calibration`` entry of summary.json (plain JSON types; NaN becomes null).

    ``{"calibration": [entry, ...]}``, each entry ``statistic, value, interval [low, high], n,
    items_flagged`` (the review's flagged items, on every entry) — the overall alpha, the pooled
    kappa, then one entry per evaluator (mean difference from colleagues in percentage points, with
    its ``verdict``). Without calibration contacts a single entry with null value and the ``note``.
    """
    flagged = [str(i) for i in review.flagged_items]
    entries = []
    if review.overall is None:
        entries.append(
            {
                "statistic": "Krippendorff's alpha (interval) of the total QA score",
                "value": None,
                "interval": [None, None],
                "n": 0,
                "items_flagged": [],
                "note": review.note,
            }
        )
        return {"calibration": entries}
    for agreement in (review.overall, review.fleiss):
        if agreement is None:
            continue
        entries.append(
            {
                "statistic": agreement.statistic,
                "value": _json_float(agreement.value),
                "interval": [_json_float(agreement.ci_low), _json_float(agreement.ci_high)],
                "n": int(agreement.n_subjects),
                "items_flagged": list(flagged),
            }
        )
    for row in review.evaluators.itertuples(index=False):
        entries.append(
            {
                "statistic": f"Mean difference from colleagues, {row.evaluator} (percentage points)",
                "value": _json_float(row.mean_difference),
                "interval": [_json_float(row.ci_low), _json_float(row.ci_high)],
                "n": int(row.n_subjects),
                "items_flagged": list(flagged),
                "verdict": str(row.verdict),
            }
        )
    return {"calibration": entries}
