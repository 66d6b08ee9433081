"""Regressions from the hardening review (../shared/reviews/hardening.md), one section per finding.

Everything runs on real parts: the fixture Argos packages, the bundled Whisper base, the
fixture episode and ffmpeg. Each test states the promise it keeps.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from localize.cli import cli
from localize.errors import ConfigError, InputError, LocalizeError, ModelError
from localize.fileio import sha256_file
from support import FIXTURES, LOCALIZE, assert_one_line_error, isolated_env, make_episode

ARGOS = FIXTURES / "argos"
EPISODE = FIXTURES / "episode_zh" / "episode.mp4"
ZH_SRT = FIXTURES / "subtitles" / "zh_utf8.srt"
EN_SRT = FIXTURES / "episode_en" / "reference.srt"
TRACK = '"kind":"localize.track","version":1,"language":"en"'


@pytest.fixture
def env(tmp_path, monkeypatch):
    """HOME, caches and the Argos folder inside tmp_path, for in-process CLI calls."""
    for name, value in isolated_env(tmp_path / "env").items():
        monkeypatch.setenv(name, value)
    return tmp_path


def invoke(*args) -> click.testing.Result:  # noqa: F821
    return CliRunner().invoke(cli, [str(a) for a in args])


# --- F1, F2: translation packages are validated whole before anything changes ----------------


def rewritten(source: Path, target: Path, change) -> Path:
    """A copy of an .argosmodel with each member passed through ``change(name, data)``."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            name, data = change(info.filename, src.read(info))
            out.writestr(name, data)
    return target


def installed(env) -> dict[str, str]:
    root = Path(os.environ["ARGOS_PACKAGES_DIR"])
    return {p.name: sha256_file(p / "model" / "model.bin") for p in sorted(root.iterdir()) if p.is_dir()}


BAD_PACKAGES = {
    "dot-top": (lambda n, d: (n.replace("translate-zh_en", "."), d), "package folder '.'"),
    "root-top": (lambda n, d: (n.replace("translate-zh_en", ""), d), "package folder ''"),
    "metadata-list": (lambda n, d: (n, b"[1, 2]" if n.endswith("metadata.json") else d), "must be a JSON object"),
    "metadata-types": (
        lambda n, d: (
            n,
            json.dumps({"from_code": ["zh"], "to_code": {"a": 1}}).encode() if n.endswith("metadata.json") else d,
        ),
        "'from_code' has the wrong type",
    ),
    "truncated-model": (lambda n, d: (n, d[:1000] if n.endswith("model.bin") else d), "the model does not load"),
    "no-tokenizer": (lambda n, d: (n.replace("sentencepiece.model", "other.bin"), d), "sentencepiece.model is missing"),
}


@pytest.mark.parametrize("case", sorted(BAD_PACKAGES))
def test_a_bad_package_changes_nothing_installed(env, tmp_path, case):
    assert (
        invoke(
            "models", "install", "--file", ARGOS / "zh_en.argosmodel", "--file", ARGOS / "en_es.argosmodel"
        ).exit_code
        == 0
    )
    before = installed(env)
    change, message = BAD_PACKAGES[case]
    bad = rewritten(ARGOS / "zh_en.argosmodel", tmp_path / f"{case}.argosmodel", change)
    assert_one_line_error(invoke("models", "install", "--file", bad), message)
    assert installed(env) == before
    listed = invoke("models", "list", "--json")
    assert {row["name"] for row in json.loads(listed.output) if row["engine"] == "argos"} == {
        "translate en->es 0.1",
        "translate zh->en 0.1",
    }


def test_a_damaged_zip_is_refused(env, tmp_path):
    data = bytearray((ARGOS / "zh_en.argosmodel").read_bytes())
    data[300_000] ^= 0xFF
    (tmp_path / "crc.argosmodel").write_bytes(bytes(data))
    assert_one_line_error(invoke("models", "install", "--file", tmp_path / "crc.argosmodel"), "CRC error")


def test_library_install_raises_model_error_and_a_broken_installed_package_is_skipped(env, tmp_path):
    from localize.translation import install_file, installed_pairs

    bad = rewritten(ARGOS / "zh_en.argosmodel", tmp_path / "x.argosmodel", BAD_PACKAGES["metadata-list"][0])
    with pytest.raises(ModelError):
        install_file(bad)
    good = install_file(ARGOS / "zh_en.argosmodel")
    (good.path / "metadata.json").write_text('{"from_code": ["zh"], "to_code": "en"}')  # damaged in place
    assert installed_pairs() == []  # skipped with a warning, never a TypeError


# --- F3: the Whisper model is verified by its hash, and the manifest records the real one ----


