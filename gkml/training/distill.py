"""Knowledge distillation: a smaller network learns from a trained model's tag distributions as
well as from the gold tags (``distill:`` in a training config).

Why: the model engine's time is its forward pass (``bench/forward.py``), and a half-width network
runs it twice as fast; trained on the gold tags alone (v17n) it read the synthetic reports as well
as the shipped model but lost printed blank cells of real reports. A teacher's distribution over
the 609 tags of every character says more than its one gold tag (which tags are near, how sure a
reading is), so a student can learn the teacher's decisions with fewer weights. The teacher reads
the same windows with the same cell ordinals; its weights do not change.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from transformers import Trainer

from gkml.labels import ID2LABEL, group
from gkml.model.network import load_model
from gkml.training.data import IGNORE

__all__ = ["DistillTrainer", "distillation_loss", "group_tags", "load_teacher"]


def load_teacher(path: str | Path):
    """``(tokenizer, model)`` of the teacher, checked to read what the student will: gkml's tags
    in gkml's order and cell ordinals as its token types."""
    tokenizer, model = load_model(path)
    if {int(k): v for k, v in model.config.id2label.items()} != ID2LABEL:
        raise ValueError(f"distill.teacher: {path} was trained with other tags than gkml's; its logits cannot teach")
    if not getattr(model.config, "cell_ordinals", False):
        raise ValueError(f"distill.teacher: {path} does not read cell ordinals")
    for p in model.parameters():
        p.requires_grad_(False)
    return tokenizer, model


def distillation_loss(student, teacher, labels, weight: float, temperature: float, gold_where_wrong=None):
    """``(1 - weight)`` × cross-entropy with the gold tags + ``weight`` × KL(teacher ‖ student)
    at ``temperature`` (times T², so the soft part's gradients keep their size as T grows),
    over the tokens that carry a tag ([CLS], [SEP] and padding do not).

    ``gold_where_wrong`` (a bool per tag id, from :func:`group_tags`): a token whose gold tag is
    not the teacher's top tag, either of them a marked tag, is taught by the gold tag alone. The
    generator prints things the teacher never learned (counts before their nouns), and there
    the teacher's certainty would pull the student back to its error."""
    keep = labels != IGNORE
    s, t, gold = student[keep], teacher[keep], labels[keep]
    hard = F.cross_entropy(s, gold, reduction="none")
    soft = F.kl_div(
        F.log_softmax(s / temperature, dim=-1),
        F.log_softmax(t / temperature, dim=-1),
        log_target=True,
        reduction="none",
    ).sum(-1)
    share = torch.full_like(hard, weight)
    if gold_where_wrong is not None:
        top = t.argmax(-1)
        share = share * ~((top != gold) & (gold_where_wrong[gold] | gold_where_wrong[top]))
    return ((1 - share) * hard + share * soft * temperature**2).mean()


def group_tags(groups) -> torch.Tensor | None:
    """Per tag id, whether its entity is in one of ``groups`` (:data:`gkml.labels.GROUPS`);
    None for no groups."""
    if not groups:
        return None
    return torch.tensor([tag != "O" and group(tag[2:]) in groups for tag in ID2LABEL.values()])


class DistillTrainer(Trainer):
    """The Trainer with :func:`distillation_loss` in training steps; evaluation scores the student
    alone, as any run's are."""

    def __init__(self, *args, teacher, weight: float, temperature: float, gold_where_wrong=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.teacher = teacher.to(self.args.device).eval()
        self.weight, self.temperature = weight, temperature
        marked = group_tags(gold_where_wrong)
        self.gold_where_wrong = None if marked is None else marked.to(self.args.device)
        self.model_accepts_loss_kwargs = False  # a mean loss: the Trainer divides by accumulation

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if not model.training:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        features = {k: v for k, v in inputs.items() if k != "labels"}
        outputs = model(**features)
        with torch.no_grad():
            teacher = self.teacher(**features).logits
        loss = distillation_loss(
            outputs.logits, teacher, inputs["labels"], self.weight, self.temperature, self.gold_where_wrong
        )
        return (loss, outputs) if return_outputs else loss
