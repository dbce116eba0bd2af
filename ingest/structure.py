"""Recover a report's heading hierarchy and cut it into sections.

Plain-text exports carry no heading markup, so headings are inferred: a heading is a short
line with no closing punctuation that is not a list item or table row. Levels come from
the report's own structure: its contents list when it has one (numbered chapters, front
and back matter), otherwise the "Area: Summary of findings" prefixes that post-inspection
reviews put under each framework area. HTML and PDF readers mark headings themselves, and
the same section rules (case studies, recommendations, areas) apply to every format.

A case study is a section of its own that ends where the report's narrative resumes, heading
or not (assistant/text/narrative.py); a bare "Case study" heading is named by the case's
opening words, so two cases under one finding are two sections, each titled by what happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.markup import clean_line, is_lone_bullet
from assistant.records import ReportMeta
from assistant.settings import ParseSettings
from assistant.text.narrative import finding_heading, first_sentence, headline, resumes_report
from ingest.metadata import parse_meta
from ingest.source import SourceText

# Inspection framework chapters, so "Decision-making" and "8. Decision making" file under
# one area across reports. Unknown chapters keep their own heading as their area.
FRAMEWORK_AREAS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("Leadership", r"\bleadership\b|management and governance"),
        ("Initial contact", r"\binitial contact\b"),
        ("Assessment and help", r"\bassessment and help\b"),
        ("Investigation", r"^investigations?\b"),
        ("Decision making", r"^decision[- ]making\b"),
        ("Trusted adult", r"\btrusted adult\b"),
        ("Managing those who pose a risk", r"^managing those (?:who pose|posing)\b"),
        ("Police detention", r"\bpolice detention\b|\bcustody\b"),
    )
)
FRAMEWORK_NAMES = frozenset(name for name, _ in FRAMEWORK_AREAS)
# Front and back matter that sits at the top of the hierarchy in any report.
STRUCTURAL = re.compile(
    r"^(?:foreword|summary|introduction|conclusions?|next steps|references|glossary|"
    r"terminology|annex|appendix|methodology|contents)\b",
    re.I,
)
NUMBERED = re.compile(r"^(?:\d{1,2}\.|annex [a-z0-9]+\b|appendix [a-z0-9]+\b)\s*\S", re.I)
CASE_STUDY = re.compile(r"^case stud(?:y|ies)\b\s*[:–—-]?\s*(?P<title>.*)$", re.I)
RECOMMENDATION = re.compile(r"\brecommendations?\b", re.I)
AREA_PREFIX = re.compile(r"^(?P<area>[^:]{3,80}):\s+\S")
_TOC_ENTRY = re.compile(r"^(?P<title>[^\t]+?)\t+\s*(?P<page>\d{1,4}|[ivxlc]{1,6})\s*$")
_CHROME = re.compile(
    r"^(?:print this (?:document|page)|back to publication|contents|skip to (?:main )?content|"
    r"share this (?:page|report)|download (?:the )?(?:full )?(?:report|pdf).*)$",
    re.I,
)
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_FORCE_NAME_LINE = re.compile(r"^[A-Z][\w'&-]*(?: (?:and |of )?[A-Z][\w'&-]*){0,4} (?:Constabulary|Police(?: Service)?)$")
_META_LINE = re.compile(r"^(?:published(?: on)?:|last updated:)", re.I)
_CLOSING = ".;:,!?"  # a line ending in these is prose, not a heading
_LETTER_LIST = re.compile(r"^[A-Z]\s+[–—-]\s+\w")  # "A – appearance": a mnemonic list
_FOOTNOTE = re.compile(r"^(?:\[\d+\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\d+\s+[A-Z])")  # "[3] Authorised ...", "² College"
_MAX_HEADING_WORDS = 25
_CASE_SUBHEADING_WORDS = 8  # a short heading inside a case study belongs to it


@dataclass
class Line:
    """One line of the canonical text and what the parser made of it."""

    start: int
    end: int
    raw: str
    text: str  # cleaned for display and matching
    kind: str = "body"  # body | heading | toc | chrome | front | blank
    level: int = 0  # heading level, 1 = chapter


@dataclass
class Section:
    """Text under one heading: its path in the hierarchy and its body lines."""

    path: tuple[str, ...]
    area: str
    is_case_study: bool
    is_recommendation: bool
    lines: list[Line] = field(default_factory=list)

    @property
    def title(self) -> str:
        return " > ".join(self.path)


@dataclass
class ParsedReport:
    meta: ReportMeta
    sections: list[Section]
    lines: list[Line]
    toc: list[str]


def split_lines(text: str) -> list[Line]:
    lines, pos = [], 0
    for raw in text.split("\n"):
        cleaned = clean_line(raw)
        lines.append(Line(pos, pos + len(raw), raw, cleaned, "body" if cleaned else "blank"))
        pos += len(raw) + 1
    return lines


def norm(text: str) -> str:
    """Heading text for comparisons: lowercase words only."""
    text = text.replace("’", "'").replace("‘", "'")
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def looks_like_heading(line: Line, previous: Line | None, following: Line | None) -> bool:
    """A short line with no closing punctuation that is not a list item or table cell."""
    text = line.text
    if not text or "\t" in line.raw or text.lstrip().startswith("- ") or is_lone_bullet(line.raw):
        return False
    if previous is not None and is_lone_bullet(previous.raw):
        return False  # the item of a bullet written on the line before
    if text[-1] in _CLOSING or text[0].islower() or _LETTER_LIST.match(text) or _FOOTNOTE.match(text):
        return False
    if following is not None and following.text[:1].islower():
        return False  # a paragraph the export broke mid-sentence
    return len(text.split()) <= _MAX_HEADING_WORDS


def area_of(chapter: str) -> str:
    """The framework area a chapter heading belongs to (or the heading itself)."""
    bare = re.sub(r"^\d{1,2}\.\s*", "", chapter).strip()
    for name, pattern in FRAMEWORK_AREAS:
        if pattern.search(bare):
            return name
    return bare


def _title_block(lines: list[Line], headings: dict[int, int] | None) -> list[int]:
    """Indices of the title lines at the top of the report (title, force, dates)."""
    first = next((i for i, ln in enumerate(lines) if ln.kind != "blank"), None)
    if first is None:
        return []
    block = [first]
    bold_open = lines[first].raw.count("**") % 2 == 1
    for i in range(first + 1, min(first + 8, len(lines))):
        ln = lines[i]
        if ln.kind == "blank":
            continue
        if headings is not None and i in headings:
            break
        raw = ln.raw.strip()
        if (
            bold_open
            or raw.startswith("**")
            or _META_LINE.match(ln.text)
            or _is_date_line(ln.text)
            or _FORCE_NAME_LINE.match(ln.text)
        ):
            block.append(i)
            bold_open ^= raw.count("**") % 2 == 1
            continue
        break
    return block


def _is_date_line(text: str) -> bool:
    return bool(re.fullmatch(r"[\d\s–—-]*\s*[A-Z][a-z]+\s+\d{4}", text.strip()))


def _mark_toc_and_chrome(lines: list[Line], title: str) -> list[str]:
    """Mark contents lists and web-page chrome as non-body; return the contents entries."""
    toc: list[str] = []
    for ln in lines:
        if ln.kind != "body":
            continue
        if m := _TOC_ENTRY.match(ln.raw.strip()):
            ln.kind = "toc"
            toc.append(clean_line(m["title"]))
        elif (
            _CHROME.match(ln.text)
            or _URL_ONLY.match(ln.text)
            or "©" in ln.text
            or _META_LINE.match(ln.text)
            or (title and norm(ln.text) == norm(title))
        ):
            ln.kind = "chrome"
    return toc


def _levels_from_toc(toc: list[str]) -> list[tuple[str, int]]:
    """Contents entries with levels: chapters 1, their sub-entries 2."""
    out, chapters_started = [], False
    for entry in toc:
        if NUMBERED.match(entry):
            chapters_started = True
            out.append((norm(entry), 1))
        elif not chapters_started or STRUCTURAL.match(entry):
            out.append((norm(entry), 1))
        else:
            out.append((norm(entry), 2))
    return out


def _assign_levels(heads: list[Line], toc: list[str]) -> None:
    """Give inferred headings their levels (text format)."""
    if toc:
        expected, cursor = _levels_from_toc(toc), 0
        for h in heads:
            key = norm(h.text)
            # Look a few entries ahead so one heading missing from the body doesn't derail.
            hit = next((j for j in range(cursor, min(cursor + 4, len(expected))) if expected[j][0] == key), None)
            if hit is not None:
                h.level, cursor = expected[hit][1], hit + 1
            else:
                h.level = 2
        return
    seen, prefixes = set(), set()
    for h in heads:
        if (m := AREA_PREFIX.match(h.text)) and norm(m["area"]) in seen:
            prefixes.add(norm(m["area"]))
        seen.add(norm(h.text))
    has_sub = False
    for h in heads:
        key, m = norm(h.text), AREA_PREFIX.match(h.text)
        if key in prefixes or STRUCTURAL.match(h.text) or NUMBERED.match(h.text):
            h.level, has_sub = 1, False
        elif m and norm(m["area"]) in prefixes:
            h.level, has_sub = 2, True
        else:
            h.level = 3 if has_sub else 2


def _nest_under_empty_headings(lines: list[Line]) -> None:
    """A heading with no text of its own, followed by a sibling, introduces what follows.

    "Breakdown of results by area" directly followed by "Cases assessed involving ..." at the
    same inferred level is the parent of the rest of the chapter, so push those one down.
    """
    content = [ln for ln in lines if ln.kind in ("heading", "body")]
    for k, ln in enumerate(content[:-1]):
        nxt = content[k + 1]
        if ln.kind != "heading" or nxt.kind != "heading" or ln.level < 2 or nxt.level != ln.level:
            continue
        if CASE_STUDY.match(ln.text) or CASE_STUDY.match(nxt.text):
            continue
        for later in content[k + 1 :]:
            if later.kind == "heading":
                if later.level < ln.level:
                    break
                later.level += 1


def _strip_parent_prefix(text: str, parent: str | None) -> str:
    """'Investigation: Summary of findings' under 'Investigation' reads 'Summary of findings'."""
    if parent and (m := AREA_PREFIX.match(text)) and norm(m["area"]) == norm(parent):
        return text[m.end("area") + 1 :].strip()
    return text


def parse_report(source: SourceText, settings: ParseSettings = ParseSettings()) -> ParsedReport:
    """Split a report into metadata and sections of body lines."""
    lines = split_lines(source.text)
    headings = source.headings
    title_idx = _title_block(lines, headings)
    for i in title_idx:
        lines[i].kind = "front"
    title_lines = [lines[i].text for i in title_idx]
    meta = parse_meta(title_lines, source.text, settings)
    toc = _mark_toc_and_chrome(lines, title_lines[0] if title_lines else "")

    if headings is None:
        content = [ln for ln in lines if ln.kind != "blank"]
        for k, ln in enumerate(content):
            previous = content[k - 1] if k else None
            following = content[k + 1] if k + 1 < len(content) else None
            if ln.kind == "body" and looks_like_heading(ln, previous, following):
                ln.kind = "heading"
        _assign_levels([ln for ln in lines if ln.kind == "heading" and not CASE_STUDY.match(ln.text)], toc)
        _nest_under_empty_headings(lines)
    else:
        # Formats with heading markup: a lone top-level title is the report title.
        top = min((lvl for i, lvl in headings.items() if lines[i].kind == "body"), default=1)
        for i, lvl in headings.items():
            if lines[i].kind == "body":
                lines[i].kind, lines[i].level = "heading", max(1, lvl - top + 1)
    return ParsedReport(meta, _build_sections(lines, headings is None), lines, toc)


def _build_sections(lines: list[Line], inferred: bool) -> list[Section]:
    """Walk the lines keeping a heading stack; every body line lands in one section."""
    sections: list[Section] = []
    stack: list[tuple[int, str, bool, bool]] = []  # (level, heading, case study, recommendation)
    case_level: int | None = None  # level of the open case study, if any
    case_plural = case_has_body = False
    current: Section | None = None
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.kind == "heading":
            text, level = ln.text, ln.level
            case = CASE_STUDY.match(text)
            if case:
                if not case["title"]:
                    nxt = _next_nonblank(lines, i)
                    if nxt is not None and _is_case_title(lines[nxt], inferred):
                        text = f"{text.rstrip(':–— ')}: {lines[nxt].text}"
                        lines[nxt].kind = "heading"  # consumed into the case-study heading
                        i = nxt
                    elif nxt is not None and lines[nxt].kind == "body":  # untitled: its opening words
                        text = f"{text.rstrip(':–— ')}: {headline(first_sentence(lines[nxt].text))}"
                parent = [s for s in stack if not s[2]]
                level = (parent[-1][0] + 1) if (inferred and parent) else max(level, 1)
                case_level, case_has_body = level, False
                case_plural = text.lower().startswith("case studies")
            elif case_level is not None:
                # A heading inside a case study names a part of the story ("Police response"),
                # never a finding ("There are improved sex offender management processes"). It
                # stays in the case when it comes before the case's text or in a block of
                # several cases (and is short, for inferred headings); a marked-up one set
                # deeper than the case heading may also follow the text.
                part = not finding_heading(text) and not RECOMMENDATION.search(text) and not AREA_PREFIX.match(text)
                early = case_plural or not case_has_body
                if inferred:
                    belongs = part and early and level != 1 and len(text.split()) <= _CASE_SUBHEADING_WORDS
                else:
                    belongs = part and (level > case_level or (early and len(text.split()) <= _CASE_SUBHEADING_WORDS))
                if belongs:
                    level = max(level, case_level + 1)
                else:
                    case_level = None
            while stack and stack[-1][0] >= level:
                stack.pop()
            parent_text = stack[-1][1] if stack else None
            shown = _strip_parent_prefix(text, parent_text)
            in_case = bool(case) or (case_level is not None and any(s[2] for s in stack))
            is_rec = bool(RECOMMENDATION.search(text)) or any(s[3] for s in stack)
            stack.append((level, shown, in_case, is_rec))
            path = tuple(s[1] for s in stack)
            current = Section(path, area_of(path[0]), in_case, is_rec)
            sections.append(current)
        elif ln.kind == "body":
            if current is not None and current.is_case_study and case_has_body and resumes_report(ln.text):
                # The case told, the report's own voice resumes (no heading between): the
                # rest belongs to the section the case sits in, not to the case.
                while stack and stack[-1][2]:
                    stack.pop()
                path = tuple(s[1] for s in stack) or current.path[:1]
                current = Section(path, area_of(path[0]), False, any(s[3] for s in stack))
                sections.append(current)
                case_level, case_has_body = None, False
            if current is None:
                current = Section(("Preamble",), "Preamble", False, False)
                sections.append(current)
            current.lines.append(ln)
            case_has_body = True
        i += 1
    return [s for s in sections if s.lines]


def _next_nonblank(lines: list[Line], i: int) -> int | None:
    for j in range(i + 1, min(i + 4, len(lines))):
        if lines[j].kind != "blank":
            return j
    return None


def _is_case_title(line: Line, inferred: bool) -> bool:
    """The short title line that follows a bare 'Case study' heading."""
    if line.kind not in ("heading", "body") or CASE_STUDY.match(line.text):
        return False
    text = line.text
    return bool(text) and text[-1] not in _CLOSING and len(text.split()) <= 15 and not text.startswith("- ")
