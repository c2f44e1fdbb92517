"""The two layouts that come from a PDF: its pages run through OCR into markdown tables
(``markdown_ocr``, seed 003) and its text layer read row by row (``pdf_text``, P05). Both are
paged, lose the line structure of merged cells and stack narrow headers, so they share little
with the scraped web layouts of :mod:`~gkml.training.synth.layouts`.
"""

from __future__ import annotations

import random

from gkml.training.synth.content import Content
from gkml.training.synth.doc import Doc, Piece
from gkml.training.synth.noise import Plan
from gkml.training.synth.tables import Table, expand
from gkml.training.synth.writer import Style, Writer, cell_piece, chunks, skeleton, split_text

# --------------------------------------------------------------------------- markdown_ocr (seed 003)

Grid = list[list[list[Piece]]]  # physical rows → cells → pieces


def _md_grid(t: Table, rng: random.Random, plan: Plan) -> tuple[Grid, int]:
    """The table as OCR sees it: merged cells emptied, long labels split across the cells they
    span, header words and row-group labels stacked one or two characters per row."""
    matrix = expand(t)
    grid: Grid = [[[cell_piece(c)] if c is not None else [] for c in row] for row in matrix]
    split = plan.on("split_labels")
    vertical = plan.on("vertical_headers")
    for r, row in enumerate(matrix):
        for c, cell in enumerate(row):
            if cell is None or cell.role == "value":
                continue
            if t.name == "t3" and cell.role == "row" and cell.rowspan == 1 and plan.hit(rng, "lost_labels"):
                grid[r][c] = []  # OCR lost the row's label: only its place says which row it is
            elif split and cell.colspan > 1 and len(cell.text) >= 4 and rng.random() < plan.rates["split_labels"]:
                for i, chunk in enumerate(split_text(rng, cell.text, min(cell.colspan, 3))):
                    grid[r][c + i] = [cell_piece(cell, chunk)]
                plan.mark("split_labels")
            elif vertical and cell.role == "row" and cell.rowspan > 2 and len(cell.text) > 3:
                size = rng.choice((1, 2, 3)) if cell.rowspan >= len(cell.text) else max(2, len(cell.text) // cell.rowspan + 1)
                for i, chunk in enumerate(chunks(cell.text, size)[: cell.rowspan]):
                    grid[r + i][c] = [cell_piece(cell, chunk)]
                plan.mark("vertical_headers")
    head = t.head
    if vertical and head:  # header words stacked down the rows: "结 | 结 | 其" / "果 | 果 | 他" …
        size = 1 if t.name == "t4" else 2
        new_head: Grid = []
        for r in range(head):
            stacks: list[list[list[Piece]]] = []  # per column: its physical rows
            for c, cell in enumerate(matrix[r]):
                if cell is not None and cell.role == "head" and cell.colspan == 1 and (
                    2 <= len(cell.text.replace(" ", "")) <= 8
                ):
                    stacks.append([[cell_piece(cell, ch)] for ch in chunks(cell.text, size)])
                else:
                    stacks.append([grid[r][c]])
            depth = max(len(stack) for stack in stacks)
            new_head += [[stack[j] if j < len(stack) else [] for stack in stacks] for j in range(depth)]
        grid = new_head + grid[head:]
        head = len(new_head)
        plan.mark("vertical_headers")
    return grid, head


def _md_row(w: Writer, cells: list[list[Piece]], width: int) -> None:
    rng, plan = w.rng, w.plan
    empty = [len(c) == 1 and c[0].role == "value" and not c[0].text for c in cells]
    if any(empty) and plan.hit(rng, "blank_shift"):
        cells = [c for c, e in zip(cells, empty, strict=True) if not e]
    cells = cells + [[] for _ in range(width - len(cells))]
    pieces: list[Piece] = []
    for i, cell in enumerate(cells):
        sep = "| " if cell and any(p.text for p in cell) else "|"
        if i and plan.hit(rng, "separators"):
            sep = rng.choice(("", "| | "))
        pieces.append(Piece(sep, role="sep"))
        pieces += [p for p in cell if p.text or p.role == "value"]  # a blank cell: a zero-length span
        pieces.append(Piece(" ", role="sep"))
    pieces.append(Piece("|", role="sep"))
    w.line(pieces)


def _md_rule(w: Writer, width: int) -> None:
    w.line([Piece("|" + "|".join("-" * w.rng.choice((2, 3, 4, 6, 10)) for _ in range(width)) + "|", role="sep")])


def markdown_ocr(content: Content, rng: random.Random, plan: Plan) -> Doc:
    def table(w: Writer, t: Table) -> None:
        grid, head = _md_grid(t, rng, plan)
        width = t.width + rng.choice((0, 0, 1, 2, 6))
        breaks = set()
        if len(grid) - head > 4 and plan.hit(rng, "page_breaks"):
            breaks.add(rng.randint(head + 2, len(grid) - 2))
        first = True
        for r, cells in enumerate(grid):
            if r in breaks:
                w.pending = "\n\n"
                w.page_break("\n\n")
                first = True
                if head and plan.hit(rng, "repeat_header"):
                    for hr in grid[:head]:
                        _md_row(w, [[Piece(p.text, None, p.role) for p in c] for c in hr], width)
                        if first:
                            _md_rule(w, width)
                            first = False
            _md_row(w, cells, width)
            if first:
                _md_rule(w, width)
                first = False

    style = Style(gap="\n\n", web=False, paged=True, bullets=True)
    return skeleton(content, rng, plan, style, table)


# --------------------------------------------------------------------------- pdf_text (P05)


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def pdf_text(content: Content, rng: random.Random, plan: Plan) -> Doc:
    label_width = rng.randint(16, 22)
    narrow = rng.randint(2, 4)

    def head_lines(w: Writer, t: Table) -> None:
        for r in range(t.head):
            for cell in t.rows[r]:
                text = cell.text.replace(" ", "")
                if cell.role == "title":  # the caption wraps in its wide cell
                    parts = _wrap(text, label_width + 6)
                elif cell.role == "head" and len(text) > narrow and plan.hit(rng, "vertical_headers"):
                    parts = _wrap(text, narrow)  # a narrow column: "科研机\n构"
                else:
                    parts = [text]
                for part in parts:
                    w.line([cell_piece(cell, part)])

    def table(w: Writer, t: Table) -> None:
        head_lines(w, t)
        body = t.rows[t.head :]
        brk = rng.randint(2, len(body) - 2) if len(body) > 5 and plan.hit(rng, "page_breaks") else -1
        for i, row in enumerate(body):
            if i == brk:
                w.page_break("\n")
                if t.head and plan.hit(rng, "repeat_header"):
                    head_lines(w, t)
            labels = [c for c in row if c.role != "value"]
            values = [c for c in row if c.role == "value"]
            if values and any(not c.text for c in values):
                plan.mark("blank_shift")  # a PDF prints an empty cell as nothing at all
            values = [c for c in values if c.text]
            if not values:  # a title row or a header row of table 2
                w.line([p for k, c in enumerate(labels) for p in ([Piece(" ", role="sep")] if k else []) + [cell_piece(c)]])
                continue
            lead: list[Piece] = []
            for c in labels:
                text = c.text.replace(" ", "")
                if c.rowspan >= 10 and plan.hit(rng, "vertical_headers"):
                    for ch in text:  # "三、\n本\n年\n度…" one character per line
                        w.line([cell_piece(c, ch)])
                elif c.rowspan > 1:
                    for part in _wrap(text, narrow + 2) if plan.hit(rng, "split_labels") else [text]:
                        w.line([cell_piece(c, part)])
                elif len(text) > label_width and plan.hit(rng, "split_labels"):
                    parts = _wrap(text, label_width)
                    for part in parts[:-1]:
                        w.line([cell_piece(c, part)])
                    lead = [cell_piece(c, parts[-1])]
                else:
                    lead = [cell_piece(c, text)]
            pieces = list(lead)
            for k, v in enumerate(values):
                if k or pieces:
                    pieces.append(Piece(" ", role="sep"))
                pieces.append(cell_piece(v))
            w.line(pieces)

    style = Style(gap="\n", web=False, paged=True, fullwidth_punct=rng.random() < 0.7)
    return skeleton(content, rng, plan, style, table)
