"""Do the ONNX graphs read every cell as torch does? (a check over more reports than the tests)

Reads the 5 seeds, the 10 real fragments of ../shared/real, 300 synthetic reports (seed 11,
every layout, as generated) and 60 real-length ones (bench/throughput.py's, 6-10k
characters) with the torch backend and with each ONNX graph, assembles each into its Report,
and prints per set how many reports have exactly the same cells (value, printed text,
position, inferred or not), the same spans (start, end, label) and the same spans with their
scores, then every cell that differs.

    .venv/bin/python bench/onnx_parity.py                    # fp32 (model.onnx) and int8 (exported on the fly)
    .venv/bin/python bench/onnx_parity.py --variants fp32 --threads 1     # as each worker reads
    .venv/bin/python bench/onnx_parity.py --variants fp32 --stride 64 --synth 100 --long 20   # less overlap
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import int8_model, long_reports  # noqa: E402

from gkml.engines import DEFAULT_MODEL  # noqa: E402


def corpus(n_synth: int, n_long: int, seed: int) -> dict[str, list[str]]:
    from gkml.training.synth import load_config, make_report

    shared = ROOT.parent / "shared"
    config = load_config(None)
    return {
        "seeds": [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples").glob("*.txt"))],
        "real": [p.read_text(encoding="utf-8") for p in sorted((shared / "real").glob("*.txt"))],
        "synth": [make_report(i, seed, config)["text"] for i in range(n_synth)],
        "long": long_reports(n_long, seed),
    }


def cells(text: str, spans) -> dict:
    from gkml.assemble.report import assemble

    return {k: (c["value"], c["raw"], c["start"], c["end"], c["inferred"]) for k, c in assemble(text, spans).to_dict()["cells"].items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(ROOT / DEFAULT_MODEL))
    ap.add_argument("--variants", default="fp32,int8", help="fp32 (model.onnx), int8 (model.int8.onnx)")
    ap.add_argument("--synth", type=int, default=300, help="synthetic reports (default 300)")
    ap.add_argument("--long", type=int, default=60, help="real-length synthetic reports (default 60)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--threads", type=int, help="ONNX Runtime threads (default: every core; 1 as in each worker)")
    ap.add_argument("--batch-size", type=int, help="ONNX windows per forward pass (default: 1 on one thread, else 4)")
    ap.add_argument("--stride", type=int, help="ONNX window overlap in tokens (default: the model's, 128): less is faster")
    args = ap.parse_args(argv)

    from gkml.model.onnx_backend import OnnxPredictor
    from gkml.model.torch_backend import Predictor

    sets = corpus(args.synth, args.long, args.seed)
    model = Path(args.model)
    torch = Predictor(model)
    ref = {name: torch.label_many(texts) for name, texts in sets.items()}
    key = lambda spans: [(s.start, s.end, s.label) for s in spans]  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        for variant in args.variants.split(","):
            directory = int8_model(model, Path(tmp)) if variant == "int8" else model
            onnx = OnnxPredictor(directory, quantize=variant == "int8", threads=args.threads, batch_size=args.batch_size,
                                 stride=args.stride)  # fmt: skip
            print(f"== ONNX {variant} ({Path(onnx.onnx_path).name}, {onnx.threads} threads, batch {onnx.batch_size}, "
                  f"overlap {onnx.stride}) "
                  f"against torch ({torch.threads} threads, batch {torch.batch_size})")  # fmt: skip
            total = same_total = 0
            for name, texts in sets.items():
                got = onnx.label_many(texts)
                same_cells = same_spans = exact = 0
                for i, (text, a, b) in enumerate(zip(texts, got, ref[name], strict=True)):
                    exact += a == b
                    same_spans += key(a) == key(b)
                    ca, cb = cells(text, a), cells(text, b)
                    same_cells += ca == cb
                    for k in sorted(set(ca) | set(cb)):
                        if ca.get(k) != cb.get(k):
                            print(f"   {name}[{i}] {k}: torch {cb.get(k)} onnx {ca.get(k)}")
                total += len(texts)
                same_total += same_cells
                print(f"  {name:6s} {len(texts):4d} reports: cells the same in {same_cells}, spans (start, end, label) "
                      f"in {same_spans}, spans and scores in {exact}")  # fmt: skip
            print(f"  all    {total:4d} reports: cells the same in {same_total}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
