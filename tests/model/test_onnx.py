"""The ONNX backend: the shipped export reads every cell as torch does, the default path loads
no torch, an export round-trips and refuses stale weights, and worker processes give the same
records in the same order (and resume, and survive a dead worker)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, SHARED

MODEL = ROOT / "models" / "gkml-small"
FAST = ROOT / "models" / "gkml-fast"  # the half-width student (configs/small-fast.yaml)
HAS_EXPORT = pytest.mark.skipif(not (MODEL / "model.onnx").is_file(), reason="models/gkml-small/model.onnx not exported")
SYNTH_SEED = 11  # not a training seed (bench/onnx_parity.py reads 300 of this corpus)


def cells(text: str, spans) -> dict:
    from gkml.assemble.report import assemble

    return {k: (c["value"], c["raw"], c["start"], c["end"], c["inferred"]) for k, c in assemble(text, spans).to_dict()["cells"].items()}


def parity_texts() -> dict[str, str]:
    """The 5 seeds, the 10 real fragments, and every 15th of 300 synthetic reports (20, every layout)."""
    from gkml.training.synth import load_config, make_report

    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))}
    texts |= {p.name: p.read_text(encoding="utf-8") for p in sorted((SHARED / "real").glob("*.txt"))}
    config = load_config(None)
    for i in range(0, 300, 15):
        r = make_report(i, SYNTH_SEED, config)
        texts[f"synth-{i}-{r['layout']}"] = r["text"]
    return texts


@HAS_EXPORT
@pytest.mark.parametrize("model", [MODEL, FAST], ids=lambda p: p.name)
def test_onnx_reads_every_cell_as_torch_does(shared, model):
    from gkml.model.onnx_backend import OnnxPredictor
    from gkml.model.torch_backend import Predictor

    texts = parity_texts()
    assert len(texts) == 35 and sum(n.startswith("P") for n in texts) == 10
    names = list(texts)
    torch = Predictor(model).label_many([texts[n] for n in names])
    expected = {n: cells(texts[n], spans) for n, spans in zip(names, torch, strict=True)}
    assert sum(map(len, expected.values())) > 3000  # the cells were read
    for threads, batch in ((1, 1), (2, 4)):  # as each worker reads, as one process reads
        onnx = OnnxPredictor(model, threads=threads)
        assert onnx.batch_size == batch
        got = onnx.label_many([texts[n] for n in names])
        assert [n for n, spans in zip(names, got, strict=True) if cells(texts[n], spans) != expected[n]] == []
        # the spans themselves agree (a score may differ in the 4th decimal)
        assert all([(s.start, s.end, s.label) for s in a] == [(s.start, s.end, s.label) for s in b]
                   for a, b in zip(got, torch, strict=True))  # fmt: skip


@HAS_EXPORT
def test_the_default_path_loads_neither_torch_nor_transformers(tmp_path):
    out = tmp_path / "out.jsonl"
    code = (
        "import sys; from gkml.cli import main; "
        f"rc = main(['predict', {str(SAMPLES / '003_dd629de2baaa1d45.txt')!r}, '-o', {str(out)!r}, '-q']); "
        "print(rc, 'torch' in sys.modules, 'transformers' in sys.modules, 'onnxruntime' in sys.modules)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.stdout.splitlines()[-1].split() == ["0", "False", "False", "True"], res.stderr
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["status"] == "ok" and record["engine"] == "model:gkml-fast"  # the default model
    assert record["cells"]["t3.new.total"]["value"] is not None


@pytest.fixture(scope="module")
def random_export(tmp_path_factory):
    """A small randomly initialised model (configs/tiny.yaml's shape), saved and exported."""
    torch = pytest.importorskip("torch")
    from gkml.model.export import export_onnx
    from gkml.model.network import build_model
    from gkml.model.tokenizer import build_tokenizer
    from gkml.training.config import load_config

    cfg = load_config(ROOT / "configs" / "tiny.yaml")
    tokenizer = build_tokenizer([p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))], common="none")
    torch.manual_seed(0)
    model = build_model(cfg.model, cfg.windowing, tokenizer)
    out = tmp_path_factory.mktemp("random-model")
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    done = export_onnx(out)
    return out, done


