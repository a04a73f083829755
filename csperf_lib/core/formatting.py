"""The one formatting module: values with units, intervals, p-values, counts, dates and the
plain-language sentence of every finding.

Every number a reader sees in a finding goes through here, so the same value reads the same on
every page: a proportion 0.812 is "81.2 %", 312 seconds "5 min 12 s", an adjusted p-value below
0.001 "adjusted p < 0.001". Units are the KPI catalogue's unit keys (``proportion``, ``seconds``,
``days``, ``count``, ``score_1_5``, ``score_1_7``, ``nps``, ``percent``, ``per_1000_contacts``,
``ratio``, ``number``).

:func:`finding_sentence` renders a finding's statement from its fields alone (one template per
finding kind, a generic one for the rest); stages never write a finding's sentence themselves.
It is hand-written: the sentences are the project's own wording, which no library supplies.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

__all__ = [
    "DIMENSION_WORDS",
    "UNIT_WORDS",
    "finding_sentence",
    "format_count",
    "format_date",
    "format_duration",
    "format_effect",
    "format_interval",
    "format_p",
    "format_q",
    "format_p_value",
    "format_value",
    "format_week",
    "subject",
    "where",
]

#: How a unit is named in axis labels and tables.
UNIT_WORDS = {
    "count": "count",
    "proportion": "%",
    "percent": "%",
    "seconds": "seconds",
    "days": "days",
    "score_1_5": "score 1–5",
    "score_1_7": "score 1–7",
    "nps": "NPS −100 to 100",
    "per_1000_contacts": "per 1,000 contacts",
    "ratio": "ratio",
    "number": "number",
}

#: How a segment dimension is named in a sentence ("agent_id" is an agent).
DIMENSION_WORDS = {
    "agent_id": "agent",
    "agent": "agent",
    "team": "team",
    "queue": "queue",
    "channel": "channel",
    "region": "region",
    "category": "category",
    "sub_category": "sub-category",
    "evaluator": "evaluator",
    "item": "scorecard item",
    "theme": "theme",
    "table": "table",
    "source": "source",
    "rule": "rule",
    "interval": "interval",
}

#: Canonical tables as a reader names them.
TABLE_WORDS = {
    "contacts": "contact records",
    "surveys": "survey responses",
    "qa_evaluations": "QA evaluations",
    "complaints": "complaints",
    "intervals": "interval reports",
}

#: Effect-size names as a reader reads them.
EFFECT_WORDS = {
    "cohens_h": "Cohen's h",
    "hedges_g": "Hedges' g",
    "cohens_d": "Cohen's d",
    "cramers_v": "Cramér's V",
    "odds_ratio": "odds ratio",
    "rate_ratio": "rate ratio",
    "risk_ratio": "risk ratio",
    "sens_slope_per_week": "Sen's slope a week",
    "sens_slope_per_period": "Sen's slope a period",
    "mean_difference": "mean difference",
    "krippendorff_alpha": "Krippendorff's alpha",
    "cronbach_alpha": "Cronbach's alpha",
    "macro_f1": "macro-F1",
    "relative_gap": "relative gap",
    "shortfall": "shortfall",
    "agents": "agents",
}


def _missing(value: Any) -> bool:
    if value is None or type(value).__name__ in ("NaTType", "NAType"):  # pandas' missing markers, without pandas
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:  # pragma: no cover - exotic scalar
        return False


def format_duration(seconds: float) -> str:
    """A duration for a reader: "45.3 s", "5 min 12 s", "2 h 05 min", "3.2 days".

    Under 100 s with one decimal; under an hour in minutes and seconds; under two days in hours
    and minutes; longer in days with one decimal.
    """
    if _missing(seconds):
        return "n/a"
    sign = "−" if seconds < 0 else ""
    s = abs(float(seconds))
    if s < 100:
        return f"{sign}{s:.1f} s"
    if s < 3600:
        minutes, rest = divmod(round(s), 60)
        return f"{sign}{minutes} min {rest} s"
    if s < 2 * 86400:
        minutes = round(s / 60)
        hours, rest = divmod(minutes, 60)
        return f"{sign}{hours} h {rest:02d} min"
    return f"{sign}{s / 86400:.1f} days"


def format_value(value: Any, unit: str = "", *, signed: bool = False) -> str:
    """A value in its unit, as a sentence shows it.

    Parameters
    ----------
    value : float
        The value; proportions are 0–1, durations seconds (``unit="seconds"``) or days.
    unit : str
        A KPI catalogue unit key; anything else is shown as a plain number with two decimals.
    signed : bool, keyword-only
        Prefix positive values with "+" (differences, slopes).

    Examples
    --------
    >>> format_value(0.8123, "proportion"), format_value(312, "seconds"), format_value(4.111, "score_1_5")
    ('81.2 %', '5 min 12 s', '4.11')
    """
    if _missing(value):
        return "n/a"
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    plus = "+" if signed and value > 0 else ""
    if unit == "proportion":
        if math.isinf(100 * value):  # beyond the float range once scaled; no share is that large
            return "∞ %" if value > 0 else "−∞ %"
        text = f"{100 * value:.1f} %"
    elif unit == "percent":
        text = f"{value:.1f} %"
    elif unit == "seconds":
        text = format_duration(value)
    elif unit == "days":
        text = f"{value:,.1f} days" if abs(value) != 1 else f"{value:.0f} day"
    elif unit == "count":
        text = f"{value:,.0f}"
    elif unit == "nps":  # always signed: an NPS of +12 and of -12 read differently
        text, plus = f"{value:+.1f}", ""
    elif unit == "per_1000_contacts":
        text = f"{value:,.2f} per 1,000 contacts"
    elif unit in ("score_1_5", "score_1_7"):
        text = f"{value:.2f}"
    else:
        text = f"{value:,.2f}"
    return plus + ("−" + text[1:] if text.startswith("-") else text)


def format_interval(low: Any, high: Any, unit: str = "", *, level: float = 0.95) -> str:
    """"95 % CI 80.0 % to 82.1 %", or '' when the interval is unknown."""
    if _missing(low) or _missing(high):
        return ""
    return f"{level:.0%} CI {format_value(low, unit)} to {format_value(high, unit)}".replace("%", " %", 1)


def format_p_value(p: Any) -> str:
    """A p or q value alone, as a table cell shows it: "0.034", "0.0042", "< 0.001"; '' if unknown."""
    if _missing(p):
        return ""
    p = float(p)
    if p < 0.001:
        return "< 0.001"
    return f"{p:.2g}" if p < 0.01 else f"{p:.2f}" if p < 0.995 else "1.00"


def format_p(p: Any, *, adjusted: bool = False) -> str:
    """"p = 0.034", "p < 0.001" ("adjusted p …" for a multiplicity-adjusted value); '' if unknown."""
    value = format_p_value(p)
    if not value:
        return ""
    word = "adjusted p" if adjusted else "p"
    return f"{word} {value}" if value.startswith("<") else f"{word} = {value}"


def format_q(q: Any) -> str:
    """"q = 0.03", "q < 0.001": a false-discovery-rate q value in a sentence; '' if unknown."""
    value = format_p_value(q)
    if not value:
        return ""
    return f"q {value}" if value.startswith("<") else f"q = {value}"


def format_count(n: Any, noun: str = "") -> str:
    """"1,234" or "1,234 contacts" ("1 contact" in the singular when the noun ends in s)."""
    if _missing(n):
        return "n/a"
    n = int(round(float(n)))
    if not noun:
        return f"{n:,}"
    word = noun[:-1] if n == 1 and noun.endswith("s") and not noun.endswith("ss") else noun
    return f"{n:,} {word}"


def format_date(value: Any) -> str:
    """"5 Jan 2026" (a date, datetime or ISO string); '' when missing."""
    if _missing(value) or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime().date()
    return f"{value.day} {value:%b %Y}"


def format_week(start: Any, end: Any = None) -> str:
    """"the week of 5 Jan 2026", or "the weeks of 5 Jan to 12 Jan 2026" for a longer window."""
    first = format_date(start)
    if not first:
        return ""
    last = format_date(end) if end is not None else ""
    if not last or _days_between(start, end) <= 6:
        return f"the week of {first}"
    return f"the weeks from {first} to {last}"


def _days_between(start: Any, end: Any) -> int:
    a = dt.date.fromisoformat(str(start)[:10])
    b = dt.date.fromisoformat(str(end)[:10])
    return (b - a).days


def format_effect(name: Any, size: Any) -> str:
    """"Cohen's h +0.31" or '' when unknown."""
    if _missing(size) or not name:
        return ""
    label = EFFECT_WORDS.get(str(name), str(name).replace("_", " "))
    size = float(size)
    if name == "relative_gap":
        return f"{label} {100 * size:+.0f} %".replace("-", "−")
    if str(name).endswith("ratio"):  # ratios are positive: no sign
        return f"{label} {size:.2f}"
    return f"{label} {size:+.2f}".replace("-", "−")


def where(dimension: Any, segment: Any) -> str:
    """"in team Falcon", "for agent A-3f2c", or '' for the whole centre."""
    if _missing(dimension) or dimension in ("", "all") or _missing(segment):
        return ""
    word = "for" if str(dimension) in ("agent", "agent_id", "evaluator") else "in"
    return f"{word} {subject(dimension, segment)}"


def subject(dimension: Any, segment: Any) -> str:
    """The subject of a finding: "team Falcon", "agent A-3f2c", or "the whole centre"."""
    if _missing(dimension) or dimension in ("", "all") or _missing(segment):
        return "the whole centre"
    return f"{DIMENSION_WORDS.get(str(dimension), str(dimension).replace('_', ' '))} {segment}"


# --- finding sentences --------------------------------------------------------------------------
def _name(f: Mapping[str, Any]) -> str:
    attrs = f.get("attributes") or {}
    return str(attrs.get("kpi_name") or attrs.get("measure") or (f.get("kpi") or "").replace("_", " ") or "The measure")


def _unit(f: Mapping[str, Any]) -> str:
    return str((f.get("attributes") or {}).get("unit") or "")


def _est(f: Mapping[str, Any], *, with_n: bool = True, noun: str = "") -> str:
    """"81.2 % (95 % CI 80.0 % to 82.1 %, n = 5,000)"."""
    unit = _unit(f)
    parts = [p for p in (format_interval(f.get("ci_low"), f.get("ci_high"), unit),
                         f"n = {format_count(f.get('n'), noun)}" if with_n and not _missing(f.get("n")) else "") if p]
    inner = ", ".join(parts)
    return format_value(f.get("estimate"), unit) + (f" ({inner})" if inner else "")


def _stats(f: Mapping[str, Any]) -> str:
    """"adjusted p = 0.003, Cohen's h +0.31" (what is known of the test and the effect)."""
    parts = []
    if not _missing(f.get("q_value")):
        parts.append(format_p(f.get("q_value"), adjusted=True))
    elif not _missing(f.get("p_value")):
        parts.append(format_p(f.get("p_value")))
    effect = format_effect(f.get("effect_name"), f.get("effect_size"))
    if effect:
        parts.append(effect)
    return ", ".join(parts)


def _verdict(f: Mapping[str, Any]) -> str:
    if f.get("favourable") is True:
        return "better"
    if f.get("favourable") is False:
        return "worse"
    return ""


def _sig(f: Mapping[str, Any], what: str = "difference") -> str:
    if f.get("q_value") is None and f.get("p_value") is None:
        return ""
    return f"statistically real ({_stats(f)})" if f.get("significant") else f"not statistically significant ({_stats(f)})"


def _then_sig(f: Mapping[str, Any]) -> str:
    """"; statistically real (…)" or '' when no test applies."""
    sig = _sig(f)
    return f"; {sig}" if sig else ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _segment_difference(f) -> str:
    attrs = f.get("attributes") or {}
    unit = _unit(f)
    higher = "higher" if f.get("direction") == "up" else "lower"
    verdict = _verdict(f)
    rest = format_value(f.get("comparator"), unit)
    rest_n = attrs.get("rest_n")
    rest_text = f"{rest}, n = {format_count(rest_n)}" if not _missing(rest_n) else rest
    judged = f", {verdict} for customers" if verdict else ""
    return (f"{_capital(_name(f))} {where(f.get('dimension'), f.get('segment'))} is {_est(f)}, {higher} than "
            f"{f.get('comparator_label') or 'the rest'} ({rest_text}){judged}{_then_sig(f)}.")


def _trend(f) -> str:
    attrs = f.get("attributes") or {}
    unit = _unit(f)
    place = where(f.get("dimension"), f.get("segment"))
    place = f" {place}" if place else ""
    moving = {"up": "rising", "down": "falling"}.get(f.get("direction"), "changing")
    judged = {True: " (improving)", False: " (worsening)"}.get(f.get("favourable"), "")
    slope = f.get("effect_size")
    step = "a week" if f.get("effect_name") == "sens_slope_per_week" else "a period"
    slope_text = f"{format_value(slope, unit, signed=True)} {step}" if not _missing(slope) else ""
    ci = format_interval(attrs.get("slope_ci_low"), attrs.get("slope_ci_high"), unit)
    periods = attrs.get("periods")
    over = f" over {format_count(periods, 'weeks' if step == 'a week' else 'periods')}" if not _missing(periods) else ""
    first = format_value(f.get("comparator"), unit)
    last = format_value(f.get("estimate"), unit)
    test = format_p(f.get("q_value"), adjusted=True) if not _missing(f.get("q_value")) else format_p(f.get("p_value"))
    detail = ", ".join(p for p in (f"Sen's slope {slope_text}" if slope_text else "", ci, test) if p)
    return (f"{_capital(_name(f))}{place} is {moving}{judged}: from {first} in the first period to {last} in the "
            f"latest{over} ({detail}).")


def _special_cause(f) -> str:
    attrs = f.get("attributes") or {}
    place = "" if f.get("segment") is None else f" in {subject(f.get('dimension'), f.get('segment'))}"
    count = attrs.get("signals")
    span = (f" between {format_date(f.get('period_start'))} and {format_date(f.get('period_end'))}"
            if f.get("period_start") and f.get("period_end") else "")
    return (f"{_capital(_name(f))}{place}: {format_count(count, 'periods')}{span} outside the usual variation on an "
            "individuals control chart (Western Electric rules); a prompt to look, not a trend.")


def _change_point(f) -> str:
    unit = _unit(f)
    place = "" if f.get("segment") is None else f" in {subject(f.get('dimension'), f.get('segment'))}"
    when = format_date(f.get("period_start"))
    return (f"{_capital(_name(f))}{place} shifted from about {format_value(f.get('comparator'), unit)} to about "
            f"{format_value(f.get('estimate'), unit)}" + (f" from the period starting {when}" if when else "") + " (a change point in the mean).")


def _driver(f) -> str:
    attrs = f.get("attributes") or {}
    term = attrs.get("term") or f.get("segment") or "this factor"
    way = "raises" if f.get("direction") == "up" else "lowers"
    return (f"{_capital(str(term))} {way} the odds of a satisfied customer: odds ratio {format_value(f.get('estimate'))}"
            + (f" ({format_interval(f.get('ci_low'), f.get('ci_high'))}, n = {format_count(f.get('n'))})" if not _missing(f.get("ci_low")) else "")
            + (f", {format_p(f.get('p_value'))}" if not _missing(f.get("p_value")) else "") + ", adjusted for the other factors.")


def _spike(f, *, issue: bool) -> str:
    attrs = f.get("attributes") or {}
    source = {"comments": "survey comments", "complaints": "complaint texts"}.get(str(attrs.get("source")), "texts")
    place = "" if f.get("segment") is None or f.get("dimension") in (None, "theme") else f" in {subject(f.get('dimension'), f.get('segment'))}"
    when = format_week(f.get("period_start"), f.get("period_end"))
    count = format_count(f.get("estimate"), source)
    expected = format_value(f.get("comparator"), "number").rstrip("0").rstrip(".") if not _missing(f.get("comparator")) else "n/a"
    stats = _stats(f)
    if issue:
        term = str(attrs.get("term") or attrs.get("terms") or "")
        head = f"Emerging issue '{term}'{place} in {when}" if when else f"Emerging issue '{term}'{place}"
    else:
        label = str(attrs.get("theme_label") or attrs.get("theme") or "a theme")
        head = f"'{label}' spiked{place} in {when}" if when else f"'{label}' spiked{place}"
    return f"{head}: {count} against {expected} expected at the rate of the rest of the period ({stats})."


def _sentiment_check(f) -> str:
    attrs = f.get("attributes") or {}
    agreement = format_value(f.get("estimate"), "proportion")
    verdict = str(attrs.get("verdict_word") or ("trustworthy" if f.get("significant") else "not trustworthy on its own"))
    f1 = format_effect(f.get("effect_name"), f.get("effect_size")).replace("+", "")
    detail = "; ".join(p for p in (format_interval(f.get("ci_low"), f.get("ci_high"), "proportion"), f1) if p)
    return (f"The sentiment model ({attrs.get('model', 'VADER')}) agrees with the customers' own ratings on {agreement} of "
            f"{format_count(f.get('n'), 'comments')}" + (f" ({detail})" if detail else "")
            + f": sentiment scores are {verdict}.")


def _calibration(f) -> str:
    attrs = f.get("attributes") or {}
    unit = _unit(f)
    if f.get("dimension") == "evaluator":
        way = {"up": "more leniently", "down": "more strictly"}.get(f.get("direction"), "differently")
        test = format_p(f.get("q_value"), adjusted=True) or format_p(f.get("p_value"))
        return (f"Evaluator {f.get('segment')} scores {way} than colleagues on the same contacts: mean difference "
                f"{format_value(f.get('estimate'), unit, signed=True)} points" + (f" ({format_interval(f.get('ci_low'), f.get('ci_high'), unit)}, n = {format_count(f.get('n'), 'contacts')})" if not _missing(f.get("ci_low")) else "")
                + (f"; {test}" if test else "") + ".")
    if f.get("dimension") == "item":
        return (f"Scorecard item {attrs.get('item_label') or str(f.get('segment')).replace('_', ' ')} is scored inconsistently: Krippendorff's alpha "
                f"{format_value(f.get('estimate'))}" + (f" ({format_interval(f.get('ci_low'), f.get('ci_high'))})" if not _missing(f.get("ci_low")) else "")
                + f", below the {format_value(f.get('comparator'))} needed to draw conclusions.")
    return (f"Agreement between QA evaluators: Krippendorff's alpha {format_value(f.get('estimate'))}"
            + (f" ({format_interval(f.get('ci_low'), f.get('ci_high'))}, n = {format_count(f.get('n'), 'contacts')})" if not _missing(f.get("ci_low")) else "")
            + (f", {'at or above' if f.get('favourable') else 'below'} the {format_value(f.get('comparator'))} needed to draw conclusions." if not _missing(f.get("comparator")) else "."))


def _escalation(f) -> str:
    unit = _unit(f) or "proportion"
    if f.get("dimension") is not None and f.get("segment") is not None:
        way = "more" if f.get("direction") == "up" else "less"
        return (f"{_capital(subject(f.get('dimension'), f.get('segment')))} escalates {_est(f, noun='contacts')}, {way} often than "
                f"{f.get('comparator_label') or 'the rest'} ({format_value(f.get('comparator'), unit)}){_then_sig(f)}.")
    measure = _name(f)
    return (f"{_capital(measure)}: {_est(f)} against {format_value(f.get('comparator'), unit)} for "
            f"{f.get('comparator_label') or 'other contacts'}" + (f"; {_sig(f)}" if _sig(f) else "") + ".")


def _high_risk(f) -> str:
    attrs = f.get("attributes") or {}
    category = str(attrs.get("category") or f.get("segment") or "high-risk").replace("_", " ")
    severity = f" (severity {attrs['severity']})" if attrs.get("severity") else ""
    return (f"{format_count(f.get('estimate'), 'texts')} carry the '{category}' high-risk marker{severity} and need "
            "checking now; they are listed, redacted, with the reason each was flagged.")


def _kpi_gap(f, *, strength: bool) -> str:
    attrs = f.get("attributes") or {}
    unit = _unit(f)
    status = attrs.get("status")
    verb = {"met": "meets", "within_tolerance": "is within tolerance of", "missed": "misses"}.get(status, "is against")
    where = subject(f.get("dimension"), f.get("segment"))
    target_word = "its indicative benchmark" if attrs.get("target_origin") == "indicative benchmark" else "its target"
    head = f"{_capital(_name(f))} for {where} {verb} {target_word}: {_est(f)} against {format_value(f.get('comparator'), unit)}"
    kind = "exceedance" if strength or status == "met" else "shortfall"
    tail = f"; the {kind} is {_sig(f)}" if _sig(f) else ""
    held = attrs.get("persistence")
    period = attrs.get("period_word") or "weeks"
    if not _missing(held) and held:
        tail += f", and the status has held for the last {format_count(held, period)}" if int(held) > 1 else f", seen in the latest {period[:-1]}"
    moving = attrs.get("moving")
    if moving in ("improving", "worsening"):
        tail += f"; it is {moving}"
    return head + tail + "."


def _target_review(f) -> str:
    attrs = f.get("attributes") or {}
    unit = _unit(f)
    place = "" if f.get("segment") is None else f" for {subject(f.get('dimension'), f.get('segment'))}"
    status = str(attrs.get("status", "")).replace("_", " ")
    proposed = attrs.get("proposed_target")
    text = f"The {_name(f)} target{place} ({format_value(f.get('comparator'), unit)}) is {status}: {attrs.get('evidence', '')}"
    text = text.rstrip(": ")
    if not _missing(proposed):
        text += f"; proposed: {format_value(proposed, unit)}"
    return text + "."


def _regulatory(f) -> str:
    attrs = f.get("attributes") or {}
    breaches = attrs.get("breaches")
    rule = attrs.get("description") or attrs.get("rule") or "the rule"
    return (f"{format_count(breaches, 'cases')} of {format_count(f.get('n'))} judged fail '{rule}': compliance "
            f"{format_value(f.get('estimate'), 'proportion')}"
            + (f" ({format_interval(f.get('ci_low'), f.get('ci_high'), 'proportion')})" if not _missing(f.get("ci_low")) else "")
            + (f" against the required {format_value(f.get('comparator'), 'proportion')}" if not _missing(f.get("comparator")) else "")
            + (f"; source: {attrs['source']}" if attrs.get("source") else "") + ".")


def _staffing(f, *, shortfall: bool) -> str:
    attrs = f.get("attributes") or {}
    where = f"queue {attrs['queue']}, " if attrs.get("queue") not in (None, "", "all") else ""
    when = f"{attrs.get('weekday', '')} {attrs.get('interval_start', '')}".strip()
    required, deployed = attrs.get("agents_required"), attrs.get("agents_deployed")
    word = "under-staffed" if shortfall else "over-staffed"
    gap = format_value(f.get("estimate"), "number").rstrip("0").rstrip(".")
    def agents(x) -> str:
        return format_value(x, "number").rstrip("0").rstrip(".")

    observed = str(attrs.get("judged_by") or "").startswith("observed")
    if observed and shortfall:
        text = (f"{_capital(where + when) or 'An interval'} is {word}: "
                f"{format_value(attrs.get('observed_sl'), 'proportion')} answered within the threshold against the "
                f"{format_value(attrs.get('target_sl'), 'proportion')} target")
        if not _missing(f.get("n")):
            text += f" ({format_count(f.get('n'), 'contacts')} over the period)"
        if not _missing(f.get("q_value")):
            text += f", {format_q(f.get('q_value'))}"
        return (text + f"; Erlang C needs {agents(required)} agents where that service level implies "
                f"{agents(deployed)} (gap {gap}).")
    text = (f"{_capital(where + when) or 'An interval'} is {word}: {agents(required)} agents needed for the "
            f"service-level target against {agents(deployed)} deployed (gap {gap})")
    if not _missing(f.get("n")):
        text += f", from {format_count(f.get('n'), 'contacts')} in that interval over the period"
    return text + "."


def _coaching(f) -> str:
    attrs = f.get("attributes") or {}
    unit = _unit(f) or "proportion"
    item = attrs.get("item_label") or attrs.get("item") or "a scorecard item"
    who = "An agent" if f.get("segment") is None else f"Agent {f.get('segment')}"
    return (f"{who} scores {_est(f, noun='evaluations')} on {item}, against "
            f"{format_value(f.get('comparator'), unit)} for {f.get('comparator_label') or 'peers'}{_then_sig(f)}.")


def _training(f) -> str:
    attrs = f.get("attributes") or {}
    item = attrs.get("item_label") or attrs.get("item") or "a scorecard item"
    scope = "the whole centre" if f.get("segment") is None else subject(f.get("dimension"), f.get("segment"))
    below = attrs.get("agents_below")
    return (f"{format_value(f.get('estimate'), 'proportion')} of agents in {scope} with enough evaluations score below the "
            f"threshold on {item}" + (f" ({format_count(below)} of {format_count(f.get('n'), 'agents')})" if not _missing(below) else "")
            + ": a shared training need.")


def _data_quality(f) -> str:
    attrs = f.get("attributes") or {}
    raw = attrs.get("table") or f.get("segment")
    table = TABLE_WORDS.get(str(raw), str(raw or "a table"))
    column = str(attrs.get("column") or "").replace("_", " ")
    if attrs.get("check") == "missing_values":
        return (f"{format_count(attrs.get('rows'))} of {format_count(f.get('n'))} {table} "
                f"({format_value(f.get('estimate'), 'proportion')}) have no {column} recorded: they count in every "
                f"total but are never judged as a segment.")
    if attrs.get("check") == "category_variants":
        return (f"{format_count(attrs.get('rows'))} {table} carry a {column} spelt differently from the value it "
                f"appears to be ({attrs.get('details') or 'see the validate stage'}); they are analysed as written "
                f"until the config maps them to one value.")
    if attrs.get("check"):
        check = f"{attrs['column']} {attrs['check']}" if attrs.get("column") else str(attrs["check"])
        return (f"{format_count(attrs.get('rows'))} of {format_count(f.get('n'))} {table} "
                f"({format_value(f.get('estimate'), 'proportion')}) fail the check '{check}' and are quarantined.")
    usable = format_value(f.get("estimate"), "proportion")
    threshold = format_value(f.get("comparator"), "proportion")
    verdict = "below" if f.get("favourable") is False else "at or above"
    return f"{usable} of the {format_count(f.get('n'))} {table} are usable, {verdict} the {threshold} the review needs."


def _complaint_pattern(f) -> str:
    attrs = f.get("attributes") or {}
    pattern = attrs.get("pattern")
    if pattern == "vital_few":
        return (f"{format_count(attrs.get('vital_few'))} of {format_count(attrs.get('categories'), 'complaint categories')} "
                f"make up {format_value(f.get('estimate'), 'proportion')} of {format_count(f.get('n'), 'complaints')} "
                f"(the vital few); '{f.get('segment')}' alone is {format_value(attrs.get('top_share'), 'proportion')}.")
    if pattern == "repeat_complainants":
        return (f"{format_count(attrs.get('repeat'))} of {format_count(f.get('n'), 'complainants')} "
                f"({', '.join(p for p in (format_value(f.get('estimate'), 'proportion'), format_interval(f.get('ci_low'), f.get('ci_high'), 'proportion')) if p)}) "
                f"complained more than once, making "
                f"{format_count(attrs.get('complaints_from_repeaters'), 'complaints')} between them.")
    measure = str(attrs.get("measure") or "complaints")
    if pattern == "segment":
        return (f"{_capital(measure)} {where(f.get('dimension'), f.get('segment'))}: {_est(f)} against "
                f"{format_value(f.get('comparator'), 'proportion')} for {f.get('comparator_label') or 'the rest'}"
                f"{_then_sig(f)}.")
    text = f"{_capital(measure)}: {_est(f)}"
    if pattern == "upheld":
        text = f"{_est(f)} of decided complaints were upheld"
    if not _missing(f.get("comparator")):
        below = f.get("favourable") is False
        text += (f", {'below' if below else 'not demonstrably below'} the required "
                 f"{format_value(f.get('comparator'), 'proportion')}")
    return _capital(text) + "."


def _source_risk(f) -> str:
    attrs = f.get("attributes") or {}
    risk = attrs.get("risk")
    table = TABLE_WORDS.get(str(f.get("segment")), str(f.get("segment") or "the data"))
    if risk == "days_without_records":
        return (f"{_capital(table)} are missing on {format_count(f.get('estimate'))} of the "
                f"{format_count(f.get('n'), 'calendar days')} between the first and the newest record.")
    if risk == "currency":
        days = f.get("estimate") or 0
        if days < 0:
            return f"Usable {table} are dated {format_value(-days, 'days')} after the extraction."
        return (f"The newest of the {table} is {format_value(days, 'days')} older than the extraction "
                f"(more than {format_value(f.get('comparator'), 'days')}): the data may not be current.")
    if risk == "file_changed":
        return f"The source file of the {table} has changed since it was collected (its SHA-256 differs)."
    if risk == "thin":
        source = TABLE_WORDS.get(str(attrs.get("source")), str(attrs.get("source") or "records"))
        return (f"{_capital(subject(f.get('dimension'), f.get('segment')))} has only {format_count(f.get('estimate'))} "
                f"{source}, fewer than the {format_count(f.get('comparator'))} a stated estimate needs.")
    if risk == "nonresponse":
        unit = _unit(f)
        return (f"Survey responders differ from the customers who did not answer on {attrs.get('measure', 'a measure')}: "
                f"{format_value(f.get('estimate'), unit)} against {format_value(f.get('comparator'), unit)}"
                f"{_then_sig(f)}.")
    if risk == "sample":
        gap = f" (largest gap {attrs['largest_gap']})" if attrs.get("largest_gap") else ""
        return (f"The QA sample is not representative of the population on {attrs.get('variable')}{gap}"
                f"{_then_sig(f)}; weight the estimates by the design weights or draw again.")
    if risk == "reliability":
        return (f"{_capital(str(attrs.get('measure') or 'Reliability'))} is {_est(f)}, below the "
                f"{format_value(f.get('comparator'))} usual minimum for a reliable instrument.")
    if attrs.get("source") is not None and f.get("comparator_label") == "the figure weighted by calls":
        unit = _unit(f)
        return (f"{_capital(str(attrs.get('measure')))} is {format_value(f.get('estimate'), unit)}, but weighted by calls the "
                f"figure is {format_value(f.get('comparator'), unit)}: the export's averages mislead.")
    return _generic(f)


def _generic(f) -> str:
    unit = _unit(f)
    place = "" if f.get("segment") is None else f" in {subject(f.get('dimension'), f.get('segment'))}"
    text = f"{_capital(_name(f))}{place}: {_est(f)}"
    if not _missing(f.get("comparator")):
        text += f" against {format_value(f.get('comparator'), unit)}" + (f" ({f['comparator_label']})" if f.get("comparator_label") else "")
    elif f.get("comparator_label"):
        text += f" against {f['comparator_label']}"
    sig = _sig(f)
    if sig:
        text += f"; {sig}"
    elif _stats(f):
        text += f" ({_stats(f)})"
    return text + "."


_RENDERERS = {
    "segment_difference": _segment_difference,
    "trend": _trend,
    "special_cause": _special_cause,
    "change_point": _change_point,
    "driver": _driver,
    "theme_spike": lambda f: _spike(f, issue=False),
    "emerging_issue": lambda f: _spike(f, issue=True),
    "sentiment_check": _sentiment_check,
    "calibration": _calibration,
    "escalation": _escalation,
    "high_risk": _high_risk,
    "kpi_gap": lambda f: _kpi_gap(f, strength=False),
    "strength": lambda f: _kpi_gap(f, strength=True),
    "target_review": _target_review,
    "regulatory_breach": _regulatory,
    "staffing_shortfall": lambda f: _staffing(f, shortfall=True),
    "staffing_surplus": lambda f: _staffing(f, shortfall=False),
    "coaching_need": _coaching,
    "training_need": _training,
    "data_quality": _data_quality,
    "complaint_pattern": _complaint_pattern,
    "source_risk": _source_risk,
}


def finding_sentence(fields: Mapping[str, Any]) -> str:
    """The plain-language statement of a finding, rendered from its fields.

    Parameters
    ----------
    fields : mapping
        A finding's fields (see :class:`csperf_lib.core.findings.Finding`); ``attributes`` may hold
        ``kpi_name`` / ``measure`` (what is measured, in words) and ``unit`` (a KPI unit key), and
        the kind-specific scalars each template uses.

    Returns
    -------
    str
        One or two sentences, numbers formatted by this module; never ``None``, ``nan`` or a raw
        unit key.
    """
    renderer = _RENDERERS.get(str(fields.get("kind")), _generic)
    return renderer(fields)
