"""The demo centre's raw exports written in source-system shapes (CSV, long-format QA, Excel).

:func:`csperf_lib.ingest.demo.generate_demo` generates the records; this module writes them as a
reviewer would receive them: the ACD export with its own column names, codes and time formats,
survey responses with free-text comments built from the phrase banks of
:mod:`csperf_lib.ingest.demo_scenario`, QA scores in long format, and the complaints log as an
``.xlsx`` whose zip entries carry a fixed timestamp so the same seed gives byte-identical files.
It also holds the small helpers that pick values and plant the deliberately bad rows.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from csperf_lib.ingest.demo_scenario import (
    CHANNEL_LABELS,
    COMPLAINT,
    COMPLAINT_ASK,
    COMPLAINT_CATEGORIES,
    COMPLAINT_ROUTES,
    COMPLAINT_TEXT,
    EVALUATORS,
    FIXED_XLSX_STAMP,
    MAX_BAD_SHARE,
    MIXED,
    PRAISE,
    QA_ITEMS,
    QUEUES,
    REGIONS,
    SKILL_CODES,
    SPIKE_TEXT,
    SUFFIX_COMPLAINT,
    SUFFIX_MIXED,
    SUFFIX_PRAISE,
    TEAMS,
    THEMES,
    ZIP_DATE,
)


def _pick(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One category per element: ``probs[rows[i]]`` is the distribution of element ``i``."""
    cdf = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    cdf[:, -1] = 1.0
    u = rng.random(rows.size)
    out = np.zeros(rows.size, dtype=np.int8)
    for k in range(probs.shape[0]):
        sel = rows == k
        if sel.any():
            out[sel] = np.searchsorted(cdf[k], u[sel], side="right")
    return np.minimum(out, probs.shape[1] - 1).astype(np.int8)


