"""Translation memory: a season translated twice, cold cache then warm.

    python -m benchmarks.translation_cache

Run 1 starts with an empty memory (the model loads, every new sentence is translated);
run 2 repeats the season with fresh translators: every sentence comes from SQLite and the
model is never loaded. Output must be identical; the goal is a >= 10x speed-up.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks._season import HOUSE, NAMES, isolated_argos, season
from localize.translation import get_translator, translate


def run(tracks, memory: Path, target: str) -> tuple[float, list[list[str]], bool]:
    translator = get_translator("zh", target)
    started = time.perf_counter()
    outputs = [
        [c.text for c in translate(t, target, glossaries=[HOUSE, NAMES], cache=memory, translator=translator).cues]
        for t in tracks
    ]
    loaded = any(
        getattr(part, "_model", None) is not None
        for part in (translator, getattr(translator, "first", None), getattr(translator, "second", None))
    )
    return time.perf_counter() - started, outputs, loaded


def main() -> None:
    root = isolated_argos()
    tracks = season(episodes=20, lines=12)
    cues = sum(len(t) for t in tracks)
    print(
        f"{'pair':6} {'episodes':>8} {'cues':>5} {'run 1 (cold) s':>15} {'run 2 (warm) s':>15} {'speed-up':>9} {'identical':>9} {'model loaded in run 2':>22}"
    )
    for target in ("en", "es"):
        memory = root / f"memory-{target}.sqlite3"
        cold, first, _ = run(tracks, memory, target)
        warm, second, loaded = run(tracks, memory, target)
        print(
            f"zh->{target:2} {len(tracks):8d} {cues:5d} {cold:15.3f} {warm:15.3f} {cold / warm:8.1f}x {str(first == second):>9} {str(loaded):>22}"
        )


if __name__ == "__main__":
    main()
