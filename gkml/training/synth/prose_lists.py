"""The phrases real reports count with and the first generator lacked (issue 20), each a builder
of labelled pieces: long enumerations (5–12 items separated by 、 or ；), an outcome list with a
share after each count ("予以公开57件(21.35%)"), counts with 含/其中 sub-counts, mixed lists
whose items each name their own kind, the sentences of :data:`~prose_bank.EXTRA_TOPICS` (every
counting word, zeros, phrases that decide the kind), counts printed before what they count
(明确一名分管领导, 召开3场新闻发布会) and numbers that are not facts written into fact sentences
(dates, document numbers, phone numbers, 12345, names holding a numeral).

How often each appears is the config's ``prose`` mix (:mod:`~gkml.training.synth.config`),
drawn in :mod:`~gkml.training.synth.content`; every count is a fact piece with its gold, so
every span stays exact whatever layout and noise come after.
"""

from __future__ import annotations

import math
import random

from gkml.training.synth.doc import Piece
from gkml.training.synth.prose import OUTCOME_GROUPS, Ctx, fact_piece, fits_year, round_figure, sentence
from gkml.training.synth.prose_bank import (
    ACTIVE_ITEMS,
    DECOYS_AFTER,
    DECOYS_BEFORE,
    EVENT_ITEMS,
    EXTRA_TOPICS,
    INTERACTION_ITEMS,
    PLATFORM_ITEMS,
    STAFF_DUTIES,
    STAFF_ROLES,
    STAFF_VERBS,
)
from gkml.training.synth.values import LEVEL_FACTOR, allocate

_OUTCOME_WORDS = {"granted": "予以公开", "partial": "部分公开", "denied": "不予公开", "unable": "无法提供",
                  "rejected": "不予处理", "other": "其他处理"}  # fmt: skip
# The largest typical count of a list item by its counting word (events are few, leaflets many).
_TOP = {"期": 12, "场": 12, "次": 12, "轮": 3, "份": 2000, "人次": 600}
_VERBS = {"active": ("发布", "公开", "更新", "推送"), "interaction": ("受理", "办理", "答复"),
          "platform": ("设置", "建成", "配备")}  # fmt: skip


def chance(ctx: Ctx, name: str, scale: float = 1.0) -> bool:
    """One draw of the prose mix's ``name``; no draw at all when it is off (0)."""
    p = ctx.mix.get(name, 0.0) * scale
    return bool(p) and ctx.rng.random() < p


