"""Advanced SubStation Alpha (.ass/.ssa) through pysubs2, styled for 9:16 vertical video.

Written files use a 1080x1920 play resolution, a bottom-centred style clear of the
platform UI (the lowest ~12% of a phone screen holds captions, likes and progress bars),
and a wide outline so text stays readable over any shot. Reading keeps plain text:
override tags are dropped, ``\\N`` becomes a line break, the actor field the speaker.

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
from localize.formats import Format, ParseError, register
from localize.model import Cue, Track, format_ms, is_cjk

PLAY_RES = (1080, 1920)
MARGIN_SIDE = 90     # ~8% of the width each side
MARGIN_BOTTOM = 260  # ~13.5% of the height: above the app's own controls
LATEST_MS = 35_999_990  # 9:59:59.99
EXACT = re.compile(r"^; localize-ms: ([\d,-]+)$", re.MULTILINE)


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
        Cue(start=_pick(event.start, precise[0]), end=_pick(event.end, precise[1]), text=event.plaintext.strip(), speaker=event.name or None)
        for event, precise in zip(events, exact)
    ]
    return Track(cues=cues)


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


def write(track: Track) -> str:
    _check_range(track)
    subs = pysubs2.SSAFile()
    subs.info.update({"PlayResX": str(PLAY_RES[0]), "PlayResY": str(PLAY_RES[1]), "WrapStyle": "0", "ScaledBorderAndShadow": "yes"})
    cjk = any(is_cjk(ch) for cue in track.cues for ch in cue.text)
    subs.styles = {"Default": vertical_style(cjk)}
    for cue in track.cues:
        event = pysubs2.SSAEvent(start=cue.start, end=cue.end, name=cue.speaker or "")
        event.plaintext = cue.text
        subs.events.append(event)
    exact = ",".join(f"{cue.start}-{cue.end}" for cue in track.cues)
    return subs.to_string("ass").replace("[Script Info]\n", f"[Script Info]\n; localize-ms: {exact}\n", 1)


register(Format("ass", (".ass", ".ssa"), read, write, "Advanced SubStation Alpha (9:16 style)"))
