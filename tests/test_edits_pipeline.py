"""Human corrections through ``localize run`` and ``batch``: real CLI runs on small made episodes.

A person edits a delivered subtitle file; the next run keeps the edit byte for byte, writes
it into every format, the dub, the mux and the burned video, and a second re-run is up to
date. Approved lines reach later episodes of the title (both engines; the llm is shown them
in its prompt). Bad edits are one-line decisions or errors, and nothing is lost.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from llm_fake import FakeLLM
from support import install_argos, isolated_env, make_episode, run_cli, tree_digest

MARKET = (
    "[market]\ncode = 'en-XB'\nlanguage = 'en'\n[subtitles]\nprofile = 'en-vertical'\n"
    "formats = ['srt', 'vtt', 'ass']\n[dub]\nvoice = 'espeak:en'\n"
)
BURN = "[burn]\nenabled = true\ncover = 'none'\n"
EDITED = "The boss is waiting upstairs."
THREE = ["林晚，你终于回来了。", "总裁在楼上等你。", "我不想见陆景琛。"]


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    environment = isolated_env(tmp_path_factory.mktemp("edits-env"))
    install_argos(environment, ("zh_en",))
    return environment


def market_file(folder: Path, burn: bool = False) -> Path:
    path = folder / "en-XB.toml"
    path.write_text(MARKET + (BURN if burn else ""), encoding="utf-8")
    return path


def run(env: dict[str, str], media: Path, out: Path, market: Path, *extra: Any) -> Any:
    return run_cli(
        ["run", media, "--source-subs", media.with_suffix(".srt"), "-m", market, "-o", out, *extra], env, timeout=600
    )


def srt_cues(text: str) -> list[list[str]]:
    """The cues of an SRT as [number, timing, text lines...]."""
    return [block.split("\n") for block in text.strip().split("\n\n")]


def write_srt(path: Path, cues: list[list[str]]) -> bytes:
    data = ("\n\n".join("\n".join(cue) for cue in cues) + "\n").encode()
    path.write_bytes(data)
    return data


def one_error(stderr: str) -> str:
    assert "Traceback" not in stderr and stderr.strip().count("\n") == 0, stderr
    assert stderr.startswith("Error: "), stderr
    return stderr.strip()


def manifest(episode: Path) -> dict[str, Any]:
    return json.loads((episode / "manifest.json").read_text(encoding="utf-8"))


# --- the demo scenario: one corrected line, every output ----------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory, env):
    root = tmp_path_factory.mktemp("demo")
    media = make_episode(root / "in", "ep01", 1)  # 总裁在楼上等你。 0.5-2.4 s, 我不想见陆景琛。 3.5-5.4 s
    market, out = market_file(root, burn=True), root / "out"
    first = run(env, media, out, market, "--dub")
    assert first.returncode == 0, first.stderr
    folder = out / "ep01" / "en-XB"
    before = {name: (folder / name).read_bytes() for name in ("ep01.en.srt", "dub.wav", "burned.mp4")}
    return media, market, out, before


def test_an_edited_line_survives_and_reaches_every_output(demo, env):
    media, market, out, before = demo
    episode = out / "ep01"
    srt = episode / "en-XB" / "ep01.en.srt"
    cues = srt_cues(before["ep01.en.srt"].decode())
    assert len(cues) == 2 and EDITED not in before["ep01.en.srt"].decode()
    edited = write_srt(srt, [cues[0][:2] + [EDITED], cues[1]])

    again = run(env, media, out, market, "--dub")
    assert again.returncode == 0, again.stderr
    assert "ep01: 1 line(s) taken from en-XB/ep01.en.srt" in again.stderr
    assert "en-XB: 2 cues" in again.stdout and "1 line(s) from edits" in again.stdout
    assert srt.read_bytes() == edited  # the person's file, byte for byte
    for fmt in ("vtt", "ass"):
        assert EDITED in (episode / "en-XB" / f"ep01.en.{fmt}").read_text(encoding="utf-8")
    result = manifest(episode)["markets"]["en-XB"]
    assert result["edited_lines"] == 1
    layer = json.loads((episode / "en-XB" / "edits.json").read_text(encoding="utf-8"))
    assert layer["cues"][0]["text"] == EDITED and layer["cues"][0]["status"] == "reviewed"
    assert layer["cues"][1]["text"] is None
    assert "1 line(s) taken from edits" in (out / "report.html").read_text(encoding="utf-8")
    muxed = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", episode / "en-XB" / "muxed.mp4", "-map", "0:s:0", "-f", "srt", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert EDITED in muxed  # the soft subtitles of the mux
    _assert_dub_changed_only_at_the_edit(before["dub.wav"], episode / "en-XB" / "dub.wav", (500, 2400), (3500, 5400))
    _assert_burned_text(episode / "en-XB" / "burned.mp4", 1500, {"boss", "waiting"})

    state = tree_digest(out)
    third = run(env, media, out, market, "--dub")
    assert third.returncode == 0 and "ep01: up to date" in third.stderr
    assert tree_digest(out) == state


def _assert_dub_changed_only_at_the_edit(
    old: bytes, new: Path, edited: tuple[int, int], other: tuple[int, int]
) -> None:
    """The other line's samples are the old ones (up to the mix's overall loudness gain); the edited span is not."""
    import io

    a, rate = soundfile.read(io.BytesIO(old))
    b, rate_b = soundfile.read(new)
    assert rate == rate_b and len(a) == len(b)

    def span(audio: np.ndarray, times: tuple[int, int]) -> np.ndarray:
        return audio[times[0] * rate // 1000 : times[1] * rate // 1000].ravel()

    def residual(x: np.ndarray, y: np.ndarray) -> float:
        gain = float(np.dot(x, y) / max(np.dot(x, x), 1e-12))
        return float(np.linalg.norm(y - gain * x) / max(np.linalg.norm(y), 1e-12))

    assert residual(span(a, other), span(b, other)) < 0.02
    assert residual(span(a, edited), span(b, edited)) > 0.2


def _assert_burned_text(video: Path, ms: int, words: set[str]) -> None:
    """OCR of the burned video: the cue on screen at ``ms`` holds ``words``."""
    pytest.importorskip("rapidocr", reason="rapidocr is not installed")
    from localize.hardsub import read_hardsubs

    track = read_hardsubs(video, language="en")
    shown = " ".join(c.text for c in track.cues if c.start - 200 <= ms <= c.end + 200).lower()
    found = set(re.findall(r"[a-z]+", shown))
    assert words <= found, shown


# --- bad edits: reported decisions or one-line errors, nothing lost -----------------------


@pytest.fixture(scope="module")
def three(tmp_path_factory, env):
    """A finished 8 s episode with three cues (0.5, 3.5, 6.5 s), no dub."""
    root = tmp_path_factory.mktemp("three")
    media = make_episode(root / "in", "ep04", 2, seconds=8, lines=THREE)
    market, out = market_file(root), root / "out"
    result = run(env, media, out, market)
    assert result.returncode == 0, result.stderr
    return media, market, out


def _copy(three, tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    media, market, out = three
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    return media, market, copy, copy / "ep04" / "en-XB" / "ep04.en.srt"


@pytest.mark.parametrize(
    "case, note",
    [
        ("deleted", "cue 2 (00:00:03.500, "),
        ("merged", "cues 2, 3 were merged into one"),
        ("moved", "cue 2 was moved past a neighbouring cue"),
    ],
)
def test_deleted_merged_and_moved_cues_are_reported_and_keep_their_text(three, env, tmp_path, case, note):
    media, market, out, srt = _copy(three, tmp_path)
    machine = srt_cues(srt.read_text(encoding="utf-8"))
    cues = [cue[:] for cue in machine]
    cues[0] = cues[0][:2] + ["Lin Wan, you are home."]  # a plain edit beside the bad one: still taken
    if case == "deleted":
        del cues[1]
    elif case == "merged":
        cues[1] = [cues[1][0], cues[1][1][:17] + cues[2][1][17:], *cues[1][2:], *cues[2][2:]]
        del cues[2]
    else:
        cues[1][1] = "00:00:07,000 --> 00:00:07,900"
        cues[1], cues[2] = cues[2], cues[1]
    write_srt(srt, cues)
    result = run(env, media, out, market)
    assert result.returncode == 0, result.stderr
    assert note in result.stderr
    after = srt_cues(srt.read_text(encoding="utf-8"))
    assert len(after) == 3 and after[0][2:] == ["Lin Wan, you are home."]
    assert after[1:] == machine[1:]  # the cues not taken keep the machine's text and timing
    assert manifest(out / "ep04")["markets"]["en-XB"]["edited_lines"] == 1


def test_invalid_timing_is_one_error_and_nothing_is_written(three, env, tmp_path):
    media, market, out, srt = _copy(three, tmp_path)
    cues = srt_cues(srt.read_text(encoding="utf-8"))
    cues[1][1] = "00:00:05,000 --> 00:00:04,000"
    edited = write_srt(srt, cues)
    state = tree_digest(out)
    result = run(env, media, out, market)
    assert result.returncode == 1
    message = one_error(result.stderr)
    assert "ep04.en.srt:7" in message and "ends at or before its start" in message  # the file, line and cue
    assert srt.read_bytes() == edited and tree_digest(out) == state  # no edit layer, nothing rewritten


def test_two_formats_edited_differently_are_refused_naming_both(three, env, tmp_path):
    media, market, out, srt = _copy(three, tmp_path)
    vtt = srt.with_suffix(".vtt")
    cues = srt_cues(srt.read_text(encoding="utf-8"))
    write_srt(srt, [cues[0][:2] + ["One way."], *cues[1:]])
    vtt.write_text(vtt.read_text(encoding="utf-8").replace(cues[0][2], "Another way.", 1), encoding="utf-8")
    state = tree_digest(out)
    result = run(env, media, out, market)
    assert result.returncode == 1
    message = one_error(result.stderr)
    assert message.startswith("Error: ep04: en-XB/ep04.en.srt and en-XB/ep04.en.vtt change cue 1 differently")
    assert tree_digest(out) == state


def test_edits_discard_moves_the_edited_files_into_a_backup(three, env, tmp_path):
    media, market, out, srt = _copy(three, tmp_path)
    machine = srt.read_bytes()
    cues = srt_cues(machine.decode())
    edited = write_srt(srt, [cues[0][:2] + ["Lin Wan, you are home."], *cues[1:]])
    kept = run(env, media, out, market)
    assert kept.returncode == 0 and (srt.parent / "edits.json").is_file()
    result = run(env, media, out, market, "--edits", "discard")
    assert result.returncode == 0, result.stderr
    assert srt.read_bytes() == machine and not (srt.parent / "edits.json").exists()
    [backup] = (out / ".edits-backup").iterdir()
    assert re.fullmatch(r"\d{8}T\d{6}Z", backup.name)
    assert (backup / "ep04" / "en-XB" / "edits.json").is_file()
    layer = json.loads((backup / "ep04" / "en-XB" / "edits.json").read_text(encoding="utf-8"))
    assert layer["cues"][0]["text"] == "Lin Wan, you are home."
    assert edited.decode().split("\n")[2] == "Lin Wan, you are home."
    assert "edited_lines" not in manifest(out / "ep04")["markets"]["en-XB"]


def test_an_edited_source_line_is_kept_and_translated_again(three, env, tmp_path):
    media, market, out, _ = _copy(three, tmp_path)
    source = out / "ep04" / "ep04.zh.srt"
    cues = srt_cues(source.read_text(encoding="utf-8"))
    english = (out / "ep04" / "en-XB" / "ep04.en.srt").read_text(encoding="utf-8")
    edited = write_srt(source, [*cues[:2], cues[2][:2] + ["我不想见林晚。"]])
    result = run(env, media, out, market)
    assert result.returncode == 0, result.stderr
    assert "ep04: 1 source line(s) taken from edits" in result.stderr
    assert source.read_bytes() == edited
    after = srt_cues((out / "ep04" / "en-XB" / "ep04.en.srt").read_text(encoding="utf-8"))
    assert after[:2] == srt_cues(english)[:2] and after[2] != srt_cues(english)[2]
    assert "Lin" in " ".join(after[2][2:])


# --- the title learns ---------------------------------------------------------------------


def _approve(episode: Path, cue: str, text: str) -> None:
    from localize.review import load_edits, save_edits

    layer = load_edits(episode, "en-XB")
    edit = layer.cue(cue)
    edit.text, edit.status, edit.by = text, "approved", "anna"
    save_edits(layer, episode, expected_revision=layer.revision)


def test_a_line_approved_in_episode_1_is_used_in_episode_2(env, tmp_path):
    season = tmp_path / "season"
    make_episode(season, "ep01", 1, lines=["总裁在楼上等你。", "明天我们回家。"])
    make_episode(season, "ep02", 2, lines=["林晚，你终于回来了。", "总裁在楼上等你。"])
    market, out = market_file(tmp_path), tmp_path / "out"
    first = run(env, season / "ep01.mp4", out, market)
    assert first.returncode == 0, first.stderr
    _approve(out / "ep01", "1", EDITED)
    assert (out / ".memory" / "approved.sqlite3").is_file()

    batch = run_cli(["batch", season, "--sidecar-subs", "-m", market, "-o", out], env, timeout=600)
    assert batch.returncode == 0, batch.stderr + batch.stdout
    assert re.search(r"ep01 .*; en-XB: 1 line\(s\) from edits", batch.stdout)
    second = srt_cues((out / "ep02" / "en-XB" / "ep02.en.srt").read_text(encoding="utf-8"))
    assert " ".join(second[1][2:]) == EDITED and EDITED not in " ".join(second[0][2:])
    result = manifest(out / "ep02")["markets"]["en-XB"]
    assert result["approved_lines"] == 1 and "edited_lines" not in result
    own = manifest(out / "ep01")["markets"]["en-XB"]
    assert own["edited_lines"] == 1 and "approved_lines" not in own  # its own approval comes from its layer


class RecordingLLM(FakeLLM):
    """The well-behaved fake endpoint, keeping every chat request's body."""

    def __init__(self) -> None:
        super().__init__("ok", lifetime=300)
        self.bodies: list[dict[str, Any]] = []

    def answer_post(self, body: dict[str, Any], key: str) -> tuple[int, str, bytes]:
        self.bodies.append(body)
        return super().answer_post(body, key)

    def prompts(self) -> list[str]:
        return ["\n".join(str(m.get("content", "")) for m in body.get("messages", [])) for body in self.bodies]


