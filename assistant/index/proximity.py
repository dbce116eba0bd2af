"""Where a question's words meet in a passage: shared word pairs and the best single sentence.

BM25 and the embedding score a passage as a whole, so a long section that mentions
"strategy", "discussions" and "recorded" in three different paragraphs ties with the one
sentence that says "strategy discussions are prompt ... and usually recorded". Two cheap,
learned-free signals separate them:

- phrase: the idf-weighted share of the question's adjacent content-word pairs ("police
  protection", "voice ... child") that the passage (headings included) also has side by side;
- sentence: the idf-weighted share of the question's content words found in the passage's
  single best sentence.

Words are `text.terms` (stopwords out, plural s off), so both sides fold alike.
Pairs never cross punctuation: "Cheshire, Lancashire" is a list, not a phrase.

Storage is flat numpy arrays (word ids, pair codes, offsets per passage), about 2 kB a
passage; Python sets of strings took 22 kB, too much for a corpus of many reports. Building
them tokenises every passage (~20 s at 1,000 reports), so the corpus cache keeps them
(`save` / `load`, memory-mapped) with the rest of the derived state, and `update` tokenises
only new passages: word ids only ever grow (a word of a removed report keeps its id, with
df 0), so the rows of other passages are reused as they are.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from assistant.records import Passage
from assistant.text import idf, sentences, terms

_CLAUSE = re.compile(r"[.;:!?,()\[\]\n|>]+")


def word_pairs(text: str) -> set[tuple[str, str]]:
    """Adjacent content-word pairs within each clause of a text."""
    out: set[tuple[str, str]] = set()
    for clause in _CLAUSE.split(text):
        words = terms(clause)
        out.update(zip(words, words[1:]))
    return out


def gather_rows(offsets: np.ndarray, values: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR array made of the given rows, in that order: (offsets, values). Runs of
    consecutive rows are copied as one slice (an update keeps long runs of old rows)."""
    rows = np.asarray(rows, dtype=np.int64)
    lengths = offsets[rows + 1] - offsets[rows]
    out_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    if not len(rows):
        return out_offsets, values[:0]
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(rows)]])
    pieces = [values[offsets[rows[a]]:offsets[rows[b - 1] + 1]] for a, b in zip(starts.tolist(), ends.tolist())]
    return out_offsets, np.concatenate(pieces)


