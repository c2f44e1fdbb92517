"""`gkml audit --html`: the audit as one self-contained HTML page, with pictures of the findings.

The totals and one row per report, as the text audit prints them; then, for every report read
from a PDF or an image, "where to look": each failed identity, and each inferred or
low-confidence cell not already in one, with the crop of the page around its cells, each cell
boxed and the value read drawn on it (:mod:`gkml.audit_crops`). A reviewer sees at a glance
whether the report (the printed numbers do not add up) or the reading (a digit misread, a value
in the wrong column) is wrong. The crops are rendered from the `source` files now, so those
files must still be where the records say; a missing one is said on the page, never skipped
silently. `max_crops` bounds the size of the page for a batch of thousands of scans.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from pathlib import Path

from gkml.audit import Audit, ReportAudit, _num, check_text
from gkml.audit_crops import COLOURS, Crop, Pages, crops, find_source, marks_for, value_text
from gkml.schema import VERDICTS, Check

log = logging.getLogger(__name__)

MAX_CROPS = 500  # pictures per page by default (each ~20-80 kB)

_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top}
th{background:#f2f2f2;text-align:left}tr.err td{background:#fdecea}td.bad{color:#b00020}
td.num{text-align:right}code{font-size:12px}.muted{color:#888}
figure.look{margin:1em 0 2em;border-left:6px solid #888;padding-left:10px}
figure.inconsistent{border-color:#c62828}figure.doubt{border-color:#e67800}figure.cell{border-color:#1565c0}
figure.look img{display:block;margin:6px 0;border:1px solid #ccc}
.key span{display:inline-block;padding:0 6px;margin-right:6px;color:#fff}
"""

_VERDICT_TEXT = {
    VERDICTS[0]: "extraction doubt: a cell involved was inferred or read with a low score — check the reading",
    VERDICTS[1]: "inconsistent as printed: every cell involved was read with confidence — the report does not add up",
}


@dataclass
class Look:
    """One finding to look at: its title, the cells involved, and the crops (or why there are none)."""

    kind: str  # "inconsistent" | "doubt" (a failed identity) | "cell" (an inferred or low-confidence cell)
    title: str
    keys: list[str]
    crops: list[Crop] = field(default_factory=list)
    note: str | None = None


def looks_of(r: ReportAudit) -> list[tuple[str, list[str], str]]:
    """(kind, cells, title) of each finding of a report: failed identities, then the inferred and
    low-confidence cells not in one of them, one finding per table row."""
    out = [(c.verdict or VERDICTS[1], list(c.cells), _check_title(c)) for c in r.failed]
    shown = {k for c in r.failed for k in c.cells}
    low = dict(r.low_confidence)
    rows: dict[str, list[str]] = {}
    for key in [*r.inferred, *low]:
        if key not in shown:
            shown.add(key)
            rows.setdefault(key.rsplit(".", 1)[0], []).append(key)
    for row, keys in rows.items():
        what = [f"{k.rsplit('.', 1)[1]} = {value_text(r.cells[k])} "
                + ("(inferred)" if k in r.inferred else f"(score {low[k]:.2f})") for k in keys]  # fmt: skip
        out.append(("cell", keys, f"{row}: " + ", ".join(what)))
    return out


def _check_title(c: Check) -> str:
    return f"{c.id}:{c.where} Δ{_num(c.delta)} ({_num(c.lhs)} vs {_num(c.rhs)})" + (f" — {c.note}" if c.note else "")


def build_looks(r: ReportAudit, threshold: float, bases: list[Path], budget: list[int]) -> list[Look]:
    """The findings of one report with their crops; `budget` is the crops left for the whole page."""
    todo = looks_of(r)
    if not todo:
        return []
    looks = [Look(kind, title, keys) for kind, keys, title in todo]
    if not any(c.page is not None for c in r.cells.values()):
        return looks  # a text input: no page to show
    path = find_source(r.source, bases)
    if path is None:
        for look in looks:
            look.note = f"no picture: the source file {r.source} is not there any more (crops are drawn from it)"
        return looks
    pages = Pages(path, r.input_kind)
    try:
        for look in looks:
            marks = marks_for(look.keys, r.cells, threshold)
            if not marks:
                look.note = ("no picture: not printed where it could be shown (no cell of its row and column "
                             "was read on a page)")
            elif budget[0] <= 0:
                look.note = "no picture: the page already holds the most crops asked for (--max-crops)"
            else:
                try:
                    look.crops = crops(pages, marks)
                    budget[0] -= len(look.crops)
                except Exception as e:  # a changed or broken source costs its pictures, not the audit
                    log.warning("%s: cannot draw the crop of %s: %s", r.source, look.title, e)
                    look.note = f"no picture: cannot render {r.source}: {type(e).__name__}: {e}"
    finally:
        pages.close()
    return looks


