"""A Word file → its text: paragraphs as lines, tables row by row with cells joined by " | ".

Many organs publish the report as the Word file they wrote it in. The text comes out in the
shape :mod:`gkml.io.html` gives a web page, so the rules and the model read a Word table as they
read an HTML one: a paragraph is a line (whitespace runs collapsed, empty paragraphs dropped),
a table row is one line of its cells' texts joined by " | ", an empty cell stays an empty slot
(a closing " |" when it is the last: where a blank cell stands places the numbers after it), a
row of one cell keeps its own lines, and a table holding another table is read as blocks.

Merged cells as HTML prints them: a cell spanning columns (``w:gridSpan``) is one slot, as a
``colspan`` cell is one ``<td>``; the cells a vertical merge covers (``w:vMerge`` continue) are
left out, as the rows under a ``rowspan`` cell have no ``<td>`` for it. An empty slot there
would read as a blank cell printed in that column ("| 0 | …" turning into "|  | 0 | …" shifts
every number one column), and repeating the merged label would print a label the page does not.
LibreOffice turns an HTML ``rowspan`` into exactly this vertical merge, so an HTML report and the
Word file made from it read to the same text.

The XML is read directly (``zipfile`` + lxml, no DTD, no entities, no network). Left out, as a
web page's chrome is: headers, footers, footnotes, comments, deleted revisions, hidden text
(``w:vanish``) and the fallback copy of a text box. Automatic list numbering (a "一、" that Word
draws from ``numbering.xml``) is not in the text either: a heading numbered that way reads
without its number. `.doc`, `.wps`, RTF and OpenDocument text files are converted to DOCX by
LibreOffice first (:func:`convert_to_docx`).

``Document.original`` of a Word file is this text itself (as for a PDF, whose original is its
extracted text): the XML has no characters a reader would look for a number in.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from gkml.io.document import IngestError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_STRICT_DOC = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
MAX_XML_BYTES = 200 * 1024 * 1024  # uncompressed main part: a report is a few MB; more is a zip bomb
SOFFICE_TIMEOUT = 120.0  # seconds for one conversion (a fresh profile's first start takes ~1.5 s)

# Elements whose content is never printed text: properties, deleted or moved-away revisions,
# field instructions, the fallback copy of an alternate content (the choice is read).
_SKIP = {W + t for t in ("pPr", "rPr", "tblPr", "trPr", "tcPr", "sectPr", "del", "moveFrom", "delText",
                         "instrText", "delInstrText", "commentReference", "footnoteReference",
                         "endnoteReference", "fldData")} | {_MC + "Fallback"}  # fmt: skip
_BREAKS = {W + "br", W + "cr"}
_BLOCK_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "moveTo", W + "smartTag"}


def is_docx(data: bytes) -> bool:
    """A ZIP holding a WordprocessingML document (whatever the file is called)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return _main_part(zf) is not None
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def is_zip(data: bytes) -> bool:
    """A ZIP container whose directory can be read (a truncated download's cannot)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)):
            return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _main_part(zf: zipfile.ZipFile) -> str | None:
    """The main document part: the package's officeDocument relationship, else word/document.xml."""
    names = set(zf.namelist())
    if "_rels/.rels" in names:
        try:
            rels = etree.fromstring(zf.read("_rels/.rels"), _parser())
            for rel in rels.iter(_REL + "Relationship"):
                if rel.get("Type") in (_OFFICE_DOC, _STRICT_DOC):
                    target = rel.get("Target", "").lstrip("/")
                    if target in names and target.endswith(".xml"):
                        return target
        except etree.XMLSyntaxError:
            pass
    return "word/document.xml" if "word/document.xml" in names else None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def docx_text(data: bytes) -> str:
    """The text of a DOCX file (see the module docstring); an unreadable file raises `IngestError`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            part = _main_part(zf)
            if part is None:
                raise IngestError("cannot read DOCX: no word/document.xml in the ZIP container")
            size = zf.getinfo(part).file_size
            if size > MAX_XML_BYTES:
                raise IngestError(f"cannot read DOCX: its document part is {size:,} bytes uncompressed, "
                                  f"the limit is {MAX_XML_BYTES:,}")  # fmt: skip
            xml = zf.read(part)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError) as e:
        raise IngestError(f"cannot read DOCX: damaged ZIP container ({e})") from None
    try:
        root = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as e:
        raise IngestError(f"cannot read DOCX: damaged document XML ({e})") from None
    body = root.find(W + "body")
    lines: list[str] = []
    if body is not None:
        _blocks(body, lines)
    return "\n".join(lines) + "\n" if lines else ""


# --------------------------------------------------------------------------- blocks


def _blocks(parent: etree._Element, lines: list[str]) -> None:
    """Paragraphs and tables of a body, a cell or a text box, as lines."""
    for el in parent:
        tag = el.tag
        if tag == W + "p":
            _paragraph(el, lines)
        elif tag == W + "tbl":
            _table(el, lines)
        elif tag in _BLOCK_WRAPPERS:
            _blocks(el, lines)


def _paragraph(p: etree._Element, lines: list[str]) -> None:
    """One paragraph: a line per line break in it, whitespace collapsed; a text box inside it
    gives its own lines after it."""
    parts: list[str] = []
    boxes: list[str] = []
    _inline(p, parts, boxes)
    text = [" ".join(seg.split()) for seg in "".join(parts).split("\n")]
    while text and not text[0]:
        text.pop(0)
    while text and not text[-1]:
        text.pop()
    lines.extend(text)
    lines.extend(boxes)


def _inline(el: etree._Element, parts: list[str], boxes: list[str] | None) -> None:
    """The printed characters under ``el`` in order; a line break is "\\n" (a space in a table
    cell, where ``boxes`` is None and a text box's lines join the cell's text)."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue  # comments, processing instructions, properties, deletions
        if tag == W + "t":
            parts.append(child.text or "")
        elif tag == W + "tab":
            parts.append(" ")
        elif tag in _BREAKS:
            parts.append("\n" if boxes is not None else " ")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif tag == W + "r" and _hidden(child):
            continue
        elif tag == W + "txbxContent":
            if boxes is None:
                cell: list[str] = []
                _cell_text(child, cell)
                parts.append(" " + " ".join(cell) + " ")
            else:
                _blocks(child, boxes)
        else:
            _inline(child, parts, boxes)


