"""Scoring narrative facts (gkml.evaluate_facts): matching, kinds, enumerations apart, per layout."""

from __future__ import annotations

import copy
import json
import re

from conftest import FIXTURES

from gkml.evaluate import evaluate, evaluate_files, format_report, load_gold
from gkml.evaluate_facts import FactTally, match_fact_pairs, read_texts, score_facts
from gkml.io.ingest import ingest

REAL = FIXTURES / "real"
TEXT = "2023年,我镇发布政策文件15件、人事任免信息41条、财政信息8条。收到申请3件,办结2件。"


def fact(text: str, value: int, unit: str, kind: str, start: int) -> dict:
    return {"text": text, "value": value, "approx": False, "unit": unit, "kind": kind, "start": start,
            "end": start + len(text)}  # fmt: skip


def gold_facts() -> list[dict]:
    out = []
    for t, v, u, k in [("15件", 15, "件", "active"), ("41条", 41, "条", "active"), ("8条", 8, "条", "active"),
                       ("3件", 3, "件", "request"), ("2件", 2, "件", "request")]:  # fmt: skip
        out.append(fact(t, v, u, k, TEXT.index(t, out[-1]["end"] if out else 0)))
    return out


def test_kinds_are_scored_on_the_matched_facts_only():
    gold = gold_facts()
    pred = copy.deepcopy(gold[:4])
    pred[1]["kind"] = "other"  # found, wrong kind
    pred[3]["value"] = 4  # a wrong value is not a match: its kind is not scored
    s = score_facts(pred, gold, TEXT)
    assert (s["tp"], s["fp"], s["fn"]) == (3, 1, 2)
    assert s["kinds"] == {"correct": 2, "total": 3, "accuracy": 2 / 3}


def test_recall_on_enumeration_items_apart():
    gold = gold_facts()
    pred = [gold[0], gold[3], gold[4]]  # the list comes back with one item of three
    s = score_facts(pred, gold, TEXT)
    assert s["enumerations"] == {"correct": 1, "total": 3, "accuracy": 1 / 3}
    assert s["recall"] == 3 / 5
    assert score_facts(pred, gold, None)["enumerations"] is None  # no text: not counted


def test_pairs_are_a_maximum_matching():
    g = fact("5条", 5, "条", "active", 10)
    a, b = {**g, "start": 2, "end": 12}, {**g, "start": 11, "end": 13}
    # a overlaps both gold facts, b only the second: both are matched
    assert match_fact_pairs([a, b], [g, {**g, "start": 1, "end": 3}]) == [(0, 1), (1, 0)]


def test_tally_adds_documents_up():
    gold = gold_facts()
    t = FactTally()
    t.add(score_facts(gold, gold, TEXT))
    t.add(score_facts([], gold, None))
    s = t.summary()
    assert (s["tp"], s["fn"], s["n_docs"]) == (5, 5, 2)
    assert s["kinds"]["accuracy"] == 1.0
    assert s["enumerations"] == {"correct": 3, "total": 3, "accuracy": 1.0, "n_docs": 1}


def test_real_fragments_gold_facts_have_kinds_and_offsets_into_the_text():
    n = 0
    for path in sorted(REAL.glob("P*.gold.json")):
        gold = load_gold(path)
        text = ingest(str(REAL / f"{gold['doc_id']}.txt")).text
        for f in gold["facts"]:
            assert text[f["start"] : f["end"]] == f["text"] and f["text"] in f["phrase"]
            assert f["kind"] in ("active", "request", "platform", "other")
            n += 1
    assert n == 21


def test_eval_of_real_fragments_reads_their_texts_and_prints_kinds(tmp_path):
    records = []
    for path in sorted(REAL.glob("P*.gold.json")):
        gold = load_gold(path)
        facts = copy.deepcopy(gold["facts"])
        if gold["doc_id"] == "P19":
            facts[-1]["kind"] = "request"  # 行政诉讼0件 read as a request
        records.append({"doc_id": gold["doc_id"], "source": str(REAL / f"{gold['doc_id']}.txt"), "status": "ok",
                        "cells": gold["cells"], "facts": facts, "template": gold["template"], "checks": []})  # fmt: skip
    pred = tmp_path / "pred.jsonl"
    pred.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    result = evaluate_files(pred, REAL)
    fa = result["facts"]
    assert (fa["tp"], fa["fp"], fa["fn"]) == (21, 0, 0)
    assert fa["kinds"] == {"correct": 20, "total": 21, "accuracy": 20 / 21}
    assert fa["enumerations"]["n_docs"] == 4  # the four fragments with facts, texts read from the sources
    assert fa["by_layout"][load_gold(REAL / "P19.gold.json")["layout"]]["kinds"]["correct"] == 11
    report = format_report(result)
    assert re.search(r"fact kinds right \(of matched\) +20/21 +95\.2%", report)
    assert "facts in enumerations found" in report and "facts by layout" in report


def test_texts_come_from_the_source_else_beside_the_gold(tmp_path):
    gold = {"P07": load_gold(REAL / "P07.gold.json"), "P01": load_gold(REAL / "P01.gold.json")}
    texts = read_texts([{"doc_id": "P07", "source": str(tmp_path / "gone.txt")}], gold, REAL)
    assert list(texts) == ["P07"]  # P01 has no facts: its text is not needed
    assert texts["P07"].startswith("一、总体情况")


def test_evaluate_without_texts_still_scores_facts():
    gold = {"d": {"doc_id": "d", "cells": {}, "template": "none", "layout": "x", "facts": gold_facts()}}
    rec = {
        "doc_id": "d",
        "status": "ok",
        "cells": {},
        "facts": gold_facts()[:2],
        "template": "none",
        "checks": [],
    }
    fa = evaluate([rec], gold)["facts"]
    assert (fa["tp"], fa["fn"], fa["enumerations"]["total"], fa["enumerations"]["n_docs"]) == (2, 3, 0, 0)
