"""The shape every pipeline has (docs/adding-a-pipeline.md), checked.

Each `etl/pipelines/<name>/` has its command, its pipeline (Settings, STEPS,
run), its SQL, tests and docs page; imports run one way, CLI -> pipelines ->
core; no file is over 400 lines; each SQL folder is listed once, in run
order, by its pipeline's STEPS; every SQL file opens with its header.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
from pathlib import Path

import pytest

from etl.core.paths import PROJECT_ROOT, SQL_DIR

PACKAGE = PROJECT_ROOT / "etl"
PIPELINES = sorted(p.name for p in (PACKAGE / "pipelines").iterdir() if p.is_dir() and not p.name.startswith("_"))
MAX_LINES = 400


def imported_modules(path: Path) -> set[str]:
    """Every `etl...` module a file imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name == "etl" or name.startswith("etl.")}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)


def python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_five_pipelines_are_there():
    assert PIPELINES == ["failures", "sales", "spending", "telemetry", "votes"]


@pytest.mark.parametrize("name", PIPELINES)
def test_a_pipeline_has_every_part(name):
    folder = PACKAGE / "pipelines" / name
    for part in ("__init__.py", "command.py", "pipeline.py"):
        assert (folder / part).is_file(), f"etl/pipelines/{name}/{part} is missing"
    assert (SQL_DIR / name).is_dir(), f"sql/{name}/ is missing"
    assert (PROJECT_ROOT / "tests" / name).is_dir(), f"tests/{name}/ is missing"
    assert (PROJECT_ROOT / "docs" / f"{name}.md").is_file(), f"docs/{name}.md is missing"
    command = importlib.import_module(f"etl.pipelines.{name}.command")
    assert callable(command.register) and isinstance(command.ORDER, int)


@pytest.mark.parametrize("name", PIPELINES)
def test_a_pipeline_is_a_library(name):
    """`from etl.pipelines.<name> import Settings, run`: a dataclass and a function of it, no argparse."""
    package = importlib.import_module(f"etl.pipelines.{name}")
    assert dataclasses.is_dataclass(package.Settings)
    assert list(inspect.signature(package.run).parameters) == ["settings"]
    pipeline = PACKAGE / "pipelines" / name / "pipeline.py"
    assert "argparse" not in pipeline.read_text(encoding="utf-8"), f"{pipeline} mentions argparse"


@pytest.mark.parametrize("name", PIPELINES)
def test_steps_list_each_sql_folder_in_run_order(name):
    """STEPS names every SQL file of the pipeline once, folder by folder, in
    the order of their NN_ prefixes: the listing reads as the run."""
    steps = importlib.import_module(f"etl.pipelines.{name}.pipeline").STEPS
    folders = sorted(str(p.relative_to(SQL_DIR)) for p in [SQL_DIR / name, *(SQL_DIR / name).rglob("*")] if p.is_dir())
    assert sorted(steps) == folders
    for folder, names in steps.items():
        listed = sorted(p.name for p in (SQL_DIR / folder).glob("[0-9][0-9]_*.sql"))
        assert list(names) == listed, f"STEPS[{folder!r}] is not the folder's listing"


def test_every_sql_file_opens_with_its_header():
    files = sorted(SQL_DIR.rglob("*.sql"))
    assert len(files) > 100
    for path in files:
        first = path.read_text(encoding="utf-8").lstrip().splitlines()[0]
        assert first.startswith(("--", "{#")), f"{path.relative_to(PROJECT_ROOT)} does not open with a header comment"


def test_imports_run_one_way():
    """CLI -> pipelines -> core: core imports no pipeline, a pipeline no other
    pipeline, and nothing but the entry points imports the CLI."""
    for path in python_files():
        name = module_name(path)
        imports = imported_modules(path)
        if name.startswith("etl.core"):
            assert all(m.startswith("etl.core") for m in imports), f"{name} imports {sorted(imports)}"
        if name.startswith("etl.pipelines."):
            own = ".".join(name.split(".")[:3])
            others = {m for m in imports if m.startswith("etl.pipelines.") and not m.startswith(own)}
            assert not others, f"{name} imports another pipeline: {sorted(others)}"
        if name not in ("etl.cli", "etl.__main__"):
            assert "etl.cli" not in imports, f"{name} imports the CLI"
    for path in [PROJECT_ROOT / "etl_process.py", PACKAGE / "__main__.py"]:
        assert imported_modules(path) == {"etl.cli"}


def test_no_file_is_over_400_lines():
    long = {module_name(p): n for p in python_files() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}
