"""notebooks/02-annotation-loop.ipynb runs from top to bottom (with the tiny training config):
executed in a real Jupyter kernel, as a reader would run it."""

from __future__ import annotations

import pytest
from conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "02-annotation-loop.ipynb"


def test_annotation_loop_notebook_runs(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("GKML_NOTEBOOK_OUT", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    outputs = {
        i: "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
    }
    text = "\n".join(outputs.values())
    assert "15 tasks, 0 unreadable inputs" in text
    assert "{'kept': " in text and "'added': 11" in text
    assert "records=15" in text and "records=5" in text
    assert (tmp_path / "model" / "model.safetensors").is_file()
    assert (tmp_path / "model" / "metrics.json").is_file()
    assert "model_version: model:model | regions:" in text  # the retrained model (in model/) pre-annotates
