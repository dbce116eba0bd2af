"""The BM25 index: bm25s' tokens and scores, built from per-passage token ids we keep.

The index is llama-index's `BM25Retriever.from_defaults` (bm25s underneath, its English stop
words and Snowball stemmer, this token pattern) over "section\\ntext" of each passage. bm25s
cannot add documents to an index, so the corpus snapshot keeps every passage's token ids
(`Tokens`) and an update tokenises only new passages. The score matrix itself is built
here with numpy, with bm25s' own formula and arithmetic (Lucene variant, k1 1.5, b 0.75,
float32 scores), into a `bm25s.BM25` that is saved, loaded and queried as bm25s' own:
measured at 84k passages (1,000 reports, shared machine), `bm25s.BM25.index` from cached ids
took 7.6 s (its per-document Python loops); this keeps each passage's term counts and needs
no sort. Scores are identical to bm25s' (tests/unit/test_derived_rows.py, and
tests/integration/test_corpus_cache.py::test_bm25_index_is_llama_index_bm25_retriever).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import bm25s
import numpy as np
import scipy.sparse as sp
import Stemmer

TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # BM25Retriever's
K1, B = 1.5, 0.75  # bm25s' defaults, which BM25Retriever keeps
_STEMMER = Stemmer.Stemmer("english")


def index_text(section: str, text: str) -> str:
    """What BM25 indexes of a passage: section headings are strong topic words."""
    return f"{section}\n{text}"


@dataclass
class Tokens:
    """Every passage's BM25 terms: distinct token ids with their counts (CSR: row i is
    ids[offsets[i]:offsets[i + 1]], ascending, and tf alike) and its length in tokens;
    and the vocabulary. Ids only grow (a token of a removed passage keeps its id, unused)."""

    vocab: list[str]
    offsets: np.ndarray
    ids: np.ndarray
    tf: np.ndarray
    lengths: np.ndarray

    @classmethod
    def empty(cls) -> Tokens:
        return cls([], np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32),
                   np.zeros(0, dtype=np.int64))

    def tokenize(self, texts: list[str]) -> Tokens:
        """The rows of `texts`, in this vocabulary (extended, in a copy, by their new tokens)."""
        vocab = list(self.vocab)
        if not texts:
            return Tokens(vocab, *Tokens.empty().arrays())
        got = bm25s.tokenize(texts, stopwords="en", stemmer=_STEMMER, token_pattern=TOKEN_PATTERN,
                             show_progress=False)
        index = {t: i for i, t in enumerate(vocab)}
        local = [""] * len(got.vocab)
        for token, i in got.vocab.items():
            local[i] = token
        to_global = np.array([index.setdefault(t, len(index)) for t in local], dtype=np.int64)
        vocab.extend(list(index)[len(vocab):])
        lengths = np.array([len(row) for row in got.ids], dtype=np.int64)
        flat = to_global[np.fromiter((i for row in got.ids for i in row), dtype=np.int64, count=int(lengths.sum()))]
        doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        pairs, tf = np.unique(doc * max(len(vocab), 1) + flat, return_counts=True)
        per_row = np.bincount(pairs // max(len(vocab), 1), minlength=len(texts))
        return Tokens(vocab, np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64),
                      (pairs % max(len(vocab), 1)).astype(np.int32), tf.astype(np.int32), lengths)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.offsets, self.ids, self.tf, self.lengths


def build(tokens: Tokens) -> bm25s.BM25 | None:
    """The bm25s index of these rows (None for none): scores of every (passage, term) from
    the kept counts, then scipy's linear-time CSR -> CSC (no sort)."""
    lengths = np.asarray(tokens.lengths)
    n_docs, n_vocab = len(lengths), len(tokens.vocab)
    if not n_docs:
        return None
    avg_doc_len = lengths.mean()
    term = np.asarray(tokens.ids)
    df = np.bincount(term, minlength=n_vocab)
    # idf as bm25s computes it (math.log per document frequency), stored as float32.
    idf = np.zeros(n_vocab, dtype=np.float32)
    values = np.unique(df[df > 0])
    table = np.array([math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) for d in values.tolist()], dtype=np.float32)
    idf[df > 0] = table[np.searchsorted(values, df[df > 0])]
    tf = np.asarray(tokens.tf).astype(np.float64)
    doc_len = np.repeat(lengths, np.diff(tokens.offsets))
    scores = (idf[term].astype(np.float64) * (tf / (K1 * ((1 - B) + B * doc_len / avg_doc_len) + tf)))
    matrix = sp.csr_matrix((scores.astype(np.float32), term, np.asarray(tokens.offsets)),
                           shape=(n_docs, n_vocab)).tocsc()
    index = bm25s.BM25(k1=K1, b=B)
    index.scores = {"data": matrix.data, "indices": matrix.indices.astype(np.int32),
                    "indptr": matrix.indptr.astype(np.int32), "num_docs": n_docs}
    index.vocab_dict = {t: i for i, t in enumerate(tokens.vocab)}
    index.vocab_dict.setdefault("", n_vocab)  # bm25s' empty token, for queries of no known word
    index.nonoccurrence_array = None
    return index
