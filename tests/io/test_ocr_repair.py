"""Tests of gkml.io.ocr_repair on real OCR: what the recogniser got wrong in a table's cells,
put right from the page image. The fixtures are pages of the scan set (bench/scans.py: reports
typeset by LibreOffice, rendered at 200 dpi, some degraded as a scanner does), cut to the rows
that went wrong; the geometry they rest on (find_dashes, find_glyphs) is tested in
test_ocr_layout.py."""

import cv2
import numpy as np
from conftest import FIXTURES

from gkml.io.ingest import ingest
from gkml.io.ocr import _engine, ocr_page
from gkml.io.ocr_layout import Char
from gkml.io.ocr_repair import slash

OCR_FIXTURES = FIXTURES / "ocr"


def test_cells_printed_as_dashes_are_read_as_blank_marks():
    """Table 3 of a typeset report (the scan set's chain-7-000008, 200 dpi) prints blank cells
    as "-", "--", "—" and "——": the detector finds no text in a lone thin stroke, and these rows
    came out with no cells at all. Each dash is found by its shape, in its own cell."""
    doc = ingest(OCR_FIXTURES / "t3_dashes_scan.png")
    lines = doc.text.split("\n")
    assert "- | —— | -- | —— | -- | — | —" in lines  # 1.信访举报投诉类申请, its label wrapped round it
    assert "2.重复申请 | 0 | 1 | 0 | 0 | 0 | 0 | 1" in lines
    assert "— | —— | -- | -- | -- | —— | ——" in lines  # 3.要求提供公开出版物
    assert "-- | - | —— | -- | -- | - | ——" in lines  # 4.无正当理由大量反复申请
    i = doc.text.index("—— | -- | -- | -- |")
    (_, x0, y0, x1, y1), = doc.page_boxes(i, i + 2)
    crop = cv2.imread(str(OCR_FIXTURES / "t3_dashes_scan.png"), cv2.IMREAD_GRAYSCALE)[y0:y1, x0:x1]
    assert (crop < 128).any(axis=1).sum() <= 6 and (crop < 128).any(axis=0).mean() > 0.9  # on a thin stroke it fills


def test_lone_digits_the_detector_passes_over_are_read():
    """Table 4 printed without rules (the scan set's chain-7-000002, 200 dpi): fifteen zeros in
    one row, of which the detector finds ten. The ink it passed over is recognised glyph by
    glyph, and the row has its fifteen cells."""
    doc = ingest(OCR_FIXTURES / "t4_lone_zeros_scan.png")
    assert doc.text.split("\n")[-1].split() == ["0"] * 15


def test_numbers_of_neighbouring_cells_read_as_one_are_parted():
    """Table 3's last rows of a scanner-degraded page (the scan set's chain-7-000008): the
    detector boxes 其他's "4" so wide that it touches 总计's "35", and the row read "435".
    Boxed by its ink, each number keeps its own cell."""
    doc = ingest(OCR_FIXTURES / "t3_glued_scan.jpg")
    assert "(七)总计 | 20 | 8 | 0 | 0 | 3 | 4 | 35" in doc.text.split("\n")
    i = doc.text.index("| 4 | 35") + 2
    (_, x0, _, x1, _), = doc.page_boxes(i, i + 1)
    (_, u0, _, u1, _), = doc.page_boxes(i + 4, i + 6)
    assert x1 - x0 < 0.7 * (u1 - u0) and u0 - x1 > 40  # the "4" alone, well left of the "35"


def test_a_page_after_a_glyph_read_alone_is_detected_again():
    """RapidOCR keeps the steps a call asked for: after a glyph recognised alone (no detection),
    the next page must ask for detection again, or it is read as one line of garbage."""
    image = cv2.imread(str(OCR_FIXTURES / "t4_lone_zeros_scan.png"))
    _engine()(image[150:220, 300:400], use_det=False, use_cls=False, use_rec=True)
    assert "".join(c.ch for c in ocr_page(image).chars).count("0") == 15


def test_a_leaning_stroke_read_as_1_is_a_slash():
    """A cell printed "/" (blank) is read "1" by the recogniser; its ink leans, a 1's stands upright."""
    img = np.full((100, 200), 255, np.uint8)
    cv2.line(img, (60, 30), (45, 70), 0, 3)  # "/": x falls as y grows
    cv2.line(img, (150, 30), (151, 70), 0, 3)  # "1"
    read = [Char("1", 0.9, 35, 25, 70, 75, 0), Char("1", 0.9, 135, 25, 165, 75, 1)]
    assert [slash(img, c).ch for c in read] == ["/", "1"]
