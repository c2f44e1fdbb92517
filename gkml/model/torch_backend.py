"""The model engine on torch: the network as trained, read through transformers.

This is the backend training evaluates with and the reference the ONNX backend
(:mod:`gkml.model.onnx_backend`) is checked against (``gkml export`` verifies the exported
graph against it). Reading reports — windows, batching, merging, decoding — is shared
(:class:`gkml.model.predictor.WindowedPredictor`); this module only tokenises with the
transformers tokenizer and runs the torch model. Loading it costs seconds (torch and
transformers imports), which is why ``gkml predict`` uses the ONNX backend when the model
directory has a ``model.onnx``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gkml.model.features import cell_ordinals, special_ids, token_types
from gkml.model.predictor import DEFAULT_BATCH_SIZE, Encoded, WindowedPredictor


def cpu_threads(threads: int | None = None) -> int:
    """Set torch's intra-op threads: ``threads``, or every core this process may use
    (CPU affinity, not os.cpu_count(): containers and Ray actors get fewer cores)."""
    import torch

    n = threads or len(os.sched_getaffinity(0))
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def quantize_model(model):
    """Dynamic int8 quantisation of the Linear layers (weights int8, activations quantised
    on the fly): ~1.3-1.5x faster on CPU at the same accuracy for this model size
    (see bench/throughput.py). The torch.ao API is deprecated in favour of torchao but still
    the only one in torch itself; its warnings are silenced here, once."""
    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class Predictor(WindowedPredictor):
    """A loaded model that labels texts: ``predictor(text)`` or ``predictor.label_many(texts)``.

    ``batch_size`` is windows per forward pass; ``threads`` torch threads (default: the
    cores this process may use); ``quantize`` applies dynamic int8 quantisation to the
    Linear layers. ``max_length``/``stride`` default to the recipe the model was trained with.
    """

    backend = "torch"

    def __init__(
        self,
        model_dir: str | Path,
        batch_size: int = DEFAULT_BATCH_SIZE,
        quantize: bool = False,
        threads: int | None = None,
        max_length: int | None = None,
        stride: int | None = None,
    ):
        import torch
        from transformers.utils import logging as hf_logging

        from gkml.model.network import load_model

        self.threads = cpu_threads(threads)
        bar = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar for a 4 MB model
        try:
            self.tokenizer, model = load_model(model_dir)
        finally:
            if bar:
                hf_logging.enable_progress_bar()
        self.quantized = bool(quantize)
        self.model = quantize_model(model) if quantize else model
        self._configure(model_dir, model.config.to_dict(), batch_size, max_length, stride)
        self.cls_id, self.sep_id = special_ids(self.tokenizer)
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        self._torch = torch

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        """Token ids, character offsets and cell ordinals of each text, without special
        tokens (ordinals all 0 for a model that does not read them)."""
        if not texts:
            return []
        enc = self.tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True)
        out = []
        for text, ids, offs in zip(texts, enc["input_ids"], enc["offset_mapping"], strict=True):
            offsets = [tuple(o) for o in offs]
            types = token_types(offsets, cell_ordinals(text)) if self.cell_ordinals else [0] * len(ids)
            out.append(Encoded(list(ids), offsets, types))
        return out

    def _forward(self, rows: list[tuple[list[int], list[int]]]) -> list[np.ndarray]:
        """Logits of each window ``(ids, types)`` (without [CLS]/[SEP]) from one padded batch."""
        torch = self._torch
        width = max(len(ids) for ids, _ in rows) + 2
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        types = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, (r, t) in enumerate(rows):
            ids[i, : len(r) + 2] = torch.tensor([self.cls_id, *r, self.sep_id])
            types[i, 1 : len(r) + 1] = torch.tensor(t)
            mask[i, : len(r) + 2] = 1
        with torch.inference_mode():
            logits = self.model(input_ids=ids, token_type_ids=types, attention_mask=mask).logits.float().numpy()
        return [logits[i, 1 : len(r) + 1] for i, (r, _) in enumerate(rows)]
