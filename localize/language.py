"""Language of a text, detected with langdetect (seeded, so the answer never changes)."""
from __future__ import annotations

from langdetect import DetectorFactory, LangDetectException, detect_langs

DetectorFactory.seed = 0

#: langdetect's Chinese codes folded to the toolkit's codes.
ALIASES = {"zh-cn": "zh", "zh-tw": "zh"}


def detect_language(text: str, allowed: set[str] | None = None) -> str | None:
    """ISO 639-1 code of ``text`` (``zh`` for Chinese), or None when it cannot tell.

    With ``allowed``, the most probable language from that set is returned.
    """
    sample = text[:20_000]
    if not sample.strip():
        return None
    try:
        candidates = detect_langs(sample)
    except LangDetectException:
        return None
    for candidate in candidates:
        code = ALIASES.get(candidate.lang, candidate.lang)
        if allowed is None or code in allowed:
            return code
    return None
