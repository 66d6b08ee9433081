"""The one-episode chain: market profiles, the stage cache, ``localize run`` and its manifest."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from localize.cli import cli
from localize.errors import LocalizeError
from localize.fileio import sha256_file
from localize.pipeline import StageCache, builtin_codes, load_market, load_markets
from support import FIXTURES, isolated_env, make_episode, run_cli

BUILTINS = {"en-US", "es-419", "pt-BR", "id-ID", "th-TH", "vi-VN", "ja-JP", "ko-KR"}
USER_MARKET = """
[market]
code = "es-MX"
name = "Spanish (Mexico), our client"
language = "es"

[subtitles]
profile = "en-vertical"
formats = ["srt", "vtt"]

[glossary]
layers = ["terms/client.toml"]

[dub]
voice = "espeak:es-419"
loudness = -23.0
"""


# --- markets ----------------------------------------------------------------------------


def test_builtin_markets_cover_the_required_set():
    assert set(builtin_codes()) >= BUILTINS
    es, ja, en = load_market("es-419"), load_market("ja-JP"), load_market("en-US")
    assert (es.language, es.profile, es.voice) == ("es", "en-vertical", "espeak:es-419")
    assert (ja.language, ja.fallback_profile) == ("ja", "zh-vertical")
    assert en.voice == "piper:en_US-joe-medium"
    assert set(es.formats) == {"srt", "vtt", "ttml", "ass"}


def test_user_market_from_toml_resolves_glossary_layers(tmp_path):
    path = tmp_path / "es-MX.toml"
    path.write_text(USER_MARKET, encoding="utf-8")
    market = load_market(path)
    assert (market.code, market.language, market.loudness, market.formats) == ("es-MX", "es", -23.0, ("srt", "vtt"))
    assert market.glossaries == (str(tmp_path / "terms" / "client.toml"),)
    assert [m.code for m in load_markets(f"en-US,{path}")] == ["en-US", "es-MX"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("[market\ncode=", "not a valid market profile"),
        ("[market]\nname = 'x'\n", r"\[market\] code is required"),
        ("[market]\ncode='es-AR'\nlanguage='es'\n[subtitles]\nformats=['doc']\n", "unknown format 'doc'"),
    ],
)
def test_bad_market_file_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LocalizeError, match=message) as error:
        load_market(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_markets_given_twice_or_unknown():
    with pytest.raises(LocalizeError, match="given twice: es-419"):
        load_markets("es-419,en-US,es-419")
    with pytest.raises(LocalizeError, match="unknown market 'xx-XX'"):
        load_markets("xx-XX")


def test_cli_markets_list_and_show():
    runner = CliRunner()
    listed = runner.invoke(cli, ["markets", "list", "--json"])
    assert listed.exit_code == 0
    assert {m["code"] for m in json.loads(listed.output)} >= BUILTINS
    shown = runner.invoke(cli, ["markets", "show", "pt-BR"])
    assert shown.exit_code == 0 and json.loads(shown.output)["voice"] == "espeak:pt-br"


# --- cache ------------------------------------------------------------------------------


def test_stage_cache_is_all_or_nothing(tmp_path):
    cache = StageCache(tmp_path)

    def broken(folder: Path) -> None:
        (folder / "half.txt").write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        cache.compute("stage", "k1", broken)
    assert cache.get("stage", "k1") is None
    assert list((tmp_path / "stage").iterdir()) == []  # no temp folder left behind
    value, hit = cache.read_json("stage", "k1", lambda: {"a": 1})
    again, hit_again = cache.read_json("stage", "k1", lambda: {"a": 2})
    assert (value, hit, again, hit_again) == ({"a": 1}, False, {"a": 1}, True)


# --- bad input through the CLI ----------------------------------------------------------


def _one_error_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error:"), result.output
    return lines[0]


def test_run_rejects_bad_input_without_writing(tmp_path):
    runner = CliRunner()
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(b"\x00not a video" * 100)
    out = tmp_path / "out"
    media = FIXTURES / "episode_zh" / "episode.mp4"
    cases = [
        ([str(tmp_path / "missing.mp4")], "no such file"),
        ([str(garbage)], "not a readable audio or video file"),
        ([str(media), "--source-subs", str(FIXTURES / "subtitles" / "bad_timestamp.srt")], "bad_timestamp.srt"),
    ]
    for args, message in cases:
        result = runner.invoke(cli, ["run", *args, "--markets", "en-US", "-o", str(out)])
        assert message in _one_error_line(result)
    result = runner.invoke(cli, ["run", str(media), "--markets", "en-US,zz-ZZ", "-o", str(out)])
    assert "unknown market 'zz-ZZ'" in _one_error_line(result)
    written = [p for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts] if out.exists() else []
    assert written == []


# --- a real run from source subtitles ---------------------------------------------------


@pytest.fixture(scope="module")
def env(tmp_path_factory, argos_packages):
    root = tmp_path_factory.mktemp("pipeline-env")
    return isolated_env(root, argos_packages)


def test_run_from_source_subtitles_writes_the_documented_layout(tmp_path, env):
    media = make_episode(tmp_path / "in", "ep07", 1)
    out = tmp_path / "out"
    args = ["run", media, "--source-subs", media.with_suffix(".srt"), "--markets", "en-US,es-419", "-o", out, "--json"]
    first = run_cli(args, env)
    assert first.returncode == 0, first.stderr
    manifest = json.loads(first.stdout)
    episode = out / "ep07"
    for market, lang in (("en-US", "en"), ("es-419", "es")):
        for fmt in ("srt", "vtt", "ttml", "ass"):
            assert (episode / market / f"ep07.{lang}.{fmt}").is_file()
    english = (episode / "en-US" / "ep07.en.srt").read_text(encoding="utf-8")
    assert "CEO" in english or "upstairs" in english  # 总裁在楼上等你。
    assert manifest["inputs"]["media"]["sha256"] == sha256_file(media)
    assert manifest["inputs"]["source_subs"]["sha256"] == sha256_file(media.with_suffix(".srt"))
    assert manifest["source"] == {**manifest["source"], "language": "zh", "from": "subtitles", "cues": 2}
    assert manifest["source"]["shots"] == [2000, 4000]
    for market in manifest["markets"].values():
        assert "violations" in market["qc"] and market["timing_profile"] == "en-vertical"
        for output in market["outputs"]:
            assert sha256_file(episode / output["path"]) == output["sha256"]
    assert manifest["versions"]["code"]["localize.translation"] != "missing"
    assert json.loads((episode / "manifest.json").read_text()) == manifest
    assert (out / "report.html").is_file() and (out / "title.json").is_file()

    again = run_cli(args[:-1], env)
    assert again.returncode == 0 and "ep07: up to date" in again.stderr
    assert json.loads((episode / "manifest.json").read_text()) == manifest


# --- the full chain, once ---------------------------------------------------------------


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, env):
    """``localize run`` on the Mandarin fixture episode: Whisper base, Argos, timing, dub (en-US, es-419)."""
    media = FIXTURES / "episode_zh" / "episode.mp4"
    out = tmp_path_factory.mktemp("full") / "out"
    result = run_cli(
        ["run", media, "--markets", "en-US,es-419", "--dub", "--language", "zh", "-o", out, "--json"], env, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return out / "episode", json.loads(result.stdout)


def test_full_chain_transcribes_translates_times_and_dubs(full_run):
    episode, manifest = full_run
    from localize.transcription import BASE_SHA256

    assert manifest["source"]["from"] == "transcription" and manifest["source"]["language"] == "zh"
    assert manifest["versions"]["models"]["transcribe"]["model_sha256"] == BASE_SHA256
    assert manifest["source"]["cues"] >= 4
    script = json.loads((FIXTURES / "episode_zh" / "script.json").read_text(encoding="utf-8"))
    assert len(manifest["source"]["shots"]) >= len(script["cuts_ms"]) // 2  # detected in the video
    english = (episode / "en-US" / "episode.en.srt").read_text(encoding="utf-8")
    assert sum(ch.isascii() for ch in english) / len(english) > 0.95
    for code, voice in (("en-US", "piper:en_US-joe-medium"), ("es-419", "espeak:es-419")):
        dub = manifest["markets"][code]["dub"]
        assert dub["voice"] == voice and abs(dub["loudness_lufs"] - (-16.0)) <= 1.0
        audio, rate = soundfile.read(episode / code / "dub.wav")
        assert abs(len(audio) / rate * 1000 - manifest["inputs"]["media"]["duration_ms"]) < 100
        assert np.abs(audio).max() > 0.05
    streams = _streams(episode / "es-419" / "muxed.mp4")
    assert {"video", "audio", "subtitle"} <= {s["codec_type"] for s in streams}
    assert "spa" in {s.get("tags", {}).get("language") for s in streams}


def _streams(path: Path) -> list[dict]:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(probe.stdout)["streams"]


def test_market_without_its_timing_profile_falls_back_and_says_so(tmp_path):
    from localize.pipeline import RunOptions, run_episode

    market = tmp_path / "en-tall.toml"
    market.write_text(
        '[market]\ncode = "en-TALL"\nlanguage = "en"\n[subtitles]\nprofile = "en-tall"\n'
        'fallback_profile = "en"\nformats = ["srt"]\n',
        encoding="utf-8",
    )
    fixture = FIXTURES / "episode_en"
    manifest = run_episode(
        fixture / "episode.mp4",
        [str(market)],
        tmp_path / "out",
        source_subs=fixture / "reference.srt",
        options=RunOptions(shots=fixture / "shots.csv"),
    )
    entry = manifest.markets["en-TALL"]
    assert entry.timing_profile == "en" and entry.qc.profile == "en"
    assert [o.path for o in entry.outputs] == ["en-TALL/episode.en.srt"]
    assert "Lin Wan" in (tmp_path / "out" / "episode" / "en-TALL" / "episode.en.srt").read_text(encoding="utf-8")
