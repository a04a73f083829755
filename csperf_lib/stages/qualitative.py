"""Stage 04, qualitative analysis: what customers say, what they complain about, and whether QA
evaluators score consistently.

:func:`qualitative_review` reads the usable tables from the store, redacts every free text first
(:func:`csperf_lib.methods.text.prepare_texts`), then codes themes, measures sentiment and checks it against
the customers' own ratings, looks for theme spikes and emerging issues, picks representative
verbatims, analyses complaints (:mod:`csperf_lib.methods.complaints`) and calibration
(:mod:`csperf_lib.methods.calibration`). The figures the notebook shows are built here so the notebook holds
no logic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.findings import FindingsLedger
from csperf_lib.core.markup import markdown_list  # noqa: F401  (re-exported for the stage notebook)
from csperf_lib.core.sections import section_link
from csperf_lib.core.tables import GROUP_DIMENSIONS, NOT_RECORDED
from csperf_lib.methods import calibration, complaint_review
from csperf_lib.methods.calibration import calibration_review
from csperf_lib.methods.complaint_review import complaints_review
from csperf_lib.methods.complaints import ComplaintTargets, pareto
from csperf_lib.methods.privacy import DEFAULT_KEY_ENV, privacy_settings
from csperf_lib.methods.sentiment import (
    customer_labels,
    score_sentiment,
    sentiment_by,
    sentiment_vs_rating,
)
from csperf_lib.methods.stats import fdr_bh
from csperf_lib.methods.text import (
    Codebook,
    EmergingIssues,
    ThemeTrends,
    code_texts,
    codebook_from_config,
    emerging_issues,
    long_themes,
    prepare_texts,
    representative_verbatims,
    theme_coverage,
    theme_trends,
)
from csperf_lib.methods.theme_discovery import Discovery, coverage_with_candidates, discover_themes
from csperf_lib.methods.trend import mann_kendall

#: Contact columns joined onto survey comments so sentiment can be read by segment.
COMMENT_SEGMENTS = GROUP_DIMENSIONS

PLACEHOLDER_PATTERN = r"\[(EMAIL|URL|IBAN|CARD|SORT_CODE|ACCOUNT|ZIP|PHONE|POSTCODE)\]"


@dataclass(frozen=True)
class TextSource:
    """One body of free text and what the stage found in it.

    Attributes
    ----------
    name : str
        ``comments`` (survey comments) or ``complaints`` (complaint texts).
    frame : DataFrame
        One row per record with text: ``text`` (redacted), ``when``, context columns, the theme
        columns of :func:`code_texts` and, for comments, ``compound``/``label`` (sentiment) and
        ``csat``.
    n_records : int
        Records in the table (with or without text).
    coverage : DataFrame
        :func:`theme_coverage`.
    discovery : Discovery
        Candidate themes in the uncoded remainder.
    trends : ThemeTrends
        Weekly theme counts and spikes.
    trends_by : ThemeTrends or None
        The same within each segment of ``segment`` (queue for complaints), or None.
    emerging : EmergingIssues
        Phrases whose use spikes.
    verbatims : DataFrame
        :func:`representative_verbatims`.
    redactions : DataFrame
        Personal-data placeholders inserted, by kind.
    segment : str or None
        The segment column of ``trends_by``.
    covered : dict
        :func:`~csperf_lib.methods.theme_discovery.coverage_with_candidates`: texts the codebook themes cover,
        and how many more the candidate themes would.
    """

    name: str
    frame: pd.DataFrame
    n_records: int
    coverage: pd.DataFrame
    discovery: Discovery
    trends: ThemeTrends
    trends_by: ThemeTrends | None
    emerging: EmergingIssues
    verbatims: pd.DataFrame
    redactions: pd.DataFrame
    segment: str | None = None
    covered: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QualitativeReview:
    """Everything stage 04 shows.

    Attributes
    ----------
    codebook : Codebook
        The themes applied.
    comments, complaints : TextSource or None
        Survey comments and complaint texts (None when the table or its text column is absent).
    sentiment_model : str
        The sentiment model used.
    sentiment_check : object or None
        :class:`csperf_lib.methods.sentiment.SentimentCheck`: sentiment against the customer's own CSAT.
    sentiment_by_theme, sentiment_by_segment : DataFrame
        Mean compound score and shares negative/positive with intervals.
    complaint_review : object or None
        :class:`csperf_lib.methods.complaint_review.ComplaintsReview`.
    complaint_themes : DataFrame
        Pareto of complaint themes.
    calibration : object or None
        :class:`csperf_lib.methods.calibration.CalibrationReview`.
    findings : tuple of str
        Every finding sentence of the stage, each with its number and n.
    key_findings : tuple of str
        The ones a reader should take away first (per-item calibration detail summarised in one).
    notes : dict of str to str
        Why a part could not be analysed.
    stable_pseudonyms : bool
        Whether pseudonyms come from a configured key (stable across runs) or a one-off key.
    """

    codebook: Codebook
    comments: TextSource | None
    complaints: TextSource | None
    sentiment_model: str
    sentiment_check: Any
    sentiment_by_theme: pd.DataFrame
    sentiment_by_segment: pd.DataFrame
    complaint_review: Any
    complaint_themes: pd.DataFrame
    calibration: Any
    findings: tuple[str, ...] = field(default_factory=tuple)
    key_findings: tuple[str, ...] = field(default_factory=tuple)
    notes: Mapping[str, str] = field(default_factory=dict)
    stable_pseudonyms: bool = False

    @property
    def pseudonym_note(self) -> str:
        """One sentence on how customer identifiers were pseudonymised."""
        if self.stable_pseudonyms:
            return ("Customer identifiers are shown as keyed pseudonyms (HMAC-SHA256 with the review's key, kept outside the "
                    "report): the same customer gets the same pseudonym in every run.")
        return (
            "Customer identifiers are shown as keyed pseudonyms made with a one-off random key, because no key file could "
            f"be kept: consistent within this report, different in the next run. Set privacy.key_file to a writable path "
            f"(or the environment variable {DEFAULT_KEY_ENV}) for stable ones."
        )


def placeholder_counts(texts: pd.Series) -> pd.DataFrame:
    """Personal-data placeholders in redacted texts: ``kind, placeholders, texts`` (texts with one)."""
    found = texts.dropna().astype(str).str.extractall(PLACEHOLDER_PATTERN)
    if found.empty:
        return pd.DataFrame(columns=["kind", "placeholders", "texts"])
    grouped = found.reset_index().groupby(0)
    frame = pd.DataFrame({"placeholders": grouped.size(), "texts": grouped["level_0"].nunique()})
    frame.index.name = "kind"
    return frame.reset_index().sort_values("placeholders", ascending=False, ignore_index=True)


def _comments_frame(store) -> tuple[pd.DataFrame, int]:
    surveys = store.table("surveys")
    n = int(surveys.count().execute())
    if "comment" not in surveys.columns:
        return pd.DataFrame(), n
    wanted = [c for c in ("response_id", "contact_id", "responded_at", "csat") if c in surveys.columns]
    with_text = surveys.filter(surveys.comment.notnull()).select(*wanted, "comment")
    if "contact_id" in surveys.columns and store.has("contacts"):
        contacts = store.table("contacts")
        # the contact's escalation flag comes along, so the escalation review reuses these texts
        extra = [c for c in (*COMMENT_SEGMENTS, "escalated") if c in contacts.columns]
        if extra:
            right = contacts.select(contact_id_ref=contacts.contact_id, **{c: contacts[c] for c in extra})
            with_text = with_text.left_join(right, with_text.contact_id == right.contact_id_ref).drop("contact_id_ref")
    frame = with_text.to_pandas()
    order = [c for c in ("responded_at", "response_id") if c in frame.columns]
    frame = frame.sort_values(order, kind="stable").reset_index(drop=True) if order else frame
    frame = frame.rename(columns={"comment": "raw_text", "responded_at": "when"})
    return frame, n


def _complaints_frame(store) -> tuple[pd.DataFrame, int]:
    table = store.table("complaints")
    frame = table.to_pandas().sort_values(["received_at", "complaint_id"], kind="stable").reset_index(drop=True)
    return frame, len(frame)


def _analyse_text(
    name: str,
    frame: pd.DataFrame,
    n_records: int,
    *,
    codebook: Codebook,
    start,
    segment: str | None,
    context: list[str],
    alpha: float,
    random_state: int,
    sentiment_model: str | None,
) -> TextSource:
    text = prepare_texts(frame["raw_text"])
    data = frame.drop(columns=["raw_text"]).assign(text=text)
    data = data[text.notna().to_numpy()].reset_index(drop=True)
    coded = code_texts(data["text"], codebook=codebook)
    data = pd.concat([data, coded], axis=1)
    if sentiment_model:

        scored = score_sentiment(data["text"], model=sentiment_model)
        data["compound"], data["label"] = scored["compound"].to_numpy(), scored["label"].to_numpy()
    labels = codebook.labels
    when = pd.to_datetime(data["when"]) if "when" in data else pd.Series(pd.NaT, index=data.index)
    trends = theme_trends(coded, when, start=start, alpha=alpha, labels=labels)
    trends_by = None
    if segment and segment in data and data[segment].nunique() > 1:
        trends_by = theme_trends(coded, when, start=start, by=data[segment].rename(segment), alpha=alpha, labels=labels)
    ctx = data[[c for c in context if c in data.columns]] if context else None
    emerging = emerging_issues(data["text"], when, start=start, context=ctx, coded=coded, alpha=alpha, labels=labels)
    uncoded = data.loc[coded["n_themes"].to_numpy() == 0, "text"]
    discovery = discover_themes(uncoded, random_state=random_state)
    return TextSource(
        name=name,
        frame=data,
        n_records=n_records,
        coverage=theme_coverage(coded, codebook=codebook),
        discovery=discovery,
        covered=coverage_with_candidates(data["text"], coded, discovery),
        trends=trends,
        trends_by=trends_by,
        emerging=emerging,
        verbatims=representative_verbatims(
            data["text"], coded, sentiment=data["label"] if "label" in data else None, labels=labels
        ),
        redactions=placeholder_counts(data["text"]),
        segment=segment if trends_by is not None else None,
    )


def _comment_analysis(store, *, codebook, start, alpha: float, random_state: int, sentiment_model: str | None,
                      notes: dict[str, str]) -> tuple[Any, Any, pd.DataFrame, pd.DataFrame]:
    """Survey comments: themes, spikes, emerging issues and sentiment (checked against the
    customers' own CSAT where recorded), with sentiment by theme and by segment."""
    comments = None
    check = None
    by_theme = pd.DataFrame()
    by_segment = pd.DataFrame()
    if store.has("surveys"):
        frame, n = _comments_frame(store)
        if frame.empty:
            notes["comments"] = "The survey table has no comments, so there is no customer free text to analyse."
        else:
            comments = _analyse_text(
                "comments", frame, n, codebook=codebook, start=start, segment="queue",
                context=[c for c in ("channel", "queue", "team", "region") if c in frame.columns],
                alpha=alpha, random_state=random_state, sentiment_model=sentiment_model,
            )
            data = comments.frame
            if "csat" in data and data["csat"].notna().any():
                check = sentiment_vs_rating(data[["compound", "label"]], data["csat"])
                # from here on a rated comment's sentiment is the customer's own rating band
                labelled = customer_labels(data[["compound", "label"]], data["csat"])
                data = data.assign(**{c: labelled[c] for c in ("label", "model_label", "label_source")})
                comments = replace(comments, frame=data)
            else:
                notes["sentiment_check"] = "No CSAT rating is recorded beside the comments, so the sentiment model cannot be checked against customers' own ratings."
            themed = long_themes(data[[*codebook.names, "n_themes", "has_text"]])
            if len(themed):
                exploded = data.loc[themed["row"], ["compound", "label"]].reset_index(drop=True)
                exploded["theme"] = themed["theme"].map(codebook.labels).to_numpy()
                by_theme = sentiment_by(exploded[["compound", "label"]], exploded, by="theme").reset_index()
            segs = [c for c in COMMENT_SEGMENTS if c in data.columns and data[c].nunique() > 1]
            by_segment = pd.concat(
                [
                    sentiment_by(data[["compound", "label"]], data.assign(**{s: data[s].astype("string").fillna(NOT_RECORDED)}), by=s)
                    .reset_index().rename(columns={s: "value"}).assign(segment=s)
                    for s in segs
                ],
                ignore_index=True,
            ) if segs else pd.DataFrame()
    else:
        notes["comments"] = "No survey table was supplied, so there are no customer comments to analyse."
    return comments, check, by_theme, by_segment


def _complaint_analysis(store, *, config, codebook, start, pseudonym_key, alpha: float, random_state: int,
                        notes: dict[str, str]) -> tuple[Any, Any, pd.DataFrame]:
    """The complaints review and, where complaints carry text, their themes (Pareto)."""
    complaints = None
    review = None
    complaint_themes = pd.DataFrame()
    if store.has("complaints"):
        raw = store.table("complaints").to_pandas()
        targets = ComplaintTargets.from_config(config)
        review = complaints_review(raw, targets=targets, pseudonym_key=pseudonym_key, alpha=alpha)
        if "text" in raw.columns and raw["text"].notna().any():
            frame, n = _complaints_frame(store)
            frame = frame.rename(columns={"text": "raw_text", "received_at": "when"})
            complaints = _analyse_text(
                "complaints", frame, n, codebook=codebook, start=start, segment="queue",
                context=[c for c in ("queue", "category", "region", "channel") if c in frame.columns],
                alpha=alpha, random_state=random_state, sentiment_model=None,
            )

            themed = long_themes(complaints.frame[[*codebook.names, "n_themes", "has_text"]])
            complaint_themes = pareto(themed.assign(theme=themed["theme"].map(codebook.labels)), by="theme")
        else:
            notes["complaint_text"] = "Complaints carry no free text, so complaint themes cannot be coded."
    else:
        notes["complaints"] = "No complaints table was supplied, so complaints cannot be analysed."
    return complaints, review, complaint_themes


def _calibration(store, *, alpha: float, random_state: int, notes: dict[str, str]) -> Any:
    """QA calibration (evaluator agreement and severity) where evaluations record the evaluator."""
    calibration = None
    if store.has("qa_evaluations"):
        qa = store.table("qa_evaluations")
        if "evaluator_id" in qa.columns:
            calibration = calibration_review(qa.to_pandas(), alpha=alpha, random_state=random_state)
        else:
            notes["calibration"] = "QA evaluations do not record the evaluator, so scoring consistency cannot be measured."
    else:
        notes["calibration"] = "No QA evaluations were supplied, so scoring consistency cannot be measured."
    return calibration


def qualitative_review(
    store,
    *,
    config=None,
    sentiment_model: str = "vader",
    alpha: float = 0.05,
    random_state: int = 0,
) -> QualitativeReview:
    """Run the qualitative analysis on the usable tables of ``store``.

    Parameters
    ----------
    store : Store
        Holds the usable canonical tables.
    config : ReviewConfig, optional, keyword-only
        ``text`` (codebook), ``complaints`` (targets) and ``privacy`` (pseudonym key) sections.
    sentiment_model : str, keyword-only
        See :func:`csperf_lib.methods.sentiment.score_sentiment`.
    alpha : float, keyword-only
        False discovery rate of spike tests; significance level elsewhere.
    random_state : int, keyword-only
        Seed of theme discovery and bootstrap intervals.
    """

    codebook = codebook_from_config(config)
    start = config.period_start if config is not None and config.period_start else None
    key, stable = privacy_settings(config)
    notes: dict[str, str] = {}

    comments, check, by_theme, by_segment = _comment_analysis(
        store, codebook=codebook, start=start, alpha=alpha, random_state=random_state,
        sentiment_model=sentiment_model, notes=notes)
    complaints, review, complaint_themes = _complaint_analysis(
        store, config=config, codebook=codebook, start=start, pseudonym_key=key, alpha=alpha,
        random_state=random_state, notes=notes)
    calibration = _calibration(store, alpha=alpha, random_state=random_state, notes=notes)
    findings: list[str] = []
    for source in (comments, complaints):
        if source is None:
            continue
        cov = source.coverage.set_index("theme")
        covered = source.covered
        more = (f"; the {len(source.discovery.candidates)} candidate themes found in the rest would cover "
                f"{covered['candidate_share']:.0%} more ({covered['covered_share']:.0%} in all)"
                if covered.get("candidates") else "")
        findings.append(
            f"The codebook themes {cov.loc['any theme', 'share']:.0%} of {int(cov.loc['any theme', 'n']):,} "
            f"{'survey comments' if source.name == 'comments' else 'complaint texts'} "
            f"(95 % CI {cov.loc['any theme', 'ci_low']:.0%}–{cov.loc['any theme', 'ci_high']:.0%}){more}."
        )
        findings.extend(source.trends.spikes["finding"])
        if source.trends_by is not None:
            findings.extend(source.trends_by.spikes["finding"])
        findings.extend(source.emerging.issues["finding"])
    if check is not None:
        findings.append(check.verdict)
    if review is not None:
        findings.extend(review.findings)
    key = list(findings)
    if calibration is not None:
        findings.extend(calibration.findings)
        key.extend(_key_calibration(calibration))
    return QualitativeReview(
        codebook=codebook, comments=comments, complaints=complaints, sentiment_model=sentiment_model,
        sentiment_check=check, sentiment_by_theme=by_theme, sentiment_by_segment=by_segment,
        complaint_review=review, complaint_themes=complaint_themes, calibration=calibration,
        findings=tuple(findings), key_findings=tuple(key), notes=notes, stable_pseudonyms=stable,
    )


def _key_calibration(calibration) -> list[str]:
    """Overall agreement, evaluators judged strict or lenient, and one line for the flagged items."""
    if not len(calibration.evaluators):
        return [calibration.note] if calibration.note else []
    out = [calibration.findings[0]] if calibration.findings else []
    marked = calibration.evaluators.loc[calibration.evaluators["verdict"].isin(["strict", "lenient"]), "evaluator"]
    out += [f for f in calibration.findings if any(f.startswith(f"Evaluator {e} ") for e in marked)]
    flagged = list(calibration.flagged_items)
    if flagged:
        out.append(
            f"{len(flagged)} of {len(calibration.items)} scorecard items are scored inconsistently "
            f"(Krippendorff's alpha below 0.667): {', '.join(flagged)}; see the calibration section."
        )
    return out


# --- summary.json -------------------------------------------------------------------------------
def theme_summary(review: QualitativeReview) -> list[dict[str, Any]]:
    """The ``themes`` entry of summary.json: one record per theme and source.

    Each record: ``source`` (comments / complaints), ``theme``, ``label``, ``count``, ``n``,
    ``share`` with ``interval``, ``sentiment`` (mean compound and share negative, comments only),
    ``spike`` (a theme-level spike or an emerging issue mostly inside the theme), ``spike_weeks`` and
    ``emerging_terms``, ``trend`` (direction of the weekly share over the period).
    """
    out = []
    for source in (review.comments, review.complaints):
        if source is None:
            continue
        cov = source.coverage.set_index("theme")
        data = source.frame
        spikes = pd.concat(
            [source.trends.spikes.assign(level="theme")]
            + ([source.trends_by.spikes.assign(level=source.segment)] if source.trends_by is not None else []),
            ignore_index=True,
        )
        trends = share_trends(source.trends.weekly)
        for theme in review.codebook.themes:
            if theme.name not in cov.index:
                continue
            row = cov.loc[theme.name]
            mask = data[theme.name].to_numpy()
            record: dict[str, Any] = {
                "source": source.name,
                "theme": theme.name,
                "label": theme.label,
                "count": int(row["count"]),
                "n": int(row["n"]),
                "share": float(row["share"]),
                "interval": [float(row["ci_low"]), float(row["ci_high"])],
            }
            if "compound" in data and mask.any():
                record["sentiment"] = {
                    "mean_compound": float(np.nanmean(data.loc[mask, "compound"])),
                    "share_negative": float((data.loc[mask, "label"] == "negative").mean()),
                    "share_positive": float((data.loc[mask, "label"] == "positive").mean()),
                }
            own = spikes[spikes["theme"] == theme.name] if len(spikes) else spikes
            issues = source.emerging.issues
            attributed = issues[issues.get("theme", pd.Series(dtype=str)) == theme.label] if len(issues) and "theme" in issues else issues.iloc[0:0]
            attributed = attributed[attributed["theme_share"] >= 0.5] if len(attributed) else attributed
            weeks = sorted({w for r in own.itertuples() for w in range(r.first_week, r.last_week + 1)}
                           | {w for r in attributed.itertuples() for w in range(r.first_week, r.last_week + 1)})
            record["spike"] = bool(len(own) or len(attributed))
            record["spike_weeks"] = weeks
            record["spike_segments"] = sorted({str(v) for v in own.get(source.segment, pd.Series(dtype=str)).dropna()}) if source.segment else []
            record["emerging_terms"] = [str(t).split(", ")[0] for t in attributed["terms"]] if len(attributed) else []
            record["trend"] = trends.get(theme.name, "too few periods")
            out.append(record)
    return out


def share_trends(weekly: pd.DataFrame, *, alpha: float = 0.05) -> dict[str, str]:
    """Direction of each theme's weekly share: Mann–Kendall with Sen's slope (:func:`mann_kendall`),
    Benjamini–Hochberg adjusted across the themes; a theme is only called increasing or decreasing
    when the adjusted p-value is below ``alpha``."""

    results = {}
    for theme, part in weekly.groupby("theme", sort=False):
        series = part.sort_values("week")["share"].dropna().to_numpy()
        results[theme] = mann_kendall(series, alpha=alpha) if len(series) >= 4 else None
    tested = {t: r for t, r in results.items() if r is not None and np.isfinite(r.p)}
    adjusted = dict(zip(tested, fdr_bh([r.p for r in tested.values()]), strict=True)) if tested else {}
    out = {}
    for theme, result in results.items():
        if result is None:
            out[theme] = "too few periods"
        elif adjusted.get(theme, 1.0) >= alpha:
            out[theme] = "no trend"
        else:
            out[theme] = "increasing" if result.s > 0 else "decreasing"
    return out


def summary_entries(review: QualitativeReview) -> dict[str, Any]:
    """The ``themes``, ``calibration``, ``sentiment`` and ``complaints`` entries of summary.json."""

    out: dict[str, Any] = {"themes": theme_summary(review),
                           "theme_coverage": {s.name: dict(s.covered) for s in (review.comments, review.complaints)
                                              if s is not None and s.covered}}
    if review.calibration is not None:
        out.update(calibration.summary_entries(review.calibration))
    else:
        out["calibration"] = []
    if review.complaint_review is not None:
        out.update(complaint_review.summary_entries(review.complaint_review))
    check = review.sentiment_check
    if check is not None:
        frame = review.comments.frame if review.comments is not None else pd.DataFrame()
        rated = int((frame["label_source"] == "customer rating").sum()) if "label_source" in frame else 0
        out["sentiment"] = {
            "model": review.sentiment_model,
            "labels_from_customer_ratings": rated,
            "labels_from_model": int(len(frame) - rated),
            "n": int(check.n),
            "accuracy": float(check.accuracy),
            "macro_f1": float(check.macro_f1),
            "verdict": check.verdict,
        }
    out["emerging_issues"] = [
        {k: v for k, v in r.items() if k != "rows"} | {"source": s.name}
        for s in (review.comments, review.complaints) if s is not None
        for r in s.emerging.issues.to_dict(orient="records")
    ]
    return out


# --- figures ------------------------------------------------------------------------------------


# --- findings -------------------------------------------------------------------------------------
def _week_span(week_start, first: int, last: int) -> tuple:
    start = pd.Timestamp(week_start)
    return start.date(), (start + pd.Timedelta(days=7 * (int(last) - int(first) + 1) - 1)).date()


def qualitative_findings(review: QualitativeReview, *, alpha: float = 0.05, ledger=None):
    """Record what stage 04 concludes about free text, complaints and calibration.

    Findings: ``theme_spike`` (a codebook theme, or a theme within a queue, spiking in a window of
    weeks, FDR-controlled), ``emerging_issue`` (a phrase whose use jumps), ``sentiment_check``
    (agreement of the sentiment model with customers' own ratings), ``complaint_pattern`` (the
    vital few categories, timeliness against the targets, the upheld rate, repeat complainants
    and segments that differ from the rest), and ``calibration`` (overall agreement, evaluators
    significantly strict or lenient, items scored inconsistently).

    Returns
    -------
    FindingsLedger
        For ``04_qualitative`` (or ``ledger`` when given).
    """

    ledger = ledger if ledger is not None else FindingsLedger("04_qualitative")
    labels = review.codebook.labels
    for source in (review.comments, review.complaints):
        if source is None:
            continue
        spikes = [source.trends.spikes.assign(_segment=None)]
        if source.trends_by is not None and source.segment:
            spikes.append(source.trends_by.spikes.assign(_segment=source.trends_by.spikes.get(source.segment)))
        for frame in spikes:
            for row in frame.to_dict(orient="records"):
                start, end = _week_span(row["week_start"], row["first_week"], row["last_week"])
                segment = row.get("_segment")
                ledger.add(
                    "theme_spike", dimension=source.segment if segment is not None else None,
                    segment=None if segment is None else str(segment),
                    key={"source": source.name, "theme": row["theme"], "week": start.isoformat()},
                    period_start=start, period_end=end, direction="up", favourable=None,
                    estimate=row["count"], comparator=row["expected"], comparator_label="expected at the rate of the rest of the period",
                    n=row["total"], p_value=row["p_value"], q_value=row["q_value"], significant=True,
                    effect_name="rate_ratio", effect_size=row["rate_ratio"],
                    attributes={"theme": row["theme"], "theme_label": labels.get(row["theme"], row["theme"]),
                                "source": source.name, "unit": "count", "first_week": row["first_week"],
                                "last_week": row["last_week"], "queue_share": None if segment is None else 1.0},
                    evidence=[section_link("spikes")],
                )
        for row in source.emerging.issues.to_dict(orient="records"):
            start, end = _week_span(row["week_start"], row["first_week"], row["last_week"])
            term = str(row["terms"]).split(", ")[0]
            queue, share = row.get("queue"), row.get("queue_share")
            located = queue is not None and share is not None and not pd.isna(share) and share >= 0.5
            ledger.add(
                "emerging_issue", dimension="queue" if located else None, segment=str(queue) if located else None,
                key={"source": source.name, "term": term, "week": start.isoformat()},
                period_start=start, period_end=end, direction="up", favourable=False,
                estimate=row["count"], comparator=row["expected"], comparator_label="expected at the rate of the rest of the period",
                p_value=row["p_value"], q_value=row["q_value"], significant=True,
                effect_name="rate_ratio", effect_size=row["rate_ratio"],
                attributes={"term": term, "terms": row["terms"], "source": source.name, "unit": "count",
                            "first_week": row["first_week"], "last_week": row["last_week"],
                            "theme": row.get("theme"), "theme_share": row.get("theme_share"),
                            "queue_share": share, "category": row.get("category"),
                            "category_share": row.get("category_share")},
                evidence=[section_link("spikes")],
            )
    check = review.sentiment_check
    if check is not None:
        trusted = bool(check.macro_f1 >= 0.5 and check.accuracy >= 0.6)
        ledger.add(
            "sentiment_check", key={"model": review.sentiment_model}, estimate=check.accuracy, n=check.n,
            comparator=None, significant=trusted, favourable=trusted, effect_name="macro_f1", effect_size=check.macro_f1,
            attributes={"model": review.sentiment_model, "kappa": getattr(check, "kappa", None),
                        "spearman": getattr(check, "spearman", None), "unit": "proportion",
                        "verdict_word": "good enough to read by theme and segment" if trusted
                        else "not reliable enough to act on without reading the comments"},
            evidence=[section_link("sentiment")],
        )
    if review.complaint_review is not None:
        complaint_findings(review.complaint_review, ledger=ledger)
    if review.calibration is not None:
        calibration_findings(review.calibration, ledger=ledger)
    return ledger


def complaint_findings(cr, *, ledger) -> None:
    """``complaint_pattern`` findings of a :class:`csperf_lib.methods.complaint_review.ComplaintsReview`."""

    link = [section_link("complaints")]
    pareto_frame = cr.pareto
    if len(pareto_frame) and "vital_few" in pareto_frame:
        vital = pareto_frame[pareto_frame["vital_few"].astype(bool)]
        if len(vital) and len(vital) < len(pareto_frame):
            top = vital.iloc[0]
            ledger.add(
                "complaint_pattern", key={"pattern": "vital_few"}, dimension="category", segment=str(top["category"]),
                estimate=float(vital["share"].sum()), n=int(pareto_frame["count"].sum()), significant=True,
                comparator=None, favourable=None,
                attributes={"measure": f"the {len(vital)} most frequent of {len(pareto_frame)} complaint categories (the vital few), led by",
                            "categories": len(pareto_frame), "vital_few": len(vital), "top_share": top["share"],
                            "unit": "proportion", "pattern": "vital_few"},
                evidence=link,
            )
    goal = getattr(cr.targets, "required_share", None)
    for row in cr.timeliness.to_dict(orient="records") if len(cr.timeliness) else ():
        if row.get("note") or not row.get("n"):
            continue
        measure = row["measure"]
        verb = "acknowledged" if measure == "acknowledge" else "resolved"
        below = goal is not None and row["ci_high"] < goal
        ledger.add(
            "complaint_pattern", key={"pattern": "timeliness", "measure": measure}, estimate=row["rate"],
            ci_low=row["ci_low"], ci_high=row["ci_high"], n=row["n"], comparator=goal,
            comparator_label="required share" if goal is not None else None,
            direction=("down" if row["rate"] < goal else "up") if goal is not None else None,
            favourable=(not below) if goal is not None else None, significant=bool(below),
            attributes={"measure": f"complaints {verb} within {cr.targets.label(measure)}", "unit": "proportion",
                        "pattern": "timeliness", "late": row.get("n_late"), "open_overdue": row.get("n_open_overdue"),
                        "pending": row.get("n_pending"), "median_s": row.get("median_s"), "target_s": row.get("target_s")},
            evidence=link,
        )
    upheld = cr.upheld.iloc[0] if len(cr.upheld) else None
    if upheld is not None and not upheld.get("note") and upheld.get("n"):
        ledger.add(
            "complaint_pattern", key={"pattern": "upheld"}, estimate=upheld["rate"], ci_low=upheld["ci_low"],
            ci_high=upheld["ci_high"], n=upheld["n"], significant=False, favourable=None,
            attributes={"measure": "complaints upheld (of those decided)", "unit": "proportion", "pattern": "upheld",
                        "undecided": upheld.get("n_undecided")},
            evidence=link,
        )
    repeat = cr.repeat
    if not repeat.note and repeat.n_complainants:
        ledger.add(
            "complaint_pattern", key={"pattern": "repeat_complainants"}, estimate=repeat.rate, ci_low=repeat.ci_low,
            ci_high=repeat.ci_high, n=repeat.n_complainants, significant=bool(repeat.n_repeat), favourable=None,
            attributes={"measure": "complainants who complained more than once", "unit": "proportion",
                        "pattern": "repeat_complainants", "repeat": repeat.n_repeat,
                        "complaints_from_repeaters": repeat.complaints_from_repeaters, "window_days": repeat.window_days},
            evidence=link,
        )
    differences = cr.differences
    for row in differences[differences["significant"].astype(bool)].to_dict(orient="records") if len(differences) else ():
        measure = row["measure"]
        words = {"acknowledge": "acknowledged in time", "resolve": "resolved in time", "upheld": "upheld"}.get(measure, measure)
        direction = "up" if row["difference"] > 0 else "down"
        ledger.add(
            "complaint_pattern", key={"pattern": "segment", "measure": measure}, dimension=row["dimension"],
            segment=str(row["segment"]), direction=direction,
            favourable=None if measure == "upheld" else direction == "up",
            estimate=row["rate"], ci_low=row["ci_low"], ci_high=row["ci_high"], n=row["n"], comparator=row["rest_rate"],
            comparator_label="the rest", p_value=row["p"], q_value=row["p_adjusted"], significant=True,
            effect_name="difference", effect_size=row["difference"],
            attributes={"measure": f"complaints {words}", "unit": "proportion", "pattern": "segment", "rest_n": row["rest_n"]},
            evidence=link,
        )


def calibration_findings(cal, *, ledger) -> None:
    """``calibration`` findings of a :class:`csperf_lib.methods.calibration.CalibrationReview`."""

    link = [section_link("calibration")]
    threshold = 0.667  # Krippendorff (2004): the lowest alpha for tentative conclusions
    if cal.overall is not None and not pd.isna(cal.overall.value):
        good = cal.overall.value >= threshold
        ledger.add(
            "calibration", key={"statistic": "overall"}, estimate=cal.overall.value, ci_low=cal.overall.ci_low,
            ci_high=cal.overall.ci_high, n=cal.overall.n_subjects, comparator=threshold,
            comparator_label="the lowest alpha for tentative conclusions (Krippendorff 2004)",
            direction="up" if good else "down", favourable=bool(good), significant=not good,
            effect_name="krippendorff_alpha", effect_size=cal.overall.value,
            attributes={"evaluators": cal.n_evaluators, "unit": "ratio"},
            evidence=link,
        )
    for row in cal.evaluators.to_dict(orient="records") if len(cal.evaluators) else ():
        if row.get("verdict") not in ("strict", "lenient"):
            continue
        ledger.add(
            "calibration", dimension="evaluator", segment=str(row["evaluator"]),
            direction="up" if row["mean_difference"] > 0 else "down", favourable=None,
            estimate=row["mean_difference"], ci_low=row["ci_low"], ci_high=row["ci_high"], n=row["n_subjects"],
            comparator=0.0, comparator_label="colleagues on the same contacts", p_value=row["p_value"],
            q_value=row["p_adjusted"], significant=True, effect_name="mean_difference", effect_size=row["mean_difference"],
            attributes={"verdict": row["verdict"], "unit": "number", "measure": "percentage points from colleagues"},
            evidence=link,
        )
    for row in cal.items.to_dict(orient="records") if len(cal.items) else ():
        if not row.get("flag"):
            continue
        ledger.add(
            "calibration", dimension="item", segment=str(row["item"]), direction="down", favourable=False,
            estimate=row["krippendorff_alpha"], n=row.get("n_subjects"), comparator=threshold,
            comparator_label="the lowest alpha for tentative conclusions (Krippendorff 2004)", significant=True,
            effect_name="krippendorff_alpha", effect_size=row["krippendorff_alpha"],
            attributes={"item": row["item"], "unit": "ratio"},
            evidence=link,
        )


def stored_results(review: QualitativeReview) -> dict[str, pd.DataFrame]:
    """What stage 04 stores for later stages (:func:`csperf_lib.core.results.save_results`):
    ``themes`` (:func:`theme_summary`, one row per theme and source)."""
    return {"themes": pd.DataFrame(theme_summary(review))}


def prepared_texts(review: QualitativeReview) -> dict[str, pd.DataFrame]:
    """The free texts this review read, redacted and coded, for the escalation review
    (:func:`csperf_lib.methods.escalations.escalation_review` ``texts=``): ``comments`` (``response_id,
    contact_id, text, escalated`` and a column per codebook theme) and ``complaints``
    (``complaint_id, text``); a source without text is left out."""
    out = {}
    names = list(review.codebook.names)
    if review.comments is not None:
        frame = review.comments.frame
        keep = [c for c in ("response_id", "contact_id", "text", "escalated", *names) if c in frame.columns]
        out["comments"] = frame[keep]
    if review.complaints is not None:
        frame = review.complaints.frame
        out["complaints"] = frame[[c for c in ("complaint_id", "text") if c in frame.columns]]
    return out
