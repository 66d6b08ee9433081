"""Score translation engines on real zh->en dialogue: chrF++, BLEU, glossary and budget adherence.

    python -m benchmarks.mt                                  # argos (tiny fixture package) + llm (local SmolLM2 server)
    python -m benchmarks.mt --engines llm --model NAME       # your endpoint: OPENAI_BASE_URL / OPENAI_API_KEY
    python -m benchmarks.mt --limit 300                      # every sentence for the llm too

Data: ../shared/eval/parallel_zh_en/tatoeba_dialogue_300.jsonl (Tatoeba, CC-BY 2.0 FR; 300
sentences, several references where a sentence has them); skipped cleanly when absent.
Each sentence is one cue on screen for as long as the zh profile's reading speed needs
(characters / 9 cps, at least 1 s); its budget comes from en-vertical. Glossary: the
house termbase (only the terms that occur). With the tiny test models the scores are
low by construction; the harness is what a user points at their own model.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import sacrebleu

from benchmarks._scripts import ROOT, load_script
from benchmarks._table import print_table
from localize.model import Cue, Track
from localize.timing import load_profile
from localize.translation import TranslationOptions, install_file, translate

llm_server = load_script("fixtures/llm_server.py")

DATA = ROOT.parent / "shared" / "eval" / "parallel_zh_en" / "tatoeba_dialogue_300.jsonl"
HOUSE = ROOT / "glossaries" / "zh_en_microdrama.csv"
BUDGETS = "en-vertical"


def load_items() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def as_track(items: list[dict]) -> Track:
    """One cue per sentence, on screen as long as the zh profile's reading speed needs."""
    cps, start, cues = load_profile("zh").cps, 0, []
    for item in items:
        duration = max(1000, int(len(item["zh"]) / cps * 1000))
        cues.append(Cue(start, start + duration, item["zh"]))
        start += duration + 500
    return Track(cues, language="zh")


def score(engine: str, items: list[dict], model: str | None) -> list[str]:
    started = time.perf_counter()
    options = TranslationOptions(engine, model if engine == "llm" else None, profile=BUDGETS)
    result = translate(as_track(items), "en", source="zh", glossaries=[HOUSE], options=options, cache=False)
    seconds = time.perf_counter() - started
    hypotheses = [c.text.replace("\n", " ") for c in result.cues]
    width = max(len(i["en"]) for i in items)
    references = [[i["en"][k] if k < len(i["en"]) else None for i in items] for k in range(width)]
    chrf = sacrebleu.corpus_chrf(hypotheses, references, word_order=2).score
    bleu = sacrebleu.corpus_bleu(hypotheses, references).score
    info = result.translation
    glossary, budget = info.glossary, info.budget
    handled = glossary.lines_with_terms - glossary.lines_flagged
    adherence = f"{handled}/{glossary.lines_with_terms}" if glossary.lines_with_terms else "-"
    within = f"{100 * (budget.cues - budget.over_after_reask) / budget.cues:.1f}%"
    return [
        engine,
        info.model[:28],
        str(len(items)),
        f"{chrf:.1f}",
        f"{bleu:.1f}",
        adherence,
        within,
        f"{seconds / len(items):.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="argos,llm")
    parser.add_argument("--model", default=llm_server.MODEL_NAME)
    parser.add_argument("--limit", type=int, default=20, help="sentences for the llm engine (argos takes all)")
    args = parser.parse_args()
    if not DATA.is_file():
        print(f"skipped: {DATA} not present")
        return
    items = load_items()
    work = Path(tempfile.mkdtemp(prefix="mt-bench-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "argos")
    install_file(ROOT / "fixtures" / "argos" / "zh_en.argosmodel")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    server = None
    if "llm" in engines and "OPENAI_BASE_URL" not in os.environ:
        server, os.environ["OPENAI_BASE_URL"] = llm_server.start(Path.home() / ".cache" / "localize" / "llm-fixture")
    rows = []
    try:
        for engine in engines:
            subset = items[: args.limit] if engine == "llm" else items
            rows.append(score(engine, subset, args.model if engine == "llm" else None))
    finally:
        if server is not None:
            llm_server.stop(server)
    columns = [
        "engine",
        "model",
        "sentences",
        "chrF++",
        "BLEU",
        "glossary lines ok",
        f"within budget ({BUDGETS})",
        "s/line",
    ]
    print(
        f"data: {DATA.name} (Tatoeba zh->en, CC-BY 2.0 FR), references per sentence: 1-{max(len(i['en']) for i in items)}"
    )
    print_table(columns, rows)


if __name__ == "__main__":
    main()
