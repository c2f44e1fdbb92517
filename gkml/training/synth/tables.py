"""The three standard tables as grids of cells with their merges, built from :mod:`gkml.schema`.

A grid is what the HTML of a report holds: rows of cells, a merged cell appearing once with its
colspan/rowspan.  Every layout renders from the same grid, so the layouts differ only in how a
real publishing chain flattens it (scraped cell by cell, joined with " | ", OCR'd into markdown,
extracted from a PDF), never in content.  Labels come from the catalogue's ``row_zh``/``col_zh``;
the few printed variants real tables use ("规范性文件", "本年(2023)制发件数", "商业 企业",
"1.举报投诉类申请") are chosen here.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from gkml.assemble.checks import subtotal_items
from gkml.schema import (
    CELLS,
    T3_CARRIED_IN,
    T3_CARRIED_OVER,
    T3_NEW,
    T3_ORG_SUBTOTAL_COL,
    T3_OUTCOME_ROWS,
    T3_SUBTOTAL_ROWS,
    T3_TOTAL_ROW,
)
from gkml.training.synth.values import cols_of, rows_of

# Table furniture: printed text that is not in the catalogue because it labels no cell.
T2_DEFAULT_CLAUSE = "第二十条第(一)项"  # the clause of 规章 / 规范性文件 (the only rows the catalogue leaves unmarked)
T2_ROW_HEAD = "信息内容"
T3_CAPTION = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"
T3_APPLICANTS = "申请人情况"
T3_SUBTOTAL = "小计"


@dataclass
class TCell:
    text: str
    label: str | None = None  # the cell key, for a value cell
    role: str = "value"  # value | row | head | title
    colspan: int = 1
    rowspan: int = 1


@dataclass
class Table:
    name: str  # t2 | t3 | t4
    rows: list[list[TCell]]
    width: int
    head: int  # header rows, repeated when the table breaks over a page (0: none)


# --------------------------------------------------------------------------- labels


_ANNOT = re.compile(r" \((第二十条[^ ]*项)\)$")
_ALSO = re.compile(r" \(also printed ([^)]*)\)$")
_NOTE = re.compile(r" \([^()]*[A-Za-z][^()]*\)$")


def row_parts(row_zh: str, rng: random.Random | None = None) -> tuple[list[str], str | None]:
    """Printed label parts of a catalogue row label, and its 条款 (table 2) if any.

    "(三)不予公开 1.属于国家秘密" → ["(三)不予公开", "1.属于国家秘密"];
    "行政许可 (第二十条第(五)项)" → ["行政许可"], "第二十条第(五)项";
    "…1.信访举报投诉类申请 (also printed 1.举报投诉类申请)" → either printing.
    """
    clause = None
    m = _ANNOT.search(row_zh)
    if m:
        clause, row_zh = m.group(1), row_zh[: m.start()]
    m = _ALSO.search(row_zh)
    if m:
        row_zh = row_zh[: m.start()]
        if rng is not None and rng.random() < 0.4:
            alt = m.group(1)
            row_zh = row_zh.rsplit(" ", 1)[0] + " " + alt if " " in row_zh else alt
    row_zh = _NOTE.sub("", row_zh)
    return row_zh.split(" "), clause


def _clause_text(rng: random.Random, clause: str) -> str:
    return clause.replace("条第", "条 第") if rng.random() < 0.3 else clause


def _head_text(rng: random.Random, text: str, year: int, wrap: bool) -> str:
    """A column header as printed: "本年(2023)制发件数" in some reports, "商业 企业" where the
    web page broke a narrow cell."""
    if text.startswith("本年") and rng.random() < 0.08:
        text = f"本年({year}){text[2:]}"
    if wrap and len(text) == 4 and rng.random() < 0.7:
        text = text[:2] + " " + text[2:]
    return text


def _value(tokens: dict[str, str], key: str) -> TCell:
    return TCell(tokens[key], key, "value")


# --------------------------------------------------------------------------- table 2


def table2(
    rng: random.Random, template: str, tokens: dict[str, str], year: int, notes: float = 0.0, extra_rows: float = 0.0
) -> Table:
    """Blocks per 条款: the clause line, the header line, the rows of that clause.

    With chance ``notes`` the table prints explanatory notes after its labels, as provincial
    templates do ("规章(仅设区的市级以上人民政府填报)", "本年增/减(减少用负数表示)"); with chance
    ``extra_rows`` a block gets a row the national template does not have ("其他主动公开文件",
    "行政确认"), whose numbers are no cell. Neither is drawn when its chance is 0.
    """
    prefix = "t2" if template == "2021" else "t2v19"
    blocks: list[tuple[str, list[str]]] = []
    for row in rows_of(prefix, template):
        first = CELLS[f"{prefix}.{row}.{cols_of(prefix, row)[0]}"]
        parts, clause = row_parts(first.row_zh)
        clause = clause or T2_DEFAULT_CLAUSE
        if not blocks or blocks[-1][0] != clause:
            blocks.append((clause, []))
        blocks[-1][1].append(row)
    width = 1 + max(len(cols_of(prefix, r)) for _, rows in blocks for r in rows)
    short_normative = rng.random() < 0.25
    annotated = bool(notes) and rng.random() < notes
    grid: list[list[TCell]] = []
    for clause, rows in blocks:
        grid.append([TCell(_clause_text(rng, clause), role="title", colspan=width)])
        cols = cols_of(prefix, rows[0])
        heads = [TCell(T2_ROW_HEAD, role="head")]
        for c in cols:
            head = _head_text(rng, CELLS[f"{prefix}.{rows[0]}.{c}"].col_zh, year, False)
            if annotated and rng.random() < 0.6:
                head += _head_note(rng, head, year)
            heads.append(TCell(head, role="head"))
        heads[-1].colspan = width - len(cols)
        grid.append(heads)
        for row in rows:
            keys = [f"{prefix}.{row}.{c}" for c in cols_of(prefix, row)]
            label = row_parts(CELLS[keys[0]].row_zh)[0][0]
            if short_normative and label == "行政规范性文件":
                label = "规范性文件"
            if annotated and rng.random() < 0.5:
                label += _row_note(rng)
            cells = [TCell(label, role="row"), *(_value(tokens, k) for k in keys)]
            cells[-1].colspan = width - len(keys)
            grid.append(cells)
        if extra_rows and rng.random() < extra_rows:
            grid.insert(len(grid) - rng.randint(0, 1), _extra_row(rng, len(cols), width, annotated))
    return Table("t2", grid, width, 0)


# Explanatory notes and rows beyond the national template, as provincial templates and organs
# print them: words to draw them from, never a value's label.
_NOTE_ITEMS = (
    "决定", "命令", "公告", "通告", "意见", "通知", "通报", "批复", "办法", "规定", "细则", "规范", "规程",
    "规则", "方案", "纪要", "行政确认", "行政奖励", "行政裁决", "行政给付", "行政检查", "行政征收",
    "公共服务事项", "备案", "审核转报", "部门文件", "政策解读", "工作动态",
)  # fmt: skip
_EXTRA_ROWS = (
    "其他主动公开文件", "其他文件", "部门文件", "政策解读", "行政确认", "行政奖励", "行政裁决", "行政给付",
    "行政检查", "行政征收", "行政备案", "公共服务事项", "其他行政权力事项", "重大行政决策",
)  # fmt: skip


def _row_note(rng: random.Random) -> str:
    items = "、".join(rng.sample(_NOTE_ITEMS, rng.randint(2, 9)))
    note = rng.choice((
        f"含{items}等",
        f"指以本机关名义印发的{items}等公文",
        f"包括{items}，以及其他类事项",
        "仅设区的市级以上人民政府填报",
        f"按{rng.choice(('印发', '签发', '公布'))}日期统计，含{items}",
        f"{items}等，一般情况下属于此类",
    ))  # fmt: skip
    return _in_parens(rng, note)


def _head_note(rng: random.Random, head: str, year: int) -> str:
    """A note that says what the column counts, as the templates that print them word it."""
    if "增" in head or "减" in head:
        notes = ["减少用负数表示", f"指{year}年增加或减少的事项数，减用负值表示，如-{rng.randint(1, 12)}"]
    elif "上一年" in head or "上年" in head:
        notes = [f"指{year - 1}年事项数", f"截至{year - 1}年12月31日"]
    elif "处理决定" in head or "办件" in head:
        notes = [f"指{year}年办件量", f"指{year}年{rng.choice(('办理数量', '作出的决定数'))}"]
    else:
        notes = [f"截至{year}年12月31日", f"指{year}年{rng.choice(('印发', '公开', '发布'))}的件数"]
    notes += ["单位：件", f"可参考本单位{rng.choice(('政府信息公开平台', '门户网站', '政务服务网'))}相关栏目数据"]
    return _in_parens(rng, rng.choice(notes))


def _in_parens(rng: random.Random, note: str) -> str:
    """Half-width or full-width, as Word templates mix them (ingest folds both to "(")."""
    return f"({note})" if rng.random() < 0.7 else f"（{note}）"


def _extra_row(rng: random.Random, n: int, width: int, annotated: bool) -> list[TCell]:
    """A row the template lacks: its label, and numbers that are no cell (label ``None``)."""
    label = rng.choice(_EXTRA_ROWS) + (_row_note(rng) if annotated and rng.random() < 0.5 else "")
    cells = [TCell(label, role="row")]
    for _ in range(n):
        cells.append(TCell(str(rng.choice((0, rng.randint(1, 30), rng.randint(1, 400)))), role="value"))
    cells[-1].colspan = width - n
    return cells


# --------------------------------------------------------------------------- table 3


def _t3_rows(template: str, subtotals: bool) -> list[str]:
    """Rows in print order: a 小计 row follows the last item it adds up."""
    rows = list(T3_OUTCOME_ROWS[template])  # catalogue order puts 2019's (六) row last: print order is built
    if subtotals:
        for sub in T3_SUBTOTAL_ROWS:
            if sub not in rows_of("t3", template):
                continue
            items = subtotal_items(sub, template)
            rows.insert(rows.index(items[-1]) + 1, sub)
    return [T3_NEW, T3_CARRIED_IN, *rows, T3_TOTAL_ROW, T3_CARRIED_OVER]


def table3(rng: random.Random, template: str, tokens: dict[str, str], subtotals: bool) -> Table:
    cols = [c for c in cols_of("t3", standard_only=True)]
    if subtotals:
        org = [c for c in cols if CELLS[f"t3.{T3_NEW}.{c}"].col_zh.startswith("法人或其他组织")]
        cols.insert(cols.index(org[-1]) + 1, T3_ORG_SUBTOTAL_COL)
    wrap = rng.random() < 0.5
    n = len(cols)
    width = 3 + n
    # Header: caption | 申请人情况 / 自然人 | 法人或其他组织 | 总计 / the organisation kinds.
    groups: list[tuple[str | None, list[str]]] = []
    for c in cols:
        parts = CELLS[f"t3.{T3_NEW}.{c}"].col_zh.split(" ")
        group = parts[0] if len(parts) > 1 else None
        if group and groups and groups[-1][0] == group:
            groups[-1][1].append(parts[1])
        else:
            groups.append((group, [parts[-1]]))
    row0 = [TCell(T3_CAPTION, role="title", colspan=3, rowspan=3), TCell(T3_APPLICANTS, role="head", colspan=n)]
    row1, row2 = [], []
    for group, leaves in groups:
        if group is None:
            row1.append(TCell(leaves[0], role="head", rowspan=2))
        else:
            row1.append(TCell(group, role="head", colspan=len(leaves)))
            row2 += [TCell(_head_text(rng, leaf, 0, wrap), role="head") for leaf in leaves]
    grid = [row0, row1, row2]

    rows = _t3_rows(template, subtotals)
    outcome = [r for r in rows if r in T3_OUTCOME_ROWS[template] or r in T3_SUBTOTAL_ROWS]
    group_label = row_parts(CELLS[f"t3.{T3_OUTCOME_ROWS[template][0]}.{cols[0]}"].row_zh)[0][0]
    block = [*outcome, T3_TOTAL_ROW]  # (七)总计 closes the outcome block
    parts_of = {}
    for r in rows:
        parts, _ = row_parts(CELLS[f"t3.{r}.{cols[0]}"].row_zh, rng)
        if r in T3_SUBTOTAL_ROWS:
            parts = [parts[0], T3_SUBTOTAL]
        parts_of[r] = parts[1:] if parts[0] == group_label and r in block else parts
    for i, r in enumerate(rows):
        cells: list[TCell] = []
        parts = parts_of[r]
        if r not in block:
            cells.append(TCell(parts[-1], role="row", colspan=3))
        else:
            if r == block[0]:
                cells.append(TCell(group_label, role="row", rowspan=len(block)))
            if len(parts) == 1:
                cells.append(TCell(parts[0], role="row", colspan=2))
            else:
                if i == 0 or parts_of[rows[i - 1]][0] != parts[0] or len(parts_of[rows[i - 1]]) == 1:
                    span = 1
                    while i + span < len(rows) and len(parts_of[rows[i + span]]) == 2 and (
                        parts_of[rows[i + span]][0] == parts[0]
                    ):
                        span += 1
                    cells.append(TCell(parts[0], role="row", rowspan=span))
                cells.append(TCell(parts[1], role="row"))
        cells += [_value(tokens, f"t3.{r}.{c}") for c in cols]
        grid.append(cells)
    return Table("t3", grid, width, 3)


# --------------------------------------------------------------------------- table 4


def table4(rng: random.Random, tokens: dict[str, str]) -> Table:
    groups = rows_of("t4")
    parts = cols_of("t4")
    wrap = rng.random() < 0.4
    tops: list[tuple[str, list[tuple[str | None, str]]]] = []  # 行政复议 / 行政诉讼 → (sub, group id)
    for g in groups:
        label = CELLS[f"t4.{g}.{parts[0]}"].row_zh.split(" ")
        top, sub = label[0], (label[1] if len(label) > 1 else None)
        if tops and tops[-1][0] == top:
            tops[-1][1].append((sub, g))
        else:
            tops.append((top, [(sub, g)]))
    n = len(parts)
    row0 = [TCell(top, role="head", colspan=n * len(subs)) for top, subs in tops]
    row1: list[TCell] = []
    row2: list[TCell] = []
    for _top, subs in tops:
        for sub, g in subs:
            heads = [TCell(_head_text(rng, CELLS[f"t4.{g}.{p}"].col_zh, 0, wrap), role="head") for p in parts]
            if sub is None:
                for h in heads:
                    h.rowspan = 2
                row1 += heads
            else:
                row1.append(TCell(sub, role="head", colspan=n))
                row2 += heads
    values = [_value(tokens, f"t4.{g}.{p}") for g in groups for p in parts]
    return Table("t4", [row0, row1, row2, values], n * len(groups), 3)


# --------------------------------------------------------------------------- helpers for layouts


def expand(table: Table) -> list[list[TCell | None]]:
    """The full matrix: every position holds its cell where the cell starts, ``None`` where a
    merged cell covers it (right of a colspan, below a rowspan)."""
    width = table.width
    covered: dict[tuple[int, int], bool] = {}
    out: list[list[TCell | None]] = []
    for r, row in enumerate(table.rows):
        line: list[TCell | None] = []
        c = 0
        cells = iter(row)
        while c < width:
            if covered.get((r, c)):
                line.append(None)
                c += 1
                continue
            cell = next(cells, None)
            if cell is None:
                line += [None] * (width - c)
                break
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if dr or dc:
                        covered[(r + dr, c + dc)] = True
            line.append(cell)
            line += [None] * (cell.colspan - 1)
            c += cell.colspan
        out.append(line[:width])
    return out
