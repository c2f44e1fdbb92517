"""Training chains: synthetic reports typeset by LibreOffice and read back by every extractor,
the gold carried onto each extractor's text (gkml.training.chains).

One module-wide build (a 2021 and a 2019 report, one Word-made ruled style, every chain but
OCR: one LibreOffice run, ~15 s); the alignment helpers are also checked on small texts.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from gkml.assemble.order import ORDER_LOST_SCORE
from gkml.assemble.report import assemble
from gkml.engines import DEFAULT_MODEL, get_labeller, label_many
from gkml.io.normalise import normalise
from gkml.model.features import blank_slot
from gkml.numbers import parse_cell
from gkml.training.chains import corpus as C
from gkml.training.chains import extract as X
from gkml.training.chains.align import Traced, carry, spans_of
from gkml.training.chains.document import Style, colour, pid_of_rgb
from gkml.training.chains.typeset import typeset
from gkml.training.synth.config import load_config

ROOT = Path(__file__).resolve().parents[2]
SEED = 5
CONFIG = load_config()
STYLE = Style(ruled=True, pdf_from="docx", repeat_header=True, vertical_group="narrow")


def _first(template: str) -> int:
    return next(i for i in range(200) if C.draw(i, SEED, CONFIG).template == template)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Report of each template through every chain but OCR, its files kept."""
    keep = tmp_path_factory.mktemp("chains")
    indices = [_first("2021"), _first("2019")]
    corpus = C.build(0, SEED, CONFIG, X.FAST, keep=keep, style=STYLE, indices=indices)
    drawn = [C.draw(i, SEED, CONFIG) for i in indices]
    return corpus, drawn, keep


def _printed_cells(d: C.Drawn) -> dict[str, str]:
    """Every value cell of the report's tables as printed (blank cells printed as nothing left out)."""
    return {c.label: c.text for t in d.content.tables.values() for row in t.rows for c in row
            if c.label and c.text}  # fmt: skip


def test_colour_code_round_trips_every_piece_id():
    for pid in (1, 15, 16, 255, 256, 4095):
        rgb = tuple(int(colour(pid)[k : k + 2], 16) / 255 for k in (0, 2, 4))
        assert pid_of_rgb(rgb) == pid
    assert pid_of_rgb((0.0, 0.0, 0.0)) == 0 and pid_of_rgb((1.0, 0.0, 0.0)) == 0


def test_pdf_of_each_template_prints_every_gold_cell(built):
    """The Word-made PDF holds every printed cell, each in its own colour: pdfium's characters
    of that colour spell exactly the printed value."""
    _, drawn, keep = built
    assert {d.template for d in drawn} == {"2021", "2019"}
    for d in drawn:
        ts = typeset(d.content, random.Random(f"style-{d.id}"), STYLE)
        traced = X.pypdfium2_traced(keep / "pdf" / f"{d.id}.pdf")
        by_pid: dict[int, str] = {}
        for ch, pid in zip(traced.text, traced.ids, strict=True):
            if pid:
                by_pid[pid] = by_pid.get(pid, "") + ch
        printed = {ts.source.label[pid]: text.strip() for pid, text in by_pid.items()}
        cells = _printed_cells(d)
        assert len(cells) > 60
        for key, token in cells.items():
            assert printed.get(key, "").replace(" ", "") == token, key


def test_every_chain_carries_each_cell_onto_its_printed_characters(built):
    corpus, drawn, _ = built
    assert set(corpus) == set(X.FAST)
    for chain, records in corpus.items():
        for d, r in zip(drawn, records, strict=True):
            assert r["status"] == "ok", (chain, r.get("error"))
            cells = _printed_cells(d)
            spans = {s["label"]: r["text"][s["start"] : s["end"]] for s in r["spans"]}
            # the largest number of table 3, not a 0 that any 0 would match
            key = max((k for k in cells if k.startswith("t3.")), key=lambda k: int(re.sub(r"\D", "", cells[k]) or 0))
            assert spans[key].replace(" ", "") == normalise(cells[key])[0], (chain, key)
            assert not r["lost"].get("misaligned cells"), chain
            for k, token in cells.items():
                assert spans[k].replace(" ", "") == normalise(token)[0], (chain, k)
                assert r["cells"][k] == d.gold[k]
            assert r["meta"]["year"] == d.year
            assert any(s["label"] == "SEC3" for s in r["spans"]), chain


