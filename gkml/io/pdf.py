"""A PDF → its text: the text layer page by page, tables as " | " rows; pages without a usable layer by OCR.

pdfplumber finds each page's ruled tables, whose rows become one line each (cells joined by
" | ", the shape the model reads for every input kind), and the lines outside them; both are
merged top to bottom. A row that a page break cut (Word lets a row break across pages) is one
row again: the rest of its label, printed at the top of the next page, goes back to its end
(where OCR read either page too).
Scanners and some converters leave a text layer that is empty or garbage (`junk_text_layer`):
such a page is rendered and read by OCR (`gkml.io.ocr`), and the `OcrInfo` of the result says
where on which page each of its characters was printed.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import deque
from typing import NamedTuple

from gkml.io.columns import closes_row, grid_rows
from gkml.io.document import IngestError, OcrInfo, PageBox
from gkml.io.paragraphs import line_breaks
from gkml.io.reading_order import in_reading_order


def _cell_text(cell: str | None) -> str:
    """Re-join a wrapped cell: CJK text and numbers are glued back, a space only between Latin words."""
    out = ""
    for part in (" ".join(p.split()) for p in (cell or "").split("\n")):
        if part:
            out += (" " if out and out[-1].isascii() and out[-1].isalpha() and part[0].isascii()
                    and part[0].isalpha() else "") + part
    return out


Rect = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points (pdfplumber's coordinates)
# Characters whose tops lie this close are on one line: 5 pt, not pdfplumber's 3, because a Word
# page footer "— 3 —" sets its number 4 pt higher than its dashes, and a number on a line of its
# own is a table cell to whoever counts cells.
Y_TOLERANCE = 5


def _char_rects(text: str, chars: list[dict]) -> list[Rect | None]:
    """One box per character of `text`, which pdfplumber built from `chars`.

    Each printed character takes the first unused character object with the same text in
    reading order (lines top to bottom, each left to right), as pdfplumber laid them out; a
    space it inserted, or a character it made up (an expanded ligature), has no box."""
    pool: dict[str, deque[Rect]] = {}
    line_top = None
    order = []
    for c in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if line_top is None or c["top"] - line_top > Y_TOLERANCE:
            line_top = c["top"]
        order.append((line_top, c["x0"], c))
    for _, _, c in sorted(order, key=lambda t: (t[0], t[1])):
        for ch in c["text"]:
            pool.setdefault(ch, deque()).append((c["x0"], c["top"], c["x1"], c["bottom"]))
    return [pool[ch].popleft() if not ch.isspace() and pool.get(ch) else None for ch in text]


def _in(c: dict, bbox: tuple) -> bool:
    """pdfplumber's own test of which table cell a character belongs to: its centre."""
    x0, top, x1, bottom = bbox
    return x0 <= (c["x0"] + c["x1"]) / 2 < x1 and top <= (c["top"] + c["bottom"]) / 2 < bottom


_CJK = re.compile(r"[\u4e00-\u9fff]")
_DIGIT = re.compile(r"\d")
# How a table-3 row label begins: "一、", "（三）", "2.", or the total's "（七）总计".
_ROW_START = re.compile(r"[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[.．、]|[（(]?[一二三四五六七八九十]*[)）]?[总小]计")


def _continued(cells: list[str | None]) -> int | None:
    """The slot of the cell of words a table's first row on a page prints (after its header, where
    that is printed again), if that row is the rest of the row above, cut by the page break:
    Word lets a row break across pages, so "5.属于三" ends a page with its values and
    "类内部事务信息" starts the next in slots of its own, all else empty, or all but the digits
    of a number that wrapped in its cell (at most half the cells: a row of values is a row).
    One cell of words, not the start of a row of its own, before at least three slots.
    ``cells``: the row's cell texts (`_cell_text`), None where a merged cell covers the slot."""
    printed = [j for j, c in enumerate(cells) if c]
    if not printed:
        return None
    j = printed[0]
    after = cells[j + 1:]
    digits = sum(bool(c) for c in after)
    if (len(after) < 3 or any(c is None or c and not c.isdigit() for c in after) or 2 * digits > len(after)
            or _ROW_START.match(cells[j]) or not _CJK.search(cells[j])):  # fmt: skip
        return None
    return j


