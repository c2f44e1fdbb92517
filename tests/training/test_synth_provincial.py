"""The synthetic corpus options ``table_notes`` and ``extra_rows``: table 2 as provincial
templates print it, with notes after its labels and rows the national template lacks (off by
default, so the default corpus is unchanged)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gkml.training.configfile import ConfigError
from gkml.training.synth import LAYOUTS, load_config, make_report
from gkml.training.synth.tables import _EXTRA_ROWS

ROOT = Path(__file__).resolve().parents[2]
QUIET = {"layouts": dict.fromkeys(LAYOUTS, {})}  # no OCR/scrape noise: every label printed whole


def test_off_by_default_and_checked():
    config = load_config()
    assert (config["table_notes"], config["extra_rows"]) == (0.0, 0.0)
    with pytest.raises(ConfigError, match=r"extra_rows: 2 is outside \[0.0, 1.0\]"):
        load_config(overrides={"extra_rows": 2})


def test_the_provincial_mix_prints_notes_and_extra_rows_whose_numbers_are_no_cell():
    config = load_config(ROOT / "configs" / "synth-provincial.yaml", overrides={"table_notes": 1.0, "extra_rows": 1.0, "noise": QUIET})
    for i in range(8):
        r = make_report(i, 5, config, "pipes")
        text = r["text"]
        t2 = text[text.index("信息内容") : text.index("申请人情况")]
        # a note after a row label or a column header: "规章(…)" / "本年增/减(…)"
        assert re.search(r"(规章|规范性文件|行政许可|行政处罚|行政强制|数量|件数)\((指|含|包括|仅|按|截至|单位|减少|可参考)", t2), t2
        rows = [line for line in t2.splitlines() if line.split(" | ")[0].split("(")[0] in _EXTRA_ROWS]
        assert rows, t2
        label, values = rows[0].split(" | ", 1)
        at = text.index(rows[0]) + len(label) + len(" | ")
        numbers = [(at + m.start(), at + m.end()) for m in re.finditer(r"-?\d+", values)]
        labelled = {(s["start"], s["end"]) for s in r["spans"]}
        assert numbers and not labelled & set(numbers)
        # every table-2 cell is still labelled where its value is printed
        for s in r["spans"]:
            if s["label"].startswith(("t2.", "t2v19.")) and s["end"] > s["start"]:
                value = r["cells"][s["label"]]
                assert float(text[s["start"] : s["end"]].replace(",", "")) == pytest.approx(value)
