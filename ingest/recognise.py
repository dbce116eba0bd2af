"""Is this an HMICFRS inspection report? Decided from what the parser found, for any force.

A report names its force (in its title block, or a force of England and Wales by name), says
what kind of report it is (inspection, re-inspection, post-inspection review: from its title),
or at least reads like one (signals of inspection structure below; two are needed). A file
that is not recognised is refused with one line, unless the user adds it on purpose as an
*other document* (`--as-document`, or the choice on the upload form): documents are cited
with that label and never counted as a force's evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import KNOWN_FORCES
from ingest.metadata import title_force
from ingest.structure import FRAMEWORK_NAMES, ParsedReport, area_of

_INSPECTORATE = re.compile(r"\bHMICFRS\b|\bHMIC\b|Inspectorate of Constabulary|\bHM Inspectorate\b", re.I)
_FINDINGS = re.compile(
    r"\b(?:we (?:found|saw|inspected|reviewed|assessed|examined|audited)|our (?:findings|inspection)|"
    r"areas? for improvement|causes? (?:of|for) concern|post-inspection review|summary of findings)\b", re.I)
_RECOMMEND = re.compile(r"\bwe recommend\b|\brecommendations?\b", re.I)
_KNOWN = frozenset(f.lower() for f in KNOWN_FORCES)
NEEDED_SIGNALS = 2
NOT_RECOGNISED = "not recognised as an HMICFRS inspection report"  # the CLI and the app hint on it


@dataclass(frozen=True)
class Recognition:
    force: str | None  # the force it names, if it names one
    report_type: str | None  # inspection, re-inspection, post-inspection review; None if no title says
    signals: tuple[str, ...]  # the inspection structure found

    @property
    def is_report(self) -> bool:
        return self.force is not None and (self.report_type is not None or len(self.signals) >= NEEDED_SIGNALS)

    @property
    def reason(self) -> str:
        """Why it is not a report (one line), or '' when it is."""
        if self.is_report:
            return ""
        missing = "no force or report type" if self.force is None and self.report_type is None else (
            "no force" if self.force is None else "no report type or inspection structure")
        return f"{NOT_RECOGNISED}: {missing} found"


def recognise(parsed: ParsedReport, text: str) -> Recognition:
    """What of an inspection report the parser found in this file."""
    title_lines = [ln.text for ln in parsed.lines if ln.kind == "front"]
    force = title_force(title_lines)
    if force is None and parsed.meta.force.lower() in _KNOWN:
        force = parsed.meta.force  # named in the text, and a force that exists
    kind = parsed.meta.report_type if parsed.meta.report_type != "report" else None
    body = [ln.text for ln in parsed.lines if ln.kind in ("body", "heading")]
    found = {
        "names the inspectorate": bool(_INSPECTORATE.search(text)),
        "framework chapters": any(area_of(h) in FRAMEWORK_NAMES for s in parsed.sections for h in s.path),
        "recommendations": any(s.is_recommendation for s in parsed.sections) or any(_RECOMMEND.search(t) for t in body),
        "findings": any(_FINDINGS.search(t) for t in body),
    }
    return Recognition(force, kind, tuple(name for name, hit in found.items() if hit))
