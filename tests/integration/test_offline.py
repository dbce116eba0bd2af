"""No outbound connections: with every socket to anything but loopback refused (and logged),
ingest, search, ask and the app's start all work, and nothing even tried to phone home.

The block (tests/inject/netblock.py) patches Python's socket layer: connect, connect_ex,
sendto and getaddrinfo. Native code opening its own sockets would not be seen.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT))

from tests.inject import netblock  # noqa: E402

pytestmark = pytest.mark.slow  # subprocesses, servers, kills: seconds per test

INJECT = Path(netblock.__file__).resolve().parent
START_DEADLINE_S = 600  # only guards against a hung app on a loaded machine


def _cut(corpus: Path) -> list[Path]:
    """The corpus reports cut short: this test is about the network, not about volume."""
    for path in corpus.iterdir():
        text = path.read_text()
        path.write_text(text[: text.index("\n", 9000)])
    return sorted(corpus.iterdir())


def test_ingest_search_ask_make_no_outbound_connection(corpus, tmp_path, monkeypatch):
    log = tmp_path / "blocked.log"
    for obj, name, value in netblock.patches(log):
        monkeypatch.setattr(obj, name, value)
    with pytest.raises(ConnectionRefusedError):  # the block works
        socket.create_connection(("huggingface.co", 443), timeout=1)
    log.unlink()

    # A fresh Assistant: the model, tokenizer and Chroma client all load under the block.
    a = Assistant.open(index_dir=tmp_path / "index")
    report = a.ingest(_cut(corpus))
    assert report.ok and report.chunks_embedded > 0, report.errors
    assert a.search("missing children")
    assert a.ask("How are children who go missing from home protected?").text
    assert not log.exists(), log.read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_app_starts_with_no_outbound_connection(make_assistant, corpus, tmp_path):
    index = tmp_path / "index"
    assert make_assistant(index_dir=index).ingest(_cut(corpus)).ok
    log, port = tmp_path / "blocked.log", _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": f"{INJECT}{os.pathsep}{REPO_ROOT}",  # sitecustomize installs the block
        "FAULT_NET_LOG": str(log),
        "EA_INDEX_DIR": str(index),
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_TEMP_DIR": str(tmp_path / "gradio"),
    }
    out = tmp_path / "app.out"
    with open(out, "wb") as sink:
        app = subprocess.Popen([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            status, deadline = None, time.monotonic() + START_DEADLINE_S
            while status != 200:
                assert app.poll() is None, f"the app exited ({app.returncode}):\n{out.read_text()[-3000:]}"
                assert time.monotonic() < deadline, f"no answer on port {port}:\n{out.read_text()[-3000:]}"
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                        status = page.status
                except OSError:
                    time.sleep(0.5)
        finally:
            app.terminate()
            try:
                app.wait(timeout=30)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
    assert not log.exists(), log.read_text()
    shutil.rmtree(tmp_path / "gradio", ignore_errors=True)
