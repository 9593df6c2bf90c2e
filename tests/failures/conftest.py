"""A throw-away PostgreSQL server for the failures tests, and a fresh database per test.

The server is Debian's `postgresql` package, started from its own binaries
(initdb, pg_ctl) in a temp folder, listening on a unix socket there and on a
free port of 127.0.0.1 only. PostgreSQL refuses to run as root, so as root
the server runs as the `postgres` OS user. Without the binaries the tests
that need a server are skipped, but fail under CI: CI must test PostgreSQL.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import duckdb
import psycopg
import pytest
from psycopg.types import TypeInfo
from psycopg.types.hstore import register_hstore

from etl.core.engine import quote_identifier

EQUIPMENT = [
    {"equipment_id": 1, "code": "AAA", "group_name": "G1"},
    {"equipment_id": 2, "code": "BBB", "group_name": "G1"},
    {"equipment_id": 3, "code": "CCC", "group_name": "G2"},
]
SENSORS_CSV = "equipment_id;sensor_id\r\n1;10\r\n1;11\r\n2;20\r\n3;30\r\n9;99\r\n"
LOG_LINES = [
    "[2020-01-01 00:00:00]\tERROR\tsensor[10]:\t(temperature\t1.5, vibration\t-2.25)",
    "[2020-01-15 12:00:00]   ERROR  sensor[11]:  (temperature 3, vibration  -4, pressure 7)  ",
    "[2020-01-20 08:00:00]\tERROR\tsensor[20]:\t(temperature\t5, vibration\t6)",
    "[2020-01-31 23:59:59]\tERROR\tsensor[30]:\t(temperature\t7, vibration\t8)",
    "[2020-02-01 00:00:00]\tERROR\tsensor[30]:\t(temperature\t9, vibration\t10)",
    "[2020-01-10 00:00:00]\tINFO\tsensor[30]:\t(temperature\t1, vibration\t1)",
    "garbage",
    "[2020-01-10 00:00:00]\tERROR\tsensor[77]:\t(temperature\t1, vibration\t1)",
    "[2019-12-31 23:59:59]\tERROR\tsensor[20]:\t(temperature\t1, vibration\t1)",
    "[2020-01-20 08:00:00]\tERROR\tsensor[20]:\t(temperature\t5, vibration\t6)",
]
NOT_A_READING = 'not a reading line: expected "[YYYY-MM-DD hh:mm:ss] LEVEL sensor[N]: (name value, ...)"'
EXPECTED_REJECTS = [
    ("equipment_sensors.csv", 6, "9;99", "sensor 99 maps to equipment 9, which is not in equipment"),
    ("failures.log", 7, "garbage", NOT_A_READING),
    ("failures.log", 8, LOG_LINES[7], "sensor 77 maps to no equipment"),
    ("failures.log", 10, LOG_LINES[9], "duplicate of failures.log line 3"),
]
TABLES = {
    "equipment": "equipment_id",
    "sensors": "sensor_id",
    "failure_readings": "sensor_id, logged_at, level",
    "rejects": "source_file, line_no",
}


def write_inputs(folder: Path, log_lines: list[str] = LOG_LINES) -> Path:
    """The tiny inputs, CRLF like the real files."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "equipment.json").write_text(json.dumps(EQUIPMENT, indent=2), encoding="utf-8")
    (folder / "equipment_sensors.csv").write_bytes(SENSORS_CSV.encode())
    (folder / "failures.log").write_bytes("".join(line + "\r\n" for line in log_lines).encode())
    return folder


def pg_snapshot(dsn: str) -> dict[str, list[tuple]]:
    """Every row of every table, in key order (hstore read back as dicts)."""
    with psycopg.connect(dsn) as conn:
        info = TypeInfo.fetch(conn, "hstore")
        if info is not None:
            register_hstore(info, conn)
        return {t: conn.execute(f"select * from {t} order by {key}").fetchall() for t, key in TABLES.items()}


def duckdb_snapshot(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"select * from {t} order by {key}").fetchall() for t, key in TABLES.items()}


def read_csvs(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv"))}


SUPERUSER = "postgres"
PASSWORD = "test-secret"


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    password: str

    def dsn(self, dbname: str, *, user: str | None = None, password: str | None = None) -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host,
            port=self.port,
            user=user or self.user,
            password=password or self.password,
            dbname=dbname,
        )


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", SUPERUSER, "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        reason = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="failures-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    pwfile = root / "pwfile"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, SUPERUSER)
        shutil.chown(sockets, SUPERUSER)
        shutil.chown(pwfile, SUPERUSER)
    root.chmod(0o755)
    port = _free_port()
    run = lambda cmd: subprocess.run(_as_server_user(cmd), check=True, capture_output=True, text=True)  # noqa: E731
    run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
        ]
    )
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sockets} -c fsync=off"
    run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"])
    try:
        yield PgServer("127.0.0.1", port, SUPERUSER, PASSWORD)
    finally:
        run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[str]:
    """A new empty database for one test; its DSN. Dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f"create database {quote_identifier(name)}")
    try:
        yield pg_server.dsn(name)
    finally:
        with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"drop database {quote_identifier(name)} with (force)")


@pytest.fixture
def no_pg_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No PG* variable and no .env in the working folder: the embedded DuckDB store."""
    for key in [k for k in os.environ if k.startswith("PG")]:
        monkeypatch.delenv(key)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    return workdir


@pytest.fixture
def kit() -> SimpleNamespace:
    """The tiny inputs and table readers above (pytest's importlib mode cannot import a helpers module)."""
    names = ["EQUIPMENT", "SENSORS_CSV", "LOG_LINES", "NOT_A_READING", "EXPECTED_REJECTS", "TABLES"]
    funcs = [write_inputs, pg_snapshot, duckdb_snapshot, read_csvs]
    return SimpleNamespace(**{n: globals()[n] for n in names}, **{f.__name__: f for f in funcs})
