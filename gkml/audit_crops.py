"""Pictures for the audit: the crop of a page around some cells, each boxed, the value read drawn on it.

A record of a PDF or an image gives every printed cell its `page` and `bbox` (PDF points, image
pixels, from the page's top-left). The page is rendered here, at audit time, from the record's
`source` file: pypdfium2 for a PDF (the renderer OCR used, so scanned pages line up), PIL for an
image (the frame OCR read, EXIF rotation applied as `gkml.io.ocr` does). A crop is the full width
of the page, so the row label and the neighbouring columns are in the picture, over the rows of
the cells involved; it is encoded as a JPEG data: URI so the audit stays one file.

An inferred cell was not printed (or not read): it is placed where its row (the other cells read
in that row, or the gap between the rows read around it) and its column (the other cells read in
that column) cross, drawn in another colour, so the reviewer sees what is printed there.
"""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from gkml.schema import CellValue, rows_of

log = logging.getLogger(__name__)

PDF_SCALE = 2.0  # pixels per PDF point in a crop (144 dpi): small table digits stay legible
MAX_WIDTH = 1100  # a wider crop (a 200-dpi scan is ~1650 px) is scaled down to this
JPEG_QUALITY = 85
# read with confidence, read with a low score, inferred (placed where its row and column cross)
COLOURS = {"read": (198, 40, 40), "doubt": (230, 120, 0), "inferred": (21, 101, 192)}

Box = tuple[float, float, float, float]


@dataclass
class Mark:
    """One cell to draw: its key, the text drawn beside it, where it is, and how it was read."""

    key: str
    label: str
    page: int  # 1-based
    box: Box  # page units
    kind: str  # a key of COLOURS


@dataclass
class Crop:
    page: int
    uri: str  # data:image/jpeg;base64,…
    width: int
    height: int


def value_text(cell: CellValue) -> str:
    if cell.value is None:
        return "blank"
    return f"{cell.value:g}" if isinstance(cell.value, float) else str(cell.value)


def estimate_box(key: str, cells: dict[str, CellValue]) -> tuple[int, Box] | None:
    """Where an unplaced cell would be printed: across, the band of the cells read in its column;
    down, the band of the cells read in its row or, when none of its row was read (OCR lost the
    row), the gap between the rows read before and after it in the table. None if unknown."""
    prefix, row, col = key.split(".")
    bands: dict[int, dict[str, list[list[float]]]] = {}  # page → row → boxes read in that row
    cols: dict[int, list[list[float]]] = {}
    for k, c in cells.items():
        if c.page is None or c.bbox is None or k == key:
            continue
        p, r, cl = k.split(".")
        if p == prefix:
            bands.setdefault(c.page, {}).setdefault(r, []).append(c.bbox)
            if cl == col:
                cols.setdefault(c.page, []).append(c.bbox)
    order = rows_of(prefix)
    for page in sorted(cols):
        x0, x1 = median(b[0] for b in cols[page]), median(b[2] for b in cols[page])
        rows = {r: (median(b[1] for b in bs), median(b[3] for b in bs)) for r, bs in bands[page].items()}
        if row in rows:
            return page, (x0, rows[row][0], x1, rows[row][1])
        i = order.index(row)
        before = [rows[r] for r in order[:i] if r in rows]
        after = [rows[r] for r in order[i + 1 :] if r in rows]
        if before and after and before[-1][1] < after[0][0]:
            return page, (x0, before[-1][1], x1, after[0][0])
    return None


def marks_for(keys: list[str], cells: dict[str, CellValue], threshold: float) -> list[Mark]:
    """The cells of `keys` that can be drawn: those with a place, and inferred ones placed by
    :func:`estimate_box`."""
    out = []
    for key in dict.fromkeys(keys):
        cell = cells.get(key)
        if cell is None:
            continue
        if cell.page is not None and cell.bbox is not None:
            kind = "inferred" if cell.inferred else "doubt" if cell.score < threshold else "read"
            label = value_text(cell) + (f" ({cell.score:.2f})" if kind == "doubt" else "")
            out.append(Mark(key, label, cell.page, tuple(cell.bbox), kind))
        elif cell.inferred and (where := estimate_box(key, cells)) is not None:
            out.append(Mark(key, value_text(cell), where[0], where[1], "inferred"))  # the colour says inferred
    return out


