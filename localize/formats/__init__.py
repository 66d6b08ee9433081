"""Subtitle formats, registered as plug-ins and chosen by file extension.

>>> track = load("episode.zh.srt")          # encoding detected
>>> save(track, "episode.zh.ttml")

Each format module registers a :class:`Format` with a reader (text -> Track) and a
writer (Track -> text). Readers raise :class:`ParseError` with the line number;
:func:`load` adds the file name, so users get ``file.srt:12: malformed timing line``.
"""

from __future__ import annotations

import os
from pathlib import Path

from localize.errors import InputError, LocalizeError, OptionError
from localize.fileio import write_bytes_atomic
from localize.formats.encoding import decode
from localize.formats.registry import FORMATS, Format, ParseError, register
from localize.media import check_input
from localize.model import Track, require_track
from localize.validate import as_flag, as_optional_text, as_path, public


def format_for(path: str | os.PathLike[str], name: str | None = None) -> Format:
    """The format named ``name``, else the one registered for the file's extension."""
    if as_optional_text(name, "fmt", error=OptionError):
        if name not in FORMATS:
            raise OptionError(f"unknown subtitle format '{name}' (known: {', '.join(sorted(FORMATS))})")
        return FORMATS[name]
    suffix = Path(path).suffix.lower()
    for fmt in FORMATS.values():
        if suffix in fmt.extensions:
            return fmt
    known = ", ".join(sorted(ext for f in FORMATS.values() for ext in f.extensions))
    raise InputError(f"{path}: unknown subtitle extension '{suffix or '(none)'}' (known: {known})")


def read_text(path: str | os.PathLike[str], encoding: str | None = None) -> tuple[str, str]:
    """Read a subtitle file as text: (text, encoding used). One-line errors for bad files."""
    data = check_input(path).read_bytes()
    if not data.strip():
        raise InputError(f"{path}: file is empty")
    try:
        return decode(data, as_optional_text(encoding, "encoding", error=OptionError))
    except LocalizeError as error:
        raise type(error)(f"{path}: {error}") from None


def loads(text: str, fmt: str) -> Track:
    return format_for("", fmt).read(text)


def dumps(track: Track, fmt: str) -> str:
    return format_for("", fmt).write(track)


@public()
def load(
    path: str | os.PathLike[str],
    encoding: str | None = None,
    fmt: str | None = None,
    allow_overlap: bool = True,
) -> Track:
    """Read a subtitle file into a validated :class:`Track`.

    ``track.meta`` records ``encoding`` and ``format``. Raises :class:`LocalizeError`
    naming the file (and the line) for anything malformed, empty or with inverted times.
    """
    path, allow_overlap = as_path(path, "path"), as_flag(allow_overlap, "allow_overlap")
    text, used = read_text(path, encoding)
    chosen = format_for(path, fmt)
    try:
        track = chosen.read(text)
    except ParseError as error:
        where = f"{path}:{error.line}" if error.line else str(path)
        raise InputError(f"{where}: {error.message}") from None
    if not track.cues:
        raise InputError(f"{path}: no subtitles in file")
    try:
        track.validate(allow_overlap=allow_overlap)
    except LocalizeError as error:
        raise InputError(f"{path}: {error}") from None
    track.meta.update(encoding=used, format=chosen.name)
    return track


@public()
def save(track: Track, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write ``track`` atomically in the format its extension names (UTF-8)."""
    path = as_path(path, "path")
    chosen = format_for(path, fmt)
    require_track(track).validate()
    write_bytes_atomic(path, chosen.write(track).encode("utf-8"))
    return Path(path)


# Importing the modules registers the built-in formats, in this order (the order error messages list them).
from localize.formats import srt, vtt, sbv, ass, ttml, jsonfmt  # noqa: E402,F401  # isort: skip

__all__ = ["FORMATS", "Format", "ParseError", "dumps", "format_for", "load", "loads", "register", "save"]
