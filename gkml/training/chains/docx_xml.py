"""A report as a DOCX file, written as WordprocessingML directly.

Written by hand rather than with python-docx: what the template needs beyond merges (repeated
header rows, vertical text, East Asian fonts, fixed column widths, a page-number field, the
colour of every run) has no python-docx API and would be raw XML through ``OxmlElement``
anyway, so the XML is the simpler and the more predictable route, and training data needs no
extra package. Word's own structure is kept: ``w:gridSpan`` for a cell spanning columns,
``w:vMerge restart/continue`` for one spanning rows, ``w:tblHeader`` on header rows.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from gkml.training.chains.document import PAGES, Block, Style, Tracer, colour, shown
from gkml.training.synth.doc import Piece
from gkml.training.synth.tables import Table, TCell

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""
_DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>
</Relationships>"""


def _twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def _fonts(name: str) -> str:
    n = escape(name, {'"': "&quot;"})
    return f'<w:rFonts w:ascii="{n}" w:hAnsi="{n}" w:eastAsia="{n}" w:cs="{n}"/>'


def _run(text: str, font: str, pt: float, pid: int = 0, bold: bool = False) -> str:
    props = _fonts(font) + ("<w:b/>" if bold else "") + (f'<w:color w:val="{colour(pid)}"/>' if pid else "")
    props += f'<w:sz w:val="{round(pt * 2)}"/><w:szCs w:val="{round(pt * 2)}"/>'
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _para(runs: str, jc: str = "both", indent: bool = False, line_pt: float = 0, keep: bool = False) -> str:
    ppr = f'<w:jc w:val="{jc}"/>'
    if line_pt:
        ppr += f'<w:spacing w:before="0" w:after="0" w:line="{round(line_pt * 20)}" w:lineRule="exact"/>'
    else:
        ppr += '<w:spacing w:before="0" w:after="0"/>'
    if indent:
        ppr += '<w:ind w:firstLineChars="200"/>'
    if keep:
        ppr += "<w:keepNext/>"
    return f"<w:p><w:pPr>{ppr}</w:pPr>{runs}</w:p>"


def _pieces(pieces: list[Piece], style: Style, tracer: Tracer, bold: bool = False, pt: float | None = None) -> str:
    runs = []
    for p in pieces:
        pid = tracer.piece(p)
        text = shown(p, style)
        if text:
            runs.append(_run(text, style.font, pt or style.body_pt, pid, bold))
    tracer.add("\n")
    return "".join(runs)


def _cell_xml(cell: TCell, style: Style, pid: int, head: bool) -> str:
    """The paragraphs of one cell: a header printed on two lines where the template breaks it."""
    text = shown(cell, style)
    bold = head and style.head_bold
    if cell.role == "head" and " " in text:
        runs = '<w:r><w:br/></w:r>'.join(_run(part, style.table_font, style.table_pt, pid, bold) for part in text.split(" ", 1))
    elif text:
        runs = _run(text, style.table_font, style.table_pt, pid, bold)
    else:
        runs = ""
    jc = "left" if cell.role == "row" and len(text) > 8 else "center"
    return _para(runs, jc=jc)


