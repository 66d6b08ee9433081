"""Who speaks when: speech cut into short units, embedded, clustered into speakers.

Units are the voiced regions Silero VAD finds (split where a pause of 100 ms or more
falls); a region longer than :data:`MAX_UNIT_MS` is cut into equal pieces, so a
change of speaker without a pause costs at most one piece. Units of at least
:data:`MIN_CLUSTER_MS` are clustered (average linkage on cosine distance, scipy);
shorter ones take the nearest speaker. The number of speakers is estimated by
cutting the tree at the encoder's ``auto_distance`` unless given. :class:`Clustering`
holds the options benchmarks/speakers.py compared (a second pass, a minimum turn, a
minimum speaker); they are off by default because they did not help on held-out voices.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from localize.errors import InputError, OptionError
from localize.model import Word
from localize.speakers.encoders import DEFAULT_ENCODER, Span, SpeakerEncoder, load_encoder
from localize.validate import as_text, public, shown

log = logging.getLogger("localize.speakers")

MAX_UNIT_MS = 2000
MIN_CLUSTER_MS = 500
#: same-speaker gaps shorter than this are bridged into one turn
BRIDGE_MS = 600
MAX_SPEAKERS = 20


@dataclass(frozen=True)
class Clustering:
    """How voice vectors become speakers (chosen on the tuned part of benchmarks/speakers.py).

    ``distance``: where the average-linkage tree is cut (cosine distance); ``refine``:
    passes that move every unit to its nearest speaker centre; ``min_speaker_ms``: with
    ``auto``, a speaker with less speech is folded into the nearest other one;
    ``min_turn_ms``: a shorter run of units between two turns of one other speaker
    takes that speaker's label.
    """

    distance: float
    refine: int = 0
    min_speaker_ms: int = 0
    min_turn_ms: int = 0


@dataclass
class Turn:
    """A stretch of speech by one speaker (ms)."""

    start: int
    end: int
    speaker: str


@dataclass
class Diarization:
    """Turns in time order, and each speaker's voice (unit vector) and speech time."""

    turns: list[Turn]
    centroids: dict[str, np.ndarray] = field(default_factory=dict)
    speech_ms: dict[str, int] = field(default_factory=dict)
    encoder: str = DEFAULT_ENCODER

    @property
    def speakers(self) -> list[str]:
        return list(self.centroids)

    def relabel(self, mapping: dict[str, str]) -> Diarization:
        """The same diarization with labels renamed through ``mapping``."""
        return Diarization(
            [Turn(t.start, t.end, mapping[t.speaker]) for t in self.turns],
            {mapping[k]: v for k, v in self.centroids.items()},
            {mapping[k]: v for k, v in self.speech_ms.items()},
            self.encoder,
        )


def parse_speakers(value: str | int | None) -> int | str | None:
    """``"auto"`` -> "auto", ``"off"``/None -> None, a count 1..20 -> int; anything else fails."""
    text = str("off" if value is None else value).strip().lower()
    if text in ("auto", "off"):
        return None if text == "off" else "auto"
    if text.isdigit() and 1 <= int(text) <= MAX_SPEAKERS:
        return int(text)
    raise InputError(f"speakers must be auto, off or a number of speakers from 1 to {MAX_SPEAKERS}, got {value!r}")


@public()
def diarize(
    audio: np.ndarray,
    speakers: str | int = "auto",
    encoder: str = DEFAULT_ENCODER,
    regions: Sequence[Span] | None = None,
    clustering: Clustering | None = None,
) -> Diarization:
    """Speaker turns in 16 kHz mono ``audio``; ``regions``: its speech (ms), else found by VAD."""
    if not isinstance(audio, np.ndarray) or audio.ndim != 1 or not np.issubdtype(audio.dtype, np.floating):
        raise InputError(f"audio must be 16 kHz mono samples (a 1-D float numpy array), got {shown(audio)}")
    count = _count(speakers)
    backend = load_encoder(as_text(encoder, "encoder", error=OptionError))
    units, vectors = embed_speech(audio, backend, regions)
    return label_units(units, vectors, count, backend, clustering)


def embed_speech(
    audio: np.ndarray,
    backend: SpeakerEncoder,
    regions: Sequence[Span] | None = None,
    offset_ms: int = 0,
    max_unit_ms: int = MAX_UNIT_MS,
) -> tuple[list[Span], np.ndarray]:
    """Speech units of ``audio`` (ms, shifted by ``offset_ms``; at most ``max_unit_ms`` long) and their voice vectors."""
    if regions is None:
        from localize.vad import speech_regions

        regions = speech_regions(audio)
    units = split_units(regions, max_unit_ms)
    vectors = backend.embed(audio, units) if units else np.zeros((0, backend.dim), np.float32)
    return [(a + offset_ms, b + offset_ms) for a, b in units], vectors


def label_units(
    units: list[Span],
    vectors: np.ndarray,
    count: int | str,
    backend: SpeakerEncoder,
    clustering: Clustering | None = None,
) -> Diarization:
    """Cluster embedded units into speakers S1, S2, ... (numbered in order of first speech)."""
    if not any(end - start >= MIN_CLUSTER_MS for start, end in units):
        raise InputError("no speech long enough to tell voices apart (silence or music only?)")
    labels = cluster(vectors, units, count, clustering or default_clustering(backend))
    return _result(units, vectors, labels, backend.name)


def default_clustering(backend: SpeakerEncoder) -> Clustering:
    """The clustering used with ``backend`` unless told otherwise."""
    return Clustering(backend.auto_distance)


def _count(speakers: str | int) -> int | str:
    count = parse_speakers(speakers)
    if count is None:
        raise InputError("diarize() needs speakers='auto' or a number; 'off' means do not call it")
    return count


