"""Scale-out: the same predictor in Ray Data, one model per actor (``gkml predict --ray``).

Inputs are paths; each actor loads the labeller once (a model per actor, as on one
machine) and turns a batch of paths into JSON records with the very functions of
:mod:`gkml.predict` (ingest, batched labelling, assembly, checks). The driver writes the
records in input order with :func:`gkml.predict.write_jsonl`, so the output file, the
resume rule and the one-record-per-input contract are those of a local run.

Python API::

    import ray
    from gkml.scale import predict_ray
    ray.init()                      # or ray.init(address="auto") on a cluster
    predict_ray(paths, Path("out.jsonl"), engine="model", model="models/gkml-fast", actors=4)

Paths and the model directory must be readable by every node (a shared filesystem); with
``address`` unset a local Ray instance is started on this machine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from gkml.io.ingest import MAX_BYTES

DOCS_PER_BATCH = 16  # documents per actor call: the model sorts their windows by length


class PredictActor:
    """A Ray Data ``map_batches`` callable class: one labeller (model) per actor."""

    def __init__(
        self,
        engine: str = "model",
        model: str | None = None,
        batch_size: int | None = None,
        quantize: bool = False,
        threads: int | None = None,
        max_bytes: int = MAX_BYTES,
    ):
        from gkml.engines import engine_name, get_labeller

        opts: dict[str, Any] = {}
        if engine != "rules":
            opts = {"quantize": quantize, "threads": threads} | ({"batch_size": batch_size} if batch_size else {})
        self.labeller = get_labeller(engine, model, **opts)
        self.name = engine_name(engine, self.labeller)
        self.max_bytes = max_bytes

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        from gkml.predict import predict_docs, read_input

        paths = [str(p) for p in batch["path"]]
        items = [read_input(p, self.max_bytes) for p in paths]
        reports = predict_docs(items, self.labeller, self.name)
        return {"path": paths, "record": [r.to_json() for r in reports]}


def _ensure_ray(address: str | None, num_cpus: int | None = None):
    try:
        import ray
    except ImportError:
        raise ValueError("--ray needs Ray Data: pip install 'gkml[scale]' (ray[data])") from None
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address:
            kwargs["address"] = address
        elif num_cpus:
            kwargs["num_cpus"] = num_cpus
        ray.init(**kwargs)
    return ray


def records_ray(
    paths: Sequence[str],
    engine: str = "model",
    model: str | None = None,
    batch_size: int | None = None,
    quantize: bool = False,
    max_bytes: int = MAX_BYTES,
    actors: int | None = None,
    address: str | None = None,
    progress: bool = False,
    docs_per_batch: int = DOCS_PER_BATCH,
) -> Iterator[str]:
    """The JSON record of each path, in input order, computed by Ray Data actors.

    ``actors`` model replicas (default: one per CPU of the cluster, capped by the batches
    there are), each with one CPU and one torch thread: on CPU, several single-threaded
    replicas keep the cores busier than one multi-threaded model."""
    if not paths:
        return
    if engine != "rules":
        from gkml.engines import resolve_model_dir

        path = resolve_model_dir(model)
        if not (path / "config.json").is_file():  # fail in the driver, not in every actor
            raise ValueError(
                f"{path}: no trained model there (no config.json). Train it with "
                f"`gkml train configs/small.yaml`, or use --engine rules"
            )
        model = str(path.resolve())
    ray = _ensure_ray(address)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = progress
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    batches = -(-len(paths) // docs_per_batch)
    n_actors = max(1, min(actors or cpus, batches))
    ds = ray.data.from_items([{"path": str(p)} for p in paths])
    ds = ds.map_batches(
        PredictActor,
        fn_constructor_kwargs={
            "engine": engine,
            "model": model,
            "batch_size": batch_size,
            "quantize": quantize,
            "threads": 1,
            "max_bytes": max_bytes,
        },
        batch_size=docs_per_batch,
        batch_format="pandas",
        compute=ray.data.ActorPoolStrategy(size=n_actors),
        num_cpus=1,
        udf_modifying_row_count=False,
    )
    for row in ds.iter_rows():
        yield row["record"]


def predict_ray(
    paths: Sequence[str],
    out: Path,
    append: bool = False,
    **opts: Any,
) -> int:
    """Write one record per path to ``out`` (JSON Lines, input order) using Ray Data;
    ``opts`` as for :func:`records_ray`. Returns the number of records written."""
    from gkml.write import write_jsonl

    return write_jsonl(records_ray(paths, **opts), Path(out), append=append)

