"""One ingest at a time per index: an OS file lock beside the index.

Two ingests writing the same index at once would interleave their deletes and adds, and
each would trust a registry the other is changing. So every ingest (and `--rebuild`) holds
an exclusive `flock` on a lock file (via `filelock`); a second one waits for it up to
`ingest_lock_timeout_s`, then gives up with `IndexBusy`. Searching and asking never take
it: they only read.

The OS drops the lock when its holder dies, even by SIGKILL, so a crashed ingest never
leaves a stale lock behind; the file itself stays and only says who held it last.

Embedded Chroma: the lock file is `<index_dir>/ingest.lock`, so it covers every process on
every machine that opens that directory (on a local disk or one whose file system honours
`flock`). Chroma server (`chroma_url` or `chroma_host` set): there is no shared local
directory, so the lock lives in the system temp dir, named after the server; it keeps
ingests started on this machine apart, not ingests from other machines into that server.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from assistant.errors import IndexBusy
from assistant.settings import Settings

log = logging.getLogger("ingest")


def lock_path(settings: Settings) -> Path:
    server = settings.chroma_server()
    if server is not None:
        name = re.sub(r"[^A-Za-z0-9.-]+", "-", f"{server[0]}-{server[1]}")
        return Path(tempfile.gettempdir()) / f"evidence-assistant-ingest-{name}.lock"
    return Path(settings.index_dir) / "ingest.lock"


def holder(path: Path) -> str:
    """Who holds (or last held) the lock, as its holder wrote it on taking it."""
    try:
        info = json.loads(path.read_text())
        return f"pid {info['pid']} on {info['host']}, `{info['command']}`, since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):  # not written yet, or being rewritten
        return "holder unknown"


def _write_holder(fd: int) -> None:
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": " ".join([Path(sys.orig_argv[0]).name, *sys.orig_argv[1:]])[:200],
        "since": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode(), 0)


@contextmanager
def ingest_lock(settings: Settings, timeout: float | None = None) -> Iterator[Path]:
    """Hold the index's ingest lock for the block; raise `IndexBusy` after `timeout` seconds
    (default: the `ingest_lock_timeout_s` setting) if another ingest keeps it."""
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    timeout = settings.ingest_lock_timeout_s if timeout is None else timeout
    # fallback_to_soft=False: on a file system without flock a marker file would outlive a
    # killed holder and block every later ingest; better to say so at once.
    lock = FileLock(path, fallback_to_soft=False, on_acquired=_write_holder)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.warning("waiting up to %.0f s for another ingest on this index (%s; lock %s)",
                    timeout, holder(path), path)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            advice = "Let it finish and run again, or wait longer with EA_INGEST_LOCK_TIMEOUT_S."
            raise IndexBusy(
                f"another ingest is writing this index ({holder(path)}; lock {path}); waited "
                f"{timeout:.0f} s. {advice}",
                public=f"another ingest is writing this index; waited {timeout:.0f} s. Try again in a while.",
            ) from None
    except OSError as exc:
        raise OSError(
            f"cannot lock {path} for ingest ({exc.strerror or exc}): put the index on a file system "
            "that supports file locks (flock), e.g. a local disk"
        ) from exc
    try:
        yield path
    finally:
        lock.release()
