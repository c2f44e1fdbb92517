"""Score prediction records against hand-made gold: cells, template, identity findings, facts.

Evaluation is always on real reports (DESIGN.md, "Data"), so the gold comes in two shapes that
this module must both accept:

- the seed gold in ``tests/fixtures/<doc_id>.gold.json``: every printed cell, and every narrative
  fact with character offsets;
- the fragment gold in ``shared/real/PNN.gold.json``: only the cells whose column is certain in the
  fragment (``"partial": true``), and facts without offsets whose ``text`` is a whole phrase
  ("主动公开政府信息63条").

A gold cell is scored right only when the prediction has that key with the same value (a printed
blank, ``None``, is a value: reading "—" as 0 is an error). A wrong cell the record does not flag
(:func:`flagged`) is counted apart: it is the error a user does not see. Cells absent from the gold are not
scored: fragment gold lists only what is certain, so a prediction is never penalised for reading
more than the annotator could vouch for.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gkml import jsonl
from gkml.evaluate_facts import FactTally, read_texts, score_facts
from gkml.evaluate_facts import fact_matches as fact_matches  # re-exported: the one match rule
from gkml.evaluate_facts import match_facts as match_facts
from gkml.evaluate_facts import prf as _prf
from gkml.evaluate_facts import score as _score
from gkml.schema import CELLS, LOW_CONFIDENCE

GOLD_SUFFIX = ".gold.json"
TABLE_GROUPS = ("T2", "T3", "T4")
IGNORED_CHECKS = frozenset({"X-NARRATIVE"})  # a warning about prose, not a table identity


# ---------------------------------------------------------------------------
# Loading


def load_gold(path: str | Path) -> dict:
    """Read one gold file, fill the defaults the scorer relies on, and reject unknown cell keys.

    A typo in a gold key would otherwise silently score as a cell no prediction can ever get
    right, so it fails here, loudly, instead.
    """
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        gold = json.load(f)
    name = path.name[: -len(GOLD_SUFFIX)] if path.name.endswith(GOLD_SUFFIX) else path.stem
    gold.setdefault("doc_id", name)
    gold.setdefault("cells", {})
    gold.setdefault("template", "none")
    gold.setdefault("layout", "unknown")
    unknown = [k for k in gold["cells"] if k not in CELLS]
    if unknown:
        raise ValueError(f"{path}: unknown cell keys {unknown}")
    return gold


# ---------------------------------------------------------------------------
# Small helpers


def values_equal(pred: Any, gold: Any) -> bool:
    """Blank equals only blank; numbers are equal within 1e-9 (530.67 parsed twice may differ in the last bit)."""
    if gold is None or pred is None:
        return gold is None and pred is None
    if isinstance(pred, bool) or not isinstance(pred, int | float):
        return False
    return math.isclose(float(pred), float(gold), rel_tol=0.0, abs_tol=1e-9)


def flagged(cell: Any) -> bool:
    """Whether a record tells its reader to check this cell: inferred, or scored below
    LOW_CONFIDENCE (a record cell, a `gkml.schema.CellValue`, or a bare value, never flagged)."""
    if isinstance(cell, Mapping):
        return bool(cell.get("inferred")) or cell.get("score", 1.0) < LOW_CONFIDENCE
    return bool(getattr(cell, "inferred", False)) or getattr(cell, "score", 1.0) < LOW_CONFIDENCE


def table_group(key: str) -> str:
    """T2 for both table-2 variants (``t2``, ``t2v19``): they are the same table in two templates."""
    cell = CELLS.get(key)
    if cell is not None:
        return f"T{cell.table}"
    prefix = key.split(".")[0]
    return "T2" if prefix.startswith("t2") else prefix.upper()


def _pred_value(cell: Any) -> Any:
    """A record cell is ``{"value": ..., "raw": ...}``; a bare number is accepted for hand-made records."""
    return cell.get("value") if isinstance(cell, Mapping) else cell


def _bump(acc: dict[str, list[int]], name: str, ok: bool) -> None:
    pair = acc.setdefault(name, [0, 0])
    pair[0] += int(ok)
    pair[1] += 1


# ---------------------------------------------------------------------------
# Identities


def _failed_gold_checks(gold: dict) -> set[tuple[str, str]] | None:
    """Failed (id, where) pairs the checker finds in the gold cells; ``None`` where not scorable.

    Partial (fragment) gold is skipped: its missing rows would read as 0 and fail identities that
    the full report satisfies.
    """
    if gold.get("partial") or gold.get("template") not in ("2021", "2019") or not gold["cells"]:
        return None
    from gkml.assemble.checks import run_checks  # late: the checker must not be needed to score cells

    return {
        (_attr(c, "id"), _attr(c, "where"))
        for c in run_checks(gold["cells"], gold["template"])
        if not _attr(c, "ok") and _attr(c, "id") not in IGNORED_CHECKS
    }


def _attr(check: Any, name: str) -> Any:
    return check[name] if isinstance(check, Mapping) else getattr(check, name)


def _failed_pred_checks(record: dict | None) -> set[tuple[str, str]]:
    if not record or record.get("status") == "error":
        return set()
    return {
        (c["id"], c["where"])
        for c in record.get("checks") or []
        if not c.get("ok", True) and c["id"] not in IGNORED_CHECKS
    }


# ---------------------------------------------------------------------------
# Scoring


def evaluate(pred_records: list[dict], gold: dict[str, dict], texts: Mapping[str, str] | None = None) -> dict:
    """Score prediction records against gold keyed by doc_id; see the module docstring for the rules.

    ``texts`` (doc_id → the normalised text) lets the facts of enumerations be scored apart; without
    a document's text its enumeration recall is not counted.

    Error records and gold documents without a record count all their gold cells wrong (a pipeline
    that crashes on a layout must not look better than one that reads it badly) and are listed.
    A document is exact when its record is ok and every gold cell is right (a narrative-only report
    with no gold cells is exact as soon as it is read without error). Extra predicted cells are
    listed per document but never scored, for the fragment-gold reason above.
    """
    preds: dict[str, dict] = {}
    for rec in pred_records:
        preds[rec["doc_id"]] = rec  # a resumed run may re-append a record: the last one wins

    overall = [0, 0]
    unflagged = 0  # cells found with a wrong value that the record does not flag
    nonzero = [0, 0]
    by_table: dict[str, list[int]] = {}
    by_layout: dict[str, list[int]] = {}
    exact = [0, 0]
    template = [0, 0]
    ident = {"tp": 0, "fp": 0, "fn": 0, "docs": 0, "agree": 0}
    ident_error: str | None = None
    facts = FactTally()
    facts_by_layout: dict[str, FactTally] = {}
    docs: list[dict] = []
    errors: list[str] = []
    missing: list[str] = []

    for doc_id in sorted(gold):
        g = gold[doc_id]
        rec = preds.get(doc_id)
        status = "missing" if rec is None else ("error" if rec.get("status") == "error" else "ok")
        if status == "missing":
            missing.append(doc_id)
        elif status == "error":
            errors.append(doc_id)
        pred_cells = (rec.get("cells") or {}) if status == "ok" else {}

        wrong = []
        n_right = 0
        for key, gval in g["cells"].items():
            found = key in pred_cells
            pval = _pred_value(pred_cells[key]) if found else None
            ok = found and values_equal(pval, gval)
            n_right += ok
            if not ok:
                wrong.append({"key": key, "gold": gval, "pred": pval, "found": found,
                              "flagged": found and flagged(pred_cells[key])})  # fmt: skip
                unflagged += found and not flagged(pred_cells[key])
            _bump(by_table, table_group(key), ok)
            _bump(by_layout, g["layout"], ok)
            if gval not in (0, None):
                nonzero[0] += ok
                nonzero[1] += 1
        n_cells = len(g["cells"])
        overall[0] += n_right
        overall[1] += n_cells
        doc_exact = status == "ok" and n_right == n_cells
        exact[0] += doc_exact
        exact[1] += 1

        pred_template = rec.get("template") if status == "ok" else None
        template_ok = pred_template == g["template"]
        template[0] += template_ok
        template[1] += 1

        extra = sorted(k for k, v in pred_cells.items() if k not in g["cells"] and _pred_value(v) is not None)

        doc_ident = None
        if ident_error is None:
            try:
                gold_failed = _failed_gold_checks(g)
            except ImportError as exc:  # gkml.assemble.checks not installed: score everything else
                ident_error, gold_failed = f"gkml.assemble.checks unavailable: {exc}", None
            if gold_failed is not None:
                pred_failed = _failed_pred_checks(rec)
                tp = len(gold_failed & pred_failed)
                doc_ident = {
                    "gold_failed": sorted(gold_failed),
                    "pred_failed": sorted(pred_failed),
                    "tp": tp,
                    "fp": len(pred_failed) - tp,
                    "fn": len(gold_failed) - tp,
                }
                for k in ("tp", "fp", "fn"):
                    ident[k] += doc_ident[k]
                ident["docs"] += 1
                ident["agree"] += gold_failed == pred_failed

        doc_facts = None
        if "facts" in g:
            pf = list((rec.get("facts") or []) if status == "ok" else [])
            gf = list(g["facts"] or [])
            doc_facts = score_facts(pf, gf, (texts or {}).get(doc_id))
            facts.add(doc_facts)
            facts_by_layout.setdefault(g["layout"], FactTally()).add(doc_facts)

        docs.append(
            {
                "doc_id": doc_id,
                "status": status,
                "error": rec.get("error") if status == "error" else None,
                "layout": g["layout"],
                "template_gold": g["template"],
                "template_pred": pred_template,
                "template_ok": template_ok,
                **_score(n_right, n_cells),
                "exact": doc_exact,
                "wrong": wrong,
                "extra_cells": extra,
                "identities": doc_ident,
                "facts": doc_facts,
            }
        )

    return {
        "n_docs": len(gold),
        "n_gold_cells": overall[1],
        "n_predictions": len(preds),
        "cells": _score(*overall),
        "cells_wrong_unflagged": unflagged,
        "cells_nonzero": _score(*nonzero),
        "by_table": {t: _score(*by_table[t]) for t in TABLE_GROUPS if t in by_table},
        "by_layout": {name: _score(*pair) for name, pair in sorted(by_layout.items())},
        "exact_docs": _score(*exact),
        "template": _score(*template),
        "identities": {
            **_prf(ident["tp"], ident["fp"], ident["fn"]),
            "n_docs": ident["docs"],
            "docs_agreeing": ident["agree"],
            "unavailable": ident_error,
        },
        "facts": {
            **facts.summary(),
            "by_layout": {name: acc.summary() for name, acc in sorted(facts_by_layout.items())},
        },
        "docs": docs,
        "errors": errors,
        "missing": missing,
        "unmatched_predictions": sorted(set(preds) - set(gold)),
    }


def evaluate_files(pred_jsonl: Path, gold_dir: Path) -> dict:
    """Score a JSON Lines prediction file against every ``NAME.gold.json`` in ``gold_dir`` (doc_id == NAME).

    The texts (for the facts of enumerations) are read as gkml reads them: from each record's
    ``source``, else from ``NAME.txt``/``.md`` beside the gold."""
    gold = {}
    for path in sorted(Path(gold_dir).glob(f"*{GOLD_SUFFIX}")):
        g = load_gold(path)
        gold[path.name[: -len(GOLD_SUFFIX)]] = g
    records = jsonl.read(pred_jsonl)
    return evaluate(records, gold, read_texts(records, gold, Path(gold_dir)))



# ---------------------------------------------------------------------------
# Printing


def _pct(x: float | None) -> str:
    return "   n/a" if x is None else f"{100 * x:5.1f}%"


def _num(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def _line(label: str, s: Mapping, width: int = 28) -> str:
    return f"  {label:<{width}} {s['correct']:>6}/{s['total']:<6} {_pct(s['accuracy'])}"


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def format_report(result: dict, max_wrong: int = 5) -> str:
    """A plain-text summary for a terminal or a CI log: totals first, then what went wrong where."""
    out = [f"gkml evaluation: {result['n_docs']} documents, {result['n_gold_cells']} gold cells"]
    out.append(_line("cells", result["cells"]))
    out.append(f"  {'cells wrong, not flagged':<28}{result['cells_wrong_unflagged']:>8}"
               f"  (not inferred, score ≥ {LOW_CONFIDENCE:g}: taken for read)")  # fmt: skip
    out.append(_line("cells, gold non-zero", result["cells_nonzero"]))
    out.append(_line("documents exact", result["exact_docs"]))
    out.append(_line("template", result["template"]))
    out.append("by table")
    out.extend(_line(t, s) for t, s in result["by_table"].items())
    out.append("by layout")  # layout texts are long and share prefixes: numbers first, then the text
    out.extend(
        f"  {s['correct']:>6}/{s['total']:<6} {_pct(s['accuracy'])}  {_short(name, 90)}"
        for name, s in result["by_layout"].items()
    )

    idn = result["identities"]
    if idn["unavailable"]:
        out.append(f"identity failures: not scored ({idn['unavailable']})")
    else:
        out.append(
            f"identity failures: P {_num(idn['precision'])}  R {_num(idn['recall'])}  "
            f"(tp {idn['tp']}, fp {idn['fp']}, fn {idn['fn']}; {idn['docs_agreeing']}/{idn['n_docs']} docs agree)"
        )
    fa = result["facts"]
    out.append(
        f"facts: P {_num(fa['precision'])}  R {_num(fa['recall'])}  F1 {_num(fa['f1'])}  "
        f"(tp {fa['tp']}, fp {fa['fp']}, fn {fa['fn']}; {fa['n_docs']} docs)"
    )
    out.append(_line("fact kinds right (of matched)", fa["kinds"], 30))
    en = fa["enumerations"]
    out.append(_line("facts in enumerations found", en, 30) + f"  ({en['n_docs']} docs with text)")
    if len(fa["by_layout"]) > 1:
        out.append("facts by layout:    P      R      F1    kinds right")
        out.extend(
            f"  {_num(s['precision'])}  {_num(s['recall'])}  {_num(s['f1'])}  "
            f"{s['kinds']['correct']:>4}/{s['kinds']['total']:<4}  {_short(name, 70)}"
            for name, s in fa["by_layout"].items()
        )

    out.append("documents")
    out.append(f"  {'doc_id':<24} {'status':<8} {'cells':>13} {'acc':>7}  exact  template  facts F1")
    for d in result["docs"]:
        f1 = _num(d["facts"]["f1"]) if d["facts"] else "    -"
        tmpl = f"{d['template_pred'] or '-'}{'' if d['template_ok'] else '!'}"
        out.append(
            f"  {_short(d['doc_id'], 24):<24} {d['status']:<8} {d['correct']:>6}/{d['total']:<6} "
            f"{_pct(d['accuracy'])}  {'yes' if d['exact'] else 'no':<5}  {tmpl:<8}  {f1}"
        )
        if d["error"]:
            out.append(f"      error: {_short(d['error'], 100)}")
        for w in d["wrong"][:max_wrong] if d["status"] == "ok" else []:
            pred = repr(w["pred"]) + (" (flagged)" if w["flagged"] else "") if w["found"] else "not found"
            out.append(f"      {w['key']}: gold {w['gold']!r}, predicted {pred}")
        if d["status"] == "ok" and len(d["wrong"]) > max_wrong:
            out.append(f"      … {len(d['wrong']) - max_wrong} more wrong cells")
    if result["errors"]:
        out.append("errors (all their gold cells counted wrong): " + ", ".join(result["errors"]))
    if result["missing"]:
        out.append("missing predictions (counted wrong): " + ", ".join(result["missing"]))
    if result["unmatched_predictions"]:
        out.append("predictions without gold (not scored): " + ", ".join(result["unmatched_predictions"]))
    return "\n".join(out)


# ---------------------------------------------------------------------------
# A labeller on synthetic reports, per layout (`gkml synth --baseline`)


def score_labeller(
    records: Iterable[Mapping[str, Any]], label_fn: Callable[[str], Any] | None = None
) -> dict[str, dict[str, float]]:
    """Cell accuracy per layout of a labeller (default: the rule baseline) on synthetic records
    (text, cells, layout), read through :func:`gkml.assemble.report.assemble`: a gold cell is
    right when the assembled report has it with the same value. Here rather than beside the
    generator, so that making data never imports what is scored on it."""
    from gkml.assemble.report import assemble

    if label_fn is None:
        from gkml.rules import label as label_fn
    acc: dict[str, list[int]] = {}
    for r in records:
        report = assemble(r["text"], label_fn(r["text"]))
        right = sum(
            k in report.cells and values_equal(report.cells[k].value, v) for k, v in r["cells"].items()
        )
        docs_exact = int(right == len(r["cells"]))
        a = acc.setdefault(r["layout"], [0, 0, 0, 0])
        a[0] += right
        a[1] += len(r["cells"])
        a[2] += docs_exact
        a[3] += 1
    return {
        layout: {"cells": a[1], "accuracy": a[0] / a[1] if a[1] else float("nan"), "exact_docs": a[2] / a[3],
                 "docs": a[3]}  # fmt: skip
        for layout, a in acc.items()
    }


def format_scores(scores: dict[str, dict[str, float]], order: Sequence[str] = ()) -> str:
    """:func:`score_labeller`'s scores as a markdown table: the layouts of ``order`` first, the
    others as they came (the order of the records)."""
    lines = ["| layout | reports | gold cells | cell accuracy | exact reports |", "|---|---:|---:|---:|---:|"]
    for layout in [*order, *(k for k in scores if k not in order)]:
        if layout in scores:
            s = scores[layout]
            lines.append(
                f"| {layout} | {s['docs']} | {s['cells']} | {100 * s['accuracy']:.1f}% | {100 * s['exact_docs']:.1f}% |"
            )
    return "\n".join(lines)
