"""Labelled spans → the standard Report: cells, template, sections, facts and metadata.

Every labeller (the rule baseline, the model) ends here, so what a number means is decided
in one place.  Printed values are parsed, never altered: a span whose text is not a cell
value is left out of ``cells`` (the cell counts as not found) rather than guessed.
"""

from __future__ import annotations

import re

from gkml.labels import FACT_TYPES, SECTION_TYPES, Span
from gkml.numbers import chinese_number, parse_cell, parse_quantity
from gkml.schema import CELLS, CellValue, Fact, Meta, Report, Section


def detect_template(keys) -> str:
    """2019 and 2021 differ in table 2 and in row (六) of table 3; any other cell means a table was found."""
    keys = set(keys)
    only_2019 = {k for k in keys if CELLS[k].templates == ("2019",)}
    only_2021 = {k for k in keys if CELLS[k].templates == ("2021",)}
    if not keys:
        return "none"
    return "2019" if len(only_2019) > len(only_2021) else "2021"


def choose_cells(text: str, spans: list[Span]) -> dict[str, CellValue]:
    """One value per cell key: the best-scored span whose text is a cell value (first on ties)."""
    cells: dict[str, CellValue] = {}
    for span in sorted(spans, key=lambda s: (-s.score, s.start)):
        if span.label not in CELLS or span.label in cells:
            continue
        raw = text[span.start : span.end]
        try:
            value = parse_cell(raw)
        except ValueError:
            continue
        cells[span.label] = CellValue(value=value, raw=raw, start=span.start, end=span.end, score=span.score)
    return {k: cells[k] for k in CELLS if k in cells}  # catalogue order


def build_sections(text: str, spans: list[Span]) -> list[Section]:
    """A section runs from its heading to the next heading (or the end of the text)."""
    heads: dict[int, Span] = {}
    for span in sorted(spans, key=lambda s: s.start):
        if span.label in SECTION_TYPES:
            heads.setdefault(int(span.label[3:]), span)
    ordered = sorted(heads.items(), key=lambda kv: kv[1].start)
    sections = []
    for i, (no, span) in enumerate(ordered):
        end = ordered[i + 1][1].start if i + 1 < len(ordered) else len(text)
        sections.append(Section(no=no, title=text[span.start : span.end].strip(), start=span.start, end=end))
    return sections


def build_facts(text: str, spans: list[Span]) -> list[Fact]:
    facts = []
    for span in sorted(spans, key=lambda s: s.start):
        if span.label not in FACT_TYPES:
            continue
        q = parse_quantity(text[span.start : span.end])
        if q is None:
            continue
        facts.append(
            Fact(
                text=q.text,
                value=q.value,
                approx=q.approx,
                unit=q.unit,
                kind=span.label.split(".", 1)[1],
                start=span.start,
                end=span.end,
                score=span.score,
            )
        )
    return facts


_DATE = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
_ZH_DATE = re.compile(r"^\s*([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")


def parse_date(raw: str) -> str | None:
    """ISO date from a printed date (2024-01-11, 2023年1月28日, 二〇二〇年一月三日); None if unreadable."""
    m = _DATE.match(raw)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _ZH_DATE.match(raw)
        if not m:
            return None
        y, mo, d = (chinese_number(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def parse_year(raw: str) -> int | None:
    digits = re.sub(r"\D", "", raw)
    try:
        year = int(digits) if digits else chinese_number(raw.replace("年", "").strip())
    except ValueError:
        return None
    return year if 1990 <= year <= 2100 else None


def build_meta(text: str, spans: list[Span]) -> Meta:
    first: dict[str, Span] = {}
    for span in sorted(spans, key=lambda s: (-s.score, s.start)):
        first.setdefault(span.label, span)
    meta = Meta()
    if "AGENCY" in first:
        s = first["AGENCY"]
        meta.agency = text[s.start : s.end].strip() or None
    if "YEAR" in first:
        s = first["YEAR"]
        meta.year = parse_year(text[s.start : s.end])
    if "PUBDATE" in first:
        s = first["PUBDATE"]
        raw = text[s.start : s.end]
        meta.published = parse_date(raw) or raw.strip() or None
    return meta


def assemble(text: str, spans: list[Span]) -> Report:
    """The Report of one document (doc_id, source and checks are filled in by the caller)."""
    cells = choose_cells(text, spans)
    return Report(
        doc_id="",
        source="",
        template=detect_template(cells),
        meta=build_meta(text, spans),
        sections=build_sections(text, spans),
        cells=cells,
        facts=build_facts(text, spans),
    )

