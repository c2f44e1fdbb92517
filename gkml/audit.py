"""`gkml audit OUT.jsonl`: what a supervising office (政务公开办) reads about a batch.

Per report: the template (an outdated or missing one is a finding), the sections with no
heading, every failed identity with its delta and its verdict (extraction doubt, or the report
inconsistent as printed), the cells filled from an identity rather than read, and the cells
read with a low score (where to look first). Across reports: the X-YEAR identities
(:func:`gkml.assemble.checks.cross_year_checks`) for every organ that appears in consecutive
years. Printed as a text table here; `gkml.audit_html` writes it as one self-contained HTML
page with the crop of the page around each finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gkml.assemble.checks import cross_year_checks, verdict
from gkml.schema import LOW_CONFIDENCE, VERDICTS, CellValue, Check, Report


@dataclass
class ReportAudit:
    doc_id: str
    source: str
    status: str
    error: str | None
    agency: str | None
    year: int | None
    template: str
    engine: str | None
    missing_sections: list[int]
    failed: list[Check]  # failed identities (severity "error")
    warnings: list[Check]  # failed X-NARRATIVE (prose against table)
    inferred: list[str]
    low_confidence: list[tuple[str, float]]  # (cell key, score), lowest first
    cross_year: list[Check] = field(default_factory=list)  # X-YEAR against the previous year's report
    input_kind: str | None = None
    cells: dict[str, CellValue] = field(default_factory=dict, repr=False)  # for the pictures (page, bbox)
    read_warnings: list[str] = field(default_factory=list)  # the record's warnings: read, not quite as printed


@dataclass
class Audit:
    reports: list[ReportAudit]
    threshold: float
    totals: dict[str, int]


def organ_key(agency: str | None) -> str | None:
    """Reports of one organ: its printed name without spaces or punctuation."""
    if not agency:
        return None
    key = re.sub(r"[\s()()·・]", "", agency)
    return key or None


def year_pairs(reports: list[Report]) -> list[tuple[Report, Report]]:
    """(report of N−1, report of N) for every organ present in consecutive years (the first
    report of an organ-year when the batch holds several)."""
    by_organ: dict[str, dict[int, Report]] = {}
    for r in reports:
        key = organ_key(r.meta.agency)
        if r.status == "ok" and key and r.meta.year:
            by_organ.setdefault(key, {}).setdefault(r.meta.year, r)
    pairs = []
    for years in by_organ.values():
        for year in sorted(years):
            if year - 1 in years:
                pairs.append((years[year - 1], years[year]))
    return pairs


def _with_verdict(c: Check, cells: dict[str, CellValue]) -> Check:
    """A failed check from a record written before checks had a verdict gets it from its cells."""
    if c.verdict is None:
        c.verdict = verdict(c.cells, cells)
    return c


def audit_reports(reports: Iterable[Report], threshold: float = LOW_CONFIDENCE) -> Audit:
    reports = list(reports)
    rows = []
    for r in reports:
        low = sorted(
            ((k, c.score) for k, c in r.cells.items() if not c.inferred and c.score < threshold),
            key=lambda kv: (kv[1], kv[0]),
        )
        rows.append(
            ReportAudit(
                doc_id=r.doc_id,
                source=r.source,
                status=r.status,
                error=r.error,
                agency=r.meta.agency,
                year=r.meta.year,
                template=r.template,
                engine=r.engine,
                missing_sections=list(r.missing_sections),
                failed=[_with_verdict(c, r.cells) for c in r.checks if not c.ok and c.severity == "error"],
                warnings=[_with_verdict(c, r.cells) for c in r.checks if not c.ok and c.severity != "error"],
                inferred=[k for k, c in r.cells.items() if c.inferred],
                low_confidence=low,
                input_kind=r.input_kind,
                cells=r.cells,
                read_warnings=list(r.warnings),
            )
        )
    index = {id(r): i for i, r in enumerate(reports)}
    x_year = 0
    for prev, cur in year_pairs(reports):
        checks = cross_year_checks(prev, cur)
        x_year += len(checks)
        rows[index[id(cur)]].cross_year = checks
    ok = [a for a in rows if a.status == "ok"]
    totals = {
        "reports": len(rows),
        "read": len(ok),
        "error records": len(rows) - len(ok),
        "template 2021": sum(a.template == "2021" for a in ok),
        "template 2019": sum(a.template == "2019" for a in ok),
        "template none": sum(a.template == "none" for a in ok),
        "reports missing a section": sum(bool(a.missing_sections) for a in ok),
        "reports read with warnings": sum(bool(a.read_warnings) for a in ok),
        "failed identities": sum(len(a.failed) for a in ok),
        "failed: extraction doubt": sum(c.verdict == VERDICTS[0] for a in ok for c in a.failed),
        "failed: inconsistent as printed": sum(c.verdict == VERDICTS[1] for a in ok for c in a.failed),
        "reports with a failed identity": sum(bool(a.failed) for a in ok),
        "reports inconsistent as printed": sum(any(c.verdict == VERDICTS[1] for c in a.failed) for a in ok),
        "prose/table mismatches": sum(len(a.warnings) for a in ok),
        "inferred cells": sum(len(a.inferred) for a in ok),
        "low-confidence cells": sum(len(a.low_confidence) for a in ok),
        "X-YEAR checks": x_year,
        "X-YEAR failed": sum(not c.ok for a in ok for c in a.cross_year),
    }
    return Audit(reports=rows, threshold=threshold, totals=totals)


def audit(path: Path, threshold: float = LOW_CONFIDENCE) -> Audit:
    """Audit of a ``gkml predict`` output file."""
    from gkml.write import read_reports

    if not Path(path).is_file():
        raise ValueError(f"{path}: no such file (write one with `gkml predict ... -o {path}`)")
    return audit_reports(read_reports(Path(path)), threshold)


# ---------------------------------------------------------------------------
# Formatting


def _num(x) -> str:
    if x is None:
        return "—"
    return f"{x:+g}" if isinstance(x, int | float) else str(x)


def check_text(c: Check) -> str:
    """``T3-ROWSUM:granted Δ+2`` (delta = lhs − rhs), and ``(doubt)`` or ``(inconsistent)`` when it failed."""
    return f"{c.id}:{c.where} Δ{_num(c.delta)}" + (f" ({c.verdict})" if not c.ok and c.verdict else "")


def _short(items: list[str], n: int = 3) -> str:
    if not items:
        return "-"
    more = f" (+{len(items) - n})" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def format_audit(a: Audit) -> str:
    """A plain-text table, one line per report, then the totals."""
    head = ["doc_id", "year", "agency", "templ.", "missing §", "failed identities", "inferred", "low conf."]
    rows = []
    for r in a.reports:
        if r.status != "ok":
            rows.append([r.doc_id, "", "", "ERROR", "", (r.error or "")[:60], "", ""])
            continue
        failed = [check_text(c) for c in r.failed] + [check_text(c) for c in r.cross_year if not c.ok]
        rows.append(
            [
                r.doc_id,
                str(r.year or ""),
                (r.agency or "")[:16],
                r.template,
                ",".join(map(str, r.missing_sections)) or "-",
                _short(failed, 2),
                str(len(r.inferred)) if r.inferred else "-",
                str(len(r.low_confidence)) if r.low_confidence else "-",
            ]
        )
    widths = [max(_width(x) for x in col) for col in zip(head, *rows, strict=False)]
    lines = ["  ".join(_pad(x, w) for x, w in zip(line, widths, strict=True)).rstrip() for line in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(f"totals (low confidence: score < {a.threshold:g})")
    lines += [f"  {k:<32}{v:>8}" for k, v in a.totals.items()]
    return "\n".join(lines)


def _width(s: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _pad(s: str, w: int) -> str:
    return s + " " * (w - _width(s))
