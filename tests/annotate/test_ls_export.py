"""The one Label Studio export reader (gkml.annotate.export), which ``gkml ls convert`` and
training both read through: which annotation of a task is trained on, and every region
checked, with errors naming the file, the task, the annotation and the region."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gkml.annotate.export import (
    AnnotationError,
    chosen_annotation,
    load_annotations,
    read_export,
    result_spans,
)


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


def write(tmp_path: Path, tasks: list[dict], name: str = "batch.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def trained_spans(tmp_path: Path, annotations: list[dict]) -> list[dict]:
    """The spans training gets from one task with these annotations."""
    (record,) = load_annotations(
        write(tmp_path, [{"id": 3, "data": {"text": TEXT}, "annotations": annotations}])
    )
    return record["spans"]


AGENCY = item(0, 3, "南丰镇", "AGENCY")
YEAR = item(3, 7, "2022", "YEAR")
COUNT = item(32, 34, "12", "FACT.request")


def test_ground_truth_wins_over_a_later_annotation(tmp_path):
    spans = trained_spans(tmp_path, [
        {"id": 1, "ground_truth": True, "updated_at": "2026-11-23T10:00:00.000000Z", "result": [AGENCY]},
        {"id": 2, "ground_truth": False, "updated_at": "2026-11-24T10:00:00.000000Z", "result": [YEAR]},
    ])  # fmt: skip
    assert spans == [{"start": 0, "end": 3, "label": "AGENCY"}]


def test_of_several_annotations_the_latest_wins(tmp_path):
    spans = trained_spans(tmp_path, [
        {"id": 1, "created_at": "2026-11-23T10:00:00Z", "updated_at": "2026-11-25T09:00:00.5Z", "result": [AGENCY]},
        {"id": 2, "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z", "result": [YEAR]},
        {"id": 3, "created_at": "2026-11-22T10:00:00Z", "result": [COUNT]},
    ])  # fmt: skip
    assert spans == [{"start": 0, "end": 3, "label": "AGENCY"}]  # updated last, though created first


def test_latest_falls_back_to_created_at_then_to_the_id():
    by_created = {"annotations": [
        {"id": 9, "created_at": "2026-11-23T10:00:00Z"},
        {"id": 1, "created_at": "2026-11-24T10:00:00Z"},
    ]}  # fmt: skip
    assert chosen_annotation(by_created)["id"] == 1
    assert chosen_annotation({"annotations": [{"id": 4}, {"id": 7}, {"id": 5}]})["id"] == 7


def test_times_with_and_without_a_zone_compare():
    task = {"annotations": [
        {"id": 1, "updated_at": "2026-11-24T10:00:00"},  # no zone: read as UTC
        {"id": 2, "updated_at": "2026-11-24T11:00:00+02:00"},  # 09:00 UTC
    ]}  # fmt: skip
    assert chosen_annotation(task)["id"] == 1


def test_cancelled_annotations_are_ignored(tmp_path):
    spans = trained_spans(tmp_path, [
        {"id": 1, "updated_at": "2026-11-23T10:00:00Z", "result": [YEAR]},
        {"id": 2, "was_cancelled": True, "updated_at": "2026-11-24T10:00:00Z", "result": [AGENCY]},
        {"id": 3, "was_cancelled": True, "ground_truth": True, "result": [COUNT]},
    ])  # fmt: skip
    assert spans == [{"start": 3, "end": 7, "label": "YEAR"}]
    assert chosen_annotation({"annotations": [{"id": 1, "was_cancelled": True}]}) is None


def test_a_task_without_a_completed_annotation_is_skipped(tmp_path):
    path = write(tmp_path, [
        {"id": 1, "data": {"text": TEXT}, "annotations": [{"id": 2, "was_cancelled": True, "result": [AGENCY]}]},
        {"id": 2, "data": {"text": TEXT}},
    ])  # fmt: skip
    assert load_annotations(path) == []


def load_error(tmp_path: Path, result: list[dict]) -> str:
    """The message of the error reading one task (id 42) whose annotation (id 5) has ``result``."""
    path = write(tmp_path, [{"id": 42, "data": {"text": TEXT}, "annotations": [{"id": 5, "result": result}]}])
    with pytest.raises(AnnotationError) as e:
        load_annotations(path)
    return str(e.value)


def test_overlapping_regions_name_file_task_and_both_regions(tmp_path):
    message = load_error(tmp_path, [item(0, 3, "南丰镇", "AGENCY", "r1"), item(2, 7, "镇2022", "YEAR", "r2")])
    assert message.startswith(f"{tmp_path / 'batch.json'}: task 42, annotation 5, region r2: ")
    assert "YEAR 2-7 '镇2022' overlaps AGENCY 0-3 '南丰镇' (region r1)" in message


def test_one_span_with_two_labels_is_an_overlap(tmp_path):
    message = load_error(tmp_path, [item(0, 3, "南丰镇", "AGENCY", "r1"), item(0, 3, "南丰镇", "YEAR", "r2")])
    assert "task 42, annotation 5, region r2: YEAR 0-3" in message
    assert "overlaps AGENCY 0-3" in message


def test_regions_that_only_touch_do_not_overlap(tmp_path):
    (record,) = load_annotations(
        write(
            tmp_path,
            [{"id": 1, "data": {"text": TEXT}, "annotations": [{"id": 1, "result": [AGENCY, YEAR]}]}],
        )
    )
    assert [s["label"] for s in record["spans"]] == ["AGENCY", "YEAR"]


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        (-1, 3, "span -1-3 starts before the text (start -1 < 0)"),
        (30, 99, f"span 30-99 ends after the text (end 99 > length {len(TEXT)})"),
        (7, 3, "span 7-3 is empty or reversed (start 7 >= end 3)"),
        (3, 3, "span 3-3 is empty or reversed (start 3 >= end 3)"),
    ],
)
def test_out_of_range_offsets_name_file_task_region_and_offsets(tmp_path, start, end, says):
    bad = {"id": "r7", "type": "labels", "value": {"start": start, "end": end, "labels": ["AGENCY"]}}
    message = load_error(tmp_path, [bad])
    assert message == f"{tmp_path / 'batch.json'}: task 42, annotation 5, region r7: {says}"


def test_offsets_that_are_not_integers_are_an_error(tmp_path):
    bad = {"id": "r7", "value": {"start": "0", "end": 3, "labels": ["AGENCY"]}}
    assert "region r7: start/end are not character offsets" in load_error(tmp_path, [bad])


def test_a_region_with_two_labels_is_an_error(tmp_path):
    bad = {"id": "r7", "value": {"start": 0, "end": 3, "text": "南丰镇", "labels": ["AGENCY", "YEAR"]}}
    message = load_error(tmp_path, [bad])
    assert message == (
        f"{tmp_path / 'batch.json'}: task 42, annotation 5, region r7: needs exactly one label, has ['AGENCY', 'YEAR']"
    )


def test_a_region_without_a_label_is_an_error(tmp_path):
    bad = {"id": "r7", "value": {"start": 0, "end": 3, "labels": []}}
    assert "region r7: needs exactly one label, has []" in load_error(tmp_path, [bad])


def test_a_task_without_text_is_an_error(tmp_path):
    path = write(
        tmp_path, [{"id": 8, "data": {"a": "x", "b": "y"}, "annotations": [{"id": 1, "result": []}]}]
    )
    with pytest.raises(AnnotationError, match=re.escape(f"{path}: task 8: no data.text")):
        load_annotations(path)


def test_folders_are_read_sorted_without_hidden_files(tmp_path):
    task = {"id": 1, "data": {"text": TEXT}, "annotations": [{"id": 1, "result": [AGENCY]}]}
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / "sub", [task], "b.json")
    write(tmp_path, [task], "a.json")
    write(tmp_path / ".hidden", [task], "c.json")
    assert [r["id"] for r in load_annotations(tmp_path)] == ["a:1", "b:1"]
    assert [r["id"] for r in load_annotations([tmp_path / "a.json", tmp_path])] == ["a:1", "b:1"]


# ---------------------------------------------------------------------------
# Training reads exports through this reader


def ls_task(text: str, regions: list[tuple[int, int, str]], tid: int = 1, **value_extra) -> dict:
    return {
        "id": tid,
        "data": {"text": text},
        "annotations": [
            {"was_cancelled": True, "result": []},
            {
                "result": [
                    {
                        "type": "labels",
                        "from_name": "label",
                        "to_name": "text",
                        "value": {"start": s, "end": e, "labels": [lab], "text": text[s:e], **value_extra},
                    }
                    for s, e, lab in regions
                ]
                + [{"type": "choices", "value": {"choices": ["ok"]}}]
            },
        ],
    }


def test_labelstudio_export_to_records(tmp_path):
    text = "某镇2023年政府信息公开工作年度报告"
    export = [
        ls_task(text, [(2, 6, "YEAR"), (0, 2, "AGENCY")]),
        {"id": 2, "data": {"text": "未标注"}, "annotations": []},
    ]
    (tmp_path / "a.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    records = load_annotations(tmp_path)
    assert records == [
        {
            "id": "a:1",
            "text": text,
            "spans": [{"start": 0, "end": 2, "label": "AGENCY"}, {"start": 2, "end": 6, "label": "YEAR"}],
            "doc_id": None,
            "source": None,
        }
    ]
    bad = [ls_task(text, [(2, 6, "Year")])]
    (tmp_path / "a.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown label 'Year'"):
        load_annotations(tmp_path / "a.json")
    shifted = ls_task(text, [(2, 6, "YEAR")])
    shifted["annotations"][1]["result"][0]["value"]["text"] = "023年"
    (tmp_path / "a.json").write_text(json.dumps([shifted]), encoding="utf-8")
    with pytest.raises(ValueError, match="YEAR 2-6 says '023年'"):
        load_annotations(tmp_path)
    with pytest.raises(ValueError, match="no such file"):
        load_annotations(tmp_path / "missing")


def test_a_labelstudio_training_source_trains_on_the_chosen_annotation(tmp_path):
    pytest.importorskip("datasets")
    from gkml.training.config import Source
    from gkml.training.data import load_source

    write(tmp_path, [{"id": 3, "data": {"text": TEXT}, "annotations": [
        {"id": 1, "updated_at": "2026-11-23T10:00:00Z", "result": [AGENCY]},
        {"id": 2, "updated_at": "2026-11-24T10:00:00Z", "result": [YEAR, COUNT]},
    ]}])  # fmt: skip
    table = load_source(Source(kind="labelstudio", path=str(tmp_path)), tmp_path / "cache")
    assert table["id"] == ["batch:3"]
    assert table[0]["spans"] == [
        {"start": 3, "end": 7, "label": "YEAR"},
        {"start": 32, "end": 34, "label": "FACT.request"},
    ]
