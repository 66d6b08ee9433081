"""Chinese script normalization with OpenCC (Whisper base mixes in Traditional characters)."""
from __future__ import annotations

import functools
from typing import Callable

from localize.errors import LocalizeError

#: script name -> OpenCC conversion that produces it
SCRIPTS = {"simplified": "t2s", "traditional": "s2t"}
#: the prompt that nudges Whisper towards Simplified characters with punctuation
ZH_PROMPT = "以下是普通话的句子。"


@functools.lru_cache(maxsize=None)
def converter(script: str) -> Callable[[str], str]:
    """A function converting text into ``script`` ("simplified" or "traditional")."""
    if script not in SCRIPTS:
        raise LocalizeError(f"unknown script '{script}' (choose simplified or traditional)")
    import opencc

    return opencc.OpenCC(SCRIPTS[script]).convert


def to_script(text: str, script: str = "simplified") -> str:
    return converter(script)(text)
