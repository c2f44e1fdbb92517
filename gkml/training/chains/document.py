"""What the typesetters share: the drawn style, the pieces' ids and colours, the report as
blocks in reading order, and the reference text each format's writer traces while it prints.

Every labelled piece (a table value, a narrative count, a heading, the agency, year and date)
gets an id, and is printed in its own near-black colour (``#0RGB`` with 4 bits a channel, up
to 4,095 pieces; a reader sees black): pdfminer and pdfium report a character's fill colour,
so the gold of their text is exact (`gkml.training.chains.align`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from gkml.training.chains.align import Traced
from gkml.training.synth.content import Content
from gkml.training.synth.doc import Piece
from gkml.training.synth.tables import Table, TCell

MAX_PIECES = 0xFFF
_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，", ";": "；"})
_FULL_ROLES = ("prose", "row", "head", "title", "heading", "chrome")

# Fonts an organ's Word asks for; the first two exist here, the others are what Chinese offices
# name (宋体, 仿宋_GB2312, 黑体) and fontconfig replaces by what is installed, as on any Linux
# converter.
FONTS = ("Noto Serif CJK SC", "Noto Sans CJK SC", "宋体", "仿宋_GB2312", "黑体", "SimSun")
PAGES = {"A4": (210, 297), "B5": (176, 250), "16K": (184, 260), "Letter": (216, 279)}


@dataclass
class Style:
    """How one report is typeset: page, fonts, sizes, table rules and column widths."""

    page: str = "A4"
    margins_mm: tuple[float, float, float, float] = (37, 35, 28, 26)  # top, bottom, left, right (GB/T 9704)
    font: str = "Noto Serif CJK SC"
    body_pt: float = 16
    table_font: str = "Noto Serif CJK SC"
    table_pt: float = 10.5
    line_pt: float = 28  # exact line height of body text (0: single)
    ruled: bool = True
    repeat_header: bool = True
    vertical_group: str = "narrow"  # the 三、本年度办理结果 column: "narrow" (one character a line), "rotated", "wide"
    label_share: float = 0.4  # of table 3's width taken by its three label columns
    table_width: float = 1.0  # of the text width
    head_bold: bool = True
    fullwidth: bool = True  # （一） rather than (一) in labels and prose
    footer: str = "— {} —"  # page number format, "" for none
    pdf_from: str = "docx"  # what LibreOffice makes the PDF from: "docx" or "html"

    def text_width_mm(self) -> float:
        return PAGES[self.page][0] - self.margins_mm[2] - self.margins_mm[3]


def draw_style(rng: random.Random) -> Style:
    margins = rng.choice([(37, 35, 28, 26), (25.4, 25.4, 31.8, 31.8), (20, 20, 20, 20), (12.7, 12.7, 12.7, 12.7),
                          (30, 28, 25, 25)])  # fmt: skip
    font = rng.choice(FONTS)
    return Style(
        page=rng.choices(list(PAGES), weights=(80, 8, 7, 5))[0],
        margins_mm=margins,
        font=font,
        body_pt=rng.choice((16, 16, 14, 12, 10.5)),
        table_font=font if rng.random() < 0.6 else rng.choice(FONTS),
        table_pt=rng.choice((9, 10.5, 10.5, 12, 12, 14)),
        line_pt=rng.choice((0, 0, 28, 22, 20)),
        ruled=rng.random() < 0.85,
        repeat_header=rng.random() < 0.5,
        vertical_group=rng.choices(("narrow", "rotated", "wide"), weights=(6, 2, 2))[0],
        label_share=rng.uniform(0.28, 0.55),
        table_width=rng.choice((1.0, 1.0, 0.95, 0.9)),
        head_bold=rng.random() < 0.6,
        fullwidth=rng.random() < 0.8,
        footer=rng.choice(("— {} —", "- {} -", "第{}页", "{}", "")),
        pdf_from="docx" if rng.random() < 0.8 else "html",
    )


def column_widths(table: Table, style: Style, rng: random.Random) -> list[float]:
    """Column widths in mm: narrow label columns wrap row labels over 2-4 lines and value columns
    wrap column headers, as in the template; the group column of table 3 can be one character."""
    total = style.text_width_mm() * style.table_width
    char_mm = style.table_pt * 0.3528
    if table.name == "t3":
        n = table.width - 3
        labels = total * style.label_share
        group = char_mm * 1.6 + 2 if style.vertical_group == "narrow" else labels * rng.uniform(0.15, 0.25)
        mid = (labels - group) * rng.uniform(0.35, 0.55)
        return [group, mid, labels - group - mid] + [(total - labels) / n] * n
    if table.name == "t2":
        first = total * rng.uniform(0.25, 0.4)
        return [first] + [(total - first) / (table.width - 1)] * (table.width - 1)
    return [total / table.width] * table.width


# --------------------------------------------------------------------------- pieces and ids


@dataclass
class Source:
    """What a printed character can come from: the labelled pieces and table value cells by id."""

    label: dict[int, str] = field(default_factory=dict)
    text: dict[int, str] = field(default_factory=dict)
    gold: dict[int, dict] = field(default_factory=dict)  # a fact's value, approx, unit, kind
    blank: set[int] = field(default_factory=set)  # value cells printed as nothing
    _ids: dict[int, int] = field(default_factory=dict)

    def id_of(self, obj: Piece | TCell) -> int:
        """The id of a labelled piece or value cell (0 for anything else), the same object
        always getting the same id whichever format prints it first."""
        label = obj.label
        if not label or (isinstance(obj, Piece) and not obj.text):
            return 0
        key = id(obj)
        if key not in self._ids:
            pid = len(self._ids) + 1
            if pid > MAX_PIECES:
                raise ValueError(f"more than {MAX_PIECES} labelled pieces: the colour code cannot tell them apart")
            self._ids[key] = pid
            self.label[pid], self.text[pid] = label, obj.text
            if isinstance(obj, Piece) and obj.gold is not None:
                self.gold[pid] = obj.gold
            if isinstance(obj, TCell) and not obj.text:
                self.blank.add(pid)
        return self._ids[key]


def colour(pid: int) -> str:
    """The RGB hex colour that prints piece ``pid`` (000000 for unlabelled text)."""
    return f"{(pid >> 8) & 0xF:02X}{(pid >> 4) & 0xF:02X}{pid & 0xF:02X}"


def pid_of_rgb(rgb: tuple[float, ...] | None) -> int:
    """Back from a fill colour (0-1 floats, as PDF readers give it) to the piece id, 0 if none."""
    if not rgb or len(rgb) != 3:
        return 0
    r, g, b = (round(float(c) * 255) for c in rgb)
    return (r << 8) | (g << 4) | b if max(r, g, b) <= 0xF else 0


def shown(piece: Piece | TCell, style: Style) -> str:
    """A piece's text as typeset: full-width brackets and colons in labels and prose."""
    text = piece.text
    if style.fullwidth and piece.role in _FULL_ROLES:
        text = text.translate(_HALF_TO_FULL)
    return text


