"""Mux a dub into the video: MP4 or MKV with the dub first (default), the original audio, and subtitle tracks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from localize.errors import InputError
from localize.language import iso639_2, language_name
from localize.media import media_arg, probe, run_ffmpeg

MUX_FORMATS = {".mp4": "mov_text", ".mkv": None}
FFMPEG_SUBTITLES = {".srt", ".ass", ".ssa", ".vtt"}
AAC_BITRATE = "192k"
MP4_AUDIO_CODECS = {"aac", "mp3", "alac", "ac3", "eac3"}


def check_mux_output(path: Path) -> None:
    if path.suffix.lower() not in MUX_FORMATS:
        raise InputError(f"{path}: unsupported mux output; use one of {', '.join(MUX_FORMATS)}")


def mux(
    video: Path,
    dub_audio: Path,
    output: Path,
    dub_language: str | None,
    original_language: str | None,
    subtitles: Sequence[tuple[Path, str]] = (),
    final: Path | None = None,
) -> None:
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
    tags += _tags("a:0", dub_language, f"{language_name(dub_language)} dub", container) + [
        "-disposition:a:0",
        "default",
    ]
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
