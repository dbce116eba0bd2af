"""Ingestion into a real Chroma index: idempotence, updates, prune, rebuild, bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant import Assistant
from ingest.__main__ import main as ingest_main


def _state(assistant: Assistant) -> dict[str, tuple[str, int, int]]:
    return {p.id: (p.text, p.start, p.end) for p in assistant.passages()}


def test_second_ingest_embeds_nothing(make_assistant, corpus):
    a = make_assistant()
    first = a.ingest([corpus])
    assert first.ok and len(first.added) == 2 and first.chunks_embedded > 0
    before = _state(a)
    again = a.ingest([corpus])
    assert again.chunks_embedded == 0 and len(again.unchanged) == 2 and not again.added
    assert _state(a) == before
    assert a.store.count() == first.chunks_embedded


def test_reopening_the_index_keeps_everything(make_assistant, corpus, tmp_path):
    a = make_assistant()
    a.ingest([corpus])
    reopened = make_assistant(index_dir=a.settings.index_dir)
    assert _state(reopened) == _state(a)
    assert reopened.ingest([corpus]).chunks_embedded == 0


def test_changed_file_replaces_only_its_chunks(make_assistant, corpus):
    a = make_assistant()
    a.ingest([corpus])
    before = list(a.passages())
    mersey = next(corpus.glob("merseyside*"))
    text = mersey.read_text()
    mersey.write_text(text.replace("auditing 23 child protection cases", "auditing 24 child protection cases"))
    report = a.ingest([corpus])
    assert [Path(i.source).name for i in report.added] == [mersey.name]
    after = list(a.passages())
    untouched = [p for p in before if "merseyside" not in p.source]
    assert untouched == [p for p in after if "merseyside" not in p.source]
    changed = [p for p in after if "merseyside" in p.source]
    assert any("auditing 24 child" in p.text for p in changed)
    assert len({p.id for p in after}) == len(after) == a.store.count()  # nothing duplicated or orphaned
    assert changed == sorted(changed, key=lambda p: p.chunk_index)


def test_shrunk_file_leaves_no_orphans(make_assistant, corpus):
    a = make_assistant()
    a.ingest([corpus])
    mersey = next(corpus.glob("merseyside*"))
    mersey.write_text(mersey.read_text()[:4000])
    a.ingest([corpus])
    mersey_chunks = [p for p in a.passages() if "merseyside" in p.source]
    assert mersey_chunks and all(p.end <= 4000 for p in mersey_chunks)
    assert a.store.count() == len(list(a.passages()))


def test_prune_removes_chunks_of_deleted_files(make_assistant, corpus):
    a = make_assistant()
    a.ingest([corpus])
    cheshire = next(corpus.glob("cheshire*"))
    cheshire.unlink()
    kept = a.ingest([corpus])
    assert kept.pruned == [] and any("cheshire" in p.source for p in a.passages())
    pruned = a.ingest([corpus], prune=True)
    assert [Path(s).name for s in pruned.pruned] == [cheshire.name]
    assert not any("cheshire" in p.source for p in a.passages())
    assert {r.force for r in a.reports()} == {"Merseyside"}


def test_rebuild_starts_clean(make_assistant, corpus):
    a = make_assistant()
    first = a.ingest([corpus])
    rebuilt = a.ingest([corpus], rebuild=True)
    assert rebuilt.chunks_embedded == first.chunks_embedded == a.store.count()


def test_duplicate_content_is_ingested_once(make_assistant, corpus):
    a = make_assistant()
    copy = corpus / "copy-of-merseyside.txt"
    copy.write_bytes(next(corpus.glob("merseyside*")).read_bytes())
    report = a.ingest([corpus])
    assert len(report.duplicates) == 1 and len(report.added) == 2


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "bad"
    folder.mkdir()
    files = {
        "empty": folder / "empty.txt",
        "blank": folder / "blank.md",
        "binary": folder / "binary.txt",
        "unsupported": folder / "report.docx",
        "corrupt_pdf": folder / "corrupt.pdf",
        "broken_html": folder / "nothing.html",
        "dangling": folder / "gone.txt",
    }
    files["empty"].write_bytes(b"")
    files["blank"].write_text("  \n\n\t\n")
    files["binary"].write_bytes(bytes(range(256)) * 40)
    files["unsupported"].write_bytes(b"PK\x03\x04 not really a docx")
    files["corrupt_pdf"].write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")
    files["broken_html"].write_text("<html><body><script>x()</script></body></html>")
    os.symlink(folder / "does-not-exist.txt", files["dangling"])
    return files


def test_bad_files_are_reported_and_the_rest_ingested(make_assistant, corpus, bad_files):
    a = make_assistant()
    paths = [corpus, *bad_files.values()]
    report = a.ingest(paths)
    reasons = {f.source: f.reason for f in report.errors}
    assert len(report.added) == 2
    assert set(reasons) == {str(p) for p in bad_files.values()}
    assert "empty" in reasons[str(bad_files["empty"])]
    assert "empty" in reasons[str(bad_files["blank"])]
    assert "binary" in reasons[str(bad_files["binary"])]
    assert "unsupported file type '.docx'" in reasons[str(bad_files["unsupported"])]
    assert "PDF" in reasons[str(bad_files["corrupt_pdf"])]
    assert "no text" in reasons[str(bad_files["broken_html"])]
    assert "no such file" in reasons[str(bad_files["dangling"])]
    assert a.store.count() == report.chunks_embedded == len(list(a.passages()))


def test_directory_without_reports_is_an_error(make_assistant, tmp_path):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    (empty / "notes.docx").write_bytes(b"x")
    report = make_assistant().ingest([empty])
    assert not report.ok and "no supported files" in report.errors[0].reason


def test_oversized_file_is_refused(make_assistant, tmp_path):
    big = tmp_path / "huge.txt"
    big.write_text("A sentence of a report. " * 50_000)  # ~1.2 MB
    report = make_assistant(max_file_mb=1.0).ingest([big])
    assert "over the 1 MB limit" in report.errors[0].reason


def test_changed_file_that_turns_bad_keeps_its_old_chunks(make_assistant, corpus):
    a = make_assistant()
    a.ingest([corpus])
    before = _state(a)
    mersey = next(corpus.glob("merseyside*"))
    mersey.write_bytes(b"\x00\x01binary now")
    report = a.ingest([corpus])
    assert not report.ok and "binary" in report.errors[0].reason
    assert _state(a) == before  # the last good version stays searchable


def test_cli_exit_code_and_one_line_errors(make_assistant, corpus, bad_files, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("EA_INDEX_DIR", str(tmp_path / "cli-index"))
    code = ingest_main([str(corpus), str(bad_files["binary"]), "--quiet", "--index-dir", str(tmp_path / "cli-index")])
    captured = capsys.readouterr()
    out = captured.out
    assert code == 1
    error_lines = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and str(bad_files["binary"].name) in error_lines[0]
    assert "files added or updated" in out
    assert ingest_main([str(corpus), "--quiet", "--index-dir", str(tmp_path / "cli-index")]) == 0
