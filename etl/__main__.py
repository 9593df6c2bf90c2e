"""`python -m etl ...`: the same command line as etl_process.py."""

import sys

try:
    from etl.cli import console
except KeyboardInterrupt:  # Ctrl-C while the command line loads: the same one line as later
    print("Error: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(console("python -m etl"))
