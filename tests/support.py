"""Plain helpers shared by the test modules (fixtures are in ``conftest.py``; no tests here).

Short real episodes are made with ffmpeg (solid-colour shots with hard cuts, a tone
track) with a sidecar Chinese subtitle file of fixture lines, so the chain can start
from source subtitles; everything runs through the real CLI in a subprocess with HOME,
LOCALIZE_CACHE and ARGOS_PACKAGES_DIR pointed into a temporary folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
ARGOS = FIXTURES / "argos"
LOCALIZE = [str(Path(sys.executable).with_name("localize"))]
ZH_LINES = [
    "林晚，你终于回来了。",
    "总裁在楼上等你。",
    "我不想见陆景琛。",
    "少爷，她是你的妻子。",
    "他不是赘婿，他是战神。",
    "明天我们回家。",
]
MEDIA_SUFFIXES = (".mp4", ".mkv", ".mov", ".m4a", ".wav")
COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "white", "cyan"]


def isolated_env(root: Path, argos: Path | None = None) -> dict[str, str]:
    """Environment for a subprocess that writes nothing outside ``root``; its Argos packages are
    ``argos`` (the session's, from the ``argos_packages`` fixture: read only) when given."""
    env = dict(os.environ)
    for name, sub in (
        ("HOME", "home"),
        ("LOCALIZE_CACHE", "cache"),
        ("ARGOS_PACKAGES_DIR", "argos"),
        ("XDG_CACHE_HOME", "xdg-cache"),
        ("XDG_DATA_HOME", "xdg-data"),
    ):
        env[name] = str(root / sub)
        (root / sub).mkdir(parents=True, exist_ok=True)
    if argos is not None:
        env["ARGOS_PACKAGES_DIR"] = str(argos)
    return env


def install_argos(env: dict[str, str], pairs: tuple[str, ...] = ("zh_en", "en_es")) -> None:
    """Install the tiny real Argos packages built from fixtures/argos into env's package dir."""
    missing = [p for p in pairs if not (ARGOS / f"{p}.argosmodel").is_file()]
    if missing:
        pytest.skip(f"fixtures/argos/{missing[0]}.argosmodel not built yet (fixtures/argos/build_argos_model.py)")
    files = [arg for p in pairs for arg in ("--file", ARGOS / f"{p}.argosmodel")]
    result = run_cli(["models", "install", *files], env)
    assert result.returncode == 0, result.stderr


def make_episode(folder: Path, name: str, index: int, seconds: int = 6, lines: list[str] | None = None) -> Path:
    """A 360x640 30 fps clip: one solid colour per 2 s shot, a tone, and ``<name>.srt``.

    The subtitles are two of the Chinese fixture lines unless ``lines`` are given.
    """
    folder.mkdir(parents=True, exist_ok=True)
    media = folder / f"{name}.mp4"
    shots = seconds // 2
    inputs: list[str] = []
    for shot in range(shots):
        colour = COLOURS[(index + shot) % len(COLOURS)]
        inputs += ["-f", "lavfi", "-i", f"color=c={colour}:s=360x640:r=30:d=2"]
    inputs += ["-f", "lavfi", "-i", f"sine=frequency={300 + 40 * index}:duration={seconds}"]
    concat = "".join(f"[{i}:v]" for i in range(shots)) + f"concat=n={shots}:v=1:a=0[v]"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            *inputs,
            "-filter_complex",
            concat,
            "-map",
            "[v]",
            "-map",
            f"{shots}:a",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(media),
        ],
        check=True,
    )
    lines = lines or [ZH_LINES[(index + k) % len(ZH_LINES)] for k in range(2)]
    srt = "".join(f"{k + 1}\n00:00:0{k * 3},500 --> 00:00:0{k * 3 + 2},400\n{text}\n\n" for k, text in enumerate(lines))
    (folder / f"{name}.srt").write_text(srt, encoding="utf-8")
    return media


def invoke(*args: object):
    """The CLI run in this process (click's test runner) with ``args`` as strings."""
    from click.testing import CliRunner

    from localize.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args])


