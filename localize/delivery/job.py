"""A burn between finding and rendering, and its video pass (shared by :mod:`burn` and :mod:`smartburn`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pysubs2

from localize import processes
from localize.delivery import x264
from localize.delivery.cover import Cover
from localize.delivery.layout import Box
from localize.media import MediaInfo, filter_path, media_arg

if TYPE_CHECKING:
    from localize.delivery.burn import BurnReport

CRF = 20
PRESET = "veryfast"


@dataclass
class Scene:
    """What :func:`find_scene` found: the cover plan, the report fields the search set, static text boxes."""

    plan: Cover | None
    report: BurnReport
    static: list[Box]


@dataclass
class BurnJob:
    """A burn ready to render: checked inputs, the scene and the laid-out ASS document."""

    video: Path
    output: Path
    info: MediaInfo
    document: pysubs2.SSAFile
    scene: Scene
    report: BurnReport
    audio_from: MediaInfo | None  # the dub, probed
    has_audio: bool


def video_args(
    picture: Path, info: MediaInfo, document: pysubs2.SSAFile, plan: Cover | None, tmp: Path, seek: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """Input (after ``seek``) and output options of the burn pass (cover -> subtitles -> x264); files go in ``tmp``."""
    subs = tmp / "subs.ass"
    subs.write_text(document.to_string("ass"), encoding="utf-8")
    chain = plan.filter("0:v", "covered") if plan is not None and plan.mode != "inpaint" else "[0:v]null[covered]"
    graph = f"{chain};[covered]subtitles=filename={filter_path(subs)}{even_filters(info)}[out]"
    (tmp / "graph.txt").write_text(graph, encoding="utf-8")
    threads = str(processes.cpu_count())  # decoding and filtering: any number gives the same frames
    encode = [
        "-c:v",
        "libx264",
        "-threads",
        str(x264.THREADS),
        "-x264-params",
        x264.PARAMS,
        "-preset",
        PRESET,
        "-crf",
        str(CRF),
        "-pix_fmt",
        "yuv420p",
        "-fps_mode",
        "passthrough",
        "-map_metadata",
        "-1",
    ]
    return (
        [*seek, "-threads", threads, "-i", media_arg(picture)],
        [
            "-filter_complex_threads",
            threads,
            "-filter_complex_script",
            media_arg(tmp / "graph.txt"),
            "-map",
            "[out]",
            *encode,
        ],
    )


def even_filters(info: MediaInfo) -> str:
    """Filters that make an odd width or height even (4:2:0 needs it): one more column/row, copied from the edge."""
    width, height = info.width or 0, info.height or 0
    if width % 2 == 0 and height % 2 == 0:
        return ""
    return (
        f",pad={width + width % 2}:{height + height % 2}:0:0,"
        f"fillborders=right={width % 2}:bottom={height % 2}:mode=smear"
    )
