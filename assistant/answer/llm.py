"""LLM answers: an OpenAI-compatible model writes (streamed), then every sentence is checked.

The model only sees numbered passages marked as data, as many as fit the prompt budget
(prompts.py). Its reply streams back as `Draft`s, unchecked; then replies.py checks it
sentence by sentence. A reply with nothing left after the checks, or one that declines
although the gates found strong evidence, is not used: `fall_back` puts the extractive
answer in its place, with a one-line note saying why.

Every failure of the endpoint (refused, HTTP error, timeout, a reply cut off mid-stream) is
`LLMUnavailable`, whose message says what to check.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Generator

from assistant.answer.prompts import Counter, approx_tokens, build_messages, fit_prompt, format_passages
from assistant.answer.replies import INSTRUCTION, ReplyChecker, meaning, support
from assistant.errors import LLMUnavailable
from assistant.index import Embedder
from assistant.records import Answer, AnswerSentence, Draft, Passage
from assistant.settings import AnswerSettings, LLMSettings

__all__ = ["answer_with_llm", "build_messages", "fall_back", "format_passages", "meaning", "stream_llm_answer",
           "stream_reply", "support"]

DECLINED = ("the model said the passages do not answer this, although the search found passages that deal "
            "with the question")


def _check_hint(llm: LLMSettings) -> str:
    return (f"Check that the server runs at EA_LLM__BASE_URL and serves EA_LLM__MODEL, raise EA_LLM__TIMEOUT_S "
            f"for a slow model (now {llm.timeout_s:g} s; the first token comes only after the whole prompt is "
            "read) or lower EA_LLM__PROMPT_TOKENS, or use extractive mode.")


def _reason(exc: Exception) -> str:
    """The failure in a few words: the exception's class and first line."""
    first = str(exc).strip().splitlines()[0][:200].rstrip(".") if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _unavailable(llm: LLMSettings, what: str) -> LLMUnavailable:
    return LLMUnavailable(f"the LLM endpoint {llm.base_url} (model {llm.model!r}) {what}. {_check_hint(llm)}")


def stream_reply(system: str, user: str, llm: LLMSettings) -> Generator[str, None, str]:
    """The model's reply, piece by piece as the server sends it; returns the finish reason
    ("stop", "length"). `timeout_s` bounds each wait for the next piece, so a long answer
    from a slow model is not cut while it still writes. Closing the generator closes the
    HTTP response at once, which tells the server to stop.

    The openai client, not llama-index's OpenAILike.stream_chat: closing that generator
    left the response open until the garbage collector ran (measured: the loopback server
    kept writing), so Stop would not have reached the model."""
    import httpx
    from openai import OpenAI, OpenAIError

    client = OpenAI(base_url=llm.base_url, api_key=llm.api_key, timeout=llm.timeout_s,
                    max_retries=0)  # retries back off for up to a minute: fail fast and say why instead
    received, finish = 0, None
    try:
        with client.chat.completions.create(
            model=llm.model, max_tokens=llm.max_tokens, temperature=llm.temperature, stream=True,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
        ) as chunks:
            for chunk in chunks:
                choice = chunk.choices[0] if chunk.choices else None  # a last usage-only chunk has none
                finish = (choice.finish_reason if choice else None) or finish
                if choice and choice.delta and choice.delta.content:
                    received += len(choice.delta.content)
                    yield choice.delta.content
    except (OpenAIError, httpx.HTTPError, json.JSONDecodeError) as exc:  # refused, HTTP error, timeout, cut off
        after = f" after {received} characters of its reply" if received else ""
        raise _unavailable(llm, f"failed{after}: {_reason(exc)}") from exc
    finally:
        client.close()
    if finish is None:  # the connection ended cleanly but the model never said it had finished
        raise _unavailable(llm, f"stopped sending after {received} characters, before the model finished")
    return finish


