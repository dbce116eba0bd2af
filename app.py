"""The Gradio app: `python app.py` serves it on 127.0.0.1:7860 (see settings)."""

from __future__ import annotations

import assistant.offline  # noqa: F401  (before gradio is imported)

import html

import gradio as gr

from assistant import Assistant


def corpus_rows(a: Assistant) -> list[list]:
    return [
        [r.force, r.report_title, r.report_type, r.inspected or "", r.published or "", r.chunks]
        for r in a.reports()
    ]


def search_rows(a: Assistant, query: str, k: int) -> list[list]:
    query = (query or "").strip()
    if not query:
        raise gr.Error("Type a question or some words to search for.")
    try:
        passages = a.search(query, k=int(k))
    except ValueError as exc:
        raise gr.Error(str(exc)) from exc
    return [[f"{p.score:.2f}", p.force, p.report_type, p.section, p.text] for p in passages]


def answer_markdown(a: Assistant, question: str) -> str:
    """The extractive answer and its sources, with document text escaped."""
    try:
        answer = a.ask(question or "")
    except ValueError as exc:
        raise gr.Error(str(exc)) from exc
    parts = [html.escape(answer.text, quote=False)]
    listed = answer.citations or answer.passages[:5]
    if listed:
        parts.append("\n**Sources**" if answer.citations else "\n**Nearest passages**")
        for n, p in enumerate(listed, start=1):
            parts.append(f"{n}. {html.escape(p.force)} – {html.escape(p.report_title)} – {html.escape(p.section)}")
    return "\n".join(parts)


def build_app(a: Assistant) -> gr.Blocks:
    with gr.Blocks(title="Child protection inspection evidence") as demo:
        gr.Markdown("## Child protection inspection evidence\nHMICFRS national child protection inspection reports.")
        with gr.Tab("Ask"):
            question = gr.Textbox(label="Question", placeholder="How did forces handle reactive RSO management?")
            answer = gr.Markdown()
            question.submit(lambda q: answer_markdown(a, q), question, answer, api_name="ask")
        with gr.Tab("Search"):
            query = gr.Textbox(label="Question", placeholder="How did forces handle reactive RSO management?")
            k = gr.Slider(1, 30, value=a.settings.retrieval.top_k, step=1, label="Passages")
            results = gr.Dataframe(
                headers=["score", "force", "report", "section", "passage"], datatype="str", wrap=True
            )
            query.submit(lambda q, n: search_rows(a, q, n), [query, k], results, api_name="search")
        with gr.Tab("Corpus"):
            gr.Dataframe(
                value=corpus_rows(a),
                headers=["force", "title", "type", "inspected", "published", "chunks"],
                datatype="str",
                interactive=False,
            )
    return demo


def main() -> None:
    a = Assistant.open()
    a.warm_up()
    s = a.settings
    build_app(a).queue(default_concurrency_limit=4).launch(
        server_name=s.server_name, server_port=s.server_port, share=False
    )


if __name__ == "__main__":
    main()
