"""The running app through its API (`gradio_client`) and its handlers; the pages in a real
Chromium are in test_browser.py, the MCP server in test_mcp.py.

The app is served in-process on a free loopback port over a copy of the session's index of
the bundled reports.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError

import app as app_module
from assistant.settings import REPO_ROOT, AppSettings, Settings
from served import HOSTILE_REPORT, free_port, serve
from ui import views

QUESTION = "How did forces handle reactive management of registered sex offenders?"


@pytest.fixture(scope="module")
def served(bundled, tmp_path_factory):
    with serve(bundled, tmp_path_factory.mktemp("app")) as served:
        yield served


@pytest.fixture(scope="module")
def client(served) -> Client:
    return Client(served.url, verbose=False, download_files=False)


# -- API endpoints -------------------------------------------------------------------------


def test_api_ask_returns_a_cited_answer(client, served):
    result = client.predict(QUESTION, api_name="/ask")
    assert result["abstained"] is False and len(result["forces"]) >= 2
    assert result["citations"] and all({"force", "section", "start", "end", "text"} <= c.keys() for c in result["citations"])
    assert "[1]" in result["text"]
    one = client.predict(QUESTION, forces=["Cheshire"], api_name="/ask")
    assert {c["force"] for c in one["citations"]} == {"Cheshire"}
    follow_up = client.predict("and what about Cheshire?", history=[QUESTION], api_name="/ask")
    assert "reactive management" in follow_up["resolved_question"] and "Cheshire" in follow_up["resolved_question"]
    assert {c["force"] for c in follow_up["citations"]} == {"Cheshire"}


def test_api_search_case_studies_and_compare(client, served):
    passages = client.predict("missing children", 3, api_name="/search")
    assert len(passages) == 3 and all(p["force"] for p in passages)
    cases = client.predict("children missing from home", 4, api_name="/case_studies")
    assert 1 <= len(cases) <= 4 and all(c["title"] and c["text"] for c in cases)
    comparison = client.predict("appropriate adults in custody", api_name="/compare")
    assert [r["force"] for r in comparison["rows"]] == served.assistant.forces()
    assert any(r["found"] for r in comparison["rows"])


def test_api_errors_are_messages_not_tracebacks(client):
    for kwargs, message in [
        ({"question": "   "}, "empty"),
        ({"question": "custody", "forces": ["Atlantis"]}, "unknown forces"),
        ({"question": "custody", "mode": "poetry"}, "mode must be one of"),
    ]:
        with pytest.raises(Exception, match=message):
            client.predict(api_name="/ask", **kwargs)


def test_refuses_to_listen_off_loopback_without_auth(bundled):
    s = bundled.settings.model_copy(update={"server_name": "0.0.0.0"})
    with pytest.raises(SystemExit, match="EA_APP__USERNAME"):
        app_module.launch(None, s)


def test_basic_auth_from_settings(bundled, tmp_path):
    s = bundled.settings.model_copy(update={
        "server_port": free_port(),
        "app": AppSettings(username="reviewer", password="s3cret", export_dir=tmp_path),
    })
    demo = app_module.build_app(bundled)
    app_module.launch(demo, s, prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{s.server_port}/"
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(url, verbose=False)
        call = urllib.request.Request(f"{url}gradio_api/call/search", data=b'{"data": ["custody", 1]}',
                                      headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:  # the API itself, not only the client
            urllib.request.urlopen(call, timeout=30)
        assert refused.value.code == 401
        authed = Client(url, auth=("reviewer", "s3cret"), verbose=False)
        assert authed.predict("custody", 1, api_name="/search")
    finally:
        demo.close()


# -- upload handler ------------------------------------------------------------------------


@pytest.fixture
def uploader(make_assistant, corpus, tmp_path):
    a = make_assistant(app=AppSettings(uploads_dir=tmp_path / "uploads", export_dir=tmp_path / "exports",
                                       upload_users=["alice"]))
    assert a.ingest([corpus]).ok
    return app_module.App(a)


def test_upload_adds_a_report_and_refuses_bad_files_without_changing_the_index(uploader, tmp_path):
    import gradio as gr

    alice = gr.Request(username="alice")
    before = uploader.corpus_rows()
    bad = {
        "notes.docx": b"PK\x03\x04 not a report",
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 64,
    }
    for name, data in bad.items():
        path = tmp_path / name
        path.write_bytes(data)
        header, table, _, message = uploader.upload([str(path)], app_module.AS_REPORT, alice)
        assert message.startswith("Not added"), message
        assert uploader.corpus_rows() == before and "2 reports from 2 forces" in header
    assert not any((tmp_path / "uploads").glob("*"))  # refused files are not kept

    report = tmp_path / "testshire-2021-inspection.txt"
    report.write_text(HOSTILE_REPORT, encoding="utf-8")
    header, table, _, message = uploader.upload([str(report)], app_module.AS_REPORT, alice)
    assert message.startswith("Added Testshire") and len(uploader.corpus_rows()) == len(before) + 1
    assert "marked as uploaded" in message
    # The header and the table count what the index holds now, not what it held at start.
    assert "3 reports from 3 forces" in header and "Testshire" in table and table.count("<tr>") == 4  # the header row and three reports
    _, _, _, again = uploader.upload([str(report)], app_module.AS_REPORT, alice)
    assert again.startswith("Already in the corpus") and len(uploader.corpus_rows()) == len(before) + 1


def test_upload_is_limited_to_allowed_users(uploader, tmp_path):
    import gradio as gr

    report = tmp_path / "testshire-2021-inspection.txt"
    report.write_text(HOSTILE_REPORT, encoding="utf-8")
    with pytest.raises(gr.Error, match="not allowed"):
        uploader.upload([str(report)], app_module.AS_REPORT, gr.Request(username="mallory"))


def test_app_start_with_an_unreachable_chroma_server_is_one_clear_line():
    import os
    import subprocess
    import sys

    env = {**os.environ, "EA_CHROMA_HOST": "127.0.0.1", "EA_CHROMA_PORT": str(free_port())}
    run = subprocess.run([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert "cannot reach the Chroma server" in run.stderr and "Traceback" not in run.stderr


# -- the chat's conversation ----------------------------------------------------------------


def _ui(bundled, tmp_path) -> app_module.App:
    return app_module.App(bundled.__class__(
        bundled.settings.model_copy(update={"app": AppSettings(export_dir=tmp_path)}), bundled.store, bundled.embedder))


def _ask(ui, question, chat=(), earlier=(), forces=()):
    return list(ui.ask(question, list(chat), list(earlier), list(forces), [], [], None, None, False, False,
                       "extractive", 10))


def test_chat_passes_its_history_and_shows_how_a_follow_up_was_read(bundled, tmp_path):
    ui = _ui(bundled, tmp_path)
    chat, box, status, _, earlier = _ask(ui, "How did Cheshire respond to missing children?")[-1]
    assert earlier == ["How did Cheshire respond to missing children?"] and box == "" and status == ""
    chat, _, _, _, earlier = _ask(ui, "and what about Staffordshire?", chat, earlier)[-1]
    shown = chat[-1]["content"]
    assert "_Read as: How did Staffordshire respond to missing children?_" in shown
    assert "**Staffordshire**" in shown and "**Cheshire**" not in shown and len(earlier) == 2
    # Each answer carries its own sources: the second one's ids are its own.
    first = chat[1]["content"]
    assert 'id="a1-src-1"' in first and 'id="a2-src-1"' in shown and 'id="a1-src-1"' not in shown


def test_questions_the_app_cannot_take_stay_in_the_box_with_one_message(bundled, tmp_path):
    ui = _ui(bundled, tmp_path)
    steps = _ask(ui, "   ")
    chat, box, status, _, earlier = steps[-1]
    assert len(steps) == 1 and chat == [] and status == "Type a question in the box first."
    long = "How do forces respond to missing children? " * 60
    chat, box, status, _, _ = _ask(ui, long)[-1]
    assert box == long and chat == [] and "characters long; the limit is 2,000" in status
    chat, box, status, _, _ = _ask(ui, "How are RSOs managed?", forces=["Atlantis"])[-1]
    assert box == "How are RSOs managed?" and chat == [] and "unknown forces" in status


def test_the_mcp_server_is_off_by_default(served):
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{served.url}gradio_api/mcp/", timeout=30)
    assert missing.value.code == 404


def test_remove_on_the_corpus_page_is_for_users_who_may_upload(uploader, tmp_path):
    import gradio as gr

    report = tmp_path / "testshire-2021-inspection.txt"
    report.write_text(HOSTILE_REPORT, encoding="utf-8")
    uploader.upload([str(report)], app_module.AS_REPORT, gr.Request(username="alice"))
    (testshire,) = [r for r in uploader.a.reports() if r.force == "Testshire"]
    with pytest.raises(gr.Error, match="not allowed to remove"):
        uploader.remove(testshire.doc_id, gr.Request(username="mallory"))
    header, table, picker, message = uploader.remove(testshire.doc_id, gr.Request(username="alice"))
    assert message == f"Removed: Testshire – {views.esc_markdown(testshire.report_title)}."
    assert "Testshire" not in header and "Testshire" not in table
    assert testshire.doc_id not in [value for _, value in picker["choices"]]
    assert not Path(testshire.source).exists() and "Testshire" not in uploader.a.forces()


def test_a_public_address_without_credentials_is_refused_before_the_model_loads(monkeypatch):
    s = Settings(server_name="0.0.0.0")

    def loads_the_model(*args, **kwargs):
        raise AssertionError("the model was loaded before the address was checked")

    monkeypatch.setattr(app_module, "get_settings", lambda: s)
    monkeypatch.setattr(app_module.Assistant, "open", classmethod(loads_the_model))
    with pytest.raises(SystemExit, match="Refusing to listen on 0.0.0.0 without authentication"):
        app_module.main()