def _cell_list(items: list[str]) -> str:
    return "<br>".join(f"<code>{html.escape(x)}</code>" for x in items) or '<span class="muted">-</span>'


def _look_html(look: Look, r: ReportAudit) -> list[str]:
    e = html.escape
    head = _VERDICT_TEXT.get(look.kind, "look at the reading of this cell")
    out = [f"<figure class='look {look.kind}'><figcaption><b>{e(look.title)}</b><br>{e(head)}</figcaption>"]
    for crop in look.crops:
        out.append(f"<img class='crop' src='{crop.uri}' width='{crop.width}' height='{crop.height}' "
                   f"alt='page {crop.page} of {e(r.source)}: {e(', '.join(look.keys))}'>")  # fmt: skip
    if look.note:
        out.append(f"<p class='muted'>{e(look.note)}</p>")
    rows = []
    for key in look.keys:
        c = r.cells.get(key)
        if c is None:
            continue
        where = f"p.{c.page} [{', '.join(f'{v:g}' for v in c.bbox)}]" if c.page is not None and c.bbox else "-"
        how = "inferred" if c.inferred else f"{c.score:.2f}"
        rows.append(f"<tr><td><code>{e(key)}</code></td><td class='num'>{e(value_text(c))}</td>"
                    f"<td>{e(c.raw)}</td><td class='num'>{how}</td><td>{e(where)}</td></tr>")  # fmt: skip
    if rows:
        out.append("<table><tr><th>cell</th><th>value</th><th>printed</th><th>score</th><th>where</th></tr>"
                   + "".join(rows) + "</table>")  # fmt: skip
    out.append("</figure>")
    return out


def to_html(a: Audit, bases: list[Path] | None = None, max_crops: int = MAX_CROPS, crops_on: bool = True) -> str:
    """The page. `bases`: folders where a record's relative `source` is looked for after the
    current directory; `crops_on=False` leaves the pictures out (a text-only page)."""
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
        "<th>warnings, prose/table</th><th>inferred cells</th><th>low-confidence cells</th></tr>"
    )
    budget = [max_crops if crops_on else 0]
    sections: list[str] = []
    for i, r in enumerate(a.reports):
        if r.status != "ok":
            out.append(f"<tr class='err'><td>{e(r.doc_id)}</td><td colspan='9'>error: {e(r.error or '')}"
                       f"<br><span class='muted'>{e(r.source)}</span></td></tr>")  # fmt: skip
            continue
        looks = build_looks(r, a.threshold, bases or [], budget) if crops_on else []
        anchor = f"look-{i}"
        if looks:
            sections.append(f"<section id='{anchor}'><h3>{e(r.doc_id)} <span class='muted'>{e(r.source)}</span></h3>")
            for look in looks:
                sections += _look_html(look, r)
            sections.append("</section>")
        failed = [_check_title(c) + f" [{c.verdict}]" for c in r.failed]
        xyear = [f"{check_text(c)} ({'ok' if c.ok else 'FAILED'})" for c in r.cross_year]
        warn = r.read_warnings + [f"{c.where}: {_num(c.lhs)} vs {_num(c.rhs)} — {c.note or ''}" for c in r.warnings]
        low = [f"{k} {s:.2f}" for k, s in r.low_confidence]
        doc = e(r.doc_id) + (f" <a href='#{anchor}'>(look)</a>" if looks else "")
        out.append(
            f"<tr><td>{doc}<br><span class='muted'>{e(r.source)}</span></td><td>{e(r.agency or '')}</td>"
            f"<td>{r.year or ''}</td><td>{e(r.template)}</td>"
            f"<td>{e(', '.join(map(str, r.missing_sections))) or '-'}</td>"
            f"<td class='{'bad' if failed else ''}'>{_cell_list(failed)}</td>"
            f"<td class='{'bad' if any(not c.ok for c in r.cross_year) else ''}'>{_cell_list(xyear)}</td>"
            f"<td>{_cell_list(warn)}</td><td>{_cell_list(r.inferred)}</td><td>{_cell_list(low)}</td></tr>"
        )
    out.append("</table>")
    if sections:
        key = "".join(f"<span style='background:rgb{COLOURS[k]}'>{e(what)}</span>" for k, what in (
            ("read", "read with confidence"), ("doubt", f"score < {a.threshold:g}"),
            ("inferred", "inferred: placed where its row and column cross")))  # fmt: skip
        out.append("<h2>Where to look</h2><p class='muted'>Each failed identity, then each inferred or "
                   "low-confidence cell, on the page where it is printed; the value read is drawn on it.</p>"
                   f"<p class='key'>{key}</p>")  # fmt: skip
        out += sections
    out.append("</body></html>\n")
    return "\n".join(out)


def write_html(a: Audit, path: Path, bases: list[Path] | None = None, max_crops: int = MAX_CROPS,
               crops_on: bool = True) -> None:  # fmt: skip
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(to_html(a, bases, max_crops, crops_on), encoding="utf-8")
