"""Tests of reading Word files (gkml.io.docx): the WordprocessingML read directly, real DOCX/DOC/RTF
files made by LibreOffice from a real report, and the error records when a file cannot be read."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES, SAMPLES

from gkml.assemble.report import assemble
from gkml.io.document import IngestError
from gkml.io.docx import convert_to_docx
from gkml.io.ingest import _sniff, ingest
from gkml.predict import read_input
from gkml.rules import label
from gkml.schema import Report

SOFFICE = shutil.which("soffice")
SEED = SAMPLES / "001_eb0a65417e597162.txt"  # a real report whose tables were scraped as " | " rows
GOLD = FIXTURES / "001_eb0a65417e597162.gold.json"

_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')  # fmt: skip


def write_docx(path: Path, body: str, doctype: str = "") -> Path:
    """The smallest DOCX Word opens: content types, the package relationship, the document."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                   'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
                   'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'wordprocessingml.document.main+xml"/></Types>')  # fmt: skip
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')  # fmt: skip
        z.writestr("word/document.xml",
                   f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<w:document {_NS}><w:body>{body}'
                   "<w:sectPr/></w:body></w:document>")  # fmt: skip
    return path


def p(*runs: str, ppr: str = "") -> str:
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def r(text: str, rpr: str = "") -> str:
    return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'


def tc(text: str = "", pr: str = "") -> str:
    return f"<w:tc><w:tcPr>{pr}</w:tcPr>{p(r(text)) if text else '<w:p/>'}</w:tc>"


def tr(*cells: str) -> str:
    return f"<w:tr>{''.join(cells)}</w:tr>"


# --------------------------------------------------------------------------- the XML, read directly


def test_paragraphs_runs_and_what_word_does_not_print(tmp_path):
    body = (
        p(r("南丰镇"), r("2022"), r("年政府信息公开工作年度报告"))
        + p()  # an empty paragraph: no line, as an empty <p> on a web page
        + p(r("  全年收到依申请公开件"), r("１２"), r("件,"), "<w:r><w:tab/></w:r>", r("按时办结10件。"))
        + p(r("第一行"), "<w:r><w:br/></w:r>", r("第二行"))
        + p(r("可见"), r("隐藏的统计代码 999", "<w:rPr><w:vanish/></w:rPr>"), r("文字", "<w:rPr><w:vanish w:val='0'/></w:rPr>"))
        + p(r("修订后"), '<w:del w:id="1"><w:r><w:delText>删去的 888</w:delText></w:r></w:del>',
            '<w:ins w:id="2">' + r("插入的") + "</w:ins>")  # fmt: skip
        + p(r("文本框前"), "<w:r><mc:AlternateContent><mc:Choice Requires='wps'><w:drawing><w:txbxContent>"
            + p(r("框中文字")) + "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>"
            + p(r("框中文字")) + "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>")  # fmt: skip
        + '<w:sdt><w:sdtContent>' + p(r("内容控件里的段落")) + "</w:sdtContent></w:sdt>"
        + p(r("域结果"), '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>', r("3"), '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    )  # fmt: skip
    doc = ingest(write_docx(tmp_path / "report.docx", body))
    assert (doc.kind, doc.encoding) == ("docx", None)
    assert doc.text == (
        "南丰镇2022年政府信息公开工作年度报告\n"
        "全年收到依申请公开件12件, 按时办结10件。\n"  # full width made half width by normalise, as for every input
        "第一行\n第二行\n"
        "可见文字\n"
        "修订后插入的\n"
        "文本框前\n框中文字\n"  # once: the fallback copy of the text box is not read
        "内容控件里的段落\n"
        "域结果3\n"
    )
    i = doc.text.index("12件")
    assert doc.original[slice(*doc.original_span(i, i + 2))] == "１２"


def test_tables_read_like_html_tables(tmp_path):
    """gridSpan: one slot; vMerge continue: no slot (as under an HTML rowspan); empty cells stay
    slots, a closing bar when last; a one-cell row keeps its lines; a layout table is read as blocks."""
    merge = '<w:vMerge w:val="restart"/>'
    body = (
        "<w:tbl>"
        + tr(tc("第二十条第(一)项", '<w:gridSpan w:val="4"/>'))
        + tr(tc("信息内容"), tc("本年制发件数"), tc("本年废止件数"), tc("现行有效件数"))
        + tr(tc("规章"), tc("0"), tc(), tc("3"))
        + tr(tc("行政许可"), tc("205", '<w:gridSpan w:val="3"/>'))
        + tr(tc("行政事业性收费"), tc("530.67"), tc(), tc())
        + tr(tc(), tc(), tc(), tc())  # nothing printed: no line
        + "</w:tbl>"
        + "<w:tbl>"
        + tr(tc("三、本年度办理结果", merge), tc("(一)予以公开"), tc("10"), tc("10"))
        + tr(tc("", "<w:vMerge/>"), tc("(二)部分公开"), tc("2"), tc("2"))
        + tr(tc("", '<w:vMerge w:val="continue"/>'), tc("(三)不予公开"), tc(), tc("0"))
        + "</w:tbl>"
        + "<w:tbl>"
        + tr("<w:tc>" + p(r("外层表格里的标题")) + "<w:tbl>" + tr(tc("规章"), tc("1")) + "</w:tbl></w:tc>")
        + "</w:tbl>"
    )  # fmt: skip
    doc = ingest(write_docx(tmp_path / "tables.docx", body))
    assert doc.text == (
        "第二十条第(一)项\n"
        "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n"
        "规章 | 0 |  | 3\n"
        "行政许可 | 205\n"
        "行政事业性收费 | 530.67 |  |  |\n"
        "三、本年度办理结果 | (一)予以公开 | 10 | 10\n"
        "(二)部分公开 | 2 | 2\n"
        "(三)不予公开 |  | 0\n"
        "外层表格里的标题\n"
        "规章 | 1\n"
    )


def test_a_doctype_entity_is_not_expanded(tmp_path):
    doctype = '<!DOCTYPE w:document [<!ENTITY big "AAAAAAAAAA">]>'
    doc = ingest(write_docx(tmp_path / "entity.docx", p(r("前")) + p(r("&big;后")), doctype))
    assert "A" not in doc.text and doc.text.startswith("前\n")


def test_a_docx_under_another_name_is_read_by_its_bytes(tmp_path):
    path = write_docx(tmp_path / "report.bin", p(r("规章 | 0")))
    assert (ingest(path).kind, ingest(path).text) == ("docx", "规章 | 0\n")


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("cut.docx", lambda p: p.write_bytes(write_docx(p, p_text()).read_bytes()[:300]), "cannot read DOCX"),
        ("sheet.docx", lambda p: _zip(p, {"xl/workbook.xml": "<workbook/>"}), "ZIP container (xlsx, ofd, zip), not a Word"),
        ("bad.docx", lambda p: _zip(p, {"word/document.xml": "<w:document><w:body>"}), "damaged document XML"),
        ("empty.docx", lambda p: write_docx(p, p_empty()), "empty file: no text in the DOCX input"),
        ("locked.docx", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 60 + "EncryptedPackage".encode("utf-16-le")),
         "password-protected"),
        ("book.xls", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 60 + "Workbook".encode("utf-16-le")),
         "legacy Office file (xls, ppt), not a Word"),
        ("book.doc", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 60 + "Workbook".encode("utf-16-le")),
         "cannot read DOC file: an Office file with no Word document in it"),
    ],
)  # fmt: skip
def test_unreadable_word_files_are_error_records(tmp_path, name, make, message):
    path = tmp_path / name
    make(path)
    with pytest.raises(IngestError, match=re.escape(message)):
        ingest(path)
    record = read_input(str(path))
    assert isinstance(record, Report) and record.status == "error" and message in record.error


