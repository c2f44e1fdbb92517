"""Section headings (gkml.rules.sections)."""

import re

import pytest
from rules_support import seed_text, spans_of

from gkml.rules import label


@pytest.mark.parametrize("n", ["000", "001", "003", "004"])
def test_six_sections_in_order(n):
    text = seed_text(n)
    secs = spans_of(text, "SEC")
    assert [lab for lab, _ in secs] == [f"SEC{i}" for i in range(1, 7)]
    assert all(re.match(r"[一二三四五六]、", heading) for _, heading in secs)


def test_section_variants():
    text = seed_text("001")
    assert ("SEC5", "五、存在的主要问题及改进措施") in spans_of(text, "SEC")
    # the intro sentence lists every title; it is not a heading
    text = seed_text("000")
    intro = text.index("本报告由总体情况")
    line = (text.rfind("\n", 0, intro), text.index("\n", intro))
    assert not [s for s in label(text) if s.label.startswith("SEC") and line[0] < s.start < line[1]]
    # a heading glued by OCR to the paragraph before it, and headings without numbers
    glued = text.replace("900余件。\n\n二、主动公开", "900余件。二、主动公开")
    assert ("SEC2", "二、主动公开政府信息情况") in spans_of(glued, "SEC")
    bare = text.replace("一、总体情况", "总体情况").replace(
        "六、其他需要报告的事项", "(六)其他需要报告的事项"
    )
    assert [h for _, h in spans_of(bare, "SEC")][::5] == ["总体情况", "(六)其他需要报告的事项"]
