"""A table printed without rules comes out cell by cell, a cell printed as nothing an empty slot
where its column is (gkml.io.columns), from a text PDF's layer and from OCR of its scan alike."""

from __future__ import annotations

import pytest

from gkml.io.columns import closes_row, grid_rows
from gkml.io.ingest import ingest
from gkml.training.chains.typeset import to_pdf
from gkml.training.synth.ocr_layout import images_to_pdf, pdf_to_images

# Column centres of table 3's seven value columns, as LibreOffice set the unruled table of a
# scan-set report (data/scans: chain-7-000013-text.pdf, pdfplumber's words, PDF points).
COLUMNS = [257.9, 287.4, 314.6, 341.1, 368.0, 395.0, 418.5]


def line(label: str, values: dict[int, str], top: float = 500.0, x: float = 93.3) -> tuple[str, list]:
    """A printed line as pdfplumber gives it: the label's characters (10.5 pt), then each value
    centred on its column, one space between words; a space has no box."""
    text, rects = "", []
    for ch in label:
        text += ch
        rects.append((x, top, x + 10.5, top + 10.5))
        x += 10.5
    for col, value in sorted(values.items()):
        if text:
            text += " "
            rects.append(None)
        x0 = COLUMNS[col] - 2.6 * len(value)
        for k, ch in enumerate(value):
            text += ch
            rects.append((x0 + 5.2 * k, top, x0 + 5.2 * (k + 1), top + 10.5))
    return text, rects


def full(label: str, top: float) -> tuple[str, list]:
    return line(label, {c: "0" for c in range(7)}, top)


def texts(lines: list[tuple[str, list]]) -> list[str]:
    return [t for t, _ in grid_rows(lines)]


def test_a_row_missing_a_number_gets_an_empty_slot_in_its_column():
    lines = [
        full("2.重复申请", 500),
        line("请内容仍不", {0: "1", 1: "0", 2: "0", 4: "0", 5: "0", 6: "1"}, 515),  # 社会公益组织 printed as nothing
        line("", {1: "0", 2: "0", 3: "0", 4: "0", 5: "0", 6: "0"}, 530),  # 自然人 blank, the label on other lines
        full("(七)总计", 545),
        line("四、结转下年度", {c: "0" for c in range(6)}, 560),  # 总计 printed as nothing
    ]
    out = grid_rows(lines)
    assert [t for t, _ in out] == [
        "2.重复申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0",
        "请内容仍不 | 1 | 0 | 0 |  | 0 | 0 | 1",
        "  | 0 | 0 | 0 | 0 | 0 | 0",
        "(七)总计 | 0 | 0 | 0 | 0 | 0 | 0 | 0",
        "四、结转下年度 | 0 | 0 | 0 | 0 | 0 | 0 |  |",  # a closing bar after an empty last cell, as in HTML
    ]
    text, rects = out[1]
    assert len(rects) == len(text)
    blank = text.index("|  |") + 1  # the " | " before the empty cell is boxed where the cell is
    assert rects[blank][0] < COLUMNS[3] < rects[blank][2] and rects[blank][1] == 515
    one = text.index("1")
    assert rects[one] == lines[1][1][lines[1][0].index("1")]  # a printed number keeps its own box


def test_lines_of_another_table_or_prose_are_left_as_printed():
    heading = ("三、收到和处理政府信息公开申请情况", [(90.3 + 10.5 * k, 430, 100.8 + 10.5 * k, 440.5) for k in range(17)])
    lines = [
        line("行政事业性收费", {0: "9", 4: "-8"}, 400),  # table 2's own columns happen to fall on table 3's
        heading,  # printed across table 3's columns: nothing above it is one of its rows
        full("一、本年新收", 470),
        line("二、上年结转", {0: "3", 6: "3"}, 485),
        ("组织政务公开业务培训 1 次,参训人员100余人次。", [(90.0 + 10.5 * k, 700, 100.5 + 10.5 * k, 710.5) for k in range(26)]),
        line("", {3: "2"}, 760),  # a page number
    ]
    assert texts(lines) == [
        "行政事业性收费 9 -8",
        heading[0],
        "一、本年新收 | 0 | 0 | 0 | 0 | 0 | 0 | 0",
        "二、上年结转 | 3 |  |  |  |  |  | 3",
        lines[4][0],
        "2",
    ]


def test_a_page_footer_under_a_table_is_no_row_of_it():
    """The page number under a table's last row, the page's last lines, is no row of it, though
    centred on one of its columns (a pdfplumber page of a chain report: "— 4 —" as two lines)."""
    rows = [full("4.保护第三方合法权益", 600), line("5.属于三类内部事务信息", {c: "0" for c in range(7)}, 615)]
    footer = [line("", {3: "4"}, 660), line("", {2: "—", 4: "—"}, 675)]
    assert texts(rows + footer)[2:] == ["4", "— —"]


