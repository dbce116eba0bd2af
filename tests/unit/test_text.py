"""The one text module: plural folding, content words, idf, terminal-safe printing."""

from __future__ import annotations

import pytest

from assistant.text import idf, join_names, printable, singular, terms


@pytest.mark.parametrize("word, folded", [
    ("offenders", "offender"), ("hubs", "hub"), ("kids", "kid"), ("ppns", "ppn"),
    ("crisis", "crisis"), ("status", "status"), ("process", "process"), ("serious", "serious"),
    ("was", "was"), ("its", "its"), ("child", "child"),
])
def test_one_plural_rule(word, folded):
    assert singular(word) == folded


def test_terms_drop_stop_words_short_words_and_plurals():
    assert terms("How do the forces handle registered sex offenders' visits in 2019?") == [
        "handle", "registered", "sex", "offender", "visit", "2019"]


def test_idf_falls_as_a_word_gets_common():
    assert idf(100, 0) > idf(100, 10) > idf(100, 100) > 0


def test_join_names():
    assert [join_names(n) for n in ([], ["A"], ["A", "B"], ["A", "B", "C"])] == ["", "A", "A and B", "A, B and C"]


def test_printable_strips_terminal_control_sequences():
    hostile = ("Findings\x1b]0;owned title\x07 stay\x1b]52;c;ZXZpbA==\x1b\\ here \x1b[2J\x1b[31mred\x1b[0m"
               " \x9b6n and \x07bells\x00\r; tab\tand\nnewline kept")
    shown = printable(hostile)
    assert shown == "Findings stay here red 6n and bells; tab\tand\nnewline kept"
    assert not any(ord(c) < 32 and c not in "\t\n" or 0x7F <= ord(c) <= 0x9F for c in shown)
