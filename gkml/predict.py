"""Batch prediction: paths → one checked Report per input, whatever the input is.

The contract that scripts rely on: exactly one JSON line per input, in input order, an
``error`` record (never an exception, never a silent skip) for anything that cannot be
read, and each line written whole so an interrupted run never leaves half a record (and
``--resume`` cuts off a trailing partial line before it appends).

Engines are labeller factories (:data:`ENGINES`): ``rules`` (the rule baseline) and
``model`` (a trained model directory, :mod:`gkml.model.predictor`). Both produce spans that
:func:`gkml.assemble.report.assemble` turns into the Report, so the two differ only in labelling.
Documents are read in chunks: a chunk's texts are labelled in one batched call (the model
runs the windows of all of them sorted by length), then assembled one by one.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gkml.assemble.report import assemble
from gkml.engines import DEFAULT_ENGINE, Labeller, engine_name, get_labeller, label_many
from gkml.io.document import Document, IngestError
from gkml.io.ingest import MAX_BYTES, ingest
from gkml.labels import Span
from gkml.schema import OcrSummary, Report

DOCS_PER_CHUNK = 16  # documents labelled per batched call: enough windows to sort, a lively progress bar


def expand_inputs(patterns: Iterable[str]) -> list[str]:
    """Files, directories (recursively, sorted) and globs, in the order given, without repeats.

    A pattern that matches nothing is kept as it is, so it gets its own error record.
    """
    seen: dict[str, None] = {}
    for pattern in patterns:
        if os.path.isdir(pattern):
            found = sorted(
                str(p)
                for p in Path(pattern).rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(pattern).parts)
            )
        elif glob.has_magic(pattern):
            found = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
            found = found or [pattern]
        else:
            found = [pattern]
        for path in found:
            seen.setdefault(path, None)
    return list(seen)


def doc_id_of(path: str) -> str:
    """The file name without its extension: what gold files (NAME.gold.json) are keyed by."""
    name = Path(path).name
    return name.split(".")[0] if not name.startswith(".") else name


# ---------------------------------------------------------------------------
# One document, many documents


@dataclass
class Timings:
    """Seconds spent per stage of a batch (the benchmark's breakdown), and its size."""

    ingest: float = 0.0
    label: float = 0.0
    assemble: float = 0.0
    docs: int = 0
    chars: int = 0
    extra: dict[str, float] = field(default_factory=dict)


def finish(doc: Document, spans: list[Span], engine: str) -> Report:
    """Spans of an ingested document → its Report (a bug costs this record, not the batch)."""
    doc_id = doc_id_of(doc.source)
    ocr = OcrSummary(doc.ocr.pages, round(doc.ocr.confidence, 4)) if doc.ocr is not None else None
    try:
        return assemble(doc.text, spans, doc_id=doc_id, source=doc.source, input_kind=doc.kind, engine=engine, ocr=ocr)
    except Exception as e:  # a bug must cost one record, not the batch
        return Report.failed(doc_id, doc.source, f"internal error: {type(e).__name__}: {e}", doc.kind)


def read_input(path: str, max_bytes: int = MAX_BYTES) -> Document | Report:
    """The ingested document, or the error record of an input that cannot be read."""
    try:
        return ingest(path, max_bytes=max_bytes)
    except IngestError as e:
        return Report.failed(doc_id_of(path), path, str(e))
    except Exception as e:  # an ingest bug must cost one record, not the batch
        return Report.failed(doc_id_of(path), path, f"internal error: {type(e).__name__}: {e}")


def predict_one(path: str, labeller: Labeller, engine: str, max_bytes: int = MAX_BYTES) -> Report:
    doc = read_input(path, max_bytes)
    if isinstance(doc, Report):
        return doc
    try:
        spans = labeller(doc.text)
    except Exception as e:
        return Report.failed(doc_id_of(path), path, f"internal error: {type(e).__name__}: {e}", doc.kind)
    return finish(doc, spans, engine)


def predict_docs(
    items: Sequence[Document | Report], labeller: Labeller, engine: str, timings: Timings | None = None
) -> list[Report]:
    """Reports of a chunk of ingested documents (error records pass through), in order.

    The texts are labelled in one batched call; if that call fails, each document is
    labelled alone so only the one that fails gets an error record."""
    timings = timings if timings is not None else Timings()
    docs = [d for d in items if isinstance(d, Document)]
    t0 = time.perf_counter()
    try:
        labelled = label_many(labeller, [d.text for d in docs])
    except Exception:
        labelled = []
        for d in docs:
            try:
                labelled.append(labeller(d.text))
            except Exception as e:
                labelled.append(e)
    timings.label += time.perf_counter() - t0
    out: list[Report] = []
    spans_of = iter(labelled)
    t0 = time.perf_counter()
    for item in items:
        if isinstance(item, Report):
            out.append(item)
            continue
        spans = next(spans_of)
        if isinstance(spans, Exception):
            out.append(Report.failed(doc_id_of(item.source), item.source,
                                     f"internal error: {type(spans).__name__}: {spans}", item.kind))  # fmt: skip
        else:
            out.append(finish(item, spans, engine))
        timings.chars += len(item.text)
    timings.assemble += time.perf_counter() - t0
    timings.docs += len(items)
    return out


def predict_paths(
    paths: Sequence[str],
    engine: str = DEFAULT_ENGINE,
    max_bytes: int = MAX_BYTES,
    progress: bool = False,
    model: str | Path | None = None,
    batch_size: int | None = None,
    quantize: bool = False,
    labeller: Labeller | None = None,
    timings: Timings | None = None,
    docs_per_chunk: int = DOCS_PER_CHUNK,
) -> Iterator[Report]:
    """One Report per path, in order, read in chunks of ``docs_per_chunk`` documents.

    ``engine``/``model``/``batch_size``/``quantize`` choose the labeller (loaded once), unless
    one is given. When the engine cannot be loaded (no trained model) the first ``next()``
    raises ValueError: that is the command failing, not an input (the CLI loads the labeller
    before it opens the output, so a failed start never truncates a previous run)."""
    if labeller is None:
        opts: dict[str, Any] = {}
        if engine != "rules":
            opts = {"quantize": quantize} | ({"batch_size": batch_size} if batch_size else {})
        labeller = get_labeller(engine, model, **opts)
    name = engine_name(engine, labeller)
    timings = timings if timings is not None else Timings()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(paths), unit="doc", desc=f"predict ({name})", dynamic_ncols=True, smoothing=0.1)
    started = time.perf_counter()
    chunk = max(1, docs_per_chunk) if hasattr(labeller, "label_many") else 1
    try:
        for i in range(0, len(paths), chunk):
            t0 = time.perf_counter()
            items = [read_input(p, max_bytes) for p in paths[i : i + chunk]]
            timings.ingest += time.perf_counter() - t0
            yield from predict_docs(items, labeller, name, timings)
            if bar is not None:
                bar.update(len(items))
                rate = timings.chars / max(time.perf_counter() - started, 1e-9)
                bar.set_postfix_str(f"{rate:,.0f} chars/s", refresh=False)
    finally:
        if bar is not None:
            bar.close()
