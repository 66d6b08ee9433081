"""Diarization during transcription: voices collected window by window, labelled at the end."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from localize.model import Track
from localize.speakers import (
    DEFAULT_ENCODER,
    MIN_CLUSTER_MS,
    assign_words,
    embed_speech,
    label_units,
    load_encoder,
    parse_speakers,
)

log = logging.getLogger("localize.transcription")


class SpeakerVoices:
    """Speech units and voice vectors of every window; ``label()`` turns them into speakers."""

    def __init__(
        self, speakers: str | int | None, encoder: str = DEFAULT_ENCODER, title: str | Path | None = None
    ) -> None:
        self.count = parse_speakers(speakers)  # a bad count, encoder or registry fails before any recognition
        self.encoder = load_encoder(encoder) if self.count is not None else None
        self.registry = None
        if self.encoder is not None and title is not None:
            from localize.speakers import SpeakerRegistry

            self.registry = SpeakerRegistry(title, self.encoder.name)
        self.units: list[tuple[int, int]] = []
        self.vectors: list[np.ndarray] = []

    def listen(self, audio: np.ndarray, regions: list[tuple[int, int]], offset_ms: int) -> None:
        if self.encoder is not None:
            units, vectors = embed_speech(audio, self.encoder, regions, offset_ms)
            self.units += units
            self.vectors.append(vectors)

    def label(self, track: Track, episode: str) -> Track:
        """``track`` with a speaker on every word and cue (cues re-cut at speaker changes)."""
        if self.encoder is None or self.count is None or not track.cues:
            return track
        if not any(b - a >= MIN_CLUSTER_MS for a, b in self.units):
            log.warning("speech too short to tell voices apart; no speaker labels")
            return track
        diarization = label_units(self.units, np.concatenate(self.vectors), self.count, self.encoder)
        registry = self.registry
        if registry is not None:
            diarization = registry.match(diarization, episode, 1.0 - self.encoder.auto_distance)
        from localize.transcription.segment import CueRules, words_to_cues

        words = assign_words([w for cue in track.cues for w in cue.words], diarization.turns)
        cues = words_to_cues(words, CueRules.for_language(track.language))
        meta = dict(track.meta, speaker_encoder=self.encoder.name, speaker_count=len(diarization.speakers))
        labelled = replace(track, cues=cues, meta=meta)
        if registry is not None:
            registry.add_samples(cues, episode)
            registry.save()
        return labelled
