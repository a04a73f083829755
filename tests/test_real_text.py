"""The text pipeline on real public free text in ../shared/real-data: CFPB complaint narratives
(already masked with XXXX by the CFPB) and Amazon Alexa product reviews. Skips when absent."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import shared_path

from csperf_lib.methods.privacy import contains_pii
from csperf_lib.methods.text import (
    code_texts,
    load_codebook,
    prepare_texts,
    theme_coverage,
)
from csperf_lib.methods.theme_discovery import discover_themes


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def test_cfpb_narratives_are_redacted_coded_and_mined(codebook):
    path = shared_path("real-data", "cfpb_complaints", "complaints_sample.csv")
    raw = pd.read_csv(path, skiprows=2, low_memory=False)  # two stray lines of unzip output on top
    narratives = raw["Consumer complaint narrative"]
    texts = prepare_texts(narratives)
    assert texts.notna().sum() == 1532  # the README: 1,532 complaints carry a narrative
    assert not any(contains_pii(t) for t in texts.dropna())
    assert texts.str.contains("XXXX", regex=False).sum() > 500  # the CFPB's own masks are kept as they are
    coded = code_texts(texts, codebook=codebook)
    coverage = theme_coverage(coded, codebook=codebook).set_index("theme")
    # measured 2026-11-22: 83 % of narratives carry a theme; billing, communication and resolution lead
    assert 0.75 <= coverage.loc["any theme", "share"] <= 0.95
    top = coverage.drop(["any theme", "uncoded"])["share"].nlargest(3).index
    assert "billing" in top
    found = discover_themes(texts[coded["has_text"] & (coded["n_themes"] == 0)])
    terms = " ".join(found.candidates["top_terms"])
    assert "debt" in terms or "identity" in terms  # credit-reporting topics the codebook lacks


def test_alexa_reviews_leave_product_topics_for_discovery(codebook):
    path = shared_path("real-data", "amazon_alexa_reviews", "amazon_alexa.tsv")
    raw = pd.read_csv(path, sep="\t")
    texts = prepare_texts(raw["verified_reviews"])
    coded = code_texts(texts, codebook=codebook)
    coverage = theme_coverage(coded, codebook=codebook).set_index("theme")
    # product reviews are mostly about the product, not service: the codebook codes a minority
    assert coverage.loc["any theme", "share"] < 0.3
    found = discover_themes(texts[coded["has_text"] & (coded["n_themes"] == 0)], random_state=0)
    terms = " ".join(found.candidates["top_terms"])
    assert "sound" in terms and "echo" in terms
    again = discover_themes(texts[coded["has_text"] & (coded["n_themes"] == 0)], random_state=0)
    pd.testing.assert_frame_equal(found.candidates, again.candidates)
