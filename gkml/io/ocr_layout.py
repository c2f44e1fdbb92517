"""OCR characters → layout text: prose one line per printed line, each table row on one line.

Scanned reports must reach the model in the same shape as every other input: each table row
on one line with its cells joined by " | " (a cell that spans rows is written once, in its
first row, as `gkml.io.html` does for HTML pages). Which cell a character belongs to is decided
by the table's ruled cells (`gkml.io.geometry`), not by the detector's boxes: the detector often
runs one box across a rule ("行政规范性文件0"), and the per-character boxes split it again there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gkml.io.columns import closes_row, grid_rows
from gkml.io.geometry import Table
from gkml.io.paragraphs import line_breaks
from gkml.io.reading_order import in_reading_order


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
class Page:
    """One page after OCR: its characters and tables in work-image pixels, and how to map them back."""

    chars: list[Char]
    tables: list[Table]
    inverse: np.ndarray  # 2x3 affine: work-image pixel → input-page pixel
    size: tuple[int, int]  # input page (width, height)


@dataclass
class Piece:
    """Text under construction with one box (work-image pixels) per character."""

    chars: list[str]
    rects: list[tuple[float, float, float, float]]

    def add(self, text: str, rect: tuple[float, float, float, float]) -> None:
        self.chars.extend(text)
        self.rects.extend([rect] * len(text))


def _rect(c: Char) -> tuple[float, float, float, float]:
    return (c.x0, c.y0, c.x1, c.y1)


def segments(chars: list[Char]) -> dict[int, list[Char]]:
    """The characters of each detection box (one printed line segment), by its index."""
    out: dict[int, list[Char]] = {}
    for c in chars:
        out.setdefault(c.line, []).append(c)
    return out


def box_of(chars: list[Char]) -> tuple[float, float, float, float]:
    """The box around some characters."""
    return min(c.x0 for c in chars), min(c.y0 for c in chars), max(c.x1 for c in chars), max(c.y1 for c in chars)


def _lines(chars: list[Char]) -> list[list[Char]]:
    """Group characters into printed lines by vertical overlap, top to bottom, each left to right.

    A detection box is one line segment, so whole segments are grouped: a segment joins the line
    it overlaps most (at least half the smaller height), which tolerates the small slope that a
    residual tilt gives a long line.
    """
    lines: list[list[Char]] = []
    bands: list[tuple[float, float]] = []
    for seg in sorted(segments(chars).values(), key=lambda s: min(c.x0 for c in s)):
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


_INKED = "-—"  # boxed by their ink (gkml.io.ocr_repair.with_dashes), not by a detection box's padding


def _line_text(line: list[Char], out: Piece, columns: bool = True) -> None:
    """A printed line: characters glued, a space where the recogniser saw one or where two
    segments stand apart (a dash, boxed tight, nearer), and " | " across a gap wide enough to
    be a column of an unruled table."""
    h = float(np.median([c.h for c in line])) if line else 0.0
    prev = None
    for c in line:
        if prev is not None and c.ch != " " and prev.ch != " ":
            gap = c.x0 - prev.x1
            if columns and gap > 2.5 * h:
                out.add(" | ", (prev.x1, c.y0, c.x0, c.y1))
            elif c.line != prev.line and gap > (0.3 if c.ch in _INKED or prev.ch in _INKED else 0.6) * h:
                out.add(" ", (prev.x1, c.y0, c.x0, c.y1))
        out.add(c.ch, _rect(c))
        prev = c


def _table_text(table: Table, chars: list[Char], out: Piece) -> None:
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
    widest = max(map(len, rows), default=0)  # a row with a cell in every column (none merged)
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
        texts = []
        for n, i in enumerate(row):
            if n:
                out.add(" | ", tuple(map(float, table.cells[i])))
            start = len(out.chars)
            for line in _lines(_strip(inside[i])):
                _line_text(line, out, columns=False)  # a wrapped cell is glued back, as _cell_text does
            texts.append("".join(out.chars[start:]))
        if closes_row(texts, whole=len(row) == widest):
            out.add(" |", tuple(map(float, table.cells[row[-1]])))


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


def page_text(page: Page) -> Piece:
    """The page's lines and table rows, merged top to bottom (as gkml.io.pdf does for text layers);
    the rows of a table without rules cell by cell (`gkml.io.columns`), a page set in two
    columns column by column (`gkml.io.reading_order`), a paragraph the page wrapped as one line
    (`gkml.io.paragraphs`)."""
    in_table: list[list[Char]] = [[] for _ in page.tables]
    loose: list[Char] = []
    for c in page.chars:
        for t, table in enumerate(page.tables):
            if table.x0 <= c.cx < table.x1 and table.y0 <= c.cy < table.y1:
                in_table[t].append(c)
                break
        else:
            loose.append(c)
    lines = _lines(loose)
    pieces = [Piece([], []) for _ in lines]
    for line, piece in zip(lines, pieces, strict=True):
        _line_text(line, piece)
    ordered = in_reading_order([("".join(p.chars), p.rects) for p in pieces], [float(np.median([c.cy for c in ln])) for ln in lines])
    rows = grid_rows([line for _, line in ordered])
    items = [(key, Piece(list(text), rects), True) for (key, _), (text, rects) in zip(ordered, rows, strict=True)]
    for table, chars in zip(page.tables, in_table, strict=True):
        items.append((float(table.y0), Piece([], []), False))
        _table_text(table, chars, items[-1][1])
    # a table with nothing in it adds nothing, not even a line break
    items = sorted((item for item in items if item[1].chars), key=lambda item: item[0])
    gaps = line_breaks([("".join(part.chars), part.rects) if loose else None for _, part, loose in items])
    out = Piece([], [])
    for n, (_, part, _) in enumerate(items):
        if n:
            out.add(gaps[n - 1], out.rects[-1])
        out.chars += part.chars
        out.rects += part.rects
    return out
