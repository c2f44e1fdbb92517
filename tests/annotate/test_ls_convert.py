"""``gkml ls convert``: Label Studio exports → a training dataset (records, datasets, BIO tags)."""

from __future__ import annotations

import json

from test_ls_export import TEXT, export_task, item

from gkml.cli import main
from gkml.training.annotations import convert


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
