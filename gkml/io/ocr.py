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
import logging
import math
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from gkml.io.geometry import TARGET_WIDTH, estimate_skew, find_tables
from gkml.io.ocr_layout import Char, Page, box_of, page_text, segments
from gkml.io.ocr_repair import fit_digits, second_look, slash, with_dashes

PDF_DPI = 200  # render scale for PDF pages: CJK body text is ~35 px high, what PP-OCR reads best
MAX_PAGES = 200  # OCR is ~5 s a page: a longer input is more likely a mistake than a report
# Pixels of one page image, checked before it is decoded (a decompression bomb never is): A3 at
# 600 dpi is 70 million, a phone photo 12 to 50; more is a poster, a drawing or a bomb, and would
# take gigabytes. All the frames of one image file together may have MAX_IMAGE_PIXELS.
MAX_PIXELS = 80_000_000
MAX_IMAGE_PIXELS = 400_000_000

log = logging.getLogger(__name__)

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
    # char_scores[i]: the recogniser's score of text[i] (None for what the layout inserted: separators, breaks)
    char_scores: list[float | None] = field(default_factory=list)


# --------------------------------------------------------------------------- engine


_THREADS = -1  # onnxruntime threads of this process's engine (-1: all cores); a pool worker sets its share


# The detector's least mean score of a text box. At RapidOCR's 0.5 it drops many a lone "0" in a
# wide table cell (a row of seven zeros came out as three); 0.3 keeps them (bench/scans.py).
DET_BOX_THRESH = 0.3


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
            "Det.box_thresh": DET_BOX_THRESH,
            "EngineConfig.onnxruntime.intra_op_num_threads": _THREADS,
        }
    )


def engine_version() -> str:
    from importlib.metadata import version

    return f"rapidocr {version('rapidocr')}"


# --------------------------------------------------------------------------- page images


def load_image_pages(data: bytes) -> list[np.ndarray]:
    """Every frame of an image file (multi-page TIFF scans are common) as RGB arrays."""
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # PIL warns past 89 megapixels; the limit here is lower, and says more
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
        pages, total = [], 0
        for i in range(getattr(img, "n_frames", 1)):
            img.seek(i)
            width, height = img.size
            total += width * height
            if width * height > MAX_PIXELS:
                raise OcrError(f"image too large: {width}×{height} pixels ({width * height / 1e6:.0f} megapixels) on "
                               f"page {i + 1}, the limit is {MAX_PIXELS / 1e6:.0f} (a poster, a drawing or a "
                               f"decompression bomb, not a report page)")  # fmt: skip
            if total > MAX_IMAGE_PIXELS:
                raise OcrError(f"image too large: its first {i + 1} pages have {total / 1e6:.0f} megapixels, the "
                               f"limit is {MAX_IMAGE_PIXELS / 1e6:.0f}; convert it to a PDF")  # fmt: skip
            frame = ImageOps.exif_transpose(img) if i == 0 else img  # phone photos carry their rotation in EXIF
            pages.append(np.asarray(frame.convert("RGB")))
            if len(pages) > MAX_PAGES:
                break
    except Image.DecompressionBombError as e:  # PIL's own limit (179 megapixels), met opening the file
        raise OcrError(f"image too large: {e}") from None
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise OcrError(f"cannot read image: {e}") from None
    return pages


