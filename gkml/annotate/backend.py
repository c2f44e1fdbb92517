"""A Label Studio ML backend: ``gkml ls serve`` answers Label Studio's model requests with
gkml's labeller, so a connected project gets pre-annotations on every task it opens.

The HTTP API is the one ``label_studio/ml/api_connector.py`` (1.23.2) calls:

* ``GET /health`` (also ``GET /``) → ``{"status": "UP", "model_class": ..., "model_version": ...}``
  — checked when the backend is added and before every prediction round, with a 1 s timeout;
* ``POST /setup`` ``{"project": "ID.TIMESTAMP", "schema": CONFIG, "hostname", "access_token",
  "extra_params"}`` → ``{"model_version": ...}``;
* ``POST /predict`` ``{"tasks": [TASK...], "project", "label_config": CONFIG, "params": {...}}``
  → ``{"results": [{"result": [REGION...], "score", "model_version"}, ...]}``, one result per
  task in order (Label Studio pairs them by position);
* ``GET /versions`` → ``{"versions": [...]}``; ``POST /webhook`` (Label Studio registers
  ``URL/webhook`` for every project event) → 200, ignored; ``POST /train`` → 501: training
  runs offline (``gkml ls convert`` then ``gkml train``).

Labelling runs in child processes (:class:`Predictor`, two by default), never on the HTTP
side: a task taking long (an 8 MB report takes the rules 30-50 s) leaves ``/health``, the
other short requests and a short ``/predict`` answered at once, and a task over
``task_timeout`` is stopped and answered as an error for that task alone. The HTTP side
(waitress, limits, deadlines, basic auth) is :mod:`gkml.annotate.server`. The ``access_token`` Label Studio sends to ``/setup`` is never
stored or logged; request logs carry the method, path and status only.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import queue
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gkml.annotate.config import DATA_KEY, FROM_NAME, TO_NAME
from gkml.annotate.server import HTTPError, HTTPServer, auth_for, authorized, parse_json
from gkml.annotate.tasks import regions, task_score
from gkml.labels import Span

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024 * 1024  # a report is a few hundred KB; Label Studio sends the selected tasks at once
MAX_HEADER = 64 * 1024
TASK_TIMEOUT = 90.0  # Label Studio waits 100 s for a /predict (ML_TIMEOUT_PREDICT)
THREADS = 6
WORKERS = 2  # labeller processes: a short task is answered while a long one is labelled


@dataclass(frozen=True)
class Target:
    """Where predictions go in a project's config: the labels control, its text object,
    the task data field that text shows, and the labels the control accepts."""

    from_name: str = FROM_NAME
    to_name: str = TO_NAME
    data_key: str = DATA_KEY
    labels: frozenset[str] | None = None  # None: accept every entity type


def target_of(label_config: str | None) -> Target:
    """The first ``<Labels>`` control bound to a ``<Text>`` object in ``label_config``, so a
    project with its own config (other names, a subset of labels) still gets regions it
    accepts; gkml's generated config when there is none or it does not parse (expat refuses
    entity bombs with a ParseError)."""
    if not label_config:
        return Target()
    try:
        root = ET.fromstring(label_config)
    except ET.ParseError:
        return Target()
    texts = {e.get("name"): (e.get("value") or "").lstrip("$") for e in root.iter("Text") if e.get("name")}
    for control in root.iter("Labels"):
        to_name = control.get("toName")
        if to_name in texts:
            labels = frozenset(lab.get("alias") or lab.get("value") for lab in control.iter("Label"))
            return Target(control.get("name") or FROM_NAME, to_name, texts[to_name] or DATA_KEY, labels)
    return Target()


def predict_task(
    task: dict[str, Any], labeller: Callable[[str], list[Span]], version: str, target: Target
) -> dict:
    """One task's prediction: regions for the spans whose label the project accepts."""
    data = task.get("data") or {}
    text = data.get(target.data_key)
    if not isinstance(text, str):
        return {"result": [], "score": 0.0, "model_version": version}
    spans = [s for s in labeller(text) if target.labels is None or s.label in target.labels]
    result = regions(text, spans)
    for r in result:
        r["from_name"], r["to_name"] = target.from_name, target.to_name
    return {"result": result, "score": task_score(text, spans), "model_version": version}


