"""The Compare forces page (researchers): one row per force on a theme, with each force's
reports and their dates, whole quotes, and sources that open in place."""

from __future__ import annotations

import gradio as gr

from assistant.errors import AssistantError
from ui import cards, results

EMPTY = "Type a theme first (for example: appropriate adults for children in custody)."


class CompareHandlers:
    def compare(self, theme, forces):
        """(table, status line, export) for a theme."""
        if not (theme or "").strip():
            return gr.update(), EMPTY, gr.update()
        try:
            comparison = self.a.compare(theme, forces=forces or None)
        except AssistantError as exc:
            return results.problem(exc)
        found = sum(r.found for r in comparison.rows)
        status = f"Evidence from {found} of {len(comparison.rows)} forces."
        export = self._export(cards.comparison_csv(comparison), "comparison", ".csv")
        return results.shown(cards.comparison_html(comparison), status, export)


def compare_page(app, forces: list[str]) -> results.SearchPage:
    gr.Markdown("## Compare forces\nEvery force's reports on one theme, side by side: what each says, quoted and cited, or plainly "
                "that it says nothing. Each report's dates are shown: a row describes its force at that time.")
    with gr.Row():
        theme = gr.Textbox(label="Theme", scale=4, min_width=280, elem_id="compare-theme",
                           placeholder="e.g. reactive management of registered sex offenders")
        m_forces = gr.Dropdown(forces, multiselect=True, label="Forces (all if none chosen)", scale=2,
                               min_width=220, elem_id="compare-forces")
    run = gr.Button("Compare", variant="primary", elem_id="compare-button")
    status = gr.Markdown(elem_id="compare-status")
    table = gr.HTML(elem_id="compare-table")
    export = gr.DownloadButton("Export comparison (CSV)", interactive=False, elem_id="compare-export")
    inputs, outputs = [theme, m_forces], [table, status, export]
    gr.on([theme.submit, run.click], app.compare, inputs, outputs, api_name="compare_forces",
          api_visibility="private")
    return results.SearchPage(theme, m_forces, app.compare, inputs, outputs)
