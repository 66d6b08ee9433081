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
ZH_LINES = ["林晚，你终于回来了。", "总裁在楼上等你。", "我不想见陆景琛。", "少爷，她是你的妻子。",
            "他不是赘婿，他是战神。", "明天我们回家。"]
COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "white", "cyan"]


def isolated_env(root: Path) -> dict[str, str]:
    """Environment for a subprocess that writes nothing outside ``root``."""
    env = dict(os.environ)
    for name, sub in (("HOME", "home"), ("LOCALIZE_CACHE", "cache"), ("ARGOS_PACKAGES_DIR", "argos"),
                      ("XDG_CACHE_HOME", "xdg-cache"), ("XDG_DATA_HOME", "xdg-data")):
        env[name] = str(root / sub)
        (root / sub).mkdir(parents=True, exist_ok=True)
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
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *inputs, "-filter_complex", concat, "-map", "[v]",
                    "-map", f"{shots}:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", str(media)], check=True)
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
    assert not differing, f"outputs differ: {differing}"


def assert_one_line_error(result, *fragments: str) -> None:
    """A click result that failed with exit code 1 and one line, ``Error: ...`` naming each of ``fragments``."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output, result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
