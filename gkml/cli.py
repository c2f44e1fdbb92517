"""The ``gkml`` command.

Exit codes scripts can trust: 0 when the command ran (a batch with unreadable inputs still
ran: each has its error record), 1 when it could not run (bad arguments, unwritable
output, missing gold), 2 for usage errors (argparse).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gkml import __version__

DESCRIPTION = """\
gkml reads Chinese Open Government Information annual reports (政府信息公开工作年度报告)
into checked, structured data: the three standard tables cell by cell, the six sections,
the narrative counts and the metadata, with every accounting identity checked.

  gkml predict samples/ -o out.jsonl --csv wide.csv   # batch inference, one JSON line per input
  gkml eval --pred out.jsonl --gold tests/fixtures     # cell accuracy against gold files
  gkml schema                                          # JSON Schema of one output line
"""


def cmd_predict(args: argparse.Namespace) -> int:
    from gkml.predict import expand_inputs, predict_paths, write_jsonl, write_wide_csv

    paths = expand_inputs(args.paths)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    reports = write_jsonl(
        predict_paths(paths, engine=args.engine, max_bytes=int(args.max_mb * 1024 * 1024), progress=not args.quiet),
        out,
    )
    if args.csv:
        write_wide_csv(reports, Path(args.csv))
    ok = sum(r.status == "ok" for r in reports)
    failed_checks = sum(1 for r in reports for c in r.checks if not c.ok and c.severity == "error")
    print(
        f"{len(reports)} inputs: {ok} read, {len(reports) - ok} error records; "
        f"{failed_checks} failed identities. Results: {out}" + (f", {args.csv}" if args.csv else "")
    )
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


def cmd_labels(args: argparse.Namespace) -> int:
    from gkml.labels import ENTITY_TYPES, TAGS, group

    if args.tags:
        print("\n".join(TAGS))
    else:
        for entity in ENTITY_TYPES:
            print(f"{group(entity)}\t{entity}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from gkml.config import load_config, parse_overrides

    cfg = load_config(args.config, parse_overrides(args.set or []))
    from gkml.train import train  # after the config is checked: importing the ML stack takes seconds

    report = train(cfg, resume=args.resume, progress=not args.quiet)
    ev = report["eval"]
    groups = "  ".join(f"{g} {ev.get('f1_' + g, 0):.3f}" for g in ("SEC", "T2", "T3", "T4", "FACT", "META"))
    print(f"entity F1 {ev.get('f1', 0):.3f} (P {ev.get('precision', 0):.3f} R {ev.get('recall', 0):.3f}); {groups}")
    print(f"model: {cfg.output_dir} (metrics.json, config.resolved.yaml)")
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
    p.add_argument("--engine", choices=["rules"], default="rules", help="labeller: rules = the rule baseline")
    p.add_argument("--max-mb", type=float, default=50, help="inputs larger than this get an error record (default 50)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_predict)

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
