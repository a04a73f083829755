"""The findings ledger: every conclusion of a review as a typed record, written once, read by all.

A *finding* is one thing the review concludes — a segment that differs from the rest, a trend, a
KPI short of its target, an agent's coaching need — with the numbers it rests on (estimate,
interval, n, comparator, p and adjusted p, effect size) and a sentence rendered from those numbers
by :func:`csperf_lib.core.formatting.finding_sentence`. Stages record findings through a
:class:`FindingsLedger`; :meth:`FindingsLedger.save` writes them to the store's ``findings``
table (replacing that stage's earlier rows) and to ``summary.json["findings"]``. Later stages,
the recommendation rules, the executive summary, the evidence report, the team briefings and the
action plan read findings by their fields (:func:`read_findings`, :func:`select`), never by text.

The model is a pydantic v2 model so that ``summary.json`` has a generated JSON Schema and every
reader gets typed values (see :mod:`csperf_lib.core.summary`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, get_args

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from csperf_lib.core.formatting import finding_sentence
from csperf_lib.core.markup import escape
from csperf_lib.core.results import mark_stage_ran
from csperf_lib.core.summary_io import to_jsonable, update_summary

__all__ = [
    "FINDINGS_TABLE",
    "FINDING_DIMENSIONS",
    "KINDS",
    "Finding",
    "FindingKind",
    "FindingsLedger",
    "finding_dimension",
    "finding_id",
    "findings_markdown",
    "ranked",
    "read_findings",
    "select",
]

#: The store table holding the ledger.
FINDINGS_TABLE = "findings"
#: How a canonical segment column is named as a finding's dimension (agents are ``agent``).
FINDING_DIMENSIONS = {"agent_id": "agent"}


def finding_dimension(column: str) -> str:
    """A canonical segment column as a finding's ``dimension`` (``agent_id`` -> ``agent``)."""
    return FINDING_DIMENSIONS.get(column, column)

FindingKind = Literal[
    "data_quality", "source_risk", "segment_difference", "trend", "special_cause", "change_point",
    "driver", "theme_spike", "emerging_issue", "complaint_pattern", "sentiment_check", "calibration",
    "escalation", "high_risk", "kpi_gap", "strength", "target_review", "regulatory_breach",
    "staffing_shortfall", "staffing_surplus", "coaching_need", "training_need",
]
#: Every finding kind, in the order stages produce them.
KINDS: tuple[str, ...] = get_args(FindingKind)

Scalar = str | float | int | bool | None


def _plain(value: Any) -> Any:
    """numpy / pandas scalars as Python scalars; NaN, NaT, NA and infinities as None."""

    return to_jsonable(value)


