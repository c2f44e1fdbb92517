"""Labelled spans → the standard, checked Report: cells, template, sections, facts, metadata.

Every labeller (the rule baseline, the model) ends here, so what a number means is decided
in one place, by deterministic rules:

- **cells** — one value per cell key. Each span whose text is a cell value is a candidate
  for its label and, when the model was unsure, for its runner-up label
  (``Span.alts``). Candidates are given out best score first; where a key or a span is
  contested, a local search keeps, among the assignments that read as many cells, the one
  that satisfies the table identities best (fewest failed, then most passed), then the one
  with the highest total score (:func:`choose_cells`). A printed value is never altered: a span whose text is not a
  cell value is left out (the cell counts as not found) rather than guessed;
- **inferred cells** — a cell that is missing but fixed by an identity whose other cells
  were all read (a row total, one missing part; or parts of a total of 0, each 0) is filled
  with ``inferred: true``, raw "" and no offsets, when every identity that fixes it agrees
  (:func:`gkml.assemble.infer.infer_cells`);
- **template** — 2021 / 2019 from the template-specific cells found, then the table
  headers printed, then the report year; "none" when no cell was found;
- **sections** from SEC spans (the best-scored heading of each number), and the numbers
  missing; **facts**; **metadata**; then every check of :mod:`gkml.assemble.checks`;
- **warnings** where the text lost table 3's rows (:mod:`gkml.assemble.order`): every table cell
  is then scored as doubtful.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from gkml.assemble.blanks import blank_cells
from gkml.assemble.checks import Equation, Number, equations, run_checks
from gkml.assemble.infer import infer_cells
from gkml.assemble.order import doubted, lost_rows
from gkml.io.document import Place
from gkml.labels import FACT_TYPES, SECTION_TYPES, Span
from gkml.numbers import chinese_number, parse_cell, parse_quantity
from gkml.schema import (
    CELLS,
    SECTION_TITLES,
    CellValue,
    Fact,
    Meta,
    OcrSummary,
    Report,
    Section,
    template_keys,
)

Locate = Callable[[int, int], Place | None]  # where text[start:end] is printed (Document.locate)

ALT_MIN = 0.1  # a runner-up label less likely than this is not worth trying
MAX_ROUNDS = 4  # passes of the local search over contested keys (each pass must improve)

# Table-2 headers that differ between the templates (the same as the rule baseline reads).
_HEAD_2021 = re.compile(r"制发件数|废止件数|现行有效件数|本年处理决定数量|本年收费金额")
_HEAD_2019 = re.compile(r"新制作|新公开数量|对外公开总数|上一年项目数|本年增/?减|集中采购|对外管理服务")


# ---------------------------------------------------------------------------
# Template


def detect_template(keys: Iterable[str], text: str = "", year: int | None = None) -> str:
    """"none" when no cell was found. Otherwise the template whose own cells (table 2, row
    (六) of table 3) outnumber the other's; on a tie (only the shared cells of tables 3 and
    4 were read), the table-2 headers printed in ``text``; then the year (2019 and 2020
    reports used the 2019 template); then 2021."""
    keys = set(keys)
    if not keys:
        return "none"
    only_2019 = sum(CELLS[k].templates == ("2019",) for k in keys)
    only_2021 = sum(CELLS[k].templates == ("2021",) for k in keys)
    if only_2019 != only_2021:
        return "2019" if only_2019 > only_2021 else "2021"
    n2021, n2019 = len(_HEAD_2021.findall(text)), len(_HEAD_2019.findall(text))
    if n2021 != n2019:
        return "2021" if n2021 > n2019 else "2019"
    return "2019" if year is not None and year <= 2020 else "2021"


def allowed_keys(template: str) -> frozenset[str]:
    """The cell keys a report of ``template`` may print, 小计 variants included."""
    return frozenset(template_keys(template, standard_only=False)) if template != "none" else frozenset()


# ---------------------------------------------------------------------------
# Cells: candidates, assignment, inference


@dataclass(frozen=True)
class Candidate:
    """A span read as one cell key: its own label (``primary``) or a runner-up."""

    key: str
    slot: tuple[int, int]  # the printed text it reads: one text is one cell, whoever labelled it
    value: Number | None
    raw: str
    start: int
    end: int
    score: float
    primary: bool

    def cell(self) -> CellValue:
        return CellValue(value=self.value, raw=self.raw, start=self.start, end=self.end, score=self.score)


def cell_candidates(text: str, spans: list[Span]) -> list[Candidate]:
    """Every (span, cell key) reading worth considering, best score first (then position).

    Only spans labelled as a cell take part; their runner-up cell labels join at the
    probability the model gave them. A span whose text is not a cell value is dropped.
    Spans over the same characters share a slot (one printed number is one cell); an empty
    span (a cell printed as nothing, from the rules) is a slot of its own, as several blank
    cells of one row may sit at one position."""
    out = []
    for i, span in enumerate(spans):
        if span.label not in CELLS:
            continue
        raw = text[span.start : span.end]
        try:
            value = parse_cell(raw)
        except ValueError:
            continue
        slot = (span.start, span.end) if span.end > span.start else (-1 - i, -1)
        out.append(Candidate(span.label, slot, value, raw, span.start, span.end, span.score, True))
        for label, p in span.alts:
            if label != span.label and label in CELLS and p >= ALT_MIN:
                out.append(Candidate(label, slot, value, raw, span.start, span.end, p, False))
    return sorted(out, key=lambda c: (-c.score, c.start, not c.primary, c.key))


def _fill(assign: dict[str, Candidate], cands: list[Candidate]) -> dict[str, Candidate]:
    """Give every free key its best candidate whose slot is free (``cands`` best first)."""
    used = {c.slot for c in assign.values()}
    for c in cands:
        if c.key not in assign and c.slot not in used:
            assign[c.key] = c
            used.add(c.slot)
    return assign


def _status(e: Equation, values: Mapping[str, Number | None]) -> int:
    """1 passed, -1 failed, 0 not checkable (a cell missing); blank counts 0."""
    if not (all(k in values for k in e.lhs) and all(k in values for k in e.rhs)):
        return 0
    lhs = sum(values[k] or 0 for k in e.lhs)
    rhs = sum(values[k] or 0 for k in e.rhs)
    return 1 if abs(lhs - rhs) < 1e-6 else -1


def identity_score(values: Mapping[str, Number | None], eqs: Iterable[Equation]) -> tuple[int, int]:
    """(failed, passed) over the equations whose cells are all present (blank counts 0)."""
    statuses = [_status(e, values) for e in eqs]
    return statuses.count(-1), statuses.count(1)


class _Values(Mapping):
    """The values of an assignment, read through without copying it."""

    def __init__(self, assign: Mapping[str, Candidate]):
        self.assign = assign

    def __getitem__(self, key: str) -> Number | None:
        return self.assign[key].value

    def __contains__(self, key: object) -> bool:
        return key in self.assign

    def __iter__(self):
        return iter(self.assign)

    def __len__(self) -> int:
        return len(self.assign)


class _Search:
    """The local search of :func:`choose_cells`, with each trial scored from the few keys it
    changes (the equations they are in), not from the whole table."""

    def __init__(self, cands: list[Candidate], eqs: tuple[Equation, ...]):
        self.cands, self.eqs = cands, eqs
        self.rank = {id(c): i for i, c in enumerate(cands)}
        self.by_key: dict[str, list[Candidate]] = {}
        self.by_slot: dict[tuple[int, int], list[Candidate]] = {}
        for c in cands:
            self.by_key.setdefault(c.key, []).append(c)
            self.by_slot.setdefault(c.slot, []).append(c)
        self.of_key: dict[str, list[int]] = {}
        for i, e in enumerate(eqs):
            for k in set(e.keys):
                self.of_key.setdefault(k, []).append(i)
        self.set(_fill({}, cands))

    def set(self, assign: dict[str, Candidate], status: list[int] | None = None) -> None:
        self.assign = assign
        self.used = {c.slot: k for k, c in assign.items()}
        self.status = status if status is not None else [_status(e, _Values(assign)) for e in self.eqs]
        self.total = sum(c.score for c in assign.values())
        self.score = self.objective(assign, self.status, self.total)

    @staticmethod
    def objective(assign: Mapping[str, Candidate], status: list[int], total: float) -> tuple[int, int, int, float]:
        """Smaller is better: most cells read, then fewest failed identities, then most
        passed, then the highest total score. Coverage comes first so that leaving a claimed
        cell out (which skips the identities it is in) can never pass for "satisfying" them:
        a report that breaks an identity must still be seen to break it."""
        return -len(assign), status.count(-1), -status.count(1), -round(total, 6)

    def move(self, key: str, cand: Candidate) -> bool:
        """Try ``key`` ← ``cand``: the key holding ``cand``'s slot loses it, then the freed key
        and the freed slot are refilled greedily (as a full :func:`_fill` would, since
        nothing else changed). Keep the result when it scores better."""
        trial = dict(self.assign)
        old = trial.pop(key, None)
        holder = self.used.get(cand.slot)
        if holder is not None and holder != key:
            del trial[holder]
        trial[key] = cand
        used = {c.slot for c in trial.values()}
        refill = [*(self.by_key.get(holder, []) if holder and holder != key else []),
                  *(self.by_slot.get(old.slot, []) if old is not None else [])]  # fmt: skip
        changed = {key, holder} - {None}
        for c in sorted(refill, key=lambda c: self.rank[id(c)]):
            if c.key not in trial and c.slot not in used:
                trial[c.key] = c
                used.add(c.slot)
                changed.add(c.key)
        if len(trial) < len(self.assign):
            return False
        status = list(self.status)
        values = _Values(trial)
        for i in {i for k in changed for i in self.of_key.get(k, ())}:
            status[i] = _status(self.eqs[i], values)
        total = self.total + sum(trial[k].score for k in changed if k in trial)
        total -= sum(self.assign[k].score for k in changed if k in self.assign)
        if self.objective(trial, status, total) < self.score:
            self.set(trial, status)
            return True
        return False


def choose_cells(cands: list[Candidate], template: str) -> dict[str, Candidate]:
    """One candidate per key and one key per slot (printed text).

    Greedy first (best score first: the rule engine's spans, all 1.0 and never contested,
    end here). Then, where a key has several candidates or a slot several keys, each
    alternative is tried — the key takes that candidate, the key it leaves or the slot it
    frees is refilled greedily — and kept when as many cells are read and the identities
    hold better, or equally well with a higher total score (:meth:`_Search.objective`).
    Deterministic: keys in catalogue order, candidates best first.
    """
    slot_keys: dict[tuple[int, int], set[str]] = {}
    key_count: dict[str, int] = {}
    for c in cands:
        key_count[c.key] = key_count.get(c.key, 0) + 1
        slot_keys.setdefault(c.slot, set()).add(c.key)
    contested = {k for k, n in key_count.items() if n > 1}
    contested |= {k for keys in slot_keys.values() if len(keys) > 1 for k in keys}
    if not contested:
        return _fill({}, cands)
    search = _Search(cands, equations(template))
    order = [k for k in CELLS if k in contested]
    for _ in range(MAX_ROUNDS):
        improved = False
        for key in order:
            for cand in search.by_key[key]:
                if search.assign.get(key) is not cand:
                    improved |= search.move(key, cand)
        if not improved:
            break
    return search.assign


def read_cells(
    text: str, spans: list[Span], year: int | None = None, locate: Locate | None = None
) -> tuple[str, dict[str, CellValue]]:
    """``(template, cells)``: the cells in catalogue order, inferred ones included; with
    ``locate``, each cell read carries where it is printed (:func:`placed`), before any is inferred."""
    cands = cell_candidates(text, spans)
    template = detect_template({c.key for c in cands if c.primary}, text, year)
    allowed = allowed_keys(template)
    cands = [c for c in cands if c.key in allowed]
    chosen = choose_cells(cands, template)
    cells = {k: c.cell() for k, c in chosen.items()}
    if locate is not None:
        cells = {k: placed(c, locate) for k, c in cells.items()}
    cells.update(blank_cells(text, cells, template))  # printed as nothing: null before anything is inferred
    cells.update(infer_cells(cells, template))
    return template, {k: cells[k] for k in CELLS if k in cells}


# ---------------------------------------------------------------------------
# Sections, facts, metadata


def build_sections(text: str, spans: list[Span]) -> list[Section]:
    """The best-scored heading of each number (the first on ties); a section runs from its
    heading to the next heading (or the end of the text)."""
    heads: dict[int, Span] = {}
    for span in sorted(spans, key=lambda s: (-s.score, s.start)):
        if span.label in SECTION_TYPES:
            heads.setdefault(int(span.label[3:]), span)
    ordered = sorted(heads.items(), key=lambda kv: kv[1].start)
    sections = []
    for i, (no, span) in enumerate(ordered):
        end = ordered[i + 1][1].start if i + 1 < len(ordered) else len(text)
        sections.append(Section(no=no, title=text[span.start : span.end].strip(), start=span.start, end=end))
    return sections


def missing_sections(sections: list[Section]) -> list[int]:
    found = {s.no for s in sections}
    return [n for n in SECTION_TITLES if n not in found]


def build_facts(text: str, spans: list[Span]) -> list[Fact]:
    """One fact per printed count: of spans over the same text, the best-scored kind."""
    best: dict[tuple[int, int], Span] = {}
    for span in sorted(spans, key=lambda s: (-s.score, s.start)):
        if span.label in FACT_TYPES:
            best.setdefault((span.start, span.end), span)
    facts = []
    for span in sorted(best.values(), key=lambda s: s.start):
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
    """The best-scored span of each metadata label (the first on ties) whose text reads."""
    meta = Meta()
    for span in sorted(spans, key=lambda s: (-s.score, s.start)):
        raw = text[span.start : span.end]
        if span.label == "AGENCY" and meta.agency is None:
            meta.agency = raw.strip() or None
        elif span.label == "YEAR" and meta.year is None:
            meta.year = parse_year(raw)
        elif span.label == "PUBDATE" and meta.published is None:
            meta.published = parse_date(raw) or raw.strip() or None
    return meta


# ---------------------------------------------------------------------------
# The report


def assemble(
    text: str,
    spans: list[Span],
    *,
    doc_id: str = "",
    source: str = "",
    input_kind: str | None = None,
    engine: str | None = None,
    ocr: OcrSummary | None = None,
    locate: Locate | None = None,
) -> Report:
    """The checked Report of one document. Where it came from (``doc_id``, ``source``,
    ``input_kind``, ``ocr``) and what labelled it (``engine``) are the caller's to say, so the
    record is built whole here and never patched afterwards. ``locate`` (a PDF's or an image's
    :meth:`gkml.io.document.Document.locate`) gives every printed cell its ``page`` and ``bbox``."""
    spans = list(spans)
    meta = build_meta(text, spans)
    template, cells = read_cells(text, spans, meta.year, locate)
    sections = build_sections(text, spans)
    lost = lost_rows(text, cells, next((s.start for s in sections if s.no == 4), None))
    if lost is not None:
        cells = doubted(cells)
    return Report(
        doc_id=doc_id,
        source=source,
        input_kind=input_kind,
        engine=engine,
        ocr=ocr,
        template=template,
        meta=meta,
        sections=sections,
        missing_sections=missing_sections(sections),
        cells=cells,
        facts=build_facts(text, spans),
        checks=run_checks(cells, template, text),
        warnings=[lost.warning()] if lost is not None else [],
    )


def placed(cell: CellValue, locate: Locate) -> CellValue:
    """The cell with the page and box where it is printed. Read by OCR, its score is also how sure
    OCR was of its characters (the labeller's score times their lowest recognition score): a digit
    OCR hesitated over makes a failed identity extraction doubt, not a report inconsistency."""
    if cell.inferred or cell.start is None or cell.end is None:
        return cell
    where = locate(cell.start, cell.end)
    if where is None:
        return cell
    score = cell.score if where.ocr_score is None else round(cell.score * where.ocr_score, 4)
    return replace(cell, page=where.page, bbox=where.bbox, score=score)
