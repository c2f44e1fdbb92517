"""Shared helpers of the training tests: the shipped configs, a config written to a file,
and seed-derived records in the synthetic corpus format."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from conftest import ROOT, SAMPLES

from gkml.schema import SECTION_TITLES

TINY = ROOT / "configs" / "tiny.yaml"
SMALL = ROOT / "configs" / "small.yaml"
__all__ = ["ROOT", "SAMPLES", "SMALL", "TINY", "base", "merged", "seed_record", "write"]


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(
        data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    return path


def base() -> dict:
    return yaml.safe_load(TINY.read_text(encoding="utf-8"))


def merged(a: dict, b: dict) -> dict:
    """``b`` laid over ``a``, mappings merged key by key."""
    out = dict(a)
    for k, v in b.items():
        out[k] = merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def seed_record(path: Path, n_chars: int = 600) -> dict:
    """The start of a real report with spans found by simple patterns: its year, its
    publication date, the section headings and the counts of the first section."""
    text = path.read_text(encoding="utf-8")[:n_chars]
    spans = []
    for no, title in SECTION_TITLES.items():
        m = re.search(rf"^[一二三四五六七八九十]、{title}", text, re.M)
        if m:
            spans.append({"start": m.start(), "end": m.end(), "label": f"SEC{no}"})
    m = re.search(r"(20\d\d) ?年[^\n]{0,30}年度报告", text)
    if m:
        spans.append({"start": m.start(1), "end": m.end(1), "label": "YEAR"})
    m = re.search(r"20\d\d-\d\d-\d\d", text)
    if m:
        spans.append({"start": m.start(), "end": m.end(), "label": "PUBDATE"})
    for m in re.finditer(r"\d+(?:余)?(?:条|件|篇|次)", text):
        spans.append({"start": m.start(), "end": m.end(), "label": "FACT.active"})
    spans.append({"start": 5, "end": 5, "label": "t3.new.total"})  # printed as nothing: skipped
    return {"id": path.stem, "text": text, "spans": spans, "template": "2021", "layout": "seed", "meta": {}}
