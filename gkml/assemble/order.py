"""Whether the text kept table 3's rows, and what its cells are worth where it did not.

gkml reads a table by its rows: a row label, then its values, left to right. Its own PDF reader,
a Word file, a web page, a scraper and OCR all keep that order. A PDF text extractor that prints
each table cell as a text box of its own (pdfminer.six and the converters built on it) does not:
its layout analysis orders the boxes column by column, or in blocks of a few rows and columns,
differently from one run to the next. Every printed number is still there, one to a line, but
which row and column it sat in is not, and no labeller can read it back: what it gives for the
table is a guess that may well pass every identity (a table of zeros does). A report that
silently carries guessed cells is worse than one that says so.

The text says it: table 3's widest row has :data:`ROW_VALUES` values (seven columns and 小计), and
where rows are kept, a row's label stands before its values. Values printed one to a line, more
than a row's worth of numbers with no label between (blank marks and page footers aside), are a
table printed in some other order. The extractor that did it treats every table alike (table 2's
small tables come out a column at a time, table 4's values among its headers), so then every
table cell read from the text is scored at most :data:`ORDER_LOST_SCORE`, below
`gkml.schema.LOW_CONFIDENCE`: a failed identity is extraction doubt, not the report's
inconsistency, a reviewer knows which cells to check, and the report's warnings say where and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from gkml.io.paragraphs import PAGE_FOOTER
from gkml.numbers import PAGE_NUMBER, parse_cell
from gkml.schema import CellValue

ROW_VALUES = 8  # values of table 3's widest row: its seven columns and 小计
ORDER_LOST_SCORE = 0.5  # at most, for a table cell read from a text that lost table 3's rows


@dataclass(frozen=True)
class LostRows:
    """The longest run of values printed one to a line without a row label: where, and how long."""

    start: int
    end: int
    values: int

    def warning(self) -> str:
        return (f"table 3's values are printed one to a line, {self.values} of them with no row label between "
                f"(text {self.start}-{self.end}), where a row has at most {ROW_VALUES}: the text lost the table's rows "
                "(a PDF text extractor printed it column by column), so which cell each value is cannot be read "
                "from it, and every table cell is scored as doubtful; read the PDF itself")  # fmt: skip


def _value(line: str) -> bool | None:
    """True for a line that is a number, False for any other text, None for blank marks ("—",
    "-- —— —"): cells printed empty, or the dash of a page footer cut in two ("-" / "3 -")."""
    try:
        values = [parse_cell(token) for token in line.split()]
    except ValueError:
        return False
    if all(v is None for v in values):
        return None
    return len(values) == 1


def lost_rows(text: str, cells: Mapping[str, CellValue], section_4: int | None = None) -> LostRows | None:
    """The longest run of table-3 values printed one to a line with no row label between, where it
    is longer than a row; None where the text kept the rows. Only table 3 is looked at, from its
    first cell read to its last or, further, to section 4's heading (``section_4``, its offset)
    where that follows: table 4 prints its fifteen values in one row."""
    printed = [c for k, c in cells.items() if k.startswith("t3.") and c.start is not None and c.end is not None]
    if not printed:
        return None
    lo, hi = min(c.start for c in printed), max(c.end for c in printed)
    hi = max(hi, section_4) if section_4 is not None and section_4 > lo else hi
    lo = text.rfind("\n", 0, lo) + 1
    best: LostRows | None = None
    run, first, pos = 0, lo, lo
    for line in text[lo:hi].split("\n"):
        end = pos + len(line)
        value = _value(line) if line.strip() and not (PAGE_FOOTER.match(line) or PAGE_NUMBER.match(line)) else None
        if value is None:
            pass  # layout, or a blank mark: neither counted nor a label
        elif value:
            run, first = run + 1, first if run else pos
            if run > ROW_VALUES and (best is None or run > best.values):
                best = LostRows(first, end, run)
        else:
            run = 0
        pos = end + 1
    return best


def doubted(cells: Mapping[str, CellValue]) -> dict[str, CellValue]:
    """``cells`` with every cell read from the text scored at most :data:`ORDER_LOST_SCORE`."""
    return {k: replace(c, score=min(c.score, ORDER_LOST_SCORE)) if c.start is not None else c
            for k, c in cells.items()}  # fmt: skip
