"""The words of a report: agency, year and dates as printed, section headings in their printed
variants, and paragraphs drawn from a bank of sentences with counts ("800余条", "1243件",
"两次", "近百条", "占…9.6%") in every form real reports use.

A sentence is a template; a slot ``{kind:unit:spec}`` becomes a fact piece labelled
``FACT.<kind>`` with its gold (value, approx, unit).  ``spec`` is ``lo-hi`` (a count drawn
log-uniformly; ``lo-hi*`` grows with the organ's level) or ``=name`` (the count restates a
table cell, see :data:`TIES`, which is what the X-NARRATIVE check compares).  Any count with a
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


def _nice(n: int, up: bool = False) -> int:
    """823 → 800, 1243 → 1200 (or upward for 近): the round figure an approximate count uses."""
    if n < 20:
        return n
    step = 10 ** (len(str(n)) - 1) if n < 1000 else 10 ** (len(str(n)) - 2)
    return (math.ceil(n / step) if up else n // step) * step


def fact_piece(rng: random.Random, kind: str, unit: str, value: Number, exact: bool = False) -> Piece:
    """One count as prose prints it, labelled ``FACT.<kind>``, with the value it states.

    ``exact`` (a count restating a table cell) keeps the number as it is; otherwise it may be
    rounded with 余/多/近/约, written in Chinese numerals, or grouped with commas.
    """
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
        elif n <= 10 and unit in ("次", "个", "名", "件", "条", "篇"):
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
            n = _nice(n)
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
                n = _nice(n, up=True)
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
}


def tie_values(values: dict[str, Number]) -> dict[str, Number]:
    """The restated counts of a report, from its table values (0 where a cell is not printed)."""
    out = {name: sum(values.get(k, 0) or 0 for k in keys) for name, keys in TIES.items()}
    fees = [v for k, v in values.items() if k.endswith(".amount") and k.startswith("t2.")]
    out["fees"] = fees[0] if fees else 0
    return out


# --------------------------------------------------------------------------- the sentence bank

# Topic → sentences.  Slots: {kind:unit:lo-hi[*]} or {kind:unit:=tie}; names: {A} the agency as
# prose names it, {SELF} 我镇/我局, {Y} report year, {NY} next year, {R} the government above.
BANK: dict[str, tuple[str, ...]] = {
    "active": (
        "{Y}年,{SELF}通过政府门户网站主动公开各类政府信息{active:条:60-600*},其中政策文件{active:件:2-30*},工作动态{active:条:30-300*}。",
        "全年累计主动公开政府信息{active:条:100-900*},涵盖机构职能、财政预决算、重点项目、民生实事等内容。",
        "截至{Y}年12月31日,通过{R}人民政府门户网站主动公开人事任免、项目环评、控规调整、重点工作、民生实事工程进展等各类政府信息{active:条:200-900*}。",
        "截止{Y}12月31日,通过门户网站主动公开重点工作、民生实事工程进展等各类政府信息{active:条:200-900*}。",
        "依托微信公众号发布信息{active:条:100-500*},政务微博转发信息{active:条:200-1500*}。",
        "在政府信息公开专栏更新财政预决算信息{active:条:2-12}、“三公”经费信息{active:条:1-6}。",
        "主动公开规范性文件{active:件:1-15*},并同步开展政策解读。",
        "全年在政务公开栏张贴公示各类信息{active:条:20-200},村(社区)公开栏公开“三务”信息{active:条:50-400}。",
        "通过政务新媒体发布转发信息{active:条:300-1800*},其中原创信息{active:条:50-400*}。",
        "围绕乡村振兴、社会救助、安全生产等重点领域公开信息{active:条:20-300*}。",
        "及时公开社会救助信息{active:条:10-80},兜底保障信息{active:条:20-60}。",
        "民生方面,发布征兵信息{active:条:2-10},技能培训信息{active:条:2-10},就业信息{active:条:3-30}。",
        "{Y}年主动公开、转发各类信息共{active:条:300-2000*},信息发布及时率{share:%:100-100}。",
        "在门户网站通过发展规划、工作动态、财经信息、年度报告等栏目主动公开政府信息{active:条:100-400*}。",
        "全年发布政务动态信息{active:篇:40-300*},被上级采用{active:篇:5-40}。",
        "通过政府网站公开政府信息{active:条:40-400*},同比增长{share:%:3-40}。",
        "公开行政权力运行信息{active:条:30-500*},“双随机、一公开”抽查结果{active:条:2-30}。",
        "公开重大建设项目批准和实施信息{active:条:5-60*},公共资源配置信息{active:条:10-120*}。",
        "及时公开财政预算、决算及“三公”经费等信息,全年发布财政信息{active:条:4-40}。",
    ),
    "active_plain": (
        "聚焦区政府重点工作,坚持以人民为中心,以公开促落实、促规范、促服务,不断提升政府信息公开的针对性和实效性。",
        "严格落实主动公开基本目录,对照目录逐项梳理公开事项,明确公开主体、公开内容、公开时限和公开方式。",
        "在门户网站上主动发布政策性文件、财政预决算信息、政府动态信息及其他信息,同时积极开展政策宣讲服务,切实回应群众关注关切的问题。",
        "加大对政府重点工作、重要决策部署、重大改革措施的公开力度,围绕优化营商环境、乡村振兴、民生保障等重点领域持续深化信息公开。",
        "坚持“应公开尽公开”原则,对涉及群众切身利益的惠民惠农政策、补贴资金发放等信息及时予以公示,主动接受群众监督。",
        "不断丰富政策解读形式,综合运用图表图解、音频视频、新闻发布等方式,提高政策解读的可读性和易懂性。",
        "坚持以公开为常态、不公开为例外,严格落实“五公开”工作机制,推动决策、执行、管理、服务、结果全过程公开。",
        "拟制公文时明确主动公开、依申请公开、不予公开等属性,随公文一并报批,拟不公开的依法依规说明理由。",
        "围绕群众关注关切,及时发布政策文件、财政资金、重点项目等信息,切实保障人民群众的知情权、参与权和监督权。",
        "对主动公开的政策文件同步开展解读,做到应公开尽公开、应解读尽解读。",
        "线上依托政府网站、微信公众号、村居民微信群推送政府信息;线下依托村(社区)宣传栏、移动小喇叭定期公布政府信息。",
        "切实做到固定内容长期公开、动态内容定期公开、事关群众切身利益的事项及时公开。",
        "持续做好基层政务公开标准化规范化工作,通过多渠道、多形式加强信息公开。",
        "本年度社会公众关注程度较高的政府信息主要涉及教育医疗、社会保障、安全生产、突发事件处置等方面。",
        "按照“谁起草、谁解读”的原则,强化政策性文件解读工作,着重解读政策背景依据、目标任务和主要内容。",
        "积极推进财政预决算信息公开和“三公”经费公开,公开了财政预算、决算以及“三公”经费财政拨款预算情况。",
        "推进权力清单和责任清单公开,根据法律法规立改废释、机构职能调整情况等及时调整、主动更新。",
    ),
    "request_some": (
        "全年收到依申请公开件{request:件:=new},按时办结{request:件:=granted},均在法定期限内予以答复。",
        "{Y}年共收到政府信息公开申请{request:件:=new},均已按规定时限办结。",
        "本年度新收政府信息公开申请{request:件:=new},上年结转{request:件:=carried_in},结转下年度继续办理{request:件:=carried_over}。",
        "共受理依申请公开{request:件:=new},其中予以公开{request:件:=granted}。",
        "{SELF}全年共收到政府信息公开申请{request:件:=new},办结率{share:%:100-100}。",
        "年内收到信息公开申请{request:件:=new},已全部办结。",
        "本年度办理政府信息公开申请{request:件:=handled},上一年度结转{request:件:=carried_in}。",
    ),
    "request_none": (
        "{Y}年,{SELF}未收到政府信息公开申请。",
        "{Y}年未收到群众政府信息公开申请。",
        "本年度未收到依申请公开事项,无结转申请。",
    ),
    "request_plain": (
        "进一步规范政府信息公开申请的接收、登记、办理、答复等环节,严格落实政府信息公开申请办理工作规范,确保答复内容合法、程序规范、形式严谨。",
        "对依申请公开中群众反映集中的问题,及时梳理分析,对属于主动公开范围的信息及时转为主动公开。",
        "加强与法律顾问的沟通协作,对疑难复杂申请进行会商研判,有效防范行政复议和行政诉讼风险。",
        "规范依申请公开办理流程,确保接收、登记、答复、邮寄、办结归档、复议诉讼报备等关键节点全程留痕、可追可溯。",
        "严格按照《条例》规定的时限和程序办理,做到依法依规、及时准确答复。",
        "建立健全信息公开申请登记、审核、办理、答复、归档的工作制度,着力提升政府信息公开申请办理水平。",
        "强化服务理念,准确适用依申请公开各项规定,依法保障公众合理信息需求。",
        "设置“办不成事”反映窗口,成立“帮代办”办公室,确保群众关切“事事有回音、件件有着落”。",
        "对申请内容不明确的,及时与申请人沟通,一次性告知需要补正的事项。",
        "加强与申请人的沟通,提高答复质量,努力减少因政府信息公开引发的行政争议。",
    ),
    "review_some": (
        "全年因政府信息公开引起的行政复议{request:件:=review},行政诉讼{request:件:=suit}。",
        "本年度发生政府信息公开行政复议{request:件:=review}。",
    ),
    "review_none": (
        "本年度未发生因政府信息公开引起的行政复议、行政诉讼。",
        "全年无政府信息公开行政复议、行政诉讼案件。",
    ),
    "management": (
        "严格落实政府信息公开保密审查制度,明确公开属性审查、保密审查的主体和程序,坚持先审查、后公开,一事一审、全面审查。",
        "做好政府信息公开目录的维护和更新工作,及时调整公开事项,确保目录内容与实际工作相一致。",
        "建立健全政府信息公开工作制度,制定信息公开工作方案,敏感信息、涉密信息均未公开,年内未发生泄密事件。",
        "开展历史信息清理工作,对已失效、过时的信息及时下架或标注,确保公开信息的准确性和时效性。",
        "全面梳理本单位制发的行政规范性文件,集中公开现行有效的规范性文件{active:件:2-30*}。",
        "落实政府信息公开审查制度,严格执行“三审三校”,信息发布前做好保密审查。",
        "实施政府信息公开条线负责人、分管领导、主要领导三级审核制度,确保公开的各类信息内容真实准确。",
        "按照“谁公开、谁审查、谁负责”的原则,规范政府信息管理。",
        "年内未制发规范性文件。",
        "规范标识公文公开属性,确保政府信息公开工作依法、科学、有序进行。",
        "信息发布后及时审看纠错,发现问题及时整改,确保信息发布准确性。",
        "开展行政规范性文件清理,清理规范性文件{other:件:3-40*},其中废止{other:件:1-10}。",
        "对已公开的政府信息进行动态更新,全年更新调整信息{active:条:10-100}。",
        "深入推进公益事业建设、住房保障、就业创业、养老服务等重点领域信息公开工作。",
        "建立政府信息公开台账,对公开信息实行分类管理、动态调整。",
    ),
    "platform": (
        "依托“我爱家乡”微信公众号、网上村委会、村居民微信群等推送政府信息,切实做到固定内容长期公开、动态内容定期公开。",
        "深化民生面对面、“移动代表联络站”接待日等活动,创新打造网格协商议事平台,推动“让群众参与、受群众监督、请群众评判”成为政府工作常态。",
        "运行“文明e起来”小程序,落实上报事项专人线上流转、跟踪制度,变“见面咨询反映”为“指尖互动”。",
        "加强政府网站内容保障,严格落实值班读网制度,确保网站安全平稳运行,全年未发生安全事故。",
        "在乡镇便民服务中心设立政府信息公开查阅点,配备查阅设备,方便群众现场查阅政府信息。",
        "政府网站全年发布信息{active:条:80-800*},网站总访问量{other:人次:20000-300000*}。",
        "持续加强政府网站和政务新媒体建设,管理维护政务新媒体账号{platform:个:1-8}。",
        "{platform:个:3-12}村务公开小程序和村务公开栏实现规范化运行。",
        "落实{platform:名:1-4}在编人员分别负责政府信息公开平台、微信公众号的管理、维护、监测、更新工作。",
        "认真开展网络工作群清理整治及备案工作,共备案网络工作群{platform:个:3-30}。",
        "建成政务公开专区{platform:个:1-3},在村(社区)便民服务站设置政务公开点{platform:个:5-30}。",
        "备案村务公开小程序镇、村两级分管领导和管理员各{platform:名:3-12}。",
        "优化政府网站栏目设置,新增专题专栏{platform:个:1-6},及时更新栏目内容。",
        "完善24小时政务自助服务区功能,引进智能查询问答机器人,有效提升了办事查询效率。",
        "结合政务公开考核相关指标要求,由专人负责政府网站和政务新媒体日常管理和常态化监管。",
        "持续强化政府网站、微信公众号、微博、小程序四类平台的栏目和内容分类。",
        "线上线下共服务,让政务公开与政务服务深度融合。",
        "整合政务新媒体账号,关停整合“僵尸号”“睡眠号”{platform:个:1-5}。",
    ),
    "supervision": (
        "严格落实政府信息公开工作责任制,明确分管领导、负责条线、具体联络员,切实做到日常工作有人负责,综合工作有人牵头,复杂工作有人协调。",
        "组建政府信息公开联络员队伍,制定队伍赋能计划,细化职责清单、培训清单,推动队伍懂政策、精业务。",
        "研究出台政府门户网站信息报送工作考评办法,对信息报送的数量、质量、及时性等情况进行全面梳理核查,并予以通报。",
        "依据考核结果对相关单位考核分值进行相应增减,以正向激励与反向约束相结合的方式,充分调动各部门主动作为的积极性。",
        "自觉接受人大、政协和社会各界的监督,认真听取群众对政府信息公开工作的意见建议,及时改进工作。",
        "年内未接收到群众对政务公开工作提出的意见建议,未发生因政府信息公开工作引发的舆情事件。",
        "将政府信息公开工作纳入年度目标考核体系,明确具体考核指标与评分标准。",
        "成立以主要领导为组长、分管领导为副组长的政务公开工作领导小组,明确专人负责日常工作。",
        "多方位拓宽政务公开监督渠道,接受社会群众监督。",
        "{Y}年{SELF}未出现因政府信息公开问题的责任追究情况。",
        "开展政务公开自查{other:次:1-6},对发现的问题及时整改到位。",
        "落实月考核通报机制,有效提升做好政务公开工作积极性。",
        "聘请政务公开社会监督员{platform:名:2-12},定期听取意见建议。",
    ),
    "training": (
        "组织政务公开业务培训{training:次:1-6},参训人员{training:人次:20-300*}。",
        "组织培训会议{training:次:1-4},强化管理员能力水平。",
        "开展政务公开专题培训{training:次:1-5},培训工作人员{training:人次:10-200}。",
        "组织专职人员参加上级举办的政府信息公开业务培训{training:次:1-4}。",
        "以“线上+线下”模式开展业务培训{training:次:1-8},覆盖各村(社区)信息员{training:名:8-40}。",
        "全年举办政务公开培训班{training:次:1-3},培训业务骨干{training:人次:30-150*}。",
    ),
    "interaction": (
        "健全政民互动机制,畅通政府网站留言、热线电话等渠道,对群众咨询做到件件有回复、事事有着落。",
        "严格落实意识形态领域责任制,政府门户网站和各类政务新媒体运行安全平稳,舆情处置得当。",
        "围绕群众关心的社保、教育、医疗等问题,及时发布权威信息,积极回应社会关切。",
        "信件按时办结,反馈及时,群众满意率{share:%:90-100}。",
        "办理12345民生服务热线、书记信箱等{interaction:件:200-3000*},办结率{share:%:100-100}。",
        "全年通过“文明e起来”小程序累计处置反馈各类问题{interaction:件:100-1500}。",
        "受理12345政务服务便民热线工单{interaction:件:300-5000*},按时办结率{share:%:95-100}。",
        "答复网民留言{interaction:条:20-400*},回复率{share:%:100-100}。",
        "通过“民生面对面”活动收集群众意见建议{interaction:条:10-120},均已办理反馈。",
        "全年受理“局长信箱”来信{interaction:件:10-300*},办结率{share:%:98-100}。",
        "办理人大代表建议{other:件:2-40*}、政协委员提案{other:件:2-50*},办复率{share:%:100-100}。",
        "召开新闻发布会{other:次:1-10},回应社会关切。",
        "开展政府开放日活动{other:次:1-6},邀请群众代表{other:人次:10-100}参与。",
    ),
    "problems": (
        "政府信息公开工作与群众的期待相比还存在一定差距,公开内容的深度和广度有待进一步拓展。",
        "政策解读的质量还需提升,部分解读材料照搬文件原文,解读不够通俗易懂。",
        "基层工作人员多为兼职,对《条例》的学习理解不够深入,业务水平参差不齐。",
        "政务新媒体互动性不强,回应群众关切的及时性有待提高。",
        "主动公开的意识不够强,对涉及群众切身利益的政策性文件公开较少,发布信息还不够充分。",
        "公开信息的质量和时效性有待提高,负责信息公开的人员业务能力有待提升。",
        "工作协调力度还不够,公开渠道多而不精,部门间的信息公开还不协同。",
        "政策解读形式较为单一,图解、视频等多元化解读较少。",
        "微信公众号平台在就业、社会保障、政策解读等方面信息发布较少,与群众的实际需求还有一定差距。",
        "村务公开小程序村级管理员业务能力有待进一步提升。",
        "政务公开工作人员更换频繁,新上岗人员培训不及时,存在工作衔接不畅。",
        "部分信息更新不及时,栏目内容不够丰富。",
        "基层政务公开标准化规范化建设仍需深化。",
        "对政务公开工作的重要性认识不足,工作积极性和主动性有待提升。",
    ),
    "improve": (
        "进一步加强对《条例》的学习宣传,提高工作人员依法公开的意识和能力,推动政务公开工作规范化、制度化。",
        "立足群众需求,优化公开内容和形式,重点围绕就业、社会保障、教育医疗等领域加大公开力度。",
        "加强政务新媒体管理,提高信息发布的时效性和互动性,积极回应社会关切。",
        "建立健全考核评价机制,将政务公开工作纳入年度目标考核,压紧压实工作责任。",
        "强化政务信息公开力度,以社会需求、群众关注为导向,不断丰富信息公开内容。",
        "加强政务公开工作队伍建设,定期开展业务培训,提升工作人员业务能力。",
        "健全工作机制,加强日常信息的收集、筛选与发布,确保公开内容准确、及时、规范。",
        "充分利用现有公开渠道,立足人民群众的实际信息需求,提高公开数量和质量。",
        "组织村务公开小程序管理员培训会,对信息分类、编辑格式和公开时限等内容进行培训。",
        "扎实落实政务公开工作人员AB岗制度,加强岗前培训,确保工作衔接有序。",
        "加大对政府重点工作、重要决策部署、重大改革措施的解读力度,及时关注舆情。",
        "{NY}年,{SELF}将继续深化政务公开,推动政务公开工作提质增效。",
        "健全发布审核、保密审核制度,防止违规发布涉密或不宜公开的信息。",
    ),
    "fees_none": (
        "本年度{SELF}未收取政府信息公开信息处理费。",
        "按照《国务院办公厅关于印发<政府信息公开信息处理费管理办法>的通知》(国办函〔2020〕109号)规定的按件、按量收费标准,本年度没有产生信息公开处理费。",
        "(一)收取信息处理费的情况:本年度{A}未收取政府信息公开处理费。",
    ),
    "fees_some": (
        "按照国办函〔2020〕109号规定,本年度收取信息处理费{money:元:100-3000}。",
        "本年度共收取政府信息公开信息处理费{money:元:50-2000}。",
    ),
    "other": (
        "无其他需要报告的事项。",
        "本年度无其他需要报告的事项。",
        "{R}{Y}年政务公开工作要点任务均已按要求落实。",
        "紧紧围绕高质量发展、民生改善、政策意见征集等{other:个:5-15}方面严格落实上级工作安排部署。",
        "公开“抓办强转”信息{active:条:20-80},政策法规{active:条:10-40},重点工作进展{active:条:20-60}。",
    ),
    "overview": (
        "{A}高度重视政府信息公开工作,将其列入重要议事日程,从日常管理入手,认真贯彻落实各项规章制度,着力抓好组织实施,为顺利实施政府信息公开工作提供了有力保证。",
        "{Y}年,{A}全面贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署和省、市工作要求,坚持以公开为常态、不公开为例外,政府信息公开工作取得新的成效。",
        "{Y}年,{SELF}坚持以习近平新时代中国特色社会主义思想为指导,认真贯彻落实《中华人民共和国政府信息公开条例》,围绕主动公开、依申请公开、政府信息管理、平台建设、监督保障等方面积极履行政府信息公开职能。",
        "今年以来,{A}以政务公开标准化、规范化建设为导向,持续在政府信息公开的力度、深度、精度上下功夫,不断提升政府信息公开工作质效。",
        "{Y}年,在{R}的坚强领导下,{A}认真贯彻落实《条例》,坚持“依法、公开、客观、及时”的原则,向社会公开政府信息。",
        "{SELF}始终将政务公开工作作为重点工作来抓,将其纳入重要议事日程,确保工作部署落地生根。",
    ),
}  # fmt: skip

SUBHEADS = {  # the (一)…(五) paragraphs of section 1, by topic
    "active": ("主动公开情况", "主动公开", "加大公开力度", "坚持阳光透明,及时回应群众关切"),
    "request": ("依申请公开情况", "依申请公开", "规范依申请公开办理"),
    "management": ("政府信息管理情况", "政府信息管理", "完善政府信息管理"),
    "platform": ("政府信息公开平台建设", "平台建设情况", "加强公开平台建设", "拓宽公开渠道,增强沟通互动实效"),
    "supervision": ("监督保障情况", "监督保障", "加强监督保障工作", "层层压实责任,凝聚齐抓共管合力"),
}

_SLOT = re.compile(r"\{(\w+):([^:}]+):([^}]+)\}|\{(A|SELF|Y|NY|R)\}")


@dataclass
class Ctx:
    """What sentences need to fill their slots."""

    rng: random.Random
    agency: Agency
    year: int
    level: str
    ties: dict[str, Number] = field(default_factory=dict)  # empty for narrative-only reports


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
        name = spec[1:]
        if name in ctx.ties:
            return fact_piece(rng, kind, unit, ctx.ties[name], exact=True)
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
    return fact_piece(rng, kind, unit, value)


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
