"""Properties of where numbers are read (gkml.numbers) and of the ingest normaliser, checked on
inputs Hypothesis makes up: a printed number is never changed, every offset points back to what
was printed, and no text, however strange, makes them fail or run away."""

from __future__ import annotations

import os
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gkml.io.encoding import decode
from gkml.io.normalise import MAX_BLANK_LINES, normalise
from gkml.numbers import chinese_number, find_quantities, is_blank, parse_cell, parse_quantity
from gkml.schema import FACT_UNITS

# 300 examples a property in the suite (seconds); GKML_HYPOTHESIS_EXAMPLES=5000 searches harder. No
# example database: nothing is written into the work tree.
SETTINGS = settings(max_examples=int(os.environ.get("GKML_HYPOTHESIS_EXAMPLES", "300")), deadline=None,
                    database=None, suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
_DIGITS = "零一二三四五六七八九"


def zh_numeral(n: int, short_ten: bool = True) -> str:
    """``n`` (0 ≤ n < 10**12) as a Chinese numeral the standard way: 一千零五, 三万五千, 十二 (or 一十二)."""
    if n == 0:
        return "零"

    def four(x: int) -> str:
        out, gap = "", False
        for power, unit in ((3, "千"), (2, "百"), (1, "十"), (0, "")):
            d = x // 10**power % 10
            if d == 0:
                gap = gap or bool(out)
                continue
            out += ("零" if gap else "") + _DIGITS[d] + unit
            gap = False
        return out

    out, gap = "", False
    for value, unit in ((n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")):
        if value == 0:
            gap = gap or bool(out)
            continue
        out += ("零" if out and (gap or value < 1000) else "") + four(value) + unit
        gap = False
    return out[1:] if short_ten and out.startswith("一十") else out


TEXT = st.text(
    alphabet=st.one_of(st.sampled_from(list("0123456789０１２３４５６７８９.,，%％ 　\n\t-—第近约余多左右以上百分之次件条个人元万千亿年月日一二两三十零〇|"
                                        "申请公开信息")), st.characters()),  # fmt: skip
    max_size=80,
)


@SETTINGS
@given(st.integers(-(10**12), 10**12))
def test_an_integer_cell_reads_as_printed(n):
    assert parse_cell(str(n)) == n
    assert parse_cell(f" {n:,} ") == n
    assert parse_cell(str(n).translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})) == n  # full width


@SETTINGS
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_a_decimal_cell_reads_as_printed(d):
    assert Decimal(str(parse_cell(str(d)))) == d


@SETTINGS
@given(TEXT)
def test_a_cell_is_a_number_as_printed_blank_or_refused(raw):
    """Never a guess: whatever a cell holds, it is blank, exactly the number printed, or an error."""
    try:
        value = parse_cell(raw)
    except ValueError:
        return
    if value is None:
        assert is_blank(raw)
        return
    printed = re.sub(r"\s", "", raw.translate({0xFF0C: ",", 0xFF0E: "."})).replace(",", "").lstrip("+")
    printed = printed.translate({0xFF10 + i: str(i) for i in range(10)} | {0x2212: "-", 0xFF0D: "-", 0xFE63: "-"})
    assert Decimal(printed) == Decimal(str(value))


@SETTINGS
@given(st.integers(0, 10**12 - 1), st.booleans())
def test_chinese_numerals_read_back(n, short_ten):
    assert chinese_number(zh_numeral(n, short_ten)) == n


@SETTINGS
@given(TEXT)
def test_counts_are_found_in_order_where_printed(text):
    found = find_quantities(text)
    end = 0
    for q in found:
        assert end <= q.start < q.end <= len(text)  # in order, never overlapping
        assert text[q.start : q.end] == q.text
        assert q.unit in FACT_UNITS and q.value >= 0
        again = parse_quantity(q.text)  # the found text, read alone, is the same count
        assert again is not None and (again.value, again.unit) == (q.value, q.unit)
        end = q.end


@SETTINGS
@given(st.integers(0, 10**9), st.sampled_from(["件", "条", "次", "人次", "个", "万元"]), TEXT.filter(lambda s: not s[-1:].isdigit()))
def test_a_count_in_prose_is_found_with_its_value(n, unit, before):
    before = before.rstrip(" 　第近约逾超过") + "，共"
    (q,) = [q for q in find_quantities(f"{before}{n}{unit}。") if q.start >= len(before)]
    assert (q.value, q.unit, q.text) == (n, unit, f"{n}{unit}")


@SETTINGS
@given(TEXT)
def test_normalised_text_maps_back_to_what_was_printed(text):
    out, offs = normalise(text)
    assert len(offs) == len(out)
    assert all(a < b for a, b in zip(offs, offs[1:], strict=False))  # one output character per printed one, in order
    for ch, i in zip(out, offs, strict=True):
        src = text[i]
        if ch.isdigit() and ch.isascii():
            assert src in (ch, chr(0xFF10 + int(ch)))  # a printed digit changes only in width
        elif ch == "\n":
            assert src in "\r\n"
    assert "\n" * (MAX_BLANK_LINES + 2) not in out
    assert normalise(out)[0] == out  # normalising twice changes nothing


@SETTINGS
@given(st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=200))
def test_text_decodes_back_to_itself(text):
    data = text.encode("utf-8")
    got, encoding, replaced = decode(data)
    assert (got, replaced) == (text, 0) and encoding in ("utf-8", "utf-8-sig")
