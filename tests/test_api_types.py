"""Library calls with wrong argument types or values: an InputError naming the argument
(review hardening-2, R8), never a raw TypeError/AttributeError/ValueError, nothing written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import localize
from localize import ConfigError, Cue, InputError, LocalizeError, ModelError, OptionError, Track
from localize.errors import ConfigError as ConfigErrorInErrors
from localize.pipeline import RunOptions

ROOT = Path(__file__).resolve().parent.parent
EPISODE = ROOT / "fixtures" / "episode_zh" / "episode.mp4"
HARDSUB = ROOT / "fixtures" / "episode_zh_hardsub" / "episode.mp4"
SUBS = ROOT / "fixtures" / "episode_en" / "reference.srt"
SOURCE_SUBS = ROOT / "fixtures" / "subtitles" / "zh_utf8.srt"
UNKNOWN_FORMAT = ROOT / "fixtures" / "subtitles" / "unknown.xyz"
SHOTS = ROOT / "fixtures" / "episode_zh" / "shots.csv"
EN = Track([Cue(1000, 2500, "Lin Wan, you are back."), Cue(3000, 4500, "He is upstairs.")], language="en")

DATA, SETTING = InputError, OptionError  # what the call works on / how it works (also a ConfigError)

# name: (call given an empty folder, the exact error class, a fragment of the message naming the argument)
CALLS = {
    # the review's wrong-type calls (R8)
    "transcribe(None)": (lambda out: localize.transcribe(None), DATA, "media must be a file path"),
    "transcribe(5)": (
        lambda out: localize.transcribe(5),
        DATA,
        "media must be a file path (str or pathlib.Path), got int 5",
    ),
    "transcribe(track)": (
        lambda out: localize.transcribe(EN),
        DATA,
        "media must be a file path (str or pathlib.Path), got Track",
    ),
    "transcribe(language=5)": (lambda out: localize.transcribe(EPISODE, language=5), DATA, "language must be a string"),
    "transcribe(beam_size=0)": (
        lambda out: localize.transcribe(EPISODE, "zh", beam_size=0),
        SETTING,
        "transcribe() has no argument 'beam_size'; give it as options=TranscriptionOptions(beam_size=...)",
    ),
    "TranscriptionOptions(beam_size=0)": (
        lambda out: localize.transcribe(EPISODE, "zh", options=localize.TranscriptionOptions(beam_size=0)),
        SETTING,
        "TranscriptionOptions.beam_size must be at least 1, got 0",
    ),
    "transcribe(band='x')": (
        lambda out: localize.transcribe(HARDSUB, source="hardsub", band="x"),
        SETTING,
        "band must be (top, bottom)",
    ),
    "transcribe(band=(0.7,))": (
        lambda out: localize.transcribe(HARDSUB, source="hardsub", band=(0.7,)),
        SETTING,
        "band must be (top, bottom)",
    ),
    "dub(track, None)": (lambda out: localize.dub(EN, None), DATA, "output must be a file path"),
    "dub(track, 5)": (lambda out: localize.dub(EN, 5), DATA, "output must be a file path"),
    "dub(voice=5)": (lambda out: localize.dub(EN, out / "d.wav", voice=5), SETTING, "voice must be a string"),
    "dub(VoiceOptions(5))": (
        lambda out: localize.dub(EN, out / "d.wav", voice=localize.VoiceOptions(5)),
        SETTING,
        "VoiceOptions.voice must be a string or None, got int 5",
    ),
    "dub(mix=-23)": (
        lambda out: localize.dub(EN, out / "d.wav", mix=-23),
        SETTING,
        "mix must be a MixOptions, got int -23",
    ),
    "dub(mux=5)": (lambda out: localize.dub(EN, out / "d.wav", mux=5), SETTING, "mux must be a MuxOptions, got int 5"),
    "transcribe(options='small')": (
        lambda out: localize.transcribe(EPISODE, options="small"),
        SETTING,
        "options must be a TranscriptionOptions, got str 'small'",
    ),
    "translate(options='llm')": (
        lambda out: localize.translate(EN, "es", options="llm"),
        SETTING,
        "options must be a TranslationOptions, got str 'llm'",
    ),
    "burn(None subs)": (
        lambda out: localize.burn(EPISODE, None, out / "b.mp4"),
        DATA,
        "subs must be a Track or a subtitle",
    ),
    "burn(5 video)": (lambda out: localize.burn(5, EN, out / "b.mp4"), DATA, "video must be a file path"),
    "burn(None video)": (lambda out: localize.burn(None, EN, out / "b.mp4"), DATA, "video must be a file path"),
    "burn(output None)": (lambda out: localize.burn(EPISODE, EN, None), DATA, "output must be a file path"),
    "burn(band=(0.7,))": (
        lambda out: localize.burn(EPISODE, EN, out / "b.mp4", band=(0.7,)),
        SETTING,
        "band must be (top, bottom)",
    ),
    "burn(band='x')": (
        lambda out: localize.burn(EPISODE, EN, out / "b.mp4", band="x"),
        SETTING,
        "band must be (top, bottom)",
    ),
    "burn(band=('a','b'))": (
        lambda out: localize.burn(EPISODE, EN, out / "b.mp4", band=("a", "b")),
        SETTING,
        "band must be a number",
    ),
    "burn(style=5)": (
        lambda out: localize.burn(EPISODE, EN, out / "b.mp4", style=5),
        SETTING,
        "style must be a string",
    ),
    "burn(cover=5)": (lambda out: localize.burn(EPISODE, EN, out / "b.mp4", cover=5), SETTING, "unknown cover 5"),
    "run_episode(None)": (
        lambda out: localize.run_episode(None, "en-US", out / "o"),
        DATA,
        "media must be a file path",
    ),
    "run_episode(markets=5)": (
        lambda out: localize.run_episode(EPISODE, 5, out / "o", source_subs=SOURCE_SUBS),
        DATA,
        "markets must be a list",
    ),
    "run_episode(output None)": (
        lambda out: localize.run_episode(EPISODE, "en-US", None, source_subs=SOURCE_SUBS),
        DATA,
        "output_dir must be a file path",
    ),
    "run_episode(source_subs=track)": (
        lambda out: localize.run_episode(EPISODE, "en-US", out / "o", source_subs=EN),
        DATA,
        "source_subs must be a file path",
    ),
    "run_episode(shots=...)": (
        lambda out: localize.run_episode(EPISODE, "en-US", out / "o", source_subs=SOURCE_SUBS, shots=SHOTS),
        SETTING,
        "run_episode() has no argument 'shots'; give it as options=RunOptions(shots=...)",
    ),
    "run_episode(options=dict)": (
        lambda out: localize.run_episode(EPISODE, "en-US", out / "o", options={"language": "zh"}),
        SETTING,
        "options must be a RunOptions, got dict",
    ),
    "batch(options=dict)": (
        lambda out: localize.batch([EPISODE], "en-US", out / "o", options={"language": "zh"}),
        SETTING,
        "options must be a RunOptions, got dict",
    ),
    "batch(None)": (lambda out: localize.batch(None, "en-US", out / "o"), DATA, "inputs must be a list"),
    "batch(5)": (lambda out: localize.batch(5, "en-US", out / "o"), DATA, "inputs must be a list"),
    "batch([None])": (lambda out: localize.batch([None], "en-US", out / "o"), DATA, "inputs: each item must be"),
    "save(track, None)": (lambda out: localize.save(EN, None), DATA, "path must be a file path"),
    "save(None)": (lambda out: localize.save(None, out / "x.srt"), DATA, "track must be a localize Track"),
    "load(None)": (lambda out: localize.load(None), DATA, "path must be a file path"),
    "load(5)": (lambda out: localize.load(5), DATA, "path must be a file path"),
    "Cue(text=None)": (lambda out: Cue(0, 1000, None), DATA, "cue text must be a string"),
    "Cue(start='a')": (lambda out: Cue("a", 1000, "hi"), DATA, "cue start must be a whole number of milliseconds"),
    "Cue(end=1.5)": (lambda out: Cue(0, 1.5, "hi"), DATA, "cue end must be a whole number of milliseconds"),
    "Cue(speaker=5)": (lambda out: Cue(0, 1000, "hi", speaker=5), DATA, "cue speaker must be a string, got 5"),
    "Cue(flags=())": (
        lambda out: Cue(0, 1000, "hi", flags=()),
        DATA,
        "cue words, flags and line_speakers must be lists",
    ),
    "batch('')": (lambda out: localize.batch("", "en-US", out / "o"), DATA, "inputs: an empty path"),
    "Track(cues=None)": (lambda out: Track(cues=None), DATA, "track cues must be a list of Cue"),
    "Track(cues=[5])": (lambda out: Track(cues=[5]), DATA, "track cue 1 must be a Cue"),
    "Track(fps='fast')": (lambda out: Track(fps="fast"), DATA, "not a frame rate"),
    "retime(shots=None)": (lambda out: localize.retime(EN, "en", shots=None), DATA, "shots must be a list"),
    "retime(shots=['a'])": (
        lambda out: localize.retime(EN, "en", shots=["a"]),
        DATA,
        "each of shots must be a number, got str 'a'",
    ),
    "retime(protected=5)": (lambda out: localize.retime(EN, "en", protected=5), DATA, "protected must be a list"),
    "retime(profile=5)": (lambda out: localize.retime(EN, 5), SETTING, "profile must be a profile name, a .toml path"),
    "check(shots='x')": (lambda out: localize.check(EN, "en", shots="x"), DATA, "shots must be a list"),
    "detect_shots(None)": (lambda out: localize.detect_shots(None), DATA, "video must be a file path"),
    "read_shots(5)": (lambda out: localize.read_shots(5), DATA, "path must be a file path"),
    # errors that were the base LocalizeError
    "translate(unknown language)": (
        lambda out: localize.translate(EN, "xx-bogus-code"),
        DATA,
        "unknown language code",
    ),
    "translate(TranslationOptions(engine='bogus'))": (
        lambda out: localize.translate(EN, "es", options=localize.TranslationOptions(engine="bogus")),
        SETTING,
        "unknown translation engine 'bogus'",
    ),
    "translate(engine='bogus')": (
        lambda out: localize.translate(EN, "es", engine="bogus"),
        SETTING,
        "translate() has no argument 'engine'; give it as options=TranslationOptions(engine=...)",
    ),
    "translate(no text)": (
        lambda out: localize.translate(Track([], language="en"), "es"),
        DATA,
        "nothing to translate",
    ),
    "load(fmt='bogus')": (lambda out: localize.load(SUBS, fmt="bogus"), SETTING, "unknown subtitle format 'bogus'"),
    "load(encoding='bogus')": (lambda out: localize.load(SUBS, encoding="bogus"), SETTING, "unknown encoding 'bogus'"),
    "load(x.xyz)": (lambda out: localize.load(UNKNOWN_FORMAT), DATA, "unknown subtitle extension '.xyz'"),
    "transcribe(script='bogus')": (
        lambda out: localize.transcribe(EPISODE, script="bogus"),
        SETTING,
        "unknown script 'bogus'",
    ),
    "dub(loudness=-23)": (
        lambda out: localize.dub(EN, out / "d.wav", loudness=-23.0),
        SETTING,
        "dub() has no argument 'loudness'; give it as mix=MixOptions(loudness=...)",
    ),
    "dub(MixOptions(loudness=3))": (
        lambda out: localize.dub(EN, out / "d.wav", mix=localize.MixOptions(loudness=3.0)),
        SETTING,
        "loudness target 3.0 LUFS is out of range",
    ),
    "dub(voice='bogus:x')": (
        lambda out: localize.dub(EN, out / "d.wav", voice="bogus:x"),
        SETTING,
        "unknown voice 'bogus:x'",
    ),
    "dub(out.txt)": (lambda out: localize.dub(EN, out / "d.txt"), DATA, "unsupported audio output"),
    "dub(no text)": (lambda out: localize.dub(Track([Cue(0, 900, " ")]), out / "d.wav"), DATA, "no text to dub"),
    "dub(mux without video)": (
        lambda out: localize.dub(EN, out / "d.wav", mux=out / "m.mp4"),
        SETTING,
        "muxing needs the video",
    ),
    "batch(executor='bogus')": (
        lambda out: localize.batch([EPISODE], "en-US", out / "o", executor="bogus"),
        SETTING,
        "unknown executor 'bogus'",
    ),
    "batch(address without ray)": (
        lambda out: localize.batch([EPISODE], "en-US", out / "o", address="127.0.0.1:1"),
        SETTING,
        "--address only applies to --executor ray",
    ),
    "batch(missing input)": (
        lambda out: localize.batch([out / "gone.mp4"], "en-US", out / "o"),
        DATA,
        "gone.mp4: no such file or folder",
    ),
    "batch(twice)": (lambda out: localize.batch([EPISODE, EPISODE], "en-US", out / "o"), DATA, "episode given twice"),
}


def assert_refused(call, kind, message, folder):
    """``call(folder)`` raises exactly ``kind`` with a one-line message holding ``message``, writing nothing."""
    with pytest.raises(LocalizeError) as raised:
        call(folder)
    assert type(raised.value) is kind, f"{type(raised.value).__name__}: {raised.value}"
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert list(folder.iterdir()) == []  # nothing written


@pytest.mark.parametrize("name", list(CALLS))
def test_wrong_argument_is_an_error_naming_it(name, tmp_path):
    assert_refused(*CALLS[name], tmp_path)


def test_a_setting_error_is_both_an_input_and_a_config_error():
    assert issubclass(OptionError, InputError) and issubclass(OptionError, ConfigError)
    with pytest.raises(ConfigError, match="TranscriptionOptions.beam_size must be at least 1"):
        localize.TranscriptionOptions(beam_size=0)


def test_the_band_may_be_given_as_the_cli_writes_it(tmp_path):
    """It was ``TypeError: band_from_fractions() takes 3 positional arguments but 8 were given``."""
    from localize.delivery.burn import prepare

    jobs = [prepare(HARDSUB, EN, tmp_path / "b.mp4", cover="blur", band=band) for band in ("0.7,0.95", (0.7, 0.95))]
    assert jobs[0].report.band == jobs[1].report.band == [0.7, 0.95]
    assert jobs[0].report.cover_box == jobs[1].report.cover_box and jobs[0].report.covered_events > 0


def test_public_functions_keep_their_names_and_signatures():
    import inspect

    from localize.transcription import core

    assert localize.transcribe is core.transcribe and localize.transcribe.__name__ == "transcribe"
    assert list(inspect.signature(localize.transcribe).parameters)[:2] == ["media", "language"]
    assert "options" in inspect.signature(localize.run_episode).parameters


def test_no_error_is_raised_as_the_bare_base_class():
    """A caller catching InputError, ConfigError or ModelError misses nothing: every raise names a kind."""
    import ast

    bare = []
    for path in sorted((ROOT / "localize").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            call = node.exc if isinstance(node, ast.Raise) else None
            if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "LocalizeError":
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bare == []


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
