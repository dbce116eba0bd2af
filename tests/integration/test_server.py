"""The index on a real Chroma server (`chroma run`, from the installed chromadb).

Server mode must behave exactly like the embedded store: same reports, passages, vectors
and answers; data that survives a server restart; derived state rebuilt from the server's
chunks on a machine that has none cached; a clear error when no server answers.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from assistant import Assistant
from assistant.settings import REPO_ROOT
from assistant.errors import StoreUnavailable
from assistant.index import PassageStore
from conftest import REPORTS
from eval.bench.chroma_server import ChromaServer, free_port

pytestmark = pytest.mark.slow  # subprocesses, servers, kills: seconds per test

QUESTION = "How did forces handle reactive RSO management?"


@pytest.fixture
def server(tmp_path):
    s = ChromaServer(tmp_path / "chroma-data", tmp_path / "chroma.log")
    s.start()
    yield s
    s.stop()


def by_id(reports):
    """Sorted, without the time each was added (two ingests differ in it)."""
    return sorted((replace(r, added_at="") for r in reports), key=lambda r: r.doc_id)


def test_server_index_matches_embedded_and_survives_a_restart(server, bundled, settings, embedder, tmp_path):
    # Pages of 100 rows, so reading the index takes several paged HTTP gets.
    s = settings.model_copy(update={"chroma_url": server.url, "index_dir": tmp_path / "machine-1",
                                    "chroma_page_size": 100})
    a = Assistant(s, PassageStore(s), embedder)
    report = a.ingest([REPORTS])
    assert report.ok and len(report.added) == 5

    # Every store operation over HTTP gives what the embedded index of the same reports gives.
    assert by_id(a.reports()) == by_id(bundled.reports())
    assert list(a.passages()) == list(bundled.passages())
    where = {"$and": [{"force": "Cheshire"}, {"is_recommendation": True}]}
    assert list(a.store.passages(where)) == list(bundled.store.passages(where))
    ours, theirs = a.store.fetch(), bundled.store.fetch()
    assert ours[0] == theirs[0] and np.allclose(ours[1], theirs[1], atol=1e-6)
    assert [p.id for p in a.search(QUESTION, forces="Cheshire")] == [p.id for p in bundled.search(QUESTION, forces="Cheshire")]
    answer = a.ask(QUESTION)
    assert answer.citations and not answer.abstained
    expected = bundled.ask(QUESTION)
    assert [p.id for p in answer.passages] == [p.id for p in expected.passages] and answer.text == expected.text

    server.stop()
    server.start()  # same data directory, same port

    # A machine with nothing cached rebuilds derived state from the server's chunks...
    s2 = s.model_copy(update={"index_dir": tmp_path / "machine-2"})
    b = Assistant(s2, PassageStore(s2), embedder)
    assert b.ask(QUESTION) == answer
    assert b.pipeline.corpus.origin == "built" and b.pipeline.corpus.fetched == len(b.pipeline.corpus.passages)
    # ...and the first machine, reopened, loads its own copy.
    c = Assistant(s, PassageStore(s), embedder)
    assert c.ask(QUESTION) == answer and c.pipeline.corpus.origin == "loaded"

    # Deleting a report over HTTP (registry row, then passages by ref_doc_id) reaches every client.
    cheshire = next(r for r in b.reports() if r.force == "Cheshire")
    before = b.store.count()
    b.store.remove_report(cheshire.doc_id)
    assert b.store.count() == before - cheshire.chunks
    assert not list(c.store.passages({"doc_id": cheshire.doc_id}))
    assert c.refresh() and "Cheshire" not in c.forces()
    assert c.pipeline.corpus.origin == "updated" and c.pipeline.corpus.fetched == 0


def test_unreachable_server_is_a_clear_error(settings, tmp_path):
    port = free_port()  # nothing listens there
    s = settings.model_copy(update={"chroma_url": f"http://127.0.0.1:{port}", "index_dir": tmp_path / "idx"})
    with pytest.raises(StoreUnavailable, match=re.escape(f"127.0.0.1:{port}") + ".*chroma run --host 127.0.0.1"):
        PassageStore(s)
    env = {**os.environ, "EA_CHROMA_URL": f"http://127.0.0.1:{port}", "EA_INDEX_DIR": str(tmp_path / "idx")}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "missing children"],
                         capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=300)
    assert out.returncode == 4 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith(f"error: cannot reach the Chroma server at 127.0.0.1:{port}")
