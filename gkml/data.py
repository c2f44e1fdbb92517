"""Training data: reports with character spans → windows of token ids with BIO labels.

The pure functions at the top (:func:`windows`, :func:`char_tags`, :func:`token_labels`,
:func:`token_owners`) are shared with the predictor, so training and inference cut and
align reports the same way. The loaders below them read the configured sources (a
``gkml synth`` corpus, one generated on the fly, Label Studio exports) into
``datasets`` tables, cached next to the corpus.

Labels are a function of the character only: a token carries the tag of its first
character in every window that holds it, so an entity cut by a window edge is labelled
the same way on both sides (the later window starts with its ``I-`` tags) and merged
predictions agree with the gold of the whole report.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gkml.labels import ENTITY_TYPES, LABEL2ID
from gkml.numbers import is_blank
from gkml.schema import cols_of, rows_of

IGNORE = -100  # label of tokens the loss and the metrics skip: [CLS], [SEP], repeats of a character
_ENTITY_SET = frozenset(ENTITY_TYPES)

# The cell-ordinal input channel (see :func:`cell_ordinals`): a cell's place 1 … MAX_ORDINAL in
# its row, plus ROW_END on a row's last cell, carried to the model as ``token_type_ids``: its
# ``type_vocab_size`` is TYPE_VOCAB.
MAX_ORDINAL = 31
ROW_END = MAX_ORDINAL + 1
TYPE_VOCAB = 2 * ROW_END
# Rows a stray separator is taken out of (:func:`_fit_row`): table 3's, seven cells wide or
# eight with the 小计 column (table 2 sets rows of one to four cells side by side, so a
# neighbour's width says nothing there), and table 4's single row of fifteen.
T3_WIDTHS = range(len(cols_of("t3", standard_only=True)), len(cols_of("t3")) + 1)
T4_WIDTH = len(rows_of("t4")) * len(cols_of("t4"))
# What a printed number is made of: signs (table 2's 增/减), OCR misreadings of digits included
# (0→O/o/D, 1→l/I, 5→S …, as in gkml.synth.noise.DIGIT_CONFUSIONS).
_CELL_CHARS = frozenset("0123456789.,%+-\u2212OoDlISBZb")
# A row's items: a piece of text (between whitespace and "|"); the whitespace between two "|"
# that is a cell printed as nothing: an empty cell joined by " | " ("规章 |  | 3 |", HTML
# scrapes) or a bare "|" line (P10's layout: "7 |\n|\n0 |"); the whitespace that opens a line
# before its first "|" (" | 0 |": an empty first cell); a line break. No cells: "||" (a
# scraper's padding, and the bare "|" after a line of it, which opens a row in seed 004), "| |"
# (OCR markdown, where it is as often an empty label column as an empty value) and a line
# break between two markdown rows ("| 1 |\n| 2 |").
_ITEM = re.compile(
    r"[^\s|]+|\|(?:[^\S\n]{2,}(?=\|)|\s*\n[^\S\n]*(?=\|[^\S\n]*(?:\n|$)))|(?<![^\n])[^\S\n]+(?=\|(?!\|))|\n"
)
_PADDING = re.compile(r"[^\S\n]*\|{2,}")  # a line of bars only
# A markdown table's rule line ("|---|:--|"): its dashes are no blank cells.
_RULE_LINE = re.compile(r"^[ \t]*\|[ \t|:\-]*-[ \t|:\-]*$", re.M)


def _hspace(ch: str) -> bool:
    """Whitespace that is not a line break: one run of it is one token (gkml.tokenizer)."""
    return ch.isspace() and ch != "\n"


# ---------------------------------------------------------------------------
# Pure functions: windows, character tags, token labels


def windows(n_tokens: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Token ranges ``[start, end)`` of the windows that cover ``n_tokens`` tokens.

    ``size`` is the number of content tokens per window (the model's max length less
    [CLS] and [SEP]); ``stride`` is the minimum overlap between consecutive windows
    (Hugging Face's meaning, not the step). A long report gets the fewest windows that
    overlap by at least ``stride``, all full and evenly spread from its first token to its
    last, so no window is a short tail and every token has context on both sides.
    """
    if size < 1:
        raise ValueError(f"window size must be >= 1, got {size}")
    if not 0 <= stride < size:
        raise ValueError(f"stride must be in [0, {size}), got {stride}")
    if n_tokens <= size:
        return [(0, n_tokens)]
    step = size - stride
    span = n_tokens - size  # how far the last window starts
    gaps = -(-span // step)  # ceil: windows - 1
    starts = [(i * span + gaps // 2) // gaps for i in range(gaps + 1)]
    return [(s, s + size) for s in starts]


def _line_step(text: str) -> int:
    """Line breaks from one printed line to the next in most of the text: 2 where every line is
    followed by an empty one (seed 000, P13), else 1."""
    gaps = [len(m.group()) for m in re.finditer(r"\n+(?=[^\S\n]*\S)", text)]
    return 2 if gaps.count(2) > gaps.count(1) else 1


def _one_cell_line(line: str) -> bool:
    """A line of one-cell-per-line print: a label, or a single number or blank mark."""
    return "|" not in line and sum(set(p) <= _CELL_CHARS or is_blank(p) for p in line.split()) <= 1


def _blank_lines(text: str) -> set[int]:
    """The line breaks that are cells printed as nothing among one-cell lines: of a run of k
    line breaks between two such lines, each further ``step`` of them is an empty line that
    stands for a cell."""
    step = _line_step(text)
    slots = set()
    for m in re.finditer(r"\n{2,}(?=.)", text):
        before = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
        line_end = text.find("\n", m.end())
        after = text[m.end() : line_end if line_end >= 0 else len(text)]
        if _one_cell_line(before) and _one_cell_line(after):
            k = m.end() - m.start()
            slots.update(m.start() + i - 1 for i in range(1 + step, k - step + 2, step))
    return slots


@dataclass(frozen=True)
class _Slot:
    """Where a table cell is read: characters ``[start, end)``; ``printed`` unless it is a cell
    printed as nothing (spaces or a bare "|" between bars, an empty line)."""

    start: int
    end: int
    printed: bool


def _cell_rows(text: str) -> list[list[_Slot]]:
    """The table cells of ``text`` as the rows :func:`cell_ordinals` counts, in printed order."""
    rule_lines = {i for m in _RULE_LINE.finditer(text) for i in range(*m.span())}
    blank_lines = _blank_lines(text)
    rows: list[list[_Slot]] = [[]]
    labelled = False  # the current line holds a piece of text: its line break ends the row
    for m in _ITEM.finditer(text):
        piece, at = m.group(), m.start()
        if "\n" in piece and labelled:
            rows.append(_bars_below(text, at) if piece == "\n" else [])  # a row of its own
            rows.append([])
            labelled = False
        if piece == "\n":
            if at in blank_lines:
                rows[-1].append(_Slot(at, at + 1, False))
        elif piece[0] == "|":  # an empty cell, read where blank_slot reads it
            if not _PADDING.fullmatch(text, text.rfind("\n", 0, at) + 1, at + 1):
                rows[-1].append(_Slot(*blank_slot(text, text.find("\n", at, m.end()) + 1 or at + 1), False))
        elif piece.isspace():  # an empty first cell: the whitespace before the line's first bar
            if at not in rule_lines:
                rows[-1].append(_Slot(at, m.end(), False))
        elif at not in rule_lines and (set(piece) <= _CELL_CHARS or is_blank(piece)):
            rows[-1].append(_Slot(at, m.end(), True))
        else:
            rows.append([])
            labelled = True
    return [row for row in rows if row]


def _bars_below(text: str, at: int) -> list[_Slot]:
    """The empty cells of a row printed as its label alone: one per bar of a line of bars only
    right after the label's line break at ``at`` (none when the next line is anything else)."""
    end = text.find("\n", at + 1)
    end = len(text) if end < 0 else end
    if not _PADDING.fullmatch(text, at + 1, end):
        return []
    return [_Slot(*blank_slot(text, i), False) for i in range(at + 1, end) if text[i] == "|"]


def _fit_row(rows: list[list[_Slot]], k: int, reach: int = 3) -> list[_Slot]:
    """Row ``k`` without its cells printed as nothing when those are separators gone astray (a
    stray "|" line in a row of seven numbers): its numbers alone fill table 4's row, or, with
    one to three empty slots (a stray and seed 004's two closing bars), a table-3 row as wide
    as the widest table-3 row within ``reach`` and as a complete one there. A row whose blanks
    fill columns its neighbours print keeps them, and so does one where no complete row shows
    how wide the table is."""
    row = rows[k]
    printed = [s for s in row if s.printed]
    extra = len(row) - len(printed)
    if len(printed) == T4_WIDTH and extra:
        return printed
    if not (len(printed) in T3_WIDTHS and 0 < extra <= 3):
        return row
    near = [r for r in rows[max(0, k - reach) : k + reach + 1] if r is not row and _n_printed(r) in T3_WIDTHS]
    complete = {len(r) for r in near if _n_printed(r) == len(r)}
    if len(printed) in complete and len(printed) >= max(map(_n_printed, near)):
        return printed
    return row


def _n_printed(row: list[_Slot]) -> int:
    return sum(s.printed for s in row)


def cell_ordinals(text: str) -> list[int]:
    """Per character: the place of its cell in the table row (1, 2, 3 …), plus ``ROW_END`` on
    the row's last cell; 0 outside cells. These are the model's ``token_type_ids``.

    A cell's column is its place in the row, and counting separators is what a small
    character model learns slowest (gkml-small without this channel found rows, not
    columns). So the count is an input, as box coordinates are for layout models: the text
    is cut into pieces at whitespace and ``|``; a piece made only of digits (or their OCR
    misreadings) or a blank mark ("/", "—", "无": :func:`gkml.numbers.is_blank`) is a cell,
    and so is a cell printed as nothing: whitespace between two ``|`` or before a line's
    first ``|``, an empty line among lines of one cell each, or a bar of the line of bars
    right under a row label (a row printed as its label alone). Such a cell carries its
    ordinal on the one token it is read on (:func:`blank_slot`, where its gold tag sits), so
    the cells after it keep their column. Cells are counted from the last piece of text: a
    row label, a heading or a page footer restarts the count, and so does the line break
    after it (a header row's padding is not counted into the unlabelled row below it); a
    line break between cells does not, so one cell per line (seed 000) counts like one row
    per line (seeds 001, 004).

    The row's last cell is marked because a row's width says which columns it has: the
    seventh of eight numbers is table 3's 小计, the seventh of seven its 总计. A row one
    separator too wide is fitted to its neighbours first (:func:`_fit_row`).
    """
    out = [0] * len(text)
    rows = _cell_rows(text)
    for k in range(len(rows)):
        fitted = _fit_row(rows, k)
        for place, slot in enumerate(fitted, 1):
            ordinal = min(place, MAX_ORDINAL) + (ROW_END if place == len(fitted) else 0)
            out[slot.start : slot.end] = [ordinal] * (slot.end - slot.start)
    return out


def token_types(offsets: Sequence[tuple[int, int]], ordinals: Sequence[int]) -> list[int]:
    """The cell ordinal of each token: that of its first character (0 for special tokens)."""
    return [ordinals[s] if s < e else 0 for s, e in offsets]


def token_owners(wins: Sequence[tuple[int, int]], n_tokens: int) -> list[int]:
    """For each token, the index of the window that reads it with the most context on
    both sides: the one prediction to keep when windows overlap."""
    owners = [-1] * n_tokens
    best = [-1] * n_tokens
    for w, (s, e) in enumerate(wins):
        for t in range(s, min(e, n_tokens)):
            margin = min(t - s, e - 1 - t)
            if margin > best[t]:
                best[t], owners[t] = margin, w
    return owners


def _span_fields(span: Any) -> tuple[int, int, str]:
    if isinstance(span, dict):
        return int(span["start"]), int(span["end"]), span["label"]
    return int(span.start), int(span.end), span.label


def blank_slot(text: str, pos: int) -> tuple[int, int] | None:
    """Where a cell printed as nothing at ``pos`` is read: the run of spaces around it
    ("规章 |  | 3 |"), else the line break or the ``|`` at ``pos`` (an empty line among one-cell
    lines, a bare "|" line); None when nothing is printed there at all."""
    start = end = pos
    while start > 0 and _hspace(text[start - 1]):
        start -= 1
    while end < len(text) and _hspace(text[end]):
        end += 1
    if end > start:
        return start, end
    if pos < len(text) and text[pos] in "\n|":
        return pos, pos + 1
    return None


def char_tags(text: str, spans: Iterable[Any]) -> list[str]:
    """IOB2 tag of every character. Spans are dicts ``{start, end, label}`` or
    :class:`gkml.labels.Span`. A zero-length span (a cell printed as nothing) tags its
    :func:`blank_slot`, so the model learns to read blank cells; where nothing at all is
    printed it is skipped. Of two overlapping spans the earlier (then the longer) wins; an
    unknown label or a span outside the text is an error, not a silent skip."""
    n_chars = len(text)
    tags = ["O"] * n_chars
    parsed = sorted((_span_fields(s) for s in spans), key=lambda t: (t[0], t[0] - t[1]))
    for start, end, label in parsed:
        if label not in _ENTITY_SET:
            raise ValueError(f"unknown entity type {label!r} (see `gkml labels`)")
        if not 0 <= start <= end <= n_chars:
            raise ValueError(f"span {start}-{end} {label} is outside the text (length {n_chars})")
        if start == end:
            slot = blank_slot(text, start)
            if slot is None:
                continue
            start, end = slot
        if any(t != "O" for t in tags[start:end]):
            continue
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def token_labels(offsets: Sequence[tuple[int, int]], tags: Sequence[str]) -> list[int]:
    """Label id of every token from its character offsets: the tag of its first character.

    Special tokens (empty offsets) and the 2nd, 3rd… token of one character (NFKC
    expands a few characters, e.g. ``…`` → ``...``) get :data:`IGNORE`. A token covering
    several characters (sub-word tokenizers of ``init_from`` checkpoints) takes its first
    character's tag."""
    out = []
    prev = None
    for s, e in offsets:
        if s == e or (s, e) == prev:
            out.append(IGNORE)
        else:
            out.append(LABEL2ID[tags[s]])
        prev = (s, e)
    return out


def encode_report(
    ids: Sequence[int],
    types: Sequence[int],
    labels: Sequence[int],
    max_length: int,
    stride: int,
    cls_id: int,
    sep_id: int,
) -> list[dict[str, Any]]:
    """One report's token ids, cell ordinals and labels cut into model inputs:
    ``[CLS] window [SEP]``."""
    rows = []
    for s, e in windows(len(ids), max_length - 2, stride):
        rows.append(
            {
                "input_ids": [cls_id, *ids[s:e], sep_id],
                "token_type_ids": [0, *types[s:e], 0],
                "attention_mask": [1] * (e - s + 2),
                "labels": [IGNORE, *labels[s:e], IGNORE],
                "start": s,
                "length": e - s + 2,
            }
        )
    return rows


# ---------------------------------------------------------------------------
# Tokenising a datasets table (cached by datasets, keyed by the arguments and the code)


def code_digest(*patterns: str) -> str:
    """A digest of gkml's own source files (globs under the package), for cache keys: a cache
    made by other code is never read back."""
    package = Path(__file__).parent
    h = hashlib.sha256()
    for source in sorted(p for pattern in patterns for p in package.glob(pattern)):
        h.update(source.read_bytes())
    return h.hexdigest()


_BACKENDS: dict[str, Any] = {}


def _backend(tokenizer_json: str):
    if tokenizer_json not in _BACKENDS:
        from tokenizers import Tokenizer

        tk = Tokenizer.from_str(tokenizer_json)
        tk.no_truncation()
        tk.no_padding()
        _BACKENDS.clear()
        _BACKENDS[tokenizer_json] = tk
    return _BACKENDS[tokenizer_json]


def encode_batch(
    batch: dict[str, list],
    indices: list[int],
    tokenizer_json: str,
    max_length: int,
    stride: int,
    cls_id: int,
    sep_id: int,
    prefix: str,
) -> dict[str, list]:
    """``Dataset.map`` function: reports (id, text, spans) → windows (input_ids,
    token_type_ids, attention_mask, labels, doc, start, length)."""
    tk = _backend(tokenizer_json)
    out: dict[str, list] = {
        "input_ids": [],
        "token_type_ids": [],
        "attention_mask": [],
        "labels": [],
        "doc": [],
        "start": [],
        "length": [],
    }
    encodings = tk.encode_batch(batch["text"], add_special_tokens=False)
    for index, doc_id, text, spans, enc in zip(
        indices, batch["id"], batch["text"], batch["spans"], encodings, strict=True
    ):
        try:
            labels = token_labels(enc.offsets, char_tags(text, spans))
        except ValueError as e:
            raise ValueError(f"report {doc_id!r}: {e}") from None
        types = token_types(enc.offsets, cell_ordinals(text))
        for row in encode_report(enc.ids, types, labels, max_length, stride, cls_id, sep_id):
            for k, v in row.items():
                out[k].append(v)
            out["doc"].append(f"{prefix}{index}:{doc_id}")  # the row number: ids may repeat
    return out


def special_ids(tokenizer) -> tuple[int, int]:
    """The ids that open and close a window ([CLS]/[SEP], or <s>/</s> for other checkpoints)."""
    cls_id = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    sep_id = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    if cls_id is None or sep_id is None:
        raise ValueError("the tokenizer has no [CLS]/[SEP] (or bos/eos) token to open and close windows")
    return cls_id, sep_id


def tokenize_reports(reports, tokenizer, max_length: int, stride: int, prefix: str = ""):
    """A table of reports → a table of windows. ``prefix`` keeps doc ids of different
    sources apart. Cached by ``datasets`` beside the corpus when it was loaded from disk."""
    from datasets import Features, List, Value
    from datasets.fingerprint import Hasher

    cls_id, sep_id = special_ids(tokenizer)
    features = Features(
        {
            "input_ids": List(Value("int32")),
            "token_type_ids": List(Value("int8")),
            "attention_mask": List(Value("int8")),
            "labels": List(Value("int32")),
            "doc": Value("string"),
            "start": Value("int32"),
            "length": Value("int32"),
        }
    )
    kwargs = {
        "tokenizer_json": tokenizer.backend_tokenizer.to_str(),
        "max_length": max_length,
        "stride": stride,
        "cls_id": cls_id,
        "sep_id": sep_id,
        "prefix": prefix,
    }
    # datasets fingerprints a module's function by its name, not its code: without the code in
    # the key, a changed tagging or ordinal rule would train on windows cached before it
    fingerprint = Hasher.hash([reports._fingerprint, kwargs, code_digest("data.py", "labels.py", "numbers.py")])
    return reports.map(
        encode_batch,
        with_indices=True,
        batched=True,
        batch_size=64,
        remove_columns=reports.column_names,
        features=features,
        fn_kwargs=kwargs,
        new_fingerprint=fingerprint,
        desc="windows",
    )


def repeat(table, weight: float, seed: int):
    """``weight`` copies of a table's rows: the integer part whole, the fraction sampled."""
    n = len(table)
    whole, frac = int(weight), weight - int(weight)
    idx = list(range(n)) * whole
    if frac > 0 and n:
        idx += sorted(random.Random(seed).sample(range(n), max(1, round(frac * n))))
    return table if idx == list(range(n)) else table.select(idx)


# ---------------------------------------------------------------------------
# Sources


def report_features():
    from datasets import Features, List, Value

    return Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "spans": List({"start": Value("int64"), "end": Value("int64"), "label": Value("string")}),
        }
    )


def _canonical(batch: dict[str, list]) -> dict[str, list]:
    return {
        "id": [str(i) for i in batch["id"]],
        "text": batch["text"],
        "spans": [
            [dict(zip(("start", "end", "label"), _span_fields(s), strict=True)) for s in spans]
            for spans in batch["spans"]
        ],
    }


def reports_table(records: list[dict[str, Any]]):
    """In-memory table of reports (id, text, spans) from record dicts."""
    from datasets import Dataset

    return Dataset.from_dict(
        _canonical({k: [r[k] for r in records] for k in ("id", "text", "spans")}), features=report_features()
    )


def load_synth(path: str | Path):
    """A ``gkml synth`` corpus directory (DIR/dataset saved by datasets, or DIR/reports.jsonl),
    or a .jsonl file of records, as a table of (id, text, spans)."""
    from datasets import load_from_disk

    path = Path(path)
    if (path / "dataset").is_dir():
        table = load_from_disk(str(path / "dataset"))
        missing = {"id", "text", "spans"} - set(table.column_names)
        if missing:
            raise ValueError(f"{path / 'dataset'}: no column(s) {', '.join(sorted(missing))}")
        table = table.select_columns(["id", "text", "spans"])
        return table.map(_canonical, batched=True, features=report_features(), desc="reports")
    jsonl = path / "reports.jsonl" if path.is_dir() else path
    if not jsonl.is_file():
        raise ValueError(
            f"{path}: not a synthetic corpus (no dataset/ folder nor reports.jsonl); make one with `gkml synth`"
        )
    records = []
    with open(jsonl, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f"{jsonl}:{n}: not JSON: {e}") from None
                missing = {"id", "text", "spans"} - set(record)
                if missing:
                    raise ValueError(f"{jsonl}:{n}: no {', '.join(sorted(missing))}")
                records.append(record)
    return reports_table(records)


def generated_corpus_dir(n: int, seed: int, config: str | None, cache_dir: str | Path) -> Path:
    """Where a generated corpus is kept: named by its recipe (size, seed, config file and the
    generator's code, with the ingest it reads its text through and the schema and checks
    that make its gold), so a changed recipe or generator makes a new one."""
    h = hashlib.sha256(Path(config).read_bytes() if config else b"default")
    h.update(code_digest("synth/*.py", "ingest.py", "schema.py", "checks.py", "cells.tsv").encode())
    return Path(cache_dir) / f"synth-n{n}-s{seed}-{h.hexdigest()[:8]}"


def generate_synth(n: int, seed: int, config: str | None, cache_dir: str | Path) -> Path:
    """Make (once) a synthetic corpus with :mod:`gkml.synth` (as ``gkml synth`` does) and
    return its directory. Written to a temporary folder and renamed when complete, so an
    interrupted run is never reused."""
    import os

    from gkml import synth

    if config and not Path(config).is_file():
        raise ValueError(f"synth config {config}: no such file")
    out = generated_corpus_dir(n, seed, config, cache_dir)
    if out.is_dir():
        return out
    synth_config = synth.load_config(config)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    try:
        print(f"generating {n} synthetic reports (seed {seed}) into {out}", file=sys.stderr)
        synth.save(synth.generate(n, seed, synth_config, workers=len(os.sched_getaffinity(0))), tmp)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out


def _ls_text(task: dict[str, Any]) -> str | None:
    data = task.get("data") or {}
    if isinstance(data.get("text"), str):
        return data["text"]
    texts = [v for v in data.values() if isinstance(v, str)]
    return texts[0] if len(texts) == 1 else None


def labelstudio_records(path: str | Path) -> list[dict[str, Any]]:
    """Annotated reports from Label Studio JSON exports (a file, or a folder of *.json).

    Each task: ``data.text`` and the first completed annotation's ``labels`` regions
    (``value.start``, ``value.end``, ``value.labels``). Tasks without an annotation are
    skipped (not labelled yet); a region whose label is not an entity type, or whose
    ``value.text`` differs from the text at its offsets, is an error.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if not any(part.startswith(".") for part in p.parts))
    elif path.is_file():
        files = [path]
    else:
        raise ValueError(f"{path}: no such file or folder")
    records = []
    for file in files:
        try:
            tasks = json.loads(file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"{file}: not a Label Studio JSON export: {e}") from None
        for i, task in enumerate(tasks if isinstance(tasks, list) else [tasks]):
            where = f"{file}: task {task.get('id', i) if isinstance(task, dict) else i}"
            if not isinstance(task, dict):
                raise ValueError(f"{where}: expected an object")
            text = _ls_text(task)
            if text is None:
                raise ValueError(f"{where}: no data.text")
            done = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
            if not done:
                continue
            spans = []
            for region in done[0].get("result") or []:
                value = region.get("value") or {}
                if "start" not in value or "labels" not in value:
                    continue  # not a text span (a choice, a comment…)
                start, end = int(value["start"]), int(value["end"])
                if "text" in value and text[start:end] != value["text"]:
                    raise ValueError(
                        f"{where}: region {start}-{end} says {value['text']!r}, the text has {text[start:end]!r}"
                    )
                for label in value["labels"]:
                    if label not in _ENTITY_SET:
                        raise ValueError(f"{where}: unknown label {label!r} (see `gkml labels`)")
                    spans.append({"start": start, "end": end, "label": label})
            records.append({"id": f"{file.stem}:{task.get('id', i)}", "text": text, "spans": spans})
    return records


def load_source(source, cache_dir: str | Path):
    """A configured :class:`gkml.config.Source` as a table of reports (id, text, spans)."""
    if source.kind == "labelstudio":
        table = reports_table(labelstudio_records(source.path))
    elif source.path is not None:
        table = load_synth(source.path)
    else:
        g = source.generate
        table = load_synth(generate_synth(g.n, g.seed, g.config, cache_dir))
    if source.limit is not None and source.limit < len(table):
        table = table.select(range(source.limit))
    return table


# ---------------------------------------------------------------------------
# The whole data step of a training run


@dataclass
class Prepared:
    tokenizer: Any
    train: Any  # datasets.Dataset of windows
    eval: Any  # datasets.Dataset of windows, in report order (doc, start)
    stats: dict[str, Any]


def prepare(cfg, tokenizer=None) -> Prepared:
    """Load every source, hold out eval reports (when no eval source is configured), build
    the tokenizer from the training reports (unless one is given), window both sides."""
    from datasets import concatenate_datasets

    from gkml.tokenizer import build_tokenizer

    d, w = cfg.data, cfg.windowing
    train_parts, eval_parts = [], []
    for i, source in enumerate(d.train):
        table = load_source(source, d.cache_dir)
        if not len(table):
            print(f"data.train[{i}] ({source.path or source.kind}): no reports", file=sys.stderr)
            continue
        held = round(len(table) * d.eval_fraction) if not d.eval else 0
        if held and held < len(table):
            split = table.train_test_split(test_size=held, seed=cfg.seed, shuffle=True)
            table = split["train"]
            eval_parts.append((f"train{i}:", split["test"]))
        train_parts.append((i, source, table))
    for i, source in enumerate(d.eval):
        eval_parts.append((f"eval{i}:", load_source(source, d.cache_dir)))
    if not train_parts:
        raise ValueError("data.train: the sources hold no reports")
    if not any(len(t) for _, t in eval_parts):
        raise ValueError("no evaluation reports: add data.eval sources or raise data.eval_fraction")

    if tokenizer is None:
        texts = (text for _, _, table in train_parts for text in table["text"])
        tokenizer = build_tokenizer(texts, min_freq=cfg.tokenizer.min_freq, common=cfg.tokenizer.common_chars)

    train_windows = []
    for i, source, table in train_parts:
        windows_ = tokenize_reports(table, tokenizer, w.max_length, w.stride, prefix=f"train{i}:")
        train_windows.append(repeat(windows_, source.weight, cfg.seed + i))
    eval_windows = [
        tokenize_reports(t, tokenizer, w.max_length, w.stride, prefix=p) for p, t in eval_parts if len(t)
    ]
    train = concatenate_datasets(train_windows)
    evaluation = concatenate_datasets(eval_windows)
    stats = {
        "train_reports": sum(len(t) for _, _, t in train_parts),
        "train_windows": len(train),
        "train_tokens": int(sum(train["length"])),
        "eval_reports": sum(len(t) for _, t in eval_parts),
        "eval_windows": len(evaluation),
        "vocab_size": len(tokenizer),
    }
    return Prepared(tokenizer=tokenizer, train=train, eval=evaluation, stats=stats)
