"""Follow-up questions made standalone, from the earlier questions of the conversation.

Rules, offline and deterministic (measured on the gold set's conversations, eval/gold.jsonl
items with a `history`):

- A question with its own topic and no pronoun pointing back is self-contained: the
  history is ignored ("How does Staffordshire handle custody?").
- A question without a topic of its own takes the earlier question's topic; a force it names
  replaces the earlier question's forces ("and what about Staffordshire?").
- A question whose pronouns point back ("they", "their", "there"; "it", "that", "those")
  keeps its own words, with the earlier forces put in for "they" / "their" / "there" and
  the earlier question added as context ("What did they recommend?").

Earlier questions are themselves resolved first, so a chain of follow-ups keeps its topic.
"""

from __future__ import annotations

import re
from typing import Sequence

from assistant.text import KNOWN_FORCES, forces_in, join_names, names_pattern, terms

# Words of a follow-up that carry no topic of their own ("and what about X?", "tell me more").
_FILLER = frozenset(terms(
    "and also what about how else more same then instead too other others again compare compared "
    "versus case one ones tell please explain detail details further anything something why"
))
# Pronouns standing for the earlier forces, and for the earlier topic.
_FORCE_PRONOUN = re.compile(r"\b(?:they|them|their|theirs|there)\b", re.I)
_TOPIC_PRONOUN = re.compile(r"\b(?:it|its|that|this|those|these|such|same|above)\b", re.I)
_OWN_ANTECEDENT = re.compile(r"\b(?:forces|officers|staff|police|constabular\w*|inspectors|children|offenders)\b", re.I)
_LEAD = re.compile(r"^\s*(?:and|but|also|so|ok(?:ay)?|then|what about|how about)\b", re.I)
MAX_HISTORY = 8  # earlier questions taken into account, most recent last


def topic_terms(question: str, forces: list[str]) -> set[str]:
    """The question's content words that are neither force names (in the corpus or not)
    nor follow-up filler."""
    pattern = names_pattern([*forces, *KNOWN_FORCES])
    plain = pattern.sub(" ", question) if pattern else question
    return set(terms(plain)) - _FILLER


def _swap_forces(question: str, old: list[str], new: list[str]) -> str:
    """The earlier question about the new forces: its force names replaced, or the new ones
    added when it named none."""
    pattern = names_pattern(old)
    if pattern is not None and pattern.search(question):
        first = True

        def put(match: re.Match[str]) -> str:
            nonlocal first
            if not first:
                return ""
            first = False
            return join_names(new) + ("'s" if match[0].endswith(("'s", "’s")) else "")

        swapped = pattern.sub(put, question)
        # "Cheshire and  compare" leftovers when several names stood side by side
        swapped = re.sub(r"\s+(?:and|or|,)\s+(?=[?.,;]|\s|$)", " ", swapped)
        return " ".join(swapped.split())
    return f"{question.rstrip(' ?.!')} in {join_names(new)}?"


def _put_forces(question: str, forces: list[str]) -> str:
    """'they' / 'them' -> the forces, 'their' -> the forces', 'there' -> in the forces."""
    names = join_names(forces)

    def put(match: re.Match[str]) -> str:
        word = match[0].lower()
        if word in ("their", "theirs"):
            return f"{names}'s" if len(forces) == 1 else f"{names}'"
        if word == "there":
            return f"in {names}"
        return names

    return _FORCE_PRONOUN.sub(put, question)


def resolve(question: str, history: Sequence[str], forces: list[str]) -> str:
    """The question as a standalone one, given the earlier questions (oldest first) and the
    corpus' forces; the question itself when it needs no history."""
    history = [h for h in history if h and h.strip()][-MAX_HISTORY:]
    if not history:
        return question
    earlier = resolve(history[-1], history[:-1], forces)
    named = _named(question, forces)
    earlier_named = _named(earlier, forces)
    own = topic_terms(question, forces)
    if not own:  # "and what about Staffordshire?", "tell me more"
        return _swap_forces(earlier, earlier_named, named) if named else earlier
    # A short question pointing back at the earlier topic ("how long did that take?").
    topic_ref = bool(_TOPIC_PRONOUN.search(question)) and len(own) <= 2
    # "they" / "their" standing for the earlier forces: only where the question offers no
    # antecedent of its own ("how they put offenders..." in a question about forces).
    force_ref = (bool(_FORCE_PRONOUN.search(question)) and not named and bool(earlier_named)
                 and not _OWN_ANTECEDENT.search(question))
    new_topic = bool(_LEAD.search(question)) and not named and bool(earlier_named)  # "and custody?"
    if not (topic_ref or force_ref or new_topic):
        return question  # self-contained
    resolved = question
    if force_ref:
        resolved = _put_forces(question, earlier_named)
    elif not named and earlier_named:
        resolved = f"{question.rstrip(' ?.!')} in {join_names(earlier_named)}?"
    if topic_ref or (force_ref and len(own) < 2):  # "what did they recommend?": on the earlier topic
        resolved = f"{resolved} (following: {earlier})"
    return resolved


def _named(question: str, forces: list[str]) -> list[str]:
    inside, outside = forces_in(question, forces)
    return [*inside, *outside]
