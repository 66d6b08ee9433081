"""ffmpeg and ffprobe at the edges: probing and decoding any audio or video container."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from localize import processes
from localize.errors import InputError, ModelError
from localize.fileio import FileMemo

log = logging.getLogger(__name__)
SAMPLE_RATE = 16_000  # what Whisper and the VAD expect
TRUNCATION_TOLERANCE_MS = 1000  # decoded audio or video may fall this much (or 2%) short of the stated length


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ModelError(f"{name} is not installed (Debian: apt-get install ffmpeg)")
    return path


def media_arg(path: str | Path) -> str:
    """``path`` as ffmpeg, ffprobe and PyAV must be given it: ``file:`` and the absolute path.

    Never taken for an option (``-report``), a protocol (``pipe:0.mp4``, ``ep1:final.mp4``)
    or stdin, whatever the file is called.
    """
    return f"file:{Path(path).absolute()}"


def filter_path(path: str | Path) -> str:
    """``path`` as a file option of a filter in an ffmpeg filter graph (``subtitles=filename=...``).

    Escaped at both levels ffmpeg parses: the filter's options (``' : \\``), then the graph
    (``' \\ [ ] , ;``), so a temporary folder such as ``/tmp/a:b'c`` stays one file name.
    """
    value = _escaped(str(Path(path).absolute()), "\\':")
    return _escaped(value, "\\'[],;")


def _escaped(text: str, special: str) -> str:
    return "".join(f"\\{char}" if char in special else char for char in text)


@dataclass(frozen=True)
class MediaInfo:
    """What ffprobe says about a file. ``duration`` in ms; ``fps`` None without video."""

    path: Path
    duration: int
    has_audio: bool
    has_video: bool
    fps: Fraction | None
    width: int | None
    height: int | None
    audio_duration: int | None = None  # ms, when the container states it for the audio stream
    video_duration: int | None = None  # ms, likewise for the video stream
    #: the display matrix: clockwise degrees players (and ffmpeg's auto-rotation) turn the stored
    #: picture, and whether it is mirrored; ``width`` and ``height`` are the displayed size
    rotation: int = 0
    mirrored: bool = False
    audio_codec: str | None = None  # of the first audio stream ("aac", "pcm_s24le"...)


def check_input(path: str | os.PathLike[str]) -> Path:
    """A readable regular file, or a one-line error."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty")
    return path


def probe(path: str | Path) -> MediaInfo:
    """Probe a media file; raise :class:`LocalizeError` if ffmpeg cannot read it.

    ffprobe runs once per file content (:class:`localize.fileio.FileMemo`): every stage of
    an episode gets the same frozen :class:`MediaInfo` (its ``path`` as that caller gave it).
    """
    path = check_input(path)
    info = _PROBES(path)
    return info if info.path == path else replace(info, path=path)


def _probe(path: Path) -> MediaInfo:
    log.debug("ffprobe %s", path)
    cmd = [
        require_tool("ffprobe"),
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        media_arg(path),
    ]
    result = processes.run(cmd, text=True)
    if result.returncode != 0:
        raise InputError(f"{path}: not a readable audio or video file ({_reason(result.stderr, path)})")
    data = json.loads(result.stdout or "{}")
    streams = data.get("streams", [])
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    video = [s for s in streams if s.get("codec_type") == "video" and s.get("disposition", {}).get("attached_pic") != 1]
    if not audio and not video:
        raise InputError(f"{path}: no audio or video stream")
    duration = float(data.get("format", {}).get("duration") or 0.0)
    fps = _video_fps(video[0]) if video else None
    rotation, mirrored = _display_matrix(video[0]) if video else (0, False)
    width, height = (video[0].get("width"), video[0].get("height")) if video else (None, None)
    if rotation in (90, 270):
        width, height = height, width  # the displayed size
    return MediaInfo(
        path=path,
        duration=round(duration * 1000),
        has_audio=bool(audio),
        has_video=bool(video),
        fps=fps,
        width=width,
        height=height,
        audio_duration=_stream_ms(audio[0]) if audio else None,
        video_duration=_stream_ms(video[0]) if video else None,
        rotation=rotation,
        mirrored=mirrored,
        audio_codec=audio[0].get("codec_name") if audio else None,
    )


_PROBES: FileMemo[MediaInfo] = FileMemo(_probe, maxsize=64)


def _reason(stderr: str, path: str | Path) -> str:
    """ffprobe's last error line, without the ``file:/...: `` it names ``path`` by (the message does)."""
    return (stderr.strip().splitlines() or ["unknown format"])[-1].removeprefix(f"{media_arg(path)}: ")


def _display_matrix(stream: dict) -> tuple[int, bool]:
    """(clockwise degrees in 0-359, mirrored) of the stream's display matrix, as ffmpeg auto-rotates."""
    for side in stream.get("side_data_list") or []:
        if side.get("side_data_type") == "Display Matrix":
            cells = [
                int(n) for row in re.findall(r":((?:\s+-?\d+){3})", side.get("displaymatrix", "")) for n in row.split()
            ]
            mirrored = len(cells) == 9 and cells[0] * cells[4] - cells[1] * cells[3] < 0
            return round(-float(side.get("rotation") or 0)) % 360, mirrored
    return 0, False


