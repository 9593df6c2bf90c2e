"""The votes warehouse: JSON-lines vote exports into DuckDB without
duplicates, and the outlier-weeks view. `Settings` + `run` is the library
entry; `command.py` is the `votes ingest` / `votes outliers` command."""

from etl.pipelines.votes.pipeline import Settings, run

__all__ = ["Settings", "run"]
