"""Chinese script: Simplified or Traditional characters (OpenCC) and full-width punctuation after Han.

Whisper base mixes Traditional characters into Mandarin output, so every zh transcript goes through OpenCC;
the hardsub reader puts its OCR text through the same conversion.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from localize.errors import OptionError

#: script name -> OpenCC conversion that produces it
SCRIPTS = {"simplified": "t2s", "traditional": "s2t"}


@functools.cache
def converter(script: str) -> Callable[[str], str]:
    """A function converting text into ``script`` ("simplified" or "traditional")."""
    if script not in SCRIPTS:
        raise OptionError(f"unknown script '{script}' (choose simplified or traditional)")
    import opencc

    return opencc.OpenCC(SCRIPTS[script]).convert


def to_script(text: str, script: str = "simplified") -> str:
    return converter(script)(text)


#: ASCII punctuation Whisper prints in Chinese text -> the full-width form
FULL_WIDTH = str.maketrans({",": "，", "?": "？", "!": "！", ":": "：", ";": "；"})


def chinese_text(text: str, script: str = "simplified") -> str:
    """Text in ``script`` with full-width punctuation after Han characters."""
    text = to_script(text, script)
    return "".join(c.translate(FULL_WIDTH) if i and is_han(text[i - 1]) else c for i, c in enumerate(text))


def is_han(char: str) -> bool:
    """True for a Han ideograph (CJK Unified Ideographs and Extension A)."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"