def share_piece(value: float) -> Piece:
    """A share as printed with up to two decimals ("21.35%"), its gold the printed value."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    printed = float(text) if "." in text else int(text)
    return Piece(
        f"{text}%", "FACT.share", "fact", {"value": printed, "approx": False, "unit": "%", "kind": "share"}
    )


def _count(ctx: Ctx, hi: float, zero: float = 0.0) -> int:
    """A count for a list item: log-uniform up to ``hi`` (scaled by the organ's level), 0 at ``zero``."""
    rng = ctx.rng
    if zero and rng.random() < zero:
        return 0
    top = max(2.0, hi * LEVEL_FACTOR[ctx.level] ** 0.6)
    return round(math.exp(rng.uniform(0.0, math.log(top))))


def _exact(ctx: Ctx, kind: str, unit: str, n: int) -> Piece:
    return fact_piece(ctx.rng, kind, unit, n, exact=True)


def enumeration(ctx: Ctx, family: str = "active") -> list[Piece]:
    """A list of 5–12 counted items under one head, separated by 、 (items alone) or ；(each with
    its own verb), with or without the total first: "…主动公开政府信息300条,其中政策文件15件、
    人事任免信息41条、财政信息8条…"."""
    rng = ctx.rng
    vocab = {"active": ACTIVE_ITEMS, "interaction": INTERACTION_ITEMS, "platform": PLATFORM_ITEMS}[family]
    items = rng.sample(vocab, min(len(vocab), rng.randint(5, 12)))
    zero = 0.3 * ctx.mix.get("zeros", 0.0)
    semicolons = rng.random() < 0.35
    first = (semicolons or family == "platform") and chance(ctx, "count_first")  # 设置15块政务公开栏
    counts = [_count(ctx, _TOP.get(unit, 120 if family != "platform" else 12), zero) for _, unit in items]
    body: list[Piece] = []
    for i, ((name, unit), n) in enumerate(zip(items, counts, strict=True)):
        if i:
            body.append(Piece("；" if semicolons else "、"))
        verb = rng.choice(_VERBS[family]) if semicolons else ""
        piece = fact_piece(rng, family, unit, n, mix=ctx.mix) if n else _exact(ctx, family, unit, 0)
        body += [Piece(verb), piece, Piece(name)] if first else [Piece(f"{verb}{name}"), piece]
    exact = all(not p.gold["approx"] for p in body if p.gold)
    total = sum(p.gold["value"] for p in body if p.gold)
    head, noun, unit = {
        "active": (f"{ctx.year}年,{ctx.agency.self_ref}通过政府门户网站主动公开", "政府信息", "条"),
        "interaction": ("全年共受理", "群众诉求", "件"),
        "platform": (f"目前,{ctx.agency.self_ref}共", "", ""),
    }[family]
    units = {u for _, u in items}
    if unit and units <= {"条", "件"} and total and rng.random() < 0.6:  # the total first, then "其中"
        tot = _exact(ctx, family, unit, total) if exact else _approx_total(ctx, family, unit, total)
        out = [Piece(head + noun), tot, Piece(rng.choice((",其中", ",其中:", "。其中,")))]
    else:
        out = [Piece(head + ("" if semicolons or family != "platform" else rng.choice(_VERBS["platform"])))]
    return [*out, *body, Piece("。")]


def _approx_total(ctx: Ctx, kind: str, unit: str, total: int) -> Piece:
    n = round_figure(total)
    return Piece(
        f"{n}余{unit}", f"FACT.{kind}", "fact", {"value": n, "approx": True, "unit": unit, "kind": kind}
    )


def counts_of(ctx: Ctx) -> dict:
    """What the prose restates: the tables' figures (:func:`~prose.tie_values`), or for a report
    without tables the figures drawn once for it (:func:`draw_counts`), so its sentences agree."""
    return ctx.ties or ctx.drawn


def draw_counts(rng: random.Random, level: str) -> dict[str, int]:
    """The application figures of a report without tables, drawn once: new, carried in and over,
    handled and the outcome groups (adding up as table 3's would)."""
    new = (
        0
        if rng.random() < 0.5
        else round(math.exp(rng.uniform(0.0, math.log(3 + 30 * LEVEL_FACTOR[level] ** 0.6))))
    )
    c_in = rng.choice((0, 0, 0, 1, 2)) if new else 0
    c_out = min(new + c_in, rng.choice((0, 0, 0, 1))) if new else 0
    handled = new + c_in - c_out
    weights = [0.42, 0.1, 0.08, 0.25, 0.06, 0.09]
    groups = allocate(rng, handled, weights) if handled else [0] * len(OUTCOME_GROUPS)
    out = {"new": new, "carried_in": c_in, "carried_over": c_out, "handled": handled,
           "new_person": rng.randint(0, new) if new else 0}  # fmt: skip
    out.update({f"outcome_{g}": n for g, n in zip(OUTCOME_GROUPS, groups, strict=True)})
    out["granted"] = out["outcome_granted"]
    out["review"], out["suit"] = (0, 0) if rng.random() < 0.8 else (rng.randint(0, 3), rng.randint(0, 2))
    return out


def outcome_list(ctx: Ctx) -> list[Piece]:
    """The applications handled and each outcome with its share: "共办结申请{n}件,其中予以公开
    57件(21.35%),部分公开…" — the counts restate table 3 where there is one."""
    rng = ctx.rng
    counts = counts_of(ctx)
    handled = int(counts.get("handled", 0))
    groups = {g: int(counts.get(f"outcome_{g}", 0)) for g in OUTCOME_GROUPS}
    if handled <= 0 or sum(groups.values()) != handled:
        return []
    zeros = rng.random() < ctx.mix.get("zeros", 0.0)
    sep = rng.choice((",", ",", "；", "、"))
    open_, close = rng.choice((("(", ")"), ("(占", ")"), ("(", ")")))
    out = [Piece(rng.choice(("本年度共办结政府信息公开申请", "全年办理政府信息公开申请", "共答复申请"))),
           _exact(ctx, "request", "件", handled), Piece(",其中")]  # fmt: skip
    first = True
    for g in OUTCOME_GROUPS:
        n = groups[g]
        if not n and not zeros:
            continue
        if not first:
            out.append(Piece(sep))
        first = False
        out += [Piece(_OUTCOME_WORDS[g]), _exact(ctx, "request", "件", n), Piece(open_),
                share_piece(100 * n / handled), Piece(close)]  # fmt: skip
    out.append(Piece("。"))
    return out


def sub_counts(ctx: Ctx, family: str) -> list[Piece]:
    """A count with what it includes: "办结436件(含上年结转25件)", "收到申请{n}件(其中自然人申请
    {p}件、法人或其他组织申请{q}件)", "主动公开政府信息{n}条(含政策解读{m}篇)"."""
    rng = ctx.rng
    if family == "request":
        counts = counts_of(ctx)
        if rng.random() < 0.5 and counts.get("handled", 0) and counts.get("carried_in", 0):
            return [Piece("全年办结"), _exact(ctx, "request", "件", int(counts["handled"])), Piece("(含上年结转"),
                    _exact(ctx, "request", "件", int(counts["carried_in"])), Piece(")。")]  # fmt: skip
        new, person = int(counts.get("new", 0)), int(counts.get("new_person", 0))
        if new <= 0:
            return []
        return [Piece("收到政府信息公开申请"), _exact(ctx, "request", "件", new), Piece("(其中自然人申请"),
                _exact(ctx, "request", "件", person), Piece("、法人或其他组织申请"),
                _exact(ctx, "request", "件", new - person), Piece(")。")]  # fmt: skip
    if family == "interaction":
        a, b = _count(ctx, 300), _count(ctx, 200)
        return [Piece("全年办理群众诉求"), _exact(ctx, "interaction", "件", a + b), Piece(",其中热线来电"),
                _exact(ctx, "interaction", "件", a), Piece(",网络留言"), _exact(ctx, "interaction", "件", b),
                Piece("。")]  # fmt: skip
    n = _count(ctx, 400) + 10
    return [Piece("全年主动公开政府信息"), fact_piece(rng, "active", "条", n, mix=ctx.mix), Piece("(含政策解读"),
            fact_piece(rng, "active", "篇", max(1, n // 10)), Piece(")。")]  # fmt: skip


def mixed_list(ctx: Ctx) -> list[Piece]:
    """Events and tasks of different kinds in one list, each item with its own verb:
    "召开新闻发布会3场、开展在线访谈2期、编印政府公报12期、办理人大代表建议12件…"."""
    rng = ctx.rng
    items = rng.sample(EVENT_ITEMS, rng.randint(5, min(9, len(EVENT_ITEMS))))
    out: list[Piece] = [Piece(f"{ctx.year}年,{ctx.agency.self_ref}")]
    sep = rng.choice(("、", "；", ","))
    first = chance(ctx, "count_first")  # 召开3场新闻发布会: the count between verb and noun
    for i, (phrase, unit, kind) in enumerate(items):
        if i:
            out.append(Piece(sep))
        n = _count(ctx, _TOP.get(unit, 40), 0.2 * ctx.mix.get("zeros", 0.0))
        count = fact_piece(rng, kind, unit, n, mix=ctx.mix) if n else _exact(ctx, kind, unit, 0)
        if first and unit != "人次":  # the verbs are the phrases' first two characters
            out += [Piece(phrase[:2]), count, Piece(phrase[2:])]
        else:
            out += [Piece(phrase), count]
    return [*out, Piece("。")]


def staffing(ctx: Ctx) -> list[Piece]:
    """Staff counted before who they are, one to three roles (seed 002; a real report's
    "落实1名专职人员负责政府本级…"): "明确一名分管领导主管、一名办公室负责人具体负责。"."""
    rng = ctx.rng
    roles = rng.sample(STAFF_ROLES, rng.choice((1, 1, 2, 2, 3)))
    lead = rng.choice(("", "", "成立政务公开工作领导小组,", "强化组织保障,", ctx.agency.self_ref, "认真落实上级部署,"))
    out = [Piece(lead + rng.choice(STAFF_VERBS))]
    for i, role in enumerate(roles):
        if i:
            out.append(Piece("和" if i == len(roles) - 1 and rng.random() < 0.3 else rng.choice(("、", ","))))
        n = _count(ctx, 40) + 1 if "信息员" in role else rng.choice((1, 1, 1, 2, 2, 3, 4, 5))
        unit = rng.choice("名名名位")
        out += [fact_piece(rng, "platform", unit, n, mix=ctx.mix), Piece(role + rng.choice(STAFF_DUTIES))]
    tail = ("。", ",确保政务公开工作有专人抓、有专人管。", ",做到了人员到位、责任到人。", ",形成上下联动的工作格局。")
    return [*out, Piece(rng.choice(tail))]


def extra_sentence(ctx: Ctx, topic: str) -> list[Piece]:
    """One sentence of :data:`~prose_bank.EXTRA_TOPICS` ``topic``."""
    return sentence(ctx, ctx.rng.choice(EXTRA_TOPICS[topic]))


def with_decoys(ctx: Ctx, pieces: list[Piece]) -> list[Piece]:
    """``pieces`` (one sentence) with numbers that are not facts before or inside it, at the
    ``decoys`` chance: "截至2023年12月31日,…", "…(咨询电话:0955-7062810)。"."""
    rng = ctx.rng
    if not pieces or not chance(ctx, "decoys"):
        return pieces
    fill = {"Y": str(ctx.year), "R": ctx.agency.region, "phone": _phone(rng)}
    out = list(pieces)
    if rng.random() < 0.7:
        dated = out[0].text.startswith(
            (str(ctx.year), "截至", "截止")
        )  # one date before a sentence is enough
        before = [d for d in DECOYS_BEFORE if fits_year(d, ctx.year) and not (dated and "{Y}" in d)]
        out.insert(0, Piece(rng.choice(before).format(**fill)))
    else:
        last = out[-1]
        if last.label is None and last.text.endswith("。"):
            out[-1] = Piece(last.text[:-1] + rng.choice(DECOYS_AFTER).format(**fill) + "。")
    return out


def _phone(rng: random.Random) -> str:
    return f"{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}"
