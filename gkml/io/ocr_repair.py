"""What the recogniser got wrong about a table's cells, put right from the page image.

RapidOCR reads prose well; a table's cells are where it slips, and each slip costs a cell or
shifts a row: a "/" read as "1", two numbers of neighbouring cells read as one ("4" and "35"
as "435"), a dash printed alone not read at all, a lone digit in a wide cell passed over by
the detector. Each repair looks at the ink where the characters were (or were not) read, in
the coordinates of the work image (`gkml.io.ocr.ocr_page`), and returns characters in the
shape `gkml.io.ocr_layout` lays out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np

from gkml.io.geometry import DASHLIKE, find_dashes, find_glyphs
from gkml.io.ocr_layout import Char, box_of, segments

_UPRIGHT = "1lI|"  # what the recogniser reads a printed "/" as
SLANT = -0.2  # x per y of a stroke's ink: "/" leans about -0.3, an upright "1" +0.03 to +0.13 (measured)
DASH_SCORE = 0.95  # a dash is found by its shape, not recognised: no score of the recogniser's
SECOND_LOOK_SCORE = 0.8  # least score of a number read from a glyph the detector passed over
GLUE_GAP = 0.5  # line heights of white between two digits that part two numbers
_NUMBER = re.compile(r"\d+")


def _height(chars: list[Char]) -> float:
    """The page's line height: the median height of what was read."""
    heights = sorted(c.h for c in chars if c.ch != " ")
    return heights[len(heights) // 2] if heights else 0.0


def _ink(crop: np.ndarray) -> np.ndarray:
    import cv2

    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def _new_chars(text: str, score: float, box: tuple[float, float, float, float], height: float, line: int) -> list[Char]:
    """Characters found by looking at the image, spread over the ink's box and as tall as a
    line of text, so that they line up with the row they are printed in."""
    x0, y0, x1, y1 = box
    cy, step = (y0 + y1) / 2, (x1 - x0) / len(text)
    return [Char(ch, score, x0 + i * step, cy - height / 2, x0 + (i + 1) * step, cy + height / 2, line)
            for i, ch in enumerate(text)]  # fmt: skip


def slash(work: np.ndarray, c: Char) -> Char:
    """The character as printed when the recogniser read a "/" (a cell printed blank, as many
    reports print one) as "1": the main stroke of ink in its box leans like a slash (x falls as
    y grows), where a "1" stands upright. A "/" read as 1 would be a number no one printed."""
    import cv2

    if c.ch not in _UPRIGHT:
        return c
    y0, y1 = max(int(c.y0), 0), int(math.ceil(c.y1))
    crop = work[y0:y1, max(int(c.x0), 0) : int(math.ceil(c.x1))]
    if crop.size == 0 or int(crop.max()) - int(crop.min()) < 60:
        return c
    n, comp, stats, _ = cv2.connectedComponentsWithStats(_ink(crop).astype(np.uint8), connectivity=8)
    if n < 2:
        return c
    ys, xs = np.nonzero(comp == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA])))
    if ys.max() - ys.min() < 0.4 * (y1 - y0):
        return c  # no stroke as tall as the line: nothing to judge by
    if float(np.polyfit(ys, xs, 1)[0]) < SLANT:
        return Char("/", c.score, c.x0, c.y0, c.x1, c.y1, c.line)
    return c


def fit_digits(work: np.ndarray, chars: list[Char]) -> list[Char]:
    """Each digit boxed by its own ink, and numbers of neighbouring cells that the detector ran
    into one box parted again.

    The recogniser boxes a run of digits by spreading them evenly over its detection box,
    padding included, and drops the white between them: "4" and "35" printed in two cells come
    out as "435", a number no one printed, or as two boxes so padded that they touch. Where the
    ink of a run falls into exactly as many blobs as it has digits, each digit takes its own
    blob's extent, and a space parts two digits with half a line or more of white between them."""
    height = _height(chars)
    out: list[Char] = []
    i = 0
    while i < len(chars):
        j = i
        while j < len(chars) and chars[j].ch.isdigit() and chars[j].line == chars[i].line:
            j += 1
        if j == i:
            out.append(chars[i])
            i += 1
            continue
        out += _fit(work, chars[i:j], height)
        i = j
    return out


def _fit(work: np.ndarray, run: list[Char], height: float) -> list[Char]:
    x0, x1 = max(0, int(run[0].x0)), int(math.ceil(run[-1].x1))
    y0, y1 = max(0, int(min(c.y0 for c in run))), int(math.ceil(max(c.y1 for c in run)))
    crop = work[y0:y1, x0:x1]
    if crop.size == 0 or int(crop.max()) - int(crop.min()) < 60:
        return run
    columns = _ink(crop).sum(axis=0) >= 2  # a column with a speck of noise is no ink
    edges = np.flatnonzero(np.diff(np.concatenate([[0], columns.astype(np.int8), [0]])))
    blobs = list(zip(edges[::2], edges[1::2], strict=True))
    if len(blobs) != len(run):
        return run  # digits touching, or noise: the even spread stands
    out = []
    for k, (c, (b0, b1)) in enumerate(zip(run, blobs, strict=True)):
        if k and b0 - blobs[k - 1][1] >= GLUE_GAP * height:
            out.append(Char(" ", 1.0, out[-1].x1, c.y0, x0 + b0, c.y1, c.line))
        out.append(Char(c.ch, c.score, x0 + b0, c.y0, x0 + b1, c.y1, c.line))
    return out


def with_dashes(work: np.ndarray, chars: list[Char]) -> list[Char]:
    """The characters with the dashes printed alone (`gkml.io.geometry.find_dashes`) added. A
    segment the recogniser read as dashes alone ("==", "一", "mm" for "——") gives way to the
    dashes found in it."""
    by_line = segments(chars)
    boxes = {k: box_of(s) for k, s in by_line.items()}
    dashy = {k for k, s in by_line.items() if all(c.ch in DASHLIKE or c.ch == " " for c in s)}
    height = _height(chars)
    dashes = find_dashes(work, [b for k, b in boxes.items() if k not in dashy], height)
    replaced = {k for k in dashy for x0, y0, x1, y1, _ in dashes
                if boxes[k][0] <= (x0 + x1) / 2 <= boxes[k][2] and boxes[k][1] <= (y0 + y1) / 2 <= boxes[k][3]}  # fmt: skip
    out = [c for c in chars if c.line not in replaced]
    line = max(by_line, default=-1)
    for *box, text in dashes:
        line += 1
        out += _new_chars(text, DASH_SCORE, tuple(box), height, line)
    return out


def second_look(
    work: np.ndarray, chars: list[Char], rules: np.ndarray, recognise: Callable[[np.ndarray], tuple[str, float]]
) -> list[Char]:
    """Numbers printed alone that the detector passed over, read by `recognise` one by one.

    The detector drops some lone digits in wide cells (a row of fifteen zeros came out as ten),
    and a cell that is not read shifts or loses its row. Ink of a digit's size outside every
    box read (`gkml.io.geometry.find_glyphs`) is cut out and recognised alone; only a number
    read with a good score is taken, spread over the glyph's box."""
    height = _height(chars)
    found: list[Char] = []
    line = max((c.line for c in chars), default=-1)
    for x0, y0, x1, y1 in find_glyphs(work, [(c.x0, c.y0, c.x1, c.y1) for c in chars], rules, height):
        pad = round(0.3 * height)
        text, score = recognise(work[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad])
        if _NUMBER.fullmatch(text) and score >= SECOND_LOOK_SCORE:
            line += 1
            found += _new_chars(text, score, (x0, y0, x1, y1), height, line)
    return found
