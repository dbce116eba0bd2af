"""The canonical text of one report file, the thing every chunk's offsets point into.

Each reader (plain text / Markdown, HTML, PDF) turns a file into a `SourceText`: one line
per block (heading, paragraph, list item, table row), so the structure parser downstream
works the same way on every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SourceText:
    """A report's text as ingested.

    `text` is what chunk `start`/`end` offsets index into. For a plain-text or Markdown file
    it is the file's decoded content verbatim; for HTML and PDF it is the extracted text,
    rebuilt deterministically by the reader, one block per line.

    `headings` maps 0-based line numbers of `text.split("\\n")` to heading levels
    (1 = chapter) when the format marks headings itself (HTML `h1`-`h4`, PDF font sizes).
    `None` means the format carries no heading markup and the parser infers them.
    """

    path: Path
    text: str
    format: str  # "text", "html" or "pdf"
    headings: dict[int, int] | None = field(default=None)
