"""Market profiles: what one target market needs, read from a small TOML file.

A market names its target language and script, the subtitle timing profile, glossary
layers, dub voice and loudness, the subtitle formats to write and how to mux. Built-in
profiles live in ``localize/data/markets/<code>.toml``; any other TOML file with the
same layout is a user-defined market (pass its path wherever a market code goes).
"""
from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from localize.errors import ConfigError, LocalizeError
from localize.paths import language_tag

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

def _is_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(_is_str(v) for v in value)


def _is_str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(_is_str(k) and _is_str(v) for k, v in value.items())


def _is_cover(value: Any) -> bool:
    from localize.delivery import COVERS

    return isinstance(value, str) and value in COVERS


def _number(low: float, high: float) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and low <= value <= high

    return check


BUILTIN_DIR = Path(__file__).resolve().parent.parent / "data" / "markets"
SUBTITLE_FORMATS = ("srt", "vtt", "ttml", "ass", "json")
TRANSLATE_ENGINES = ("argos", "llm")


@dataclass(frozen=True)
class MarketProfile:
    """One target market. ``glossaries`` are absolute paths, resolved at load time."""

    code: str
    name: str
    language: str
    script: str | None = None
    profile: str = "en"
    fallback_profile: str | None = None
    formats: tuple[str, ...] = ("srt",)
    glossaries: tuple[str, ...] = ()
    voice: str | None = None
    voices: dict[str, str] = field(default_factory=dict)
    loudness: float = -16.0
    true_peak: float = -1.0
    max_speed: float = 1.3
    mux: bool = True
    mux_subtitles: tuple[str, ...] = ("srt",)
    translate_engine: str = "argos"
    translate_model: str | None = None
    burn: bool = False
    burn_cover: str = "blur"
    burn_style: str | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("path")
        return data


def builtin_codes() -> list[str]:
    """The codes of the built-in markets, sorted."""
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.toml"))


def load_market(code_or_path: str | Path) -> MarketProfile:
    """A built-in market by code (``es-419``) or a user-defined one by TOML path."""
    text = str(code_or_path)
    builtin = BUILTIN_DIR / f"{text}.toml"
    if "/" not in text and not text.endswith(".toml") and builtin.is_file():
        return _parse(builtin)
    path = Path(text)
    if path.is_file():
        return _parse(path)
    known = ", ".join(builtin_codes())
    raise ConfigError(f"unknown market {text!r} (built-in: {known}; or give a .toml file)")


def load_markets(spec: str | list[str] | tuple[str, ...]) -> list[MarketProfile]:
    """Markets from ``"en-US,es-419"`` or a list; duplicates are an error."""
    items = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    markets = [m if isinstance(m, MarketProfile) else load_market(m) for m in items if str(m).strip()]
    if not markets:
        raise ConfigError("no markets given (e.g. --markets en-US,es-419)")
    codes = [m.code for m in markets]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ConfigError(f"market given twice: {', '.join(duplicates)}")
    return markets


def _parse(path: Path) -> MarketProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not a valid market profile ({error})") from None
    _check_schema(data, path)
    return _build(data, path)


#: section -> key -> (type check, what the message says it must be); ``required`` keys below
SCHEMA: dict[str, dict[str, tuple[Callable[[Any], bool], str]]] = {
    "market": {"code": (_is_str, "a language tag such as es-419"), "name": (_is_str, "a string"),
               "language": (_is_str, "a language tag such as es"), "script": (_is_str, "a script code such as Latn")},
    "subtitles": {"profile": (_is_str, "a profile name or .toml path"),
                  "fallback_profile": (_is_str, "a profile name or .toml path"),
                  "formats": (_is_str_list, f"a list of formats ({', '.join(SUBTITLE_FORMATS)})")},
    "glossary": {"layers": (_is_str_list, "a list of glossary paths")},
    "dub": {"voice": (_is_str, "a voice spec such as espeak:es"), "voices": (_is_str_map, "a table of speaker = voice"),
            "loudness": (_number(-70, -5), "a number of LUFS from -70 to -5"),
            "true_peak": (_number(-20, 0), "a number of dBTP from -20 to 0"),
            "max_speed": (_number(1, 4), "a number from 1 to 4")},
    "translate": {"engine": (lambda v: v in TRANSLATE_ENGINES, f"one of {', '.join(TRANSLATE_ENGINES)}"),
                  "model": (_is_str, "a model name")},
    "mux": {"enabled": (_is_bool, "true or false"),
            "subtitles": (_is_str_list, f"a list of formats ({', '.join(SUBTITLE_FORMATS)})")},
    "burn": {"enabled": (_is_bool, "true or false"),
             "cover": (_is_cover, "one of auto, blur, box, inpaint, none"),
             "style": (_is_str, "a string of ASS style overrides such as \"Fontsize=72,MarginV=300\"")},
}
REQUIRED = (("market", "code"), ("market", "language"))


