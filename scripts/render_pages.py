"""Render real and synthetic reports to scanned pages, for measuring OCR input end to end.

For each of the five seeds (samples/) the prose is the seed's own text and the tables are the
2021 template's ruled tables filled with the seed's gold cells, typeset by LibreOffice with a
CJK font (as a report's own office software would) and then:

    <id>-text.pdf     the typeset PDF itself (text layer: the reference, no OCR)
    <id>-clean.pdf    its pages rendered at 200 dpi, image only (a perfect scan)
    <id>-scan.pdf     the same pages tilted 0.4-1.5°, blurred, noisy, JPEG ~55 (a scanner)
    <id>-lowres.pdf   the same at 100 dpi with blur and noise (a poor scanner, a fax)
    gold/<id>-<variant>.gold.json   the seed's gold cells and template

and the same for a few synthetic reports of gkml.training.synth (layout html, --synth N). Then:

    gkml predict data/rendered/pdf -o outputs/rendered.jsonl
    gkml eval --pred outputs/rendered.jsonl --gold data/rendered/gold

Needs LibreOffice and fonts-noto-cjk (apt-get install libreoffice-writer-nogui fonts-noto-cjk).
Usage: python scripts/render_pages.py [--out data/rendered] [--synth 3] [--seed 0]
       python scripts/render_pages.py --fixtures     # the small inputs of tests/test_ocr.py
       python scripts/render_pages.py --ocr-text     # OCR once into text/*.txt, to compare engines
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
from pathlib import Path

from gkml.rules import label
from gkml.schema import CELLS
from gkml.training.synth.ocr_layout import degrade, html_to_pdf, images_to_pdf, pdf_to_images

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("clean", "scan", "lowres")

_PAGE_MARK = re.compile(r"^\s*[—\-–]*\s*\d{1,3}\s*[—\-–]*\s*$")
_ANNOT = re.compile(r" \((?:第二十条.*?项|also printed .*?|2019 format.*?|2021 template)\)$")

T2_ROWS = [  # (条款 row, header label, row keys)
    ("第二十条第(一)项", ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"), ("rules", "normative")),
    ("第二十条第(五)项", ("信息内容", "本年处理决定数量"), ("licensing",)),
    ("第二十条第(六)项", ("信息内容", "本年处理决定数量"), ("penalty", "coercion")),
    ("第二十条第(八)项", ("信息内容", "本年收费金额(单位:万元)"), ("fees",)),
]
T3_COLS = ("person", "business", "research", "social_org", "legal_org", "other_org", "total")
T4_COLS = ("upheld", "corrected", "other", "pending", "total")
_TABLE = '<table border="1" cellspacing="0" width="100%">\n'


def _fmt(value) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _td(text: str, colspan: int = 1, rowspan: int = 1) -> str:
    attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
    return f"<td{attrs}>{html.escape(text)}</td>"


def _row_zh(key: str) -> str:
    return _ANNOT.sub("", CELLS[key].row_zh)


def table2(cells: dict) -> str:
    rows = []
    for clause, head, keys in T2_ROWS:
        rows.append(_td(clause, 4))
        if len(head) == 4:
            rows.append("".join(_td(h) for h in head))
            for k in keys:
                cols = [c for c in ("issued", "repealed", "in_force")]
                rows.append(_td(_row_zh(f"t2.{k}.issued")) + "".join(_td(_fmt(cells.get(f"t2.{k}.{c}"))) for c in cols))
        else:
            rows.append(_td(head[0]) + _td(head[1], 3))
            for k in keys:
                col = "amount" if k == "fees" else "decisions"
                rows.append(_td(_row_zh(f"t2.{k}.{col}")) + _td(_fmt(cells.get(f"t2.{k}.{col}")), 3))
    return _TABLE + "\n".join(f"<tr>{r}</tr>" for r in rows) + "\n</table>"


def table3(cells: dict) -> str:
    """The 2021 template's table 3: 3 label columns, 7 value columns, merged group labels."""
    vals = lambda row: "".join(_td(_fmt(cells.get(f"t3.{row}.{c}"))) for c in T3_COLS)  # noqa: E731
    rows = [
        _td("申请人情况", 3, 2) + _td("自然人", 1, 2) + _td("法人或其他组织", 5) + _td("总计", 1, 2),
        "".join(_td(h) for h in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")),
        _td(_row_zh("t3.new.person"), 3) + vals("new"),
        _td(_row_zh("t3.carried_in.person"), 3) + vals("carried_in"),
    ]
    groups: dict[str, list[str]] = {}
    for key, cell in CELLS.items():
        if cell.prefix == "t3" and key.endswith(".person") and cell.always and "2021" in cell.templates:
            row = cell.row
            if row in ("new", "carried_in", "carried_over"):
                continue
            groups.setdefault(_row_zh(key).replace("三、本年度办理结果 ", "").split(" ")[0], []).append(row)
    n_result_rows = sum(len(v) for v in groups.values())
    first = True
    for group, members in groups.items():
        for i, row in enumerate(members):
            lead = _td("三、本年度办理结果", 1, n_result_rows) if first else ""
            first = False
            label_zh = _row_zh(f"t3.{row}.person").replace("三、本年度办理结果 ", "")
            if len(members) == 1:
                rows.append(lead + _td(label_zh, 2) + vals(row))
            else:
                item = label_zh.split(" ", 1)[1]
                rows.append(lead + (_td(group, 1, len(members)) if i == 0 else "") + _td(item) + vals(row))
    rows.append(_td(_row_zh("t3.carried_over.person"), 3) + vals("carried_over"))
    return _TABLE + "\n".join(f"<tr>{r}</tr>" for r in rows) + "\n</table>"


def table4(cells: dict) -> str:
    heads = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    rows = [
        _td("行政复议", 5) + _td("行政诉讼", 10),
        "".join(_td(h, 1, 2) for h in heads) + _td("未经复议直接起诉", 5) + _td("复议后起诉", 5),
        "".join(_td(h) for h in heads * 2),
        "".join(_td(_fmt(cells.get(f"t4.{g}.{c}"))) for g in ("review", "suit_direct", "suit_after_review")
                for c in T4_COLS),
    ]
    return _TABLE + "\n".join(f"<tr>{r}</tr>" for r in rows) + "\n</table>"


def _paragraphs(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        line = line.strip()
        if not line or _PAGE_MARK.match(line) or line.startswith("|"):
            continue
        out.append(html.escape(line[2:] if line.startswith("- ") else line))
    return out


def seed_html(text: str, gold: dict) -> str:
    """The seed as its organ would have typeset it: its prose, and the standard tables of its gold."""
    secs = {s.label: s for s in label(text) if s.label.startswith("SEC")}
    body: list[str] = []
    if gold.get("template") == "2021" and {"SEC2", "SEC3", "SEC4", "SEC5"} <= set(secs):
        cells = gold["cells"]
        before, after = text[: secs["SEC2"].start], text[secs["SEC5"].start :]
        body += [f"<p>{p}</p>" for p in _paragraphs(before)]
        body.append(f"<p><b>{html.escape(text[secs['SEC2'].start:secs['SEC2'].end])}</b></p>")
        body.append(table2(cells))
        body.append(f"<p><b>{html.escape(text[secs['SEC3'].start:secs['SEC3'].end])}</b></p>")
        body.append("<p>(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)</p>")
        body.append(table3(cells))
        body.append(f"<p><b>{html.escape(text[secs['SEC4'].start:secs['SEC4'].end])}</b></p>")
        body.append(table4(cells))
        body += [f"<p>{p}</p>" for p in _paragraphs(after)]
    else:
        body += [f"<p>{p}</p>" for p in _paragraphs(text)]
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n<body>\n' + "\n".join(body)
            + "\n</body></html>\n")


def write_variants(out: Path, doc_id: str, page_html: str, gold: dict, rng: random.Random) -> int:
    """Typeset once, then write the text PDF and the three image-only variants, with their gold."""
    (out / "html").mkdir(parents=True, exist_ok=True)
    (out / "html" / f"{doc_id}.html").write_text(page_html, encoding="utf-8")
    return write_pdf_variants(out, doc_id, html_to_pdf(page_html), gold, rng)


def write_pdf_variants(out: Path, doc_id: str, pdf: bytes, gold: dict, rng: random.Random) -> int:
    """A typeset PDF as OUT/pdf/<id>-text.pdf and its three image-only variants, each with its
    gold in OUT/gold; returns the pages."""
    (out / "pdf").mkdir(parents=True, exist_ok=True)
    (out / "gold").mkdir(exist_ok=True)
    (out / "pdf" / f"{doc_id}-text.pdf").write_bytes(pdf)
    pages = pdf_to_images(pdf, 200)
    for variant in VARIANTS:
        images = [degrade(p, rng, variant) for p in pages]
        dpi = 100 if variant == "lowres" else 200
        (out / "pdf" / f"{doc_id}-{variant}.pdf").write_bytes(images_to_pdf(images, dpi, quality=90))
    for variant in ("text", *VARIANTS):
        g = {"doc_id": f"{doc_id}-{variant}", "template": gold["template"], "cells": gold["cells"],
             "layout": f"rendered {variant}"}
        (out / "gold" / f"{doc_id}-{variant}.gold.json").write_text(json.dumps(g, ensure_ascii=False, indent=1))
    return len(pages)


def write_fixtures(fixtures: Path) -> None:
    """The small committed inputs of tests/test_ocr.py: seed 000's typeset text PDF (the test
    scans and degrades it itself) and a degraded JPEG scan of its section 2 with table 2."""
    import cv2
    import numpy as np

    fixtures.mkdir(parents=True, exist_ok=True)
    seed = ROOT / "samples" / "000_7cbeb50e901d1ece.txt"
    gold = json.loads((ROOT / "tests" / "fixtures" / "000_7cbeb50e901d1ece.gold.json").read_text(encoding="utf-8"))
    (fixtures / "000_text.pdf").write_bytes(html_to_pdf(seed_html(seed.read_text(encoding="utf-8"), gold)))
    page_html = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
                 "<p><b>二、主动公开政府信息情况</b></p>\n" + table2(gold["cells"]) + "\n</body></html>\n")
    page = pdf_to_images(html_to_pdf(page_html), 200)[0]
    ys, xs = np.nonzero(page.min(axis=2) < 200)
    crop = page[max(0, ys.min() - 60) : ys.max() + 60, max(0, xs.min() - 60) : xs.max() + 60]
    scan = degrade(crop, random.Random(7), "scan")
    cv2.imwrite(str(fixtures / "t2_scan.jpg"), cv2.cvtColor(scan, cv2.COLOR_RGB2GRAY), [cv2.IMWRITE_JPEG_QUALITY, 70])
    write_t4_fixture(fixtures, gold)