def _hidden(run: etree._Element) -> bool:
    """A run formatted as hidden text (``w:vanish``), which Word does not print."""
    rpr = run.find(W + "rPr")
    vanish = rpr.find(W + "vanish") if rpr is not None else None
    return vanish is not None and vanish.get(W + "val", "true").lower() not in ("0", "false", "off")


# --------------------------------------------------------------------------- tables


def _rows(el: etree._Element):
    for child in el:
        if child.tag == W + "tr":
            yield child
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _rows(child)


def _cells(row: etree._Element):
    for child in row:
        if child.tag == W + "tc":
            yield child
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _cells(child)


def _continues_merge(tc: etree._Element) -> bool:
    """A cell covered by the vertical merge started above it (``<w:vMerge/>``, val continue)."""
    pr = tc.find(W + "tcPr")
    vmerge = pr.find(W + "vMerge") if pr is not None else None
    return vmerge is not None and vmerge.get(W + "val", "continue") == "continue"


def _has_table(el: etree._Element) -> bool:
    return next(el.iter(W + "tbl"), None) is not None


def _cell_text(tc: etree._Element, out: list[str]) -> None:
    """A cell's paragraphs as one line of words (blocks become spaces, as in an HTML cell)."""
    for el in tc:
        if el.tag == W + "p":
            parts: list[str] = []
            _inline(el, parts, None)
            out.extend("".join(parts).split())
        elif el.tag == W + "tbl":
            for row in _rows(el):
                for cell in _cells(row):
                    _cell_text(cell, out)
        elif el.tag in _BLOCK_WRAPPERS:
            _cell_text(el, out)


def _table(tbl: etree._Element, lines: list[str]) -> None:
    """One line per row, cells joined by " | " (see the module docstring); a table with a table
    inside it is a layout table: its cells are read as blocks."""
    for row in _rows(tbl):
        cells = [tc for tc in _cells(row) if not _continues_merge(tc)]
        if len(cells) == 1 or any(_has_table(tc) for tc in cells):
            for tc in cells:
                _blocks(tc, lines)
            continue
        texts = []
        for tc in cells:
            words: list[str] = []
            _cell_text(tc, words)
            texts.append(" ".join(words))
        if not any(texts):
            continue
        lines.append(" | ".join(texts) + (" |" if not texts[-1] else ""))


# --------------------------------------------------------------------------- .doc, .wps, RTF


def soffice() -> str | None:
    """The LibreOffice binary, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def legacy_format(data: bytes, ext: str) -> tuple[str, str]:
    """(name for messages, file suffix for LibreOffice) of a Word file that is not DOCX."""
    if data.startswith(b"{\\rtf"):
        return "RTF", ".rtf"
    if data.startswith(b"PK"):
        return "ODT", ".odt"
    return ("WPS", ".wps") if ext in (".wps", ".wpt") else ("DOC", ".doc")


def convert_to_docx(data: bytes, what: str, suffix: str = ".doc", timeout: float = SOFFICE_TIMEOUT) -> bytes:
    """A Word file that is not DOCX (``what``: "DOC", "WPS", "RTF", "ODT") converted to DOCX by LibreOffice.

    Each conversion runs headless with a fresh profile in a temporary directory (also its
    HOME), so conversions can overlap and nothing is written outside it; the whole process
    group is killed after ``timeout`` seconds. No LibreOffice, a file it cannot open, a
    timeout: an `IngestError` saying which."""
    binary = soffice()
    if binary is None:
        raise IngestError(
            f"cannot read {what} file: converting it needs LibreOffice (soffice), which is not installed "
            "(Debian: apt-get install libreoffice-writer-nogui); or save it as DOCX or PDF"
        )
    with tempfile.TemporaryDirectory(prefix="gkml-doc-") as tmp:
        src = Path(tmp) / f"input{suffix}"
        src.write_bytes(data)
        out_dir = Path(tmp) / "out"
        cmd = [binary, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
               "--convert-to", "docx", "--outdir", str(out_dir), str(src)]  # fmt: skip
        env = {**os.environ, "HOME": tmp}
        pipe = subprocess.PIPE
        proc = subprocess.Popen(cmd, stdout=pipe, stderr=pipe, env=env, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.communicate()
            msg = f"cannot read {what} file: LibreOffice did not convert it within {timeout:g} s"
            raise IngestError(msg) from None
        finally:
            _kill_group(proc.pid)  # never leave a LibreOffice process behind (its own group, started here)
            proc.wait()
        result = out_dir / "input.docx"
        if not result.is_file():
            lines = (stderr + stdout).decode("utf-8", "replace").splitlines()
            said = " ".join(line.strip() for line in lines if line.strip() and "javaldx" not in line)
            said = said.replace(str(src), "the file")[:300]  # "Error: source file could not be loaded"
            raise IngestError(f"cannot read {what} file: LibreOffice could not convert it"
                              + (f" ({said})" if said else ""))  # fmt: skip
        return result.read_bytes()


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is gone: all its processes ended
        os.killpg(pgid, signal.SIGKILL)
