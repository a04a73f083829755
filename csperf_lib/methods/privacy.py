"""Redaction and pseudonymisation of free text before it is analysed, displayed or exported.

Public API:

- :func:`redact` — replace personal data in one text with typed placeholders.
- :func:`redact_series` — the same over a :class:`pandas.Series` (input never mutated).
- :func:`contains_pii` — the kinds of personal data found in a text (for tests and audits).
- :func:`pseudonymise`, :func:`pseudonymise_series`, :func:`pseudonymise_column` — stable keyed
  hash (HMAC-SHA256) of agent and customer identifiers, for reports that leave the team.
- :func:`privacy_settings`, :func:`read_or_create_key` — the key: an environment variable, else a
  key file created once outside every report; :func:`pseudonym_key_table` — the restricted map from
  pseudonyms back to agents, for the reviewer only.

Placeholders, in the order the detectors run (order matters: a URL or e-mail address contains
digits a phone detector would otherwise take, and a card number contains phone-like groups):

=============== ===========================================================================
``[EMAIL]``     ``name@example.co.uk``
``[URL]``       ``http(s)://…``, ``www.…`` and bare domains with a common TLD (``.com``,
                ``.co.uk``, ``.org``, …), with an optional path
``[IBAN]``      upper-case IBAN, grouped or not, that passes the ISO 13616 mod-97 check
``[CARD]``      13–19 digits, optionally separated by single spaces or dashes, Luhn-valid
                only (a Luhn-invalid 16-digit order id is left alone)
``[SORT_CODE]`` ``nn-nn-nn`` anywhere; ``nn nn nn`` / ``nnnnnn`` only after "sort code"
``[ACCOUNT]``   8-digit UK account number within 25 characters after "account", "acct",
                "acc no", "a/c" or a ``[SORT_CODE]`` placeholder
``[ZIP]``       US ZIP+4 (``94105-1234``) anywhere; a 5-digit ZIP only after a US state
                abbreviation (``NY 10001``, ``CA 94105``) or the words "zip"/"zip code"/
                "postal code" — a bare 5-digit number is far more often an order number or a
                price in contact-centre text, so it is left alone
``[PHONE]``     international (``+44 7700 900123``, ``+1 (415) 555-0132``, ``0033 1 23 45 67
                89``; 8–15 digits), UK national (``07700 900123``, ``(020) 7946 0018``,
                ``0161 496 0000``; 10–11 digits starting with 0) and North American national
                (``(415) 555-0132``, ``415-555-0132``)
``[POSTCODE]``  UK postcode: capitals (``SW1A 1AA``, ``M1 1AE``), any case after "postcode"
=============== ===========================================================================

Already-masked values in real data (``XXXX``, ``XX/XX/2019``, ``{$XXXX}`` as in the CFPB
complaint narratives) contain no digits in the masked part, so no detector matches them and
they are left as they are.

Limitations (the rules favour recall on the kinds above, then precision on ordinary text):

* A date written ``dd-mm-yy`` is indistinguishable from a sort code and is redacted.
* Reference numbers grouped like a phone number are redacted as ``[PHONE]`` (a UK-shaped
  ``0123 456 789`` / ``01234 567890`` or a North American ``123 456 7890``) unless a word just
  before names them as a reference: "bag tag", "order", "ticket", "booking", "ref", "flight",
  "case", "claim", "tracking", "invoice" (an identifier of a thing, not of a person). Ungrouped or
  prefixed ids (``ORD-2026-00123``, ``INC0012345``, ``1234567812345678``) are left alone.
* A bare domain with a listed TLD (``docs.python.org``) is a ``[URL]`` even without a scheme.
* Lower-case postcodes are detected only after a word that announces one ("postcode m1 1ae",
  "address: sw1a 1aa"): matching them anywhere eats words like ``mp3 4gb``. Lower-case IBANs are
  not detected; phone numbers written in words or split over lines are not detected.
* Names and street addresses are not detected — this is pattern-based redaction, not NER.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import os
import re
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from csperf_lib.core.settings import PrivacySettings, section_settings

__all__ = [
    "PII_KINDS",
    "contains_pii",
    "default_key_file",
    "key_file_path",
    "privacy_settings",
    "pseudonym_key_table",
    "pseudonymise",
    "pseudonymise_column",
    "pseudonymise_series",
    "read_or_create_key",
    "redact",
    "redact_series",
]

# --------------------------------------------------------------------------------------------
# patterns
# --------------------------------------------------------------------------------------------

_TRAILING_PUNCT = ".,;:!?)]}'\""
# A number that continues as a time, date or decimal ("10:30", "12/03", "3.5") is not a phone.
_NUM_END = r"(?!\d|[:/.,]\d)"

_EMAIL = re.compile(
    r"(?i)(?<![\w.%+-])[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b"
)
_URL_SCHEME = re.compile(r"(?i)\b(?:https?://|ftp://|www\.)[^\s<>\"'\[\]]+")
_URL_BARE = re.compile(
    r"(?i)(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|org|net|io|gov|edu|info|biz|uk|us|eu|ie|co)\b(?:/[^\s<>\"'\[\]]*)?"
)
#: A social-media handle: "@" and 2-30 word characters, not part of an e-mail address (which is
#: found first) and not "@ 3pm". Handles name people, so they are personal data in every output.
_HANDLE = re.compile(r"(?<![\w.@])@\w{2,30}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_CARD = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?!\d)")
_SORT_CODE = re.compile(r"(?<![\d-])\d{2}-\d{2}-\d{2}(?![\d-])")
_SORT_CODE_CONTEXT = re.compile(
    r"(?i:sort[ -]?code(?:\s*(?:is|was|number|no\.?|[:#=-]))*)\s*(\d{2}[ .]?\d{2}[ .]?\d{2})(?!\d)"
)
_ACCOUNT = re.compile(
    r"(?:(?i:\b(?:account|acct|acc|a/c)\b(?:\s*(?:no\.?|number|num|#))?)|\[SORT_CODE\])"
    r"[^\d\n]{0,25}?(?<!\d)(\d{8})(?!\d)"
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
_ZIP_PLUS4 = re.compile(r"(?<![\d-])\d{5}-\d{4}(?![\d-])")
_ZIP_CONTEXT = re.compile(
    rf"(?:\b(?:{_US_STATES})\b,?|(?i:\b(?:zip(?:\s*code)?|postal\s*code)\b)[:#]?)\s*(\d{{5}})(?![\d-])"
)
_PHONE_INTL = re.compile(
    r"(?<![\w+])(?:\+|\b00)\d{1,3}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,4})){1,7}" + _NUM_END
)
_PHONE_UK = re.compile(r"(?<![\w+-])(?:\(0\d{2,4}\)|0\d{2,4})[ -]?\d{3,4}[ -]?\d{3,4}" + _NUM_END)
_PHONE_NANP = re.compile(
    r"(?<![\w+-])(?:1[ .-])?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}" + _NUM_END
)
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b")
#: A postcode in any case after a word that announces one ("postcode m1 1ae", "address: sw1a 1aa").
_POSTCODE_CUED = re.compile(
    r"(?i)\b(?:post\s?code|postal\s+code|address)\b[\s:,-]*(?:is\s+)?"
    r"((?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}))\b"
)


# --------------------------------------------------------------------------------------------
# validators: each takes a match and gives the span to replace, or None to keep the text
# --------------------------------------------------------------------------------------------

Span = tuple[int, int]


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _iban_ok(compact: str) -> bool:
    if not (15 <= len(compact) <= 34 and compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _whole(m: re.Match) -> Span | None:
    """The match itself, or its first group when the pattern has one (context patterns)."""
    return m.span(1) if m.re.groups else m.span()


def _cued(m: re.Match) -> Span | None:
    return m.span(1)


def _trim_punct(m: re.Match) -> Span | None:
    start, end = m.span()
    text = m.string
    while end > start and text[end - 1] in _TRAILING_PUNCT:
        end -= 1
    return (start, end) if end > start else None


def _longest_valid_prefix(
    m: re.Match, *, is_unit: Callable[[str], bool], valid: Callable[[str], bool], min_units: int
) -> Span | None:
    """Longest prefix of the match that ends on a group boundary and passes ``valid``.

    Greedy patterns may run into a neighbouring number or word ("GB82 WEST … 32 OK"); shrinking
    to the longest valid prefix keeps the real value and leaves the neighbour alone.
    """
    start, end = m.span()
    text = m.string
    positions = [i for i in range(start, end) if is_unit(text[i])]
    for n in range(len(positions), min_units - 1, -1):
        stop = positions[n - 1] + 1
        if stop < end and is_unit(text[stop]):
            continue  # would cut a group in two
        if valid("".join(text[i] for i in positions[:n])):
            return start, stop
    return None


def _card(m: re.Match) -> Span | None:
    return _longest_valid_prefix(m, is_unit=str.isdigit, valid=_luhn_ok, min_units=13)


def _iban(m: re.Match) -> Span | None:
    return _longest_valid_prefix(m, is_unit=str.isalnum, valid=_iban_ok, min_units=15)


def _digit_count(low: int, high: int) -> Callable[[re.Match], Span | None]:
    def check(m: re.Match) -> Span | None:
        n = sum(ch.isdigit() for ch in m.group())
        return m.span() if low <= n <= high else None

    return check


#: Words that name the number after them as a reference, not a phone: a bag tag, an order,
#: ticket, booking, flight or case number identifies a thing, not a person.
_REFERENCE_CUE = re.compile(
    r"\b(?:bag(?:gage)?\s*tag|tag|order|ticket|booking|reservation|ref|reference|flight|confirmation|"
    r"tracking|invoice|case|claim|pnr|locator)(?:\s*(?:no\.?|number|num|id|#))?\s*[:#]?\s*$",
    re.IGNORECASE,
)


def _not_a_reference(check: Callable[[re.Match], Span | None]) -> Callable[[re.Match], Span | None]:
    """A phone detector's check that leaves numbers introduced as references alone."""

    def guarded(m: re.Match) -> Span | None:
        span = check(m)
        if span is not None and _REFERENCE_CUE.search(m.string[max(0, span[0] - 40):span[0]]):
            return None
        return span

    return guarded


