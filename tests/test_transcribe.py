"""The transcribe stage on the fixture episodes with the real Whisper base model and ffmpeg."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from localize.cli import cli
from localize.errors import LocalizeError
from localize.fileio import sha256_file
from localize.media import load_audio
from localize.model import Word, is_cjk
from localize.text import edit_distance
from localize.transcription import (
    BASE_SHA256,
    TranscriptionOptions,
    assemble_base,
    resolve_model,
    to_script,
    transcribe,
)
from localize.transcription.core import decode_options, fill_skipped
from localize.transcription.engines import load_engine
from localize.transcription.models import BASE_SIZE, bundled_files
from localize.transcription.terms import restore_terms
from support import assert_one_line_error

FIXTURES = Path(__file__).parent.parent / "fixtures"
#: ../shared/eval/audio_zh beside the checkout (or beside its parent, for a git worktree)
EVAL_ZH = next(
    (
        p
        for p in (
            Path(__file__).parents[2] / "shared" / "eval" / "audio_zh",
            Path(__file__).parents[3] / "shared" / "eval" / "audio_zh",
        )
        if p.is_dir()
    ),
    Path(__file__).parents[2] / "shared" / "eval" / "audio_zh",
)
EN, ZH = FIXTURES / "episode_en", FIXTURES / "episode_zh"
EN_NAMES = ["Lin Wan", "Lu Jingchen"]


# ------------------------------------------------------------ helpers


def en_words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def zh_chars(text: str) -> list[str]:
    return [c for c in to_script(text) if not unicodedata.category(c).startswith(("P", "Z", "S", "C"))]


def zh_cer(text: str) -> float:
    reference = [c for line in script(ZH)["lines"] for c in zh_chars(line["text"])]
    return edit_distance(reference, zh_chars(text)) / len(reference)


def script(folder: Path) -> dict:
    return json.loads((folder / "script.json").read_text())


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_failed_cleanly(result, folder: Path) -> None:
    """A one-line error, and no subtitles or JSON written into ``folder``."""
    assert_one_line_error(result)
    assert not any(p.suffix in {".srt", ".json"} for p in folder.iterdir())


# ------------------------------------------------------------ shared, expensive


@pytest.fixture(scope="module", autouse=True)
def cache(tmp_path_factory):
    """A private model cache for this module (the base model is assembled into it once)."""
    with pytest.MonkeyPatch.context() as patch:
        root = tmp_path_factory.mktemp("localize-cache")
        patch.setenv("LOCALIZE_CACHE", str(root))
        yield root


@pytest.fixture(scope="module")
def en_track():
    return transcribe(EN / "episode.mp4", glossary=EN_NAMES)


@pytest.fixture(scope="module")
def zh_track():
    return transcribe(ZH / "episode.mp4", language="zh", glossary=["林晚", "陆景琛"])


@pytest.fixture(scope="module")
def zh_plain():
    return transcribe(ZH / "episode.mp4", language="zh")


# ------------------------------------------------------------ English


def test_english_words_are_right(en_track):
    reference = [w for line in script(EN)["lines"] for w in en_words(line["text"])]
    heard = [w for cue in en_track for w in en_words(cue.text)]
    wer = edit_distance(reference, heard) / len(reference)
    assert en_track.language == "en"  # auto-detected
    assert wer <= 0.15, (wer, heard)  # measured 0.11: "a live-in son-in-law" decoded alone is "live in Sun and Law"


def test_english_lines_start_where_the_script_says(en_track):
    words = [w for cue in en_track for w in cue.words]
    for line in script(EN)["lines"]:
        first = en_words(line["text"])[0]
        candidates = [w for w in words if en_words(w.text) and en_words(w.text)[0] == first]
        nearest = min(candidates, key=lambda w: abs(w.start - line["start"]))
        assert abs(nearest.start - line["start"]) <= 300, (line["text"], nearest)


def test_track_shape_and_meta(en_track):
    assert en_track.meta["engine"] == "faster-whisper" and en_track.meta["model"] == "whisper-base"
    assert en_track.meta["model_sha256"] == BASE_SHA256
    for cue in en_track:
        assert cue.words and cue.start == cue.words[0].start and cue.end >= cue.words[-1].end > cue.start
        assert cue.end - cue.start <= 7000 and len(cue.text) <= 84
    starts = [c.start for c in en_track]
    assert starts == sorted(starts)


def test_english_glossary_hotwords_fix_names(en_track):
    plain = transcribe(EN / "episode.mp4", language="en").text()
    assert "Lin Wan" in en_track.text() and "Lu Jingchen" in en_track.text()
    assert "Lu Jingchen" not in plain  # base alone mishears the name


# ------------------------------------------------------------ Mandarin


def test_mandarin_is_simplified_and_close(zh_plain):
    text = zh_plain.text()
    cer = zh_cer(text)
    assert zh_plain.language == "zh" and zh_plain.meta["script"] == "simplified"
    assert to_script(text, "simplified") == text and any(map(is_cjk, text))  # Chinese, nothing left to simplify
    assert cer <= 0.45, (cer, text)  # espeak-ng Mandarin is poor; measured 0.33-0.36 with base on two CPUs


def test_speech_the_decoder_skipped_is_decoded_again():
    """Whisper base may end its output after the first sentences of a 30 s window; here a
    real decode of the first 8 s stands for such an output on the whole episode."""
    audio, lines = load_audio(ZH / "episode.mp4"), script(ZH)["lines"]
    engine, options = load_engine(), decode_options("zh", [], True)
    first = engine.words(audio[: 8 * 16_000], options)
    assert not any(w.start > 8_000 for w in first)
    filled = fill_skipped(engine, audio, options, first)
    for line in lines:  # every line has words again, inside its own time
        assert any(line["start"] - 500 <= (w.start + w.end) // 2 <= line["end"] + 500 for w in filled), line
    assert [w.start for w in filled] == sorted(w.start for w in filled)
    before, after = zh_cer("".join(w.text for w in first)), zh_cer("".join(w.text for w in filled))
    assert after <= 0.65 and before - after >= 0.25, (before, after)  # espeak-ng decoded line by line: about 0.55


def test_decoding_only_given_stretches_keeps_whole_audio_times():
    """``DecodeOptions.clips``: the stretches fill_skipped decodes again, all in one batched call."""
    audio, lines = load_audio(EN / "episode.mp4"), script(EN)["lines"]
    clips = ((lines[1]["start"] - 300, lines[1]["end"] + 300), (lines[3]["start"] - 300, lines[3]["end"] + 300))
    words = load_engine().words(audio, replace(decode_options("en", [], True), clips=clips))
    for start, end in clips:  # each stretch has words, and none falls outside the stretches
        assert any(start <= w.start < w.end <= end for w in words), (start, end, words)
    assert all(any(a <= (w.start + w.end) // 2 <= b for a, b in clips) for w in words), words
    heard = en_words(" ".join(w.text for w in words))
    said = en_words(lines[1]["text"] + " " + lines[3]["text"])
    assert edit_distance(said, heard) / len(said) <= 0.25, heard


@pytest.mark.parametrize("engine", ["faster-whisper", "openai-whisper"])
def test_sampled_decodes_are_the_same_on_every_run(engine):
    """The temperature fallback samples; seeded, the same audio gives the same words every time
    (CTranslate2 seeds a thread's generator once, so faster-whisper reloads its weights)."""
    assert run("models", "convert", "--json").exit_code == 0
    audio = load_audio(EN / "episode.mp4")[: 10 * 16_000]
    backend, options = load_engine(engine), replace(decode_options("en", [], True), temperature=(1.0,), beam_size=1)
    first, second = (backend.words(audio, options) for _ in range(2))
    assert first and first == second


@pytest.mark.skipif(not EVAL_ZH.is_dir(), reason="../shared/eval is absent")
def test_default_engine_keeps_every_sentence_of_real_speakers_in_a_row(tmp_path):
    """Three real Mandarin recordings (AISHELL-1, PaddleSpeech, FunASR) joined with pauses:
    the previous default wrote the first and last sentence only (CER 44%), the current 10%."""
    import numpy as np
    import soundfile

    names = ["aishell1_BAC009S0764W0122.wav", "paddlespeech_zh.wav", "funasr_asr_example.wav"]
    refs = [
        "一二线城市虽然也处于调整中",
        "我认为跑步最重要的就是给我带来了身体健康",
        "欢迎大家来体验达摩院推出的语音识别模型",
    ]
    pauses = [np.zeros(int(16_000 * s), np.float32) for s in (0.32, 1.276, 1.395)]
    audio = np.concatenate([p for name, pause in zip(names, pauses) for p in (load_audio(EVAL_ZH / name), pause)])
    soundfile.write(tmp_path / "joined.wav", audio, 16_000)
    text = transcribe(tmp_path / "joined.wav", language="zh").text()
    reference = zh_chars("".join(refs))
    assert edit_distance(reference, zh_chars(text)) / len(reference) <= 0.2, text


@pytest.mark.parametrize(
    "heard, restored",
    [
        ("林万，你终于回来了。", "林晚，你终于回来了。"),  # same toneless pinyin: lin wan
        ("领完，你终于回来了。", "林晚，你终于回来了。"),  # ling wan: one syllable near, one exact
        ("我不想见路景尘。", "我不想见陆景琛。"),  # lu jing chen
        ("灵魂，你终于回来了。", "灵魂，你终于回来了。"),  # ling hun: a real word, too far to be the name
        ("我不想见路天真。", "我不想见路天真。"),  # lu tian zhen: too far from lu jing chen
    ],
)
def test_mandarin_glossary_restores_misheard_names_by_sound(heard, restored):
    """The mishearings Whisper base makes of the espeak-ng names, on the real pypinyin:
    the outcome does not depend on what a CPU's kernels hear."""
    words = [Word(i * 200, i * 200 + 200, char) for i, char in enumerate(heard)]  # one word per character
    fixed = restore_terms(words, ["林晚", "陆景琛", "Lin Wan"])
    assert "".join(w.text for w in fixed) == restored
    assert [(w.start, w.end) for w in fixed] == [(w.start, w.end) for w in words]


def test_mandarin_glossary_never_costs_the_transcript(zh_track, zh_plain):
    """What base hears differs between CPUs (灵魂 for 林晚 on some): a name comes through or
    the transcript is as close as without a glossary; hotwords never cost the transcript."""
    with_glossary, without = zh_cer(zh_track.text()), zh_cer(zh_plain.text())
    assert any(name in zh_track.text() for name in ("林晚", "陆景琛")) or with_glossary <= 0.45, zh_track.text()
    assert with_glossary <= without + 0.15, (with_glossary, without, zh_track.text())


def test_traditional_script_on_request():
    calls = []
    track = transcribe(ZH / "episode.mp4", language="zh", script="traditional", progress=lambda *a: calls.append(a))
    assert "們" in track.text() and "们" not in track.text()
    assert calls and calls[-1][0] == calls[-1][1] == script(ZH)["duration_ms"]


# ------------------------------------------------------------ openai-whisper on converted weights


def test_openai_whisper_matches_faster_whisper_on_converted_weights(cache):
    result = run("models", "convert", "--json")
    assert result.exit_code == 0, result.output
    checkpoint = Path(json.loads(result.output)["checkpoint"])
    assert checkpoint.is_file() and checkpoint.parent.parent == cache / "models"
    openai = transcribe(EN / "episode.mp4", language="en", options=TranscriptionOptions("openai-whisper", beam_size=1))
    faster = transcribe(EN / "episode.mp4", language="en", options=TranscriptionOptions(beam_size=1))
    a = [w for c in openai for w in en_words(c.text)]
    b = [w for c in faster for w in en_words(c.text)]
    assert openai.meta["engine"] == "openai-whisper" and all(c.words for c in openai)
    assert edit_distance(a, b) / max(len(a), len(b)) <= 0.15, (a, b)  # same weights: at most 1 word in 7 differs
    starts = [(w.text, w.start) for c in openai for w in c.words]
    for (text, start), word in zip(starts, (w for c in faster for w in c.words)):
        if en_words(text) == en_words(word.text):
            assert abs(start - word.start) <= 150, (text, start, word)


@pytest.mark.skipif(not EVAL_ZH.is_dir(), reason="../shared/eval is absent")
def test_default_engine_is_as_accurate_as_openai_whisper_in_a_meeting_room(tmp_path):
    """Issue 19: three real speakers in a room (turns overlapping or 0.4 s apart, reverb, babble of
    other voices at 15 dB). The default decodes as openai-whisper does (VAD-cut audio, 30 s windows in
    sequence), so on the same weights it is as accurate; the batched pipeline it replaced was 5-17
    CER points worse on such talk (benchmarks/asr.py)."""
    import numpy as np
    import soundfile

    from benchmarks._asr_sets import mix, reverb  # the benchmark's meeting-room sets are built the same way

    assert run("models", "convert", "--json").exit_code == 0
    rng = np.random.default_rng(19)
    names = ["aishell1_BAC009S0764W0121.wav", "aishell1_BAC009S0724W0121.wav", "whisper_finetune_test.wav"]
    table = (EVAL_ZH / "transcripts.tsv").read_text(encoding="utf-8").splitlines()
    rows = {r["file"]: r["reference_text"] for r in csv.DictReader(table, delimiter="\t")}
    turns = [reverb(load_audio(EVAL_ZH / n), rng) * 10 ** (-k / 20) for n, k in zip(names, (0, 4, 2))]
    gaps = [int(16_000 * g) for g in (-0.2, 0.4)]
    starts = np.cumsum([0] + [t.size + g for t, g in zip(turns, gaps)])
    audio = np.zeros(starts[-1] + turns[-1].size, np.float32)
    for start, turn in zip(starts, turns):
        audio[start : start + turn.size] += turn
    others = [load_audio(EVAL_ZH / n)[::-1] for n in rows if n not in names and n.endswith(".wav")][:3]
    audio = mix(audio, sum(np.resize(o, audio.size) for o in others), 15)
    soundfile.write(tmp_path / "meeting.wav", audio, 16_000)
    reference = zh_chars("".join(rows[n] for n in names))

    def heard(engine: str) -> list[str]:
        return zh_chars(
            transcribe(tmp_path / "meeting.wav", language="zh", options=TranscriptionOptions(engine)).text()
        )

    default, openai = heard("faster-whisper"), heard("openai-whisper")
    cer, cer_openai = (edit_distance(reference, h) / len(reference) for h in (default, openai))
    assert cer <= cer_openai + 0.03 and cer <= 0.5, (cer, cer_openai)
    assert edit_distance(default, openai) / len(openai) <= 0.15, (default, openai)  # one pipeline, two engines


# ------------------------------------------------------------ models


def test_bundled_base_is_assembled_once_and_verified(tmp_path):
    target = assemble_base(tmp_path / "base")
    model_bin = target / "model.bin"
    assert model_bin.stat().st_size == BASE_SIZE and sha256_file(model_bin) == BASE_SHA256
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["base"]  # no temporary folder left behind
    mtime = model_bin.stat().st_mtime_ns
    assert assemble_base(tmp_path / "base") == target and model_bin.stat().st_mtime_ns == mtime


def test_corrupt_bundle_is_refused_and_nothing_is_left(tmp_path, monkeypatch):
    files = bundled_files()
    broken = tmp_path / "model.bin.part1"
    broken.write_bytes(files["model.bin.part1"].read_bytes()[:-10] + b"0123456789")
    monkeypatch.setattr("localize.transcription.models.bundled_files", lambda: files | {"model.bin.part1": broken})
    with pytest.raises(LocalizeError, match="corrupt"):
        assemble_base(tmp_path / "out" / "base")
    assert list((tmp_path / "out").iterdir()) == []


def test_model_resolution_order(tmp_path):
    assert resolve_model(None).source in {"bundled", "cache"}
    assert resolve_model("base").name == "whisper-base"
    explicit = resolve_model(assemble_base(tmp_path / "mine"))
    assert explicit.source == "path" and explicit.sha256 == BASE_SHA256
    assert resolve_model("large-v3").source == "download"
    with pytest.raises(LocalizeError, match="model not found"):
        resolve_model(tmp_path / "nope")


def test_unknown_model_name_offline_is_one_line(tmp_path):
    result = run("transcribe", EN / "episode.mp4", "-o", tmp_path / "out.srt", "--model", "large-v3")
    assert_failed_cleanly(result, tmp_path)
    assert "pip install 'localize[models]'" in result.output


def test_models_list_shows_the_bundled_base():
    result = run("models", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["name"] == "whisper-base" and rows[0]["status"] == "installed"


# ------------------------------------------------------------ CLI


def test_cli_writes_srt_and_json_with_words(tmp_path):
    srt, data = tmp_path / "ep.srt", tmp_path / "ep.json"
    result = run("transcribe", EN / "episode.mp4", "-o", srt, "--language", "en")
    assert result.exit_code == 0, result.output
    assert "Tomorrow we go home." in srt.read_text()
    result = run("transcribe", EN / "episode.mp4", "-o", data, "--language", "en", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["language"] == "en"
    cues = json.loads(data.read_text())["cues"]
    assert cues and all(c["words"] and c["words"][0]["start"] == c["start"] for c in cues)


def test_cli_batched_decoding(tmp_path, en_track):
    """``--batched``: faster-whisper's batched pipeline (the fast path); the words are still right."""
    out = tmp_path / "ep.json"
    result = run("transcribe", EN / "episode.mp4", "-o", out, "--language", "en", "--batched")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["meta"]["decoding"] == "batched" and en_track.meta["decoding"] == "sequential"
    reference = [w for line in script(EN)["lines"] for w in en_words(line["text"])]
    heard = [w for cue in data["cues"] for w in en_words(cue["text"])]
    assert edit_distance(reference, heard) / len(reference) <= 0.15, heard
    for other in (["--engine", "openai-whisper"], ["--no-vad"]):  # batching is faster-whisper's, of VAD chunks
        result = run("transcribe", EN / "episode.mp4", "-o", tmp_path / "x.json", "--batched", *other)
        assert_one_line_error(result, "batched")
        assert not (tmp_path / "x.json").exists()


def test_cli_glossary_file(tmp_path, zh_track):
    """The CSV's source terms reach transcription: the CLI writes what the library hears
    with those names as its glossary (whatever this CPU hears)."""
    glossary = tmp_path / "names.csv"
    glossary.write_text("source,target\n林晚,Lin Wan\n陆景琛,Lu Jingchen\n", encoding="utf-8")
    out = tmp_path / "zh.json"
    result = run("transcribe", ZH / "episode.mp4", "-o", out, "--language", "zh", "--glossary", glossary)
    assert result.exit_code == 0, result.output
    cues = json.loads(out.read_text(encoding="utf-8"))["cues"]
    assert [c["text"] for c in cues] == [c.text for c in zh_track]


def _no_audio_video(folder: Path) -> Path:
    path = folder / "silent.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=64x64:d=1", "-c:v", "libx264", str(path)],
        check=True,
    )
    return path


@pytest.mark.parametrize(
    "kind", ["missing", "directory", "text", "corrupt", "no-audio", "bad-language", "bad-extension"]
)
def test_cli_bad_input_is_one_line_error(tmp_path, kind):
    media = {"missing": tmp_path / "missing.mp4", "directory": tmp_path}.get(kind, EN / "episode.mp4")
    args: list[object] = []
    if kind == "text":
        media = tmp_path / "notes.mp4"
        media.write_text("not a video\n")
    elif kind == "corrupt":
        media = tmp_path / "cut.mp4"
        media.write_bytes((EN / "episode.mp4").read_bytes()[:20_000])
    elif kind == "no-audio":
        media = _no_audio_video(tmp_path)
    elif kind == "bad-language":
        args = ["--language", "zh;rm"]
    out = tmp_path / ("out.xyz" if kind == "bad-extension" else "out.srt")
    assert_failed_cleanly(run("transcribe", media, "-o", out, *args), tmp_path)
    assert not out.exists()


def test_silence_gives_empty_track_and_warning(tmp_path):
    wav = tmp_path / "silence.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "5", str(wav)], check=True
    )
    out = tmp_path / "silence.json"
    result = run("transcribe", wav, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Warning: ") and "no speech" in result.stderr
    assert json.loads(out.read_text())["cues"] == []
