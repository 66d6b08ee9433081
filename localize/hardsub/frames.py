"""Decoded video frames as (presentation time in ms, luma plane), read with PyAV.

Times come from each frame's own timestamp, never from its number and a nominal rate,
so variable-frame-rate phone exports keep their exact on/off times.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from localize.errors import InputError
from localize.media import check_input, media_arg

#: pixel formats whose first plane is the luma (Y) plane, read without conversion
LUMA_FIRST = ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "yuv420p10le")


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its presentation time (ms) and luma as a 2-D uint8 array."""

    time: int
    luma: np.ndarray


def video_size(path: str | Path) -> tuple[int, int]:
    """(width, height) of the first video stream; :class:`InputError` without one."""
    with _open(path) as container:
        stream = _video_stream(container, path)
        return stream.codec_context.width, stream.codec_context.height


def frames(path: str | Path, keyframes_only: bool = False) -> Iterator[Frame]:
    """Every frame (or only every keyframe: much faster) of the first video stream, in order."""
    import av

    with _open(path) as container:
        stream = _video_stream(container, path)
        stream.thread_type = "AUTO"
        if keyframes_only:
            stream.codec_context.skip_frame = "NONKEY"
        try:
            for frame in container.decode(stream):
                if frame.time is not None:
                    yield Frame(round(frame.time * 1000), _luma(frame))
        except av.FFmpegError as error:
            raise InputError(f"{path}: video could not be decoded ({error})") from None


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
