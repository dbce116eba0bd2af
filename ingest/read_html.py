"""HTML reader: a report web page as one line per block, headings from h1-h6.

Only the report content is kept: `<main>` (else `<article>`, else `<body>`), without site
chrome (nav, header, footer, scripts, forms, breadcrumbs, "Print this document" links).
Blocks come out in document order: headings and paragraphs as their text, list items as
"- text" (one leading space per extra nesting level), table rows as tab-joined cells.

Hostile pages: nesting deeper than `max_html_depth` is refused with one line (found by one
pass that also notes which elements hold blocks), so the walk below never recurses deeper
than that, and lists, tables and inline elements are each visited a bounded number of
times: a 17 KB page of nested lists no longer takes seconds.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from assistant.errors import IngestError
from ingest.limits import OverBudget, ParseLimits
from ingest.source import SourceText

DROP = {"script", "style", "nav", "footer", "aside", "form", "noscript", "template",
        "button", "select", "iframe", "svg", "head", "title", "meta", "link", "dialog"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Elements that start a new line of their own; everything else is inline.
BLOCKS = {"p", "div", "section", "article", "main", "body", "html", "blockquote", "figure",
          "figcaption", "caption", "dl", "dt", "dd", "address", "pre", "hr", "details",
          "summary", "center", "fieldset", "legend", "ul", "ol", "li", "table", "tr", *HEADINGS}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
# Matched against whole class/id tokens (an optional "govuk-"-style prefix allowed): WordPress
# puts topic classes such as "tag-information-sharing" on the article itself.
_CHROME_CLASS = re.compile(
    r"(?:[\w-]*-)?(breadcrumbs?|cookie-?(banner|notice|consent|bar)|skip-?link|js-print"
    r"|print-?(link|button|page|this)|share-?(links?|buttons?|bar|this|tools)|social-?(links?|share|icons?)"
    r"|visually-hidden|sr-only|screen-reader-text)", re.I)
_CHROME_TEXT = {"print this document", "print this page", "skip to main content", "back to top",
                "share this page"}
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)"""
                       rb"""|<\?xml[^>]+encoding\s*=\s*["']([\w:.-]+)""", re.I)
