"""A text that lost table 3's rows (values one to a line, column by column, as pdfminer prints a
PDF's table) is said to have lost them, and its table cells are doubtful; a text that kept them,
one value to a line or not, is not (gkml.assemble.order, called by gkml.assemble.report.assemble).
The pdfminer chain itself is checked end to end in tests/training/test_chains.py."""

from __future__ import annotations

import json
from pathlib import Path

from gkml.assemble.order import ORDER_LOST_SCORE, ROW_VALUES, lost_rows
from gkml.assemble.report import assemble
from gkml.rules import label
from gkml.schema import LOW_CONFIDENCE, VERDICTS, CellValue, cols_of, row_label, rows_of

ROOT = Path(__file__).resolve().parents[2]
GOLD = json.loads((ROOT / "tests" / "fixtures" / "000_7cbeb50e901d1ece.gold.json").read_text(encoding="utf-8"))
ROWS = rows_of("t3", "2021", standard_only=True)
COLS = cols_of("t3", standard_only=True)
HEAD = "三、收到和处理政府信息公开申请情况\n"
TAIL = "\n四、政府信息公开行政复议、行政诉讼情况\n本年度未发生行政复议、行政诉讼。\n"


def _value(row: str, col: str) -> str:
    return str(GOLD["cells"][f"t3.{row}.{col}"])


def _row_by_row() -> str:
    """Table 3 of a seed report as a scraper prints a web page's table: a cell to a line, row by row."""
    return HEAD + "\n".join(row_label("t3", r) + "\n" + "\n".join(_value(r, c) for c in COLS) for r in ROWS) + TAIL


def _column_by_column() -> str:
    """The same table as pdfminer prints a PDF's: the labels, then each column's values in turn."""
    labels = "\n".join(row_label("t3", r) for r in ROWS)
    return HEAD + labels + "\n" + "\n\n".join("\n".join(_value(r, c) for r in ROWS) for c in COLS) + TAIL


def test_a_table_printed_row_by_row_a_cell_to_a_line_keeps_its_cells():
    text = _row_by_row()
    report = assemble(text, label(text))
    assert report.warnings == []
    t3 = {k: c for k, c in report.cells.items() if k.startswith("t3.")}
    assert len(t3) == len(ROWS) * len(COLS) and all(c.score >= LOW_CONFIDENCE for c in t3.values())
    assert sum(c.value == GOLD["cells"][k] for k, c in t3.items()) == len(t3)


def test_a_table_printed_column_by_column_is_said_to_have_lost_its_rows():
    text = _column_by_column()
    report = assemble(text, label(text))
    [warning] = report.warnings
    assert f"{len(ROWS) * len(COLS)} of them with no row label between" in warning
    assert "read the PDF itself" in warning
    read = [c for c in report.cells.values() if c.start is not None]
    assert read and all(c.score <= ORDER_LOST_SCORE for c in read)
    failed = [c for c in report.checks if not c.ok and c.id.startswith("T3")]
    assert all(c.verdict == VERDICTS[0] for c in failed)  # extraction doubt, never the report's inconsistency
    # where the warning points is the run of values itself
    start, end = (int(x) for x in warning.split("(text ")[1].split(")")[0].split("-"))
    assert text[start:end].split() == [_value(r, c) for c in COLS for r in ROWS]


def _cells_over(text: str, first: str, last: str) -> dict[str, CellValue]:
    a, b = text.index(first), text.rindex(last)
    return {"t3.new.person": CellValue(0, "0", a, a + 1), "t3.total.total": CellValue(0, "0", b, b + 1)}


def test_a_row_then_a_page_footer_cut_in_two_is_no_lost_row():
    # pypdfium2 printed "- 3 -" as "-" and "3 -" right after a row of eight values printed one to a line
    text = "1.信访举报投诉类申请\n" + "\n".join("10000001") + "\n-\n3 -\n2.重复申请 0 0 0 0 0 0 0 0\n"
    assert lost_rows(text, _cells_over(text, "1\n", "0\n")) is None
    assert len("10000001") == ROW_VALUES


def test_blank_marks_and_page_footers_neither_count_nor_cut_a_run():
    values = "\n".join(["0", "—", "3", "-- —— —", "- 2 -", "第 3 页"] + ["1"] * (ROW_VALUES - 1))
    text = "(七)总计\n" + values + "\n四、结转下年度继续办理\n"
    lost = lost_rows(text, _cells_over(text, "0\n", "1\n"))
    assert lost is not None and lost.values == ROW_VALUES + 1
    assert text[lost.start : lost.end].startswith("0\n—\n3") and text[lost.start : lost.end].endswith("1")