# (kind, placeholder, pattern, validator) in the order they are applied.
_DETECTORS: tuple[tuple[str, str, re.Pattern, Callable[[re.Match], Span | None]], ...] = (
    ("email", "[EMAIL]", _EMAIL, _whole),
    ("handle", "[HANDLE]", _HANDLE, _whole),
    ("url", "[URL]", _URL_SCHEME, _trim_punct),
    ("url", "[URL]", _URL_BARE, _trim_punct),
    ("iban", "[IBAN]", _IBAN, _iban),
    ("card", "[CARD]", _CARD, _card),
    ("sort_code", "[SORT_CODE]", _SORT_CODE, _whole),
    ("sort_code", "[SORT_CODE]", _SORT_CODE_CONTEXT, _whole),
    ("account", "[ACCOUNT]", _ACCOUNT, _whole),
    ("zip", "[ZIP]", _ZIP_PLUS4, _whole),
    ("zip", "[ZIP]", _ZIP_CONTEXT, _whole),
    ("phone", "[PHONE]", _PHONE_INTL, _not_a_reference(_digit_count(8, 15))),
    ("phone", "[PHONE]", _PHONE_UK, _not_a_reference(_digit_count(10, 11))),
    ("phone", "[PHONE]", _PHONE_NANP, _not_a_reference(_digit_count(10, 11))),
    ("postcode", "[POSTCODE]", _POSTCODE, _whole),
    ("postcode", "[POSTCODE]", _POSTCODE_CUED, _cued),
)