class Finding(BaseModel):
    """One conclusion of the review.

    Attributes
    ----------
    id : str
        Stable across re-runs for the same subject, e.g. ``trend:aht_s:team=Falcon``
        (:func:`finding_id`).
    stage : str
        The notebook stem that recorded it, e.g. ``03_quantitative``.
    kind : str
        One of :data:`KINDS`.
    kpi : str or None
        KPI catalogue id.
    dimension, segment : str or None
        ``team`` / ``Falcon``, ``queue`` / ``Billing``, ``agent`` / the pseudonym the report shows;
        None for the whole review.
    period_start, period_end : datetime.date or None
        The periods of the review calendar the finding covers.
    direction : {"up", "down"} or None
        The measured quantity against its comparator (later against earlier for a trend, the
        segment against the rest, the value against the target).
    favourable : bool or None
        True when the direction is good for customers or the organisation, False when bad, None
        when neither.
    estimate, ci_low, ci_high, n
        The value, its 95 % interval and the count behind it.
    comparator : float or None
        The value it was compared with; ``comparator_label`` says what that is (``target``,
        ``rest of the centre``, ``first period``, ``peers``).
    p_value, q_value : float or None
        Raw and multiplicity-adjusted p (None where no test applies).
    significant : bool
        The decision the report acts on: significant after multiplicity control where a test
        applies; where none does (a rule breach, a flagged case) whether the stage's rule fired.
    effect_name, effect_size
        E.g. ``cohens_h`` 0.31, ``sens_slope_per_week`` 4.2.
    attributes : dict of str to scalar
        Kind-specific scalars: ``kpi_name`` and ``unit`` for KPI findings; ``item`` for
        ``coaching_need``; ``theme`` and ``terms`` for ``theme_spike`` / ``emerging_issue``;
        ``queue``, ``weekday`` (Mon…Sun), ``interval_start`` ("08:30"), ``agents_required``,
        ``agents_deployed`` for ``staffing_shortfall``; ``rule`` for ``regulatory_breach``.
    sentence : str
        The plain-language statement, rendered from the fields.
    evidence : tuple of str
        Links to the report sections that show it (``05_benchmarks.html#…``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    stage: str = Field(min_length=1)
    kind: FindingKind
    kpi: str | None = None
    dimension: str | None = None
    segment: str | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    direction: Literal["up", "down"] | None = None
    favourable: bool | None = None
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    comparator: float | None = None
    comparator_label: str | None = None
    p_value: float | None = None
    q_value: float | None = None
    significant: bool = False
    effect_name: str | None = None
    effect_size: float | None = None
    attributes: dict[str, Scalar] = Field(default_factory=dict)
    sentence: str = Field(min_length=1)
    evidence: tuple[str, ...] = ()

    @field_validator("estimate", "ci_low", "ci_high", "comparator", "p_value", "q_value", "effect_size", mode="before")
    @classmethod
    def _finite_or_none(cls, value: Any) -> Any:
        return _plain(value)

    @field_validator("n", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        value = _plain(value)
        return int(round(value)) if isinstance(value, float) else value

    @field_validator("kpi", "dimension", "segment", "comparator_label", "effect_name", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        value = _plain(value)
        return None if value is None else str(value)

    @field_validator("period_start", "period_end", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        value = _plain(value)
        if isinstance(value, str) and len(value) > 10:
            return value[:10]
        return value

    @field_validator("favourable", "significant", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        return _plain(value)

    @field_validator("attributes", mode="before")
    @classmethod
    def _scalars(cls, value: Any) -> Any:
        if value is None:
            return {}
        return {str(k): _plain(v) for k, v in dict(value).items()}


def finding_id(kind: str, *, kpi: str | None = None, dimension: str | None = None, segment: Any = None,
               **parts: Any) -> str:
    """A stable identifier: ``kind:kpi:dimension=segment`` then ``key=value`` for every extra part.

    Examples
    --------
    >>> finding_id("trend", kpi="aht_s", dimension="team", segment="Falcon")
    'trend:aht_s:team=Falcon'
    >>> finding_id("coaching_need", dimension="agent", segment="A-3f2c", item="accuracy")
    'coaching_need:agent=A-3f2c:item=accuracy'
    """
    pieces = [kind]
    if kpi:
        pieces.append(str(kpi))
    if dimension and segment is not None:
        pieces.append(f"{dimension}={segment}")
    for key, value in parts.items():
        if value is not None and value != "":
            pieces.append(f"{key}={value}")
    return ":".join(pieces)


class FindingsLedger:
    """What one stage concludes, recorded through one API and saved once.

    Parameters
    ----------
    stage : str
        The notebook stem recording the findings (``03_quantitative``).

    Examples
    --------
    >>> ledger = FindingsLedger("03_quantitative")
    >>> f = ledger.add("trend", kpi="aht_s", dimension="team", segment="Falcon", direction="up",
    ...                favourable=False, estimate=340, comparator=300, comparator_label="first period",
    ...                q_value=0.01, significant=True, effect_name="sens_slope_per_week", effect_size=3.4,
    ...                attributes={"kpi_name": "Average handling time", "unit": "seconds", "periods": 12})
    >>> f.id
    'trend:aht_s:team=Falcon'
    """

    def __init__(self, stage: str):
        self.stage = stage
        self._findings: dict[str, Finding] = {}

    def __len__(self) -> int:
        return len(self._findings)

    def __iter__(self):
        return iter(self._findings.values())

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The findings recorded so far, in the order they were added."""
        return tuple(self._findings.values())

    def add(self, kind: str, *, id: str | None = None, key: Mapping[str, Any] | None = None,
            evidence: Iterable[str] = (), **fields: Any) -> Finding:
        """Record one finding and return it.

        Parameters
        ----------
        kind : str
            One of :data:`KINDS`.
        id : str, optional, keyword-only
            The finding's identifier; by default :func:`finding_id` of the kind, ``kpi``,
            ``dimension``/``segment`` and the ``key`` parts.
        key : mapping, optional, keyword-only
            Extra parts that make the identifier unique (``item``, ``week``, ``rule`` …).
        evidence : iterable of str, keyword-only
            Links to the report sections that show it.
        **fields
            Any other :class:`Finding` field; ``sentence`` is rendered here, never given.

        Raises
        ------
        ValueError
            When ``sentence`` is given, or a field fails validation.
        """
        if "sentence" in fields:
            raise ValueError("a finding's sentence is rendered from its fields; do not pass one")
        identifier = id or finding_id(kind, kpi=fields.get("kpi"), dimension=fields.get("dimension"),
                                      segment=fields.get("segment"), **dict(key or {}))
        if identifier in self._findings:  # the same subject twice: keep both, deterministically
            suffix = 2
            while f"{identifier}#{suffix}" in self._findings:
                suffix += 1
            identifier = f"{identifier}#{suffix}"
        draft = {"id": identifier, "stage": self.stage, "kind": kind, "evidence": tuple(evidence), **fields}
        probe = Finding.model_validate({**draft, "sentence": "-"})
        finding = probe.model_copy(update={"sentence": finding_sentence(probe.model_dump())})
        self._findings[identifier] = finding
        return finding

    def save(self, store, run_dir=None) -> list[Finding]:
        """Replace this stage's findings in the store (table ``findings``) and in
        ``run_dir/summary.json["findings"]``; return the whole ledger after saving."""
        existing = read_findings(store)
        kept = [f for f in existing if f.stage != self.stage]
        everything = _ordered([*kept, *self.findings])
        store.write(FINDINGS_TABLE, _to_store_frame(everything))

        mark_stage_ran(store, self.stage)
        if run_dir is not None:

            update_summary(run_dir, findings=[f.model_dump(mode="json") for f in everything])
        return everything


