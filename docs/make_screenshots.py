"""Screenshots of a finished review for the README: ``python docs/make_screenshots.py REPORT_DIR``.

Opens the evidence report at its executive summary and stage 05's page in headless Chromium
(Playwright driving the system's browser, as the browser tests do), and writes
``docs/img/evidence_report.png`` and ``docs/img/stage_page.png`` (8-bit palette PNGs).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from csperf_lib.report.images import compact_png
from csperf_lib.report.pdf import CHROMIUM_FLAGS, find_chromium

OUT = Path(__file__).resolve().parent / "img"
SHOTS = (("evidence_report.html", "Executive-summary", "evidence_report.png"),
         ("05_benchmarks.html", "", "stage_page.png"))


def main(report_dir: str) -> None:
    folder = Path(report_dir).resolve()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_FLAGS))
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        for name, anchor, png in SHOTS:
            page.goto((folder / name).as_uri() + (f"#{anchor}" if anchor else ""), wait_until="load")
            page.wait_for_timeout(200)
            shot = page.screenshot(full_page=False)
            (OUT / png).write_bytes(compact_png(shot))
            print(OUT / png, len(io.BytesIO((OUT / png).read_bytes()).getvalue()) // 1000, "kB")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1])
