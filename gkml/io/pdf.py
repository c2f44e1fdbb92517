"""A PDF → its text: the text layer page by page, tables as " | " rows; pages without a usable layer by OCR.

pdfplumber finds each page's ruled tables, whose rows become one line each (cells joined by
" | ", the shape the model reads for every input kind), and the lines outside them; both are
merged top to bottom. Scanners and some converters leave a text layer that is empty or garbage
(`junk_text_layer`): such a page is rendered and read by OCR (`gkml.io.ocr`), and the
`OcrInfo` of the result says where on which page each of its characters was printed.
"""

from __future__ import annotations

import io
import re
import unicodedata

from gkml.io.document import IngestError, OcrBox, OcrInfo


def _cell_text(cell: str | None) -> str:
    """Re-join a wrapped cell: CJK text and numbers are glued back, a space only between Latin words."""
    out = ""
    for part in (" ".join(p.split()) for p in (cell or "").split("\n")):
        if part:
            out += (" " if out and out[-1].isascii() and out[-1].isalpha() and part[0].isascii()
                    and part[0].isalpha() else "") + part
    return out


def _pdf_page(page) -> str:
    """Text lines outside tables and table rows, merged top to bottom."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    items = [(line["top"], line["text"]) for line in page.filter(outside).extract_text_lines()]
    for table in tables:
        rows = [[_cell_text(c) for c in row] for row in table.extract()]
        items.append((table.bbox[1], "\n".join(" | ".join(r) for r in rows if any(r))))
    items.sort(key=lambda item: item[0])
    return "\n".join(text for _, text in items if text)


_CID = re.compile(r"\(cid:\d+\)")


def junk_text_layer(text: str) -> str | None:
    """Why a PDF page's text layer cannot be read as a report, or None if it can.

    Scanners and some converters leave a layer that is empty, or made of glyph ids that map
    to nothing: pdfminer's "(cid:123)", U+FFFD, private-use code points, or Latin-1 mojibake of
    GBK bytes (many letters, almost none of them Chinese). Such a page is read by OCR instead.
    """
    solid = [c for c in _CID.sub("\ufffd", text) if not c.isspace()]
    if len(solid) < 10:
        return "almost no text"
    bad = sum(c == "\ufffd" or unicodedata.category(c) in ("Co", "Cc", "Cs") for c in solid)
    if bad > 0.2 * len(solid):
        return "mostly unmapped glyphs (replacement or private-use characters)"
    letters = [c for c in solid if c.isalpha()]
    cjk = sum("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in letters)
    if len(letters) >= 20 and cjk < 0.3 * len(letters):
        return "almost no Chinese characters"
    return None


def pdf_text(data: bytes) -> tuple[str, OcrInfo | None]:
    """Text layer page by page; a page whose layer is junk (and that has an image to read) is OCR'd."""
    import pdfplumber

    if b"%%EOF" not in data[-2048:]:
        raise IngestError("cannot read PDF: truncated (no %%EOF marker at the end)")
    pages: list[str | None] = []  # None: read by OCR
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                reason = junk_text_layer("".join(c["text"] for c in page.chars))
                scanned = reason is not None and (reason != "almost no text" or bool(page.images))
                pages.append(None if scanned else _pdf_page(page))
                page.close()  # drop the page's parsed objects: long reports stay small in memory
    except Exception as e:  # pdfminer raises many unrelated types for broken or encrypted files
        raise IngestError(f"cannot read PDF: {': '.join(filter(None, [type(e).__name__, str(e)]))}") from None
    todo = [i for i, p in enumerate(pages) if p is None]
    if not todo:
        return "\n".join(p or "" for p in pages), None
    return _with_ocr(data, pages, todo)


def _with_ocr(data: bytes, pages: list[str | None], todo: list[int]) -> tuple[str, OcrInfo]:
    """The pages' text with the `todo` pages read by OCR; a text-layer character has no box."""
    from gkml.io import ocr  # numpy and the OCR engine load only when a page needs them

    if len(todo) > ocr.MAX_PAGES:
        raise IngestError(f"needs OCR on {len(todo)} pages, more than the limit of {ocr.MAX_PAGES}")
    parts: list[tuple[str, list[OcrBox | None]]] = []
    scores, chars = 0.0, 0
    try:
        for i, page in enumerate(pages):
            if page is not None:
                parts.append((page, [None] * len(page)))
                continue
            got = ocr.ocr_images(ocr.render_pdf_pages(data, [i]), [i])
            parts.append((got.text, list(got.boxes)))
            scores, chars = scores + got.confidence * got.chars, chars + got.chars
    except ocr.OcrError as e:
        raise IngestError(str(e)) from None
    if not chars and not any(page for page in pages if page):
        raise IngestError(f"OCR found no text: the PDF has no text layer and OCR read nothing on its {len(todo)} page(s)")
    text, boxes = "", []
    for k, (t, b) in enumerate(parts):
        if k:
            text += "\n"
            boxes.append(None)
        text += t
        boxes += b
    return text, OcrInfo(boxes, len(todo), scores / chars if chars else 0.0)
