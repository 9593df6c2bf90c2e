"""Reading a line-based input file in chunks of at most N lines, each as an
Arrow table (line_no, raw, decode_error) that the parse SQL reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa


def read_line_chunks(path: Path, chunk_size: int) -> Iterator[pa.Table]:
    """(line_no, raw, decode_error) tables of at most `chunk_size` lines: memory stays flat.

    Only the `\\n` is taken off: the SQL strips a CR, so CRLF and LF files
    parse alike. Bytes that are not UTF-8 (or a NUL, which PostgreSQL text
    cannot hold) do not stop the load: the line is kept, readable, with a
    decode_error that makes it a reject.
    """
    line_nos: list[int] = []
    raws: list[str] = []
    errors: list[str | None] = []
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            raw, error = decode_line(line.removesuffix(b"\n"), first=number == 1)
            line_nos.append(number)
            raws.append(raw)
            errors.append(error)
            if len(line_nos) == chunk_size:
                yield line_table(line_nos, raws, errors)
                line_nos, raws, errors = [], [], []
    if line_nos:
        yield line_table(line_nos, raws, errors)


def decode_line(data: bytes, *, first: bool) -> tuple[str, str | None]:
    if first:
        data = data.removeprefix(b"\xef\xbb\xbf")
    error = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", "backslashreplace")
        error = f"not valid UTF-8 (byte {exc.start + 1})"
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
        error = error or "contains a NUL byte"
    return text, error


def line_table(line_nos: list[int], raws: list[str], errors: list[str | None]) -> pa.Table:
    import pyarrow as pa

    return pa.table(
        {
            "line_no": pa.array(line_nos, pa.int64()),
            "raw": pa.array(raws, pa.string()),
            "decode_error": pa.array(errors, pa.string()),
        }
    )
