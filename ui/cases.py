"""The Case studies page (trainers): whole cases on a topic, as cards, with a CSV export."""

from __future__ import annotations

import gradio as gr

from assistant.errors import AssistantError
from ui import cards, results

EMPTY = "Type a topic first (for example: missing children)."


class CaseHandlers:
    def case_studies(self, topic, k, forces):
        """(cards, status line, export) for a topic; a message, not an error badge, when there
        is nothing to search or nothing found."""
        if not (topic or "").strip():
            return gr.update(), EMPTY, gr.update()
        try:
            cases = self.a.case_studies(topic, k=int(k), forces=forces or None)
        except AssistantError as exc:
            return results.problem(exc)
        if not cases:
            return results.nothing("No case study in the reports deals with this topic.")
        status = f"{len(cases)} case {'study' if len(cases) == 1 else 'studies'}, most relevant first."
        export = self._export(cards.cases_csv(cases), "case-studies", ".csv")
        return results.shown(cards.cases_html(cases), status, export)


def cases_page(app, forces: list[str]) -> results.SearchPage:
    gr.Markdown("## Case studies\nWhole case studies from the reports on a topic: what happened, where it comes "
                "from, and why it matched. Each case ends where the report's own text resumes.")
    with gr.Row():
        topic = gr.Textbox(label="Topic", scale=3, min_width=280, elem_id="case-topic",
                           placeholder="e.g. missing children")
        c_forces = gr.Dropdown(forces, multiselect=True, label="Forces (all if none chosen)", scale=2, min_width=220,
                               elem_id="case-forces")
        k = gr.Slider(1, app.s.app.max_k, value=8, step=1, label="How many case studies at most", scale=2,
                      min_width=220)
    find = gr.Button("Find case studies", variant="primary", elem_id="case-button")
    status = gr.Markdown(elem_id="case-status")
    table = gr.HTML(elem_id="case-table")
    export = gr.DownloadButton("Export case studies (CSV)", interactive=False, elem_id="case-export")
    inputs, outputs = [topic, k, c_forces], [table, status, export]
    gr.on([topic.submit, find.click], app.case_studies, inputs, outputs, api_name="find_case_studies",
          api_visibility="private")
    return results.SearchPage(topic, c_forces, app.case_studies, inputs, outputs)
