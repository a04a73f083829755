"""Team briefings and the action plan export: telling people what changes and why.

A *team briefing* is a one-page Markdown note for the members of one team (CFACSD20 P11–P13:
brief team members on what is expected of them). It has five parts, always in this order
(:data:`SECTION_HEADINGS`):

1. **What has changed** — the review's findings that concern the team, in plain words;
2. **Why** — the reasons behind them;
3. **What we need to do differently** — the team's actions, with who leads each and by when;
4. **Targets that apply to us** — each KPI in words, its target and the team's current value;
5. **When we will review progress** — the review date.

The note is rendered into the report (nbconvert turns Markdown into HTML) and exported as a file.
Every data value in it is HTML-escaped (:func:`csperf_lib.core.markup.escape`), so a value such as
``<script>`` shows as text and never runs; line breaks and ``|`` in values are neutralised so a
value cannot break the note's structure.

Individuals: a team briefing is read by the whole team, so it must not name anyone's
weaknesses. Rows of ``changes`` or ``actions`` that carry an ``agent`` / ``agent_id`` value are
individual matters (coaching belongs in one-to-ones) and are left out; identifiers passed in
``redact`` (e.g. every agent id) are replaced with "a colleague" wherever they appear in a text.
A note for one team never shows another team's rows.

The *action plan export* writes ``actions.xlsx`` and ``actions.csv`` (normally into
``reports/YYYY-MM-DD/``) with :func:`csperf_lib.core.exports.write_xlsx` / ``write_csv``, which
neutralise text cells a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab,
carriage return).

Public API
----------
- :func:`team_briefing` — the Markdown note for one team.
- :func:`team_briefings` — one note per team found in the inputs.
- :func:`write_briefings` — ``briefing_<team-slug>.md`` files.
- :func:`action_plan_export` — ``actions.xlsx`` and ``actions.csv``.
- :func:`slug` — a safe file-name fragment of a team name.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from csperf_lib.core.exports import write_csv, write_xlsx
from csperf_lib.core.markup import escape

__all__ = [
    "ACTION_COLUMNS",
    "SECTION_HEADINGS",
    "action_plan_export",
    "slug",
    "team_briefing",
    "team_briefings",
    "write_briefings",
]

#: The five parts of a briefing, in order.
SECTION_HEADINGS: tuple[str, ...] = (
    "What has changed",
    "Why",
    "What we need to do differently",
    "Targets that apply to us",
    "When we will review progress",
)
#: Columns of the action plan export, in order (``team`` is added after ``id`` when given).
ACTION_COLUMNS: tuple[str, ...] = (
    "id", "action", "kind", "owner", "priority", "evidence", "review_date", "status",
)
#: Values of ``team`` meaning "every team".
ALL_TEAMS = frozenset({"", "all", "all teams", "*", "everyone", "centre", "center"})
#: Most bullets per section, so the note stays on one page.
MAX_ITEMS = 5
_AGENT_COLUMNS = ("agent", "agent_id")
_UNIT_FORMATS = ("proportion", "percent", "seconds", "count", "days", "score_1_5", "score_1_7",
                 "nps", "per_1000_contacts", "ratio", "number")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: Any, *, redact: tuple[str, ...] = ()) -> str:
    """A data value as escaped, single-line Markdown text."""
    if _missing(value):
        return ""
    text = " ".join(str(value).split())
    for name in redact:
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", "a colleague", text)
    for sign, words in _COMPARISON_WORDS:  # a team note is plain text: "p < 0.001" reads "p under 0.001"
        text = text.replace(sign, words)
    return escape(text).replace("|", "&#124;")


#: Comparison signs between spaces, as words (longest first), so a briefing has no HTML entities.
_COMPARISON_WORDS = ((" <= ", " at most "), (" >= ", " at least "), (" ≤ ", " at most "), (" ≥ ", " at least "),
                     (" < ", " under "), (" > ", " over "))


def _date(value: Any) -> dt.date | None:
    if _missing(value):
        return None
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        return None


def _long_date(value: Any) -> str:
    d = _date(value)
    return f"{d.day} {d:%B %Y}" if d else ""


def _is_all(team: Any) -> bool:
    return _missing(team) or str(team).strip().lower() in ALL_TEAMS


def _for_team(frame: pd.DataFrame | None, team: str) -> pd.DataFrame:
    """Rows of ``frame`` for ``team`` (or for every team); individual rows dropped."""
    if frame is None or len(frame) == 0:
        return pd.DataFrame()
    rows = frame
    for column in _AGENT_COLUMNS:
        if column in rows.columns:
            rows = rows[rows[column].map(_missing)]
    if "team" in rows.columns:
        mine = rows["team"].map(lambda t: _is_all(t) or str(t) == str(team))
        rows = rows[mine]
    return rows


def _number(value: Any, unit: str | None) -> str:
    if _missing(value):
        return "not measured"
    if isinstance(value, str):
        return value
    v = float(value)
    if unit == "proportion":
        return f"{100 * v:.0f} %" if abs(100 * v - round(100 * v)) < 0.05 else f"{100 * v:.1f} %"
    if unit == "percent":
        return f"{v:.1f} %"
    if unit == "seconds":
        if abs(v) >= 120:
            minutes, seconds = divmod(round(v), 60)
            return f"{minutes} min {seconds:02d} s"
        return f"{v:.0f} s"
    if unit == "days":
        return f"{v:.1f} days"
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "per_1000_contacts":
        return f"{v:.2f} per 1,000 contacts"
    if unit == "nps":
        return f"{v:+.0f}"
    if unit in ("score_1_5", "score_1_7"):
        return f"{v:.2f} out of {unit[-1]}"
    return f"{v:,.3g}"


def _bullets(lines: list[str], *, more: str) -> list[str]:
    shown = [f"- {line}" for line in lines[:MAX_ITEMS]]
    if len(lines) > MAX_ITEMS:
        shown.append(f"- …and {len(lines) - MAX_ITEMS} more {more}.")
    return shown


# --------------------------------------------------------------------------------------------
# briefings
# --------------------------------------------------------------------------------------------


def _change_lines(rows: pd.DataFrame, *, names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """What changed and why, each redacted, the reasons without repeats."""
    change_lines, why_lines = [], []
    if len(rows):
        if "text" not in rows.columns:
            raise ValueError("changes need a 'text' column (what changed, in plain words)")
        for r in rows.itertuples(index=False):
            what = _text(getattr(r, "text", None), redact=names)
            if what:
                change_lines.append(what)
            why = _text(getattr(r, "why", None), redact=names)
            if why and why not in why_lines:
                why_lines.append(why)
    return change_lines, why_lines


def _action_lines(rows: pd.DataFrame, *, names: tuple[str, ...]) -> list[str]:
    """Each action with who leads it and by when, redacted."""
    action_lines = []
    if len(rows):
        if "action" not in rows.columns:
            raise ValueError("actions need an 'action' column")
        for r in rows.itertuples(index=False):
            what = _text(getattr(r, "action", None), redact=names)
            if not what:
                continue
            extra = []
            owner = _text(getattr(r, "owner", None), redact=names)
            if owner:
                extra.append(f"led by {owner}")
            when = _long_date(getattr(r, "review_date", None))
            if when:
                extra.append(f"by {when}")
            action_lines.append(what + (f" ({'; '.join(extra)})" if extra else ""))
    return action_lines


def team_briefing(
    team: str,
    *,
    changes: pd.DataFrame | None,
    targets: pd.DataFrame | None,
    actions: pd.DataFrame | None,
    review_date: Any,
    organisation: str | None = None,
    period: str | None = None,
    redact: Iterable[str] = (),
) -> str:
    """A one-page Markdown briefing for the members of ``team``, in plain language.

    The note never names an individual's weaknesses: rows with an ``agent``/``agent_id`` value
    are left out (individual coaching is for one-to-ones), and the identifiers in ``redact`` are
    replaced with "a colleague" in every text. Only the team's own rows and rows meant for every
    team (``team`` missing, ``"all"``, ``"all teams"``) are used. Every data value is
    HTML-escaped.

    Parameters
    ----------
    team : str
        The team the note is for.
    changes : DataFrame or None, keyword-only
        What changed and why, one row per point: ``text`` (required: what changed, in plain
        words, e.g. "Talk time has grown by about 1.4 % a week since January"), ``why``
        (optional: the reason, or why it matters), ``team`` (optional: the team it concerns;
        missing = every team).
    targets : DataFrame or None, keyword-only
        The targets that apply: ``kpi`` (id), ``label`` (the KPI in words; default the id),
        ``target`` and ``value`` (the team's current value; numbers in the KPI's unit or
        preformatted text), ``status`` (e.g. "met", "not met", "within tolerance"),
        optional ``unit`` (a csperf KPI unit: ``proportion`` shows 0.8 as "80 %",
        ``seconds`` as "4 min 05 s", ...) and ``team`` (rows for the team; rows for every team
        are used for KPIs the team has no row of).
    actions : DataFrame or None, keyword-only
        What the team must do differently: ``action`` (required), ``owner`` (who leads it),
        ``review_date`` (by when), ``team`` (optional, as above).
    review_date : date-like, keyword-only
        When progress will be reviewed with the team.
    organisation : str, optional, keyword-only
        Shown under the title.
    period : str, optional, keyword-only
        The review period in words (e.g. ``"2026-01-05 to 2026-03-29"``).
    redact : iterable of str, keyword-only
        Identifiers (agent ids, names) never to print; replaced with "a colleague".

    Returns
    -------
    str
        Markdown: a title, a subtitle line, then the five sections of :data:`SECTION_HEADINGS`
        (each section says so plainly when there is nothing to report), at most
        :data:`MAX_ITEMS` bullets each.
    """
    names = tuple(sorted({str(n) for n in redact if not _missing(n) and str(n)}, key=len,
                         reverse=True))
    team_text = _text(team, redact=names)
    review = _long_date(review_date) or _text(review_date) or "a date to be agreed"

    head = [f"# Team briefing: {team_text}"]
    sub = [s for s in (_text(organisation), f"review of {_text(period)}" if period else "") if s]
    sub.append(f"next review {review}")
    head.append(f"*{' · '.join(sub)}*")

    change_lines, why_lines = _change_lines(_for_team(changes, team), names=names)
    body = ["", f"## {SECTION_HEADINGS[0]}", ""]
    body += _bullets(change_lines, more="points in the full review") or [
        "- Nothing in the review calls for a change in how our team works."
    ]
    body += ["", f"## {SECTION_HEADINGS[1]}", ""]
    body += _bullets(why_lines, more="reasons in the full review") or [
        "- The review found no problem that needs a change from us; we keep doing what works."
        if not change_lines
        else "- These points come from the performance review of our contacts, surveys and "
        "quality checks; the full review has the figures."
    ]

    action_lines = _action_lines(_for_team(actions, team), names=names)
    body += ["", f"## {SECTION_HEADINGS[2]}", ""]
    body += _bullets(action_lines, more="actions in the action plan") or [
        "- Nothing new: carry on as now."
    ]

    body += ["", f"## {SECTION_HEADINGS[3]}", ""]
    body += _targets_table(targets, team)

    body += ["", f"## {SECTION_HEADINGS[4]}", ""]
    body.append(
        f"We will look at progress together on **{review}**: the same measures, worked out the "
        "same way, so we can see whether the changes have worked. Bring questions or ideas to "
        "your team leader before then."
    )
    return "\n".join(head + body) + "\n"


def _targets_table(targets: pd.DataFrame | None, team: str) -> list[str]:
    if targets is None or len(targets) == 0:
        return ["No targets have been set for our team in this review."]
    missing = {"kpi", "target"} - set(targets.columns)
    if missing:
        raise ValueError(f"targets need column(s) {', '.join(sorted(missing))}")
    rows = targets
    if "team" in rows.columns:
        own = rows[rows["team"].map(lambda t: not _is_all(t) and str(t) == str(team))]
        shared = rows[rows["team"].map(_is_all)]
        shared = shared[~shared["kpi"].isin(own["kpi"])]
        rows = pd.concat([own, shared])
    if len(rows) == 0:
        return ["No targets have been set for our team in this review."]
    lines = ["| Measure | Target | Our team now | Status |", "|---|---|---|---|"]
    for r in rows.itertuples(index=False):
        unit = getattr(r, "unit", None)
        unit = str(unit) if not _missing(unit) and str(unit) in _UNIT_FORMATS else None
        label = getattr(r, "label", None)
        label = label if not _missing(label) else r.kpi
        status = getattr(r, "status", None)
        lines.append(
            f"| {_text(label)} | {_text(_number(r.target, unit))} | "
            f"{_text(_number(getattr(r, 'value', None), unit))} | "
            f"{_text(status).replace('_', ' ') or 'not assessed'} |"
        )
    return lines


def team_briefings(
    *,
    changes: pd.DataFrame | None,
    targets: pd.DataFrame | None,
    actions: pd.DataFrame | None,
    review_date: Any,
    teams: Iterable[str] | None = None,
    organisation: str | None = None,
    period: str | None = None,
    redact: Iterable[str] = (),
) -> dict[str, str]:
    """One :func:`team_briefing` per team.

    ``teams`` defaults to every named team in the ``team`` columns of the three inputs (rows for
    every team, e.g. ``"all"``, name no team). Returns team → Markdown, in team order.
    """
    if teams is None:
        found: set[str] = set()
        for frame in (changes, targets, actions):
            if frame is not None and "team" in getattr(frame, "columns", ()):
                found |= {str(t) for t in frame["team"] if not _is_all(t)}
        teams = sorted(found)
    redact = tuple(redact)
    return {
        str(t): team_briefing(
            str(t), changes=changes, targets=targets, actions=actions, review_date=review_date,
            organisation=organisation, period=period, redact=redact,
        )
        for t in teams
    }


def slug(name: Any, *, max_length: int = 60) -> str:
    """A safe file-name fragment: lower-case ASCII letters, digits and single hyphens.

    Accents are folded (``"Équipe Nord"`` → ``"equipe-nord"``); path separators, dots and other
    characters become hyphens, so the result can never leave its folder; an empty result is
    ``"team"``.
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    text = text[:max_length].strip("-")
    return text or "team"


