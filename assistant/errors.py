"""One error family. Code raises these; each edge translates them once.

Every error's message is written for the user (what went wrong and what to do), so the
command lines print it as one `error:` line and exit with the error's `exit_code`, and the
app shows it as a chat message. Anything else that escapes is a bug.

The second base of some errors (ValueError, TimeoutError, ConnectionError) keeps older
callers' `except` clauses working.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Callable


class AssistantError(Exception):
    """Base of every error the assistant reports to its users."""

    exit_code = 1


class InvalidRequest(AssistantError, ValueError):
    """A question, filter, mode or other argument that cannot be served as given."""

    exit_code = 2


class ModelNotFound(AssistantError):
    """The configured embedding model is neither a local directory nor installed."""

    exit_code = 2


class IngestError(AssistantError):
    """A file that cannot be ingested; the message says which file and why."""

    exit_code = 1

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class IndexBusy(AssistantError, TimeoutError):
    """Another ingest held the index's lock for longer than we were willing to wait.

    `str(exc)` names the holder (pid, host, command line) for the command line and logs;
    `public` says the same without them, for other users of the app."""

    exit_code = 3

    def __init__(self, message: str, public: str = ""):
        super().__init__(message)
        self.public = public or message


class StoreUnavailable(AssistantError, ConnectionError):
    """The configured Chroma server does not answer."""

    exit_code = 4


class LLMUnavailable(AssistantError):
    """The LLM endpoint is not configured, does not answer in time, or fails."""

    exit_code = 5


class _Printable(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from assistant.text import printable

        return printable(super().format(record))


def run_cli(main: Callable[[], int]) -> int:
    """Run a command-line entry point: an `AssistantError` becomes one `error:` line on
    stderr and its exit code, never a traceback."""
    from assistant.text import printable  # control sequences never reach the terminal

    # Log lines carry file names and lock holders' command lines: printable too (the
    # handler Python uses when none is configured; it writes to the current stderr).
    logging.lastResort.setFormatter(_Printable())
    try:
        return main()
    except AssistantError as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