def test_pdfplumber_chain_of_a_word_table_prints_a_merged_label_as_one_slot(built):
    """Issue 15's example: pdfplumber's grid of a Word-made table 3 has the label's covered
    columns as slots of their own; gkml's reading prints the merged label as one cell
    ("一、本年新收政府信息公开申请数量 | 14 | 2 | …", not "… |  |  | 14 | …", which read as two
    blank cells), and the chain's gold puts each number on its own column."""
    corpus, drawn, _ = built
    for d, r in zip(drawn, corpus["pdfplumber-ingest"], strict=True):
        cols = [k.rsplit(".", 1)[1] for k in d.gold if k.startswith("t3.new.")]
        values = " | ".join(_printed_cells(d)[f"t3.new.{c}"] for c in cols)
        line = f"一、本年新收政府信息公开申请数量 | {values}"
        assert line in r["text"].split("\n"), d.template
        at = r["text"].index(line)
        spans = sorted((s for s in r["spans"] if s["label"].startswith("t3.new.")), key=lambda s: s["start"])
        assert [s["label"] for s in spans] == [f"t3.new.{c}" for c in cols]
        assert all(at < s["start"] < at + len(line) for s in spans)


def test_pdfminer_chain_is_exact_where_it_prints_a_table_column_by_column(built):
    """pdfminer prints a table's numbers column by column: the colour still names each cell."""
    from pdfminer.high_level import extract_text

    corpus, drawn, keep = built
    r = corpus["pdfminer-text"][0]
    # pdfminer breaks ties between text boxes by object identity, so the order of a few boxes
    # differs from one run to the next (measured: 3 orders in 30 runs); the characters do not.
    # The chain's text is pdfminer's read as gkml reads a text file: the same characters, the
    # lines of a paragraph the page wrapped joined (gkml.io.paragraphs.read_plain).
    own = normalise(extract_text(keep / "pdf" / f"{drawn[0].id}.pdf"))[0]
    assert sorted(re.sub(r"\s", "", r["text"])) == sorted(re.sub(r"\s", "", own))
    assert max(map(len, r["text"].split("\n"))) > 2 * max(map(len, own.split("\n")))
    starts = {s["label"]: s["start"] for s in r["spans"]}
    # row order is lost: the first two rows' person cells are next to each other, not a row apart
    assert starts["t3.carried_in.person"] - starts["t3.new.person"] < 12


@pytest.mark.parametrize("engine", ["rules", "model"])
def test_only_the_pdfminer_chain_is_said_to_have_lost_table_3s_rows(built, engine):
    """What pdfminer printed gives a report that says its table cells are doubtful; what every
    other chain printed, a report that does not (gkml.assemble.order)."""
    corpus, _, _ = built
    labeller = get_labeller(engine) if engine == "rules" else get_labeller(engine, ROOT / DEFAULT_MODEL)
    for chain, records in corpus.items():
        for r, spans in zip(records, label_many(labeller, [r["text"] for r in records]), strict=True):
            report = assemble(r["text"], spans)
            read = [c.score for c in report.cells.values() if c.start is not None]
            if chain == "pdfminer-text":
                assert len(report.warnings) == 1 and "lost the table's rows" in report.warnings[0]
                assert read and max(read) <= ORDER_LOST_SCORE
            else:
                assert report.warnings == [], (chain, r["id"])


