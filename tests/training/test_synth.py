"""The synthetic corpus: exact spans, gold that passes (or breaks on purpose) the identities,
layouts that look like the seeds, deterministic output, the CLI
(the config: test_config.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache

from gkml.assemble.checks import run_checks
from gkml.labels import ENTITY_TYPES, FACT_TYPES
from gkml.model.features import ROW_END, cell_ordinals
from gkml.numbers import find_quantities, parse_cell, parse_quantity
from gkml.schema import CELLS, template_keys
from gkml.training.synth import ALL_LAYOUTS, LAYOUTS, load_config, make_report
from gkml.training.synth.corpus import generate, to_text
from gkml.training.synth.noise import CONFUSIONS, DIGIT_CONFUSIONS

CONFIG = load_config()
PER_LAYOUT = 12


@cache
def reports(layout: str, n: int = PER_LAYOUT, seed: int = 7) -> tuple[dict, ...]:
    return tuple(make_report(i, seed, CONFIG, layout) for i in range(n))


@cache
def noisy(layout: str, n: int = 8) -> tuple[dict, ...]:
    """Reports of ``layout`` with every noise kind switched on at full chance."""
    config = load_config(overrides={"noise": {"layouts": {layout: {k: 1.0 for k in _all_kinds()}}}})
    return tuple(make_report(i, 11, config, layout) for i in range(n))


@cache
def clean(layout: str, n: int = 6) -> tuple[dict, ...]:
    """Reports of ``layout`` without any noise: the layout's own features, nothing else."""
    config = load_config(overrides={"noise": {"layouts": {layout: {}}}})
    return tuple(make_report(i, 13, config, layout) for i in range(n))


STRUCTURAL = (
    "split_labels", "lost_labels", "vertical_headers", "blank_shift", "separators", "page_breaks", "repeat_header",
)  # fmt: skip


@cache
def structural(layout: str, n: int = 6) -> tuple[dict, ...]:
    """Reports of ``layout`` with every structural noise kind on and no character noise."""
    config = load_config(overrides={"noise": {"layouts": {layout: dict.fromkeys(STRUCTURAL, 1.0)}}})
    return tuple(make_report(i, 17, config, layout) for i in range(n))


def _all_kinds() -> tuple[str, ...]:
    from gkml.training.synth.config import NOISE_KINDS

    return NOISE_KINDS


def all_reports() -> list[dict]:
    return [r for layout in ALL_LAYOUTS for r in (*reports(layout), *noisy(layout))]


# --------------------------------------------------------------------------- spans


def test_spans_are_exact_and_labelled_with_known_types():
    for r in all_reports():
        text = r["text"]
        for s in r["spans"]:
            assert s["label"] in ENTITY_TYPES, s
            assert 0 <= s["start"] <= s["end"] <= len(text), s
            piece = text[s["start"] : s["end"]]
            if not piece.strip():  # a cell printed as nothing: where it stands, or the space that holds it
                assert r["cells"][s["label"]] is None, (r["id"], r["layout"], s)
            else:
                assert piece == piece.strip(), (r["id"], r["layout"], s, piece)
        for f in r["facts"]:
            assert text[f["start"] : f["end"]] == f["text"]


def test_text_is_what_ingest_normalises():
    for r in reports("pipes")[:3]:
        assert to_text(r["text"], "pipes")[0] == r["text"]  # normalise is idempotent on our text


def test_cell_spans_hold_the_printed_number():
    for r in all_reports():
        cells = r["cells"]
        seen = set()
        for s in r["spans"]:
            if s["label"] not in CELLS:
                continue
            key, raw = s["label"], r["text"][s["start"] : s["end"]]
            assert key not in seen, f"two spans for {key}"
            seen.add(key)
            if key in r["garbled"]:
                assert "digit_confusion" in r["noise"]
                assert any(ch in raw for alts in DIGIT_CONFUSIONS.values() for ch in alts), raw
                continue
            assert parse_cell(raw) == cells[key] or (parse_cell(raw) is None and cells[key] is None), (key, raw)
        # a cell without a span was printed as nothing: its gold is a blank
        for key in set(cells) - seen:
            assert cells[key] is None, (r["id"], key)


def test_facts_parse_to_their_gold():
    for r in all_reports():
        for f in r["facts"]:
            q = parse_quantity(f["text"])
            assert q is not None, f
            assert (q.value, q.approx, q.unit) == (f["value"], f["approx"], f["unit"]), f
            assert f"FACT.{f['kind']}" in FACT_TYPES


