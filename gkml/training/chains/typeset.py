"""A synthetic report typeset as a real document: DOCX and HTML with the national template's
merged table structure and a drawn style, then PDF by LibreOffice, one process per batch.

Organs make their reports in Word from the template (merged header cells, row-group labels
spanning rows, narrow label columns whose text wraps, tables that break across pages with or
without repeated headers) and publish the PDF, the DOCX and a web page. The hand-written
layouts of `gkml.training.synth.layouts` imitate what extractors print; here the extractors
print it themselves (`gkml.training.chains.extract`).

Every labelled piece is printed in its own near-black colour (`gkml.training.chains.document`),
so readers that report colours give exact gold; each format also has its reference text for
the readers that do not (`gkml.training.chains.align`).
"""

from __future__ import annotations

import logging
import random
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from gkml.training.chains.align import Traced
from gkml.training.chains.document import Source, Style, Tracer, blocks, column_widths, draw_style
from gkml.training.chains.docx_xml import docx_bytes
from gkml.training.chains.html_page import html_page
from gkml.training.synth.content import Content

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- one report


@dataclass
class Typeset:
    """One report in its formats, with what each printed character can be traced to."""

    docx: bytes
    html: str
    style: Style
    source: Source
    ref_docx: Traced
    ref_html: Traced

    def style_dict(self) -> dict:
        return asdict(self.style)

    def printed(self, fmt: str) -> set[int]:
        """The pieces the ``fmt`` ("docx" or "html") version prints: a chain can only lose those."""
        ref = self.ref_docx if fmt == "docx" else self.ref_html
        return {pid for pid in ref.ids if pid} | {pid for _, pid in ref.blanks}


def typeset(content: Content, rng: random.Random, style: Style | None = None) -> Typeset:
    """DOCX and HTML of ``content`` in ``style`` (drawn from ``rng`` when not given)."""
    style = style or draw_style(rng)
    source = Source()
    widths = {name: column_widths(t, style, rng) for name, t in content.tables.items()}
    doc_tracer, web_tracer = Tracer(source, style), Tracer(source, style)
    docx = docx_bytes(blocks(content, web=False), style, widths, doc_tracer)
    page = html_page(blocks(content, web=True), style, widths, web_tracer, rng)
    return Typeset(docx, page, style, source, doc_tracer.traced(), web_tracer.traced())


# --------------------------------------------------------------------------- LibreOffice


def soffice() -> str:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: `make system-deps` installs it "
                           "(apt-get install libreoffice-writer-nogui fonts-noto-cjk)")  # fmt: skip
    return binary


def to_pdf(files: list[Path], outdir: Path, timeout: float | None = None) -> dict[Path, Path | None]:
    """Convert DOCX and HTML files to PDF with one LibreOffice process per kind (an HTML page is
    read by Writer, not Writer/Web, which drops the first block and prints a blank page 1) and
    a fresh profile in a temporary folder, so runs never share or touch ``$HOME``'s. Returns
    each input's PDF, or None where LibreOffice wrote none (the caller reports it)."""
    binary = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    result: dict[Path, Path | None] = {}
    with tempfile.TemporaryDirectory(prefix="gkml-soffice-") as profile:
        for kind, extra in ((".docx", []), (".html", ["--infilter=HTML (StarWriter)"])):
            batch = [f for f in files if f.suffix == kind]
            if not batch:
                continue
            cmd = [binary, f"-env:UserInstallation=file://{profile}/user", "--headless", *extra,
                   "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir), *map(str, batch)]  # fmt: skip
            try:
                subprocess.run(cmd, check=False, capture_output=True, timeout=timeout or 60 + 5 * len(batch))
            except subprocess.TimeoutExpired:
                log.error("LibreOffice timed out on a batch of %d %s files", len(batch), kind)
            for f in batch:
                pdf = outdir / (f.stem + ".pdf")
                result[f] = pdf if pdf.is_file() and pdf.stat().st_size > 0 else None
    return result
