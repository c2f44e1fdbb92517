"""Table values that look like a real organ's: a township is mostly zeros, a city bureau has
hundreds, a province thousands; fees are decimals in 万元.

Values are built so that every identity of :mod:`gkml.assemble.checks` holds (row sums, the balance
一 + 二 = (七) + 四, the outcome sums, 小计 rows and column, table 4 totals); a report can then be
broken on purpose by :func:`break_identity`, the way real reports are.  How a value is
*printed* (0, "—", "/", nothing, "3,830") is decided here too, because a printed blank changes
the gold value (``None``) while leaving the arithmetic alone.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

from gkml.assemble.checks import subtotal_items
from gkml.schema import (
    CELLS,
    T2_SIGNED_COLS,
    T3_APPLICANT_COLS,
    T3_CARRIED_IN,
    T3_CARRIED_OVER,
    T3_NEW,
    T3_ORG_COLS,
    T3_ORG_SUBTOTAL_COL,
    T3_OUTCOME_ROWS,
    T3_SUBTOTAL_ROWS,
    T3_TOTAL_COL,
    T3_TOTAL_ROW,
    T4_GROUPS,
    T4_PARTS,
    T4_TOTAL_COL,
)
from gkml.schema import cols_of as _cols_of
from gkml.schema import rows_of as _rows_of
from gkml.schema import template_keys as _template_keys

# The catalogue lookups scan every cell; a report asks hundreds of times, so they are cached.
rows_of = lru_cache(maxsize=None)(_rows_of)
cols_of = lru_cache(maxsize=None)(_cols_of)
template_keys = lru_cache(maxsize=None)(_template_keys)

Number = int | float


@dataclass(frozen=True)
class Scale:
    """A count that is zero with chance ``1 - active``, else log-normal around ``median``."""

    active: float
    median: float
    spread: float = 1.0

    def draw(self, rng: random.Random, factor: float = 1.0) -> int:
        if rng.random() >= self.active:
            return 0
        return max(1, round(rng.lognormvariate(math.log(self.median * factor), self.spread)))


# Applications received (一、本年新收 总计) by organ level: 3746 and 13364 are real provincial totals.
T3_NEW_SCALE = {
    "township": Scale(0.35, 2, 0.8),
    "county": Scale(0.8, 12, 1.0),
    "city": Scale(0.97, 150, 1.0),
    "province": Scale(1.0, 2500, 0.8),
}
# Administrative reconsideration cases (行政复议 总计); lawsuits are a fraction of them.
T4_SCALE = {
    "township": Scale(0.06, 1, 0.5),
    "county": Scale(0.3, 2, 0.8),
    "city": Scale(0.8, 12, 0.9),
    "province": Scale(1.0, 60, 0.8),
}
LEVEL_FACTOR = {"township": 1.0, "county": 4.0, "city": 20.0, "province": 80.0}

# Table 2 rows by what they count, per level.  Rows not named here get ``_GENERIC``.
_DOCS = {  # (chance of any, typical in-force stock) for 规章 / 规范性文件
    "rules": {"township": (0.0, 0), "county": (0.0, 0), "city": (0.7, 60), "province": (1.0, 200)},
    "normative": {"township": (0.3, 4), "county": (0.85, 40), "city": (1.0, 200), "province": (1.0, 600)},
}
_DECISIONS = {
    "licensing": {"township": Scale(0.4, 40), "county": Scale(0.95, 1500), "city": Scale(1, 15000),
                  "province": Scale(1, 60000)},
    "other_services": {"township": Scale(0.3, 30), "county": Scale(0.8, 800), "city": Scale(0.9, 8000),
                       "province": Scale(1, 30000)},
    "penalty": {"township": Scale(0.5, 80), "county": Scale(0.9, 600), "city": Scale(1, 6000),
                "province": Scale(1, 20000)},
    "coercion": {"township": Scale(0.15, 4), "county": Scale(0.5, 25), "city": Scale(0.8, 250),
                 "province": Scale(0.9, 900)},
}  # fmt: skip
_GENERIC = {lvl: Scale(0.5, 10 * f) for lvl, f in LEVEL_FACTOR.items()}
_FEES = {"township": Scale(0.1, 4), "county": Scale(0.35, 150), "city": Scale(0.6, 2500),
         "province": Scale(0.7, 15000)}  # fmt: skip
_ITEMS = {"township": Scale(0.5, 15), "county": Scale(0.9, 80), "city": Scale(1, 300), "province": Scale(1, 800)}

# Shares of the outcome groups of table 3 (row ids start with these words), before jitter.
_OUTCOME_GROUP_WEIGHT = {"granted": 0.42, "partial": 0.1, "denied": 0.08, "unable": 0.25, "rejected": 0.06,
                         "other": 0.09}  # fmt: skip
# Organisations that apply, relative to each other (the first applicant column is 自然人).
_ORG_WEIGHT = {"business": 3.0, "research": 0.1, "social_org": 0.15, "legal_org": 1.0, "other_org": 0.8}
_T4_PART_WEIGHT = {"upheld": 0.55, "corrected": 0.1, "other": 0.2, "pending": 0.15}


# --------------------------------------------------------------------------- helpers


def _gamma_weights(rng: random.Random, base: list[float], shape: float = 2.0) -> list[float]:
    """``base`` jittered (gamma noise), so no two organs share the same proportions."""
    return [b * rng.gammavariate(shape, 1.0 / shape) if b > 0 else 0.0 for b in base]


def allocate(rng: random.Random, n: int, weights: list[float]) -> list[int]:
    """Split ``n`` into integer parts by ``weights``: sampled one by one for small n (so small
    organs get the lumpy counts real ones have), largest remainder for large n."""
    total = sum(weights)
    if n <= 0 or total <= 0:
        return [0] * len(weights)
    if n <= 300:
        out = [0] * len(weights)
        for i in rng.choices(range(len(weights)), weights=weights, k=n):
            out[i] += 1
        return out
    exact = [n * w / total for w in weights]
    out = [int(x) for x in exact]
    rest = sorted(range(len(weights)), key=lambda i: exact[i] - out[i], reverse=True)
    for i in rest[: n - sum(out)]:
        out[i] += 1
    return out


def _key(prefix: str, row: str, col: str) -> str:
    return f"{prefix}.{row}.{col}"


# --------------------------------------------------------------------------- table 3 and 4


def _table3(rng: random.Random, template: str, level: str, subtotals: bool) -> dict[str, int]:
    values: dict[str, int] = {}
    n_new = T3_NEW_SCALE[level].draw(rng)
    person = rng.uniform(0.55, 0.98) if n_new else 1.0
    org_base = [rng.uniform(0.3, 1.0) * _ORG_WEIGHT.get(c, 0.5) for c in T3_APPLICANT_COLS[1:]]
    col_weights = [person, *[(1 - person) * w / sum(org_base) for w in org_base]]
    new = allocate(rng, n_new, col_weights)

    outcome_rows = T3_OUTCOME_ROWS[template]
    groups = [r.split("_")[0] for r in outcome_rows]
    group_size = {g: groups.count(g) for g in groups}
    row_base = []
    for g in groups:
        share = _OUTCOME_GROUP_WEIGHT.get(g, 0.05) / group_size[g]
        row_base.append(share * rng.choice((0.0, 0.3, 1.0, 1.0, 2.5)) if group_size[g] > 1 else share)
    row_weights = _gamma_weights(rng, row_base)
    if sum(row_weights) == 0:
        row_weights = [1.0] + [0.0] * (len(row_weights) - 1)

    carry_share = rng.choice((0.0, 0.0, 0.03, 0.08, 0.15))
    carry_out_share = rng.choice((0.0, 0.0, 0.03, 0.08, 0.15))
    for col, n in zip(T3_APPLICANT_COLS, new, strict=True):
        c_in = round(n * carry_share * rng.uniform(0.5, 1.5))
        c_out = min(n + c_in, round(n * carry_out_share * rng.uniform(0.5, 1.5)))
        handled = n + c_in - c_out
        values[_key("t3", T3_NEW, col)] = n
        values[_key("t3", T3_CARRIED_IN, col)] = c_in
        values[_key("t3", T3_CARRIED_OVER, col)] = c_out
        values[_key("t3", T3_TOTAL_ROW, col)] = handled
        for r, v in zip(outcome_rows, allocate(rng, handled, _gamma_weights(rng, row_weights, 8.0)), strict=True):
            values[_key("t3", r, col)] = v

    rows = [r for r in rows_of("t3", template, standard_only=True)]
    if subtotals:
        rows += [r for r in T3_SUBTOTAL_ROWS if r in rows_of("t3", template)]
        for sub in T3_SUBTOTAL_ROWS:
            if sub in rows:
                for col in T3_APPLICANT_COLS:
                    values[_key("t3", sub, col)] = sum(
                        values[_key("t3", r, col)] for r in subtotal_items(sub, template)
                    )
    for r in rows:
        values[_key("t3", r, T3_TOTAL_COL)] = sum(values[_key("t3", r, c)] for c in T3_APPLICANT_COLS)
        if subtotals:
            values[_key("t3", r, T3_ORG_SUBTOTAL_COL)] = sum(values[_key("t3", r, c)] for c in T3_ORG_COLS)
    return values


def _table4(rng: random.Random, level: str) -> dict[str, int]:
    values: dict[str, int] = {}
    review = T4_SCALE[level].draw(rng)
    for i, group in enumerate(T4_GROUPS):
        n = review if i == 0 else round(review * rng.choice((0.0, 0.1, 0.3, 0.6)))
        weights = _gamma_weights(rng, [_T4_PART_WEIGHT.get(p, 0.1) for p in T4_PARTS])
        for part, v in zip(T4_PARTS, allocate(rng, n, weights), strict=True):
            values[_key("t4", group, part)] = v
        values[_key("t4", group, T4_TOTAL_COL)] = n
    return values


# --------------------------------------------------------------------------- table 2


def _fee(rng: random.Random, level: str) -> float:
    """An amount in 万元 with up to two decimals (530.67, 96171.6), or 0."""
    scale = _FEES[level]
    if rng.random() >= scale.active:
        return 0
    return round(rng.lognormvariate(math.log(scale.median), 1.2), rng.choice((2, 2, 2, 1)))


def _docs(rng: random.Random, row: str, level: str) -> tuple[int, int, int]:
    """(issued this year, repealed/extra, stock) for 规章 / 规范性文件: stock ≥ issued."""
    active, stock = _DOCS.get(row, _DOCS["normative"])[level]
    if rng.random() >= active:
        return 0, 0, 0
    in_force = max(1, round(rng.lognormvariate(math.log(max(stock, 1)), 0.7)))
    issued = min(in_force, round(in_force * rng.uniform(0.0, 0.3)))
    repealed = round(in_force * rng.choice((0.0, 0.0, 0.05, 0.15)))
    return issued, repealed, in_force


def _table2(rng: random.Random, template: str, level: str) -> dict[str, Number]:
    prefix = "t2" if template == "2021" else "t2v19"
    values: dict[str, Number] = {}
    for row in rows_of(prefix, template):
        cols = cols_of(prefix, row)
        keys = [_key(prefix, row, c) for c in cols]
        if row in _DOCS:
            issued, repealed, stock = _docs(rng, row, level)
            if template == "2021":  # 本年制发, 本年废止, 现行有效
                triple = (issued, repealed, stock)
            else:  # 本年新制作, 本年新公开, 对外公开总数量
                triple = (issued, min(issued, round(issued * rng.uniform(0.5, 1.0))), stock)
            values.update(zip(keys, triple, strict=False))
            continue
        for key, col in zip(keys, cols, strict=True):
            unit = CELLS[key].unit
            if unit == "万元":
                values[key] = _fee(rng, level)
            elif col in T2_SIGNED_COLS:
                values[key] = rng.choice((0, 0, 0, 0, 1, 2, 3, -1, -2, 5, -8))
            elif unit == "项":
                values[key] = _ITEMS[level].draw(rng)
            else:
                values[key] = _DECISIONS.get(row, _GENERIC)[level].draw(rng)
    return values


def draw_values(rng: random.Random, template: str, level: str, subtotals: bool = False) -> dict[str, Number]:
    """Every printed cell of a report of ``template`` by an organ of ``level``, all identities holding."""
    values: dict[str, Number] = {}
    values.update(_table2(rng, template, level))
    values.update(_table3(rng, template, level, subtotals))
    values.update(_table4(rng, level))
    keys = printed_keys(template, subtotals)
    return {k: values[k] for k in keys}


def printed_keys(template: str, subtotals: bool) -> tuple[str, ...]:
    """The cell keys a report prints: the standard ones, plus the 小计 variants when printed."""
    if not subtotals:
        return template_keys(template)
    return tuple(k for k in template_keys(template, standard_only=False) if k in CELLS)


# --------------------------------------------------------------------------- breaking an identity


def break_identity(rng: random.Random, values: dict[str, Number], template: str, spare: str | None = None) -> str:
    """Change one or two cells so that at least one identity fails, as in real reports; returns
    what was done.  Each way of breaking is one real reporters make: a row that does not add up,
    a balance that does not hold, an outcome row miscounted, a table-4 total wrong.  ``spare``
    ("t3" or "t4") is a table printed without values (:func:`blank_table`), which no way may touch."""
    delta = rng.choice((1, 1, 2, 3, 5, 10, -1, -2))
    hows = ("row_cell", "row_total", "balance", "outcome", "t4")
    if spare in ("t3", "t4"):
        hows = ("t4",) if spare == "t3" else hows[:-1]
    how = rng.choice(hows)
    if how == "t4":
        group = rng.choice(T4_GROUPS)
        col = rng.choice((*T4_PARTS, T4_TOTAL_COL))
        keys = [_key("t4", group, col)]
    elif how in ("row_cell", "row_total"):
        row = rng.choice([r for r in rows_of("t3", template, standard_only=True)])
        col = T3_TOTAL_COL if how == "row_total" else rng.choice(T3_APPLICANT_COLS)
        keys = [_key("t3", row, col)]
    else:  # change a cell and its row total together: the row adds up, the column does not
        row = T3_CARRIED_OVER if how == "balance" else rng.choice(T3_OUTCOME_ROWS[template])
        col = rng.choice(T3_APPLICANT_COLS)
        keys = [_key("t3", row, col), _key("t3", row, T3_TOTAL_COL)]
    if any(values.get(k, 0) + delta < 0 for k in keys):
        delta = abs(delta)
    for k in keys:
        values[k] = values.get(k, 0) + delta
    return f"{how}:{','.join(keys)}{delta:+d}"


# --------------------------------------------------------------------------- a table without values

TABLES = ("t2", "t3", "t4")


def table_keys(values: dict[str, Number], table: str) -> list[str]:
    """The cells of ``table`` ("t2" covers the 2019 table 2, t2v19, too)."""
    prefixes = ("t2", "t2v19") if table == "t2" else (table,)
    return [k for k in values if k.split(".")[0] in prefixes]


def blank_table(values: dict[str, Number], table: str) -> None:
    """Make ``table`` one printed with all its labels and not a single value (real reports do:
    an organ with nothing to count leaves the grid empty): its cells count 0, and
    :func:`print_tokens`' caller prints each as nothing, so the gold of each is a printed blank."""
    for k in table_keys(values, table):
        values[k] = 0