def test_llm_sees_approved_pairs_and_asks_only_for_changed_source_lines(env, tmp_path):
    llm_env = {**env, "OPENAI_API_KEY": "sk-test-edits", "LOCALIZE_LLM_CONFIG": str(tmp_path / "llm.toml")}
    llm_env.pop("LOCALIZE_LLM_MODEL", None)
    season = tmp_path / "season"
    make_episode(season, "ep01", 1, lines=["总裁在楼上等你。", "明天我们回家。"])
    make_episode(season, "ep02", 2, seconds=12, lines=["林晚，你终于回来了。", "总裁在楼下等你。", "我不想见陆景琛。"])
    market, out = market_file(tmp_path), tmp_path / "out"
    extra = ["--translate-engine", "llm", "--llm-model", "m"]
    with RecordingLLM() as server:
        llm_env["OPENAI_BASE_URL"] = server.url
        first = run(llm_env, season / "ep01.mp4", out, market, *extra)
        assert first.returncode == 0, first.stderr
        assert not any("Approved translations" in p for p in server.prompts())
        _approve(out / "ep01", "1", "The boss waits upstairs for you.")
        asked = len(server.bodies)
        second = run(llm_env, season / "ep02.mp4", out, market, *extra)
        assert second.returncode == 0, second.stderr
        prompts = server.prompts()[asked:]
        assert prompts and all("总裁在楼上等你。 → The boss waits upstairs for you." in p for p in prompts)

        source = out / "ep02" / "ep02.zh.srt"
        cues = srt_cues(source.read_text(encoding="utf-8"))
        write_srt(source, [*cues[:2], cues[2][:2] + ["我不想见林晚。"]])
        asked = len(server.bodies)
        third = run(llm_env, season / "ep02.mp4", out, market, *extra)
        assert third.returncode == 0, third.stderr
        rows = [row for p in server.prompts()[asked:] for row in p.splitlines() if row.startswith('{"id"')]
        assert rows and all(json.loads(row)["source"] == "我不想见林晚。" for row in rows)  # only the changed line


