"""The Gradio app: `python app.py` serves it on 127.0.0.1:7860 (host and port in settings).

Tabs: Ask (cited chat with a sources panel), Case studies (trainers), Compare forces
(researchers), Recommendations (the tracker: what was recommended, what reviews found),
Corpus (reports, upload). Layout and wiring live here; what is shown is built
by `ui/views.py`, and the JSON API by `ui/endpoints.py`.
"""

from __future__ import annotations

import assistant.offline  # noqa: F401  (before gradio is imported: telemetry off)

import atexit
import ipaddress
import logging
import shutil
import sys
import time
import tempfile
import threading
import uuid
from pathlib import Path

import gradio as gr

from assistant import Assistant
from assistant.errors import AssistantError
from assistant.records import Draft
from assistant.settings import SUPPORTED_SUFFIXES, Settings, get_settings
from ui import corpus, views
from ui.endpoints import Endpoints, form_filters, years_span

CSS = """
.sources { font-size: 0.92em; }
.src { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 8px; margin: 6px 0; }
.src:target { outline: 2px solid var(--color-accent); }
.src-section { color: var(--body-text-color-subdued); }
.src-text, .src-context, .case-text { white-space: pre-wrap; margin-top: 4px; }
.case { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.src-cited { background: var(--background-fill-secondary); border-left: 3px solid var(--color-accent); padding-left: 4px; }
.comparison table { width: 100%; border-collapse: collapse; }
.comparison td, .comparison th { border: 1px solid var(--border-color-primary); padding: 6px; vertical-align: top; }
.no-evidence { color: var(--body-text-color-subdued); }
.recommendations .rec-text { white-space: pre-wrap; }
.badge { font-size: 0.8em; border: 1px solid var(--border-color-accent); border-radius: 4px; padding: 0 4px; margin-left: 4px; }
"""
SEARCHING = "_Searching the reports…_"
DRAFT_EVERY_S = 0.1  # at most ten draft updates a second: a fast model would flood the browser
AS_REPORT, AS_DOCUMENT = "Inspection report", "Other document (not an HMICFRS report)"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class App:
    """Event handlers; each returns values for the components it is wired to."""

    def __init__(self, a: Assistant):
        self.a = a
        self.s = a.settings
        self.exports = export_folder(self.s)

    # -- helpers -------------------------------------------------------------------------

    def _export(self, text: str, stem: str, suffix: str) -> str:
        path = self.exports / f"{stem}-{uuid.uuid4().hex[:8]}{suffix}"
        path.write_text(text, encoding="utf-8")
        older = sorted(self.exports.iterdir(), key=lambda p: p.stat().st_mtime)[: -self.s.app.max_exports]
        for old in older:  # a long-running app keeps the newest only
            old.unlink(missing_ok=True)
        return str(path)

    def corpus_rows(self) -> list[list]:
        return corpus.corpus_rows(self.a.reports(), self.s.reviews_uploads())

    # -- Ask -----------------------------------------------------------------------------

    def ask(self, question, history, asked, forces, report_types, areas, year_from, year_to,
            case_studies, recommendations, mode, k):
        """Stream: the question (with its filters) and a progress line, in LLM mode the model's
        draft as it writes, then the checked answer in the draft's place. `asked`: the
        conversation's earlier questions as typed, so a follow-up is read with them."""
        history, earlier = list(history or []), list(asked or [])
        question = (question or "").strip()
        if not question:
            raise gr.Error("Type a question first.")
        try:
            filters = form_filters(forces, report_types, areas, year_from or None, year_to or None, case_studies,
                                   recommendations)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        caption = views.filters_caption(filters)
        shown = views.esc_markdown(question) + (f"\n\n{caption}" if caption else "")
        history += [{"role": "user", "content": shown}, {"role": "assistant", "content": SEARCHING}]
        yield history, "", gr.update(), gr.update(value=None, interactive=False), earlier
        try:
            answer = yield from self._drafts(self.a.ask_stream(question, mode=mode, k=int(k), filters=filters,
                                                               history=earlier), history, earlier)
        except AssistantError as exc:  # bad question, LLM down (even mid-reply): say so in the chat
            history[-1] = {"role": "assistant", "content": f"⚠️ {views.esc_markdown(public(exc))}"}
            yield history, "", gr.update(), gr.update(), earlier
            return
        history[-1] = {"role": "assistant", "content": views.chat_markdown(answer)}
        export = self._export(views.answer_export(answer), "answer", ".md")
        yield (history, "", views.sources_html(answer, self.a.section), gr.update(value=export, interactive=True),
               [*earlier, question])

    @staticmethod
    def _drafts(events, history, earlier):
        """Show the model's drafts (throttled) in the chat's last message; return the checked
        answer that ends the stream. Closed early (Stop), it closes the request too."""
        shown = 0.0
        try:
            for event in events:
                if not isinstance(event, Draft):
                    return event
                if time.monotonic() - shown >= DRAFT_EVERY_S:
                    history[-1] = {"role": "assistant", "content": views.draft_markdown(event.text)}
                    shown = time.monotonic()
                    yield history, "", gr.update(), gr.update(), earlier
        finally:
            events.close()

    def stop(self, history):
        """The Stop button: the request is cancelled (`cancels=`); an unchecked draft left in
        the chat is replaced by a line saying it was stopped."""
        history = list(history or [])
        if history and views.is_draft(history[-1]):
            history[-1] = {"role": "assistant", "content": views.STOPPED}
        return history

    # -- Case studies and comparison -----------------------------------------------------

    def case_studies(self, topic, k, forces):
        try:
            cases = self.a.case_studies(topic or "", k=int(k), forces=forces or None)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        status = f"{len(cases)} case studies, most relevant first." if cases else "No case study in the reports deals with this topic."
        export = self._export(views.cases_csv(cases), "case-studies", ".csv") if cases else None
        return views.cases_html(cases), status, gr.update(value=export, interactive=bool(cases))

    def compare(self, theme, forces):
        try:
            comparison = self.a.compare(theme or "", forces=forces or None)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        export = self._export(views.comparison_csv(comparison), "comparison", ".csv")
        return views.comparison_html(comparison), gr.update(value=export, interactive=True)

    # -- Recommendations -----------------------------------------------------------------

    def recommendations(self, forces, areas, report_types, year_from, year_to):
        """The tracker's table within the filters, a status line and the CSV export."""
        try:
            recs = self.a.recommendations(forces or None, areas or None, report_types or None,
                                          years_span(year_from or None, year_to or None))
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        status = f"{len(recs)} recommendations." if recs else "No recommendation matches these filters."
        export = self._export(views.recommendations_csv(recs), "recommendations", ".csv") if recs else None
        return views.recommendations_html(recs), status, gr.update(value=export, interactive=bool(recs))

    # -- Corpus --------------------------------------------------------------------------

    def may_upload(self, user: str | None) -> bool:
        allowed = self.s.app.upload_users
        return self.s.app.upload and not (allowed and user not in allowed)

    def may_review(self, user: str | None) -> bool:
        reviewers = self.s.app.reviewers
        return user in reviewers if reviewers else self.may_upload(user)

    def corpus_view(self):
        """Header line, table and picker as the index is now (another process may have changed it)."""
        self.a.refresh()  # one small registry read; derived state reloads on the next question
        reports = self.a.reports()
        reviewing = self.s.reviews_uploads()
        # The picker keeps what the user chose while the timer refreshes it (a removal clears it).
        return (f"{INTRO}: {corpus.corpus_summary(reports, reviewing)}.", corpus.corpus_rows(reports, reviewing),
                gr.update(choices=corpus.report_choices(reports)))

    def upload(self, files, kind, request: gr.Request):
        """Ingest uploaded files; refuse what cannot be read or is not a report, keep nothing half-done."""
        user = getattr(request, "username", None)
        if not self.may_upload(user):
            raise gr.Error("You are not allowed to add reports.")
        paths = [f for f in ([files] if isinstance(files, str) else files or []) if f]
        if not paths:
            return *self.corpus_view(), "Choose a report file (.txt, .md, .html, .pdf) to add."
        try:  # the name the user gave a file is the last part of gradio's upload path
            report = self.a.upload([(p, Path(p).name) for p in paths], user or "", kind == AS_DOCUMENT)
        except AssistantError as exc:  # a long ingest from the command line holds the index
            return *self.corpus_view(), f"Not added: {views.esc_markdown(public(exc))}"
        return *self.corpus_view(), upload_message(report, self.a.reports(), self.s.reviews_uploads())

    def remove(self, doc_id, request: gr.Request):
        if not self.may_upload(getattr(request, "username", None)):
            raise gr.Error("You are not allowed to remove reports.")
        return self._manage(self.a.remove, doc_id, "Removed")

    def accept(self, doc_id, request: gr.Request):
        user = getattr(request, "username", None)
        if not self.may_review(user):
            raise gr.Error("You are not allowed to accept uploads.")
        return self._manage(lambda i: self.a.accept(i, by=user or ""), doc_id, "Accepted")

    def _manage(self, action, doc_id, done: str):
        if not doc_id:
            return *self.corpus_view(), "Choose a report first."
        try:
            report = action(doc_id)
        except AssistantError as exc:
            return *self.corpus_view(), f"Not done: {views.esc_markdown(public(exc))}"
        names = [f"{r.force or 'other document'} – {r.report_title}" for r in report.removed + report.accepted]
        message = f"{done}: {views.esc_markdown('; '.join(names))}." if names else "Not found (already removed?)."
        header, rows, picker = self.corpus_view()
        return header, rows, {**picker, "value": None}, message


