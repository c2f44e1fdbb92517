"""The model engine: a trained token classifier read over whole reports, many at a time.

A :class:`Predictor` loads a model directory once and labels texts the way the model was
trained to read them (:func:`gkml.training.data.windows`, the window recipe stored in the model's
config), so training and inference cut reports alike:

1. every text is tokenised (one token per character) and cut into overlapping windows;
2. the windows of *all* texts of a call are sorted by length and run in batches, so a
   batch pads little and the model runs few, full matrix products;
3. the logits of a token read by several windows are averaged over the overlap (each
   window's view counts, none is thrown away), then turned into probabilities;
4. BIO tags are decoded into character spans (:func:`decode`) with a score (the mean
   probability of the span's entity over its tokens) and the top-2 entity alternatives,
   which :mod:`gkml.assemble.report` uses when the identities say the top label is wrong;
5. spans are snapped to what is printed (:func:`snap`): a cell is a whole number, a fact
   a whole count.

The labeller contract stays ``text -> list[Span]`` (``Predictor.__call__``) so assembly is
shared with the rule engine; :meth:`Predictor.label_many` is the batched path.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from gkml.labels import ENTITY_TYPES, Span
from gkml.model.features import TYPE_VOCAB, cell_ordinals, special_ids, token_types, windows
from gkml.schema import CELL_KEYS

# Entity types whose span may run over a line break: a title's agency name or a date
# wrapped by a PDF text layer. Cells (one printed token), section headings and facts never do.
MULTILINE_TYPES = frozenset({"AGENCY", "PUBDATE"})
_CELL_SET = frozenset(CELL_KEYS)
_ENTITY_SET = frozenset(ENTITY_TYPES)
DEFAULT_BATCH_SIZE = 16  # windows per forward pass: 16 x 512 tokens keeps 2 cores busy


class Encoded(NamedTuple):
    """One text as the model reads it (no special tokens)."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    types: list[int]  # cell ordinals (gkml.training.data.cell_ordinals), the model's token_type_ids


def cpu_threads(threads: int | None = None) -> int:
    """Set torch's intra-op threads: ``threads``, or every core this process may use
    (CPU affinity, not os.cpu_count(): containers and Ray actors get fewer cores)."""
    import torch

    n = threads or len(os.sched_getaffinity(0))
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def quantize_model(model):
    """Dynamic int8 quantisation of the Linear layers (weights int8, activations quantised
    on the fly): ~1.3-1.5x faster on CPU at the same accuracy for this model size
    (see bench/throughput.py). The torch.ao API is deprecated in favour of torchao but still
    the only one in torch itself; its warnings are silenced here, once."""
    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class TagTable:
    """The model's tags (its own ``id2label``, which may be older than :mod:`gkml.labels`)
    as arrays: the entity of each tag id and whether it opens (B) or continues (I) a span."""

    def __init__(self, id2label: dict[int, str]):
        n = len(id2label)
        self.tags = [id2label[i] for i in range(n)]
        self.entities = sorted({t[2:] for t in self.tags if t[:2] in ("B-", "I-") and t[2:] in _ENTITY_SET})
        index = {e: j for j, e in enumerate(self.entities)}
        self.entity_of = np.full(n, -1, dtype=np.int64)  # tag id -> entity index (-1: O or unknown)
        self.is_begin = np.zeros(n, dtype=bool)
        for i, t in enumerate(self.tags):
            if t[:2] in ("B-", "I-") and t[2:] in index:
                self.entity_of[i] = index[t[2:]]
                self.is_begin[i] = t[0] == "B"
        # tag probabilities -> entity probabilities (B + I of each entity)
        self.to_entity = np.zeros((n, len(self.entities)), dtype=np.float32)
        for i, j in enumerate(self.entity_of):
            if j >= 0:
                self.to_entity[i, j] = 1.0


def first_tokens(offsets: Sequence[tuple[int, int]]) -> list[int]:
    """Indices of the tokens that speak for a character: special tokens and the 2nd, 3rd…
    token of one character (NFKC expands ``…`` to ``...``) are left out, as in training
    (:func:`gkml.training.data.token_labels`)."""
    keep, prev = [], None
    for i, (s, e) in enumerate(offsets):
        if e > s and (s, e) != prev:
            keep.append(i)
        prev = (s, e)
    return keep


def _breaks(text: str, prev_end: int, start: int, entity: str) -> bool:
    """Whether the gap between two tokens ends a span of ``entity`` whatever the tags say:
    a line break (unless the type may wrap), and for a table cell also a cell separator."""
    gap = text[prev_end:start]
    if "\n" in gap and entity not in MULTILINE_TYPES:
        return True
    return entity in _CELL_SET and "|" in gap


def _is_slot(token_text: str) -> bool:
    """Whether a token is where a blank cell is read (:func:`gkml.training.data.blank_slot`)."""
    return token_text == "|" or token_text.isspace()


