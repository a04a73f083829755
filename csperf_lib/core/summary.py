"""The ``summary.json`` contract: typed models, a ``schema_version`` and a shipped JSON Schema.

``summary.json`` is what schedulers, later reviews and the evidence report read. Its top level is
closed (:class:`Summary` refuses unknown keys), so a key renamed in one stage cannot silently
empty a section of another: the review fails its own check instead. The parts readers act on —
the findings ledger, the recommendations, the stages, the sources and their row accounting, the
calendar, the coverage — are typed record by record; stage-specific tables (KPI breakdowns, gaps,
themes …) are lists of records whose columns each stage documents.

The JSON Schema generated from these models is shipped as ``csperf_lib/data/summary.schema.json``
(:func:`summary_json_schema`; ``tests/test_summary_schema.py`` keeps the file in step with the
models) and every review's ``summary.json`` is validated against the models when the run completes
(:func:`validate_summary`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from csperf_lib.core.errors import CsperfError
from csperf_lib.core.findings import Finding
from csperf_lib.core.summary_io import SCHEMA_VERSION

__all__ = [
    "SCHEMA_FILE",
    "SCHEMA_VERSION",
    "Summary",
    "SummaryContractError",
    "summary_json_schema",
    "validate_summary",
]

#: The shipped JSON Schema, in ``csperf_lib/data``.
SCHEMA_FILE = "summary.schema.json"

Records = list[dict[str, Any]]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """A record whose documented fields are typed and which may carry more."""

    model_config = ConfigDict(extra="allow")


class PeriodEntry(_Record):
    start: dt.date | None = None
    end: dt.date | None = None


class StageEntry(_Record):
    """One stage of the run."""

    name: str
    status: Literal["ok", "failed", "skipped"]
    seconds: float
    notebook: str | None = None
    html: str | None = None
    reason: str | None = Field(None, description="Why a skipped stage had nothing to work on, or why a stage failed.")


class SourceEntry(_Record):
    """Provenance and row accounting of one canonical table."""

    table: str
    location: str
    format: str
    sha256: str | None = None
    rows_read: int
    rows_skipped: int
    rows_in: int
    rows_usable: int | None = None
    rows_quarantined: int | None = None
    first_record_at: str | None = None
    last_record_at: str | None = None


class AccountingEntry(_Record):
    table: str
    rows_in: int
    rows_usable: int
    rows_quarantined: int
    usable_share: float | None = None
    threshold: float
    passed: bool


class ValidationEntry(_Record):
    accounting: list[AccountingEntry] = Field(default_factory=list)
    failures: Records = Field(default_factory=list)


class CalendarEntry(_Record):
    """The review calendar (:mod:`csperf_lib.core.calendar`)."""

    start: dt.date | None = None
    end: dt.date | None = None
    cutoff: str | None = None
    censoring_horizon_days: float | None = None
    censored_from: str | None = None
    weeks: int = 0
    complete_weeks: int = 0
    first_week: dt.date | None = None
    last_week: dt.date | None = None
    source: str = ""


class EvidenceItemEntry(_Record):
    text: str
    link: str
    supporting: bool = False


class RecommendationEntry(_Record):
    """A management action and the findings it rests on."""

    id: str
    action: str
    kind: str
    subject: str
    segment: dict[str, str] = Field(default_factory=dict)
    rule: str
    evidence: list[EvidenceItemEntry] = Field(default_factory=list)
    priority: float
    owner: str
    review_date: dt.date
    smart: str
    finding_ids: list[str] = Field(min_length=1, description="Ids of the findings (summary.json findings) it rests on.")


class CoverageEntry(_Record):
    total: int
    evidenced: int
    partly: int
    candidate_required: int


class EvidenceReportEntry(_Record):
    stage: str
    html: str
    pdf: str | None = None
    pdf_error: str | None = None


class SentimentEntry(_Open):
    model: str
    n: int
    accuracy: float
    macro_f1: float
    verdict: str


class Summary(_Record):
    """``summary.json``: written stage by stage, so every key but ``schema_version`` is optional.

    Attributes are documented by the stage that writes them: the runner (``run_date`` …
    ``evidence_report``), 00 (``sources``), 01 (``validation``, ``sources_evaluation``), 02
    (``sampling``), 03 (``kpis``, ``trends``, ``intervals``, ``calendar``), 04 (``themes``,
    ``theme_coverage``, ``calibration``, ``complaints``, ``sentiment``, ``emerging_issues``, ``escalations``), 05
    (``gaps``, ``target_review``, ``smart``, ``regulatory``), 06 (``recommendations``,
    ``staffing``), 07 (``coverage``); every stage adds to ``findings``.
    """

    schema_version: Literal["1.0"] = Field(description="Version of this contract.")
    run_date: dt.date | None = None
    period: PeriodEntry | None = None
    organisation: str | None = None
    reviewer: str | None = None
    csperf_version: str | None = None
    config: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    status: Literal["running", "complete", "failed"] | None = None
    error: str | None = Field(None, description="The one-line error of a failed run.")
    stages: list[StageEntry] = Field(default_factory=list)
    sources: list[SourceEntry] = Field(default_factory=list)
    validation: ValidationEntry | None = None
    sources_evaluation: dict[str, Any] | None = None
    sampling: dict[str, Any] | None = None
    kpis: dict[str, Records] | None = None
    trends: Records | None = None
    intervals: dict[str, Any] | None = None
    calendar: CalendarEntry | None = None
    themes: Records | None = None
    theme_coverage: dict[str, dict[str, Any]] | None = Field(
        None, description="Per text source: texts the codebook themes cover, and how many more the candidate themes would.")
    calibration: Records | None = None
    complaints: dict[str, Any] | None = None
    sentiment: SentimentEntry | None = None
    emerging_issues: Records | None = None
    escalations: dict[str, Any] | None = None
    gaps: Records | None = None
    target_review: Records | None = None
    smart: Records | None = None
    regulatory: Records | None = None
    recommendations: list[RecommendationEntry] | None = None
    staffing: dict[str, Any] | None = None
    coverage: dict[str, CoverageEntry] | None = None
    evidence_report: EvidenceReportEntry | None = None
    findings: list[Finding] = Field(default_factory=list, description="The findings ledger: every conclusion of the review.")


class SummaryContractError(CsperfError):
    """A ``summary.json`` does not fit the published contract (a stage wrote a key the contract
    does not know, or a value of the wrong kind)."""


def validate_summary(summary: Mapping[str, Any]) -> Summary:
    """The summary as typed models.

    Raises
    ------
    SummaryContractError
        Listing every problem, each with its key path.
    """
    try:
        return Summary.model_validate(dict(summary))
    except ValidationError as err:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()]
        raise SummaryContractError("summary.json does not fit its contract (schema "
                                   f"{SCHEMA_VERSION}): " + "; ".join(problems[:10])
                                   + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")) from None


def summary_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``summary.json``, generated from :class:`Summary`."""
    schema = Summary.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"csperf summary.json (schema_version {SCHEMA_VERSION})"
    return schema


def shipped_schema() -> dict[str, Any]:
    """The JSON Schema shipped in ``csperf_lib/data/summary.schema.json``."""
    return json.loads(resources.files("csperf_lib.data").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))
