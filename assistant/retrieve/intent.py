"""What kind of answer a question asks for, from its wording: a case or an example, a
quantity, or what was recommended. Decided once by the planner and carried on the `Query`:
retrieval favours case narratives for a case, the composer takes figures for a quantity and
recommendations only when they are asked for."""

from __future__ import annotations

import re

# Questions that ask for a quantity: the sentence carrying the figure must be in the answer.
FIGURE_QUESTION = re.compile(
    r"\bhow (?:many|much|long|often|quickly|soon|fast|big|large|heavy|high|low)\b"
    r"|\bwhat (?:share|proportion|percentage|number|ratio|rate)\b"
    r"|\b(?:proportion|percentage|ratio|ratios|caseloads?|backlogs?|number of|figures?|statistics)\b",
    re.I,
)

_ASKS_CASE = re.compile(
    r"\bcase stud(?:y|ies)\b|\b(?:a|an|any|one) (?:\w+[- ])?(?:case|example|instance)s?\b"
    r"|\bexamples? (?:of|where|for|in which)\b|\bgive me (?:a|an|one)\b",
    re.I,
)
# What a report recommended or required, and what happened next: answered from the
# recommendation tracker (assistant/answer/recommendations.py).
ABOUT_RECOMMENDATIONS = re.compile(
    r"\b(?:recommend\w*"
    r"|(?:tell|told|ask|asked|require[ds]?|instruct(?:ed)?|direct(?:ed)?|urge[ds]?)\s+(?:[\w'’-]+\s+){0,3}?to\s+"
    r"(?:do|act|fix|improve|review|change|make|sort|address|put|introduce|ensure|give|record|stop|start|set|take)"
    r"|had\s+to\s+act|what\s+(?:has\s+|had\s+|have\s+)?changed|progress\s+(?:on|against|since|made)"
    r"|acted\s+on|follow[- ]?up\s+(?:on|of)|(?:post-inspection\s+)?review\s+f(?:ound|ind))\b",
    re.I,
)


def wants_figure(question: str) -> bool:
    """The question asks how many, how long, what share: the figure must be in the answer."""
    return bool(FIGURE_QUESTION.search(question))


def wants_case(question: str) -> bool:
    """The question asks for a case or an example ("give me a case where...", "is there an
    example of...", "good-practice example"), which a case study answers best."""
    return bool(_ASKS_CASE.search(question))


def about_recommendations(question: str) -> bool:
    """The question asks what was recommended (or what a force was told to do), or what a
    later review found on it."""
    return bool(ABOUT_RECOMMENDATIONS.search(question))
