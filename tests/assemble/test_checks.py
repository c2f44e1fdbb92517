"""The identities (gkml.assemble.checks) on hand-made tables and on seed 000's real table and text."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from gkml.assemble.checks import (
    T3_ORG_COLS,
    narrative_statements,
    run_checks,
    split_hints,
    subtotal_items,
)
from gkml.schema import (
    CELLS,
    T3_APPLICANT_COLS,
    T3_OUTCOME_ROWS,
    T3_SUBTOTAL_ROWS,
    T4_GROUPS,
    T4_PARTS,
    CellValue,
    rows_of,
    template_keys,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def make_table(
    template: str = "2021",
    rows: dict[str, list[int]] | None = None,
    t4: dict[str, list[int]] | None = None,
    subtotals: bool = False,
) -> dict[str, int | float | None]:
    """A fully consistent report: given applicant values of some outcome rows and of
    carried_in / carried_over, derive (七)总计, 一 (new) and every 总计 column."""
    rows = rows or {}
    zero = [0] * len(T3_APPLICANT_COLS)
    t3: dict[str, list[int]] = {r: list(rows.get(r, zero)) for r in T3_OUTCOME_ROWS[template]}
    t3["carried_in"] = list(rows.get("carried_in", zero))
    t3["carried_over"] = list(rows.get("carried_over", zero))
    t3["total"] = [sum(col) for col in zip(*(t3[r] for r in T3_OUTCOME_ROWS[template]), strict=True)]
    t3["new"] = [t + o - i for t, o, i in zip(t3["total"], t3["carried_over"], t3["carried_in"], strict=True)]
    if subtotals:
        for sub in T3_SUBTOTAL_ROWS:
            if sub in rows_of("t3", template):
                items = subtotal_items(sub, template)
                t3[sub] = [sum(col) for col in zip(*(t3[r] for r in items), strict=True)]
    cells: dict[str, int | float | None] = {}
    for r, vals in t3.items():
        for c, v in zip(T3_APPLICANT_COLS, vals, strict=True):
            cells[f"t3.{r}.{c}"] = v
        cells[f"t3.{r}.total"] = sum(vals)
        if subtotals:
            cells[f"t3.{r}.org_subtotal"] = sum(
                v for c, v in zip(T3_APPLICANT_COLS, vals, strict=True) if c in T3_ORG_COLS
            )
    t4 = t4 or {}
    for g in T4_GROUPS:
        parts = t4.get(g, [0] * len(T4_PARTS))
        for p, v in zip(T4_PARTS, parts, strict=True):
            cells[f"t4.{g}.{p}"] = v
        cells[f"t4.{g}.total"] = sum(parts)
    for k in template_keys(template):
        if CELLS[k].table == 2:
            cells[k] = 0
    return cells


ROWS = {
    "granted": [10, 2, 0, 0, 1, 0],
    "partial": [3, 0, 0, 0, 0, 0],
    "denied_third_party": [1, 0, 0, 0, 0, 0],
    "unable_no_info": [4, 1, 0, 0, 0, 0],
    "other_other": [2, 0, 0, 0, 0, 0],
    "carried_in": [1, 0, 0, 0, 0, 0],
    "carried_over": [2, 1, 0, 0, 0, 0],
}
ROWS_2019 = {k: v for k, v in ROWS.items() if k != "other_other"} | {"other_single": [2, 0, 0, 0, 0, 0]}
T4 = {"review": [1, 1, 0, 1], "suit_direct": [0, 0, 0, 1]}


def by_id(checks):
    return Counter(c.id for c in checks)


def failed(checks):
    return [c for c in checks if not c.ok]


def get(checks, check_id, where):
    (c,) = [c for c in checks if c.id == check_id and c.where == where]
    return c


# --- a consistent table ------------------------------------------------------------------------


def test_consistent_2021_table_passes_every_identity():
    cells = make_table("2021", ROWS, T4)
    cells["t2.fees.amount"] = 530.67
    checks = run_checks(cells, "2021")
    assert failed(checks) == []
    assert by_id(checks) == {"T3-BALANCE": 7, "T3-OUTCOMES": 7, "T3-ROWSUM": 25, "T4-SUM": 3, "T2-NONNEG": 1}
    assert all(c.severity == "error" and c.note is None and c.delta == 0 for c in checks)


def test_check_fields():
    checks = run_checks(make_table("2021", ROWS, T4), "2021")
    bal = get(checks, "T3-BALANCE", "total")
    assert bal.cells == ["t3.new.total", "t3.carried_in.total", "t3.total.total", "t3.carried_over.total"]
    assert (bal.lhs, bal.rhs, bal.delta) == (27, 27, 0)  # 一 26 + 二 1 = (七) 24 + 四 3
    out = get(checks, "T3-OUTCOMES", "person")
    assert out.cells == ["t3.total.person"] + [f"t3.{r}.person" for r in T3_OUTCOME_ROWS["2021"]]
    assert len(out.cells) == 22
    row = get(checks, "T3-ROWSUM", "granted")
    assert row.cells == ["t3.granted.total"] + [f"t3.granted.{c}" for c in T3_APPLICANT_COLS]
    t4 = get(checks, "T4-SUM", "review")
    assert t4.cells == [
        "t4.review.total",
        "t4.review.upheld",
        "t4.review.corrected",
        "t4.review.other",
        "t4.review.pending",
    ]
    assert (t4.lhs, t4.rhs) == (3, 3)
    where = {c.where for c in checks if c.id == "T3-ROWSUM"}
    assert where == set(rows_of("t3", "2021", standard_only=True))


def test_one_wrong_number_breaks_exactly_its_identities():
    cells = make_table("2021", ROWS, T4)
    cells["t3.granted.person"] += 1
    checks = run_checks(cells, "2021")
    bad = failed(checks)
    assert sorted((c.id, c.where) for c in bad) == [("T3-OUTCOMES", "person"), ("T3-ROWSUM", "granted")]
    out = get(checks, "T3-OUTCOMES", "person")
    assert (out.lhs, out.rhs, out.delta) == (20, 21, -1)
    assert out.cells[0] == "t3.total.person" and "t3.granted.person" in out.cells
    row = get(checks, "T3-ROWSUM", "granted")
    assert (row.lhs, row.rhs, row.delta) == (13, 14, -1)
    assert "t3.granted.person" in row.cells
    assert all(c.note is None for c in bad)  # 11 is not one-digit: no split hint


def test_wrong_total_breaks_balance_rowsum():
    cells = make_table("2021", ROWS, T4)
    cells["t3.new.total"] += 2
    bad = failed(run_checks(cells, "2021"))
    assert sorted((c.id, c.where, c.delta) for c in bad) == [
        ("T3-BALANCE", "total", 2),
        ("T3-ROWSUM", "new", 2),
    ]


def test_t4_failure():
    cells = make_table("2021", ROWS, T4)
    cells["t4.suit_direct.total"] = 0
    bad = failed(run_checks(cells, "2021"))
    assert [(c.id, c.where, c.lhs, c.rhs, c.delta) for c in bad] == [("T4-SUM", "suit_direct", 0, 1, -1)]


def test_blank_counts_as_zero():
    cells = make_table("2021", ROWS, T4)
    zeros = [k for k, v in cells.items() if v == 0]
    for k in zeros:
        cells[k] = None
    checks = run_checks(cells, "2021")
    assert failed(checks) == []
    assert len(checks) == 43
    assert get(checks, "T3-BALANCE", "research").lhs == 0


def test_cell_value_objects_are_accepted():
    cells = {k: CellValue(value=v, raw=str(v)) for k, v in make_table("2021", ROWS, T4).items()}
    checks = run_checks(cells, "2021")
    assert len(checks) == 43 and failed(checks) == []


def test_missing_cells_skip_identities():
    cells = make_table("2021", ROWS, T4)
    del cells["t3.new.person"]
    del cells["t4.review.pending"]
    checks = run_checks(cells, "2021")
    assert failed(checks) == []
    assert by_id(checks) == {"T3-BALANCE": 6, "T3-OUTCOMES": 7, "T3-ROWSUM": 24, "T4-SUM": 2, "T2-NONNEG": 1}
    assert not [c for c in checks if (c.id, c.where) in {("T3-BALANCE", "person"), ("T3-ROWSUM", "new")}]
    assert not [c for c in checks if c.where == "review"]


def test_nothing_found_nothing_checked():
    assert run_checks({}, "2021") == []
    assert run_checks({}, "2019", text="") == []


def test_template_none_has_no_table_identities():
    assert run_checks(make_table("2021", ROWS, T4), "none") == []
    with pytest.raises(ValueError):
        run_checks({}, "2020")


def test_decimals_compare_exactly():
    cells = make_table("2021", ROWS, T4)
    cells["t2.fees.amount"] = 0.1 + 0.2
    (t2,) = [c for c in run_checks(cells, "2021") if c.id == "T2-NONNEG"]
    assert t2.ok and t2.lhs == 0


# --- 2019 template --------------------------------------------------------------------------


def test_2019_template():
    cells = make_table("2019", ROWS_2019, T4)
    cells["t2v19.licensing.change"] = -3  # 本年增/减 may be negative
    cells["t2v19.procurement.amount"] = 12.5
    checks = run_checks(cells, "2019")
    assert failed(checks) == []
    assert by_id(checks) == {"T3-BALANCE": 7, "T3-OUTCOMES": 7, "T3-ROWSUM": 23, "T4-SUM": 3, "T2-NONNEG": 1}
    out = get(checks, "T3-OUTCOMES", "total")
    assert len(out.cells) == 1 + 19
    assert "t3.other_single.total" in out.cells
    assert "t3.other_other.total" not in out.cells
    t2 = get(checks, "T2-NONNEG", "table2")
    assert "t2v19.licensing.change" not in t2.cells
    assert all(k.startswith("t2v19.") for k in t2.cells)


def test_2019_other_single_counts():
    cells = make_table("2019", ROWS_2019, T4)
    cells["t3.other_single.business"] = 1
    bad = failed(run_checks(cells, "2019"))
    assert sorted((c.id, c.where) for c in bad) == [
        ("T3-OUTCOMES", "business"),
        ("T3-ROWSUM", "other_single"),
    ]


def test_negative_2021_count_flagged():
    cells = make_table("2021", ROWS, T4)
    cells["t2.rules.issued"] = -1
    cells["t2.penalty.decisions"] = -4
    bad = failed(run_checks(cells, "2021"))
    assert len(bad) == 1
    (t2,) = bad
    assert (t2.id, t2.where, t2.lhs, t2.rhs, t2.delta) == ("T2-NONNEG", "table2", -4, 0, -4)
    assert t2.cells == ["t2.rules.issued", "t2.penalty.decisions"]


# --- subtotals (printed variant) --------------------------------------------------------------


def test_subtotals_consistent():
    cells = make_table("2021", ROWS, T4, subtotals=True)
    checks = run_checks(cells, "2021")
    assert failed(checks) == []
    n_rows = len(rows_of("t3", "2021"))  # 25 standard + 4 小计 rows
    assert n_rows == 29
    assert by_id(checks) == {
        "T3-BALANCE": 8,
        "T3-OUTCOMES": 8,
        "T3-ROWSUM": n_rows,
        "T3-SUBTOTAL": 4 * 8 + n_rows,
        "T4-SUM": 3,
        "T2-NONNEG": 1,
    }
    sub = get(checks, "T3-SUBTOTAL", "denied_subtotal.total")
    assert sub.cells[0] == "t3.denied_subtotal.total"
    assert len(sub.cells) == 1 + 8
    col = get(checks, "T3-SUBTOTAL", "granted.org_subtotal")
    assert col.cells == ["t3.granted.org_subtotal"] + [f"t3.granted.{c}" for c in T3_ORG_COLS]
    assert (col.lhs, col.rhs) == (3, 3)
    assert len(T3_ORG_COLS) == 5 and "person" not in T3_ORG_COLS


def test_subtotal_items_from_schema():
    assert len(subtotal_items("denied_subtotal", "2021")) == 8
    assert len(subtotal_items("unable_subtotal", "2021")) == 3
    assert len(subtotal_items("rejected_subtotal", "2021")) == 5
    assert len(subtotal_items("other_subtotal", "2021")) == 3


def test_subtotal_failures():
    cells = make_table("2021", ROWS, T4, subtotals=True)
    cells["t3.unable_subtotal.person"] += 1
    cells["t3.partial.org_subtotal"] = 1
    bad = failed(run_checks(cells, "2021"))
    assert sorted((c.id, c.where, c.delta) for c in bad) == [
        ("T3-OUTCOMES", "org_subtotal", -1),  # the 小计 column adds up its outcome rows too
        ("T3-ROWSUM", "unable_subtotal", -1),
        ("T3-SUBTOTAL", "partial.org_subtotal", 1),
        ("T3-SUBTOTAL", "unable_subtotal.person", 1),
    ]


def test_subtotals_not_double_counted_in_outcomes():
    cells = make_table("2021", ROWS, T4, subtotals=True)
    out = get(run_checks(cells, "2021"), "T3-OUTCOMES", "person")
    assert not any("_subtotal" in k for k in out.cells)


# --- split-number hint ----------------------------------------------------------------------


def test_split_number_hint():
    # printed row 一: 15 3 0 0 2 0 | 20 -- "15" read as "1 | 5": the rest shifts right by one,
    # the last 0 falls out of the row, and 总计 (at the end of the line) is still read right.
    cells = make_table("2021", {"granted": [15, 3, 0, 0, 2, 0]}, T4)
    assert cells["t3.new.total"] == 20
    for c, v in zip(T3_APPLICANT_COLS, [1, 5, 3, 0, 0, 2], strict=True):
        cells[f"t3.new.{c}"] = v
    checks = run_checks(cells, "2021")
    bad = {(c.id, c.where): c for c in failed(checks)}
    assert set(bad) == {
        ("T3-ROWSUM", "new"),
        ("T3-BALANCE", "person"),
        ("T3-BALANCE", "business"),
        ("T3-BALANCE", "research"),
        ("T3-BALANCE", "legal_org"),
        ("T3-BALANCE", "other_org"),
    }
    note = "t3.new.person and t3.new.business may be one number read as two (1|5 → 15)"
    assert all(c.note == note for c in bad.values())
    assert bad[("T3-ROWSUM", "new")].delta == 9
    assert all(c.note is None for c in checks if c.ok)
    assert split_hints(cells, "2021") == {"new": [([f"t3.new.{c}" for c in T3_APPLICANT_COLS], note)]}


def test_split_hint_example_from_brief():
    # "20" read as "2 | 0"
    cells = make_table("2021", {"granted": [20, 0, 0, 0, 0, 0]}, T4)
    cells["t3.new.person"] = 2
    (hint,) = split_hints(cells, "2021")["new"]
    assert hint[1] == "t3.new.person and t3.new.business may be one number read as two (2|0 → 20)"


def test_no_split_hint_when_merge_does_not_repair():
    cells = make_table("2021", ROWS, T4)
    cells["t3.partial.person"] = 4  # ROWSUM off by 1: no merge adds exactly 1
    checks = run_checks(cells, "2021")
    assert failed(checks) and all(c.note is None for c in checks)
    assert split_hints(cells, "2021") == {}


def test_no_split_hint_when_rowsum_holds():
    # the column identity fails but the row adds up: a report error, not a split number
    cells = make_table("2021", ROWS, T4)
    cells["t3.carried_over.person"] += 1
    cells["t3.carried_over.total"] += 1
    checks = run_checks(cells, "2021")
    assert [(c.id, c.where) for c in failed(checks)] == [("T3-BALANCE", "person"), ("T3-BALANCE", "total")]
    assert all(c.note is None for c in checks)


# --- X-NARRATIVE ------------------------------------------------------------------------------


def seed_000_cells() -> dict[str, int | float | None]:
    """Seed 000's tables 3 and 4 read in print order (one cell per line): 25 rows of 7, then 15."""
    text = next(SAMPLES.glob("000_*.txt")).read_text(encoding="utf-8")
    part = text[text.index("三、收到和处理政府信息公开申请情况") : text.index("五、存在的主要问题")]
    numbers = [int(x) for x in re.findall(r"^(\d+)$", part, flags=re.M)]
    t3_rows = [r for r in rows_of("t3", "2021", standard_only=True)]
    # print order: 一, 二, outcomes, (七)总计, 四 (the catalogue order of the 2021 template)
    keys = [f"t3.{r}.{c}" for r in t3_rows for c in (*T3_APPLICANT_COLS, "total")]
    keys += [f"t4.{g}.{c}" for g in T4_GROUPS for c in (*T4_PARTS, "total")]
    assert len(numbers) == len(keys) == 190
    return dict(zip(keys, numbers, strict=True))


