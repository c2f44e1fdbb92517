"""`gkml train CONFIG`: train the token classifier with the Hugging Face Trainer.

What a run leaves in ``output_dir``: the best model (``model.safetensors``,
``config.json`` with gkml's labels and window recipe; ``model.onnx``, the same network for
ONNX Runtime, :mod:`gkml.model.export`), the tokenizer, ``metrics.json``
(the best model's scores, data sizes, speed) and ``config.resolved.yaml`` (the config
with every default filled in). Intermediate checkpoints live there during the run, so
``--resume`` can continue an interrupted one, and are deleted at the end.

Scores are entity P/R/F1 from seqeval (strict IOB2: a span counts only when its type and
both ends are right), overall and per group (SEC, T2, T3, T4, FACT, META), computed on
whole reports: the windows of a report are merged first, each token predicted by the
window that sees it with the most context, as the predictor does.

A config with ``distill:`` trains a student of a trained model: the same run, each training
step's loss also taking the teacher's tags (:mod:`gkml.training.distill`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from transformers import PrinterCallback, TrainerCallback

from gkml.labels import GROUPS, ID2LABEL, group
from gkml.model.features import token_owners
from gkml.model.network import build_model, check_checkpoint, load_model
from gkml.training.config import TrainConfig, dump_config
from gkml.training.data import IGNORE, prepare

__all__ = ["train", "load_model", "entity_scores", "doc_sequences"]

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Metrics


def doc_sequences(
    pred_ids: Sequence[Sequence[int]],
    label_ids: Sequence[Sequence[int]],
    docs: Sequence[str],
    starts: Sequence[int],
    lengths: Sequence[int],
) -> tuple[list[list[str]], list[list[str]]]:
    """Window predictions → one gold and one predicted tag sequence per report.

    ``docs``, ``starts`` and ``lengths`` describe each window (its report, its first
    token in the report, its length with [CLS]/[SEP]). Tokens labelled :data:`IGNORE`
    are left out of both sequences.
    """
    rows_of: dict[str, list[int]] = {}
    for i, doc in enumerate(docs):
        rows_of.setdefault(doc, []).append(i)
    gold_seqs, pred_seqs = [], []
    for rows in rows_of.values():
        wins = [(int(starts[i]), int(starts[i]) + int(lengths[i]) - 2) for i in rows]
        n = max(e for _, e in wins)
        gold, pred = [], []
        for t, w in enumerate(token_owners(wins, n)):
            i = rows[w]
            j = t - wins[w][0] + 1  # +1: [CLS]
            g = int(label_ids[i][j])
            if g == IGNORE:
                continue
            gold.append(ID2LABEL[g])
            pred.append(ID2LABEL.get(int(pred_ids[i][j]), "O"))
        gold_seqs.append(gold)
        pred_seqs.append(pred)
    return gold_seqs, pred_seqs


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def entity_scores(
    gold_seqs: list[list[str]], pred_seqs: list[list[str]], per_type: bool = False
) -> dict[str, Any]:
    """Strict IOB2 entity precision/recall/F1 (seqeval's entity extraction), overall as
    ``precision``/``recall``/``f1`` and per group as ``f1_T3`` etc.; with ``per_type``,
    also ``per_type: {entity: {precision, recall, f1, support}}``."""
    from seqeval.scheme import IOB2, Entities

    gold = {e.to_tuple() for sent in Entities(gold_seqs, IOB2).entities for e in sent}
    pred = {e.to_tuple() for sent in Entities(pred_seqs, IOB2).entities for e in sent}
    hit = gold & pred
    out: dict[str, Any] = {}
    out["precision"], out["recall"], out["f1"] = _prf(len(hit), len(pred), len(gold))

    def by(key: Callable[[str], str], entities: set) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in entities:
            counts[key(e[1])] = counts.get(key(e[1]), 0) + 1
        return counts

    g, p, h = by(group, gold), by(group, pred), by(group, hit)
    for name in GROUPS:
        out[f"precision_{name}"], out[f"recall_{name}"], out[f"f1_{name}"] = _prf(
            h.get(name, 0), p.get(name, 0), g.get(name, 0)
        )
    if per_type:
        g, p, h = by(str, gold), by(str, pred), by(str, hit)
        out["per_type"] = {
            t: dict(zip(("precision", "recall", "f1"), _prf(h.get(t, 0), p.get(t, 0), n), strict=True))
            | {"support": n}
            for t, n in sorted(g.items())
        }
    return out


def metrics_for(eval_windows) -> tuple[Callable, dict[str, Any]]:
    """The Trainer's ``compute_metrics`` for these eval windows, and a dict where it
    leaves the per-entity-type scores of the last evaluation (too many to log)."""
    docs, starts, lengths = (
        list(eval_windows["doc"]),
        list(eval_windows["start"]),
        list(eval_windows["length"]),
    )
    gold_labels = list(eval_windows["labels"])
    last: dict[str, Any] = {}

    def compute_metrics(eval_pred) -> dict[str, float]:
        label_ids = eval_pred.label_ids
        if len(label_ids) != len(gold_labels) or any(
            list(row[: len(gold)]) != gold for row, gold in zip(label_ids, gold_labels, strict=False)
        ):
            raise ValueError("evaluation windows came back out of order: the eval sampler must be sequential")
        gold, pred = doc_sequences(eval_pred.predictions, label_ids, docs, starts, lengths)
        scores = entity_scores(gold, pred, per_type=True)
        last["per_type"] = scores.pop("per_type")
        return scores

    return compute_metrics, last


def argmax_logits(logits, labels):
    """Keep label ids, not logits (windows × 512 × 600 floats), between eval batches."""
    return logits.argmax(dim=-1)


# ---------------------------------------------------------------------------
# The run


def cpu_threads(configured: int | None) -> int:
    """Threads for torch on CPU: the configured number, or every core this process may
    use (not os.cpu_count(), which ignores CPU affinity in containers)."""
    import torch

    n = configured or len(os.sched_getaffinity(0))
    torch.set_num_threads(n)
    return n


def checkpoints(output_dir: Path) -> list[Path]:
    return sorted(
        output_dir.glob("checkpoint-*"),
        key=lambda p: int(p.name.split("-")[-1]) if p.name.split("-")[-1].isdigit() else -1,
    )


def training_arguments(cfg: TrainConfig, progress: bool):
    """TrainingArguments from the config: eval and save each epoch, keep the best by F1."""
    import torch
    from transformers import TrainingArguments

    t = cfg.training
    known = {f.name for f in dataclasses.fields(TrainingArguments)}
    unknown = sorted(set(t.extra) - known)
    if unknown:
        raise ValueError(f"training.extra: {unknown[0]!r} is not a TrainingArguments keyword")
    kwargs: dict[str, Any] = {
        "output_dir": cfg.output_dir,
        "num_train_epochs": t.epochs,
        "max_steps": t.max_steps,
        "per_device_train_batch_size": t.batch_size,
        "per_device_eval_batch_size": t.eval_batch_size,
        "gradient_accumulation_steps": t.grad_accum,
        "learning_rate": t.learning_rate,
        "weight_decay": t.weight_decay,
        "warmup_steps": t.warmup,
        "lr_scheduler_type": t.scheduler,
        "eval_strategy": "epoch",
        "save_strategy": "epoch",
        "save_total_limit": 2,  # the best and the latest (to resume from)
        "load_best_model_at_end": True,
        "metric_for_best_model": "f1",
        "greater_is_better": True,
        "logging_steps": t.logging_steps,
        "report_to": "none",
        "seed": cfg.seed,
        "disable_tqdm": not progress,
        "include_num_input_tokens_seen": "non_padding",
        # Not "group_by_length": it would also shuffle evaluation windows, which the metrics
        # read in dataset order (and nearly every window is full anyway).
        "train_sampling_strategy": "random",
        "dataloader_pin_memory": torch.cuda.is_available(),  # pinning is for copies to a GPU
        **t.extra,
    }
    try:
        return TrainingArguments(**kwargs)
    except (ValueError, TypeError) as e:
        raise ValueError(f"training: {e}") from None


class _SessionStart(TrainerCallback):
    """Notes where this session starts (a resumed run carries the log and token count of
    the earlier ones), so the speed measured is this session's."""

    def __init__(self) -> None:
        self.history_len = 0
        self.tokens = 0

    def on_train_begin(self, args, state, control, **kwargs):
        self.history_len = len(state.log_history)
        self.tokens = getattr(state, "num_input_tokens_seen", 0) or 0


def _versions() -> dict[str, str]:
    import datasets
    import seqeval
    import tokenizers
    import torch
    import transformers

    from gkml import __version__

    return {
        "gkml": __version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "datasets": datasets.__version__,
        "seqeval": getattr(seqeval, "__version__", "?"),
    }


def export_for_inference(out: Path) -> None:
    """``model.onnx`` beside the weights, what ``gkml predict`` runs by default. Exports of
    earlier weights are removed first; a run that cannot export leaves none, and is read with
    torch until ``gkml export`` succeeds."""
    from gkml.model.export import export_onnx
    from gkml.model.onnx_backend import INT8_FILE, ONNX_FILE

    for name in (ONNX_FILE, INT8_FILE):
        (out / name).unlink(missing_ok=True)
    try:
        done = export_onnx(out)
    except Exception as e:  # the trained model is the result; the export is a convenience
        log.warning("could not export %s to ONNX (%s: %s); `gkml predict` reads it with torch, "
                    "`gkml export %s` tries again", out, type(e).__name__, e, out)  # fmt: skip
        return
    log.info("exported %s (logits within %.1e of torch)", done.path, done.check.max_abs_diff if done.check else float("nan"))


def train(cfg: TrainConfig, resume: bool = False, progress: bool = True) -> dict[str, Any]:
    """Run the training a config describes; returns what it writes to ``metrics.json``."""
    from transformers import (
        AutoTokenizer,
        DataCollatorForTokenClassification,
        EarlyStoppingCallback,
        Trainer,
        set_seed,
    )

    if not progress:
        import datasets
        import transformers

        datasets.disable_progress_bars()
        transformers.utils.logging.disable_progress_bar()
    threads = cpu_threads(cfg.training.num_threads)
    set_seed(cfg.seed)
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    resume_from = bool(resume and checkpoints(out))
    if resume and not resume_from:
        log.warning("no checkpoint in %s: starting from scratch", out)
    if not resume_from:
        for stale in checkpoints(out):
            shutil.rmtree(stale)

    teacher = None
    if cfg.distill:
        from gkml.training.distill import load_teacher

        tokenizer, teacher = load_teacher(cfg.distill.teacher)  # its vocabulary: the same inputs
    elif cfg.model.init_from:
        check_checkpoint(cfg.model, cfg.windowing)
        tokenizer = AutoTokenizer.from_pretrained(cfg.model.init_from, local_files_only=True)
    elif resume_from and (out / "tokenizer.json").is_file():
        # the vocabulary the checkpoints were trained with, not one rebuilt from the corpus
        tokenizer = AutoTokenizer.from_pretrained(out, local_files_only=True)
    else:
        tokenizer = None
    data = prepare(cfg, tokenizer)
    tokenizer = data.tokenizer
    tokenizer.save_pretrained(out)
    (out / "config.resolved.yaml").write_text(dump_config(cfg), encoding="utf-8")

    set_seed(cfg.seed)  # the model's initial weights do not depend on how much data loading drew
    model = build_model(cfg.model, cfg.windowing, tokenizer)
    compute_metrics, last = metrics_for(data.eval)
    callbacks = []
    if cfg.training.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=cfg.training.early_stopping_patience))
    trainer_class, extra = Trainer, {}
    if teacher is not None:
        from gkml.training.distill import DistillTrainer

        trainer_class = DistillTrainer
        d = cfg.distill
        extra = {"teacher": teacher, "weight": d.weight, "temperature": d.temperature, "gold_where_wrong": d.gold_where_wrong}
    trainer = trainer_class(
        model=model,
        args=training_arguments(cfg, progress),
        data_collator=DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=8),
        train_dataset=data.train,
        eval_dataset=data.eval,
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        preprocess_logits_for_metrics=argmax_logits,
        callbacks=callbacks,
        **extra,
    )
    if not progress:
        trainer.remove_callback(PrinterCallback)  # what replaces the progress bar: quiet means quiet
    session = _SessionStart()
    trainer.add_callback(session)
    started = time.time()
    result = trainer.train(resume_from_checkpoint=True if resume_from else None)
    state = trainer.state
    this_session = state.log_history[session.history_len :]
    eval_seconds = sum(e.get("eval_runtime", 0.0) for e in this_session)
    train_seconds = max(result.metrics.get("train_runtime", 0.0) - eval_seconds, 1e-9)
    tokens = (getattr(state, "num_input_tokens_seen", 0) or 0) - session.tokens
    final = trainer.evaluate()  # the best model, loaded at the end of train()

    trainer.save_model(str(out))
    for ckpt in checkpoints(out):
        shutil.rmtree(ckpt)
    (out / "training_args.bin").unlink(missing_ok=True)  # pickled; config.resolved.yaml says the same
    export_for_inference(out)

    report = {
        "eval": {k.removeprefix("eval_"): v for k, v in final.items()},
        "per_type": last.get("per_type", {}),
        "best_checkpoint_f1": state.best_metric,
        "epochs": state.epoch,
        "steps": state.global_step,
        "train": {
            **result.metrics,
            "tokens_this_session": tokens,
            "train_seconds_without_eval": round(train_seconds, 2),
            "tokens_per_second": round(tokens / train_seconds, 1) if tokens else None,
            "threads": threads,
            "wall_seconds": round(time.time() - started, 1),
        },
        "data": data.stats,
        "history": [e for e in state.log_history if any(k.startswith("eval_") for k in e)],
        "versions": _versions(),
    }
    (out / "metrics.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report
