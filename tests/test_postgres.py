"""Collect from a real PostgreSQL server: row accounting, type conversion, and no password leaks.

A throw-away server is started once for the module (``initdb -A scram-sha-256`` with a random
superuser password, loopback only, socket in a temp folder) and removed afterwards. The tests skip,
saying what is missing, when the PostgreSQL binaries (Debian package ``postgresql``), ``su`` (needed
as root: initdb refuses to run as root) or ``psycopg`` are absent, or when the server cannot start.

The password reaches csperf only through the environment variable named in ``password_env``; every
test checks it never comes back out: not in the manifest, not in an error, not in any report file.
"""

from __future__ import annotations

import datetime as dt
import gc
import glob
import hashlib
import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE_CONFIG

from csperf_lib.core.config import load_config
from csperf_lib.core.errors import SourceError, StoreError
from csperf_lib.ingest.manifest import read_manifest
from csperf_lib.ingest.store import Store
from csperf_lib.stages.collect import collect
from csperf_lib.stages.validate import validate

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
PG_OS_USER = "postgres"
#: A superuser name that cannot be confused with the driver name "postgresql" in a URL.
PG_SUPERUSER = "csperf_admin"
DB_NAME = "csperf_src"
PASSWORD_ENV = "CSPERF_TEST_PG_PASSWORD"
QUERY = "select * from calls order by call_ref"
N_ROWS = 50
BAD_ROW = 17  # 1-based record number of the row with a negative wait
TIMEZONE = "Europe/Berlin"  # UTC+1 in January: timestamptz values are shifted by one hour


@dataclass(frozen=True)
class PgServer:
    """A running throw-away server."""

    port: int
    password: str
    folder: Path

    @property
    def url(self) -> str:
        """SQLAlchemy URL without a password (as it is written in a config)."""
        return f"postgresql+psycopg://{PG_SUPERUSER}@127.0.0.1:{self.port}/{DB_NAME}"


def _pg_bin() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not found:
        pytest.skip(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
            "(apt-get install -y postgresql)"
        )
    folder = Path(found[-1]).parent
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (folder / tool).is_file():
            pytest.skip(f"{folder / tool} is missing: the PostgreSQL installation is incomplete")
    return folder


def _runner(folder: Path):
    """Run a command as the PostgreSQL OS user when we are root (initdb refuses root), else as us."""
    if os.geteuid() != 0:
        return lambda argv, **kw: subprocess.run(argv, cwd=folder, capture_output=True, text=True, **kw)
    su = shutil.which("su")
    if su is None:
        pytest.skip("'su' is not available: cannot run initdb as a non-root user")
    try:
        user = pwd.getpwnam(PG_OS_USER)
    except KeyError:
        pytest.skip(f"OS user '{PG_OS_USER}' does not exist (it comes with the postgresql package)")
    os.chown(folder, user.pw_uid, user.pw_gid)

    def run(argv, **kw):
        return subprocess.run(
            [su, PG_OS_USER, "-s", "/bin/sh", "-c", shlex.join(argv)],
            cwd=folder,
            capture_output=True,
            text=True,
            **kw,
        )

    return run


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def _rows() -> list[tuple]:
    """50 calls on 2026-01-05/06; every 5th abandoned; record BAD_ROW has a negative wait."""
    start = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.timezone.utc)
    rows = []
    for i in range(1, N_ROWS + 1):
        abandoned = i % 5 == 0
        rows.append(
            (
                f"PG{i:03d}",
                start + dt.timedelta(minutes=37 * (i - 1)),
                not abandoned,
                abandoned,
                None if abandoned else f"A{i % 4 + 1}",
                "Billing" if i % 2 else "Técnico",
                -5 if i == BAD_ROW else 10 + i,
                dt.timedelta(0) if abandoned else dt.timedelta(minutes=2, seconds=i),
                None if i % 3 == 0 else i % 7 == 0,
                f"note {i}: she said \"it's fine\"; ✓",
            )
        )
    return rows


