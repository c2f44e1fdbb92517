"""Tables (gkml.rules.tables) on the real seeds, and on synthetic variants of their layouts.

The synthetic tables are generated from the cell catalogue, so every row label and column the
schema knows is exercised in every layout the seeds show, with distinct values that make a
misplaced cell visible.
"""

import pytest
from rules_support import cell_spans, cell_values, gold_cells, plain_label, seed_text, spans_of

from gkml.rules.tables import t3_printed_rows
from gkml.schema import CELLS, cols_of, row_label, rows_of, template_keys

# ---------------------------------------------------------------------------
# Real seeds


@pytest.mark.parametrize("n", ["000", "001", "004", "003"])
def test_every_cell_of_the_seed_matches_its_gold(n):
    got, gold = cell_values(seed_text(n)), gold_cells(n)
    assert len(gold) == 200
    wrong = {k: (got.get(k, "missing"), v) for k, v in gold.items() if got.get(k, "missing") != v}
    assert not wrong
    assert set(got) == set(gold)  # nothing read that the report does not print


def test_seed_000_nonzero_cells_are_the_printed_tokens():
    text = seed_text("000")
    spans = cell_spans(text)
    raw = {k: text[s.start : s.end] for k, s in spans.items()}
    assert raw["t2.licensing.decisions"] == "205"
    assert raw["t2.penalty.decisions"] == "716"
    assert raw["t2.fees.amount"] == "530.67"
    assert raw["t3.new.total"] == raw["t3.new.person"] == raw["t3.total.total"] == "12"
    assert raw["t3.granted.person"] == "10"
    assert raw["t3.other_other.person"] == raw["t3.other_other.total"] == "2"
    # the number printed under 行政处罚, not another "716"
    assert (
        text[spans["t2.penalty.decisions"].start - 6 : spans["t2.penalty.decisions"].start] == "行政处罚\n\n"
    )


# ---------------------------------------------------------------------------
# Synthetic reports in every layout, from the catalogue

LAYOUTS = {
    "pipes": lambda cells: " | ".join(cells) + " |",  # 001
    "markdown": lambda cells: "| " + " | ".join(cells) + " |",  # 003
    "cell_lines": lambda cells: "\n\n".join(cells),  # 000
    "cell_pipes": lambda cells: "|\n" + "\n".join(f"{c} |" for c in cells),  # 004
    "pdf": lambda cells: " ".join(cells),  # P05
}


def synthetic_report(template: str, layout: str, subtotals: bool) -> tuple[str, dict]:
    """A report whose cells hold distinct values (some decimal, negative or with a thousands
    separator), in one layout, with the 小计 column and rows or without."""
    emit = LAYOUTS[layout]
    split = layout == "cell_lines"
    lines, expected, counter = (
        ["示例镇2023年政府信息公开工作年度报告", "一、总体情况", "本年度工作有序开展。"],
        {},
        [0],
    )

    def values(keys: list[str]) -> list[str]:
        printed = []
        for key in keys:
            counter[0] += 1
            value = {"t2.fees.amount": 530.67, "t2v19.licensing.change": -3}.get(key, counter[0])
            value = 3830 if key.endswith("penalty.decisions") else value
            expected[key] = value
            printed.append("3,830" if value == 3830 else str(value))
        return printed

    group = [""]

    def row(label_text: str, keys: list[str]) -> None:
        """A row; a group label ("(三)不予公开") is printed on the group's first row only."""
        labels = label_text.split(" ", 1)
        if len(labels) == 2 and labels[0] == group[0]:
            labels = labels[1:]
        group[0] = label_text.split(" ", 1)[0]
        labels = labels if split else [" ".join(labels)]
        lines.append(emit(labels + values(keys)))

    prefix = "t2" if template == "2021" else "t2v19"
    lines.append("二、主动公开政府信息情况")
    for r in rows_of(prefix, template):
        cols = cols_of(prefix, r)
        lines.append(emit(["信息内容"] + [CELLS[f"{prefix}.{r}.{c}"].col_zh for c in cols]))
        row(plain_label(row_label(prefix, r)), [f"{prefix}.{r}.{c}" for c in cols])

    t3_cols = ["person", "business", "research", "social_org", "legal_org", "other_org"]
    t3_cols += ["org_subtotal", "total"] if subtotals else ["total"]
    header = [
        "申请人情况",
        "自然人",
        "法人或其他组织",
        "总计",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    lines += ["三、收到和处理政府信息公开申请情况", emit(header + (["小计"] if subtotals else []))]
    for r in t3_printed_rows(template):
        row(plain_label(row_label("t3", r)), [f"t3.{r}.{c}" for c in t3_cols])
        last_of = {"denied_query": "denied", "unable_unclear": "unable", "rejected_confirm": "rejected"}
        last_of["other_other"] = "other"
        if subtotals and r in last_of:
            row("小计", [f"t3.{last_of[r]}_subtotal.{c}" for c in t3_cols])

    lines += ["四、政府信息公开行政复议、行政诉讼情况", emit(["行政复议", "行政诉讼"])]
    lines.append(
        emit(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"])
    )
    lines.append(emit(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2))
    lines.append(emit(values([k for k in CELLS if k.startswith("t4.")])))
    lines += ["五、存在的主要问题及改进情况", "一是人员不足。", "六、其他需要报告的事项", "无。"]
    return ("\n\n" if split else "\n").join(lines) + "\n", expected


@pytest.mark.parametrize("subtotals", [False, True], ids=["25rows", "subtotals"])
@pytest.mark.parametrize("template", ["2021", "2019"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_synthetic_tables_in_every_layout(layout, template, subtotals):
    text, expected = synthetic_report(template, layout, subtotals)
    assert set(template_keys(template)) <= set(expected)
    got = cell_values(text)
    assert {k: got.get(k, "missing") for k in expected} == expected
    assert set(got) == set(expected)
    assert [lab for lab, _ in spans_of(text, "SEC")] == [f"SEC{i}" for i in range(1, 7)]


def test_unlabelled_rows_are_read_only_where_their_position_is_certain():
    rows = ["(二)部分公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |"]
    rows += [f"| 果{i} | {i} | 0 | 0 | 0 | 0 | 0 | {i} |" for i in range(2, 6)]  # four labels lost
    rows += ["5.属于三类内部事务信息 | 6 | 0 | 0 | 0 | 0 | 0 | 6 |"]
    got = cell_values("\n".join(rows) + "\n")
    names = [
        "partial",
        "denied_secret",
        "denied_law",
        "denied_safety",
        "denied_third_party",
        "denied_internal",
    ]
    assert [got[f"t3.{n}.person"] for n in names] == [1, 2, 3, 4, 5, 6]
    del rows[2]  # three rows for four places: not certain, not read
    got = cell_values("\n".join(rows) + "\n")
    assert "t3.denied_secret.person" not in got and got["t3.denied_internal.person"] == 6
