"""Building the corpus: one record per report, deterministic per (seed, index); saving it as a
Hugging Face ``datasets`` dataset plus a JSON Lines view; counting what is in it.

A record's ``text`` is what :mod:`gkml.io.ingest` would give for that layout (the HTML page read by
its HTML path, every text through ``normalise``), and its spans are mapped through ingest's
offsets, so the model trains on exactly the text it will read at inference.
"""

from __future__ import annotations

import html
import random
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NotRequired

from gkml import jsonl
from gkml.assemble.checks import run_checks
from gkml.io.html import html_text
from gkml.io.normalise import normalise
from gkml.labels import SpanRecord, TrainingRecord, group
from gkml.training.synth import tables as T
from gkml.training.synth import values as V
from gkml.training.synth.config import ALL_LAYOUTS
from gkml.training.synth.content import build_content
from gkml.training.synth.layouts import render
from gkml.training.synth.noise import char_noise, draw_plan
from gkml.training.synth.prose import tie_values


class SynthRecord(TrainingRecord):
    """A generated report: the training record (id, text, spans) and what made it, so a corpus
    can be counted, filtered and scored by layout, template, level and noise."""

    cells: dict[str, V.Number | None]  # the gold of every printed cell (None: printed blank)
    facts: list[dict[str, Any]]  # narrative counts: text, kind, value, approx, unit, start, end
    meta: dict[str, Any]  # agency, year, published
    template: str  # "2021", "2019" or "none"
    layout: str  # one of ALL_LAYOUTS
    noise: list[str]  # the noise kinds that fired
    consistent: bool  # False when an identity was broken on purpose
    broken: list[str]  # ids of the checks the gold fails
    garbled: list[str]  # noise kinds that changed characters of the text
    level: str  # organ level
    raw: NotRequired[str]  # the text before ingest (the HTML page), with config "raw"


YEARS = {"2021": (2021, 2022, 2023, 2024), "2019": (2019, 2020), "none": (2019, 2020, 2021, 2022, 2023, 2024)}
_INDEX_STRIDE = 1_000_003  # seeds far apart: report i of seed s never shares a stream with seed s+1


def _choice(rng: random.Random, shares: dict[str, float]) -> str:
    names = list(shares)
    return rng.choices(names, weights=[shares[n] for n in names])[0]


def _template_and_layout(rng: random.Random, config: dict, layout: str | None) -> tuple[str, str]:
    shares = dict(config["templates"])
    if layout == "narrative":
        return "none", layout
    if layout is not None:  # a table layout: only the templates that have tables
        shares.pop("none", None)
        if not sum(shares.values()):
            shares = {"2021": 1.0}
    template = _choice(rng, shares)
    if template == "none":
        return template, "narrative"
    return template, layout or _choice(rng, config["layouts"])


def to_text(raw: str, layout: str) -> tuple[str, list[int]]:
    """The text ingest reads from ``raw`` and, per character, its offset in ``raw``."""
    if layout != "html":
        return normalise(raw)
    text, offs = html_text(raw)
    norm, noffs = normalise(text)
    return norm, [offs[i] for i in noffs]


def map_span(offs: list[int], start: int, end: int) -> tuple[int, int]:
    """A raw span [start, end) in the text whose characters came from ``offs`` (non-decreasing)."""
    return bisect_left(offs, start), bisect_left(offs, end)


