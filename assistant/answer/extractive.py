"""Extractive answers: the retrieved passages' own sentences that best answer the question.

No model writes anything: each answer sentence is copied verbatim from the passage it
cites, chosen by how many of the question's (glossary-expanded) content words it carries,
weighted by their rarity in the corpus, and by how well its passage was ranked.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from dataclasses import dataclass

from assistant.records import Answer, Passage
from assistant.settings import AnswerSettings
from assistant.text import document_frequencies, footnote_marks, idf, join_names, report_label, sentences, stem, terms

@dataclass(frozen=True)
class Picked:
    passage: Passage
    rank: int  # the passage's position in the search results
    order: int  # the sentence's position in its passage
    text: str
    score: float


class SentencePicker:
    """Scores sentences against a question with corpus-wide inverse document frequency."""

    def __init__(self, df: Counter[str], n: int, settings: AnswerSettings):
        self.df, self.n = df, max(n, 1)  # passages per content word, over n passages
        self.settings = settings

    @classmethod
    def from_texts(cls, texts: list[str], settings: AnswerSettings) -> SentencePicker:
        return cls(document_frequencies(texts), len(texts), settings)

    def idf(self, term: str) -> float:
        return idf(self.n, self.df.get(term, 0))

    def coverage(self, query_terms: set[str], text: str) -> float:
        """Share of the question's weighted content words present in a text."""
        if not query_terms:
            return 0.0
        words = set(terms(text))
        stems = {stem(w) for w in words}
        # A word counts in any form ("improved" in "should improve"); weighted as asked.
        present = {t for t in query_terms if t in words or stem(t) in stems}
        return sum(self.idf(t) for t in present) / sum(self.idf(t) for t in query_terms)

    def pick(self, query_terms: set[str], passages: list[Passage], limit: int, per_passage: int = 2,
             must_cover: list[str] | None = None) -> list[Picked]:
        """The best sentences, at most `per_passage` from one passage; one per force first."""
        cfg = self.settings
        scored: list[Picked] = []
        for rank, p in enumerate(passages):
            position_weight = 1.0 / (1.0 + cfg.rank_decay * rank)  # trust the ranking, a little
            for order, sentence in enumerate(sentences(p.text)):
                words = terms(sentence)
                if len(words) < cfg.min_sentence_words:
                    continue  # headings, fragments, table labels
                hits = set(words) & query_terms
                if not hits:
                    continue
                weight = sum(self.idf(t) for t in hits) / math.sqrt(len(set(words)) + cfg.length_smoothing)
                scored.append(Picked(p, rank, order, sentence, weight * position_weight))
        scored.sort(key=lambda s: -s.score)
        chosen: list[Picked] = []
        used: Counter[str] = Counter()
        for force in must_cover or []:  # comparative answers: every force with evidence
            best = next((s for s in scored if s.passage.force == force), None)
            if best is not None:
                chosen.append(best)
                used[best.passage.id] += 1
        for s in scored:
            if len(chosen) >= limit:
                break
            if s in chosen or used[s.passage.id] >= per_passage:
                continue
            if any(s.text == c.text for c in chosen):
                continue  # summaries repeat findings word for word
            chosen.append(s)
            used[s.passage.id] += 1
        return chosen


def _report_label(p: Passage) -> str:
    label = report_label(p.report_type, p.inspected, p.published)  # the one pair of dates shown everywhere
    marks = "".join(f"; {m}" for m in p.marks if m != "other document")
    return f"{label}{marks}"


def _heading(p: Passage) -> str:
    """A group's heading: the force and its report, or plainly another document."""
    if p.kind == "document":
        return f"**Other document**: {p.report_title}" + (" (uploaded)" if p.origin == "upload" else "")
    return f"**{p.force}** ({_report_label(p)})"


def _sources(forces: list[str], documents: int) -> str:
    others = [] if not documents else ["another document" if documents == 1 else f"{documents} other documents"]
    return join_names(forces + others)


def compose(question: str, picked: list[Picked], passages: list[Passage]) -> Answer:
    """Group picked sentences by force and report (each report its own group, even beside
    another of the same force and title), in reading order, each with its marker."""
    groups: OrderedDict[tuple[str, str], list[Picked]] = OrderedDict()
    for s in sorted(picked, key=lambda s: -s.score):  # the strongest group leads
        groups.setdefault((s.passage.force, s.passage.doc_id), []).append(s)
    citations: list[Passage] = []
    number: dict[str, int] = {}
    forces = list(OrderedDict.fromkeys(items[0].passage.force for items in groups.values()
                                       if items[0].passage.kind == "report"))
    documents = sum(items[0].passage.kind == "document" for items in groups.values())
    lines = [f"Evidence from {_sources(forces, documents)}:", ""]
    for items in groups.values():
        items.sort(key=lambda s: (s.passage.start, s.order))
        lines.append(_heading(items[0].passage))
        for s in items:
            if s.passage.id not in number:
                citations.append(s.passage)
                number[s.passage.id] = len(citations)
            sentence = footnote_marks(s.text[2:] if s.text.startswith("- ") else s.text)  # one bullet per item
            lines.append(f"- {sentence} [{number[s.passage.id]}]")
        lines.append("")
    return Answer(question, "\n".join(lines).strip(), citations, False, "extractive", forces, passages)
