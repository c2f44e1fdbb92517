"""Narrative counts (``FACT.<kind>``): numbers with a unit in prose, and the kind of each.

Where a fact's kind is decided: :func:`fact_kind`, from the unit and the words of the clauses
before the number.  Which numbers are facts at all (not in a table line, a heading or a cell;
not a count of the report's own parts) is :func:`find_facts`.
"""

from __future__ import annotations

import re

from gkml.labels import Span
from gkml.numbers import Quantity, find_quantities

_SENTENCE_END = re.compile(r"[。;;!?!?\n]")
_CLAUSE_SPLIT = re.compile(r"[,,::()()“”\"]")
_INTERACTION = re.compile(r"12345|热线|信箱|留言|咨询|问题|诉求|来信|来电|投诉")
_REQUEST = re.compile(r"申请|办结|答复|撤回|受理")
_LEGAL = re.compile(r"复议|诉讼")
_ACTIVE = re.compile(r"公开|发布|转发|推送|更新|刊登|信息|文件")
_PLATFORM = re.compile(
    r"群|账号|小程序|平台|网站|公众号|微博|新媒体|专栏|栏目|公开栏|人员|管理员|联络员|专员|窗口|终端"
)
_TRAINING = re.compile(r"培训")
# Counts of the document's own parts are not facts: "体现在三个方面:一是…" announces the list
# that follows, "由…四个部分组成" / "从…六个方面汇报" describe the report.
_ANNOUNCES_LIST = re.compile(r"[^,,。;;\n]{0,4}[::]|部分")
_DESCRIBES_REPORT = re.compile(r"方面[^。]{0,6}(?:汇报|报告)")


def fact_kind(q: Quantity, clauses: list[str], after: str) -> str:
    """The kind of a count from its unit and its clause (``clauses[0]`` is the number's own
    clause, later ones go back through the sentence); a list under one verb ("公开…64条,政策法规
    27条") inherits the verb of its first item."""
    if q.unit == "%":
        return "share"
    if q.unit in ("万元", "元"):
        return "money"
    own = clauses[0] + after
    if q.unit in ("次", "人次"):
        return "training" if _TRAINING.search(own) else "other"
    if q.unit in ("个", "名"):
        return "platform" if q.unit == "名" or _PLATFORM.search(own) else "other"
    for clause in clauses:
        if _INTERACTION.search(clause):
            return "interaction"
        if _REQUEST.search(clause):
            return "request"
        if _LEGAL.search(clause):
            return "other"
        if _ACTIVE.search(clause):
            return "active"
    return "other"


def find_facts(text: str, taken: list[Span]) -> list[Span]:
    """Counts in prose (never in a table line, a heading, the title or a cell)."""
    spans = []
    for q in find_quantities(text):
        line_start = text.rfind("\n", 0, q.start) + 1
        line_end = text.find("\n", q.end)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if "|" in line or any(s.start < q.end and q.start < s.end for s in taken):
            continue
        if _ANNOUNCES_LIST.match(text, q.end) or _DESCRIBES_REPORT.match(text, q.end):
            continue
        after = _CLAUSE_SPLIT.split(text[q.end : q.end + 12])[0]
        spans.append(Span(q.start, q.end, f"FACT.{fact_kind(q, _clauses_before(text, q.start), after)}"))
    return spans


def _clauses_before(text: str, pos: int, reach: int = 300) -> list[str]:
    """The clauses of the sentence before ``pos``, nearest first."""
    start = max(0, pos - reach)
    for m in _SENTENCE_END.finditer(text, start, pos):
        start = m.end()
    return _CLAUSE_SPLIT.split(text[start:pos])[::-1]
