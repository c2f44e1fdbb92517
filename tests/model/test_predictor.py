"""The model engine's own logic: BIO decoding rules, window merging, batching; and a model
with random weights run end to end (it must never cost more than its own records)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gkml.labels import ID2LABEL, LABEL2ID, Span
from gkml.model.predictor import TagTable, decode, first_tokens, softmax

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
TABLE = TagTable(ID2LABEL)


def probs_for(tags: list[str], confidence: float = 0.9) -> np.ndarray:
    """Token probabilities whose argmax is ``tags``; the rest of the mass on O."""
    p = np.zeros((len(tags), len(ID2LABEL)), dtype=np.float32)
    for i, t in enumerate(tags):
        p[i, LABEL2ID[t]] = confidence
        p[i, LABEL2ID["O"]] += 1 - confidence
    return p


def char_offsets(text: str) -> list[tuple[int, int]]:
    """As the character tokenizer gives: one token per character, one per run of spaces."""
    return [(i, i + 1) for i, c in enumerate(text) if not (c in " \t" and i and text[i - 1] in " \t")]


def run(text: str, tags_by_char: dict[int, str], confidence: float = 0.9) -> list[Span]:
    offsets = char_offsets(text)
    tags = [tags_by_char.get(s, "O") for s, _ in offsets]
    return decode(text, offsets, probs_for(tags, confidence), TABLE)


def test_b_i_span_with_score_and_alternatives():
    text = "新收 12 件"
    spans = run(text, {3: "B-t3.new.total", 4: "I-t3.new.total"})
    assert [(s.start, s.end, s.label) for s in spans] == [(3, 5, "t3.new.total")]
    assert spans[0].score == pytest.approx(0.9)
    assert spans[0].alts[0] == ("t3.new.total", pytest.approx(0.9))


def test_orphan_i_opens_a_span():
    text = "x 12 y 7"
    spans = run(text, {2: "I-t3.new.total", 3: "I-t3.new.total", 7: "I-t4.review.total"})
    assert [(s.start, s.end, s.label) for s in spans] == [(2, 4, "t3.new.total"), (7, 8, "t4.review.total")]


def test_i_of_another_type_opens_a_new_span():
    spans = run("12", {0: "B-t3.new.total", 1: "I-t3.new.person"})
    assert [(s.start, s.end, s.label) for s in spans] == [(0, 1, "t3.new.total"), (1, 2, "t3.new.person")]


def test_an_o_token_ends_a_span():
    spans = run("1x2", {0: "B-t3.new.total", 2: "I-t3.new.total"})
    assert [(s.start, s.end) for s in spans] == [(0, 1), (2, 3)]


@pytest.mark.parametrize(
    ("text", "label", "pieces"),
    [
        ("1\n2", "t3.new.total", 2),  # a cell never holds a line break (one cell per line layout)
        ("1 | 2", "t3.new.total", 3),  # nor a cell separator (a bar read as a cell is a blank cell)
        ("一、总\n体情况", "SEC1", 2),
        ("800\n余条", "FACT.active", 2),
        ("南丰\n镇", "AGENCY", 1),  # a title may wrap
        ("1 2", "t3.new.total", 1),  # a space is not a boundary
    ],
)
def test_line_breaks_end_spans_unless_the_label_wraps(text, label, pieces):
    idx = [s for s, _ in char_offsets(text)]
    tags = {i: ("B-" if n == 0 else "I-") + label for n, i in enumerate(idx)}
    spans = run(text, tags)
    assert len(spans) == pieces and all(s.label == label for s in spans)
    assert spans[0].start == idx[0] and spans[-1].end == idx[-1] + 1


def test_a_cell_read_on_whitespace_is_a_blank_cell_alone():
    text = "规章 |  | 3 |\n行政许可\n\n205"
    gap, line = text.index("|  |") + 1, text.index("\n\n") + 1
    tags = {gap: "B-t2.rules.repealed", gap + 2: "I-t2.rules.repealed", line: "B-t2.licensing.decisions"}
    tags[gap + 3] = tags[line - 1] = "I-t2.rules.repealed"  # an I- on whitespace that continues nothing
    spans = run(text, tags)
    # the spaces between two bars and an empty line's break, tagged B-, stand for cells printed as
    # nothing, and so does a bar whatever its tag
    assert [(s.start, s.end, s.label) for s in spans] == [
        (gap, gap + 1, "t2.rules.repealed"),
        (gap + 2, gap + 3, "t2.rules.repealed"),
        (line, line + 1, "t2.licensing.decisions"),
    ]


def test_repeated_offsets_speak_once():
    # NFKC turns "…" into three tokens with the offsets of the one character
    offsets = [(0, 1), (1, 2), (1, 2), (1, 2), (2, 3)]
    assert first_tokens(offsets) == [0, 1, 4]
    assert first_tokens([(0, 0), (0, 1), (0, 0)]) == [1]


def test_unknown_labels_of_an_older_model_are_dropped():
    table = TagTable({0: "O", 1: "B-t3.new.total", 2: "I-t3.new.total", 3: "B-GONE", 4: "I-GONE"})
    p = np.zeros((3, 5), dtype=np.float32)
    p[0, 1] = p[1, 2] = p[2, 3] = 1.0
    spans = decode("123", [(0, 1), (1, 2), (2, 3)], p, table)
    assert [(s.start, s.end, s.label) for s in spans] == [(0, 2, "t3.new.total")]


def test_alternatives_rank_entity_types():
    text = "5"
    p = np.zeros((1, len(ID2LABEL)), dtype=np.float32)
    p[0, LABEL2ID["B-t3.granted.person"]] = 0.5
    p[0, LABEL2ID["B-t3.granted.business"]] = 0.3
    p[0, LABEL2ID["O"]] = 0.2
    (span,) = decode(text, [(0, 1)], p, TABLE)
    assert span.label == "t3.granted.person" and span.score == pytest.approx(0.5)
    assert [a for a, _ in span.alts] == ["t3.granted.person", "t3.granted.business"]


def test_softmax_rows_sum_to_one():
    x = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]], dtype=np.float32)
    assert np.allclose(softmax(x.copy()).sum(-1), 1.0)


# ---------------------------------------------------------------------------
# A real (random-weight) model: batching and window merging


@pytest.fixture(scope="module")
def random_model(tmp_path_factory):
    """A model directory built from the tiny config without training: random weights, so
    predictions are arbitrary spans — what robustness needs, instantly."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from gkml.model.network import build_model
    from gkml.model.tokenizer import build_tokenizer
    from gkml.training.config import load_config

    cfg = load_config(ROOT / "configs" / "tiny.yaml")
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    tokenizer = build_tokenizer(texts, common="none")
    torch.manual_seed(0)
    model = build_model(cfg.model, cfg.windowing, tokenizer)
    out = tmp_path_factory.mktemp("random-model")
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    return out