def find_source(source: str, bases: list[Path]) -> Path | None:
    """The input file a record names: as written (relative to the current directory), else
    relative to each of `bases` (the folder of the JSON Lines file)."""
    path = Path(source)
    if path.is_file():
        return path
    for base in bases:
        if not path.is_absolute() and (base / path).is_file():
            return base / path
    return None


class Pages:
    """The pages of one source file, opened once and rendered on demand (the last page kept)."""

    def __init__(self, path: Path, kind: str | None):
        self.path, self.kind = path, kind
        self._doc = None
        self._last: tuple[int, object, float] | None = None

    def image(self, page: int):
        """Page `page` (1-based) as an RGB PIL image, and its pixels per page unit."""
        if self._last is not None and self._last[0] == page:
            return self._last[1], self._last[2]
        if self.kind == "pdf":
            import pypdfium2 as pdfium

            if self._doc is None:
                self._doc = pdfium.PdfDocument(str(self.path))
            img, scale = self._doc[page - 1].render(scale=PDF_SCALE).to_pil().convert("RGB"), PDF_SCALE
        else:
            from PIL import Image, ImageOps

            with Image.open(self.path) as im:
                im.seek(page - 1)
                frame = ImageOps.exif_transpose(im) if page == 1 else im
                img, scale = frame.convert("RGB"), 1.0
        self._last = (page, img, scale)
        return img, scale

    def close(self) -> None:
        if self._doc is not None:
            self._doc.close()
            self._doc = None


def draw_crop(pages: Pages, page: int, marks: list[Mark]) -> Crop:
    """The full-width band of `page` over `marks`, each boxed in its colour with its label."""
    from PIL import ImageDraw, ImageFont

    img, scale = pages.image(page)
    boxes = [[v * scale for v in m.box] for m in marks]
    line = median(b[3] - b[1] for b in boxes) or 20.0
    top = max(0, int(min(b[1] for b in boxes) - 3.5 * line))  # the column heads above, most often
    bottom = min(img.height, int(max(b[3] for b in boxes) + 2 * line))
    out = img.crop((0, top, img.width, max(bottom, top + 1)))
    draw = ImageDraw.Draw(out)
    font = ImageFont.load_default(size=max(14, int(0.7 * line)))
    width = max(2, int(line / 12))
    for m, (x0, y0, x1, y1) in zip(marks, boxes, strict=True):
        colour = COLOURS[m.kind]
        y0, y1 = y0 - top, y1 - top
        draw.rectangle((x0 - 3, y0 - 3, x1 + 3, y1 + 3), outline=colour, width=width)
        tx0, ty0, tx1, ty1 = draw.textbbox((0, 0), m.label, font=font)
        w, h = tx1 - tx0 + 6, ty1 - ty0 + 6
        lx, ly = x0 - 3, y0 - 4 - h if y0 - 4 - h >= 0 else y1 + 4  # above the box, or below at the top
        draw.rectangle((lx, ly, lx + w, ly + h), fill=colour)
        draw.text((lx + 3 - tx0, ly + 3 - ty0), m.label, fill=(255, 255, 255), font=font)
    if out.width > MAX_WIDTH:
        out = out.resize((MAX_WIDTH, max(1, round(out.height * MAX_WIDTH / out.width))))
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=JPEG_QUALITY)
    uri = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return Crop(page, uri, out.width, out.height)


def crops(pages: Pages, marks: list[Mark]) -> list[Crop]:
    """One crop per page holding some of `marks`, in page order."""
    by_page: dict[int, list[Mark]] = {}
    for m in marks:
        by_page.setdefault(m.page, []).append(m)
    return [draw_crop(pages, p, ms) for p, ms in sorted(by_page.items())]
