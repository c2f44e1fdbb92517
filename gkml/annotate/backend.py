"""A Label Studio ML backend: ``gkml ls serve`` answers Label Studio's model requests with
gkml's labeller, so a connected project gets pre-annotations on every task it opens.

The HTTP API is the one ``label_studio/ml/api_connector.py`` (1.23.2) calls:

* ``GET /health`` (also ``GET /``) → ``{"status": "UP", "model_class": ..., "model_version": ...}``
  — checked when the backend is added and before every prediction round;
* ``POST /setup`` ``{"project": "ID.TIMESTAMP", "schema": CONFIG, "hostname", "access_token",
  "extra_params"}`` → ``{"model_version": ...}``;
* ``POST /predict`` ``{"tasks": [TASK...], "project", "label_config": CONFIG, "params": {...}}``
  → ``{"results": [{"result": [REGION...], "score", "model_version"}, ...]}``, one result per
  task in order (Label Studio pairs them by position);
* ``GET /versions`` → ``{"versions": [...]}``; ``POST /webhook`` (Label Studio registers
  ``URL/webhook`` for every project event) → 200, ignored; ``POST /train`` → 501: training
  runs offline (``gkml ls convert`` then ``gkml train``).

Standard library only (``ThreadingHTTPServer``): the backend runs in gkml's own venv with
no web framework. The ``access_token`` Label Studio sends to ``/setup`` is never stored or
logged; request logs carry the method and path only.
"""

from __future__ import annotations

import json
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from gkml.annotate.config import DATA_KEY, FROM_NAME, TO_NAME
from gkml.annotate.tasks import regions, task_score
from gkml.labels import Span

MAX_BODY = 200 * 1024 * 1024  # Label Studio sends whole tasks; reports are a few hundred KB at most


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
    accepts; gkml's generated config when there is none."""
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


class _Handler(BaseHTTPRequestHandler):
    server: BackendServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        if not self.server.quiet:
            sys.stderr.write(
                f"gkml ls serve: {self.command} {self.path.split('?')[0]} {args[1] if len(args) > 1 else ''}\n"
            )

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, {"error": f"request body over {MAX_BODY} bytes"})
            return None
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError as e:
            self._send(400, {"error": f"not JSON: {e}"})
            return None
        if not isinstance(body, dict):
            self._send(400, {"error": "expected a JSON object"})
            return None
        return body

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?")[0].rstrip("/")
        if path in ("", "/health"):
            self._send(200, self.server.health())
        elif path == "/versions":
            self._send(200, {"versions": [self.server.version], "model_version": self.server.version})
        else:
            self._send(404, {"error": f"no such endpoint: GET {path}"})

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?")[0].rstrip("/")
        body = self._body()
        if body is None:
            return
        if path == "/setup":
            self._send(200, {"model_version": self.server.version})
        elif path == "/predict":
            tasks = body.get("tasks")
            if not isinstance(tasks, list):
                self._send(400, {"error": "'tasks' must be a list of tasks"})
                return
            target = target_of(body.get("label_config"))
            try:
                results = [self.server.predict(t, target) for t in tasks]
            except Exception as e:  # one bad task must not kill the server; Label Studio logs the error
                self._send(500, {"error": f"{type(e).__name__}: {e}"})
                return
            self._send(200, {"results": results, "model_version": self.server.version})
        elif path == "/webhook":
            self._send(200, {"status": "ignored"})
        elif path == "/train":
            self._send(
                501,
                {"error": "gkml trains offline: `gkml ls pull`, `gkml ls convert`, then `gkml train CONFIG`"},
            )
        else:
            self._send(404, {"error": f"no such endpoint: POST {path}"})


class BackendServer(ThreadingHTTPServer):
    """The HTTP server with its labeller; a lock serialises labelling (a model on CPU uses
    every core already, and a torch module is not meant to be called from two threads)."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], labeller, version: str, model_class: str, quiet: bool = False
    ):
        super().__init__(address, _Handler)
        self.labeller, self.version, self.model_class, self.quiet = labeller, version, model_class, quiet
        self._lock = threading.Lock()

    def health(self) -> dict[str, Any]:
        return {"status": "UP", "model_class": self.model_class, "model_version": self.version}

    def predict(self, task: dict[str, Any], target: Target) -> dict[str, Any]:
        with self._lock:
            return predict_task(task, self.labeller, self.version, target)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def make_server(
    host: str = "127.0.0.1",
    port: int = 9090,
    engine: str = "rules",
    model: str | None = None,
    quiet: bool = False,
) -> BackendServer:
    """A ready (bound, not yet serving) backend; ``port=0`` picks a free port."""
    from gkml.engines import engine_name, get_labeller

    if model is not None and engine == "rules":
        engine = "model"  # --model DIR with the default engine: the rules take no model
    labeller = get_labeller(engine, model)
    version = engine_name(engine, labeller)
    model_class = "gkml.model.network" if model else f"gkml.{engine}"
    return BackendServer((host, port), labeller, version, model_class, quiet)
