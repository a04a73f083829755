"""Which canonical table and column each column of an export is: :func:`propose_mapping`.

Step 2 of ``csperf init`` (:mod:`csperf_lib.ingest.autoconfig`). The :class:`ExportProfile` of
:mod:`csperf_lib.ingest.profiling` is matched against every canonical table in
:data:`csperf_lib.core.tables.CANONICAL_TABLES` (read at run time, so tables added later are
considered): source column names against the :data:`SYNONYMS` of each canonical column, and the
inferred value types against the column's kind. The result (:class:`MappingProposal`) names the
table(s) the file feeds, a spec per recognised column (:class:`ColumnProposal`) with a confidence
and the evidence in words, derived columns (e.g. ``answered`` from a wait or an abandon flag), and
what could not be mapped. The synonym lists and scoring weights are the judgement this module adds;
every proposal says which evidence it rests on so a reviewer can overrule it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from csperf_lib.core import config as config_module
from csperf_lib.core.tables import CANONICAL_TABLES, CHANNELS, column_kind
from csperf_lib.ingest.profiling import (
    FALSE_WORDS,
    SCALES,
    TRUE_WORDS,
    ColumnProfile,
    ExportProfile,
    _normalise,
    _replace,
    _share,
)

__all__ = [
    "ColumnProposal",
    "TableProposal",
    "MappingProposal",
    "propose_mapping",
]


#: Name synonyms per table and canonical column, ``"phrase"`` or ``"phrase:weight"`` (weight below
#: 1 for generic words such as "date"). The canonical name itself is always a synonym, so columns
#: added to the schema later are still matched by their own name.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "contacts": {
        "contact_id": ("contact id", "call id", "interaction id", "session id", "conversation id",
                       "chat id", "call reference", "contact reference", "call ref", "callid",
                       "ticket id:0.8", "case id:0.7", "record id:0.7", "id:0.6"),
        "channel": ("channel", "contact channel", "media type", "media", "contact type:0.8",
                    "interaction type:0.8", "submitted via:0.8", "channel type"),
        "queue": ("queue", "queue name", "skill", "skill group", "split", "vdn", "topic:0.9",
                  "service:0.8", "call type:0.8", "call reason:0.8", "reason:0.7", "category:0.7",
                  "department:0.7", "campaign:0.8", "application:0.6", "line:0.6"),
        "team": ("team", "team name", "agent group", "group:0.8", "supervisor:0.7", "site:0.6"),
        "agent_id": ("agent", "agent id", "agent name", "operator", "representative", "rep:0.8",
                     "advisor", "adviser", "employee", "employee id", "csr", "handled by:0.8",
                     "staff:0.7", "user:0.6", "login id:0.8", "assignee:0.7"),
        "region": ("region", "area:0.8", "borough", "state:0.8", "country:0.8", "city:0.7",
                   "territory", "market:0.7", "location:0.6"),
        "arrived_at": ("arrived at", "arrival time", "arrival", "call start", "start time",
                       "call date", "contact date", "call time:0.8", "offered at", "queue start",
                       "datetime:0.8", "date time:0.8", "timestamp:0.8", "created at:0.8",
                       "created date:0.8", "start date:0.8", "date:0.7", "start:0.7",
                       "created:0.6", "received:0.6"),
        "wait_s": ("wait", "wait time", "waiting time", "speed of answer", "answer speed", "asa",
                   "queue time", "time in queue", "time to answer", "ring time:0.8",
                   "answer time:0.8", "queue duration", "wait duration"),
        "answered": ("answered", "is answered", "call answered", "answered flag", "connected:0.8",
                     "handled:0.8", "calls answered:0.8"),
        "abandoned": ("abandoned", "abandon", "is abandoned", "abandoned flag", "dropped:0.8",
                      "hung up:0.8"),
        "talk_s": ("talk", "talk time", "talk duration", "talktime", "conversation duration",
                   "call duration:0.9", "duration:0.75", "handle time:0.7", "aht:0.6"),
        "hold_s": ("hold", "hold time", "hold duration", "on hold"),
        "wrap_s": ("wrap", "wrap up", "wrapup", "wrap time", "wrap up time", "after call work",
                   "acw", "after call"),
        "resolved_first_contact": ("first contact resolution", "fcr", "resolved first contact",
                                   "first call resolution", "resolved on first contact",
                                   "resolved:0.85", "resolution:0.6", "solved:0.8"),
        "transferred": ("transferred", "transfer", "is transferred"),
        "escalated": ("escalated", "escalation", "is escalated"),
    },
    "surveys": {
        "response_id": ("response id", "survey id", "feedback id", "review id", "respondent id",
                        "survey response id", "id:0.6"),
        "contact_id": ("contact id", "call id", "interaction id", "conversation id",
                       "ticket id:0.8", "case id:0.7"),
        "responded_at": ("responded at", "response date", "survey date", "review date",
                         "feedback date", "completed at", "submitted at", "submitted:0.8",
                         "timestamp:0.8", "created at:0.8", "date:0.7", "created:0.6"),
        "queue": ("queue", "product", "product name", "variation", "service:0.8", "topic:0.8",
                  "category:0.7", "department:0.7", "skill:0.8", "model:0.7", "area:0.6"),
        "csat": ("csat", "satisfaction", "satisfaction rating", "satisfaction score",
                 "customer satisfaction", "overall satisfaction", "star rating", "stars",
                 "rating:0.9", "overall rating:0.9", "score:0.6"),
        "nps": ("nps", "net promoter", "net promoter score", "likelihood to recommend",
                "likely to recommend", "ltr", "recommend:0.8"),
        "ces": ("ces", "customer effort", "customer effort score", "effort:0.8", "ease:0.6"),
        "comment": ("comment", "comments", "verbatim", "verified reviews", "review text",
                    "feedback text", "free text", "remarks", "open answer", "review:0.9",
                    "reviews:0.9", "feedback:0.8", "text:0.7"),
    },
    "complaints": {
        "complaint_id": ("complaint id", "complaint number", "complaint reference", "unique key",
                         "case id", "case number", "case reference", "request id",
                         "service request id", "sr number", "ticket id:0.8", "reference:0.7",
                         "id:0.6", "key:0.6"),
        "received_at": ("received at", "date received", "received date", "created date",
                        "created at", "date opened", "opened date", "opened", "date logged",
                        "logged at", "date submitted", "complaint date", "received:0.8",
                        "created:0.8", "submitted:0.7", "date:0.6"),
        "channel": ("channel", "submitted via", "received via", "open data channel type",
                    "channel type", "intake channel", "contact channel", "via:0.7",
                    "source:0.6", "origin:0.6"),
        # What the complaint is about is its category; the product or service it concerns is
        # the queue, as a contact queue would be.
        "category": ("category", "complaint category", "complaint type", "issue:0.95",
                     "issue type", "type:0.7", "reason:0.7", "topic:0.8", "problem:0.7",
                     "product:0.7"),
        "sub_category": ("sub category", "subcategory", "sub issue", "sub type", "subtype",
                         "descriptor", "sub product:0.8", "detail:0.6"),
        "queue": ("queue", "agency", "department", "product:0.9", "team:0.8", "assigned to:0.8",
                  "agency name:0.85", "company:0.7", "business unit:0.8", "handled by:0.8",
                  "service:0.6"),
        "region": ("region", "borough", "state:0.9", "area:0.8", "country:0.8", "county:0.8",
                   "district:0.8", "city:0.7", "territory", "location:0.5", "zip code:0.5"),
        "acknowledged_at": ("acknowledged at", "acknowledged", "date acknowledged",
                            "acknowledgement date", "acknowledgment date",
                            "first response date:0.8", "first response:0.8"),
        "resolved_at": ("resolved at", "closed date", "date closed", "closed at", "closed",
                        "resolution date", "date resolved", "resolved:0.8", "completed:0.7",
                        "resolution action updated date:0.5"),
        "upheld": ("upheld", "complaint upheld", "justified", "founded:0.8", "substantiated"),
        "text": ("text", "narrative", "complaint narrative", "consumer complaint narrative",
                 "complaint text", "description:0.9", "details:0.8", "complaint:0.7",
                 "comments:0.7", "summary:0.7"),
        "contact_id": ("contact id", "call id", "interaction id"),
        "customer_id": ("customer id", "customer number", "client id", "consumer id",
                        "member id", "account number:0.8", "account:0.7", "customer:0.7"),
        "status": ("status", "case status", "complaint status", "current status"),
        "outcome": ("outcome", "company response to consumer", "company response", "resolution",
                    "result:0.8", "decision:0.8", "resolution description:0.8",
                    "company public response:0.6", "response:0.6"),
        "timely": ("timely", "timely response", "on time", "within deadline", "sla met",
                   "in sla:0.8"),
        "forwarded_at": ("forwarded at", "date sent to company", "sent to company", "forwarded",
                         "date forwarded", "referred at", "date referred", "date sent:0.8",
                         "assigned date:0.7"),
    },
    "qa_evaluations": {
        "evaluation_id": ("evaluation id", "evaluation", "assessment id", "scorecard id",
                          "form id:0.8", "audit id", "qa id", "review id:0.7"),
        "contact_id": ("contact id", "call id", "interaction id"),
        "agent_id": ("agent", "agent id", "agent name", "employee", "advisor", "adviser"),
        "evaluator_id": ("evaluator", "evaluator id", "reviewer", "assessor", "auditor",
                         "qa analyst", "scored by", "evaluated by"),
        "evaluated_at": ("evaluated at", "evaluation date", "reviewed at", "scored at",
                         "date:0.6"),
        "item": ("item", "question", "criterion", "criteria", "attribute", "behaviour",
                 "behavior", "competency", "section:0.7"),
        "score": ("score", "points", "points awarded", "mark", "result:0.7"),
        "max_score": ("max score", "maximum score", "max points", "possible points", "out of",
                      "maximum:0.8", "max:0.8", "weight:0.6"),
        "critical": ("critical", "is critical", "fatal", "auto fail", "autofail"),
    },
    "intervals": {
        "interval_start": ("interval start", "interval", "interval start time", "period start",
                           "date time:0.8", "datetime:0.8", "timestamp:0.8", "start:0.7",
                           "date:0.7", "time:0.6", "day:0.6", "period:0.7"),
        "interval_index": ("interval index", "index", "row", "row number", "sequence",
                           "interval number", "period number", "day number", "no:0.7"),
        "interval_s": ("interval length", "interval seconds", "interval minutes",
                       "period length", "interval duration"),
        "queue": ("queue", "skill", "split", "campaign", "vdn", "skill group", "service:0.7"),
        "offered": ("offered", "calls offered", "contacts offered", "incoming", "incoming calls",
                    "inbound calls", "calls received", "presented", "total calls:0.9",
                    "calls:0.7", "volume:0.8", "received:0.6"),
        "answered": ("answered", "answered calls", "calls answered", "calls handled",
                     "handled:0.8", "acd calls:0.8"),
        "abandoned": ("abandoned", "abandoned calls", "calls abandoned", "abandons", "aban"),
        "answered_within_threshold": ("answered within threshold", "answered within sl",
                                      "answered in sl", "within sl", "answered within",
                                      "calls answered within"),
        "service_level": ("service level", "sl", "grade of service", "gos",
                          "service level percent"),
        "threshold_s": ("threshold", "service level threshold", "sl threshold",
                        "target answer time", "answer target"),
        "wait_s_total": ("total wait", "total wait time", "total waiting time", "wait time total",
                         "total queue time", "wait total", "answer speed avg",
                         "average speed of answer", "speed of answer avg", "asa",
                         "answer speed:0.9", "speed of answer:0.9", "waiting time avg:0.8",
                         "wait time avg:0.8", "waiting time:0.7"),
        "talk_s_total": ("total talk", "total talk time", "talk time total", "talk total",
                         "talk duration avg", "talk time avg", "average talk time",
                         "talk duration:0.9", "talk time:0.9"),
        "handle_s_total": ("total handle", "total handle time", "handle time total",
                           "handle total", "aht", "average handle time", "handle time avg",
                           "handle time:0.9"),
        "agents_staffed": ("agents staffed", "staffed", "agents", "agents logged in",
                           "logged in agents", "positions staffed", "headcount:0.8", "fte:0.8"),
    },
}


_AVERAGE_WORDS = {"avg", "average", "mean"}


_CHANNEL_WORDS = (
    ("phone", ("phone", "call", "voice", "telephone", "tel", "ivr")),
    ("email", ("email", "e mail", "e-mail")),
    ("chat", ("chat", "web chat", "webchat", "messag", "sms", "text message", "whatsapp")),
    ("social", ("social", "twitter", "facebook", "instagram", "tweet")),
)


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .\-()/]*$")


_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}


@dataclass(frozen=True)
class ColumnProposal:
    """How one canonical column would be read.

    Attributes
    ----------
    canonical : str
        Canonical column name.
    spec : str or dict
        The config spec: a source column name or a mapping (``column``, ``format``...).
    source : str or None
        The source column it reads (None for constants and digests).
    confidence : {"high", "medium", "low"}
    evidence : str
        Why, in words.
    alternatives : tuple of ColumnProposal
        Other candidates worth a look (written commented out).
    active : bool
        False when the choice is low-confidence or ambiguous: written commented out.
    """

    canonical: str
    spec: Any
    source: str | None
    confidence: str
    evidence: str
    score: float = 0.0
    alternatives: tuple[ColumnProposal, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class TableProposal:
    """What one file would feed into one canonical table.

    Attributes
    ----------
    table : str
        Canonical table.
    score : float
        How well the file fits the table (higher is better; compare tables of one file).
    evidence : str
        Why this table.
    columns : tuple of ColumnProposal
        Proposed canonical columns, in canonical order.
    missing_required : tuple of str
        Required canonical columns with no active proposal.
    unmapped : tuple of str
        Source columns the table does not use.
    skip_when_blank : tuple of str
        Canonical columns whose blankness means "not a row of this table".
    """

    table: str
    score: float
    evidence: str
    columns: tuple[ColumnProposal, ...]
    missing_required: tuple[str, ...]
    unmapped: tuple[str, ...]
    skip_when_blank: tuple[str, ...] = ()

    def column(self, canonical: str) -> ColumnProposal | None:
        """The proposal for ``canonical``, or None."""
        return next((c for c in self.columns if c.canonical == canonical), None)


@dataclass(frozen=True)
class MappingProposal:
    """Everything proposed for one file.

    Attributes
    ----------
    profile : ExportProfile
    tables : tuple of TableProposal
        The table(s) the file feeds, best first (a call export with ratings feeds two).
    table_scores : dict of str to float
        Score of every canonical table, for the record.
    unmapped : tuple of str
        Source columns no proposed table uses.
    """

    profile: ExportProfile
    tables: tuple[TableProposal, ...]
    table_scores: Mapping[str, float]
    unmapped: tuple[str, ...]


def _synonyms(table: str, canonical: str) -> list[tuple[str, float]]:
    out = [(_normalise(canonical)[0], 1.0)]
    for entry in SYNONYMS.get(table, {}).get(canonical, ()):
        phrase, _, weight = entry.partition(":")
        out.append((_normalise(phrase)[0], float(weight) if weight else 1.0))
    return out


def _name_score(name: str, synonyms: list[tuple[str, float]]) -> tuple[float, str]:
    words, _ = _normalise(name)
    tokens = words.split()
    compact = words.replace(" ", "")
    best, why = 0.0, ""
    for phrase, weight in synonyms:
        ptoks = phrase.split()
        if not ptoks:
            continue
        if tokens == ptoks or compact == phrase.replace(" ", ""):
            score = 1.0
        elif _contains(tokens, ptoks):
            extra = len(tokens) - len(ptoks)
            score = max(0.55, 0.9 - 0.07 * extra)
        elif len(tokens) > 1 and len(ptoks) > len(tokens) and _contains(ptoks, tokens):
            score = 0.5
        else:
            score = 0.0
        score *= weight
        if score > best:
            best, why = score, phrase
    return best, why


def _contains(tokens: list[str], part: list[str]) -> bool:
    k = len(part)
    return any(tokens[i : i + k] == part for i in range(len(tokens) - k + 1))


def _value_fit(
    col: ColumnProfile, kind: str, canonical: str, *, key: bool
) -> tuple[float, str]:
    """How well a column's values fit a canonical kind (0 = incompatible) and why."""
    t = col.type
    if t == "empty":
        return 0.0, "empty in the sample"
    if kind == "id":
        if key:
            if t in ("identifier", "integer", "categorical", "text") and col.unique:
                return 1.0, f"unique in {col.distinct:,} rows"
            if t in ("identifier", "integer", "categorical"):
                dup = "not unique" if not col.unique else ""
                return 0.4, f"{dup} ({col.distinct:,} distinct values)".strip()
            return 0.0, f"{col.describe()} values"
        if t in ("identifier", "categorical", "integer"):
            return 0.9, f"{t} ({col.distinct:,} distinct)"
        if t == "text" and col.mean_length <= 40:
            return 0.5, "short text"
        return 0.0, f"{col.describe()} values"
    if kind == "category":
        if t == "categorical":
            return 1.0, f"categorical ({col.distinct:,} distinct)"
        if t == "flag":
            return 0.3, "a two-valued flag"
        if t in ("identifier", "integer") or (t == "text" and col.mean_length <= 60):
            return 0.5, f"{t} ({col.distinct:,} distinct)"
        if t == "text":
            return 0.3, f"long text ({col.distinct:,} distinct)"
        return 0.0, f"{col.describe()} values"
    if kind == "text":
        if t == "text":
            return 1.0, f"free text (mean {col.mean_length:.0f} characters)"
        if t in ("categorical", "identifier"):
            return 0.4, f"{t} text"
        return 0.0, f"{col.describe()} values"
    if kind == "datetime":
        if t in ("date", "datetime"):
            return 1.0, col.describe()
        if t in ("integer", "number") and col.minimum is not None and 20000 <= col.minimum and (
            col.maximum or 0
        ) <= 80000:
            return 0.5, "numbers in the range of Excel serial dates"
        return 0.0, f"{col.describe()} values"
    if kind == "duration":
        if t == "duration":
            return 1.0, col.describe()
        if t in ("integer", "number"):
            if col.minimum is not None and col.minimum < 0:
                return 0.2, "some numbers are negative"
            return 0.8, "non-negative numbers"
        if t == "time":
            return 0.4, f"clock times ({col.value_format})"
        return 0.0, f"{col.describe()} values"
    if kind == "bool":
        if t == "flag" and len(col.flag_values) == 2:
            return 1.0, f"flag {'/'.join(col.flag_values)}"
        if t == "flag":
            return 0.5, f"flag with one value only ({col.flag_values[0]})"
        if col.flag_values:
            return 0.6, f"two values {'/'.join(col.flag_values)}"
        return 0.0, f"{col.describe()} values"
    if kind == "number":
        if t in ("integer", "number", "flag") and col.minimum is not None:
            lo, hi = col.minimum, col.maximum
            scale = SCALES.get(canonical)
            if scale:
                if scale[0] <= lo and hi <= scale[1]:
                    return 1.0, f"numbers {lo:g}-{hi:g} within the {scale[0]}-{scale[1]} scale"
                return 0.2, f"numbers {lo:g}-{hi:g} outside the {scale[0]}-{scale[1]} scale"
            return 1.0, f"numbers {lo:g}-{hi:g}"
        if t in ("integer", "number"):
            return 0.8, "numbers"
        if t == "percent":
            return 1.0 if not SCALES.get(canonical) else 0.2, "percentages"
        return 0.0, f"{col.describe()} values"
    return (0.5, col.describe()) if t not in ("empty",) else (0.0, "empty")


