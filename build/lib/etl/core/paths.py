"""Paths defined once, from the project root.

In a checkout the SQL files and samples sit beside the package, and the
default outputs (output/, warehouse.db) go into the project. An installed
package (`pip install .`) carries the SQL and samples inside itself as
`etl/sql` and `etl/samples`, and its default outputs go into the working
folder.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_ROOT = PACKAGE_DIR.parent
IN_CHECKOUT = (PROJECT_ROOT / "sql").is_dir() and (PROJECT_ROOT / "etl_process.py").is_file()

SQL_DIR = PROJECT_ROOT / "sql" if IN_CHECKOUT else PACKAGE_DIR / "sql"
SAMPLES_DIR = PROJECT_ROOT / "samples" if IN_CHECKOUT else PACKAGE_DIR / "samples"
# Where the commands write by default.
WORK_ROOT = PROJECT_ROOT if IN_CHECKOUT else Path(".")
DATA_DIR = PROJECT_ROOT / "data"
OUTPUT_DIR = WORK_ROOT / "output"
# Real input data lives beside the project, never inside it.
SHARED_DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
