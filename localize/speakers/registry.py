"""The title's cast: one speaker label per character across every episode of a title.

Two files live in the title folder (beside the episodes' outputs):

``speakers.registry.json`` (written by the toolkit)
    each label's voice (the mean embedding of all its speech so far), its speech time,
    the episodes it speaks in, a few sample lines, and labels merged into others.
``speakers.toml`` (written by a person, or by ``localize speakers rename``)
    ``[S2]`` ``name = "Lin Wan"``, ``gender = "female"``, and ``[S2.voice]``
    ``en-US = "piper:/voices/en_US-amy.onnx"``: the voice per market.

A new episode's speakers are matched to the registry by voice (cosine similarity,
best one-to-one assignment); a voice close to none gets the next free label.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from localize.errors import ConfigError
from localize.fileio import FileMemo, write_text_atomic
from localize.speakers.diarization import Diarization
from localize.speakers.encoders import ENCODERS
from localize.speakers.files import Fields, read_file, refuse_link
from localize.speakers.profiles import SPEAKERS_FILE, SpeakerProfile, label_number, load_profiles, save_profiles

log = logging.getLogger(__name__)
REGISTRY_FILE = "speakers.registry.json"
MAX_SAMPLES = 5


@dataclass
class RegisteredSpeaker:
    """One label's voice and where it has been heard."""

    label: str
    centroid: np.ndarray
    speech_ms: int = 0
    episodes: list[str] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)

    def copy(self) -> RegisteredSpeaker:
        return RegisteredSpeaker(
            self.label,
            self.centroid.copy(),
            self.speech_ms,
            list(self.episodes),
            [dict(sample) for sample in self.samples],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "centroid": [round(float(x), 5) for x in self.centroid],
            "speech_ms": self.speech_ms,
            "episodes": self.episodes,
            "samples": self.samples,
        }


StoredRegistry = tuple[str, dict[str, RegisteredSpeaker], dict[str, str]]  # encoder, speakers, merged labels


