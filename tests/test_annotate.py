"""The annotation loop without a server: the generated labelling config, tasks with
pre-annotations, reading and checking Label Studio exports, conversion to training data,
and the annotated seeds and fragments in annotations/ against their gold.

The config and the predictions are validated with label-studio-sdk's LabelInterface, the
code the Label Studio server itself runs on every imported prediction.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, SAMPLES, SHARED

from gkml import __version__
from gkml.annotate import (
    AnnotationError,
    convert,
    label_config,
    label_groups,
    load_annotations,
    make_task,
    read_export,
    regions,
    result_spans,
    task_score,
    tasks_from_paths,
)
from gkml.assemble.checks import run_checks
from gkml.assemble.report import assemble
from gkml.cli import main
from gkml.evaluate import fact_matches, load_gold, values_equal
from gkml.io.ingest import ingest
from gkml.labels import ENTITY_TYPES, Span
from gkml.numbers import parse_cell, parse_quantity
from gkml.rules.baseline import label
from gkml.schema import CELLS

ANNOTATIONS = ROOT / "annotations"
REAL = FIXTURES / "real"
SEED_IDS = sorted(p.stem for p in SAMPLES.glob("*.txt"))
REAL_IDS = sorted(p.stem for p in REAL.glob("P*.txt"))


def label_interface(config: str):
    from label_studio_sdk.label_interface import LabelInterface

    return LabelInterface(config)


def seed_text(stem: str) -> str:
    return ingest(str(SAMPLES / f"{stem}.txt")).text


# ---------------------------------------------------------------------------
# The labelling config


def test_config_has_every_entity_type_once_as_the_stored_value():
    """Label Studio stores a Label's alias in results (value when there is none): the
    alias is the entity type, so exports need no mapping back."""
    root = ET.fromstring(label_config())
    labels = list(root.iter("Label"))
    assert [lab.get("alias") for lab in labels].count("t3.new.total") == 1
    assert sorted(lab.get("alias") for lab in labels) == sorted(ENTITY_TYPES)
    values = [lab.get("value") for lab in labels]
    assert len(set(values)) == len(values) == len(ENTITY_TYPES) == 304
    # the value is what the quick filter searches: the key and the Chinese names
    by_alias = {lab.get("alias"): lab for lab in labels}
    assert by_alias["t3.new.person"].get("value") == "t3.new.person 一、本年新收政府信息公开申请数量 自然人"
    assert by_alias["t3.new.business"].get("html") == "商业企业"
    assert by_alias["t3.carried_in.org_subtotal"].get("html") == "法人小计"
    assert by_alias["SEC3"].get("html") == "三、收到和处理政府信息公开申请情况"


def test_config_is_what_the_label_studio_sdk_reads():
    li = label_interface(label_config())
    control = li.get_control("label")
    assert set(control.labels) == set(ENTITY_TYPES)
    assert control.to_name == ["text"]
    assert li.get_object("text").value == "$text"


def test_config_groups_tables_and_rows_with_one_colour_per_table():
    groups = label_groups()
    assert [g.title for g in groups[:3]] == [
        "章节标题 Sections",
        "文中数字 Narrative counts",
        "元数据 Metadata",
    ]
    tables = {g.title.split()[0] + g.title[-9:]: g for g in groups[3:]}
    assert len(tables) == 4
    t3 = next(g for g in groups if g.title.startswith("表三"))
    rows = [r.title for r in t3.rows]
    # a 小计 row comes right after the rows it sums
    assert rows.index("(三)不予公开 小计") == rows.index("(三)不予公开 8.属于行政查询事项") + 1
    # 2019's one-row (六) sits with the 2021 sub-items, then their 小计
    assert rows.index("(六)其他处理") == rows.index("(六)其他处理 3.其他") + 1
    assert rows.index("(六)其他处理 小计") == rows.index("(六)其他处理") + 1
    assert rows[-2:] == ["(七)总计", "四、结转下年度继续办理"]
    for g in groups[3:]:
        colours = {spec.background for row in g.rows for spec in row.labels}
        prefixes = {spec.entity.split(".")[0] for row in g.rows for spec in row.labels}
        assert len(colours) == 1 and len(prefixes) == 1
        for row in g.rows:
            assert len({spec.entity.rsplit(".", 1)[0] for spec in row.labels}) == 1  # one row of the table


def test_config_filter_is_named_and_bound_to_the_labels():
    """The 1.23.2 editor refuses to render a config whose <Filter> has no name."""
    (flt,) = ET.fromstring(label_config()).iter("Filter")
    assert flt.get("name") and flt.get("toName") == "label"


def test_config_hotkeys_are_unique_and_on_the_hand_labelled_groups():
    root = ET.fromstring(label_config())
    keys = {lab.get("alias"): lab.get("hotkey") for lab in root.iter("Label") if lab.get("hotkey")}
    assert keys["SEC1"] == "1" and keys["AGENCY"] == "a" and keys["FACT.request"] == "w"
    assert len(set(keys.values())) == len(keys) == 17
    assert all(not k.startswith("t") for k in keys)


def test_ls_config_command_prints_the_generated_config(capsys, tmp_path):
    assert main(["ls", "config"]) == 0
    assert capsys.readouterr().out == label_config()
    assert main(["ls", "config", "-o", str(tmp_path / "c.xml")]) == 0
    assert (tmp_path / "c.xml").read_text(encoding="utf-8") == label_config()


# ---------------------------------------------------------------------------
# Tasks with pre-annotations


def test_regions_use_python_indices_and_skip_empty_cells():
    text = "𠀾𡘙扩展B区字 本年新收 12 件\n"
    spans = [Span(2, 7, "AGENCY", 0.9), Span(13, 15, "t3.new.total"), Span(16, 16, "t3.new.person")]
    out = regions(text, spans)
    assert [r["value"]["text"] for r in out] == ["扩展B区字", "12"]
    assert out[0]["value"] == {"start": 2, "end": 7, "text": "扩展B区字", "labels": ["AGENCY"]}
    assert out[0]["score"] == 0.9 and out[0]["from_name"] == "label" and out[0]["to_name"] == "text"
    assert len({r["id"] for r in out}) == 2
    with pytest.raises(ValueError, match="outside the text"):
        regions(text, [Span(10, 40, "YEAR")])


def test_a_seed_task_validates_with_the_servers_validator():
    text = seed_text("000_7cbeb50e901d1ece")
    spans = label(text)
    task = make_task(text, "000", "samples/000.txt", spans)
    assert task["data"] == {"text": text, "doc_id": "000", "source": "samples/000.txt"}
    (pred,) = task["predictions"]
    assert pred["model_version"] == f"rules-{__version__}"
    assert pred["score"] == 1.0  # every identity holds on the seed's reading
    assert label_interface(label_config()).validate_prediction(pred, return_errors=True) == []
    assert len(pred["result"]) == sum(s.end > s.start for s in spans) == 214
    for r in pred["result"]:
        v = r["value"]
        assert text[v["start"] : v["end"]] == v["text"]


def test_task_score_puts_readings_that_break_identities_first():
    text = seed_text("000_7cbeb50e901d1ece")
    spans = label(text)
    good = task_score(text, spans)
    # the reading of 一、本年新收 总计 (12) moved onto another number (205): T3 identities break
    total = next(s for s in spans if s.label == "t3.new.total")
    other = next(s for s in spans if s.label == "t2.licensing.decisions")
    broken = [s for s in spans if s is not total] + [Span(other.start, other.end, "t3.new.total")]
    broken = [s for s in broken if s is not other]
    assert good == 1.0
    assert 0 < task_score(text, broken) < good


def test_ls_tasks_command_writes_one_task_per_report(tmp_path, capsys):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    out = tmp_path / "tasks.json"
    assert main(["ls", "tasks", str(SAMPLES), str(bad), "-o", str(out)]) == 0
    printed = capsys.readouterr()
    assert "5 tasks" in printed.out and "empty.txt" in printed.err
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert [t["data"]["doc_id"] for t in tasks] == SEED_IDS
    for t in tasks:
        assert t["data"]["text"] == ingest(t["data"]["source"]).text
        (pred,) = t["predictions"]
        assert pred["model_version"] == f"rules-{__version__}"
        for r in pred["result"]:
            assert t["data"]["text"][r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]
    assert (
        main(["ls", "tasks", str(SAMPLES / "000_7cbeb50e901d1ece.txt"), "--no-predictions", "-o", str(out)])
        == 0
    )
    assert "predictions" not in json.loads(out.read_text(encoding="utf-8"))[0]


def test_tasks_engine_and_model_errors_are_plain(tmp_path):
    with pytest.raises(ValueError, match="unknown engine 'nope'"):
        tasks_from_paths([str(SAMPLES)], engine="nope")
    with pytest.raises(ValueError, match="not a model directory"):
        tasks_from_paths([str(SAMPLES)], model=str(tmp_path))
    assert main(["ls", "tasks", str(SAMPLES), "--engine", "nope", "-o", str(tmp_path / "t.json")]) == 1


# ---------------------------------------------------------------------------
# Reading exports


def export_task(text: str, result: list[dict], tid: int = 7, **annotation) -> dict:
    return {
        "id": tid,
        "data": {"text": text, "doc_id": "d"},
        "annotations": [{"id": 1, "result": result, **annotation}],
    }


def item(start: int, end: int, text: str, label: str, rid: str = "a1") -> dict:
    return {
        "id": rid, "from_name": "label", "to_name": "text", "type": "labels",
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }  # fmt: skip


TEXT = "南丰镇2022年政府信息公开工作年度报告\n一、总体情况\n收到申请12件。"


def test_result_spans_are_checked_and_sorted():
    result = [
        item(32, 34, "12", "FACT.request", "b"),
        item(0, 3, "南丰镇", "AGENCY"),
        {"id": "c", "from_name": "note", "type": "textarea", "value": {"text": ["a comment"]}},
        item(0, 3, "南丰镇", "AGENCY"),  # listed twice: counts once
    ]
    assert result_spans(TEXT, result, "w") == [
        {"start": 0, "end": 3, "label": "AGENCY"},
        {"start": 32, "end": 34, "label": "FACT.request"},
    ]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (item(0, 4, "南丰镇", "AGENCY", "r9"), r"w, region r9: AGENCY 0-4 says '南丰镇' but the task text there is '南丰镇2'"),
        (item(0, 3, "南丰镇", "AGENT", "r9"), "w, region r9: unknown label 'AGENT'"),
        (item(0, 99, "x", "AGENCY", "r9"), "outside the text"),
        ({**item(0, 3, "南丰镇", "AGENCY", "r9"), "value": {"start": 0, "end": 3, "labels": ["AGENCY", "YEAR"]}},
         "exactly one label"),
    ],
)  # fmt: skip
def test_result_spans_name_the_region_that_is_wrong(bad, message):
    with pytest.raises(AnnotationError, match=re.escape(message) if "'" in message else message):
        result_spans(TEXT, [bad], "w")


def test_overlapping_regions_are_an_error():
    with pytest.raises(AnnotationError, match="overlaps AGENCY 0-3"):
        result_spans(TEXT, [item(0, 3, "南丰镇", "AGENCY"), item(2, 7, "镇2022", "YEAR", "b")], "w")


def test_the_annotation_trained_on(tmp_path):
    tasks = [
        export_task(TEXT, [item(0, 3, "南丰镇", "AGENCY")], tid=1),
        {"id": 2, "data": {"text": TEXT}, "annotations": [
            {"id": 5, "was_cancelled": True, "result": [item(0, 3, "南丰镇", "AGENCY")]},
            {"id": 6, "result": [item(3, 7, "2022", "YEAR")]},
            {"id": 7, "ground_truth": True, "result": [item(32, 34, "12", "FACT.request")]},
        ]},
        {"id": 3, "data": {"text": TEXT}, "annotations": [{"id": 8, "was_cancelled": True, "result": []}]},
        {"id": 4, "data": {"text": TEXT}, "annotations": []},
    ]  # fmt: skip
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    records = load_annotations(tmp_path)
    assert [r["id"] for r in records] == ["batch:1", "batch:2"]
    assert records[1]["spans"] == [{"start": 32, "end": 34, "label": "FACT.request"}]  # the ground truth


def test_read_export_rejects_what_is_not_an_export(tmp_path):
    (tmp_path / "a.json").write_text('{"text": "no data"}', encoding="utf-8")
    with pytest.raises(AnnotationError, match="item 0 is not a task"):
        read_export(tmp_path / "a.json")
    (tmp_path / "b.json").write_text("[", encoding="utf-8")
    with pytest.raises(AnnotationError, match="not a Label Studio JSON export"):
        read_export(tmp_path / "b.json")
    with pytest.raises(AnnotationError, match="no such file"):
        load_annotations(tmp_path / "missing.json")


def test_convert_writes_records_dataset_and_bio_tags(tmp_path):
    from datasets import load_from_disk

    from gkml.training.data import char_tags

    src = tmp_path / "exports"
    src.mkdir()
    text = "𠀾𡘙" + TEXT
    tasks = [export_task(text, [item(2, 5, "南丰镇", "AGENCY"), item(34, 36, "12", "FACT.request", "b")])]
    (src / "one.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    stats = convert([src], tmp_path / "out")
    assert (stats.files, stats.tasks, stats.records, stats.spans) == (1, 1, 1, 2)
    (record,) = [
        json.loads(line)
        for line in (tmp_path / "out" / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert record["id"] == "one:7" and record["text"] == text
    assert [record["text"][s["start"] : s["end"]] for s in record["spans"]] == ["南丰镇", "12"]
    ds = load_from_disk(str(tmp_path / "out" / "dataset"))
    assert ds.column_names == ["id", "text", "spans", "tags"]
    tags = ds[0]["tags"]
    assert tags == char_tags(text, record["spans"])
    assert tags[:6] == ["O", "O", "B-AGENCY", "I-AGENCY", "I-AGENCY", "O"]


def test_ls_convert_command_fails_naming_task_and_region(tmp_path, capsys):
    tasks = [export_task(TEXT, [item(0, 3, "南丰", "AGENCY", "r5")], tid=42)]
    (tmp_path / "bad.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert main(["ls", "convert", str(tmp_path / "bad.json"), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "bad.json: task 42, annotation 1, region r5" in err and "'南丰镇'" in err
    assert not (tmp_path / "out").exists()


def test_push_and_pull_need_a_url_and_key(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    assert main(["ls", "pull", "-o", str(tmp_path / "x.json")]) == 1
    assert "LABEL_STUDIO_URL" in capsys.readouterr().err
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:1")
    assert main(["ls", "pull", "-o", str(tmp_path / "x.json")]) == 1
    assert "LABEL_STUDIO_API_KEY" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# annotations/: the seeds and the fragments, complete and agreeing with their gold

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
    if not (SHARED / "real").is_dir():
        pytest.skip("../shared is not next to this checkout")
    for stem in REAL_IDS:
        for suffix in (".txt", ".gold.json"):
            assert (REAL / f"{stem}{suffix}").read_bytes() == (
                SHARED / "real" / f"{stem}{suffix}"
            ).read_bytes()


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


def test_annotations_agree_with_the_training_loader():
    """gkml.training.data reads annotations/ itself (kind: labelstudio); it must see the same spans."""
    data = pytest.importorskip("gkml.training.data")
    if not hasattr(data, "labelstudio_records"):
        pytest.skip("gkml.training.data has no labelstudio_records")
    theirs = {r["id"]: r["spans"] for r in data.labelstudio_records(ANNOTATIONS)}
    ours = {r["id"]: r["spans"] for r in load_annotations(ANNOTATIONS)}
    assert theirs.keys() == ours.keys() and len(ours) == 15
    for k in ours:
        assert sorted(theirs[k], key=lambda s: (s["start"], s["end"])) == ours[k]


def test_annotations_readme_lists_the_corrections():
    readme = (ANNOTATIONS / "README.md").read_text(encoding="utf-8")
    for doc_id in ("000_7cbeb50e901d1ece", "002_9d98c4465ad221fa", "P09", "P13", "P15", "P16", "P19"):
        assert doc_id in readme


def test_annotation_sources_are_in_the_repository(docs):
    for d in docs.values():
        assert not Path(d["source"]).is_absolute() and (ROOT / d["source"]).is_file()