def test_every_count_in_clean_prose_is_a_labelled_fact():
    """Unlabelled counts would teach the model to miss facts (Chinese-numeral idioms such as
    一次性 are deliberate distractors, so only counts written with digits are required)."""
    for layout in ALL_LAYOUTS:
        for r in reports(layout):
            if r["noise"]:
                continue
            text = r["text"]
            covered = set()
            for s in r["spans"]:
                covered.update(range(s["start"], s["end"]))
            for line_start, line in _prose_lines(text):
                for q in find_quantities(line):
                    if any(ch.isdigit() for ch in q.text):
                        assert line_start + q.start in covered, (r["id"], q.text, line)


def _prose_lines(text: str):
    pos = 0
    for line in text.split("\n"):
        if " | " not in line and not line.startswith("|") and len(line) > 20:
            yield pos, line
        pos += len(line) + 1


def test_meta_spans():
    for r in all_reports():
        labels = [s["label"] for s in r["spans"]]
        assert labels.count("YEAR") >= 1 and "AGENCY" in labels
        assert r["meta"]["year"] == int(_year_digits(r, labels))
        for n in range(1, 7):
            assert f"SEC{n}" in labels, (r["id"], n)
        if r["meta"]["published"]:
            assert "PUBDATE" in labels


def _year_digits(r: dict, labels: list[str]) -> str:
    from gkml.numbers import chinese_number

    s = r["spans"][labels.index("YEAR")]
    raw = r["text"][s["start"] : s["end"]]
    return raw if raw.isdigit() else str(chinese_number(raw))


# --------------------------------------------------------------------------- gold and identities


def test_gold_cells_are_the_template_cells():
    for layout in LAYOUTS:
        for r in reports(layout):
            keys = set(template_keys(r["template"]))
            assert keys <= set(r["cells"]) <= set(template_keys(r["template"], standard_only=False))


def test_consistent_reports_pass_every_identity_and_inconsistent_ones_fail_one():
    config = load_config(overrides={"inconsistent": 0.5})
    seen = {True: 0, False: 0}
    for i in range(60):
        r = make_report(i, 3, config, LAYOUTS[i % len(LAYOUTS)])
        failed = [c for c in run_checks(r["cells"], r["template"]) if not c.ok]
        if r["consistent"]:
            assert not failed, (r["id"], failed[:2])
        else:
            assert failed, r["id"]
            assert r["broken"] == sorted({c.id for c in failed})
        seen[r["consistent"]] += 1
    assert seen[True] and seen[False]


def test_narrative_reports_have_no_tables():
    for r in reports("narrative"):
        assert r["template"] == "none" and r["cells"] == {}
        assert not any(s["label"] in CELLS for s in r["spans"])
        assert any(f["kind"] == "share" for f in r["facts"])  # "占…9.6%" (seed 002)


