"""`python -m etl ...`: the same command line as etl_process.py."""

import sys

from etl.cli import main

sys.exit(main(prog="python -m etl"))
