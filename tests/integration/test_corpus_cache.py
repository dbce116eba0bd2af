"""Derived retrieval state (assistant/corpus.py): cached, reloaded, kept in step with the index.

Indexes here are filled by copying the bundled index's own passages and vectors report by
report (`copy_reports`), so no test pays for embedding; one test ingests a real file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import bm25s
import Stemmer
import numpy as np
import pytest
from llama_index.core.schema import TextNode
from llama_index.retrievers.bm25 import BM25Retriever

from assistant import Assistant
from assistant.index.corpus import Corpus, CorpusCache, WordVectors, load_or_build
from assistant.records import Filters
from assistant.retrieve.filters import FilterIndex
from assistant.index import build_corpus
from assistant.index import PassageStore
from conftest import bundled_reports

QUESTIONS = [
    "How did forces handle reactive RSO management?",
    "appropriate adults in custody",
    "What did the inspection find about missing children in Merseyside?",
]


def copy_reports(source: Assistant, target: PassageStore, forces: list[str]) -> None:
    """Write the source index's reports of these forces into another store, vectors and all."""
    for info in source.store.reports():
        if info.force in forces:
            passages, vectors = source.store.fetch(where={"doc_id": info.doc_id})
            target.replace_report(info, passages, vectors)


def snapshots(a: Assistant) -> list[Path]:
    return [m.parent for m in CorpusCache.for_store(a.settings).root.glob("*/manifest.json")]


def results(a: Assistant) -> list:
    return [[(p.id, p.score) for p in a.search(q)] for q in QUESTIONS]


def same_up_to_ties(ours: list[tuple[str, float]], reference: list[tuple[str, float]]) -> None:
    """Same scores in the same order, the same passages above the last score; passages
    with equal scores may come in another order (bm25s' top-k orders ties arbitrarily)."""
    assert [s for _, s in ours] == [s for _, s in reference]
    last = reference[-1][1] if reference else 0.0
    assert {p for p, s in ours if s > last} == {p for p, s in reference if s > last}
    for score in {s for _, s in reference}:
        if score > last:
            assert {p for p, s in ours if s == score} == {p for p, s in reference if s == score}


def proximity_in_words(p) -> tuple:
    """The proximity arrays with word ids replaced by words (an update keeps the ids a word
    had, so they may differ from a fresh build's), and without words of df 0."""
    words = list(p.vocab)
    pairs = [{(words[c >> 32], words[c & 0xFFFFFFFF]) for c in p.pairs[p.pair_offsets[i]:p.pair_offsets[i + 1]].tolist()}
             for i in range(p.n)]
    sentences = []
    for i in range(p.n):
        ids = p.words[p.word_offsets[i]:p.word_offsets[i + 1]].tolist()
        numbers = p.word_sentence[p.word_offsets[i]:p.word_offsets[i + 1]].tolist()
        grouped: dict[int, set] = {}
        for word, number in zip(ids, numbers):
            grouped.setdefault(number, set()).add(words[word])
        sentences.append([grouped[k] for k in sorted(grouped)])
    df = {words[i]: int(n) for i, n in enumerate(p.df) if n}
    pair_df = {(words[c >> 32], words[c & 0xFFFFFFFF]): int(n) for c, n in zip(p.pair_keys.tolist(), p.pair_df)}
    return p.n, pairs, sentences, df, pair_df


def same_corpus(x: Corpus, y: Corpus) -> None:
    """Equal derived state: identical passages, vectors, boilerplate, frequencies, glossary,
    BM25 scores and proximity content; proximity scores equal to float rounding (word ids,
    hence summing order, may differ after an update), ranking the same."""
    assert x.passages == y.passages
    assert np.array_equal(np.asarray(x.vectors), np.asarray(y.vectors))
    assert x.boilerplate == y.boilerplate and x.df == y.df
    assert list(x.glossary.long.items()) == list(y.glossary.long.items()) and x.glossary.words == y.glossary.words
    assert proximity_in_words(x.proximity) == proximity_in_words(y.proximity)
    every = list(range(len(x.passages)))
    for q in QUESTIONS + ["Tasers", "MASH referrals strategy meetings"]:
        # The BM25 indexes score every passage alike (token ids may differ).
        words = bm25s.tokenization.convert_tokenized_to_string_list(bm25s.tokenize(q, stopwords="en", show_progress=False))[0]
        assert np.array_equal(x.bm25.get_scores(words), y.bm25.get_scores(words))
        px, py = np.array(x.proximity.scores(q, every)), np.array(y.proximity.scores(q, every))
        assert np.allclose(px, py, rtol=1e-12, atol=1e-15)
        for column in range(2):
            assert np.array_equal(np.argsort(-px[:, column], kind="stable"), np.argsort(-py[:, column], kind="stable"))


