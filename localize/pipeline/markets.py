"""Market profiles: what one target market needs, read from a small TOML file.

A market names its target language and script, the subtitle timing profile, glossary
layers, dub voice and loudness, the subtitle formats to write and how to mux. Built-in
profiles live in ``localize/data/markets/<code>.toml``; any other TOML file with the
same layout is a user-defined market (pass its path wherever a market code goes).
"""
from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from localize.errors import LocalizeError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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
    raise LocalizeError(f"unknown market {text!r} (built-in: {known}; or give a .toml file)")


def load_markets(spec: str | list[str] | tuple[str, ...]) -> list[MarketProfile]:
    """Markets from ``"en-US,es-419"`` or a list; duplicates are an error."""
    items = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    markets = [m if isinstance(m, MarketProfile) else load_market(m) for m in items if str(m).strip()]
    if not markets:
        raise LocalizeError("no markets given (e.g. --markets en-US,es-419)")
    codes = [m.code for m in markets]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise LocalizeError(f"market given twice: {', '.join(duplicates)}")
    return markets


def _parse(path: Path) -> MarketProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise LocalizeError(f"{path}: not a valid market profile ({error})") from None
    try:
        return _build(data, path)
    except (KeyError, TypeError, ValueError) as error:
        raise LocalizeError(f"{path}: bad market profile ({_describe(error)})") from None


def _build(data: dict[str, Any], path: Path) -> MarketProfile:
    market, subs = data["market"], data.get("subtitles", {})
    dub, mux = data.get("dub", {}), data.get("mux", {})
    formats = tuple(subs.get("formats", ["srt"]))
    unknown = [f for f in formats if f not in SUBTITLE_FORMATS]
    if unknown:
        raise ValueError(f"unknown subtitle format {unknown[0]!r}; use {', '.join(SUBTITLE_FORMATS)}")
    layers = data.get("glossary", {}).get("layers", [])
    engine, translate_model = _translate_section(data.get("translate", {}))
    return MarketProfile(
        code=str(market["code"]),
        name=str(market.get("name", market["code"])),
        language=str(market["language"]),
        script=market.get("script"),
        profile=_profile_ref(subs.get("profile", "en"), path),
        fallback_profile=_profile_ref(subs["fallback_profile"], path) if "fallback_profile" in subs else None,
        formats=formats,
        glossaries=tuple(str((path.parent / layer).resolve()) for layer in layers),
        voice=dub.get("voice"),
        voices=dict(dub.get("voices", {})),
        loudness=float(dub.get("loudness", -16.0)),
        true_peak=float(dub.get("true_peak", -1.0)),
        max_speed=float(dub.get("max_speed", 1.3)),
        mux=bool(mux.get("enabled", True)),
        mux_subtitles=tuple(mux.get("subtitles", ["srt"])),
        translate_engine=engine,
        translate_model=translate_model,
        path=str(path.resolve()),
    )


def _translate_section(section: Any) -> tuple[str, str | None]:
    """``[translate] engine = "llm"``, ``model = "..."``: strings, a known engine, nothing else."""
    if not isinstance(section, dict):
        raise ValueError("[translate] must be a table")
    for key, value in section.items():
        if key not in ("engine", "model"):
            raise ValueError(f"[translate] unknown key {key!r} (known: engine, model)")
        if not isinstance(value, str):
            raise ValueError(f"[translate] {key} must be a string, got {type(value).__name__}")
    engine = section.get("engine", "argos")
    if engine not in TRANSLATE_ENGINES:
        raise ValueError(f"[translate] engine must be one of {', '.join(TRANSLATE_ENGINES)}, got {engine!r}")
    if "model" in section and engine != "llm":
        raise ValueError("[translate] model is for engine = \"llm\"")
    return engine, section.get("model")


def _profile_ref(value: str, path: Path) -> str:
    """A timing profile name as is; a ``.toml`` file relative to the market file."""
    return str((path.parent / value).resolve()) if str(value).endswith(".toml") else str(value)


def _describe(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing key {error.args[0]!r}"
    return str(error)
