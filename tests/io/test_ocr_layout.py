"""Tests of gkml.io.geometry (skew, ruled tables) and gkml.io.ocr_layout (OCR characters as lines and rows)."""

import cv2
import numpy as np
import pytest

from gkml.io.geometry import Table, estimate_skew, find_dashes, find_glyphs, find_tables
from gkml.io.ocr_layout import Char, Page, page_text

# --------------------------------------------------------------------------- geometry and layout


def ruled_page(angle: float = 0.0) -> np.ndarray:
    """A 1654x1200 white page with a 3x3 ruled grid whose top-left cell spans two columns."""
    img = np.full((1200, 1654), 255, np.uint8)
    xs, ys = [200, 600, 1000, 1400], [300, 380, 460, 540]
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        top = ys[1] if x == 600 else ys[0]  # no rule between the first two cells of row 1
        cv2.line(img, (x, top), (x, ys[-1]), 0, 2)
    for k, y in enumerate(range(700, 1100, 60)):  # some text-like ink so skew has lines to vote on
        cv2.putText(img, f"gkml ocr line {k}", (200, y), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    if angle:
        m = cv2.getRotationMatrix2D((827, 600), angle, 1.0)
        img = cv2.warpAffine(img, m, (1654, 1200), borderValue=255)
    return img


@pytest.mark.parametrize("angle", [0.0, 0.7, -1.3])
def test_skew_is_estimated_to_a_tenth_of_a_degree(angle):
    assert estimate_skew(ruled_page(angle)) == pytest.approx(-angle, abs=0.1)


def test_ruled_table_cells_with_a_span():
    tables, mask = find_tables(ruled_page())
    assert len(tables) == 1
    t = tables[0]
    assert (t.x0, t.y0) == pytest.approx((200, 300), abs=8) and (t.x1, t.y1) == pytest.approx((1402, 542), abs=8)
    cells = sorted(t.cells, key=lambda c: (c[1], c[0]))
    assert len(cells) == 8  # 3x3 with the first two of row 1 merged
    assert cells[0][2] - cells[0][0] > 700  # the spanning cell
    assert mask[300, 800] and not mask[340, 800]


def test_rules_of_a_100_dpi_scan_rendered_at_200_dpi():
    """A 100 dpi scan in a PDF is rendered at 200 dpi: its rules come out twice as wide and
    blurred (8-9 px of ink across), and were taken for smeared text (the scan set's 100 dpi
    table 3 came out as 23 cells of 113)."""
    small = cv2.resize(ruled_page(), (827, 600), interpolation=cv2.INTER_AREA)
    scan = cv2.GaussianBlur(cv2.resize(small, (1654, 1200), interpolation=cv2.INTER_CUBIC), (7, 7), 1.5)
    (table,), _ = find_tables(scan)
    assert len(table.cells) == 8


def test_digits_stacked_in_short_rows_are_no_rule():
    """Table 3's last rows are short: a "1" in each, one above the other in the same column,
    joined by the horizontal rules between them, is a vertical run as long as a rule, and
    split the column at the digits (chain-7-000001-clean of the scan set: `3.其他 | 9 |  | 1 |
    …`). The OCR's digit boxes veto it; the real rules stay."""
    img = np.full((600, 1654), 255, np.uint8)  # the width OCR works at (200 dpi)
    xs, ys = [100, 400, 600, 800], [100, 140, 180, 220, 260]
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        cv2.line(img, (x, ys[0]), (x, ys[-1]), 0, 2)
    digits = []
    for y0, y1 in zip(ys, ys[1:], strict=False):  # a "1" centred in column 2 of each row, 32 px tall
        cv2.line(img, (500, y0 + 4), (500, y1 - 4), 0, 3)
        digits.append((490.0, y0 + 4.0, 510.0, y1 - 4.0))
    split = find_tables(img)[0]
    assert len(split) == 1 and len(split[0].cells) == 16  # each middle cell cut in two at the digits
    (table,), _ = find_tables(img, digit_boxes=digits)
    assert len(table.cells) == 12 and (table.x0, table.x1) == pytest.approx((100, 802), abs=8)


def test_dashes_alone_and_what_is_no_dash():
    """A lone thin stroke is a dash, two close strokes one "--"; a stroke inside a line of text
    (a "一"), a faint rule broken into pieces, or a dark piece of a faint rule is none."""
    img = np.full((400, 1654), 255, np.uint8)
    cv2.rectangle(img, (100, 100), (109, 102), 0, -1)  # "-": 10 px at a 35 px line height
    cv2.rectangle(img, (300, 100), (330, 101), 0, -1)  # "—"
    cv2.rectangle(img, (333, 100), (363, 101), 0, -1)  # its second half: "——"
    cv2.rectangle(img, (500, 100), (508, 102), 0, -1)  # "--"
    cv2.rectangle(img, (511, 100), (519, 102), 0, -1)
    cv2.rectangle(img, (700, 100), (730, 101), 0, -1)  # "一" inside a line the recogniser read
    for x in range(900, 1100, 45):  # a faint rule broken by noise
        cv2.rectangle(img, (x, 100), (x + 40, 101), 0, -1)
    cv2.line(img, (100, 300), (1500, 300), 200, 2)  # a faint rule, and a piece of it noise left dark
    cv2.rectangle(img, (1200, 300), (1230, 301), 0, -1)
    got = find_dashes(img, [(680.0, 85.0, 760.0, 120.0)], 35.0)
    assert [(round(x0), round(x1), text) for x0, _, x1, _, text in got] == [
        (100, 110, "-"), (300, 364, "——"), (500, 520, "--")]


def test_glyphs_no_box_holds_are_found():
    img = np.full((300, 1654), 255, np.uint8)
    for x in (200, 400, 600):
        cv2.putText(img, "0", (x, 120), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
    cv2.putText(img, "12", (800, 120), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
    cv2.circle(img, (1000, 110), 2, 0, -1)  # a speck of noise
    glyphs = find_glyphs(img, [(390.0, 90.0, 430.0, 130.0)], np.zeros_like(img), 35.0)
    assert [round(x0, -1) for x0, *_ in glyphs] == [200, 600, 800]  # the read "0" is left; "12" is one glyph
    assert glyphs[2][2] - glyphs[2][0] > 25


def ch(s, x, y, line, w=30, h=40, score=0.9):
    return [Char(c, score, x + i * w, y, x + (i + 1) * w, y + h, line) for i, c in enumerate(s)]


def test_page_text_rows_cells_and_tilted_lines():
    """Prose lines grouped despite a slope; table cells joined by ' | ', a wrapped cell glued,
    a spanned cell written once, an empty cell kept as an empty field."""
    labels = np.zeros((300, 700), np.int32)
    cells = [(0, 0, 400, 100), (400, 0, 700, 100), (0, 100, 200, 300), (200, 100, 400, 300), (400, 100, 700, 300)]
    for k, (x0, y0, x1, y1) in enumerate(cells, start=1):
        labels[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2] = k
    table = Table(100, 500, 800, 800, [(x0 + 100, y0 + 500, x1 + 100, y1 + 500) for x0, y0, x1, y1 in cells], labels)
    chars = (
        ch("一、总体情况", 100, 100, 0)
        + ch("第一段文字", 100, 200, 1) + ch("接着写", 260, 204, 2)  # the same line, 4 px lower: a tilt
        + ch("规章", 110, 530, 3) + ch("12", 510, 530, 4)
        + ch("本年新收政府", 110, 610, 5) + ch("信息", 110, 660, 6)  # a label wrapped inside its cell
        + ch("7", 510, 630, 7)
        + ch("第二行", 100, 900, 8)
    )
    piece = page_text(Page(chars, [table], np.eye(2, 3), (1654, 2339)))
    assert "".join(piece.chars) == "一、总体情况\n第一段文字接着写\n规章 | 12\n本年新收政府信息 |  | 7\n第二行"
    assert len(piece.rects) == len(piece.chars)
    i = "".join(piece.chars).index("12")
    assert piece.rects[i] == (510, 530, 540, 570)
