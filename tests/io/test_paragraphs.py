"""Tests of gkml.io.paragraphs: a paragraph the page wrapped is read as one line again, from a
text layer and from a scan; headings, indented paragraphs and table rows keep their breaks."""

import re
from pathlib import Path

import cv2
import pytest

from gkml.io.ingest import ingest
from gkml.io.paragraphs import _columns, hard_wraps, joint, read_plain, reflow
from gkml.training.chains.typeset import to_pdf
from gkml.training.synth.ocr_layout import pdf_to_images

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
COUNTS = [f"{n}{unit}" for n, unit in zip(range(11, 99, 7), "条件篇份项册期场次个家处人", strict=False)]
PARAGRAPH = "本机关全年主动公开政府信息" + "、".join(f"公开各类文件{c}" for c in COUNTS) + "，均按时公开。"


def line(text: str, x: float, top: float, width: float = 10.0) -> tuple[str, list]:
    """A line set solid: one 10-point box per character from ``x``."""
    return text, [(x + i * width, top, x + (i + 1) * width, top + 10) for i in range(len(text))]


def full(text: str, x: float, top: float) -> tuple[str, list]:
    """A line from ``x`` to the right edge (x = 180) of the drawn page."""
    return line((text * 3)[: int((180 - x) / 10)], x, top)


def test_a_wrapped_paragraph_is_joined_and_other_breaks_stay():
    lines = [
        full("本机关全年主动公开政府信息一千二百", 20, 0),  # indented: a paragraph starts, runs to the edge
        full("四十三条其中政策解读八十篇回应关切", 0, 14),  # at the left edge, to the edge
        line("十五次。", 0, 28),  # the paragraph's last line: short, at the left edge
        line("二、主动公开政府信息情况", 0, 42),  # a heading after a short line
        full("全年收到政府信息公开申请五十六件办结", 0, 56),  # then a heading at the left edge: never joined
        line("三、收到和处理申请情况", 0, 70),
        full("本年新收申请数量一共五十六件全部办结", 0, 84),  # then a table
        None,  # a table's rows
        full("全年未发生行政复议和行政诉讼案件的情", 0, 120),  # the next line is far below
        line("况。", 0, 160),
        full("全年未发生行政复议和行政诉讼案件的情", 0, 174),  # the next is indented
        line("各部门各单位按时报送信息。", 20, 188),
    ]
    assert hard_wraps(lines) == [True, True, False, False, False, False, False, False, False, False, False]


def test_table_rows_and_unruled_columns_are_no_prose():
    row = ("本年新收政府信息公开申请数量", [(i * 10.0, 0, i * 10.0 + 10, 10) for i in range(14)])
    gap = ("1", [(300.0, 0, 305, 10)])  # a value a column away: an unruled table's row
    unruled = (row[0] + "   " + gap[0], row[1] + [None] * 3 + gap[1])
    piped = ("规章 | 0 | 0 | 0", [(i * 10.0, 20, i * 10.0 + 10, 30) for i in range(14)])
    after = line("全年收到政府信息公开申请五十六件", 0, 14)
    assert hard_wraps([unruled, after]) == [False]
    assert hard_wraps([line("全年收到政府信息公开申请五十六件", 0, 0), piped]) == [False]


def test_what_stands_between_two_lines_of_a_paragraph():
    assert joint("政府公报5", "期") == ""
    assert joint("公开信息", "1243 条") == ""
    assert joint("公开信息 12", "34 条") == " "  # two numbers: never glued into one
    assert joint("the annual", "report") == " "


def _html(tmp_path):
    table = "<table border='1'><tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>" \
            "<tr><td>行政规范性文件</td><td>3</td><td>1</td><td>12</td></tr></table>"  # fmt: skip
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><style>@page{size:120mm 200mm;margin:15mm}"
            "p{text-indent:2em;margin:0;font-size:11pt}</style></head><body>"
            f"<p>{PARAGRAPH}</p><p>一、主动公开政府信息情况</p>{table}<p>{PARAGRAPH}</p></body></html>")  # fmt: skip
    (tmp_path / "wrap.html").write_text(page, encoding="utf-8")
    pdf = to_pdf([tmp_path / "wrap.html"], tmp_path)[tmp_path / "wrap.html"]
    assert pdf is not None
    return pdf


def _paragraphs(text: str) -> list[str]:
    return [ln for ln in text.split("\n") if ln.startswith("本机关全年主动公开")]


def test_a_paragraph_wrapped_in_a_pdf_and_a_scan_is_read_whole(tmp_path):
    """A paragraph of counts typeset by LibreOffice on a narrow page wraps over many lines, some
    between a count and its counting word: read from the PDF, every count is whole, each
    paragraph one line, the heading and table rows lines of their own; read from its scan, each
    paragraph is one line too."""
    pdf = _html(tmp_path)
    text = ingest(pdf).text
    whole = PARAGRAPH.replace("，", ",")  # ingest gives full-width punctuation as ASCII
    assert _paragraphs(text) == [whole, whole]
    assert "\n一、主动公开政府信息情况\n" in text
    assert re.search(r"\n规章 \| 0 \| 0 \| 0\n行政规范性文件 \| 3 \| 1 \| 12\n", text)
    cv2.imwrite(str(tmp_path / "wrap.png"), pdf_to_images(pdf.read_bytes(), 200)[0])
    scanned = _paragraphs(ingest(tmp_path / "wrap.png").text)
    assert len(scanned) == 2
    assert all(c in scanned[0] for c in COUNTS[:6])  # a long line read by OCR, counts whole


