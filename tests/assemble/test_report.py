"""Assembly rules on seed 000's real text: contested cells settled by the identities, missing
cells inferred (and marked), printed values never altered, template and sections."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gkml.assemble.infer import infer_cells
from gkml.assemble.report import ALT_MIN, assemble, detect_template
from gkml.labels import Span
from gkml.rules import label
from gkml.schema import CellValue, Section

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TEXT = (SAMPLES / "000_7cbeb50e901d1ece.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def spans() -> list[Span]:
    return label(TEXT)


def span_of(spans: list[Span], key: str) -> Span:
    return next(s for s in spans if s.label == key)


def errors(report) -> list[tuple[str, str]]:
    return [(c.id, c.where) for c in report.checks if not c.ok and c.severity == "error"]


def test_rule_spans_assemble_unchanged(spans):
    report = assemble(TEXT, spans)
    assert report.template == "2021" and len(report.cells) == 200
    assert not any(c.inferred for c in report.cells.values()) and not errors(report)
    assert report.cells["t3.granted.person"].value == 10 and report.missing_sections == []
    assert any(c.id == "X-NARRATIVE" for c in report.checks)  # prose checked against the table


def test_missing_total_is_inferred_and_marked(spans):
    report = assemble(TEXT, [s for s in spans if s.label != "t3.new.total"])
    cell = report.cells["t3.new.total"]
    assert cell == CellValue(value=12, raw="", start=None, end=None, score=1.0, inferred=True)
    assert not errors(report)


def test_a_whole_missing_row_is_inferred_from_the_column_sums(spans):
    report = assemble(TEXT, [s for s in spans if not s.label.startswith("t3.granted.")])
    got = {k: c.value for k, c in report.cells.items() if k.startswith("t3.granted.")}
    assert got["t3.granted.person"] == 10 and got["t3.granted.total"] == 10 and len(got) == 7
    assert all(report.cells[k].inferred for k in got) and not errors(report)


def test_parts_of_a_total_already_made_up_are_inferred_zero(spans):
    # two rows missing: each column's outcome sum has two unknowns, which only 0 + 0 fills
    gone = ("t3.denied_secret.", "t3.denied_law.")
    report = assemble(TEXT, [s for s in spans if not s.label.startswith(gone)])
    got = {k: c for k, c in report.cells.items() if k.startswith(gone)}
    assert len(got) == 14 and all(c.value == 0 and c.inferred and c.raw == "" for c in got.values())
    assert not errors(report)
    # but two unknowns that must share a remainder are not guessed
    cells = {
        "t3.new.business": CellValue(0, "0"), "t3.new.research": CellValue(0, "0"),
        "t3.new.social_org": CellValue(0, "0"), "t3.new.legal_org": CellValue(0, "0"),
        "t3.new.total": CellValue(5, "5"),
    }  # fmt: skip
    assert infer_cells(cells, "2021") == {}  # person + other_org = 5
    cells["t3.new.total"] = CellValue(0, "0")
    assert {k: c.value for k, c in infer_cells(cells, "2021").items()} == {"t3.new.person": 0, "t3.new.other_org": 0}


def test_no_inference_when_the_identities_disagree():
    # person = total - others by the row, but the column says otherwise: not fixed, not filled
    cells = {
        "t3.new.business": CellValue(0, "0"), "t3.new.research": CellValue(0, "0"),
        "t3.new.social_org": CellValue(0, "0"), "t3.new.legal_org": CellValue(0, "0"),
        "t3.new.other_org": CellValue(0, "0"), "t3.new.total": CellValue(5, "5"),
        "t3.carried_in.person": CellValue(0, "0"), "t3.total.person": CellValue(3, "3"),
        "t3.carried_over.person": CellValue(0, "0"),
    }  # fmt: skip
    assert infer_cells(cells, "2021") == {}
    cells["t3.total.person"] = CellValue(5, "5")
    assert infer_cells(cells, "2021")["t3.new.person"].value == 5
    cells["t3.new.total"] = CellValue(0, "0")
    cells["t3.new.business"] = CellValue(2, "2")
    assert "t3.new.person" not in infer_cells(cells, "2021")  # would be negative


def test_the_one_cell_missing_among_blanks_is_a_blank():
    """A row printed empty whose total the reader missed: nothing printed adds up to nothing
    printed, so the total is an inferred blank, not an inferred 0 (chain-7-000007's 复议后起诉
    row in the scan set); one printed 0 among them makes it the 0 the identity gives."""
    parts = ("upheld", "corrected", "other", "pending")
    cells = {f"t4.suit_after_review.{p}": CellValue(None, "") for p in parts}
    got = infer_cells(cells, "2021")["t4.suit_after_review.total"]
    assert got.value is None and got.inferred and got.raw == ""
    cells["t4.suit_after_review.upheld"] = CellValue(0, "0")
    assert infer_cells(cells, "2021")["t4.suit_after_review.total"].value == 0


def test_cells_missing_among_blanks_are_blanks():
    """Two cells of a row printed empty, not found (synth03-text.pdf of scripts/render_pages.py:
    行政复议's 结果维持 and 其他结果 beside three printed blanks): blanks, not 0; beside a printed 0
    they are the 0s the identity gives."""
    cells = {f"t4.review.{p}": CellValue(None, "") for p in ("corrected", "pending", "total")}
    got = infer_cells(cells, "2021")
    assert {k: (c.value, c.inferred) for k, c in got.items()} == {
        "t4.review.upheld": (None, True), "t4.review.other": (None, True)}  # fmt: skip
    cells["t4.review.total"] = CellValue(0, "0")
    assert {k: c.value for k, c in infer_cells(cells, "2021").items()} == {"t4.review.upheld": 0, "t4.review.other": 0}


def test_a_duplicate_claim_is_settled_by_the_identities(spans):
    real = span_of(spans, "t3.granted.person")  # "10"
    at = TEXT.index("收到依申请公开件12件") + len("收到依申请公开件")  # "12" in the prose
    edited = [replace(s, score=0.8) if s == real else s for s in spans]
    edited.append(Span(at, at + 2, "t3.granted.person", 0.95))
    report = assemble(TEXT, edited)
    assert report.cells["t3.granted.person"].start == real.start
    assert report.cells["t3.granted.person"].value == 10 and not errors(report)


def test_swapped_labels_are_swapped_back_through_the_alternatives(spans):
    a, b = span_of(spans, "t3.granted.person"), span_of(spans, "t3.granted.business")
    wrong_a = Span(a.start, a.end, b.label, 0.6, alts=((b.label, 0.6), (a.label, 0.4)))
    wrong_b = Span(b.start, b.end, a.label, 0.6, alts=((a.label, 0.6), (b.label, 0.4)))
    edited = [s for s in spans if s not in (a, b)] + [wrong_a, wrong_b]
    report = assemble(TEXT, edited)
    assert report.cells["t3.granted.person"].start == a.start and report.cells["t3.granted.person"].value == 10
    assert report.cells["t3.granted.business"].start == b.start and not errors(report)
    # a runner-up below ALT_MIN is not tried: the swap stays, and the checks say so
    low = ALT_MIN / 2
    wrong_a = Span(a.start, a.end, b.label, 0.6, alts=((b.label, 0.6), (a.label, low)))
    wrong_b = Span(b.start, b.end, a.label, 0.6, alts=((a.label, 0.6), (b.label, low)))
    report = assemble(TEXT, [s for s in spans if s not in (a, b)] + [wrong_a, wrong_b])
    assert report.cells["t3.granted.person"].value == 0
    assert ("T3-OUTCOMES", "person") in errors(report)


def test_printed_values_are_never_altered(spans):
    # the report prints a wrong total: the checks say so, nothing is "fixed"
    total = span_of(spans, "t3.new.total")
    text = TEXT[: total.start] + "13" + TEXT[total.end :]
    report = assemble(text, spans)
    assert report.cells["t3.new.total"] == CellValue(13, "13", total.start, total.end, 1.0, False)
    assert set(errors(report)) == {("T3-BALANCE", "total"), ("T3-ROWSUM", "new")}


def test_one_printed_number_is_one_cell(spans):
    # the model says t3.granted.business, the rules t3.granted.person, over the same "10":
    # it goes to one key only, the one the identities agree with
    real, business = span_of(spans, "t3.granted.person"), span_of(spans, "t3.granted.business")
    edited = [s for s in spans if s != business] + [Span(real.start, real.end, business.label, 1.0)]
    report = assemble(TEXT, edited)
    assert report.cells["t3.granted.person"].start == real.start and not errors(report)
    assert report.cells["t3.granted.business"] == CellValue(0, "", None, None, 1.0, inferred=True)


def test_cells_of_the_other_template_are_dropped(spans):
    stray = Span(span_of(spans, "t3.new.total").start, span_of(spans, "t3.new.total").end, "t2v19.rules.new_made", 0.9)
    report = assemble(TEXT, [*spans, stray])
    assert report.template == "2021" and not any(k.startswith("t2v19") for k in report.cells)


def test_template_detection():
    assert detect_template([]) == "none"
    assert detect_template(["t2.rules.issued", "t3.new.total"]) == "2021"
    assert detect_template(["t2v19.rules.new_made", "t2v19.rules.new_published", "t2.rules.issued"]) == "2019"
    shared = ["t3.new.total", "t4.review.total"]
    assert detect_template(shared) == "2021"
    assert detect_template(shared, text="信息内容 本年新制作数量 本年新公开数量") == "2019"
    assert detect_template(shared, text="本年制发件数 现行有效件数", year=2019) == "2021"
    assert detect_template(shared, year=2020) == "2019"


def test_sections_best_heading_per_number_and_missing(spans):
    report = assemble(TEXT, [s for s in spans if s.label != "SEC5"])
    assert report.missing_sections == [5] and [s.no for s in report.sections] == [1, 2, 3, 4, 6]
    sec1 = span_of(spans, "SEC1")
    weak = Span(0, 4, "SEC1", 0.3)  # a weaker SEC1 elsewhere loses to the real heading
    report = assemble(TEXT, [*spans, weak])
    assert report.sections[0] == Section(1, TEXT[sec1.start : sec1.end].strip(), sec1.start, report.sections[1].start)


def test_no_spans_no_tables():
    report = assemble("一段没有表格的文字。", [])
    assert report.template == "none" and report.cells == {} and report.missing_sections == [1, 2, 3, 4, 5, 6]


def test_a_report_error_is_not_explained_away_by_leaving_a_cell_out(spans):
    # 予以公开 自然人 printed 11 instead of 10; another reading claims the 0 next to it for
    # a third key. Leaving t3.granted.business out would skip the broken row sum: not allowed.
    real, business = span_of(spans, "t3.granted.person"), span_of(spans, "t3.granted.business")
    text = TEXT[: real.start] + "11" + TEXT[real.end :]
    edited = [*spans, Span(business.start, business.end, "t3.granted.research", 0.3)]
    report = assemble(text, edited)
    assert report.cells["t3.granted.person"].value == 11 and "t3.granted.business" in report.cells
    assert set(errors(report)) == {("T3-ROWSUM", "granted"), ("T3-OUTCOMES", "person")}
