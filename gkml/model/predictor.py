"""The model engine: a trained token classifier read over whole reports, many at a time.

A predictor loads a model directory once and labels texts the way the model was
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
5. spans are snapped to what is printed (:func:`gkml.model.snap.snap`): a cell is a whole
   number, a fact a whole count.

The labeller contract stays ``text -> list[Span]`` (``Predictor.__call__``) so assembly is
shared with the rule engine; :meth:`Predictor.label_many` is the batched path.

Steps 1 and 2's forward pass are a backend's (:mod:`gkml.model.torch_backend`,
:mod:`gkml.model.onnx_backend`, chosen by :mod:`gkml.model.loader`); the rest is here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from gkml.labels import ENTITY_TYPES, Span
from gkml.model.features import TYPE_VOCAB, is_slot, windows
from gkml.model.snap import CELL_SET, snap

# Entity types whose span may run over a line break: a title's agency name or a date
# wrapped by a PDF text layer. Cells (one printed token), section headings and facts never do.
MULTILINE_TYPES = frozenset({"AGENCY", "PUBDATE"})
_ENTITY_SET = frozenset(ENTITY_TYPES)
DEFAULT_BATCH_SIZE = 16  # windows per forward pass: 16 x 512 tokens keeps 2 cores busy


class Encoded(NamedTuple):
    """One text as the model reads it (no special tokens)."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    types: list[int]  # cell ordinals (gkml.training.data.cell_ordinals), the model's token_type_ids


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
        # ... which, when every entity has one B and one I tag (gkml's labels), is the sum of two
        # gathered columns: the same numbers as the product, at a fraction of its cost
        begin = {int(j): i for i, j in enumerate(self.entity_of) if j >= 0 and self.is_begin[i]}
        inside = {int(j): i for i, j in enumerate(self.entity_of) if j >= 0 and not self.is_begin[i]}
        two = all((self.entity_of == j).sum() == 2 for j in range(len(self.entities)))
        self.pairs = None
        if two and len(begin) == len(inside) == len(self.entities):
            self.pairs = (np.array([begin[j] for j in range(len(self.entities))]),
                          np.array([inside[j] for j in range(len(self.entities))]))  # fmt: skip

    def entity_probs(self, probs: np.ndarray) -> np.ndarray:
        """Tag probabilities (tokens x tags) → entity probabilities (tokens x entities)."""
        if self.pairs is None:
            return probs @ self.to_entity
        return probs[:, self.pairs[0]] + probs[:, self.pairs[1]]


def _top2(rows: np.ndarray) -> np.ndarray:
    """Column indices of each row's two largest values, ties to the lower index (as a stable
    sort of the negated rows gives them, without sorting)."""
    if rows.shape[1] < 2:
        return np.argsort(-rows, axis=1, kind="stable")[:, :2]
    first = rows.argmax(axis=1)
    rest = rows.copy()
    rest[np.arange(len(rows)), first] = -np.inf
    return np.stack([first, rest.argmax(axis=1)], axis=1)


def _array(offsets: Sequence[tuple[int, int]] | np.ndarray) -> np.ndarray:
    """Token offsets as one (tokens x 2) array, made once per text."""
    return np.asarray(offsets, dtype=np.int64).reshape(-1, 2)


def first_tokens(offsets: Sequence[tuple[int, int]] | np.ndarray) -> list[int]:
    """Indices of the tokens that speak for a character: special tokens and the 2nd, 3rd…
    token of one character (NFKC expands ``…`` to ``...``) are left out, as in training
    (:func:`gkml.training.data.token_labels`)."""
    o = _array(offsets)
    new = np.ones(len(o), dtype=bool)
    new[1:] = (o[1:] != o[:-1]).any(axis=1)
    return np.flatnonzero((o[:, 1] > o[:, 0]) & new).tolist()


# Every code point str.isspace() holds for (none lies above U+3000)
_SPACE_CODES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)