def _is_average(name: str) -> bool:
    return bool(set(_normalise(name)[0].split()) & _AVERAGE_WORDS)


def _config_supports(option: str) -> bool:

    return option in getattr(config_module, "COLUMN_OPTIONS", ())


def _spec(
    col: ColumnProfile, kind: str, *, profile: ExportProfile, unit: str | None,
    canonical: str = "",
) -> tuple[Any, str]:
    """The config spec for reading ``col`` as ``kind``, and a note on the format chosen."""
    spec, note = _base_spec(col, kind, profile=profile, unit=unit)
    if canonical == "channel" and col.values:
        mapping = _channel_values(col.values)
        if mapping is not None:
            spec = {"column": col.name, "values": mapping}
            note = "values mapped onto phone/email/chat/social/other by keyword"
    if canonical.endswith("_total") and _is_average(col.name) and _config_supports("average_of"):
        spec = dict(spec) if isinstance(spec, dict) else {"column": spec}
        spec["average_of"] = "answered"
        note = (note + "; " if note else "") + (
            "the export gives an average per answered call: average_of turns it into the total"
        )
    return spec, note


def _channel_values(values: Sequence[str]) -> dict[str, Any] | None:
    """Source channel names onto the canonical vocabulary; None when they already are canonical."""

    if all(v.strip().lower() in CHANNELS and v.strip() == v.strip().lower() for v in values):
        return None
    mapping: dict[str, Any] = {}
    for value in values:
        low = " " + re.sub(r"[^a-z]+", " ", value.lower()) + " "
        target: Any = "other"
        if low.strip() in ("unknown", "n a", "none", "unspecified"):
            target = None
        else:
            for channel, words in _CHANNEL_WORDS:
                if any(f" {w}" in low for w in words):
                    target = channel
                    break
        mapping[value] = target
    return mapping


