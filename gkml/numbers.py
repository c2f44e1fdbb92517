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

# The digits a cell is printed with; NFKC would also make digits of superscripts (a footnote's
# "¹"), circled numbers and other scripts, which a cell never holds.
_PRINTED_DIGITS = frozenset("0123456789０１２３４５６７８９")

_CELL_RE = re.compile(r"([+-])?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")


def _norm_cell(raw: str) -> str:
    """Full-width forms folded (NFKC: "１２" → "12", "，" → ","), outer whitespace dropped."""
    return unicodedata.normalize("NFKC", raw).translate(_MINUS).strip()


#: A page number printed on a line of its own between dashes ("- 3 -", "— 12 —", a Word or WPS
#: page footer): layout, never a table cell, whichever labeller reads the line.
PAGE_NUMBER = re.compile(r"^[ \t]*[-—–―－]{1,2}[ \t]*\d{1,4}[ \t]*[-—–―－]{1,2}[ \t]*$", re.M)


def is_blank(raw: str) -> bool:
    """True when a printed cell holds no number ("", "—", "/", "无", "－－", …)."""
    if raw.isascii() and raw.isdigit():
        return False  # most cells: plain digits
    s = _norm_cell(raw)
    return s in BLANK_TOKENS or raw.strip() in BLANK_TOKENS or (bool(s) and set(s) <= _DASHES)


def parse_cell(raw: str) -> int | float | None:
    """The value of a table cell as printed.

    Blank tokens give ``None``; "12" → 12; "3,830" → 3830; "530.67" → 530.67; "１２" → 12;
    "-5"/"－5" → -5 (the 2019 template's 本年增/减 may be negative); "+3" → 3.  Integers stay
    ``int``, decimals become ``float``.  Anything else raises ``ValueError``: a cell such as
    "1 2" or "l2" is an extraction problem to report, not a number to repair.
    """
    if raw.isascii() and raw.isdigit():
        return int(raw)  # most cells: plain digits, which every check below passes
    if is_blank(raw):
        return None
    if any(unicodedata.digit(c, None) is not None and c not in _PRINTED_DIGITS for c in raw):
        # "12¹" is 12 and a footnote, not 121: only ASCII and full-width digits are digits of a cell
        raise ValueError(f"not a cell value: {raw!r}")
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
    approx: bool  # 余, 多, 近, 将近, 接近, 约, 大约, 逾, 超, 超过, 左右, 以上
    unit: str | None  # one of schema.FACT_UNITS, or None


# Same-length folding of the searched text, so that match offsets are offsets into the
# original: full-width digits and signs to ASCII.
_FOLD = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "．": ".", "　": " ", "，": ","}
)

# Units longest first (人次 before 次, 万元 before 元), plus traditional spellings.
_UNIT_VARIANTS = {
    "萬元": "万元", "億元": "亿元", "條": "条", "個": "个", "項": "项", "處": "处", "場": "场", "場次": "场次",
    "冊": "册", "戶": "户", "臺": "台", "塊": "块", "輪": "轮",
}  # fmt: skip
_UNIT_VARIANTS = {k: v for k, v in _UNIT_VARIANTS.items() if v in FACT_UNITS}
_UNITS = sorted([*FACT_UNITS, *_UNIT_VARIANTS], key=len, reverse=True)
_UNIT_RE = "|".join(re.escape(u) for u in _UNITS)

# The gap PDF text layers and OCR leave around a number ("办结 436 件", "近 12.5 万人"): a few
# spaces and at most one line break (a hard wrap); bounded, so a search stays linear.
_SP = r"[ \u3000]{0,3}(?:\n[ \u3000]{0,3})?"
_PRE_RE = rf"(?:(?P<pre>将近|接近|近|大约|约|約|逾|超过|超過|超){_SP})?"
_ARABIC_RE = (
    r"(?<![\d.])(?<!\d,)(?P<ara>\d+(?:,\d{3})*(?:\.\d+)?)(?:[ \u3000]{0,2}(?P<mag>[千万萬亿億])(?!元))?"
)
# At most 32 characters: the longest numeral (九千九百九十九亿九千九百九十九万九千九百九十九) has 23,
# and the bound keeps a search linear in a line of numeral characters thousands long.
_ZH_RE = rf"(?P<zh>[{_ZH_CHARS}]{{1,32}}?)"
_PCT_RE = rf"(?P<pct>百分之)(?P<pnum>[{_ZH_CHARS}]+|\d+(?:\.\d+)?)"


