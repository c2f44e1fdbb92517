"""notebooks/01-batch-inference.ipynb runs from top to bottom in a real Jupyter kernel: predict
on the samples (the shipped model when trained, else the rules), the wide CSV in pandas, two
figures, the audit."""

from __future__ import annotations

import pytest
from conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "01-batch-inference.ipynb"


def test_batch_inference_notebook_runs(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    monkeypatch.setenv("GKML_NOTEBOOK_OUT", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    text = "\n".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "records=5" in text and "000_7cbeb50e901d1ece  ok" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2  # the two figures
    assert "failed identities" in text  # the audit's totals
    assert (tmp_path / "samples.csv").is_file() and (tmp_path / "audit.html").is_file()
