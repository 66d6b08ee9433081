"""Files a run read and wrote, by content (path, SHA-256, size): the ``inputs`` and ``outputs`` of a manifest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self is Python 3.11+


@dataclass(frozen=True)
class FileRecord:
    """A file by content: its path (absolute for an input), SHA-256 and size."""

    path: str
    sha256: str
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "bytes": self.bytes}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return cls(data.get("path", ""), data.get("sha256", ""), data.get("bytes", 0))


@dataclass(frozen=True)
class OutputFile(FileRecord):
    """A delivered file; ``path`` is relative to the episode folder (``en-US/ep01.en.srt``)."""


@dataclass(frozen=True)
class MediaInput(FileRecord):
    """The episode's media file and what ffprobe said of it (``fps`` as a fraction string)."""

    duration_ms: int = 0
    has_video: bool = False
    fps: str | None = None
    width: int | None = None
    height: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "duration_ms": self.duration_ms,
            "has_video": self.has_video,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaInput:
        file = FileRecord.from_dict(data)
        return cls(
            file.path,
            file.sha256,
            file.bytes,
            data.get("duration_ms", 0),
            data.get("has_video", False),
            data.get("fps"),
            data.get("width"),
            data.get("height"),
        )


OPTIONAL_INPUTS = ("source_subs", "shots", "context")


@dataclass(frozen=True)
class Inputs:
    """Every file a run read (the optional ones only when given)."""

    media: MediaInput
    glossaries: list[FileRecord] = field(default_factory=list)
    source_subs: FileRecord | None = None
    shots: FileRecord | None = None
    context: FileRecord | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"media": self.media.to_dict(), "glossaries": [g.to_dict() for g in self.glossaries]}
        for name in OPTIONAL_INPUTS:
            if getattr(self, name) is not None:
                data[name] = getattr(self, name).to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Inputs:
        optional = {n: FileRecord.from_dict(data[n]) for n in OPTIONAL_INPUTS if data.get(n) is not None}
        return cls(
            MediaInput.from_dict(data.get("media") or {}),
            [FileRecord.from_dict(g) for g in data.get("glossaries", [])],
            **optional,
        )
