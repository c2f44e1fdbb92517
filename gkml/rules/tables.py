"""Tables 2, 3 and 4 read from segments: the template, each row's columns, and the values given
to them in printed order.

Where a column is decided: :meth:`_TableReader._read_row` picks a row's column keys (table 2 by
template, table 3 by :func:`t3_columns`, table 4 by ``T4_KEYS``), and :func:`pick_cells` picks
which printed cells fill them.  Rows are recognised by :func:`gkml.rules.rows.match_row`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from gkml.labels import Span
from gkml.rules.cells import Cell, Segment, segments, tokenise
from gkml.rules.rows import GROUP_RE, clean_label, match_row
from gkml.schema import T3_APPLICANT_COLS, T4_GROUPS, cols_of, rows_of

# ---------------------------------------------------------------------------
# Templates and columns

_HEAD_2021 = re.compile(r"制发件数|废止件数|现行有效件数|本年处理决定数量|本年收费金额")
_HEAD_2019 = re.compile(r"新制作|新公开数量|对外公开总数|上一年项目数|本年增/?减|集中采购|对外管理服务")


def detect_template(cells: list[Cell]) -> str:
    """The template, "2019" or "2021": from table 2's headers, else from row (六) of table 3."""
    labels = "".join(clean_label(c.text) for c in cells if c.kind == "text" and not c.is_prose)
    n2021, n2019 = len(_HEAD_2021.findall(labels)), len(_HEAD_2019.findall(labels))
    if n2021 != n2019:
        return "2021" if n2021 > n2019 else "2019"
    if re.search(r"不补正|缴纳费用", labels):
        return "2021"
    return "2019" if re.search(r"其他处理(?!.{0,3}[1１][.、])", labels) else "2021"


T4_KEYS = tuple(f"t4.{g}.{c}" for g in T4_GROUPS for c in cols_of("t4", g))


def t3_columns(with_org_subtotal: bool) -> tuple[str, ...]:
    """Value columns of table 3 as printed; the 法人或其他组织 小计 column, where printed, comes
    after the five organisation columns (it sums them) and before 总计."""
    cols = T3_APPLICANT_COLS + (("org_subtotal",) if with_org_subtotal else ())
    return (*cols, "total")


@lru_cache(maxsize=4)
def t3_printed_rows(template: str) -> tuple[str, ...]:
    """Table 3's standard rows in printed order (the catalogue lists 2019's single (六) row
    last; it is printed after (五), before (七)总计)."""
    rows = [r for r in rows_of("t3", template, standard_only=True) if r != "other_single"]
    if template == "2019":
        rows.insert(rows.index("total"), "other_single")
    return tuple(rows)


@lru_cache(maxsize=128)
def _columns(prefix: str, row: str) -> tuple[str, ...]:
    return cols_of(prefix, row, standard_only=True)


@lru_cache(maxsize=8)
def _all_rows(prefix: str, template: str) -> tuple[str, ...]:
    return rows_of(prefix, template)


def pick_cells(values: list[Cell], n: int) -> list[Cell]:
    """The cells of a value run that fill ``n`` columns, in printed order.

    With at least ``n`` numbers, empty cells are layout (merged headers, row fillers) and are
    skipped.  With fewer, empty cells hold positions ("0 | | 0" is 0, blank, 0); the window
    starts at the first cell but moves right if it would leave a number out, so filler pipes
    before the row do not push numbers off its end.
    """
    printed = [c for c in values if c.kind == "value"]
    if len(printed) >= n:
        return printed[:n]
    last = max((i for i, c in enumerate(values) if c.kind == "value"), default=-1)
    start = max(0, last + 1 - n)
    return values[start : start + n]


# ---------------------------------------------------------------------------
# Reading the tables


def read_tables(text: str) -> list[Span]:
    """Cell spans of tables 2, 3 and 4."""
    cells = tokenise(text)
    segs = segments(cells)
    rows = [match_row(seg.labels) for seg in segs]
    reader = _TableReader(template=detect_template(cells), t3_cols=t3_columns(_has_org_subtotal(segs, rows)))
    for seg, row in zip(segs, rows, strict=True):
        reader.feed(seg, row)
    reader.fill_unlabelled_rows()
    return reader.spans


def _has_org_subtotal(segs: list[Segment], rows: list[tuple[str, str] | None]) -> bool:
    """Whether table 3 prints a 法人或其他组织 小计 column: a 小计 header just before its first
    row, or most of its rows printing exactly eight numbers."""
    for i, row in enumerate(rows):
        if row == ("t3", "new"):
            window = segs[max(0, i - 4) : i + 1]
            if any(clean_label(c.text) == "小计" for s in window for c in s.labels):
                return True
            break
    counts = [seg.n_values for seg, row in zip(segs, rows, strict=True) if row and row[0] == "t3"]
    return sum(n == 8 for n in counts) > len(counts) / 2


