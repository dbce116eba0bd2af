"""The Ask page: a first screen (what the collection holds, examples to click), the cited
chat (each answer with its own sources), the question box, plain-language settings.

Input problems never lose the question: an empty one gets one line under the box; one the
assistant refuses (too long, an unknown force...) goes back into the box with the reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import gradio as gr

from assistant.errors import AssistantError, InvalidRequest
from assistant.records import Draft
from ui import results, views
from ui.endpoints import form_filters

SEARCHING = "_Searching the reports…_"
DRAFT_EVERY_S = 0.1  # at most ten draft updates a second: a fast model would flood the browser
EMPTY = "Type a question in the box first."
WHO = {"researcher": "For researchers", "trainer": "For trainers", "evaluator": "For evaluators"}


def too_long(n: int, limit: int) -> str:
    return f"⚠️ Your question is {n:,} characters long; the limit is {limit:,}. Shorten it and ask again."


class AskHandlers:
    """The Ask page's event handlers (mixed into app.App: self.a, self.s, self._export)."""

    def ask(self, question, history, asked, forces, report_types, areas, year_from, year_to,
            case_studies, recommendations, mode, k):
        """Stream (chat, question box, status line, export, earlier questions): the question and
        a progress line, in LLM mode the model's draft as it writes, then the checked answer in
        the draft's place. `asked`: the conversation's earlier questions as typed, so a
        follow-up is read with them."""
        history, earlier = list(history or []), list(asked or [])
        typed = question or ""
        question = typed.strip()
        if not question:
            yield history, typed, EMPTY, gr.update(), earlier
            return
        if len(question) > self.s.max_question_chars:
            yield history, typed, too_long(len(question), self.s.max_question_chars), gr.update(), earlier
            return
        try:
            filters = form_filters(forces, report_types, areas, year_from, year_to, case_studies, recommendations)
        except AssistantError as exc:
            yield history, typed, results.warning(exc), gr.update(), earlier
            return
        key = f"a{1 + sum(1 for m in history if m.get('role') == 'assistant')}"  # this answer's ids
        caption = views.filters_caption(filters)
        shown = views.esc_markdown(question) + (f"\n\n{caption}" if caption else "")
        history += [{"role": "user", "content": shown}, {"role": "assistant", "content": SEARCHING}]
        yield history, "", "", gr.update(value=None, interactive=False), earlier
        try:
            answer = yield from self._drafts(self.a.ask_stream(question, mode=mode, k=int(k), filters=filters,
                                                               history=earlier), history, earlier)
        except InvalidRequest as exc:  # the question itself: back into the box to edit
            yield history[:-2], typed, results.warning(exc), gr.update(), earlier
            return
        except AssistantError as exc:  # LLM down (even mid-reply), index busy: said in the chat
            history[-1] = {"role": "assistant", "content": results.warning(exc)}
            yield history, typed, "", gr.update(), earlier
            return
        history[-1] = {"role": "assistant", "content": views.chat_markdown(answer, key, self.a.section)}
        export = self._export(views.answer_export(answer), "answer", ".md")
        yield history, "", "", gr.update(value=export, interactive=True), [*earlier, question]

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


@dataclass
class AskPage:
    """The Ask page's components other pages' wiring needs."""

    forces: gr.Dropdown
    years: tuple[gr.Dropdown, gr.Dropdown]
    examples: list[tuple[gr.Button, object]]  # (button, settings.Example)


def _show_chat(question, history):
    """Before asking: the chat replaces the first screen once there is something to show."""
    started = bool((question or "").strip()) or bool(history)
    return gr.update(visible=started), gr.update(visible=not started)


