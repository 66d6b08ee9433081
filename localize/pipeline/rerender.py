"""Outputs made again after a review: the episode re-run with the settings its manifest recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from localize.errors import InputError
from localize.paths import inside, safe_name
from localize.validate import as_path, as_text, public


@public()
def rerender(out_dir: str | Path, episode: str, market: str, log: Callable[[str], None] | None = None) -> Any:
    """Re-run ``episode`` of ``out_dir`` as it was last run, so the edit layer of ``market`` reaches every
    output (subtitle formats, dub, mux, burned video); the new :class:`~localize.pipeline.Manifest`.

    The media, source subtitles, cut list, context, glossaries, markets and options come from
    ``manifest.json`` (all its markets run, so none drops out of the manifest). It is the same
    run as ``localize run`` and as incremental as it is: every stage comes from the stage cache
    while its inputs are unchanged, so an edited market re-times nothing and re-makes only its
    subtitle files, dub, mux and burn, the dub re-synthesizing only changed lines and the burn
    re-encoding only the keyframe intervals they touch. Edited delivered files
    are taken into the layer first (``--edits keep``). Raises :class:`InputError` when the
    episode or market is unknown or an input file is gone.
    """
    from localize.pipeline.keys import RunOptions
    from localize.pipeline.manifest import Manifest
    from localize.pipeline.markets import MarketProfile
    from localize.pipeline.run import run_episode

    out_dir, market = as_path(out_dir, "out_dir"), as_text(market, "market")
    folder = inside(out_dir, safe_name(as_text(episode, "episode"), "episode name"))
    if not (folder / "manifest.json").is_file():
        raise InputError(f"{folder}: no manifest.json (run the episode with `localize run` first)")
    recorded = Manifest.load(folder / "manifest.json")
    if market not in recorded.markets:
        raise InputError(f"{episode}: no market {market!r} in this episode (markets: {', '.join(recorded.markets)})")
    settings, inputs = recorded.settings, recorded.inputs
    markets = [MarketProfile(**_profile(profile)) for profile in settings["markets"].values()]
    options = RunOptions(
        language=settings.get("language", "auto"),
        glossaries=[g.path for g in inputs.glossaries],
        model=settings.get("model"),
        engine=settings.get("engine", "faster-whisper"),
        speakers=settings.get("speakers", "off"),
        source=settings.get("source", "audio"),
        shots=inputs.shots.path if inputs.shots else None,
        context=inputs.context.path if inputs.context else None,
    )
    return run_episode(
        inputs.media.path,
        markets,
        out_dir,
        dub=bool(settings.get("dub")),
        source_subs=inputs.source_subs.path if inputs.source_subs else None,
        options=options,
        episode=episode,
        log=log,
    )


def _profile(recorded: dict[str, Any]) -> dict[str, Any]:
    """A market profile's fields as the manifest recorded them (lists back to tuples)."""
    return {key: tuple(value) if isinstance(value, list) else value for key, value in recorded.items()}