def render_pdf_pages(data: bytes, pages: list[int], dpi: int = PDF_DPI) -> list[np.ndarray]:
    """Render the given PDF pages (0-based) to RGB arrays with pdfium (Apache/BSD, ~0.1 s a page)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
        try:
            for i in pages:
                width, height = (v * dpi / 72 for v in pdf[i].get_size())
                if width * height > MAX_PIXELS:
                    raise OcrError(f"PDF page {i + 1} too large to read by OCR: {width * height / 1e6:.0f} megapixels "
                                   f"at {dpi} dpi, the limit is {MAX_PIXELS / 1e6:.0f} (a poster or a drawing, not "
                                   f"a report page)")  # fmt: skip
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
        chars = _chars_of(_engine()(cv2.cvtColor(work, cv2.COLOR_GRAY2BGR), use_det=True, use_cls=False, use_rec=True))
        scores = [c.score for c in chars if c.ch != " "]
        if best is None or sum(scores) > best[0]:
            best = (sum(scores), fwd, work, chars)
        if len(scores) >= 20 and float(np.mean(scores)) >= 0.8 or not scores:
            break
    _, fwd, work, chars = best
    chars = fit_digits(work, [slash(work, c) for c in chars])
    tables, rules = find_tables(work, _line_boxes(chars), [(c.x0, c.y0, c.x1, c.y1) for c in chars if c.ch.isdigit()])
    chars = with_dashes(work, chars)
    chars += second_look(work, chars, rules, _recognise)
    return Page(chars, tables, cv2.invertAffineTransform(fwd), (w0, h0))


def _recognise(crop: np.ndarray) -> tuple[str, float]:
    """The text of one cut-out glyph and its score, by the recogniser alone."""
    import cv2

    # the steps asked for stay set in the engine: ocr_page asks for detection again each time
    out = _engine()(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR), use_det=False, use_cls=False, use_rec=True)
    return (out.txts[0].strip(), float(out.scores[0])) if out is not None and out.txts else ("", 0.0)


def _line_boxes(chars: list[Char]) -> list[tuple[float, float, float, float]]:
    """The box of each single-line detection (a taller one may span a rule, so it is left out)."""
    boxes = [box_of(s) for s in segments(chars).values()]
    heights = sorted(b[3] - b[1] for b in boxes)
    typical = heights[len(heights) // 2] if heights else 0
    return [b for b in boxes if b[3] - b[1] < 1.6 * typical]


# --------------------------------------------------------------------------- pages → text


def _to_input(rect: tuple[float, float, float, float], inverse: np.ndarray, size: tuple[int, int]) -> tuple:
    """A work-image rectangle as the box, in input-page pixels, of its four corners mapped back."""
    x0, y0, x1, y1 = rect
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]]) @ inverse.T
    w, h = size
    return (max(0, math.floor(pts[:, 0].min())), max(0, math.floor(pts[:, 1].min())),
            min(w, math.ceil(pts[:, 0].max())), min(h, math.ceil(pts[:, 1].max())))


# one page's layout text, a box per character, the recognition scores of what was read and of each character
PageRead = tuple[str, list[Box], list[float], list[float | None]]


def read_page(img: np.ndarray, no: int) -> PageRead:
    """OCR one page (0-based number `no`) into its layout text, boxes in input-page pixels and scores.

    Runs in a pool worker when pages are read in parallel, so it takes and returns plain data."""
    try:
        page = ocr_page(img)
    except OcrError:
        raise
    except Exception as e:  # onnxruntime, cv2 and numpy each raise their own types
        raise OcrError(f"OCR failed on page {no + 1}: {type(e).__name__}: {e}") from None
    piece = page_text(page)
    boxes = [(no, *_to_input(r, page.inverse, page.size)) for r in piece.rects]
    score_of = {(c.x0, c.y0, c.x1, c.y1): c.score for c in page.chars if c.ch != " "}
    per_char = [None if ch in " |\n" else score_of.get(r) for ch, r in zip(piece.chars, piece.rects, strict=True)]
    return "".join(piece.chars), boxes, [c.score for c in page.chars if c.ch != " "], per_char


def ocr_images(images: list[np.ndarray], page_numbers: list[int] | None = None, workers: int | None = None) -> OcrText:
    """OCR page images into one layout text (pages joined by a line break) and its box map.

    A page the engine fails on raises `OcrError` naming that page; a page with no text adds
    nothing. `page_numbers` (0-based) label the boxes when the images are some pages of a PDF.
    `workers` processes read pages in parallel (None: the default of `configure`).
    """
    numbers = page_numbers if page_numbers is not None else list(range(len(images)))
    if len(numbers) != len(images):
        raise ValueError(f"{len(images)} images but {len(numbers)} page numbers")
    return _joined(read_pages(numbers, lambda k: images[k], workers), len(images))


def ocr_pdf_pages(data: bytes, pages: list[int], workers: int | None = None) -> dict[int, OcrText]:
    """OCR the given PDF pages (0-based), each rendered at `PDF_DPI` only when a worker is ready
    for it (a long scan is never held in memory whole): page number → what OCR read on it."""
    reads = read_pages(pages, lambda k: render_pdf_pages(data, [pages[k]])[0], workers)
    return {no: _joined([read], 1) for no, read in zip(pages, reads, strict=True)}


def _joined(reads: list[PageRead], pages: int) -> OcrText:
    text: list[str] = []
    boxes: list[Box] = []
    scores: list[float] = []
    per_char: list[float | None] = []
    for piece, piece_boxes, piece_scores, piece_per_char in reads:
        if not piece:
            continue
        if text:
            text.append("\n")
            boxes.append(boxes[-1])
            per_char.append(None)
        text.append(piece)
        boxes.extend(piece_boxes)
        scores.extend(piece_scores)
        per_char.extend(piece_per_char)
    return OcrText("".join(text), boxes, float(np.mean(scores)) if scores else 0.0, pages, len(scores), per_char)


# --------------------------------------------------------------------------- pages in parallel

_DEFAULTS = {"workers": 1, "progress": False}
_pool = None  # (workers, ProcessPoolExecutor), kept for the whole batch: each worker loads the engine once


def configure(workers: int | None = None, progress: bool | None = None, threads: int | None = None) -> None:
    """Process-wide OCR settings, set once by the command (`gkml predict --ocr-workers`, its
    progress bars): the batch path (predict → ingest → reader) does not carry OCR options.
    `threads`: ONNX Runtime threads of this process's own engine (-1 all cores), for a process
    that is itself one of several workers; a change makes the engine again at the next page."""
    global _THREADS
    if threads is not None and threads != _THREADS:
        _THREADS = threads
        _engine.cache_clear()
    if workers is not None:
        if workers < 1:
            raise ValueError(f"OCR workers must be at least 1, got {workers}")
        _DEFAULTS["workers"] = workers
    if progress is not None:
        _DEFAULTS["progress"] = progress


def _init_worker(threads: int) -> None:
    """A pool worker: its share of the cores (so N workers do not fight over them), then the engine.
    Ctrl-C is the parent's to handle (it stops the pool), not each worker's to print a traceback for."""
    global _THREADS
    import signal

    import cv2

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _THREADS = threads
    cv2.setNumThreads(threads)
    _engine()


def _get_pool(workers: int):
    """The pool of `workers` processes, started on first use (spawned: a forked child would inherit
    the parent's onnxruntime and torch thread pools, which do not survive a fork)."""
    global _pool
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if _pool is None or _pool[0] != workers:
        shutdown_pool()
        threads = max(1, (os.cpu_count() or 1) // workers)
        executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init_worker, initargs=(threads,))  # fmt: skip
        _pool = (workers, executor)
    return _pool[1]


def shutdown_pool(kill: bool = False) -> None:
    """Stop the pool; `kill` ends pages still being read (after a time limit or Ctrl-C in the parent)."""
    global _pool
    if _pool is not None:
        executor, _pool = _pool[1], None
        if kill:
            for proc in list((getattr(executor, "_processes", None) or {}).values()):
                proc.terminate()
        executor.shutdown(wait=not kill, cancel_futures=True)


def read_pages(numbers: list[int], image_of: Callable[[int], np.ndarray], workers: int | None = None) -> list[PageRead]:
    """Read pages `numbers` (`image_of(k)` gives the k-th image), in order, with a progress bar per page.

    One page, or one worker: read here. Otherwise by a pool of worker processes, at most two
    pages per worker in flight. A page that fails raises `OcrError` naming it; a worker that
    dies (out of memory) is an `OcrError` too, and the pool is started afresh for the next input."""
    from concurrent.futures.process import BrokenProcessPool

    workers = min(workers or _DEFAULTS["workers"], len(numbers))
    bar = None
    if _DEFAULTS["progress"] and len(numbers) > 1:
        from tqdm import tqdm

        bar = tqdm(total=len(numbers), unit="page", desc=f"OCR ({workers} worker{'s' * (workers > 1)})",
                   leave=False, dynamic_ncols=True)  # fmt: skip
    out: list[PageRead] = []
    try:
        if workers <= 1:
            for k, no in enumerate(numbers):
                out.append(read_page(image_of(k), no))
                if bar is not None:
                    bar.update()
            return out
        pool = _get_pool(workers)
        pending: deque = deque()
        try:
            for k, no in enumerate(numbers):
                pending.append(pool.submit(read_page, image_of(k), no))
                while len(pending) >= 2 * workers or (pending and k == len(numbers) - 1):
                    out.append(pending.popleft().result())
                    if bar is not None:
                        bar.update()
        except BrokenProcessPool:
            shutdown_pool(kill=True)
            raise OcrError("OCR worker process died (out of memory?) while reading this input") from None
        except OcrError:
            for f in pending:
                f.cancel()
            raise
        except BaseException:  # the document's time limit, Ctrl-C: stop the pages still being read
            shutdown_pool(kill=True)
            raise
        return out
    finally:
        if bar is not None:
            bar.close()
