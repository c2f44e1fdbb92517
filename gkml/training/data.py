"""Training data: reports with character spans → windows of token ids with BIO labels.

Reports are cut into windows and their cells counted by :mod:`gkml.model.features`, the
functions the predictor uses too, so training and inference read reports alike. The loaders
below read the configured sources (a ``gkml synth`` corpus, one generated on the fly, Label
Studio exports) into ``datasets`` tables, cached next to the corpus.

Labels are a function of the character only: a token carries the tag of its first
character in every window that holds it, so an entity cut by a window edge is labelled
the same way on both sides (the later window starts with its ``I-`` tags) and merged
predictions agree with the gold of the whole report.
"""

from __future__ import annotations

import hashlib
import logging
import random
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gkml import jsonl
from gkml.labels import ENTITY_TYPES, LABEL2ID, Span, SpanRecord, TrainingRecord
from gkml.model.features import blank_slot, cell_ordinals, special_ids, token_types, windows

IGNORE = -100  # label of tokens the loss and the metrics skip: [CLS], [SEP], repeats of a character
_ENTITY_SET = frozenset(ENTITY_TYPES)

log = logging.getLogger(__name__)


def _span_fields(span: SpanRecord | Span) -> tuple[int, int, str]:
    if isinstance(span, dict):
        return int(span["start"]), int(span["end"]), span["label"]
    return int(span.start), int(span.end), span.label


def char_tags(text: str, spans: Iterable[SpanRecord | Span]) -> list[str]:
    """IOB2 tag of every character. Spans are dicts ``{start, end, label}`` or
    :class:`gkml.labels.Span`. A zero-length span (a cell printed as nothing) tags its
    :func:`blank_slot`, so the model learns to read blank cells; where nothing at all is
    printed it is skipped. Of two overlapping spans the earlier (then the longer) wins; an
    unknown label or a span outside the text is an error, not a silent skip."""
    n_chars = len(text)
    tags = ["O"] * n_chars
    parsed = sorted((_span_fields(s) for s in spans), key=lambda t: (t[0], t[0] - t[1]))
    for start, end, label in parsed:
        if label not in _ENTITY_SET:
            raise ValueError(f"unknown entity type {label!r} (see `gkml labels`)")
        if not 0 <= start <= end <= n_chars:
            raise ValueError(f"span {start}-{end} {label} is outside the text (length {n_chars})")
        if start == end:
            slot = blank_slot(text, start)
            if slot is None:
                continue
            start, end = slot
        if any(t != "O" for t in tags[start:end]):
            continue
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def token_labels(offsets: Sequence[tuple[int, int]], tags: Sequence[str]) -> list[int]:
    """Label id of every token from its character offsets: the tag of its first character.

    Special tokens (empty offsets) and the 2nd, 3rd… token of one character (NFKC
    expands a few characters, e.g. ``…`` → ``...``) get :data:`IGNORE`. A token covering
    several characters (sub-word tokenizers of ``init_from`` checkpoints) takes its first
    character's tag."""
    out = []
    prev = None
    for s, e in offsets:
        if s == e or (s, e) == prev:
            out.append(IGNORE)
        else:
            out.append(LABEL2ID[tags[s]])
        prev = (s, e)
    return out


def encode_report(
    ids: Sequence[int],
    types: Sequence[int],
    labels: Sequence[int],
    max_length: int,
    stride: int,
    cls_id: int,
    sep_id: int,
) -> list[dict[str, Any]]:
    """One report's token ids, cell ordinals and labels cut into model inputs:
    ``[CLS] window [SEP]``."""
    rows = []
    for s, e in windows(len(ids), max_length - 2, stride):
        rows.append(
            {
                "input_ids": [cls_id, *ids[s:e], sep_id],
                "token_type_ids": [0, *types[s:e], 0],
                "attention_mask": [1] * (e - s + 2),
                "labels": [IGNORE, *labels[s:e], IGNORE],
                "start": s,
                "length": e - s + 2,
            }
        )
    return rows


# ---------------------------------------------------------------------------
# Tokenising a datasets table (cached by datasets, keyed by the arguments and the code)


def code_digest(*patterns: str) -> str:
    """A digest of gkml's own source files (globs under the package), for cache keys: a cache
    made by other code is never read back."""
    package = Path(__file__).parents[1]  # gkml/
    h = hashlib.sha256()
    for source in sorted(p for pattern in patterns for p in package.glob(pattern)):
        h.update(source.read_bytes())
    return h.hexdigest()


_BACKENDS: dict[str, Any] = {}


def _backend(tokenizer_json: str):
    if tokenizer_json not in _BACKENDS:
        from tokenizers import Tokenizer

        tk = Tokenizer.from_str(tokenizer_json)
        tk.no_truncation()
        tk.no_padding()
        _BACKENDS.clear()
        _BACKENDS[tokenizer_json] = tk
    return _BACKENDS[tokenizer_json]


