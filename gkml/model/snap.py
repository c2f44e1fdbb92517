"""Spans snapped to what is printed: the model reads characters, a report prints numbers.

The model may tag part of a number ("205" read as B-O I-cell) or part of a count ("余条" of
"800余条"); what it meant is the whole printed number or count, which this module finds, each
text's lines, number runs and counts once, so snapping stays linear in the text.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from gkml.labels import Span
from gkml.model.features import is_slot
from gkml.numbers import PAGE_NUMBER
from gkml.schema import CELL_KEYS

__all__ = ["CELL_SET", "snap"]

CELL_SET = frozenset(CELL_KEYS)
_NUMBER_CHARS = frozenset("0123456789０１２３４５６７８９")
_SIGNS = frozenset("-−－+")


_RUN = re.compile(r"[0-9０-９]+(?:[.,，．][0-9０-９]+)*")  # a printed number: digits, inner separators between digits


class _Text:
    """What :func:`snap` asks of a text, each found once per text so that snapping is linear
    however long a line is: its line breaks, its number runs, each line's counts."""

    def __init__(self, text: str):
        self.text = text
        self.breaks = [m.start() for m in re.finditer("\n", text)]
        self._runs: tuple[list[int], list[int]] | None = None
        self._page: dict[int, bool] = {}
        self._counts: dict[int, tuple[list[int], list[Any]]] = {}

    def line(self, pos: int) -> tuple[int, int]:
        """``[start, end)`` of the line that holds ``pos``."""
        n = bisect.bisect_left(self.breaks, pos)
        return (self.breaks[n - 1] + 1 if n else 0), (self.breaks[n] if n < len(self.breaks) else len(self.text))

    def run(self, i: int) -> tuple[int, int] | None:
        """The number run (:data:`_RUN`) that holds position ``i``, if any."""
        if self._runs is None:
            spans = [m.span() for m in _RUN.finditer(self.text)]
            self._runs = [s for s, _ in spans], [e for _, e in spans]
        starts, ends = self._runs
        k = bisect.bisect_right(starts, i) - 1
        return (starts[k], ends[k]) if k >= 0 and i < ends[k] else None

    def number_run(self, start: int, end: int) -> tuple[int, int]:
        """The whole printed number around ``text[start:end]``: digits, with the decimal point
        and thousands separators between digits ("205", "3,830", "530.67") and a sign before
        them ("-1", 2019's 本年增/减)."""
        text = self.text
        if text[start:end] in _SIGNS and self.run(end):  # the span is the sign of "-1": take the number
            start, end = end, end + 1
        if run := self.run(start - 1):
            start = run[0]
        if run := self.run(end):
            end = run[1]
        if start > 0 and text[start - 1] in _SIGNS and not self.run(start - 2):  # a signed number ("-1")
            start -= 1
        return start, end

    def page_number_line(self, pos: int) -> bool:
        """Whether the line at ``pos`` is a page number ("- 3 -")."""
        line = self.line(pos)
        if line[0] not in self._page:
            self._page[line[0]] = bool(PAGE_NUMBER.fullmatch(self.text, *line))
        return self._page[line[0]]

    def count_at(self, start: int, end: int):
        """The count of the line at ``start`` that overlaps ``[start, end)`` most (the first of
        equals), as :func:`gkml.numbers.find_quantities` finds counts in a line; or None."""
        from gkml.numbers import find_quantities

        line_start, line_end = self.line(start)
        if line_start not in self._counts:
            found = find_quantities(self.text[line_start:line_end])
            self._counts[line_start] = [q.end + line_start for q in found], found
        ends, found = self._counts[line_start]
        best, most = None, None
        for q in found[bisect.bisect_right(ends, start) :]:  # counts are in order and never overlap
            if q.start + line_start >= end:
                break
            overlap = min(end, q.end + line_start) - max(start, q.start + line_start)
            if most is None or overlap > most:
                best, most = q, overlap
        return None if best is None else (best.start + line_start, best.end + line_start)


def snap(text: str, spans: list[Span]) -> list[Span]:
    """Spans snapped to what is printed, the reading a partial span stands for:

    - a cell or a year that covers part of a number covers the whole number (the model read
      "205" as B-O I-cell: the cell is "205", not "5"). A printed number is never cut; a
      page number inside a table ("- 3 -", PDF and OCR layouts) is never a cell;
    - a cell read on whitespace or on a ``|`` (:func:`gkml.training.data.blank_slot`) is that cell
      printed as nothing: a zero-length span where it stands, as the rule baseline reads it;
    - a fact covers the whole count it overlaps ("余条" → "800余条"), found as
      :func:`gkml.numbers.find_quantities` finds counts in prose; a fact span over no count
      (a digit of a date, a bare numeral) is dropped.

    Snapped spans that coincide with the same label are merged (the best score kept). Linear in
    the text and the spans: lines, number runs and counts are found once (:class:`_Text`)."""
    at = _Text(text)
    out: dict[tuple[int, int, str], Span] = {}
    for sp in spans:
        start, end = sp.start, sp.end
        digits = any(c in _NUMBER_CHARS for c in text[start:end]) or (
            text[start:end] in _SIGNS and end < len(text) and text[end] in _NUMBER_CHARS
        )
        if sp.label in CELL_SET and is_slot(text[start:end]):
            end = start  # a blank cell
        elif (sp.label in CELL_SET or sp.label == "YEAR") and digits:
            start, end = at.number_run(start, end)
            if sp.label in CELL_SET and at.page_number_line(start):
                continue  # "- 3 -": a page number printed inside a table, never a cell
        elif sp.label.startswith("FACT."):
            best = at.count_at(start, end)
            if best is None:
                continue  # no count there: a numeral without a unit is never a count in prose
            start, end = best
        key = (start, end, sp.label)
        if key not in out or out[key].score < sp.score:
            out[key] = Span(start, end, sp.label, sp.score, sp.alts) if (start, end) != (sp.start, sp.end) else sp
    return sorted(out.values(), key=lambda s: (s.start, s.end, s.label))
