"""Acronyms and their long forms, learnt from the reports' own definitions.

HMICFRS reports define terms inline, "registered sex offenders (RSOs)", then use the short
form. Query expansion both ways lets "reactive RSO management" and "reactive management of
registered sex offenders" reach the same passages, whichever form a passage uses.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from assistant.text import singular

_DEFINITION = re.compile(r"\(([A-Z][A-Za-z&]{1,9})\)")  # (RSOs) (PCC) (VoC) (CAID)
_WORD = re.compile(r"[A-Za-z][\w'’]*")
_LOWER_WORD = re.compile(r"\b[a-z]+\b")  # words as written in lowercase prose
_LINKERS = {"of", "and", "the", "for", "to", "in", "on", "at", "a", "an", "&", "with", "by"}
_MAX_WORDS = 10


def _letters(acronym: str) -> str:
    """The initials an acronym stands for: 'RSOs' -> 'rso', 'VoC' -> 'vc'."""
    if acronym.endswith("s") and acronym[:-1].isupper():
        acronym = acronym[:-1]
    caps = [c for c in acronym if c.isupper()]
    return "".join(caps).lower() if len(caps) >= 2 else acronym.lower()


def long_form(preceding: str, acronym: str) -> str | None:
    """The words before '(ACR)' whose initials spell the acronym (Schwartz-Hearst, simplified)."""
    letters = _letters(acronym)
    words = _WORD.findall(preceding)[-(_MAX_WORDS + len(letters)) :]
    j, skipped = len(letters) - 1, 0
    for i in range(len(words) - 1, -1, -1):
        parts = [p for p in re.split(r"[-–]", words[i].lower()) if p]
        matched = False
        for part in reversed(parts):  # "multi-agency" can give the M and the A
            if j >= 0 and part[0] == letters[j]:
                j -= 1
                matched = True
        if j < 0:
            return " ".join(words[i:]).lower()
        if not matched:
            if words[i].lower() in _LINKERS:
                continue
            skipped += 1
            if skipped > 1:
                return None
    return None


class Glossary:
    def __init__(self, pairs: Iterable[tuple[str, str]] = (), words: Iterable[str] = ()):
        self.long: dict[str, set[str]] = defaultdict(set)  # "rso" -> {"registered sex offender"}
        # Acronyms that are also ordinary words ("IT" and "it", "PACE" and "pace") only count
        # in a query written in capitals; otherwise every "how did it respond" is about IT.
        self.words = set(words)
        for acronym, expansion in pairs:
            self.add(acronym, expansion)

    def add(self, acronym: str, expansion: str) -> None:
        if entry := normalised(acronym, expansion):
            self.long[entry[0]].add(entry[1])

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Glossary:
        glossary = cls()
        for text in texts:
            glossary.words.update(lower_words(text))
            for acronym, expansion in definitions(text):
                glossary.add(acronym, expansion)
        return glossary

    def __len__(self) -> int:
        return len(self.long)

    def expand(self, query: str) -> list[str]:
        """Terms to add to a query: long forms of its acronyms, acronyms of its long forms."""
        lowered = _singular(_normal(query))
        tokens = set(re.findall(r"[a-z&]+", lowered))
        capitals = {_letters_key(t) for t in re.findall(r"[A-Za-z&]+", query) if t.rstrip("s").isupper()}
        extra: list[str] = []
        for acronym, forms in self.long.items():
            if acronym in (capitals if acronym in self.words else tokens):
                extra.extend(sorted(forms))
            elif any(form in lowered for form in forms):
                extra.append(acronym)
        return extra


def normalised(acronym: str, expansion: str) -> tuple[str, str] | None:
    """(key, long form) as the glossary stores a definition, or None if nothing is left."""
    # Only a lowercase plural 's' is dropped: RSOs -> rso, but ARMS and HMICFRS stay whole.
    key = acronym[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else acronym
    words = _normal(expansion).split()
    while words and words[0] in _LINKERS:
        words = words[1:]
    return (key.lower(), _singular(" ".join(words))) if words else None


def lower_words(text: str) -> set[str]:
    """Words a text writes in lowercase (an acronym among them is also an ordinary word)."""
    return set(_LOWER_WORD.findall(text))


def definitions(text: str) -> list[tuple[str, str]]:
    """(acronym, long form) for each '(ACR)' of a text whose preceding words spell it."""
    found = []
    for m in _DEFINITION.finditer(text):
        expansion = long_form(text[max(0, m.start() - 200) : m.start()], m[1])
        if expansion:
            found.append((m[1], expansion))
    return found


def normalised_definitions(text: str) -> list[tuple[str, str]]:
    """`definitions`, normalised as the glossary stores them (key, long form)."""
    return [entry for acronym, expansion in definitions(text) if (entry := normalised(acronym, expansion))]


def _letters_key(token: str) -> str:
    """'ITs' -> 'it', 'PACE' -> 'pace': an all-capitals query token as a glossary key."""
    return (token[:-1] if token.endswith("s") and token[:-1].isupper() else token).lower()


def _normal(text: str) -> str:
    """Lowercase, possessives dropped, hyphens as spaces: "children’s" -> "children"."""
    text = re.sub(r"['’]s\b", "", text.lower()).replace("’", "").replace("'", "")
    return " ".join(re.sub(r"[-–]", " ", text).split())


def _singular(text: str) -> str:
    """Every word of a (normalised) text without its plural s, as `terms` folds them."""
    return re.sub(r"[a-z]+", lambda m: singular(m[0]), text)
