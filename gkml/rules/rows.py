"""Which table row a label run names: keyword patterns first, a fuzzy match of the catalogue's
own label for OCR-misread characters second.

Row labels are matched here and nowhere else (:func:`match_row`); which columns a row's values
go to is :mod:`gkml.rules.tables`' job.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from gkml.rules.cells import Cell
from gkml.schema import row_label, rows_of

# One pattern per row, matched on the label text with whitespace and long parenthetical notes
# removed.  Patterns are short keywords on purpose: OCR splits labels over cells
# ("一、本 | 年新收政府信息2 | 公开申请数量"), inserts characters and drops words
# ("1.举报投诉类申请"); each keyword is unique among the rows of its table.
ROW_PATTERNS: dict[tuple[str, str], str] = {
    # table 2 (both templates; other_services and procurement exist in 2019 only)
    ("t2", "rules"): r"规章",
    ("t2", "normative"): r"规范性",
    ("t2", "licensing"): r"行政许可",
    ("t2", "other_services"): r"对外管理服务",
    ("t2", "penalty"): r"行政处罚",
    ("t2", "coercion"): r"行政强制",
    ("t2", "fees"): r"事业性收费",
    ("t2", "procurement"): r"集中采购",
    # table 3
    ("t3", "new"): r"新收",
    ("t3", "carried_in"): r"上年度?结转",
    ("t3", "granted"): r"予以公开",
    ("t3", "partial"): r"部分公开",
    ("t3", "denied_secret"): r"国家秘密",
    ("t3", "denied_law"): r"禁止公开|法律行政法规",
    ("t3", "denied_safety"): r"三安全一稳定|危及",
    ("t3", "denied_third_party"): r"第三方",
    ("t3", "denied_internal"): r"内部事务",
    ("t3", "denied_process"): r"过程性",
    ("t3", "denied_enforcement"): r"执法案卷",
    ("t3", "denied_query"): r"查询事项",
    ("t3", "unable_no_info"): r"不掌握",
    ("t3", "unable_need_create"): r"另行制作|没有现成",
    ("t3", "unable_unclear"): r"仍不明确|补正后",
    ("t3", "rejected_complaint"): r"举报投诉|信访",
    ("t3", "rejected_repeat"): r"重复申请",
    ("t3", "rejected_publication"): r"出版物",
    ("t3", "rejected_mass"): r"大量反复",
    ("t3", "rejected_confirm"): r"重新出具|确认或",
    ("t3", "other_no_correction"): r"不补正",
    ("t3", "other_no_fee"): r"缴纳费用|收费通知",
    ("t3", "other_other"): r"3[.、．]?其他",
    ("t3", "other_single"): r"其他处理$",  # 2019: (六) is one row, printed right before its values
    ("t3", "total"): r"\(?七\)?总计",  # a bare "总计" is the column header
    ("t3", "carried_over"): r"结转下年",
    ("t3", "subtotal"): r"小计",  # the 小计 row of the current group, where printed
}
_ROW_RES = {key: re.compile(p) for key, p in ROW_PATTERNS.items()}

# Table 3 groups, for the rows they contain and their 小计 rows.
GROUP_PATTERNS = {"denied": r"不予公开", "unable": r"无法提供", "rejected": r"不予处理", "other": r"其他处理"}
GROUP_RE = re.compile("|".join(f"(?P<{g}>{p})" for g, p in GROUP_PATTERNS.items()))

_NOTE = re.compile(r"\([^()]{4,}(?:\)|$)")  # "(区分处理的,只计这一情形…)", "(指2019年事项数)"


def clean_label(s: str) -> str:
    """Label text as matched: no whitespace, markdown emphasis, full-width brackets or notes."""
    s = re.sub(r"[\s*#]+", "", s).replace("(", "(").replace(")", ")")
    return _NOTE.sub("", s)


def match_row(labels: list[Cell]) -> tuple[str, str] | None:
    """The row named by a label run: a keyword of ``ROW_PATTERNS``, else a fuzzy match of the
    catalogue's own label (:func:`fuzzy_row`, for OCR-misread characters).

    A label run may carry headers or the group before the row itself ("信息内容 | … | 规章",
    "(三)不予公开 | 1.属于国家秘密"), so the keyword match that starts in the cell nearest the
    values decides; inside that cell the first match wins, so words later in a long label
    cannot take over.
    """
    parts = [clean_label(c.text) for c in labels]
    joined = "".join(parts)
    if not joined:
        return None
    cell_of = [i for i, p in enumerate(parts) for _ in p]
    ranked = [
        (-cell_of[m.start()], m.start(), key) for key, rx in _ROW_RES.items() for m in rx.finditer(joined)
    ]
    return min(ranked)[2] if ranked else fuzzy_row(parts)


NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)|\d+[.、])+")


def _catalogue_items() -> dict[tuple[str, str], str]:
    """Each row's own words from the catalogue ("属于国家秘密", "本年新收政府信息公开申请数量"),
    without group, numbering or notes; short ones ("规章", "总计") are left to the keywords,
    since a header cell can say the same."""
    items = {}
    for table, prefixes in (("t2", ("t2", "t2v19")), ("t3", ("t3",))):
        for prefix in prefixes:
            for row in rows_of(prefix, standard_only=True):
                words = re.sub(r"\s*\((?:also|2019|第).*\)$", "", row_label(prefix, row)).split(" ")[-1]
                words = NUMBERED.sub("", clean_label(words))
                if len(words) >= 4:
                    items[(table, row)] = words
    return items


_CATALOGUE_ITEMS = _catalogue_items()
FUZZY_MIN = 0.8  # similarity (difflib ratio) a misread label needs to name a row


def fuzzy_row(parts: list[str]) -> tuple[str, str] | None:
    """The catalogue row whose label is closest to the last label cell (or the last two, for a
    label split over cells), if similar enough: "1.属于国家秘蜜" is still 属于国家秘密."""
    tails = {NUMBERED.sub("", p) for p in (parts[-1], "".join(parts[-2:]))}
    best, key = FUZZY_MIN, None
    for row, words in _CATALOGUE_ITEMS.items():
        for tail in tails:
            if 2 * min(len(tail), len(words)) < best * (len(tail) + len(words)):
                continue  # the lengths alone rule it out (cheap, and most pairs end here)
            sm = SequenceMatcher(None, tail, words, autojunk=False)
            if sm.quick_ratio() >= best and sm.ratio() >= best:
                best, key = sm.ratio(), row
    return key
