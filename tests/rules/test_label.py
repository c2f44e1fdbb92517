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