def stream_llm_answer(question: str, passages: list[Passage], llm_settings: LLMSettings,
                      answer_settings: AnswerSettings, embedder: Embedder | None,
                      count: Counter | None = None) -> Generator[Draft, None, tuple[Answer, str]]:
    """Drafts while the model writes; returns the checked answer and, when it cannot be used
    (nothing supported left, or a decline), why not ("" when it can)."""
    if not llm_settings.base_url:
        raise LLMUnavailable(
            "LLM mode needs an OpenAI-compatible endpoint: set EA_LLM__BASE_URL and EA_LLM__MODEL "
            "(e.g. EA_LLM__BASE_URL=http://127.0.0.1:8080/v1), or use extractive mode."
        )
    prompt = fit_prompt(question, passages, llm_settings.prompt_tokens, count or approx_tokens)
    pieces = stream_reply(prompt.system, prompt.user, llm_settings)
    reply = ""
    try:
        while True:
            try:
                delta = next(pieces)
            except StopIteration as stop:
                finish = stop.value
                break
            reply += delta
            yield Draft(reply, delta)
    finally:
        pieces.close()  # a consumer that stops reading (the app's Stop) ends the request

    checked = ReplyChecker(prompt.passages, answer_settings, embedder).check(reply)
    notes = [f"supplied passage {n} ({p.force}, {p.heading}) contains text addressed to the model; "
             "it was passed as data and cannot support an answer"
             for n, p in enumerate(prompt.passages, 1) if INSTRUCTION.search(p.text)]
    if prompt.left_out:
        notes.append(f"{prompt.left_out} of {len(passages)} passages were left out of the prompt to keep it "
                     f"within EA_LLM__PROMPT_TOKENS={llm_settings.prompt_tokens} tokens")
    if finish == "length":
        notes.append(f"the model's reply was cut at EA_LLM__MAX_TOKENS={llm_settings.max_tokens} tokens")
    notes += checked.notes
    text = checked.text
    # A partial answer that also says what is missing is still an answer; only a reply
    # with no supported, cited sentence left is an abstention.
    if not checked.citations and not checked.declined:
        text = ("The passages do not answer this: no sentence of the model's reply was supported "
                "by a passage it cited.")
    forces = list(dict.fromkeys(p.force for p in checked.citations if p.kind == "report"))  # documents are no force
    answer = Answer(question, text, checked.citations, not checked.citations, "llm", forces, list(passages), notes)
    if checked.citations:
        return answer, ""
    if checked.declined:
        return answer, DECLINED
    if not reply.strip():
        return answer, "its reply was empty"
    if not checked.cited_any:
        return answer, "none of its sentences cited a passage"
    return answer, "none of its sentences was supported by the passages it cited"


def answer_with_llm(question: str, passages: list[Passage], llm_settings: LLMSettings,
                    answer_settings: AnswerSettings, embedder: Embedder | None) -> Answer:
    """The checked LLM answer, without drafts or fallback (abstained when nothing survived)."""
    answer, _ = drain(stream_llm_answer(question, passages, llm_settings, answer_settings, embedder,
                                        embedder.count_tokens if embedder else None))
    return answer


def drain(events: Generator[Draft, None, tuple[Answer, str]]) -> tuple[Answer, str]:
    """Run a draft stream to its end and return what it returns."""
    while True:
        try:
            next(events)
        except StopIteration as stop:
            return stop.value


def fall_back(extractive: Answer, unused: Answer, reason: str) -> Answer:
    """The extractive answer in place of an unusable reply, saying so in its first line; what
    the checks removed from the reply stays in the notes."""
    note = f"The model's reply was not used: {reason}. This is the extractive answer from the same passages."
    sentences = [AnswerSentence(note, role="note"), *extractive.sentences] if extractive.sentences else []
    return dataclasses.replace(extractive, text=f"_{note}_\n\n{extractive.text}", sentences=sentences,
                               notes=unused.notes + extractive.notes, fallback=reason)
