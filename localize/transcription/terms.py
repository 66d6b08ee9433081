"""Chinese glossary names restored by pinyin (script conversion: :mod:`localize.chinese`).

Chinese names are not given to the decoder as hotwords (they derailed it, see
``core.decode_options``), so after decoding a run of characters that sounds like a
glossary term (same toneless pinyin, or nearly) is replaced by the term.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from localize.chinese import is_han
from localize.model import Word

#: how alike (0-1, mean over syllables) a run of characters must sound to a glossary term
PINYIN_MATCH = 0.8


def _pinyin(text: str) -> list[str]:
    from pypinyin import lazy_pinyin

    return lazy_pinyin(text)


def sounds_like(heard: Sequence[str], term: Sequence[str]) -> bool:
    """True when two toneless pinyin syllable lists are (nearly) the same."""
    if len(heard) != len(term):
        return False
    scores = [SequenceMatcher(None, a, b).ratio() for a, b in zip(heard, term)]
    exact = sum(a == b for a, b in zip(heard, term))
    return sum(scores) / len(scores) >= PINYIN_MATCH and exact * 2 >= len(term)


def restore_terms(words: list[Word], terms: Sequence[str]) -> list[Word]:
    """Words with runs of characters that sound like a CJK glossary term replaced by it.

    Works character by character across word boundaries; each word keeps its times.
    """
    chars = [(i, c) for i, w in enumerate(words) for c in w.text]
    text = [c for _, c in chars]
    pinyin = [_pinyin(c)[0] if is_han(c) else c for c in text]
    for term in sorted({t for t in terms if t and all(is_han(c) for c in t)}, key=len, reverse=True):
        target, n = _pinyin(term), len(term)
        start = 0
        while start + n <= len(text):
            window = text[start : start + n]
            if (
                all(is_han(c) for c in window)
                and "".join(window) != term
                and sounds_like(pinyin[start : start + n], target)
            ):
                text[start : start + n] = list(term)
                pinyin[start : start + n] = target
                start += n
            else:
                start += 1
    rebuilt = ["" for _ in words]
    for (index, _), char in zip(chars, text):
        rebuilt[index] += char
    return [Word(w.start, w.end, t, w.probability) for w, t in zip(words, rebuilt)]
