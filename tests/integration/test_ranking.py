"""Ranking signals: word proximity, force names in the keyword query, boilerplate."""

from __future__ import annotations

def test_a_named_force_comes_first_though_its_name_is_not_a_keyword(bundled):
    top = bundled.search("What IT system does Merseyside use to give frontline staff information on sex offenders?", k=10)
    assert {p.force for p in top} == {"Merseyside"}


def test_dense_search_is_exact_and_filtered(bundled):
    from assistant.records import Filters

    r = bundled.pipeline.retriever
    vector = bundled.embedder.embed_query("children waiting for an appropriate adult in custody")
    filters = Filters(forces=("Cheshire",), case_studies=False)
    got = r.dense(vector, 5, filters)
    cheshire = [p for p in r.passages if p.force == "Cheshire"]
    vectors = bundled.pipeline.corpus.vectors
    best = sorted(cheshire, key=lambda p: -float(vectors[r.by_id[p.id]] @ vector))[:5]
    assert [p.id for p in got] == [p.id for p in best]
    assert all(a.score >= b.score for a, b in zip(got, got[1:]))
    assert r.dense(vector, 5, Filters(forces=("Cheshire",), case_studies=True, recommendations=True)) == []


def test_a_section_split_over_chunks_comes_with_its_continuation(bundled):
    """The Lancashire grooming case study runs over two chunks; the outcome (a three-week
    delay) is in the second, which shares almost no words with the question."""
    top = bundled.search("Case study on online grooming risk: a young girl in contact with older boys "
                         "on social media and the police were slow to act.", k=5)
    first = next(i for i, p in enumerate(top) if "12-year-old daughter" in p.text)
    follow = next(i for i, p in enumerate(top) if "three-week delay" in p.text)
    assert top[follow].section == top[first].section
    assert top[follow].chunk_index == top[first].chunk_index + 1
