"""Reading sources as they arrive: CSV/TSV with any delimiter and encoding, Excel, Parquet, SQL.

Every reader yields raw chunks (``pandas.DataFrame`` of source columns, values as the source gave
them: strings for text files, native cells for Excel/Parquet/SQL) so that memory stays bounded on
large exports. Sniffing (encoding, delimiter, stray lines before the header) is hand-written
because pandas' own sniffing reads the whole file with the slow Python engine; each assumption made
is recorded in :class:`SourceInfo` and shown in the collect stage.

Text files are read so that nothing is silently altered:

* the encoding is decided per byte sequence, not per file: every file is scanned once (with its
  SHA-256), text that is valid UTF-8 is read as UTF-8, and only the byte sequences that are not
  (a row pasted from a Windows program) are read as Windows-1252; how many, and on which lines, is
  reported (:func:`scan_file`);
* a line with more fields than the header (a delimiter inside an unquoted value) and a last record
  cut short by a truncated export are marked in :data:`READ_ISSUES_COLUMN`, so the validate stage
  quarantines them with that reason instead of reading shifted values;
* a header naming one column twice is reported, and a binary file (an Excel workbook or Parquet
  file with a text name, a PDF, garbage) is refused in one line saying what it looks like.

Files are opened read-only and never modified.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
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
#: Raw-chunk column holding what the reader found wrong with a record ('' when nothing).
READ_ISSUES_COLUMN = "_read_issues"
#: Extra field slots past the header: a line with up to this many fields too many fills them and is
#: marked (more stops the read with one line: the delimiter is probably wrong). Each slot costs a
#: column per chunk, so a few are kept.
EXTRA_FIELDS = 8
_EXTRA_PREFIX = "\x1f_extra_"
#: Error handler name: byte sequences that are not UTF-8 are read as Windows-1252.
CP1252_FALLBACK = "csperf-cp1252"
_ASCII = bytes(range(128))
#: Leading bytes of binary formats people give a text name by mistake.
_MAGIC = (
    (b"PK\x03\x04", "an Excel workbook or a zip archive (name it .xlsx, or set format: excel)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls: save it as .xlsx or CSV)"),
    (b"PAR1", "a Parquet file (name it .parquet, or set format: parquet)"),
    (b"%PDF", "a PDF document, not a data export"),
    (b"\x1f\x8b", "a gzip archive (decompress it first)"),
)


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
    repeated_columns : tuple of str
        Header names that appear more than once (a config cannot map them: which one is meant?).
    """

    location: str
    format: str
    sha256: str | None
    columns: tuple[str, ...]
    assumptions: tuple[str, ...] = field(default_factory=tuple)
    repeated_columns: tuple[str, ...] = field(default_factory=tuple)