_BOMS = [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be")]


def decode_html(data: bytes) -> str:
    """BOM, then the declared charset, then UTF-8; replacement characters only as last resort."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    candidates = []
    match = _DECLARED.search(data[:4096])
    if match:
        name = (match.group(1) or match.group(2)).decode("ascii").lower()
        # as browsers do (WHATWG): a Latin-1 / ASCII label means windows-1252
        candidates.append("cp1252" if name in {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"}
                          else name)
    candidates.append("utf-8")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _is_chrome(tag: Tag) -> bool:
    # A <header> inside <main>/<article> holds the report's own title, so only site headers go.
    if tag.name == "header" and tag.find_parent(["main", "article"]) is None:
        return True
    if tag.name in DROP or tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    if tag.get("role") in _CHROME_ROLES:
        return True
    names = [*tag.get("class", []), str(tag.get("id", ""))]
    return any(_CHROME_CLASS.fullmatch(n) for n in names if n)


def _text(node: Tag) -> str:
    """All text under `node`, minus chrome; `<br>` counts as a space."""
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, PreformattedString):  # comments, CDATA, doctype...
            continue
        if isinstance(child, NavigableString):
            parts.append(str(child))
        elif isinstance(child, Tag) and not _is_chrome(child):
            if child.name == "br":
                parts.append(" ")
            elif child.name in BLOCKS:  # e.g. <p>s inside an <li>: keep words apart
                parts.append(f" {_text(child)} ")
            else:
                parts.append(_text(child))
    return "".join(parts)


def _tags(node: Tag) -> list[Tag]:
    return [c for c in node.children if isinstance(c, Tag)]


def _below(node: Tag, want: set[str], stop: set[str]) -> list[Tag]:
    """Elements named in `want` under `node`, in document order, without looking inside
    elements named in `stop` (no recursion, each element seen once)."""
    out, stack = [], _tags(node)[::-1]
    while stack:
        el = stack.pop()
        if el.name in want:
            out.append(el)
        if el.name not in stop:
            stack.extend(_tags(el)[::-1])
    return out


def holders_of_blocks(root: Tag, max_depth: int) -> set[int]:
    """ids of the elements under `root` that contain a block element; refuses nesting deeper
    than `max_depth` (one pass, no recursion)."""
    depth = {id(root): 0}
    holders: set[int] = set()
    for el in root.descendants:
        if not isinstance(el, Tag):
            continue
        d = depth[id(el.parent)] + 1
        if d > max_depth:
            raise OverBudget(f"nests elements over {max_depth} deep (limit EA_PARSE__MAX_HTML_DEPTH)")
        depth[id(el)] = d
        if el.name in BLOCKS:
            up = el.parent
            while up is not None and up is not root and id(up) not in holders:  # each marked once
                holders.add(id(up))
                up = up.parent
    return holders


class _Walker:
    def __init__(self, holders: set[int]) -> None:
        self.lines: list[str] = []
        self.headings: dict[int, int] = {}
        self.inline: list[str] = []  # loose text/inline elements waiting for a line break
        self.holders = holders  # ids of elements with a block inside

    def emit(self, text: str, level: int | None = None, prefix: str = "") -> None:
        text = " ".join(text.split())
        if not text or text.lower() in _CHROME_TEXT:
            return
        if level is not None:
            self.headings[len(self.lines)] = level
        self.lines.append(prefix + text)

    def flush(self) -> None:
        self.emit("".join(self.inline))
        self.inline = []

    def walk(self, node: Tag, depth: int = 0) -> None:
        for child in node.children:
            if isinstance(child, PreformattedString):
                continue
            if isinstance(child, NavigableString):
                self.inline.append(str(child))
                continue
            if not isinstance(child, Tag) or _is_chrome(child):
                continue
            name = child.name
            if name not in BLOCKS:
                if name == "br":
                    self.inline.append(" ")
                elif id(child) not in self.holders:
                    self.inline.append(_text(child))
                else:  # an inline element wrapping blocks (<a><div>..</div></a>)
                    self.walk(child, depth)
                continue
            self.flush()
            if name in HEADINGS:
                self.emit(_text(child), HEADINGS[name])
            elif name in ("ul", "ol"):
                self.walk_list(child, depth)
            elif name == "table":
                self.walk_table(child)
            elif name in ("p", "dt", "dd", "figcaption", "caption", "summary", "legend", "pre"):
                self.emit(_text(child))
            else:
                self.walk(child, depth)
                self.flush()

    def walk_list(self, node: Tag, depth: int) -> None:
        # Items whose nearest list is this one (nested lists' items come in the recursive call).
        for item in _below(node, {"li"}, {"ul", "ol"}):
            if _is_chrome(item):
                continue
            nested = _below(item, {"ul", "ol"}, {"ul", "ol", "li"})  # the item's own sub-lists
            for sub in nested:
                sub.extract()  # emit the item's own text first, then its sub-list
            self.emit(_text(item), prefix=" " * depth + "- ")
            for sub in nested:
                self.walk_list(sub, depth + 1)

    def walk_table(self, table: Tag) -> None:
        caption = table.find("caption")
        if caption is not None:
            self.emit(_text(caption))
        for row in _below(table, {"tr"}, {"table"}):
            if _is_chrome(row):
                continue
            cells = [" ".join(_text(c).split()) for c in row.find_all(["td", "th"], recursive=False)]
            if any(cells):
                self.lines.append("\t".join(cells))


def read_html(path: Path, data: bytes, limits: ParseLimits = ParseLimits()) -> SourceText:
    soup = BeautifulSoup(decode_html(data), "html.parser")
    root = soup.find("main") or soup.find("article") or soup.body or soup
    try:
        walker = _Walker(holders_of_blocks(root, limits.max_html_depth))  # type: ignore[arg-type]
    except OverBudget as exc:
        raise IngestError(path, f"refused: the page {exc}") from None
    walker.walk(root)  # type: ignore[arg-type]
    walker.flush()
    if not walker.lines:
        raise IngestError(path, "no text found in HTML")
    # a page without h1-h6 gives None, so the structure parser infers headings itself
    return SourceText(path=path, text="\n".join(walker.lines), format="html",
                      headings=walker.headings or None)
