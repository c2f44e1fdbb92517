"""The ``gkml`` command.

Exit codes scripts can trust: 0 when the command ran (a batch with unreadable inputs still
ran: each has its error record), 1 when it could not run (bad arguments, unwritable
output, missing gold), 2 for usage errors (argparse).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from gkml import __version__

DESCRIPTION = """\
gkml reads Chinese Open Government Information annual reports (政府信息公开工作年度报告)
into checked, structured data: the three standard tables cell by cell, the six sections,
the narrative counts and the metadata, with every accounting identity checked.

  gkml predict samples/ -o out.jsonl --csv wide.csv   # batch inference, one JSON line per input
  gkml audit out.jsonl --html audit.html               # what a supervising office reads
  gkml eval --pred out.jsonl --gold tests/fixtures     # cell accuracy against gold files
  gkml schema                                          # JSON Schema of one output line
"""


def cmd_predict(args: argparse.Namespace) -> int:
    from gkml.predict import (
        expand_inputs,
        get_labeller,
        predict_paths,
        read_reports,
        repair_jsonl,
        write_jsonl,
        write_wide_csv,
    )

    paths = expand_inputs(args.paths)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {os.path.normpath(s) for s in repair_jsonl(out)} if args.resume else set()
    todo = [p for p in paths if os.path.normpath(p) not in done]
    max_bytes = int(args.max_mb * 1024 * 1024)
    if args.ray:
        from gkml.scale import predict_ray

        predict_ray(todo, out, engine=args.engine, model=args.model, batch_size=args.batch_size,
                    quantize=args.quantize, max_bytes=max_bytes, actors=args.actors, address=args.ray_address,
                    append=args.resume, progress=not args.quiet)  # fmt: skip
    else:
        opts = {"quantize": args.quantize, "batch_size": args.batch_size} if args.engine != "rules" else {}
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


def cmd_audit(args: argparse.Namespace) -> int:
    from gkml.audit import audit, format_audit, write_html

    result = audit(Path(args.input), threshold=args.threshold)
    print(format_audit(result))
    if args.html:
        write_html(result, Path(args.html))
        print(f"HTML: {args.html}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from gkml.evaluate import evaluate_files, format_report

    result = evaluate_files(Path(args.pred), Path(args.gold))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_report(result))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from gkml.schema import json_schema

    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    import os
    import time

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
        layouts = [args.layout] if args.layout else list(LAYOUTS)
        records = [r for lay in layouts for r in corpus.generate(args.baseline, args.seed, config, lay, workers)]
        print(corpus.format_scores(corpus.score_labeller(records)))
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


def cmd_labels(args: argparse.Namespace) -> int:
    from gkml.labels import ENTITY_TYPES, TAGS, group

    if args.tags:
        print("\n".join(TAGS))
    else:
        for entity in ENTITY_TYPES:
            print(f"{group(entity)}\t{entity}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from gkml.training.config import load_config, parse_overrides

    cfg = load_config(args.config, parse_overrides(args.set or []))
    from gkml.training.train import train  # after the config is checked: importing the ML stack takes seconds

    report = train(cfg, resume=args.resume, progress=not args.quiet)
    ev = report["eval"]
    groups = "  ".join(f"{g} {ev.get('f1_' + g, 0):.3f}" for g in ("SEC", "T2", "T3", "T4", "FACT", "META"))
    print(f"entity F1 {ev.get('f1', 0):.3f} (P {ev.get('precision', 0):.3f} R {ev.get('recall', 0):.3f}); {groups}")
    print(f"model: {cfg.output_dir} (metrics.json, config.resolved.yaml)")
    return 0


# --- gkml ls: the annotation loop with Label Studio (gkml/annotate.py, gkml/lsbackend.py) ---


def cmd_ls_config(args: argparse.Namespace) -> int:
    from gkml.annotate import label_config

    config = label_config()
    if args.output:
        Path(args.output).write_text(config, encoding="utf-8")
        print(f"labelling config: {args.output}")
    else:
        sys.stdout.write(config)
    return 0


def cmd_ls_tasks(args: argparse.Namespace) -> int:
    from gkml.annotate import tasks_from_paths

    tasks, errors = tasks_from_paths(args.paths, engine=args.engine, model=args.model, predictions=not args.no_predictions)
    for e in errors:
        print(f"gkml ls tasks: skipped {e}", file=sys.stderr)
    if not tasks:
        raise ValueError("no readable input: nothing to write")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    regions = sum(len(p["result"]) for t in tasks for p in t.get("predictions", []))
    print(f"{len(tasks)} tasks, {regions} pre-annotated regions, {len(errors)} unreadable inputs: {out}")
    return 0


def cmd_ls_push(args: argparse.Namespace) -> int:
    from gkml.annotate import connect, push, read_export

    tasks = []
    for path in args.tasks:
        tasks += read_export(path)
    stats = push(connect(args.url, args.api_key), tasks, title=args.project)
    state = "created" if stats.created else "found"
    print(
        f"project {args.project!r} (id {stats.project_id}) {state}: {stats.imported} tasks imported "
        f"({stats.predictions} predictions), {stats.skipped} already there"
    )
    return 0


def cmd_ls_pull(args: argparse.Namespace) -> int:
    from gkml.annotate import connect, pull, write_export

    tasks = pull(connect(args.url, args.api_key), title=args.project, all_tasks=args.all)
    n = write_export(tasks, Path(args.output))
    print(f"{len(tasks)} tasks, {n} with a completed annotation: {args.output}")
    return 0


def cmd_ls_convert(args: argparse.Namespace) -> int:
    from gkml.annotate import convert

    s = convert(args.paths, args.output)
    print(
        f"{s.files} export files, {s.tasks} tasks: {s.records} annotated reports, {s.spans} spans "
        f"({s.empty_tasks} tasks without a completed annotation) → {s.out}/dataset, {s.out}/reports.jsonl"
    )
    return 0


def cmd_ls_serve(args: argparse.Namespace) -> int:
    from gkml.annotate.backend import make_server

    server = make_server(args.host, args.port, engine=args.engine, model=args.model, quiet=args.quiet)
    print(f"gkml ML backend ({server.version}) on {server.url} — in Label Studio: Settings → Model → Connect model, "
          f"URL {server.url}. Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gkml", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"gkml {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "predict",
        help="read reports into checked records (JSON Lines, optional wide CSV)",
        description="Read reports (.txt .md .html .pdf; files, directories, globs) into one JSON line each. "
        "Inputs that cannot be read get a record with status 'error' and the batch goes on.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, directories or glob patterns")
    p.add_argument("-o", "--output", required=True, help="JSON Lines file to write")
    p.add_argument("--csv", help="also write a wide CSV: one row per report, one column per cell key")
    p.add_argument("--engine", choices=["model", "rules", "hybrid"], default="model",
                   help="labeller: model (default) = the trained token classifier, rules = the rule baseline "
                   "(no model), hybrid = the model with the rule spans as fallback candidates")  # fmt: skip
    p.add_argument("--model", metavar="DIR", default="models/gkml-small",
                   help="trained model directory for --engine model/hybrid (default: %(default)s)")  # fmt: skip
    p.add_argument("--batch-size", type=int, default=16, help="model windows per forward pass (default 16)")
    p.add_argument("--quantize", action="store_true", help="dynamic int8 quantisation of the model (faster on CPU)")
    p.add_argument("--resume", action="store_true",
                   help="skip inputs already in the output (by source path) and append the rest")  # fmt: skip
    p.add_argument("--ray", action="store_true", help="run on Ray Data: one model per actor (pip install gkml[scale])")
    p.add_argument("--actors", type=int, help="with --ray: model replicas, one CPU each (default: one per CPU of the cluster)")
    p.add_argument("--ray-address", help="with --ray: cluster to join (default: a local one, or $RAY_ADDRESS)")
    p.add_argument("--max-mb", type=float, default=50, help="inputs larger than this get an error record (default 50)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser(
        "audit",
        help="per-report audit of a predict output: template, missing sections, failed identities, X-YEAR",
        description="What a supervising office reads: per report the template, missing sections, failed "
        "identities with their deltas, inferred cells and low-confidence cells, plus totals; X-YEAR checks "
        "between reports of the same organ in consecutive years. Printed, and written as HTML with --html.",
    )
    p.add_argument("input", metavar="OUT.jsonl", help="JSON Lines written by gkml predict")
    p.add_argument("--html", help="also write the audit as an HTML page")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="cells read with a score below this are listed as low-confidence (default 0.5)")  # fmt: skip
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "eval",
        help="score predictions against gold files",
        description="Cell accuracy (overall, non-zero, per table, per layout), whole-document exact rate, "
        "identity-failure detection and fact precision/recall, against NAME.gold.json files.",
    )
    p.add_argument("--pred", required=True, help="JSON Lines written by gkml predict")
    p.add_argument("--gold", required=True, help="directory of NAME.gold.json files")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("schema", help="print the JSON Schema of one output line")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser(
        "synth",
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
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("labels", help="print the model's label catalogue (entity types or BIO tags)")
    p.add_argument("--tags", action="store_true", help="print the BIO tag list instead")
    p.set_defaults(func=cmd_labels)

    p = sub.add_parser(
        "train",
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
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)
    # --- gkml ls ---
    ls = sub.add_parser(
        "ls",
        help="annotate with Label Studio: labelling config, tasks, push/pull, convert, ML backend",
        description="The annotation loop: `config` prints the labelling config, `tasks` makes import JSON with "
        "pre-annotations, `push`/`pull` talk to a server (URL and key from --url/--api-key or LABEL_STUDIO_URL/"
        "LABEL_STUDIO_API_KEY), `convert` turns exports into training data, `serve` is an ML backend.",
    )
    ls_sub = ls.add_subparsers(dest="ls_command", required=True, metavar="LS_COMMAND")

    def server_options(q: argparse.ArgumentParser) -> None:
        q.add_argument("--url", help="Label Studio URL (default: $LABEL_STUDIO_URL)")
        q.add_argument("--api-key", help="API token (default: $LABEL_STUDIO_API_KEY; prefer the variable: "
                       "options show in the process list)")
        q.add_argument("--project", default="gkml annual reports", help="project title (default: %(default)r)")

    p = ls_sub.add_parser("config", help="print the labelling config generated from the label catalogue")
    p.add_argument("-o", "--output", help="write it to this file instead")
    p.set_defaults(func=cmd_ls_config)

    p = ls_sub.add_parser(
        "tasks",
        help="reports → Label Studio import JSON with pre-annotations",
        description="One task per report: the normalised text (data.text; offsets are characters of it), doc_id and "
        "source, and a prediction from the rule baseline or a trained model (model_version, score, regions).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="report files, directories or glob patterns")
    p.add_argument("-o", "--output", required=True, help="JSON file to write (Label Studio import format)")
    p.add_argument(
        "--engine", default="rules", help="labeller for the pre-annotations: rules (default) or model (models/gkml-small)"
    )
    p.add_argument("--model", metavar="DIR", help="pre-annotate with this trained model directory")
    p.add_argument("--no-predictions", action="store_true", help="text only, no pre-annotations")
    p.set_defaults(func=cmd_ls_tasks)

    p = ls_sub.add_parser("push", help="create/find the project (generated config) and import tasks")
    p.add_argument("tasks", nargs="+", metavar="TASKS.json", help="files written by `gkml ls tasks`")
    server_options(p)
    p.set_defaults(func=cmd_ls_push)

    p = ls_sub.add_parser("pull", help="export the project's annotated tasks (Label Studio JSON)")
    p.add_argument("-o", "--output", required=True, help="JSON file to write, e.g. annotations/batch1.json")
    p.add_argument("--all", action="store_true", help="every task, also those without annotations")
    server_options(p)
    p.set_defaults(func=cmd_ls_pull)

    p = ls_sub.add_parser(
        "convert",
        help="Label Studio exports → training data (datasets + JSONL, character spans)",
        description="Check every region (one known label, inside the text, its text equal to the task text at its "
        "offsets, no overlaps) and write OUT/reports.jsonl and OUT/dataset (id, text, spans, IOB2 tags).",
    )
    p.add_argument("paths", nargs="+", metavar="EXPORT", help="Label Studio JSON exports (files or folders)")
    p.add_argument("-o", "--output", required=True, help="output directory")
    p.set_defaults(func=cmd_ls_convert)

    p = ls_sub.add_parser(
        "serve",
        help="ML backend: Label Studio gets gkml's predictions for every task it opens",
        description="Serve the Label Studio ML backend API (/health, /setup, /predict) with a trained model or the "
        "rule baseline. Start Label Studio with ML_BLOCK_LOCAL_IP=false to connect to a backend on this machine.",
    )
    p.add_argument("--model", metavar="DIR", help="trained model directory (default: --engine)")
    p.add_argument("--engine", default="rules", help="labeller when no --model is given: rules (default) or model")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=9090, help="port (default: %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no request log")
    p.set_defaults(func=cmd_ls_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (OSError, ValueError) as e:
        print(f"gkml {args.command}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