INTRO = "HMICFRS national child protection inspection reports. Every sentence of an answer is cited to its report"


def public(exc: AssistantError) -> str:
    """An error as other users of the app may see it (IndexBusy without the holder's details)."""
    return getattr(exc, "public", None) or str(exc)


def upload_message(report, reports, reviewing: bool) -> str:
    """What an upload did, as escaped Markdown lines."""
    titles = {r.source: r.report_title for r in reports}
    lines = [f"Not added: {views.esc_markdown(f'{f.source}: {f.reason}')}" for f in report.errors]
    if any(f.reason.startswith("not recognised as an HMICFRS") for f in report.errors):
        lines.append(f"To add such a file anyway, choose “{AS_DOCUMENT}” above: it is then cited as another "
                     "document, never as a force's report.")
    lines += [f"Already in the corpus: {views.esc_markdown(name)} (same text as "
              f"{views.esc_markdown(titles.get(same, Path(same).name))})." for name, same in report.duplicates]
    for r in report.added:
        label = f"{r.force} – {r.report_title}" if r.kind == "report" else f"other document – {r.report_title}"
        wait = "; it waits for a reviewer before answers use it" if reviewing and not r.accepted else ""
        lines.append(f"Added {views.esc_markdown(label)} ({r.chunks} passages, marked as uploaded{wait}).")
    lines += [f"Warning: {views.esc_markdown(f'{Path(source).name}: {w}')}" for source, w in report.warnings]
    return "\n\n".join(lines)


