"""The Corpus page: the reports in the collection (a table that wraps and stacks on a phone)
and adding reports. The header's collection line and every page's force and year choices
follow uploads (and are read afresh on every page load, so another process's changes show)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import gradio as gr

from assistant.errors import IndexBusy
from assistant.settings import SUPPORTED_SUFFIXES
from ui import corpus_view, views


class CorpusHandlers:
    def corpus_rows(self) -> list[list]:
        return corpus_view.corpus_rows(self.a.reports())

    def collection(self):
        """(header line, reports table) as the index is now."""
        self.a.refresh()  # another process may have added or removed reports
        reports = self.a.reports()
        return corpus_view.collection_summary(reports), corpus_view.corpus_html(reports)

    def choices(self):
        """The force and year choices of every page's filters, as the collection is now."""
        values = self.a.filter_values()
        forces = gr.update(choices=values["forces"])
        years = gr.update(choices=values["years"])
        return forces, forces, forces, years, years

    def upload(self, file_path, request: gr.Request):
        """Ingest one uploaded report; refuse what cannot be read, keep nothing half-done.
        Returns (header line, reports table, status line)."""
        allowed = self.s.app.upload_users
        user = getattr(request, "username", None)
        if not self.s.app.upload or (allowed and user not in allowed):
            raise gr.Error("You are not allowed to add reports.")
        if isinstance(file_path, list):
            file_path = file_path[0] if file_path else None
        if not file_path:
            return *self.collection(), "Choose a report file (.txt, .md, .html, .pdf) to add."
        src = Path(file_path)
        if src.suffix.lower() not in SUPPORTED_SUFFIXES:
            return *self.collection(), views.esc_markdown(
                f"{src.name}: unsupported file type; use one of {', '.join(SUPPORTED_SUFFIXES)}.")
        folder = self.s.app.uploads_dir
        folder.mkdir(parents=True, exist_ok=True)
        dest = folder / src.name
        if dest.exists():
            dest = folder / f"{src.stem}-{uuid.uuid4().hex[:6]}{src.suffix}"
        shutil.copyfile(src, dest)
        try:
            report = self.a.ingest([dest])
        except IndexBusy as exc:  # a long ingest from the command line holds the index
            dest.unlink(missing_ok=True)
            return *self.collection(), f"Not added: {views.esc_markdown(str(exc))}"
        if report.errors:
            dest.unlink(missing_ok=True)
            return *self.collection(), "\n".join(f"Not added: {views.esc_markdown(f.reason)}" for f in report.errors)
        if report.duplicates:
            dest.unlink(missing_ok=True)
            same = Path(report.duplicates[0][1]).name
            return *self.collection(), f"Already in the corpus (same text as {views.esc_markdown(same)})."
        added = "; ".join(f"{r.force} – {r.report_title} ({r.chunks} passages)" for r in report.added)
        return *self.collection(), f"Added {views.esc_markdown(added)}."


def corpus_page(app, header: gr.Markdown):
    """Build the Corpus page; returns (reports table, upload event or None) for the wiring."""
    s = app.s
    summary, table_html = app.collection()
    gr.Markdown("## Reports in the collection")
    table = gr.HTML(table_html, elem_id="corpus-table")
    if not s.app.upload:
        return table, None
    gr.Markdown(f"### Add a report\n.txt, .md, .html or .pdf, up to {s.max_file_mb:g} MB. Force, dates, type and "
                "sections are read from the report itself.")
    upload = gr.UploadButton("Choose a report file to add", file_types=list(SUPPORTED_SUFFIXES), file_count="single",
                             variant="secondary", elem_id="upload")
    status = gr.Markdown(elem_id="upload-status")
    done = upload.upload(app.upload, upload, [header, table, status], api_name="upload", api_visibility="private")
    return table, done
