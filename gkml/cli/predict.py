"""``gkml predict``: batch inference, one JSON line per input, whatever the input is."""

from __future__ import annotations

import argparse
import logging
import os
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from gkml.engines import DEFAULT_ENGINE, DEFAULT_MODEL, ENGINES
from gkml.io.ingest import MAX_CHARS
from gkml.model.loader import BACKENDS
from gkml.parallel import default_workers
from gkml.predict import TIMEOUT

log = logging.getLogger(__name__)


def cmd_predict(args: argparse.Namespace) -> int:
    from gkml.engines import get_labeller
    from gkml.io.ingest import source_name
    from gkml.io.inputs import scan_inputs
    from gkml.predict import predict_paths
    from gkml.write import done_sources, read_reports, write_jsonl, write_wide_csv

    inputs = scan_inputs(args.paths)
    paths = inputs.paths
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {os.path.normpath(s) for s in done_sources(out)} if args.resume else set()
    todo = [p for p in paths if os.path.normpath(source_name(p)) not in done]
    start = out.stat().st_size if args.resume and out.exists() else 0  # where this run's records begin
    max_bytes = int(args.max_mb * 1024 * 1024)
    if args.ocr_workers < 1:
        raise ValueError(f"--ocr-workers must be at least 1, got {args.ocr_workers}")
    from gkml.io import ocr

    ocr.configure(workers=args.ocr_workers, progress=not args.quiet)
    tally = _Tally()
    try:
        if args.ray:
            from gkml.scale import predict_ray

            predict_ray(todo, out, engine=args.engine, model=args.model, batch_size=args.batch_size,
                        quantize=args.quantize, max_bytes=max_bytes, actors=args.actors, address=args.ray_address,
                        append=args.resume, progress=not args.quiet)  # fmt: skip
        else:
            opts, backend = model_options(args)
            workers = args.workers or default_workers(len(todo), backend)
            if workers > 1 and len(todo) > 1:
                from gkml.parallel import WorkerPool

                # the pool loads the model in each worker: fails before the output is touched
                with (
                    WorkerPool(workers, args.engine, args.model, opts, max_bytes=max_bytes, max_chars=args.max_chars,
                               timeout=args.timeout) as pool,
                    closing(pool.predict(todo, progress=not args.quiet)) as reports,
                ):  # fmt: skip
                    write_jsonl(tally.counted(reports), out, append=args.resume)
            else:
                labeller = get_labeller(args.engine, args.model, **opts)  # fails here, before the output is touched
                reports = predict_paths(todo, engine=args.engine, max_bytes=max_bytes, progress=not args.quiet,
                                        labeller=labeller, max_chars=args.max_chars, timeout=args.timeout)  # fmt: skip
                with closing(reports):  # closed here, not when collected: its bar ends before an interrupt's message
                    write_jsonl(tally.counted(reports), out, append=args.resume)
    except KeyboardInterrupt:
        complete = _complete_lines(out)
        log.error("gkml predict: interrupted; %d records complete in %s. Run the same command with --resume "
                  "to continue", complete, out)  # fmt: skip
        return 130
    if args.ray:  # Ray's actors wrote the records: count them from the file
        for r in _records_since(out, start):
            tally.add(r)
    if args.csv:
        write_wide_csv(read_reports(out), Path(args.csv))
    resumed = f" ({len(paths) - len(todo)} already in the output, {len(todo)} read now)" if args.resume else ""
    print(
        f"{len(paths)} inputs{resumed}: {tally.ok} read, {tally.records - tally.ok} error records; "
        f"{tally.failed} failed identities, {tally.inferred} inferred cells, {tally.warned} with warnings. Results: {out}" + (f", {args.csv}" if args.csv else "")
    )
    if inputs.skipped:
        why = ", ".join(f"{n} {reason}" for reason, n in inputs.skipped_by_reason().items())
        hint = "" if args.list_skipped else " (--list-skipped names them)"
        print(f"{len(inputs.skipped)} files skipped in directory scans: {why}{hint}")
        if args.list_skipped:
            for source, reason in inputs.skipped:
                print(f"skipped\t{source}\t{reason}")
    return 0


@dataclass
class _Tally:
    """What the summary line counts, added up as the records are written (not read back)."""

    records: int = 0
    ok: int = 0
    failed: int = 0  # failed identities of severity error
    inferred: int = 0
    warned: int = 0  # reports read, but not quite as printed (their ``warnings``)

    def add(self, r) -> None:
        self.records += 1
        self.ok += r.status == "ok"
        self.failed += sum(1 for c in r.checks if not c.ok and c.severity == "error")
        self.inferred += sum(c.inferred for c in r.cells.values())
        self.warned += bool(r.warnings)

    def counted(self, reports):
        for r in reports:
            self.add(r)
            yield r


