"""The resourcing review of stage 06: the staffing gap in agent-hours, what-if table, model check and findings.

:func:`staffing_review` → :class:`StaffingReview` runs :func:`~csperf_lib.methods.staffing.weekday_profile`
on the store, turns the gap between the agents required (Erlang C, or Erlang A with abandonment;
:mod:`csperf_lib.methods.erlang`) and the agents deployed into rostered agent-hours a week (grossed
up for shrinkage), tabulates what one or two agents more or fewer would have changed
(:func:`what_if_table`), checks the model against the observed service level interval by interval
(:func:`_model_check`), and states the assumptions and the findings; :func:`summary_entries` gives
the ``staffing`` entry of summary.json, :func:`staffing_findings` the ledger's findings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.calendar import DAY_NAMES
from csperf_lib.core.sections import section_link
from csperf_lib.core.summary_io import to_jsonable
from csperf_lib.methods.erlang import erlang_a, erlang_c
from csperf_lib.methods.staffing import (
    ASSUMPTIONS,
    DEFERRED_CHANNELS,
    StaffingOptions,
    interval_profile,
    weekday_profile,
)

__all__ = [
    "StaffingReview",
    "staffing_review",
    "summary_entries",
    "what_if_table",
]


@dataclass(frozen=True, eq=False)
class StaffingReview:
    """Resourcing review of the queued channels: what was needed against what was deployed.

    Attributes
    ----------
    options : StaffingOptions
        The options in force (channels, interval, target, shrinkage, occupancy cap).
    intervals : pandas.DataFrame
        One row per calendar interval (:func:`interval_profile`).
    profile : pandas.DataFrame
        Weekday x interval of day (:func:`weekday_profile`): the heatmap's data.
    summary : dict
        ``calendar_intervals``, ``cells`` (weekday x interval cells with contacts),
        ``cells_judged``, ``under_staffed``, ``over_staffed``, ``balanced``,
        ``shortfall_agent_hours_per_week`` (sum over judged cells of max(0, required_raw -
        deployed) x interval hours: agent-hours on the phones one week lacks),
        ``shortfall_rostered_hours_per_week`` (the same grossed up for shrinkage: paid hours to
        add), ``surplus_agent_hours_per_week`` (max(0, deployed - required_raw) x interval hours),
        ``peak`` (the busiest cell: offered, AHT, required, deployed, gap, service levels).
    what_if : pandas.DataFrame
        For the busiest cell and the most under-staffed ones: service level (Erlang C and
        Erlang A), ASA, occupancy and abandonment with the deployed agents (rounded) -2 .. +2.
    model_check : dict
        How well the model reproduces what happened, interval by interval (only intervals with at
        least ``min_contacts`` contacts): ``intervals``, ``observed_sl`` (pooled), and for
        ``erlang_c`` and ``erlang_a`` the pooled ``predicted_sl``, ``bias`` (predicted -
        observed), ``mae`` (offered-weighted mean absolute error) and ``correlation`` (Pearson,
        across intervals).
    patience_s : float
        Mean patience estimated from the data: total waiting time of answered and abandoned
        contacts / abandoned contacts (the exponential maximum-likelihood estimate with answered
        contacts censored; Mandelbaum & Zeltyn 2007); ``inf`` without abandons.
    deployed_source : str
        What "deployed" means here (the proxy, a roster, or unavailable).
    assumptions : tuple of str
        The model's assumptions in plain words (:data:`ASSUMPTIONS`).
    notes : tuple of str
        Channels left out and why, and other caveats.
    findings : tuple of str
        Plain sentences with the numbers.
    """

    options: StaffingOptions
    intervals: pd.DataFrame
    profile: pd.DataFrame
    summary: dict[str, Any]
    what_if: pd.DataFrame
    model_check: dict[str, Any]
    patience_s: float
    deployed_source: str
    assumptions: tuple[str, ...] = ASSUMPTIONS
    notes: tuple[str, ...] = ()
    findings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def headline(self) -> dict[str, Any]:
        """The few numbers a recommendation quotes.

        ``understaffed_agent_hours_per_week`` and ``understaffed_rostered_hours_per_week`` (see
        ``summary``), ``under_staffed_cells``, and the most under-staffed weekday x interval cell:
        ``worst_interval`` (e.g. ``"Monday 10:30"``), ``worst_required`` (agents on the phones,
        int), ``worst_deployed`` (mean agents deployed, one decimal); the ``worst_*`` are None when
        no cell is under-staffed.
        """
        under = self.profile[self.profile["status"] == "under-staffed"] if len(self.profile) else self.profile
        worst = under.nsmallest(1, "gap").iloc[0] if len(under) else None
        return {
            "understaffed_agent_hours_per_week": float(self.summary["shortfall_agent_hours_per_week"]),
            "understaffed_rostered_hours_per_week": float(self.summary["shortfall_rostered_hours_per_week"]),
            "under_staffed_cells": int(self.summary["under_staffed"]),
            "worst_interval": None if worst is None else f"{DAY_NAMES[int(worst['weekday'])]} {worst['time']}",
            "worst_required": None if worst is None else int(worst["required_raw"]),
            "worst_deployed": None if worst is None else round(float(worst["deployed"]), 1),
        }


def _what_if(profile: pd.DataFrame, options: StaffingOptions, patience: float, *, worst: int = 3) -> pd.DataFrame:
    columns = ["weekday_name", "time", "why", "offered", "aht_s", "deployed", "required_raw", "base",
               "delta", "agents", "service_level", "asa_s", "occupancy", "service_level_erlang_a",
               "p_abandon"]
    usable = profile[(profile["status"] != "not judged") | profile["deployed"].isna()]
    usable = usable[usable["required_raw"].notna()]
    if usable.empty:
        return pd.DataFrame(columns=columns)
    picks: dict[int, str] = {int(usable["traffic_erlangs"].idxmax()): "busiest"}
    for idx in usable.sort_values("gap", kind="stable").index[:worst]:
        if usable.at[idx, "gap"] < 0:
            picks.setdefault(int(idx), "most under-staffed")
    rows = []
    for idx, why in picks.items():
        cell = profile.loc[idx]
        bases = {"required": int(cell["required_raw"])}
        if math.isfinite(cell["deployed"]):
            bases = {"deployed": int(round(cell["deployed"])), **bases}
        for base, start in bases.items():
            for delta in (-2, -1, 0, 1, 2):
                n = start + delta
                if n < 0:
                    continue
                c = erlang_c(calls=cell["offered"], interval_s=options.interval_s, aht_s=cell["aht_s"],
                             agents=n, target_s=options.target_s)
                sl_a = p_ab = math.nan
                if math.isfinite(patience):
                    try:
                        a = erlang_a(calls=cell["offered"], interval_s=options.interval_s,
                                     aht_s=cell["aht_s"], patience_s=patience, agents=n,
                                     target_s=options.target_s)
                        sl_a, p_ab = a.service_level, a.p_abandon
                    except ValueError:
                        pass
                rows.append({
                    "weekday_name": cell["weekday_name"], "time": cell["time"], "why": why,
                    "offered": cell["offered"], "aht_s": cell["aht_s"], "deployed": cell["deployed"],
                    "required_raw": cell["required_raw"], "base": base, "delta": delta, "agents": n,
                    "service_level": c.service_level, "asa_s": c.asa_s, "occupancy": c.occupancy,
                    "service_level_erlang_a": sl_a, "p_abandon": p_ab,
                })
    return pd.DataFrame(rows, columns=columns)


def what_if_table(what_if: pd.DataFrame) -> pd.DataFrame:
    """The what-if rows as a reader sees them: one row per cell and base, one column per change.

    Rows are the chosen weekday x interval cells, once around the agents deployed (rounded) and
    once around the agents required; columns the change (-2 .. +2). Each value reads
    ``"17: SL 64 % · ASA 40 s (A 70 %)"``: agents, Erlang C service level and ASA, and in
    brackets the Erlang A service level with the estimated patience (an unstable Erlang C queue
    reads ``SL 0 % · ASA ∞``; Erlang A stays finite because callers hang up).
    """
    if what_if.empty:
        return pd.DataFrame()

    def label(r) -> str:
        asa = "∞" if not math.isfinite(r.asa_s) else f"{r.asa_s:.0f} s"
        text = f"{r.agents}: SL {100 * r.service_level:.0f} % · ASA {asa}"
        if math.isfinite(r.service_level_erlang_a):
            text += f" (A {100 * r.service_level_erlang_a:.0f} %)"
        return text

    frame = what_if.assign(
        row=what_if["weekday_name"] + " " + what_if["time"] + " (" + what_if["why"] + "), around "
        + what_if["base"],
        label=[label(r) for r in what_if.itertuples()],
        change=what_if["delta"].map(lambda d: f"{d:+d}" if d else "±0"),
    )
    order = [c for c in ("-2", "-1", "±0", "+1", "+2") if c in set(frame["change"])]
    wide = frame.pivot(index="row", columns="change", values="label").reindex(columns=order)
    wide = wide.reindex(list(dict.fromkeys(frame["row"])))
    wide.index.name, wide.columns.name = "cell", None
    return wide.fillna("")


def _model_check(intervals: pd.DataFrame, *, min_contacts: int) -> dict[str, Any]:
    f = intervals[(intervals["sl_offered"] >= min_contacts) & intervals["observed_sl"].notna()]
    out: dict[str, Any] = {"min_contacts": min_contacts, "intervals": int(len(f))}
    if f.empty:
        return out
    w = f["sl_offered"].to_numpy(float)
    obs = f["observed_sl"].to_numpy(float)
    out["observed_sl"] = float(np.sum(w * obs) / np.sum(w))
    for name, column in (("erlang_c", "predicted_sl"), ("erlang_a", "predicted_sl_erlang_a")):
        pred = f[column].to_numpy(float)
        ok = np.isfinite(pred)
        if not ok.any():
            out[name] = {"intervals": 0}
            continue
        pw, po, ww = pred[ok], obs[ok], w[ok]
        corr = float(np.corrcoef(pw, po)[0, 1]) if ok.sum() > 2 and np.std(pw) > 0 and np.std(po) > 0 else math.nan
        mean = float(np.sum(ww * pw) / np.sum(ww))
        out[name] = {
            "intervals": int(ok.sum()),
            "predicted_sl": mean,
            "bias": mean - float(np.sum(ww * po) / np.sum(ww)),
            "mae": float(np.sum(ww * np.abs(pw - po)) / np.sum(ww)),
            "correlation": corr,
        }
    return out


def _pct(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{100 * x:.0f} %"


def _hours(x: float) -> str:
    return f"{x:,.1f}"


def staffing_review(
    store,
    *,
    config: Any = None,
    roster: pd.DataFrame | None = None,
    min_contacts: int = 5,
    intervals: pd.DataFrame | None = None,
) -> StaffingReview:
    """Agents required per interval against agents deployed, for the review's queued channels.

    Parameters
    ----------
    store : Store
        The processed store.
    config : ReviewConfig, mapping or None, keyword-only
        The review config (``staffing:``, ``kpis:`` and ``targets:`` sections).
    roster : pandas.DataFrame, keyword-only
        Agents logged in per interval (``interval_start``, ``agents``), replacing the
        distinct-handler proxy.
    min_contacts : int, keyword-only
        Calendar intervals with fewer contacts are left out of the model check (their observed
        service level is mostly noise).
    intervals : DataFrame, optional, keyword-only
        A ready calendar-interval profile in :func:`interval_profile`'s shape, e.g. from an ACD
        interval report (:func:`csperf_lib.methods.intervals.interval_staffing`); default: built from the
        store's contacts.

    Returns
    -------
    StaffingReview
    """
    if intervals is None:
        intervals = interval_profile(store, config=config, roster=roster)
    options: StaffingOptions = intervals.attrs["options"]
    profile = weekday_profile(intervals)
    patience = float(intervals.attrs["patience_s"])
    deployed_source = intervals.attrs["deployed_source"]
    hours = options.interval_minutes / 60.0
    judged = profile[profile["status"] != "not judged"]
    shortfall = float((-judged["gap"]).clip(lower=0).sum() * hours) if len(judged) else 0.0
    surplus = float(judged["gap"].clip(lower=0).sum() * hours) if len(judged) else 0.0
    summary: dict[str, Any] = {
        "calendar_intervals": int(len(intervals)),
        "cells": int(len(profile)),
        "cells_judged": int(len(judged)),
        "under_staffed": int((profile["status"] == "under-staffed").sum()),
        "over_staffed": int((profile["status"] == "over-staffed").sum()),
        "balanced": int((profile["status"] == "balanced").sum()),
        "shortfall_agent_hours_per_week": shortfall,
        "shortfall_rostered_hours_per_week": shortfall / (1.0 - options.shrinkage),
        "surplus_agent_hours_per_week": surplus,
        "peak": None,
    }
    if len(profile) and profile["traffic_erlangs"].notna().any():  # no handling times: no traffic
        p = profile.loc[profile["traffic_erlangs"].idxmax(skipna=True)]
        summary["peak"] = {k: (p[k].item() if hasattr(p[k], "item") else p[k]) for k in (
            "weekday_name", "time", "offered", "aht_s", "traffic_erlangs", "required_raw", "required",
            "deployed", "gap", "status", "observed_sl", "predicted_sl", "predicted_sl_erlang_a")}
    what_if = _what_if(profile, options, patience)
    check = _model_check(intervals, min_contacts=min_contacts)
    assumptions = ASSUMPTIONS
    if not deployed_source.endswith("(proxy)") and "proxy" not in deployed_source:
        assumptions = ASSUMPTIONS[:-1] + (f"Agents deployed: {deployed_source}.",)
    notes = _notes(intervals, options, deployed_source)
    findings = _findings(intervals, profile, summary, check, options, patience, deployed_source)
    return StaffingReview(
        options=options, intervals=intervals, profile=profile, summary=summary, what_if=what_if,
        model_check=check, patience_s=patience, deployed_source=deployed_source,
        assumptions=assumptions, notes=tuple(notes), findings=tuple(findings),
    )


def _notes(intervals: pd.DataFrame, options: StaffingOptions, deployed_source: str) -> list[str]:
    notes = []
    excluded = intervals.attrs.get("excluded", {})
    backlog = {c: n for c, n in excluded.items() if c in DEFERRED_CHANNELS}
    if backlog:
        listed = ", ".join(f"{c} ({n:,} contacts)" for c, n in sorted(backlog.items()))
        notes.append(
            f"Not modelled: {listed}. These are answered from a backlog within hours, not queued in "
            f"real time, so an Erlang model does not describe them; backlog staffing is deferred work."
        )
    if "chat" in excluded:
        notes.append(
            f"Chat ({excluded['chat']:,} contacts) is not modelled: agents handle several chats at "
            f"once, which breaks Erlang C's one-agent-one-contact assumption. Add it to "
            f"staffing.channels only if chats are handled one at a time."
        )
    if "chat" in options.channels:
        notes.append("Chat is modelled as if each agent handled one chat at a time; with concurrency "
                     "the agents required are overstated.")
    if "proxy" in deployed_source:
        blended = "" if deployed_source.startswith("distinct") else (
            " Agents who also work other channels count only for their share of handling time on "
            "the modelled ones (over the review), so a blended agent is not counted as a whole one."
        )
        notes.append(
            f"Agents deployed are a proxy ({deployed_source.split(' (proxy')[0]}), as the data has "
            f"no roster or log-in "
            f"records. Agents logged in but idle, or still busy with a contact that arrived earlier, "
            f"are missed, which understates deployment, most in quiet intervals; an agent who "
            f"answered one contact counts as present for the whole interval, which overstates it."
            f"{blended} A roster or log-in export (roster=) would replace the proxy."
        )
    elif deployed_source.startswith("unavailable"):
        notes.append("No agent IDs in the contacts: agents deployed are unknown, so only the agents "
                     "required are shown.")
    return notes


def _findings(
    intervals: pd.DataFrame,
    profile: pd.DataFrame,
    summary: Mapping[str, Any],
    check: Mapping[str, Any],
    options: StaffingOptions,
    patience: float,
    deployed_source: str,
) -> list[str]:
    channels = ", ".join(options.channels)
    if intervals.empty:
        return [f"No {channels} contacts to model: the resourcing review has nothing to show."]
    start, end = intervals.attrs.get("period", (None, None))
    span = f" from {start:%d %b %Y} to {end:%d %b %Y}" if start is not None and end is not None else ""
    out = [
        f"{channels.capitalize()}: {summary['calendar_intervals']:,} intervals of "
        f"{options.interval_minutes} minutes with contacts{span}, rolled up to {summary['cells']} "
        f"weekday x time-of-day cells; target {_pct(options.service_level)} answered within "
        f"{options.target_s:g} s ({options.service_level_source}), shrinkage {_pct(options.shrinkage)}"
        + (f", occupancy capped at {_pct(options.max_occupancy)}" if options.max_occupancy else "") + "."
    ]
    peak = summary.get("peak")
    if peak:
        line = (
            f"Busiest interval: {peak['weekday_name']} {peak['time']}, {peak['offered']:.1f} contacts "
            f"per interval at an AHT of {peak['aht_s']:.0f} s ({peak['traffic_erlangs']:.1f} Erlangs). "
            f"Erlang C needs {peak['required_raw']:.0f} agents on the phones "
            f"({peak['required']:.0f} rostered with {_pct(options.shrinkage)} shrinkage)"
        )
        if math.isfinite(peak["deployed"]):
            line += (
                f"; {peak['deployed']:.1f} were deployed on average (gap {peak['gap']:+.1f}), and "
                f"{_pct(peak['observed_sl'])} were answered within {options.target_s:g} s"
            )
        out.append(line + ".")
    if not deployed_source.startswith("unavailable") and summary["cells_judged"]:
        out.append(
            f"{summary['under_staffed']} of {summary['cells_judged']} judged cells are under-staffed "
            f"and {summary['over_staffed']} over-staffed (by a whole agent or more). Closing the "
            f"shortfall takes {_hours(summary['shortfall_agent_hours_per_week'])} agent-hours on the "
            f"phones per week ({_hours(summary['shortfall_rostered_hours_per_week'])} rostered hours "
            f"with shrinkage); over-staffed cells hold "
            f"{_hours(summary['surplus_agent_hours_per_week'])} agent-hours per week that could be "
            f"moved. Agents deployed: {deployed_source}."
        )
        worst = profile[profile["status"] == "under-staffed"].nsmallest(3, "gap")
        if len(worst):
            cells = "; ".join(
                f"{r.weekday_name} {r.time} ({r.deployed:.1f} deployed vs {r.required_raw:.0f} needed)"
                for r in worst.itertuples()
            )
            out.append(f"Largest shortfalls: {cells}.")
    c, a = check.get("erlang_c", {}), check.get("erlang_a", {})
    if c.get("intervals"):
        text = (
            f"Model check over {check['intervals']:,} intervals with at least {check['min_contacts']} "
            f"contacts: observed service level {_pct(check['observed_sl'])}; Erlang C with the agents "
            f"deployed predicts {_pct(c['predicted_sl'])} (mean absolute error {_pct(c['mae'])}, "
            f"correlation {c['correlation']:.2f})"
        )
        if a.get("intervals") and math.isfinite(patience):
            text += (
                f", Erlang A with the estimated mean patience of {patience:.0f} s predicts "
                f"{_pct(a['predicted_sl'])} (error {_pct(a['mae'])}, correlation {a['correlation']:.2f})"
            )
        text += "."
        if abs(c["bias"]) > 0.1:
            text += (
                " The gap between predicted and observed is large: read the agents required as an "
                "order of magnitude, not a roster"
                + (" (the deployed proxy misses idle agents, and Erlang C ignores abandonment)."
                   if deployed_source.startswith("distinct") else ".")
            )
        out.append(text)
    return out


def summary_entries(review: StaffingReview) -> dict[str, Any]:
    """The ``staffing`` entry of summary.json (plain JSON types; NaN and infinity become null)."""

    o = review.options
    return {"staffing": to_jsonable({
        "model": "Erlang C (agents required); Erlang A as a check",
        "channels": list(o.channels),
        "interval_minutes": o.interval_minutes,
        "target_service_level": o.service_level,
        "target_source": o.service_level_source,
        "target_s": o.target_s,
        "shrinkage": o.shrinkage,
        "max_occupancy": o.max_occupancy,
        "deployed_source": review.deployed_source,
        "patience_s": review.patience_s,
        **review.summary,
        "headline": review.headline,
        "model_check": review.model_check,
        "assumptions": list(review.assumptions),
        "notes": list(review.notes),
        "findings": list(review.findings),
    })}


def staffing_findings(review: StaffingReview, *, ledger, queue: str = "all") -> None:
    """``staffing_shortfall`` / ``staffing_surplus`` findings: one per weekday × interval cell the
    review judged under- or over-staffed (agents required by Erlang C for the service-level target
    against agents deployed), with the model check in the attributes so a reader (and the
    recommendation rules) can see whether the model reproduced what happened."""

    check = review.model_check or {}
    erlang_c = check.get("erlang_c") or {}
    profile = review.profile
    for row in profile.to_dict(orient="records") if len(profile) else ():
        status = row.get("status")
        if status not in ("under-staffed", "over-staffed"):
            continue
        shortfall = status == "under-staffed"
        ledger.add(
            "staffing_shortfall" if shortfall else "staffing_surplus",
            key={"queue": queue, "weekday": row["weekday_name"], "interval": row["time"]},
            direction="down" if shortfall else "up", favourable=not shortfall, estimate=row["gap"],
            comparator=row["required_raw"], comparator_label="agents required", n=row.get("offered"),
            significant=True,
            attributes={"queue": queue, "weekday": row["weekday_name"], "interval_start": row["time"],
                        "agents_required": row["required_raw"], "agents_deployed": row["deployed"],
                        "offered_per_day": (row["offered"] / row["days"]) if row.get("days") else None,
                        "observed_sl": row.get("observed_sl"), "predicted_sl": row.get("predicted_sl"),
                        "model_bias": erlang_c.get("bias"), "deployed_source": review.deployed_source,
                        "unit": "number"},
            evidence=[section_link("staffing")],
        )
