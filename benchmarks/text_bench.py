"""Text processing throughput: redaction, codebook coding and sentiment of 100k comments end to end.

Target (qualitative issue): at least 5,000 comments per second with the default (VADER) model on a
2-core machine. Two corpora, because de-duplication is part of the pipeline and real comment
streams repeat themselves ("Great service"): *distinct* — nearly every comment different (phrases
from the demo's banks combined at random with order numbers, amounts and occasional personal data);
*repetitive* — comments drawn from a small pool, as in the demo's survey export.

Run on its own: ``python benchmarks/text_bench.py [--comments 100000]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from csperf_lib.ingest.demo_scenario import COMPLAINT, MIXED, PRAISE

PII = (" Call me on 07700 900{n:03d}.", " Email jo{n}@example.com.", " Postcode SW1A 2AA.", "")


def corpus(n: int, *, distinct: bool = True, random_state: int = 0) -> pd.Series:
    """``n`` comments built from the demo's phrase banks (see module docstring)."""

    rng = np.random.default_rng(random_state)
    phrases = [p for bank in (PRAISE, COMPLAINT) for texts in bank.values() for p in texts] + list(MIXED)
    phrases = np.asarray(phrases, dtype=object)
    if not distinct:
        return pd.Series(rng.choice(phrases, size=n), dtype="string")
    first = rng.choice(phrases, size=n)
    second = rng.choice(phrases, size=n)
    two = rng.random(n) < 0.5
    order = rng.integers(10_000, 99_999, size=n)
    amount = rng.integers(5, 500, size=n)
    pii = rng.choice(len(PII), size=n, p=(0.01, 0.01, 0.01, 0.97))
    texts = [
        f"{a}{' ' + b if t else ''} Order {o}, £{m}.{PII[p].format(n=o % 1000)}"
        for a, b, t, o, m, p in zip(first, second, two, order, amount, pii, strict=True)
    ]
    return pd.Series(texts, dtype="string")


def benchmark_text(n: int = 100_000, *, model: str = "vader") -> pd.DataFrame:
    """Seconds per step and comments per second, for both corpora."""
    from csperf_lib.methods.sentiment import score_sentiment
    from csperf_lib.methods.text import code_texts, load_codebook, prepare_texts

    codebook = load_codebook()
    score_sentiment(pd.Series(["warm up the analyser"]), model=model)
    rows = []
    for name, distinct in (("distinct", True), ("repetitive", False)):
        texts = corpus(n, distinct=distinct)
        t0 = time.perf_counter()
        redacted = prepare_texts(texts)
        t1 = time.perf_counter()
        code_texts(redacted, codebook=codebook)
        t2 = time.perf_counter()
        score_sentiment(redacted, model=model)
        t3 = time.perf_counter()
        rows.append(
            {
                "corpus": name,
                "comments": n,
                "distinct": int(texts.nunique()),
                "redact_s": round(t1 - t0, 2),
                "code_s": round(t2 - t1, 2),
                "sentiment_s": round(t3 - t2, 2),
                "total_s": round(t3 - t0, 2),
                "comments_per_s": int(n / (t3 - t0)),
                "target_per_s": 5000,
                "model": model,
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--model", default="vader")
    args = parser.parse_args(argv)
    print(benchmark_text(args.comments, model=args.model).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
