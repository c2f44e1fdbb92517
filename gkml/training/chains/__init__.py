"""Training chains: synthetic reports typeset as real documents (DOCX, HTML, PDF by
LibreOffice) and read back by every extractor a report meets before gkml, the gold carried
over onto each extractor's text.

- `typeset` (with `document`, `docx_xml`, `html_page`): a report → DOCX, HTML, PDF;
- `extract`: one function per chain, name → the text that extractor prints;
- `align`: gold spans onto that text (exactly by colour, or by character alignment);
- `corpus`: N reports × chains → records like the synthetic corpus's, one folder per chain.

Nothing here is imported on the inference path.
"""
