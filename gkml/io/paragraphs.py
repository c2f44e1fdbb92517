"""Lines of a paragraph that the page broke, read as one line again.

A text layer and OCR give prose line by line as the page wraps it, and a wrap falls anywhere:
between a count and its counting word ("政府公报5" / "期"), between an approximation word and its
number ("超过" / "100 册"). A Word file or a web page keeps the paragraph whole. The page says
where a line only wraps: it is prose set solid (no gap wider than a character, no table cell),
it runs to the right edge of the page's prose, and the next line is prose that starts at the left
edge (a new paragraph is indented, a heading opens with its number). Such a break is dropped, so
the PDF reader and OCR give the model and the rules the paragraph as Word would (a space stays
only between two Latin words or numbers); every other line break stays. Each character keeps its
box, so a count is still shown where it was printed, over two lines.

Plain text an extractor printed from a PDF (pdfium's, OCR's reading order) has lost the boxes
but kept the wrap: most of its prose lines are as wide as each other, and :func:`reflow` joins
a line of that width to the next as the geometry would. Where its paragraphs are a line each but
a page break cut one between a count and its counting word, :func:`join_cut_counts` joins them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from statistics import median

from gkml.io.normalise import normalise
from gkml.io.reading_order import Line

MIN_CHARS = 8  # printed characters of a full line of prose, at least (a short line is a label, a title)
GAP = 1.2  # character widths: a wider gap between two printed characters is a table's column, not prose
EDGE = 1.5  # character widths from the prose's right edge within which a line runs to the edge
INDENT = 0.5  # character widths from the left edge beyond which a line is indented
LEADING = 1.2  # line heights of white between two lines of one paragraph, at most
_HEADING = re.compile(r"\s*(?:[一二三四五六七八九十]+\s*[、.．]|[(（]\s*[一二三四五六七八九十\d]+\s*[)）]|\d{1,2}\s*[、.．]|第[一二三四五六七八九十]+[章节条部])")


def hard_wraps(lines: list[Line | None]) -> list[bool]:
    """For each line but the last, whether the line after it goes on with its paragraph.

    ``lines`` are a page's items in reading order; None for what is no line of prose (a table's
    rows). The left and right edges are those of the page's full lines of prose, so a page set in
    two columns (`gkml.io.reading_order`), whose left column never reaches the right edge, keeps
    its breaks. The line after a wrap may be short: a paragraph's last line."""
    solid = [_solid(line) if line is not None else None for line in lines]
    full = [s for s in solid if s is not None and s.chars >= MIN_CHARS]
    if not full:
        return [False] * max(len(lines) - 1, 0)
    width = median(s.width for s in full)
    left, right = min(s.x0 for s in full), max(s.x1 for s in full)
    out = []
    for line, this, nxt in zip(lines[1:], solid, solid[1:], strict=False):
        out.append(this is not None and nxt is not None and this.chars >= MIN_CHARS and this.x1 >= right - EDGE * width
                   and nxt.x0 <= left + INDENT * width and nxt.top - this.bottom <= LEADING * (this.bottom - this.top)
                   and not _HEADING.match(line[0]))  # fmt: skip
    return out


def line_breaks(lines: list[Line | None]) -> list[str]:
    """What stands between each item of ``lines`` and the next: :func:`joint` where the page only
    wrapped a paragraph (:func:`hard_wraps`), a line break everywhere else."""
    wraps = hard_wraps(lines)
    return [joint(a[0], b[0]) if wrap else "\n" for a, b, wrap in zip(lines, lines[1:], wraps, strict=False)]


@dataclass
class _Solid:
    """A line set solid: its extent, its characters and their median width."""

    x0: float
    top: float
    x1: float
    bottom: float
    chars: int
    width: float


def _solid(line: Line) -> _Solid | None:
    """The extent of a line set solid (no table cell, no gap wider than a character), or None."""
    text, rects = line
    boxes = [r for ch, r in zip(text, rects, strict=True) if r is not None and not ch.isspace()]
    if "|" in text or not boxes:
        return None
    width = median(r[2] - r[0] for r in boxes)
    if any(b[0] - a[2] > GAP * width for a, b in zip(boxes, boxes[1:], strict=False)):
        return None
    return _Solid(boxes[0][0], min(r[1] for r in boxes), max(r[2] for r in boxes), max(r[3] for r in boxes),
                  len(boxes), width)  # fmt: skip


def joint(before: str, after: str) -> str:
    """What stands between two lines of one paragraph: a space between two Latin words or
    numbers ("2024" / "年" is glued, "page" / "two" is not), nothing in Chinese text."""
    a, b = before[-1:], after[:1]
    return " " if a.isascii() and a.isalnum() and b.isascii() and b.isalnum() else ""


# Plain text (what an extractor or OCR printed, with no geometry): the width of a printed line.
SLACK = 4  # columns (two Chinese characters) a full line of a wrapped paragraph may fall short by
WRAPPED = 0.6  # share of the prose lines within SLACK columns of the commonest width: text a page wrapped
MIN_LINES = 4  # lines of that width, at least
PAGE_COLUMNS = 120  # the widest line a page prints (60 Chinese characters): paragraphs a line each are wider
_ROW = re.compile(r"\d\s+[-+]?\d|\d\s+[/—-]|[/—-]\s+\d")  # two values side by side: a table's row, not prose


