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

from csperf_lib.core.calendar import DAY_NAMES, WEEKDAYS
from csperf_lib.core.formatting import format_q, format_value
from csperf_lib.core.sections import section_link
from csperf_lib.core.summary_io import to_jsonable
from csperf_lib.core.tables import NOT_RECORDED
from csperf_lib.methods.erlang import erlang_a, erlang_c
from csperf_lib.methods.staffing import (
    ASSUMPTIONS,
    DEFERRED_CHANNELS,
    StaffingOptions,
    interval_profile,
    queue_interval_profiles,
    weekday_profile,
    whole_config,
)
from csperf_lib.methods.staffing_cells import (
    JUDGED_BY_MODEL,
    MODEL_FIT_BIAS,
    MODEL_FIT_MAE,
    cell_evidence,
    judge_cells,
    model_fits,
)
from csperf_lib.methods.target_loading import targets_from_config

__all__ = [
    "StaffingReview",
    "model_check_table",
    "queue_shortfall_table",
    "staffing_actions",
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
    queues : pandas.DataFrame
        Each queue's weekday x interval cells (the profile's columns plus
        :data:`csperf_lib.methods.staffing_cells.CELL_COLUMNS`), judged together with the false
        discovery rate controlled over all of them; empty when the contacts have fewer than two
        queues (or come from an interval report).
    queue_checks : dict
        Queue -> its model check (as ``model_check``) and ``fits`` (bool), ``target_sl``.
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
    queues: pd.DataFrame = field(default_factory=pd.DataFrame)
    queue_checks: dict[str, Any] = field(default_factory=dict)

    @property
    def cells(self) -> pd.DataFrame:
        """The cells the findings rest on: each queue's weekday x interval cells when the contacts
        have two or more queues, else the centre's (``queue`` ``"all"``)."""
        return self.queues if len(self.queues) else self.profile

    @property
    def headline(self) -> dict[str, Any]:
        """The few numbers a recommendation quotes.

        ``understaffed_agent_hours_per_week`` and ``understaffed_rostered_hours_per_week`` and
        ``under_staffed_cells`` over :attr:`cells` (each queue's cells when the contacts have
        queues, so they can differ from ``summary``'s whole-centre figures), ``worst_queue``, and
        the most under-staffed weekday x interval cell:
        ``worst_interval`` (e.g. ``"Monday 10:30"``), ``worst_required`` (agents on the phones,
        int), ``worst_deployed`` (mean agents deployed, one decimal); the ``worst_*`` are None when
        no cell is under-staffed.
        """
        cells = self.cells
        under = cells[cells["status"] == "under-staffed"] if len(cells) else cells
        worst = under.nsmallest(1, "gap").iloc[0] if len(under) else None
        shortfall = _agent_hours(under, self.options, short=True)
        deployed = "agents_deployed" if "agents_deployed" in cells.columns else "deployed"
        return {
            "understaffed_agent_hours_per_week": shortfall,
            "understaffed_rostered_hours_per_week": shortfall / (1.0 - self.options.shrinkage),
            "under_staffed_cells": int(len(under)),
            "worst_queue": None if worst is None else worst.get("queue", "all"),
            "worst_interval": None if worst is None else f"{DAY_NAMES[int(worst['weekday'])]} {worst['time']}",
            "worst_required": None if worst is None else int(worst["required_raw"]),
            "worst_deployed": None if worst is None else round(float(worst[deployed]), 1),
        }


