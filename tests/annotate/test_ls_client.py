"""The server client without a server: what it needs before it connects."""

from __future__ import annotations

from gkml.cli import main


def test_push_and_pull_need_a_url_and_key(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    assert main(["ls", "pull", "-o", str(tmp_path / "x.json")]) == 1
    assert "LABEL_STUDIO_URL" in capsys.readouterr().err
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:1")
    assert main(["ls", "pull", "-o", str(tmp_path / "x.json")]) == 1
    assert "LABEL_STUDIO_API_KEY" in capsys.readouterr().err
