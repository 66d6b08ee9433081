"""``burn()``: target-language subtitles rendered into the picture, the source ones covered.

One ffmpeg pass: cover (blur/box) -> libass renders the subtitles (our vertical ASS style,
1920 px high and as wide as the video's aspect, a Noto font that covers the target
script) -> x264. The subtitles sit where the covered source subtitles were, unless the
style places them; lines too wide for the frame are broken by the profile's line rules
and no cue is drawn over static text it found (:mod:`localize.delivery.layout`). Every
frame keeps its timestamp (``-fps_mode passthrough``), so frame count, rate and length
match the input; the audio is the input's (copied) or a given dub.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pysubs2

from localize.delivery.cover import Cover, check_mode, inpaint_video, plan_cover
from localize.delivery.job import BurnJob, Scene, video_args
from localize.delivery.job import even_filters as _even
from localize.delivery.layout import Box, line_count, place, static_text, wrap
from localize.delivery.style import (
    DEFAULT_FONT,
    PLAY_HEIGHT,
    RLM,
    RTL,
    ass_style,
    base_language,
    font_for,
)
from localize.errors import ConfigError, InputError, OptionError
from localize.fileio import atomic_path, refuse_overwrite
from localize.media import MediaInfo, TruncatedMedia, check_input, media_arg, probe, run_ffmpeg
from localize.model import Cue, Track, format_ms
from localize.validate import as_band, as_optional_path, as_optional_text, as_path, public, shown

log = logging.getLogger("localize.delivery")


@dataclass
class BurnReport:
    """What :func:`burn` made: the file, how the source subtitles were covered, where and when.

    ``cues``: cues burned in (cues starting after the video's end are not); ``placement``:
    "source band" (where the covered source subtitles were), "style" or "default";
    ``static_text``: boxes (px) of static text the subtitles were kept clear of;
    ``overlapping``: numbers of cues that could not be kept clear of it (see ``notes``).
    """

    output: str
    cover: str
    band: list[float] | None = None
    cover_box: list[int] | None = None
    covered_events: int = 0
    cues: int = 0
    font: str = DEFAULT_FONT
    language: str | None = None
    audio: str = "original"
    placement: str = "default"
    static_text: list[list[int]] = field(default_factory=list)
    overlapping: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@public()
def burn(
    video: str | Path,
    subs: Track | str | Path,
    output: str | Path,
    cover: str = "auto",
    style: str | None = None,
    band: tuple[float, float] | None = None,
    audio: str | Path | None = None,
    scene: Scene | None = None,
) -> BurnReport:
    """Render ``subs`` into ``video`` as ``output`` (MP4), covering burned-in source subtitles.

    ``cover``: "auto" (blur when burned-in subtitles are found, else nothing), "blur",
    "box" (opaque, in the colour around the text), "inpaint" (OpenCV; slower) or "none".
    ``style``: ASS style overrides, "Fontsize=72,MarginV=300" (values checked; ``Alignment``
    or ``MarginV`` place the subtitles, else they go where the covered source ones were).
    ``band``: where the source subtitles are, as (top, bottom) fractions of the height,
    else found automatically. ``audio``: a dub to use instead of the video's own audio. ``scene``: what
    :func:`find_scene` found in this video with this ``cover`` and ``band`` (not looked for again).
    """
    return render(prepare(video, subs, output, cover, style, band, audio, scene))


def render(job: BurnJob) -> BurnReport:
    """Encode a prepared burn (:func:`prepare`) into its output, atomically; its report."""
    plan = job.scene.plan
    with tempfile.TemporaryDirectory(prefix="localize-burn-") as tmp, atomic_path(job.output) as part:
        picture = job.video
        if plan is not None and plan.mode == "inpaint":
            picture = Path(tmp) / "covered.mkv"
            inpaint_video(job.video, plan, picture)
        _render(picture, job.audio_from or job.info, job.info, job.document, plan, Path(tmp), part, job.has_audio)
    return job.report


def prepare(
    video: str | Path,
    subs: Track | str | Path,
    output: str | Path,
    cover: str = "auto",
    style: str | None = None,
    band: tuple[float, float] | None = None,
    audio: str | Path | None = None,
    scene: Scene | None = None,
) -> BurnJob:
    """Every input of :func:`burn` checked and the ASS document laid out; nothing rendered yet."""
    video, output = check_input(as_path(video, "video")), as_path(output, "output")
    band, style = as_band(band), as_optional_text(style, "style", error=OptionError)
    audio = as_optional_path(audio, "audio")
    info = probe(video)
    if not info.has_video or not info.width or not info.height:
        raise InputError(f"{video}: has no video stream to burn subtitles into")
    track = _track(subs)
    if output.suffix.lower() not in (".mp4", ".mov", ".mkv"):
        raise InputError(f"{output}: the burned video must be .mp4, .mov or .mkv")
    refuse_overwrite([output], [video, None if isinstance(subs, Track) else subs, audio])
    dub = _audio_input(audio)
    language = _language(track)
    play_res = (round(PLAY_HEIGHT * info.width / info.height), PLAY_HEIGHT)
    base_style, placing = ass_style(font_for(language), style, language, play_res)
    check_mode(cover)
    _refuse_all_late(track, info.duration)
    found = scene or find_scene(video, info, cover, band)
    report = dataclasses.replace(found.report, notes=list(found.report.notes), overlapping=[])
    report.output, report.font, report.language = str(output), base_style.fontname, language
    report.audio = "dub" if audio else ("original" if info.has_audio else "none")
    track = _within_video(track, info.duration, report)
    if _even(info):
        report.notes.append(
            f"odd frame size {info.width}x{info.height}: one edge column/row repeated to make it even "
            "(4:2:0 video needs even sizes)"
        )
    document = _layout(track, language, base_style, play_res, found.plan, placing, found.static, info, report)
    return BurnJob(video, output, info, document, found, report, dub, info.has_audio or audio is not None)


def find_scene(video: Path, info: MediaInfo, cover: str, band: tuple[float, float] | None) -> Scene:
    """What burn finds in ``video`` whatever the subtitles: the cover plan (and its report fields), static text."""
    plan, report = _plan_cover(cover, video, band, (info.width or 0, info.height or 0))
    return Scene(plan, report, _static_text(video, info, report))


def _track(subs: Track | str | Path) -> Track:
    if isinstance(subs, Track):
        return subs
    if not isinstance(subs, (str, Path)) or not str(subs):
        raise InputError(f"subs must be a Track or a subtitle file path, got {shown(subs)}")
    from localize.formats import load

    return load(check_input(subs))


def _audio_input(audio: str | Path | None) -> MediaInfo | None:
    """The dub file's probe, checked to hold an audio stream."""
    if audio is None:
        return None
    info = probe(check_input(audio))
    if not info.has_audio:
        raise InputError(f"{info.path}: has no audio stream to use as the dub")
    return info


def _language(track: Track) -> str | None:
    """The track's language, else the one its text is detected as (as ``localize info`` does)."""
    if track.language:
        return track.language
    from localize.formats.markup import plain
    from localize.language import detect_language

    return detect_language(plain(track.text()))


def _refuse_all_late(track: Track, duration_ms: int) -> None:
    """An InputError when every cue starts after the video ends (subtitles of another episode)."""
    if duration_ms and track.cues and min(cue.start for cue in track.cues) >= duration_ms:
        raise InputError(
            f"every cue starts after the video ends at {format_ms(duration_ms)} (the first at "
            f"{format_ms(min(cue.start for cue in track.cues))}): are these the subtitles of this video?"
        )


def _within_video(track: Track, duration_ms: int, report: BurnReport) -> Track:
    """The cues that start before the video ends; the others are noted, not burned."""
    after = [n for n, cue in enumerate(track.cues, 1) if cue.start >= duration_ms]
    if after:
        report.notes.append(
            f"{len(after)} cue(s) start after the video ends at {format_ms(duration_ms)} and are not "
            f"burned in: {', '.join(map(str, after[:10]))}{' ...' if len(after) > 10 else ''}"
        )
    kept = [cue for cue in track.cues if cue.start < duration_ms]
    report.cues = len(kept)
    return track.replace(cues=kept)


def _plan_cover(
    mode: str, video: Path, band: tuple[float, float] | None, size: tuple[int, int]
) -> tuple[Cover | None, BurnReport]:
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
    report.cover, report.band, report.cover_box, report.covered_events = (
        plan.mode,
        list(found.fractions),
        list(plan.box),
        len(events),
    )
    return plan, report


def _static_text(video: Path, info: MediaInfo, report: BurnReport) -> list[Box]:
    """Static text boxes in ``video``; none (and a note) when its frames cannot all be decoded.
    A truncated video is refused: its burn would be cut short too."""
    try:
        return static_text(video, info.duration)
    except TruncatedMedia:
        raise
    except InputError as error:
        report.notes.append(f"static text not looked for: {error}")
        return []


def _layout(
    track: Track,
    language: str | None,
    style: pysubs2.SSAStyle,
    play_res: tuple[int, int],
    plan: Cover | None,
    placing: bool,
    found: list[Box],
    info: MediaInfo,
    report: BurnReport,
) -> pysubs2.SSAFile:
    """The ASS document: lines broken to fit, each cue placed clear of static text (or noted)."""
    from localize.formats.ass import document

    scale = PLAY_HEIGHT / (info.height or PLAY_HEIGHT)
    uncovered = [box for box in found if plan is None or not _inside(box, plan.box)]
    obstacles = [_scaled(box, scale) for box in uncovered]
    report.static_text = [list(box) for box in uncovered]
    size, width = float(style.fontsize) * style.scaley / 100, play_res[0] - style.marginl - style.marginr
    glyph = size * style.scalex / style.scaley
    preferred, report.placement = _preferred(plan, placing, style, scale, size, play_res)
    max_chars = _profile(language).line_limit
    rtl = base_language(language) in RTL
    cues, margins = [], []
    for number, cue in enumerate(track.cues, 1):
        text = wrap(cue.text, width, glyph, max_chars)
        lines, widest = line_count(text, width, glyph)
        spot = place(
            preferred, lines, widest, style.marginl + width / 2, size, obstacles, play_res[1], movable=not placing
        )
        if not spot.clear:
            report.overlapping.append(number)
        cues.append(
            Cue(
                cue.start,
                cue.end,
                "\n".join(RLM + line for line in text.split("\n")) if rtl else text,
                speaker=cue.speaker,
            )
        )
        margins.append(round(play_res[1] - spot.bottom))
    if report.overlapping:
        report.notes.append(
            f"{len(report.overlapping)} cue(s) could not be kept clear of static text "
            f"{report.static_text} and are drawn over it: "
            f"{', '.join(map(str, report.overlapping[:10]))}"
        )
    subs = document(track.replace(cues=cues), style, play_res)
    bottom_aligned = style.alignment.value in (1, 2, 3)
    for event, margin in zip(subs.events, margins):
        event.marginv = max(1, margin) if bottom_aligned else 0
    return subs


def _preferred(
    plan: Cover | None, placing: bool, style: pysubs2.SSAStyle, scale: float, size: float, play_res: tuple[int, int]
) -> tuple[float, str]:
    """The bottom edge (play px) a one-line cue wants: centred on the covered band, else the style's."""
    if plan is not None and not placing:
        return (plan.box[1] + plan.box[3]) / 2 * scale + size / 2, "source band"
    row = (style.alignment.value - 1) // 3  # 0 bottom, 1 middle, 2 top
    bottom = (play_res[1] - style.marginv, (play_res[1] + size) / 2, style.marginv + size)[row]
    return bottom, "style" if placing else "default"


def _profile(language: str | None):  # noqa: ANN202 - localize.timing.profiles.Profile
    """The vertical line rules of ``language`` (its own profile when there is one)."""
    from localize.timing.profiles import default_profile_name, load_profile

    try:
        return load_profile(f"{base_language(language)}-vertical")
    except ConfigError:
        return load_profile(default_profile_name(language, vertical=True))


def _scaled(box: Box, scale: float) -> Box:
    return tuple(round(v * scale) for v in box)  # type: ignore[return-value]


def _inside(box: Box, cover: tuple[int, int, int, int]) -> bool:
    """Whether most of ``box`` lies inside the cover region (so it is covered, not in the way)."""
    width = max(0, min(box[2], cover[2]) - max(box[0], cover[0]))
    height = max(0, min(box[3], cover[3]) - max(box[1], cover[1]))
    return width * height >= 0.5 * (box[2] - box[0]) * (box[3] - box[1])


def _render(
    picture: Path,
    audio_from: MediaInfo,
    info: MediaInfo,
    document: pysubs2.SSAFile,
    plan: Cover | None,
    tmp: Path,
    target: Path,
    has_audio: bool,
) -> None:
    inputs, outputs = video_args(picture, info, document, plan, tmp)
    args = [*inputs, "-i", media_arg(audio_from.path), *outputs, "-movflags", "+faststart"]
    if has_audio:
        args += audio_args(audio_from, "1:a:0", info, target)
    run_ffmpeg([*args, media_arg(target)], "burning subtitles")


def audio_args(audio_from: MediaInfo, stream: str, info: MediaInfo, target: Path) -> list[str]:
    """Output options for the burned file's audio: ``stream`` copied (AAC, MP3) or encoded, cut to the video."""
    copy = audio_from.audio_codec in ("aac", "mp3") and target.suffix.lower() != ".mkv"
    return [
        "-map",
        stream,
        *(["-c:a", "copy"] if copy else ["-c:a", "aac", "-b:a", "160k"]),
        "-t",
        f"{info.duration / 1000:.3f}",
    ]
