"""LLM mode against the real replies of a small model (Qwen2.5-Coder-1.5B on llama.cpp's server,
2 CPU cores; tests/fixtures/llm-replies), replayed by a loopback OpenAI-compatible server to
whichever recorded question the prompt asks, over the index of the bundled reports."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from assistant import Assistant
from assistant.answer.llm import answer_with_llm
from assistant.answer.replies import support
from assistant.settings import AnswerSettings, LLMSettings
from fakellm import FakeLLM, recorded, recorded_passages, replay

CASES = recorded()
DECLINED, UNCITED = CASES[:2], CASES[2]
NOTE = re.compile(r"^_The model's reply was not used: (?P<why>[^\n]+)\. This is the extractive answer from the "
                  r"same passages\._\n\n")



@pytest.fixture
def server(server: FakeLLM) -> FakeLLM:  # conftest's, replaying the recorded replies
    server.reply = replay()
    return server


@pytest.fixture
def assistant(bundled, server) -> Assistant:
    llm = LLMSettings(base_url=server.url, model="qwen2.5-coder-1.5b", timeout_s=30)
    return Assistant(bundled.settings.model_copy(update={"llm": llm}), bundled.store, bundled.embedder)


@pytest.mark.parametrize("case", DECLINED + [UNCITED], ids=["declines-rso", "declines-count", "uncited"])
def test_an_unusable_reply_gives_way_to_the_extractive_answer_for_the_same_passages(assistant, server, case):
    answer = assistant.ask(case["question"], mode="llm")
    extractive = assistant.ask(case["question"], mode="extractive")
    note = NOTE.match(answer.text)
    assert note, answer.text
    assert answer.text[note.end():] == extractive.text and answer.citations == extractive.citations
    assert answer.mode == "extractive" and answer.fallback == note["why"] and not answer.abstained
    assert answer.passages == extractive.passages
    if case in DECLINED:
        assert "the model said the passages do not answer this" in answer.fallback
    else:
        assert answer.fallback == "none of its sentences cited a passage"
        removed = [n for n in answer.notes if n.startswith("removed uncited sentence: ")]
        assert len(removed) == 3 and all(n.split(": ", 1)[1] in case["reply"] for n in removed)
    assert len(server.requests) == 1


def _with_marker_line(body: dict) -> str:
    """The uncited Lancashire reply with one line of markers for every passage in the prompt,
    as the model wrote it when given 10 passages."""
    supplied = body["messages"][-1]["content"].count('<passage id="')
    return UNCITED["reply"] + "\n" + "".join(f"[{n}]" for n in range(1, supplied + 1))


def test_a_trailing_line_of_markers_is_never_the_answer(assistant, server):
    server.reply = _with_marker_line
    answer = assistant.ask(UNCITED["question"], mode="llm", k=10)
    assert answer.mode == "llm" and not answer.fallback and not answer.abstained
    sentences = re.split(r"(?<=\]\.) ", answer.text)
    assert all(not re.fullmatch(r"[\[\]\d\s.,]*", s) for s in answer.text.splitlines())  # no marker-only line
    assert len(sentences) >= 2 and all(len(re.findall(r"\[\d+\]", s)) == 1 for s in sentences)
    for sentence in sentences:  # each cites the passage that supports it
        n = int(re.search(r"\[(\d+)\]", sentence)[1])
        assert support(re.sub(r"\[\d+\]", "", sentence), [answer.citations[n - 1]]) >= AnswerSettings().min_support
        assert sentence.replace(f" [{n}]", "") in UNCITED["reply"]


def test_the_prompt_keeps_to_its_token_budget_best_passages_first(bundled, server):
    llm = LLMSettings(base_url=server.url, model="m", timeout_s=30, prompt_tokens=900)
    a = Assistant(bundled.settings.model_copy(update={"llm": llm}), bundled.store, bundled.embedder)
    question = CASES[0]["question"]
    answer = a.ask(question, mode="llm", k=10)
    system, user = (m["content"] for m in server.requests[0]["messages"])
    assert sum(bundled.embedder.count_tokens([system, user])) <= 900 + 10  # counted in pieces: a little slack
    sent = re.findall(r'<passage id="\d+" force="([^"]*)" report="[^"]*" section="([^"]*)"', user)
    ranked = a.search(question, k=10)
    in_prompt = [(p.force, re.sub(r'["<>\n]', " ", p.section)) for p in ranked]  # as attributes are written
    assert 1 <= len(sent) < 10 and sent == in_prompt[: len(sent)]
    assert f"{10 - len(sent)} of 10 passages were left out of the prompt" in " ".join(answer.notes)


def test_report_footnotes_reach_neither_the_prompt_nor_the_citations(server, embedder):
    passages = recorded_passages(UNCITED)  # passage 3 quotes "the National Decision Model[3] would help"
    server.reply = ('The review found that "Tools such as THRIVE or the National Decision Model[3] would help the '
                    'force to make further improvements" [3].')
    llm = LLMSettings(base_url=server.url, model="m", timeout_s=30)
    answer = answer_with_llm(UNCITED["question"], passages, llm, AnswerSettings(), embedder)
    assert "Model[3]" not in server.requests[0]["messages"][-1]["content"]
    assert [p.id for p in answer.citations] == ["p3"] and answer.text.endswith("improvements\" [1].")


@pytest.mark.slow
def test_cli_prints_the_checked_answer_with_the_fallback_note(bundled, server):
    env = {**os.environ, "EA_INDEX_DIR": str(bundled.settings.index_dir), "EA_LLM__BASE_URL": server.url,
           "EA_LLM__MODEL": "m", "EA_LLM__TIMEOUT_S": "30"}
    done = subprocess.run([sys.executable, "-m", "assistant", "ask", DECLINED[0]["question"], "--mode", "llm"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("_The model's reply was not used: the model said the passages do not answer")
    assert "The passages do not answer this" not in done.stdout and "\nSources:\n[1] " in done.stdout
    assert server.requests and server.requests[0]["stream"] is True
