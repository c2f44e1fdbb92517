"""Distillation: the loss, the config checks, and a tiny student trained from a tiny teacher."""

from __future__ import annotations

import json
import re
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


def test_where_the_teacher_is_wrong_the_gold_tag_alone_teaches(torch):
    from gkml.training.distill import distillation_loss, group_tags

    g = torch.Generator().manual_seed(1)
    student = torch.randn(1, 4, 5, generator=g)
    labels = torch.tensor([[2, 4, 0, -100]])
    teacher = torch.zeros(1, 4, 5)
    teacher[0, 0, 2] = teacher[0, 1, 1] = teacher[0, 2, 0] = 5.0  # right, wrong (1 for 4), right
    s, gold, t = student[0, :3], labels[0, :3], teacher[0, :3]
    ce = torch.nn.functional.cross_entropy(s, gold, reduction="none")
    p, q = torch.softmax(t / 2, -1), torch.log_softmax(s / 2, -1)
    kl = (p * (p.log() - q)).sum(-1) * 4
    expected = (0.5 * ce[0] + 0.5 * kl[0] + ce[1] + 0.5 * ce[2] + 0.5 * kl[2]) / 3
    marked = torch.tensor([False, True, False, False, False])  # tag 1 (the teacher's wrong one) marked
    got = distillation_loss(student, teacher, labels, 0.5, 2.0, gold_where_wrong=marked)
    assert got.item() == pytest.approx(expected.item(), rel=1e-5)
    got = distillation_loss(student, teacher, labels, 0.5, 2.0, gold_where_wrong=marked.roll(3))  # gold tag 4 marked
    assert got.item() == pytest.approx(expected.item(), rel=1e-5)
    # unmarked, or without it, the wrong teacher keeps its share on the second token
    blended = (0.5 * ce + 0.5 * kl).mean()
    assert distillation_loss(student, teacher, labels, 0.5, 2.0).item() == pytest.approx(blended.item(), rel=1e-5)
    got = distillation_loss(student, teacher, labels, 0.5, 2.0, gold_where_wrong=torch.zeros(5, dtype=torch.bool))
    assert got.item() == pytest.approx(blended.item(), rel=1e-5)
    # the groups name the tags: FACT marks B-/I- of the 8 fact types and nothing else
    facts = group_tags(["FACT"])
    from gkml.labels import ID2LABEL

    assert int(facts.sum()) == 16 and all(ID2LABEL[i][2:].startswith("FACT.") for i in facts.nonzero().flatten().tolist())
    assert group_tags([]) is None


@pytest.mark.parametrize(
    ("distill", "message"),
    [
        ({"teacher": "m", "weight": 0}, "distill.weight: must be in (0, 1]"),
        ({"teacher": "m", "temperature": 0}, "distill.temperature: must be > 0"),
        ({"weight": 0.5}, "missing required key 'teacher'"),
        ({"teacher": "m", "gold_where_wrong": ["FACTS"]}, "distill.gold_where_wrong: unknown group(s) ['FACTS']"),
    ],
)
def test_distill_settings_are_checked_on_load(distill, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
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
