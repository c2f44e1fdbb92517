"""Training configs: YAML files turned into checked dataclasses.

A config is read once, checked completely (types, unknown keys, value ranges) and only
then used, so a typo fails in the first second with the key that is wrong, not after
twenty minutes of data preparation. Reading, merging ``--set`` overrides and the type
checks are :mod:`gkml.training.configfile`'s, shared with the generator's config; this
module holds the schema and the value checks the types cannot express.

Relative paths in a config are relative to the directory the command runs in (the
repository root, for the shipped configs).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from gkml.labels import GROUPS
from gkml.training.configfile import ConfigError, dump_yaml, from_dict, load_yaml, merge, parse_overrides

__all__ = ["TrainConfig", "Source", "check", "dump_config", "from_dict", "load_config", "parse_overrides", "to_dict"]

# ---------------------------------------------------------------------------
# The schema


@dataclass
class Generate:
    """A synthetic corpus made on the fly by :mod:`gkml.training.synth` (cached, made once)."""

    n: int
    seed: int = 0
    config: str | None = None  # a synth config file; None = the generator's defaults


@dataclass
class Source:
    """One data source: a synthetic corpus (an existing ``gkml synth`` directory or one
    generated on the fly) or annotated real reports in Label Studio's JSON export format.

    ``weight`` oversamples (or undersamples) the source's windows: 2.0 = every window
    twice, 0.5 = a random half. ``limit`` keeps the first N reports, for quick runs.
    """

    kind: Literal["synth", "labelstudio"]
    path: str | None = None
    generate: Generate | None = None
    weight: float = 1.0
    limit: int | None = None


@dataclass
class DataConfig:
    train: list[Source]
    eval: list[Source] = field(default_factory=list)
    # Share of each training source's reports held out for evaluation when `eval` is empty.
    eval_fraction: float = 0.05
    cache_dir: str = "data/cache"  # where corpora generated on the fly are kept


@dataclass
class TokenizerConfig:
    """Vocabulary of the from-scratch tokenizer (ignored with ``model.init_from``)."""

    # Common characters always in the vocabulary, whatever the corpus: "gb2312-1" is the
    # 3,755 most frequent characters (GB 2312 level 1), "gb2312" adds level 2 (6,763).
    common_chars: Literal["none", "gb2312-1", "gb2312"] = "gb2312-1"
    min_freq: int = 1  # corpus characters seen fewer times than this become [UNK]


@dataclass
class ModelConfig:
    """A character transformer trained from scratch, or any local Hugging Face checkpoint.

    ``arch``: ``roformer`` (rotary positions: attention sees how far back a row label is,
    the same at every place in a window) or ``bert`` (learned absolute positions)."""

    init_from: str | None = None  # local checkpoint dir (never downloaded); overrides the sizes
    arch: Literal["roformer", "bert"] = "roformer"
    layers: int = 2
    hidden: int = 128
    heads: int = 2
    ffn: int = 512
    max_positions: int | None = None  # default: windowing.max_length
    dropout: float = 0.1


@dataclass
class WindowConfig:
    """Long reports are read in overlapping windows; ``stride`` is the overlap (Hugging
    Face's meaning), in tokens, and ``max_length`` counts [CLS] and [SEP]."""

    max_length: int = 512
    stride: int = 128


@dataclass
class TrainingConfig:
    epochs: float = 3.0
    max_steps: int = -1  # > 0 overrides epochs
    batch_size: int = 8
    eval_batch_size: int = 16
    grad_accum: int = 1
    learning_rate: float = 5e-4
    weight_decay: float = 0.01
    warmup: float = 0.05  # < 1: share of the steps; >= 1: number of steps
    scheduler: str = "linear"
    early_stopping_patience: int = 2  # evaluations without improvement; 0 = off
    logging_steps: int = 50
    num_threads: int | None = None  # torch CPU threads; None = the cores this process may use
    # Any other keyword of transformers.TrainingArguments, checked against it at run time.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class DistillConfig:
    """Learn from a trained model's tag distributions too (:mod:`gkml.training.distill`): the
    student takes the teacher's vocabulary; ``weight`` is the teacher's share of the loss."""

    teacher: str  # a trained gkml model directory
    weight: float = 0.5
    temperature: float = 2.0
    # groups (SEC, T2, T3, T4, FACT, META) whose tags the gold alone teaches where the teacher's
    # top tag is not the gold one
    gold_where_wrong: list[str] = field(default_factory=list)


@dataclass
class TrainConfig:
    output_dir: str
    data: DataConfig
    seed: int = 13
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    windowing: WindowConfig = field(default_factory=WindowConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    distill: DistillConfig | None = None


# ---------------------------------------------------------------------------
# Checking and loading


def check(cfg: TrainConfig) -> TrainConfig:
    """Value checks the types cannot express, each naming its key."""

    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(key, why)

    if not cfg.data.train:
        raise bad("data.train", "at least one source is needed")
    for part in ("train", "eval"):
        for i, s in enumerate(getattr(cfg.data, part)):
            key = f"data.{part}[{i}]"
            if s.kind == "synth" and (s.path is None) == (s.generate is None):
                raise bad(
                    key, "a synth source needs exactly one of 'path' (an existing corpus) or 'generate'"
                )
            if s.kind == "labelstudio":
                if s.path is None:
                    raise bad(
                        key, "a labelstudio source needs 'path' (a JSON export file or a folder of them)"
                    )
                if s.generate is not None:
                    raise bad(f"{key}.generate", "only synth sources can be generated")
            if s.weight <= 0:
                raise bad(f"{key}.weight", f"must be > 0, got {s.weight}")
            if s.limit is not None and s.limit < 1:
                raise bad(f"{key}.limit", f"must be >= 1, got {s.limit}")
            if s.generate is not None and s.generate.n < 1:
                raise bad(f"{key}.generate.n", f"must be >= 1, got {s.generate.n}")
    if not 0 <= cfg.data.eval_fraction < 1:
        raise bad("data.eval_fraction", f"must be in [0, 1), got {cfg.data.eval_fraction}")
    if not cfg.data.eval and cfg.data.eval_fraction == 0:
        raise bad(
            "data.eval",
            "no eval sources and eval_fraction 0: nothing to evaluate (and pick the best model) on",
        )
    if cfg.tokenizer.min_freq < 1:
        raise bad("tokenizer.min_freq", f"must be >= 1, got {cfg.tokenizer.min_freq}")
    w = cfg.windowing
    if w.max_length < 8:
        raise bad("windowing.max_length", f"must be >= 8, got {w.max_length}")
    if not 0 <= w.stride < w.max_length - 2:
        raise bad(
            "windowing.stride", f"must be in [0, max_length - 2) = [0, {w.max_length - 2}), got {w.stride}"
        )
    m = cfg.model
    for name in ("layers", "hidden", "heads", "ffn"):
        if getattr(m, name) < 1:
            raise bad(f"model.{name}", f"must be >= 1, got {getattr(m, name)}")
    if m.hidden % m.heads:
        raise bad("model.heads", f"hidden ({m.hidden}) must be a multiple of heads ({m.heads})")
    if m.max_positions is not None and m.max_positions < w.max_length:
        raise bad(
            "model.max_positions", f"must be >= windowing.max_length ({w.max_length}), got {m.max_positions}"
        )
    if not 0 <= m.dropout < 1:
        raise bad("model.dropout", f"must be in [0, 1), got {m.dropout}")
    t = cfg.training
    if t.epochs <= 0 and t.max_steps <= 0:
        raise bad("training.epochs", "must be > 0 (or set training.max_steps)")
    for name in ("batch_size", "eval_batch_size", "grad_accum", "logging_steps"):
        if getattr(t, name) < 1:
            raise bad(f"training.{name}", f"must be >= 1, got {getattr(t, name)}")
    if t.learning_rate <= 0:
        raise bad("training.learning_rate", f"must be > 0, got {t.learning_rate}")
    if t.warmup < 0:
        raise bad("training.warmup", f"must be >= 0, got {t.warmup}")
    if t.early_stopping_patience < 0:
        raise bad("training.early_stopping_patience", f"must be >= 0, got {t.early_stopping_patience}")
    if t.num_threads is not None and t.num_threads < 1:
        raise bad("training.num_threads", f"must be >= 1, got {t.num_threads}")
    d = cfg.distill
    if d is not None:
        if m.init_from:
            raise bad("distill", "a student takes its teacher's vocabulary: not with model.init_from")
        if not 0 < d.weight <= 1:
            raise bad("distill.weight", f"must be in (0, 1], got {d.weight}")
        if d.temperature <= 0:
            raise bad("distill.temperature", f"must be > 0, got {d.temperature}")
        unknown = sorted(set(d.gold_where_wrong) - set(GROUPS))
        if unknown:
            raise bad("distill.gold_where_wrong", f"unknown group(s) {unknown}: known {', '.join(GROUPS)}")
    return cfg


def to_dict(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Read, merge ``overrides`` (a nested mapping, see :func:`parse_overrides`) and check;
    a :class:`~gkml.training.configfile.ConfigError` names the file and the key."""
    path = Path(path)
    try:
        return check(from_dict(TrainConfig, merge(load_yaml(path), overrides or {}), ""))
    except ConfigError as e:
        raise e.in_file(path) from None


def dump_config(cfg: TrainConfig) -> str:
    """The config with every default filled in: what ``config.resolved.yaml`` holds."""
    return dump_yaml(to_dict(cfg))