def check_predict(body: dict[str, Any]) -> tuple[list[dict[str, Any]], Target]:
    """The tasks and target of a /predict body; 400 on shapes Label Studio never sends."""
    tasks = body.get("tasks")
    if not isinstance(tasks, list):
        raise HTTPError(400, "'tasks' must be a list of tasks")
    for i, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise HTTPError(400, f"tasks[{i}] must be an object")
        if task.get("data") is not None and not isinstance(task["data"], dict):
            raise HTTPError(400, f"tasks[{i}].data must be an object")
    config = body.get("label_config")
    if config is not None and not isinstance(config, str):
        raise HTTPError(400, "'label_config' must be a string")
    return tasks, target_of(config)


# --- labelling in a child process ---------------------------------------------------------------


def _worker_main(conn, engine: str, model: str | None) -> None:  # runs in the child process
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which ends us
    try:
        from gkml.engines import engine_name, get_labeller

        labeller = get_labeller(engine, model)
        version = engine_name(engine, labeller)
    except Exception as e:  # the parent raises it (ValueError for a directory with no model)
        try:
            conn.send(("failed", e))
        except Exception:  # an exception that does not pickle
            conn.send(("failed", RuntimeError(f"{type(e).__name__}: {e}")))
        return
    conn.send(("ready", version))
    while True:
        try:
            msg = conn.recv()
            if msg is None:
                return
            task, target = msg
            try:
                answer = ("ok", predict_task(task, labeller, version, target))
            except Exception as e:  # one bad task must not end the worker
                answer = ("error", f"{type(e).__name__}: {e}")
            conn.send(answer)
        except (EOFError, OSError):  # the parent has gone
            return


_DIED_STARTING = (
    "the labeller process died while starting (it is spawned: a script that starts the "
    "backend must do so under `if __name__ == '__main__':`)"
)


class _Labeller:
    """One labeller in one child process, fed one task at a time (its user holds it alone).

    Spawned (no fork of a threaded parent, nor of torch), so the HTTP process never waits for
    the GIL behind the labeller. A task over ``task_timeout`` seconds kills the child, which
    starts again for the next task."""

    def __init__(self, ctx: Any, engine: str, model: str | None, task_timeout: float, start_timeout: float):
        self.ctx, self.engine, self.model = ctx, engine, model
        self.task_timeout, self.start_timeout = task_timeout, start_timeout
        self.version = ""
        self.closed = False
        self._proc: Any = None
        self._conn: Any = None

    def ensure(self) -> None:
        """Start the child unless it runs; raises what loading the labeller raised."""
        if self._proc is None or not self._proc.is_alive():
            self.launch()
            self.wait_ready()

    def launch(self) -> None:
        if self.closed:
            raise RuntimeError("the server is stopping")
        self._stop()
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(
            target=_worker_main, args=(child, self.engine, self.model), name="gkml-predict", daemon=True
        )
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent

    def wait_ready(self) -> None:
        parent = self._conn
        if not parent.poll(self.start_timeout):
            self._stop()
            raise RuntimeError(f"the labeller did not start within {self.start_timeout:g} s")
        try:
            kind, value = parent.recv()
        except (EOFError, OSError):
            kind, value = "failed", RuntimeError(_DIED_STARTING)
        if kind != "ready":
            self._stop()
            raise value
        self.version = value

    def _stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
            self._conn.close()
        self._proc = self._conn = None

    def predict(self, task: dict[str, Any], target: Target) -> tuple[str, Any]:
        """("ok", the task's answer) or ("error", why it has none)."""
        try:
            self.ensure()
        except Exception as e:  # it started once; now it cannot (memory, disk, stopping)
            return "error", f"the labeller did not restart: {type(e).__name__}: {e}"
        try:
            self._conn.send((task, target))
            if not self._conn.poll(self.task_timeout):
                self._stop()
                return "error", f"prediction took over {self.task_timeout:g} s; stopped"
            return self._conn.recv()
        except (EOFError, OSError):
            self._stop()
            return "error", "the labeller process died"

    def close(self) -> None:
        # without waiting for its user: a request thread may be waiting on the child killed here
        self.closed = True
        proc, conn = self._proc, self._conn
        if proc is not None:
            proc.kill()
            proc.join(5)
            conn.close()


