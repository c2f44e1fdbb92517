"""Carrying gold from the text a report was made from onto the text an extractor printed.

Two ways, one result (a source-piece id per printed character, then spans):

- **exact**: the extractor itself says which piece each printed character came from. The
  typesetter paints every labelled piece in its own near-black colour (`gkml.training.chains.typeset`)
  and pdfminer and pdfium report each character's fill colour, so their text needs no guessing,
  even where pdfminer prints a table column by column;
- **by character alignment** (`char_alignment`, difflib): for extractors that keep document
  order but not the colour (gkml's own ingest, scraped HTML, OCR), the ids of a reference text
  are carried over to the characters they became.

A piece whose characters the extractor lost gets no span; the caller drops its cell from that
chain's gold and counts it. A cell printed as nothing has no characters: it gets a zero-length
span only where the extractor left its slot between ``|`` separators (`place_blanks`).

`char_alignment` and `align_spans` were born in `gkml.training.synth.ocr_layout` (OCR records),
which imports them from here.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

from gkml.labels import Span


def char_alignment(src: str, dst: str) -> list[int | None]:
    """For each character of `src`, the index of the `dst` character it became, or None.

    difflib's matching blocks give the characters that survived unchanged; inside a replaced
    stretch of equal length the characters pair up one to one (刻 read for 十), and in a stretch
    of different lengths they are spread proportionally, so a misread number still lands on
    the OCR's version of it rather than vanishing.
    """
    out: list[int | None] = [None] * len(src)
    matcher = difflib.SequenceMatcher(None, src, dst, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out[i1:i2] = range(j1, j2)
        elif op == "replace":
            n, m = i2 - i1, j2 - j1
            for k in range(n):
                out[i1 + k] = j1 + (k * m) // n
    return out


def _solid(c: str) -> bool:
    return not c.isspace() and c != "|"


_NUMERIC = frozenset("0123456789.—-/无")


def solid_alignment(src: str, dst: str, numbers_first: bool = False) -> list[int | None]:
    """`char_alignment` of the printed characters only: white space and ``|`` separators, which
    every extractor lays out its own way (" | " between cells, one space, a line break), are
    left out of the diff, so "| 0 | 0 | 0" and "0 0 0" pair their zeros one to one.

    ``numbers_first``: the digits and blank marks are first aligned among themselves, and that
    pairing wins. An extractor that reads by lines (OCR) prints a wrapped row label's last
    line after the row's numbers; the numbers of a table still come in the same order, which a
    diff of the whole text loses around every such label."""
    src_at = [i for i, c in enumerate(src) if _solid(c)]
    dst_at = [j for j, c in enumerate(dst) if _solid(c)]
    inner = char_alignment("".join(src[i] for i in src_at), "".join(dst[j] for j in dst_at))
    out: list[int | None] = [None] * len(src)
    for k, j in enumerate(inner):
        if j is not None:
            out[src_at[k]] = dst_at[j]
    if numbers_first:
        src_n = [i for i in src_at if src[i] in _NUMERIC]
        dst_n = [j for j in dst_at if dst[j] in _NUMERIC]
        pairs = char_alignment("".join(src[i] for i in src_n), "".join(dst[j] for j in dst_n))
        taken = {}
        for k, j in enumerate(pairs):
            if j is not None:
                out[src_n[k]] = dst_n[j]
                taken[dst_n[j]] = src_n[k]
        for i, j in enumerate(out):  # a character the first diff paired with a number the second gave away
            if j is not None and taken.get(j, i) != i:
                out[i] = None
    return out


def align_spans(src: str, spans: Sequence[Span], dst: str) -> list[Span]:
    """Move labelled spans of `src` onto `dst`: each span covers from the first to the last
    `dst` character that its characters became; a span with no surviving character is dropped,
    and so is one that would overlap a span already placed (the earlier one wins)."""
    where = char_alignment(src, dst)
    placed: list[Span] = []
    taken = bytearray(len(dst))
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        hits = [j for j in where[span.start : span.end] if j is not None]
        if not hits:
            continue
        start, end = min(hits), max(hits) + 1
        while start < end and dst[start].isspace():
            start += 1
        while end > start and dst[end - 1].isspace():
            end -= 1
        if start >= end or any(taken[start:end]):
            continue
        taken[start:end] = b"\x01" * (end - start)
        placed.append(Span(start, end, span.label, span.score))
    return placed


# --------------------------------------------------------------------------- texts with piece ids


@dataclass
class Traced:
    """A text and, per character, the id of the source piece it prints (0: none of them).

    ``blanks`` are cells printed as nothing: (position in ``text``, piece id), the position being
    where the cell stands (between the separators of its row)."""

    text: str
    ids: list[int]
    blanks: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.ids) != len(self.text):
            raise ValueError(f"{len(self.ids)} ids for {len(self.text)} characters")


def remap(traced: Traced, text: str, offsets: Sequence[int]) -> Traced:
    """``traced`` after a rewrite of its text into ``text`` whose character i came from
    ``traced.text[offsets[i]]`` (``gkml.io.normalise.normalise`` gives such offsets)."""
    from bisect import bisect_left

    ids = [traced.ids[o] if 0 <= o < len(traced.ids) else 0 for o in offsets]
    blanks = [(bisect_left(offsets, pos), pid) for pos, pid in traced.blanks]
    return Traced(text, ids, blanks)


def carry(ref: Traced, dst: str, exact: Sequence[int] | None = None, numbers_first: bool = False) -> Traced:
    """``dst`` traced: its ids are ``exact`` when the extractor told them, else those of ``ref``
    carried over by character alignment; blank cells are placed by `place_blanks` (where the
    exact ids decide which ``dst`` character a piece's character became)."""
    where = solid_alignment(ref.text, dst, numbers_first)
    if exact is not None:
        at: dict[int, list[int]] = {}
        for j, pid in enumerate(exact):
            if pid and _solid(dst[j]):
                at.setdefault(pid, []).append(j)
        nth: dict[int, int] = {}
        for i, pid in enumerate(ref.ids):
            if pid and _solid(ref.text[i]):
                k = nth.get(pid, 0)
                nth[pid] = k + 1
                spots = at.get(pid, ())
                where[i] = spots[k] if k < len(spots) else None
        ids = list(exact)
    else:
        ids = [0] * len(dst)
        for i, j in enumerate(where):
            if j is not None and ref.ids[i] and not ids[j]:
                ids[j] = ref.ids[i]
    return Traced(dst, ids, place_blanks(ref, where, dst))


def place_blanks(ref: Traced, where: Sequence[int | None], dst: str) -> list[tuple[int, int]]:
    """Zero-length places in ``dst`` for the cells ``ref`` prints as nothing, where ``dst`` kept
    their slots: a run of blank cells between two printed neighbours of the same row must find
    the same number of empty ``|`` slots between where those neighbours went (or more, when a
    grid printed a merged label's covered columns as empty slots too: then the slots next to
    the values are theirs). Anything else is no slot: the cell is left out."""
    out: list[tuple[int, int]] = []
    runs: list[list[tuple[int, int]]] = []
    for pos, pid in sorted(ref.blanks):
        if runs and not ref.text[runs[-1][-1][0] : pos].strip(" |\t\u00a0"):
            runs[-1].append((pos, pid))
        else:
            runs.append([(pos, pid)])
    for run in runs:
        first, last = run[0][0], run[-1][0]
        row_start = ref.text.rfind("\n", 0, first) + 1
        row_end = ref.text.find("\n", last)
        row_end = len(ref.text) if row_end < 0 else row_end
        left = next((i for i in range(first - 1, row_start - 1, -1) if where[i] is not None and not ref.text[i].isspace()
                     and ref.text[i] != "|"), None)  # fmt: skip
        right = next((i for i in range(last, row_end) if where[i] is not None and not ref.text[i].isspace()
                      and ref.text[i] != "|"), None)  # fmt: skip
        if left is None and right is None:
            continue  # a row printed as nothing but blanks: nothing to count its slots from
        # a row that starts blank has its slots counted from the start of its line
        lo = where[left] + 1 if left is not None else dst.rfind("\n", 0, where[right]) + 1
        if right is not None:
            hi = where[right]
            if hi < lo or "\n" in dst[lo:hi]:
                continue
        else:
            nl = dst.find("\n", lo)
            hi = len(dst) if nl < 0 else nl
        segments, pos = [], lo
        for part in dst[lo:hi].split("|"):
            segments.append((pos, part))
            pos += len(part) + 1
        inner = segments[1 if left is not None else 0 : -1 if right is not None else None]
        if not inner or len(inner) < len(run) or any(part.strip(" \t\u00a0") for _, part in inner):
            continue
        if len(inner) > len(run):
            value_left = left is not None and ref.ids[left] and right is not None
            inner = inner[: len(run)] if value_left else inner[-len(run) :]
        for (_, pid), (start, part) in zip(run, inner, strict=True):
            out.append((start + (1 if len(part) >= 2 else 0), pid))
    return out


@dataclass
class Placed:
    """Where each piece landed: ``spans[pid] = (start, end)``; ``split`` counts pieces whose
    characters came out in separate places (the largest stretch is kept)."""

    spans: dict[int, tuple[int, int]]
    split: int = 0


def spans_of(traced: Traced, max_gap: int = 2) -> Placed:
    """One span per piece id: its characters in ``traced.text``, bridged over gaps of at most
    ``max_gap`` characters of no other piece (a line break inside a wrapped fact); a piece that
    came out in several stretches keeps its largest. Zero-length spans for its blanks."""
    runs: dict[int, list[list[int]]] = {}
    for i, pid in enumerate(traced.ids):
        if not pid:
            continue
        stretches = runs.setdefault(pid, [])
        if stretches:
            prev = stretches[-1][1]
            gap = traced.text[prev + 1 : i]
            if not any(traced.ids[prev + 1 : i]) and (len(gap) <= max_gap or not gap.strip()):
                stretches[-1][1] = i
                continue
        stretches.append([i, i])
    placed = Placed({})
    for pid, stretches in runs.items():
        if len(stretches) > 1:
            placed.split += 1
        start, end = max(stretches, key=lambda s: s[1] - s[0])
        text = traced.text
        while start <= end and text[start].isspace():
            start += 1
        while end >= start and text[end].isspace():
            end -= 1
        if start <= end:
            placed.spans[pid] = (start, end + 1)
    for pos, pid in traced.blanks:
        placed.spans.setdefault(pid, (pos, pos))
    return placed
