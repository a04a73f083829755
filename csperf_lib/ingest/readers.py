"""Reading sources as they arrive: CSV/TSV with any delimiter and encoding, Excel, Parquet, SQL.

Every reader yields raw chunks (``pandas.DataFrame`` of source columns, values as the source gave
them: strings for text files, native cells for Excel/Parquet/SQL) so that memory stays bounded on
large exports. Sniffing (encoding, delimiter, stray lines before the header) is hand-written
because pandas' own sniffing reads the whole file with the slow Python engine; each assumption made
is recorded in :class:`SourceInfo` and shown in the collect stage.

Files are opened read-only and never modified.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from csperf_lib.core.config import SourceSpec
from csperf_lib.core.errors import SourceError

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
#: Values every reader treats as missing, besides the config's ``na_values``.
DEFAULT_NA = ("",)


@dataclass(frozen=True)
class SourceInfo:
    """What was learnt about a source while opening it.

    Attributes
    ----------
    location : str
        File path, or the SQL URL with user name and password removed.
    format : str
        csv, excel, parquet or sql.
    sha256 : str or None
        SHA-256 of the file's bytes (of the query text for SQL sources).
    columns : tuple of str
        Source column names.
    assumptions : tuple of str
        Each assumption made (encoding, delimiter, header offset) in plain words.
    """

    location: str
    format: str
    sha256: str | None
    columns: tuple[str, ...]
    assumptions: tuple[str, ...] = field(default_factory=tuple)


def file_sha256(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def safe_location(url: str) -> str:
    """A database URL with its password and user name removed, fit for manifests and reports."""
    try:
        from sqlalchemy.engine import URL, make_url

        parsed = make_url(url)
        bare = URL.create(parsed.drivername, host=parsed.host, port=parsed.port, database=parsed.database)
        return bare.render_as_string(hide_password=True)
    except Exception:
        return "<unparsable database URL>"


def detect_encoding(sample: bytes) -> str:
    """``utf-8-sig`` when the sample decodes as UTF-8 (with or without BOM), else ``cp1252``.

    A truncated multi-byte character at the very end of the sample is tolerated.
    """
    try:
        sample.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:
            return "utf-8-sig"
        return "cp1252"


def detect_layout(text: str, *, delimiter: str | None = None) -> tuple[str, int]:
    """Guess the delimiter and the number of stray lines before the header.

    The delimiter is the candidate whose per-line count is most consistent (and non-zero) over
    the sample; the header is the first line with that modal count (stray lines such as tool
    output above an export have fewer fields).

    Returns
    -------
    (delimiter, skip_rows)
    """
    lines = [ln for ln in text.splitlines()[:200]]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end mid-line
    if not lines:
        return delimiter or ",", 0

    def counts(delim: str) -> list[int]:
        return [len(next(csv.reader([ln], delimiter=delim), [])) - 1 for ln in lines if ln.strip()]

    if delimiter is None:
        best, best_score = ",", -1.0
        for candidate in DELIMITERS:
            per_line = counts(candidate)
            if not per_line:
                continue
            mode, freq = Counter(per_line).most_common(1)[0]
            if mode == 0:
                continue
            score = freq / len(per_line) + mode / 1000.0
            if score > best_score:
                best, best_score = candidate, score
        delimiter = best
    per_line = [len(next(csv.reader([ln], delimiter=delimiter), [])) - 1 for ln in lines]
    nonblank = [c for ln, c in zip(lines, per_line, strict=True) if ln.strip()]
    mode = Counter(nonblank).most_common(1)[0][0] if nonblank else 0
    skip = next((i for i, c in enumerate(per_line) if c == mode and lines[i].strip()), 0)
    return delimiter, skip


def _open_csv(spec: SourceSpec, chunk_size: int) -> tuple[SourceInfo, Iterator[pd.DataFrame]]:
    path = spec.path
    assert path is not None
    opts = dict(spec.options)
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    assumptions = []
    encoding = opts.get("encoding")
    if encoding is None:
        encoding = detect_encoding(sample)
        assumptions.append(f"encoding {encoding} (detected)")
    text = sample.decode(encoding, errors="replace")
    delimiter, skip = detect_layout(text, delimiter=opts.get("delimiter"))
    if opts.get("delimiter") is None:
        assumptions.append(f"delimiter {delimiter!r} (detected)")
    if "skip_rows" in opts:
        skip = int(opts["skip_rows"])
    elif skip:
        assumptions.append(f"skipped {skip} line(s) before the header (detected)")
    na_values = list(DEFAULT_NA) + [str(v) for v in opts.get("na_values", [])]
    try:
        reader = pd.read_csv(
            path,
            sep=delimiter,
            encoding=encoding,
            skiprows=skip,
            dtype=str,
            keep_default_na=False,
            na_values=na_values,
            chunksize=chunk_size,
            skipinitialspace=False,
        )
        first = next(reader, None)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"{spec.table}: cannot read {path.name}: {_first_line(exc)}") from None
    if first is None:
        raise SourceError(f"{spec.table}: {path.name} has no header line")
    columns = tuple(str(c).strip() for c in first.columns)
    info = SourceInfo(str(path), "csv", file_sha256(path), columns, tuple(assumptions))

    def chunks() -> Iterator[pd.DataFrame]:
        try:
            yield first
            yield from reader
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise SourceError(f"{spec.table}: cannot read {path.name}: {_first_line(exc)}") from None

    return info, _strip_headers(chunks())


def _strip_headers(chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for chunk in chunks:
        chunk.columns = [str(c).strip() for c in chunk.columns]
        yield chunk


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _open_excel(spec: SourceSpec, chunk_size: int) -> tuple[SourceInfo, Iterator[pd.DataFrame]]:
    path = spec.path
    assert path is not None
    opts = dict(spec.options)
    sheet = opts.get("sheet", 0)
    na_values = list(DEFAULT_NA) + [str(v) for v in opts.get("na_values", [])]
    try:
        frame = pd.read_excel(
            path,
            sheet_name=sheet,
            dtype=object,
            skiprows=int(opts.get("skip_rows", 0)),
            na_values=na_values,
            keep_default_na=False,
        )
    except ValueError as exc:
        raise SourceError(f"{spec.table}: cannot read sheet {sheet!r} of {path.name}: {_first_line(exc)}") from None
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise SourceError(f"{spec.table}: cannot read {path.name} as Excel: {_first_line(exc)}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    assumptions = () if "sheet" in opts else ("first sheet of the workbook",)
    info = SourceInfo(str(path), "excel", file_sha256(path), tuple(frame.columns), assumptions)

    def chunks() -> Iterator[pd.DataFrame]:
        for start in range(0, max(len(frame), 1), chunk_size):
            yield frame.iloc[start : start + chunk_size]

    return info, chunks()


def _open_parquet(spec: SourceSpec, chunk_size: int) -> tuple[SourceInfo, Iterator[pd.DataFrame]]:
    import pyarrow.parquet as pq

    path = spec.path
    assert path is not None
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:
        raise SourceError(f"{spec.table}: cannot read {path.name} as Parquet: {_first_line(exc)}") from None
    columns = tuple(parquet.schema_arrow.names)
    info = SourceInfo(str(path), "parquet", file_sha256(path), columns)

    def chunks() -> Iterator[pd.DataFrame]:
        empty = True
        for batch in parquet.iter_batches(batch_size=chunk_size):
            empty = False
            yield batch.to_pandas()
        if empty:
            yield parquet.schema_arrow.empty_table().to_pandas()

    return info, chunks()


def _open_sql(spec: SourceSpec, chunk_size: int) -> tuple[SourceInfo, Iterator[pd.DataFrame]]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    assert spec.url is not None and spec.query is not None
    location = safe_location(spec.url)
    try:
        url = make_url(spec.url)
    except Exception:
        raise SourceError(f"{spec.table}: the database URL in the config cannot be parsed") from None
    if spec.password_env:
        password = os.environ.get(spec.password_env)
        if password is None:
            raise SourceError(
                f"{spec.table}: environment variable {spec.password_env} (password_env) is not set"
            )
        url = url.set(password=password)
    digest = hashlib.sha256(spec.query.encode("utf-8")).hexdigest()
    engine = connection = None

    def release() -> None:
        # A failed query must not leave its connection open until garbage collection.
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()
        if engine is not None:
            with contextlib.suppress(Exception):
                engine.dispose()

    try:
        engine = create_engine(url)
        connection = engine.connect()
        result = connection.execution_options(stream_results=True).execute(text(spec.query))
        columns = tuple(str(c) for c in result.keys())
    except SQLAlchemyError as exc:
        release()
        # The driver's message can echo the URL; never let a password through.
        message = _first_line(exc.orig if getattr(exc, "orig", None) else exc)
        if spec.password_env and os.environ.get(spec.password_env):
            message = message.replace(os.environ[spec.password_env], "***")
        raise SourceError(f"{spec.table}: cannot query {location}: {message}") from None
    except ModuleNotFoundError as exc:
        release()
        raise SourceError(
            f"{spec.table}: the database driver '{exc.name}' is not installed "
            "(pip install 'csperf[postgres]' for PostgreSQL)"
        ) from None
    info = SourceInfo(location, "sql", digest, columns, ("sha256 is of the query text, not of data",))

    def chunks() -> Iterator[pd.DataFrame]:
        try:
            empty = True
            while True:
                rows = result.fetchmany(chunk_size)
                if not rows:
                    break
                empty = False
                yield pd.DataFrame.from_records(rows, columns=list(columns))
            if empty:
                yield pd.DataFrame(columns=list(columns))
        finally:
            connection.close()
            engine.dispose()

    return info, chunks()


def open_source(spec: SourceSpec, *, chunk_size: int = 250_000) -> tuple[SourceInfo, Iterator[pd.DataFrame]]:
    """Open a source and return what was learnt plus an iterator of raw chunks.

    Raises
    ------
    SourceError
        When the source cannot be opened or read; the message is one line naming the table.
    """
    if spec.kind == "sql":
        return _open_sql(spec, chunk_size)
    if spec.path is None or not spec.path.is_file():
        raise SourceError(f"{spec.table}: source file {spec.path} does not exist")
    opener = {"csv": _open_csv, "excel": _open_excel, "parquet": _open_parquet}[spec.format]
    return opener(spec, chunk_size)

