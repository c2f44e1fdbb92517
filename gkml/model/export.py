"""Export a trained model directory to ONNX (``model.onnx``) and check it against torch.

The graph is the token classifier from ids, attention mask and cell ordinals to logits, with
the batch and sequence axes left free, written by torch's TorchScript exporter
(``dynamo=False``): its graph of this RoFormer runs faster in ONNX Runtime than the dynamo
exporter's, and the fp32 export reads every cell of the seeds, ``../shared/real`` and 300
synthetic reports as torch does (``bench/onnx_parity.py``). The export records the SHA-256 of
the weights it came from (:data:`gkml.model.onnx_backend.WEIGHTS_KEY`), so a directory
retrained in place never runs a stale graph.

An int8 graph (``model.int8.onnx``, ONNX Runtime's dynamic quantisation of the MatMuls) is
optional: smaller and up to 15-30% faster, but it reads a few cells differently (5 of 375
reports, seed 003 among them), so it is never the default.

Needs torch, transformers and ``onnx`` (all in the ``ml`` extra); the exported model needs
none of them.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gkml.model.onnx_backend import INT8_FILE, ONNX_FILE, WEIGHTS_KEY, session_options, weights_digest

log = logging.getLogger(__name__)
OPSET = 18
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
TOLERANCE = 1e-3  # largest |logit difference| torch vs ONNX Runtime accepted for an fp32 export


@dataclass
class Check:
    """How an exported graph compares with torch on random windows."""

    max_abs_diff: float
    argmax_agree: float  # share of real (unpadded) tokens whose best tag is the same
    tokens: int


def _logits_module(model):
    import torch

    class Logits(torch.nn.Module):
        """The classifier with positional inputs and the logits as the one output."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits

    return Logits(model).eval()


def _load(model_dir: Path):
    from transformers.utils import logging as hf_logging

    from gkml.model.network import load_model

    hf_logging.disable_progress_bar()
    try:
        return load_model(model_dir)[1]
    finally:
        hf_logging.enable_progress_bar()


def _publish(tmp: str, out: Path) -> None:
    """Move the finished file into place, readable as any file this process writes."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, out)


def _stamp(path: Path, model_dir: Path, what: str) -> None:
    """Write the weights' digest and what made the graph into its metadata."""
    import onnx

    from gkml import __version__

    proto = onnx.load(str(path))
    meta = {WEIGHTS_KEY: weights_digest(model_dir) or "", "gkml.export": f"gkml {__version__}, {what}"}
    kept = [p for p in proto.metadata_props if p.key not in meta]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    for key, value in meta.items():
        proto.metadata_props.add(key=key, value=value)
    onnx.save(proto, str(path))


@dataclass
class Exported:
    path: Path
    check: Check | None  # None when the export was not checked


def export_onnx(model_dir: str | Path, out: str | Path | None = None, opset: int = OPSET, check: bool = True) -> Exported:
    """Write ``model_dir``'s network as an ONNX graph (default ``model_dir/model.onnx``) and,
    with ``check``, compare it with torch (:func:`check_export`): an export whose logits differ
    by more than :data:`TOLERANCE` raises ValueError and is not written."""
    import torch

    model_dir = Path(model_dir)
    out = Path(out) if out else model_dir / ONNX_FILE
    model = _load(model_dir)
    wrapped = _logits_module(model)
    n = min(64, model.config.max_position_embeddings)
    ids = torch.arange(2 * n).reshape(2, n) % (model.config.vocab_size - 5) + 5
    example = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUTS, "logits")}
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=out.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer and deprecation warnings of the TorchScript exporter
            torch.onnx.export(wrapped, example, tmp, dynamo=False, input_names=list(INPUTS), output_names=["logits"],
                              dynamic_axes=axes, opset_version=opset)  # fmt: skip
        _stamp(Path(tmp), model_dir, f"torch {torch.__version__}, fp32, opset {opset}")
        result = None
        if check:
            result = check_export(model_dir, tmp, model=model)
            log.debug("export checked against torch: max |logit difference| %.1e, best tag agrees on %.4f of %d tokens",
                     result.max_abs_diff, result.argmax_agree, result.tokens)  # fmt: skip
            if result.max_abs_diff > TOLERANCE:
                raise ValueError(f"the ONNX export's logits differ from torch's by {result.max_abs_diff:.1e} "
                                 f"(more than {TOLERANCE:g}): not written")  # fmt: skip
        _publish(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return Exported(out, result)


class _Drop(logging.Filter):
    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


def quantize_onnx(model_dir: str | Path, src: str | Path | None = None, out: str | Path | None = None) -> Path:
    """ONNX Runtime's dynamic int8 quantisation of an fp32 export (default: ``model.onnx`` →
    ``model.int8.onnx`` in ``model_dir``): int8 weights, activations quantised on the fly."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model_dir = Path(model_dir)
    src = Path(src) if src else model_dir / ONNX_FILE
    out = Path(out) if out else model_dir / INT8_FILE
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=out.parent)
    os.close(fd)
    try:
        advice = _Drop("pre-processing before quantization")  # its advice, on the root logger
        logging.getLogger().addFilter(advice)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                quantize_dynamic(str(src), tmp, weight_type=QuantType.QInt8, per_channel=False)
        finally:
            logging.getLogger().removeFilter(advice)
        _stamp(Path(tmp), model_dir, "int8 (onnxruntime quantize_dynamic)")
        _publish(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def check_export(model_dir: str | Path, onnx_path: str | Path, model=None, seed: int = 0) -> Check:
    """Logits of torch and of ONNX Runtime on random windows of several shapes (one row of
    each batch padded to half its width, cell ordinals random), compared on the real tokens."""
    import onnxruntime as ort
    import torch

    model = model if model is not None else _load(Path(model_dir))
    cfg = model.config
    session = ort.InferenceSession(str(onnx_path), session_options(1), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    worst, agree, tokens = 0.0, 0, 0
    longest = cfg.max_position_embeddings
    for batch, width in ((1, 7), (3, min(130, longest - 1)), (4, longest)):
        ids = rng.integers(5, cfg.vocab_size, (batch, width))
        types = rng.integers(0, cfg.type_vocab_size, (batch, width))
        mask = np.ones((batch, width), dtype=np.int64)
        mask[0, max(1, width // 2) :] = 0
        with torch.inference_mode():
            ref = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask),
                        token_type_ids=torch.tensor(types)).logits.float().numpy()  # fmt: skip
        got = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        real = mask.astype(bool)
        worst = max(worst, float(np.abs(got - ref)[real].max()))
        agree += int((got.argmax(-1) == ref.argmax(-1))[real].sum())
        tokens += int(real.sum())
    return Check(worst, agree / tokens, tokens)