def test_values_look_like_their_organ_level():
    rs = [make_report(i, 5, CONFIG, "pipes") for i in range(120)]
    new_total = next(k for k in CELLS if k.startswith("t3.new.") and k.endswith(".total"))

    def median(level: str) -> float:
        vals = sorted(r["cells"][new_total] or 0 for r in rs if r["level"] == level)
        return vals[len(vals) // 2] if vals else 0

    assert median("township") <= 3 < median("city")
    fees = [r["cells"].get("t2.fees.amount") for r in rs]
    assert any(isinstance(v, float) and not v.is_integer() for v in fees)  # decimals in 万元


# --------------------------------------------------------------------------- layouts look like the seeds


def _table_part(r: dict) -> str:
    text = r["text"]
    start = text.find("第二十条")
    return text[start : text.rfind("总计") + 200]


def test_cell_lines_look_like_seed_000():
    r = clean("cell_lines")[0]
    lines = _table_part(r).split("\n")
    numbers = [ln for ln in lines if re.fullmatch(r"\s*\d+(\.\d+)?", ln)]
    assert len(numbers) >= 100  # table numbers on their own lines
    assert " | " not in _table_part(r)


def test_pipes_look_like_seed_001():
    r = clean("pipes")[0]
    table = _table_part(r)
    assert re.search(r"^信息内容 \| 本年", table, re.M)
    assert re.search(r"^(一、本年新收政府信息公开申请数量)( \| [^|\n]*){7}", table, re.M)
    assert re.search(r"^自然人 \| 法人或其他组织 \| 总计", table, re.M)  # merged header row
    assert re.search(r"^三、本年度办理结果 \| \(一\)予以公开 \|", table, re.M)  # group label inline


def test_pipe_lines_look_like_seed_004():
    rs = [r for r in clean("pipe_lines") if re.search(r"^\|\n信息内容 \|\n本年", _table_part(r), re.M)]
    assert rs, "no report in the seed-004 variant"  # pipe_lines also prints P10/P16's cells-between-bars
    table = _table_part(rs[0])
    assert re.search(r"^\d+ \|$", table, re.M)  # a value on its own line, then its pipe
    assert re.search(r"^\|{2,}$", table, re.M)  # the empty cells of a merged row


def test_a_row_printed_as_its_label_alone_has_its_blanks_on_the_bars_below():
    """pipe_lines with blank_shift: an empty row is its label and a line of bars; its blank
    cells are read on those bars in column order, where cell_ordinals counts them."""
    config = load_config(overrides={
        "blanks": {"zero": 0.0, "empty": 1.0, "dash": 0.0, "slash": 0.0, "wu": 0.0},
        "noise": {"layouts": {"pipe_lines": {"blank_shift": 1.0}}},
    })  # fmt: skip
    rows = 0
    for i in range(6):
        r = make_report(i, 3, config, "pipe_lines")
        text, ordinals = r["text"], cell_ordinals(r["text"])
        blanks = [s for s in r["spans"] if s["start"] == s["end"]]
        for m in re.finditer(r"^[^|\n]+ \|\n(\|{2,})$", text, re.M):
            cells = [s for s in blanks if m.start(1) <= s["start"] < m.end(1)]
            if not cells:
                continue  # a header row's padding
            rows += 1
            keys = [s["label"] for s in cells]
            assert [s["start"] - m.start(1) for s in cells] == list(range(len(cells)))
            assert keys == [k for k in CELLS if k in keys] and all(r["cells"][k] is None for k in keys)
            assert [ordinals[s["start"]] % ROW_END for s in cells] == list(range(1, len(cells) + 1))
    assert rows >= 3


def test_markdown_ocr_looks_like_seed_003():
    text = "\n".join(r["text"] for r in structural("markdown_ocr"))
    assert re.search(r"^\|[- |]*-{2,}[- |]*\|$", text, re.M)  # markdown rule line
    assert re.search(r"^(— \d+ —|- \d+ -|-\d+-|第 ?\d+ ?页)$", text, re.M)  # page numbers
    rows = [ln for ln in text.split("\n") if ln.startswith("| 一、") or ln.startswith("| 二、")]
    assert any(not re.match(r"^\| [一二]、[^|]*(数量|申请数量) \|", ln) for ln in rows)  # labels split across cells
    assert re.search(r"^\| (结|果|维|持) \|", text, re.M)  # vertical headers, a character per row
    ocr = [r for r in noisy("markdown_ocr") if "confusion" in r["noise"]]
    assert ocr and all(any(alt in r["text"] for alts in CONFUSIONS.values() for alt in alts) for r in ocr)
    # rows whose label OCR lost (seed 003's 不予公开 rows 1-4): numbers only, still labelled cells
    lost = [r for r in structural("markdown_ocr") if "lost_labels" in r["noise"]]
    unlabelled = []
    for r in lost:
        t3 = {s["start"] for s in r["spans"] if s["label"].startswith("t3.")}
        rows = [m.start(1) for m in re.finditer(r"^(?:\|\s*)+(\d+)(?:\s*\|\s*\d+){5}", r["text"], re.M)]
        unlabelled += [start for start in rows if start in t3]
    assert len(unlabelled) >= 3


def test_spaced_numbers_set_counts_apart_from_the_chinese_around_them():
    config = load_config(overrides={"noise": {"layouts": {"narrative": {"spaced_numbers": 1.0}}}})
    r = make_report(0, 3, config, "narrative")
    assert "spaced_numbers" in r["noise"]
    assert re.search(r"[\u4e00-\u9fff] \d+ ?[余多]? ?[条件次个项]", r["text"])  # "信息 64 条" (seed 003)
    assert any(" " in f["text"] for f in r["facts"])
    for f in r["facts"]:  # every fact span still exact, and still its count
        assert r["text"][f["start"] : f["end"]] == f["text"]
        assert parse_quantity(f["text"]).value == f["value"]


def test_pdf_text_looks_like_p05():
    text = "\n".join(r["text"] for r in structural("pdf_text"))
    assert re.search(r"^一、本年新收政府信息公开申请数量( \S+){7}$", text, re.M)  # a row per line
    assert re.search(r"^三\n、\n本\n年\n度", text, re.M)  # vertical group label
    assert re.search(r"^(— \d+ —|- \d+ -|-\d+-|第 ?\d+ ?页)$", text, re.M)


def test_html_is_read_through_ingest():
    config = load_config(overrides={"raw": True})
    r = make_report(0, 2, config, "html")
    assert "<table" in r["raw"] and "colspan=" in r["raw"] and "rowspan=" in r["raw"]
    assert not re.search(r"</?(table|tr|td|p|div)\b", r["text"]) and " | " in r["text"]


# --------------------------------------------------------------------------- noise, determinism


def test_every_noise_kind_happens():
    seen = set()
    for layout in ALL_LAYOUTS:
        for r in noisy(layout):
            seen.update(r["noise"])
    assert seen == set(_all_kinds())


def test_raw_noise_is_undone_by_normalise():
    config = load_config(overrides={"raw": True, "noise": {"layouts": {"pipes": {"fullwidth": 1.0, "traditional": 1.0}}}})
    r = make_report(1, 4, config, "pipes")
    assert {"fullwidth", "traditional"} <= set(r["noise"])
    assert re.search("[０-９]", r["raw"]) and not re.search("[０-９]", r["text"])
    assert "開" in r["raw"] and "开" in r["text"]


def test_same_seed_same_records_whatever_the_workers():
    a = list(generate(6, 9, CONFIG))
    b = list(generate(6, 9, CONFIG, workers=2))
    assert json.dumps(a, ensure_ascii=False) == json.dumps(b, ensure_ascii=False)
    assert a != list(generate(6, 10, CONFIG))


# --------------------------------------------------------------------------- CLI


def test_cli_writes_a_dataset_and_prints_stats(tmp_path, capsys):
    from datasets import load_from_disk

    from gkml.cli import main
    from gkml.training.synth.corpus import from_row

    out = tmp_path / "synth"
    assert main(["synth", "--n", "12", "--seed", "1", "-o", str(out), "-q", "--workers", "1"]) == 0
    ds = load_from_disk(str(out / "dataset"))
    assert len(ds) == 12
    first = json.loads((out / "reports.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert from_row(ds[0])["cells"] == first["cells"] == make_report(0, 1, CONFIG)["cells"]
    capsys.readouterr()
    assert main(["synth", "--stats", str(out)]) == 0
    printed = capsys.readouterr().out
    for word in ("template:", "layout:", "noise:", "label:", "SEC1", "12 reports"):
        assert word in printed


def test_cli_examples_print_every_layout(capsys):
    from gkml.cli import main

    assert main(["synth", "--examples", "--chars", "200"]) == 0
    printed = capsys.readouterr().out
    for layout in ALL_LAYOUTS:
        assert f"===== {layout} |" in printed


# --------------------------------------------------------------------------- what the generator leans on


def test_the_generator_imports_nothing_it_is_scored_with():
    """Making data must not depend on what reads it: the generator uses ingest (its text is
    what inference reads) and the checks (its gold), never the labellers or the scorer."""
    code = (
        "import sys, gkml.training.synth; "
        "print(sorted(m for m in sys.modules if m.startswith(('gkml.rules', 'gkml.evaluate', "
        "'gkml.assemble.report', 'gkml.model', 'gkml.predict'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_rule_baseline_scores_per_layout_in_record_order():
    from gkml.evaluate import format_scores, score_labeller

    records = [*reports("pipes")[:3], *reports("cell_lines")[:3]]
    scores = score_labeller(records)
    assert list(scores) == ["pipes", "cell_lines"]
    assert scores["pipes"]["docs"] == 3
    assert scores["pipes"]["cells"] == sum(len(r["cells"]) for r in records[:3])
    assert 0.5 < scores["pipes"]["accuracy"] <= 1.0
    table = format_scores(scores, order=["cell_lines"]).splitlines()
    assert table[0].startswith("| layout | reports |")
    assert [line.split(" | ")[0] for line in table[2:]] == ["| cell_lines", "| pipes"]
