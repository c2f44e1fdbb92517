"""``gkml audit``, ``gkml eval``, ``gkml schema``, ``gkml labels``: reading results and catalogues."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from gkml.audit_html import MAX_CROPS
from gkml.schema import LOW_CONFIDENCE


def cmd_audit(args: argparse.Namespace) -> int:
    from gkml.audit import audit, format_audit
    from gkml.audit_html import write_html

    result = audit(Path(args.input), threshold=args.threshold)
    print(format_audit(result))
    if args.html:
        write_html(result, Path(args.html), bases=[Path(args.input).parent], max_crops=args.max_crops,
                   crops_on=not args.no_crops)  # fmt: skip
        print(f"HTML: {args.html}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from gkml.evaluate import evaluate_files, format_report

    result = evaluate_files(Path(args.pred), Path(args.gold))
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else format_report(result))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from gkml.schema import json_schema

    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
    return 0


def cmd_labels(args: argparse.Namespace) -> int:
    from gkml.labels import ENTITY_TYPES, TAGS, group

    print("\n".join(TAGS) if args.tags else "\n".join(f"{group(e)}\t{e}" for e in ENTITY_TYPES))
    return 0


def register(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "audit",
        parents=[common],
        help="per-report audit of a predict output: template, missing sections, failed identities, X-YEAR",
        description="What a supervising office reads: per report the template, missing sections, failed "
        "identities with their deltas and verdicts (extraction doubt, or inconsistent as printed), inferred "
        "cells and low-confidence cells, plus totals; X-YEAR checks "
        "between reports of the same organ in consecutive years. Printed, and written as HTML with --html.",
    )
    p.add_argument("input", metavar="OUT.jsonl", help="JSON Lines written by gkml predict")
    p.add_argument("--html", help="also write the audit as one self-contained HTML page: for a PDF or an image, "
                   "each failed identity and each inferred or low-confidence cell with the crop of the page around "
                   "its cells and the value read drawn on it (drawn from the input files, which must still be there)")
    p.add_argument("--threshold", type=float, default=LOW_CONFIDENCE,
                   help="cells read with a score below this are listed as low-confidence (default %(default)s, "
                   "the score below which a failed identity is extraction doubt)")
    p.add_argument("--max-crops", type=int, default=MAX_CROPS,
                   help="with --html: at most this many pictures (default %(default)s); the rest are listed without one")
    p.add_argument("--no-crops", action="store_true", help="with --html: no pictures (a small page for a big batch)")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "eval",
        parents=[common],
        help="score predictions against gold files",
        description="Cell accuracy (overall, non-zero, per table, per layout), whole-document exact rate, "
        "identity-failure detection and fact precision/recall, against NAME.gold.json files.",
    )
    p.add_argument("--pred", required=True, help="JSON Lines written by gkml predict")
    p.add_argument("--gold", required=True, help="directory of NAME.gold.json files")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("schema", parents=[common], help="print the JSON Schema of one output line")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("labels", parents=[common], help="print the model's label catalogue (entity types or BIO tags)")
    p.add_argument("--tags", action="store_true", help="print the BIO tag list instead")
    p.set_defaults(func=cmd_labels)
