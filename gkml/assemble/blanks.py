"""Cells printed as nothing at all: a table, or a row, printed with its labels and not one value.

DESIGN.md: "A table (or a row) printed with its labels and no value at all is a table of printed
blanks: each of its cells is ``null``, not absent." A labeller reads a blank cell where it
stands ("规章 |  |  |", a bar line under a label, an empty line among one-cell lines); but where
the report prints nothing at all in place of the values (a PDF text layer leaves an empty cell
out, a scraper drops empty cells, a table-4 grid with its headers and no value row) there is no
character to label, and the cells would come out "not found", or as zeros inferred from the
identities. What says they are blank is the text itself: the row labels are printed and no value
is printed after them. That is decided here, from the text, for every engine alike, before any
cell is inferred (:func:`gkml.assemble.report.read_cells`).

Row labels are found by the rule labeller's own matcher (:func:`gkml.rules.rows.match_row`, one
printed text cell at a time) and numbers by its tokeniser and :func:`gkml.numbers.parse_cell`, so
"printed" means here what it means when reading. A blank mark ("—", "/", "无") prints no value;
page numbers ("第 3 页") and a running title with its year are layout. The row labels of a table
printed one after another make a *run*, cut at a sentence, a section heading, a label of another
table and table 4's header. Three cases, each only where not one number is printed in place of
the cells it fills, so a table that is printed but unreadable (OCR garbage with numbers in it,
values extracted column by column after all the labels) is never made blank:

- **a table printed with labels only** (tables 2 and 3): a run of at least :data:`MIN_ROWS` of its
  row labels with no number from its first label to where it ends, and no cell of the table read
  with a value anywhere: every cell of the table is ``null`` (those of a row whose label OCR lost
  or garbled too: nothing in the table prints a value);
- **table 4 printed with its headers only** (it has no row labels): the 复议/诉讼 header with at
  least three of its column headers, then no number before the next sentence or section, and no
  table-4 cell read with a value: every table-4 cell is ``null``;
- **one row printed as its label alone**: its label (named by its keyword, not only by a fuzzy
  match a label fragment can fool) directly followed by the next row label of its table, or by
  the section heading or table-4 header that ends the table, with no number between (a label
  wrapped over lines is read as one: :func:`_join_wrapped`), the row named nowhere else in the
  run with numbers, the table read row by row (at least two other rows print numbers after their
  labels, and no label after it followed by many more numbers than a row holds: labels one under
  the other, then the values column by column) and no cell of the row read with a value: each cell of the row is
  ``null``.

A cell filled here is a printed blank (``value: null``, ``raw: ""``, not inferred, score 1.0) at a
zero-length span where its row label ends (table 4: where its header ends; a row whose label is
not readable: after the label before it), as the rule labeller places a blank it reads. A cell a
labeller read is never changed, and a table with no template ("none") is left alone.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from gkml.io.paragraphs import PAGE_FOOTER
from gkml.numbers import parse_cell
from gkml.rules.cells import Cell, tokenise
from gkml.rules.rows import GROUP_RE, NUMBERED, ROW_PATTERNS, clean_label, match_row
from gkml.rules.sections import SECTION_PATTERNS
from gkml.schema import (
    CELLS,
    T3_APPLICANT_COLS,
    T3_ORG_SUBTOTAL_COL,
    T3_TOTAL_COL,
    CellValue,
    rows_of,
    template_keys,
)

# Numbers after one row label that are no row's, nor two or three rows' whose labels OCR garbled:
# a table's values printed column by column after all its labels (pdfminer's text of a PDF table).
COLUMN_WISE = 27
MIN_ROWS = 3  # row labels a table printed without values shows: a stray label word or two is no table
# A page's running header, the report's title with its year ("XX乡2020年政府信息公开工作年度报告"):
# layout too, wherever a page break falls inside a table.
_RUNNING_TITLE = re.compile(r"^[^\n。|]{0,60}年度报告[^\n。|]{0,20}$", re.M)
_T4_HEAD = re.compile(r"复议|诉讼")
_ASCII_WORD = re.compile(r"[-+]?[0-9A-Za-z][0-9A-Za-z.,%]*")
# Digits glued to a label, not followed by Chinese: a number ("行政许可3849"); "2开申请" is OCR's 公.
_GLUED = re.compile(r"\d(?![\d\u4e00-\u9fff])")
_PUNCT = re.compile(r"^[()()\[\]【】,,.。::;;、]+|[()()\[\]【】,,.。::;;、]+$")
# Digits in a label that are not a value: a list number ("1.属于国家秘密"), a year ("本年(2023)制发件数").
_NOT_A_VALUE = re.compile(r"^\d{1,2}\s*[.、．]|[((\[【]\s*(?:19|20)\d\d|(?:19|20)\d\d\s*[))\]】年]")
_T4_COLS = re.compile(r"维持|纠正|其他|审结|总计")
_SECTION = re.compile("|".join(SECTION_PATTERNS.values()))


@dataclass
class _Hit:
    """A printed row label: its row, where it ends, and whether a value follows it before the
    next row label or the end of its run."""

    row: str  # catalogue row ("licensing", "new", "denied_subtotal")
    end: int
    keyword: bool  # named by its keyword, not only by a fuzzy match (which a fragment can fool)
    values: bool = False
    numbers: int = 0  # numbers printed after it (many more than a row holds: the table's values column by column)


@dataclass
class _Run:
    """Row labels of one table printed one after another (no sentence, no other table between)."""

    table: str  # "t2" | "t3"
    hits: list[_Hit] = field(default_factory=list)
    org_subtotal: bool = False  # a 小计 column header before the first row: table 3 prints that column
    subtotal_rows: bool = False  # 小计 rows printed (some without their group, which OCR broke up)
    closed: bool = False  # ended by a section heading or table 4's header (its last label is a whole row)


@dataclass
class _T4Head:
    """Table 4's header as printed: from the 复议/诉讼 cell to the first value or sentence."""

    end: int  # where its last cell ends
    text: str = ""  # its cells' labels, joined (a narrow column prints "结果维" / "持")
    values: bool = False  # a value printed after it, before the next sentence or section

    @property
    def cols(self) -> set[str]:
        """Its column headers seen: the words, or (stacked a character a line, read row by row
        across the columns) their characters 维 纠 审 尚."""
        return set(_T4_COLS.findall(self.text)) or {ch for ch in "维纠审尚" if ch in self.text}


