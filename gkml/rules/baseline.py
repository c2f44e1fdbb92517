"""The rule baseline: a deterministic labeller with no model.

It produces what the model produces — labelled character spans of the normalised text — so
it is both the score the model must beat and the source of first pre-annotations for Label
Studio.  ``label(text)`` finds:

* section headings (``SEC1``–``SEC6``);
* table cells: one span per cell key over the printed number token ("12", "530.67", "—"),
  or a zero-length span where a cell is printed as nothing at a certain position;
* metadata (``AGENCY``, ``YEAR``, ``PUBDATE``);
* narrative counts (``FACT.<kind>``).

How tables are read, whatever the layout (one cell per line, pipes per row, cells between
"|" lines, a PDF text layer with space-separated values, OCR'd markdown):

1. :func:`tokenise` cuts the text into cells — text, value (a number or a blank token such
   as "—") or empty — splitting on "|" and, inside a line, on whitespace around numbers;
2. :func:`segments` groups them into (label run, value run) pairs: the text cells printed
   before a run of values;
3. :func:`match_row` recognises the row a label run names (``ROW_PATTERNS``, one entry per
   row of the catalogue), and :class:`_TableReader` gives the values of the run to that
   row's columns in printed order.

Numbers inside labels ("政府信息2", "本年(2023)制发件数") are never values: a value is a
whole cell or a whitespace-delimited word.  Printed numbers are never changed here; what a
number means is decided by :mod:`gkml.assemble.report`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from gkml.labels import Span
from gkml.numbers import Quantity, find_quantities, parse_cell
from gkml.schema import T3_APPLICANT_COLS, T4_GROUPS, cols_of, row_label, rows_of


def label(text: str) -> list[Span]:
    """All spans the rules find in ``text`` (normalised report text), sorted by start."""
    spans = read_tables(text) + find_sections(text) + find_meta(text)
    spans += find_facts(text, taken=spans)
    return sorted(spans, key=lambda s: (s.start, s.end, s.label))


# ---------------------------------------------------------------------------
# Cells: the text as a sequence of table cells


@dataclass(frozen=True)
class Cell:
    """One printed table cell (or a run of words of one line that are not numbers)."""

    kind: str  # "text" | "value" | "empty"
    start: int
    end: int
    text: str

    @property
    def is_prose(self) -> bool:
        """A sentence, not a cell: row labels and headers never contain a full stop, and even
        the long ones with instructions in brackets stay well under 200 characters."""
        return self.kind == "text" and ("。" in self.text or len(self.text) > 200)


# Lines that are layout, not content: page numbers ("— 2 —", "- 4 -") and markdown rules.
_PAGE_MARK = re.compile(r"^[ \t]*[-—–]{1,2}[ \t]*\d{1,3}[ \t]*[-—–]{1,2}[ \t]*$", re.M)
_MD_RULE = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+[ \t]*(?::?-{3,}:?[ \t]*)?$", re.M)


def _mask_layout(text: str) -> str:
    """Blank out page markers and markdown rules, keeping every offset in place."""
    for pattern in (_PAGE_MARK, _MD_RULE):
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return text


def is_value(word: str) -> bool:
    """True for a printed cell value: "12", "3,830", "530.67", "-8", "—", "/", "无"."""
    try:
        parse_cell(word)
    except ValueError:
        return False
    return True


def tokenise(text: str) -> list[Cell]:
    """The cells of ``text`` in reading order.

    "|" always ends a cell, so "a | b |" rows, "a |" cell lines and "a" / "|" separator lines
    all come out the same; what is between two "|" and only whitespace is an empty cell
    (a bare "|" line among "0 |" lines, "| |" in markdown).  Without pipes each line is a cell; two or
    more blank lines between cells stand for a cell printed as whitespace (ingest keeps at most
    two, so "    " cells of a blank-line-separated layout survive as one extra blank line).
    """
    masked = _mask_layout(text)
    cells: list[Cell] = []
    pipes = [m.start() for m in re.finditer(r"\|", masked)]
    bounds = [-1, *pipes, len(masked)]
    for i in range(len(bounds) - 1):
        start, end = bounds[i] + 1, bounds[i + 1]
        chunk = masked[start:end]
        if not chunk.strip():
            if 0 < i < len(bounds) - 2:  # between two pipes
                cells.append(Cell("empty", end, end, ""))
            continue
        _chunk_cells(masked, start, end, cells)
    return cells


def _chunk_cells(text: str, start: int, end: int, out: list[Cell]) -> None:
    """Cells of the text between two pipes (or of a whole pipe-free stretch), line by line."""
    pos, blank_lines, seen = start, 0, False
    for line in text[start:end].split("\n"):
        if not line.strip():
            blank_lines += 1
        else:
            if seen and blank_lines >= 2:
                out.append(Cell("empty", pos, pos, ""))
            seen, blank_lines = True, 0
            _line_cells(text, pos, pos + len(line), out)
        pos += len(line) + 1


def _line_cells(text: str, start: int, end: int, out: list[Cell]) -> None:
    """Words of one line: each number is a value cell, runs of other words one text cell."""
    run: list[re.Match[str]] = []

    def flush() -> None:
        if run:
            s, e = start + run[0].start(), start + run[-1].end()
            out.append(Cell("text", s, e, text[s:e]))
            run.clear()

    for m in re.finditer(r"\S+", text[start:end]):
        if is_value(m.group()):
            flush()
            out.append(Cell("value", start + m.start(), start + m.end(), m.group()))
        else:
            run.append(m)
    flush()


@dataclass
class Segment:
    """Text cells (the label run) followed by the value and empty cells printed after them."""

    labels: list[Cell] = field(default_factory=list)
    values: list[Cell] = field(default_factory=list)
    after_prose: bool = False  # a sentence came between this and the previous segment

    @property
    def n_values(self) -> int:
        return sum(c.kind == "value" for c in self.values)


def segments(cells: list[Cell]) -> list[Segment]:
    """Group cells into segments; prose cells end a segment and belong to none."""
    out: list[Segment] = []
    cur = Segment()
    for cell in cells:
        if cell.is_prose:
            out.append(cur)
            cur = Segment(after_prose=True)
        elif cell.kind == "text":
            if cur.values:
                out.append(cur)
                cur = Segment()
            cur.labels.append(cell)
        else:
            cur.values.append(cell)
    out.append(cur)
    return [s for s in out if s.labels or s.values]


# ---------------------------------------------------------------------------
# Rows: which row a label run names

# One pattern per row, matched on the label text with whitespace and long parenthetical notes
# removed.  Patterns are short keywords on purpose: OCR splits labels over cells
# ("一、本 | 年新收政府信息2 | 公开申请数量"), inserts characters and drops words
# ("1.举报投诉类申请"); each keyword is unique among the rows of its table.
ROW_PATTERNS: dict[tuple[str, str], str] = {
    # table 2 (both templates; other_services and procurement exist in 2019 only)
    ("t2", "rules"): r"规章",
    ("t2", "normative"): r"规范性",
    ("t2", "licensing"): r"行政许可",
    ("t2", "other_services"): r"对外管理服务",
    ("t2", "penalty"): r"行政处罚",
    ("t2", "coercion"): r"行政强制",
    ("t2", "fees"): r"事业性收费",
    ("t2", "procurement"): r"集中采购",
    # table 3
    ("t3", "new"): r"新收",
    ("t3", "carried_in"): r"上年度?结转",
    ("t3", "granted"): r"予以公开",
    ("t3", "partial"): r"部分公开",
    ("t3", "denied_secret"): r"国家秘密",
    ("t3", "denied_law"): r"禁止公开|法律行政法规",
    ("t3", "denied_safety"): r"三安全一稳定|危及",
    ("t3", "denied_third_party"): r"第三方",
    ("t3", "denied_internal"): r"内部事务",
    ("t3", "denied_process"): r"过程性",
    ("t3", "denied_enforcement"): r"执法案卷",
    ("t3", "denied_query"): r"查询事项",
    ("t3", "unable_no_info"): r"不掌握",
    ("t3", "unable_need_create"): r"另行制作|没有现成",
    ("t3", "unable_unclear"): r"仍不明确|补正后",
    ("t3", "rejected_complaint"): r"举报投诉|信访",
    ("t3", "rejected_repeat"): r"重复申请",
    ("t3", "rejected_publication"): r"出版物",
    ("t3", "rejected_mass"): r"大量反复",
    ("t3", "rejected_confirm"): r"重新出具|确认或",
    ("t3", "other_no_correction"): r"不补正",
    ("t3", "other_no_fee"): r"缴纳费用|收费通知",
    ("t3", "other_other"): r"3[.、．]?其他",
    ("t3", "other_single"): r"其他处理$",  # 2019: (六) is one row, printed right before its values
    ("t3", "total"): r"\(?七\)?总计",  # a bare "总计" is the column header
    ("t3", "carried_over"): r"结转下年",
    ("t3", "subtotal"): r"小计",  # the 小计 row of the current group, where printed
}
_ROW_RES = {key: re.compile(p) for key, p in ROW_PATTERNS.items()}

# Table 3 groups, for the rows they contain and their 小计 rows.
GROUP_PATTERNS = {"denied": r"不予公开", "unable": r"无法提供", "rejected": r"不予处理", "other": r"其他处理"}
_GROUP_RE = re.compile("|".join(f"(?P<{g}>{p})" for g, p in GROUP_PATTERNS.items()))

_NOTE = re.compile(r"\([^()]{4,}(?:\)|$)")  # "(区分处理的,只计这一情形…)", "(指2019年事项数)"


def clean_label(s: str) -> str:
    """Label text as matched: no whitespace, markdown emphasis, full-width brackets or notes."""
    s = re.sub(r"[\s*#]+", "", s).replace("(", "(").replace(")", ")")
    return _NOTE.sub("", s)


def match_row(labels: list[Cell]) -> tuple[str, str] | None:
    """The row named by a label run: a keyword of ``ROW_PATTERNS``, else a fuzzy match of the
    catalogue's own label (:func:`fuzzy_row`, for OCR-misread characters).

    A label run may carry headers or the group before the row itself ("信息内容 | … | 规章",
    "(三)不予公开 | 1.属于国家秘密"), so the keyword match that starts in the cell nearest the
    values decides; inside that cell the first match wins, so words later in a long label
    cannot take over.
    """
    parts = [clean_label(c.text) for c in labels]
    joined = "".join(parts)
    if not joined:
        return None
    cell_of = [i for i, p in enumerate(parts) for _ in p]
    ranked = [
        (-cell_of[m.start()], m.start(), key) for key, rx in _ROW_RES.items() for m in rx.finditer(joined)
    ]
    return min(ranked)[2] if ranked else fuzzy_row(parts)


_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)|\d+[.、])+")


def _catalogue_items() -> dict[tuple[str, str], str]:
    """Each row's own words from the catalogue ("属于国家秘密", "本年新收政府信息公开申请数量"),
    without group, numbering or notes; short ones ("规章", "总计") are left to the keywords,
    since a header cell can say the same."""
    items = {}
    for table, prefixes in (("t2", ("t2", "t2v19")), ("t3", ("t3",))):
        for prefix in prefixes:
            for row in rows_of(prefix, standard_only=True):
                words = re.sub(r"\s*\((?:also|2019|第).*\)$", "", row_label(prefix, row)).split(" ")[-1]
                words = _NUMBERED.sub("", clean_label(words))
                if len(words) >= 4:
                    items[(table, row)] = words
    return items


_CATALOGUE_ITEMS = _catalogue_items()
FUZZY_MIN = 0.8  # similarity (difflib ratio) a misread label needs to name a row


def fuzzy_row(parts: list[str]) -> tuple[str, str] | None:
    """The catalogue row whose label is closest to the last label cell (or the last two, for a
    label split over cells), if similar enough: "1.属于国家秘蜜" is still 属于国家秘密."""
    tails = {_NUMBERED.sub("", p) for p in (parts[-1], "".join(parts[-2:]))}
    best, key = FUZZY_MIN, None
    for row, words in _CATALOGUE_ITEMS.items():
        for tail in tails:
            if 2 * min(len(tail), len(words)) < best * (len(tail) + len(words)):
                continue  # the lengths alone rule it out (cheap, and most pairs end here)
            sm = SequenceMatcher(None, tail, words, autojunk=False)
            if sm.quick_ratio() >= best and sm.ratio() >= best:
                best, key = sm.ratio(), row
    return key


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
        joined = "".join(clean_label(c.text) for c in seg.labels)
        if "复议" in joined and "诉讼" in joined and "t4" not in self.done:
            self.t4_armed = True
        for m in _GROUP_RE.finditer(joined):
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


# ---------------------------------------------------------------------------
# Section headings

_NUMBERING = (
    r"(?:[一二三四五六七八九十]{1,2}[、.．,，]|[(（][一二三四五六七八九十]{1,2}[)）]"
    r"|\d{1,2}[、.．]|第[一二三四五六]部分[、:：]?)"
)
SECTION_PATTERNS = {
    1: r"总体情况|概况|概述",
    2: r"主动公开政府信息(?:的|工作)?情况",
    3: r"收到和处理政府信息公开申请(?:的)?情况|依申请公开政府信息(?:的|工作)?情况|政府信息公开申请(?:的)?(?:受理|办理|处理)情况",
    4: r"行政复议.{0,8}行政诉讼(?:的)?情况|复议.{0,6}诉讼(?:的)?情况",
    5: r"存在的?主要问题(?:及|和|与)?(?:其?改进|整改)?(?:情况|措施|举措|计划|方向)?",
    6: r"其他需要?报告的事项",
}
_HEADING_LINE = {
    n: re.compile(
        rf"^[ \t]*(?:[-*#>]+[ \t]*)*\**(?P<h>(?:{_NUMBERING}[ \t]*)?[^\n|。,]{{0,12}}?(?:{p}))\**[ \t]*[::。]?[ \t]*$",
        re.M,
    )
    for n, p in SECTION_PATTERNS.items()
}
# A numbered heading that OCR glued to a paragraph: right after the "。" ending the one before,
# or at a line start with the next paragraph running on after the title.
_HEADING_GLUED = {
    n: re.compile(rf"(?:^|(?<=。))[ \t]*(?P<h>{_NUMBERING}[ \t]*(?:{p}))", re.M)
    for n, p in SECTION_PATTERNS.items()
}


def find_sections(text: str) -> list[Span]:
    """Headings of the six sections: the candidates that form the longest run of increasing
    section numbers in printed order, preferring headings numbered as their section ("二、"
    for section 2) over unnumbered ones and "(二)" subsection-style ones.

    A candidate is a short line made of a title (numbered or not), or a numbered title glued
    by OCR to a paragraph; the intro sentence that lists the titles is neither.
    """
    found = set()
    for n in SECTION_PATTERNS:
        for rx in (_HEADING_LINE[n], _HEADING_GLUED[n]):
            for m in rx.finditer(text):
                found.add((m.start("h"), m.end("h"), n, _heading_quality(m.group("h"), n)))
    cands = sorted(found)
    # best[i] = (count, quality, chain) of the best increasing chain ending at candidate i
    best: list[tuple[int, int, list[int]]] = []
    for i, (_, _, n, q) in enumerate(cands):
        prev = [best[j] for j in range(i) if cands[j][2] < n and cands[j][1] <= cands[i][0]]
        count, quality, chain = max(prev, key=lambda b: b[:2], default=(0, 0, []))
        best.append((count + 1, quality + q, [*chain, i]))
    if not best:
        return []
    chain = max(best, key=lambda b: b[:2])[2]
    return [Span(cands[i][0], cands[i][1], f"SEC{cands[i][2]}") for i in chain]


_ZH_ORDINALS = "一二三四五六"


def _heading_quality(heading: str, n: int) -> int:
    """2: numbered as its section ("三、…" for 3); 1: unnumbered or otherwise numbered; 0: "(三)"."""
    if re.match(r"[(（]", heading):
        return 0
    return 2 if heading.startswith(_ZH_ORDINALS[n - 1]) or heading.startswith(str(n)) else 1


# ---------------------------------------------------------------------------
# Metadata

_TITLE = re.compile(
    r"^[ \t]*《?(?P<agency>[^\s\d《》,,。:|>]{2,40}?)?[ \t]*(?P<year>(?:19|20)\d{2})[ \t]*年度?"
    r"[ \t]*(?:政府)?(?:信息公开|政务公开)(?:工作)?年度?报告》?[ \t]*$",
    re.M,
)
_AGENCY_LINE = re.compile(r"^[ \t]*(?P<agency>[^\s\d《》,,。:|>]{2,40})[ \t]*$", re.M)
_DATE = r"\d{4}[ \t]*(?:-[ \t]*\d{1,2}[ \t]*-[ \t]*\d{1,2}|/\d{1,2}/\d{1,2}|\.\d{1,2}\.\d{1,2}|年\d{1,2}月\d{1,2}日)"
_ZH_DATE = r"[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日"
_LABELLED_DATE = re.compile(rf"(?:发布|生成|成文|印发|公开)(?:日期|时间)[ \t]*[::|]?[ \t|]*(?P<d>{_DATE})")
_SIGNED_DATE = re.compile(rf"^[ \t]*(?P<d>{_DATE}|{_ZH_DATE})[ \t]*$", re.M)
_PERIOD_YEAR = re.compile(
    r"统计期限?(?:为|是|自|从)?[ \t]*(?P<y>(?:19|20)\d{2})[ \t]*年[ \t]*1[ \t]*月[ \t]*1[ \t]*日"
)


_OPENING_YEAR = re.compile(r"(?:^|[。::])[ \t]*(?P<y>(?:19|20)\d{2})[ \t]*年[,,]", re.M)


def _opening_year(text: str) -> re.Match[str] | None:
    """For a fragment without title: the year most paragraphs open with ("2023年,我镇…"),
    its first occurrence."""
    found = list(_OPENING_YEAR.finditer(text))
    if not found:
        return None
    years = [m.group("y") for m in found]
    common = max(years, key=years.count)
    return next(m for m in found if m.group("y") == common)


def find_meta(text: str) -> list[Span]:
    """AGENCY and YEAR from the title line ("南丰镇2022年政府信息公开工作年度报告", the agency
    possibly on the line before), else YEAR from the statistics period or the year paragraphs
    open with; PUBDATE from a labelled date ("发布时间:2023-01-28 09:46:04" → "2023-01-28"),
    else from a date line (the signature)."""
    spans: list[Span] = []
    title = _TITLE.search(text)
    if title:
        spans.append(Span(title.start("year"), title.end("year"), "YEAR"))
        if title.group("agency"):
            spans.append(Span(title.start("agency"), title.end("agency"), "AGENCY"))
        else:
            head = text[: title.start()].rstrip("\n")
            line_start = head.rfind("\n") + 1
            m = _AGENCY_LINE.match(head, line_start)
            if m:
                spans.append(Span(m.start("agency"), m.end("agency"), "AGENCY"))
    else:
        year = _PERIOD_YEAR.search(text) or _opening_year(text)
        if year:
            spans.append(Span(year.start("y"), year.end("y"), "YEAR"))
    date = _LABELLED_DATE.search(text)
    if date is None:
        signed = list(_SIGNED_DATE.finditer(text))
        date = signed[-1] if signed else None
    if date:
        spans.append(Span(date.start("d"), date.end("d"), "PUBDATE"))
    return spans


# ---------------------------------------------------------------------------
# Narrative facts

_SENTENCE_END = re.compile(r"[。;;!?!?\n]")
_CLAUSE_SPLIT = re.compile(r"[,,::()()“”\"]")
_INTERACTION = re.compile(r"12345|热线|信箱|留言|咨询|问题|诉求|来信|来电|投诉")
_REQUEST = re.compile(r"申请|办结|答复|撤回|受理")
_LEGAL = re.compile(r"复议|诉讼")
_ACTIVE = re.compile(r"公开|发布|转发|推送|更新|刊登|信息|文件")
_PLATFORM = re.compile(
    r"群|账号|小程序|平台|网站|公众号|微博|新媒体|专栏|栏目|公开栏|人员|管理员|联络员|专员|窗口|终端"
)
_TRAINING = re.compile(r"培训")
# Counts of the document's own parts are not facts: "体现在三个方面:一是…" announces the list
# that follows, "由…四个部分组成" / "从…六个方面汇报" describe the report.
_ANNOUNCES_LIST = re.compile(r"[^,,。;;\n]{0,4}[::]|部分")
_DESCRIBES_REPORT = re.compile(r"方面[^。]{0,6}(?:汇报|报告)")


def fact_kind(q: Quantity, clauses: list[str], after: str) -> str:
    """The kind of a count from its unit and its clause (``clauses[0]`` is the number's own
    clause, later ones go back through the sentence); a list under one verb ("公开…64条,政策法规
    27条") inherits the verb of its first item."""
    if q.unit == "%":
        return "share"
    if q.unit in ("万元", "元"):
        return "money"
    own = clauses[0] + after
    if q.unit in ("次", "人次"):
        return "training" if _TRAINING.search(own) else "other"
    if q.unit in ("个", "名"):
        return "platform" if q.unit == "名" or _PLATFORM.search(own) else "other"
    for clause in clauses:
        if _INTERACTION.search(clause):
            return "interaction"
        if _REQUEST.search(clause):
            return "request"
        if _LEGAL.search(clause):
            return "other"
        if _ACTIVE.search(clause):
            return "active"
    return "other"


def find_facts(text: str, taken: list[Span]) -> list[Span]:
    """Counts in prose (never in a table line, a heading, the title or a cell)."""
    spans = []
    for q in find_quantities(text):
        line_start = text.rfind("\n", 0, q.start) + 1
        line_end = text.find("\n", q.end)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if "|" in line or any(s.start < q.end and q.start < s.end for s in taken):
            continue
        if _ANNOUNCES_LIST.match(text, q.end) or _DESCRIBES_REPORT.match(text, q.end):
            continue
        after = _CLAUSE_SPLIT.split(text[q.end : q.end + 12])[0]
        spans.append(Span(q.start, q.end, f"FACT.{fact_kind(q, _clauses_before(text, q.start), after)}"))
    return spans


def _clauses_before(text: str, pos: int, reach: int = 300) -> list[str]:
    """The clauses of the sentence before ``pos``, nearest first."""
    start = max(0, pos - reach)
    for m in _SENTENCE_END.finditer(text, start, pos):
        start = m.end()
    return _CLAUSE_SPLIT.split(text[start:pos])[::-1]
