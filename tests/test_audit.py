"""The audit of a batch (gkml audit) and the cross-year identities (X-YEAR)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from gkml.assemble.checks import cross_year_checks
from gkml.audit import audit_reports, organ_key, year_pairs
from gkml.cli import main
from gkml.predict import predict_paths
from gkml.schema import CellValue
from gkml.write import write_jsonl

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture(scope="module")
def reports():
    return list(predict_paths([str(p) for p in sorted(SAMPLES.glob("*.txt"))], engine="rules"))


def next_year(report, **cells):
    """Seed 000 as if the same organ had reported again a year later, with ``cells`` changed."""
    r = copy.deepcopy(report)
    r.doc_id, r.source, r.meta.year = report.doc_id + "_next", report.source + ".next", report.meta.year + 1
    for key, value in cells.items():
        r.cells[key.replace("__", ".")] = CellValue(value, str(value))
    return r


def test_cross_year_checks(reports):
    prev = reports[0]
    assert prev.meta.agency == "南丰镇" and prev.cells["t3.carried_over.total"].value == 0
    assert prev.cells["t2.rules.in_force"].value == 0
    cur = next_year(prev, t2__rules__issued=2, t2__rules__repealed=0, t2__rules__in_force=2)
    checks = cross_year_checks(prev, cur)
    assert {c.where for c in checks} == {
        *(f"carried.{c}" for c in ("person", "business", "research", "social_org", "legal_org", "other_org", "total")),
        "in_force.rules",
        "in_force.normative",
    }
    assert all(c.ok and c.id == "X-YEAR" and c.severity == "error" for c in checks)
    cur = next_year(prev, t3__carried_in__total=3, t2__rules__in_force=1)
    bad = {c.where: c for c in cross_year_checks(prev, cur) if not c.ok}
    assert set(bad) == {"carried.total", "in_force.rules"}
    assert (bad["carried.total"].lhs, bad["carried.total"].rhs, bad["carried.total"].delta) == (0, 3, -3)
    assert bad["carried.total"].cells == ["t3.carried_over.total", "t3.carried_in.total"]
    assert bad["in_force.rules"].delta == -1 and "2022→2023" in bad["in_force.rules"].note
    del cur.cells["t3.carried_in.total"]  # not read: not checked
    assert "carried.total" not in {c.where for c in cross_year_checks(prev, cur)}


def test_year_pairs_need_the_same_organ_and_consecutive_years(reports):
    prev = reports[0]
    later = next_year(next_year(prev))  # two years on: no pair
    assert year_pairs([prev, later]) == []
    cur = next_year(prev)
    cur.meta.agency = " 南丰镇 "
    assert year_pairs([cur, prev, reports[1]]) == [(prev, cur)]
    assert organ_key("南丰镇(张家港市)") == organ_key("南丰镇 (张家港市)") and organ_key("") is None


def test_audit_lists_findings_per_report_and_totals(reports):
    cur = next_year(reports[0], t3__carried_in__total=3)
    low = copy.deepcopy(reports[1])
    low.cells["t3.new.total"].score = 0.2
    inferred = copy.deepcopy(reports[3])
    inferred.cells["t3.new.total"].inferred = True
    warned = copy.deepcopy(reports[4])
    warned.warnings = ["table 3's values are printed one to a line"]
    batch = [reports[0], cur, low, reports[2], inferred, warned]
    a = audit_reports(batch, threshold=0.5)
    by_id = {r.doc_id: r for r in a.reports}
    assert [c.where for c in by_id[cur.doc_id].cross_year if not c.ok] == ["carried.total"]
    assert by_id[low.doc_id].low_confidence == [("t3.new.total", 0.2)]
    assert by_id[inferred.doc_id].inferred == ["t3.new.total"]
    assert by_id[warned.doc_id].read_warnings == warned.warnings and by_id[low.doc_id].read_warnings == []
    assert by_id["002_9d98c4465ad221fa"].missing_sections == [6] and by_id["002_9d98c4465ad221fa"].template == "none"
    t = a.totals
    assert (t["reports"], t["read"], t["X-YEAR failed"], t["inferred cells"], t["low-confidence cells"]) == (6, 6, 1, 1, 1)
    assert t["template 2021"] == 5 and t["reports missing a section"] == 1 and t["failed identities"] == 0
    assert t["reports read with warnings"] == 1


def test_audit_command_prints_and_writes_html(reports, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    write_jsonl([*reports, next_year(reports[0], t3__carried_in__total=3)], out)
    with open(out, "a", encoding="utf-8") as f:
        f.write('{"doc_id": "broken", "source": "x.pdf", "status": "error", "error": "not a PDF"}\n')
    html = tmp_path / "audit" / "audit.html"
    assert main(["audit", str(out), "--html", str(html)]) == 0
    printed = capsys.readouterr().out
    assert "X-YEAR:carried.total Δ-3" in printed and "ERROR" in printed and "not a PDF" in printed
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "南丰镇" in page and "X-YEAR:carried.total" in page
    assert main(["audit", str(tmp_path / "missing.jsonl")]) == 1