def export_folder(s: Settings) -> Path:
    """A private export folder for this app instance (under `app.export_dir`, or the system
    temp dir), removed when the process exits."""
    if s.app.export_dir is not None:
        s.app.export_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="evidence-assistant-exports-", dir=s.app.export_dir))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def recommendations_tab(app: App, forces: list[str], values: dict[str, list]) -> None:
    """The Recommendations tab: filters, the table (each row opens its passages), CSV export."""
    with gr.Tab("Recommendations", id="recommendations"):
        with gr.Row():
            r_forces = gr.Dropdown(forces, multiselect=True, label="Forces (all if empty)", elem_id="rec-forces")
            areas = sorted({r.area for r in app.a.recommendations()})
            r_areas = gr.Dropdown(areas, multiselect=True, label="Framework area")
            r_types = gr.Dropdown(values["report_types"], multiselect=True, label="Report type")
            r_from = gr.Number(None, label="Made from (year)", precision=0)
            r_to = gr.Number(None, label="Made to (year)", precision=0)
        show = gr.Button("Show recommendations", variant="primary", elem_id="rec-button")
        status = gr.Markdown(elem_id="rec-status")
        table = gr.HTML(elem_id="rec-table")
        export = gr.DownloadButton("Export recommendations (CSV)", interactive=False)
        gr.on([show.click], app.recommendations, [r_forces, r_areas, r_types, r_from, r_to], [table, status, export],
              api_name="recommendations_table", api_visibility="private")


