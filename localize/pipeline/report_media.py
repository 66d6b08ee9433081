"""The report's pictures of one market track: the SVG timeline of cues, shot changes and dub
lines, the dub summary with its cast, and thumbnails of the burned-in video (JPEGs taken with
ffmpeg, embedded). Every function returns an HTML fragment; :mod:`localize.pipeline.report`
puts them together.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localize import processes
from localize.model import Cue, format_ms
from localize.pipeline.manifest import MarketResult

if TYPE_CHECKING:
    from localize.dubbing.stage import LineReport

TIMELINE_WIDTH = 1000
THUMB_WIDTH = 144
MAX_THUMBS = 60  # per market track: enough for an episode, bounded for long ones


def escape(value: Any) -> str:
    """``value`` as text safe inside HTML and quoted attributes."""
    return html.escape(str(value), quote=True)


def dub_lines(market: MarketResult) -> list[LineReport]:
    return list(market.dub.lines) if market.dub else []


def timeline(
    cues: list[Cue], shots: list[int], lines: list[LineReport], duration: int, flagged: set[Any], suspect: set[int]
) -> str:
    """An SVG strip: cues (red when QC flags them, else amber when ``suspect`` has their number), shot
    changes, dub lines (by speed)."""
    duration = max(duration, max((c.end for c in cues), default=0), 1)

    def x(ms: float) -> str:
        return f"{ms * TIMELINE_WIDTH / duration:.1f}"

    out = [f"<svg class='timeline' viewBox='0 0 {TIMELINE_WIDTH} 74' xmlns='http://www.w3.org/2000/svg'>"]
    for second in range(0, duration // 1000 + 1, 5):
        out.append(f"<text x='{x(second * 1000)}' y='72'>{second}s</text>")
    for number, cue in enumerate(cues, 1):
        cls = "cue flagged" if number in flagged else "cue suspect" if number in suspect else "cue"
        out.append(
            f"<rect class='{cls}' x='{x(cue.start)}' y='4' width='{x(cue.end - cue.start)}' height='26'>"
            f"<title>#{number} {format_ms(cue.start)} {escape(cue.plain_text)}</title></rect>"
        )
    for line in lines:
        start, length = line.placed_ms, line.end - line.placed_ms
        speed = float(line.speed)
        cls = "dub over" if line.overflow else "dub fast" if speed > 1.15 else "dub"
        out.append(
            f"<rect class='{cls}' x='{x(start)}' y='36' width='{x(length)}' height='20'>"
            f"<title>dub x{speed:.2f} {escape(_who(line))}{escape(line.text)}</title></rect>"
        )
    out += [f"<line class='shot' x1='{x(s)}' x2='{x(s)}' y1='0' y2='60'/>" for s in shots]
    out.append("</svg>")
    return "".join(out)


def _who(line: LineReport) -> str:
    """``Lin Wan (S2), espeak:en-us+f3: `` for a line with a speaker, else nothing."""
    if not line.speaker:
        return ""
    name = line.speaker_name or line.speaker
    label = f"{name} ({line.speaker})" if name != line.speaker else name
    return f"{label}, {line.voice}: "


def _cast_html(lines: list[LineReport]) -> str:
    """Who spoke how many lines in which voice."""
    voices: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for line in lines:
        if line.speaker:
            who = _who(line).rsplit(", ", 1)[0]
            voices.setdefault(who, set()).add(line.voice)
            counts[who] = counts.get(who, 0) + 1
    if not voices:
        return ""
    rows = "".join(
        f"<li>{escape(who)}: {escape(', '.join(sorted(v)))} ({counts[who]} lines)</li>" for who, v in voices.items()
    )
    return f"<p class='cast-title'>Cast</p><ul class='cast'>{rows}</ul>"


def dub_html(market: MarketResult) -> str:
    lines = dub_lines(market)
    fast = sum(1 for line in lines if float(line.speed) > 1.15)
    over = sum(1 for line in lines if line.overflow)
    target, loudness = market.loudness_target, market.dub.loudness_lufs if market.dub else None
    true_peak = market.dub.true_peak_dbtp if market.dub else None
    return (
        f"<p class='dub-summary'>Dub: voice {escape(market.voice)}, loudness {escape(loudness)} LUFS"
        f"{f' (target {target})' if target is not None else ''}, true peak {escape(true_peak)} dBTP, "
        f"{len(lines)} lines, {fast} sped up past 1.15x, {over} over the cap</p>{_cast_html(lines)}"
    )


def thumbnails_html(episode_dir: Path, market: MarketResult, cues: list[Cue]) -> str:
    """The burned-in video at the middle of each cue, so a reviewer sees what ships."""
    video = episode_dir / market.burn.output if market.burn and market.burn.output else None
    if video is None or not video.is_file() or market.burn is None:
        return ""
    figures = []
    for number, cue in enumerate(cues[:MAX_THUMBS], 1):
        jpeg = _frame_jpeg(video, (cue.start + cue.end) // 2)
        if jpeg:
            figures.append(
                f"<figure><img alt='cue {number}' src='data:image/jpeg;base64,{base64.b64encode(jpeg).decode()}'>"
                f"<figcaption>#{number} {format_ms(cue.start)} {escape(cue.plain_text)}</figcaption></figure>"
            )
    return f"<p>Burned-in video ({escape(market.burn.cover)} cover):</p><div class='thumbs'>{''.join(figures)}</div>"


def _frame_jpeg(video: Path, ms: int) -> bytes:
    """One frame at ``ms``, ``THUMB_WIDTH`` wide, as JPEG bytes (empty if ffmpeg fails)."""
    from localize.media import media_arg, require_tool

    command = [
        require_tool("ffmpeg"),
        "-nostdin",
        "-v",
        "error",
        "-ss",
        f"{ms / 1000:.3f}",
        "-i",
        media_arg(video),
        "-frames:v",
        "1",
        "-vf",
        f"scale={THUMB_WIDTH}:-2",
        "-q:v",
        "5",
        "-f",
        "image2pipe",
        "-c:v",
        "mjpeg",
        "-fflags",
        "+bitexact",
        "-flags:v",
        "+bitexact",
        "-",
    ]
    result = processes.run(command)
    return result.stdout if result.returncode == 0 else b""
