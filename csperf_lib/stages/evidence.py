"""The evidence report for assessors: criteria catalogue, coverage, recording form and appendices.

Two data files are the single source of truth:

* ``csperf_lib/data/criteria.yaml`` — every assessment criterion of the five units (CU852,
  CFACSD20, Unit 34, Unit 403, CFACC16): code, learning outcome, a paraphrase in the project's own
  words, performance or knowledge;
* ``notebooks/evidence_map.yaml`` — which section (stage notebook and heading) evidences which
  criteria, how strongly (``evidenced`` or ``partly``), and which criteria need evidence only the
  candidate can bring (witness testimony, reflective account, observation…) with a template under
  ``csperf_lib/data/candidate_evidence/``, copied into the report folder's ``candidate_evidence/``
  (:func:`copy_candidate_templates`) so the coverage matrix links each one.

Everything here is reading those files and the run's ``summary.json`` and laying them out; it is
hand-written because it is the project's own content, not a statistical method.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import yaml

from csperf_lib.core.display import MISSING, human_label, reader_value
from csperf_lib.core.errors import ConfigError
from csperf_lib.core.findings import Finding, ranked
from csperf_lib.core.formatting import TABLE_WORDS, UNIT_WORDS, format_date, format_value
from csperf_lib.core.paths import notebooks_dir
from csperf_lib.core.results import STAGE_TITLES as _CORE_TITLES
from csperf_lib.core.scope import skip_reason
from csperf_lib.core.sections import anchor_id
from csperf_lib.methods.kpi_catalogue import kpi_catalogue

STATUS_EVIDENCED = "evidenced by the workbench"
STATUS_PARTLY = "partly evidenced"
STATUS_CANDIDATE = "candidate evidence required"
STATUSES = (STATUS_EVIDENCED, STATUS_PARTLY, STATUS_CANDIDATE)
REPORT_STAGE = "07_evidence_report"

#: Stage titles as the report names them ("Stage 03 — Quantitative analysis"), from the one list.
STAGE_TITLES = {stage: f"Stage {stage[:2]} — {title}" for stage, title in _CORE_TITLES.items() if stage != REPORT_STAGE}


def section_href(stage: str, heading: str) -> str:
    """Link to a heading of a rendered stage page; within the evidence report itself, a fragment."""
    target = "" if stage == REPORT_STAGE else f"{stage}.html"
    return f"{target}#{anchor_id(heading)}"


# --- the two data files -------------------------------------------------------------------------
def load_catalogue() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The criteria catalogue.

    Returns
    -------
    (criteria, units) : tuple of DataFrame
        ``criteria``: ``unit, code, outcome, paraphrase, kind`` in catalogue order; ``units``:
        ``unit, name, title, reference, level, notes, evidence_requirements``.
    """
    raw = yaml.safe_load(resources.files("csperf_lib.data").joinpath("criteria.yaml").read_text(encoding="utf-8"))
    rows, units = [], []
    for unit in raw["units"]:
        units.append({k: unit.get(k) for k in ("unit", "name", "title", "reference", "level", "notes", "evidence_requirements")})
        for c in unit["criteria"]:
            rows.append({"unit": unit["unit"], "code": str(c["code"]), "outcome": c.get("outcome", ""),
                         "paraphrase": c.get("paraphrase", ""), "kind": c.get("kind", "performance")})
    return pd.DataFrame(rows), pd.DataFrame(units)


@dataclass(frozen=True)
class EvidenceMap:
    """Which sections evidence which criteria.

    Attributes
    ----------
    sections : DataFrame
        One row per (section, unit, code): ``stage, heading, unit, code, strength, note, href``.
    candidate : DataFrame
        One row per criterion needing candidate evidence: ``unit, code, evidence_type`` (list),
        ``template, why``.
    evidence_types : dict of str to str
        Evidence type -> template file.
    notes : list of str
    """

    sections: pd.DataFrame
    candidate: pd.DataFrame
    evidence_types: Mapping[str, str]
    notes: list


