"""What reading an input gives every later stage: a `Document` and, for scans, where each character was printed.

Every later stage (model, assemble, check) reads `Document.text`; `offsets` maps each of its
characters back to the decoded original, so any span, and above all any printed number, can
be shown where it was printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class IngestError(Exception):
    """The input cannot be read; the message says what is wrong with it, for a human."""


OcrBox = tuple[int, int, int, int, int]  # page (0-based), x0, y0, x1, y1 in page pixels (gkml.io.ocr)
# page (0-based), x0, y0, x1, y1 in the page's own units: PDF points for a PDF (text layer or OCR), pixels for an
# image; origin at the page's top-left corner, y downwards (as pdfplumber, pdfium's renderings and images count).
PageBox = tuple[int, float, float, float, float]

# An HTML character reference as written in the source: the HTML reader maps all its characters
# to the "&", and `Document` counts all of it as the source of that one character.
ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][-.A-Za-z0-9]*);?")


@dataclass
class OcrInfo:
    """What OCR read: one box per character of `Document.original` (None where a PDF page's own
    text layer was used), so a span of the text can be found on the page image."""

    boxes: list[OcrBox | None]
    pages: int  # pages read by OCR
    confidence: float  # mean recognition score of the characters OCR read
    scores: list[float | None] | None = None  # per character of `Document.original`: its recognition score


@dataclass(frozen=True)
class Place:
    """Where a span of the text is printed (`Document.locate`)."""

    page: int  # 1-based
    bbox: list[float]  # [x0, y0, x1, y1] in page units (PageBox)
    ocr_score: float | None = None  # the lowest recognition score of its characters read by OCR; None: none were


@dataclass
class Document:
    text: str  # normalised text
    offsets: list[int]  # offsets[i] = index in `original` of text[i]
    original: str  # decoded source (HTML: the page source; PDF: the raw extracted text; OCR: its layout text)
    kind: str  # "txt" | "html" | "pdf" | "image" | "docx" | "doc"
    source: str  # the path as given
    encoding: str | None = None  # detected encoding (text and HTML inputs)
    ocr: OcrInfo | None = None  # set when any page was read by OCR
    boxes: list[PageBox | None] | None = None  # per character of `original` (PDF, image): where it is printed
    warnings: list[str] = field(default_factory=list)  # read, but not quite as printed (bytes replaced, …)

    def locate(self, start: int, end: int) -> Place | None:
        """Where `text[start:end]` is printed, and how sure OCR was of it, or None.

        The box is the union of the boxes of its printed characters, on the page that holds most of
        them. A span of nothing but spaces (a table cell printed as nothing) is placed on its table
        cell when the reader knew the cell: the " | " opening a cell carries the cell's box
        (`gkml.io.pdf`, `gkml.io.ocr_layout`). Text and HTML inputs have no boxes: None.
        """
        if self.boxes is None or not 0 <= start <= end <= len(self.text):
            return None
        where = [self.offsets[i] for i in range(start, end) if not self.text[i].isspace()]
        scores = self.ocr.scores if self.ocr is not None and self.ocr.scores is not None else None
        read = [scores[o] for o in where if scores[o] is not None] if scores is not None else []
        solid = [self.boxes[o] for o in where]
        if not solid:  # printed as nothing: the "|" opening it, with only spaces between, has the cell's box
            bar = self.text.rfind("|", 0, start)
            if bar < 0 or self.text[bar + 1 : start].strip(" "):
                return None
            solid = [self.boxes[self.offsets[bar]]]
        found: dict[int, list[float]] = {}
        for box in solid:
            if box is None:
                continue
            p, x0, y0, x1, y1 = box
            b = found.setdefault(p, [x0, y0, x1, y1])
            b[:] = [min(b[0], x0), min(b[1], y0), max(b[2], x1), max(b[3], y1)]
        if not found:
            return None
        page = max(found, key=lambda p: sum(1 for b in solid if b is not None and b[0] == p))
        return Place(page + 1, [round(v, 2) for v in found[page]], round(min(read), 4) if read else None)

    def page_boxes(self, start: int, end: int) -> list[OcrBox]:
        """Where `text[start:end]` was printed: per page, the box around its OCR'd characters."""
        if self.ocr is None:
            return []
        found: dict[int, list[int]] = {}
        for i in range(start, end):
            box = self.ocr.boxes[self.offsets[i]]
            if box is not None and not self.text[i].isspace():
                p, x0, y0, x1, y1 = box
                b = found.setdefault(p, [x0, y0, x1, y1])
                b[:] = [min(b[0], x0), min(b[1], y0), max(b[2], x1), max(b[3], y1)]
        return [(p, *b) for p, b in sorted(found.items())]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Half-open span of `original` that produced `text[start:end]`."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside text of length {len(self.text)}")
        if start == end:
            pos = self.offsets[start] if start < len(self.offsets) else len(self.original)
            return pos, pos
        hi = max(self.offsets[start:end])
        return min(self.offsets[start:end]), hi + self._width(hi)

    def _width(self, pos: int) -> int:
        """How many original characters the character at `pos` stands for (CRLF, an HTML entity)."""
        if self.original.startswith("\r\n", pos):
            return 2
        m = ENTITY.match(self.original, pos) if self.kind == "html" else None
        return len(m.group()) if m else 1
