"""Reading a Word-made PDF's ruled tables (gkml.io.pdf), typeset by LibreOffice for real."""

from __future__ import annotations

import re

from gkml.io.pdf import pdf_text
from gkml.training.chains import corpus as C
from gkml.training.chains.document import Style
from gkml.training.synth.config import load_config

# Narrow label columns on a small page: table 3's rows stand tall, and Word lets a row break
# across pages, so a label starts on one page and ends on the next (seed 5's report 0, page 7:
# "3.要求提供" / "公开出版物").
TALL_ROWS = Style(page="B5", margins_mm=(30, 28, 25, 25), vertical_group="wide", label_share=0.3, table_width=0.9,
                  repeat_header=False, footer="")  # fmt: skip


def test_a_row_label_cut_by_a_page_break_is_joined_to_its_row(tmp_path):
    config = load_config()
    d = C.draw(0, 5, config)
    assert d.template == "2021"
    C.build(0, 5, config, ["pdfplumber-ingest"], keep=tmp_path, style=TALL_ROWS, indices=[0])
    text, _, boxes = pdf_text((tmp_path / "pdf" / f"{d.id}.pdf").read_bytes())
    lines = text.split("\n")
    label = "3.要求提供公开出版物"
    rows = [line for line in lines if line.startswith(label + " | ")]
    assert len(rows) == 1 and len(rows[0].split(" | ")) == 8  # the label and its seven cells ("/" printed blank)
    row = rows[0]
    at = text.index(row)
    pages = [boxes[at + k][0] for k in range(len(label))]
    assert pages[0] < pages[-1]  # the label's rest keeps where it was printed: the next page
    assert not [line for line in lines if re.fullmatch(r"[ |]*[^\s|\d]+(?: \| ?)+", line)]  # no row of a label's rest
