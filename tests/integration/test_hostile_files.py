"""Hostile files through a whole ingest: each refused with one line, the index unchanged,
the other files of the run ingested, and the ingest lock free while they are read.
Built here; the same files at reader level are in tests/unit/test_untrusted.py."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

import ingest.prepare
from assistant import __main__ as ask_cli
from assistant.records import IngestFailure
from assistant.settings import ParseSettings
from conftest import bundled_reports
from hostile import deep_html, pdf_bomb, text_operators
from ingest.__main__ import main as ingest_main
from ingest.lock import ingest_lock

pytestmark = pytest.mark.slow  # child processes reading hostile files


@pytest.fixture
def a(make_assistant, tmp_path):
    a = make_assistant()
    mersey = next(p for p in bundled_reports() if p.name.startswith("merseyside"))
    shutil.copy(mersey, tmp_path / mersey.name)
    text = (tmp_path / mersey.name).read_text()
    (tmp_path / mersey.name).write_text(text[: text.index("\n", 9000)])  # cheap to embed
    assert a.ingest([tmp_path / mersey.name]).ok
    return a


def state(a) -> tuple:
    got = a.store.collection.get(include=["documents"])
    return sorted(zip(got["ids"], got["documents"])), sorted(map(str, a.store.reports()))


def one_refusal(a, path: Path, reason: str) -> None:
    """Through the API and the command line: that one line, and nothing else changed."""
    before = state(a)
    assert a.ingest([path]).errors == [IngestFailure(str(path.resolve()), reason)]
    assert a.upload([(path, path.name)]).errors == [IngestFailure(path.name, reason)]
    assert state(a) == before and not list(Path(a.settings.app.uploads_dir).glob("*"))


@pytest.fixture
def cli(a, monkeypatch, capsys):
    monkeypatch.setattr("ingest.__main__.get_settings", lambda: a.settings)

    def run(*args: str) -> tuple[int, list[str]]:
        code = ingest_main([*args, "--quiet"])
        return code, capsys.readouterr().err.splitlines()

    return run


def test_pdf_that_inflates_to_hundreds_of_mb_is_refused_quickly(a, tmp_path, cli):
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(pdf_bomb(400))  # ~1.5 KB -> 400 MB
    began = time.perf_counter()
    one_refusal(a, bomb, "refused: the PDF streams inflate past 256 MB (limit EA_PARSE__MAX_DECOMPRESSED_MB)")
    assert time.perf_counter() - began < 120  # twice, and each stops at the limit
    code, err = cli(str(bomb))
    assert code == 1 and err == [f"error: {bomb}: refused: the PDF streams inflate past 256 MB "
                                 "(limit EA_PARSE__MAX_DECOMPRESSED_MB)"]


def test_html_nested_100000_deep_is_refused_and_the_rest_ingested(a, tmp_path, cli, corpus):
    deep = tmp_path / "deep.html"
    deep.write_bytes(deep_html(100_000))
    one_refusal(a, deep, "refused: the page nests elements over 400 deep (limit EA_PARSE__MAX_HTML_DEPTH)")
    cheshire = next(corpus.glob("cheshire*"))
    report = a.ingest([deep, cheshire])  # one bad file never costs the others
    assert [Path(r.source).name for r in report.added] == [cheshire.name] and len(report.errors) == 1
    code, err = cli(str(deep))
    assert code == 1 and len(err) == 1 and err[0].startswith(f"error: {deep}: refused: the page nests")


def test_time_and_memory_are_bounded_by_the_reading_process(a, tmp_path):
    ops = tmp_path / "operators.pdf"
    ops.write_bytes(text_operators(200_000))  # 5.8 million glyphs on one page, from 20 KB
    unbounded = dict(max_page_glyphs=10**9, max_chars=10**9)  # only time and memory left to stop it
    a.settings = a.settings.model_copy(update={"parse": ParseSettings(**unbounded, timeout_s=3)})
    began = time.perf_counter()
    one_refusal(a, ops, "refused: reading it took over 3 s (limit EA_PARSE__TIMEOUT_S)")
    assert time.perf_counter() - began < 60
    a.settings = a.settings.model_copy(update={"parse": ParseSettings(**unbounded, memory_mb=300, timeout_s=300)})
    one_refusal(a, ops, "refused: reading it needs over 300 MB of memory (limit EA_PARSE__MEMORY_MB)")


def test_the_ingest_lock_is_free_while_a_file_is_read(a, tmp_path, monkeypatch):
    reading, go = threading.Event(), threading.Event()
    real = ingest.prepare.read_bounded

    def slow_read(*args, **kwargs):  # a hostile file taking its time
        reading.set()
        assert go.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest.prepare, "read_bounded", slow_read)
    page = tmp_path / "report.html"
    page.write_bytes(deep_html(10))
    thread = threading.Thread(target=a.ingest, args=([page],))
    thread.start()
    try:
        assert reading.wait(60)
        with ingest_lock(a.settings, timeout=0):  # another upload or ingest gets the index at once
            pass
    finally:
        go.set()
        thread.join(60)


def test_terminal_escapes_in_reports_never_reach_the_terminal(a, tmp_path, cli, capsys, monkeypatch):
    a.settings = a.settings.model_copy(update={"refresh_s": 0})  # the CLI ingest is another Assistant
    title = "Escapeshire – National child protection inspection\x1b]0;owned\x07\x1b]52;c;ZXZpbA==\x07"
    report = tmp_path / "escapeshire.txt"
    prose = "Officers record the child's views, tell the custody sergeant and inform the local authority. " * 8
    report.write_text(f"{title}\n\nPolice detention\n\nWe found that Escapeshire Constabulary \x1b[2Jkeeps every "
                      f"child in custody safe\x1b[31m and calls an appropriate adult at once.\n\n{prose}\n")
    code, err = cli(str(report))
    assert code == 0, err
    cli("--list")
    monkeypatch.setattr(ask_cli.Assistant, "open", classmethod(lambda cls, *args, **kwargs: a))
    for command in (["search", "Escapeshire custody"], ["ask", "How does Escapeshire treat children in custody?"]):
        assert ask_cli.main(command) == 0
    out = capsys.readouterr()
    assert "Escapeshire" in out.out and "\x1b" not in out.out + out.err and "\x07" not in out.out + out.err
