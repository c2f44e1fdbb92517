"""Throughput of OCR input, one worker against two (or any list), in one run: pages/s and documents/s.

Not a test: it prints figures. The input is one scan of `--pages` pages (default 5): the pages of
the scanned PDFs given, or of the `-scan` variants scripts/render_pages.py writes into
data/rendered/pdf, or, when those are absent, seed 000 typeset (tests/fixtures/ocr/000_text.pdf)
and degraded into a scan here (its 4 pages, then again from the first, each degraded afresh).

    python bench/ocr_throughput.py                          # a 5-page scan: 1 worker x 1 thread, 1, 2
    python bench/ocr_throughput.py --workers 1,2 --docs 2 --engine rules
    python bench/ocr_throughput.py path/to/*-scan.pdf --pages 8

For each worker count it reports:
- start: the pool started and each worker's engine loaded (1 worker: the engine in this process),
  paid once per batch;
- OCR: the pages read with the workers warm (what every further document of a batch costs),
  pages/s, and the ratio to the first worker count;
- end to end: `--docs` runs of `predict` on the scan (reading, OCR, labelling, assembly) with the
  workers warm, documents/s.
Wall time on a shared machine moves with its load (printed): compare figures of one run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gkml.engines import ENGINES, get_labeller  # noqa: E402
from gkml.io import ocr  # noqa: E402
from gkml.predict import predict_one  # noqa: E402


def _scan(paths: list[str], pages: int) -> Path:
    """One image-only PDF of `pages` pages taken from the inputs (cycled when they have fewer)."""
    from gkml.training.synth.ocr_layout import degrade, images_to_pdf, pdf_to_images

    sources = [Path(p) for p in paths] or sorted((ROOT / "data" / "rendered" / "pdf").glob("*-scan.pdf"))
    rng = random.Random(0)
    if sources:
        images = [img for src in sources for img in pdf_to_images(src.read_bytes(), 200)]
    else:
        images = [degrade(p, rng, "scan") for p in pdf_to_images((ROOT / "tests/fixtures/ocr/000_text.pdf").read_bytes())]
    chosen = [images[i % len(images)] if i < len(images) else degrade(images[i % len(images)], rng, "scan")
              for i in range(pages)]  # fmt: skip
    out = Path(tempfile.mkdtemp(prefix="gkml-bench-")) / f"scan_{pages}p.pdf"
    out.write_bytes(images_to_pdf(chosen, 200, quality=85))
    return out


def _cpu() -> float:
    """CPU seconds of this process and its children (the pool's workers) so far: beside wall time,
    the figure a busy machine moves less."""
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):  # a child that just ended
            total += sum(child.cpu_times()[:2])
    return total


def _warm(workers: int) -> float:
    """Start the pool (or this process's engine) and load every worker's engine; seconds taken."""
    t0 = time.perf_counter()
    if workers == 1:
        ocr._engine()
    else:
        blank = np.full((200, 300, 3), 255, np.uint8)
        ocr.read_pages(list(range(workers)), lambda k: blank, workers=workers)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="scanned PDFs to take pages from (default: data/rendered/pdf/*-scan.pdf)")
    ap.add_argument("--pages", type=int, default=5, help="pages of the scan read (default 5)")
    ap.add_argument("--workers", default="1x1,1,2",
                    help="worker counts to compare, in this order; 1xT: one worker of T threads "
                         "(default 1x1,1,2: one thread, one process on every core, two processes)")
    ap.add_argument("--docs", type=int, default=1, help="end-to-end runs per worker count (default 1)")
    ap.add_argument("--engine", default="rules", choices=sorted(ENGINES), help="labeller end to end (default rules)")
    args = ap.parse_args()
    # "1x1": one worker (this process) whose engine runs one thread: process parallelism measured
    # apart from the thread parallelism a single worker already has
    runs = []
    for item in args.workers.split(","):
        workers, _, threads = item.partition("x")
        runs.append((int(workers), int(threads) if threads else None))
    scan = _scan(args.paths, args.pages)
    data = scan.read_bytes()
    print(f"{ocr.engine_version()}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; "
          f"{args.pages}-page scan {scan}")  # fmt: skip
    labeller = get_labeller(args.engine)
    base = None
    texts = {}
    for workers, threads in runs:
        ocr.shutdown_pool()
        ocr.configure(threads=threads or -1)  # this process's engine, with that many threads
        start = _warm(workers)
        t0, c0 = time.perf_counter(), _cpu()
        got = ocr.ocr_pdf_pages(data, list(range(args.pages)), workers=workers)
        wall = time.perf_counter() - t0
        name = f"{workers}x{threads}" if threads else str(workers)
        texts[name] = [got[i].text for i in range(args.pages)]
        base = base or wall
        print(f"workers {name}: start {start:.1f} s; OCR {args.pages} pages in {wall:.1f} s wall "
              f"({(_cpu() - c0) / args.pages:.1f} CPU s a page, all processes): {args.pages / wall:.3f} pages/s, "
              f"{wall / base:.2f}× the time of the first; load average {os.getloadavg()[0]:.2f}")
        ocr.configure(workers=workers)
        t0 = time.perf_counter()
        ok = sum(predict_one(str(scan), labeller, args.engine).status == "ok" for _ in range(args.docs))
        wall = time.perf_counter() - t0
        print(f"  end to end ({args.engine}): {args.docs} document(s) ({ok} ok) in {wall:.1f} s: "
              f"{args.docs / wall:.4f} docs/s, {args.pages * args.docs / wall:.3f} pages/s")
    ocr.shutdown_pool()
    same = len({tuple(t) for t in texts.values()}) == 1
    print(f"same text from every worker count: {same}")


if __name__ == "__main__":
    main()