def _load_data(port: int, password: str) -> None:
    import psycopg

    deadline = time.monotonic() + 15
    while True:
        try:
            admin = psycopg.connect(
                host="127.0.0.1", port=port, user=PG_SUPERUSER, password=password,
                dbname="postgres", autocommit=True, connect_timeout=3,
            )
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    with admin:
        admin.execute(f"create database {DB_NAME}")
    with psycopg.connect(
        host="127.0.0.1", port=port, user=PG_SUPERUSER, password=password, dbname=DB_NAME
    ) as con:
        con.execute(
            """create table calls (
                call_ref text primary key,
                started timestamptz not null,
                answered boolean not null,
                abandoned boolean not null,
                agent text,
                queue text,
                wait_seconds integer,
                talk interval,
                escalated boolean,
                note text
            )"""
        )
        with con.cursor() as cur:
            cur.executemany("insert into calls values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", _rows())


@pytest.fixture(scope="module")
def pg_server():
    """Start a throw-away PostgreSQL server with a random superuser password; stop and remove it."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'csperf[postgres]')")
    bindir = _pg_bin()
    # /tmp, not $TMPDIR: the postgres user must reach it and the socket path must stay short
    folder = Path(tempfile.mkdtemp(prefix="csperf-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
    data, log = folder / "data", folder / "server.log"
    started = False
    try:
        run = _runner(folder)  # may skip; nothing started yet
        password = secrets.token_urlsafe(24)
        pwfile = folder / "pwfile"
        pwfile.write_text(password + "\n", encoding="utf-8")
        pwfile.chmod(0o600)
        if os.geteuid() == 0:
            shutil.chown(pwfile, user=PG_OS_USER)
        init = run(
            [str(bindir / "initdb"), "-D", str(data), "-A", "scram-sha-256", "-U", PG_SUPERUSER,
             f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C", "--no-sync"],
            timeout=120,
        )
        pwfile.unlink()
        if init.returncode != 0:
            last = (init.stderr or init.stdout).strip().splitlines()[-1:] or ["no output"]
            pytest.skip(f"initdb failed, cannot create a PostgreSQL server: {last[0]}")
        for _attempt in range(3):  # the free port may be taken between choosing and binding it
            port = _free_port()
            options = f"-p {port} -k {shlex.quote(str(folder))} -c listen_addresses=127.0.0.1 -c fsync=off"
            start = run(
                [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "30",
                 "start"],
                timeout=60,
            )
            if start.returncode == 0:
                started = True
                break
        if not started:
            pytest.skip(f"the PostgreSQL server cannot start: {_tail(log)}")
        _load_data(port, password)
        yield PgServer(port=port, password=password, folder=folder)
    finally:
        if started:
            gc.collect()  # close connections of abandoned source iterators while the server is up
            run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


CONFIG = """\
organisation: Postgres Test Centre
reviewer: Tester
period: {{start: 2026-01-05, end: 2026-01-31}}
timezone: {timezone}
{store}tables:
  contacts:
    source:
      sql:
        url: {url}
        password_env: {password_env}
        query: {query}
    columns:
      contact_id: call_ref
      arrived_at: started
      answered: answered
      abandoned: abandoned
      agent_id: agent
      queue: queue
      wait_s: wait_seconds
      talk_s: talk
      escalated: escalated
      channel: {{value: phone}}
