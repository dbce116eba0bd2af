"""Text from reports and users, made safe to print on a terminal or open in a spreadsheet.

A report can carry terminal control sequences (an OSC sequence sets the window title or
writes the clipboard; CSI sequences move the cursor or recolour the screen). Everything the
command lines print that came from a document or a user goes through `printable`. CSV
exports go through `to_csv`: a cell a spreadsheet would run as a formula is quoted.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Iterable

# ESC-introduced sequences: CSI (ESC [ ... final byte), OSC / DCS / APC / PM / SOS strings
# (up to BEL or ESC \), then any other two-character escape.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]?"
)
# Other C0 controls but tab and newline, DEL, and the C1 controls (0x9b is a one-byte CSI).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` without terminal control sequences or control characters (tab, newline kept)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


# Cells that spreadsheets would run as formulas (CSV injection); report list items start with "-".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """A CSV cell's text, with a leading quote when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    """A CSV document with a header row; every cell through `spreadsheet_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_cell(v) for v in row])
    return buffer.getvalue()
# Characters that change how a name reads without being seen: bidi overrides and isolates
# ("report<RLO>fdp.txt" shows as "reporttxt.pdf"), zero-width joiners and marks, the BOM.
_INVISIBLE = re.compile(r"[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def display_name(name: str, limit: int = 200) -> str:
    """A file name as users gave it, made safe to show and to keep as provenance: NFC,
    without control or invisible characters, whitespace folded, at most `limit` characters.
    Never a path: callers store files under names of their own."""
    name = unicodedata.normalize("NFC", name)
    name = " ".join(_INVISIBLE.sub("", printable(name)).split())
    if len(name) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    keep = f".{suffix}" if dot and stem and len(suffix) <= 10 else ""  # the type stays readable
    return name[: limit - len(keep)] + keep
