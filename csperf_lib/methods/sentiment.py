r"""Sentiment of customer comments, and how far it agrees with the customer's own rating.

Public API
----------
- :func:`score_sentiment` — score every comment: ``compound`` on −1…1 and a three-way ``label``.
- :func:`sentiment_vs_rating` — the honesty check: confusion table of the sentiment label against
  the respondent's own rating band, accuracy, macro-F1, Cohen's κ, Spearman ρ with its interval
  and a one-sentence verdict (:class:`SentimentCheck`).
- :func:`sentiment_by` — per segment or theme: mean compound with a t interval and the shares
  negative / positive with Wilson intervals.
- :data:`csperf_lib.methods.sentiment_rules.CS_RULES` — the customer-service adjustment, one entry
  per rule with its reason.

Models
------
``"vader"`` (default, no extra dependency)
    VADER, the lexicon- and rule-based model of Hutto & Gilbert (2014), with its human-rated
    lexicon from the ``vaderSentiment`` wheel, plus the customer-service adjustment below
    (``adjust=True``). The scoring engine here is a re-implementation of ``vaderSentiment`` 3.3.2's
    ``polarity_scores(...)["compound"]`` that gives the *same* number for every text (the tests
    check it on a seeded set of adversarial sentences) but is about four times faster on
    comment-length text: the original lower-cases the whole comment once per word and scans it
    character by character for emoji. Identical texts are scored once.

``"wordllama"`` (optional extra ``csperf[sentiment]``)
    Mean-pooled WordLlama token embeddings (``l2_supercat``, 256 dimensions, whose weights ship
    inside the ``wordllama`` wheel: nothing is downloaded), scaled to unit length, plus the
    adjusted VADER compound, fed to a ridge-regression head that predicts the mean human rating.
    The head (``data/sentiment/wordllama_head.npz``, a few kB) was trained by :func:`csperf_lib.methods.sentiment_training.train_head` on the four human-rated ground-truth sets that
    Hutto & Gilbert (2014) published with VADER and that ship in the ``vaderSentiment`` 3.3.2
    source distribution (MIT licence): 4,200 tweets, 10,605 movie-review snippets, 5,190 New
    York Times editorial snippets and 3,708 Amazon product-review snippets, each rated by 20
    people on −4…+4. Never trained or tuned on the Amazon Alexa reviews used to evaluate it.

Labels and thresholds
---------------------
For VADER the label follows the authors' published convention (Hutto & Gilbert 2014; the
``vaderSentiment`` README):

.. math::

    \text{label} = \begin{cases}
        \text{positive} & \text{compound} \ge 0.05\\
        \text{negative} & \text{compound} \le -0.05\\
        \text{neutral}  & \text{otherwise}
    \end{cases}

where :math:`\text{compound} = x/\sqrt{x^2 + 15}` and :math:`x` is the sum of the rule-adjusted
valences of the comment's words (plus punctuation emphasis). For ``"wordllama"`` the compound is
the head's prediction of the mean human rating divided by 4 (so on −1…1 like VADER's, clipped),
labelled with the same thresholds, as Hutto & Gilbert labelled their ground truth.

Measured quality
----------------
A lexicon model is weak on customer text, and so is everything else that runs offline here. On
the 3,070 non-blank Amazon Alexa reviews (labels from the customer's stars: 1–2 negative,
3 neutral, 4–5 positive; duplicates kept; ``benchmarks/sentiment_bench.py``; 2 CPU cores):

============  ========  ========  ======  ======  ======  ===============
model         accuracy  macro-F1  F1 neg  F1 neu  F1 pos  comments/second
============  ========  ========  ======  ======  ======  ===============
vader         0.823     0.481     0.434   0.097   0.913   40,000–50,000
vader+cs      0.827     0.495     0.472   0.100   0.914   33,000–42,000
wordllama     0.851     0.534     0.508   0.167   0.927   9,000–11,000
============  ========  ========  ======  ======  ======  ===============

(comments/second through :func:`score_sentiment` on the reviews as delivered, varying with machine
load; on 100,000 all-distinct comments about 30,000 for ``vader+cs`` and 6,000 for ``wordllama``;
the reference ``vaderSentiment`` implementation manages about 11,000.)

None reaches a macro-F1 of 0.70: the three-star "neutral" reviews are mixed or lukewarm rather
than free of sentiment, and many one- and two-star reviews report faults in neutral words. A
sentence-embedding model (all-MiniLM-L6-v2 on torch, from a third-party wheel) with the same
head reached 0.553 at under 100 comments/second, not enough to justify shipping it. Treat labels
as indicative, and read the :func:`sentiment_vs_rating` check before relying on them. :data:`MEASURED` holds the numbers the
tests guard.

References
----------
Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based Model for Sentiment Analysis
of Social Media Text. Eighth International Conference on Weblogs and Social Media (ICWSM-14).

Conventions: data first, options keyword-only; inputs are never mutated; nothing is loaded or
downloaded at import (the lexicon and any model are loaded on first use and kept).
"""

