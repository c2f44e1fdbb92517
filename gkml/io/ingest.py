"""Read one input file (plain text, HTML page, PDF, scanned PDF, page image) into a normalised `Document`.

Every later stage (model, assemble, check) reads `Document.text`; `offsets` maps each of its
characters back to the decoded original, so any span, and above all any printed number, can
be shown where it was printed. Encodings are detected from the bytes, never from the file
name, because report sites serve GBK and Big5 pages under any extension. PDF pages without a
usable text layer, and images, are read by OCR (`gkml.io.ocr`); `Document.ocr` then says where on
which page each character was printed.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024
# The most empty lines kept in a run. One cell per line prints a blank cell as an empty line
# (seed 000, P13): a table-4 row of 15 blank cells, double-spaced, is 30 of them, and each one
# places the numbers after it. Longer runs are layout only.
MAX_BLANK_LINES = 32


class IngestError(Exception):
    """The input cannot be read; the message says what is wrong with it, for a human."""


OcrBox = tuple[int, int, int, int, int]  # page (0-based), x0, y0, x1, y1 in page pixels (gkml.io.ocr)


@dataclass
class OcrInfo:
    """What OCR read: one box per character of `Document.original` (None where a PDF page's own
    text layer was used), so a span of the text can be found on the page image."""

    boxes: list[OcrBox | None]
    pages: int  # pages read by OCR
    confidence: float  # mean recognition score of the characters OCR read


@dataclass
class Document:
    text: str  # normalised text
    offsets: list[int]  # offsets[i] = index in `original` of text[i]
    original: str  # decoded source (HTML: the page source; PDF: the raw extracted text; OCR: its layout text)
    kind: str  # "txt" | "html" | "pdf" | "image"
    source: str  # the path as given
    encoding: str | None = None  # detected encoding (text and HTML inputs)
    ocr: OcrInfo | None = None  # set when any page was read by OCR

    def page_boxes(self, start: int, end: int) -> list[OcrBox]:
        """Where `text[start:end]` was printed: per page, the box around its OCR'd characters."""
        if self.ocr is None:
            return []
        found: dict[int, list[int]] = {}
        for i in range(start, end):
            box = self.ocr.boxes[self.offsets[i]]
            if box is not None and not self.text[i].isspace():
                p, x0, y0, x1, y1 = box
                b = found.setdefault(p, [x0, y0, x1, y1])
                b[:] = [min(b[0], x0), min(b[1], y0), max(b[2], x1), max(b[3], y1)]
        return [(p, *b) for p, b in sorted(found.items())]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Half-open span of `original` that produced `text[start:end]`."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside text of length {len(self.text)}")
        if start == end:
            pos = self.offsets[start] if start < len(self.offsets) else len(self.original)
            return pos, pos
        hi = max(self.offsets[start:end])
        return min(self.offsets[start:end]), hi + self._width(hi)

    def _width(self, pos: int) -> int:
        """How many original characters the character at `pos` stands for (CRLF, an HTML entity)."""
        if self.original.startswith("\r\n", pos):
            return 2
        m = _ENTITY.match(self.original, pos) if self.kind == "html" else None
        return len(m.group()) if m else 1


_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][-.A-Za-z0-9]*);?")

# --------------------------------------------------------------------------- normalise

_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DROP = re.compile("\r\n?|[\u200b\u200c\u200d\u2060\ufeff]")  # CR of CRLF, zero-width chars


def normalise(text: str) -> tuple[str, list[int]]:
    """Normalise `text`, returning it with offsets[i] = index in `text` of out[i].

    Line ends become "\\n"; full-width ASCII forms (U+FF01-FF5E: ０-９, （）, ，, ：) and the
    ideographic space become ASCII; traditional characters become simplified (one character for
    one, so offsets stay exact); trailing whitespace goes; blank-line runs are cut to MAX_BLANK_LINES.
    Nothing else changes: a printed digit is never altered except in width.
    """
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


# --------------------------------------------------------------------------- decoding

