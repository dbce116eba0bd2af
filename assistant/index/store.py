"""The persistent index: passages (with vectors) and a registry of ingested reports.

Both live in Chroma, embedded (`PersistentClient`, settings `index_dir`) or on a server
(`HttpClient`, settings `chroma_url` or `chroma_host`/`chroma_port`), and behave the same
either way. Chroma holds the index's whole truth; what queries derive from it (BM25,
glossary, ...) is cached on local disk by assistant/corpus.py.

Passages go through llama-index's `ChromaVectorStore`; the report registry is a small side
collection keyed by report id that records each file's content hash; the recommendations
parsed from each report (assistant/index/tracker.py) are another, keyed by recommendation
with the report's id in their metadata. A report's registry entry is written last and
removed first, so an interrupted write always leaves the report looking "changed" and the
next ingest redoes it.
"""

from __future__ import annotations

import logging
from dataclasses import MISSING, asdict, fields
from pathlib import Path
from typing import Iterator, TypeVar

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from assistant.errors import StoreUnavailable
from assistant.index.naming import embedding_precision, index_name
from assistant.index.precision import CONCRETE, warn_once
from assistant.index.tracker import encode
from assistant.records import Passage, Recommendation, ReportInfo
from assistant.settings import Settings

log = logging.getLogger(__name__)
_PASSAGE_META = [f.name for f in fields(Passage) if f.name not in ("id", "text", "score")]
_R = TypeVar("_R")


def _to_meta(values: dict) -> dict:
    """Chroma metadata cannot hold None: store '' and restore None on the way out."""
    return {k: ("" if v is None else v) for k, v in values.items()}


def _defaults(cls: type) -> dict:
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


_PASSAGE_DEFAULTS, _REPORT_DEFAULTS = _defaults(Passage), _defaults(ReportInfo)
_REPORT_FIELDS = [f.name for f in fields(ReportInfo)]
_OPTIONAL = ("published", "inspected", "year", "recommendations", "stated_recommendations")


def _from_meta(meta: dict, names: list[str], defaults: dict = _PASSAGE_DEFAULTS) -> dict:
    """Stored metadata as field values; keys an older version did not write take the
    field's default (provenance, kind)."""
    out = {k: meta.get(k, defaults.get(k)) for k in names}
    for key in _OPTIONAL:
        if key in out and out[key] == "":
            out[key] = None
    return out


def _batches(items: list[_R], size: int) -> Iterator[list[_R]]:
    for i in range(0, len(items), max(size, 1)):
        yield items[i : i + size]


def _connect(settings: Settings) -> ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    server = settings.chroma_server()
    if server is None:
        Path(settings.index_dir).mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    host, port, https = server
    try:
        client = chromadb.HttpClient(host=host, port=port, ssl=https, settings=chroma_settings)
        client.heartbeat()
        return client
    except Exception as exc:  # chromadb raises ValueError or httpx errors, depending on where it fails
        raise StoreUnavailable(
            f"cannot reach the Chroma server at {host}:{port} ({exc}). Start it with "
            f"`chroma run --host {host} --port {port} --path DIR`, or fix EA_CHROMA_URL / "
            "EA_CHROMA_HOST / EA_CHROMA_PORT, or unset them to use the embedded index in EA_INDEX_DIR."
        ) from exc