class Carry(NamedTuple):
    """The rest of a row that a page break cut off: its label's rest and a box per character, and
    the rest of each value cell after the label, ("", []) for one with nothing left: a number
    that wrapped in its narrow cell goes on too ("25" ends a page, "4" of 254 opens the next)."""

    text: str
    boxes: list
    values: tuple[tuple[str, list], ...] = ()


def _table_text(table, chars: list[dict], top_of_page: bool = False) -> tuple[str, list[Rect | None], Carry | None]:
    """The table's rows, cells joined by " | ", and a box per character: a cell's characters
    their own, the " | " before a cell that cell's box (so a cell printed as nothing has a place).

    A slot that a merged cell covers (pdfplumber's None: a row label spanning three columns, a
    group label spanning rows) is no cell of its own and prints nothing: a Word-made table-3 row
    reads `一、本年新收… | 14 | 2 |`, not `一、本年新收… |  |  | 14 | 2 |`, whose two empty slots
    would read as blank cells and shift the row by two columns. For the same reason the rest of a
    label that a page break cut off its row (`_continued`) is no row: it is returned apart, for
    the row it belongs to on the page before (`_carry_over`)."""
    inside = [c for c in chars if _in(c, table.bbox)]
    text, rects, carry = "", [], None
    heading = top_of_page  # rows so far are the table's header, printed again on a new page
    for row, raw in zip(table.rows, table.extract(), strict=True):
        cells = [None if c is None else _cell_text(c) for c in raw]
        if heading and (j := _continued(cells)) is not None:
            rests = [(cells[k], _char_rects(cells[k], [c for c in inside if _in(c, row.cells[k])]))
                     for k in range(j, len(cells))]  # fmt: skip
            carry = Carry(*rests[0], tuple(rests[1:]))
            heading = False
            continue
        if heading:
            printed = [c for c in cells if c]
            heading = not any(map(_DIGIT.search, printed)) and not (printed and _ROW_START.match(printed[0]))
        slots = [(bbox, c or "") for bbox, c in zip(row.cells, cells, strict=True) if bbox is not None]
        if not any(cell for _, cell in slots):
            continue
        if text:
            text += "\n"
            rects.append(None)
        for j, (bbox, cell) in enumerate(slots):
            if j:
                text += " | "
                rects += [tuple(bbox)] * 3
            text += cell
            rects += _char_rects(cell, [c for c in inside if _in(c, bbox)])
        if closes_row([cell for _, cell in slots], whole=None not in row.cells):
            text += " |"
            rects += [tuple(slots[-1][0])] * 2
    return text, rects, carry