#: The kinds :func:`contains_pii` reports, in detection order.
PII_KINDS: tuple[str, ...] = tuple(dict.fromkeys(kind for kind, *_ in _DETECTORS))


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _apply(text: str) -> tuple[str, list[str]]:
    """Redacted text and the kinds found, in detection order (no duplicates)."""
    found: list[str] = []
    for kind, placeholder, pattern, check in _DETECTORS:
        pieces: list[str] = []
        pos = 0
        for m in pattern.finditer(text):
            span = check(m)
            if span is None or span[0] < pos:
                continue
            pieces.append(text[pos : span[0]])
            pieces.append(placeholder)
            pos = span[1]
        if pieces:
            pieces.append(text[pos:])
            text = "".join(pieces)
            if kind not in found:
                found.append(kind)
    return text, found


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def redact(text):
    """Replace personal data in ``text`` with typed placeholders.

    Parameters
    ----------
    text : str or None
        Free text (a complaint narrative, a call note, a chat line). ``None``, NaN and ``pd.NA``
        are returned unchanged; any other non-string value is converted with :class:`str` first,
        so a card number stored as an integer cannot slip through.

    Returns
    -------
    str
        The text with e-mail addresses, URLs, IBANs, Luhn-valid card numbers, sort codes,
        account numbers, US ZIP codes, phone numbers and UK postcodes replaced by ``[EMAIL]``,
        ``[URL]``, ``[IBAN]``, ``[CARD]``, ``[SORT_CODE]``, ``[ACCOUNT]``, ``[ZIP]``,
        ``[PHONE]`` and ``[POSTCODE]`` (rules in the module docstring). Existing masks such as
        ``XXXX`` or ``XX/XX/2019`` are left as they are. Redacting twice changes nothing.
    """
    if _is_missing(text):
        return text
    return _apply(str(text))[0]