def assign_words(words: list[Word], turns: Sequence[Turn]) -> list[Word]:
    """Each word with the speaker of the turn it overlaps most (the nearest turn if none)."""
    if not turns:
        return list(words)
    return [replace(w, speaker=_best_turn(w, turns).speaker) for w in words]


def _best_turn(word: Word, turns: Sequence[Turn]) -> Turn:
    def score(turn: Turn) -> tuple[int, int]:
        overlap = min(word.end, turn.end) - max(word.start, turn.start)
        distance = max(turn.start - word.end, word.start - turn.end, 0)
        return overlap, -distance

    return max(turns, key=score)


def split_units(regions: Sequence[Span], max_ms: int = MAX_UNIT_MS) -> list[Span]:
    """Regions cut into pieces of at most ``max_ms`` of near-equal length."""
    units = []
    for start, end in regions:
        pieces = max(1, -(-(end - start) // max_ms))
        edges = [start + (end - start) * i // pieces for i in range(pieces + 1)]
        units += list(zip(edges, edges[1:]))
    return units


def cluster(vectors: np.ndarray, units: Sequence[Span], count: int | str, clustering: Clustering) -> np.ndarray:
    """A cluster number per unit: long units clustered, short ones joined to the nearest, then refined."""
    long = np.array([end - start >= MIN_CLUSTER_MS for start, end in units])
    groups = _groups(vectors[long], count, clustering.distance)
    labels = _nearest(vectors, _centroids(vectors[long], groups))
    labels[long] = groups
    weights = np.array([end - start for start, end in units], np.float32)
    for _ in range(clustering.refine):
        labels = _nearest(vectors, _centroids(vectors, labels, weights))
    if count == "auto" and clustering.min_speaker_ms:
        labels = _fold_small(vectors, labels, weights, clustering.min_speaker_ms)
    if clustering.min_turn_ms:
        labels = _smooth_turns(units, labels, clustering.min_turn_ms)
    return np.unique(labels, return_inverse=True)[1].reshape(-1)


def _nearest(vectors: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.argmax(vectors @ centroids.T, axis=1)


def _fold_small(vectors: np.ndarray, labels: np.ndarray, weights: np.ndarray, min_ms: int) -> np.ndarray:
    """Speakers with less than ``min_ms`` of speech folded, smallest first, into the nearest other speaker."""
    labels = np.unique(labels, return_inverse=True)[1].reshape(-1)
    while labels.max() > 0:
        speech = np.bincount(labels, weights=weights)
        smallest = int(np.argmin(speech))
        if speech[smallest] >= min_ms:
            break
        centroids = _centroids(vectors, labels, weights)
        similarity = centroids @ centroids[smallest]
        similarity[smallest] = -np.inf
        labels[labels == smallest] = int(np.argmax(similarity))
        labels = np.unique(labels, return_inverse=True)[1].reshape(-1)
    return labels


def _smooth_turns(units: Sequence[Span], labels: np.ndarray, min_ms: int) -> np.ndarray:
    """A run of units shorter than ``min_ms`` between two runs of one other speaker takes that speaker."""
    labels = labels.copy()
    runs = _runs(labels)
    for (first, last), before, after in zip(runs[1:-1], runs, runs[2:]):
        short = units[last][1] - units[first][0] < min_ms
        if short and labels[before[0]] == labels[after[0]]:
            labels[first : last + 1] = labels[before[0]]
    return labels


def _runs(labels: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) unit index of each run of one label."""
    edges = [0] + [i for i in range(1, len(labels)) if labels[i] != labels[i - 1]] + [len(labels)]
    return [(a, b - 1) for a, b in zip(edges, edges[1:])]


def _groups(vectors: np.ndarray, count: int | str, distance: float) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage

    if isinstance(count, int) and count > len(vectors):
        raise InputError(
            f"asked for {count} speakers but the audio has only {len(vectors)} stretches of speech long enough to tell voices apart"
        )
    if len(vectors) == 1:
        return np.zeros(1, int)
    tree = linkage(vectors, method="average", metric="cosine")
    estimated = fcluster(tree, distance, criterion="distance")
    if count == "auto":
        return estimated - 1
    found = int(estimated.max())
    if isinstance(count, int) and count > found:
        log.warning(
            "asked for %d speakers but only %d distinct voices were heard; splitting voices to reach %d",
            count,
            found,
            count,
        )
    return fcluster(tree, count, criterion="maxclust") - 1


def _centroids(vectors: np.ndarray, groups: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    weights = np.ones(len(vectors), np.float32) if weights is None else weights
    rows = np.array([(vectors[groups == g] * weights[groups == g, None]).sum(axis=0) for g in range(groups.max() + 1)])
    return rows / (np.linalg.norm(rows, axis=1, keepdims=True) + 1e-12)


def _result(units: list[Span], vectors: np.ndarray, labels: np.ndarray, encoder: str) -> Diarization:
    order = list(dict.fromkeys(labels.tolist()))  # S1 is whoever speaks first
    names = {old: f"S{i}" for i, old in enumerate(order, 1)}
    turns: list[Turn] = []
    for (start, end), label in zip(units, labels.tolist()):
        speaker = names[label]
        if turns and turns[-1].speaker == speaker and start - turns[-1].end < BRIDGE_MS:
            turns[-1].end = end
        else:
            turns.append(Turn(start, end, speaker))
    weights = np.array([end - start for start, end in units], np.float32)
    centroids, speech = {}, {}
    for old, name in names.items():
        mask = labels == old
        mean = (vectors[mask] * weights[mask, None]).sum(axis=0)
        centroids[name] = mean / (np.linalg.norm(mean) + 1e-12)
        speech[name] = int(weights[mask].sum())
    return Diarization(turns, centroids, speech, encoder)