def _swapped_order(fmt: str) -> str:
    """The same strftime format with day and month swapped."""
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _base_spec(
    col: ColumnProfile, kind: str, *, profile: ExportProfile, unit: str | None
) -> tuple[Any, str]:
    if kind == "datetime":
        if col.type in ("integer", "number"):
            return {"column": col.name, "format": "excel_serial"}, "Excel serial days"
        if col.date_format:
            note = col.note or ""
            return {"column": col.name, "format": col.date_format}, note
        return col.name, ""
    if kind == "duration":
        if col.type in ("duration", "time"):
            fmt = col.value_format
            if fmt in (None, "native"):
                return col.name, "read as a duration"
            if fmt in ("hh:mm:ss", "clock12", "day_fraction"):
                return {"column": col.name, "format": fmt}, ""
            return col.name, ""
        chosen = unit or "seconds"
        note = "" if unit else "unit not named; seconds assumed"
        return {"column": col.name, "unit": chosen}, note
    if kind == "bool":
        values = col.flag_values
        if len(values) == 2:
            words = {v.lower() for v in values}
            if words <= TRUE_WORDS | FALSE_WORDS:
                return {"column": col.name, "values": {values[0]: True, values[1]: False}}, ""
            return (
                {"column": col.name, "values": {values[0]: True, values[1]: False}},
                f"'{values[0]}' read as true, '{values[1]}' as false",
            )
        return col.name, ""
    if kind == "number" and col.type == "percent":
        return {"column": col.name, "format": "percent"}, "percent strings"
    return col.name, ""


