"""Synthetic training reports: both templates, every real layout, OCR/scrape noise, exact gold.

The model can only be as good as its training data and real reports are few, so this package
generates as many fully labelled ones as training needs (real reports stay the judge):

- :mod:`~gkml.training.synth.config`  — the corpus mix and noise model, validated;
- :mod:`~gkml.training.synth.values`  — table values by organ level, identities, deliberate breaks;
- :mod:`~gkml.training.synth.prose`   — agencies, dates, headings, sentences and their facts;
- :mod:`~gkml.training.synth.prose_bank` — the sentence bank itself (data);
- :mod:`~gkml.training.synth.tables`  — the standard tables as grids with merged cells;
- :mod:`~gkml.training.synth.content` — one report's outline, before layout;
- :mod:`~gkml.training.synth.writer`  — line layout and the report skeleton every renderer shares;
- :mod:`~gkml.training.synth.layouts` — one renderer per layout (seeds 000–004, HTML), and the
  dispatch; the two PDF-born ones (OCR markdown, PDF text) in :mod:`~gkml.training.synth.pdf_layouts`;
- :mod:`~gkml.training.synth.noise`   — what OCR and scraping do, keeping spans exact;
- :mod:`~gkml.training.synth.corpus`  — records, datasets/JSONL output, stats.
"""

from gkml.training.synth.config import ALL_LAYOUTS, LAYOUTS, NOISE_KINDS, load_config
from gkml.training.synth.corpus import generate, load_records, make_report, save

__all__ = ["ALL_LAYOUTS", "LAYOUTS", "NOISE_KINDS", "generate", "load_config", "load_records", "make_report", "save"]
