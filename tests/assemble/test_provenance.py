"""Provenance: every cell read from a PDF or an image says on which page and in which box it is
printed, checked against an independent reader of the same page (pdfium's own text layer) and
against the ink of the scan."""

import json

import jsonschema
import numpy as np
import pypdfium2 as pdfium
import pytest
from conftest import FIXTURES, SAMPLES
from PIL import Image

from gkml.engines import rules_labeller
from gkml.io.document import Document, OcrInfo, Place
from gkml.io.ingest import ingest
from gkml.predict import predict_one
from gkml.schema import Report, json_schema

TEXT_PDF = FIXTURES / "ocr" / "000_text.pdf"  # seed 000 typeset by LibreOffice: a text layer, 4 pages
SCAN = FIXTURES / "ocr" / "t4_changed_scan.jpg"  # table 4 of seed 000 scanned, one cell printed blank


@pytest.fixture(scope="module")
def text_pdf_report():
    return predict_one(str(TEXT_PDF), rules_labeller(), "rules")


def _pdfium_box(page, text: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Where pdfium finds `text` on the page: its loose (font) and tight (ink) boxes, from the top-left."""
    found = page.get_textpage().search(text).get_next()
    assert found is not None, text
    start, n = found
    tp, h = page.get_textpage(), page.get_height()
    boxes = {}
    for loose in (True, False):
        bs = [tp.get_charbox(i, loose=loose) for i in range(start, start + n)]
        boxes[loose] = (min(b[0] for b in bs), h - max(b[3] for b in bs), max(b[2] for b in bs), h - min(b[1] for b in bs))
    return boxes[True], boxes[False]


def test_a_known_cell_of_a_text_pdf_is_boxed_where_the_number_is_drawn(text_pdf_report):
    """行政事业性收费 530.67 is drawn on page 2: the cell's box is pdfium's box of that number."""
    cell = text_pdf_report.cells["t2.fees.amount"]
    assert (cell.value, cell.raw, cell.page) == (530.67, "530.67", 2)
    pdf = pdfium.PdfDocument(str(TEXT_PDF))
    loose, tight = _pdfium_box(pdf[1], "530.67")
    x0, y0, x1, y1 = cell.bbox
    assert (x0, x1) == pytest.approx((loose[0], loose[2]), abs=0.05)  # the same glyph advances
    assert x0 - 1 <= tight[0] and tight[2] <= x1 + 1 and y0 - 1 <= tight[1] and tight[3] <= y1 + 1  # the ink inside
    assert y1 - y0 < 20 and x1 - x0 < 50  # one number, not its row
    page = np.asarray(pdf[1].render(scale=2).to_pil().convert("L"))
    ink = page[round(2 * y0) : round(2 * y1), round(2 * x0) : round(2 * x1)]
    assert (ink < 128).mean() > 0.05


def test_every_cell_of_a_text_pdf_is_boxed_around_its_printed_text(text_pdf_report):
    """pdfium, reading its own text layer inside each cell's box, finds exactly what was read there."""
    r = text_pdf_report
    assert r.status == "ok" and len(r.cells) == 200 and not any(c.inferred for c in r.cells.values())
    pdf = pdfium.PdfDocument(str(TEXT_PDF))
    pages = {}
    wrong = {}
    for key, c in r.cells.items():
        assert c.page is not None and len(c.bbox) == 4, key
        page = pages.setdefault(c.page, (pdf[c.page - 1].get_textpage(), pdf[c.page - 1].get_height()))
        tp, h = page
        x0, y0, x1, y1 = c.bbox
        inside = tp.get_text_bounded(x0, h - y1, x1, h - y0).strip()
        if inside != c.raw:
            wrong[key] = (c.raw, inside)
    assert wrong == {}
    assert {c.page for c in r.cells.values()} == {2, 3}  # tables 2-3 on page 2, table 4 on page 3


def test_record_json_carries_page_and_bbox_and_meets_the_schema(text_pdf_report):
    d = json.loads(text_pdf_report.to_json())
    cell = d["cells"]["t3.new.total"]
    assert list(cell) == ["value", "raw", "start", "end", "score", "inferred", "page", "bbox"]
    jsonschema.validate(d, json_schema())
    assert Report.from_dict(d) == text_pdf_report


def test_text_input_cells_have_no_page_or_bbox():
    r = predict_one(str(SAMPLES / "000_7cbeb50e901d1ece.txt"), rules_labeller(), "rules")
    d = json.loads(r.to_json())
    assert all(list(c) == ["value", "raw", "start", "end", "score", "inferred"] for c in d["cells"].values())
    jsonschema.validate(d, json_schema())
    broken = json.loads(r.to_json())
    broken["cells"]["t3.new.total"]["page"] = 1  # a page without its box
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json_schema())