# --------------------------------------------------------------------------- the document as blocks


@dataclass
class Block:
    kind: str  # title | meta | heading | para | table | chrome
    pieces: list[Piece] = field(default_factory=list)
    table: Table | None = None


def blocks(content: Content, web: bool) -> list[Block]:
    """The report in reading order: a Word document (``web`` False: the date under the title)
    or a portal page (``web``: breadcrumbs, 来源/发布时间 lines, the page footer)."""
    out: list[Block] = []
    if web:
        crumb = f"当前位置:首页 > 信息公开 > {content.agency.region} > 政府信息公开年报"
        out.append(Block("chrome", [Piece(crumb, role="chrome")]))
    out += [Block("title", line) for line in content.title]
    for line in content.web_meta if web else content.doc_meta:
        if not any(" | " in p.text for p in line):  # seed 001's 索引号 grid is a table of its own
            out.append(Block("meta", line))
    out += [Block("para", line) for line in content.intro]
    for section in content.sections:
        out.append(Block("heading", [section.heading]))
        for b in section.blocks:
            if b.table:
                out.append(Block("table", table=content.tables[b.table]))
            else:
                out.append(Block("para", b.pieces or []))
    out += [Block("para", line) for line in content.contact]
    out += [Block("meta", line) for line in content.signature]
    if web:
        out.append(Block("chrome", [Piece("扫一扫在手机打开当前页面", role="chrome")]))
    return out


class Tracer:
    """Builds a reference text (`Traced`) while a writer prints: a block per line, a table row
    per line with its cells joined by " | " (gkml's own reading of a table)."""

    def __init__(self, source: Source, style: Style):
        self.source, self.style = source, style
        self.text: list[str] = []
        self.ids: list[int] = []
        self.blanks: list[tuple[int, int]] = []
        self.pos = 0

    def add(self, text: str, pid: int = 0) -> None:
        self.text.append(text)
        self.ids += [pid] * len(text)
        self.pos += len(text)

    def piece(self, piece: Piece | TCell) -> int:
        pid = self.source.id_of(piece)
        if pid in self.source.blank:
            self.blanks.append((self.pos, pid))
        else:
            self.add(shown(piece, self.style).replace(" ", "") if piece.role == "head" else shown(piece, self.style),
                     pid)  # fmt: skip
        return pid

    def row(self, cells: list[TCell]) -> None:
        for j, cell in enumerate(cells):
            if j:
                self.add(" | ")
            self.piece(cell)
        self.add("\n")

    def traced(self) -> Traced:
        return Traced("".join(self.text), self.ids, self.blanks)