def test_batched_windows_equal_one_text_at_a_time(random_model):
    from gkml.model.torch_backend import Predictor

    texts = [p.read_text(encoding="utf-8")[:700] for p in sorted(SAMPLES.glob("*.txt"))] + ["", "  \n"]
    p = Predictor(random_model, batch_size=5)
    assert p.max_length == 128 and p.stride == 32  # the recipe stored with the model
    batched = p.label_many(texts)
    single = [Predictor(random_model, batch_size=1)(t) for t in texts]
    assert len(batched) == len(texts) and batched[-2] == []
    for a, b in zip(batched, single, strict=True):
        assert [(s.start, s.end, s.label) for s in a] == [(s.start, s.end, s.label) for s in b]
        assert all(x.score == pytest.approx(y.score, abs=1e-3) for x, y in zip(a, b, strict=True))
    for text, spans in zip(texts, batched, strict=True):
        for s in spans:
            assert 0 <= s.start <= s.end <= len(text) and 0 <= s.score <= 1
            # empty: a blank cell, where its whitespace or the bar closing it stands
            assert s.start < s.end or text[s.start] == "|" or text[s.start].isspace()
            if s.label.startswith(("t", "SEC", "FACT")):
                assert "\n" not in text[s.start : s.end]


def test_a_model_reading_the_older_ordinal_channel_is_refused(random_model, tmp_path):
    """A model trained before the row-end mark has half the token types: fed this gkml's ids it
    would index past its embeddings, so it is refused with what to do."""
    import torch
    from transformers import AutoModelForTokenClassification

    from gkml.model.features import ROW_END
    from gkml.model.torch_backend import Predictor

    model = AutoModelForTokenClassification.from_pretrained(random_model)
    embeddings = model.base_model.embeddings
    embeddings.token_type_embeddings = torch.nn.Embedding(ROW_END, embeddings.token_type_embeddings.embedding_dim)
    model.config.type_vocab_size = ROW_END
    model.save_pretrained(tmp_path)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        if (random_model / name).exists():
            (tmp_path / name).write_bytes((random_model / name).read_bytes())
    with pytest.raises(ValueError, match="older cell-ordinal channel.*retrain"):
        Predictor(tmp_path)


@pytest.mark.parametrize(
    "wins",
    [
        [(0, 6), (4, 10), (8, 14)],  # in order, each overlapping the last: copied, then added
        [(0, 6), (2, 8), (4, 10)],  # three windows over one token
        [(4, 10), (0, 6), (8, 14)],  # out of order: a window with unread tokens on both sides
    ],
)
def test_window_sums_are_those_of_adding_to_zeros(wins):
    from gkml.model.predictor import _accumulate

    rng = np.random.default_rng(1)
    logits = [rng.normal(size=(e - s, 5)).astype(np.float32) for s, e in wins]
    ref, got, count = np.zeros((14, 5), np.float32), np.full((14, 5), np.nan, np.float32), np.zeros(14, np.float32)
    for (s, e), lg in zip(wins, logits, strict=True):
        ref[s:e] += lg
        _accumulate(got, count, s, e, lg)
    read = count > 0
    assert np.array_equal(got[read], ref[read])  # bit for bit
    assert count.tolist() == [sum(s <= t < e for s, e in wins) for t in range(14)]


