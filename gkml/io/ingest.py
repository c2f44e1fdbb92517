"""Read one input file (plain text, HTML page, PDF, scanned PDF, page image, Word file) into a `Document`.

This module only decides what kind of input a file is, from its bytes first because report sites
mislabel files, and hands it to that kind's reader: `gkml.io.encoding` (text), `gkml.io.html`,
`gkml.io.pdf`, `gkml.io.image`, `gkml.io.docx` (DOCX; DOC, WPS, RTF and ODT through LibreOffice);
`gkml.io.normalise` then makes the text every later stage reads (and, for plain text, joins the
paragraphs a page wrapped: `gkml.io.paragraphs`).
Every failure is an `IngestError` whose message a human can act on.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from gkml.io.document import Document, IngestError
from gkml.io.docx import convert_to_docx, docx_text, is_docx, is_zip, legacy_format
from gkml.io.encoding import decode, meta_charset
from gkml.io.html import html_text
from gkml.io.image import image_text
from gkml.io.normalise import normalise
from gkml.io.paragraphs import read_plain
from gkml.io.pdf import pdf_text

MAX_BYTES = 50 * 1024 * 1024
# Characters of normalised text a document may have: real reports have fewer than 200,000, so a
# longer text is a mistake (a dump, a log, a file glued from many) and would only cost minutes.
MAX_CHARS = 2_000_000

_IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"}
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_OLE = b"\xd0\xcf\x11\xe0"  # a legacy Office file (doc, wps, xls, ppt): an OLE compound file
_WORD_STREAM = "WordDocument".encode("utf-16-le")  # the stream every Word (and WPS) binary file has
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # a password-protected DOCX/XLSX is an OLE file holding this
_LEGACY_WORD = {".doc": "DOC", ".dot": "DOC", ".wps": "WPS", ".wpt": "WPS", ".rtf": "RTF"}


def _sniff(data: bytes, ext: str) -> str:
    """Input kind from the bytes first, the extension second (sites mislabel files)."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    bmp = data.startswith(b"BM") and int.from_bytes(data[2:6], "little") == len(data)
    if data.startswith(_IMAGE_MAGIC) or data[8:12] == b"WEBP" or bmp or (ext in _IMAGE_EXTS and not data.isascii()):
        return "image"  # read by OCR
    if data.startswith(b"PK\x03\x04"):
        if is_docx(data) or (not is_zip(data) and (ext in (".docx", ".docm", ".dotx") or b"word/" in data)):
            return "docx"  # a damaged one gets the DOCX reader's error
        if data[30:38] == b"mimetype" and data[38:77] == b"application/vnd.oasis.opendocument.text":
            return "doc"  # an OpenDocument text (.odt): converted by LibreOffice
        raise IngestError("unsupported file type: a ZIP container (xlsx, ofd, zip), not a Word document; "
                          "convert it to PDF, HTML or text")  # fmt: skip
    if data.startswith(_OLE):
        if _ENCRYPTED in data:
            raise IngestError("cannot read a password-protected Office file; save it without a password, or as PDF")
        if _WORD_STREAM in data:  # Word 6 to 2003, and WPS Office's .wps
            return "doc"  # converted to DOCX by LibreOffice
        if ext in _LEGACY_WORD:  # LibreOffice would read the bytes as text: refused here
            raise IngestError(f"cannot read {_LEGACY_WORD[ext]} file: an Office file with no Word document in it "
                              "(damaged, or an old WPS format); save it as DOCX or PDF")  # fmt: skip
        raise IngestError("unsupported file type: a legacy Office file (xls, ppt), not a Word document; "
                          "convert it to PDF, HTML or text")  # fmt: skip
    if data.startswith(b"{\\rtf"):
        return "doc"  # RTF, often published as .doc: converted by LibreOffice
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if ext in {".html", ".htm", ".xhtml", ".shtml"} or head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "txt"


def source_name(path: str | os.PathLike) -> str:
    """The path as records name it (``source``): as given, except that a name that is not UTF-8
    has each byte that is not written ``\\xNN`` (and a backslash ``\\\\``), so every record can be
    written as JSON and the name is kept exactly (``--resume`` matches it again)."""
    name = os.fspath(path)
    name = os.fsdecode(name) if isinstance(name, bytes) else name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        try:
            raw = os.fsencode(name)
        except UnicodeEncodeError:  # a surrogate that is no escaped byte (not from the file system)
            return name.encode("utf-8", "backslashreplace").decode("utf-8")
        return raw.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


_WHAT = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
         (stat.S_ISBLK, "a block device"))  # fmt: skip


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    return next((what for test, what in _WHAT if test(mode)), "a special file")


