"""The eval's other composers: LexRank over hand-made passages (no model, no index), and the
legacy-composer variant's guard for the `answer.composer` setting."""

from __future__ import annotations

import pytest

from assistant.records import Answer, AnswerSentence, Passage
from assistant.settings import Settings
from eval import metrics as m
from eval.composers import (COMPOSER_SETTING, LEGACY_VALUE, MIN_WORDS, ComposerSettingMissing, LexRank,
                            Tokenizer, composer_variant, sentence_count)
from eval.gold import normalize


def passage(i: int, force: str, text: str) -> Passage:
    return Passage(id=f"p{i}", text=text, force=force, report_title=f"{force} report", report_type="inspection",
                   published=None, inspected=None, year=2021, section="Missing children", area="Initial contact",
                   is_case_study=False, is_recommendation=False, source=f"{force}.txt", start=0, end=len(text))


PASSAGES = [
    passage(1, "Staffordshire", "The force's response to missing children is confused and ineffective. Staff are "
            "unsure who leads missing children investigations. Table 3."),
    passage(2, "Cheshire", "Missing children investigations are now led by a specialist team. The weather was "
            "fine on the day of our visit to the county."),
    passage(3, "Staffordshire", "The response to missing children needs to improve, and supervisors of missing "
            "children investigations are absent overnight.\nStaff are unsure who leads missing children "
            "investigations."),
]


def test_tokenizer_uses_the_assistants_sentence_splitter_and_a_word_regex():
    tok = Tokenizer()
    assert tok.to_sentences("One sentence here. Another one follows.\n- a list item") == (
        "One sentence here.", "Another one follows.", "- a list item")
    assert tok.to_words("The force's 145 RSOs (ViSOR) don't_x.") == ("The", "force's", "145", "RSOs", "ViSOR",
                                                                     "don't", "x")


def test_lexrank_picks_central_sentences_each_cited_to_its_passage():
    picked = LexRank().pick(PASSAGES, 2)
    assert len(picked) == 2
    # Missing-children sentences share words with the others; the weather and "Table 3." do not.
    assert all("missing children" in text for text, _ in picked)
    assert all(text in PASSAGES[i].text for text, i in picked)
    assert [i for _, i in picked] == sorted(i for _, i in picked)  # passage order kept


def test_lexrank_answer_is_cited_verbatim_and_counts_a_repeated_sentence_once():
    answer = LexRank().compose("How do forces handle missing children?", PASSAGES, 10)
    lines = answer.text.splitlines()
    texts = [s.text for s in answer.sentences]
    assert "Staff are unsure who leads missing children investigations." in texts
    assert len(texts) == len(set(texts)) == len(lines)  # passage 3 repeats a sentence of passage 1
    assert "Table 3." not in texts  # under MIN_WORDS words: a label, not a statement
    assert all(len(t.split()) >= MIN_WORDS for t in texts)
    assert not answer.abstained and answer.forces and set(answer.forces) <= {"Staffordshire", "Cheshire"}
    cited = [normalize(p.text) for p in answer.citations]
    assert m.citation_support(answer.text, cited) == 1.0
    assert m.citation_support([(s.text, s.citations) for s in answer.sentences], cited) == 1.0
    assert [c.id for c in answer.citations] == list(dict.fromkeys(
        PASSAGES[int(p.id[1:]) - 1].id for p in answer.citations))  # numbered by first use


def test_lexrank_with_nothing_to_pick_abstains():
    assert LexRank().pick([], 3) == []
    assert LexRank().compose("q", [passage(9, "Cheshire", "Table 3.")], 3).abstained


def test_sentence_count_prefers_structured_cited_sentences():
    lead = AnswerSentence("Evidence in 1 of 5 reports.", (), None, "lead")
    quoted = AnswerSentence("A finding.", (1,), "Cheshire", "finding")
    structured = Answer("q", "whatever [1]", [PASSAGES[1]], False, sentences=[lead, quoted, quoted])
    assert sentence_count(structured) == 2
    assert sentence_count(Answer("q", "Lead.\n- One. [1]\n- Two. [1] Three. [2]", [], False)) == 3


class _Stub:
    """Just what composer_variant reads from an Assistant."""

    def __init__(self, settings: Settings):
        self.settings, self.store, self.embedder = settings, None, None


def test_legacy_composer_variant_needs_the_composer_setting():
    settings = Settings()
    if COMPOSER_SETTING in type(settings.answer).model_fields:  # the issue-12 composer has landed
        legacy = composer_variant(_Stub(settings), LEGACY_VALUE)  # type: ignore[arg-type]
        assert getattr(legacy.settings.answer, COMPOSER_SETTING) == LEGACY_VALUE
        assert getattr(settings.answer, COMPOSER_SETTING) != LEGACY_VALUE  # the default is the new one
        assert legacy.settings.retrieval == settings.retrieval
        with pytest.raises(ValueError):  # an unknown composer is refused, not silently set
            composer_variant(_Stub(settings), "no-such-composer")  # type: ignore[arg-type]
    else:
        with pytest.raises(ComposerSettingMissing, match="answer.composer"):
            composer_variant(_Stub(settings), LEGACY_VALUE)  # type: ignore[arg-type]
