"""``transcribe()``: any audio or video file to a track of timed cues with word timings."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from localize.chinese import chinese_text, converter
from localize.errors import InputError, OptionError
from localize.language import looks_chinese, parse_language
from localize.media import SAMPLE_RATE, MediaInfo, check_input, probe, stream_audio
from localize.model import DEFAULT_FPS, Track, Word, is_cjk
from localize.transcription.engines import DecodeOptions, Engine, load_engine, shifted
from localize.transcription.options import SpeakerOptions, TranscriptionOptions, refuse_speakers_under_hardsub
from localize.transcription.segment import CJK_LANGUAGES, CueRules, words_to_cues
from localize.transcription.speakers import SpeakerVoices
from localize.transcription.terms import restore_terms
from localize.vad import speech_clips, speech_only, speech_regions
from localize.validate import as_band, as_items, as_optional_text, as_options, as_path, as_text, public

log = logging.getLogger("localize.transcription")

#: audio is decoded and recognized in windows of this length, so memory stays bounded
WINDOW_SECONDS = 600
#: a window ends at the quietest 50 ms within this many seconds of its nominal end
CUT_SEARCH_SECONDS = 10
MIN_SPEECH_SECONDS = 0.3
#: where ``transcribe(source=...)`` reads the dialogue from
SOURCES = ("audio", "hardsub", "auto")
#: languages written in Han characters alone
HAN_LANGUAGES = ("zh", "yue")

Progress = Callable[[int, int], None]


@public(options=TranscriptionOptions, speakers=SpeakerOptions)
def transcribe(
    media: str | Path,
    language: str = "auto",
    glossary: Sequence[str] | None = None,
    script: str = "simplified",
    options: TranscriptionOptions | None = None,
    *,
    speakers: SpeakerOptions | str | int = "off",
    source: str = "audio",
    band: tuple[float, float] | None = None,
    progress: Progress | None = None,
) -> Track:
    """Recognize the speech in ``media`` (or read its burned-in subtitles) as timed cues.

    ``language``: a code ("zh", "en", ...), "auto" (zh or en, whichever the model finds
    likelier) or a comma list to choose from ("zh,en,ja"). ``glossary``: names and terms
    to bias recognition towards. ``script``: "simplified" or "traditional" for Chinese.
    ``options``: engine, model, VAD and beam size (:class:`TranscriptionOptions`).
    ``speakers``: label who speaks (:class:`SpeakerOptions`; "auto" or a count for short).
    ``source``: "audio" (speech recognition), "hardsub" (OCR of subtitles burned into the
    picture, see :mod:`localize.hardsub`) or "auto" (hardsub when a subtitle band is found,
    else audio; the track's ``meta["from"]`` says which). ``band``: (top, bottom) fractions
    of the height holding the burned-in subtitles, else found automatically.
    ``progress(done_ms, total_ms)`` is called after each window.
    """
    options = as_options(options, TranscriptionOptions)
    who = speakers if isinstance(speakers, SpeakerOptions) else SpeakerOptions(speakers)
    path, band = check_input(as_path(media, "media")), as_band(band)
    as_optional_text(language, "language"), converter(as_text(script, "script", error=OptionError))
    if as_text(source, "source", error=OptionError) not in SOURCES:
        raise OptionError(f"unknown source {source!r} (choose {', '.join(SOURCES)})")
    glossary = as_items(() if glossary is None else glossary, "glossary", (str,))
    if source == "audio" and (band is not None or options.ocr_engine is not None):
        option = "a subtitle band" if band is not None else "an OCR engine"
        raise OptionError(f"{option} only applies to --source hardsub or auto")
    refuse_speakers_under_hardsub(source, who.speakers)
    info = probe(path)
    if source != "audio":
        track = _hardsub(path, info, source, band, language, script, options.ocr_engine)
        if track is not None:
            return track
    if not info.has_audio:
        raise InputError(f"{path}: has no audio stream")
    fixed, allowed = parse_language(language)
    voices = SpeakerVoices(who.speakers, who.encoder, who.title)
    backend = load_engine(options.engine, options.model)
    detected, words = fixed, []
    for offset, audio in audio_windows(path, info=info):
        if detected is None:
            detected = detect_spoken_language(backend, audio, allowed)
        if detected is not None:
            regions = speech_regions(audio)
            decoding = decode_options(detected, glossary, options.vad, options.beam_size, options.batched)
            found = snap_to_speech(recognize(backend, audio, decoding), audio, regions)
            words += [shifted(w, offset) for w in found]
            voices.listen(audio, regions, offset)
        if progress:
            progress(min(offset + len(audio) * 1000 // SAMPLE_RATE, info.duration), info.duration)
    pipeline = "batched" if options.batched else "sequential"
    track = _track(words, detected, script, glossary, info.fps, backend, path, pipeline)
    return voices.label(track, episode=path.stem)


def _hardsub(
    path: Path,
    info: MediaInfo,
    source: str,
    band: tuple[float, float] | None,
    language: str,
    script: str,
    ocr_engine: str | None,
) -> Track | None:
    """The burned-in subtitles as a track; None when ``auto`` finds none (then audio is used)."""
    from localize.hardsub import DEFAULT_OCR, NoSubtitlesFound, read_hardsubs

    hardsub_language = "auto" if "," in language else language
    if source == "auto" and not info.has_video:
        log.warning("%s: no video stream, so no burned-in subtitles; transcribing the audio", path)
        return None
    try:
        track = read_hardsubs(
            path, band=band, language=hardsub_language, script=script, engine=ocr_engine or DEFAULT_OCR
        )
    except NoSubtitlesFound as error:
        if source == "hardsub":
            raise
        log.warning("%s; transcribing the audio instead", error)
        return None
    if source == "auto":
        log.info(
            "%s: burned-in subtitles found in the band %s; reading them instead of the audio",
            path,
            tuple(track.meta["band"]),
        )
    _check_language(track, parse_language(language)[0])
    return track


def _check_language(track: Track, given: str | None) -> None:
    """Warn when the burned-in text is Chinese and the ``given`` language is not, or the other way round
    (the track keeps the language given)."""
    text = "\n".join(cue.text for cue in track)
    chinese = looks_chinese(text)
    if given is not None and text.strip() and chinese != (given in HAN_LANGUAGES):
        found = "Chinese" if chinese else "not Chinese"
        log.warning("language %s was given, but the burned-in subtitles are %s; the track says %s", given, found, given)


def detect_spoken_language(backend: Engine, audio: np.ndarray, allowed: Sequence[str]) -> str | None:
    """The likeliest of ``allowed`` languages for the speech in ``audio``; None if no speech."""
    speech, _ = speech_only(audio)
    if speech.size < MIN_SPEECH_SECONDS * SAMPLE_RATE:
        return None
    probs = backend.language_probs(speech[: 30 * SAMPLE_RATE])
    best = max(allowed, key=lambda code: probs.get(code, 0.0))
    log.info("detected language %s (p=%.2f among %s)", best, probs.get(best, 0.0), ",".join(allowed))
    return best


def decode_options(
    language: str, glossary: Iterable[str], vad: bool, beam_size: int = 5, batched: bool = False
) -> DecodeOptions:
    """Decoder settings for ``language``; glossary terms become hotwords for English.

    Not for Chinese: decoding in sequence with the previous text as prompt, Mandarin hotwords
    derailed whole windows (the fixture's CER 0.33 without them, 0.56-0.89 with them); the
    names are restored by sound after decoding instead (:func:`restore_terms`).
    """
    terms = [t.strip() for t in glossary if t.strip() and not any(map(is_cjk, t.strip()))]
    hotwords = ", ".join(dict.fromkeys(terms)) if language not in CJK_LANGUAGES and terms else None
    return DecodeOptions(language=language, hotwords=hotwords, vad=vad, beam_size=beam_size, batched=batched)


def recognize(backend: Engine, audio: np.ndarray, options: DecodeOptions) -> list[Word]:
    """Words from ``backend``; decoded again without hotwords if they took over the output.

    On unclear speech Whisper base sometimes loops on a hotword ("陆景琛琛琛琛...") or
    prints little but the hotwords themselves ("林晚，陆景琛琛陆景琛" for a whole episode,
    seen on some CPUs). The names are then restored after decoding by
    :func:`restore_terms` (Chinese) instead.
    """
    words = backend.words(audio, options)
    text = "".join(w.text for w in words)
    if options.hotwords and (looks_looped(text) or echoes_hotwords(text, options.hotwords)):
        log.info("hotwords took over the decoder's output; decoding again without them")
        words = backend.words(audio, replace(options, hotwords=None))
    return fill_skipped(backend, audio, options, words) if options.vad and options.fill_skipped else words


#: a stretch of speech with fewer words per second than this was skipped by the decoder
MIN_WORDS_PER_SECOND = 1.0
#: a stretch holding a word longer than this was partly skipped: alignment stretched the word over the gap
MAX_WORD_MS = 1500


def fill_skipped(backend: Engine, audio: np.ndarray, options: DecodeOptions, words: list[Word]) -> list[Word]:
    """``words`` with the stretches of speech the decoder skipped decoded again on their own.

    Decoding up to 30 s of speech at once, Whisper base often ends its output after one
    sentence of several, and word alignment then stretches the last words over the
    unspoken part ("欢4.2-7.4 迎7.4-9.9" over a 5 s sentence it never wrote). Stretches of
    speech (:func:`speech_clips`) holding under ``MIN_WORDS_PER_SECOND`` word midpoints, or a
    word longer than ``MAX_WORD_MS`` ("he is 15.8-18.4" for "he is the God of War"), are
    decoded again, each on its own but all in one call (one batch for faster-whisper); a
    stretch's new words replace the old ones when there are more of them.
    """
    inside = {clip: _within(words, clip) for clip in speech_clips(audio)}
    skipped = tuple(clip for clip, found in inside.items() if _looks_skipped(found, clip))
    if not skipped:
        return words
    again = backend.words(audio, replace(options, clips=skipped))
    for clip in skipped:
        new = _within(again, clip)
        if len(new) > len(inside[clip]):
            log.info("speech at %d-%d ms was skipped by the decoder; decoded it on its own", *clip)
            words = sorted([w for w in words if w not in inside[clip]] + new, key=lambda w: w.start)
    return words


def _looks_skipped(words: list[Word], clip: tuple[int, int]) -> bool:
    too_few = len(words) < MIN_WORDS_PER_SECOND * (clip[1] - clip[0]) / 1000
    return too_few or any(w.end - w.start > MAX_WORD_MS for w in words)


def _within(words: list[Word], clip: tuple[int, int]) -> list[Word]:
    """The words whose midpoint lies in ``clip`` (start, end ms)."""
    return [w for w in words if clip[0] <= (w.start + w.end) // 2 < clip[1]]


def looks_looped(text: str) -> bool:
    """True when a unit of 1-8 characters repeats four or more times in a row."""
    return re.search(r"(.{1,8}?)\1{3,}", re.sub(r"\W+", "", text)) is not None


#: share of the recognized letters that may be hotword text before the decode is distrusted
HOTWORD_SHARE = 0.5


def echoes_hotwords(text: str, hotwords: str) -> bool:
    """True when more than half of ``text``'s letters spell hotwords (the decoder echoed its prompt)."""
    letters = re.sub(r"\W+", "", text)
    terms = sorted({re.sub(r"\W+", "", t) for t in re.split(r"[，,]", hotwords)} - {""}, key=len, reverse=True)
    if len(letters) < 4 or not terms:
        return False
    rest = re.sub("|".join(map(re.escape, terms)), "", letters)
    return len(letters) - len(rest) > HOTWORD_SHARE * len(letters)


def snap_to_speech(words: list[Word], audio: np.ndarray, regions: list[tuple[int, int]] | None = None) -> list[Word]:
    """Move word edges that fall in silence onto the nearest voice onset/offset.

    Whisper's alignment puts the first word of a phrase at the start of the padded VAD
    chunk (up to 400 ms early); a tight Silero VAD pass (``regions``, found if not
    given) finds where the voice starts.
    """
    regions = speech_regions(audio) if regions is None else regions
    return [_snap(w, regions) for w in words]


def _snap(word: Word, regions: list[tuple[int, int]]) -> Word:
    start, end = word.start, word.end
    if not any(a <= start < b for a, b in regions):
        start = next((a for a, _ in regions if start < a < end), start)
    if not any(a < end <= b for a, b in regions):
        end = next((b for _, b in reversed(regions) if start < b < end), end)
    return Word(start, end, word.text, word.probability)


def audio_windows(
    path: Path, seconds: int = WINDOW_SECONDS, info: MediaInfo | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    """(offset in ms, mono 16 kHz audio) windows of about ``seconds``, cut at quiet points.

    ``info``: the file's probe result, if already known (saves a second ffprobe).
    """
    size, buffer, offset = seconds * SAMPLE_RATE, np.zeros(0, np.float32), 0
    for chunk in stream_audio(path, info=info):
        buffer = np.concatenate([buffer, chunk])
        while len(buffer) >= size + CUT_SEARCH_SECONDS * SAMPLE_RATE:
            cut = _quiet_point(buffer, size)
            yield offset * 1000 // SAMPLE_RATE, buffer[:cut]
            buffer, offset = buffer[cut:], offset + cut
    if len(buffer) or offset == 0:
        yield offset * 1000 // SAMPLE_RATE, buffer


def _quiet_point(audio: np.ndarray, near: int) -> int:
    """Sample index of the quietest 50 ms frame in the ``CUT_SEARCH_SECONDS`` before ``near``."""
    frame = SAMPLE_RATE // 20
    start = near - CUT_SEARCH_SECONDS * SAMPLE_RATE
    frames = audio[start:near].reshape(-1, frame)
    return start + int(np.argmin((frames**2).mean(axis=1))) * frame + frame // 2


def _track(
    words: list[Word],
    language: str | None,
    script: str,
    glossary: Sequence[str],
    fps: Fraction | None,
    backend: Engine,
    path: Path,
    decoding: str,
) -> Track:
    if language == "zh":
        words = restore_terms(
            [Word(w.start, w.end, chinese_text(w.text, script), w.probability) for w in words], glossary
        )
    cues = words_to_cues(words, CueRules.for_language(language))
    meta: dict[str, Any] = {
        "from": "audio",
        "engine": backend.name,
        "model": backend.model.name,
        "model_path": str(backend.model.path),
        "source": str(path),
        "decoding": decoding,
    }
    if backend.model.sha256:
        meta["model_sha256"] = backend.model.sha256
    if language == "zh":
        meta["script"] = script
    if not cues:
        message = f"{path}: no speech found (silence or music only); the track is empty"
        log.warning(message)
        meta["warnings"] = [message]
    return Track(cues=cues, language=language, fps=fps or DEFAULT_FPS, meta=meta)
