"""``speakers.toml``: what a person wrote about a title's speakers (name, gender, a voice per market)."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from localize.errors import ConfigError
from localize.fileio import FileMemo, write_text_atomic
from localize.paths import LANGUAGE_TAG

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)
SPEAKERS_FILE = "speakers.toml"
GENDERS = ("female", "male", "other")


@dataclass
class SpeakerProfile:
    """What a person wrote about one speaker in ``speakers.toml``."""

    label: str
    name: str | None = None
    gender: str | None = None
    voices: dict[str, str] = field(default_factory=dict)  # market -> voice spec

    @property
    def display(self) -> str:
        return self.name or self.label


def read_file(path: Path, parse: Callable[[str], Any], kind: str) -> Any:
    """``path`` parsed; a damaged file is a ConfigError naming it."""
    try:
        return parse(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise ConfigError(f"{path}: not valid {kind} (nested too deeply)") from None
    except ValueError as error:  # JSON, TOML and UTF-8 decoding errors are ValueErrors
        raise ConfigError(f"{path}: not valid {kind} ({error})") from None


def refuse_link(path: Path) -> None:
    """A ConfigError when ``path`` is a symbolic link: speaker files are replaced whole (written
    beside and renamed), which would turn the link into a file, and its target may lie outside the title."""
    if path.is_symlink():
        raise ConfigError(
            f"{path}: is a symbolic link; speaker files are not written through links "
            "(put the file itself in the title folder)"
        )


def label_number(label: str) -> int:
    return int(label[1:]) if label[:1] == "S" and label[1:].isdigit() else 0


def load_profiles(path: Path) -> dict[str, SpeakerProfile]:
    """``speakers.toml`` as profiles by label ({} when the file does not exist); the caller's own copy."""
    if not path.is_file():
        return {}
    return {label: replace(profile, voices=dict(profile.voices)) for label, profile in _PROFILES(path).items()}


def _parse_profiles(path: Path) -> dict[str, SpeakerProfile]:
    log.debug("reading speaker profiles %s", path)
    data = read_file(path, tomllib.loads, "TOML")
    return {label: _profile(path, label, table) for label, table in data.items()}


_PROFILES: FileMemo[dict[str, SpeakerProfile]] = FileMemo(_parse_profiles, 16, named=True)


def _profile(path: Path, label: str, table: Any) -> SpeakerProfile:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{label}] must be a table of name, gender and voice")
    unknown = set(table) - {"name", "gender", "voice"}
    if unknown:
        raise ConfigError(f"{path}: [{label}] unknown key {sorted(unknown)[0]!r} (use name, gender, voice)")
    for key in ("name", "gender"):
        if key in table and not isinstance(table[key], str):
            raise ConfigError(f"{path}: {label}.{key} must be a string, got {type(table[key]).__name__}")
    if table.get("gender") not in (None, *GENDERS):
        raise ConfigError(f"{path}: {label}.gender must be one of {', '.join(GENDERS)}, got {table['gender']!r}")
    voices = table.get("voice", {})
    if not isinstance(voices, dict) or not all(isinstance(v, str) for v in voices.values()):
        raise ConfigError(f'{path}: {label}.voice must be a table of market = "voice spec" strings')
    for market in voices:
        if not LANGUAGE_TAG.fullmatch(market):
            raise ConfigError(f"{path}: {label}.voice: market {market!r} is not a language tag (e.g. en-US, es-419)")
    return SpeakerProfile(label, table.get("name"), table.get("gender"), dict(voices))


def _key(name: str) -> str:
    """A TOML key: bare when it can be, else quoted."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name, ensure_ascii=False)


def save_profiles(path: Path, profiles: dict[str, SpeakerProfile]) -> None:
    """Write ``speakers.toml`` (labels in order)."""
    refuse_link(path)
    blocks = []
    for label, profile in sorted(profiles.items(), key=lambda item: (label_number(item[0]), item[0])):
        lines = [f"[{_key(label)}]"]
        lines += [
            f"{key} = {json.dumps(value, ensure_ascii=False)}"
            for key, value in (("name", profile.name), ("gender", profile.gender))
            if value
        ]
        if profile.voices:
            lines.append(f"[{_key(label)}.voice]")
            lines += [f"{_key(m)} = {json.dumps(v, ensure_ascii=False)}" for m, v in profile.voices.items()]
        blocks.append("\n".join(lines))
    write_text_atomic(
        path,
        "# Speakers of this title: name, gender (female, male, other) and a voice per market.\n\n"
        + "\n\n".join(blocks)
        + "\n",
    )
