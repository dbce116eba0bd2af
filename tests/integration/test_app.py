"""The running app: its API through `gradio_client`, and the pages in a real Chromium.

The app is served in-process on a free loopback port over a copy of the session's index of
the bundled reports (the upload test adds a report to that copy only).
"""

from __future__ import annotations

import shutil
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError

import app as app_module
from assistant import Assistant
from assistant.settings import REPO_ROOT, AppSettings, Settings
from ui import views
from assistant.index import PassageStore

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO_ROOT / "test-results" / "browser"
QUESTION = "How did forces handle reactive management of registered sex offenders?"
# A report whose text tries to run code in the page; it must show as text.
HOSTILE_REPORT = """National Child Protection Inspection

**Testshire Police
3–14 May 2021**

Missing children

Testshire Police responds quickly when children go missing from home <script>window.pwned = 1</script> and call handlers complete a risk assessment <img src=x onerror="window.pwned = 2"> for every missing child. Supervisors review high-risk missing child investigations every day.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    url: str
    assistant: Assistant
    root: Path


@pytest.fixture(scope="module")
def served(bundled, tmp_path_factory):
    root = tmp_path_factory.mktemp("app")
    index = root / "index"
    shutil.copytree(bundled.settings.index_dir, index)
    s = bundled.settings.model_copy(update={
        "index_dir": index, "server_name": "127.0.0.1", "server_port": free_port(),
        "app": AppSettings(uploads_dir=root / "uploads", export_dir=root / "exports"),
    })
    a = Assistant(s, PassageStore(s), bundled.embedder)
    demo = app_module.build_app(a)
    app_module.launch(demo, s, prevent_thread_lock=True, quiet=True)
    yield Served(f"http://127.0.0.1:{s.server_port}/", a, root)
    demo.close()


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


# -- in a real browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Chromium is missing: scripts/test installs it (apt-get install -y chromium)"
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--headless", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-default-apps"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((served.url, "data:", "blob:")) else None)
    page.goto(served.url)
    yield page
    assert outside == [], f"the page requested addresses outside the app: {outside}"
    context.close()


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _ask(page, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#ask-button").click()
    page.locator("#sources .src").first.wait_for(timeout=120_000)


@pytest.mark.browser
def test_browser_ask_cites_several_forces_with_sources(page, served):
    _ask(page, QUESTION)
    forces = set(page.locator("#sources .src-head b").all_inner_texts())
    cited_forces = {text.split("] ", 1)[1] for text in forces}
    assert len(cited_forces) >= 2 and cited_forces <= set(served.assistant.forces())
    links = page.locator("#chat a[href^='#src-']")
    assert len(set(links.evaluate_all("els => els.map(e => e.getAttribute('href'))"))) >= 2
    assert page.locator("#sources mark").count() >= 1  # the cited sentence is highlighted
    links.last.click()
    assert page.evaluate("location.hash").startswith("#src-")  # the marker opens its source
    with page.expect_download() as download:
        page.locator("#export-answer").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported.startswith(f"# {QUESTION}") and "## Sources" in exported
    _shot(page, "ask")


@pytest.mark.browser
def test_browser_filters_apply_to_the_next_question_and_show_in_the_chat(page):
    page.get_by_text("Filters and settings").click()
    page.locator("#ask-forces input").click()
    page.keyboard.type("Cheshire")
    page.keyboard.press("Enter")
    _ask(page, "How are registered sex offenders managed?")
    assert "Filters: forces: Cheshire" in page.locator("#chat").inner_text()
    heads = page.locator("#sources .src-head b").all_inner_texts()
    assert heads and all(h.endswith("] Cheshire") for h in heads)
    _shot(page, "filters")


@pytest.mark.browser
def test_browser_case_studies_and_comparison_return_rows(page, served):
    page.get_by_role("tab", name="Case studies").click()
    page.locator("#case-topic textarea").fill("children who go missing from home")
    page.locator("#case-button").click()
    page.get_by_text("case studies, most relevant first").wait_for(timeout=60_000)
    cases = page.locator("#case-table .case")
    assert cases.count() >= 1 and "missing" in cases.first.inner_text().lower()
    _shot(page, "case-studies")

    page.get_by_role("tab", name="Compare forces").click()
    page.locator("#compare-theme textarea").fill("appropriate adults for children in custody")
    page.locator("#compare-button").click()
    page.locator("#compare-table tbody tr").first.wait_for(timeout=60_000)
    rows = page.locator("#compare-table tbody tr")
    assert rows.count() == len(served.assistant.forces())
    assert page.locator("#compare-table tr.found").count() >= 2
    _shot(page, "compare")


@pytest.mark.browser
def test_browser_upload_then_hostile_text_shows_as_text(page, served, tmp_path):
    report = tmp_path / "testshire-2021-inspection.txt"
    report.write_text(HOSTILE_REPORT, encoding="utf-8")
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#upload input[type=file]").set_input_files(str(report))
    page.get_by_text("Added Testshire").wait_for(timeout=120_000)
    assert "Testshire" in page.locator("#corpus-table").inner_text()
    _shot(page, "corpus-upload")

    page.get_by_role("tab", name="Ask").click()
    _ask(page, "What does Testshire Police do when children go missing from home?")
    sources = page.locator("#sources").inner_text()
    assert "<script>window.pwned = 1</script>" in sources, sources
    assert page.evaluate("window.pwned") is None
    assert page.locator("#sources script, #sources img, #chat img[src='x']").count() == 0
    _shot(page, "escaped")


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
        _, rows, _, message = uploader.upload([str(path)], app_module.AS_REPORT, alice)
        assert message.startswith("Not added"), message
        assert uploader.corpus_rows() == before
    assert not any((tmp_path / "uploads").glob("*"))  # refused files are not kept

    report = tmp_path / "testshire-2021-inspection.txt"
    report.write_text(HOSTILE_REPORT, encoding="utf-8")
    header, rows, _, message = uploader.upload([str(report)], app_module.AS_REPORT, alice)
    assert message.startswith("Added Testshire") and len(rows) == len(before) + 1
    assert "marked as uploaded" in message and "3 reports (Cheshire, Merseyside, Testshire)" in header
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


def test_chat_passes_its_history_and_shows_how_a_follow_up_was_read(bundled, tmp_path):
    ui = app_module.App(bundled.__class__(
        bundled.settings.model_copy(update={"app": AppSettings(export_dir=tmp_path)}), bundled.store, bundled.embedder))
    first = list(ui.ask("How did Cheshire respond to missing children?", [], [], [], [], [], None, None, False, False,
                        "extractive", 10))
    chat, _, _, _, earlier = first[-1]
    assert earlier == ["How did Cheshire respond to missing children?"]
    second = list(ui.ask("and what about Staffordshire?", chat, earlier, [], [], [], None, None, False, False,
                         "extractive", 10))
    chat, _, sources, _, earlier = second[-1]
    shown = chat[-1]["content"]
    assert "_Read as: How did Staffordshire respond to missing children?_" in shown
    assert "**Staffordshire**" in shown and "**Cheshire**" not in shown
    assert "Staffordshire" in sources and len(earlier) == 2
def test_remove_on_the_corpus_page_is_for_users_who_may_upload(uploader, tmp_path):
    import gradio as gr

    report = tmp_path / "testshire-2021-inspection.txt"
    report.write_text(HOSTILE_REPORT, encoding="utf-8")
    uploader.upload([str(report)], app_module.AS_REPORT, gr.Request(username="alice"))
    (testshire,) = [r for r in uploader.a.reports() if r.force == "Testshire"]
    with pytest.raises(gr.Error, match="not allowed to remove"):
        uploader.remove(testshire.doc_id, gr.Request(username="mallory"))
    header, rows, picker, message = uploader.remove(testshire.doc_id, gr.Request(username="alice"))
    assert message == f"Removed: Testshire – {views.esc_markdown(testshire.report_title)}."
    assert "Testshire" not in header and not any(row[0] == testshire.doc_id for row in rows)
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
