"""``burn()``: target-language subtitles rendered into the picture, the source ones covered.

One ffmpeg pass: cover (blur/box) -> libass renders the subtitles (our vertical ASS style
at 1080x1920, scaled to the video, a Noto font that covers the target script) -> x264.
Every frame keeps its timestamp (``-fps_mode passthrough``), so frame count, rate and
length match the input; the audio is the input's (copied) or a given dub.
"""
from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localize.delivery.cover import Cover, check_mode, inpaint_video, plan_cover
from localize.errors import InputError
from localize.validate import as_band, as_optional_text, as_path
from localize.fileio import atomic_path, refuse_overwrite
from localize import processes
from localize.media import check_input, media_arg, probe, require_tool, run_ffmpeg
from localize.model import Track

log = logging.getLogger("localize.delivery")

#: Noto families (Debian fonts-noto-cjk, fonts-noto-core) by target language
FONTS = {"zh": "Noto Sans CJK SC", "ja": "Noto Sans CJK JP", "ko": "Noto Sans CJK KR", "th": "Noto Sans Thai"}
DEFAULT_FONT = "Noto Sans"
#: ASS style fields ``style`` may set (libass ``force_style``)
STYLE_FIELDS = ("Fontname", "Fontsize", "PrimaryColour", "SecondaryColour", "OutlineColour", "BackColour", "Bold",
                "Italic", "Underline", "StrikeOut", "ScaleX", "ScaleY", "Spacing", "Angle", "BorderStyle", "Outline",
                "Shadow", "Alignment", "MarginL", "MarginR", "MarginV")
CRF = 20
PRESET = "veryfast"


@dataclass
class BurnReport:
    """What :func:`burn` made: the file, how the source subtitles were covered, where and when."""

    output: str
    cover: str
    band: list[float] | None = None
    cover_box: list[int] | None = None
    covered_events: int = 0
    cues: int = 0
    font: str = DEFAULT_FONT
    audio: str = "original"
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def burn(
    video: str | Path,
    subs: Track | str | Path,
    output: str | Path,
    cover: str = "auto",
    style: str | None = None,
    band: tuple[float, float] | None = None,
    audio: str | Path | None = None,
) -> BurnReport:
    """Render ``subs`` into ``video`` as ``output`` (MP4), covering burned-in source subtitles.

    ``cover``: "auto" (blur when burned-in subtitles are found, else nothing), "blur",
    "box" (opaque, in the colour around the text), "inpaint" (OpenCV; slower) or "none".
    ``style``: ASS style overrides, "Fontsize=72,MarginV=300". ``band``: where the source
    subtitles are, as (top, bottom) fractions of the height, else found automatically.
    ``audio``: a dub to use instead of the video's own audio.
    """
    video, output = check_input(as_path(video, "video")), as_path(output, "output")
    band, style = as_band(band), as_optional_text(style, "style")
    info = probe(video)
    if not info.has_video:
        raise InputError(f"{video}: has no video stream to burn subtitles into")
    track = _track(subs)
    if output.suffix.lower() not in (".mp4", ".mov", ".mkv"):
        raise InputError(f"{output}: the burned video must be .mp4, .mov or .mkv")
    refuse_overwrite([output], [video, None if isinstance(subs, Track) else subs, audio])
    font = font_for(track.language)
    force_style = _force_style(font, style)
    plan, report = _plan_cover(check_mode(cover), video, band, (info.width or 0, info.height or 0))
    report.output, report.cues, report.font = str(output), len(track), font
    report.audio = "dub" if audio else ("original" if info.has_audio else "none")
    with tempfile.TemporaryDirectory(prefix="localize-burn-") as tmp, atomic_path(output) as part:
        picture = video
        if plan is not None and plan.mode == "inpaint":
            picture = Path(tmp) / "covered.mkv"
            inpaint_video(video, plan, picture)
        _render(picture, video if audio is None else check_input(audio), info.duration, track, plan, force_style,
                Path(tmp), part, has_audio=info.has_audio or audio is not None)
    return report


def _track(subs: Track | str | Path) -> Track:
    if isinstance(subs, Track):
        return subs
    if not isinstance(subs, (str, Path)):
        raise InputError(f"burn needs a Track or a subtitle file, got {type(subs).__name__}")
    from localize.formats import load

    return load(check_input(subs))


def font_for(language: str | None) -> str:
    """The Noto family that covers ``language``'s script."""
    return FONTS.get((language or "").lower().split("-")[0], DEFAULT_FONT)


def _force_style(font: str, style: str | None) -> str:
    """libass ``force_style``: the font, then the caller's overrides (checked)."""
    items = [f"Fontname={font}"]
    for item in (part.strip() for part in (style or "").split(",")):
        if not item:
            continue
        key, _, value = item.partition("=")
        if key.strip() not in STYLE_FIELDS or not value.strip() or "'" in value or ":" in value:
            raise InputError(f"bad style {item!r}: use Key=Value with keys from {', '.join(STYLE_FIELDS)}")
        items.append(f"{key.strip()}={value.strip()}")
    return ",".join(items)


def _plan_cover(mode: str, video: Path, band: tuple[float, float] | None,
                size: tuple[int, int]) -> tuple[Cover | None, BurnReport]:
    report = BurnReport(output="", cover=mode)
    if mode == "none":
        return None, report
    from localize.hardsub import NoSubtitlesFound, locate

    try:
        found, events = locate(video, band)
    except NoSubtitlesFound as error:
        if mode != "auto":
            raise
        report.cover, report.notes = "none", [f"nothing covered: {error}"]
        log.info("%s", report.notes[0])
        return None, report
    plan = plan_cover("blur" if mode == "auto" else mode, events, size, video)
    report.cover, report.band, report.cover_box, report.covered_events = plan.mode, list(found.fractions), list(plan.box), len(events)
    return plan, report


def _render(picture: Path, audio_from: Path, duration_ms: int, track: Track, plan: Cover | None, force_style: str,
            tmp: Path, target: Path, has_audio: bool) -> None:
    from localize.formats import save

    subs = save(track, tmp / "subs.ass")
    chain = plan.filter("0:v", "covered") if plan is not None and plan.mode != "inpaint" else "[0:v]null[covered]"
    graph = f"{chain};[covered]subtitles=filename='{subs}':force_style='{force_style}'[out]"
    (tmp / "graph.txt").write_text(graph, encoding="utf-8")
    args = ["-i", media_arg(picture), "-i", media_arg(audio_from), "-filter_complex_script", media_arg(tmp / "graph.txt"),
            "-map", "[out]", "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p",
            "-fps_mode", "passthrough", "-map_metadata", "-1", "-movflags", "+faststart"]
    if has_audio:
        copy = _audio_codec(audio_from) in ("aac", "mp3") and target.suffix.lower() != ".mkv"
        args += ["-map", "1:a:0", *(["-c:a", "copy"] if copy else ["-c:a", "aac", "-b:a", "160k"]),
                 "-t", f"{duration_ms / 1000:.3f}"]
    run_ffmpeg([*args, media_arg(target)], "burning subtitles")


def _audio_codec(path: Path) -> str | None:
    result = processes.run([require_tool("ffprobe"), "-v", "error", "-select_streams", "a:0", "-show_entries",
                            "stream=codec_name", "-of", "json", media_arg(path)], text=True)
    streams = json.loads(result.stdout or "{}").get("streams") or [{}]
    return streams[0].get("codec_name")
