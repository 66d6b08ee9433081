"""YouTube SubViewer (.sbv): ``H:MM:SS.mmm,H:MM:SS.mmm`` then text, blank-line separated."""

from __future__ import annotations

import re

from localize.formats.registry import Format, register
from localize.formats.srt import read_blocks
from localize.model import Track

TIMING = re.compile(r"^\s*(\d+):(\d{1,2}):(\d{1,2})\.(\d{1,3}),(\d+):(\d{1,2}):(\d{1,2})\.(\d{1,3})\s*$")


def read(text: str) -> Track:
    return read_blocks(text, TIMING, numbered=False)


def _time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def write(track: Track) -> str:
    return "\n\n".join(f"{_time(c.start)},{_time(c.end)}\n{c.text}" for c in track.cues) + "\n"


register(Format("sbv", (".sbv",), read, write, "YouTube SubViewer"))
