"""OCR input: routing in ingest, page geometry, layout of OCR boxes, span alignment, and real
OCR end to end on rendered report pages (tests/fixtures/ocr, made by scripts/render_pages.py)."""

import json
import random
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from gkml.io.ingest import IngestError, ingest, junk_text_layer
from gkml.io.ocr import Char, OcrError, Page, Table, estimate_skew, find_tables, ocr_images, page_text
from gkml.labels import Span
from gkml.predict import predict_one, rules_labeller
from gkml.training.synth.ocr_layout import (
    align_spans,
    char_alignment,
    degrade,
    images_to_pdf,
    ingested_text,
    ocr_example,
    ocr_record,
    pdf_to_images,
    soffice,
)

ROOT = Path(__file__).parent.parent
OCR_FIXTURES = ROOT / "tests" / "fixtures" / "ocr"
SEED000_GOLD = ROOT / "tests" / "fixtures" / "000_7cbeb50e901d1ece.gold.json"


# --------------------------------------------------------------------------- routing


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "almost no text"),
        ("  3 \n", "almost no text"),
        ("(cid:12)(cid:845)(cid:3)(cid:77)" * 10 + "年度报告", "mostly unmapped glyphs"),
        ("\ue001\ue002\ue003\ue004 \ue005\ue006\ue007\ue008\ue009\ue00a\ufffd\ufffd 报告", "mostly unmapped glyphs"),
        ("ÄÏ·áÕò2022Äê Õþ¸®ÐÅÏ¢¹«¿ª¹¤×÷Äê¶È±¨¸æ\n" * 3, "almost no Chinese characters"),  # GBK read as Latin-1
    ],
)
def test_junk_text_layers_are_recognised(text, reason):
    assert junk_text_layer(text).startswith(reason)


@pytest.mark.parametrize(
    "text",
    [
        "南丰镇2022年政府信息公开工作年度报告",
        "12 0 0 0 0 0 12\n0 0 0 0 0 0 0\n10 0 0 0 0 0 10",  # a page of table numbers is a real layer
        "行政许可 205 行政处罚 716 Word 文档 PDF version 2.0",
    ],
)
def test_real_text_layers_are_kept(text):
    assert junk_text_layer(text) is None


def test_text_pdf_does_not_go_to_ocr():
    doc = ingest(ROOT / "tests" / "fixtures" / "ingest" / "report_tables.pdf")
    assert doc.ocr is None and doc.page_boxes(0, 5) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("scan.pdf", "OCR found no text: the PDF has no text layer and OCR read nothing on its 1 page(s)"),
        ("page.png", "OCR found no text in the image (1 page(s))"),
    ],
)
def test_blank_scans_give_a_clear_error(name, message):
    with pytest.raises(IngestError, match=re.escape(message)):
        ingest(ROOT / "tests" / "fixtures" / "ingest" / name)


def test_broken_image_gives_a_clear_error(tmp_path):
    photo = tmp_path / "scan.JPG"
    photo.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    with pytest.raises(IngestError, match="cannot read image"):
        ingest(photo)


def test_multipage_tiff_pages_are_all_read(tmp_path):
    from PIL import Image

    frames = [Image.new("L", (300, 200), 255) for _ in range(3)]
    tiff = tmp_path / "scan.tif"
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    with pytest.raises(IngestError, match=re.escape("OCR found no text in the image (3 page(s))")):
        ingest(tiff)


def test_a_page_ocr_cannot_process_is_a_clear_error():
    with pytest.raises(OcrError, match=r"^OCR failed on page 2: "):
        ocr_images([np.full((100, 100, 3), 255, np.uint8), np.zeros((0, 0, 3), np.uint8)])


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


# --------------------------------------------------------------------------- alignment


