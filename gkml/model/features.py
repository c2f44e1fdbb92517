"""What the model reads besides the characters: cell ordinals, and the windows a report is cut into.

Shared by training (:mod:`gkml.training.data`) and inference (:mod:`gkml.model.predictor`), so
both cut and count reports alike. Nothing here imports the ML stack.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from gkml.numbers import PAGE_NUMBER, is_blank
from gkml.schema import cols_of, rows_of

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
# (0→O/o/D, 1→l/I, 5→S …, as in gkml.training.synth.noise.DIGIT_CONFUSIONS).
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
# Table 4's column headers, stacked a character a line ("结\n果\n维\n持"): OCR reads their last
# line into the line of values, "3 1 0 3 7 持正果结 0 0 1 0 1 持正果结 1 0 1 2 4".
_T4_HEAD_CHARS = frozenset("结果维持纠正其他尚未审总计")
_NUMBER_NEXT = re.compile(r"[^\S\n]*\d")
# A row label's number split from its words ("3.\n补正后申请…" in one-cell-per-line print): no
# cell, though its characters are a number's (OCR's "0." for a cell 0 is followed by a number)
_LIST_MARK = re.compile(r"\d{1,2}\.(?=\s*[\u4e00-\u9fff(（“])")
# A markdown table's rule line ("|---|:--|"): its dashes are no blank cells.
_RULE_LINE = re.compile(r"^[ \t]*\|[ \t|:\-]*-[ \t|:\-]*$", re.M)


def _hspace(ch: str) -> bool:
    """Whitespace that is not a line break: one run of it is one token (gkml.model.tokenizer)."""
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
    gaps = [len(m.group()) for m in re.finditer(r"(?<!\n)\n+(?=[^\S\n]*\S)", text)]  # (?<!: each run once
    return 2 if gaps.count(2) > gaps.count(1) else 1


def _cell_like(piece: str) -> bool:
    """A piece printed as a number (or an OCR misreading of one) or a blank mark."""
    return set(piece) <= _CELL_CHARS or is_blank(piece)


def _one_cell_line(line: str) -> bool:
    """A line of one-cell-per-line print: a label, or a single number or blank mark."""
    return "|" not in line and sum(map(_cell_like, line.split())) <= 1


def _blank_lines(text: str) -> set[int]:
    """The line breaks that are cells printed as nothing among one-cell lines: of a run of k
    line breaks between two such lines, each further ``step`` of them is an empty line that
    stands for a cell."""
    step = _line_step(text)
    slots = set()
    for m in re.finditer(r"(?<!\n)\n{2,}(?=.)", text):  # from a run's start only: linear however long
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
    # a page number ("— 3 —") where a table breaks across pages: no first cells of the next row
    page_numbers = {i for m in PAGE_NUMBER.finditer(text) for i in range(*m.span())}
    blank_lines = _blank_lines(text)
    rows: list[list[_Slot]] = [[]]
    labelled = False  # the current line holds a piece of text: its line break ends the row
    line_start = 0  # where the line of the current piece starts (every line break is in some piece)
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
            if not _PADDING.fullmatch(text, line_start, at + 1):
                rows[-1].append(_Slot(*blank_slot(text, text.find("\n", at, m.end()) + 1 or at + 1), False))
        elif piece.isspace():  # an empty first cell: the whitespace before the line's first bar
            if at not in rule_lines:
                rows[-1].append(_Slot(at, m.end(), False))
        elif _cell_like(piece) and not (at in rule_lines or at in page_numbers or _LIST_MARK.match(text, at)):
            rows[-1].append(_Slot(at, m.end(), True))
        elif set(piece) <= _T4_HEAD_CHARS and rows[-1] and rows[-1][-1].start >= line_start and _NUMBER_NEXT.match(text, m.end()):
            pass  # between numbers on their line: table 4's stacked headers' last line, read into its values' line by OCR
        else:
            rows.append([])
            labelled = True
        if "\n" in piece:
            line_start = at + piece.rfind("\n") + 1
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
    row label (its number too where it is split from its words: "3.\n补正后…"), a heading or a
    page footer ("— 3 —" too) restarts the count (not table 4's stacked headers' last line that OCR
    read between its values, "3 1 0 3 7 持正果结 0 0 1 0 1 …"), and so does the line break
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


def is_slot(token_text: str) -> bool:
    """Whether a token is where a cell printed as nothing is read (:func:`blank_slot`)."""
    return token_text == "|" or token_text.isspace()


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


def special_ids(tokenizer) -> tuple[int, int]:
    """The ids that open and close a window ([CLS]/[SEP], or <s>/</s> for other checkpoints)."""
    cls_id = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    sep_id = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    if cls_id is None or sep_id is None:
        raise ValueError("the tokenizer has no [CLS]/[SEP] (or bos/eos) token to open and close windows")
    return cls_id, sep_id