def draw_tables(
    rng: random.Random, template: str, level: str, year: int, config: dict
) -> tuple[dict[str, V.Number | None], dict[str, T.Table], dict[str, V.Number], bool]:
    """A report's table values and printed tables: its gold cells, the tables, the values the
    prose restates, and whether it is consistent. Shared by the layouts and the typeset chains
    (:mod:`gkml.training.chains.corpus`), so both draw a report alike."""
    gold: dict[str, V.Number | None] = {}
    tables: dict[str, T.Table] = {}
    ties: dict[str, V.Number] = {}
    consistent = True
    if template != "none":
        subtotals = rng.random() < config["subtotals"]
        values = V.draw_values(rng, template, level, subtotals)
        # no draw at all when the option is off, so the default corpus is what it always was
        empty = rng.choice(V.TABLES) if config["labels_only"] and rng.random() < config["labels_only"] else None
        if empty is not None:
            V.blank_table(values, empty)
        ties = tie_values(values)
        if rng.random() < config["inconsistent"]:
            V.break_identity(rng, values, template, spare=empty)
            consistent = False
            if rng.random() >= config["narrative_mismatch"]:
                ties = tie_values(values)  # the prose restates the (wrong) table, as most reports do
        tokens = V.print_tokens(rng, values, _choice(rng, config["blanks"]), config["blank_rows"])
        if empty is not None:
            tokens.update(dict.fromkeys(V.table_keys(values, empty), ""))
        gold = V.gold_of(values, tokens)
        tables = {
            "t2": T.table2(rng, template, tokens, year, config["table_notes"], config["extra_rows"]),
            "t3": T.table3(rng, template, tokens, subtotals),
            "t4": T.table4(rng, tokens),
        }
    return gold, tables, ties, consistent


def make_report(index: int, seed: int, config: dict, layout: str | None = None) -> SynthRecord:
    """Report ``index`` of the corpus of ``seed``: the same arguments always give the same record."""
    if layout is not None and layout not in ALL_LAYOUTS:
        raise ValueError(f"unknown layout {layout!r} (known: {', '.join(ALL_LAYOUTS)})")
    rng = random.Random(seed * _INDEX_STRIDE + index)
    template, layout = _template_and_layout(rng, config, layout)
    level = _choice(rng, config["levels"])
    year = rng.choice(YEARS[template])

    gold, tables, ties, consistent = draw_tables(rng, template, level, year, config)
    content = build_content(rng, template, level, year, ties, tables, config["prose"])
    plan = draw_plan(rng, config["noise"]["layouts"].get(layout, {}), config["noise"]["rates"])
    doc = render(layout, content, rng, plan)
    char_noise(doc, rng, plan)
    raw, raw_spans = doc.render(escape=(lambda s: html.escape(s, quote=False)) if layout == "html" else None)
    text, offs = to_text(raw, layout)

    spans: list[SpanRecord] = []
    facts: list[dict[str, Any]] = []
    meta: dict[str, Any] = {"agency": None, "year": year, "published": None}
    for rs, re_, piece in raw_spans:
        start, end = map_span(offs, rs, re_)
        if start > end or (start == end and piece.role != "value"):
            continue  # a cell printed as nothing stays, a zero-length span where it stands
        spans.append({"start": start, "end": end, "label": piece.label})
        if piece.gold is not None:
            facts.append({"text": text[start:end], **piece.gold, "start": start, "end": end})
        elif piece.label == "AGENCY" and meta["agency"] is None:
            meta["agency"] = content.agency.short if piece.text else None
        elif piece.label == "PUBDATE":
            meta["published"] = content.published.isoformat()
    for s in spans:  # the title's agency is the name as printed there
        if s["label"] == "AGENCY":
            meta["agency"] = text[s["start"] : s["end"]].strip()
            break

    broken = sorted({c.id for c in run_checks(gold, template) if not c.ok}) if template != "none" else []
    record: SynthRecord = {
        "id": f"synth-{seed}-{index:06d}",
        "text": text,
        "spans": sorted(spans, key=lambda s: (s["start"], s["end"])),
        "cells": gold,
        "facts": facts,
        "meta": meta,
        "template": template,
        "layout": layout,
        "noise": sorted(plan.applied),
        "consistent": consistent,
        "broken": broken,
        "garbled": sorted(plan.garbled),
        "level": level,
    }
    if config.get("raw"):
        record["raw"] = raw
    return record


# --------------------------------------------------------------------------- many reports


def _worker(args: tuple[int, int, dict, str | None]) -> SynthRecord:
    return make_report(*args)


def generate(
    n: int, seed: int, config: dict, layout: str | None = None, workers: int = 1, start: int = 0
) -> Iterator[SynthRecord]:
    """Reports ``start`` … ``start + n - 1`` in order; the same whatever ``workers`` is."""
    jobs = ((i, seed, config, layout) for i in range(start, start + n))
    if workers <= 1:
        yield from map(_worker, jobs)
        return
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_worker, jobs, chunksize=16)


