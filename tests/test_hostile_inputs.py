"""Issue 19: what a new user throws at ``gkml predict``, built at test time (nothing large is
committed). Every input named or found gets exactly one record, whatever it is; a directory
scan skips what is not a report, visibly; every document is bounded in time and memory; Ctrl-C,
kill -9, broken pipes and bad URLs end with one clear line and lose nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES
from hostile_support import build_batch, single_line

from gkml.cli import main

GKML = [sys.executable, "-m", "gkml"]


def records_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_the_hostile_batch_gets_one_record_per_input_and_counts_what_it_skips(tmp_path, capsys):
    named, cases = build_batch(tmp_path, SAMPLES, line_mb=5)
    out = tmp_path / "out.jsonl"
    assert main(["predict", *named, "-o", str(out), "-q", "--engine", "rules", "--list-skipped"]) == 0
    summary = capsys.readouterr().out
    records = records_of(out)
    assert len(records) == len(cases) == 21 and {r["source"] for r in records} == set(cases)
    said = {cases[r["source"]]: (r["status"], r["error"] or "", r["warnings"]) for r in records}
    assert said["a file name that is not UTF-8"][0] == "ok"
    assert "named pipe (FIFO)" in said["a FIFO"][1]
    assert "character device" in said["a link to /dev/zero"][1] and "character device" in said["/dev/zero named"][1]
    assert "symbolic link loop" in said["a symlink loop"][1]
    assert "dangling symbolic link" in said["a dangling link"][1]
    assert "a socket" in said["a socket"][1]
    assert "text too long: 2,375,300 characters after normalisation" in said["a 5 MB single line"][1]
    assert said["3,000 nested tables"][0] == "ok" and "nested more than 200" in said["3,000 nested tables"][2][0]
    assert "password-protected" in said["a password-protected PDF"][1]
    assert "144 megapixels" in said["a 144-megapixel PNG"][1]
    status, _, warnings = said["one bad byte at the end"]
    assert status == "ok" and warnings == ["2 undecodable byte(s) of 7672 read as U+FFFD (decoded as utf-8)"]
    assert said["README.md named explicitly"][0] == "ok"  # named, so read
    assert "no such file" in said["a path that does not exist"][1]
    ok = sum(r["status"] == "ok" for r in records)
    assert 0 < ok < 21 and f"21 inputs: {ok} read, {21 - ok} error records; 0 failed identities" in summary
    reports = tmp_path / "reports"
    assert "4 files skipped in directory scans" in summary
    assert f"skipped\t{reports / 'README.md'}\ta README or licence, not a report" in summary
    assert f"skipped\t{reports / '.DS_Store'}\thidden" in summary
    assert f"skipped\t{reports / '001.gold.json'}\tnot a report type (.json)" in summary
    assert f"skipped\t{reports / '2023' / 'up'}\ta link to a directory already scanned" in summary
    before = out.read_bytes()
    assert main(["predict", *named, "-o", str(out), "-q", "--engine", "rules", "--resume"]) == 0
    assert "21 inputs (21 already in the output, 0 read now): 0 read, 0 error records" in capsys.readouterr().out
    assert out.read_bytes() == before  # the escaped name is matched again: nothing read twice


def test_a_multi_megabyte_single_line_is_read_in_linear_time(tmp_path):
    """Each step that looked at a whole line per span (snap, cell ordinals, counts in prose) now
    looks at it once: a 2 MB line runs end to end in seconds (a quadratic step would take hours)."""
    from gkml.labels import Span
    from gkml.model.features import cell_ordinals
    from gkml.model.snap import snap
    from gkml.numbers import find_quantities
    from gkml.schema import CELL_KEYS

    line = tmp_path / "line.txt"
    n = single_line(line, 2, SAMPLES)
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(line), "-o", str(out), "-q", "--engine", "rules"]) == 0
    (record,) = records_of(out)
    assert record["status"] == "ok" and record["template"] == "2021" and n == 950_016
    text = line.read_text(encoding="utf-8")
    spans = [Span(i, i + 2, ("FACT.other", CELL_KEYS[0])[i % 2], 0.9) for i in range(0, len(text) - 2, 5)]
    snapped = snap(text, spans)  # 190,000 spans on one line
    assert snapped and all(0 <= s.start <= s.end <= len(text) for s in snapped)
    assert len(cell_ordinals("x " + "|  " * 200_000)) == 600_002  # 200,000 empty cells in one row
    assert find_quantities("一" * 100_000 + "次")[-1].text == "一次"


def test_a_runaway_document_becomes_an_error_record_and_the_batch_goes_on(tmp_path, capsys):
    line = tmp_path / "a_line.txt"
    single_line(line, 2, SAMPLES)
    out = tmp_path / "out.jsonl"
    code = main(["predict", str(line), str(SAMPLES / "000_7cbeb50e901d1ece.txt"), "-o", str(out), "-q",
                 "--engine", "rules", "--timeout", "0.3", "--workers", "1"])  # fmt: skip
    assert code == 0
    first, second = records_of(out)
    assert first["status"] == "error" and first["error"].startswith("timed out: ")
    assert first["error"].endswith("took more than 0.3 s (--timeout)")
    assert second["status"] == "ok" and len(second["cells"]) == 200


def _inputs(folder: Path, n: int) -> Path:
    folder.mkdir()
    samples = sorted(SAMPLES.glob("*.txt"))
    for i in range(n):
        (folder / f"r{i:03d}.txt").write_bytes(samples[i % len(samples)].read_bytes())
    return folder


def _wait_for_lines(out: Path, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if out.exists() and out.read_bytes().count(b"\n") >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"gkml predict ended before {n} records: {proc.communicate()}")
        time.sleep(0.05)
    pytest.fail(f"fewer than {n} records after {timeout} s")


def test_kill_9_then_resume_gives_exactly_the_uninterrupted_output(tmp_path):
    folder = _inputs(tmp_path / "in", 200)
    whole, out = tmp_path / "whole.jsonl", tmp_path / "out.jsonl"
    args = ["predict", str(folder), "-q", "--engine", "rules"]
    subprocess.run([*GKML, *args, "-o", str(whole)], cwd=ROOT, check=True, capture_output=True, timeout=300)
    proc = subprocess.Popen([*GKML, *args, "-o", str(out)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    _wait_for_lines(out, 30, proc)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers, as the OOM killer would
    proc.wait()
    cut = out.read_bytes().count(b"\n")
    assert 30 <= cut < 200
    res = subprocess.run([*GKML, *args, "-o", str(out), "--resume"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert f"200 inputs ({cut} already in the output, {200 - cut} read now): {200 - cut} read, 0 error" in res.stdout
    assert out.read_bytes() == whole.read_bytes()  # one record per input, in input order, none twice


def test_ctrl_c_stops_with_one_line_and_resume_continues(tmp_path):
    folder = _inputs(tmp_path / "in", 200)
    out = tmp_path / "out.jsonl"
    args = ["predict", str(folder), "-o", str(out), "--engine", "rules", "--workers", "1"]
    # Ctrl-C as a terminal delivers it: to a command started with SIGINT at its default (a
    # process that inherits it ignored, as from a test process that ignores it, never sees it)
    proc = subprocess.Popen([*GKML, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    _wait_for_lines(out, 10, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    complete = out.read_bytes().count(b"\n")
    assert last == (f"error: gkml predict: interrupted; {complete} records complete in {out}. "
                    "Run the same command with --resume to continue")  # fmt: skip
    res = subprocess.run([*GKML, *args, "-q", "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert f"200 inputs ({complete} already in the output, {200 - complete} read now)" in res.stdout
    assert len(records_of(out)) == 200 and len({r["source"] for r in records_of(out)}) == 200


def test_a_closed_pipe_is_quiet():
    res = subprocess.run(f"{sys.executable} -m gkml schema | head -c 10", shell=True, cwd=ROOT, capture_output=True,
                         text=True, timeout=60, executable="/bin/bash")  # fmt: skip
    assert res.stdout == '{\n  "$sche' and res.stderr == ""


def test_credentials_in_a_url_are_never_echoed(tmp_path):
    pytest.importorskip("label_studio_sdk")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    res = subprocess.run([*GKML, "ls", "pull", "--url", f"http://alice:s3cret@127.0.0.1:{port}", "--api-key",
                          "KEY-0123456789", "-o", str(tmp_path / "x.json")], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert res.returncode == 1
    assert res.stderr.strip() == (f"error: gkml ls: cannot reach http://***@127.0.0.1:{port}: ConnectError: "
                                  "[Errno 111] Connection refused")  # fmt: skip
    assert "s3cret" not in res.stderr + res.stdout and "KEY-0123456789" not in res.stderr + res.stdout