from __future__ import annotations

import functools
import importlib.util
import math
import string
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as st

from csperf_lib.core.errors import CsperfError
from csperf_lib.methods.sentiment_rules import _RULE_TRIGGERS, _apply_cs_rules
from csperf_lib.methods.stats import t_interval, wilson_interval

__all__ = [
    "EXTRAS",
    "LABELS",
    "MEASURED",
    "MODELS",
    "NEGATIVE_THRESHOLD",
    "POSITIVE_THRESHOLD",
    "SentimentCheck",
    "customer_labels",
    "rating_band",
    "score_sentiment",
    "sentiment_by",
    "sentiment_vs_rating",
]

#: The three labels, in order.
LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")
#: VADER's published thresholds on the compound score (Hutto & Gilbert 2014).
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05
#: Models :func:`score_sentiment` accepts.
MODELS: tuple[str, ...] = ("vader", "wordllama")
#: The optional extra that installs each model's dependencies (None: always installed).
EXTRAS: dict[str, str | None] = {"vader": None, "wordllama": "sentiment"}

#: Measured on the Amazon Alexa reviews by ``benchmarks/sentiment_bench.py`` (n = 3,070 non-blank
#: reviews, duplicates kept; labels from stars 1-2 / 3 / 4-5). The tests guard these numbers.
MEASURED: dict[str, dict[str, float]] = {
    "vader": {"n": 3070, "accuracy": 0.823, "macro_f1": 0.481},
    "vader+cs": {"n": 3070, "accuracy": 0.827, "macro_f1": 0.495},
    "wordllama": {"n": 3070, "accuracy": 0.851, "macro_f1": 0.534},
}

_DATA = Path(__file__).resolve().parent.parent / "data" / "sentiment"
_HEAD_FILE = _DATA / "wordllama_head.npz"
_PUNCT = string.punctuation


# --------------------------------------------------------------------------------------------
# VADER, fast and exact
# --------------------------------------------------------------------------------------------


