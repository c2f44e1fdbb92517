"""Scale-out: the same predictor in Ray Data actors gives the very records of a local run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gkml.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

pytestmark = pytest.mark.slow  # starts a local Ray instance (~10 s): `pytest -m "not slow"` skips it


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def random_model(tmp_path_factory):
    """A model with random weights (the tiny config, untrained): arbitrary spans, instantly."""
    torch = pytest.importorskip("torch")
    from gkml.model.network import build_model
    from gkml.model.tokenizer import build_tokenizer
    from gkml.training.config import load_config

    cfg = load_config(ROOT / "configs" / "tiny.yaml")
    tokenizer = build_tokenizer([p.read_text(encoding="utf-8") for p in SAMPLES.glob("*.txt")], common="none")
    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("random-model")
    tokenizer.save_pretrained(out)
    build_model(cfg.model, cfg.windowing, tokenizer).save_pretrained(out)
    return out


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("engine", ["rules", "model"])
def test_ray_run_writes_the_records_of_a_local_run(ray_local, random_model, tmp_path, engine):
    inputs = [*(str(p) for p in sorted(SAMPLES.glob("*.txt"))[:3]), str(tmp_path / "missing.txt")]
    local, scaled = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    common = ["-q", "--engine", engine, "--model", str(random_model)]
    assert main(["predict", *inputs, "-o", str(local), *common]) == 0
    assert main(["predict", *inputs, "-o", str(scaled), "--ray", "--actors", "2", *common]) == 0
    got, want = lines(scaled), lines(local)
    assert [r["source"] for r in got] == inputs  # input order, one record each, errors included
    for a, b in zip(got, want, strict=True):
        if engine == "model":  # one torch thread per actor vs two locally: last-digit float differences
            for r in (a, b):
                for c in r["cells"].values():
                    c["score"] = round(c["score"], 2)
                for f in r["facts"]:
                    f["score"] = round(f["score"], 2)
        assert a == b


def test_ray_resume_appends_the_rest(ray_local, tmp_path):
    from gkml.scale import predict_ray

    inputs = [str(p) for p in sorted(SAMPLES.glob("*.txt"))]
    out = tmp_path / "out.jsonl"
    assert predict_ray(inputs[:2], out, engine="rules") == 2
    assert main(["predict", *inputs, "-o", str(out), "--ray", "--resume", "-q", "--engine", "rules"]) == 0
    assert [r["source"] for r in lines(out)] == inputs