def _pdf_page(page) -> tuple[str, list[PageBox | None], Carry | None]:
    """Text lines outside ruled tables (an unruled table's rows cell by cell: `gkml.io.columns`;
    a page set in two columns read column by column: `gkml.io.reading_order`) and ruled tables'
    rows, merged top to bottom, with where each character is printed; a paragraph the page
    wrapped is one line again (`gkml.io.paragraphs`). And the rest of a row label the page
    break before it cut off, if the page starts with one (`_table_text`)."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    lines = page.filter(outside).extract_text_lines(y_tolerance=Y_TOLERANCE)
    ordered = in_reading_order([(line["text"], _char_rects(line["text"], line["chars"])) for line in lines],
                               [line["top"] for line in lines])  # fmt: skip
    rows = grid_rows([line for _, line in ordered])
    items = [(key, *row, True) for (key, _), row in zip(ordered, rows, strict=True)]
    first = min([key for key, _ in ordered] + [t.bbox[1] for t in tables], default=None)
    carry = None
    for table in tables:
        text, rects, cut = _table_text(table, page.chars, top_of_page=table.bbox[1] == first)
        carry = carry or cut
        items.append((table.bbox[1], text, rects, False))
    items = sorted((item for item in items if item[1]), key=lambda item: item[0])
    gaps = line_breaks([(piece, piece_rects) if loose else None for _, piece, piece_rects, loose in items])
    text, rects = "", []
    for n, (_, piece, piece_rects, _) in enumerate(items):
        if n:
            gap = gaps[n - 1]
            text += gap
            rects += [None] * len(gap)
        text += piece
        rects += piece_rects
    if carry is not None:
        carry = Carry(carry.text, _on_page(page, carry.boxes), tuple((t, _on_page(page, b)) for t, b in carry.values))
    return text, _on_page(page, rects), carry


def _on_page(page, rects: list[Rect | None]) -> list[PageBox | None]:
    """Boxes with their page, from the top-left of the page as shown (and rendered)."""
    i, dx, dy = page.page_number - 1, page.cropbox[0], page.cropbox[1]
    return [(i, r[0] - dx, r[1] - dy, r[2] - dx, r[3] - dy) if r is not None else None for r in rects]


def _carry_over(pages: list, unruled: bool = True) -> list:
    """Each page's text with the rest of a row label that a page break cut off put back at the
    end of that label, in the last table row of the page before: a ruled table's (`_table_text`,
    `_ocr_rest`) or an unruled one's (`_unruled_rest`). Where the page before ends in no table row
    (or is still to be read by OCR: None), a ruled table's rest stays a line of its own and an
    unruled one's where it is. ``pages``: (text, a box per character, the rest cut off or None)."""
    out: list = []
    for page in pages:
        if page is None:
            out.append(None)
            continue
        text, boxes, cut = page
        at = _label_end(out[-1][0]) if out and out[-1] is not None else None
        if unruled and cut is None and at is not None and (found := _unruled_rest(text, boxes, out[-1][0])):
            cut, (text, boxes) = found
        if cut is not None and at is not None and (joined := _rejoined(*out[-1], at, cut)) is not None:
            out[-1] = joined
        elif cut is not None:  # the rest as a line of its own, its value cells' digits too
            line, line_boxes = cut.text, list(cut.boxes)
            if any(t for t, _ in cut.values):
                for t, b in cut.values:
                    line, line_boxes = line + " | " + t, line_boxes + [None] * 3 + b
            text, boxes = line + ("\n" if text else "") + text, line_boxes + ([None] if text else []) + boxes
        out.append((text, boxes))
    return out


def _rejoined(text: str, boxes: list, at: int, cut: Carry) -> tuple[str, list] | None:
    """The page's last row with the rest a page break cut off it: the label's rest at ``at``, the
    end of the label, and each value cell's digits at the end of its cell; None where the row
    has not as many value cells as the rest has slots."""
    if any(t for t, _ in cut.values):
        end = text.find("\n", at)
        line = text[at : end if end >= 0 else len(text)]
        if not line.startswith(" | "):
            return None
        ends, pos = [], at + 3
        for cell in line[3:].removesuffix(" |").split(" | "):
            ends.append(pos + len(cell.rstrip()))
            pos += len(cell) + 3
        if len(ends) != len(cut.values):
            return None
        for k, (t, b) in reversed(list(zip(ends, cut.values, strict=True))):
            text, boxes = text[:k] + t + text[k:], boxes[:k] + b + boxes[k:]
    return text[:at] + cut.text + text[at:], boxes[:at] + cut.boxes + boxes[at:]


# A line of a row label's rest in an unruled table: a few words, no number, no cell, no space.
_FRAGMENT = re.compile(r"[\u4e00-\u9fff“”‘’、，,：:（）()]{1,12}")