# Very frequent characters, simplified and traditional: decoding Big5 bytes as GB18030 (or the
# reverse) usually succeeds but yields rare characters, so the share of these tells them apart.
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子"
    "说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看"
    "原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员"
    "革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区"
    "强放决西被干做必战先回则任取据处府研书术领导教育报告申请息务项号县镇局办市省委街乡村"
    "這爲個國時來們於對會發動過說產種後學經進電裏現實兩體機當點從業應開還義間樣與關線內數麼質氣變條沒結"
    "問無軍並題黨員總設長頭資邊級圖統較將組見計別論運農幾區強決幹戰則據處書術領導報請務項號縣鎮辦鄉為裡臺著"
)
_LEGACY = {"gb18030": "gb18030", "gbk": "gb18030", "gb2312": "gb18030", "x-gbk": "gb18030",
           "big5": "big5", "big5-hkscs": "big5", "x-x-big5": "big5", "cp950": "big5"}
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\f\r")


def _decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 with BOM, GB18030 or Big5.

    Valid UTF-8 with non-ASCII bytes is almost never an accident, so it wins over a
    declared charset; between GB18030 and Big5 the decode with more common characters wins.
    """
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                raise IngestError(f"cannot decode: starts with a {enc} byte-order mark but is not {enc}") from None
    if b"\x00" in data or len(data[:65536].translate(None, _CONTROL)) < 0.95 * len(data[:65536]):
        raise IngestError("binary file, not text (NUL or control bytes): unsupported input type")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    first = _LEGACY.get((declared or "").lower())
    best = None
    for enc in dict.fromkeys([first, "gb18030", "big5", "cp950"]):
        if enc is None:
            continue
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        score = sum(c in _COMMON for c in text) / max(1, sum(not c.isascii() for c in text))
        if best is None or score > best[0]:
            best = (score, text, enc)
    if best is None or best[0] == 0:
        raise IngestError("cannot decode: not UTF-8, GB18030 or Big5")
    return best[1], best[2]


# --------------------------------------------------------------------------- HTML

_SKIP = {"head", "script", "style", "nav", "header", "footer", "noscript", "iframe", "template", "svg",
         "canvas", "object", "embed", "select", "button", "textarea", "aside", "map"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "wbr"}
_BLOCK = {"address", "article", "blockquote", "body", "caption", "center", "dd", "div", "dl", "dt",
          "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "html", "li", "main", "ol",
          "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
_GROUP = {"tbody", "thead", "tfoot"}
# start tag → (open tags it closes implicitly, tags that stop the search), as browsers do
_IMPLIED = {"td": ({"td", "th"}, {"tr", "table"}), "th": ({"td", "th"}, {"tr", "table"}),
            "tr": ({"tr"}, {"table"} | _GROUP)} | dict.fromkeys(_GROUP, (_GROUP, {"table"}))
_MAX_DEPTH = 150
_META_CHARSET = re.compile(rb"<meta[^>]*charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-]+)", re.I)


@dataclass
class _El:
    tag: str
    pos: int  # source offset of the start tag
    hidden: bool = False
    end: int | None = None  # source offset of the end tag, if seen
    children: list = field(default_factory=list)  # _El or (text, offsets)


class _TreeBuilder(HTMLParser):
    """A forgiving tree of the page that remembers where every text character sits in the source.

    lxml reports only source lines, so stdlib's HTMLParser (charrefs unconverted) gives the exact
    offset of each text run and entity; table tags are closed implicitly as browsers do.
    """

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.stack = [_El("#root", 0)]

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        close, stop = _IMPLIED.get(tag, (set(), set()))
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag in stop:
                break
            if self.stack[i].tag in close:
                del self.stack[i:]
                break
        a = dict(attrs)
        hidden = tag in _SKIP or "hidden" in a or bool(re.search(r"display\s*:\s*none", a.get("style") or "", re.I))
        el = _El(tag, self._pos(), hidden)
        self.stack[-1].children.append(el)
        # Broken pages leave thousands of <font>/<span> unclosed; past a depth they stay leaves
        # (their text goes to the parent) so rendering never hits the recursion limit.
        if tag not in _VOID and (len(self.stack) < _MAX_DEPTH or hidden or tag in _IMPLIED or tag == "table"):
            self.stack.append(el)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                self.stack[i].end = self._pos()
                del self.stack[i:]
                return
            if self.stack[i].tag == "table":
                return  # a stray end tag never closes anything outside its table

    def handle_data(self, data):
        self.stack[-1].children.append((data, range(self._pos(), self._pos() + len(data))))

    def handle_entityref(self, name):
        self.handle_charref(name)

    def handle_charref(self, name):
        """An entity's characters all map to its "&"; an unknown one stays as written."""
        pos = self._pos()
        m = _ENTITY.match(self.source, pos)
        literal = m.group() if m else "&"
        text = unescape(literal)
        offs = range(pos, pos + len(text)) if text == literal else [pos] * len(text)
        self.stack[-1].children.append((text, offs))


