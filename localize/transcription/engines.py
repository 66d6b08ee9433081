"""Speech-recognition backends behind one small interface.

Each engine takes 16 kHz mono float32 audio and returns :class:`~localize.model.Word`
objects with times in ms relative to the start of that audio. Add a backend by writing a
class with the :class:`Engine` methods, ``name`` and ``package`` (for its fingerprint, see
:mod:`localize.fingerprint`) and passing it to :func:`register_engine`: the CLI's ``--engine``
choices and the pipeline's cache keys follow.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from localize.errors import InputError, LocalizeError, ModelError
from localize.fingerprint import Fingerprint, Fingerprinted, HasFingerprint
from localize.model import Word, is_cjk
from localize.paths import cache_dir
from localize.processes import cpu_count
from localize.transcription.models import INSTALL_HINT, ResolvedModel, resolve_model
from localize.vad import SAMPLES_PER_MS, speech_clips, speech_only

log = logging.getLogger("localize.transcription")
#: speech chunks faster-whisper decodes together
BATCH_SIZE = 8
#: seed of the sampling at temperatures above 0 (the fallback), so a transcript is the same on
#: every run (see ``FasterWhisperEngine._load``)
SEED = 19


@dataclass(frozen=True)
class DecodeOptions:
    """Decoder settings shared by the engines (the defaults are tuned in benchmarks/asr.py)."""

    language: str
    initial_prompt: str | None = None
    hotwords: str | None = None
    vad: bool = True
    beam_size: int = 5
    patience: float = 1.0
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    condition_on_previous_text: bool = True
    #: faster-whisper with VAD: decode the speech chunks in batches (BatchedInferencePipeline)
    #: instead of the VAD-cut audio in 30 s windows one after another, as openai-whisper does
    batched: bool = False
    #: batched only: pack speech chunks into 30 s windows (its default; context helps) instead
    #: of decoding each stretch of speech (:func:`speech_clips`) on its own
    merge_chunks: bool = True
    #: batched only: decode text tokens only (faster-whisper's batched default); decoding in
    #: sequence always predicts timestamp tokens, as openai-whisper does
    without_timestamps: bool = True
    #: decode again the stretches of speech the first pass skipped (see ``core.recognize``)
    fill_skipped: bool = True
    #: decode only these (start, end) ms stretches, each on its own (times stay relative to the whole audio)
    clips: tuple[tuple[int, int], ...] | None = None


class Engine(Protocol):
    """A loaded speech recognizer."""

    name: str
    model: ResolvedModel

    def language_probs(self, speech: np.ndarray) -> dict[str, float]:
        """Probability of each language code for the first 30 s of ``speech`` (VAD-trimmed audio)."""

    def words(self, audio: np.ndarray, options: DecodeOptions) -> list[Word]:
        """Recognized words with times in ms from the start of ``audio`` (only in ``options.clips`` if set)."""


def _words(raw: Iterable[tuple[float, float, str, float | None]]) -> list[Word]:
    """Words in ms; a piece Whisper glued on without a space ("son" "-in" "-law") joins the word before."""
    words: list[Word] = []
    for start, end, text, probability in raw:
        clean = text.strip()
        if not clean:
            continue
        previous = words[-1] if words else None
        if previous and not text[:1].isspace() and _continues(previous.text, clean):
            probability = min(previous.probability or 1.0, probability or 1.0)
            words[-1] = Word(previous.start, round(end * 1000), previous.text + clean, probability)
        else:
            words.append(Word(round(start * 1000), round(end * 1000), clean, probability))
    return words


def _continues(previous: str, piece: str) -> bool:
    return previous[-1].isalnum() and not is_cjk(previous[-1]) and not is_cjk(piece[0])


class FasterWhisperEngine(Fingerprinted):
    """faster-whisper (CTranslate2): float32 on CPU, float16 on CUDA.

    By default it runs openai-whisper's pipeline (speech cut out by VAD, 30 s windows in
    sequence with timestamp tokens, temperature fallback and the previous text as prompt):
    as accurate as openai-whisper on the same weights, where the batched pipeline lost up to
    17 CER points on meeting speech. float32, not int8: int8 cost 2-5 CER points on noisy
    Mandarin. Both measured in benchmarks/asr.py.
    """

    name = "faster-whisper"
    package = "faster-whisper"

    def __init__(self, model: ResolvedModel, compute_type: str | None = None) -> None:
        """``compute_type``: CTranslate2's (default float32 on CPU, float16 on CUDA)."""
        import ctranslate2

        cuda = ctranslate2.get_cuda_device_count() > 0
        self.model = model
        self.device = "cuda" if cuda else "cpu"
        self._compute_type = compute_type or ("float16" if cuda else "float32")
        self._load()

    def _load(self) -> None:
        """Load the weights; the sampling that follows starts from ``SEED``.

        CTranslate2 seeds a worker thread's random generator on its first sample only, so
        a transcript stays a function of its audio only if a decode that may sample (the
        temperature fallback) runs on freshly loaded weights: ``_fresh`` tells (a reload
        costs about 0.4 s for base on 2 cores).
        """
        import ctranslate2
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        ctranslate2.set_random_seed(SEED)
        try:
            self._model = WhisperModel(
                str(self.model.path),
                device=self.device,
                compute_type=self._compute_type,
                cpu_threads=cpu_count(),
                download_root=str(_download_root("faster-whisper")),
            )
        except Exception as error:  # offline download or unreadable weights
            raise _load_error(self.model, error) from None
        self._batched = BatchedInferencePipeline(self._model)
        self._fresh = True

    def language_probs(self, speech: np.ndarray) -> dict[str, float]:
        _, _, probs = self._model.detect_language(audio=speech)
        return dict(probs)

    def words(self, audio: np.ndarray, options: DecodeOptions) -> list[Word]:
        """``options.clips`` and ``options.batched`` decode in batches, the rest in sequence."""
        common = dict(
            language=options.language,
            beam_size=options.beam_size,
            patience=options.patience,
            temperature=list(options.temperature),
            initial_prompt=options.initial_prompt,
            hotwords=options.hotwords,
            word_timestamps=True,
        )
        if options.clips is not None or (options.vad and options.batched):
            return self._batched_words(audio, options, common)
        if not self._fresh:
            self._load()
        self._fresh = False

        def decode(speech: np.ndarray) -> list[Word]:
            segments, _ = self._model.transcribe(
                speech, vad_filter=False, condition_on_previous_text=options.condition_on_previous_text, **common
            )
            return _segment_words(segments)

        return on_speech(audio, options.vad, decode)

    def _batched_words(self, audio: np.ndarray, options: DecodeOptions, common: dict) -> list[Word]:
        """Speech chunks packed into 30 s windows, each stretch of speech, or ``options.clips``, 8 at a time."""
        batched = dict(batch_size=BATCH_SIZE, without_timestamps=options.without_timestamps)
        clips = options.clips
        if clips is None and not options.merge_chunks:
            clips = tuple(speech_clips(audio))
        if clips is None:
            segments, _ = self._batched.transcribe(audio, vad_filter=True, **batched, **common)
        elif not clips:
            return []
        else:
            timestamps = [{"start": a / 1000, "end": b / 1000} for a, b in clips]
            segments, _ = self._batched.transcribe(audio, clip_timestamps=timestamps, **batched, **common)
        return _segment_words(segments)


