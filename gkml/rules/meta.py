"""Metadata spans: the publishing agency (``AGENCY``), the report's year (``YEAR``) and its
publication date (``PUBDATE``), from the title, the statistics period and the signature."""

from __future__ import annotations

import re

from gkml.labels import Span

_TITLE = re.compile(
    r"^[ \t]*《?(?P<agency>[^\s\d《》,,。:|>]{2,40}?)?[ \t]*(?P<year>(?:19|20)\d{2})[ \t]*年度?"
    r"[ \t]*(?:政府)?(?:信息公开|政务公开)(?:工作)?年度?报告》?[ \t]*$",
    re.M,
)
_AGENCY_LINE = re.compile(r"^[ \t]*(?P<agency>[^\s\d《》,,。:|>]{2,40})[ \t]*$", re.M)
_DATE = r"\d{4}[ \t]*(?:-[ \t]*\d{1,2}[ \t]*-[ \t]*\d{1,2}|/\d{1,2}/\d{1,2}|\.\d{1,2}\.\d{1,2}|年\d{1,2}月\d{1,2}日)"
_ZH_DATE = r"[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日"
_LABELLED_DATE = re.compile(rf"(?:发布|生成|成文|印发|公开)(?:日期|时间)[ \t]*[::|]?[ \t|]*(?P<d>{_DATE})")
_SIGNED_DATE = re.compile(rf"^[ \t]*(?P<d>{_DATE}|{_ZH_DATE})[ \t]*$", re.M)
_PERIOD_YEAR = re.compile(
    r"统计期限?(?:为|是|自|从)?[ \t]*(?P<y>(?:19|20)\d{2})[ \t]*年[ \t]*1[ \t]*月[ \t]*1[ \t]*日"
)


_OPENING_YEAR = re.compile(r"(?:^|[。::])[ \t]*(?P<y>(?:19|20)\d{2})[ \t]*年[,,]", re.M)


def _opening_year(text: str) -> re.Match[str] | None:
    """For a fragment without title: the year most paragraphs open with ("2023年,我镇…"),
    its first occurrence."""
    found = list(_OPENING_YEAR.finditer(text))
    if not found:
        return None
    years = [m.group("y") for m in found]
    common = max(years, key=years.count)
    return next(m for m in found if m.group("y") == common)


def find_meta(text: str) -> list[Span]:
    """AGENCY and YEAR from the title line ("南丰镇2022年政府信息公开工作年度报告", the agency
    possibly on the line before), else YEAR from the statistics period or the year paragraphs
    open with; PUBDATE from a labelled date ("发布时间:2023-01-28 09:46:04" → "2023-01-28"),
    else from a date line (the signature)."""
    spans: list[Span] = []
    title = _TITLE.search(text)
    if title:
        spans.append(Span(title.start("year"), title.end("year"), "YEAR"))
        if title.group("agency"):
            spans.append(Span(title.start("agency"), title.end("agency"), "AGENCY"))
        else:
            head = text[: title.start()].rstrip("\n")
            line_start = head.rfind("\n") + 1
            m = _AGENCY_LINE.match(head, line_start)
            if m:
                spans.append(Span(m.start("agency"), m.end("agency"), "AGENCY"))
    else:
        year = _PERIOD_YEAR.search(text) or _opening_year(text)
        if year:
            spans.append(Span(year.start("y"), year.end("y"), "YEAR"))
    date = _LABELLED_DATE.search(text)
    if date is None:
        signed = list(_SIGNED_DATE.finditer(text))
        date = signed[-1] if signed else None
    if date:
        spans.append(Span(date.start("d"), date.end("d"), "PUBDATE"))
    return spans
