"""Page images → OCR characters → layout text lines, with every character's page and box.

Scanned reports must reach the model in the same shape as every other input: prose one line
per printed line, and each table row on one line with its cells joined by " | " (a cell that
spans rows is written once, in its first row, as `gkml.io.ingest` does for HTML). A page is
deskewed (and turned round if it was scanned upside down), then read with a box per character;
the printed rule lines of its tables are found by morphology on the page image, and the cells
they enclose decide where each character belongs. The detector often runs one box across a
rule ("行政规范性文件0"): per-character boxes split it again at the rule.

The engine is RapidOCR 3.x with the PP-OCRv6 models shipped inside its wheel: nothing is
downloaded at run time. Heavy imports (cv2, onnxruntime) happen on first use, so reading a
text file never pays for them.

Coordinates in the character map are pixels of the input page as given: of the image file
itself, or of a PDF page rendered at `PDF_DPI` (divide by PDF_DPI / 72 for PDF points).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

PDF_DPI = 200  # render scale for PDF pages: CJK body text is ~35 px high, what PP-OCR reads best
TARGET_WIDTH = 1654  # an A4 page at 200 dpi; images far off this width are rescaled towards it
MAX_PAGES = 200  # OCR is ~5 s a page: a longer input is more likely a mistake than a report
MAX_SKEW = 5.0  # degrees; scans are rarely more than a few degrees off

Box = tuple[int, int, int, int, int]  # page (0-based), x0, y0, x1, y1


class OcrError(Exception):
    """OCR could not read the input; the message says which page and why, for a human."""


@dataclass
class Char:
    """One recognised character, in the coordinates of the (deskewed, rescaled) work image."""

    ch: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float
    line: int  # index of the detection box (one printed line segment) it came from

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def h(self) -> float:
        return self.y1 - self.y0


@dataclass
class OcrText:
    """The layout text of some pages, one box per character, and what OCR thought of it."""

    text: str
    boxes: list[Box]  # boxes[i] is where text[i] sits; inserted separators carry their neighbour's box
    confidence: float  # mean recognition score over recognised characters (0 when there are none)
    pages: int
    chars: int  # recognised characters (separators and line breaks excluded)


# --------------------------------------------------------------------------- engine


@lru_cache(maxsize=1)
def _engine():
    """One RapidOCR instance per process: loading the three models costs ~1-5 s."""
    try:
        from rapidocr import RapidOCR
    except ImportError as e:  # a broken install must be a clear error record, not a crash
        raise OcrError(f"OCR engine not installed: {e}") from None
    return RapidOCR(
        params={
            "Global.log_level": "error",
            # The per-line 0/180° classifier flips some upright lines and the recogniser then
            # reads them as garbage; a whole page upside down is handled in ocr_page instead.
            "Global.use_cls": False,
            "Global.return_word_box": True,
            "Global.return_single_char_box": True,
        }
    )


def engine_version() -> str:
    from importlib.metadata import version

    return f"rapidocr {version('rapidocr')}"


# --------------------------------------------------------------------------- page images


def load_image_pages(data: bytes) -> list[np.ndarray]:
    """Every frame of an image file (multi-page TIFF scans are common) as RGB arrays."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        pages = []
        for i in range(getattr(img, "n_frames", 1)):
            img.seek(i)
            frame = ImageOps.exif_transpose(img) if i == 0 else img  # phone photos carry their rotation in EXIF
            pages.append(np.asarray(frame.convert("RGB")))
            if len(pages) > MAX_PAGES:
                break
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise OcrError(f"cannot read image: {e}") from None
    return pages


