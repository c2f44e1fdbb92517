"""The identities (勾稽关系) of the standard tables, and prose-versus-table consistency.

:func:`run_checks` evaluates every identity of ``spec/standard-format.md`` whose cells were
all found, and reports each one, passing or failing, with its cells, both sides and the
difference: a reader should see what was checked, not only what broke.  Printed numbers
are never changed here; a failure is a finding about the report or about the extraction:
its ``verdict`` says which (:func:`verdict`: extraction doubt when a cell involved was inferred
or read with a low score, else the report is inconsistent as printed), and the split-number
hint names a likely misreading.

All table structure comes from :mod:`gkml.schema`; no cell key is written out here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from gkml.numbers import Quantity, find_quantities
from gkml.schema import (
    CELLS,
    LOW_CONFIDENCE,
    T2_SIGNED_COLS,
    T3_APPLICANT_COLS,
    T3_CARRIED_IN,
    T3_CARRIED_OVER,
    T3_COLS,
    T3_NEW,
    T3_ORG_COLS,
    T3_ORG_SUBTOTAL_COL,
    T3_OUTCOME_ROWS,
    T3_SUBTOTAL_ROWS,
    T3_TOTAL_COL,
    T3_TOTAL_ROW,
    T4_GROUPS,
    T4_PARTS,
    T4_REVIEW,
    T4_SUITS,
    T4_TOTAL_COL,
    TEMPLATES,
    VERDICTS,
    Check,
    Report,
    cols_of,
    rows_of,
    template_keys,
)

Number = int | float


def _k(prefix: str, row: str, col: str) -> str:
    return f"{prefix}.{row}.{col}"


# --- arithmetic --------------------------------------------------------------------------


def _value(v: Any) -> Number | None:
    """A cell value; also accepts a :class:`gkml.schema.CellValue`-like object."""
    return getattr(v, "value", v)


def _tidy(x: Number) -> Number:
    """Exact for integers; decimals (fees) compared at 6 places so 0.1+0.2 == 0.3."""
    return round(x, 6) if isinstance(x, float) else x


def _sum(vals: Mapping[str, Number | None], keys: Iterable[str]) -> Number:
    return _tidy(sum((vals[k] or 0) for k in keys))


def _equation(
    check_id: str, where: str, lhs_keys: list[str], rhs_keys: list[str], vals: Mapping[str, Number | None]
) -> Check | None:
    """sum(lhs_keys) == sum(rhs_keys), or None when a cell was not found (identity skipped)."""
    keys = [*lhs_keys, *rhs_keys]
    if any(k not in vals for k in keys):
        return None
    lhs, rhs = _sum(vals, lhs_keys), _sum(vals, rhs_keys)
    delta = _tidy(lhs - rhs)
    return Check(id=check_id, where=where, ok=delta == 0, lhs=lhs, rhs=rhs, cells=keys, delta=delta)


# --- table identities --------------------------------------------------------------------


@dataclass(frozen=True)
class Equation:
    """One table identity as data: ``sum(lhs) == sum(rhs)``. The checker evaluates it; the
    assembler also uses it to settle which span is which cell and to infer a missing cell
    that it fixes (:mod:`gkml.assemble.report`)."""

    id: str
    where: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.lhs, *self.rhs)


def _t3_balance() -> list[Equation]:
    """一 + 二 = (七)总计 + 四, per column."""
    return [
        Equation(
            "T3-BALANCE",
            c,
            (_k("t3", T3_NEW, c), _k("t3", T3_CARRIED_IN, c)),
            (_k("t3", T3_TOTAL_ROW, c), _k("t3", T3_CARRIED_OVER, c)),
        )
        for c in T3_COLS
    ]


def _t3_outcomes(template: str) -> list[Equation]:
    """(七)总计 = sum of the outcome rows (一)…(六), per column (小计 rows excluded)."""
    return [
        Equation(
            "T3-OUTCOMES",
            c,
            (_k("t3", T3_TOTAL_ROW, c),),
            tuple(_k("t3", r, c) for r in T3_OUTCOME_ROWS[template]),
        )
        for c in T3_COLS
    ]


def _t3_rowsum(template: str) -> list[Equation]:
    """总计 = 自然人 + the five 法人或其他组织 columns, per row (printed 小计 rows included)."""
    return [
        Equation(
            "T3-ROWSUM",
            r,
            (_k("t3", r, T3_TOTAL_COL),),
            tuple(_k("t3", r, c) for c in T3_APPLICANT_COLS),
        )
        for r in rows_of("t3", template)
    ]


def subtotal_items(subtotal_row: str, template: str) -> tuple[str, ...]:
    """The outcome rows a 小计 row adds up: denied_subtotal → denied_secret, denied_law, …"""
    group = subtotal_row.removesuffix("_subtotal")
    return tuple(r for r in T3_OUTCOME_ROWS[template] if r.startswith(group + "_"))


def _t3_subtotal(template: str) -> list[Equation]:
    """Where printed: each 小计 row = its items; the 小计 column = the five 法人或其他组织 columns."""
    rows = rows_of("t3", template)
    out: list[Equation] = []
    for sub in T3_SUBTOTAL_ROWS:
        if sub not in rows:
            continue
        items = subtotal_items(sub, template)
        for c in T3_COLS:
            out.append(
                Equation("T3-SUBTOTAL", f"{sub}.{c}", (_k("t3", sub, c),), tuple(_k("t3", r, c) for r in items))
            )
    for r in rows:
        out.append(
            Equation(
                "T3-SUBTOTAL",
                f"{r}.{T3_ORG_SUBTOTAL_COL}",
                (_k("t3", r, T3_ORG_SUBTOTAL_COL),),
                tuple(_k("t3", r, c) for c in T3_ORG_COLS),
            )
        )
    return out


def _t4_sum() -> list[Equation]:
    """总计 = 维持 + 纠正 + 其他 + 尚未审结, per group."""
    return [
        Equation("T4-SUM", g, (_k("t4", g, T4_TOTAL_COL),), tuple(_k("t4", g, p) for p in T4_PARTS))
        for g in T4_GROUPS
    ]


@cache
def equations(template: str) -> tuple[Equation, ...]:
    """Every table identity of ``template`` that is an equation, in the order checks are
    reported (T2-NONNEG is an inequality and is not among them)."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template: {template!r} (expected one of {TEMPLATES})")
    if template == "none":
        return ()
    return (*_t3_balance(), *_t3_outcomes(template), *_t3_rowsum(template), *_t3_subtotal(template), *_t4_sum())