class _Out:
    """Text under construction, one source offset per character, with HTML whitespace collapsing."""

    def __init__(self):
        self.chars: list[str] = []
        self.offs: list[int] = []

    def add(self, text: str, offs) -> None:
        for ch, off in zip(text, offs, strict=True):
            if ch.isspace():
                if not self.chars or self.chars[-1] in " \n":
                    continue
                ch = " "
            self.chars.append(ch)
            self.offs.append(off)

    def rstrip(self) -> None:
        while self.chars and self.chars[-1] == " ":
            self.chars.pop()
            self.offs.pop()

    def newline(self, pos: int, force: bool = False) -> None:
        self.rstrip()
        if force or (self.chars and self.chars[-1] != "\n"):
            self.chars.append("\n")
            self.offs.append(pos)


def _has_table(el: _El) -> bool:
    return any(isinstance(c, _El) and (c.tag == "table" or _has_table(c)) for c in el.children)


def _rows(el: _El):
    for c in el.children:
        if isinstance(c, _El) and not c.hidden and c.tag != "table":
            yield from ([c] if c.tag == "tr" else _rows(c))


def _render(out: _Out, node, inline: bool = False) -> None:
    """Blocks become lines; inside a table cell (inline=True) they become spaces."""
    if isinstance(node, tuple):
        out.add(*node)
        return
    if node.hidden:
        return
    if node.tag == "table" and not inline and not _has_table(node):
        _render_table(out, node)
        return
    brk = node.tag == "br" or node.tag in _BLOCK
    if brk and inline:
        out.add(" ", [node.pos])
    elif brk:
        out.newline(node.pos, force=node.tag == "br")
    for child in node.children:
        _render(out, child, inline)
    if brk and not inline and node.tag != "br":
        out.newline(node.pos if node.end is None else node.end)


def _render_table(out: _Out, table: _El) -> None:
    """One line per row: cell texts joined by " | "; a spanned cell is emitted once. An empty
    cell stays visible as the spaces between two bars (a closing bar when it is the last), since
    where a blank cell stands is what places the numbers after it."""
    for c in table.children:
        if isinstance(c, _El) and c.tag == "caption":
            _render(out, c)
    for row in _rows(table):
        cells = [c for c in row.children if isinstance(c, _El) and c.tag in ("td", "th") and not c.hidden]
        if len(cells) == 1:  # a lone cell (a section row, or a layout table) keeps its own line breaks
            _render(out, cells[0])
            continue
        texts = []
        for cell in cells:
            sub = _Out()
            _render(sub, cell, inline=True)
            sub.rstrip()
            texts.append((cell.pos, sub))
        if not any(sub.chars for _, sub in texts):
            continue
        out.newline(row.pos)
        end = row.end if row.end is not None else row.pos
        for k, (pos, sub) in enumerate(texts):
            if k:
                out.chars.extend(" | ")
                out.offs.extend([pos] * 3)
            out.chars.extend(sub.chars)
            out.offs.extend(sub.offs)
        if not texts[-1][1].chars:  # a closing bar, so an empty last cell still has its "|  |"
            out.chars.extend(" |")
            out.offs.extend([end] * 2)
        out.newline(end)


