"""Re-render a market's deliverables from its edit layer."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from localize.errors import InputError
from localize.model import Track
from localize.paths import inside, safe_name
from localize.review.edits import EditLayer, apply_edits, delivered_subtitles, load_edits, machine_track, read_manifest

Log = Callable[[str], None]


def rerender(out_dir: str | Path, episode: str, market: str, log: Log | None = None) -> list[Path]:
    """Rewrite the market's subtitle files (every format the manifest lists) from the saved edit layer.

    In this version only the subtitle files are re-rendered; the dub, muxed and burned
    videos stay as the run made them. Each file is written atomically. Returns the files
    written, in the manifest's order.
    """
    say = log or (lambda _: None)
    episode_dir = inside(out_dir, safe_name(episode, "episode"))
    manifest = read_manifest(episode_dir)
    layer = load_edits(episode_dir, market)
    track = reviewed_track(episode_dir, market, manifest, layer)
    outputs = [inside(episode_dir, o["path"]) for o in delivered_subtitles(episode_dir, market, manifest)]
    say(f"{episode}/{market}: {sum(c.edited for c in layer.cues)} edited cues, {len(outputs)} subtitle files")
    from localize.formats import save

    for number, path in enumerate(outputs, 1):
        save(track, path)  # atomic
        say(f"{episode}/{market}: wrote {path.name} ({number}/{len(outputs)})")
    return outputs


def reviewed_track(episode_dir: Path, market: str, manifest: dict[str, Any] | None = None,
                   layer: EditLayer | None = None) -> Track:
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
        raise InputError(f"{layer.episode}/{layer.market}: the delivered track has {len(track.cues)} cues, "
                         f"the edit layer {len(layer.cues)}; run the episode again")
    result = track.replace()
    for cue, edit in zip(result.cues, layer.cues):
        if (cue.text, cue.start, cue.end) != (edit.machine, edit.start, edit.end):
            cue.words = []
        cue.text, cue.start, cue.end, cue.speaker = edit.machine, edit.start, edit.end, edit.speaker
    return result
