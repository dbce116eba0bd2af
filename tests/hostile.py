"""Test helpers (not tests): hostile files, built in the test that uses them."""

from __future__ import annotations

import zlib


def tiny_pdf(content: bytes, filters: list[str]) -> bytes:
    """A one-page PDF whose content stream is `content` (already encoded by `filters`)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter [%s] >>\nstream\n" % (len(content), b" ".join(b"/" + f.encode() for f in filters))
        + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_bomb(inflated_mb: int = 400) -> bytes:
    """~1.5 KB of PDF whose content stream inflates (deflated twice) to `inflated_mb` MB."""
    once = zlib.compressobj(9)
    deflated = b"".join(once.compress(b" " * 2**20) for _ in range(inflated_mb)) + once.flush()
    return tiny_pdf(zlib.compress(deflated, 9), ["FlateDecode", "FlateDecode"])


def text_operators(times: int) -> bytes:
    """A PDF of a few KB whose one page draws the same line `times` times (pdfminer keeps an
    object per glyph until the page ends)."""
    ops = b"BT /F1 12 Tf 72 700 Td " + b"(Hello inspection report text) Tj " * times + b"ET"
    return tiny_pdf(zlib.compress(ops, 9), ["FlateDecode"])


def deep_html(depth: int, tag: str = "div") -> bytes:
    return ("<html><body><main><h1>Cheshire Constabulary</h1>" + f"<{tag}>" * depth + "Deep text."
            + f"</{tag}>" * depth + "</main></body></html>").encode()