def _unruled_rest(text: str, boxes: list, before: str) -> tuple[Carry, tuple[str, list]] | None:
    """The rest of a row label that a page break cut in a table without rules, and the page
    without it: the short lines of words that open the page (after the table's header printed
    again: lines the page before printed too) up to a numbered row, as "四类过" / "程性信" /
    "息" before "7.属于…" where "6.属于 | 0 | …" ended the page before."""
    seen = {line.strip() for line in before.split("\n") if line.strip()}
    lines = text.split("\n")
    k = 0
    while k < len(lines) and lines[k].strip() in seen:
        k += 1
    j = k
    while j < len(lines) and _FRAGMENT.fullmatch(lines[j]) and not _ROW_START.match(lines[j]):
        j += 1
    if j == len(lines) or not _ROW_START.match(lines[j]) or sum(map(len, lines[k:j])) < 3:
        return None
    a = sum(len(line) + 1 for line in lines[:k])
    b = sum(len(line) + 1 for line in lines[:j])
    keep = [i for i in range(a, b) if text[i] != "\n"]
    return Carry("".join(text[i] for i in keep), [boxes[i] for i in keep]), (text[:a] + text[b:], boxes[:a] + boxes[b:])


def _ocr_rest(text: str, boxes: list) -> tuple[Carry, tuple[str, list]] | None:
    """The rest of a row label that a page break cut off a ruled table's row, where OCR read it
    as it reads a row (`gkml.io.ocr_layout`): " |  | 合法权益 |  |  | …" (`_continued`: a cell of
    words, then empty slots or a wrapped number's digits) after the table's header printed again
    (lines of words without a digit); and the page without that line. None where the page opens
    otherwise."""
    start = 0
    for line in text.split("\n")[:8]:
        pieces = line.removesuffix(" |").split(" | ")
        cells = [c.strip() for c in pieces]
        if len(cells) > 3 and (j := _continued(cells)) is not None:
            rests = []
            for k in range(j, len(cells)):
                a = start + sum(len(c) + 3 for c in pieces[:k]) + len(pieces[k]) - len(pieces[k].lstrip())
                rests.append((cells[k], boxes[a : a + len(cells[k])]))
            end = start + len(line) + 1
            return Carry(*rests[0], tuple(rests[1:])), (text[:start] + text[end:], boxes[:start] + boxes[end:])
        if _DIGIT.search(line):
            return None  # a row of values, a page number: the page opens with rows of its own
        start += len(line) + 1
    return None


def _label_end(text: str) -> int | None:
    """Where the label of the page's last table row ends: after its last cell of words, before
    the " | " of its values, or, where the row's label wrapped below its values (an unruled
    table's "1.申请人无正当理由 | 0 | …" / "逾期不补正、行政机"), after its last line. Only a page
    footer may follow ("— 4 —", "第 4 页"); None if the page does not end in a table row."""
    end = len(text)  # where the line looked at ends
    wrapped = None
    for line in reversed(text.rsplit("\n", 5)[-5:]):  # the page's last five lines
        start = end - len(line)
        if " | " in line:
            if wrapped is not None:
                return wrapped
            cells = line.split(" | ")
            words = [j for j, c in enumerate(cells) if _CJK.search(c)]
            if not words:
                return None
            return start + sum(len(c) + 3 for c in cells[: words[-1]]) + len(cells[words[-1]])
        if _CJK.search(line) and not (_DIGIT.search(line) and len(line) <= 12):  # not a page footer
            if len(line) > 12:
                return None  # prose after the table: the page did not end in a row
            wrapped = end if wrapped is None else wrapped
        end = start - 1
    return None


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


def pdf_text(data: bytes, workers: int | None = None) -> tuple[str, OcrInfo | None, list[PageBox | None]]:
    """Text layer page by page; a page whose layer is junk (and that has an image to read) is OCR'd
    (`workers` processes). Returns the text, what OCR read, and where each character is printed
    (page, box in PDF points; None for a line break or a space the reader inserted)."""
    import pdfplumber

    if b"%%EOF" not in data[-2048:]:
        raise IngestError("cannot read PDF: truncated (no %%EOF marker at the end)")
    pages: list = []  # (text, boxes, a cut label's rest) per page; None: read by OCR
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                reason = junk_text_layer("".join(c["text"] for c in page.chars))
                scanned = reason is not None and (reason != "almost no text" or bool(page.images))
                pages.append(None if scanned else _pdf_page(page))
                page.close()  # drop the page's parsed objects: long reports stay small in memory
    except Exception as e:  # pdfminer raises many unrelated types for broken or encrypted files
        raise IngestError(f"cannot read PDF: {_why(e)}") from None
    pages = _carry_over(pages)
    todo = [i for i, p in enumerate(pages) if p is None]
    if not todo:
        text, boxes = _joined(pages)
        return text, None, boxes
    return _with_ocr(data, pages, todo, workers)


