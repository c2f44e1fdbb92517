"""Pages read by OCR in parallel worker processes (gkml.io.ocr.read_pages): the same layout text
and boxes, in page order, a bar that counts pages, and a failing page named as in one process.
The speed is measured by bench/ocr_throughput.py, not here."""

import re

import cv2
import numpy as np
import pytest
from conftest import FIXTURES

from gkml.io import ocr
from gkml.io.ocr import OcrError, ocr_images


@pytest.fixture(scope="module")
def pages():
    """Two small real pages: table 4 of seed 000 scanned, and the top of its table-2 scan."""
    t4 = cv2.cvtColor(cv2.imread(str(FIXTURES / "ocr" / "t4_changed_scan.jpg")), cv2.COLOR_BGR2RGB)
    t2 = cv2.cvtColor(cv2.imread(str(FIXTURES / "ocr" / "t2_scan.jpg")), cv2.COLOR_BGR2RGB)
    return [t4, t2[: t2.shape[0] * 2 // 5]]


@pytest.fixture(scope="module", autouse=True)
def pool_stops():
    yield
    ocr.shutdown_pool()


def test_two_workers_read_the_pages_in_order_with_a_bar_per_page(pages, capsys):
    ocr.configure(progress=True)
    try:
        got = ocr_images(pages, workers=2)
    finally:
        ocr.configure(progress=False)
    err = capsys.readouterr().err
    assert "OCR (2 workers)" in err and "/2 [" in err  # a bar over the 2 pages
    lines = got.text.split("\n")
    first = lines.index("0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 3 | 0 | 0 |  | 0 | 0")  # page 1: table 4's values
    second = lines.index("二、主动公开政府信息情况")  # page 2: the heading of table 2
    assert first < second and got.pages == 2 and got.confidence > 0.9
    assert len(got.boxes) == len(got.text)
    assert {b[0] for b in got.boxes[: got.text.index("二、主动")]} == {0}
    assert {b[0] for b in got.boxes[got.text.index("二、主动") :]} == {1}
    h, w = pages[1].shape[:2]
    assert all(0 <= x0 <= x1 <= w and 0 <= y0 <= y1 <= h for p, x0, y0, x1, y1 in got.boxes if p == 1)


def test_a_page_that_fails_in_a_worker_is_named(pages):
    with pytest.raises(OcrError, match=r"^OCR failed on page 2: "):
        ocr_images([np.full((100, 100, 3), 255, np.uint8), np.zeros((0, 0, 3), np.uint8)], workers=2)


def test_one_page_reads_in_this_process():
    """No pool is started for it (a one-page scan does not wait for one)."""
    ocr.shutdown_pool()
    got = ocr_images([np.full((120, 200, 3), 255, np.uint8)], workers=4)
    assert got.text == "" and got.pages == 1 and ocr._pool is None


def test_workers_must_be_at_least_one():
    with pytest.raises(ValueError, match=re.escape("OCR workers must be at least 1, got 0")):
        ocr.configure(workers=0)
