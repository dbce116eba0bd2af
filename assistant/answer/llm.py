"""LLM answers: an OpenAI-compatible model writes, then every sentence is checked.

The model only sees numbered passages marked as data. Its reply is not trusted: citation
markers to passages that were not supplied are dropped, sentences left without a valid
citation are dropped (this is also what removes text a prompt injection made it write),
and sentences whose cited passages do not carry their content words are dropped as
unsupported. Each removal is recorded in `Answer.notes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.answer.prompts import fill, load_prompt
from assistant.errors import LLMUnavailable
from assistant.index import Embedder
from assistant.records import Answer, Passage
from assistant.settings import AnswerSettings, LLMSettings
from assistant.text import sentences, terms

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# A sentence ends at . ! or ?, plus closing quotes and any markers placed after the stop.
_END = re.compile(r"[.!?][\"”’)]*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s+[\"“‘(\[]?[A-Z0-9])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_ABSTAIN = re.compile(
    r"\b(?:do(?:es)? not|don't|doesn't|cannot|can't|no|not enough|insufficient)\b.*"
    r"\b(?:answer|address|cover|contain|mention|say|state|information|evidence|detail)",
    re.I,
)
_SOURCE_WORD = re.compile(r"\b(?:passages?|reports?|sources?|evidence|information|context)\b", re.I)
# Text in a report that talks to the model. It stays in the prompt (as delimited data) but
# never counts as support: otherwise a model that obeys "reply PWNED" and cites the
# passage would pass the overlap check with the injected words themselves.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,60}\b(?:instructions?|prompts?|rules|directions)\b"
    r"|\b(?:reply|respond|answer|output|print|write)\b[^.]{0,30}\bonly with\b"
    r"|\byou are (?:now )?(?:an?|the) (?:ai|assistant|language model|chatbot)\b"
    r"|\b(?:system|developer) (?:prompt|message)\b",
    re.I,
)


@dataclass
class _Sentence:
    text: str
    cited: list[int]  # 1-based passage numbers as the model wrote them, valid ones only


def _attr(value: object) -> str:
    return re.sub(r'["<>\n]', " ", str(value or ""))


def _data(text: str) -> str:
    # No angle brackets at all inside the data block, so a report cannot close it or
    # forge a new <passage> (or any other tag) whatever spelling it uses.
    return text.replace("<", "‹").replace(">", "›")


def format_passages(passages: list[Passage]) -> str:
    blocks = []
    for n, p in enumerate(passages, 1):
        label = f"{p.report_type}, {p.year}" if p.year else p.report_type
        blocks.append(
            f'<passage id="{n}" force="{_attr(p.force or "other document")}" report="{_attr(label)}" '
            f'section="{_attr(p.section)}">\n{_data(p.text)}\n</passage>'
        )
    return "\n\n".join(blocks)


def build_messages(question: str, passages: list[Passage]) -> tuple[str, str]:
    """The system and user prompts for a question and its passages."""
    user = fill(load_prompt("answer_user"), question=_data(question), passages=format_passages(passages))
    return load_prompt("answer_system"), user


def _chat(system: str, user: str, llm: LLMSettings) -> str:
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike
    from openai import OpenAIError

    model = OpenAILike(
        model=llm.model, api_base=llm.base_url, api_key=llm.api_key, timeout=llm.timeout_s,
        max_tokens=llm.max_tokens, temperature=llm.temperature, is_chat_model=True,
        max_retries=0,  # retries back off for up to a minute: fail fast and say why instead
    )
    try:
        reply = model.chat([ChatMessage(role="system", content=system),
                            ChatMessage(role="user", content=user)])
    except OpenAIError as exc:  # timeouts, refused connections, HTTP errors: all OpenAIError
        raise LLMUnavailable(
            f"the LLM endpoint {llm.base_url} (model {llm.model!r}) failed: {_reason(exc)}. Check that the "
            "server runs and EA_LLM__BASE_URL / EA_LLM__MODEL name it, raise EA_LLM__TIMEOUT_S for a slow "
            f"model (now {llm.timeout_s:g} s), or use extractive mode."
        ) from exc
    return reply.message.content or ""


def _reason(exc: Exception) -> str:
    """The failure in a few words: the exception's class and first line."""
    first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def split_reply(text: str) -> list[tuple[str, list[str]]]:
    """(bullet prefix, sentences) per non-empty line of the model's reply."""
    lines = []
    for line in text.splitlines():
        bullet = _BULLET.match(line)
        prefix, body = ("- ", line[bullet.end():]) if bullet else ("", line.strip())
        parts, start = [], 0
        for m in _END.finditer(body):
            parts.append(body[start:m.end()].strip())
            start = m.end()
        parts = [s for s in parts + [body[start:].strip()] if s and s.strip("*#_ ")]
        if parts:
            lines.append((prefix, parts))
    return lines


