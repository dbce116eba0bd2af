"""The recommendations section of `python -m eval`.

Two checks: (1) per report, how many recommendations the tracker parsed against how many the
report says it made (when it says: "We made nine recommendations"); (2) the gold set's
recommendation questions: evidence recall within the character budget, MRR, answer-fact
coverage, citation support, and whether the answer shows a recommendation whole (every line
of some tracked recommendation, its list points included, is in the answer).
"""

from __future__ import annotations

from typing import Any

from assistant.api import Assistant
from assistant.records import Recommendation
from eval import metrics as m
from eval.gold import normalize
from eval.runner import ASSISTANT

QUESTION_METRICS = ("evidence_recall_chars", "evidence_recall_k", "mrr", "answer_fact_coverage", "citation_support")


def shows_whole(answer_text: str, recs: list[Recommendation]) -> bool:
    """Does the answer carry every line of at least one recommendation?"""
    text = normalize(answer_text)
    return any(all(normalize(line.strip().removeprefix("- ")) in text for line in r.text.split("\n")) for r in recs)


def section(assistant: Assistant, results: dict[str, Any]) -> dict[str, Any]:
    """Counts per report, and the recommendation questions' figures (assistant only)."""
    reports = [{"force": r.force, "report": r.report_title, "report_type": r.report_type,
                "parsed": r.recommendations, "stated": r.stated_recommendations,
                "agrees": None if r.stated_recommendations is None else r.recommendations == r.stated_recommendations}
               for r in assistant.reports()]
    recs = assistant.recommendations()
    questions = []
    for q in results["systems"][ASSISTANT]["questions"]:
        if q["type"] != "recommendation":
            continue
        row = {"id": q["id"], **{name: q["metrics"].get(name) for name in QUESTION_METRICS}}
        row["whole_recommendation"] = float(shows_whole(q["answer"], recs)) if "answer" in q else None
        questions.append(row)
    summary = {name: m.mean([q[name] for q in questions]) for name in (*QUESTION_METRICS, "whole_recommendation")}
    stated = [r for r in reports if r["agrees"] is not None]
    summary["reports_stating_a_count"] = len(stated)
    summary["counts_agreeing"] = sum(r["agrees"] for r in stated)
    summary["recommendations_tracked"] = len(recs)
    return {"reports": reports, "questions": questions, "summary": summary}


def _n(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def tables(sec: dict[str, Any]) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
    """(header, rows) of the per-report counts, then of the per-question figures (a mean row last)."""
    count_header = ["force", "report type", "parsed", "stated", "agrees"]
    counts = [[r["force"], r["report_type"], _n(r["parsed"]), _n(r["stated"]),
               "–" if r["agrees"] is None else ("yes" if r["agrees"] else "NO")] for r in sec["reports"]]
    names = (*QUESTION_METRICS, "whole_recommendation")
    q_header = ["question", *names]
    q_rows = [[q["id"], *(_n(q[n]) for n in names)] for q in sec["questions"]]
    q_rows.append(["mean", *(_n(sec["summary"][n]) for n in names)])
    return count_header, counts, q_header, q_rows


def markdown(sec: dict[str, Any], md_table) -> str:
    count_header, counts, q_header, q_rows = tables(sec)
    s = sec["summary"]
    return "\n".join([
        "## Recommendations", "",
        f"{s['recommendations_tracked']} recommendations tracked; {s['counts_agreeing']} of "
        f"{s['reports_stating_a_count']} reports that state a count agree with the parsed count.", "",
        md_table(count_header, counts), "", md_table(q_header, q_rows), "",
    ])


def print_section(sec: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    count_header, counts, q_header, q_rows = tables(sec)
    console = Console(width=160)
    for title, header, body in (("Recommendations parsed per report", count_header, counts),
                                ("Recommendation questions (assistant)", q_header, q_rows)):
        table = Table(title=title)
        for name in header:
            table.add_column(name, justify="left" if name in ("force", "report type", "question") else "right")
        for row in body:
            table.add_row(*row)
        console.print(table)
