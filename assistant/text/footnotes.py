"""Reports' own footnote markers, shown so that no one takes them for citations.

The reports number their footnotes "[5]", glued to the word they annotate ("warning
notices,[5] to help"), and the footnotes themselves start "[1] Under section 38(6)…". Our
answers cite with " [n]" (a space before the bracket), and the app links every "[n]" to
source n: a quoted footnote marker would link to whichever source has that number. So
report text on its way into an answer or onto a page gets its markers as superscript digits
("notices,⁵ to help", "¹ Under section…"): the sentence still reads as the report has it,
and only our own markers remain bracketed. Idempotent; our " [n]" markers are untouched.
"""

from __future__ import annotations

import re

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_GLUED = re.compile(r"(?<=[^\s\[])\[(\d{1,3})\]")  # "notices,[5]", "interviews[6]"
_LEADING = re.compile(r"^([ \t]*(?:- )?)\[(\d{1,3})\](?=\s)", re.M)  # a footnote's own line


def footnote_marks(text: str) -> str:
    """`text` with report footnote markers as superscript digits (see the module docstring)."""
    text = _GLUED.sub(lambda m: m[1].translate(_SUPERSCRIPT), text)
    return _LEADING.sub(lambda m: m[1] + m[2].translate(_SUPERSCRIPT), text)
