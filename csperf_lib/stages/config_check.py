"""The whole review config checked before any stage starts, every problem listed at once.

:func:`csperf_lib.core.config.load_config` checks every section's shape against the typed models of
:mod:`csperf_lib.core.settings` (keys, types, ranges, allowed values). What only a section's own
module can judge — a custom KPI's filter grammar against the canonical columns, a targets file's
KPI ids and segments, a codebook's or a marker's merge with the built-in ones, which complaint
target comes first — is judged here, by running each module's reader on the config the way the stage
will. Each reader takes its section typed from ``ReviewConfig.settings`` and returns the typed
options its stage uses (``KpiOptions``, ``TargetSet``, ``StaffingOptions``, ``RecommendationSettings``,
``Markers``, ``ComplaintTargets`` …); none of them re-reads a loaded config's YAML.
:func:`check_config` is called by ``csperf review`` before the first stage and by every stage
notebook when it starts, so a typo in ``staffing:`` is one clear error before anything runs, not a
failure minutes into a run.

It sits above the stage modules (it imports their readers); nothing imports it but the runner,
the stage context and the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from csperf_lib.core.config import ReviewConfig
from csperf_lib.core.errors import ConfigError
from csperf_lib.core.settings import KpisSettings
from csperf_lib.methods.coaching import recommendation_settings
from csperf_lib.methods.complaints import ComplaintTargets
from csperf_lib.methods.kpi_catalogue import kpi_options
from csperf_lib.methods.markers import load_markers
from csperf_lib.methods.privacy import privacy_settings
from csperf_lib.methods.staffing import staffing_options
from csperf_lib.methods.target_loading import targets_from_config
from csperf_lib.methods.text import codebook_from_config
from csperf_lib.stages.recommendations import load_rules
from csperf_lib.stages.sample import sampling_settings

__all__ = ["check_config"]


def _readers() -> list[tuple[str, Callable[[ReviewConfig], Any]]]:

    return [
        ("kpis", kpi_options),
        ("targets", targets_from_config),
        ("sampling", sampling_settings),
        ("text", codebook_from_config),
        ("staffing", staffing_options),
        ("recommendations", recommendation_settings),
        ("recommendations.rules", load_rules),
        ("escalations", load_markers),
        ("complaints", ComplaintTargets.from_config),
        ("privacy", privacy_settings),
    ]


def _run(reader: Callable[[ReviewConfig], Any], config: ReviewConfig, problems: list[str]) -> bool:
    """Run one reader; add its problems (prefixed with a named file's name); whether it accepted."""
    try:
        reader(config)
    except ConfigError as exc:
        own = exc.path in ("<config>", "") or Path(exc.path).resolve() == Path(config.path).resolve()
        problems += exc.problems if own else [f"{Path(exc.path).name}: {p}" for p in exc.problems]
        return False
    return True


def check_config(config: ReviewConfig) -> ReviewConfig:
    """Run every section's reader on ``config``; return it unchanged when all accept it.

    Raises
    ------
    ConfigError
        Listing every problem of every section at once, each with its key path (problems in a
        file the config names, such as a targets file, are prefixed with that file's name).
    """
    problems: list[str] = []
    readers = _readers()
    kpis_ok = _run(readers[0][1], config, problems)  # the KPI section first: the others read it
    # the other readers read the KPI options too: when those are wrong, judge the rest without the
    # review's own KPI section, so its problems are listed once and theirs are not hidden
    rest = config
    if not kpis_ok:

        settings = config.settings.model_copy(update={"kpis": KpisSettings()}) if config.settings is not None else None
        rest = replace(config, raw={**config.raw, "kpis": {}}, settings=settings)
    custom = {str(k.get("id")) for k in ((config.raw.get("kpis") or {}).get("custom") or []) if isinstance(k, dict)}
    for _name, reader in readers[1:]:
        found: list[str] = []
        _run(reader, rest, found)
        problems += [p for p in found if kpis_ok or not any(f"'{kid}'" in p or f" {kid}" in p for kid in custom)]
    if problems:
        raise ConfigError(str(config.path), list(dict.fromkeys(problems)))
    return config
