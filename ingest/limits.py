"""The parse budget of one file: how much text, inflated PDF stream data and HTML nesting
a reader may meet before it refuses the file with one line.

These limits hold wherever a reader runs; the child process of ingest/sandbox.py adds the
time and memory limits that only a separate process can enforce.

PDF streams: pdfminer inflates a FlateDecode stream with one `zlib.decompress` call, so a
few KB can become gigabytes (filters can be chained) before anything could look at the
size. While a budget is active (`stream_budget`), its `zlib` is a bounded stand-in that
inflates at most what is left of the budget and raises past it; other filters (LZW,
run-length) are counted after decoding. The stand-in is installed once, module-wide, and
does nothing when no budget is active in the calling context (contextvars: per thread).
"""

from __future__ import annotations

import zlib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterator

from assistant.settings import ParseSettings

_MB = 2**20


class OverBudget(Exception):
    """A file needs more than its parse budget allows; the message says which limit."""


@dataclass(frozen=True)
class ParseLimits:
    max_chars: int = ParseSettings().max_chars
    max_decompressed: int = int(ParseSettings().max_decompressed_mb * _MB)  # bytes
    max_html_depth: int = ParseSettings().max_html_depth
    max_page_glyphs: int = ParseSettings().max_page_glyphs

    @classmethod
    def from_settings(cls, parse: ParseSettings) -> ParseLimits:
        return cls(parse.max_chars, int(parse.max_decompressed_mb * _MB), parse.max_html_depth, parse.max_page_glyphs)

    def check_chars(self, n: int) -> None:
        if n > self.max_chars:
            raise OverBudget(f"yields over {self.max_chars:,} characters of text (limit EA_PARSE__MAX_CHARS)")


class _Inflated:
    """Bytes left to inflate in the active parse (one per `stream_budget`)."""

    def __init__(self, limit: int):
        self.limit = self.left = limit

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise OverBudget(f"streams inflate past {self.limit / _MB:,.0f} MB (limit EA_PARSE__MAX_DECOMPRESSED_MB)")


_ACTIVE: ContextVar[_Inflated | None] = ContextVar("inflate_budget", default=None)


class _Decompressor:
    """zlib.decompressobj() that counts what it inflates (pdfminer's corrupted-stream path)."""

    def __init__(self, *args, **kwargs):
        self._d = zlib.decompressobj(*args, **kwargs)

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        budget = _ACTIVE.get()
        if budget is None:
            return self._d.decompress(data, max_length)
        out = self._d.decompress(data, min(max_length or budget.left + 1, budget.left + 1))
        budget.take(len(out))
        return out

    def __getattr__(self, name: str):
        return getattr(self._d, name)


class _BoundedZlib:
    """What pdfminer.pdftypes sees as `zlib`."""

    error = zlib.error
    decompressobj = _Decompressor

    @staticmethod
    def decompress(data: bytes, *args, **kwargs) -> bytes:
        budget = _ACTIVE.get()
        if budget is None:
            return zlib.decompress(data, *args, **kwargs)
        d = zlib.decompressobj()
        out = d.decompress(data, budget.left + 1)  # never more than one byte past the budget
        budget.take(len(out))
        if not d.eof:  # as zlib.decompress says of a cut stream (pdfminer then tries harder)
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out

    def __getattr__(self, name: str):
        return getattr(zlib, name)


def _install() -> None:
    import pdfminer.pdftypes as pdftypes

    if isinstance(pdftypes.zlib, _BoundedZlib):
        return
    pdftypes.zlib = _BoundedZlib()  # type: ignore[assignment]
    decode = pdftypes.PDFStream.decode
    # Filters pdfminer inflates itself (flate goes through the stand-in; images are not decoded).
    inflating = {*pdftypes.LITERALS_LZW_DECODE, *pdftypes.LITERALS_RUNLENGTH_DECODE,
                 *pdftypes.LITERALS_ASCII85_DECODE, *pdftypes.LITERALS_ASCIIHEX_DECODE}

    def counted(self) -> None:  # type: ignore[no-untyped-def]
        decode(self)
        budget = _ACTIVE.get()
        if budget is not None and self.data and any(f in inflating for f, _ in self.get_filters()):
            budget.take(len(self.data))

    pdftypes.PDFStream.decode = counted  # type: ignore[method-assign]


@contextmanager
def stream_budget(limits: ParseLimits) -> Iterator[None]:
    """PDF streams inflated inside the block count against `limits.max_decompressed`."""
    _install()
    token = _ACTIVE.set(_Inflated(limits.max_decompressed))
    try:
        yield
    finally:
        _ACTIVE.reset(token)