def _check_schema(data: dict[str, Any], path: Path) -> None:
    """Every section and key known and of the right type; one line naming file and key otherwise."""
    for section, values in data.items():
        if section not in SCHEMA:
            raise ConfigError(f"{path}: unknown section [{section}] (known: {', '.join(SCHEMA)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
        for key, value in values.items():
            if key not in SCHEMA[section]:
                raise ConfigError(f"{path}: unknown key '{key}' in [{section}] (known: {', '.join(SCHEMA[section])})")
            check, expected = SCHEMA[section][key]
            if not check(value):
                raise ConfigError(f"{path}: [{section}] {key} must be {expected}, got {value!r}")
    for section, key in REQUIRED:
        if key not in data.get(section, {}):
            raise ConfigError(f"{path}: [{section}] {key} is required")
    for key in ("code", "language"):
        try:
            language_tag(data["market"][key])
        except LocalizeError:
            raise ConfigError(f"{path}: [market] {key} must be a language tag such as es-419, got {data['market'][key]!r}") from None
    if "model" in data.get("translate", {}) and data["translate"].get("engine") != "llm":
        raise ConfigError(f'{path}: [translate] model is for engine = "llm"')
    for key in ("formats",):
        unknown = [f for f in data.get("subtitles", {}).get(key, []) if f not in SUBTITLE_FORMATS]
        if unknown:
            raise ConfigError(f"{path}: [subtitles] formats: unknown format {unknown[0]!r}; use {', '.join(SUBTITLE_FORMATS)}")


def _build(data: dict[str, Any], path: Path) -> MarketProfile:
    market, subs = data["market"], data.get("subtitles", {})
    dub, mux = data.get("dub", {}), data.get("mux", {})
    return MarketProfile(
        code=market["code"],
        name=market.get("name", market["code"]),
        language=market["language"],
        script=market.get("script"),
        profile=_profile_ref(subs.get("profile", "en"), path),
        fallback_profile=_profile_ref(subs["fallback_profile"], path) if "fallback_profile" in subs else None,
        formats=tuple(subs.get("formats", ["srt"])),
        glossaries=tuple(str((path.parent / layer).resolve()) for layer in data.get("glossary", {}).get("layers", [])),
        voice=dub.get("voice"),
        voices=dict(dub.get("voices", {})),
        loudness=float(dub.get("loudness", -16.0)),
        true_peak=float(dub.get("true_peak", -1.0)),
        max_speed=float(dub.get("max_speed", 1.3)),
        mux=mux.get("enabled", True),
        mux_subtitles=tuple(mux.get("subtitles", ["srt"])),
        translate_engine=data.get("translate", {}).get("engine", "argos"),
        translate_model=data.get("translate", {}).get("model"),
        **_burn_settings(data.get("burn", {})),
        path=str(path.resolve()),
    )


def _burn_settings(section: dict[str, Any]) -> dict[str, Any]:
    """``[burn]`` (types checked by :data:`SCHEMA`) as MarketProfile fields."""
    return {"burn": section.get("enabled", False), "burn_cover": section.get("cover", "blur"),
            "burn_style": section.get("style")}


def _profile_ref(value: str, path: Path) -> str:
    """A timing profile name as is; a ``.toml`` file relative to the market file."""
    return str((path.parent / value).resolve()) if str(value).endswith(".toml") else str(value)
