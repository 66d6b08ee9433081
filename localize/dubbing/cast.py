"""Casting: a voice per speaker, the same for the whole title.

Speakers with a voice in the market's voice map (or in the title's ``speakers.toml``
for the market) get that voice. The others get distinct voices automatically, in
title label order (S1, S2, ...), so a character keeps its voice in every episode even
when another character skips one: the market's voice (or the language default) first,
then espeak-ng variants of the language, female or male to match the speaker's gender
when ``speakers.toml`` gives one. espeak-ng has 4 female and 7 male variants; past
that, voices repeat (a warning says so).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from localize.dubbing.voices import ESPEAK_LANGUAGE, default_voice
from localize.model import Cue

FEMALE_VARIANTS = ("f3", "f4", "f1", "f2")
MALE_VARIANTS = ("m3", "m7", "m1", "m2", "m4", "m5", "m6")
#: the gender of the voices the toolkit picks by default
DEFAULT_VOICE_GENDER = "male"


@dataclass
class Cast:
    """Who speaks in which voice: ``voices`` by speaker label, ``names`` for display."""

    voices: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # merged label -> label
    warnings: list[str] = field(default_factory=list)

    def voice_for(self, speaker: str | None, fallback: str) -> str:
        label = self.aliases.get(speaker or "", speaker or "")
        return self.voices.get(label, fallback)

    def name_for(self, speaker: str | None) -> str | None:
        if not speaker:
            return None
        return self.names.get(self.aliases.get(speaker, speaker), speaker)


def cast_speakers(
    cues: Sequence[Cue],
    language: str | None,
    voice: str | None,
    voices: dict[str, str] | None,
    title: str | Path | None = None,
    market: str | None = None,
    auto: bool = True,
) -> Cast:
    """The cast of a track: explicit voices kept, every other speaker a distinct automatic voice
    (``auto=False``: ``voice`` or the language default)."""
    explicit, genders, names, aliases, order = dict(voices or {}), {}, {}, {}, []
    if title is not None:
        from localize.speakers import SpeakerRegistry

        registry = SpeakerRegistry(title)
        aliases = dict(registry.merged)
        order = list(registry.speakers) + list(registry.profiles)
        for label, profile in registry.profiles.items():
            if market and market in profile.voices:
                explicit.setdefault(label, profile.voices[market])
            if profile.gender:
                genders[label] = profile.gender
            if profile.name:
                names[label] = profile.name
                if profile.name in explicit:
                    explicit.setdefault(label, explicit[profile.name])
    heard = [aliases.get(s, s) for cue in cues for s in cue.speakers]
    speakers = sorted(set(order) | set(heard), key=_label_order)
    base = voice or default_voice(language)
    cast = Cast(names=names, aliases=aliases)
    if not auto:
        cast.voices = {s: explicit.get(s, base) for s in speakers}
        return cast
    cast.voices, cast.warnings = _assign(speakers, explicit, genders, base, language)
    return cast


def _assign(
    speakers: list[str], explicit: dict[str, str], genders: dict[str, str], base: str, language: str | None
) -> tuple[dict[str, str], list[str]]:
    voices = {s: explicit[s] for s in speakers if s in explicit}
    used = set(voices.values())
    pools = {"female": _variants(language, FEMALE_VARIANTS), "male": _variants(language, MALE_VARIANTS)}
    warnings = []
    for number, speaker in enumerate(s for s in speakers if s not in voices):
        gender = genders.get(speaker) or ("male" if number % 2 == 0 else "female")
        candidates = (
            ([base] if gender == DEFAULT_VOICE_GENDER else [])
            + pools.get(gender, pools["male"])
            + pools["female"]
            + pools["male"]
        )
        free = [c for c in candidates if c not in used]
        if not free:
            warnings.append(f"more speakers than distinct voices: {speaker} shares a voice")
        choice = free[0] if free else candidates[number % len(candidates)]
        voices[speaker] = choice
        used.add(choice)
    return voices, warnings


def _variants(language: str | None, names: Sequence[str]) -> list[str]:
    code = (language or "en").lower()
    code = ESPEAK_LANGUAGE.get(code, "en-us" if code in ("en", "en-us") else code)
    return [f"espeak:{code}+{name}" for name in names]


def _label_order(label: str) -> tuple[int, str]:
    match = re.fullmatch(r"S(\d+)", label)
    return (int(match.group(1)), "") if match else (10**9, label)
