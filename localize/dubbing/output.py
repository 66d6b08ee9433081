"""Write the dub: WAV, FLAC or AAC by extension, or a muxed MP4/MKV with language-tagged streams."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
import soundfile

from localize.errors import LocalizeError
from localize.media import media_arg, probe, run_ffmpeg

AUDIO_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".m4a": "AAC"}
LOSSY = {".m4a"}
MUX_FORMATS = {".mp4": "mov_text", ".mkv": None}
FFMPEG_SUBTITLES = {".srt", ".ass", ".ssa", ".vtt"}
AAC_BITRATE = "192k"
MP4_AUDIO_CODECS = {"aac", "mp3", "alac", "ac3", "eac3"}

#: ISO 639-1 -> (ISO 639-2/T, English name); 3-letter codes pass through.
LANGUAGES = {
    "ar": ("ara", "Arabic"), "bn": ("ben", "Bengali"), "cs": ("ces", "Czech"), "de": ("deu", "German"),
    "el": ("ell", "Greek"), "en": ("eng", "English"), "es": ("spa", "Spanish"), "fa": ("fas", "Persian"),
    "fi": ("fin", "Finnish"), "fr": ("fra", "French"), "he": ("heb", "Hebrew"), "hi": ("hin", "Hindi"),
    "hu": ("hun", "Hungarian"), "id": ("ind", "Indonesian"), "it": ("ita", "Italian"), "ja": ("jpn", "Japanese"),
    "ko": ("kor", "Korean"), "ms": ("msa", "Malay"), "nl": ("nld", "Dutch"), "no": ("nor", "Norwegian"),
    "pl": ("pol", "Polish"), "pt": ("por", "Portuguese"), "ro": ("ron", "Romanian"), "ru": ("rus", "Russian"),
    "sv": ("swe", "Swedish"), "sw": ("swa", "Swahili"), "ta": ("tam", "Tamil"), "th": ("tha", "Thai"),
    "tl": ("tgl", "Tagalog"), "tr": ("tur", "Turkish"), "uk": ("ukr", "Ukrainian"), "ur": ("urd", "Urdu"),
    "vi": ("vie", "Vietnamese"), "zh": ("zho", "Chinese"),
}


def iso639_2(language: str | None) -> str:
    """``en`` / ``en-US`` / ``eng`` -> ``eng``; unknown or missing -> ``und``."""
    code = (language or "").lower().replace("_", "-").split("-")[0]
    if len(code) == 3:
        return code
    return LANGUAGES.get(code, ("und", ""))[0]


def language_name(language: str | None) -> str:
    code = (language or "").lower().replace("_", "-").split("-")[0]
    return LANGUAGES.get(code, ("", code or "Unknown language"))[1]


def check_audio_output(path: Path) -> None:
    if path.suffix.lower() not in AUDIO_FORMATS:
        raise LocalizeError(f"{path}: unsupported audio output; use one of {', '.join(AUDIO_FORMATS)}")


def check_mux_output(path: Path) -> None:
    if path.suffix.lower() not in MUX_FORMATS:
        raise LocalizeError(f"{path}: unsupported mux output; use one of {', '.join(MUX_FORMATS)}")


def write_audio(path: Path, audio: np.ndarray, sample_rate: int, suffix: str | None = None) -> None:
    """Write mono float audio to ``path``; ``suffix`` (default: the path's) picks the format."""
    kind = AUDIO_FORMATS[(suffix or path.suffix).lower()]
    if kind in ("WAV", "FLAC"):
        soundfile.write(path, audio, sample_rate, subtype="PCM_24", format=kind)
    else:
        with tempfile.TemporaryDirectory(prefix="localize-aac-") as tmp:
            wav = Path(tmp) / "dub.wav"
            soundfile.write(wav, audio, sample_rate, subtype="FLOAT")
            run_ffmpeg(["-i", media_arg(wav), "-c:a", "aac", "-b:a", AAC_BITRATE, "-f", "ipod", media_arg(path)], "AAC encoding")


def mux(video: Path, dub_audio: Path, output: Path, dub_language: str | None, original_language: str | None,
        subtitles: Sequence[tuple[Path, str]] = (), final: Path | None = None) -> None:
    """Copy the video stream; dub track first (default), original audio second, then subtitle tracks.

    ``final`` is the path ``output`` becomes (it names the container and the errors).
    """
    final = final or output
    container = final.suffix.lower()
    original = probe(video)
    has_original, original_codec = original.has_audio, original.audio_codec
    inputs = ["-i", media_arg(video), "-i", media_arg(dub_audio)]
    maps = ["-map", "0:v:0", "-map", "1:a:0"] + (["-map", "0:a:0"] if has_original else [])
    codecs = ["-c:v", "copy", "-c:a:0", "copy" if dub_audio.suffix.lower() == ".m4a" else "aac", "-b:a:0", AAC_BITRATE]
    if has_original:
        keep = container == ".mkv" or original_codec in MP4_AUDIO_CODECS
        codecs += ["-c:a:1", "copy" if keep else "aac"]
    tags = _tags("v:0", original_language, "Video", container)
    tags += _tags("a:0", dub_language, f"{language_name(dub_language)} dub", container) + ["-disposition:a:0", "default"]
    if has_original:
        tags += _tags("a:1", original_language, f"Original audio ({language_name(original_language)})", container)
        tags += ["-disposition:a:1", "0"]
    for number, (path, language) in enumerate(subtitles):
        inputs += ["-i", media_arg(path)]
        maps += ["-map", f"{number + 2}:s:0"]
        codecs += [f"-c:s:{number}", _subtitle_codec(path, container)]
        tags += _tags(f"s:{number}", language, f"{language_name(language)} subtitles", container)
    fmt = "mp4" if container == ".mp4" else "matroska"
    run_ffmpeg([*inputs, *maps, *codecs, *tags, "-f", fmt, media_arg(output)], f"muxing {final}")


def _tags(stream: str, language: str | None, title: str, container: str) -> list[str]:
    """Language and title; MP4 keeps a track's title as its handler name (what players show)."""
    key = "handler_name" if container == ".mp4" else "title"
    return [f"-metadata:s:{stream}", f"language={iso639_2(language)}", f"-metadata:s:{stream}", f"{key}={title}"]


def _subtitle_codec(path: Path, container: str) -> str:
    if container == ".mp4":
        return "mov_text"
    return "ass" if path.suffix.lower() in {".ass", ".ssa"} else "srt"