def to_row(record: dict[str, Any]) -> dict[str, Any]:
    """A record as a dataset row: ``cells`` becomes a list of {key, value} (a struct of every cell
    key would read an unprinted cell as a printed blank); values are floats."""
    row = dict(record)
    row["cells"] = [{"key": k, "value": None if v is None else float(v)} for k, v in record["cells"].items()]
    row["facts"] = [{**f, "value": float(f["value"])} for f in record["facts"]]
    return row


def from_row(row: dict[str, Any]) -> dict[str, Any]:
    """Back from a dataset row to a record (integral values as int)."""
    record = dict(row)
    record["cells"] = {c["key"]: _num(c["value"]) for c in row["cells"]}
    record["facts"] = [{**f, "value": _num(f["value"])} for f in row["facts"]]
    return record


def _num(v: float | None) -> int | float | None:
    return int(v) if v is not None and float(v).is_integer() else v


def save(
    records: Iterable[dict[str, Any]],
    out: Path,
    progress: bool = True,
    row: Callable[[dict[str, Any]], dict[str, Any]] = to_row,
    features: Any = None,
) -> int:
    """Write ``out/reports.jsonl`` and the dataset ``out/dataset``; returns the count.

    ``row`` turns a record into a dataset row and ``features`` fixes the dataset's types, so
    every corpus on disk (synthetic, or converted from Label Studio) has this one layout."""
    import datasets
    from datasets import Dataset

    bars = datasets.is_progress_bar_enabled()
    if not progress:
        datasets.disable_progress_bars()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []

    def rows_too() -> Iterator[dict[str, Any]]:
        for record in records:
            yield record
            rows.append(row(record))

    try:
        jsonl.write(rows_too(), out / "reports.jsonl")
        Dataset.from_list(rows, features=features).save_to_disk(str(out / "dataset"))
    finally:
        if bars:
            datasets.enable_progress_bars()
    return len(rows)


def load_records(directory: Path) -> list[dict[str, Any]]:
    """Records from ``directory/reports.jsonl`` (or the dataset when only that is there)."""
    lines = directory / "reports.jsonl"
    if lines.exists():
        return jsonl.read(lines)
    if (directory / "dataset").is_dir():
        from datasets import load_from_disk

        return [from_row(r) for r in load_from_disk(str(directory / "dataset"))]
    raise ValueError(f"no reports.jsonl or dataset/ in {directory}")


# --------------------------------------------------------------------------- stats


def stats(records: list[dict[str, Any]]) -> dict[str, Counter]:
    out: dict[str, Counter] = {k: Counter() for k in ("template", "layout", "level", "noise", "consistency",
                                                      "group", "label")}  # fmt: skip
    for r in records:
        out["template"][r["template"]] += 1
        out["layout"][r["layout"]] += 1
        out["level"][r["level"]] += 1
        out["consistency"]["consistent" if r["consistent"] else "inconsistent"] += 1
        out["noise"].update(r["noise"] or ["(none)"])
        for s in r["spans"]:
            out["label"][s["label"]] += 1
            out["group"][group(s["label"])] += 1
    return out


def format_stats(records: list[dict[str, Any]]) -> str:
    st = stats(records)
    n = len(records)
    chars = sum(len(r["text"]) for r in records)
    lines = [f"{n} reports, {chars} characters (mean {chars // max(n, 1)}), "
             f"{sum(st['label'].values())} spans"]  # fmt: skip
    order = {"layout": ALL_LAYOUTS, "level": V.LEVEL_FACTOR}
    for name in ("template", "layout", "level", "consistency", "noise", "group"):
        lines.append(f"\n{name}:")
        keys = [k for k in order.get(name, ()) if k in st[name]] or sorted(st[name])
        keys += [k for k in sorted(st[name]) if k not in keys]
        for k in keys:
            lines.append(f"  {k:<24}{st[name][k]:>8}")
    lines.append("\nlabel:")
    items = sorted(st["label"].items())
    width = max((len(k) for k, _ in items), default=10) + 2
    for i in range(0, len(items), 3):
        lines.append("  " + "".join(f"{k:<{width}}{v:>7}   " for k, v in items[i : i + 3]).rstrip())
    return "\n".join(lines)
