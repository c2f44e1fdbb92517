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

Every document is bounded: reading takes at most the size limit plus one byte of a regular file
and at most ``max_chars`` characters of text (:mod:`gkml.io.ingest`), and each stage of it, reading
and labelling, gets ``timeout`` seconds (:func:`time_limit`) before it becomes an error record.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gkml.assemble.report import assemble
from gkml.engines import DEFAULT_ENGINE, Labeller, engine_name, get_labeller, label_many
from gkml.io.document import Document, IngestError
from gkml.io.ingest import MAX_BYTES, MAX_CHARS, ingest, source_name
from gkml.io.inputs import scan_inputs
from gkml.labels import Span
from gkml.schema import OcrSummary, Report

DOCS_PER_CHUNK = 16  # documents labelled per batched call: enough windows to sort, a lively progress bar
# Seconds each stage of one document (reading, labelling) may take: a report takes seconds, a
# 2-million-character text about a minute with the model, a 100-page scan 10 minutes of OCR.
TIMEOUT = 900.0


def expand_inputs(patterns: Iterable[str]) -> list[str]:
    """Files, directories (recursively, sorted) and globs, in the order given, without repeats;
    a directory scan takes the report files only (:func:`gkml.io.inputs.scan_inputs`, which also
    says what it skipped). A pattern that matches nothing is kept, so it gets its error record."""
    return scan_inputs(list(patterns)).paths


class DocumentTimeout(BaseException):
    """A stage of one document ran past its time limit. A BaseException, like KeyboardInterrupt,
    so the ``except Exception`` of a reader or labeller cannot swallow it."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`DocumentTimeout` in the block once ``seconds`` have passed (SIGALRM).

    Python checks for the signal between bytecodes, so pure-Python work (parsers, regexes,
    the model's batches between forward passes) stops within moments. No limit without a
    positive ``seconds``, off the main thread (a Ray actor, a server thread) or without SIGALRM."""
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):  # fmt: skip
        yield
        return

    def expired(signum, frame):
        raise DocumentTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _timed_out(stage: str, seconds: float) -> str:
    return f"timed out: {stage} took more than {seconds:g} s (--timeout)"


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
        return assemble(doc.text, spans, doc_id=doc_id, source=doc.source, input_kind=doc.kind, engine=engine, ocr=ocr,
                        locate=doc.locate if doc.boxes is not None else None)
    except Exception as e:  # a bug must cost one record, not the batch
        return Report.failed(doc_id, doc.source, f"internal error: {type(e).__name__}: {e}", doc.kind)


def read_input(path: str, max_bytes: int = MAX_BYTES, max_chars: int = MAX_CHARS,
               timeout: float | None = None) -> Document | Report:  # fmt: skip
    """The ingested document, or the error record of an input that cannot be read (in time)."""
    source = source_name(path)
    try:
        with time_limit(timeout):
            return ingest(path, max_bytes=max_bytes, max_chars=max_chars)
    except IngestError as e:
        return Report.failed(doc_id_of(source), source, str(e))
    except DocumentTimeout:
        return Report.failed(doc_id_of(source), source, _timed_out("reading", timeout or 0))
    except Exception as e:  # an ingest bug must cost one record, not the batch
        return Report.failed(doc_id_of(source), source, f"internal error: {type(e).__name__}: {e}")


def predict_one(path: str, labeller: Labeller, engine: str, max_bytes: int = MAX_BYTES,
                timeout: float | None = None) -> Report:  # fmt: skip
    doc = read_input(path, max_bytes, timeout=timeout)
    if isinstance(doc, Report):
        return doc
    return predict_docs([doc], labeller, engine, timeout=timeout)[0]


def _label_alone(labeller: Labeller, doc: Document, timeout: float | None) -> list[Span] | BaseException:
    """One document's spans, or what stopped them (its own time limit included)."""
    try:
        with time_limit(timeout):
            return labeller(doc.text)
    except (Exception, DocumentTimeout) as e:
        return e


def predict_docs(
    items: Sequence[Document | Report],
    labeller: Labeller,
    engine: str,
    timings: Timings | None = None,
    timeout: float | None = None,
) -> list[Report]:
    """Reports of a chunk of ingested documents (error records pass through), in order.

    The texts are labelled in one batched call; if that call fails or runs past ``timeout``,
    each document is labelled alone, with a limit of its own, so only the one that fails or
    runs away gets an error record."""
    timings = timings if timings is not None else Timings()
    docs = [d for d in items if isinstance(d, Document)]
    t0 = time.perf_counter()
    labelled: list[list[Span] | BaseException]
    if len(docs) == 1:
        labelled = [_label_alone(labeller, docs[0], timeout)]
    else:
        try:
            with time_limit(timeout):
                labelled = list(label_many(labeller, [d.text for d in docs]))
        except (Exception, DocumentTimeout):
            labelled = [_label_alone(labeller, d, timeout) for d in docs]
    timings.label += time.perf_counter() - t0
    out: list[Report] = []
    spans_of = iter(labelled)
    t0 = time.perf_counter()
    for item in items:
        if isinstance(item, Report):
            out.append(item)
            continue
        spans = next(spans_of)
        doc_id = doc_id_of(item.source)
        if isinstance(spans, DocumentTimeout):
            out.append(Report.failed(doc_id, item.source, _timed_out("labelling", timeout or 0), item.kind))
        elif isinstance(spans, BaseException):
            out.append(Report.failed(doc_id, item.source, f"internal error: {type(spans).__name__}: {spans}", item.kind))
        else:
            try:
                with time_limit(timeout):
                    out.append(finish(item, spans, engine))
            except DocumentTimeout:
                out.append(Report.failed(doc_id, item.source, _timed_out("assembling", timeout or 0), item.kind))
        out[-1].warnings = list(item.warnings) + out[-1].warnings  # the reader's, then the assembler's
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
    max_chars: int = MAX_CHARS,
    timeout: float | None = None,
) -> Iterator[Report]:
    """One Report per path, in order, read in chunks of ``docs_per_chunk`` documents, each
    stage of each document within ``timeout`` seconds (no limit by default: the CLI sets one).

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
            items = [read_input(p, max_bytes, max_chars, timeout) for p in paths[i : i + chunk]]
            timings.ingest += time.perf_counter() - t0
            yield from predict_docs(items, labeller, name, timings, timeout)
            if bar is not None:
                bar.update(len(items))
                rate = timings.chars / max(time.perf_counter() - started, 1e-9)
                bar.set_postfix_str(f"{rate:,.0f} chars/s", refresh=False)
    finally:
        if bar is not None:
            bar.close()
