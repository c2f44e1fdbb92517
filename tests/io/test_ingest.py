"""Tests of reading inputs (gkml.io.ingest and its readers) on real report texts and small real fixture files."""

import random
import re
from pathlib import Path

import pytest
from conftest import FIXTURES as ALL_FIXTURES
from conftest import SAMPLES, SHARED

from gkml.io import normalise as normalise_mod
from gkml.io.document import Document, IngestError
from gkml.io.ingest import MAX_BYTES, ingest
from gkml.io.normalise import MAX_BLANK_LINES, normalise

FIXTURES = ALL_FIXTURES / "ingest"
SEEDS = sorted(SAMPLES.glob("*.txt"))  # the five seed reports, as published
# the real fragments live outside the repository; their round trip runs where they are present
SIMPLIFIED_REAL = [p for p in sorted((SHARED / "real").glob("P*.txt")) if p.stem != "P15"]
P15 = FIXTURES / "P15_traditional.txt"  # a copy of shared real/P15.txt (traditional characters)

FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


def expected(raw: str) -> str:
    """What normalise must make of simplified text: only line-end, width and blank-line rules."""
    text = "\n".join(line.rstrip() for line in raw.replace("\r\n", "\n").split("\n"))
    longest = "\n" * (MAX_BLANK_LINES + 1)  # line breaks around the most empty lines kept
    return re.sub(longest + "\n+", longest, text).translate(FULLWIDTH)


def assert_traceable(doc: Document) -> None:
    """Every digit of the text sits at its offset in the original, as itself or its full-width form."""
    assert len(doc.offsets) == len(doc.text)
    for i, ch in enumerate(doc.text):
        orig = doc.original[doc.offsets[i]]
        if ch.isdigit():
            assert orig in (ch, chr(ord(ch) + 0xFEE0)), (i, ch, orig)


# --------------------------------------------------------------------------- plain text


@pytest.mark.parametrize("path", SEEDS + SIMPLIFIED_REAL, ids=lambda p: p.stem)
def test_simplified_reports_round_trip(path):
    raw = path.read_text(encoding="utf-8")
    doc = ingest(path)
    assert (doc.kind, doc.encoding, doc.source) == ("txt", "utf-8", str(path))
    assert doc.original == raw
    assert doc.text == expected(raw)  # OpenCC t2s changed nothing in simplified text
    assert_traceable(doc)
    assert all(doc.text[i] == raw[doc.offsets[i]] for i in range(len(doc.text)) if not raw[doc.offsets[i]].isspace()
               and not 0xFF01 <= ord(raw[doc.offsets[i]]) <= 0xFF5E)


def test_traditional_report_becomes_simplified_with_digits_unchanged():
    raw = P15.read_text(encoding="utf-8")
    doc = ingest(P15)
    assert doc.text.startswith("根据市政务服务和大数据管理局转发的《湖北省人民政府办公厅关于做好2020年政府信息公开年度报告")
    assert "行政许可 | 8 | 5 | 93 | ||" in doc.text
    assert "行政处罚 | 90 | 0 | 22 | ||" in doc.text
    assert "行政强制 | 4 | 4 | - | ||" in doc.text
    assert not set("據務開處罰強規範") & set(doc.text)
    assert len(doc.text) == len(raw)  # one simplified char per traditional char
    assert [c for c in doc.text if c.isdigit()] == [c for c in raw if c.isdigit()]
    i = doc.text.index("93 |")
    assert doc.original_span(i, i + 2) == (raw.index("93 |"), raw.index("93 |") + 2)
    i = doc.text.index("处罚")
    assert raw[slice(*doc.original_span(i, i + 2))] == "處罰"
    assert_traceable(doc)


@pytest.mark.parametrize(
    ("path", "encoding", "name", "detected"),
    [
        (SEEDS[1], "gbk", "report.txt", "gb18030"),
        (SEEDS[1], "gbk", "report-big5.md", "gb18030"),
        (SEEDS[0], "gb18030", "report_utf8", "gb18030"),
        (P15, "big5", "report.txt", "big5"),
        (P15, "big5", "report-gbk.csv", "big5"),
        (P15, "gbk", "report.dat", "gb18030"),
    ],
)
def test_legacy_encodings_detected_from_bytes(tmp_path, path, encoding, name, detected):
    target = tmp_path / name
    target.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    doc = ingest(target)
    assert doc.encoding == detected
    assert doc.text == ingest(path).text
    assert doc.original == path.read_text(encoding="utf-8")


def test_utf8_bom(tmp_path):
    target = tmp_path / "bom.txt"
    target.write_bytes(b"\xef\xbb\xbf" + SEEDS[3].read_bytes())
    doc = ingest(target)
    assert doc.encoding == "utf-8-sig"
    assert doc.text == ingest(SEEDS[3]).text
    assert not doc.original.startswith("\ufeff")


def test_fullwidth_digits_and_offsets():
    raw = "办理１２４３件（含“１２３４５”热线），占　９.６％。"
    text, offs = normalise(raw)
    assert text == "办理1243件(含“12345”热线),占 9.6%。"  # Chinese 。“” kept; U+FF01-FF5E become ASCII
    i = text.index("1243")
    assert [raw[o] for o in offs[i : i + 4]] == list("１２４３")
    assert offs[i : i + 4] == [2, 3, 4, 5]
    assert [raw[o] for o in offs] == [c for c in raw]


