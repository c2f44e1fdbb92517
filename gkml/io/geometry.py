"""The page image's geometry: how far a scan is tilted, and where its ruled tables and their cells are.

OCR reads a page best upright, and the layout of a table row depends on which cell each
character sits in: the printed rule lines of the tables are found by morphology on the page
image, and the cells they enclose are the white regions between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TARGET_WIDTH = 1654  # an A4 page at 200 dpi; images far off this width are rescaled towards it
MAX_SKEW = 5.0  # degrees; scans are rarely more than a few degrees off


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
    gray: np.ndarray,
    text_boxes: list[tuple[float, float, float, float]] = (),
    digit_boxes: list[tuple[float, float, float, float]] = (),
) -> tuple[list[Table], np.ndarray]:
    """Ruled tables of a page and the mask of their rules.

    Rules are long thin runs of ink: an opening with a long horizontal (vertical) kernel keeps
    them and drops text strokes. Faint rules need a sensitive threshold, which also turns a
    line of text that fills its cell into a run; `text_boxes` (the OCR's line boxes) veto
    those, because a printed rule never runs through the middle of a line of text. Digits
    stacked in one column of short rows, joined by the horizontal rules between them, make a
    vertical run as long as a rule; `digit_boxes` (the OCR's boxes of single digits) veto
    those, because a printed rule never runs through the middle of a digit. A connected set
    of rules with at least two cells is a table.
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
    if len(digit_boxes):
        for x0, y0, x1, y1 in digit_boxes:
            edge = (x1 - x0) / 4
            vert[max(0, round(y0)) : round(y1), max(0, round(x0 + edge)) : round(x1 - edge)] = 0
        vert = cv2.morphologyEx(vert, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
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
