"""What the derived state keeps of each passage, so an update tokenises only new passages.

Word frequencies, boilerplate shares, the glossary and BM25 are functions of all passages,
but each is a sum over per-passage pieces: kept here per row (CSR arrays, or per-row lists),
the whole-corpus values are recomputed from them with numpy, or updated by subtracting the
removed passages' pieces and adding the new ones'. The result equals a build from scratch
(tests/integration/test_corpus_cache.py `same_corpus`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

import numpy as np

from assistant.index.bm25 import Tokens, index_text
from assistant.index.glossary import lower_words, normalised_definitions
from assistant.index.proximity import merge_rows
from assistant.records import Passage
from assistant.text import sentences, terms


def _key(sentence: str) -> int:
    """A stable 64-bit key of a normalised sentence (Python's hash() changes per process)."""
    return int.from_bytes(hashlib.blake2b(sentence.encode(), digest_size=8).digest(), "little", signed=True)


def sentence_keys(passages: list[Passage], min_chars: int) -> tuple[np.ndarray, np.ndarray]:
    """Per passage, keys of its sentences of more than `min_chars` (CSR: offsets, keys)."""
    keys: list[int] = []
    offsets = [0]
    for p in passages:
        keys += [_key(" ".join(s.lower().split())) for s in sentences(p.text) if len(s) > min_chars]
        offsets.append(len(keys))
    return np.array(offsets, dtype=np.int64), np.array(keys, dtype=np.int64)


def boilerplate_shares(offsets: np.ndarray, keys: np.ndarray, doc_of_row: np.ndarray) -> list[float]:
    """Per passage, the share of its sentences (as keyed) that other reports repeat word for word.

    Forewords, methodology annexes and statutory quotations recur across every report of a
    programme: they match many questions and say nothing about any force.
    """
    lengths = np.diff(offsets)
    if not len(keys):
        return [0.0] * len(lengths)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    doc = doc_of_row[owner]
    # Reports per sentence: distinct (key, report) pairs, counted per key.
    order = np.lexsort((doc, keys))
    k, d = keys[order], doc[order]
    first = np.ones(len(k), dtype=bool)
    first[1:] = (k[1:] != k[:-1]) | (d[1:] != d[:-1])
    unique_keys, reports = np.unique(k[first], return_counts=True)
    repeated = reports[np.searchsorted(unique_keys, keys)] > 1
    counts = np.bincount(owner, weights=repeated, minlength=len(lengths))
    shares = np.divide(counts, lengths, out=np.zeros(len(lengths)), where=lengths > 0)
    return shares.tolist()


@dataclass
class RowState:
    """The per-passage pieces, row for row with `Corpus.passages`, and the settings they depend on."""

    tokens: Tokens  # BM25 token ids
    sentence_offsets: np.ndarray
    sentence_keys: np.ndarray
    definitions: list[list[tuple[str, str]]]  # glossary (key, long form) defined in each passage
    word_rows: Counter[str]  # passages writing each lowercase word (the glossary's ordinary words)
    min_chars: int  # boilerplate_min_chars the sentence keys were made with

    @classmethod
    def of(cls, passages: list[Passage], min_chars: int, base: RowState | None = None) -> RowState:
        """The pieces of these passages (token ids in `base`'s vocabulary, if given)."""
        tokens = (base.tokens if base else Tokens.empty()).tokenize([index_text(p.section, p.text) for p in passages])
        offsets, keys = sentence_keys(passages, min_chars)
        words: Counter[str] = Counter()
        for p in passages:
            words.update(lower_words(p.text))
        return cls(tokens, offsets, keys, [normalised_definitions(p.text) for p in passages], words, min_chars)

    def update(self, prev_index: np.ndarray, removed: list[Passage], new: list[Passage]) -> RowState:
        """Row i is this state's row prev_index[i], or (where -1) the next of `new`."""
        part = RowState.of(new, self.min_chars, self)
        offsets, ids = merge_rows((self.tokens.offsets, self.tokens.ids), (part.tokens.offsets, part.tokens.ids),
                                  prev_index)
        _, tf = merge_rows((self.tokens.offsets, self.tokens.tf), (part.tokens.offsets, part.tokens.tf), prev_index)
        lengths = np.concatenate([self.tokens.lengths, part.tokens.lengths])
        fresh_rows = np.asarray(prev_index).copy()
        fresh_rows[fresh_rows < 0] = len(self.tokens.lengths) + np.arange(int((fresh_rows < 0).sum()))
        tokens = Tokens(part.tokens.vocab, offsets, ids, tf, lengths[fresh_rows])
        offsets, keys = merge_rows((self.sentence_offsets, self.sentence_keys),
                                   (part.sentence_offsets, part.sentence_keys), prev_index)
        fresh = iter(part.definitions)
        defs = [self.definitions[i] if i >= 0 else next(fresh) for i in prev_index.tolist()]
        words = subtract(self.word_rows, (lower_words(p.text) for p in removed)) + part.word_rows
        return RowState(tokens, offsets, keys, defs, words, self.min_chars)


def subtract(counts: Counter[str], removed) -> Counter[str]:
    """`counts` less one for each word of each removed item (words left at 0 are dropped)."""
    out = Counter(counts)
    for words in removed:
        out.subtract(words)
    return +out  # unary plus drops counts that fell to zero


def frequencies_update(df: Counter[str], removed: list[Passage], new: list[Passage]) -> Counter[str]:
    """Passages per content word (`text.document_frequencies`), from the previous counts."""
    out = subtract(df, (set(terms(p.text)) for p in removed))
    for p in new:
        out.update(set(terms(p.text)))
    return out