def contains_pii(text) -> list[str]:
    """The kinds of personal data :func:`redact` would replace in ``text``.

    Parameters
    ----------
    text : str or None
        As for :func:`redact`; missing values contain nothing.

    Returns
    -------
    list of str
        Kinds from :data:`PII_KINDS` (``"email"``, ``"url"``, ``"iban"``, ``"card"``,
        ``"sort_code"``, ``"account"``, ``"zip"``, ``"phone"``, ``"postcode"``), each once, in
        detection order; empty when the text is clean.
    """
    if _is_missing(text):
        return []
    return _apply(str(text))[1]


def redact_series(values: pd.Series) -> pd.Series:
    """:func:`redact` applied to every value of ``values``; a new Series (input not mutated).

    Each distinct value is redacted once, so long columns with repeated text are cheap. Index
    and name are kept, and so is a pandas string dtype (other inputs give ``object``); missing
    values stay missing.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = [redact(u) for u in uniques]
    out = [done[c] if c >= 0 else v for c, v in zip(codes, values.tolist(), strict=True)]
    return _like(values, out)


def _like(values: pd.Series, out: list) -> pd.Series:
    """A new Series of ``out`` with the index and name of ``values`` (string dtype kept)."""
    result = pd.Series(out, index=values.index.copy(), name=values.name, dtype=object)
    if values.dtype != object and pd.api.types.is_string_dtype(values.dtype):
        result = result.astype(values.dtype)
    return result


def _key_bytes(key: bytes | str) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"key must be bytes or str, got {type(key).__name__}")
    if not key:
        raise ValueError("a non-empty key is required to pseudonymise (there is no default)")
    return bytes(key)


def pseudonymise(value, *, key: bytes | str, prefix: str = "P-", length: int = 8):
    """A stable keyed pseudonym for an agent or customer identifier.

    ``prefix + hex(HMAC-SHA256(key, str(value).strip()))[:length]``, e.g. ``"P-3f9a1c2e"``.
    The same value and key always give the same pseudonym; without the key the pseudonym cannot
    be recomputed from a guessed identifier (unlike a plain hash). Keep the key out of reports
    and version control.

    Parameters
    ----------
    value : object
        The identifier. It is compared as text after stripping surrounding spaces, so ``"A17 "``
        and ``"A17"`` match, but ``17`` and ``17.0`` do not. ``None``/NaN are returned unchanged.
    key : bytes or str, keyword-only
        Secret key (str is UTF-8 encoded). Required; an empty key raises ``ValueError``.
    prefix : str, keyword-only
        Text before the hex digest, default ``"P-"``.
    length : int, keyword-only
        Hex characters kept, 4–64, default 8 (32 bits: collisions become likely around 65 000
        distinct identifiers; use 12 or more for larger populations).

    Returns
    -------
    str
    """
    secret = _key_bytes(key)
    if not 4 <= int(length) <= 64:
        raise ValueError(f"length must be between 4 and 64, got {length!r}")
    if _is_missing(value):
        return value
    digest = hmac.new(secret, str(value).strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}{digest[: int(length)]}"


def pseudonymise_series(
    values: pd.Series, *, key: bytes | str, prefix: str = "P-", length: int = 8
) -> pd.Series:
    """:func:`pseudonymise` applied to every value of ``values``; a new Series.

    Options as for :func:`pseudonymise`; missing values stay missing; index and name are kept.
    """
    _key_bytes(key)  # fail fast, even on an empty Series
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = [pseudonymise(u, key=key, prefix=prefix, length=length) for u in uniques]
    out = [done[c] if c >= 0 else v for c, v in zip(codes, values.tolist(), strict=True)]
    return _like(values, out)


#: The environment variable holding the pseudonymisation key unless ``privacy.key_env`` names another.
DEFAULT_KEY_ENV = PrivacySettings.model_fields["key_env"].default


def privacy_settings(config=None) -> tuple[bytes, bool]:
    """The pseudonymisation key and whether it is stable across runs.

    In order: the environment variable named by ``privacy.key_env`` (default
    ``CSPERF_PSEUDONYM_KEY``); else the key file (``privacy.key_file``, relative to the config, or
    :func:`default_key_file`), created on first use with 32 random bytes and owner-only
    permissions (0600) and read on every later run, so the same agent gets the same pseudonym in
    every report. The key is never written into a report. Only when the key file can be neither
    read nor created (a read-only home folder) is a random one-off key used: pseudonyms are then
    consistent within the run but not across runs, and the stages say so.
    """
    settings = section_settings(config, "privacy")[1]  # checked against PrivacySettings
    value = os.environ.get(settings.key_env)
    if value:
        return value.encode("utf-8"), True
    try:
        return read_or_create_key(key_file_path(config)), True
    except OSError:
        return secrets.token_bytes(32), False


def default_key_file() -> Path:
    """``csperf/pseudonym.key`` in the user's configuration folder (``$XDG_CONFIG_HOME``, else
    ``~/.config``): outside every project and report folder, so sharing either never shares it."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "csperf" / "pseudonym.key"


