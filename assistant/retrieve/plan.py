"""Query planning: from what the user typed to the `Query` every later stage works on.

Done once per question: the text is cleaned and checked, filters are mapped to the
corpus' spelling, the forces it names are found (inside and outside the corpus), it is
classed as comparative or not, and the keywords (glossary-expanded, without asking words
or force names), content words and vector are computed.
"""

from __future__ import annotations

import operator
import re
from dataclasses import replace
from typing import Callable, Sequence

import numpy as np

from assistant.errors import InvalidRequest
from assistant.index import Corpus
from assistant.records import Filters, Query
from assistant.retrieve.followup import FOLLOWING, resolve
from assistant.retrieve.intent import about_recommendations, wants_case, wants_figure
from assistant.settings import Settings
from assistant.text import forces_in, names_pattern, terms

# Questions that ask across forces rather than about one...
COMPARATIVE = re.compile(
    r"\b(compare[sd]?|comparison|comparing|across|versus|vs\.?|differ\w*|each force|every force|"
    r"all (?:the )?(?:forces|reports)|which forces|what forces|between (?:the )?forces)\b",
    re.I,
)
# ...and wordings that ask about "forces" in general: comparative unless one force is named
# ("how did forces handle missing children in Cheshire?" is about Cheshire).
GENERAL = re.compile(
    r"\b(how (?:did|do|have|are) (?:the )?forces|forces'? (?:approach|handl\w*|response))\b", re.I
)
# Words of how people ask, not of what they ask about; they only add noise to BM25.
CHAT_WORDS = frozenset(
    "give show tell need want example examples case cases any there is was were did does do how what "
    "which when where who why please me i my we our find looking look about".split()
)
# Markup a question may carry (pasted HTML, an injection attempt): never words to search for.
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>|&#?\w+;|\b(?:https?://|www\.)\S+|[{}\[\]\\|`~^]",
                     re.I | re.S)
_WORD = re.compile(r"[^\W\d_]{2,}")  # two letters of any script
FILTER_FIELDS = {"forces": "force", "report_types": "report_type", "areas": "area"}


def check_question(question: object, max_chars: int) -> str:
    """A usable question, whitespace folded, or `InvalidRequest` saying what is wrong."""
    if not isinstance(question, str):
        raise InvalidRequest("the question must be text")
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise InvalidRequest("Ask a question: the text is empty.")
    if len(cleaned) > max_chars:
        raise InvalidRequest(f"The question is {len(cleaned)} characters long; the limit is {max_chars}. Shorten it.")
    if not _WORD.search(_MARKUP.sub(" ", cleaned)):
        raise InvalidRequest("The question has no words to search for, only markup or symbols: ask it in words.")
    return cleaned


def searchable(question: str) -> str:
    """The question without markup (tags, entities, URLs): what is searched for."""
    return " ".join(_MARKUP.sub(" ", question).split()) or question