def test_rerender_runs_the_episode_again_with_its_recorded_settings(three, env, tmp_path):
    import sys

    _, _, out, srt = _copy(three, tmp_path)
    _approve(out / "ep04", "2", EDITED)
    code = f"from localize.pipeline import rerender; m = rerender({str(out)!r}, 'ep04', 'en-XB'); print(m.key)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert srt_cues(srt.read_text(encoding="utf-8"))[1][2:] == [EDITED]
    result = manifest(out / "ep04")
    assert result["key"] == done.stdout.strip() and result["markets"]["en-XB"]["edited_lines"] == 1
    missing = subprocess.run(
        [sys.executable, "-c", code.replace("'en-XB'", "'fr-FR'")], env=env, capture_output=True, text=True, timeout=600
    )
    assert missing.returncode == 1 and "no market 'fr-FR' in this episode" in missing.stderr


def test_glossary_suggest_from_edits_proposes_corrections_made_in_several_places(tmp_path, env):
    from localize.model import Cue, Track
    from localize.review import layer_from_track, save_edits

    lines = {
        "ep01": [("总裁在楼上等你。", "The president is upstairs."), ("明天我们回家。", "We go home tomorrow.")],
        "ep02": [("总裁来了。", "The president is here."), ("总裁，你好。", "Hello, president.")],
    }
    out = tmp_path / "out"
    for episode, pairs in lines.items():
        cues = [Cue(1000 * n, 1000 * n + 900, target, source=source) for n, (source, target) in enumerate(pairs)]
        track = Track(cues, language="en")
        layer = layer_from_track(track, episode, "en-XB", "zh")
        for edit in layer.cues:
            edit.text = edit.machine.replace("president", "CEO") if "president" in edit.machine else None
        save_edits(layer, out / episode)
    draft = tmp_path / "draft.csv"
    result = run_cli(["glossary", "suggest", "--from-edits", out, "-o", draft], env)
    assert result.returncode == 0, result.stderr
    import csv

    rows = list(csv.reader(draft.read_text(encoding="utf-8").splitlines()[1:]))
    assert rows[0] == ["source", "target", "language", "market", "case", "dnt", "variants", "note"]
    assert rows[1][:7] == ["总裁", "CEO", "en", "en-XB", "", "", "president"]
    assert rows[1][7].startswith("corrected 'president' -> 'CEO' 3x in ep01, ep02")
    assert len(rows) == 2  # the line corrected once proposes nothing
    both = run_cli(["glossary", "suggest", "a.srt", "--from-edits", out, "-o", draft], env)
    assert both.returncode == 1 and one_error(both.stderr).startswith("Error: give subtitle files or --from-edits")