class _Vader:
    """VADER's compound score (``vaderSentiment`` 3.3.2), re-implemented for speed.

    Same lexicon, constants and rules as ``SentimentIntensityAnalyzer.polarity_scores`` (Hutto &
    Gilbert 2014), in the same order, so the compound is identical; the differences are only
    speed: lower-cased tokens computed once per comment rather than once per word, an emoji scan
    that skips comments without any emoji character, and idiom look-ups skipped when no word of
    any idiom is near. Optionally applies :data:`CS_RULES` before the words are summed.
    """

    def __init__(self) -> None:
        try:
            from vaderSentiment import vaderSentiment as vs
        except ImportError as exc:  # a core dependency; only a broken install gets here
            raise CsperfError(
                "Sentiment needs the 'vaderSentiment' package: pip install vaderSentiment"
            ) from exc
        analyzer = vs.SentimentIntensityAnalyzer()
        self.lexicon: dict[str, float] = analyzer.lexicon
        self.emojis: dict[str, str] = analyzer.emojis
        # polarity_scores looks emoji up one character at a time: only 1-character keys can match
        self.emoji_chars = frozenset(k for k in analyzer.emojis if len(k) == 1)
        self.booster: dict[str, float] = vs.BOOSTER_DICT
        self.negate = frozenset(vs.NEGATE)
        self.special: dict[str, float] = vs.SPECIAL_CASES
        self.b_incr, self.c_incr, self.n_scalar = vs.B_INCR, vs.C_INCR, vs.N_SCALAR
        phrases = list(vs.SPECIAL_CASES) + [k for k in vs.BOOSTER_DICT if " " in k]
        self.idiom_words = frozenset(w for p in phrases for w in p.split())

    def _demojize(self, text: str) -> str:
        if self.emoji_chars.isdisjoint(text):
            return text.strip()
        out: list[str] = []
        prev_space = True
        for ch in text:
            if ch in self.emojis:
                if not prev_space:
                    out.append(" ")
                out.append(self.emojis[ch])
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out).strip()

    def _negation(self, valence: float, low: list[str], start_i: int, i: int) -> float:
        negate = self.negate
        if start_i == 0:
            w = low[i - 1]
            if w in negate or "n't" in w:
                valence = valence * self.n_scalar
        elif start_i == 1:
            if low[i - 2] == "never" and (low[i - 1] == "so" or low[i - 1] == "this"):
                valence = valence * 1.25
            elif low[i - 2] == "without" and low[i - 1] == "doubt":
                pass
            else:
                w = low[i - 2]
                if w in negate or "n't" in w:
                    valence = valence * self.n_scalar
        else:
            if (low[i - 3] == "never" and (low[i - 2] == "so" or low[i - 2] == "this")) or (
                low[i - 1] == "so" or low[i - 1] == "this"
            ):
                valence = valence * 1.25
            elif low[i - 3] == "without" and (low[i - 2] == "doubt" or low[i - 1] == "doubt"):
                pass
            else:
                w = low[i - 3]
                if w in negate or "n't" in w:
                    valence = valence * self.n_scalar
        return valence

    def _idioms(self, valence: float, low: list[str], i: int) -> float:
        iw = self.idiom_words
        if not any(w in iw for w in low[max(0, i - 3) : i + 3]):
            return valence  # no idiom can match: skip the string building
        special, booster = self.special, self.booster
        onezero = f"{low[i - 1]} {low[i]}"
        twoonezero = f"{low[i - 2]} {low[i - 1]} {low[i]}"
        twoone = f"{low[i - 2]} {low[i - 1]}"
        threetwoone = f"{low[i - 3]} {low[i - 2]} {low[i - 1]}"
        threetwo = f"{low[i - 3]} {low[i - 2]}"
        for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
            if seq in special:
                valence = special[seq]
                break
        if len(low) - 1 > i:
            zeroone = f"{low[i]} {low[i + 1]}"
            if zeroone in special:
                valence = special[zeroone]
        if len(low) - 1 > i + 1:
            zeroonetwo = f"{low[i]} {low[i + 1]} {low[i + 2]}"
            if zeroonetwo in special:
                valence = special[zeroonetwo]
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in booster:
                valence = valence + booster[n_gram]
        return valence

    def compound(self, text: str, *, adjust: bool = True) -> float:
        """VADER's compound score of one text (rounded to 4 decimals, as VADER does)."""
        text = self._demojize(text)
        raw = text.split()
        words = []
        for tok in raw:
            stripped = tok.strip(_PUNCT)
            words.append(tok if len(stripped) <= 2 else stripped)
        n = len(words)
        if n == 0:
            return 0.0
        allcaps = sum(1 for w in words if w.isupper())
        is_cap_diff = 0 < n - allcaps < n
        low = [w.lower() for w in words]
        lex, booster = self.lexicon, self.booster
        c_incr, n_scalar = self.c_incr, self.n_scalar

        sentiments: list = []
        for i in range(n):
            item = low[i]
            if item in booster:
                sentiments.append(0)
                continue
            if i < n - 1 and item == "kind" and low[i + 1] == "of":
                sentiments.append(0)
                continue
            valence = 0
            if item in lex:
                valence = lex[item]
                if item == "no" and i != n - 1 and low[i + 1] in lex:
                    valence = 0.0
                if (
                    (i > 0 and low[i - 1] == "no")
                    or (i > 1 and low[i - 2] == "no")
                    or (i > 2 and low[i - 3] == "no" and low[i - 1] in ("or", "nor"))
                ):
                    valence = lex[item] * n_scalar
                if is_cap_diff and words[i].isupper():
                    valence = valence + c_incr if valence > 0 else valence - c_incr
                for start_i in range(3):
                    if i > start_i:
                        prev = low[i - (start_i + 1)]
                        if prev not in lex:
                            s = 0.0
                            if prev in booster:
                                s = booster[prev]
                                if valence < 0:
                                    s *= -1
                                if is_cap_diff and words[i - (start_i + 1)].isupper():
                                    s = s + c_incr if valence > 0 else s - c_incr
                            if start_i == 1 and s != 0:
                                s = s * 0.95
                            if start_i == 2 and s != 0:
                                s = s * 0.9
                            valence = valence + s
                            valence = self._negation(valence, low, start_i, i)
                            if start_i == 2:
                                valence = self._idioms(valence, low, i)
                # "least" as negation
                if i > 1 and low[i - 1] not in lex and low[i - 1] == "least":
                    if low[i - 2] != "at" and low[i - 2] != "very":
                        valence = valence * n_scalar
                elif i > 0 and low[i - 1] not in lex and low[i - 1] == "least":
                    valence = valence * n_scalar
            sentiments.append(valence)

        if adjust:
            norms = [w.strip(_PUNCT) for w in low]
            if not _RULE_TRIGGERS.isdisjoint(norms):
                _apply_cs_rules(sentiments, norms, raw, self)

        if "but" in low:  # VADER's contrastive 'but', reproduced exactly (quirks included)
            bi = low.index("but")
            for sentiment in sentiments:
                si = sentiments.index(sentiment)
                if si < bi:
                    sentiments.pop(si)
                    sentiments.insert(si, sentiment * 0.5)
                elif si > bi:
                    sentiments.pop(si)
                    sentiments.insert(si, sentiment * 1.5)

        sum_s = float(sum(sentiments))
        ep_count = min(text.count("!"), 4)
        qm_count = text.count("?")
        qm = 0 if qm_count <= 1 else (qm_count * 0.18 if qm_count <= 3 else 0.96)
        amplifier = ep_count * 0.292 + qm
        if sum_s > 0:
            sum_s += amplifier
        elif sum_s < 0:
            sum_s -= amplifier
        score = sum_s / math.sqrt(sum_s * sum_s + 15)
        score = -1.0 if score < -1.0 else (1.0 if score > 1.0 else score)
        return round(score, 4)


