"""Run one command and measure it as a user would feel it: wall seconds, CPU seconds of the
command and its workers, and the peak resident memory of its whole process tree (sampled every
20 ms: a worker's memory counts while it lives). Shared by the benchmarks and scripts that
report speed and memory."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    wall: float
    cpu: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants now (0 once it has ended)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):  # a worker that ended meanwhile
            total += p.memory_info().rss
    return total


def run_measured(cmd: list[str], cwd: str | Path | None = None) -> Measured:
    peak = 0
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    after = os.times()
    cpu = after.children_user - before.children_user + after.children_system - before.children_system
    return Measured(wall, cpu, peak / 2**20, proc.returncode, out, err)
