"""Writing records out: JSON Lines (whole lines, resumable) and the wide CSV.

The contract scripts rely on: one JSON line per input, each written whole (so an interrupted
run never leaves more than one partial line, the last, which a resumed run cuts off before it
appends), and a CSV whose columns are the cell catalogue, so a spreadsheet user sees every
cell of every report side by side.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from gkml import jsonl
from gkml.schema import CELL_KEYS, Report


def done_sources(out: Path) -> set[str]:
    """Make an existing output file resumable (:func:`gkml.jsonl.repair`) and return the
    sources of the records it already holds."""
    return {r["source"] for r in jsonl.repair(out) if isinstance(r, dict) and isinstance(r.get("source"), str)}


def write_jsonl(reports: Iterable[Report | str], out: Path, append: bool = False) -> int:
    """Write each record (a Report, or its JSON) as one whole line; returns how many."""
    return jsonl.write((r if isinstance(r, str) else r.to_json() for r in reports), out, append)


def read_reports(path: Path) -> Iterator[Report]:
    """The records of a JSON Lines output, one at a time (lines that are not records skipped)."""
    for record in jsonl.iter_lines(path, strict=False):
        try:
            yield Report.from_dict(record)
        except (KeyError, TypeError):
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
