#!/usr/bin/env python3
"""Command-line entry point; all logic lives in the `etl` package."""

import sys

try:
    import signal

    if __name__ == "__mp_main__":
        # A process multiprocessing starts for a run (a local cluster's worker)
        # runs this file first: the terminal's Ctrl-C reaches it too, but the
        # run is the one to stop it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    from etl.cli import console
except KeyboardInterrupt:  # Ctrl-C while the command line loads: the same one line as later
    print("Error: interrupted", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(console("etl_process.py"))
