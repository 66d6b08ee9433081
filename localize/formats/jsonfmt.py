"""The toolkit's lossless JSON: everything in a track, words, source text and flags included."""

from __future__ import annotations

import json

from localize.errors import LocalizeError
from localize.formats.registry import Format, ParseError, register
from localize.model import Track

KIND = "localize.track"
VERSION = 1


def read(text: str) -> Track:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"malformed JSON ({error.msg})", error.lineno) from None
    except RecursionError:
        raise ParseError("malformed JSON (nested too deeply)", 1) from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise ParseError(f'not a localize track (expected "kind": "{KIND}")', 1)
    try:
        return Track.from_dict(data)
    except LocalizeError as error:
        raise ParseError(f"malformed track: {error}") from None


def write(track: Track) -> str:
    data = {"kind": KIND, "version": VERSION, **track.to_dict()}
    data["meta"] = {k: v for k, v in track.meta.items() if k not in ("encoding", "format")}  # facts of the input file
    return json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n"


register(Format("json", (".json",), read, write, "localize lossless JSON"))