def test_a_damaged_cached_whisper_model_is_rebuilt_and_the_recorded_hash_is_true(env, caplog):
    from localize.transcription import BASE_SHA256, resolve_model

    first = resolve_model("base")
    weights = Path(first.path) / "model.bin"
    with weights.open("r+b") as handle:
        handle.seek(weights.stat().st_size - 20_000_000)
        handle.write(b"\x7f" * 4096)
    second = resolve_model("base")
    assert "damaged" in caplog.text
    assert second.sha256 == BASE_SHA256 == sha256_file(Path(second.path) / "model.bin")


def test_an_explicit_model_folder_records_its_real_hash(env, tmp_path):
    from localize.transcription import resolve_model

    folder = tmp_path / "my-model"
    shutil.copytree(resolve_model("base").path, folder)
    with (folder / "model.bin").open("r+b") as handle:
        handle.write(b"\x00" * 16)
    assert resolve_model(folder).sha256 == sha256_file(folder / "model.bin")


# --- F4: nothing is written outside -o ---------------------------------------------------


@pytest.mark.parametrize("code", ["../../../../escaped_market", "/tmp/escaped_abs", "a/b", "x"])
def test_market_codes_must_be_language_tags(env, tmp_path, code):
    market = tmp_path / "m.toml"
    market.write_text(f'[market]\ncode = "{code}"\nlanguage = "en"\n', encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("run", EPISODE, "--source-subs", ZH_SRT, "--markets", market, "-o", out)
    assert_one_line_error(result, "[market] code must be a language tag")
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["env", "m.toml"]


@pytest.mark.parametrize("name", ["../../escaped_ep", "a/b", "..", ".cache"])
def test_episode_names_are_single_path_components(env, tmp_path, name):
    result = invoke(
        "run", EPISODE, "--source-subs", ZH_SRT, "--markets", "es-419", "--episode", name, "-o", tmp_path / "out"
    )
    assert_one_line_error(result, "episode name")
    assert not (tmp_path / "out").exists()


def test_library_callers_get_typed_errors(env, tmp_path):
    from localize.paths import inside, language_tag, safe_name

    with pytest.raises(InputError):
        safe_name("../x")
    with pytest.raises(InputError):
        language_tag("../../x")
    with pytest.raises(InputError):
        inside(tmp_path, "../elsewhere")
    assert inside(tmp_path, "a/b") == tmp_path.resolve() / "a" / "b"
    from localize.pipeline import load_market

    with pytest.raises(ConfigError):
        load_market("no-such-market")
    assert not issubclass(LocalizeError, SystemExit)


# --- F5: an output path equal to an input is refused before any work ----------------------


def test_outputs_never_overwrite_inputs(env, tmp_path):
    subs, english, video = tmp_path / "a.srt", tmp_path / "en.srt", tmp_path / "v.mp4"
    shutil.copy(ZH_SRT, subs)
    shutil.copy(EN_SRT, english)
    shutil.copy(EPISODE, video)
    (tmp_path / "link.srt").symlink_to(subs)
    originals = {p: sha256_file(p) for p in (subs, english, video)}
    cases = [
        ("translate", subs, "--to", "en", "-o", subs),
        ("translate", subs, "--to", "en", "-o", tmp_path / "t.srt", "--report", subs),
        ("translate", subs, "--to", "en", "-o", tmp_path / "link.srt"),
        ("time", subs, "-o", subs),
        ("convert", subs, tmp_path / "." / "a.srt"),
        ("dub", english, "-o", tmp_path / "d.wav", "--voice", "espeak:en", "--report", english),
        ("dub", english, "-o", tmp_path / "d.wav", "--voice", "espeak:en", "--video", video, "--mux", video),
        ("transcribe", video, "-o", tmp_path / "x.json", "--glossary", tmp_path / "x.json"),
    ]
    (tmp_path / "x.json").write_text("source,target\n林晚,Lin Wan\n", encoding="utf-8")
    for args in cases:
        assert_one_line_error(invoke(*args), "is an input of this command")
    assert {p: sha256_file(p) for p in originals} == originals
    assert not (tmp_path / "t.srt").exists() and not (tmp_path / "d.wav").exists()


def test_library_dub_refuses_to_overwrite_its_video(env, tmp_path):
    from localize import dub, load

    video = tmp_path / "v.mp4"
    shutil.copy(EPISODE, video)
    with pytest.raises(InputError):
        dub(load(EN_SRT), tmp_path / "d.wav", video=video, voice="espeak:en", mux=video)
    assert sha256_file(video) == sha256_file(EPISODE)


# --- F6, F8: every user error is one line, with file and key ------------------------------


BAD_JSON = {
    "cues-not-list": ('"cues":"abc"', "'cues' must be a list"),
    "start-not-int": ('"cues":[{"start":"a","end":1000,"text":"hi"}]', "cue 1: 'start' must be a whole number"),
    "fps-1/0": ('"fps":"1/0","cues":[{"start":0,"end":1000,"text":"hi"}]', "not a frame rate"),
    "fps-0": ('"fps":"0","cues":[{"start":0,"end":1000,"text":"hi"}]', "frame rate must be positive"),
    "end-nan": ('"cues":[{"start":0,"end":NaN,"text":"hi"}]', "cue 1: 'end' must be a whole number"),
    "text-null": ('"cues":[{"start":0,"end":1000,"text":null}]', "cue 1: 'text' must be a string"),
    "word-bad": ('"cues":[{"start":0,"end":1000,"text":"hi","words":[{"start":0,"end":5}]}]', "word 1: 'text'"),
}


@pytest.mark.parametrize("case", sorted(BAD_JSON))
@pytest.mark.parametrize("command", ["convert", "check", "time"])
def test_malformed_json_tracks_are_one_line_errors(env, tmp_path, case, command):
    body, message = BAD_JSON[case]
    path = tmp_path / "t.json"
    path.write_text("{" + TRACK + "," + body + "}", encoding="utf-8")
    args = {"convert": (path, tmp_path / "o.srt"), "check": (path,), "time": (path, "-o", tmp_path / "o.srt")}[command]
    assert_one_line_error(invoke(command, *args), "t.json", message)
    assert not (tmp_path / "o.srt").exists()


def test_wrongly_typed_language_and_deep_json(env, tmp_path):
    (tmp_path / "l.json").write_text("{" + TRACK.replace('"en"', "5") + ',"cues":[{"start":0,"end":900,"text":"x"}]}')
    assert_one_line_error(invoke("check", tmp_path / "l.json"), "'language' must be a string")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    assert_one_line_error(invoke("convert", tmp_path / "deep.json", tmp_path / "o.srt"), "nested too deeply")


@pytest.mark.parametrize(
    "line, message",
    [
        ("cps = inf", "'cps' must be a number from 1 to 100"),
        ("cps = nan", "'cps' must be a number"),
        ("cps = 1e-300", "'cps' must be a number from 1 to 100"),
        ("cps = 0", "'cps' must be a number"),
        ("chars_per_line = 2.5", "'chars_per_line' must be a whole number"),
        ('bottom_heavy = "no"', "'bottom_heavy' must be true or false"),
    ],
)
def test_profile_values_are_checked_on_load(env, tmp_path, line, message):
    (tmp_path / "p.toml").write_text(f'extends = "en"\n{line}\n', encoding="utf-8")
    assert_one_line_error(
        invoke("time", EN_SRT, "-o", tmp_path / "o.srt", "--profile", tmp_path / "p.toml"), "p.toml", message
    )


@pytest.mark.parametrize(
    "section, message",
    [
        ("[dub]\nvoice = 5", "[dub] voice must be a voice spec"),
        ('[mux]\nenabled = "no"', "[mux] enabled must be true or false"),
        ("[dub]\nloudness = nan", "[dub] loudness must be a number"),
        ('[subtitles]\nformats = "srt"', "[subtitles] formats must be a list"),
        ('[dubb]\nvoice = "espeak:en"', "unknown section [dubb]"),
        ('[dub]\nvoise = "espeak:en"', "unknown key 'voise' in [dub]"),
    ],
)
def test_market_values_are_checked_on_load(env, tmp_path, section, message):
    market = tmp_path / "m.toml"
    market.write_text(f'[market]\ncode = "en-GB"\nlanguage = "en"\n{section}\n', encoding="utf-8")
    result = invoke("run", EPISODE, "--source-subs", ZH_SRT, "--markets", market, "--dub", "-o", tmp_path / "out")
    assert_one_line_error(result, "m.toml", message)
    assert not (tmp_path / "out").exists()


def test_an_oversized_glossary_field_is_a_one_line_error(env, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text('source,target,note\n林晚,Lin Wan,"' + "x" * 200_000 + '"\n', encoding="utf-8")
    assert_one_line_error(invoke("glossary", "check", path), "big.csv:2: malformed row")


# --- F11: a truncated media file is reported, not half-transcribed --------------------------


def test_truncated_media_is_reported(env, tmp_path):
    truncated = tmp_path / "trunc.mp4"
    truncated.write_bytes(EPISODE.read_bytes()[:51_200])
    result = invoke("transcribe", truncated, "-o", tmp_path / "t.json", "--language", "zh")
    assert_one_line_error(result, "truncated or damaged", "of its 24.5 s")
    assert not (tmp_path / "t.json").exists()


# --- F12: batch workers die with the batch; stale build folders are swept -------------------


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    return {
        p
        for p in pids
        if Path(f"/proc/{p}").exists() and "Z" not in Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1][:3]
    }


def test_kill_9_of_the_batch_process_kills_its_workers(tmp_path):
    env = isolated_env(tmp_path / "env")
    season = tmp_path / "season"
    for index in range(2):
        make_episode(season, f"ep{index + 1:02d}", index, seconds=4)
    process = subprocess.Popen(
        [
            *LOCALIZE,
            "batch",
            str(season),
            "--markets",
            "en-US",
            "--language",
            "zh",
            "--jobs",
            "2",
            "-o",
            str(tmp_path / "out"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(descendants(process.pid)) < 4 and time.monotonic() < deadline:  # forkserver, tracker, 2 workers
        time.sleep(0.1)
    below = descendants(process.pid)
    assert len(below) >= 4, "the pool never started"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 20
    while alive(below) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(below), f"orphans left running: {sorted(alive(below))}"


def test_stale_build_folders_of_dead_processes_are_swept(tmp_path):
    import socket

    from localize.pipeline import StageCache

    cache = StageCache(tmp_path)
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / "translate-en-US" / f".tmp-abc-{socket.gethostname()}-{dead.pid}-x1y2"
    stale.mkdir(parents=True)
    with cache.put("translate-en-US", "k" * 64) as building:
        assert cache.sweep() == 1  # the dead one, never the live build
        assert building.is_dir() and not stale.exists()
    assert (tmp_path / "translate-en-US" / ("k" * 64)).is_dir()


# --- typed stage contracts: what translate hands dub ------------------------------------


def test_library_translate_then_dub_tags_the_original_audio_with_the_source_language(env, tmp_path):
    import localize

    assert invoke("models", "install", "--file", ARGOS / "zh_en.argosmodel").exit_code == 0
    english = localize.translate(localize.load(FIXTURES / "episode_zh" / "reference.srt"), "en", cache=False)
    assert english.source_language == "zh"
    report = localize.dub(english, tmp_path / "d.wav", video=EPISODE, voice="espeak:en", mux=tmp_path / "m.mp4")
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "a",
            "-show_entries",
            "stream_tags=language",
            "-of",
            "json",
            str(tmp_path / "m.mp4"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    languages = [s["tags"]["language"] for s in json.loads(probe.stdout)["streams"]]
    assert languages == ["eng", "zho"] and report.mux == str(tmp_path / "m.mp4")


@pytest.mark.parametrize("call", ["translate", "retime", "check", "save", "dub"])
def test_library_stage_functions_refuse_a_non_track_with_input_error(tmp_path, call):
    import localize

    args = {
        "translate": ("en",),
        "retime": ("en",),
        "check": ("en",),
        "save": (tmp_path / "x.srt",),
        "dub": (tmp_path / "x.wav",),
    }[call]
    with pytest.raises(InputError, match="must be a localize Track"):
        getattr(localize, call)("ep01.srt", *args)
    assert not list(tmp_path.iterdir())


def test_a_planted_link_cannot_lead_outputs_out_of_the_folder(env, tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "episode").symlink_to(elsewhere)
    result = invoke("run", EPISODE, "--source-subs", ZH_SRT, "--markets", "es-419", "-o", out)
    assert_one_line_error(result, "outside the output folder")
    assert list(elsewhere.iterdir()) == []


def test_a_batch_never_takes_its_own_outputs_for_episodes(tmp_path):
    from localize.pipeline import find_episodes

    season = tmp_path / "season"
    make_episode(season, "ep01", 0, seconds=2)
    (season / "out" / "ep01" / "en-US").mkdir(parents=True)
    shutil.copy(season / "ep01.mp4", season / "out" / "ep01" / "en-US" / "muxed.mp4")
    assert [e.name for e in find_episodes([season], exclude=season / "out")] == ["ep01"]
    assert len(find_episodes([season])) == 2


def test_a_relative_output_folder_works(env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("models", "install", "--file", ARGOS / "zh_en.argosmodel").exit_code == 0
    result = invoke("run", EPISODE, "--source-subs", ZH_SRT, "--markets", "en-US", "-o", "out")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "episode" / "manifest.json").read_text(encoding="utf-8"))
    assert "en-US/episode.en.srt" in {o["path"] for o in manifest["markets"]["en-US"]["outputs"]}
