"""A chain corpus: N synthetic reports typeset once, read back by each chain, one folder of
records per chain (``DIR/<chain>/reports.jsonl``, the shape `gkml train` reads as a synth source).

A record is a synthetic corpus record (id, text, spans, cells, facts, meta, template, level,
consistent, broken) whose ``layout`` and ``chain`` name the chain, with ``lost``: what the
extractor lost (cells whose characters it dropped, blank cells whose slot it dropped, facts,
other spans) — those are not in its ``cells``/``facts``, so it is scored only on what it
printed. A report the chain cannot read at all (LibreOffice wrote no PDF, the extractor failed)
gets an error record (``status: error``), never silence. The same (n, seed, config) gives the
same corpus.
"""

from __future__ import annotations

import bisect
import logging
import random
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gkml import jsonl
from gkml.assemble.checks import run_checks
from gkml.io.normalise import normalise
from gkml.io.paragraphs import read_plain
from gkml.training.chains import extract as X
from gkml.training.chains.align import Traced, carry, remap, spans_of
from gkml.training.chains.document import Style
from gkml.training.chains.typeset import Typeset, to_pdf, typeset
from gkml.training.synth.content import Content, build_content
from gkml.training.synth.corpus import YEARS, draw_tables

log = logging.getLogger(__name__)
_STRIDE = 1_000_003


@dataclass
class Drawn:
    """One report before typesetting: its content and gold."""

    id: str
    content: Content
    gold: dict[str, Any]
    template: str
    level: str
    year: int
    consistent: bool
    broken: list[str]


def _choice(rng: random.Random, shares: dict[str, float]) -> str:
    names = list(shares)
    return rng.choices(names, weights=[shares[n] for n in names])[0]


def draw(index: int, seed: int, config: dict) -> Drawn:
    """Report ``index`` of ``seed``: template (narrative-only too), organ level, values, tables
    and prose drawn as `gkml.training.synth.corpus.make_report` draws them."""
    rng = random.Random(seed * _STRIDE + index)
    template = _choice(rng, config["templates"])
    level = _choice(rng, config["levels"])
    year = rng.choice(YEARS[template])
    gold, tables, ties, consistent = draw_tables(rng, template, level, year, config)
    content = build_content(rng, template, level, year, ties, tables, config["prose"])
    broken = sorted({c.id for c in run_checks(gold, template) if not c.ok}) if template != "none" else []
    return Drawn(f"chain-{seed}-{index:06d}", content, gold, template, level, year, consistent, broken)


# --------------------------------------------------------------------------- one record


def record(drawn: Drawn, ts: Typeset, chain: str, out: X.Extracted) -> dict[str, Any]:
    """The chain's record of one report: its text, the gold carried onto it, what was lost."""
    src = ts.source
    # a chain's own reading is gkml's text already; what an extractor prints is read as a text file
    text, offsets = (out.text, list(range(len(out.text)))) if out.normalised else read_plain(out.text)
    exact = remap(Traced(out.text, out.ids), text, offsets).ids if out.ids is not None else None
    if out.reference is not None:
        ref_text, ref_offsets = normalise(out.reference.text)
        traced = carry(remap(out.reference, ref_text, ref_offsets), text, exact, numbers_first=out.reads_changed)
    elif exact is not None:
        traced = Traced(text, exact)
    else:
        raise ValueError(f"chain {chain} gave neither ids nor a reference")
    placed = spans_of(traced)
    cell_of = {pid: label for pid, label in src.label.items() if label in drawn.gold}
    spans, facts, lost = [], [], Counter()
    printed = ts.printed(out.fmt)
    for pid, label in sorted(src.label.items()):
        if pid not in printed:
            continue
        where = placed.spans.get(pid)
        is_cell = pid in cell_of
        if where is None:
            lost["blank cells" if pid in src.blank else "cells" if is_cell else "facts" if pid in src.gold else "other spans"] += 1
            continue
        start, end = where
        if is_cell and pid not in src.blank and not out.reads_changed:
            token = "".join(normalise(src.text[pid])[0].split())
            if "".join(text[start:end].split()) != token:
                lost["misaligned cells"] += 1
                continue
        spans.append({"start": start, "end": end, "label": label})
        if pid in src.gold:
            facts.append({"text": text[start:end], **src.gold[pid], "start": start, "end": end})
    kept = {s["label"] for s in spans}
    cells = {k: v for k, v in drawn.gold.items() if k in kept}
    dated = any(s["label"] == "PUBDATE" for s in spans)  # as make_report: a date only where one is printed
    meta = {"agency": next((text[s["start"] : s["end"]].strip() for s in spans if s["label"] == "AGENCY"), None),
            "year": drawn.year, "published": drawn.content.published.isoformat() if dated else None}  # fmt: skip
    return {
        "id": f"{drawn.id}-{chain}",
        "status": "ok",
        "text": text,
        "spans": sorted(spans, key=lambda s: (s["start"], s["end"])),
        "cells": cells,
        "facts": sorted(facts, key=lambda f: f["start"]),
        "meta": meta,
        "template": drawn.template,
        "layout": chain,
        "chain": chain,
        "level": drawn.level,
        "consistent": drawn.consistent,
        "broken": drawn.broken,
        "noise": [],
        "garbled": [],
        "lost": dict(lost),
        "split": placed.split,
        "pdf_from": ts.style.pdf_from,
        "style": ts.style_dict(),
    }


def error_record(drawn: Drawn, chain: str, message: str) -> dict[str, Any]:
    return {"id": f"{drawn.id}-{chain}", "status": "error", "error": message, "chain": chain, "layout": chain,
            "template": drawn.template, "text": "", "spans": [], "cells": {}}  # fmt: skip


