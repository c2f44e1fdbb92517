"""`gkml audit --html`: the crop of the page around each finding, opened in a real browser.

The scan is seed 000's table 4 with one number changed (未经复议直接起诉 总计 printed 3, its parts
0; tests/fixtures/ocr/t4_changed_scan.jpg, made by scripts/render_pages.py --fixtures): the
audit must show that cell, boxed, on the page, and headless Chromium must display the picture."""

from __future__ import annotations

import base64
import copy
import io
import re
import shutil
import subprocess

import cv2
import numpy as np
import pytest
from conftest import FIXTURES, SAMPLES
from PIL import Image

from gkml.audit_crops import COLOURS, Pages, crops, estimate_box, marks_for
from gkml.cli import main
from gkml.engines import rules_labeller
from gkml.predict import predict_one
from gkml.schema import CellValue
from gkml.write import write_jsonl

SCAN = FIXTURES / "ocr" / "t4_changed_scan.jpg"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHANGED = "t4.suit_direct.total"


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """A batch of the scan, a text report, and the scan's record whose file is gone; its audit page."""
    tmp = tmp_path_factory.mktemp("audit")
    scan = predict_one(str(SCAN), rules_labeller(), "rules")
    text = predict_one(str(SAMPLES / "000_7cbeb50e901d1ece.txt"), rules_labeller(), "rules")
    gone = copy.deepcopy(scan)
    gone.doc_id, gone.source = "gone", "moved/t4.jpg"
    write_jsonl([scan, text, gone], tmp / "out.jsonl")
    page = tmp / "audit.html"
    assert main(["audit", str(tmp / "out.jsonl"), "--html", str(page)]) == 0
    return scan, page, page.read_text(encoding="utf-8")


def _figures(page: str) -> dict[str, str]:
    """Title → the first figure with that title (the scan's; its moved copy's comes later)."""
    out: dict[str, str] = {}
    for m in re.finditer(r"<figure class='look[^']*'><figcaption><b>([^<]*)</b>.*?</figure>", page, re.S):
        out.setdefault(m.group(1), m.group(0))
    return out


def _image(figure: str) -> np.ndarray:
    (data,) = re.findall(r"src='data:image/jpeg;base64,([A-Za-z0-9+/=]+)'", figure)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))


def test_failed_identity_shows_the_crop_of_the_changed_cell(audited):
    scan, _, page = audited
    (check,) = [c for c in scan.checks if not c.ok]
    assert (check.id, check.where, check.verdict, check.lhs, check.rhs) == ("T4-SUM", "suit_direct", "inconsistent", 3, 0)
    figures = _figures(page)
    title = next(t for t in figures if t.startswith("T4-SUM:suit_direct Δ+3"))
    fig = figures[title]
    assert "inconsistent as printed" in fig and CHANGED in fig
    crop = _image(fig)
    source = np.asarray(Image.open(SCAN).convert("L"))
    k = crop.shape[1] / source.shape[1]  # the crop is the page's full width, scaled down to fit
    assert crop.shape[1] == min(source.shape[1], 1100)
    x0, y0, x1, y1 = scan.cells[CHANGED].bbox
    # the band holds the row: the crop is the scan above and below it, the same picture
    # the crop is a full-width band of the scan, around the row of the cell
    gray = cv2.resize(crop.mean(axis=2).astype(np.uint8), (source.shape[1], round(crop.shape[0] / k)))
    found = cv2.matchTemplate(source, gray, cv2.TM_CCOEFF_NORMED)
    _, best, _, (_, band_top) = cv2.minMaxLoc(found)
    assert best > 0.8 and band_top < y0 and y1 < band_top + gray.shape[0]
    # the changed cell is boxed in red, the value read drawn above it
    red = np.all(np.abs(crop.astype(int) - COLOURS["read"]) < 60, axis=2)
    left, right = round((x0 - 3) * k), round((x1 + 3) * k)
    top, bottom = round((y0 - 3 - band_top) * k), round((y1 + 3 - band_top) * k)
    assert red[top:bottom, max(left - 4, 0) : left + 4].any(axis=1).mean() > 0.8  # its left edge
    assert red[top:bottom, right - 4 : right + 4].any(axis=1).mean() > 0.8  # its right edge
    assert red[max(top - round(40 * k), 0) : top, left:right].mean() > 0.3  # the label with the value