def load_evidence_map(path: str | Path | None = None) -> EvidenceMap:
    """Read ``notebooks/evidence_map.yaml`` (or ``path``)."""

    path = Path(path) if path else notebooks_dir() / "evidence_map.yaml"
    if not path.is_file():
        raise ConfigError(str(path), ["the evidence map is missing"])
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = []
    for s in raw.get("sections") or []:
        for unit, codes in (s.get("criteria") or {}).items():
            for code in codes:
                rows.append({"stage": s["stage"], "heading": s["heading"], "unit": unit, "code": str(code),
                             "strength": s.get("strength", "evidenced"), "note": s.get("note", ""),
                             "href": section_href(s["stage"], s["heading"]),
                             "needs": tuple(str(n) for n in s.get("needs") or ())})
    candidate = pd.DataFrame(
        [{"unit": c["unit"], "code": str(c["code"]), "evidence_type": list(c.get("evidence_type") or []),
          "template": c.get("template"), "why": c.get("why", "")} for c in raw.get("candidate_evidence") or []],
        columns=["unit", "code", "evidence_type", "template", "why"],
    )
    return EvidenceMap(
        sections=pd.DataFrame(rows, columns=["stage", "heading", "unit", "code", "strength", "note", "href", "needs"]),
        candidate=candidate, evidence_types=dict(raw.get("evidence_types") or {}), notes=list(raw.get("notes") or []),
    )


# --- coverage -----------------------------------------------------------------------------------
def has_needs(needs: Sequence[str], tables: Iterable[str]) -> bool:
    """Whether the review's tables satisfy a section's ``needs`` (all of them; "a|b" either)."""
    have = set(tables)
    return all(any(t in have for t in need.split("|")) for need in needs)


def stages_that_ran(summary: Mapping[str, Any] | None, discovered: Sequence[str], *, tables: Iterable[str] | None = None) -> list[str]:
    """Stages whose sections count as evidence: those summary.json records as run (``ok``); in an
    interactive session without that record, every discovered stage the review's tables give work
    (:func:`csperf_lib.core.scope.skip_reason`)."""

    recorded = [s for s in (summary or {}).get("stages") or [] if isinstance(s, Mapping)]
    if recorded:
        ran = {s.get("name") for s in recorded if s.get("status") == "ok"}
        return [d for d in discovered if d in ran]
    if tables is None:
        return list(discovered)
    tables = list(tables)
    return [d for d in discovered if skip_reason(d, tables) is None]


def coverage(criteria: pd.DataFrame, emap: EvidenceMap, *, stages_run: Sequence[str] | None = None,
             tables: Iterable[str] | None = None) -> pd.DataFrame:
    """Per criterion: status, the sections that evidence it, and the candidate evidence it needs.

    ``status`` is ``evidenced by the workbench`` when some section fully evidences it, ``partly
    evidenced`` when sections show part of it (the candidate brings the rest), else ``candidate
    evidence required``. Sections of stages that did not run (``stages_run``) do not count, nor do
    sections whose ``needs`` the review's ``tables`` do not satisfy.

    Returns
    -------
    DataFrame
        ``unit, code, kind, outcome, paraphrase, status, sections`` (list of (stage, heading, href,
        strength)), ``candidate_evidence`` (text), ``template``.
    """
    sections = emap.sections
    if stages_run is not None:
        sections = sections[sections["stage"].isin([*stages_run, REPORT_STAGE])]
    if tables is not None and "needs" in sections:
        tables = list(tables)
        sections = sections[[has_needs(n or (), tables) for n in sections["needs"]]]
    candidate = emap.candidate.set_index(["unit", "code"]) if len(emap.candidate) else emap.candidate
    rows = []
    for c in criteria.to_dict(orient="records"):
        mine = sections[(sections["unit"] == c["unit"]) & (sections["code"] == c["code"])]
        strengths = set(mine["strength"])
        status = STATUS_EVIDENCED if "evidenced" in strengths else STATUS_PARTLY if strengths else STATUS_CANDIDATE
        cand = candidate.loc[(c["unit"], c["code"])] if len(candidate) and (c["unit"], c["code"]) in candidate.index else None
        template = None
        if cand is not None:
            template = cand["template"] or next((emap.evidence_types.get(t) for t in cand["evidence_type"] if emap.evidence_types.get(t)), None)
        rows.append({
            **c,
            "status": status,
            "sections": [(r.stage, r.heading, r.href, r.strength) for r in mine.drop_duplicates(["stage", "heading"]).itertuples()],
            "candidate_evidence": ", ".join(cand["evidence_type"]) if cand is not None else "",
            "template": template,
        })
    return pd.DataFrame(rows)