def seed_000_text() -> str:
    return next(SAMPLES.glob("000_*.txt")).read_text(encoding="utf-8")


def test_seed_000_real_table_and_prose():
    cells = seed_000_cells()
    assert cells["t3.new.total"] == 12 and cells["t3.granted.total"] == 10
    checks = run_checks(cells, "2021", text=seed_000_text())
    assert failed(checks) == []
    narrative = [c for c in checks if c.id == "X-NARRATIVE"]
    assert len(narrative) == 1
    (x,) = narrative
    assert (x.where, x.ok, x.lhs, x.rhs, x.delta, x.severity) == ("new", True, 12, 12, 0, "warning")
    assert x.cells == ["t3.new.total"]
    assert x.note == "全年收到依申请公开件12件"


def test_seed_000_prose_mismatch_is_a_warning():
    cells = seed_000_cells()
    cells["t3.new.total"] = 10
    checks = run_checks({"t3.new.total": 10}, "none", text=seed_000_text())
    assert [(c.id, c.where, c.ok, c.lhs, c.rhs, c.delta, c.severity) for c in checks] == [
        ("X-NARRATIVE", "new", False, 12, 10, 2, "warning")
    ]


def test_narrative_phrases():
    text = (
        "本年新收政府信息公开申请12件,上年结转政府信息公开申请2件,结转下年度继续办理1件。"
        "因信息公开引起的行政复议3件,行政诉讼1件。"
    )
    cells = make_table("2021", ROWS, T4)
    checks = [c for c in run_checks(cells, "2021", text=text) if c.id == "X-NARRATIVE"]
    got = [(c.where, c.lhs, c.rhs, c.ok) for c in checks]
    assert got == [
        ("new", 12, cells["t3.new.total"], False),
        ("carried_in", 2, 1, False),
        ("carried_over", 1, 3, False),
        ("review", 3, 3, True),
        ("suit", 1, 1, True),
    ]
    suit = checks[-1]
    assert suit.cells == ["t4.suit_direct.total", "t4.suit_after_review.total"]
    assert suit.note == "行政诉讼1件"


