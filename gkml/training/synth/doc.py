"""A document under construction: a list of pieces, each a run of text with an optional label.

Building text as pieces is what keeps every gold span exact: a label belongs to a piece, noise
rewrites a piece's text (a confusion, a stray space, traditional characters) without touching
its neighbours, and the span is wherever the piece ends up once the pieces are joined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# What a piece is, which decides the noise it may get (see gkml.training.synth.noise):
#   prose    running text                 heading  a section heading (SEC label)
#   fact     a count in the prose          meta     agency, year, publication date
#   value    a printed table number        row      a row label of a table
#   head     a column header               title    a table's caption / 条款 line
#   sep      table separators, blank lines markup   HTML tags (never altered)
#   chrome   page furniture: breadcrumbs, page numbers, running headers
ROLES = ("prose", "heading", "fact", "meta", "value", "row", "head", "title", "sep", "markup", "chrome")


@dataclass
class Piece:
    text: str
    label: str | None = None  # an entity type of gkml.labels.ENTITY_TYPES
    role: str = "prose"
    gold: dict[str, Any] | None = field(default=None, compare=False)  # facts: value, approx, unit, kind


class Doc:
    """Pieces in reading order; ``render`` joins them and reports the labelled spans."""

    def __init__(self) -> None:
        self.pieces: list[Piece] = []

    def add(self, text: str, label: str | None = None, role: str = "prose", gold: dict | None = None) -> Doc:
        self.pieces.append(Piece(text, label, role, gold))
        return self

    def extend(self, pieces: list[Piece]) -> Doc:
        self.pieces.extend(pieces)
        return self

    def nl(self, n: int = 1) -> Doc:
        return self.add("\n" * n, role="sep")

    def ends_with_newline(self) -> bool:
        for p in reversed(self.pieces):
            if p.text:
                return p.text.endswith("\n")
        return True

    def render(self, escape: Callable[[str], str] | None = None) -> tuple[str, list[tuple[int, int, Piece]]]:
        """The joined text and ``(start, end, piece)`` for every labelled piece that is
        printed: non-empty, or a table cell printed as nothing (a zero-length span where the
        cell stands, as the rule baseline reads it); ``escape`` (HTML) is applied to every
        piece that is not markup."""
        parts, spans, pos = [], [], 0
        for p in self.pieces:
            text = escape(p.text) if escape and p.role != "markup" else p.text
            parts.append(text)
            if p.label and (text or p.role == "value"):
                spans.append((pos, pos + len(text), p))
            pos += len(text)
        return "".join(parts), spans