def test_scrape_chains_drop_blank_cells_from_their_gold_and_count_them():
    """Cells printed as nothing: the pipe grids keep their slots (zero-length spans there), the
    one-cell-per-line scrape loses them and says so."""
    cfg = load_config(None, {"blanks": {"zero": 0.0, "empty": 1.0, "dash": 0.0, "slash": 0.0, "wu": 0.0},
                             "templates": {"2021": 1.0, "2019": 0.0, "none": 0.0}})  # fmt: skip
    corpus = C.build(1, 11, cfg, ["html-ingest", "html-scrape", "html-markdown"], style=STYLE)
    blanks = {k for k, v in C.draw(0, 11, cfg).gold.items() if v is None}
    assert len(blanks) > 5
    ingest, scrape, md = corpus["html-ingest"][0], corpus["html-scrape"][0], corpus["html-markdown"][0]
    assert scrape["lost"]["blank cells"] == len(blanks) and not blanks & set(scrape["cells"])
    for r in (ingest, md):
        assert blanks <= set(r["cells"]) and not r["lost"].get("blank cells")
        zero = [s for s in r["spans"] if s["label"] in blanks]
        assert zero and all(s["start"] == s["end"] for s in zero)
        for s in zero:  # each sits in an empty slot of its row, where training reads it (blank_slot)
            line = r["text"][r["text"].rfind("\n", 0, s["start"]) + 1 : r["text"].find("\n", s["start"])]
            slot = blank_slot(r["text"], s["start"])
            assert "|" in line and slot is not None and not r["text"][slot[0] : slot[1]].strip()


def test_pdfplumber_chain_of_an_unruled_table_carries_cells_and_blank_slots():
    """A table without rules comes out of gkml's PDF reader cell by cell (gkml.io.columns): every
    printed number keeps its own characters in the chain's gold (a " | " the reader wrote is no
    part of a cell), and a cell printed as nothing has its empty slot in its row."""
    cfg = load_config(None, {"blanks": {"zero": 0.0, "empty": 1.0, "dash": 0.0, "slash": 0.0, "wu": 0.0},
                             "templates": {"2021": 1.0, "2019": 0.0, "none": 0.0}})  # fmt: skip
    style = Style(ruled=False, pdf_from="html", repeat_header=False, vertical_group="wide")
    r = C.build(1, 11, cfg, ["pdfplumber-ingest"], style=style)["pdfplumber-ingest"][0]
    d = C.draw(0, 11, cfg)
    assert not r["lost"].get("misaligned cells") and not r["lost"].get("cells")
    spans = {s["label"]: r["text"][s["start"] : s["end"]] for s in r["spans"]}
    cells = _printed_cells(d)
    assert all(spans[k] == normalise(token)[0] for k, token in cells.items() if k.startswith("t3."))
    blanks = [s for s in r["spans"] if d.gold.get(s["label"], 0) is None and s["label"].startswith("t3.")]
    assert len(blanks) > 5 and all(blank_slot(r["text"], s["start"]) is not None for s in blanks)


def test_carry_pairs_numbers_across_separators_and_a_label_wrapped_after_them():
    ref = Traced("（一）予以公开 | 6 | 2 | 0\n", [0] * 10 + [1] + [0] * 3 + [2] + [0] * 3 + [3] + [0])
    dst = "（一）予以\n6 2 0\n公开"  # OCR: the label's second line after the numbers
    traced = carry(ref, dst, numbers_first=True)
    placed = spans_of(traced).spans
    assert [dst[a:b] for a, b in (placed[1], placed[2], placed[3])] == ["6", "2", "0"]
    assert placed[1][0] == dst.index("6")


def test_blank_slots_follow_the_values_not_the_merged_label_columns():
    before = "一、新收 | "
    ref_text = before + " | 5\n"  # a blank cell (piece 6) between the label and the 5 (piece 7)
    ref = Traced(ref_text, [7 if c == "5" else 0 for c in ref_text], blanks=[(len(before), 6)])
    dst = "一、新收 |  |  |  | 5"  # two empty slots of the merged label, then the blank cell
    traced = carry(ref, dst)
    assert traced.blanks == [(dst.rindex("|  |") + 2, 6)]
    assert spans_of(traced).spans[6] == (dst.rindex("|  |") + 2,) * 2


def test_same_seed_typesets_the_same_document():
    d1, d2 = C.draw(3, SEED, CONFIG), C.draw(3, SEED, CONFIG)
    t1 = typeset(d1.content, random.Random("style-x"))
    t2 = typeset(d2.content, random.Random("style-x"))
    assert t1.docx == t2.docx and t1.html == t2.html and t1.style == t2.style
    assert t1.ref_docx.text == t2.ref_docx.text and t1.ref_docx.ids == t2.ref_docx.ids


