"""The notebook runs top to bottom in a fresh kernel on the bundled sample,
and the committed copy carries the outputs of such a run."""

from __future__ import annotations

import duckdb
import nbformat
import pytest
from nbclient import NotebookClient

from etl.core.paths import DATA_DIR, PROJECT_ROOT

NOTEBOOK = PROJECT_ROOT / "notebook.ipynb"


def code_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_notebook_runs_in_a_fresh_kernel():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # "python3" is the kernel ipykernel installs into the venv; jupyter_client
    # starts it with this interpreter (sys.executable), so the venv's etl is used.
    client = NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(PROJECT_ROOT)}})
    client.execute()  # raises CellExecutionError naming the cell if one fails
    cells = code_cells(nb)
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1))
    text = "".join(out.get("text", "") for cell in cells for out in cell.outputs)
    files = sorted(DATA_DIR.rglob("*.parquet"))
    rows = duckdb.connect().execute("select count(*) from read_parquet($f)", {"f": [str(f) for f in files]}).fetchone()
    assert f"{len(files)} raw files under data/" in text
    assert f'"rows_read": {rows[0]}' in text
    assert "/overview_soc.png" in text
    images = [out for cell in cells for out in cell.outputs if "image/png" in out.get("data", {})]
    assert len(images) == 4


def test_committed_notebook_has_its_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = code_cells(nb)
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1)), "run it top to bottom, save"
    assert all(cell.outputs for cell in cells[:-1]), "every cell but the clean-up shows its result"
    images = [out for cell in cells for out in cell.outputs if "image/png" in out.get("data", {})]
    assert len(images) == 4
    errors = [out for cell in cells for out in cell.outputs if out.output_type == "error"]
    assert errors == []
    assert NOTEBOOK.stat().st_size < 600_000, "keep the embedded outputs small"


@pytest.fixture(autouse=True)
def _python3_kernel():
    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" not in KernelSpecManager().find_kernel_specs():
        pytest.fail("no python3 kernel: install ipykernel (requirements-dev.txt) into the venv")