class Predictor:
    """``workers`` labeller processes; a task goes to an idle one, or waits for one. With two,
    a short task is answered while a long one is labelled; more cost memory (a model each) and,
    with a model, cores (each uses all of them)."""

    def __init__(self, engine: str = "rules", model: str | None = None, task_timeout: float = TASK_TIMEOUT,
                 workers: int = WORKERS, start_timeout: float = 300.0):  # fmt: skip
        ctx = multiprocessing.get_context("spawn")
        self._all = [_Labeller(ctx, engine, model, task_timeout, start_timeout) for _ in range(workers)]
        self._idle: queue.SimpleQueue[_Labeller] = queue.SimpleQueue()
        self._count_lock = threading.Lock()
        self._labelling = 0
        self.busy = threading.Event()  # set while a task is being labelled (tests watch it)

    @property
    def version(self) -> str:
        return self._all[0].version

    def start(self) -> str:
        """Start every labeller, all at once; raises what loading one raised (ValueError for a
        directory with no model)."""
        for w in self._all:
            w.launch()
        for w in self._all:
            w.wait_ready()
            self._idle.put(w)
        return self.version

    def _count(self, step: int) -> None:
        with self._count_lock:
            self._labelling += step
            (self.busy.set if self._labelling else self.busy.clear)()

    def predict(self, task: dict[str, Any], target: Target) -> dict[str, Any]:
        worker = self._idle.get()
        self._count(1)
        try:
            kind, value = worker.predict(task, target)
        finally:
            self._count(-1)
            self._idle.put(worker)
        if kind == "ok":
            return value
        # no ``result``: Label Studio logs it as an incorrect prediction and stores nothing
        # (an empty prediction would read as "nothing found", never asked again); the other
        # tasks keep theirs
        log.warning("gkml ls serve: task %s: %s", task.get("id", "?"), value)
        return {"model_version": self.version, "error": value}

    def close(self) -> None:
        for w in self._all:
            w.close()


# --- the WSGI application ----------------------------------------------------------------------

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable"}  # fmt: skip
_POST_ONLY = ("/setup", "/predict", "/webhook", "/train")


class App:
    """The WSGI application: auth, routes, JSON in and out. Never raises to waitress.

    ``/predict`` takes at most ``predict_slots`` worker threads at once (then 503 with
    ``Retry-After``), so ``/health`` and the other short requests always find a thread."""

    def __init__(self, predictor: Predictor, model_class: str, credentials: tuple[str, str] | None,
                 predict_slots: int, quiet: bool = False):  # fmt: skip
        self.predictor, self.model_class, self.credentials = predictor, model_class, credentials
        self.quiet = quiet
        self._slots = threading.BoundedSemaphore(predict_slots)

    @property
    def version(self) -> str:
        return self.predictor.version

    def health(self) -> dict[str, Any]:
        return {"status": "UP", "model_class": self.model_class, "model_version": self.version}

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> list[bytes]:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        shown = repr(path[:200])[1:-1]  # a %0A in the path must not forge a log line
        headers: list[tuple[str, str]] = []
        try:
            status, body = self.handle(environ, method, path.rstrip("/"))
        except HTTPError as e:
            status, body, headers = e.status, {"error": e.message}, e.headers
        except Exception as e:  # a bug: logged here, the client learns nothing of the internals
            log.error("gkml ls serve: %s %s: internal error %s: %s", method, shown, type(e).__name__, e)
            log.debug("gkml ls serve: the internal error", exc_info=True)  # -v shows where
            status, body = 500, {"error": "internal error"}
        try:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a task's text: \\u-escape it
            data = json.dumps(body).encode("ascii")
        if not self.quiet:
            log.info("gkml ls serve: %s %s %d", method, shown, status)
        start_response(
            f"{status} {_REASONS.get(status, 'Error')}",
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Length", str(len(data))),
                *headers,
            ],
        )
        return [data] if method != "HEAD" else []

    def handle(self, environ: dict[str, Any], method: str, path: str) -> tuple[int, dict[str, Any]]:
        if self.credentials is not None and not authorized(
            environ.get("HTTP_AUTHORIZATION", ""), self.credentials
        ):
            raise HTTPError(401, "authentication required", [("WWW-Authenticate", 'Basic realm="gkml"')])
        if method in ("GET", "HEAD"):
            if path in ("", "/health"):
                return 200, self.health()
            if path == "/versions":
                return 200, {"versions": [self.version], "model_version": self.version}
            if path in _POST_ONLY:
                raise HTTPError(405, f"{path} takes POST", [("Allow", "POST")])
            raise HTTPError(404, f"no such endpoint: {method} {path[:200]}")
        if method != "POST":
            raise HTTPError(405, f"method {method[:20]} not allowed", [("Allow", "GET, HEAD, POST")])
        if path not in _POST_ONLY:
            raise HTTPError(404, f"no such endpoint: POST {path[:200]}")
        # waitress has checked Content-Length (digits only, within the limit) and read the
        # whole body, chunked ones too, before calling us
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = parse_json(environ["wsgi.input"].read(length) if length else b"")
        if path == "/setup":
            return 200, {"model_version": self.version}
        if path == "/webhook":
            return 200, {"status": "ignored"}
        if path == "/train":
            return 501, {
                "error": "gkml trains offline: `gkml ls pull`, `gkml ls convert`, then `gkml train CONFIG`"
            }
        tasks, target = check_predict(body)
        if not self._slots.acquire(blocking=False):
            raise HTTPError(503, "busy predicting; retry later", [("Retry-After", "5")])
        try:
            results = [self.predictor.predict(t, target) for t in tasks]
        finally:
            self._slots.release()
        return 200, {"results": results, "model_version": self.version}


