"""The rule labeller as a whole: the spans it returns on every seed, and on nothing."""

import pytest
from rules_support import SEED, cell_spans, seed_text, spans_of

from gkml.labels import ENTITY_TYPES
from gkml.rules import label
from gkml.rules.cells import is_value
from gkml.schema import CELLS


@pytest.mark.parametrize("n", sorted(SEED))
def test_spans_are_sorted_typed_and_cells_are_value_tokens(n):
    text = seed_text(n)
    spans = label(text)
    assert spans == sorted(spans, key=lambda s: (s.start, s.end, s.label))
    for s in spans:
        assert s.label in ENTITY_TYPES and 0 <= s.start <= s.end <= len(text)
        if s.label in CELLS:
            raw = text[s.start : s.end]
            assert s.start == s.end or (raw == raw.strip() and is_value(raw)), (s.label, raw)
    cell_spans(text)  # one span per key


def test_narrative_report_002_has_sections_but_no_cells():
    text = seed_text("002")
    assert not cell_spans(text)
    assert [lab for lab, _ in spans_of(text, "SEC")] == ["SEC1", "SEC2", "SEC3", "SEC4", "SEC5"]
    assert ("SEC4", "五、申请行政复议和提起行政诉讼情况") in spans_of(text, "SEC")


def test_empty_text_gives_no_spans():
    assert label("") == []


def test_a_spaced_sentence_that_counts_is_facts_not_a_table_row():
    """PDF text spaces the numbers of a sentence ("予以公开 57 件"): the words before a number
    name a table-3 row, yet with its counting word and clause marks the line is prose."""
    text = ("三、收到和处理政府信息公开申请情况\n"
            "全年共收到申请 267 件，其中予以公开 57 件（21.35%），部分公开 12 件，不予公开 3 件。\n")  # fmt: skip
    spans = label(text)
    assert not [s for s in spans if s.label in CELLS]
    assert [(s.label, text[s.start : s.end]) for s in spans if s.label.startswith("FACT.")] == [
        ("FACT.request", "267 件"), ("FACT.request", "57 件"), ("FACT.share", "21.35%"),
        ("FACT.request", "12 件"), ("FACT.request", "3 件"),
    ]  # fmt: skip


def test_a_pdf_table_row_keeps_its_numbers():
    text = "三、收到和处理政府信息公开申请情况\n(一)予以公开 57 3 0 0 0 0 60\n"
    assert {s.label: text[s.start : s.end] for s in label(text) if s.label.startswith("t3.granted.")}["t3.granted.person"] == "57"
