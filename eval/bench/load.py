"""`python -m eval.bench.load`: many clients at once against the running app's API.

Starts `python app.py` on a free loopback port (on the index in settings, or `--index`),
waits until it answers, then runs `--clients` concurrent `gradio_client` clients, each
asking `--questions` gold questions in turn through `/ask` and `/search` alternately, all
within `--time-limit` seconds. Reports errors (failed, timed-out or malformed replies),
p50 / p95 latency per endpoint as a client sees it (queueing included) and throughput, then
stops the app it started. The number of requests and the time are both bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import assistant  # noqa: F401  (offline switches first)
from assistant.settings import REPO_ROOT
from eval.gold import DEFAULT_GOLD, load_gold
from eval.metrics import percentile

ENDPOINTS = ("/ask", "/search")
_POLL_S = 0.5  # how often to check whether the app is up


@dataclass
class LoadResult:
    clients: int
    requests: int  # attempted
    errors: int
    error_samples: list[str]
    seconds: float  # first request sent to last reply received
    throughput_rps: float
    latency_ms: dict[str, dict[str, float]]  # endpoint -> p50 / p95 / n
    startup_seconds: float = 0.0  # app process start to first successful request
    app_peak_rss_mb: float | None = None
    notes: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float | None:
    """A process's peak resident memory (VmHWM), Linux only."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class App:
    """`python app.py` in a child process on a free loopback port; stopped on exit."""

    def __init__(self, index: Path | None, startup_timeout: float, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = dict(os.environ, EA_SERVER_NAME="127.0.0.1", EA_SERVER_PORT=str(self.port),
                   GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(self.port))
        if index is not None:
            env["EA_INDEX_DIR"] = str(index)
        self.log = log
        self.began = time.perf_counter()
        self._log_file = log.open("wb")
        self.process = subprocess.Popen([sys.executable, "app.py"], cwd=REPO_ROOT, env=env,
                                        stdout=self._log_file, stderr=subprocess.STDOUT)
        self.startup_timeout = startup_timeout

    def wait_ready(self):
        """A connected client, once the app serves its API."""
        from gradio_client import Client

        deadline = self.began + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"app.py exited with code {self.process.returncode} before serving; "
                                   f"see {self.log}:\n{self.log.read_text(errors='replace')[-2000:]}")
            try:
                return Client(self.url, verbose=False, download_files=False)
            except Exception:  # not listening yet
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"app.py did not serve {self.url} within {self.startup_timeout:.0f} s; "
                                       f"see {self.log}") from None
                time.sleep(_POLL_S)

    def stop(self) -> float | None:
        """Stop the app (SIGTERM, then SIGKILL); returns its peak RSS in MB if known."""
        rss = peak_rss_mb(self.process.pid)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
        return rss


def check_reply(endpoint: str, reply: object) -> str | None:
    """What is wrong with a reply, or None if it has the shape the API documents."""
    if endpoint == "/ask" and not (isinstance(reply, dict) and isinstance(reply.get("text"), str)):
        return f"/ask returned {type(reply).__name__}, not an answer"
    if endpoint == "/search" and not (isinstance(reply, list) and all(isinstance(p, dict) for p in reply)):
        return f"/search returned {type(reply).__name__}, not a list of passages"
    return None


def run_clients(url: str, questions: list[str], clients: int, per_client: int, time_limit: float) -> LoadResult:
    """`clients` threads, one gradio_client each, `per_client` requests each, within `time_limit`."""
    from gradio_client import Client

    connected = [Client(url, verbose=False, download_files=False) for _ in range(clients)]
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {e: [] for e in ENDPOINTS}
    errors: list[str] = []
    attempted = 0
    began = time.perf_counter()
    deadline = began + time_limit

    def client_loop(c: int) -> None:
        nonlocal attempted
        for j in range(per_client):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                with lock:
                    errors.append(f"client {c}: time limit reached before request {j + 1} of {per_client}")
                return
            endpoint = ENDPOINTS[(c + j) % len(ENDPOINTS)]
            question = questions[(c * per_client + j) % len(questions)]
            with lock:
                attempted += 1
            sent = time.perf_counter()
            try:
                job = connected[c].submit(question, api_name=endpoint)
                problem = check_reply(endpoint, job.result(timeout=remaining))
            except Exception as exc:  # every failure counts, whatever raised it
                problem = f"{endpoint}: {type(exc).__name__}: {exc}"[:300]
            with lock:
                if problem:
                    errors.append(f"client {c}: {problem}")
                else:
                    latencies[endpoint].append(time.perf_counter() - sent)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client_loop, range(clients)))
    seconds = time.perf_counter() - began
    done = sum(len(v) for v in latencies.values())
    return LoadResult(
        clients=clients, requests=attempted, errors=len(errors), error_samples=errors[:5], seconds=seconds,
        throughput_rps=done / seconds if seconds else 0.0,
        latency_ms={e: {"p50": percentile(v, 50) * 1000, "p95": percentile(v, 95) * 1000, "n": len(v)}
                    for e, v in latencies.items() if v},
    )


def run(index: Path | None = None, clients: int = 16, per_client: int = 4, time_limit: float = 300.0,
        startup_timeout: float = 900.0, gold: Path = DEFAULT_GOLD, log: Path | None = None) -> LoadResult:
    """Start the app, load it, stop it. `log` keeps the app's output (default: a temp file)."""
    for name, value in (("clients", clients), ("per_client", per_client), ("time_limit", time_limit)):
        if value <= 0:
            raise ValueError(f"{name} must be greater than 0, got {value}")
    questions = [q.question for q in load_gold(gold)]
    log = log or Path(tempfile.mkstemp(prefix="bench-load-app-", suffix=".log")[1])
    app = App(index, startup_timeout, log)
    try:
        first = app.wait_ready()
        first.predict(questions[0], api_name="/ask")  # the app answers: startup is over
        startup = time.perf_counter() - app.began
        result = run_clients(app.url, questions, clients, per_client, time_limit)
        result.startup_seconds = startup
    finally:
        rss = app.stop()
    result.app_peak_rss_mb = rss
    return result


def print_result(r: LoadResult) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{r.clients} concurrent clients, {r.requests} requests in {r.seconds:.1f} s")
    for col in ("endpoint", "n", "p50 ms", "p95 ms"):
        table.add_column(col, justify="left" if col == "endpoint" else "right")
    for endpoint, f in r.latency_ms.items():
        table.add_row(endpoint, f"{f['n']:.0f}", f"{f['p50']:.0f}", f"{f['p95']:.0f}")
    console = Console()
    console.print(table)
    rss = f"{r.app_peak_rss_mb:.0f} MB" if r.app_peak_rss_mb is not None else "unknown"
    console.print(f"errors: {r.errors}    throughput: {r.throughput_rps:.2f} requests/s    "
                  f"app start to first answer: {r.startup_seconds:.1f} s    app peak RSS: {rss}")
    for sample in r.error_samples:
        console.print(f"  error: {sample}")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench.load", description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, help="index directory for the app (default: from settings)")
    p.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    p.add_argument("--questions", type=int, default=4, help="requests per client (default 4)")
    p.add_argument("--time-limit", type=float, default=300.0, help="seconds for all requests (default 300)")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    result = run(args.index, args.clients, args.questions, args.time_limit)
    print_result(result)
    if args.json:
        args.json.write_text(json.dumps(asdict(result), indent=2))
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