def coverage_totals(cov: pd.DataFrame) -> pd.DataFrame:
    """Per unit: ``total, evidenced, partly, candidate_required`` (the summary.json ``coverage``)."""
    out = []
    for unit, part in cov.groupby("unit", sort=False):
        counts = part["status"].value_counts()
        out.append({"unit": unit, "total": len(part), "evidenced": int(counts.get(STATUS_EVIDENCED, 0)),
                    "partly": int(counts.get(STATUS_PARTLY, 0)), "candidate_required": int(counts.get(STATUS_CANDIDATE, 0))})
    return pd.DataFrame(out)


def _e(value: Any) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))


def _breakable(text: str) -> str:
    """Escaped text with a line-break opportunity after each dot, slash and underscore (module
    paths, formulas): a narrow column wraps there instead of cutting a word."""
    return re.sub(r"(?<=[./_])(?=\w)", "<wbr>", text)


def html_table(frame: pd.DataFrame, *, caption: str = "", links: Mapping[str, str] | None = None,
               code: Sequence[str] = ("formula", "module"), labels: Mapping[str, str] | None = None) -> str:
    """An accessible HTML table (caption, ``<th scope="col">``), every cell escaped and shown as a
    reader reads it (:func:`csperf_lib.core.display.reader_value`: numbers with separators, yes/no,
    identifiers as words or their ``labels``); column names as words. ``links`` maps a column to
    the column holding each cell's href; ``code`` columns (formulas, module paths) are shown as
    written, in ``<code>``."""
    links = dict(links or {})
    shown = [c for c in frame.columns if c not in links.values()]
    head = "".join(f'<th scope="col">{_e(human_label(c))}</th>' for c in shown)
    body = []
    for row in frame.to_dict(orient="records"):
        cells = []
        for c in shown:
            if c in code:
                text = f"<code>{_breakable(_e(row[c]))}</code>" if _e(row[c]) else MISSING
            else:
                text = _e(reader_value(row[c], labels=labels))
            if c in links and row.get(links[c]):
                text = f'<a href="{_e(row[links[c]])}">{text}</a>'
            cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f'<table class="csperf-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _stage_short(stage: str) -> str:
    """A stage as a link label names it: "Stage 03", or "This report" for the evidence report."""
    return "This report" if stage == REPORT_STAGE else STAGE_TITLES.get(stage, stage).split(" — ")[0]


def coverage_html(cov: pd.DataFrame, unit: str) -> str:
    """The coverage matrix of one unit: criterion -> evidence links, status, candidate evidence."""
    part = cov[cov["unit"] == unit]
    rows = []
    for r in part.to_dict(orient="records"):
        links = "<br>".join(
            f'<a href="{_e(href)}">{_e(_stage_short(stage))}: {_e(heading)}</a>'
            + ("" if strength == "evidenced" else " (partly)")
            for stage, heading, href, strength in r["sections"]
        ) or "—"
        cand = _e(r["candidate_evidence"])
        if isinstance(r["template"], str) and r["template"]:  # NaN where no row of the unit has one
            href = f"{CANDIDATE_FOLDER}/{r['template']}"
            cand += f' (<a href="{_e(href)}">template: {_e(Path(r["template"]).stem.replace("_", " "))}</a>)'
        rows.append(f"<tr><th scope=\"row\">{_e(r['code'])}</th><td>{_e(r['paraphrase'])}</td><td>{links}</td>"
                    f"<td>{_e(r['status'])}</td><td>{cand or '—'}</td></tr>")
    head = "".join(f'<th scope="col">{h}</th>' for h in ("criterion", "what it asks (paraphrase)", "evidence in this report", "status", "candidate evidence"))
    return f'<table class="csperf-table"><caption>{_e(unit)}: criteria and their evidence</caption><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


