"""Compare OCR engines on rendered report pages: characters and table numbers read, s/page.

Not a test. Reference = the text layer of the typeset PDF (`<id>-text.pdf` written by
scripts/render_pages.py); the engine reads the same page from the image-only variants
(`-clean`, `-scan`, `-lowres`) rendered at 200 dpi, as gkml.io.ingest does. Reading order is
ignored (bag of characters after NFKC), because layout is gkml.io.ocr's job, not the engine's:

- missed / extra: characters of the reference not read / read but not there, in % of the reference;
- numbers: share of the reference's numbers (digit runs, decimals included) read exactly, as
  separate tokens (the engine's own line boxes, before gkml.io.ocr splits them at table rules).

Engines (line-orientation classifier off, as gkml.io.ocr runs them: pages are deskewed and turned
upright first): `rapidocr` (3.x, PP-OCRv6 in the wheel), `rapidocr_onnxruntime` (1.x, PP-OCRv4) and
`tesseract` (chi_sim, OMP_THREAD_LIMIT=1), each when installed; run this file with another
venv's python to measure an engine kept out of the project's venv. Prints one JSON line per engine.

    python bench/ocr_engines.py --docs 000_7cbeb50e901d1ece 001_eb0a65417e597162 --pages 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _norm(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())


def _reference(pdf: Path, page: int) -> str:
    """The page's words, space-separated, so adjacent table numbers stay apart."""
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        return " ".join(w["text"] for w in doc.pages[page].extract_words())


def _image(pdf: Path, page: int):
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(pdf.read_bytes())[page].render(scale=200 / 72).to_numpy()[:, :, :3].copy()


def _engine(name: str):
    if name == "rapidocr":
        from rapidocr import RapidOCR

        eng = RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False})  # as gkml.io.ocr runs it
        return lambda img: " ".join(eng(img).txts or ())
    if name == "rapidocr_onnxruntime":
        from rapidocr_onnxruntime import RapidOCR

        eng = RapidOCR()
        return lambda img: " ".join(r[1] for r in (eng(img, use_cls=False)[0] or []))
    if name == "tesseract":
        def run(img):
            from PIL import Image

            with tempfile.NamedTemporaryFile(suffix=".png") as f:
                Image.fromarray(img).save(f.name)
                env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
                return subprocess.run(["tesseract", f.name, "-", "-l", "chi_sim", "--psm", "3"], env=env,
                                      capture_output=True, text=True, check=True).stdout
        return run
    raise ValueError(name)


def measure(name: str, docs: list[str], pages: list[int], variants: list[str], folder: Path) -> dict:
    t0 = time.perf_counter()
    read = _engine(name)
    read(_image(folder / f"{docs[0]}-clean.pdf", pages[0])[:200, :200])  # load the models
    out = {"engine": name, "load_s": round(time.perf_counter() - t0, 2)}
    for variant in variants:
        ref_n = missed = extra = nums = nums_ok = 0
        wall = cpu = 0.0
        count = 0
        for doc in docs:
            for page in pages:
                ref_words = unicodedata.normalize("NFKC", _reference(folder / f"{doc}-text.pdf", page))
                img = _image(folder / f"{doc}-{variant}.pdf", page)
                t, c = time.perf_counter(), time.process_time()
                got_words = unicodedata.normalize("NFKC", read(img))
                wall += time.perf_counter() - t
                cpu += time.process_time() - c
                count += 1
                ref, got = _norm(ref_words), _norm(got_words)
                a, b = Counter(ref), Counter(got)
                ref_n += len(ref)
                missed += sum((a - b).values())
                extra += sum((b - a).values())
                rn, gn = Counter(NUMBER.findall(ref_words)), Counter(NUMBER.findall(got_words))
                nums += sum(rn.values())
                nums_ok += sum((rn & gn).values())
        out[variant] = {"pages": count, "missed_%": round(100 * missed / ref_n, 2),
                        "extra_%": round(100 * extra / ref_n, 2), "numbers_%": round(100 * nums_ok / max(nums, 1), 2),
                        "s_per_page": round(wall / count, 2), "cpu_s_per_page": round(cpu / count, 2)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", nargs="+", default=["rapidocr", "rapidocr_onnxruntime", "tesseract"])
    ap.add_argument("--docs", nargs="+", default=["000_7cbeb50e901d1ece", "001_eb0a65417e597162"])
    ap.add_argument("--pages", nargs="+", type=int, default=[1, 2], help="0-based page numbers")
    ap.add_argument("--variants", nargs="+", default=["clean", "scan", "lowres"])
    ap.add_argument("--folder", default=str(ROOT / "data" / "rendered" / "pdf"))
    args = ap.parse_args()
    for name in args.engines:
        try:
            print(json.dumps(measure(name, args.docs, args.pages, args.variants, Path(args.folder))), flush=True)
        except (ImportError, FileNotFoundError) as e:
            print(json.dumps({"engine": name, "skipped": f"{type(e).__name__}: {e}"}), flush=True)


if __name__ == "__main__":
    main()
