"""Command line: `python -m assistant ask "..."`, `python -m assistant search "..."` and
`python -m assistant recommendations [--force NAME ...] [--area NAME] [--json | --csv]`.

Errors are one `error:` line on stderr and an exit code (assistant/errors.py): 2 a bad
question or argument, 4 the Chroma server is down, 5 the LLM endpoint failed.
"""

from __future__ import annotations

import argparse
import json
import sys

from assistant import Assistant
from assistant.errors import run_cli
from assistant.index.tracker import TABLE_HEADER, review_found, table_row
from assistant.records import MODES, Answer, Filters, Passage, Recommendation
from assistant.text import footnote_marks, printable, report_label, to_csv


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="append", dest="forces", metavar="NAME", help="only this force (repeatable)")
    parser.add_argument("--report-type", action="append", dest="report_types", metavar="TYPE")
    parser.add_argument("--area", action="append", dest="areas", metavar="AREA", help="framework area, e.g. 'Initial contact'")
    parser.add_argument("--years", nargs="+", type=int, metavar="YEAR", help="a year, or first and last year")
    parser.add_argument("--case-studies", action="store_true", help="only case studies")
    parser.add_argument("--recommendations", action="store_true", help="only recommendations")
    parser.add_argument("-k", type=int, default=None, help="passages to retrieve")
    parser.add_argument("--history", action="append", default=[], metavar="QUESTION",
                        help="an earlier question of the conversation, oldest first (repeatable): the "
                        "question is read as its follow-up")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question with cited sentences")
    ask.add_argument("question")
    ask.add_argument("--mode", choices=list(MODES), default="extractive")
    _filters(ask)
    search = sub.add_parser("search", help="list the most relevant passages")
    search.add_argument("question")
    _filters(search)
    recs = sub.add_parser("recommendations", help="every recommendation the reports make, and what reviews found")
    recs.add_argument("--force", action="append", dest="forces", metavar="NAME", help="only this force (repeatable)")
    recs.add_argument("--area", action="append", dest="areas", metavar="NAME", help="framework area (repeatable)")
    recs.add_argument("--report-type", action="append", dest="report_types", metavar="TYPE")
    recs.add_argument("--years", nargs="+", type=int, metavar="YEAR", help="made in a year, or first and last year")
    out = recs.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the records as JSON")
    out.add_argument("--csv", action="store_true", help="a table as CSV")
    return parser.parse_args(argv)


def _citation_line(n: int, p: Passage) -> str:
    marks = "".join(f" [{m}]" for m in p.marks)  # uploads and other documents say so
    dates = report_label(p.report_type, p.inspected, p.published)
    return f"[{n}] {p.who} – {p.report_title} ({dates}){marks} – {p.section} ({p.source}:{p.start}-{p.end})"


def print_answer(answer: Answer) -> None:
    if answer.resolved_question and answer.resolved_question != answer.question:
        print(printable(f"(read as: {answer.resolved_question})\n"))
    print(printable(answer.text))
    if answer.citations:
        print("\nSources:")
        for n, p in enumerate(answer.citations, start=1):
            print(printable(_citation_line(n, p)))
    elif answer.passages:
        print("\nClosest passages (not an answer):")
        for n, p in enumerate(answer.passages[:5], start=1):
            print(printable(_citation_line(n, p)))


def print_recommendation(n: int, rec: Recommendation) -> None:
    made = f"made in {rec.made_in}" if rec.made_in else "year made not stated"
    lines = [f"[{n}] {rec.force} · {made} · {rec.area} · {rec.timescale or 'no timescale stated'}",
             f"    {rec.report_title} ({rec.report_type})"]
    lines += [f"    {line}" for line in rec.text.split("\n")]
    found = review_found(rec)
    if found:
        lines.append(f"    The review found ({rec.follow_up[0].report_title}):")
        lines += [f"      {line}" for line in found.split("\n")]
    lines.append(f"    source: {rec.passage.source}:{rec.passage.start}-{rec.passage.end}")
    print(printable("\n".join(lines)) + "\n")


def run_recommendations(a: Assistant, args: argparse.Namespace) -> int:
    recs = a.recommendations(args.forces, args.areas, args.report_types, tuple(args.years) if args.years else None)
    if args.json:
        print(printable(json.dumps([r.to_dict() for r in recs], ensure_ascii=False, indent=2)))
    elif args.csv:
        print(printable(to_csv(TABLE_HEADER, (table_row(r) for r in recs))), end="")
    else:
        for n, rec in enumerate(recs, start=1):
            print_recommendation(n, rec)
        print(f"{len(recs)} recommendation(s).")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.command == "recommendations":
        return run_recommendations(Assistant.open(), args)
    filters = Filters.build(args.forces, args.report_types, args.areas, tuple(args.years) if args.years else None,
                            args.case_studies, args.recommendations)
    a = Assistant.open()
    if args.command == "ask":
        answer = a.ask(args.question, mode=args.mode, k=args.k, filters=filters, history=args.history)
        if args.json:
            print(printable(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2)))
        else:
            print_answer(answer)
        return 0
    passages = a.search(args.question, k=args.k, filters=filters, history=args.history)
    if args.json:
        print(printable(json.dumps([p.to_dict() for p in passages], ensure_ascii=False, indent=2)))
        return 0
    for n, p in enumerate(passages, start=1):
        print(printable(f"{_citation_line(n, p)}  score={p.score:.3f}\n    {footnote_marks(p.text[:300])}\n"))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_cli(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