def _groups(
    text: str, offsets: Sequence[tuple[int, int]], keep: list[int], best: np.ndarray, table: TagTable
) -> list[tuple[int, list[int]]]:
    """(entity index, token indices) of each span, from each kept token's best tag."""
    groups: list[tuple[int, list[int]]] = []
    open_group: tuple[int, list[int]] | None = None  # the span the previous token belongs to
    prev_end = 0
    for tok, tag in zip(keep, best, strict=True):
        ent = int(table.entity_of[tag])
        start, end = offsets[tok]
        continues = open_group is not None and not table.is_begin[tag] and open_group[0] == ent
        piece = text[start:end]
        if ent >= 0 and table.entities[ent] in _CELL_SET and _is_slot(piece) and (piece == "|" or table.is_begin[tag]):
            groups.append((ent, [tok]))  # a cell printed as nothing (a B- on whitespace, any tag on a bar)
            open_group, prev_end = None, end
            continue
        if piece.isspace():
            continue  # whitespace is the gap between tokens, which _breaks reads
        if ent < 0:
            open_group = None
        elif continues and not _breaks(text, prev_end, start, table.entities[ent]):
            open_group[1].append(tok)
        else:
            open_group = (ent, [tok])
            groups.append(open_group)
        prev_end = end
    return groups


def _spans(
    offsets: Sequence[tuple[int, int]], groups: list[tuple[int, list[int]]], probs: np.ndarray, table: TagTable
) -> list[Span]:
    """Spans of ``groups``, ``probs`` holding the tag probabilities of their tokens one group
    after another: the entity probabilities of all tokens in one product, averaged per span."""
    if not groups:
        return []
    sizes = np.array([len(toks) for _, toks in groups])
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    ent_probs = np.add.reduceat(probs @ table.to_entity, starts, axis=0) / sizes[:, None]
    top = np.argsort(-ent_probs, axis=1, kind="stable")[:, :2]
    out = []
    for i, (ent, toks) in enumerate(groups):
        row = ent_probs[i]
        out.append(
            Span(
                start=offsets[toks[0]][0],
                end=offsets[toks[-1]][1],
                label=table.entities[ent],
                score=round(float(row[ent]), 4),
                alts=tuple((table.entities[j], round(float(row[j]), 4)) for j in top[i] if row[j] > 0),
            )
        )
    return out


def decode(text: str, offsets: Sequence[tuple[int, int]], probs: np.ndarray, table: TagTable) -> list[Span]:
    """Character spans from per-token tag probabilities (``probs``: tokens x tags).

    Each token takes its most probable tag. A span opens on B-X, and also on an I-X that
    does not continue an X span (an orphan I- is read as B-: the model saw an entity, it
    only missed its first character) or that is cut from it by a line break or, for a
    cell, a "|" (:func:`_breaks`). Its score is the mean probability of X (B-X + I-X) over
    its tokens; ``alts`` holds the two entity types with the highest mean probability.
    """
    keep = first_tokens(offsets)
    if not keep:
        return []
    groups = _groups(text, offsets, keep, probs[keep].argmax(-1), table)
    toks = [t for _, ts in groups for t in ts]
    return _spans(offsets, groups, probs[toks], table)


def decode_logits(text: str, offsets: Sequence[tuple[int, int]], logits: np.ndarray, table: TagTable) -> list[Span]:
    """:func:`decode` from logits: the best tag is the argmax of the logits, and the softmax
    is taken only over the tokens of spans (most tokens are O)."""
    keep = first_tokens(offsets)
    if not keep:
        return []
    groups = _groups(text, offsets, keep, logits[keep].argmax(-1), table)
    toks = [t for _, ts in groups for t in ts]
    return _spans(offsets, groups, softmax(logits[toks]), table)


_NUMBER_CHARS = frozenset("0123456789０１２３４５６７８９")
_NUMBER_INNER = frozenset(".,，．")
_SIGNS = frozenset("-−－+")


