"""The recommendations a report makes (or, for a review, repeats), parsed from its sections.

Works on the lines and sections of ingest/structure.py, so plain text, Markdown, HTML and
PDF go through the same rules. A recommendation block is a section whose heading (or an
ancestor's) says "Recommendation(s)", or the rest of a section after a body line that is
only such a label (an export that set the heading as a paragraph). Inside a block:

- a *lead* starts a recommendation: "We recommend that ...", "Within six months, <X>
  should ...", "Immediately, <X> should ...", "<Force> should ...";
- list points ("- ...", nested or not, or a lone bullet and its item on the next line)
  belong to the recommendation before them;
- another paragraph belongs to it only while it is unfinished (its last line ends with
  ":", ";" or "," or the paragraph starts in lower case); otherwise the recommendation is
  closed and prose up to the next lead is not part of any.

A review's block heading names the inspection that made them ("... from the 2022
inspection report"): that year is `made_in`, and the sections that follow in the same area
up to its next block (the review's summary and detailed findings) are the follow-up,
summary first. Nothing here knows the bundled files.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from assistant.records import Passage, Recommendation, ReportMeta
from ingest.markup import clean_span, is_lone_bullet
from ingest.structure import AREA_PREFIX, FRAMEWORK_NAMES, RECOMMENDATION, Line, ParsedReport, Section, area_of, norm

_NUMBERS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen twenty").split()
NUMBER_WORDS = {w: i for i, w in enumerate(_NUMBERS, start=1)}
NUMBER_WORDS.update({f"twenty{sep}{w}": 20 + i for sep in ("-", " ") for i, w in enumerate(_NUMBERS[:9], start=1)})
NUMBER_WORDS["thirty"] = 30
_COUNT = r"\d{1,3}|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True))
_UNIT = r"(?:days?|weeks?|months?|years?)"
_TIMESCALE = re.compile(
    rf"\b(?P<ts>immediately|urgently|within\s+(?:{_COUNT}|a|an)\s+{_UNIT}|"
    r"by\s+(?:the\s+end\s+of\s+)?(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\s+\d{4})\b",
    re.I,
)
# "We made nine recommendations", "We have made 11 recommendations", "this report makes 4 recommendations".
STATED = re.compile(rf"\b(?:made|makes?|set\s+out)\s+(?P<n>{_COUNT})\s+(?:\w+\s+)?recommendations?\b", re.I)
_WE_RECOMMEND = re.compile(r"^we\s+(?:also\s+|would\s+|therefore\s+)?recommend(?:s|ed)?\b", re.I)
_TIMESCALE_FIRST = re.compile(rf"^(?:immediately|urgently|within\s+\S+\s+{_UNIT})\b.{{0,160}}?\b(?:should|must)\b", re.I)
_MODAL = re.compile(r"\b(?:should|must)\b")
_ORGANISATION = re.compile(r"\b(?:constabular(?:y|ies)|police|forces?|service|chief\s+constables?|office|college|"
                           r"commissioners?|partners(?:hips)?|authorit(?:y|ies))\b", re.I)
_NOT_SUBJECTS = frozenset("this it these that they there such which he she guidance each".split())  # first words
_BULLET = re.compile(r"^\s*(?:[-–*](?=\s)|[•▪●◦‣∙·])?\s*")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_EARLIER = re.compile(r"\b((?:19|20)\d{2})\s+inspection\b", re.I)
# A body line that is only a recommendations label, e.g. "Recommendations" or
# "Initial contact: Recommendation from the report of the 2017 inspection".
_LABEL = re.compile(r"^(?:[^:.]{2,80}:\s*)?recommendations?\b[^.;]{0,80}$", re.I)
_FINDINGS_LABEL = re.compile(r"^[^.;]{0,100}\b(?:findings|summary)\b[^.;]{0,60}$", re.I)
_UNFINISHED = (":", ";", ",")
_REVIEW_TYPES = ("post-inspection review",)


@dataclass
class Found:
    """One recommendation as parsed: its span in the source and what it says."""

    start: int
    end: int
    text: str  # clean_span(source[start:end]): the lead and its list points
    area: str
    timescale: str | None
    made_in: int | None
    section: Section  # the section it stands in
    follow_up: list[Section] = field(default_factory=list)  # the review's findings on its area, summary first


@dataclass
class Parsed:
    """Every recommendation of one report, the count the report states, and what looked wrong."""

    found: list[Found]
    stated: int | None
    warnings: list[str]


def timescale(text: str) -> str | None:
    """'immediately', 'within three months', ... from a recommendation's lead (None: not stated)."""
    first = text.split("\n", 1)[0]
    m = _TIMESCALE.search(first) or _TIMESCALE.search(text)
    if not m:
        return None
    words = m["ts"].lower().split()
    words = [_NUMBERS[int(w) - 1] if w.isdigit() and 0 < int(w) <= len(_NUMBERS) else w for w in words]
    return " ".join(words)


