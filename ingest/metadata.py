"""Report-level facts parsed from the text: force, title, report type, dates.

Nothing here knows the bundled files: the patterns are those of HMICFRS report prose
("Published on: 24 October 2022", "In April 2019, we assessed progress in a
post-inspection review", a "5–16 July 2021" date line under the force's name).
"""

from __future__ import annotations

import re
from collections import Counter

from assistant.records import ReportMeta
from assistant.settings import ParseSettings
from assistant.text import sentences

MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_FORCE_SUFFIX = r"(?:Constabulary|Police Service|Police Force|Police)"
_FORCE_NAME = r"[A-Z][\w'&-]*(?:(?: and| of| the|,)? [A-Z][\w'&-]*){0,4}"

_TITLE_FORCE = re.compile(r"^(?P<force>.+?)\s+[–—-]\s+(?:National|Child|Joint|Police)\b")
_FORCE_LINE = re.compile(rf"^(?:The )?(?P<force>{_FORCE_NAME}) {_FORCE_SUFFIX}$")
_FORCE_MENTION = re.compile(rf"\b(?P<force>{_FORCE_NAME}) {_FORCE_SUFFIX}\b")
_PUBLISHED = re.compile(rf"Published(?: on)?:?\s*(\d{{1,2}})\s+{_MONTH}\s+(\d{{4}})", re.I)
_FOOTER_DATE = re.compile(rf"^{_MONTH}\s+(\d{{4}})\s*\|\s*©", re.M)
_DATE_RANGE = re.compile(rf"(?:\d{{1,2}}\s*(?:{_MONTH}\s*)?[–—-]\s*)?\d{{1,2}}\s+{_MONTH}\s+(\d{{4}})")
_IN_MONTH = re.compile(rf"\b(?:in|during)\s+{_MONTH}\s+(\d{{4}})", re.I)
_TOOK_PLACE = re.compile(rf"took place in\s+{_MONTH}\s+(\d{{4}})", re.I)
_YEAR_REVIEW = re.compile(r"\bThe (\d{4}) post-inspection review\b")

# Words that are not a force even when followed by "Police" ("National Police", "the Police").
_NOT_FORCES = {"National", "The", "British Transport", "College", "Her Majesty's", "HM"}


def _month(name: str) -> int:
    return MONTHS.index(name.lower()) + 1


def report_type(title: str) -> str:
    """The kind of report, from its title."""
    lowered = title.lower()
    if "post-inspection review" in lowered or "post inspection review" in lowered:
        return "post-inspection review"
    if "re-inspection" in lowered or "reinspection" in lowered or "revisit" in lowered:
        return "re-inspection"
    if "inspection" in lowered:
        return "inspection"
    return "report"


def title_force(title_lines: list[str]) -> str | None:
    """The force the title block names ("Cheshire – National ...", "Staffordshire Police"), if any."""
    for line in title_lines:
        if m := _TITLE_FORCE.match(line):
            return _short(m["force"])
        if m := _FORCE_LINE.match(line):
            return _short(m["force"])
    return None


def find_force(title_lines: list[str], text: str, scan: int) -> str:
    """The force's short name ("Cheshire", "Thames Valley"), or "Unknown"."""
    if named := title_force(title_lines):
        return named
    # No title pattern: the force most often named early in the report (first `scan` chars).
    mentions = Counter(
        m["force"] for m in _FORCE_MENTION.finditer(text[:scan]) if m["force"] not in _NOT_FORCES
    )
    return _short(mentions.most_common(1)[0][0]) if mentions else "Unknown"


def _short(force: str) -> str:
    force = re.sub(rf"\s+{_FORCE_SUFFIX}$", "", force.strip())
    return re.sub(r"^The\s+", "", force)


def published_date(text: str, scan: int) -> str | None:
    """Publication date as ISO (YYYY-MM-DD from a 'Published on' line in the first `scan`
    characters, or YYYY-MM from a '<Month> YYYY | ©' footer)."""
    if m := _PUBLISHED.search(text[:scan]):
        return f"{int(m[3]):04d}-{_month(m[2]):02d}-{int(m[1]):02d}"
    if m := _FOOTER_DATE.search(text):
        return f"{int(m[2]):04d}-{_month(m[1]):02d}"
    return None


def inspected_date(title_lines: list[str], text: str, kind: str, scan: int) -> str | None:
    """Year-month of the fieldwork (looked for in the first `scan` characters): the
    inspection dates, or when the review took place."""
    if kind == "post-inspection review":
        # The sentence that says when "we" did the review: "In April 2019, we assessed
        # progress in a post-inspection review."
        for sentence in sentences(text[:scan]):
            if "post-inspection review" in sentence and (m := _IN_MONTH.search(sentence)):
                return f"{int(m[2]):04d}-{_month(m[1]):02d}"
        if m := _YEAR_REVIEW.search(text):
            return m[1]
        return None
    for line in title_lines:
        if m := _DATE_RANGE.search(line):
            return f"{int(m[3]):04d}-{_month(m[2]):02d}"
    if m := _TOOK_PLACE.search(text[:scan]):
        return f"{int(m[2]):04d}-{_month(m[1]):02d}"
    return None


def parse_meta(title_lines: list[str], text: str, scan: ParseSettings = ParseSettings()) -> ReportMeta:
    """All report-level metadata from the title block and the text."""
    title = " – ".join(line for line in title_lines if not _DATE_RANGE.fullmatch(line.strip())
                       and not _PUBLISHED.match(line))
    kind = report_type(title or text[:500])
    published = published_date(text, scan.published_scan_chars)
    inspected = inspected_date(title_lines, text, kind, scan.fieldwork_scan_chars)
    year_from = inspected or published
    return ReportMeta(
        force=find_force(title_lines, text, scan.force_scan_chars),
        report_title=title or "Untitled report",
        report_type=kind,
        published=published,
        inspected=inspected,
        year=int(year_from[:4]) if year_from else None,
    )
