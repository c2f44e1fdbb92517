"""Cells and values (gkml.rules.cells): what is a value, blanks and empty cells in every layout,
layout lines that are not cells."""

from rules_support import cell_spans, cell_values, gold_cells, seed_text

from gkml.rules import label
from gkml.rules.cells import tokenise


def test_numbers_inside_row_labels_are_not_cells():
    text = seed_text("003")  # "| 一、本 | 年新收政府信息2 | 公开申请数量 | 0 | …"
    two = text.index("年新收政府信息2") + len("年新收政府信息")
    assert not any(s.start <= two < s.end for s in label(text))
    header = "信息内容 | 本年(2023)制发件数 | 本年(2023)废止件数 | 现行有效件数 |\n规章 | 1 | 2 | 3 |\n"
    assert cell_values(header) == {"t2.rules.issued": 1, "t2.rules.repealed": 2, "t2.rules.in_force": 3}


def test_blanks_printed_as_dash_and_slash_in_one_cell_per_line_layout():
    text = seed_text("000")
    row = "二、上年结转政府信息公开申请数量\n\n0\n\n0\n\n0\n\n"
    assert row in text
    variant = text.replace(row, "二、上年结转政府信息公开申请数量\n\n—\n\n/\n\n0\n\n")
    spans, values = cell_spans(variant), cell_values(variant)
    assert variant[spans["t3.carried_in.person"].start : spans["t3.carried_in.person"].end] == "—"
    assert variant[spans["t3.carried_in.business"].start : spans["t3.carried_in.business"].end] == "/"
    assert values["t3.carried_in.person"] is None and values["t3.carried_in.business"] is None
    assert {k: v for k, v in values.items() if v is not None or "carried_in" not in k} == {
        k: v
        for k, v in gold_cells("000").items()
        if k not in ("t3.carried_in.person", "t3.carried_in.business")
    }


def test_empty_pipe_cells_keep_their_position():
    text = seed_text("001")
    row = "行政规范性文件 | 0 | 0 | 0 |"
    variant = text.replace(row, "行政规范性文件 | 5 |  | 7 |").replace("行政许可 | 0 |", "行政许可 | 无 |")
    spans, values = cell_spans(variant), cell_values(variant)
    assert values["t2.normative.issued"] == 5 and values["t2.normative.in_force"] == 7
    empty = spans["t2.normative.repealed"]
    assert empty.start == empty.end and values["t2.normative.repealed"] is None
    assert variant[empty.start] == "|"  # at the cell's closing pipe, between 5 and 7
    assert variant[spans["t2.licensing.decisions"].start : spans["t2.licensing.decisions"].end] == "无"


def test_cells_between_pipe_lines_with_bare_pipes_as_empty_cells():
    text = "第二十条第(五)项 |\n||||\n信息内容 |\n上一年项目数量 |\n本年增/减 |\n处理决定数量 |\n|\n行政许可 |\n0 |\n|\n3 |\n|\n"
    assert cell_values(text) == {
        "t2v19.licensing.prev_items": 0,
        "t2v19.licensing.change": None,
        "t2v19.licensing.decisions": 3,
    }


def test_page_markers_and_markdown_rules_are_not_cells():
    cells = tokenise("| 行政许可 | 0 |\n|---|---|\n— 2 —\n- 4 -\n第 3 页\n第3页，共5页\n")
    assert [(c.kind, c.text) for c in cells if c.kind != "empty"] == [("text", "行政许可"), ("value", "0")]
