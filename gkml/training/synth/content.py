"""One report's content, before any layout: title, metadata lines, the six sections with their
paragraphs and table slots, the signature.

Content is layout-free so that the same report can be printed as a web page, a PDF or an OCR
scan; the layouts decide only how it is laid out (and what page furniture goes around it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from gkml.training.synth import prose
from gkml.training.synth import prose_lists as lists
from gkml.training.synth.doc import Piece
from gkml.training.synth.prose import Agency, Ctx
from gkml.training.synth.prose_bank import SUBHEADS
from gkml.training.synth.prose_lists import chance
from gkml.training.synth.tables import Table

Line = list[Piece]


@dataclass
class Block:
    """A paragraph (pieces) or the slot of a table (its name)."""

    pieces: Line | None = None
    table: str | None = None
    subhead: bool = False  # a "(一)…" line of its own


@dataclass
class Section:
    heading: Piece
    blocks: list[Block]


@dataclass
class Content:
    template: str
    level: str
    year: int
    agency: Agency
    published: date
    title: list[Line]  # one or two lines
    web_meta: list[Line]  # lines a web page prints under its title (来源, 发布时间, 索引号 …)
    doc_meta: list[Line]  # what a PDF prints under its title: "(2024年1月15日)" or nothing
    intro: list[Line]
    sections: list[Section]
    signature: list[Line]
    contact: list[Line]
    tables: dict[str, Table] = field(default_factory=dict)


def _p(text: str, role: str = "prose") -> Piece:
    return Piece(text, None, role)


def title_lines(rng: random.Random, agency: Agency, year: int) -> list[Line]:
    """"南丰镇2022年政府信息公开工作年度报告", sometimes on two lines, the year in Chinese digits."""
    year_text = prose.zh_digits(year) if rng.random() < 0.04 else str(year)
    tail = rng.choices(
        ("年政府信息公开工作年度报告", "年度政府信息公开工作年度报告", "年政府信息公开年度报告"), weights=(80, 10, 10)
    )[0]
    name = Piece(agency.short, "AGENCY", "meta")
    y = Piece(year_text, "YEAR", "meta")
    if rng.random() < 0.12:
        return [[name], [y, _p(tail, "chrome")]]
    gap = " " if rng.random() < 0.1 else ""
    return [[name, _p(gap), y, _p(gap + tail, "chrome")]]


def _date_piece(rng: random.Random, d: date, style: str | None = None) -> Piece:
    text, _ = prose.print_date(rng, d, style)
    return Piece(text, "PUBDATE", "meta")


def web_meta(rng: random.Random, agency: Agency, published: date) -> list[Line]:
    clock = f" {rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    style = rng.randrange(4)
    if style == 0:  # seed 000
        d = _date_piece(rng, published, "iso")
        return [[_p(f"来源:{agency.region}{agency.short}发布时间:", "chrome"), d, _p(clock + "访问量:字体", "chrome")]]
    if style == 1:  # seed 001
        d = _date_piece(rng, published, "iso")
        code = f"{rng.randint(100000000, 999999999)}/{published.year}-{rng.randint(1, 99999):05d}"
        return [
            [_p(f"索引号 | {code} | 发文字号 | 号 |", "chrome")],
            [_p(f"关键词 | 发布机构 | {agency.short} | |", "chrome")],
            [_p("公开形式 | 责任部门 | ||", "chrome")],
            [_p("生成日期 | ", "chrome"), d, _p(clock + " | 是否有效 |", "chrome")],
        ]
    if style == 2:  # seed 002
        d = _date_piece(rng, published, rng.choice(("iso", "zh")))
        return [[_p("发布日期:", "chrome"), d, _p("    点击数:", "chrome")]]
    d = _date_piece(rng, published)
    return [[_p("发布时间:", "chrome"), d, _p(f"  来源:{agency.full}  浏览次数:", "chrome")]]


def intro(ctx: Ctx, template: str) -> list[Line]:
    rng, a, y = ctx.rng, ctx.agency, ctx.year
    bases = [b for b in (
        "根据《中华人民共和国政府信息公开条例》(以下简称《条例》)有关规定",
        "根据《中华人民共和国政府信息公开条例》(国务院令第711号,以下简称《条例》)和《国务院办公厅政府信息与政务公开办公室关于印发中华人民共和国政府信息公开工作年度报告格式的通知》(国办公开办函〔2021〕30号)要求",
        "根据新修订的《中华人民共和国政府信息公开条例》和国务院办公厅政府信息与政务公开办公室《关于政府信息公开工作年度报告有关事项的通知》(国办公开办函〔2019〕60号)",
        "本年报根据《中华人民共和国政府信息公开条例》(下称《条例》)要求编制",
    ) if prose.fits_year(b, y)]  # fmt: skip
    basis = rng.choice(bases)
    parts = [f"{basis},现向社会公开{a.short}{y}年政府信息公开工作年度报告。"]
    if rng.random() < 0.6:  # the report's count of its own parts: no fact (spec, Narrative facts)
        listed, n = (
            ("总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
             "存在的主要问题及改进情况以及其他需要报告的事项", "六")
            if template != "none"
            else ("概述,主动公开政府信息情况,依申请公开政府信息情况,行政复议、行政诉讼情况,存在的主要问题及改进情况",
                  rng.choice(("", "五")))
        )  # fmt: skip
        word = rng.choice(("部分", "个部分", "个方面")) if n else "部分"
        parts.append(rng.choice((
            f"本报告由{listed}等{n}{word}组成。",
            f"全文包括{listed}{n}{word}。" if n else f"本报告由{listed}等部分组成。",
            f"现从{listed}等{n}{word}报告{a.short}{y}年政府信息公开工作情况。",
        )))  # fmt: skip
    if rng.random() < 0.7:
        if rng.random() < 0.15:  # digits lost (P13: "自202011日起至20201231日止")
            parts.append(f"本报告中所列数据的统计期限自{y}11日起至{y}1231日止。")
        else:
            parts.append(f"本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。")
    return [[_p("".join(parts))]]


def contact(rng: random.Random, agency: Agency) -> list[Line]:
    if rng.random() < 0.5:
        return []
    phone = f"0{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}"
    return [[_p(
        f"本报告电子版可在{agency.region}人民政府网站({agency.site})下载。如有疑问和建议,请与{agency.full}联系"
        f"(地址:{agency.region}{rng.choice(prose.TOWNS)}路{rng.randint(1, 300)}号;邮编:{rng.randint(100000, 860000)};"
        f"联系电话:{phone})。"
    )]]  # fmt: skip


def _subhead(rng: random.Random, n: int, topic: str, style: str) -> Piece:
    name = rng.choice(SUBHEADS[topic])
    return _p(f"({'一二三四五六'[n]}){name}" + ("。" if style == "inline" else ""))


def section1(ctx: Ctx, template: str) -> list[Block]:
    rng = ctx.rng
    blocks = []
    if rng.random() < 0.7:
        blocks.append(Block(prose.paragraph(ctx, "overview", rng.randint(1, 2), 0)))
    style = rng.choice(("inline", "inline", "own_line", "none"))
    topics = ["active", "request", "management", "platform", "supervision"]
    for i, topic in enumerate(topics):
        body = _topic_paragraph(ctx, topic, template)
        if style == "none":
            blocks.append(Block(body))
        elif style == "own_line":
            blocks.append(Block([_subhead(rng, i, topic, style)], subhead=True))
            blocks.append(Block(body))
        else:
            blocks.append(Block([_subhead(rng, i, topic, style), *body]))
    return blocks


def _topic_paragraph(ctx: Ctx, topic: str, template: str) -> list[Piece]:
    rng = ctx.rng
    if topic == "active":
        out = prose.paragraph(ctx, "active", rng.randint(3, 7), rng.randint(1, 3))
        if chance(ctx, "enumerations"):
            out += lists.with_decoys(ctx, lists.enumeration(ctx, "active"))
        if chance(ctx, "sub_counts", 0.5):
            out += lists.sub_counts(ctx, "active")
        if chance(ctx, "kind_contrasts"):
            out += lists.with_decoys(ctx, lists.extra_sentence(ctx, "contrast"))
        return out
    if topic == "request":
        ties = lists.counts_of(ctx)
        some = ties.get("new", rng.randint(0, 3)) > 0 if ties else rng.random() < 0.5
        if some:
            out = prose.sentence(ctx, prose.pick(ctx, "request_some"))
            if chance(ctx, "outcome_shares"):
                out += lists.with_decoys(ctx, lists.outcome_list(ctx))
            if chance(ctx, "sub_counts"):
                out += lists.sub_counts(ctx, "request")
        elif chance(ctx, "zeros"):
            out = lists.with_decoys(ctx, lists.extra_sentence(ctx, "request_zero"))
        else:
            out = prose.sentence(ctx, prose.pick(ctx, "request_none"))
        out += prose.paragraph(ctx, "request", rng.randint(1, 4), 0)
        if rng.random() < 0.3:
            out += _review_sentence(ctx)
        return out
    if topic == "supervision":
        out = prose.paragraph(ctx, "supervision", rng.randint(3, 6), rng.randint(0, 1))
        if chance(ctx, "count_first"):  # who does the work, counted: 明确一名分管领导主管
            out = lists.with_decoys(ctx, lists.staffing(ctx)) + out
        if rng.random() < 0.6:
            out += prose.sentence(ctx, prose.pick(ctx, "training"))
        return out
    out = prose.paragraph(ctx, topic, rng.randint(3, 6), rng.randint(0, 2))
    if topic == "platform":
        if chance(ctx, "counting_words"):
            out += lists.with_decoys(ctx, lists.extra_sentence(ctx, "counting"))
        if chance(ctx, "enumerations", 0.3):
            out += lists.enumeration(ctx, "platform")
        if chance(ctx, "count_first", 0.5):
            out += lists.staffing(ctx)
    return out


def _review_sentence(ctx: Ctx) -> list[Piece]:
    """Review and litigation: counts (the table's), or none, or zeros stated as counts."""
    ties = ctx.ties
    has_review = ties.get("review", 0) + ties.get("suit", 0) > 0 if ties else ctx.rng.random() < 0.3
    if not has_review and chance(ctx, "zeros"):
        return lists.extra_sentence(ctx, "review_zero")
    return prose.sentence(ctx, prose.pick(ctx, "review_some" if has_review else "review_none"))


def section5(ctx: Ctx) -> list[Block]:
    rng = ctx.rng
    numbered = rng.random() < 0.5
    problems = prose.paragraph(ctx, "problems", rng.randint(2, 4), 0, numbered)
    improve = prose.paragraph(ctx, "improve", rng.randint(2, 4), 0, numbered)
    style = rng.randrange(3)
    if style == 0:
        return [Block([_p("(一)存在的主要问题。"), *problems]), Block([_p("(二)改进措施。"), *improve])]
    if style == 1:
        return [Block([_p("存在问题:"), *problems]), Block([_p("改进计划:"), *improve])]
    return [Block(problems + improve)]


def section6(ctx: Ctx) -> list[Block]:
    rng = ctx.rng
    fees = prose.sentence(ctx, prose.pick(ctx, "fees_some" if rng.random() < 0.1 else "fees_none"))
    blocks = [Block(fees)]
    if rng.random() < 0.5:
        others = prose.paragraph(ctx, "interaction", rng.randint(2, 4), rng.randint(1, 3))
        if chance(ctx, "enumerations", 0.4):
            others += lists.with_decoys(ctx, lists.enumeration(ctx, "interaction"))
        if chance(ctx, "sub_counts", 0.5):
            others += lists.sub_counts(ctx, "interaction")
        blocks.append(Block([_p(f"(二){ctx.agency.region}{ctx.year}年政务公开工作要点任务落实进展情况:"), *others]))
    if chance(ctx, "enumerations", 0.6):
        blocks.append(Block(lists.with_decoys(ctx, lists.mixed_list(ctx))))
    if chance(ctx, "counting_words"):
        blocks.append(Block(lists.with_decoys(ctx, lists.extra_sentence(ctx, "counting"))))
    if rng.random() < 0.4:
        blocks.append(Block(prose.sentence(ctx, prose.pick(ctx, "other"))))
    return blocks


def _as_table_note(rng: random.Random) -> list[Block]:
    return [Block([_p("该部分以表格形式报告。表格如下:")])] if rng.random() < 0.1 else []


def build_content(
    rng: random.Random,
    template: str,
    level: str,
    year: int,
    ties: dict,
    tables: dict[str, Table],
    prose_mix: dict[str, float] | None = None,
) -> Content:
    """The whole report: sections per template, prose restating ``ties`` (empty when no tables),
    with the phrase kinds of ``prose_mix`` (config ``prose``; none when None)."""
    agency = prose.make_agency(rng, level)
    published = prose.publication_date(rng, year)
    ctx = Ctx(rng, agency, year, level, ties, dict(prose_mix or {}))
    if prose_mix and not ties:  # a report without tables: its figures drawn once, so its sentences agree
        ctx.drawn = lists.draw_counts(rng, level)
    narrative = template == "none"
    titles = prose.OLD_HEADINGS if narrative else prose.HEADINGS
    bodies: dict[int, list[Block]] = {1: section1(ctx, template), 5: section5(ctx), 6: section6(ctx)}
    if narrative:
        bodies[2] = [Block(prose.paragraph(ctx, "active", rng.randint(2, 3), 1)), Block(prose.channel_breakdown(ctx))]
        if chance(ctx, "enumerations"):
            bodies[2].append(Block(lists.with_decoys(ctx, lists.enumeration(ctx, "active"))))
        bodies[3] = [Block(_topic_paragraph(ctx, "request", template))]
        drawn = ctx.drawn
        has_review = drawn.get("review", 0) + drawn.get("suit", 0) > 0 if drawn else rng.random() < 0.2
        if not has_review and chance(ctx, "zeros"):
            bodies[4] = [Block(lists.extra_sentence(ctx, "review_zero"))]
        else:
            bodies[4] = [Block(prose.sentence(ctx, prose.pick(ctx, "review_some" if has_review else "review_none")))]
    else:
        bodies[2] = _as_table_note(rng) + [Block(table="t2")]
        bodies[3] = _as_table_note(rng) + [Block(table="t3")]
        bodies[4] = [Block(table="t4")]
    order = [1, 2, 3, 4, 5, 6]
    sections: list[Section] = []
    ordinal = 0
    for no in order:
        if narrative and no == 4 and rng.random() < 0.5:  # the old outline's 收费及减免 section (no label)
            ordinal += 1
            fee = prose.heading_piece(rng, None, ordinal, "政府信息公开的收费及减免情况")
            sections.append(Section(fee, [Block(prose.sentence(ctx, prose.pick(ctx, "fees_none")))]))
        ordinal += 1
        heading = prose.heading_piece(rng, no, ordinal, rng.choice(titles[no]))
        sections.append(Section(heading, bodies[no]))
    signature: list[Line] = []
    if rng.random() < 0.4:
        signature = [[Piece(agency.full, "AGENCY", "meta")], [_date_piece(rng, published)]]
    doc_meta: list[Line] = []
    if rng.random() < 0.3:
        doc_meta = [[_p("(", "chrome"), _date_piece(rng, published), _p(")", "chrome")]]
    return Content(
        template=template,
        level=level,
        year=year,
        agency=agency,
        published=published,
        title=title_lines(rng, agency, year),
        web_meta=web_meta(rng, agency, published),
        doc_meta=doc_meta,
        intro=intro(ctx, template),
        sections=sections,
        signature=signature,
        contact=contact(rng, agency),
        tables=tables,
    )