def key_file_path(config=None) -> Path:
    """The key file a config uses: ``privacy.key_file`` (relative to the config's folder) or
    :func:`default_key_file`."""
    path, settings = section_settings(config, "privacy")
    if not settings.key_file:
        return default_key_file()
    named = Path(settings.key_file).expanduser()
    if not named.is_absolute() and path != "<config>":
        named = Path(path).resolve().parent / named
    return named


def read_or_create_key(path: str | Path) -> bytes:
    """The key held in ``path`` (hex text), creating the file with a new random key when absent.

    Creation is atomic (a temporary file hard-linked into place), so concurrent first runs agree on
    one key; the file and a folder created for it are readable by their owner only.

    Raises
    ------
    OSError
        The file can be neither read nor created.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pseudonym-key-")
        try:
            os.chmod(tmp, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            with contextlib.suppress(FileExistsError):  # another run created it first: use theirs
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise OSError(f"{path} is empty")
    return text.encode("utf-8")


def pseudonym_key_table(agent_ids: pd.Series, *, key: bytes | str) -> pd.DataFrame:
    """Each distinct agent identifier beside its pseudonym (columns ``agent_id``, ``pseudonym``),
    sorted by identifier: the restricted key a reviewer uses to find the person behind a coaching
    action. Never part of a shareable report."""
    ids = pd.Series(agent_ids, dtype="string").dropna().str.strip()
    ids = ids[ids.ne("")].drop_duplicates().sort_values(kind="stable").reset_index(drop=True)
    return pd.DataFrame({"agent_id": ids, "pseudonym": pseudonymise_series(ids, key=key)})


def pseudonymise_column(frame: pd.DataFrame, column: str = "agent_id", *, key: bytes | str) -> pd.DataFrame:
    """A copy of ``frame`` with ``column`` replaced by keyed pseudonyms (unchanged when absent)."""
    if column not in frame:
        return frame
    out = frame.copy()
    out[column] = pseudonymise_series(out[column], key=key)
    return out