#: Columns of the store table, in order; attributes and evidence are JSON text.
STORE_COLUMNS = {
    "id": "string", "stage": "string", "kind": "string", "kpi": "string", "dimension": "string",
    "segment": "string", "period_start": "string", "period_end": "string", "direction": "string",
    "favourable": "boolean", "estimate": "Float64", "ci_low": "Float64", "ci_high": "Float64",
    "n": "Int64", "comparator": "Float64", "comparator_label": "string", "p_value": "Float64",
    "q_value": "Float64", "significant": "boolean", "effect_name": "string", "effect_size": "Float64",
    "attributes": "string", "sentence": "string", "evidence": "string",
}


def _ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Stage order, then the order each stage recorded them (stable)."""
    return sorted(findings, key=lambda f: f.stage)


def _to_store_frame(findings: Sequence[Finding]) -> pd.DataFrame:
    rows = []
    for f in findings:
        record = f.model_dump(mode="json")
        record["attributes"] = json.dumps(record["attributes"], sort_keys=True, ensure_ascii=False)
        record["evidence"] = json.dumps(list(record["evidence"]), ensure_ascii=False)
        rows.append(record)
    frame = pd.DataFrame(rows, columns=list(STORE_COLUMNS))
    return frame.astype(STORE_COLUMNS)


def read_findings(store, *, stage: str | None = None) -> list[Finding]:
    """The ledger as stored (every stage, or one), in stage order; empty when none was saved."""
    if not store.has(FINDINGS_TABLE):
        return []
    frame = store.to_pandas(FINDINGS_TABLE)
    out = []
    for record in frame.to_dict(orient="records"):
        record = {k: _plain(v) for k, v in record.items()}
        record["attributes"] = json.loads(record.get("attributes") or "{}")
        record["evidence"] = tuple(json.loads(record.get("evidence") or "[]"))
        if stage is not None and record["stage"] != stage:
            continue
        out.append(Finding.model_validate({k: v for k, v in record.items() if v is not None or k in ("significant",)}))
    return out


def select(findings: Iterable[Finding], *, kind: str | Iterable[str] | None = None, stage: str | None = None,
           kpi: str | Iterable[str] | None = None, dimension: str | Iterable[str] | None = None,
           significant: bool | None = None, favourable: bool | None = None,
           min_effect: float | None = None, **attributes: Any) -> list[Finding]:
    """Findings matching every condition given (a list of values matches any of them).

    ``min_effect`` compares with the absolute effect size; ``dimension="all"`` matches findings
    about the whole review (``dimension`` None); extra keywords match ``attributes`` values.
    """

    def _as_set(value):
        return None if value is None else ({value} if isinstance(value, str) else set(value))

    kinds, kpis, dims = _as_set(kind), _as_set(kpi), _as_set(dimension)
    out = []
    for f in findings:
        if kinds is not None and f.kind not in kinds:
            continue
        if stage is not None and f.stage != stage:
            continue
        if kpis is not None and f.kpi not in kpis:
            continue
        if dims is not None and (f.dimension or "all") not in dims:
            continue
        if significant is not None and f.significant != significant:
            continue
        if favourable is not None and f.favourable != favourable:
            continue
        if min_effect is not None and (f.effect_size is None or abs(f.effect_size) < min_effect):
            continue
        if any(f.attributes.get(k) not in (v if isinstance(v, (list, tuple, set)) else [v]) for k, v in attributes.items()):
            continue
        out.append(f)
    return out


def ranked(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in reading order: acted on (significant) first, then by adjusted p (smallest
    first), then by absolute effect size (largest first); ties keep the recorded order."""
    def key(item):
        position, f = item
        q = f.q_value if f.q_value is not None else (f.p_value if f.p_value is not None else 1.0)
        effect = -abs(f.effect_size) if f.effect_size is not None else 0.0
        return (not f.significant, q, effect, position)

    return [f for _, f in sorted(enumerate(findings), key=key)]


def findings_markdown(findings: Iterable[Finding], *, empty: str = "", limit: int | None = None) -> str:
    """A Markdown bullet list of the findings' sentences (HTML-escaped), in :func:`ranked` order;
    ``empty`` when there are none. With ``limit``, the rest are counted in a last line."""

    ordered = ranked(findings)
    if not ordered:
        return empty
    shown = ordered if limit is None else ordered[:limit]
    lines = [f"- {escape(f.sentence)}" for f in shown]
    if len(ordered) > len(shown):
        lines.append(f"- … and {len(ordered) - len(shown):,} more (all are in `summary.json`, `findings`).")
    return "\n".join(lines)
