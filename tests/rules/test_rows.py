"""Row labels (gkml.rules.rows): every catalogue row is recognised, OCR misreadings fuzzily."""

from rules_support import cell_values, plain_label

from gkml.rules.cells import Cell
from gkml.rules.rows import match_row
from gkml.schema import CELLS, row_label


def test_every_catalogue_row_has_a_pattern_that_recognises_its_label():
    for key in CELLS:
        prefix, r, _ = key.split(".")
        if r.endswith("_subtotal") or prefix == "t4":
            continue
        printed = plain_label(row_label(prefix, r))
        table = "t2" if prefix.startswith("t2") else "t3"
        assert match_row([Cell("text", 0, len(printed), printed)]) == (table, r), printed


def test_ocr_misread_labels_are_matched_to_the_catalogue_fuzzily():
    text = "(三)不予公开 | 1.属于国家秘蜜 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n二、上年结妆政府信息公开申请数量 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"
    got = cell_values(text)
    assert got["t3.denied_secret.person"] == 1 and got["t3.denied_secret.total"] == 1
    assert got["t3.carried_in.person"] == 2 and len(got) == 14
