"""The shared data model: timed words, cues and tracks.

Times are integer milliseconds everywhere inside the toolkit; formats convert at
their edges. A :class:`Track` is what every stage takes and returns.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from localize.errors import InputError
from localize.reports import (
    LINE_COUNTS,
    BudgetReport,
    EngineUsage,
    GlossaryReport,
    GlossaryViolation,
    TranslationInfo,
)

__all__ = [
    "DEFAULT_FPS",
    "FRAME_RATES",
    "LINE_COUNTS",
    "BudgetReport",
    "Cue",
    "EngineUsage",
    "GlossaryReport",
    "GlossaryViolation",
    "Track",
    "TranslationInfo",
    "Word",
    "format_ms",
    "frame_rate",
    "frames_to_ms",
    "is_cjk",
    "join_lines",
    "ms_to_frames",
    "require_track",
    "snap_to_frame",
]

#: Frame rates the toolkit knows by name, as exact fractions (29.97 is 30000/1001).
FRAME_RATES: dict[str, Fraction] = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "50": Fraction(50),
    "59.94": Fraction(60000, 1001),
    "60": Fraction(60),
}
DEFAULT_FPS = FRAME_RATES["30"]


def frame_rate(value: float | str | Fraction) -> Fraction:
    """Parse a frame rate ("29.97", 25, Fraction(30000, 1001)) into an exact fraction."""
    if isinstance(value, Fraction) and value > 0:
        return value
    text = str(value).strip()
    if text in FRAME_RATES:
        return FRAME_RATES[text]
    try:
        rate = Fraction(text) if "/" in text else Fraction(float(text)).limit_denominator(1001)
    except (ValueError, ZeroDivisionError, OverflowError):
        raise InputError(f"not a frame rate: {value}") from None
    if rate <= 0:
        raise InputError(f"frame rate must be positive, got {value}")
    return next((known for known in FRAME_RATES.values() if abs(known - rate) < Fraction(1, 100)), rate)


def ms_to_frames(ms: int, fps: Fraction = DEFAULT_FPS) -> int:
    """The frame that is showing at ``ms`` (floor)."""
    return int(Fraction(ms) * fps // 1000)


def frames_to_ms(frames: int, fps: Fraction = DEFAULT_FPS) -> int:
    """Start time of frame ``frames``, rounded to the nearest millisecond."""
    return round(Fraction(frames) * 1000 / fps)


def snap_to_frame(ms: int, fps: Fraction = DEFAULT_FPS) -> int:
    """Round a time to the nearest frame boundary."""
    return frames_to_ms(round(Fraction(ms) * fps / 1000), fps)


@dataclass
class Word:
    """One recognized word (or CJK character group) with its own times and, if diarized, speaker."""

    start: int
    end: int
    text: str
    probability: float | None = None
    speaker: str | None = None


@dataclass
class Cue:
    """One subtitle event.

    ``text`` may hold line breaks (``\\n``). ``source`` keeps the text a translation was
    made from; ``flags`` collects QC and glossary findings as short strings. ``speaker``
    is who says the cue (a title-level label like ``S2`` or a name). A cue holding two
    speakers (a dialogue event) has one text line per speaker and ``line_speakers``
    names the speaker of each line; ``speaker`` is then the first of them.
    """

    start: int
    end: int
    text: str
    source: str | None = None
    speaker: str | None = None
    words: list[Word] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    line_speakers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Times are whole milliseconds, text a string, the other fields their types (:class:`InputError` otherwise)."""
        self.start = _whole_ms(self.start, "cue start")
        self.end = _whole_ms(self.end, "cue end")
        _typed(self.text, str, "cue text", "a string")
        _optional(self.source, str, "cue source", "a string")
        _optional(self.speaker, str, "cue speaker", "a string")
        if (
            not isinstance(self.words, list)
            or not isinstance(self.flags, list)
            or not isinstance(self.line_speakers, list)
        ):
            raise InputError("cue words, flags and line_speakers must be lists")

    @property
    def duration(self) -> int:
        return self.end - self.start

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def speakers(self) -> list[str]:
        """Everyone who speaks in the cue, in order (empty when not known)."""
        if self.line_speakers:
            return list(dict.fromkeys(self.line_speakers))
        return [self.speaker] if self.speaker else []

    @property
    def plain_text(self) -> str:
        """Text with line breaks joined the way the language reads them."""
        return join_lines(self.lines)

    def validate(self, number: int | None = None) -> None:
        where = f"cue {number}: " if number is not None else ""
        if self.start < 0 or self.end < 0:
            raise InputError(f"{where}negative time ({self.start} ms -> {self.end} ms)")
        if self.end <= self.start:
            raise InputError(f"{where}ends before it starts ({format_ms(self.start)} -> {format_ms(self.end)})")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text}
        if self.source is not None:
            data["source"] = self.source
        if self.speaker is not None:
            data["speaker"] = self.speaker
        if self.words:
            data["words"] = [_word_dict(w) for w in self.words]
        if self.flags:
            data["flags"] = list(self.flags)
        if self.line_speakers:
            data["line_speakers"] = list(self.line_speakers)
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str = "cue") -> Cue:
        """A cue from plain data, every field type-checked (:class:`InputError` naming the key)."""
        data = _typed(data, dict, where, "an object")
        words = _typed(data.get("words", []), list, f"{where}: 'words'", "a list")
        flags = _typed(data.get("flags", []), list, f"{where}: 'flags'", "a list")
        line_speakers = _typed(data.get("line_speakers", []), list, f"{where}: 'line_speakers'", "a list")
        return cls(
            start=_ms(data.get("start"), f"{where}: 'start'"),
            end=_ms(data.get("end"), f"{where}: 'end'"),
            text=_typed(data.get("text"), str, f"{where}: 'text'", "a string"),
            source=_optional(data.get("source"), str, f"{where}: 'source'", "a string"),
            speaker=_optional(data.get("speaker"), str, f"{where}: 'speaker'", "a string"),
            words=[_word(w, f"{where}: word {n}") for n, w in enumerate(words, 1)],
            flags=[_typed(f, str, f"{where}: 'flags'", "a list of strings") for f in flags],
            line_speakers=[_typed(n, str, f"{where}: 'line_speakers'", "a list of strings") for n in line_speakers],
        )


