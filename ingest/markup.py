"""Inline clean-up of report exports: what a reader should see, not how it was exported.

`clean_span` is the single definition of a chunk's text from its source span, so the app and
the tests can always recover `passage.text` from `source[start:end]`.
"""

from __future__ import annotations

import re

# [text](#) -> text; the target may hold one level of parentheses ("javascript:f(1)", a
# Wikipedia title), which must go with it rather than leave "x)" behind.
_LINK = re.compile(r"\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")  # Markdown backslash escapes
_TAG = re.compile(r"</?(?:i|b|em|strong|u|sup|sub|span|a|br)\b[^>\n]*>", re.IGNORECASE)
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")  # *Working Together*
_BULLET = re.compile(r"^\s*[•▪●◦‣∙·]\s*")
_DASH_BULLET = re.compile(r"^\s*[-–*]\s+")
_LONE_BULLET = re.compile(r"^\s*[-–•▪●◦*]\s*$")


def clean_inline(text: str) -> str:
    """Remove Markdown/HTML artefacts from one line, keeping its words and order."""
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = text.replace("**", "").replace("__", "")
    text = _EMPHASIS.sub(r"\1", text)
    text = _ESCAPE.sub(r"\1", text)
    return text


def clean_line(line: str) -> str:
    """One source line as shown to readers: inline clean, bullets as '- ', cells as ' | '."""
    indent = len(line) - len(line.lstrip(" "))
    if _BULLET.match(line) or _DASH_BULLET.match(line):
        body = _DASH_BULLET.sub("", _BULLET.sub("", line), count=1)
        prefix = " " * min(indent, 1) + "- "  # keep one level of nesting visible
        return prefix + clean_inline(body).strip()
    text = clean_inline(line).strip()
    return re.sub(r"\s*\t+\s*", " | ", text)


def is_lone_bullet(line: str) -> bool:
    """A bullet character alone on its line (its item follows on the next line)."""
    return bool(_LONE_BULLET.match(line))


def clean_span(span: str) -> str:
    """The text of a chunk from its raw source span: cleaned lines, blank lines dropped."""
    out: list[str] = []
    pending_bullet = False
    for line in span.split("\n"):
        if not line.strip():
            continue
        if is_lone_bullet(line):
            pending_bullet = True
            continue
        cleaned = clean_line(line)
        if pending_bullet and not cleaned.startswith("- "):
            cleaned = "- " + cleaned
        pending_bullet = False
        if cleaned:
            out.append(cleaned)
    return "\n".join(out)
