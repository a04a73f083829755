"""How much real customer text the bundled codebook themes cover, and how much more the candidate
themes discovered in the rest would cover (never asserted here; the README quotes the figures).

Usage::

    python benchmarks/theme_coverage.py        # the text sets under ../shared/real-data

Sets (read as the example configs read them, texts redacted and prepared as the review does):
the CFPB consumer-complaint narratives (``cfpb_complaints/complaints_sample.csv``, column
"Consumer complaint narrative"), the Amazon Alexa reviews (``amazon_alexa_reviews/amazon_alexa.tsv``,
"verified_reviews"): texts customers wrote themselves. Coverage counts each text as delivered (duplicates included); candidates count a
text only where at least half its topic weight is on one candidate
(:func:`csperf_lib.methods.text.coverage_with_candidates`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from csperf_lib.methods.text import code_texts, load_codebook, prepare_texts  # noqa: E402
from csperf_lib.methods.theme_discovery import coverage_with_candidates, discover_themes  # noqa: E402

DATA = ROOT.parent / "shared" / "real-data"
SETS = {  # name: (path, separator, text column, stray lines above the header)
    "CFPB complaint narratives": ("cfpb_complaints/complaints_sample.csv", ",", "Consumer complaint narrative", 2),
    "Amazon Alexa reviews": ("amazon_alexa_reviews/amazon_alexa.tsv", "\t", "verified_reviews", 0),
}


def measure(texts: pd.Series) -> dict:
    prepared = prepare_texts(texts)
    prepared = prepared[prepared.notna()].reset_index(drop=True)
    coded = code_texts(prepared, codebook=load_codebook())
    uncoded = prepared[coded["n_themes"].to_numpy() == 0]
    found = discover_themes(uncoded, random_state=0)
    return {**coverage_with_candidates(prepared, coded, found), "candidate_themes": len(found.candidates)}


def main() -> int:
    rows = []
    for name, (path, sep, column, skip) in SETS.items():
        file = DATA / path
        if not file.is_file():
            print(f"{name}: {file} not found, skipped")
            continue
        frame = pd.read_csv(file, sep=sep, dtype=str, encoding="utf-8-sig", skiprows=skip,
                            usecols=lambda c, wanted=column: c.strip() == wanted)
        got = measure(frame.iloc[:, 0])
        rows.append({"set": name, "texts": got["texts"], "codebook": f"{got['coded_share']:.0%}",
                     "candidates": got["candidate_themes"], "candidates add": f"{got['candidate_share']:.0%}",
                     "covered": f"{got['covered_share']:.0%}"})
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
