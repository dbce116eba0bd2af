"""Per-passage pieces of the derived state: boilerplate shares and BM25 built from them
equal the direct definitions (bm25s' own index, sentence strings)."""

from __future__ import annotations

import bm25s
import numpy as np

from assistant.index import bm25
from assistant.index.proximity import merge_rows
from assistant.index.rows import boilerplate_shares, sentence_keys
from assistant.records import Passage
from assistant.text import sentences

TEXTS = {
    "a": ["This report is published by the inspectorate for the public. Officers attended quickly and spoke to the child.",
          "Risk assessments were incomplete in several cases we reviewed in detail."],
    "b": ["This report is published by the inspectorate for the public. Custody staff called appropriate adults late.",
          "Short one."],
    "c": ["Registered sex offenders were visited less often than the policy requires of the force."],
}


def passages() -> list[Passage]:
    out = []
    for doc, texts in TEXTS.items():
        for i, text in enumerate(texts):
            out.append(Passage(id=f"{doc}-{i}", text=text, force=doc, report_title="", report_type="", published=None,
                               inspected=None, year=None, section="Findings", area="", is_case_study=False,
                               is_recommendation=False, source=doc, start=0, end=len(text), doc_id=doc, chunk_index=i))
    return out


def reference_shares(ps: list[Passage], min_chars: int) -> list[float]:
    where: dict[str, set[str]] = {}
    split = []
    for p in ps:
        sents = [" ".join(s.lower().split()) for s in sentences(p.text) if len(s) > min_chars]
        split.append(sents)
        for s in sents:
            where.setdefault(s, set()).add(p.doc_id)
    return [sum(len(where[s]) > 1 for s in sents) / len(sents) if sents else 0.0 for sents in split]


def test_boilerplate_shares_equal_the_string_definition() -> None:
    ps = passages()
    offsets, keys = sentence_keys(ps, 20)
    doc_of_row = np.array([list(TEXTS).index(p.doc_id) for p in ps])
    shares = boilerplate_shares(offsets, keys, doc_of_row)
    assert shares == reference_shares(ps, 20)
    assert shares[0] == 0.5 and shares[2] == 0.5 and shares[3] == 0.0  # the shared foreword sentence


def test_bm25_from_token_ids_scores_as_bm25s_own_index() -> None:
    texts = [f"{p.section}\n{p.text}" for p in passages()]
    tokens = bm25.Tokens.empty().tokenize(texts)
    ours = bm25.build(tokens)
    reference = bm25s.BM25()
    reference.index(bm25s.tokenize(texts, stopwords="en", stemmer=bm25._STEMMER, token_pattern=bm25.TOKEN_PATTERN,
                                   show_progress=False), show_progress=False)
    for query in (["report", "publish"], ["offend", "visit", "polici"], ["custodi"], ["nothing"]):
        assert np.array_equal(ours.get_scores(query), reference.get_scores(query))


def test_tokens_of_new_rows_extend_the_vocabulary_and_rows_merge_in_order() -> None:
    first = bm25.Tokens.empty().tokenize(["custody staff", "missing children"])
    more = first.tokenize(["children in custody", "new words here"])
    assert more.vocab[: len(first.vocab)] == first.vocab  # old ids kept
    offsets, ids = merge_rows((first.offsets, first.ids), (more.offsets, more.ids), np.array([1, -1, 0, -1]))
    rows = [{more.vocab[i] for i in ids[offsets[r]:offsets[r + 1]]} for r in range(4)]
    assert rows == [{"miss", "children"}, {"children", "custodi"}, {"custodi", "staff"}, {"new", "word", "here"}]
    repeated = bm25.Tokens.empty().tokenize(["custody custody staff"])
    assert dict(zip((repeated.vocab[i] for i in repeated.ids), repeated.tf.tolist())) == {"custodi": 2, "staff": 1}
    assert repeated.lengths.tolist() == [3]
