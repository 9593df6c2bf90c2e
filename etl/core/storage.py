"""S3-compatible object storage through `pyarrow.fs`.

A location is either a local folder or `s3://bucket/prefix`. The store is
configured by the standard AWS variables: `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), `AWS_REGION` (or
`AWS_DEFAULT_REGION`), and `AWS_ENDPOINT_URL` for any S3-compatible store
(MinIO, Ceph, a test server). DuckDB cannot read S3 here (its httpfs
extension cannot be installed), so the pipelines copy objects to local
disk and back.

Data moves through `pyarrow.fs`. The one thing it cannot do is a
conditional PUT (`If-None-Match: *`, `If-Match: etag`), which a lock needs;
`put_if` does that one request with botocore.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from etl.core.errors import EtlError

if TYPE_CHECKING:
    import pyarrow.fs as pafs

SCHEME = "s3://"
# Fail fast on an unreachable store instead of waiting out the SDK's defaults.
CONNECT_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 60.0

_filesystems: dict[tuple, pafs.S3FileSystem] = {}
_lock = threading.Lock()


def _pafs() -> Any:
    """`pyarrow.fs`, loaded on first use: a run on local folders never needs
    it, and loading it (with NumPy) takes about 0.1 s of every command's start."""
    import pyarrow.fs

    return pyarrow.fs


def is_remote(location: str | os.PathLike[str]) -> bool:
    return str(location).startswith(SCHEME)


@dataclass(frozen=True)
class FileStat:
    size: int
    mtime_ns: int


def _endpoint() -> dict[str, Any]:
    url = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if not url:
        return {}
    parsed = urlparse(url)
    if not parsed.scheme or not parsed.netloc:
        raise EtlError(f"AWS_ENDPOINT_URL is not a URL: {url!r} (e.g. http://127.0.0.1:9000)")
    return {"endpoint_override": parsed.netloc, "scheme": parsed.scheme}


def s3_filesystem() -> pafs.S3FileSystem:
    """One filesystem per process and configuration (the environment may change between tests)."""
    options: dict[str, Any] = {
        **_endpoint(),
        "region": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        "connect_timeout": CONNECT_TIMEOUT_S,
        "request_timeout": REQUEST_TIMEOUT_S,
    }
    key_id, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key_id and secret:
        options.update(access_key=key_id, secret_key=secret, session_token=os.environ.get("AWS_SESSION_TOKEN"))
    cache_key = tuple(sorted((k, str(v)) for k, v in options.items()))
    with _lock:
        if cache_key not in _filesystems:
            _filesystems[cache_key] = _pafs().S3FileSystem(**options)
        return _filesystems[cache_key]


