"""Narrative counts (``FACT.<kind>``): numbers with a counting word in prose, and the kind of each.

What is a fact is the spec's (standard-format.md, "Narrative facts"): every count with a counting
word in the prose (:func:`gkml.numbers.find_quantities`), 0 included, each item of a long
enumeration and the share after a count ("57 件(21.35%)") included; not a number in a table
line, a heading or a cell, not a name that holds a numeral (三个一工程, “四个意识”, 一户一档),
not 一 used as an article (是…的一项重要工作), not a report's count of its own parts (由…六部分
组成, 包括…等六项内容, 体现在三个方面:). That is :func:`find_facts`.

Where a fact's kind is decided: :func:`fact_kind`, from the counting word and the words of its
sentence (the spec's table of kinds):

- ``share`` (%) and ``money`` (元, 万元, 亿元) by the unit alone;
- review and litigation cases (复议, 诉讼) and the people's congress and CPPCC proposals are
  ``other``, whatever verb goes with them;
- people (名, 人, 位, 人次): ``training`` in a sentence about training, ``interaction`` when they
  are visitors or callers, ``platform`` when they are staff (人员, 管理员, 联络员, 领导), else ``other``;
- events (次, 场, 期, 轮): ``training``, ``interaction`` (访谈, 调查, 接待), ``active`` for the
  issues of a publication (公报12期), else ``other`` (新闻发布会3场, 自查3次);
- entities (个, 家, 处, 所, 户, 台, 套, 块): ``platform`` when the thing counted, named after the
  unit or before it, is a channel, account, group, window or facility; else as items;
- items (条, 件, 篇, 份, 项, 册, 批): the nearest clause with a topic word decides, going back
  through the sentence, so each item of a list under one verb ("公开…47条,其中部门文件22件,人事
  任免5条") inherits the verb of the list: ``interaction`` (热线, 信箱, 留言, 咨询, 问题),
  ``request`` (申请, 办结, 答复, 予以公开 …), ``active`` (公开, 发布, 信息, 文件 …); an
  interpretation is ``active`` only with a publishing verb (发布解读27条), else ``other``
  (解读政策文件27条).

A hard line break inside a paragraph (PDF text) does not end the sentence
(:func:`gkml.numbers.sentence_bounds`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import accumulate

from gkml.labels import Span
from gkml.numbers import Quantity, find_quantities, sentence_bounds

# Clause separators: the enumeration's 、 and ; too, so each item is its own clause.
_CLAUSE_SPLIT = re.compile(r"[,,::;;、()()“”\"‘’]")
_AFTER_SPLIT = re.compile(r"[,,::;;、()()“”\"‘’。!?!?]")
_NOUN_AFTER = re.compile(r"\s*([\u4e00-\u9fff]{0,10})")  # "8个村务公开小程序", "十个\n小程序" (scraped)

PEOPLE = frozenset({"名", "人", "位", "人次"})
EVENTS = frozenset({"次", "场", "期", "轮", "场次", "批次"})
ENTITIES = frozenset({"个", "家", "处", "所", "户", "台", "套", "块"})
MONEY = frozenset({"元", "万元", "亿元"})

_LEGAL = re.compile(r"复议|诉讼|应诉")
_PROPOSALS = re.compile(r"人大代表|政协委员|代表建议|委员提案|提案|议案|新闻发布会|发布会")
_TRAINING = re.compile(r"培训|参训|轮训|学习班")
_INTERACTION = re.compile(
    r"12345|热线|信箱|留言|咨询|诉求|来信|来电|来访|投诉|工单|访谈|网上调查|在线调查|问卷|意见征集|征集|意见建议|问题|网民|接待群众"
)
_VISITORS = re.compile(r"来访|来电|来信|咨询|接待|访谈|群众")
_REQUEST = re.compile(r"申请|予以公开|不予公开|部分公开|无法提供|不予处理")
_REQUEST_WEAK = re.compile(r"办结|答复|受理|撤回|结转|补正|顺延")
# Staff (people counted as a platform) and channels, accounts, groups, facilities.
_STAFF = re.compile(r"人员|管理员|联络员|信息员|监督员|专员|领导|负责人|干部|网格员")
_PLATFORM = re.compile(
    r"工作群|微信群|网络群|群组|账号|僵尸号|睡眠号|小程序|平台|网站|公众号|微博|新媒体|客户端|专栏|栏目|公开栏|宣传栏"
    r"|窗口|终端|查阅点|公开点|查阅室|专区|服务站|服务点|服务中心|一体机|显示屏|电子屏|" + _STAFF.pattern
)
_ISSUES = re.compile(r"公报|简报|期刊|专刊|刊物|杂志|报纸")
_PUBLISH = re.compile(r"发布|公开|刊发|刊登|推送|转发|公布|上传|推出|发表|印发|发放|更新")
_ACTIVE = re.compile(
    r"公开|发布|转发|推送|更新|刊登|刊发|公布|上传|发放|信息|文件|动态|公告|通知|公报|简报|政策|法规|稿件|新闻|资讯|释出"
)
# Documents counted as reviewed, repealed or drafted, not published: "清理规范性文件12件,其中废止1件".
_NOT_PUBLISHED = re.compile(r"清理|废止|修订|审查|审核|起草|失效")
_INTERPRET = re.compile(r"解读")
_INTERPRET_VERB = re.compile(r"^(?:解读|开展|进行|组织|做好|完成|加强|强化)")

# Names that hold a numeral: slogans and campaign names, and "一X一Y" patterns (一户一档, 三个一).
_NAMES = re.compile(
    r"八项规定|四个(?:意识|自信|全面|服务)|两个(?:维护|确立|责任)|三个代表|一件事|最多跑一次|一次办|三期叠加"
)
_ZH_NUMERAL_CHARS = frozenset("一二三四五六七八九十两")
# 一 as an article ("是…的一项重要工作", "每一项", "再一次"): not a count of anything.
_ARTICLE_BEFORE = frozenset("是的为这那每另同任某哪再又")
# Counts of the document's own parts are not facts: "体现在三个方面:一是…" announces the list
# that follows, "由…四个部分组成", "从…六个方面汇报", "包括…等六项内容" describe the report.
_ANNOUNCES_LIST = re.compile(r"[^,,。;;\n]{0,4}[::]|部分")
_DESCRIBES_REPORT = re.compile(r"(?:方面|项内容|个内容|内容)[^。]{0,6}(?:汇报|报告)|内容[。,,]")


def fact_kind(q: Quantity, text: str) -> str:
    """The kind of the count ``q`` found in ``text``; see the module docstring for the rules."""
    if q.unit == "%":
        return "share"
    if q.unit in MONEY:
        return "money"
    clauses = clauses_before(text, q.start)  # nearest first; clauses[0] is the count's own
    after = _AFTER_SPLIT.split(re.sub(r"[\s\u3000]+", "", text[q.end : q.end + 12]))[0][:8]
    own = clauses[0] if clauses else ""
    sentence = "".join(reversed(clauses))
    if _LEGAL.search(own + after) or _PROPOSALS.search(own):
        return "other"
    if q.unit in PEOPLE:  # trainees, callers and visitors, staff, or anyone else
        if _TRAINING.search(own) or (not _STAFF.search(own + after) and _TRAINING.search(sentence)):
            return "training"
        if _VISITORS.search(own) and _INTERACTION.search(sentence):
            return "interaction"
        return "platform" if _STAFF.search(own + after) else "other"
    if q.unit in EVENTS:
        for pattern, kind in ((_TRAINING, "training"), (_INTERACTION, "interaction"), (_ISSUES, "active")):
            if pattern.search(own + after):
                return kind
        return "other"
    if q.unit in ENTITIES:
        counted = _NOUN_AFTER.match(text, q.end).group(1)  # type: ignore[union-attr]
        if counted:  # the noun after the unit is what is counted: "8个村务公开小程序", "11个方面"
            return "platform" if _PLATFORM.search(counted) else "other"
        named = next((c for c in clauses if c.strip()), "")  # "关停整合“僵尸号”“睡眠号”4个": the quoted name
        if _PLATFORM.search(named):  # "备案网络工作群14个"
            return "platform"
        return _item_kind(clauses[:1])  # "检查企业8家": its own clause, nothing inherited
    return _item_kind(clauses)


def _item_kind(clauses: list[str]) -> str:
    """The kind of a counted item from the nearest clause that names a topic."""
    for i, clause in enumerate(clauses):
        if _LEGAL.search(clause) or _PROPOSALS.search(clause):
            return "other"
        if _INTERACTION.search(clause):
            return "interaction"
        if _REQUEST.search(clause):
            return "request"
        if _REQUEST_WEAK.search(clause):
            # 按时办结10件: applications, unless the sentence is about letters or calls
            earlier = "".join(clauses[i + 1 :])
            return (
                "interaction" if _INTERACTION.search(earlier) and not _REQUEST.search(earlier) else "request"
            )
        if _INTERPRET.search(clause):
            if _PUBLISH.search(clause):
                return "active"  # 发布解读27条
            if _INTERPRET_VERB.match(clause.strip()):
                return "other"  # 解读政策文件27条
            return "active" if any(_PUBLISH.search(c) for c in clauses[i + 1 :]) else "other"
        if _NOT_PUBLISHED.search(clause) and not _PUBLISH.search(clause):
            return "other"  # 清理规范性文件12件, 其中废止1件
        if _ACTIVE.search(clause):
            return "active"
    return "other"


def is_name(text: str, q: Quantity) -> bool:
    """A numeral inside a name: a slogan (“四个意识”, 八项规定, 一件事), a quoted term that starts
    with the count (“三个一”), or the "一X一Y" pattern (一户一档, 五位一体, 三个一工程)."""
    if _NAMES.match(text, q.start):
        return True
    before = text[q.start - 1] if q.start else ""
    if before in '“"‘「『' and not q.text[:1].isdigit():
        return True
    nxt = text[q.end] if q.end < len(text) else ""
    return not q.text[:1].isdigit() and nxt in _ZH_NUMERAL_CHARS


def is_article(text: str, q: Quantity) -> bool:
    """一 as an article: "是…的一项重要工作", "每一项", "再一次" count nothing."""
    return q.text[:1] == "一" and q.value == 1 and q.start > 0 and text[q.start - 1] in _ARTICLE_BEFORE


def describes_report(text: str, q: Quantity) -> bool:
    """The report counting its own parts or announcing a list: "三个方面:一是…", "六部分组成",
    "六个方面汇报", "等六项内容。"."""
    return bool(_ANNOUNCES_LIST.match(text, q.end) or _DESCRIBES_REPORT.match(text, q.end))


def find_facts(text: str, taken: list[Span]) -> list[Span]:
    """Counts in prose (never in a table line, a heading, the title or a cell).

    Lines with a "|" and the spans already taken are looked up by bisection, so a long text with
    many counts is read in near-linear time."""
    breaks = [i for i, ch in enumerate(text) if ch == "\n"]
    line_starts = [0, *(i + 1 for i in breaks)]
    piped = [("|" in text[a:b]) for a, b in zip(line_starts, [*breaks, len(text)], strict=True)]
    piped_before = list(accumulate(piped, initial=0))  # piped lines before line i
    spans_sorted = sorted((s.start, s.end) for s in taken)
    starts = [a for a, _ in spans_sorted]
    reach = max((b - a for a, b in spans_sorted), default=0)
    out = []
    for q in find_quantities(text):
        first, last = (
            bisect_right(line_starts, q.start) - 1,
            bisect_right(line_starts, max(q.start, q.end - 1)) - 1,
        )
        if piped_before[last + 1] - piped_before[first]:
            continue  # a table line
        i = bisect_left(starts, q.end)  # spans starting before the count ends; only the last few can reach it
        if any(b > q.start for _, b in spans_sorted[max(0, bisect_left(starts, q.start - reach)) : i]):
            continue
        if is_name(text, q) or is_article(text, q) or describes_report(text, q):
            continue
        out.append(Span(q.start, q.end, f"FACT.{fact_kind(q, text)}"))
    return out


def clauses_before(text: str, pos: int) -> list[str]:
    """The clauses of the sentence before ``pos``, nearest first (line breaks and OCR's stray
    spaces inside the sentence removed, so a wrapped or spaced clause reads whole)."""
    chunk = re.sub(r"[\s\u3000]+", "", text[sentence_bounds(text, pos)[0] : pos])
    return _CLAUSE_SPLIT.split(chunk)[::-1]
