"""Follow-up questions made standalone, from the earlier questions of the conversation.

Rules, offline and deterministic (measured on the gold set's conversations, eval/gold.jsonl
items with a `history`):

- A question without a topic of its own takes the earlier question's topic; a force it names
  replaces the earlier question's forces ("and what about Staffordshire?"), or joins them
  when it compares ("how does that compare with Merseyside?", "is that better than in
  Cheshire?"). "Compare the two" compares the forces the conversation has named; "and the
  other forces?" asks the same of the rest, "what about all forces?" of every force. "Give me
  an example" asks for a case on the earlier topic.
- A question naming no force stays with the conversation's forces ("what did they
  recommend?", "is it still using the absent category?"), unless it asks about forces in
  general ("which forces...", "across forces").
- A short question that points back ("how long did that take?", "do they record it?") keeps
  its own words with the earlier question added as context.
- A question with its own topic and its own force, pointing nowhere, is self-contained: the
  history is ignored ("How does Staffordshire handle custody?").

Earlier questions are themselves resolved first, so a chain of follow-ups keeps its topic.
"""

from __future__ import annotations

import re
from typing import Sequence

from assistant.retrieve.intent import wants_case
from assistant.text import KNOWN_FORCES, forces_in, join_names, names_pattern, terms

# Words of a follow-up that carry no topic of their own ("and what about X?", "tell me more").
_FILLER = frozenset(terms(
    "and also what about how else more same then instead too other others again compare compared "
    "versus case one ones tell please explain detail details further anything something why "
    "two both them rest remaining forces force give example examples instance elsewhere question"
))
# Pronouns standing for the earlier forces, and for the earlier topic.
_FORCE_PRONOUN = re.compile(r"\b(?:they|them|their|theirs|there)\b", re.I)
_TOPIC_PRONOUN = re.compile(r"\b(?:it|its|that|this|those|these|such|same|above|the force|the constabulary)\b", re.I)
# A plural the question itself offers for "they" ("how they put offenders...").
_OWN_ANTECEDENT = re.compile(r"\b(?:forces|officers|staff|inspectors|children|offenders|teams|managers)\b", re.I)
# Wording about forces in general: the conversation's forces do not carry on.
_GENERAL = re.compile(r"\b(?:forces|each force|every force|all forces|other forces|across|nationally|in general)\b", re.I)
_COMPARES = re.compile(r"\b(?:compare[sd]?|comparison|versus|vs\.?|differ\w*|same as|similar to|like|than|"
                       r"better|worse)\b", re.I)
# "and the other forces?" (the rest of the corpus) and "what about all forces?" (every one).
_OTHERS = re.compile(r"\b(?:(?:the )?other (?:forces|ones|constabularies)|the others|the rest|elsewhere|"
                     r"remaining forces)\b", re.I)
_ALL = re.compile(r"\b(?:all (?:the |five |\d+ )?(?:forces|of them|constabularies)|every force|each force|"
                  r"across (?:all )?(?:the )?forces|nationally)\b", re.I)
_SHORT = 4  # content words a follow-up has at most to lean on the earlier question
# "How many were still outstanding?": a quantity asked of a subject the question leaves out.
_NO_SUBJECT = re.compile(r"^\W*(?:and\s+)?(?:how (?:many|much|long|often)|what share) (?:were|was|are|is|did|have|had)\b", re.I)
_LEAD = re.compile(r"^\s*(?:and|but|also|so|ok(?:ay)?|then|what about|how about)\b", re.I)
FOLLOWING = " (following: "  # how a follow-up carries the earlier question it leans on
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
    named, earlier_named = _named(question, forces), _named(earlier, forces)
    own = topic_terms(question, forces)
    if named and _COMPARES.search(question) and earlier_named and not set(named) <= set(earlier_named):
        # "How does that compare with Merseyside?": the earlier forces and the new one.
        return _swap_forces(earlier, earlier_named, [*earlier_named, *named])
    if not own:  # "and what about Staffordshire?", "tell me more", "compare the two"
        if named:
            return _swap_forces(earlier, earlier_named, named)
        if earlier_named and (_OTHERS.search(question) or _ALL.search(question)):
            everyone = forces if _ALL.search(question) else [f for f in forces if f not in earlier_named]
            return _swap_forces(earlier, earlier_named, everyone) if everyone else earlier
        talked_of = _conversation_forces([*history, question], forces)
        if _COMPARES.search(question) and len(talked_of) >= 2:
            return _swap_forces(earlier, earlier_named, talked_of)
        if wants_case(question):  # "give me an example": a case on the earlier topic, same forces
            asked = f"{question.rstrip(' ?.!')} in {join_names(earlier_named)}?" if earlier_named else question
            return f"{asked}{FOLLOWING}{earlier})"
        return earlier
    # Pointing back at the earlier topic ("how long did that take?", "do they record it?"),
    # or too short to stand alone ("how many were still outstanding?").
    back = bool(_TOPIC_PRONOUN.search(question) or _FORCE_PRONOUN.search(question))
    elliptic = (back and len(own) <= _SHORT) or bool(_NO_SUBJECT.search(question))
    if named:
        return f"{question}{FOLLOWING}{earlier})" if elliptic else question
    if _GENERAL.search(question) or not earlier_named:  # asks about forces in general
        return f"{question}{FOLLOWING}{earlier})" if elliptic else question
    # No force named: the conversation's forces carry on.
    if _FORCE_PRONOUN.search(question) and not _OWN_ANTECEDENT.search(question):
        resolved = _put_forces(question, earlier_named)
    else:
        resolved = f"{question.rstrip(' ?.!')} in {join_names(earlier_named)}?"
    # A new topic after a lead-in ("and custody?") replaces the earlier one; a bare short
    # question ("what did inspectors recommend?") goes on with it.
    goes_on = elliptic or (len(own) <= 2 and not _LEAD.search(question))
    return f"{resolved}{FOLLOWING}{earlier})" if goes_on else resolved


def _conversation_forces(questions: Sequence[str], forces: list[str]) -> list[str]:
    """Every force the conversation has named, in the order first named."""
    out: list[str] = []
    for q in questions:
        out += [f for f in _named(q, forces) if f not in out]
    return out


def _named(question: str, forces: list[str]) -> list[str]:
    inside, outside = forces_in(question, forces)
    return [*inside, *outside]
