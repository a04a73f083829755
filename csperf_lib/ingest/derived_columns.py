"""Columns ``csperf init`` proposes beyond one-to-one name matches: :func:`derived_columns`.

Read by :func:`csperf_lib.ingest.proposal.propose_mapping` for every candidate table. Each rule says
in its evidence what it rests on: a date with its time of day in another column; ``answered`` from an
abandonment flag or from call outcomes in words; ``abandoned`` as "offered and not answered"; a
constant channel when every record is a call or a social-media message; an interval's length from
its time range, the spacing of its starts or the file name; the key from a unique column named as
one, else a digest of the whole record. Hand-written: these are the contact-centre conventions no
schema-inference library knows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from csperf_lib.core.tables import CANONICAL_TABLES
from csperf_lib.ingest.content_evidence import verdict_values
from csperf_lib.ingest.mapping import clock_seconds
from csperf_lib.ingest.profiling import (
    ColumnProfile,
    ExportProfile,
    _normalise,
    _replace,
)
from csperf_lib.ingest.proposal_models import ColumnProposal, config_supports

__all__ = ["derived_columns"]


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
            if (c.type == "time" or _hour_numbers(c)) and c.name not in used
            and set(_normalise(c.name)[0].split()) & {"time", "hour", "start", "clock", "interval", "period", "slot", "hr"}
        ]
        if not times:
            continue
        tcol = times[0]
        spec = dict(prop.spec) if isinstance(prop.spec, dict) else {"column": prop.spec}
        spec["time_column"] = tcol.name
        what = tcol.describe()
        if _hour_numbers(tcol):
            spec["time_format"] = "%H"
            what = "whole hours of the day"
        elif tcol.value_format not in (None, "native"):
            spec["time_format"] = tcol.value_format
        used.add(tcol.name)
        out[i] = _replace(prop, spec=spec, evidence=prop.evidence + f"; time of day from `{tcol.name}` ({what})")
    return out


def _hour_numbers(col: ColumnProfile) -> bool:
    """Whole numbers 0-23 ("8" or "08"): the hour of the day, as wallboards and hourly reports
    write it."""
    if col.type == "categorical" and col.values and col.distinct >= 3:  # "08": codes with leading zeros
        return all(v.isdigit() and len(v) <= 2 and int(v) <= 23 for v in col.values)
    return (col.type == "integer" and col.minimum is not None and col.maximum is not None
            and 0 <= col.minimum and col.maximum <= 23 and col.distinct >= 3)


def _contact_defaults(profile: ExportProfile, tdef: Any, by_name: dict[str, ColumnProposal]) -> list[ColumnProposal]:
    """Contacts: abandonment as "offered and not answered" when no flag exists; a constant phone
    channel when the column names speak of calls."""
    extra: list[ColumnProposal] = _answered_from_outcome(profile, tdef, by_name)
    by_name = {**by_name, **{p.canonical: p for p in extra}}
    # No abandonment flag: an offered call that was not answered was abandoned.
    if (
        "abandoned" in tdef.columns and "abandoned" not in by_name
        and "answered" in by_name and by_name["answered"].active
    ):
        inverted = _inverted(by_name["answered"], "abandoned", "no separate abandonment flag, so an offered "
                             "call that was not answered is taken as abandoned")
        if inverted is not None:
            extra.append(inverted)

    # Every record a call, or a chat: a constant channel.
    if "channel" in tdef.columns and "channel" not in by_name:
        callish = [c.name for c in profile.columns if re.search(r"\bcalls?\b", _normalise(c.name)[0])]
        if re.search(r"(?<![a-z])calls?(?![a-z])", profile.path.stem.lower().replace("_", " ")):
            callish.insert(0, f"the file name `{profile.path.name}`")
        chatty = [c.name for c in profile.columns if re.search(r"\bchats?\b", _normalise(c.name)[0])]
        if re.search(r"chat", profile.path.stem.lower()):
            chatty.insert(0, f"the file name `{profile.path.name}`")
        if chatty and not callish:
            extra.append(ColumnProposal(
                canonical="channel", spec={"value": "chat"}, source=None, confidence="medium", score=0.6,
                evidence="every record is taken to be a chat: " + ", ".join(
                    n if n.startswith("the file") else f"`{n}`" for n in chatty[:3]) + " speak of chats",
            ))
        elif callish:
            extra.append(ColumnProposal(
                canonical="channel", spec={"value": "phone"}, source=None, confidence="medium",
                evidence=(
                    "every record is taken to be a call: "
                    + ", ".join(n if n.startswith("the file") else f"`{n}`" for n in callish[:3]) + " speak of calls"
                ),
                score=0.6,
            ))
    return extra


#: Words of a call's outcome that mean nobody answered it, and that someone did.
_UNANSWERED_WORDS = ("abandon", "missed", "no answer", "unanswered", "dropped", "hung up", "voicemail",
                     "voice mail", "overflow", "timed out", "timeout", "no agent", "callback requested",
                     "callback request", "requested callback", "requested a callback", "virtual hold",
                     "cancel", "busy", "failed")
_ANSWERED_WORDS = ("answered", "accepted", "inbound", "handled", "connected", "completed", "resolved",
                   "solved", "transfer", "escalat", "follow", "call back", "callback", "closed")


def _outcome_values(values: Sequence[str]) -> dict[str, bool] | None:
    """Each value of an outcome column as answered (True) or not (False); None unless every value
    reads one way or the other and both occur."""
    mapping = {}
    for value in values:
        low = value.strip().lower().replace("_", " ").replace("-", " ")
        if any(w in low for w in _UNANSWERED_WORDS):
            mapping[value] = False
        elif any(w in low for w in _ANSWERED_WORDS):
            mapping[value] = True
        else:
            return None
    return mapping if set(mapping.values()) == {True, False} else None


def _answered_from_outcome(profile: ExportProfile, tdef: Any, by_name: dict[str, ColumnProposal]) -> list[ColumnProposal]:
    """``answered`` when the export has no answered flag: the abandonment flag inverted, or a
    column of call outcomes whose values say abandoned / missed against answered / inbound."""
    if "answered" not in tdef.columns or ("answered" in by_name and by_name["answered"].active):
        return []
    aban = by_name.get("abandoned")
    if aban is None or not aban.active:
        every = _all_answered(profile, by_name)
        if every is not None:
            return [every]
    if aban is not None and aban.active:
        inverted = _inverted(aban, "answered", "no answered flag, so a call that was not abandoned is "
                             "taken as answered")
        return [inverted] if inverted is not None else []
    for col in profile.columns:
        if col.type not in ("categorical", "flag") or not col.values or col.blank_share > 0.05:
            continue
        mapping = _outcome_values(col.values)
        if mapping is None:
            continue
        unanswered = [v for v, ok in mapping.items() if not ok]
        shown = ", ".join(f"'{v}'" for v in unanswered[:3])
        answered = ColumnProposal(
            canonical="answered", spec={"column": col.name, "values": mapping}, source=col.name,
            confidence="medium", score=0.6,
            evidence=f"`{col.name}` -> answered: its values say whether a call was answered "
            f"({shown} read as not answered)",
        )
        return [answered, _inverted(answered, "abandoned", f"{shown} read as abandoned")]
    return []


def _all_answered(profile: ExportProfile, by_name: dict[str, ColumnProposal]) -> ColumnProposal | None:
    """No answered or abandoned column, no outcome words, but every record has an agent and a talk
    time above 0: an archive of answered contacts only (chat platforms export missed chats apart),
    so ``answered`` is true throughout, said as an assumption to check."""
    agent, talk = by_name.get("agent_id"), by_name.get("talk_s")
    if agent is None or talk is None or not (agent.active and talk.active and agent.source and talk.source):
        return None
    if any(_outcome_values(c.values) for c in profile.columns if c.values):
        return None
    agents, talks = profile.column(agent.source), profile.column(talk.source)
    if agents.blank_share > 0 or talks.blank_share > 0 or not talks.minimum or talks.minimum <= 0:
        return None
    return ColumnProposal(
        canonical="answered", spec={"value": True}, source=None, confidence="medium", score=0.6,
        evidence=f"every record has an agent (`{agent.source}`) and a talk time above 0 (`{talk.source}`) "
        "and nothing says a contact was missed: an export of answered contacts only, so every record is "
        "taken as answered (missed contacts, if any, are not in this file)",
    )


def _inverted(prop: ColumnProposal, canonical: str, why: str) -> ColumnProposal | None:
    """The flag ``prop`` reads with every value's truth flipped, as ``canonical`` (answered from an
    abandonment flag, or the other way round); None when ``prop`` maps no values."""
    if not (isinstance(prop.spec, dict) and prop.spec.get("values")):
        return None
    values = {k: (not v) for k, v in prop.spec["values"].items()}
    return ColumnProposal(
        canonical=canonical, spec={"column": prop.source, "values": values}, source=prop.source,
        confidence="medium", score=0.6, evidence=f"`{prop.source}` -> {canonical} (inverted): {why}",
    )


def _upheld_from_outcome(profile: ExportProfile, tdef: Any, by_name: dict[str, ColumnProposal]) -> list[ColumnProposal]:
    """Complaints whose outcome column holds verdicts ("Upheld", "Partially upheld", "Not upheld",
    "Withdrawn") say from it whether each was upheld, when no upheld column exists."""
    if "upheld" not in tdef.columns or ("upheld" in by_name and by_name["upheld"].active):
        return []
    outcome = by_name.get("outcome")
    if outcome is None or not outcome.active or not outcome.source:
        return []
    col = profile.column(outcome.source)
    verdicts = verdict_values(col.values) if col.type == "categorical" else None
    if verdicts is None:
        return []
    shown = ", ".join(f"'{v}'" for v, ok in verdicts.items() if ok)
    return [ColumnProposal(
        canonical="upheld", spec={"column": col.name, "values": verdicts}, source=col.name,
        confidence="medium", score=0.6,
        evidence=f"`{col.name}` -> upheld: the outcomes are verdicts ({shown} read as upheld; a "
        "partial verdict counts as upheld, a withdrawn complaint as not upheld)",
    )]


def _interval_defaults(profile: ExportProfile, tdef: Any, by_name: dict[str, ColumnProposal],
                       out: list[ColumnProposal]) -> list[ColumnProposal]:
    """Interval reports: the service-level threshold named in a header, the interval length named
    in the file name."""
    extra: list[ColumnProposal] = []
    if "threshold_s" in tdef.columns and "threshold_s" not in by_name:
        for prop in out:
            match = re.search(r"(\d+)\s*(s|sec|secs|seconds)\b", prop.source or "", re.I)
            if prop.canonical in ("service_level", "answered_within_threshold") and prop.active and match:
                extra.append(ColumnProposal(
                    canonical="threshold_s", spec={"value": int(match.group(1))}, source=None,
                    confidence="medium",
                    evidence=f"the service-level header `{prop.source}` names a {match.group(1)} s "
                    "threshold",
                    score=0.6,
                ))
                break
    start = next((p for p in out if p.canonical == "interval_start" and p.active), None)
    if ("interval_s" in tdef.columns and "interval_s" not in by_name and start is not None
            and isinstance(start.spec, dict) and start.spec.get("time_format") == "%H"):
        return [*extra, ColumnProposal(
            canonical="interval_s", spec={"value": 3600}, source=None, confidence="medium", score=0.6,
            evidence=f"the start of each row is given to the hour (`{start.spec['time_column']}`): "
            "one row is 3,600 s",
        )]
    ranges = [c for c in profile.columns if c.type == "time" and c.note.startswith("ranges of clock")
              and c.median]
    if "interval_s" in tdef.columns and "interval_s" not in by_name and ranges:
        width = int(ranges[0].median)
        extra.append(ColumnProposal(
            canonical="interval_s", spec={"value": width}, source=None, confidence="medium", score=0.6,
            evidence=f"the rows of `{ranges[0].name}` are ranges of clock times, most {width // 60} min "
            f"wide: one row is {width:,} s",
        ))
    elif "interval_s" in tdef.columns and "interval_s" not in by_name and _start_step(profile, out):
        name, width = _start_step(profile, out)
        extra.append(ColumnProposal(
            canonical="interval_s", spec={"value": width}, source=None, confidence="medium", score=0.6,
            evidence=f"consecutive values of `{name}` are mostly {width // 60:,} min apart: one row is "
            f"{width:,} s",
        ))
    elif "interval_s" in tdef.columns and "interval_s" not in by_name:
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


_SOCIAL_WORDS = ("twitter", "tweet", "facebook", "instagram", "messenger", "social", "sprout",
                 "hootsuite", "linkedin", "tiktok")


def _social_channel(profile: ExportProfile, tdef: Any, by_name: dict[str, ColumnProposal]) -> list[ColumnProposal]:
    """No channel column, but the file is a social-media inbox: its name or a column's values name
    a social network, so every record is a social-media contact."""
    if "channel" not in tdef.columns or ("channel" in by_name and by_name["channel"].active):
        return []
    where = ""
    stem = profile.path.stem.lower()
    if any(w in stem for w in _SOCIAL_WORDS):
        where = f"the file name `{profile.path.name}` names a social network"
    for col in profile.columns:
        if where:
            break
        named = [v for v in col.values if any(w in v.lower() for w in _SOCIAL_WORDS)]
        if col.values and len(named) == len(col.values):
            where = f"every value of `{col.name}` is a social network ({', '.join(named[:3])})"
    if not where:
        return []
    return [ColumnProposal(
        canonical="channel", spec={"value": "social"}, source=None, confidence="medium", score=0.6,
        evidence=f"every record is taken to be a social-media contact: {where}",
    )]


def _start_step(profile: ExportProfile, out: list[ColumnProposal]) -> tuple[str, int] | None:
    """The interval start's column and its commonest step in seconds, when that is a usual interval
    length (5 minutes to a day)."""
    start = next((p for p in out if p.canonical == "interval_start" and p.active and p.source), None)
    if start is None:
        return None
    clock = start.spec.get("time_column") if isinstance(start.spec, dict) else None
    if clock:  # the date's step is a day; the times of day say how long a row is
        seconds, _ = clock_seconds(pd.Series(profile.column(clock).values, dtype=object))
        gaps = pd.Series(sorted(set(seconds.dropna()))).diff().dropna()
        step = float(gaps.mode().iloc[0]) if len(gaps) >= 2 else None
        return (clock, int(step)) if step in (300, 600, 900, 1800, 3600) else None
    step = profile.column(start.source).median
    if step is None or step not in (300, 600, 900, 1800, 3600, 86400):
        return None
    return start.source, int(step)


def _digest_key(profile: ExportProfile, tdef: Any, out: list[ColumnProposal],
                columns: list[ColumnProposal]) -> list[ColumnProposal]:
    """A required identifier with no source column becomes a digest of the whole record."""
    key = tdef.key
    active = {c.canonical for c in out if c.active}
    if (
        key and key in tdef.required_columns and key not in active
        and config_supports("hash_of")
    ):
        unique = _unique_key_column(profile, out)
        out = [c for c in out if c.canonical != key]
        alts = tuple(c for c in columns if c.canonical == key)
        if unique is not None:
            out.append(ColumnProposal(
                canonical=key, spec=unique.name, source=unique.name, confidence="medium", score=0.6,
                evidence=f"`{unique.name}` -> {key}: no column is named as an identifier, but this one "
                f"is unique in all {profile.rows_sampled:,} sampled rows and names a record "
                f"({unique.describe()})",
                alternatives=alts,
            ))
            return out
        present = [c.name for c in profile.columns]  # blank in the sample is no reason to leave one out
        out.append(ColumnProposal(
            canonical=key, spec={"hash_of": present}, source=None, confidence="medium",
            evidence=(
                f"no identifier column found: {key} is a digest of the whole record, so exact "
                "repeated records show up as duplicates"
            ),
            score=0.5, alternatives=alts,
        ))
    return out


#: Words of a column name that say it names a record.
_KEY_WORDS = {"id", "key", "ref", "reference", "number", "no", "link", "url", "token", "uuid", "guid",
              "code", "#"}


def _unique_key_column(profile: ExportProfile, taken: list[ColumnProposal]) -> ColumnProfile | None:
    """A column unique in every sampled row whose name says it names a record (``Review Link``,
    ``#``, ``Ticket No``): preferred to a digest of the whole record, which would make two
    identical records one."""
    used = {p.source for p in taken if p.active and p.source}
    for col in profile.columns:
        if col.name in used or not col.unique or col.blank_share > 0:
            continue
        if col.type not in ("identifier", "integer", "categorical", "text"):
            continue
        words = set(_normalise(col.name)[0].split()) | ({"#"} if "#" in col.name else set())
        if not words & _KEY_WORDS:
            continue
        if col.type == "text" and any(" " in e for e in col.examples):  # prose, not a key
            continue
        return col
    return None


def derived_columns(profile: ExportProfile, table: str, columns: list[ColumnProposal]) -> list[ColumnProposal]:
    """Rules beyond one-to-one matches: time column, abandonment from answered, channel, ids."""
    tdef = CANONICAL_TABLES[table]
    by_name = {c.canonical: c for c in columns}
    out = _with_time_of_day(profile, tdef, list(columns))
    extra = _social_channel(profile, tdef, by_name)
    if table == "contacts":
        extra += _contact_defaults(profile, tdef, {**by_name, **{p.canonical: p for p in extra}})
    if table == "intervals":
        extra += _interval_defaults(profile, tdef, by_name, out)
    if table == "complaints":
        extra += _upheld_from_outcome(profile, tdef, by_name)
    derived = {p.canonical for p in extra}
    out = [c for c in out if c.canonical not in derived] + extra
    out = _digest_key(profile, tdef, out, columns)
    order = list(tdef.columns)
    return sorted(out, key=lambda c: order.index(c.canonical))
