"""A failed identity says what it is: extraction doubt (a cell involved was inferred or read with a
low score) or a report inconsistent as printed (every cell involved read with confidence)."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import pytest

from gkml.assemble.checks import cross_year_checks, run_checks
from gkml.assemble.report import assemble
from gkml.audit import audit_reports, format_audit
from gkml.io.document import Document, OcrInfo
from gkml.rules import label
from gkml.schema import LOW_CONFIDENCE, CellValue

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TEXT = (SAMPLES / "000_7cbeb50e901d1ece.txt").read_text(encoding="utf-8")
T4_REVIEW = [f"t4.review.{c}" for c in ("upheld", "corrected", "other", "pending", "total")]


def t4(values: list[int], **read: CellValue) -> dict[str, CellValue]:
    cells = {k: CellValue(v, str(v)) for k, v in zip(T4_REVIEW, values, strict=True)}
    return cells | {k.replace("__", "."): v for k, v in read.items()}


def review_check(checks):
    (c,) = [c for c in checks if c.id == "T4-SUM" and c.where == "review"]
    return c


def test_verdict_of_a_failed_identity_follows_how_its_cells_were_read():
    assert review_check(run_checks(t4([1, 0, 0, 0, 2]), "2021")).verdict == "inconsistent"
    unsure = CellValue(2, "2", score=LOW_CONFIDENCE - 0.01)
    assert review_check(run_checks(t4([1, 0, 0, 0, 2], t4__review__total=unsure), "2021")).verdict == "doubt"
    sure = CellValue(2, "2", score=LOW_CONFIDENCE)
    assert review_check(run_checks(t4([1, 0, 0, 0, 2], t4__review__total=sure), "2021")).verdict == "inconsistent"
    inferred = CellValue(0, "", inferred=True)
    assert review_check(run_checks(t4([1, 0, 0, 0, 2], t4__review__pending=inferred), "2021")).verdict == "doubt"
    passing = review_check(run_checks(t4([1, 0, 0, 1, 2], t4__review__total=unsure), "2021"))
    assert passing.ok and passing.verdict is None  # only a failure has a verdict


def test_bare_values_count_as_read_with_confidence():
    """Gold cells, a table typed in: what is printed, so a failure is the report's."""
    check = review_check(run_checks(dict(zip(T4_REVIEW, [1, 0, 0, 0, 2], strict=True)), "2021"))
    assert not check.ok and check.verdict == "inconsistent"


def test_a_prose_count_against_an_unsure_table_cell_is_doubt():
    cells = {"t3.new.total": CellValue(15, "15", score=0.4)}
    (c,) = run_checks(cells, "none", text="本年共收到政府信息公开申请25件。")
    assert (c.id, c.ok, c.verdict) == ("X-NARRATIVE", False, "doubt")
    (c,) = run_checks({"t3.new.total": CellValue(15, "15")}, "none", text="本年共收到政府信息公开申请25件。")
    assert c.verdict == "inconsistent"


@pytest.fixture(scope="module")
def spans():
    return label(TEXT)


def test_a_cell_ocr_was_unsure_of_makes_its_failure_doubt(spans):
    """The same changed number, read from a scan where OCR gave its digits 0.6: extraction doubt."""
    s = next(s for s in spans if s.label == "t3.new.total")
    text = TEXT[: s.start] + "13" + TEXT[s.end :]
    boxes = [(0, 1, 1, 2, 2)] * len(text)
    scores = [0.6 if s.start <= i < s.end else 0.999 for i in range(len(text))]
    doc = Document(text, list(range(len(text))), text, "image", "x.png",
                   ocr=OcrInfo(boxes, 1, 0.99, scores), boxes=boxes)  # fmt: skip
    report = assemble(text, spans, locate=doc.locate)
    assert report.cells["t3.new.total"].score == 0.6 and report.cells["t3.new.person"].score == 0.999
    assert _failed(report) == {("T3-BALANCE", "total"): "doubt", ("T3-ROWSUM", "new"): "doubt"}


def _failed(report):
    return {(c.id, c.where): c.verdict for c in report.checks if not c.ok and c.severity == "error"}


def test_a_number_printed_wrong_is_a_report_inconsistency(spans):
    """Seed 000 with 一、本年新收 总计 printed 13 instead of 12: the rules read it with confidence."""
    s = next(s for s in spans if s.label == "t3.new.total")
    assert TEXT[s.start : s.end] == "12"
    report = assemble(TEXT[: s.start] + "13" + TEXT[s.end :], spans)
    assert report.cells["t3.new.total"].value == 13
    assert _failed(report) == {("T3-BALANCE", "total"): "inconsistent", ("T3-ROWSUM", "new"): "inconsistent"}


def test_the_same_failure_read_with_a_low_score_is_extraction_doubt(spans):
    s = next(s for s in spans if s.label == "t3.new.total")
    unsure = [replace(x, score=0.55) if x is s else x for x in spans]
    report = assemble(TEXT[: s.start] + "13" + TEXT[s.end :], unsure)
    assert report.cells["t3.new.total"].score == 0.55
    assert _failed(report) == {("T3-BALANCE", "total"): "doubt", ("T3-ROWSUM", "new"): "doubt"}


def test_cross_year_failures_and_the_audit_carry_the_verdict(spans):
    prev = assemble(TEXT, spans, doc_id="a", source="a.txt")
    cur = copy.deepcopy(prev)
    cur.doc_id, cur.source, cur.meta.year = "b", "b.txt", prev.meta.year + 1
    cur.cells["t3.carried_in.total"] = CellValue(3, "3")
    (bad,) = [c for c in cross_year_checks(prev, cur) if not c.ok]
    assert bad.verdict == "inconsistent"
    cur.cells["t3.carried_in.total"] = CellValue(3, "3", score=0.3)
    (bad,) = [c for c in cross_year_checks(prev, cur) if not c.ok]
    assert bad.verdict == "doubt"
    cur.cells["t3.carried_in.total"] = prev.cells["t3.carried_over.total"]
    cur.cells["t2.rules.in_force"] = CellValue(5, "5")  # the same key in both years: N−1's read unsure
    unsure_prev = copy.deepcopy(prev)
    unsure_prev.cells["t2.rules.in_force"] = replace(prev.cells["t2.rules.in_force"], score=0.3)
    assert [(c.where, c.verdict) for c in cross_year_checks(prev, cur) if not c.ok] == [("in_force.rules", "inconsistent")]
    assert [(c.where, c.verdict) for c in cross_year_checks(unsure_prev, cur) if not c.ok] == [("in_force.rules", "doubt")]

    s = next(s for s in spans if s.label == "t3.new.total")
    wrong = assemble(TEXT[: s.start] + "13" + TEXT[s.end :], spans, doc_id="wrong", source="wrong.txt")
    unsure = assemble(TEXT[: s.start] + "13" + TEXT[s.end :], [replace(x, score=0.55) if x is s else x for x in spans],
                      doc_id="unsure", source="unsure.txt")  # fmt: skip
    old = copy.deepcopy(wrong)  # a record written before checks had a verdict
    old.doc_id = "old"
    for c in old.checks:
        c.verdict = None
    a = audit_reports([prev, wrong, unsure, old])
    t = a.totals
    assert (t["failed identities"], t["failed: extraction doubt"], t["failed: inconsistent as printed"]) == (6, 2, 4)
    assert t["reports inconsistent as printed"] == 2
    assert "T3-BALANCE:total Δ+1 (doubt)" in format_audit(a) and "T3-BALANCE:total Δ+1 (inconsistent)" in format_audit(a)
