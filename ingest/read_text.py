"""Plain-text and Markdown exports: the canonical text is the file itself."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import IngestError
from ingest.source import SourceText

_SNIFF = 8192


def read_text(path: Path, data: bytes) -> SourceText:
    """Decode a text export; refuse binaries and files with no words."""
    head = data[:_SNIFF]
    if b"\x00" in head:
        raise IngestError(path, "binary file, not text (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older exports are often Windows-1252; anything else is not a report we can read.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise IngestError(path, f"not UTF-8 or Windows-1252 text ({exc.reason})") from exc
    controls = sum(1 for ch in text[:_SNIFF] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > len(text[:_SNIFF]) * 0.01:
        raise IngestError(path, "binary file, not text (control characters)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(path, "empty file (no text)")
    return SourceText(path=path, text=text, format="text", headings=None)
