"""Which canonical table and column each column of an export is: :func:`propose_mapping`.

Step 2 of ``csperf init`` (:mod:`csperf_lib.ingest.autoconfig`). The :class:`ExportProfile` of
:mod:`csperf_lib.ingest.profiling` is matched against every canonical table in
:data:`csperf_lib.core.tables.CANONICAL_TABLES` (read at run time, so tables added later are
considered): source column names (and the question text under a header) against the
:data:`~csperf_lib.ingest.synonyms.SYNONYMS` of each canonical column, and the inferred value types
against the column's kind. Content counts as evidence when names say nothing: whole numbers on a
survey scale are a candidate score, the first unique column and the first timestamp of a file
without a header line are its key and time. Rules beyond one-to-one matches (``answered`` from an
abandonment flag or from call outcomes, a constant channel, an interval's length, a unique key
column rather than a digest) are in :mod:`csperf_lib.ingest.derived_columns`; every table is scored
with them, and survey responses count only with a score. The result (:class:`MappingProposal`)
names the table(s) the file feeds, a spec per recognised column (:class:`ColumnProposal`) with a
confidence and the evidence in words, and what could not be mapped. The synonym lists and scoring
weights are the judgement this module adds; every proposal says which evidence it rests on so a
reviewer can overrule it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from csperf_lib.core.tables import CANONICAL_TABLES, EVENT_COLUMNS, column_kind
from csperf_lib.ingest.content_evidence import (
    all_channels,
    channel_values,
    content_only,
    counts_that_add_up,
    labelled_numbers,
    likert_values,
    prose,
    scale_only,
    segment,
    timely_values,
    values_only,
    verdict_values,
)
from csperf_lib.ingest.derived_columns import derived_columns
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
from csperf_lib.ingest.proposal_models import (
    ColumnProposal,
    MappingProposal,
    TableProposal,
    config_supports,
)
from csperf_lib.ingest.synonyms import SYNONYMS

__all__ = [
    "ColumnProposal",
    "TableProposal",
    "MappingProposal",
    "propose_mapping",
]


_AVERAGE_WORDS = {"avg", "average", "mean"}


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .\-()/]*$")


_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}


def _synonyms(table: str, canonical: str) -> tuple[tuple[str, float, tuple[str, ...]], ...]:
    """``(phrase, weight, stemmed words)`` per synonym, the canonical name first: stemmed once per
    canonical column, not again for every source column compared."""
    entries = [(_normalise(canonical)[0], 1.0)]
    for entry in SYNONYMS.get(table, {}).get(canonical, ()):
        phrase, _, weight = entry.partition(":")
        entries.append((_normalise(phrase)[0], float(weight) if weight else 1.0))
    return tuple((phrase, weight, tuple(_stem(phrase.split()))) for phrase, weight in entries)


#: Abbreviations exports use for a whole word.
_WORD_FORMS = {"dt": "date", "ts": "timestamp", "num": "number", "no": "number", "nbr": "number",
               "desc": "description", "cust": "customer", "grp": "group", "avg": "average",
               "ans": "answered", "aban": "abandoned", "abn": "abandoned", "dept": "department"}


#: Contractions registers write ("Date Rec'd", "Date Resp'd").
_CONTRACTED = {"rec": "received", "resp": "responded", "ack": "acknowledged", "comp": "completed",
               "clos": "closed"}


def _stem(tokens: list[str]) -> list[str]:
    """Words compared without a plural ``s`` or a verb or noun ending (``started`` and ``start``,
    ``created``, ``creation`` and ``create`` compare equal), with common abbreviations spelt out."""
    out = []
    for token in tokens:
        token = _WORD_FORMS.get(token, token)
        if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
            token = token[:-1]
        for ending in ("ation", "ion", "ing", "ed", "e"):
            if len(token) > len(ending) + 3 and token.endswith(ending):
                token = token[: -len(ending)]
                break
        out.append(token)
    return out


def _name_score(name: str, synonyms: Sequence[tuple[str, float, tuple[str, ...]]]) -> tuple[float, str]:
    # "Ans < 30s" is answered within 30 s.
    text = re.sub(r"\s*(?:<=?|\u2264)\s*(?=\d)", " within ", str(name))
    text = re.sub(r"(?i)\b(rec|resp|ack|comp|clos)'d\b", lambda m: _CONTRACTED[m.group(1).lower()], text)
    words, _ = _normalise(text)
    tokens = _stem(words.split())
    compact = "".join(tokens)
    squashed = words.replace(" ", "")  # "ADDDATE", "RESOLUTIONDATE": words run together, unstemmed
    if len(tokens) == 1 and len(squashed) >= 8:  # "SERVICEORDERSTATUS": split into known words
        tokens = _stem(segment(squashed))
    question = "?" in str(name) or len(tokens) >= 6
    best, why = 0.0, ""
    for phrase, weight, stemmed in synonyms:
        ptoks = list(stemmed)
        if not ptoks:
            continue
        if tokens == ptoks or compact == "".join(ptoks) or squashed == phrase.replace(" ", ""):
            score = 1.0
        elif len(ptoks) > 1 and sorted(tokens) == sorted(ptoks):  # "date started" for "started date"
            score = 0.95
        elif _contains(tokens, ptoks):
            extra = len(tokens) - len(ptoks)
            # A question as a header ("How likely is it that you would recommend us...?") names
            # its subject among many words: the phrase counts, the other words do not.
            score = 0.85 if question else max(0.55, 0.9 - 0.07 * extra)
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
    col: ColumnProfile, kind: str, canonical: str, *, key: bool, has_channel: bool = True
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
        statuses = sum(any(w in v.lower() for w in _STATUS_WORDS) for v in col.values)
        status_like = bool(col.values) and statuses >= max(1, len(col.values) / 2)
        if canonical == "region" and status_like:
            return 0.1, "values are states of a case (open, resolved), not places"
        if canonical == "status" and col.values and not status_like:
            return 0.3, "values are not states of a case"
        if col.distinct == 1 and canonical not in ("channel", "status"):
            return 0.2, "one value only: no segments to compare"
        if canonical != "channel" and has_channel and all_channels(col):
            return 0.3, "values are contact channels"
        if timely_values(col.flag_values or col.values):
            return 0.3, "values say whether a deadline was met"
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
            if canonical == "interval_s":  # a time of day is when an interval starts, not its length
                return 0.0, "times of day"
            return 0.4, f"clock times ({col.value_format})"
        return 0.0, f"{col.describe()} values"
    if kind == "bool":
        if canonical == "timely" and timely_values(col.flag_values or col.values):
            return 1.0, "values say whether a deadline was met (" + "/".join(col.values[:2]) + ")"
        if t == "categorical" and verdict_values(col.values):
            return 0.9, "verdicts (" + "/".join(col.values[:4]) + ")"
        if t == "flag" and len(col.flag_values) == 2:
            return 1.0, f"flag {'/'.join(col.flag_values)}"
        if t == "flag":
            return 0.5, f"flag with one value only ({col.flag_values[0]})"
        if col.flag_values:
            return 0.6, f"two values {'/'.join(col.flag_values)}"
        return 0.0, f"{col.describe()} values"
    if kind == "number":
        labelled = labelled_numbers(col.values) if t == "categorical" else None
        if labelled and SCALES.get(canonical):
            low, high = SCALES[canonical]
            lo, hi = min(labelled.values()), max(labelled.values())
            if low <= lo and hi <= high:
                return 1.0, f"numbers {lo}-{hi} with their labels ('{col.values[0]}'), within the {low}-{high} scale"
            return 0.2, f"numbers {lo}-{hi} with labels, outside the {low}-{high} scale"
        if canonical == "csat" and t == "categorical" and likert_values(col.values):
            return 0.9, "ratings in words (" + ", ".join(col.values[:3]) + "...), read on the 1-5 scale"
        if canonical in _COUNTS and set(_normalise(col.name)[0].split()) & _TIME_WORDS:
            return 0.2, "the name speaks of a time, not a count"
        if canonical in _COUNTS and (t == "percent" or "%" in col.name):
            return 0.1, "percentages, not a count"
        if t == "flag" and set(col.flag_values) <= {"0", "1"}:
            return 0.8, "whole numbers 0 and 1"
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


#: Canonical counts of an interval report, and words that name a time instead.
_COUNTS = {"offered", "answered", "abandoned", "answered_within_threshold", "agents_staffed"}
_TIME_WORDS = {"time", "duration", "speed", "seconds", "sec", "minutes"}

#: Words of a case's state: a column of them is a status, never a region.
_STATUS_WORDS = ("open", "closed", "resolved", "progress", "pending", "new", "solved", "assigned",
                 "cancel", "waiting", "on hold", "complet", "working", "initiated", "snoozed", "escalat",
                 "duplicate", "done", "reopened")

#: Contact-centre abbreviations that are averages by definition (average speed of answer, average
#: handle / talk time).
_AVERAGE_ABBREVIATIONS = {"asa", "aht", "att", "acw avg"}


def _is_average(name: str) -> bool:
    words = set(_normalise(name)[0].split())
    return bool(words & _AVERAGE_WORDS or words & _AVERAGE_ABBREVIATIONS)


def _spec(
    col: ColumnProfile, kind: str, *, profile: ExportProfile, unit: str | None,
    canonical: str = "",
) -> tuple[Any, str]:
    """The config spec for reading ``col`` as ``kind``, and a note on the format chosen."""
    spec, note = _base_spec(col, kind, profile=profile, unit=unit)
    if canonical == "channel" and col.values:
        mapping = channel_values(col.values)
        if mapping is not None:
            spec = {"column": col.name, "values": mapping}
            note = "values mapped onto phone/email/chat/social/other by keyword"
    if (canonical == "service_level" and col.type in ("integer", "number") and col.maximum is not None
            and 1 < col.maximum <= 100 and (col.minimum or 0) >= 0):
        spec = {"column": col.name, "format": "percent"}
        note = f"numbers {col.minimum:g}-{col.maximum:g}: percentages, read as proportions 0-1"
    if canonical.endswith("_total") and _is_average(col.name) and config_supports("average_of"):
        spec = dict(spec) if isinstance(spec, dict) else {"column": spec}
        spec["average_of"] = "answered"
        note = (note + "; " if note else "") + (
            "the export gives an average per answered call: average_of turns it into the total"
        )
    return spec, note


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
        if unit:
            return {"column": col.name, "unit": unit}, ""
        if col.median is not None and col.median >= _MILLISECOND_MEDIAN:
            return {"column": col.name, "unit": "milliseconds"}, (
                f"unit not named; a median of {col.median:,.0f} is {col.median / 1000:,.0f} s in "
                "milliseconds but hours in seconds, so milliseconds are assumed"
            )
        return {"column": col.name, "unit": "seconds"}, "unit not named; seconds assumed"
    if kind == "bool":
        verdicts = verdict_values(col.values) if col.type == "categorical" else None
        if verdicts:
            partial = [v for v in col.values if "part" in v.lower()]
            note = f"'{partial[0]}' read as true (upheld in part); change it if it should not count" if partial else ""
            return {"column": col.name, "values": verdicts}, note
        deadline = timely_values(col.flag_values or col.values)
        if deadline:
            return {"column": col.name, "values": deadline}, ""
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
    if kind == "number" and col.type == "categorical" and labelled_numbers(col.values):
        return {"column": col.name, "values": labelled_numbers(col.values)}, (
            "answers written as a number with its label ('10 - Extremely likely'): the number is read")
    if kind == "number" and col.type == "categorical" and likert_values(col.values):
        return {"column": col.name, "values": likert_values(col.values)}, (
            "the words of a five-point satisfaction scale, 1 (the least satisfied) to 5 (the most)"
        )
    return col.name, ""


#: A plain-number duration whose median is at least this is in milliseconds: as seconds it would
#: be a median wait, talk or hold of 2 h 47 min; Genesys and Amazon Connect export milliseconds.
_MILLISECOND_MEDIAN = 10_000


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
            if col.label:  # the question text under a header such as "Q1"
                label_score, label_phrase = _name_score(col.label, synonyms)
                if 0.95 * label_score > name_score:
                    name_score, phrase = 0.95 * label_score, label_phrase
            if name_score <= 0:
                name_score, phrase = scale_only(col, table, canonical)
            by_content, content_phrase = values_only(profile, col, canonical, kind)
            if by_content > name_score:
                name_score, phrase = by_content, content_phrase
            if name_score <= 0 and profile.header_names and not profile.lines_under_header:
                name_score, phrase = content_only(profile, col, table, canonical)
            if table == "intervals":
                by_sum, sum_phrase = counts_that_add_up(profile, col, canonical)
                if by_sum > name_score:
                    name_score, phrase = by_sum, sum_phrase
            if name_score <= 0:
                continue
            value_score, why = _value_fit(col, kind, canonical, key=key, has_channel="channel" in tdef.columns)
            if value_score <= 0:
                continue
            score = 0.7 * name_score + 0.3 * value_score
            if score < 0.35:
                continue
            name_part = (
                "name matches" if name_score >= 0.95 else f"name resembles \"{phrase}\""
            )
            if phrase.startswith("values on the"):
                name_part = f"the name says nothing, but the {phrase}"
            elif phrase.startswith(("by its content", "by arithmetic")):
                name_part = phrase
            elif phrase.startswith("no header line"):
                name_part = phrase
            evidence = f"{name_part}, {why}"
            if col.blank_share > 0:
                evidence += f", {_share(col.blank_share)} blank"
                if col.blank_when:
                    evidence += f" (blank where {col.blank_when})"
            out.append(_Candidate(canonical, col.name, score, name_score, value_score, evidence))
    return out


def _own_name(cand: _Candidate) -> bool:
    """The source column is named exactly as the canonical column (``queue``, ``Queue``)."""
    return _normalise(cand.source)[0] == _normalise(cand.canonical)[0]


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
        and not config_supports("average_of")
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
    # On a tie, the column named exactly as the canonical column wins ("queue" over "department").
    cands = sorted(_candidates(profile, table),
                   key=lambda c: (-c.score, not _own_name(c), c.canonical, c.source))
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
        ambiguous = any(best.score - c.score < 0.05 and not (_own_name(best) and not _own_name(c))
                        for c in free_rivals)
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
    if table == "surveys":
        proposals, score = _promote_score(profile, proposals, score)
    return proposals, score


def _on_scale(profile: ExportProfile, prop: ColumnProposal) -> bool:
    """The proposed column's values lie within the canonical score's scale (or are words read onto it)."""
    if isinstance(prop.spec, dict) and prop.spec.get("values"):
        return True
    col = profile.column(prop.source) if prop.source else None
    low, high = SCALES[prop.canonical]
    return bool(col is not None and col.minimum is not None and low <= col.minimum and col.maximum <= high)


def _promote_score(profile: ExportProfile, proposals: list[ColumnProposal], score: float) -> tuple[list[ColumnProposal], float]:
    """Survey responses need a score: when no CSAT, NPS or CES column was chosen with confidence,
    the likeliest candidate on its scale is (the others stay listed, and unmapped columns stay as
    extra columns). A column off the scale is never promoted: most of its rows would be unusable."""
    scores = [p for p in proposals if p.canonical in SCALES]
    if any(p.active for p in scores):
        return proposals, score
    scores = [p for p in scores if _on_scale(profile, p)]
    if not scores:
        return proposals, score
    best = max(scores, key=lambda p: p.score)
    promoted = _replace(
        best, active=True, confidence="medium",
        evidence=best.evidence + "; the likeliest score column, chosen so that the responses have "
        "a score (check it: the alternatives are listed)",
    )
    return [promoted if p is best else p for p in proposals], score + best.score * 0.5


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


def _surveys_from_ratings(
    profile: ExportProfile, contacts: TableProposal, surveys: TableProposal | None
) -> TableProposal | None:
    """A contact-level (or case-level) file with a score column also feeds ``surveys``: one
    response per rated contact or case, identified by its id. ``surveys`` is the file's own
    proposal for that table (already scored, not assigned again)."""

    if surveys is None:
        return None
    props = list(surveys.columns)
    scores = [
        p for p in props
        if p.canonical in ("csat", "nps", "ces") and p.active and p.confidence != "low"
        and p.source not in {c.source for c in contacts.columns if c.active}
    ]
    if not scores:
        return None
    is_case = contacts.table == "complaints"
    key = contacts.column("complaint_id" if is_case else "contact_id")
    if key is None or not key.active or (isinstance(key.spec, dict) and "hash_of" in key.spec):
        return None
    what = "case" if is_case else "contact"
    columns = [
        ColumnProposal(
            "response_id", key.spec, key.source, key.confidence,
            f"`{key.source}` -> response_id: one response per {what}, so its id identifies the "
            "response", key.score,
        ),
    ]
    if not is_case:
        columns.append(ColumnProposal(
            "contact_id", key.spec, key.source, key.confidence,
            f"`{key.source}` -> contact_id: the contact the rating is about", key.score,
        ))
    # A case is rated once it is closed; a contact when it ended (else when it happened).
    when = [contacts.column(c) for c in (("resolved_at", "received_at") if is_case else ("arrived_at",))]
    arrived = next((w for w in when if w is not None and w.active), None)
    ended = None if is_case else _end_time(profile)
    if ended is not None:
        columns.append(ended)
    elif arrived is not None:
        columns.append(ColumnProposal(
            "responded_at", arrived.spec, arrived.source, "medium",
            f"`{arrived.source}` -> responded_at: the {what}'s time (no separate response time)",
            arrived.score,
        ))
    queue = contacts.column("queue")
    if queue is not None and queue.active:
        columns.append(_replace(queue, evidence=queue.evidence + "; the segment of the responses too"))
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
            f"score column(s) {names} in a {what}-level file: one survey response per rated "
            f"{what}; records with no score are skipped (skip_when_blank)"
        ),
    )


_END_WORDS = {"end", "ended", "disconnect", "disconnected", "finish", "finished", "completed", "complete"}


def _end_time(profile: ExportProfile) -> ColumnProposal | None:
    """The timestamp a contact ended (``Ended At``, ``Disconnect Timestamp``): when a rating given
    after the contact was asked for."""
    for col in profile.columns:
        if col.type == "datetime" and set(_normalise(col.name)[0].split()) & _END_WORDS:
            spec, note = _spec(col, "datetime", profile=profile, unit=None)
            return ColumnProposal(
                "responded_at", spec, col.name, "medium",
                f"`{col.name}` -> responded_at: the contact's end, after which it was rated"
                + (f"; {note}" if note else ""), 0.6,
            )
    return None


def _event_time_by_content(profile: ExportProfile, table: TableProposal) -> TableProposal:
    """When no column's name says when each record happened (arrived, was received...), the
    earliest timestamp column of the file not otherwise mapped is taken, saying so: a record's
    later times (answered, closed, due) come after its first."""
    event = EVENT_COLUMNS.get(table.table)
    found = table.column(event) if event else None
    if event is None or (found is not None and found.active):
        return table
    used = {c.source for c in table.columns if c.active and c.source}
    stamps = [c for c in profile.columns if c.type in ("date", "datetime") and c.first and c.name not in used]
    if not stamps:
        return table
    earliest = min(stamps, key=lambda c: (c.first, profile.columns.index(c)))
    spec, note = _spec(earliest, "datetime", profile=profile, unit=None)
    others = ", ".join(f"`{c.name}`" for c in stamps if c is not earliest)
    evidence = (f"`{earliest.name}` -> {event}: no column is named as when each record happened; "
                f"`{earliest.name}` holds the earliest times of the file (from {earliest.first})"
                + (f", before {others}" if others else "") + (f"; {note}" if note else ""))
    proposal = ColumnProposal(event, spec, earliest.name, "medium", evidence, 0.6)
    columns = [c for c in table.columns if c.canonical != event] + [proposal]
    order = list(CANONICAL_TABLES[table.table].columns)
    columns.sort(key=lambda c: order.index(c.canonical))
    return _table_proposal(profile, table.table, columns, table.score,
                           skip_when_blank=table.skip_when_blank, evidence=table.evidence)


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
    texts = [c for c in profile.columns if prose(c, profile)]
    for table, tdef in CANONICAL_TABLES.items():
        props, score = _assign(profile, table)
        props = derived_columns(profile, table, props)
        found = {p.canonical for p in props
                 if p.active and not (isinstance(p.spec, dict) and "hash_of" in p.spec)}
        required_found = sum(r in found for r in tdef.required_columns)
        required_missing = len(tdef.required_columns) - required_found
        if table == "surveys":
            # A response without a score is no survey response to review; a score on its scale is
            # what makes a file of responses, as much as its key.
            if found & set(SCALES):
                required_found += 1
            else:
                required_missing += 1
        total = score + 1.0 * required_found - 1.0 * required_missing
        if texts and "text" not in tdef.columns.values():
            total -= 1.0  # customers' words with nowhere to go: a table of texts fits better
        scored[table] = _table_proposal(profile, table, props, total)
    ranking = sorted(scored.values(), key=lambda t: -t.score)
    best = ranking[0]
    main = best
    rivals = [t for t in ranking[1:3] if t.score > 0]
    why = main.evidence
    if rivals:
        why += "; next best: " + ", ".join(f"{t.table} ({t.score:.1f})" for t in rivals)
    main = _event_time_by_content(profile, _replace(main, evidence=f"score {main.score:.1f}: {why}"))
    tables = [main]
    if main.table in ("contacts", "complaints"):
        second = _surveys_from_ratings(profile, main, scored.get("surveys"))
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
