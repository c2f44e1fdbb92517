"""The rule baseline on the real seeds, and on synthetic variants of their layouts.

Seed gold (tests/fixtures/<stem>.gold.json) is hand-made; the synthetic tables are generated
from the cell catalogue, so every row label and column the schema knows is exercised in
every layout the seeds show, with distinct values that make a misplaced cell visible.
"""

import json
import re

import pytest
from conftest import FIXTURES, SAMPLES

from gkml.io.ingest import normalise
from gkml.labels import ENTITY_TYPES
from gkml.numbers import parse_cell
from gkml.rules.baseline import is_value, label, match_row, t3_printed_rows, tokenise
from gkml.schema import CELLS, cols_of, row_label, rows_of, template_keys

SEED = {p.name[:3]: p for p in SAMPLES.glob("*.txt")}


def seed_text(n: str) -> str:
    """The seed as the labeller sees it: normalised (002 has full-width forms and trailing blanks)."""
    return normalise(SEED[n].read_text(encoding="utf-8"))[0]


def cell_spans(text: str) -> dict:
    """key → span; fails on two spans for one key."""
    out = {}
    for s in label(text):
        if s.label in CELLS:
            assert s.label not in out, f"two spans for {s.label}"
            out[s.label] = s
    return out


def cell_values(text: str) -> dict:
    """key → parsed value of the span's text (an empty span is a printed blank)."""
    return {
        k: None if s.start == s.end else parse_cell(text[s.start : s.end])
        for k, s in cell_spans(text).items()
    }


def spans_of(text: str, kind: str) -> list[tuple[str, str]]:
    return [(s.label, text[s.start : s.end]) for s in label(text) if s.label.startswith(kind)]


def gold(n: str) -> dict:
    return json.loads((FIXTURES / f"{SEED[n].stem}.gold.json").read_text(encoding="utf-8"))


def gold_cells(n: str) -> dict:
    return gold(n)["cells"]


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


@pytest.mark.parametrize("n", sorted(SEED))
def test_spans_are_sorted_typed_and_cells_are_value_tokens(n):
    text = seed_text(n)
    spans = label(text)
    assert spans == sorted(spans, key=lambda s: (s.start, s.end, s.label))
    for s in spans:
        assert s.label in ENTITY_TYPES and 0 <= s.start <= s.end <= len(text)
        if s.label in CELLS:
            raw = text[s.start : s.end]
            assert s.start == s.end or (raw == raw.strip() and is_value(raw)), (s.label, raw)
    cell_spans(text)  # one span per key


def test_numbers_inside_row_labels_are_not_cells():
    text = seed_text("003")  # "| 一、本 | 年新收政府信息2 | 公开申请数量 | 0 | …"
    two = text.index("年新收政府信息2") + len("年新收政府信息")
    assert not any(s.start <= two < s.end for s in label(text))
    header = "信息内容 | 本年(2023)制发件数 | 本年(2023)废止件数 | 现行有效件数 |\n规章 | 1 | 2 | 3 |\n"
    assert cell_values(header) == {"t2.rules.issued": 1, "t2.rules.repealed": 2, "t2.rules.in_force": 3}


def test_narrative_report_002_has_sections_but_no_cells():
    text = seed_text("002")
    assert not cell_spans(text)
    assert [lab for lab, _ in spans_of(text, "SEC")] == ["SEC1", "SEC2", "SEC3", "SEC4", "SEC5"]
    assert ("SEC4", "五、申请行政复议和提起行政诉讼情况") in spans_of(text, "SEC")


# ---------------------------------------------------------------------------
# Sections, metadata, facts


@pytest.mark.parametrize("n", ["000", "001", "003", "004"])
def test_six_sections_in_order(n):
    text = seed_text(n)
    secs = spans_of(text, "SEC")
    assert [lab for lab, _ in secs] == [f"SEC{i}" for i in range(1, 7)]
    assert all(re.match(r"[一二三四五六]、", heading) for _, heading in secs)


def test_section_variants():
    text = seed_text("001")
    assert ("SEC5", "五、存在的主要问题及改进措施") in spans_of(text, "SEC")
    # the intro sentence lists every title; it is not a heading
    text = seed_text("000")
    intro = text.index("本报告由总体情况")
    line = (text.rfind("\n", 0, intro), text.index("\n", intro))
    assert not [s for s in label(text) if s.label.startswith("SEC") and line[0] < s.start < line[1]]
    # a heading glued by OCR to the paragraph before it, and headings without numbers
    glued = text.replace("900余件。\n\n二、主动公开", "900余件。二、主动公开")
    assert ("SEC2", "二、主动公开政府信息情况") in spans_of(glued, "SEC")
    bare = text.replace("一、总体情况", "总体情况").replace(
        "六、其他需要报告的事项", "(六)其他需要报告的事项"
    )
    assert [h for _, h in spans_of(bare, "SEC")][::5] == ["总体情况", "(六)其他需要报告的事项"]


