"""The app's API: JSON-serialisable results for `gradio_client` (`/ask`, `/search`,
`/case_studies`, `/compare`, `/recommendations`), and the same functions
as MCP tools when `app.mcp_server` is on (app.py launches Gradio's MCP server).

Type hints and the docstrings' Args sections are what Gradio documents to API users and
what MCP clients see as each tool's description and typed parameters. The endpoints run
outside Gradio's queue: an MCP call then runs in-process (Gradio's queued path calls back
into the app over HTTP without the caller's login, which an app with a password refuses).
"""

from __future__ import annotations

import json

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


def plain(value):
    """Plain JSON values (scores are numpy floats): what the API and MCP tools return."""
    return json.loads(json.dumps(value, default=float))


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
        history: list[str] | None = None,
    ) -> dict:
        """Answer a question from the HMICFRS child protection inspection reports: every sentence
        of the answer is quoted from a report and cited [n] to a passage in `citations`, or the
        answer abstains and says why.

        Args:
            question: the question, in plain English (a follow-up may lean on `history`).
            mode: "extractive" (quoted sentences) or "llm" (a language model's answer, checked against the passages; only when the app has one configured).
            k: how many passages to read (1-30).
            forces: only these police forces' reports (names as the collection spells them).
            report_types: only these report types, e.g. "inspection", "post-inspection review".
            areas: only these inspection framework areas, e.g. "Initial contact".
            year_from: only reports inspected or reviewed in or after this year.
            year_to: only reports inspected or reviewed in or before this year.
            case_studies: only passages from case studies.
            recommendations: only recommendation passages.
            history: the conversation's earlier questions, oldest first, so a follow-up ("and in Cheshire?") is read with them.

        Returns:
            The answer: question, resolved_question (a follow-up made standalone), text (Markdown with [n] markers), sentences, coverage (every report in scope, found or not), citations (passages with force, report, dates, section, offsets, text), abstained, notes.
        """
        filters = self._call(form_filters, forces, report_types, areas, year_from, year_to, case_studies,
                             recommendations)
        answer = self._call(self.a.ask, question, mode=mode, k=k, filters=filters, history=history or None)
        return plain(answer.to_dict())

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
        """The passages of the inspection reports most relevant to a question, best first.

        Args:
            question: what to look for, in plain English.
            k: how many passages (1-30).
            forces: only these police forces' reports.
            report_types: only these report types, e.g. "inspection", "post-inspection review".
            areas: only these inspection framework areas.
            year_from: only reports inspected or reviewed in or after this year.
            year_to: only reports inspected or reviewed in or before this year.
            case_studies: only passages from case studies.
            recommendations: only recommendation passages.

        Returns:
            Passages with text, force, report title and type, inspected and published dates, section, character offsets and score.
        """
        filters = self._call(form_filters, forces, report_types, areas, year_from, year_to, case_studies,
                             recommendations)
        passages = self._call(self.a.search, question, k=k, filters=filters)
        return plain([p.to_dict() for p in passages])

    def case_studies(self, topic: str, k: int = 10, forces: list[str] | None = None) -> list[dict]:
        """Whole case studies from the reports on a topic, most relevant first (for training).

        Args:
            topic: what the cases should be about, e.g. "child sexual exploitation".
            k: how many case studies at most.
            forces: only these police forces' reports.

        Returns:
            Case studies with title (what happened), force, report, dates, section, themes, matched (why it matched), the whole case text and its passages.
        """
        return plain([c.to_dict() for c in self._call(self.a.case_studies, topic, k=k, forces=forces)])

    def compare(self, theme: str, forces: list[str] | None = None) -> dict:
        """Compare police forces on a theme: one row per force with its reports (and their dates) and cited key findings, or "no evidence found".

        Args:
            theme: what to compare, e.g. "appropriate adults for children in custody".
            forces: only these forces (all forces in the collection if empty).

        Returns:
            The comparison: theme, rows (force, reports, found, quotes, coverage with dates), citations (the quoted passages), notes.
        """
        return plain(self._call(self.a.compare, theme, forces=forces).to_dict())

    def recommendations(
        self,
        forces: list[str] | None = None,
        areas: list[str] | None = None,
        report_types: list[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
    ) -> list[dict]:
        """Every recommendation the inspection reports make (a review repeats the inspection's), whole, with its timescale, area, the year it was made and what a later review found on it.

        Args:
            forces: only these police forces' recommendations.
            areas: only these inspection framework areas, e.g. "Initial contact".
            report_types: only these report types, e.g. "inspection", "post-inspection review".
            year_from: only recommendations made in or after this year.
            year_to: only recommendations made in or before this year.

        Returns:
            Recommendations with force, report, dates, area, text, timescale, the passage it stands in and the review's findings on its area.
        """
        years = self._call(years_span, year_from, year_to)
        return plain([r.to_dict() for r in self._call(self.a.recommendations, forces, areas, report_types, years)])

    def register(self) -> None:
        """Declare the endpoints inside a `gr.Blocks` context (API and MCP tools alike)."""
        for fn in (self.ask, self.search, self.case_studies, self.compare, self.recommendations):
            gr.api(fn, api_name=fn.__name__, queue=False)