def p_text() -> str:
    return p(r("规章 | 0 | 0 | 0")) * 20


def p_empty() -> str:
    return p() + p(r("   "))


def _zip(path: Path, files: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)


# --------------------------------------------------------------------------- real Word files (LibreOffice)


def seed_html(text: str) -> str:
    """A real report as a web page: each run of " | " lines a <table>, each other line a <p>."""
    from html import escape

    out, rows = [], []

    def flush() -> None:
        if rows:
            cells = ["<tr>" + "".join(f"<td>{escape(c.strip())}</td>" for c in row) + "</tr>" for row in rows]
            out.append('<table border="1">' + "".join(cells) + "</table>")
            rows.clear()

    for line in text.split("\n"):
        if "|" in line:
            cells = line.split("|")
            rows.append(cells[:-1] if not cells[-1].strip() else cells)
        else:
            flush()
            if line.strip():
                out.append(f"<p>{escape(line.strip())}</p>")
    flush()
    return '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>' + "\n".join(out) + "</body></html>"


def soffice_convert(src: Path, targets: list[str], infilter: str) -> dict[str, Path]:
    """``src`` converted by LibreOffice into each of ``targets`` (docx, doc, rtf) beside it, the
    conversions side by side (each with its own profile)."""
    procs = []
    for target in targets:
        profile = src.parent / f"lo-profile-{target}"
        cmd = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", f"--infilter={infilter}",
               "--convert-to", target, "--outdir", str(src.parent), str(src)]  # fmt: skip
        env = {**os.environ, "HOME": str(profile)}
        procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
    for proc in procs:
        assert proc.wait(timeout=180) == 0
    return {t: src.with_suffix("." + t) for t in targets}


