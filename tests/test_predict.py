"""Batch prediction end to end: real samples in, one checked record per input out."""

import csv
import json
import shutil
import struct
import zlib

import pytest
from conftest import FIXTURES, SAMPLES

from gkml.cli import main
from gkml.engines import DEFAULT_MODEL
from gkml.evaluate import evaluate_files
from gkml.predict import expand_inputs


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\x00\xff\xff\xff")  # one white pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(
        b"IDAT", raw
    ) + chunk(b"IEND", b"")


def test_rules_engine_reads_every_cell_of_the_clean_seeds(tmp_path):
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(SAMPLES), "-o", str(out), "-q", "--engine", "rules"]) == 0
    records = read_jsonl(out)
    assert [r["doc_id"] for r in records] == sorted(p.name.split(".")[0] for p in SAMPLES.glob("*.txt"))
    result = evaluate_files(out, FIXTURES)
    per_doc = {d["doc_id"]: d for d in result["docs"]}
    for seed in ("000_7cbeb50e901d1ece", "001_eb0a65417e597162", "004_93c87546c824c53b"):
        assert (per_doc[seed]["correct"], per_doc[seed]["total"]) == (200, 200), seed
    by_id = {r["doc_id"]: r for r in records}
    seed000 = by_id["000_7cbeb50e901d1ece"]
    assert seed000["template"] == "2021"
    assert seed000["cells"]["t2.fees.amount"]["value"] == 530.67
    assert [s["no"] for s in seed000["sections"]] == [1, 2, 3, 4, 5, 6]
    assert all(c["ok"] for c in seed000["checks"] if c["severity"] == "error")
    assert by_id["002_9d98c4465ad221fa"]["template"] == "none"


