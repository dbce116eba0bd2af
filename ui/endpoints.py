"""The app's API: JSON-serialisable results for `gradio_client` (`/ask`, `/search`,
`/case_studies`, `/compare`). Type hints here are what Gradio documents to API users."""

from __future__ import annotations

import gradio as gr

from assistant import Assistant


def _years(first: int | None, last: int | None) -> tuple[int, int] | None:
    if first is None and last is None:
        return None
    first = last if first is None else first
    last = first if last is None else last
    return int(first), int(last)


class Endpoints:
    """Thin wrappers: validation errors become `gr.Error`s, which clients receive as messages."""

    def __init__(self, a: Assistant):
        self.a = a

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc

    def ask(
        self,
        question: str,
        mode: str = "extractive",
        k: int = 10,
        forces: list[str] | None = None,
        report_types: list[str] | None = None,
        areas: list[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        case_studies: bool = False,
        recommendations: bool = False,
    ) -> dict:
        """Answer a question with cited sentences: {question, text, citations, abstained, ...}."""
        answer = self._call(
            self.a.ask, question, mode=mode, k=k, forces=forces, report_types=report_types, areas=areas,
            years=_years(year_from, year_to), case_studies=case_studies, recommendations=recommendations,
        )
        return answer.to_dict()

    def search(
        self,
        question: str,
        k: int = 10,
        forces: list[str] | None = None,
        report_types: list[str] | None = None,
        areas: list[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        case_studies: bool = False,
        recommendations: bool = False,
    ) -> list[dict]:
        """The k most relevant passages with their metadata and offsets, best first."""
        passages = self._call(
            self.a.search, question, k=k, forces=forces, report_types=report_types, areas=areas,
            years=_years(year_from, year_to), case_studies=case_studies, recommendations=recommendations,
        )
        return [p.to_dict() for p in passages]

    def case_studies(self, topic: str, k: int = 10, forces: list[str] | None = None) -> list[dict]:
        """Whole case studies on a topic, most relevant first."""
        return [c.to_dict() for c in self._call(self.a.case_studies, topic, k=k, forces=forces)]

    def compare(self, theme: str, forces: list[str] | None = None) -> dict:
        """One row per force on a theme, with cited key findings or 'no evidence found'."""
        return self._call(self.a.compare, theme, forces=forces).to_dict()

    def register(self) -> None:
        """Declare the endpoints inside a `gr.Blocks` context."""
        for fn in (self.ask, self.search, self.case_studies, self.compare):
            gr.api(fn, api_name=fn.__name__)