@dataclass(frozen=True)
class _Candidate:
    canonical: str
    source: str
    score: float
    name_score: float
    value_score: float
    evidence: str


def _candidates(profile: ExportProfile, table: str) -> list[_Candidate]:

    tdef = CANONICAL_TABLES[table]
    out = []
    for canonical, kind in tdef.columns.items():
        synonyms = _synonyms(table, canonical)
        key = canonical == tdef.key or (
            canonical.endswith("_id") and canonical == f"{table.rstrip('s')}_id"
        )
        for col in profile.columns:
            name_score, phrase = _name_score(col.name, synonyms)
            if name_score <= 0:
                continue
            value_score, why = _value_fit(col, kind, canonical, key=key)
            if value_score <= 0:
                continue
            score = 0.7 * name_score + 0.3 * value_score
            if score < 0.35:
                continue
            name_part = (
                "name matches" if name_score >= 0.95 else f"name resembles \"{phrase}\""
            )
            evidence = f"{name_part}, {why}"
            if col.blank_share > 0:
                evidence += f", {_share(col.blank_share)} blank"
                if col.blank_when:
                    evidence += f" (blank where {col.blank_when})"
            out.append(_Candidate(canonical, col.name, score, name_score, value_score, evidence))
    return out


def _confidence(cand: _Candidate) -> str:
    if cand.name_score >= 0.9 and cand.value_score >= 0.8:
        return "high"
    if cand.name_score >= 0.6 and cand.value_score >= 0.5:
        return "medium"
    if cand.name_score >= 0.95 and cand.value_score >= 0.3:
        return "medium"
    return "low"