def ask_page(app, values: dict[str, list]) -> AskPage:
    """Build the Ask page inside the current tab."""
    s = app.s
    llm = bool(s.llm.base_url)
    with gr.Column(elem_id="welcome") as welcome:
        gr.Markdown("## Start here\nAsk about what inspectors found, recommended and saw change; open a "
                    "report's case studies; compare forces. Or click an example:")
        examples = []
        with gr.Row(equal_height=False):
            for who, title in WHO.items():
                mine = [e for e in s.app.examples if e.who == who]
                if not mine:
                    continue
                with gr.Column(min_width=220, elem_classes=["example-group"]):
                    gr.Markdown(f"### {title}")
                    for example in mine:
                        examples.append((gr.Button(example.text, size="sm", elem_classes=["example"]), example))
    chat = gr.Chatbot(label="Conversation", show_label=False, height="60vh", elem_id="chat", visible=False,
                      latex_delimiters=[], buttons=["copy"], layout="panel")
    with gr.Row(equal_height=True):
        question = gr.Textbox(label="Your question", lines=1, max_lines=8, scale=5, min_width=300, elem_id="question",
                              placeholder="e.g. How did forces handle reactive management of registered sex offenders?")
        with gr.Column(scale=1, min_width=120):
            send = gr.Button("Ask", variant="primary", elem_id="ask-button")
            stop = gr.Button("Stop", variant="stop", elem_id="stop-button")
    status = gr.Markdown(elem_id="ask-status")
    with gr.Accordion("Narrow the search (applies to the next question)", open=False, elem_id="ask-filters"):
        with gr.Row():
            forces = gr.Dropdown(values["forces"], multiselect=True, label="Forces (all if none chosen)",
                                 elem_id="ask-forces")
            types = gr.Dropdown(values["report_types"], multiselect=True, label="Report type (all if none chosen)")
        with gr.Row():
            y_from = gr.Dropdown(values["years"], value=None, label="From year (inspection or review)",
                                 elem_id="ask-year-from")
            y_to = gr.Dropdown(values["years"], value=None, label="To year", elem_id="ask-year-to")
        with gr.Accordion("More settings", open=False, elem_id="ask-advanced"):
            areas = gr.Dropdown(values["areas"], multiselect=True, label="Inspection area (all if none chosen)")
            with gr.Row():
                cases = gr.Checkbox(label="Only case studies")
                recs = gr.Checkbox(label="Only recommendations")
            k = gr.Slider(1, s.app.max_k, value=s.retrieval.top_k, step=1, label="How many passages to read",
                          info="More passages can find more forces; fewer keep the answer focused.")
            mode = gr.Radio([("Quotes from the reports", "extractive"),
                             ("Written by the language model, checked against the reports", "llm")],
                            value="extractive", label="How answers are written", visible=llm, elem_id="ask-mode")
            if not llm:
                gr.Markdown("Answers quote the reports sentence by sentence. A language-model mode is available "
                            "when the app is configured with one.")
    with gr.Row():
        export = gr.DownloadButton("Export answer (Markdown)", interactive=False, elem_id="export-answer")
        clear = gr.ClearButton(value="New conversation", elem_id="new-conversation")
    earlier = gr.State([])  # the conversation's questions as typed, for follow-ups
    inputs = [question, chat, earlier, forces, types, areas, y_from, y_to, cases, recs, mode, k]
    outputs = [chat, question, status, export, earlier]
    shown = gr.on([question.submit, send.click], _show_chat, [question, chat], [chat, welcome],
                  api_visibility="private", queue=False)
    run = shown.then(app.ask, inputs, outputs, api_name="chat", api_visibility="private")
    runs = [run]
    for button, example in examples:
        if example.page == "ask":
            runs.append(button.click(lambda text=example.text: (text, gr.update(visible=True), gr.update(visible=False)),
                                     None, [question, chat, welcome], api_visibility="private", queue=False
                                     ).then(app.ask, inputs, outputs, api_visibility="private"))
    stop.click(app.stop, chat, chat, cancels=runs, api_visibility="private")
    clear.add([chat, question, status])
    clear.click(lambda: ([], gr.update(value=None, interactive=False), gr.update(visible=False), gr.update(visible=True)),
                None, [earlier, export, chat, welcome], api_visibility="private")
    return AskPage(forces, (y_from, y_to), examples)