def _table(table: Table, widths_mm: list[float], style: Style, tracer: Tracer) -> str:
    """``w:tbl`` with the grid, merges and header rows of ``table``; rows go to the tracer."""
    width = table.width
    origin: dict[tuple[int, int], TCell] = {}
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in covered:
                c += 1
            origin[(r, c)] = cell
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if dr or dc:
                        covered[(r + dr, c + dc)] = (r, c)
            c += cell.colspan
    line = "single" if style.ruled else "none"
    borders = "".join(f'<w:{side} w:val="{line}" w:sz="4" w:space="0" w:color="000000"/>'
                      for side in ("top", "left", "bottom", "right", "insideH", "insideV"))  # fmt: skip
    grid = "".join(f'<w:gridCol w:w="{_twips(w)}"/>' for w in widths_mm)
    out = [f'<w:tbl><w:tblPr><w:tblW w:w="{_twips(sum(widths_mm))}" w:type="dxa"/><w:jc w:val="center"/>'
           f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
           '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
           f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"]  # fmt: skip
    for r, row in enumerate(table.rows):
        head = r < table.head
        trpr = "<w:trPr><w:tblHeader/></w:trPr>" if head and style.repeat_header else ""
        cells = []
        c = 0
        while c < width:
            if (r, c) in origin:
                cell = origin[(r, c)]
                pid = tracer.source.id_of(cell)
                span = cell.colspan
                merge = '<w:vMerge w:val="restart"/>' if cell.rowspan > 1 else ""
                body = _cell_xml(cell, style, pid, head)
            elif (r, c) in covered and covered[(r, c)][0] < r:
                cell = origin[covered[(r, c)]]
                span, merge, body = cell.colspan, "<w:vMerge/>", _para("")
            else:  # a row shorter than the grid: an empty cell, as Word pads it
                cell, span, merge, body = None, 1, "", _para("")
            w = sum(widths_mm[c : c + span])
            tcpr = f'<w:tcW w:w="{_twips(w)}" w:type="dxa"/>' + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
            tcpr += merge
            if cell is not None and merge.startswith("<w:vMerge w:val") and cell.rowspan > 4 and style.vertical_group == "rotated":
                tcpr += '<w:textDirection w:val="tbRlV"/>'
            tcpr += '<w:vAlign w:val="center"/>'
            cells.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{body}</w:tc>")
            c += span
        out.append(f"<w:tr>{trpr}{''.join(cells)}</w:tr>")
        tracer.row(row)
    out.append("</w:tbl>")
    return "".join(out)


def _footer(style: Style) -> str:
    body = ""
    if style.footer:
        before, after = style.footer.split("{}")
        field = '<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
        body = (_run(before, style.font, 12) if before else "") + field + (_run(after, style.font, 12) if after else "")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr xmlns:w="{W}" xmlns:r="{R}">'
            f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{body}</w:p></w:ftr>')  # fmt: skip


def _styles(style: Style) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles xmlns:w="{W}"><w:docDefaults>'
            f'<w:rPrDefault><w:rPr>{_fonts(style.font)}<w:sz w:val="{round(style.body_pt * 2)}"/>'
            '<w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>'
            '<w:pPrDefault><w:pPr><w:spacing w:after="0"/></w:pPr></w:pPrDefault></w:docDefaults>'
            '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
            "</w:styles>")  # fmt: skip


def docx_bytes(blocks: list[Block], style: Style, widths: dict[str, list[float]], tracer: Tracer) -> bytes:
    """The DOCX of ``blocks`` in ``style``; the reference text goes to ``tracer``."""
    body = []
    for b in blocks:
        if b.kind == "table" and b.table is not None:
            body.append(_table(b.table, widths[b.table.name], style, tracer))
            body.append(_para(""))
        elif b.kind == "title":
            body.append(_para(_pieces(b.pieces, style, tracer, bold=True, pt=max(style.body_pt + 4, 18)), jc="center"))
        elif b.kind == "meta":
            body.append(_para(_pieces(b.pieces, style, tracer), jc="right" if b.pieces and b.pieces[0].label else "center"))
        elif b.kind == "heading":
            body.append(_para(_pieces(b.pieces, style, tracer, bold=True), indent=True, line_pt=style.line_pt, keep=True))
        else:
            body.append(_para(_pieces(b.pieces, style, tracer), indent=True, line_pt=style.line_pt))
    w, h = (_twips(v) for v in PAGES[style.page])
    top, bottom, left, right = (_twips(v) for v in style.margins_mm)
    sect = (f'<w:sectPr><w:footerReference w:type="default" r:id="rId2"/><w:pgSz w:w="{w}" w:h="{h}"/>'
            f'<w:pgMar w:top="{top}" w:right="{right}" w:bottom="{bottom}" w:left="{left}" w:header="851" '
            'w:footer="992" w:gutter="0"/></w:sectPr>')  # fmt: skip
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W}" xmlns:r="{R}">'
                f"<w:body>{''.join(body)}{sect}</w:body></w:document>")  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("[Content_Types].xml", _CT), ("_rels/.rels", _RELS), ("word/_rels/document.xml.rels", _DOC_RELS),
                           ("word/document.xml", document), ("word/styles.xml", _styles(style)),
                           ("word/footer1.xml", _footer(style))):  # fmt: skip
            z.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()
