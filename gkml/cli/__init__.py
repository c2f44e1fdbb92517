"""The ``gkml`` command: one module per command group, each registering its sub-commands.

- :mod:`gkml.cli.predict` — ``predict`` (batch inference);
- :mod:`gkml.cli.inspect` — ``audit``, ``eval``, ``schema``, ``labels``;
- :mod:`gkml.cli.train` — ``synth``, ``train``;
- :mod:`gkml.cli.export` — ``export`` (a trained model as ONNX);
- :mod:`gkml.cli.ls` — ``ls …``, the annotation loop with Label Studio.

Exit codes scripts can trust: 0 when the command ran (a batch with unreadable inputs still
ran: each has its error record), 1 when it could not run (bad arguments, unwritable output,
missing gold), 2 for usage errors (argparse), 130 when interrupted, 141 when the reader of
stdout went away (``gkml labels | head``: quietly). Results go to stdout,
messages to stderr through :mod:`logging` (``-v`` for more, ``-q`` for warnings only).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from gkml import __version__
from gkml.cli import export, inspect, ls, predict, train

DESCRIPTION = """\
gkml reads Chinese Open Government Information annual reports (政府信息公开工作年度报告)
into checked, structured data: the three standard tables cell by cell, the six sections,
the narrative counts and the metadata, with every accounting identity checked.

  gkml predict samples/ -o out.jsonl --csv wide.csv   # batch inference, one JSON line per input
  gkml audit out.jsonl --html audit.html               # what a supervising office reads
  gkml eval --pred out.jsonl --gold tests/fixtures     # cell accuracy against gold files
  gkml schema                                          # JSON Schema of one output line
"""

log = logging.getLogger("gkml")


def verbosity() -> argparse.ArgumentParser:
    """The options every command takes: ``-q`` (no progress bar, warnings only) and ``-v``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bar; only warnings and errors")
    common.add_argument("-v", "--verbose", action="store_true", help="more messages (debug)")
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gkml", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"gkml {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = verbosity()
    for group in (predict, inspect, train, export, ls):
        group.register(sub, common)
    return parser


class _Formatter(logging.Formatter):
    """Plain text for information, the level named for anything worse."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        return message if record.levelno <= logging.INFO else f"{record.levelname.lower()}: {message}"


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (a notebook, a test's capture)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _) -> None:
        pass


def setup_logging(quiet: bool = False, verbose: bool = False) -> None:
    handler = _Stderr()
    handler.setFormatter(_Formatter())
    root = logging.getLogger("gkml")
    root.handlers[:] = [handler]
    root.propagate = False
    root.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(getattr(args, "quiet", False), getattr(args, "verbose", False))
    try:
        return args.func(args)
    except BrokenPipeError:  # `gkml labels | head`: the reader has all it wants, nothing to say
        _quiet_stdout()
        return 141
    except (OSError, ValueError) as e:
        log.error("gkml %s: %s", args.command, e)
        return 1
    except KeyboardInterrupt:
        log.error("gkml %s: interrupted", args.command)
        return 130


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (a notebook, a test's capture): nothing to flush
        pass


if __name__ == "__main__":
    sys.exit(main())