def _proposal(
    cand: _Candidate, profile: ExportProfile, table: str, *, alternatives=(), active=True,
    confidence: str | None = None, extra: str = "",
) -> ColumnProposal:

    col = profile.column(cand.source)
    unit = _normalise(col.name)[1]
    kind = column_kind(table, cand.canonical)
    spec, note = _spec(col, kind, profile=profile, unit=unit, canonical=cand.canonical)
    evidence = f"`{cand.source}` -> {cand.canonical}: {cand.evidence}"
    if note:
        evidence += f"; {note}"
    if extra:
        evidence += f"; {extra}"
    conf = confidence or _confidence(cand)
    if (
        cand.canonical.endswith("_total") and _is_average(col.name)
        and not _config_supports("average_of")
    ):
        conf = "low"
        evidence += "; the export gives an average, not a total"
    if kind == "datetime" and col.date_order == "undecidable" and isinstance(spec, dict):
        if conf == "high":
            conf = "medium"
        if "%p" in str(spec.get("format")) and "%m/%d" in str(spec.get("format")):
            evidence += " (a 12-hour clock with AM/PM is a US convention, so month-first is likelier)"
        if active:
            other = dict(spec, format=_swapped_order(str(spec["format"])))
            alternatives = (*alternatives, ColumnProposal(
                canonical=cand.canonical, spec=other, source=cand.source, confidence="low",
                evidence=f"`{cand.source}` -> {cand.canonical} with day and month the other way "
                "round (the sample cannot tell)", active=False,
            ))
    return ColumnProposal(
        canonical=cand.canonical, spec=spec, source=cand.source, confidence=conf,
        evidence=evidence, score=round(cand.score, 3), alternatives=tuple(alternatives),
        active=active,
    )


