"""Reading a Word-made PDF's tables where a page break cuts a row (gkml.io.pdf), typeset by LibreOffice for real."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest

from gkml.io.pdf import Carry, _carry_over, pdf_text
from gkml.training.chains import corpus as C
from gkml.training.chains.document import Style
from gkml.training.synth.config import load_config

# Narrow label columns on a small page: table 3's rows stand tall, and Word lets a row break
# across pages, so a label starts on one page and ends on the next (seed 5's report 0: page 7's
# "3.要求提供" / "公开出版物"; with the header printed again on each page, "5.属于三" /
# "类内部事务信息" after the header).
TALL_ROWS = Style(page="B5", margins_mm=(30, 28, 25, 25), vertical_group="wide", label_share=0.3, table_width=0.9,
                  footer="")  # fmt: skip


@pytest.mark.parametrize(("repeat_header", "label"), [(False, "3.要求提供公开出版物"), (True, "5.属于三类内部事务信息")])
def test_a_row_label_cut_by_a_page_break_is_joined_to_its_row(tmp_path, repeat_header, label):
    config = load_config()
    d = C.draw(0, 5, config)
    assert d.template == "2021"
    style = dataclasses.replace(TALL_ROWS, repeat_header=repeat_header)
    C.build(0, 5, config, ["pdfplumber-ingest"], keep=tmp_path, style=style, indices=[0])
    text, _, boxes = pdf_text((tmp_path / "pdf" / f"{d.id}.pdf").read_bytes())
    lines = text.split("\n")
    rows = [line for line in lines if line.startswith(label + " | ")]
    assert len(rows) == 1 and len(rows[0].split(" | ")) == 8  # the label and its seven cells ("/" printed blank)
    at = text.index(rows[0])
    pages = [boxes[at + k][0] for k in range(len(label))]
    assert pages[0] < pages[-1]  # the label's rest keeps where it was printed: the next page
    assert not [line for line in lines if re.fullmatch(r"[ |]*[^\s|\d]+(?: \| ?)+", line)]  # no row of a label's rest


def test_a_row_label_cut_by_a_page_break_in_an_unruled_table_is_joined_to_its_row(tmp_path):
    # Without rules, the rest of "2.申请人逾期未按收费…" opens the next page in lines of its own
    # after the table's header printed again; it goes back after the label's last line
    style = Style(page="B5", margins_mm=(20, 20, 20, 20), ruled=False, repeat_header=True, vertical_group="rotated",
                  label_share=0.33, table_width=0.95)  # fmt: skip
    config = load_config()
    d = C.draw(0, 5, config)
    C.build(0, 5, config, ["pdfplumber-ingest"], keep=tmp_path, style=style, indices=[0])
    text, _, boxes = pdf_text((tmp_path / "pdf" / f"{d.id}.pdf").read_bytes())
    lines = text.split("\n")
    k = lines.index("人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请")
    assert lines[k - 1].startswith("2.申请 | ")
    at = text.index("人逾期未按")
    assert boxes[at][0] + 1 == boxes[at + 3][0]  # "未按…" keeps where it was printed: the next page
    assert "申请" not in lines[k + 1 :] and "公开申请" not in lines[k + 1 :]


def _scanned(data: bytes, pages: list[int]) -> bytes:
    """The PDF's ``pages`` printed as images only, at 200 dpi: a scan that OCR must read."""
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument(data)
    images: list[Image.Image] = [pdf[i].render(scale=200 / 72).to_pil().convert("RGB") for i in pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=200, save_all=True, append_images=images[1:])
    return out.getvalue()


def _page(text: str, page: int) -> list:
    return [(page, float(k), 0.0, k + 1.0, 1.0) if ch not in "\n " else None for k, ch in enumerate(text)]


def test_a_cut_label_goes_to_the_last_row_of_the_page_before_past_its_footer():
    before = "(三)不予公开 | 5.属于三 | 0 | 0 | 7\n— 3 —"
    after = "6.属于四类过程性信息 | 0 | 0 | 0"
    rest = "类内部事务信息"
    (text1, boxes1), (text2, _) = _carry_over([(before, _page(before, 2), None), (after, _page(after, 3), Carry(rest, _page(rest, 3)))])
    assert text1 == "(三)不予公开 | 5.属于三类内部事务信息 | 0 | 0 | 7\n— 3 —"
    assert text2 == after
    at = text1.index(rest)
    assert [b[0] for b in boxes1[at - 1 : at + 2]] == [2, 3, 3] and len(boxes1) == len(text1)


def test_a_cut_label_stays_a_line_of_its_own_where_the_page_before_ends_in_prose():
    before = "5.属于三 | 0 | 0\n本机关在2024年度共收到政府信息公开申请7件,均已按时答复。"
    after = "6.属于四类过程性信息 | 0 | 0"
    rest = "类内部事务信息"
    (text1, _), (text2, boxes2) = _carry_over([(before, _page(before, 0), None), (after, _page(after, 1), Carry(rest, _page(rest, 1)))])
    assert text1 == before
    assert text2 == rest + "\n" + after and len(boxes2) == len(text2)


def test_a_cut_label_goes_after_the_line_its_label_wrapped_to_below_its_values():
    before = "(六)其他处 1.申请人无正当理由 | -- | —\n理 逾期不补正、行政机\n— 5 —"
    after = "2.申请人逾期未按收费 | 0 | 0"
    rest = "关不再处理其政府信息公开申请"
    (text1, _), _ = _carry_over([(before, _page(before, 4), None), (after, _page(after, 5), Carry(rest, _page(rest, 5)))])
    assert text1.split("\n")[1] == "理 逾期不补正、行政机关不再处理其政府信息公开申请"


