"""The telemetry pipeline, the main job: raw long-format battery telemetry
into phase- and module-specific day files on a strict 5-second grid, and
their plots. `Settings` + `run` is the library entry; `command.py` holds
the `telemetry`, `generate-telemetry` and `plot` commands."""

from etl.pipelines.telemetry.pipeline import Settings, run

__all__ = ["Settings", "run"]
