"""Paths defined once, from the project root.

In a checkout the SQL files and samples sit beside the package; an installed
package (`pip install .`) carries them inside itself as `etl/sql` and
`etl/samples`.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_ROOT = PACKAGE_DIR.parent


def _beside_or_inside(name: str) -> Path:
    beside = PROJECT_ROOT / name
    return beside if beside.is_dir() else PACKAGE_DIR / name


SQL_DIR = _beside_or_inside("sql")
SAMPLES_DIR = _beside_or_inside("samples")
DATA_DIR = PROJECT_ROOT / "data"
OUTPUT_DIR = PROJECT_ROOT / "output"
# Real input data lives beside the project, never inside it.
SHARED_DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
