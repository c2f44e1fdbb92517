"""A table, or a row, printed with its labels and not one value comes out as printed blanks
(``null``), never "not found" nor a 0 inferred from the identities; and nothing is made blank
where a number is printed (gkml.assemble.blanks, called by gkml.assemble.report.read_cells)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from gkml.assemble.blanks import blank_cells
from gkml.assemble.report import assemble
from gkml.labels import Span
from gkml.rules import label
from gkml.schema import template_keys
from gkml.training.synth import load_config, make_report

ROOT = Path(__file__).resolve().parents[2]
P05 = (ROOT / "tests" / "fixtures" / "real" / "P05.txt").read_text(encoding="utf-8")  # a PDF text layer, 2021
SEED = (ROOT / "samples" / "001_eb0a65417e597162.txt").read_text(encoding="utf-8")  # " | " rows, 2021
# Every report prints one of its tables with labels only; none is inconsistent on purpose.
LABELS_ONLY = load_config(overrides={"labels_only": 1.0, "inconsistent": 0.0})


def table_of(key: str) -> str:
    return "t2" if key.startswith("t2v19.") else key.split(".")[0]


@cache
def labels_only(template: str, table: str, layout: str) -> dict:
    """The first synthetic report of ``template`` in ``layout`` whose ``table`` is printed with labels only."""
    for i in range(200):
        r = make_report(i, 31, LABELS_ONLY, layout)
        keys = [k for k in r["cells"] if table_of(k) == table]
        if r["template"] == template and all(r["cells"][k] is None for k in keys):
            return r
    raise AssertionError(f"no {template} report with {table} printed empty")


def printed_spans(record: dict) -> list[Span]:
    """A labeller that reads every printed character right, and nothing that is not printed: the
    gold spans of the characters, without the zero-length ones of cells printed as nothing."""
    return [Span(s["start"], s["end"], s["label"]) for s in record["spans"] if s["end"] > s["start"]]


def failed(report) -> list[tuple[str, str]]:
    return [(c.id, c.where) for c in report.checks if not c.ok]


@pytest.mark.parametrize("template", ["2021", "2019"])
@pytest.mark.parametrize("table", ["t2", "t3", "t4"])
@pytest.mark.parametrize("layout", ["pdf_text", "cell_lines", "pipes"])
def test_a_table_printed_with_labels_only_is_all_printed_blanks(template, table, layout):
    """pdf_text leaves an empty cell out altogether; cell_lines and pipes print some as nothing."""
    r = labels_only(template, table, layout)
    report = assemble(r["text"], printed_spans(r))
    empty = [k for k in template_keys(template) if table_of(k) == table]
    assert report.template == template
    assert [k for k in empty if k not in report.cells] == []  # none "not found"
    assert [k for k in empty if report.cells[k].value is not None or report.cells[k].inferred] == []
    assert all(report.cells[k].raw == "" for k in empty)
    assert failed(report) == []  # the identities hold: a blank counts 0
    # every other cell read as printed (a lone cell a PDF leaves out of a row of numbers stays not found)
    assert [k for k, c in report.cells.items() if c.value != r["cells"][k]] == []


@pytest.mark.parametrize("template", ["2021", "2019"])
def test_the_rule_labeller_reads_a_labels_only_table_as_blanks(template):
    r = labels_only(template, "t3", "pipes")
    report = assemble(r["text"], label(r["text"]))
    assert {k: c.value for k, c in report.cells.items()} == r["cells"]
    assert not any(c.inferred for c in report.cells.values()) and failed(report) == []


@pytest.mark.parametrize("template", ["2021", "2019"])
@pytest.mark.parametrize("layout", ["pdf_text", "cell_lines"])
def test_table_3_without_values_does_not_take_table_4s_numbers(template, layout):
    """Table 3's last row printed as its label alone ("四、结转下年度继续办理") right before table 4's
    header: the rules read table 3 blank and table 4's numbers as table 4's, not as that row's."""
    r = labels_only(template, "t3", layout)
    report = assemble(r["text"], label(r["text"]))
    t3 = [k for k in r["cells"] if table_of(k) == "t3"]
    assert {k: report.cells[k].value if k in report.cells else "not found" for k in t3} == dict.fromkeys(t3)
    t4 = [k for k in r["cells"] if table_of(k) == "t4" and k in report.cells]
    assert len(t4) >= 10  # a value OCR garbled ("1o") leaves its neighbours not found, never misplaced
    assert {k: report.cells[k].value for k in t4} == {k: r["cells"][k] for k in t4}


def test_table_4_printed_with_its_headers_only():
    r = labels_only("2021", "t4", "html")
    before = {k: c for k, c in assemble(r["text"], label(r["text"])).cells.items()}
    cells = blank_cells(r["text"], {k: c for k, c in before.items() if not k.startswith("t4.")}, "2021")
    assert sorted(cells) == sorted(k for k in template_keys("2021") if k.startswith("t4."))
    head = r["text"].index("复议后起诉")
    assert all(c.start == c.end and c.start > head for c in cells.values())  # where its header ends


# --------------------------------------------------------------------------- one row, on real text


def without_values(text: str, line_start: str) -> str:
    """``text`` with the numbers of the line starting ``line_start`` gone: the row printed as its label alone."""
    i = text.index("\n" + line_start) + 1
    end = text.index("\n", i)
    return text[:i] + re.sub(r"(?: \d+)+$", "", text[i:end]) + text[end:]


