"""Throughput of `gkml predict` end to end on real-length reports (a benchmark, not a test).

The corpus: the bundled samples (2.8-5.2k characters) and synthetic reports (every layout,
`gkml synth`'s generator) lengthened to 6-10k characters, the length of real annual reports,
by inserting whole prose paragraphs of other synthetic reports into their narrative sections
(never by gluing two reports: each keeps one set of tables). Written as .txt files.

Each configuration runs as its own `gkml predict DIR -o OUT -q ...` command in a fresh process,
so its wall time includes start-up and its peak RSS is its own (the sum over the command and
its worker processes, sampled every 20 ms). Printed per configuration: reports/s, characters/s,
wall and CPU seconds, peak RSS, how many reports' cells differ from the torch backend's, and
its time relative to the rule engine's. Then the start-up: one report end to end.

    .venv/bin/python bench/throughput.py                 # 300 reports: rules, torch, ONNX fp32/int8 x workers 1/2
    .venv/bin/python bench/throughput.py --n 60 --configs rules,onnx-w2

The int8 graph is exported on the fly into a temporary copy of the model directory when the
model does not ship one. The machine's load average is printed. On a shared (virtual) machine
the same command varies by 10-15% from run to run: ``--repeats 3`` runs every configuration
three times, in turn, and prints the median run with the range of the rates.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

from measure import run_measured  # bench/measure.py, beside this script

from gkml.engines import DEFAULT_ENGINE, DEFAULT_MODEL

ROOT = Path(__file__).resolve().parents[1]
_SCRIPT = Path(sys.executable).parent / "gkml"
GKML = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "gkml"]  # the installed command
# name -> (engine, extra arguments of gkml predict)
CONFIGS = {
    "rules": ("rules", ["--workers", "1"]),
    "torch": ("model", ["--backend", "torch", "--workers", "1"]),
    "onnx-w1": ("model", ["--backend", "onnx", "--workers", "1"]),
    "onnx-w2": ("model", ["--backend", "onnx", "--workers", "2"]),
    "onnx-int8-w1": ("model", ["--backend", "onnx", "--quantize", "--workers", "1"]),
    "onnx-int8-w2": ("model", ["--backend", "onnx", "--quantize", "--workers", "2"]),
    "default": (DEFAULT_ENGINE, []),  # what `gkml predict` does when told nothing
}
LABELS = {
    "rules": "rules",
    "torch": "model, torch (fp32, 1 process x 2 threads)",
    "onnx-w1": "model, ONNX fp32, 1 process x 2 threads",
    "onnx-w2": "model, ONNX fp32, 2 workers x 1 thread",
    "onnx-int8-w1": "model, ONNX int8, 1 process x 2 threads",
    "onnx-int8-w2": "model, ONNX int8, 2 workers x 1 thread",
    "default": f"`gkml predict` default ({DEFAULT_ENGINE})",
}
_HEADING = re.compile(r"^[一二三四五六七八九十]、", re.M)


def _prose_bank(seed: int, config: dict) -> list[str]:
    """Whole prose paragraphs of 40 synthetic reports: long lines without table bars or
    headings, few digits (so the tables of the report they join keep their meaning)."""
    from gkml.training.synth import make_report

    bank = []
    for i in range(40):
        for line in make_report(10_000 + i, seed, config)["text"].splitlines():
            digits = sum(c.isdigit() for c in line)
            if len(line) >= 80 and "|" not in line and not _HEADING.match(line) and digits <= len(line) // 20:
                bank.append(line)
    return bank


def long_reports(n: int, seed: int = 11, low: int = 6000, high: int = 10000) -> list[str]:
    """``n`` synthetic reports of ``low``-``high`` characters (see the module docstring)."""
    from gkml.training.synth import load_config, make_report

    config = load_config(None)
    bank = _prose_bank(seed, config)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = make_report(i, seed, config)["text"]
        target = rng.randint(low, high)
        heads = [m.start() for m in _HEADING.finditer(text)]
        # after the paragraph under the first heading (总体情况), else after the title line
        at = text.find("\n", text.find("\n", heads[0]) + 1) + 1 if heads else text.find("\n") + 1
        extra = []
        while len(text) + sum(len(p) + 1 for p in extra) < target:
            extra.append(rng.choice(bank))
        out.append(text[:at] + "".join(p + "\n" for p in extra) + text[at:])
    return out


def write_corpus(folder: Path, n: int, seed: int) -> list[Path]:
    """The samples plus ``n`` - 5 long synthetic reports, as .txt files in ``folder``."""
    samples = sorted((ROOT / "samples").glob("*.txt"))
    paths = []
    for p in samples:
        paths.append(folder / p.name)
        shutil.copy(p, paths[-1])
    for i, text in enumerate(long_reports(max(0, n - len(samples)), seed)):
        paths.append(folder / f"long_{i:04d}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    return paths


def int8_model(model: Path, tmp: Path) -> Path:
    """A model directory with ``model.int8.onnx``: the model's own, or a temporary copy with one."""
    if (model / "model.int8.onnx").is_file():
        return model
    from gkml.model.export import quantize_onnx

    copy = tmp / "model-int8"
    shutil.copytree(model, copy)
    quantize_onnx(copy)
    return copy


