"""The model engine on ONNX Runtime: the default of ``gkml predict``, without torch.

Why: importing torch and transformers takes seconds and hundreds of MB, and the model is a
two-layer encoder whose forward pass ONNX Runtime runs faster on a CPU than eager torch. The
model directory carries the network twice: ``model.safetensors`` (training, the torch
backend) and ``model.onnx`` (the same weights exported by ``gkml export`` or at the end of
``gkml train``, :mod:`gkml.model.export`). Reading a report is the shared code of
:class:`gkml.model.predictor.WindowedPredictor`; this module only tokenises with the
``tokenizers`` library (the same ``tokenizer.json`` transformers reads) and runs the graph.
Nothing here imports torch or transformers.

A ``model.onnx`` records the SHA-256 of the weights it was exported from; one exported from
other weights (a model retrained in place) is refused (:class:`StaleExport`) rather than
read with the wrong network.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gkml.model.features import cell_ordinals, token_types
from gkml.model.predictor import Encoded, WindowedPredictor

ONNX_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
WEIGHTS_FILES = ("model.safetensors", "pytorch_model.bin")
WEIGHTS_KEY = "gkml.weights_sha256"  # ONNX metadata: the weights the graph was exported from
# Windows per forward pass, by intra-op threads. On one thread (each worker of gkml.parallel) one
# window at a time was fastest (~10% over 4 on the reference machine: a 512-token window's
# activations stay in the core's cache) and pads nothing; with several threads, 4 windows give
# each thread its share of a larger product. Torch's 16 was slower than 4 here, and held 4x the
# activations.
ONE_THREAD_BATCH_SIZE = 1
THREADS_BATCH_SIZE = 4


class StaleExport(ValueError):
    """``model.onnx`` was exported from other weights than the directory's."""


def weights_digest(model_dir: str | Path) -> str | None:
    """SHA-256 of the model directory's weights file (None when it ships none)."""
    for name in WEIGHTS_FILES:
        path = Path(model_dir) / name
        if path.is_file():
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            return h.hexdigest()
    return None


def session_options(threads: int):
    """ONNX Runtime options for one predictor: ``threads`` intra-op threads, nothing else
    running in parallel inside the session (the batch is the unit of work)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3  # errors only: no warnings about unused initializers
    return opts


class OnnxPredictor(WindowedPredictor):
    """``OnnxPredictor(model_dir)`` labels texts as the torch ``Predictor(model_dir)`` does.

    ``onnx_path``: the graph to run (default ``model_dir/model.onnx``, or
    ``model.int8.onnx`` with ``quantize``); ``threads``: intra-op threads (default: the cores
    this process may use; 1 in each worker of :mod:`gkml.parallel`); ``batch_size``: windows
    per forward pass (default: 1 on one thread, else 4). ``max_length``/``stride`` default to
    the recipe the model was trained with. Raises ValueError (what to do included) when the
    graph is missing or stale.
    """

    backend = "onnx"

    def __init__(
        self,
        model_dir: str | Path,
        batch_size: int | None = None,
        quantize: bool = False,
        threads: int | None = None,
        max_length: int | None = None,
        stride: int | None = None,
        onnx_path: str | Path | None = None,
    ):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        path = Path(onnx_path) if onnx_path else model_dir / (INT8_FILE if quantize else ONNX_FILE)
        if not path.is_file():
            flag = " --int8" if quantize else ""
            raise ValueError(f"{path}: no ONNX export of this model; run `gkml export {model_dir}{flag}`, "
                             "or use --backend torch")  # fmt: skip
        cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.threads = int(threads or len(os.sched_getaffinity(0)))
        self.session = ort.InferenceSession(str(path), session_options(self.threads), providers=["CPUExecutionProvider"])
        exported_from = self.session.get_modelmeta().custom_metadata_map.get(WEIGHTS_KEY)
        digest = weights_digest(model_dir)
        if exported_from and digest and exported_from != digest:
            raise StaleExport(f"{path} was exported from other weights than {model_dir}'s (retrained since?); "
                              f"run `gkml export {model_dir}` again, or use --backend torch")  # fmt: skip
        self.onnx_path = str(path)
        self.quantized = bool(quantize) or "int8" in path.name
        if batch_size is None:
            batch_size = ONE_THREAD_BATCH_SIZE if self.threads == 1 else THREADS_BATCH_SIZE
        self._configure(model_dir, cfg, batch_size, max_length, stride)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.cls_id, self.sep_id, self.pad_id = self._special_ids(model_dir)
        self._inputs = {i.name for i in self.session.get_inputs()}

    def _special_ids(self, model_dir: Path) -> tuple[int, int, int]:
        """[CLS], [SEP] and [PAD] ids, by the names ``tokenizer_config.json`` gives them
        (bos/eos for checkpoints that have no cls/sep), as transformers reads them."""
        path = model_dir / "tokenizer_config.json"
        names = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

        def token_id(*keys: str, default: str | None = None) -> int | None:
            for key in keys:
                name = names.get(key)
                name = name.get("content") if isinstance(name, dict) else name
                if name and self.tokenizer.token_to_id(name) is not None:
                    return self.tokenizer.token_to_id(name)
            return self.tokenizer.token_to_id(default) if default else None

        cls_id = token_id("cls_token", "bos_token", default="[CLS]")
        sep_id = token_id("sep_token", "eos_token", default="[SEP]")
        if cls_id is None or sep_id is None:
            raise ValueError("the tokenizer has no [CLS]/[SEP] (or bos/eos) token to open and close windows")
        pad_id = token_id("pad_token", default="[PAD]")
        return cls_id, sep_id, pad_id if pad_id is not None else 0

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        """As the torch backend's: the same ``tokenizer.json`` pipeline, offsets in characters."""
        if not texts:
            return []
        out = []
        for text, enc in zip(texts, self.tokenizer.encode_batch(list(texts), add_special_tokens=False), strict=True):
            offsets = enc.offsets
            types = token_types(offsets, cell_ordinals(text)) if self.cell_ordinals else [0] * len(enc.ids)
            out.append(Encoded(enc.ids, offsets, types))
        return out

    def _forward(self, rows: list[tuple[list[int], list[int]]]) -> list[np.ndarray]:
        """Logits of each window ``(ids, types)`` (without [CLS]/[SEP]) from one padded batch."""
        width = max(len(ids) for ids, _ in rows) + 2
        n = len(rows)
        ids = np.full((n, width), self.pad_id, dtype=np.int64)
        types = np.zeros((n, width), dtype=np.int64)
        mask = np.zeros((n, width), dtype=np.int64)
        for i, (r, t) in enumerate(rows):
            k = len(r)
            ids[i, 0] = self.cls_id
            ids[i, 1 : k + 1] = r
            ids[i, k + 1] = self.sep_id
            types[i, 1 : k + 1] = t
            mask[i, : k + 2] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        logits = self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        return [logits[i, 1 : len(r) + 1] for i, (r, _) in enumerate(rows)]