def write_briefings(briefings: Mapping[str, str], folder: str | Path) -> list[Path]:
    """Write each briefing to ``folder/briefing_<team-slug>.md`` (UTF-8).

    Parameters
    ----------
    briefings : mapping of str to str
        Team → Markdown (e.g. from :func:`team_briefings`).
    folder : str or Path
        Created when absent.

    Returns
    -------
    list of Path
        The files written, in the mapping's order. Two teams whose names give the same slug get
        ``-2``, ``-3``… suffixes, so no note overwrites another.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    used: set[str] = set()
    for team, text in briefings.items():
        base = slug(team)
        name, k = base, 1
        while name in used:
            k += 1
            name = f"{base}-{k}"
        used.add(name)
        path = folder / f"briefing_{name}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------
# action plan
# --------------------------------------------------------------------------------------------


def _action_table(actions: pd.DataFrame) -> pd.DataFrame:
    if "action" not in actions.columns:
        raise ValueError("actions need an 'action' column")
    n = len(actions)
    out = pd.DataFrame(index=range(n))
    if "id" in actions.columns:
        out["id"] = actions["id"].astype(object).to_numpy()
    else:
        out["id"] = [f"A{i:03d}" for i in range(1, n + 1)]
    if "team" in actions.columns:
        out["team"] = actions["team"].astype(object).to_numpy()
    for column in ACTION_COLUMNS[1:]:
        if column == "review_date":
            values = (
                pd.to_datetime(actions[column], errors="coerce").dt.normalize()
                if column in actions.columns else pd.Series(pd.NaT, index=range(n))
            )
            out[column] = values.to_numpy()
        elif column in actions.columns:
            out[column] = actions[column].astype(object).to_numpy()
        else:
            out[column] = "open" if column == "status" else None
    out["status"] = out["status"].where(out["status"].notna(), "open")
    return out


def action_plan_export(actions: pd.DataFrame, folder: str | Path) -> tuple[Path, Path]:
    """Write the action plan as ``folder/actions.xlsx`` and ``folder/actions.csv``.

    Parameters
    ----------
    actions : DataFrame
        One row per action (never modified). Columns, in the order written:

        ``id``
            Action reference (default ``A001``, ``A002``…).
        ``team``
            Written after ``id`` only when given: the team the action is for.
        ``action``
            What is to be done (required).
        ``kind``
            E.g. ``coaching``, ``training``, ``process``, ``staffing``, ``target``.
        ``owner``
            Who is accountable (a role, not an individual's weakness).
        ``priority``
            E.g. ``high`` / ``medium`` / ``low``.
        ``evidence``
            The finding and numbers the action rests on.
        ``review_date``
            When progress is checked (a date; Excel date cell).
        ``status``
            Default ``open``.

        Other columns are not exported.
    folder : str or Path
        Normally ``reports/YYYY-MM-DD`` of the run; created when absent.

    Returns
    -------
    (Path, Path)
        The workbook and the CSV. Both hold the same rows; text cells starting with ``=``,
        ``+``, ``-``, ``@``, a tab or a carriage return are prefixed with ``'`` so no
        spreadsheet runs them as formulas (:mod:`csperf_lib.core.exports`).
    """
    table = _action_table(actions)
    folder = Path(folder)
    xlsx = write_xlsx(table, folder / "actions.xlsx", sheet="Actions")
    csv = write_csv(table, folder / "actions.csv")
    return xlsx, csv


@dataclass(frozen=True)
class ActionOutputs:
    """The team briefings and the files written for stage 06.

    Attributes
    ----------
    briefings : dict of str to str
        Team -> one-page Markdown briefing note.
    files : dict of str to Path
        Exports written into the run folder (``actions.xlsx``, ``actions.csv``, ``briefings/…``).
    """

    briefings: Mapping[str, str]
    files: Mapping[str, Path] = field(default_factory=dict)


def write_action_outputs(review, *, config=None, run_dir: str | Path | None = None,
                         write_files: bool = True) -> ActionOutputs:
    """Stage 06's team briefings, and its action plan and briefings written into the run folder.

    Parameters
    ----------
    review : RecommendationReview
        :func:`csperf_lib.stages.recommendations.recommendation_review` (its ``plan`` and
        ``team_inputs``; nothing is recomputed).
    config : ReviewConfig, optional, keyword-only
        For the organisation's name and the period on each note.
    run_dir : str or Path, optional, keyword-only
        The run folder; nothing is written without it (or with ``write_files=False``).
    """
    inputs = review.team_inputs
    period = f"{config.period_start} to {config.period_end}" if config is not None and config.period_start else None
    briefings = team_briefings(
        changes=inputs.changes, targets=inputs.targets, actions=inputs.actions, review_date=inputs.review_date,
        teams=list(inputs.teams) or None, organisation=getattr(config, "organisation", None), period=period,
    ) if inputs.teams else {}
    files: dict[str, Path] = {}
    if write_files and run_dir is not None:
        folder = Path(run_dir)
        xlsx, csv = action_plan_export(review.plan, folder)
        files.update({"actions.xlsx": xlsx, "actions.csv": csv})
        for path in write_briefings(briefings, folder / "briefings"):
            files[f"briefings/{path.name}"] = path
    return ActionOutputs(briefings=briefings, files=files)

