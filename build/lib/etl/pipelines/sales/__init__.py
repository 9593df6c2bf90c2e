"""Customers and sales into a bronze / silver / gold lakehouse in Delta Lake
or Iceberg. `Settings` + `run` is the library entry; `command.py` is the
`sales` command."""

from etl.pipelines.sales.pipeline import Settings, run

__all__ = ["Settings", "run"]
