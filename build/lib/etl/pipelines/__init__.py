"""One package per pipeline: `etl/pipelines/<name>/` holds `command.py`
(`ORDER` and `register(subparsers, common)`, arguments -> Settings),
`pipeline.py` (`Settings`, `STEPS`, `run(settings) -> summary`) and its own
helpers; `__init__.py` exports `Settings` and `run`. See
docs/adding-a-pipeline.md."""