def _t4_header_at(labels: list[Cell]) -> int | None:
    """Where table 4's header (or its section heading) starts in a label run: the first cell
    saying 复议 or 诉讼, when the run from there says both."""
    parts = [clean_label(c.text) for c in labels]
    for i, part in enumerate(parts):
        if "复议" in part or "诉讼" in part:
            rest = "".join(parts[i:])
            return i if "复议" in rest and "诉讼" in rest else None
    return None


@dataclass
class _TableReader:
    """Feeds segments in printed order and gives each recognised row its values."""

    template: str
    t3_cols: tuple[str, ...]
    spans: list[Span] = field(default_factory=list)
    done: set[str] = field(default_factory=set)  # row ids ("t3.new", "t4") already read
    group: str | None = None  # current group of table 3
    t4_armed: bool = False  # table 4's header has been seen and its values not yet read
    # table 3 in printed order: a row name for a labelled row, the segment for a full row of
    # numbers whose label OCR destroyed
    t3_events: list[str | Segment] = field(default_factory=list)

    @property
    def t3_rows(self) -> tuple[str, ...]:
        return t3_printed_rows(self.template)

    def feed(self, seg: Segment, row: tuple[str, str] | None) -> None:
        """Read one segment; ``row`` is what :func:`match_row` makes of its labels."""
        if seg.after_prose:
            self.t4_armed = False
        head = _t4_header_at(seg.labels) if row is not None and "t4" not in self.done else None
        if head and match_row(seg.labels[head:]) is None:
            # a row printed as its label alone just before table 4's header ("四、结转下年度继续办理"
            # of a table 3 without values): the numbers after the header are table 4's
            self.feed(Segment(seg.labels[:head], [], seg.after_prose), row)
            self.feed(Segment(seg.labels[head:], seg.values), None)
            return
        joined = "".join(clean_label(c.text) for c in seg.labels)
        if "复议" in joined and "诉讼" in joined and "t4" not in self.done:
            self.t4_armed = True
        for m in GROUP_RE.finditer(joined):
            self.group = m.lastgroup
        if row is not None:
            self.t4_armed = False  # a row of table 2 or 3: what armed table 4 was not its header
            self._read_row(row, seg)
        elif self.t4_armed and seg.n_values:
            self._put("t4", T4_KEYS, seg.values)
            self.t4_armed = False
        elif self.t3_events and seg.n_values >= len(self.t3_cols):
            self.t3_events.append(seg)

    def _read_row(self, row: tuple[str, str], seg: Segment) -> None:
        table, name = row
        if table == "t2":
            prefix = "t2" if self.template == "2021" else "t2v19"
            cols = _columns(prefix, name)
            if not cols:  # a 2019-only row in a 2021 report: not a row of this table
                return
        else:
            prefix = "t3"
            if name == "subtotal":
                if self.group is None:
                    return
                name = f"{self.group}_subtotal"
            if name not in _all_rows("t3", self.template):
                return
            cols = self.t3_cols
            if name in self.t3_rows:
                self.t3_events.append(name)
        self._put(f"{prefix}.{name}", tuple(f"{prefix}.{name}.{c}" for c in cols), seg.values)

    def _put(self, row_id: str, keys: tuple[str, ...], values: list[Cell]) -> None:
        """Spans for one row; a row already read keeps its first reading."""
        if row_id in self.done or not values:
            return
        self.done.add(row_id)
        picked = pick_cells(values, len(keys))
        if not any(c.kind == "value" for c in values):
            # printed with no number at all ("行政事业性收费 | |||||"): every cell is blank
            picked = [values[0]] * len(keys)
        for key, cell in zip(keys, picked, strict=False):
            self.spans.append(Span(cell.start, cell.end, key))

    def fill_unlabelled_rows(self) -> None:
        """Give full rows of numbers whose label OCR destroyed to the unread rows between the
        labelled rows around them — only when the counts agree, so each position is certain
        (seed 003: four rows of (三) between (二) and 5.属于三类内部事务信息)."""
        order = self.t3_rows
        prev, orphans = -1, []
        for item in self.t3_events:
            if isinstance(item, Segment):
                orphans.append(item)
                continue
            nxt = order.index(item)
            gap = [r for r in order[prev + 1 : nxt] if f"t3.{r}" not in self.done]
            if orphans and len(gap) == len(orphans):
                for name, seg in zip(gap, orphans, strict=True):
                    self._put(f"t3.{name}", tuple(f"t3.{name}.{c}" for c in self.t3_cols), seg.values)
            prev, orphans = max(prev, nxt), []
