"""Police forces named in a question: those in the corpus, and those it does not cover.

The list of forces is the territorial police of England and Wales (plus the national and
devolved ones users ask about). It is what lets the assistant say "the reports do not cover
Kent Police" instead of answering from the closest force it has.
"""

from __future__ import annotations

import functools
import re

KNOWN_FORCES = (
    "Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "City of London",
    "Cleveland", "Cumbria", "Derbyshire", "Devon and Cornwall", "Dorset", "Durham",
    "Dyfed-Powys", "Essex", "Gloucestershire", "Greater Manchester", "Gwent", "Hampshire",
    "Hertfordshire", "Humberside", "Kent", "Lancashire", "Leicestershire", "Lincolnshire",
    "Merseyside", "Metropolitan", "Norfolk", "North Wales", "North Yorkshire",
    "Northamptonshire", "Northumbria", "Nottinghamshire", "South Wales", "South Yorkshire",
    "Staffordshire", "Suffolk", "Surrey", "Sussex", "Thames Valley", "Warwickshire",
    "West Mercia", "West Midlands", "West Yorkshire", "Wiltshire", "British Transport",
    "Police Scotland", "Police Service of Northern Ireland",
)
ALIASES = {
    "the met": "Metropolitan", "met police": "Metropolitan", "scotland yard": "Metropolitan",
    "gmp": "Greater Manchester", "psni": "Police Service of Northern Ireland",
    "btp": "British Transport", "manchester": "Greater Manchester",
}


@functools.lru_cache(maxsize=8192)  # a name per corpus force: re's own cache (512) thrashed at 1,000 forces
def _pattern(name: str) -> re.Pattern[str]:
    words = r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", name))
    return re.compile(rf"\b{words}\b", re.I)


def names_pattern(names: list[str]) -> re.Pattern[str] | None:
    """Any of the given force names as whole words, possessive included ("Cheshire's")."""
    if not names:
        return None
    words = [r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", n)) for n in sorted(names, key=len, reverse=True)]
    return re.compile(rf"\b(?:{'|'.join(words)})(?:['’]s)?\b", re.I)


def forces_in(question: str, corpus_forces: list[str]) -> tuple[list[str], list[str]]:
    """(forces in the corpus named in the question, other forces named in it)."""
    found: list[str] = []
    covered = {f.lower(): f for f in corpus_forces}
    for name in list(corpus_forces) + [f for f in KNOWN_FORCES if f.lower() not in covered]:
        if _pattern(name).search(question) and name not in found:
            found.append(name)
    for alias, name in ALIASES.items():
        if _pattern(alias).search(question) and name not in found:
            found.append(name)
    # "North Yorkshire" also matches "Yorkshire"-less names only by full phrase, but "West
    # Midlands" must not also count "Midlands" twice: keep the longest names found.
    found = [f for f in found if not any(f != g and f.lower() in g.lower() for g in found)]
    inside = [f for f in found if f.lower() in covered]
    return [covered[f.lower()] for f in inside], [f for f in found if f.lower() not in covered]
