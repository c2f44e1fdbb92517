"""Columns of a table printed without rules, from where its numbers sit on the page.

A text layer (pdfplumber's lines) and OCR both give an unruled table row as a line of words,
"请内容仍不 1 0 0 0 0 1": six numbers under seven column headers, and which cell is blank only
the positions tell. The rows of one table print their numbers at the same x positions (centred,
right- or left-aligned in their cells), so a line with fewer numbers is laid on the nearest line
with more numbers that holds every one of its numbers at its own positions, and on that line's
grid in turn, if it has one. Every line that lines up with another is written as a table row, as
ruled tables are (gkml.io.pdf, gkml.io.ocr_layout): cells joined by " | ", a cell printed as
nothing an empty slot ("请内容仍不 | 1 | 0 | 0 |  | 0 | 0 | 1"; the last one closed by a bar,
"… | 0 |  |"), and the " | " before each cell
boxed where that cell is printed, so a blank cell has a place too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

Rect = tuple[float, float, float, float]  # x0, top, x1, bottom
Line = tuple[str, list]  # a printed line and one box (Rect or None) per character

# What a table cell prints: a number (a sign, thousands separators, decimals) or a blank mark.
_VALUE = re.compile(r"[-−－+]?\d[\d,，]*(?:\.\d+)?|[-—–－/／]{1,2}|无")
WINDOW = 40  # lines: how far from a row to look for the grid of its table (about a page)
GAP = 3.0  # line heights of white between two lines that part two blocks (rows of a table with
# wrapped labels stand ~2 apart)
_PAGE_NUMBER = re.compile(r"[-—–\s]*\d{0,3}[-—–\s]*")  # "4", "— 4 —", "- 3 -", or its dashes alone
TOLERANCE = 0.3  # of the grid's narrowest column pitch: how far a number may sit off its column
HEADER_LINES = 12  # lines above a row of values alone searched for its header's columns
_LABEL = re.compile(r"[\u4e00-\u9fff]")


def closes_row(cells: list[str], whole: bool = False) -> bool:
    """Whether a row of cells joined by " | " takes a closing bar: its last cell is empty, so
    without one that cell has no slot ("… | 0 |  |", as the HTML and Word readers write it).
    Only a row with a label before it, or one known ``whole`` (a ruled grid's row with a cell
    in every column: table 4's row of fifteen values, its last ones printed blank): another row
    of values alone (or nothing) may be the rest of a row a page break cut, whose end says nothing."""
    return len(cells) > 1 and not cells[-1] and (whole or any(_LABEL.search(c) for c in cells[:-1]))


@dataclass
class _Cell:
    start: int
    end: int
    x0: float
    x1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


def _cells(text: str, rects: list) -> list[_Cell]:
    """The numbers that end the line, left to right (a row label before them is no cell)."""
    pieces = [(m.start(), m.end()) for m in re.finditer(r"[^\s|]+", text)]
    cells: list[_Cell] = []
    for start, end in reversed(pieces):
        boxes = [r for r in rects[start:end] if r is not None]
        if not _VALUE.fullmatch(text[start:end]) or not boxes:
            break
        cells.append(_Cell(start, end, min(b[0] for b in boxes), max(b[2] for b in boxes)))
    return cells[::-1]


def _place(grid: list[_Cell], cells: list[_Cell], height: float) -> list[int] | None:
    """The column of `grid` each of `cells` is printed in, or None if one of them is printed
    in none: off every column by more than the tolerance, or two in one column. A grid whose
    numbers stand closer than a character and a half is a run of digits, not table columns."""
    if len(grid) < 2:
        return None
    pitch = min(b.cx - a.cx for a, b in zip(grid, grid[1:], strict=False))
    if pitch < 1.5 * height:
        return None
    tol = TOLERANCE * pitch
    out, j = [], 0
    for c in cells:
        while j < len(grid) and min(abs(grid[j].x0 - c.x0), abs(grid[j].cx - c.cx), abs(grid[j].x1 - c.x1)) > tol:
            if grid[j].cx - tol > c.cx:
                return None  # passed: no column left for this number
            j += 1
        if j == len(grid):
            return None
        out.append(j)
        j += 1
    return out


def _extent(rects: list) -> tuple[float, float, float]:
    """A line's top, bottom and median character height."""
    boxes = [r for r in rects if r is not None]
    if not boxes:
        return 0.0, 0.0, 0.0
    hs = sorted(r[3] - r[1] for r in boxes)
    return min(r[1] for r in boxes), max(r[3] for r in boxes), hs[len(hs) // 2]


def grid_rows(lines: list[Line]) -> list[Line]:
    """The lines of one page, each unruled table row among them written cell by cell."""
    cells = [_cells(text, rects) for text, rects in lines]
    tops, bottoms, heights = zip(*(_extent(rects) for _, rects in lines), strict=True) if lines else ((), (), ())
    texts = [[r[0:3:2] for ch, r in zip(text, rects, strict=True) if r is not None and ch not in " |"] if not cells[i] else []
             for i, (text, rects) in enumerate(lines)]  # fmt: skip
    # a page number, first or last on the page, is no row, though centred on a column
    ends = {*range(min(2, len(lines))), *range(max(len(lines) - 2, 0), len(lines))}
    rows = [i for i, c in enumerate(cells) if c and not (i in ends and _PAGE_NUMBER.fullmatch(lines[i][0]))]
    near = {i: sorted((j for j in rows if 0 < abs(j - i) <= WINDOW), key=lambda j: abs(j - i)) for i in rows}

    def fits(i: int, j: int) -> list[int] | None:
        """The columns of line j's grid that line i's numbers are printed in, if both are rows of
        one table: the lines from one to the other follow each other without a wide white band,
        and no text printed across j's columns stands between them (a heading, a caption,
        another table's header; row labels stand left of the columns)."""
        a, b = min(i, j), max(i, j)
        gap = GAP * max(heights[i], heights[j])
        if any(tops[n + 1] - bottoms[n] > gap for n in range(a, b)):
            return None
        lo, hi = cells[j][0].x0, cells[j][-1].x1
        if any(x0 < hi and x1 > lo for n in range(a + 1, b) for x0, x1 in texts[n]):
            return None
        return _place(cells[j], cells[i], max(heights[i], heights[j]))

    def host(i: int) -> tuple[int, list[int]] | None:
        """The nearest row with more numbers that holds all of line i's at their positions (a lone
        number only on a grid of four columns or more)."""
        k = len(cells[i])
        for j in near[i]:
            m = len(cells[j])
            if m > k and (k > 1 or m >= 4) and (placed := fits(i, j)) is not None:
                return j, placed
        return None

    hosts = {i: host(i) for i in rows}
    hosting = {h[0] for h in hosts.values() if h is not None}
    out = list(lines)
    for i in rows:
        grid, columns = i, list(range(len(cells[i])))
        while hosts[grid] is not None:  # the widest grid reachable (each host has more numbers)
            grid, placed = hosts[grid]
            columns = [placed[c] for c in columns]
        lined_up = grid != i or i in hosting or (len(cells[i]) > 1 and any(
            len(cells[j]) == len(cells[i]) and fits(i, j) is not None for j in near[i]))  # fmt: skip
        if lined_up:  # else numbers that line up with no other line: not a table row
            out[i] = _row(lines[i], cells[i], columns, cells[grid])
        elif cells[i][0].start == 0 and (header := _header_columns(lines, cells[i], i, tops, bottoms, heights)):
            out[i] = _row(lines[i], cells[i], *header)
    return out


def _header_columns(lines: list[Line], cells: list[_Cell], i: int, tops: Sequence[float], bottoms: Sequence[float],
                    heights: Sequence[float]) -> tuple[list[int], list[_Cell]] | None:  # fmt: skip
    """The columns of a row of values alone that no other row lines up with, from the header
    above it printed one character per line in narrow columns (table 4's fifteen: 结/果/维/持
    stacked): each character standing apart from its neighbours marks a column, and so does
    each value. None unless that makes a grid of five columns or more, wider than the row, and
    every value stands in a column of its own."""
    height = heights[i]
    marks = list(cells)
    for n in range(i - 1, max(i - HEADER_LINES, 0) - 1, -1):
        if tops[n + 1] - bottoms[n] > GAP * max(heights[n], height):
            break  # a white band: the header is not above it
        boxes = [r for r in lines[n][1] if r is not None]
        for k, r in enumerate(boxes):
            left = boxes[k - 1][2] if k else -1e9
            right = boxes[k + 1][0] if k + 1 < len(boxes) else 1e9
            if min(r[0] - left, right - r[2]) >= 0.5 * height:
                marks.append(_Cell(-1, -1, r[0], r[2]))
    grid: list[_Cell] = []
    for m in sorted(marks, key=lambda c: c.cx):
        if grid and m.cx - grid[-1].cx < 0.5 * height:  # one column: merged
            grid[-1] = _Cell(-1, -1, min(grid[-1].x0, m.x0), max(grid[-1].x1, m.x1))
        else:
            grid.append(m)
    if len(grid) < max(5, len(cells) + 1) or (columns := _place(grid, cells, height)) is None:
        return None
    return columns, grid


def _row(line: Line, cells: list[_Cell], columns: list[int], grid: list[_Cell]) -> Line:
    """The line as a table row: its label, then one slot per column of the grid."""
    text, rects = line
    label_end = cells[0].start
    while label_end and text[label_end - 1] in " |":
        label_end -= 1
    boxes = [r for r in rects[cells[0].start :] if r is not None]
    top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
    by_column = dict(zip(columns, cells, strict=True))
    out, out_rects = text[:label_end], list(rects[:label_end])
    for col in range(len(grid)):
        cell = by_column.get(col)
        where = (grid[col].x0, top, grid[col].x1, bottom) if cell is None else (cell.x0, top, cell.x1, bottom)
        if col or label_end:
            out += " | "
            out_rects += [where] * 3
        elif cell is None:  # the row opens with a blank cell and has no label: " | 5 | …"
            out += " "
            out_rects.append(where)
        if cell is not None:
            out += text[cell.start : cell.end]
            out_rects += rects[cell.start : cell.end]
    if len(grid) - 1 not in by_column:  # a closing bar: an empty last cell reads "|  |", as in HTML
        out += " |"
        out_rects += [(grid[-1].x0, top, grid[-1].x1, bottom)] * 2
    return out, out_rects