@functools.lru_cache(maxsize=1)
def _vader() -> _Vader:
    return _Vader()


# --------------------------------------------------------------------------------------------
# The optional embedding model
# --------------------------------------------------------------------------------------------

_WORDLLAMA_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
_WORDLLAMA_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")


def _missing_extra(model: str, what: str) -> CsperfError:
    return CsperfError(
        f"model={model!r} needs {what}, which is in the optional extra: "
        f"pip install 'csperf[{EXTRAS[model]}]' (or use the default model='vader')"
    )


@functools.lru_cache(maxsize=1)
def _wordllama() -> tuple[np.ndarray, object]:
    """The WordLlama token-embedding matrix and tokenizer, read from the installed wheel.

    The files are located without importing ``wordllama`` itself (its import configures the root
    logger, and its loader looks in the wrong folder for the bundled tokenizer and then tries to
    download it); nothing is ever downloaded.
    """
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise _missing_extra("wordllama", "the 'wordllama' package")
    try:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise _missing_extra("wordllama", f"the '{exc.name}' package") from exc
    root = Path(list(spec.submodule_search_locations)[0])
    weights, tok_file = root.joinpath(*_WORDLLAMA_WEIGHTS), root.joinpath(*_WORDLLAMA_TOKENIZER)
    if not weights.is_file() or not tok_file.is_file():
        raise CsperfError(
            f"The installed wordllama package lacks its bundled 256-dimension model ({weights.name},"
            f" {tok_file.name}); reinstall it with pip install --force-reinstall 'csperf[sentiment]'"
        )
    matrix = load_file(str(weights))["embedding.weight"].astype(np.float32)
    tokenizer = Tokenizer.from_file(str(tok_file))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return matrix, tokenizer


def _embed(texts: list[str], *, batch_size: int = 2048) -> np.ndarray:
    r"""Mean-pooled WordLlama embeddings :math:`\frac1T\sum_t E[\text{token}_t]` (as
    ``WordLlamaInference.embed(norm=False)``), zero for a text without tokens."""
    matrix, tokenizer = _wordllama()
    out = np.zeros((len(texts), matrix.shape[1]), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        enc = tokenizer.encode_batch(texts[start : start + batch_size], add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in enc), dtype=np.int64, count=len(enc))
        if lengths.sum() == 0:
            continue
        ids = np.concatenate([np.asarray(e.ids, dtype=np.int64) for e in enc])
        np.clip(ids, 0, matrix.shape[0] - 1, out=ids)
        has = lengths > 0
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))[has]
        sums = np.add.reduceat(matrix[ids], offsets, axis=0)
        out[start : start + len(enc)][has] = sums / lengths[has, None]
    return out


def _head_features(texts: list[str]) -> np.ndarray:
    """Features of the embedding head: the unit-length embedding (256 dimensions) and the adjusted
    VADER compound.

    Unit length keeps one- and two-word comments, whose mean embeddings are long, from
    extrapolating to ±1; leave-one-corpus-out cross-validation on the training sets scored it the
    same as the raw mean (macro-F1 0.464 vs 0.468).
    """
    vader = _vader()
    compound = np.fromiter((vader.compound(t) for t in texts), dtype=np.float64, count=len(texts))
    emb = _embed(texts).astype(np.float64)
    norm = np.linalg.norm(emb, axis=1, keepdims=True)
    emb = np.divide(emb, norm, out=np.zeros_like(emb), where=norm > 0)
    return np.hstack([emb, compound[:, None]])


