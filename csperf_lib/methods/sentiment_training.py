"""Training the ``"wordllama"`` sentiment head, offline, from VADER's published ground truth.

:func:`train_head` fits the small ridge-regression head that ships as
``csperf_lib/data/sentiment/wordllama_head.npz`` (see :mod:`csperf_lib.methods.sentiment`, which
only reads it); :func:`read_ground_truth` reads the four human-rated sets Hutto & Gilbert (2014)
published with VADER. Nothing here runs during a review.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

from csperf_lib.core.errors import CsperfError
from csperf_lib.methods.sentiment import _head_features

__all__ = ["GROUND_TRUTH_SETS", "read_ground_truth", "train_head"]


# --------------------------------------------------------------------------------------------
# Training the embedding head (offline, from VADER's published ground truth)
# --------------------------------------------------------------------------------------------

#: The four human-rated sets of Hutto & Gilbert (2014), as named in their archive.
GROUND_TRUTH_SETS = (
    "tweets_GroundTruth.txt",
    "movieReviewSnippets_GroundTruth.txt",
    "nytEditorialSnippets_GroundTruth.txt",
    "amazonReviewSnippets_GroundTruth.txt",
)


def _read_ground_truth_text(name: str, raw: bytes) -> pd.DataFrame:
    rows = []
    for line in raw.decode("utf-8-sig").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2].strip():
            rows.append((parts[0], float(parts[1]), parts[2]))
    df = pd.DataFrame(rows, columns=["id", "mean_rating", "text"])
    df.insert(0, "corpus", name.replace("_GroundTruth.txt", ""))
    return df


def read_ground_truth(source) -> pd.DataFrame:
    """VADER's human-rated sentences (Hutto & Gilbert 2014), from where they ship.

    Parameters
    ----------
    source : str or Path
        The ``vaderSentiment-3.3.2.tar.gz`` source distribution from PyPI (``pip download
        --no-deps --no-binary :all: vaderSentiment==3.3.2``), the ``hutto_ICWSM_2014.tar.gz``
        archive inside it, or a folder holding the ``*_GroundTruth.txt`` files.

    Returns
    -------
    pandas.DataFrame
        Columns ``corpus``, ``id``, ``mean_rating`` (mean of 20 raters on −4…+4), ``text``;
        23,703 rows for the published sets.
    """

    path = Path(source)
    found: dict[str, bytes] = {}
    if path.is_dir():
        for name in GROUND_TRUTH_SETS:
            hits = sorted(path.rglob(name))
            if hits:
                found[name] = hits[0].read_bytes()
    elif path.is_file():

        def scan(tar: tarfile.TarFile) -> None:
            for member in tar.getmembers():
                base = member.name.rsplit("/", 1)[-1]
                if base in GROUND_TRUTH_SETS and member.isfile():
                    found[base] = tar.extractfile(member).read()
                elif base.endswith(".tar.gz") and "hutto" in base and member.isfile():
                    inner = io.BytesIO(tar.extractfile(member).read())
                    with tarfile.open(fileobj=inner, mode="r:gz") as nested:
                        scan(nested)

        with tarfile.open(path, mode="r:*") as tar:
            scan(tar)
    missing = [n for n in GROUND_TRUTH_SETS if n not in found]
    if missing:
        raise CsperfError(f"{path}: VADER ground-truth set(s) not found: {', '.join(missing)}")
    return pd.concat(
        [_read_ground_truth_text(n, found[n]) for n in GROUND_TRUTH_SETS], ignore_index=True
    )


def train_head(source, *, alpha: float = 10.0) -> dict[str, np.ndarray]:
    r"""Train the ``"wordllama"`` head on VADER's human-rated sentences.

    Ridge regression (:math:`\min_w \lVert y - Zw\rVert^2 + \alpha\lVert w\rVert^2` on
    standardised features :math:`Z`) of the normalised human rating :math:`y = \bar r / 4`
    (:math:`\bar r` the mean of 20 raters on −4…+4, so :math:`y \in [-1, 1]` like VADER's
    compound) on :func:`_head_features` (the unit-length 256-dimension WordLlama embedding and the
    adjusted VADER compound). The prediction, clipped to [−1, 1], is the comment's compound and is labelled with
    the same ±0.05 thresholds as VADER, the convention Hutto & Gilbert (2014) used for their own
    three-class evaluation of these sets.

    Model choice (ridge on embedding + VADER, α = 10) was made by leave-one-corpus-out
    cross-validation on these four sets (train on three, score the fourth), never on the Amazon
    Alexa reviews that evaluate it. Deterministic: no random state is involved.

    Parameters
    ----------
    source : str or Path
        Where the ground truth is (see :func:`read_ground_truth`).
    alpha : float, keyword-only
        Ridge penalty.

    Returns
    -------
    dict of numpy.ndarray
        ``coef``, ``intercept``, ``mean``, ``scale`` and ``meta`` (a JSON string of provenance),
        ready for ``numpy.savez_compressed(csperf_lib/data/sentiment/wordllama_head.npz, **head)``.
    """

    from sklearn.linear_model import Ridge

    data = read_ground_truth(source)
    x = _head_features(data["text"].tolist())
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    y = data["mean_rating"].to_numpy(dtype=float) / 4.0
    ridge = Ridge(alpha=alpha).fit((x - mean) / scale, y)
    digest = hashlib.sha256(
        "\n".join(data["corpus"] + "\t" + data["id"] + "\t" + data["text"]).encode()
    ).hexdigest()
    meta = {
        "model": "ridge regression of mean human rating / 4 on the unit-length WordLlama "
        "l2_supercat 256-d mean embedding + adjusted VADER compound (standardised)",
        "alpha": alpha,
        "trained_on": "Hutto & Gilbert (2014) VADER ground truth: tweets, movieReviewSnippets, "
        "nytEditorialSnippets, amazonReviewSnippets (vaderSentiment 3.3.2 sdist, "
        "additional_resources/hutto_ICWSM_2014.tar.gz; MIT licence)",
        "rows": {k: int(v) for k, v in data["corpus"].value_counts().sort_index().items()},
        "data_sha256": digest,
        "labels": "compound >= 0.05 positive, <= -0.05 negative, else neutral",
        "python": platform.python_version(),
    }
    return {
        "coef": ridge.coef_.astype(np.float64),
        "intercept": np.asarray(float(ridge.intercept_)),
        "mean": mean,
        "scale": scale,
        "meta": np.asarray(json.dumps(meta, sort_keys=True)),
    }
