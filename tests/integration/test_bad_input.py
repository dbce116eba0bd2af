"""Bad input: odd questions get a clear message or a normal answer, never a crash; a huge
file is refused without being read; a PDF without a text layer is refused alone."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from assistant import __main__ as cli
from assistant.settings import REPO_ROOT
from ingest.read_pdf import NO_TEXT
from ingest.readers import load_bytes
from assistant.errors import IngestError
from assistant.records import IngestFailure

EMPTY = "Ask a question: the text is empty."
LONG = ("How do forces protect children who go missing from home? " * 400)[:19_999] + "?"

# name -> (question, what the user must be told, or None for a normal answer)
NO_WORDS = "The question has no words to search for, only markup or symbols: ask it in words."
QUESTIONS = {
    "empty": ("", EMPTY),
    "whitespace": (" \n\t \u3000 ", EMPTY),
    "only control characters": ("\x00\x07\x1b\x7f", EMPTY),
    "20,000 characters": (LONG, "The question is 20000 characters long; the limit is 2000. Shorten it."),
    "control characters": ("What about \x00missing\x07 children\x1b[31m held in custody?\r", None),
    "invisible and bidi characters": ("\u202emissing\u200b children \ufeffin custody\u2066", None),
    "Welsh": ("Sut mae'r heddlu yn diogelu plant sydd ar goll o'u cartrefi?", None),
    "Polish": ("Jak policja chroni zaginione dzieci? Zażółć gęślą jaźń.", None),
    "Chinese": ("警方如何保护失踪儿童？", None),
    "emoji": ("👶🚓❓", NO_WORDS),
    "markup and script": ("<script>alert(1)</script><img src=x onerror=alert(2)>", NO_WORDS),
    "SQL-looking": ("'; DROP TABLE passages; --", None),
    "lone surrogates": ("missing children \udcff\udcfe custody", None),  # what undecodable argv bytes become
    "one long word": ("x" * 1999, None),
}


@pytest.mark.parametrize("question, message", QUESTIONS.values(), ids=QUESTIONS.keys())
def test_questions_get_a_message_or_an_answer(bundled, question, message):
    count = bundled.store.count()
    for call in (bundled.ask, bundled.search):
        if message:
            with pytest.raises(ValueError) as err:
                call(question)
            assert str(err.value) == message
        else:
            result = call(question)
            if call == bundled.ask:
                assert result.text.strip() and (result.abstained or result.citations)
            else:
                assert all(p.text for p in result)
    assert bundled.store.count() == count  # nothing a question says reaches the index as a command


@pytest.mark.parametrize("question, message", QUESTIONS.values(), ids=QUESTIONS.keys())
def test_cli_questions_exit_cleanly(bundled, monkeypatch, capsys, question, message):
    monkeypatch.setattr(cli.Assistant, "open", classmethod(lambda cls, *a, **k: bundled))
    for command in ("ask", "search"):
        code = cli.main([command, question])
        out, err = capsys.readouterr()
        if message:
            assert (code, out, err) == (2, "", f"error: {message}\n")
        else:
            assert code == 0 and out.strip() and not err


def _cli(*args: str | bytes, index: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "EA_INDEX_DIR": str(index), "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, timeout=600)


@pytest.mark.slow
def test_cli_subprocess_never_shows_a_traceback(bundled):
    """The real CLI: refusals cost no model load; undecodable argv bytes, controls and
    script in one question go through the whole pipeline."""
    index = bundled.settings.index_dir
    for question in ("", LONG, "\x01\x02"):
        run = _cli("ask", question, index=index)
        assert run.returncode == 2 and b"Traceback" not in run.stderr
        assert run.stderr.decode().splitlines()[-1].startswith("error: ")
    nasty = b"missing \xff\xfe children\x1b[2J <script>alert(1)</script> in custody '; --"
    run = _cli("ask", nasty, "--json", index=index)
    assert run.returncode == 0 and b"Traceback" not in run.stderr, run.stderr[-2000:]
    assert b'"text": "' in run.stdout


@pytest.mark.slow
@pytest.mark.parametrize("command", [["-m", "assistant", "search", "custody"], ["-m", "ingest", "--quiet", "data/reports"]])
def test_missing_embedding_model_is_one_error_line(tmp_path, command):
    """A model directory that is not there (settings typo): a message naming the setting."""
    env = {**os.environ, "EA_INDEX_DIR": str(tmp_path / "index"), "EA_EMBEDDING__MODEL": str(tmp_path / "no-model"),
           "PYTHONPATH": str(REPO_ROOT)}
    run = subprocess.run([sys.executable, *command], cwd=REPO_ROOT, env=env, capture_output=True, timeout=600)
    assert run.returncode == 2 and b"Traceback" not in run.stderr, run.stderr[-2000:]
    last = run.stderr.decode().splitlines()[-1]
    assert last.startswith("error: embedding model") and "EA_EMBEDDING__MODEL" in last


# -- files ----------------------------------------------------------------------------------


def test_200mb_file_is_refused_by_its_size_without_being_read(make_assistant, corpus, tmp_path):
    huge = tmp_path / "huge-report.txt"
    with open(huge, "wb") as f:
        f.truncate(200 * 2**20)  # sparse: instant, takes no disk
    a = make_assistant()
    tracemalloc.start()
    try:
        with pytest.raises(IngestError, match=r"file is 200\.0 MB, over the 50 MB limit \(raise EA_MAX_FILE_MB"):
            load_bytes(huge, int(a.settings.max_file_mb * 2**20))
        alone = a.ingest([huge])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # reading it would have taken 200 MB
    assert [f.source for f in alone.errors] == [str(huge)] and "200.0 MB" in alone.errors[0].reason
    mersey = next(corpus.glob("merseyside*"))
    report = a.ingest([huge, mersey])  # the other files of the run still go in
    assert report.errors == alone.errors and [Path(r.source) for r in report.added] == [mersey.resolve()]


def _scanned_pdf(path: Path) -> Path:
    """A 'scanned' report: pages that are only an image and shapes, no text layer."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rng = random.Random(3)
    image = Image.new("L", (200, 280))
    image.putdata([rng.randrange(256) for _ in range(200 * 280)])
    c = canvas.Canvas(str(path))
    for _ in range(2):
        c.drawImage(ImageReader(image), 72, 100, width=450, height=630)
        c.rect(60, 90, 475, 650)
        c.showPage()
    c.save()
    return path


def test_pdf_without_text_is_refused_and_the_rest_ingested(make_assistant, corpus):
    scan = _scanned_pdf(corpus / "scanned-report.pdf")
    mersey = next(corpus.glob("merseyside*"))
    a = make_assistant()
    report = a.ingest([scan, mersey])
    assert report.errors == [IngestFailure(str(scan), NO_TEXT)]
    assert NO_TEXT.startswith("no extractable text")
    assert len(report.added) == 1
    assert str(scan) not in {r.source for r in a.reports()}
    assert a.store.count() == report.chunks_embedded == len(list(a.passages()))
    assert not any(p.source == str(scan) for p in a.passages())
    # the same file again: still refused, nothing else re-embedded
    again = a.ingest([scan, mersey])
    assert again.errors == report.errors and again.chunks_embedded == 0