@functools.lru_cache(maxsize=1)
def _head() -> dict[str, np.ndarray]:
    if not _HEAD_FILE.is_file():
        raise CsperfError(f"The sentiment head {_HEAD_FILE} is missing from the installation")
    with np.load(_HEAD_FILE, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _predict_head(texts: list[str]) -> np.ndarray:
    r"""Compound of the ridge head, :math:`\operatorname{clip}(w^\top \frac{x-\mu}{\sigma} + b,
    -1, 1)`: the predicted mean human rating / 4 (see :func:`csperf_lib.methods.sentiment_training.train_head`)."""
    head = _head()
    x = (_head_features(texts) - head["mean"]) / head["scale"]
    return np.clip(x @ head["coef"] + float(head["intercept"]), -1.0, 1.0)


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


def _labels_from_compound(compound: np.ndarray) -> np.ndarray:
    """Index into :data:`LABELS` by VADER's ±0.05 convention; -1 where compound is NaN."""
    idx = np.where(
        compound >= POSITIVE_THRESHOLD, 2, np.where(compound <= NEGATIVE_THRESHOLD, 0, 1)
    )
    return np.where(np.isnan(compound), -1, idx)


def score_sentiment(texts, *, model: str = "vader", adjust: bool = True) -> pd.DataFrame:
    r"""Score the sentiment of each comment.

    Parameters
    ----------
    texts : pandas.Series or iterable of str
        The comments. Missing values (None, NaN, NA) and blank strings are "no comment" and get
        no score. Non-string values are converted with ``str``.
    model : {"vader", "wordllama"}, keyword-only
        ``"vader"`` (default): VADER (Hutto & Gilbert 2014) with the customer-service adjustment
        :data:`CS_RULES`; label by the published thresholds, positive if compound ≥ 0.05,
        negative if ≤ −0.05, else neutral. ``"wordllama"``: embedding + ridge head trained on
        VADER's human-rated sentences (optional extra ``csperf[sentiment]``); compound is the
        predicted mean human rating / 4, labelled with the same thresholds.
    adjust : bool, keyword-only
        Apply :data:`CS_RULES` (default True). ``False`` gives plain VADER 3.3.2, identical to
        ``SentimentIntensityAnalyzer().polarity_scores(text)["compound"]``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``texts``, with columns

        - ``compound`` (float, −1…1; NaN where there is no comment),
        - ``label`` (categorical over :data:`LABELS`; NA where there is no comment),
        - ``model`` (str): ``"vader+cs"``, ``"vader"`` or ``"wordllama"``.

    Raises
    ------
    CsperfError
        Unknown model, or ``"wordllama"`` without the optional extra installed.

    Notes
    -----
    Each distinct comment is scored once (``pandas.factorize``), so repeated comments cost
    nothing; the analyzer and any model are loaded once per process on first use.

    Examples
    --------
    >>> score_sentiment(pd.Series(["Could not be happier!", None, "Still broken."]))["label"].tolist()
    ['positive', nan, 'negative']
    """
    if model not in MODELS:
        raise CsperfError(f"Unknown sentiment model {model!r}; choose one of {', '.join(MODELS)}")
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    strings = [u if isinstance(u, str) else str(u) for u in uniques]
    keep = np.array([bool(s.strip()) for s in strings], dtype=bool)
    compound_u = np.full(len(strings), np.nan)
    label_u = np.full(len(strings), -1, dtype=np.int64)
    todo = [s for s, k in zip(strings, keep, strict=True) if k]
    if model == "vader":
        vader = _vader()
        compound_u[keep] = [vader.compound(s, adjust=adjust) for s in todo]
        label_u = _labels_from_compound(compound_u)
        name = "vader+cs" if adjust else "vader"
    else:
        if todo:
            compound_u[keep] = _predict_head(todo)
        label_u = _labels_from_compound(compound_u)
        name = "wordllama"
    present = codes >= 0
    compound = np.full(len(series), np.nan)
    compound[present] = compound_u[codes[present]]
    label_codes = np.full(len(series), -1, dtype=np.int64)
    label_codes[present] = label_u[codes[present]]
    return pd.DataFrame(
        {
            "compound": compound,
            "label": pd.Categorical.from_codes(label_codes, categories=list(LABELS)),
            "model": name,
        },
        index=series.index,
    )


# --------------------------------------------------------------------------------------------
# The honesty check: sentiment against the customer's own rating
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentimentCheck:
    r"""Agreement of comment sentiment with the respondent's own rating (the honesty check).

    Attributes
    ----------
    confusion : pandas.DataFrame
        Counts; rows are the rating band (negative / neutral / positive), columns the predicted
        label, both in the order of :data:`LABELS`.
    n : int
        Comments with both a label and a rating on the scale.
    accuracy : float
        Share of comments whose label equals their rating band.
    macro_f1 : float
        Unweighted mean of the per-class F1 (``sklearn.metrics.f1_score(average="macro")``)
        over the bands present.
    f1 : dict
        F1 per band.
    recall : dict
        Share of each band's comments given that band's label.
    kappa : float
        Cohen's κ between label and band (agreement beyond chance).
    spearman : float
        Spearman's ρ between compound and the rating itself.
    spearman_low, spearman_high : float
        Its interval: Fisher z with the Bonett & Wright (2000) standard error
        :math:`\sqrt{(1+\rho^2/2)/(n-3)}`.
    confidence : float
        Two-sided level of that interval.
    model : str
        The model that scored the comments.
    verdict : str
        One plain-English sentence for the report.
    """

    confusion: pd.DataFrame
    n: int
    accuracy: float
    macro_f1: float
    f1: dict[str, float] = field(default_factory=dict)
    recall: dict[str, float] = field(default_factory=dict)
    kappa: float = float("nan")
    spearman: float = float("nan")
    spearman_low: float = float("nan")
    spearman_high: float = float("nan")
    confidence: float = 0.95
    model: str = ""
    verdict: str = ""


def rating_band(ratings, *, scale: tuple[float, float] = (1, 5)) -> pd.Series:
    """Band of each rating: below the scale's midpoint negative, at it neutral, above positive.

    On 1–5: 1–2 negative, 3 neutral, 4–5 positive. A rating off the scale (or missing) gets NA.
    An even-length scale such as 1–4 has no neutral band.

    Parameters
    ----------
    ratings : pandas.Series or array_like
        Numeric ratings.
    scale : (low, high), keyword-only
        The rating scale, inclusive.

    Returns
    -------
    pandas.Series
        Categorical over :data:`LABELS`, indexed like ``ratings``.
    """
    lo, hi = scale
    if not lo < hi:
        raise CsperfError(f"scale must be (low, high) with low < high, got {scale!r}")
    r = ratings if isinstance(ratings, pd.Series) else pd.Series(ratings)
    values = pd.to_numeric(r, errors="coerce").to_numpy(dtype=float)
    mid = (lo + hi) / 2
    code = np.where(values < mid, 0, np.where(values > mid, 2, 1))
    code = np.where(np.isnan(values) | (values < lo) | (values > hi), -1, code)
    return pd.Series(pd.Categorical.from_codes(code, categories=list(LABELS)), index=r.index)


def customer_labels(scored: pd.DataFrame, ratings, *, scale: tuple[float, float] = (1, 5)) -> pd.DataFrame:
    """The sentiment to report for each comment: the customer's own rating where there is one,
    the model's label only where there is not.

    A model reads words; a rating is what the customer said about the service, so where both
    exist the rating wins (its band, :func:`rating_band`). The model's label is kept beside it
    (and :func:`sentiment_vs_rating` shows how far the two agree).

    Parameters
    ----------
    scored : pandas.DataFrame
        :func:`score_sentiment` output (``compound``, ``label``).
    ratings : pandas.Series or array_like
        The customer's rating of each comment (NaN where none), aligned with ``scored``.
    scale : (low, high), keyword-only
        The rating scale.

    Returns
    -------
    pandas.DataFrame
        A copy of ``scored`` with ``label`` (the rating band where rated, else the model's),
        ``model_label`` (the model's) and ``label_source`` (``"customer rating"`` or ``"model"``).
    """
    band = rating_band(pd.Series(np.asarray(ratings, dtype=object), index=scored.index), scale=scale)
    rated = band.notna().to_numpy()
    out = scored.copy()
    out["model_label"] = scored["label"].astype(object).to_numpy()
    out["label"] = np.where(rated, band.astype(object).to_numpy(), out["model_label"].to_numpy())
    out["label_source"] = np.where(rated, "customer rating", "model")
    return out


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def _spearman_interval(x: np.ndarray, y: np.ndarray, *, confidence: float) -> tuple[float, float, float]:
    """Spearman's rho with the Fisher-z interval using Bonett & Wright's (2000, *Psychometrika*
    65:23-28) standard error :math:`\\sqrt{(1 + \rho^2/2)/(n - 3)}`; NaN with fewer than four
    pairs or no variation."""
    n = len(x)
    rho = lo = hi = float("nan")
    if n >= 4 and np.ptp(y) > 0 and np.ptp(x) > 0:
        rho = float(st.spearmanr(x, y).statistic)
        if abs(rho) < 1:
            z = st.norm.ppf(0.5 + confidence / 2)
            se = math.sqrt((1 + rho * rho / 2) / (n - 3))
            lo, hi = math.tanh(math.atanh(rho) - z * se), math.tanh(math.atanh(rho) + z * se)
        else:
            lo = hi = rho
    return rho, lo, hi


def _check_verdict(confusion: pd.DataFrame, *, accuracy: float, macro_f1: float, recall: dict[str, float],
                   n: int) -> str:
    """The honesty check in one sentence, naming the rating band the model misses most."""
    present = list(recall)
    verdict = (
        f"Sentiment agrees with the customer's own rating on {accuracy:.0%} of comments "
        f"(macro-F1 {macro_f1:.2f}, n = {_fmt_int(n)})"
    ).replace("%", " %")
    worst = min(present, key=lambda c: recall[c])
    if len(present) > 1 and recall[worst] < 0.5:
        row = confusion.loc[worst].drop(worst)
        verdict += (
            f"; it misses most {worst} ratings ({recall[worst]:.0%} recognised, most read as "
            f"{row.idxmax()})."
        ).replace("%", " %")
    elif len(present) > 1:
        verdict += "; it recognises at least half of every rating band."
    else:
        verdict += "."
    return verdict


def sentiment_vs_rating(
    scored: pd.DataFrame, ratings, *, scale: tuple[float, float] = (1, 5), confidence: float = 0.95
) -> SentimentCheck:
    r"""How far comment sentiment agrees with the respondent's own rating.

    Each comment's label is compared with the band of the rating the same respondent gave
    (:func:`rating_band`: on 1–5, 1–2 negative, 3 neutral, 4–5 positive). Only rows with both a
    label and an on-scale rating count. Accuracy is :math:`\frac1n\sum 1[\hat y_i = y_i]`;
    macro-F1 the unweighted mean over bands of :math:`F_1 = 2PR/(P+R)`; Cohen's κ
    :math:`=(p_o-p_e)/(1-p_e)` (Cohen 1960); Spearman's ρ correlates compound with the raw
    rating, with a Fisher-z interval :math:`\tanh(\operatorname{atanh}\rho \pm z\,\mathrm{SE})`,
    :math:`\mathrm{SE}=\sqrt{(1+\rho^2/2)/(n-3)}` (Bonett & Wright 2000, Psychometrika 65:23–28).

    Parameters
    ----------
    scored : pandas.DataFrame
        Output of :func:`score_sentiment`.
    ratings : pandas.Series or array_like
        The respondent's rating for each row of ``scored``; a Series is aligned on the index.
    scale : (low, high), keyword-only
        The rating scale (default 1–5).
    confidence : float, keyword-only
        Level of the Spearman interval (default 0.95).

    Returns
    -------
    SentimentCheck
        Confusion table, accuracy, macro-F1, per-band F1 and recall, κ, ρ with its interval, n and
        a one-sentence verdict. With no usable rows every metric is NaN and the verdict says so.
    """
    from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score, recall_score

    if not 0 < confidence < 1:
        raise CsperfError(f"confidence must be in (0, 1), got {confidence!r}")
    if isinstance(ratings, pd.Series):
        r = ratings.reindex(scored.index)
    else:
        r = pd.Series(np.asarray(ratings), index=scored.index)
    band = rating_band(r, scale=scale)
    ok = band.notna().to_numpy() & scored["label"].notna().to_numpy()
    y, p = band[ok].astype(str).to_numpy(), scored["label"][ok].astype(str).to_numpy()
    n = int(ok.sum())
    confusion = pd.DataFrame(
        pd.crosstab(
            pd.Categorical(y, categories=list(LABELS)),
            pd.Categorical(p, categories=list(LABELS)),
            dropna=False,
        )
        .reindex(index=list(LABELS), columns=list(LABELS), fill_value=0)
        .to_numpy(),
        index=pd.Index(list(LABELS), name="rating band"),
        columns=pd.Index(list(LABELS), name="sentiment"),
    )
    model = str(scored["model"].iloc[0]) if len(scored) and "model" in scored else ""
    if n == 0:
        nan = float("nan")
        return SentimentCheck(confusion, 0, nan, nan, {}, {}, nan, nan, nan, nan, confidence, model,
                              "No comment has both a sentiment and a rating, so agreement cannot be checked.")
    present = [c for c in LABELS if (y == c).any()]
    accuracy = float(accuracy_score(y, p))
    macro_f1 = float(f1_score(y, p, labels=present, average="macro", zero_division=0))
    f1 = dict(
        zip(
            present,
            map(float, f1_score(y, p, labels=present, average=None, zero_division=0)),
            strict=True,
        )
    )
    recall = dict(
        zip(
            present,
            map(float, recall_score(y, p, labels=present, average=None, zero_division=0)),
            strict=True,
        )
    )
    kappa = float(cohen_kappa_score(y, p)) if len(set(y) | set(p)) > 1 else float("nan")
    rating_values = pd.to_numeric(r[ok], errors="coerce").to_numpy(dtype=float)
    compound = scored["compound"][ok].to_numpy(dtype=float)
    rho, lo, hi = _spearman_interval(compound, rating_values, confidence=confidence)
    verdict = _check_verdict(confusion, accuracy=accuracy, macro_f1=macro_f1, recall=recall, n=n)
    return SentimentCheck(
        confusion, n, accuracy, macro_f1, f1, recall, kappa, rho, lo, hi, confidence, model, verdict
    )


# --------------------------------------------------------------------------------------------
# Per segment or theme
# --------------------------------------------------------------------------------------------


def sentiment_by(
    scored: pd.DataFrame, frame: pd.DataFrame, *, by, confidence: float = 0.95
) -> pd.DataFrame:
    r"""Sentiment per segment or theme, with intervals.

    For each group: ``n`` scored comments; ``mean_compound`` with a Student-t interval
    :math:`\bar c \pm t_{1-\alpha/2,n-1}\,s/\sqrt n`; ``share_negative`` and ``share_positive``
    (label shares) with Wilson score intervals (Wilson 1927), both from :mod:`csperf_lib.methods.stats`.
    Comments without a score are left out.

    Parameters
    ----------
    scored : pandas.DataFrame
        Output of :func:`score_sentiment`.
    frame : pandas.DataFrame
        The grouping columns, aligned with ``scored`` on the index. For themes, pass one row per
        (comment, theme), e.g. an exploded coding table whose index repeats the comment's index
        (then ``scored`` is either indexed by comment, uniquely, or has exactly ``frame``'s index,
        row for row).
    by : str or list of str, keyword-only
        Column(s) of ``frame`` to group by.
    confidence : float, keyword-only
        Two-sided level of every interval (default 0.95).

    Returns
    -------
    pandas.DataFrame
        One row per group (index: the ``by`` columns), columns ``n``, ``mean_compound``,
        ``mean_low``, ``mean_high``, ``share_negative``, ``negative_low``, ``negative_high``,
        ``share_positive``, ``positive_low``, ``positive_high``. Intervals are NaN where the group
        is too small (n < 2 for the mean).
    """

    keys = [by] if isinstance(by, str) else list(by)
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise CsperfError(f"sentiment_by: no column {', '.join(map(repr, missing))} in the frame")
    if scored.index.equals(frame.index):  # row for row, e.g. one exploded table passed twice
        joined = pd.concat([frame[keys], scored[["compound", "label"]]], axis=1)
    elif scored.index.is_unique:
        joined = frame[keys].join(scored[["compound", "label"]], how="inner")
    else:
        raise CsperfError(
            "sentiment_by: the scored comments need a unique index (or the frame's own index)"
        )
    joined = joined[joined["compound"].notna()]
    work = pd.DataFrame(
        {
            **{k: joined[k] for k in keys},
            "compound": joined["compound"].astype(float),
            "neg": (joined["label"] == "negative").astype(float),
            "pos": (joined["label"] == "positive").astype(float),
        }
    )
    g = work.groupby(keys, observed=True, sort=True, dropna=False)
    out = g.agg(
        n=("compound", "size"),
        mean_compound=("compound", "mean"),
        sd=("compound", "std"),
        negatives=("neg", "sum"),
        positives=("pos", "sum"),
    )
    n = out["n"].to_numpy(dtype=float)
    out["mean_low"], out["mean_high"] = t_interval(
        out["mean_compound"].to_numpy(), out["sd"].to_numpy(), n, confidence=confidence
    )
    out["share_negative"] = out["negatives"] / out["n"]
    out["negative_low"], out["negative_high"] = wilson_interval(
        out["negatives"].to_numpy(), n, confidence=confidence
    )
    out["share_positive"] = out["positives"] / out["n"]
    out["positive_low"], out["positive_high"] = wilson_interval(
        out["positives"].to_numpy(), n, confidence=confidence
    )
    out["n"] = out["n"].astype("int64")
    return out[
        [
            "n",
            "mean_compound",
            "mean_low",
            "mean_high",
            "share_negative",
            "negative_low",
            "negative_high",
            "share_positive",
            "positive_low",
            "positive_high",
        ]
    ]
