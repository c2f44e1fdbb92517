"""The training path: metrics over merged windows, a tiny model trained for a few steps on
seed-derived reports, saved, reloaded and used to predict; resume, init_from, cached data."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from training_support import SAMPLES, TINY, base, merged, seed_record, write

from gkml.labels import ID2LABEL, TAGS
from gkml.training.config import load_config
from gkml.training.data import IGNORE, encode_batch


@pytest.fixture(scope="module")
def ml():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("datasets")
    pytest.importorskip("seqeval")


@pytest.fixture(scope="module")
def tokenizer(ml):
    from gkml.model.tokenizer import build_tokenizer

    return build_tokenizer(["南丰镇2022年政府信息公开工作年度报告"], common="none")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A corpus dir as `gkml synth` writes it: reports.jsonl plus a datasets copy."""
    out = tmp_path_factory.mktemp("corpus")
    records = [seed_record(p) for p in sorted(SAMPLES.glob("*.txt"))]
    assert sum(any(s["label"] == "SEC1" for s in r["spans"]) for r in records) >= 3
    with open(out / "reports.jsonl", "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return out


# ---------------------------------------------------------------------------
# Metrics over whole reports


def test_compute_metrics_merges_windows_and_refuses_shuffled_ones(tokenizer):
    import numpy as np
    from datasets import Dataset
    from transformers import EvalPrediction

    from gkml.training.train import metrics_for

    records = [seed_record(p, 600) for p in sorted(SAMPLES.glob("*.txt"))[:3]]
    rows = encode_batch(
        {k: [r[k] for r in records] for k in ("id", "text", "spans")},
        [0, 1, 2],
        tokenizer.backend_tokenizer.to_str(),
        64,
        16,
        tokenizer.cls_token_id,
        tokenizer.sep_token_id,
        "e:",
    )
    table = Dataset.from_dict(rows)
    width = max(rows["length"])
    labels = np.array([r + [IGNORE] * (width - len(r)) for r in rows["labels"]])  # padded as the Trainer does
    compute_metrics, last = metrics_for(table)
    perfect = compute_metrics(
        EvalPrediction(predictions=np.where(labels == IGNORE, 0, labels), label_ids=labels)
    )
    assert perfect["f1"] == 1.0 and perfect["f1_SEC"] == 1.0 and perfect["f1_FACT"] == 1.0
    assert last["per_type"]["SEC1"]["support"] >= 2
    none = compute_metrics(EvalPrediction(predictions=np.zeros_like(labels), label_ids=labels))
    assert none["f1"] == 0.0 and none["recall"] == 0.0
    with pytest.raises(ValueError, match="out of order"):
        compute_metrics(EvalPrediction(predictions=labels[::-1], label_ids=labels[::-1]))


def test_entity_scores_are_seqeval_strict(ml):
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    from gkml.training.train import entity_scores

    rng = random.Random(3)
    types = ["YEAR", "SEC2", "t3.new.total", "t4.review.total", "FACT.money"]
    tags = ["O"] + [f"{p}-{t}" for t in types for p in "BI"]
    gold = [[rng.choice(tags) for _ in range(40)] for _ in range(20)]
    pred = [[t if rng.random() < 0.8 else rng.choice(tags) for t in seq] for seq in gold]
    s = entity_scores(gold, pred, per_type=True)
    kw = {"mode": "strict", "scheme": IOB2, "zero_division": 0}
    assert s["f1"] == pytest.approx(f1_score(gold, pred, **kw))
    assert s["precision"] == pytest.approx(precision_score(gold, pred, **kw))
    assert s["recall"] == pytest.approx(recall_score(gold, pred, **kw))
    assert set(s["per_type"]) <= set(types) and 0 < s["f1_T3"] <= 1


# ---------------------------------------------------------------------------
# Training end to end


def tiny_overrides(corpus: Path, out: Path, **training) -> dict:
    return {
        "output_dir": str(out),
        "data": {
            "train": [{"kind": "synth", "path": str(corpus), "weight": 1.5}],
            "eval": [{"kind": "synth", "path": str(corpus / "reports.jsonl"), "limit": 2}],
        },
        "training": {"epochs": 2, **training},
    }


def test_train_tiny_model_then_predict(ml, corpus, tmp_path, capsys):
    from datasets import Dataset

    from gkml.cli import main
    from gkml.model.network import load_model

    # the datasets copy, as `gkml synth` saves it (extra columns are ignored)
    records = [
        json.loads(line) for line in (corpus / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    Dataset.from_list(records).save_to_disk(str(corpus / "dataset"))

    out = tmp_path / "model"
    cfg_path = write(tmp_path, merged(base(), tiny_overrides(corpus, out)))
    assert main(["train", str(cfg_path), "-q", "--set", "training.logging_steps=2"]) == 0
    assert "entity F1" in capsys.readouterr().out

    names = {p.name for p in out.iterdir()}
    assert {
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "metrics.json",
        "config.resolved.yaml",
        "model.onnx",  # exported for gkml predict's default backend
    } <= names
    assert not any(n.startswith("checkpoint-") for n in names) and "training_args.bin" not in names
    assert list((corpus / "dataset").glob("cache-*.arrow"))  # windows cached beside the corpus
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    for key in (
        "f1",
        "precision",
        "recall",
        "f1_SEC",
        "f1_T2",
        "f1_T3",
        "f1_T4",
        "f1_FACT",
        "f1_META",
        "loss",
    ):
        assert key in metrics["eval"]
    assert metrics["data"]["train_reports"] == 5 and metrics["data"]["eval_reports"] == 2
    assert metrics["train"]["tokens_per_second"] > 0 and metrics["epochs"] == pytest.approx(2.0)
    resolved = load_config(out / "config.resolved.yaml")
    assert resolved.training.logging_steps == 2 and resolved.data.train[0].weight == 1.5

    tokenizer, model = load_model(out)
    assert model.config.id2label == ID2LABEL and model.config.num_labels == len(TAGS)
    assert (model.config.window_max_length, model.config.window_stride) == (128, 32)
    assert model.config.max_position_embeddings >= 128 and not model.training
    text = records[0]["text"][:100]
    import torch

    enc = tokenizer(text, return_tensors="pt", return_offsets_mapping=True)
    enc.pop("offset_mapping")
    with torch.no_grad():
        logits = model(**enc).logits
    assert logits.shape == (1, enc["input_ids"].shape[1], len(TAGS))
    assert all(ID2LABEL[i] in TAGS for i in logits.argmax(-1)[0].tolist())
    from gkml.model.onnx_backend import OnnxPredictor
    from gkml.model.torch_backend import Predictor

    texts = [r["text"] for r in records]
    onnx, ref = OnnxPredictor(out).label_many(texts), Predictor(out).label_many(texts)  # the export reads as torch
    assert [[(s.start, s.end, s.label) for s in spans] for spans in onnx] == [[(s.start, s.end, s.label) for s in spans] for spans in ref]
    assert all(a.score == pytest.approx(b.score, abs=2e-4) for x, y in zip(onnx, ref, strict=True) for a, b in zip(x, y, strict=True))


def test_resume_continues_from_the_last_checkpoint(ml, corpus, tmp_path, monkeypatch):
    import gkml.training.train as train_mod
    from gkml.training.train import checkpoints, train

    out = tmp_path / "model"
    cfg = load_config(TINY, tiny_overrides(corpus, out, epochs=1, early_stopping_patience=1))
    kept = []
    monkeypatch.setattr(train_mod.shutil, "rmtree", lambda p: kept.append(p))  # keep the checkpoints
    first = train(cfg, progress=False)
    assert kept and checkpoints(out)
    monkeypatch.undo()
    cfg.training.epochs = 2
    second = train(cfg, resume=True, progress=False)
    assert second["steps"] == 2 * first["steps"]
    assert second["train"]["tokens_this_session"] == pytest.approx(
        first["train"]["tokens_this_session"], rel=0.2
    )
    assert not checkpoints(out)


def test_init_from_a_local_checkpoint_with_a_subword_tokenizer(ml, corpus, tmp_path):
    from transformers import BertConfig, BertForTokenClassification, BertTokenizer

    from gkml.model.network import load_model
    from gkml.training.train import train

    # a stand-in for a downloaded bert-base-chinese: WordPiece groups digits ("2022" → 20 ##22),
    # and its head has 3 labels, not ours
    text = "".join(
        json.loads(line)["text"]
        for line in (corpus / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    )
    chars = sorted({c for c in text if not c.isspace() and not c.isdigit()})
    digits = [f"{a}{b}" for a in "0123456789" for b in "0123456789"] + list("0123456789")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *digits, *(f"##{d}" for d in digits)]
    ckpt = tmp_path / "checkpoint"
    BertTokenizer(vocab={w: i for i, w in enumerate(dict.fromkeys(words))}).save_pretrained(ckpt)
    config = BertConfig(
        vocab_size=len(dict.fromkeys(words)),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=3,
    )
    BertForTokenClassification(config).save_pretrained(ckpt)

    out = tmp_path / "model"
    overrides = tiny_overrides(corpus, out, epochs=1)
    overrides["model"] = {"init_from": str(ckpt)}
    report = train(load_config(TINY, overrides), progress=False)
    assert report["data"]["vocab_size"] == config.vocab_size  # the checkpoint's tokenizer, not a new one
    tokenizer, model = load_model(out)
    assert model.config.num_labels == len(TAGS) and model.config.id2label == ID2LABEL
    assert tokenizer.tokenize("2022年") == ["20", "##22", "年"]

    overrides["windowing"] = {"max_length": 256, "stride": 32}
    with pytest.raises(ValueError, match="exceeds the checkpoint's max_position_embeddings"):
        train(load_config(TINY, overrides), progress=False)
    overrides["model"] = {"init_from": str(tmp_path)}
    with pytest.raises(ValueError, match="is not a local Hugging Face checkpoint"):
        train(load_config(TINY, overrides), progress=False)


def test_generated_synthetic_source_is_made_once_and_cached(ml, tmp_path, monkeypatch):
    synth = pytest.importorskip("gkml.training.synth")
    from gkml.training.data import generated_corpus_dir, prepare

    overrides = {"output_dir": str(tmp_path / "m"), "data": {"cache_dir": str(tmp_path / "cache")}}
    overrides["data"]["train"] = [{"kind": "synth", "generate": {"n": 6, "seed": 3}}]
    cfg = load_config(TINY, overrides)
    first = prepare(cfg)
    corpus_dir = generated_corpus_dir(6, 3, None, tmp_path / "cache")
    assert (corpus_dir / "dataset").is_dir() and [p.name for p in corpus_dir.parent.iterdir()] == [
        corpus_dir.name
    ]
    assert (
        first.stats["train_reports"] + first.stats["eval_reports"] == 6 and first.stats["eval_reports"] == 2
    )
    monkeypatch.setattr(synth, "generate", lambda *a, **k: pytest.fail("regenerated"))
    again = prepare(cfg)
    assert again.stats == first.stats and again.train["input_ids"] == first.train["input_ids"]


def test_cached_windows_are_remade_when_the_encoding_code_changes(ml, tmp_path, monkeypatch):
    """datasets keys a map by its function's name only; gkml adds its encoding code's digest,
    so windows cached by older tagging or ordinal rules are never trained on."""
    pytest.importorskip("gkml.training.synth")
    import gkml.training.data as data

    overrides = {"output_dir": str(tmp_path / "m"), "data": {"cache_dir": str(tmp_path / "cache")}}
    overrides["data"]["train"] = [{"kind": "synth", "generate": {"n": 6, "seed": 3}}]
    cfg = load_config(TINY, overrides)
    first = data.prepare(cfg).train["token_type_ids"]
    assert any(any(types) for types in first)
    monkeypatch.setattr(data, "cell_ordinals", lambda text: [0] * len(text))  # a changed rule ...
    digest = data.code_digest  # ... in changed code (the generator's is the same: same corpus)
    monkeypatch.setattr(data, "code_digest", lambda *p: "changed" if "training/data.py" in p else digest(*p))
    again = data.prepare(cfg).train["token_type_ids"]
    assert len(again) == len(first) and not any(any(types) for types in again)


def test_training_extra_must_be_trainingarguments_keywords(ml, tmp_path):
    from gkml.training.train import training_arguments

    cfg = load_config(TINY, {"output_dir": str(tmp_path), "training": {"extra": {"bogus_arg": 1}}})
    with pytest.raises(ValueError, match="training.extra: 'bogus_arg' is not a TrainingArguments keyword"):
        training_arguments(cfg, progress=False)
    cfg.training.extra = {"eval_strategy": "sometimes"}
    with pytest.raises(ValueError, match="^training: "):
        training_arguments(cfg, progress=False)
    cfg.training.extra = {"logging_first_step": True}
    assert training_arguments(cfg, progress=False).logging_first_step
