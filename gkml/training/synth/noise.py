"""What OCR and scraping do to a report, applied so that every gold span stays exact.

Two kinds of noise:

* structural — row labels split across cells, vertical headers, blank cells printed as nothing,
  separators dropped or doubled, page numbers and running headers inside tables, a table broken
  over pages, headings glued to the paragraph before: these change *where* pieces go, so the
  layout renderers apply them (:mod:`gkml.training.synth.layouts`), asking a :class:`Plan` whether to;
* character — confusions (十/刻, 公/2, 0/O, 1/l …), stray spaces, spaces around numbers in
  prose, full-width digits, traditional characters: these rewrite a piece's text in place
  (:func:`char_noise`), so a label never loses its piece.  A confusion inside a printed
  number is its own kind (``digit_confusion``): the span then holds the garbled token and the
  gold keeps the true value.

Full-width digits and traditional characters survive only in the raw view: ingest's ``normalise``
undoes them, which is exactly what the model will see.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import lru_cache

from gkml.training.synth.doc import Doc

# Real OCR confusions: the key is read as one of the values (seed 003: 十→刻, 公→2/名).
CONFUSIONS = {
    "十": "刻", "公": "2名", "己": "已", "已": "己", "未": "末", "末": "未", "日": "曰", "人": "入", "入": "人",
    "土": "士", "士": "土", "千": "干", "于": "干", "年": "午", "项": "顶", "申": "甲", "处": "外", "理": "埋",
    "请": "清", "政": "攻", "决": "快", "力": "カ", "口": "囗", "一": "-", "、": ",", "。": "o", "(": "C",
    ")": "]", "息": "自", "结": "给", "办": "カ", "纠": "糾", "审": "宙", "第": "笫", "条": "杀", "开": "幵",
    "0": "O", "1": "l", "件": "仵", "数": "敫", "规": "观", "制": "刮", "总": "怠", "计": "汁",
}  # fmt: skip
DIGIT_CONFUSIONS = {"0": "OoD", "1": "lI", "5": "S", "8": "B", "2": "Z", "6": "b"}

# Roles whose text OCR may misread (never markup; values only through digit_confusion; facts and
# metadata are left readable so their gold stays what the text says).
CONFUSABLE = frozenset({"prose", "row", "head", "title", "chrome", "heading"})
SPACEABLE = frozenset({"prose", "row", "head", "title", "chrome", "heading"})
# Roles whose numbers OCR and PDF text layers set apart from the Chinese around them.
NUMBER_SPACEABLE = frozenset({"prose", "fact", "heading", "title", "chrome"})
_NUMBER_EDGE = re.compile(r"(?<=[\u4e00-\u9fff])(?=\d)|(?<=\d)(?=[\u4e00-\u9fff])")
_FULLWIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)}, "%": "％", ".": "．", ",": "，"})


@dataclass
class Plan:
    """The noise one report gets: which kinds are on, how strong, and which actually happened."""

    kinds: frozenset[str]
    rates: dict[str, float]
    applied: set[str] = field(default_factory=set)
    garbled: set[str] = field(default_factory=set)  # cell keys whose printed number was misread

    def on(self, kind: str) -> bool:
        return kind in self.kinds

    def hit(self, rng: random.Random, kind: str) -> bool:
        """One chance of ``kind`` at its rate; records it when it fires."""
        if kind in self.kinds and rng.random() < self.rates.get(kind, 0.0):
            self.applied.add(kind)
            return True
        return False

    def mark(self, kind: str) -> None:
        self.applied.add(kind)


def draw_plan(rng: random.Random, chances: dict[str, float], rates: dict[str, float]) -> Plan:
    """Each kind is on with its layout's chance (config ``noise.layouts``)."""
    kinds = frozenset(k for k, p in sorted(chances.items()) if rng.random() < p)
    return Plan(kinds, dict(rates))


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def confuse(rng: random.Random, text: str, rate: float) -> str:
    if not text:
        return text
    out = []
    for ch in text:
        alt = CONFUSIONS.get(ch)
        out.append(rng.choice(alt) if alt and rng.random() < rate * 4 else ch)
    return "".join(out)


