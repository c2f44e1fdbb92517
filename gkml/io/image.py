"""A page image (PNG, JPEG, TIFF, possibly several frames) → its text, read by OCR (`gkml.io.ocr`)."""

from __future__ import annotations

from gkml.io.document import IngestError, OcrInfo, PageBox


def image_text(data: bytes) -> tuple[str, OcrInfo, list[PageBox | None]]:
    """The layout text OCR reads from every frame of the image, what OCR made of it, and where each
    character was printed (frame, box in pixels of the image)."""
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
    boxes = list(got.boxes)
    return got.text, OcrInfo(boxes, got.pages, got.confidence, list(got.char_scores)), boxes
