r"""Drivers of satisfaction, and operational KPIs against broader quality monitoring.

``satisfaction_drivers`` fits a logistic regression of a top-2-box CSAT rating on the
operational facts of the rated contact: waiting time, handle time, first-contact resolution,
channel and (when present) queue. Surveys are joined to contacts on ``contact_id`` in the store's
engine through Ibis; only the few columns the model needs come back to pandas, sampled in the
engine (seeded, deterministic) when there are more than ``max_rows`` of them.

Model (e.g. Hosmer, Lemeshow & Sturdivant 2013, *Applied Logistic Regression*, ch. 1-3):

.. math::

    \operatorname{logit} P(\text{csat} \ge m) = \beta_0 + \beta_1\,\text{wait\_min}
        + \beta_2\,\text{handle\_min} + \beta_3\,\text{fcr}
        + \sum_c \gamma_c [\text{channel} = c] + \sum_q \delta_q [\text{queue} = q]

fitted by maximum likelihood with :func:`statsmodels.formula.api.logit`. Each coefficient is
reported as an odds ratio :math:`e^{\beta}` with the Wald interval
:math:`e^{\hat\beta \pm z_{0.975}\,\mathrm{se}(\hat\beta)}` (statsmodels ``conf_int``) and its
Wald p-value; fit is summarised by McFadden's pseudo-:math:`R^2 = 1 - \ln L / \ln L_0`
(McFadden 1974). Odds ratios are associations adjusted for the other terms, not proven causes.

``quality_vs_satisfaction`` lays CSAT beside QA scores, complaints, handle time and FCR per agent
or team (all computed by :func:`csperf_lib.methods.kpis.compute_kpis`, so definitions and intervals are
the catalogue's) and measures how the units' rankings agree with Spearman's rank correlation
(Spearman 1904; :func:`scipy.stats.spearmanr`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np
import pandas as pd

from csperf_lib.core.formatting import format_p
from csperf_lib.ingest.store import Store
from csperf_lib.methods.kpis import compute_kpis

__all__ = [
    "DriversResult",
    "QualityComparison",
    "quality_vs_satisfaction",
    "satisfaction_drivers",
]

#: Fewest complete survey rows the drivers model is fitted on.
MIN_ROWS = 100
#: Levels of a categorical predictor with fewer rows are pooled into ``other``.
MIN_LEVEL_ROWS = 30
#: Significance level at which a term becomes a finding.
ALPHA = 0.05
TABLE_COLUMNS = ("term", "odds_ratio", "ci_low", "ci_high", "p", "n")
#: KPIs laid beside CSAT by :func:`quality_vs_satisfaction` (catalogue ids).
QUALITY_KPIS = (
    "csat_mean",
    "csat_top2box",
    "qa_score_mean",
    "complaints_per_1000",
    "aht_s",
    "fcr_rate",
)
SATISFACTION_KPIS = ("csat_mean", "csat_top2box")
CORRELATION_COLUMNS = ("measure", "versus", "rho", "p", "n_units")
LEVELS = ("agent_id", "team")


@dataclass(frozen=True)
class DriversResult:
    """Odds ratios of a top-2-box CSAT rating (see :func:`satisfaction_drivers`).

    Attributes
    ----------
    table : DataFrame
        ``term, odds_ratio, ci_low, ci_high, p, n`` plus ``label`` (plain words); empty when no
        model was fitted. ``n``: rows in the fit for continuous terms, rows having the level (or
        resolved at first contact) for indicator terms.
    model : str
        The model fitted, as a formula with its outcome definition and reference levels.
    n : int
        Survey responses the model was fitted on (0 when none).
    pseudo_r2 : float
        McFadden's pseudo-R²; NaN when no model was fitted.
    note : str
        What was done (sampling, rows dropped, levels pooled) or why nothing was fitted.
    findings : tuple of str
        One plain sentence per term with p < 0.05.
    """

    table: pd.DataFrame
    model: str = ""
    n: int = 0
    pseudo_r2: float = float("nan")
    note: str = ""
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class QualityComparison:
    """Quality monitoring beside satisfaction per agent or team (see :func:`quality_vs_satisfaction`).

    Attributes
    ----------
    by_level : DataFrame
        One row per unit: ``<level>``, then for each KPI its value and ``<kpi>_n``.
    correlations : DataFrame
        ``measure, versus, rho, p, n_units``: Spearman correlation across units of each
        operational / quality KPI with each satisfaction KPI.
    level : str
        ``agent_id`` or ``team``.
    note : str
        KPIs that could not be computed and why, and the unit filter applied.
    """

    by_level: pd.DataFrame
    correlations: pd.DataFrame
    level: str = "agent_id"
    note: str = ""
    unavailable: Mapping[str, str] = field(default_factory=dict)


# --- helpers ----------------------------------------------------------------------------------------
def _table(tables: Store | Mapping[str, Any], name: str) -> ibis.Table | None:
    """Ibis table ``name`` of a Store or a mapping (DataFrames wrapped, never modified), or None."""
    if isinstance(tables, Store):
        return tables.table(name) if tables.has(name) else None
    if not isinstance(tables, Mapping):
        raise TypeError(
            "tables must be a Store or a mapping of table name to Ibis table or DataFrame"
        )
    table = tables.get(name)
    if table is None:
        return None
    return ibis.memtable(table) if isinstance(table, pd.DataFrame) else table


def _empty_table() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in TABLE_COLUMNS})
    return frame.astype({"term": "str", "n": "int64"}).assign(label=pd.Series(dtype="str"))


def _empty(note: str, model: str = "") -> DriversResult:
    return DriversResult(table=_empty_table(), model=model, note=note)


def _decimals(*values: float) -> int:
    """Fewest decimals (2-5) at which ``values`` (an estimate and its interval) read apart."""
    for d in range(2, 6):
        if len({f"{v:.{d}f}" for v in values}) == len(values):
            return d
    return 5


def _pool_rare(values: pd.Series, *, min_rows: int) -> tuple[pd.Series, list[str]]:
    """Rare levels (fewer than ``min_rows`` rows) replaced by ``other``; the pooled levels."""
    counts = values.value_counts()
    rare = sorted(counts.index[counts < min_rows])
    if not rare:
        return values, []
    return values.where(~values.isin(rare), "other"), rare


# --- satisfaction drivers -----------------------------------------------------------------------------
def _model_rows(
    tables: Store | Mapping[str, Any], *, max_rows: int, random_state: int
) -> tuple[pd.DataFrame | None, list[str], str]:
    """The survey x contact rows the model needs, pulled (and sampled) from the engine."""
    surveys = _table(tables, "surveys")
    contacts = _table(tables, "contacts")
    if surveys is None:
        return None, [], "no drivers model: there is no surveys table"
    if contacts is None:
        return None, [], "no drivers model: there is no contacts table"
    s_cols, c_cols = set(surveys.columns), set(contacts.columns)
    missing = [f"surveys.{c}" for c in ("contact_id", "csat") if c not in s_cols]
    missing += [f"contacts.{c}" for c in ("contact_id",) if c not in c_cols]
    if missing:
        return None, [], f"no drivers model: missing column(s) {', '.join(missing)}"

    s = surveys.select(_sid=surveys.contact_id.cast("string"), csat=surveys.csat.cast("float64"))
    s = s.filter(s.csat.notnull() & s._sid.notnull())
    picks: dict[str, Any] = {"contact_id": contacts.contact_id.cast("string")}
    if "wait_s" in c_cols:
        picks["wait_min"] = contacts.wait_s.cast("float64") / 60.0
    if "talk_s" in c_cols:
        handle = contacts.talk_s.cast("float64")
        for extra in ("hold_s", "wrap_s"):
            if extra in c_cols:
                handle = handle + contacts[extra].cast("float64").fill_null(0.0)
        picks["handle_min"] = handle / 60.0
    if "resolved_first_contact" in c_cols:
        picks["fcr"] = contacts.resolved_first_contact.cast("boolean").cast("int64")
    for cat in ("channel", "queue"):
        if cat in c_cols:
            picks[cat] = contacts[cat].cast("string")
    c = contacts.select(**picks)
    joined = s.join(c, s._sid == c.contact_id).select(
        "csat", "contact_id", *[k for k in picks if k != "contact_id"]
    )
    total = int(joined.count().execute())
    notes = []
    if total > max_rows:
        key = ibis.literal(f"{random_state}:").concat(joined.contact_id).hash()
        joined = joined.mutate(_k=key).order_by(["_k", "csat"]).limit(max_rows).drop("_k")
        notes.append(
            f"{total:,} rated contacts; a seeded random sample of {max_rows:,} drawn in the engine "
            f"(random_state={random_state})"
        )
    frame = joined.drop("contact_id").execute()
    return frame, notes, ""


def _design(frame: pd.DataFrame, notes: list[str]) -> tuple[pd.DataFrame, list[str], list[str], dict[str, str]]:
    """The complete-case model rows, the numeric and categorical predictors kept (empty or
    constant ones left out, rare levels pooled) and each categorical's reference level."""
    numeric = [c for c in ("wait_min", "handle_min", "fcr") if c in frame.columns]
    categorical = [c for c in ("channel", "queue") if c in frame.columns]
    # predictors that are entirely empty or constant are left out rather than dropping every row
    dropped_terms = []
    for col in numeric + categorical:
        if frame[col].notna().sum() == 0 or frame[col].nunique(dropna=True) < 2:
            dropped_terms.append(col)
    numeric = [c for c in numeric if c not in dropped_terms]
    categorical = [c for c in categorical if c not in dropped_terms]
    if dropped_terms:
        notes.append(f"left out (empty or constant): {', '.join(dropped_terms)}")
    used = ["top2", *numeric, *categorical]
    data = frame[used].dropna()
    if len(data) < len(frame):
        notes.append(f"{len(frame) - len(data):,} responses missing a predictor dropped")
    data = data.astype({c: "float64" for c in numeric})
    refs: dict[str, str] = {}
    for col in categorical:
        values, rare = _pool_rare(data[col].astype(str), min_rows=MIN_LEVEL_ROWS)
        data[col] = values
        if rare:
            notes.append(
                f"{col} levels pooled as 'other' (< {MIN_LEVEL_ROWS} rows): {', '.join(rare)}"
            )
        if data[col].nunique() < 2:
            categorical.remove(col)
            notes.append(f"left out (one level after pooling): {col}")
            continue
        counts = data[col].value_counts()
        refs[col] = str(counts.index[counts == counts.max()].min())
    return data, numeric, categorical, refs


