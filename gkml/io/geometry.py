"""The page image's geometry: how far a scan is tilted, where its ruled tables and their cells
are, and the marks the OCR detector passes over (dashes printed alone, lone glyphs).

OCR reads a page best upright, and the layout of a table row depends on which cell each
character sits in: the printed rule lines of the tables are found by morphology on the page
image, and the cells they enclose are the white regions between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TARGET_WIDTH = 1654  # an A4 page at 200 dpi; images far off this width are rescaled towards it
MAX_SKEW = 5.0  # degrees; scans are rarely more than a few degrees off
# Most pixels of ink across a rule's length: ~3 in a 200 dpi scan, up to ~9 in a 100 dpi one
# rendered at 200 dpi (blurred twice as wide); a line of text smeared along it is 20 or more.
RULE_WIDTH = 10


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
    """Ruled tables of a page, and the mask of every rule found (a box of one cell, a rule
    under a heading: a stroke on it is no dash, its corner no "7").

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
                  0, RULE_WIDTH * unit)
    vert = _thin(cv2.morphologyEx(ink(1, 11), cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk))),
                 1, RULE_WIDTH * unit)
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
    every = horiz | vert
    rules = cv2.dilate(every, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    n, comp, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    tables = []
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
    return tables, every


def _dark(gray: np.ndarray) -> np.ndarray:
    """Ink of a page, 1 where dark: Otsu's threshold, but never within 50 levels of the paper, so
    that the noise of a page with almost nothing printed on it is no ink."""
    import cv2

    t, _ = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return (gray <= min(t, float(np.median(gray)) - 50)).astype(np.uint8)


def _ink_outside(gray: np.ndarray, boxes: list[tuple[float, float, float, float]]) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """The page's blobs of ink (x, y, width, height, area) and the mask of the boxes already read."""
    import cv2

    _, _, stats, _ = cv2.connectedComponentsWithStats(_dark(gray), connectivity=8)
    taken = np.zeros(gray.shape, dtype=bool)
    for x0, y0, x1, y1 in boxes:
        taken[max(0, round(y0)) : round(y1), max(0, round(x0)) : round(x1)] = True
    return [tuple(int(v) for v in row) for row in stats[1:]], taken


def _near_rules(rules: np.ndarray, length: float) -> np.ndarray:
    """Where a stroke touches a rule longer than `length`: a "——" is long enough to pass for a
    piece of rule itself, and must not veto itself."""
    import cv2

    n, comp, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    keep = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) > length
    keep[0] = False
    return cv2.dilate(keep[comp].astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))) > 0


DASHLIKE = set("-—–－‐_=~一ーmM")  # what the recogniser reads a printed dash as, when it reads it at all


def find_dashes(
    gray: np.ndarray,
    text_boxes: list[tuple[float, float, float, float]],
    height: float,
) -> list[tuple[float, float, float, float, str]]:
    """Dashes printed alone (a cell printed blank as "-", "--", "—" or "——"), as boxes with
    the text they print.

    The detector finds no text in a lone thin stroke, and a cell printed "—" came out as no
    cell at all. A dash is a solid run of ink, thin and several times wider than it is thick,
    as wide as a fifth of a character to three, that stands in no line of text (`text_boxes`:
    a "一" or a dash inside a line is the recogniser's to read). Strokes closer than a sixth of
    a character make one dash ("--"). Paper on both sides: a piece of a rule that noise broke
    into pieces has the rule going on, fainter, beside it (as have three or more pieces close
    together)."""
    if height <= 0:
        return []
    blobs, taken = _ink_outside(gray, text_boxes)
    strokes = []
    for x, y, w, h, area in blobs:
        thin = 0.2 * height <= w <= 3 * height and h <= 0.25 * height and w >= 2.5 * h and area >= 0.6 * w * h
        if thin and not taken[y + h // 2, x + w // 2]:
            strokes.append((x, y, x + w, y + h))
    dashes: list[list] = []
    for x0, y0, x1, y1 in sorted(strokes):
        last = next((d for d in dashes if abs(y0 + y1 - d[1] - d[3]) < 0.5 * height and 0 <= x0 - d[2] < 0.15 * height), None)
        if last is None:
            dashes.append([x0, y0, x1, y1, _dash(x1 - x0, height)])
        else:
            last[1:] = [min(last[1], y0), x1, max(last[3], y1), last[4] + _dash(x1 - x0, height)]
    paper = float(np.median(gray))
    return [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in dashes
            if len(t) <= 2 and not _goes_on(gray, (a, b, c, d), height, paper)]  # fmt: skip


def _goes_on(gray: np.ndarray, box: tuple[int, int, int, int], height: float, paper: float) -> bool:
    """Whether the line of a stroke goes on, fainter, on either side of it: most of the half
    character beside it darker than the paper."""
    x0, y0, x1, y1 = box
    reach = max(3, round(0.5 * height))
    band = gray[y0:y1 + 1]
    for side in (band[:, max(0, x0 - reach - 2) : max(0, x0 - 2)], band[:, x1 + 2 : x1 + 2 + reach]):
        if side.size and float(np.mean(side.min(axis=0) < paper - 15)) > 0.6:
            return True
    return False


def _dash(width: float, height: float) -> str:
    """One stroke as the characters it prints: a hyphen, an em dash, or two em dashes run together."""
    return "-" if width < 0.7 * height else "—" if width < 1.5 * height else "——"


def find_glyphs(
    gray: np.ndarray,
    read_boxes: list[tuple[float, float, float, float]],
    rules: np.ndarray,
    height: float,
) -> list[tuple[int, int, int, int]]:
    """Boxes of ink the size of a short number that lie outside every box read (`read_boxes`)
    and off the rules (`rules`: a box's corner reads "7"): what a detector that dropped a lone
    digit left behind.

    A glyph is one or more blobs as tall as 0.3-1 line height; blobs less than a third of a
    line apart are one glyph ("12"); a glyph wider than three line heights is text or a
    picture, not a number the detector could miss."""
    if height <= 0:
        return []
    ink, taken = _ink_outside(gray, read_boxes)
    taken |= _near_rules(rules, 3 * height)
    blobs = []
    for x, y, w, h, _ in ink:
        if 0.3 * height <= h <= height and 0.1 * height <= w <= height and not taken[y : y + h, x : x + w].any():
            blobs.append([x, y, x + w, y + h])
    glyphs: list[list[int]] = []
    for b in sorted(blobs):
        g = next((g for g in glyphs if b[0] - g[2] < height / 3 and min(b[3], g[3]) - max(b[1], g[1]) > 0), None)
        if g is None:
            glyphs.append(b)
        else:
            g[:] = [g[0], min(g[1], b[1]), max(g[2], b[2]), max(g[3], b[3])]
    return [(g[0], g[1], g[2], g[3]) for g in glyphs if g[2] - g[0] <= 3 * height]
