"""SQL-first ETL toolkit on DuckDB: templated SQL does the work, Python runs it."""

__version__ = "0.1.0"
