"""Stop an ingest subprocess at an exact point of its index writes (test helper).

FAULT_AT="passages.add:2:after" acts at the 2nd `add` on the passages collection, after it
returns; `before` acts before the call, `during` from a thread FAULT_DELAY_MS (default 5)
after the call starts. Collections: `passages`, `reports` (the registry); operations: `add`,
`upsert`, `delete`. FAULT_ACTION=kill (default) SIGKILLs the process; `pause` creates the
file FAULT_REACHED, then waits until the file FAULT_GO exists.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any, Callable


def act() -> None:
    if os.environ.get("FAULT_ACTION", "kill") == "pause":
        open(os.environ["FAULT_REACHED"], "w").close()
        while not os.path.exists(os.environ["FAULT_GO"]):
            time.sleep(0.05)
    else:
        os.kill(os.getpid(), signal.SIGKILL)


def install(spec: str) -> None:
    import assistant.offline  # noqa: F401  (the offline switches, before chromadb loads)
    from chromadb.api.models.Collection import Collection

    target, nth, when = spec.split(":")
    calls: dict[str, int] = {}

    def hook(op: str, real: Callable) -> Callable:
        def hooked(self: Collection, *args: Any, **kwargs: Any) -> Any:
            key = f"{self.name.split('-')[0]}.{op}"
            calls[key] = calls.get(key, 0) + 1
            hit = key == target and calls[key] == int(nth)
            if hit and when == "before":
                act()
            if hit and when == "during":
                threading.Timer(int(os.environ.get("FAULT_DELAY_MS", "5")) / 1000, act).start()
            result = real(self, *args, **kwargs)
            if hit and when == "after":
                act()
            return result

        return hooked

    for op in ("add", "upsert", "delete"):
        setattr(Collection, op, hook(op, getattr(Collection, op)))
