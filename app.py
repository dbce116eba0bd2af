"""The Gradio app: `python app.py` serves it on 127.0.0.1:7860 (host and port in settings).

Pages: Ask (a first screen with examples, then the cited chat, each answer with its own
sources), Case studies (trainers), Compare forces (researchers), Recommendations (what was
recommended, what reviews found), Corpus (the reports: upload, remove, review).
Each page is built and handled in ui/<page>.py; what is shown is rendered by ui/views.py,
ui/cards.py and ui/corpus_view.py; look and page script in ui/layout.py; the JSON API and MCP
tools in ui/endpoints.py. This file composes them and serves the app.
"""

from __future__ import annotations

import assistant.offline  # noqa: F401  (before gradio is imported: telemetry off)

import atexit
import base64
import hmac
import ipaddress
import logging
import shutil
import sys
import tempfile
import threading
import uuid
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from assistant import Assistant
from assistant.errors import AssistantError
from assistant.settings import Settings, get_settings
from ui.ask import AskHandlers, ask_page
from ui.cases import CaseHandlers, cases_page
from ui.compare import CompareHandlers, compare_page
from ui.corpus import AS_DOCUMENT, AS_REPORT, CorpusHandlers, corpus_page
from ui.endpoints import Endpoints
from ui.layout import CSS, HEAD, THEME
from ui.recommendations import RecommendationHandlers, recommendations_page

__all__ = ["AS_DOCUMENT", "AS_REPORT", "App", "build_app", "launch", "main", "watch"]

MCP_PATH = "/gradio_api/mcp"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class App(AskHandlers, CaseHandlers, CompareHandlers, RecommendationHandlers, CorpusHandlers):
    """Event handlers (one mixin per page, ui/<page>.py); each returns values for the
    components it is wired to."""

    def __init__(self, a: Assistant):
        self.a = a
        self.s = a.settings
        self.exports = export_folder(self.s)

    def _export(self, text: str, stem: str, suffix: str) -> str:
        path = self.exports / f"{stem}-{uuid.uuid4().hex[:8]}{suffix}"
        path.write_text(text, encoding="utf-8")
        older = sorted(self.exports.iterdir(), key=lambda p: p.stat().st_mtime)[: -self.s.app.max_exports]
        for old in older:  # a long-running app keeps the newest only
            old.unlink(missing_ok=True)
        return str(path)


def export_folder(s: Settings) -> Path:
    """A private export folder for this app instance (under `app.export_dir`, or the system
    temp dir), removed when the process exits."""
    if s.app.export_dir is not None:
        s.app.export_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="evidence-assistant-exports-", dir=s.app.export_dir))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def build_app(a: Assistant) -> gr.Blocks:
    app = App(a)
    values = {**a.filter_values(), "forces": a.forces()}
    with gr.Blocks(title="Child protection inspection evidence") as demo:
        Endpoints(a).register()  # first: the API keeps its names (UI events of the same function get others)
        gr.Markdown("# Child protection inspection evidence", elem_id="title")
        summary, table_html, _ = app.collection()
        header = gr.Markdown(summary, elem_id="collection")
        with gr.Tabs(overflow_behavior="wrap", elem_id="pages") as tabs:
            with gr.Tab("Ask", id="ask"):
                ask = ask_page(app, values)
            with gr.Tab("Case studies", id="cases"):
                cases = cases_page(app, values["forces"])
            with gr.Tab("Compare forces", id="compare"):
                compare = compare_page(app, values["forces"])
            with gr.Tab("Recommendations", id="recommendations"):
                recs = recommendations_page(app, values)
            with gr.Tab("Corpus", id="corpus"):
                collection, changes = corpus_page(app, header, table_html)
        # The first screen's examples for the other pages: switch to the page and run there.
        for button, example in ask.examples:
            page = {"cases": cases, "compare": compare}.get(example.page)
            if page is None:
                continue
            button.click(lambda q=example.query or example.text, where=example.page: (gr.Tabs(selected=where), q),
                         None, [tabs, page.query], api_visibility="private", queue=False
                         ).then(page.run, page.inputs, page.outputs, api_visibility="private")
        choices = [ask.forces, cases.forces, compare.forces, recs.forces, *ask.years]
        for change in changes:  # uploads, removals and reviews change every page's choices
            change.then(app.choices, None, choices, api_visibility="private", queue=False)
        # A new visit reads the collection afresh (another process may have changed it).
        demo.load(app.collection, None, collection, api_visibility="private", queue=False)
        demo.load(app.choices, None, choices, api_visibility="private", queue=False)
    return demo


def credentials(s: Settings) -> tuple[str, str] | None:
    """The basic-auth pair, or None; refuses a non-loopback address without one (checked
    before anything slow loads)."""
    if s.app.username and s.app.password.get_secret_value():
        return s.app.username, s.app.password.get_secret_value()
    if not is_loopback(s.server_name):
        raise SystemExit(
            f"Refusing to listen on {s.server_name} without authentication: set EA_APP__USERNAME and "
            "EA_APP__PASSWORD, or listen on 127.0.0.1."
        )
    return None


class McpAuth:
    """ASGI middleware: MCP requests need the app's user and password as HTTP basic auth.
    Gradio mounts its MCP server beside its login, not behind it."""

    def __init__(self, app, user: str, password: str):
        self.app = app
        self.expected = b"Basic " + base64.b64encode(f"{user}:{password}".encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith(MCP_PATH):
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"www-authenticate", b'Basic realm="evidence-assistant MCP"'), (b"content-type", b"text/plain")]})
                await send({"type": "http.response.body", "body": b"MCP needs the app's username and password."})
                return
        await self.app(scope, receive, send)


def launch(demo: gr.Blocks, s: Settings, **kwargs):
    """Serve the app with the settings' host, port, auth, queue and (if on) MCP server;
    `kwargs` go to `launch`."""
    auth = credentials(s)
    mcp = s.app.mcp_server
    middleware = [Middleware(McpAuth, user=auth[0], password=auth[1])] if mcp and auth else []
    return demo.queue(default_concurrency_limit=s.app.concurrency).launch(
        server_name=s.server_name, server_port=s.server_port, share=False, auth=auth, css=CSS, head=HEAD,
        theme=THEME, max_file_size=f"{s.app.max_upload_mb:g}mb",
        allowed_paths=[str(s.app.export_dir)] if s.app.export_dir else None, mcp_server=mcp,
        app_kwargs={"middleware": middleware}, footer_links=["api"], **kwargs,
    )


def watch(a: Assistant, every: float, stop: threading.Event | None = None) -> threading.Thread:
    """Check for other processes' ingests and removals off the question path: reload the
    derived state in the background, so no question waits for the registry read or a rebuild."""
    stop = stop or threading.Event()

    def run() -> None:
        while not stop.wait(every):
            try:
                if a.refresh():
                    _ = a.pipeline
            except Exception:  # noqa: BLE001  (a question will retry, and show the error)
                logging.getLogger(__name__).warning("could not reload the index", exc_info=True)

    thread = threading.Thread(target=run, name="index-watch", daemon=True)
    thread.start()
    return thread


def main() -> None:
    credentials(get_settings())  # a refused address fails before the model loads
    try:
        a = Assistant.open()
    except AssistantError as exc:  # a Chroma server named in settings is down, no model: one line
        raise SystemExit(f"error: {exc}") from None
    if not a.store.count():
        print("The index is empty: run `python -m ingest` first (scripts/run does it for you).", file=sys.stderr)
    a.warm_up()
    watch(a, max(a.settings.refresh_s / 2, 0.5))
    launch(build_app(a), a.settings)


if __name__ == "__main__":
    main()
