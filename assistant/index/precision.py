"""Which backend and number format the embedder runs at on this machine.

Read without loading torch: the index name depends on it (vectors differ by precision), and
naming an index must stay cheap. An explicit setting is used as given. 'auto' reads the
choice recorded for this machine and model (`Settings.choice_file()`); only when there is
no record does it measure (assistant/index/calibrate.py, which loads the models), once.

The record is per machine, not per index: it describes this CPU and the installed backends,
and every index on the machine then agrees. Indexes keep their names across this change:
float32 has no precision in its name, bfloat16 the same one as before, so pinning
`EA_EMBEDDING__PRECISION` finds an existing index again. When 'auto' picks something new,
the store warns that another precision's index exists (assistant/index/store.py) and the
next `python -m ingest` (scripts/run) fills the new one; the old one stays untouched.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import AssistantError, InvalidRequest

if TYPE_CHECKING:
    from assistant.settings import Settings

PRECISIONS = ("auto", "float32", "bfloat16", "int8", "onnx-int8")
CONCRETE = PRECISIONS[1:]
TORCH = ("float32", "bfloat16", "int8")
RECORD_FORMAT = 1
log = logging.getLogger(__name__)
_warned: set[str] = set()


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: no cheap way to know
        return set()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return set(line.partition(":")[2].split())


def check(precision: str) -> str:
    if precision not in PRECISIONS:
        raise InvalidRequest(f"embedding precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    return precision


def onnx_unavailable(settings: Settings) -> str | None:
    """Why the ONNX backend cannot run here (cheap: no import of onnxruntime), or None."""
    if importlib.util.find_spec("onnxruntime") is None:
        return "onnxruntime is not installed (pip install -e '.[onnx]')"
    from assistant.index.onnx_backend import QUANTISED

    if (settings.onnx_dir() / QUANTISED).is_file():
        return None
    if importlib.util.find_spec("onnx") is None:
        return f"no ONNX export in {settings.onnx_dir()} and the `onnx` package to make one is not installed"
    return None  # exported on first use, from the local weights


def read_record(settings: Settings) -> dict | None:
    """The recorded 'auto' choice for this machine and model, or None (missing, unreadable,
    another model, or an older layout)."""
    path = settings.choice_file()
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("precision record %s is unreadable (%s); measuring again", path, exc)
        return None
    if record.get("format") != RECORD_FORMAT or record.get("model") != settings.model_dir() \
            or record.get("choice") not in CONCRETE:
        return None
    return record


def write_record(settings: Settings, record: dict) -> Path:
    """Write atomically (a reader never sees half a record)."""
    path = settings.choice_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".precision-", suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w") as out:
        json.dump(record, out, indent=2)
    os.replace(tmp, path)
    return path


def warn_once(message: str, logger: logging.Logger = log) -> None:
    """Log a warning once per process (a setting's consequence, not news on every call)."""
    if message not in _warned:
        _warned.add(message)
        logger.warning(message)


def fallback(record: dict) -> str:
    """The fastest recorded torch precision within the cosine bar (float32 if none)."""
    ok = [(c["pieces_per_s"], name) for name, c in record.get("candidates", {}).items()
          if name in TORCH and c.get("accepted")]
    return max(ok)[1] if ok else "float32"


def resolve_precision(precision: str, device: str = "cpu", settings: Settings | None = None) -> str:
    """'auto' -> the recorded (else measured now) choice for this machine; off the CPU,
    float32. Other values are returned as given, after checking them."""
    if check(precision) != "auto":
        return precision
    if device != "cpu":
        return "float32"
    if settings is None:
        from assistant.settings import get_settings

        settings = get_settings()
    record = read_record(settings)
    if record is None:
        if not Path(settings.model_dir()).is_dir():  # nothing local to measure (and nothing is downloaded)
            return "float32"
        from assistant.index.calibrate import calibrate  # loads the models: only without a record

        try:
            record = calibrate(settings)
        except AssistantError as exc:  # the model does not load: embedding will say so; name it float32
            warn_once(f"could not measure embedding backends ({exc}); using float32")
            return "float32"
    choice = record["choice"]
    if choice == "onnx-int8" and (why := onnx_unavailable(settings)):
        choice = fallback(record)
        warn_once(f"embedding precision 'auto' recorded onnx-int8 for this machine, but {why}: "
                   f"using torch {choice} (its index is a different one)")
    return choice
