"""The findings composer on hand-made passages: whole quotes, findings first, scope, the
ledger and the lead (no model: a Corpus built from the passages' own words)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.compose import FindingsComposer
from assistant.answer.quotes import units
from assistant.index.corpus import Corpus
from assistant.index.glossary import Glossary
from assistant.records import Filters, Passage, Query
from assistant.retrieve.intent import wants_case, wants_figure
from assistant.settings import AnswerSettings
from assistant.text import document_frequencies, terms


def passage(pid: str, force: str, text: str, *, chunk: int = 0, section: str = "Findings",
            case: bool = False, year: int = 2021, score: float = 1.0) -> Passage:
    return Passage(pid, text, force, f"{force} – National child protection inspection", "inspection", "2021-12",
                   "2021-07", year, section, "Missing children", case, False, f"{force}.txt", 0, len(text),
                   doc_id=force.lower(), chunk_index=chunk, score=score)


def corpus(*passages: Passage) -> Corpus:
    return Corpus(list(passages), np.zeros((len(passages), 2), dtype=np.float32), None, Glossary(),
                  [0.0] * len(passages), document_frequencies(p.text for p in passages))


def query(text: str, *, named: tuple[str, ...] = (), comparative: bool = False,
          forces: tuple[str, ...] = ()) -> Query:
    words = frozenset(terms(text)) - {w for f in ("Kent", "Essex", "Dorset") for w in terms(f)}
    return Query(text=text, k=10, filters=Filters(forces=forces), named=named, comparative=comparative,
                 terms=words, asked=text, wants_figure=wants_figure(text), wants_case=wants_case(text))


def fold(text: str) -> str:
    return " ".join(text.split())


# -- quotable units ------------------------------------------------------------------------


def test_a_list_item_comes_with_its_lead_in_and_a_lead_in_with_its_items():
    p = passage("k1", "Kent", "A dip sample of cases showed:\n- a lack of regular checks;\n"
                "- some offenders were visited while on reactive management; and\n- records lacked flags.")
    (unit,) = units(p)
    assert unit.lines[0] == "A dip sample of cases showed:" and len(unit.lines) == 4


def test_items_continuing_the_previous_chunk_take_its_lead_in():
    first = passage("k1", "Kent", "We examined the force's records. A dip sample of cases showed:")
    second = passage("k2", "Kent", "- a lack of regular checks; and\n- records lacked flags.", chunk=1)
    (unit,) = units(second, first)
    assert [u.lines[0] for u in unit.context] == ["A dip sample of cases showed:"]


def test_a_sentence_pointing_back_brings_the_sentence_it_depends_on():
    p = passage("k1", "Kent", "The force makes trigger plans for children missing often. This means plans "
                "should exist for all children missing 5 or more times in 90 days. Officers were trained.")
    opener, this, trained = units(p)
    assert not opener.context and [u.lines for u in this.context] == [opener.lines] and not trained.context


def test_a_sentence_comparing_with_the_one_before_brings_it():
    p = passage("k1", "Kent", "Supervisors had a backlog of 900 plans to approve. We found a similar situation "
                "with visits. The same was true of custody records. Officers used the same system as before.")
    backlog, similar, same, system = units(p)
    assert [u.lines for u in similar.context] == [backlog.lines] and same.context and not system.context


def test_a_paragraph_the_export_broke_is_one_sentence():
    p = passage("k1", "Kent", "We found specialist staff to be committed, yet\nworking to a high standard.")
    (unit,) = units(p)
    assert unit.lines == ("We found specialist staff to be committed, yet working to a high standard.",)


# -- composing -----------------------------------------------------------------------------


KENT = passage("k1", "Kent", "National guidance says forces may manage offenders reactively. At the time of our "
               "inspection, the unit was reactively managing 145 offenders without any review of their status.")
ESSEX = passage("e1", "Essex", "Essex reactively manages offenders only after a risk assessment. Essex reviews "
                "each reactively managed offender every year.")
DORSET = passage("d1", "Dorset", "Dorset has a new custody suite for children detained overnight.")


def compose(q: Query, *passages: Passage, settings: AnswerSettings = AnswerSettings()):
    return FindingsComposer(corpus(KENT, ESSEX, DORSET), settings).compose(q, list(passages))


def test_a_finding_outranks_the_guidance_beside_it_and_carries_the_figure():
    answer = compose(query("How many offenders were reactively managed in Kent?", named=("Kent",)), KENT)
    quoted = [s.text for s in answer.sentences if s.citations]
    assert quoted[0].startswith("At the time of our inspection") and "145" in quoted[0]
    assert answer.sentences[0].role == "lead" and answer.sentences[0].text == \
        "Evidence from the Kent 2021 inspection."


def test_a_question_naming_a_force_is_answered_from_it_alone():
    answer = compose(query("How does Essex manage offenders reactively?", named=("Essex",)), KENT, ESSEX)
    assert {c.force for c in answer.citations} == {"Essex"}
    assert [(e.force, e.found) for e in answer.coverage] == [("Essex", True)]


def test_a_comparative_answer_covers_every_force_and_the_ledger_names_the_rest():
    q = query("Compare how forces manage offenders reactively", comparative=True)
    answer = compose(q, KENT, ESSEX, DORSET)
    assert {c.force for c in answer.citations} == {"Kent", "Essex"}
    assert {e.force: e.found for e in answer.coverage} == {"Dorset": False, "Essex": True, "Kent": True}
    assert answer.sentences[0].text == ("Evidence in 2 of the 3 reports; nothing relevant was found in the "
                                        "Dorset 2021 inspection.")
    for s in answer.sentences[1:]:
        assert fold(s.text) in fold(answer.citations[s.citations[0] - 1].text)


def test_a_sentence_repeating_one_already_quoted_is_left_out():
    summary = passage("k0", "Kent", "The unit was reactively managing 145 offenders without any review.",
                      section="Summary")
    answer = compose(query("How many offenders were reactively managed in Kent?", named=("Kent",)), KENT, summary)
    quoted = [fold(s.text) for s in answer.sentences if s.citations]
    assert sum("145" in q for q in quoted) == 1


def test_a_list_quoted_in_part_drops_the_and_joining_an_item_to_one_left_out():
    p = passage("k1", "Kent", "A dip sample of cases showed:\n- records lacked flags;\n"
                "- some offenders were visited while on reactive management; and\n- a lack of regular checks.")
    answer = compose(query("Were offenders on reactive management visited in Kent?", named=("Kent",)), p)
    items = [s.text for s in answer.sentences if s.list_item]
    assert items == ["some offenders were visited while on reactive management;"]


def test_a_footnote_is_never_quoted_nor_the_sentence_carrying_it_on():
    notes = passage("k9", "Kent", "[8] Operation Encompass involves the force telling a child's school about "
                    "domestic abuse at home. This enables schools to support the child involved.", section="References")
    finding = passage("k1", "Kent", "Kent sends Operation Encompass notices to schools within a day.")
    answer = compose(query("Does Kent use Operation Encompass for schools?", named=("Kent",)), notes, finding)
    assert [c.id for c in answer.citations] == ["k1"]


def test_a_sentence_quoted_and_lent_as_the_next_chunk_s_antecedent_is_printed_once():
    first = passage("k1", "Kent", "Work is still needed to respond consistently to missing children.")
    second = passage("k2", "Kent", "Specifically, we noted that:\n- searches for missing children are desk-based.",
                     chunk=1)
    composer = FindingsComposer(corpus(first, second), AnswerSettings())
    answer = composer.compose(query("How does Kent respond to missing children?", named=("Kent",)), [first, second])
    quoted = [s.text for s in answer.sentences if s.citations]
    assert quoted.count("Work is still needed to respond consistently to missing children.") == 1
    assert "searches for missing children are desk-based." in quoted


def test_list_items_with_no_lead_in_found_stand_as_quotes_of_their_own():
    p = passage("k1", "Kent", "- Kent should review how it records missing children.\n- Kent should train staff.")
    answer = compose(query("What should Kent do about missing children records?", named=("Kent",)), p)
    quoted = [s for s in answer.sentences if s.citations]
    assert quoted and not any(s.list_item for s in quoted)
    assert "\n  - " not in answer.text


def test_a_name_of_several_words_counts_only_whole():
    kent = passage("k1", "Kent", "Kent sends Operation Encompass notices to schools the next morning.")
    essex = passage("e1", "Essex", "Essex improved its operational planning for schools.")
    composer = FindingsComposer(corpus(kent, essex), AnswerSettings())
    answer = composer.compose(query("Which forces use Operation Encompass?", comparative=True),
                              [kent, essex])
    assert {c.force for c in answer.citations} == {"Kent"}
    assert [(e.force, e.found) for e in answer.coverage] == [("Essex", False), ("Kent", True)]


def test_two_findings_on_the_question_are_not_a_repeat_of_each_other():
    # Both hold the question's words; what else they say differs, so both are quoted.
    p = passage("s1", "Kent", "The Kent unit reactively manages offender cases where there is a court order. "
                "At the time of our inspection, the unit was reactively managing 145 offenders.")
    answer = compose(query("How did Kent manage offenders reactively?", named=("Kent",)), p)
    quoted = " ".join(s.text for s in answer.sentences if s.citations)
    assert "court order" in quoted and "145" in quoted


def test_nothing_on_the_question_in_the_named_force_is_no_answer():
    assert compose(query("How does Dorset manage offenders reactively?", named=("Dorset",)), DORSET) is None


@pytest.mark.parametrize("limit", [1, 3])
def test_words_and_quotes_are_bounded(limit):
    answer = compose(query("reactively managed offenders review", named=("Essex",)), ESSEX,
                     settings=AnswerSettings(max_quotes=limit))
    assert len([s for s in answer.sentences if s.citations]) <= limit


def test_a_passage_covers_a_question_word_in_any_form_of_it():
    # The abstention gate's measure: "Has Cheshire improved?" is answered by "should improve",
    # "progress has been made by improving…"; a word not there in any form still counts nothing.
    from assistant.answer.extractive import SentencePicker

    texts = ["The force should improve its records.", "Officers attend quickly.", "Custody is busy."]
    picker = SentencePicker.from_texts(texts, AnswerSettings())
    assert picker.coverage({"improved"}, texts[0]) == 1.0
    assert picker.coverage({"improved", "custody"}, texts[0]) == pytest.approx(
        picker.idf("improved") / (picker.idf("improved") + picker.idf("custody")))
    assert picker.coverage({"improved"}, texts[1]) == 0.0
