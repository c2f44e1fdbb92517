"""The annotation loop against a real Label Studio 1.23.2 server.

scripts/labelstudio.sh installs the server in its own venv (.venv-ls, with uv) and starts it
on 127.0.0.1 with a throwaway data dir, an admin user and a preset API token; the tests then
drive gkml's commands against it: push tasks with predictions, annotate through the API as
the editor saves an annotation, pull, convert, and connect gkml's ML backend. The server is
stopped at the end whatever happens. Slow (an install and ~70 s of first-start migrations):
skipped by ``pytest -m "not slow"``, run by ``make test``.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, SAMPLES

from gkml.annotate.backend import make_server
from gkml.annotate.client import connect, find_project
from gkml.annotate.config import label_config
from gkml.annotate.tasks import regions
from gkml.cli import main
from gkml.rules import label

pytestmark = pytest.mark.slow

SCRIPT = ROOT / "scripts" / "labelstudio.sh"
SEED = SAMPLES / "000_7cbeb50e901d1ece.txt"
ASTRAL = "𠀾𡘙扩展B区字\n"  # two CJK Extension-B characters: 2 code points, 4 UTF-16 units
START_TIMEOUT = 900  # install with a cold cache + first-start migrations (~70 s measured)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    token: str
    log: Path
    timings: dict[str, float] = field(default_factory=dict)


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Label Studio exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200 and json.loads(r.read()).get("status") == "UP":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"Label Studio not up after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    """The whole process group (label-studio and anything it started), politely then not."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory, request):
    tmp = tmp_path_factory.mktemp("labelstudio")
    port, token = free_port(), secrets.token_hex(20)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(tmp / "data"),
        LS_PORT=str(port),
        LABEL_STUDIO_API_KEY=token,
        LABEL_STUDIO_USERNAME="annotator@example.com",
        LABEL_STUDIO_PASSWORD=secrets.token_urlsafe(16),
    )
    srv = Server(url=f"http://127.0.0.1:{port}", token=token, log=tmp / "server.log")
    t0 = time.perf_counter()
    subprocess.run(["bash", str(SCRIPT), "--install-only"], env=env, check=True, timeout=START_TIMEOUT)
    srv.timings["install"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with open(srv.log, "w") as log:
        proc = subprocess.Popen(
            ["bash", str(SCRIPT)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_up(srv.url, proc, srv.log, START_TIMEOUT)
        srv.timings["first start"] = time.perf_counter() - t0
        yield srv
    finally:
        t0 = time.perf_counter()
        stop(proc)
        srv.timings["stop"] = time.perf_counter() - t0
        report = ", ".join(f"{k} {v:.1f} s" for k, v in srv.timings.items())
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():  # shown even when pytest captures output
            print(f"\nLabel Studio server test timings: {report}", flush=True)
        assert proc.returncode is not None


@pytest.fixture
def env(server, monkeypatch):
    """gkml reads the server and key from the environment, as the README tells users to set them."""
    monkeypatch.setenv("LABEL_STUDIO_URL", server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", server.token)
    return server


def result_of(obj) -> list[dict]:
    return obj.result if hasattr(obj, "result") else obj["result"]


def span_of(item: dict) -> tuple[int, int, str]:
    v = item["value"]
    return v["start"], v["end"], v["labels"][0]


def manual(text: str, start: int, sub: str, lab: str, rid: str) -> dict:
    """A region as the editor saves one."""
    assert text[start : start + len(sub)] == sub
    return {
        "id": rid, "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
        "value": {"start": start, "end": start + len(sub), "text": sub, "labels": [lab]},
    }  # fmt: skip


def test_round_trip_keeps_chinese_offsets(env, tmp_path, capsys):
    t_start = time.perf_counter()
    astral = tmp_path / "P19-astral.txt"
    astral.write_text(ASTRAL + (FIXTURES / "real" / "P19.txt").read_text(encoding="utf-8"), encoding="utf-8")
    tasks_json = tmp_path / "tasks.json"
    assert main(["ls", "tasks", str(SEED), str(astral), "-o", str(tasks_json)]) == 0
    local = {t["data"]["doc_id"]: t for t in json.loads(tasks_json.read_text(encoding="utf-8"))}
    title = "gkml round trip"
    assert main(["ls", "push", str(tasks_json), "--project", title]) == 0
    assert "created: 2 tasks imported (2 predictions)" in capsys.readouterr().out

    ls = connect()
    project = find_project(ls, title)
    assert project.label_config.strip() == label_config().strip()  # the generated config, as sent
    server_tasks = {t.data["doc_id"]: t for t in ls.tasks.list(project=project.id, fields="all")}
    assert set(server_tasks) == set(local) == {SEED.stem, "P19-astral"}
    for doc_id, t in server_tasks.items():
        text = t.data["text"]
        assert text == local[doc_id]["data"]["text"]
        (pred,) = t.predictions
        assert (pred.model_version if hasattr(pred, "model_version") else pred["model_version"]) == "rules"
        got = [span_of(r) for r in result_of(pred)]
        assert got == [span_of(r) for r in local[doc_id]["predictions"][0]["result"]]
        for r in result_of(pred):
            assert text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]

    # the annotator accepts the pre-annotation, deletes one region and adds one
    expected = {}
    for doc_id, t in server_tasks.items():
        text = t.data["text"]
        result = [r for r in result_of(t.predictions[0]) if r["value"]["labels"] != ["YEAR"]]
        if doc_id == SEED.stem:
            sub = "张家港市南丰镇人民政府"
            result.append(manual(text, text.rindex(sub), sub, "AGENCY", "m1"))
        else:
            sub = "绍兴市越城区东湖街道"
            start = text.index(sub)
            assert (
                len(text[:start].encode("utf-16-le")) // 2 == start + 2
            )  # UTF-16 offsets would be 2 further on
            result.append(manual(text, start, sub, "AGENCY", "m1"))
        ls.annotations.create(id=t.id, result=result, was_cancelled=False, ground_truth=False, lead_time=42.0)
        expected[doc_id] = sorted(span_of(r) for r in result)

    exported = tmp_path / "annotations" / "round-trip.json"
    assert main(["ls", "pull", "--project", title, "-o", str(exported)]) == 0
    pulled = json.loads(exported.read_text(encoding="utf-8"))
    assert len(pulled) == 2
    for task in pulled:
        (ann,) = task["annotations"]
        assert "prediction" not in ann and ann["lead_time"] == 42.0
        assert sorted(span_of(r) for r in ann["result"]) == expected[task["data"]["doc_id"]]

    out = tmp_path / "dataset"
    assert main(["ls", "convert", str(tmp_path / "annotations"), "-o", str(out)]) == 0
    records = {
        r["doc_id"]: r
        for r in map(json.loads, (out / "reports.jsonl").read_text(encoding="utf-8").splitlines())
    }
    for doc_id, record in records.items():
        assert sorted((s["start"], s["end"], s["label"]) for s in record["spans"]) == expected[doc_id]
    text = records["P19-astral"]["text"]
    assert text.startswith(ASTRAL)
    agency = next(s for s in records["P19-astral"]["spans"] if s["label"] == "AGENCY")
    assert text[agency["start"] : agency["end"]] == "绍兴市越城区东湖街道"
    from datasets import load_from_disk

    row = next(r for r in load_from_disk(str(out / "dataset")) if r["id"] == records["P19-astral"]["id"])
    assert row["tags"][agency["start"]] == "B-AGENCY" and row["tags"][agency["start"] - 1] == "O"

    # pushing the same file again imports nothing twice
    assert main(["ls", "push", str(tasks_json), "--project", title]) == 0
    assert "found: 0 tasks imported (0 predictions), 2 already there" in capsys.readouterr().out
    env.timings["round trip"] = time.perf_counter() - t_start


def test_connected_ml_backend_pre_annotates_opened_tasks(env, tmp_path):
    t_start = time.perf_counter()
    backend = make_server(port=0, quiet=True)
    thread = threading.Thread(target=backend.serve_forever, daemon=True)
    thread.start()
    try:
        tasks_json = tmp_path / "tasks.json"
        paths = [str(FIXTURES / "real" / "P10.txt"), str(FIXTURES / "real" / "P07.txt")]
        assert main(["ls", "tasks", *paths, "--no-predictions", "-o", str(tasks_json)]) == 0
        title = "gkml ml backend"
        assert main(["ls", "push", str(tasks_json), "--project", title]) == 0
        ls = connect()
        project = find_project(ls, title)
        ml = ls.ml.create(url=backend.url, project=project.id, title="gkml rules", is_interactive=True)
        assert ml.readable_state == "Connected" and ml.model_version == "rules"
        task_ids = [t.id for t in ls.tasks.list(project=project.id)]
        ls.tasks.get(id=task_ids[0])  # opening a task in the editor asks the backend
        ls.actions.create(  # the Data Manager's "Retrieve Predictions" on the other one
            id="retrieve_tasks_predictions",
            project=project.id,
            selected_items={"all": False, "included": task_ids[1:]},
        )
        for t in ls.tasks.list(project=project.id, fields="all"):
            text = t.data["text"]
            (pred,) = t.predictions
            assert (
                pred.model_version if hasattr(pred, "model_version") else pred["model_version"]
            ) == ml.model_version
            assert [span_of(r) for r in result_of(pred)] == [span_of(r) for r in regions(text, label(text))]
            for r in result_of(pred):
                assert text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]
    finally:
        backend.shutdown()
        backend.server_close()
    env.timings["ml backend"] = time.perf_counter() - t_start


def test_connected_ml_backend_with_basic_auth(env, tmp_path):
    """Connect Model → Basic Authentication reaches a backend that requires it (Label Studio
    sends the credentials with requests' HTTPBasicAuth, Latin-1, on /health too); without
    them Label Studio cannot add the backend."""
    backend = make_server(port=0, quiet=True, auth=("ls-user", "pä:ss word"))
    thread = threading.Thread(target=backend.serve_forever, daemon=True)
    thread.start()
    try:
        tasks_json = tmp_path / "tasks.json"
        paths = [str(FIXTURES / "real" / "P10.txt")]
        assert main(["ls", "tasks", *paths, "--no-predictions", "-o", str(tasks_json)]) == 0
        title = "gkml ml backend auth"
        assert main(["ls", "push", str(tasks_json), "--project", title]) == 0
        ls = connect()
        project = find_project(ls, title)
        try:
            state = ls.ml.create(url=backend.url, project=project.id, title="no auth").readable_state
        except Exception as e:  # Label Studio refuses a backend whose /health does not answer 200
            state = f"refused: {type(e).__name__}"
        assert state != "Connected", state
        ml = ls.ml.create(
            url=backend.url, project=project.id, title="gkml rules auth", is_interactive=True,
            auth_method="BASIC_AUTH", basic_auth_user="ls-user", basic_auth_pass="pä:ss word",
        )  # fmt: skip
        assert ml.readable_state == "Connected" and ml.model_version == "rules"
        (task_id,) = [t.id for t in ls.tasks.list(project=project.id)]
        ls.tasks.get(id=task_id)  # opening the task asks the backend, with the credentials
        (t,) = ls.tasks.list(project=project.id, fields="all")
        (pred,) = t.predictions
        text = t.data["text"]
        assert [span_of(r) for r in result_of(pred)] == [span_of(r) for r in regions(text, label(text))]
    finally:
        backend.shutdown()
        backend.server_close()


def test_a_task_over_the_time_limit_gets_no_prediction(env, tmp_path):
    """A task stopped at --task-timeout is answered without a ``result``: Label Studio logs it
    and stores nothing for it (so it is asked again later), and the other task of the same
    request gets its prediction."""
    backend = make_server(port=0, quiet=True, task_timeout=1.0)
    thread = threading.Thread(target=backend.serve_forever, daemon=True)
    thread.start()
    try:
        big = tmp_path / "big.txt"  # ~1 MB: the rules take several seconds on it
        big.write_text((SEED.read_text(encoding="utf-8") + "\n") * 150, encoding="utf-8")
        tasks_json = tmp_path / "tasks.json"
        paths = [str(big), str(FIXTURES / "real" / "P10.txt")]
        assert main(["ls", "tasks", *paths, "--no-predictions", "-o", str(tasks_json)]) == 0
        title = "gkml ml backend time limit"
        assert main(["ls", "push", str(tasks_json), "--project", title]) == 0
        ls = connect()
        project = find_project(ls, title)
        ls.ml.create(url=backend.url, project=project.id, title="gkml rules 1 s")
        ids = {t.data["doc_id"]: t.id for t in ls.tasks.list(project=project.id)}
        ls.actions.create(
            id="retrieve_tasks_predictions",
            project=project.id,
            selected_items={"all": False, "included": list(ids.values())},
        )
        got = {t.data["doc_id"]: t for t in ls.tasks.list(project=project.id, fields="all")}
        assert got["big"].predictions == []
        (pred,) = got["P10"].predictions
        text = got["P10"].data["text"]
        assert [span_of(r) for r in result_of(pred)] == [span_of(r) for r in regions(text, label(text))]
    finally:
        backend.shutdown()
        backend.server_close()
