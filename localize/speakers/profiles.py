"""``speakers.toml``: what a person wrote about a title's speakers (name, gender, a voice per market)."""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from localize.fileio import FileMemo, write_text_atomic
from localize.paths import LANGUAGE_TAG
from localize.speakers.files import Fields, brief, read_file, refuse_link

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
    return {label: _profile(Fields(path, "a table"), label, table) for label, table in data.items()}


_PROFILES: FileMemo[dict[str, SpeakerProfile]] = FileMemo(_parse_profiles, 16, named=True)


def _profile(fields: Fields, label: str, table: Any) -> SpeakerProfile:
    fields.label(f"[{label}]", label)
    fields.table(f"[{label}]", table, ("name", "gender", "voice"))
    for key in ("name", "gender"):
        if key in table:
            fields.typed(f"{label}.{key}", table[key], str, "a string")
    if table.get("gender") not in (None, *GENDERS):
        fields.fail(f"{label}.gender", f"must be one of {', '.join(GENDERS)}, got {brief(table['gender'])}")
    voices = table.get("voice", {})
    if not isinstance(voices, dict) or not all(isinstance(v, str) for v in voices.values()):
        fields.fail(f"{label}.voice", 'must be a table of market = "voice spec" strings')
    for market in voices:
        if not LANGUAGE_TAG.fullmatch(market):
            fields.fail(f"{label}.voice:", f"market {brief(market)} is not a language tag (e.g. en-US, es-419)")
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
