"""``gkml synth`` and ``gkml train``: synthetic training data, and training runs from configs."""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)


def cmd_synth(args: argparse.Namespace) -> int:
    from gkml.training.synth import corpus
    from gkml.training.synth.config import ALL_LAYOUTS, LAYOUTS, load_config

    if args.stats:
        print(corpus.format_stats(corpus.load_records(Path(args.stats))))
        return 0
    config = load_config(args.config)
    if args.layout and args.layout not in ALL_LAYOUTS:
        raise ValueError(f"unknown layout {args.layout!r} (known: {', '.join(ALL_LAYOUTS)})")
    workers = args.workers or (os.cpu_count() or 1)
    if args.examples:
        for layout in [args.layout] if args.layout else ALL_LAYOUTS:
            r = corpus.make_report(0, args.seed, config, layout)
            noise = ", ".join(r["noise"]) or "none"
            print(f"===== {layout} | template {r['template']} | {r['level']} | noise: {noise} =====")
            print(r["text"][: args.chars] if args.chars else r["text"])
            print()
        return 0
    if args.baseline:
        from gkml.evaluate import format_scores, score_labeller

        layouts = [args.layout] if args.layout else list(LAYOUTS)
        records = [r for lay in layouts for r in corpus.generate(args.baseline, args.seed, config, lay, workers)]
        print(format_scores(score_labeller(records)))
        return 0
    if not args.output:
        raise ValueError("-o/--output is required to write a corpus (or use --stats, --examples, --baseline)")
    start = time.perf_counter()
    records = corpus.generate(args.n, args.seed, config, args.layout, workers)
    if not args.quiet:
        from tqdm import tqdm

        records = tqdm(records, total=args.n, desc="synth", unit="report")
    out = Path(args.output)
    n = corpus.save(records, out, progress=not args.quiet)
    print(f"{n} reports in {time.perf_counter() - start:.1f}s: {out / 'dataset'} (datasets), {out / 'reports.jsonl'}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from gkml.training.config import load_config, parse_overrides

    cfg = load_config(args.config, parse_overrides(args.set or []))
    from gkml.training.train import GROUPS, train  # after the config is checked: the ML stack takes seconds

    report = train(cfg, resume=args.resume, progress=not args.quiet)
    ev = report["eval"]
    groups = "  ".join(f"{g} {ev.get('f1_' + g, 0):.3f}" for g in GROUPS)
    print(f"entity F1 {ev.get('f1', 0):.3f} (P {ev.get('precision', 0):.3f} R {ev.get('recall', 0):.3f}); {groups}")
    print(f"model: {cfg.output_dir} (metrics.json, config.resolved.yaml)")
    return 0


def register(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "synth",
        parents=[common],
        help="generate synthetic labelled reports (datasets + JSONL), or show their stats/examples",
        description="Generate N synthetic reports in every layout, with OCR/scrape noise and exact gold spans, "
        "as a Hugging Face dataset (DIR/dataset) and JSON Lines (DIR/reports.jsonl). Deterministic for a seed.",
    )
    p.add_argument("--n", type=int, default=1000, help="number of reports (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    p.add_argument("-o", "--output", help="directory to write")
    p.add_argument("--config", help="YAML config (default: the built-in one, as in configs/synth.yaml)")
    p.add_argument("--layout", help="only this layout (cell_lines, pipes, pipe_lines, html, markdown_ocr, pdf_text, narrative)")
    p.add_argument("--workers", type=int, default=0, help="processes (default: one per CPU); output is the same")
    p.add_argument("--stats", metavar="DIR", help="print counts per template, layout, noise kind and label of DIR")
    p.add_argument("--examples", action="store_true", help="print one report per layout, to compare with samples/")
    p.add_argument("--chars", type=int, default=0, help="with --examples: print at most this many characters")
    p.add_argument("--baseline", type=int, metavar="N", help="score the rule baseline on N reports per layout")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser(
        "train",
        parents=[common],
        help="train the token-classification model from a config (configs/*.yaml)",
        description="Train the character-level token classifier with the Hugging Face Trainer: data sources, "
        "model size (or a local checkpoint), windowing and training arguments come from the YAML config. "
        "Writes the best model, metrics.json and config.resolved.yaml to the config's output_dir.",
    )
    p.add_argument("config", help="YAML training config, e.g. configs/small.yaml")
    p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in output_dir, if any")
    p.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a config value, e.g. --set training.max_steps=50 (repeatable)"
    )
    p.set_defaults(func=cmd_train)
