"""What each team's briefing says: the changes and reasons, the targets and the actions, with the
team's own points first.

A team briefing is read by the team, so it leads with what concerns that team: the
recommendations that name it, its own significant shortfalls and worsening trends that no
recommendation cites, and how many of its members have a one-to-one coaching plan (a count,
never a name or pseudonym). Points for the whole centre follow. Built from the recommendations
and the findings ledger (duck-typed: ``segment``, ``subject``, ``kind``, ``evidence``, ``action``,
``owner``, ``review_date`` on a recommendation; :class:`csperf_lib.core.findings.Finding`).

Hand-written: bookkeeping over findings, no statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

from csperf_lib.core.tables import NOT_RECORDED

__all__ = ["team_inputs"]

#: Kinds of a team's own findings its briefing reports when no recommendation cites them.
TEAM_FINDING_KINDS = ("kpi_gap", "trend", "segment_difference")


def _standing(targets: pd.DataFrame, team: str) -> str:
    """Where a team stands against its targets, in one line ("we meet 4 of 6 targets; ...")."""
    own = targets[targets["team"] == team] if len(targets) else targets
    if own.empty:
        return "no target is set for our team"
    met = int((own["status"] == "met").sum())
    text = f"we meet {met} of {len(own)} targets"
    for status, words in (("within_tolerance", "within tolerance"), ("missed", "missed")):
        labels = own.loc[own["status"] == status, "label"].tolist()
        if labels:
            text += f"; {words}: {', '.join(labels)}"
    return text


def _kind_words(kind: str) -> str:
    return kind.replace("_", " ")


def team_inputs(
    recommendations: Sequence[Any],
    *,
    gaps: pd.DataFrame,
    findings: Iterable[Any],
    kpi_label: Callable[[str], str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """Changes, targets and actions rows for the team briefings, and the teams with targets.

    Returns
    -------
    changes : DataFrame
        ``team`` ("all" for every team), ``text`` (what changed), ``why`` (the finding behind it),
        ``own`` (True for the team's own points, listed first).
    targets : DataFrame
        ``team, kpi, label, target, value, status, unit`` from the stage-05 gaps by team.
    actions : DataFrame
        ``team, action, owner, review_date`` (no individual coaching actions).
    teams : list of str
        Teams with a target row (a team briefing each).
    """
    findings = list(findings)
    changes, actions = [], []
    coached: dict[str, int] = {}
    cited: set[str] = set()
    for rec in recommendations:
        cited.update(getattr(rec, "finding_ids", ()) or ())
        team = rec.segment.get("team")
        if "agent_id" in rec.segment:  # individual coaching is for one-to-ones: only a count reaches the team
            if team:
                coached[str(team)] = coached.get(str(team), 0) + 1
            continue
        why = next((e.text for e in rec.evidence if not e.supporting), "")
        changes.append({"team": team or "all", "text": f"{rec.subject}: {_kind_words(rec.kind)} needed", "why": why,
                        "own": bool(team)})
        actions.append({"team": team or "all", "action": rec.action, "owner": rec.owner, "review_date": rec.review_date})
    for f in findings:
        if (f.dimension == "team" and f.segment is not None and f.significant and f.favourable is False
                and f.kind in TEAM_FINDING_KINDS and f.id not in cited and f.attributes.get("status") != "within_tolerance"):
            label = kpi_label(f.kpi) if f.kpi else _kind_words(f.kind)
            changes.append({"team": str(f.segment), "text": f"our {label}: {_kind_words(f.kind)} to watch", "why": f.sentence,
                            "own": True})
    for team, n in coached.items():
        changes.append({"team": team, "text": f"{n} of us {'has' if n == 1 else 'have'} a one-to-one coaching plan "
                        "from the quality review (discussed individually, not here)", "why": "", "own": True})
    targets: list[dict] = []
    teams: list[str] = []
    if len(gaps) and "dimension" in gaps:
        team_rows = gaps[(gaps["dimension"] == "team") & (gaps["status"] != "no_target")]
        teams = sorted(str(t) for t in team_rows["segment"].unique() if str(t) != NOT_RECORDED)
        for row in team_rows.to_dict(orient="records"):
            targets.append({"team": str(row["segment"]), "kpi": row["kpi"], "label": kpi_label(row["kpi"]), "target": row["target"],
                            "value": row["value"], "status": row["status"], "unit": row.get("unit", "")})
    for team in teams:  # every team's note opens with where it stands against its own targets
        changes.insert(0, {"team": team, "text": _standing(pd.DataFrame(targets), team), "why": "", "own": True})
    frame = pd.DataFrame(changes, columns=["team", "text", "why", "own"])
    frame = frame.sort_values("own", ascending=False, kind="stable").reset_index(drop=True)
    return frame, pd.DataFrame(targets), pd.DataFrame(actions), teams
