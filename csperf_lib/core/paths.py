"""Where things live: the project folder, the bundled demo data, default report folders."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

DEMO_SUBDIR = Path("data") / "raw" / "demo"


def project_root(start: str | Path | None = None) -> Path:
    """The project folder.

    ``CSPERF_HOME`` if set; else the nearest folder above ``start`` (default: the current folder)
    holding ``pyproject.toml`` and ``notebooks/``; else the checkout this package was installed
    from (``pip install -e``), so ``csperf review`` works from any folder; else ``start``.
    """
    env = os.environ.get("CSPERF_HOME")
    if env:
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    package = Path(__file__).resolve().parent
    for base in (here, package):
        for folder in (base, *base.parents):
            if (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir():
                return folder
    return here


def notebooks_dir(root: str | Path | None = None) -> Path:
    """The stage notebooks folder of the project."""
    return project_root(root) / "notebooks"


def demo_config_path(root: str | Path | None = None) -> Path:
    """The bundled demo data's ``review.yaml``."""
    return project_root(root) / DEMO_SUBDIR / "review.yaml"


def default_store_url(config_path: str | Path, root: str | Path | None = None) -> str:
    """The default processed store: a DuckDB file under ``data/processed/`` named after the config:
    its folder and file name for a reader, then the first 8 hex digits of SHA-256 of its absolute
    path, so two configs never share a store even when their folders have the same name
    (``demo/review.yaml`` here and ``data/raw/demo/review.yaml`` there)."""
    config_path = Path(config_path).resolve()
    stem = f"{config_path.parent.name}_{config_path.stem}".strip("_") or "review"
    digest = hashlib.sha256(str(config_path).encode("utf-8")).hexdigest()[:8]
    path = project_root(root) / "data" / "processed" / f"{stem}-{digest}.duckdb"
    return f"duckdb://{path}"
