"""Equipment failure logs into PostgreSQL (or embedded DuckDB), then three
reports as CSV. `Settings` + `run` is the library entry; `command.py` is the
`failures` command."""

from etl.pipelines.failures.pipeline import Settings, run

__all__ = ["Settings", "run"]
