"""Fixtures for the telemetry tests: tiny input files written from inline rows."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from etl.pipelines.telemetry.pipeline import Settings, run


def _write_readings(path: Path, rows: list[tuple], fmt: str = "parquet") -> Path:
    """Write (timestamp, payload_type, value, tags) rows as parquet, csv or jsonl."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        con = duckdb.connect()
        con.execute(
            "create table r (timestamp bigint, payload_type varchar, value varchar, tags varchar[][], "
            "__index_level_0__ bigint)"
        )
        con.executemany("insert into r values (?, ?, ?, ?, ?)", [(*row, i) for i, row in enumerate(rows)])
        con.execute(f"copy r to '{path}' (format parquet)")
        con.close()
    elif fmt == "csv":
        lines = ["timestamp,payload_type,value,tags"]
        for ts, payload, value, tags in rows:
            tags_text = json.dumps(tags).replace('"', '""')
            lines.append(f'{ts},{payload},{"" if value is None else value},"{tags_text}"')
        path.write_text("\n".join(lines) + "\n")
    elif fmt == "jsonl":
        path.write_text(
            "".join(
                json.dumps({"timestamp": ts, "payload_type": p, "value": v, "tags": t}) + "\n" for ts, p, v, t in rows
            )
        )
    else:
        raise ValueError(fmt)
    return path


def _read_output(path: Path) -> list[tuple]:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return con.execute(f"select * from read_parquet('{path}') order by 1").fetchall()


@pytest.fixture
def run_pipeline(tmp_path):
    """Run the pipeline on tmp_path/input into tmp_path/output with extra settings."""

    def _run(**overrides):
        settings = Settings(input=tmp_path / "input", output=tmp_path / "output", quiet=True, threads=2)
        for key, value in overrides.items():
            setattr(settings, key, value)
        return run(settings)

    return _run


@pytest.fixture
def write_readings():
    return _write_readings


@pytest.fixture
def read_output():
    return _read_output


def _misordered_files(root: Path) -> dict[str, int]:
    """Grid files under root whose rows do not step by 5 s in file order:
    file name -> how many steps are wrong. Empty when every file is in order."""
    con = duckdb.connect()
    skipped = {"_rejects", "_quality", ".telemetry"}
    files = [str(p) for p in sorted(root.rglob("*.parquet")) if not skipped & set(p.relative_to(root).parts)]
    rows = con.execute(
        """
        with steps as (
            select
                filename,
                epoch(timestamp) - lag(epoch(timestamp)) over (partition by filename order by file_row_number) as step
            from read_parquet($files, filename = true, file_row_number = true, hive_partitioning = false)
        )
        select filename, count(*) filter (where step <> 5)
        from steps
        group by filename
        """,
        {"files": files},
    ).fetchall()
    assert len(rows) == len(files)
    return {Path(name).relative_to(root).as_posix(): n for name, n in rows if n}


@pytest.fixture
def misordered_files():
    return _misordered_files


@pytest.fixture(scope="session")
def s3_server():
    """An S3 stand-in on 127.0.0.1 (moto's server), and the AWS variables that point at it.

    Session-wide, and started before any Dask cluster of the tests, so that
    the clusters' worker processes inherit the variables.
    """
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield SimpleNamespace(env=env, endpoint=env["AWS_ENDPOINT_URL"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


@pytest.fixture
def s3(s3_server):
    """Two fresh buckets for one test (raw inputs, outputs) and helpers to move files in and out."""
    import boto3
    import pyarrow.fs as pafs

    from etl.core.storage import s3_filesystem

    client = boto3.client("s3", endpoint_url=s3_server.endpoint)
    tag = uuid.uuid4().hex[:10]
    raw, clean = f"raw-{tag}", f"clean-{tag}"
    client.create_bucket(Bucket=raw)
    client.create_bucket(Bucket=clean)

    def upload(local: Path, url: str) -> None:
        pafs.copy_files(str(local), url.removeprefix("s3://").rstrip("/"), pafs.LocalFileSystem(), s3_filesystem())

    def keys(bucket: str) -> list[str]:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []) if not o["Key"].endswith("/"))

    return SimpleNamespace(
        raw=f"s3://{raw}", clean=f"s3://{clean}", client=client, upload=upload, keys=keys, env=s3_server.env
    )


@pytest.fixture(scope="session")
def dask_cluster(s3_server):
    """A LocalCluster of two worker processes, one thread each, for the whole session."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", memory_limit="2GiB"
    )
    try:
        yield cluster
    finally:
        cluster.close()


def _published_copy(output: str, target: Path) -> dict[str, bytes]:
    """Every published file of an output, read through its state, by its layout name."""
    from etl.core.storage import is_remote, split_url
    from etl.pipelines.telemetry.publishing import open_output, published_files

    place = open_output(output, target)
    files = {}
    for _, day in published_files(place.load_state(), place.text).items():
        for name, where in day.items():
            if is_remote(where):
                store, key = split_url(where)
                files[name] = store.read(key)
            else:
                files[name] = Path(where).read_bytes()
    return files


@pytest.fixture
def published_copy():
    return _published_copy


def _local_files(root: Path) -> dict[str, bytes]:
    """Every day file of a local output by its layout name (state, views, summary and links left out)."""
    skipped = {".telemetry"}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*.parquet"))
        if not skipped & set(p.relative_to(root).parts)
        and not p.is_symlink()
        and root.name not in p.relative_to(root).parts
    }


@pytest.fixture
def local_files():
    return _local_files
