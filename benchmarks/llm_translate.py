"""The llm engine on the fixture episode: requests, tokens, seconds, the re-ask ladder,
budget overruns and glossary outcomes; a cold run, then a warm re-run from the memory.

    python -m benchmarks.llm_translate                       # starts llama-server + SmolLM2-135M on 127.0.0.1
    OPENAI_BASE_URL=... OPENAI_API_KEY=... python -m benchmarks.llm_translate --model NAME

Data: fixtures/episode_zh/reference.srt (6 cues, 6 glossary terms in 5 cues; house and
title glossaries). Budgets from the en-vertical profile. With the bundled 135M model the
output is not a translation at all: the numbers measure the protocol (cost, ladder,
checks), never quality. The argos row (tiny fixture package) is there for comparison.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from benchmarks._scripts import ROOT, load_script
from benchmarks._table import print_table
from localize.formats import load
from localize.model import Track
from localize.translation import TranslationOptions, install_file, translate

llm_server = load_script("fixtures/llm_server.py")

EPISODE = ROOT / "fixtures" / "episode_zh" / "reference.srt"
GLOSSARIES = [ROOT / "glossaries" / "zh_en_microdrama.csv", ROOT / "glossaries" / "examples" / "title_names.csv"]
PROFILE = "en-vertical"
COLUMNS = (
    "run",
    "cues",
    "from memory",
    "requests",
    "prompt tok",
    "compl tok",
    "seconds",
    "s/line",
    "re-asked",
    "alone",
    "untransl",
    "over before",
    "over after",
    "gl right 1st",
    "gl after re-ask",
    "gl repaired",
    "gl flagged",
)


def row(name: str, result: Track, seconds: float) -> list[str]:
    info = result.translation
    usage, budget, glossary = info.usage, info.budget, info.glossary
    return [
        name,
        str(len(result)),
        str(usage.memory_hits),
        str(usage.requests),
        str(usage.prompt_tokens),
        str(usage.completion_tokens),
        f"{seconds:.1f}",
        f"{seconds / len(result):.2f}",
        str(usage.lines_reasked),
        str(usage.lines_single),
        str(usage.lines_untranslated),
        str(budget.over_before_reask),
        str(budget.over_after_reask),
        str(glossary.right_first_time),
        str(glossary.right_after_reask),
        str(glossary.lines_repaired),
        str(glossary.lines_flagged),
    ]


def timed(
    track: Track, engine: str = "argos", model: str | None = None, cache: bool | Path = False
) -> tuple[Track, float]:
    started = time.perf_counter()
    result = translate(
        track,
        "en",
        source="zh",
        glossaries=GLOSSARIES,
        options=TranslationOptions(engine, model, profile=PROFILE),
        cache=cache,
    )
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=llm_server.MODEL_NAME)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="llm-bench-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "argos")
    install_file(ROOT / "fixtures" / "argos" / "zh_en.argosmodel")
    server = None
    if "OPENAI_BASE_URL" not in os.environ:
        server, os.environ["OPENAI_BASE_URL"] = llm_server.start(Path.home() / ".cache" / "localize" / "llm-fixture")
    track = load(EPISODE)
    rows = []
    try:
        memory = work / "memory.sqlite3"
        for name in ("llm cold", "llm warm (memory)"):
            result, seconds = timed(track, engine="llm", model=args.model, cache=memory)
            rows.append(row(name, result, seconds))
        rows.append(row("argos (tiny)", *timed(track, cache=False)))
    finally:
        if server is not None:
            llm_server.stop(server)
    print(
        f"data: {EPISODE.relative_to(ROOT)} ({len(track)} cues), budgets: {PROFILE}, model: {args.model} "
        f"at {os.environ['OPENAI_BASE_URL']}"
    )
    print_table(COLUMNS, rows)


if __name__ == "__main__":
    main()