def _what_if(profile: pd.DataFrame, options: StaffingOptions, patience: float, *, worst: int = 3) -> pd.DataFrame:
    columns = ["weekday_name", "time", "why", "offered", "aht_s", "deployed", "required_raw", "base",
               "delta", "agents", "service_level", "asa_s", "occupancy", "service_level_erlang_a",
               "p_abandon"]
    usable = profile[profile["required_raw"].notna()]
    if usable.empty:
        return pd.DataFrame(columns=columns)
    picks: dict[int, str] = {int(usable["traffic_erlangs"].idxmax()): "busiest"}
    short = usable[usable["status"] == "under-staffed"]
    for idx in short.sort_values("gap", kind="stable").index[:worst]:
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
    alpha: float = 0.05,
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
        store's contacts (and then, when the contacts have two or more queues, each queue's cells
        are judged too: ``queues``).
    alpha : float, keyword-only
        False discovery rate over the cells judged (:func:`csperf_lib.methods.staffing_cells.judge_cells`).

    Returns
    -------
    StaffingReview
        Each cell is judged by the Erlang model where the model reproduces the observed service
        level (:func:`csperf_lib.methods.staffing_cells.model_fits`), else by the observed
        service level alone; ``model_check["fits"]`` says which.
    """
    by_queue = intervals is None
    if intervals is None:
        intervals = interval_profile(store, config=config, roster=roster)
    options: StaffingOptions = intervals.attrs["options"]
    check = _model_check(intervals, min_contacts=min_contacts)
    # nothing to check the model against and a roster (not a proxy) for the agents: the model stands
    check["fits"] = model_fits(check.get("erlang_c")) or (
        not check["intervals"] and intervals.attrs["deployed_source"].startswith("roster"))
    profile = judge_cells(
        cell_evidence(intervals, weekday_profile(intervals), target_sl=options.service_level, fits=check["fits"],
                      target_s=options.target_s),
        alpha=alpha, min_offered=options.min_offered,
    )
    queues, queue_checks = (_queue_cells(store, config=config, options=options, min_contacts=min_contacts, alpha=alpha)
                            if by_queue else (pd.DataFrame(), {}))
    patience = float(intervals.attrs["patience_s"])
    deployed_source = intervals.attrs["deployed_source"]
    summary = _summary(profile, options, calendar_intervals=len(intervals))
    if len(profile) and profile["traffic_erlangs"].notna().any():  # no handling times: no traffic
        p = profile.loc[profile["traffic_erlangs"].idxmax(skipna=True)]
        summary["peak"] = {k: (p[k].item() if hasattr(p[k], "item") else p[k]) for k in (
            "weekday_name", "time", "offered", "aht_s", "traffic_erlangs", "required_raw", "required",
            "deployed", "gap", "status", "observed_sl", "predicted_sl", "predicted_sl_erlang_a")}
    what_if = _what_if(profile, options, patience)
    assumptions = ASSUMPTIONS
    if not deployed_source.endswith("(proxy)") and "proxy" not in deployed_source:
        assumptions = ASSUMPTIONS[:-1] + (f"Agents deployed: {deployed_source}.",)
    notes = _notes(intervals, options, deployed_source)
    findings = _findings(intervals, profile, summary, check, options, patience, deployed_source)
    findings += _queue_sentences(queues, queue_checks, minutes=options.interval_minutes)
    return StaffingReview(
        options=options, intervals=intervals, profile=profile, summary=summary, what_if=what_if,
        model_check=check, patience_s=patience, deployed_source=deployed_source,
        assumptions=assumptions, notes=tuple(notes), findings=tuple(findings),
        queues=queues, queue_checks=queue_checks,
    )


def _agent_hours(cells: pd.DataFrame, options: StaffingOptions, *, short: bool) -> float:
    """Agent-hours a week on the phones the cells lack (``short``) or hold spare: the sum of their
    gaps (agents) x the interval's hours."""
    if not len(cells):
        return 0.0
    gap = -cells["gap"] if short else cells["gap"]
    return float(gap.clip(lower=0).sum() * options.interval_minutes / 60.0)


