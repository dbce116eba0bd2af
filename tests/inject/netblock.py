"""Refuse network access to anything but loopback, and log every attempt (test helper).

Used in process by tests/test_offline.py (through pytest's monkeypatch) and, through
`sitecustomize.py`, in subprocesses such as `python app.py`.
"""

from __future__ import annotations

import socket
import traceback
from pathlib import Path
from typing import Any, Callable

_LOOPBACK_NAMES = {"localhost", "::1", "0.0.0.0", "::", ""}


def is_loopback(host: Any) -> bool:
    if host is None:  # getaddrinfo(None, port): an address to bind to, no lookup
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    return isinstance(host, str) and (host in _LOOPBACK_NAMES or host.startswith("127."))


def patches(log: Path) -> list[tuple[Any, str, Callable]]:
    """(object, attribute, replacement) triples that block and log non-loopback access."""

    def refuse(what: str, host: Any) -> None:
        if is_loopback(host):
            return
        where = " <- ".join(line.strip().splitlines()[0] for line in reversed(traceback.format_stack(limit=8)[:-2]))
        with open(log, "a") as out:
            out.write(f"{what} {host!r}: {where}\n")
        raise ConnectionRefusedError(f"network blocked by the test: {what} {host!r}")

    def guard(name: str, real: Callable) -> Callable:
        def guarded(self: socket.socket, *args: Any) -> Any:
            address = args[-1] if name == "sendto" else args[0]
            if self.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
                refuse(name, address[0])
            return real(self, *args)

        return guarded

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        refuse("getaddrinfo", host)
        return real_getaddrinfo(host, *args, **kwargs)

    out: list[tuple[Any, str, Callable]] = [
        (socket.socket, name, guard(name, getattr(socket.socket, name))) for name in ("connect", "connect_ex", "sendto")
    ]
    out.append((socket, "getaddrinfo", getaddrinfo))
    return out
