#!/usr/bin/env python3
"""Command-line entry point; all logic lives in the `etl` package."""

import sys

try:
    from etl.cli import console
except KeyboardInterrupt:  # Ctrl-C while the command line loads: the same one line as later
    print("Error: interrupted", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(console("etl_process.py"))
