"""The generator's configuration: defaults and validation.

Everything that shapes the corpus (template, organ level and layout mix, how often a report
is inconsistent on purpose, how zeros are printed, which noise each layout gets and how much)
lives in one nested dict, so a training run can say exactly what data it saw, and the dict
travels to worker processes as it is.  A config file only overrides what it names; a key the
generator does not know, a value of the wrong type or a mix that does not sum to 1 is a
:class:`~gkml.training.configfile.ConfigError` naming the key, never a silently ignored typo.
Reading and merging are :mod:`gkml.training.configfile`'s, as for the training config.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

from gkml.training.configfile import ConfigError, describe, load_yaml, merge

LAYOUTS = ("cell_lines", "pipes", "pipe_lines", "html", "markdown_ocr", "pdf_text")
"""Table layouts (one renderer each, :mod:`gkml.training.synth.layouts`); narrative-only reports use "narrative"."""
ALL_LAYOUTS = (*LAYOUTS, "narrative")
LEVELS = ("township", "county", "city", "province")
BLANK_STYLES = ("zero", "empty", "dash", "slash", "wu")
NOISE_KINDS = (
    "confusion",
    "digit_confusion",
    "stray_spaces",
    "spaced_numbers",
    "split_labels",
    "lost_labels",
    "vertical_headers",
    "blank_shift",
    "separators",
    "page_breaks",
    "repeat_header",
    "glued_headings",
    "fullwidth",
    "traditional",
)

DEFAULTS: dict[str, Any] = {
    "templates": {"2021": 0.6, "2019": 0.25, "none": 0.15},
    "levels": {"township": 0.45, "county": 0.3, "city": 0.18, "province": 0.07},
    "layouts": {
        "cell_lines": 0.2,
        "pipes": 0.2,
        "pipe_lines": 0.15,
        "html": 0.15,
        "markdown_ocr": 0.15,
        "pdf_text": 0.15,
    },
    "inconsistent": 0.15,
    "subtotals": 0.08,
    "blanks": {"zero": 0.72, "empty": 0.08, "dash": 0.08, "slash": 0.08, "wu": 0.04},
    "blank_rows": 0.5,
    "labels_only": 0.0,
    "table_notes": 0.0,
    "extra_rows": 0.0,
    "narrative_mismatch": 0.3,
    "raw": False,
    # The prose mix: chances of the phrase kinds of gkml.training.synth.prose_lists (0 turns one off).
    "prose": {
        "enumerations": 0.5,  # a long enumeration (5–12 items, 、 or ；) in a report's prose
        "outcome_shares": 0.3,  # the outcome list with a share after each count (予以公开57件(21.35%))
        "sub_counts": 0.3,  # a count with 含/其中 sub-counts (办结436件(含上年结转25件))
        "counting_words": 0.5,  # sentences counting with 场 期 项 处 家 人 份 台 块 …, 万 magnitudes
        "magnitudes": 0.3,  # a count of 10,000 and more printed with 万 (近12.5万人)
        "approx_words": 0.5,  # approximate counts also with 超, 超过, 约, 左右, 以上
        "zeros": 0.3,  # zero counts stated (收到行政诉讼0件), zero items in lists
        "kind_contrasts": 0.4,  # phrases that decide the kind (发布解读27条 active, 解读政策文件27条 other)
        "decoys": 0.4,  # numbers that are not facts in fact sentences (dates, 文号, phone, 12345, names)
        "count_first": 0.4,  # the count before what it counts (明确一名分管领导, 召开3场新闻发布会)
    },
    "noise": {
        "rates": {
            "confusion": 0.006,
            "digit_confusion": 0.03,
            "stray_spaces": 0.03,
            "spaced_numbers": 0.9,
            "split_labels": 0.6,
            "lost_labels": 0.15,
            "vertical_headers": 1.0,
            "blank_shift": 1.0,
            "separators": 0.03,
            "page_breaks": 0.6,
            "repeat_header": 0.5,
            "glued_headings": 0.4,
            "fullwidth": 0.5,
            "traditional": 1.0,
        },
        "layouts": {
            "cell_lines": {
                "blank_shift": 0.3, "confusion": 0.05, "stray_spaces": 0.05, "fullwidth": 0.05,
                "traditional": 0.03, "separators": 0.05, "split_labels": 0.1,
            },
            "pipes": {
                "separators": 0.1, "confusion": 0.05, "stray_spaces": 0.05, "fullwidth": 0.05,
                "traditional": 0.05,
            },
            "pipe_lines": {"separators": 0.1, "confusion": 0.05, "blank_shift": 0.1, "fullwidth": 0.05},
            "html": {"fullwidth": 0.1, "traditional": 0.05, "stray_spaces": 0.05, "confusion": 0.03},
            "markdown_ocr": {
                "confusion": 0.95, "digit_confusion": 0.4, "split_labels": 0.9, "vertical_headers": 0.8,
                "page_breaks": 0.9, "repeat_header": 0.3, "separators": 0.4, "stray_spaces": 0.6,
                "glued_headings": 0.3, "blank_shift": 0.2, "lost_labels": 0.3, "spaced_numbers": 0.5,
            },
            "pdf_text": {
                "vertical_headers": 0.9, "page_breaks": 0.8, "repeat_header": 0.5, "split_labels": 0.7,
                "blank_shift": 0.8, "stray_spaces": 0.4, "confusion": 0.2, "digit_confusion": 0.1,
                "glued_headings": 0.2, "spaced_numbers": 0.3,
            },
            "narrative": {
                "confusion": 0.1, "stray_spaces": 0.1, "fullwidth": 0.1, "traditional": 0.05,
                "glued_headings": 0.1, "spaced_numbers": 0.1,
            },
        },
    },
}  # fmt: skip

# Mixes whose values are shares of the corpus and must sum to 1, with the names they may use.
_MIXES = {
    "templates": ("2021", "2019", "none"),
    "levels": LEVELS,
    "layouts": LAYOUTS,
    "blanks": BLANK_STYLES,
}
_PROBABILITIES = (
    "inconsistent", "subtotals", "blank_rows", "labels_only", "table_notes", "extra_rows", "narrative_mismatch"
)


def _check_number(value: Any, key: str, low: float = 0.0, high: float | None = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ConfigError(key, f"expected a number, got {describe(value)}")
    if value < low or (high is not None and value > high):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ConfigError(key, f"{value!r} is outside {bound}")
    return float(value)


# Maps a config replaces as a whole (their names are checked in validate): a mix lists every
# share, and a layout's noise lists every kind it gets.
_REPLACED = frozenset({*_MIXES, *(f"noise.layouts.{name}" for name in ALL_LAYOUTS)})


def validate(config: dict[str, Any]) -> dict[str, Any]:
    """Check a full config (defaults already merged); returns it, or raises
    :class:`~gkml.training.configfile.ConfigError` naming the key."""
    for mix, names in _MIXES.items():
        shares = config[mix]
        for name, share in shares.items():
            if name not in names:
                raise ConfigError(mix, f"unknown key {name!r} (known: {', '.join(names)})")
            _check_number(share, f"{mix}.{name}")
        total = sum(shares.values())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ConfigError(mix, f"shares sum to {total:g}, not 1")
    for key in _PROBABILITIES:
        _check_number(config[key], key)
    if not isinstance(config["raw"], bool):
        raise ConfigError("raw", f"expected true or false, got {describe(config['raw'])}")
    for name, p in config["prose"].items():
        _check_number(p, f"prose.{name}")
    for kind, rate in config["noise"]["rates"].items():
        _check_number(rate, f"noise.rates.{kind}")
    for layout, kinds in config["noise"]["layouts"].items():
        key = f"noise.layouts.{layout}"
        if layout not in ALL_LAYOUTS:
            raise ConfigError("noise.layouts", f"unknown key {layout!r} (known: {', '.join(ALL_LAYOUTS)})")
        if not isinstance(kinds, dict):
            raise ConfigError(key, f"expected a mapping of noise kind to chance, got {describe(kinds)}")
        for kind, p in kinds.items():
            if kind not in NOISE_KINDS:
                raise ConfigError(key, f"unknown key {kind!r} (known: {', '.join(NOISE_KINDS)})")
            _check_number(p, f"{key}.{kind}")
    return config


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The defaults, overlaid by the YAML file at ``path`` and then by ``overrides`` (a nested
    mapping, e.g. from :func:`~gkml.training.configfile.parse_overrides`); validated."""
    config = copy.deepcopy(DEFAULTS)
    try:
        if path is not None:
            config = merge(config, load_yaml(path), strict=True, replace=_REPLACED)
        if overrides:
            config = merge(config, overrides, strict=True, replace=_REPLACED)
        return validate(config)
    except ConfigError as e:
        raise e.in_file(path) if path is not None else e from None