def _assign(profile: ExportProfile, table: str) -> tuple[list[ColumnProposal], float]:
    """Greedy one-to-one assignment of source columns to canonical columns, best score first."""

    tdef = CANONICAL_TABLES[table]
    cands = sorted(_candidates(profile, table), key=lambda c: (-c.score, c.canonical, c.source))
    taken_canon: dict[str, _Candidate] = {}
    taken_source: set[str] = set()
    for cand in cands:
        if cand.canonical in taken_canon or cand.source in taken_source:
            continue
        taken_canon[cand.canonical] = cand
        taken_source.add(cand.source)
    proposals = []
    score = 0.0
    for canonical in tdef.columns:
        best = taken_canon.get(canonical)
        if best is None:
            continue
        rivals = [
            c for c in cands
            if c.canonical == canonical and c.source != best.source and c.score >= 0.45
        ]
        free_rivals = [c for c in rivals if c.source not in taken_source]
        ambiguous = any(best.score - c.score < 0.05 for c in free_rivals)
        conf = _confidence(best)
        alternatives = tuple(
            _proposal(c, profile, table, active=False, confidence=_confidence(c))
            for c in (free_rivals if (ambiguous or conf == "low") else [])[:3]
        )
        active = conf != "low" and not ambiguous
        extra = "ambiguous: as likely as the alternatives below" if ambiguous else ""
        prop = _proposal(
            best, profile, table, alternatives=alternatives, active=active,
            confidence="low" if ambiguous else conf, extra=extra,
        )
        proposals.append(prop)
        weight = {"high": 1.0, "medium": 0.8, "low": 0.3}[prop.confidence]
        score += best.score * weight
    return proposals, score


def _with_time_of_day(profile: ExportProfile, tdef: Any, out: list[ColumnProposal]) -> list[ColumnProposal]:
    """A date-only timestamp with a separate time-of-day column gets it as ``time_column``."""
    used = {c.source for c in out if c.active and c.source}
    for i, prop in enumerate(out):
        if not prop.active or tdef.columns.get(prop.canonical) != "datetime" or not prop.source:
            continue
        col = profile.column(prop.source)
        if col.type != "date":
            continue
        times = [
            c for c in profile.columns
            if c.type == "time" and c.name not in used
            and set(_normalise(c.name)[0].split()) & {"time", "hour", "start", "clock"}
        ]
        if not times:
            continue
        tcol = times[0]
        spec = dict(prop.spec) if isinstance(prop.spec, dict) else {"column": prop.spec}
        spec["time_column"] = tcol.name
        if tcol.value_format not in (None, "native"):
            spec["time_format"] = tcol.value_format
        used.add(tcol.name)
        out[i] = _replace(
            prop, spec=spec,
            evidence=prop.evidence + f"; time of day from `{tcol.name}` ({tcol.describe()})",
        )
    return out


