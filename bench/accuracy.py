"""Accuracy of the engines (not a test): the seeds against their gold, and held-out synthetic
reports per layout against the generator's gold.

For each engine — rules, the model in fp32, the model with int8 quantisation, and the
hybrid (model + rule spans as fallback candidates) — prints:

- on the five seeds (``samples/`` vs ``tests/fixtures``) and the ten real fragments
  (``tests/fixtures/real``): cells right, documents exact, whether every identity verdict
  matches the gold's, and the narrative facts: F1, kinds right of the facts found;
- on N held-out synthetic reports per layout (a seed no training config uses), split by
  noise level (clean: no OCR/scrape noise fired; noisy: some did): cell accuracy, exact
  reports, and the share of reports whose failed identities (by id) are exactly those the
  gold breaks; then the cells each engine reads wrong, as counts; then the narrative facts per
  layout: precision, recall, F1, kinds right of the facts found, and recall on the facts that are
  items of an enumeration (:func:`gkml.numbers.in_enumeration`). Several corpus seeds pool their
  reports (``--seed 8,11,14``).

    .venv/bin/python bench/accuracy.py --n 20
    .venv/bin/python bench/accuracy.py --n 100 --seed 8,11,14 --engines rules,model
    .venv/bin/python bench/accuracy.py --n 50 --engines rules,model --model runs/other-model
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gkml.assemble.report import assemble  # noqa: E402
from gkml.engines import DEFAULT_MODEL, get_labeller, label_many  # noqa: E402
from gkml.evaluate import evaluate_files, values_equal  # noqa: E402
from gkml.evaluate_facts import FactTally, score_facts  # noqa: E402
from gkml.predict import expand_inputs, predict_paths  # noqa: E402
from gkml.write import write_jsonl  # noqa: E402

ENGINE_OF = {"rules": "rules", "model": "model", "model-int8": "model", "hybrid": "hybrid"}


def labeller_for(name: str, model: str, batch_size: int):
    engine = ENGINE_OF[name]
    if engine == "rules":
        return engine, get_labeller("rules")
    return engine, get_labeller(engine, model, batch_size=batch_size, quantize=name == "model-int8")


def seeds(name: str, labeller, inputs: str = "samples", gold: str = "tests/fixtures") -> str:
    engine = ENGINE_OF[name]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "seeds.jsonl"
        paths = expand_inputs([str(p) for p in sorted((ROOT / inputs).glob("*.txt"))])
        write_jsonl(predict_paths(paths, engine=engine, labeller=labeller), out)
        r = evaluate_files(out, ROOT / gold)
    ids = r["identities"]
    agree = f"{ids['docs_agreeing']}/{ids['n_docs']}"
    c, f = r["cells"], r["facts"]
    return (f"| {name} | {c['correct']}/{c['total']} ({100 * c['accuracy']:.1f}%) | "
            f"{r['exact_docs']['correct']}/{r['exact_docs']['total']} | {agree} | "
            f"{_f(f['precision'])} / {_f(f['recall'])} / {_f(f['f1'])} | {f['kinds']['correct']}/{f['kinds']['total']} |")  # fmt: skip


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def noise_level(record: dict) -> str:
    """"noisy" when any OCR/scrape noise kind fired in the report, else "clean"."""
    return "noisy" if record["noise"] else "clean"


def synthetic(labeller, records: list[dict], facts: dict[str, FactTally]) -> dict[tuple[str, str], list[int]]:
    """(layout, noise level) → [right cells, gold cells, exact reports, reports, identity verdicts right];
    the narrative facts are added up per layout into ``facts``."""
    acc: dict[str, list[int]] = {}
    spans_all = label_many(labeller, [r["text"] for r in records])
    for r, spans in zip(records, spans_all, strict=True):
        report = assemble(r["text"], spans)
        doc_facts = score_facts([vars(f) for f in report.facts], r["facts"], r["text"])
        facts.setdefault(r["layout"], FactTally()).add(doc_facts)
        facts.setdefault("all", FactTally()).add(doc_facts)
        right = sum(k in report.cells and values_equal(report.cells[k].value, v) for k, v in r["cells"].items())
        failed = sorted({c.id for c in report.checks if not c.ok and c.severity == "error"})
        a = acc.setdefault((r["layout"], noise_level(r)), [0, 0, 0, 0, 0])
        a[0] += right
        a[1] += len(r["cells"])
        a[2] += right == len(r["cells"])
        a[3] += 1
        a[4] += failed == sorted(r["broken"])
    return acc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20, help="synthetic reports per layout (default 20)")
    ap.add_argument("--seed", default="5", help="corpus seed(s), comma-separated (default 5: not a training seed)")
    ap.add_argument("--model", default=str(ROOT / DEFAULT_MODEL))
    ap.add_argument("--engines", default="rules,model,model-int8,hybrid", help="rules, model, model-int8, hybrid")
    ap.add_argument("--batch-size", type=int, default=16)
    args = ap.parse_args(argv)

    from gkml.training.synth import ALL_LAYOUTS, load_config, make_report

    config = load_config(None)
    corpus_seeds = [int(s) for s in args.seed.split(",")]
    records = [make_report(i, s, config, layout) for s in corpus_seeds for layout in ALL_LAYOUTS for i in range(args.n)]
    engines = args.engines.split(",")
    labellers = {name: labeller_for(name, args.model, args.batch_size)[1] for name in engines}

    header = ("| engine | cells right | documents exact | identity verdicts agree | facts P / R / F1 | fact kinds right |\n"
              "|---|---:|---:|---:|---:|---:|")  # fmt: skip
    print("Seeds (samples/ against tests/fixtures)\n")
    print(header)
    for name in engines:
        print(seeds(name, labellers[name]))
    print("\nReal fragments (tests/fixtures/real)\n")
    print(header)
    for name in engines:
        print(seeds(name, labellers[name], "tests/fixtures/real", "tests/fixtures/real"))

    print(f"\nHeld-out synthetic reports, {args.n} per layout and seed (seed {args.seed}): cell accuracy / exact reports / "
          "failed identities exactly the gold's\n")  # fmt: skip
    facts: dict[str, dict[str, FactTally]] = {name: {} for name in engines}
    scores = {name: synthetic(labellers[name], records, facts[name]) for name in engines}
    print("| layout | noise | " + " | ".join(engines) + " |\n|---|---|" + "---:|" * len(engines))
    groups = [(layout, level) for layout in ALL_LAYOUTS for level in ("clean", "noisy", "all")]
    for layout, level in [*groups, ("all", "all")]:
        row = []
        for name in engines:
            parts = [a for (lay, lev), a in scores[name].items() if layout in (lay, "all") and level in (lev, "all")]
            if not parts:
                break
            a = [sum(col) for col in zip(*parts, strict=True)]
            acc = f"{100 * a[0] / a[1]:.1f}%" if a[1] else "n/a"
            row.append(f"{acc} / {a[2]}/{a[3]} / {a[4]}/{a[3]}")
        if row:
            print(f"| {layout} | {level} | " + " | ".join(row) + " |")

    print("\nCells read wrong\n")
    print("| layout | noise | cells | " + " | ".join(engines) + " |\n|---|---|---:|" + "---:|" * len(engines))
    for layout, level in sorted(scores[engines[0]], key=lambda k: (ALL_LAYOUTS.index(k[0]), k[1])):
        right = [scores[name][layout, level][0] for name in engines]
        cells = scores[engines[0]][layout, level][1]
        if cells:
            print(f"| {layout} | {level} | {cells:,} | " + " | ".join(f"{cells - r:,}" for r in right) + " |")

    print("\nNarrative facts per layout: P / R / F1 / kinds right of the facts found / recall on enumeration items\n")
    print("| layout | gold facts | " + " | ".join(engines) + " |\n|---|---:|" + "---:|" * len(engines))
    for layout in [*ALL_LAYOUTS, "all"]:
        if layout not in facts[engines[0]]:
            continue
        first = facts[engines[0]][layout]
        row = []
        for name in engines:
            s = facts[name][layout].summary()
            k, e = s["kinds"], s["enumerations"]
            row.append(f"{_f(s['precision'])} / {_f(s['recall'])} / {_f(s['f1'])} / {_f(k['accuracy'])} / "
                       f"{_f(e['accuracy'])} ({e['total']})")  # fmt: skip
        print(f"| {layout} | {first.tp + first.fn:,} | " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
