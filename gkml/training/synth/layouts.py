"""One renderer per layout of the spec and the seeds, each turning :class:`Content` into a
:class:`Doc` the way a real publishing chain flattens a report:

====================  ==========================================================================
``cell_lines``        web page scraped one table cell per line (seed 000; P09, P13)
``pipes``             web page, cells joined by " | " per row, merged headers (seed 001; P01, P07)
``pipe_lines``        cells each on their own line between "|" lines (seed 004; P10, P16)
``html``              the HTML page itself, ``<table>`` with colspan/rowspan (read by ingest)
``markdown_ocr``      a PDF run through OCR into markdown tables (seed 003)
``pdf_text``          a PDF's text layer: a row per line, wrapped labels, page numbers (P05)
``narrative``         a narrative-only web page, no tables (seed 002)
====================  ==========================================================================

Structural noise is applied here, where the layout is known, through the report's
:class:`~gkml.training.synth.noise.Plan`; character noise comes after, piece by piece.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from gkml.training.synth.content import Content
from gkml.training.synth.doc import Doc, Piece
from gkml.training.synth.noise import Plan, page_marker
from gkml.training.synth.tables import Table, TCell, expand


@dataclass
class Style:
    gap: str = "\n"  # after a paragraph
    web: bool = True  # breadcrumbs, 来源/发布时间 lines, footer
    indent: str = ""  # before each paragraph
    paged: bool = False  # page numbers between paragraphs (PDF, OCR)
    bullets: bool = False  # markdown "- " before "(二)…" paragraphs (OCR of a list)
    fullwidth_punct: bool = False  # PDFs keep the full-width （）：，


_SUBHEAD = re.compile(r"^\(([一二三四五六])\)([^。(]{2,16})(。?)$")
_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，", ";": "；"})


class Writer:
    """Appends lines to a Doc with a layout's spacing; the gap after a line is written lazily,
    so a heading can be glued to the paragraph before it (OCR) by dropping that gap."""

    def __init__(self, doc: Doc, rng: random.Random, plan: Plan, style: Style, content: Content):
        self.doc, self.rng, self.plan, self.style, self.content = doc, rng, plan, style, content
        self.pending = ""
        self.since_page = 0
        self.page = 1
        self.page_len = rng.randint(900, 1700)
        self.marker_style = rng.randrange(5)
        self.running_header = rng.random() < 0.3
        self.last = ""  # "para" after a paragraph: only then can OCR glue a heading to it

    def flush(self) -> None:
        if self.pending:
            self.doc.add(self.pending, role="sep")
            self.pending = ""

    def line(self, pieces: list[Piece], gap: str = "\n") -> None:
        self.flush()
        for p in pieces:
            if self.style.fullwidth_punct and p.role in ("prose", "row", "head", "title", "heading", "chrome"):
                p.text = p.text.translate(_HALF_TO_FULL)
        self.doc.extend(pieces)
        self.pending = gap
        self.since_page += sum(len(p.text) for p in pieces)

    def para(self, pieces: list[Piece]) -> None:
        pieces = list(pieces)
        if self.style.bullets and pieces and pieces[0].text.startswith("("):
            first = pieces[0]
            m = _SUBHEAD.match(first.text)
            if m and first.label is None and self.rng.random() < 0.5:  # OCR to markdown: "(一) **主动公开**。"
                first.text = f"({m.group(1)}) **{m.group(2)}**{m.group(3)}"
            if self.rng.random() < 0.6:
                pieces.insert(0, Piece("- ", role="chrome"))
        if self.style.indent:
            pieces.insert(0, Piece(self.style.indent, role="sep"))
        overflow = self.since_page + sum(len(p.text) for p in pieces) - self.page_len
        if self.style.paged and overflow > 0 and self.plan.on("page_breaks"):
            pieces = self._break_inside(pieces, overflow)
        self.line(pieces, self.style.gap)
        self.last = "para"
        if self.style.paged and self.since_page > self.page_len:
            self.page_break()

    def _break_inside(self, pieces: list[Piece], overflow: int) -> list[Piece]:
        """The page ends inside this paragraph: "微信公众\n\n— 2 —\n\n号发布信息" (seed 003)."""
        pos = sum(len(p.text) for p in pieces) - overflow  # where the page is full
        at = 0
        for i, p in enumerate(pieces):
            if at + len(p.text) > pos and p.role == "prose" and p.label is None and len(p.text) > 4:
                cut = min(max(1, pos - at), len(p.text) - 1)
                self.page += 1
                self.plan.mark("page_breaks")
                marker = Piece(f"\n\n{self._marker_text()}\n\n", role="chrome")
                rest = [Piece(p.text[cut:]), *pieces[i + 1 :]]
                self.since_page = -sum(len(q.text) for q in rest)  # line() adds the whole paragraph
                return [*pieces[:i], Piece(p.text[:cut]), marker, *rest]
            at += len(p.text)
        return pieces

    def _marker_text(self) -> str:
        text = page_marker(self.rng, self.page, self.marker_style)
        if self.running_header:
            text += "\n" + "".join(p.text for p in self.content.title[0])
        return text

    def page_break(self, gap: str | None = None) -> None:
        self.page += 1
        self.since_page = 0
        sep = "\n\n" if self.style.gap == "\n\n" or self.style.bullets else "\n"
        self.line([Piece(self._marker_text(), role="chrome")], gap if gap is not None else sep)

    def heading(self, piece: Piece) -> None:
        if self.pending and self.last == "para" and self.plan.hit(self.rng, "glued_headings"):
            self.pending = ""  # OCR lost the line break before the heading
        pieces = [piece] if not self.style.indent else [Piece(self.style.indent, role="sep"), piece]
        self.line(pieces, self.style.gap)
        self.last = "heading"


def _cell(cell: TCell, text: str | None = None) -> Piece:
    return Piece(cell.text if text is None else text, cell.label, cell.role)


def _split(rng: random.Random, text: str, parts: int) -> list[str]:
    """``text`` cut into ``parts`` non-empty chunks at random places."""
    parts = max(1, min(parts, len(text)))
    cuts = sorted(rng.sample(range(1, len(text)), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _chunks(text: str, size: int) -> list[str]:
    text = text.replace(" ", "")
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


# --------------------------------------------------------------------------- the report skeleton

TableFn = Callable[[Writer, Table], None]


def _report(content: Content, rng: random.Random, plan: Plan, style: Style, table_fn: TableFn | None) -> Doc:
    doc = Doc()
    w = Writer(doc, rng, plan, style, content)
    if style.web:
        crumb = rng.choice(("当前位置 > 首页 > {} > 政府信息公开年报", "您当前所在位置: 首页 > 政务公开 > {} > 年度报告",
                            "首页 > 信息公开 > 政府信息公开年报"))  # fmt: skip
        w.line([Piece(crumb.format(content.agency.region), role="chrome")], "\n\n")
    for i, line in enumerate(content.title):
        w.line(line, "\n" if i < len(content.title) - 1 else "\n\n")
    for line in content.web_meta if style.web else content.doc_meta:
        w.line(line, "\n")
    w.pending = style.gap
    for para in content.intro:
        w.para(para)
    for section in content.sections:
        w.heading(section.heading)
        for block in section.blocks:
            if block.table:
                if table_fn is None:
                    continue
                table_fn(w, content.tables[block.table])
                w.last = "table"
                w.pending = style.gap
            elif block.subhead:
                w.line(block.pieces or [], style.gap)
            else:
                w.para(block.pieces or [])
    for para in content.contact:
        w.para(para)
    for line in content.signature:
        w.line(line, "\n")
    if style.web:
        w.line([Piece(rng.choice(("扫一扫在手机打开当前页面", "【打印本页】【关闭窗口】", "当前位置:")), role="chrome")])
    w.flush()
    return doc


# --------------------------------------------------------------------------- cell_lines (seed 000)


def _cell_lines(content: Content, rng: random.Random, plan: Plan) -> Doc:
    blank_lines = rng.random() < 0.7
    indent = rng.choice(("", "", "", " ", "  "))
    gap = "\n\n" if blank_lines else "\n"

    def table(w: Writer, t: Table) -> None:
        for row in t.rows:
            for cell in row:
                if cell.role == "value" and cell.text == "":
                    if plan.hit(rng, "blank_shift"):
                        continue  # printed as nothing: later numbers move up a line
                    w.line([Piece(rng.choice((" ", "  ", "\u3000")), cell.label, "value")], gap)
                    continue
                pieces = [_cell(cell)]
                if cell.role == "value" and indent:
                    pieces.insert(0, Piece(indent, role="sep"))
                if cell.role in ("row", "head") and len(cell.text) >= 6 and plan.hit(rng, "split_labels"):
                    a, b = _split(rng, cell.text, 2)
                    pieces = [_cell(cell, a), Piece("\n", role="sep"), _cell(cell, b)]
                sep = gap
                if plan.hit(rng, "separators"):
                    sep = rng.choice((" ", gap + gap))
                w.line(pieces, sep)

    return _report(content, rng, plan, Style(gap=gap), table)


# --------------------------------------------------------------------------- pipes (seed 001)


def _joined(w: Writer, cells: list[TCell], width: int, padded: bool) -> None:
    """One table row as a line: cells joined by " | ", then the empty cells a scraper leaves."""
    rng, plan = w.rng, w.plan
    if any(c.role == "value" and not c.text for c in cells) and plan.on("blank_shift"):
        kept = [c for c in cells if not (c.role == "value" and not c.text)]
        if len(kept) < len(cells) and plan.hit(rng, "blank_shift"):
            cells = kept
    pieces: list[Piece] = []
    for i, cell in enumerate(cells):
        if i:
            sep = " | "
            if plan.hit(rng, "separators"):
                sep = rng.choice((" ", " | | "))
            pieces.append(Piece(sep, role="sep"))
        pieces.append(_cell(cell))
    pad = width - len(cells)
    tail = (" | " + "|" * pad).rstrip() if padded and pad > 0 else " |"
    pieces.append(Piece(tail, role="sep"))
    w.line(pieces)


def _pipes(content: Content, rng: random.Random, plan: Plan) -> Doc:
    padded = rng.random() < 0.6

    def table(w: Writer, t: Table) -> None:
        for row in t.rows:
            _joined(w, row, t.width, padded)

    return _report(content, rng, plan, Style(gap="\n"), table)


# --------------------------------------------------------------------------- pipe_lines (seed 004)


def _padding(bars: int, blanks: list[TCell]) -> list[Piece]:
    """A line of ``bars`` bars. After a row printed as its label alone, the row's blank cells
    are read on them, one per bar in column order (:func:`gkml.training.data.cell_ordinals` counts them):
    the label says the row is there, so its cells are blanks, not cells left unread."""
    pieces = []
    for i in range(bars):
        if i < len(blanks):
            pieces.append(_cell(blanks[i]))
        pieces.append(Piece("|", role="sep"))
    return pieces


def _pipe_lines(content: Content, rng: random.Random, plan: Plan) -> Doc:
    variant = rng.choices(("004", "p10", "p16"), weights=(6, 2, 2))[0]
    extra = rng.choice((0, 0, 1))

    def table(w: Writer, t: Table) -> None:
        width = t.width + extra
        for row in t.rows:
            cells = row
            blanks = [c for c in row if c.role == "value" and not c.text]
            if blanks and plan.hit(rng, "blank_shift"):
                cells = [c for c in row if c.text or c.role != "value"]
            if variant == "004":
                w.line([Piece("|", role="sep")])
            for cell in cells:
                sep = "\n"
                if plan.hit(rng, "separators"):
                    sep = rng.choice((" ", "\n|\n"))
                if variant == "p16":
                    w.line([_cell(cell), Piece("\n|", role="sep")], sep)
                elif cell.text:
                    w.line([_cell(cell), Piece(" |", role="sep")], sep)
                else:  # printed as nothing: a bare "|" line
                    w.line([_cell(cell), Piece("|", role="sep")], sep)
            pad = width - len(cells)
            if pad > 0 and variant != "p16":
                w.line(_padding(pad, [] if any(c.role == "value" for c in cells) else blanks))

    return _report(content, rng, plan, Style(gap="\n"), table)


# --------------------------------------------------------------------------- html


def _html(content: Content, rng: random.Random, plan: Plan) -> Doc:
    """The page source; the record's text is what gkml.io.ingest reads from it."""
    doc = Doc()

    def m(text: str) -> None:
        doc.add(text, role="markup")

    def pieces(ps: list[Piece]) -> None:
        doc.extend(ps)

    title_text = "".join(p.text for line in content.title for p in line)
    m('<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>')
    doc.add(title_text, role="chrome")
    m('</title>\n<script type="text/javascript">var siteId = "1";</script>\n</head>\n<body>\n')
    crumb_tag = rng.choice(("div", "nav"))  # ingest drops <nav>, keeps a <div>
    m(f'<{crumb_tag} class="position">')
    doc.add(f"当前位置:首页 > 信息公开 > {content.agency.region} > 政府信息公开年报", role="chrome")
    m(f"</{crumb_tag}>\n")
    m('<div class="article">\n<h1 class="title">')
    for i, line in enumerate(content.title):
        if i:
            m("<br/>")
        pieces(line)
    m("</h1>\n")
    for line in content.web_meta:
        if any(" | " in p.text for p in line):
            continue  # the 索引号 grid of seed 001 is itself a table; here only its date line
        m('<div class="info">')
        pieces(line)
        m("</div>\n")
    m('<div class="content" id="zoom">\n')
    indent = rng.random() < 0.6
    p_open = '<p style="text-indent: 2em;">' if indent else "<p>"

    def para(ps: list[Piece]) -> None:
        m(p_open)
        pieces(ps)
        m("</p>\n")

    for ps in content.intro:
        para(ps)
    strong = rng.random() < 0.7
    for section in content.sections:
        if strong:
            m(f"{p_open}<strong>")
            pieces([section.heading])
            m("</strong></p>\n")
        else:
            m("<h3>")
            pieces([section.heading])
            m("</h3>\n")
        for block in section.blocks:
            if block.table:
                _html_table(doc, content.tables[block.table], rng, plan)
            else:
                para(block.pieces or [])
    for ps in content.contact:
        para(ps)
    for ps in content.signature:
        m('<p style="text-align: right;">')
        pieces(ps)
        m("</p>\n")
    m("</div>\n</div>\n<footer>版权所有</footer>\n<div class=\"share\">扫一扫在手机打开当前页面</div>\n</body>\n</html>\n")
    return doc