def blank_cells(text: str, cells: Mapping[str, CellValue], template: str) -> dict[str, CellValue]:
    """The cells of ``text`` printed as nothing at all (see the module docstring), that
    ``cells`` (what the labeller read) does not hold yet, in catalogue order."""
    if template == "none" or (_keys(template, True) <= cells.keys() and "小计" not in text):
        return {}  # every cell read, no 小计 row printed (the common case): nothing to fill
    masked = text
    for layout in (PAGE_FOOTER, _RUNNING_TITLE):  # the rule tokeniser would read their numbers as values
        masked = layout.sub(lambda m: " " * len(m.group()), masked)
    runs, heads = _scan(tokenise(masked), template, masked)
    found: dict[str, int] = {}  # key → where its blank is printed

    def has_value(table: str) -> bool:
        """A cell of ``table`` read with a value anywhere: then the table prints values (a second
        list of its labels elsewhere, with no number, says nothing of the cells left unread)."""
        return any(c.value is not None for k, c in cells.items() if _table(k) == table)

    def fill(keys: Iterable[str], at: int) -> None:
        for k in keys:
            if k not in cells:
                found.setdefault(k, at)

    for run in runs:
        org = run.org_subtotal or any(CELLS[k].col == T3_ORG_SUBTOTAL_COL for k in cells if k[:3] == "t3.")
        hits = run.hits
        empty = not any(h.values for h in hits) and not has_value(run.table)
        if len({h.row for h in hits}) >= MIN_ROWS and empty:
            for h in hits:
                fill(_row_keys(run.table, h.row, template, org), h.end)
            # a row whose label OCR lost or garbled is printed without a value too: its blanks
            # stand after the label before it
            at, ends = hits[0].end, {h.row: h.end for h in reversed(hits)}
            for row in _table_rows(run.table, template, run.subtotal_rows):
                at = ends.get(row, at)
                fill(_row_keys(run.table, row, template, org), at)
            continue
        if sum(h.values for h in hits[:-1]) < 2:
            continue  # not read row by row: a label alone may be a column-wise extraction
        printed = {h.row for h in hits if h.values}  # a row named twice prints its values at one of them
        # the last label counts when a heading closed the run: "四、结转下年度继续办理" alone before table 4
        for j, (h, nxt) in enumerate(zip(hits, [*hits[1:], *([None] if run.closed else [])], strict=False)):
            keys = _row_keys(run.table, h.row, template, org)
            if h.values or not h.keyword or h.row in printed or (nxt is not None and nxt.row == h.row):
                continue
            if any(later.numbers > COLUMN_WISE for later in hits[j + 1 :]):
                continue  # labels printed one under the other, then the numbers column by column
            if not any(cells[k].value is not None for k in keys if k in cells):
                fill(keys, h.end)
    for head in heads:
        if len(head.cols) >= 3 and not head.values and not has_value("t4"):
            fill([k for k in _keys(template, True) if k.startswith("t4.")], head.end)
    return {k: CellValue(value=None, raw="", start=found[k], end=found[k]) for k in CELLS if k in found}


