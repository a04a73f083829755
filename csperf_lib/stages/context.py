"""What every stage notebook starts from: the config, the run folder, the store and the calendar.

A stage's ``parameters`` cell holds ``config_path``, ``run_dir``, ``store_url`` and ``run_date``;
papermill injects the runner's values, and in JupyterLab the defaults (``None``) point at the
bundled demo data and an ``reports/_interactive`` folder, so a reviewer can open any stage and run it.

Each stage names itself (``stage_context(..., stage="03_quantitative")``); :data:`STAGE_INPUTS`
says which earlier stages' stored results it reads. Opening the store checks them first: a stage
opened alone before its inputs exist stops with one sentence naming the stage to run, and never
creates an empty store.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from csperf_lib.core.calendar import review_calendar
from csperf_lib.core.config import ReviewConfig, load_config
from csperf_lib.core.display import show_frames_for_people
from csperf_lib.core.errors import ConfigError
from csperf_lib.core.paths import default_store_url, demo_config_path, project_root
from csperf_lib.core.results import MissingStageError, missing_sentence, require_stage
from csperf_lib.core.scope import skip_reason
from csperf_lib.core.summary_io import read_summary
from csperf_lib.ingest.store import Store
from csperf_lib.methods.kpi_catalogue import reader_labels
from csperf_lib.methods.privacy import privacy_settings
from csperf_lib.stages.config_check import check_config

#: Stage -> the earlier stages whose stored results it reads.
STAGE_INPUTS: dict[str, tuple[str, ...]] = {
    "00_collect": (),
    "01_validate": ("00_collect",),
    "02_sample": ("01_validate",),
    "03_quantitative": ("01_validate",),
    "04_qualitative": ("01_validate",),
    "05_benchmarks": ("01_validate", "03_quantitative"),
    "06_recommendations": ("01_validate", "03_quantitative", "04_qualitative", "05_benchmarks"),
    "07_evidence_report": (),
}


@dataclass(frozen=True)
class StageContext:
    """Everything a stage needs.

    Attributes
    ----------
    config : ReviewConfig
        The validated review config.
    run_dir : Path
        Folder this run writes into (summary.json, exports).
    store_url : str
        The processed store.
    run_date : datetime.date
        Date of the run (names the report folder).
    stage : str or None
        The stage notebook's stem, when it named itself: its inputs are checked on opening.
    """

    config: ReviewConfig
    run_dir: Path
    store_url: str
    run_date: dt.date
    stage: str | None = None

    def open_store(self) -> Store:
        """Open the processed store (close it, or use ``with``, when done).

        Raises
        ------
        MissingStageError
            When the stage reads what an earlier stage stores and that stage has not run on this
            store (a stage the review skips, with nothing to work on, is not required); a DuckDB
            file that does not exist yet is never created for a stage that needs one.
        """

        needs = STAGE_INPUTS.get(self.stage or "", ())
        if needs and self.store_url.startswith("duckdb://"):
            path = self.store_url[len("duckdb://"):]
            if path and path != ":memory:" and not Path(path).is_file():
                raise MissingStageError(missing_sentence("00_collect", needed_by=self.stage))
        store = Store(self.store_url, password_env=self.config.store_password_env)
        if needs:
            skipped = {s: r for s in needs if (r := skip_reason(s, self.config.tables))}
            try:
                require_stage(store, needs, needed_by=self.stage, skipped=skipped)
            except MissingStageError:
                store.close()
                raise
        return store

    @functools.cached_property
    def pseudonym_key(self) -> bytes:
        """The key agents' and customers' pseudonyms are made with
        (:func:`csperf_lib.methods.privacy.privacy_settings`): stable across runs unless no key
        file could be kept."""

        return privacy_settings(self.config)[0]

    def calendar(self, store):
        """The review calendar (:func:`csperf_lib.core.calendar.review_calendar`) from the config's
        period and the usable data in ``store``; complaints set the censoring horizon (their
        resolution target, 8 weeks unless the config says otherwise)."""

        return review_calendar(store, config=self.config)


def _checked_by_runner(run_dir: Path, config_path: Path) -> bool:
    """Whether ``csperf review`` is running this stage for this config: it checked the whole config
    before the first stage (its summary.json says ``running`` and names the config)."""

    summary = read_summary(run_dir)
    return summary.get("status") == "running" and summary.get("config") == str(config_path)


def stage_context(
    config_path: str | Path | None = None,
    run_dir: str | Path | None = None,
    store_url: str | None = None,
    run_date: str | dt.date | None = None,
    *,
    stage: str | None = None,
) -> StageContext:
    """Resolve a stage's parameters into a :class:`StageContext`.

    ``None`` means: the bundled demo config, ``reports/_interactive``, the config's store (else the
    default DuckDB file under ``data/processed/``), and today. ``stage`` names the calling stage
    (its inputs, :data:`STAGE_INPUTS`, are checked when the store is opened). Under IPython, every
    DataFrame the notebook displays is shown as a reader sees it
    (:func:`csperf_lib.core.display.show_frames_for_people`).
    """
    if config_path is None:
        config_path = demo_config_path()
        if not Path(config_path).is_file():
            raise ConfigError(
                str(config_path), ["no demo data yet: run `make demo-data` or `csperf demo-data` first"]
            )
    config = load_config(config_path)
    run_dir = Path(run_dir) if run_dir else project_root() / "reports" / "_interactive"
    run_dir.mkdir(parents=True, exist_ok=True)
    if not _checked_by_runner(run_dir, config.path):
        check_config(config)  # opened alone: judge every section now, as csperf review does first
    url = store_url or config.store_url or default_store_url(config.path)
    if isinstance(run_date, str):
        run_date = dt.date.fromisoformat(run_date)
    try:
        labels = reader_labels(config)
    except ConfigError:  # a KPI problem in the config is reported by the stage that reads the KPIs
        labels = {}
    show_frames_for_people(labels=labels)  # every table without index, None, nan, NaT or ids
    return StageContext(config=config, run_dir=run_dir, store_url=url, run_date=run_date or dt.date.today(), stage=stage)
