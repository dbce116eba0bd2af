"""Follow-up questions made standalone from the conversation's earlier questions."""

from __future__ import annotations

import pytest

from assistant.retrieve.followup import resolve

FORCES = ["Cambridgeshire", "Cheshire", "Lancashire", "Merseyside", "Staffordshire"]
MISSING = "How did Cheshire respond to missing children?"
CUSTODY = "What did inspectors find about custody in Staffordshire?"


@pytest.mark.parametrize("history, question, expected", [
    # No topic of its own: the earlier question, about the force it names now.
    ([MISSING], "and what about Staffordshire?", "How did Staffordshire respond to missing children?"),
    ([MISSING], "Tell me more", MISSING),
    (["How did Cheshire's control room grade missing children?"], "And Merseyside's?",
     "How did Merseyside's control room grade missing children?"),
    (["How do Cheshire and Merseyside handle custody?"], "and Lancashire?", "How do Lancashire handle custody?"),
    (["How do forces respond to missing children?"], "What about Cheshire?",
     "How do forces respond to missing children in Cheshire?"),
    # Pronouns for the earlier forces and topic.
    ([MISSING], "What did they recommend?", f"What did Cheshire recommend? (following: {MISSING})"),
    ([MISSING], "How long did that take?", f"How long did that take in Cheshire? (following: {MISSING})"),
    ([MISSING], "What training do they get?", f"What training do Cheshire get? (following: {MISSING})"),
    # A new topic for the same force.
    ([MISSING], "And custody?", "And custody in Cheshire?"),
    # The conversation's forces carry on when none is named...
    (["What did HMICFRS find in 2019 about how Merseyside manages registered sex offenders?"],
     "What had it been told to do after the 2018 inspection?",
     "What had it been told to do after the 2018 inspection in Merseyside? (following: What did HMICFRS find "
     "in 2019 about how Merseyside manages registered sex offenders?)"),
    (["How many visits to registered sex offenders were overdue in Merseyside at the 2018 inspection?"],
     "How many were still outstanding at the 2019 review?",
     "How many were still outstanding at the 2019 review in Merseyside? (following: How many visits to "
     "registered sex offenders were overdue in Merseyside at the 2018 inspection?)"),
    # ...and a comparison with a new force keeps the earlier one.
    (["How consistently do Cheshire officers record the voice of the child?"], "How does that compare with Merseyside?",
     "How consistently do Cheshire and Merseyside officers record the voice of the child?"),
    (["How does Merseyside handle missing children?"], "Is that better than in Cheshire?",
     "How does Merseyside and Cheshire handle missing children?"),
    # The rest of the forces, or every force, on the same topic.
    ([CUSTODY], "and the other forces?",
     "What did inspectors find about custody in Cambridgeshire, Cheshire, Lancashire and Merseyside?"),
    ([CUSTODY], "What about all forces?",
     "What did inspectors find about custody in Cambridgeshire, Cheshire, Lancashire, Merseyside and Staffordshire?"),
    ([CUSTODY], "Same question for Cambridgeshire", "What did inspectors find about custody in Cambridgeshire?"),
    # "Compare the two": the forces the conversation named.
    ([MISSING, "and what about Staffordshire?"], "Compare the two",
     "How did Cheshire and Staffordshire respond to missing children?"),
    # An example of the earlier topic, from the same force.
    (["Tell me about RSO management in Cambridgeshire"], "Give me an example",
     "Give me an example in Cambridgeshire? (following: Tell me about RSO management in Cambridgeshire)"),
    # Self-contained: the history is ignored.
    ([MISSING], "How do forces record the voice of the child?", "How do forces record the voice of the child?"),
    ([MISSING], "What about custody in Lancashire?", "What about custody in Lancashire?"),
    ([MISSING], "How does Staffordshire manage registered sex offenders?",
     "How does Staffordshire manage registered sex offenders?"),
    ([MISSING], "Which forces were criticised for how they put registered sex offenders on reactive management?",
     "Which forces were criticised for how they put registered sex offenders on reactive management?"),
    ([], "and what about Staffordshire?", "and what about Staffordshire?"),
])
def test_follow_ups_are_made_standalone(history, question, expected):
    assert resolve(question, history, FORCES) == expected


def test_a_chain_of_follow_ups_keeps_its_topic():
    history = [MISSING, "and Staffordshire?"]
    assert resolve("what did they recommend?", history, FORCES) == (
        "what did Staffordshire recommend? (following: How did Staffordshire respond to missing children?)")


def test_forces_outside_the_corpus_are_swapped_in_too():
    assert resolve("and Kent?", [MISSING], FORCES) == "How did Kent respond to missing children?"
