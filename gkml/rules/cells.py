"""The text as a sequence of table cells, and cells grouped into (label run, value run) segments.

This is the only place that decides what a *value* is: a whole cell or a whitespace-delimited
word that :func:`gkml.numbers.parse_cell` accepts ("12", "530.67", "—").  Numbers inside
labels ("政府信息2", "本年(2023)制发件数") never become values, whatever the layout (one cell
per line, pipes per row, cells between "|" lines, a PDF text layer, OCR'd markdown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gkml.numbers import PAGE_NUMBER, parse_cell
from gkml.schema import FACT_UNITS


@dataclass(frozen=True)
class Cell:
    """One printed table cell (or a run of words of one line that are not numbers)."""

    kind: str  # "text" | "value" | "empty"
    start: int
    end: int
    text: str

    @property
    def is_prose(self) -> bool:
        """A sentence, not a cell: row labels and headers never contain a full stop, and even
        the long ones with instructions in brackets stay well under 200 characters; a line that
        counts (:func:`counting_sentence`) is one whole text cell."""
        return self.kind == "text" and ("。" in self.text or len(self.text) > 200 or counting_sentence(self.text))


# A number followed by its counting word ("57 件", "3场", "21.35%").
_COUNTED = re.compile(r"\d[ \t]*(?:" + "|".join(map(re.escape, FACT_UNITS)) + ")")


def counting_sentence(line: str) -> bool:
    """A line of prose that counts ("其中予以公开 57 件（21.35%），部分公开 12 件，"): a number with
    its counting word, and a clause mark. Table rows print bare numbers, so however a PDF spaces
    such a line, its numbers are facts, not the cells of a row named by the words before them."""
    return bool(_COUNTED.search(line)) and any(p in line for p in "，。；、")


# Lines that are layout, not content: markdown rules, and page numbers on a line of their own
# ("- 3 -", "— 12 —", "第 3 页", "第3页 共5页", "第 3 页，共 5 页").
_PAGE_MARK = re.compile(
    PAGE_NUMBER.pattern + r"|^[ \t]*第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[,，]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?[ \t]*$", re.M
)
_MD_RULE = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+[ \t]*(?::?-{3,}:?[ \t]*)?$", re.M)


def _mask_layout(text: str) -> str:
    """Blank out page markers and markdown rules, keeping every offset in place."""
    for pattern in (_PAGE_MARK, _MD_RULE):
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return text


def is_value(word: str) -> bool:
    """True for a printed cell value: "12", "3,830", "530.67", "-8", "—", "/", "无"."""
    try:
        parse_cell(word)
    except ValueError:
        return False
    return True


def tokenise(text: str) -> list[Cell]:
    """The cells of ``text`` in reading order.

    "|" always ends a cell, so "a | b |" rows, "a |" cell lines and "a" / "|" separator lines
    all come out the same; what is between two "|" and only whitespace is an empty cell
    (a bare "|" line among "0 |" lines, "| |" in markdown).  Without pipes each line is a cell; two or
    more blank lines between cells stand for a cell printed as whitespace (ingest keeps at most
    two, so "    " cells of a blank-line-separated layout survive as one extra blank line).
    """
    masked = _mask_layout(text)
    cells: list[Cell] = []
    pipes = [m.start() for m in re.finditer(r"\|", masked)]
    bounds = [-1, *pipes, len(masked)]
    for i in range(len(bounds) - 1):
        start, end = bounds[i] + 1, bounds[i + 1]
        chunk = masked[start:end]
        if not chunk.strip():
            if 0 < i < len(bounds) - 2:  # between two pipes
                cells.append(Cell("empty", end, end, ""))
            continue
        _chunk_cells(masked, start, end, cells)
    return cells


def _chunk_cells(text: str, start: int, end: int, out: list[Cell]) -> None:
    """Cells of the text between two pipes (or of a whole pipe-free stretch), line by line."""
    pos, blank_lines, seen = start, 0, False
    for line in text[start:end].split("\n"):
        if not line.strip():
            blank_lines += 1
        else:
            if seen and blank_lines >= 2:
                out.append(Cell("empty", pos, pos, ""))
            seen, blank_lines = True, 0
            if counting_sentence(line):
                lead = len(line) - len(line.lstrip())
                out.append(Cell("text", pos + lead, pos + len(line.rstrip()), line.strip()))
            else:
                _line_cells(text, pos, pos + len(line), out)
        pos += len(line) + 1


def _line_cells(text: str, start: int, end: int, out: list[Cell]) -> None:
    """Words of one line: each number is a value cell, runs of other words one text cell."""
    run: list[re.Match[str]] = []

    def flush() -> None:
        if run:
            s, e = start + run[0].start(), start + run[-1].end()
            out.append(Cell("text", s, e, text[s:e]))
            run.clear()

    for m in re.finditer(r"\S+", text[start:end]):
        if is_value(m.group()):
            flush()
            out.append(Cell("value", start + m.start(), start + m.end(), m.group()))
        else:
            run.append(m)
    flush()


@dataclass
class Segment:
    """Text cells (the label run) followed by the value and empty cells printed after them."""

    labels: list[Cell] = field(default_factory=list)
    values: list[Cell] = field(default_factory=list)
    after_prose: bool = False  # a sentence came between this and the previous segment

    @property
    def n_values(self) -> int:
        return sum(c.kind == "value" for c in self.values)


def segments(cells: list[Cell]) -> list[Segment]:
    """Group cells into segments; prose cells end a segment and belong to none."""
    out: list[Segment] = []
    cur = Segment()
    for cell in cells:
        if cell.is_prose:
            out.append(cur)
            cur = Segment(after_prose=True)
        elif cell.kind == "text":
            if cur.values:
                out.append(cur)
                cur = Segment()
            cur.labels.append(cell)
        else:
            cur.values.append(cell)
    out.append(cur)
    return [s for s in out if s.labels or s.values]
