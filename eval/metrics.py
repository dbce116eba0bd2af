"""Pure metric functions for the evaluation suite (no models, no I/O).

Texts passed to the `*_norm` parameters must already be folded with `eval.gold.normalize`;
the runner normalises each passage once and reuses it across questions.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Sequence

import numpy as np

from eval.gold import normalize

# " [3]" or " [1, 4]" citation markers in answer text. A space must precede them: the
# reports' own footnote references are glued to a word ("interviews[6]") and are claim text.
_MARKER = re.compile(r"(?:^|(?<=\s))\[(\d+(?:\s*,\s*\d+)*)\]")
# A list bullet at the start of a line, nested or not ("- ", "  * ", "• ", "3. ", "> ").
_BULLET = re.compile(r"^\s*(?:[-*\u2022>]|\d+[.)])\s+")
# What a marker leaves before the next claim on its line ("A. [1] B." -> ". B.").
_LEADING = re.compile(r"^[\s.,;:]+")
_DASH = re.compile(r"(?<!\S)-(?!\S)")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")
_WORD = re.compile(r"\w+(?:['\u2019.,:/-]\w+)*")


def found_quotes(texts_norm: Sequence[str], quotes_norm: Sequence[str]) -> list[bool]:
    """For each quote, whether some text contains it verbatim (after normalising)."""
    return [any(q in t for t in texts_norm) for q in quotes_norm]


def share(flags: Sequence[bool]) -> float | None:
    """Share of true flags; None when there is nothing to count (metric undefined)."""
    return sum(flags) / len(flags) if flags else None


def evidence_recall(texts_norm: Sequence[str], quotes_norm: Sequence[str]) -> float | None:
    """Share of gold quotes contained in at least one of the texts."""
    return share(found_quotes(texts_norm, quotes_norm))


def budget_texts(texts: Sequence[str], budget: int) -> list[str]:
    """Walk the ranked texts until `budget` characters are read; the last one is cut.

    A fixed character budget compares systems with different chunk sizes fairly: ten
    1024-token chunks are ~40k characters, ten of ours ~10k.
    """
    out: list[str] = []
    left = budget
    for text in texts:
        if left <= 0:
            break
        out.append(text[:left])
        left -= len(text)
    return out


def relevant_flags(texts_norm: Sequence[str], quotes_norm: Sequence[str]) -> list[bool]:
    """Per text: does it contain any gold quote (binary relevance)."""
    return [any(q in t for q in quotes_norm) for t in texts_norm]


def reciprocal_rank(relevant: Sequence[bool], k: int) -> float:
    """1 / rank of the first relevant item within the top k, else 0."""
    for rank, rel in enumerate(relevant[:k], start=1):
        if rel:
            return 1.0 / rank
    return 0.0


def ndcg(relevant: Sequence[bool], n_relevant: int, k: int) -> float | None:
    """nDCG@k with gain 1 per relevant item; the ideal ranking puts min(k, n_relevant) first.

    `n_relevant` is how many items in the whole corpus are relevant, so a system is not
    rewarded for retrieving few relevant items when more exist. None if none exist.
    """
    ideal_n = min(k, n_relevant)
    if ideal_n <= 0:
        return None
    dcg = sum(1.0 / math.log2(i + 2) for i, rel in enumerate(relevant[:k]) if rel)
    idcg = sum(1.0 / math.log2(i + 2) for i in range(ideal_n))
    return dcg / idcg


def force_recall(retrieved_forces: Sequence[str], relevant_forces: Sequence[str]) -> float | None:
    """Share of the relevant forces with at least one retrieved passage."""
    got = {f.lower() for f in retrieved_forces}
    return share([f.lower() in got for f in relevant_forces])


def fact_coverage(answer_text: str, facts: Sequence[str]) -> float | None:
    """Share of answer facts (short strings: numbers, names) found in the answer text."""
    text = normalize(answer_text)
    return share([normalize(f) in text for f in facts])


def citation_precision(
    cited: Sequence[tuple[str, str]], quotes_norm: Sequence[str], relevant_forces: Sequence[str]
) -> float | None:
    """Share of citations (normalised text, force) holding a gold quote or from a relevant force."""
    forces = {f.lower() for f in relevant_forces}
    return share([any(q in text for q in quotes_norm) or force.lower() in forces for text, force in cited])


def _claim(text: str) -> str:
    """A quoted span without its list bullet, emphasis or the punctuation left by a marker."""
    return _LEADING.sub("", _BULLET.sub("", text)).strip()


def cited_claims(answer_text: str) -> list[tuple[str, list[int]]]:
    """(claim text, marker numbers) for each cited span: the text of a line up to each marker.

    "A. [1] B. [2]" gives two claims. Lines without a marker (a system-written lead, a
    heading, the coverage ledger) are not claims; list bullets, nested or not, are dropped.
    """
    out: list[tuple[str, list[int]]] = []
    for line in answer_text.splitlines():
        start, first = 0, len(out)
        for match in _MARKER.finditer(line):
            numbers = [int(n) for n in match.group(1).split(",")]
            claim = _claim(line[start:match.start()])
            if claim:
                out.append((claim, numbers))
            elif len(out) > first:  # "claim [1] [2]": both markers cite the same claim
                out[-1][1].extend(numbers)
            start = match.end()
    return out


def _squash(text_norm: str) -> str:
    """Normalised text without free-standing dashes, so a list item quoted without the report's
    own "- " bullet (or a dash the answer dropped) still matches the passage verbatim."""
    return " ".join(_DASH.sub(" ", text_norm).split())


Claims = Sequence[tuple[str, Sequence[int]]]


def citation_support(answer: str | Claims, citations_norm: Sequence[str]) -> float | None:
    """Share of cited claims that are verbatim in one of the passages they cite.

    `answer`: the answer's text (claims parsed with `cited_claims`) or its claims as
    (sentence, citation numbers), e.g. from `Answer.sentences`. Extractive answers quote
    sentences, so anything below 1.0 is a composition bug.
    """
    passages = [_squash(t) for t in citations_norm]
    flags = []
    for claim, numbers in cited_claims(answer) if isinstance(answer, str) else answer:
        claim_norm = _squash(normalize(claim))
        texts = [passages[n - 1] for n in numbers if 0 < n <= len(passages)]
        flags.append(bool(claim_norm) and any(claim_norm in t for t in texts))
    return share(flags)


def plain_text(answer_text: str) -> str:
    """What a reader reads: the answer without citation markers, bullets or Markdown emphasis."""
    lines = (_BULLET.sub("", _MARKER.sub("", line)) for line in answer_text.splitlines())
    return "\n".join(_EMPHASIS.sub("", line).strip() for line in lines if line.strip())


def answer_words(answer_text: str) -> int:
    """Words in the answer as read (markers, bullets and emphasis left out); "1,655", "70:1"
    and "don't" are one word each."""
    return len(_WORD.findall(plain_text(answer_text)))


def force_precision(cited_forces: Sequence[str], relevant_forces: Sequence[str]) -> float | None:
    """Share of the distinct forces an answer cites that the question is about; None if it cites none."""
    cited = {f.lower() for f in cited_forces}
    relevant = {f.lower() for f in relevant_forces}
    return share([f in relevant for f in sorted(cited)])


def cites_gold_evidence(cited_norm: Sequence[str], quotes_norm: Sequence[str]) -> bool:
    """Whether some cited passage holds a gold quote."""
    return any(relevant_flags(cited_norm, quotes_norm))


def answered_right(abstained: bool, cited_forces: Sequence[str], relevant_forces: Sequence[str],
                   cited_norm: Sequence[str], quotes_norm: Sequence[str]) -> bool:
    """A follow-up is answered right when the answer does not abstain, cites only forces the
    question is about, and cites at least one passage holding gold evidence."""
    return (not abstained and force_precision(cited_forces, relevant_forces) == 1.0
            and cites_gold_evidence(cited_norm, quotes_norm))


def rouge_l(answer_text: str, reference: str) -> float | None:
    """ROUGE-L F1 of the answer as read against a reference answer (Google's rouge-score,
    Porter-stemmed); None without a reference."""
    if not reference.strip():
        return None
    return _rouge().score(reference, plain_text(answer_text))["rougeL"].fmeasure


@lru_cache(maxsize=1)
def _rouge():  # built once: the scorer sets up its tokenizer and stemmer
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def abstention_scores(abstained: Sequence[bool], unanswerable: Sequence[bool]) -> dict[str, float | None]:
    """Precision/recall of abstaining on unanswerable questions, and false abstentions."""
    tp = sum(a and u for a, u in zip(abstained, unanswerable))
    n_abstained, n_unans = sum(abstained), sum(unanswerable)
    n_ans = len(unanswerable) - n_unans
    fp = n_abstained - tp
    return {
        "abstention_precision": tp / n_abstained if n_abstained else None,
        "abstention_recall": tp / n_unans if n_unans else None,
        "false_abstention_rate": fp / n_ans if n_ans else None,
    }


def mean(values: Sequence[float | None]) -> float | None:
    """Mean of the defined values; None if there are none."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def median(values: Sequence[float | None]) -> float | None:
    """Median of the defined values; None if there are none."""
    kept = [v for v in values if v is not None]
    return float(np.median(kept)) if kept else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100)."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else None


def bootstrap_ci(
    values: Sequence[float | None], resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float] | None:
    """Percentile bootstrap CI of the mean, resampling the questions the metric is defined on.

    A fixed seed keeps reports reproducible run to run.
    """
    kept = np.asarray([v for v in values if v is not None], dtype=float)
    if kept.size == 0:
        return None
    rng = np.random.default_rng(seed)
    means = kept[rng.integers(0, kept.size, size=(resamples, kept.size))].mean(axis=1)
    tail = (1.0 - level) / 2 * 100
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))
