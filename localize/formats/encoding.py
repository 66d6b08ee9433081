"""Text encoding of subtitle files: BOMs first, then UTF-8, then a statistical guess.

Chinese files arrive in GB2312/GBK/GB18030 or Big5, Western ones in cp1252. GB
guesses decode as GB18030 (a superset of both). ``charset-normalizer`` does the
guessing, limited to the encodings subtitle files really use so that short files
are not mistaken for something exotic.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from localize.errors import InputError, OptionError

BOMS = [  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
#: Encodings subtitle files really use, in order of preference when bytes fit several.
CANDIDATES = ["gb18030", "big5", "cp1252", "utf_16_le", "utf_16_be", "shift_jis", "euc_kr", "cp1251", "cp1250"]
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "ascii": "utf-8", "latin_1": "cp1252"}


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode subtitle bytes; return (text without BOM, encoding name)."""
    if encoding:
        return _decode_as(data, encoding), encoding
    for bom, name in BOMS:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], name), f"{name} (BOM)"
    try:
        return _checked(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = from_bytes(data, cp_isolation=CANDIDATES).best()
    if guess is None:
        raise InputError("not a text subtitle file (binary data or unknown encoding; try --encoding)")
    fitting = {guess.encoding, *guess.could_be_from_charset}
    preferred = next((name for name in CANDIDATES if name in fitting), guess.encoding)
    name = SUPERSETS.get(preferred, preferred)
    return _decode_as(data, name), name


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise OptionError(f"unknown encoding '{encoding}'") from None
    try:
        return _checked(data.decode(encoding))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(f"line {line}: cannot be decoded as {encoding}") from None


def _checked(text: str) -> str:
    """Reject decoded text that is really binary (NULs or many control characters)."""
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise InputError("not a text subtitle file (binary data)")
    return text.lstrip("\ufeff")