def _pick_weighted(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row of a (rows x categories) weight matrix."""
    if weights.shape[0] == 0:
        return np.zeros(0, dtype=np.int16)
    cdf = np.cumsum(weights, axis=1)
    u = rng.random(weights.shape[0]) * cdf[:, -1]
    return np.minimum((u[:, None] >= cdf).sum(axis=1), weights.shape[1] - 1).astype(np.int16)


def _bad_counts(rates: Mapping[str, float], n: int) -> dict[str, int]:
    """Rows of each bad kind for a table of ``n`` rows, capped at :data:`MAX_BAD_SHARE` in total."""
    counts = {k: int(np.floor(r * n + 0.5)) for k, r in rates.items()}
    cap = int(np.floor(MAX_BAD_SHARE * n))
    while sum(counts.values()) > cap:
        biggest = max(counts, key=lambda k: counts[k])
        counts[biggest] -= 1
    return counts


def _assign_bad(
    rng: np.random.Generator, n: int, wanted: Mapping[str, tuple[int, np.ndarray | None]]
) -> dict[str, np.ndarray]:
    """Disjoint random row indices for each bad kind: ``wanted[kind] = (count, eligible mask)``."""
    perm = rng.permutation(n)
    used = np.zeros(n, dtype=bool)
    out = {}
    for kind, (count, eligible) in wanted.items():
        ok = ~used[perm] if eligible is None else (~used[perm] & eligible[perm])
        chosen = np.sort(perm[ok][:count])
        used[chosen] = True
        out[kind] = chosen
    return out


def _labels(
    labels: tuple[str, ...] | list[str], codes: np.ndarray, null: np.ndarray | None = None
) -> pa.Array:
    """String array ``labels[codes]`` with nulls where ``null`` (or a code is negative)."""
    codes = np.asarray(codes)
    mask = codes < 0 if null is None else (null | (codes < 0))
    idx = pa.array(np.where(mask, 0, codes).astype(np.int32), mask=mask)
    return pa.array(list(labels), type=pa.string()).take(idx)


def _yn(flags: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return _labels(("N", "Y"), flags.astype(np.int8), null)


def _strftime(epoch_s: np.ndarray, fmt: str, null: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(np.asarray(epoch_s, dtype=np.int64), type=pa.timestamp("s"), mask=null)
    return pc.strftime(arr, format=fmt)


def _hms(seconds: np.ndarray, null: np.ndarray) -> pa.Array:
    """Durations as ``h:mm:ss`` strings (hours unpadded, a leading ``-`` when negative)."""
    sec = np.asarray(seconds, dtype=np.int64)
    mag = np.abs(sec)
    hours = pc.cast(pa.array(mag // 3600), pa.string())
    mmss = pc.strftime(pa.array(mag % 3600, type=pa.timestamp("s")), format="%M:%S")
    text = pc.binary_join_element_wise(hours, mmss, ":")
    text = pc.if_else(pa.array(sec < 0), pc.binary_join_element_wise("-", text, ""), text)
    return pc.if_else(pa.array(null), pa.scalar(None, pa.string()), text)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(
        pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0"
    )
    return pc.binary_join_element_wise(prefix, digits, "")


def _ints(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), mask=null)


def _write_csv(
    path: Path,
    columns: dict[str, Any],
    row_index: np.ndarray,
    *,
    quote: bool = False,
    chunk: int = 1_000_000,
) -> int:
    """Write columns (callables ``f(rows) -> pa.Array`` over row indices) as CSV in chunks.

    ``quote`` puts every text value in double quotes (needed when text may hold commas);
    otherwise nothing is quoted.
    """
    n = int(row_index.size)
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed" if quote else "none")
    schema = None
    names = [f'"{name}"' if quote else name for name in columns]
    with pa.OSFile(str(path), "wb") as sink:
        sink.write((",".join(names) + "\n").encode("utf-8"))
        writer = None
        for lo in range(0, max(n, 1), chunk):
            rows = row_index[lo : lo + chunk]
            table = pa.table({name: make(rows) for name, make in columns.items()})
            if writer is None:
                schema = table.schema
                writer = pacsv.CSVWriter(sink, schema, write_options=options)
            writer.write_table(table.cast(schema))
        if writer is not None:
            writer.close()
    return n


def _write_contacts(
    path: Path, c: dict[str, np.ndarray], row_index: np.ndarray, epoch0: int
) -> int:
    agents_null = c["agent"] < 0
    not_answered = ~c["answered"]
    bad_start = np.zeros(c["t"].size, dtype=bool)
    bad_start[c["bad_start"]] = True
    plan_ids = c["agent_ids"]
    team_codes = c["team"]

    def start_time(rows: np.ndarray) -> pa.Array:
        text = _strftime(epoch0 + c["t"][rows], "%d/%m/%Y %H:%M:%S")
        bad = bad_start[rows]
        if not bad.any():
            return text
        pos = np.flatnonzero(bad)
        dates = _strftime(epoch0 + c["t"][rows[pos]], "%d/%m/%Y").to_pylist()
        repl = [
            "n/a" if (r % 2) else f"{d} 25:61:00" for r, d in zip(rows[pos], dates, strict=True)
        ]
        return pc.replace_with_mask(text, pa.array(bad), pa.array(repl, type=pa.string()))

    wait = c["wait"]
    wait_null = np.isnan(wait)
    columns = {
        "Call ID": lambda r: _ids("C", r + 1, 9),
        "Media Type": lambda r: _labels(CHANNEL_LABELS, c["channel"][r]),
        "Skill": lambda r: _labels(SKILL_CODES, c["queue"][r]),
        "Team Name": lambda r: _labels(TEAMS, team_codes[r]),
        "Agent Login": lambda r: _labels(plan_ids, c["agent"][r], agents_null[r]),
        "Site Region": lambda r: _labels(REGIONS, c["region"][r], c["region_blank"][r]),
        "Start Time": start_time,
        "Queue Time": lambda r: _hms(np.nan_to_num(wait[r]), wait_null[r]),
        "Answered": lambda r: _yn(c["answered"][r]),
        "Abandoned": lambda r: _yn(c["abandoned"][r]),
        "Talk Time (s)": lambda r: _ints(c["talk"][r], not_answered[r]),
        "Hold Time (s)": lambda r: _ints(c["hold"][r], not_answered[r]),
        "ACW (s)": lambda r: _ints(c["wrap"][r], not_answered[r]),
        "FCR": lambda r: _yn(c["fcr"][r], not_answered[r]),
        "Transferred": lambda r: _yn(c["transferred"][r], not_answered[r]),
        "Escalated": lambda r: _yn(c["escalated"][r], not_answered[r]),
    }
    return _write_csv(path, columns, row_index)


def _comment_texts(s: dict[str, np.ndarray]) -> pa.Array:
    """The free-text comments, assembled from the phrase templates."""
    phrases: list[str] = []
    offset = np.zeros((3, len(THEMES)), dtype=np.int64)
    count = np.zeros((3, len(THEMES)), dtype=np.int64)
    for sentiment, bank in ((0, PRAISE), (2, COMPLAINT)):
        for j, theme in enumerate(THEMES):
            texts = bank.get(theme, ())
            offset[sentiment, j], count[sentiment, j] = len(phrases), len(texts)
            phrases.extend(texts)
    offset[1, :], count[1, :] = len(phrases), len(MIXED)
    phrases.extend(MIXED)
    sent, theme = s["sentiment"].astype(np.int64), s["theme"].astype(np.int64)
    n_var = np.maximum(count[sent, theme], 1)
    which = offset[sent, theme] + np.minimum(np.floor(s["variant_u"] * n_var), n_var - 1).astype(
        np.int64
    )
    suffixes = [SUFFIX_PRAISE, SUFFIX_MIXED, SUFFIX_COMPLAINT]
    s_off = np.cumsum([0] + [len(x) for x in suffixes])[:3]
    s_cnt = np.array([len(x) for x in suffixes])
    s_which = s_off[sent] + np.floor(s["suffix_u"] * s_cnt[sent]).astype(np.int64)
    body = pa.array(phrases, type=pa.string()).take(pa.array(which))
    tail = pa.array([x for group in suffixes for x in group], type=pa.string()).take(
        pa.array(s_which)
    )
    text = pc.binary_join_element_wise(body, tail, "")
    return pc.if_else(pa.array(s["has_comment"]), text, pa.scalar(None, pa.string()))


def _write_surveys(
    path: Path, s: dict[str, np.ndarray], c: dict[str, np.ndarray], epoch0: int
) -> int:
    comments = _comment_texts(s)
    if "pii" in s:
        comments = pc.binary_join_element_wise(comments, pa.array(s["pii"], type=pa.string()), "")
    ref = s["contact_ref"]
    survey_channel = np.where(
        s["ivr"],
        np.where(c["channel"][s["contact"]] == 2, 2, 0),
        np.where(c["channel"][s["contact"]] == 1, 1, 3),
    )
    columns = {
        "Response ID": lambda r: _ids("SR", r + 1, 8),
        "Interaction Ref": lambda r: _ids("C", ref[r] + 1, 9),
        "Completed Date": lambda r: _strftime(epoch0 + s["at"][r], "%Y-%m-%d %H:%M"),
        "Survey Method": lambda r: _labels(("IVR", "Email", "Post-chat", "SMS"), survey_channel[r]),
        "Overall satisfaction (1-5)": lambda r: _ints(s["csat"][r]),
        "Likelihood to recommend (0-10)": lambda r: _ints(
            np.nan_to_num(s["nps"][r]), np.isnan(s["nps"][r])
        ),
        "Ease of resolving (1-7)": lambda r: _ints(
            np.nan_to_num(s["ces"][r]), np.isnan(s["ces"][r])
        ),
        "Comments": lambda r: comments.take(pa.array(r)),
    }
    return _write_csv(path, columns, np.arange(s["at"].size), quote=True)


def _write_qa(path: Path, q: dict[str, np.ndarray], c: dict[str, np.ndarray], epoch0: int) -> int:
    forms = np.where(c["channel"][q["contact"]] == 0, 0, 1)
    labels = tuple(i[1] for i in QA_ITEMS)
    critical = np.array([i[3] for i in QA_ITEMS])[q["item"]].astype(np.int8)
    columns = {
        "Evaluation ID": lambda r: _ids("EV", q["eval"][r] + 1, 7),
        "Interaction ID": lambda r: _ids("C", q["contact"][r] + 1, 9),
        "Agent": lambda r: _labels(c["agent_ids"], q["agent"][r]),
        "Evaluator": lambda r: _labels(EVALUATORS, q["evaluator"][r]),
        "Evaluation Date": lambda r: _strftime(epoch0 + q["at"][r], "%d/%m/%Y %H:%M"),
        "Form": lambda r: _labels(("Voice QA v3", "Chat QA v2"), forms[r]),
        "Calibration": lambda r: _yn(q["calibration"][r]),
        "Question": lambda r: _labels(labels, q["item"][r]),
        "Score": lambda r: _ints(q["score"][r]),
        "Out Of": lambda r: _ints(q["max"][r]),
        "Critical": lambda r: _labels(("No", "Yes"), critical[r]),
    }
    return _write_csv(path, columns, np.arange(q["score"].size))


def _write_complaints(
    path: Path, k: dict[str, np.ndarray], c: dict[str, np.ndarray], epoch0: int
) -> int:
    from openpyxl import Workbook

    base = dt.datetime(1970, 1, 1)

    def when(sec: int) -> dt.datetime:
        return base + dt.timedelta(seconds=int(epoch0 + sec))

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Complaints")
    ws.append(
        [
            "Complaint Ref",
            "Date Received",
            "How Received",
            "Complaint Category",
            "Product Area",
            "Customer Region",
            "Date Acknowledged",
            "Date Resolved",
            "Upheld?",
            "Status",
            "Summary",
            "Related Call ID",
            "Customer No",
        ]
    )
    idx = k["contact"]
    queue = c["queue"][idx].tolist()
    region = c["region"][idx].tolist()
    for i in range(idx.size):
        cat = COMPLAINT_CATEGORIES[int(k["category"][i])]
        bank = SPIKE_TEXT if k["spike"][i] else COMPLAINT_TEXT[cat]
        text = bank[int(k["variant"][i]) % len(bank)] + COMPLAINT_ASK[int(k["ask"][i])]
        if "pii" in k:
            text += k["pii"][i]
        resolved = bool(k["resolved"][i] != -1)
        ws.append(
            [
                f"CMP-{i + 1:06d}",
                when(int(k["received"][i])),
                COMPLAINT_ROUTES[int(k["route"][i])],
                cat,
                QUEUES[queue[i]],
                REGIONS[region[i]],
                when(int(k["ack"][i])) if k["ack"][i] >= 0 else None,
                when(int(k["resolved"][i])) if resolved else None,
                ("Yes" if k["upheld"][i] else "No") if resolved else None,
                "Closed" if resolved else "Open",
                text,
                f"C{int(idx[i]) + 1:09d}",
                f"CUS{int(k['customer'][i]):07d}" if "customer" in k else None,
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_reproducible_zip(buffer.getvalue()))
    return int(idx.size)


def _reproducible_zip(data: bytes) -> bytes:
    """Re-pack an xlsx with fixed entry dates and document timestamps (byte-identical output)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_XLSX_STAMP.encode() + rb"\g<3>",
                    body,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, body)
    return out.getvalue()