def _odds_ratios(fit: Any, ci: pd.DataFrame, data: pd.DataFrame, refs: Mapping[str, str]) -> pd.DataFrame:
    """One row per model term: odds ratio, its Wald interval, p, n and a readable label."""
    rows = []
    for name in fit.params.index:
        if name == "Intercept":
            continue
        term, n, label = _describe_term(name, data, refs)
        rows.append(
            {
                "term": term,
                "odds_ratio": float(np.exp(fit.params[name])),
                "ci_low": float(ci.loc[name, 0]),
                "ci_high": float(ci.loc[name, 1]),
                "p": float(fit.pvalues[name]),
                "n": int(n),
                "label": label,
            }
        )
    table = pd.DataFrame(rows, columns=[*TABLE_COLUMNS, "label"]) if rows else _empty_table()
    return table


def satisfaction_drivers(
    store_or_tables: Store | Mapping[str, Any],
    *,
    top2box_min: float = 4,
    max_rows: int = 200_000,
    random_state: int = 0,
) -> DriversResult:
    r"""Logistic regression of a top-2-box CSAT rating on wait, handle time, FCR, channel, queue.

    Parameters
    ----------
    store_or_tables : Store or mapping
        A :class:`~csperf_lib.ingest.store.Store`, or table name -> Ibis table or DataFrame (never
        modified). Needs ``surveys`` (``contact_id``, ``csat``) and ``contacts``
        (``contact_id`` and any of ``wait_s``, ``talk_s`` [+ ``hold_s`` + ``wrap_s``],
        ``resolved_first_contact``, ``channel``, ``queue``).
    top2box_min : float, keyword-only
        Ratings at or above this count as top-2-box (4 on the 1-5 scale).
    max_rows : int, keyword-only
        Most rows fitted; larger joins are sampled in the engine (rows ordered by a seeded hash of
        ``contact_id``), reported in ``note``.
    random_state : int, keyword-only
        Seed of that sample.

    Returns
    -------
    DriversResult
        Odds ratios with 95 % Wald intervals. Never raises for missing data: with no surveys,
        missing columns, fewer than 100 complete rows, no variation in the outcome or a fit that
        fails, ``table`` is empty and ``note`` says why.

    Notes
    -----
    :math:`y = [\text{csat} \ge m]`, ``wait_min`` :math:`=` ``wait_s``/60, ``handle_min``
    :math:`=` (``talk_s`` + ``hold_s`` + ``wrap_s``)/60 (missing hold or wrap counted as 0),
    ``fcr`` :math:`\in \{0, 1\}`; channel and queue are treatment-coded against their most common
    level, levels with fewer than 30 rows pooled as ``other``. Rows missing any predictor are
    dropped (complete-case analysis). A predictor with no variation is left out. Odds ratio
    :math:`\mathrm{OR} = e^{\hat\beta}`, interval :math:`e^{\hat\beta \pm 1.96\,\mathrm{se}}`.
    """
    import statsmodels.formula.api as smf

    try:
        frame, notes, why = _model_rows(
            store_or_tables, max_rows=max_rows, random_state=random_state
        )
    except Exception as exc:  # engine errors (odd types) are reported, not raised
        return _empty(f"no drivers model: the rows could not be read ({type(exc).__name__}: {exc})")
    if frame is None:
        return _empty(why)

    frame = frame.assign(top2=(frame["csat"] >= top2box_min).astype("int64"))
    data, numeric, categorical, refs = _design(frame, notes)

    if not numeric and not categorical:
        return _empty(
            "no drivers model: none of wait, handle time, FCR, channel or queue is available"
        )
    rhs = numeric + [f"C({c}, Treatment(reference={refs[c]!r}))" for c in categorical]
    formula = f"top2 ~ {' + '.join(rhs)}"
    model = f"logit P(csat >= {top2box_min:g}) ~ {' + '.join(rhs)}"
    if len(data) < MIN_ROWS:
        return _empty(
            f"no drivers model: {len(data)} complete responses (fewer than {MIN_ROWS})", model
        )
    share = float(data["top2"].mean())
    if share in (0.0, 1.0):
        return _empty(
            f"no drivers model: every response is {'top' if share else 'not top'}-2-box (no variation)",
            model,
        )
    try:
        fit = smf.logit(formula, data=data).fit(disp=False, maxiter=200)
        ci = np.exp(fit.conf_int(alpha=0.05))
    except Exception as exc:  # singular design, perfect separation
        return _empty(f"no drivers model: the fit failed ({type(exc).__name__}: {exc})", model)
    if not fit.mle_retvals.get("converged", True):
        notes.append("the fit did not converge; treat the intervals with caution")

    table = _odds_ratios(fit, ci, data, refs)
    findings = tuple(
        _finding(r, refs, top2box_min) for r in table.to_dict(orient="records") if r["p"] < ALPHA
    )
    notes.append(
        f"{len(data):,} responses, {share:.1%} top-2-box; odds ratios are associations adjusted "
        "for the other terms, not proven causes"
    )
    return DriversResult(
        table=table,
        model=model,
        n=int(fit.nobs),
        pseudo_r2=float(fit.prsquared),
        note="; ".join(notes),
        findings=findings,
    )