def _pattern(unit_required: bool) -> re.Pattern[str]:
    unit = rf"(?P<unit>{_UNIT_RE})" + ("" if unit_required else "?")
    return re.compile(
        rf"{_PRE_RE}(?:{_PCT_RE}|(?:{_ARABIC_RE}|{_ZH_RE}){_SP}(?P<suf>余|多)?{_SP}{unit})(?P<post>左右|以上)?"
    )


_QTY_IN_PROSE = _pattern(unit_required=True)
_QTY_WHOLE = _pattern(unit_required=False)

# A unit followed by these is part of another word (条例, 个月, 名单, 元旦, 一次性, 处理, 期间,
# 项目, 人民, …): no count.  Durations (个月, 个工作日) are not counts either.
_UNIT_NOT_BEFORE = {
    "条": ("例", "款", "龙"),
    "个": ("月", "工作日", "小时", "百分点", "季度", "学时", "星期", "体", "性", "案"),
    "名": ("单", "称", "额", "义", "录"),
    "人": ("民", "大", "事", "社", "才", "均"),
    "位": ("于", "置", "数"),
    "元": ("旦", "素", "宵"),
    "次": ("日", "性", "要", "生", "序"),
    "项": ("目",),
    "处": ("理", "置", "罚", "分", "长", "室", "级", "于", "在"),
    "家": ("庭", "属", "长", "乡", "族"),
    "场": ("所", "地", "景", "馆", "合", "站", "镇", "乡", "村", "部"),
    "期": ("间", "限", "满", "末", "初", "内", "待", "望", "货", "刊", "工程", "项目"),
    "份": ("额", "子"),
    "批": ("准", "复", "示", "评", "转", "办", "量", "发"),
    "所": ("有", "属", "在", "得", "谓", "以", "长"),
    "户": ("籍", "口", "型", "外"),
    "台": ("账", "阶", "风", "词"),
    "轮": ("岗", "换", "流"),
}
# A prefix that belongs to the word before it (最近, 节约, 预约, 赶超, …) is not an approximator.
_PRE_NOT_AFTER = {"近": "最附", "约": "节制预签条契邀婚", "約": "節制預簽條契邀婚", "超": "赶高"}
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
        i = start  # the character before the match, spaces skipped (no copy of the text: linear)
        while i > 0 and text[i - 1] in " \u3000\n":
            i -= 1
        before = text[i - 1] if i else ""
        if before and before in "第笫":
            return "skip"  # 第二十条, 第3次, "第\n三项" (wrapped), 笫 (OCR's 第)
        if i < start and m.group("zh") and before in _ZH_CHARS:
            return "skip"  # "第二 十条": the tail of a numeral OCR spaced apart
        if pre and before and before in _PRE_NOT_AFTER.get(pre, ""):
            start, pre = num_start, None
    unit = m.group("unit")
    if strict and unit:
        after = m.end("unit")
        base = _UNIT_VARIANTS.get(unit, unit)
        if any(text.startswith(w, after) for w in _UNIT_NOT_BEFORE.get(base, ())):
            return None
        if text.startswith(unit[-1], after) and unit != "%":
            return None  # 一件件, 一项项: a reduplication, not a count
        if "\n" in text[start:end] and not _wrapped_in_prose(text, start, num_start, pre):
            return None  # a number alone on its line is a table cell, not a count wrapped in prose
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


def _wrapped_in_prose(text: str, start: int, num_start: int, pre: str | None) -> bool:
    """A count broken by a line break ("办结 436\n件") is one only where the number stands in a line
    of prose: a number alone on its line (one table cell per line) followed by a line that
    starts with a unit word is two things, not one count."""
    line_start = text.rfind("\n", 0, start) + 1
    return bool(pre) or bool(text[line_start:num_start].strip(" \u3000"))


