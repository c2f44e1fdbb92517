"""Build a training-chain corpus: synthetic reports typeset as DOCX/HTML → PDF by LibreOffice, read
back by every extractor a report meets before gkml (gkml.training.chains), the gold carried over.

    python scripts/build_chains.py --n 200 --seed 21 -o data/chains/train          # every chain but OCR
    python scripts/build_chains.py --n 5 --chains pdfminer-text,html-markdown -o /tmp/c --keep /tmp/c/files

writes OUT/<chain>/reports.jsonl per chain (a `kind: synth` source for `gkml train`), in batches
(one LibreOffice process per batch), and prints what each chain kept and lost. Measured on the
shared 2-core machine under load: 20 reports through the 8 chains but OCR in 67 s; the OCR corpus
below (24 reports, 12 of them 64 pages) 22.5 CPU-minutes, 59 minutes of wall time; the
held-out one (32 reports) 15 CPU-minutes, 12.5 minutes of wall time.

The OCR chains are built once and kept in the repository, compressed: for ``ocr-text`` a training
corpus and a held-out one that bench/chains.py scores (seed 41, as the bench's other chains;
reports 100+, so none is one the bench typesets itself), and a second held-out draw (seed 51) to
look for errors in without looking at the one that judges (``bench/chains.py --ocr`` it); for ``ocr-ingest`` (gkml's own reading of
the scanned pages) a training corpus, judged by the scan set (bench/scans.py, seed 7):

    python scripts/build_chains.py --n 24 --seed 31 --chains ocr-text --gz corpora/chains-ocr.jsonl.gz
    python scripts/build_chains.py --n 32 --seed 41 --start 100 --chains ocr-text --gz corpora/chains-ocr-eval.jsonl.gz
    python scripts/build_chains.py --n 12 --seed 51 --chains ocr-text --gz corpora/chains-ocr-dev.jsonl.gz
    python scripts/build_chains.py --n 24 --seed 33 --chains ocr-ingest --gz corpora/chains-ocr-ingest.jsonl.gz
    python scripts/build_chains.py --unpack corpora/chains-ocr.jsonl.gz -o data/chains/train

Needs LibreOffice and fonts-noto-cjk (`make system-deps`) and markdownify (the `chains` extra).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gkml.training.chains import corpus as C  # noqa: E402
from gkml.training.chains import extract as X  # noqa: E402
from gkml.training.synth.config import load_config  # noqa: E402

log = logging.getLogger("build_chains")


def unpack(gz: Path, out: Path) -> None:
    """A compressed chain corpus → OUT/<chain>/reports.jsonl per chain."""
    by_chain: dict[str, list[dict]] = {}
    for r in C.read_gz(gz):
        by_chain.setdefault(r["chain"], []).append(r)
    for chain, n in C.write(by_chain, out).items():
        print(f"{gz} → {out / chain / 'reports.jsonl'}: {n} records")


def print_summary(corpus: dict[str, list[dict]]) -> None:
    print("| chain | reports | errors | gold cells kept | spans | lost |\n|---|---:|---:|---:|---:|---|")
    for chain, records in corpus.items():
        s = C.summary(records)
        lost = ", ".join(f"{k} {v}" for k, v in sorted(s["lost"].items())) or "-"
        print(f"| {chain} | {s['reports']} | {s['errors']} | {s['cells']} | {s['spans']} | {lost} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20, help="reports (each through every chain)")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--start", type=int, default=0, help="first report index")
    ap.add_argument("--chains", default=",".join(X.FAST), help=f"comma-separated (default: all but OCR); known: {', '.join(X.CHAINS)}")
    ap.add_argument("--config", default=None, help="generator config (YAML; default: the built-in mix)")
    ap.add_argument("-o", "--out", type=Path, help="write OUT/<chain>/reports.jsonl")
    ap.add_argument("--gz", type=Path, help="write every record into one gzip JSON Lines file instead")
    ap.add_argument("--batch", type=int, default=25, help="reports per LibreOffice run")
    ap.add_argument("--keep", type=Path, help="also keep every DOCX, HTML and PDF here")
    ap.add_argument("--unpack", type=Path, help="a --gz corpus to unpack into OUT/<chain>/ and stop")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.unpack:
        if not args.out:
            ap.error("--unpack needs -o")
        unpack(args.unpack, args.out)
        return 0
    if not (args.out or args.gz):
        ap.error("say where: -o DIR or --gz FILE")
    chains = [c for c in args.chains.split(",") if c]
    config = load_config(args.config)
    corpus: dict[str, list[dict]] = {c: [] for c in chains}
    t0 = time.perf_counter()
    for start in range(args.start, args.start + args.n, args.batch):
        n = min(args.batch, args.start + args.n - start)
        got = C.build(n, args.seed, config, chains, start=start, keep=args.keep)
        for chain, records in got.items():
            corpus[chain] += records
        log.info("reports %d-%d done (%.0f s)", start, start + n - 1, time.perf_counter() - t0)
    if args.gz:
        C.write_gz((r for records in corpus.values() for r in records), args.gz)
        print(f"{args.gz}: {args.gz.stat().st_size / 1024:.0f} KB")
    if args.out:
        C.write(corpus, args.out)
        print(f"{args.out}/<chain>/reports.jsonl")
    print_summary(corpus)
    print(f"\n{args.n} reports × {len(chains)} chains in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
