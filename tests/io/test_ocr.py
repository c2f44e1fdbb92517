"""OCR input: routing in ingest (gkml.io.pdf, gkml.io.image), span alignment, and real OCR end
to end on rendered report pages (tests/fixtures/ocr, made by scripts/render_pages.py); page
geometry and the layout of OCR boxes are in test_ocr_layout.py."""

import json
import random
import re

import cv2
import numpy as np
import pytest
from conftest import FIXTURES

from gkml.engines import rules_labeller
from gkml.io.document import IngestError
from gkml.io.ingest import ingest
from gkml.io.ocr import OcrError, ocr_images
from gkml.io.pdf import junk_text_layer
from gkml.labels import Span
from gkml.predict import predict_one
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

OCR_FIXTURES = FIXTURES / "ocr"
SEED000_GOLD = FIXTURES / "000_7cbeb50e901d1ece.gold.json"


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
    doc = ingest(FIXTURES / "ingest" / "report_tables.pdf")
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
        ingest(FIXTURES / "ingest" / name)


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

    doc = pdfium.PdfDocument((FIXTURES / "ingest" / "report_tables.pdf").read_bytes())
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

def test_libreoffice_is_installed_for_the_typesetting_tests():
    """`make test` installs it (the system-deps target): a missing soffice fails here, never skips."""
    assert soffice() is not None


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
