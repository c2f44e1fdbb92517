"""The one reader of Label Studio JSON exports: both ``gkml ls convert`` and training (a
``kind: labelstudio`` source) read annotations through :func:`load_annotations`, so an
annotator's correction reaches training exactly as the converted dataset shows it.

Which annotation a task is trained on: of its completed (not cancelled) annotations, the
one marked ground truth, else the latest (``updated_at``, then ``created_at``, then the
higher ``id``, as Label Studio 1.23.2 writes them). A reviewer's pick outranks recency;
among the rest, the last save is the one a person corrected last.

Every region is checked before it reaches training: exactly one known label, offsets inside
the text (Label Studio's offsets are code points, Python ``str`` indices), its recorded
``text`` equal to ``text[start:end]``, no overlap with another region (BIO tags could not
hold both). A failure names the file, the task, the annotation and the region.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gkml.annotate.config import DATA_KEY
from gkml.labels import ENTITY_TYPES, SpanRecord, TrainingRecord

log = logging.getLogger(__name__)

_ENTITY_SET = frozenset(ENTITY_TYPES)
_NEVER = datetime.min.replace(tzinfo=UTC)


class AnnotationError(ValueError):
    """An export that cannot be trained on; the message names the file, task and region."""


class AnnotatedRecord(TrainingRecord, total=False):
    """A training record read from an export, with the task's ``doc_id`` and ``source``
    (the report it was made from), which the training tables leave aside."""

    doc_id: str | None
    source: str | None


def read_export(path: str | Path) -> list[dict[str, Any]]:
    """The tasks of one Label Studio JSON export (a list of tasks, or one task)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AnnotationError(f"{path}: not a Label Studio JSON export: {e}") from None
    tasks = data if isinstance(data, list) else [data]
    for i, task in enumerate(tasks):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise AnnotationError(f"{path}: item {i} is not a task (an object with 'data')")
    return tasks


def task_text(task: dict[str, Any]) -> str | None:
    """The text a task's regions index: ``data.text``, or the only string of a task whose
    data field has another name (a project with its own config)."""
    data = task.get("data") or {}
    if isinstance(data.get(DATA_KEY), str):
        return data[DATA_KEY]
    texts = [v for v in data.values() if isinstance(v, str)]
    return texts[0] if len(texts) == 1 else None


def _when(annotation: dict[str, Any]) -> datetime:
    """When an annotation was last saved; an annotation without a readable time is the oldest."""
    for key in ("updated_at", "created_at"):
        value = annotation.get(key)
        if isinstance(value, str):
            try:
                t = datetime.fromisoformat(value)
            except ValueError:
                continue
            return t if t.tzinfo else t.replace(tzinfo=UTC)
    return _NEVER


def _rank(annotation: dict[str, Any]) -> tuple[bool, datetime, int]:
    aid = annotation.get("id")
    return bool(annotation.get("ground_truth")), _when(annotation), aid if isinstance(aid, int) else -1


def chosen_annotation(task: dict[str, Any]) -> dict[str, Any] | None:
    """The annotation to train on: the ground-truth one, else the latest completed one;
    None when every annotation was cancelled (skipped) or there is none."""
    done = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if not done:
        return None
    chosen = max(done, key=_rank)
    if len(done) > 1:
        log.debug(
            "task %s: %d completed annotations, training on %s (%s)",
            task.get("id", "?"),
            len(done),
            chosen.get("id", "?"),
            "ground truth" if chosen.get("ground_truth") else "latest",
        )
    return chosen


def _offsets(value: dict[str, Any], text: str, rid: str) -> tuple[int, int]:
    """A region's ``(start, end)``, checked to be a non-empty range inside the text."""
    start, end = value["start"], value["end"]
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        raise AnnotationError(f"{rid}: start/end are not character offsets: {value!r}")
    if start < 0:
        raise AnnotationError(f"{rid}: span {start}-{end} starts before the text (start {start} < 0)")
    if end > len(text):
        raise AnnotationError(
            f"{rid}: span {start}-{end} ends after the text (end {end} > length {len(text)})"
        )
    if start >= end:
        raise AnnotationError(f"{rid}: span {start}-{end} is empty or reversed (start {start} >= end {end})")
    return start, end