def _contact_defaults(profile: ExportProfile, tdef: Any, by_name: dict[str, ColumnProposal]) -> list[ColumnProposal]:
    """Contacts: abandonment as "offered and not answered" when no flag exists; a constant phone
    channel when the column names speak of calls."""
    extra: list[ColumnProposal] = []
    # No abandonment flag: an offered call that was not answered was abandoned.
    if (
        "abandoned" in tdef.columns and "abandoned" not in by_name
        and "answered" in by_name and by_name["answered"].active
    ):
        ans = by_name["answered"]
        spec = ans.spec
        if isinstance(spec, dict) and spec.get("values"):
            values = {k: (not v) for k, v in spec["values"].items()}
            extra.append(ColumnProposal(
                canonical="abandoned",
                spec={"column": ans.source, "values": values},
                source=ans.source, confidence="medium",
                evidence=(
                    f"`{ans.source}` -> abandoned (inverted): no separate abandonment flag, so an "
                    "offered call that was not answered is taken as abandoned"
                ),
                score=0.6,
            ))

    # Every record a call: a constant channel.
    if "channel" in tdef.columns and "channel" not in by_name:
        callish = [c.name for c in profile.columns if re.search(r"\bcalls?\b", _normalise(c.name)[0])]
        if callish:
            extra.append(ColumnProposal(
                canonical="channel", spec={"value": "phone"}, source=None, confidence="medium",
                evidence=(
                    "every record is taken to be a call: column names speak of calls ("
                    + ", ".join(f"`{n}`" for n in callish[:3]) + ")"
                ),
                score=0.6,
            ))
    return extra


def _interval_defaults(profile: ExportProfile, tdef: Any, by_name: dict[str, ColumnProposal],
                       out: list[ColumnProposal]) -> list[ColumnProposal]:
    """Interval reports: the service-level threshold named in a header, the interval length named
    in the file name."""
    extra: list[ColumnProposal] = []
    if "threshold_s" in tdef.columns and "threshold_s" not in by_name:
        for prop in out:
            match = re.search(r"(\d+)\s*(s|sec|secs|seconds)\b", prop.source or "", re.I)
            if prop.canonical == "service_level" and prop.active and match:
                extra.append(ColumnProposal(
                    canonical="threshold_s", spec={"value": int(match.group(1))}, source=None,
                    confidence="medium",
                    evidence=f"the service-level header `{prop.source}` names a {match.group(1)} s "
                    "threshold",
                    score=0.6,
                ))
                break
    if "interval_s" in tdef.columns and "interval_s" not in by_name:
        stem = " " + _normalise(profile.path.stem)[0] + " "
        lengths = (
            (" daily ", 86400, "daily"), (" day ", 86400, "daily"), (" hourly ", 3600, "hourly"),
            (" half hourly ", 1800, "half-hourly"), (" 30 min ", 1800, "30-minute"),
            (" 15 min ", 900, "15-minute"),
        )
        for word, seconds, label in lengths:
            if word in stem:
                extra.append(ColumnProposal(
                    canonical="interval_s", spec={"value": seconds}, source=None,
                    confidence="medium",
                    evidence=f"the file name `{profile.path.name}` says {label}: one row is "
                    f"{seconds:,} s",
                    score=0.6,
                ))
                break
    return extra


def _digest_key(profile: ExportProfile, tdef: Any, out: list[ColumnProposal],
                columns: list[ColumnProposal]) -> list[ColumnProposal]:
    """A required identifier with no source column becomes a digest of the whole record."""
    key = tdef.key
    active = {c.canonical for c in out if c.active}
    if (
        key and key in tdef.required_columns and key not in active
        and _config_supports("hash_of")
    ):
        present = [c.name for c in profile.columns if c.type != "empty"]
        out = [c for c in out if c.canonical != key]
        alts = tuple(c for c in columns if c.canonical == key)
        out.append(ColumnProposal(
            canonical=key, spec={"hash_of": present}, source=None, confidence="medium",
            evidence=(
                f"no identifier column found: {key} is a digest of the whole record, so exact "
                "repeated records show up as duplicates"
            ),
            score=0.5, alternatives=alts,
        ))
    return out


def _derived(profile: ExportProfile, table: str, columns: list[ColumnProposal]) -> list[ColumnProposal]:
    """Rules beyond one-to-one matches: time column, abandonment from answered, channel, ids."""
    tdef = CANONICAL_TABLES[table]
    by_name = {c.canonical: c for c in columns}
    out = _with_time_of_day(profile, tdef, list(columns))
    if table == "contacts":
        out += _contact_defaults(profile, tdef, by_name)
    if table == "intervals":
        out += _interval_defaults(profile, tdef, by_name, out)
    out = _digest_key(profile, tdef, out, columns)
    order = list(tdef.columns)
    return sorted(out, key=lambda c: order.index(c.canonical))


