"""annotations/: the annotated seeds and fragments, complete and agreeing with their gold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, SAMPLES, SHARED

from gkml.annotate.export import load_annotations, read_export
from gkml.assemble.checks import run_checks
from gkml.assemble.report import assemble
from gkml.evaluate import fact_matches, load_gold, values_equal
from gkml.io.ingest import ingest
from gkml.labels import Span
from gkml.numbers import parse_cell, parse_quantity
from gkml.schema import CELLS

ANNOTATIONS = ROOT / "annotations"
REAL = FIXTURES / "real"
SEED_IDS = sorted(p.stem for p in SAMPLES.glob("*.txt"))
REAL_IDS = sorted(p.stem for p in REAL.glob("P*.txt"))

EXPECTED_SECTIONS = {  # read by hand: which of the six headings each text prints
    "000_7cbeb50e901d1ece": [1, 2, 3, 4, 5, 6], "001_eb0a65417e597162": [1, 2, 3, 4, 5, 6],
    "002_9d98c4465ad221fa": [1, 2, 3, 4, 5],  # 2019 outline: 四、收费及减免情况 is not one of the six
    "003_dd629de2baaa1d45": [1, 2, 3, 4, 5, 6], "004_93c87546c824c53b": [1, 2, 3, 4, 5, 6],
    "P01": [1, 2, 3], "P04": [1, 2], "P05": [3], "P07": [1, 2, 3], "P09": [1, 2], "P10": [1, 2, 3],
    "P13": [1, 2], "P15": [], "P16": [1, 2, 3], "P19": [1, 2],
}  # fmt: skip
EXPECTED_AGENCIES = {  # the title's and the signature's; never the web page's chrome or the prose
    "000_7cbeb50e901d1ece": ["南丰镇", "张家港市南丰镇人民政府"], "001_eb0a65417e597162": ["甘州区人民政府西街街道办事处"],
    "002_9d98c4465ad221fa": ["桦甸市红石砬子镇人民政府", "红石砬子镇人民政府"], "003_dd629de2baaa1d45": ["沙坡头区文昌镇"],
    "004_93c87546c824c53b": [], "P01": [], "P04": ["岳阳市信访局"], "P05": [], "P07": [], "P09": ["中村乡"],
    "P10": ["得荣县卫生健康局"], "P13": ["衡南县卫生健康局", "衡南县卫生健康局"], "P15": [], "P16": [], "P19": [],
}  # fmt: skip


def annotated() -> dict[str, dict]:
    """doc_id → {text, source, spans} of annotations/*.json (checked by load_annotations)."""
    return {r["doc_id"]: r for r in load_annotations(ANNOTATIONS)}


@pytest.fixture(scope="module")
def docs() -> dict[str, dict]:
    return annotated()


def gold_of(doc_id: str) -> dict:
    path = REAL / f"{doc_id}.gold.json" if doc_id.startswith("P") else FIXTURES / f"{doc_id}.gold.json"
    return load_gold(path)


def test_annotations_hold_the_seeds_and_the_fragments(docs):
    assert sorted(docs) == sorted(SEED_IDS + REAL_IDS)
    assert [t["data"]["doc_id"] for t in read_export(ANNOTATIONS / "seeds.json")] == SEED_IDS
    assert [t["data"]["doc_id"] for t in read_export(ANNOTATIONS / "real.json")] == REAL_IDS
    for doc_id, d in docs.items():
        assert d["text"] == ingest(str(ROOT / d["source"])).text, (
            doc_id
        )  # the text gkml reads, offsets and all


def test_copied_fragments_are_the_shared_ones():
    """The texts and gold cells are the team's copies; the facts are annotated here afresh
    against the updated spec (issue 20), so only they may differ."""
    if not (SHARED / "real").is_dir():
        pytest.skip("../shared is not next to this checkout")
    for stem in REAL_IDS:
        assert (REAL / f"{stem}.txt").read_bytes() == (SHARED / "real" / f"{stem}.txt").read_bytes()
        ours = json.loads((REAL / f"{stem}.gold.json").read_text(encoding="utf-8"))
        theirs = json.loads((SHARED / "real" / f"{stem}.gold.json").read_text(encoding="utf-8"))
        assert {k: v for k, v in ours.items() if k != "facts"} == {k: v for k, v in theirs.items() if k != "facts"}


@pytest.mark.parametrize("doc_id", SEED_IDS + REAL_IDS)
def test_annotated_cells_agree_with_the_gold(docs, doc_id):
    d, gold = docs[doc_id], gold_of(doc_id)
    cells: dict[str, object] = {}
    for s in d["spans"]:
        if s["label"] in CELLS:
            assert s["label"] not in cells, f"{doc_id}: two regions for {s['label']}"
            cells[s["label"]] = parse_cell(d["text"][s["start"] : s["end"]])
    for key, want in gold["cells"].items():
        if want is None and key not in cells:
            continue  # printed as nothing: no character to label
        assert key in cells, f"{doc_id}: {key} not annotated"
        assert values_equal(cells[key], want), f"{doc_id}: {key} = {cells[key]!r}, gold {want!r}"
    if not gold.get("partial"):  # seed gold lists every printed cell
        assert set(cells) <= set(gold["cells"]), (
            f"{doc_id}: cells not in the gold: {set(cells) - set(gold['cells'])}"
        )
    report = assemble(d["text"], [Span(s["start"], s["end"], s["label"]) for s in d["spans"]])
    if gold["cells"] and not gold.get("partial"):
        assert report.template == gold["template"]
        values = {k: v.value for k, v in report.cells.items()}
        failed = {(c.id, c.where) for c in run_checks(values, report.template) if not c.ok}
        gold_failed = {(c.id, c.where) for c in run_checks(gold["cells"], gold["template"]) if not c.ok}
        assert failed == gold_failed


@pytest.mark.parametrize("doc_id", SEED_IDS + REAL_IDS)
def test_annotated_headings_metadata_and_counts(docs, doc_id):
    d, gold = docs[doc_id], gold_of(doc_id)
    text, spans = d["text"], d["spans"]

    def texts(prefix: str) -> list[str]:
        return [text[s["start"] : s["end"]] for s in spans if s["label"].startswith(prefix)]

    # sections: the expected headings, in order, each a whole line
    secs = [s for s in spans if s["label"].startswith("SEC")]
    assert [int(s["label"][3:]) for s in secs] == EXPECTED_SECTIONS[doc_id]
    for s in secs:
        line_start = text.rfind("\n", 0, s["start"]) + 1
        line_end = text.find("\n", s["end"])
        assert not text[line_start : s["start"]].strip() and not text[s["end"] : line_end].strip(), text[
            s["start"] : s["end"]
        ]
    report = assemble(text, [Span(s["start"], s["end"], s["label"]) for s in spans])
    # metadata: the agency as printed in the title or the signature (a part of the gold's full name)
    assert texts("AGENCY") == EXPECTED_AGENCIES[doc_id]
    for a in texts("AGENCY"):
        assert a in gold["agency"]
    year = gold.get("year")
    if year is not None and str(year) in text:
        assert report.meta.year == year
    else:
        assert not texts("YEAR")
    if "published" in gold:
        assert report.meta.published == gold["published"]
    # counts: every one parses; the seeds' are exactly the gold's, the fragments' cover theirs
    facts = report.facts
    assert len(facts) == len(texts("FACT"))
    if doc_id in SEED_IDS:
        got = sorted((f.start, f.end, f.kind) for f in facts)
        assert got == sorted((g["start"], g["end"], g["kind"]) for g in gold.get("facts", []))
    else:
        for g in gold.get("facts", []):
            assert any(fact_matches(vars(f), g) for f in facts), (
                f"{doc_id}: gold fact {g['text']} not annotated"
            )
    for f in texts("FACT"):
        assert parse_quantity(f) is not None


def test_annotations_readme_lists_the_corrections():
    readme = (ANNOTATIONS / "README.md").read_text(encoding="utf-8")
    for doc_id in ("000_7cbeb50e901d1ece", "002_9d98c4465ad221fa", "P09", "P13", "P15", "P16", "P19"):
        assert doc_id in readme


def test_annotation_sources_are_in_the_repository(docs):
    for d in docs.values():
        assert not Path(d["source"]).is_absolute() and (ROOT / d["source"]).is_file()
