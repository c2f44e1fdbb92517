"""The hostile batch of issue 19, end to end (a check anyone can rerun, not a test).

Builds in a temporary folder what a new user might point gkml at (``tests/hostile_support.py``:
the five sample reports, one under a subfolder; a file name that is not UTF-8; a FIFO; a link
to /dev/zero; a symlink loop; a dangling link; a socket; a link back up the tree; a 5 MB single
line; 3,000 nested tables; a password-protected PDF; a 144-megapixel PNG; a report cut in the
middle of its last character; an empty file; README.md, .DS_Store and a gold file), names
/dev/zero, README.md and a missing path beside the folder, and runs

    gkml predict <folder> /dev/zero <folder>/README.md missing.txt -o out.jsonl --list-skipped

with the default engine, then the same command with ``--resume``. Prints per case what gkml
did, the wall time and the peak RSS of the command's process tree (sampled every 20 ms), and
checks the contract: exactly one record per input, the skipped files counted, nothing left for
``--resume``.

    .venv/bin/python scripts/hostile_batch.py                 # default engine
    .venv/bin/python scripts/hostile_batch.py --engine rules --line-mb 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from hostile_support import build_batch  # noqa: E402
from measure import run_measured  # noqa: E402

_SCRIPT = Path(sys.executable).parent / "gkml"
GKML = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "gkml.cli"]


def run(cmd: list[str], cwd: Path) -> tuple[float, float, int, str, str, float]:
    """Wall seconds, peak RSS (MB) of the process tree, exit code, stdout, stderr, and CPU
    seconds of the tree (what a shared machine's load does not inflate much)."""
    m = run_measured(cmd, cwd)
    return m.wall, m.peak_mb, m.returncode, m.stdout, m.stderr, m.cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", default=None, help="gkml predict --engine (default: gkml's default)")
    ap.add_argument("--line-mb", type=float, default=5.0, help="size of the single-line text (default 5)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print where it is")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="gkml-hostile-"))
    try:
        named, cases = build_batch(tmp, ROOT / "samples", args.line_mb)
        out = tmp / "out.jsonl"
        cmd = [*GKML, "predict", *named, "-o", str(out), "-q", "--list-skipped"]
        cmd += ["--engine", args.engine] if args.engine else []
        load = os.getloadavg()[0]
        wall, rss, code, stdout, stderr, cpu = run(cmd, tmp)
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        by_source = {r["source"]: r for r in records}
        print(f"$ gkml predict {' '.join(os.path.relpath(p, tmp) if p.startswith(str(tmp)) else p for p in named)} "
              f"-o out.jsonl -q --list-skipped{' --engine ' + args.engine if args.engine else ''}")  # fmt: skip
        print(stdout.rstrip().replace(str(tmp) + "/", ""))
        if stderr.strip():
            print("stderr:", stderr.strip()[-2000:])
        print()
        print("| case | status | what gkml says |")
        print("|---|---|---|")
        for source, what in cases.items():
            r = by_source.get(source)
            if r is None:
                print(f"| {what} | **no record** | |")
                continue
            said = r["error"] or (f"{len(r['cells'])} cells, template {r['template']}"
                                  + (f"; warning: {'; '.join(r['warnings'])}" if r.get("warnings") else ""))  # fmt: skip
            print(f"| {what} | {r['status']} | {said.replace(str(tmp) + '/', '')[:170]} |")
        skipped = [line.split("\t") for line in stdout.splitlines() if line.startswith("skipped\t")]
        for _, path, why in skipped:
            print(f"| {os.path.relpath(path, tmp)} (in the folder) | skipped | {why} |")
        resume = run([*cmd, "--resume"], tmp)
        print()
        print(f"exit code {code}; {len(records)} records for {len(cases)} inputs "
              f"({len(set(by_source))} distinct sources), {len(skipped)} skipped; "
              f"wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {rss:.0f} MB (process tree); load average {load:.1f} at "
              "the start")  # fmt: skip
        print(f"--resume: {resume[3].splitlines()[0].replace(str(tmp) + '/', '') if resume[3] else resume[4][-300:]}")
        ok = (code == 0 and len(records) == len(cases) and set(by_source) == set(cases) and len(skipped) == 4
              and resume[2] == 0 and f"{len(cases)} already in the output, 0 read now" in resume[3])  # fmt: skip
        print("contract:", "holds" if ok else "BROKEN")
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
