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
