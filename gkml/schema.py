"""The standard report schema: cell catalogue, section titles, fact kinds and the output record.

The cell catalogue is read from ``cells.tsv`` beside this module, a verbatim copy of the
national template's catalogue (``spec/cells.tsv``).  It is the only list of cell keys in
the code base: labels, checks, the baseline, the CSV writer and the JSON Schema all
derive from :data:`CELLS`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATES = ("2021", "2019", "none")
# What a failed identity is: extraction doubt (a cell involved was inferred or read with a score
# below LOW_CONFIDENCE), or the report inconsistent as printed (every cell involved read with confidence).
VERDICTS = ("doubt", "inconsistent")
LOW_CONFIDENCE = 0.9

SECTION_TITLES = {
    1: "总体情况",
    2: "主动公开政府信息情况",
    3: "收到和处理政府信息公开申请情况",
    4: "政府信息公开行政复议、行政诉讼情况",
    5: "存在的主要问题及改进情况",
    6: "其他需要报告的事项",
}

FACT_KINDS = ("active", "request", "interaction", "platform", "training", "money", "share", "other")
# The counting words of a narrative fact (standard-format.md, "Narrative facts"): things and
# documents (条 件 篇 份 项 册 批), entities (个 家 处 所 户 台 套 块), events (次 场 期 轮, 场次
# 批次), people (名 人 位 人次), money (元 万元 亿元) and shares (%).  Not durations or dates (年 月
# 日 天 小时, 个月, 个工作日), kinds (类) or a report's own parts: what they count is not a fact.
FACT_UNITS = (
    "人次", "场次", "批次", "亿元", "万元", "元", "%",
    "条", "件", "篇", "份", "项", "册", "批",
    "个", "家", "处", "所", "户", "台", "套", "块",
    "次", "场", "期", "轮",
    "名", "人", "位",
)  # fmt: skip


@dataclass(frozen=True)
class Cell:
    """One cell of a standard table: ``t3.new.total`` is row ``new``, column ``total`` of table 3."""

    key: str
    table: int
    templates: tuple[str, ...]
    row_zh: str
    col_zh: str
    unit: str
    printed: str  # "always" or "some reports" (小计 rows and the 法人或其他组织 小计 column)

    @property
    def prefix(self) -> str:
        return self.key.split(".")[0]

    @property
    def row(self) -> str:
        return self.key.split(".")[1]

    @property
    def col(self) -> str:
        return self.key.split(".")[2]

    @property
    def always(self) -> bool:
        return self.printed == "always"


def _load_cells() -> dict[str, Cell]:
    with open(Path(__file__).with_name("cells.tsv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {
        r["key"]: Cell(
            key=r["key"],
            table=int(r["table"]),
            templates=tuple(r["template"].split(",")),
            row_zh=r["row_zh"],
            col_zh=r["col_zh"],
            unit=r["unit"],
            printed=r["printed"],
        )
        for r in rows
    }


CELLS: dict[str, Cell] = _load_cells()
CELL_KEYS: tuple[str, ...] = tuple(CELLS)


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def rows_of(prefix: str, template: str | None = None, standard_only: bool = False) -> tuple[str, ...]:
    """Row ids of a table (``t2``, ``t2v19``, ``t3``, ``t4``) in catalogue order."""
    return _unique(
        c.row
        for c in CELLS.values()
        if c.prefix == prefix
        and (template is None or template in c.templates)
        and (not standard_only or c.always)
    )


def cols_of(prefix: str, row: str | None = None, standard_only: bool = False) -> tuple[str, ...]:
    """Column ids of a table, or of one row of it, in catalogue order."""
    return _unique(
        c.col
        for c in CELLS.values()
        if c.prefix == prefix and (row is None or c.row == row) and (not standard_only or c.always)
    )


def template_keys(template: str, standard_only: bool = True) -> tuple[str, ...]:
    """The cell keys a report of ``template`` prints (``standard_only`` drops 小计 variants)."""
    t2 = "t2" if template == "2021" else "t2v19"
    return tuple(
        k
        for k, c in CELLS.items()
        if template in c.templates
        and (c.table != 2 or c.prefix == t2)
        and (not standard_only or c.always)
    )


# Table structure.  Row and column ids are the catalogue's; the assertions below keep them so.
T3_NEW, T3_CARRIED_IN, T3_TOTAL_ROW, T3_CARRIED_OVER = "new", "carried_in", "total", "carried_over"
T3_TOTAL_COL = "total"
T3_ORG_SUBTOTAL_COL = "org_subtotal"  # printed by some reports only
T3_APPLICANT_COLS = tuple(c for c in cols_of("t3", standard_only=True) if c != T3_TOTAL_COL)
T3_ORG_COLS = T3_APPLICANT_COLS[1:]  # the five 法人或其他组织 columns (自然人 first)
T3_COLS = cols_of("t3")  # the 7 standard columns, then the 小计 column
T3_OUTCOME_ROWS = {
    t: tuple(
        r
        for r in rows_of("t3", t, standard_only=True)
        if r not in (T3_NEW, T3_CARRIED_IN, T3_TOTAL_ROW, T3_CARRIED_OVER)
    )
    for t in ("2021", "2019")
}
T3_SUBTOTAL_ROWS = tuple(r for r in rows_of("t3") if r.endswith("_subtotal"))
T4_GROUPS = rows_of("t4")
T4_TOTAL_COL = "total"
T4_PARTS = tuple(c for c in cols_of("t4") if c != T4_TOTAL_COL)
T4_REVIEW = tuple(g for g in T4_GROUPS if CELLS[f"t4.{g}.{T4_TOTAL_COL}"].row_zh.startswith("行政复议"))
T4_SUITS = tuple(g for g in T4_GROUPS if g not in T4_REVIEW)
# 2019 本年增/减: the only table-2 column that may be negative
T2_SIGNED_COLS = frozenset(c.col for c in CELLS.values() if c.table == 2 and "增/减" in c.col_zh)

assert {T3_NEW, T3_CARRIED_IN, T3_TOTAL_ROW, T3_CARRIED_OVER} <= set(rows_of("t3"))
assert {T3_TOTAL_COL, T3_ORG_SUBTOTAL_COL} <= set(T3_COLS) and T3_ORG_COLS[0] == "business"
assert T4_TOTAL_COL in cols_of("t4") and len(T4_SUITS) == 2


def row_label(prefix: str, row: str) -> str:
    """The Chinese label of a row, taken from the catalogue."""
    for c in CELLS.values():
        if c.prefix == prefix and c.row == row and not c.row_zh.startswith("(row "):
            return c.row_zh
    raise KeyError(f"{prefix}.{row}")


# ---------------------------------------------------------------------------
# The output record (DESIGN.md, "Output contract")


@dataclass
class CellValue:
    value: float | int | None  # None: printed blank (空, —, /, 无)
    raw: str
    start: int | None = None
    end: int | None = None
    score: float = 1.0
    inferred: bool = False
    # Where it is printed, for a cell read from a PDF or an image (absent from the JSON otherwise):
    page: int | None = None  # 1-based
    bbox: list[float] | None = None  # [x0, y0, x1, y1] from the page's top-left: PDF points, image pixels


@dataclass
class Fact:
    text: str
    value: float | int
    approx: bool
    unit: str | None
    kind: str
    start: int
    end: int
    score: float = 1.0


@dataclass
class Section:
    no: int
    title: str
    start: int
    end: int


@dataclass
class Check:
    id: str
    where: str
    ok: bool
    lhs: float | int | None
    rhs: float | int | None
    cells: list[str]
    delta: float | int | None = None
    severity: str = "error"  # "warning" for X-NARRATIVE
    note: str | None = None
    verdict: str | None = None  # failed only: VERDICTS[0] (a cell inferred or unsure) or VERDICTS[1]


@dataclass
class Meta:
    agency: str | None = None
    year: int | None = None
    published: str | None = None  # ISO date, or the printed text when it cannot be read as one


@dataclass
class OcrSummary:
    """Present when OCR read some pages of the input (a scanned PDF, an image)."""

    pages: int  # pages read by OCR
    confidence: float  # mean recognition score of the OCR'd characters, 0-1


_SCALARS = frozenset({str, int, float, bool, type(None)})


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _plain(x: Any) -> Any:
    """``dataclasses.asdict`` without its deep copies of every leaf: the same dict, written for
    each record of a batch in a sixth of the time."""
    if type(x) in _SCALARS:
        return x
    if hasattr(type(x), "__dataclass_fields__"):
        return {k: _plain(getattr(x, k)) for k in _field_names(type(x))}
    if isinstance(x, list | tuple):
        return type(x)(_plain(v) for v in x)
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


@dataclass
class Report:
    doc_id: str
    source: str
    status: str = "ok"  # "ok" | "error"
    error: str | None = None
    template: str = "none"
    meta: Meta = field(default_factory=Meta)
    sections: list[Section] = field(default_factory=list)
    missing_sections: list[int] = field(default_factory=list)  # numbers of the six with no heading found
    cells: dict[str, CellValue] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    input_kind: str | None = None  # txt | html | pdf | image | docx | doc (what ingest saw)
    engine: str | None = None
    ocr: OcrSummary | None = None  # None: no page was read by OCR
    warnings: list[str] = field(default_factory=list)  # read, but not quite as printed (bytes replaced, …)

    def to_dict(self) -> dict[str, Any]:
        d = _plain(self)
        for cell in d["cells"].values():  # a cell of a text input has no place on a page: no page/bbox keys
            for key in ("page", "bbox"):
                if cell[key] is None:
                    del cell[key]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Report:
        return cls(
            doc_id=d["doc_id"],
            source=d["source"],
            status=d.get("status", "ok"),
            error=d.get("error"),
            template=d.get("template", "none"),
            meta=Meta(**(d.get("meta") or {})),
            sections=[Section(**s) for s in d.get("sections", [])],
            missing_sections=list(d.get("missing_sections") or []),
            cells={k: CellValue(**v) for k, v in (d.get("cells") or {}).items()},
            facts=[Fact(**f) for f in d.get("facts", [])],
            checks=[Check(**c) for c in d.get("checks", [])],
            input_kind=d.get("input_kind"),
            engine=d.get("engine"),
            ocr=OcrSummary(**d["ocr"]) if d.get("ocr") else None,
            warnings=list(d.get("warnings") or []),
        )

    @classmethod
    def from_json(cls, line: str) -> Report:
        return cls.from_dict(json.loads(line))

    @classmethod
    def failed(cls, doc_id: str, source: str, error: str, input_kind: str | None = None) -> Report:
        return cls(doc_id=doc_id, source=source, status="error", error=error, input_kind=input_kind)


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one output line."""
    number = {"type": ["number", "null"]}
    span = {"start": {"type": ["integer", "null"]}, "end": {"type": ["integer", "null"]}}
    cell = {
        "type": "object",
        "required": ["value", "raw"],
        "properties": {
            "value": number,
            "raw": {"type": "string"},
            **span,
            "score": {"type": "number"},
            "inferred": {"type": "boolean"},
            "page": {"type": "integer", "minimum": 1},
            "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
        },
        "dependentRequired": {"page": ["bbox"], "bbox": ["page"]},
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "gkml report record",
        "type": "object",
        "required": ["doc_id", "source", "status", "error", "template", "meta", "sections", "cells", "facts", "checks"],
        "properties": {
            "doc_id": {"type": "string"},
            "source": {"type": "string"},
            "status": {"enum": ["ok", "error"]},
            "error": {"type": ["string", "null"]},
            "template": {"enum": list(TEMPLATES)},
            "input_kind": {"type": ["string", "null"]},
            "engine": {"type": ["string", "null"]},
            "warnings": {"type": "array", "items": {"type": "string"}},
            "ocr": {
                "type": ["object", "null"],
                "required": ["pages", "confidence"],
                "properties": {
                    "pages": {"type": "integer", "minimum": 0},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                },
                "additionalProperties": False,
            },
            "meta": {
                "type": "object",
                "properties": {
                    "agency": {"type": ["string", "null"]},
                    "year": {"type": ["integer", "null"]},
                    "published": {"type": ["string", "null"]},
                },
            },
            "sections": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["no", "title", "start", "end"],
                    "properties": {"no": {"enum": list(SECTION_TITLES)}, "title": {"type": "string"}, **span},
                },
            },
            "missing_sections": {"type": "array", "items": {"enum": list(SECTION_TITLES)}},
            "cells": {
                "type": "object",
                "propertyNames": {"enum": list(CELL_KEYS)},
                "additionalProperties": cell,
            },
            "facts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["text", "value", "approx", "unit", "kind", "start", "end"],
                    "properties": {
                        "text": {"type": "string"},
                        "value": {"type": "number"},
                        "approx": {"type": "boolean"},
                        "unit": {"enum": [*FACT_UNITS, None]},
                        "kind": {"enum": list(FACT_KINDS)},
                        **span,
                        "score": {"type": "number"},
                    },
                },
            },
            "checks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "where", "ok", "lhs", "rhs", "cells"],
                    "properties": {
                        "id": {"type": "string"},
                        "where": {"type": "string"},
                        "ok": {"type": "boolean"},
                        "lhs": number,
                        "rhs": number,
                        "delta": number,
                        "cells": {"type": "array", "items": {"enum": list(CELL_KEYS)}},
                        "severity": {"enum": ["error", "warning"]},
                        "note": {"type": ["string", "null"]},
                        "verdict": {"enum": [*VERDICTS, None]},
                    },
                },
            },
        },
    }
