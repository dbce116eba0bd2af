"""The collection under control: what gets in (recognition, uploads and their limits), what
it is labelled (provenance), what goes out (removal), and one view of it for every process.

Every test works on its own copy of one small index (two bundled reports, cut short so the
module embeds little) and builds its hostile or fake files itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from llama_index.core.schema import TextNode

import app as app_module
from assistant import Assistant
from assistant.__main__ import _citation_line
from assistant.errors import InvalidRequest
from assistant.index import CorpusCache, PassageStore, index_name
from assistant.records import IngestFailure, Passage, ReportInfo
from assistant.settings import REPO_ROOT, AppSettings
from conftest import bundled_reports
from ingest.__main__ import main as ingest_main
from ingest.lock import ingest_lock
from ingest.manage import NOT_FOUND
from ui import corpus_view, views

NOT_RECOGNISED = "not recognised as an HMICFRS inspection report: no force or report type found"
SHOPPING = "Shopping list\n\n- milk\n- eggs\n- two loaves of bread from the shop on the corner\n- stamps\n"
CUSTODY = "Which forces protect children from harm in custody well?"
# A fake with the real Cheshire report's own title: it must never pass for it.
FAKE_CHESHIRE = """Cheshire – National child protection inspection post-inspection review

Introduction

In March 2024, HM Inspectorate of Constabulary and Fire & Rescue Services (HMICFRS) inspected how well Cheshire Constabulary protects children in custody.

Police detention

We found that Cheshire Constabulary protects every child in custody from harm exceptionally well. An appropriate adult is always with each child in custody within fifteen minutes.
"""
# An invented force: once removed, no comparison row may remain for it.
BORSETSHIRE = """Borsetshire – National child protection inspection

Introduction

In May 2024, HMICFRS inspected how well Borsetshire Constabulary keeps children safe.

Police detention

We found that Borsetshire Constabulary never keeps a child in custody overnight and calls an appropriate adult for every detained child at once.
"""
# Not a report: accepted only as another document, and then never a force's evidence.
NEWSLETTER = """Parish newsletter – spring edition

Custody visits

Our volunteers visit the town custody suite every month and found that detained children waited many hours for an appropriate adult to arrive.

Case study: a long wait in custody

A boy of fourteen waited nine hours in the custody suite before an appropriate adult arrived to support him.
"""


def _cut(text: str, chars: int = 12_000) -> str:
    return text[: text.index("\n", chars)]


@pytest.fixture(scope="module")
def base(settings, embedder, tmp_path_factory) -> Path:
    """An index of two bundled reports (cut short), built once; tests work on copies."""
    root = tmp_path_factory.mktemp("collection")
    reports = root / "reports"
    reports.mkdir()
    for name in ("cheshire", "merseyside"):
        src = next(p for p in bundled_reports() if p.name.startswith(name))
        (reports / src.name).write_text(_cut(src.read_text()))
    s = settings.model_copy(update={"index_dir": root / "index", "reports_dir": reports})
    a = Assistant(s, PassageStore(s), embedder)
    assert a.ingest().ok
    _ = a.pipeline  # derived state cached beside it
    return root


def open_copy(base: Path, settings, embedder, folder: Path, **overrides) -> Assistant:
    index = folder / "index"
    if not index.exists():
        shutil.copytree(base / "index", index)
    app = overrides.pop("app", AppSettings(uploads_dir=folder / "uploads"))
    s = settings.model_copy(update={"index_dir": index, "reports_dir": base / "reports", "app": app, **overrides})
    return Assistant(s, PassageStore(s), embedder)


@pytest.fixture
def a(base, settings, embedder, tmp_path) -> Assistant:
    return open_copy(base, settings, embedder, tmp_path)


def uploads(a: Assistant) -> Path:
    return a.settings.app.uploads_dir / index_name(a.settings)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def state(a: Assistant) -> tuple:
    """What the index holds: every chunk's text and metadata, and the registry."""
    got = a.store.collection.get(include=["documents", "metadatas"])
    metas = [json.dumps(m, sort_keys=True) for m in got["metadatas"]]
    return sorted(zip(got["ids"], got["documents"], metas)), sorted(map(str, a.store.reports()))


