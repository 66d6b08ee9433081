"""Re-render a burned video after a subtitle edit: only the GOPs that changed cues touch are encoded again.

Every burn made here records its render state (the video's hash, the options, what the cover
search found, the ASS document) in ``state_dir`` under the SHA-256 of the file it wrote. Given
that file back as ``previous``, the new subtitles are laid out as :func:`~localize.delivery.burn`
would, the events that differ are found (old and new spans of each changed cue), and only the
GOPs of the previous output that show one are encoded again: from the source video, sought to
the GOP's first frame, through the same filtergraph and x264 settings. Every other GOP is copied
packet for packet, so its frames decode bit-identically. The audio is taken again from the new
dub (or the video). Anything that does not match (no state, another video or options, an
inpaint cover, a segment that does not fit) burns the whole video instead and says why.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pysubs2

from localize.delivery import x264
from localize.delivery.burn import BurnReport, audio_args, prepare, render
from localize.delivery.cover import Cover
from localize.delivery.job import CRF, PRESET, BurnJob, Scene, video_args
from localize.delivery.splice import Layout, Mismatch, Run, layout, splice
from localize.fileio import atomic_path, sha256_file, write_text_atomic
from localize.media import check_input, media_arg, run_ffmpeg
from localize.model import Track
from localize.validate import as_path

STATE_VERSION = 1
ENCODER = [CRF, PRESET, x264.THREADS, x264.PARAMS]  # a previous output made otherwise is burned again whole
MARGIN_MS = 40  # frames this close to a changed cue's span are encoded again too (libass rounds times)


@dataclass
class Rerender:
    """What :func:`rerender_burn` did: ``mode`` "smart" (GOP runs re-encoded) or "full" (and ``reason``)."""

    report: BurnReport
    mode: str
    reason: str = ""
    frames: int = 0
    reencoded: int = 0
    runs: list[Run] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "reason": self.reason,
            "frames": self.frames,
            "reencoded_frames": self.reencoded,
            "runs": [list(run) for run in self.runs],
            "report": self.report.to_dict(),
        }


def rerender_burn(
    video: str | Path,
    subs: Track | str | Path,
    output: str | Path,
    state_dir: str | Path,
    previous: str | Path | None = None,
    cover: str = "auto",
    style: str | None = None,
    band: tuple[float, float] | None = None,
    audio: str | Path | None = None,
) -> Rerender:
    """Burn ``subs`` into ``video`` as ``output`` like :func:`~localize.delivery.burn`, re-encoding only what
    changed since ``previous`` (an earlier output of this function for the same video and options; it may be
    ``output`` itself). Records the new output's render state in ``state_dir`` either way."""
    video, state_dir = check_input(as_path(video, "video")), as_path(state_dir, "state_dir")
    options = {"cover": cover, "style": style, "band": list(band) if band else None}
    video_sha = sha256_file(video)
    state, reason = _previous_state(state_dir, previous, video_sha, options)
    job = prepare(video, subs, output, cover, style, band, audio, _scene(state["scene"]) if state else None)
    result = None
    if state is not None and previous is not None:
        try:
            result = _smart(job, Path(previous), state["document"])
        except Mismatch as error:
            reason = f"the previous output could not be spliced ({error})"
    if result is None:
        report = render(job)
        frames = len(frame_times(job.output))
        result = Rerender(report, "full", reason, frames, frames, [(0, frames)])
    _save_state(state_dir, job, video_sha, options)
    return result


def changed_spans(old: pysubs2.SSAFile, new: pysubs2.SSAFile) -> list[tuple[int, int]]:
    """(start, end) ms of every event in one document and not the other (as written: centiseconds);
    :class:`Mismatch` when anything but the events differs (style, frame size)."""
    old, new = (pysubs2.SSAFile.from_string(doc.to_string("ass")) for doc in (old, new))
    if _head(old) != _head(new):
        raise Mismatch("the subtitle style or play size differs")
    before, after = Counter(map(_signature, old.events)), Counter(map(_signature, new.events))
    return sorted((sig[0], sig[1]) for sig in ((before - after) + (after - before)).elements())


def _smart(job: BurnJob, previous: Path, document: str) -> Rerender:
    if job.scene.plan is not None and job.scene.plan.mode == "inpaint":
        raise Mismatch("an inpaint cover is rendered whole")
    if job.output.suffix.lower() != ".mp4" or previous.suffix.lower() != ".mp4":
        raise Mismatch("only MP4 files are spliced")
    spans = changed_spans(pysubs2.SSAFile.from_string(document), job.document)
    old = layout(previous)
    times = frame_times(job.video)
    if len(times) != old.frames:
        raise Mismatch(f"{old.frames} frames, the video has {len(times)}")
    dirty = [n for n, t in enumerate(times) if any(a - MARGIN_MS <= t < b + MARGIN_MS for a, b in spans)]
    runs = old.runs(dirty)
    with tempfile.TemporaryDirectory(prefix="localize-rerender-") as tmp, atomic_path(job.output) as part:
        segments = [(run, _encode(job, run, times, Path(tmp) / f"run{n}")) for n, run in enumerate(runs)]
        splice(previous, old, segments, _audio(job, Path(tmp)), part)
    return Rerender(job.report, "smart", "", old.frames, sum(b - a for a, b in runs), runs)