def _segment_words(segments: Iterable) -> list[Word]:
    return _words((w.start, w.end, w.word, w.probability) for s in segments for w in s.words or [])


def on_speech(audio: np.ndarray, vad: bool, decode: Callable[[np.ndarray], list[Word]]) -> list[Word]:
    """``decode`` of ``audio``, or with ``vad`` of its speech alone (Silero), times mapped back."""
    if not vad:
        return decode(audio)
    speech, mapping = speech_only(audio)
    return [_remap(w, mapping) for w in decode(speech)] if speech.size else []


class OpenAIWhisperEngine(Fingerprinted):
    """openai-whisper (PyTorch): fp32 on CPU, fp16 on CUDA.

    It has no voice-activity filter of its own, so with ``vad`` on the audio is cut to
    speech with faster-whisper's bundled Silero VAD and times are mapped back.
    """

    name = "openai-whisper"
    package = "openai-whisper"

    def __init__(self, model: ResolvedModel) -> None:
        try:
            import torch
            import whisper  # noqa: F401  (installed?)
        except ImportError:
            raise ModelError(
                "the openai-whisper engine is not installed: pip install 'localize[openai-whisper]'"
            ) from None
        self.model = model
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        torch.set_num_threads(cpu_count())
        try:
            self._model = _load_openai(model.path, self.device)
        except Exception as error:
            raise _load_error(model, error) from None

    def language_probs(self, speech: np.ndarray) -> dict[str, float]:
        import whisper

        mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(speech), self._model.dims.n_mels).to(self._model.device)
        _, probs = self._model.detect_language(mel)
        return dict(probs)

    def words(self, audio: np.ndarray, options: DecodeOptions) -> list[Word]:
        if options.clips is not None:  # one after another: openai-whisper has no batched decoding
            whole = replace(options, clips=None)
            return [
                shifted(w, a)
                for a, b in options.clips
                for w in self.words(audio[a * SAMPLES_PER_MS : b * SAMPLES_PER_MS], whole)
            ]

        def decode(speech: np.ndarray) -> list[Word]:
            import torch

            torch.manual_seed(SEED)
            result = self._model.transcribe(
                speech,
                language=options.language,
                beam_size=options.beam_size,
                patience=options.patience,
                temperature=options.temperature,
                initial_prompt=_join_prompt(options.hotwords, options.initial_prompt),
                word_timestamps=True,
                condition_on_previous_text=options.condition_on_previous_text,
                fp16=self.device == "cuda",
                verbose=None,
            )
            return _words(
                (w["start"], w["end"], w["word"], w.get("probability"))
                for s in result["segments"]
                for w in s.get("words", [])
            )

        return on_speech(audio, options.vad, decode)


