"""Label Studio import tasks with pre-annotations: regions, the task score, ``gkml ls tasks``."""

from __future__ import annotations

import json

import pytest
from conftest import SAMPLES

from gkml.annotate.config import label_config
from gkml.annotate.tasks import make_task, regions, task_score, tasks_from_paths
from gkml.cli import main
from gkml.io.ingest import ingest
from gkml.labels import Span
from gkml.rules import label

SEED_IDS = sorted(p.stem for p in SAMPLES.glob("*.txt"))


def label_interface(config: str):
    from label_studio_sdk.label_interface import LabelInterface

    return LabelInterface(config)


def seed_text(stem: str) -> str:
    return ingest(str(SAMPLES / f"{stem}.txt")).text


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
    assert pred["model_version"] == "rules"
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
        assert pred["model_version"] == "rules"
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
    with pytest.raises(ValueError, match="no config.json"):
        tasks_from_paths([str(SAMPLES)], model=str(tmp_path))
    with pytest.raises(SystemExit) as e:  # argparse refuses an engine it does not know
        main(["ls", "tasks", str(SAMPLES), "--engine", "nope", "-o", str(tmp_path / "t.json")])
    assert e.value.code == 2
