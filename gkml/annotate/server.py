"""The HTTP side of the ML backend (``gkml ls serve``): waitress with deadlines, request
bodies as checked JSON, and HTTP basic auth. What the backend answers is
:mod:`gkml.annotate.backend`; this module only keeps hostile or broken clients out of it.

* waitress 3.0.2 (pure Python, one package) buffers a whole request in its I/O thread before
  a worker thread sees it, so a slow client holds a socket, never a worker. It answers a
  bad or negative ``Content-Length`` with 400, a declared or chunked body over the limit
  with 413, headers over the limit with 431, an unknown transfer coding with 501, and closes
  a connection idle for ``idle_timeout`` seconds.
* :class:`_Server` adds the deadlines waitress lacks, which a client sending a byte now and
  then cannot reset: headers complete within ``header_timeout`` and the whole request within
  ``request_timeout`` of its first byte, else the connection is closed without an answer.
* :func:`parse_json` turns every malformed body (not UTF-8, not JSON, nested deeper than
  :data:`MAX_DEPTH`, a number past Python's digit limit) into a 400, never a traceback.
* :func:`auth_for` decides whether requests must carry basic-auth credentials: Label
  Studio's *Connect Model* dialog sends them (its ``Basic Authentication`` method, through
  ``requests.auth.HTTPBasicAuth``) on every call, ``/health`` included.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import json
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import TcpWSGIServer

MAX_DEPTH = 64  # a Label Studio request nests about 6 deep; pickling to the labeller recurses
USER_ENV, PASSWORD_ENV = "GKML_BACKEND_USER", "GKML_BACKEND_PASSWORD"


class HTTPError(Exception):
    """An answer other than 200: its status, a message for the client, extra headers."""

    def __init__(self, status: int, message: str, headers: Iterable[tuple[str, str]] = ()):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, list(headers)


# --- request bodies ------------------------------------------------------------------------------


def _depth_ok(value: Any, limit: int) -> bool:
    """Whether containers nest at most ``limit`` deep; iterative, so no recursion limit."""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if d > limit:
            return False
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values() if isinstance(x, (dict, list)))
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v if isinstance(x, (dict, list)))
    return True


def parse_json(raw: bytes, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """A request body as a JSON object ({} when empty), or :class:`HTTPError` 400.
    ``json.loads`` raises ``RecursionError`` (not ``JSONDecodeError``) past ~1000 levels,
    ``UnicodeDecodeError`` on bytes that are not UTF-8/16/32 and ``ValueError`` on integers
    over 4300 digits: all of them are the client's mistake, none may become a 500."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except RecursionError:
        raise HTTPError(400, f"JSON nested more than {max_depth} levels deep") from None
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, the integer digit limit
        raise HTTPError(400, f"not JSON: {str(e)[:200]}") from None
    if not isinstance(body, dict):
        raise HTTPError(400, "expected a JSON object")
    if not _depth_ok(body, max_depth):
        raise HTTPError(400, f"JSON nested more than {max_depth} levels deep")
    return body


# --- authentication ------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach ``host``; a host name may resolve anywhere."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def auth_for(
    host: str, auth: tuple[str, str] | bool | None = None, env: dict[str, str] | None = None
) -> tuple[str, str] | None:
    """The (user, password) every request must carry, or None for none.

    ``auth``: a pair to use; False to serve without (``--no-auth``: behind a proxy that
    authenticates); None (default) for ``GKML_BACKEND_USER``/``GKML_BACKEND_PASSWORD`` from
    ``env`` (the environment), used whenever they are set and required when ``host`` is
    beyond loopback: predictions need no secret, but an open backend lets anyone on the
    network keep the labeller busy. Raises ValueError saying what to set."""
    if auth is False:
        return None
    if isinstance(auth, tuple):
        user, password = auth
        where = "auth"
    else:
        env = os.environ if env is None else env
        user, password = env.get(USER_ENV, ""), env.get(PASSWORD_ENV, "")
        where = f"{USER_ENV} and {PASSWORD_ENV}"
    if user and password:
        try:
            (user + password).encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(
                "basic auth user and password must be Latin-1 characters (Label Studio sends them so)"
            ) from None
        if ":" in user:
            raise ValueError("a basic auth user name cannot contain ':'")
        return user, password
    if user or password:
        raise ValueError(f"basic auth needs a user and a password: set both {where}, or neither")
    if not is_loopback(host):
        raise ValueError(
            f"refusing to serve on {host} without authentication: set {USER_ENV} and {PASSWORD_ENV} "
            "(and the same user and password in Label Studio's Connect Model dialog, "
            "Basic Authentication), bind 127.0.0.1, or pass --no-auth behind a proxy that authenticates"
        )
    return None


