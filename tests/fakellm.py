"""Test helper (not tests): an OpenAI-compatible chat server on 127.0.0.1 that plays a model.

It answers POST /v1/chat/completions with `reply` (a string, or a function of the request
body: `replay` serves the real replies of shared/llm-replies by question), as one JSON
response or, when the client asks `stream=True`, as server-sent events in HTTP/1.1 chunks
like llama.cpp's server: one piece per word, `token_delay` seconds apart. To play a failing
server it answers with HTTP `status`, only after `delay` seconds, cuts the connection after
`die_after` pieces, or ends without a finish reason (`finish=None`). It records every
request body, how many pieces it sent, and whether the client hung up mid-stream.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from assistant.records import Passage

REPLIES = Path(__file__).parent / "fixtures" / "llm-replies" / "qwen2.5-coder-1.5b.json"


class FakeLLM(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.reset()

    def reset(self) -> None:
        self.reply: str | Callable[[dict], str] = ""
        self.status, self.delay, self.token_delay = 200, 0.0, 0.0
        self.die_after: int | None = None
        self.finish: str | None = "stop"
        self.requests: list[dict] = []
        self.pieces_sent = 0
        self.hung_up = threading.Event()  # the client closed the connection mid-stream
        self.completed = threading.Event()  # a stream was sent to its end

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> FakeLLM:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


def pieces(text: str) -> list[str]:
    """The reply as a model streams it: word by word, whitespace kept."""
    return re.findall(r"\s*\S+", text) + ([text[len(text.rstrip()):]] if text != text.rstrip() else [])


def recorded(path: Path = REPLIES) -> list[dict]:
    """The recorded cases: question, passages (n, force, section, text), reply, timings."""
    return json.loads(path.read_text(encoding="utf-8"))["cases"]


def recorded_passages(case: dict) -> list[Passage]:
    """A recorded case's passages as the model saw them, numbered 1..n."""
    return [Passage(f"p{p['n']}", p["text"], p["force"], f"{p['force']} report", "inspection", None, None, None,
                    p["section"], "", False, False, f"{p['force'].lower()}.txt", 0, len(p["text"]))
            for p in case["passages"]]


def replay(path: Path = REPLIES) -> Callable[[dict], str]:
    """The recorded reply to whichever recorded question the prompt asks."""
    cases = recorded(path)

    def reply(body: dict) -> str:
        user = body["messages"][-1]["content"]
        return next(c["reply"] for c in cases if f"Question: {c['question']}" in user)

    return reply


class _Handler(BaseHTTPRequestHandler):
    server: FakeLLM
    protocol_version = "HTTP/1.1"  # chunked streaming, as llama.cpp's server sends it

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        server = self.server
        server.requests.append(body)
        if server.delay:
            time.sleep(server.delay)  # a model too slow for the client's timeout
        if server.status != 200:
            self.send_error(server.status, "model crashed")
            return
        reply = server.reply(body) if callable(server.reply) else server.reply
        if body.get("stream"):
            self._stream(body, reply)
        else:
            self._whole(body, reply)

    def _whole(self, body: dict, reply: str) -> None:
        payload = json.dumps({
            "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _event(self, body: dict, delta: dict, finish: str | None) -> None:
        chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        self._chunk(f"data: {json.dumps(chunk)}\n\n".encode())

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _stream(self, body: dict, reply: str) -> None:
        server = self.server
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for n, piece in enumerate(pieces(reply)):
                if server.die_after is not None and n >= server.die_after:
                    self.close_connection = True  # cut mid-body: no last chunk
                    return
                if server.token_delay:
                    time.sleep(server.token_delay)
                self._event(body, {"role": "assistant", "content": piece}, None)
                server.pieces_sent += 1
            if server.finish:
                self._event(body, {}, server.finish)
            self._chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            server.completed.set()
        except (BrokenPipeError, ConnectionResetError):
            server.hung_up.set()
            self.close_connection = True

    def log_message(self, *args) -> None:
        pass


def passage(n: int, force: str, section: str, text: str) -> Passage:
    """A hand-made passage numbered n, as the prompts and checks see one."""
    return Passage(f"p{n}", text, force, f"{force} report", "inspection", None, None, 2021, section,
                   "Missing children", False, False, f"{force.lower()}.txt", 0, len(text))
