"""The model's label catalogue, derived from :mod:`gkml.schema` (never listed by hand).

Entity types: ``SEC1``–``SEC6``, one per cell key, ``FACT.<kind>``, and ``AGENCY``,
``YEAR``, ``PUBDATE``.  Tags are BIO (IOB2) over characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from gkml.schema import CELL_KEYS, CELLS, FACT_KINDS, SECTION_TITLES

SECTION_TYPES = tuple(f"SEC{n}" for n in SECTION_TITLES)
FACT_TYPES = tuple(f"FACT.{k}" for k in FACT_KINDS)
META_TYPES = ("AGENCY", "YEAR", "PUBDATE")
ENTITY_TYPES: tuple[str, ...] = (*SECTION_TYPES, *CELL_KEYS, *FACT_TYPES, *META_TYPES)

TAGS: tuple[str, ...] = ("O", *(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I")))
LABEL2ID: dict[str, int] = {t: i for i, t in enumerate(TAGS)}
ID2LABEL: dict[int, str] = dict(enumerate(TAGS))


GROUPS = ("SEC", "T2", "T3", "T4", "FACT", "META")


def group(entity: str) -> str:
    """Evaluation group of an entity type: one of :data:`GROUPS`."""
    if entity in SECTION_TYPES:
        return "SEC"
    if entity in CELLS:
        return f"T{CELLS[entity].table}"
    if entity in FACT_TYPES:
        return "FACT"
    if entity in META_TYPES:
        return "META"
    raise KeyError(entity)


@dataclass(frozen=True)
class Span:
    """A labelled character span of a document's normalised text: what a labeller (the
    model or the rule baseline) produces and what :mod:`gkml.assemble.report` consumes.

    ``start == end`` is allowed for a table cell printed as nothing (an empty cell whose
    position is known); such spans cannot be BIO-tagged and are skipped in training.
    """

    start: int
    end: int
    label: str  # an entity type of ENTITY_TYPES
    score: float = 1.0
    # The model's best entity types for this span with their probabilities, best first
    # (label's own among them): what assembly may reassign a cell to when the identities
    # say the top label is wrong. Empty for the rule baseline, which is never unsure.
    alts: tuple[tuple[str, float], ...] = field(default=(), compare=False)


class SpanRecord(TypedDict):
    """A gold span as training data stores it (JSON, a datasets row): characters
    ``[start, end)`` of the report text and its entity type."""

    start: int
    end: int
    label: str


class TrainingRecord(TypedDict):
    """One labelled report, whatever made it (the generator, a Label Studio export): what
    :mod:`gkml.training.data` windows and tags. Corpora may carry more fields beside these."""

    id: str
    text: str
    spans: list[SpanRecord]
