"""The Corpus page: the reports in the collection (a table that wraps and stacks on a phone),
adding reports or other documents, removing them and, when uploads are reviewed, accepting
them for answers. The header's collection line and every page's force and year choices follow
these changes, and a timer and every page load read the collection afresh (another process
may have changed it)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from assistant.errors import AssistantError
from assistant.settings import SUPPORTED_SUFFIXES
from ingest.recognise import NOT_RECOGNISED
from ui import corpus_view, views

AS_REPORT, AS_DOCUMENT = "Inspection report", "Other document (not an HMICFRS report)"


class CorpusHandlers:
    def may_upload(self, user: str | None) -> bool:
        allowed = self.s.app.upload_users
        return self.s.app.upload and not (allowed and user not in allowed)

    def may_review(self, user: str | None) -> bool:
        reviewers = self.s.app.reviewers
        return user in reviewers if reviewers else self.may_upload(user)

    def corpus_rows(self) -> list[list]:
        return corpus_view.corpus_rows(self.a.reports(), self.s.reviews_uploads())

    def collection(self, reports=None):
        """(header line, reports table, picker) as the index is now (or as `reports`, just
        read). The picker keeps what the user chose while the timer refreshes it (a removal
        clears it)."""
        # The registry is read live; the pipeline itself is reloaded by the app's watcher
        # (a refresh here would take that reload away from it and leave it to a question).
        reports = self.a.reports() if reports is None else reports
        reviewing = self.s.reviews_uploads()
        return (corpus_view.collection_summary(reports, reviewing), corpus_view.corpus_html(reports, reviewing),
                gr.update(choices=corpus_view.report_choices(reports)))

    def choices(self):
        """The force and year choices of every page's filters, as the collection is now."""
        values = self.a.filter_values()
        forces = gr.update(choices=values["forces"])
        years = gr.update(choices=values["years"])
        return forces, forces, forces, forces, years, years

    def upload(self, files, kind, request: gr.Request):
        """Ingest uploaded files; refuse what cannot be read or is not a report, keep nothing
        half-done. Returns (header, table, picker, status line)."""
        user = getattr(request, "username", None)
        if not self.may_upload(user):
            raise gr.Error("You are not allowed to add reports.")
        paths = [f for f in ([files] if isinstance(files, str) else files or []) if f]
        if not paths:
            return *self.collection(), "Choose a report file (.txt, .md, .html, .pdf) to add."
        try:  # the name the user gave a file is the last part of gradio's upload path
            report = self.a.upload([(p, Path(p).name) for p in paths], user or "", kind == AS_DOCUMENT)
        except AssistantError as exc:  # a long ingest from the command line holds the index
            return *self.collection(), f"Not added: {views.esc_markdown(views.public(exc))}"
        reports = self.a.reports()
        return *self.collection(reports), upload_message(report, reports, self.s.reviews_uploads())

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
            return *self.collection(), "Choose a report first."
        try:
            report = action(doc_id)
        except AssistantError as exc:
            return *self.collection(), f"Not done: {views.esc_markdown(views.public(exc))}"
        names = [f"{r.force or 'other document'} – {r.report_title}" for r in report.removed + report.accepted]
        message = f"{done}: {views.esc_markdown('; '.join(names))}." if names else "Not found (already removed?)."
        header, table, picker = self.collection()
        return header, table, {**picker, "value": None}, message


def upload_message(report, reports, reviewing: bool) -> str:
    """What an upload did, as escaped Markdown lines."""
    titles = {r.source: r.report_title for r in reports}
    lines = [f"Not added: {views.esc_markdown(f'{f.source}: {f.reason}')}" for f in report.errors]
    if any(f.reason.startswith(NOT_RECOGNISED) for f in report.errors):
        lines.append(f"To add such a file anyway, choose “{AS_DOCUMENT}” above: it is then cited as another "
                     "document, never as a force's report.")
    lines += [f"Already in the corpus: {views.esc_markdown(name)} (same text as "
              f"{views.esc_markdown(titles.get(same, Path(same).name))})." for name, same in report.duplicates]
    for r in report.added:
        label = f"{r.force} – {r.report_title}" if r.kind == "report" else f"other document – {r.report_title}"
        wait = "; it waits for a reviewer before answers use it" if reviewing and not r.accepted else ""
        lines.append(f"Added {views.esc_markdown(label)} ({r.chunks} passage{'s' * (r.chunks != 1)}, marked as uploaded{wait}).")
    lines += [f"Warning: {views.esc_markdown(f'{Path(source).name}: {w}')}" for source, w in report.warnings]
    return "\n\n".join(lines)


def corpus_page(app, header: gr.Markdown, table_html: str):
    """Build the Corpus page (its table as `collection` rendered it); returns (the components
    a collection change updates, the events that change it) for the wiring in app.py."""
    s = app.s
    gr.Markdown("## Reports in the collection")
    table = gr.HTML(table_html, elem_id="corpus-table")
    reviewing = s.reviews_uploads()
    picker = gr.Dropdown([], label="Report to remove" + (" or accept" if reviewing else ""), visible=s.app.upload,
                         elem_id="corpus-pick")
    shown = [header, table, picker]
    timer = gr.Timer(s.app.corpus_refresh_s)
    timer.tick(app.collection, None, shown, show_progress="hidden", api_visibility="private")
    if not s.app.upload:
        return shown, []
    with gr.Row():
        remove = gr.Button("Remove", variant="stop", elem_id="corpus-remove")
        accept = gr.Button("Accept for answers", visible=reviewing, elem_id="corpus-accept")
    gr.Markdown(f"### Add reports\n.txt, .md, .html or .pdf; up to {s.app.max_upload_mb:g} MB each, "
                f"{s.app.max_upload_files} at a time. Force, dates, type and sections are read from the report "
                "itself; files that are not HMICFRS inspection reports are refused unless added as other documents. "
                "Uploads are marked as uploaded wherever they are cited"
                + (", and wait for a reviewer before answers use them." if reviewing else "."))
    kind = gr.Radio([AS_REPORT, AS_DOCUMENT], value=AS_REPORT, label="Add as", elem_id="upload-kind")
    upload = gr.UploadButton("Choose files to add", file_types=list(SUPPORTED_SUFFIXES), file_count="multiple",
                             variant="secondary", elem_id="upload")
    status = gr.Markdown(elem_id="upload-status")
    events = [
        upload.upload(app.upload, [upload, kind], [*shown, status], api_name="upload", api_visibility="private"),
        remove.click(app.remove, picker, [*shown, status], api_visibility="private"),
        accept.click(app.accept, picker, [*shown, status], api_visibility="private"),
    ]
    return shown, events
