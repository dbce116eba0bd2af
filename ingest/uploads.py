"""Files users upload through the app: limits, generated names, and no leftovers.

An upload's own name is never a path: it is cleaned for display (no control or invisible
characters) and kept as provenance, and the file is stored under a generated name (32 hex
digits and the supported suffix its name ends in) in a folder of `app.uploads_dir` per index
(`folder`): an index built with other settings has uploads of its own, and its sweep must
never take another index's files. The bytes are
written there only under the ingest lock, just before the report's chunks (ingest/pipeline.py);
a failed write deletes them again, and a file that no registered report points to (an
upload or removal killed midway) is deleted by the next ingest's `sweep`, which touches
nothing but generated names.
"""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path
from typing import Iterable

from assistant.index import Embedder, PassageStore, index_name
from assistant.records import IngestFailure, IngestReport, Provenance, ReportInfo
from assistant.settings import SUPPORTED_SUFFIXES, Settings
from assistant.text import display_name
from ingest.prepare import Item, now

log = logging.getLogger("ingest")
_MB = 2**20
_GENERATED = re.compile(rf"[0-9a-f]{{32}}(?:{'|'.join(re.escape(s) for s in SUPPORTED_SUFFIXES)})")


def is_generated(path: Path) -> bool:
    return bool(_GENERATED.fullmatch(path.name))


def folder(settings: Settings) -> Path:
    """Where this index's uploads are kept."""
    return Path(settings.app.uploads_dir) / index_name(settings)


def place(item: Item, data: bytes) -> None:
    """Write an upload's bytes to its generated name (nothing for files ingested in place)."""
    if item.placed:
        item.source.parent.mkdir(parents=True, exist_ok=True)
        with open(item.source, "xb") as out:  # a generated name: never an existing file
            out.write(data)


def sweep(settings: Settings, registered: Iterable[ReportInfo]) -> list[Path]:
    """Delete this index's uploaded files no registered report points to; run under the ingest lock."""
    own = folder(settings)
    if not own.is_dir():
        return []
    kept = {Path(r.source).resolve() for r in registered}
    gone = [p for p in own.iterdir() if p.is_file() and is_generated(p) and p.resolve() not in kept]
    for path in gone:
        path.unlink(missing_ok=True)
    if gone:
        log.warning("deleted %d uploaded files no report in the index points to (an upload or removal was "
                    "interrupted)", len(gone))
    return gone


def user_total(reports: Iterable[ReportInfo], user: str) -> int:
    """Bytes of the uploads of one user the index holds."""
    return sum(r.size for r in reports if r.origin == "upload" and r.added_by == user)


def upload_items(settings: Settings, reports: list[ReportInfo], files: list[tuple[Path, str]],
                 user: str) -> tuple[list[Item], list[IngestFailure]]:
    """Items for uploaded files within the upload limits, and one failure per file refused."""
    cfg = settings.app
    if len(files) > cfg.max_upload_files:
        return [], [IngestFailure("upload", f"{len(files)} files in one upload; at most {cfg.max_upload_files} "
                                            "(EA_APP__MAX_UPLOAD_FILES)")]
    items, errors = [], []
    used = user_total(reports, user)
    for path, name in files:
        shown = display_name(name or Path(path).name) or "unnamed file"
        suffix = Path(shown).suffix.lower()
        size = Path(path).stat().st_size
        if suffix not in SUPPORTED_SUFFIXES:
            errors.append(IngestFailure(shown, f"unsupported file type '{suffix or '(none)'}' "
                                               f"(supported: {', '.join(SUPPORTED_SUFFIXES)})"))
        elif size > cfg.max_upload_mb * _MB:
            errors.append(IngestFailure(shown, f"file is {size / _MB:.1f} MB, over the {cfg.max_upload_mb:g} MB "
                                               "upload limit (EA_APP__MAX_UPLOAD_MB)"))
        elif used + size > cfg.max_user_upload_mb * _MB:
            errors.append(IngestFailure(shown, f"your uploads would total {(used + size) / _MB:.1f} MB, over the "
                                               f"{cfg.max_user_upload_mb:g} MB each user may add "
                                               "(EA_APP__MAX_USER_UPLOAD_MB); remove some first"))
        else:
            used += size
            source = folder(settings) / f"{uuid.uuid4().hex}{suffix}"
            items.append(Item(Path(path), source, shown, Provenance("upload", user, now(), shown)))
    return items, errors


def add_uploads(settings: Settings, store: PassageStore, embedder: Embedder, files: list[tuple[Path, str]],
                user: str = "", as_document: bool = False) -> IngestReport:
    """Ingest uploaded files: (where the upload is, the name the user gave it) pairs."""
    from ingest.pipeline import ingest_items

    items, errors = upload_items(settings, store.reports(), files, user)
    return ingest_items(settings, store, embedder, items, as_document=as_document, errors=errors)