def test_edits_of_a_market_left_out_of_the_next_run_are_kept(env, tmp_path):
    media = make_episode(tmp_path / "in", "ep05", 3)
    first_market = market_file(tmp_path)
    (tmp_path / "other").mkdir()
    other = tmp_path / "other" / "en-XC.toml"
    other.write_text(MARKET.replace("en-XB", "en-XC"), encoding="utf-8")
    out = tmp_path / "out"
    both = run_cli(
        ["run", media, "--source-subs", media.with_suffix(".srt"), "-m", f"{first_market},{other}", "-o", out],
        env,
        timeout=600,
    )
    assert both.returncode == 0, both.stderr
    srt = out / "ep05" / "en-XC" / "ep05.en.srt"
    cues = srt_cues(srt.read_text(encoding="utf-8"))
    edited = write_srt(srt, [cues[0][:2] + [EDITED], *cues[1:]])
    alone = run(env, media, out, first_market)  # en-XC is not in this run: its record leaves the manifest
    assert alone.returncode == 0, alone.stderr
    layer = json.loads((srt.parent / "edits.json").read_text(encoding="utf-8"))
    assert layer["cues"][0]["text"] == EDITED and srt.read_bytes() == edited
    assert "en-XC" not in manifest(out / "ep05")["markets"]


def test_a_timing_edit_is_kept_in_every_format(three, env, tmp_path):
    media, market, out, srt = _copy(three, tmp_path)
    cues = srt_cues(srt.read_text(encoding="utf-8"))
    start = cues[2][1].split(" --> ")[0]
    edited = write_srt(srt, [*cues[:2], [cues[2][0], f"{start} --> 00:00:07,900", *cues[2][2:]]])
    result = run(env, media, out, market)
    assert result.returncode == 0, result.stderr
    assert srt.read_bytes() == edited
    assert f"{start.replace(',', '.')} --> 00:00:07.900" in srt.with_suffix(".vtt").read_text(encoding="utf-8")
    layer = json.loads((srt.parent / "edits.json").read_text(encoding="utf-8"))
    assert layer["cues"][2]["new_end"] == 7900 and layer["cues"][2]["text"] is None