def test_export_round_trips(random_export):
    from gkml.model.onnx_backend import WEIGHTS_KEY, OnnxPredictor, weights_digest
    from gkml.model.torch_backend import Predictor

    out, done = random_export
    assert done.path == out / "model.onnx" and done.path.stat().st_size > 100_000
    assert done.check.max_abs_diff < 1e-4 and done.check.argmax_agree > 0.999 and done.check.tokens > 500
    onnx, torch = OnnxPredictor(out), Predictor(out)
    assert onnx.session.get_modelmeta().custom_metadata_map[WEIGHTS_KEY] == weights_digest(out)
    assert (onnx.max_length, onnx.stride, onnx.cls_id, onnx.sep_id, onnx.pad_id) == (
        torch.max_length, torch.stride, torch.cls_id, torch.sep_id, torch.pad_id)  # fmt: skip
    texts = [p.read_text(encoding="utf-8")[:1500] for p in sorted(SAMPLES.glob("*.txt"))]
    a, b = onnx.encode(texts), torch.encode(texts)
    assert [(e.ids, e.offsets, e.types) for e in a] == [(e.ids, e.offsets, list(e.types)) for e in b]
    import numpy as np

    for (d1, x), (d2, y) in zip(onnx.logits_many(a), torch.logits_many(b), strict=True):
        assert d1 == d2 and x.shape == y.shape and np.abs(x - y).max() < 1e-4


def test_a_stale_export_is_refused_and_auto_falls_back_to_torch(random_export, tmp_path, caplog, monkeypatch):
    import logging

    from gkml.model.loader import build_predictor
    from gkml.model.onnx_backend import StaleExport

    out, _ = random_export
    moved = tmp_path / "retrained"
    shutil.copytree(out, moved)
    import torch
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(moved)
    with torch.no_grad():
        model.classifier.bias += 0.1  # "retrained": other weights than the export's
    model.save_pretrained(moved)
    with pytest.raises(StaleExport, match="other weights.*gkml export"):
        build_predictor(moved, "onnx")
    monkeypatch.setattr(logging.getLogger("gkml"), "propagate", True)  # the CLI's logging setup may have run
    with caplog.at_level("WARNING", logger="gkml"):
        p = build_predictor(moved, "auto")
    assert p.backend == "torch" and "reading it with torch" in caplog.text
    (moved / "model.onnx").unlink()
    assert build_predictor(moved, "auto").backend == "torch"
    with pytest.raises(ValueError, match="no ONNX export.*gkml export"):
        build_predictor(moved, "onnx")


def test_default_workers():
    from gkml.parallel import default_workers, usable_cores

    assert default_workers(1) == 1 and default_workers(7) == 1  # a small batch: no pool to start
    assert default_workers(1000) == min(usable_cores(), 8)
    assert default_workers(1000, backend="torch") == 1


def _predict(args: list[str]) -> int:
    from gkml.cli import main

    return main(["predict", *args, "-q"])


@HAS_EXPORT
def test_workers_give_the_same_records_in_order_and_resume(shared, tmp_path):
    inputs = [str(SAMPLES), str(shared / "real" / "P01.txt"), str(tmp_path / "missing.txt"), str(shared / "real" / "P04.txt")]
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert _predict([*inputs, "-o", str(one), "--workers", "1"]) == 0
    assert _predict([*inputs, "-o", str(two), "--workers", "2"]) == 0
    lines = one.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 8 and two.read_text(encoding="utf-8").splitlines() == lines
    assert [json.loads(x)["status"] for x in lines] == ["ok"] * 6 + ["error", "ok"]
    # an interrupted run: three whole records and half of the fourth
    part = tmp_path / "part.jsonl"
    part.write_text("\n".join(lines[:3]) + "\n" + lines[3][: len(lines[3]) // 2], encoding="utf-8")
    assert _predict([*inputs, "-o", str(part), "--workers", "2", "--resume"]) == 0
    assert part.read_text(encoding="utf-8").splitlines() == lines


@HAS_EXPORT
def test_a_dead_worker_costs_no_input(tmp_path):
    from gkml.parallel import WorkerPool
    from gkml.predict import predict_paths

    paths = [str(p) for p in sorted(SAMPLES.glob("*.txt"))] * 2
    expected = [r.to_json() for r in predict_paths(paths, engine="rules")]
    with WorkerPool(2, "rules", docs_per_task=2) as pool:
        victim = next(iter(pool._executor._processes.values()))
        os.kill(victim.pid, 9)  # killed between tasks: the next task finds the pool broken
        victim.join()
        got = [r.to_json() for r in pool.predict(paths)]
    assert got == expected


def test_worker_start_fails_before_any_output(tmp_path):
    from gkml.parallel import WorkerPool

    with pytest.raises(ValueError, match="no trained model"), WorkerPool(2, "model", tmp_path / "nothing"):
        pass
    assert Path(tmp_path).exists() and not list(tmp_path.iterdir())
