"""Page images → OCR characters → layout text, with every character's page and box.

A page is rescaled to about 200 dpi, deskewed (and turned round if it was scanned upside
down), then read with a box per character; its ruled tables are found on the same work image
(`gkml.io.geometry`) and the characters laid out as lines and table rows (`gkml.io.ocr_layout`).

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

from gkml.io.geometry import TARGET_WIDTH, estimate_skew, find_tables
from gkml.io.ocr_layout import Char, Page, page_text

PDF_DPI = 200  # render scale for PDF pages: CJK body text is ~35 px high, what PP-OCR reads best
MAX_PAGES = 200  # OCR is ~5 s a page: a longer input is more likely a mistake than a report

Box = tuple[int, int, int, int, int]  # page (0-based), x0, y0, x1, y1


class OcrError(Exception):
    """OCR could not read the input; the message says which page and why, for a human."""


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


def _gray(img: np.ndarray) -> np.ndarray:
    import cv2

    if img.ndim == 2:
        return img
    return cv2.cvtColor(img, cv2.COLOR_RGBA2GRAY if img.shape[2] == 4 else cv2.COLOR_RGB2GRAY)


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


# --------------------------------------------------------------------------- pages → text


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
