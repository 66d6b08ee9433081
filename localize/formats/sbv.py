"""YouTube SubViewer (.sbv): ``H:MM:SS.mmm,H:MM:SS.mmm`` then text, blank-line separated."""
from __future__ import annotations

import re

from localize.formats import Format, register
from localize.formats._lines import Lines
from localize.formats.srt import parse_timing
from localize.model import Cue, Track

TIMING = re.compile(r"^\s*(\d+):(\d{1,2}):(\d{1,2})\.(\d{1,3}),(\d+):(\d{1,2}):(\d{1,2})\.(\d{1,3})\s*$")


def read(text: str) -> Track:
    lines = Lines(text)
    cues = []
    lines.skip_blank()
    while not lines.done():
        start, end = parse_timing(lines.peek() or "", lines.number, TIMING)
        lines.take()
        cues.append(Cue(start=start, end=end, text="\n".join(lines.take_block())))
        lines.skip_blank()
    return Track(cues=cues)


def _time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def write(track: Track) -> str:
    return "\n\n".join(f"{_time(c.start)},{_time(c.end)}\n{c.text}" for c in track.cues) + "\n"


register(Format("sbv", (".sbv",), read, write, "YouTube SubViewer"))