# -- recognition --------------------------------------------------------------------------------


def test_shopping_list_is_refused_with_one_line_and_nothing_changes(a, tmp_path, capsys, monkeypatch):
    shop = write(tmp_path, "list.txt", SHOPPING)
    before = state(a)
    assert a.ingest([shop]).errors == [IngestFailure(str(shop.resolve()), NOT_RECOGNISED)]
    assert a.upload([(shop, "list.txt")], user="alice").errors == [IngestFailure("list.txt", NOT_RECOGNISED)]
    assert state(a) == before and not any((tmp_path / "uploads").glob("*"))
    monkeypatch.setattr("ingest.__main__.get_settings", lambda: a.settings)
    assert ingest_main([str(shop), "--quiet"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"error: {shop.resolve()}: {NOT_RECOGNISED}",
                   "hint: add such files with --as-document to keep them as other documents"]
    assert state(a) == before


def test_the_same_text_as_a_document_is_cited_as_such_and_never_counts_as_a_force(a, tmp_path):
    shop, news = write(tmp_path, "list.txt", SHOPPING), write(tmp_path, "newsletter.txt", NEWSLETTER)
    assert a.ingest([news]).errors[0].reason.startswith("not recognised")
    forces = a.forces()
    added = a.ingest([shop, news], as_document=True)
    assert added.ok and [(r.kind, r.force, r.report_type) for r in added.added] == [("document", "", "other document")] * 2
    assert a.forces() == forces == ["Cheshire", "Merseyside"]  # no force "", no "Unknown"

    answer = a.ask("How long did detained children wait for an appropriate adult in the custody suite?")
    documents = [p for p in answer.citations if p.kind == "document"]
    assert documents and all(p.marks == ("other document",) and p.force == "" for p in documents)
    assert "**Other document**: Parish newsletter" in answer.text and "" not in answer.forces
    n = answer.citations.index(documents[0]) + 1
    assert "[other document]" in _citation_line(n, documents[0]) and "Other document –" in _citation_line(n, documents[0])
    assert "badge-other-document" in views.source_summary(n, documents[0])

    comparison = a.compare("appropriate adults for children in custody")
    assert [row.force for row in comparison.rows] == forces
    assert all(p.kind == "report" for p in comparison.citations)
    assert not any("newsletter" in t.lower() for row in comparison.rows for t in row.reports)
    cases = a.case_studies("a boy waited hours in custody for an appropriate adult")
    assert all(p.kind == "report" for c in cases for p in c.passages)
    assert not any(p.is_case_study for p in a.passages() if p.kind == "document")


# -- provenance, and a report cannot claim a force's evidence ---------------------------------


def test_fake_cheshire_report_is_stored_separately_and_labelled_uploaded(a, tmp_path):
    real = next(r for r in a.reports() if r.force == "Cheshire")
    fake = write(tmp_path, "cheshire.txt", FAKE_CHESHIRE)
    report = a.upload([(fake, "cheshire-review.txt")], user="alice")
    (info,) = report.added
    assert info.doc_id != real.doc_id and info.report_title == real.report_title and info.sha256 != real.sha256
    assert (info.origin, info.added_by, info.original_name, info.size) == ("upload", "alice", "cheshire-review.txt",
                                                                            fake.stat().st_size)
    assert datetime.fromisoformat(info.added_at) and info.accepted  # local use: no review by default
    assert Path(info.source).parent == uploads(a) and Path(info.source).name != "cheshire-review.txt"
    assert real in a.reports()  # the real report is untouched: same entry, same chunks

    answer = a.ask(CUSTODY)
    uploaded = [p for p in answer.citations if p.doc_id == info.doc_id]
    assert uploaded and all(p.origin == "upload" and p.marks == ("uploaded",) for p in uploaded)
    headings = [line for line in answer.text.splitlines() if line.startswith("**Cheshire**")]
    assert any(h.endswith("(uploaded)") for h in headings)  # its own group, labelled
    assert all(p.origin != "upload" for p in answer.citations if p.doc_id == real.doc_id)
    assert "[uploaded]" in views.answer_export(answer) and "badge-uploaded" in views.sources_html(answer, a.section)
    row = next(r for r in a.compare("appropriate adult for children in custody").rows if r.force == "Cheshire")
    assert f"{real.report_title} (uploaded)" in row.reports  # never merged into the real report's title
    rows = corpus_view.corpus_rows(a.reports(), reviewing=False)
    assert any(r[0] == info.doc_id and r[7].startswith("uploaded by alice") for r in rows)

    again = a.upload([(fake, "another-name.txt")], user="bob")  # the same bytes: nothing happens
    assert not again.added and again.duplicates == [("another-name.txt", info.source)]
    assert len(list(uploads(a).iterdir())) == 1 and len(a.reports()) == 3


def test_uploads_wait_for_a_reviewer_when_the_app_asks_for_a_login(base, settings, embedder, tmp_path):
    app = AppSettings(uploads_dir=tmp_path / "uploads", username="alice", password="pw")
    a = open_copy(base, settings, embedder, tmp_path, app=app)
    assert a.settings.reviews_uploads() and not settings.reviews_uploads()  # on with auth; off locally
    (info,) = a.upload([(write(tmp_path, "b.txt", BORSETSHIRE), "b.txt")], user="alice").added
    assert not info.accepted and "Borsetshire" not in a.forces()
    assert not [p for p in a.search("child in custody overnight appropriate adult") if p.doc_id == info.doc_id]
    assert corpus_view.status(next(r for r in a.reports() if r.doc_id == info.doc_id), True) == "awaiting review"
    accepted = a.accept(info.doc_id, by="reviewer")
    assert accepted.accepted[0].accepted and accepted.accepted[0].accepted_by == "reviewer"
    assert "Borsetshire" in a.forces()
    assert [p for p in a.search("child in custody overnight appropriate adult") if p.doc_id == info.doc_id]


# -- removal ------------------------------------------------------------------------------------


def test_removed_report_is_gone_from_search_comparison_and_disk(a, tmp_path, capsys, monkeypatch):
    (info,) = a.upload([(write(tmp_path, "b.txt", BORSETSHIRE), "borsetshire.txt")]).added
    questions = ["child in custody overnight appropriate adult", "Borsetshire Constabulary", CUSTODY]
    assert any(p.doc_id == info.doc_id for q in questions for p in a.search(q))
    assert "Borsetshire" in [r.force for r in a.compare("children in custody").rows]
    before = len(list(a.passages()))

    removed = a.remove(info.doc_id)
    assert [r.doc_id for r in removed.removed] == [info.doc_id] and removed.ok
    assert not any(p.doc_id == info.doc_id for q in questions for p in a.search(q, k=30))
    assert "Borsetshire" not in [r.force for r in a.compare("children in custody").rows]
    assert len(list(a.passages())) == before - info.chunks and not Path(info.source).exists()
    assert a.remove(info.doc_id).errors == [IngestFailure(info.doc_id, NOT_FOUND)]

    # The command line takes paths too, and never deletes a file it did not store itself.
    merseyside = next(r for r in a.reports() if r.force == "Merseyside")
    monkeypatch.setattr("ingest.__main__.get_settings", lambda: a.settings)
    assert ingest_main(["--remove", merseyside.source]) == 0
    assert capsys.readouterr().out.startswith(f"removed: {merseyside.doc_id}  Merseyside")
    assert Path(merseyside.source).exists() and a.forces() == ["Cheshire"]


# -- one collection for every process -----------------------------------------------------------


@pytest.mark.slow
def test_another_process_ingest_is_seen_on_the_next_question_after_refresh_s(a, tmp_path):
    question = "child in custody overnight appropriate adult"
    assert "Borsetshire" not in a.forces()
    page = app_module.App(a)
    assert "2 reports from 2 forces (Cheshire and Merseyside)" in page.collection()[0]
    report = write(tmp_path, "borsetshire.txt", BORSETSHIRE)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "EA_APP__UPLOADS_DIR": str(tmp_path / "uploads")}
    run = subprocess.run([sys.executable, "-m", "ingest", str(report), "--index-dir", str(a.settings.index_dir),
                          "--quiet"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    done = time.monotonic()
    time.sleep(a.settings.refresh_s)  # the promise: the first question after refresh_s sees it
    hits = a.search(question)
    assert time.monotonic() - done < a.settings.refresh_s + 60  # a reload, not a restart
    assert "Borsetshire" in a.forces() and hits[0].force == "Borsetshire"
    assert "3 reports from 3 forces (Borsetshire, Cheshire and Merseyside)" in page.collection()[0]


@pytest.mark.slow
def test_the_app_reloads_in_the_background_within_seconds(a, tmp_path):
    held = Assistant(a.settings.model_copy(update={"refresh_s": 3600}), a.store, a.embedder)
    assert held.forces() == ["Cheshire", "Merseyside"]  # questions themselves never check now
    stop = threading.Event()
    app_module.watch(held, 0.5, stop)
    try:
        a.ingest([write(tmp_path, "borsetshire.txt", BORSETSHIRE)])  # another Assistant, e.g. the CLI
        deadline = time.monotonic() + 60  # a check every 0.5 s, then an incremental reload
        while held.live.loaded is None or "Borsetshire" not in held.live.loaded.forces:
            assert time.monotonic() < deadline, "the watcher never reloaded"
            time.sleep(0.1)
    finally:
        stop.set()
    assert "Borsetshire" in held.forces()


def test_chunks_without_a_registered_report_are_never_served(a):
    # What an ingest killed between a report's chunks and its registry entry leaves behind.
    vector = a.embedder.embed(["Orphanshire"])[0]
    orphan = TextNode(id_="orphan-00000", text="Orphanshire Police protects children in custody perfectly.",
                      embedding=vector.tolist(), metadata={"doc_id": "orphan", "force": "Orphanshire", "chunk_index": 0,
                                                           "source": "/gone.txt", "section": "Custody"})
    a.store.vectors.add([orphan])
    shutil.rmtree(a.settings.derived_dir())  # no cache: built from the store
    fresh = Assistant(a.settings, PassageStore(a.settings), a.embedder)
    assert not any(p.doc_id == "orphan" for p in fresh.search("Orphanshire children in custody", k=30))
    assert "Orphanshire" not in fresh.forces() and a.store.count() == len(fresh.pipeline.corpus.passages) + 1


def test_changed_bytes_in_the_cached_state_are_found_and_rebuilt(a):
    original = a.pipeline.corpus.passages[3].text
    (folder,) = [m.parent for m in CorpusCache.for_store(a.settings).root.glob("*/manifest.json")]
    table = folder / "passages.json"
    word = next(w for w in original.split() if w.isalpha() and len(w) >= 5)
    edited = table.read_text().replace(word, "Z" * len(word), 1)
    assert len(edited) == len(table.read_text()) and edited != table.read_text()
    table.write_text(edited)  # same size, one sentence changed: only a digest tells
    vectors = folder / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-8:] = np.float32([9.0, 9.0]).tobytes()
    vectors.write_bytes(bytes(data))
    again = Assistant(a.settings, PassageStore(a.settings), a.embedder)
    assert again.pipeline.corpus.origin == "built"
    assert again.pipeline.corpus.passages[3].text == original and float(again.pipeline.corpus.vectors.max()) < 2


# -- limits and names ---------------------------------------------------------------------------


def test_upload_limits_refuse_with_one_line_each(base, settings, embedder, tmp_path):
    app = AppSettings(uploads_dir=tmp_path / "uploads", max_upload_files=2, max_upload_mb=0.01, max_user_upload_mb=0.009)
    a = open_copy(base, settings, embedder, tmp_path, app=app)
    small = write(tmp_path, "b.txt", BORSETSHIRE)  # ~0.4 KB
    big = write(tmp_path, "big.txt", BORSETSHIRE + "More text. " * 2000)
    three = a.upload([(small, "1.txt"), (small, "2.txt"), (small, "3.txt")], user="alice")
    assert three.errors == [IngestFailure("upload", "3 files in one upload; at most 2 (EA_APP__MAX_UPLOAD_FILES)")]
    assert "over the 0.01 MB upload limit" in a.upload([(big, "big.txt")], user="alice").errors[0].reason
    assert a.upload([(small, "b.txt")], user="alice").ok
    filler = write(tmp_path, "c.txt", FAKE_CHESHIRE + "x" * 9000)
    refused = a.upload([(filler, "c.txt")], user="alice").errors
    assert "over the 0.009 MB each user may add" in refused[0].reason
    assert not any(f.name == "c.txt" for f in uploads(a).iterdir())


HOSTILE_NAMES = ["../../../escaped.txt", "/etc/cron.d/evil.txt", "..\\..\\windows.txt", "report\u202efdp.txt",
                 "con.txt", ".txt", "a" * 300 + ".txt", "new\nline\x1b[2J.txt", "nul\x00byte.txt"]


def test_upload_names_are_never_paths(a, tmp_path):
    given = tmp_path / "given"
    given.mkdir()
    files = [(write(given, f"{n}.txt", BORSETSHIRE.replace("Borsetshire", f"Force{chr(65 + n)}shire")), name)
             for n, name in enumerate(HOSTILE_NAMES)]  # distinct bytes: none is a duplicate

    def outside_the_index() -> set[Path]:
        return {p for p in tmp_path.rglob("*") if tmp_path / "index" not in p.parents}

    before = outside_the_index()
    report = a.upload(files, user="alice")
    assert [f.source for f in report.errors] == [".txt"] and len(report.added) == len(HOSTILE_NAMES) - 1  # no type
    stored = sorted(Path(r.source) for r in report.added)
    assert all(p.parent == uploads(a) and len(p.stem) == 32 and p.suffix == ".txt" for p in stored)
    assert outside_the_index() - before == {tmp_path / "uploads", uploads(a), *stored}  # nothing anywhere else
    assert not Path("/escaped.txt").exists() and not Path("/etc/cron.d/evil.txt").exists()
    names = {r.original_name for r in report.added}
    assert {"../../../escaped.txt", "reportfdp.txt", "new line.txt", "nulbyte.txt", "a" * 196 + ".txt"} <= names
    assert not any(ch in n for n in names for ch in "\x00\x1b\n\u202e")


def test_files_of_killed_uploads_go_at_the_next_ingest_and_nothing_else(a):
    own = uploads(a)
    own.mkdir(parents=True)
    killed = own / f"{'ab' * 16}.pdf"  # stored, never registered: its upload was killed
    kept_by_user = own / "notes.txt"  # not a name we generate
    other_index = a.settings.app.uploads_dir / "e5-small-0123456789" / f"{'cd' * 16}.txt"  # another index's upload
    other_index.parent.mkdir(parents=True)
    for path in (killed, kept_by_user, other_index):
        path.write_bytes(b"x")
    assert a.ingest([]).ok
    assert not killed.exists() and kept_by_user.exists() and other_index.exists()


# -- small ones ---------------------------------------------------------------------------------


def test_compare_with_one_force_5000_times_has_one_row(a):
    assert [r.force for r in a.compare("children in custody", forces=["Cheshire"] * 5000).rows] == ["Cheshire"]
    with pytest.raises(InvalidRequest, match="too many forces: 101 given, at most 100"):
        a.compare("custody", forces=[f"Force {n}" for n in range(101)])


def test_index_busy_tells_app_users_no_pid_host_or_command(base, settings, embedder, tmp_path):
    a = open_copy(base, settings, embedder, tmp_path, ingest_lock_timeout_s=0.2)
    page = app_module.App(a)
    import gradio as gr

    with ingest_lock(a.settings):  # as if a long ingest held the index
        *_, message = page.upload([str(write(tmp_path, "b.txt", BORSETSHIRE))], app_module.AS_REPORT,
                                  gr.Request(username=None))
    assert message.startswith("Not added: another ingest is writing this index; waited 0 s")
    assert "pid" not in message and str(os.getpid()) not in message and "ingest.lock" not in message
    assert not any((tmp_path / "uploads").glob("*"))


def test_each_app_instance_has_its_own_export_folder_removed_at_exit(a, tmp_path):
    first, second = app_module.App(a), app_module.App(a)
    assert first.exports != second.exports and first.exports.is_dir()
    capped = a.settings.model_copy(update={"app": AppSettings(export_dir=tmp_path / "exports", max_exports=3)})
    page = app_module.App(Assistant(capped, a.store, a.embedder))
    assert page.exports.parent == tmp_path / "exports"
    paths = [page._export("x", "answer", ".md") for _ in range(5)]
    assert sorted(page.exports.iterdir()) == sorted(Path(p) for p in paths[-3:])
    code = "import app; from assistant.settings import Settings; print(app.export_folder(Settings()))"
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and not Path(run.stdout.strip()).exists()  # made, then removed at exit


def test_one_file_that_cannot_be_stored_costs_no_other(a, tmp_path, monkeypatch):
    files = [write(tmp_path, "b.txt", BORSETSHIRE), write(tmp_path, "c.txt", FAKE_CHESHIRE)]
    real = a.store.replace_report

    def fails_for_borsetshire(info: ReportInfo, passages: list[Passage], vectors, recommendations=()) -> None:
        if info.force == "Borsetshire":
            raise RuntimeError("Batch size of 5462 is greater than max batch size of 5461")
        real(info, passages, vectors, recommendations)

    monkeypatch.setattr(a.store, "replace_report", fails_for_borsetshire)
    report = a.ingest(files)
    assert [r.force for r in report.added] == ["Cheshire"]
    assert report.errors == [IngestFailure(str(files[0].resolve()), "could not be stored (RuntimeError: Batch size of "
                                                                    "5462 is greater than max batch size of 5461)")]
    assert not any(p.force == "Borsetshire" for p in a.passages())


@pytest.mark.slow
def test_a_report_larger_than_chromas_largest_batch_is_stored(tmp_path, settings):
    s = settings.model_copy(update={"index_dir": tmp_path / "index"})
    store = PassageStore(s)
    n = store.max_batch + 500  # 5,961 chunks: one write of them all is refused by Chroma
    info = ReportInfo("Bigshire", "A very long report", "inspection", None, None, None, doc_id="big",
                      source="/big.txt", sha256="0" * 64, format="text", chunks=n)
    passages = [Passage(id=f"big-{i:05d}", text=f"passage {i}", force="Bigshire", report_title=info.report_title,
                        report_type="inspection", published=None, inspected=None, year=None, section="S", area="S",
                        is_case_study=False, is_recommendation=False, source="/big.txt", start=i, end=i + 1,
                        doc_id="big", chunk_index=i) for i in range(n)]
    vectors = np.random.default_rng(0).random((n, 8), dtype=np.float32)
    store.replace_report(info, passages, vectors)
    assert store.count() == n and store.reports() == [info]
    store.remove_report("big")
    assert store.count() == 0 and store.reports() == []