"""


def write_config(tmp_path: Path, server: PgServer, *, password_env: str = PASSWORD_ENV,
                 query: str = QUERY, store: str | None = None) -> Path:
    path = tmp_path / "review.yaml"
    path.write_text(
        CONFIG.format(
            timezone=TIMEZONE, url=server.url, password_env=password_env, query=query,
            store="" if store is None else f'store: {{url: "{store}"}}\n',
        ),
        encoding="utf-8",
    )
    return path


def assert_no_password(text: str, *passwords: str) -> None:
    for secret in passwords:
        assert secret not in text, "the database password leaked"


def source_error(config_path: Path) -> SourceError:
    """The SourceError collecting this config raises."""
    config = load_config(config_path)
    with Store("duckdb://") as store, pytest.raises(SourceError) as err:
        collect(config, store)
    return err.value


def assert_clean_error(err: SourceError, *passwords: str) -> str:
    """One line, no password in its text nor in the traceback a user would see."""
    message = str(err)
    assert "\n" not in message, message
    assert_no_password(message, *passwords)
    assert_no_password("".join(traceback.format_exception(err)), *passwords)
    return message


def test_collect_and_validate_from_postgres(pg_server, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, pg_server.password)
    config = load_config(write_config(tmp_path, pg_server))
    with Store("duckdb://") as store:
        manifest = collect(config, store, chunk_size=20)  # 3 chunks from a server-side cursor
        stored_manifest = read_manifest(store)
        result = validate(config, store)
        usable = store.to_pandas("contacts").set_index("contact_id")

    record = manifest.set_index("table").loc["contacts"]
    assert record["format"] == "sql"
    assert record["rows_read"] == N_ROWS and record["rows_in"] == N_ROWS
    assert record["rows_skipped"] == 0 and record["rows_with_parse_issues"] == 0
    assert record["sha256"] == hashlib.sha256(QUERY.encode("utf-8")).hexdigest()
    assert record["location"] == f"postgresql+psycopg://127.0.0.1:{pg_server.port}/{DB_NAME}"
    assert PG_SUPERUSER not in record["location"] and "@" not in record["location"]
    assert "note" in record["extra_columns"]
    # timestamptz 08:00 UTC is 09:00 in Berlin, stored naive
    assert record["first_record_at"] == "2026-01-05T09:00:00"
    assert_no_password(manifest.to_json(), pg_server.password)
    assert_no_password(stored_manifest.to_json(), pg_server.password)

    accounting = result.accounting.set_index("table").loc["contacts"]
    assert accounting["rows_in"] == N_ROWS
    assert accounting["rows_usable"] + accounting["rows_quarantined"] == N_ROWS
    assert accounting["rows_quarantined"] == 1 and bool(accounting["passed"])
    quarantined = result.quarantine.set_index("_row")
    assert list(quarantined.index) == [BAD_ROW]
    assert quarantined.loc[BAD_ROW, "record_id"] == f"PG{BAD_ROW:03d}"
    assert "wait_s: must be >= 0" in quarantined.loc[BAD_ROW, "reasons"]
    assert result.authenticity["unchanged"].isna().all()  # no file to re-hash for SQL

    assert len(usable) == N_ROWS - 1 and f"PG{BAD_ROW:03d}" not in usable.index
    assert usable["arrived_at"].dtype.kind == "M" and usable["arrived_at"].dt.tz is None
    assert usable.loc["PG001", "arrived_at"] == dt.datetime(2026, 1, 5, 9, 0)
    assert usable.loc["PG002", "arrived_at"] == dt.datetime(2026, 1, 5, 9, 37)
    assert pd.api.types.is_bool_dtype(usable["answered"].dtype)
    assert bool(usable.loc["PG001", "answered"]) and not bool(usable.loc["PG005", "answered"])
    assert bool(usable.loc["PG005", "abandoned"])
    assert bool(usable.loc["PG007", "escalated"]) and not bool(usable.loc["PG001", "escalated"])
    assert usable["escalated"].isna().sum() == sum(1 for i in range(1, N_ROWS + 1) if i % 3 == 0 and i != BAD_ROW)
    assert usable.loc["PG001", "wait_s"] == 11.0
    assert usable.loc["PG001", "talk_s"] == 121.0  # interval 00:02:01
    assert usable.loc["PG005", "talk_s"] == 0.0
    assert usable.loc["PG002", "queue"] == "Técnico" and usable.loc["PG002", "channel"] == "phone"
    assert usable.loc["PG001", "note"] == "note 1: she said \"it's fine\"; ✓"


def test_null_interval_is_a_missing_duration(pg_server, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, pg_server.password)
    query = QUERY.replace("*", "*, case when abandoned then null else talk end as talk_or_null")
    config_path = write_config(tmp_path, pg_server, query=query)
    config_path.write_text(
        config_path.read_text(encoding="utf-8").replace("talk_s: talk", "talk_s: talk_or_null"),
        encoding="utf-8",
    )
    config = load_config(config_path)
    with Store("duckdb://") as store:
        collect(config, store)
        collected = store.to_pandas("collected_contacts").set_index("contact_id")
    assert collected["talk_s"].isna().sum() == N_ROWS // 5
    assert collected.loc["PG001", "talk_s"] == 121.0


def test_wrong_password_is_one_line_naming_the_table(pg_server, tmp_path, monkeypatch):
    wrong = "wrong-" + secrets.token_urlsafe(16)
    monkeypatch.setenv(PASSWORD_ENV, wrong)
    message = assert_clean_error(source_error(write_config(tmp_path, pg_server)), wrong, pg_server.password)
    assert message.startswith("contacts: cannot query postgresql+psycopg://127.0.0.1:"), message
    assert "password authentication failed" in message, message


def test_unset_password_variable_is_named(pg_server, tmp_path, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    message = assert_clean_error(source_error(write_config(tmp_path, pg_server)), pg_server.password)
    assert message == f"contacts: environment variable {PASSWORD_ENV} (password_env) is not set"


def test_failing_query_is_one_line_without_password_and_closes_its_connection(
    pg_server, tmp_path, monkeypatch
):
    import psycopg

    monkeypatch.setenv(PASSWORD_ENV, pg_server.password)
    app = "csperf_failing_query"
    config_path = write_config(tmp_path, pg_server, query="select * from no_such_table")
    config_path.write_text(
        config_path.read_text(encoding="utf-8").replace(DB_NAME, f"{DB_NAME}?application_name={app}"),
        encoding="utf-8",
    )
    message = assert_clean_error(source_error(config_path), pg_server.password)
    assert message.startswith("contacts: cannot query"), message
    assert "no_such_table" in message, message
    with psycopg.connect(
        host="127.0.0.1", port=pg_server.port, user=PG_SUPERUSER, password=pg_server.password,
        dbname=DB_NAME,
    ) as con:
        left = con.execute(
            "select count(*) from pg_stat_activity where application_name = %s", (app,)
        ).fetchone()[0]
    assert left == 0, "the failed query left its connection open"


@pytest.mark.slow  # executes the stage notebooks (about 10 s of kernel starts and rendering)
def test_full_review_never_writes_the_password(pg_server, tmp_path, monkeypatch):
    report = pytest.importorskip("csperf_lib.report.runner", reason="csperf_lib.report.runner is not available yet")
    if not hasattr(report, "run_review"):
        pytest.skip("csperf_lib.report.runner.run_review is not available yet")
    monkeypatch.setenv(PASSWORD_ENV, pg_server.password)  # inherited by the stage kernels
    config_path = write_config(tmp_path, pg_server, store=f"duckdb://{tmp_path / 'store.duckdb'}")
    out = tmp_path / "reports"
    try:
        result = report.run_review(
            config_path, out_dir=out, notebooks_dir=ROOT / "notebooks", progress=False, log=lambda _: None
        )
    finally:  # a failed run leaves a .failed folder: it must not hold the password either
        files = [p for p in out.rglob("*") if p.is_file()]
        assert files, "the review wrote nothing"
        for path in files:
            data = path.read_bytes()
            assert pg_server.password.encode() not in data, f"the password leaked into {path.name}"
    names = {p.name for p in result.run_dir.iterdir()}
    assert {"00_collect.ipynb", "00_collect.html", "summary.json", "manifest.json"} <= names
    manifest_text = (result.run_dir / "manifest.json").read_text(encoding="utf-8")
    assert f"127.0.0.1:{pg_server.port}/{DB_NAME}" in manifest_text  # the source is named...
    assert PG_SUPERUSER not in manifest_text  # ...without its user name


# --- The processed store itself on PostgreSQL -------------------------------------------------

STORE_DB = "csperf_store"
STORE_CALLS = """Call ID;Start;Ans;Aband;Agent;Queue Time;Talk;Team;Memo
C1;05/01/2026 09:00:00;Y;N;A1;0:00:10;120;Red;
C2;05/01/2026 09:05:00;Y;N;A2;0:00:20;200;Red;
C3;05/01/2026 09:10:00;N;Y;;0:01:30;;Blue;
C4;05/01/2026 09:15:00;Y;Y;A1;0:00:05;90;Blue;
C5;05/01/2026 09:20:00;Y;N;;0:00:05;90;Blue;
C6;05/01/2026 09:25:00;Y;N;A2;-0:00:05;60;Red;call back
C7;32/01/2026 09:30:00;Y;N;A2;0:00:05;60;Red;
C2;05/01/2026 09:05:00;Y;N;A2;0:00:20;200;Red;
C8;05/03/2026 09:00:00;Y;N;A1;0:00:05;60;Red;
C9;05/01/2026 10:00:00;Y;N;A1;25:61:00;60;Red;
C10;06/01/2026 10:00:00;Y;N;A1;0:00:07;70;;Café ✓
C11;06/01/2026 10:05:00;Y;N;A2;0:00:08;80;Blue;
"""
STORE_SURVEYS = """rid,call,csat,comment
R1,C1,5,great
R2,C2,7,hmm
R3,C99,4,unknown call
R4,C10,,no score
R5,C11,3,=HYPERLINK("http://x")
"""
STORE_CONFIG = SAMPLE_CONFIG.replace("organisation: Test Org", "organisation: Store Test Centre")
#: Quarantined rows of STORE_CALLS (record number -> a reason) and STORE_SURVEYS. "Memo" is blank
#: in the whole first chunk of 5 records, so the table is created with an all-null text column.
STORE_BAD_CONTACTS = {
    4: "abandoned contacts are not answered",
    5: "answered contacts have an agent",
    6: "wait_s: must be >= 0",
    7: "arrived_at: cannot read '32/01/2026 09:30:00'",
    8: "contact_id: duplicate contact_id of an earlier record",
    9: "arrived_at: is outside the review period",
    10: "wait_s: cannot read '25:61:00'",
}
STORE_BAD_SURVEYS = {2: "csat: must be between 1 and 5", 3: "contact_id: refers to an unknown contact", 4: "at least one of"}


def _review_on(store_url: str, config) -> dict:
    """Collect + validate into the store at ``store_url``; what a reviewer would compare."""
    with Store(store_url) as store:
        manifest = collect(config, store, chunk_size=5)  # several appends per table
        # each chunk's in-memory copy (a temporary table on PostgreSQL) is released once written
        assert not [t for t in store.con.list_tables() if t.startswith("ibis_")]
        result = validate(config, store, chunk_size=4)  # several streamed batches per table
        usable = {t: store.to_pandas(t).sort_values("_row").reset_index(drop=True) for t in ("contacts", "surveys")}
        quarantine_table = store.to_pandas("quarantine")
        tables = {t for t in store.con.list_tables() if not t.startswith("ibis_")}
    accounting = result.accounting.set_index("table")[["rows_in", "rows_usable", "rows_quarantined", "passed"]]
    quarantine = result.quarantine.sort_values(["table", "_row"]).reset_index(drop=True)
    stored = quarantine_table.sort_values(["table", "_row"]).reset_index(drop=True)
    return {
        "manifest": manifest.drop(columns="extracted_at"),
        "accounting": accounting,
        "quarantine": quarantine,
        "stored_quarantine": stored,
        "failures": result.failures.sort_values(["table", "column", "check"]).reset_index(drop=True),
        "scorecard": result.scorecard,
        "usable": usable,
        "tables": tables,
    }


def test_store_on_postgres_gives_the_same_result_as_duckdb(pg_server, tmp_path, write_yaml, monkeypatch):
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=pg_server.port, user=PG_SUPERUSER, password=pg_server.password,
        dbname="postgres", autocommit=True,
    ) as admin:
        admin.execute(f"drop database if exists {STORE_DB}")
        admin.execute(f"create database {STORE_DB}")
    (tmp_path / "calls.csv").write_text(STORE_CALLS, encoding="utf-8")
    (tmp_path / "surveys.csv").write_text(STORE_SURVEYS, encoding="utf-8")
    config = load_config(write_yaml(STORE_CONFIG))
    pg_url = f"postgres://{PG_SUPERUSER}:{pg_server.password}@127.0.0.1:{pg_server.port}/{STORE_DB}"

    duck = _review_on("duckdb://", config)
    pg = _review_on(pg_url, config)
    again = _review_on(pg_url, config)  # a second run replaces every table of the first

    # the planted bad rows are found at all (so equality below is not equality of two failures)
    reasons = duck["quarantine"].set_index(["table", "_row"])["reasons"]
    for table, bad in (("contacts", STORE_BAD_CONTACTS), ("surveys", STORE_BAD_SURVEYS)):
        assert set(reasons.loc[table].index) == set(bad)
        for row, words in bad.items():
            assert words in reasons.loc[(table, row)], (table, row, reasons.loc[(table, row)])

    for run in (pg, again):
        pd.testing.assert_frame_equal(run["accounting"], duck["accounting"])
        pd.testing.assert_frame_equal(run["quarantine"], duck["quarantine"])
        pd.testing.assert_frame_equal(run["stored_quarantine"], duck["stored_quarantine"])
        pd.testing.assert_frame_equal(run["manifest"], duck["manifest"])
        pd.testing.assert_frame_equal(run["failures"], duck["failures"])
        pd.testing.assert_frame_equal(run["scorecard"], duck["scorecard"])
        assert run["tables"] == duck["tables"]
        for table in ("contacts", "surveys"):
            assert run["usable"][table]["_row"].tolist() == duck["usable"][table]["_row"].tolist()
            # values round-trip through PostgreSQL: booleans, nullable numbers, timestamps, text
            pd.testing.assert_frame_equal(run["usable"][table], duck["usable"][table])
    assert pg["usable"]["contacts"]["contact_id"].tolist() == ["C1", "C2", "C3", "C10", "C11"]
    assert pg["usable"]["contacts"]["Memo"].tolist()[3] == "Café ✓"

    # a password in the store URL is never echoed by a failed connection
    wrong = "wrong-" + secrets.token_urlsafe(16)
    bad_url = f"postgres://{PG_SUPERUSER}:{wrong}@127.0.0.1:{pg_server.port}/{STORE_DB}"
    with pytest.raises(StoreError) as err:
        Store(bad_url)
    message = str(err.value)
    assert "\n" not in message, message
    assert_no_password(message, wrong, pg_server.password)
    assert_no_password("".join(traceback.format_exception(err.value)), wrong, pg_server.password)
    assert f"postgres://{PG_SUPERUSER}:***@127.0.0.1:{pg_server.port}/{STORE_DB}" in message, message
    assert "password authentication failed" in message, message

    # as a centre runs it: no password in the URL (run_review refuses one), libpq reads PGPASSWORD
    monkeypatch.setenv("PGPASSWORD", pg_server.password)
    with Store(f"postgres://{PG_SUPERUSER}@127.0.0.1:{pg_server.port}/{STORE_DB}") as store:
        assert store.count("contacts") == 5

    # or as the config says it: store.password_env names the variable holding the password
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("CSPERF_TEST_STORE_PASSWORD", pg_server.password)
    url = f"postgres://{PG_SUPERUSER}@127.0.0.1:{pg_server.port}/{STORE_DB}"
    with Store(url, password_env="CSPERF_TEST_STORE_PASSWORD") as store:
        assert store.count("contacts") == 5
        assert pg_server.password not in store.url
