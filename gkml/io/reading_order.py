"""Pages printed in two columns of prose: the left column read before the right.

A text layer's lines and OCR's lines run across the whole page, so on a page set in two
columns each line holds the start of one sentence and the middle of another ("本机关全年主动公开
信息 1243 条，其 | 中政策解读"), and a count is cut from its unit. The two columns stand apart
by a gutter: an upright band of white that most lines have text on both sides of and that
almost none crosses. Where there is one, each line is parted at it; a line that crosses it
(the title, a heading set across both columns) starts a new band, and within a band the left
column is read before the right. A table's rows are no prose: a page whose lines have numbers
on one side of the white and labels on the other is left as it is.
"""

from __future__ import annotations

import re

Line = tuple[str, list]  # a printed line and one box (x0, top, x1, bottom, or None) per character
_CJK = re.compile(r"[\u4e00-\u9fff]")
MIN_LINES = 6  # lines parted by the gutter, at least, and at least...
SHARE = 0.4  # ... this share of the page's lines
CROSSING = 0.2  # most lines that may cross the gutter (headings, the title)
PROSE = 4  # Chinese characters on each side of the gutter that make a line two lines of prose


def in_reading_order(lines: list[Line], tops: list[float]) -> list[tuple[float, Line]]:
    """The page's lines, each with a key to sort it among the page's other items (tables by
    their top), in reading order: as they are on a page of one column, and on a page of two,
    each band's left column before its right, the bands top to bottom."""
    gutter = _gutter(lines)
    if gutter is None:
        return list(zip(tops, lines, strict=True))
    out: list[tuple[float, Line]] = []
    band: tuple[list[Line], list[Line]] = ([], [])
    start = min(tops, default=0.0)

    def flush() -> None:
        for k, line in enumerate(band[0] + band[1]):
            out.append((start + 1e-3 * (k + 1), line))
        band[0].clear()
        band[1].clear()

    for top, line in sorted(zip(tops, lines, strict=True), key=lambda t: t[0]):
        parts = _parted(line, *gutter)
        if parts is None:  # across the gutter: a band of its own
            flush()
            out.append((top, line))
            start = top
            continue
        for side, part in zip(band, parts, strict=True):
            if part[0].strip(" |"):
                side.append(part)
    flush()
    return out


def _gutter(lines: list[Line]) -> tuple[float, float] | None:
    """The gutter's middle and half its least width, or None: the x in the middle third of the
    text that parts the most lines of prose, with few lines crossing it."""
    spans = [[(r[0], r[2]) for ch, r in zip(text, rects, strict=True) if r is not None and not ch.isspace() and ch != "|"]
             for text, rects in lines]  # fmt: skip
    every = [s for line in spans for s in line]
    if len(lines) < MIN_LINES or not every:
        return None
    widths = sorted(x1 - x0 for x0, x1 in every)
    half = widths[len(widths) // 2] / 2  # half a character: the least gutter is one character wide
    lo, hi = min(x0 for x0, _ in every), max(x1 for _, x1 in every)
    best, best_parted = None, 0
    steps = max(1, int((hi - lo) / 3 / max(half, 1e-6)))
    for k in range(steps + 1):
        g = lo + (hi - lo) / 3 + k * (hi - lo) / 3 / steps
        parted = crossing = prose = 0
        for (text, rects), line in zip(lines, spans, strict=True):
            if any(x0 < g + half and x1 > g - half for x0, x1 in line):
                crossing += 1
            elif any(x1 <= g for _, x1 in line) and any(x0 >= g for x0, _ in line):
                parted += 1
                left = sum(1 for ch, r in zip(text, rects, strict=True) if r is not None and r[2] <= g and _CJK.match(ch))
                right = sum(1 for ch, r in zip(text, rects, strict=True) if r is not None and r[0] >= g and _CJK.match(ch))
                prose += left >= PROSE and right >= PROSE
        if (parted >= max(MIN_LINES, SHARE * len(lines)) and crossing <= CROSSING * len(lines)
                and prose >= 0.7 * parted and parted > best_parted):  # fmt: skip
            best, best_parted = g, parted
    return None if best is None else (best, half)


def _parted(line: Line, gutter: float, half: float) -> tuple[Line, Line] | None:
    """The line's left and right parts (either may be empty), or None if it crosses the gutter."""
    text, rects = line
    cut = None
    for i, (ch, r) in enumerate(zip(text, rects, strict=True)):
        if r is None or ch.isspace() or ch == "|":
            continue
        if r[0] < gutter + half and r[2] > gutter - half:
            return None
        if cut is None and r[0] >= gutter:
            cut = i
    if cut is None:
        return line, ("", [])
    end = cut
    while end and text[end - 1] in " |":
        end -= 1
    return (text[:end], rects[:end]), (text[cut:], rects[cut:])
