"""What a page's search returns to its (results, status line, export button) outputs: shown,
nothing found, or a problem in one line. Shared by the Case studies, Compare forces and
Recommendations pages."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ui import views


@dataclass
class SearchPage:
    """A page that searches on what is typed in `query` (a topic, a theme), for the wiring in
    app.py: the first screen's examples fill `query` and run `run` on `inputs` -> `outputs`."""

    query: gr.Textbox
    forces: gr.Dropdown
    run: object
    inputs: list
    outputs: list

NO_EXPORT = {"value": None, "interactive": False}


def warning(exc: Exception) -> str:
    """A problem as the status line shows it (escaped, without private details)."""
    return f"⚠️ {views.esc_markdown(views.public(exc))}"


def problem(exc: Exception) -> tuple:
    return "", warning(exc), gr.update(**NO_EXPORT)


def nothing(message: str) -> tuple:
    return "", message, gr.update(**NO_EXPORT)


def shown(html: str, status: str, export: str) -> tuple:
    return html, status, gr.update(value=export, interactive=True)