def _joined(parts: list[tuple[str, list[PageBox | None]]]) -> tuple[str, list[PageBox | None]]:
    """Pages (text, where each character is printed) joined by line breaks."""
    text, boxes = "", []
    for k, (t, page_boxes) in enumerate(parts):
        if k:
            text += "\n"
            boxes.append(None)
        text += t
        boxes += page_boxes
    return text, boxes


def _why(e: Exception) -> str:
    """What a pdfminer failure means for the user: a password, or the error as it was raised
    (pdfplumber wraps pdfminer's in a PdfminerException whose argument is the real one)."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    cause = e.args[0] if type(e).__name__ == "PdfminerException" and e.args and isinstance(e.args[0], Exception) else e
    if isinstance(cause, PDFPasswordIncorrect):
        return "it is password-protected (a password is needed to open it); save a copy without the password"
    if isinstance(cause, PDFEncryptionError):
        return f"it is encrypted in a way that cannot be read ({cause}); save a copy without encryption"
    return ": ".join(filter(None, [type(cause).__name__, str(cause)]))


def _with_ocr(data: bytes, pages: list, todo: list[int], workers: int | None = None) -> tuple[str, OcrInfo, list[PageBox | None]]:
    """The pages' text with the `todo` pages read by OCR; a text-layer character has no OCR box.

    OCR boxes are pixels of the page rendered at `ocr.PDF_DPI`; the document's boxes are points."""
    from gkml.io import ocr  # numpy and the OCR engine load only when a page needs them

    if len(todo) > ocr.MAX_PAGES:
        raise IngestError(f"needs OCR on {len(todo)} pages, more than the limit of {ocr.MAX_PAGES}")
    try:
        read = ocr.ocr_pdf_pages(data, todo, workers=workers)
    except ocr.OcrError as e:
        raise IngestError(str(e)) from None
    chars = sum(got.chars for got in read.values())
    if not chars and not any(page[0] for page in pages if page):
        raise IngestError(f"OCR found no text: the PDF has no text layer and OCR read nothing on its {len(todo)} page(s)")
    to_pt = 72 / ocr.PDF_DPI
    # per page, per character: (where it is printed in points, OCR's box in pixels, OCR's score)
    per_page: list[tuple[str, list[tuple]]] = []
    for i, page in enumerate(pages):
        if page is not None:
            per_page.append((page[0], [(b, None, None) for b in page[1]]))
        else:
            got = read[i]
            where = [(i, *(v * to_pt for v in b[1:])) for b in got.boxes]
            per_page.append((got.text, list(zip(where, got.boxes, got.char_scores, strict=True))))
    cut: list = []  # a row label's rest atop a page OCR read goes back to its row, where the page before ends in one
    for i, (t, c) in enumerate(per_page):
        found = _ocr_rest(t, c) if i in todo and i and _label_end(per_page[i - 1][0]) is not None else None
        cut.append((*found[1], found[0]) if found else (t, c, None))
    per_page = _carry_over(cut, unruled=False)
    parts = [(t, [c and c[0] for c in cs]) for t, cs in per_page]  # None: a character the reader put in
    ocr_boxes = [[c and c[1] for c in cs] for _, cs in per_page]  # None on text-layer pages
    ocr_scores = [[c and c[2] for c in cs] for _, cs in per_page]
    text, boxes = _joined(parts)

    def joined(per_page: list[list]) -> list:
        return [x for k, xs in enumerate(per_page) for x in ([None] if k else []) + xs]

    mean = sum(got.confidence * got.chars for got in read.values()) / chars if chars else 0.0
    return text, OcrInfo(joined(ocr_boxes), len(todo), mean, joined(ocr_scores)), boxes