#: The report folder's sub-folder holding the candidate-evidence templates.
CANDIDATE_FOLDER = "candidate_evidence"


def candidate_templates() -> list[Path]:
    """The bundled candidate-evidence templates (Markdown forms the candidate fills in)."""
    folder = resources.files("csperf_lib") / "data" / CANDIDATE_FOLDER
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".md"))


def copy_candidate_templates(run_dir: str | Path) -> list[str]:
    """Copy every candidate-evidence template into ``run_dir/candidate_evidence/``, so the report
    folder holds what its coverage matrix asks for; returns the copies' paths relative to
    ``run_dir``."""
    target = Path(run_dir) / CANDIDATE_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for template in candidate_templates():
        (target / template.name).write_bytes(template.read_bytes())
        copied.append(f"{CANDIDATE_FOLDER}/{template.name}")
    return copied


def recording_form(cov: pd.DataFrame, *, unit: str = "CFACC16") -> pd.DataFrame:
    """A candidate recording form in the style of the CFACC16 form: evidence references as rows,
    performance criteria and knowledge items as columns, ✓ where the evidence covers the criterion.

    Evidence references are the report sections (``E01``…) and then one row per type of candidate
    evidence still to be supplied (``C01``…).
    """
    part = cov[cov["unit"] == unit]
    codes = list(part["code"])
    refs: dict[tuple[str, str], dict] = {}
    for r in part.to_dict(orient="records"):
        for stage, heading, _href, _strength in r["sections"]:
            refs.setdefault((stage, heading), {})[r["code"]] = "✓"
    cand: dict[str, dict] = {}
    for r in part.to_dict(orient="records"):
        for kind in filter(None, (t.strip() for t in r["candidate_evidence"].split(","))):
            cand.setdefault(kind, {})[r["code"]] = "✓"
    rows = []
    for i, ((stage, heading), ticks) in enumerate(refs.items(), start=1):
        rows.append({"ref": f"E{i:02d}", "evidence": f"{_stage_short(stage)}: {heading}", **{c: ticks.get(c, "") for c in codes}})
    for i, (kind, ticks) in enumerate(sorted(cand.items()), start=1):
        rows.append({"ref": f"C{i:02d}", "evidence": f"candidate to supply: {kind}", **{c: ticks.get(c, "") for c in codes}})
    return pd.DataFrame(rows, columns=["ref", "evidence", *codes])


SIGNATURES = (
    "| Role | Name | Signature | Date |\n|---|---|---|---|\n"
    "| Candidate |  |  |  |\n| Assessor |  |  |  |\n| Internal verifier |  |  |  |"
)


# --- cover, executive summary, appendices -------------------------------------------------------
def cover_facts(summary: Mapping[str, Any], *, config=None) -> pd.DataFrame:
    """The cover page as a two-column table: organisation, candidate, period, weeks, contacts,
    run date, workbench version."""
    period = summary.get("period") or {}
    start = period.get("start") or (str(config.period_start) if config is not None and config.period_start else None)
    end = period.get("end") or (str(config.period_end) if config is not None and config.period_end else None)
    weeks = "not stated: the config sets no review period"
    if start and end:
        days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1
        weeks = f"{days / 7:.1f} weeks ({days} days)"
    contacts = next((s for s in summary.get("sources") or [] if s.get("table") == "contacts"), {})
    facts = [
        ("Organisation", summary.get("organisation") or getattr(config, "organisation", "")),
        ("Reviewer (candidate)", summary.get("reviewer") or getattr(config, "reviewer", "")),
        ("Review period", f"{start} to {end}" if start else "not stated"),
        ("Length of the period", weeks),
        ("Contacts reviewed", f"{contacts.get('rows_usable', 0):,} usable of {contacts.get('rows_in', 0):,}" if contacts else ""),
        ("Run date", summary.get("run_date", "")),
        ("Workbench", f"csperf {summary.get('csperf_version') or _version()}"),
    ]
    return pd.DataFrame(facts, columns=["item", "value"])


