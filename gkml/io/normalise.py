"""Decoded text → the normalised text every later stage reads, with a map back to the decoded text.

Report sites print the same number in full width or half width and the same report in
traditional or simplified characters; the labeller should see one form. Every change here is
one character for one (or a dropped one), so each output character keeps the offset of the
character it came from, and a printed digit is never altered except in width.
"""

from __future__ import annotations

import re
from functools import lru_cache

# The most empty lines kept in a run. One cell per line prints a blank cell as an empty line
# (seed 000, P13): a table-4 row of 15 blank cells, double-spaced, is 30 of them, and each one
# places the numbers after it. Longer runs are layout only.
MAX_BLANK_LINES = 32

_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DROP = re.compile("\r\n?|[\u200b\u200c\u200d\u2060\ufeff]")  # CR of CRLF, zero-width chars
_SURROGATE = re.compile("[\ud800-\udfff]")  # half a UTF-16 pair (a broken PDF font map): no character


def normalise(text: str) -> tuple[str, list[int]]:
    """Normalise `text`, returning it with offsets[i] = index in `text` of out[i].

    Line ends become "\\n"; full-width ASCII forms (U+FF01-FF5E: ０-９, （）, ，, ：) and the
    ideographic space become ASCII; traditional characters become simplified (one character for
    one, so offsets stay exact); trailing whitespace goes; blank-line runs are cut to MAX_BLANK_LINES.
    Nothing else changes: a printed digit is never altered except in width. A lone surrogate,
    which no file can hold as text, becomes U+FFFD (one for one).
    """
    text = _SURROGATE.sub("\ufffd", text)
    chars, offs, last = [], [], 0
    for m in _DROP.finditer(text):
        chars.append(text[last : m.start()])
        offs.extend(range(last, m.start()))
        if m.group().startswith("\r"):
            chars.append("\n")
            offs.append(m.start())
        last = m.end()
    chars.append(text[last:])
    offs.extend(range(last, len(text)))
    flat = _to_simplified("".join(chars).translate(_WIDTH))
    out, out_offs, pos, blanks = [], [], 0, 0
    for line in flat.split("\n"):
        kept = line.rstrip()
        blanks = blanks + 1 if not kept else 0
        if blanks <= MAX_BLANK_LINES:
            out.append(kept)
            out_offs.extend(offs[pos : pos + len(kept)])
            if pos + len(line) < len(flat):
                out.append("\n")
                out_offs.append(offs[pos + len(line)])
        pos += len(line) + 1
    return "".join(out), out_offs


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _char_t2s(ch: str) -> str:
    out = _opencc().convert(ch)
    return out if len(out) == 1 else ch


def _plausible(src: str, out: str) -> bool:
    """OpenCC output is usable 1:1 if only characters it converts on their own have changed."""
    return len(src) == len(out) and all(_char_t2s(a) != a for a, b in zip(src, out, strict=True) if a != b)


def _to_simplified(text: str) -> str:
    """Traditional → simplified with OpenCC t2s, keeping exactly one output char per input char.

    Whole-text conversion keeps phrase context (乾隆 stays, 乾淨 → 干净); when it changes the
    length or touches a character that does not convert alone, fall back line by line and then
    character by character, so offsets never shift and digits/ASCII are never touched.
    """
    if text.isascii():
        return text
    out = _opencc().convert(text)
    if _plausible(text, out):
        return out
    lines = []
    for line in text.split("\n"):
        conv = _opencc().convert(line)
        lines.append(conv if _plausible(line, conv) else "".join(map(_char_t2s, line)))
    return "\n".join(lines)