@dataclass(frozen=True)
class ObjectStore:
    """The objects under one `s3://bucket/prefix`, addressed by names relative to it.

    Only the URL is kept, so the store pickles into tasks on other machines;
    each process opens its own connection.
    """

    url: str

    def __post_init__(self) -> None:
        if not is_remote(self.url) or not self.url[len(SCHEME) :].strip("/"):
            raise EtlError(f"not an S3 location: {self.url!r} (expected s3://bucket/prefix)")
        object.__setattr__(self, "url", self.url.rstrip("/"))

    @property
    def bucket(self) -> str:
        return self.url[len(SCHEME) :].split("/", 1)[0]

    @property
    def prefix(self) -> str:
        parts = self.url[len(SCHEME) :].split("/", 1)
        return parts[1] if len(parts) > 1 else ""

    @property
    def fs(self) -> pafs.S3FileSystem:
        return s3_filesystem()

    def path(self, name: str = "") -> str:
        """The pyarrow path (`bucket/prefix/name`) of an object."""
        base = self.url[len(SCHEME) :]
        return f"{base}/{name}" if name else base

    def url_of(self, name: str) -> str:
        return f"{self.url}/{name}"

    def child(self, name: str) -> ObjectStore:
        return ObjectStore(self.url_of(name))

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except (OSError, ValueError) as exc:
            raise EtlError(f"{self.url}: cannot {what}: {' '.join(str(exc).split())}") from exc

    def list(self, under: str = "") -> dict[str, FileStat]:
        """Every object below `under`, by its name relative to the store."""
        selector = _pafs().FileSelector(self.path(under), recursive=True, allow_not_found=True)
        infos = self._call("list objects", self.fs.get_file_info, selector)
        base = self.path() + "/"
        file = _pafs().FileType.File
        found = {}
        for info in infos:
            if info.type == file:
                mtime = info.mtime_ns if info.mtime_ns is not None else 0
                found[info.path[len(base) :]] = FileStat(int(info.size), int(mtime))
        return found

    def stat(self, name: str) -> FileStat | None:
        info = self._call(f"look up {name}", self.fs.get_file_info, self.path(name))
        if info.type != _pafs().FileType.File:
            return None
        return FileStat(int(info.size), int(info.mtime_ns or 0))

    def check_reachable(self) -> None:
        """Raise a clear error now when the bucket cannot be reached or listed."""
        info = self._call("reach the bucket", self.fs.get_file_info, self.bucket)
        if info.type == _pafs().FileType.NotFound:
            raise EtlError(f"{self.url}: bucket {self.bucket!r} not found")

    def read(self, name: str) -> bytes:
        def read() -> bytes:
            with self.fs.open_input_stream(self.path(name)) as stream:
                return stream.read()

        return self._call(f"read {name}", read)

    def read_range(self, name: str, offset: int, length: int) -> bytes:
        def read() -> bytes:
            with self.fs.open_input_file(self.path(name)) as handle:
                return handle.read_at(length, offset)

        return self._call(f"read {name}", read)

    def write_json(self, name: str, data: Any) -> None:
        """A summary-style JSON document (indented), in one PUT."""
        self.write(name, (json.dumps(data, indent=2, default=str) + "\n").encode())

    def write(self, name: str, data: bytes) -> None:
        """One PUT: readers see the old object or the new one."""

        def write() -> None:
            with self.fs.open_output_stream(self.path(name)) as stream:
                stream.write(data)

        self._call(f"write {name}", write)

    def upload(self, local: Path, name: str) -> None:
        pyfs = _pafs()
        self._call(f"upload {name}", pyfs.copy_files, str(local), self.path(name), pyfs.LocalFileSystem(), self.fs)

    def download(self, name: str, local: Path) -> None:
        """Copy an object to a local file, written whole or not at all."""
        local.parent.mkdir(parents=True, exist_ok=True)
        part = local.with_name(f".{local.name}.{os.getpid()}.{threading.get_ident()}.part")
        pyfs = _pafs()
        try:
            self._call(f"download {name}", pyfs.copy_files, self.path(name), str(part), self.fs, pyfs.LocalFileSystem())
            os.replace(part, local)
        finally:
            part.unlink(missing_ok=True)

    def delete(self, names: list[str]) -> None:
        for name in names:
            try:
                self.fs.delete_file(self.path(name))
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise EtlError(f"{self.url}: cannot delete {name}: {' '.join(str(exc).split())}") from exc

    def put_if(self, name: str, data: bytes, *, absent: bool = False, etag: str | None = None) -> str | None:
        """A conditional PUT: only if no object has that name (`absent`), or
        only if its ETag is still `etag`. The new ETag, or None when the
        condition failed."""
        import botocore.exceptions

        conditions = {"IfNoneMatch": "*"} if absent else {"IfMatch": etag}
        try:
            answer = _s3_client().put_object(Bucket=self.bucket, Key=self._key(name), Body=data, **conditions)
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409"):
                return None
            raise EtlError(f"{self.url}: cannot write {name}: {exc}") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise EtlError(f"{self.url}: cannot write {name}: {exc}") from exc
        return str(answer["ETag"])

    def get_with_etag(self, name: str) -> tuple[bytes, str] | None:
        """The object and its ETag, or None when there is none."""
        import botocore.exceptions

        try:
            answer = _s3_client().get_object(Bucket=self.bucket, Key=self._key(name))
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise EtlError(f"{self.url}: cannot read {name}: {exc}") from exc
        return answer["Body"].read(), str(answer["ETag"])

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name


def split_url(url: str) -> tuple[ObjectStore, str]:
    """`s3://bucket/a/b.parquet` as its bucket's store and the name `a/b.parquet`."""
    bucket, _, name = url[len(SCHEME) :].partition("/")
    return ObjectStore(f"{SCHEME}{bucket}"), name


_clients: dict[tuple, Any] = {}


def _s3_client() -> Any:
    """A botocore S3 client configured like the pyarrow filesystem, one per
    process and configuration (the lock renews its lease with it)."""
    import boto3
    from botocore.config import Config

    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    key = (endpoint, region, os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY"))
    with _lock:
        if key not in _clients:
            config = Config(
                connect_timeout=CONNECT_TIMEOUT_S, read_timeout=REQUEST_TIMEOUT_S, retries={"max_attempts": 3}
            )
            _clients[key] = boto3.session.Session().client(
                "s3", endpoint_url=endpoint, region_name=region, config=config
            )
        return _clients[key]
