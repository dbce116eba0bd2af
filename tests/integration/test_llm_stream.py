"""Streaming LLM answers: drafts as a slow loopback model writes, then the checked answer;
closing the stream (the app's Stop) ends the request; failures mid-reply are `LLMUnavailable`,
a chat message in the app. The server is tests/fakellm.py, sending a word every `token_delay`."""

from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

import pytest

import app as app_module
from assistant import Answer, Assistant, Draft, LLMUnavailable
from assistant.index import PassageStore
from assistant.settings import REPO_ROOT, AppSettings, LLMSettings
from assistant.text import sentences
from fakellm import FakeLLM, pieces
from ui import views

QUESTION = "How do forces respond when children go missing from home?"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO_ROOT / "test-results" / "browser"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



@pytest.fixture
def server(server: FakeLLM) -> FakeLLM:  # conftest's, quoting the first passage it is given
    server.reply = quote_first_passage
    return server


def quote_first_passage(body: dict) -> str:
    """A faithful reply: the first two sentences of passage 1, each cited [1]."""
    text = re.search(r'<passage id="1"[^>]*>\n(.*?)\n</passage>', body["messages"][-1]["content"], re.S)[1]
    quoted = [s.rstrip(".") for s in sentences(text) if len(s.split()) >= 6][:2]
    return " ".join(f"{s} [1]." for s in quoted)


def assistant_for(bundled, server: FakeLLM, **llm) -> Assistant:
    settings = LLMSettings(**{"base_url": server.url, "model": "slow-model", "timeout_s": 10, **llm})
    return Assistant(bundled.settings.model_copy(update={"llm": settings}), bundled.store, bundled.embedder)


def test_drafts_arrive_as_the_model_writes_then_the_checked_answer(bundled, server):
    server.token_delay = 0.03
    events, done_at_first_draft = [], None
    for event in assistant_for(bundled, server).ask_stream(QUESTION, mode="llm"):
        if isinstance(event, Draft) and done_at_first_draft is None:
            done_at_first_draft = server.completed.is_set()
        events.append(event)
    *drafts, answer = events
    reply = quote_first_passage(server.requests[0])
    assert done_at_first_draft is False  # the first words came before the model had finished
    assert len(drafts) == len(pieces(reply)) and all(isinstance(d, Draft) for d in drafts)
    assert all(b.text.startswith(a.text) for a, b in zip(drafts, drafts[1:])) and drafts[-1].text == reply
    assert isinstance(answer, Answer) and answer.mode == "llm" and not answer.fallback
    assert answer.text == reply and len(answer.citations) == 1
    assert server.requests[0]["stream"] is True


def test_closing_the_stream_cancels_the_request(bundled, server):
    server.token_delay = 0.2
    server.reply = "Officers respond quickly when children go missing [1]. " * 20
    stream = assistant_for(bundled, server).ask_stream(QUESTION, mode="llm")
    drafts = [next(stream) for _ in range(3)]
    assert [type(d) for d in drafts] == [Draft] * 3
    stream.close()  # what the app's Stop does to its generator
    assert server.hung_up.wait(10), "the server kept writing to a client that had gone"
    assert not server.completed.is_set() and server.pieces_sent < len(pieces(server.reply))


@pytest.mark.parametrize("failure, message", [
    ({"die_after": 4}, r"failed after \d+ characters of its reply: RemoteProtocolError"),
    ({"token_delay": 3.0}, r"failed: APITimeoutError|Timeout"),
    ({"finish": None}, r"stopped sending after \d+ characters, before the model finished"),
    ({"status": 503}, r"failed: InternalServerError|APIStatusError|503"),
])
def test_failures_mid_stream_are_llm_unavailable(bundled, server, failure, message):
    for name, value in failure.items():
        setattr(server, name, value)
    drafts = []
    with pytest.raises(LLMUnavailable, match=message) as raised:
        for event in assistant_for(bundled, server, timeout_s=1).ask_stream(QUESTION, mode="llm"):
            drafts.append(event)
    text = str(raised.value)
    assert server.url in text and "'slow-model'" in text
    assert "EA_LLM__TIMEOUT_S" in text and "EA_LLM__BASE_URL" in text and "EA_LLM__MODEL" in text
    assert all(isinstance(d, Draft) for d in drafts)  # no answer made of half a reply


def test_a_reply_cut_at_max_tokens_says_so(bundled, server):
    server.finish = "length"
    answer = assistant_for(bundled, server).ask(QUESTION, mode="llm")
    assert "the model's reply was cut at EA_LLM__MAX_TOKENS=600 tokens" in answer.notes


# -- in the app ----------------------------------------------------------------------------


def _ask(ui: app_module.App):
    return ui.ask(QUESTION, [], [], [], [], [], None, None, False, False, "llm", 10)


