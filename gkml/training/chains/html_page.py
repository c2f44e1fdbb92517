"""A report as the web page an organ's portal publishes: the article with its tables as
``<table>`` with the template's colspan/rowspan, inside the site's breadcrumbs and footer.

Only what LibreOffice's HTML import honours is used when the page is also the PDF's source
(measured: ``border``/``cellspacing`` attributes and ``<col width>``, not CSS borders or
widths; ``<thead>`` rows repeat on a new page). Every labelled piece is a ``<font color>``
run, which scrapers never see and the PDF keeps.
"""

from __future__ import annotations

import html
import random

from gkml.training.chains.document import Block, Style, Tracer, colour, shown
from gkml.training.synth.doc import Piece
from gkml.training.synth.tables import Table, TCell

_PX_PER_MM = 96 / 25.4


def _runs(pieces: list[Piece], style: Style, tracer: Tracer) -> str:
    out = []
    for p in pieces:
        pid = tracer.piece(p)
        text = html.escape(shown(p, style), quote=False)
        out.append(f'<font color="#{colour(pid)}">{text}</font>' if pid and text else text)
    tracer.add("\n")
    return "".join(out)


def _cell(cell: TCell, style: Style, tracer: Tracer, head: bool, rng: random.Random, wrap_p: bool) -> str:
    attrs = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + (
        f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else ""
    )
    pid = tracer.source.id_of(cell)
    text = shown(cell, style)
    if not text and cell.role == "value":
        inner = rng.choice(("", "&nbsp;"))
    elif cell.role == "head" and " " in text:
        inner = "<br/>".join(html.escape(t, quote=False) for t in text.split(" ", 1))
    else:
        inner = html.escape(text, quote=False)
        if pid:
            inner = f'<font color="#{colour(pid)}">{inner}</font>'
    if head and style.head_bold and inner:
        inner = f"<b>{inner}</b>"
    if wrap_p:
        inner = f'<p align="center">{inner}</p>'
    tag = "th" if head and rng.random() < 0.3 else "td"
    return f'<{tag}{attrs} align="center" valign="middle">{inner}</{tag}>'


def _table(table: Table, widths_mm: list[float], style: Style, tracer: Tracer, rng: random.Random) -> str:
    border = ' border="1" cellspacing="0" cellpadding="2"' if style.ruled else ' border="0" cellspacing="0"'
    out = [f'<table{border} width="{round(100 * style.table_width)}%">',
           "".join(f'<col width="{max(1, round(w * _PX_PER_MM))}"/>' for w in widths_mm)]  # fmt: skip
    wrap_p = rng.random() < 0.5
    thead = style.repeat_header and table.head > 0
    for r, row in enumerate(table.rows):
        head = r < table.head
        if r == 0 and thead:
            out.append("<thead>")
        if r == table.head and thead:
            out.append("</thead><tbody>")
        elif r == 0 and not thead:
            out.append("<tbody>")
        cells = "".join(_cell(c, style, tracer, head, rng, wrap_p) for c in row)
        out.append(f"<tr>{cells}</tr>")
        tracer.row(row)
    out.append("</tbody></table>")
    return "\n".join(out)


def html_page(blocks: list[Block], style: Style, widths: dict[str, list[float]], tracer: Tracer,
              rng: random.Random) -> str:  # fmt: skip
    """The portal page of ``blocks`` in ``style``; the reference text goes to ``tracer``."""
    title = "".join(p.text for b in blocks if b.kind == "title" for p in b.pieces)
    face = html.escape(style.font, quote=True)
    out = ['<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">',
           f"<title>{html.escape(title, quote=False)}</title>",
           '<script type="text/javascript">var siteId = "1";</script>\n</head>',
           f'<body><font face="{face}">']  # fmt: skip
    indent = ' style="text-indent: 2em;"' if rng.random() < 0.6 else ""
    for b in blocks:
        if b.kind == "table" and b.table is not None:
            out.append(_table(b.table, widths[b.table.name], style, tracer, rng))
        elif b.kind == "chrome":
            out.append(f'<div class="position">{_runs(b.pieces, style, tracer)}</div>')
        elif b.kind == "title":
            out.append(f'<h1 align="center">{_runs(b.pieces, style, tracer)}</h1>')
        elif b.kind == "meta":
            out.append(f'<p align="right">{_runs(b.pieces, style, tracer)}</p>')
        elif b.kind == "heading":
            out.append(f"<p{indent}><b>{_runs(b.pieces, style, tracer)}</b></p>")
        else:
            out.append(f"<p{indent}>{_runs(b.pieces, style, tracer)}</p>")
    out.append("</font></body>\n</html>\n")
    return "\n".join(out)
