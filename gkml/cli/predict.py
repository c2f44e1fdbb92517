"""``gkml predict``: batch inference, one JSON line per input, whatever the input is."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from gkml.engines import DEFAULT_ENGINE, DEFAULT_MODEL, ENGINES

log = logging.getLogger(__name__)


def cmd_predict(args: argparse.Namespace) -> int:
    from gkml.engines import get_labeller
    from gkml.predict import expand_inputs, predict_paths
    from gkml.write import done_sources, read_reports, write_jsonl, write_wide_csv

    paths = expand_inputs(args.paths)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {os.path.normpath(s) for s in done_sources(out)} if args.resume else set()
    todo = [p for p in paths if os.path.normpath(p) not in done]
    max_bytes = int(args.max_mb * 1024 * 1024)
    if args.ray:
        from gkml.scale import predict_ray

        predict_ray(todo, out, engine=args.engine, model=args.model, batch_size=args.batch_size,
                    quantize=args.quantize, max_bytes=max_bytes, actors=args.actors, address=args.ray_address,
                    append=args.resume, progress=not args.quiet)  # fmt: skip
    else:
        opts = {"quantize": args.quantize, "batch_size": args.batch_size} if ENGINES[args.engine].uses_model else {}
        labeller = get_labeller(args.engine, args.model, **opts)  # fails here, before the output is touched
        reports = predict_paths(todo, engine=args.engine, max_bytes=max_bytes, progress=not args.quiet,
                                labeller=labeller)  # fmt: skip
        write_jsonl(reports, out, append=args.resume)
    records = ok = failed = inferred = 0
    for r in read_reports(out):
        records += 1
        ok += r.status == "ok"
        failed += sum(1 for c in r.checks if not c.ok and c.severity == "error")
        inferred += sum(c.inferred for c in r.cells.values())
    if args.csv:
        write_wide_csv(read_reports(out), Path(args.csv))
    resumed = f" ({len(paths) - len(todo)} already in the output)" if args.resume else ""
    print(
        f"{len(paths)} inputs{resumed}: {ok} read, {records - ok} error records; {failed} failed identities, "
        f"{inferred} inferred cells. Results: {out}" + (f", {args.csv}" if args.csv else "")
    )
    return 0


def register(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "predict",
        parents=[common],
        help="read reports into checked records (JSON Lines, optional wide CSV)",
        description="Read reports (.txt .md .html .pdf, scans; files, directories, globs) into one JSON line "
        "each. Inputs that cannot be read get a record with status 'error' and the batch goes on.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, directories or glob patterns")
    p.add_argument("-o", "--output", required=True, help="JSON Lines file to write")
    p.add_argument("--csv", help="also write a wide CSV: one row per report, one column per cell key")
    engines = ", ".join(f"{name} = {e.help}" for name, e in ENGINES.items())
    p.add_argument("--engine", choices=list(ENGINES), default=DEFAULT_ENGINE, help=f"labeller: {engines}")
    p.add_argument("--model", metavar="DIR", default=DEFAULT_MODEL,
                   help="trained model directory for the engines that use one (default: %(default)s)")  # fmt: skip
    p.add_argument("--batch-size", type=int, default=16, help="model windows per forward pass (default 16)")
    p.add_argument("--quantize", action="store_true", help="dynamic int8 quantisation of the model (faster on CPU)")
    p.add_argument("--resume", action="store_true",
                   help="skip inputs already in the output (by source path) and append the rest")  # fmt: skip
    p.add_argument("--ray", action="store_true", help="run on Ray Data: one model per actor (pip install gkml[scale])")
    p.add_argument("--actors", type=int, help="with --ray: model replicas, one CPU each (default: one per CPU of the cluster)")
    p.add_argument("--ray-address", help="with --ray: cluster to join (default: a local one, or $RAY_ADDRESS)")
    p.add_argument("--max-mb", type=float, default=50, help="inputs larger than this get an error record (default 50)")
    p.set_defaults(func=cmd_predict)
