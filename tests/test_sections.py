"""Every report section findings link to exists as a heading of its stage notebook."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from csperf_lib.core.sections import SECTIONS, anchor_id, section_link


def _headings(stage: str) -> set[str]:
    nb = json.loads((ROOT / "notebooks" / f"{stage}.ipynb").read_text(encoding="utf-8"))
    out = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("#"):
                    out.add(line.lstrip("#").strip())
    return out


@pytest.mark.parametrize("key", sorted(SECTIONS))
def test_every_section_is_a_heading_of_its_stage(key):
    stage, heading = SECTIONS[key]
    assert heading in _headings(stage), (key, stage, heading)


def test_links_use_nbconverts_anchor():
    assert anchor_id("Biggest gaps, ranked by impact") == "Biggest-gaps,-ranked-by-impact"
    assert section_link("gaps") == "05_benchmarks.html#Biggest-gaps,-ranked-by-impact"