def _summary(profile: pd.DataFrame, options: StaffingOptions, *, calendar_intervals: int) -> dict[str, Any]:
    judged = profile[profile["status"] != "not judged"]
    under = judged[judged["status"] == "under-staffed"]
    spare = judged[judged["status"] == "over-staffed"]
    shortfall = _agent_hours(under, options, short=True)
    surplus = _agent_hours(spare, options, short=False)
    return {
        "calendar_intervals": int(calendar_intervals),
        "cells": int(len(profile)),
        "cells_judged": int(len(judged)),
        "under_staffed": int(len(under)),
        "over_staffed": int(len(spare)),
        "balanced": int((profile["status"] == "balanced").sum()),
        "meets_target": int((profile["status"] == "meets target").sum()),
        "judged_by": profile["judged_by"].iloc[0] if len(profile) else None,
        "shortfall_agent_hours_per_week": shortfall,
        "shortfall_rostered_hours_per_week": shortfall / (1.0 - options.shrinkage),
        "surplus_agent_hours_per_week": surplus,
        "peak": None,
    }


def _queue_cells(store, *, config: Any, options: StaffingOptions, min_contacts: int,
                 alpha: float) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Every queue's weekday x interval cells, judged together (see :mod:`staffing_cells`)."""
    profiles = queue_interval_profiles(store, config=config)
    if sum(q != NOT_RECORDED for q in profiles) < 2:
        return pd.DataFrame(), {}
    targets = targets_from_config(whole_config(config))
    parts, checks = [], {}
    for queue, intervals in profiles.items():
        check = _model_check(intervals, min_contacts=min_contacts)
        check["fits"] = model_fits(check.get("erlang_c"))
        target = targets.lookup("service_level", {"queue": queue})
        check["target_sl"] = float(target.target) if target is not None and 0 < target.target < 1 else options.service_level
        checks[queue] = check
        parts.append(cell_evidence(intervals, weekday_profile(intervals), target_sl=check["target_sl"],
                                   fits=check["fits"], target_s=options.target_s, queue=queue))
    cells = judge_cells(pd.concat(parts, ignore_index=True), alpha=alpha, min_offered=options.min_offered)
    return cells, checks


def _time_ranges(times: list[str], minutes: int) -> str:
    """'09:00-10:30, 14:00-14:30' from the start times of the cells (each ``minutes`` long)."""
    starts = sorted(int(t[:2]) * 60 + int(t[3:]) for t in times)
    runs: list[list[int]] = []
    for m in starts:
        if runs and m == runs[-1][1]:
            runs[-1][1] = m + minutes
        else:
            runs.append([m, m + minutes])
    return ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in runs)