def _records_since(out: Path, start: int):
    """The records written from byte ``start`` of ``out`` on: this run's, not a resumed file's."""
    import json

    from gkml.schema import Report

    with open(out, "rb") as f:
        f.seek(start)
        for line in f:
            try:
                yield Report.from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError):
                continue


def model_options(args: argparse.Namespace) -> tuple[dict, str]:
    """The model engine's options from the command line (none for the rules), and the backend
    it will run on ("" for the rules): what the default number of workers depends on."""
    if args.workers < 0:
        raise ValueError(f"--workers must be 0 (one per core) or more, got {args.workers}")
    if not ENGINES[args.engine].uses_model:
        return {}, ""
    from gkml.engines import resolve_model_dir
    from gkml.model.loader import choose_backend

    backend = choose_backend(resolve_model_dir(args.model), args.backend, args.quantize)
    return {"backend": args.backend, "quantize": args.quantize, "batch_size": args.batch_size,
            "threads": args.threads}, backend  # fmt: skip


def _complete_lines(out: Path) -> int:
    """Records written whole so far (each is one line; a partial last one is not counted)."""
    try:
        with open(out, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    except OSError:
        return 0


def register(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "predict",
        parents=[common],
        help="read reports into checked records (JSON Lines, optional wide CSV)",
        description="Read reports (.txt .md .html .pdf .docx, .doc/.wps/.rtf/.odt via LibreOffice, scans; files, "
        "directories, globs) into one JSON line "
        "each. Every file named or found gets exactly one record: inputs that cannot be read (a FIFO, a "
        "device, a dangling link, too large, too long, too slow) get a record with status 'error' and the "
        "batch goes on. A directory scan reads the report types and skips other files (hidden ones, "
        "README/LICENSE, other extensions), counted in the summary. Ctrl-C stops after whole records: "
        "--resume continues.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, directories or glob patterns")
    p.add_argument("-o", "--output", required=True, help="JSON Lines file to write")
    p.add_argument("--csv", help="also write a wide CSV: one row per report, one column per cell key")
    engines = ", ".join(f"{name} = {e.help}" for name, e in ENGINES.items())
    p.add_argument("--engine", choices=list(ENGINES), default=DEFAULT_ENGINE, help=f"labeller: {engines}")
    p.add_argument("--model", metavar="DIR", default=DEFAULT_MODEL,
                   help="trained model directory for the engines that use one (default: %(default)s)")  # fmt: skip
    p.add_argument("--backend", choices=BACKENDS, default="auto",
                   help="what runs the model: onnx = ONNX Runtime (the model directory's model.onnx, made by "
                        "`gkml export`; no torch needed), torch = the training stack; auto (default) = onnx when "
                        "the model directory has a model.onnx, else torch")  # fmt: skip
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="processes reading reports in parallel, each with one model and one thread; records "
                        "stay in input order (default: one per core, at most 8, for batches of 8 inputs or more "
                        "on the ONNX backend or the rules; else 1)")  # fmt: skip
    p.add_argument("--threads", type=int, metavar="N",
                   help="model threads per process (default: 1 in each worker, every core with one process)")
    p.add_argument("--batch-size", type=int, metavar="N",
                   help="model windows per forward pass (default: on ONNX Runtime 1 in each worker, 4 with one process; 16 on torch)")
    p.add_argument("--quantize", action="store_true",
                   help="int8 model: the ONNX model.int8.onnx (`gkml export --int8`), or torch's dynamic "
                        "quantisation; faster or smaller, but it reads a few cells differently")  # fmt: skip
    p.add_argument("--resume", action="store_true",
                   help="skip inputs already in the output (by source path) and append the rest")  # fmt: skip
    p.add_argument("--ray", action="store_true", help="run on Ray Data: one model per actor (pip install gkml[scale])")
    p.add_argument("--actors", type=int, help="with --ray: model replicas, one CPU each (default: one per CPU of the cluster)")
    p.add_argument("--ray-address", help="with --ray: cluster to join (default: a local one, or $RAY_ADDRESS)")
    p.add_argument("--max-mb", type=float, default=50, help="inputs larger than this get an error record (default 50)")
    p.add_argument("--ocr-workers", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="processes that read the pages of a scan by OCR in parallel, with a progress bar "
                        "counting its pages (default: one per core, %(default)s here; 1 reads in this process)")  # fmt: skip
    p.add_argument("--max-chars", type=int, default=MAX_CHARS, metavar="N",
                   help="texts longer than this after normalisation get an error record (default %(default)s; "
                        "real reports have under 200,000)")  # fmt: skip
    p.add_argument("--timeout", type=float, default=TIMEOUT, metavar="SECONDS",
                   help="seconds each stage of one document (reading, labelling) may take before it becomes an "
                        "error record (default %(default)g; 0: no limit; a long scan may need more)")  # fmt: skip
    p.add_argument("--list-skipped", action="store_true",
                   help="name each file a directory scan skipped, and why (the summary counts them)")  # fmt: skip
    p.set_defaults(func=cmd_predict)