def file_sha256(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileScan:
    """One pass over a text file's bytes.

    Attributes
    ----------
    sha256 : str
        SHA-256 hex digest of the bytes.
    non_ascii : int
        Bytes above 127.
    invalid_utf8 : int
        Bytes in sequences that are not UTF-8.
    invalid_lines : tuple of int
        1-based line numbers of the first few such sequences.
    ends_with_newline : bool
        Whether the last byte is a line break (a file without one may be truncated).
    """

    sha256: str
    non_ascii: int
    invalid_utf8: int
    invalid_lines: tuple[int, ...]
    ends_with_newline: bool

    @property
    def encoding_words(self) -> str | None:
        """What the scan decided, in words (None for plain UTF-8 or ASCII)."""
        if not self.invalid_utf8:
            return None
        lines = ", ".join(str(n) for n in dict.fromkeys(self.invalid_lines))
        if self.invalid_utf8 == self.non_ascii:
            return "encoding cp1252 (detected)"
        return (f"mixed encodings: {self.invalid_utf8:,} byte(s) on some lines (first on line(s) {lines}) are not "
                "UTF-8 and were read as cp1252 (Windows-1252); the rest of the file is UTF-8 (detected)")


def scan_file(path: str | Path, *, examples: int = 3) -> FileScan:
    """Hash a file and find the byte sequences that are not UTF-8, in one pass of 1 MiB blocks."""
    digest = hashlib.sha256()
    non_ascii = invalid = lines_before = 0
    where: list[int] = []
    carry = b""
    last = b""
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            non_ascii += len(block.translate(None, _ASCII))
            last = block[-1:]
            data = carry + block
            # keep an incomplete multi-byte character at the end of the block for the next one
            cut = len(data)
            for back in range(1, min(4, len(data)) + 1):
                byte = data[-back]
                if byte < 0x80:
                    break
                if byte >= 0xC0:  # a lead byte: complete only if its sequence fits
                    need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
                    cut = len(data) - back if back < need else len(data)
                    break
            data, carry = data[:cut], data[cut:]
            bad, positions = _invalid_utf8(data, examples - len(where))
            invalid += bad
            where += [lines_before + data.count(b"\n", 0, p) + 1 for p in positions]
            lines_before += data.count(b"\n")
    if carry:
        bad, positions = _invalid_utf8(carry + b"\n", examples - len(where))
        invalid += bad
        where += [lines_before + 1 for _ in positions]
    return FileScan(digest.hexdigest(), non_ascii, invalid, tuple(where), last in (b"\n", b"\r"))


def _invalid_utf8(data: bytes, keep: int) -> tuple[int, list[int]]:
    """Bytes of ``data`` in sequences that are not UTF-8, and the offsets of the first ``keep``."""
    count, positions, start = 0, [], 0
    while True:
        try:
            data[start:].decode("utf-8")
            return count, positions
        except UnicodeDecodeError as exc:
            if len(positions) < keep:
                positions.append(start + exc.start)
            count += exc.end - exc.start
            start += exc.end


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read bytes that are not UTF-8 as Windows-1252 (Latin-1 for the five
    bytes Windows-1252 leaves undefined), so one pasted row does not turn the whole file into
    mojibake."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = bytes(exc.object[exc.start : exc.end])
    try:
        return bad.decode("cp1252"), exc.end
    except UnicodeDecodeError:
        return bad.decode("latin-1"), exc.end


def cp1252_fallback() -> str:
    """The name of the codec error handler that reads a byte sequence that is not UTF-8 as
    Windows-1252, registered on first use (never at import time)."""
    codecs.register_error(CP1252_FALLBACK, _cp1252_fallback)
    return CP1252_FALLBACK


def binary_kind(sample: bytes) -> str | None:
    """What a sample that is not text looks like ("a Parquet file ..."), or None for text."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    for magic, words in _MAGIC:
        if sample.startswith(magic):
            return words
    if b"\x00" in sample[:4096]:
        return "binary data, not a text export (if it is UTF-16 text without a byte-order mark, set source.encoding: utf-16)"
    return None


def safe_location(url: str) -> str:
    """A database URL with its password and user name removed, fit for manifests and reports."""
    try:
        from sqlalchemy.engine import URL, make_url

        parsed = make_url(url)
        bare = URL.create(parsed.drivername, host=parsed.host, port=parsed.port, database=parsed.database)
        return bare.render_as_string(hide_password=True)
    except Exception:
        return "<unparsable database URL>"


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


def header_fields(text: str, delimiter: str, skip: int) -> list[str]:
    """The fields of the line after ``skip`` stray lines (the header, or a first record), as the
    csv module reads them; empty when it cannot split them."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for index, row in enumerate(rows):
            if index == skip:
                return [value.strip() for value in row]
    except csv.Error:  # a header the csv module cannot split: pandas' reading decides
        return []
    return []


def _unique_names(fields: list[str]) -> tuple[list[str], dict[str, int]]:
    """Header names made unique ("Agent", "Agent (2)") and how often each repeated name appears."""
    seen: Counter[str] = Counter()
    names = []
    for index, given in enumerate(fields):
        name = given or f"Unnamed: {index}"  # pandas' name for a blank header field
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names, {name: n for name, n in seen.items() if n > 1}


def _last_record_fields(path: Path, encoding: str, delimiter: str) -> int | None:
    """Fields of the file's last line when the file does not end with a line break."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 65536))
        tail = handle.read().decode(encoding, errors=cp1252_fallback())
    line = tail.splitlines()[-1] if tail.splitlines() else ""
    if line.count('"') % 2:  # the cut fell inside a quoted value: pandas reports it
        return None
    return len(next(csv.reader([line], delimiter=delimiter), []))


@dataclass(frozen=True)
class EncodingChoice:
    """How to read a text file, decided from its first bytes and its :class:`FileScan`.

    Attributes
    ----------
    read_as : str
        The codec to read with.
    errors : str
        The codec error handler (:data:`CP1252_FALLBACK` reads a byte sequence that is not UTF-8 as
        Windows-1252).
    config_value : str or None
        What a config should say (``utf-8``, ``utf-8-sig``, ``cp1252``, ``utf-16``); None for a
        file mixing UTF-8 and Windows-1252 lines, which only the per-sequence reading gets right.
    words : str
        The assumption, in words.
    """

    read_as: str
    errors: str
    config_value: str | None
    words: str


def decide_encoding(sample: bytes, scan: FileScan) -> EncodingChoice:
    """The encoding of a text file: the one decision both collect and ``csperf init`` use."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingChoice("utf-16", "strict", "utf-16", "encoding UTF-16 (byte-order mark)")
    if not scan.invalid_utf8:
        bom = sample.startswith(codecs.BOM_UTF8)
        return EncodingChoice("utf-8-sig", cp1252_fallback(), "utf-8-sig" if bom else "utf-8",
                              "encoding utf-8-sig (detected)")
    pure = scan.invalid_utf8 == scan.non_ascii
    return EncodingChoice("utf-8-sig", cp1252_fallback(), "cp1252" if pure else None, scan.encoding_words or "")


def _text_encoding(spec: SourceSpec, sample: bytes, scan: FileScan) -> tuple[str, str, list[str]]:
    """The encoding and error handler to read a text file with, and what was assumed."""
    encoding = spec.options.get("encoding")
    if encoding is not None:
        return str(encoding), "strict", []
    choice = decide_encoding(sample, scan)
    return choice.read_as, choice.errors, [choice.words]


def _open_csv(spec: SourceSpec, chunk_size: int) -> tuple[SourceInfo, Iterator[pd.DataFrame]]:
    path = spec.path
    assert path is not None
    opts = dict(spec.options)
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    kind = binary_kind(sample) if "encoding" not in opts else None
    if kind is not None:
        raise SourceError(f"{spec.table}: {path.name} is not a text export: it looks like {kind}")
    scan = scan_file(path)
    encoding, errors, assumptions = _text_encoding(spec, sample, scan)
    try:
        text = sample.decode(encoding, errors="replace" if errors == "strict" else errors)
    except LookupError:
        raise SourceError(f"{spec.table}: unknown encoding {encoding!r} (source.encoding)") from None
    delimiter, skip = detect_layout(text, delimiter=opts.get("delimiter"))
    if opts.get("delimiter") is None:
        assumptions.append(f"delimiter {delimiter!r} (detected)")
    if "skip_rows" in opts:
        skip = int(opts["skip_rows"])
    elif skip:
        assumptions.append(f"skipped {skip} line(s) before the header (detected)")
    given = opts.get("header_names")
    header = [str(n).strip() for n in given] if given else header_fields(text, delimiter, skip)
    if given:
        assumptions.append(f"no header line: the {len(header)} columns are named by the config (header_names)")
    if not any(header):
        raise SourceError(f"{spec.table}: {path.name} has no header line")
    names, repeated = _unique_names(header)
    assumptions += [f"column '{name}' appears {n} times in the header; the later ones are read as '{name} (2)'..."
                    for name, n in repeated.items()]
    extras = [f"{_EXTRA_PREFIX}{i}" for i in range(1, EXTRA_FIELDS + 1)]
    na_values = list(DEFAULT_NA) + [str(v) for v in opts.get("na_values", [])]
    try:
        reader = pd.read_csv(
            path, sep=delimiter, encoding=encoding, encoding_errors=errors, skiprows=skip + (0 if given else 1),
            header=None,
            names=[*names, *extras], index_col=False, dtype=str, keep_default_na=False, na_values=na_values,
            chunksize=chunk_size, skipinitialspace=False,
        )
        first = next(reader, None)
    except pd.errors.EmptyDataError:
        first = None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"{spec.table}: cannot read {path.name}: {_read_error(exc, encoding)}") from None
    if first is None or first.empty:
        raise SourceError(f"{spec.table}: {path.name} has a header line but no records: export the rows, or "
                          f"remove {spec.table} from the config")
    short_last = None
    if not scan.ends_with_newline:
        fields = _last_record_fields(path, encoding, delimiter)
        short_last = fields is not None and fields < len(names)
    info = SourceInfo(str(path), "csv", scan.sha256, tuple(names), tuple(assumptions), tuple(repeated))

    def chunks() -> Iterator[pd.DataFrame]:
        try:
            pending = first
            for chunk in reader:
                yield _mark_read_issues(pending, extras, header_width=len(names), short_last=False)
                pending = chunk
            yield _mark_read_issues(pending, extras, header_width=len(names), short_last=bool(short_last))
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise SourceError(f"{spec.table}: cannot read {path.name}: {_read_error(exc, encoding)}") from None

    return info, chunks()


