"""The synthetic corpus option ``labels_only``: a table printed with all its labels and not one value
(off by default, so the default corpus is unchanged)."""

from __future__ import annotations

from collections import Counter

import pytest

from gkml.assemble.checks import run_checks
from gkml.training.configfile import ConfigError
from gkml.training.synth import LAYOUTS, load_config, make_report


def table_of(key: str) -> str:
    return "t2" if key.startswith("t2v19.") else key.split(".")[0]


def empty_tables(record: dict) -> list[str]:
    tables: dict[str, list] = {}
    for key, value in record["cells"].items():
        tables.setdefault(table_of(key), []).append(value)
    return sorted(t for t, values in tables.items() if all(v is None for v in values))


def test_off_by_default_and_checked():
    assert load_config()["labels_only"] == 0.0
    assert load_config(overrides={"labels_only": 0.25})["labels_only"] == 0.25
    with pytest.raises(ConfigError, match=r"labels_only: 1.5 is outside \[0.0, 1.0\]"):
        load_config(overrides={"labels_only": 1.5})


def test_labels_only_prints_one_table_with_labels_and_no_value():
    quiet = {"layouts": dict.fromkeys(LAYOUTS, {})}  # no OCR/scrape noise: every label printed whole
    config = load_config(overrides={"labels_only": 1.0, "inconsistent": 0.5, "noise": quiet})
    seen: Counter[str] = Counter()
    for i in range(36):
        r = make_report(i, 5, config, LAYOUTS[i % len(LAYOUTS)])
        (table,) = empty_tables(r)  # exactly one table, every cell a printed blank
        seen[table] += 1
        text = r["text"]
        assert not any(s["end"] > s["start"] for s in r["spans"] if table_of(s["label"]) == table)
        labels = {"t2": ("规章", "行政许可", "行政处罚"), "t3": ("新收", "予以公开", "结转下年"), "t4": ("复议", "诉讼")}
        assert all(word in text for word in labels[table])  # the labels are printed
        # a report broken on purpose is broken in a table that prints values (one broken in the
        # empty table would pass: its blanks count 0 whatever was drawn)
        failed = {c.id for c in run_checks(r["cells"], r["template"]) if not c.ok}
        assert bool(failed) == (not r["consistent"]) and r["broken"] == sorted(failed)
    assert set(seen) == {"t2", "t3", "t4"}
