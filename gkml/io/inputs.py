"""The paths given on the command line → the inputs to read, and the files a directory scan leaves out.

The contract: every path named, and every path a directory scan or a glob finds, is either an
input (it gets exactly one record, an error record when it cannot be read: a FIFO, a device,
a dangling link, a link loop) or a skipped file that the summary counts and ``--list-skipped``
names. Nothing is dropped silently.

A file named explicitly (or matched by a glob, as a shell would name it) is always an input,
whatever its name. A directory scan takes what can be a report: the extensions gkml reads
(text, markdown, HTML and saved web pages, PDF, Word, images) and files without an extension
(report sites serve pages without one; the bytes decide what they are); it skips hidden files,
READMEs and licences, and every other extension, visibly. Links to directories are followed
once: a link back into a directory already scanned (a loop) is skipped, never walked again.
"""

from __future__ import annotations

import glob
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from gkml.io.ingest import source_name

# What a directory scan reads: the kinds gkml reads, saved web pages under their server's
# extension, and Word files (.docx read directly, .doc/.wps/.rtf/.odt through LibreOffice).
REPORT_EXTS = frozenset({
    ".txt", ".text", ".md", ".markdown",  # text
    ".html", ".htm", ".xhtml", ".shtml", ".jsp", ".asp", ".aspx", ".php",  # web pages
    ".pdf", ".doc", ".docx", ".wps", ".rtf", ".odt",  # PDF, Word
    ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp",  # scans
})  # fmt: skip
# File names (any extension, any case) that are documentation beside the reports, never reports.
DOC_NAMES = frozenset({"readme", "license", "licence", "copying", "notice", "changelog", "authors", "contributing"})


@dataclass
class Inputs:
    """What the command line stands for: ``paths`` to read (in order, each once) and the files
    directory scans skipped, as ``(source, why)`` (``source`` named as records name paths)."""

    paths: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def skipped_by_reason(self) -> dict[str, int]:
        """How many files were skipped for each reason, most frequent first."""
        counts: dict[str, int] = {}
        for _, why in self.skipped:
            counts[why] = counts.get(why, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def scan_inputs(patterns: list[str] | tuple[str, ...]) -> Inputs:
    """Files, directories (recursively, sorted) and globs, in the order given, without repeats.

    A pattern that matches nothing is kept as it is, so it gets its own error record."""
    found = Inputs()
    seen: set[str] = set()

    def add(path: str) -> None:
        if path not in seen:
            seen.add(path)
            found.paths.append(path)

    for pattern in patterns:
        if os.path.isdir(pattern):
            paths, skipped = _scan_dir(pattern)
            for path in paths:
                add(path)
            found.skipped += skipped
        elif glob.has_magic(pattern) and not os.path.lexists(pattern):
            matches = sorted(glob.glob(pattern, recursive=True))
            for match in matches or [pattern]:
                if os.path.isdir(match):
                    paths, skipped = _scan_dir(match)
                    for path in paths:
                        add(path)
                    found.skipped += skipped
                else:
                    add(match)
        else:
            add(pattern)
    return found


def _skip_reason(name: str) -> str | None:
    """Why a directory scan leaves a file of this name out, or None when it is read."""
    if name.startswith("."):
        return "hidden"
    stem, ext = os.path.splitext(name)
    if stem.split(".")[0].lower() in DOC_NAMES:
        return "a README or licence, not a report"
    if ext and ext.lower() not in REPORT_EXTS:
        return f"not a report type ({ext.lower() if ext.isascii() else source_name(ext)})"
    return None


def _scan_dir(top: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Every file under ``top`` a scan reads (sorted), and those it skips with why.

    Real directories are walked first, links to directories after, each followed only when it
    leads to a directory not walked yet (a link loop, or a second way to the same reports, is
    skipped and said so). Entries that cannot be stat'ed (a dangling link, a link loop) are
    inputs: reading them gives the error record that says what they are."""
    paths: list[str] = []
    skipped: list[tuple[str, str]] = []
    walked: set[tuple[int, int]] = set()
    todo: list[str] = [top]
    links: list[str] = []
    try:
        st = os.stat(top)
        walked.add((st.st_dev, st.st_ino))
    except OSError:
        pass
    while todo or links:
        if not todo:
            link = links.pop(0)
            try:
                st = os.stat(link)
            except OSError:  # gone since it was seen: reading it says what it is
                paths.append(link)
                continue
            if (st.st_dev, st.st_ino) in walked:
                skipped.append((link, "a link to a directory already scanned (a loop, or a second way in)"))
                continue
            walked.add((st.st_dev, st.st_ino))
            todo.append(link)
            continue
        folder = todo.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            paths.append(folder)  # unreadable: its record says so
            continue
        for entry in entries:
            path = str(Path(folder) / entry.name)
            why = _skip_reason(entry.name)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if why == "hidden":
                        skipped.append((path, "hidden directory"))
                        continue
                    st = entry.stat(follow_symlinks=False)
                    walked.add((st.st_dev, st.st_ino))
                    todo.append(path)
                    continue
                if entry.is_symlink() and stat.S_ISDIR(os.stat(path).st_mode):
                    if why == "hidden":
                        skipped.append((path, "hidden directory"))
                    else:
                        links.append(path)
                    continue
            except OSError:
                pass  # a dangling link or a link loop: an input like any file, if its name is one
            if why is None:
                paths.append(path)
            else:
                skipped.append((path, why))
        links.sort()
    paths.sort()
    return paths, sorted((source_name(path), why) for path, why in skipped)
