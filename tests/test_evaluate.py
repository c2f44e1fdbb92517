"""The evaluator on real gold: the five hand-read seeds and the shared real fragments.

The seed gold files are themselves checked here (keys, spans, units, kinds, identities), because
every accuracy number the project quotes rests on them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from gkml.assemble import checks
from gkml.evaluate import evaluate, evaluate_files, fact_matches, format_report, load_gold, match_facts
from gkml.io.ingest import ingest
from gkml.schema import CELLS, FACT_KINDS, FACT_UNITS, template_keys

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLES = ROOT / "samples"
REAL = ROOT.parent / "shared" / "real"

SEED = "000_7cbeb50e901d1ece"
SEEDS = sorted(p.name[: -len(".gold.json")] for p in FIXTURES.glob("*.gold.json"))
CONSISTENT_SEEDS = [
    "000_7cbeb50e901d1ece",
    "001_eb0a65417e597162",
    "003_dd629de2baaa1d45",
    "004_93c87546c824c53b",
]


def gold_of(*names: str) -> dict[str, dict]:
    return {n: load_gold(FIXTURES / f"{n}.gold.json") for n in names}


def perfect_record(doc_id: str, g: dict) -> dict:
    """What a flawless extractor would emit for this gold (record layout of DESIGN.md)."""
    return {
        "doc_id": doc_id,
        "source": f"samples/{doc_id}.txt",
        "status": "ok",
        "error": None,
        "template": g["template"],
        "meta": {"agency": g.get("agency"), "year": g.get("year"), "published": g.get("published")},
        "sections": [],
        "cells": {k: {"value": v, "raw": "" if v is None else str(v)} for k, v in g["cells"].items()},
        "facts": copy.deepcopy(g.get("facts", [])),
        "checks": [],
    }


# ---------------------------------------------------------------------------
# The seed gold files themselves


def test_all_five_seeds_have_gold():
    assert sorted(p.stem for p in SAMPLES.glob("*.txt")) == SEEDS
    assert len(SEEDS) == 5


@pytest.mark.parametrize("name", SEEDS)
def test_seed_gold_is_valid(name):
    g = load_gold(FIXTURES / f"{name}.gold.json")
    text = ingest(SAMPLES / f"{name}.txt").text  # gold offsets index the normalised text, as predictions do
    assert g["template"] in ("2021", "2019", "none")
    assert isinstance(g["year"], int)
    allowed = set(template_keys(g["template"], standard_only=False)) if g["template"] != "none" else set()
    assert set(g["cells"]) <= allowed
    for v in g["cells"].values():
        assert v is None or (isinstance(v, int | float) and not isinstance(v, bool))
    for key in g.get("unreadable", []):
        assert key["key"] in CELLS and key["key"] not in g["cells"] and key["reason"]
    for f in g["facts"]:
        assert text[f["start"] : f["end"]] == f["text"], f
        assert f["unit"] in FACT_UNITS or f["unit"] is None
        assert f["kind"] in FACT_KINDS
        assert isinstance(f["approx"], bool)


def test_seed_gold_contents():
    """Pin the hand-read numbers that matter, so an accidental edit of a gold file shows up."""
    g = gold_of(*SEEDS)
    full = set(template_keys("2021"))
    for name in CONSISTENT_SEEDS:
        assert set(g[name]["cells"]) == full  # all 200 standard cells printed, no 小计 variants
    c = g[SEED]["cells"]
    assert (c["t2.licensing.decisions"], c["t2.penalty.decisions"], c["t2.fees.amount"]) == (205, 716, 530.67)
    assert (c["t3.new.total"], c["t3.granted.total"], c["t3.other_other.total"], c["t3.total.total"]) == (
        12,
        10,
        2,
        12,
    )
    assert sum(1 for v in c.values() if v) == 11
    assert g["002_9d98c4465ad221fa"]["cells"] == {} and g["002_9d98c4465ad221fa"]["template"] == "none"
    assert [len(g[n]["facts"]) for n in SEEDS] == [5, 1, 13, 25, 0]
    last = g["003_dd629de2baaa1d45"]["facts"][-1]
    assert (last["text"], last["value"], last["unit"], last["kind"]) == ("两次", 2, "次", "training")


@pytest.mark.parametrize("name", CONSISTENT_SEEDS)
def test_consistent_seeds_pass_t3_t4_identities(name):
    g = load_gold(FIXTURES / f"{name}.gold.json")
    results = checks.run_checks(g["cells"], g["template"])
    table_checks = [c for c in results if c.id.startswith(("T3", "T4"))]
    assert {c.id for c in table_checks} >= {"T3-BALANCE", "T3-OUTCOMES", "T3-ROWSUM", "T4-SUM"}
    assert [(c.id, c.where) for c in table_checks if not c.ok] == []


def test_real_fragment_gold_loads():
    paths = sorted(REAL.glob("*.gold.json"))
    if not paths:
        pytest.skip("shared/real not present")
    for p in paths:
        g = load_gold(p)
        assert g["doc_id"] == p.name[: -len(".gold.json")]
        assert all(CELLS[k].table in (2, 3, 4) for k in g["cells"])


# ---------------------------------------------------------------------------
# Cells


def test_perfect_prediction_scores_100():
    gold = gold_of(*SEEDS)
    result = evaluate([perfect_record(n, g) for n, g in gold.items()], gold)
    assert result["n_docs"] == 5
    assert result["n_gold_cells"] == 800
    assert result["cells"] == {"correct": 800, "total": 800, "accuracy": 1.0}
    assert result["cells_nonzero"] == {"correct": 11, "total": 11, "accuracy": 1.0}
    assert result["exact_docs"]["accuracy"] == 1.0
    assert result["template"]["accuracy"] == 1.0
    assert result["facts"]["tp"] == 44 and result["facts"]["precision"] == result["facts"]["recall"] == 1.0
    assert result["by_table"] == {
        "T2": {"correct": 40, "total": 40, "accuracy": 1.0},
        "T3": {"correct": 700, "total": 700, "accuracy": 1.0},
        "T4": {"correct": 60, "total": 60, "accuracy": 1.0},
    }
    assert result["errors"] == result["missing"] == result["unmatched_predictions"] == []


def test_two_wrong_cells_and_one_missing():
    gold = gold_of(SEED)
    rec = perfect_record(SEED, gold[SEED])
    rec["cells"]["t2.fees.amount"]["value"] = 530.76  # digits swapped: a non-zero cell wrong
    rec["cells"]["t3.denied_secret.person"]["value"] = None  # 0 read as a blank
    rec["cells"]["t3.denied_secret.person"]["score"] = 0.4  # … and flagged for a reviewer
    del rec["cells"]["t4.review.total"]  # not found
    rec["cells"]["t3.new.org_subtotal"] = {"value": 0, "raw": "0"}  # extra cell: reported, not scored
    result = evaluate([rec], gold)

    assert result["cells"] == {"correct": 197, "total": 200, "accuracy": 0.985}
    assert result["cells_nonzero"] == {"correct": 10, "total": 11, "accuracy": 10 / 11}
    assert result["by_table"]["T2"] == {"correct": 9, "total": 10, "accuracy": 0.9}
    assert result["by_table"]["T3"] == {"correct": 174, "total": 175, "accuracy": 174 / 175}
    assert result["by_table"]["T4"] == {"correct": 14, "total": 15, "accuracy": 14 / 15}
    layout = gold[SEED]["layout"]
    assert result["by_layout"] == {layout: {"correct": 197, "total": 200, "accuracy": 0.985}}
    assert result["exact_docs"] == {"correct": 0, "total": 1, "accuracy": 0.0}
    doc = result["docs"][0]
    assert {w["key"]: (w["pred"], w["found"], w["flagged"]) for w in doc["wrong"]} == {
        "t2.fees.amount": (530.76, True, False),
        "t3.denied_secret.person": (None, True, True),
        "t4.review.total": (None, False, False),
    }
    assert result["cells_wrong_unflagged"] == 1  # the swapped digits: a user takes them for read
    assert "cells wrong, not flagged" in format_report(result) and "(flagged)" in format_report(result)
    assert doc["extra_cells"] == ["t3.new.org_subtotal"]


def test_float_noise_and_blank_rules():
    gold = {
        "d": {
            "doc_id": "d",
            "template": "2021",
            "layout": "x",
            "cells": {"t2.fees.amount": 530.67, "t2.rules.issued": None, "t2.rules.repealed": 0},
        }
    }
    rec = {
        "doc_id": "d",
        "status": "ok",
        "template": "2021",
        "cells": {
            "t2.fees.amount": {"value": 53067 / 100},
            "t2.rules.issued": {"value": 0},
            "t2.rules.repealed": {"value": None},
        },
    }
    result = evaluate([rec], gold)
    assert [w["key"] for w in result["docs"][0]["wrong"]] == ["t2.rules.issued", "t2.rules.repealed"]
    assert result["cells_nonzero"] == {"correct": 1, "total": 1, "accuracy": 1.0}


def test_error_record_and_missing_doc():
    gold = gold_of(SEED, "001_eb0a65417e597162", "002_9d98c4465ad221fa")
    records = [
        perfect_record(SEED, gold[SEED]),
        {
            "doc_id": "001_eb0a65417e597162",
            "source": "x",
            "status": "error",
            "error": "PDF has no text layer",
            "template": "none",
            "cells": {},
            "facts": [],
            "checks": [],
        },
        perfect_record("zzz_not_in_gold", gold[SEED]),
    ]
    result = evaluate(records, gold)
    assert result["errors"] == ["001_eb0a65417e597162"]
    assert result["missing"] == ["002_9d98c4465ad221fa"]
    assert result["unmatched_predictions"] == ["zzz_not_in_gold"]
    assert result["cells"] == {"correct": 200, "total": 400, "accuracy": 0.5}
    assert result["exact_docs"] == {"correct": 1, "total": 3, "accuracy": 1 / 3}
    assert result["template"] == {"correct": 1, "total": 3, "accuracy": 1 / 3}
    # facts: 000 perfect (5), 001's one fact and 002's 13 facts all missed
    assert (result["facts"]["tp"], result["facts"]["fp"], result["facts"]["fn"]) == (5, 0, 14)
    statuses = {d["doc_id"]: d["status"] for d in result["docs"]}
    assert statuses == {SEED: "ok", "001_eb0a65417e597162": "error", "002_9d98c4465ad221fa": "missing"}
    text = format_report(result)
    assert "errors (all their gold cells counted wrong): 001_eb0a65417e597162" in text
    assert "missing predictions (counted wrong): 002_9d98c4465ad221fa" in text


def test_wrong_template_counted():
    gold = gold_of(SEED)
    rec = perfect_record(SEED, gold[SEED])
    rec["template"] = "2019"
    result = evaluate([rec], gold)
    assert result["template"]["accuracy"] == 0.0
    assert result["cells"]["accuracy"] == 1.0


# ---------------------------------------------------------------------------
# Facts


def test_facts_one_wrong_unit():
    gold = gold_of(SEED)
    rec = perfect_record(SEED, gold[SEED])
    assert rec["facts"][0]["text"] == "800余条"
    rec["facts"][0]["unit"] = "件"
    result = evaluate([rec], gold)
    fa = result["facts"]
    assert (fa["tp"], fa["fp"], fa["fn"]) == (4, 1, 1)
    assert fa["precision"] == fa["recall"] == 0.8
    assert fa["f1"] == pytest.approx(0.8)
    assert fa["n_docs"] == 1


def test_facts_need_overlap_and_match_one_to_one():
    g = {"text": "2件", "value": 2, "approx": False, "unit": "件", "start": 10, "end": 12}
    assert fact_matches({**g, "start": 11, "end": 13}, g)
    assert not fact_matches({**g, "start": 12, "end": 14}, g)  # touching, not overlapping
    assert not fact_matches({**g, "approx": True}, g)
    # one prediction cannot be credited for two gold facts
    assert match_facts([g], [g, dict(g)]) == 1
    # a greedy first pick would pair gold A with pred 0 and leave gold B unmatched
    a = {**g, "start": 0, "end": 20}
    b = {**g, "start": 0, "end": 5}
    assert match_facts([{**g, "start": 2, "end": 4}, {**g, "start": 15, "end": 17}], [b, a]) == 2


def test_facts_without_spans_match_inside_phrase():
    """shared/real gold records a phrase and no offsets (P07, P19)."""
    gold_fact = {"text": "主动公开政府信息63条", "value": 63, "unit": "条"}
    assert fact_matches(
        {"text": "63条", "value": 63, "unit": "条", "approx": False, "start": 5, "end": 8}, gold_fact
    )
    assert not fact_matches({"text": "16条", "value": 63, "unit": "条", "start": 5, "end": 8}, gold_fact)


def test_docs_without_facts_key_are_not_fact_scored():
    gold = {
        "P": {
            "doc_id": "P",
            "template": "2021",
            "layout": "pipes",
            "partial": True,
            "cells": {"t2.normative.issued": 21},
        }
    }
    rec = {
        "doc_id": "P",
        "status": "ok",
        "template": "2021",
        "cells": {"t2.normative.issued": {"value": 21}},
        "facts": [
            {
                "text": "3件",
                "value": 3,
                "approx": False,
                "unit": "件",
                "kind": "request",
                "start": 0,
                "end": 2,
            }
        ],
    }
    result = evaluate([rec], gold)
    assert result["facts"]["n_docs"] == 0 and result["facts"]["fp"] == 0
    assert result["identities"]["n_docs"] == 0  # partial gold: identities not scored


def test_real_fragments_roundtrip(tmp_path):
    paths = sorted(REAL.glob("*.gold.json"))
    if not paths:
        pytest.skip("shared/real not present")
    gold = {p.name[: -len(".gold.json")]: load_gold(p) for p in paths}
    pred = tmp_path / "pred.jsonl"
    with open(pred, "w", encoding="utf-8") as f:
        for n, g in gold.items():
            rec = perfect_record(n, g)
            rec["facts"] = []
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    result = evaluate_files(pred, REAL)
    assert result["n_docs"] == len(paths)
    assert result["cells"]["accuracy"] == 1.0
    assert result["n_gold_cells"] == sum(len(g["cells"]) for g in gold.values())
    assert result["facts"]["tp"] == 0 and result["facts"]["fn"] == sum(len(g["facts"]) for g in gold.values())
    assert len(result["by_layout"]) == len({g["layout"] for g in gold.values()})


# ---------------------------------------------------------------------------
# Identity failures


def test_identity_real_checker_on_a_broken_report():
    gold = gold_of(SEED)
    gold[SEED]["cells"]["t4.review.total"] = 1  # a report error: 总计 1, parts all 0
    failed = [(c.id, c.where) for c in checks.run_checks(gold[SEED]["cells"], "2021") if not c.ok]
    assert any(i == "T4-SUM" for i, _ in failed)
    rec = perfect_record(SEED, gold[SEED])
    rec["checks"] = [{"id": i, "where": w, "ok": False} for i, w in failed]
    idn = evaluate([rec], gold)["identities"]
    assert idn["recall"] == 1.0 and idn["precision"] == 1.0
    rec["checks"] = []
    idn = evaluate([rec], gold)["identities"]
    assert idn["recall"] == 0.0 and idn["precision"] is None


# ---------------------------------------------------------------------------
# Files and printing


def test_evaluate_files_and_report(tmp_path):
    gold = gold_of(*SEEDS)
    pred = tmp_path / "pred.jsonl"
    with open(pred, "w", encoding="utf-8") as f:
        for n, g in gold.items():
            f.write(json.dumps(perfect_record(n, g), ensure_ascii=False) + "\n")
        f.write("\n")
    result = evaluate_files(pred, FIXTURES)
    assert result["cells"]["accuracy"] == 1.0 and result["n_docs"] == 5
    text = format_report(result)
    assert text.startswith("gkml evaluation: 5 documents, 800 gold cells")
    assert "800/800" in text and SEED in text


def test_load_gold_rejects_unknown_keys(tmp_path):
    p = tmp_path / "bad.gold.json"
    p.write_text(json.dumps({"template": "2021", "cells": {"t3.new.totl": 1}}), encoding="utf-8")
    with pytest.raises(ValueError, match="t3.new.totl"):
        load_gold(p)