def test_pdf_made_from_the_web_page_is_traced_too():
    """Some organs print the web page to PDF: LibreOffice reads the HTML (Writer, not Writer/Web)
    and the PDF chains are traced against the page's own reference."""
    style = Style(ruled=True, pdf_from="html", repeat_header=False)
    index = _first("2021")
    corpus = C.build(0, SEED, CONFIG, ["pdfplumber-ingest", "pypdfium2-text"], style=style, indices=[index])
    cells = _printed_cells(C.draw(index, SEED, CONFIG))
    for chain, (r,) in corpus.items():
        assert r["status"] == "ok" and r["pdf_from"] == "html", chain
        spans = {s["label"]: r["text"][s["start"] : s["end"]] for s in r["spans"]}
        assert {k: spans.get(k, "").replace(" ", "") for k in cells} == {k: normalise(v)[0] for k, v in cells.items()}


def test_reading_order_joins_boxes_of_a_line_left_to_right():
    boxes = [[(300, 10), (340, 10), (340, 30), (300, 30)], [(10, 12), (200, 12), (200, 32), (10, 32)],
             [(10, 50), (100, 50), (100, 70), (10, 70)]]  # fmt: skip
    assert X.reading_order(boxes, ["12", "一、本年新收", "量"]) == "一、本年新收 12\n量"


# the dev draw's share is lower: two of its reports print blanks as "/", which
# OCR reads as "1" (148 cells)
@pytest.mark.parametrize(("name", "chain", "n", "spelled"),
                         [("chains-ocr", "ocr-text", 20, 0.95), ("chains-ocr-eval", "ocr-text", 32, 0.95),
                          ("chains-ocr-dev", "ocr-text", 12, 0.9), ("chains-ocr-ingest", "ocr-ingest", 20, 0.95)])  # fmt: skip
def test_committed_ocr_corpus_carries_its_cells(name, chain, n, spelled):
    """corpora/chains-ocr*.jsonl.gz (OCR of rendered pages, built once: RapidOCR's plain text to
    train on and one held out for bench/chains.py; gkml's own reading of the scans, for a run
    that trains on it):
    every report read, and the cells it keeps sit on characters that spell their value, bar
    OCR's own misreadings."""
    from conftest import ROOT

    records = C.read_gz(ROOT / "corpora" / f"{name}.jsonl.gz")
    assert len(records) >= n and {r["chain"] for r in records} == {chain}
    assert all(r["status"] == "ok" for r in records)
    assert {"2021", "2019"} <= {r["template"] for r in records}
    right = total = 0
    for r in records:
        for s in r["spans"]:
            if s["label"] in r["cells"] and s["start"] < s["end"]:
                try:
                    read = parse_cell(r["text"][s["start"] : s["end"]])
                except ValueError:
                    read = "unreadable"
                right += read == r["cells"][s["label"]]
                total += 1
    assert total > 100 * n and right / total > spelled
    if chain == "ocr-ingest":  # gkml's table form, as `gkml predict` reads a scan: rows of slots
        assert all(re.search(r"^.+ \| \d+ \| \d+ \| \d+", r["text"], re.M) for r in records if r["cells"])


def test_chain_prose_has_the_phrase_kinds_of_the_prose_mix():
    """The chains draw their prose with the generator's prose mix (long enumerations, shares
    after counts, every counting word), so the facts are learned as the chains print them."""
    from gkml.numbers import in_enumeration

    def prose(d: C.Drawn) -> str:
        return "".join(p.text for s in d.content.sections for b in s.blocks if b.pieces for p in b.pieces)

    texts = [prose(C.draw(i, SEED, CONFIG)) for i in range(20)]
    enumerated = [t for t in texts if any(in_enumeration(t, m.start(), m.end()) for m in re.finditer(r"\d+", t))]
    assert len(enumerated) >= 5
    off = [prose(C.draw(i, SEED, load_config(None, {"prose": {"enumerations": 0.0}}))) for i in range(20)]
    assert len(off) == 20 and off != texts