def encode_batch(
    batch: dict[str, list],
    indices: list[int],
    tokenizer_json: str,
    max_length: int,
    stride: int,
    cls_id: int,
    sep_id: int,
    prefix: str,
) -> dict[str, list]:
    """``Dataset.map`` function: reports (id, text, spans) → windows (input_ids,
    token_type_ids, attention_mask, labels, doc, start, length)."""
    tk = _backend(tokenizer_json)
    out: dict[str, list] = {
        "input_ids": [],
        "token_type_ids": [],
        "attention_mask": [],
        "labels": [],
        "doc": [],
        "start": [],
        "length": [],
    }
    encodings = tk.encode_batch(batch["text"], add_special_tokens=False)
    for index, doc_id, text, spans, enc in zip(
        indices, batch["id"], batch["text"], batch["spans"], encodings, strict=True
    ):
        try:
            labels = token_labels(enc.offsets, char_tags(text, spans))
        except ValueError as e:
            raise ValueError(f"report {doc_id!r}: {e}") from None
        types = token_types(enc.offsets, cell_ordinals(text))
        for row in encode_report(enc.ids, types, labels, max_length, stride, cls_id, sep_id):
            for k, v in row.items():
                out[k].append(v)
            out["doc"].append(f"{prefix}{index}:{doc_id}")  # the row number: ids may repeat
    return out


def tokenize_reports(reports, tokenizer, max_length: int, stride: int, prefix: str = ""):
    """A table of reports → a table of windows. ``prefix`` keeps doc ids of different
    sources apart. Cached by ``datasets`` beside the corpus when it was loaded from disk."""
    from datasets import Features, List, Value
    from datasets.fingerprint import Hasher

    cls_id, sep_id = special_ids(tokenizer)
    features = Features(
        {
            "input_ids": List(Value("int32")),
            "token_type_ids": List(Value("int8")),
            "attention_mask": List(Value("int8")),
            "labels": List(Value("int32")),
            "doc": Value("string"),
            "start": Value("int32"),
            "length": Value("int32"),
        }
    )
    kwargs = {
        "tokenizer_json": tokenizer.backend_tokenizer.to_str(),
        "max_length": max_length,
        "stride": stride,
        "cls_id": cls_id,
        "sep_id": sep_id,
        "prefix": prefix,
    }
    # datasets fingerprints a module's function by its name, not its code: without the code in
    # the key, a changed tagging or ordinal rule would train on windows cached before it
    fingerprint = Hasher.hash([reports._fingerprint, kwargs, code_digest("training/data.py", "model/features.py", "labels.py", "numbers.py")])
    return reports.map(
        encode_batch,
        with_indices=True,
        batched=True,
        batch_size=64,
        remove_columns=reports.column_names,
        features=features,
        fn_kwargs=kwargs,
        new_fingerprint=fingerprint,
        desc="windows",
    )


def repeat(table, weight: float, seed: int):
    """``weight`` copies of a table's rows: the integer part whole, the fraction sampled."""
    n = len(table)
    whole, frac = int(weight), weight - int(weight)
    idx = list(range(n)) * whole
    if frac > 0 and n:
        idx += sorted(random.Random(seed).sample(range(n), max(1, round(frac * n))))
    return table if idx == list(range(n)) else table.select(idx)


# ---------------------------------------------------------------------------
# Sources


def report_features():
    from datasets import Features, List, Value

    return Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "spans": List({"start": Value("int64"), "end": Value("int64"), "label": Value("string")}),
        }
    )


def _canonical(batch: dict[str, list]) -> dict[str, list]:
    return {
        "id": [str(i) for i in batch["id"]],
        "text": batch["text"],
        "spans": [
            [dict(zip(("start", "end", "label"), _span_fields(s), strict=True)) for s in spans]
            for spans in batch["spans"]
        ],
    }


def reports_table(records: list[TrainingRecord]):
    """In-memory table of reports (id, text, spans) from record dicts."""
    from datasets import Dataset

    return Dataset.from_dict(
        _canonical({k: [r[k] for r in records] for k in ("id", "text", "spans")}), features=report_features()
    )


def load_synth(path: str | Path):
    """A ``gkml synth`` corpus directory (DIR/dataset saved by datasets, or DIR/reports.jsonl),
    or a .jsonl file of records, as a table of (id, text, spans)."""
    from datasets import load_from_disk

    path = Path(path)
    if (path / "dataset").is_dir():
        table = load_from_disk(str(path / "dataset"))
        missing = {"id", "text", "spans"} - set(table.column_names)
        if missing:
            raise ValueError(f"{path / 'dataset'}: no column(s) {', '.join(sorted(missing))}")
        table = table.select_columns(["id", "text", "spans"])
        return table.map(_canonical, batched=True, features=report_features(), desc="reports")
    lines = path / "reports.jsonl" if path.is_dir() else path
    if not lines.is_file():
        raise ValueError(
            f"{path}: not a synthetic corpus (no dataset/ folder nor reports.jsonl); make one with `gkml synth`"
        )
    records: list[TrainingRecord] = []
    for n, record in enumerate(jsonl.iter_lines(lines), 1):
        missing = {"id", "text", "spans"} - set(record)
        if missing:
            raise ValueError(f"{lines}: record {n}: no {', '.join(sorted(missing))}")
        records.append(record)
    return reports_table(records)


