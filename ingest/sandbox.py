"""Read files nobody vetted within a bounded budget: HTML and PDF in a child process.

A 4 KB PDF can inflate to gigabytes, a few hundred KB of text operators can keep pdfminer
busy for minutes, and a page can nest elements a hundred thousand deep. The readers refuse
what their own budget covers (ingest/limits.py: characters, inflated stream bytes, nesting);
what only a separate process can bound, time and memory, is bounded here: each HTML or PDF
file is read by a fresh `python -I` child with an address-space limit (`parse.memory_mb`),
a CPU-time limit and a wall-clock timeout (`parse.timeout_s`), at low priority so questions
stay fast meanwhile. Past any limit the file is refused with one line and nothing else of
the ingest is affected; the ingest lock is not held while files are read (ingest/pipeline.py).

Plain text is read in-process: its cost is linear in its size, which `max_file_mb` bounds.
The child gets the file's bytes and suffix, never its name, and answers in JSON.
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import subprocess
import sys
from dataclasses import astuple
from pathlib import Path

from assistant.errors import IngestError
from assistant.settings import Settings
from ingest.limits import ParseLimits
from ingest.source import SourceText

log = logging.getLogger("ingest")
UNTRUSTED = (".pdf", ".html", ".htm")
_ROOT = str(Path(__file__).resolve().parents[1])  # where the `ingest` package lives
_CHILD = "import sys; sys.path.insert(0, sys.argv[1]); from ingest.sandbox import child; child()"


def read_bounded(path: Path, data: bytes, settings: Settings) -> SourceText:
    """The file's canonical text, read within the settings' parse budget, or `IngestError`."""
    from ingest.readers import read_source

    limits = ParseLimits.from_settings(settings.parse)
    max_bytes = int(settings.max_file_mb * 2**20)
    if path.suffix.lower() not in UNTRUSTED or not settings.parse.sandbox:
        return read_source(path, max_bytes, data, limits)
    parse = settings.parse
    header = {"suffix": path.suffix.lower(), "limits": list(astuple(limits)),
              "memory_mb": parse.memory_mb, "cpu_s": math.ceil(parse.timeout_s) + 1}
    try:
        run = subprocess.run([sys.executable, "-I", "-c", _CHILD, _ROOT], input=json.dumps(header).encode() + b"\n" + data,
                             capture_output=True, timeout=parse.timeout_s)
    except subprocess.TimeoutExpired:  # run() has killed it
        raise IngestError(path, f"refused: reading it took over {parse.timeout_s:g} s (limit EA_PARSE__TIMEOUT_S)") from None
    try:
        answer = json.loads(run.stdout)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and "text" in answer:
        headings = {int(k): int(v) for k, v in answer["headings"]} if answer["headings"] is not None else None
        return SourceText(path=path, text=answer["text"], format=answer["format"], headings=headings)
    if isinstance(answer, dict) and "error" in answer:
        raise IngestError(path, str(answer["error"]))
    log.debug("reader of %s exited %s: %s", path, run.returncode, run.stderr[-2000:])
    if run.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise IngestError(path, f"refused: reading it took over {parse.timeout_s:g} s of CPU (limit EA_PARSE__TIMEOUT_S)")
    if b"MemoryError" in run.stderr:  # out of memory even for the answer
        raise IngestError(path, f"refused: reading it needs over {parse.memory_mb} MB of memory (limit EA_PARSE__MEMORY_MB)")
    raise IngestError(path, f"not readable: the reader stopped (exit code {run.returncode})")


def child() -> None:
    """The child's side: limits first, then read stdin's file, answer on stdout."""
    import resource

    header = json.loads(sys.stdin.buffer.readline())
    data = sys.stdin.buffer.read()
    memory = header["memory_mb"] * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (header["cpu_s"], header["cpu_s"] + 1))
    os.nice(10)  # a hostile file competes with questions for the CPU: let them win
    try:
        from ingest.readers import read_source

        source = read_source(Path(f"file{header['suffix']}"), len(data) + 1, data, ParseLimits(*header["limits"]))
        headings = sorted(source.headings.items()) if source.headings is not None else None
        answer = {"text": source.text, "format": source.format, "headings": headings}
    except IngestError as exc:
        answer = {"error": exc.reason}
    except MemoryError:
        answer = {"error": f"refused: reading it needs over {header['memory_mb']} MB of memory (limit EA_PARSE__MEMORY_MB)"}
    except RecursionError:
        answer = {"error": "refused: the file nests too deeply to read"}
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
