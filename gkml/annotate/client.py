"""Talking to a Label Studio server through label-studio-sdk 2.x: credentials, the project
(created with the generated labelling config), pushing tasks and pulling exports.

The API key is only ever passed to the SDK: never printed, logged or written; server
failures become ValueError with the status and the server's answer, never the headers, and
every message goes through :func:`redact`, so a ``user:password@`` in the URL is never echoed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gkml.annotate.config import label_config
from gkml.annotate.export import chosen_annotation

PROJECT_TITLE = "gkml annual reports"

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]*@")  # scheme://user:password@
_SECRET_PARAM = re.compile(r"(?i)\b((?:api[_-]?key|token|access[_-]?token|password)=)[^&\s]+")


def redact(message: str, *secrets: str | None) -> str:
    """``message`` without credentials: a URL's ``user:password@`` becomes ``***@``, a
    ``token=``/``api_key=``/``password=`` parameter's value ``***``, and each of ``secrets``
    (the API key) ``***`` wherever it appears."""
    message = _SECRET_PARAM.sub(r"\1***", _USERINFO.sub(r"\1***@", message))
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return message


def credentials(url: str | None, api_key: str | None) -> tuple[str, str]:
    """URL and API key from the options or ``LABEL_STUDIO_URL`` / ``LABEL_STUDIO_API_KEY``.
    The key is only ever passed to the SDK: never printed, logged or written."""
    url = url or os.environ.get("LABEL_STUDIO_URL")
    api_key = api_key or os.environ.get("LABEL_STUDIO_API_KEY")
    if not url:
        raise ValueError(
            "no Label Studio URL: pass --url or set LABEL_STUDIO_URL (e.g. http://127.0.0.1:8080)"
        )
    if not api_key:
        raise ValueError(
            "no Label Studio API key: pass --api-key or set LABEL_STUDIO_API_KEY "
            "(Account & Settings → Access token, or the token the server was started with)"
        )
    return url.rstrip("/"), api_key


def connect(url: str | None = None, api_key: str | None = None):
    """A ``label_studio_sdk.LabelStudio`` client (legacy token or personal access token),
    checked with one request so a wrong URL or key fails here, with a plain message."""
    try:
        from label_studio_sdk import LabelStudio
    except ImportError:
        raise ValueError("label-studio-sdk is not installed: pip install 'label-studio-sdk==2.1.2'") from None
    base_url, key = credentials(url, api_key)
    ls = LabelStudio(base_url=base_url, api_key=key)
    with server_errors(base_url, key):
        ls.users.whoami()
    return ls


@contextmanager
def server_errors(url: str = "Label Studio", api_key: str | None = None) -> Iterator[None]:
    """Turn SDK and HTTP failures into ValueError with what went wrong (status and the
    server's answer, never the request headers that hold the key, nor any credential:
    :func:`redact`)."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    try:
        yield
    except ApiError as e:
        hint = (
            " (check the API key; legacy tokens need LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true at the first start)"
            if e.status_code == 401
            else ""
        )
        raise ValueError(redact(f"{url} answered {e.status_code}: {str(e.body)[:500]}{hint}", api_key)) from None
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        raise ValueError(redact(f"cannot reach {url}: {type(e).__name__}: {e}", api_key)) from None


def find_project(ls, title: str):
    """The project with exactly this title, or None (the API filters by 'contains')."""
    for p in ls.projects.list(title=title):
        if p.title == title:
            return p
    return None


def ensure_project(ls, title: str = PROJECT_TITLE, config: str | None = None) -> tuple[Any, bool]:
    """``(project, created)``: the project titled ``title`` with the generated labelling
    config, created if missing and its config updated if it differs."""
    config = config or label_config()
    project = find_project(ls, title)
    if project is None:
        return ls.projects.create(
            title=title,
            label_config=config,
            description="gkml: section headings, table cells, narrative counts, metadata",
        ), True
    if (project.label_config or "").strip() != config.strip():
        project = ls.projects.update(id=project.id, label_config=config)
    return project, False


@dataclass
class PushStats:
    project_id: int
    created: bool
    imported: int
    skipped: int  # already in the project (same doc_id)
    predictions: int
    task_ids: list[int] = field(default_factory=list)


def push(ls, tasks: list[dict[str, Any]], title: str = PROJECT_TITLE) -> PushStats:
    """Create or find the project and import the tasks whose ``doc_id`` it does not hold yet,
    so pushing the same file twice does not double the work of the annotators."""
    with server_errors():
        project, created = ensure_project(ls, title)
        present = set()
        if not created:
            for t in ls.tasks.list(project=project.id, fields="task_only"):
                doc_id = (t.data or {}).get("doc_id")
                if doc_id is not None:
                    present.add(doc_id)
        new = [t for t in tasks if t["data"].get("doc_id") is None or t["data"]["doc_id"] not in present]
        imported = ls.projects.import_tasks(id=project.id, request=new, return_task_ids=True) if new else None
    return PushStats(
        project_id=project.id,
        created=created,
        imported=len(new),
        skipped=len(tasks) - len(new),
        predictions=int(getattr(imported, "prediction_count", 0) or 0),
        task_ids=list(getattr(imported, "task_ids", None) or []),
    )


def pull(ls, title: str = PROJECT_TITLE, all_tasks: bool = False) -> list[dict[str, Any]]:
    """The project's JSON export, as the UI's Export → JSON gives it: the annotated tasks
    (every task with ``all_tasks``), each with ``data`` and its ``annotations``."""
    with server_errors():
        project = find_project(ls, title)
        if project is None:
            raise ValueError(f"no Label Studio project titled {title!r}")
        raw = b"".join(
            ls.projects.exports.download_sync(id=project.id, export_type="JSON", download_all_tasks=all_tasks)
        )
    tasks = json.loads(raw)
    if not isinstance(tasks, list):
        raise ValueError(f"unexpected export from project {project.id}: {str(tasks)[:200]}")
    return tasks


def write_export(tasks: list[dict[str, Any]], out: Path) -> int:
    """Write an export to ``out`` and return how many tasks have a completed annotation.

    Each exported annotation embeds a copy of the prediction it started from; the copy is
    dropped (it doubles the file and training never reads it). Everything else is kept as
    Label Studio wrote it, so the file can be imported again."""
    for task in tasks:
        for ann in task.get("annotations") or []:
            if isinstance(ann, dict):
                ann.pop("prediction", None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return sum(chosen_annotation(t) is not None for t in tasks)
