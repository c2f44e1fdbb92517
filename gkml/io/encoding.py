"""Bytes → text, with the encoding detected from the bytes, never from the file name.

Report sites serve GBK and Big5 pages under any extension and often declare the wrong charset,
so UTF-8 is tried first, then the legacy Chinese encodings are told apart by what they decode to.
"""

from __future__ import annotations

import re

from gkml.io.document import IngestError

# Very frequent characters, simplified and traditional: decoding Big5 bytes as GB18030 (or the
# reverse) usually succeeds but yields rare characters, so the share of these tells them apart.
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子"
    "说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看"
    "原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员"
    "革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区"
    "强放决西被干做必战先回则任取据处府研书术领导教育报告申请息务项号县镇局办市省委街乡村"
    "這爲個國時來們於對會發動過說產種後學經進電裏現實兩體機當點從業應開還義間樣與關線內數麼質氣變條沒結"
    "問無軍並題黨員總設長頭資邊級圖統較將組見計別論運農幾區強決幹戰則據處書術領導報請務項號縣鎮辦鄉為裡臺著"
)
_LEGACY = {"gb18030": "gb18030", "gbk": "gb18030", "gb2312": "gb18030", "x-gbk": "gb18030",
           "big5": "big5", "big5-hkscs": "big5", "x-x-big5": "big5", "cp950": "big5"}
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\f\r")


# A file is read with U+FFFD in place of its undecodable bytes when they are at most this share
# of its bytes: a download cut in the middle of a character, a stray byte, must not cost the
# whole report; more than that is a wrong guess of the encoding, or not text at all.
MAX_BAD_SHARE = 0.001
_ESCAPED = re.compile("[\udc80-\udcff]")  # the bytes `surrogateescape` could not decode


def decode(data: bytes, declared: str | None = None) -> tuple[str, str, int]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 with BOM, GB18030 or Big5:
    ``(text, encoding, replaced)``, ``replaced`` the number of undecodable bytes read as U+FFFD.

    Valid UTF-8 with non-ASCII bytes is almost never an accident, so it wins over a
    declared charset; between GB18030 and Big5 the decode with more common characters wins.
    Only when no encoding decodes every byte are a few bad bytes (:data:`MAX_BAD_SHARE`) replaced,
    UTF-8 first: the same order, so a report with one broken character reads as it would whole.
    """
    allowed = max(1, int(len(data) * MAX_BAD_SHARE))
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc, 0
            except UnicodeDecodeError:
                text, bad = _lenient(data, enc)
                if bad <= allowed and enc == "utf-8-sig":
                    return text, enc, bad
                raise IngestError(f"cannot decode: starts with a {enc} byte-order mark but is not {enc}") from None
    if b"\x00" in data or len(data[:65536].translate(None, _CONTROL)) < 0.95 * len(data[:65536]):
        raise IngestError("binary file, not text (NUL or control bytes): unsupported input type")
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        pass
    first = _LEGACY.get((declared or "").lower())
    legacy = [enc for enc in dict.fromkeys([first, "gb18030", "big5", "cp950"]) if enc is not None]
    text, bad = _lenient(data, "utf-8")
    # UTF-8 with a few bad bytes among many good multi-byte characters (a download cut mid-character)
    # is UTF-8, even where GB18030 happens to decode every byte into nonsense.
    if bad <= allowed and len(text) - len(text.encode("ascii", "ignore")) >= 2 * bad:
        return text, "utf-8", bad
    best = _best(data, legacy, strict=True)
    if best is not None:
        return best[1], best[2], 0
    if bad <= allowed:
        return text, "utf-8", bad
    best = _best(data, legacy, strict=False, allowed=allowed)
    if best is None:
        raise IngestError("cannot decode: not UTF-8, GB18030 or Big5")
    return best[1], best[2], best[3]


def _lenient(data: bytes, enc: str) -> tuple[str, int]:
    """``data`` decoded with each undecodable byte as U+FFFD, and how many there were."""
    return _ESCAPED.subn("\ufffd", data.decode(enc, "surrogateescape"))


def _best(data: bytes, encodings: list[str], strict: bool, allowed: int = 0) -> tuple[float, str, str, int] | None:
    """The legacy decode with the largest share of common characters (none scoring 0):
    ``(score, text, encoding, replaced)``; with ``strict`` only complete decodes count."""
    best = None
    for enc in encodings:
        if strict:
            try:
                text, bad = data.decode(enc), 0
            except UnicodeDecodeError:
                continue
        else:
            text, bad = _lenient(data, enc)
            if bad > allowed:
                continue
        score = sum(c in _COMMON for c in text) / max(1, sum(not c.isascii() for c in text))
        if best is None or score > best[0]:
            best = (score, text, enc, bad)
    return best if best is not None and best[0] > 0 else None


_META_CHARSET = re.compile(rb"<meta[^>]*charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-]+)", re.I)


def meta_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a <meta> tag near its start, if any (a hint for `decode`)."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii") if m else None
