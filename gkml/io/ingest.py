"""Read one input file (plain text, HTML page, PDF, scanned PDF, page image) into a normalised `Document`.

This module only decides what kind of input a file is, from its bytes first because report sites
mislabel files, and hands it to that kind's reader: `gkml.io.encoding` (text), `gkml.io.html`,
`gkml.io.pdf`, `gkml.io.image`; `gkml.io.normalise` then makes the text every later stage reads.
Every failure is an `IngestError` whose message a human can act on.
"""

from __future__ import annotations

from pathlib import Path

from gkml.io.document import Document, IngestError
from gkml.io.encoding import decode, meta_charset
from gkml.io.html import html_text
from gkml.io.image import image_text
from gkml.io.normalise import normalise
from gkml.io.pdf import pdf_text

MAX_BYTES = 50 * 1024 * 1024

_IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"}
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_OFFICE = {b"PK\x03\x04": "a ZIP container (docx, xlsx, ofd, zip)", b"\xd0\xcf\x11\xe0": "a legacy Office file (doc, xls, wps)"}


def _sniff(data: bytes, ext: str) -> str:
    """Input kind from the bytes first, the extension second (sites mislabel files)."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    bmp = data.startswith(b"BM") and int.from_bytes(data[2:6], "little") == len(data)
    if data.startswith(_IMAGE_MAGIC) or data[8:12] == b"WEBP" or bmp or (ext in _IMAGE_EXTS and not data.isascii()):
        return "image"  # read by OCR
    for magic, what in _OFFICE.items():
        if data.startswith(magic):
            raise IngestError(f"unsupported file type: {what}; convert it to PDF, HTML or text")
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if ext in {".html", ".htm", ".xhtml", ".shtml"} or head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "txt"


def ingest(path: str | Path, max_bytes: int = MAX_BYTES) -> Document:
    """Read one input file into a `Document`; any unusable input raises `IngestError`."""
    p, source = Path(path), str(path)
    if not p.exists():
        raise IngestError(f"no such file: {source}")
    if p.is_dir():
        raise IngestError(f"is a directory, not a file: {source}")
    size = p.stat().st_size
    if size > max_bytes:
        raise IngestError(f"file too large: {size} bytes, the limit is {max_bytes} bytes")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read file: {e.strerror or e}") from None
    if not data.strip():
        raise IngestError("empty file" if not data else "empty file: whitespace only")
    ext = p.suffix.lower()
    kind = _sniff(data, ext)
    encoding, ocr_info = None, None
    if kind in ("pdf", "image"):
        original, ocr_info = pdf_text(data) if kind == "pdf" else image_text(data)
        raw, raw_offs = original, None
    else:
        try:
            original, encoding = decode(data, meta_charset(data) if kind == "html" else None)
        except IngestError as e:
            raise IngestError(f"cannot read PDF: no %PDF header ({e})" if ext == ".pdf" else str(e)) from None
        raw, raw_offs = html_text(original) if kind == "html" else (original, None)
    text, offs = normalise(raw)
    if raw_offs is not None:
        offs = [raw_offs[i] for i in offs]
    if not text.strip():
        raise IngestError(f"empty file: no text in the {kind.upper()} input")
    return Document(text, offs, original, kind, source, encoding, ocr_info)
