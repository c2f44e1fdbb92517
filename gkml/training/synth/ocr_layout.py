"""OCR output as a training layout: render a report → page images → OCR → gold spans moved onto
the OCR text by character alignment.

Simulated OCR noise (gkml.training.synth.noise) only has the errors someone thought of; this layout has
the ones the real engine makes on real-looking pages: rows read across a rule, a digit lost to
blur, 十 read as 刻, a wrapped label glued back. The gold spans of the source text are carried
over character by character (difflib on the two texts), so a label lands on whatever the OCR
made of the characters it covered; a span whose characters all vanished is dropped.

The public entry points:

- `html_to_pdf(html)` → PDF bytes (LibreOffice, as a report's own publishing chain would);
- `pdf_to_images(pdf)` → page images; `degrade(img, rng, level)` → a simulated scan of one;
- `align_spans(src, spans, dst)` → the spans moved from text `src` onto text `dst`;
- `ocr_example(html, spans, ...)` → (ocr_text, spans, confidence) for one report;
- `ocr_record(record)` → a gkml.training.synth corpus record (layout html, raw kept) re-read through OCR.

Rendering needs LibreOffice (`soffice`) and a CJK font (Debian: libreoffice-writer-nogui,
fonts-noto-cjk); OCR needs only the Python dependencies.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gkml.labels import Span
from gkml.training.chains.align import align_spans, char_alignment  # noqa: F401  (moved there; kept importable here)

LEVELS = ("clean", "scan", "lowres")


def soffice() -> str | None:
    """The LibreOffice binary, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def html_to_pdf(html: str, timeout: float = 120) -> bytes:
    """Typeset an HTML report to PDF with LibreOffice Writer (not Writer/Web, which drops <h1>
    and starts with a blank page); a private profile keeps it out of $HOME and lets runs overlap."""
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="gkml-render-") as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(html, encoding="utf-8")
        subprocess.run(
            [binary, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--infilter=HTML (StarWriter)",
             "--convert-to", "pdf:writer_pdf_Export", "--outdir", tmp, str(src)],
            check=True, capture_output=True, timeout=timeout,
        )
        return (Path(tmp) / "report.pdf").read_bytes()


def pdf_to_images(pdf: bytes, dpi: int = 200) -> list[np.ndarray]:
    """Every page of a PDF as an RGB array (pdfium)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].render(scale=dpi / 72).to_numpy()[:, :, :3].copy() for i in range(len(doc))]
    finally:
        doc.close()


def degrade(img: np.ndarray, rng: random.Random, level: str = "scan") -> np.ndarray:
    """A simulated scan of a clean page render (200 dpi): `scan` = tilt up to 1.5°, blur, sensor
    noise, JPEG at quality ~55; `lowres` = the same at ~100 dpi with more blur; `clean` = as is."""
    if level == "clean":
        return img
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; one of {LEVELS}")
    import cv2

    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img
    h, w = gray.shape
    angle = rng.uniform(0.4, 1.5) * rng.choice((-1, 1))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    if level == "lowres":
        out = cv2.resize(out, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 0.9) if level == "scan" else rng.uniform(0.4, 0.7))
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(8, 14), out.shape)
    out = np.clip(out.astype(np.float32) * rng.uniform(0.85, 0.95) + 20 + noise, 0, 255).astype(np.uint8)
    ok, jpg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(45, 65)])
    return cv2.cvtColor(cv2.imdecode(jpg, cv2.IMREAD_GRAYSCALE), cv2.COLOR_GRAY2RGB)


def images_to_pdf(images: Sequence[np.ndarray], dpi: int = 200, quality: int = 85) -> bytes:
    """An image-only PDF (no text layer): what a scanner writes."""
    from PIL import Image

    pages = [Image.fromarray(im).convert("RGB") for im in images]
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:], quality=quality)
    return buf.getvalue()


def ingested_text(html: str) -> str:
    """The text `gkml.io.ingest` reads from an HTML page (what gold spans of an html record index)."""
    from gkml.io.ingest import ingest

    with tempfile.TemporaryDirectory(prefix="gkml-html-") as tmp:
        path = Path(tmp) / "report.html"
        path.write_text(html, encoding="utf-8")
        return ingest(path).text


def ocr_example(
    html: str,
    spans: Sequence[Span],
    rng: random.Random | None = None,
    level: str = "scan",
    dpi: int = 200,
) -> tuple[str, list[Span], float]:
    """One OCR training example: (OCR text, gold spans carried onto it, mean OCR confidence).

    `spans` index the text `gkml.io.ingest` reads from `html`; the OCR text is exactly what
    `gkml.io.ingest` reads from a scan of the typeset page (`level`: clean, scan or lowres).
    """
    from gkml.io.normalise import normalise
    from gkml.io.ocr import ocr_images

    rng = rng or random.Random(0)
    images = [degrade(im, rng, level) for im in pdf_to_images(html_to_pdf(html), dpi)]
    ocr = ocr_images(images)
    text = normalise(ocr.text)[0]
    return text, align_spans(ingested_text(html), spans, text), ocr.confidence


def ocr_record(record: dict[str, Any], rng: random.Random | None = None, level: str = "scan") -> dict[str, Any]:
    """A gkml.training.synth corpus record of layout ``html`` made with ``raw`` kept (config ``raw: true``),
    re-read through a rendered, `level`-degraded scan: same gold cells and facts, new text and
    spans, layout ``ocr_<level>``. Facts get their new offsets and printed text."""
    if record.get("layout") != "html" or "raw" not in record:
        raise ValueError("ocr_record needs an html-layout record with its raw page (config raw: true)")
    spans = [Span(s["start"], s["end"], s["label"]) for s in record["spans"]]
    text, moved, confidence = ocr_example(record["raw"], spans, rng, level)
    where = char_alignment(record["text"], text)
    facts = []
    for f in record.get("facts", []):
        hits = [j for j in where[f["start"] : f["end"]] if j is not None]
        if hits:
            start, end = min(hits), max(hits) + 1
            facts.append({**f, "text": text[start:end], "start": start, "end": end})
    out = {k: v for k, v in record.items() if k != "raw"}
    out.update(
        id=f"{record['id']}-ocr-{level}",
        text=text,
        spans=[{"start": s.start, "end": s.end, "label": s.label} for s in moved],
        facts=facts,
        layout=f"ocr_{level}",
        ocr_confidence=round(confidence, 4),
    )
    return out
