"""Label Studio exports → a training dataset on disk (``gkml ls convert``), read through the
one export reader, :mod:`gkml.annotate.export`, as a ``kind: labelstudio`` source is.

It lives with training, not with annotation, because it writes the training format (IOB2
tags, the synthetic corpus layout): annotation knows nothing of training.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gkml.annotate.export import AnnotatedRecord, AnnotationError, expand_exports, export_records, read_export


@dataclass
class ConvertStats:
    files: int
    tasks: int
    records: int
    spans: int
    empty_tasks: int  # tasks without a completed annotation
    out: str


def _tagged_row(r: dict[str, Any]) -> dict[str, Any]:
    from gkml.training.data import char_tags

    return {"id": r["id"], "text": r["text"], "spans": r["spans"], "tags": char_tags(r["text"], r["spans"])}


def convert(paths: Iterable[str | Path], out: str | Path) -> ConvertStats:
    """Label Studio exports → the training dataset format: ``OUT/reports.jsonl`` (one record
    per annotated report, character spans) and ``OUT/dataset`` (``datasets.save_to_disk``
    with ``id``, ``text``, ``spans`` and ``tags``, the per-character IOB2 tags of
    :func:`gkml.training.data.char_tags`). It is the layout of a ``gkml synth`` corpus, so a
    config can also read it as ``kind: synth, path: OUT``. Nothing is written unless every
    export reads clean."""
    from datasets import Features, List, Value

    from gkml.training.data import report_features
    from gkml.training.synth.corpus import save

    files = expand_exports(paths)
    records: list[AnnotatedRecord] = []
    n_tasks = 0
    for file in files:
        tasks = read_export(file)
        n_tasks += len(tasks)
        records += export_records(file, tasks)
    if not records:
        raise AnnotationError(f"no completed annotations in {', '.join(map(str, files)) or 'no files'}")
    features = Features({**report_features(), "tags": List(Value("string"))})
    save(
        records, Path(out), progress=False, row=_tagged_row, features=features
    )  # a bar for a few dozen reports is noise
    return ConvertStats(
        files=len(files),
        tasks=n_tasks,
        records=len(records),
        spans=sum(len(r["spans"]) for r in records),
        empty_tasks=n_tasks - len(records),
        out=str(out),
    )
