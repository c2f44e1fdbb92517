"""The rule labeller: a deterministic labeller with no model.

It produces what the model produces — labelled character spans of the normalised text — and
exists for three jobs: the baseline score the model must beat, the first pre-annotations
people correct in Label Studio, and the fallback candidates the hybrid engine offers assembly
beside the model's spans.  ``label(text)`` finds:

* section headings (``SEC1``–``SEC6``) — :mod:`gkml.rules.sections`;
* table cells: one span per cell key over the printed number token ("12", "530.67", "—"),
  or a zero-length span where a cell is printed as nothing at a certain position —
  :mod:`gkml.rules.tables`;
* metadata (``AGENCY``, ``YEAR``, ``PUBDATE``) — :mod:`gkml.rules.meta`;
* narrative counts (``FACT.<kind>``) — :mod:`gkml.rules.facts` (the kind: ``fact_kind``).

How tables are read, whatever the layout (one cell per line, pipes per row, cells between
"|" lines, a PDF text layer with space-separated values, OCR'd markdown):

1. :func:`gkml.rules.cells.tokenise` cuts the text into cells — text, value (a number or a
   blank token such as "—") or empty — splitting on "|" and, inside a line, on whitespace
   around numbers; :func:`gkml.rules.cells.segments` groups them into (label run, value run)
   pairs: the text cells printed before a run of values;
2. :func:`gkml.rules.rows.match_row` recognises the row a label run names (``ROW_PATTERNS``,
   one entry per row of the catalogue, then a fuzzy match for OCR misreadings);
3. :mod:`gkml.rules.tables` detects the template and gives the values of the run to that
   row's columns in printed order (``_TableReader._read_row``, ``pick_cells``).

Printed numbers are never changed here; what a number means is decided by
:mod:`gkml.assemble.report`.
"""

from __future__ import annotations

from gkml.labels import Span
from gkml.rules.facts import find_facts
from gkml.rules.meta import find_meta
from gkml.rules.sections import find_sections
from gkml.rules.tables import read_tables

__all__ = ["label"]


def label(text: str) -> list[Span]:
    """All spans the rules find in ``text`` (normalised report text), sorted by start.

    Facts come last because a number already read as a cell, heading or metadata is not one.
    """
    spans = read_tables(text) + find_sections(text) + find_meta(text)
    spans += find_facts(text, taken=spans)
    return sorted(spans, key=lambda s: (s.start, s.end, s.label))
