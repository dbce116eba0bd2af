"""Faults: an ingest killed at any write leaves an index that the next ingest repairs to
exactly a clean build; two ingests never write one index at once; concurrent queries agree
with sequential ones.

Kills are exact: `tests/inject/faults.py` (loaded into the real `python -m ingest` through
`sitecustomize`) SIGKILLs or pauses the process at the n-th add/upsert/delete on a Chroma
collection.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from chromadb.api.shared_system_client import SharedSystemClient

from assistant import Assistant
from assistant.index import Embedder
from assistant.settings import REPO_ROOT
from assistant.index import PassageStore
from assistant.errors import IndexBusy
from ingest.lock import ingest_lock

pytestmark = pytest.mark.slow  # subprocesses, servers, kills: seconds per test

INJECT = Path(__file__).resolve().parents[1] / "inject"
DEADLINE_S = 600  # generous: only guards against a hung subprocess on a loaded machine
REPORT_CHARS = 9000  # enough text for several sections per report, few chunks to embed


def run_ingest(index: Path, *args: str, env: dict[str, str] | None = None, wait: bool = True):
    """The real CLI in a subprocess, with the fault hooks on its path."""
    cmd = [sys.executable, "-m", "ingest", *args, "--index-dir", str(index), "--quiet"]
    full_env = {**os.environ, "PYTHONPATH": f"{INJECT}{os.pathsep}{REPO_ROOT}", **(env or {})}
    if not wait:
        return subprocess.Popen(cmd, cwd=REPO_ROOT, env=full_env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=REPO_ROOT, env=full_env, capture_output=True, text=True, timeout=DEADLINE_S)


def cut(folder: Path) -> Path:
    """Cut each report in the folder to its first few thousand characters (cheap to embed)."""
    for path in folder.iterdir():
        text = path.read_text()
        path.write_text(text[: text.index("\n", REPORT_CHARS)])
    return folder


@pytest.fixture
def small(corpus: Path) -> Path:
    return cut(corpus)


def snapshot(a: Assistant) -> dict:
    """Everything stored: passages (text, metadata, vector) and registry; and whether the
    vector index agrees with them (every passage found by its own vector, nothing else)."""
    got = a.store.collection.get(include=["documents", "metadatas", "embeddings"])
    order = np.argsort(got["ids"])
    ids = [got["ids"][i] for i in order]
    vectors = np.asarray(got["embeddings"], dtype=np.float32)[order] if ids else np.zeros((0, 1))
    registry = a.store.registry.get(include=["metadatas"])
    found = [[p.id for p in a.store.nearest(v, len(ids))] for v in vectors]
    return {
        "passages": {ids[j]: (got["documents"][i], got["metadatas"][i]) for j, i in enumerate(order)},
        "vectors": vectors,
        "registry": dict(zip(registry["ids"], registry["metadatas"])),
        "index ok": all(f[0] == pid and sorted(f) == ids for pid, f in zip(ids, found)),
        "count": a.store.count(),
    }


def _timeless(registry: dict) -> dict:
    """Registry entries without the time each report was added (two builds differ in it)."""
    return {doc_id: {k: v for k, v in meta.items() if k != "added_at"} for doc_id, meta in registry.items()}


def assert_same(got: dict, want: dict) -> None:
    assert got["count"] == want["count"] == len(want["passages"])
    assert got["passages"].keys() == want["passages"].keys()
    assert got["passages"] == want["passages"]
    assert _timeless(got["registry"]) == _timeless(want["registry"])
    # Vectors embedded in other batches (or processes) differ in the last bits, more so in
    # bfloat16; another text's vector would be far off.
    cosines = (got["vectors"] * want["vectors"]).sum(axis=1)
    assert cosines.min() > 0.999, cosines
    assert got["index ok"] and want["index ok"]


def clean_build(make_assistant, tmp_path: Path, name: str, paths: list[Path]) -> dict:
    a = make_assistant(index_dir=tmp_path / name)
    a.ingest(paths)
    return snapshot(a)


# -- SIGKILL at exact points of the writes ------------------------------------------------

# Per report, an ingest writes: reports.delete (registry entry out first), passages.delete
# (old chunks), passages.add (new chunks), reports.upsert (registry entry in, last).
# Reports go in path order: cheshire (1st), merseyside (2nd).
KILLS = {
    "inside the first report's chunk write": ("passages.add:1:during", "fresh"),
    "first report done, second not begun": ("reports.upsert:1:after", "fresh"),
    "second report's chunks written, not registered": ("passages.add:2:after", "fresh"),
    "changed report unregistered, its old chunks still stored": ("reports.delete:1:after", "update"),
}


@pytest.fixture(scope="module")
def killed(settings, embedder, tmp_path_factory) -> dict:
    """Each kill of KILLS, done once: the killed ingests run side by side (they spend most
    of their time loading torch and the model), and the clean builds to compare with."""
    root = tmp_path_factory.mktemp("faults")

    def open_index(index: Path, **overrides) -> Assistant:
        s = settings.model_copy(update={"index_dir": index, **overrides})
        return Assistant(s, PassageStore(s), embedder)

    corpora = {}
    for start in ("fresh", "update"):
        corpora[start] = root / start
        corpora[start].mkdir()
        for name in ("cheshire", "merseyside"):
            shutil.copy(next((REPO_ROOT / "data" / "reports").glob(f"{name}*.txt")), corpora[start])
        cut(corpora[start])
    runs = {}
    for n, (kill_at, start) in enumerate(KILLS.values()):
        index = root / f"kill-{n}"
        if start == "update":  # an index of the old texts, then one report changes
            open_index(index).ingest([corpora[start]])
            mersey = sorted(corpora[start].iterdir())[1]
            mersey.write_text(mersey.read_text().replace("The force", "The constabulary"))
        runs[kill_at] = (index, run_ingest(index, str(corpora[start]), env={"FAULT_AT": kill_at}, wait=False))
    clean = {}
    for start, folder in corpora.items():
        for name, paths in ((start, [folder]), (f"{start}-rest", sorted(folder.iterdir())[:1])):
            a = open_index(root / f"clean-{name}")
            a.ingest(paths)
            clean[name] = snapshot(a)
    for kill_at, (index, proc) in runs.items():
        _, err = proc.communicate(timeout=DEADLINE_S)
        assert proc.returncode == -9, f"{kill_at}: the kill point was never reached:\n{err[-2000:]}"
        shutil.copytree(index, index.with_name(index.name + "-copy"))  # before any repair
    return {"corpora": corpora, "clean": clean, "runs": {k: index for k, (index, _) in runs.items()},
            "open": open_index}


@pytest.mark.parametrize("kill_at, start", KILLS.values(), ids=KILLS.keys())
def test_killed_ingest_is_repaired_by_the_next(killed, kill_at, start):
    folder, index, open_index = killed["corpora"][start], killed["runs"][kill_at], killed["open"]
    reports = sorted(folder.iterdir())

    # Same files again, on the killed index itself: the dead process's lock must not block.
    again = open_index(index, ingest_lock_timeout_s=5).ingest([folder])
    assert again.ok, again.errors
    if kill_at == "reports.upsert:1:after":  # finished work is kept, not redone
        assert [Path(r.source).name for r in again.added] == [reports[1].name]
        assert [Path(s).name for s in again.unchanged] == [reports[0].name]
    assert_same(snapshot(open_index(index)), killed["clean"][start])

    # The interrupted report is gone (pruned) or unreadable at the next ingest: what the
    # killed run left of it must go too, and the other report stays as built.
    last, original = reports[1], reports[1].read_bytes()
    copy = index.with_name(index.name + "-copy")
    try:
        if start == "update":
            last.write_bytes(b"\x00\x01 binary now")
            repaired = open_index(copy).ingest([folder])
            assert [Path(f.source).name for f in repaired.errors] == [last.name]
        else:
            last.unlink()
            repaired = open_index(copy).ingest([folder], prune=True)
            assert repaired.ok, repaired.errors
    finally:
        last.write_bytes(original)
    assert_same(snapshot(open_index(copy)), killed["clean"][f"{start}-rest"])


# -- SIGKILL during a removal ------------------------------------------------------------

INVENTED = """Borsetshire – National child protection inspection

