"""Build the real Dockerfile with buildah and run the image on the bundled
sample with data/ and an output folder mounted, as `docker run` would.

There is no Docker engine here: ../shared/tools/container-base makes a local
stand-in for python:3.11-slim, buildah builds and runs (chroot isolation).
Run alone with `pytest -m container` (about 3 minutes the first time, the
image's layers are reused after). Skipped, with the reason, where buildah is
absent and CI is not set; under CI it must run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import duckdb
import pytest

from etl.core.paths import DATA_DIR, PROJECT_ROOT
from etl.pipelines.telemetry.pipeline import Settings, run

pytestmark = pytest.mark.container

IMAGE = "localhost/data-engineer-challenge:test"
CONTAINER_BASE = PROJECT_ROOT.parent / "shared" / "tools" / "container-base"
HOST_UID, HOST_GID = 1234, 2345  # a host user who is not the image's user
IMAGE_UID = 10001  # the image's `etl` user


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the container test must run)")
    pytest.skip(reason)


def sh(*args: str, timeout: float = 120) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


@pytest.fixture(scope="module")
def image() -> dict:
    """Build the project's Dockerfile; returns the image's config (entrypoint, cmd, ...)."""
    if shutil.which("buildah") is None:
        unavailable("buildah is not installed (apt-get install buildah debootstrap; see .ci/run)")
    if not CONTAINER_BASE.exists():
        unavailable(f"{CONTAINER_BASE} not found (it builds the stand-in base image)")
    sh(str(CONTAINER_BASE), timeout=600)
    sh(
        "buildah", "bud", "--isolation", "chroot", "--pull=never", "--layers", "-q", "-t", IMAGE, str(PROJECT_ROOT),
        timeout=900,
    )  # fmt: skip
    return json.loads(sh("buildah", "inspect", "--type", "image", IMAGE))["OCIv1"]["config"]


@pytest.fixture
def container(image):
    """A fresh working container; `run(mounts, *command)` runs in it like `docker run -v ...`."""
    name = f"etl-test-{uuid.uuid4().hex[:8]}"
    sh("buildah", "from", "--name", name, IMAGE)

    def run(mounts: dict[Path, str], *command: str, user: str | None = None) -> subprocess.CompletedProcess:
        args = ["buildah", "run", "--isolation", "chroot"]
        for host, inside in mounts.items():
            args += ["-v", f"{host}:{inside}"]
        if user:
            args += ["--user", user]
        return subprocess.run([*args, name, "--", *command], capture_output=True, text=True, timeout=300)

    yield run
    subprocess.run(["buildah", "rm", name], capture_output=True)


def owned_output(tmp_path: Path, uid: int, gid: int) -> Path:
    out = tmp_path / "output"
    out.mkdir()
    os.chown(out, uid, gid)
    return out


def owners(root: Path) -> set[tuple[int, int]]:
    return {(p.lstat().st_uid, p.lstat().st_gid) for p in [root, *root.rglob("*")]}


@pytest.fixture(scope="module")
def host_run(tmp_path_factory) -> tuple[Path, dict]:
    """The same pipeline run on the host: the container must write the same files and totals."""
    out = tmp_path_factory.mktemp("host") / "output"
    return out, run(Settings(input=DATA_DIR, output=out, quiet=True))


OUTPUT_GLOBS = ("modules/*/*/*/*.parquet", "phases/*/*/*.parquet", "system/*/*.parquet", "_rejects/*/*.parquet")


def data_files(out: Path) -> list[str]:
    """The parquet outputs (explicit globs: the output folder holds a link to itself)."""
    return sorted(p.relative_to(out).as_posix() for pattern in OUTPUT_GLOBS for p in out.glob(pattern))


def check_sample_outputs(out: Path, host_run: tuple[Path, dict]) -> list[str]:
    """Same files as the host run, every module file a full day, same summary; returns the module files."""
    host_out, host_summary = host_run
    files = data_files(out)
    assert files == data_files(host_out)
    modules = [f for f in files if f.startswith("modules/")]
    assert modules, "no module day files"
    con = duckdb.connect()
    rows = con.execute(
        "select count(*) from read_parquet($files, filename = true) group by filename",
        {"files": [str(out / m) for m in modules]},
    ).fetchall()
    assert rows == [(17_280,)] * len(modules)
    summary = json.loads((out / "_summary.json").read_text())
    for key in ("days", "inputs", "totals", "outputs"):
        assert summary[key] == host_summary[key], key
    assert summary["inputs"]["files"] == len(list(DATA_DIR.rglob("*.parquet")))
    assert summary["settings"]["output"] == "/app/output"
    return modules


def expected_plots(modules: list[str], files: list[str]) -> list[str]:
    """One figure per module file; per day the SoC overview, the coverage map,
    and the phase currents if the day has phases; the overview of every day."""
    names = []
    for m in modules:
        _, phase, module, date, _ = m.split("/")
        names.append(f"plots/{date[5:]}/module_p{phase[6:]}_m{module[7:]}.png")
    for date in {m.split("/")[3][5:] for m in modules}:
        names.append(f"plots/{date}/overview_soc.png")
        names.append(f"plots/{date}/coverage.png")
        if any(f.startswith("phases/") and f"/date={date}/" in f for f in files):
            names.append(f"plots/{date}/phase_currents.png")
    names.append("plots/overview.png")
    return sorted(names)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the output folder to another host user")
def test_default_command_writes_files_the_host_user_owns(image, container, tmp_path, host_run):
    assert image["Entrypoint"] == ["etl-entrypoint"]
    assert image["Cmd"] == ["--input", "/app/data", "--output", "/app/output"]
    out = owned_output(tmp_path, HOST_UID, HOST_GID)
    # Exactly what `docker run -v $(pwd)/data:/app/data -v $(pwd)/output:/app/output image` runs.
    done = container({DATA_DIR: "/app/data", out: "/app/output"}, *image["Entrypoint"], *image["Cmd"])
    assert done.returncode == 0, done.stderr
    days = len(host_run[1]["days"])
    rows = host_run[1]["inputs"]["rows"]
    assert done.stdout.startswith(f"telemetry: {days} day(s) written, 0 unchanged, {rows:,} rows read")
    modules = check_sample_outputs(out, host_run)
    assert owners(out) == {(HOST_UID, HOST_GID)}
    assert (out / "_summary.json").stat().st_mode & 0o777 == 0o664

    # Extra arguments go to the CLI: the plot command, on the same folder.
    done = container({out: "/app/output"}, *image["Entrypoint"], "plot", "--output", "/app/output", "--quiet")
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    plots = sorted(p.relative_to(out).as_posix() for p in (out / "plots").rglob("*.png"))
    assert plots == expected_plots(modules, data_files(out))
    assert owners(out / "plots") == {(HOST_UID, HOST_GID)}


def test_root_owned_output_is_given_to_the_image_user(image, container, tmp_path, host_run):
    out = owned_output(tmp_path, 0, 0)  # as Docker makes a host folder that did not exist
    done = container({DATA_DIR: "/app/data", out: "/app/output"}, *image["Entrypoint"], "--quiet", *image["Cmd"])
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    check_sample_outputs(out, host_run)
    assert owners(out) == {(IMAGE_UID, IMAGE_UID)}


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the output folder to another host user")
def test_docker_run_user_runs_as_that_user(image, container, tmp_path):
    out = owned_output(tmp_path, HOST_UID, HOST_GID)
    done = container(
        {DATA_DIR: "/app/data", out: "/app/output"},
        *image["Entrypoint"],
        "--quiet",
        *image["Cmd"],
        user=f"{HOST_UID}:{HOST_GID}",
    )
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert owners(out) == {(HOST_UID, HOST_GID)}


def test_image_holds_only_what_it_runs(image, container):
    done = container({}, "sh", "-c", "ls -A /app; ls -d /opt/venv/bin/python; id etl")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:-2] == ["data", "etl", "etl_process.py", "output", "requirements.txt", "sql"]
    assert lines[-2:] == ["/opt/venv/bin/python", f"uid={IMAGE_UID}(etl) gid={IMAGE_UID}(etl) groups={IMAGE_UID}(etl)"]
    assert image["WorkingDir"] == "/app"
