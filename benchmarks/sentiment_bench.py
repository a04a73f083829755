"""Quality and speed of each sentiment option on real, labelled customer text (never asserted here).

Usage::

    python benchmarks/sentiment_bench.py                 # Alexa reviews from ../shared/real-data
    python benchmarks/sentiment_bench.py --size 100000   # also the speed on 100k comments
    python benchmarks/sentiment_bench.py --train-head vaderSentiment-3.3.2.tar.gz
        # retrain csperf_lib/data/sentiment/wordllama_head.npz (see csperf_lib.methods.sentiment_training.train_head)

Evaluation set: the Amazon Alexa reviews (``amazon_alexa_reviews/amazon_alexa.tsv`` under
``../shared/real-data`` relative to the project root: 3,150 rows, tab-separated, UTF-8 with BOM,
CRLF). Labels come from the customer's own stars: 1–2 negative, 3 neutral, 4–5 positive. Blank
reviews (empty or whitespace-only text) are dropped, since there is nothing to score. Duplicate
rows are *kept* in the main evaluation (each row is a review as delivered, and short reviews such
as "Love it!" legitimately repeat); the table also shows every option on the de-duplicated rows.
No option was trained or tuned on this file.

Options: ``vader`` (plain VADER 3.3.2, Hutto & Gilbert 2014), ``vader+cs`` (the default: VADER
with csperf's customer-service adjustment) and ``wordllama`` (the optional ``csperf[sentiment]``
extra; skipped with a note when not installed). Throughput times only the scoring call
(:func:`csperf_lib.methods.sentiment.score_sentiment`, after one warm-up call that loads the model):
"all" is rows per second through ``score_sentiment`` (which scores each distinct text once),
"unique" is distinct texts per second. ``--size N`` adds the speed on N comments built from the
reviews, once with every comment distinct (a reference number appended: the worst case) and once
as drawn (repeats allowed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ALEXA = ROOT.parent / "shared" / "real-data" / "amazon_alexa_reviews" / "amazon_alexa.tsv"
OPTIONS = (("vader", "vader", False), ("vader+cs", "vader", True), ("wordllama", "wordllama", True))


def _table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    line = "| " + " | ".join(c.ljust(widths[c]) for c in columns) + " |"
    rule = "|-" + "-|-".join("-" * widths[c] for c in columns) + "-|"
    body = [
        "| " + " | ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) + " |" for r in rows
    ]
    return "\n".join([line, rule, *body])


def load_alexa(path: Path | str = ALEXA) -> tuple[pd.DataFrame, dict[str, int]]:
    """The Alexa reviews with a ``band`` label; blank reviews dropped.

    Returns the non-blank rows (duplicates kept, original row order) with columns ``rating``,
    ``text``, ``band``, ``duplicate`` (True for the second and later copies of an identical row),
    and the counts of what was read and dropped.
    """
    raw = pd.read_csv(path, sep="\t", encoding="utf-8-sig", dtype={"verified_reviews": str})
    text = raw["verified_reviews"]
    blank = text.isna() | (text.fillna("").str.strip() == "")
    kept = raw.loc[~blank]
    frame = pd.DataFrame(
        {
            "rating": kept["rating"].astype(int),
            "text": kept["verified_reviews"],
            "duplicate": kept.duplicated(keep="first"),
        },
        index=kept.index,
    )
    frame["band"] = np.select(
        [frame["rating"] <= 2, frame["rating"] == 3], ["negative", "neutral"], "positive"
    )
    info = {
        "rows read": len(raw),
        "blank or missing review (dropped)": int(blank.sum()),
        "of which missing": int(text.isna().sum()),
        "duplicate rows among the rest (kept)": int(frame["duplicate"].sum()),
        "evaluated": len(frame),
        "distinct texts": int(frame["text"].nunique()),
    }
    return frame, info


def _available(model: str) -> str | None:
    """None when the model can run, else the reason it cannot."""
    from csperf_lib.core.errors import CsperfError
    from csperf_lib.methods.sentiment import score_sentiment

    try:
        score_sentiment(pd.Series(["warm up"]), model=model)
    except CsperfError as exc:
        return str(exc)
    return None


def _metrics(band: np.ndarray, label: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    labels = ["negative", "neutral", "positive"]
    per = f1_score(band, label, labels=labels, average=None, zero_division=0)
    return {
        "accuracy": float(accuracy_score(band, label)),
        "macro_f1": float(f1_score(band, label, labels=labels, average="macro", zero_division=0)),
        **{f"f1_{c}": float(v) for c, v in zip(labels, per, strict=True)},
    }


def _rate(texts: pd.Series, model: str, adjust: bool, repeats: int = 3) -> float:
    """Best-of-``repeats`` rows per second of ``score_sentiment`` on ``texts``."""
    from csperf_lib.methods.sentiment import score_sentiment

    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        score_sentiment(texts, model=model, adjust=adjust)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def benchmark_sentiment(
    path: Path | str = ALEXA, *, size: int | None = None, repeats: int = 3
) -> pd.DataFrame:
    """Evaluate every available option on the Alexa reviews.

    Parameters
    ----------
    path : path to ``amazon_alexa.tsv``.
    size : int, optional
        Also time ``size`` comments built from the reviews (distinct, and as drawn).
    repeats : int
        Timing repeats (best is kept).

    Returns
    -------
    pandas.DataFrame
        One row per (option, evaluated rows): ``model``, ``rows`` ("all non-blank, duplicates
        kept" or "de-duplicated"), ``n``, ``accuracy``, ``macro_f1``, ``f1_negative``,
        ``f1_neutral``, ``f1_positive``, ``per_s_all``, ``per_s_unique`` and, with ``size``,
        ``per_s_size_distinct`` and ``per_s_size_drawn``; ``note`` says why an option was skipped.
        Empty (with ``attrs["skipped"]`` saying why) when the file is absent.
    """
    from csperf_lib.methods.sentiment import score_sentiment

    path = Path(path)
    if not path.is_file():
        out = pd.DataFrame()
        out.attrs["skipped"] = f"{path} not found: the Alexa benchmark needs ../shared/real-data"
        return out
    frame, info = load_alexa(path)
    texts = frame["text"]
    unique = pd.Series(texts.unique())
    if size:
        rng = np.random.default_rng(7)
        drawn = texts.to_numpy()[rng.integers(0, len(texts), size)]
        size_drawn = pd.Series(drawn)
        size_distinct = pd.Series([f"{t} (ref {i})" for i, t in enumerate(drawn)])
    rows = []
    for name, model, adjust in OPTIONS:
        reason = _available(model)
        if reason:
            rows.append({"model": name, "note": f"skipped: {reason}"})
            continue
        scored = score_sentiment(texts, model=model, adjust=adjust)
        label = scored["label"].astype(str).to_numpy()
        speed = {
            "per_s_all": _rate(texts, model, adjust, repeats),
            "per_s_unique": _rate(unique, model, adjust, repeats),
        }
        if size:
            speed["per_s_size_distinct"] = _rate(size_distinct, model, adjust, 1)
            speed["per_s_size_drawn"] = _rate(size_drawn, model, adjust, 1)
        for rows_name, mask in (
            ("all non-blank, duplicates kept", np.ones(len(frame), dtype=bool)),
            ("de-duplicated", ~frame["duplicate"].to_numpy()),
        ):
            rows.append(
                {
                    "model": name,
                    "rows": rows_name,
                    "n": int(mask.sum()),
                    **_metrics(frame["band"].to_numpy()[mask], label[mask]),
                    **speed,
                    "note": "",
                }
            )
    out = pd.DataFrame(rows)
    out.attrs["data"] = info
    out.attrs["reference_vadersentiment_per_s"] = _reference_rate(unique.tolist())
    return out


def _reference_rate(texts: list[str]) -> float:
    """Texts per second of the reference implementation, ``vaderSentiment``'s ``polarity_scores``."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    start = time.perf_counter()
    for text in texts:
        analyzer.polarity_scores(text)
    return len(texts) / (time.perf_counter() - start)


def _print(result: pd.DataFrame) -> None:
    if "skipped" in result.attrs:
        print(f"sentiment benchmark skipped: {result.attrs['skipped']}")
        return
    print("## Sentiment on the Amazon Alexa reviews (1-2 negative, 3 neutral, 4-5 positive)\n")
    for k, v in result.attrs["data"].items():
        print(f"- {k}: {v:,}")
    shown = []
    for r in result.to_dict("records"):
        if isinstance(r.get("note"), str) and r["note"].startswith("skipped"):
            shown.append({"model": r["model"], "rows": r["note"]})
            continue
        row = {
            "model": r["model"],
            "rows": r["rows"],
            "n": f"{r['n']:,}",
            "accuracy": f"{r['accuracy']:.3f}",
            "macro-F1": f"{r['macro_f1']:.3f}",
            "F1 neg": f"{r['f1_negative']:.3f}",
            "F1 neu": f"{r['f1_neutral']:.3f}",
            "F1 pos": f"{r['f1_positive']:.3f}",
            "comments/s (all)": f"{r['per_s_all']:,.0f}",
            "texts/s (unique)": f"{r['per_s_unique']:,.0f}",
        }
        if "per_s_size_distinct" in r and pd.notna(r.get("per_s_size_distinct")):
            row["comments/s (size, distinct)"] = f"{r['per_s_size_distinct']:,.0f}"
            row["comments/s (size, drawn)"] = f"{r['per_s_size_drawn']:,.0f}"
        shown.append(row)
    columns = list(dict.fromkeys(c for r in shown for c in r))
    print()
    print(_table(shown, columns))
    print(
        "\nReference: vaderSentiment's own polarity_scores runs at "
        f"{result.attrs['reference_vadersentiment_per_s']:,.0f} texts/s on the same distinct texts."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--path", type=Path, default=ALEXA, help="amazon_alexa.tsv")
    parser.add_argument("--size", type=int, default=None, help="also time this many comments")
    parser.add_argument("--repeats", type=int, default=3, help="timing repeats (best kept)")
    parser.add_argument(
        "--train-head",
        type=Path,
        default=None,
        metavar="SOURCE",
        help="retrain the wordllama head from vaderSentiment-3.3.2.tar.gz (or its ground-truth folder)",
    )
    args = parser.parse_args(argv)
    if args.train_head:
        from csperf_lib.methods import sentiment, sentiment_training

        head = sentiment_training.train_head(args.train_head)
        sentiment._HEAD_FILE.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(sentiment._HEAD_FILE, **head)
        print(f"wrote {sentiment._HEAD_FILE}")
        return 0
    _print(benchmark_sentiment(args.path, size=args.size, repeats=args.repeats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
