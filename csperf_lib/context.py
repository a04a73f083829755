"""What every stage notebook starts from: the config, the run folder and the store.

A stage's ``parameters`` cell holds ``config_path``, ``run_dir``, ``store_url`` and ``run_date``;
papermill injects the runner's values, and in JupyterLab the defaults (``None``) point at the
bundled demo data and an ``reports/_interactive`` folder, so a reviewer can open any stage and run it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from csperf_lib.config import ReviewConfig, load_config
from csperf_lib.errors import ConfigError
from csperf_lib.paths import default_store_url, demo_config_path, project_root
from csperf_lib.store import Store


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
    """

    config: ReviewConfig
    run_dir: Path
    store_url: str
    run_date: dt.date

    def open_store(self) -> Store:
        """Open the processed store (close it, or use ``with``, when done)."""
        return Store(self.store_url, password_env=self.config.store_password_env)


def stage_context(
    config_path: str | Path | None = None,
    run_dir: str | Path | None = None,
    store_url: str | None = None,
    run_date: str | dt.date | None = None,
) -> StageContext:
    """Resolve a stage's parameters into a :class:`StageContext`.

    ``None`` means: the bundled demo config, ``reports/_interactive``, the config's store (else the
    default DuckDB file under ``data/processed/``), and today.
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
    url = store_url or config.store_url or default_store_url(config.path)
    if isinstance(run_date, str):
        run_date = dt.date.fromisoformat(run_date)
    return StageContext(config=config, run_dir=run_dir, store_url=url, run_date=run_date or dt.date.today())