def test_line_ends_trailing_space_and_blank_runs(tmp_path):
    raw = "一、总体情况  \r\n\r\n \r\n\r\n\r\n收到１２件\u3000\r\n\u200b共计 530.67 万元\r末行" + "\n" * 40 + "尾"
    target = tmp_path / "crlf.txt"
    target.write_bytes(raw.encode("utf-8"))
    doc = ingest(target)
    # empty lines are kept (a blank cell among one-cell lines is one), a long run is cut
    assert doc.text == "一、总体情况\n\n\n\n\n收到12件\n共计 530.67 万元\n末行" + "\n" * (MAX_BLANK_LINES + 1) + "尾"
    i = doc.text.index("12件")
    assert doc.original[slice(*doc.original_span(i, i + 3))] == "１２件"
    j = doc.text.index("\n共计")
    assert doc.original[slice(*doc.original_span(j, j + 1))] == "\r\n"
    assert doc.original_span(3, 3) == (3, 3)


def test_t2s_fallback_keeps_one_char_per_char(monkeypatch):
    """If OpenCC changed a length (phrase tables), conversion falls back to char by char."""

    class Shrinking:
        def convert(self, text):
            return text.replace("行政處罰", "罚").replace("規", "规")

    normalise_mod._char_t2s.cache_clear()
    monkeypatch.setattr(normalise_mod, "_opencc", Shrinking)
    try:
        text, offs = normalise("規章 | 0\n行政處罰 | 716")
    finally:
        normalise_mod._char_t2s.cache_clear()
    assert text == "规章 | 0\n行政處罰 | 716"
    assert offs == list(range(len(text)))


# --------------------------------------------------------------------------- PDF and images


def test_text_pdf_tables_as_rows():
    doc = ingest(FIXTURES / "report_tables.pdf")
    assert (doc.kind, doc.encoding) == ("pdf", None)
    lines = doc.text.split("\n")
    assert "二、主动公开政府信息情况" in lines
    assert "规章 | 0 | 0 | 0" in lines
    assert "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数" in lines
    assert any(line.startswith("行政许可 | 205") for line in lines)
    assert any(line.startswith("行政事业性收费 | 530.67") for line in lines)
    assert "一、本年新收政府信息公开申请数量 | 12 | 0 | 0 | 0 | 0 | 0 | 12" in lines
    assert lines.index("二、主动公开政府信息情况") < lines.index("规章 | 0 | 0 | 0") < lines.index(
        "三、收到和处理政府信息公开申请情况")
    assert lines[-1].startswith("全年收到依申请公开件12件")
    i = doc.text.index("530.67")
    assert doc.original[slice(*doc.original_span(i, i + 6))] == "530.67"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("report_tables_truncated.pdf", "cannot read PDF: truncated"),
        # image-only inputs go to OCR (tests/test_ocr.py); these two have no text to find
        ("scan.pdf", "OCR found no text: the PDF has no text layer"),
        ("page.png", "OCR found no text in the image"),
    ],
)
def test_unreadable_fixtures(name, message):
    with pytest.raises(IngestError, match=re.escape(message)):
        ingest(FIXTURES / name)


def test_corrupt_pdf_and_other_binaries(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << >>\n%%EOF\n")
    with pytest.raises(IngestError, match="cannot read PDF"):
        ingest(bad)
    photo = tmp_path / "scan.JPG"
    photo.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    with pytest.raises(IngestError, match="cannot read image"):
        ingest(photo)
    docx = tmp_path / "report.docx"
    docx.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(40))
    with pytest.raises(IngestError, match="cannot read DOCX: damaged ZIP container"):  # tests/io/test_docx.py: the rest
        ingest(docx)


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b" \r\n\t\n  ", "empty file"),
        ("\u3000\u3000\n".encode(), "empty file"),
        (bytes(random.Random(7).randrange(256) for _ in range(4096)) + b"\x00", "binary file"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08abc", "binary file"),
        (b"\xd6\xd0\xce\xc4 report \xff\xfe\xff\x80\x80", "cannot decode: not UTF-8, GB18030 or Big5"),
        (b"\xa4\x40\x80\xff", "cannot decode: not UTF-8, GB18030 or Big5"),
        (b"%PDF-junk that never ends", "cannot read PDF"),
    ],
    ids=["empty", "whitespace", "ideographic-space", "random", "control", "undecodable", "undecodable2", "pdf-junk"],
)
def test_bad_inputs(tmp_path, content, message):
    target = tmp_path / "input.txt"
    target.write_bytes(content)
    with pytest.raises(IngestError, match=re.escape(message)):
        ingest(target)


def test_binary_named_pdf(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"\x00\x01garbage" * 50)
    with pytest.raises(IngestError, match="cannot read PDF: no %PDF header"):
        ingest(target)


def test_size_limit_checked_before_reading(tmp_path, monkeypatch):
    target = tmp_path / "big.txt"
    target.write_text("规章 | 0 | 0 | 0\n" * 20, encoding="utf-8")
    size = target.stat().st_size
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read before the size check"))
    with pytest.raises(IngestError, match=f"file too large: {size} bytes, the limit is 100 bytes"):
        ingest(target, max_bytes=100)
    assert MAX_BYTES == 50 * 1024 * 1024


def test_missing_path_and_directory(tmp_path):
    with pytest.raises(IngestError, match="no such file: .*nope.txt"):
        ingest(tmp_path / "nope.txt")
    with pytest.raises(IngestError, match="is a directory"):
        ingest(tmp_path)