def _read_error(exc: BaseException, encoding: str) -> str:
    """The parser's complaint in words a reader can act on."""
    text = _first_line(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"the file is not {encoding} text ({text}); set source.encoding"
    if "EOF inside string" in text:
        return f"a quote is opened and never closed ({text.split('C error: ')[-1]}): check the quoting of that record"
    if "Expected" in text and "fields" in text:
        return f"{text.split('C error: ')[-1]} (more than {EXTRA_FIELDS} fields beyond the header: is the delimiter right?)"
    return text


def _mark_read_issues(chunk: pd.DataFrame, extras: list[str], *, header_width: int, short_last: bool) -> pd.DataFrame:
    """Drop the extra field slots, marking the records that filled them (and a truncated last one)."""
    over = chunk[extras].notna().any(axis=1)
    out = chunk.drop(columns=extras)
    issues = pd.Series("", index=chunk.index, dtype=object)
    if over.any():
        counts = chunk.loc[over, extras].notna().sum(axis=1) + header_width
        issues[over] = "the line has " + counts.astype(str) + f" fields, the header {header_width} (an unquoted " \
            "delimiter inside a value?)"
    if short_last and len(out):
        issues.iloc[-1] = "the file ends inside this record (a truncated export)"
    out[READ_ISSUES_COLUMN] = issues
    return out


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
        given = opts.get("header_names")
        frame = pd.read_excel(
            path,
            sheet_name=sheet,
            dtype=object,
            skiprows=int(opts.get("skip_rows", 0)),
            na_values=na_values,
            keep_default_na=False,
            **({"header": None, "names": [str(n).strip() for n in given]} if given else {}),
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


def excel_header_hint(spec: SourceSpec, wanted: set[str], *, rows: int = 30) -> str | None:
    """Where a workbook's mapped columns actually are, when they are not in the header row read:
    on another sheet, or on a later row (under a title or a merged group header). None when no
    sheet has them in its first ``rows`` rows."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(spec.path, read_only=True, data_only=True)
    except Exception:
        return None
    try:
        current = spec.options.get("sheet", 0)
        current_name = book.sheetnames[current] if isinstance(current, int) and current < len(book.sheetnames) else current
        best: tuple[int, str, int] | None = None
        for sheet in book.worksheets:
            for number, row in enumerate(sheet.iter_rows(max_row=rows, values_only=True), start=1):
                found = len(wanted & {str(v).strip() for v in row if v is not None})
                if found and (best is None or found > best[0]):
                    best = (found, sheet.title, number)
    finally:
        book.close()
    if best is None or best[0] < max(1, len(wanted) // 2):
        return None
    _, title, number = best
    where = [f"sheet: {title!r}"] if title != current_name else []
    if number > 1:
        where.append(f"skip_rows: {number - 1}")
    if not where:
        return None
    return (f"the columns are in row {number} of sheet {title!r}: set " + " and ".join(where)
            + f" under tables.{spec.table}.source")


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

