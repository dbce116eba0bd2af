"""Dispatch a report file to the reader for its format."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import SUPPORTED_SUFFIXES
from assistant.errors import IngestError
from ingest.limits import OverBudget, ParseLimits
from ingest.source import SourceText


def load_bytes(path: Path, max_bytes: int, kind: Path | None = None) -> bytes:
    """A report file's bytes, after checking its type and size (so a huge file is never read).
    `kind`: the name whose suffix says the type, when not `path`'s own (an upload's)."""
    suffix = (kind or path).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(
            path, f"unsupported file type '{suffix or '(none)'}' (supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(
                path,
                f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit "
                "(raise EA_MAX_FILE_MB to allow it)",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise IngestError(path, "empty file")
    return data


def read_source(path: Path, max_bytes: int, data: bytes | None = None,
                limits: ParseLimits = ParseLimits()) -> SourceText:
    """Read one report into its canonical text, or raise `IngestError` saying why not.

    `data`: the file's bytes when the caller already loaded them with `load_bytes`.
    `limits`: the parse budget (ingest/limits.py); files nobody vetted are read through
    ingest/sandbox.py, which adds time and memory limits.
    """
    if data is None:
        data = load_bytes(path, max_bytes)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from ingest.read_pdf import read_pdf  # heavy import, only when a PDF shows up

        source = read_pdf(path, data, limits)
    elif suffix in (".html", ".htm"):
        from ingest.read_html import read_html

        source = read_html(path, data, limits)
    else:
        from ingest.read_text import read_text

        source = read_text(path, data)
    try:
        limits.check_chars(len(source.text))
    except OverBudget as exc:
        raise IngestError(path, f"refused: the file {exc}") from None
    return source