@pytest.fixture
def pair(bundled, make_assistant):
    """An index of two bundled reports, first opened (and its state built) by one Assistant."""
    a = make_assistant()
    copy_reports(bundled, a.store, ["Cheshire", "Merseyside"])
    return a


def test_second_open_loads_what_the_first_built(pair, make_assistant):
    question = QUESTIONS[2]  # every word of it is in these reports: no topic check needed
    first, answer = results(pair), pair.ask(question)
    assert pair.pipeline.corpus.origin == "built" and len(snapshots(pair)) == 1
    again = make_assistant(index_dir=pair.settings.index_dir)
    assert again.pipeline.corpus.origin == "loaded" and again.pipeline.corpus.fetched == 0
    same_corpus(again.pipeline.corpus, pair.pipeline.corpus)
    assert results(again) == first
    assert again.ask(question) == answer and answer.citations


def test_report_ingested_elsewhere_is_picked_up(pair, bundled, make_assistant):
    _ = pair.pipeline  # built and cached
    held = make_assistant(index_dir=pair.settings.index_dir, refresh_s=3600)  # checks only when told to
    before = held.forces()
    other = make_assistant(index_dir=pair.settings.index_dir)  # e.g. another machine
    small = next(p for p in bundled_reports() if p.name.startswith("lancashire"))
    assert other.ingest([small]).ok
    assert held.forces() == before  # a loaded state stays as it was...
    assert held.refresh() and "Lancashire" in held.forces()  # ...until refreshed
    updated = held.pipeline.corpus
    lancashire = next(r for r in held.reports() if r.force == "Lancashire")
    assert updated.origin == "updated" and updated.fetched == lancashire.chunks  # only the new report read
    same_corpus(updated, build_corpus(*held.store.fetch(), held.settings))  # same as building from scratch
    assert not held.refresh()
    reopened = make_assistant(index_dir=pair.settings.index_dir)
    assert reopened.pipeline.corpus.origin == "loaded" and "Lancashire" in reopened.forces()
    assert len(snapshots(pair)) == 1  # the older snapshot was dropped


def test_removed_report_disappears_after_refresh(pair, make_assistant):
    pair.search(QUESTIONS[0])
    other = make_assistant(index_dir=pair.settings.index_dir)
    other.store.remove_report(next(r.doc_id for r in other.reports() if r.force == "Merseyside"))
    assert pair.refresh()
    assert pair.forces() == ["Cheshire"] and pair.pipeline.corpus.fetched == 0
    assert all(p.force == "Cheshire" for p in pair.search("missing children"))


def test_next_ingest_rebuilds_from_the_previous_state(pair, bundled):
    pair.search(QUESTIONS[0])
    copy_reports(bundled, pair.store, ["Lancashire"])  # what an ingest writes...
    pair.ingest([])  # ...then the ingest's own reset of derived state (no files: nothing embedded)
    assert "Lancashire" in pair.forces() and pair.pipeline.corpus.origin == "updated"


@pytest.mark.parametrize("damaged", ["manifest.json", "passages.json", "vectors.npy", "derived.json",
                                     "bm25/data.csc.index.npy", "bm25/vocab.index.json",
                                     "proximity/pairs.npy", "proximity/vocab.json"])