def test_whitespace_tokens_are_found_for_all_tokens_at_once():
    from gkml.model.predictor import _all_space

    text = "规章 |  | 3\n\u3000\t行政许可 \u00a0x"
    offsets = np.array([(0, 1), (2, 3), (3, 5), (5, 6), (6, 7), (7, 8), (8, 10), (10, 11), (0, 0), (14, 16), (16, 17)])
    assert _all_space(text, offsets).tolist() == [e > s and text[s:e].isspace() for s, e in offsets]


def test_overlapping_windows_are_averaged(random_model):
    from gkml.model.features import ROW_END, cell_ordinals, windows
    from gkml.model.torch_backend import Predictor

    p = Predictor(random_model)
    text = SAMPLES.joinpath("000_7cbeb50e901d1ece.txt").read_text(encoding="utf-8")[:400]
    (enc,) = p.encode([text])
    assert enc.types == [cell_ordinals(text)[s] for s, _ in enc.offsets]
    (row,) = p.encode(["| 小计 | 8 | 1 | 12 |"])  # the model reads each number's place in its row
    assert p.cell_ordinals and [t for t in row.types if t] == [1, 2, ROW_END + 3, ROW_END + 3]  # 12: the last
    wins = windows(len(enc.ids), p.max_length - 2, p.stride)
    assert len(wins) >= 3
    ((_, merged),) = list(p.logits_many([enc]))
    per_window = p._forward([(enc.ids[s:e], enc.types[s:e]) for s, e in wins])
    t = wins[1][0]  # first token of window 1: also read by window 0
    assert wins[0][0] <= t < wins[0][1]
    expected = (per_window[0][t - wins[0][0]] + per_window[1][0]) / 2
    assert np.allclose(merged[t], expected, atol=1e-5)
    assert np.allclose(merged[0], per_window[0][0], atol=1e-5)  # read by one window only


def test_quantized_model_labels_too(random_model):
    from gkml.model.torch_backend import Predictor

    q = Predictor(random_model, quantize=True)
    assert q.quantized and q.version.endswith("+int8")
    assert isinstance(q("南丰镇2022年政府信息公开工作年度报告"), list)


def test_model_engine_never_costs_more_than_a_record(random_model, tmp_path):
    from gkml.cli import main

    out = tmp_path / "out.jsonl"
    code = main(["predict", str(SAMPLES), str(tmp_path / "missing.txt"), "-o", str(out), "-q",
                 "--engine", "model", "--model", str(random_model), "--batch-size", "3"])  # fmt: skip
    assert code == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 6 and [r["status"] for r in records] == ["ok"] * 5 + ["error"]
    assert all(r["engine"] == f"model:{random_model.name}" for r in records[:5])
    for r in records[:5]:
        assert r["template"] in ("2021", "2019", "none")
        for c in r["cells"].values():
            assert c["inferred"] or c["raw"] is not None


def test_snap_to_whole_numbers_and_counts():
    from gkml.model.snap import snap

    text = "行政许可\n205\n收费530.67万元\n主动公开信息800余条,培训两次\n增减\n- 3 -\n-1"
    five = text.index("205") + 2
    fee = text.index("530.67")
    count = text.index("余条")
    spans = [
        Span(five, five + 1, "t2.licensing.decisions", 0.7),  # "5" of "205"
        Span(five - 2, five - 1, "t2.licensing.decisions", 0.4),  # "2" of "205": merged, best score kept
        Span(fee + 4, fee + 6, "t2.fees.amount", 0.8),  # "67" of "530.67"
        Span(count, count + 2, "FACT.active", 0.6),  # "余条" of "800余条"
        Span(text.index("两"), text.index("两") + 1, "FACT.training", 0.5),
        Span(0, 2, "SEC2", 0.9),  # not a number: untouched
        Span(five, five + 1, "FACT.other", 0.9),  # a table number is no count in prose: dropped
        Span(len(text) - 2, len(text) - 1, "t2v19.fees.change", 0.6),  # the sign of "-1"
        Span(text.index("3 -"), text.index("3 -") + 1, "t2.penalty.decisions", 0.9),  # a page number
    ]
    got = [(text[s.start : s.end], s.label, s.score) for s in snap(text, spans)]
    bar = "规章 |  | 3 |".index("|  |") + 3
    (blank,) = snap("规章 |  | 3 |", [Span(bar, bar + 1, "t2.rules.repealed", 0.9)])
    assert (blank.start, blank.end) == (bar, bar)  # the bar closing an empty cell: printed as nothing
    (blank,) = snap("规章 |  | 3 |", [Span(bar - 2, bar - 1, "t2.rules.repealed", 0.9)])
    assert (blank.start, blank.end) == (bar - 2, bar - 2)  # so are its spaces
    assert got == [
        ("行政", "SEC2", 0.9),
        ("205", "t2.licensing.decisions", 0.7),
        ("530.67", "t2.fees.amount", 0.8),
        ("800余条", "FACT.active", 0.6),
        ("两次", "FACT.training", 0.5),
        ("-1", "t2v19.fees.change", 0.6),
    ]
