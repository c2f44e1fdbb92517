"""Reading is bounded whatever the input: only regular files, never more than the size limit plus
one byte, a character limit, an image pixel limit, clear messages for what cannot be read, and a
few bad bytes read with a warning instead of costing the report."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from conftest import SAMPLES
from hostile_support import bomb_png, encrypted_pdf, nested_tables

from gkml.io.document import IngestError
from gkml.io.encoding import decode
from gkml.io.ingest import ingest, read_limited, source_name

SEED000 = SAMPLES / "000_7cbeb50e901d1ece.txt"


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(IngestError, match=r"not a regular file: a named pipe \(FIFO\)"):
        ingest(fifo)  # opening it to read would wait for a writer forever


def test_a_fifo_swapped_in_after_the_check_is_refused_once_open(tmp_path):
    """The type is checked again on the open descriptor: a FIFO with a writer that never stops
    is refused, not read."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    stop = threading.Event()

    def writer():
        with open(fifo, "wb") as f:
            while not stop.is_set():
                try:
                    f.write(b"x" * 65536)
                except BrokenPipeError:
                    return

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    fd = os.open(fifo, os.O_RDONLY)  # the writer is open now; refused by fstat all the same
    try:
        with pytest.raises(IngestError, match="named pipe"):
            read_limited(f"/proc/self/fd/{fd}", max_bytes=1000)
    finally:
        stop.set()
        os.close(fd)


def test_devices_sockets_and_links_say_what_they_are(tmp_path):
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    (tmp_path / "gone.pdf").symlink_to("deleted.pdf")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    sock.close()
    with pytest.raises(IngestError, match="not a regular file: a character device"):
        ingest("/dev/zero")
    with pytest.raises(IngestError, match="not a regular file: a character device"):
        ingest(tmp_path / "zero.txt")
    with pytest.raises(IngestError, match="symbolic link loop"):
        ingest(tmp_path / "a")
    with pytest.raises(IngestError, match="dangling symbolic link: .*gone.pdf points to deleted.pdf"):
        ingest(tmp_path / "gone.pdf")
    with pytest.raises(IngestError, match="not a regular file: a socket"):
        ingest(tmp_path / "sock")
    with pytest.raises(IngestError, match="is a directory"):
        ingest(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file: there is no permission to deny")
def test_an_unreadable_file_says_so(tmp_path):
    f = tmp_path / "locked.txt"
    f.write_text("一、总体情况", encoding="utf-8")
    f.chmod(0)
    with pytest.raises(IngestError, match="permission denied"):
        ingest(f)


def test_never_more_than_the_limit_plus_one_byte_whatever_the_size_says():
    """/proc files say they are empty and are not: what is read counts, not what stat says."""
    assert os.stat("/proc/self/maps").st_size == 0
    data = read_limited("/proc/self/maps", max_bytes=10**6)
    assert len(data) > 0
    with pytest.raises(IngestError, match="file too large: more than 64 bytes"):
        read_limited("/proc/self/maps", max_bytes=64)


def test_a_name_that_is_not_utf8_is_read_and_named_escaped(tmp_path):
    raw = os.path.join(os.fsencode(tmp_path), b"\xb1\xa8\xb8\xe6\\x.txt")  # 报告 in GBK, then a backslash
    with open(raw, "wb") as f:
        f.write(SEED000.read_bytes())
    path = os.fsdecode(raw)
    doc = ingest(path)
    assert doc.source == f"{tmp_path}/\\xb1\\xa8\\xb8\\xe6\\\\x.txt"
    doc.source.encode("utf-8")  # writable as JSON
    assert source_name(str(SEED000)) == str(SEED000)  # a UTF-8 name is kept as it is


def test_a_few_bad_bytes_are_replaced_with_a_warning(tmp_path):
    good = SEED000.read_bytes()
    cut = tmp_path / "cut.txt"
    cut.write_bytes(good + "况".encode()[:2])  # a download cut in the middle of its last character
    doc = ingest(cut)
    assert doc.text.endswith("\ufffd\ufffd") and doc.encoding == "utf-8"
    assert doc.warnings == [f"2 undecodable byte(s) of {len(good) + 2} read as U+FFFD (decoded as utf-8)"]
    assert ingest(SEED000).warnings == []
    gbk = SEED000.read_text(encoding="utf-8").encode("gb18030")
    cut_at = gbk.index(b"\n") + 1  # a stray byte at the start of the second line
    text, encoding, replaced = decode(gbk[:cut_at] + b"\xff" + gbk[cut_at:])
    assert (encoding, replaced) == ("gb18030", 1) and "南丰镇" in text
    with pytest.raises(IngestError, match="cannot decode"):  # mostly undecodable: a wrong file, not a bad byte
        decode(good[:200] + b"\xff\xfe\x80" * 60)


def test_a_text_longer_than_the_character_limit_is_refused(tmp_path):
    long = tmp_path / "long.txt"
    long.write_text("一、总体情况\n" * 1000, encoding="utf-8")
    with pytest.raises(IngestError, match="text too long: 7,000 characters after normalisation, the limit is 5,000"):
        ingest(long, max_chars=5000)
    with pytest.raises(IngestError, match="characters before normalisation, more than twice the limit"):
        ingest(long, max_chars=3000)
    assert len(ingest(long, max_chars=7000).text) == 7000
    page = tmp_path / "page.html"
    page.write_text("<html><body>" + "<p style='color:red'>一、总体情况</p>" * 100 + "</body></html>", encoding="utf-8")
    with pytest.raises(IngestError, match="page too long: 3,126 characters of HTML, more than five times the limit of 600"):
        ingest(page, max_chars=600)  # refused before it is parsed: parsing costs far more than the text it gives
    assert len(ingest(page, max_chars=800).text) == 700


def test_nested_tables_are_read_without_recursion(tmp_path):
    page = tmp_path / "nested.html"
    page.write_bytes(nested_tables(3000))
    doc = ingest(page)
    assert doc.text.split() == ["行政许可", "205"]  # past 200 deep the innermost table is plain text
    assert doc.warnings and "nested more than 200 elements deep" in doc.warnings[0]


def test_a_password_protected_pdf_says_so(tmp_path):
    pdf = tmp_path / "locked.pdf"
    pdf.write_bytes(encrypted_pdf())
    import pypdfium2

    assert "2023 annual report" in pypdfium2.PdfDocument(str(pdf), password="secret")[0].get_textpage().get_text_range()
    with pytest.raises(IngestError, match="cannot read PDF: it is password-protected"):
        ingest(pdf)


def test_a_decompression_bomb_is_refused_before_it_is_decoded(tmp_path):
    png = tmp_path / "poster.png"
    png.write_bytes(bomb_png(12_000, 12_000))
    assert png.stat().st_size < 1_000_000
    with pytest.raises(IngestError, match=r"image too large: 12000×12000 pixels \(144 megapixels\).*limit is 80"):
        ingest(png)