def _version() -> str:

    try:
        return version("csperf")
    except PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "unknown"


def sources_table(summary: Mapping[str, Any]) -> pd.DataFrame:
    """Data sources with row accounting and SHA-256 (authenticity)."""
    rows = [
        {"table": s.get("table"), "source": Path(str(s.get("location", ""))).name or s.get("location"), "rows in": s.get("rows_in"),
         "usable": s.get("rows_usable"), "quarantined": s.get("rows_quarantined"), "SHA-256": s.get("sha256") or "(query source)"}
        for s in summary.get("sources") or []
    ]
    return pd.DataFrame(rows, columns=["table", "source", "rows in", "usable", "quarantined", "SHA-256"])


#: Finding kinds about the service itself, in the order the executive summary reads them (method
#: checks — sentiment, calibration, sources — are in their stage sections, not in the summary).
EXECUTIVE_KINDS = ("kpi_gap", "trend", "segment_difference", "emerging_issue", "theme_spike", "complaint_pattern",
                   "regulatory_breach", "escalation", "high_risk", "training_need")


def executive_summary(summary: Mapping[str, Any], *, limit: int = 10) -> list[tuple[str, str]]:
    """The findings that matter, one sentence each with its number and interval, and a link.

    Built from the findings ledger (``summary["findings"]``) and the recommendations: first, for
    each of the five highest-priority recommendations, the finding it rests on and the action it
    leads to; then the other statistically real, unfavourable findings about the service (whole
    centre before segments, :data:`EXECUTIVE_KINDS` order, smallest adjusted p first); then up to
    two instances of effective service — without repeating a finding.
    """

    findings = [Finding.model_validate(f) for f in summary.get("findings") or []]
    by_id = {f.id: f for f in findings}
    out: list[tuple[str, str]] = []
    used: set[str] = set()

    def link(f) -> str:
        return f.evidence[0] if f.evidence else ""

    for rec in (summary.get("recommendations") or [])[:5]:
        lead = next((by_id[i] for i in rec.get("finding_ids") or [] if i in by_id), None)
        if lead is None or lead.id in used or len(out) >= limit:
            continue
        used.update(i for i in rec.get("finding_ids") or [])
        out.append((f"{lead.sentence} Recommended action {rec.get('id', '')}: {rec.get('action', '')}", link(lead)))
    order = {k: i for i, k in enumerate(EXECUTIVE_KINDS)}
    concerns = [f for f in ranked(findings) if f.significant and f.favourable is False and f.kind in order and f.id not in used]
    concerns.sort(key=lambda f: (f.segment is not None, order[f.kind]))
    for f in concerns:
        if len(out) >= limit:
            break
        used.add(f.id)
        out.append((f.sentence, link(f)))
    strengths = [f for f in ranked(findings) if f.kind == "strength" and f.significant and f.segment is None and f.id not in used]
    for f in strengths[:2]:
        if len(out) >= limit:
            break
        out.append((f.sentence, link(f)))
    return out


@dataclass(frozen=True)
class SummaryAction:
    """One action of the executive summary: the recommendation and the finding it rests on.

    Attributes
    ----------
    id, action, owner, review_date : str
        From the recommendation (``review_date`` as "26 Apr 2026").
    because : str
        The sentence of the first finding it cites (its number, interval and n).
    more : int
        Further findings the recommendation cites.
    evidence, href : str
        Links to the finding's section and to the recommendation in stage 06.
    """

    id: str
    action: str
    owner: str
    review_date: str
    because: str
    more: int
    evidence: str
    href: str


@dataclass(frozen=True)
class ExecutiveSummary:
    """The executive summary: actions first, then the other findings, what works, what could
    not be judged (:func:`executive_summary_model`)."""

    actions: tuple[SummaryAction, ...]
    concerns: tuple[tuple[str, str], ...]
    strengths: tuple[tuple[str, str], ...]
    not_judged: tuple[str, ...]