def stated_count(text: str) -> int | None:
    """How many recommendations the report says it made, when it says so."""
    m = STATED.search(text)
    if not m:
        return None
    n = " ".join(m["n"].lower().split())
    return int(n) if n.isdigit() else NUMBER_WORDS.get(n)


def is_lead(text: str) -> bool:
    """Does this line (bullet removed) start a recommendation?"""
    if _WE_RECOMMEND.match(text) or _TIMESCALE_FIRST.match(text):
        return True
    m = _MODAL.search(text[:120])
    if not m:
        return False
    subject = text[: m.start()].strip(" ,")
    words = subject.split()
    if not 1 <= len(words) <= 6 or words[0].lower() in _NOT_SUBJECTS or subject.lower() in _NOT_SUBJECTS:
        return False
    # "Cheshire Constabulary should ...", "The force should ...": an organisation, or a name.
    return bool(_ORGANISATION.search(subject)) or any(w[:1].isupper() for w in words[1:])


def _body(line: Line) -> str:
    return _BULLET.sub("", line.text, count=1)


def _is_point(line: Line) -> bool:
    return line.text.lstrip().startswith("- ")


def split_block(lines: list[Line]) -> list[list[Line]]:
    """The recommendations of one block: each a lead line and the lines that belong to it."""
    out: list[list[Line]] = []
    current: list[Line] | None = None
    pending_bullet = False  # a lone "-" whose item is on the next line
    for line in lines:
        if is_lone_bullet(line.raw):
            pending_bullet = True
            continue
        point = _is_point(line) or pending_bullet
        pending_bullet = False
        text = _body(line)
        if is_lead(text):
            current = [line]
            out.append(current)
        elif current is None:
            continue  # prose before the first recommendation, or after a finished one
        elif point or current[-1].text.rstrip().endswith(_UNFINISHED) or text[:1].islower():
            current.append(line)
        else:
            current = None  # a new paragraph after a finished recommendation: not part of it
    return out


def _blocks(parsed: ParsedReport) -> list[tuple[int, Section, str, list[Line]]]:
    """(section index, section, label, lines) of each recommendation block, in reading order."""
    out = []
    for i, section in enumerate(parsed.sections):
        at = [k for k, part in enumerate(section.path) if RECOMMENDATION.search(part)]
        # Under a recommendations heading, but a "Summary of ... findings" of its own: findings.
        if at and not any(_FINDINGS_LABEL.match(part) for part in section.path[at[-1] + 1 :]):
            out.append((i, section, section.path[at[-1]], section.lines))
            continue
        start = None
        for k, line in enumerate(section.lines):
            if start is None and _LABEL.match(line.text) and not _is_point(line):
                start = k
            elif start is not None and _FINDINGS_LABEL.match(line.text) and not is_lead(_body(line)):
                out.append((i, section, section.lines[start].text, section.lines[start + 1 : k]))
                start = None
        if start is not None:
            out.append((i, section, section.lines[start].text, section.lines[start + 1 :]))
    return out


def _area(section: Section, label: str, sections: list[Section], index: int) -> str:
    """The framework area a block's recommendations are about."""
    for part in (section.area, *reversed(section.path)):
        if (name := area_of(part)) in FRAMEWORK_NAMES:  # "Initial contact: Recommendations from ..." too
            return name
    if (m := AREA_PREFIX.match(label)) and not RECOMMENDATION.search(m["area"]):
        return area_of(m["area"])  # "Online safety: Recommendations ...": an area outside the framework
    if RECOMMENDATION.search(section.path[0]):  # a top-level "Recommendations" closes the chapter before it
        for earlier in reversed(sections[:index]):
            if not earlier.is_recommendation:
                return earlier.area
    return section.area