def test_scan_cells_are_boxed_in_image_pixels_on_their_ink():
    """OCR of a scan: each cell's box (pixels of the image) holds ink, left to right as printed; the
    cell printed blank is placed on its empty table cell, between its neighbours."""
    r = predict_one(str(SCAN), rules_labeller(), "rules")
    assert r.status == "ok" and r.input_kind == "image"
    img = np.asarray(Image.open(SCAN).convert("L"))
    row = [f"t4.{g}.{c}" for g in ("review", "suit_direct", "suit_after_review")
           for c in ("upheld", "corrected", "other", "pending", "total")]  # fmt: skip
    assert list(r.cells) == row
    for key in row:
        c = r.cells[key]
        assert c.page == 1 and all(isinstance(v, int) for v in c.bbox), key
    xs = [r.cells[k].bbox[0] for k in row]
    assert xs == sorted(xs)
    printed = [k for k in row if r.cells[k].raw]
    for key in printed:
        x0, y0, x1, y1 = r.cells[key].bbox
        assert (img[y0:y1, x0:x1] < 128).mean() > 0.05, key
    blank = r.cells["t4.suit_after_review.other"]
    assert blank.value is None and blank.raw == "" and blank.start == blank.end
    left, right = r.cells["t4.suit_after_review.corrected"].bbox, r.cells["t4.suit_after_review.pending"].bbox
    x0, y0, x1, y1 = blank.bbox
    assert left[2] <= x0 and x1 <= right[0] + 5  # between the printed neighbours
    assert (img[y0 + 8 : y1 - 8, x0 + 8 : x1 - 8] < 128).mean() < 0.02  # nothing printed in it


def test_locate_unions_printed_characters_and_places_blank_cells():
    text = "规章 | 12 |  | 3"
    boxes = [None] * len(text)
    for i, ch in enumerate(text):
        if ch not in " |":
            boxes[i] = (0, 10.0 * i, 5.0, 10.0 * i + 8, 15.0)
    boxes[text.index("|", 6)] = (0, 80.0, 4.0, 110.0, 16.0)  # the " | " opening the blank cell: its box
    doc = Document(text, list(range(len(text))), text, "pdf", "x.pdf", boxes=boxes)
    i = text.index("12")
    assert doc.locate(i, i + 2) == Place(1, [10.0 * i, 5.0, 10.0 * (i + 1) + 8, 15.0])
    blank = text.index("|  |") + 2
    assert doc.locate(blank, blank) == Place(1, [80.0, 4.0, 110.0, 16.0])  # the rule engine's empty span
    assert doc.locate(blank - 1, blank + 1) == Place(1, [80.0, 4.0, 110.0, 16.0])  # a span of its whitespace
    assert doc.locate(0, 0) is None  # nothing opens it
    plain = Document(text, list(range(len(text))), text, "txt", "x.txt")
    assert plain.locate(i, i + 2) is None


def test_a_span_over_two_pages_is_placed_on_the_page_with_most_of_it():
    text = "1234"
    boxes = [(0, 1, 1, 2, 2), (1, 5, 5, 6, 6), (1, 7, 5, 8, 6), (1, 9, 5, 10, 6)]
    doc = Document(text, [0, 1, 2, 3], text, "pdf", "x.pdf", boxes=boxes)
    assert doc.locate(0, 4) == Place(2, [5, 5, 10, 6])


def test_ocr_doubt_about_a_digit_lowers_the_cell_score():
    """A cell read by OCR scores the labeller's score times OCR's lowest score of its characters,
    so a digit OCR hesitated over makes a failed identity extraction doubt."""
    text = "总计 | 18"
    boxes = [(0, i, 0, i + 1, 1) for i in range(len(text))]
    scores = [None] * len(text)
    scores[-2:] = [0.99, 0.62]  # the "8" might be a "3"
    doc = Document(text, list(range(len(text))), text, "image", "x.png",
                   ocr=OcrInfo(boxes, 1, 0.9, scores), boxes=boxes)  # fmt: skip
    assert doc.locate(len(text) - 2, len(text)) == Place(1, [5, 0, 7, 1], 0.62)
    assert doc.locate(0, 2).ocr_score is None  # OCR read no score for them here


def test_text_pdf_ingest_keeps_a_box_per_printed_character():
    doc = ingest(FIXTURES / "ingest" / "report_tables.pdf")
    assert doc.boxes is not None and len(doc.boxes) == len(doc.original)
    assert all(b is not None for ch, b in zip(doc.original, doc.boxes, strict=True) if not ch.isspace() and ch != "|")


def test_boxes_are_measured_from_the_crop_box_as_the_page_is_shown(tmp_path, text_pdf_report):
    """A PDF page with a crop box (margins cut off): the box is where the number is on the page as a
    viewer shows it and pdfium renders it, not on the larger media box."""
    pdf = pdfium.PdfDocument(str(TEXT_PDF))
    left, bottom, right, top = pdf[1].get_mediabox()
    pdf[1].set_cropbox(left + 50, bottom + 100, right - 20, top - 60)
    cropped = tmp_path / "cropped.pdf"
    pdf.save(str(cropped))
    doc = ingest(cropped)
    i = doc.text.index("530.67")
    place = doc.locate(i, i + 6)
    x0, y0, x1, y1 = place.bbox
    uncut = text_pdf_report.cells["t2.fees.amount"].bbox
    assert place.page == 2 and place.bbox == pytest.approx([uncut[0] - 50, uncut[1] - 60, uncut[2] - 50, uncut[3] - 60])
    shown = pdfium.PdfDocument(str(cropped))[1]
    page = np.asarray(shown.render(scale=2).to_pil().convert("L"))
    assert (page[round(2 * y0) : round(2 * y1), round(2 * x0) : round(2 * x1)] < 128).mean() > 0.05