Introduction

In May 2024, HMICFRS inspected how well Borsetshire Constabulary keeps children safe.

Police detention

We found that Borsetshire Constabulary calls an appropriate adult for every detained child at once.
"""
# A removal writes: reports.delete (registry entry out first), passages.delete, then
# deletes the uploaded file.
REMOVAL_KILLS = {
    "registry entry gone, chunks still stored": "reports.delete:1:after",
    "chunks gone, uploaded file still stored": "passages.delete:1:after",
}


@pytest.mark.parametrize("kill_at", REMOVAL_KILLS.values(), ids=REMOVAL_KILLS.keys())
def test_removal_killed_midway_is_finished_by_the_next_ingest(make_assistant, small, tmp_path, kill_at):
    from assistant.settings import AppSettings

    uploads = tmp_path / "uploads"
    a = make_assistant(app=AppSettings(uploads_dir=uploads))
    assert a.ingest([small]).ok
    given = tmp_path / "borsetshire.txt"
    given.write_text(INVENTED)
    (upload,) = a.upload([(given, "borsetshire.txt")], user="alice").added
    assert a.search("appropriate adult for every detained child")[0].doc_id == upload.doc_id

    killed = run_ingest(a.settings.index_dir, "--remove", upload.doc_id,
                        env={"FAULT_AT": kill_at, "EA_APP__UPLOADS_DIR": str(uploads)})
    assert killed.returncode == -9, killed.stderr[-2000:]
    # This process had the index open: embedded Chroma keeps its own copy of the vector index
    # per process, which the other process's deletes left stale (serving never queries it:
    # rows are read with `get`). Open it afresh, as the next ingest or app start would.
    SharedSystemClient.clear_system_cache()
    # Never half-visible: from the registry delete on, answers no longer draw on it.
    fresh = make_assistant(index_dir=a.settings.index_dir, app=AppSettings(uploads_dir=uploads))
    assert not any(p.doc_id == upload.doc_id for p in fresh.search("appropriate adult for every detained child"))

    assert fresh.ingest([small]).ok  # the next ingest finishes the removal...
    assert_same(snapshot(fresh), clean_build(make_assistant, tmp_path, "clean", [small]))  # ...as if never added
    assert not [p for p in uploads.rglob("*") if p.is_file()]


# -- two ingests at once ----------------------------------------------------------------


def _wait_for(condition, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: the ingest exited first ({proc.returncode}):\n{proc.stderr.read()[-2000:]}")
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


def test_second_ingest_waits_or_refuses_never_interleaves(make_assistant, small, tmp_path, caplog):
    index = tmp_path / "index"
    reached, go = tmp_path / "reached", tmp_path / "go"
    # The first ingest stops (holding the lock) between its first report's chunks and its
    # registry entry: the worst moment for anyone else to write.
    first = run_ingest(index, str(small), wait=False, env={
        "FAULT_AT": "passages.add:1:after", "FAULT_ACTION": "pause",
        "FAULT_REACHED": str(reached), "FAULT_GO": str(go),
    })
    try:
        _wait_for(reached.exists, "first ingest to reach its pause", first)
        lock_info = json.loads((index / "ingest.lock").read_text())
        assert lock_info["pid"] == first.pid

        # The CLI gives up after its timeout: exit 3, one line naming the holder and the lock.
        busy = run_ingest(index, str(small), env={"EA_INGEST_LOCK_TIMEOUT_S": "0.5"})
        assert busy.returncode == 3, busy.stderr
        assert "Traceback" not in busy.stderr
        errors = [line for line in busy.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1
        assert f"pid {first.pid}" in errors[0] and str(index / "ingest.lock") in errors[0]
        assert "EA_INGEST_LOCK_TIMEOUT_S" in errors[0]
        with pytest.raises(IndexBusy, match=f"pid {first.pid}"):
            make_assistant(index_dir=index, ingest_lock_timeout_s=0.2).ingest([small])

        # With time to wait, the second ingest waits, then finds nothing left to do.
        waiter = make_assistant(index_dir=index, ingest_lock_timeout_s=DEADLINE_S)
        result: dict = {}
        thread = threading.Thread(target=lambda: result.update(report=waiter.ingest([small])))
        with caplog.at_level("WARNING", logger="ingest"):
            thread.start()
            _wait_for(lambda: "waiting up to" in caplog.text, "second ingest to report that it waits")
            assert thread.is_alive() and f"pid {first.pid}" in caplog.text
            go.touch()
            assert first.wait(timeout=DEADLINE_S) == 0, first.stderr.read()
            thread.join(timeout=DEADLINE_S)
    finally:
        go.touch()
        if first.poll() is None:
            first.kill()
    report = result["report"]
    assert report.ok and report.chunks_embedded == 0 and len(report.unchanged) == 2
    assert_same(snapshot(make_assistant(index_dir=index)), clean_build(make_assistant, tmp_path, "clean", [small]))


def test_searching_needs_no_lock(bundled):
    with ingest_lock(bundled.settings, timeout=0):  # as if an ingest were running
        assert bundled.search("missing children")
        assert bundled.ask("How are missing children handled?").text


# -- concurrent queries -------------------------------------------------------------------

THREADS = 16


def _questions() -> list[str]:
    rows = [json.loads(line) for line in (REPO_ROOT / "eval" / "gold.jsonl").read_text().splitlines() if line]
    return [r["question"] for r in rows[::4]][:20]


def _outcome(a: Assistant, kind: str, question: str) -> tuple:
    if kind == "ask":
        answer = a.ask(question)
        return answer.text, tuple(p.id for p in answer.citations), tuple(p.id for p in answer.passages), answer.abstained
    return tuple((p.id, p.score) for p in a.search(question))


def test_concurrent_queries_match_sequential(bundled):
    questions = _questions()
    assert len(questions) == 20
    # Fresh Assistants on the same index: their lazy parts (retriever, picker, topic check)
    # get built under the threads' contention, which is where sharing would go wrong.
    shared = Assistant(bundled.settings, bundled.store, bundled.embedder)
    errors: list[BaseException] = []
    got: dict[tuple[str, str], set] = {}
    start = threading.Barrier(THREADS)

    def work(n: int) -> None:
        kind = "ask" if n % 2 == 0 else "search"
        order = random.Random(n).sample(questions, len(questions))
        start.wait()
        for q in order:
            try:
                got.setdefault((kind, q), set()).add(_outcome(shared, kind, q))
            except BaseException as exc:  # noqa: BLE001  (recorded, then the test fails)
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]

    for (kind, q), outcomes in got.items():  # one by one, on the session's Assistant
        assert outcomes == {_outcome(bundled, kind, q)}, (kind, q)
    assert len(got) == 2 * len(questions)


def test_token_counting_while_encoding(bundled):
    """The app's case: an upload's chunking counts tokens while questions are encoded. Once
    the model is loaded, both use its one tokenizer, whose padding/truncation state each
    call resets; unguarded, ~1 in 5 encodes then fails ("Unable to create tensor")."""
    embedder = Embedder.from_settings(bundled.settings)
    embedder.embed(["warm up"])  # model first, as after the app's warm-up
    long_texts = [" ".join(["word"] * n) for n in range(5, 300, 7)]  # some past 256 pieces
    counted = threading.Event()
    errors: list[BaseException] = []
    encoded = [0]

    def count() -> None:
        try:
            for _ in range(40):
                assert embedder.count_tokens(long_texts) == list(range(5, 300, 7))
        except BaseException as exc:  # noqa: BLE001  (recorded, then the test fails)
            errors.append(exc)
        finally:
            counted.set()

    def encode() -> None:
        while not counted.is_set():
            try:  # several texts padded to one length, as the topic check embeds them
                embedder.embed(["tasers", "police drones", "helicopter support units"])
                encoded[0] += 1
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=count)] + [threading.Thread(target=encode) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert encoded[0] > 0
