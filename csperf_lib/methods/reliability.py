"""Internal consistency of a measuring instrument: Cronbach's alpha of the QA scorecard's items and
of the survey's rating questions, with its interval, and what the value means for the scores built
on them (Cronbach 1951; the interval by Feldt 1965 and Feldt, Woodruff & Salih 1987; the readings
are George & Mallery's bands). Used by the data-sources evaluation of stage 01
(:mod:`csperf_lib.methods.sources`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd
from scipy import stats as _st

from csperf_lib.ingest.store import Store

__all__ = [
    "Reliability",
    "cronbach_alpha",
    "scorecard_reliability",
    "survey_reliability",
]


@dataclass(frozen=True)
class Reliability:
    """Internal consistency of a multi-item instrument.

    Attributes
    ----------
    name : str
        What was measured (e.g. ``"QA scorecard"``).
    alpha : float
        Cronbach's alpha (NaN when fewer than 2 items or 2 complete rows).
    low, high : float
        Feldt (1965) confidence interval of alpha.
    n : int
        Complete rows used (listwise deletion).
    k : int
        Number of items.
    items : DataFrame
        Per item: ``item, mean, sd, item_total_r`` (corrected: item against the total of the
        other items) and ``alpha_if_deleted``.
    note : str
        Plain-words reading of alpha.
    """

    name: str
    alpha: float
    low: float
    high: float
    n: int
    k: int
    items: pd.DataFrame
    note: str = ""


def _alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    if k < 2 or x.shape[0] < 2:
        return math.nan
    total_var = x.sum(axis=1).var(ddof=1)
    if not total_var > 0:
        return math.nan
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


def _reading(alpha: float) -> str:
    if math.isnan(alpha):
        return "alpha cannot be estimated (fewer than 2 items or 2 complete rows, or no variation)"
    for cut, word in ((0.9, "excellent"), (0.8, "good"), (0.7, "acceptable"), (0.6, "questionable"), (0.5, "poor")):
        if alpha >= cut:
            return f"internal consistency is {word} (alpha = {alpha:.2f}; George & Mallery's bands)"
    return (f"internal consistency is unacceptable (alpha = {alpha:.2f}): the items do not behave as one scale, so a "
            "total score mixes different things")


def cronbach_alpha(items: pd.DataFrame, *, confidence: float = 0.95, name: str = "") -> Reliability:
    r"""Cronbach's alpha of a wide item table (rows = respondents/evaluations, columns = items).

    .. math:: \alpha = \frac{k}{k-1}\Bigl(1 - \frac{\sum_i s_i^2}{s_T^2}\Bigr)

    (Cronbach 1951, Psychometrika 16:297-334), sample variances (n − 1). Rows with a missing item
    are dropped (listwise). The confidence interval is Feldt's (Feldt 1965, Psychometrika
    30:357-370; Feldt, Woodruff & Salih 1987):
    :math:`1-(1-\hat\alpha)F_{1-\gamma/2}` to :math:`1-(1-\hat\alpha)F_{\gamma/2}` with
    :math:`F` on :math:`(n-1, (n-1)(k-1))` degrees of freedom — the interval ``pingouin`` reports.
    Item statistics: the corrected item-total correlation (item against the sum of the *other*
    items) and alpha with the item deleted.
    """
    data = items.apply(pd.to_numeric, errors="coerce").dropna(axis=0, how="any")
    x = data.to_numpy(float)
    n, k = x.shape
    a = _alpha(x)
    low = high = math.nan
    if not math.isnan(a) and k >= 2 and n >= 2:
        df1, df2 = n - 1, (n - 1) * (k - 1)
        gamma = 1 - confidence
        low = float(1 - (1 - a) * _st.f.isf(gamma / 2, df1, df2))
        high = float(1 - (1 - a) * _st.f.isf(1 - gamma / 2, df1, df2))
    rows = []
    total = x.sum(axis=1) if k else np.zeros(n)
    for i, col in enumerate(data.columns):
        rest = total - x[:, i]
        r = math.nan
        if n >= 2 and x[:, i].std() > 0 and rest.std() > 0:
            r = float(np.corrcoef(x[:, i], rest)[0, 1])
        rows.append({"item": str(col), "mean": float(x[:, i].mean()) if n else math.nan,
                     "sd": float(x[:, i].std(ddof=1)) if n >= 2 else math.nan, "item_total_r": r,
                     "alpha_if_deleted": _alpha(np.delete(x, i, axis=1)) if k >= 3 else math.nan})
    return Reliability(name=name, alpha=a, low=low, high=high, n=int(n), k=int(k),
                       items=pd.DataFrame(rows, columns=["item", "mean", "sd", "item_total_r", "alpha_if_deleted"]),
                       note=_reading(a))


def scorecard_reliability(qa: pd.DataFrame | ibis.Table | Store, *, min_item_share: float = 0.5,
                          confidence: float = 0.95) -> Reliability:
    """Cronbach's alpha of the QA scorecard in wide form (evaluation × item, score / max_score).

    ``qa`` is the long ``qa_evaluations`` table (a DataFrame, an Ibis table, or a store holding
    it). Items present in fewer than ``min_item_share`` of evaluations are left out (an item
    asked on few forms would make listwise deletion discard most evaluations); the per-item
    percentage is averaged in the engine before pivoting.
    """
    if isinstance(qa, Store):
        qa = qa.table("qa_evaluations")
    if isinstance(qa, ibis.Table):
        long = qa.group_by(["evaluation_id", "item"]).aggregate(pct=(qa.score / qa.max_score).mean()).execute()
    else:
        long = (qa.assign(pct=qa["score"] / qa["max_score"]).groupby(["evaluation_id", "item"], as_index=False)["pct"].mean())
    wide = long.pivot(index="evaluation_id", columns="item", values="pct")
    keep = wide.columns[wide.notna().mean() >= min_item_share] if len(wide) else wide.columns
    result = cronbach_alpha(wide[keep], confidence=confidence, name="QA scorecard")
    dropped = [str(c) for c in wide.columns if c not in keep]
    if dropped:
        return Reliability(**{**result.__dict__, "note": result.note + f"; items on too few forms left out: {', '.join(dropped)}"})
    return result


def survey_reliability(store: Store, *, items: tuple[str, ...] = ("csat", "nps", "ces"),
                       confidence: float = 0.95) -> Reliability | None:
    """Standardised alpha across the survey's score questions (z-scored, so scales 1-5, 0-10 and
    1-7 weigh alike); None when fewer than two of them are present with data.

    These questions measure related but distinct things (satisfaction, advocacy, effort), so the
    alpha is a check that they move together, not the reliability of a designed scale.
    """
    if not store.has("surveys"):
        return None
    s = store.table("surveys")
    cols = [c for c in items if c in s.columns]
    if len(cols) < 2:
        return None
    counts = s.aggregate(**{c: s[c].count() for c in cols}).execute().iloc[0]
    cols = [c for c in cols if counts[c] > 1]
    if len(cols) < 2:
        return None
    d = s.select(*cols).execute()
    z = (d - d.mean()) / d.std(ddof=1)
    return cronbach_alpha(z, confidence=confidence, name="survey score questions (standardised)")
