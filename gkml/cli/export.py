"""``gkml export``: a trained model directory's network as ONNX, for the default backend."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def cmd_export(args: argparse.Namespace) -> int:
    model_dir = Path(args.model_dir)
    if not (model_dir / "config.json").is_file():
        raise ValueError(f"{model_dir}: not a model directory (no config.json); train one with `gkml train CONFIG`")
    from gkml.model.export import OPSET, check_export, export_onnx, quantize_onnx

    done = export_onnx(model_dir, opset=args.opset or OPSET, check=not args.no_check)
    size = done.path.stat().st_size / 1e6
    if done.check is None:
        print(f"{done.path}: {size:.1f} MB (not checked against torch)")
    else:
        c = done.check
        print(f"{done.path}: {size:.1f} MB; against torch on {c.tokens:,} tokens of random windows: logits within "
              f"{c.max_abs_diff:.1e}, best tag the same on {100 * c.argmax_agree:.2f}%")  # fmt: skip
    if args.int8:
        path = quantize_onnx(model_dir, done.path)
        c = check_export(model_dir, path)
        print(f"{path}: {path.stat().st_size / 1e6:.1f} MB; against torch: logits within {c.max_abs_diff:.1e}, "
              f"best tag the same on {100 * c.argmax_agree:.2f}% (int8 reads a few cells differently: "
              f"used only with `gkml predict --quantize`)")  # fmt: skip
    return 0


def register(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "export",
        parents=[common],
        help="export a trained model to ONNX (model.onnx), what gkml predict runs by default",
        description="Write MODEL_DIR/model.onnx: the token classifier of MODEL_DIR as an ONNX graph (fp32, batch "
        "and length free), checked against torch on random windows and stamped with the digest of the weights "
        "it came from. `gkml predict` then runs it on ONNX Runtime, without torch. `gkml train` exports at the "
        "end of a run; run this for a model trained before, or after copying new weights into a directory.",
    )
    p.add_argument("model_dir", metavar="MODEL_DIR", help="trained model directory, e.g. models/gkml-fast")
    p.add_argument("--int8", action="store_true",
                   help="also write model.int8.onnx (dynamic int8 quantisation; `gkml predict --quantize` reads it)")  # fmt: skip
    p.add_argument("--opset", type=int, help="ONNX opset (default 18)")
    p.add_argument("--no-check", action="store_true", help="do not compare the export with torch")
    p.set_defaults(func=cmd_export)
