"""Acceptance sampling by attributes (ISO 2859-1): the lot-by-lot plans a QA team uses to decide
whether an agent's month of contacts meets an acceptance quality limit.

The code letters and plans are read from the standard's tables shipped in
``csperf_lib/data/iso2859_1_tables.json`` (tested against ISO 2859-1:1999 Tables 1 and 2-A); the
operating characteristic is the exact binomial (scipy).
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd

from csperf_lib.methods.sample_frame import AGENT

__all__ = [
    "AcceptancePlan",
    "acceptance_plan",
    "agent_month_plans",
    "inspection_levels_table",
    "iso2859_tables",
    "plan_overview",
]

INSPECTION_LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")


#: AQL (% of contacts with a critical error) used for agent-month acceptance plans by default.
DEFAULT_AQL = 1.0


@functools.lru_cache(maxsize=1)
def _iso_tables() -> dict[str, Any]:
    path = resources.files("csperf_lib").joinpath("data", "iso2859_1_tables.json")
    return json.loads(path.read_text(encoding="utf-8"))


def iso2859_tables() -> dict[str, Any]:
    """The library's copy of the ISO 2859-1 tables (``csperf_lib/data/iso2859_1_tables.json``).

    Keys: ``level_II_code_letters`` (lot size range -> letter), ``code_letters`` (Table 1 for every
    inspection level), ``normal_single_effective_n`` / ``_Ac`` / ``_Re`` (Table 2-A by letter and
    AQL, arrows resolved), ``nominal_sample_size`` (each letter's own n). A copy: edit freely.
    """
    return copy.deepcopy(_iso_tables())


@dataclass(frozen=True)
class AcceptancePlan:
    """An ISO 2859-1 single sampling plan for normal inspection.

    Attributes
    ----------
    lot_size : int
        Items in the lot (contacts of one agent-month).
    aql : float
        Acceptance quality limit, % nonconforming (contacts with a critical error).
    inspection_level : str
        One of ``S-1 .. S-4, I, II, III``.
    code_letter : str
        Sample size code letter for the lot size and level (Table 1).
    n : int
        Contacts to inspect (the effective sample size after following any arrow).
    accept : int
        Acceptance number Ac: accept the lot with at most this many nonconforming contacts.
    reject : int
        Rejection number Re: reject the lot with this many or more.
    plan_code_letter : str
        Letter whose plan is used; differs from ``code_letter`` when the table cell is an arrow.
    arrow : str or None
        ``"down"`` (use the first plan below the arrow: larger n), ``"up"`` (first plan above:
        smaller n), or None.
    inspect_all : bool
        ``n`` equals or exceeds the lot size: inspect every contact (the Table 2-A footnote).
    """

    lot_size: int
    aql: float
    inspection_level: str
    code_letter: str
    n: int
    accept: int
    reject: int
    plan_code_letter: str
    arrow: str | None
    inspect_all: bool


def _lot_row(lot_size: int, ranges: Sequence[str]) -> int:
    for i, label in enumerate(ranges):
        low, _, high = label.partition("-")
        if label.endswith("+"):
            if lot_size >= int(label[:-1]):
                return i
        elif int(low) <= lot_size <= int(high):
            return i
    raise ValueError(f"lot size {lot_size} is outside ISO 2859-1 Table 1 (lots of 2 or more items)")


def _aql_key(aql: float | str, keys: Sequence[str]) -> str:
    for key in keys:
        if math.isclose(float(key), float(aql), rel_tol=1e-9):
            return key
    raise ValueError(f"AQL {aql} is not a preferred AQL of ISO 2859-1; use one of {', '.join(keys)}")


def acceptance_plan(lot_size: int, *, aql: float | str, inspection_level: str = "II") -> AcceptancePlan:
    """ISO 2859-1 single sampling plan, normal inspection, for one lot.

    Treat an agent-month of contacts as the lot and contacts with a critical error as nonconforming:
    review ``n`` contacts; accept the agent-month if at most ``accept`` have a critical error,
    reject it (act: coaching, 100 % review) at ``reject`` or more.

    Table 1 gives the code letter from the lot size and inspection level; Table 2-A gives n, Ac and
    Re by code letter and AQL. Where Table 2-A holds an arrow the plan of the first letter below
    (``arrow="down"``) or above (``"up"``) with a plan is used, with that letter's sample size; the
    library's table has the arrows resolved (effective n) and :attr:`AcceptancePlan.arrow` reports
    them by comparing the effective n with the letter's own. When ``n`` equals or exceeds the lot
    size, every item is inspected (``inspect_all``).

    Parameters
    ----------
    lot_size : int
        Items in the lot (>= 2).
    aql : float or str, keyword-only
        A preferred AQL (0.010 ... 1000, % nonconforming or nonconformities per 100 items).
    inspection_level : str, keyword-only
        ``"II"`` (general level II, the default), ``"I"``, ``"III"`` or special ``"S-1"`` .. ``"S-4"``
        (small samples where inspection is costly, as QA reviews are).

    Returns
    -------
    AcceptancePlan

    Examples
    --------
    >>> plan = acceptance_plan(2000, aql=0.65)   # Montgomery's textbook example
    >>> plan.code_letter, plan.n, plan.accept, plan.reject
    ('K', 125, 2, 3)
    """
    tables = _iso_tables()
    lot_size = int(lot_size)
    if inspection_level not in tables["code_letters"]["levels"]:
        raise ValueError(f"inspection level must be one of {', '.join(INSPECTION_LEVELS)}, got {inspection_level!r}")
    row = _lot_row(lot_size, tables["code_letters"]["lot_sizes"])
    letter = tables["code_letters"]["levels"][inspection_level][row]
    key = _aql_key(aql, list(tables["normal_single_effective_n"][letter]))
    n = int(tables["normal_single_effective_n"][letter][key])
    nominal = tables["nominal_sample_size"]["n"]
    plan_letter = next(k for k, v in nominal.items() if v == n)
    arrow = None if n == nominal[letter] else ("down" if n > nominal[letter] else "up")
    return AcceptancePlan(
        lot_size=lot_size,
        aql=float(key),
        inspection_level=inspection_level,
        code_letter=letter,
        n=n,
        accept=int(tables["normal_single_Ac"][letter][key]),
        reject=int(tables["normal_single_Re"][letter][key]),
        plan_code_letter=plan_letter,
        arrow=arrow,
        inspect_all=n >= lot_size,
    )


def _plan_record(plan: AcceptancePlan) -> dict[str, Any]:
    return {
        "code_letter": plan.code_letter,
        "n": plan.n,
        "accept": plan.accept,
        "reject": plan.reject,
        "arrow": {"down": "↓ below", "up": "↑ above"}.get(plan.arrow or "", ""),
        "inspect_all": plan.inspect_all,
    }


def inspection_levels_table(lot_size: int, *, aql: float = DEFAULT_AQL) -> pd.DataFrame:
    """The plan for one lot size at every inspection level (one row per level)."""
    rows = []
    for level in INSPECTION_LEVELS:
        plan = acceptance_plan(lot_size, aql=aql, inspection_level=level)
        rows.append({"inspection_level": level, "lot_size": lot_size, "aql_pct": plan.aql, **_plan_record(plan)})
    return pd.DataFrame(rows)


def agent_month_plans(
    frame: pd.DataFrame,
    *,
    aql: float = DEFAULT_AQL,
    inspection_level: str = "II",
    agent: str = AGENT,
    time: str = "arrived_at",
) -> pd.DataFrame:
    """ISO 2859-1 plan of every agent-month lot (an agent's answered contacts in one calendar month).

    Returns one row per agent and month: ``agent_id, month, lot_size, code_letter, n, accept,
    reject, arrow, inspect_all``. Empty (with those columns) when the data has no agents.
    """
    columns = [agent, "month", "lot_size", "code_letter", "n", "accept", "reject", "arrow", "inspect_all"]
    if agent not in frame or time not in frame or frame[agent].isna().all():
        return pd.DataFrame(columns=columns)
    data = frame[[agent, time]].dropna()
    when = pd.to_datetime(data[time])
    month = (when.dt.year * 100 + when.dt.month).rename("month")  # integers: no 10M strings
    lots = data.groupby([data[agent], month], observed=True).size().rename("lot_size").reset_index()
    lots[agent] = lots[agent].astype(str)
    lots["month"] = [f"{m // 100:04d}-{m % 100:02d}" for m in lots["month"].astype(int)]
    lots = lots[lots["lot_size"] >= 2]
    plans = [_plan_record(acceptance_plan(int(s), aql=aql, inspection_level=inspection_level)) for s in lots["lot_size"]]
    return pd.concat([lots.reset_index(drop=True), pd.DataFrame(plans, columns=columns[3:])], axis=1)[columns]


def plan_overview(plans: pd.DataFrame) -> pd.DataFrame:
    """Agent-month plans grouped by plan: how many agent-months, their lot sizes, n, Ac, Re."""
    columns = ["code_letter", "n", "accept", "reject", "arrow", "agent_months", "smallest_lot", "largest_lot", "inspect_all"]
    if plans.empty:
        return pd.DataFrame(columns=columns)
    grouped = plans.groupby(["code_letter", "n", "accept", "reject", "arrow"], sort=True).agg(
        agent_months=("lot_size", "size"),
        smallest_lot=("lot_size", "min"),
        largest_lot=("lot_size", "max"),
        inspect_all=("inspect_all", "sum"),
    )
    return grouped.reset_index()[columns]