def result_spans(text: str, result: Iterable[dict[str, Any]], where: str) -> list[SpanRecord]:
    """Checked character spans ``{start, end, label}`` of a result list, sorted.

    Every text region must carry exactly one known label, lie inside the text and, when it
    records its ``text``, match ``text[start:end]`` exactly; regions may not overlap. Items
    that are not text regions (a choice, a comment) are skipped; a region listed twice
    counts once. ``where`` (file, task, annotation) begins every error message.
    """
    spans: dict[tuple[int, int, str], str] = {}
    for n, item in enumerate(result):
        if not isinstance(item, dict):
            raise AnnotationError(f"{where}, result item {n}: not an object: {item!r}")
        value = item.get("value")
        if not isinstance(value, dict) or not {"start", "end", "labels"} <= value.keys():
            continue
        rid = f"{where}, region {item.get('id', n)}"
        start, end = _offsets(value, text, rid)
        labels = value["labels"]
        if not isinstance(labels, list) or len(labels) != 1:
            raise AnnotationError(f"{rid}: needs exactly one label, has {labels!r}")
        label = labels[0]
        if label not in _ENTITY_SET:
            raise AnnotationError(f"{rid}: unknown label {label!r} (see `gkml labels`)")
        if "text" in value and value["text"] != text[start:end]:
            raise AnnotationError(
                f"{rid}: {label} {start}-{end} says {value['text']!r} but the task text there is {text[start:end]!r}"
            )
        spans.setdefault((start, end, label), rid)
    ordered = sorted(spans)
    # sorted by start, any overlap shows between neighbours
    for (s1, e1, l1), (s2, e2, l2) in zip(ordered, ordered[1:], strict=False):
        if s2 < e1:
            raise AnnotationError(
                f"{spans[(s2, e2, l2)]}: {l2} {s2}-{e2} {text[s2:e2]!r} overlaps {l1} {s1}-{e1} {text[s1:e1]!r}"
                f" ({spans[(s1, e1, l1)].rsplit(', ', 1)[-1]})"
            )
    return [{"start": s, "end": e, "label": lab} for s, e, lab in ordered]


def export_records(path: str | Path, tasks: list[dict[str, Any]] | None = None) -> list[AnnotatedRecord]:
    """Training records of one export file (``tasks``: its tasks, if read already); tasks
    without a completed annotation are skipped (not labelled yet). ``id`` is
    ``FILESTEM:TASKID``."""
    path = Path(path)
    records: list[AnnotatedRecord] = []
    for i, task in enumerate(read_export(path) if tasks is None else tasks):
        tid = task.get("id", i)
        where = f"{path}: task {tid}"
        text = task_text(task)
        if text is None:
            raise AnnotationError(f"{where}: no data.{DATA_KEY}")
        ann = chosen_annotation(task)
        if ann is None:
            continue
        result = ann.get("result") or []
        if not isinstance(result, list):
            raise AnnotationError(f"{where}, annotation {ann.get('id', '?')}: result is not a list")
        spans = result_spans(text, result, f"{where}, annotation {ann.get('id', '?')}")
        data = task["data"]
        records.append(
            {
                "id": f"{path.stem}:{tid}",
                "text": text,
                "spans": spans,
                "doc_id": data.get("doc_id"),
                "source": data.get("source"),
            }
        )
    return records


def expand_exports(paths: Iterable[str | Path]) -> list[Path]:
    """Export files from files and folders (a folder: its *.json, recursively, sorted,
    hidden files and folders left out)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(
                q
                for q in p.rglob("*.json")
                if not any(part.startswith(".") for part in q.relative_to(p).parts)
            )
        elif p.is_file():
            files.append(p)
        else:
            raise AnnotationError(f"{p}: no such file or folder")
    return list(dict.fromkeys(files))


def load_annotations(paths: str | Path | Iterable[str | Path]) -> list[AnnotatedRecord]:
    """Checked training records from Label Studio JSON exports (files or folders): the
    record shape of the synthetic corpus, plus ``doc_id`` and ``source``."""
    if isinstance(paths, str | Path):
        paths = [paths]
    records: list[AnnotatedRecord] = []
    for file in expand_exports(paths):
        records += export_records(file)
    return records
