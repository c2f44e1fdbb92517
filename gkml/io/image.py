"""A page image (PNG, JPEG, TIFF, possibly several frames) → its text, read by OCR (`gkml.io.ocr`)."""

from __future__ import annotations

from gkml.io.document import IngestError, OcrInfo


def image_text(data: bytes) -> tuple[str, OcrInfo]:
    """The layout text OCR reads from every frame of the image, and where each character was printed."""
    from gkml.io import ocr  # numpy and the OCR engine load only when an input needs them

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
