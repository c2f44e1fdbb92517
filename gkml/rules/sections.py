"""Section headings (``SEC1``–``SEC6``): the title lines of the report's six sections."""

from __future__ import annotations

import re

from gkml.labels import Span

_NUMBERING = (
    r"(?:[一二三四五六七八九十]{1,2}[、.．,，]|[(（][一二三四五六七八九十]{1,2}[)）]"
    r"|\d{1,2}[、.．]|第[一二三四五六]部分[、:：]?)"
)
SECTION_PATTERNS = {
    1: r"总体情况|概况|概述",
    2: r"主动公开政府信息(?:的|工作)?情况",
    3: r"收到和处理政府信息公开申请(?:的)?情况|依申请公开政府信息(?:的|工作)?情况|政府信息公开申请(?:的)?(?:受理|办理|处理)情况",
    4: r"行政复议.{0,8}行政诉讼(?:的)?情况|复议.{0,6}诉讼(?:的)?情况",
    5: r"存在的?主要问题(?:及|和|与)?(?:其?改进|整改)?(?:情况|措施|举措|计划|方向)?",
    6: r"其他需要?报告的事项",
}
_HEADING_LINE = {
    n: re.compile(
        rf"^[ \t]*(?:[-*#>]+[ \t]*)*\**(?P<h>(?:{_NUMBERING}[ \t]*)?[^\n|。,]{{0,12}}?(?:{p}))\**[ \t]*[::。]?[ \t]*$",
        re.M,
    )
    for n, p in SECTION_PATTERNS.items()
}
# A numbered heading that OCR glued to a paragraph: right after the "。" ending the one before,
# or at a line start with the next paragraph running on after the title.
_HEADING_GLUED = {
    n: re.compile(rf"(?:^|(?<=。))[ \t]*(?P<h>{_NUMBERING}[ \t]*(?:{p}))", re.M)
    for n, p in SECTION_PATTERNS.items()
}


def find_sections(text: str) -> list[Span]:
    """Headings of the six sections: the candidates that form the longest run of increasing
    section numbers in printed order, preferring headings numbered as their section ("二、"
    for section 2) over unnumbered ones and "(二)" subsection-style ones.

    A candidate is a short line made of a title (numbered or not), or a numbered title glued
    by OCR to a paragraph; the intro sentence that lists the titles is neither.
    """
    found = set()
    for n in SECTION_PATTERNS:
        for rx in (_HEADING_LINE[n], _HEADING_GLUED[n]):
            for m in rx.finditer(text):
                found.add((m.start("h"), m.end("h"), n, _heading_quality(m.group("h"), n)))
    cands = sorted(found)
    # best[i] = (count, quality, chain) of the best increasing chain ending at candidate i
    best: list[tuple[int, int, list[int]]] = []
    for i, (_, _, n, q) in enumerate(cands):
        prev = [best[j] for j in range(i) if cands[j][2] < n and cands[j][1] <= cands[i][0]]
        count, quality, chain = max(prev, key=lambda b: b[:2], default=(0, 0, []))
        best.append((count + 1, quality + q, [*chain, i]))
    if not best:
        return []
    chain = max(best, key=lambda b: b[:2])[2]
    return [Span(cands[i][0], cands[i][1], f"SEC{cands[i][2]}") for i in chain]


_ZH_ORDINALS = "一二三四五六"


def _heading_quality(heading: str, n: int) -> int:
    """2: numbered as its section ("三、…" for 3); 1: unnumbered or otherwise numbered; 0: "(三)"."""
    if re.match(r"[(（]", heading):
        return 0
    return 2 if heading.startswith(_ZH_ORDINALS[n - 1]) or heading.startswith(str(n)) else 1
