"""The network's forward pass alone on ONNX Runtime (not a test): tokens/s of one thread, as
each ``gkml predict`` worker runs it, by window length and batch size.

Issue 18 asks for 15 real-length reports/s on 2 cores. A report of 8,000 characters is read
as windows of the measured length overlapping by the model's stride (``window_stride`` in its
config.json: 10,752 tokens in windows of 512 overlapping by 128, and as many in windows of 256
overlapping by 64), so the forward pass alone sets a ceiling of 2 x tokens/s / tokens a report;
this says how far a network or a window length can go before anything else is measured
(``bench/throughput.py`` measures the whole command). Lengths beyond the model's positions
are skipped. Random token ids are as costly as real ones: the cost is in the shapes.

    .venv/bin/python bench/forward.py                              # the default model
    .venv/bin/python bench/forward.py --model runs/v17n --lengths 512
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gkml.engines import DEFAULT_MODEL  # noqa: E402
from gkml.model.features import windows  # noqa: E402
from gkml.model.onnx_backend import session_options  # noqa: E402

REPORT_CHARS = 8000  # a real-length report: one token a character, about


def tokens_per_report(length: int, stride: int) -> int:
    """Tokens read for a report in windows of ``length`` ([CLS] and [SEP] included)."""
    size = length - 2
    return sum(end - start + 2 for start, end in windows(REPORT_CHARS, size, min(stride, size - 1)))


def tokens_per_second(sess: ort.InferenceSession, batch: int, length: int, repeats: int) -> float:
    rng = np.random.default_rng(0)
    feed = {
        "input_ids": rng.integers(5, 3000, (batch, length)).astype(np.int64),
        "attention_mask": np.ones((batch, length), np.int64),
        "token_type_ids": rng.integers(0, 3, (batch, length)).astype(np.int64),
    }
    sess.run(None, feed)  # warm-up: the first run allocates
    t0 = time.perf_counter()
    for _ in range(repeats):
        sess.run(None, feed)
    return batch * length * repeats / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=ROOT / DEFAULT_MODEL, help="holds model.onnx")
    ap.add_argument("--lengths", default="128,256,512", help="window lengths in tokens")
    ap.add_argument("--batches", default="1,4", help="windows per run")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args(argv)
    # one thread, as each `gkml predict --workers` process runs the graph
    graph = args.model / "model.onnx"
    config = json.loads((args.model / "config.json").read_text(encoding="utf-8"))
    stride, positions = config.get("window_stride", 128), config.get("max_position_embeddings", 512)
    sess = ort.InferenceSession(str(graph), session_options(1), providers=["CPUExecutionProvider"])
    print(f"{graph}, 1 thread; ceiling = 2 cores x tokens/s / tokens of a report of {REPORT_CHARS:,} "
          f"characters in windows overlapping by {stride}")  # fmt: skip
    print("| window | batch | tokens a report | tokens/s | ceiling, reports/s |\n|---:|---:|---:|---:|---:|")
    for length in (int(x) for x in args.lengths.split(",")):
        if length > positions:
            print(f"| {length} | - | - | - | beyond the model's {positions} positions |")
            continue
        per_report = tokens_per_report(length, stride)
        for batch in (int(x) for x in args.batches.split(",")):
            tps = tokens_per_second(sess, batch, length, args.repeats)
            print(f"| {length} | {batch} | {per_report:,} | {tps:,.0f} | {2 * tps / per_report:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
