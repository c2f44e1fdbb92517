"""Batch prediction: paths → one checked Report per input, whatever the input is.

The contract that scripts rely on: exactly one JSON line per input, in input order, an
``error`` record (never an exception, never a silent skip) for anything that cannot be
read, and each line written whole so an interrupted run never leaves half a record.
"""

from __future__ import annotations

import csv
import glob
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from gkml.assemble import assemble
from gkml.checks import run_checks
from gkml.ingest import MAX_BYTES, IngestError, ingest
from gkml.labels import Span
from gkml.schema import CELL_KEYS, OcrSummary, Report

Labeller = Callable[[str], list[Span]]


def rules_labeller() -> Labeller:
    from gkml.baseline import label

    return label


ENGINES: dict[str, Callable[[], Labeller]] = {"rules": rules_labeller}


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


def predict_one(path: str, labeller: Labeller, engine: str, max_bytes: int = MAX_BYTES) -> Report:
    doc_id = doc_id_of(path)
    try:
        doc = ingest(path, max_bytes=max_bytes)
    except IngestError as e:
        return Report.failed(doc_id, path, str(e))
    try:
        report = assemble(doc.text, labeller(doc.text))
        values = {k: c.value for k, c in report.cells.items()}
        report.checks = run_checks(values, report.template, doc.text)
    except Exception as e:  # a bug must cost one record, not the batch
        return Report.failed(doc_id, path, f"internal error: {type(e).__name__}: {e}", doc.kind)
    report.doc_id, report.source, report.input_kind, report.engine = doc_id, path, doc.kind, engine
    if doc.ocr is not None:
        report.ocr = OcrSummary(doc.ocr.pages, round(doc.ocr.confidence, 4))
    return report


def predict_paths(
    paths: list[str], engine: str = "rules", max_bytes: int = MAX_BYTES, progress: bool = False
) -> Iterator[Report]:
    labeller = ENGINES[engine]()
    items: Iterable[str] = paths
    if progress:
        from tqdm import tqdm

        items = tqdm(paths, unit="doc", desc=f"predict ({engine})", dynamic_ncols=True)
    for path in items:
        yield predict_one(path, labeller, engine, max_bytes)


def write_jsonl(reports: Iterable[Report], out: Path) -> list[Report]:
    """Each record is one write of a whole line, flushed at once, so a crash never leaves half a line."""
    done = []
    with open(out, "w", encoding="utf-8") as f:
        for report in reports:
            f.write(report.to_json() + "\n")
            f.flush()
            done.append(report)
    return done


CSV_META = ["doc_id", "source", "status", "error", "template", "agency", "year", "published", "failed_checks", "blank_cells",
            "ocr_confidence"]


def write_wide_csv(reports: Iterable[Report], out: Path) -> None:
    """One row per report, one column per cell key (empty when not found or printed blank;
    ``blank_cells`` lists the keys printed blank, so the two stay apart)."""
    with open(out, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_META + list(CELL_KEYS))
        for r in reports:
            failed = " ".join(f"{c.id}:{c.where}" for c in r.checks if not c.ok)
            blank = " ".join(k for k, c in r.cells.items() if c.value is None)
            cells = [r.cells[k].value if k in r.cells and r.cells[k].value is not None else "" for k in CELL_KEYS]
            meta = [r.meta.agency or "", r.meta.year or "", r.meta.published or ""]
            ocr = r.ocr.confidence if r.ocr else ""
            w.writerow([r.doc_id, r.source, r.status, r.error or "", r.template, *meta, failed, blank, ocr, *cells])
