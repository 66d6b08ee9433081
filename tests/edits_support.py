"""Helpers for the edit-layer tests (no tests here): a delivered episode folder written directly.

The folder looks as `localize run` leaves it (source transcript, market subtitles, a manifest
with the market's timing profile, glossary layers and the cut list) without running the chain.
"""

from __future__ import annotations

import json
from pathlib import Path

import localize
from localize.fileio import sha256_file
from localize.model import Cue, Track

SOURCE = ["林晚，你终于回来了。", "总裁在楼上等你。", "明天我们回家。"]
ENGLISH = ["Lin Wan, you're finally back.", "The CEO is waiting for you upstairs.", "Tomorrow we go home."]
GLOSSARY = "source,target,variants\n总裁,CEO,President\n林晚,Lin Wan,\n"


def machine(with_source: bool = True) -> Track:
    cues = [
        Cue(500 + 2000 * n, 2300 + 2000 * n, text, source=SOURCE[n] if with_source else None, speaker=f"S{n % 2 + 1}")
        for n, text in enumerate(ENGLISH)
    ]
    return Track(cues, language="en")


def delivered_episode(
    root: Path,
    formats: tuple[str, ...] = ("srt", "vtt"),
    name: str = "ep01",
    glossary: bool = False,
    shots: tuple[int, ...] = (),
) -> Path:
    """An episode folder as `localize run` leaves it: source transcript, en-US subtitles, manifest."""
    episode = root / name
    source = Track([Cue(c.start, c.end, SOURCE[n]) for n, c in enumerate(machine())], language="zh")
    localize.save(source, episode / f"{name}.zh.json")
    outputs = []
    for fmt in formats:
        path = episode / "en-US" / f"{name}.en.{fmt}"
        localize.save(machine(with_source=fmt == "json"), path)
        outputs.append({"path": f"en-US/{path.name}", "sha256": sha256_file(path), "bytes": path.stat().st_size})
    layers = []
    if glossary:
        table = root / "names.csv"
        table.write_text(GLOSSARY, encoding="utf-8")
        layers.append({"path": str(table.resolve()), "sha256": sha256_file(table)})
    manifest = {
        "episode": name,
        "source": {"language": "zh", "outputs": [{"path": f"{name}.zh.json"}], "shots": list(shots)},
        "markets": {
            "en-US": {
                "language": "en",
                "timing_profile": "en-vertical",
                "outputs": outputs,
                "glossary": {"layers": layers},
            }
        },
    }
    (episode / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return episode
