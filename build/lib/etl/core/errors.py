"""The one exception type the command line turns into `Error: ...` and exit 1."""


class EtlError(Exception):
    """A failure the user can act on: bad input, a missing file, a broken SQL step.

    The message must name what was wrong and where (file, line, row); the CLI
    prints it as one line without a traceback unless `--verbose` is given.
    """