def test_app_shows_the_draft_then_the_checked_answer_in_its_place(bundled, server):
    server.token_delay = 0.15  # slower than the app's draft updates, so each word shows
    ui = app_module.App(assistant_for(bundled, server))
    contents = [step[0][-1]["content"] for step in _ask(ui)]
    drafts = [c for c in contents if c.startswith(views.DRAFT)]
    reply = quote_first_passage(server.requests[0])
    assert len(drafts) >= 3 and "\\[1\\]" in drafts[-1]  # escaped: not yet a link
    checked = assistant_for(bundled, server)
    assert contents[-1] == views.chat_markdown(checked.ask(QUESTION, mode="llm"), "a1", checked.section)
    assert 'href="#a1-src-1"' in contents[-1] and not contents[-1].startswith(views.DRAFT)
    assert reply.split(" [1]")[0][:40] in contents[-1]


def test_app_failure_mid_reply_replaces_the_draft_with_what_to_check(bundled, server):
    server.die_after = 6
    contents = [step[0][-1]["content"] for step in _ask(app_module.App(assistant_for(bundled, server)))]
    assert any(c.startswith(views.DRAFT) for c in contents)  # (read as it streams: the list is reused)
    message = contents[-1]
    assert message.startswith("⚠️") and "LLM endpoint" in message and "EA\\_LLM\\_\\_TIMEOUT\\_S" not in message
    assert "EA_LLM__TIMEOUT_S" in message and "EA_LLM__BASE_URL" in message and "Traceback" not in message


def test_app_stop_closes_the_request_and_replaces_the_draft(bundled, server):
    server.token_delay = 0.2
    server.reply = "Officers respond quickly when children go missing [1]. " * 20
    ui = app_module.App(assistant_for(bundled, server))
    steps = _ask(ui)
    history = None
    for step in steps:
        history = step[0]
        if history[-1]["content"].startswith(views.DRAFT):
            break
    steps.close()  # Gradio closes the event's generator when Stop cancels it
    assert server.hung_up.wait(10)
    after = ui.stop(history)
    assert after[-1]["content"] == views.STOPPED and after[:-1] == history[:-1]
    listed = [{**history[-1], "content": [{"type": "text", "text": history[-1]["content"]}]}]  # as Gradio sends it
    assert ui.stop(listed)[-1]["content"] == views.STOPPED
    answered = [{"role": "assistant", "content": "Cheshire does this [1]."}]
    assert ui.stop(answered) == answered  # an answer already checked stays


def test_stop_button_cancels_the_chat_event(bundled):
    config = app_module.build_app(bundled).get_config_file()
    ids = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
    deps = config["dependencies"]
    chat = next(i for i, d in enumerate(deps) if d.get("api_name") == "chat")
    stop = [d for d in deps if any(ids.get(t[0]) == "stop-button" for t in d["targets"])]
    assert any(chat in d.get("cancels", []) for d in stop)  # Gradio wires the cancel as its own event
    assert any(ids[o] == "chat" for d in stop for o in d["outputs"])  # and app.stop tidies the chat


# -- in a real browser ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_browser_stop_cancels_the_model_request(bundled, server, tmp_path):
    from playwright.sync_api import sync_playwright

    server.token_delay = 0.3
    server.reply = "Officers respond quickly when children go missing [1]. " * 30
    index = tmp_path / "index"
    shutil.copytree(bundled.settings.index_dir, index)
    s = bundled.settings.model_copy(update={
        "index_dir": index, "server_name": "127.0.0.1", "server_port": free_port(),
        "llm": LLMSettings(base_url=server.url, model="slow-model", timeout_s=10),
        "app": AppSettings(uploads_dir=tmp_path / "uploads", export_dir=tmp_path / "exports"),
    })
    demo = app_module.build_app(Assistant(s, PassageStore(s), bundled.embedder))
    app_module.launch(demo, s, prevent_thread_lock=True, quiet=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--headless"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{s.server_port}/")
            page.get_by_text("Narrow the search").click()
            page.get_by_text("More settings").click()
            page.get_by_label("Written by the language model, checked against the reports").check()
            page.locator("#question textarea").fill(QUESTION)
            page.locator("#ask-button").click()
            page.get_by_text("The model is writing").wait_for(timeout=60_000)
            page.get_by_text("Officers respond quickly").first.wait_for(timeout=30_000)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "llm-draft.png"), full_page=True)
            page.locator("#stop-button").click()
            assert server.hung_up.wait(15), "Stop did not end the request to the model"
            page.get_by_text("Stopped: the model's unchecked draft was discarded").wait_for(timeout=10_000)
            assert not server.completed.is_set()
            page.screenshot(path=str(SCREENSHOTS / "llm-stopped.png"), full_page=True)
            browser.close()
    finally:
        demo.close()