def test_bad_inputs_each_get_an_error_record_and_the_batch_finishes(tmp_path):
    bad = tmp_path / "in"
    bad.mkdir()
    pdf = next(FIXTURES.glob("ingest/*table*.pdf"))
    cases = {
        "a_empty.txt": b"",
        "b_blank.txt": b"  \n\t \n",
        "c_junk.txt": bytes(range(256)) * 40,
        "d_undecodable.txt": "南丰镇年度报告".encode()[:-1] + b"\xff\xfe\x80" * 30,
        "e_truncated.pdf": pdf.read_bytes()[: pdf.stat().st_size // 2],
        "f_scan.png": tiny_png(),
        "g_too_big.txt": ("一、总体情况\n" * 200_000).encode("utf-8"),
        "h_archive.docx": b"PK\x03\x04" + bytes(300),  # a directory scan reads Word files, or says why not
        "i_script_only.html": b"<html><head><script>var a=1;</script></head><body></body></html>",
        "j_not_a_pdf.pdf": b"%PDF-1.7\n" + b"garbage " * 50,
    }
    for name, data in cases.items():
        (bad / name).write_bytes(data)
    shutil.copy(SAMPLES / "002_9d98c4465ad221fa.txt", bad / "k_no_tables.txt")  # readable, just no tables
    shutil.copy(SAMPLES / "000_7cbeb50e901d1ece.txt", bad / "l_good.txt")
    missing = str(tmp_path / "does_not_exist.txt")

    out = tmp_path / "out.jsonl"
    assert main(["predict", str(bad), missing, "-o", str(out), "-q", "--max-mb", "1", "--engine", "rules"]) == 0
    records = read_jsonl(out)
    assert len(records) == len(cases) + 3  # one record per input, none dropped
    by_id = {r["doc_id"]: r for r in records}
    errors = {k: v["error"] for k, v in by_id.items() if v["status"] == "error"}
    assert set(errors) == {name.split(".")[0] for name in cases} | {"does_not_exist"}
    assert "empty" in errors["a_empty"] and "empty" in errors["b_blank"]
    assert "binary" in errors["c_junk"]
    assert "decode" in errors["d_undecodable"]
    assert "PDF" in errors["e_truncated"] and "PDF" in errors["j_not_a_pdf"]
    assert errors["f_scan"].startswith("OCR found no text")  # a blank 1-pixel page: OCR ran, read nothing
    assert "limit" in errors["g_too_big"]
    assert "no such file" in errors["does_not_exist"].lower()
    assert by_id["k_no_tables"]["status"] == "ok" and by_id["k_no_tables"]["template"] == "none"
    assert by_id["l_good"]["status"] == "ok" and len(by_id["l_good"]["cells"]) == 200


def test_wide_csv_has_one_row_per_report_and_a_column_per_cell(tmp_path):
    out, wide = tmp_path / "out.jsonl", tmp_path / "wide.csv"
    main(["predict", str(SAMPLES / "000_*.txt"), str(SAMPLES / "001_*.txt"), "-o", str(out), "--csv", str(wide), "-q",
          "--engine", "rules"])
    with open(wide, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    assert rows[0]["t2.penalty.decisions"] == "716" and rows[0]["t2.fees.amount"] == "530.67"
    assert rows[0]["agency"] and rows[0]["year"] == "2022"
    assert "t4.suit_after_review.total" in rows[1]


def test_expand_inputs_keeps_unmatched_patterns_and_drops_repeats(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    got = expand_inputs([str(tmp_path), str(tmp_path / "*.txt"), str(tmp_path / "nope*.pdf")])
    assert got == [str(tmp_path / "a.txt"), str(tmp_path / "nope*.pdf")]


# ---------------------------------------------------------------------------
# Engines, resume, one changed number

SHIPPED_MODEL = FIXTURES.parents[1] / DEFAULT_MODEL
SEED000 = SAMPLES / "000_7cbeb50e901d1ece.txt"
NO_MODEL = pytest.mark.skipif(not (SHIPPED_MODEL / "config.json").is_file(), reason=f"{DEFAULT_MODEL} not trained yet")
ENGINES = [
    "rules",
    pytest.param("model", marks=NO_MODEL),
    pytest.param("hybrid", marks=NO_MODEL),
]


def test_model_engine_without_a_model_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    code = main(["predict", str(SEED000), "-o", str(out), "-q", "--model", str(tmp_path / "no-model")])
    err = capsys.readouterr().err
    assert code == 1 and "gkml train" in err and "--engine rules" in err
    assert not out.exists()  # nothing written, nothing truncated


def test_resume_appends_the_rest_and_drops_a_partial_line(tmp_path):
    full, out = tmp_path / "full.jsonl", tmp_path / "out.jsonl"
    assert main(["predict", str(SAMPLES), "-o", str(full), "-q", "--engine", "rules"]) == 0
    lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text(lines[0] + lines[1] + lines[2][: len(lines[2]) // 2], encoding="utf-8")  # a crash mid-line
    assert main(["predict", str(SAMPLES), "-o", str(out), "-q", "--engine", "rules", "--resume"]) == 0
    assert out.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")
    assert main(["predict", str(SAMPLES), "-o", str(out), "-q", "--engine", "rules", "--resume"]) == 0
    assert out.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")  # nothing left to do


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("key", "printed", "broken", "warned"),
    [
        # 予以公开 自然人 10 → 11: its row no longer adds up, nor its column's outcomes
        ("t3.granted.person", "11", {("T3-ROWSUM", "granted"), ("T3-OUTCOMES", "person")}, set()),
        # 本年新收 总计 12 → 13: the balance of the 总计 column and the row; the prose says 12
        ("t3.new.total", "13", {("T3-BALANCE", "total"), ("T3-ROWSUM", "new")}, {("X-NARRATIVE", "new")}),
    ],
)
def test_one_number_changed_breaks_exactly_its_identities(tmp_path, engine, key, printed, broken, warned):
    from gkml.rules import label

    text = SEED000.read_text(encoding="utf-8")
    span = next(s for s in label(text) if s.label == key)
    edited = tmp_path / "000_edited.txt"
    edited.write_text(text[: span.start] + printed + text[span.end :], encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = ["predict", str(SEED000), str(edited), "-o", str(out), "-q", "--engine", engine]
    assert main(args) == 0
    original, changed = read_jsonl(out)
    assert not [c for c in original["checks"] if not c["ok"]]  # 000: every check passes
    assert changed["cells"][key]["value"] == int(printed) and not changed["cells"][key]["inferred"]
    failed = {(c["id"], c["where"]) for c in changed["checks"] if not c["ok"] and c["severity"] == "error"}
    warnings = {(c["id"], c["where"]) for c in changed["checks"] if not c["ok"] and c["severity"] == "warning"}
    assert failed == broken and warnings == warned


@NO_MODEL
@pytest.mark.parametrize(
    "engine",
    [
        "model",
        "hybrid",
    ],
)
def test_shipped_model_reads_the_seeds_at_least_as_well_as_the_rules(tmp_path, engine):
    scores = {}
    for name in ("rules", engine):
        out = tmp_path / f"{name}.jsonl"
        assert main(["predict", str(SAMPLES), "-o", str(out), "-q", "--engine", name]) == 0
        scores[name] = evaluate_files(out, FIXTURES)
        for r in read_jsonl(out):  # no seed breaks an identity: neither may its reading
            assert not [c for c in r["checks"] if not c["ok"] and c["severity"] == "error"], (name, r["doc_id"])
    rules = {d["doc_id"]: d for d in scores["rules"]["docs"]}
    for d in scores[engine]["docs"]:
        assert d["correct"] >= rules[d["doc_id"]]["correct"], d["doc_id"]
        assert d["template_ok"], d["doc_id"]
