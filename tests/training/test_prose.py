"""The generator's prose (issue 20): the phrase kinds real reports count with, as the config's
``prose`` mix, with exact gold facts whose kinds follow the spec as the rules read it."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache

import pytest

from gkml.assemble.report import assemble
from gkml.evaluate_facts import FactTally, score_facts
from gkml.numbers import find_quantities, in_enumeration, parse_quantity
from gkml.rules import label
from gkml.training.configfile import ConfigError
from gkml.training.synth import load_config, make_report

MIX = load_config()["prose"]


@cache
def corpus(layout: str = "narrative", n: int = 24, seed: int = 21, **mix: float) -> tuple[dict, ...]:
    config = load_config(overrides={"prose": {**MIX, **mix}} if mix else None)
    return tuple(make_report(i, seed, config, layout) for i in range(n))


def facts(*layouts: str) -> list[tuple[dict, dict]]:
    """(report, fact) over the narrative and pipes corpora (or ``layouts``)."""
    return [
        (r, f) for layout in layouts or ("narrative", "pipes") for r in corpus(layout) for f in r["facts"]
    ]


def test_gold_facts_are_exact_and_parse_to_their_gold():
    for r, f in facts():
        assert r["text"][f["start"] : f["end"]] == f["text"]
        q = parse_quantity(f["text"])
        assert q is not None and (q.value, q.approx, q.unit) == (f["value"], f["approx"], f["unit"]), f


def test_long_enumerations_of_five_to_twelve_items():
    sizes = []
    for r in corpus():
        text = r["text"]
        for line in text.split("\n"):
            counts = find_quantities(line)
            run = [q for q in counts if in_enumeration(line, q.start, q.end)]
            if len(run) >= 5:
                sizes.append(len(run))
                assert any(sep in line for sep in "、;")
    assert sizes and min(sizes) >= 5 and max(sizes) <= 13  # 5–12 items, and a total may stand before them
    enum = [f for r, f in facts("narrative") if in_enumeration(r["text"], f["start"], f["end"])]
    assert len(enum) >= 40 and {f["kind"] for f in enum} >= {"active", "platform", "interaction", "request"}


def test_counts_with_shares_and_sub_counts():
    texts = "\n".join(r["text"] for layout in ("narrative", "pipes") for r in corpus(layout))
    assert re.search(r"(?:予以公开|部分公开|无法提供)\d+件\(占?\d+(?:\.\d+)?%\)", texts)
    assert re.search(r"\d+件\(含上年结转\d+件\)|申请\d+件\(其中自然人申请", texts)
    assert re.search(r"\d+条\(含政策解读", texts)


def test_every_counting_word_magnitudes_zeros_and_approximation_words():
    fs = [f for _, f in facts()]
    units = {f["unit"] for f in fs}
    assert units >= {"条", "件", "篇", "个", "次", "名", "人", "人次", "场", "期", "项", "处", "家", "份", "位", "户",
                     "台", "块", "轮", "册", "%"}  # fmt: skip
    assert any("万" in f["text"] and f["value"] >= 10000 and f["unit"] != "万元" for f in fs)
    assert any(f["value"] == 0 for f in fs)
    for word in ("超", "约", "近", "余", "多", "左右", "以上"):
        assert any(word in f["text"] and f["approx"] for f in fs), word
    assert any(re.fullmatch(r"[一二两三四五六七八九十]+\D+", f["text"]) for f in fs)  # Chinese numerals


def test_numbers_that_are_not_facts_sit_in_fact_sentences_unlabelled():
    decoys = ("截至", "第二十条", "〔2021〕30号", "咨询电话", "12345", "“三个一”", "一户一档", "“四个意识”", "八项规定",
              "一件事一次办", "5个工作日", "24小时")  # fmt: skip
    seen = set()
    for r in corpus():
        text = r["text"]
        for d in decoys:
            for m in re.finditer(re.escape(d), text):
                sentence = text[m.start() : text.find("。", m.start())]
                if any(m.start() <= f["start"] < m.start() + len(sentence) for f in r["facts"]):
                    seen.add(d)
                    assert not any(f["start"] < m.end() and m.start() < f["end"] for f in r["facts"]), d
    assert len(seen) >= 6, seen


def test_counts_before_what_they_count_are_facts_of_their_kind():
    """明确一名分管领导主管、一名办公室负责人具体负责 (seed 002), 召开3场新闻发布会: the count
    between verb and noun is labelled like the count after its noun."""
    staff = [(r["text"][f["end"] : f["end"] + 6], f) for r, f in facts() if f["unit"] in ("名", "位")]
    before_role = [f for after, f in staff if after.startswith(("分管领导", "专职", "兼职", "办公室负责人", "联络员"))]
    assert len(before_role) >= 5 and all(f["kind"] == "platform" for f in before_role)
    assert any(re.fullmatch(r"[一两三四五]名", f["text"]) for f in before_role)
    texts = "".join(r["text"] for r in corpus())
    assert re.search(r"召开(?:\d+|[一两三四五六七八九十]+)场新闻发布会|编印(?:\d+|[一两三四五六七八九十]+)期政府公报", texts)
    off = corpus("narrative", 12, 5, count_first=0.0)
    assert not any(
        r["text"][f["end"] : f["end"] + 4] in ("分管领导", "办公室负") for r in off for f in r["facts"]
    )


def test_the_phrase_decides_the_kind_and_both_kinds_are_shown():
    pairs = {(r["text"][max(0, f["start"] - 8) : f["start"]], f["kind"]) for r, f in facts()}
    assert any("发布政策解读" in before and kind == "active" for before, kind in pairs)
    assert any("解读政策文件" in before and kind == "other" for before, kind in pairs)
    assert any("清理规范性文件" in before and kind == "other" for before, kind in pairs)
    assert any(before.endswith(("行政复议", "行政诉讼")) and kind == "other" for before, kind in pairs)
    assert not any(before.endswith(("行政复议", "行政诉讼")) and kind == "request" for before, kind in pairs)


def test_the_rules_read_the_generated_facts_and_kinds_as_the_generator_states_them():
    """The spec's conventions live twice, in the rule labeller and in the generator's templates:
    on clean generated prose the two must agree."""
    tally = FactTally()
    for layout in ("narrative", "pipes"):
        for r in corpus(layout):
            if r["noise"]:
                continue
            report = assemble(r["text"], label(r["text"]))
            tally.add(score_facts([vars(f) for f in report.facts], r["facts"], r["text"]))
    s = tally.summary()
    assert s["tp"] >= 400
    assert s["precision"] >= 0.99 and s["recall"] >= 0.98, s
    assert s["kinds"]["accuracy"] >= 0.97 and s["enumerations"]["accuracy"] >= 0.98, s


def test_the_mix_off_gives_none_of_the_new_phrases():
    off = dict.fromkeys(MIX, 0.0)
    reports = corpus("narrative", 12, 5, **off)
    assert not any(in_enumeration(r["text"], f["start"], f["end"]) for r in reports for f in r["facts"])
    assert not any(re.search(r"\(含|%\)|万[人份]", r["text"]) for r in reports)
    assert any(
        in_enumeration(r["text"], f["start"], f["end"])
        for r in corpus("narrative", 12, 5)
        for f in r["facts"]
    )


@pytest.mark.parametrize(("overrides", "message"), [
    ({"prose": {"enumerations": 1.5}}, "prose.enumerations"),
    ({"prose": {"lists": 0.5}}, "lists"),
])  # fmt: skip
def test_prose_mix_errors_name_the_key(overrides, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(overrides=overrides)


def test_synth_examples_show_the_prose():
    out = subprocess.run(
        [sys.executable, "-m", "gkml", "synth", "--examples", "--layout", "narrative"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert out.startswith("===== narrative")
    assert any(len([q for q in find_quantities(line) if in_enumeration(line, q.start, q.end)]) >= 5
               for line in out.split("\n"))  # fmt: skip
