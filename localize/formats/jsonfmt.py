"""The toolkit's lossless JSON: everything in a track, words, source text and flags included."""
from __future__ import annotations

import json
from fractions import Fraction

from localize.formats import Format, ParseError, register
from localize.model import Cue, Track

KIND = "localize.track"
VERSION = 1


def read(text: str) -> Track:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"malformed JSON ({error.msg})", error.lineno) from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise ParseError(f"not a localize track (expected \"kind\": \"{KIND}\")", 1)
    try:
        cues = [Cue.from_dict(item) for item in data["cues"]]
        return Track(cues=cues, language=data.get("language"), fps=Fraction(data.get("fps", "30")), meta=data.get("meta", {}))
    except (KeyError, TypeError, ValueError) as error:
        raise ParseError(f"malformed track ({error})") from None


def write(track: Track) -> str:
    data = {
        "kind": KIND,
        "version": VERSION,
        "language": track.language,
        "fps": str(track.fps),
        "meta": {k: v for k, v in track.meta.items() if k not in ("encoding", "format")},
        "cues": [cue.to_dict() for cue in track.cues],
    }
    return json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n"


register(Format("json", (".json",), read, write, "localize lossless JSON"))
