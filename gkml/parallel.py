"""Batch prediction on several worker processes, records still one per input, in input order.

Why processes, one thread each: the model's batches are small matrix products (4 windows x
512 tokens x 128 wide) that a second intra-op thread speeds up little, while the rest of a
report's reading (ingest, decoding, assembly) is Python that one process runs on one core.
Two processes with one thread each kept both cores of the reference machine busy and read
more reports per second than one process with two threads (``bench/throughput.py``).

How: a pool of ``spawn``-ed workers (a clean interpreter: no thread pools or locks inherited
from the parent) with their thread counts pinned to 1 before numpy, OpenBLAS, ONNX Runtime
or the tokenizers start theirs. Each worker loads the labeller once and reads tasks of a few
paths with :func:`gkml.predict.predict_paths` (so every guarantee of the one-process path —
an error record per unreadable input, per-document time limits — holds in each worker). The
parent keeps a few tasks in flight per worker and yields their records in input order as
soon as the task they wait for is done, so the output grows record by record, an interrupted
run leaves whole records, and ``--resume`` continues it.

A worker that dies (killed, out of memory, a crash in native code) costs no input: its
tasks are run again one path at a time in a fresh pool, and the one path whose worker dies
again gets an error record.

Workers are spawned, so a script that starts a pool must do it under
``if __name__ == "__main__":`` (the ``gkml`` command does).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# What each worker starts with: its thread pools pinned to one thread (OpenMP, the BLAS under
# numpy, the tokenizers' Rayon pool; ONNX Runtime's is the predictor's ``threads``), and its heap.
WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "RAYON_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # glibc: buffers over 128 kB (a report's logits, a batch's activations) go back to the system
    # when freed instead of staying in the heap: ~40 MB less peak RSS per worker, no slower.
    "MALLOC_MMAP_THRESHOLD_": "131072",
}
DOCS_PER_TASK = 2  # paths per task (at most): the workers batch windows within a report, so small tasks cost little
MAX_AUTO_WORKERS = 8  # the default never starts more (each worker holds its own model, ~150 MB)
MIN_PER_WORKER = 4  # the default starts a second worker only for batches of 2 x this many inputs


def usable_cores() -> int:
    """Cores this process may run on (CPU affinity: containers and Ray actors get fewer)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers(n_inputs: int, backend: str = "onnx") -> int:
    """Workers ``gkml predict`` starts when not told: one per core (at most
    :data:`MAX_AUTO_WORKERS`), but one (no pool, no start-up cost) for a batch too small to
    share or on the torch backend (a torch process costs ~5 s and ~900 MB)."""
    if backend == "torch":
        return 1
    return max(1, min(usable_cores(), MAX_AUTO_WORKERS, n_inputs // MIN_PER_WORKER))


# ---------------------------------------------------------------------------
# In each worker

_STATE: dict[str, Any] = {}


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _load(engine: str, model: str | None, opts: dict[str, Any]) -> str:
    """Load this worker's labeller (once); returns the engine name its records carry."""
    from gkml.engines import engine_name, get_labeller
    from gkml.io import ocr

    if "labeller" not in _STATE:
        # A scan is read by OCR inside its worker: the workers already share the cores out.
        ocr.configure(workers=1, progress=False)
        _STATE["labeller"] = get_labeller(engine, model, **opts)
        _STATE["engine"] = engine
    return engine_name(engine, _STATE["labeller"])


def _run(paths: list[str], engine: str, model: str | None, opts: dict[str, Any], limits: dict[str, Any]):
    """The records of one task, and its timings (for the parent's progress and benchmark)."""
    from gkml.predict import Timings, predict_paths

    _load(engine, model, opts)
    timings = Timings()
    reports = list(predict_paths(paths, engine=_STATE["engine"], labeller=_STATE["labeller"], timings=timings,
                                 docs_per_chunk=len(paths), **limits))  # fmt: skip
    return reports, asdict(timings)


# ---------------------------------------------------------------------------
# In the parent


@contextmanager
def _worker_environment() -> Iterator[None]:
    """Processes started inside inherit :data:`WORKER_ENV` (the parent's own pools, started
    already, are untouched; its environment is restored after), and start with Ctrl-C ignored:
    an interrupt while they import would otherwise print each child's traceback before
    `_init_worker` runs (an ignored signal stays ignored across exec; the parent's handler is
    back as soon as they are started)."""
    saved = {k: os.environ.get(k) for k in WORKER_ENV}
    os.environ.update(WORKER_ENV)
    main = threading.current_thread() is threading.main_thread()
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        yield
    finally:
        if main:
            signal.signal(signal.SIGINT, handler)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class WorkerPool:
    """``workers`` processes that each read reports with ``engine`` (one labeller each).

    ``opts`` are the labeller's options (``backend``, ``batch_size``, ``quantize``; ``threads``
    defaults to 1); ``limits`` the per-input limits of :func:`gkml.predict.predict_paths`
    (``max_bytes``, ``max_chars``, ``timeout``). Use as a context manager: :meth:`start`
    (loads every labeller; a model that cannot be loaded raises ValueError here, before any
    output is written), then :meth:`predict` for each batch."""

    def __init__(self, workers: int, engine: str, model: str | Path | None = None, opts: dict[str, Any] | None = None,
                 docs_per_task: int = DOCS_PER_TASK, **limits: Any):  # fmt: skip
        self.workers = max(1, int(workers))
        self.engine = engine
        self.model = str(model) if model is not None else None
        self.opts = {"threads": 1, **{k: v for k, v in (opts or {}).items() if v is not None}}  # None: the default
        self.limits = limits
        self.docs_per_task = max(1, docs_per_task)
        self.name = engine
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> WorkerPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(kill=exc[0] is not None)

    def start(self) -> str:
        """Start the workers and load their labellers; returns the engine name of the records."""
        self.close()
        with _worker_environment():
            self._executor = ProcessPoolExecutor(self.workers, multiprocessing.get_context("spawn"), _init_worker)
            loads = [self._executor.submit(_load, self.engine, self.model, self.opts) for _ in range(self.workers)]
        try:
            self.name = loads[0].result()
            for f in loads[1:]:
                f.result()
        except BaseException:
            self.close(kill=True)
            raise
        return self.name

    def close(self, kill: bool = False) -> None:
        """Stop the workers: after their tasks, or at once (``kill``: an interrupt, an error)."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if kill:
            for p in list((getattr(executor, "_processes", None) or {}).values()):
                p.terminate()
        executor.shutdown(wait=not kill, cancel_futures=True)

    def _submit(self, paths: list[str]) -> Future:
        """Queue a task; a pool found broken (a worker died while idle) is started again first."""
        for attempt in (1, 2):
            if self._executor is None:
                self.start()
            assert self._executor is not None
            try:
                return self._executor.submit(_run, paths, self.engine, self.model, self.opts, self.limits)
            except BrokenProcessPool:
                if attempt == 2:
                    raise
                log.warning("a worker died; starting the pool again")
                self.close(kill=True)
        raise AssertionError("unreachable")

    def _alone(self, paths: list[str], why: BaseException) -> Iterator[tuple[list, dict]]:
        """Tasks of one path each, after ``why`` stopped a task of several; a path whose
        worker dies (or that fails outside the per-document guards) gets its error record."""
        from gkml.predict import doc_id_of
        from gkml.schema import Report

        log.warning("a worker failed (%s: %s); reading its %d inputs one at a time", type(why).__name__, why, len(paths))
        for path in paths:
            try:
                yield self._submit([path]).result()
            except Exception as e:
                if isinstance(e, BrokenProcessPool):
                    self.start()
                from gkml.io.ingest import source_name

                source = source_name(path)
                error = f"internal error: the worker reading it failed ({type(e).__name__}: {e})"
                yield [Report.failed(doc_id_of(source), source, error)], {}

    def predict(self, paths: Sequence[str], progress: bool = False, timings: Any = None) -> Iterator[Any]:
        """One Report per path, in order (see the module docstring); ``timings`` (a
        :class:`gkml.predict.Timings`) gets the workers' seconds and sizes added."""
        size = max(1, min(self.docs_per_task, len(paths) // (4 * self.workers)))  # a small batch: tasks of one
        tasks = deque(list(paths[i : i + size]) for i in range(0, len(paths), size))
        pending: deque[tuple[list[str], Future]] = deque()
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(paths), unit="doc", desc=f"predict ({self.name}, {self.workers} workers)",
                       dynamic_ncols=True, smoothing=0.1)  # fmt: skip
        started, chars = time.perf_counter(), 0
        try:
            while tasks or pending:
                while tasks and len(pending) < 2 * self.workers:
                    chunk = tasks.popleft()
                    pending.append((chunk, self._submit(chunk)))
                chunk, future = pending.popleft()
                try:
                    done = [future.result()]
                except Exception as e:
                    if isinstance(e, BrokenProcessPool):  # every task in flight is lost with the pool
                        tasks.extendleft(reversed([c for c, _ in pending]))
                        pending.clear()
                        self.start()
                    done = list(self._alone(chunk, e))
                for reports, spent in done:
                    if timings is not None:
                        for f in fields(timings):
                            if isinstance(spent.get(f.name), (int, float)):
                                setattr(timings, f.name, getattr(timings, f.name) + spent[f.name])
                    chars += spent.get("chars", 0)
                    yield from reports
                    if bar is not None:
                        bar.update(len(reports))
                        bar.set_postfix_str(f"{chars / max(time.perf_counter() - started, 1e-9):,.0f} chars/s", refresh=False)
        finally:
            if bar is not None:
                bar.close()


def predict_parallel(paths: Sequence[str], workers: int, engine: str = "model", model: str | Path | None = None,
                     opts: dict[str, Any] | None = None, progress: bool = False, timings: Any = None,
                     **limits: Any) -> Iterator[Any]:  # fmt: skip
    """:func:`gkml.predict.predict_paths` on ``workers`` processes: one Report per path, in
    order. The first ``next()`` raises ValueError when the engine cannot be loaded."""
    with WorkerPool(workers, engine, model, opts, **limits) as pool:
        yield from pool.predict(paths, progress, timings)
