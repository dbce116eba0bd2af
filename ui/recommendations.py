"""The Recommendations page (researchers): every recommendation the reports make, whole,
with its timescale and area, the year it was made and what a later review found on it; each
row opens the passages it stands in. Filters as on the other pages, and a CSV export."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from assistant.errors import AssistantError
from ui import results, views
from ui.endpoints import years_span


class RecommendationHandlers:
    def recommendations_table(self, forces, areas, report_types, year_from, year_to):
        """(table, status line, export) within the filters."""
        try:
            recs = self.a.recommendations(forces or None, areas or None, report_types or None,
                                          years_span(year_from or None, year_to or None))
        except AssistantError as exc:
            return results.problem(exc)
        if not recs:
            return results.nothing("No recommendation matches these filters.")
        status = f"{len(recs)} {'recommendation' if len(recs) == 1 else 'recommendations'}."
        export = self._export(views.recommendations_csv(recs), "recommendations", ".csv")
        return results.shown(views.recommendations_html(recs), status, export)


@dataclass
class RecommendationsPage:
    forces: gr.Dropdown


def recommendations_page(app, values: dict[str, list]) -> RecommendationsPage:
    gr.Markdown("## Recommendations\nWhat each report recommended, word for word, and what a later review found "
                "on the same area. Open a row's passages to read them in the report.")
    with gr.Row():
        forces = gr.Dropdown(values["forces"], multiselect=True, label="Forces (all if none chosen)", min_width=220,
                             elem_id="rec-forces")
        areas = gr.Dropdown(sorted({r.area for r in app.a.recommendations()}), multiselect=True,
                            label="Framework area", min_width=220, elem_id="rec-areas")
        types = gr.Dropdown(values["report_types"], multiselect=True, label="Report type", min_width=220,
                            elem_id="rec-types")
    with gr.Row():
        year_from = gr.Number(None, label="Made in or after (year)", precision=0, min_width=160)
        year_to = gr.Number(None, label="Made in or before (year)", precision=0, min_width=160)
    show = gr.Button("Show recommendations", variant="primary", elem_id="rec-button")
    status = gr.Markdown(elem_id="rec-status")
    table = gr.HTML(elem_id="rec-table")
    export = gr.DownloadButton("Export recommendations (CSV)", interactive=False, elem_id="rec-export")
    show.click(app.recommendations_table, [forces, areas, types, year_from, year_to], [table, status, export],
               api_name="recommendations_table", api_visibility="private")
    return RecommendationsPage(forces)