def test_chromium_displays_the_crop(audited, tmp_path):
    """The page in headless Chromium (`make test` installs Debian's chromium): the screenshot holds
    the crop, pixel for pixel, where the page puts it."""
    _, page, text = audited
    assert "http" not in re.sub(r"href='#[^']*'", "", text.split("<body>", 1)[1])  # one file, nothing fetched
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--force-device-scale-factor=1", "--hide-scrollbars",
         "--window-size=1400,2000", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    screen = cv2.cvtColor(cv2.imread(str(shot)), cv2.COLOR_BGR2RGB)
    crop = _image(_figures(text)[next(t for t in _figures(text) if t.startswith("T4-SUM"))])
    score = cv2.matchTemplate(screen, crop, cv2.TM_CCOEFF_NORMED)
    _, best, _, (x, y) = cv2.minMaxLoc(score)
    assert best > 0.95, best
    shown = screen[y : y + crop.shape[0], x : x + crop.shape[1]]
    red = np.all(np.abs(shown.astype(int) - COLOURS["read"]) < 60, axis=2)
    assert red.sum() > 200  # the boxes and the value drawn are on screen too


def test_a_missing_source_is_said_and_a_text_input_has_no_picture(audited):
    _, _, page = audited
    assert "no picture: the source file moved/t4.jpg is not there any more" in page
    assert page.count("<img") == 1  # the scan's one finding; the text report has none, the moved file no picture
    section = page.split("id='look-1'", 1)
    assert len(section) == 1  # the text report (row 1) has nothing to look at


def test_no_crops_option(audited, tmp_path):
    _, page, _ = audited
    out = page.parent / "out.jsonl"
    plain = tmp_path / "plain.html"
    assert main(["audit", str(out), "--html", str(plain), "--no-crops"]) == 0
    assert "<img" not in plain.read_text(encoding="utf-8")


def test_an_inferred_cell_is_drawn_where_its_row_and_column_cross(tmp_path):
    """Not printed (or not read): its place is its row's band and its column's band, boxed in blue."""
    img = Image.new("RGB", (600, 300), "white")
    path = tmp_path / "page.png"
    img.save(path)
    cells = {
        "t4.review.upheld": CellValue(1, "1", page=1, bbox=[100, 100, 120, 120]),
        "t4.review.corrected": CellValue(0, "", inferred=True),
        "t4.review.total": CellValue(1, "1", page=1, bbox=[300, 102, 320, 122]),
        "t4.suit_direct.corrected": CellValue(0, "0", page=1, bbox=[200, 200, 220, 220]),
    }
    assert estimate_box("t4.review.corrected", cells) == (1, (200, 101.0, 220, 121.0))
    marks = marks_for(["t4.review.corrected", "t4.review.upheld"], cells, 0.9)
    assert [(m.key, m.kind, m.label) for m in marks] == [
        ("t4.review.corrected", "inferred", "0"), ("t4.review.upheld", "read", "1")]
    # a row of which nothing was read (OCR lost it): between the rows read above and below it
    lost = {k: c for k, c in cells.items() if not k.startswith("t4.suit_direct.")}
    below = lost | {"t4.suit_after_review.upheld": CellValue(0, "0", page=1, bbox=[100, 250, 120, 270])}
    assert estimate_box("t4.suit_direct.upheld", below) == (1, pytest.approx((100, 121, 120, 250)))
    assert estimate_box("t4.suit_direct.upheld", lost) is None  # no row read below it: unknown
    (crop,) = crops(Pages(path, "image"), marks)
    pic = np.asarray(Image.open(io.BytesIO(base64.b64decode(crop.uri.split(",", 1)[1]))).convert("RGB"))
    top = int(101 - 3.5 * 20)  # 3.5 lines above the marks
    blue = np.all(np.abs(pic.astype(int) - COLOURS["inferred"]) < 60, axis=2)
    assert blue[101 - 3 - top : 121 + 3 - top, 196:199].mean() > 0.5  # the left edge of its box
    assert not blue[:, :150].any()  # nowhere near the cell read
    assert pic.shape[1] == 600 and crop.page == 1
