"""The extractors a report meets before gkml, one function per chain: files → the text it prints.

=================== ==========================================================================
``pdfplumber-ingest`` gkml's own reading of the PDF (`gkml.io.ingest`: pdfplumber's ruled tables as
                      " | " rows, a merged cell's covered columns as empty slots; text lines)
``docx-ingest``       gkml's own reading of the DOCX (only when `gkml.io.docx` exists)
``html-ingest``       gkml's own reading of the web page (tables row by row, " | ")
``pdfminer-text``     pdfminer.six ``extract_text``: layout blocks, a table column by column
``pypdfium2-text``    pdfium's text of each page: content order, wrapped labels before numbers
``ocr-text``          RapidOCR on the rendered pages (half of them as scans), lines in reading
                      order, boxes joined by a space: no geometry, no table structure
``ocr-ingest``        gkml's own reading of the PDF printed and scanned (`gkml.io.ingest` on an
                      image-only PDF: OCR, ruled tables from the image's lines, unruled ones
                      from where their numbers sit)
``html-scrape``       BeautifulSoup ``get_text("\\n")``: a cell per line, merged cells once,
                      empty cells dropped
``html-glued``        a table row per line, its cells glued with a space (a browser's copy,
                      ``tr.get_text(" ", strip=True)``): blank cells vanish
``html-markdown``     markdownify: pipe tables padding colspans but not rowspans, so rows
                      under a row-group label shift left
=================== ==========================================================================

Chains whose extractor reports each character's colour (pdfminer, pdfium) give the piece ids
directly; the others are traced by character alignment against a reference
(`gkml.training.chains.align`). markitdown is not a chain: 0.1.9 fails on every DOCX
("Could not find the body element") and its PDF and HTML paths are pdfminer and markdownify.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gkml.training.chains.align import Traced
from gkml.training.chains.document import pid_of_rgb
from gkml.training.chains.typeset import Typeset


@dataclass
class Files:
    docx: Path
    html: Path
    pdf: Path | None


@dataclass
class Extracted:
    """What a chain printed, and how to trace it: ``ids`` (exact, per character) or a
    ``reference`` to align with. ``normalised``: the text is already gkml's normalised text
    (gkml's own ingest); ``reads_changed``: the extractor may misread characters (OCR), so a
    carried cell is kept even where its characters changed."""

    text: str
    ids: list[int] | None = None
    reference: Traced | None = None
    normalised: bool = False
    reads_changed: bool = False
    fmt: str = "docx"  # the version it read: "docx" or "html" (a PDF: the one it was made from)


@dataclass
class Chain:
    run: Callable[[Files, Typeset, random.Random], Extracted]
    needs_pdf: bool
    plain: bool = True  # prints plain text, which gkml reads as a text file (not gkml's own reading)


def _pdf_ref(ts: Typeset) -> Traced:
    return ts.ref_docx if ts.style.pdf_from == "docx" else ts.ref_html


# --------------------------------------------------------------------------- gkml's own ingest


def pdfplumber_ingest(files: Files, ts: Typeset, rng: random.Random) -> Extracted:
    """gkml's reading of the PDF; each character's piece is the colour of the pdfplumber
    character at the box gkml's reader gives it (exact), and blank cells are placed against the
    reference of the format the PDF was made from."""
    import pdfplumber

    from gkml.io.ingest import ingest

    doc = ingest(files.pdf)
    colours: dict[tuple[int, float, float], int] = {}
    with pdfplumber.open(files.pdf) as pdf:
        for n, page in enumerate(pdf.pages):
            for c in page.chars:
                colours[(n, round(c["x0"], 2), round(c["top"], 2))] = pid_of_rgb(c.get("non_stroking_color"))
    ids = []
    for ch, o in zip(doc.text, doc.offsets, strict=True):
        box = doc.boxes[o] if doc.boxes and 0 <= o < len(doc.boxes) else None
        if box is None or ch in " |":  # a separator the reader wrote: boxed where its cell is, printed by no one
            ids.append(0)
        else:
            ids.append(colours.get((box[0], round(box[1], 2), round(box[2], 2)), 0))
    return Extracted(doc.text, ids=ids, reference=_pdf_ref(ts), normalised=True, fmt=ts.style.pdf_from)


def docx_ingest(files: Files, ts: Typeset, rng: random.Random) -> Extracted:
    from gkml.io.ingest import ingest

    return Extracted(ingest(files.docx).text, reference=ts.ref_docx, normalised=True)


def html_ingest(files: Files, ts: Typeset, rng: random.Random) -> Extracted:
    from gkml.io.ingest import ingest

    return Extracted(ingest(files.html).text, reference=ts.ref_html, normalised=True, fmt="html")


# --------------------------------------------------------------------------- PDF text layers


def pdfminer_traced(pdf: Path) -> Traced:
    """pdfminer.six's ``extract_text`` (default LAParams), built from the same layout objects
    so that every character keeps its fill colour: text boxes in pdfminer's order, each followed
    by a line break, pages ended by a form feed."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTContainer, LTText, LTTextBox

    text: list[str] = []
    ids: list[int] = []

    def put(s: str, pid: int = 0) -> None:
        text.append(s)
        ids.extend([pid] * len(s))

    def render(item) -> None:
        if isinstance(item, LTContainer):
            for child in item:
                render(child)
        elif isinstance(item, LTText):
            pid = pid_of_rgb(item.graphicstate.ncolor) if isinstance(item, LTChar) else 0
            put(item.get_text(), pid)
        if isinstance(item, LTTextBox):
            put("\n")

    for page in extract_pages(str(pdf), laparams=LAParams()):
        render(page)
        put("\f")
    return Traced("".join(text), ids)


def pdfminer_text(files: Files, ts: Typeset, rng: random.Random) -> Extracted:
    t = pdfminer_traced(files.pdf)
    return Extracted(t.text, ids=t.ids, fmt=ts.style.pdf_from)


def pypdfium2_traced(pdf: Path) -> Traced:
    """pdfium's text of each page (``get_text_range``, pages joined by a line break), with the
    fill colour of each character (``FPDFText_GetFillColor``; none for the spaces and line
    breaks pdfium makes up)."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    text: list[str] = []
    ids: list[int] = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for n in range(len(doc)):
            page = doc[n]
            tp = page.get_textpage()
            count = tp.count_chars()
            page_text = tp.get_text_range()
            page_ids = []
            r, g, b, a = (ctypes.c_uint() for _ in range(4))
            for i in range(count):
                ok = raw.FPDFText_GetFillColor(tp.raw, i, r, g, b, a)
                page_ids.append(pid_of_rgb((r.value / 255, g.value / 255, b.value / 255)) if ok else 0)
            if len(page_text) != count:  # pdfium's text and its character indices disagree: trust neither colour
                page_ids = [0] * len(page_text)
            if n:
                text.append("\n")
                ids.append(0)
            text.append(page_text)
            ids += page_ids
            tp.close()
            page.close()
    finally:
        doc.close()
    return Traced("".join(text), ids)


def pypdfium2_text(files: Files, ts: Typeset, rng: random.Random) -> Extracted:
    t = pypdfium2_traced(files.pdf)
    return Extracted(t.text, ids=t.ids, fmt=ts.style.pdf_from)


# --------------------------------------------------------------------------- OCR


_OCR = None


def _rapidocr():
    global _OCR
    if _OCR is None:
        from rapidocr import RapidOCR

        _OCR = RapidOCR()
    return _OCR


def reading_order(boxes, texts) -> str:
    """OCR boxes as plain text: boxes grouped into lines by vertical overlap, each line left to
    right joined by a space, lines top to bottom."""
    items = []
    for quad, t in zip(boxes, texts, strict=True):
        ys = [p[1] for p in quad]
        xs = [p[0] for p in quad]
        items.append((min(ys), max(ys), min(xs), t))
    items.sort(key=lambda it: (it[0] + it[1]) / 2)
    lines: list[list[tuple]] = []
    for it in items:
        mid = (it[0] + it[1]) / 2
        if lines:
            top = min(x[0] for x in lines[-1])
            bottom = max(x[1] for x in lines[-1])
            if top <= mid <= bottom:
                lines[-1].append(it)
                continue
        lines.append([it])
    return "\n".join(" ".join(t for *_, t in sorted(line, key=lambda x: x[2])) for line in lines)


def ocr_text(files: Files, ts: Typeset, rng: random.Random) -> Extracted:
    """RapidOCR (its defaults) on each page rendered at 200 dpi, half of the reports as a
    simulated scan; the gold comes from pdfium's exact text of the same PDF by alignment."""
    from gkml.training.synth.ocr_layout import degrade, pdf_to_images

    level = rng.choice(("clean", "scan"))
    engine = _rapidocr()
    pages = []
    for img in pdf_to_images(files.pdf.read_bytes(), 200):
        out = engine(degrade(img, rng, level))
        if out is None or getattr(out, "txts", None) is None or out.boxes is None:
            pages.append("")
            continue
        pages.append(reading_order(out.boxes, out.txts))
    return Extracted("\n".join(pages), reference=pypdfium2_traced(files.pdf), reads_changed=True,
                     fmt=ts.style.pdf_from)


def ocr_ingest(files: Files, ts: Typeset, rng: random.Random) -> Extracted:
    """gkml's reading of the report printed and scanned: the pages rendered at 200 dpi, as they
    are, as a scanner degrades them or at 100 dpi (a third each), into an image-only PDF that
    `gkml.io.ingest` reads as it reads any scan. Its text is in gkml's table form, so the gold is
    carried from gkml's reading of the format the PDF was made from, blank slots included."""
    from gkml.io.ingest import ingest
    from gkml.training.synth.ocr_layout import degrade, images_to_pdf, pdf_to_images

    level = rng.choice(("clean", "scan", "lowres"))
    images = [degrade(img, rng, level) for img in pdf_to_images(files.pdf.read_bytes(), 200)]
    scan = files.pdf.with_name(f"{files.pdf.stem}-{level}.pdf")
    scan.write_bytes(images_to_pdf(images, 100 if level == "lowres" else 200, quality=90))
    return Extracted(ingest(scan).text, reference=_pdf_ref(ts), normalised=True, reads_changed=True,
                     fmt=ts.style.pdf_from)


# --------------------------------------------------------------------------- HTML as scrapers flatten it


def _soup(path: Path):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    return soup


def html_scrape(files: Files, ts: Typeset, rng: random.Random) -> Extracted:
    lines = (line.strip() for line in _soup(files.html).get_text("\n").split("\n"))
    return Extracted("\n".join(line for line in lines if line), reference=ts.ref_html, fmt="html")


def html_glued(files: Files, ts: Typeset, rng: random.Random) -> Extracted:
    soup = _soup(files.html)
    for tr in soup.find_all("tr"):
        tr.replace_with(soup.new_string("\n" + tr.get_text(" ", strip=True) + "\n"))
    for tag in soup.find_all(["p", "h1", "div", "table"]):
        tag.insert_after(soup.new_string("\n"))
    lines = (" ".join(line.split()) for line in soup.get_text().split("\n"))
    return Extracted("\n".join(line for line in lines if line), reference=ts.ref_html, fmt="html")


def html_markdown(files: Files, ts: Typeset, rng: random.Random) -> Extracted:
    from markdownify import markdownify

    page = files.html.read_text(encoding="utf-8")
    md = markdownify(page, strip=["script", "style", "title"], heading_style="ATX")
    lines = [line.rstrip() for line in md.split("\n")]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return Extracted(text.strip("\n"), reference=ts.ref_html, fmt="html")


# --------------------------------------------------------------------------- the registry


CHAINS: dict[str, Chain] = {
    "pdfplumber-ingest": Chain(pdfplumber_ingest, True, plain=False),
    "docx-ingest": Chain(docx_ingest, False, plain=False),
    "html-ingest": Chain(html_ingest, False, plain=False),
    "pdfminer-text": Chain(pdfminer_text, True),
    "pypdfium2-text": Chain(pypdfium2_text, True),
    "ocr-text": Chain(ocr_text, True),
    "ocr-ingest": Chain(ocr_ingest, True, plain=False),
    "html-scrape": Chain(html_scrape, False),
    "html-glued": Chain(html_glued, False),
    "html-markdown": Chain(html_markdown, False),
}
FAST = [c for c in CHAINS if not c.startswith("ocr-")]  # every chain but OCR (~5 s a page)
