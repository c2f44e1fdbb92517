"""Narrative facts (gkml.rules.facts) and their kinds."""

import re

import pytest
from rules_support import SEED, gold, seed_text, spans_of

from gkml.rules import label


def test_facts_of_000_with_their_kinds():
    text = seed_text("000")
    facts = spans_of(text, "FACT")
    assert facts == [
        ("FACT.active", "800余条"),
        ("FACT.request", "12件"),
        ("FACT.request", "10件"),
        ("FACT.request", "2件"),
        ("FACT.interaction", "900余件"),
    ]


@pytest.mark.parametrize("n", sorted(SEED))
def test_facts_and_their_kinds_match_the_seed_gold(n):
    got = {(s.start, s.end): s.label for s in label(seed_text(n)) if s.label.startswith("FACT.")}
    assert got == {(f["start"], f["end"]): f"FACT.{f['kind']}" for f in gold(n)["facts"]}


def test_no_facts_in_tables_or_list_announcements():
    assert spans_of(seed_text("004"), "FACT") == []  # "主要体现在三个方面:" announces a list
    assert all(
        "|" not in seed_text("001")[s.start - 3 : s.end + 3]
        for s in label(seed_text("001"))
        if s.label.startswith("FACT")
    )


# --- issue 20: the spec's facts and kinds, on sentences of the seeds, the fragments and the issue


def facts_of(text: str) -> list[tuple[str, str]]:
    """(kind, text) of every fact the rules find in ``text``."""
    return [
        (s.label.split(".", 1)[1], text[s.start : s.end]) for s in label(text) if s.label.startswith("FACT.")
    ]


def test_p19_lists_inherit_their_verb_and_cases_are_other():
    text = (
        "2023年,东湖街道办事处在越城区政府信息公开系统上主动公开政府信息47条,其中部门文件22件,通知公告16条,"
        "人事任免5条,财政预决算2条,工作计划1条,工作总结1条。\n"
        "2023年度东湖街道办事处通过政府门户网站共办理并答复信息公开申请3件、纸质申请36件,顺延至下一年答复2件。"
        "因信息公开引起的行政复议31件,行政诉讼0件。"
    )
    assert facts_of(text) == [
        ("active", "47条"), ("active", "22件"), ("active", "16条"), ("active", "5条"), ("active", "2条"),
        ("active", "1条"), ("active", "1条"), ("request", "3件"), ("request", "36件"), ("request", "2件"),
        ("other", "31件"), ("other", "0件"),
    ]  # fmt: skip


def test_what_is_counted_decides_entities_and_people():
    assert facts_of("8个村务公开小程序和村务公开栏实现规范化运行。") == [("platform", "8个")]
    assert facts_of("紧紧围绕高质量发展、民生改善等 11 个方面严格落实。") == [("other", "11 个")]
    assert facts_of("2023 年共备案网络工作群14 个。") == [("platform", "14 个")]
    assert facts_of("备案村务公开小程序管理员各 9 名,组织培训会议两次。") == [
        ("platform", "9 名"),
        ("training", "两次"),
    ]
    assert facts_of("落实1名专职人员负责日常工作。") == [("platform", "1名")]
    assert facts_of("开展政府开放日活动3次,邀请群众代表70余人次参与。") == [
        ("other", "3次"),
        ("other", "70余人次"),
    ]
    assert facts_of("政府网站全年访问量超过38万人次。") == [("other", "超过38万人次")]
    assert facts_of("组织政务公开业务培训2次,参训人员120人次。") == [
        ("training", "2次"),
        ("training", "120人次"),
    ]
    assert facts_of("关停整合“僵尸号”“睡眠号”4个。") == [("platform", "4个")]
    assert facts_of("抽查涉企信息公开情况,检查企业8家。") == [("other", "8家")]


