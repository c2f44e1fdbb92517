"""Distillation: the loss, the config checks, and a tiny student trained from a tiny teacher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from training_support import SAMPLES, TINY, seed_record

from gkml.training.config import load_config
from gkml.training.configfile import ConfigError


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def test_the_loss_is_cross_entropy_plus_the_teachers_share(torch):
    from gkml.training.distill import distillation_loss

    g = torch.Generator().manual_seed(0)
    student, teacher = torch.randn(2, 5, 7, generator=g), torch.randn(2, 5, 7, generator=g)
    labels = torch.tensor([[-100, 3, 1, 0, -100], [-100, 6, 6, -100, -100]])
    keep = labels != -100
    ce = torch.nn.functional.cross_entropy(student[keep], labels[keep])
    # the same distributions teach nothing beyond the gold tags
    assert distillation_loss(student, student, labels, 0.5, 2.0).item() == pytest.approx(0.5 * ce.item(), rel=1e-5)
    # KL(teacher || student) at T, times T², on the five tagged tokens only
    t = 3.0
    p, q = torch.softmax(teacher[keep] / t, -1), torch.log_softmax(student[keep] / t, -1)
    kl = (p * (p.log() - q)).sum(-1).mean() * t * t
    assert distillation_loss(student, teacher, labels, 1.0, t).item() == pytest.approx(kl.item(), rel=1e-5)
    assert distillation_loss(student, teacher, labels, 0.25, t).item() == pytest.approx(
        0.75 * ce.item() + 0.25 * kl.item(), rel=1e-5
    )


@pytest.mark.parametrize(
    ("distill", "message"),
    [
        ({"teacher": "m", "weight": 0}, "distill.weight: must be in (0, 1]"),
        ({"teacher": "m", "temperature": 0}, "distill.temperature: must be > 0"),
        ({"weight": 0.5}, "missing required key 'teacher'"),
    ],
)
def test_distill_settings_are_checked_on_load(distill, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("]", r"\]")):
        load_config(TINY, {"distill": distill})
    with pytest.raises(ConfigError, match="not with model.init_from"):
        load_config(TINY, {"distill": {"teacher": "m"}, "model": {"init_from": "x"}})


def test_a_student_learns_from_a_teacher_with_its_vocabulary(torch, tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("datasets")
    from gkml.model.network import load_model
    from gkml.training.train import train

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with open(corpus / "reports.jsonl", "w", encoding="utf-8") as f:
        for p in sorted(SAMPLES.glob("*.txt")):
            f.write(json.dumps(seed_record(p), ensure_ascii=False) + "\n")
    data = {"train": [{"kind": "synth", "path": str(corpus)}], "eval": [{"kind": "synth", "path": str(corpus), "limit": 2}]}

    def run(out: Path, **more) -> dict:
        return train(load_config(TINY, {"output_dir": str(out), "data": data, **more}), progress=False)

    run(tmp_path / "teacher", tokenizer={"common_chars": "gb2312-1"})  # a vocabulary the corpus alone would not give
    student = run(tmp_path / "student", model={"hidden": 16, "ffn": 32}, distill={"teacher": str(tmp_path / "teacher")})
    t_tok, t_model = load_model(tmp_path / "teacher")
    s_tok, s_model = load_model(tmp_path / "student")
    assert s_tok.get_vocab() == t_tok.get_vocab() and student["data"]["vocab_size"] == len(t_tok) > 3755
    assert (s_model.config.hidden_size, t_model.config.hidden_size) == (16, 32)
    assert student["steps"] > 0 and student["eval"]["loss"] > 0
    assert (tmp_path / "student" / "model.onnx").is_file()
