"""The index: embedder, Chroma store, and the state derived from every stored passage."""

from assistant.index.corpus import Corpus, CorpusCache, WordVectors, fingerprint, registry_of
from assistant.index.derive import build_corpus, load_corpus
from assistant.index.embedder import Embedder
from assistant.index.naming import embedding_precision, index_name
from assistant.index.store import PassageStore

__all__ = [
    "Corpus", "CorpusCache", "Embedder", "PassageStore", "WordVectors", "build_corpus",
    "embedding_precision", "fingerprint", "index_name", "load_corpus", "registry_of",
]