# --------------------------------------------------------------------------- many reports


def build(n: int, seed: int, config: dict, chains: Iterable[str], start: int = 0, keep: Path | None = None,
          style: Style | None = None, indices: Iterable[int] | None = None) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    """Reports ``start`` … ``start + n - 1`` of ``seed`` (or those ``indices``) through every chain
    in ``chains``: typeset all, convert all to PDF in one LibreOffice run per kind, then read each
    back. ``keep``: also write every DOCX, HTML and PDF there; ``style``: typeset every report so
    (drawn per report otherwise)."""
    chains = list(chains)
    unknown = [c for c in chains if c not in X.CHAINS]
    if unknown:
        raise ValueError(f"unknown chain(s) {unknown} (known: {', '.join(X.CHAINS)})")
    drawn = [draw(i, seed, config) for i in (indices if indices is not None else range(start, start + n))]
    sets = [typeset(d.content, random.Random(f"style-{d.id}"), style) for d in drawn]
    out: dict[str, list[dict[str, Any]]] = {c: [] for c in chains}
    with tempfile.TemporaryDirectory(prefix="gkml-chains-") as tmp:
        work = keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        sources = []
        for d, ts in zip(drawn, sets, strict=True):
            (work / f"{d.id}.docx").write_bytes(ts.docx)
            (work / f"{d.id}.html").write_text(ts.html, encoding="utf-8")
            sources.append(work / f"{d.id}.{ts.style.pdf_from}")
        pdf_dir = work / "pdf"
        pdfs = to_pdf(sources, pdf_dir) if any(X.CHAINS[c].needs_pdf for c in chains) else {}
        for d, ts, src in zip(drawn, sets, sources, strict=True):
            files = X.Files(docx=work / f"{d.id}.docx", html=work / f"{d.id}.html", pdf=pdfs.get(src))
            for chain in chains:
                out[chain].append(_one(d, ts, chain, files))
    return out


def _one(d: Drawn, ts: Typeset, chain: str, files: X.Files) -> dict[str, Any]:
    spec = X.CHAINS[chain]
    if spec.needs_pdf and files.pdf is None:
        log.error("%s: LibreOffice wrote no PDF (from %s)", d.id, ts.style.pdf_from)
        return error_record(d, chain, f"LibreOffice wrote no PDF from the {ts.style.pdf_from}")
    try:
        got = spec.run(files, ts, random.Random(f"{chain}-{d.id}"))
    except Exception as e:  # one extractor failing on one report must not stop the corpus
        log.error("%s: chain %s failed: %s: %s", d.id, chain, type(e).__name__, e)
        return error_record(d, chain, f"{type(e).__name__}: {e}")
    return record(d, ts, chain, got)


def write(corpus: dict[str, list[dict[str, Any]]], out: Path) -> dict[str, int]:
    """``out/<chain>/reports.jsonl`` per chain (what training reads) and, for the reports a chain
    could not read, ``out/<chain>/errors.jsonl``; returns the records written per chain."""
    counts = {}
    for chain, records in corpus.items():
        (out / chain).mkdir(parents=True, exist_ok=True)
        counts[chain] = jsonl.write((r for r in records if r.get("status", "ok") == "ok"), out / chain / "reports.jsonl")
        errors = [r for r in records if r.get("status", "ok") != "ok"]
        if errors:
            counts[chain] += jsonl.write(errors, out / chain / "errors.jsonl")
    return counts


def write_gz(records: Iterable[dict[str, Any]], path: Path) -> int:
    """Records as gzip JSON Lines with no time stamp, so the same corpus gives the same bytes
    (the committed OCR corpus); returns the count."""
    import gzip
    import io

    path.parent.mkdir(parents=True, exist_ok=True)
    buf, n = io.BytesIO(), 0
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as z:
        for r in records:
            z.write((jsonl.dumps(r) + "\n").encode("utf-8"))
            n += 1
    path.write_bytes(buf.getvalue())
    return n


def read_gz(path: Path) -> list[dict[str, Any]]:
    """The records of a `write_gz` file, each plain-text chain's text read as gkml reads a text
    file today (:func:`as_read`): a stored corpus outlives the reader it was built with."""
    import gzip
    import json

    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [as_read(json.loads(line)) for line in f if line.strip()]


def as_read(r: dict[str, Any]) -> dict[str, Any]:
    """A stored record of a plain-text chain with its text read again by `gkml.io.paragraphs.read_plain`
    (its text is the extractor's, normalised), its spans and facts moved with their characters."""
    chain = X.CHAINS.get(r.get("chain", ""))
    if chain is None or not chain.plain or r.get("status", "ok") != "ok":
        return r
    text, moved = read_plain(r["text"])
    if text == r["text"]:
        return r

    def at(i: int) -> int:
        return bisect.bisect_left(moved, i)

    def moved_span(s: dict[str, Any]) -> dict[str, Any]:
        start, end = at(s["start"]), at(s["end"])
        return {**s, "start": start, "end": end} | ({"text": text[start:end]} if "text" in s else {})

    spans = [moved_span(s) for s in r["spans"]]
    facts = [moved_span(f) if f.get("start") is not None else f for f in r["facts"]]
    return {**r, "text": text, "spans": spans, "facts": facts}


def summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts for one chain: reports, errors, gold cells kept, and what was lost."""
    ok = [r for r in records if r.get("status", "ok") == "ok"]
    lost = Counter()
    for r in ok:
        lost.update(r.get("lost", {}))
    return {"reports": len(records), "errors": len(records) - len(ok), "cells": sum(len(r["cells"]) for r in ok),
            "spans": sum(len(r["spans"]) for r in ok), "lost": dict(lost)}  # fmt: skip