def _typed(value: Any, kind: type, where: str, expected: str) -> Any:
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise InputError(f"{where} must be {expected}, got {_shown(value)}")
    return value


def _optional(value: Any, kind: type, where: str, expected: str) -> Any:
    return None if value is None else _typed(value, kind, where, expected)


def _ms(value: Any, where: str) -> int:
    return _typed(value, int, where, "a whole number of milliseconds")


def _whole_ms(value: Any, where: str) -> int:
    """An integral time (numpy's too) as an ``int``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise InputError(f"{where} must be a whole number of milliseconds, got {_shown(value)}")
    return int(value)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _word(data: Any, where: str) -> Word:
    data = _typed(data, dict, where, "an object")
    probability = data.get("probability")
    if probability is not None and not (
        isinstance(probability, (int, float)) and not isinstance(probability, bool) and 0 <= probability <= 1
    ):
        raise InputError(f"{where}: 'probability' must be a number from 0 to 1, got {_shown(probability)}")
    return Word(
        _ms(data.get("start"), f"{where}: 'start'"),
        _ms(data.get("end"), f"{where}: 'end'"),
        _typed(data.get("text"), str, f"{where}: 'text'", "a string"),
        probability,
        _optional(data.get("speaker"), str, f"{where}: 'speaker'", "a string"),
    )


def _word_dict(word: Word) -> dict[str, Any]:
    data: dict[str, Any] = {"start": word.start, "end": word.end, "text": word.text}
    if word.probability is not None:
        data["probability"] = round(word.probability, 4)
    if word.speaker is not None:
        data["speaker"] = word.speaker
    return data


@dataclass
class Track:
    """A timed-text track: a language, its cues in order, and the video frame rate.

    ``translation`` is set by the translate stage (source language, engine, glossary
    report); ``meta`` holds free-form facts about where the track came from.
    """

    cues: list[Cue] = field(default_factory=list)
    language: str | None = None
    fps: Fraction = DEFAULT_FPS
    meta: dict[str, Any] = field(default_factory=dict)
    translation: TranslationInfo | None = None

    def __post_init__(self) -> None:
        """Cues a list of :class:`Cue`, a known frame rate (:class:`InputError` otherwise)."""
        if not isinstance(self.cues, (list, tuple)):
            raise InputError(f"track cues must be a list of Cue, got {_shown(self.cues)}")
        self.cues = list(self.cues)
        for number, cue in enumerate(self.cues, 1):
            _typed(cue, Cue, f"track cue {number}", "a Cue")
        _optional(self.language, str, "track language", "a string")
        self.fps = frame_rate(self.fps)

    @property
    def source_language(self) -> str | None:
        """The language the cues' ``source`` text is in (set by translation), else None."""
        return self.translation.source_language if self.translation else None

    def __iter__(self) -> Iterator[Cue]:
        return iter(self.cues)

    def __len__(self) -> int:
        return len(self.cues)

    def __getitem__(self, index: int) -> Cue:
        return self.cues[index]

    @property
    def duration(self) -> int:
        """End of the last cue, in ms (0 for an empty track)."""
        return max((c.end for c in self.cues), default=0)

    def validate(self, allow_overlap: bool = True) -> Track:
        """Raise :class:`InputError` on negative or inverted times (and overlaps if asked)."""
        for number, cue in enumerate(self.cues, 1):
            cue.validate(number)
        if not allow_overlap:
            for number, (a, b) in enumerate(zip(self.cues, self.cues[1:]), 2):
                if b.start < a.end:
                    raise InputError(
                        f"cue {number}: starts at {format_ms(b.start)}, before cue {number - 1} ends at {format_ms(a.end)}"
                    )
        return self

    def sorted(self) -> Track:
        return self.replace(cues=sorted(self.cues, key=lambda c: (c.start, c.end)))

    def replace(self, **changes: Any) -> Track:
        """A deep copy with some fields changed; stages never mutate their input."""
        clone = copy.deepcopy(self)
        for name, value in changes.items():
            setattr(clone, name, value)
        return clone

    def text(self) -> str:
        """All cue text, one cue a line (for language detection and search)."""
        return "\n".join(c.plain_text for c in self.cues)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready): language, frame rate as a fraction string, meta, cues."""
        data = {"language": self.language, "fps": str(self.fps), "meta": self.meta}
        if self.translation is not None:
            data["translation"] = self.translation.to_dict()
        return data | {"cues": [c.to_dict() for c in self.cues]}

    @classmethod
    def from_dict(cls, data: Any) -> Track:
        """A track from plain data (JSON, the stage cache), every field type-checked.

        Raises :class:`InputError` naming the cue and key for a wrong type.
        """
        data = _typed(data, dict, "track", "an object")
        cues = _typed(data.get("cues"), list, "'cues'", "a list of cues")
        fps = data.get("fps") or DEFAULT_FPS
        if not isinstance(fps, (str, int, float, Fraction)) or isinstance(fps, bool):
            raise InputError(f"'fps' must be a frame rate such as 30 or 30000/1001, got {_shown(fps)}")
        translation = _optional(data.get("translation"), dict, "'translation'", "an object")
        try:
            info = TranslationInfo.from_dict(translation) if translation else None
        except (TypeError, ValueError, KeyError) as error:
            raise InputError(f"'translation' is malformed ({error})") from None
        return cls(
            cues=[Cue.from_dict(item, f"cue {n}") for n, item in enumerate(cues, 1)],
            language=_optional(data.get("language"), str, "'language'", "a string"),
            fps=frame_rate(fps),
            meta=dict(_optional(data.get("meta"), dict, "'meta'", "an object") or {}),
            translation=info,
        )

    @classmethod
    def from_cues(cls, cues: Iterable[Cue], **kwargs: Any) -> Track:
        return cls(cues=list(cues), **kwargs)


def require_track(value: Any, what: str = "track") -> Track:
    """``value`` if it is a :class:`Track`, else an :class:`InputError` (library callers' type slips)."""
    if not isinstance(value, Track):
        raise InputError(f"{what} must be a localize Track (localize.load(path) reads one), got {type(value).__name__}")
    return value


def is_cjk(char: str) -> bool:
    """True for Han ideographs, kana, hangul and full-width punctuation."""
    code = ord(char)
    return (
        0x3000 <= code <= 0x30FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or 0x20000 <= code <= 0x2FA1F
    )


def join_lines(lines: list[str]) -> str:
    """Join subtitle lines: no space between CJK lines, one space otherwise."""
    out = ""
    for line in (text.strip() for text in lines):
        if not line:
            continue
        if out and not (is_cjk(out[-1]) or is_cjk(line[0])):
            out += " "
        out += line
    return out


def format_ms(ms: int) -> str:
    """``HH:MM:SS.mmm`` for messages and reports."""
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
