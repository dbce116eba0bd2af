"""Validate the hand-written gold set against the report corpus."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Plain `pytest` (unlike `python -m pytest`) does not put the repo root on sys.path.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from eval.gold import DEFAULT_GOLD, QUESTION_TYPES, load_gold, normalize  # noqa: E402
from ingest.read_text import read_text  # noqa: E402
from ingest.structure import parse_report  # noqa: E402

REPORTS_DIR = ROOT / "data" / "reports"


@pytest.fixture(scope="module")
def gold():
    return load_gold(DEFAULT_GOLD)


@pytest.fixture(scope="module")
def report_text() -> dict[str, str]:
    """Map force -> normalised report text.

    Forces come from parsing each report, so renamed or added exports are
    picked up without hard-coding file names.
    """
    found: dict[str, str] = {}
    for path in sorted(REPORTS_DIR.glob("*.txt")):
        force = parse_report(read_text(path, path.read_bytes())).meta.force
        assert force not in found, f"two reports parse as {force}"
        found[force] = normalize(path.read_text(encoding="utf-8"))
    return found


def test_size_and_mix(gold):
    counts = Counter(q.type for q in gold)
    assert len(gold) >= 60
    assert counts["unanswerable"] >= 6
    assert set(counts) == set(QUESTION_TYPES)


def test_every_force_is_covered(gold, report_text):
    covered = {f for q in gold for f in q.relevant_forces}
    assert covered == set(report_text)


def test_comparative_questions_span_forces(gold):
    for q in gold:
        if q.type == "comparative":
            assert len({e.force for e in q.evidence}) >= 2, q.id
            assert {e.force for e in q.evidence} == set(q.relevant_forces), q.id


def test_quotes_occur_exactly_once(gold, report_text):
    problems = []
    for q in gold:
        for ev in q.evidence:
            n = report_text[ev.force].count(normalize(ev.quote))
            if n != 1:
                problems.append(f"{q.id} ({ev.force}, {n}x): {ev.quote}")
    assert not problems, "\n".join(problems)


def test_answer_facts_occur_in_relevant_reports(gold, report_text):
    problems = []
    for q in gold:
        for fact in q.answer_facts:
            if not any(normalize(fact) in report_text[f] for f in q.relevant_forces):
                problems.append(f"{q.id}: {fact!r}")
    assert not problems, "\n".join(problems)


def test_normalize_folds_markup_and_typography():
    raw = "**The** [police \\(PCC\\)](#) <i>said</i>\u00a0\u2018don\u2019t\u2019 \u2013 \u2022 x\n  y"
    assert normalize(raw) == "the police (pcc) said 'don't' - x y"


_GOOD = {
    "id": "t-01",
    "type": "factual",
    "question": "q?",
    "relevant_forces": ["Cheshire"],
    "evidence": [{"force": "Cheshire", "quote": "one two three four five six seven eight"}],
    "answer_facts": [],
    "reference_answer": "a",
}


def _line(**changes) -> str:
    obj = {**_GOOD, **changes}
    return json.dumps({k: v for k, v in obj.items() if v is not ...})


@pytest.mark.parametrize(
    "bad_line, message",
    [
        (_line(type="opinion"), "unknown type"),
        (_line(evidence=[{"force": "Cheshire", "quote": "only five words in here"}]), "5 words"),
        (_line(id="t-00"), "duplicate id"),
        (_line(reference_answer=...), "missing fields"),
        ("{not json", "invalid JSON"),
        (_line(type="unanswerable"), "unanswerable question must have no"),
        (_line(evidence=[]), "no evidence"),
        (_line(relevant_forces=["Cheshire", "Lancashire"],
               evidence=[{"force": "Kent", "quote": "one two three four five six seven eight"}]),
         "not in relevant_forces"),
        (_line(relevant_forces="Cheshire"), "must be list"),
        (_line(history="What about Cheshire?"), "field 'history' must be list"),
        (_line(history=[]), "history must be a non-empty list"),
        (_line(history=["How did Cheshire respond?", "  "]), "history must be a non-empty list"),
        (_line(history=["How did Cheshire respond?", 3]), "history must be a non-empty list"),
        (_line(histroy=["typo"]), "extra fields ['histroy']"),
    ],
)
def test_load_gold_rejects_malformed(tmp_path, bad_line, message):
    path = tmp_path / "gold.jsonl"
    # Line 1 is valid (id t-00) so the error must point at line 2.
    path.write_text(_line(id="t-00") + "\n" + bad_line + "\n", encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_gold(path)
    assert f"{path}:2" in str(info.value)
    assert message in str(info.value)


def test_load_gold_accepts_valid_file(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(_line() + "\n\n", encoding="utf-8")
    [q] = load_gold(path)
    assert q.relevant_forces == ("Cheshire",) and q.evidence[0].force == "Cheshire"
    assert q.history == () and not q.follow_up  # the field is optional


def test_load_gold_keeps_history_in_order(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(_line(id="fu-01", history=["First question?", "Second one?"]) + "\n", encoding="utf-8")
    [q] = load_gold(path)
    assert q.history == ("First question?", "Second one?") and q.follow_up


def test_follow_up_conversations(gold):
    """At least 15 conversations, each a question whose earlier turns are real questions."""
    follow_ups = [q for q in gold if q.history]
    assert len(follow_ups) >= 15
    assert all(q.id.startswith("fu-") for q in follow_ups)
    assert all(q.history for q in gold if q.id.startswith("fu-"))
    assert all(q.type != "unanswerable" and q.evidence for q in follow_ups)
    assert any(len(q.history) >= 2 for q in follow_ups)  # longer chains too
