"""Hostile inputs made at test time (nothing large is committed): a password-protected PDF, a
decompression-bomb PNG, deep HTML, a long single line; shared by the hostile-input tests and
``scripts/hostile_batch.py``."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

# PDF standard security handler, revision 2 (RC4, 40-bit key): ISO 32000-1, 7.6.3.
_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def encrypted_pdf(text: str = "2023 annual report", user_password: str = "secret", owner_password: str = "owner") -> bytes:
    """A one-page PDF encrypted with a password to open it, as Acrobat's 40-bit RC4 writes it:
    readers ask for ``user_password`` (pdfium opens it with the password)."""
    file_id = hashlib.md5(text.encode()).digest()
    perms = -4
    owner = _rc4(hashlib.md5((owner_password.encode() + _PAD)[:32]).digest()[:5], (user_password.encode() + _PAD)[:32])
    key = hashlib.md5((user_password.encode() + _PAD)[:32] + owner + struct.pack("<i", perms) + file_id).digest()[:5]
    user = _rc4(key, _PAD)

    def seal(num: int, data: bytes) -> bytes:
        return _rc4(hashlib.md5(key + struct.pack("<i", num)[:3] + b"\0\0").digest()[:10], data)

    content = seal(4, f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>" % (owner.hex().encode(), user.hex().encode(), perms),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 6 0 R /ID [<%s> <%s>] >>\n" % (
        len(objects) + 1, file_id.hex().encode(), file_id.hex().encode())
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def bomb_png(width: int = 12_000, height: int = 12_000) -> bytes:
    """A valid greyscale PNG of ``width`` x ``height`` white pixels (144 megapixels by default)
    that is ~100 kB on disk: compressed row by row, never held whole in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    comp, row, parts = zlib.compressobj(9), b"\0" + b"\xff" * width, []
    for _ in range(height):
        parts.append(comp.compress(row))
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def nested_tables(depth: int = 3000) -> bytes:
    """An HTML page of ``depth`` tables nested in each other, the report's row at the bottom."""
    return ("<html><body>" + "<table><tr><td>" * depth + "<table><tr><td>行政许可</td><td>205</td></tr></table>"
            + "</td></tr></table>" * depth + "</body></html>").encode()  # fmt: skip


def single_line(path: Path, megabytes: float, samples: Path) -> int:
    """Write the sample reports, their line breaks made spaces, repeated into one line of
    ``megabytes`` MB of UTF-8 (cut on a character boundary); returns its length in characters."""
    line = " ".join(p.read_text(encoding="utf-8") for p in sorted(samples.glob("*.txt"))).replace("\n", " ")
    size = int(megabytes * 1024 * 1024)
    data = (line * (size // len(line.encode()) + 1)).encode()[:size].decode("utf-8", "ignore")
    path.write_text(data, encoding="utf-8")
    return len(data)


def build_batch(root: Path, samples: Path, line_mb: float = 5.0) -> tuple[list[str], dict[str, str]]:
    """The hostile batch of issue 19 under ``root``: a folder ``reports/`` as a new user's folder
    might hold it, and the paths a user might name beside it. Returns the command-line paths and,
    for each input that must get a record, what it is (by the ``source`` its record will carry);
    the files a scan must skip are ``root/reports/{README.md,.DS_Store,001.gold.json}``."""
    import os
    import shutil
    import socket

    from gkml.io.ingest import source_name

    reports = root / "reports"
    (reports / "2023").mkdir(parents=True)
    cases: dict[str, str] = {}

    def case(path: Path | str, what: str) -> None:
        cases[source_name(path)] = what

    for i, sample in enumerate(sorted(samples.glob("*.txt"))):
        target = (reports / "2023" if i % 2 else reports) / sample.name
        shutil.copy(sample, target)
        case(target, "a real report")
    odd = os.path.join(os.fsencode(reports), b"\xb1\xa8\xb8\xe6-gbk-name.txt")  # 报告 in GBK bytes: not UTF-8
    with open(odd, "wb") as f:
        f.write(samples.joinpath("001_eb0a65417e597162.txt").read_bytes())
    case(os.fsdecode(odd), "a file name that is not UTF-8")
    os.mkfifo(reports / "pipe")
    case(reports / "pipe", "a FIFO")
    (reports / "zero.txt").symlink_to("/dev/zero")
    case(reports / "zero.txt", "a link to /dev/zero")
    (reports / "loop_a.txt").symlink_to("loop_b.txt")
    (reports / "loop_b.txt").symlink_to("loop_a.txt")
    case(reports / "loop_a.txt", "a symlink loop")
    case(reports / "loop_b.txt", "a symlink loop")
    (reports / "gone.pdf").symlink_to("deleted.pdf")
    case(reports / "gone.pdf", "a dangling link")
    (reports / "2023" / "up").symlink_to("..")  # a directory loop: skipped, never walked twice
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(reports / "sock"))
    sock.close()
    case(reports / "sock", "a socket")
    single_line(reports / "one_line_5mb.txt", line_mb, samples)
    case(reports / "one_line_5mb.txt", f"a {line_mb:g} MB single line")
    (reports / "nested.html").write_bytes(nested_tables(3000))
    case(reports / "nested.html", "3,000 nested tables")
    (reports / "locked.pdf").write_bytes(encrypted_pdf())
    case(reports / "locked.pdf", "a password-protected PDF")
    (reports / "poster.png").write_bytes(bomb_png())
    case(reports / "poster.png", "a 144-megapixel PNG")
    text = samples.joinpath("000_7cbeb50e901d1ece.txt").read_bytes()
    (reports / "bad_tail.txt").write_bytes(text + b"\xe6\x8a")  # cut in the middle of a character
    case(reports / "bad_tail.txt", "one bad byte at the end")
    (reports / "empty.txt").write_bytes(b"")
    case(reports / "empty.txt", "an empty file")
    (reports / "README.md").write_text("# My reports\nDownloaded 2024.\n", encoding="utf-8")
    (reports / ".DS_Store").write_bytes(b"\0\0\0\1Bud1" + bytes(100))
    (reports / "001.gold.json").write_text("{}", encoding="utf-8")
    named = [str(reports), "/dev/zero", str(reports / "README.md"), str(root / "missing.txt")]
    case("/dev/zero", "/dev/zero named")
    case(reports / "README.md", "README.md named explicitly")
    case(root / "missing.txt", "a path that does not exist")
    return named, cases