def _table(key: str) -> str:
    prefix = key.split(".")[0]
    return "t2" if prefix == "t2v19" else prefix


@lru_cache(maxsize=512)
def _row_keys(table: str, row: str, template: str, org_subtotal: bool) -> tuple[str, ...]:
    """The cells of a row as the template prints it."""
    allowed = _keys(template, False)
    if table == "t3":
        cols = (*T3_APPLICANT_COLS, *((T3_ORG_SUBTOTAL_COL,) if org_subtotal else ()), T3_TOTAL_COL)
        return tuple(k for k in (f"t3.{row}.{c}" for c in cols) if k in allowed)
    prefix = "t2" if template == "2021" else "t2v19"
    return tuple(k for k in CELLS if k in allowed and k.startswith(f"{prefix}.{row}."))


def _table_rows(table: str, template: str, subtotals: bool) -> list[str]:
    """The template's rows of a table: the standard ones, and the 小计 rows where they are printed."""
    prefix = "t2v19" if table == "t2" and template == "2019" else table
    rows = _rows(prefix, template, not subtotals)
    return [r for r in rows if r.endswith("_subtotal") <= subtotals]


def _hit_row(cell: Cell, template: str, group: str | None) -> tuple[str, str] | None:
    """(table, row) when the text cell is a row label of this template's tables 2 or 3."""
    hit = _match(cell.text)
    if hit is None:
        return None
    table, row = hit
    if table == "t3" and row == "subtotal":
        return ("t3", f"{group}_subtotal") if group else ("t3", "subtotal")
    prefix = "t2v19" if table == "t2" and template == "2019" else table
    return hit if row in _rows(prefix, template, False) else None


@lru_cache(maxsize=8192)
def _match(text: str) -> tuple[str, str] | None:
    """:func:`match_row` of one cell: labels repeat from report to report, and the fuzzy match costs."""
    return match_row([Cell("text", 0, len(text), text)])


@lru_cache(maxsize=8)
def _keys(template: str, standard_only: bool) -> frozenset[str]:
    return frozenset(template_keys(template, standard_only=standard_only))


@lru_cache(maxsize=64)
def _rows(prefix: str, template: str, standard_only: bool) -> tuple[str, ...]:
    return rows_of(prefix, template, standard_only=standard_only)


def _number_like(text: str) -> bool:
    """A word of ``text`` that is, or may be, a printed number the tokeniser does not read as one:
    ASCII letters and digits only ("3B49", "O", "l2": OCR's misread digits), or digits glued to the
    end of Chinese text ("行政许可3849"); not a list number ("1.属于…", "4. 保护…"), a year
    ("本年(2023)制发件数") or a digit OCR read for a character ("2开申请数量")."""
    words = text.split()
    # a list number set apart from its label ("4. 保护第三方合法权益", "(五)不予处理 1. 信访…") is no value
    words = [w for i, w in enumerate(words) if i == len(words) - 1 or not re.fullmatch(r"\d{1,2}[.、．]", w)]
    return any(_ASCII_WORD.fullmatch(_PUNCT.sub("", w)) or _GLUED.search(_NOT_A_VALUE.sub("", w)) for w in words)