def test_every_counting_word_and_its_kind():
    assert facts_of("召开新闻发布会 3 场,编印政府公报 12 期,开展在线访谈2期,开展网上调查3次。") == [
        ("other", "3 场"), ("active", "12 期"), ("interaction", "2期"), ("interaction", "3次"),
    ]  # fmt: skip
    assert facts_of("政务公开宣传活动覆盖群众近12.5万人。") == [("other", "近12.5万人")]
    assert facts_of("建成政务公开专区2处,设置政务公开栏12块,配备政务服务一体机3台。") == [
        ("platform", "2处"), ("platform", "12块"), ("platform", "3台"),
    ]  # fmt: skip
    assert facts_of("发放政策宣传资料1.2万余份。") == [("active", "1.2万余份")]


def test_interpretations_are_active_only_with_a_publishing_verb():
    assert facts_of("通过图文、视频等形式发布政策解读27条。") == [("active", "27条")]
    assert facts_of("围绕重点民生政策解读政策文件27条。") == [("other", "27条")]
    assert facts_of("主动公开政府信息300条,其中政策文件15件、政策解读8篇。") == [
        ("active", "300条"), ("active", "15件"), ("active", "8篇"),
    ]  # fmt: skip
    assert facts_of("清理规范性文件12件,其中废止1件,公开现行有效的规范性文件30件。") == [
        ("other", "12件"), ("other", "1件"), ("active", "30件"),
    ]  # fmt: skip


def test_outcomes_with_shares_sub_counts_and_a_hard_wrap():
    # (spaced, "予以公开 57 件" is read as a table-3 cell by the table reader, so not as a fact)
    assert facts_of("本年度共办结申请268件,其中予以公开57件(21.35%),部分公开12件(4.48%)。") == [
        ("request", "268件"), ("request", "57件"), ("share", "21.35%"), ("request", "12件"), ("share", "4.48%"),
    ]  # fmt: skip
    spaced = "全年共办理政府信息公开申请,办结 436 件(含上年结转 25 件),办结率100%。"
    assert facts_of(spaced) == [("request", "436 件"), ("request", "25 件"), ("share", "100%")]
    wrapped = (
        "全年共办理政府信息公开申请,办结436件(含\n上年结转25件),办结率100%。"  # the wrap keeps the sentence
    )
    assert facts_of(wrapped) == [("request", "436件"), ("request", "25件"), ("share", "100%")]
    assert facts_of("全年办结政府信息公开申请 436\n件,办结率100%。") == [
        ("request", "436\n件"),
        ("share", "100%"),
    ]


def test_a_long_enumeration_gives_one_fact_per_item():
    items = ["政策文件15件", "人事任免信息41条", "财政信息8条", "规划计划3条", "政府采购信息12条", "重大项目信息6条",
             "通知公告20条", "应急管理信息4条", "统计信息9条"]  # fmt: skip
    for sep in ("、", ";"):
        got = facts_of("2023年,我镇通过门户网站发布" + sep.join(items) + "。")
        assert got == [("active", re.search(r"\d+[件条]$", item).group()) for item in items]


def test_names_articles_and_self_descriptions_are_not_facts():
    for text in [
        "坚持“三个一”工作法,推行一户一档管理。",
        "增强“四个意识”,严格落实中央八项规定精神。",
        "落实“一件事一次办”改革。",
        "建设法治政府的一项重要工作。",
        "内容包括:总体情况、主动公开政府信息情况等六项内容。本年度报告…",
        "全文包括总体情况,公开的内容、存在的主要问题改进措施四个部分。",
        "主要体现在三个方面:一是主动公开意识有待强化。",
        "办理12345民生服务热线来电,依据国办公开办函〔2021〕30号,截至2023年12月31日。",
    ]:
        assert facts_of(text) == [], text


def test_kinds_of_counts_a_scraped_page_put_on_lines_of_their_own():
    text = ("(二)依申请公开\n我局全年共收到政府信息公开申请\n64件\n,办结\n60件\n。\n(一)主动公开\n全年发布政务动态信息\n93篇\n"
            ",政府公报\n5期\n。聘请政务公开社会监督员\n八名\n。\n十个\n村务公开小程序上线。")  # fmt: skip
    assert facts_of(text) == [("request", "64件"), ("request", "60件"), ("active", "93篇"), ("active", "5期"),
                              ("platform", "八名"), ("platform", "十个")]  # fmt: skip