# --------------------------------------------------------------------------- printing


BLANK_TOKENS = {"empty": ("",), "dash": ("—", "-", "——", "--"), "slash": ("/",), "wu": ("无",)}


def format_number(value: Number, thousands: bool = False) -> str:
    """How a report prints a value: 12, 3,830 (some reports), 530.67, 96171.6."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0") if value * 10 != int(value * 10) else f"{value:.1f}"
    value = int(value)
    return f"{value:,}" if thousands and abs(value) >= 1000 else str(value)


def print_tokens(
    rng: random.Random, values: dict[str, Number], style: str, blank_rows: float
) -> dict[str, str]:
    """The printed text of every cell.  With a blank ``style`` other than "zero", some all-zero
    rows (chance ``blank_rows``) and a few lone zeros are printed as that blank instead of 0."""
    thousands = rng.random() < 0.12
    fee_style = rng.random()
    tokens: dict[str, str] = {}
    rows: dict[str, list[str]] = {}
    for key in values:
        rows.setdefault(key.rsplit(".", 1)[0], []).append(key)
    blank_rows_chosen = set()
    if style != "zero":
        for row, keys in rows.items():
            if all(values[k] == 0 for k in keys) and rng.random() < blank_rows:
                blank_rows_chosen.add(row)
    for key, value in values.items():
        token = format_number(value, thousands)
        if CELLS[key].unit == "万元" and isinstance(value, float) and value.is_integer() and fee_style < 0.3:
            token = f"{value:.2f}"
        if style != "zero" and value == 0:
            row = key.rsplit(".", 1)[0]
            if row in blank_rows_chosen or rng.random() < 0.08:
                token = rng.choice(BLANK_TOKENS[style])
        tokens[key] = token
    return tokens


def gold_of(values: dict[str, Number], tokens: dict[str, str]) -> dict[str, Number | None]:
    """Gold cell values: a printed blank is ``None`` (it counts as 0 only in the arithmetic)."""
    blanks = {t for ts in BLANK_TOKENS.values() for t in ts}
    return {k: (None if tokens[k] in blanks else v) for k, v in values.items()}