def html_text(source: str) -> tuple[str, list[int]]:
    builder = _TreeBuilder(source)
    builder.feed(source)
    builder.close()
    out = _Out()
    _render(out, builder.stack[0])
    return "".join(out.chars), out.offs


# --------------------------------------------------------------------------- PDF


def _cell_text(cell: str | None) -> str:
    """Re-join a wrapped cell: CJK text and numbers are glued back, a space only between Latin words."""
    out = ""
    for part in (" ".join(p.split()) for p in (cell or "").split("\n")):
        if part:
            out += (" " if out and out[-1].isascii() and out[-1].isalpha() and part[0].isascii()
                    and part[0].isalpha() else "") + part
    return out


def _pdf_page(page) -> str:
    """Text lines outside tables and table rows, merged top to bottom."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    items = [(line["top"], line["text"]) for line in page.filter(outside).extract_text_lines()]
    for table in tables:
        rows = [[_cell_text(c) for c in row] for row in table.extract()]
        items.append((table.bbox[1], "\n".join(" | ".join(r) for r in rows if any(r))))
    items.sort(key=lambda item: item[0])
    return "\n".join(text for _, text in items if text)


_CID = re.compile(r"\(cid:\d+\)")


def junk_text_layer(text: str) -> str | None:
    """Why a PDF page's text layer cannot be read as a report, or None if it can.

    Scanners and some converters leave a layer that is empty, or made of glyph ids that map
    to nothing: pdfminer's "(cid:123)", U+FFFD, private-use code points, or Latin-1 mojibake of
    GBK bytes (many letters, almost none of them Chinese). Such a page is read by OCR instead.
    """
    solid = [c for c in _CID.sub("\ufffd", text) if not c.isspace()]
    if len(solid) < 10:
        return "almost no text"
    bad = sum(c == "\ufffd" or unicodedata.category(c) in ("Co", "Cc", "Cs") for c in solid)
    if bad > 0.2 * len(solid):
        return "mostly unmapped glyphs (replacement or private-use characters)"
    letters = [c for c in solid if c.isalpha()]
    cjk = sum("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in letters)
    if len(letters) >= 20 and cjk < 0.3 * len(letters):
        return "almost no Chinese characters"
    return None


def _pdf_text(data: bytes) -> tuple[str, OcrInfo | None]:
    """Text layer page by page; a page whose layer is junk (and that has an image to read) is OCR'd."""
    import pdfplumber

    if b"%%EOF" not in data[-2048:]:
        raise IngestError("cannot read PDF: truncated (no %%EOF marker at the end)")
    pages: list[str | None] = []  # None: read by OCR
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                reason = junk_text_layer("".join(c["text"] for c in page.chars))
                scanned = reason is not None and (reason != "almost no text" or bool(page.images))
                pages.append(None if scanned else _pdf_page(page))
                page.close()  # drop the page's parsed objects: long reports stay small in memory
    except Exception as e:  # pdfminer raises many unrelated types for broken or encrypted files
        raise IngestError(f"cannot read PDF: {': '.join(filter(None, [type(e).__name__, str(e)]))}") from None
    todo = [i for i, p in enumerate(pages) if p is None]
    if not todo:
        return "\n".join(p or "" for p in pages), None
    return _with_ocr(data, pages, todo)


