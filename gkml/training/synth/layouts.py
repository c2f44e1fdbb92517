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
from collections.abc import Callable

from gkml.training.synth.content import Content
from gkml.training.synth.doc import Doc, Piece
from gkml.training.synth.noise import Plan
from gkml.training.synth.pdf_layouts import markdown_ocr, pdf_text
from gkml.training.synth.tables import Table, TCell
from gkml.training.synth.writer import Style, Writer, cell_piece, skeleton, split_text

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
                pieces = [cell_piece(cell)]
                if cell.role == "value" and indent:
                    pieces.insert(0, Piece(indent, role="sep"))
                if cell.role in ("row", "head") and len(cell.text) >= 6 and plan.hit(rng, "split_labels"):
                    a, b = split_text(rng, cell.text, 2)
                    pieces = [cell_piece(cell, a), Piece("\n", role="sep"), cell_piece(cell, b)]
                sep = gap
                if plan.hit(rng, "separators"):
                    sep = rng.choice((" ", gap + gap))
                w.line(pieces, sep)

    return skeleton(content, rng, plan, Style(gap=gap), table)


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
        pieces.append(cell_piece(cell))
    pad = width - len(cells)
    tail = (" | " + "|" * pad).rstrip() if padded and pad > 0 else " |"
    pieces.append(Piece(tail, role="sep"))
    w.line(pieces)


def _pipes(content: Content, rng: random.Random, plan: Plan) -> Doc:
    padded = rng.random() < 0.6

    def table(w: Writer, t: Table) -> None:
        for row in t.rows:
            _joined(w, row, t.width, padded)

    return skeleton(content, rng, plan, Style(gap="\n"), table)


# --------------------------------------------------------------------------- pipe_lines (seed 004)


def _padding(bars: int, blanks: list[TCell]) -> list[Piece]:
    """A line of ``bars`` bars. After a row printed as its label alone, the row's blank cells
    are read on them, one per bar in column order (:func:`gkml.training.data.cell_ordinals` counts them):
    the label says the row is there, so its cells are blanks, not cells left unread."""
    pieces = []
    for i in range(bars):
        if i < len(blanks):
            pieces.append(cell_piece(blanks[i]))
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
                    w.line([cell_piece(cell), Piece("\n|", role="sep")], sep)
                elif cell.text:
                    w.line([cell_piece(cell), Piece(" |", role="sep")], sep)
                else:  # printed as nothing: a bare "|" line
                    w.line([cell_piece(cell), Piece("|", role="sep")], sep)
            pad = width - len(cells)
            if pad > 0 and variant != "p16":
                w.line(_padding(pad, [] if any(c.role == "value" for c in cells) else blanks))

    return skeleton(content, rng, plan, Style(gap="\n"), table)


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
                doc.pieces.append(cell_piece(cell))
            doc.add(("</p>" if wrap_p else "") + "</td>", role="markup")
        doc.add("</tr>\n", role="markup")
    doc.add("</tbody>\n</table>\n", role="markup")


# --------------------------------------------------------------------------- narrative (seed 002)


def _narrative(content: Content, rng: random.Random, plan: Plan) -> Doc:
    indent = rng.choice(("\u3000\u3000", "  ", ""))
    style = Style(gap="\n\n", web=True, indent=indent)
    return skeleton(content, rng, plan, style, None)


RENDERERS: dict[str, Callable[[Content, random.Random, Plan], Doc]] = {
    "cell_lines": _cell_lines,
    "pipes": _pipes,
    "pipe_lines": _pipe_lines,
    "html": _html,
    "markdown_ocr": markdown_ocr,
    "pdf_text": pdf_text,
    "narrative": _narrative,
}


def render(layout: str, content: Content, rng: random.Random, plan: Plan) -> Doc:
    return RENDERERS[layout](content, rng, plan)

