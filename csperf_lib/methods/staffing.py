r"""Resourcing from the store: offered load and deployed agents per interval, and agents required.

What this module answers: given how many contacts arrive in an interval and how long they take,
how many agents does the centre need on the phones to reach its service-level target, how many
did it actually have, and what would one or two agents more or fewer have changed?

Public API
----------
From the store (one ``GROUP BY`` in the store's engine; only aggregates come back):

- :func:`staffing_options` — the config's ``staffing:`` section, validated.
- :func:`interval_profile` — per calendar interval (default 30 minutes): offered, answered
  within the target, AHT, distinct agents who handled contacts, observed and predicted service
  level.
- :func:`weekday_profile` — the same rolled up to weekday x interval of day, with the agents
  required and the gap.

The queueing models (Erlang B, C and A, agents required; their formulas, sources and why they are
written by hand) are :mod:`csperf_lib.methods.erlang`; the review built on these profiles (gap in
agent-hours, what-if table, model check, findings) is :mod:`csperf_lib.methods.staffing_review`, its
heatmap :func:`csperf_lib.report.plots.staffing_heatmap`.

Config section
--------------
.. code-block:: yaml

    staffing:
      channels: [phone]          # queued real-time channels modelled (phone; chat with care)
      interval_minutes: 30       # planning interval; must divide a day (15, 30, 60 ...)
      target_s: 20               # answer within; default kpis.service_level_threshold_s (20)
      service_level: 0.8         # optional; default the service_level target, else 0.8
      max_occupancy: 0.85        # optional cap on agent occupancy (0-1]; default none
      shrinkage: 0.3             # share of paid time not on the phones (breaks, training), [0, 1)
      min_offered: 1.0           # contacts per interval below which a cell is not judged

Assumptions (stated in the report, see :data:`ASSUMPTIONS`): Poisson arrivals at a constant rate
within each interval, exponential handle times, one pool of identical agents serving one queue
first come first served, no retrials, and for Erlang C no abandonment (callers wait as long as
it takes). Chat breaks the one-agent-one-contact assumption (agents handle several chats at
once), so only phone is modelled by default; e-mail and social are not queued in real time and
are left to a backlog model (deferred work).

The deployed agents
-------------------
The canonical data has no roster or log-in table, so the agents *deployed* in an interval are
estimated by a proxy: the distinct agents who answered a contact of the modelled channels that
arrived in it, each counted at the share of their handling time spent on those channels over the
review (1 for an agent who only takes calls; a blended agent who spends half their handling time
on e-mail counts as half an agent). The proxy misses agents logged in but idle (or still busy
with a contact that arrived earlier), which understates deployment, most in quiet intervals, and
counts an agent who answered one contact as present for the whole interval, which overstates it;
the model check (predicted against observed service level, interval by interval) shows how far
to trust it. A roster can be passed instead (``roster=`` of :func:`interval_profile`). The
deployed agents are agents *on the phones*, so the gap compares them with the agents required
before shrinkage; shrinkage only converts a gap into rostered (paid) hours.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.core.calendar import WEEKDAYS
from csperf_lib.core.settings import DEFERRED_CHANNELS as _DEFERRED_CHANNELS
from csperf_lib.core.settings import section_settings
from csperf_lib.core.tables import NOT_RECORDED
from csperf_lib.methods.erlang import _erlang_c_arrays, erlang_a, required_agents
from csperf_lib.methods.kpi_catalogue import kpi_options
from csperf_lib.methods.target_loading import targets_from_config

__all__ = [
    "ASSUMPTIONS",
    "DEFERRED_CHANNELS",
    "QUEUED_CHANNELS",
    "StaffingOptions",
    "interval_profile",
    "queue_interval_profiles",
    "staffing_options",
    "weekday_profile",
    "whole_config",
]

#: Channels whose contacts queue in real time for an agent: the ones an Erlang model can describe.
QUEUED_CHANNELS = ("phone", "chat", "other")
#: Channels answered from a backlog (hours, not seconds): staffing them needs a backlog model.
DEFERRED_CHANNELS = _DEFERRED_CHANNELS


#: The model's assumptions, in words, for the report.
ASSUMPTIONS = (
    "Contacts arrive at random, one at a time and independently (a Poisson process), at a constant "
    "rate within each interval; the rate used is the interval's mean over the review period.",
    "Handle times (talk + hold + wrap) are exponentially distributed with the interval's mean AHT.",
    "One pool of identical agents serves one first-come-first-served queue; an agent handles one "
    "contact at a time, so chat (several at once) is not modelled by default.",
    "Erlang C assumes callers never hang up and never call back (no abandonment, no retrials); "
    "real abandonment shortens the queue, so Erlang C is on the safe (over-staffing) side. Erlang A "
    "adds exponential patience, estimated from the data as total waiting time / abandoned contacts.",
    "Each interval is treated as a steady state on its own: a backlog carried over from the "
    "previous interval is ignored.",
    "Agents deployed are estimated from the contacts (no roster or log-in data): the distinct "
    "agents who answered a contact arriving in the interval, each counted at their share of "
    "handling time on the modelled channels. Idle logged-in agents are missed (quiet intervals "
    "look more under-staffed than they were) and an agent who took one contact counts for the "
    "whole interval.",
)


# --------------------------------------------------------------------------------------------
# config
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StaffingOptions:
    """Validated options of the config's ``staffing:`` section, defaults filled in.

    Attributes
    ----------
    channels : tuple of str
        Queued real-time channels modelled (default ``("phone",)``). Contacts without a channel
        count as phone, as in the KPI catalogue.
    interval_minutes : int
        Planning interval, minutes; divides a day (default 30).
    target_s : float
        Service-level threshold, seconds (default the ``kpis.service_level_threshold_s``, 20).
    service_level : float
        Service-level target, proportion 0-1 (default: ``staffing.service_level``, else the
        review's ``service_level`` target, else 0.8).
    service_level_source : str
        Where ``service_level`` came from, in words.
    max_occupancy : float or None
        Occupancy cap, (0, 1]; None for none (the default).
    shrinkage : float
        Share of paid time not on the phones, [0, 1) (default 0).
    min_offered : float
        Mean contacts per interval below which a weekday x interval cell is shown but not judged
        under- or over-staffed (the deployed proxy sees no agent without a contact; default 1).
    exclude_short_abandons_s : float or None
        From the ``kpis:`` section: abandons quicker than this leave the observed service level's
        offered count, as in the ``service_level`` KPI.
    """

    channels: tuple[str, ...] = ("phone",)
    interval_minutes: int = 30
    target_s: float = 20.0
    service_level: float = 0.8
    service_level_source: str = "default 80 %"
    max_occupancy: float | None = None
    shrinkage: float = 0.0
    min_offered: float = 1.0
    exclude_short_abandons_s: float | None = None

    @property
    def interval_s(self) -> float:
        """Interval length, seconds."""
        return 60.0 * self.interval_minutes


def whole_config(config: Any) -> Any:
    """A parsed YAML mapping as the KPI and target readers must see it: a whole config, not a
    ``kpis:`` section (they tell the two apart by a ``kpis`` or ``tables`` key); anything else
    unchanged."""
    if config is not None and not hasattr(config, "raw") and isinstance(config, Mapping):
        return {**config, "kpis": config.get("kpis") or {}}
    return config


def staffing_options(config: Any = None) -> StaffingOptions:
    """The options of the config's typed ``staffing:`` section, defaults filled in.

    Parameters
    ----------
    config : ReviewConfig, mapping or None
        The review config (its ``settings.staffing``, checked at load against
        :class:`csperf_lib.core.settings.StaffingSettings`), or its parsed YAML, checked here
        against the same model (None: defaults; the service-level target then falls back to the
        indicative 80/20 benchmark).

    Returns
    -------
    StaffingOptions

    Raises
    ------
    ConfigError
        Listing every problem of the section at once, each with its key (``staffing.<option>``).
        E-mail and social are refused as channels: they are answered from a backlog, which an
        Erlang queue does not describe.
    """

    config = whole_config(config)
    _, section = section_settings(config, "staffing")
    kpis = kpi_options(config)
    values: dict[str, Any] = {
        "target_s": float(kpis["service_level_threshold_s"]),
        "exclude_short_abandons_s": kpis["exclude_short_abandons_s"],
    }
    given = section.model_dump(exclude_unset=True)
    if given.get("channels") is not None:
        values["channels"] = tuple(dict.fromkeys(given["channels"]))
    for key in ("interval_minutes", "target_s", "service_level", "shrinkage", "min_offered"):
        if given.get(key) is not None:
            values[key] = given[key]
    if "max_occupancy" in given:
        values["max_occupancy"] = given["max_occupancy"]
    if "service_level" in values:
        values["service_level_source"] = "staffing.service_level in the config"
    else:

        target = targets_from_config(config).lookup("service_level")
        if target is not None and 0 < target.target < 1:
            values["service_level"] = float(target.target)
            values["service_level_source"] = (
                f"the review's service-level target ({target.source}, {target.origin})"
            )
    return StaffingOptions(**values)


# --------------------------------------------------------------------------------------------
# intervals from the store
# --------------------------------------------------------------------------------------------

#: Columns of :func:`interval_profile`.
INTERVAL_COLUMNS = (
    "interval_start", "date", "weekday", "time", "offered", "sl_offered", "answered", "abandoned",
    "answered_within", "handle_n", "handle_sum_s", "aht_s", "wait_answered_sum_s",
    "wait_total_s", "observed_sl", "observed_asa_s", "handlers", "deployed", "traffic_erlangs",
    "required_raw", "required", "gap", "predicted_sl", "predicted_asa_s", "predicted_sl_erlang_a",
)


def _period(config: Any, days: pd.Series) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    first = pd.Timestamp(days.min()) if len(days) else None
    last = pd.Timestamp(days.max()) if len(days) else None
    start = getattr(config, "period_start", None)
    end = getattr(config, "period_end", None)
    return (pd.Timestamp(start) if start else first), (pd.Timestamp(end) if end else last)


def _aggregate(store, options: StaffingOptions, *, by_queue: bool = False) -> pd.DataFrame:
    """One GROUP BY in the store's engine: per (day, slot) counts and sums; per (queue, day, slot)
    with ``by_queue`` (contacts without a queue form the ``(not recorded)`` queue)."""
    import ibis

    t = store.table("contacts")
    cols = set(t.columns)

    def col(name: str, kind: str):
        return t[name] if name in cols else ibis.null(kind)

    keep = t.arrived_at.notnull()
    if "channel" in cols:
        live = t.channel.isin(list(options.channels))
        if "phone" in options.channels:
            live = live | t.channel.isnull()
        keep = keep & live
    answered = t.answered.fill_null(False)
    abandoned = col("abandoned", "boolean").fill_null(False) & ~answered
    wait = col("wait_s", "float64").cast("float64")
    parts = [col(c, "float64").cast("float64") for c in ("talk_s", "hold_s", "wrap_s")]
    total = parts[0].fill_null(0.0) + parts[1].fill_null(0.0) + parts[2].fill_null(0.0)
    none = parts[0].isnull() & parts[1].isnull() & parts[2].isnull()
    handle = ibis.ifelse(none, ibis.null("float64"), total)
    within = answered & (wait <= options.target_s).fill_null(False)
    short = options.exclude_short_abandons_s
    excluded = abandoned & (wait < short).fill_null(False) if short is not None else ibis.literal(False)
    agent = col("agent_id", "string")
    queue = col("queue", "string").cast("string").fill_null(NOT_RECORDED)
    minute = t.arrived_at.hour() * 60 + t.arrived_at.minute()
    keys = ["_queue", "_day", "_slot"] if by_queue else ["_day", "_slot"]
    base = t.filter(keep).mutate(
        _day=t.arrived_at.truncate("D"),
        _slot=minute // options.interval_minutes,
        _queue=queue,
        _ans=answered.cast("int64"),
        _ab=abandoned.cast("int64"),
        _within=within.cast("int64"),
        _sl=(~excluded).cast("int64"),
        _handle=ibis.ifelse(answered, handle, ibis.null("float64")),
        _wait_ans=ibis.ifelse(answered, wait, ibis.null("float64")),
        _wait_all=ibis.ifelse(answered | abandoned, wait, ibis.null("float64")),
        _agent=ibis.ifelse(answered, agent, ibis.null("string")),
    )
    if "agent_id" not in cols:
        equivalents = pd.DataFrame(columns=[*keys, "handlers", "deployed_equivalent"])
    else:
        equivalents = _equivalents(t, base, keep, answered, handle, agent, queue if by_queue else None)
    agg = base.group_by(keys).aggregate(
        offered=base.count(),
        sl_offered=base._sl.sum(),
        answered=base._ans.sum(),
        abandoned=base._ab.sum(),
        answered_within=base._within.sum(),
        handle_n=base._handle.count(),
        handle_sum_s=base._handle.sum(),
        wait_answered_n=base._wait_ans.count(),
        wait_answered_sum_s=base._wait_ans.sum(),
        wait_total_s=base._wait_all.sum(),
        abandoned_timed=base._wait_all.count(where=base._ab == 1),
    )
    frame = agg.execute().merge(equivalents, on=keys, how="left")
    frame[["handlers", "deployed_equivalent"]] = frame[["handlers", "deployed_equivalent"]].fillna(0.0)
    return frame.rename(columns={"_day": "day", "_slot": "slot", "_queue": "queue"})


def _equivalents(t, base, keep, answered, handle, agent, queue=None) -> pd.DataFrame:
    """Per (day, slot), or (queue, day, slot) when ``queue`` is given: distinct handlers, and the
    same each weighted by their share of handling on the modelled channels (of that queue) over
    the review (blended agents count for the part of their time the queue had; the contact-count
    share where no handle time is known)."""
    import ibis

    every = t.filter(answered & agent.notnull()).mutate(
        _agent=agent, _h=handle.fill_null(0.0), _mine=keep.fill_null(False).cast("int64"),
        _queue=queue if queue is not None else ibis.literal(""),
    )
    totals = every.group_by("_agent").aggregate(_all_h=every._h.sum(), _all_n=every.count())
    mine = every.filter(every._mine == 1)
    mine = mine.group_by(["_agent", "_queue"]).aggregate(_mine_h=mine._h.sum(), _mine_n=mine.count())
    shares = mine.join(totals, "_agent")
    shares = shares.mutate(
        _share=ibis.ifelse(shares._all_h > 0, shares._mine_h.fill_null(0.0) / shares._all_h,
                           shares._mine_n.cast("float64") / shares._all_n.cast("float64")),
    ).select("_agent", "_queue", "_share")
    keys = ["_queue", "_day", "_slot"] if queue is not None else ["_day", "_slot"]
    seen = base.filter(base._agent.notnull()).select(*keys, "_agent").distinct()
    on = ["_agent", "_queue"] if queue is not None else ["_agent"]
    if queue is None:
        shares = shares.select("_agent", "_share")
    seen = seen.left_join(shares, on).select(*keys, "_share")
    return seen.group_by(keys).aggregate(
        handlers=seen.count(), deployed_equivalent=seen._share.fill_null(1.0).sum(),
    ).execute()


def _with_roster(frame: pd.DataFrame, roster: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    missing = {"interval_start", "agents"} - set(roster.columns)
    if missing:
        raise ValueError(f"roster needs columns interval_start and agents; missing {sorted(missing)}")
    r = pd.DataFrame({
        "interval_start": pd.to_datetime(roster["interval_start"]).dt.floor(f"{interval_minutes}min"),
        "roster": pd.to_numeric(roster["agents"], errors="coerce"),
    }).groupby("interval_start", as_index=False)["roster"].sum()
    out = frame.merge(r, on="interval_start", how="outer")
    counts = [c for c in out.columns if c not in ("interval_start", "roster") and out[c].dtype.kind in "iuf"]
    out[counts] = out[counts].fillna(0)
    out["roster"] = out["roster"].fillna(0.0)  # the roster is authoritative: not on it, nobody there
    return out


def _deployed(frame: pd.DataFrame, *, roster: pd.DataFrame | None,
              options: StaffingOptions) -> tuple[pd.DataFrame, str]:
    """The agents deployed per interval (the roster, else the handling-agents proxy) and where
    the figure comes from, in words."""
    channels = "/".join(options.channels)
    blended = frame["handlers"].sum() > 0 and frame["deployed_equivalent"].sum() < 0.99 * frame["handlers"].sum()
    deployed_source = (
        f"agents who answered a {channels} contact arriving in the interval, each counted at the "
        f"share of their handling time spent on {channels} over the review (proxy; the agents also "
        f"work other channels)" if blended else
        f"distinct agents who answered a {channels} contact arriving in the interval (proxy)"
    )
    frame["deployed"] = frame["deployed_equivalent"]
    if roster is not None:
        frame = _with_roster(frame, roster, options.interval_minutes)
        frame["deployed"] = frame["roster"]
        deployed_source = "roster (agents logged in per interval)"
    elif not (frame["handlers"] > 0).any():
        deployed_source = "unavailable (no agent IDs)"
        frame["deployed"] = np.nan
    return frame, deployed_source


def _erlang_c_predicted(frame: pd.DataFrame, aht: np.ndarray, options: StaffingOptions) -> tuple[np.ndarray, np.ndarray]:
    """Erlang C service level and ASA with the agents deployed (NaN where unknown)."""
    # a fractional number of agents (a blended agent's share) is read as a mix of the two whole
    # numbers around it: the predictions are interpolated linearly between them
    deployed = frame["deployed"].fillna(0.0).to_numpy(float)
    low = np.floor(deployed)
    frac = deployed - low
    traffic = frame["traffic_erlangs"].to_numpy(float)
    _, sl_lo, asa_lo = _erlang_c_arrays(traffic, low, aht, options.target_s)
    _, sl_hi, asa_hi = _erlang_c_arrays(traffic, low + 1, aht, options.target_s)
    sl = (1 - frac) * sl_lo + frac * sl_hi
    with np.errstate(invalid="ignore"):
        asa = np.where(frac == 0, asa_lo, (1 - frac) * asa_lo + frac * asa_hi)
    known = frame["deployed"].notna().to_numpy()
    return np.where(known, sl, np.nan), np.where(known, asa, np.nan)


def interval_profile(
    store,
    *,
    config: Any = None,
    interval_minutes: int | None = None,
    channels: Sequence[str] | None = None,
    roster: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Per calendar interval: offered, AHT, observed service, agents deployed and required.

    Aggregated in the store's engine (one ``GROUP BY`` date x interval); only one row per
    interval comes back. Intervals with no contact of the channels are absent (unless a
    ``roster`` names them).

    Parameters
    ----------
    store : Store
        The processed store (its ``contacts`` table).
    config : ReviewConfig, mapping or None, keyword-only
        The review config: ``staffing:`` options (:func:`staffing_options`) and the ``kpis:``
        threshold and short-abandon rule.
    interval_minutes : int, keyword-only
        Overrides ``staffing.interval_minutes`` (default 30).
    channels : sequence of str, keyword-only
        Overrides ``staffing.channels`` (default ``("phone",)``).
    roster : pandas.DataFrame, keyword-only
        Agents actually logged in or rostered on the phones per interval (columns
        ``interval_start``, ``agents``); replaces the distinct-handler proxy.

    Returns
    -------
    pandas.DataFrame
        :data:`INTERVAL_COLUMNS`: ``offered`` (every contact arriving), ``sl_offered`` (the
        service level's denominator), ``answered_within`` (answered with ``wait_s <=
        target_s``), ``aht_s`` (mean talk + hold + wrap of answered contacts, NaN without any),
        ``observed_sl``, ``observed_asa_s``, ``handlers`` (distinct agents who answered a
        contact arriving in the interval), ``deployed`` (the same, each counted at their share of
        handling time on the modelled channels over the review; or the roster; see the module
        docstring), ``traffic_erlangs`` (offered x AHT / interval;
        the pooled AHT where the interval has none), ``required_raw`` / ``required`` (Erlang C
        agents for the target before / after shrinkage, :func:`required_agents`), ``gap``
        (deployed - required_raw), ``predicted_sl`` and ``predicted_asa_s`` (Erlang C with the
        deployed agents), ``predicted_sl_erlang_a`` (Erlang A with the patience estimated from
        all intervals); a fractional number of agents deployed is read as a mix of the two whole
        numbers around it (predictions interpolated linearly). ``attrs`` holds ``options``, ``period`` (first and last date),
        ``deployed_source``, ``pooled_aht_s``, ``patience_s`` and ``excluded`` (contacts of
        other channels by channel).
    """
    options = staffing_options(config)
    if interval_minutes is not None:
        if not (isinstance(interval_minutes, int) and interval_minutes > 0 and 1440 % interval_minutes == 0):
            raise ValueError(f"interval_minutes must divide a day (15, 30, 60 ...), got {interval_minutes!r}")
        options = StaffingOptions(**{**options.__dict__, "interval_minutes": interval_minutes})
    if channels is not None:
        bad = [c for c in channels if c in DEFERRED_CHANNELS]
        if bad:
            raise ValueError(f"channels {bad} are answered from a backlog; an Erlang model does not apply")
        options = StaffingOptions(**{**options.__dict__, "channels": tuple(channels)})
    return _intervals(_aggregate(store, options), options=options, roster=roster, config=config,
                      excluded=_excluded(store, options))


def queue_interval_profiles(store, *, config: Any = None) -> dict[str, pd.DataFrame]:
    """:func:`interval_profile` for each queue of the modelled channels, from one ``GROUP BY``.

    Each queue's agents deployed are the proxy: agents who answered a contact of that queue
    arriving in the interval, each counted at the share of their handling time spent on that
    queue's modelled channels over the review (a roster gives the centre's agents, not a queue's).
    Contacts without a queue form the ``(not recorded)`` queue, which is profiled but never judged.

    Parameters
    ----------
    store : Store
        The processed store (its ``contacts`` table; a ``queue`` column is needed).
    config : ReviewConfig, mapping or None, keyword-only
        The review config, as for :func:`interval_profile`.

    Returns
    -------
    dict of str to pandas.DataFrame
        Queue -> its :func:`interval_profile` (same columns and ``attrs``), in descending order of
        contacts offered; empty when the contacts have no ``queue`` column.
    """
    if "queue" not in store.table("contacts").columns:
        return {}
    options = staffing_options(config)
    raw = _aggregate(store, options, by_queue=True)
    excluded = _excluded(store, options)
    order = raw.groupby("queue")["offered"].sum().sort_values(ascending=False, kind="stable").index
    return {
        str(q): _intervals(raw[raw["queue"] == q].drop(columns="queue"), options=options, roster=None,
                           config=config, excluded=excluded)
        for q in order
    }


def _intervals(raw: pd.DataFrame, *, options: StaffingOptions, roster: pd.DataFrame | None, config: Any,
               excluded: dict[str, int]) -> pd.DataFrame:
    """The calendar-interval profile from the aggregated counts (see :func:`interval_profile`)."""
    frame = pd.DataFrame({
        "interval_start": pd.to_datetime(raw["day"]) + pd.to_timedelta(raw["slot"].astype(int) * options.interval_minutes, unit="min"),
        **{c: pd.to_numeric(raw[c]).astype(float) for c in raw.columns if c not in ("day", "slot")},
    })
    frame, deployed_source = _deployed(frame, roster=roster, options=options)
    frame = frame.sort_values("interval_start", kind="stable").reset_index(drop=True)
    frame["date"] = frame["interval_start"].dt.normalize()
    frame["weekday"] = frame["interval_start"].dt.day_of_week.astype(int)
    frame["time"] = frame["interval_start"].dt.strftime("%H:%M")
    handle_n, handle_sum = frame["handle_n"].sum(), frame["handle_sum_s"].sum()
    pooled_aht = float(handle_sum / handle_n) if handle_n > 0 else math.nan
    timed = frame["abandoned_timed"].sum()
    patience = float(frame["wait_total_s"].sum() / timed) if timed > 0 else math.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["aht_s"] = np.where(frame["handle_n"] > 0, frame["handle_sum_s"] / frame["handle_n"], np.nan)
        frame["observed_sl"] = np.where(frame["sl_offered"] > 0, frame["answered_within"] / frame["sl_offered"], np.nan)
        frame["observed_asa_s"] = np.where(frame["wait_answered_n"] > 0, frame["wait_answered_sum_s"] / frame["wait_answered_n"], np.nan)
    aht = frame["aht_s"].fillna(pooled_aht).to_numpy(float)
    frame["traffic_erlangs"] = frame["offered"] * aht / options.interval_s
    req = [_required(o, a, options) for o, a in zip(frame["offered"], aht, strict=True)]
    frame["required_raw"] = [r[0] for r in req]
    frame["required"] = [r[1] for r in req]
    frame["gap"] = frame["deployed"] - frame["required_raw"]
    frame["predicted_sl"], frame["predicted_asa_s"] = _erlang_c_predicted(frame, aht, options)
    frame["predicted_sl_erlang_a"] = [
        _erlang_a_sl(o, a, patience, d, options) for o, a, d in zip(frame["offered"], aht, frame["deployed"], strict=True)
    ]
    frame = frame[list(INTERVAL_COLUMNS)]
    frame.attrs.update(
        options=options, period=_period(config, frame["date"]), deployed_source=deployed_source,
        pooled_aht_s=pooled_aht, patience_s=patience, excluded=excluded,
    )
    return frame


def _required(offered: float, aht: float, options: StaffingOptions) -> tuple[float, float]:
    if not (math.isfinite(offered) and math.isfinite(aht) and aht > 0):
        return math.nan, math.nan
    s = required_agents(
        calls=offered, interval_s=options.interval_s, aht_s=aht, target_s=options.target_s,
        service_level=options.service_level, max_occupancy=options.max_occupancy,
        shrinkage=options.shrinkage,
    )
    return float(s.raw_agents), float(s.agents)


def _erlang_a_sl(offered: float, aht: float, patience: float, deployed: float, options: StaffingOptions) -> float:
    """Erlang A service level, interpolated linearly between the whole numbers of agents around
    a fractional ``deployed``."""
    if not all(math.isfinite(x) for x in (offered, aht, deployed)) or aht <= 0 or deployed < 0:
        return math.nan
    low = math.floor(deployed)
    frac = deployed - low
    try:
        sl = [erlang_a(calls=offered, interval_s=options.interval_s, aht_s=aht, patience_s=patience,
                       agents=n, target_s=options.target_s).service_level
              for n in ((low,) if frac == 0 else (low, low + 1))]
    except ValueError:
        return math.nan
    return sl[0] if frac == 0 else (1 - frac) * sl[0] + frac * sl[1]


def _excluded(store, options: StaffingOptions) -> dict[str, int]:
    t = store.table("contacts")
    if "channel" not in t.columns:
        return {}
    rest = t.filter(t.channel.notnull() & ~t.channel.isin(list(options.channels)))
    counts = rest.group_by("channel").aggregate(n=rest.count()).execute()
    return {str(c): int(n) for c, n in zip(counts["channel"], counts["n"], strict=True)}


# --------------------------------------------------------------------------------------------
# weekday x interval profile
# --------------------------------------------------------------------------------------------

#: Columns of :func:`weekday_profile`.
PROFILE_COLUMNS = (
    "weekday", "weekday_name", "time", "days", "offered", "aht_s", "traffic_erlangs",
    "required_raw", "required", "required_sl", "required_asa_s", "binding", "deployed", "gap",
    "status", "observed_sl", "predicted_sl", "predicted_sl_erlang_a", "observed_asa_s",
)


def _weekday_counts(start: pd.Timestamp | None, end: pd.Timestamp | None) -> dict[int, int]:
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return {}
    days = pd.date_range(start.normalize(), end.normalize(), freq="D")
    return days.day_of_week.value_counts().to_dict()


def weekday_profile(intervals: pd.DataFrame) -> pd.DataFrame:
    r"""Roll calendar intervals up to weekday x interval of day: the planning view.

    For each weekday and time of day, over the ``days`` dates of that weekday in the review period
    (an interval without a contact counts as zero offered and zero deployed):

    * ``offered`` — mean contacts per interval, :math:`\sum \text{offered} / \text{days}`;
    * ``aht_s`` — pooled AHT, :math:`\sum \text{handle} / \sum n` (the review's AHT where the cell
      has no answered contact);
    * ``required_raw`` / ``required`` — :func:`required_agents` for that mean load, before / after
      shrinkage, with ``required_sl`` and ``required_asa_s`` it achieves and what ``binding``;
    * ``deployed`` — mean agents deployed per interval; ``gap = deployed - required_raw``
      (negative: under-staffed). Agents deployed are agents on the phones, so they are compared
      with the requirement before shrinkage;
    * ``status`` — ``under-staffed`` (gap < 0), ``over-staffed`` (gap >= 1: at least one agent
      spare), ``balanced``, or ``not judged`` when fewer than ``min_offered`` contacts arrive on
      average;
    * ``observed_sl`` — pooled answered within target / offered; ``predicted_sl`` and
      ``predicted_sl_erlang_a`` — each interval's prediction with the agents it had, averaged with
      the same weights (offered), so the three are directly comparable.

    Parameters
    ----------
    intervals : pandas.DataFrame
        :func:`interval_profile` output (its ``attrs`` carry the options and the period).

    Returns
    -------
    pandas.DataFrame
        :data:`PROFILE_COLUMNS`, sorted by weekday and time; ``attrs`` as the input's.
    """
    options: StaffingOptions = intervals.attrs.get("options", StaffingOptions())
    start, end = intervals.attrs.get("period", (None, None))
    counts = _weekday_counts(start, end)
    if intervals.empty:
        out = pd.DataFrame(columns=list(PROFILE_COLUMNS))
        out.attrs.update(intervals.attrs)
        return out
    f = intervals.assign(
        _pred=intervals["predicted_sl"] * intervals["sl_offered"],
        _pred_a=intervals["predicted_sl_erlang_a"] * intervals["sl_offered"],
        _pred_w=intervals["sl_offered"].where(intervals["predicted_sl"].notna(), 0.0),
        _pred_a_w=intervals["sl_offered"].where(intervals["predicted_sl_erlang_a"].notna(), 0.0),
        _wait_n=intervals["answered"].where(intervals["observed_asa_s"].notna(), 0.0),
    )
    g = f.groupby(["weekday", "time"], sort=True).agg(
        offered=("offered", "sum"), sl_offered=("sl_offered", "sum"),
        answered_within=("answered_within", "sum"), handle_n=("handle_n", "sum"),
        handle_sum_s=("handle_sum_s", "sum"), deployed=("deployed", "sum"),
        deployed_known=("deployed", "count"), wait_sum=("wait_answered_sum_s", "sum"),
        wait_n=("_wait_n", "sum"), pred=("_pred", "sum"), pred_w=("_pred_w", "sum"),
        pred_a=("_pred_a", "sum"), pred_a_w=("_pred_a_w", "sum"), seen=("offered", "size"),
    ).reset_index()
    days = g["weekday"].map(counts).fillna(0).to_numpy(float)
    days = np.maximum(days, g["seen"].to_numpy(float))  # never fewer days than intervals seen
    pooled = intervals.attrs.get("pooled_aht_s", math.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        aht = np.where(g["handle_n"] > 0, g["handle_sum_s"] / g["handle_n"], pooled)
        out = pd.DataFrame({
            "weekday": g["weekday"].astype(int),
            "weekday_name": g["weekday"].map(dict(enumerate(WEEKDAYS))),
            "time": g["time"],
            "days": days.astype(int),
            "offered": g["offered"] / days,
            "aht_s": aht,
        })
        out["traffic_erlangs"] = out["offered"] * out["aht_s"] / options.interval_s
        deployed_known = g["deployed_known"].to_numpy() > 0
        out["observed_sl"] = np.where(g["sl_offered"] > 0, g["answered_within"] / g["sl_offered"], np.nan)
        out["predicted_sl"] = np.where(g["pred_w"] > 0, g["pred"] / g["pred_w"], np.nan)
        out["predicted_sl_erlang_a"] = np.where(g["pred_a_w"] > 0, g["pred_a"] / g["pred_a_w"], np.nan)
        out["observed_asa_s"] = np.where(g["wait_n"] > 0, g["wait_sum"] / g["wait_n"], np.nan)
        out["deployed"] = np.where(deployed_known, g["deployed"] / days, np.nan)
    rows = []
    for offered, a in zip(out["offered"], out["aht_s"], strict=True):
        if math.isfinite(a) and a > 0:
            s = required_agents(calls=offered, interval_s=options.interval_s, aht_s=a,
                                target_s=options.target_s, service_level=options.service_level,
                                max_occupancy=options.max_occupancy, shrinkage=options.shrinkage)
            rows.append((s.raw_agents, s.agents, s.service_level, s.asa_s, s.binding))
        else:
            rows.append((math.nan, math.nan, math.nan, math.nan, "no handle time"))
    out["required_raw"], out["required"], out["required_sl"], out["required_asa_s"], out["binding"] = (
        [r[i] for r in rows] for i in range(5)
    )
    out["gap"] = out["deployed"] - out["required_raw"]
    judged = out["offered"] >= options.min_offered
    out["status"] = np.select(
        [~judged | out["gap"].isna(), out["gap"] < 0, out["gap"] >= 1],
        ["not judged", "under-staffed", "over-staffed"],
        "balanced",
    )
    out = out[list(PROFILE_COLUMNS)].sort_values(["weekday", "time"]).reset_index(drop=True)
    out.attrs.update(intervals.attrs)
    return out


# --------------------------------------------------------------------------------------------
# chart and summary.json
# --------------------------------------------------------------------------------------------


# --- findings -------------------------------------------------------------------------------------
