"""Advanced SubStation Alpha (.ass/.ssa) through pysubs2, styled for 9:16 vertical video.

Written files use a 1080x1920 play resolution, a bottom-centred style clear of the
platform UI (the lowest ~12% of a phone screen holds captions, likes and progress bars),
and a wide outline so text stays readable over any shot. Reading turns ``{\\i1}``,
``{\\b1}``, ``{\\u1}`` and ``{\\c&HBBGGRR&}`` into the toolkit's markup
(:mod:`localize.formats.markup`) and drops every other override (drawings included);
``\\N`` becomes a line break, the actor field the speaker. Writing turns the markup back
into overrides and escapes the rest, so cue text is never executed as a command:
``{``/``}`` become libass's ``\\{``/``\\}`` and a backslash that would start an escape
(``C:\\new``) is followed by an invisible U+2060 word joiner.

ASS times have centisecond resolution. So that a round trip through our own files
keeps every millisecond, the writer also lists exact times in a ``; localize-ms:``
comment of [Script Info]; the reader uses an exact time only where it still rounds to
the event's own time, so edits made in another tool always win.

ASS timestamps have one hour digit, so 9:59:59.99 is the latest time a file can hold.
The writer refuses a track with a later time (naming the cue) rather than clamp it.
"""

from __future__ import annotations

import re

import pysubs2

from localize.errors import InputError
from localize.formats.markup import PLAIN, Look, compose, flags, runs, with_flag
from localize.formats.registry import Format, ParseError, register
from localize.model import Cue, Track, format_ms, is_cjk

PLAY_RES = (1080, 1920)
MARGIN_SIDE = 90  # ~8% of the width each side
MARGIN_BOTTOM = 260  # ~13.5% of the height: above the app's own controls
LATEST_MS = 35_999_990  # 9:59:59.99
EXACT = re.compile(r"^; localize-ms: ([\d,-]+)$", re.MULTILINE)
BLOCK = re.compile(r"(?<!\\)\{([^}]*)\}")
OVERRIDE = re.compile(r"\\(?:(r)|(1c|c|i|b|u|p)(?![A-Za-z])(&H[0-9A-Fa-f]+&?|-?\d+)?)")
ESCAPE = re.compile(r"\\([Nnh{}\u2060])")
WORD_JOINER = "\u2060"


def vertical_style(cjk: bool) -> pysubs2.SSAStyle:
    return pysubs2.SSAStyle(
        fontname="Noto Sans CJK SC" if cjk else "Arial",
        fontsize=64,
        primarycolor=pysubs2.Color(255, 255, 255),
        outlinecolor=pysubs2.Color(0, 0, 0),
        backcolor=pysubs2.Color(0, 0, 0, 128),
        bold=True,
        outline=4,
        shadow=1,
        alignment=pysubs2.Alignment.BOTTOM_CENTER,
        marginl=MARGIN_SIDE,
        marginr=MARGIN_SIDE,
        marginv=MARGIN_BOTTOM,
    )


def read(text: str) -> Track:
    try:
        subs = pysubs2.SSAFile.from_string(text, format_="ass" if "[V4+ Styles]" in text else None)
    except Exception as error:  # pysubs2 raises several types for malformed files
        raise ParseError(f"malformed ASS/SSA file ({error})") from None
    events = [event for event in subs.events if not event.is_comment]
    exact = _exact_times(text, len(events))
    cues = [
        Cue(
            start=_pick(event.start, precise[0]),
            end=_pick(event.end, precise[1]),
            text=from_ass(event.text).strip(),
            speaker=event.name or None,
        )
        for event, precise in zip(events, exact)
    ]
    return Track(cues=cues)


def from_ass(text: str) -> str:
    """ASS event text as marked-up cue text: italic, bold, underline and colour kept, other overrides dropped."""
    look, drawing, pieces, position = PLAIN, False, [], 0
    for block in BLOCK.finditer(text):
        if not drawing:
            pieces.append((_unescape(text[position : block.start()]), look))
        look, drawing = _override(block.group(1), look, drawing)
        position = block.end()
    if not drawing:
        pieces.append((_unescape(text[position:]), look))
    return compose(pieces)


