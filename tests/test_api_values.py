"""Every public function called with each kind of wrong value, one argument at a time (beyond the review's
R8 list in test_api_types): an InputError for what the call works on, an OptionError for a setting, both
naming the argument, before any model runs; and options dataclasses checking their fields when built."""

from __future__ import annotations

import numpy as np
import pytest

import localize
from localize.pipeline import RunOptions
from test_api_types import DATA, EN, EPISODE, SETTING, SOURCE_SUBS, SUBS, assert_refused

CALLS = {
    # calls that did not fit the signature at all
    "load(too many)": (
        lambda out: localize.load(SUBS, None, None, True, 5),
        DATA,
        "load(): too many positional arguments",
    ),
    "translate(no target)": (
        lambda out: localize.translate(EN),
        DATA,
        "translate(): missing a required argument: 'target'",
    ),
    "transcribe(bogus=1)": (
        lambda out: localize.transcribe(EPISODE, bogus=1),
        SETTING,
        "transcribe() has no argument 'bogus'; it takes media, language, glossary",
    ),
    # the other wrong types and values found calling every public function with each wrong value
    "load(encoding=5)": (lambda out: localize.load(SUBS, encoding=5), SETTING, "encoding must be a string, got int 5"),
    "load(fmt=[None])": (lambda out: localize.load(SUBS, fmt=[None]), SETTING, "fmt must be a string, got list [None]"),
    "load(allow_overlap='no')": (
        lambda out: localize.load(SUBS, allow_overlap="no"),
        SETTING,
        "allow_overlap must be True or False, got str 'no'",
    ),
    "save(fmt=5)": (lambda out: localize.save(EN, out / "x.srt", fmt=5), SETTING, "fmt must be a string"),
    "transcribe(glossary=5)": (lambda out: localize.transcribe(EPISODE, glossary=5), DATA, "glossary must be a list"),
    "transcribe(glossary=[None])": (
        lambda out: localize.transcribe(EPISODE, glossary=[None]),
        DATA,
        "glossary: each item must be str",
    ),
    "transcribe(script=[None])": (
        lambda out: localize.transcribe(EPISODE, script=[None]),
        SETTING,
        "script must be a string",
    ),
    "transcribe(source=5)": (lambda out: localize.transcribe(EPISODE, source=5), SETTING, "source must be a string"),
    "transcribe(speakers=True)": (
        lambda out: localize.transcribe(EPISODE, speakers=True),
        SETTING,
        "SpeakerOptions.speakers must be a string or a whole number, got bool True",
    ),
    "translate(source=5)": (lambda out: localize.translate(EN, "es", source=5), DATA, "source must be a string"),
    "translate(market=5)": (lambda out: localize.translate(EN, "es", market=5), DATA, "market must be a string"),
    "translate(strict='yes')": (
        lambda out: localize.translate(EN, "es", strict="yes"),
        SETTING,
        "strict must be True or False",
    ),
    "translate(cache=5)": (lambda out: localize.translate(EN, "es", cache=5), SETTING, "cache must be a file path"),
    "load_glossaries(market=5)": (lambda out: localize.load_glossaries([], 5), DATA, "market must be a string"),
    "detect_shots(method=[None])": (
        lambda out: localize.detect_shots(EPISODE, method=[None]),
        SETTING,
        "method must be a string",
    ),
    "detect_shots(threshold='x')": (
        lambda out: localize.detect_shots(EPISODE, threshold="x"),
        SETTING,
        "threshold must be a number",
    ),
    "detect_shots(cache=5)": (
        lambda out: localize.detect_shots(EPISODE, cache=5),
        SETTING,
        "cache must be True or False",
    ),
    "load_profile(None)": (lambda out: localize.load_profile(None), SETTING, "profile must be a profile name"),
    "dub(video=5)": (lambda out: localize.dub(EN, out / "d.wav", video=5), DATA, "video must be a file path"),
    "dub(bed=5)": (lambda out: localize.dub(EN, out / "d.wav", bed=5), DATA, "bed must be a file path"),
    "dub(shots=None)": (lambda out: localize.dub(EN, out / "d.wav", shots=None), DATA, "shots must be a list"),
    "dub(line_cache=5)": (
        lambda out: localize.dub(EN, out / "d.wav", line_cache=5),
        SETTING,
        "line_cache must be a file path",
    ),
    "dub(line_cache=a file)": (
        lambda out: localize.dub(EN, out / "d.wav", line_cache=SUBS),
        SETTING,
        "reference.srt is not a folder",
    ),
    "diarize(audio=None)": (lambda out: localize.diarize(None), DATA, "audio must be 16 kHz mono samples"),
    "diarize(audio=stereo)": (lambda out: localize.diarize(np.zeros((2, 16000))), DATA, "audio must be 16 kHz mono"),
    "diarize(encoder=[None])": (
        lambda out: localize.diarize(np.zeros(16000, np.float32), encoder=[None]),
        SETTING,
        "encoder must be a string",
    ),
    "burn(audio=5)": (
        lambda out: localize.burn(EPISODE, EN, out / "b.mp4", audio=5),
        DATA,
        "audio must be a file path",
    ),
    "run_episode(output_dir=a file)": (
        lambda out: localize.run_episode(EPISODE, "en-US", SUBS, source_subs=SOURCE_SUBS),
        DATA,
        "reference.srt is not a folder",
    ),
    "run_episode(dub='yes')": (
        lambda out: localize.run_episode(EPISODE, "en-US", out / "o", "yes"),
        SETTING,
        "dub must be True or False",
    ),
    "run_episode(episode=5)": (
        lambda out: localize.run_episode(EPISODE, "en-US", out / "o", episode=5),
        DATA,
        "episode must be a string",
    ),
    "rerender(None)": (lambda out: localize.rerender(None, "ep", "en-US"), DATA, "out_dir must be a file path"),
    "rerender(market=[None])": (lambda out: localize.rerender(out, "ep", [None]), DATA, "market must be a string"),
    "batch(output_dir=a file)": (
        lambda out: localize.batch([EPISODE], "en-US", SUBS),
        DATA,
        "reference.srt is not a folder",
    ),
    "batch(jobs=None)": (
        lambda out: localize.batch([EPISODE], "en-US", out / "o", None),
        SETTING,
        "jobs must be a whole number",
    ),
    "batch(jobs=0)": (
        lambda out: localize.batch([EPISODE], "en-US", out / "o", 0),
        SETTING,
        "jobs must be at least 1, got 0",
    ),
    "batch(executor=5)": (
        lambda out: localize.batch([EPISODE], "en-US", out / "o", executor=5),
        SETTING,
        "executor must be a string",
    ),
    "batch(dub='yes')": (
        lambda out: localize.batch([EPISODE], "en-US", out / "o", dub="yes"),
        SETTING,
        "dub must be True",
    ),
    "load_edits(None)": (lambda out: localize.load_edits(None, "en-US"), DATA, "episode_dir must be a file path"),
    "load_edits(market=5)": (lambda out: localize.load_edits(out, 5), DATA, "market must be a string"),
    "apply_edits(layer=5)": (lambda out: localize.apply_edits(EN, 5), DATA, "layer must be an EditLayer"),
    "export_xliff(version=2)": (
        lambda out: localize.export_xliff(out, "en-US", version=2),
        SETTING,
        "version must be a string, got int 2",
    ),
    "import_xliff(None)": (lambda out: localize.import_xliff(None, out), DATA, "path must be a file path"),
    # options dataclasses check their fields when built
    "TranscriptionOptions(vad=1)": (
        lambda out: localize.TranscriptionOptions(vad=1),
        SETTING,
        "TranscriptionOptions.vad must be True or False, got int 1",
    ),
    "TranslationOptions(context=None)": (
        lambda out: localize.TranslationOptions(context=None),
        SETTING,
        "TranslationOptions.context must be a string, got NoneType",
    ),
    "VoiceOptions(voices=[])": (
        lambda out: localize.VoiceOptions(voices=[]),
        SETTING,
        "VoiceOptions.voices must be a mapping",
    ),
    "MixOptions(loudness='-23')": (
        lambda out: localize.MixOptions(loudness="-23"),
        SETTING,
        "MixOptions.loudness must be a number, got str '-23'",
    ),
    "MuxOptions(5)": (
        lambda out: localize.MuxOptions(5),
        SETTING,
        "MuxOptions.output must be a string or a path, got int 5",
    ),
    "RunOptions(shots=5)": (
        lambda out: RunOptions(shots=5),
        SETTING,
        "RunOptions.shots must be a string or a path or None",
    ),
    "MuxOptions(subtitles=[None])": (
        lambda out: localize.MuxOptions(out / "m.mp4", subtitles=[None]),
        SETTING,
        "MuxOptions.subtitles: each item must be a (file, language) pair, got NoneType",
    ),
    "run_episode(RunOptions(cache_dir=a file))": (
        lambda out: localize.run_episode(EPISODE, "en-US", out / "o", options=RunOptions(cache_dir=SUBS)),
        SETTING,
        "reference.srt is not a folder",
    ),
    "RunOptions(glossaries=[5])": (
        lambda out: RunOptions(glossaries=[5]),
        SETTING,
        "RunOptions.glossaries: each item must",
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_wrong_value_is_an_error_naming_the_argument(name, tmp_path):
    assert_refused(*CALLS[name], tmp_path)
