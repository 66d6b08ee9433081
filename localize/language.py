"""Languages: tags checked and reduced to their base code, names, and the language of a text or a request.

Detection is langdetect's (seeded, so the answer never changes), after a quick look for Chinese.
"""

from __future__ import annotations

import re

from langdetect import DetectorFactory, LangDetectException, detect_langs

from localize.chinese import is_han
from localize.errors import InputError

DetectorFactory.seed = 0

#: ISO 639-1 codes (the codes Argos Translate packages use).
ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
    hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li
    ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa
    pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th
    ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)
#: Languages written without spaces between words.
UNSPACED = frozenset({"zh", "ja", "th", "lo", "km", "my"})


def base_language(tag: str) -> str:
    """``es-419`` -> ``es``; ``zh_Hans`` -> ``zh``. Raises on an unknown language."""
    text = str(tag).strip()
    base = text.replace("_", "-").split("-")[0].lower()
    if base not in ISO_639_1:
        raise InputError(
            f"unknown language code {tag!r} (use an ISO 639-1 code such as en, zh, es, or a tag such as es-419)"
        )
    return base


def is_unspaced(language: str) -> bool:
    return base_language(language) in UNSPACED


#: ISO 639-1 -> (ISO 639-2/T, English name); 3-letter codes pass through.
LANGUAGES = {
    "ar": ("ara", "Arabic"),
    "bn": ("ben", "Bengali"),
    "cs": ("ces", "Czech"),
    "de": ("deu", "German"),
    "el": ("ell", "Greek"),
    "en": ("eng", "English"),
    "es": ("spa", "Spanish"),
    "fa": ("fas", "Persian"),
    "fi": ("fin", "Finnish"),
    "fr": ("fra", "French"),
    "he": ("heb", "Hebrew"),
    "hi": ("hin", "Hindi"),
    "hu": ("hun", "Hungarian"),
    "id": ("ind", "Indonesian"),
    "it": ("ita", "Italian"),
    "ja": ("jpn", "Japanese"),
    "ko": ("kor", "Korean"),
    "ms": ("msa", "Malay"),
    "nl": ("nld", "Dutch"),
    "no": ("nor", "Norwegian"),
    "pl": ("pol", "Polish"),
    "pt": ("por", "Portuguese"),
    "ro": ("ron", "Romanian"),
    "ru": ("rus", "Russian"),
    "sv": ("swe", "Swedish"),
    "sw": ("swa", "Swahili"),
    "ta": ("tam", "Tamil"),
    "th": ("tha", "Thai"),
    "tl": ("tgl", "Tagalog"),
    "tr": ("tur", "Turkish"),
    "uk": ("ukr", "Ukrainian"),
    "ur": ("urd", "Urdu"),
    "vi": ("vie", "Vietnamese"),
    "zh": ("zho", "Chinese"),
}


def iso639_2(language: str | None) -> str:
    """``en`` / ``en-US`` / ``eng`` -> ``eng``; unknown or missing -> ``und``."""
    code = (language or "").lower().replace("_", "-").split("-")[0]
    if len(code) == 3:
        return code
    return LANGUAGES.get(code, ("und", ""))[0]


def language_name(language: str | None) -> str:
    code = (language or "").lower().replace("_", "-").split("-")[0]
    return LANGUAGES.get(code, ("", code or "Unknown language"))[1]


#: languages ``transcribe(language="auto")`` chooses between
AUTO_LANGUAGES = ("zh", "en")


def parse_language(language: str | None) -> tuple[str | None, tuple[str, ...]]:
    """(fixed language or None, languages auto-detection may choose)."""
    text = (language or "auto").strip().lower()
    if text == "auto":
        return None, AUTO_LANGUAGES
    from faster_whisper.tokenizer import _LANGUAGE_CODES  # Whisper's languages

    codes = tuple(c.strip() for c in text.split(",") if c.strip())
    if not codes or not set(codes) <= set(_LANGUAGE_CODES):
        raise InputError(
            f"bad language '{language}': use a Whisper language code like zh or en, 'auto', or a list like zh,en,ja"
        )
    return (codes[0], codes) if len(codes) == 1 else (None, codes)


KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")


def looks_chinese(text: str) -> bool:
    """True when Han characters are over 30% of ``text``'s non-space characters and it has no kana or hangul."""
    return sum(map(is_han, text)) > 0.3 * len("".join(text.split())) and not KANA_HANGUL.search(text)


#: langdetect's Chinese codes folded to the toolkit's codes.
ALIASES = {"zh-cn": "zh", "zh-tw": "zh"}


def detect_language(text: str, allowed: set[str] | None = None) -> str | None:
    """ISO 639-1 code of ``text`` (``zh`` for Chinese), or None when it cannot tell.

    Text that :func:`looks_chinese` is ``zh`` at once; with ``allowed``, the most probable language from that set
    is returned.
    """
    sample = text[:20_000]
    if not sample.strip():
        return None
    if (allowed is None or "zh" in allowed) and looks_chinese(text):
        return "zh"  # Han without kana or hangul: skip the slower statistical detector
    try:
        candidates = detect_langs(sample)
    except LangDetectException:
        return None
    for candidate in candidates:
        code = ALIASES.get(candidate.lang, candidate.lang)
        if allowed is None or code in allowed:
            return code
    return None
