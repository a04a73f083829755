"""Shared fixtures: paths to ../shared (tests skip with a reason when it is absent) and small sources."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CSPERF_SHARED", ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or skip the test saying what is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared real/reference data is not beside this checkout")
    return path


@pytest.fixture
def write_yaml(tmp_path):
    """Write a review.yaml into tmp_path and return its path."""

    def _write(text: str, name: str = "review.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