@pytest.mark.parametrize(
    ("sentence", "kind", "value"),
    [
        ("收到政府信息公开申请12件", "new", 12),
        ("全年收到依申请公开件12件", "new", 12),
        ("本年度共受理政府信息公开申请12件", "new", 12),
        ("共收到政府信息公开申请十二件", "new", 12),
        ("本年度共收到政府信息公开申请0件", "new", 0),
        ("收到政府信息公开申请共计20余件", "new", 20),
        ("上年结转3件", "carried_in", 3),
        ("结转至下年度办理2件", "carried_over", 2),
        ("顺延至下一年答复2件", "carried_over", 2),
        ("发生行政复议案件2件", "review", 2),
        ("行政诉讼两件", "suit", 2),
    ],
)
def test_narrative_statement_kinds(sentence, kind, value):
    ((k, q, _),) = narrative_statements(sentence)
    assert (k, q.value) == (kind, value)


@pytest.mark.parametrize(
    "text",
    [
        "按时办结10件,申请人撤回申请2件",  # not 新收
        "收到申请并予以公开10件",  # a result, not the number received
        "本年度已答复的申请总数为0件",
        "行政复议和行政诉讼共3件",  # both at once: restates neither
        "处置反馈各类问题900余件",
        "一、本年新收政府信息公开申请数量 | 12件 | 0",  # table line
        "收到政府信息公开申请3条",  # not 件
        "第二十条",
    ],
)
def test_narrative_non_statements(text):
    assert narrative_statements(text) == []