def test_alignment_carries_spans_over_ocr_errors():
    src = "第二十条第(五)项\n行政许可 | 205\n收费 | 530.67\n共计12件"
    dst = "第二刻条第(五)项\n行政许可205\n收费 | 53O.67\n共计件"  # 十→刻, a lost separator, O for 0, a lost number
    spans = [Span(src.index("205"), src.index("205") + 3, "t2.licensing.decisions"),
             Span(src.index("530.67"), src.index("530.67") + 6, "t2.fees.amount"),
             Span(src.index("12件"), src.index("12件") + 2, "FACT.request")]
    got = {s.label: dst[s.start : s.end] for s in align_spans(src, spans, dst)}
    assert got == {"t2.licensing.decisions": "205", "t2.fees.amount": "53O.67"}
    where = char_alignment(src, dst)
    assert dst[where[src.index("十")]] == "刻"


# --------------------------------------------------------------------------- real OCR, end to end


def test_scanned_table_image_to_cells():
    """A degraded JPEG scan of seed 000's section 2 → OCR → rows → the baseline's table-2 cells,
    each traceable to where it is printed on the image."""
    path = OCR_FIXTURES / "t2_scan.jpg"
    doc = ingest(path)
    assert doc.kind == "image" and doc.ocr is not None and doc.ocr.pages == 1
    assert doc.ocr.confidence > 0.9
    lines = doc.text.split("\n")
    for row in ["二、主动公开政府信息情况", "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数", "规章 | 0 | 0 | 0",
                "行政规范性文件 | 0 | 0 | 0", "行政许可 | 205", "行政处罚 | 716", "行政强制 | 0",
                "行政事业性收费 | 530.67"]:
        assert row in lines
    label = doc.text.index("行政事业性收费")
    value = doc.text.index("530.67")
    (lp, lx0, ly0, lx1, ly1), = doc.page_boxes(label, label + 7)
    (vp, vx0, vy0, vx1, vy1), = doc.page_boxes(value, value + 6)
    assert lp == vp == 0 and lx1 < vx0 and min(ly1, vy1) - max(ly0, vy0) > 0.5 * (ly1 - ly0)  # same row, to its right
    crop = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)[vy0:vy1, vx0:vx1]
    assert (crop < 128).mean() > 0.05  # there is ink where the value is said to be

    report = predict_one(str(path), rules_labeller(), "rules")
    assert report.status == "ok" and report.input_kind == "image"
    assert report.ocr is not None and report.ocr.pages == 1 and report.ocr.confidence > 0.9
    gold = json.loads(SEED000_GOLD.read_text(encoding="utf-8"))["cells"]
    t2 = {k: v for k, v in gold.items() if k.startswith("t2.")}
    assert {k: report.cells[k].value for k in t2 if k in report.cells} == t2


def test_page_scanned_upside_down_is_read_and_mapped_back(tmp_path):
    image = cv2.imread(str(OCR_FIXTURES / "t2_scan.jpg"), cv2.IMREAD_GRAYSCALE)
    flipped = tmp_path / "upside_down.png"
    cv2.imwrite(str(flipped), cv2.rotate(image, cv2.ROTATE_180))
    doc = ingest(flipped)
    assert "行政事业性收费 | 530.67" in doc.text.split("\n")
    i = doc.text.index("530.67")
    (_, x0, y0, x1, y1), = doc.page_boxes(i, i + 6)
    h, w = image.shape
    crop = cv2.rotate(image, cv2.ROTATE_180)[y0:y1, x0:x1]
    assert (crop < 128).mean() > 0.05  # the box is on the value as printed on the upside-down page
    upright = ingest(OCR_FIXTURES / "t2_scan.jpg")
    j = upright.text.index("530.67")
    (_, u0, v0, u1, v1), = upright.page_boxes(j, j + 6)
    assert (x0, y0, x1, y1) == pytest.approx((w - u1, h - v1, w - u0, h - v0), abs=4)


