"""`gkml audit OUT.jsonl`: what a supervising office (政务公开办) reads about a batch.

Per report: the template (an outdated or missing one is a finding), the sections with no
heading, every failed identity with its delta, the cells filled from an identity rather
than read, and the cells read with a low score (where to look first). Across reports: the
X-YEAR identities (:func:`gkml.assemble.checks.cross_year_checks`) for every organ that appears in
consecutive years. Printed as a text table and written as one self-contained HTML page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gkml.assemble.checks import cross_year_checks
from gkml.schema import Check, Report


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


def audit_reports(reports: Iterable[Report], threshold: float = 0.5) -> Audit:
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
                failed=[c for c in r.checks if not c.ok and c.severity == "error"],
                warnings=[c for c in r.checks if not c.ok and c.severity != "error"],
                inferred=[k for k, c in r.cells.items() if c.inferred],
                low_confidence=low,
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
        "failed identities": sum(len(a.failed) for a in ok),
        "reports with a failed identity": sum(bool(a.failed) for a in ok),
        "prose/table mismatches": sum(len(a.warnings) for a in ok),
        "inferred cells": sum(len(a.inferred) for a in ok),
        "low-confidence cells": sum(len(a.low_confidence) for a in ok),
        "X-YEAR checks": x_year,
        "X-YEAR failed": sum(not c.ok for a in ok for c in a.cross_year),
    }
    return Audit(reports=rows, threshold=threshold, totals=totals)


def audit(path: Path, threshold: float = 0.5) -> Audit:
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
    """``T3-ROWSUM:granted Δ+2`` (delta = lhs − rhs)."""
    return f"{c.id}:{c.where} Δ{_num(c.delta)}"


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


_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top}
th{background:#f2f2f2;text-align:left}tr.err td{background:#fdecea}td.bad{color:#b00020}
td.num{text-align:right}code{font-size:12px}.muted{color:#888}
"""


def _cell_list(items: list[str]) -> str:
    return "<br>".join(f"<code>{html.escape(x)}</code>" for x in items) or '<span class="muted">-</span>'


def to_html(a: Audit) -> str:
    e = html.escape
    out = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>gkml audit</title>",
        f"<style>{_CSS}</style></head><body><h1>gkml audit</h1>",
        "<h2>Totals</h2><table>",
    ]
    out += [f"<tr><th>{e(k)}</th><td class='num'>{v}</td></tr>" for k, v in a.totals.items()]
    out.append(f"</table><p class='muted'>Low confidence: a cell read with score &lt; {a.threshold:g}. "
               "Δ is lhs − rhs of the identity.</p>")  # fmt: skip
    out.append(
        "<h2>Reports</h2><table><tr><th>doc_id</th><th>agency</th><th>year</th><th>template</th>"
        "<th>missing sections</th><th>failed identities</th><th>X-YEAR (with the year before)</th>"
        "<th>prose/table</th><th>inferred cells</th><th>low-confidence cells</th></tr>"
    )
    for r in a.reports:
        if r.status != "ok":
            out.append(f"<tr class='err'><td>{e(r.doc_id)}</td><td colspan='9'>error: {e(r.error or '')}"
                       f"<br><span class='muted'>{e(r.source)}</span></td></tr>")  # fmt: skip
            continue
        failed = [f"{check_text(c)} ({_num(c.lhs)} vs {_num(c.rhs)})" + (f" — {c.note}" if c.note else "")
                  for c in r.failed]  # fmt: skip
        xyear = [f"{check_text(c)} ({'ok' if c.ok else 'FAILED'})" for c in r.cross_year]
        warn = [f"{c.where}: {_num(c.lhs)} vs {_num(c.rhs)} — {c.note or ''}" for c in r.warnings]
        low = [f"{k} {s:.2f}" for k, s in r.low_confidence]
        out.append(
            f"<tr><td>{e(r.doc_id)}<br><span class='muted'>{e(r.source)}</span></td><td>{e(r.agency or '')}</td>"
            f"<td>{r.year or ''}</td><td>{e(r.template)}</td>"
            f"<td>{e(', '.join(map(str, r.missing_sections))) or '-'}</td>"
            f"<td class='{'bad' if failed else ''}'>{_cell_list(failed)}</td>"
            f"<td class='{'bad' if any(not c.ok for c in r.cross_year) else ''}'>{_cell_list(xyear)}</td>"
            f"<td>{_cell_list(warn)}</td><td>{_cell_list(r.inferred)}</td><td>{_cell_list(low)}</td></tr>"
        )
    out.append("</table></body></html>\n")
    return "\n".join(out)


def write_html(a: Audit, path: Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(to_html(a), encoding="utf-8")
