"""Hiding the source subtitles where and while they are on screen.

The cover region is the union of the events' text boxes (padded), shown only during the
events. ``blur`` and ``box`` are ffmpeg filters in the burn pass; ``inpaint`` fills the
text pixels from their surroundings with OpenCV, frame by frame, into an intermediate
file that keeps every frame's timestamp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from localize.delivery import x264
from localize.errors import OptionError
from localize.hardsub import Event, display_info, upright
from localize.imaging import text_mask
from localize.media import media_arg

COVERS = ("auto", "blur", "box", "inpaint", "none")


@dataclass(frozen=True)
class Cover:
    """How (``mode``), where (``box``: left, top, right, bottom px) and when (``windows``, ms).

    ``colours``: for ``box``, one fill colour per window, taken from the picture around it.
    """

    mode: str
    box: tuple[int, int, int, int]
    windows: tuple[tuple[int, int], ...]
    colours: tuple[str, ...] = ()

    @property
    def enable(self) -> str:
        """An ffmpeg ``enable`` expression true while any window is on screen."""
        return "+".join(_between(window) for window in self.windows)

    def filter(self, source: str, target: str) -> str:
        """The filtergraph chain from pad ``source`` to pad ``target`` for blur/box/none."""
        left, top, right, bottom = self.box
        width, height = right - left, bottom - top
        if self.mode == "blur":
            sigma = max(6, height // 2)
            return (
                f"[{source}]split[base][region];[region]crop={width}:{height}:{left}:{top},gblur=sigma={sigma},"
                f"gblur=sigma={sigma}[blurred];[base][blurred]overlay={left}:{top}:enable='{self.enable}'[{target}]"
            )
        if self.mode == "box":
            boxes = ",".join(
                f"drawbox=x={left}:y={top}:w={width}:h={height}:color={colour}:t=fill:enable='{_between(window)}'"
                for window, colour in zip(self.windows, self.colours)
            )
            return f"[{source}]{boxes}[{target}]"
        return f"[{source}]null[{target}]"


def _between(window: tuple[int, int]) -> str:
    return f"gte(t,{window[0] / 1000:.3f})*lt(t,{window[1] / 1000:.3f})"


def check_mode(mode: str) -> str:
    if not isinstance(mode, str) or mode not in COVERS:
        raise OptionError(f"unknown cover {mode!r} (choose {', '.join(COVERS)})")
    return mode


def plan_cover(mode: str, events: Sequence[Event], size: tuple[int, int], video: Path) -> Cover:
    """The cover for ``events`` in a ``size`` (width, height) frame."""
    box = _padded_union([e.box for e in events], size)
    windows = tuple((e.start, e.end) for e in events)
    colours = _surrounding_colours(video, box, windows) if mode == "box" else ()
    return Cover(mode, box, windows, colours)


def _padded_union(boxes: Sequence[tuple[int, int, int, int]], size: tuple[int, int]) -> tuple[int, int, int, int]:
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad = max(6, (bottom - top) // 3)
    width, height = size
    box = max(0, left - pad), max(0, top - pad), min(width, right + pad), min(height, bottom + pad)
    # even sizes and offsets keep 4:2:0 chroma aligned
    return box[0] // 2 * 2, box[1] // 2 * 2, box[2] // 2 * 2, box[3] // 2 * 2


def _surrounding_colours(
    video: Path, box: tuple[int, int, int, int], windows: Sequence[tuple[int, int]]
) -> tuple[str, ...]:
    """Per window: the median colour of the strip just above the box, in the window's middle frame."""
    import av

    left, top, right, bottom = box
    strip = slice(max(0, top - max(4, (bottom - top) // 2)), max(1, top))
    colours, rotation = [], display_info(video).rotation
    with av.open(media_arg(video)) as container:
        stream = container.streams.video[0]
        for start, end in windows:
            middle = (start + end) // 2
            container.seek(int(middle / 1000 / stream.time_base), stream=stream)  # the keyframe before
            frame = next((f for f in container.decode(stream) if f.time is not None and f.time * 1000 >= middle), None)
            picture = upright(frame.to_ndarray(format="rgb24"), rotation) if frame else None
            pixels = picture[strip, left:right].reshape(-1, 3) if picture is not None else np.zeros((1, 3))
            colours.append("0x{:02X}{:02X}{:02X}".format(*(int(v) for v in np.median(pixels, axis=0))))
    return tuple(colours)


def inpaint_video(video: Path, cover: Cover, target: Path) -> None:
    """``video`` with the text pixels inside the cover box inpainted during the windows, into ``target``.

    Lossless-quality x264 in Matroska (4:4:4 for an odd frame size, which 4:2:0 cannot hold), every frame upright (as the display matrix shows
    it, which ``target`` then no longer needs) and keeping its own timestamp.
    """
    import av

    info = display_info(video)
    with av.open(media_arg(video)) as source, av.open(media_arg(target), "w") as sink:
        stream = source.streams.video[0]
        out = sink.add_stream("libx264", rate=stream.average_rate or 30)
        pix_fmt = "yuv444p" if (info.width or 0) % 2 or (info.height or 0) % 2 else "yuv420p"
        out.width, out.height, out.pix_fmt = info.width, info.height, pix_fmt
        out.time_base = stream.time_base
        out.options = {"crf": "10", "preset": "ultrafast", "x264-params": x264.PARAMS}
        out.codec_context.thread_count = x264.THREADS
        for frame in source.decode(stream):
            image = np.ascontiguousarray(upright(frame.to_ndarray(format="bgr24"), info.rotation))
            if frame.time is not None and _covered(cover, round(frame.time * 1000)):
                image = _inpaint(image, cover.box)
            new = av.VideoFrame.from_ndarray(image, format="bgr24")
            new.pts, new.time_base = frame.pts, frame.time_base
            sink.mux(out.encode(new.reformat(format=pix_fmt)))
        sink.mux(out.encode(None))


def _covered(cover: Cover, time: int) -> bool:
    return any(a <= time < b for a, b in cover.windows)


def _inpaint(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    import cv2

    left, top, right, bottom = box
    region = np.ascontiguousarray(image[top:bottom, left:right])
    luma = cv2.cvtColor(region, cv2.COLOR_BGR2GRAY)
    text = text_mask(luma, width=image.shape[1]).astype(np.uint8)
    text |= cv2.dilate((luma <= 80).astype(np.uint8), np.ones((3, 3), np.uint8)) & cv2.dilate(
        text, np.ones((9, 9), np.uint8)
    )  # type: ignore[operator]  # cv2 types results int-or-float; these are uint8
    mask = cv2.dilate(text, np.ones((5, 5), np.uint8))
    image[top:bottom, left:right] = cv2.inpaint(region, mask * 255, 5, cv2.INPAINT_TELEA)
    return image
