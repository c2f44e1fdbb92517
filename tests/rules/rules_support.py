"""Shared helpers of the rule labeller's tests: the seeds as the labeller sees them, their gold,
and the spans of a text by cell key or by label kind.

Seed gold (tests/fixtures/<stem>.gold.json) is hand-made.
"""

import json
import re

from conftest import FIXTURES, SAMPLES

from gkml.io.normalise import normalise
from gkml.numbers import parse_cell
from gkml.rules import label
from gkml.schema import CELLS

SEED = {p.name[:3]: p for p in SAMPLES.glob("*.txt")}


def seed_text(n: str) -> str:
    """The seed as the labeller sees it: normalised (002 has full-width forms and trailing blanks)."""
    return normalise(SEED[n].read_text(encoding="utf-8"))[0]


def cell_spans(text: str) -> dict:
    """key → span; fails on two spans for one key."""
    out = {}
    for s in label(text):
        if s.label in CELLS:
            assert s.label not in out, f"two spans for {s.label}"
            out[s.label] = s
    return out


def cell_values(text: str) -> dict:
    """key → parsed value of the span's text (an empty span is a printed blank)."""
    return {
        k: None if s.start == s.end else parse_cell(text[s.start : s.end])
        for k, s in cell_spans(text).items()
    }


def spans_of(text: str, kind: str) -> list[tuple[str, str]]:
    return [(s.label, text[s.start : s.end]) for s in label(text) if s.label.startswith(kind)]


def gold(n: str) -> dict:
    return json.loads((FIXTURES / f"{SEED[n].stem}.gold.json").read_text(encoding="utf-8"))


def gold_cells(n: str) -> dict:
    return gold(n)["cells"]


def plain_label(row_zh: str) -> str:
    """A catalogue label as printed: without the catalogue's own notes in parentheses."""
    return re.sub(r" \((?:also|2019|第).*\)$", "", row_zh)