# --- the server ----------------------------------------------------------------------------------


class BackendServer(HTTPServer):
    """The ML backend: the waitress server, its app and the labeller process (``url``,
    ``version``, ``serve_forever``, ``shutdown``, ``server_close``)."""

    def __init__(self, app: App, host: str, port: int, **options: Any):
        super().__init__(app, host, port, **options)
        self.app, self.predictor = app, app.predictor

    @property
    def version(self) -> str:
        return self.app.version

    @property
    def model_class(self) -> str:
        return self.app.model_class

    def server_close(self) -> None:
        self.predictor.close()  # first: request threads waiting on the labeller return
        super().server_close()


def make_server(
    host: str = "127.0.0.1",
    port: int = 9090,
    engine: str = "rules",
    model: str | None = None,
    quiet: bool = False,
    *,
    auth: tuple[str, str] | bool | None = None,
    threads: int = THREADS,
    max_body: int = MAX_BODY,
    max_header: int = MAX_HEADER,
    idle_timeout: int = 30,
    header_timeout: float = 10.0,
    request_timeout: float = 60.0,
    task_timeout: float = TASK_TIMEOUT,
    workers: int = WORKERS,
    connection_limit: int = 100,
) -> BackendServer:
    """A ready backend (bound, labeller started, not yet serving); ``port=0`` picks a free port.

    ``auth``: see :func:`gkml.annotate.server.auth_for` (None: from the environment, required
    beyond loopback; False: none). ``threads``: waitress worker threads, ``/predict`` may hold
    all but two. ``max_body``: bytes per request body (413 beyond). ``idle_timeout``,
    ``header_timeout``, ``request_timeout``: seconds a connection may stay silent, take for its
    headers, take for its whole request. ``task_timeout``: seconds one task may be labelled;
    ``workers``: labeller processes.
    Raises ValueError for a bad setting, a model directory with no model, or missing auth."""
    if threads < 3:
        raise ValueError("threads must be at least 3: /predict may use all but two")
    if max_body < 1 or task_timeout <= 0 or workers < 1:
        raise ValueError("the body limit, the task timeout and the workers must be positive")
    credentials = auth_for(host, auth)  # before anything starts
    if model is not None and engine == "rules":
        engine = "model"  # --model DIR with the default engine: the rules take no model
    predictor = Predictor(engine, model, task_timeout=task_timeout, workers=workers)
    try:
        predictor.start()
    except BaseException:
        predictor.close()  # the labellers started before the one that failed
        raise
    model_class = "gkml.model.network" if model else f"gkml.{engine}"
    app = App(predictor, model_class, credentials, predict_slots=threads - 2, quiet=quiet)
    try:
        return BackendServer(
            app, host, port, threads=threads, max_body=max_body, max_header=max_header, idle_timeout=idle_timeout,
            header_timeout=header_timeout, request_timeout=request_timeout, connection_limit=connection_limit,
        )  # fmt: skip
    except BaseException:
        predictor.close()
        raise
