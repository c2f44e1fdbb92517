"""Scoring narrative facts against gold: which predicted fact is which gold fact, precision,
recall and F1, the share of matched facts given the right kind, and recall on the facts that are
items of an enumeration apart (the model's weak spot, issue 20).

Apart from :mod:`gkml.evaluate` (cells, templates, identities) because facts are matched, not
looked up by key, and because scoring enumerations needs the text: gold facts carry offsets,
and whether a fact is an item of an enumeration is :func:`gkml.numbers.in_enumeration` of the
text, the one definition. The P/R/F1 and accuracy shapes (:func:`prf`, :func:`score`) are shared
with :mod:`gkml.evaluate`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def _ratio(correct: int, total: int) -> float | None:
    return correct / total if total else None


def score(correct: int, total: int) -> dict:
    """``{"correct", "total", "accuracy"}``; accuracy ``None`` when there is nothing to score."""
    return {"correct": correct, "total": total, "accuracy": _ratio(correct, total)}


def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision/recall/F1; ``None`` where the denominator is empty (no claim, nothing to find)."""
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def _same_number(pred: Any, gold: Any) -> bool:
    """A fact's value: a number (equal within 1e-9, 530.67 parsed twice may differ in the last bit)."""
    if pred is None or gold is None or isinstance(pred, bool) or not isinstance(pred, int | float):
        return False
    return math.isclose(float(pred), float(gold), rel_tol=0.0, abs_tol=1e-9)


def _spans_overlap(pred: Mapping, gold: Mapping) -> bool:
    return pred["start"] < gold["end"] and gold["start"] < pred["end"]


def fact_matches(pred: Mapping, gold: Mapping) -> bool:
    """Same value, unit and approx, at the same place.

    "The same place" is overlapping spans; gold without offsets (a phrase such as
    "主动公开政府信息63条") matches a prediction whose text lies inside that phrase.
    """
    if not _same_number(pred.get("value"), gold.get("value")):
        return False
    if pred.get("unit") != gold.get("unit"):
        return False
    if bool(pred.get("approx", False)) != bool(gold.get("approx", False)):
        return False
    if gold.get("start") is not None and gold.get("end") is not None:
        return pred.get("start") is not None and pred.get("end") is not None and _spans_overlap(pred, gold)
    text = (pred.get("text") or "").strip()
    return bool(text) and text in (gold.get("text") or "")


def match_facts(pred: list[Mapping], gold: list[Mapping]) -> int:
    """Size of a maximum one-to-one matching (augmenting paths), so one printed number is credited once
    and a greedy first pick cannot steal the only partner of a later fact."""
    return len(match_fact_pairs(pred, gold))


def match_fact_pairs(pred: list[Mapping], gold: list[Mapping]) -> list[tuple[int, int]]:
    """The pairs (gold index, prediction index) of :func:`match_facts`'s maximum matching, sorted:
    what the kind accuracy and the recall on enumerations are counted on."""
    options = [[j for j, p in enumerate(pred) if fact_matches(p, g)] for g in gold]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in options[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(gold)):
        augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def score_facts(pred: list[Mapping], gold: list[Mapping], text: str | None = None) -> dict:
    """Facts of one document: P/R/F1 (value, unit, approx, place); ``kinds``: kinds right among the
    matched facts whose gold has a kind; ``enumerations`` — when the document's text is known, else
    ``None`` — the gold facts that are items of an enumeration, and how many were found."""
    from gkml.numbers import in_enumeration

    pairs = match_fact_pairs(pred, gold)
    tp = len(pairs)
    kinds = [pred[j].get("kind") == gold[i]["kind"] for i, j in pairs if gold[i].get("kind")]
    matched = {i for i, _ in pairs}
    enum: list[bool] | None = None
    if text is not None:
        enum = [
            i in matched
            for i, g in enumerate(gold)
            if g.get("start") is not None and in_enumeration(text, g["start"], g["end"])
        ]
    return {
        **prf(tp, len(pred) - tp, len(gold) - tp),
        "kinds": score(sum(kinds), len(kinds)),
        "enumerations": None if enum is None else score(sum(enum), len(enum)),
    }


@dataclass
class FactTally:
    """:func:`score_facts` results added up over documents (all of them, or one layout's)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    kinds_right: int = 0
    kinds_total: int = 0
    enum_found: int = 0
    enum_total: int = 0
    docs: int = 0
    docs_with_text: int = 0

    def add(self, doc: Mapping) -> None:
        self.tp, self.fp, self.fn = self.tp + doc["tp"], self.fp + doc["fp"], self.fn + doc["fn"]
        self.kinds_right += doc["kinds"]["correct"]
        self.kinds_total += doc["kinds"]["total"]
        if doc["enumerations"] is not None:
            self.enum_found += doc["enumerations"]["correct"]
            self.enum_total += doc["enumerations"]["total"]
            self.docs_with_text += 1
        self.docs += 1

    def summary(self) -> dict:
        return {
            **prf(self.tp, self.fp, self.fn),
            "n_docs": self.docs,
            "kinds": score(self.kinds_right, self.kinds_total),
            "enumerations": {**score(self.enum_found, self.enum_total), "n_docs": self.docs_with_text},
        }


def read_texts(records: Iterable[Mapping], gold: Mapping[str, dict], gold_dir: Path) -> dict[str, str]:
    """doc_id → the normalised text of each gold document with facts, read as gkml reads it: from
    its record's ``source``, else ``NAME.txt``/``.md`` beside the gold. A text that cannot be read
    is left out (logged): only its enumeration figure goes uncounted."""
    from gkml.io.ingest import ingest  # late: scoring cells needs no reader

    sources = {r.get("doc_id"): r.get("source") for r in records}
    texts: dict[str, str] = {}
    for doc_id, g in gold.items():
        if not g.get("facts"):
            continue
        for src in [sources.get(doc_id), *(gold_dir / f"{doc_id}{ext}" for ext in (".txt", ".md"))]:
            if src and Path(src).is_file():
                try:
                    texts[doc_id] = ingest(str(src)).text
                    break
                except Exception as exc:  # noqa: BLE001 - an unreadable text only loses this figure
                    log.warning("%s: cannot read %s for the enumeration figure: %s", doc_id, src, exc)
    return texts
