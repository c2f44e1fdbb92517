"""The words of a report: agency, year and dates as printed, section headings in their printed
variants, and paragraphs drawn from a bank of sentences with counts ("800余条", "1243件",
"两次", "近百条", "占…9.6%") in every form real reports use.

A sentence is a template; a slot ``{kind:unit:spec}`` becomes a fact piece labelled
``FACT.<kind>`` with its gold (value, approx, unit).  ``spec`` is ``lo-hi`` (a count drawn
log-uniformly; ``lo-hi*`` grows with the organ's level) or ``=name`` (the count restates a
table cell, see :data:`TIES`, which is what the X-NARRATIVE check compares; ``=name?``: the
cell, or 0 in a report without tables; ``=zero``: 0).  Any count with a
unit in the prose is a slot: unlabelled counts would teach the model to miss facts.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from gkml.schema import (
    SECTION_TITLES,
    T3_APPLICANT_COLS,
    T3_CARRIED_IN,
    T3_CARRIED_OVER,
    T3_NEW,
    T3_OUTCOME_ROWS,
    T3_TOTAL_COL,
    T3_TOTAL_ROW,
    T4_REVIEW,
    T4_SUITS,
)
from gkml.schema import T4_TOTAL_COL as _T4_TOTAL
from gkml.training.synth.doc import Piece
from gkml.training.synth.prose_bank import BANK
from gkml.training.synth.values import LEVEL_FACTOR, Number

# --------------------------------------------------------------------------- agencies

PROVINCES = ("江苏省", "甘肃省", "宁夏回族自治区", "湖南省", "湖北省", "吉林省", "浙江省", "广东省", "四川省",
             "江西省", "新疆维吾尔自治区", "河南省", "山东省", "福建省", "云南省", "安徽省", "河北省", "贵州省")
CITIES = ("苏州市", "张掖市", "中卫市", "岳阳市", "武汉市", "吉林市", "绍兴市", "广州市", "深圳市", "甘孜藏族自治州",
          "赣州市", "衡阳市", "伊犁哈萨克自治州", "洛阳市", "潍坊市", "泉州市", "曲靖市", "芜湖市", "保定市",
          "遵义市", "南通市", "宜昌市", "株洲市", "九江市")
COUNTIES = ("张家港市", "甘州区", "沙坡头区", "桦甸市", "会昌县", "得荣县", "衡南县", "越城区", "海珠区",
            "龙岗区", "尼勒克县", "平江县", "临湘市", "汨罗市", "宁都县", "于都县", "长汀县", "宣威市",
            "涞水县", "湄潭县", "如皋市", "当阳市", "攸县", "瑞昌市", "寿光市", "嵩县", "繁昌区")
TOWNS = ("南丰", "文昌", "红石砬子", "中村", "东湖", "官洲", "西街", "城关", "新华", "青山", "柳河", "白沙",
         "三江", "梅林", "石桥", "龙泉", "长安", "河口", "永兴", "太平", "黄土岗", "双河", "杨柳", "桃源",
         "金城", "大营", "马场", "安乐", "清水", "高桥", "凤凰", "莲塘")
DEPARTMENTS = ("卫生健康局", "生态环境局", "自然资源和规划局", "信访局", "财政局", "教育局", "人力资源和社会保障局",
               "市场监督管理局", "交通运输局", "住房和城乡建设局", "司法局", "民政局", "农业农村局", "应急管理局",
               "审计局", "统计局", "医疗保障局", "退役军人事务局", "文化广电旅游体育局", "水利局", "发展和改革局",
               "商务局", "林业局", "城市管理局", "行政审批服务局")
PROVINCIAL = ("自然资源厅", "生态环境厅", "卫生健康委员会", "公安厅", "人力资源和社会保障厅", "交通运输厅",
              "住房和城乡建设厅", "市场监督管理局", "人民政府办公厅", "教育厅", "财政厅", "民政厅")  # fmt: skip


@dataclass(frozen=True)
class Agency:
    full: str  # 张家港市南丰镇人民政府
    short: str  # 南丰镇: how titles and prose name it
    region: str  # 张家港市: the government above it
    self_ref: str  # 我镇, 我局: how it names itself
    site: str  # a plausible web address


def make_agency(rng: random.Random, level: str) -> Agency:
    """An organ of ``level`` with the names it goes by."""
    province, city, county = rng.choice(PROVINCES), rng.choice(CITIES), rng.choice(COUNTIES)
    site = f"http://www.{rng.choice(('zjg', 'gz', 'spt', 'hd', 'hc', 'gzdr', 'hn', 'yc', 'lg', 'xjnlk'))}.gov.cn/"
    if level == "township":
        town = rng.choice(TOWNS)
        kind, tail, self_ref = rng.choice(
            (("镇", "人民政府", "我镇"), ("乡", "人民政府", "我乡"), ("街道", "办事处", "我街道"))
        )
        short = town + kind
        # 街道办事处 are agencies of the district government: "甘州区人民政府西街街道办事处" (seed 001)
        full = f"{county}人民政府{short}{tail}" if kind == "街道" and rng.random() < 0.4 else f"{county}{short}{tail}"
        return Agency(full, rng.choice((short, short, county + short, full)), county, self_ref, site)
    if level == "county":
        if rng.random() < 0.25:
            return Agency(f"{county}人民政府", county + "人民政府", city, rng.choice(("我县", "我区", "县政府")), site)
        dept = rng.choice(DEPARTMENTS)
        return Agency(county + dept, rng.choice((county + dept, county + dept, dept)), county, "我局", site)
    if level == "city":
        if rng.random() < 0.2:
            return Agency(f"{city}人民政府", city + "人民政府", province, "市政府", site)
        dept = rng.choice(DEPARTMENTS)
        return Agency(city + dept, city + dept, city, "我局", site)
    dept = rng.choice(PROVINCIAL)
    self_ref = "我厅" if dept.endswith("厅") else ("我委" if dept.endswith("委员会") else "我局")
    return Agency(province + dept, province + dept, province, self_ref, site)


# --------------------------------------------------------------------------- numbers and dates

_ZH_DIGITS = "〇一二三四五六七八九"


def zh_number(n: int, liang: bool = True) -> str:
    """Chinese numeral as prose prints a count: 2 → 两 (before a measure word), 12 → 十二,
    35 → 三十五, 300 → 三百, 2000 → 两千.  Only the shapes reports use (n < 100, round
    hundreds and thousands)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return "两" if n == 2 and liang else digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    if n < 1000 and n % 100 == 0:
        return ("两" if n == 200 and liang else digits[n // 100]) + "百"
    if n < 10000 and n % 1000 == 0:
        return ("两" if n == 2000 and liang else digits[n // 1000]) + "千"
    raise ValueError(f"no Chinese form for {n}")


def zh_digits(n: int) -> str:
    """二〇二〇: a year (or any number) digit by digit, as dates print them."""
    return "".join(_ZH_DIGITS[int(d)] for d in str(n))


def print_date(rng: random.Random, d: date, style: str | None = None) -> tuple[str, str]:
    """A date as reports print it, and the style used: 2024-01-11, 2023年1月28日,
    二〇二〇年一月三日, 2024/01/11, or with its 年/月/日 lost in scraping ("2023113")."""
    style = style or rng.choices(
        ("iso", "zh", "zh_pad", "zh_num", "slash", "dot", "lost"), weights=(35, 30, 6, 8, 6, 5, 10)
    )[0]
    if style == "iso":
        return f"{d.year}-{d.month:02d}-{d.day:02d}", style
    if style == "zh":
        return f"{d.year}年{d.month}月{d.day}日", style
    if style == "zh_pad":
        return f"{d.year}年{d.month:02d}月{d.day:02d}日", style
    if style == "zh_num":
        return f"{zh_digits(d.year)}年{_month_day_zh(d.month)}月{_month_day_zh(d.day)}日", style
    if style == "slash":
        return f"{d.year}/{d.month:02d}/{d.day:02d}", style
    if style == "dot":
        return f"{d.year}.{d.month:02d}.{d.day:02d}", style
    return f"{d.year}{d.month}{d.day}", style  # digits lost: 年/月/日 were in markup that got dropped


def _month_day_zh(n: int) -> str:
    return zh_number(n, liang=False)


def publication_date(rng: random.Random, year: int) -> date:
    """Reports come out by 31 March of the next year; a few are late."""
    start = date(year + 1, 1, 3)
    days = int(rng.triangular(0, 110, 20)) if rng.random() < 0.9 else rng.randint(90, 200)
    return start + timedelta(days=days)


# --------------------------------------------------------------------------- section headings

HEADINGS = {
    1: ("总体情况",) * 8 + ("概述", "总体情况概述"),
    2: ("主动公开政府信息情况",) * 9 + ("主动公开政府信息",),
    3: ("收到和处理政府信息公开申请情况",) * 9 + ("收到和处理政府信息公开申请",),
    4: ("政府信息公开行政复议、行政诉讼情况",) * 6
    + ("政府信息公开行政复议和行政诉讼情况", "因政府信息公开工作被申请行政复议、提起行政诉讼情况"),
    5: ("存在的主要问题及改进情况",) * 5
    + ("存在的主要问题及改进措施", "政府信息公开工作存在的主要问题及改进情况", "存在的主要问题和改进措施"),
    6: ("其他需要报告的事项",) * 9 + ("其他需要报告的事项说明",),
}
# Narrative-only reports follow the older outline; 收费及减免 has no section of its own (no label).
OLD_HEADINGS = {
    1: ("概述", "概况", "总体情况", "基本情况"),
    2: ("主动公开政府信息情况", "主动公开政府信息的情况"),
    3: ("依申请公开政府信息情况", "依申请公开政府信息和不予公开政府信息情况", "政府信息公开申请的办理情况"),
    4: ("因政府信息公开申请提起行政复议、行政诉讼的情况", "政府信息公开行政复议、行政诉讼情况"),
    5: ("政府信息公开工作存在的主要问题及改进情况", "存在的主要问题及改进措施"),
    6: ("其他需要报告的事项",),
}
assert set(HEADINGS) == set(OLD_HEADINGS) == set(SECTION_TITLES)
_ORDINALS = "一二三四五六七八九十"


def heading_piece(rng: random.Random, no: int | None, ordinal: int, title: str) -> Piece:
    """A heading with its printed numbering (一、 一. (一) or none); ``no`` is the SEC label."""
    mark = _ORDINALS[ordinal - 1]
    style = rng.choices(("、", ".", "、 ", "()", ""), weights=(80, 6, 4, 3, 5))[0]
    text = f"({mark}){title}" if style == "()" else (f"{mark}{style}{title}" if style else title)
    return Piece(text, f"SEC{no}" if no else None, "heading")


# --------------------------------------------------------------------------- facts


def round_figure(n: int, up: bool = False) -> int:
    """823 → 800, 1243 → 1200 (or upward for 近): the round figure an approximate count uses."""
    if n < 20:
        return n
    step = 10 ** (len(str(n)) - 1) if n < 1000 else 10 ** (len(str(n)) - 2)
    return (math.ceil(n / step) if up else n // step) * step


def fact_piece(
    rng: random.Random, kind: str, unit: str, value: Number, exact: bool = False, mix: dict | None = None
) -> Piece:
    """One count as prose prints it, labelled ``FACT.<kind>``, with the value it states.

    ``exact`` (a count restating a table cell) keeps the number as it is; otherwise it may be
    rounded with 余/多/近/约, written in Chinese numerals, or grouped with commas; with the prose
    ``mix`` (config ``prose``), also printed with 万 ("近12.5万人", ``magnitudes``) or with the
    other approximation words (超, 超过, 约, 左右, 以上, ``approx_words``).
    """
    if mix and not exact and unit not in ("%", "元", "万元"):
        special = _mixed_form(rng, kind, unit, int(value), mix)
        if special is not None:
            return special
    approx = False
    if unit == "%":
        text = f"{format_share(value)}%"
    elif unit in ("万元", "元") and isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".") + unit
    else:
        n = int(value)
        r = rng.random()
        if exact or n < 0:
            form = "zh" if 0 < n <= 10 and r < 0.15 and unit != "元" else "plain"
        elif n <= 10 and unit in ("次", "个", "名", "件", "条", "篇", "人", "位", "场", "期", "项", "处", "家", "块"):
            form = "zh" if r < 0.45 else "plain"
        elif n >= 20 and r < 0.28:
            form = "suffix"
        elif n >= 50 and r < 0.34:
            form = "near"
        elif n >= 1000 and r < 0.4:
            form = "comma"
        else:
            form = "plain"
        if form == "zh":
            text = zh_number(n) + unit
        elif form == "suffix":
            n = round_figure(n)
            approx = True
            num = str(n)
            if n in (100, 1000) and rng.random() < 0.3:
                num = "百" if n == 100 else "千"  # 百余条, 千余条
            elif n in (200, 300, 500, 2000) and rng.random() < 0.3:
                num = zh_number(n)  # 两百余条
            text = f"{num}{rng.choice('余余余多')}{unit}"
        elif form == "near":
            approx = True
            if rng.random() < 0.5:
                n = round_figure(n, up=True)
                num = {100: "百", 1000: "千"}.get(n, str(n)) if rng.random() < 0.6 else str(n)  # 近百条
                text = f"近{num}{unit}"
            else:
                text = f"约{n}{unit}"
        elif form == "comma":
            text = f"{n:,}{unit}"
        else:
            text = f"{n}{unit}"
        value = n
    return Piece(text, f"FACT.{kind}", "fact", {"value": value, "approx": approx, "unit": unit, "kind": kind})


def _mixed_form(rng: random.Random, kind: str, unit: str, n: int, mix: dict) -> Piece | None:
    """The forms of the prose mix, or None for the classic ones: 万 for counts of ten thousand and
    more, and the approximation words before (超, 超过, 约, 近) and after (左右, 以上) the count."""
    gold = {"approx": False, "unit": unit, "kind": kind}
    if n >= 10000 and rng.random() < mix.get("magnitudes", 0.0):
        tenths = n // 1000  # 125000 → 12.5万: one decimal of 万
        printed = f"{tenths / 10:g}"
        value = tenths * 1000
        word = rng.choice(("", "", "近", "超", "约", "余", "多"))
        text = f"{printed}万{word}{unit}" if word in ("余", "多") else f"{word}{printed}万{unit}"
        approx = bool(word) or value != n
        if approx and not word:
            text, approx = f"约{printed}万{unit}", True
        return Piece(text, f"FACT.{kind}", "fact", {**gold, "value": value, "approx": approx})
    if n >= 20 and rng.random() < mix.get("approx_words", 0.0) * 0.5:
        r = round_figure(n)
        before, after = rng.choice((("超", ""), ("超过", ""), ("约", ""), ("近", ""), ("", "左右"), ("", "以上")))
        if before == "近":
            r = round_figure(n, up=True)
        text = f"{before}{r}{unit}{after}"
        return Piece(text, f"FACT.{kind}", "fact", {**gold, "value": r, "approx": True})
    return None


def format_share(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _cell(prefix: str, row: str, col: str) -> str:
    return f"{prefix}.{row}.{col}"


# Counts the prose restates from the tables (the X-NARRATIVE phrases of gkml.assemble.checks).
TIES: dict[str, tuple[str, ...]] = {
    "new": (_cell("t3", T3_NEW, T3_TOTAL_COL),),
    "carried_in": (_cell("t3", T3_CARRIED_IN, T3_TOTAL_COL),),
    "carried_over": (_cell("t3", T3_CARRIED_OVER, T3_TOTAL_COL),),
    "handled": (_cell("t3", T3_TOTAL_ROW, T3_TOTAL_COL),),
    "granted": (_cell("t3", T3_OUTCOME_ROWS["2021"][0], T3_TOTAL_COL),),
    "review": tuple(_cell("t4", g, _T4_TOTAL) for g in T4_REVIEW),
    "suit": tuple(_cell("t4", g, _T4_TOTAL) for g in T4_SUITS),
    "new_person": (_cell("t3", T3_NEW, T3_APPLICANT_COLS[0]),),
}
# The outcome groups of table 3 (予以公开, 部分公开, 不予公开 …): what an outcome list restates.
OUTCOME_GROUPS = ("granted", "partial", "denied", "unable", "rejected", "other")
for _g in OUTCOME_GROUPS:
    TIES[f"outcome_{_g}"] = tuple(
        _cell("t3", row, T3_TOTAL_COL)
        for row in dict.fromkeys(T3_OUTCOME_ROWS["2021"] + T3_OUTCOME_ROWS["2019"])
        if row.split("_")[0] == _g
    )


def tie_values(values: dict[str, Number]) -> dict[str, Number]:
    """The restated counts of a report, from its table values (0 where a cell is not printed)."""
    out = {name: sum(values.get(k, 0) or 0 for k in keys) for name, keys in TIES.items()}
    fees = [v for k, v in values.items() if k.endswith(".amount") and k.startswith("t2.")]
    out["fees"] = fees[0] if fees else 0
    return out


# --------------------------------------------------------------------------- sentences (:mod:`prose_bank`)

_SLOT = re.compile(r"\{(\w+):([^:}]+):([^}]+)\}|\{(A|SELF|Y|NY|R)\}")


@dataclass
class Ctx:
    """What sentences need to fill their slots."""

    rng: random.Random
    agency: Agency
    year: int
    level: str
    ties: dict[str, Number] = field(default_factory=dict)  # empty for narrative-only reports
    mix: dict[str, float] = field(default_factory=dict)  # config "prose": the phrase kinds' chances
    drawn: dict[str, Number] = field(default_factory=dict)  # no tables: the figures its prose states


def sentence(ctx: Ctx, template: str) -> list[Piece]:
    """Pieces of one filled-in sentence."""
    names = {"A": ctx.agency.short, "SELF": ctx.agency.self_ref, "Y": str(ctx.year), "NY": str(ctx.year + 1),
             "R": ctx.agency.region}  # fmt: skip
    pieces: list[Piece] = []
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            pieces.append(Piece(template[pos : m.start()]))
        if m.group(4):
            pieces.append(Piece(names[m.group(4)]))
        else:
            pieces.append(_slot(ctx, m.group(1), m.group(2), m.group(3)))
        pos = m.end()
    if pos < len(template):
        pieces.append(Piece(template[pos:]))
    return pieces


def _slot(ctx: Ctx, kind: str, unit: str, spec: str) -> Piece:
    rng = ctx.rng
    if spec.startswith("="):
        name = spec[1:].rstrip("?")
        if name in ctx.ties:
            return fact_piece(rng, kind, unit, ctx.ties[name], exact=True)
        if name in ctx.drawn:
            return fact_piece(rng, kind, unit, ctx.drawn[name], exact=True)
        if name == "zero" or spec.endswith("?"):  # "=zero", "=review?" (the tie, else 0): a zero stated
            return fact_piece(rng, kind, unit, 0, exact=True)
        spec = "0-30"  # a narrative-only report restates no table
    scaled = spec.endswith("*")
    lo, hi = (float(x) for x in spec.rstrip("*").split("-"))
    if scaled:
        f = LEVEL_FACTOR[ctx.level] ** 0.6
        lo, hi = lo * f, hi * f
    if unit == "%":
        value: Number = round(rng.uniform(lo, hi), 1) if hi > lo else int(hi)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
    elif unit == "元" and rng.random() < 0.3:
        value = round(rng.uniform(lo, hi), 2)
    else:
        value = round(math.exp(rng.uniform(math.log(max(lo, 1)), math.log(max(hi, 1)))))
    return fact_piece(rng, kind, unit, value, mix=ctx.mix)


# Documents a report can only cite from the year they were issued (国办函〔2020〕109号 …).
_CITED_FROM = {"〔2020〕109号": 2020, "〔2021〕30号": 2021}


def fits_year(template: str, year: int) -> bool:
    """False for a sentence citing a document issued after the report's year."""
    return all(year >= since for doc, since in _CITED_FROM.items() if doc in template)


def pick(ctx: Ctx, topic: str) -> str:
    """One sentence of ``topic`` that the report's year can say."""
    options = [t for t in BANK[topic] if fits_year(t, ctx.year)]
    return ctx.rng.choice(options or BANK[topic])


def paragraph(ctx: Ctx, topic: str, n: int, facts: int | None = None, numbered: bool = False) -> list[Piece]:
    """``n`` distinct sentences of ``topic`` (and its fact-free companion ``topic_plain``), of
    which ``facts`` (default 1–2) carry counts; ``numbered``: "一是…二是…" before each."""
    rng = ctx.rng
    bank = [t for t in (*BANK.get(topic, ()), *BANK.get(f"{topic}_plain", ())) if fits_year(t, ctx.year)]
    with_facts = [t for t in bank if "{" in t and _SLOT.search(t) and ":" in t]
    plain = [t for t in bank if t not in with_facts]
    k = min(len(with_facts), facts if facts is not None else rng.randint(1, 2), n)
    pool = rng.sample(with_facts, k) + rng.sample(plain, min(len(plain), n - k))
    rng.shuffle(pool)
    out: list[Piece] = []
    for i, t in enumerate(pool):
        if numbered and i < 5:
            out.append(Piece("一二三四五"[i] + "是"))
        out += sentence(ctx, t)
    return out


def channel_breakdown(ctx: Ctx) -> list[Piece]:
    """The 2019-era breakdown of what was published where, with shares (seed 002):
    "…总数为146条,其中,政府网站公开政府信息14条,占公开信息总数比例为9.6%,…"."""
    rng = ctx.rng
    channels = rng.sample(("政府网站", "政务微博", "政务微信", "政务公开栏", "其他方式"), rng.randint(2, 4))
    counts = [rng.randint(3, 200) for _ in channels]
    total = sum(counts)
    pieces = [Piece(f"{ctx.year}年,通过不同渠道和方式公开政府信息总数为"),
              fact_piece(rng, "active", "条", total, exact=True), Piece(",其中,")]  # fmt: skip
    for i, (ch, c) in enumerate(zip(channels, counts, strict=True)):
        share = round(100 * c / total, 1)
        pieces += [Piece(f"{ch}公开政府信息"), fact_piece(rng, "active", "条", c, exact=True),
                   Piece(",占公开信息总数比例为"), fact_piece(rng, "share", "%", share),
                   Piece("。" if i == len(channels) - 1 else ",")]  # fmt: skip
    return pieces
