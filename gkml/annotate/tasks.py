"""Label Studio import tasks: a report's normalised text with the labeller's reading as a
pre-annotation, so a person corrects a reading instead of labelling ~200 cells from nothing.

Offsets: Label Studio stores a text region's ``start``/``end`` in Unicode code points of
the task text (measured with 1.23.2, in the browser too), which are exactly Python ``str``
indices, so a :class:`gkml.labels.Span` becomes a region without conversion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from gkml.annotate.config import DATA_KEY, FROM_NAME, TO_NAME
from gkml.labels import Span


def region(text: str, span: Span, rid: str) -> dict[str, Any]:
    """One Label Studio text region (a result item) for a non-empty span."""
    if not 0 <= span.start < span.end <= len(text):
        raise ValueError(
            f"span {span.start}-{span.end} {span.label} is empty or outside the text (length {len(text)})"
        )
    return {
        "id": rid,
        "from_name": FROM_NAME,
        "to_name": TO_NAME,
        "type": "labels",
        "origin": "prediction",
        "value": {
            "start": span.start,
            "end": span.end,
            "text": text[span.start : span.end],
            "labels": [span.label],
        },
        "score": round(float(span.score), 4),
    }


def regions(text: str, spans: Iterable[Span], prefix: str = "r") -> list[dict[str, Any]]:
    """Regions for every span with characters; a cell printed as nothing (a zero-length span)
    has no characters to highlight, so it cannot be a region and is left out."""
    kept = sorted((s for s in spans if s.end > s.start), key=lambda s: (s.start, s.end, s.label))
    return [region(text, s, f"{prefix}{i}") for i, s in enumerate(kept)]


def task_score(text: str, spans: Sequence[Span]) -> float:
    """How much to trust a pre-annotation: the mean span score times the share of the
    table identities that hold on the values it reads. Sorting tasks by prediction score
    in Label Studio then puts first the reports whose reading breaks an identity — the
    ones a person must look at."""
    from gkml.assemble.checks import run_checks
    from gkml.assemble.report import assemble

    scores = [s.score for s in spans if s.end > s.start]
    mean = sum(scores) / len(scores) if scores else 0.0
    report = assemble(text, list(spans))
    checks = [
        c
        for c in run_checks({k: v.value for k, v in report.cells.items()}, report.template)
        if c.severity == "error"
    ]
    held = sum(c.ok for c in checks) / len(checks) if checks else 1.0
    return round(mean * held, 4)


def make_task(
    text: str,
    doc_id: str,
    source: str,
    spans: Sequence[Span] | None = None,
    model_version: str | None = None,
) -> dict[str, Any]:
    """A Label Studio import task: the normalised text, and (with ``spans``) one prediction."""
    task: dict[str, Any] = {"data": {DATA_KEY: text, "doc_id": doc_id, "source": source}}
    if spans is not None:
        task["predictions"] = [
            {
                "model_version": model_version or "rules",
                "score": task_score(text, spans),
                "result": regions(text, spans),
            }
        ]
    return task


def tasks_from_paths(
    paths: Sequence[str], engine: str = "rules", model: str | None = None, predictions: bool = True
) -> tuple[list[dict[str, Any]], list[str]]:
    """One task per readable input (``doc_id`` = file name without extension, as gold files
    are keyed) and the error message of every input that could not be read. A model labels
    all the texts in one batched call. ``model`` (a trained model directory) with the
    default engine means the model engine on it: the rules take no model."""
    from gkml.engines import engine_name, get_labeller, label_many
    from gkml.io.document import IngestError
    from gkml.io.ingest import ingest
    from gkml.predict import doc_id_of, expand_inputs

    docs, errors = [], []
    for path in expand_inputs(paths):
        try:
            docs.append((path, ingest(path).text))
        except IngestError as e:
            errors.append(f"{path}: {e}")
    if not predictions:
        return [make_task(text, doc_id_of(path), path) for path, text in docs], errors
    if model is not None and engine == "rules":
        engine = "model"
    labeller = get_labeller(engine, model)
    version = engine_name(engine, labeller)
    spans = label_many(labeller, [text for _, text in docs])
    tasks = [
        make_task(text, doc_id_of(path), path, s, version)
        for (path, text), s in zip(docs, spans, strict=True)
    ]
    return tasks, errors
