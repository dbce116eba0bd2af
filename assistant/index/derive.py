"""What queries derive from every stored passage: BM25 index, glossary, boilerplate shares,
word frequencies and proximity arrays (kept together as a `Corpus`, cached by corpus.py).

Built from scratch, or updated from the previous snapshot (`previous`, with `prev_index`
saying which previous row each row is, -1 for new ones): then only new passages are
tokenised and the whole-corpus values are recomputed from the per-passage pieces kept in
the snapshot (assistant/index/rows.py), or, for counts, corrected by the removed and new
passages. Either way the result is the same (tests/integration/test_corpus_cache.py).
"""

from __future__ import annotations

import numpy as np

from assistant.index import bm25
from assistant.index.corpus import Corpus, CorpusCache, load_or_build
from assistant.index.glossary import Glossary
from assistant.index.proximity import Proximity
from assistant.index.rows import RowState, boilerplate_shares, frequencies_update
from assistant.index.store import PassageStore
from assistant.records import Passage
from assistant.settings import Settings
from assistant.text import document_frequencies

def _glossary(rows: RowState) -> Glossary:
    glossary = Glossary(words=rows.word_rows)
    for found in rows.definitions:  # in row order: expansion order follows first definition
        for key, form in found:
            glossary.long[key].add(form)
    return glossary


def build_corpus(passages: list[Passage], vectors: np.ndarray, settings: Settings, previous: Corpus | None = None,
                 prev_index: np.ndarray | None = None) -> Corpus:
    """Everything the retriever and the answer step derive from the whole corpus."""
    min_chars = settings.retrieval.boilerplate_min_chars
    base = previous.rows if previous is not None and prev_index is not None else None
    if base is None or base.min_chars != min_chars or previous.proximity is None:
        rows, proximity = RowState.of(passages, min_chars), Proximity(passages)
        df = document_frequencies(p.text for p in passages)
    else:
        kept = set(prev_index[prev_index >= 0].tolist())
        removed = [p for i, p in enumerate(previous.passages) if i not in kept]
        new = [p for p, i in zip(passages, prev_index.tolist()) if i < 0]
        rows = base.update(prev_index, removed, new)
        proximity = previous.proximity.update(prev_index, new)
        df = frequencies_update(previous.df, removed, new)
    doc_ids = {d: i for i, d in enumerate(dict.fromkeys(p.doc_id for p in passages))}
    doc_of_row = np.array([doc_ids[p.doc_id] for p in passages], dtype=np.int64)
    return Corpus(
        passages=passages,
        vectors=vectors if len(passages) else np.zeros((0, 1), dtype=np.float32),
        bm25=bm25.build(rows.tokens),
        glossary=_glossary(rows),
        boilerplate=boilerplate_shares(rows.sentence_offsets, rows.sentence_keys, doc_of_row),
        df=df,
        proximity=proximity,
        rows=rows,
    )


def load_corpus(store: PassageStore, cache: CorpusCache | None, previous: Corpus | None = None) -> Corpus:
    """The derived state of the store's current reports: from the cache when it matches,
    else built (from `previous`'s rows of unchanged reports) and cached."""
    return load_or_build(store, cache, lambda passages, vectors, prev, index: build_corpus(
        passages, vectors, store.settings, prev, index), previous)