_HAN = re.compile("[\u4e00-\u9fff]")
_WIDE_PUNCT = ",;:!?()"


def _columns(line: str) -> int:
    """The line's width as a page prints it: a Chinese character is two columns, a digit one,
    punctuation two (a Chinese line prints it full width, even where OCR or normalisation gives
    it as ASCII: a line of counts and ","s ending "近300" is as wide as the others)."""
    line = line.strip()
    ascii_chars = len(line.encode("ascii", "ignore"))
    return 2 * len(line) - ascii_chars + sum(map(line.count, _WIDE_PUNCT))


def _prose(line: str) -> bool:
    return "|" not in line and not _ROW.search(line) and _HAN.search(line) is not None


def reflow(text: str) -> tuple[str, list[int]]:
    """``text`` with the line breaks of wrapped paragraphs dropped, and offsets[i] = the index
    in ``text`` of out[i] (a break between two numbers or Latin words becomes a space).

    Plain text carries no geometry, only its lines' widths: where most lines of prose are as
    wide as each other (within :data:`SLACK` columns of the commonest width), the page wrapped
    them, and a line of that width goes on in the next line when that one is prose that is not
    indented and opens no heading (or, where most lines of that width are followed by a blank
    line, as pdfminer prints them, the line after that blank). Text whose paragraphs are a
    line each (a web page, a Word file saved as text) has no such width and is left as it is;
    so are table rows (cells joined by "|", values side by side) and lines of values."""
    lines = text.split("\n")
    widths = [_columns(ln) if _prose(ln) else 0 for ln in lines]
    seen = Counter(w for w in widths if w >= 20)
    near, width = max(((sum(seen[v] for v in range(w - SLACK, w + SLACK + 1)), w) for w in seen), default=(0, 0))
    wide = sum(n for w, n in seen.items() if w >= width / 2)  # lines of prose, not a table's labels
    if near < MIN_LINES or width > PAGE_COLUMNS or near < WRAPPED * wide:
        return text, list(range(len(text)))
    full = [k for k, w in enumerate(widths[:-1]) if w >= width - SLACK]
    # pdfminer prints each line of a paragraph as a text box of its own, a blank line after each
    step = 2 if sum(not lines[k + 1] for k in full) > len(full) / 2 else 1
    out, offs, pos, k = [], [], 0, 0
    while k < len(lines):
        out.append(lines[k])
        offs.extend(range(pos, pos + len(lines[k])))
        pos += len(lines[k])
        if k + 1 == len(lines):
            break
        nxt = k + step  # the next line of text
        if (widths[k] >= width - SLACK and nxt < len(lines) and not any(lines[k + 1 : nxt]) and _prose(lines[nxt])
                and lines[nxt][:1] not in (" ", "\t") and not _HEADING.match(lines[nxt])):  # fmt: skip
            gap = joint(lines[k].rstrip(), lines[nxt])
            out.append(gap)
            offs.extend([pos] * len(gap))
            pos, k = pos + step, nxt
        else:
            out.append("\n")
            offs.append(pos)
            pos, k = pos + 1, k + 1
    return "".join(out), offs


# A page footer in words on a line of its own ("第 2 页", "共3页", "第5页 共9页"): layout, not prose.
PAGE_FOOTER = re.compile(r"^[ \t]*[第共][ \t]*\d{1,3}[ \t]*页(?:[ \t]*[,,/]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?[ \t]*$", re.M)
LONG_PROSE = 40  # columns (20 Chinese characters): a line of a paragraph, not a table's label and value


def join_cut_counts(text: str) -> tuple[str, list[int]]:
    """``text`` without the line breaks that cut a count from its counting word inside a
    paragraph, and offsets[i] = the index in ``text`` of out[i].

    Where a page break falls inside a paragraph, plain text keeps the break even where each
    paragraph is otherwise one line (OCR's text read page by page): "…、政策文件17" / "件、公共资源…",
    "市长信箱来信20" / "余件、…". A long line of prose that ends in a number, followed by prose that
    opens with a Chinese character and no heading, is one paragraph: the count and what it counts
    are read together. A table's row (values side by side), a label with its one value (short),
    a heading and a page footer keep their breaks."""
    lines = text.split("\n")
    out, offs, pos = [], [], 0
    for k, line in enumerate(lines):
        out.append(line)
        offs.extend(range(pos, pos + len(line)))
        pos += len(line)
        if k + 1 == len(lines):
            break
        nxt = lines[k + 1]
        if not (line[-1:].isdigit() and _prose(line) and _columns(line) >= LONG_PROSE and _HAN.match(nxt)
                and _prose(nxt) and not _HEADING.match(nxt) and not PAGE_FOOTER.match(nxt)):  # fmt: skip
            out.append("\n")
            offs.append(pos)
        pos += 1
    return "".join(out), offs


def read_plain(raw: str) -> tuple[str, list[int]]:
    """Plain text as gkml reads a text file: normalised (`gkml.io.normalise`), then its wrapped
    paragraphs joined (:func:`reflow`, :func:`join_cut_counts`); offsets[i] = the index in
    ``raw`` of out[i]."""
    text, offsets = normalise(raw)
    text, moved = reflow(text)
    text, cut = join_cut_counts(text)
    return text, [offsets[moved[i]] for i in cut]
