"""JSON Lines, read and written one way everywhere: predictions, corpora, gold, benchmarks.

Each record is written as one whole line with a single unbuffered write, so an interrupted
run leaves at most one partial line, the last, which :func:`repair` cuts off before a
resumed run appends. Readers say which line of which file is not JSON instead of failing
somewhere later.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def dumps(record: Any) -> str:
    """One record as one line: UTF-8 text kept as is (Chinese stays readable)."""
    return json.dumps(record, ensure_ascii=False)


def iter_lines(path: str | Path, strict: bool = True) -> Iterator[Any]:
    """The records of a JSON Lines file, one at a time; blank lines are skipped.

    ``strict``: a line that is not JSON is an error naming the file and line; otherwise it
    is skipped (an output file may hold a line that is not ours, which a reader must not
    choke on)."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as e:
                if strict:
                    raise ValueError(f"{path}:{n}: not JSON: {e}") from None


def read(path: str | Path, strict: bool = True) -> list[Any]:
    """Every record of a JSON Lines file (see :func:`iter_lines`)."""
    return list(iter_lines(path, strict))


def write(records: Iterable[Any], out: str | Path, append: bool = False) -> int:
    """Write each record (an object to serialise, or a line of JSON already made) as one whole
    line with a single write; returns the number of records written."""
    n = 0
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC), 0o644)
    try:
        for record in records:
            line = record if isinstance(record, str) else dumps(record)
            data = (line + "\n").encode("utf-8")
            while data:
                data = data[os.write(fd, data) :]
            n += 1
    finally:
        os.close(fd)
    return n


def repair(out: str | Path) -> list[Any]:
    """Make an existing output file safe to append to, and return the records it holds.

    Only the last line can be partial (each record is one write): it is cut off so the next
    record starts on a fresh line. Lines that are not JSON are kept (not ours to delete) and
    not returned."""
    out = Path(out)
    if not out.exists():
        return []
    with open(out, "rb+") as f:
        data = f.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            f.truncate(end)
    records = []
    for line in data[:end].decode("utf-8", errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records