def _all_space(text: str, offsets: np.ndarray) -> np.ndarray:
    """Per token (character offsets ``[s, e)``): ``text[s:e].isspace()``, for all tokens at once."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    printed = np.concatenate(([0], np.cumsum(~np.isin(codes, _SPACE_CODES))))
    s, e = offsets[:, 0], offsets[:, 1]
    return (e > s) & (printed[e] == printed[s])


def _breaks(text: str, prev_end: int, start: int, entity: str) -> bool:
    """Whether the gap between two tokens ends a span of ``entity`` whatever the tags say:
    a line break (unless the type may wrap), and for a table cell also a cell separator."""
    gap = text[prev_end:start]
    if "\n" in gap and entity not in MULTILINE_TYPES:
        return True
    return entity in CELL_SET and "|" in gap


def _groups(text: str, offsets: np.ndarray, keep: list[int], best: np.ndarray, table: TagTable) -> list[tuple[int, list[int]]]:
    """(entity index, token indices) of each span, from each kept token's best tag.

    Only the tokens tagged with an entity are visited: of the others (most of a report) all
    that matters is whether one is printed (not whitespace) between two entity tokens, which
    ends the span before it."""
    ents = table.entity_of[best]
    closed = np.cumsum((ents < 0) & ~_all_space(text, offsets[keep]))  # printed O tokens so far
    groups: list[tuple[int, list[int]]] = []
    open_group: tuple[int, list[int]] | None = None  # the span the previous token belongs to
    prev_end, last = 0, -1
    for p in np.flatnonzero(ents >= 0).tolist():
        if last >= 0 and closed[p] != closed[last]:
            open_group = None  # a printed O token came between
        last = p
        tok, tag, ent = keep[p], best[p], int(ents[p])
        start, end = offsets[tok]
        continues = open_group is not None and not table.is_begin[tag] and open_group[0] == ent
        piece = text[start:end]
        if table.entities[ent] in CELL_SET and is_slot(piece) and (piece == "|" or table.is_begin[tag]):
            groups.append((ent, [tok]))  # a cell printed as nothing (a B- on whitespace, any tag on a bar)
            open_group, prev_end = None, end
            continue
        if piece.isspace():
            continue  # whitespace is the gap between tokens, which _breaks reads
        if continues and not _breaks(text, prev_end, start, table.entities[ent]):
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
    ent_probs = np.add.reduceat(table.entity_probs(probs), starts, axis=0) / sizes[:, None]
    top = _top2(ent_probs)
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
    return _decode(text, offsets, probs, table, lambda rows: rows)


def decode_logits(text: str, offsets: Sequence[tuple[int, int]], logits: np.ndarray, table: TagTable) -> list[Span]:
    """:func:`decode` from logits: the best tag is the argmax of the logits, and the softmax
    is taken only over the tokens of spans (most tokens are O)."""
    return _decode(text, offsets, logits, table, softmax)


def _decode(text: str, offsets: Sequence[tuple[int, int]], scores: np.ndarray, table: TagTable, to_probs) -> list[Span]:
    """What :func:`decode` and :func:`decode_logits` share: ``scores`` (tokens x tags) rank the
    tags; ``to_probs`` turns the rows of the spans' tokens into probabilities (no copy of the
    rest)."""
    keep = first_tokens(o := _array(offsets))
    if not keep:
        return []
    groups = _groups(text, o, keep, scores.argmax(-1)[keep], table)
    toks = [t for _, ts in groups for t in ts]
    return _spans(offsets, groups, to_probs(scores[toks]), table)


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def _accumulate(total: np.ndarray, count: np.ndarray, s: int, e: int, logits: np.ndarray) -> None:
    """Add a window's logits over tokens ``[s, e)`` into ``total`` (uninitialised where ``count``
    is 0): the tokens no earlier window read are copied, not added to zeros, which is most of
    them (a report's windows come in order, each overlapping the last at its start). The sums
    are exactly those of adding every window to zeros."""
    seen = count[s:e] > 0
    k = int(seen.argmin()) if not seen.all() else e - s  # tokens read before: a prefix, normally
    if seen[k:].any():  # not a prefix: zero the unread, add everywhere
        total[s:e][~seen] = 0.0
        total[s:e] += logits
    else:
        total[s : s + k] += logits[:k]
        total[s + k : e] = logits[k:]
    count[s:e] += 1


class WindowedPredictor:
    """What every backend shares: a model's window recipe and labels, and how a batch of
    texts is read (windows of all texts sorted and batched, logits averaged over overlaps,
    decoded, snapped). ``predictor(text)`` or ``predictor.label_many(texts)``.

    A backend supplies :meth:`encode` (texts → :class:`Encoded`) and :meth:`_forward` (a
    batch of windows → their logits) and calls :meth:`_configure` with the model's config:
    :class:`gkml.model.torch_backend.Predictor` (torch, training's reference) and
    :class:`gkml.model.onnx_backend.OnnxPredictor` (ONNX Runtime, the default of ``gkml
    predict``). Everything else being this one code, the two give the same spans from the
    same logits."""

    backend = ""
    quantized = False

    def _configure(self, model_dir: str | Path, cfg: dict[str, Any], batch_size: int,
                   max_length: int | None, stride: int | None) -> None:  # fmt: skip
        """Window recipe, labels and checks from the model's ``config.json`` (as a dict)."""
        self.model_dir = str(model_dir)
        self.max_length = int(max_length or cfg.get("window_max_length") or 512)
        self.stride = int(stride if stride is not None else cfg.get("window_stride") or 128)
        positions = cfg.get("max_position_embeddings")
        if positions is not None and self.max_length > positions:
            raise ValueError(f"max_length {self.max_length} exceeds the model's {positions} positions")
        self.batch_size = max(1, int(batch_size))
        self.table = TagTable({int(k): v for k, v in cfg["id2label"].items()})
        self.cell_ordinals = bool(cfg.get("cell_ordinals", False))
        types = cfg.get("type_vocab_size", TYPE_VOCAB)
        if self.cell_ordinals and types < TYPE_VOCAB:
            raise ValueError(
                f"{self.model_dir} reads an older cell-ordinal channel ({types} token types, "
                f"this gkml writes {TYPE_VOCAB}): retrain it with `gkml train`"
            )
        self.timings = {"tokenise": 0.0, "model": 0.0, "merge": 0.0, "decode": 0.0}  # seconds, for the benchmark

    @property
    def version(self) -> str:
        """What records and pre-annotations name as their engine: the model directory's name
        (the same for both backends: they read the same weights into the same cells)."""
        return Path(self.model_dir).resolve().name + ("+int8" if self.quantized else "")

    def __call__(self, text: str) -> list[Span]:
        return self.label_many([text])[0]

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        raise NotImplementedError

    def _forward(self, rows: list[tuple[list[int], list[int]]]) -> list[np.ndarray]:
        raise NotImplementedError

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
                    acc[d] = (np.empty((n, n_labels), dtype=np.float32), np.zeros(n, dtype=np.float32))
                total, count = acc[d]
                _accumulate(total, count, s, e, lg)
                remaining[d] -= 1
                if remaining[d] == 0:
                    total, count = acc.pop(d)
                    shared = np.flatnonzero(count > 1)
                    total[shared] /= count[shared, None]  # a token read once keeps its logits as they are
                    done.append((d, total))
            self.timings["merge"] += time.perf_counter() - t0
            yield from done

    def label_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Spans of each text, in order: the batched path of the model engine. A text longer
        than :data:`SEGMENT_CHARS` is read piece by piece (:func:`segments`), so memory stays
        bounded whatever its length; the others are read together, their windows batched."""
        whole = [d for d, text in enumerate(texts) if len(text) <= SEGMENT_CHARS]
        found = dict(zip(whole, self._decode_many([texts[d] for d in whole]), strict=True))
        for d, text in enumerate(texts):
            if d in found:
                continue
            found[d] = []
            for lo, hi, own_lo, own_hi in segments(text):
                (spans,) = self._decode_many([text[lo:hi]])
                found[d] += [Span(sp.start + lo, sp.end + lo, sp.label, sp.score, sp.alts)
                             for sp in spans if own_lo <= sp.start + lo < own_hi]  # fmt: skip
        out = []
        for d, text in enumerate(texts):
            t0 = time.perf_counter()
            out.append(snap(text, found[d]))
            self.timings["decode"] += time.perf_counter() - t0
        return out

    def _decode_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """Decoded spans of each text (not snapped yet), the windows of all of them batched."""
        t0 = time.perf_counter()
        encoded = self.encode(texts)
        self.timings["tokenise"] += time.perf_counter() - t0
        out: list[list[Span]] = [[] for _ in texts]
        for d, logits in self.logits_many(encoded):
            t0 = time.perf_counter()
            out[d] = decode_logits(texts[d], encoded[d].offsets, logits, self.table) if len(logits) else []
            self.timings["decode"] += time.perf_counter() - t0
        return out


# A text longer than this is read in pieces: the model's logits take 2.4 kB a character (609
# tags), so a 2-million-character text would need 5 GB at once; a piece needs 0.25 GB. Real
# reports are shorter (under 50,000 characters as a rule) and are read whole, exactly as before.
# A text read in pieces reads as it would whole but for a few spans near the cuts: the cell
# ordinals of a piece are counted in its own text (tests/model/test_predictor_segments.py).
SEGMENT_CHARS = 100_000
SEGMENT_MARGIN = 2_000  # characters each piece reads beyond its own part on both sides: context


def segments(text: str, size: int | None = None, margin: int = SEGMENT_MARGIN) -> list[tuple[int, int, int, int]]:
    """The pieces a text is read in, ``(lo, hi, own_lo, own_hi)``: each reads ``text[lo:hi]`` and
    keeps the spans that start in its own part ``[own_lo, own_hi)``, parts of at most ``size``
    (:data:`SEGMENT_CHARS`) characters. Parts end at a line break in their second half where
    there is one, so few spans ever come near a cut."""
    size = size or SEGMENT_CHARS
    cuts = [0]
    while len(text) - cuts[-1] > size:
        nl = text.rfind("\n", cuts[-1] + size // 2, cuts[-1] + size)
        cuts.append(nl + 1 if nl >= 0 else cuts[-1] + size)
    cuts.append(len(text))
    return [(max(0, a - margin), min(len(text), b + margin), a, b) for a, b in pairwise(cuts)]
