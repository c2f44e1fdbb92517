"""Tests of gkml.io.reading_order: a page set in two columns is read column by column, by the
PDF reader and by OCR; a page of one column, or an unruled table, is left as it is."""

import zipfile

import cv2

from gkml.io.ingest import ingest
from gkml.io.reading_order import in_reading_order
from gkml.training.chains.typeset import to_pdf
from gkml.training.synth.ocr_layout import pdf_to_images

LEFT = "本机关全年主动公开政府信息一千二百四十三条，其中政策解读八十篇，回应社会关切十五次。" * 3
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
RIGHT = "全年收到政府信息公开申请五十六件，办结率百分之百，未发生行政复议和行政诉讼。" * 3


def line(text: str, x: float, top: float, width: float = 10.0) -> tuple[str, list]:
    return text, [(x + i * width, top, x + (i + 1) * width, top + 10) for i in range(len(text))]


def joined(left: str, right: str, top: float) -> tuple[str, list]:
    a, b = line(left, 0, top), line(right, 300, top)
    return a[0] + " | " + b[0], a[1] + [None] * 3 + b[1]


def test_two_columns_read_left_then_right_in_bands():
    lines = [line("二〇二三年政府信息公开工作年度报告标题横跨两栏", 50, 0)]
    lines += [joined(f"左栏第{k}行的文字内容很长", f"右栏第{k}行的文字内容很长", 20 + 15 * k) for k in range(8)]
    ordered = [text for _, (text, _) in sorted(in_reading_order(lines, [r[0][1] for _, r in lines]))]
    assert ordered[0] == lines[0][0]  # the title across both columns: a band of its own
    assert ordered[1:] == [f"左栏第{k}行的文字内容很长" for k in range(8)] + [f"右栏第{k}行的文字内容很长" for k in range(8)]


def test_one_column_and_unruled_tables_stay_as_they_are():
    prose = [line("本机关全年主动公开政府信息一千二百四十三条其中政策解读八十篇", 0, 15 * k) for k in range(8)]
    rows = [joined(f"{k}.属于国家秘密的申请", "", 15 * k) for k in range(8)]
    table = [(t + "0   1   0   2", r + [(300 + 10 * i, r[0][1], 310 + 10 * i, r[0][1] + 10) for i in range(13)])
             for t, r in rows]  # fmt: skip
    for lines in (prose, table):
        tops = [r[0][1] for _, r in lines]
        assert in_reading_order(lines, tops) == list(zip(tops, lines, strict=True))


def test_a_two_column_page_from_word_through_pdf_and_ocr(tmp_path):
    """A report page set in two columns in Word, printed to PDF by LibreOffice: each column's
    sentences come out whole from the text layer and from the page scanned."""
    paragraph = '<w:p><w:r><w:t>{}</w:t></w:r></w:p>'
    body = (paragraph.format(LEFT) + '<w:p><w:r><w:br w:type="column"/></w:r></w:p>' + paragraph.format(RIGHT)
            + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:cols w:num="2" w:space="720"/></w:sectPr>')
    with zipfile.ZipFile(tmp_path / "two.docx", "w") as z:  # the least WordprocessingML Word writes
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>')
    pdf = to_pdf([tmp_path / "two.docx"], tmp_path)[tmp_path / "two.docx"]
    assert pdf is not None
    text = ingest(pdf).text.replace("\n", "")
    assert (LEFT + RIGHT).replace("，", ",") in text  # ingest gives full-width punctuation as ASCII
    cv2.imwrite(str(tmp_path / "two.png"), pdf_to_images(pdf.read_bytes(), 200)[0])
    scanned = ingest(tmp_path / "two.png").text.replace("\n", "")
    assert scanned.index("本机关全年主动公开") < scanned.index("全年收到政府信息公开申请")
    assert "一千二百四十三条,其中政策解读八十篇" in scanned  # a sentence of the left column, whole
