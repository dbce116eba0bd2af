"""The systems the eval compares: the assistant, its ablations, and baselines.

Every retrieval system answers `search(question, k, history) -> list[Hit]`; those built on
`Assistant` also answer `ask(question, history) -> (Answer, seconds)`. Answer-only systems
(other composers, eval/composers.py) have `search=None`. BM25-only and dense-only are the assistant with every other component off
(same index, same embedder); the llama-index baseline is its default recipe
(`SentenceSplitter` 1024/200 + the same MiniLM, in-memory `VectorStoreIndex`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from assistant.api import Assistant
from assistant.records import Answer, Passage

# Ablations: one switch of the full assistant turned off.
ABLATIONS: dict[str, dict[str, Any]] = {
    "no-bm25": {"use_bm25": False},
    "no-dense": {"use_dense": False},
    "no-rescore": {"use_rescore": False},
    "no-glossary": {"use_glossary": False},
    "no-coverage": {"use_force_coverage": False},
    "no-proximity": {"weight_phrase": 0.0, "weight_sentence": 0.0},
    "no-continuation": {"continuation_depth": 0},
    "force-names-in-bm25": {"strip_force_names": False, "named_force_boost": 0.5},
}
# Single-retriever baselines: no re-score (it mixes in the other signal), no glossary,
# no per-force coverage, no named-force boost (so force names stay in the query) and no
# section continuation, i.e. the plain ranking.
_PLAIN = {"use_rescore": False, "use_glossary": False, "use_force_coverage": False, "named_force_boost": 0.0,
          "strip_force_names": False, "continuation_depth": 0}
BASELINES: dict[str, dict[str, Any]] = {
    "bm25": {**_PLAIN, "use_dense": False},
    "dense": {**_PLAIN, "use_bm25": False},
}
LLAMA = "llama-index"
LLAMA_CHUNK, LLAMA_OVERLAP = 1024, 200  # SentenceSplitter's defaults


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk, whatever system produced it."""

    id: str
    force: str
    text: str

    @classmethod
    def of(cls, p: Passage) -> Hit:
        return cls(p.id, p.force, p.text)


Search = Callable[[str, int, Sequence[str]], list[Hit]]  # question, k, earlier questions
Ask = Callable[[str, Sequence[str]], tuple[Answer, float]]  # the answer and its seconds


@dataclass
class System:
    name: str
    search: Search | None  # None: an answer-only system (answers from another's retrieval)
    corpus: Callable[[], list[Hit]] | None  # every chunk, for nDCG's ideal ranking
    ask: Ask | None = None
    warm_up: Callable[[], None] = field(default=lambda: None)


def timed_ask(assistant: Assistant) -> Ask:
    def ask(question: str, history: Sequence[str]) -> tuple[Answer, float]:
        began = time.perf_counter()
        answer = assistant.ask(question, history=list(history))
        return answer, time.perf_counter() - began

    return ask


def assistant_system(name: str, assistant: Assistant, retrieval: bool = True) -> System:
    """The assistant (or a variant); `retrieval=False` scores its answers only."""
    return System(
        name=name,
        search=(lambda q, k, history=(): [Hit.of(p) for p in assistant.search(q, k, history=list(history))])
        if retrieval else None,
        corpus=(lambda: [Hit.of(p) for p in assistant.pipeline.corpus.passages]) if retrieval else None,
        ask=timed_ask(assistant),
        warm_up=getattr(assistant, "warm_up", lambda: None),
    )


def variant(base: Assistant, switches: dict[str, Any]) -> Assistant:
    """The same index and embedder with other retrieval settings (no second Chroma client)."""
    retrieval = base.settings.retrieval.model_copy(update=switches)
    settings = base.settings.model_copy(update={"retrieval": retrieval})
    return Assistant(settings, base.store, base.embedder)


class QueryCache:
    """Embeds all questions in one batch, then serves `embed_query` from memory.

    Used by --fast: per-question encodes dominate search time on a small CPU, and batching
    them changes vectors only at float rounding. Unknown texts are embedded on demand.
    """

    def __init__(self, embedder: Any, texts: list[str]):
        self._inner = embedder
        unique = list(dict.fromkeys(" ".join(t.split()) for t in texts))
        self._cache = dict(zip(unique, embedder.embed(unique))) if unique else {}

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._cache:
            self._cache[text] = self._inner.embed_query(text)
        return self._cache[text]

    def __getattr__(self, name: str) -> Any:  # everything else is the real embedder's
        return getattr(self._inner, name)


def use_query_cache(assistant: Assistant, cache: QueryCache) -> Callable[[], None]:
    """Route an assistant's query embeddings through the cache; returns the undo."""
    before = assistant.embedder
    assistant.embedder = cache  # type: ignore[assignment]

    def undo() -> None:
        assistant.embedder = before

    return undo


def _llama_embedding(embedder: Any) -> Any:
    """Our Embedder as a llama-index embedding: same weights, no second model in memory."""
    from llama_index.core.embeddings import BaseEmbedding

    class Wrapped(BaseEmbedding):
        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed_query(query).tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return Wrapped(model_name="assistant-embedder", embed_batch_size=embedder.batch_size)


def llama_system(assistant: Assistant, embedder: Any | None = None) -> System:
    """llama-index's default pipeline over the files in the assistant's index (built lazily, once)."""
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    from ingest.readers import read_source

    state: dict[str, Any] = {}

    def build() -> dict[str, Any]:
        if state:
            return state
        max_bytes = int(assistant.settings.max_file_mb * 2**20)
        docs, force_of = [], {}
        for info in sorted(assistant.store.reports(), key=lambda r: r.source):
            path = Path(info.source)
            # As the ingest benchmark: plain read for text, our readers only for HTML/PDF.
            text = (path.read_text(encoding="utf-8", errors="replace") if path.suffix.lower() == ".txt"
                    else read_source(path, max_bytes).text)
            docs.append(Document(text=text, metadata={"file_name": path.name}))
            force_of[path.name] = info.force
        splitter = SentenceSplitter(chunk_size=LLAMA_CHUNK, chunk_overlap=LLAMA_OVERLAP)
        index = VectorStoreIndex.from_documents(
            docs, embed_model=_llama_embedding(embedder or assistant.embedder), transformations=[splitter]
        )
        nodes = list(index.docstore.docs.values())
        state.update(index=index, force_of=force_of,
                     corpus=[Hit(n.node_id, force_of[n.metadata["file_name"]], n.get_content()) for n in nodes])
        return state

    def search(question: str, k: int, history: Sequence[str] = ()) -> list[Hit]:
        # No LLM to condense a conversation (llama-index's chat engines need one): a follow-up
        # searches the earlier questions and itself as one text.
        s = build()
        found = s["index"].as_retriever(similarity_top_k=k).retrieve(" ".join([*history, question]))
        return [Hit(n.node.node_id, s["force_of"][n.node.metadata["file_name"]], n.node.get_content())
                for n in found]

    def warm_up() -> None:  # index build and the first query stay out of the latencies
        search("missing children", 1)

    return System(name=LLAMA, search=search, corpus=lambda: build()["corpus"], warm_up=warm_up)
