"""An HTML page → its visible text as lines, with every character's offset in the page source.

Report pages put the statistics in tables, so a table row becomes one line with its cells
joined by " | " (the shape the model reads for every input kind), and navigation, scripts and
hidden elements are left out. The page is parsed by a forgiving tree builder that keeps the
source offset of every character, so a number can be shown where the page printed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

from gkml.io.document import ENTITY

_SKIP = {"head", "script", "style", "nav", "header", "footer", "noscript", "iframe", "template", "svg",
         "canvas", "object", "embed", "select", "button", "textarea", "aside", "map"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "wbr"}
_BLOCK = {"address", "article", "blockquote", "body", "caption", "center", "dd", "div", "dl", "dt",
          "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "html", "li", "main", "ol",
          "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
_GROUP = {"tbody", "thead", "tfoot"}
# start tag → (open tags it closes implicitly, tags that stop the search), as browsers do
_IMPLIED = {"td": ({"td", "th"}, {"tr", "table"}), "th": ({"td", "th"}, {"tr", "table"}),
            "tr": ({"tr"}, {"table"} | _GROUP)} | dict.fromkeys(_GROUP, (_GROUP, {"table"}))
_MAX_DEPTH = 150  # open elements past which inline ones (<font>, <span>) stay leaves
# Open elements past which none is nested any more, tables included (3,000 nested tables): the
# deeper markup is read as the text of the element it sits in, so the tree, and every walk over
# it, stays shallow. Real report pages nest tables a few deep.
_HARD_DEPTH = 200


@dataclass
class _El:
    tag: str
    pos: int  # source offset of the start tag
    hidden: bool = False
    end: int | None = None  # source offset of the end tag, if seen
    children: list = field(default_factory=list)  # _El or (text, offsets)
    has_table: bool = False  # a <table> is nested somewhere inside


class _TreeBuilder(HTMLParser):
    """A forgiving tree of the page that remembers where every text character sits in the source.

    lxml reports only source lines, so stdlib's HTMLParser (charrefs unconverted) gives the exact
    offset of each text run and entity; table tags are closed implicitly as browsers do.
    """

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.stack = [_El("#root", 0)]
        self.flattened = 0  # start tags past _HARD_DEPTH, read as text of their parent

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        close, stop = _IMPLIED.get(tag, (set(), set()))
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag in stop:
                break
            if self.stack[i].tag in close:
                del self.stack[i:]
                break
        a = dict(attrs)
        hidden = tag in _SKIP or "hidden" in a or bool(re.search(r"display\s*:\s*none", a.get("style") or "", re.I))
        el = _El(tag, self._pos(), hidden)
        self.stack[-1].children.append(el)
        if tag == "table":
            for open_el in reversed(self.stack):
                if open_el.has_table:
                    break  # and so are all above it
                open_el.has_table = True
        # Broken pages leave thousands of <font>/<span> unclosed; past a depth they stay leaves
        # (their text goes to the parent) so rendering never hits the recursion limit.
        if tag not in _VOID and (len(self.stack) < _MAX_DEPTH or hidden or tag in _IMPLIED or tag == "table"):
            if len(self.stack) >= _HARD_DEPTH:
                self.flattened += 1
                return
            self.stack.append(el)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                self.stack[i].end = self._pos()
                del self.stack[i:]
                return
            if self.stack[i].tag == "table":
                return  # a stray end tag never closes anything outside its table

    def handle_data(self, data):
        self.stack[-1].children.append((data, range(self._pos(), self._pos() + len(data))))

    def handle_entityref(self, name):
        self.handle_charref(name)

    def handle_charref(self, name):
        """An entity's characters all map to its "&"; an unknown one stays as written."""
        pos = self._pos()
        m = ENTITY.match(self.source, pos)
        literal = m.group() if m else "&"
        text = unescape(literal)
        offs = range(pos, pos + len(text)) if text == literal else [pos] * len(text)
        self.stack[-1].children.append((text, offs))


class _Out:
    """Text under construction, one source offset per character, with HTML whitespace collapsing."""

    def __init__(self):
        self.chars: list[str] = []
        self.offs: list[int] = []

    def add(self, text: str, offs) -> None:
        for ch, off in zip(text, offs, strict=True):
            if ch.isspace():
                if not self.chars or self.chars[-1] in " \n":
                    continue
                ch = " "
            self.chars.append(ch)
            self.offs.append(off)

    def rstrip(self) -> None:
        while self.chars and self.chars[-1] == " ":
            self.chars.pop()
            self.offs.pop()

    def newline(self, pos: int, force: bool = False) -> None:
        self.rstrip()
        if force or (self.chars and self.chars[-1] != "\n"):
            self.chars.append("\n")
            self.offs.append(pos)


def _rows(el: _El):
    for c in el.children:
        if isinstance(c, _El) and not c.hidden and c.tag != "table":
            yield from ([c] if c.tag == "tr" else _rows(c))


def _render(out: _Out, node, inline: bool = False) -> None:
    """Blocks become lines; inside a table cell (inline=True) they become spaces."""
    if isinstance(node, tuple):
        out.add(*node)
        return
    if node.hidden:
        return
    if node.tag == "table" and not inline and not node.has_table:
        _render_table(out, node)
        return
    brk = node.tag == "br" or node.tag in _BLOCK
    if brk and inline:
        out.add(" ", [node.pos])
    elif brk:
        out.newline(node.pos, force=node.tag == "br")
    for child in node.children:
        _render(out, child, inline)
    if brk and not inline and node.tag != "br":
        out.newline(node.pos if node.end is None else node.end)


def _render_table(out: _Out, table: _El) -> None:
    """One line per row: cell texts joined by " | "; a spanned cell is emitted once. An empty
    cell stays visible as the spaces between two bars (a closing bar when it is the last), since
    where a blank cell stands is what places the numbers after it."""
    for c in table.children:
        if isinstance(c, _El) and c.tag == "caption":
            _render(out, c)
    for row in _rows(table):
        cells = [c for c in row.children if isinstance(c, _El) and c.tag in ("td", "th") and not c.hidden]
        if len(cells) == 1:  # a lone cell (a section row, or a layout table) keeps its own line breaks
            _render(out, cells[0])
            continue
        texts = []
        for cell in cells:
            sub = _Out()
            _render(sub, cell, inline=True)
            sub.rstrip()
            texts.append((cell.pos, sub))
        if not any(sub.chars for _, sub in texts):
            continue
        out.newline(row.pos)
        end = row.end if row.end is not None else row.pos
        for k, (pos, sub) in enumerate(texts):
            if k:
                out.chars.extend(" | ")
                out.offs.extend([pos] * 3)
            out.chars.extend(sub.chars)
            out.offs.extend(sub.offs)
        if not texts[-1][1].chars:  # a closing bar, so an empty last cell still has its "|  |"
            out.chars.extend(" |")
            out.offs.extend([end] * 2)
        out.newline(end)


def html_text(source: str, warnings: list[str] | None = None) -> tuple[str, list[int]]:
    """The page's visible text, tables as " | " rows, and for each character its offset in `source`.

    What was read other than as printed (markup nested too deep) is added to ``warnings``."""
    builder = _TreeBuilder(source)
    builder.feed(source)
    builder.close()
    if builder.flattened and warnings is not None:
        warnings.append(f"HTML nested more than {_HARD_DEPTH} elements deep: {builder.flattened} deeper "
                        f"element(s) read as plain text of the one around them")  # fmt: skip
    out = _Out()
    _render(out, builder.stack[0])
    return "".join(out.chars), out.offs