def test_one_row_printed_as_its_label_alone_is_blank():
    text = without_values(P05, "4.保护第三方合法权益")
    assert "\n4.保护第三方合法权益\n5.属于三类内部事务信息 7 1" in text
    report = assemble(text, label(text))
    row = {k: c for k, c in report.cells.items() if k.startswith("t3.denied_third_party.")}
    assert len(row) == 7 and all(c.value is None and not c.inferred for c in row.values())
    label_end = text.index("4.保护第三方合法权益") + len("4.保护第三方合法权益")
    assert {(c.start, c.end) for c in row.values()} == {(label_end, label_end)}
    original = assemble(P05, label(P05)).cells
    assert {k: c.value for k, c in report.cells.items() if "third_party" not in k} == {
        k: c.value for k, c in original.items() if "third_party" not in k}  # fmt: skip


def test_a_wrapped_label_printed_alone_is_blank_and_a_wrapped_label_with_values_is_not():
    """Text layers and OCR print a label its cell wrapped line by line, its numbers beside the
    middle line: "4.保护第三" / "方合法权益" alone is a blank row; "6.属于四类" / its numbers /
    "过程性信息" prints its values, and the row after it is not taken for a label alone."""
    text = without_values(P05, "4.保护第三方合法权益").replace("4.保护第三方合法权益", "4.保护第三\n方合法权益")
    text = text.replace("6.属于四类过程性信息 12 0 0 0 0 0 12", "6.属于四类\n12 0 0 0 0 0 12\n过程性信息")
    report = assemble(text, label(text))
    third = {k: c for k, c in report.cells.items() if k.startswith("t3.denied_third_party.")}
    assert len(third) == 7 and all(c.value is None and not c.inferred for c in third.values())
    assert [c.start for c in third.values()] == [text.index("方合法权益") + 5] * 7  # where the label ends
    assert not any(k.startswith("t3.denied_process.") and c.value is None for k, c in report.cells.items())


def test_the_last_row_printed_as_its_label_alone_before_table_4_is_blank():
    """The row a section heading ends ("四、结转下年度继续办理", then table 4's heading) is a whole row."""
    row = "四、结转下年度继续办理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"
    assert row in SEED
    text = SEED.replace(row, "四、结转下年度继续办理")
    report = assemble(text, label(text))
    last = {k: c for k, c in report.cells.items() if k.startswith("t3.carried_over.")}
    assert len(last) == 7 and all(c.value is None and not c.inferred for c in last.values())
    assert {k: c.value for k, c in report.cells.items() if "carried_over" not in k} == {
        k: c.value for k, c in assemble(SEED, label(SEED)).cells.items() if "carried_over" not in k}  # fmt: skip


def test_a_row_whose_numbers_are_printed_is_never_made_blank():
    # the labeller reads nothing of table 3: its rows print numbers, so none is blank
    spans = [s for s in label(P05) if not s.label.startswith("t3.")]
    report = assemble(P05, spans)
    assert [k for k, c in report.cells.items() if k.startswith("t3.") and not c.inferred] == []


def test_numbers_printed_after_all_the_labels_are_not_blanks():
    """Values extracted column by column (all labels, then all numbers): no row is a label alone."""
    lines = [line for line in P05.split("\n") if line.startswith(("1.", "2.", "3.", "4.", "5.", "6.", "7.", "8."))]
    labels = [re.sub(r"(?: \d+)+$", "", line) for line in lines[:8]]
    numbers = [" ".join(re.findall(r"\d+", line[2:])) for line in lines[:8]]
    text = "三、收到和处理政府信息公开申请情况\n" + "\n".join(labels + numbers) + "\n"
    assert blank_cells(text, {}, "2021") == {}


def test_ocr_garbage_with_numbers_in_a_table_is_not_made_blank():
    text = ("(三)不予公开\n1.属于国家秘密 2 O 0 0 l 0 2\n2.其他法律行政法规禁止公开 3O 1 0 0 0 0 31\n"
            "3.危及“三安全一稳定” 5 0 0 0 0 0 5\n")  # fmt: skip
    assert blank_cells(text, {}, "2021") == {}
    # misread digits the tokeniser does not take for numbers ("3B49", "O") are printed numbers all the same
    text = ("| 规章 | 1 | 0 | 9 |\n| 行政规范性文件 | 3 | 0 | 19 |\n| 行政许可 | 3B49 | | |\n| 行政处罚 | O | | |\n"
            "| 行政强制 | 81 | | |\n| 行政事业性收费 | 0 | | |\n")  # fmt: skip
    assert blank_cells(text, {}, "2021") == {}


def test_row_names_in_prose_or_headings_are_not_a_table():
    text = ("二、主动公开政府信息情况\n(一)行政许可\n本年度共办理行政许可事项,群众满意。\n(二)行政处罚\n"
            "依法公开行政处罚结果。\n(三)行政强制\n无。\n四、政府信息公开行政复议、行政诉讼情况\n"
            "本年度未发生行政复议、行政诉讼案件。\n")  # fmt: skip
    assert blank_cells(text, {}, "2021") == {}


def test_a_table_read_whole_is_left_as_it_is():
    report = assemble(SEED, label(SEED))
    cells = {k: c for k, c in report.cells.items() if not c.inferred}
    assert blank_cells(SEED, cells, "2021") == {}
    assert len(cells) == 200
