#!/usr/bin/env python3
"""Command-line entry point; all logic lives in the `etl` package."""

import sys

from etl.cli import main

if __name__ == "__main__":
    sys.exit(main())
