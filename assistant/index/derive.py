"""What queries derive from every stored passage: BM25 index, glossary, boilerplate shares,
word frequencies and proximity arrays (kept together as a `Corpus`, cached by corpus.py)."""

from __future__ import annotations

import bm25s
import numpy as np
import Stemmer

from assistant.index.corpus import Corpus, CorpusCache, load_or_build
from assistant.index.glossary import Glossary
from assistant.index.proximity import Proximity
from assistant.index.store import PassageStore
from assistant.records import Passage
from assistant.settings import Settings
from assistant.text import document_frequencies, sentences

# llama-index BM25Retriever's tokenisation (English stopwords and stemmer, this pattern).
BM25_TOKENS = r"(?u)\b\w\w+\b"


def boilerplate_shares(passages: list[Passage], min_chars: int) -> list[float]:
    """Per passage, the share of its sentences (of at least `min_chars`) that other reports
    repeat word for word.

    Forewords, methodology annexes and statutory quotations recur across every report of a
    programme: they match many questions and say nothing about any force.
    """
    where: dict[str, set[str]] = {}
    split = []
    for p in passages:
        sents = [" ".join(s.lower().split()) for s in sentences(p.text) if len(s) > min_chars]
        split.append(sents)
        for s in sents:
            where.setdefault(s, set()).add(p.doc_id)
    return [
        (sum(len(where[s]) > 1 for s in sents) / len(sents)) if sents else 0.0
        for sents in split
    ]


def bm25_index(passages: list[Passage]) -> bm25s.BM25 | None:
    """The same index llama-index's `BM25Retriever.from_defaults` builds over "section\\ntext"
    nodes, without the copy of every node's metadata it keeps and we never read."""
    if not passages:
        return None
    # Section headings are strong topic words: index them with the text.
    tokens = bm25s.tokenize([f"{p.section}\n{p.text}" for p in passages], stopwords="en",
                            stemmer=Stemmer.Stemmer("english"), token_pattern=BM25_TOKENS, show_progress=False)
    index = bm25s.BM25()
    index.index(tokens, show_progress=False)
    return index


def build_corpus(passages: list[Passage], vectors: np.ndarray, settings: Settings) -> Corpus:
    """Everything the retriever and the answer step derive from the whole corpus."""
    return Corpus(
        passages=passages,
        vectors=vectors if len(passages) else np.zeros((0, 1), dtype=np.float32),
        bm25=bm25_index(passages),
        glossary=Glossary.from_texts(p.text for p in passages),
        boilerplate=boilerplate_shares(passages, settings.retrieval.boilerplate_min_chars),
        df=document_frequencies(p.text for p in passages),
        proximity=Proximity(passages),
    )


def load_corpus(store: PassageStore, cache: CorpusCache | None, previous: Corpus | None = None) -> Corpus:
    """The derived state of the store's current reports: from the cache when it matches,
    else built (reusing `previous`'s rows of unchanged reports) and cached."""
    return load_or_build(store, cache, lambda passages, vectors: build_corpus(passages, vectors, store.settings),
                         previous)