def generated_corpus_dir(n: int, seed: int, config: str | None, cache_dir: str | Path) -> Path:
    """Where a generated corpus is kept: named by its recipe (size, seed, config file and the
    generator's code, with the ingest it reads its text through and the schema and checks
    that make its gold), so a changed recipe or generator makes a new one."""
    h = hashlib.sha256(Path(config).read_bytes() if config else b"default")
    code = ("training/synth/*.py", "training/configfile.py", "io/*.py", "schema.py", "assemble/checks.py", "cells.tsv")
    h.update(code_digest(*code).encode())
    return Path(cache_dir) / f"synth-n{n}-s{seed}-{h.hexdigest()[:8]}"


def generate_synth(n: int, seed: int, config: str | None, cache_dir: str | Path) -> Path:
    """Make (once) a synthetic corpus with :mod:`gkml.training.synth` (as ``gkml synth`` does) and
    return its directory. Written to a temporary folder and renamed when complete, so an
    interrupted run is never reused."""
    import os

    from gkml.training import synth

    if config and not Path(config).is_file():
        raise ValueError(f"synth config {config}: no such file")
    out = generated_corpus_dir(n, seed, config, cache_dir)
    if out.is_dir():
        return out
    synth_config = synth.load_config(config)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    try:
        log.info("generating %d synthetic reports (seed %d) into %s", n, seed, out)
        synth.save(synth.generate(n, seed, synth_config, workers=len(os.sched_getaffinity(0))), tmp)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out


def load_source(source, cache_dir: str | Path):
    """A configured :class:`gkml.training.config.Source` as a table of reports (id, text, spans)."""
    if source.kind == "labelstudio":
        from gkml.annotate.export import load_annotations

        table = reports_table(load_annotations(source.path))
    elif source.path is not None:
        table = load_synth(source.path)
    else:
        g = source.generate
        table = load_synth(generate_synth(g.n, g.seed, g.config, cache_dir))
    if source.limit is not None and source.limit < len(table):
        table = table.select(range(source.limit))
    return table


# ---------------------------------------------------------------------------
# The whole data step of a training run


@dataclass
class Prepared:
    tokenizer: Any
    train: Any  # datasets.Dataset of windows
    eval: Any  # datasets.Dataset of windows, in report order (doc, start)
    stats: dict[str, Any]


def prepare(cfg, tokenizer=None) -> Prepared:
    """Load every source, hold out eval reports (when no eval source is configured), build
    the tokenizer from the training reports (unless one is given), window both sides."""
    from datasets import concatenate_datasets

    from gkml.model.tokenizer import build_tokenizer

    d, w = cfg.data, cfg.windowing
    train_parts, eval_parts = [], []
    for i, source in enumerate(d.train):
        table = load_source(source, d.cache_dir)
        if not len(table):
            log.warning("data.train[%d] (%s): no reports", i, source.path or source.kind)
            continue
        held = round(len(table) * d.eval_fraction) if not d.eval else 0
        if held and held < len(table):
            split = table.train_test_split(test_size=held, seed=cfg.seed, shuffle=True)
            table = split["train"]
            eval_parts.append((f"train{i}:", split["test"]))
        train_parts.append((i, source, table))
    for i, source in enumerate(d.eval):
        eval_parts.append((f"eval{i}:", load_source(source, d.cache_dir)))
    if not train_parts:
        raise ValueError("data.train: the sources hold no reports")
    if not any(len(t) for _, t in eval_parts):
        raise ValueError("no evaluation reports: add data.eval sources or raise data.eval_fraction")

    if tokenizer is None:
        texts = (text for _, _, table in train_parts for text in table["text"])
        tokenizer = build_tokenizer(texts, min_freq=cfg.tokenizer.min_freq, common=cfg.tokenizer.common_chars)

    train_windows = []
    for i, source, table in train_parts:
        windows_ = tokenize_reports(table, tokenizer, w.max_length, w.stride, prefix=f"train{i}:")
        train_windows.append(repeat(windows_, source.weight, cfg.seed + i))
    eval_windows = [
        tokenize_reports(t, tokenizer, w.max_length, w.stride, prefix=p) for p, t in eval_parts if len(t)
    ]
    train = concatenate_datasets(train_windows)
    evaluation = concatenate_datasets(eval_windows)
    stats = {
        "train_reports": sum(len(t) for _, _, t in train_parts),
        "train_windows": len(train),
        "train_tokens": int(sum(train["length"])),
        "eval_reports": sum(len(t) for _, t in eval_parts),
        "eval_windows": len(evaluation),
        "vocab_size": len(tokenizer),
    }
    return Prepared(tokenizer=tokenizer, train=train, eval=evaluation, stats=stats)
