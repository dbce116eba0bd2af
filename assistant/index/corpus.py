"""Derived retrieval state: what queries need besides Chroma, and where it is kept.

Chroma (embedded, or a shared server) is the source of truth: passages, their vectors and
the report registry. Queries also need state derived from *all* passages: the passage table
and vectors in memory (re-scoring, filters, per-force search), the BM25 index, the word
proximity arrays, the acronym glossary, boilerplate shares and word document
frequencies; the topic check needs vectors of the corpus' words. Deriving it at 1,000 reports (~84k chunks) means reading every row from
Chroma and tokenising it all, minutes per start; so it lives in a local cache, even when the
index is on a server (each machine keeps its own copy, rebuilt from the server's chunks):

    <cache_dir, default index_dir/derived>/<store>/<index_name>/
        <fingerprint>/      one snapshot: manifest.json (written last: marks it complete),
                            passages.json, vectors.npy and bm25/ (memory-mapped on load),
                            derived.json (glossary, boilerplate shares, document frequencies),
                            proximity/ (word pairs and sentence words, memory-mapped),
                            rows/ (per-passage BM25 term counts, sentence keys, glossary
                            definitions: what an update reuses, see rows.py)
        words.npz           word vectors for the topic check, grown as new words appear

Only registered reports that answers may use (`PassageStore.served`: not uploads awaiting
review) are read: chunks an interrupted ingest left without a registry entry are never
served. The fingerprint hashes that registry (doc_id, sha256 and chunk count of every served
report), the index name, and `VERSION`, bumped whenever how any part is derived or laid out
changes. When it differs (another process or machine ingested, or the code changed) the
state is updated: rows of reports whose hash did not change come from the previous snapshot,
only the others are read from Chroma, and only those are tokenised; BM25, frequencies,
boilerplate, glossary and proximity are recomputed from per-passage pieces the snapshot
keeps (rows/, see assistant/index/rows.py) or corrected by the removed and added passages
(derive.py). A snapshot is written only if the registry did not change while it was read;
the manifest holds a digest of every file, checked on load, and a snapshot that fails to
load (changed bytes, truncated, other library version) is deleted and rebuilt. Cache
failures never fail a query: the state is then built in memory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable

import bm25s
import numpy as np

from assistant.index.glossary import Glossary
from assistant.index.naming import index_name
from assistant.index.bm25 import Tokens
from assistant.index.proximity import Proximity
from assistant.index.rows import RowState
from assistant.records import Passage

log = logging.getLogger(__name__)

# Bumped when the snapshot's layout, or how any part of it is derived (BM25 tokens,
# proximity, glossary, boilerplate, frequencies, the passage fields), changes: every older
# snapshot is then rebuilt. An explicit number, not a hash of source files, so moving or
# reformatting a module changes nothing.
VERSION = 7  # 7: per-passage pieces for incremental updates; passages carry kind and origin; file digests
_ROW_FIELDS = [f.name for f in fields(Passage) if f.name != "score"]
Registry = dict[str, tuple[str, int]]  # doc_id -> (sha256, chunks)


@dataclass
class Corpus:
    """Everything queries derive from the stored passages, in one consistent snapshot."""

    passages: list[Passage]
    vectors: np.ndarray  # row i is the stored vector of passages[i]
    bm25: bm25s.BM25 | None  # over "section\ntext" of each passage; None when empty
    glossary: Glossary
    boilerplate: list[float]  # per passage, share of its sentences other reports repeat
    df: Counter[str]  # passages per content word (extractive.terms)
    proximity: Proximity | None = None  # word pairs and sentence words (None: built on first use)
    registry: Registry = field(default_factory=dict)  # the reports it was built from
    fingerprint: str = ""
    origin: str = "built"  # "loaded" from the cache, "built" from scratch, "updated" from a previous snapshot
    fetched: int = 0  # rows read from the store to make it
    rows: RowState | None = None  # per-passage pieces, for the next update (None: rebuild from scratch)


# (passages, vectors, previous snapshot or None, previous row of each passage or -1) -> Corpus
Build = Callable[[list[Passage], np.ndarray, "Corpus | None", "np.ndarray | None"], Corpus]


class OlderFormat(ValueError):
    """A snapshot laid out by another version of this module."""


def registry_of(store) -> Registry:
    """The reports answers may use, as the fingerprint sees them (one small registry read)."""
    return {r.doc_id: (r.sha256, r.chunks) for r in store.served()}


def fingerprint(store, registry: Registry) -> str:
    """Names one snapshot: the reports it covers, the index (the store's own name, fixed when
    it opened: no precision record read per check), this module's VERSION, and the settings
    that shape derived state."""
    shaping = {"boilerplate_min_chars": store.settings.retrieval.boilerplate_min_chars}
    body = json.dumps([store.name, VERSION, f"bm25s {bm25s.__version__}", shaping,
                       sorted(registry.items())], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:24]


# -- building ---------------------------------------------------------------------------


def _complete(passages: list[Passage], registry: Registry) -> bool:
    """Every registered report has exactly its recorded number of rows."""
    rows = Counter(p.doc_id for p in passages)
    return all(rows.get(doc_id, 0) == chunks for doc_id, (_, chunks) in registry.items())


def _read(store, registry: Registry, previous: Corpus | None
          ) -> tuple[list[Passage], np.ndarray, int, np.ndarray | None]:
    """The rows of the registry's reports, reusing those of reports unchanged since
    `previous`: (passages, vectors, rows read, each row's row in `previous` or -1; None when
    nothing was reused). Rows of other reports (an interrupted ingest's) are never read."""
    reuse = sorted(d for d, entry in registry.items() if previous and previous.registry.get(d) == entry)
    wanted = sorted(set(registry) - set(reuse))
    fresh, fresh_vectors = store.fetch(where={"doc_id": {"$in": wanted}}) if wanted else ([], None)
    if not reuse:
        return fresh, (fresh_vectors if fresh else np.zeros((0, 0), dtype=np.float32)), len(fresh), None
    kept = set(reuse)
    rows = [i for i, p in enumerate(previous.passages) if p.doc_id in kept]
    passages = [previous.passages[i] for i in rows] + fresh
    parts = [np.asarray(previous.vectors[rows], dtype=np.float32)] + ([fresh_vectors] if fresh else [])
    vectors = np.vstack(parts)
    prev_index = np.array(rows + [-1] * len(fresh), dtype=np.int64)
    order = sorted(range(len(passages)), key=lambda i: (passages[i].source, passages[i].chunk_index))
    return [passages[i] for i in order], vectors[order], len(fresh), prev_index[order]


def load_or_build(store, cache: CorpusCache | None, build: Build, previous: Corpus | None = None) -> Corpus:
    """The derived state of the store's current reports: from the cache when it matches,
    else built (incrementally from `previous` or the cache's last snapshot) and cached."""
    registry = registry_of(store)
    key = fingerprint(store, registry)
    if cache is not None:
        found = cache.load(key)
        if found is not None:
            return found
        previous = previous or cache.latest()
    passages, vectors, fetched, prev_index = _read(store, registry, previous)
    corpus = build(passages, vectors, previous if prev_index is not None else None, prev_index)
    corpus.registry, corpus.fingerprint, corpus.fetched = registry, key, fetched
    corpus.origin = "updated" if fetched < len(passages) else "built"
    # An ingest elsewhere between the two registry reads, or a report half written, means
    # these rows are no snapshot of any registry state: serve them, but do not cache them.
    settled = registry_of(store) == registry and _complete(passages, registry)
    if cache is not None and settled and passages:
        cache.save(corpus)
    elif cache is not None and not settled:
        log.warning("%s changed while it was read: derived state not cached", store.location())
    return corpus


# -- the cache --------------------------------------------------------------------------


class CorpusCache:
    """Snapshots of `Corpus` under one directory per store and index name."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def for_store(cls, settings) -> CorpusCache:
        server = settings.chroma_server()
        where = f"server-{server[0]}-{server[1]}" if server else "embedded"
        return cls(settings.derived_dir() / where / index_name(settings))

    def load(self, key: str) -> Corpus | None:
        folder = self.root / key
        if not (folder / "manifest.json").is_file():
            return None
        try:
            corpus = _load(folder)
            if corpus.fingerprint != key:
                raise ValueError(f"manifest fingerprint {corpus.fingerprint} in folder {key}")
            return corpus
        except OlderFormat as exc:  # written by another version of this code: expected after an upgrade
            log.info("derived-state cache %s has %s; rebuilding it", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
            return None
        except Exception as exc:  # any damage: the cache is only a cache
            log.warning("derived-state cache %s is unreadable (%s); rebuilding it", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
            return None

    def latest(self) -> Corpus | None:
        """The most recent complete snapshot, whatever its fingerprint (for incremental builds)."""
        found = sorted(self.root.glob("*/manifest.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for manifest in found:
            corpus = self.load(manifest.parent.name)
            if corpus is not None:
                return corpus
        return None

    def save(self, corpus: Corpus) -> None:
        """Write a snapshot atomically (temp folder, then rename) and drop older ones."""
        target = self.root / corpus.fingerprint
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{corpus.fingerprint}-", dir=self.root))
            _save(corpus, tmp)
            try:
                os.rename(tmp, target)
            except OSError:  # another process wrote the same snapshot first
                shutil.rmtree(tmp, ignore_errors=True)
            for other in self.root.iterdir():
                if other.is_dir() and other.name != corpus.fingerprint and not other.name.startswith("."):
                    shutil.rmtree(other, ignore_errors=True)  # open memory maps stay valid on POSIX
        except OSError as exc:
            log.warning("could not write the derived-state cache under %s: %s", self.root, exc)

    def words(self) -> WordVectors:
        return WordVectors(self.root / "words.npz")


def _save(corpus: Corpus, folder: Path) -> None:
    columns = {name: [getattr(p, name) for p in corpus.passages] for name in _ROW_FIELDS}
    (folder / "passages.json").write_text(json.dumps(columns))
    np.save(folder / "vectors.npy", np.asarray(corpus.vectors, dtype=np.float32))
    if corpus.bm25 is not None:
        corpus.bm25.save(str(folder / "bm25"), show_progress=False)
    if corpus.proximity is not None:
        corpus.proximity.save(folder / "proximity")
    if corpus.rows is not None:
        _save_rows(corpus.rows, folder / "rows")
    derived = {
        # A list, not a dict of sets: expansion order follows first definition, as when built.
        "glossary": [[acronym, sorted(forms)] for acronym, forms in corpus.glossary.long.items()],
        "glossary_words": sorted(corpus.glossary.words),
        "boilerplate": corpus.boilerplate,
        "df": corpus.df,
    }
    (folder / "derived.json").write_text(json.dumps(derived))
    manifest = {"format": VERSION, "fingerprint": corpus.fingerprint, "rows": len(corpus.passages),
                "registry": corpus.registry, "files": _digests(folder)}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _save_rows(rows: RowState, folder: Path) -> None:
    folder.mkdir()
    for name, array in (("token_offsets", rows.tokens.offsets), ("token_ids", rows.tokens.ids),
                        ("token_tf", rows.tokens.tf), ("token_lengths", rows.tokens.lengths),
                        ("sentence_offsets", rows.sentence_offsets), ("sentence_keys", rows.sentence_keys)):
        np.save(folder / f"{name}.npy", array)
    (folder / "rows.json").write_text(json.dumps({
        "vocab": rows.tokens.vocab, "definitions": rows.definitions, "word_rows": rows.word_rows,
        "min_chars": rows.min_chars}))


def _load_rows(folder: Path, n: int) -> RowState | None:
    if not (folder / "rows.json").is_file():
        return None
    meta = json.loads((folder / "rows.json").read_text())
    arrays = {name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r"))
              for name in ("token_offsets", "token_ids", "token_tf", "token_lengths", "sentence_offsets",
                           "sentence_keys")}
    if len(arrays["token_offsets"]) != n + 1 or len(arrays["sentence_offsets"]) != n + 1 or len(meta["definitions"]) != n:
        raise ValueError(f"per-passage pieces do not cover the {n} passages")
    tokens = Tokens(meta["vocab"], arrays["token_offsets"], arrays["token_ids"], arrays["token_tf"],
                    arrays["token_lengths"])
    definitions = [[(a, e) for a, e in found] for found in meta["definitions"]]
    return RowState(tokens, arrays["sentence_offsets"], arrays["sentence_keys"], definitions,
                    Counter(meta["word_rows"]), meta["min_chars"])
def _digests(folder: Path) -> dict[str, str]:
    """sha256 of every file of a snapshot (but the manifest), by path relative to it.

    Checked on every load: a changed byte in the vectors or the passage table would
    otherwise be served, across restarts, as if Chroma held it. ~0.3 s per GB read (SHA-NI).
    """
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"):
        with open(path, "rb") as f:
            out[path.relative_to(folder).as_posix()] = hashlib.file_digest(f, "sha256").hexdigest()
    return out


def _load(folder: Path) -> Corpus:
    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest["format"] != VERSION:
        raise OlderFormat(f"format {manifest['format']}, expected {VERSION}")
    found = _digests(folder)
    changed = sorted(name for name in manifest["files"].keys() | found.keys()
                     if manifest["files"].get(name) != found.get(name))
    if changed:
        raise ValueError(f"files differ from their digests in the manifest: {', '.join(changed[:5])}")
    columns = json.loads((folder / "passages.json").read_text())
    passages = [Passage(**dict(zip(_ROW_FIELDS, row))) for row in zip(*(columns[name] for name in _ROW_FIELDS))]
    # Memory-mapped (shared by processes, paged in on use), seen as a plain array: np.memmap
    # indexing costs ~50 us a row in the re-scorer.
    vectors = np.asarray(np.load(folder / "vectors.npy", mmap_mode="r"))
    derived = json.loads((folder / "derived.json").read_text())
    rows = manifest["rows"]
    if len(passages) != rows or vectors.shape[0] != rows or len(derived["boilerplate"]) != rows:
        raise ValueError(f"row counts differ: {len(passages)} passages, {vectors.shape[0]} vectors, manifest {rows}")
    bm25 = None
    if rows:
        bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
        if int(bm25.scores["num_docs"]) != rows:
            raise ValueError(f"BM25 index holds {bm25.scores['num_docs']} documents, expected {rows}")
    proximity = Proximity.load(folder / "proximity", rows) if rows else None
    glossary = Glossary(words=derived["glossary_words"])
    for acronym, forms in derived["glossary"]:
        glossary.long[acronym] = set(forms)
    registry = {doc_id: (sha, chunks) for doc_id, (sha, chunks) in manifest["registry"].items()}
    return Corpus(passages, vectors, bm25, glossary, derived["boilerplate"], Counter(derived["df"]), proximity,
                  registry, manifest["fingerprint"], origin="loaded", rows=_load_rows(folder / "rows", rows))


class WordVectors:
    """Vectors of single words for one embedding model, on disk, extended as words appear.

    The topic check compares question words with every corpus word; embedding ~10k words
    takes tens of seconds on two cores, so they are embedded once, not per process start.
    """

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def lookup(self, words: list[str], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        with self._lock:
            known = self._read()
            missing = [w for w in dict.fromkeys(words) if w not in known]
            if missing:
                known.update(zip(missing, embed(missing)))
                self._write(known)
        if not words:
            return np.zeros((0, 1), dtype=np.float32)
        return np.vstack([known[w] for w in words]).astype(np.float32)

    def _read(self) -> dict[str, np.ndarray]:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                return dict(zip(data["words"].tolist(), data["vectors"]))
        except FileNotFoundError:
            return {}
        except Exception as exc:
            log.warning("word-vector cache %s is unreadable (%s); starting it again", self.path, exc)
            return {}

    def _write(self, known: dict[str, np.ndarray]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".words-", suffix=".npz", dir=self.path.parent)
            with os.fdopen(fd, "wb") as out:
                np.savez(out, words=np.array(list(known)), vectors=np.vstack(list(known.values())))
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not write the word-vector cache %s: %s", self.path, exc)