def _recommendation_href(rec: Mapping[str, Any]) -> str:
    """The stage 06 heading of a recommendation (as :func:`recommendation_markdown` writes it)."""
    if rec.get("priority") is None or not rec.get("kind"):
        return section_href("06_recommendations", "Each recommendation: evidence, options, benefit and risk")
    heading = f"{rec['id']} · {str(rec['kind']).replace('_', ' ')} · {rec.get('subject', '')} (priority {float(rec['priority']):.0f})"
    return section_href("06_recommendations", heading)


def executive_summary_model(summary: Mapping[str, Any], *, actions: int = 5, concerns: int = 6) -> ExecutiveSummary:
    """The executive summary of a run's ``summary.json``, for a manager reading cold.

    Leads with the ``actions`` highest-priority recommendations (each with the finding it rests
    on, its owner and date), then up to ``concerns`` other statistically real, unfavourable
    findings about the service, up to two things that work, and what the review could not judge
    and why (KPIs the data cannot give, skipped stages, censored complaint outcomes, trends with
    too few periods, KPIs with no target, QA items scored inconsistently). Methods and
    model checks are in the appendices, not here.
    """
    findings = [Finding.model_validate(f) for f in summary.get("findings") or []]
    by_id = {f.id: f for f in findings}
    chosen, used = [], set()
    for rec in summary.get("recommendations") or []:
        if len(chosen) >= actions:
            break
        cited = [by_id[i] for i in rec.get("finding_ids") or [] if i in by_id]
        if not cited:
            continue
        used.update(f.id for f in cited)
        chosen.append(SummaryAction(
            id=str(rec.get("id", "")), action=str(rec.get("action", "")), owner=str(rec.get("owner") or ""),
            review_date=format_date(rec.get("review_date")) if rec.get("review_date") else "",
            because=cited[0].sentence, more=len(cited) - 1,
            evidence=cited[0].evidence[0] if cited[0].evidence else "", href=_recommendation_href(rec)))
    order = {k: i for i, k in enumerate(EXECUTIVE_KINDS)}
    others = [f for f in ranked(findings) if f.significant and f.favourable is False and f.kind in order
              and f.id not in used and f.attributes.get("status") != "within_tolerance"]
    others.sort(key=lambda f: (f.segment is not None, order[f.kind]))
    works = [f for f in ranked(findings) if f.kind == "strength" and f.significant and f.segment is None]
    return ExecutiveSummary(
        actions=tuple(chosen),
        concerns=tuple((f.sentence, f.evidence[0] if f.evidence else "") for f in others[:concerns]),
        strengths=tuple((f.sentence, f.evidence[0] if f.evidence else "") for f in works[:2]),
        not_judged=tuple(not_judged(summary, findings)),
    )


def not_judged(summary: Mapping[str, Any], findings: Sequence[Finding] | None = None) -> list[str]:
    """What the review could not judge, each with the reason, in plain words."""
    findings = findings if findings is not None else [Finding.model_validate(f) for f in summary.get("findings") or []]
    out = []
    for stage in summary.get("stages") or []:
        if stage.get("status") == "skipped":
            out.append(f"{STAGE_TITLES.get(stage['name'], stage['name'])}: not run — {stage.get('reason') or 'nothing to work on'}.")
    overall = (summary.get("kpis") or {}).get("overall") or []
    names = {k["kpi"]: k.get("name") or k["kpi"] for k in overall}
    for k in overall:
        if not k.get("available", True) or k.get("value") is None:
            reason = k.get("note") or k.get("reason") or "the data does not record what it needs"
            out.append(f"{names[k['kpi']]}: not measured — {reason}.")
    calendar = summary.get("calendar") or {}
    if calendar.get("censored_from"):
        horizon = calendar.get("censoring_horizon_days")
        wait = f"{float(horizon):.0f} days" if horizon else "the time they are allowed"
        out.append(f"Complaint outcomes (resolution time, share still open, upheld rate) for complaints received from "
                   f"{format_date(calendar['censored_from'])}: they had not had {wait} to close by the end of the data, so "
                   "no trend in them is judged.")
    short = [names.get(t["kpi"], t["kpi"]) for t in summary.get("trends") or []
             if t.get("segment") == "all" and t.get("trend") == "too few periods"]
    if short:
        out.append(f"Trends in {_and(short)}: too few complete periods to test.")
    with_target = {g["kpi"] for g in summary.get("gaps") or [] if g.get("dimension") == "all"}
    no_target = [names[k["kpi"]] for k in overall if k.get("value") is not None and k["kpi"] not in with_target]
    if no_target:
        out.append(f"No target is set for {_and(no_target)}: they are measured and trended, not judged against a target.")
    items = sorted({str(f.segment).replace("_", " ") for f in findings
                    if f.kind == "calibration" and f.dimension == "item" and f.significant})
    if items:
        out.append(f"QA scorecard items scored inconsistently by evaluators ({_and(items)}): conclusions about them, "
                   "including coaching on them, rest on scores evaluators do not yet agree on; calibrate first.")
    return out