def _t2_nonneg(vals: Mapping[str, Number | None], template: str) -> Check | None:
    """One check over all of table 2: every count ≥ 0 (2019 本年增/减 exempt)."""
    keys = [
        k
        for k in template_keys(template)
        if CELLS[k].table == 2 and CELLS[k].col not in T2_SIGNED_COLS and k in vals
    ]
    if not keys:
        return None
    values = {k: vals[k] or 0 for k in keys}
    bad = [k for k in keys if values[k] < 0]
    low = min(values.values())
    return Check(
        id="T2-NONNEG",
        where="table2",
        ok=not bad,
        lhs=low,
        rhs=0,
        cells=bad or keys,
        delta=low,
    )


# --- the split-number hint ---------------------------------------------------------------


def split_hints(vals: Mapping[str, Number | None], template: str) -> dict[str, list[tuple[list[str], str]]]:
    """Per table-3 row whose T3-ROWSUM fails: adjacent single-digit cells that, read as one
    printed number (2|0 → 20) with the rest of the row shifted left by one, make the row add
    up.  Returns row → [(cells from the split onward, note)].

    The shift leaves the last applicant column empty (its true value was pushed out of the
    row), so the test is: total == sum of the merged row.
    """
    hints: dict[str, list[tuple[list[str], str]]] = {}
    for r in rows_of("t3", template):
        keys = [_k("t3", r, c) for c in T3_APPLICANT_COLS]
        total_key = _k("t3", r, T3_TOTAL_COL)
        if any(k not in vals for k in [*keys, total_key]):
            continue
        row = [vals[k] for k in keys]
        nums = [v or 0 for v in row]
        total = vals[total_key] or 0
        if _tidy(sum(nums)) == total:
            continue
        for i in range(len(keys) - 1):
            a, b = row[i], row[i + 1]
            if not (_digit(a) and _digit(b)) or a == 0:
                continue
            merged = [*nums[:i], 10 * a + b, *nums[i + 2 :]]  # shifted left; last slot emptied
            if sum(merged) == total:
                note = f"{keys[i]} and {keys[i + 1]} may be one number read as two ({a}|{b} → {a}{b})"
                hints.setdefault(r, []).append((keys[i:], note))
    return hints


