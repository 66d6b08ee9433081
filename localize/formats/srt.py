"""SubRip (.srt), read strictly with line numbers and written through pysrt.

Strict means: ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` timing lines with a comma, an optional
numeric index before each, cue text up to the next blank line. Anything else is a
:class:`ParseError` at its line. ``<i>``, ``<b>``, ``<u>`` and ``<font color>`` become the
toolkit's markup (:mod:`localize.formats.markup`), other ``<font>`` attributes and ``<s>`` are
dropped, entities (``&amp;``) are decoded; any other text is literal. Written text escapes only an
``&`` that would otherwise be read back as an entity (``Tom & Jerry`` stays as it is).
"""

from __future__ import annotations

import re

import pysrt

from localize.formats._lines import Lines
from localize.formats.markup import ENTITY, from_html
from localize.formats.registry import Format, ParseError, register
from localize.model import Cue, Track, format_ms

TIME = r"(\d{1,3}):(\d{1,2}):(\d{1,2}),(\d{1,3})"
TIMING = re.compile(rf"^\s*{TIME}\s*-->\s*{TIME}(?:\s+.*)?$")
INDEX = re.compile(r"^\s*\d+\s*$")


def parse_time(groups: tuple[str | None, ...]) -> int:
    """Milliseconds from (hours, minutes, seconds, fraction); hours may be None (WebVTT)."""
    hours, minutes, seconds, fraction = (g or "0" for g in groups)
    if int(minutes) > 59 or int(seconds) > 59:
        raise ValueError("minutes or seconds over 59")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(fraction.ljust(3, "0"))


def parse_timing(line: str, number: int, pattern: re.Pattern[str] = TIMING) -> tuple[int, int]:
    match = pattern.match(line)
    if not match:
        raise ParseError(f"malformed timing line '{line.strip()[:60]}'", number)
    groups = match.groups()
    try:
        start, end = parse_time(groups[:4]), parse_time(groups[4:8])
    except ValueError as error:
        raise ParseError(f"bad time in '{line.strip()[:60]}': {error}", number) from None
    return checked_times(start, end, number)


def checked_times(start: int, end: int, number: int) -> tuple[int, int]:
    """Times of a cue whose end comes after its start, else a ParseError at ``number``."""
    if end <= start:
        raise ParseError(f"cue ends at or before its start ({format_ms(start)} -> {format_ms(end)})", number)
    return start, end


def read(text: str) -> Track:
    track = read_blocks(text, TIMING, numbered=True)
    for cue in track.cues:
        cue.text = from_html(cue.text)
    return track


def read_blocks(text: str, timing: re.Pattern[str], numbered: bool) -> Track:
    """Blocks of a timing line (after a cue number when ``numbered``) and text lines."""
    lines = Lines(text)
    cues = []
    lines.skip_blank()
    while not lines.done():
        if numbered and INDEX.match(lines.peek() or "") and not timing.match(lines.peek() or ""):
            lines.take()
            if lines.done() or not (lines.peek() or "").strip():
                raise ParseError("cue number without a timing line", lines.number - 1)
        start, end = parse_timing(lines.peek() or "", lines.number, timing)
        lines.take()
        cues.append(Cue(start=start, end=end, text="\n".join(lines.take_block())))
        lines.skip_blank()
    return Track(cues=cues)


def _escape(text: str) -> str:
    """Cue text as SRT: an ``&`` that would be read back as an entity (``&amp;`` meant literally) escaped."""
    return ENTITY.sub(lambda match: "&amp;" + match.group()[1:], text)


def write(track: Track) -> str:
    items = pysrt.SubRipFile(
        pysrt.SubRipItem(
            index=number,
            start=pysrt.SubRipTime.from_ordinal(cue.start),
            end=pysrt.SubRipTime.from_ordinal(cue.end),
            text=_escape(cue.text),
        )
        for number, cue in enumerate(track.cues, 1)
    )
    return "\n".join(str(item) for item in items)


register(Format("srt", (".srt",), read, write, "SubRip"))
