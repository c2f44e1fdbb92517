"""Which backend reads a model directory, and one loaded predictor per process and options.

``backend="auto"`` (what ``gkml predict`` does by default) takes ONNX Runtime when the
directory has a ``model.onnx`` exported from its weights, and torch otherwise (a model
trained before exports existed, or one retrained in place without ``gkml export``), saying
so in an info message. ``"onnx"`` and ``"torch"`` insist.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module to list the backends: numpy loads later
    from gkml.model.predictor import WindowedPredictor

log = logging.getLogger(__name__)
BACKENDS = ("auto", "onnx", "torch")
_CACHE: dict[tuple[Any, ...], WindowedPredictor] = {}


def choose_backend(model_dir: str | Path, backend: str = "auto", quantize: bool = False) -> str:
    """``onnx`` or ``torch`` for ``model_dir``: ``auto`` is ONNX when the directory has the
    graph to run (``model.onnx``, or ``model.int8.onnx`` with ``quantize``)."""
    from gkml.model.onnx_backend import INT8_FILE, ONNX_FILE

    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    if backend != "auto":
        return backend
    name = INT8_FILE if quantize else ONNX_FILE
    if (Path(model_dir) / name).is_file():
        return "onnx"
    log.info("%s has no %s: reading it with torch (slower to start; `gkml export %s` makes one)", model_dir, name, model_dir)
    return "torch"


def build_predictor(model_dir: str | Path, backend: str = "auto", **opts: Any) -> WindowedPredictor:
    """A new predictor for ``model_dir`` on ``backend`` (see :func:`choose_backend`).
    ``opts``: ``batch_size``, ``quantize``, ``threads`` (None: the backend's default)."""
    from gkml.model.onnx_backend import StaleExport

    opts = {k: v for k, v in opts.items() if v is not None}
    chosen = choose_backend(model_dir, backend, bool(opts.get("quantize")))
    if chosen == "onnx":
        from gkml.model.onnx_backend import OnnxPredictor

        try:
            return OnnxPredictor(model_dir, **opts)
        except StaleExport as e:
            if backend == "onnx":
                raise
            log.warning("%s; reading it with torch", e)
    from gkml.model.torch_backend import Predictor

    return Predictor(model_dir, **opts)


def load_predictor(model_dir: str | Path, backend: str = "auto", **opts: Any) -> WindowedPredictor:
    """A predictor for ``model_dir``, loaded once per process, backend and options (the
    annotation backend, a notebook and repeated CLI calls in one process share it)."""
    path = Path(model_dir)
    if not (path / "config.json").is_file():
        raise ValueError(
            f"{model_dir}: no trained model there (no config.json). Train one with `gkml train CONFIG` "
            f"(configs/small-fast.yaml writes the default, models/gkml-fast, taught by models/gkml-small: "
            f"configs/small.yaml), or use `--engine rules`"
        )
    key = (str(path.resolve()), backend, tuple(sorted((k, v) for k, v in opts.items() if v is not None)))
    if key not in _CACHE:
        _CACHE[key] = build_predictor(path, backend, **opts)
    return _CACHE[key]