def _queue_sentences(queues: pd.DataFrame, checks: Mapping[str, Any], *, minutes: int) -> list[str]:
    if not len(queues):
        return []
    judged = queues[queues["status"] != "not judged"]
    under = judged[judged["status"] == "under-staffed"]
    fitted = [q for q, c in checks.items() if c.get("fits")]
    out = [
        f"By queue: {len(judged):,} queue x weekday x interval cells judged across {len(checks)} queues; "
        + (f"the Erlang model reproduces the observed service level in {', '.join(fitted)}, "
           f"so there cells are judged on agents required against deployed; elsewhere "
           if fitted else "the Erlang model does not reproduce the observed service level in any queue, so ")
        + "cells are judged on their observed service level against the queue's target (exact "
          "binomial test, false discovery rate controlled at 5 % over all cells)."
    ]
    if under.empty:
        out.append("No queue is under-staffed at any time beyond chance.")
        return out
    for (queue, _day), part in under.groupby(["queue", "weekday"], sort=True):
        out.append(
            f"{queue} is under-staffed on {DAY_NAMES[int(part['weekday'].iloc[0])]}s "
            f"{_time_ranges(list(part['time']), minutes)}: {100 * part['sl_within'].sum() / part['sl_n'].sum():.0f} % "
            f"answered within the threshold against a target of {100 * part['target_sl'].iloc[0]:.0f} % "
            f"({int(part['sl_n'].sum()):,} contacts); about {(-part['gap']).clip(lower=0).mean():.1f} more agents "
            f"are needed in those intervals."
        )
    return out


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
    fits = bool(check.get("fits"))
    if summary["cells_judged"] and (fits or not deployed_source.startswith("unavailable")):
        spare = (
            f" and {summary['over_staffed']} over-staffed (by a whole agent or more), holding "
            f"{_hours(summary['surplus_agent_hours_per_week'])} agent-hours per week that could be moved"
            if fits else
            "; over-staffing cannot be read from the service level, so none is claimed"
        )
        out.append(
            f"Whole centre: {summary['under_staffed']} of {summary['cells_judged']} judged weekday x "
            f"time cells are under-staffed beyond chance{spare}. Closing the shortfall takes "
            f"{_hours(summary['shortfall_agent_hours_per_week'])} agent-hours on the phones per week "
            f"({_hours(summary['shortfall_rostered_hours_per_week'])} rostered hours with shrinkage). "
            + (f"Agents deployed: {deployed_source}." if fits else
               "The agents each cell had are read from its observed service level (the agents with "
               f"which Erlang C gives that service level), not from the agents deployed ({deployed_source}).")
        )
        worst = profile[profile["status"] == "under-staffed"].nsmallest(3, "gap")
        if len(worst):
            cells = "; ".join(
                f"{r.weekday_name} {r.time} ({r.agents_deployed:.1f} "
                f"{'deployed' if fits else 'effective'} vs {r.required_raw:.0f} needed)"
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
        if not fits:
            text += (
                f" The model does not reproduce what happened (it fits when the mean absolute error is "
                f"at most {_pct(MODEL_FIT_MAE)} and the bias at most {_pct(MODEL_FIT_BIAS)}), so cells "
                f"are judged on the service level the data shows, and the agents required are read as "
                f"an order of magnitude, not a roster"
                + (" (the deployed proxy misses idle agents and counts an agent who took one contact "
                   "for the whole interval)." if "proxy" in deployed_source else ".")
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
        "queues": {
            queue: {
                "model_fits": bool(check.get("fits")), "target_service_level": check.get("target_sl"),
                "model_check": {k: v for k, v in check.items() if k not in ("fits", "target_sl")},
                **{status.replace(" ", "_").replace("-", "_"): int((review.queues.loc[review.queues["queue"] == queue, "status"] == status).sum())
                   for status in ("under-staffed", "over-staffed", "balanced", "meets target", "not judged")},
            }
            for queue, check in review.queue_checks.items()
        },
        "assumptions": list(review.assumptions),
        "notes": list(review.notes),
        "findings": list(review.findings),
    })}


def staffing_findings(review: StaffingReview, *, ledger) -> None:
    """``staffing_shortfall`` / ``staffing_surplus`` findings: one per weekday × interval cell of
    :attr:`StaffingReview.cells` (each queue's cells when the contacts have queues, else the
    centre's) judged under- or over-staffed, with how it was judged (the Erlang model, or the
    observed service level where the model does not reproduce it: exact binomial test, FDR
    controlled) and the model check in the attributes, so a reader (and the recommendation rules)
    can see what the claim rests on. ``agents_deployed`` is the deployed figure where the model
    fits, else the effective agents the observed service level implies."""

    cells = review.cells
    checks = review.queue_checks if len(review.queues) else {"all": review.model_check}
    hours = review.options.interval_minutes / 60.0
    for row in cells.to_dict(orient="records") if len(cells) else ():
        status = row.get("status")
        if status not in ("under-staffed", "over-staffed"):
            continue
        shortfall = status == "under-staffed"
        queue = str(row.get("queue", "all"))
        check = checks.get(queue) or {}
        model = row.get("judged_by") == JUDGED_BY_MODEL
        ledger.add(
            "staffing_shortfall" if shortfall else "staffing_surplus",
            key={"queue": queue, "weekday": row["weekday_name"], "interval": row["time"]},
            dimension=None if queue == "all" else "queue", segment=None if queue == "all" else queue,
            direction="down" if shortfall else "up", favourable=not shortfall, estimate=row["gap"],
            comparator=row["required_raw"], comparator_label="agents required", n=row.get("sl_n"),
            p_value=None if model else row.get("p_value"), q_value=None if model else row.get("q_value"),
            significant=True,
            attributes={"queue": queue, "weekday": row["weekday_name"], "interval_start": row["time"],
                        "agents_required": row["required_raw"], "agents_deployed": row["agents_deployed"],
                        "agents_seen": row["deployed"], "effective_agents": row.get("effective_agents"),
                        "agent_hours_per_week": abs(float(row["gap"])) * hours,
                        "judged_by": row.get("judged_by"),
                        "offered_per_day": (row["offered"] / row["days"]) if row.get("days") else None,
                        "observed_sl": row.get("observed_sl"), "target_sl": row.get("target_sl"),
                        "predicted_sl": row.get("predicted_sl"),
                        "model_bias": (check.get("erlang_c") or {}).get("bias"),
                        "model_mae": (check.get("erlang_c") or {}).get("mae"),
                        "model_fits": bool(check.get("fits")), "deployed_source": review.deployed_source,
                        "unit": "number"},
            evidence=[section_link("staffing")],
        )