def render_pdf_pages(data: bytes, pages: list[int], dpi: int = PDF_DPI) -> list[np.ndarray]:
    """Render the given PDF pages (0-based) to RGB arrays with pdfium (Apache/BSD, ~0.1 s a page)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
        try:
            return [pdf[i].render(scale=dpi / 72).to_numpy()[:, :, :3].copy() for i in pages]
        finally:
            pdf.close()
    except pdfium.PdfiumError as e:
        raise OcrError(f"cannot render PDF page for OCR: {e}") from None


# --------------------------------------------------------------------------- geometry


def _gray(img: np.ndarray) -> np.ndarray:
    import cv2

    if img.ndim == 2:
        return img
    return cv2.cvtColor(img, cv2.COLOR_RGBA2GRAY if img.shape[2] == 4 else cv2.COLOR_RGB2GRAY)


def estimate_skew(gray: np.ndarray) -> float:
    """Page skew in degrees (counter-clockwise positive, cv2's convention), from the angle at
    which the rows of ink are sharpest: text lines and table rules both vote."""
    import cv2

    scale = 800 / max(gray.shape[1], 1)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if ink.sum() < 50:
        return 0.0
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rows = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST).sum(axis=1, dtype=np.float64)
        return float(np.sum(np.diff(rows) ** 2))

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25), key=sharpness)
    best = max(np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05), key=sharpness)
    return float(best)


@dataclass
class Table:
    """A ruled table: its box and its cells (white regions enclosed by rules), in work-image pixels."""

    x0: int
    y0: int
    x1: int
    y1: int
    cells: list[tuple[int, int, int, int]]
    labels: np.ndarray  # cell index + 1 per pixel of the table's box, 0 on rules


def _thin(mask: np.ndarray, axis: int, most: float) -> np.ndarray:
    """Only the runs that are thin across their length: a rule is a few pixels thick, while a
    line of blurred text smeared along the same direction makes a band as thick as the text."""
    import cv2

    n, comp, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    length = stats[:, cv2.CC_STAT_WIDTH] if axis == 0 else stats[:, cv2.CC_STAT_HEIGHT]
    keep = stats[:, cv2.CC_STAT_AREA] <= most * np.maximum(length, 1)
    keep[0] = False
    return (keep[comp] * 255).astype(np.uint8)


def find_tables(
    gray: np.ndarray, text_boxes: list[tuple[float, float, float, float]] = ()
) -> tuple[list[Table], np.ndarray]:
    """Ruled tables of a page and the mask of their rules.

    Rules are long thin runs of ink: an opening with a long horizontal (vertical) kernel keeps
    them and drops text strokes. Faint rules need a sensitive threshold, which also turns a
    line of text that fills its cell into a run; `text_boxes` (the OCR's line boxes) veto
    those, because a printed rule never runs through the middle of a line of text. A
    connected set of rules with at least two cells is a table.
    """
    import cv2

    h, w = gray.shape
    unit = max(w, 400) / TARGET_WIDTH  # ~1 px at 200 dpi
    hk, vk = max(15, round(70 * unit)), max(15, round(60 * unit))

    def ink(kx: int, ky: int) -> np.ndarray:
        """Dark pixels after smoothing along one direction: a faint, noisy rule keeps its contrast
        along its own length while the noise averages out; thickened across it, because a
        blurred, slightly tilted 1-px rule wanders over 2-3 pixel rows."""
        smooth = cv2.blur(gray, (kx, ky))
        dark = cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 5)
        across = (1, 3) if kx > ky else (3, 1)
        return cv2.dilate(dark, cv2.getStructuringElement(cv2.MORPH_RECT, across))

    horiz = _thin(cv2.morphologyEx(ink(11, 1), cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1))),
                  0, 7 * unit)
    vert = _thin(cv2.morphologyEx(ink(1, 11), cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk))),
                 1, 7 * unit)
    if len(text_boxes):
        for x0, y0, x1, y1 in text_boxes:
            edge = (y1 - y0) / 5  # the box's padding may reach a rule; its middle never does
            horiz[round(y0 + edge) : round(y1 - edge), max(0, round(x0)) : round(x1)] = 0
        horiz = cv2.morphologyEx(horiz, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    # bridge the breaks that blur, noise and a residual tilt leave in a rule
    horiz = cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vert = cv2.morphologyEx(vert, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    # a rule that stops a few pixels short of the one it meets would let two cells flow together
    reach = max(3, round(8 * unit))
    horiz = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * reach + 1, 1)))
    vert = cv2.dilate(vert, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 2 * reach + 1)))
    rules = cv2.dilate(horiz | vert, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    n, comp, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    tables, mask = [], np.zeros_like(rules)
    min_cell = max(8, round(12 * unit))
    for i in range(1, n):
        x, y, cw, ch, _ = stats[i]
        if cw < 150 * unit or ch < 40 * unit:
            continue
        x, y, cw, ch = x + reach, y + reach, cw - 2 * reach, ch - 2 * reach  # back to the rules' own ends
        own = (comp[y : y + ch, x : x + cw] == i).astype(np.uint8)
        if not (horiz[y : y + ch, x : x + cw] & own).any() or not (vert[y : y + ch, x : x + cw] & own).any():
            continue
        frame = own.copy()
        cv2.rectangle(frame, (0, 0), (cw - 1, ch - 1), 1, 1)  # a table without outer rules is still closed
        m, labels, cstats, _ = cv2.connectedComponentsWithStats(1 - frame, connectivity=4)
        cells, keep = [], np.zeros(m, dtype=np.int32)
        for j in range(1, m):
            cx, cy, cww, chh, _ = cstats[j]
            if cww >= min_cell and chh >= min_cell:
                cells.append((int(x + cx), int(y + cy), int(x + cx + cww), int(y + cy + chh)))
                keep[j] = len(cells)
        if len(cells) < 2:
            continue
        tables.append(Table(int(x), int(y), int(x + cw), int(y + ch), cells, keep[labels]))
        mask[y : y + ch, x : x + cw] |= own
    return tables, mask


# --------------------------------------------------------------------------- OCR of one page


def _chars_of(out) -> list[Char]:
    """Characters with their own boxes from RapidOCR's output; spaces the recogniser put in a
    line are kept (as characters with the box of the gap) so Latin words stay apart."""
    if out is None or getattr(out, "txts", None) is None or out.boxes is None:
        return []
    words = out.word_results if out.word_results and len(out.word_results) == len(out.txts) else None
    chars: list[Char] = []
    for k, (txt, score, quad) in enumerate(zip(out.txts, out.scores, out.boxes, strict=True)):
        xs, ys = quad[:, 0], quad[:, 1]
        x0, y0, x1, y1 = float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())
        solid = [c for c in txt if not c.isspace()]
        parts = [w for w in words[k] if w[0].strip()] if words else []
        if parts and "".join(w[0] for w in parts) == "".join(solid):
            per = []
            for wt, ws, wq in parts:
                wq = np.asarray(wq, dtype=float)
                wx0, wx1 = float(wq[:, 0].min()), float(wq[:, 0].max())
                step = (wx1 - wx0) / len(wt)
                per += [(c, float(ws), wx0 + i * step, wx0 + (i + 1) * step) for i, c in enumerate(wt)]
        else:  # no usable character boxes: spread the line's characters evenly over its box
            step = (x1 - x0) / max(len(solid), 1)
            per = [(c, float(score), x0 + i * step, x0 + (i + 1) * step) for i, c in enumerate(solid)]
        it = iter(per)
        prev_x1 = x0
        pending_space = False
        for c in txt:
            if c.isspace():
                pending_space = True
                continue
            ch, s, cx0, cx1 = next(it)
            if pending_space and chars and chars[-1].line == k:
                chars.append(Char(" ", 1.0, prev_x1, y0, max(cx0, prev_x1), y1, k))
            pending_space = False
            chars.append(Char(ch, s, cx0, y0, cx1, y1, k))
            prev_x1 = cx1
    return chars


@dataclass
class Page:
    """One page after OCR: its characters and tables in work-image pixels, and how to map them back."""

    chars: list[Char]
    tables: list[Table]
    inverse: np.ndarray  # 2x3 affine: work-image pixel → input-page pixel
    size: tuple[int, int]  # input page (width, height)


def ocr_page(img: np.ndarray) -> Page:
    """Rescale to ~200 dpi, deskew, recognise the text, then find the tables' rules and cells.

    The rules stay in the image the recogniser reads: erased, they leave a label and its
    number close enough for the detector to read them as one line, and it drops the number."""
    import cv2

    gray = _gray(img)
    h0, w0 = gray.shape
    scale = 1.0  # a low-resolution scan is enlarged (PP-OCR misreads text under ~20 px high), a huge one shrunk
    if w0 < 1200:
        scale = min(TARGET_WIDTH / w0, 2.5)
    elif w0 > 2600:
        scale = 1.2 * TARGET_WIDTH / w0
    angle = estimate_skew(gray)
    cx, cy = w0 / 2, h0 / 2
    w, h = round(w0 * scale), round(h0 * scale)
    best = None
    for turn in (0, 180):  # a page scanned upside down reads as garbage: read it turned round
        fwd = cv2.getRotationMatrix2D((cx, cy), angle + turn, scale)
        fwd[0, 2] += w / 2 - cx
        fwd[1, 2] += h / 2 - cy
        work = cv2.warpAffine(gray, fwd, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)
        chars = _chars_of(_engine()(cv2.cvtColor(work, cv2.COLOR_GRAY2BGR)))
        scores = [c.score for c in chars if c.ch != " "]
        if best is None or sum(scores) > best[0]:
            best = (sum(scores), fwd, work, chars)
        if len(scores) >= 20 and float(np.mean(scores)) >= 0.8 or not scores:
            break
    _, fwd, work, chars = best
    tables, _ = find_tables(work, _line_boxes(chars))
    return Page(chars, tables, cv2.invertAffineTransform(fwd), (w0, h0))


def _line_boxes(chars: list[Char]) -> list[tuple[float, float, float, float]]:
    """The box of each single-line detection (a taller one may span a rule, so it is left out)."""
    boxes: dict[int, list[float]] = {}
    for c in chars:
        b = boxes.setdefault(c.line, [c.x0, c.y0, c.x1, c.y1])
        b[:] = [min(b[0], c.x0), min(b[1], c.y0), max(b[2], c.x1), max(b[3], c.y1)]
    heights = sorted(b[3] - b[1] for b in boxes.values())
    typical = heights[len(heights) // 2] if heights else 0
    return [tuple(b) for b in boxes.values() if b[3] - b[1] < 1.6 * typical]


# --------------------------------------------------------------------------- layout


@dataclass
class _Piece:
    """Text under construction with one box (work-image pixels) per character."""

    chars: list[str]
    rects: list[tuple[float, float, float, float]]

    def add(self, text: str, rect: tuple[float, float, float, float]) -> None:
        self.chars.extend(text)
        self.rects.extend([rect] * len(text))


def _rect(c: Char) -> tuple[float, float, float, float]:
    return (c.x0, c.y0, c.x1, c.y1)


def _lines(chars: list[Char]) -> list[list[Char]]:
    """Group characters into printed lines by vertical overlap, top to bottom, each left to right.

    A detection box is one line segment, so whole segments are grouped: a segment joins the line
    it overlaps most (at least half the smaller height), which tolerates the small slope that a
    residual tilt gives a long line.
    """
    segments: dict[int, list[Char]] = {}
    for c in chars:
        segments.setdefault(c.line, []).append(c)
    lines: list[list[Char]] = []
    bands: list[tuple[float, float]] = []
    for seg in sorted(segments.values(), key=lambda s: min(c.x0 for c in s)):
        y0, y1 = float(np.median([c.y0 for c in seg])), float(np.median([c.y1 for c in seg]))
        best, best_ov = None, 0.5
        for i, (ly0, ly1) in enumerate(bands):
            ov = (min(y1, ly1) - max(y0, ly0)) / max(min(y1 - y0, ly1 - ly0), 1e-6)
            if ov > best_ov:
                best, best_ov = i, ov
        if best is None:
            lines.append(list(seg))
            bands.append((y0, y1))
        else:
            lines[best].extend(seg)
            bands[best] = (y0, y1)  # follow the line as it drifts to the right
    for line in lines:
        line.sort(key=lambda c: c.x0)
    return sorted(lines, key=lambda ln: float(np.median([c.cy for c in ln])))


def _line_text(line: list[Char], out: _Piece, columns: bool = True) -> None:
    """A printed line: characters glued, a space where the recogniser saw one or where two
    segments stand apart, and " | " across a gap wide enough to be a column of an unruled table."""
    h = float(np.median([c.h for c in line])) if line else 0.0
    prev = None
    for c in line:
        if prev is not None and c.ch != " " and prev.ch != " ":
            gap = c.x0 - prev.x1
            if columns and gap > 2.5 * h:
                out.add(" | ", (prev.x1, c.y0, c.x0, c.y1))
            elif c.line != prev.line and gap > 0.6 * h:
                out.add(" ", (prev.x1, c.y0, c.x0, c.y1))
        out.add(c.ch, _rect(c))
        prev = c


def _table_text(table: Table, chars: list[Char], out: _Piece) -> None:
    """Row by row, cells joined by " | "; a row of one cell keeps its own line; empty rows go."""
    inside: list[list[Char]] = [[] for _ in table.cells]
    for c in chars:
        k = int(table.labels[int(c.cy) - table.y0, int(c.cx) - table.x0]) - 1 if (
            table.y0 <= c.cy < table.y1 and table.x0 <= c.cx < table.x1) else -1
        if k < 0:  # on a rule: the nearest cell by centre distance
            k = min(range(len(table.cells)), key=lambda i: _dist(table.cells[i], c))
        inside[k].append(c)
    heights = [c.h for c in chars] or [30.0]
    tol = 0.4 * float(np.median(heights))
    order = sorted(range(len(table.cells)), key=lambda i: (table.cells[i][1], table.cells[i][0]))
    rows: list[list[int]] = []
    for i in order:
        if rows and table.cells[i][1] - table.cells[rows[-1][0]][1] <= tol:
            rows[-1].append(i)
        else:
            rows.append([i])
    for row in rows:
        row.sort(key=lambda i: table.cells[i][0])
        if not any(inside[i] for i in row):
            continue
        if out.chars:
            out.add("\n", out.rects[-1])
        if len(row) == 1:
            for n, line in enumerate(_lines(_strip(inside[row[0]]))):
                if n:
                    out.add("\n", out.rects[-1])
                _line_text(line, out)
            continue
        for n, i in enumerate(row):
            cell = table.cells[i]
            if n:
                out.add(" | ", tuple(map(float, cell)))
            for line in _lines(_strip(inside[i])):
                _line_text(line, out, columns=False)  # a wrapped cell is glued back, as _cell_text does


def _strip(chars: list[Char]) -> list[Char]:
    """A cell's characters without the spaces the recogniser saw at the ends of its segments
    (a segment that ran across a rule leaves its space on one side of it)."""
    keep = []
    for i, c in enumerate(chars):
        if c.ch == " " and not (0 < i < len(chars) - 1 and chars[i - 1].line == c.line == chars[i + 1].line):
            continue
        keep.append(c)
    return keep


def _dist(cell: tuple[int, int, int, int], c: Char) -> float:
    x0, y0, x1, y1 = cell
    return math.hypot(max(x0 - c.cx, 0, c.cx - x1), max(y0 - c.cy, 0, c.cy - y1))


def page_text(page: Page) -> _Piece:
    """The page's lines and table rows, merged top to bottom (as gkml.io.ingest does for PDFs)."""
    in_table: list[list[Char]] = [[] for _ in page.tables]
    loose: list[Char] = []
    for c in page.chars:
        for t, table in enumerate(page.tables):
            if table.x0 <= c.cx < table.x1 and table.y0 <= c.cy < table.y1:
                in_table[t].append(c)
                break
        else:
            loose.append(c)
    items: list[tuple[float, object]] = [(float(np.median([c.cy for c in ln])), ln) for ln in _lines(loose)]
    items += [(float(t.y0), t) for t in page.tables]
    items.sort(key=lambda item: item[0])
    out = _Piece([], [])
    for _, item in items:
        part = _Piece([], [])
        if isinstance(item, Table):
            _table_text(item, in_table[page.tables.index(item)], part)
        else:
            _line_text(item, part)
        if not part.chars:
            continue  # a table with nothing in it adds nothing, not even a line break
        if out.chars:
            out.add("\n", out.rects[-1])
        out.chars += part.chars
        out.rects += part.rects
    return out


def _to_input(rect: tuple[float, float, float, float], inverse: np.ndarray, size: tuple[int, int]) -> tuple:
    """A work-image rectangle as the box, in input-page pixels, of its four corners mapped back."""
    x0, y0, x1, y1 = rect
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]]) @ inverse.T
    w, h = size
    return (max(0, math.floor(pts[:, 0].min())), max(0, math.floor(pts[:, 1].min())),
            min(w, math.ceil(pts[:, 0].max())), min(h, math.ceil(pts[:, 1].max())))


def ocr_images(images: list[np.ndarray], page_numbers: list[int] | None = None) -> OcrText:
    """OCR page images into one layout text (pages joined by a line break) and its box map.

    A page the engine fails on raises `OcrError` naming that page; a page with no text adds
    nothing. `page_numbers` (0-based) label the boxes when the images are some pages of a PDF.
    """
    numbers = page_numbers if page_numbers is not None else list(range(len(images)))
    text: list[str] = []
    boxes: list[Box] = []
    scores: list[float] = []
    for no, img in zip(numbers, images, strict=True):
        try:
            page = ocr_page(img)
        except OcrError:
            raise
        except Exception as e:  # onnxruntime, cv2 and numpy each raise their own types
            raise OcrError(f"OCR failed on page {no + 1}: {type(e).__name__}: {e}") from None
        piece = page_text(page)
        if not piece.chars:
            continue
        if text:
            text.append("\n")
            boxes.append(boxes[-1])
        text.extend(piece.chars)
        boxes.extend((no, *_to_input(r, page.inverse, page.size)) for r in piece.rects)
        scores.extend(c.score for c in page.chars if c.ch != " ")
    return OcrText("".join(text), boxes, float(np.mean(scores)) if scores else 0.0, len(images), len(scores))
