"""`Assistant`: the one object users and the app talk to."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from assistant.embedder import Embedder
from assistant.records import IngestReport, Passage, ReportInfo
from assistant.settings import Settings, get_settings
from assistant.store import PassageStore


class Assistant:
    """Ingest reports, then search and ask them.

    >>> a = Assistant.open()            # index dir from settings; created if missing
    >>> a.ingest(["data/reports"])      # same engine as `python -m ingest`
    >>> next(a.passages()).force
    """

    def __init__(self, settings: Settings, store: PassageStore, embedder: Embedder):
        self.settings = settings
        self.store = store
        self.embedder = embedder

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None) -> Assistant:
        settings = settings or get_settings()
        if index_dir is not None:
            settings = settings.model_copy(update={"index_dir": Path(index_dir)})
        embedder = Embedder(settings.model_dir(), settings.embedding.device, settings.embedding.batch_size)
        return cls(settings, PassageStore(settings), embedder)

    def ingest(
        self,
        paths: Iterable[str | Path] | str | Path | None = None,
        *,
        prune: bool = False,
        rebuild: bool = False,
        progress: bool = False,
    ) -> IngestReport:
        """Add or update reports in the index; `rebuild` starts from an empty index."""
        from ingest.pipeline import ingest  # ingest builds on assistant's records and store

        if paths is None:
            paths = [self.settings.reports_dir]
        elif isinstance(paths, (str, Path)):
            paths = [paths]
        if rebuild:
            self.reset()
        return ingest(list(paths), self.store, self.embedder, self.settings, prune=prune, progress=progress)

    def reset(self) -> None:
        """Drop this index's collections (other models' collections are left alone)."""
        for info in self.store.reports():
            self.store.remove_report(info.doc_id)
        self.store.collection.delete(where={"chunk_index": {"$gte": 0}})

    def search(self, question: str, k: int | None = None) -> list[Passage]:
        """Passages most relevant to the question, best first (dense only for now)."""
        vector = self.embedder.embed_query(question)
        return self.store.nearest(vector, k or self.settings.retrieval.top_k)

    def passages(self) -> Iterator[Passage]:
        """Every stored chunk, report by report, in reading order."""
        return self.store.passages()

    def reports(self) -> list[ReportInfo]:
        """The ingested reports with their metadata and chunk counts."""
        return sorted(self.store.reports(), key=lambda r: (r.force, r.year or 0))
