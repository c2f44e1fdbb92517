"""What reading an input gives every later stage: a `Document` and, for scans, where each character was printed.

Every later stage (model, assemble, check) reads `Document.text`; `offsets` maps each of its
characters back to the decoded original, so any span, and above all any printed number, can
be shown where it was printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class IngestError(Exception):
    """The input cannot be read; the message says what is wrong with it, for a human."""


OcrBox = tuple[int, int, int, int, int]  # page (0-based), x0, y0, x1, y1 in page pixels (gkml.io.ocr)

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


@dataclass
class Document:
    text: str  # normalised text
    offsets: list[int]  # offsets[i] = index in `original` of text[i]
    original: str  # decoded source (HTML: the page source; PDF: the raw extracted text; OCR: its layout text)
    kind: str  # "txt" | "html" | "pdf" | "image"
    source: str  # the path as given
    encoding: str | None = None  # detected encoding (text and HTML inputs)
    ocr: OcrInfo | None = None  # set when any page was read by OCR

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
