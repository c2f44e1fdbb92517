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


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 with BOM, GB18030 or Big5.

    Valid UTF-8 with non-ASCII bytes is almost never an accident, so it wins over a
    declared charset; between GB18030 and Big5 the decode with more common characters wins.
    """
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                raise IngestError(f"cannot decode: starts with a {enc} byte-order mark but is not {enc}") from None
    if b"\x00" in data or len(data[:65536].translate(None, _CONTROL)) < 0.95 * len(data[:65536]):
        raise IngestError("binary file, not text (NUL or control bytes): unsupported input type")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    first = _LEGACY.get((declared or "").lower())
    best = None
    for enc in dict.fromkeys([first, "gb18030", "big5", "cp950"]):
        if enc is None:
            continue
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        score = sum(c in _COMMON for c in text) / max(1, sum(not c.isascii() for c in text))
        if best is None or score > best[0]:
            best = (score, text, enc)
    if best is None or best[0] == 0:
        raise IngestError("cannot decode: not UTF-8, GB18030 or Big5")
    return best[1], best[2]


_META_CHARSET = re.compile(rb"<meta[^>]*charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-]+)", re.I)


def meta_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a <meta> tag near its start, if any (a hint for `decode`)."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii") if m else None