def _with_ocr(data: bytes, pages: list[str | None], todo: list[int]) -> tuple[str, OcrInfo]:
    from gkml.io import ocr

    if len(todo) > ocr.MAX_PAGES:
        raise IngestError(f"needs OCR on {len(todo)} pages, more than the limit of {ocr.MAX_PAGES}")
    parts: list[tuple[str, list[OcrBox | None]]] = []
    scores, chars = 0.0, 0
    try:
        for i, page in enumerate(pages):
            if page is not None:
                parts.append((page, [None] * len(page)))
                continue
            got = ocr.ocr_images(ocr.render_pdf_pages(data, [i]), [i])
            parts.append((got.text, list(got.boxes)))
            scores, chars = scores + got.confidence * got.chars, chars + got.chars
    except ocr.OcrError as e:
        raise IngestError(str(e)) from None
    if not chars and not any(page for page in pages if page):
        raise IngestError(f"OCR found no text: the PDF has no text layer and OCR read nothing on its {len(todo)} page(s)")
    text, boxes = "", []
    for k, (t, b) in enumerate(parts):
        if k:
            text += "\n"
            boxes.append(None)
        text += t
        boxes += b
    return text, OcrInfo(boxes, len(todo), scores / chars if chars else 0.0)


def _image_text(data: bytes) -> tuple[str, OcrInfo]:
    from gkml.io import ocr

    try:
        images = ocr.load_image_pages(data)
        if len(images) > ocr.MAX_PAGES:
            raise IngestError(f"image has more than {ocr.MAX_PAGES} pages: too many for OCR")
        got = ocr.ocr_images(images)
    except ocr.OcrError as e:
        raise IngestError(str(e)) from None
    if not got.chars:
        raise IngestError(f"OCR found no text in the image ({len(images)} page(s))")
    return got.text, OcrInfo(list(got.boxes), got.pages, got.confidence)


# --------------------------------------------------------------------------- dispatch

_IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"}
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_OFFICE = {b"PK\x03\x04": "a ZIP container (docx, xlsx, ofd, zip)", b"\xd0\xcf\x11\xe0": "a legacy Office file (doc, xls, wps)"}


def _sniff(data: bytes, ext: str) -> str:
    """Input kind from the bytes first, the extension second (sites mislabel files)."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    bmp = data.startswith(b"BM") and int.from_bytes(data[2:6], "little") == len(data)
    if data.startswith(_IMAGE_MAGIC) or data[8:12] == b"WEBP" or bmp or (ext in _IMAGE_EXTS and not data.isascii()):
        return "image"  # read by OCR
    for magic, what in _OFFICE.items():
        if data.startswith(magic):
            raise IngestError(f"unsupported file type: {what}; convert it to PDF, HTML or text")
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if ext in {".html", ".htm", ".xhtml", ".shtml"} or head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "txt"


def ingest(path: str | Path, max_bytes: int = MAX_BYTES) -> Document:
    """Read one input file into a `Document`; any unusable input raises `IngestError`."""
    p, source = Path(path), str(path)
    if not p.exists():
        raise IngestError(f"no such file: {source}")
    if p.is_dir():
        raise IngestError(f"is a directory, not a file: {source}")
    size = p.stat().st_size
    if size > max_bytes:
        raise IngestError(f"file too large: {size} bytes, the limit is {max_bytes} bytes")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read file: {e.strerror or e}") from None
    if not data.strip():
        raise IngestError("empty file" if not data else "empty file: whitespace only")
    ext = p.suffix.lower()
    kind = _sniff(data, ext)
    encoding, ocr_info = None, None
    if kind in ("pdf", "image"):
        original, ocr_info = _pdf_text(data) if kind == "pdf" else _image_text(data)
        raw, raw_offs = original, None
    else:
        try:
            m = _META_CHARSET.search(data[:4096]) if kind == "html" else None
            original, encoding = _decode(data, m.group(1).decode("ascii") if m else None)
        except IngestError as e:
            raise IngestError(f"cannot read PDF: no %PDF header ({e})" if ext == ".pdf" else str(e)) from None
        raw, raw_offs = html_text(original) if kind == "html" else (original, None)
    text, offs = normalise(raw)
    if raw_offs is not None:
        offs = [raw_offs[i] for i in offs]
    if not text.strip():
        raise IngestError(f"empty file: no text in the {kind.upper()} input")
    return Document(text, offs, original, kind, source, encoding, ocr_info)