def frame_times(video: Path) -> list[float]:
    """Each frame's time (ms, presentation order) as the burn's filters see it: from the start of the file."""
    import av

    with av.open(media_arg(video)) as container:
        stream = container.streams.video[0]
        start = (container.start_time or 0) / 1_000_000
        base = stream.time_base or Fraction(1, 1000)
        stamps = sorted(p.pts for p in container.demux(stream) if p.pts is not None and p.size)
        return [(float(pts * base) - start) * 1000 for pts in stamps]


def _encode(job: BurnJob, run: Run, times: Sequence[float], folder: Path) -> Path:
    """Frames ``run`` of the burn, alone: the source sought frame-accurately to its first frame, timestamps kept."""
    first, end = run
    folder.mkdir()
    seek = ["-ss", f"{(times[first] - (times[first] - times[first - 1]) / 2) / 1000:.6f}"] if first else []
    inputs, outputs = video_args(job.video, job.info, job.document, job.scene.plan, folder, seek)
    target = folder / "video.mp4"
    run_ffmpeg(
        ["-copyts", "-start_at_zero", *inputs, *outputs, "-frames:v", str(end - first), "-an", media_arg(target)],
        f"re-encoding frames {first}-{end - 1}",
    )
    return target


def _audio(job: BurnJob, folder: Path) -> Path | None:
    """The burned file's audio as :func:`burn` makes it (from the dub, else the video), in its own file."""
    if not job.has_audio:
        return None
    source, target = job.audio_from or job.info, folder / "audio.m4a"
    run_ffmpeg(
        ["-i", media_arg(source.path), *audio_args(source, "0:a:0", job.info, job.output), "-vn", media_arg(target)],
        "taking the audio",
    )
    return target


def _previous_state(
    state_dir: Path, previous: str | Path | None, video_sha: str, options: dict[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    """The render state recorded for ``previous`` if it matches this video and these options, else why not."""
    if previous is None:
        return None, "no previous output given"
    if not Path(previous).is_file():
        return None, f"the previous output {previous} is missing"
    path = state_dir / f"{sha256_file(previous)}.json"
    if not path.is_file():
        return None, "no render state is recorded for the previous output (made elsewhere, or changed since)"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None, "the render state recorded for the previous output is unreadable"
    if not isinstance(state, dict) or not {"scene", "document"} <= state.keys():
        return None, "the render state recorded for the previous output is incomplete"
    if state.get("version") != STATE_VERSION or state.get("encoder") != ENCODER:
        return None, "the previous output was made by another version"
    if state.get("video") != video_sha:
        return None, "the previous output was made from another video"
    if state.get("options") != options:
        return None, "the previous output was made with other options (cover, style or band)"
    return state, ""


def _save_state(state_dir: Path, job: BurnJob, video_sha: str, options: dict[str, Any]) -> None:
    scene = job.scene
    state = {
        "version": STATE_VERSION,
        "encoder": ENCODER,
        "video": video_sha,
        "options": options,
        "scene": {
            "plan": dataclasses.asdict(scene.plan) if scene.plan else None,
            "report": scene.report.to_dict(),
            "static": [list(box) for box in scene.static],
        },
        "document": job.document.to_string("ass"),
    }
    write_text_atomic(state_dir / f"{sha256_file(job.output)}.json", json.dumps(state, ensure_ascii=False))


def _scene(data: dict[str, Any]) -> Scene:
    plan = data["plan"]
    cover = (
        None
        if plan is None
        else Cover(plan["mode"], tuple(plan["box"]), tuple(map(tuple, plan["windows"])), tuple(plan["colours"]))
    )
    report = BurnReport(**data["report"])
    return Scene(cover, report, [tuple(box) for box in data["static"]])


def _head(doc: pysubs2.SSAFile) -> str:
    text = doc.to_string("ass")
    return text[: text.index("[Events]")]


def _signature(event: pysubs2.SSAEvent) -> tuple[Any, ...]:
    return (
        event.start,
        event.end,
        event.type,
        event.layer,
        event.style,
        event.name,
        event.marginl,
        event.marginr,
        event.marginv,
        event.effect,
        event.text,
    )


__all__ = ["Layout", "Rerender", "changed_spans", "frame_times", "rerender_burn"]
