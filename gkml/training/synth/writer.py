"""What every layout shares: a :class:`Writer` that lays lines out with a layout's spacing
(paragraph gaps, page breaks, headings OCR glues to the paragraph before), and the report
skeleton (breadcrumbs, title, sections, signature) each renderer fills with its own tables.

Kept apart from the renderers (:mod:`~gkml.training.synth.layouts`,
:mod:`~gkml.training.synth.pdf_layouts`) so that each of those reads as one layout's rules.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from gkml.training.synth.content import Content
from gkml.training.synth.doc import Doc, Piece
from gkml.training.synth.noise import Plan, page_marker
from gkml.training.synth.tables import Table, TCell


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


def cell_piece(cell: TCell, text: str | None = None) -> Piece:
    return Piece(cell.text if text is None else text, cell.label, cell.role)


def split_text(rng: random.Random, text: str, parts: int) -> list[str]:
    """``text`` cut into ``parts`` non-empty chunks at random places."""
    parts = max(1, min(parts, len(text)))
    cuts = sorted(rng.sample(range(1, len(text)), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def chunks(text: str, size: int) -> list[str]:
    text = text.replace(" ", "")
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


# --------------------------------------------------------------------------- the report skeleton

TableFn = Callable[[Writer, Table], None]


def skeleton(content: Content, rng: random.Random, plan: Plan, style: Style, table_fn: TableFn | None) -> Doc:
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
