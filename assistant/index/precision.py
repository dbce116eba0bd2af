"""Which number format the embedding model runs at on this machine.

Read without loading torch: the index name depends on it (vectors differ by precision), and
naming an index must stay cheap.
"""

from __future__ import annotations

from pathlib import Path

from assistant.errors import InvalidRequest

PRECISIONS = ("auto", "float32", "bfloat16", "int8")
_NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # x86 CPUs that multiply bf16 in hardware


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: no cheap way to know, so no bf16 by default
        return set()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return set(line.partition(":")[2].split())


def resolve_precision(precision: str, device: str = "cpu") -> str:
    """'auto' -> bfloat16 on a CPU with native bf16 (emulated and slow elsewhere), else
    float32; other values are returned as given, after checking them."""
    if precision not in PRECISIONS:
        raise InvalidRequest(f"embedding precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision != "auto":
        return precision
    native = device == "cpu" and any(flag in cpu_flags() for flag in _NATIVE_BF16_FLAGS)
    return "bfloat16" if native else "float32"