def _wrapped(paragraph: str, columns: int = 40) -> list[str]:
    """``paragraph`` broken into lines of ``columns`` columns, as a PDF text extractor prints it."""
    lines, line = [], ""
    for ch in paragraph:
        if _columns(line + ch) > columns:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line]


@pytest.mark.parametrize("between", ["\n", "\n\n"], ids=["pdfium", "pdfminer"])
def test_plain_text_wrapped_by_a_page_is_read_as_paragraphs(tmp_path, between):
    """Text printed by an extractor (pypdfium2 and OCR a line per line, pdfminer a blank line
    after each): the paragraphs come out whole, a count cut from its counting word too;
    headings, table rows and lines of values stay lines, and every character still points at
    its place in the file."""
    paragraph = PARAGRAPH + "全年办结申请 436 件（含上年结转 25 件）。"
    lines = ["一、总体情况", *_wrapped(paragraph), "二、主动公开政府信息情况", "规章 0 0 0",
             "行政规范性文件 3 1 12", *_wrapped(paragraph), "3", "4", "三、收到和处理政府信息公开申请情况"]  # fmt: skip
    raw = between.join(lines) + "\n"
    assert any(re.search(r"\d$", ln) for ln in lines)  # a count cut by the wrap
    (tmp_path / "r.txt").write_text(raw, encoding="utf-8")
    doc = ingest(tmp_path / "r.txt")
    whole = PARAGRAPH.replace("，", ",") + "全年办结申请 436 件(含上年结转 25 件)。"
    assert doc.text.rstrip("\n").split(between) == ["一、总体情况", whole, "二、主动公开政府信息情况", "规章 0 0 0",
                                    "行政规范性文件 3 1 12", whole, "3", "4", "三、收到和处理政府信息公开申请情况"]  # fmt: skip
    assert all(doc.original[o] == ch or ch in ",()" for ch, o in zip(doc.text, doc.offsets, strict=True))


def test_text_with_a_paragraph_a_line_is_left_as_it_is():
    """A web page saved as text (the seeds): no common width, nothing joined."""
    for seed in sorted(SAMPLES.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        assert reflow(text) == (text, list(range(len(text))))


def test_ocr_lines_with_ascii_punctuation_are_as_wide_as_the_others():
    """RapidOCR prints a Chinese line's commas as ASCII ","; on the page they are as wide as a
    character, so a line of counts and commas is a full line, and the count it ends with joins
    its counting word (a held-out OCR page of `bench/chains.py`: "近300" / "份")."""
    lines = [
        "一是对政务公开工作的重要性认识不足,工作积极性和主动性有待提升。二是工作",
        "协调力度还不够,公开渠道多而不精,部门间的信息公开还不协同。一是进一步加",
        "强对《条例》的学习宣传,提高工作人员依法公开的意识和能力,推动政务公开工",
        "作规范化、制度化。二是健全工作机制,加强日常信息的收集、筛选与发布,确保",
        "公开内容准确、及时、规范。三是建立健全考核评价机制,将政务公开工作纳入年",
        "度目标考核,压紧压实工作责任。",
        "六、其他需要报告的事项",
        "2021年,我镇梳理公开事项1项,组织政务公开培训1期,发放宣传资料近300",
        "份,开展政府开放日活动3次,办理人大代表建议3件,编印政府公报2期,办理",
        "政协委员提案1件。",
    ]
    out, _ = reflow("\n".join(lines))
    assert out.split("\n") == ["".join(lines[:6]), lines[6], "".join(lines[7:])]


def test_a_page_break_between_a_count_and_its_counting_word_is_dropped_in_one_line_paragraphs():
    # OCR text read page by page: each paragraph one line, but a page break cuts one in two
    # between a count and its counting word (a held-out OCR draw of bench/chains.py, seed 51)
    para = "2024年,我乡通过政府门户网站主动公开人事任免信息7条、招录招聘信息79条、政府公报1期、政策文件17"
    raw = f"{para}\n件、公共资源配置信息27条。\n(二)依申请公开情况。2024年未收到申请。"
    text, offsets = read_plain(raw)
    assert text == f"{para}件、公共资源配置信息27条。\n(二)依申请公开情况。2024年未收到申请。"
    assert [raw[i] for i in offsets] == list(text)
    # a label and its value, a heading, a page footer keep their line breaks
    for kept in ("行政许可 22206\n第二十条第(六)项", f"{para}\n第5页", f"{para}\n(三)其他"):
        assert read_plain(kept)[0] == kept