def _scan(cells: list[Cell], template: str, text: str) -> tuple[list[_Run], list[_T4Head]]:
    """Runs of row labels of tables 2 and 3, and table-4 headers, in printed order."""
    runs: list[_Run] = []
    heads: list[_T4Head] = []
    run: _Run | None = None
    head: _T4Head | None = None
    group: str | None = None

    def number_printed() -> None:
        if run is not None and run.hits:
            run.hits[-1].values = True
            run.hits[-1].numbers += 1
        if head is not None:
            head.values = True

    for cell in _join_wrapped(cells, template, text):
        if cell.kind == "value":
            if parse_cell(cell.text) is not None:  # a blank mark ("—", "/", "无", a markdown rule's "--") is none
                number_printed()
            continue
        if cell.kind != "text":
            continue
        if cell.is_prose:
            run = head = None
            continue
        label = clean_label(cell.text)
        section, t4 = _SECTION.search(label), _T4_HEAD.search(label)
        if section or t4:  # a section heading or table 4's header ends the rows of tables 2 and 3
            if run is not None:
                run.closed = True
            run = None
            if section:
                head, group = None, None
            if t4 and (head is None or head.values):
                head = _T4Head(cell.end)
                heads.append(head)
        for m in GROUP_RE.finditer(label):
            group = m.lastgroup
        numeric = _number_like(cell.text)
        hit = _hit_row(cell, template, group)
        if hit is None:
            if numeric:
                number_printed()
            elif head is not None and not head.values:
                head.text += label
                head.end = cell.end
            continue
        head = None
        table, row = hit
        if run is None or run.table != table:
            run = _Run(table)
            runs.append(run)
        if row == "subtotal":  # 小计 with no group: the 小计 column header, or a row OCR cut off its group
            run.org_subtotal = run.org_subtotal or not run.hits
            run.subtotal_rows = run.subtotal_rows or bool(run.hits)
            continue
        run.subtotal_rows = run.subtotal_rows or row.endswith("_subtotal")
        if run.hits and run.hits[-1].row == row:  # one label printed over two cells
            run.hits[-1].end = cell.end
            run.hits[-1].values |= numeric
            continue
        run.hits.append(_Hit(row, cell.end, _by_keyword(table, row, label), numeric))
    return runs, heads


def _join_wrapped(cells: list[Cell], template: str, text: str) -> list[Cell]:
    """``cells`` with each row label that its cell wrapped over lines read as one label.

    Text layers and OCR print a wrapped cell line by line, and a row's values beside its middle
    line: "4.保护第三" / "方合法权益", or "7.属于行政" / "0 | 0 | … | 0" / "执法案卷". A numbered
    text cell ("4.", "(二)") alone on its line that names no row by its keyword is joined with
    the text that opens the next line, or the line after a line of values only (those values
    stay after the joined label), when the joined text names a row by its keyword."""
    breaks = [m.start() for m in re.finditer("\n", text)]
    line = [bisect.bisect(breaks, c.start) for c in cells]
    out: list[Cell] = []
    i = 0
    while i < len(cells):
        cell, nxt = cells[i], i + 1
        if cell.kind == "text" and not cell.is_prose and (nxt == len(cells) or line[nxt] > line[i]):
            values = []
            while nxt < len(cells) and cells[nxt].kind != "text" and line[nxt] == line[i] + 1:
                values.append(cells[nxt])
                nxt += 1
            below = line[i] + 1 + bool(values)
            if (NUMBERED.match(clean_label(cell.text)) and nxt < len(cells) and cells[nxt].kind == "text"
                    and not cells[nxt].is_prose and line[nxt] == below
                    and (nxt + 1 == len(cells) or line[nxt + 1] > below or not values)):  # fmt: skip
                joined = Cell("text", cell.start, cells[nxt].end, cell.text + cells[nxt].text)
                alone, hit = _hit_row(cell, template, None), _hit_row(joined, template, None)
                # named by its keyword only when joined; a fuzzy match alone must agree with it
                if not _named(alone, cell) and _named(hit, joined) and alone in (None, hit):
                    out += [joined, *values]
                    i = nxt + 1
                    continue
        out.append(cell)
        i += 1
    return out


def _named(hit: tuple[str, str] | None, cell: Cell) -> bool:
    """Whether the text cell, read as row ``hit``, names that row by its keyword."""
    return hit is not None and _by_keyword(*hit, clean_label(cell.text))


def _by_keyword(table: str, row: str, label: str) -> bool:
    """Whether ``label`` names its row by the row's keyword, not only by a fuzzy match."""
    pattern = ROW_PATTERNS.get((table, "subtotal" if row.endswith("_subtotal") else row))
    return bool(pattern and re.search(pattern, label))
