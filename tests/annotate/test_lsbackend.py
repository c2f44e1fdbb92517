"""The ML backend over real HTTP, with requests shaped exactly as Label Studio 1.23.2 sends
them (recorded from the server: tests/fixtures/labelstudio/*.json). The server test
(test_labelstudio_server.py) connects a real Label Studio to it as well."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
from conftest import FIXTURES, ROOT

from gkml.annotate.backend import make_server, target_of
from gkml.annotate.config import label_config
from gkml.annotate.tasks import regions
from gkml.rules import label

RECORDED = FIXTURES / "labelstudio"


@pytest.fixture(scope="module")
def backend():
    server = make_server(port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def call(server, path: str, body: dict | bytes | None = None) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(server.url + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def recorded(name: str) -> dict:
    """A request Label Studio sent, with gkml's current label config put back in."""
    raw = (RECORDED / f"{name}_request.json").read_text(encoding="utf-8")
    return json.loads(
        raw.replace('"$GENERATED_LABEL_CONFIG"', json.dumps(label_config(), ensure_ascii=False))
    )["body"]


def test_health_and_setup(backend):
    assert call(backend, "/health") == (
        200,
        {"status": "UP", "model_class": "gkml.rules", "model_version": "rules"},
    )
    assert call(backend, "/")[0] == 200
    body = recorded("setup")
    assert set(body) == {"project", "schema", "hostname", "access_token", "extra_params"}
    assert call(backend, "/setup", body) == (200, {"model_version": "rules"})


def test_predict_answers_what_label_studio_asked(backend):
    from label_studio_sdk.label_interface import LabelInterface

    body = recorded("predict")
    (task,) = body["tasks"]
    text = task["data"]["text"]
    assert text.startswith("𠀾𡘙")  # astral characters before every span: offsets are code points
    status, answer = call(backend, "/predict", body)
    assert status == 200
    (result,) = answer["results"]
    assert result["model_version"] == "rules" and 0 < result["score"] <= 1
    assert result["result"] == regions(text, label(text))
    li = LabelInterface(label_config())
    assert li.validate_prediction(result, return_errors=True) == []
    texts = {(r["value"]["labels"][0], r["value"]["text"]) for r in result["result"]}
    assert {("FACT.active", "47条"), ("FACT.request", "36件"), ("FACT.other", "31件")} <= texts
    for r in result["result"]:
        assert text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]


def test_predict_one_result_per_task_in_order(backend):
    body = recorded("predict")
    first = body["tasks"][0]
    second = {
        **first,
        "id": first["id"] + 1,
        "data": {**first["data"], "text": "一、总体情况\n收到申请12件。"},
    }
    empty = {**first, "id": first["id"] + 2, "data": {"other": "no text field"}}
    status, answer = call(backend, "/predict", {**body, "tasks": [first, second, empty]})
    assert status == 200 and len(answer["results"]) == 3
    assert [r["value"]["text"] for r in answer["results"][1]["result"]] == ["一、总体情况", "12件"]
    assert answer["results"][2] == {"result": [], "score": 0.0, "model_version": "rules"}


def test_predict_follows_the_projects_own_config(backend):
    """Another project's names and a subset of labels: regions carry its names and only its labels."""
    config = (
        '<View><Text name="doc" value="$body"/>'
        '<Labels name="ner" toName="doc"><Label value="年份" alias="YEAR"/><Label value="SEC1"/></Labels></View>'
    )
    body = {**recorded("predict"), "label_config": config}
    body["tasks"] = [
        {**body["tasks"][0], "data": {"body": "衡南县卫生健康局2020年政府信息公开年度报告\n一、总体情况\n"}}
    ]
    status, answer = call(backend, "/predict", body)
    assert status == 200
    got = [
        (r["from_name"], r["to_name"], r["value"]["labels"], r["value"]["text"])
        for r in answer["results"][0]["result"]
    ]
    assert got == [("ner", "doc", ["YEAR"], "2020"), ("ner", "doc", ["SEC1"], "一、总体情况")]
    assert target_of(config).labels == frozenset({"YEAR", "SEC1"})
    assert target_of("not xml").from_name == "label"


def test_other_endpoints(backend):
    assert call(backend, "/webhook", {"action": "ANNOTATION_CREATED", "project": {"id": 1}}) == (
        200,
        {"status": "ignored"},
    )
    assert call(backend, "/versions")[1]["versions"] == ["rules"]
    status, answer = call(backend, "/train", {"annotations": [], "project": "1.1"})
    assert status == 501 and "gkml train" in answer["error"]
    assert call(backend, "/nope", {})[0] == 404
    assert call(backend, "/predict", b"{not json")[0] == 400
    assert call(backend, "/predict", {"tasks": "x"})[0] == 400


def test_serve_refuses_a_model_directory_that_is_not_one(tmp_path):
    with pytest.raises(ValueError, match="no config.json"):
        make_server(port=0, model=str(tmp_path))


def test_serve_a_trained_model(tmp_path):
    """`gkml ls serve --model DIR`: a tiny model trained here on the annotated seeds answers
    /predict with its own version and scores (what it finds may be little: one epoch)."""
    pytest.importorskip("torch")
    from gkml.training.config import load_config
    from gkml.training.train import train

    out = tmp_path / "tiny"
    cfg = load_config(
        ROOT / "configs" / "tiny.yaml",
        {
            "output_dir": str(out),
            "data": {
                "train": [{"kind": "labelstudio", "path": str(ROOT / "annotations" / "seeds.json")}],
                "eval": [
                    {"kind": "labelstudio", "path": str(ROOT / "annotations" / "real.json"), "limit": 2}
                ],
                "cache_dir": str(tmp_path / "cache"),
            },
            "training": {"max_steps": 3},
        },
    )
    train(cfg, progress=False)
    server = make_server(port=0, model=str(out), quiet=True, workers=1)  # one model process is enough here
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert call(server, "/health")[1] == {
            "status": "UP",
            "model_class": "gkml.model.network",
            "model_version": "model:tiny",
        }
        body = recorded("predict")
        status, answer = call(server, "/predict", body)
        assert status == 200
        (result,) = answer["results"]
        assert result["model_version"] == "model:tiny" and 0 <= result["score"] <= 1
        text = body["tasks"][0]["data"]["text"]
        for r in result["result"]:
            assert text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]
            assert 0 <= r["score"] <= 1
    finally:
        server.shutdown()
        server.server_close()


def test_request_log_names_method_path_status_never_the_token():
    """Each request is logged (method, path, status); the access token Label Studio sends to
    /setup is not."""
    import logging

    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda r: records.append(r.getMessage())
    logger = logging.getLogger("gkml.annotate.backend")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    server = make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        body = recorded("setup")
        assert body["access_token"]
        assert call(server, "/setup", body)[0] == 200
        assert call(server, "/nope")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert records == ["gkml ls serve: POST /setup 200", "gkml ls serve: GET /nope 404"]
