"""The age-group spending report: customers.csv + purchases.csv -> combined
data, spending per age group, a bar chart. `Settings` + `run` is the library
entry; `command.py` is the `spending` command."""

from etl.pipelines.spending.pipeline import Settings, run

__all__ = ["Settings", "run"]
