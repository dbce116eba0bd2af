"""Measure which embedding backend is fastest on this machine, within a cosine of float32.

Which one wins depends on the CPU (bfloat16 is fast only where the CPU multiplies bf16 in
hardware, and not on every such CPU; int8 ONNX needs VNNI to shine), so 'auto' measures it
instead of guessing from CPU flags: each available backend embeds the same short batch
(`TEXTS`, chunk-sized, written for this purpose), interleaved and repeated, fastest run
kept (other jobs on the machine only ever slow a run down). The fastest whose vectors
stay within `embedding.auto_min_cosine` of float32's on every text wins. The record (choice
and figures) goes to `Settings.choice_file()`; `python -m ingest --info` shows it.

Run by scripts/setup (`python -m ingest --calibrate`), else on first use; under a file lock,
so two processes starting at once measure once and agree.
"""

from __future__ import annotations

import platform
import sys
import time
from datetime import datetime, timezone

import numpy as np
from filelock import FileLock

from assistant.errors import AssistantError
from assistant.index.precision import CONCRETE, RECORD_FORMAT, cpu_flags, onnx_unavailable, read_record, write_record
from assistant.settings import Settings

# Inspection-report-like prose (written for calibration, not taken from any report), cut
# into texts of 40 to 250 word pieces: the lengths chunks have.
_SENTENCES = """Officers attending a domestic abuse incident should speak to every child in the
household and record what the child said. The force had a clear policy for missing children,
but supervisors did not always review the risk assessment within the expected time. Strategy
discussions were usually held promptly, and partner agencies attended most of them. In several
cases we reviewed, the voice of the child was not recorded, so later decisions could not take
account of the child's wishes. The multi-agency safeguarding hub shared information quickly
with children's social care. Staff told us that training on child exploitation had improved
their understanding of grooming and coercion. Detained children were not always released
into appropriate accommodation, and some stayed in custody overnight without good reason.
Registered sex offenders living with children were visited less often than the policy
requires. We recommend that the force reviews its approach to referrals within three months.
Leaders have invested in specialist teams, but demand has grown faster than their capacity.
Records of police protection were often incomplete, with no explanation of why the power was
used. The force works well with schools and health services to identify children at risk.""".split(". ")
_LENGTHS = (30, 45, 60, 75, 90, 105, 120, 135, 150, 165, 180, 195)  # words; ~1.3 word pieces each
ROUNDS = 3


def texts() -> list[str]:
    """Two texts of each length, starting at different sentences."""
    words_of = [s.replace("\n", " ").strip().rstrip(".") + "." for s in _SENTENCES]
    out = []
    for i, n in enumerate(_LENGTHS * 2):
        words: list[str] = []
        j = i
        while len(words) < n:
            words += words_of[j % len(words_of)].split()
            j += 1
        out.append(" ".join(words[:n]))
    return out


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def calibrate(settings: Settings, *, force: bool = False, rounds: int = ROUNDS) -> dict:
    """The record for this machine: read if there is one (unless `force`), else measured,
    written and returned."""
    from assistant.index.embedder import Embedder  # torch, transformers: only when measuring

    path = settings.choice_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        if not force and (record := read_record(settings)) is not None:
            return record  # another process measured while we waited
        _say(f"measuring embedding backends on this machine (once; recorded in {path}) ...")
        batch = texts()
        e = settings.embedding
        embedders, unavailable = {}, {}
        for name in CONCRETE:
            if name == "onnx-int8" and (why := onnx_unavailable(settings)):
                unavailable[name] = why
                continue
            try:
                embedder = Embedder(settings.model_dir(), e.device, e.batch_size, name, settings.onnx_dir(), settings)
                embedder.embed(batch)  # load, and the slow first calls, untimed
                embedders[name] = embedder
            except AssistantError as exc:  # ONNX export or load failed: torch it is
                if name == "float32":
                    raise
                unavailable[name] = str(exc)
        pieces = sum(min(n, embedders["float32"].max_tokens - embedders["float32"].special_tokens)
                     for n in embedders["float32"].count_tokens(batch))
        seconds: dict[str, list[float]] = {name: [] for name in embedders}
        vectors: dict[str, np.ndarray] = {}
        for r in range(rounds):  # interleaved, order alternating: load drift hits all alike
            for name in list(embedders)[:: -1 if r % 2 else 1]:
                began = time.perf_counter()
                vectors[name] = embedders[name].embed(batch)
                seconds[name].append(time.perf_counter() - began)
        reference = vectors["float32"]
        candidates = {}
        for name, runs in seconds.items():
            cosines = (vectors[name] * reference).sum(axis=1)
            candidates[name] = {
                "seconds": min(runs), "runs": [round(s, 3) for s in runs],
                "pieces_per_s": round(pieces / min(runs), 1),
                "speed_vs_float32": round(min(seconds["float32"]) / min(runs), 3),
                "cosine_min": round(float(cosines.min()), 5), "cosine_mean": round(float(cosines.mean()), 5),
                "accepted": bool(cosines.min() >= e.auto_min_cosine - 1e-6),
            }
        choice = max((c["pieces_per_s"], name) for name, c in candidates.items() if c["accepted"])[1]
        flags = sorted(f for f in cpu_flags() if f.startswith(("avx", "amx")) or f in ("fma", "f16c"))
        record = {
            "format": RECORD_FORMAT, "choice": choice, "model": settings.model_dir(),
            "min_cosine": e.auto_min_cosine, "texts": len(batch), "word_pieces": pieces, "rounds": rounds,
            "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": {"cpu": platform.processor() or platform.machine(), "flags": flags,
                        "torch_threads": _torch_threads()},
            "candidates": candidates, "unavailable": unavailable,
        }
        write_record(settings, record)
        _say(f"embedding precision 'auto' = {choice} on this machine "
             f"({candidates[choice]['speed_vs_float32']:.2f}x torch float32; `python -m ingest --info` for the figures)")
        return record


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()