def authorized(header: str, credentials: tuple[str, str]) -> bool:
    """Whether an ``Authorization`` header carries ``credentials``. Label Studio sends them
    with ``requests``' HTTPBasicAuth, which encodes text as Latin-1; curl and browsers send
    UTF-8: both are accepted (:func:`auth_for` keeps credentials Latin-1-encodable)."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).partition(b":")
    except (binascii.Error, ValueError):
        return False
    ok = False
    for encoding in ("latin-1", "utf-8"):
        # both parts compared, always: the time taken tells nothing about which one is wrong
        ok_user = hmac.compare_digest(user, credentials[0].encode(encoding))
        ok_password = hmac.compare_digest(password, credentials[1].encode(encoding))
        ok |= ok_user and ok_password
    return bool(sep) and ok


# --- waitress with deadlines -------------------------------------------------------------------


class _Parser(HTTPRequestParser):
    """Waitress's request parser, knowing when the request's first byte came, and refusing
    HTTP versions other than 1.0 and 1.1 (waitress would answer ``HTTP/9.9`` as 1.0)."""

    def __init__(self, adj: Adjustments):
        super().__init__(adj)
        self.started = time.monotonic()

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if self.version not in ("1.0", "1.1"):
            raise ParsingError(f"unsupported HTTP version {self.version[:10]!r}")  # waitress: 400


class _Channel(HTTPChannel):
    parser_class = _Parser


class _Server(TcpWSGIServer):
    """Waitress closes a connection only after ``channel_timeout`` seconds without a byte, so
    a client dripping a byte at a time would hold it for ever. This also closes a connection
    whose request has not got its headers within ``header_timeout`` or its whole body within
    ``request_timeout`` seconds. Runs in waitress's I/O thread every ``cleanup_interval``."""

    channel_class = _Channel
    header_timeout = 10.0
    request_timeout = 60.0

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        mono = time.monotonic()
        for channel in list(self.active_channels.values()):
            req = channel.request  # the request being received; None between requests
            if req is None or req.completed:
                continue
            age = mono - req.started
            if age > self.request_timeout or (not req.headers_finished and age > self.header_timeout):
                channel.will_close = True  # waitress closes it in its next loop


class HTTPServer:
    """A bound waitress server for one WSGI app, run by :meth:`serve_forever` in the calling
    thread and stopped from another by :meth:`shutdown` — the interface of the standard
    library's servers, which ``gkml ls serve`` and the tests use."""

    def __init__(
        self,
        app: Any,
        host: str,
        port: int,
        *,
        threads: int,
        max_body: int,
        max_header: int,
        idle_timeout: int,
        header_timeout: float,
        request_timeout: float,
        connection_limit: int,
    ):
        self.adj = Adjustments(
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=max_body + 1,  # waitress refuses a Content-Length >= this
            max_request_header_size=max_header,
            channel_timeout=idle_timeout,
            cleanup_interval=max(1, min(5, int(min(idle_timeout, header_timeout, request_timeout) // 2))),
            connection_limit=connection_limit,
            log_socket_errors=False,  # a client resetting its connection is not our traceback
            expose_tracebacks=False,
            ident="gkml",
        )
        self._map: dict = {}
        self.server = _Server(app, map=self._map, adj=self.adj)
        self.server.header_timeout, self.server.request_timeout = header_timeout, request_timeout
        self._stop = threading.Event()
        self._done = threading.Event()
        self._done.set()

    @property
    def server_address(self) -> tuple[str, int]:
        return self.server.effective_host, int(self.server.effective_port)

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def serve_forever(self) -> None:
        self._done.clear()
        try:
            while not self._stop.is_set() and self._map:
                wasyncore.loop(
                    timeout=self.adj.asyncore_loop_timeout,
                    map=self._map,
                    use_poll=self.adj.asyncore_use_poll,
                    count=1,
                )
        finally:
            self._done.set()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` (called from another thread) and wait for it."""
        self._stop.set()
        self.server.pull_trigger()
        self._done.wait()

    def server_close(self) -> None:
        """Stop the worker threads (waiting up to 5 s for running requests) and close every socket."""
        self.server.task_dispatcher.shutdown(timeout=5)
        wasyncore.close_all(self._map, ignore_all=True)