def build_app(a: Assistant) -> gr.Blocks:
    app = App(a)
    s = a.settings
    forces = a.forces()
    values = a.filter_values()
    llm = bool(s.llm.base_url)
    with gr.Blocks(title="Child protection inspection evidence") as demo:
        gr.Markdown("## Child protection inspection evidence")
        header = gr.Markdown(app.corpus_view()[0], elem_id="corpus-summary")
        with gr.Tab("Ask", id="ask"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="Conversation", height=520, elem_id="chat")
                    with gr.Row():
                        question = gr.Textbox(show_label=False, scale=5, elem_id="question",
                                              placeholder="How did forces handle reactive RSO management?")
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-button")
                        stop = gr.Button("Stop", variant="stop", scale=1, elem_id="stop-button")
                    with gr.Accordion("Filters and settings (apply to the next question)", open=False):
                        with gr.Row():
                            f_forces = gr.Dropdown(forces, multiselect=True, label="Forces", elem_id="ask-forces")
                            f_types = gr.Dropdown(values["report_types"], multiselect=True, label="Report type")
                            f_areas = gr.Dropdown(values["areas"], multiselect=True, label="Framework area")
                        with gr.Row():
                            y_from = gr.Number(None, label="Year from", precision=0)
                            y_to = gr.Number(None, label="Year to", precision=0)
                            f_cases = gr.Checkbox(label="Case studies only")
                            f_recs = gr.Checkbox(label="Recommendations only")
                        with gr.Row():
                            mode = gr.Radio(["extractive", "llm"] if llm else ["extractive"], value="extractive",
                                            label="Answer mode" + ("" if llm else " (LLM mode: set EA_LLM__BASE_URL)"))
                            k = gr.Slider(1, s.app.max_k, value=s.retrieval.top_k, step=1, label="Passages (k)")
                    with gr.Row():
                        export = gr.DownloadButton("Export answer (Markdown)", interactive=False, elem_id="export-answer")
                        clear = gr.ClearButton(value="New conversation")
                with gr.Column(scale=2):
                    sources = gr.HTML("<div class='sources'><p>Sources appear here.</p></div>", elem_id="sources")
            earlier = gr.State([])  # the conversation's questions as typed, for follow-ups
            inputs = [question, chat, earlier, f_forces, f_types, f_areas, y_from, y_to, f_cases, f_recs, mode, k]
            outputs = [chat, question, sources, export, earlier]
            asked = gr.on([question.submit, send.click], app.ask, inputs, outputs, api_name="chat",
                          api_visibility="private")
            stop.click(app.stop, chat, chat, cancels=[asked], api_visibility="private")
            clear.add([chat, question, sources])
            clear.click(lambda: ([], gr.update(value=None, interactive=False)), None, [earlier, export],
                        api_visibility="private")

        with gr.Tab("Case studies", id="cases"):
            with gr.Row():
                topic = gr.Textbox(label="Topic", scale=4, elem_id="case-topic", placeholder="missing children")
                c_forces = gr.Dropdown(forces, multiselect=True, label="Forces", scale=2)
                c_k = gr.Slider(1, s.app.max_k, value=s.retrieval.top_k, step=1, label="How many", scale=1)
            find = gr.Button("Find case studies", variant="primary", elem_id="case-button")
            c_status = gr.Markdown(elem_id="case-status")
            c_table = gr.HTML(elem_id="case-table")
            c_export = gr.DownloadButton("Export case studies (CSV)", interactive=False)
            gr.on([topic.submit, find.click], app.case_studies, [topic, c_k, c_forces], [c_table, c_status, c_export],
                  api_name="find_case_studies", api_visibility="private")

        with gr.Tab("Compare forces", id="compare"):
            with gr.Row():
                theme = gr.Textbox(label="Theme", scale=4, elem_id="compare-theme",
                                   placeholder="reactive management of registered sex offenders")
                m_forces = gr.Dropdown(forces, multiselect=True, label="Forces (all if empty)", scale=2)
            run = gr.Button("Compare", variant="primary", elem_id="compare-button")
            m_table = gr.HTML(elem_id="compare-table")
            m_export = gr.DownloadButton("Export comparison (CSV)", interactive=False)
            gr.on([theme.submit, run.click], app.compare, [theme, m_forces], [m_table, m_export],
                  api_name="compare_forces", api_visibility="private")

        recommendations_tab(app, forces, values)

        with gr.Tab("Corpus", id="corpus"):
            corpus_tab(app, header)

        Endpoints(a).register()
    return demo