def _and(words: Sequence[str]) -> str:
    words = list(dict.fromkeys(words))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def executive_summary_html(summary: Mapping[str, Any]) -> str:
    """:func:`executive_summary_model` rendered from ``templates/executive_summary.html.j2``
    (Jinja2, every value escaped)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("csperf_lib", "templates"), autoescape=True)
    return env.get_template("executive_summary.html.j2").render(summary=executive_summary_model(summary))


def stage_digest(stage: str, summary: Mapping[str, Any]) -> list[str]:
    """Two to five sentences on what a stage found, from summary.json."""
    s = summary
    if stage == "00_collect":
        return [f"{TABLE_WORDS.get(x['table'], x['table'])}: {x.get('rows_in', 0):,} rows read from {Path(str(x.get('location', ''))).name}, SHA-256 {str(x.get('sha256') or '')[:12]}…" for x in s.get("sources") or []]
    if stage == "01_validate":
        acc = (s.get("validation") or {}).get("accounting") or []
        return [f"{TABLE_WORDS.get(a['table'], a['table'])}: {a['rows_usable']:,} usable and {a['rows_quarantined']:,} quarantined of {a['rows_in']:,} ({a['usable_share']:.1%} usable)." for a in acc]
    if stage == "02_sample":
        samp = s.get("sampling") or {}
        return [f"Sample of {samp.get('sample_size', samp.get('n', '?'))} {samp.get('unit', 'contacts')} drawn for quality review ({samp.get('allocation', 'stratified')} allocation, seed {samp.get('seed', '?')})."] if samp else []
    if stage == "03_quantitative":
        out = [f"{k['name']}: {format_value(k['value'], k.get('unit') or '')}" + (f" (95 % CI {format_value(k['ci_low'], k.get('unit') or '')} to {format_value(k['ci_high'], k.get('unit') or '')}, n = {k['n']:,})" if k.get("ci_low") is not None else f" (n = {k['n']:,})")
               for k in ((s.get("kpis") or {}).get("overall") or []) if k.get("available")][:6]
        ledger = _stage_findings(s, stage)
        trends = [f for f in ledger if f.kind == "trend" and f.significant]
        differences = [f for f in ledger if f.kind == "segment_difference" and f.significant]
        out.append(f"{len(trends)} statistically significant trends and {len(differences)} segments that differ "
                   "materially from the rest, after FDR control.")
        return out
    if stage == "04_qualitative":

        ledger = _stage_findings(s, stage)
        out = [f.sentence for f in ledger if f.kind == "sentiment_check"]
        out += [f.sentence for f in ranked(f for f in ledger if f.kind in ("emerging_issue", "theme_spike") and f.significant)][:2]
        return out
    if stage == "05_benchmarks":
        ledger = _stage_findings(s, stage)
        gaps = [g for g in s.get("gaps") or [] if g.get("status") != "no_target"]
        real = [f for f in ledger if f.kind == "kpi_gap" and f.significant and f.attributes.get("status") == "missed"]
        return [f"{len(gaps)} KPI × segment results against targets; {len(real)} significant shortfalls.",
                *[f.sentence for f in ledger if f.kind == "target_review"]]
    if stage == "06_recommendations":
        recs = s.get("recommendations") or []
        return [f"{len(recs)} recommendations; the first three:", *(f"{r['id']}: {r['action']}" for r in recs[:3])] if recs else ["No recommendation met the bar."]
    return []


def _stage_findings(summary: Mapping[str, Any], stage: str) -> list:

    return [Finding.model_validate(f) for f in summary.get("findings") or [] if f.get("stage") == stage]


def code_order(code: str) -> tuple:
    """Natural order of criterion codes: ``PC 2`` before ``PC 10``, ``1.2`` before ``1.10``."""

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code))


def methods_table() -> pd.DataFrame:
    """Appendix A: each statistic with its formula and source (``data/methods.yaml``)."""
    raw = yaml.safe_load(resources.files("csperf_lib.data").joinpath("methods.yaml").read_text(encoding="utf-8"))
    return pd.DataFrame(raw["methods"], columns=["name", "stage", "formula", "source", "module"])


def quality_scorecard(summary: Mapping[str, Any]) -> pd.DataFrame:
    """Appendix B: per table rows in, usable, quarantined, usable share and threshold, and the
    failed checks with counts."""
    acc = pd.DataFrame((summary.get("validation") or {}).get("accounting") or [])
    fails = pd.DataFrame((summary.get("validation") or {}).get("failures") or [])
    if len(fails):
        per = fails.groupby("table")["rows"].sum().rename("Rows failing a check")
        acc = acc.merge(per, left_on="table", right_index=True, how="left") if len(acc) else acc
    out = acc.copy()
    if "table" in out:
        out["table"] = [TABLE_WORDS.get(str(t), str(t)) for t in out["table"]]
    for column in ("usable_share", "threshold"):  # proportions 0-1, read as percentages
        if column in out:
            out[column] = [format_value(v, "proportion") if pd.notna(v) else None for v in out[column]]
    return out


def glossary(config=None) -> pd.DataFrame:
    """Appendix C: every KPI by name with its definition, its unit in words and which way is better."""

    cat = kpi_catalogue(config)
    out = pd.DataFrame({"KPI": cat["name"], "definition": cat["definition"]})
    if "unit" in cat:
        out["unit"] = [UNIT_WORDS.get(u, u) for u in cat["unit"]]
    if "direction" in cat:
        out["better when"] = [DIRECTION_WORDS.get(d, d) for d in cat["direction"]]
    return out


#: Which way a KPI is better, in words.
DIRECTION_WORDS = {"higher_is_better": "higher", "lower_is_better": "lower", "neutral": "neither (a volume)"}


def coverage_chart_html(totals: pd.DataFrame) -> str:
    """Stacked bars of coverage per unit, as an ``<img>`` with alt text (the numbers in words)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 2.6))
    left = [0] * len(totals)
    for column, colour, label in (("evidenced", "#2E8B57", STATUS_EVIDENCED), ("partly", "#F0B429", STATUS_PARTLY), ("candidate_required", "#8FA3BF", STATUS_CANDIDATE)):
        ax.barh(totals["unit"], totals[column], left=left, color=colour, label=label)
        left = [a + b for a, b in zip(left, totals[column], strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel("criteria (count)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    alt = "Coverage of the assessment criteria per unit: " + "; ".join(
        f"{r.unit} {r.evidenced} evidenced, {r.partly} partly, {r.candidate_required} need candidate evidence, of {r.total}" for r in totals.itertuples()
    )
    return figure_html(fig, alt=alt)


def figure_html(fig, *, alt: str) -> str:
    """A matplotlib figure as an embedded PNG ``<img>`` with alt text (and the figure closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def summary_coverage(totals: pd.DataFrame) -> dict[str, Any]:
    """The ``coverage`` entry of summary.json."""
    return {"coverage": {r["unit"]: {k: int(r[k]) for k in ("total", "evidenced", "partly", "candidate_required")} for r in totals.to_dict(orient="records")}}