class PassageStore:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.client = _connect(settings)
        self.name = name = index_name(settings)
        # No embedding function: vectors always come from our own embedder, so Chroma never
        # tries to fetch its default ONNX model.
        self.collection = self.client.get_or_create_collection(
            f"passages-{name}", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self.registry = self.client.get_or_create_collection(f"reports-{name}", embedding_function=None)
        self.recs = self.client.get_or_create_collection(f"recommendations-{name}", embedding_function=None)
        self.vectors = ChromaVectorStore(chroma_collection=self.collection)
        # Chroma refuses larger writes ("Batch size ... greater than max batch size"), and
        # llama-index's ChromaVectorStore sends up to 41,665 rows at once.
        self.max_batch = self.client.get_max_batch_size()
        if settings.embedding.precision == "auto" and settings.chroma_server() is not None:
            warn_once(f"embedding precision is 'auto' with a shared Chroma server ({self.location()}): "
                       f"machines that measure differently write different indexes; set EA_EMBEDDING__PRECISION "
                       f"on every machine (this one measured {embedding_precision(settings)})")

    def other_precisions(self) -> list[tuple[str, int]]:
        """(precision, passages) of this store's indexes of the same model and chunking at
        other precisions that hold passages. Read only when asked (by an ingest, under its
        lock, and `python -m ingest --info`): opening a store reads nothing, since an embedded
        Chroma opened mid-write by another process keeps a stale view."""
        here = embedding_precision(self.settings)
        names = {c.name for c in self.client.list_collections()}
        found = []
        for precision in CONCRETE:
            other = self.settings.model_copy(update={"embedding": self.settings.embedding.model_copy(
                update={"precision": precision})})
            name = f"passages-{index_name(other)}"
            if precision != here and name in names and (n := self.client.get_collection(name).count()):
                found.append((precision, n))
        return found

    def say_where_other_precisions_are(self) -> None:
        """'auto' is measured per machine: when it picks a precision whose index is empty
        while another precision's index of this store has passages (made before the
        measurement, or by a machine that measured otherwise), say so instead of silently
        starting an empty index. Nothing is moved or deleted."""
        if self.settings.embedding.precision != "auto" or self.count():
            return
        here = embedding_precision(self.settings)
        for precision, n in self.other_precisions():
            warn_once(f"embedding precision 'auto' chose {here} on this machine and its index is empty, "
                       f"but a {precision} index with {n} passages is in {self.location()}: this ingest builds "
                       f"the {here} one (the {precision} one is kept), or set EA_EMBEDDING__PRECISION={precision} "
                       "to keep using it")

    # -- reports ---------------------------------------------------------------------

    def reports(self) -> list[ReportInfo]:
        """Every registered report, served or waiting for review, by force and year: one small `get`."""
        got = self.registry.get(include=["metadatas"])
        reports = [ReportInfo(**_from_meta(m, _REPORT_FIELDS, _REPORT_DEFAULTS)) for m in got["metadatas"]]
        return sorted(reports, key=lambda r: (r.force, r.year or 0))

    def served(self) -> list[ReportInfo]:
        """The reports answers may use: every registered one but uploads awaiting review."""
        review = self.settings.reviews_uploads()
        return [r for r in self.reports() if r.accepted or not review]

    def update_report(self, info: ReportInfo) -> None:
        """Rewrite a registered report's entry (acceptance); its passages stay as they are."""
        self.registry.upsert(ids=[info.doc_id], metadatas=[_to_meta(asdict(info))], embeddings=[[1.0]])

    def replace_report(self, info: ReportInfo, passages: list[Passage], vectors: np.ndarray,
                       recommendations: list[Recommendation] = ()) -> None:
        """Swap a report's passages and recommendations for new ones; the registry entry goes in last."""
        self.remove_report(info.doc_id)
        nodes = [
            TextNode(
                id_=p.id,
                text=p.text,
                metadata=_to_meta({k: getattr(p, k) for k in _PASSAGE_META}),
                embedding=vector.tolist(),
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=info.doc_id)},
            )
            for p, vector in zip(passages, vectors)
        ]
        for batch in _batches(nodes, self.max_batch):
            self.vectors.add(batch)
        if recommendations:
            rows = [encode(r) for r in recommendations]
            for batch in _batches(list(zip(recommendations, rows)), self.max_batch):
                self.recs.add(ids=[r.id for r, _ in batch], metadatas=[_to_meta(m) for _, (m, _) in batch],
                              documents=[doc for _, (_, doc) in batch], embeddings=[[1.0]] * len(batch))
        # The registry needs a vector of its own; a constant one keeps it a plain table.
        self.update_report(info)

    def remove_report(self, doc_id: str) -> None:
        """Registry entry first, then the passages: an interruption leaves only unregistered
        passages, which are never served and go at the next ingest (`drop_unregistered`)."""
        self.registry.delete(ids=[doc_id])
        self.collection.delete(where={"doc_id": doc_id})  # one call, any size (ids are capped)
        self.recs.delete(where={"doc_id": doc_id})

    def _delete(self, ids: list[str]) -> None:
        for batch in _batches(ids, self.max_batch):
            self.collection.delete(ids=batch)

    def clear(self) -> None:
        """Remove every report and passage of this index (other indexes are left alone)."""
        for info in self.reports():
            self.remove_report(info.doc_id)
        self.collection.delete(where={"chunk_index": {"$gte": 0}})
        self.recs.delete(where={"made_in": {"$gte": -1}})

    def drop_unregistered(self) -> int:
        """Delete passages of reports the registry does not hold, and say how many.

        Only an interrupted `replace_report` leaves such passages (its registry entry goes
        first and comes back last). Re-ingesting that file replaces them anyway, but if the
        file is gone or unreadable by then, nothing else would ever remove them. Run it only
        while no write is in flight (under the ingest lock).
        """
        known = [info.doc_id for info in self.reports()]
        where = {"doc_id": {"$nin": known}} if known else None
        ids = self.collection.get(where=where, include=[])["ids"]
        self._delete(ids)
        orphans = self.recs.get(where=where, include=[])["ids"]
        for batch in _batches(orphans, self.max_batch):
            self.recs.delete(ids=batch)
        return len(ids)

    def recommendation_rows(self) -> list[tuple[str, str]]:
        """(id, document) of every stored recommendation (assistant/index/tracker.py decodes them)."""
        rows: list[tuple[str, str]] = []
        page, offset = self.settings.chroma_page_size, 0
        while True:
            got = self.recs.get(include=["documents"], limit=page, offset=offset)
            rows += list(zip(got["ids"], got["documents"]))
            if len(got["ids"]) < page:
                return rows
            offset += page

    # -- passages --------------------------------------------------------------------

    def count(self) -> int:
        return self.collection.count()

    def nearest(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[Passage]:
        """The k passages closest to a query vector; score is cosine similarity."""
        if k <= 0:
            return []
        # Chroma returns fewer than k rows when the collection holds fewer (no count() round trip).
        got = self.collection.query(
            query_embeddings=[vector.tolist()], n_results=k, where=where,
            include=["metadatas", "documents", "distances"],
        )
        return [
            Passage(id=pid, text=text or "", score=1.0 - dist, **_from_meta(meta, _PASSAGE_META))
            for pid, text, meta, dist in zip(
                got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]
            )
            if meta is not None  # a row another process deleted, still in this process's vector index
        ]

    def location(self) -> str:
        """Where the index lives, for messages."""
        server = self.settings.chroma_server()
        return f"Chroma server {server[0]}:{server[1]}" if server else f"embedded index {self.settings.index_dir}"

    def _pages(self, where: dict | None, include: list[str]) -> Iterator[dict]:
        """`collection.get` in pages of `chroma_page_size` rows (bounded memory and HTTP payloads)."""
        page, offset = self.settings.chroma_page_size, 0
        while True:
            got = self.collection.get(where=where, include=include, limit=page, offset=offset)
            yield got
            if len(got["ids"]) < page:
                return
            offset += page

    def section(self, passage: Passage) -> list[Passage]:
        """Every chunk of the passage's section in its report, in reading order."""
        where = {"$and": [{"doc_id": passage.doc_id}, {"section": passage.section}]}
        return sorted(self.passages(where), key=lambda p: p.chunk_index) or [passage]

    def passages(self, where: dict | None = None) -> Iterator[Passage]:
        """Every stored passage (optionally filtered), in report and reading order."""
        rows = [
            Passage(id=pid, text=text or "", **_from_meta(meta, _PASSAGE_META))
            for got in self._pages(where, ["metadatas", "documents"])
            for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"])
        ]
        rows.sort(key=lambda p: (p.source, p.chunk_index))
        yield from rows

    def fetch(self, where: dict | None = None) -> tuple[list[Passage], np.ndarray]:
        """Passages (optionally filtered) in reading order with their stored vectors, one pass."""
        rows: list[tuple[Passage, np.ndarray]] = []
        for got in self._pages(where, ["metadatas", "documents", "embeddings"]):
            vectors = np.asarray(got["embeddings"], dtype=np.float32)
            for pid, text, meta, vector in zip(got["ids"], got["documents"], got["metadatas"], vectors):
                rows.append((Passage(id=pid, text=text or "", **_from_meta(meta, _PASSAGE_META)), vector))
        rows.sort(key=lambda r: (r[0].source, r[0].chunk_index))
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        return [p for p, _ in rows], np.vstack([v for _, v in rows])