def corpus_tab(app: App, header: gr.Markdown) -> None:
    """The reports table (kept in step with the index by a timer), upload, remove and accept."""
    s = app.s
    table = gr.Dataframe(value=app.corpus_rows(), headers=corpus.CORPUS_HEADER, datatype="str", interactive=False,
                         elem_id="corpus-table")
    picker = gr.Dropdown([], label="Report to remove" + (" or accept" if s.reviews_uploads() else ""),
                         visible=s.app.upload, elem_id="corpus-pick")
    shown = [header, table, picker]
    timer = gr.Timer(s.app.corpus_refresh_s)
    timer.tick(app.corpus_view, None, shown, show_progress="hidden", api_visibility="private")
    if not s.app.upload:
        return
    with gr.Row():
        remove = gr.Button("Remove", variant="stop", elem_id="corpus-remove")
        accept = gr.Button("Accept for answers", visible=s.reviews_uploads(), elem_id="corpus-accept")
    gr.Markdown(f"Add reports (.txt, .md, .html, .pdf; up to {s.app.max_upload_mb:g} MB each, "
                f"{s.app.max_upload_files} at a time). Force, dates, type and sections are read from the report "
                "itself; files that are not HMICFRS inspection reports are refused unless added as other documents. "
                "Uploads are marked as uploaded wherever they are cited"
                + (", and wait for a reviewer before answers use them." if s.reviews_uploads() else "."))
    kind = gr.Radio([AS_REPORT, AS_DOCUMENT], value=AS_REPORT, label="Add as", elem_id="upload-kind")
    upload = gr.File(file_types=list(SUPPORTED_SUFFIXES), file_count="multiple", label="Files", elem_id="upload")
    status = gr.Markdown(elem_id="upload-status")
    upload.upload(app.upload, [upload, kind], [*shown, status], api_name="upload", api_visibility="private")
    remove.click(app.remove, picker, [*shown, status], api_visibility="private")
    accept.click(app.accept, picker, [*shown, status], api_visibility="private")


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


def launch(demo: gr.Blocks, s: Settings, **kwargs):
    """Serve the app with the settings' host, port, auth and queue; `kwargs` go to `launch`."""
    auth = credentials(s)
    return demo.queue(default_concurrency_limit=s.app.concurrency).launch(
        server_name=s.server_name, server_port=s.server_port, share=False, auth=auth, css=CSS,
        max_file_size=f"{s.app.max_upload_mb:g}mb", allowed_paths=[str(s.app.export_dir)] if s.app.export_dir else None,
        **kwargs,
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
