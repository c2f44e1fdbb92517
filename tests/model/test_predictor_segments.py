"""A text longer than the model's segment is read piece by piece (bounded memory: the logits of a
2-million-character text would take 5 GB at once), and reads as it would whole."""

from __future__ import annotations

import pytest
from conftest import ROOT, SAMPLES

from gkml.model import predictor
from gkml.model.predictor import segments

MODEL = ROOT / "models" / "gkml-small"


def test_segments_cover_the_text_once_cut_at_line_breaks():
    text = "".join(f"第{i}行 | {i} | {i * 2}\n" for i in range(3000))
    pieces = segments(text, size=5000, margin=300)
    assert len(pieces) > 10
    assert pieces[0][2] == 0 and pieces[-1][3] == len(text)
    for (lo, hi, own_lo, own_hi), nxt in zip(pieces, pieces[1:] + [None], strict=True):
        assert lo == max(0, own_lo - 300) and hi == min(len(text), own_hi + 300)
        assert 2500 <= own_hi - own_lo <= 5000 or nxt is None
        if nxt is not None:
            assert nxt[2] == own_hi and text[own_hi - 1] == "\n"  # parts meet at a line break
    assert segments("短", size=5000) == [(0, 1, 0, 1)]
    line = "x" * 12_000  # no line break: cut where the size says
    assert [(a, b) for _, _, a, b in segments(line, size=5000, margin=0)] == [(0, 5000), (5000, 10000), (10000, 12000)]


@pytest.mark.skipif(not (MODEL / "config.json").is_file(), reason="models/gkml-small not trained yet")
@pytest.mark.parametrize("name", ["000_7cbeb50e901d1ece.txt", "001_eb0a65417e597162.txt", "004_93c87546c824c53b.txt"])
def test_a_long_text_read_in_pieces_reads_as_it_does_whole(monkeypatch, name):
    """Four copies of a report read whole, and in four pieces of a third of it each: the same
    spans but for a few near the cuts (the cell ordinals of a piece count from its own start)."""
    from gkml.engines import get_labeller

    labeller = get_labeller("model", MODEL)
    text = "\n".join([(SAMPLES / name).read_text(encoding="utf-8")] * 4)  # 12,000 to 16,000 characters
    whole = {(s.start, s.end, s.label) for s in labeller.label_many([text])[0]}
    monkeypatch.setattr(predictor, "SEGMENT_CHARS", len(text) // 3)
    assert len(segments(text)) == 4
    first, short = labeller.label_many([text, "南丰镇2022年政府信息公开工作年度报告"])
    pieces = {(s.start, s.end, s.label) for s in first}
    assert len(whole) > 800 and len(whole & pieces) >= 0.99 * len(whole) and len(pieces) <= 1.01 * len(whole)
    assert short == labeller("南丰镇2022年政府信息公开工作年度报告")  # a short text beside it is read whole
