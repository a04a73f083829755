"""Candidate themes for the texts the codebook leaves uncoded, and the coverage they would bring.

:func:`discover_themes` finds candidate themes with TF-IDF + non-negative matrix factorisation from
scikit-learn (:class:`~sklearn.feature_extraction.text.TfidfVectorizer`,
:class:`~sklearn.decomposition.NMF`), seeded through ``random_state``;
:func:`coverage_with_candidates` says how much of the text the codebook covers and how much more
the candidates would. Texts are expected redacted and prepared
(:func:`csperf_lib.methods.text.prepare_texts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csperf_lib.methods.text import _for_vectorising

__all__ = ["CLEAR_FOCUS", "Discovery", "coverage_with_candidates", "discover_themes"]


@dataclass(frozen=True)
class Discovery:
    """Candidate themes found in texts the codebook left uncoded.

    Attributes
    ----------
    candidates : DataFrame
        One row per candidate: ``candidate`` (``candidate_1``…), ``top_terms`` (comma-separated,
        strongest first), ``size`` (texts whose strongest topic it is), ``share`` (of the texts
        analysed), ``clear`` (of those, texts with at least :data:`CLEAR_FOCUS` of their weight on
        it: the texts the candidate would cover as a theme), ``examples`` (list of three
        representative redacted texts).
    n_texts : int
        Distinct texts analysed.
    note : str
        How it was done, or why nothing was found.
    assignments : dict
        Distinct text -> the candidate that clearly covers it (texts no candidate clearly covers
        are absent), for :func:`coverage_with_candidates`.
    """

    candidates: pd.DataFrame
    n_texts: int
    note: str
    assignments: Mapping[str, str] = field(default_factory=dict)

    def snippet(self) -> str:
        """YAML a reviewer can paste under ``text.themes`` to promote candidates to the codebook."""
        lines = ["text:", "  themes:"]
        for row in self.candidates.itertuples():
            terms = [t for t in row.top_terms.split(", ")][:5]
            lines.append(f"    {row.candidate}:   # rename me")
            lines.append(f"      keywords: [{', '.join(terms)}]")
        return "\n".join(lines) + "\n"


def discover_themes(
    texts: pd.Series,
    *,
    n_themes: int | None = None,
    n_terms: int = 8,
    n_examples: int = 3,
    min_df: int = 2,
    max_features: int = 5000,
    random_state: int = 0,
) -> Discovery:
    """Find candidate themes with TF-IDF + NMF (Lee & Seung 1999), deterministically.

    Texts are de-duplicated (a repeated boiler-plate comment must not become a topic by sheer
    repetition), placeholders and masks are removed, English stop words dropped; words and two-word
    phrases appearing in at least ``min_df`` texts are weighted by sublinear TF-IDF. NMF factorises
    the texts × terms matrix ``X ≈ W H`` (``nndsvda`` initialisation, seeded); each row of ``H`` is
    a candidate theme (its heaviest terms), each text belongs to the column of ``W`` where it weighs
    most, and the examples are the texts with the largest share of their weight on that theme.

    Parameters
    ----------
    texts : pandas.Series
        Redacted texts, typically those :func:`code_texts` left uncoded.
    n_themes : int, optional, keyword-only
        Number of candidates; default ``clip(distinct texts // 40, 2, 8)``.
    n_terms, n_examples : int, keyword-only
        Terms and examples shown per candidate.
    min_df, max_features : int, keyword-only
        Vocabulary limits passed to :class:`~sklearn.feature_extraction.text.TfidfVectorizer`.
    random_state : int, keyword-only
        Seed of the NMF initialisation.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    empty = pd.DataFrame(columns=["candidate", "top_terms", "size", "share", "examples"])
    distinct = pd.Series(texts.dropna().astype(str).unique())
    distinct = distinct[distinct.str.len() > 0].sort_values(kind="stable").reset_index(drop=True)
    n = len(distinct)
    if n < 20:
        return Discovery(empty, n, f"Only {n} distinct uncoded texts: too few to look for new themes (20 needed).")
    k = int(n_themes) if n_themes else int(np.clip(n // 40, 2, 8))
    vectoriser = TfidfVectorizer(
        stop_words="english", min_df=min_df, max_df=0.5, ngram_range=(1, 2), sublinear_tf=True,
        max_features=max_features, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z']+\b",
    )
    try:
        matrix = vectoriser.fit_transform(_for_vectorising(distinct))
    except ValueError:
        return Discovery(empty, n, "The uncoded texts share no words beyond stop words; nothing to discover.")
    k = min(k, matrix.shape[1] - 1, n - 1)
    if k < 2:
        return Discovery(empty, n, "The uncoded texts share too few words to separate themes.")
    model = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=500)
    weights = model.fit_transform(matrix)
    terms = np.asarray(vectoriser.get_feature_names_out())
    strongest = weights.argmax(axis=1)
    total = weights.sum(axis=1)
    focus = np.divide(weights, total[:, None], out=np.zeros_like(weights), where=total[:, None] > 0)
    rows = []
    for j in range(k):
        members = np.flatnonzero((strongest == j) & (total > 0))
        if members.size == 0:
            continue
        order = np.lexsort((members, -focus[members, j] * weights[members, j]))
        top = terms[np.argsort(-model.components_[j], kind="stable")[:n_terms]]
        clear = members[focus[members, j] >= CLEAR_FOCUS]
        rows.append(
            {
                "top_terms": ", ".join(top),
                "size": int(members.size),
                "share": members.size / n,
                "clear": int(clear.size),
                "examples": distinct.iloc[members[order[:n_examples]]].tolist(),
                "_texts": distinct.iloc[clear].tolist(),
            }
        )
    frame = pd.DataFrame(rows).sort_values("size", ascending=False, kind="stable").reset_index(drop=True)
    frame.insert(0, "candidate", [f"candidate_{i + 1}" for i in range(len(frame))])
    assignments = {t: c for c, texts_of in zip(frame["candidate"], frame.pop("_texts"), strict=True) for t in texts_of}
    note = (
        f"TF-IDF + NMF on {n:,} distinct uncoded texts, {k} candidate themes (seed {random_state}). "
        "Candidates are suggestions: promote one to the codebook only if its examples read as one topic."
    )
    return Discovery(frame, n, note, assignments)


#: Least share of a text's topic weight on a candidate for the candidate to count as covering it.
CLEAR_FOCUS = 0.5


def coverage_with_candidates(texts: pd.Series, coded: pd.DataFrame, discovery: Discovery) -> dict[str, Any]:
    """How much of the text the codebook themes cover, and how much more the candidates would.

    Parameters
    ----------
    texts : pandas.Series
        The redacted texts (as passed to :func:`code_texts`; duplicates count each time).
    coded : DataFrame
        :func:`code_texts` of ``texts``.
    discovery : Discovery
        :func:`discover_themes` of the uncoded ones.

    Returns
    -------
    dict
        ``texts`` (with text), ``coded`` (with at least one codebook theme), ``candidates``
        (uncoded texts a candidate clearly covers, :data:`CLEAR_FOCUS`), ``uncovered``, and the
        shares 0-1 ``coded_share``, ``candidate_share``, ``covered_share`` (coded + candidates).
    """
    has = coded["has_text"].to_numpy(bool)
    themed = has & (coded["n_themes"].to_numpy() > 0)
    uncoded = texts[has & ~themed].astype(str)
    by_candidate = int(uncoded.isin(list(discovery.assignments)).sum())
    n = int(has.sum())

    def share(k: int) -> float:
        return k / n if n else float("nan")

    return {"texts": n, "coded": int(themed.sum()), "candidates": by_candidate,
            "uncovered": n - int(themed.sum()) - by_candidate,
            "coded_share": share(int(themed.sum())), "candidate_share": share(by_candidate),
            "covered_share": share(int(themed.sum()) + by_candidate)}