def test_narrative_two_counts_in_one_clause():
    got = narrative_statements("行政复议31件、行政诉讼0件")
    assert [(k, q.value) for k, q, _ in got] == [("review", 31), ("suit", 0)]


def test_narrative_approximate_counts():
    text = "全年收到政府信息公开申请20余件"
    ok = run_checks({"t3.new.total": 25}, "none", text=text)
    assert [(c.ok, c.lhs, c.rhs, c.delta) for c in ok] == [(True, 20, 25, -5)]
    bad = run_checks({"t3.new.total": 15}, "none", text=text)
    assert [(c.ok, c.delta) for c in bad] == [(False, 5)]
    around = run_checks({"t3.new.total": 28}, "none", text="收到政府信息公开申请约30件")
    assert [c.ok for c in around] == [True]


def test_narrative_skipped_without_cell():
    assert run_checks({"t3.new.total": 12}, "none", text="行政复议1件") == []
    # suit needs both 诉讼 totals
    assert run_checks({"t4.suit_direct.total": 1}, "none", text="行政诉讼1件") == []


def test_narrative_in_real_fragment():
    text = "2023年度东湖街道办事处通过政府门户网站共办理并答复信息公开申请3件、纸质申请36件,顺延至下一年答复2件。因信息公开引起的行政复议31件,行政诉讼0件。"
    got = [(k, q.value) for k, q, _ in narrative_statements(text)]
    assert got == [("carried_over", 2), ("review", 31), ("suit", 0)]
    q = narrative_statements(text)[1][1]
    assert text[q.start : q.end] == "31件"


def test_every_key_used_is_in_the_catalogue():
    cells = make_table("2021", ROWS, T4, subtotals=True)
    checks = run_checks(cells, "2021", text=seed_000_text())
    assert {k for c in checks for k in c.cells} <= set(CELLS)
