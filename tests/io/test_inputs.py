"""What a command line stands for: every path named or found is an input (one record) or a
skipped file the summary counts; directory scans take report types only, follow links to
directories once, and never loop."""

from __future__ import annotations

import os

from gkml.io.inputs import scan_inputs
from gkml.predict import expand_inputs


def touch(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def test_a_scan_takes_report_types_and_says_what_it_skips(tmp_path):
    d = tmp_path / "reports"
    txt, pdf, page = touch(d / "b.txt"), touch(d / "sub" / "a.pdf"), touch(d / "c.shtml")
    plain, scan = touch(d / "content_123"), touch(d / "p.JPG")  # no extension: the bytes decide
    docx = touch(d / "word.docx")
    for name in ("README.md", "LICENSE", ".DS_Store", "000.gold.json", "notes.xlsx", ".git/config"):
        touch(d / name)
    got = scan_inputs([str(d)])
    assert got.paths == sorted([txt, pdf, page, plain, scan, docx])
    assert got.skipped == [
        (str(d / ".DS_Store"), "hidden"),
        (str(d / ".git"), "hidden directory"),
        (str(d / "000.gold.json"), "not a report type (.json)"),
        (str(d / "LICENSE"), "a README or licence, not a report"),
        (str(d / "README.md"), "a README or licence, not a report"),
        (str(d / "notes.xlsx"), "not a report type (.xlsx)"),
    ]
    assert got.skipped_by_reason() == {"a README or licence, not a report": 2, "hidden": 1, "hidden directory": 1,
                                       "not a report type (.json)": 1, "not a report type (.xlsx)": 1}  # fmt: skip


def test_named_files_are_always_inputs_and_globs_name_like_a_shell(tmp_path):
    readme, gold = touch(tmp_path / "README.md"), touch(tmp_path / "x.gold.json")
    sub = tmp_path / "sub"
    inner = touch(sub / "r.txt")
    touch(sub / "notes.json")
    got = scan_inputs([readme, gold, str(tmp_path / "s*"), str(tmp_path / "nothing*.pdf"), readme])
    assert got.paths == [readme, gold, inner, str(tmp_path / "nothing*.pdf")]  # repeats once, unmatched kept
    assert got.skipped == [(str(sub / "notes.json"), "not a report type (.json)")]
    assert expand_inputs([readme, str(sub)]) == [readme, inner]


def test_links_to_directories_are_followed_once_and_loops_never(tmp_path):
    d = tmp_path / "reports"
    a = touch(d / "2023" / "a.txt")
    outside = tmp_path / "elsewhere"
    b = touch(outside / "b.txt")
    (d / "2023" / "up").symlink_to("..")  # a loop
    (d / "more").symlink_to(outside)  # a second folder of reports, reached by a link
    (d / "again").symlink_to(outside)  # … and a second way to the same folder
    (d / "loop_a.txt").symlink_to("loop_b.txt")
    (d / "loop_b.txt").symlink_to("loop_a.txt")
    (d / "gone.pdf").symlink_to("missing.pdf")
    os.mkfifo(d / "pipe")
    got = scan_inputs([str(d)])
    assert got.paths == sorted([a, str(d / "again" / "b.txt"), str(d / "loop_a.txt"), str(d / "loop_b.txt"),
                                str(d / "gone.pdf"), str(d / "pipe")])  # fmt: skip
    assert got.skipped == [
        (str(d / "2023" / "up"), "a link to a directory already scanned (a loop, or a second way in)"),
        (str(d / "more"), "a link to a directory already scanned (a loop, or a second way in)"),
    ]
    assert b not in got.paths  # outside the folder: only reached through the first link (sorted: "again")


def test_names_that_are_not_utf8_are_listed_escaped_when_skipped(tmp_path):
    raw = os.path.join(os.fsencode(tmp_path), b"\xff.json")
    open(raw, "wb").close()
    got = scan_inputs([str(tmp_path)])
    assert got.paths == [] and got.skipped == [(f"{tmp_path}/\\xff.json", "not a report type (.json)")]
