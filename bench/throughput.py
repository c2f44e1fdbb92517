"""Throughput of `gkml predict` on synthetic reports of realistic length (not a test).

Writes N synthetic reports (every layout, as the files ingest reads: .html for the HTML
layout, .txt otherwise) to a temporary folder, then reads them with each engine — the
rules, the model in fp32 and the model with dynamic int8 quantisation — and prints
documents/s, characters/s, the share of time in ingest / labelling / assembly (and, for
the model, tokenise / forward / decode inside labelling) and the cell accuracy against the
generator's gold (so a faster variant that reads worse shows it).

    .venv/bin/python bench/throughput.py --n 40                     # all engines
    .venv/bin/python bench/throughput.py --n 200 --engines model --batch-size 32 --threads 2

Times exclude loading the model (printed apart). Keep N small on a shared machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gkml.engines import get_labeller  # noqa: E402
from gkml.evaluate import values_equal  # noqa: E402
from gkml.predict import Timings, predict_paths  # noqa: E402


def write_corpus(n: int, seed: int, folder: Path) -> tuple[list[str], dict[str, dict]]:
    """N reports as input files; returns the paths and the gold cells by path."""
    from gkml.training.synth import load_config, make_report

    config = load_config(None)
    config["raw"] = True
    paths, gold = [], {}
    for i in range(n):
        r = make_report(i, seed, config)
        path = folder / f"{i:05d}_{r['layout']}.{'html' if r['layout'] == 'html' else 'txt'}"
        path.write_text(r["raw"] if r["layout"] == "html" else r["text"], encoding="utf-8")
        paths.append(str(path))
        gold[str(path)] = r["cells"]
    return paths, gold


def run(name: str, engine: str, paths: list[str], gold: dict[str, dict], **opts) -> dict:
    t0 = time.perf_counter()
    labeller = get_labeller(engine, opts.pop("model", None), **opts)
    load = time.perf_counter() - t0
    predictor = labeller.model if hasattr(labeller, "rules") else labeller  # the hybrid wraps a predictor
    if hasattr(predictor, "timings"):
        predictor.timings.update(dict.fromkeys(predictor.timings, 0.0))
    timings = Timings()
    t0 = time.perf_counter()
    reports = list(predict_paths(paths, engine=engine, labeller=labeller, timings=timings))
    wall = time.perf_counter() - t0
    right = total = 0
    for r in reports:
        cells = gold[r.source]
        total += len(cells)
        right += sum(k in r.cells and values_equal(r.cells[k].value, v) for k, v in cells.items())
    inner = dict(getattr(predictor, "timings", {}))
    return {
        "name": name,
        "load": load,
        "wall": wall,
        "docs": timings.docs,
        "chars": timings.chars,
        "ingest": timings.ingest,
        "label": timings.label,
        "assemble": timings.assemble,
        "inner": inner,
        "accuracy": right / total if total else float("nan"),
        "errors": sum(r.status != "ok" for r in reports),
    }


def table(results: list[dict]) -> str:
    head = "| engine | docs/s | chars/s | ingest | label | assemble | inside label: tokenise / forward / merge / decode | cell accuracy | load s |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    for r in results:
        total = r["ingest"] + r["label"] + r["assemble"]
        share = [f"{100 * r[k] / total:.0f}%" for k in ("ingest", "label", "assemble")]
        inner = r["inner"]
        if inner and r["label"]:
            split = " / ".join(f"{100 * inner[k] / r['label']:.0f}%" for k in ("tokenise", "model", "merge", "decode"))
        else:
            split = "-"
        lines.append(
            f"| {r['name']} | {r['docs'] / r['wall']:.1f} | {r['chars'] / r['wall']:,.0f} | {' | '.join(share)} | "
            f"{split} | {100 * r['accuracy']:.1f}% | {r['load']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=40, help="synthetic reports (default 40)")
    ap.add_argument("--seed", type=int, default=11, help="corpus seed (default 11: not a training seed)")
    ap.add_argument("--model", default="models/gkml-small", help="model directory (default: %(default)s)")
    ap.add_argument("--engines", default="rules,model,model-int8", help="comma-separated: rules, model, model-int8, hybrid")
    ap.add_argument("--batch-size", type=int, default=16, help="model windows per forward pass (default 16)")
    ap.add_argument("--threads", type=int, help="torch threads (default: every core this process may use)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="gkml-bench-") as tmp:
        t0 = time.perf_counter()
        paths, gold = write_corpus(args.n, args.seed, Path(tmp))
        chars = sum(len(Path(p).read_text(encoding="utf-8")) for p in paths)
        print(f"{args.n} synthetic reports, {chars:,} characters (mean {chars // max(args.n, 1):,}), "
              f"written in {time.perf_counter() - t0:.1f}s", file=sys.stderr)  # fmt: skip
        results = []
        for name in args.engines.split(","):
            if name == "rules":
                results.append(run("rules", "rules", paths, gold))
            elif name in ("model", "model-int8", "hybrid"):
                opts = {"model": args.model, "batch_size": args.batch_size, "quantize": name == "model-int8",
                        "threads": args.threads}  # fmt: skip
                label = {"model": "model fp32", "model-int8": "model int8", "hybrid": "hybrid (fp32 + rules)"}[name]
                results.append(run(label, "hybrid" if name == "hybrid" else "model", paths, gold, **opts))
            else:
                raise SystemExit(f"unknown engine {name!r}")
            print(f"  {name}: done", file=sys.stderr)
    import torch

    print(f"\n{args.n} reports, {chars:,} characters; torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"batch size {args.batch_size}\n")  # fmt: skip
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
