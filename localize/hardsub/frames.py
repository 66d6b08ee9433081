"""Decoded video frames as (presentation time in ms, luma plane), read with PyAV.

Times come from each frame's own timestamp, never from its number and a nominal rate,
so variable-frame-rate phone exports keep their exact on/off times. Frames are turned
upright as the display matrix says (phone video is often stored sideways), the way
ffmpeg's auto-rotation shows them, so every position is in displayed pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from localize.errors import InputError
from localize.media import MediaInfo, check_complete, check_input, media_arg, probe

#: pixel formats whose first plane is the luma (Y) plane, read without conversion
LUMA_FIRST = ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "yuv420p10le")
#: display rotation (clockwise degrees, as ffmpeg auto-rotates) -> ``np.rot90`` turns
TURNS = {0: 0, 90: -1, 180: 2, 270: 1}


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its presentation time (ms) and luma as a 2-D uint8 array."""

    time: int
    luma: np.ndarray


def video_size(path: str | Path) -> tuple[int, int]:
    """(width, height) of the first video stream as displayed; :class:`InputError` without one."""
    info = display_info(path)
    return info.width or 0, info.height or 0


def display_info(path: str | Path) -> MediaInfo:
    """:func:`probe` of a video whose picture can be shown upright; else :class:`InputError`.

    ``rotation`` is then 0, 90, 180 or 270; a mirroring or odd-angle display matrix is
    refused: positions could not match what ffmpeg shows.
    """
    info = probe(path)
    if not info.has_video:
        raise InputError(f"{path}: has no video stream (burned-in subtitles need a picture)")
    if info.mirrored or info.rotation not in TURNS:
        how = "mirrors" if info.mirrored else f"turns by {info.rotation} degrees"
        raise InputError(
            f"{path}: its display matrix {how} the picture; burned-in subtitles are handled only in "
            "video shown upright or turned by 90, 180 or 270 degrees (re-encode it: ffmpeg -i IN OUT.mp4)"
        )
    return info


def upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """A stored frame (2-D or H x W x C) turned ``rotation`` degrees clockwise, as displayed."""
    return np.rot90(image, TURNS[rotation]) if rotation else image


def frames(path: str | Path, keyframes_only: bool = False) -> Iterator[Frame]:
    """Every frame (or only every keyframe: much faster) of the first video stream, in order, upright.

    Decoding every frame to the end checks the video is complete: a file that stops
    short of its stated length is an :class:`InputError`, not a partial read.
    """
    import av

    info = display_info(path)
    end = 0
    with _open(path) as container:
        stream = _video_stream(container, path)
        stream.thread_type = "AUTO"
        if keyframes_only:
            stream.codec_context.skip_frame = "NONKEY"
        try:
            for frame in container.decode(stream):
                if frame.time is not None:
                    end = max(end, round((frame.time + (frame.duration or 0) * frame.time_base) * 1000))
                    yield Frame(round(frame.time * 1000), upright(_luma(frame), info.rotation))
        except av.FFmpegError as error:
            raise InputError(f"{path}: video could not be decoded ({error})") from None
    if not keyframes_only and end:
        check_complete(path, info.video_duration or info.duration, end, "video")


def _open(path: str | Path):  # noqa: ANN202 - av's container type
    import av

    path = check_input(path)
    try:
        return av.open(media_arg(path))
    except av.FFmpegError as error:
        raise InputError(f"{path}: not a readable video file ({error})") from None


def _video_stream(container, path: str | Path):  # noqa: ANN001, ANN202
    if not container.streams.video:
        raise InputError(f"{path}: has no video stream (burned-in subtitles need a picture)")
    return container.streams.video[0]


def _luma(frame) -> np.ndarray:  # noqa: ANN001 - av.VideoFrame
    if frame.format.name in LUMA_FIRST and not frame.format.name.endswith("10le"):
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        return rows[:, : plane.width]
    return frame.to_ndarray(format="gray")