def read_limited(path: str | Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file, never more than ``max_bytes`` + 1 read whatever its size says.

    Anything else (a directory, a FIFO that would block forever, /dev/zero that never ends, a
    socket, a dangling link, a link loop, an unreadable file) is an `IngestError` saying what it
    is. The file is opened without blocking and checked again once open, so a path swapped for a
    FIFO in between is refused too."""
    shown = source_name(path)
    try:
        st = os.stat(path)
    except OSError as e:
        raise IngestError(_stat_error(path, shown, e)) from None
    if stat.S_ISDIR(st.st_mode):  # named as a file, or a folder a scan could not list
        listable = os.access(path, os.R_OK | os.X_OK)
        raise IngestError(f"is a directory, not a file: {shown}" if listable else f"cannot list directory: {shown}")
    if not stat.S_ISREG(st.st_mode):
        raise IngestError(f"not a regular file: {file_kind(st.st_mode)}; only regular files are read")
    if st.st_size > max_bytes:
        raise IngestError(f"file too large: {st.st_size} bytes, the limit is {max_bytes} bytes")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as e:
        raise IngestError(_stat_error(path, shown, e)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise IngestError(f"not a regular file: {file_kind(mode)}; only regular files are read")
        data = bytearray()
        while len(data) <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - len(data)))
            if not chunk:
                break
            data += chunk
    except OSError as e:
        raise IngestError(f"cannot read file: {e.strerror or e}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew, or its size said 0 (/proc): what was read says more than the limit
        raise IngestError(f"file too large: more than {max_bytes} bytes, the limit is {max_bytes} bytes")
    return bytes(data)


def _stat_error(path: str | Path, shown: str, e: OSError) -> str:
    """The message for a path that cannot be opened: what it is, never just an errno."""
    if e.errno == errno.ENOENT:
        if os.path.lexists(path):
            return f"dangling symbolic link: {shown} points to {source_name(os.readlink(path))}, which does not exist"
        return f"no such file: {shown}"
    if e.errno == errno.ELOOP:
        return f"symbolic link loop: {shown} (a link that leads back to itself)"
    if e.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied: {shown}"
    return f"cannot read file: {e.strerror or e}"


def ingest(path: str | Path, max_bytes: int = MAX_BYTES, max_chars: int = MAX_CHARS) -> Document:
    """Read one input file into a `Document`; any unusable input raises `IngestError`.

    Bounded whatever the input: at most ``max_bytes`` + 1 bytes are read, and a text longer than
    ``max_chars`` characters (after normalisation) is refused before any labeller sees it."""
    p, source = Path(path), source_name(path)
    data = read_limited(path, max_bytes)
    if not data.strip():
        raise IngestError("empty file" if not data else "empty file: whitespace only")
    ext = p.suffix.lower()
    kind = _sniff(data, ext)
    encoding, ocr_info, boxes, warnings = None, None, None, []
    if kind in ("pdf", "image"):
        original, ocr_info, boxes = pdf_text(data) if kind == "pdf" else image_text(data)
        raw, raw_offs = original, None
    elif kind in ("docx", "doc"):  # a Word file's original is its text as read (no XML offsets)
        original = docx_text(data if kind == "docx" else convert_to_docx(data, *legacy_format(data, ext)))
        raw, raw_offs = original, None
    else:
        try:
            original, encoding, replaced = decode(data, meta_charset(data) if kind == "html" else None)
        except IngestError as e:
            raise IngestError(f"cannot read PDF: no %PDF header ({e})" if ext == ".pdf" else str(e)) from None
        if replaced:
            warnings.append(f"{replaced} undecodable byte(s) of {len(data)} read as U+FFFD (decoded as {encoding})")
        if kind == "html" and len(original) > 5 * max_chars:  # parsing costs ~100 bytes a character of source
            raise IngestError(f"page too long: {len(original):,} characters of HTML, more than five times the "
                              f"limit of {max_chars:,} characters of text (--max-chars)")  # fmt: skip
        raw, raw_offs = html_text(original, warnings) if kind == "html" else (original, None)
    if len(raw) > 2 * max_chars:  # normalising only drops characters: checked before it costs anything
        raise IngestError(f"text too long: {len(raw):,} characters before normalisation, more than twice the "
                          f"limit of {max_chars:,} (--max-chars)")  # fmt: skip
    text, offs = read_plain(raw) if kind == "txt" else normalise(raw)
    if len(text) > max_chars:
        raise IngestError(f"text too long: {len(text):,} characters after normalisation, the limit is "
                          f"{max_chars:,} (--max-chars)")  # fmt: skip
    if raw_offs is not None:
        offs = [raw_offs[i] for i in offs]
    if not text.strip():
        raise IngestError(f"empty file: no text in the {kind.upper()} input")
    return Document(text, offs, original, kind, source, encoding, ocr_info, boxes=boxes, warnings=warnings)
