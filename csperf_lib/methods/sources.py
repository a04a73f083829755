"""Evaluation of the sources a review used: can a reviewer defend each one to an assessor?

For every source (canonical table) the review used:

- :func:`currency` — period covered, newest record, lag to extraction, calendar days with no data;
- :func:`credibility` — validation pass rate, duplicate rate, internal consistency checks passed,
  whether the file is unchanged since collection (SHA-256);
- :func:`coverage` and :func:`thin_segments` — surveys per answered contact, QA evaluations per
  agent, complaints per 1,000 contacts, segments with too few surveys or evaluations;
- :func:`csperf_lib.methods.nonresponse.nonresponse_bias` — survey response rate overall and by segment, responders compared
  with non-responders on what is known for both, and a plain-words verdict;
- :func:`cronbach_alpha`, :func:`scorecard_reliability`, :func:`survey_reliability` — instrument
  reliability (alpha with Feldt's interval, corrected item-total correlations, alpha if deleted);
- :func:`method_notes` — strengths, weaknesses and risks of each monitoring method, written from
  the data's own numbers;
- :func:`evaluate_sources` bundles everything; :func:`summary_entries` gives the
  ``sources_evaluation`` entry of summary.json.

Aggregates run in the store's engine (Ibis): only per-group sums, counts and variances are pulled,
never the contact rows themselves.

Conventions: options are keyword-only, inputs are never mutated, data too small for an estimate
give NaN (never an exception).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from scipy import stats as _st

from csperf_lib.core.formatting import TABLE_WORDS
from csperf_lib.core.sections import section_link
from csperf_lib.core.summary_io import to_jsonable
from csperf_lib.ingest.schemas import MODELS
from csperf_lib.ingest.store import Store
from csperf_lib.methods.nonresponse import (
    SEGMENTS,
    NonResponse,
    _answered,
    _responder_ids,
    nonresponse_bias,
)
from csperf_lib.methods.reliability import Reliability, scorecard_reliability, survey_reliability
from csperf_lib.methods.stats import wilson_interval

__all__ = [
    "SourcesEvaluation",
    "coverage",
    "credibility",
    "currency",
    "evaluate_sources",
    "method_notes",
    "summary_entries",
    "thin_segments",
]

#: Event-time column of each canonical table (as in :mod:`csperf_lib.stages.collect`).
TIME_COLUMNS = {
    "contacts": "arrived_at",
    "surveys": "responded_at",
    "qa_evaluations": "evaluated_at",
    "complaints": "received_at",
}


#: Segments with fewer observations than this are "thin" (a common rule of thumb for a mean/share).
THIN_N = 30



# --------------------------------------------------------------------------------------------
# result types
# --------------------------------------------------------------------------------------------






@dataclass(frozen=True)
class SourcesEvaluation:
    """Everything :func:`evaluate_sources` found.

    Attributes
    ----------
    currency : DataFrame
        One row per table (see :func:`currency`).
    credibility : DataFrame
        One row per table (see :func:`credibility`); empty without a summary.
    coverage : DataFrame
        See :func:`coverage`.
    thin_segments : DataFrame
        See :func:`thin_segments`.
    nonresponse : NonResponse or None
        See :func:`nonresponse_bias`; None without surveys linked to contacts.
    nonresponse_note : str
        Why non-response bias could not be assessed ('' when it was).
    coverage_note : str
        Why coverage could not be measured ('' when it was).
    reliability : tuple of Reliability
        QA scorecard and survey score questions, where available.
    method_notes : DataFrame
        See :func:`method_notes`.
    findings : tuple of str
        The main points in plain words.
    """

    currency: pd.DataFrame
    credibility: pd.DataFrame
    coverage: pd.DataFrame
    thin_segments: pd.DataFrame
    nonresponse: NonResponse | None
    reliability: tuple[Reliability, ...]
    method_notes: pd.DataFrame
    findings: tuple[str, ...]
    nonresponse_note: str = ""
    coverage_note: str = ""


# --------------------------------------------------------------------------------------------
# currency
# --------------------------------------------------------------------------------------------


def currency(
    store: Store,
    *,
    table: str,
    time_column: str | None = None,
    extracted_at: str | pd.Timestamp | None = None,
) -> dict[str, Any]:
    """How current a source is: period covered, newest record, lag, days without data.

    Days without data are calendar dates between the first and the newest record on which the
    table has no record (computed from the distinct dates, in the engine). Days on which the
    centre is closed show up too; ``gap_weekdays`` helps tell a closure pattern from a gap.

    Parameters
    ----------
    store : Store
        The processed store (usable rows).
    table : str
        Canonical table name.
    time_column : str, keyword-only
        Event-time column; default the table's event column (:data:`TIME_COLUMNS`).
    extracted_at : str or Timestamp, keyword-only
        When the source was extracted (the manifest's ``extracted_at``); gives the lag
        ``extracted_at - newest record``.

    Returns
    -------
    dict
        ``table, time_column, records, first_record_at, last_record_at, days_spanned,
        days_with_records, days_without_records, gap_dates (ISO list), gap_weekdays (counts by
        day name), extracted_at, lag_days``.
    """
    column = time_column or TIME_COLUMNS[table]
    t = store.table(table)
    t = t.filter(t[column].notnull())
    daily = t.group_by(day=t[column].date()).aggregate(n=t.count()).execute()
    out: dict[str, Any] = {"table": table, "time_column": column, "records": int(daily["n"].sum()) if len(daily) else 0}
    if daily.empty:
        out.update(first_record_at=None, last_record_at=None, days_spanned=0, days_with_records=0,
                   days_without_records=0, gap_dates=[], gap_weekdays={}, extracted_at=extracted_at, lag_days=math.nan)
        return out
    bounds = t.aggregate(first=t[column].min(), last=t[column].max()).execute().iloc[0]
    first, last = pd.Timestamp(bounds["first"]), pd.Timestamp(bounds["last"])
    days = pd.to_datetime(daily["day"]).dt.normalize()
    calendar = pd.date_range(first.normalize(), last.normalize(), freq="D")
    gaps = calendar.difference(pd.DatetimeIndex(days))
    lag = math.nan
    if extracted_at is not None and not pd.isna(extracted_at):
        lag = (pd.Timestamp(extracted_at) - last) / pd.Timedelta(days=1)
    out.update(
        first_record_at=first,
        last_record_at=last,
        days_spanned=len(calendar),
        days_with_records=int(days.nunique()),
        days_without_records=len(gaps),
        gap_dates=[d.date().isoformat() for d in gaps],
        gap_weekdays={k: int(v) for k, v in pd.Series(gaps.day_name()).value_counts().items()},
        extracted_at=None if extracted_at is None else pd.Timestamp(extracted_at),
        lag_days=float(lag),
    )
    return out


# --------------------------------------------------------------------------------------------
# credibility
# --------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _consistency_checks(table: str) -> list[str]:
    """Names of the table's row-level consistency rules (pandera dataframe checks)."""
    model = MODELS.get(table)
    if model is None:
        return []
    return [c.name for c in model.to_schema().checks if getattr(c, "name", None)]


def credibility(summary: Mapping[str, Any], *, table: str, check_file: bool = True) -> dict[str, Any]:
    """How far a source can be believed, from the validate stage's record in summary.json.

    - pass rate = ``rows_usable / rows_in``;
    - duplicate rate = rows failing a check whose name mentions "duplicate" / ``rows_in``;
    - internal consistency = the table's cross-field rules (e.g. "abandoned contacts are not
      answered") that no row failed, out of all such rules;
    - hash: the SHA-256 recorded at collection, compared with the file now when it still exists
      (``"unchanged"``, ``"changed"``, or ``"not checkable"`` for databases and moved files).

    Parameters
    ----------
    summary : Mapping
        summary.json content with ``sources`` and ``validation.failures``.
    table : str
        Canonical table name.
    check_file : bool, keyword-only
        Re-hash the source file when it exists (reads the whole file).

    Returns
    -------
    dict
        ``table, rows_in, rows_usable, pass_rate, duplicate_rows, duplicate_rate, checks_failed,
        rows_failing_checks, consistency_checks, consistency_checks_passed, sha256, file_status``.
    """
    source = next((s for s in summary.get("sources") or [] if s.get("table") == table), {})
    failures = [f for f in (summary.get("validation") or {}).get("failures") or [] if f.get("table") == table]
    rows_in = source.get("rows_in")
    usable = source.get("rows_usable")
    pass_rate = usable / rows_in if rows_in and usable is not None else math.nan
    dup = sum(int(f.get("rows") or 0) for f in failures if "duplicate" in str(f.get("check", "")).lower())
    rules = _consistency_checks(table)
    failed_rules = {str(f.get("check")) for f in failures}
    passed = [r for r in rules if r not in failed_rules]
    sha = source.get("sha256")
    status = "not checkable"
    location = source.get("location")
    if check_file and sha and location and "://" not in str(location):
        path = Path(str(location))
        if path.is_file():
            status = "unchanged" if _sha256(path) == sha else "changed"
    return {
        "table": table,
        "rows_in": rows_in,
        "rows_usable": usable,
        "pass_rate": pass_rate,
        "duplicate_rows": dup,
        "duplicate_rate": dup / rows_in if rows_in else math.nan,
        "checks_failed": len(failures),
        "rows_failing_checks": sum(int(f.get("rows") or 0) for f in failures),
        "consistency_checks": len(rules),
        "consistency_checks_passed": len(passed),
        "consistency_checks_failed": [r for r in rules if r in failed_rules],
        "sha256": sha,
        "file_status": status,
    }


# --------------------------------------------------------------------------------------------
# coverage
# --------------------------------------------------------------------------------------------


def poisson_interval(count: float, *, confidence: float = 0.95) -> tuple[float, float]:
    r"""Exact (Garwood 1936) interval for a Poisson count.

    .. math:: \tfrac12\chi^2_{\alpha/2,\,2x} \le \mu \le \tfrac12\chi^2_{1-\alpha/2,\,2x+2}

    (Garwood 1936, Biometrika 28:437-442; Ulm 1990, Am J Epidemiol 131:373-375).
    """
    a = 1.0 - confidence
    low = 0.0 if count == 0 else float(_st.chi2.ppf(a / 2, 2 * count) / 2)
    high = float(_st.chi2.ppf(1 - a / 2, 2 * count + 2) / 2)
    return low, high






def coverage(store: Store, *, confidence: float = 0.95) -> pd.DataFrame:
    """Share of the contacts each secondary source describes.

    - surveys per answered contact: answered contacts with a survey response / answered contacts
      (Wilson interval, :func:`csperf_lib.methods.stats.wilson_interval`); responses without a contact
      reference are counted in ``note``;
    - QA evaluations per agent: distinct evaluations per agent who answered contacts (agents
      never evaluated count as 0): min / median / max and the number of agents with fewer than 5;
    - complaints per 1,000 contacts: complaints / contacts × 1,000 with the exact Poisson
      (Garwood) interval of the count (:func:`poisson_interval`).

    Returns
    -------
    DataFrame
        ``measure, numerator, denominator, value, low, high, note``.
    """
    rows = []
    if not store.has("contacts"):
        return pd.DataFrame(columns=["measure", "numerator", "denominator", "value", "low", "high", "note"])
    contacts = store.table("contacts")
    n_contacts = int(contacts.count().execute())
    answered = _answered(store)
    n_answered = int(answered.count().execute())
    if store.has("surveys"):
        ids = _responder_ids(store)
        responders = int(answered.semi_join(ids, answered.contact_id == ids._sid).count().execute())
        s = store.table("surveys")
        unlinked = int(s.filter(s.contact_id.isnull()).count().execute())
        low, high = wilson_interval(responders, n_answered, confidence=confidence)
        rows.append({"measure": "surveys per answered contact", "numerator": responders, "denominator": n_answered,
                     "value": responders / n_answered if n_answered else math.nan, "low": low, "high": high,
                     "note": f"{unlinked:,} responses carry no contact reference" if unlinked else ""})
    if store.has("qa_evaluations"):
        q = store.table("qa_evaluations")
        per = q.group_by("agent_id").aggregate(n=q.evaluation_id.nunique()).execute()
        agents = answered.filter(answered.agent_id.notnull()).select("agent_id").distinct().execute()["agent_id"]
        counts = per.set_index("agent_id")["n"].reindex(pd.Index(agents).union(per["agent_id"]), fill_value=0)
        below = int((counts < 5).sum())
        rows.append({"measure": "QA evaluations per agent", "numerator": int(counts.sum()), "denominator": len(counts),
                     "value": float(counts.median()) if len(counts) else math.nan,
                     "low": float(counts.min()) if len(counts) else math.nan,
                     "high": float(counts.max()) if len(counts) else math.nan,
                     "note": f"median (low = min, high = max); {below} of {len(counts)} agents have fewer than 5 evaluations"})
    if store.has("complaints"):
        n_comp = store.count("complaints")
        low, high = poisson_interval(n_comp, confidence=confidence)
        scale = 1000.0 / n_contacts if n_contacts else math.nan
        rows.append({"measure": "complaints per 1,000 contacts", "numerator": n_comp, "denominator": n_contacts,
                     "value": n_comp * scale, "low": low * scale, "high": high * scale,
                     "note": "exact Poisson (Garwood) interval"})
    return pd.DataFrame(rows, columns=["measure", "numerator", "denominator", "value", "low", "high", "note"])


def thin_segments(store: Store, *, min_n: int = THIN_N, segments: tuple[str, ...] = SEGMENTS) -> pd.DataFrame:
    """Segments (channel, queue, team, region) with fewer than ``min_n`` surveys or evaluations.

    Surveys and evaluations are attributed to segments through their ``contact_id`` (joined to
    contacts in the engine). Segments with no survey or evaluation at all are included (n = 0).

    Returns
    -------
    DataFrame
        ``source, segment, value, contacts, n, thin`` for every segment value (sorted, thin first).
        Empty when the review has no contact records.
    """
    if not store.has("contacts"):
        return pd.DataFrame(columns=["source", "segment", "value", "contacts", "n", "thin"])
    contacts = store.table("contacts")
    present = [s for s in segments if s in contacts.columns]
    frames = []
    sources = []
    if store.has("surveys"):
        s = store.table("surveys")
        sources.append(("surveys", s.filter(s.contact_id.notnull()).select(_cid=s.contact_id, _key=s.response_id)))
    if store.has("qa_evaluations"):
        q = store.table("qa_evaluations")
        sources.append(("qa_evaluations", q.filter(q.contact_id.notnull()).select(_cid=q.contact_id, _key=q.evaluation_id).distinct()))
    for seg in present:
        known = contacts.filter(contacts[seg].notnull())
        base = known.group_by(value=known[seg]).aggregate(contacts=known.count()).execute()
        for name, src in sources:
            j = src.join(contacts.select("contact_id", seg), src._cid == contacts.contact_id)
            j = j.filter(j[seg].notnull())
            n = j.group_by(value=j[seg]).aggregate(n=j._key.nunique()).execute()
            m = base.merge(n, on="value", how="left").fillna({"n": 0})
            m["n"] = m["n"].astype(int)
            frames.append(m.assign(source=name, segment=seg))
    if not frames:
        return pd.DataFrame(columns=["source", "segment", "value", "contacts", "n", "thin"])
    out = pd.concat(frames, ignore_index=True)
    out["thin"] = out["n"] < min_n
    out = out[["source", "segment", "value", "contacts", "n", "thin"]]
    return out.sort_values(["thin", "source", "segment", "n"], ascending=[False, True, True, True], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# non-response bias
# --------------------------------------------------------------------------------------------
























# --------------------------------------------------------------------------------------------
# reliability
# --------------------------------------------------------------------------------------------












# --------------------------------------------------------------------------------------------
# method notes
# --------------------------------------------------------------------------------------------


def _num(evidence: Mapping[str, Any], key: str) -> float | None:
    v = evidence.get(key)
    if v is None:
        return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def method_notes(evidence: Mapping[str, Any]) -> pd.DataFrame:
    """Strengths, weaknesses and risks of each monitoring method, written from the data.

    ``evidence`` keys used when present (missing keys give "not measured in this review"):
    ``contacts``, ``answered``, ``days_without_records``, ``responders``, ``response_rate``,
    ``nonresponse_direction``, ``survey_alpha``, ``qa_evaluations``, ``qa_agents``,
    ``qa_agents_below_5``, ``qa_alpha``, ``kappa`` (QA inter-evaluator agreement),
    ``complaints``, ``complaints_per_1000``, ``comments``, ``comment_share``.

    Returns
    -------
    DataFrame
        ``method, used, evidence, strengths, weaknesses, risks``.
    """
    e = evidence
    rows = []

    contacts = _num(e, "contacts")
    gaps = _num(e, "days_without_records")
    rows.append({
        "method": "operational statistics",
        "used": contacts is not None and contacts > 0,
        "evidence": (f"{contacts:,.0f} contacts" + (f", {gaps:.0f} days without records" if gaps is not None else ""))
        if contacts else "not measured in this review",
        "strengths": "Complete census of contacts, objective timestamps, no sampling or response bias"
        + (f" ({contacts:,.0f} contacts)." if contacts else "."),
        "weaknesses": "Shows what happened, not whether the customer was satisfied or the answer was right; agent-recorded fields (first-contact resolution) are self-reported.",
        "risks": "Definitions (answered, abandoned, FCR) vary between systems; gaming of handle time or wrap codes"
        + (f"; {gaps:.0f} calendar days have no records, so check these are closures, not missing extracts." if gaps else "."),
    })

    rr = _num(e, "response_rate")
    resp = _num(e, "responders")
    direction = e.get("nonresponse_direction")
    salpha = _num(e, "survey_alpha")
    bias = {"overstated": "responders had better operational outcomes, so satisfaction is probably overstated",
            "understated": "responders had worse operational outcomes, so satisfaction is probably understated",
            "none": "no sign of non-response bias on what is known",
            "unclear": "responders differ from non-responders in ways with no clear direction"}.get(str(direction), "non-response bias not assessed")
    rows.append({
        "method": "surveys",
        "used": bool(resp),
        "evidence": (f"{resp:,.0f} responses, response rate {rr:.1%}" if resp and rr is not None else "not measured in this review"),
        "strengths": "The customer's own view (CSAT, NPS, effort) tied to a specific contact" + (f"; {resp:,.0f} responses give tight overall estimates." if resp and resp >= 400 else "."),
        "weaknesses": (f"Only {rr:.1%} of answered contacts respond, " if rr is not None else "Response is voluntary, ")
        + "so segment figures rest on small numbers; single questions measure a broad impression"
        + (f"; the score questions agree with standardised alpha {salpha:.2f}." if salpha is not None else "."),
        "risks": f"Non-response bias: {bias}. Survey timing and channel change who answers.",
    })

    nq = _num(e, "qa_evaluations")
    agents = _num(e, "qa_agents")
    below = _num(e, "qa_agents_below_5")
    qalpha = _num(e, "qa_alpha")
    kappa = _num(e, "kappa")
    rows.append({
        "method": "QA evaluations",
        "used": bool(nq),
        "evidence": (f"{nq:,.0f} evaluations" + (f" of {agents:.0f} agents" if agents else "")) if nq else "not measured in this review",
        "strengths": "Judges the quality and compliance of what was said, against a defined scorecard"
        + (f" (scorecard alpha {qalpha:.2f})." if qalpha is not None else "."),
        "weaknesses": "Small, often non-random samples of contacts; evaluators' judgement varies"
        + (f"; {below:.0f} of {agents:.0f} agents have fewer than 5 evaluations, too few to rank them." if below is not None and agents else ".")
        + (f" Inter-evaluator agreement kappa = {kappa:.2f}." if kappa is not None else " Inter-evaluator agreement not measured."),
        "risks": "; ".join(
            ["Selection of easy or notable contacts, evaluator drift and leniency"]
            + ([f"alpha {qalpha:.2f} is low, so a total QA score mixes items that do not move together"] if qalpha is not None and qalpha < 0.7 else [])
            + ([f"kappa {kappa:.2f} is below 0.6, so scores depend on who evaluates"] if kappa is not None and kappa < 0.6 else [])
        ) + ".",
    })

    nc = _num(e, "complaints")
    per = _num(e, "complaints_per_1000")
    rows.append({
        "method": "complaints",
        "used": nc is not None and nc > 0,
        "evidence": (f"{nc:,.0f} complaints" + (f", {per:.1f} per 1,000 contacts" if per is not None else "")) if nc else "not measured in this review",
        "strengths": "Unprompted evidence of serious failure, with the customer's own account; a regulatory record.",
        "weaknesses": "Most dissatisfied customers never complain, so counts understate dissatisfaction"
        + (f"; at {per:.1f} per 1,000 contacts, segment rates rest on few events." if per is not None else "."),
        "risks": "Recording practice (what counts as a complaint) changes the numbers more than service does; trends need stable definitions.",
    })

    ncm = _num(e, "comments")
    share = _num(e, "comment_share")
    rows.append({
        "method": "free-text feedback",
        "used": bool(ncm),
        "evidence": (f"{ncm:,.0f} comments" + (f" ({share:.0%} of responses)" if share is not None else "")) if ncm else "not measured in this review",
        "strengths": "Explains why scores are what they are; surfaces issues no question asked about.",
        "weaknesses": "Commenters are a self-selected subset of responders" + (f" ({share:.0%})" if share is not None else "")
        + "; coding themes is subjective.",
        "risks": "Vivid anecdotes over-weighted; personal data in text must be redacted before use.",
    })
    return pd.DataFrame(rows, columns=["method", "used", "evidence", "strengths", "weaknesses", "risks"])


# --------------------------------------------------------------------------------------------
# bundle
# --------------------------------------------------------------------------------------------


def _extracted(store: Store) -> dict[str, Any]:
    if not store.has("manifest"):
        return {}
    m = store.to_pandas("manifest", columns=["table", "extracted_at"])
    return dict(zip(m["table"], m["extracted_at"], strict=False))


def evaluate_sources(
    store: Store,
    *,
    summary: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
    evidence: Mapping[str, Any] | None = None,
    check_files: bool = True,
) -> SourcesEvaluation:
    """Evaluate every canonical table in the store (currency, credibility, coverage, bias, reliability).

    Parameters
    ----------
    store : Store
        The processed store after validation.
    summary : Mapping, keyword-only
        summary.json content (for credibility); without it credibility is empty.
    alpha : float, keyword-only
        Significance level for the non-response comparisons (after Benjamini-Hochberg).
    evidence : Mapping, keyword-only
        Extra evidence for :func:`method_notes` (e.g. ``kappa`` from the agreement stage).
    check_files : bool, keyword-only
        Re-hash source files to confirm they are unchanged.
    """
    tables = [t for t in TIME_COLUMNS if store.has(t)]
    extracted = _extracted(store)
    cur = pd.DataFrame([currency(store, table=t, extracted_at=extracted.get(t)) for t in tables])
    cred = pd.DataFrame([credibility(summary, table=t, check_file=check_files) for t in tables]) if summary else pd.DataFrame()
    cov = coverage(store)
    thin = thin_segments(store)
    has_contacts, has_surveys = store.has("contacts"), store.has("surveys")
    nr = nonresponse_bias(store, alpha=alpha) if has_surveys and has_contacts else None
    if not has_surveys:
        nr_note = "The review has no survey responses, so there is no survey response rate or non-response bias to assess."
    elif not has_contacts:
        nr_note = ("The review has survey responses but no contact records, so non-responders are unknown: the response "
                   "rate and non-response bias cannot be assessed, and the ratings describe only those who chose to respond.")
    else:
        nr_note = ""
    cov_note = "" if has_contacts else (
        "No contact records were mapped, so the share of contacts each source describes cannot be measured; "
        "each source stands on its own.")
    rel = []
    if store.has("qa_evaluations"):
        rel.append(scorecard_reliability(store))
    srel = survey_reliability(store)
    if srel is not None:
        rel.append(srel)

    ev: dict[str, Any] = {}
    if not cur.empty and "contacts" in tables:
        row = cur.set_index("table").loc["contacts"]
        ev["days_without_records"] = row["days_without_records"]
    ev["contacts"] = store.count("contacts") if has_contacts else 0
    if nr is not None:
        ev.update(answered=nr.overall["answered"], responders=nr.overall["responders"],
                  response_rate=nr.overall["response_rate"], nonresponse_direction=nr.direction)
        s = store.table("surveys")
        if "comment" in s.columns:
            n_s = int(s.count().execute())
            n_c = int(s.filter(s.comment.notnull() & (s.comment.strip() != "")).count().execute())
            ev.update(comments=n_c, comment_share=n_c / n_s if n_s else None)
    for r in rel:
        ev["qa_alpha" if r.name == "QA scorecard" else "survey_alpha"] = r.alpha
    covi = cov.set_index("measure")
    if "QA evaluations per agent" in covi.index:
        q = covi.loc["QA evaluations per agent"]
        ev.update(qa_evaluations=q["numerator"], qa_agents=q["denominator"],
                  qa_agents_below_5=int(str(q["note"]).split(";")[-1].strip().split(" ")[0]))
    if "complaints per 1,000 contacts" in covi.index:
        c = covi.loc["complaints per 1,000 contacts"]
        ev.update(complaints=c["numerator"], complaints_per_1000=c["value"])
    ev.update(evidence or {})
    notes = method_notes(ev)

    findings = _findings(cur, cred, cov, thin, nr, rel)
    findings += [n for n in (cov_note, nr_note) if n]
    return SourcesEvaluation(currency=cur, credibility=cred, coverage=cov, thin_segments=thin, nonresponse=nr,
                             reliability=tuple(rel), method_notes=notes, findings=tuple(findings),
                             nonresponse_note=nr_note, coverage_note=cov_note)



def _findings(cur, cred, cov, thin, nr, rel) -> list[str]:
    out = []
    for r in cur.itertuples():
        r = r._replace(table=TABLE_WORDS.get(r.table, r.table))
        if r.days_without_records:
            out.append(f"{r.table}: {r.days_without_records} of {r.days_spanned} calendar days between the first and newest record have no records"
                       + (f" ({', '.join(f'{v} {k}' for k, v in r.gap_weekdays.items())})" if r.gap_weekdays else "") + ".")
        if not pd.isna(r.lag_days) and r.lag_days > 7:
            out.append(f"{r.table}: the newest record is {r.lag_days:.0f} days older than the extraction.")
        if not pd.isna(r.lag_days) and r.lag_days < 0:
            out.append(f"{r.table}: usable records are dated after the extraction ({-r.lag_days:.1f} days).")
    for r in cred.itertuples() if not cred.empty else []:
        r = r._replace(table=TABLE_WORDS.get(r.table, r.table))
        if r.file_status == "changed":
            out.append(f"{r.table}: the source file has changed since it was collected (SHA-256 differs).")
        if r.duplicate_rows:
            out.append(f"{r.table}: {r.duplicate_rows:,} duplicate rows ({r.duplicate_rate:.2%}) were quarantined.")
        if r.consistency_checks and r.consistency_checks_passed < r.consistency_checks:
            out.append(f"{r.table}: {r.consistency_checks - r.consistency_checks_passed} of {r.consistency_checks} internal consistency rules failed on some rows.")
    for r in cov.itertuples():
        if r.measure == "QA evaluations per agent":
            out.append(f"QA: median {r.value:.0f} evaluations per agent (range {r.low:.0f}-{r.high:.0f}); {r.note.split('; ')[-1]}.")
        elif r.measure == "complaints per 1,000 contacts":
            out.append(f"Complaints: {r.value:.2f} per 1,000 contacts (95 % CI {r.low:.2f}-{r.high:.2f}).")
    if not thin.empty:
        t = thin[thin["thin"]]
        for (src, seg), grp in t.groupby(["source", "segment"], sort=True):
            out.append(f"{TABLE_WORDS.get(src, src)}: {len(grp)} {seg} segment(s) have fewer than {THIN_N} — {', '.join(f'{v} ({n})' for v, n in zip(grp['value'], grp['n'], strict=False))}.")
    if nr is not None:
        out.append(nr.verdict)
    for r in rel:
        out.append(f"{r.name}: {r.note} (n = {r.n:,}, k = {r.k}, 95 % CI {r.low:.2f}-{r.high:.2f}).")
    return out


def summary_entries(ev: SourcesEvaluation) -> dict[str, Any]:
    """The ``sources_evaluation`` entry of summary.json (plain JSON types)."""
    nr = ev.nonresponse
    return {
        "sources_evaluation": to_jsonable({
            "currency": ev.currency,
            "credibility": ev.credibility,
            "coverage": ev.coverage,
            "thin_segments": ev.thin_segments[ev.thin_segments["thin"]] if not ev.thin_segments.empty else ev.thin_segments,
            "nonresponse": None if nr is None else {
                "overall": nr.overall, "by_segment": nr.by_segment, "comparison": nr.comparison,
                "direction": nr.direction, "verdict": nr.verdict, "csat_adjusted": nr.csat_adjusted,
            },
            "reliability": [
                {"name": r.name, "alpha": r.alpha, "low": r.low, "high": r.high, "n": r.n, "k": r.k, "note": r.note, "items": r.items}
                for r in ev.reliability
            ],
            "method_notes": ev.method_notes,
            "findings": list(ev.findings),
            "nonresponse_note": ev.nonresponse_note,
            "coverage_note": ev.coverage_note,
        })
    }


# --- findings -------------------------------------------------------------------------------------
def sources_findings(ev: SourcesEvaluation, *, ledger) -> None:
    """``source_risk`` findings of the source evaluation: days without records, stale or
    future-dated data, changed files, thin segments, material non-response bias and instruments
    too unreliable to trust (Cronbach's alpha below 0.7)."""

    link = [section_link("sources")]
    for r in ev.currency.to_dict(orient="records") if len(ev.currency) else ():
        if r.get("days_without_records"):
            ledger.add(
                "source_risk", dimension="table", segment=r["table"], key={"risk": "days_without_records"},
                estimate=r["days_without_records"], n=r.get("days_spanned"), significant=False, favourable=False,
                attributes={"measure": f"calendar days without {r['table']} records", "unit": "count",
                            "risk": "days_without_records", "days_spanned": r.get("days_spanned")},
                evidence=link,
            )
        lag = r.get("lag_days")
        if lag is not None and not pd.isna(lag) and (lag > 7 or lag < 0):
            ledger.add(
                "source_risk", dimension="table", segment=r["table"], key={"risk": "currency"},
                estimate=lag, comparator=7.0 if lag > 0 else 0.0,
                comparator_label="days allowed between the newest record and the extraction", significant=True,
                direction="up" if lag > 0 else "down", favourable=False,
                attributes={"measure": "days from the newest record to the extraction", "unit": "days", "risk": "currency"},
                evidence=link,
            )
    for r in ev.credibility.to_dict(orient="records") if len(ev.credibility) else ():
        if r.get("file_status") == "changed":
            ledger.add(
                "source_risk", dimension="table", segment=r["table"], key={"risk": "file_changed"}, significant=True,
                favourable=False, attributes={"measure": "source file changed since it was collected (SHA-256 differs)",
                                              "risk": "file_changed", "unit": "count"},
                estimate=1, evidence=link,
            )
    thin = ev.thin_segments
    for r in thin[thin["thin"].astype(bool)].to_dict(orient="records") if len(thin) else ():
        ledger.add(
            "source_risk", dimension=r["segment"], segment=str(r["value"]), key={"risk": "thin", "source": r["source"]},
            estimate=r["n"], comparator=THIN_N, comparator_label="the fewest for a stated estimate", n=r.get("contacts"),
            direction="down", favourable=False, significant=False,
            attributes={"measure": f"{r['source']} behind the segment", "unit": "count", "risk": "thin", "source": r["source"]},
            evidence=link,
        )
    nr = ev.nonresponse
    if nr is not None and len(nr.comparison):
        for r in nr.comparison[nr.comparison["material"].astype(bool)].to_dict(orient="records"):
            ledger.add(
                "source_risk", key={"risk": "nonresponse", "measure": r["measure"]}, estimate=r["responders"],
                comparator=r["nonresponders"], comparator_label="contacts whose customer did not answer the survey",
                n=r["n_responders"], p_value=r["p_value"], q_value=r["p_adjusted"], significant=True,
                direction="up" if r["responders"] > r["nonresponders"] else "down", favourable=None,
                effect_name=str(r["effect_name"]).lower().replace("'", "").replace(" ", "_"), effect_size=r["effect"],
                attributes={"measure": f"{r['measure']} among survey responders", "risk": "nonresponse",
                            "unit": "proportion" if r.get("kind") == "proportion" else "number",
                            "bias": nr.direction},
                evidence=[section_link("nonresponse")],
            )
    for r in ev.reliability:
        if r.alpha is None or pd.isna(r.alpha) or r.alpha >= 0.7:
            continue
        ledger.add(
            "source_risk", key={"risk": "reliability", "instrument": r.name}, estimate=r.alpha, ci_low=r.low,
            ci_high=r.high, n=r.n, comparator=0.7, comparator_label="the usual minimum for a reliable instrument",
            direction="down", favourable=False, significant=True, effect_name="cronbach_alpha", effect_size=r.alpha,
            attributes={"measure": f"Cronbach's alpha of the {r.name}", "unit": "ratio", "risk": "reliability", "items": r.k},
            evidence=[section_link("reliability")],
        )