def test_pdf_mixing_a_text_page_and_a_scanned_page(tmp_path):
    """Only the page without a text layer goes to OCR; the map says which characters it read."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument((ROOT / "tests" / "fixtures" / "ingest" / "report_tables.pdf").read_bytes())
    scan = pdfium.PdfDocument(images_to_pdf([cv2.imread(str(OCR_FIXTURES / "t2_scan.jpg"))], 200))
    doc.import_pages(scan)
    mixed = tmp_path / "mixed.pdf"
    doc.save(str(mixed))
    got = ingest(mixed)
    assert got.kind == "pdf" and got.ocr is not None and got.ocr.pages == 1
    lines = got.text.split("\n")
    text_row = "一、本年新收政府信息公开申请数量 | 12 | 0 | 0 | 0 | 0 | 0 | 12"  # page 1, text layer
    assert text_row in lines and "行政处罚 | 716" in lines  # page 2, OCR
    i, j = got.text.index(text_row), got.text.rindex("行政处罚 | 716")
    assert got.page_boxes(i, i + len(text_row)) == []
    (page, *_), = got.page_boxes(j, j + 4)
    assert page == 1


@pytest.mark.slow
def test_scanned_pdf_of_seed_000_has_every_cell_right(tmp_path):
    """Seed 000 typeset, rendered at 200 dpi, tilted, blurred, noisy and JPEG'd into an
    image-only PDF: every one of its 200 table cells comes out right."""
    rng = random.Random(0)
    pages = [degrade(p, rng, "scan") for p in pdf_to_images((OCR_FIXTURES / "000_text.pdf").read_bytes())]
    scan = tmp_path / "000_scan.pdf"
    scan.write_bytes(images_to_pdf(pages, 200, quality=80))
    report = predict_one(str(scan), rules_labeller(), "rules")
    assert report.status == "ok", report.error
    assert report.input_kind == "pdf" and report.ocr is not None and report.ocr.pages == len(pages)
    gold = json.loads(SEED000_GOLD.read_text(encoding="utf-8"))
    assert report.template == gold["template"]
    wrong = {k: (v, report.cells[k].value if k in report.cells else "missing")
             for k, v in gold["cells"].items() if k not in report.cells or report.cells[k].value != v}
    assert wrong == {}
    assert all(c.ok for c in report.checks if c.severity == "error")


# --------------------------------------------------------------------------- OCR as a synth training layout

needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) renders the pages")


@needs_soffice
def test_ocr_example_moves_gold_spans_onto_real_ocr_text():
    html = ('<html><body><p><b>二、主动公开政府信息情况</b></p><table border="1" cellspacing="0" width="100%">'
            "<tr><td>行政许可</td><td>205</td></tr><tr><td>行政事业性收费</td><td>530.67</td></tr></table>"
            "<p>全年收到依申请公开件12件,按时办结10件。</p></body></html>")
    text = ingested_text(html)
    wanted = {"SEC2": "二、主动公开政府信息情况", "t2.licensing.decisions": "205", "t2.fees.amount": "530.67",
              "FACT.request": "12件"}
    spans = [Span(text.index(s), text.index(s) + len(s), label) for label, s in wanted.items()]
    ocr_text, moved, confidence = ocr_example(html, spans, random.Random(3), "scan")
    assert "行政事业性收费 | 530.67" in ocr_text.split("\n")
    assert {s.label: ocr_text[s.start : s.end] for s in moved} == wanted
    assert 0.9 < confidence <= 1.0


@needs_soffice
@pytest.mark.slow
def test_synthetic_html_record_reread_through_ocr():
    from gkml.training.synth.config import load_config
    from gkml.training.synth.corpus import make_report

    record = make_report(0, 11, {**load_config(), "raw": True}, layout="html")
    out = ocr_record(record, random.Random(0), "scan")
    assert out["layout"] == "ocr_scan" and out["cells"] == record["cells"] and "raw" not in out
    assert 0.9 < out["ocr_confidence"] <= 1.0
    src = {(s["label"], record["text"][s["start"] : s["end"]]) for s in record["spans"] if "." in s["label"]
           and not s["label"].startswith("FACT")}
    got = {(s["label"], out["text"][s["start"] : s["end"]]) for s in out["spans"]}
    kept = src & got  # table cells that OCR read exactly and the alignment put back on the same cell
    assert len(kept) >= 0.95 * len(src), sorted(src - got)[:10]
    assert all(out["text"][f["start"] : f["end"]] == f["text"] for f in out["facts"])
