"""Evidence from what a column holds, for when its name says nothing: read by
:mod:`csperf_lib.ingest.proposal`.

Each function returns ``(strength 0-1, the evidence in words)``, a stand-in for a name match that
:func:`csperf_lib.ingest.proposal._candidates` weighs like one (0.4-0.6: enough to propose a
column, never enough to outrank a name that matches):

* survey scores by their scale (:func:`scale_only`);
* a file without a header line: its first unique column, first timestamps, only flag, only free
  text (:func:`content_only`);
* a channel column every value of which is a contact channel, the longest free text in words
  (:func:`values_only`);
* an interval report's counts by arithmetic, offered = answered + abandoned in every row
  (:func:`counts_that_add_up`, over :attr:`ExportProfile.count_sums`);
* names run together into one word ("SERVICEORDERSTATUS") split into known words
  (:func:`segment`);
* what values say in words: satisfaction, stars and labelled scale answers as numbers
  (:func:`likert_values`, :func:`labelled_numbers`), verdicts as upheld (:func:`verdict_values`),
  deadline words as timely (:func:`timely_values`).

Hand-written: these are contact-centre and public-register conventions that no schema-inference
library encodes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from csperf_lib.core.tables import CANONICAL_TABLES, CHANNELS
from csperf_lib.ingest.profiling import (
    FALSE_WORDS,
    SCALES,
    TRUE_WORDS,
    ColumnProfile,
    ExportProfile,
    _normalise,
)
from csperf_lib.ingest.synonyms import SYNONYMS

__all__ = ["all_channels", "channel_values", "content_only", "counts_that_add_up", "labelled_numbers",
           "likert_values", "prose", "scale_only", "segment", "timely_values", "values_only", "verdict_values"]


_CHANNEL_WORDS = (
    ("phone", ("phone", "call", "voice", "telephone", "tel", "ivr")),
    ("email", ("email", "e mail", "e-mail", "mail")),
    ("chat", ("chat", "web chat", "webchat", "messag", "sms", "text message", "whatsapp")),
    ("social", ("social", "twitter", "facebook", "instagram", "tweet", "linkedin", "tiktok", "youtube",
                "reddit", "threads")),
)

#: Social networks known by one letter: matched only as the whole value.
_SOCIAL_LETTERS = {"x"}


#: Words a run-together name is split into: every word of the synonyms, and a few more.
_VOCABULARY_EXTRA = ("code", "organization", "organisation", "acronym", "order", "description", "request",
                     "service", "type", "name", "number", "date", "time", "status", "id")


@functools.lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    words = set(_VOCABULARY_EXTRA)
    for table in SYNONYMS.values():
        for canonical, entries in table.items():
            words.update(canonical.split("_"))
            for entry in entries:
                words.update(_normalise(entry.partition(":")[0])[0].split())
    return frozenset(w for w in words if len(w) >= 2 and w.isalpha())


def segment(word: str) -> list[str]:
    """A name written as one word ("serviceorderstatus") split into known words (service, order,
    status): the split leaving the fewest letters outside a known word, then the fewest words. The
    word itself when under four fifths of it is covered."""
    vocabulary = _vocabulary()
    n = len(word)
    best: list[tuple[int, int, list[str]]] = [(0, 0, [])] + [(n + 1, n + 1, [])] * n
    for end in range(1, n + 1):
        for start in range(max(0, end - 20), end):
            piece = word[start:end]
            known = piece in vocabulary
            if not known and end - start > 1:
                continue
            loose, count, parts = best[start]
            candidate = (loose + (0 if known else 1), count + 1, parts + [piece])
            if candidate[:2] < best[end][:2]:
                best[end] = candidate
    loose, _, parts = best[n]
    if loose > n / 5:
        return [word]
    merged: list[str] = []
    for part in parts:  # letters outside a known word stay together
        if len(part) == 1 and merged and len(merged[-1]) >= 1 and merged[-1] not in vocabulary:
            merged[-1] += part
        else:
            merged.append(part)
    return merged


def channel_values(values: Sequence[str]) -> dict[str, Any] | None:
    """Source channel names onto the canonical vocabulary; None when they already are canonical."""

    if all(v.strip().lower() in CHANNELS and v.strip() == v.strip().lower() for v in values):
        return None
    mapping: dict[str, Any] = {}
    for value in values:
        low = " " + re.sub(r"[^a-z]+", " ", value.lower()) + " "
        target: Any = "other"
        if low.strip() in ("unknown", "n a", "none", "unspecified"):
            target = None
        elif low.strip() in _SOCIAL_LETTERS:
            target = "social"
        else:
            for channel, words in _CHANNEL_WORDS:
                if any(f" {w}" in low for w in words):
                    target = channel
                    break
        mapping[value] = target
    return mapping


def content_only(profile: ExportProfile, col: ColumnProfile, table: str, canonical: str) -> tuple[float, str]:
    """A file without a header line: the columns whose content can only be one thing.

    The first unique identifier is the table's key; the first timestamp is when the record
    arrived and, for complaints, the second (blank while open) when it was resolved; the only
    two-valued flag of a contact file says whether the call was answered; the only column of long
    free text is the text. Anything else (which category is the queue, which number the wait) the
    content cannot tell: it is left for the reader to name.
    """
    tdef = CANONICAL_TABLES[table]
    kind = tdef.columns[canonical]
    columns = list(profile.columns)
    why = "no header line: by its content, "
    if canonical == tdef.key and col.unique and col.type in ("identifier", "integer", "categorical"):
        first = next((c for c in columns if c.unique and c.type in ("identifier", "integer", "categorical")), None)
        return (0.6, why + "the first column unique in every row") if first is col else (0.0, "")
    if kind == "datetime":
        stamps = [c for c in columns if c.type in ("date", "datetime")]
        order = {"arrived_at": 0, "received_at": 0, "responded_at": 0, "interval_start": 0, "resolved_at": 1}
        place = order.get(canonical)
        if place is not None and len(stamps) > place and stamps[place] is col:
            return 0.6, why + ("the first timestamp" if place == 0 else "the second timestamp, blank while open")
        return 0.0, ""
    if canonical == "answered" and col.type == "flag":
        flags = [c for c in columns if c.type == "flag"]
        return (0.6, why + "the only two-valued flag of a contact file") if flags == [col] else (0.0, "")
    if kind == "text" and col.type == "text":
        texts = [c for c in columns if c.type == "text"]
        return (0.6, why + "the only column of free text") if texts == [col] else (0.0, "")
    return 0.0, ""


def values_only(profile: ExportProfile, col: ColumnProfile, canonical: str, kind: str) -> tuple[float, str]:
    """Columns whose values say what they are whatever their name: every value a contact channel
    ("email", "chat", "phone") is the channel; the longest free text of the file (30 characters or
    more on average) is its text. Moderate evidence (0.6): a name that matches still wins."""
    if canonical == "channel" and all_channels(col):
        return 0.6, "by its content, every value is a contact channel (" + ", ".join(col.values[:3]) + ")"
    if canonical == "timely" and timely_values(col.flag_values or col.values):
        return 0.6, "by its content, its values say whether a deadline was met (" + ", ".join(col.values[:2]) + ")"
    if kind == "text" and prose(col, profile):
        longest = max((c for c in profile.columns if prose(c, profile)), key=lambda c: c.mean_length)
        if longest is col:
            return 0.6, "by its content, the longest free text of the file"
    return 0.0, ""


_MET = ("within", "met", "achieved", "on time", "in sla", "in time", "inside")
_MISSED = ("violated", "breach", "missed", "overdue", "late", "outside", "exceeded", "failed", "not met")


def timely_values(values: Sequence[str]) -> dict[str, bool] | None:
    """Two values saying whether a deadline was met ("Within SLA" / "SLA Violated", "Met" /
    "Breached") as true / false; None unless one of each."""
    if len(values) != 2:
        return None
    out = {}
    for value in values:
        low = value.strip().lower()
        if any(w in low for w in _MISSED):  # before the met words: "not met" holds "met"
            out[value] = False
        elif any(re.search(rf"\b{w}\b", low) for w in _MET):
            out[value] = True
        else:
            return None
    return out if set(out.values()) == {True, False} else None


#: Words of a five-point satisfaction scale, least satisfied first; negatives are tested before the
#: positives they contain ("unhappy" holds "happy").
_VERY = ("extremely", "very", "completely", "highly")
_DISPLEASED = ("unhappy", "dissatisfied", "unsatisfied", "bad", "poor", "terrible")
_MIDDLE = ("neutral", "neither", "okay", "ok", "average", "indifferent")
_PLEASED = ("happy", "satisfied", "good", "great", "excellent", "delighted")


def likert_values(values: Sequence[str]) -> dict[str, int] | None:
    """Satisfaction ratings in words ("Extremely happy" ... "Extremely unhappy") as 1-5; None unless
    every value reads as one level and at least three levels occur."""
    if not 3 <= len(values) <= 7:
        return None
    stars = _star_values(values)
    if stars is not None:
        return stars
    out = {}
    for value in values:
        words = re.sub(r"[^a-z ]", " ", value.lower()).split()
        very = any(w in _VERY for w in words)
        if any(w in _DISPLEASED for w in words):
            out[value] = 1 if very else 2
        elif any(w in _MIDDLE for w in words):
            out[value] = 3
        elif "excellent" in words or "delighted" in words or (very and any(w in _PLEASED for w in words)):
            out[value] = 5
        elif any(w in _PLEASED for w in words):
            out[value] = 4
        else:
            return None
    return out if len(set(out.values())) >= 3 else None


_LABELLED = re.compile(r"^\s*(\d{1,2})(?:\s*[-\u2013:.)]\s*[A-Za-z].*)?$")


def labelled_numbers(values: Sequence[str]) -> dict[str, int] | None:
    """Scale answers written as a number and its label ("0 - Not at all likely", "7", "10 -
    Extremely likely", "4 - Satisfied") as their numbers; None unless every value is one, at least
    one carries a label and three numbers or more occur."""
    out = {}
    for value in values:
        match = _LABELLED.match(value)
        if not match:
            return None
        out[value] = int(match.group(1))
    labelled = any(not v.strip().isdigit() for v in values)
    return out if labelled and len(set(out.values())) >= 3 else None


_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def _star_values(values: Sequence[str]) -> dict[str, int] | None:
    """Stars written out: number words ("ONE" ... "FIVE", as Google's review exports write them),
    "3 stars", or star characters ("★★★☆☆"); None unless every value is one, 1 to 5."""
    out = {}
    for value in values:
        text = value.strip().lower()
        filled = text.count("\u2605")
        match = re.fullmatch(r"([1-5])\s*stars?", text)
        if text in _NUMBER_WORDS:
            out[value] = _NUMBER_WORDS[text]
        elif match:
            out[value] = int(match.group(1))
        elif filled and set(text) <= {"\u2605", "\u2606", " "}:
            out[value] = filled
        else:
            return None
    return out


def verdict_values(values: Sequence[str]) -> dict[str, bool] | None:
    """A complaint's verdict in words ("Upheld", "Not upheld", "Partly upheld", "Yes", "No",
    "Partially", "Withdrawn") as true / false; None unless every value is one and both occur. A
    partial verdict counts as upheld; a withdrawn complaint was not upheld."""
    if not 2 <= len(values) <= 5:
        return None
    out = {}
    for value in values:
        low = value.strip().lower()
        if low.startswith(("not ", "no ")) or low in FALSE_WORDS or low in ("rejected", "unfounded", "withdrawn", "unsubstantiated", "no finding"):
            out[value] = False
        elif low in TRUE_WORDS or "upheld" in low or low.startswith(("part", "yes")) or low in ("founded", "justified"):
            out[value] = True
        else:
            return None
    return out if set(out.values()) == {True, False} else None


def prose(col: ColumnProfile, profile: ExportProfile) -> bool:
    """Free text in words (30 characters or more on average, four words or more, mostly letters and
    few digits, different in most records), not an address, a coordinate pair, a code or a label."""
    if col.type != "text" or col.mean_length < 30 or not col.examples:
        return False
    filled = profile.rows_sampled * (1 - col.blank_share)
    if col.distinct < max(10, 0.5 * filled):
        return False
    sample = " ".join(col.examples)
    chars = [ch for ch in sample if not ch.isspace()]
    letters = sum(ch.isalpha() for ch in chars) / max(len(chars), 1)
    digits = sum(ch.isdigit() for ch in chars) / max(len(chars), 1)
    words = len(sample.split()) / len(col.examples)
    return letters >= 0.6 and digits < 0.15 and words >= 4


def all_channels(col: ColumnProfile) -> bool:
    """Every value of a categorical column names a contact channel (email, chat, phone...)."""
    if col.type != "categorical" or col.distinct < 2 or not col.values:
        return False
    mapping = channel_values(col.values) or {v: v.strip().lower() for v in col.values}
    return all(target not in (None, "other") for target in mapping.values())


def counts_that_add_up(profile: ExportProfile, col: ColumnProfile, canonical: str) -> tuple[float, str]:
    """An interval report's counts told apart by arithmetic when no name says which is which:
    three whole-number columns with total = larger + smaller in every row are offered, answered and
    abandoned (more calls are answered than abandoned); a fourth never above the answered count is
    the number answered within the threshold; the only categorical column is the queue."""
    for total, larger, smaller in profile.count_sums[:1]:
        why = f"by arithmetic, `{total}` = `{larger}` + `{smaller}` in every row"
        role = {total: "offered", larger: "answered", smaller: "abandoned"}.get(col.name)
        if role == canonical:  # arithmetic holding in every row outweighs a name that resembles
            return 0.9, f"{why}: offered = answered + abandoned"
        if canonical == "answered_within_threshold" and (col.name, larger) in profile.bounded_by:
            return 0.6, f"by arithmetic, never above `{larger}` (answered) in any row"
        if canonical == "queue" and col.type == "categorical":
            categorical = [c for c in profile.columns if c.type == "categorical"]
            if categorical == [col]:
                return 0.6, "by its content, the only categorical column of an interval report"
    return 0.0, ""


#: Words naming a small whole number that is no survey score (a priority 1-5, a post number).
_NOT_SCORE_WORDS = {"number", "no", "id", "count", "code", "version", "year", "month", "day", "hour",
                    "week", "post", "reply", "page", "position", "rank", "level", "floor", "priority",
                    "tier", "stage", "attempt", "sequence", "seq", "line", "item", "quantity", "qty"}


def _stem_words(name: str) -> list[str]:
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in _normalise(name)[0].split()]


def scale_only(col: ColumnProfile, table: str, canonical: str) -> tuple[float, str]:
    """A survey score recognised by its values alone, when its name says nothing ("Q2", "rating_3").

    Whole numbers spanning most of one survey scale (1-5 for CSAT, 0-10 with a 0 for NPS, 1-7 with
    a 6 or 7 for CES) are weak evidence (0.4) on their own: enough to propose the column, never to
    outrank a column whose name matches (see :func:`_promote_score`).
    """
    if table != "surveys" or canonical not in SCALES or col.type not in ("integer", "number"):
        return 0.0, ""
    if col.minimum is None or col.maximum is None or col.minimum != int(col.minimum):
        return 0.0, ""
    if set(_stem_words(col.name)) & _NOT_SCORE_WORDS:  # "priority", "reply_to_post_number": 1-5, no score
        return 0.0, ""
    low, high = SCALES[canonical]
    lo, hi = col.minimum, col.maximum
    # An eleven-point score without a 0 in the sample is still 0-10 when the column is called a
    # score or a rating; under any other name (an "overall" 1-10) it is not taken for NPS.
    generic = bool(set(_normalise(col.name)[0].split()) & {"score", "rating"})
    fits = {
        "csat": low <= lo and hi == high and col.distinct >= 3,
        "nps": (lo == 0 or (lo == 1 and generic)) and hi == high and col.distinct >= 5,
        "ces": low <= lo and hi in (6, 7) and col.distinct >= 4,
    }[canonical]
    return (0.4, f"values on the {low}-{high} scale") if fits else (0.0, "")