def _html_table(doc: Doc, table: Table, rng: random.Random, plan: Plan) -> None:
    wrap_p = rng.random() < 0.5
    doc.add('<table border="1" cellspacing="0" cellpadding="0" style="width: 100%;">\n<tbody>\n', role="markup")
    for row in table.rows:
        doc.add("<tr>", role="markup")
        for cell in row:
            attrs = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + (
                f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else ""
            )
            doc.add(f"<td{attrs}>" + ('<p style="text-align: center;">' if wrap_p else ""), role="markup")
            if cell.role == "value" and not cell.text:
                doc.add(rng.choice(("", "\u00a0")), cell.label, "value")
            elif cell.role == "head" and " " in cell.text:
                a, b = cell.text.split(" ", 1)
                doc.add(a, role="head").add("<br/>", role="markup").add(b, role="head")
            else:
                doc.pieces.append(_cell(cell))
            doc.add(("</p>" if wrap_p else "") + "</td>", role="markup")
        doc.add("</tr>\n", role="markup")
    doc.add("</tbody>\n</table>\n", role="markup")


# --------------------------------------------------------------------------- markdown_ocr (seed 003)

Grid = list[list[list[Piece]]]  # physical rows → cells → pieces


def _md_grid(t: Table, rng: random.Random, plan: Plan) -> tuple[Grid, int]:
    """The table as OCR sees it: merged cells emptied, long labels split across the cells they
    span, header words and row-group labels stacked one or two characters per row."""
    matrix = expand(t)
    grid: Grid = [[[_cell(c)] if c is not None else [] for c in row] for row in matrix]
    split = plan.on("split_labels")
    vertical = plan.on("vertical_headers")
    for r, row in enumerate(matrix):
        for c, cell in enumerate(row):
            if cell is None or cell.role == "value":
                continue
            if t.name == "t3" and cell.role == "row" and cell.rowspan == 1 and plan.hit(rng, "lost_labels"):
                grid[r][c] = []  # OCR lost the row's label: only its place says which row it is
            elif split and cell.colspan > 1 and len(cell.text) >= 4 and rng.random() < plan.rates["split_labels"]:
                for i, chunk in enumerate(_split(rng, cell.text, min(cell.colspan, 3))):
                    grid[r][c + i] = [_cell(cell, chunk)]
                plan.mark("split_labels")
            elif vertical and cell.role == "row" and cell.rowspan > 2 and len(cell.text) > 3:
                size = rng.choice((1, 2, 3)) if cell.rowspan >= len(cell.text) else max(2, len(cell.text) // cell.rowspan + 1)
                for i, chunk in enumerate(_chunks(cell.text, size)[: cell.rowspan]):
                    grid[r + i][c] = [_cell(cell, chunk)]
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
                    stacks.append([[_cell(cell, ch)] for ch in _chunks(cell.text, size)])
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


def _markdown_ocr(content: Content, rng: random.Random, plan: Plan) -> Doc:
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
    return _report(content, rng, plan, style, table)


# --------------------------------------------------------------------------- pdf_text (P05)


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def _pdf_text(content: Content, rng: random.Random, plan: Plan) -> Doc:
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
                    w.line([_cell(cell, part)])

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
                w.line([p for k, c in enumerate(labels) for p in ([Piece(" ", role="sep")] if k else []) + [_cell(c)]])
                continue
            lead: list[Piece] = []
            for c in labels:
                text = c.text.replace(" ", "")
                if c.rowspan >= 10 and plan.hit(rng, "vertical_headers"):
                    for ch in text:  # "三、\n本\n年\n度…" one character per line
                        w.line([_cell(c, ch)])
                elif c.rowspan > 1:
                    for part in _wrap(text, narrow + 2) if plan.hit(rng, "split_labels") else [text]:
                        w.line([_cell(c, part)])
                elif len(text) > label_width and plan.hit(rng, "split_labels"):
                    parts = _wrap(text, label_width)
                    for part in parts[:-1]:
                        w.line([_cell(c, part)])
                    lead = [_cell(c, parts[-1])]
                else:
                    lead = [_cell(c, text)]
            pieces = list(lead)
            for k, v in enumerate(values):
                if k or pieces:
                    pieces.append(Piece(" ", role="sep"))
                pieces.append(_cell(v))
            w.line(pieces)

    style = Style(gap="\n", web=False, paged=True, fullwidth_punct=rng.random() < 0.7)
    return _report(content, rng, plan, style, table)


# --------------------------------------------------------------------------- narrative (seed 002)


def _narrative(content: Content, rng: random.Random, plan: Plan) -> Doc:
    indent = rng.choice(("\u3000\u3000", "  ", ""))
    style = Style(gap="\n\n", web=True, indent=indent)
    return _report(content, rng, plan, style, None)


RENDERERS: dict[str, Callable[[Content, random.Random, Plan], Doc]] = {
    "cell_lines": _cell_lines,
    "pipes": _pipes,
    "pipe_lines": _pipe_lines,
    "html": _html,
    "markdown_ocr": _markdown_ocr,
    "pdf_text": _pdf_text,
    "narrative": _narrative,
}


def render(layout: str, content: Content, rng: random.Random, plan: Plan) -> Doc:
    return RENDERERS[layout](content, rng, plan)

