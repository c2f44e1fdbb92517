"""Training data: windows, cell ordinals, IOB2 tags and token labels, the character
tokenizer, and windows of a tokenised report labelled alike on both sides of an edge."""

from __future__ import annotations

import random

import pytest
from conftest import ROOT, SAMPLES

from gkml.annotate.export import load_annotations
from gkml.labels import ID2LABEL, LABEL2ID, Span
from gkml.model.features import ROW_END, cell_ordinals, token_owners, windows
from gkml.training.data import IGNORE, char_tags, encode_batch, token_labels


@pytest.fixture(scope="module")
def ml():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("datasets")
    pytest.importorskip("seqeval")


@pytest.fixture(scope="module")
def tokenizer(ml):
    from gkml.model.tokenizer import build_tokenizer

    return build_tokenizer(["南丰镇2022年政府信息公开工作年度报告"], common="none")


# ---------------------------------------------------------------------------
# Windows, tags, labels (pure)


def test_windows_cover_the_report_with_the_overlap_asked():
    assert windows(0, 10, 3) == [(0, 0)]
    assert windows(10, 10, 3) == [(0, 10)]
    for n in (11, 17, 100, 893, 1000, 5000):
        for size, stride in ((10, 0), (10, 3), (10, 9), (510, 128)):
            if n <= size:
                continue
            ws = windows(n, size, stride)
            assert ws[0][0] == 0 and ws[-1][1] == n
            assert all(e - s == size for s, e in ws)  # full windows only
            for (s1, e1), (s2, _) in zip(ws, ws[1:], strict=False):
                assert s1 < s2 and e1 - s2 >= stride  # overlap >= stride
            # the fewest windows: one less could not keep the overlap
            assert len(ws) == 1 + -(-(n - size) // (size - stride))
    for bad in ((10, 0, 0), (10, 5, 5), (10, 5, -1)):
        with pytest.raises(ValueError):
            windows(*bad)


def test_cell_ordinals_count_numbers_from_the_row_label():
    text = "| 小计 | 8 | 1 | | 0 0 | / | -3 |\n|---|--|\n(四)无法提供\n1.本机关\n2\n\nO\n第 3 页\n共800余条, 12 件"
    marked = [(text[i], o % ROW_END) for i, o in enumerate(cell_ordinals(text)) if o]
    # nothing between bars keeps the count, two numbers in one cell are two, a blank mark and a
    # signed number are cells (a markdown rule line's dashes are not), a misread 0 is a number,
    # an empty line among one-cell lines is a cell printed as nothing, a page footer's number
    # starts again, a count inside prose is no cell
    assert marked == [
        ("8", 1), ("1", 2), ("0", 3), ("0", 4), ("/", 5), ("-", 6), ("3", 6),
        ("2", 1), ("\n", 2), ("O", 3), ("3", 1), ("1", 1), ("2", 1),
    ]  # fmt: skip


def test_a_page_number_between_a_header_and_its_row_is_no_cell():
    # a Word page footer where table 4 breaks across pages, as pypdfium2 prints it
    text = "尚未\n审结 总计\n— 3 —\n13 8 3 2 26 0 0 0 0 0 1 0 2 0 3\n- 12 -"
    cells = _cells(text)
    assert [(c, o) for c, o, _ in cells if c in "—-"] == []  # the footers' dashes are no blank cells
    row = text.index("13")
    starts = [row] + [row + i + 1 for i, ch in enumerate(text[row : text.index("\n", row)]) if ch == " "]
    ordinals = cell_ordinals(text)
    assert [ordinals[i] for i in starts] == [*range(1, 15), 15 + ROW_END]  # table 4's row of 15, whole
    assert not any(ordinals[text.index("- 12") :])


def test_table_4_headers_ocr_read_between_its_values_do_not_restart_the_count():
    # OCR of table 4 whose headers stand a character a line: their last line ("持正果结") is read
    # into the line of values, between its groups of five (chain-41-000100 of bench/chains.py)
    text = "果果他未总果果他未总\n维纠结审计维纠结审计\n3 1 0 3 7 持正果结 0 0 1 0 1 持正果结 1 0 1 2 4\n五、存在的主要问题"
    assert [o for _, o, _ in _cells(text)] == list(range(1, 16))
    assert _cells(text)[-1] == ("4", 15, True)
    # a header word at the start of a line of values, or after one, is still text that starts a row
    assert [o for _, o, _ in _cells("总计 3 1\n3 1 总计")] == [1, 2, 1, 2]


def test_a_row_labels_number_split_from_its_words_is_no_cell():
    # pypdfium2 after a page break, one cell a line: "3." of the next row's label had been the
    # row's eighth cell, so its 总计 was read as 小计 (chain-41-000000 of bench/chains.py)
    text = "作\n18\n1\n0\n0\n0\n0 19\n3.\n补正\n后申请\n7\n0\n0\n0\n0\n0\n7\n"
    rows = ["18", "1", "0", "0", "0", "0", "19"], ["7", "0", "0", "0", "0", "0", "7"]
    assert _cells(text) == [(n, i, i == 7) for cells in rows for i, n in enumerate(cells, 1)]
    # a cell OCR read with a stray point stays a cell
    assert _cells("申请 | 0. | 3 | 3") == [("0.", 1, False), ("3", 2, False), ("3", 3, True)]


def test_cell_ordinals_count_cells_printed_as_nothing():
    def shown(text):
        return "".join(str(o % ROW_END) if o else "." for o in cell_ordinals(text))

    # "|  |" is an empty cell (its spaces carry its place), "||" padding is not
    assert shown("规章 |  | 3 |||\n5") == "....11..2.....1"
    # P10: a bare "|" line is an empty cell; a line of bars only after cells is padding
    assert shown("规章 |\n7 |\n|\n0 |\n|||\n|") == ".....1...2.3........"
    # ... but right under a row label it is that row printed as nothing, a cell per bar: a
    # report that prints an empty row as its label alone ("1.属于国家秘密 |\n||||||||"; under
    # a header's label it is no cell, which the model learns from the label)
    assert shown("其他 |\n|||\n5 |") == ".....123.1.."
    # seed 004: the bare "|" after a padding line opens a row, and a header row's padding does
    # not count into the unlabelled row below it
    assert shown("总计 |\n||||\n|\n0 |\n|\n0 |") == ".....1234...1...2.3.."
    # OCR markdown: "| |" is as often an empty label column, so it is no cell
    assert shown("| | (一)予以公开 | | 0 | 0 |") == "................1...2.."
    # HTML rows: the whitespace before a line's first bar is an empty first cell
    assert shown(" |  | 0 | 7") == "1.22..3...4"
    # P16: a cell printed as nothing is an empty line between two lone "|" lines
    assert shown("权益\n|\n\n|\n\n|\n5\n|") == ".....1..2..3.."
    # one cell per line: an empty line is a blank cell, counted in the text's line step (P13,
    # double-spaced: every line is followed by one empty line, a blank cell adds two) ...
    assert shown("规章\n\n0\n\n\n\n0\n\n其他服务\n\n\n\n\n\n\n\n第二十条") == "....1..2.3........1.2.3....."
    assert shown("规章\n0\n\n\n0\n其他\n\n\n第二") == "...1.234....12.."
    # ... but not next to a line of several cells (a heading's blank line above a table row)
    assert shown("年度报告\n\n| | 4 | 2 |") == "..........1...2.."


def _cells(text: str) -> list[tuple[str, int, bool]]:
    """Each cell :func:`cell_ordinals` marks: (its characters, its place, whether it ends its row)."""
    ids = cell_ordinals(text)
    out: list[tuple[str, int, bool]] = []
    for i, o in enumerate(ids):
        if o and i and ids[i - 1] == o:
            out[-1] = (out[-1][0] + text[i], *out[-1][1:])
        elif o:
            out.append((text[i], o % ROW_END, o >= ROW_END))
    return out


def test_cell_ordinals_mark_each_rows_last_cell():
    # the row's width tells table 3's columns apart: the seventh of eight cells is 小计, the
    # seventh of seven 总计 (held-out report #44: a blank 总计 after seven zeros, among rows of
    # eight, was read as a 总计 of 0)
    blank_total = "2.重复申请 |\n" + "0 |\n" * 7 + "|\n|||\n"
    full = "3.要求提供公开出版物 |\n" + "0 |\n" * 8 + "|||\n"
    assert _cells(blank_total + full) == (
        [("0", i, False) for i in range(1, 8)] + [("|", 8, True)] + [("0", i, i == 8) for i in range(1, 9)]
    )
    assert _cells("| 小计 | 8 | 1 | 12 |\n其他 | 5") == [("8", 1, False), ("1", 2, False), ("12", 3, True), ("5", 1, True)]


def test_a_stray_separator_in_a_table_row_is_no_cell():
    # held-out report #46: a stray "|" line among seven numbers, next to a row of seven
    stray = "数量 |\n181 |\n8 |\n0 |\n|\n0 |\n3 |\n2 |\n194 |\n||\n"
    full = "上年结转 |\n" + "1 |\n" * 7 + "||\n"
    numbers = [("181", 1, False), ("8", 2, False), ("0", 3, False), ("0", 4, False), ("3", 5, False), ("2", 6, False), ("194", 7, True)]
    assert _cells(stray + full) == numbers + [("1", i, i == 7) for i in range(1, 8)]
    # seed 004: bare "|" lines close its table-3 rows of seven numbers
    seed = (SAMPLES / "004_93c87546c824c53b.txt").read_text(encoding="utf-8")
    rows = seed[seed.index("(一)予以公开") : seed.index("(三)不予公开")]
    assert "0 |\n|\n|\n(二)" in rows and _cells(rows) == [("0", i, i == 7) for i in range(1, 8)] * 2
    # ... also after a stray "|" line among the numbers: three empty slots
    strayed = rows.replace("公开 |\n0 |\n", "公开 |\n0 |\n|\n", 1)
    assert _cells(strayed) == _cells(rows)
    # a table-4 row of fifteen numbers and one stray bar
    t4 = "".join(f"{n} |\n" for n in range(1, 8)) + "|\n" + "".join(f"{n} |\n" for n in range(8, 16))
    assert [c[1] for c in _cells("总计 |\n" + t4)] == list(range(1, 16))
    # blanks that fill columns stay cells: in table 2, whose rows of one to four cells stand
    # side by side (P10) ...
    p10 = "行政处罚 |\n0 |\n|\n0 |\n|\n行政强制 |\n0 |\n0 |\n0 |\n"
    assert [c[:2] for c in _cells(p10)][:3] == [("0", 1), ("|", 2), ("0", 3)]
    # ... in a table-3 row as wide as the complete rows near it ...
    blank = "1.本机关 |\n" + "0 |\n" * 3 + "|\n" + "0 |\n" * 3 + "||\n"
    assert [c[1] for c in _cells(blank + full)][:7] == list(range(1, 8))
    # ... and where more than three are blank (held-out: table 4 of seven numbers and eight
    # blanks, below table-3 rows of seven)
    t4 = "总计 |\n1 | 0 |  | 0 | 1 |  |  |  |  |  | 0 |  | 0 |  | 0 |\n五、"
    assert [c[1] for c in _cells(full + t4)][7:] == list(range(1, 16))


def test_cell_ordinal_of_every_annotated_table_number_is_its_column():
    """On the real layouts (one cell per line, pipe rows, garbled OCR markdown) the ordinal
    channel numbers each printed T3 row and the T4 row 1, 2, 3 … in the template's column
    order: the column is given, the model has to find the row."""
    from gkml.schema import CELLS, cols_of

    tabled = 0
    for record in load_annotations(ROOT / "annotations" / "seeds.json"):
        ordinals = cell_ordinals(record["text"])
        rows: dict[str, list[tuple[int, str]]] = {}
        for span in record["spans"]:
            cell = CELLS.get(span["label"])
            if cell is not None and cell.table in (3, 4) and span["end"] > span["start"]:
                row = f"t3.{cell.row}" if cell.table == 3 else "t4"
                rows.setdefault(row, []).append((span["start"], cell.col if cell.table == 3 else span["label"]))
        tabled += bool(rows)
        for row, cells in rows.items():
            cells.sort()
            assert [ordinals[start] % ROW_END for start, _ in cells] == list(range(1, len(cells) + 1)), (record["id"], row)
            order = list(cols_of("t3")) if row != "t4" else [k for k in CELLS if k.startswith("t4.")]
            assert [order.index(c) for _, c in cells] == sorted(order.index(c) for _, c in cells)
    assert tabled == 4  # seeds 000, 001, 003, 004 (002 has no tables)


def test_token_owners_prefer_the_window_with_most_context():
    ws = windows(30, 10, 4)
    owners = token_owners(ws, 30)
    for t, w in enumerate(owners):
        s, e = ws[w]
        assert s <= t < e
        margin = min(t - s, e - 1 - t)
        assert all(margin >= min(t - s2, e2 - 1 - t) for s2, e2 in ws if s2 <= t < e2)


def test_char_tags_iob2_zero_length_and_overlaps():
    tags = char_tags(
        "x2022abcdef",
        [
            {"start": 1, "end": 4, "label": "YEAR"},
            Span(6, 6, "t3.new.total"),  # zero-length with no space to stand for it: skipped
            {"start": 3, "end": 6, "label": "AGENCY"},  # overlaps YEAR: the earlier wins
            {"start": 7, "end": 8, "label": "SEC1"},
        ],
    )
    assert tags == ["O", "B-YEAR", "I-YEAR", "I-YEAR", "O", "O", "O", "B-SEC1", "O", "O", "O"]
    # a cell printed as nothing is tagged on what stands for it: the run of spaces between two
    # bars (the tokenizer's one " " token, at the run's first character), an empty line's line
    # break, a bare "|" line; where nothing is printed (a shifted cell) it is skipped
    text = "规章 | 1 |  | 3 |\n0\n\n\n5 |\n|\n7"
    blank, empty_line, bare_bar = text.index("|  |") + 2, text.index("\n\n\n") + 2, text.index("|\n|") + 2
    tags = char_tags(
        text,
        [
            Span(blank, blank, "t2.rules.repealed"),
            Span(empty_line, empty_line, "t2.rules.issued"),
            Span(bare_bar, bare_bar, "t2.rules.in_force"),
            Span(text.index("7"), text.index("7"), "t2.penalty.decisions"),
        ],
    )
    assert [(i, t) for i, t in enumerate(tags) if t != "O"] == [
        (blank - 1, "B-t2.rules.repealed"),
        (blank, "I-t2.rules.repealed"),
        (empty_line, "B-t2.rules.issued"),
        (bare_bar, "B-t2.rules.in_force"),
    ]
    with pytest.raises(ValueError, match="unknown entity type 'NOPE'"):
        char_tags("x" * 5, [{"start": 0, "end": 1, "label": "NOPE"}])
    with pytest.raises(ValueError, match="outside the text"):
        char_tags("x" * 5, [{"start": 3, "end": 9, "label": "YEAR"}])


def test_token_labels_skip_specials_and_repeated_characters():
    tags = ["B-YEAR", "I-YEAR", "O"]
    offsets = [(0, 0), (0, 1), (1, 2), (1, 2), (1, 2), (2, 3), (0, 0)]
    assert token_labels(offsets, tags) == [
        IGNORE,
        LABEL2ID["B-YEAR"],
        LABEL2ID["I-YEAR"],
        IGNORE,
        IGNORE,
        LABEL2ID["O"],
        IGNORE,
    ]


# ---------------------------------------------------------------------------
# Tokenizer


def test_tokenizer_one_token_per_character_with_offsets(tokenizer):
    text = "南丰镇２０22年 政府鑫信息…公开\u3000共12件㐀"
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    toks = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    offsets = enc["offset_mapping"]
    # every character has a token at its own offsets, a space (the ideographic one too) as " "
    starts = [s for s, _ in offsets]
    assert sorted(set(starts)) == list(range(len(text)))
    assert all(e == s + 1 for s, e in offsets)
    by_char = {s: t for (s, _), t in zip(offsets, toks, strict=True)}
    assert [by_char[i] for i in range(3, 7)] == ["2", "0", "2", "2"]  # full-width digits folded, one each
    assert by_char[text.index("鑫")] == "[UNK]" and by_char[text.index("㐀")] == "[UNK]"
    assert by_char[text.index("件")] == "件"  # schema characters are always in the vocabulary
    assert starts.count(text.index("…")) == 3  # NFKC: … → ... (labelled once, see token_labels)
    labels = token_labels(offsets, char_tags(text, [{"start": 3, "end": 7, "label": "YEAR"}]))
    assert [ID2LABEL[x] for x in labels[3:7]] == ["B-YEAR", "I-YEAR", "I-YEAR", "I-YEAR"]
    assert labels[starts.index(text.index("…")) + 1] == IGNORE


def test_tokenizer_reads_a_run_of_spaces_as_one_token_and_every_line_break(tokenizer):
    text = "规章 |  \t| 3 |\r\n\n\u3000\u3000 5"
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    toks = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    assert [(t, text[s:e]) for t, (s, e) in zip(toks, enc["offset_mapping"], strict=True)] == [
        ("规", "规"), ("章", "章"), (" ", " "), ("|", "|"), (" ", " "), ("|", "|"), (" ", " "), ("3", "3"),
        (" ", " "), ("|", "|"), (" ", "\r"), ("\n", "\n"), ("\n", "\n"), (" ", "\u3000"), ("5", "5"),
    ]  # fmt: skip


def test_tokenizer_save_reload_round_trip(tokenizer, tmp_path):
    from transformers import AutoTokenizer

    from gkml.model.tokenizer import gb2312_chars

    tokenizer.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    text = "南丰镇２０22年度 报告X：共12件"
    a = tokenizer(text, return_offsets_mapping=True)
    b = again(text, return_offsets_mapping=True)
    assert a["input_ids"] == b["input_ids"] and a["offset_mapping"] == b["offset_mapping"]
    assert again.convert_ids_to_tokens(b["input_ids"])[:5] == ["[CLS]", "南", "丰", "镇", "2"]
    assert len(again) == len(tokenizer) and again.pad_token_id == 0 and again.unk_token == "[UNK]"
    assert len(gb2312_chars(1)) == 3755 and len(gb2312_chars(2)) == 3008


# ---------------------------------------------------------------------------
# Windows of a tokenised report: labels aligned, entities cut by a window edge


def test_entity_across_a_window_boundary_is_labelled_alike_in_both_windows(tokenizer):
    from gkml.training.train import doc_sequences, entity_scores

    rng = random.Random(0)
    text = "".join(rng.choice("南丰镇政府信息公开年度报告X ") for _ in range(200))
    max_length, stride = 34, 8  # 32 content tokens, overlap >= 8
    n_tokens = len(tokenizer(text, add_special_tokens=False)["input_ids"])
    wins = windows(n_tokens, max_length - 2, stride)
    # an entity over the first window's end: inside the overlap of windows 0 and 1, cut in window 0
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    first_end = wins[0][1]
    start_char, end_char = offsets[first_end - 3][0], offsets[first_end + 2][1]
    spans = [{"start": start_char, "end": end_char, "label": "AGENCY"}]
    rows = encode_batch(
        {"id": ["d"], "text": [text], "spans": [spans]},
        [0],
        tokenizer.backend_tokenizer.to_str(),
        max_length,
        stride,
        tokenizer.cls_token_id,
        tokenizer.sep_token_id,
        "x:",
    )
    assert rows["start"] == [s for s, _ in wins] and len(rows["input_ids"]) == len(wins) > 3
    tags = char_tags(text, spans)
    full = token_labels(offsets, tags)
    for ids, labels, s in zip(rows["input_ids"], rows["labels"], rows["start"], strict=True):
        assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
        assert ids[1:-1] == enc["input_ids"][s : s + len(ids) - 2]
        assert labels[1:-1] == full[s : s + len(ids) - 2]  # same label for a token in every window
        assert labels[0] == labels[-1] == IGNORE
    # window 0 sees the entity start (B-) and loses its end; window 1 starts inside it (I-)
    w0, w1 = rows["labels"][0], rows["labels"][1]
    assert ID2LABEL[w0[first_end - 3 + 1]] == "B-AGENCY" and ID2LABEL[w0[-2]] == "I-AGENCY"
    assert wins[1][0] < first_end - 3 or ID2LABEL[w1[1]] == "I-AGENCY"
    # merged back over the whole report, the gold is the document's, and perfect
    # predictions score 1.0 (the entity counted once, whole)
    gold, pred = doc_sequences(rows["labels"], rows["labels"], rows["doc"], rows["start"], rows["length"])
    assert gold == [[ID2LABEL[x] for x in full if x != IGNORE]]
    scores = entity_scores(gold, pred)
    assert scores["f1"] == 1.0 and scores["f1_META"] == 1.0 and scores["f1_T3"] == 0.0
