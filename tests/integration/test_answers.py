"""Retrieval, filters, comparative coverage, extractive answers and abstention on the bundled index."""

from __future__ import annotations

import re

import json

import pytest

from assistant.__main__ import main as cli_main

RSO_QUESTION = "How did forces handle reactive management of registered sex offenders?"


def test_glossary_built_from_the_reports_links_acronyms(bundled):
    g = bundled.pipeline.corpus.glossary
    assert "registered sex offender" in g.long["rso"]
    assert "multi agency safeguarding hub" in g.long["mash"]


def test_acronym_and_long_form_find_the_same_evidence(bundled):
    short = {p.id for p in bundled.search("reactive RSO management", k=10)}
    long = {p.id for p in bundled.search("reactive management of registered sex offenders", k=10)}
    assert len(short & long) >= 5


def test_search_respects_filters(bundled):
    only = bundled.search("missing children", k=8, forces=["cheshire"])
    assert only and {p.force for p in only} == {"Cheshire"}
    reviews = bundled.search("missing children", k=8, report_types="post-inspection review")
    assert {p.report_type for p in reviews} == {"post-inspection review"}
    cases = bundled.search("missing children", k=8, case_studies=True)
    assert cases and all(p.is_case_study for p in cases)
    recs = bundled.search("custody", k=8, recommendations=True)
    assert recs and all(p.is_recommendation for p in recs)
    area = bundled.search("custody", k=8, areas=["Police detention"])
    assert area and {p.area for p in area} == {"Police detention"}
    years = bundled.search("custody", k=8, years=(2020, 2022))
    assert years and all(2020 <= p.year <= 2022 for p in years)


def test_unknown_filter_values_are_refused_with_the_valid_ones(bundled):
    with pytest.raises(ValueError, match="Cambridgeshire, Cheshire"):
        bundled.search("custody", forces=["Kent"])
    with pytest.raises(ValueError, match="k must be greater than 0"):
        bundled.search("custody", k=0)


def test_comparative_question_covers_every_force_with_evidence(bundled):
    top = bundled.search(RSO_QUESTION, k=10)
    # Reactive management of RSOs is discussed in these reports (read by the test's author).
    assert {"Cambridgeshire", "Merseyside", "Staffordshire"} <= {p.force for p in top}


def fold(text: str) -> str:
    return " ".join(text.split())


def test_extractive_answer_quotes_and_cites_verbatim(bundled):
    answer = bundled.ask(RSO_QUESTION)
    assert not answer.abstained and answer.mode == "extractive"
    assert len({c.force for c in answer.citations}) >= 2
    lead, *quoted = answer.sentences
    assert lead.role == "lead" and not lead.citations and answer.text.startswith(lead.text)
    assert quoted and all(s.citations for s in quoted)
    for s in quoted:
        (n,) = s.citations
        passage = answer.citations[n - 1]
        assert fold(s.text) in fold(passage.text), (s.text, passage.id)  # word for word
        assert s.force == passage.force
        assert f"{s.text} [{n}]" in answer.text  # the Markdown says the same
    # Citations are numbered in order of first use, and every one is used.
    first_use = list(dict.fromkeys(s.citations[0] for s in quoted))
    assert first_use == list(range(1, len(answer.citations) + 1))


def test_answer_sentences_come_from_their_passages(bundled):
    answer = bundled.ask("How quickly do appropriate adults arrive for children in custody?")
    assert not answer.abstained and answer.citations
    cited = 0
    for line in answer.text.splitlines():
        for sentence, numbers in re.findall(r"^\s*(?:- )?(.+?) ((?:\[\d+\])+)$", line):
            for n in map(int, re.findall(r"\d+", numbers)):
                passage = answer.citations[n - 1]
                text, quote = fold(passage.text), fold(sentence)
                assert quote in text, (sentence, passage.id)  # word for word
                # whole sentences or list items, never a piece of one: it starts where one does
                at = text.index(quote)
                assert at == 0 or text[at - 2:at] in (". ", "? ", "! ", ": ", "- ", "; ", '" ', "” "), sentence
                cited += 1
    assert cited >= len(answer.citations)  # every citation is used by some sentence


