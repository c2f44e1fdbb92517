"""Cell accuracy and narrative facts per training chain (not a test): each engine on what each
extractor prints.

Synthetic reports of a seed no training config uses are typeset as real documents (DOCX/HTML →
PDF by LibreOffice) and read back by every chain (gkml.training.chains); each engine then reads
each chain's text and is scored against the cells that chain kept (a cell whose characters the
extractor lost is not in that chain's gold; the table says how many), and against its facts.
OCR is read from a committed held-out corpus (``--ocr``, seed 41 like the others), built once
because it costs ~5 s a page; the training OCR corpus (seed 31) is never scored, and a second
held-out draw (``--ocr corpora/chains-ocr-dev.jsonl.gz``, seed 51) is the one to look for errors
in. pdfminer.six orders some text boxes differently from run to run, so the pdfminer-text
figures move by a point or two with nothing changed. Beside each engine's cells, the cells it got
wrong without flagging them (`gkml.evaluate.flagged`): the errors a user does not see.

    .venv/bin/python bench/chains.py --n 10 --seed 41
    .venv/bin/python bench/chains.py --n 10 --engines rules,model --model runs/loco-pdfminer-text --chains pdfminer-text

Leave-one-chain-out (a model trained without chain X, scored on X) is this command with
``--model`` a model trained by ``configs/small-loco-<chain>.yaml``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gkml.assemble.report import assemble  # noqa: E402
from gkml.engines import DEFAULT_MODEL, get_labeller, label_many  # noqa: E402
from gkml.evaluate import flagged, values_equal  # noqa: E402
from gkml.evaluate_facts import FactTally, score_facts  # noqa: E402


def score(labeller, records: list[dict]) -> tuple[tuple[int, int, int, int, int], FactTally]:
    """(cells right, gold cells, reports exact, reports with table cells, cells wrong and not
    flagged), and the narrative facts. A wrong cell not flagged (`gkml.evaluate.flagged`: not
    inferred, scored at least LOW_CONFIDENCE) is one a user takes for read."""
    records = [r for r in records if r.get("status", "ok") == "ok"]
    right = total = exact = with_cells = silent = 0
    facts = FactTally()
    for r, spans in zip(records, label_many(labeller, [r["text"] for r in records]), strict=True):
        report = assemble(r["text"], spans)
        facts.add(score_facts([vars(f) for f in report.facts], r["facts"], r["text"]))
        if not r["cells"]:
            continue
        ok = sum(k in report.cells and values_equal(report.cells[k].value, v) for k, v in r["cells"].items())
        silent += sum(not values_equal(c.value, v) and not flagged(c)
                      for k, v in r["cells"].items() if (c := report.cells.get(k)) is not None)  # fmt: skip
        right += ok
        total += len(r["cells"])
        exact += ok == len(r["cells"])
        with_cells += 1
    return (right, total, exact, with_cells, silent), facts


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10, help="reports per template (2021 and 2019; default 10)")
    ap.add_argument("--seed", type=int, default=41, help="corpus seed (default 41: no config trains on it)")
    ap.add_argument("--chains", default=None, help="chains to build (default: every chain but OCR)")
    ap.add_argument("--ocr", default=str(ROOT / "corpora" / "chains-ocr-eval.jsonl.gz"),
                    help="the held-out OCR corpus ('' for none)")
    ap.add_argument("--engines", default="rules,model")
    ap.add_argument("--model", default=str(ROOT / DEFAULT_MODEL))
    ap.add_argument("--batch-size", type=int, default=16)
    args = ap.parse_args(argv)

    from gkml.training.chains import corpus as C
    from gkml.training.chains import extract as X
    from gkml.training.synth.config import load_config

    chains = args.chains.split(",") if args.chains else list(X.FAST)
    t0 = time.perf_counter()
    corpus: dict[str, list[dict]] = {c: [] for c in chains if c != "ocr-text"}
    for k, template in enumerate(("2021", "2019")):
        config = load_config(None, {"templates": {"2021": float(template == "2021"), "2019": float(template == "2019"),
                                                  "none": 0.0}})  # fmt: skip
        for chain, records in C.build(args.n, args.seed, config, list(corpus), start=k * args.n).items():
            corpus[chain] += records
    built = time.perf_counter() - t0
    if args.ocr and (not args.chains or "ocr-text" in chains):
        corpus["ocr-text"] = [r for r in C.read_gz(Path(args.ocr)) if r["chain"] == "ocr-text"]
    engines = args.engines.split(",")
    labellers = {e: get_labeller(e) if e == "rules" else get_labeller(e, args.model, batch_size=args.batch_size)
                 for e in engines}  # fmt: skip

    print(f"Chains: {args.n} reports per template (2021, 2019), seed {args.seed}, built in {built:.0f} s"
          + (f"; ocr-text from {args.ocr}" if "ocr-text" in corpus else ""))  # fmt: skip
    print("\n| chain | reports | gold cells | lost by the extractor | "
          + " | ".join(f"{e} cells | {e} exact | {e} wrong, not flagged" for e in engines) + " |")  # fmt: skip
    print("|---|---:|---:|---|" + "---:|---:|---:|" * len(engines))
    totals = {e: [0, 0, 0, 0, 0] for e in engines}
    facts: dict[str, dict[str, FactTally]] = {e: {} for e in engines}
    for chain, records in corpus.items():
        s = C.summary(records)
        lost = ", ".join(f"{v} {k}" for k, v in sorted(s["lost"].items()) if "cells" in k) or "-"
        row = []
        for e in engines:
            tally, facts[e][chain] = score(labellers[e], records)
            totals[e] = [a + b for a, b in zip(totals[e], tally, strict=True)]
            right, total, exact, n, silent = tally
            row.append(f"{100 * right / max(total, 1):.1f}% ({right}/{total}) | {exact}/{n} | {silent}")
        errors = f" ({s['errors']} errors)" if s["errors"] else ""
        print(f"| {chain} | {s['reports']}{errors} | {s['cells']} | {lost} | " + " | ".join(row) + " |")
    row = [f"{100 * t[0] / max(t[1], 1):.1f}% ({t[0]}/{t[1]}) | {t[2]}/{t[3]} | {t[4]}" for t in totals.values()]
    print("| all | | | | " + " | ".join(row) + " |")

    print("\nNarrative facts per chain: P / R / F1 / kinds right of the facts found / recall on enumeration items\n")
    print("| chain | gold facts | " + " | ".join(engines) + " |\n|---|---:|" + "---:|" * len(engines))
    for chain in corpus:
        first = facts[engines[0]][chain]
        row = []
        for e in engines:
            f = facts[e][chain].summary()
            k, n = f["kinds"], f["enumerations"]
            row.append(f"{_f(f['precision'])} / {_f(f['recall'])} / {_f(f['f1'])} / {_f(k['accuracy'])} / "
                       f"{_f(n['accuracy'])} ({n['total']})")  # fmt: skip
        print(f"| {chain} | {first.tp + first.fn:,} | " + " | ".join(row) + " |")
    print(f"\n({time.perf_counter() - t0:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
