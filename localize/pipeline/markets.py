"""Market profiles: what one target market needs, read from a small TOML file.

A market names its target language and script, the subtitle timing profile, glossary
layers, dub voice and loudness, the subtitle formats to write and how to mux. Built-in
profiles live in ``localize/data/markets/<code>.toml``; any other TOML file with the
same layout is a user-defined market (pass its path wherever a market code goes).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localize.errors import ConfigError, LocalizeError
from localize.paths import language_tag

if TYPE_CHECKING:
    from localize.dubbing import MixOptions, VoiceOptions
    from localize.translation import TranslationOptions

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


def _is_voice(value: Any) -> bool:
    """A voice spec whose prefix names a registered text-to-speech backend."""
    return _is_str(value) and value.partition(":")[0] in _voice_backends() and bool(value.partition(":")[2])


def _is_voice_map(value: Any) -> bool:
    return _is_str_map(value) and all(_is_voice(v) for v in value.values())


def _voice_backends() -> list[str]:
    from localize.dubbing.voices import BACKENDS

    return list(BACKENDS)


def _covers() -> tuple[str, ...]:
    from localize.delivery import COVERS

    return COVERS


def subtitle_formats() -> list[str]:
    """The registered subtitle formats (:mod:`localize.formats`): what ``formats`` may name."""
    from localize.formats import FORMATS

    return list(FORMATS)


def translate_engines() -> list[str]:
    """The registered translation engines (:mod:`localize.translation.backends`)."""
    from localize.translation.backends import BACKENDS

    return list(BACKENDS)


def _one_of(names: Callable[[], Sequence[str]]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and value in names()


def _number(low: float, high: float) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and low <= value <= high
        )

    return check


BUILTIN_DIR = Path(__file__).resolve().parent.parent / "data" / "markets"


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

    def voice_options(self, title: str | Path | None = None) -> VoiceOptions:
        """The dub's voices for this market; ``title``: the title folder (speaker registry, speakers.toml)."""
        from localize.dubbing import VoiceOptions

        return VoiceOptions(self.voice, dict(self.voices), title=title, market=self.code)

    def mix_options(self) -> MixOptions:
        """The dub's loudness, true-peak ceiling and speed cap for this market."""
        from localize.dubbing import MixOptions

        return MixOptions(self.loudness, self.true_peak, max_speed=self.max_speed)

    def translation_options(self, profile: str | Path | None = None, context: str = "") -> TranslationOptions:
        """This market's translation engine and model; ``profile`` sets the character budgets."""
        from localize.translation import TranslationOptions

        return TranslationOptions(self.translate_engine, self.translate_model, context, profile)


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


#: section -> key -> (type check, what the message says it must be); ``required`` keys below. Lists
#: that come from a registry are read when checked, so an engine or format registered later counts.
SCHEMA: dict[str, dict[str, tuple[Callable[[Any], bool], str | Callable[[], str]]]] = {
    "market": {
        "code": (_is_str, "a language tag such as es-419"),
        "name": (_is_str, "a string"),
        "language": (_is_str, "a language tag such as es"),
        "script": (_is_str, "a script code such as Latn"),
    },
    "subtitles": {
        "profile": (_is_str, "a profile name or .toml path"),
        "fallback_profile": (_is_str, "a profile name or .toml path"),
        "formats": (_is_str_list, lambda: f"a list of formats ({', '.join(subtitle_formats())})"),
    },
    "glossary": {"layers": (_is_str_list, "a list of glossary paths")},
    "dub": {
        "voice": (_is_voice, lambda: f"a voice spec such as espeak:es (backends: {', '.join(_voice_backends())})"),
        "voices": (_is_voice_map, lambda: f"a table of speaker = voice (backends: {', '.join(_voice_backends())})"),
        "loudness": (_number(-70, -5), "a number of LUFS from -70 to -5"),
        "true_peak": (_number(-20, 0), "a number of dBTP from -20 to 0"),
        "max_speed": (_number(1, 4), "a number from 1 to 4"),
    },
    "translate": {
        "engine": (_one_of(translate_engines), lambda: f"one of {', '.join(translate_engines())}"),
        "model": (_is_str, "a model name"),
    },
    "mux": {
        "enabled": (_is_bool, "true or false"),
        "subtitles": (_is_str_list, lambda: f"a list of formats ({', '.join(subtitle_formats())})"),
    },
    "burn": {
        "enabled": (_is_bool, "true or false"),
        "cover": (_one_of(_covers), lambda: f"one of {', '.join(_covers())}"),
        "style": (_is_str, 'a string of ASS style overrides such as "Fontsize=72,MarginV=300"'),
    },
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
                wanted = expected() if callable(expected) else expected
                raise ConfigError(f"{path}: [{section}] {key} must be {wanted}, got {value!r}")
    for section, key in REQUIRED:
        if key not in data.get(section, {}):
            raise ConfigError(f"{path}: [{section}] {key} is required")
    for key in ("code", "language"):
        try:
            language_tag(data["market"][key])
        except LocalizeError:
            raise ConfigError(
                f"{path}: [market] {key} must be a language tag such as es-419, got {data['market'][key]!r}"
            ) from None
    if "model" in data.get("translate", {}) and data["translate"].get("engine") != "llm":
        raise ConfigError(f'{path}: [translate] model is for engine = "llm"')
    for section, key in (("subtitles", "formats"), ("mux", "subtitles")):
        unknown = [f for f in data.get(section, {}).get(key, []) if f not in subtitle_formats()]
        if unknown:
            known = ", ".join(subtitle_formats())
            raise ConfigError(f"{path}: [{section}] {key}: unknown format {unknown[0]!r}; use {known}")


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
    return {
        "burn": section.get("enabled", False),
        "burn_cover": section.get("cover", "blur"),
        "burn_style": section.get("style"),
    }


def _profile_ref(value: str, path: Path) -> str:
    """A timing profile name as is; a ``.toml`` file relative to the market file."""
    return str((path.parent / value).resolve()) if str(value).endswith(".toml") else str(value)
