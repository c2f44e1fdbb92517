"""Cells an identity fixes, filled in (``inferred: true``): the one missing part of a row or
column, the parts of a total of 0, a blank among blanks. Separate from choosing the cells read
(:mod:`gkml.assemble.report`), which never alters a printed value; what is filled here is
marked as such, with no offsets."""

from __future__ import annotations

from collections.abc import Iterable

from gkml.assemble.checks import Number, equations
from gkml.schema import CELLS, T3_ORG_SUBTOTAL_COL, CellValue, template_keys


def _is_subtotal_row(key: str) -> bool:
    return key.startswith("t3.") and key.split(".")[1].endswith("_subtotal")


def _is_org_subtotal(key: str) -> bool:
    return key.startswith("t3.") and key.split(".")[2] == T3_ORG_SUBTOTAL_COL


def expected_keys(keys: Iterable[str], template: str) -> frozenset[str]:
    """The cells this report prints: the template's standard ones, plus the 小计 rows and the
    法人或其他组织 小计 column when a cell of them was found (printed variants)."""
    keys = set(keys)
    rows, col = any(map(_is_subtotal_row, keys)), any(map(_is_org_subtotal, keys))
    out = set(template_keys(template))
    for k in set(template_keys(template, standard_only=False)) - out:
        if (not _is_subtotal_row(k) or rows) and (not _is_org_subtotal(k) or col):
            out.add(k)
    return frozenset(out)


def infer_cells(cells: dict[str, CellValue], template: str) -> dict[str, CellValue]:
    """Fill the cells an identity fixes: in an equation whose cells were all read but one,
    that one is the difference; where the cells missing are all on one side and the rest
    already balance, each is 0 (table 3 and 4 hold counts, never below 0: a total of 0 makes
    every part of it 0); the cells missing from an equation whose other cells are all printed blank
    are blanks too (a row or column left empty). Filled only when every equation that fixes the cell this way agrees,
    the value is a count (≥ 0) and the cell is one the report prints
    (:func:`expected_keys`); repeated while something is filled, as a filled total may fix
    another cell. Returns the new cells (``inferred: true``, raw "", no offsets, the lowest
    score of the cells it was computed from)."""
    if template == "none" or not cells:
        return {}
    expected = expected_keys(cells, template)
    eqs = equations(template)
    known: dict[str, CellValue] = dict(cells)
    new: dict[str, CellValue] = {}
    while True:
        proposals: dict[str, list[tuple[Number | None, float]]] = {}
        for e in eqs:
            missing = set(e.keys) - known.keys()
            if not missing or not missing <= expected:
                continue
            lhs = sum(known[k].value or 0 for k in e.lhs if k in known)
            rhs = sum(known[k].value or 0 for k in e.rhs if k in known)
            score = min((known[k].score for k in e.keys if k in known), default=1.0)
            # nothing printed adds up to nothing printed: blanks, among blanks
            all_blank = all(known[k].value is None for k in e.keys if k in known)
            if len(missing) == 1:
                (m,) = missing
                value = rhs - lhs if m in e.lhs else lhs - rhs
                value = None if all_blank else round(value, 6) if isinstance(value, float) else value
                proposals.setdefault(m, []).append((value, score))
            elif lhs == rhs and (missing <= set(e.lhs) or missing <= set(e.rhs)):
                for m in missing:  # counts that add up to nothing are each 0
                    proposals.setdefault(m, []).append((None if all_blank else 0, score))
        filled = False
        for key in (k for k in CELLS if k in proposals):
            values = {v for v, _ in proposals[key]}
            if len(values) != 1:
                continue
            value = values.pop()
            if value is not None and value < 0:
                continue
            cell = CellValue(value=value, raw="", start=None, end=None,
                             score=round(min(s for _, s in proposals[key]), 4), inferred=True)  # fmt: skip
            known[key] = new[key] = cell
            filled = True
        if not filled:
            return new