def test_a_row_label_cut_by_a_page_break_is_joined_to_its_row_on_scanned_pages(tmp_path):
    # The same ruled table with its header printed again, its two pages about the break printed
    # as images only: OCR reads the rest as a row of empty slots after the header (" |  | 类内部事务信息 |  |  …");
    # it goes back to its row too, and keeps where OCR saw it (gkml.io.pdf._ocr_rest)
    config = load_config()
    d = C.draw(0, 5, config)
    label = "5.属于三类内部事务信息"
    C.build(0, 5, config, ["pdfplumber-ingest"], keep=tmp_path, style=dataclasses.replace(TALL_ROWS, repeat_header=True),
            indices=[0])  # fmt: skip
    data = (tmp_path / "pdf" / f"{d.id}.pdf").read_bytes()
    text, _, boxes = pdf_text(data)
    page = boxes[text.index(label) + len(label) - 1][0]  # where the rest is printed
    text, ocr, boxes = pdf_text(_scanned(data, [page - 1, page]))
    assert ocr is not None and ocr.pages == 2
    lines = text.split("\n")
    rows = [line for line in lines if line.startswith(label + " | ")]
    assert len(rows) == 1 and len(rows[0].split(" | ")) == 8
    at = text.index(rows[0])
    assert [boxes[at + k][0] for k in (0, len(label) - 1)] == [0, 1]  # "5.属于三" on the first page, "…信息" on the next
    assert ocr.boxes[at + len(label) - 1][0] == 1 and ocr.scores[at + len(label) - 1] is not None
    assert not [line for line in lines if re.fullmatch(r"[ |]*[^\s|\d]+(?: \| ?)+", line)]  # no row of a label's rest


def _rest(rest: str, values: list[str], page: int) -> Carry:
    return Carry(rest, _page(rest, page), tuple((v, _page(v, page)) for v in values))


def test_digits_of_numbers_that_wrapped_in_their_cells_go_back_with_the_label():
    # "25" / "4" and "26" / "1": numbers that wrapped in narrow cells, cut by the page break with the label
    before = "2.申请人逾期 | 25 | 2 | 0 | 0 | 2 | 3 | 7 | 26\n6"
    after = "3.其他 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0"
    rest = _rest("未按收费通知要求缴纳费用", ["4", "", "", "", "", "", "", "1"], 6)
    (text1, boxes1), (text2, _) = _carry_over([(before, _page(before, 5), None), (after, _page(after, 6), rest)])
    assert text1 == "2.申请人逾期未按收费通知要求缴纳费用 | 254 | 2 | 0 | 0 | 2 | 3 | 7 | 261\n6"
    assert text2 == after and len(boxes1) == len(text1)
    at = text1.index("254")
    assert [b[0] for b in boxes1[at : at + 3]] == [5, 5, 6]  # each digit where it was printed


def test_digits_that_fit_no_cell_of_the_row_before_stay_on_a_line_of_their_own():
    before = "2.申请人逾期 | 25 | 2 | 26\n6"  # three values; the rest has eight slots
    after = "3.其他 | 0 | 0 | 0"
    rest = _rest("未按收费通知要求缴纳费用", ["4", "", "", "", "", "", "", "1"], 6)
    (text1, _), (text2, boxes2) = _carry_over([(before, _page(before, 5), None), (after, _page(after, 6), rest)])
    assert text1 == before  # no digit is dropped, none goes to a cell it was not printed in
    assert text2.split("\n")[0] == "未按收费通知要求缴纳费用 | 4 |  |  |  |  |  |  | 1" and len(boxes2) == len(text2)


def test_numbers_that_wrapped_in_a_row_cut_by_a_page_break_are_whole_again_from_text_and_from_ocr(tmp_path):
    # Seed 17's report 1 (the scan set's mix, bench/scans.py): its row "2.申请人逾期未按收费…" prints
    # 254 and 261 in cells so narrow that "25" and "26" end a page and "4" and "1" open the next
    config = load_config(None, {"templates": {"2021": 0.6, "2019": 0.4, "none": 0.0}, "subtotals": 0.3,
                                "blanks": {"zero": 0.5, "empty": 0.3, "dash": 0.1, "slash": 0.05, "wu": 0.05}})  # fmt: skip
    d = C.draw(1, 17, config)
    assert (d.gold["t3.other_no_fee.person"], d.gold["t3.other_no_fee.total"]) == (254, 261)
    C.build(0, 17, config, ["pdfplumber-ingest"], keep=tmp_path, indices=[1])
    data = (tmp_path / "pdf" / f"{d.id}.pdf").read_bytes()
    row = "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 | 254 | 2 | 0 | 0 | 2 | 3 | 7 | 261"
    text, _, boxes = pdf_text(data)
    assert row in text.split("\n")
    at = text.index(row) + row.index("254")
    page = boxes[at + 2][0]
    assert [b[0] for b in boxes[at : at + 3]] == [page - 1, page - 1, page]
    text, ocr, boxes = pdf_text(_scanned(data, [page - 1, page]))
    assert ocr is not None and row in text.split("\n")
    at = text.index(row) + row.index("261")
    assert [ocr.boxes[at + k][0] for k in range(3)] == [0, 0, 1]