def parse_quantity(text: str) -> Quantity | None:
    """Parse a whole fact string: "800余条", "近百条", "两次", "9.6%", "530.67万元", "约30人次",
    "近12.5万人" (125000), "436 件", "12" (unit None).  Offsets are into ``text`` (start=0, end=len(text) for a clean string;
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
    are skipped whole.  Approximators directly around the number (近/将近/接近/约/大约/逾/超/超过
    before, 余/多 between number and unit, 左右/以上 after the unit) are part of the span; 万/亿
    after an Arabic number is a magnitude ("近12.5万人" → 125000, unit 人; but "530.67万元" is
    530.67 in 万元).  The spaces PDF text and OCR put around a number and one hard line break
    inside a count ("办结 436\n件") stay inside the span, as printed.
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


# ---------------------------------------------------------------------------
# Sentences and enumerations

_SENTENCE_END = re.compile(r"[。!?！？]")
_LINE_ENDS_SENTENCE = tuple("。!?！？:：")
#: What separates the items of an enumeration ("政策文件15件、人事任免41条、财政信息8条").
ENUMERATION_SEPARATORS = "、;；"


#: A line starting with these, or followed by one, continues its sentence.
_CONTINUES = tuple("、,，;；)）")


def _ends_paragraph(line: str, after: str) -> bool:
    """Whether ``line``, followed by the line ``after``, ends a paragraph.  A short line is a
    heading, unless it continues a sentence: a page scraped from a portal puts each count printed
    bold on a line of its own ("收到申请\n64件\n,办结率\n100%\n。", "简报\n0期\n、政府公报\n5期\n、"),
    so a bare count, the line before it and a line next to 、,; are all inside the sentence."""
    line = line.strip(" \u3000")
    if not line or line.endswith(_LINE_ENDS_SENTENCE) or "|" in line:
        return True
    if len(line) >= 16:
        return False
    after = after.strip(" \u3000")
    return not (line.startswith(_CONTINUES) or after.startswith(_CONTINUES) or _bare_count(line) or _bare_count(after))


def _bare_count(line: str) -> bool:
    found = find_quantities(line) if len(line) <= 12 else []
    return len(found) == 1 and found[0].start == 0 and found[0].end == len(line)


def _next_line(text: str, nl: int) -> str:
    end = text.find("\n", nl + 1, nl + 40)
    return text[nl + 1 : end if end >= 0 else nl + 40]


def sentence_bounds(text: str, pos: int, reach: int = 300) -> tuple[int, int]:
    """The sentence holding ``pos``: from after 。!? or a line that ends a paragraph (ends with
    。!?:, is blank or short: a heading) to the next such place.  A line wrapped inside a
    paragraph (PDF text) does not end the sentence, so "办结 436 件(含\n上年结转 25 件)" is one."""
    lo = max(0, pos - reach)
    start = lo
    for m in _SENTENCE_END.finditer(text, lo, pos):
        start = m.end()
    nl = text.rfind("\n", start, pos)
    while nl >= start:
        prev = _line_start(text, nl, reach)
        if _ends_paragraph(text[prev:nl], _next_line(text, nl)):
            start = nl + 1
            break
        nl = prev - 1
    hi = min(len(text), pos + reach)
    m = _SENTENCE_END.search(text, pos, hi)
    end = m.end() if m else hi
    nl = text.find("\n", pos, end)
    while nl >= 0:
        if _ends_paragraph(text[_line_start(text, nl, reach) : nl], _next_line(text, nl)):
            end = nl
            break
        nl = text.find("\n", nl + 1, end)
    return start, end


def _line_start(text: str, nl: int, reach: int) -> int:
    """Start of the line ending at ``nl``, looked for at most ``reach`` back (a longer line is
    prose, whatever its start), so that a text of one huge line stays linear to scan."""
    lo = max(0, nl - reach)
    found = text.rfind("\n", lo, nl)
    return found + 1 if found >= 0 else lo


def in_enumeration(text: str, start: int, end: int, min_items: int = 3) -> bool:
    """True when the count at ``text[start:end]`` is an item of an enumeration: its sentence holds
    at least ``min_items`` counts in a row, each separated from the next by 、 or ；
    (:data:`ENUMERATION_SEPARATORS`), a count's share or sub-count in parentheses going with it
    ("予以公开57件(21.35%)、部分公开12件(4.48%)").  The one definition the evaluation uses to report recall
    on enumerations apart ("发布政策文件15件、人事任免信息41条、财政信息8条…")."""
    s, e = sentence_bounds(text, start)
    e = max(e, end)
    spans = {(q.start + s, q.end + s) for q in find_quantities(text[s:e])}
    spans = {(a, b) for a, b in spans if b <= start or a >= end} | {(start, end)}
    items = sorted(spans)
    i = items.index((start, end))
    run = 1
    j = i
    while j > 0 and _separated(text, items[j - 1][1], items[j][0]):
        run, j = run + 1, j - 1
    j = i
    while j + 1 < len(items) and _separated(text, items[j][1], items[j + 1][0]):
        run, j = run + 1, j + 1
    return run >= min_items


_IN_PARENTHESES = re.compile(r"[ \u3000]*[(（][ \u3000]*(?:占|含)?[ \u3000]*")


def _separated(text: str, a: int, b: int) -> bool:
    """Two counts are neighbours in a list when 、 or ； stands between them, or when the second
    is the first's share or sub-count in parentheses ("57件(21.35%)")."""
    return a <= b and (
        any(ch in text[a:b] for ch in ENUMERATION_SEPARATORS) or bool(_IN_PARENTHESES.fullmatch(text, a, b))
    )