def _number_run(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole printed number around ``text[start:end]``: digits, with the decimal point
    and thousands separators between digits ("205", "3,830", "530.67") and a sign before
    them ("-1", 2019's 本年增/减)."""

    def is_part(i: int) -> bool:
        if not 0 <= i < len(text):
            return False
        if text[i] in _NUMBER_CHARS:
            return True
        return text[i] in _NUMBER_INNER and 0 < i < len(text) - 1 and text[i - 1] in _NUMBER_CHARS and text[i + 1] in _NUMBER_CHARS

    if text[start:end] in _SIGNS and is_part(end):  # the span is the sign of "-1": take the number
        start, end = end, end + 1
    while is_part(start - 1):
        start -= 1
    while is_part(end):
        end += 1
    if start > 0 and text[start - 1] in _SIGNS and not is_part(start - 2):  # a signed number ("-1")
        start -= 1
    return start, end


_PAGE_NUMBER = re.compile(r"\s*[-—–―－]\s*\d{1,3}\s*[-—–―－]\s*")


def _line(text: str, pos: int) -> str:
    """The line of ``text`` that holds position ``pos``."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : len(text) if end < 0 else end]


def snap(text: str, spans: list[Span]) -> list[Span]:
    """Spans snapped to what is printed, the reading a partial span stands for:

    - a cell or a year that covers part of a number covers the whole number (the model read
      "205" as B-O I-cell: the cell is "205", not "5"). A printed number is never cut; a
      page number inside a table ("- 3 -", PDF and OCR layouts) is never a cell;
    - a cell read on whitespace or on a ``|`` (:func:`gkml.training.data.blank_slot`) is that cell
      printed as nothing: a zero-length span where it stands, as the rule baseline reads it;
    - a fact covers the whole count it overlaps ("余条" → "800余条"), found as
      :func:`gkml.numbers.find_quantities` finds counts in prose; a fact span over no count
      (a digit of a date, a bare numeral) is dropped.

    Snapped spans that coincide with the same label are merged (the best score kept)."""
    from gkml.numbers import find_quantities

    out: dict[tuple[int, int, str], Span] = {}
    for sp in spans:
        start, end = sp.start, sp.end
        digits = any(c in _NUMBER_CHARS for c in text[start:end]) or (
            text[start:end] in _SIGNS and end < len(text) and text[end] in _NUMBER_CHARS
        )
        if sp.label in _CELL_SET and _is_slot(text[start:end]):
            end = start  # a blank cell
        elif (sp.label in _CELL_SET or sp.label == "YEAR") and digits:
            start, end = _number_run(text, start, end)
            if sp.label in _CELL_SET and _PAGE_NUMBER.fullmatch(_line(text, start)):
                continue  # "- 3 -": a page number printed inside a table, never a cell
        elif sp.label.startswith("FACT."):
            line_start = text.rfind("\n", 0, start) + 1
            line_end = line_start + len(_line(text, start))
            best = max(
                (q for q in find_quantities(text[line_start:line_end])
                 if q.start + line_start < end and start < q.end + line_start),
                key=lambda q: min(end, q.end + line_start) - max(start, q.start + line_start),
                default=None,
            )  # fmt: skip
            if best is None:
                continue  # no count there: a numeral without a unit is never a count in prose
            start, end = best.start + line_start, best.end + line_start
        key = (start, end, sp.label)
        if key not in out or out[key].score < sp.score:
            out[key] = Span(start, end, sp.label, sp.score, sp.alts) if (start, end) != (sp.start, sp.end) else sp
    return sorted(out.values(), key=lambda s: (s.start, s.end, s.label))


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


class Predictor:
    """A loaded model that labels texts: ``predictor(text)`` or ``predictor.label_many(texts)``.

    ``batch_size`` is windows per forward pass; ``threads`` torch threads (default: the
    cores this process may use); ``quantize`` applies dynamic int8 quantisation to the
    Linear layers. ``max_length``/``stride`` default to the recipe the model was trained with.
    """

    def __init__(
        self,
        model_dir: str | Path,
        batch_size: int = DEFAULT_BATCH_SIZE,
        quantize: bool = False,
        threads: int | None = None,
        max_length: int | None = None,
        stride: int | None = None,
    ):
        import torch

        from gkml.model.network import load_model

        self.threads = cpu_threads(threads)
        self.model_dir = str(model_dir)
        from transformers.utils import logging as hf_logging

        bar = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar for a 4 MB model
        try:
            self.tokenizer, model = load_model(model_dir)
        finally:
            if bar:
                hf_logging.enable_progress_bar()
        self.quantized = bool(quantize)
        self.model = quantize_model(model) if quantize else model
        cfg = model.config
        self.max_length = int(max_length or getattr(cfg, "window_max_length", None) or 512)
        self.stride = int(stride if stride is not None else getattr(cfg, "window_stride", None) or 128)
        positions = getattr(cfg, "max_position_embeddings", None)
        if positions is not None and self.max_length > positions:
            raise ValueError(f"max_length {self.max_length} exceeds the model's {positions} positions")
        self.batch_size = max(1, int(batch_size))
        self.table = TagTable({int(k): v for k, v in cfg.id2label.items()})
        self.cls_id, self.sep_id = special_ids(self.tokenizer)
        self.cell_ordinals = bool(getattr(cfg, "cell_ordinals", False))
        if self.cell_ordinals and getattr(cfg, "type_vocab_size", TYPE_VOCAB) < TYPE_VOCAB:
            raise ValueError(
                f"{self.model_dir} reads an older cell-ordinal channel ({cfg.type_vocab_size} token types, "
                f"this gkml writes {TYPE_VOCAB}): retrain it with `gkml train`"
            )
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        self._torch = torch
        self.timings = {"tokenise": 0.0, "model": 0.0, "merge": 0.0, "decode": 0.0}  # seconds, for the benchmark

    @property
    def version(self) -> str:
        """What records and pre-annotations name as their engine: the model directory's name."""
        return Path(self.model_dir).resolve().name + ("+int8" if self.quantized else "")

    def __call__(self, text: str) -> list[Span]:
        return self.label_many([text])[0]

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        """Token ids, character offsets and cell ordinals of each text, without special
        tokens (ordinals all 0 for a model that does not read them)."""
        if not texts:
            return []
        enc = self.tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True)
        out = []
        for text, ids, offs in zip(texts, enc["input_ids"], enc["offset_mapping"], strict=True):
            offsets = [tuple(o) for o in offs]
            types = token_types(offsets, cell_ordinals(text)) if self.cell_ordinals else [0] * len(ids)
            out.append(Encoded(list(ids), offsets, types))
        return out

    def _forward(self, rows: list[tuple[list[int], list[int]]]) -> list[np.ndarray]:
        """Logits of each window ``(ids, types)`` (without [CLS]/[SEP]) from one padded batch."""
        torch = self._torch
        width = max(len(ids) for ids, _ in rows) + 2
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        types = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, (r, t) in enumerate(rows):
            ids[i, : len(r) + 2] = torch.tensor([self.cls_id, *r, self.sep_id])
            types[i, 1 : len(r) + 1] = torch.tensor(t)
            mask[i, : len(r) + 2] = 1
        with torch.inference_mode():
            logits = self.model(input_ids=ids, token_type_ids=types, attention_mask=mask).logits.float().numpy()
        return [logits[i, 1 : len(r) + 1] for i, (r, _) in enumerate(rows)]

    def logits_many(self, encoded: Sequence[Encoded]):
        """Yield ``(index, averaged logits)`` for each encoded text as soon as all its
        windows have run. Windows of every text are sorted by length (stable, so the windows
        of one long report stay together and it is finished, and its memory freed, early)."""
        import time

        size = self.max_length - 2
        jobs: list[tuple[int, int, int]] = []
        remaining: dict[int, int] = {}
        n_labels = len(self.table.tags)
        for d, enc in enumerate(encoded):
            if not enc.ids:
                yield d, np.zeros((0, n_labels), dtype=np.float32)
                continue
            wins = windows(len(enc.ids), size, self.stride)
            remaining[d] = len(wins)
            jobs += [(d, s, e) for s, e in wins]
        jobs.sort(key=lambda j: j[1] - j[2])  # longest first
        acc: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for b in range(0, len(jobs), self.batch_size):
            batch = jobs[b : b + self.batch_size]
            t0 = time.perf_counter()
            outs = self._forward([(encoded[d].ids[s:e], encoded[d].types[s:e]) for d, s, e in batch])
            self.timings["model"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            done = []
            for (d, s, e), lg in zip(batch, outs, strict=True):
                if d not in acc:
                    n = len(encoded[d].ids)
                    acc[d] = (np.zeros((n, n_labels), dtype=np.float32), np.zeros(n, dtype=np.float32))
                total, count = acc[d]
                total[s:e] += lg
                count[s:e] += 1
                remaining[d] -= 1
                if remaining[d] == 0:
                    total, count = acc.pop(d)
                    done.append((d, total / count[:, None]))
            self.timings["merge"] += time.perf_counter() - t0
            yield from done

    def label_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Spans of each text, in order: the batched path of the model engine."""
        import time

        t0 = time.perf_counter()
        encoded = self.encode(texts)
        self.timings["tokenise"] += time.perf_counter() - t0
        out: list[list[Span]] = [[] for _ in texts]
        for d, logits in self.logits_many(encoded):
            t0 = time.perf_counter()
            out[d] = snap(texts[d], decode_logits(texts[d], encoded[d].offsets, logits, self.table)) if len(logits) else []
            self.timings["decode"] += time.perf_counter() - t0
        return out


_CACHE: dict[tuple[Any, ...], Predictor] = {}


def load_predictor(model_dir: str | Path, **opts: Any) -> Predictor:
    """A :class:`Predictor` for ``model_dir``, loaded once per process and options (the
    annotation backend, a notebook and repeated CLI calls in one process share it)."""
    path = Path(model_dir)
    if not (path / "config.json").is_file():
        raise ValueError(
            f"{model_dir}: no trained model there (no config.json). Train it with "
            f"`gkml train configs/small.yaml` (writes models/gkml-small), or use `--engine rules`"
        )
    key = (str(path.resolve()), tuple(sorted(opts.items())))
    if key not in _CACHE:
        _CACHE[key] = Predictor(path, **opts)
    return _CACHE[key]