class SpeakerRegistry:
    """The speakers of one title, stored in ``folder``; ``encoder``: the encoder of a run that will
    learn voices (the stored registry must match it, and must not be a symbolic link)."""

    def __init__(self, folder: str | Path, encoder: str | None = None) -> None:
        self.folder = Path(folder)
        self.encoder = encoder
        self.speakers: dict[str, RegisteredSpeaker] = {}
        self.merged: dict[str, str] = {}
        self.profiles: dict[str, SpeakerProfile] = load_profiles(self.folder / SPEAKERS_FILE)
        if self.path.is_file():
            self._load()
        if encoder is not None:  # a run that will learn voices: refuse a link now, not after the work
            refuse_link(self.path)

    @property
    def path(self) -> Path:
        return self.folder / REGISTRY_FILE

    def _load(self) -> None:
        stored, speakers, merged = _REGISTRIES(self.path)
        self.speakers = {label: entry.copy() for label, entry in speakers.items()}  # this registry's own
        self.merged = dict(merged)
        if self.encoder and stored != self.encoder:
            raise ConfigError(
                f"{self.path}: made with speaker encoder {stored}, not {self.encoder}; use a new title folder"
            )
        self.encoder = stored

    def save(self) -> None:
        data = {
            "encoder": self.encoder,
            "speakers": {k: v.to_dict() for k, v in self.speakers.items()},
            "merged": self.merged,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        refuse_link(self.path)
        write_text_atomic(self.path, json.dumps(data, ensure_ascii=False) + "\n")

    def resolve(self, label: str) -> str:
        """The label ``label`` now goes by (after merges)."""
        seen = set()
        while label in self.merged and label not in seen:
            seen.add(label)
            label = self.merged[label]
        return label

    def profile(self, label: str) -> SpeakerProfile:
        label = self.resolve(label)
        return self.profiles.get(label) or SpeakerProfile(label)

    def match(self, diarization: Diarization, episode: str, similarity: float) -> Diarization:
        """``diarization`` relabelled with the title's labels; the registry learns the new voices."""
        local = list(diarization.centroids)
        known = list(self.speakers)
        mapping = self._assign(diarization, local, known, similarity)
        next_number = 1 + max((label_number(name) for name in known + list(self.merged)), default=0)
        for label in local:
            if label not in mapping:
                mapping[label], next_number = f"S{next_number}", next_number + 1
        for label, title_label in mapping.items():
            self._learn(title_label, diarization.centroids[label], diarization.speech_ms[label], episode)
        return diarization.relabel(mapping)

    def _assign(
        self, diarization: Diarization, local: list[str], known: list[str], similarity: float
    ) -> dict[str, str]:
        if not known:
            return {}
        from scipy.optimize import linear_sum_assignment

        scores = (
            np.array([diarization.centroids[name] for name in local])
            @ np.array([self.speakers[k].centroid for k in known]).T
        )
        rows, cols = linear_sum_assignment(-scores)
        return {local[r]: known[c] for r, c in zip(rows, cols) if scores[r, c] >= similarity}

    def _learn(self, label: str, centroid: np.ndarray, speech_ms: int, episode: str) -> None:
        entry = self.speakers.get(label)
        if entry is None:
            self.speakers[label] = RegisteredSpeaker(label, centroid, speech_ms, [episode])
            return
        if episode in entry.episodes:  # the same episode again (re-run): already learned
            return
        entry.centroid = _blend(entry.centroid, entry.speech_ms, centroid, speech_ms)
        entry.speech_ms += speech_ms
        if episode not in entry.episodes:
            entry.episodes.append(episode)

    def add_samples(self, cues: list, episode: str) -> None:
        """Keep up to :data:`MAX_SAMPLES` lines per speaker (the longest of each episode first)."""
        for cue in sorted(cues, key=lambda c: -c.duration):
            entry = self.speakers.get(cue.speaker or "")
            if (
                entry is not None
                and len(entry.samples) < MAX_SAMPLES
                and not any(s["episode"] == episode and s["start"] == cue.start for s in entry.samples)
                and sum(s["episode"] == episode for s in entry.samples) < 2
            ):
                entry.samples.append({"episode": episode, "start": cue.start, "end": cue.end, "text": cue.plain_text})

    def merge(self, source: str, target: str) -> None:
        """Fold ``source`` into ``target`` (same character heard as two voices)."""
        source, target = self.resolve(source), self.resolve(target)
        for label in (source, target):
            if label not in self.speakers:
                raise ConfigError(f"{self.path}: no speaker {label} (known: {', '.join(self.speakers) or 'none'})")
        if source == target:
            raise ConfigError(f"{source} and {target} are already the same speaker")
        gone, entry = self.speakers.pop(source), self.speakers[target]
        entry.centroid = _blend(entry.centroid, entry.speech_ms, gone.centroid, gone.speech_ms)
        entry.speech_ms += gone.speech_ms
        entry.episodes = list(dict.fromkeys(entry.episodes + gone.episodes))
        entry.samples = (entry.samples + gone.samples)[:MAX_SAMPLES]
        self.merged[source] = target

    def name_speaker(self, label: str, name: str, gender: str | None = None) -> None:
        """Give ``label`` a ``name`` (blank: none) and a gender in ``speakers.toml``, and write it."""
        profile = self.profiles.setdefault(label, SpeakerProfile(label))
        profile.name = name.strip() or None
        profile.gender = gender or profile.gender
        self.write_profiles()

    def set_voice(self, label: str, market: str, voice: str) -> None:
        """Dub ``label`` with the voice spec ``voice`` in ``market`` (``speakers.toml``), and write it."""
        self.profiles.setdefault(label, SpeakerProfile(label)).voices[market] = voice
        self.write_profiles()

    def fold(self, source: str, target: str) -> None:
        """:meth:`merge` ``source`` into ``target``, drop its profile and write both files
        (neither, when either is a symbolic link)."""
        refuse_link(self.path)
        refuse_link(self.folder / SPEAKERS_FILE)
        self.merge(source, target)
        self.profiles.pop(source, None)
        self.save()
        self.write_profiles()

    def write_profiles(self) -> None:
        """Write the profiles to ``speakers.toml``."""
        save_profiles(self.folder / SPEAKERS_FILE, self.profiles)


def _blend(voice: np.ndarray, voice_ms: int, other: np.ndarray, other_ms: int) -> np.ndarray:
    """The speech-time-weighted mean of two voices at unit length (``voice`` when they cancel out)."""
    mean = voice.astype(np.float64) * max(voice_ms, 1) + other.astype(np.float64) * max(other_ms, 1)
    length = np.linalg.norm(mean)
    return (mean / length).astype(np.float32) if length > 1e-6 else voice


def _parse_registry(path: Path) -> StoredRegistry:
    """(encoder, speakers, merged labels) of a registry file, every field checked."""
    log.debug("reading speaker registry %s", path)
    data = read_file(path, json.loads, "JSON")
    if not isinstance(data, dict) or "speakers" not in data:
        raise ConfigError(f"{path}: not a speaker registry (a JSON object with encoder and speakers)")
    fields = Fields(path)
    fields.table("", data, ("encoder", "speakers", "merged"))
    stored = fields.typed("encoder", data.get("encoder"), str, "a speaker encoder name")
    speakers = fields.typed("speakers", data["speakers"], dict, "an object of speakers by label")
    dim = getattr(ENCODERS.get(stored), "dim", None)
    registered = {label: _registered(fields, label, item, dim) for label, item in speakers.items()}
    merged = fields.typed("merged", data.get("merged", {}), dict, "an object of label = label")
    return stored, registered, _check_merges(fields, merged, registered)


#: parsed once per file content; a save writes a new file (new inode, size or mtime), so the next load reads it
_REGISTRIES: FileMemo[StoredRegistry] = FileMemo(_parse_registry, 16, named=True)


def _registered(fields: Fields, label: str, item: Any, dim: int | None) -> RegisteredSpeaker:
    """One speaker of the registry file, every field checked."""
    key = f"speakers.{label}"
    fields.label(key, label)
    fields.table(key, item, ("centroid", "speech_ms", "episodes", "samples"), ("centroid", "speech_ms", "episodes"))
    samples = fields.typed(f"{key}.samples", item.get("samples", []), list, "a list of sample lines")
    for index, sample in enumerate(samples):
        _sample(fields, f"{key}.samples[{index}]", sample)
    return RegisteredSpeaker(
        label,
        _centroid(fields, f"{key}.centroid", item["centroid"], dim),
        fields.whole_ms(f"{key}.speech_ms", item["speech_ms"]),
        list(fields.strings(f"{key}.episodes", item["episodes"], "a list of episode names", "an episode name")),
        list(samples),
    )


def _centroid(fields: Fields, key: str, value: Any, dim: int | None) -> np.ndarray:
    """A voice: ``dim`` finite numbers, not all 0, at unit length (matching compares voices by their dot
    product, which is their cosine only at unit length; one edited by hand is brought to it)."""
    fields.typed(key, value, list, "a list of numbers")
    if not value or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
        fields.fail(key, "must be a non-empty list of finite numbers")
    if dim is not None and len(value) != dim:
        fields.fail(key, f"has {len(value)} numbers; the encoder's voices have {dim}")
    try:
        length = math.hypot(*value)
    except OverflowError:  # an integer past what a float holds
        length = math.inf
    if not 1e-6 < length < math.inf:  # also NaN
        fields.fail(key, f"must be finite numbers, not all 0 (a voice), got length {length:g}")
    centroid = np.asarray(value, np.float64)
    return (centroid / length if abs(length - 1) > 1e-3 else centroid).astype(np.float32)


def _sample(fields: Fields, key: str, sample: Any) -> None:
    fields.table(key, sample, ("episode", "start", "end", "text"), ("episode", "start", "end", "text"))
    for name in ("episode", "text"):
        fields.typed(f"{key}.{name}", sample[name], str, "a string")
    if fields.whole_ms(f"{key}.end", sample["end"]) < fields.whole_ms(f"{key}.start", sample["start"]):
        fields.fail(f"{key}.end", f"({sample['end']}) is before its start ({sample['start']})")


def _check_merges(fields: Fields, merged: dict[str, Any], speakers: dict[str, Any]) -> dict[str, str]:
    """Each merged label with the speaker its chain of merges ends at: it is no longer a speaker
    itself, and the chain has no cycle and no missing label (each label is walked once)."""
    for label, target in merged.items():
        fields.label(f"merged.{label}", label)
        fields.typed(f"merged.{label}", target, str, "a speaker label")
        if label in speakers:
            fields.fail(f"merged.{label}", "is also a speaker (a merged label must not be)")
    resolved = {label: label for label in speakers}
    for label in merged:
        chain, on_chain, target = [label], {label}, merged[label]
        while target not in resolved:
            if target in on_chain or target not in merged:  # a cycle, or a label that is nowhere
                steps = [*chain, target] if len(chain) < 4 else [*chain[:2], "...", target]
                fields.fail(f"merged.{label}", f"leads to no speaker: {' -> '.join(steps)}")
            chain.append(target)
            on_chain.add(target)
            target = merged[target]
        resolved.update(dict.fromkeys(chain, resolved[target]))
    return {label: resolved[label] for label in merged}
