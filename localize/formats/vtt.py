"""WebVTT (.vtt): header, NOTE/STYLE/REGION blocks, identifiers, cue settings, voice tags.

<i>, <b>, <u> and the default colour classes (``<c.red>``) become the toolkit's markup
(:mod:`localize.formats.markup`); other class spans, karaoke timestamps and ruby are dropped;
``<v Name>`` becomes the cue's speaker; a cue whose lines open with different voices
is a dialogue event (``Cue.line_speakers``, one ``<v>`` per line when written).
Settings (``align:start``) are not kept.
"""

from __future__ import annotations

import re

from localize.formats._lines import Lines
from localize.formats.markup import colour_name, flags, from_html, runs
from localize.formats.registry import Format, ParseError, register
from localize.formats.srt import parse_timing
from localize.model import Cue, Track, format_ms

TIME = r"(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})"
TIMING = re.compile(rf"^\s*{TIME}\s+-->\s+{TIME}(?:[ \t]+.*)?$")
VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")


def _clean(lines: list[str]) -> tuple[str, list[str]]:
    """Plain text and the voice of each line (a line without ``<v>`` continues the last voice)."""
    text = "\n".join(lines)
    cleaned = from_html(text, every_tag=True)
    voices: list[str] = []
    for line in text.split("\n"):
        voice = VOICE.search(line)
        voices.append(voice.group(1).strip() if voice else (voices[-1] if voices else ""))
    return "\n".join(line.rstrip() for line in cleaned.split("\n")), voices


def read(text: str) -> Track:
    lines = Lines(text)
    header = lines.take().lstrip("\ufeff")
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", header):
        raise ParseError("not a WebVTT file (first line must be 'WEBVTT')", 1)
    lines.take_block()  # header metadata such as "Kind: captions"
    cues: list[Cue] = []
    lines.skip_blank()
    while not lines.done():
        first = lines.peek() or ""
        if re.match(r"^(NOTE|STYLE|REGION)(\s|$)", first):
            lines.take_block()
        else:
            cues.append(_read_cue(lines))
        lines.skip_blank()
    return Track(cues=cues)


def _read_cue(lines: Lines) -> Cue:
    if "-->" not in (lines.peek() or ""):
        lines.take()  # cue identifier
    if "-->" not in (lines.peek() or ""):
        raise ParseError("expected a timing line", lines.number)
    start, end = parse_timing(lines.take(), lines.number - 1, TIMING)
    body: list[str] = []
    while not lines.done() and (lines.peek() or "").strip():
        if "-->" in (lines.peek() or ""):
            if not body:
                raise ParseError("timing line where cue text was expected", lines.number)
            break  # a new cue without a blank line before it
        body.append(lines.take())
    text, voices = _clean(body)
    speakers = [v for v in dict.fromkeys(voices) if v]
    line_speakers = voices if len(speakers) > 1 and all(voices) else []
    return Cue(start=start, end=end, text=text, speaker=speakers[0] if speakers else None, line_speakers=line_speakers)


def _escape(text: str) -> str:
    """Marked-up cue text as WebVTT: tags in its syntax (a colour only if it is a default class), the rest escaped."""
    out = []
    for part, look in runs(text):
        part = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for tag in reversed(flags(look)):
            part = f"<{tag}>{part}</{tag}>"
        name = colour_name(look.color) if look.color else None
        out.append(f"<c.{name}>{part}</c>" if name else part)
    return "".join(out)


def _voice(name: str) -> str:
    """A speaker name as a voice annotation (no '>' or line breaks, which would end it)."""
    return " ".join(name.replace(">", " ").replace("<", " ").replace("&", "&amp;").split())


def write(track: Track) -> str:
    out = ["WEBVTT"]
    if track.language:
        out[0] += f"\nLanguage: {track.language}"
    for cue in track.cues:
        text = _escape(cue.text)
        if cue.line_speakers and len(cue.line_speakers) == len(cue.lines):
            text = "\n".join(f"<v {_voice(who)}>{line}" for who, line in zip(cue.line_speakers, text.split("\n")))
        elif cue.speaker:
            text = f"<v {_voice(cue.speaker)}>{text}"
        out.append(f"{format_ms(cue.start)} --> {format_ms(cue.end)}\n{text}")
    return "\n\n".join(out) + "\n"


register(Format("vtt", (".vtt",), read, write, "WebVTT"))
