"""Library calls with wrong argument types or values: an InputError naming the argument
(review hardening-2, R8), never a raw TypeError/AttributeError/ValueError, nothing written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import localize
from localize import ConfigError, Cue, InputError, LocalizeError, ModelError, Track
from localize.errors import ConfigError as ConfigErrorInErrors
from localize.pipeline import RunOptions

ROOT = Path(__file__).resolve().parent.parent
EPISODE = ROOT / "fixtures" / "episode_zh" / "episode.mp4"
HARDSUB = ROOT / "fixtures" / "episode_zh_hardsub" / "episode.mp4"
SUBS = ROOT / "fixtures" / "episode_en" / "reference.srt"
SOURCE_SUBS = ROOT / "fixtures" / "subtitles" / "zh_utf8.srt"
EN = Track([Cue(1000, 2500, "Lin Wan, you are back."), Cue(3000, 4500, "He is upstairs.")], language="en")

# name: (call given the output folder, a fragment of the message)
CALLS = {
    "transcribe(None)": (lambda out: localize.transcribe(None), "media must be a file path"),
    "transcribe(5)": (lambda out: localize.transcribe(5), "media must be a file path (str or pathlib.Path), got int 5"),
    "transcribe(track)": (
        lambda out: localize.transcribe(EN),
        "media must be a file path (str or pathlib.Path), got Track",
    ),
    "transcribe(language=5)": (lambda out: localize.transcribe(EPISODE, language=5), "language must be a string"),
    "transcribe(beam_size=0)": (
        lambda out: localize.transcribe(EPISODE, "zh", options=localize.TranscriptionOptions(beam_size=0)),
        "beam_size must be at least 1",
    ),
    "transcribe(band='x')": (
        lambda out: localize.transcribe(HARDSUB, source="hardsub", band="x"),
        "band must be (top, bottom)",
    ),
    "transcribe(band=(0.7,))": (
        lambda out: localize.transcribe(HARDSUB, source="hardsub", band=(0.7,)),
        "band must be (top, bottom)",
    ),
    "dub(track, None)": (lambda out: localize.dub(EN, None), "output must be a file path"),
    "dub(track, 5)": (lambda out: localize.dub(EN, 5), "output must be a file path"),
    "dub(voice=5)": (lambda out: localize.dub(EN, out / "d.wav", voice=5), "voice must be a string"),
    "dub(VoiceOptions(5))": (
        lambda out: localize.dub(EN, out / "d.wav", voice=localize.VoiceOptions(5)),
        "voice must be a string",
    ),
    "dub(mix=-23)": (lambda out: localize.dub(EN, out / "d.wav", mix=-23), "mix must be a MixOptions, got int -23"),
    "dub(mux=5)": (lambda out: localize.dub(EN, out / "d.wav", mux=5), "mux must be a MuxOptions, got int 5"),
    "transcribe(options='small')": (
        lambda out: localize.transcribe(EPISODE, options="small"),
        "options must be a TranscriptionOptions, got str 'small'",
    ),
    "translate(options='llm')": (
        lambda out: localize.translate(EN, "es", options="llm"),
        "options must be a TranslationOptions, got str 'llm'",
    ),
    "burn(5 video)": (lambda out: localize.burn(5, EN, out / "b.mp4"), "video must be a file path"),
    "burn(None video)": (lambda out: localize.burn(None, EN, out / "b.mp4"), "video must be a file path"),
    "burn(output None)": (lambda out: localize.burn(EPISODE, EN, None), "output must be a file path"),
    "burn(band='0.7,0.9')": (
        lambda out: localize.burn(EPISODE, EN, out / "b.mp4", band="0.7,0.9"),
        "band must be (top, bottom)",
    ),
    "burn(band=(0.7,))": (
        lambda out: localize.burn(EPISODE, EN, out / "b.mp4", band=(0.7,)),
        "band must be (top, bottom)",
    ),
    "burn(band=('a','b'))": (
        lambda out: localize.burn(EPISODE, EN, out / "b.mp4", band=("a", "b")),
        "band must be a number",
    ),
    "burn(style=5)": (lambda out: localize.burn(EPISODE, EN, out / "b.mp4", style=5), "style must be a string"),
    "run_episode(None)": (lambda out: localize.run_episode(None, "en-US", out / "o"), "media must be a file path"),
    "run_episode(markets=5)": (
        lambda out: localize.run_episode(EPISODE, 5, out / "o", source_subs=SOURCE_SUBS),
        "markets must be a list",
    ),
    "run_episode(output None)": (
        lambda out: localize.run_episode(EPISODE, "en-US", None, source_subs=SOURCE_SUBS),
        "output_dir must be a file path",
    ),
    "run_episode(source_subs=track)": (
        lambda out: localize.run_episode(EPISODE, "en-US", out / "o", source_subs=EN),
        "source_subs must be a file path",
    ),
    "run_episode(options=dict)": (
        lambda out: localize.run_episode(EPISODE, "en-US", out / "o", options={"language": "zh"}),
        "options must be a RunOptions, got dict",
    ),
    "batch(options=dict)": (
        lambda out: localize.batch([EPISODE], "en-US", out / "o", options={"language": "zh"}),
        "options must be a RunOptions, got dict",
    ),
    "batch(None)": (lambda out: localize.batch(None, "en-US", out / "o"), "inputs must be a list"),
    "batch(5)": (lambda out: localize.batch(5, "en-US", out / "o"), "inputs must be a list"),
    "batch([None])": (lambda out: localize.batch([None], "en-US", out / "o"), "inputs: each item must be"),
    "save(track, None)": (lambda out: localize.save(EN, None), "path must be a file path"),
    "load(None)": (lambda out: localize.load(None), "path must be a file path"),
    "load(5)": (lambda out: localize.load(5), "path must be a file path"),
    "Cue(text=None)": (lambda out: Cue(0, 1000, None), "cue text must be a string"),
    "Cue(start='a')": (lambda out: Cue("a", 1000, "hi"), "cue start must be a whole number of milliseconds"),
    "Cue(end=1.5)": (lambda out: Cue(0, 1.5, "hi"), "cue end must be a whole number of milliseconds"),
    "Track(cues=None)": (lambda out: Track(cues=None), "track cues must be a list of Cue"),
    "Track(cues=[5])": (lambda out: Track(cues=[5]), "track cue 1 must be a Cue"),
    "Track(fps='fast')": (lambda out: Track(fps="fast"), "not a frame rate"),
    "retime(shots=None)": (lambda out: localize.retime(EN, "en", shots=None), "shots must be a list"),
    "retime(shots=['a'])": (
        lambda out: localize.retime(EN, "en", shots=["a"]),
        "each of shots must be a number, got str 'a'",
    ),
    "retime(protected=5)": (lambda out: localize.retime(EN, "en", protected=5), "protected must be a list"),
    "check(shots='x')": (lambda out: localize.check(EN, "en", shots="x"), "shots must be a list"),
    "detect_shots(None)": (lambda out: localize.detect_shots(None), "video must be a file path"),
    "read_shots(5)": (lambda out: localize.read_shots(5), "path must be a file path"),
    # errors that were the base LocalizeError
    "translate(unknown language)": (lambda out: localize.translate(EN, "xx-bogus-code"), "unknown language code"),
    "translate(engine='bogus')": (
        lambda out: localize.translate(EN, "es", options=localize.TranslationOptions(engine="bogus")),
        "unknown translation engine",
    ),
    "translate(no text)": (lambda out: localize.translate(Track([], language="en"), "es"), "nothing to translate"),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_wrong_argument_is_an_input_error(name, tmp_path):
    call, message = CALLS[name]
    with pytest.raises(InputError) as raised:
        call(tmp_path)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_one_glossary_path_given_as_a_string_is_one_file(tmp_path):
    """It was read letter by letter: 'n: glossary file not found'."""
    with pytest.raises(ConfigError, match="nonexistent.csv: glossary file not found"):
        localize.translate(EN, "es", glossaries="nonexistent.csv")
    with pytest.raises(InputError, match="nonexistent.csv: no such file"):
        localize.run_episode(
            EPISODE, "es-419", tmp_path / "o", source_subs=SOURCE_SUBS, options=RunOptions(glossaries="nonexistent.csv")
        )


def test_media_without_audio_is_an_input_error(tmp_path):
    video = tmp_path / "silent.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=blue:s=64x64:r=10:d=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(video),
        ],
        check=True,
    )
    with pytest.raises(InputError, match="has no audio stream"):
        localize.transcribe(video, language="zh")


def test_error_kinds_are_exported_at_top_level():
    assert localize.ConfigError is ConfigErrorInErrors
    assert all(issubclass(kind, LocalizeError) for kind in (InputError, ConfigError, ModelError))
    assert {"InputError", "ConfigError", "ModelError", "LocalizeError"} <= set(localize.__all__)


def test_integral_times_of_any_kind_become_ints():
    import numpy as np

    cue = Cue(np.int64(1000), np.int32(2000), "hi")
    assert (cue.start, cue.end) == (1000, 2000) and type(cue.start) is int
    assert Track((cue,)).cues == [cue]


def test_stage_options_are_frozen_exported_and_filled_by_a_market(tmp_path):
    import dataclasses

    from localize.pipeline import load_market

    market = load_market("es-419")
    voice, mix = market.voice_options(tmp_path), market.mix_options()
    translation = market.translation_options("en-vertical", "A CEO's runaway wife.")
    assert voice == localize.VoiceOptions("espeak:es-419", {}, True, tmp_path, "es-419")
    assert mix == localize.MixOptions(-16.0, -1.0, None, 1.3, 1.15)
    assert translation == localize.TranslationOptions("argos", None, "A CEO's runaway wife.", "en-vertical", True)
    for options in (voice, mix, translation, localize.TranscriptionOptions(), localize.SpeakerOptions("auto")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(options, dataclasses.fields(options)[0].name, None)
    names = {"VoiceOptions", "MixOptions", "MuxOptions", "TranscriptionOptions", "SpeakerOptions", "TranslationOptions"}
    assert names <= set(localize.__all__)
