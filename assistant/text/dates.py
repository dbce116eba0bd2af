"""Report dates as people read them, one pair everywhere: when the inspection (or review)
took place, and when the report was published."""

from __future__ import annotations

import re

_MONTHS = ("January February March April May June July August September October November "
           "December").split()
_ISO = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def readable(iso: str | None) -> str:
    """'2022-09-22' -> '22 September 2022', '2019-04' -> 'April 2019', '2019' -> '2019'."""
    m = _ISO.match(iso or "")
    if not m:
        return iso or ""
    year, month, day = m.groups()
    if not month or not 1 <= int(month) <= 12:
        return year
    name = _MONTHS[int(month) - 1]
    return f"{int(day)} {name} {year}" if day else f"{name} {year}"


def fieldwork_verb(report_type: str) -> str:
    """What the fieldwork of this kind of report is called: 'reviewed' or 'inspected'."""
    return "reviewed" if "review" in report_type.lower() else "inspected"


def report_dates(report_type: str, inspected: str | None, published: str | None) -> str:
    """'reviewed April 2019, published September 2022' (either part left out when unknown)."""
    parts = []
    if inspected:
        parts.append(f"{fieldwork_verb(report_type)} {readable(inspected)}")
    if published:
        parts.append(f"published {readable(published)}")
    return ", ".join(parts)


def report_label(report_type: str, inspected: str | None, published: str | None) -> str:
    """'post-inspection review (reviewed April 2019, published September 2022)'."""
    dates = report_dates(report_type, inspected, published)
    return f"{report_type} ({dates})" if dates else report_type
