"""A synthetic season of Chinese micro-drama episodes for the translate benchmarks.

Lines come from the templates of fixtures/argos/build_argos_model.py (names and terms
swapped in, seeded); every episode opens with the same recap lines, as real ones do.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

from benchmarks._scripts import load_script
from localize.model import Cue, Track

ROOT = Path(__file__).resolve().parents[1]
ARGOS = ROOT / "fixtures" / "argos"
HOUSE = ROOT / "glossaries" / "zh_en_microdrama.csv"
NAMES = ROOT / "glossaries" / "examples" / "title_names.csv"
ES_419 = ROOT / "glossaries" / "markets" / "es-419.csv"
REFERENCE_ZH = ROOT / "fixtures" / "episode_zh" / "reference.srt"


def season(episodes: int = 20, lines: int = 12, recap: int = 3, seed: int = 7) -> list[Track]:
    builder = load_script("fixtures/argos/build_argos_model.py")
    rng = random.Random(seed)
    names = [
        n for n in builder.NAMES if n.zh in ("林晚", "陆景琛", "苏念", "顾北辰", "少爷", "夫人", "老夫人", "大小姐")
    ]
    roles = [r for r in builder.ROLES if r.zh in ("总裁", "管家", "战神", "赘婿", "王妃", "千金")]

    def line() -> str:
        zh = rng.choice(builder.TEMPLATES)[0]
        values = {
            "N": rng.choice(names).zh,
            "M": rng.choice(names).zh,
            "R": rng.choice(roles).zh,
            "S": rng.choice(roles).zh,
        }
        return zh.format(**values)

    opening = [line() for _ in range(recap)]
    tracks = []
    for _ in range(episodes):
        texts = opening + [line() for _ in range(lines - recap)]
        tracks.append(Track([Cue(i * 2500, i * 2500 + 2000, t) for i, t in enumerate(texts)], language="zh"))
    return tracks


def isolated_argos() -> Path:
    """Install both tiny packages into a fresh temporary ARGOS_PACKAGES_DIR; return it."""
    from localize.translation.packages import install_file

    root = Path(tempfile.mkdtemp(prefix="localize-bench-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(root / "argos")
    os.environ["LOCALIZE_CACHE"] = str(root / "cache")
    for pair in ("zh_en", "en_es"):
        install_file(ARGOS / f"{pair}.argosmodel")
    return root