def merge_rows(old: tuple[np.ndarray, np.ndarray], new: tuple[np.ndarray, np.ndarray],
               prev_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of two CSR arrays interleaved: row i is old row prev_index[i], or (where that is
    -1) the next row of `new`, in order."""
    (old_off, old_val), (new_off, new_val) = old, new
    n_old = len(old_off) - 1
    offsets = np.concatenate([old_off, new_off[1:] + old_off[-1]])
    values = np.concatenate([np.asarray(old_val), np.asarray(new_val).astype(old_val.dtype)])
    rows = np.asarray(prev_index, dtype=np.int64).copy()
    fresh = rows < 0
    rows[fresh] = n_old + np.arange(int(fresh.sum()))
    return gather_rows(offsets, values, rows)


def _segments(offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat positions of the given rows' slices of a CSR array, and the row (0..) of each."""
    starts, lengths = offsets[rows], offsets[rows + 1] - offsets[rows]
    owner = np.repeat(np.arange(len(rows)), lengths)
    firsts = np.cumsum(lengths) - lengths
    return np.arange(lengths.sum()) - np.repeat(firsts, lengths) + np.repeat(starts, lengths), owner


def _matches(offsets: np.ndarray, entries: np.ndarray, rows: np.ndarray,
             weighted: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries of the given rows' slices that are keys of `weighted` ((key, weight),
    keys ascending): their flat positions, their row (0..), and their weights."""
    keys = np.array([k for k, _ in weighted], dtype=entries.dtype)
    values = np.array([w for _, w in weighted])
    flat, owner = _segments(offsets, rows)
    got = entries[flat]
    pos = np.minimum(np.searchsorted(keys, got), len(keys) - 1)
    hit = keys[pos] == got
    return flat[hit], owner[hit], values[pos[hit]]


class Proximity:
    """Per-passage word pairs and sentence words, with their document frequencies."""

    def __init__(self, passages: Iterable[Passage], vocab: dict[str, int] | None = None, first_sentence: int = 0):
        self.vocab: dict[str, int] = dict(vocab or {})
        pairs: list[int] = []
        pair_offsets = [0]
        words: list[int] = []  # each sentence's distinct word ids, sentence after sentence
        word_sentence: list[int] = []  # the (corpus-wide) sentence number of each entry in `words`
        word_offsets = [0]
        seen: list[int] = []  # each passage's distinct word ids, for document frequency
        seen_offsets = [0]
        n_sentences = first_sentence
        for p in passages:
            passage_pairs: set[int] = set()
            for clause in _CLAUSE.split(f"{p.section}\n{p.text}"):
                ids = self._ids(clause)
                passage_pairs.update(a << 32 | b for a, b in zip(ids, ids[1:]))
            pairs += sorted(passage_pairs)
            pair_offsets.append(len(pairs))
            for sentence in sentences(p.text):
                distinct = sorted(set(self._ids(sentence)))
                words += distinct
                word_sentence += [n_sentences] * len(distinct)
                n_sentences += 1
            word_offsets.append(len(words))
            seen += sorted(set(self._ids(f"{p.section} {p.text}")))
            seen_offsets.append(len(seen))
        self.n = len(pair_offsets) - 1
        self.pairs = np.array(pairs, dtype=np.int64)
        self.pair_offsets = np.array(pair_offsets, dtype=np.int64)
        self.words = np.array(words, dtype=np.int32)
        self.word_sentence = np.array(word_sentence, dtype=np.int32)
        self.word_offsets = np.array(word_offsets, dtype=np.int64)
        self.seen = np.array(seen, dtype=np.int32)
        self.seen_offsets = np.array(seen_offsets, dtype=np.int64)
        self._count()

    def _count(self) -> None:
        self.df = np.bincount(self.seen, minlength=len(self.vocab))
        self.pair_keys, self.pair_df = np.unique(self.pairs, return_counts=True)

    def _recount(self, before: Proximity, removed: np.ndarray, added: np.ndarray) -> None:
        """Document frequencies from `before`'s, less the pairs of removed rows, plus the
        new rows' (a sort of the changed pairs only, not of all)."""
        self.df = np.bincount(self.seen, minlength=len(self.vocab))
        delta_keys, delta_inverse = np.unique(np.concatenate([removed, added]), return_inverse=True)
        delta = np.bincount(delta_inverse, weights=np.r_[-np.ones(len(removed)), np.ones(len(added))],
                            minlength=len(delta_keys)).astype(np.int64)
        keys, counts = np.asarray(before.pair_keys), np.asarray(before.pair_df).astype(np.int64)
        at = np.searchsorted(keys, delta_keys)
        known = (at < len(keys)) & (keys[np.minimum(at, len(keys) - 1)] == delta_keys) if len(keys) else \
            np.zeros(len(delta_keys), dtype=bool)
        counts = counts.copy()
        counts[at[known]] += delta[known]
        keys = np.insert(keys, at[~known], delta_keys[~known])
        counts = np.insert(counts, at[~known], delta[~known])
        keep = counts > 0
        self.pair_keys, self.pair_df = keys[keep], counts[keep]

    def update(self, prev_index: np.ndarray, new: Iterable[Passage]) -> Proximity:
        """The arrays of a corpus whose row i is this one's row prev_index[i] or, where that is
        -1, the next of `new` (in order): only the new passages are tokenised."""
        first = int(self.word_sentence.max(initial=-1)) + 1  # sentence numbers only need to be distinct
        part = Proximity(new, self.vocab, first)
        out = Proximity.__new__(Proximity)
        out.vocab = part.vocab
        out.pair_offsets, out.pairs = merge_rows((self.pair_offsets, self.pairs), (part.pair_offsets, part.pairs),
                                                 prev_index)
        out.word_offsets, out.words = merge_rows((self.word_offsets, self.words), (part.word_offsets, part.words),
                                                 prev_index)
        _, out.word_sentence = merge_rows((self.word_offsets, self.word_sentence),
                                          (part.word_offsets, part.word_sentence), prev_index)
        out.seen_offsets, out.seen = merge_rows((self.seen_offsets, self.seen), (part.seen_offsets, part.seen),
                                                prev_index)
        out.n = len(out.pair_offsets) - 1
        kept = np.zeros(self.n, dtype=bool)
        kept[prev_index[prev_index >= 0]] = True
        _, removed = gather_rows(self.pair_offsets, self.pairs, np.flatnonzero(~kept))
        out._recount(self, removed, part.pairs)
        return out

    _ARRAYS = ("pairs", "pair_offsets", "words", "word_sentence", "word_offsets", "seen", "seen_offsets", "df",
               "pair_keys", "pair_df")

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in self._ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, name))
        (folder / "vocab.json").write_text(json.dumps(list(self.vocab)))  # ids are list positions

    @classmethod
    def load(cls, folder: Path, rows: int) -> Proximity:
        """The saved arrays, memory-mapped; `rows` is the passage count it must cover."""
        self = cls.__new__(cls)
        self.vocab = {word: i for i, word in enumerate(json.loads((folder / "vocab.json").read_text()))}
        for name in self._ARRAYS:
            setattr(self, name, np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r")))
        self.n = len(self.pair_offsets) - 1
        if self.n != rows or len(self.word_offsets) != rows + 1 or len(self.df) != len(self.vocab):
            raise ValueError(f"proximity arrays cover {self.n} passages and {len(self.df)} words, "
                             f"expected {rows} passages and {len(self.vocab)} words")
        return self

    def _ids(self, text: str) -> list[int]:
        return [self.vocab.setdefault(t, len(self.vocab)) for t in terms(text)]

    def _pair_df(self, code: int) -> int:
        i = int(np.searchsorted(self.pair_keys, code))
        return int(self.pair_df[i]) if i < len(self.pair_keys) and self.pair_keys[i] == code else 0

    def scores(self, query: str, rows: Sequence[int]) -> list[tuple[float, float]]:
        """(phrase, sentence) for the passages at `rows`, each in 0..1."""
        if not len(rows):
            return []
        at = np.asarray(rows, dtype=np.int64)
        # Words the corpus lacks still count in the total: a sentence cannot hold them.
        weights = {t: idf(self.n, int(self.df[self.vocab[t]]) if t in self.vocab else 0) for t in set(terms(query))}
        word_total = math.fsum(weights.values())
        known = sorted((self.vocab[t], w) for t, w in weights.items() if t in self.vocab)
        codes = sorted({self.vocab[a] << 32 | self.vocab[b] for a, b in word_pairs(query)
                        if a in self.vocab and b in self.vocab})
        # Pairs no passage has cannot tell passages apart; they would only shrink the share.
        pair_weights = [(c, idf(self.n, df)) for c in codes if (df := self._pair_df(c))]
        pair_total = math.fsum(w for _, w in pair_weights)
        phrase = self._phrase(at, pair_weights) / pair_total if pair_weights else np.zeros(len(at))
        best = self._best_sentence(at, known) / word_total if known and word_total else np.zeros(len(at))
        return [(float(a), float(b)) for a, b in zip(phrase, best)]

    def _phrase(self, at: np.ndarray, pair_weights: list[tuple[int, float]]) -> np.ndarray:
        _, owner, weights = _matches(self.pair_offsets, self.pairs, at, pair_weights)
        return np.bincount(owner, weights=weights, minlength=len(at))

    def _best_sentence(self, at: np.ndarray, known: list[tuple[int, float]]) -> np.ndarray:
        flat, owner, weights = _matches(self.word_offsets, self.words, at, known)
        best = np.zeros(len(at))
        if len(flat):
            sentence, inverse = np.unique(self.word_sentence[flat], return_inverse=True)
            sums = np.bincount(inverse, weights=weights, minlength=len(sentence))
            row_of = np.zeros(len(sentence), dtype=np.int64)
            row_of[inverse] = owner  # a sentence's entries all belong to one row
            np.maximum.at(best, row_of, sums)
        return best
