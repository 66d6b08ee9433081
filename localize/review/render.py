"""The market's track as a reviewer left it (the review page's text track). Re-rendering the outputs
is :func:`localize.pipeline.rerender`: the episode run again, edits and all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from localize.errors import InputError
from localize.model import Track
from localize.review.delivered import machine_track, read_manifest
from localize.review.edits import EditLayer, apply_edits, load_edits

Log = Callable[[str], None]


def reviewed_track(
    episode_dir: Path, market: str, manifest: dict[str, Any] | None = None, layer: EditLayer | None = None
) -> Track:
    """The market's track as the reviewer left it: the machine track with the saved edit layer applied."""
    manifest = manifest if manifest is not None else read_manifest(episode_dir)
    layer = layer if layer is not None else load_edits(episode_dir, market)
    return apply_edits(_machine(machine_track(episode_dir, market, manifest), layer), layer)


def _machine(track: Track, layer: EditLayer) -> Track:
    """The delivered track with each cue's text, times and speaker put back to the layer's machine values.

    The delivered files may hold an earlier re-render: a reviewed value set back to the
    machine's must not keep what that render wrote.
    """
    if len(track.cues) != len(layer.cues):
        raise InputError(
            f"{layer.episode}/{layer.market}: the delivered track has {len(track.cues)} cues, "
            f"the edit layer {len(layer.cues)}; run the episode again"
        )
    result = track.replace()
    for cue, edit in zip(result.cues, layer.cues):
        if (cue.text, cue.start, cue.end) != (edit.machine, edit.start, edit.end):
            cue.words = []
        cue.text, cue.start, cue.end, cue.speaker = edit.machine, edit.start, edit.end, edit.speaker
    return result
