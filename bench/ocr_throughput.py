"""Throughput of OCR input: pages per second for OCR alone, documents per second end to end.

Not a test: it prints figures. The inputs are scanned PDFs; by default the `-scan` variants
written by scripts/render_pages.py into data/rendered/pdf, or, when those are absent, seed
000 typeset (tests/fixtures/ocr/000_text.pdf) and degraded into a scan on the fly.

    python bench/ocr_throughput.py                       # all -scan PDFs of data/rendered/pdf
    python bench/ocr_throughput.py --docs 2 --engine rules
    python bench/ocr_throughput.py path/to/*.pdf

Wall time on a shared machine moves with its load; CPU seconds (process time, all threads)
are printed beside it as the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gkml.engines import ENGINES, get_labeller  # noqa: E402
from gkml.io import ocr  # noqa: E402
from gkml.predict import predict_one  # noqa: E402


def _inputs(paths: list[str], limit: int) -> list[Path]:
    if paths:
        return [Path(p) for p in paths][:limit]
    found = sorted((ROOT / "data" / "rendered" / "pdf").glob("*-scan.pdf"))
    if found:
        return found[:limit]
    from gkml.training.synth.ocr_layout import degrade, images_to_pdf, pdf_to_images

    tmp = Path(tempfile.mkdtemp(prefix="gkml-bench-"))
    pages = pdf_to_images((ROOT / "tests" / "fixtures" / "ocr" / "000_text.pdf").read_bytes())
    out = tmp / "000_scan.pdf"
    out.write_bytes(images_to_pdf([degrade(p, random.Random(0), "scan") for p in pages]))
    return [out]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="scanned PDFs (default: data/rendered/pdf/*-scan.pdf)")
    ap.add_argument("--docs", type=int, default=3, help="at most this many documents (default 3)")
    ap.add_argument("--engine", default="model", choices=sorted(ENGINES))
    args = ap.parse_args()
    docs = _inputs(args.paths, args.docs)
    print(f"{ocr.engine_version()}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")

    t0, c0 = time.perf_counter(), time.process_time()
    ocr._engine()
    print(f"engine load: {time.perf_counter() - t0:.2f} s wall, {time.process_time() - c0:.2f} s CPU")

    n_pages, wall, cpu = 0, 0.0, 0.0
    for path in docs:
        import pypdfium2 as pdfium

        data = path.read_bytes()
        count = len(pdfium.PdfDocument(data))
        for i in range(count):
            t0, c0 = time.perf_counter(), time.process_time()
            got = ocr.ocr_images(ocr.render_pdf_pages(data, [i]), [i])
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
            n_pages += 1
            print(f"  {path.name} p{i + 1}: {got.chars} chars, confidence {got.confidence:.3f}")
    print(f"OCR: {n_pages} pages in {wall:.1f} s wall ({cpu:.1f} s CPU): "
          f"{n_pages / wall:.3f} pages/s, {wall / n_pages:.2f} s/page wall, {cpu / n_pages:.2f} CPU s/page")

    labeller = get_labeller(args.engine)
    t0, c0 = time.perf_counter(), time.process_time()
    ok = 0
    for path in docs:
        report = predict_one(str(path), labeller, args.engine)
        ok += report.status == "ok"
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"end to end ({args.engine}): {len(docs)} scanned documents ({ok} ok, {n_pages} pages) in {wall:.1f} s wall "
          f"({cpu:.1f} s CPU): {len(docs) / wall:.4f} docs/s, {wall / len(docs):.1f} s/doc")


if __name__ == "__main__":
    main()