def stray_spaces(rng: random.Random, text: str, rate: float) -> str:
    """Spaces OCR puts between characters ("商 业 企", "2023 年")."""
    if len(text) < 2:
        return text
    out = [text[0]]
    for a, b in zip(text, text[1:], strict=False):
        if (_is_cjk(a) or _is_cjk(b)) and a != " " and b != " " and rng.random() < rate:
            out.append(" ")
        out.append(b)
    return "".join(out)


def spaced_numbers(rng: random.Random, text: str, rate: float) -> str:
    """The space OCR and PDF text layers put between a number and the Chinese around it
    ("公开信息 64 条", "2023 年", seed 003)."""
    return _NUMBER_EDGE.sub(lambda _: " " if rng.random() < rate else "", text)


def _spaced_number_edges(doc: Doc, rng: random.Random, rate: float) -> bool:
    """:func:`spaced_numbers` where a number and the Chinese before or after it are two pieces
    ("信息" + "64条"): the space goes to the unlabelled one, so every gold span stays exact."""
    spaced = False
    pieces = [p for p in doc.pieces if p.text]
    for a, b in zip(pieces, pieces[1:], strict=False):
        if a.role not in NUMBER_SPACEABLE or b.role not in NUMBER_SPACEABLE:
            continue
        if not _NUMBER_EDGE.match(a.text[-1] + b.text[0], 1) or rng.random() >= rate:
            continue
        if a.label is None:
            a.text += " "
        elif b.label is None:
            b.text = " " + b.text
        else:
            continue
        spaced = True
    return spaced


def garble_number(rng: random.Random, token: str) -> str:
    """One digit of a printed number misread (0→O, 1→l, 5→S)."""
    spots = [i for i, ch in enumerate(token) if ch in DIGIT_CONFUSIONS]
    if not spots:
        return token
    i = rng.choice(spots)
    return token[:i] + rng.choice(DIGIT_CONFUSIONS[token[i]]) + token[i + 1 :]


@lru_cache(maxsize=4)
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def traditional(text: str, config: str = "s2t") -> str:
    return _opencc(config).convert(text) if text and not text.isascii() else text


def char_noise(doc: Doc, rng: random.Random, plan: Plan) -> None:
    """Rewrite piece texts in place with the character-level kinds of ``plan``."""
    rates = plan.rates
    tconf = rng.choice(("s2t", "s2t", "s2twp")) if plan.on("traditional") else None
    wide_pieces = plan.on("fullwidth")
    for piece in doc.pieces:
        role, text = piece.role, piece.text
        if role == "markup" or not text:
            continue
        if plan.on("confusion") and role in CONFUSABLE:
            new = confuse(rng, text, rates["confusion"] * (0.3 if role == "heading" else 1.0))
            if new != text:
                plan.mark("confusion")
                text = new
        if role == "value" and piece.label and plan.hit(rng, "digit_confusion"):
            new = garble_number(rng, text)
            if new != text:
                plan.garbled.add(piece.label)
                text = new
        if plan.on("stray_spaces") and role in SPACEABLE:
            new = stray_spaces(rng, text, rates["stray_spaces"])
            if new != text:
                plan.mark("stray_spaces")
                text = new
        if plan.on("spaced_numbers") and role in NUMBER_SPACEABLE:
            new = spaced_numbers(rng, text, rates["spaced_numbers"])
            if new != text:
                plan.mark("spaced_numbers")
                text = new
        if wide_pieces and rng.random() < rates["fullwidth"]:
            new = text.translate(_FULLWIDTH)
            if new != text:
                plan.mark("fullwidth")
                text = new
        if tconf and rng.random() < rates["traditional"]:
            new = traditional(text, tconf)
            if new != text:
                plan.mark("traditional")
                text = new
        piece.text = text
    if plan.on("spaced_numbers") and _spaced_number_edges(doc, rng, rates["spaced_numbers"]):
        plan.mark("spaced_numbers")


def page_marker(rng: random.Random, page: int, style: int) -> str:
    """A page number as PDFs print it (— 2 —, - 4 -, 第 2 页)."""
    return ("— {} —", "- {} -", "-{}-", "第 {} 页", "第{}页")[style].format(page)
