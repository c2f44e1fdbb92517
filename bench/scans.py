"""The scan set (not a test): reports typeset by LibreOffice, printed as text PDFs and as scans,
read by gkml and scored per variant, each engine beside the other.

    .venv/bin/python bench/scans.py --synth 20 --seed 7 --out data/scans          # build, OCR, score
    .venv/bin/python bench/scans.py --out data/scans --model runs/other-model     # score again

The set: the five seeds (their prose, and the 2021 template's ruled tables filled with their gold
cells: scripts/render_pages.py) and ``--synth`` synthetic reports of both templates typeset as the
training chains typeset them (gkml.training.chains: DOCX or HTML → PDF, ruled and unruled tables,
merged headers, vertical group labels, tables broken across pages), drawn with cells printed as
nothing, 小计 columns and 2019 reports more often than the default mix. Each PDF is kept as

    <id>-text.pdf     the typeset PDF (text layer, no OCR)
    <id>-clean.pdf    its pages at 200 dpi, image only (a perfect scan)
    <id>-scan.pdf     tilted 0.4-1.5°, blurred, noisy, JPEG ~55 (a scanner)
    <id>-lowres.pdf   100 dpi with blur and noise (a poor scanner, a fax)

with its gold in OUT/gold/. Each PDF is read once by gkml's ingest (OCR for the image-only
ones, ``--workers`` processes) into OUT/text/<id>-<variant>.txt: the text the labellers read
from the PDF, so engines and models are compared without OCR again. The synthetic reports come
from seed 7 by default, which no training config draws chains from.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from gkml.assemble.report import assemble  # noqa: E402
from gkml.engines import DEFAULT_MODEL, get_labeller, label_many  # noqa: E402
from gkml.evaluate import values_equal  # noqa: E402

log = logging.getLogger("scans")
VARIANTS = ("text", "clean", "scan", "lowres")
# More of what scans get wrong than the default mix draws: blank cells printed as nothing, 小计
# columns, 2019 reports; no narrative-only report (nothing to score in its tables).
MIX = {"templates": {"2021": 0.6, "2019": 0.4, "none": 0.0}, "subtotals": 0.3,
       "blanks": {"zero": 0.5, "empty": 0.3, "dash": 0.1, "slash": 0.05, "wu": 0.05}}  # fmt: skip


def build(out: Path, synth: int, seed: int) -> None:
    """Typeset and render the set into OUT/pdf and OUT/gold."""
    from render_pages import seed_html, write_pdf_variants, write_variants

    from gkml.training.chains import corpus as C
    from gkml.training.synth.config import load_config

    rng = random.Random(seed)
    for path in sorted((ROOT / "samples").glob("*.txt")):
        gold = json.loads((ROOT / "tests" / "fixtures" / f"{path.stem}.gold.json").read_text(encoding="utf-8"))
        if gold.get("template") in ("2021", "2019"):
            n = write_variants(out, path.stem, seed_html(path.read_text(encoding="utf-8"), gold), gold, rng)
            log.info("%s: %d pages", path.stem, n)
    config = load_config(None, MIX)
    keep = out / "typeset"
    C.build(synth, seed, config, ["pdfplumber-ingest"], keep=keep)
    for i in range(synth):
        d = C.draw(i, seed, config)
        pdf = keep / "pdf" / f"{d.id}.pdf"
        if not pdf.exists():
            log.error("%s: LibreOffice wrote no PDF", d.id)
            continue
        n = write_pdf_variants(out, d.id, pdf.read_bytes(), {"template": d.template, "cells": d.gold}, rng)
        log.info("%s (%s): %d pages", d.id, d.template, n)


def _init() -> None:
    from gkml.io import ocr

    ocr.configure(workers=1, progress=False)


def _read(pdf: str) -> tuple[str, str, float]:
    from gkml.io.ingest import ingest

    t0 = time.process_time()
    return pdf, ingest(pdf).text, time.process_time() - t0


def read_all(out: Path, workers: int) -> None:
    """Ingest every PDF not read yet into OUT/text/<stem>.txt."""
    (out / "text").mkdir(exist_ok=True)
    todo = [p for p in sorted((out / "pdf").glob("*.pdf")) if not (out / "text" / f"{p.stem}.txt").exists()]
    if not todo:
        return
    from tqdm import tqdm

    t0 = time.perf_counter()
    cpu = 0.0
    with ProcessPoolExecutor(workers, initializer=_init) as pool:
        for pdf, text, seconds in tqdm(pool.map(_read, map(str, todo)), total=len(todo), desc="ingest"):
            (out / "text" / f"{Path(pdf).stem}.txt").write_text(text, encoding="utf-8")
            cpu += seconds
    log.info("%d PDFs read in %.0f s (%.0f CPU-s in the readers)", len(todo), time.perf_counter() - t0, cpu)


def score(out: Path, engines: list[str], model: str) -> None:
    golds = {p.name.removesuffix(".gold.json"): json.loads(p.read_text(encoding="utf-8"))
             for p in sorted((out / "gold").glob("*.gold.json"))}  # fmt: skip
    ids = [i for i in golds if (out / "text" / f"{i}.txt").exists()]
    texts = [(out / "text" / f"{i}.txt").read_text(encoding="utf-8") for i in ids]
    table: dict[str, dict[str, list[int]]] = {}
    for e in engines:
        labeller = get_labeller(e) if e == "rules" else get_labeller(e, model)
        for i, text, spans in zip(ids, texts, label_many(labeller, texts), strict=True):
            cells, gold = assemble(text, spans).cells, golds[i]["cells"]
            right = sum(k in cells and values_equal(cells[k].value, v) for k, v in gold.items())
            t = table.setdefault(i.rsplit("-", 1)[1], {}).setdefault(e, [0, 0, 0, 0])
            t[0], t[1], t[2], t[3] = t[0] + right, t[1] + len(gold), t[2] + (right == len(gold)), t[3] + 1
    print(f"\nScan set {out}: cells right / exact reports, per variant\n")
    print("| variant | " + " | ".join(f"{e} cells | {e} exact" for e in engines) + " |")
    print("|---|" + "---:|---:|" * len(engines))
    for variant in VARIANTS:
        if variant in table:
            row = [f"{100 * r / max(n, 1):.2f}% ({r}/{n}) | {x}/{d}" for r, n, x, d in (table[variant][e] for e in engines)]
            print(f"| {variant} | " + " | ".join(row) + " |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "scans")
    ap.add_argument("--synth", type=int, default=20, help="synthetic reports (built once; default 20)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=2, help="OCR processes")
    ap.add_argument("--engines", default="rules,model")
    ap.add_argument("--model", default=str(ROOT / DEFAULT_MODEL))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not (args.out / "pdf").exists():
        build(args.out, args.synth, args.seed)
    read_all(args.out, args.workers)
    score(args.out, args.engines.split(","), args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