def test_metadata_of_000_and_001():
    meta = dict(spans_of(seed_text("000"), "AGENCY") + spans_of(seed_text("000"), "YEAR"))
    meta.update(spans_of(seed_text("000"), "PUBDATE"))
    assert meta == {"AGENCY": "南丰镇", "YEAR": "2022", "PUBDATE": "2023-01-28"}
    text = seed_text("001")
    meta = dict(spans_of(text, "AGENCY") + spans_of(text, "YEAR") + spans_of(text, "PUBDATE"))
    assert meta == {"AGENCY": "甘州区人民政府西街街道办事处", "YEAR": "2023", "PUBDATE": "2024-01-11"}


def test_metadata_variants():
    title = "得荣县卫生健康局\n2019年政府信息公开工作年度报告\n一、总体情况\n"
    assert spans_of(title, "AGENCY") == [("AGENCY", "得荣县卫生健康局")]
    signed = "一、总体情况\n略。\n\n某某镇人民政府\n2023年1月28日\n"
    assert spans_of(signed, "PUBDATE") == [("PUBDATE", "2023年1月28日")]
    assert spans_of("某某镇人民政府\n\n  2023113\n", "PUBDATE") == []  # digits lost: left out


def test_facts_of_000_with_their_kinds():
    text = seed_text("000")
    facts = spans_of(text, "FACT")
    assert facts == [
        ("FACT.active", "800余条"),
        ("FACT.request", "12件"),
        ("FACT.request", "10件"),
        ("FACT.request", "2件"),
        ("FACT.interaction", "900余件"),
    ]


@pytest.mark.parametrize("n", sorted(SEED))
def test_facts_and_their_kinds_match_the_seed_gold(n):
    got = {(s.start, s.end): s.label for s in label(seed_text(n)) if s.label.startswith("FACT.")}
    assert got == {(f["start"], f["end"]): f"FACT.{f['kind']}" for f in gold(n)["facts"]}


def test_year_of_a_fragment_without_title():
    assert spans_of(seed_text("004"), "YEAR") == [("YEAR", "2025")]  # "存在问题:2025年,我镇…"


def test_no_facts_in_tables_or_list_announcements():
    assert spans_of(seed_text("004"), "FACT") == []  # "主要体现在三个方面:" announces a list
    assert all(
        "|" not in seed_text("001")[s.start - 3 : s.end + 3]
        for s in label(seed_text("001"))
        if s.label.startswith("FACT")
    )


# ---------------------------------------------------------------------------
# Blanks


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
    cells = tokenise("| 行政许可 | 0 |\n|---|---|\n— 2 —\n- 4 -\n")
    assert [(c.kind, c.text) for c in cells if c.kind != "empty"] == [("text", "行政许可"), ("value", "0")]


# ---------------------------------------------------------------------------
# Synthetic reports in every layout, from the catalogue

LAYOUTS = {
    "pipes": lambda cells: " | ".join(cells) + " |",  # 001
    "markdown": lambda cells: "| " + " | ".join(cells) + " |",  # 003
    "cell_lines": lambda cells: "\n\n".join(cells),  # 000
    "cell_pipes": lambda cells: "|\n" + "\n".join(f"{c} |" for c in cells),  # 004
    "pdf": lambda cells: " ".join(cells),  # P05
}


def _plain(row_zh: str) -> str:
    """A catalogue label as printed: without the catalogue's own notes in parentheses."""
    return re.sub(r" \((?:also|2019|第).*\)$", "", row_zh)


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
        row(_plain(row_label(prefix, r)), [f"{prefix}.{r}.{c}" for c in cols])

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
        row(_plain(row_label("t3", r)), [f"t3.{r}.{c}" for c in t3_cols])
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


def test_every_catalogue_row_has_a_pattern_that_recognises_its_label():
    from gkml.rules.baseline import Cell

    for key in CELLS:
        prefix, r, _ = key.split(".")
        if r.endswith("_subtotal") or prefix == "t4":
            continue
        printed = _plain(row_label(prefix, r))
        table = "t2" if prefix.startswith("t2") else "t3"
        assert match_row([Cell("text", 0, len(printed), printed)]) == (table, r), printed


def test_ocr_misread_labels_are_matched_to_the_catalogue_fuzzily():
    text = "(三)不予公开 | 1.属于国家秘蜜 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n二、上年结妆政府信息公开申请数量 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"
    got = cell_values(text)
    assert got["t3.denied_secret.person"] == 1 and got["t3.denied_secret.total"] == 1
    assert got["t3.carried_in.person"] == 2 and len(got) == 14


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


def test_empty_text_gives_no_spans():
    assert label("") == []
