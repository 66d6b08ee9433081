"""Language tags: validate them and split off the part a translation model needs."""
from __future__ import annotations

from localize.errors import InputError

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
        raise InputError(f"unknown language code {tag!r} (use an ISO 639-1 code such as en, zh, es, or a tag such as es-419)")
    return base


def is_unspaced(language: str) -> bool:
    return base_language(language) in UNSPACED
