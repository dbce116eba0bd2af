"""The app's API: JSON-serialisable results for `gradio_client` (`/ask`, `/search`,
`/case_studies`, `/compare`, `/recommendations`). Type hints here are what Gradio documents to API users."""

from __future__ import annotations

import gradio as gr

from assistant import Assistant
from assistant.errors import AssistantError
from assistant.records import Filters


def years_span(first: int | None, last: int | None) -> tuple[int, int] | None:
    """A year filter from two optional form fields (either alone means that one year)."""
    if first is None and last is None:
        return None
    first = last if first is None else first
    last = first if last is None else last
    return int(first), int(last)


def form_filters(forces=None, report_types=None, areas=None, year_from=None, year_to=None,
                 case_studies=False, recommendations=False) -> Filters:
    """The filters of a form or an API call, as one value."""
    return Filters.build(forces or None, report_types or None, areas or None, years_span(year_from, year_to),
                         bool(case_studies), bool(recommendations))


class Endpoints:
    """Thin wrappers: validation errors become `gr.Error`s, which clients receive as messages."""

    def __init__(self, a: Assistant):
        self.a = a

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AssistantError as exc:
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
        filters = self._call(form_filters, forces, report_types, areas, year_from, year_to, case_studies,
                             recommendations)
        answer = self._call(self.a.ask, question, mode=mode, k=k, filters=filters)
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
        filters = self._call(form_filters, forces, report_types, areas, year_from, year_to, case_studies,
                             recommendations)
        passages = self._call(self.a.search, question, k=k, filters=filters)
        return [p.to_dict() for p in passages]

    def case_studies(self, topic: str, k: int = 10, forces: list[str] | None = None) -> list[dict]:
        """Whole case studies on a topic, most relevant first."""
        return [c.to_dict() for c in self._call(self.a.case_studies, topic, k=k, forces=forces)]

    def compare(self, theme: str, forces: list[str] | None = None) -> dict:
        """One row per force on a theme, with cited key findings or 'no evidence found'."""
        return self._call(self.a.compare, theme, forces=forces).to_dict()

    def recommendations(
        self,
        forces: list[str] | None = None,
        areas: list[str] | None = None,
        report_types: list[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
    ) -> list[dict]:
        """Every recommendation the reports make (years: the year it was made), whole, with what
        a later review found."""
        years = self._call(years_span, year_from, year_to)
        return [r.to_dict() for r in self._call(self.a.recommendations, forces, areas, report_types, years)]

    def register(self) -> None:
        """Declare the endpoints inside a `gr.Blocks` context."""
        for fn in (self.ask, self.search, self.case_studies, self.compare, self.recommendations):
            gr.api(fn, api_name=fn.__name__)
