"""Reading: one input file → a normalised `Document` with a map back to where each character was printed.

Entry point: `gkml.io.ingest.ingest(path)` sniffs the input kind and calls its reader.

    document    Document, OcrInfo, IngestError: what every reader gives the later stages;
                Document.locate: the page and box where a span of the text is printed
    ingest      the dispatcher: input kind from the bytes, then the reader, then normalise
    encoding    bytes → text (UTF-8, UTF-16, GB18030, Big5 told apart by what they decode to)
    html        HTML page → visible text, table rows as " | " lines, with source offsets
    pdf         PDF → text layer per page (tables as rows), each character's box; junk layers by OCR
    image       page image → text by OCR
    normalise   width, line ends, traditional → simplified, one character for one
    ocr         OCR engine: page images → characters with boxes → layout text and box map;
                pages read in parallel worker processes (`configure`, --ocr-workers)
    ocr_repair  what the recogniser got wrong in a table's cells, put right from the image: a "/"
                read as "1", digits boxed by their ink (numbers of two cells read as one parted),
                dashes printed alone, lone digits the detector passed over
    ocr_layout  OCR characters → prose lines and table rows
    geometry    page image geometry: skew, ruled tables and their cells, lone dashes and glyphs
    columns     tables printed without rules (text layers and OCR): each row cell by cell, from
                where its numbers sit, a cell printed as nothing an empty slot
    reading_order  pages set in two columns (text layers and OCR): the left column read before
                the right

Nothing is imported here: reading a text file must not load numpy, cv2 or the OCR engine.
"""
