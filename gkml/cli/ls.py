"""``gkml ls …``: the annotation loop with Label Studio (gkml.annotate) and the ML backend."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from gkml.engines import ENGINES

log = logging.getLogger(__name__)


def cmd_ls_config(args: argparse.Namespace) -> int:
    from gkml.annotate.config import label_config

    config = label_config()
    if args.output:
        Path(args.output).write_text(config, encoding="utf-8")
        print(f"labelling config: {args.output}")
    else:
        sys.stdout.write(config)
    return 0


def cmd_ls_tasks(args: argparse.Namespace) -> int:
    from gkml.annotate.tasks import tasks_from_paths

    tasks, errors = tasks_from_paths(args.paths, engine=args.engine, model=args.model, predictions=not args.no_predictions)
    for e in errors:
        log.warning("gkml ls tasks: skipped %s", e)
    if not tasks:
        raise ValueError("no readable input: nothing to write")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    regions = sum(len(p["result"]) for t in tasks for p in t.get("predictions", []))
    print(f"{len(tasks)} tasks, {regions} pre-annotated regions, {len(errors)} unreadable inputs: {out}")
    return 0


def cmd_ls_push(args: argparse.Namespace) -> int:
    from gkml.annotate.client import connect, push
    from gkml.annotate.export import read_export

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
    from gkml.annotate.client import connect, pull, write_export

    tasks = pull(connect(args.url, args.api_key), title=args.project, all_tasks=args.all)
    n = write_export(tasks, Path(args.output))
    print(f"{len(tasks)} tasks, {n} with a completed annotation: {args.output}")
    return 0


def cmd_ls_convert(args: argparse.Namespace) -> int:
    from gkml.training.annotations import convert

    s = convert(args.paths, args.output)
    print(
        f"{s.files} export files, {s.tasks} tasks: {s.records} annotated reports, {s.spans} spans "
        f"({s.empty_tasks} tasks without a completed annotation) → {s.out}/dataset, {s.out}/reports.jsonl"
    )
    return 0


def cmd_ls_serve(args: argparse.Namespace) -> int:
    from gkml.annotate.backend import make_server

    server = make_server(
        args.host, args.port, engine=args.engine, model=args.model, quiet=args.quiet,
        auth=False if args.no_auth else None, threads=args.threads,
        max_body=int(args.max_body_mb * 1024 * 1024), task_timeout=args.task_timeout, workers=args.workers,
    )  # fmt: skip
    user = server.app.credentials[0] if server.app.credentials else None
    auth = (f"Basic Authentication, user {user!r} and the password in $GKML_BACKEND_PASSWORD" if user
            else "No Authentication")  # fmt: skip
    print(f"gkml ML backend ({server.version}) on {server.url} — in Label Studio: Settings → Model → Connect Model, "
          f"URL {server.url}, {auth}. Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _server_options(q: argparse.ArgumentParser) -> None:
    q.add_argument("--url", help="Label Studio URL (default: $LABEL_STUDIO_URL)")
    q.add_argument("--api-key", help="API token (default: $LABEL_STUDIO_API_KEY; prefer the variable: "
                   "options show in the process list)")  # fmt: skip
    q.add_argument("--project", default="gkml annual reports", help="project title (default: %(default)r)")


def register(sub, common: argparse.ArgumentParser) -> None:
    ls = sub.add_parser(
        "ls",
        help="annotate with Label Studio: labelling config, tasks, push/pull, convert, ML backend",
        description="The annotation loop: `config` prints the labelling config, `tasks` makes import JSON with "
        "pre-annotations, `push`/`pull` talk to a server (URL and key from --url/--api-key or LABEL_STUDIO_URL/"
        "LABEL_STUDIO_API_KEY), `convert` turns exports into training data, `serve` is an ML backend.",
    )
    ls_sub = ls.add_subparsers(dest="ls_command", required=True, metavar="LS_COMMAND")
    engines = ", ".join(ENGINES)

    p = ls_sub.add_parser("config", parents=[common], help="print the labelling config generated from the label catalogue")
    p.add_argument("-o", "--output", help="write it to this file instead")
    p.set_defaults(func=cmd_ls_config)

    p = ls_sub.add_parser(
        "tasks",
        parents=[common],
        help="reports → Label Studio import JSON with pre-annotations",
        description="One task per report: the normalised text (data.text; offsets are characters of it), doc_id and "
        "source, and a prediction from the rule baseline or a trained model (model_version, score, regions).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="report files, directories or glob patterns")
    p.add_argument("-o", "--output", required=True, help="JSON file to write (Label Studio import format)")
    p.add_argument("--engine", default="rules", choices=list(ENGINES),
                   help=f"labeller for the pre-annotations ({engines}; default rules)")  # fmt: skip
    p.add_argument("--model", metavar="DIR", help="pre-annotate with this trained model directory")
    p.add_argument("--no-predictions", action="store_true", help="text only, no pre-annotations")
    p.set_defaults(func=cmd_ls_tasks)

    p = ls_sub.add_parser("push", parents=[common], help="create/find the project (generated config) and import tasks")
    p.add_argument("tasks", nargs="+", metavar="TASKS.json", help="files written by `gkml ls tasks`")
    _server_options(p)
    p.set_defaults(func=cmd_ls_push)

    p = ls_sub.add_parser("pull", parents=[common], help="export the project's annotated tasks (Label Studio JSON)")
    p.add_argument("-o", "--output", required=True, help="JSON file to write, e.g. annotations/batch1.json")
    p.add_argument("--all", action="store_true", help="every task, also those without annotations")
    _server_options(p)
    p.set_defaults(func=cmd_ls_pull)

    p = ls_sub.add_parser(
        "convert",
        parents=[common],
        help="Label Studio exports → training data (datasets + JSONL, character spans)",
        description="Check every region (one known label, inside the text, its text equal to the task text at its "
        "offsets, no overlaps) and write OUT/reports.jsonl and OUT/dataset (id, text, spans, IOB2 tags).",
    )
    p.add_argument("paths", nargs="+", metavar="EXPORT", help="Label Studio JSON exports (files or folders)")
    p.add_argument("-o", "--output", required=True, help="output directory")
    p.set_defaults(func=cmd_ls_convert)

    p = ls_sub.add_parser(
        "serve",
        parents=[common],
        help="ML backend: Label Studio gets gkml's predictions for every task it opens",
        description="Serve the Label Studio ML backend API (/health, /setup, /predict) with a trained model or the "
        "rule baseline. Start Label Studio with ML_BLOCK_LOCAL_IP=false to connect to a backend on this machine. "
        "With GKML_BACKEND_USER and GKML_BACKEND_PASSWORD set (required when --host is not a loopback address) every "
        "request must carry them: in Label Studio's Connect Model dialog choose Basic Authentication, same user and "
        "password. Labelling runs in child processes: /health answers while a long task is labelled.",
    )
    p.add_argument("--model", metavar="DIR", help="trained model directory (default: --engine)")
    p.add_argument("--engine", default="rules", choices=list(ENGINES), help=f"labeller ({engines}; default rules)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=9090, help="port (default: %(default)s)")
    p.add_argument("--no-auth", action="store_true",
                   help="serve beyond 127.0.0.1 without basic auth (only behind a proxy that authenticates); "
                   "otherwise GKML_BACKEND_USER and GKML_BACKEND_PASSWORD are required there, and used when set")
    p.add_argument("--max-body-mb", type=float, default=64,
                   help="largest request body in MB, a /predict of all selected tasks (default: %(default)g; 413 beyond)")
    p.add_argument("--task-timeout", type=float, default=90, metavar="SECONDS",
                   help="stop labelling one task after this long and answer it as an error (default: %(default)g; "
                   "Label Studio waits 100 s for a /predict)")
    p.add_argument("--workers", type=int, default=2,
                   help="labeller processes: with two, a short task is answered while a long one is labelled; "
                   "each holds its own model (default: %(default)s)")
    p.add_argument("--threads", type=int, default=6,
                   help="HTTP worker threads; /predict may hold all but two, so /health always answers (default: %(default)s)")
    p.set_defaults(func=cmd_ls_serve)