def _table_proposal(
    profile: ExportProfile, table: str, columns: list[ColumnProposal], score: float,
    *, skip_when_blank: tuple[str, ...] = (), evidence: str = "",
) -> TableProposal:

    tdef = CANONICAL_TABLES[table]
    active = {c.canonical for c in columns if c.active}
    missing = tuple(r for r in tdef.required_columns if r not in active)
    used = set()
    for c in columns:
        if not c.active:
            continue
        spec = c.spec
        if isinstance(spec, str):
            used.add(spec)
        elif isinstance(spec, dict):
            used.update(v for k, v in spec.items() if k in ("column", "time_column"))
    unmapped = tuple(c.name for c in profile.columns if c.name not in used)
    if not evidence:
        counts = Counter(c.confidence for c in columns if c.active)
        found = len(tdef.required_columns) - len(missing)
        evidence = (
            f"{len(active)} canonical column(s) recognised ({counts.get('high', 0)} high, "
            f"{counts.get('medium', 0)} medium confidence); {found} of "
            f"{len(tdef.required_columns)} required column(s) found"
        )
    return TableProposal(
        table=table, score=round(score, 2), evidence=evidence, columns=tuple(columns),
        missing_required=missing, unmapped=unmapped, skip_when_blank=skip_when_blank,
    )


def _surveys_from_contacts(
    profile: ExportProfile, contacts: TableProposal
) -> TableProposal | None:
    """A contact-level file with a score column also feeds ``surveys`` (one response per contact)."""

    if "surveys" not in CANONICAL_TABLES:
        return None
    props, _ = _assign(profile, "surveys")
    scores = [
        p for p in props
        if p.canonical in ("csat", "nps", "ces") and p.active and p.confidence != "low"
        and p.source not in {c.source for c in contacts.columns if c.active}
    ]
    if not scores:
        return None
    key = contacts.column("contact_id")
    if key is None or not key.active:
        return None
    arrived = contacts.column("arrived_at")
    columns = [
        ColumnProposal(
            "response_id", key.spec, key.source, key.confidence,
            f"`{key.source}` -> response_id: one response per contact, so the contact id "
            "identifies the response", key.score,
        ),
        ColumnProposal(
            "contact_id", key.spec, key.source, key.confidence,
            f"`{key.source}` -> contact_id: the contact the rating is about", key.score,
        ),
    ]
    if arrived is not None and arrived.active:
        columns.append(ColumnProposal(
            "responded_at", arrived.spec, arrived.source, "medium",
            f"`{arrived.source}` -> responded_at: the contact's time (no separate response time)",
            arrived.score,
        ))
    columns += scores
    comment = next((p for p in props if p.canonical == "comment" and p.active), None)
    if comment is not None:
        columns.append(comment)
    order = list(CANONICAL_TABLES["surveys"].columns)
    columns.sort(key=lambda c: order.index(c.canonical))
    names = ", ".join(f"`{p.source}`" for p in scores)
    skip = tuple(p.canonical for p in scores)
    return _table_proposal(
        profile, "surveys", columns, sum(p.score for p in scores), skip_when_blank=skip,
        evidence=(
            f"score column(s) {names} in a contact-level file: one survey response per rated "
            f"contact; records with no score are skipped (skip_when_blank)"
        ),
    )


def propose_mapping(profile: ExportProfile) -> MappingProposal:
    """Propose the canonical table(s) a profiled file feeds and a spec per recognised column.

    Every canonical table in :data:`csperf_lib.core.tables.CANONICAL_TABLES` is scored; the best
    becomes the proposal. A contact-level file with a satisfaction/rating/NPS column also feeds
    ``surveys`` (one response per rated contact, ``skip_when_blank``).

    Parameters
    ----------
    profile : ExportProfile
        From :func:`inspect_export`.

    Returns
    -------
    MappingProposal
    """

    scored: dict[str, TableProposal] = {}
    for table, tdef in CANONICAL_TABLES.items():
        props, score = _assign(profile, table)
        found = {p.canonical for p in props if p.active}
        required_found = sum(r in found for r in tdef.required_columns)
        required_missing = len(tdef.required_columns) - required_found
        total = score + 1.0 * required_found - 1.0 * required_missing
        scored[table] = _table_proposal(profile, table, props, total)
    ranking = sorted(scored.values(), key=lambda t: -t.score)
    best = ranking[0]
    columns = _derived(profile, best.table, list(best.columns))
    main = _table_proposal(profile, best.table, columns, best.score)
    rivals = [t for t in ranking[1:3] if t.score > 0]
    why = main.evidence
    if rivals:
        why += "; next best: " + ", ".join(f"{t.table} ({t.score:.1f})" for t in rivals)
    main = _replace(main, evidence=f"score {main.score:.1f}: {why}")
    tables = [main]
    if main.table == "contacts":
        second = _surveys_from_contacts(profile, main)
        if second is not None:
            tables.append(second)
    unused = {c.name for c in profile.columns}
    for t in tables:
        unused &= set(t.unmapped)
    return MappingProposal(
        profile=profile,
        tables=tuple(tables),
        table_scores={t.table: t.score for t in ranking},
        unmapped=tuple(c.name for c in profile.columns if c.name in unused),
    )