class Planner:
    """Plans queries against one corpus (its forces, filter values and glossary)."""

    def __init__(self, corpus: Corpus, settings: Settings):
        self.settings = settings
        passages = corpus.passages
        # Filterable values in the corpus' own spelling, keyed lowercase. Other documents
        # have no force: they are never one of the corpus' forces.
        self.values: dict[str, dict[str, str]] = {
            name: {getattr(p, field).lower(): getattr(p, field) for p in passages
                   if name != "forces" or p.kind == "report"}
            for name, field in FILTER_FIELDS.items()
        }
        self.forces: list[str] = sorted(self.values["forces"].values())
        self.years: list[int] = sorted({p.year for p in passages if p.year is not None})
        self.glossary = corpus.glossary
        self._force_names = names_pattern(list(self.values["forces"].values()))
        self._force_words = frozenset(terms(" ".join(self.forces)))

    def k(self, k: int | None) -> int:
        k = self.settings.retrieval.top_k if k is None else k
        try:
            k = operator.index(k)  # ints of any kind (numpy's too), not floats or text
        except TypeError:
            raise InvalidRequest(f"k must be a whole number, got {k!r}") from None
        if k <= 0:
            raise InvalidRequest(f"k must be greater than 0, got {k}")
        return k

    def filters(self, f: Filters) -> Filters:
        """The filters with names mapped to the corpus' spelling; unknown names refused."""
        fixed = {}
        most = self.settings.max_filter_values
        for name, known in self.values.items():
            values = getattr(f, name)
            if len(values) > most:  # repeats are already one (Filters.build)
                raise InvalidRequest(f"too many {name.replace('_', ' ')}: {len(values)} given, at most {most}")
            unknown = [v for v in values if v.lower() not in known]
            if unknown:
                shown = ", ".join(sorted(known.values())[:50]) + (", ..." if len(known) > 50 else "")
                raise InvalidRequest(f"unknown {name.replace('_', ' ')} {unknown[:10]}; the corpus has: {shown}")
            fixed[name] = tuple(known[v.lower()] for v in values)
        return replace(f, **fixed)

    def expand(self, text: str) -> str:
        """The text with the glossary's long forms and acronyms of its terms appended."""
        if not self.settings.retrieval.use_glossary:
            return text
        extra = self.glossary.expand(text)
        # "; " keeps expansions from pairing with the question's last word as a phrase.
        return f"{text} ; {' ; '.join(extra)}" if extra else text

    def keywords(self, expanded: str) -> str:
        """The BM25 query: asking words and (when set) the corpus' force names removed."""
        r = self.settings.retrieval
        if r.strip_chat_words:
            expanded = " ".join(w for w in expanded.split() if w.lower().strip("?,.!'\"") not in CHAT_WORDS)
        if r.strip_force_names and self._force_names is not None:
            # A named force is served by `prefer`/`cover`; as a keyword it only favours the
            # passages that spell the name out (recommendations, introductions, context).
            expanded = self._force_names.sub(" ", expanded)
        return expanded

    def query(self, question: str, k: int | None, filters: Filters, embed: Callable[[str], np.ndarray],
              *, steer: bool = True, history: Sequence[str] = ()) -> Query:
        """Plan one question. `history`: the conversation's earlier questions, oldest first,
        to make a follow-up standalone (followup.py). `steer=False`: no preferred or covered
        forces (case studies and comparisons choose their forces themselves)."""
        asked = check_question(question, self.settings.max_question_chars)
        if isinstance(history, str) or not all(isinstance(h, str) for h in history):
            raise InvalidRequest("history must be a list of the earlier questions (text), oldest first")
        try:
            earlier = [check_question(h, self.settings.max_question_chars) for h in history if h.strip()]
        except InvalidRequest as exc:
            raise InvalidRequest(f"an earlier question in the history is unusable: {exc}") from None
        text = resolve(searchable(asked), [searchable(h) for h in earlier], self.forces)
        k, filters = self.k(k), self.filters(filters)
        # Forces are those the question names; an earlier question added as context
        # ("... (following: ...)") only lends its topic.
        named, outside = forces_in(text.split(FOLLOWING)[0], self.forces)
        comparative = (bool(COMPARATIVE.search(text)) or len(named) >= 2
                       or (bool(GENERAL.search(text)) and len(named) + len(outside) != 1))
        if filters.forces or len(named) >= 2:
            scope = list(filters.forces) or named
        else:
            scope = self.forces
        expanded = self.expand(text)
        # Force names say where to look, not what to find: they must not pick sentences.
        words = frozenset(terms(expanded)) - self._force_words - frozenset(terms(" ".join(outside)))
        if not steer:
            named, comparative = [], False
        return Query(
            text=text, asked=asked, k=k, filters=filters, named=tuple(named), outside=tuple(outside),
            comparative=comparative, scope=tuple(scope), keywords=self.keywords(expanded),
            terms=words, vector=embed(text), wants_figure=wants_figure(text), wants_case=wants_case(text),
            about_recommendations=about_recommendations(text),
        )