def test_damaged_cache_is_ignored_and_rebuilt(pair, make_assistant, damaged):
    first = results(pair)
    (folder,) = snapshots(pair)
    target = folder / damaged
    target.write_bytes(target.read_bytes()[: len(target.read_bytes()) // 2])  # truncated write
    again = make_assistant(index_dir=pair.settings.index_dir)
    assert again.pipeline.corpus.origin == "built"
    assert results(again) == first
    assert make_assistant(index_dir=pair.settings.index_dir).pipeline.corpus.origin == "loaded"  # rewritten whole


def test_missing_files_are_rebuilt_too(pair, make_assistant):
    _ = pair.pipeline
    (folder,) = snapshots(pair)
    shutil.rmtree(folder / "bm25")
    assert make_assistant(index_dir=pair.settings.index_dir).pipeline.corpus.origin == "built"
    (folder,) = snapshots(pair)
    shutil.rmtree(folder / "proximity")
    assert make_assistant(index_dir=pair.settings.index_dir).pipeline.corpus.origin == "built"


def test_state_read_during_an_ingest_is_served_but_not_cached(pair, bundled):
    cache = CorpusCache.for_store(pair.settings)

    def build_while_another_ingest_writes(passages, vectors, previous, prev_index):
        copy_reports(bundled, pair.store, ["Lancashire"])  # lands between the two registry reads
        return build_corpus(passages, vectors, pair.settings, previous, prev_index)

    corpus = load_or_build(pair.store, cache, build_while_another_ingest_writes)
    assert {p.force for p in corpus.passages} == {"Cheshire", "Merseyside"}
    assert not snapshots(pair)
    settled = load_or_build(pair.store, cache, lambda p, v, *_: build_corpus(p, v, pair.settings))
    assert {p.force for p in settled.passages} == {"Cheshire", "Merseyside", "Lancashire"}
    assert len(snapshots(pair)) == 1


def test_cache_off_builds_every_time(pair, make_assistant):
    a = make_assistant(index_dir=pair.settings.index_dir, use_cache=False)
    assert a.pipeline.corpus.origin == "built" and not snapshots(a)
    assert results(a) == results(pair)


def test_cache_dir_setting_moves_the_cache(pair, make_assistant, tmp_path):
    a = make_assistant(index_dir=pair.settings.index_dir, cache_dir=tmp_path / "elsewhere")
    _ = a.pipeline
    assert list((tmp_path / "elsewhere").rglob("manifest.json"))
    assert not (pair.settings.index_dir / "derived").exists()


def test_word_vectors_are_embedded_once(embedder, tmp_path):
    asked: list[str] = []

    def embed(words):
        asked.extend(words)
        return embedder.embed(words)

    words = ["custody", "children", "offenders"]
    first = WordVectors(tmp_path / "words.npz").lookup(words, embed)
    assert asked == words
    again = WordVectors(tmp_path / "words.npz").lookup(words + ["referrals"], embed)
    assert asked == words + ["referrals"]  # only the new word
    assert np.array_equal(again[:3], first) and again.shape == (4, first.shape[1])
    (tmp_path / "words.npz").write_bytes(b"not a zip file")
    assert np.allclose(WordVectors(tmp_path / "words.npz").lookup(words, embed), first, atol=1e-5)


def test_topic_check_reuses_cached_word_vectors(bundled, make_assistant):
    words, vectors = bundled.pipeline.answerer.topics.vocabulary  # embedded once per session (other tests need it too)
    cached = CorpusCache.for_store(bundled.settings).root / "words.npz"
    written = cached.stat().st_mtime_ns
    again = make_assistant(index_dir=bundled.settings.index_dir)
    again_words, again_vectors = again.pipeline.answerer.topics.vocabulary
    assert again_words == words and np.array_equal(again_vectors, vectors)
    assert cached.stat().st_mtime_ns == written  # nothing new was embedded or written


# -- the retriever's structural shortcuts give what the libraries give ---------------------


def test_bm25_index_is_llama_index_bm25_retriever(bundled):
    passages = bundled.pipeline.corpus.passages
    nodes = [TextNode(id_=p.id, text=f"{p.section}\n{p.text}") for p in passages]
    reference = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=10)
    ours = bundled.pipeline.corpus.bm25
    for q in QUESTIONS + ["Tasers", "MASH referrals strategy meetings"]:
        words = bm25s.tokenization.convert_tokenized_to_string_list(
            bm25s.tokenize(q, stopwords="en", stemmer=reference.stemmer, show_progress=False))[0]
        assert np.array_equal(ours.get_scores(words), reference.bm25.get_scores(words))


FILTERS = [  # canonical names, as `Assistant` passes them (Chroma's `where` is case-sensitive)
    Filters.build(forces="Cheshire"),
    Filters.build(forces=["Merseyside", "Lancashire"]),
    Filters.build(years=(2019, 2021)),
    Filters.build(case_studies=True),
    Filters.build(recommendations=True, forces="Staffordshire"),
    Filters.build(forces="Kent"),
]


def test_filter_index_agrees_with_filters_accepts(bundled):
    passages = bundled.pipeline.corpus.passages
    index = FilterIndex(passages)
    areas = sorted({p.area for p in passages})
    odd = [Filters.build(areas=areas[:2]), Filters.build(report_types=passages[0].report_type.upper()),
           Filters.build(forces=["merseyside", "CHESHIRE", "Cheshire"], years=2019)]
    for f in FILTERS + odd:
        expected = np.array([f.accepts(p) for p in passages])
        assert np.array_equal(index.mask(f), expected), f
        assert np.array_equal(index.rows(f), np.flatnonzero(expected)), f


def test_filtered_bm25_matches_bm25s_weight_mask(bundled):
    r = bundled.pipeline.retriever
    index = bundled.pipeline.corpus.bm25  # bm25s' own index, queried its own way
    for q in QUESTIONS:
        tokens = bm25s.tokenize(q, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False)
        for f in FILTERS:
            mask = np.array([f.accepts(p) for p in r.passages], dtype=np.float32)
            docs, scores = index.retrieve(tokens, k=30, weight_mask=mask, show_progress=False)
            expected = [(r.passages[int(i)].id, float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]
            same_up_to_ties(r.bm25(q, 30, f), expected)
            same_up_to_ties(r.bm25(q, 30, f, r.bm25_scores(q)), expected)
        docs, scores = index.retrieve(tokens, k=30, show_progress=False)  # unfiltered: bm25s' own call
        assert r.bm25(q, 30, Filters()) == [(r.passages[int(i)].id, float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]


def test_filtered_dense_search_finds_what_chroma_finds(bundled):
    """Exact search over the stored vectors against Chroma's approximate (HNSW) search:
    ours finds what Chroma finds, and never a worse passage in its place."""
    r = bundled.pipeline.retriever
    recalls = []
    for q in QUESTIONS:
        vector = bundled.embedder.embed_query(q)
        for f in FILTERS:
            chroma = bundled.store.nearest(vector, 20, where=f.where())
            ours = r.dense(vector, 20, f)
            assert [p.id for p in r.dense(vector, 20, f, bundled.pipeline.corpus.vectors @ vector)] == [p.id for p in ours]
            assert len(ours) == len(chroma)
            if not chroma:
                continue
            recalls.append(len({p.id for p in ours} & {p.id for p in chroma}) / len(chroma))
            # Exact search: each rank's cosine at least Chroma's at that rank.
            assert all(a.score >= b.score - 1e-5 for a, b in zip(ours, chroma))
            assert all(f.accepts(p) for p in ours)
    assert recalls and min(recalls) >= 0.9 and sum(recalls) / len(recalls) >= 0.98, recalls


def test_update_with_a_report_removed_and_another_added_equals_a_fresh_build(pair, bundled, make_assistant):
    pair.search(QUESTIONS[0])
    other = make_assistant(index_dir=pair.settings.index_dir)  # another process: loads the snapshot from disk
    other.store.remove_report(next(r.doc_id for r in other.reports() if r.force == "Merseyside"))
    copy_reports(bundled, other.store, ["Lancashire", "Staffordshire"])
    assert pair.refresh()
    updated = pair.pipeline.corpus
    assert updated.origin == "updated" and updated.rows is not None
    same_corpus(updated, build_corpus(*pair.store.fetch(), pair.settings))
    assert {p.force for p in updated.passages} == {"Cheshire", "Lancashire", "Staffordshire"}
    # Next update from the snapshot on disk (its per-passage pieces memory-mapped), in a new process.
    copy_reports(bundled, other.store, ["Merseyside"])
    again = make_assistant(index_dir=pair.settings.index_dir)
    chained = again.pipeline.corpus
    merseyside = next(r for r in again.reports() if r.force == "Merseyside")
    assert chained.origin == "updated" and chained.fetched == merseyside.chunks
    same_corpus(chained, build_corpus(*again.store.fetch(), again.settings))
    assert results(again) == results(make_assistant(index_dir=pair.settings.index_dir, use_cache=False))


def test_changed_boilerplate_setting_rebuilds_the_pieces(pair, bundled, make_assistant):
    pair.search(QUESTIONS[0])
    stricter = make_assistant(index_dir=pair.settings.index_dir,
                              retrieval=pair.settings.retrieval.model_copy(update={"boilerplate_min_chars": 10}))
    copy_reports(bundled, stricter.store, ["Lancashire"])
    corpus = stricter.pipeline.corpus
    assert corpus.rows.min_chars == 10
    same_corpus(corpus, build_corpus(*stricter.store.fetch(), stricter.settings))
