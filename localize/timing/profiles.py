"""Timing profiles: the rules a subtitle file is timed and checked against, as TOML data.

Built-ins live in ``localize/data/profiles/<name>.toml``; a user profile is any TOML file
with the same keys. ``extends = "en"`` (a built-in name or a path relative to the file)
takes every key from that profile first.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from localize.errors import ConfigError, OptionError
from localize.validate import PATH_TYPES, public, shown

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "data" / "profiles"


@dataclass(frozen=True)
class Profile:
    """Timed-text rules. Durations in ms; gaps and shot-change zones in frames of the track."""

    name: str
    language: str = "en"
    description: str = ""
    chars_per_line: int = 42
    max_chars_per_line: int = 0  # hard limit for check; 0 means chars_per_line
    max_lines: int = 2
    cps: float = 20.0
    min_duration_ms: int = 833
    max_duration_ms: int = 7000
    min_gap_frames: int = 2
    chain_frames: int = 12
    shot_zone_frames: int = 12
    snap_onto_cut_frames: int = 7
    out_before_cut_frames: int = 2
    lead_in_frames: int = 0  # how far an in-time may precede speech to clear a cut's zone
    bottom_heavy: bool = True
    dialogue_dash: str = "-"  # opens each speaker's line when two speakers share a cue

    @property
    def line_limit(self) -> int:
        """The longest line check accepts."""
        return self.max_chars_per_line or self.chars_per_line

    @property
    def capacity(self) -> int:
        """Characters one cue can hold when broken over all its lines."""
        return self.chars_per_line * self.max_lines

    def char_budget(self, duration_ms: int) -> int:
        """Characters a cue on screen for ``duration_ms`` can carry: reading speed x time, at most its capacity."""
        return max(1, min(self.capacity, int(self.cps * duration_ms / 1000)))


_TYPES = {f.name: f.type for f in fields(Profile)}


def builtin_profiles() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.toml"))


@public()
def load_profile(name_or_path: str | Path | Profile) -> Profile:
    """A built-in profile by name ("en", "zh", "en-vertical", "zh-vertical") or a TOML file."""
    if isinstance(name_or_path, Profile):
        return name_or_path
    if not isinstance(name_or_path, PATH_TYPES) or not str(name_or_path):
        raise OptionError(f"profile must be a profile name, a .toml path or a Profile, got {shown(name_or_path)}")
    path = _locate(str(name_or_path))
    values = _read_chain(path, seen=())
    values.setdefault("name", path.stem)
    return _build(values, path)


def default_profile_name(language: str | None, vertical: bool = False) -> str:
    """``zh`` for Chinese tracks, else ``en``; ``-vertical`` for 9:16 video."""
    base = "zh" if (language or "").lower().startswith(("zh", "cmn", "yue")) else "en"
    return f"{base}-vertical" if vertical else base


def _locate(name: str, relative_to: Path | None = None) -> Path:
    builtin = BUILTIN_DIR / f"{name}.toml"
    if "/" not in name and "\\" not in name and not name.endswith(".toml"):
        if builtin.exists():
            return builtin
        raise ConfigError(f"unknown profile '{name}' (built-in: {', '.join(builtin_profiles())}; or give a .toml path)")
    path = Path(name)
    if relative_to is not None and not path.is_absolute():
        path = relative_to.parent / path
    if not path.is_file():
        raise ConfigError(f"{path}: no such profile file")
    return path


def _read_chain(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    if path in seen:
        raise ConfigError(f"{path}: profile extends itself (through {' -> '.join(map(str, seen))})")
    values = _read_toml(path)
    parent = values.pop("extends", None)
    if parent is None:
        return values
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: 'extends' must be a profile name or path")
    base = _read_chain(_locate(parent, relative_to=path), seen + (path,))
    base.pop("name", None)
    return {**base, **values}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\s*\(at line (\d+), column \d+\)", message)
        if match:
            raise ConfigError(f"{path}:{match.group(1)}: malformed TOML: {message[: match.start()]}") from None
        raise ConfigError(f"{path}: malformed TOML: {message}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None


def _build(values: dict[str, Any], path: Path) -> Profile:
    unknown = sorted(set(values) - set(_TYPES))
    if unknown:
        raise ConfigError(f"{path}: unknown profile key(s): {', '.join(unknown)}")
    for key, value in values.items():
        _check_value(path, key, value)
    profile = Profile(**values)
    if profile.min_duration_ms >= profile.max_duration_ms:
        raise ConfigError(f"{path}: min_duration_ms must be below max_duration_ms")
    return profile


#: the sane range of each numeric key (a reading speed of 1e-300 or inf is a typo, not a rule)
RANGES: dict[str, tuple[float, float]] = {
    "cps": (1, 100),
    "chars_per_line": (1, 500),
    "max_chars_per_line": (0, 500),
    "max_lines": (1, 10),
    "min_duration_ms": (1, 60_000),
    "max_duration_ms": (100, 600_000),
    "min_gap_frames": (0, 300),
    "chain_frames": (1, 300),
    "shot_zone_frames": (1, 300),
    "snap_onto_cut_frames": (0, 300),
    "out_before_cut_frames": (0, 300),
    "lead_in_frames": (0, 300),
}


def _check_value(path: Path, key: str, value: Any) -> None:
    kind = _TYPES[key]
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "str":
        ok, expected = isinstance(value, str), "a string"
    elif kind == "bool":
        ok, expected = isinstance(value, bool), "true or false"
    else:
        low, high = RANGES[key]
        whole = kind != "float"
        ok = (number and math.isfinite(value) and low <= value <= high) and (isinstance(value, int) or not whole)
        expected = f"{'a whole number' if whole else 'a number'} from {low:g} to {high:g}"
    if not ok:
        raise ConfigError(f"{path}: '{key}' must be {expected}, got {value!r}")
