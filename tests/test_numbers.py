"""Number parsing: table cells, Chinese numerals, counts in prose (gkml.numbers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gkml.numbers import (
    BLANK_TOKENS,
    Quantity,
    chinese_number,
    find_quantities,
    in_enumeration,
    is_blank,
    parse_cell,
    parse_quantity,
    sentence_bounds,
)
from gkml.schema import FACT_UNITS

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def sample(name: str) -> str:
    return next(SAMPLES.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


def found(text: str) -> list[tuple[str, int | float, bool, str | None]]:
    return [(q.text, q.value, q.approx, q.unit) for q in find_quantities(text)]


# --- parse_cell ----------------------------------------------------------------------------


@pytest.mark.parametrize("token", sorted(BLANK_TOKENS))
def test_every_blank_token_is_blank(token):
    assert is_blank(token)
    assert parse_cell(token) is None
    assert parse_cell(f"  {token}\u3000") is None


@pytest.mark.parametrize("raw", ["", "  ", "—", "——", "-", "--", "/", "无", "空", "－", "———", "\u3000"])
def test_blank_variants(raw):
    assert parse_cell(raw) is None


def test_yi_is_a_numeral_not_a_blank():
    assert "一" not in BLANK_TOKENS
    assert not is_blank("一")
    with pytest.raises(ValueError):
        parse_cell("一")  # a cell holds Arabic digits; the caller decides what "一" meant


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0", 0),
        ("12", 12),
        (" 12 ", 12),
        ("\t205\n", 205),
        ("3,830", 3830),
        ("1,234,567", 1234567),
        ("530.67", 530.67),
        ("96171.6", 96171.6),
        ("0.00", 0.0),
        ("１２", 12),
        ("５３０．６７", 530.67),
        ("３，８３０", 3830),
        ("-5", -5),
        ("－5", -5),
        ("−8", -8),
        ("+3", 3),
        ("012", 12),
    ],
)
def test_parse_cell_values(raw, value):
    got = parse_cell(raw)
    assert got == value
    assert type(got) is type(value)


def test_ints_stay_int_and_decimals_float():
    assert isinstance(parse_cell("12"), int)
    assert isinstance(parse_cell("12.0"), float)


@pytest.mark.parametrize(
    "raw", ["1 2", "l2", "12件", "abc", "38,30", "1,2345", "1.2.3", "十二", "O", "12.", "+", "5-"]
)
def test_parse_cell_junk_raises(raw):
    with pytest.raises(ValueError, match="not a cell value"):
        parse_cell(raw)


# --- chinese_number ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "value"),
    [
        ("零", 0),
        ("一", 1),
        ("两", 2),
        ("二", 2),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("百", 100),
        ("一百零五", 105),
        ("一千二百", 1200),
        ("一千二", 1200),
        ("一千零五", 1005),
        ("两千", 2000),
        ("三万五千", 35000),
        ("三万五", 35000),
        ("十万", 100000),
        ("一亿二千万", 120000000),
        ("二〇二〇", 2020),
        ("二〇二三", 2023),
        ("壹佰贰拾", 120),
        ("兩", 2),
    ],
)
def test_chinese_number(s, value):
    assert chinese_number(s) == value


@pytest.mark.parametrize(
    "s", ["", "近百", "十二条", "12", "一二十", "十百", "百十百", "零十", "二万三万", "a"]
)
def test_chinese_number_rejects(s):
    with pytest.raises(ValueError):
        chinese_number(s)


# --- parse_quantity ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "approx", "unit"),
    [
        ("800余条", 800, True, "条"),
        ("近百条", 100, True, "条"),
        ("两次", 2, False, "次"),
        ("9.6%", 9.6, False, "%"),
        ("530.67万元", 530.67, False, "万元"),
        ("1243件", 1243, False, "件"),
        ("约30人次", 30, True, "人次"),
        ("100余名", 100, True, "名"),
        ("12", 12, False, None),
        ("14个", 14, False, "个"),
        ("380元", 380, False, "元"),
        ("20多篇", 20, True, "篇"),
        ("30人次左右", 30, True, "人次"),
        ("100条以上", 100, True, "条"),
        ("超过50件", 50, True, "件"),
        ("逾千名", 1000, True, "名"),
        ("百分之百", 100, False, "%"),
        ("十二件", 12, False, "件"),
        ("３，８３０条", 3830, False, "条"),
        ("9.6％", 9.6, False, "%"),
        ("1.2万条", 12000, False, "条"),
        ("3万余元", 30000, True, "元"),
        ("400 余条", 400, True, "条"),
    ],
)
def test_parse_quantity(text, value, approx, unit):
    q = parse_quantity(text)
    assert q == Quantity(text=text, start=0, end=len(text), value=value, approx=approx, unit=unit)


def test_parse_quantity_keeps_int_and_float():
    assert isinstance(parse_quantity("800余条").value, int)
    assert isinstance(parse_quantity("530.67万元").value, float)


def test_parse_quantity_whitespace_outside_span():
    q = parse_quantity(" 12件 ")
    assert (q.text, q.start, q.end, q.value) == ("12件", 1, 4, 12)


@pytest.mark.parametrize(
    "text", ["", "条", "余条", "各类政府信息800余条", "800余条,占", "2023年", "第二十条", "12 件 多"]
)
def test_parse_quantity_rejects(text):
    assert parse_quantity(text) is None


def test_quantity_units_are_schema_units():
    for text in [
        "800余条",
        "两次",
        "9.6%",
        "530.67万元",
        "约30人次",
        "100余名",
        "14个",
        "380元",
        "20篇",
        "5件",
    ]:
        assert parse_quantity(text).unit in FACT_UNITS


# --- find_quantities on real sentences -------------------------------------------------------


def test_seed_000_prose():
    text = sample("000")
    qs = find_quantities(text)
    assert [(q.text, q.value, q.approx, q.unit) for q in qs] == [
        ("800余条", 800, True, "条"),
        ("12件", 12, False, "件"),
        ("10件", 10, False, "件"),
        ("2件", 2, False, "件"),
        ("900余件", 900, True, "件"),
    ]
    for q in qs:
        assert text[q.start : q.end] == q.text
    assert text[qs[0].start - 6 : qs[0].end] == "各类政府信息800余条"
    assert text[qs[-1].start - 8 : qs[-1].end] == "处置反馈各类问题900余件"


def test_seed_000_dates_and_table_numbers_are_not_quantities():
    # "截止202212月31日", "2023-01-28 09:46:04", 205/716/530.67 in table cells: none has a unit
    text = sample("000")
    values = {q.value for q in find_quantities(text)}
    assert not values & {2022, 202212, 31, 2023, 205, 716, 530.67}


def test_seed_002_shares_and_counts():
    text = sample("002")
    sentence = next(line for line in text.splitlines() if "占公开信息总数比例为9.6%" in line)
    assert found(sentence) == [
        ("146条", 146, False, "条"),
        ("14条", 14, False, "条"),
        ("9.6%", 9.6, False, "%"),
        ("101条", 101, False, "条"),
        ("69.2%", 69.2, False, "%"),
        ("25条", 25, False, "条"),
        ("17.1%", 17.1, False, "%"),
        ("6条", 6, False, "条"),
        ("4.1%", 4.1, False, "%"),
    ]
    assert found("本年度共收到政府信息公开申请0件。") == [("0件", 0, False, "件")]


def test_seed_003_ocr_spacing_and_chinese_numerals():
    text = sample("003")
    got = found(text)
    assert ("1800余条", 1800, True, "条") in got
    assert ("400 余条", 400, True, "条") in got  # OCR space between number and 余
    assert ("8个", 8, False, "个") in got
    assert ("2名", 2, False, "名") in got
    assert ("1243 件", 1243, False, "件") in got
    assert ("100%", 100, False, "%") in got
    assert ("14 个", 14, False, "个") in got
    assert ("两次", 2, False, "次") in got
    # 国务院令第711号, 〔2021〕30号, 2023年1月1日, 111号, phone and post codes: not counts
    assert not {v for _, v, _, _ in got} & {711, 2021, 30, 2023, 111, 755000}


def test_spans_in_sentences():
    s = "政府网站公开政府信息14条,占公开信息总数比例为9.6%"
    qs = find_quantities(s)
    assert [(q.text, q.start, q.end) for q in qs] == [("14条", 10, 13), ("9.6%", 24, 28)]
    s = "办理12345民生服务热线、书记信箱等1243件,收费530.67万元,信息处理费380元"
    assert found(s) == [
        ("1243件", 1243, False, "件"),
        ("530.67万元", 530.67, False, "万元"),
        ("380元", 380, False, "元"),
    ]


def test_approximators_are_in_the_span():
    assert found("政府信息近百条") == [("近百条", 100, True, "条")]
    assert found("培训约30人次左右") == [("约30人次左右", 30, True, "人次")]
    assert found("参训超过200人次") == [("超过200人次", 200, True, "人次")]
    assert found("覆盖群众逾千名") == [("逾千名", 1000, True, "名")]
    assert found("发布100余名") == [("100余名", 100, True, "名")]
    assert found("信息20多条以上") == [("20多条以上", 20, True, "条")]
    # 近 and 约 that belong to the word before are not approximators
    assert found("最近3次") == [("3次", 3, False, "次")]
    assert found("节约3万元") == [("3万元", 3, False, "万元")]


def test_unit_order_and_chinese_numerals():
    assert found("培训3人次") == [("3人次", 3, False, "人次")]
    assert found("收费3万元") == [("3万元", 3, False, "万元")]
    assert found("组织培训会议两次") == [("两次", 2, False, "次")]
    assert found("收到申请十二件") == [("十二件", 12, False, "件")]
    assert found("公开一千二百条") == [("一千二百条", 1200, False, "条")]
    assert found("投入三万五千元") == [("三万五千元", 35000, False, "元")]
    assert found("办结率达百分之百") == [("百分之百", 100, False, "%")]
    assert found("唯一一次") == [("一次", 1, False, "次")]
    assert found("一件事一次办") == [("一件", 1, False, "件"), ("一次", 1, False, "次")]


def test_full_width_digits_keep_offsets():
    s = "公开信息１２条，占９.６％"
    assert [(q.text, q.start, q.value, q.unit) for q in find_quantities(s)] == [
        ("１２条", 4, 12, "条"),
        ("９.６％", 9, 9.6, "%"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "2023年",
        "2023年1月28日",
        "1月31日",
        "2024-01-11",
        "发布时间:2023-01-28 09:46:04",
        "〔2021〕30号",
        "国办公开办函〔2019〕60号",
        "国务院令第711号",
        "第二十条第(一)项",
        "第二十条",
        "第20条",
        "第3次会议",
        "第(一)项",
        "(一)",
        "一、总体情况",
        "1.属于国家秘密",
        "三安全一稳定",
        "三审三校",
        "一是强化部门职责",
        "12345民生服务热线",
        "电话:0432—66722491",
        "3个月内",
        "5个工作日",
        "提高2个百分点",
        "《条例》第20条例",
        "万元",
        "单位:万元",
        "亿元",
        "二〇二〇年一月三日",
        "— 2 —",
    ],
)
def test_not_quantities(text):
    assert find_quantities(text) == []


def test_ordinal_tail_is_not_retried():
    # "第二十条" must not yield "十条", "第20条" must not yield "0条"
    assert found("依据第二十条第(一)项公开14条") == [("14条", 14, False, "条")]
    assert found("第20条规定") == []


def test_non_overlapping_in_order():
    qs = find_quantities("公开3,830条信息和1.2万条动态,微博转发1200 余条")
    assert [(q.text, q.value) for q in qs] == [("3,830条", 3830), ("1.2万条", 12000), ("1200 余条", 1200)]
    assert all(a.end <= b.start for a, b in zip(qs, qs[1:], strict=False))


# --- issue 20: every counting word, 万 magnitudes, approximation words, PDF spacing -----------


@pytest.mark.parametrize(
    ("text", "value", "approx", "unit"),
    [
        ("近12.5万人", 125000, True, "人"),
        ("近 12.5 万人", 125000, True, "人"),
        ("1.2万余人次", 12000, True, "人次"),
        ("超1200条", 1200, True, "条"),
        ("超过50件", 50, True, "件"),
        ("约30人次", 30, True, "人次"),
        ("30人次左右", 30, True, "人次"),
        ("100条以上", 100, True, "条"),
        ("436 件", 436, False, "件"),
        ("57  件", 57, False, "件"),
        ("21.35%", 21.35, False, "%"),
        ("3场", 3, False, "场"),
        ("12期", 12, False, "期"),
        ("56项", 56, False, "项"),
        ("5处", 5, False, "处"),
        ("20家", 20, False, "家"),
        ("500余份", 500, True, "份"),
        ("3批", 3, False, "批"),
        ("两位", 2, False, "位"),
        ("300户", 300, False, "户"),
        ("4台", 4, False, "台"),
        ("12块", 12, False, "块"),
        ("2轮", 2, False, "轮"),
        ("1000册", 1000, False, "册"),
        ("3.5亿元", 3.5, False, "亿元"),
        ("12场次", 12, False, "场次"),
    ],
)
def test_parse_quantity_every_counting_word(text, value, approx, unit):
    q = parse_quantity(text)
    assert (q.text, q.value, q.approx, q.unit) == (text, value, approx, unit)
    assert unit in FACT_UNITS


def test_counts_of_the_issue_sentences():
    assert found("覆盖群众近12.5万人") == [("近12.5万人", 125000, True, "人")]
    assert found("予以公开 57 件（21.35%）") == [("57 件", 57, False, "件"), ("21.35%", 21.35, False, "%")]
    assert found("召开新闻发布会3场,编印公报12期") == [("3场", 3, False, "场"), ("12期", 12, False, "期")]
    assert found("办结 436 件（含\n上年结转 25 件）") == [
        ("436 件", 436, False, "件"),
        ("25 件", 25, False, "件"),
    ]
    nine = "、".join(f"{name}{n}条" for n, name in enumerate("甲乙丙丁戊己庚辛壬", start=1))
    assert [q.value for q in find_quantities("发布" + nine + "。")] == list(range(1, 10))


def test_a_hard_wrap_inside_a_count_stays_in_the_span_as_printed():
    text = "全年共办结政府信息公开申请 436\n件,其中予以公开约\n30件。"
    qs = find_quantities(text)
    assert [(q.text, q.value, q.approx) for q in qs] == [("436\n件", 436, False), ("约\n30件", 30, True)]
    assert all(text[q.start : q.end] == q.text for q in qs)
    # a number alone on its line (one table cell per line) is not joined to a unit on the next
    assert find_quantities("本年新收\n0\n件数\n12\n个人") == []


@pytest.mark.parametrize(
    "text",
    [
        "一件件落实",
        "一次性告知",
        "处理决定数量",
        "上一年项目数量",
        "十四届人大",
        "疫情期间",
        "3个工作日内",
        "(本列数据的勾稽关系为:笫一项加第二项之和,等于第\n三项加第四项之和)",
        "依据《条例》第二 十条规定",
        "赶超",
    ],
)
def test_words_that_hold_a_counting_word_are_not_counts(text):
    assert find_quantities(text) == []


def test_approximators_that_belong_to_the_word_before():
    assert found("赶超3次") == [("3次", 3, False, "次")]
    assert found("将近300人") == [("将近300人", 300, True, "人")]


def test_sentence_bounds_cross_a_hard_wrap_but_not_a_paragraph():
    text = "(二)依申请公开\n全年共办结政府信息公开申请 436 件(含\n上年结转 25 件)。下一句。"
    s, e = sentence_bounds(text, text.index("25"))
    assert text[s:e] == "全年共办结政府信息公开申请 436 件(含\n上年结转 25 件)。"


def test_in_enumeration_needs_three_counts_separated_by_dunhao_or_semicolon():
    text = "发布政策文件15件、人事任免信息41条、财政信息8条;另有通知3条,简报2期。"
    spans = [(q.start, q.end) for q in find_quantities(text)]
    assert [in_enumeration(text, a, b) for a, b in spans] == [True, True, True, True, False]
    two = "公开文件15件、通知41条。"
    assert not any(in_enumeration(two, q.start, q.end) for q in find_quantities(two))
    shares = "其中予以公开57件(21.35%)、部分公开12件(4.48%)。"  # a share in parentheses goes with its count
    assert all(in_enumeration(shares, q.start, q.end) for q in find_quantities(shares))
    assert not any(
        in_enumeration("办结436件(含上年结转25件)。", q.start, q.end)
        for q in find_quantities("办结436件(含上年结转25件)。")
    )
    # a gold fact the finder does not see (its unit lost) still counts as an item
    lost = "公开文件15件、通知41条、简报260余。"
    assert in_enumeration(lost, lost.index("260"), lost.index("260") + 4)


def test_sentence_bounds_keep_counts_a_scraped_page_put_on_lines_of_their_own():
    # BeautifulSoup get_text("\n") of a portal page whose counts are printed bold
    text = "(一)主动公开\n我局全年共收到政府信息公开申请\n64件\n,办结率\n100%\n。全年发布工作简报\n0期\n、政府公报\n5期\n。"
    s, _ = sentence_bounds(text, text.index("64"))
    assert text[s:].startswith("我局全年共收到")
    s, e = sentence_bounds(text, text.rindex("5期"))
    assert text[s:e] == "全年发布工作简报\n0期\n、政府公报\n5期\n。"
    assert in_enumeration(text, text.index("0期"), text.index("0期") + 2, min_items=2)
    s, _ = sentence_bounds(text, text.index("我局"))
    assert text[s:].startswith("我局")  # a heading still ends its line's paragraph
