"""What every pipeline shares: the DuckDB engine, file and option helpers,
progress, errors and paths. Nothing here imports a pipeline or the CLI."""
