"""What :func:`localize.translation.translate` is told about its engine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from localize.validate import check_fields

if TYPE_CHECKING:
    from localize.timing.profiles import Profile


@dataclass(frozen=True)
class TranslationOptions:
    """Which engine translates, and how.

    ``engine``: "argos" (offline MT; sentences spread over several cues are translated whole)
    or "llm" (an OpenAI-compatible endpoint, one line per cue: ``model``, and ``context``, a
    synopsis). ``profile``: the timing profile whose character budgets the LLM is asked to
    keep (default: the target language's). ``enforce=False`` translates without glossary
    protection or repair but still verifies (for measurement).
    """

    engine: str = "argos"
    model: str | None = None
    context: str = ""
    profile: str | Path | Profile | None = None
    enforce: bool = True

    def __post_init__(self) -> None:
        check_fields(self)