def run_cli(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*LOCALIZE, *map(str, args)], env=env, capture_output=True, text=True, **kwargs)


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` except the cache; manifests without their ``run`` field."""
    digests = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and ".cache" not in p.relative_to(root).parts):
        data = path.read_bytes()
        if path.name == "manifest.json":
            manifest = json.loads(data)
            manifest.pop("run")
            data = json.dumps(manifest, sort_keys=True).encode()
        digests[path.relative_to(root).as_posix()] = hashlib.sha256(data).hexdigest()
    return digests


def assert_same_outputs(left: Path, right: Path) -> None:
    """Byte-identical output trees (see :func:`tree_digest`), naming the files that differ."""
    a, b = tree_digest(left), tree_digest(right)
    differing = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    media = [
        f"{k}: {media_difference(left / k, right / k)}"
        for k in differing
        if k in a and k in b and Path(k).suffix in MEDIA_SUFFIXES
    ]
    assert not differing, f"outputs differ: {differing}" + "".join(f"; {m}" for m in media)


def assert_one_line_error(result, *fragments: str) -> None:
    """A click result that failed with exit code 1 and one line, ``Error: ...`` naming each of ``fragments``."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output, result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def assert_same_media(left: Path, right: Path) -> None:
    """Byte-identical media files; else one line saying what differs (see :func:`media_difference`)."""
    if left.read_bytes() != right.read_bytes():
        raise AssertionError(f"{left} and {right} differ: {media_difference(left, right)}")


def media_difference(left: Path, right: Path) -> str:
    """Where two media files differ: stream parameters, the packets of each stream (and then
    whether the decoded frames differ too: an encoder's choice, or its input), or the container only."""
    streams = [_streams(path) for path in (left, right)]
    if streams[0] != streams[1]:
        return f"streams differ: {streams[0]} vs {streams[1]}"
    found = []
    for index, kind in enumerate(s["codec_type"] for s in streams[0]):
        packets = [_frame_md5(path, index, decode=False) for path in (left, right)]
        if packets[0] == packets[1]:
            found.append(f"{kind} packets identical")
            continue
        frames = [_frame_md5(path, index, decode=True) for path in (left, right)]
        found.append(
            f"{kind} {_first_change('packet', *packets)}; "
            + (f"decoded {kind} identical" if frames[0] == frames[1] else f"decoded {_first_change('frame', *frames)}")
        )
    if all(part.endswith("packets identical") for part in found):
        found.append(f"so the container only ({left.stat().st_size} vs {right.stat().st_size} bytes)")
    return "; ".join(found)


def _streams(path: Path) -> list[dict]:
    fields = "codec_type,codec_name,profile,width,height,pix_fmt,time_base,nb_frames,sample_rate,channels,duration"
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", f"stream={fields}", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [{k: v for k, v in s.items() if k != "disposition"} for s in json.loads(result.stdout)["streams"]]


def _frame_md5(path: Path, index: int, decode: bool) -> list[tuple[str, ...]]:
    """(pts, size, md5) of each packet (or decoded frame) of stream ``index``."""
    codec = [] if decode else ["-c", "copy"]
    result = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", f"0:{index}", *codec, "-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [line.split(",") for line in result.stdout.splitlines() if line and not line.startswith("#")]
    return [(row[2].strip(), row[4].strip(), row[5].strip()) for row in rows]


def _first_change(what: str, left: list[tuple[str, ...]], right: list[tuple[str, ...]]) -> str:
    """ "3 of 735 packets differ, first #75 (pts 39424, 3177 vs 3161 bytes)", or the counts when they differ."""
    if len(left) != len(right):
        return f"{len(left)} vs {len(right)} {what}s"
    changed = [i for i, (a, b) in enumerate(zip(left, right)) if a != b]
    first = changed[0]
    return (
        f"{len(changed)} of {len(left)} {what}s differ, first #{first} (pts {left[first][0]}, "
        f"{left[first][1]} vs {right[first][1]} bytes)"
    )


def llm_run_args(out: str | Path, model: str) -> list[str]:
    """``localize run`` of the zh fixture episode from its reference subtitles and cut list, into ``out``,
    translated for en-US by the llm engine with ``model``."""
    zh = FIXTURES / "episode_zh"
    return [
        "run",
        str(zh / "episode.mp4"),
        "-m",
        "en-US",
        "-o",
        str(out),
        "--source-subs",
        str(zh / "reference.srt"),
        "--shots",
        str(zh / "shots.csv"),
        "--translate-engine",
        "llm",
        "--llm-model",
        model,
    ]