def queue_shortfall_table(review: StaffingReview) -> pd.DataFrame:
    """The under-staffed cells the findings name, as a reader sees them (one row per cell).

    Columns: Queue, Day, Interval, Contacts (over the review), Answered within threshold, Target,
    q (FDR-adjusted, blank where the model judged), Agents needed (Erlang C), Agents had (deployed
    where the model fits, else implied by the observed service level), Agents short, Judged by.
    Sorted by queue, weekday and time; empty when no cell is under-staffed.
    """
    cells = review.cells
    under = cells[cells["status"] == "under-staffed"] if len(cells) else cells
    columns = ["Queue", "Day", "Interval", "Contacts", "Answered within threshold", "Target", "q",
               "Agents needed", "Agents had", "Agents short", "Judged by"]
    if under.empty:
        return pd.DataFrame(columns=columns)
    under = under.sort_values(["queue", "weekday", "time"], kind="stable")
    model = under["judged_by"] == JUDGED_BY_MODEL
    return pd.DataFrame({
        "Queue": under["queue"].astype(str).replace({"all": "whole centre"}),
        "Day": [DAY_NAMES[int(d)] for d in under["weekday"]],
        "Interval": under["time"],
        "Contacts": [f"{int(n):,}" for n in under["sl_n"]],
        "Answered within threshold": [_pct(x) for x in under["observed_sl"]],
        "Target": [_pct(x) for x in under["target_sl"]],
        "q": ["" if m else format_q(q).removeprefix("q ").removeprefix("= ") for m, q in zip(model, under["q_value"], strict=True)],
        "Agents needed": [f"{x:.0f}" for x in under["required_raw"]],
        "Agents had": [f"{x:.1f}" for x in under["agents_deployed"]],
        "Agents short": [f"{-x:.1f}" for x in under["gap"]],
        "Judged by": ["Erlang C model" if m else "observed service level" for m in model],
    }, columns=columns).reset_index(drop=True)


def model_check_table(review: StaffingReview) -> pd.DataFrame:
    """How well Erlang C and Erlang A reproduce the observed service level, for the centre and each
    queue, as a reader sees it: Scope, Intervals checked, Observed, Erlang C predicts, Erlang C mean
    absolute error, Erlang A predicts, Erlang A mean absolute error, Model fits (yes/no)."""
    scopes = {"Whole centre": review.model_check, **review.queue_checks}
    rows = []
    for scope, check in scopes.items():
        c, a = check.get("erlang_c") or {}, check.get("erlang_a") or {}
        rows.append({
            "Scope": scope, "Intervals checked": f"{int(check.get('intervals', 0)):,}",
            "Observed": _pct(check.get("observed_sl")),
            "Erlang C predicts": _pct(c.get("predicted_sl")), "Erlang C error": _pct(c.get("mae")),
            "Erlang A predicts": _pct(a.get("predicted_sl")), "Erlang A error": _pct(a.get("mae")),
            "Model fits": "yes" if check.get("fits") else "no",
        })
    return pd.DataFrame(rows)