def test_abstains_for_a_force_outside_the_corpus(bundled):
    answer = bundled.ask("How does Northumbria Police handle children who go missing from care homes?")
    assert answer.abstained and not answer.citations
    assert "Northumbria" in answer.text and "Cambridgeshire" in answer.text
    # Passages on the topic from the forces it does cover pass the floor: listed, as not an answer.
    assert answer.passages and "not an answer" in answer.text
    assert all("missing" in p.text.lower() for p in answer.passages)


def test_abstains_for_a_topic_the_reports_do_not_cover(bundled):
    answer = bundled.ask("What is the best recipe for a Victoria sponge cake?")
    assert answer.abstained and "do not answer" in answer.text


def test_answers_a_plain_factual_question(bundled):
    answer = bundled.ask("How many child protection cases did inspectors audit in Cheshire in 2023?")
    assert not answer.abstained
    assert "38" in answer.text and answer.citations[0].force == "Cheshire"


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01", "x" * 20_000])
def test_unusable_questions_get_a_clear_error(bundled, question):
    with pytest.raises(ValueError, match="question|Ask"):
        bundled.ask(question)


@pytest.mark.parametrize("question", [
    "<script>alert(1)</script> missing children",
    "'; DROP TABLE passages; --",
    "¿Cómo gestiona la policía a los niños desaparecidos?",
])
def test_odd_questions_get_a_normal_answer_or_abstention(bundled, question):
    answer = bundled.ask(question)
    if "missing children" in question:  # markup around a real question: the question is answered
        assert not answer.abstained and "<script>" not in answer.text
        assert all("missing" in c.text.lower() for c in answer.citations[:3])
    else:  # no English content words the reports use: an abstention that says why
        assert answer.abstained and not answer.citations and "do not answer" in answer.text


def test_cli_json_holds_answer_citations_and_abstained(bundled, capsys, monkeypatch):
    monkeypatch.setenv("EA_INDEX_DIR", str(bundled.settings.index_dir))
    assert cli_main(["ask", RSO_QUESTION, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["abstained"] is False and data["text"]
    first = data["citations"][0]
    assert {"force", "report_title", "section", "source", "start", "end"} <= set(first)
    assert cli_main(["search", "missing children", "-k", "3", "--json", "--force", "Cheshire"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and {r["force"] for r in rows} == {"Cheshire"}
    assert cli_main(["ask", "custody", "--force", "Kent"]) == 2
    assert "unknown forces" in capsys.readouterr().err


@pytest.mark.parametrize("question", [
    "Do officers carry Tasers when they visit registered sex offenders?",
    "How much do child protection officers pay into their pensions?",
])
def test_abstains_when_the_topic_word_is_foreign_to_the_reports(bundled, question):
    answer = bundled.ask(question)
    assert answer.abstained and "never discuss" in answer.text


@pytest.mark.parametrize("question", [
    "How quickly do appropriate adults turn up when kids are held in custody?",
    "Give me an example where a teenager went missing and police were slow to respond",
])
def test_everyday_words_for_report_topics_do_not_cause_abstention(bundled, question):
    assert not bundled.ask(question).abstained


def test_an_empty_index_says_to_ingest_first(make_assistant):
    answer = make_assistant().ask("How are missing children handled?")
    assert answer.abstained and "python -m ingest" in answer.text and answer.citations == []


def test_cli_reads_a_follow_up_with_its_history(bundled, capsys, monkeypatch):
    monkeypatch.setenv("EA_INDEX_DIR", str(bundled.settings.index_dir))
    assert cli_main(["ask", "and what about Staffordshire?", "--history", "How did Cheshire respond to missing children?",
                     "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["question"] == "and what about Staffordshire?"
    assert answer["resolved_question"] == "How did Staffordshire respond to missing children?"
    assert {c["force"] for c in answer["citations"]} == {"Staffordshire"} and not answer["abstained"]
