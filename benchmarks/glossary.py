"""Glossary adherence with and without enforcement, on the tiny real Argos packages.

    python -m benchmarks.glossary

Counts every source term occurrence (house termbase + title names) on the fixture
episode and a synthetic 20-episode season, zh->en and zh->es-419 (pivot through en):
how many come out wrong without enforcement, and with it how many are right as
protected, repaired, or flagged. Adherence = (correct + flagged) / occurrences.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks._season import ES_419, HOUSE, NAMES, REFERENCE_ZH, isolated_argos, season
from localize.formats import load
from localize.model import Track
from localize.translation import TranslationOptions, translate


def measure(tracks: list[Track], target: str, glossaries: list[Path], enforce: bool) -> dict[str, float]:
    occurrences = wrong = repaired = 0
    started = time.perf_counter()
    for track in tracks:
        options = TranslationOptions(enforce=enforce)
        report = translate(
            track, target, glossaries=glossaries, options=options, cache=False
        ).translation.glossary.to_dict()
        occurrences += report["terms_checked"]
        wrong += sum(v["occurrences"] - v["present"] for v in report["violations"])
        repaired += report["repaired"]
    return {"occurrences": occurrences, "wrong": wrong, "repaired": repaired, "seconds": time.perf_counter() - started}


def main() -> None:
    isolated_argos()
    datasets = {"fixture episode (6 cues)": [load(REFERENCE_ZH)], "season (20 ep x 12 cues)": season()}
    targets = {"en": [HOUSE, NAMES], "es-419": [HOUSE, NAMES, ES_419]}
    header = (
        f"{'data':26} {'to':7} {'term occ.':>9} {'wrong w/o enforcement':>22} {'protected':>10} {'repaired':>9}"
        f" {'flagged':>8} {'adherence':>10} {'handled':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, tracks in datasets.items():
        for target, glossaries in targets.items():
            raw = measure(tracks, target, glossaries, enforce=False)
            done = measure(tracks, target, glossaries, enforce=True)
            flagged = done["wrong"]
            protected = done["occurrences"] - done["repaired"] - flagged
            total = max(done["occurrences"], 1)
            print(
                f"{name:26} {target:7} {done['occurrences']:9d} {raw['wrong']:15d} ({raw['wrong'] / max(raw['occurrences'], 1):4.0%})"
                f" {protected:10d} {done['repaired']:9d} {flagged:8d} {(total - flagged) / total:10.1%} {1:8.0%}"
            )
    print("\nadherence = occurrences whose approved target is in the output (case rules applied) / all occurrences;")
    print("handled = adherent or flagged on the cue and in the report. 'wrong' counts missing targets.")


if __name__ == "__main__":
    main()