def _override(block: str, look: Look, drawing: bool) -> tuple[Look, bool]:
    for reset, name, value in OVERRIDE.findall(block):
        if reset:
            look = PLAIN
        elif name in ("i", "b", "u"):
            look = with_flag(look, name, value not in ("", "0"))
        elif name in ("c", "1c"):
            bgr = value.strip("&Hh").rjust(6, "0")[-6:].upper() if value else ""
            look = Look(look.italic, look.bold, look.underline, f"#{bgr[4:6]}{bgr[2:4]}{bgr[0:2]}" if bgr else None)
        else:
            drawing = value not in ("", "0")
    return look, drawing


def _unescape(text: str) -> str:
    escapes = {"N": "\n", "n": " ", "h": "\u00a0", WORD_JOINER: "\\"}
    return ESCAPE.sub(lambda m: escapes.get(m.group(1), m.group(1)), text)


def to_ass(text: str) -> str:
    """Marked-up cue text as ASS event text: the markup as overrides, everything else literal."""
    out, current = [], PLAIN
    for part, look in runs(text):
        if look != current:
            colour = f"\\c&H{look.color[5:7]}{look.color[3:5]}{look.color[1:3]}&" if look.color else ""
            out.append("{\\r" + "".join(f"\\{tag}1" for tag in flags(look)) + colour + "}")
            current = look
        out.append(_escape(part))
    return "".join(out)


def _escape(text: str) -> str:
    text = re.sub(r"\\(?=[Nnh{}\u2060]|$)", "\\\\" + WORD_JOINER, text)
    return text.replace("{", "\\{").replace("}", "\\}").replace("\n", "\\N")


def _exact_times(text: str, count: int) -> list[tuple[int | None, int | None]]:
    match = EXACT.search(text)
    pairs = [tuple(int(t) for t in pair.split("-")) for pair in match.group(1).split(",")] if match else []
    return pairs if len(pairs) == count else [(None, None)] * count  # type: ignore[return-value]


def _pick(centiseconds: int, exact: int | None) -> int:
    return exact if exact is not None and abs(exact - centiseconds) < 10 else centiseconds


def _check_range(track: Track) -> None:
    """Refuse times ASS cannot hold instead of clamping them (the file would be wrong)."""
    for number, cue in enumerate(track.cues, 1):
        if cue.end > LATEST_MS:
            raise InputError(
                f"cue {number} ends at {format_ms(cue.end)}, past 9:59:59.99, the latest time ASS can hold: "
                "write SRT, VTT or TTML instead"
            )


def document(
    track: Track, style: pysubs2.SSAStyle | None = None, play_res: tuple[int, int] = PLAY_RES
) -> pysubs2.SSAFile:
    """``track`` as an ASS document in ``style`` (else the vertical style) at ``play_res``."""
    _check_range(track)
    subs = pysubs2.SSAFile()
    subs.info.update(
        {"PlayResX": str(play_res[0]), "PlayResY": str(play_res[1]), "WrapStyle": "0", "ScaledBorderAndShadow": "yes"}
    )
    subs.styles = {"Default": style or vertical_style(any(is_cjk(ch) for cue in track.cues for ch in cue.text))}
    for cue in track.cues:
        subs.events.append(
            pysubs2.SSAEvent(start=cue.start, end=cue.end, name=cue.speaker or "", text=to_ass(cue.text))
        )
    return subs


def write(track: Track) -> str:
    subs = document(track)
    exact = ",".join(f"{cue.start}-{cue.end}" for cue in track.cues)
    return subs.to_string("ass").replace("[Script Info]\n", f"[Script Info]\n; localize-ms: {exact}\n", 1)


register(Format("ass", (".ass", ".ssa"), read, write, "Advanced SubStation Alpha (9:16 style)"))
