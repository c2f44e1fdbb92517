"""Tests of gkml.io.html: HTML pages read as lines, tables as rows, on real and messy markup."""

from conftest import FIXTURES as ALL_FIXTURES

from gkml.io.ingest import ingest

FIXTURES = ALL_FIXTURES / "ingest"


# --------------------------------------------------------------------------- HTML


def test_html_tables_become_rows():
    doc = ingest(FIXTURES / "report.html")
    assert (doc.kind, doc.encoding) == ("html", "utf-8")
    lines = doc.text.split("\n")
    for row in [
        "南丰镇2022年政府信息公开工作年度报告",
        "第二十条第(一)项",
        "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数",
        "规章 | 0 | 0 | 0",
        "行政规范性文件 | 0 | 0 | 0",  # unclosed <td>/<tr> tags
        "行政许可 | 205",
        "信息内容 | 本年收费金额 (单位:万元)",
        "行政事业性收费 | 530.67",
        "申请人情况 | 申请人情况",  # rowspan/colspan header: each cell once
        "自然人 | 法人或其他组织 | 总计",
        "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他",
        "一、本年新收政府信息公开申请数量 | 12 | 0 | 0 | 0 | 0 | 0 | 12",
        "全年收到依申请公开件12件,按时办结10件, 申请人撤回申请2件。",
        "通过“文明e起来”小程序累计处置反馈各类问题900余件&回访100%。",
    ]:
        assert row in lines
    for hidden in ["9999", "99 | 99", "888", "首页", "张家港市人民政府办公室", "隐藏", "MsoNormal", "DOCTYPE"]:
        assert hidden not in doc.text
    assert lines.index("二、主动公开政府信息情况") < lines.index("规章 | 0 | 0 | 0") < lines.index(
        "三、收到和处理政府信息公开申请情况")
    cjk = [i for i, c in enumerate(doc.text) if "\u4e00" <= c <= "\u9fff"]
    assert all(doc.original[doc.offsets[i]] == doc.text[i] for i in cjk)
    i = doc.text.index("530.67")
    assert doc.original[slice(*doc.original_span(i, i + 6))] == "530.67"
    i = doc.text.index("12件")
    assert doc.original[slice(*doc.original_span(i, i + 3))] == "１２件"
    i = doc.text.index("&回访")
    assert doc.original[slice(*doc.original_span(i, i + 1))] == "&amp;"
    sep = doc.text.index(" | 205")
    assert doc.original[doc.offsets[sep] : doc.offsets[sep] + 3] == "<td"


def test_html_messy_markup(tmp_path):
    """CRLF source, comments, a script holding tags, 3000 unclosed <font>, odd entities."""
    page = ("<html>\r\n<body>\r\n<!-- 注释 123 -->\r\n<p>第一段\r\n文字</p><script>if(a<b){w('</div>隐藏')}</script>\r\n<p>"
            + "<font>" * 3000 + "深层文字</p>\r\n<table><tr><td>规章<td>0<td>0</table>"
            + "<p>&#x4E2D;&#20013; &bogus; &copy 尾 AT&T</p></body></html>")
    target = tmp_path / "messy.html"
    target.write_bytes(page.encode("utf-8"))
    doc = ingest(target)
    assert doc.text == "第一段 文字\n深层文字\n规章 | 0 | 0\n中中 &bogus; © 尾 AT&T\n"
    assert all(doc.original[doc.offsets[i]] == c for i, c in enumerate(doc.text) if c not in " |\n中©")
    i = doc.text.index("©")
    assert doc.original[slice(*doc.original_span(i, i + 1))] == "&copy"


def test_html_empty_cells_keep_their_place(tmp_path):
    """An empty cell is the spaces between two bars, the last one too (a closing bar), so the
    numbers after a blank cell keep their column; leading blank cells stay at the line start."""
    page = ("<table><tr><td>规章</td><td>1</td><td>&nbsp;</td><td></td></tr>"
            "<tr><td></td><td></td><td>0</td><td>7</td></tr></table>")  # fmt: skip
    target = tmp_path / "blank.html"
    target.write_bytes(page.encode("utf-8"))
    doc = ingest(target)
    assert doc.text == "规章 | 1 |  |  |\n |  | 0 | 7\n"
    bar = doc.text.rindex("|", 0, doc.text.index("\n"))
    assert doc.original[doc.offsets[bar] :].startswith("</tr>")


def test_html_gb2312_page_and_sniffed_txt(tmp_path):
    page = (FIXTURES / "report.html").read_text(encoding="utf-8").replace("charset=utf-8", "charset=gb2312")
    gbk = tmp_path / "report.htm"
    gbk.write_bytes(page.encode("gb18030"))
    doc = ingest(gbk)
    assert (doc.kind, doc.encoding) == ("html", "gb18030")
    assert doc.text == ingest(FIXTURES / "report.html").text
    sniffed = tmp_path / "saved_page.txt"
    sniffed.write_bytes(page.encode("gb18030"))
    assert ingest(sniffed).kind == "html"
