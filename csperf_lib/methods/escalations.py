"""Escalations and high-risk cases: who escalates, about what, how fast they close, whether they recur.

Public API:

- :func:`escalation_rates` — escalation rate by team, queue and agent, each segment against the rest.
- :func:`escalation_themes` — codebook themes among comments on escalated contacts versus the rest.
- :func:`recurrence` — complaints following an escalated contact versus a non-escalated one.
- :func:`resolution_times` — complaints about escalated contacts resolved within target.
- :func:`load_markers`, :func:`flag_high_risk` — configurable high-risk markers in free text.
- :func:`escalation_review`, :func:`summary_entries` — everything above bundled, and its
  summary.json entry (``escalations``).

Formulas and sources
--------------------
* Rate :math:`\\hat p = x/n` with the Wilson (1927) score interval
  (:func:`csperf_lib.methods.stats.wilson_interval`).
* Segment versus rest (and escalated versus other contacts): two-proportion z-test with pooled
  variance, :math:`z = (\\hat p_1 - \\hat p_2) / \\sqrt{\\bar p(1-\\bar p)(1/n_1 + 1/n_2)}`; when
  any expected cell count of the 2x2 table is below 5 the test is Fisher's exact test instead
  (scipy ``fisher_exact``, two-sided), so a small segment's p-value is not over-confident.
* Multiple comparisons: Benjamini & Hochberg (1995) false discovery rate over every comparison of a
  table (:func:`csperf_lib.methods.compare.benjamini_hochberg`).
* Effect size: Cohen's h = 2 asin √p₁ − 2 asin √p₂ and the rate ratio p₁/p₂.

Escalation counts are aggregated in the store's engine (an Ibis group-by); only one row per segment
comes back. Complaints (small tables) are read whole.

What the canonical data cannot show
-----------------------------------
Contacts carry no customer identifier, so *repeat contacts by the same customer* after an
escalation cannot be traced; recurrence is measured only through complaints (a complaint about the
contact itself, and a further complaint by the same customer, where ``complaints.contact_id`` and
``complaints.customer_id`` link them). Contacts carry no resolution time either, so time to resolve
is judged only for complaints linked to a contact.

High-risk markers
-----------------
A marker (``csperf_lib/data/high_risk_markers.yaml``) is a set of whole-word, case-insensitive
keywords, phrases and regular expressions (the codebook's syntax, :func:`csperf_lib.methods.text.compile_terms`)
with exclusions blanked out first. Simple negation: a match with a negation word (*not, no, never,
without, nor, none, cannot*, or a word ending in *n't*) among the three words before it, within the
same clause (commas, full stops and other clause punctuation end the look-back), does not count —
"I am not vulnerable", "no legal action is needed". Markers where a negated mention must still be
seen (suicide, abuse, threats) set ``negation: false``. Markers run on redacted text, and a flagged
case shows only the marker's label and reason and the redacted, truncated text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.errors import ConfigError
from csperf_lib.core.findings import finding_dimension
from csperf_lib.core.formatting import format_p
from csperf_lib.core.sections import section_link
from csperf_lib.core.settings import section_settings
from csperf_lib.ingest.store import has_values
from csperf_lib.methods.compare import benjamini_hochberg, compare_proportions
from csperf_lib.methods.complaints import ComplaintTargets, timeliness
from csperf_lib.methods.markers import SEVERITIES, Markers, load_markers
from csperf_lib.methods.privacy import pseudonymise_series
from csperf_lib.methods.stats import cohens_h, wilson_interval
from csperf_lib.methods.text import (
    code_texts,
    codebook_from_config,
    load_codebook,
    prepare_texts,
)

DIMENSIONS = ("team", "queue", "agent_id")
TEXT_CHARS = 300
_RATE_COLUMNS = [
    "dimension", "segment", "n", "escalated", "rate", "ci_low", "ci_high", "rest_n", "rest_escalated",
    "rest_rate", "difference", "ratio", "cohens_h", "test", "p", "p_adjusted", "significant", "finding",
]


# --- shared statistics --------------------------------------------------------------------------
def _compare(x1: float, n1: float, x2: float, n2: float) -> tuple[str, float]:
    """(test, two-sided p) of :func:`csperf_lib.methods.compare.compare_proportions`."""
    result = compare_proportions(x1, n1, x2, n2)
    return result.test, result.p


# --- escalation rates ---------------------------------------------------------------------------
def escalation_rates(
    store,
    *,
    by: Sequence[str] = DIMENSIONS,
    alpha: float = 0.05,
    pseudonym_key: bytes | str | None = None,
) -> pd.DataFrame:
    """Escalation rate per segment with Wilson intervals, each segment tested against the rest.

    Parameters
    ----------
    store : Store
        The processed store; reads ``contacts`` (``escalated`` and the ``by`` columns) in its engine.
    by : sequence of str, keyword-only
        Segment dimensions (default team, queue, agent_id); absent or empty columns are skipped.
    alpha : float, keyword-only
        False discovery rate (Benjamini-Hochberg) over every segment of every dimension.
    pseudonym_key : bytes or str, optional, keyword-only
        When given, ``agent_id`` segments are shown as keyed pseudonyms
        (:func:`csperf_lib.methods.privacy.pseudonymise_series`); otherwise as recorded, like other stages.

    Returns
    -------
    DataFrame
        One row per dimension and segment (contacts with a recorded ``escalated`` flag and a
        recorded segment): ``dimension, segment, n, escalated, rate, ci_low, ci_high, rest_n,
        rest_escalated, rest_rate, difference, ratio, cohens_h, test, p, p_adjusted, significant,
        finding``. ``rest`` = the other segments of the same dimension. ``finding`` is a sentence
        for significant rows, else empty. Empty (with those columns) when no contact carries the flag.
    """
    contacts = store.table("contacts")
    if not has_values(contacts, "escalated"):
        return pd.DataFrame(columns=_RATE_COLUMNS)
    flagged = contacts.filter(contacts.escalated.notnull())
    parts = []
    for dim in by:
        if dim not in contacts.columns:
            continue
        keyed = flagged.filter(flagged[dim].notnull())
        grouped = (
            keyed.group_by(dim)
            .aggregate(n=keyed.count(), escalated=keyed.escalated.cast("int64").sum())
            .execute()
        )
        if grouped.empty:
            continue
        grouped = grouped.rename(columns={dim: "segment"})
        if dim == "agent_id" and pseudonym_key is not None:
            grouped["segment"] = pseudonymise_series(grouped["segment"].astype("string"), key=pseudonym_key)
        grouped.insert(0, "dimension", dim)
        parts.append(grouped)
    if not parts:
        return pd.DataFrame(columns=_RATE_COLUMNS)
    frame = pd.concat(parts, ignore_index=True)
    frame["segment"] = frame["segment"].astype(str)
    frame["n"] = frame["n"].astype(int)
    frame["escalated"] = frame["escalated"].fillna(0).astype(int)
    totals = frame.groupby("dimension")[["n", "escalated"]].transform("sum")
    frame["rest_n"] = totals["n"] - frame["n"]
    frame["rest_escalated"] = totals["escalated"] - frame["escalated"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["rate"] = frame["escalated"] / frame["n"]
        frame["rest_rate"] = frame["rest_escalated"] / frame["rest_n"].where(frame["rest_n"] > 0)
        frame["ratio"] = frame["rate"] / frame["rest_rate"].where(frame["rest_rate"] > 0)
    frame["ci_low"], frame["ci_high"] = wilson_interval(frame["escalated"].to_numpy(), frame["n"].to_numpy())
    frame["difference"] = frame["rate"] - frame["rest_rate"]
    frame["cohens_h"] = cohens_h(frame["rate"], frame["rest_rate"])
    tests = [_compare(r.escalated, r.n, r.rest_escalated, r.rest_n) for r in frame.itertuples()]
    frame["test"] = [t for t, _ in tests]
    frame["p"] = [p for _, p in tests]
    frame["p_adjusted"], frame["significant"] = benjamini_hochberg(frame["p"], alpha=alpha)
    comparisons = int(frame["p"].notna().sum())
    frame["finding"] = [_rate_sentence(r, comparisons) if r.significant else "" for r in frame.itertuples()]
    frame = frame.sort_values(["dimension", "segment"], key=lambda s: s.map(_dim_order) if s.name == "dimension" else s)
    return frame[_RATE_COLUMNS].reset_index(drop=True)


def _dim_order(dim: str) -> int:
    return DIMENSIONS.index(dim) if dim in DIMENSIONS else len(DIMENSIONS)


def _rate_sentence(r, comparisons: int) -> str:
    times = f", {r.ratio:.1f} times" if np.isfinite(r.ratio) and r.ratio > 1 else ""
    return (
        f"{r.dimension} '{r.segment}' escalates {r.rate:.1%} of contacts (95 % CI {r.ci_low:.1%}–{r.ci_high:.1%}, "
        f"n = {r.n:,}), {'more' if r.difference > 0 else 'less'} than the rest ({r.rest_rate:.1%}, "
        f"n = {r.rest_n:,}{times}); significant after correcting for {comparisons} comparisons "
        f"({r.test}, {format_p(r.p_adjusted, adjusted=True)})."
    )


# --- themes of escalated contacts ---------------------------------------------------------------
def escalation_themes(comments: pd.DataFrame, *, codebook, alpha: float = 0.05) -> pd.DataFrame:
    """Codebook themes among comments on escalated contacts versus comments on other contacts.

    Parameters
    ----------
    comments : DataFrame
        ``text`` (redacted, see :func:`csperf_lib.methods.text.prepare_texts`) and ``escalated`` (the
        contact's flag, joined from contacts). Rows missing either are left out. Not mutated. When
        it already holds a boolean column per codebook theme (the qualitative review's coding),
        those are used instead of coding the texts again.
    codebook : Codebook, keyword-only
        The themes (:func:`csperf_lib.methods.text.load_codebook`).
    alpha : float, keyword-only
        False discovery rate over the themes.

    Returns
    -------
    DataFrame
        One row per theme: ``theme, label, n_escalated, count_escalated, share_escalated,
        ci_low_escalated, ci_high_escalated, n_other, count_other, share_other, ci_low_other,
        ci_high_other, difference, ratio, test, p, p_adjusted, significant, finding`` (shares are
        proportions 0-1 of comments in each group).
    """
    names = [t.name for t in codebook.themes]
    already = all(n in comments.columns for n in names)  # coded by the qualitative review: not coded twice
    data = comments[["text", "escalated", *(names if already else [])]].dropna(subset=["text", "escalated"])
    data = data[data["text"].astype(str).str.strip().ne("")]
    esc = data["escalated"].astype(bool).to_numpy()
    coded = data[names].astype(bool) if already else code_texts(data["text"].astype("string"), codebook=codebook)
    n1, n0 = int(esc.sum()), int((~esc).sum())
    rows = []
    for theme in codebook.themes:
        hits = coded[theme.name].to_numpy()
        x1, x0 = int(hits[esc].sum()), int(hits[~esc].sum())
        test, p = _compare(x1, n1, x0, n0) if x1 + x0 > 0 else ("", np.nan)
        rows.append({"theme": theme.name, "label": theme.label, "n_escalated": n1, "count_escalated": x1,
                     "n_other": n0, "count_other": x0, "test": test, "p": p})
    frame = pd.DataFrame(rows, columns=["theme", "label", "n_escalated", "count_escalated", "n_other", "count_other", "test", "p"])
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["share_escalated"] = frame["count_escalated"] / frame["n_escalated"].where(frame["n_escalated"] > 0)
        frame["share_other"] = frame["count_other"] / frame["n_other"].where(frame["n_other"] > 0)
        frame["ratio"] = frame["share_escalated"] / frame["share_other"].where(frame["share_other"] > 0)
    frame["ci_low_escalated"], frame["ci_high_escalated"] = wilson_interval(frame["count_escalated"].to_numpy(), frame["n_escalated"].to_numpy())
    frame["ci_low_other"], frame["ci_high_other"] = wilson_interval(frame["count_other"].to_numpy(), frame["n_other"].to_numpy())
    frame["difference"] = frame["share_escalated"] - frame["share_other"]
    frame["p_adjusted"], frame["significant"] = benjamini_hochberg(frame["p"].astype(float), alpha=alpha)
    frame["finding"] = [
        f"{r.label} is mentioned in {r.share_escalated:.1%} of comments on escalated contacts "
        f"(n = {r.n_escalated:,}) against {r.share_other:.1%} on other contacts (n = {r.n_other:,}); "
        f"significant after correcting for {int(frame['p'].notna().sum())} themes ({r.test}, {format_p(r.p_adjusted, adjusted=True)})."
        if r.significant else ""
        for r in frame.itertuples()
    ]
    return frame[[
        "theme", "label", "n_escalated", "count_escalated", "share_escalated", "ci_low_escalated", "ci_high_escalated",
        "n_other", "count_other", "share_other", "ci_low_other", "ci_high_other", "difference", "ratio", "test", "p",
        "p_adjusted", "significant", "finding",
    ]]


def comments_with_escalation(store) -> pd.DataFrame:
    """Survey comments (prepared: redacted) joined to their contact's ``escalated`` flag, in the engine.

    Returns a DataFrame ``contact_id, text, escalated`` of comments whose contact carries a flag
    (empty when surveys, comments or the flag are missing).
    """
    empty = pd.DataFrame({"contact_id": pd.Series(dtype="string"), "text": pd.Series(dtype="string"),
                          "escalated": pd.Series(dtype="boolean")})
    if not (store.has("surveys") and store.has("contacts")):
        return empty
    surveys, contacts = store.table("surveys"), store.table("contacts")
    if "comment" not in surveys.columns or "contact_id" not in surveys.columns or not has_values(contacts, "escalated"):
        return empty
    s = surveys.filter(surveys.comment.notnull() & surveys.contact_id.notnull()).select("contact_id", "comment")
    c = contacts.filter(contacts.escalated.notnull()).select("contact_id", "escalated")
    frame = s.join(c, "contact_id").execute()
    return pd.DataFrame({"contact_id": frame["contact_id"].astype("string"),
                         "text": prepare_texts(frame["comment"]),
                         "escalated": frame["escalated"].astype("boolean")}).dropna(subset=["text"])


# --- recurrence ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recurrence:
    """Complaints following escalated versus non-escalated contacts.

    Attributes
    ----------
    table : DataFrame
        One row per measure: ``measure, description, n_escalated, count_escalated, rate_escalated,
        ci_low_escalated, ci_high_escalated, n_other, count_other, rate_other, ci_low_other,
        ci_high_other, difference, ratio, test, p, p_adjusted, significant, finding``.
    window_days : int
        Follow-up window in days after the contact's arrival.
    notes : tuple of str
        What could not be measured and why.
    """

    table: pd.DataFrame
    window_days: int
    notes: tuple[str, ...] = ()


_MEASURES = {
    "complaint_after_contact": "contacts followed within {w} days by a complaint that names the contact",
    "repeat_complaint": ("contacts whose customer (known from a complaint about the contact) made a further "
                         "complaint within {w} days of the contact"),
}


def recurrence(store, *, window_days: int = 30, alpha: float = 0.05) -> Recurrence:
    """Share of escalated contacts followed by a complaint, against non-escalated contacts.

    Two measures, computed in the engine:

    * ``complaint_after_contact`` — of all contacts with a recorded flag, the share named by a
      complaint (``complaints.contact_id``) received within ``window_days`` after the contact
      arrived (at or after arrival, at most ``window_days`` later);
    * ``repeat_complaint`` — of contacts named by a complaint carrying a ``customer_id`` (the only
      way a contact's customer is known), the share whose customer made *another* complaint (not
      naming this contact) within ``window_days`` after the contact arrived.

    Parameters
    ----------
    store : Store
    window_days : int, keyword-only
        Follow-up window, default 30 days.
    alpha : float, keyword-only
        False discovery rate over the measures.

    Returns
    -------
    Recurrence
        Rates with Wilson intervals per group, the difference test and notes on what cannot be
        measured (repeat contacts by the same customer: contacts carry no customer identifier).
    """
    window_days = int(window_days)
    if window_days <= 0:
        raise ValueError(f"window_days must be positive, got {window_days}")
    notes = ["Contacts carry no customer identifier, so repeat contacts by the same customer after an "
             "escalation cannot be traced; recurrence is measured through complaints only."]
    empty = Recurrence(pd.DataFrame(columns=_recurrence_columns()), window_days, ())
    if not store.has("contacts"):
        return empty
    contacts = store.table("contacts")
    if not has_values(contacts, "escalated"):
        return Recurrence(empty.table, window_days, ("Contacts carry no escalation flag, so recurrence after an escalation cannot be measured.",))
    if not store.has("complaints") or not has_values(store.table("complaints"), "contact_id"):
        notes.append("No complaint names a contact (complaints.contact_id), so complaints cannot be linked to escalations.")
        return Recurrence(empty.table, window_days, tuple(notes))
    complaints = store.table("complaints")
    c = contacts.filter(contacts.escalated.notnull() & contacts.arrived_at.notnull()).select(
        cid="contact_id", esc="escalated", at="arrived_at")
    window = np.timedelta64(window_days, "D")
    k = complaints.filter(complaints.contact_id.notnull() & complaints.received_at.notnull())
    rows = []
    # measure 1: complaint naming the contact within the window
    kk = k.select(kid="contact_id", rec="received_at")
    hit = c.join(kk, (c.cid == kk.kid) & (kk.rec >= c.at) & (kk.rec <= c.at + window)).select("cid").distinct()
    h = hit.select(hid="cid")
    flagged = c.left_join(h, c.cid == h.hid).mutate(hit=lambda t: t.hid.notnull().cast("int64"))
    rows.append(_recurrence_row("complaint_after_contact", flagged, window_days))
    # measure 2: a further complaint by the same customer
    if "customer_id" in complaints.columns and has_values(complaints, "customer_id"):
        owners = k.filter(k.customer_id.notnull()).select(oid="contact_id", cust="customer_id").distinct()
        known = c.join(owners, c.cid == owners.oid).select("cid", "esc", "at", "cust")
        others = complaints.filter(complaints.customer_id.notnull() & complaints.received_at.notnull()).select(
            cust2="customer_id", rec2="received_at", about=complaints.contact_id)
        again = known.join(
            others,
            (known.cust == others.cust2) & (others.rec2 >= known.at) & (others.rec2 <= known.at + window)
            & (others.about.isnull() | (others.about != known.cid)),
        ).select(hid="cid").distinct()
        flagged2 = known.left_join(again, known.cid == again.hid).mutate(hit=lambda t: t.hid.notnull().cast("int64"))
        rows.append(_recurrence_row("repeat_complaint", flagged2, window_days))
    else:
        notes.append("Complaints carry no customer identifier, so repeat complaints by the same customer cannot be traced.")
    table = pd.DataFrame(rows)
    table["p_adjusted"], table["significant"] = benjamini_hochberg(table["p"].astype(float), alpha=alpha)
    table["finding"] = [_recurrence_sentence(r, window_days) if r.significant else "" for r in table.itertuples()]
    return Recurrence(table[_recurrence_columns()], window_days, tuple(notes))


def _recurrence_columns() -> list[str]:
    return [
        "measure", "description", "n_escalated", "count_escalated", "rate_escalated", "ci_low_escalated",
        "ci_high_escalated", "n_other", "count_other", "rate_other", "ci_low_other", "ci_high_other",
        "difference", "ratio", "test", "p", "p_adjusted", "significant", "finding",
    ]


def _recurrence_row(measure: str, flagged, window_days: int) -> dict:
    agg = flagged.group_by("esc").aggregate(n=flagged.count(), x=flagged.hit.sum()).execute()
    by = {bool(r.esc): (int(r.n), int(r.x or 0)) for r in agg.itertuples()}
    n1, x1 = by.get(True, (0, 0))
    n0, x0 = by.get(False, (0, 0))
    lo1, hi1 = wilson_interval(x1, n1)
    lo0, hi0 = wilson_interval(x0, n0)
    r1 = x1 / n1 if n1 else np.nan
    r0 = x0 / n0 if n0 else np.nan
    test, p = _compare(x1, n1, x0, n0) if x1 + x0 > 0 else ("", np.nan)
    return {
        "measure": measure, "description": _MEASURES[measure].format(w=window_days),
        "n_escalated": n1, "count_escalated": x1, "rate_escalated": r1, "ci_low_escalated": lo1, "ci_high_escalated": hi1,
        "n_other": n0, "count_other": x0, "rate_other": r0, "ci_low_other": lo0, "ci_high_other": hi0,
        "difference": r1 - r0, "ratio": r1 / r0 if r0 and np.isfinite(r0) and r0 > 0 else np.nan, "test": test, "p": p,
    }


def _recurrence_sentence(r, window_days: int) -> str:
    return (
        f"{r.rate_escalated:.1%} of escalated contacts (n = {r.n_escalated:,}) were followed within {window_days} days by "
        f"{'a complaint about the contact' if r.measure == 'complaint_after_contact' else 'a further complaint by the same customer'}, "
        f"against {r.rate_other:.1%} of other contacts (n = {r.n_other:,}); {r.test}, {format_p(r.p_adjusted, adjusted=True)}."
    )


# --- time to resolve ------------------------------------------------------------------------------
def resolution_times(store, *, targets=None, as_of=None) -> pd.DataFrame:
    """Complaints about escalated versus other contacts: share resolved within target.

    Complaints are linked to contacts by ``complaints.contact_id``; timeliness is
    :func:`csperf_lib.methods.complaints.timeliness` (Wilson intervals, open-overdue counted as breaches)
    split by ``contact_escalated`` ("escalated" / "not escalated"). Contacts themselves carry no
    resolution time, so only complaints can be judged. Empty when nothing links.
    """

    if not (store.has("complaints") and store.has("contacts")):
        return pd.DataFrame()
    complaints, contacts = store.table("complaints"), store.table("contacts")
    if not has_values(complaints, "contact_id") or not has_values(contacts, "escalated"):
        return pd.DataFrame()
    c = contacts.filter(contacts.escalated.notnull()).select(cid="contact_id", esc="escalated")
    cols = [x for x in ("complaint_id", "received_at", "acknowledged_at", "resolved_at", "contact_id") if x in complaints.columns]
    frame = complaints.select(*cols).join(c, complaints.contact_id == c.cid).execute()
    if frame.empty:
        return pd.DataFrame()
    frame["contact_escalated"] = np.where(frame["esc"].astype(bool), "escalated", "not escalated")
    result = timeliness(frame, targets=targets or ComplaintTargets(), by="contact_escalated", as_of=as_of)
    return result[result["measure"] == "resolve"].reset_index(drop=True) if "measure" in result else result


# --- high-risk markers ----------------------------------------------------------------------------














def recurrence_window_days(config=None) -> int:
    """Days after an escalation within which a complaint counts as a recurrence (the typed
    ``escalations.recurrence_window_days``, default 30)."""
    return int(section_settings(config, "escalations", bare=True)[1].recurrence_window_days or 30)


_FLAG_COLUMNS = ["id", "categories", "markers", "reasons", "severity", "text"]


def flag_high_risk(
    texts: pd.Series, *, markers: Markers, ids: pd.Series | None = None, max_chars: int = TEXT_CHARS,
    prepared: bool = False,
) -> pd.DataFrame:
    """Free texts carrying a high-risk marker, one row per flagged text.

    Parameters
    ----------
    texts : Series
        Free texts (raw or already redacted; they are redacted here unless ``prepared``). Not mutated.
    markers : Markers, keyword-only
        From :func:`load_markers`.
    ids : Series, optional, keyword-only
        Case identifiers aligned with ``texts`` (same length, positional); default the index.
    max_chars : int, keyword-only
        Redacted text is cut to this many characters (an ellipsis marks the cut).
    prepared : bool, keyword-only
        The texts already went through :func:`csperf_lib.methods.text.prepare_texts` (the qualitative
        review's redacted texts): they are not prepared again.

    Returns
    -------
    DataFrame
        ``id, categories, markers, reasons, severity, text``: categories and marker names joined
        with ``"; "`` (report order), ``reasons`` as ``"label: reason"`` per marker, the highest
        severity, and the redacted, truncated text. Personal data never appears in the reasons:
        they are the markers' own words.
    """
    if ids is not None and len(ids) != len(texts):
        raise ValueError(f"ids has {len(ids)} values but texts has {len(texts)}")
    id_values = list(ids) if ids is not None else list(texts.index)
    ready = texts.astype("string") if prepared else prepare_texts(texts)
    codes, uniques = pd.factorize(ready, use_na_sentinel=True)
    hits = [[m for m in markers.markers if m.matches(u)] for u in uniques]
    rows = []
    for i, code in enumerate(codes):
        if code < 0 or not hits[code]:
            continue
        found = hits[code]
        text = str(uniques[code])
        rows.append({
            "id": id_values[i],
            "categories": "; ".join(dict.fromkeys(m.category for m in found)),
            "markers": "; ".join(m.name for m in found),
            "reasons": "; ".join(f"{m.label}: {m.reason}" for m in found),
            "severity": min((m.severity for m in found), key=SEVERITIES.index),
            "text": text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…",
        })
    return pd.DataFrame(rows, columns=_FLAG_COLUMNS)


def marker_hits(texts: pd.Series, *, markers: Markers) -> pd.DataFrame:
    """Boolean frame, indexed like ``texts``, one column per marker category (for measuring rates)."""
    prepared = prepare_texts(texts)
    codes, uniques = pd.factorize(prepared, use_na_sentinel=True)
    out = {}
    for cat in markers.categories:
        members = [m for m in markers.markers if m.category == cat]
        hit = np.array([any(m.matches(u) for m in members) for u in uniques], dtype=bool)
        col = np.zeros(len(texts), dtype=bool)
        col[codes >= 0] = hit[codes[codes >= 0]]
        out[cat] = col
    frame = pd.DataFrame(out, index=texts.index)
    frame["any"] = frame.any(axis=1) if out else False
    return frame


# --- review ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EscalationReview:
    """Everything the escalations section of the report shows.

    Attributes
    ----------
    overall : dict
        ``n``, ``escalated``, ``rate``, ``ci_low``, ``ci_high`` over contacts with a flag (empty
        when no contact carries one).
    rates : DataFrame
        :func:`escalation_rates`.
    themes : DataFrame
        :func:`escalation_themes` over survey comments (empty when there are none).
    recurrence : Recurrence
    resolution : DataFrame
        :func:`resolution_times`.
    high_risk : DataFrame
        :func:`flag_high_risk` over complaint texts and survey comments, with a ``source`` column
        (``complaints`` / ``surveys``) first.
    markers : Markers
    findings : tuple of str
        Significant findings, in plain sentences.
    recommendation_evidence : tuple of dict
        Evidence for the recommendations rule set: ``pattern`` (``escalation_outlier`` — a team
        or queue escalating far more than the rest; ``repeated_escalation_cause`` — a theme over-
        represented among escalated contacts or complaints recurring after escalations), with
        ``dimension``, ``segment``/``theme``, rates and adjusted p.
    notes : tuple of str
        What could not be analysed and why.
    """

    overall: dict
    rates: pd.DataFrame
    themes: pd.DataFrame
    recurrence: Recurrence
    resolution: pd.DataFrame
    high_risk: pd.DataFrame
    markers: Markers
    findings: tuple[str, ...] = ()
    recommendation_evidence: tuple[dict, ...] = ()
    notes: tuple[str, ...] = ()


def _resolution(store: Any, *, config: Any, notes: list[str]) -> pd.DataFrame:
    """Time to resolve escalated cases, from the complaints that name a contact."""
    try:
        targets = ComplaintTargets.from_config(config) if config is not None else ComplaintTargets()
    except ConfigError:
        targets = ComplaintTargets()
    resolution = resolution_times(store, targets=targets)
    if resolution.empty:
        notes.append("No complaint names a contact, so time to resolve escalated cases cannot be judged "
                     "(contacts carry no resolution time).")
    return resolution


def _overall_rate(contacts: Any) -> dict[str, Any]:
    """Share of contacts escalated (of those with the flag recorded), with its Wilson interval."""
    f = contacts.filter(contacts.escalated.notnull())
    agg = f.aggregate(n=f.count(), x=f.escalated.cast("int64").sum()).execute().iloc[0]
    n, x = int(agg["n"]), int(agg["x"] or 0)
    lo, hi = wilson_interval(x, n)
    return {"n": n, "escalated": x, "rate": x / n if n else None, "ci_low": float(lo), "ci_high": float(hi)}


def _high_risk(store: Any, *, given: Mapping[str, pd.DataFrame], markers: Any) -> pd.DataFrame:
    """Complaints and survey comments carrying a high-risk marker (texts given already redacted, or
    read from the store)."""
    flags = []
    if "complaints" in given:
        k = given["complaints"]
        flags.append(flag_high_risk(k["text"], markers=markers, ids=k["complaint_id"], prepared=True).assign(source="complaints"))
    elif store.has("complaints") and "text" in store.table("complaints").columns:
        k = store.to_pandas("complaints", columns=["complaint_id", "text"])
        flags.append(flag_high_risk(k["text"], markers=markers, ids=k["complaint_id"]).assign(source="complaints"))
    if "comments" in given:
        c = given["comments"]
        flags.append(flag_high_risk(c["text"], markers=markers, ids=c["response_id"], prepared=True).assign(source="surveys"))
    elif store.has("surveys") and "comment" in store.table("surveys").columns:
        s = store.table("surveys")
        s = s.filter(s.comment.notnull()).select("response_id", "comment").execute()
        flags.append(flag_high_risk(s["comment"], markers=markers, ids=s["response_id"]).assign(source="surveys"))
    flags = [f for f in flags if len(f)]
    high_risk = (pd.concat(flags, ignore_index=True) if flags else pd.DataFrame(columns=[*_FLAG_COLUMNS, "source"]))
    high_risk = high_risk[["source", *_FLAG_COLUMNS]]
    return high_risk


def escalation_review(
    store, *, config=None, pseudonym_key: bytes | str | None = None, alpha: float = 0.05,
    codebook=None, outlier_ratio: float = 1.5, texts: Mapping[str, pd.DataFrame] | None = None,
) -> EscalationReview:
    """Escalation rates, themes, recurrence, resolution times and high-risk flags in one bundle.

    Parameters
    ----------
    store : Store
    config : ReviewConfig or mapping, optional, keyword-only
        Reads ``escalations`` (markers, ``recurrence_window_days``, default 30), ``text`` (the
        codebook) and ``complaints`` (resolution target).
    pseudonym_key : bytes or str, optional, keyword-only
        Pseudonymise agent segments (see :func:`escalation_rates`).
    alpha : float, keyword-only
        False discovery rate of every table.
    codebook : Codebook, optional, keyword-only
        Themes for escalated comments; default the review's codebook.
    outlier_ratio : float, keyword-only
        A significant team or queue escalating at least this many times the rest's rate is passed
        to the recommendations as an ``escalation_outlier`` (default 1.5).
    texts : mapping, optional, keyword-only
        The free texts the qualitative review already read, redacted and coded
        (:func:`csperf_lib.stages.qualitative.prepared_texts`): ``comments`` (``response_id, text,
        escalated`` and a column per codebook theme) and ``complaints`` (``complaint_id, text``).
        Given, they are used as they are instead of reading, redacting and coding the texts again.
    """

    markers = load_markers(config)
    window = recurrence_window_days(config)
    notes: list[str] = []
    findings: list[str] = []
    evidence: list[dict] = []
    contacts = store.table("contacts") if store.has("contacts") else None
    overall: dict = {}
    if contacts is None:
        notes.append("The review has no contact records, so escalation rates cannot be analysed; "
                     "high-risk markers are still looked for in the free text.")
    elif has_values(contacts, "escalated"):
        overall = _overall_rate(contacts)
    else:
        notes.append("Contacts carry no escalation flag, so escalations cannot be analysed.")
    rates = escalation_rates(store, alpha=alpha, pseudonym_key=pseudonym_key) if contacts is not None else pd.DataFrame(
        columns=["dimension", "segment", "significant", "finding"])
    for r in rates[rates["significant"]].itertuples():
        findings.append(r.finding)
        if r.dimension in ("team", "queue") and r.difference > 0 and np.isfinite(r.ratio) and r.ratio >= outlier_ratio:
            evidence.append({"pattern": "escalation_outlier", "dimension": r.dimension, "segment": r.segment,
                             "rate": float(r.rate), "ci_low": float(r.ci_low), "ci_high": float(r.ci_high),
                             "rest_rate": float(r.rest_rate), "ratio": float(r.ratio), "n": int(r.n),
                             "p_adjusted": float(r.p_adjusted)})
    if overall and not rates.empty and not rates["significant"].any():
        notes.append("No team, queue or agent escalates significantly more or less than the rest.")

    themes = pd.DataFrame()
    given = dict(texts or {})
    if not overall:
        comments = pd.DataFrame()
    elif "comments" in given:
        comments = given["comments"]
        comments = comments[comments["escalated"].notna()] if "escalated" in comments else comments.iloc[0:0]
    else:
        comments = comments_with_escalation(store)
    if len(comments) and comments["escalated"].any():
        if codebook is None:
            codebook = codebook_from_config(config) if hasattr(config, "raw") else load_codebook()
        themes = escalation_themes(comments, codebook=codebook, alpha=alpha)
        for r in themes[themes["significant"] & (themes["difference"] > 0)].itertuples():
            findings.append(r.finding)
            evidence.append({"pattern": "repeated_escalation_cause", "theme": r.theme, "label": r.label,
                             "share_escalated": float(r.share_escalated), "share_other": float(r.share_other),
                             "n_escalated": int(r.n_escalated), "p_adjusted": float(r.p_adjusted)})
    elif overall:
        notes.append("No survey comments on escalated contacts, so what escalations are about cannot be coded.")

    rec = recurrence(store, window_days=window, alpha=alpha)
    if contacts is not None:
        notes.extend(n for n in rec.notes if n not in notes)
    for r in rec.table[rec.table["significant"] & (rec.table["difference"] > 0)].itertuples() if len(rec.table) else ():
        findings.append(r.finding)
        evidence.append({"pattern": "repeated_escalation_cause", "measure": r.measure,
                         "rate_escalated": float(r.rate_escalated), "rate_other": float(r.rate_other),
                         "n_escalated": int(r.n_escalated), "p_adjusted": float(r.p_adjusted)})

    resolution = _resolution(store, config=config, notes=notes) if overall else pd.DataFrame()

    high_risk = _high_risk(store, given=given, markers=markers)
    if len(high_risk):
        findings.append(f"{len(high_risk):,} complaint(s) or comment(s) carry a high-risk marker and need immediate "
                        f"attention ({', '.join(f'{k.replace(chr(95), chr(32))}: {v}' for k, v in _category_counts(high_risk).items())}).")
    return EscalationReview(
        overall=overall, rates=rates, themes=themes, recurrence=rec, resolution=resolution, high_risk=high_risk,
        markers=markers, findings=tuple(f for f in findings if f), recommendation_evidence=tuple(evidence),
        notes=tuple(notes),
    )


def _category_counts(flags: pd.DataFrame) -> dict[str, int]:
    if flags.empty:
        return {}
    return {str(k): int(v) for k, v in flags["categories"].str.split("; ").explode().value_counts().items()}


def _num(value):
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


def _json_value(v):
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return _num(v)
    return None if v is None or v is pd.NA else str(v)


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    return [{k: _json_value(v) for k, v in row.items()}
            for row in frame[[c for c in columns if c in frame.columns]].to_dict("records")]


def summary_entries(review: EscalationReview) -> dict[str, Any]:
    """The ``escalations`` entry of summary.json: numbers only, no free text with personal data.

    Contains the overall rate, significant segments (agents as shown in the rates table, i.e.
    pseudonymised when a key was given), significant themes, recurrence measures, resolution
    within target, high-risk counts per category and severity, findings, recommendation evidence
    and notes.
    """
    rates = review.rates
    sig = rates[rates["significant"]] if len(rates) else rates
    themes = review.themes
    resolution = review.resolution
    flags = review.high_risk
    entry = {
        "available": bool(review.overall),
        "overall": {k: _json_value(v) for k, v in review.overall.items()},
        "significant_segments": _records(sig, ["dimension", "segment", "n", "escalated", "rate", "ci_low", "ci_high",
                                               "rest_rate", "ratio", "test", "p_adjusted"]),
        "segments_tested": int(rates["p"].notna().sum()) if len(rates) else 0,
        "themes": _records(themes[themes["significant"]] if len(themes) else themes,
                           ["theme", "label", "share_escalated", "ci_low_escalated", "ci_high_escalated", "share_other",
                            "n_escalated", "n_other", "p_adjusted"]),
        "recurrence": {"window_days": review.recurrence.window_days,
                       "measures": _records(review.recurrence.table, ["measure", "n_escalated", "rate_escalated",
                                                                      "ci_low_escalated", "ci_high_escalated", "n_other",
                                                                      "rate_other", "p_adjusted", "significant"])},
        "resolution": _records(resolution, ["contact_escalated", "n", "within_target", "rate", "ci_low", "ci_high",
                                            "median_s", "n_open_overdue"]) if len(resolution) else [],
        "high_risk": {
            "flagged": int(len(flags)),
            "by_source": {str(k): int(v) for k, v in flags["source"].value_counts().items()} if len(flags) else {},
            "by_category": _category_counts(flags),
            "by_severity": {str(k): int(v) for k, v in flags["severity"].value_counts().items()} if len(flags) else {},
            "markers": review.markers.names,
        },
        "findings": [f for f in review.findings],
        "recommendation_evidence": [
            {k: _json_value(v) for k, v in e.items()} for e in review.recommendation_evidence
        ],
        "notes": list(review.notes),
    }
    return {"escalations": entry}


# --- findings -------------------------------------------------------------------------------------
def escalation_findings(review: EscalationReview, *, ledger) -> None:
    """Record the escalation review's conclusions in a findings ledger (stage 04).

    ``escalation``: segments escalating significantly more or less than the rest, themes
    over-represented among escalated contacts' comments and complaints following escalations (each
    FDR-controlled as the tables show them); ``high_risk``: texts carrying each high-risk marker
    category (a prompt for immediate attention, counted, never quoted).
    """

    link = [section_link("escalations")]
    rates = review.rates
    for r in rates[rates["significant"].astype(bool)].to_dict(orient="records") if len(rates) else ():
        direction = "up" if r["difference"] > 0 else "down"
        ledger.add(
            "escalation", kpi="escalation_rate", dimension=finding_dimension(r["dimension"]),
            segment=str(r["segment"]), direction=direction, favourable=direction == "down", estimate=r["rate"],
            ci_low=r["ci_low"], ci_high=r["ci_high"], n=r["n"], comparator=r["rest_rate"],
            comparator_label="the rest of the centre", p_value=r["p"], q_value=r["p_adjusted"], significant=True,
            effect_name="cohens_h", effect_size=r.get("cohens_h"),
            attributes={"ratio": r["ratio"], "rest_n": r["rest_n"], "unit": "proportion", "kpi_name": "Escalation rate"},
            evidence=link,
        )
    themes = review.themes
    for r in themes[themes["significant"].astype(bool) & (themes["difference"] > 0)].to_dict(orient="records") if len(themes) else ():
        ledger.add(
            "escalation", key={"cause": "theme", "theme": r["theme"]}, direction="up", favourable=False,
            estimate=r["share_escalated"], ci_low=r["ci_low_escalated"], ci_high=r["ci_high_escalated"],
            n=r["n_escalated"], comparator=r["share_other"], comparator_label="comments on other contacts",
            p_value=r["p"], q_value=r["p_adjusted"], significant=True, effect_name="risk_ratio", effect_size=r["ratio"],
            attributes={"theme": r["theme"], "theme_label": r["label"], "unit": "proportion", "cause": "theme",
                        "measure": f"comments on escalated contacts mentioning '{r['label']}'"},
            evidence=link,
        )
    table = review.recurrence.table
    for r in table[table["significant"].astype(bool) & (table["difference"] > 0)].to_dict(orient="records") if len(table) else ():
        ledger.add(
            "escalation", key={"cause": "recurrence", "measure": r["measure"]}, direction="up", favourable=False,
            estimate=r["rate_escalated"], ci_low=r["ci_low_escalated"], ci_high=r["ci_high_escalated"],
            n=r["n_escalated"], comparator=r["rate_other"], comparator_label="other contacts", p_value=r["p"],
            q_value=r["p_adjusted"], significant=True, effect_name="risk_ratio", effect_size=r["ratio"],
            attributes={"measure": str(r.get("description") or r["measure"]), "unit": "proportion", "cause": "recurrence",
                        "window_days": review.recurrence.window_days},
            evidence=link,
        )
    flags = review.high_risk
    if len(flags):
        exploded = flags.assign(category=flags["categories"].str.split("; ")).explode("category")
        for category, part in exploded.groupby("category", sort=True):
            severity = part["severity"].dropna().astype(str)
            ledger.add(
                "high_risk", key={"category": category}, estimate=len(part), n=len(part), significant=True,
                favourable=False,
                attributes={"category": category, "severity": severity.mode().iloc[0] if len(severity) else None,
                            "complaints": int((part["source"] == "complaints").sum()),
                            "comments": int((part["source"] == "surveys").sum()), "unit": "count"},
                evidence=[section_link("high_risk")],
            )
