"""The ASS style of burned-in subtitles: the Noto font of a language, right-to-left scripts, checked overrides."""

from __future__ import annotations

import re
from typing import Any

import pysubs2

from localize.errors import InputError

#: Noto families (Debian fonts-noto-cjk, fonts-noto-core) by target language
FONTS = {
    "zh": "Noto Sans CJK SC",
    "ja": "Noto Sans CJK JP",
    "ko": "Noto Sans CJK KR",
    "th": "Noto Sans Thai",
    "ar": "Noto Sans Arabic",
    "fa": "Noto Sans Arabic",
    "ur": "Noto Sans Arabic",
    "he": "Noto Sans Hebrew",
    "yi": "Noto Sans Hebrew",
}
DEFAULT_FONT = "Noto Sans"
#: languages written right to left: libass gets an automatic base direction, each line an RLM
RTL = ("ar", "fa", "ur", "he", "yi")
RLM = "\u200f"
PLAY_HEIGHT = 1920
#: ASS style fields ``style`` may set, with the values each accepts: a range (in px of the
#: 1920-px play height where it is a size; None: relative to the play width), a set, or a kind
RANGES: dict[str, Any] = {
    "Fontname": "font",
    "Fontsize": (16, PLAY_HEIGHT // 8),
    "PrimaryColour": "colour",
    "SecondaryColour": "colour",
    "OutlineColour": "colour",
    "BackColour": "colour",
    "Bold": {0, 1, -1},
    "Italic": {0, 1, -1},
    "Underline": {0, 1, -1},
    "StrikeOut": {0, 1, -1},
    "ScaleX": (50, 200),
    "ScaleY": (50, 200),
    "Spacing": (-5, 20),
    "Angle": (-45, 45),
    "BorderStyle": {1, 3},
    "Outline": (0, 20),
    "Shadow": (0, 20),
    "Alignment": set(range(1, 10)),
    "MarginL": None,
    "MarginR": None,
    "MarginV": (0, PLAY_HEIGHT // 2),
}
STYLE_FIELDS = tuple(RANGES)
#: style keys that place the subtitles themselves (else they go where the source ones were)
PLACING = ("Alignment", "MarginV")
COLOUR = re.compile(r"&H([0-9A-Fa-f]{2})?([0-9A-Fa-f]{6})&?")


def font_for(language: str | None) -> str:
    """The Noto family that covers ``language``'s script."""
    return FONTS.get(base_language(language), DEFAULT_FONT)


def base_language(language: str | None) -> str:
    return (language or "").lower().split("-")[0]


def ass_style(
    font: str, style: str | None, language: str | None, play_res: tuple[int, int]
) -> tuple[pysubs2.SSAStyle, bool]:
    """The vertical ASS style in ``font`` with the caller's checked overrides; whether they place the text."""
    from localize.formats.ass import vertical_style

    result = vertical_style(cjk=False)
    result.fontname = font
    # -1: libass takes each line's base direction from its first strong character, as players do
    # (a Hebrew line in an English track ends on the left too); RTL tracks also start each line with an RLM
    result.encoding = -1
    keys = set()
    for item in (part.strip() for part in (style or "").split(",")):
        if not item:
            continue
        key, _, value = (text.strip() for text in item.partition("="))
        if key not in RANGES or not value:
            raise InputError(f"bad style {item!r}: use Key=Value with keys from {', '.join(STYLE_FIELDS)}")
        _set(result, key, _checked(key, value, play_res))
        keys.add(key)
    if result.marginl + result.marginr > play_res[0] // 2:
        raise InputError(
            f"bad style: MarginL + MarginR = {result.marginl + result.marginr} leaves too little width; "
            f"keep them within half the {play_res[0]}-px play width"
        )
    return result, bool(keys & set(PLACING))


def _checked(key: str, value: str, play_res: tuple[int, int]) -> Any:
    """``value`` of style ``key`` parsed and range-checked, else a one-line :class:`InputError`."""
    kind = RANGES[key]
    if kind == "font":
        if not value.isprintable():
            raise InputError(f"bad style {key}={value!r}: a font family name")
        return value
    if kind == "colour":
        match = COLOUR.fullmatch(value)
        if not match:
            raise InputError(f"bad style {key}={value}: an ASS colour, &HBBGGRR or &HAABBGGRR (e.g. &H00FFFFFF)")
        alpha, bgr = match.group(1) or "00", match.group(2)
        return pysubs2.Color(int(bgr[4:6], 16), int(bgr[2:4], 16), int(bgr[0:2], 16), int(alpha, 16))
    low, high = (0, play_res[0] // 2) if kind is None else (min(kind), max(kind)) if isinstance(kind, set) else kind
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    allowed = number in kind if isinstance(kind, set) else low <= number <= high
    if not allowed:
        what = ", ".join(map(str, sorted(kind))) if isinstance(kind, set) else f"a number from {low} to {high}"
        unit = " (px of the 1920-px-high play frame, scaled to the video)" if key.startswith(("Font", "Margin")) else ""
        raise InputError(f"bad style {key}={value}: {key} must be {what}{unit}")
    return number


def _set(result: pysubs2.SSAStyle, key: str, value: Any) -> None:
    names = {
        "PrimaryColour": "primarycolor",
        "SecondaryColour": "secondarycolor",
        "OutlineColour": "outlinecolor",
        "BackColour": "backcolor",
        "StrikeOut": "strikeout",
        "BorderStyle": "borderstyle",
    }
    name = names.get(key, key.lower())
    if key in ("Bold", "Italic", "Underline", "StrikeOut"):
        value = bool(value)
    elif key == "Alignment":
        value = pysubs2.Alignment(int(value))
    elif key.startswith("Margin") or key == "BorderStyle":
        value = int(value)
    setattr(result, name, value)
