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

import csv
import glob
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gkml.assemble.report import assemble
from gkml.io.ingest import MAX_BYTES, Document, IngestError, ingest
from gkml.labels import Span
from gkml.schema import CELL_KEYS, OcrSummary, Report

Labeller = Callable[[str], list[Span]]
DEFAULT_MODEL = "models/gkml-small"
DEFAULT_ENGINE = "model"
DOCS_PER_CHUNK = 16  # documents labelled per batched call: enough windows to sort, a lively progress bar


def rules_labeller(**_: Any) -> Labeller:
    from gkml.rules.baseline import label

    return label


def model_labeller(model_dir: str | Path | None = None, **opts: Any) -> Labeller:
    """The model engine as a labeller: ``labeller(text) -> list[Span]``, with the batched
    ``labeller.label_many(texts) -> list[list[Span]]`` (a :class:`gkml.model.predictor.Predictor`).
    ``opts``: ``batch_size``, ``quantize``, ``threads``. Loaded once per process and options.
    Raises ValueError (with what to do) when ``model_dir`` holds no trained model."""
    from gkml.model.predictor import load_predictor

    return load_predictor(resolve_model_dir(model_dir), **opts)


RULES_PRIOR = 0.8  # a rule span in the hybrid engine: only a model span surer than this outranks it


class HybridLabeller:
    """The model's spans plus the rule baseline's, for assembly to choose from.

    Rule spans join as candidates with score :data:`RULES_PRIOR`: where the model is sure
    (and the identities agree) its reading wins; where it found nothing, or a reading that
    breaks an identity the rule reading satisfies, the rules win. Facts are the model's,
    plus the rule facts that overlap none of them (so no count is listed twice)."""

    def __init__(self, model: Labeller):
        from gkml.rules.baseline import label

        self.model, self.rules = model, label
        self.version = f"{getattr(model, 'version', 'model')}+rules"

    def __call__(self, text: str) -> list[Span]:
        return self.label_many([text])[0]

    def label_many(self, texts: list[str]) -> list[list[Span]]:
        return [self.merge(m, self.rules(t)) for t, m in zip(texts, label_many(self.model, texts), strict=True)]

    @staticmethod
    def merge(model: list[Span], rules: list[Span]) -> list[Span]:
        facts = [(s.start, s.end) for s in model if s.label.startswith("FACT.")]
        out = list(model)
        for s in rules:
            if s.label.startswith("FACT.") and any(a < s.end and s.start < b for a, b in facts):
                continue
            out.append(Span(s.start, s.end, s.label, min(s.score, RULES_PRIOR)))
        return sorted(out, key=lambda s: (s.start, s.end, s.label))


def hybrid_labeller(model_dir: str | Path | None = None, **opts: Any) -> Labeller:
    """The model engine with the rule spans as fallback candidates (:class:`HybridLabeller`)."""
    return HybridLabeller(model_labeller(model_dir, **opts))


ENGINES: dict[str, Callable[..., Labeller]] = {
    "rules": rules_labeller,
    "model": model_labeller,
    "hybrid": hybrid_labeller,
}


def resolve_model_dir(model: str | Path | None = None) -> Path:
    """The model directory: as given, and for the default ``models/gkml-small`` also the one
    of this checkout when the working directory has none (``gkml`` run from elsewhere)."""
    path = Path(model or DEFAULT_MODEL)
    if str(model or DEFAULT_MODEL) == DEFAULT_MODEL and not path.exists():
        here = Path(__file__).resolve().parents[1] / DEFAULT_MODEL
        if here.exists():
            return here
    return path


def get_labeller(engine: str = DEFAULT_ENGINE, model: str | Path | None = None, **opts: Any) -> Labeller:
    """The labeller of an engine; ``model`` is the model directory of the model engine."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    if engine in ("model", "hybrid"):
        return ENGINES[engine](model, **opts)
    return ENGINES[engine]()


def label_many(labeller: Labeller, texts: Sequence[str]) -> list[list[Span]]:
    """The batched path when the labeller has one, else one text at a time."""
    batched = getattr(labeller, "label_many", None)
    return batched(list(texts)) if batched is not None else [labeller(t) for t in texts]


def engine_name(engine: str, labeller: Labeller) -> str:
    """What a record names as its engine: ``rules``, or ``model:<model dir name>``."""
    version = getattr(labeller, "version", None)
    return f"{engine}:{version}" if engine != "rules" and version else engine


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
    try:
        report = assemble(doc.text, spans)
    except Exception as e:  # a bug must cost one record, not the batch
        return Report.failed(doc_id, doc.source, f"internal error: {type(e).__name__}: {e}", doc.kind)
    report.doc_id, report.source, report.input_kind, report.engine = doc_id, doc.source, doc.kind, engine
    if doc.ocr is not None:
        report.ocr = OcrSummary(doc.ocr.pages, round(doc.ocr.confidence, 4))
    return report


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


# ---------------------------------------------------------------------------
# Output: JSON Lines (whole lines, resumable) and the wide CSV


def repair_jsonl(out: Path) -> set[str]:
    """Make an existing output file resumable; returns the sources it already holds.

    A crash can only leave a partial *last* line (each record is one write): it is cut off,
    so appending starts on a fresh line. A line that is not a JSON record is kept (it is
    not ours to delete) but does not count as done."""
    done: set[str] = set()
    if not out.exists():
        return done
    with open(out, "rb+") as f:
        data = f.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            f.truncate(end)
    for line in data[:end].decode("utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("source"), str):
            done.add(record["source"])
    return done


def write_jsonl(reports: Iterable[Report | str], out: Path, append: bool = False) -> int:
    """Write each record (a Report, or its JSON) as one whole line with a single unbuffered
    write, so a crash never leaves more than one partial line, the last (which
    :func:`repair_jsonl` cuts off). Returns the number of records written."""
    n = 0
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC), 0o644)
    try:
        for report in reports:
            line = report if isinstance(report, str) else report.to_json()
            data = (line + "\n").encode("utf-8")
            while data:
                data = data[os.write(fd, data) :]
            n += 1
    finally:
        os.close(fd)
    return n


def read_reports(path: Path) -> Iterator[Report]:
    """The records of a JSON Lines output, one at a time (lines that are not records skipped)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                yield Report.from_json(line)
            except (json.JSONDecodeError, KeyError, TypeError):
                continue


CSV_META = ["doc_id", "source", "status", "error", "template", "agency", "year", "published", "failed_checks", "blank_cells",
            "ocr_confidence", "inferred_cells", "missing_sections", "engine"]  # fmt: skip


def write_wide_csv(reports: Iterable[Report], out: Path) -> None:
    """One row per report, one column per cell key (empty when not found or printed blank;
    ``blank_cells`` lists the keys printed blank and ``inferred_cells`` those filled from an
    identity, so the three stay apart)."""
    with open(out, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_META + list(CELL_KEYS))
        for r in reports:
            failed = " ".join(f"{c.id}:{c.where}" for c in r.checks if not c.ok)
            blank = " ".join(k for k, c in r.cells.items() if c.value is None)
            inferred = " ".join(k for k, c in r.cells.items() if c.inferred)
            missing = " ".join(map(str, r.missing_sections))
            cells = [r.cells[k].value if k in r.cells and r.cells[k].value is not None else "" for k in CELL_KEYS]
            meta = [r.meta.agency or "", r.meta.year or "", r.meta.published or ""]
            ocr = r.ocr.confidence if r.ocr else ""
            w.writerow([r.doc_id, r.source, r.status, r.error or "", r.template, *meta, failed, blank, ocr, inferred,
                        missing, r.engine or "", *cells])  # fmt: skip