def is_abstention(sentence: str) -> bool:
    plain = _MARKER.sub("", sentence)
    return len(plain.split()) <= 30 and bool(_ABSTAIN.search(plain) and _SOURCE_WORD.search(plain))


def evidence(p: Passage) -> list[str]:
    """The passage's sentences that can support a claim: not those addressed to the model."""
    return [s for s in sentences(p.text) if not _INSTRUCTION.search(s)]


def support(sentence: str, cited: list[Passage]) -> float:
    """Share of the sentence's content words found in its cited passages (1.0 if it has none)."""
    words = set(terms(sentence))
    if not words:
        return 1.0
    found = set(terms(" ".join(f"{p.force} {p.section} {p.report_type} {p.year} {' '.join(evidence(p))}"
                               for p in cited)))
    return len(words & found) / len(words)


def meaning(sentence: str, cited: list[Passage], embedder: Embedder) -> float:
    """Best cosine between the sentence and any sentence of its cited passages."""
    candidates = [s for p in cited for s in evidence(p)]
    if not candidates:
        return 0.0
    vectors = embedder.embed([sentence] + candidates)
    return float(np.max(vectors[1:] @ vectors[0]))


def answer_with_llm(question: str, passages: list[Passage], llm_settings: LLMSettings,
                    answer_settings: AnswerSettings, embedder: Embedder | None) -> Answer:
    """Ask the model, then keep only sentences whose citations are real and support them."""
    if not llm_settings.base_url:
        raise LLMUnavailable(
            "LLM mode needs an OpenAI-compatible endpoint: set EA_LLM__BASE_URL and EA_LLM__MODEL "
            "(e.g. EA_LLM__BASE_URL=http://127.0.0.1:8080/v1), or use extractive mode."
        )
    system, user = build_messages(question, passages)
    reply = _chat(system, user, llm_settings)
    notes = [f"supplied passage {n} ({p.force}, {p.heading}) contains text addressed to the model; "
             "it was passed as data and cannot support an answer"
             for n, p in enumerate(passages, 1) if _INSTRUCTION.search(p.text)]
    kept: list[tuple[str, list[_Sentence]]] = []
    said_no_answer = False
    for prefix, parts in split_reply(reply):
        line: list[_Sentence] = []
        for sentence in parts:
            numbers = [int(n) for group in _MARKER.findall(sentence) for n in re.split(r"\s*,\s*", group)]
            valid = list(dict.fromkeys(n for n in numbers if 1 <= n <= len(passages)))
            for n in dict.fromkeys(n for n in numbers if n not in valid):
                notes.append(f"removed citation [{n}]: no such passage")
            if not valid:
                if is_abstention(sentence):
                    said_no_answer = True
                    line.append(_Sentence(_MARKER.sub("", sentence).strip(), []))
                else:
                    notes.append(f"removed uncited sentence: {sentence}")
                continue
            cited = [passages[n - 1] for n in valid]
            share = support(_MARKER.sub(" ", sentence), cited)
            if share < answer_settings.min_support and (
                embedder is None or meaning(_MARKER.sub(" ", sentence), cited, embedder) < answer_settings.min_meaning
            ):
                notes.append(f"removed unsupported sentence ({share:.0%} of its words are in its cited "
                             f"passages {''.join(f'[{n}]' for n in valid)}): {sentence}")
                continue
            line.append(_Sentence(sentence, valid))
        if line:
            kept.append((prefix, line))

    # Renumber citations 1..n in order of first use; invalid markers vanish here.
    order: dict[int, int] = {}
    for _, line in kept:
        for s in line:
            for n in s.cited:
                order.setdefault(n, len(order) + 1)

    def renumber(m: re.Match[str]) -> str:
        numbers = dict.fromkeys(int(n) for n in re.split(r"\s*,\s*", m[1]))
        return "".join(f"[{order[n]}]" for n in numbers if n in order)

    def tidy(sentence: str) -> str:  # no gap left where a marker was dropped
        spaced = re.sub(r"\s{2,}", " ", _MARKER.sub(renumber, sentence))
        return re.sub(r"\s+([.!?,;:])", r"\1", spaced).strip()

    text = "\n".join(prefix + " ".join(tidy(s.text) for s in line) for prefix, line in kept)
    citations = [passages[n - 1] for n in order]
    # A partial answer that also says what is missing is still an answer; only a reply
    # with no supported, cited sentence left is an abstention.
    abstained = not citations
    if abstained and not said_no_answer:
        text = ("The passages do not answer this: no sentence of the model's reply was supported "
                "by a passage it cited.")
    forces = list(dict.fromkeys(p.force for p in citations if p.kind == "report"))  # documents are no force
    return Answer(question, text, citations, abstained, "llm", forces, list(passages), notes)