def test_numbers_closer_than_columns_are_no_grid():
    """Digits a character apart (a year, a phone number spaced out) never make columns."""
    spaced = ("2 0 2 4", [(300 + 5.2 * k, 500, 305.2 + 5.2 * k, 510.5) if k % 2 == 0 else None for k in range(7)])
    assert texts([spaced, line("", {0: "2", 2: "4"}, 515)]) == ["2 0 2 4", "2 4"]


UNRULED = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<p>三、收到和处理政府信息公开申请情况</p>
<table border="0" cellspacing="0" width="100%">
<tr><td width="34%">申请人情况</td><td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td>
<td>法律服务机构</td><td>其他</td><td>总计</td></tr>
<tr><td>一、本年新收政府信息公开申请数量</td><td>12</td><td>3</td><td>0</td><td>1</td><td>0</td><td>0</td><td>16</td></tr>
<tr><td>二、上年结转政府信息公开申请数量</td><td>2</td><td></td><td>0</td><td>0</td><td>0</td><td>0</td><td>2</td></tr>
<tr><td>(一)予以公开</td><td>7</td><td>2</td><td>0</td><td>1</td><td>0</td><td>0</td><td>10</td></tr>
<tr><td>(二)部分公开</td><td>/</td><td>/</td><td>/</td><td>/</td><td>/</td><td>/</td><td>/</td></tr>
<tr><td>(七)总计</td><td></td><td>3</td><td>0</td><td>1</td><td>0</td><td>0</td><td>4</td></tr>
</table>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
</body></html>
"""
ROWS = [  # the long labels wrap in their column: their numbers stand on a line of their own
    "12 | 3 | 0 | 1 | 0 | 0 | 16",
    "2 |  | 0 | 0 | 0 | 0 | 2",
    "(一)予以公开 | 7 | 2 | 0 | 1 | 0 | 0 | 10",
    "(二)部分公开 | / | / | / | / | / | / | /",  # OCR reads a "/" as 1 unless its slant says otherwise
    "(七)总计 |  | 3 | 0 | 1 | 0 | 0 | 4",
]


def _typeset(page: str, folder) -> bytes:
    """The HTML page made a PDF by LibreOffice."""
    html = folder / "page.html"
    html.write_text(page, encoding="utf-8")
    pdf = to_pdf([html], folder)[html]
    assert pdf is not None, "LibreOffice wrote no PDF"
    return pdf.read_bytes()


@pytest.fixture(scope="module")
def unruled_pdf(tmp_path_factory) -> bytes:
    """The table typeset without rules by LibreOffice, as organs' Word files print it."""
    return _typeset(UNRULED, tmp_path_factory.mktemp("unruled"))


def test_text_pdf_of_an_unruled_table_reads_cell_by_cell(unruled_pdf, tmp_path):
    path = tmp_path / "unruled.pdf"
    path.write_bytes(unruled_pdf)
    doc = ingest(path)
    lines = doc.text.splitlines()
    assert [ln for ln in lines if " | " in ln] == ROWS
    blank = doc.text.index("2 |  |") + 3  # 商业企业's cell of 上年结转, printed as nothing
    cell, head = doc.locate(blank, blank + 2), doc.locate(*(doc.text.index("商业企业") + k for k in (0, 4)))
    assert cell is not None and head is not None and cell.page == head.page == 1
    assert cell.bbox[0] < head.bbox[2] and cell.bbox[2] > head.bbox[0]  # under its column header


@pytest.mark.slow
def test_scan_of_an_unruled_table_reads_cell_by_cell(unruled_pdf, tmp_path):
    """The same page rendered at 200 dpi, image only, read by OCR."""
    scan = tmp_path / "unruled-scan.pdf"
    scan.write_bytes(images_to_pdf(pdf_to_images(unruled_pdf), 200))
    doc = ingest(scan)
    assert doc.ocr is not None
    rows = [ln for ln in doc.text.splitlines() if "|" in ln and any(ch.isdigit() or ch == "/" for ch in ln)]
    assert [ln.replace(" ", "") for ln in rows] == [r.replace(" ", "") for r in ROWS]