def staffing_actions(findings, *, interval_minutes: int = 30) -> list[dict[str, Any]]:
    """What the ``staffing_shortfall`` findings ask for, one entry per queue and weekday.

    Every number comes from the findings themselves, so an action quotes exactly what the findings
    it cites say: ``agents_short`` (the largest shortfall among the cells, agents), ``agent_hours``
    (sum over the cells of agents short x interval hours: agent-hours a week on the phones),
    ``observed_sl`` (pooled over the cells' contacts), ``target_sl``, ``times`` ("09:00-12:00").

    Parameters
    ----------
    findings : iterable of Finding
        ``staffing_shortfall`` findings (others are ignored).
    interval_minutes : int, keyword-only
        Length of the planning interval the findings' cells cover.

    Returns
    -------
    list of dict
        ``queue``, ``weekday`` (e.g. "Monday"), ``times``, ``agents_short``, ``agent_hours``,
        ``observed_sl``, ``target_sl``, ``contacts``, ``judged_by``, ``findings`` (the findings,
        in time order), ``shortfall`` (target - observed service level, 0-1), and for a
        recommendation ``subject``, ``segment`` and ``context`` (the numbers as text:
        ``where``, ``weekday``, ``times``, ``agents_short``, ``agent_hours_per_week``,
        ``value_text``, ``target_text``); ordered by agent-hours, largest first.
    """
    groups: dict[tuple[str, str], list] = {}
    for f in findings:
        if f.kind != "staffing_shortfall":
            continue
        a = f.attributes
        groups.setdefault((str(a.get("queue", "all")), str(a.get("weekday"))), []).append(f)
    out = []
    hours = interval_minutes / 60.0
    for (queue, weekday), part in groups.items():
        part = sorted(part, key=lambda f: str(f.attributes.get("interval_start")))
        short = [max(0.0, -float(f.estimate or 0.0)) for f in part]
        n = [float(f.n or 0.0) for f in part]
        observed = [f.attributes.get("observed_sl") for f in part]
        pooled = (sum(o * k for o, k in zip(observed, n, strict=True) if o is not None) / sum(n)) if sum(n) else None
        day = _day_name(weekday)
        times = _time_ranges([str(f.attributes.get("interval_start")) for f in part], interval_minutes)
        target = part[0].attributes.get("target_sl")
        where = "the whole centre" if queue == "all" else f"the {queue} queue"
        out.append({
            "queue": queue, "weekday": day, "times": times, "agents_short": max(short),
            "agent_hours": sum(short) * hours, "observed_sl": pooled, "target_sl": target, "contacts": int(sum(n)),
            "judged_by": part[0].attributes.get("judged_by"), "findings": part,
            "shortfall": max(0.0, float(target or 0.0) - float(pooled or 0.0)),
            "subject": f"{where}, {day}s {times}", "segment": {} if queue == "all" else {"queue": queue},
            "context": {"where": where, "weekday": day, "times": times,
                        "agents_short": f"{max(short):.0f}" if max(short) >= 1.5 else "1",
                        "agent_hours_per_week": f"{sum(short) * hours:,.0f}",
                        "value_text": format_value(pooled, "proportion"),
                        "target_text": format_value(target, "proportion")},
        })
    return sorted(out, key=lambda m: (-m["agent_hours"], m["queue"], m["weekday"]))


def _day_name(weekday: str) -> str:
    """'Mon' -> 'Monday' (a full name passes through)."""
    return dict(zip(WEEKDAYS, DAY_NAMES, strict=True)).get(weekday, weekday)
