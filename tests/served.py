"""Test helpers (not tests): serve the app in-process on a free loopback port over a copy of
an index, for the API, browser and MCP tests."""

from __future__ import annotations

import shutil
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import app as app_module
from assistant import Assistant
from assistant.index import PassageStore
from assistant.settings import AppSettings

# A report whose text tries to run code in the page; it must show as text.
HOSTILE_REPORT = """National Child Protection Inspection

**Testshire Police
3–14 May 2021**

Missing children

Testshire Police responds quickly when children go missing from home <script>window.pwned = 1</script> and call handlers complete a risk assessment <img src=x onerror="window.pwned = 2"> for every missing child. Supervisors review high-risk missing child investigations every day.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    url: str
    assistant: Assistant
    root: Path


@contextmanager
def serve(bundled: Assistant, root: Path, **app_settings) -> Iterator[Served]:
    """The app over a copy of `bundled`'s index (uploads change the copy only)."""
    index = root / "index"
    shutil.copytree(bundled.settings.index_dir, index)
    s = bundled.settings.model_copy(update={
        "index_dir": index, "server_name": "127.0.0.1", "server_port": free_port(),
        "app": AppSettings(uploads_dir=root / "uploads", export_dir=root / "exports", **app_settings),
    })
    a = Assistant(s, PassageStore(s), bundled.embedder)
    demo = app_module.build_app(a)
    app_module.launch(demo, s, prevent_thread_lock=True, quiet=True)
    try:
        yield Served(f"http://127.0.0.1:{s.server_port}/", a, root)
    finally:
        demo.close()