def write_t4_fixture(fixtures: Path, gold: dict) -> None:
    """A degraded JPEG scan of seed 000's table 4 with one number changed (未经复议直接起诉 总计 printed
    3, its parts 0: T4-SUM fails as printed) and one cell printed blank: tests/test_audit_html.py."""
    import cv2
    import numpy as np

    cells = {k: v for k, v in gold["cells"].items() if k.startswith("t4.")}
    cells["t4.suit_direct.total"] = 3
    cells["t4.suit_after_review.other"] = None
    page_html = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
                 "<p><b>四、政府信息公开行政复议、行政诉讼情况</b></p>\n" + table4(cells) + "\n</body></html>\n")
    page = pdf_to_images(html_to_pdf(page_html), 200)[0]
    ys, xs = np.nonzero(page.min(axis=2) < 200)
    crop = page[max(0, ys.min() - 60) : ys.max() + 60, max(0, xs.min() - 60) : xs.max() + 60]
    scan = degrade(crop, random.Random(7), "scan")
    cv2.imwrite(str(fixtures / "t4_changed_scan.jpg"), cv2.cvtColor(scan, cv2.COLOR_RGB2GRAY),
                [cv2.IMWRITE_JPEG_QUALITY, 70])


def dump_ocr_text(out: Path) -> None:
    """Ingest every rendered PDF once (OCR for the image-only ones) and keep its text as
    text/<id>-<variant>.txt: gkml predict reads those exactly as it reads the PDFs (the text is
    already normalised), so labelling engines can be compared without running OCR again."""
    from gkml.io.ingest import ingest

    (out / "text").mkdir(parents=True, exist_ok=True)
    for pdf in sorted((out / "pdf").glob("*.pdf")):
        doc = ingest(pdf)
        (out / "text" / f"{pdf.stem}.txt").write_text(doc.text, encoding="utf-8")
        ocr = f"OCR {doc.ocr.pages} pages, confidence {doc.ocr.confidence:.4f}" if doc.ocr else "text layer"
        print(f"{pdf.stem}: {len(doc.text)} chars ({ocr})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "data" / "rendered"))
    ap.add_argument("--synth", type=int, default=3, help="synthetic reports to add (gkml.training.synth, layout html)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fixtures", action="store_true", help="(re)write tests/fixtures/ocr/ and stop")
    ap.add_argument("--ocr-text", action="store_true", help="OCR the rendered set once into OUT/text/*.txt and stop")
    args = ap.parse_args()
    if args.fixtures:
        write_fixtures(ROOT / "tests" / "fixtures" / "ocr")
        return
    out = Path(args.out)
    if args.ocr_text:
        dump_ocr_text(out)
        return
    rng = random.Random(args.seed)
    for path in sorted((ROOT / "samples").glob("*.txt")):
        gold = json.loads((ROOT / "tests" / "fixtures" / f"{path.stem}.gold.json").read_text(encoding="utf-8"))
        n = write_variants(out, path.stem, seed_html(path.read_text(encoding="utf-8"), gold), gold, rng)
        print(f"{path.stem}: {n} pages")
    if args.synth:
        from gkml.training.synth.config import load_config
        from gkml.training.synth.corpus import make_report

        config = {**load_config(), "raw": True}
        for i in range(args.synth):
            rec = make_report(i, 1000 + args.seed, config, layout="html")
            gold = {"template": rec["template"], "cells": rec["cells"]}
            n = write_variants(out, f"synth{i:02d}", rec["raw"], gold, rng)
            print(f"synth{i:02d} ({rec['template']}): {n} pages")


if __name__ == "__main__":
    main()
