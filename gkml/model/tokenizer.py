"""The character tokenizer: one token per character, digits included, with offsets.

Why characters: table numbers must be read digit by digit ("20" must never be split
into "2" | "0" by a sub-word vocabulary, nor merged with its neighbour), OCR noise
breaks words anyway, and a character vocabulary is small enough for a tiny CPU model.

How: a WordPiece model whose every word is one character (a Split pre-tokenizer isolates
each character). Whitespace is read too, because a table cell printed as nothing is
nothing but whitespace ("规章 |  | 3 |", an empty line among one-cell lines): every line
break is a ``"\n"`` token, and every run of other whitespace one ``" "`` token at the
offsets of the run's first character (the normaliser deletes the rest of the run). The
NFKC normaliser folds full-width digits, compatibility ideographs and Kangxi radicals onto
the ordinary characters with their offsets kept; the few characters NFKC expands (``…`` →
``...``) give several tokens that all carry the offsets of the one original character,
which :func:`gkml.training.data.token_labels` handles (only the first is labelled). A character not in
the vocabulary becomes ``[UNK]`` at its own offsets, so nothing shifts.

The tokenizer is saved as a plain ``tokenizer.json`` backend (``TokenizersBackend``) so
``AutoTokenizer.from_pretrained`` reloads exactly this pipeline: saved as a
``BertTokenizer``, transformers 5 would rebuild BERT's own normaliser and word splitter
on load, and digits would be grouped again.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
WHITESPACE_TOKENS = (" ", "\n")  # a run of spaces, a line break
VERY_LARGE = 10**9  # model_max_length: windowing is ours, so no truncation warning from transformers


def normalize_char(ch: str) -> str:
    """What the tokenizer's NFKC normaliser makes of one character (vocabulary entries
    must be normalised, or they could never be matched)."""
    return unicodedata.normalize("NFKC", ch)


def gb2312_chars(level: int = 1) -> list[str]:
    """The GB 2312 hanzi: level 1 = the 3,755 most frequent characters, level 2 = 3,008
    more. Read from Python's own codec, so this frequency list needs no download."""
    rows = range(0xB0, 0xD8) if level == 1 else range(0xD8, 0xF8)
    out = []
    for hi in rows:
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # the few unassigned code points at the end of a row
    return out


def schema_chars() -> set[str]:
    """Every character of the template's fixed text: table row and column labels and
    section titles, which must never be [UNK]."""
    from gkml.schema import CELLS, SECTION_TITLES

    text = "".join(c.row_zh + c.col_zh for c in CELLS.values()) + "".join(SECTION_TITLES.values())
    return set(text) | set("一二三四五六七八九十百千万亿零〇两余多近约共计（）()、：:；;，,。.%％—-/|")


def common_chars(which: str) -> set[str]:
    """ASCII plus the common-character list named in the config (none, gb2312-1, gb2312)."""
    chars = {chr(c) for c in range(0x21, 0x7F)}
    if which in ("gb2312-1", "gb2312"):
        chars |= set(gb2312_chars(1))
    if which == "gb2312":
        chars |= set(gb2312_chars(2))
    return chars


def build_vocab(texts: Iterable[str], min_freq: int = 1, common: str = "gb2312-1") -> dict[str, int]:
    """Special tokens, the two whitespace tokens, then every other character (normalised)
    of the corpus seen ``min_freq`` times or more, of the schema, and of the common list, in
    code point order so the same inputs always give the same ids."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(text)
    chars = {c for c, n in counts.items() if n >= min_freq} | schema_chars() | common_chars(common)
    normalised: set[str] = set()
    for c in chars:
        normalised.update(normalize_char(c))
    normalised = {c for c in normalised if not c.isspace() and c not in SPECIAL_TOKENS}
    return {t: i for i, t in enumerate([*SPECIAL_TOKENS, *WHITESPACE_TOKENS, *sorted(normalised)])}


def make_tokenizer(vocab: dict[str, int]):
    """A transformers fast tokenizer over ``vocab`` (see the module docstring)."""
    from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece
    from transformers import PreTrainedTokenizerFast

    for tok in (*SPECIAL_TOKENS, *WHITESPACE_TOKENS):
        if tok not in vocab:
            raise ValueError(f"vocabulary lacks the token {tok!r}")
    backend = Tokenizer(WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    backend.normalizer = normalizers.Sequence(
        [
            normalizers.NFKC(),
            normalizers.Replace(Regex(r"(?<=[^\S\n])[^\S\n]+"), ""),  # a run of spaces keeps its first
            normalizers.Replace(Regex(r"[^\S\n]"), " "),  # tab, CR, no-break space … read as a space
        ]
    )
    backend.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=VERY_LARGE,
    )


def build_tokenizer(texts: Iterable[str], min_freq: int = 1, common: str = "gb2312-1"):
    """The tokenizer for a training corpus: :func:`build_vocab` + :func:`make_tokenizer`."""
    return make_tokenizer(build_vocab(texts, min_freq=min_freq, common=common))