def _bare_headings(lines: list[Line]) -> list[str]:
    """Recommendation headings followed directly by a heading that is not under them."""
    out = []
    content = [ln for ln in lines if ln.kind in ("heading", "body")]
    for k, line in enumerate(content):
        if line.kind != "heading" or not _LABEL.match(line.text):
            continue
        after = content[k + 1] if k + 1 < len(content) else None
        if after is None or (after.kind == "heading" and after.level <= line.level):
            out.append(line.text)
    return out


def earlier_inspection(text: str, meta: ReportMeta) -> int | None:
    """The year of the inspection a review follows up: the one its text names most."""
    years = Counter(int(y) for y in _EARLIER.findall(text) if meta.year is None or int(y) < meta.year)
    return years.most_common(1)[0][0] if years else None


def _follow_up(sections: list[Section], index: int, area: str, blocks: set[int]) -> list[Section]:
    """Sections after a review's block on the same area, up to its next block: summary first."""
    out = []
    for j in range(index + 1, len(sections)):
        later = sections[j]
        if later.area != area:
            if out:
                break
            continue
        if j in blocks:
            break
        out.append(later)
    return sorted(out, key=lambda s: (0 if "summary" in norm(s.title) else 1))  # stable: reading order kept


def parse_recommendations(parsed: ParsedReport, text: str) -> Parsed:
    """Every recommendation of a report, with area, timescale, year made and follow-up."""
    meta, sections = parsed.meta, parsed.sections
    blocks = _blocks(parsed)
    block_sections = {i for i, *_ in blocks}
    is_review = meta.report_type in _REVIEW_TYPES
    found: list[Found] = []
    empty: list[str] = []
    for index, section, label, lines in blocks:
        groups = split_block(lines)
        if not groups:
            if _LABEL.match(label):  # not "Progress against our recommendations": prose is expected there
                empty.append(f"{section.title}" + ("" if label in section.path else f" ({label})"))
            continue
        year = next((int(y) for y in _YEAR.findall(label)), None)
        repeats = year is not None or is_review
        if year is None:
            year = earlier_inspection(text, meta) if is_review else meta.year
        area = _area(section, label, sections, index)
        follow = _follow_up(sections, index, area, block_sections) if repeats else []
        for group in groups:
            first = group[0]
            start = first.start + len(_BULLET.match(first.raw)[0])
            end = group[-1].end
            body = clean_span(text[start:end])
            found.append(Found(start, end, body, area, timescale(body), year, section, follow))
    empty += _bare_headings(parsed.lines)
    warnings = []
    if empty:
        warnings.append(f"{len(empty)} recommendation heading(s) with no recommendation that could be parsed "
                        f"under them: {'; '.join(empty)}")
    stated = stated_count(text)
    if stated is not None and stated != len(found):
        warnings.append(f"the report says it made {stated} recommendations, but {len(found)} were parsed")
    return Parsed(found, stated, warnings)


def to_records(found: list[Found], passages: list[Passage]) -> list[Recommendation]:
    """The parsed recommendations as records over the report's stored chunks.

    `passage` is the recommendation's own span (text cleaned as a chunk's is), with a
    synthetic id, the recommendation's (`<doc_id>-rec<NNN>`): it may run over several
    chunks, which are in `chunks`. `follow_up` are the stored chunks of the follow-up
    sections, summary first.
    """
    out: list[Recommendation] = []
    for n, f in enumerate(found, start=1):
        chunks = [p for p in passages if p.start < f.end and p.end > f.start]
        if not chunks:
            continue  # cannot happen for text under a heading; never invent a passage
        first = chunks[0]
        rec_id = f"{first.doc_id}-rec{n:03d}"
        passage = replace(first, id=rec_id, text=f.text, section=f.section.title, area=f.area, is_case_study=False,
                          is_recommendation=True, start=f.start, end=f.end, score=0.0)
        follow = []
        for section in f.follow_up:
            span = (section.lines[0].start, section.lines[-1].end)
            follow += [p for p in passages if p.section == section.title and span[0] <= p.start < span[1]]
        out.append(Recommendation(
            id=rec_id, force=first.force, report_title=first.report_title, report_type=first.report_type,
            published=first.published, inspected=first.inspected, made_in=f.made_in, area=f.area, text=f.text,
            timescale=f.timescale, passage=passage, follow_up=follow, chunks=chunks,
        ))
    return out