def run(cmd: list[str]) -> dict:
    """Run one command; wall, CPU seconds (it and its workers) and peak RSS of its process tree."""
    load0 = os.getloadavg()[0]
    m = run_measured(cmd, ROOT)
    if m.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({m.returncode}):\n{m.stderr[-2000:]}")
    return {"wall": m.wall, "cpu": m.cpu, "rss_mb": m.peak_mb, "load": (load0 + os.getloadavg()[0]) / 2, "stdout": m.stdout}


def cells_of(path: Path) -> dict[str, dict]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out[r["source"]] = {k: (c["value"], c["raw"], c["start"], c["end"], c["inferred"]) for k, c in r["cells"].items()}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="reports: the 5 samples and N-5 long synthetic ones (default 300)")
    ap.add_argument("--seed", type=int, default=11, help="synthetic corpus seed (default 11: not a training seed)")
    ap.add_argument("--model", default=str(ROOT / DEFAULT_MODEL), help="model directory")
    ap.add_argument("--configs", default="rules,torch,onnx-w1,onnx-w2,onnx-int8-w1,onnx-int8-w2",
                    help=f"comma-separated, in order: {', '.join(CONFIGS)}")  # fmt: skip
    ap.add_argument("--keep", metavar="DIR", help="write the corpus and outputs here (default: a temporary folder)")
    ap.add_argument("--repeats", type=int, default=1, help="runs of each configuration, in turn; the median is printed")
    args = ap.parse_args(argv)
    names = args.configs.split(",")
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        raise SystemExit(f"unknown configurations: {unknown} (known: {', '.join(CONFIGS)})")

    with tempfile.TemporaryDirectory(prefix="gkml-bench-") as tmp_name:
        tmp = Path(args.keep) if args.keep else Path(tmp_name)
        corpus = tmp / "corpus"
        corpus.mkdir(parents=True, exist_ok=True)
        paths = write_corpus(corpus, args.n, args.seed)
        lengths = [len(p.read_text(encoding="utf-8")) for p in paths]
        chars = sum(lengths)
        print(f"{len(paths)} reports ({len(paths) - 5} long synthetic, seed {args.seed}, + the 5 samples): "
              f"{chars:,} characters, {min(lengths):,}-{max(lengths):,} each, mean {chars // len(paths):,}; "
              f"{os.cpu_count()} cores", file=sys.stderr)  # fmt: skip
        model = Path(args.model)
        int8 = int8_model(model, tmp) if any("int8" in n for n in names) else model
        runs: dict[str, list[dict]] = {name: [] for name in names}
        for _ in range(max(1, args.repeats)):
            for name in names:
                engine, extra = CONFIGS[name]
                out = tmp / f"{name}.jsonl"
                cmd = [*GKML, "predict", str(corpus), "-o", str(out), "-q", "--engine", engine, *extra]
                if engine != "rules":
                    cmd += ["--model", str(int8 if "int8" in name else model)]
                r = run(cmd)
                r["cells"] = cells_of(out)
                runs[name].append(r)
                print(f"  {name}: {len(paths) / r['wall']:.2f} reports/s, {r['rss_mb']:.0f} MB", file=sys.stderr)
        results = {}
        for name, rs in runs.items():  # the median run by wall time, with the range of the rates
            median = sorted(rs, key=lambda r: r["wall"])[len(rs) // 2]
            median["range"] = (len(paths) / max(r["wall"] for r in rs), len(paths) / min(r["wall"] for r in rs))
            results[name] = median
        # start-up: one report, end to end
        one = str(ROOT / "samples" / "003_dd629de2baaa1d45.txt")
        startup = {
            label: min(run([*GKML, "predict", one, "-o", str(tmp / "one.jsonl"), "-q", "--model", str(model), *extra])["wall"]
                       for _ in range(3))
            for label, extra in (("default (ONNX)", []), ("torch", ["--backend", "torch"]))
        }  # fmt: skip

    ref = results.get("torch", {}).get("cells")
    rules_rate = len(paths) / results["rules"]["wall"] if "rules" in results else None
    runs_note = f", the median of {args.repeats} runs (range: the slowest and fastest)" if args.repeats > 1 else ""
    print(f"\n{len(paths)} reports, {chars:,} characters (mean {chars // len(paths):,}); "
          f"{os.cpu_count()} cores; each row one `gkml predict` command, start-up included{runs_note}\n")  # fmt: skip
    print("| configuration | reports/s | range | characters/s | wall s | CPU s | peak RSS MB | reports whose cells differ from torch | time vs rules | load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    from gkml.parallel import default_workers

    default = f"onnx-w{default_workers(len(paths))}" if DEFAULT_ENGINE == "model" else None
    for name, r in results.items():
        rate = len(paths) / r["wall"]
        label = LABELS[name] + (" (= the default here)" if name == default else "")
        differ = "-" if ref is None or name == "torch" or CONFIGS[name][0] != "model" else str(sum(r["cells"][k] != v for k, v in ref.items()))
        ratio = f"{rules_rate / rate:.1f}x" if rules_rate else "-"
        low, high = r["range"]
        print(f"| {label} | {rate:.2f} | {low:.2f}-{high:.2f} | {chars / r['wall']:,.0f} | {r['wall']:.1f} | {r['cpu']:.1f} | "
              f"{r['rss_mb']:.0f} | {differ} | {ratio} | {r['load']:.1f} |")  # fmt: skip
    print("\nOne report (samples/003, 5,204 characters) end to end, best of 3: "
          + ", ".join(f"{k} {v:.2f} s" for k, v in startup.items()))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
