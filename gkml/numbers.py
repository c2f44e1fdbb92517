"""Numbers as the reports print them: table cells, Chinese numerals and counts in prose.

Everything that turns printed text into a number goes through this module, so that the
rule baseline, the assembler and the checks agree on what "0", "—", "3,830", "两次" or
"800余条" mean.  Two rules hold throughout:

* a printed number is never altered: a cell that is not plainly a number raises instead of
  being guessed at (the caller keeps the raw text and reports it);
* a blank ("—", "/", "无", empty) is not zero: it parses to ``None`` and only counts as 0 in
  the arithmetic of :mod:`gkml.assemble.checks`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from gkml.schema import FACT_UNITS

# ---------------------------------------------------------------------------
# Table cells

#: What reports print in a cell that holds no number.  "一" is deliberately absent: it is
#: the numeral one, even where a typesetter meant a dash.
BLANK_TOKENS: frozenset[str] = frozenset(
    {
        "",
        "-",
        "--",
        "—",
        "——",
        "―",
        "–",
        "－",
        "－－",
        "﹣",
        "/",
        "／",
        "\\",
        "无",
        "空",
        "暂无",
    }
)

# Dash-like characters: a cell made only of these (any number of them) is blank.
_DASHES = frozenset("-—―–－﹣‐‑⁃")

# Minus signs besides ASCII "-" (U+2212 MINUS SIGN; NFKC already folds "－" and "﹣").
_MINUS = str.maketrans({"\u2212": "-"})

_CELL_RE = re.compile(r"([+-])?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")


def _norm_cell(raw: str) -> str:
    """Full-width forms folded (NFKC: "１２" → "12", "，" → ","), outer whitespace dropped."""
    return unicodedata.normalize("NFKC", raw).translate(_MINUS).strip()


def is_blank(raw: str) -> bool:
    """True when a printed cell holds no number ("", "—", "/", "无", "－－", …)."""
    s = _norm_cell(raw)
    return s in BLANK_TOKENS or raw.strip() in BLANK_TOKENS or (bool(s) and set(s) <= _DASHES)


def parse_cell(raw: str) -> int | float | None:
    """The value of a table cell as printed.

    Blank tokens give ``None``; "12" → 12; "3,830" → 3830; "530.67" → 530.67; "１２" → 12;
    "-5"/"－5" → -5 (the 2019 template's 本年增/减 may be negative); "+3" → 3.  Integers stay
    ``int``, decimals become ``float``.  Anything else raises ``ValueError``: a cell such as
    "1 2" or "l2" is an extraction problem to report, not a number to repair.
    """
    if is_blank(raw):
        return None
    s = _norm_cell(raw)
    m = _CELL_RE.fullmatch(s)
    if not m:
        raise ValueError(f"not a cell value: {raw!r}")
    sign, whole, frac = m.groups()
    digits = whole.replace(",", "")
    value: int | float = float(f"{digits}.{frac}") if frac is not None else int(digits)
    return -value if sign == "-" else value


# ---------------------------------------------------------------------------
# Chinese numerals

_ZH_DIGITS = {
    "零": 0, "〇": 0, "○": 0,
    "一": 1, "壹": 1,
    "二": 2, "两": 2, "兩": 2, "贰": 2, "貳": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
_ZH_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_ZH_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_ZH_CHARS = "".join([*_ZH_DIGITS, *_ZH_SMALL, *_ZH_BIG])


def chinese_number(s: str) -> int:
    """The value of a Chinese numeral: 两 → 2, 十二 → 12, 一千二百 → 1200, 一千零五 → 1005,
    三万五千 → 35000, 三万五 → 35000 (colloquial), 百 → 100, 二〇二〇 → 2020 (digit by digit,
    as in printed dates).  Approximators such as 近 in 近百 are the caller's business.
    Raises ``ValueError`` for anything that is not a well-formed numeral.
    """
    s = s.strip()
    if not s or any(ch not in _ZH_CHARS for ch in s):
        raise ValueError(f"not a Chinese numeral: {s!r}")
    if all(ch in _ZH_DIGITS for ch in s):  # 五, 二〇二〇
        return int("".join(str(_ZH_DIGITS[ch]) for ch in s))

    total = 0  # completed 亿 part
    big = 0  # completed 万 part
    section = 0  # below 万
    digit: int | None = None
    last_small = 10**5  # magnitude of the last 十/百/千 in this section (must decrease)
    last_mult = 0  # magnitude of the last unit character of any kind
    zero_since_unit = False
    consumed = False
    for ch in s:
        if ch in _ZH_DIGITS:
            d = _ZH_DIGITS[ch]
            if digit not in (None, 0):  # 一二十: two digits in a row
                raise ValueError(f"not a Chinese numeral: {s!r}")
            if d == 0:
                zero_since_unit = True
            digit = d
        elif ch in _ZH_SMALL:
            mult = _ZH_SMALL[ch]
            if mult >= last_small:
                raise ValueError(f"not a Chinese numeral: {s!r}")
            if digit is None:
                if section:  # 一百十 is not a numeral we accept
                    raise ValueError(f"not a Chinese numeral: {s!r}")
                digit = 1  # 十二, 百
            if digit == 0:
                raise ValueError(f"not a Chinese numeral: {s!r}")
            section += digit * mult
            digit, last_small, last_mult, zero_since_unit = None, mult, mult, False
        else:
            mult = _ZH_BIG[ch]
            part = section + (digit or 0)
            if part == 0:
                if consumed:
                    raise ValueError(f"not a Chinese numeral: {s!r}")
                part = 1  # 万 alone
            if mult == 10**4:
                if big:
                    raise ValueError(f"not a Chinese numeral: {s!r}")
                big = part * mult
            else:
                if total:
                    raise ValueError(f"not a Chinese numeral: {s!r}")
                total = (big + part) * mult
                big = 0
            section, digit, last_small, last_mult, zero_since_unit = 0, None, 10**5, mult, False
        consumed = True
    tail = digit or 0
    if tail and not zero_since_unit and last_mult >= 100:
        tail *= last_mult // 10  # 一千二 → 1200, 三万五 → 35000
    return total + big + section + tail


# ---------------------------------------------------------------------------
# Counts in prose


@dataclass(frozen=True)
class Quantity:
    """A count printed in prose, e.g. "800余条" (value 800, approx, unit 条)."""

    text: str  # exactly the matched text
    start: int  # offsets in the searched string
    end: int
    value: int | float
    approx: bool  # 余, 多, 近, 约, 左右, 以上, 逾, 超过
    unit: str | None  # one of schema.FACT_UNITS, or None


# Same-length folding of the searched text, so that match offsets are offsets into the
# original: full-width digits and signs to ASCII.
_FOLD = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "．": ".", "　": " ", "，": ","}
)

# Units longest first (人次 before 次, 万元 before 元), plus traditional spellings.
_UNIT_VARIANTS = {"萬元": "万元", "條": "条", "個": "个"}
_UNIT_VARIANTS = {k: v for k, v in _UNIT_VARIANTS.items() if v in FACT_UNITS}
_UNITS = sorted([*FACT_UNITS, *_UNIT_VARIANTS], key=len, reverse=True)
_UNIT_RE = "|".join(re.escape(u) for u in _UNITS)

_PRE_RE = r"(?:(?P<pre>近|约|約|逾|超过|超過)[ \u3000]?)?"  # OCR may space it off: "约 30人次"
_ARABIC_RE = r"(?<![\d.])(?<!\d,)(?P<ara>\d+(?:,\d{3})*(?:\.\d+)?)(?P<mag>[千万萬亿億](?!元))?"
_ZH_RE = rf"(?P<zh>[{_ZH_CHARS}]+?)"
_PCT_RE = rf"(?P<pct>百分之)(?P<pnum>[{_ZH_CHARS}]+|\d+(?:\.\d+)?)"
_SP = r"[ \u3000]?"


def _pattern(unit_required: bool) -> re.Pattern[str]:
    unit = rf"(?P<unit>{_UNIT_RE})" + ("" if unit_required else "?")
    return re.compile(
        rf"{_PRE_RE}(?:{_PCT_RE}|(?:{_ARABIC_RE}|{_ZH_RE}){_SP}(?P<suf>余|多)?{_SP}{unit})(?P<post>左右|以上)?"
    )


_QTY_IN_PROSE = _pattern(unit_required=True)
_QTY_WHOLE = _pattern(unit_required=False)

# A unit followed by these is part of another word (条例, 个月, 名单, 元旦, …).
_UNIT_NOT_BEFORE = {
    "条": ("例", "款"),
    "个": ("月", "工作日", "小时", "百分点", "季度", "学时", "星期"),
    "名": ("单", "称", "额"),
    "元": ("旦", "素", "宵"),
    "次": ("日",),
}
# A prefix that belongs to the word before it (最近, 节约, 预约, …) is not an approximator.
_PRE_NOT_AFTER = {"近": "最附", "约": "节制预签条契邀婚", "約": "節制預簽條契邀婚"}
_MAGS = {"千": 1000, "万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}


def _number_value(num: str, mag: str | None) -> int | float:
    d = Decimal(num.replace(",", ""))
    if mag:
        d *= _MAGS[mag]
    if d == d.to_integral_value() and ("." not in num or mag):
        return int(d)
    return float(d)


def _build(m: re.Match[str], text: str, strict: bool) -> Quantity | str | None:
    """A Quantity from a match, or "skip" when the whole numeral is to be skipped (an ordinal),
    or None when this start position does not begin a quantity."""
    start, end = m.start(), m.end()
    num_start = m.start("pct") if m.group("pct") else m.start("ara" if m.group("ara") else "zh")
    pre = m.group("pre")
    if strict:
        before = text[:start].rstrip(" \u3000")
        if before.endswith("第"):
            return "skip"  # 第二十条, 第3次
        if pre and before and before[-1] in _PRE_NOT_AFTER.get(pre, ""):
            start, pre = num_start, None
    unit = m.group("unit")
    if strict and unit:
        after = text[m.end("unit") :]
        if any(after.startswith(w) for w in _UNIT_NOT_BEFORE.get(_UNIT_VARIANTS.get(unit, unit), ())):
            return None
    suf, post = m.group("suf"), m.group("post")
    if m.group("pct"):
        p = m.group("pnum")
        value: int | float = _number_value(p, None) if p[0].isdigit() else chinese_number(p)
        unit = "%"
    elif m.group("ara"):
        value = _number_value(m.group("ara"), m.group("mag"))
    else:
        zh = m.group("zh")
        if strict:
            has_mag = any(ch in _ZH_SMALL or ch in _ZH_BIG for ch in zh)
            if len(zh) > 1 and not has_mag:
                return None  # 一一次 (唯一一次): retry from the next character
            if zh in ("百", "佰", "千", "仟", "万", "萬", "亿", "億") and not (pre or suf):
                return None  # 万元, 亿元 alone are units, not numbers
        try:
            value = chinese_number(zh)
        except ValueError:
            return None
    if unit is not None:
        unit = _UNIT_VARIANTS.get(unit, unit)
    approx = bool(pre or suf or post)
    return Quantity(text=text[start:end], start=start, end=end, value=value, approx=approx, unit=unit)


def parse_quantity(text: str) -> Quantity | None:
    """Parse a whole fact string: "800余条", "近百条", "两次", "9.6%", "530.67万元", "约30人次",
    "12" (unit None).  Offsets are into ``text`` (start=0, end=len(text) for a clean string;
    surrounding whitespace is allowed and left outside the span).  None if ``text`` is not
    one quantity.
    """
    folded = text.translate(_FOLD)
    lead = len(folded) - len(folded.lstrip())
    trail = len(folded.rstrip())
    m = _QTY_WHOLE.fullmatch(folded, lead, trail)
    if not m:
        return None
    q = _build(m, folded, strict=False)
    if not isinstance(q, Quantity):
        return None
    return Quantity(text[q.start : q.end], q.start, q.end, q.value, q.approx, q.unit)


def find_quantities(text: str) -> list[Quantity]:
    """Every count with a unit in ``text``, in order, non-overlapping.

    Arabic ("1243件", "3,830条", "530.67万元", "9.6%", "400 余条") and Chinese numerals
    ("两次", "十二件", "近百条", "百分之百") are found when followed by a unit of
    :data:`gkml.schema.FACT_UNITS`; a numeral without a unit is never a count, which is what
    keeps out dates (2023年, 1月31日, 2024-01-11), document numbers (〔2021〕30号), list
    numbering ("1.", "(一)", "一、") and idioms (三安全一稳定).  Ordinals (第二十条, 第3次)
    are skipped whole.  Approximators directly around the number (近/约/逾/超过 before,
    余/多 between number and unit, 左右/以上 after the unit) are part of the span.
    """
    folded = text.translate(_FOLD)
    out: list[Quantity] = []
    pos = 0
    while True:
        m = _QTY_IN_PROSE.search(folded, pos)
        if not m:
            return out
        q = _build(m, folded, strict=True)
        if isinstance(q, Quantity):
            out.append(Quantity(text[q.start : q.end], q.start, q.end, q.value, q.approx, q.unit))
            pos = q.end
        elif q == "skip":
            pos = _end_of_numeral(folded, m)
        else:
            pos = m.start() + 1


def _end_of_numeral(text: str, m: re.Match[str]) -> int:
    """End of the numeral a rejected match starts with, so no tail of it is tried again
    (第二十条 must not yield 十条)."""
    i = m.start("pct") if m.group("pct") else m.start("ara" if m.group("ara") else "zh")
    chars = _ZH_CHARS if m.group("zh") else "0123456789.,"
    while i < len(text) and text[i] in chars:
        i += 1
    return max(i, m.start() + 1)