def _describe_term(name: str, data: pd.DataFrame, refs: Mapping[str, str]) -> tuple[str, int, str]:
    """Readable term (``channel[chat]``), its n and a label, from a patsy column name."""
    if name == "wait_min":
        return name, len(data), "waiting time (per minute)"
    if name == "handle_min":
        return name, len(data), "handle time (per minute)"
    if name == "fcr":
        return name, int((data["fcr"] == 1).sum()), "resolved at first contact (vs not)"
    for col, ref in refs.items():
        prefix = f"C({col}, Treatment(reference={ref!r}))[T."
        if name.startswith(prefix):
            level = name[len(prefix) : -1]
            return f"{col}[{level}]", int((data[col] == level).sum()), f"{col} {level} (vs {ref})"
    return name, len(data), name


def _finding(row: Mapping[str, Any], refs: Mapping[str, str], top2box_min: float) -> str:
    """One plain-English sentence for a significant term."""
    odds = f"the odds of a top-2-box rating (CSAT {top2box_min:g}+)"
    d = _decimals(row["ci_low"], row["odds_ratio"], row["ci_high"])
    ci = f"(95% CI {row['ci_low']:.{d}f}–{row['ci_high']:.{d}f}, {format_p(row['p'])})"
    term, ratio = row["term"], f"{row['odds_ratio']:.{d}f}"
    if term == "wait_min":
        return f"Each extra minute of waiting multiplies {odds} by {ratio} {ci}."
    if term == "handle_min":
        return f"Each extra minute of handle time multiplies {odds} by {ratio} {ci}."
    if term == "fcr":
        return (
            f"Contacts resolved at first contact have {ratio} times {odds} of those that were not "
            f"{ci}."
        )
    col, _, level = term.partition("[")
    level = level.rstrip("]")
    what = {"channel": f"{level} contacts", "queue": f"contacts in the {level} queue"}.get(
        col, term
    )
    base = {"channel": f"{refs.get(col)} contacts", "queue": f"the {refs.get(col)} queue"}.get(
        col, ""
    )
    return (
        f"{what[0].upper()}{what[1:]} have {ratio} times {odds} of {base}, other things equal {ci}."
    )


