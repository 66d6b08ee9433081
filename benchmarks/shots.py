"""Shot-change detection: PySceneDetect vs ffmpeg, exactness and time, side by side.

Data: ../shared/eval/video/pyscenedetect_testvideo.mp4 (hard cuts at frames 30 and 180, a
fade-in near 394 that is not a cut), the fixture episodes (cuts in script.json) and a
variable frame rate copy of episode_zh (every third frame dropped, timestamps kept, built
by fixtures/make_vfr.py into a temporary folder): there the truth is each cut's frame
index in the copy; PySceneDetect's own frame numbers count at the nominal rate.
Rows: the toolkit's two methods (no cache) and, for comparison, PySceneDetect's stock
detectors at their default settings.

    .venv/bin/python -m benchmarks.shots
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from benchmarks._scripts import load_script
from localize.timing import DETECTORS, detect_shot_frames

ROOT = Path(__file__).resolve().parent.parent
EVAL_VIDEO = ROOT.parent / "shared" / "eval" / "video" / "pyscenedetect_testvideo.mp4"


def videos() -> list[tuple[str, Path, list[int]]]:
    found = []
    if EVAL_VIDEO.exists():
        found.append(("pyscenedetect testvideo", EVAL_VIDEO, [30, 180]))
    for lang in ("en", "zh"):
        folder = ROOT / "fixtures" / f"episode_{lang}"
        if (folder / "episode.mp4").exists():
            found.append(
                (
                    f"fixture episode_{lang}",
                    folder / "episode.mp4",
                    json.loads((folder / "script.json").read_text())["cuts"],
                )
            )
    vfr = vfr_copy()
    if vfr is not None:
        found.append(vfr)
    return found


TMP = tempfile.TemporaryDirectory(prefix="localize-bench-shots-")


def vfr_copy() -> tuple[str, Path, list[int]] | None:
    episode = ROOT / "fixtures" / "episode_zh"
    if not (episode / "episode.mp4").exists():
        return None
    out = Path(TMP.name) / "episode_zh_vfr.mp4"
    return "episode_zh VFR", out, load_script("fixtures/make_vfr.py").build_vfr(episode, out)["cuts"]


def stock_detector(name: str):
    """PySceneDetect's detectors at their defaults, for comparison with our tuning."""
    import scenedetect

    def detect(video: Path) -> list[int]:
        manager = scenedetect.SceneManager()
        manager.add_detector(getattr(scenedetect, name)())
        manager.detect_scenes(scenedetect.open_video(str(video)))
        return [start.frame_num for start, _ in manager.get_scene_list()[1:]]

    return detect


def methods():
    for name, detector in DETECTORS.items():
        label = f"localize {name} (threshold {detector.threshold:g})"
        yield label, lambda video, name=name: [f for f, _ in detect_shot_frames(video, method=name, cache=False)]
    for name in ("ContentDetector", "AdaptiveDetector", "HashDetector"):
        yield f"PySceneDetect {name} default", stock_detector(name)


def main() -> None:
    import logging

    logging.getLogger("pyscenedetect").setLevel(logging.WARNING)
    rows = []
    for video_name, video, truth in videos():
        for label, detect in methods():
            began = time.perf_counter()
            found = detect(video)
            seconds = time.perf_counter() - began
            hits = len(set(found) & set(truth))
            rows.append(
                (
                    video_name,
                    label,
                    len(truth),
                    hits,
                    len(found) - hits,
                    "yes" if found == truth else "no",
                    seconds,
                    found,
                )
            )
    if not rows:
        print("no videos found (../shared/eval absent and fixtures not generated)")
        return
    header = f"{'video':<24} {'method':<44} {'cuts':>4} {'found':>5} {'false':>5} {'exact':>5} {'seconds':>7}  detected frames"
    print(header)
    print("-" * len(header))
    for video_name, label, cuts, hits, false, exact, seconds, found in rows:
        print(f"{video_name:<24} {label:<44} {cuts:>4} {hits:>5} {false:>5} {exact:>5} {seconds:>7.2f}  {found}")


if __name__ == "__main__":
    main()