def _join_prompt(hotwords: str | None, prompt: str | None) -> str | None:
    parts = [p for p in (hotwords, prompt) if p]
    return " ".join(parts) or None


def _load_openai(path: Path | str, device: str):
    """openai-whisper model from a ``.pt`` file (with our alignment heads) or a name."""
    import torch
    import whisper

    if not Path(str(path)).is_file():
        return whisper.load_model(str(path), device=device, download_root=str(_download_root("openai-whisper")))
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    model = whisper.model.Whisper(whisper.model.ModelDimensions(**checkpoint["dims"]))
    model.load_state_dict(checkpoint["model_state_dict"])
    heads = checkpoint.get("alignment_heads")
    if heads:
        mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
        for layer, head in heads:
            mask[layer, head] = True
        model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
    return model.to(device)


def shifted(word: Word, offset: int) -> Word:
    """``word`` moved ``offset`` ms later."""
    return Word(word.start + offset, word.end + offset, word.text, word.probability)


def _remap(word: Word, mapping: list[tuple[int, int]]) -> Word:
    def original(ms: int) -> int:
        sample = ms * SAMPLES_PER_MS
        kept, orig = max((m for m in mapping if m[0] <= sample), default=mapping[0])
        return (orig + sample - kept) // SAMPLES_PER_MS

    return Word(original(word.start), original(word.end), word.text, word.probability)


def _download_root(engine: str) -> Path:
    return cache_dir("models", "downloads", engine)


def _load_error(model: ResolvedModel, error: Exception) -> LocalizeError:
    if model.source == "download":
        return ModelError(
            f"Whisper model '{model.name}' is not available offline and could not be downloaded: {INSTALL_HINT}"
        )
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return ModelError(f"{model.path}: cannot load Whisper model ({first})")


class EngineFactory(HasFingerprint, Protocol):
    """An engine class: ``name``, ``fingerprint(model)``, and called with the resolved model."""

    name: str

    def __call__(self, model: ResolvedModel) -> Engine: ...


ENGINES: dict[str, EngineFactory] = {}


def register_engine(factory: EngineFactory) -> EngineFactory:
    """Add an engine under its ``name`` (usable as a class decorator)."""
    ENGINES[factory.name] = factory
    return factory


register_engine(FasterWhisperEngine)
register_engine(OpenAIWhisperEngine)


def _known(engine: str) -> EngineFactory:
    if engine not in ENGINES:
        raise InputError(f"unknown engine '{engine}' (choose from {', '.join(ENGINES)})")
    return ENGINES[engine]


def engine_fingerprint(engine: str, model: str | Path | None = None) -> Fingerprint:
    """What identifies ``engine``'s results with ``model`` (a name or path, None for the default)."""
    return _known(engine).fingerprint(None if model is None else str(model))


def load_engine(engine: str = "faster-whisper", model: str | Path | None = None) -> Engine:
    """A loaded engine; the same engine and weights are loaded once per process."""
    _known(engine)
    return _load(engine, resolve_model(model, engine))


@functools.lru_cache(maxsize=4)
def _load(engine: str, model: ResolvedModel) -> Engine:
    log.info("loading %s from %s", engine, model.path)
    return ENGINES[engine](model)