# --- quality against satisfaction ---------------------------------------------------------------------
def quality_vs_satisfaction(
    store_or_tables: Store | Mapping[str, Any],
    *,
    level: str = "agent_id",
    config: Any = None,
    min_n: int = 20,
) -> QualityComparison:
    r"""CSAT beside QA scores, complaints, handle time and FCR per agent or team.

    Parameters
    ----------
    store_or_tables : Store or mapping
        As for :func:`csperf_lib.methods.kpis.compute_kpis` (never modified).
    level : {"agent_id", "team"}, keyword-only
        The unit compared.
    config : ReviewConfig, mapping or KpiOptions, optional, keyword-only
        KPI options (e.g. ``csat_top2box_min``), passed to ``compute_kpis``.
    min_n : int, keyword-only
        Fewest survey responses (``csat_mean`` n) a unit needs to count in the correlations.

    Returns
    -------
    QualityComparison
        ``by_level``: one row per unit (units with a null id are left out) with ``csat_mean``,
        ``csat_top2box``, ``qa_score_mean``, ``complaints_per_1000``, ``aht_s``, ``fcr_rate`` and
        each KPI's ``<kpi>_n`` (a KPI that cannot be computed, e.g. complaints that cannot be
        linked to agents, is NaN with its reason in ``note``). ``correlations``: for each of
        ``qa_score_mean, complaints_per_1000, aht_s, fcr_rate`` against each of ``csat_mean,
        csat_top2box``, Spearman's :math:`\rho` across units with at least ``min_n`` responses
        and both values known, its two-sided p-value and the number of units (NaN below 3
        units or when either side is constant).

    Notes
    -----
    Spearman's :math:`\rho` is Pearson's correlation of the ranks (average ranks for ties),
    :math:`\rho = 1 - 6\sum d_i^2 / (n(n^2-1))` without ties (Spearman 1904); the p-value is
    from the t distribution with :math:`n-2` degrees of freedom (scipy). Unit-level correlations
    describe units, not contacts (the ecological fallacy: Robinson 1950).
    """
    from scipy.stats import spearmanr


    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    tidy = compute_kpis(store_or_tables, kpis=list(QUALITY_KPIS), by=level, config=config)
    unavailable = dict(tidy.attrs.get("unavailable", {}))
    tidy = tidy[tidy[level].notna()]
    units = pd.Index(sorted(tidy[level].astype(str).unique()), name=level)
    columns: dict[str, pd.Series] = {}
    for kpi in QUALITY_KPIS:
        part = tidy[tidy["kpi"] == kpi].assign(_u=lambda f: f[level].astype(str)).set_index("_u")
        columns[kpi] = part["value"].reindex(units).astype("float64")
        columns[f"{kpi}_n"] = part["n"].reindex(units).fillna(0).astype("int64")
    by_level = pd.DataFrame(columns, index=units).reset_index()

    eligible = by_level[by_level["csat_mean_n"] >= min_n]
    rows = []
    for measure in QUALITY_KPIS:
        if measure in SATISFACTION_KPIS:
            continue
        for versus in SATISFACTION_KPIS:
            pair = eligible[[measure, versus]].dropna()
            rho = p = float("nan")
            if len(pair) >= 3 and pair[measure].nunique() > 1 and pair[versus].nunique() > 1:
                res = spearmanr(pair[measure], pair[versus])
                rho, p = float(res.statistic), float(res.pvalue)
            rows.append(
                {"measure": measure, "versus": versus, "rho": rho, "p": p, "n_units": len(pair)}
            )
    correlations = pd.DataFrame(rows, columns=list(CORRELATION_COLUMNS))
    notes = [
        f"{len(eligible)} of {len(by_level)} units with at least {min_n} survey responses correlated"
    ]
    notes += [f"{k} not available: {v}" for k, v in unavailable.items()]
    return QualityComparison(
        by_level=by_level,
        correlations=correlations,
        level=level,
        note="; ".join(notes),
        unavailable=unavailable,
    )