def test_a_row_with_a_label_and_an_empty_last_cell_is_closed():
    """An empty last cell gets a slot by a closing bar, also in a row that opens with the empty
    slots of a group label merged from the page before (chain-7-000005's 3.要求提供公开出版物,
    whose blank 总计 had no slot and was read from the 0 before it); a row of values alone may be
    the rest of a row a page break cut, and is left open."""
    assert closes_row(["(五)不予处理", "1.信访举报投诉类申请", "0", ""])
    assert closes_row(["", "", "3.要求提供公开出版物", "0", "0", ""])
    assert not closes_row(["", "", "0", "0", ""])
    assert closes_row(["0", "0", ""], whole=True)  # a ruled grid's row with a cell in every column
    assert not closes_row(["一、本年新收", "1", "0"])
    assert not closes_row(["(七)总计"])


def test_values_alone_under_a_header_one_character_per_line_take_its_columns():
    """Table 4 in narrow columns (chain-7-000013-text.pdf of the scan set): its fifteen headers
    stacked a character per line (结/果/维/持), and a row of four values, the others printed as
    nothing, that no other row lines up with. The characters standing apart mark the columns;
    before, "0 0 0 0" stayed four numbers in a line and table 4 was not read at all."""
    centres = [101.85 + 22.75 * k for k in range(15)]

    def spaced(chars: str, cols: list[int], top: float, width: float = 10.5) -> tuple[str, list]:
        text, rects = "", []
        for ch, col in zip(chars, cols, strict=True):
            if text:
                text, rects = text + " ", [*rects, None]
            text += ch
            rects.append((centres[col] - width / 2, top, centres[col] + width / 2, top + 10.5))
        return text, rects

    lines = [
        spaced("果果他未果果他未", [5, 6, 7, 8, 10, 11, 12, 13], 73.6),
        spaced("维纠结审计维纠结审计", [5, 6, 7, 8, 9, 10, 11, 12, 13, 14], 88.7),
        spaced("维纠结审", [0, 1, 2, 3], 96.3),
        spaced("持正果结持正果结", [5, 6, 7, 8, 10, 11, 12, 13], 103.8),
        spaced("持正果结", [0, 1, 2, 3], 111.4),
        spaced("0000", [0, 1, 2, 4], 118.9, width=5.8),  # 总计 of 行政复议: its header on the page before
        ("五、存在的主要问题及改进情况", [(90.3 + 10.5 * k, 154.6, 100.8 + 10.5 * k, 165.1) for k in range(14)]),
    ]
    out = texts(lines)
    assert out[5] == "0 | 0 | 0 |  | 0" + " | " * 10 + " |"
    assert out[:5] == [t for t, _ in lines[:5]] and out[6] == lines[6][0]
    # a row of values with no header above it is left as printed
    assert texts([lines[6], lines[5]])[1] == "0 0 0 0"


RULED_T4 = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
<table border="1" cellspacing="0" style="border-collapse:collapse;font-size:9pt">
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td><td rowspan="2">尚未审结</td>
<td rowspan="2">总计</td><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr>""" + "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>" * 2 + """</tr>
<tr>""" + "".join(f"<td>{v}</td>" for v in [1, 1, 0, 0, 2, 0, 1, 0, 0, 1] + [""] * 5) + """</tr>
</table>
<p style="text-align:center">— <span style="font-size:16pt">3</span> —</p>
</body></html>
"""


@pytest.fixture(scope="module")
def ruled_t4_pdf(tmp_path_factory) -> bytes:
    return _typeset(RULED_T4, tmp_path_factory.mktemp("t4"))


T4_ROW = "1 | 1 | 0 | 0 | 2 | 0 | 1 | 0 | 0 | 1 |  |  |  |  |  |"


def test_table_4s_row_with_blank_last_cells_keeps_every_slot_and_a_page_number_is_one_line(ruled_t4_pdf, tmp_path):
    """A ruled grid's row with a cell in every column is whole, so its blank last cell gets its
    slot even without a label (scan set chain-7-000005: 复议后起诉's 尚未审结 and 总计 were lost);
    a page number set larger than its dashes ("— 3 —", Word's footer) stays one line."""
    path = tmp_path / "t4.pdf"
    path.write_bytes(ruled_t4_pdf)
    lines = ingest(path).text.splitlines()
    assert T4_ROW in lines
    assert "— 3 —" in lines


@pytest.mark.slow
def test_scan_of_table_4s_row_with_blank_last_cells_keeps_every_slot(ruled_t4_pdf, tmp_path):
    """The same page rendered at 200 dpi, image only, read by OCR: the row with the most cells
    of its grid is whole."""
    scan = tmp_path / "t4-scan.pdf"
    scan.write_bytes(images_to_pdf(pdf_to_images(ruled_t4_pdf), 200))
    doc = ingest(scan)
    assert doc.ocr is not None
    assert T4_ROW.replace(" ", "") in [ln.replace(" ", "") for ln in doc.text.splitlines()]