def _digit(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 9


def _add_split_hints(checks: list[Check], vals: Mapping[str, Number | None], template: str) -> None:
    """Attach the hint to every failed identity that involves a cell the split would shift."""
    hints = split_hints(vals, template)
    if not hints:
        return
    for ch in checks:
        if ch.ok:
            continue
        notes = [
            note
            for r, found in hints.items()
            for shifted, note in found
            if any(k in ch.cells for k in shifted)
        ]
        if notes:
            ch.note = "; ".join(dict.fromkeys([*([ch.note] if ch.note else []), *notes]))


# --- X-NARRATIVE -------------------------------------------------------------------------

# Words that end a phrase between its keyword and the number ("收到申请并予以公开10件" is
# not a count of applications received).
_GAP = r"(?:(?!公开|办结|答复|撤回|其中|予以|不予|办理|处理|纠正|维持)[^\d]){0,8}"

#: kind → (pattern anchored at the number, cells whose sum the number restates)
NARRATIVE_PHRASES: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {
    "carried_in": (
        re.compile(r"上一?年度?结转[^\d]{0,16}$"),
        (_k("t3", T3_CARRIED_IN, T3_TOTAL_COL),),
    ),
    "carried_over": (
        re.compile(
            r"(?:结转(?:至|到)?下一?年度?|转入下一?年度?|顺延至下一?年度?|下一?年度?继续办理)[^\d]{0,12}$"
        ),
        (_k("t3", T3_CARRIED_OVER, T3_TOTAL_COL),),
    ),
    "review": (
        re.compile(r"行政复议(?:(?!诉讼)[^\d]){0,6}$"),
        tuple(_k("t4", g, T4_TOTAL_COL) for g in T4_REVIEW),
    ),
    "suit": (
        re.compile(r"行政诉讼(?:(?!复议)[^\d]){0,6}$"),
        tuple(_k("t4", g, T4_TOTAL_COL) for g in T4_SUITS),
    ),
    "new": (
        re.compile(r"(?:新收|收到|受理|接收|接到|收悉)[^\d]{0,30}?(?:依申请公开件|申请件|申请)" + _GAP + "$"),
        (_k("t3", T3_NEW, T3_TOTAL_COL),),
    ),
}

_CLAUSE_END = re.compile(r"[。;;,,!?!?\n]")
_AT_LEAST = ("余", "多", "以上", "逾", "超")  # 超 covers 超过/超過
_AROUND = ("近", "约", "約", "左右")
_NUMBER_ONLY = re.compile(r"[-+]?[\d,.]*")


def is_table_line(line: str) -> bool:
    """Lines that belong to a table, not to prose: cells joined by " | ", markdown rows,
    and lines holding only a number (one cell per line)."""
    s = line.strip()
    return " | " in line or s.startswith("|") or bool(_NUMBER_ONLY.fullmatch(s.strip("| ").strip()))


def narrative_statements(text: str) -> list[tuple[str, Quantity, str]]:
    """(kind, quantity, fragment) for every prose statement that restates a table-3/4 total.

    Only counts in 件 are taken.  The phrase must lie between the number and the previous
    clause end or previous count, so "行政复议31件、行政诉讼0件" gives review 31 and suit 0,
    and "行政复议和行政诉讼共3件" gives nothing (it restates neither alone).
    """
    out: list[tuple[str, Quantity, str]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        if not is_table_line(line):
            prev_end = 0
            for q in find_quantities(line):
                seg_start = prev_end
                for m in _CLAUSE_END.finditer(line, prev_end, q.start):
                    seg_start = m.end()
                prev_end = q.end
                if q.unit != "件":
                    continue
                segment = line[seg_start : q.start]
                if "复议" in segment and "诉讼" in segment:
                    continue
                for kind, (pattern, _) in NARRATIVE_PHRASES.items():
                    m = pattern.search(segment)
                    if m:
                        fragment = line[seg_start : q.end].strip()
                        shifted = Quantity(
                            q.text, q.start + offset, q.end + offset, q.value, q.approx, q.unit
                        )
                        out.append((kind, shifted, fragment))
                        break
        offset += len(line)
    return out


def _narrative(vals: Mapping[str, Number | None], text: str) -> list[Check]:
    """X-NARRATIVE warnings: a count in the prose against the table cell(s) it restates.

    An approximate count is a mismatch only when the table contradicts it: "900余件" fails
    when the table is below 900; "近百件"/"约30件" are not flagged.
    """
    out: list[Check] = []
    for kind, q, fragment in narrative_statements(text):
        keys = list(NARRATIVE_PHRASES[kind][1])
        if any(k not in vals for k in keys):
            continue
        cell = _sum(vals, keys)
        delta = _tidy(q.value - cell)
        if not q.approx:
            ok = delta == 0
        elif any(w in q.text for w in _AT_LEAST):
            ok = cell >= q.value
        else:
            ok = True
        out.append(
            Check(
                id="X-NARRATIVE",
                where=kind,
                ok=ok,
                lhs=q.value,
                rhs=cell,
                cells=keys,
                delta=delta,
                severity="warning",
                note=fragment,
            )
        )
    return out


# --- X-YEAR ------------------------------------------------------------------------------


def _t2_col(col_zh: str) -> str:
    return next(c.col for c in CELLS.values() if c.prefix == "t2" and c.col_zh == col_zh)


T2_ISSUED, T2_REPEALED, T2_IN_FORCE = _t2_col("本年制发件数"), _t2_col("本年废止件数"), _t2_col("现行有效件数")
T2_STOCK_ROWS = tuple(r for r in rows_of("t2") if T2_IN_FORCE in cols_of("t2", r))  # 规章, 行政规范性文件


def cross_year_checks(prev: Report, cur: Report) -> list[Check]:
    """X-YEAR between two reports of the same organ, ``prev`` for year N−1 and ``cur`` for N.

    - per table-3 column: 四、结转下年度继续办理 of N−1 = 二、上年结转 of N (lhs: N−1, rhs: N);
    - 规章 and 行政规范性文件 (2021 table 2 in both reports): 现行有效 of N−1 + 本年制发 of N
      − 本年废止 of N = 现行有效 of N.

    Only identities whose cells both reports have are reported; ``cells`` names the keys
    (the first from ``prev``), ``note`` says which years. The caller decides that the two
    reports are the same organ in consecutive years (see :mod:`gkml.audit`).
    """
    a = {k: _value(v) for k, v in prev.cells.items()}
    b = {k: _value(v) for k, v in cur.cells.items()}
    years = f"{prev.meta.year or '?'}→{cur.meta.year or '?'}"
    out: list[Check] = []

    def add(where: str, lhs: Number, rhs: Number, keys: list[str], what: str) -> None:
        lhs, rhs = _tidy(lhs), _tidy(rhs)
        delta = _tidy(lhs - rhs)
        doubt = VERDICTS[0] in (verdict(keys[:1], prev.cells), verdict(keys[1:], cur.cells))  # the first key is N−1's
        out.append(Check(id="X-YEAR", where=where, ok=delta == 0, lhs=lhs, rhs=rhs, cells=keys, delta=delta,
                         note=f"{years}: {what}", verdict=None if delta == 0 else VERDICTS[not doubt]))  # fmt: skip

    for c in T3_COLS:
        over, carried = _k("t3", T3_CARRIED_OVER, c), _k("t3", T3_CARRIED_IN, c)
        if over in a and carried in b:
            add(f"carried.{c}", a[over] or 0, b[carried] or 0, [over, carried],
                "结转下年度继续办理 of the earlier year = 上年结转 of the later")  # fmt: skip
    for r in T2_STOCK_ROWS:
        old, issued, repealed, new = (_k("t2", r, c) for c in (T2_IN_FORCE, T2_ISSUED, T2_REPEALED, T2_IN_FORCE))
        if old in a and all(k in b for k in (issued, repealed, new)):
            lhs = (a[old] or 0) + (b[issued] or 0) - (b[repealed] or 0)
            add(f"in_force.{r}", lhs, b[new] or 0, [old, issued, repealed, new],
                "现行有效 of the earlier year + 本年制发 − 本年废止 = 现行有效 of the later")  # fmt: skip
    return out


# --- verdict -----------------------------------------------------------------------------


def verdict(keys: Iterable[str], cells: Mapping[str, Any]) -> str:
    """What a failed identity is, from how its cells were read: "doubt" (extraction doubt) when one
    of them was inferred or read with a score below LOW_CONFIDENCE (a reviewer checks the reading),
    "inconsistent" when all were read with confidence (the report does not add up as printed: a
    supervising office acts on it). A bare value (gold, a table typed in) counts as read with confidence."""
    for k in keys:
        c = cells.get(k)
        if getattr(c, "inferred", False) or getattr(c, "score", 1.0) < LOW_CONFIDENCE:
            return VERDICTS[0]
    return VERDICTS[1]


# --- entry point -------------------------------------------------------------------------


def run_checks(cells: Mapping[str, Any], template: str, text: str | None = None) -> list[Check]:
    """Every identity whose cells were all found, passing or failing; each failed one with its verdict.

    ``cells`` maps a cell key to its value or its :class:`gkml.schema.CellValue` (whose score and
    ``inferred`` decide the :func:`verdict`): ``None`` is a printed blank (0 in arithmetic); an
    absent key was not found, and identities that need it are skipped (not reported).
    ``template`` is "2021", "2019" or "none" (no table identities).  With ``text``, prose
    counts are compared with the table (X-NARRATIVE, severity "warning").
    """
    if template not in TEMPLATES:
        raise ValueError(f"unknown template: {template!r} (expected one of {TEMPLATES})")
    vals = {k: _value(v) for k, v in cells.items()}
    found: list[Check | None] = []
    if template != "none":
        found += [_equation(e.id, e.where, list(e.lhs), list(e.rhs), vals) for e in equations(template)]
        found.append(_t2_nonneg(vals, template))
    checks = [c for c in found if c is not None]
    if template != "none":
        _add_split_hints(checks, vals, template)
    if text:
        checks += _narrative(vals, text)
    for c in checks:
        if not c.ok:
            c.verdict = verdict(c.cells, cells)
    return checks
