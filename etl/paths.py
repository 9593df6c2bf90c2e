"""Paths defined once, from the project root."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
DATA_DIR = PROJECT_ROOT / "data"
OUTPUT_DIR = PROJECT_ROOT / "output"
SAMPLES_DIR = PROJECT_ROOT / "samples"
# Real input data lives beside the project, never inside it.
SHARED_DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