def _stream_ms(stream: dict) -> int | None:
    try:
        return round(float(stream["duration"]) * 1000)
    except (KeyError, TypeError, ValueError):
        return None


def _video_fps(stream: dict) -> Fraction | None:
    for key in ("r_frame_rate", "avg_frame_rate"):
        value = stream.get(key)
        if value and value != "0/0":
            return Fraction(value)
    return None


def frame_times(path: str | Path) -> list[int]:
    """Presentation time (ms) of every frame of the first video stream, in display order.

    Read from the packets' timestamps (PyAV demuxing, no decoding), so variable frame rate
    video (phone captures, app exports, frames dropped) is timed as it plays. Empty when the
    container has no timestamps (raw streams): callers fall back to the nominal rate.
    """
    import av

    path = check_input(path)
    try:
        with av.open(media_arg(path)) as container:
            if not container.streams.video:
                return []
            stream = container.streams.video[0]
            base = Fraction(stream.time_base or 0)
            found = [packet.pts for packet in container.demux(stream) if packet.size or packet.pts is not None]
    except av.FFmpegError as error:
        raise InputError(f"{path}: cannot read the video's frame timestamps ({error})") from None
    stamps = [pts for pts in found if isinstance(pts, int)]
    if not base or not stamps or len(stamps) < len(found):  # a packet without a timestamp: none are trusted
        return []
    return sorted(round(pts * base * 1000) for pts in stamps)


def stream_audio(
    path: str | Path, sample_rate: int = SAMPLE_RATE, chunk_seconds: float = 30.0, info: MediaInfo | None = None
) -> Iterator[np.ndarray]:
    """Decode the first audio stream to mono float32 at ``sample_rate``, chunk by chunk.

    Memory stays bounded however long the file is. Raises :class:`LocalizeError` when the
    file has no audio stream or ffmpeg fails part-way. ``info``: the file's :func:`probe`
    result when the caller already has it (saves a second ffprobe).
    """
    info = info or probe(path)
    if not info.has_audio:
        raise InputError(f"{path}: has no audio stream")
    cmd = [
        *ffmpeg_reading(path),
        "-map",
        "0:a:0",
        "-ac",
        "1",
        "-ar",
        str(sample_rate),
        "-f",
        "f32le",
        "-",
    ]
    chunk_bytes = int(sample_rate * chunk_seconds) * 4
    decoded = 0
    with processes.child(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        while data := proc.stdout.read(chunk_bytes):
            decoded += len(data) // 4
            yield np.frombuffer(data[: len(data) // 4 * 4], dtype=np.float32)
        stderr = proc.stderr.read().decode(errors="replace").strip()
        if proc.wait() != 0:
            raise InputError(f"{path}: ffmpeg could not decode the audio ({(stderr.splitlines() or ['?'])[-1]})")
    _check_complete(path, info, decoded * 1000 // sample_rate, stderr)


def _check_complete(path: str | Path, info: MediaInfo, decoded_ms: int, stderr: str) -> None:
    """A truncated or damaged file decodes short of its stated length: say so instead of using a part.

    The audio stream's own duration is trusted; the container's only when ffmpeg also
    reported decoding errors (an audio track may legitimately end before the video).
    """
    stated = info.audio_duration if info.audio_duration else (info.duration if stderr else None)
    reason = f" ({stderr.splitlines()[-1].strip()})" if stderr else ""
    check_complete(path, stated, decoded_ms, "audio", reason)


class TruncatedMedia(InputError):
    """A stream decodes short of its stated length: the file is cut off or damaged."""


def check_complete(path: str | Path, stated: int | None, decoded_ms: int, what: str, reason: str = "") -> None:
    """Refuse a stream that decodes (``decoded_ms``) short of its ``stated`` length (ms): truncated or damaged."""
    if stated is None or stated - decoded_ms <= max(TRUNCATION_TOLERANCE_MS, stated // 50):
        return
    raise TruncatedMedia(
        f"{path}: truncated or damaged: only {decoded_ms / 1000:.1f} s of its {stated / 1000:.1f} s of {what} decode{reason}"
    )


def load_audio(path: str | Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The whole first audio stream as mono float32 (see :func:`stream_audio`)."""
    chunks = list(stream_audio(path, sample_rate))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


def ffmpeg_reading(path: str | Path) -> list[str]:
    """The start of an ffmpeg command that reads ``path`` (quiet but for errors, never reading stdin)."""
    return [require_tool("ffmpeg"), "-nostdin", "-v", "error", "-i", media_arg(path)]


def run_ffmpeg(args: list[str], what: str) -> None:
    """Run ffmpeg with ``args`` (paths in them given by :func:`media_arg`); a failure becomes a
    one-line :class:`LocalizeError`, an interruption kills it (:func:`localize.processes.child`)."""
    cmd = [require_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", *args]
    result = processes.run(cmd, text=True)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise InputError(f"{what} failed: {reason}")