@pytest.fixture(scope="module")
def seed_files(tmp_path_factory) -> dict[str, Path]:
    """Seed 001 as a web page, and as the real DOCX and DOC files LibreOffice makes of it."""
    assert SOFFICE is not None, "LibreOffice (soffice) is missing: `make test` installs it (system-deps)"
    tmp = tmp_path_factory.mktemp("word")
    html = tmp / "001_eb0a65417e597162.html"
    html.write_text(seed_html(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    return {"html": html, **soffice_convert(html, ["docx", "doc"], "HTML (StarWriter)")}


def test_a_real_report_saved_as_docx_reads_every_gold_cell(seed_files):
    gold = json.loads(GOLD.read_text(encoding="utf-8"))["cells"]
    doc = ingest(seed_files["docx"])
    report = assemble(doc.text, label(doc.text))
    assert report.template == "2021" and len(gold) == 200
    assert {k: report.cells[k].value for k in gold if k in report.cells} == gold
    assert not any(c.inferred for c in report.cells.values())
    assert not [c for c in report.checks if not c.ok and c.severity == "error"]
    for key in ("t3.new.person", "t2.fees.amount"):  # a printed number is where the file prints it
        cell = report.cells[key]
        assert doc.original[slice(*doc.original_span(cell.start, cell.end))] == cell.raw


def test_word_tables_read_as_the_web_page_reads_them(seed_files):
    """LibreOffice makes the HTML rowspans/colspans Word merges; the rows read back as the HTML
    reader reads them, save the empty cells LibreOffice pads a short row with."""
    html = [line for line in ingest(seed_files["html"]).text.split("\n") if " | " in line]
    docx = [line for line in ingest(seed_files["docx"]).text.split("\n") if " | " in line]
    assert len(html) == len(docx) == 50
    padded = re.compile(r"( \|  \|| \|  )+$")
    assert [padded.sub("", line) for line in docx] == [padded.sub("", line) for line in html]
    assert sum(a != b for a, b in zip(html, docx, strict=True)) == 3  # three rows padded to the table's width


def test_a_doc_file_is_read_through_libreoffice(seed_files):
    doc = ingest(seed_files["doc"])
    assert doc.kind == "doc"
    assert doc.text == ingest(seed_files["docx"]).text


def rtf(text: str) -> str:
    return "".join(c if ord(c) < 128 else f"\\u{ord(c) - 65536 if ord(c) > 32767 else ord(c)}?" for c in text)


def test_an_rtf_file_named_doc_is_read_through_libreoffice(tmp_path):
    """Sites publish RTF as .doc: read by its bytes, its table row by row."""
    row = r"\trowd\cellx2500\cellx4000\cellx5500\cellx7000 "
    body = (rf"{{\rtf1\ansi\deff0{{\fonttbl{{\f0 SimSun;}}}}\f0 {rtf('二、主动公开政府信息情况')}\par "
            + row + rf"\intbl {rtf('信息内容')}\cell {rtf('本年制发件数')}\cell {rtf('本年废止件数')}\cell "
            + rf"{rtf('现行有效件数')}\cell\row " + row + rf"\intbl {rtf('规章')}\cell 0\cell \cell 3\cell\row "
            + r"\pard }")  # fmt: skip
    path = tmp_path / "report.doc"
    path.write_text(body, encoding="ascii")
    doc = ingest(path)
    assert doc.kind == "doc"
    assert doc.text == "二、主动公开政府信息情况\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n规章 | 0 |  | 3\n"


def test_wps_and_mislabelled_word_files_go_to_libreoffice(tmp_path):
    """WPS Office saves .wps in the Word binary format (a WordDocument stream); a .doc that is
    RTF, or a Word file under any name, is recognised by its bytes."""
    word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 56 + "WordDocument".encode("utf-16-le")
    assert [_sniff(word, ext) for ext in (".wps", ".doc", ".bin", "")] == ["doc"] * 4
    assert _sniff(b"{\\rtf1\\ansi {\\fonttbl}\\u35268?\\u31456?}", ".doc") == "doc"
    odt = tmp_path / "report.odt"  # OpenDocument text: its first member is the mimetype, stored
    _zip(odt, {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office:document-content/>"})
    assert _sniff(odt.read_bytes(), ".odt") == "doc"


def test_without_libreoffice_a_doc_file_is_an_error_record(tmp_path, monkeypatch):
    path = tmp_path / "report.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 56 + "WordDocument".encode("utf-16-le"))
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine where soffice is not on the PATH
    record = read_input(str(path))
    assert record.status == "error"
    assert "needs LibreOffice (soffice)" in record.error and "not installed" in record.error


def test_libreoffice_failures_are_error_records(tmp_path):
    # an OLE header naming a WordDocument stream, and nothing of a document after it
    junk = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 56 + "WordDocument".encode("utf-16-le") + bytes(range(256)) * 8
    with pytest.raises(IngestError, match="LibreOffice could not convert it"):
        convert_to_docx(junk, "DOC")
    with pytest.raises(IngestError, match=r"did not convert it within 0\.01 s"):
        convert_to_docx(junk, "DOC", timeout=0.01)
