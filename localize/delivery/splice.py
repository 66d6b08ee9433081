"""Packet-level surgery on a burned MP4: its GOPs, and a copy with some GOP runs replaced.

Every keyframe x264 writes in a burn is an IDR that starts a closed GOP (x264's default,
``open-gop=0``), so a run of whole GOPs can be re-encoded on its own and the packets of
every other GOP copied as they are: those frames decode bit-identically.
"""

from __future__ import annotations

import contextlib
import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from localize.media import media_arg

Run = tuple[int, int]  # [first frame, end frame) in presentation order


class Mismatch(Exception):
    """The previous output cannot be spliced (the caller burns the whole video instead)."""


@dataclass(frozen=True)
class Layout:
    """A video stream's frames: ``pts`` in presentation order, the frame index of every GOP start."""

    pts: tuple[int, ...]
    gops: tuple[int, ...]
    time_base: Fraction
    extradata: bytes

    @property
    def frames(self) -> int:
        return len(self.pts)

    def runs(self, dirty: Sequence[int]) -> list[Run]:
        """The GOPs holding any ``dirty`` frame, adjacent ones joined into runs."""
        edges = [*self.gops, self.frames]
        marked = {max(i for i, start in enumerate(self.gops) if start <= frame) for frame in dirty}
        runs: list[Run] = []
        for index in sorted(marked):
            start, end = edges[index], edges[index + 1]
            if runs and runs[-1][1] == start:
                runs[-1] = (runs[-1][0], end)
            else:
                runs.append((start, end))
        return runs


def layout(path: Path) -> Layout:
    """The frame layout of the first video stream of ``path``, read from its packets (nothing decoded);
    :class:`Mismatch` unless every GOP is closed (no frame of one shows between frames of another)."""
    import av

    with av.open(media_arg(path)) as container:
        stream = container.streams.video[0]
        packets = [(p.pts, p.is_keyframe) for p in container.demux(stream) if p.pts is not None and p.size]
        extradata = bytes(stream.codec_context.extradata or b"")
        time_base = stream.time_base
    if not packets or not packets[0][1] or time_base is None:
        raise Mismatch(f"{path.name}: no video that starts on a keyframe")
    order = sorted(pts for pts, _ in packets)
    index = {pts: n for n, pts in enumerate(order)}
    gops, highest = [], -1
    for pts, key in packets:  # decode order
        if key:
            if index[pts] != highest + 1:
                raise Mismatch(f"{path.name}: open GOP at frame {index[pts]} (a keyframe that is not an IDR)")
            gops.append(index[pts])
        highest = max(highest, index[pts])
        if index[pts] < gops[-1]:
            raise Mismatch(f"{path.name}: frame {index[pts]} shows before the keyframe of its GOP")
    return Layout(tuple(order), tuple(gops), Fraction(time_base), extradata)


def splice(previous: Path, old: Layout, segments: Sequence[tuple[Run, Path]], audio: Path | None, target: Path) -> None:
    """Write ``target``: ``previous``'s video with each run's packets taken from its segment file (re-timed
    onto the run's frames), and the audio of ``audio`` (if any) copied."""
    import av

    replaced = {run[0]: (run, path) for run, path in segments}
    with (
        av.open(media_arg(previous)) as source,
        av.open(media_arg(target), "w", format="mp4", options={"movflags": "+faststart"}) as sink,
    ):
        video_in = source.streams.video[0]
        video_out = sink.add_stream_from_template(video_in)
        streams = [_video_packets(source, video_in, old, replaced)]
        with av.open(media_arg(audio)) if audio is not None else contextlib.nullcontext() as audio_in:
            if audio_in is not None:
                audio_out = sink.add_stream_from_template(audio_in.streams.audio[0])
                streams.append(_packets(audio_in.demux(audio_in.streams.audio[0])))
            outputs = [video_out] + ([audio_out] if audio_in is not None else [])
            last_dts = None
            for _, number, _, packet in heapq.merge(*[_timed(s, n) for n, s in enumerate(streams)]):
                if number == 0:
                    if last_dts is not None and packet.dts <= last_dts:
                        raise Mismatch(f"decode times do not increase at packet pts {packet.pts}")
                    last_dts = packet.dts
                packet.stream = outputs[number]
                sink.mux(packet)


def _video_packets(source, stream, old: Layout, replaced: dict[int, tuple[Run, Path]]) -> Iterator:  # noqa: ANN001
    """``previous``'s video packets in decode order, each replaced run's packets swapped in at its first GOP."""
    frame_of = {pts: n for n, pts in enumerate(old.pts)}
    skipping: Run | None = None
    for packet in source.demux(stream):
        if packet.pts is None or not packet.size:
            continue
        frame = frame_of[packet.pts]
        if skipping and skipping[0] <= frame < skipping[1]:
            continue
        skipping = None
        if packet.is_keyframe and frame in replaced:
            run, path = replaced[frame]
            skipping = run
            yield from _segment_packets(path, run, old)
            continue
        yield packet


def _segment_packets(path: Path, run: Run, old: Layout) -> Iterator:
    """The packets of a re-encoded run, their times moved onto the run's frames in the previous output."""
    import av

    with av.open(media_arg(path)) as container:
        stream = container.streams.video[0]
        if stream.time_base is None or Fraction(stream.time_base) != old.time_base:
            raise Mismatch(f"segment time base {stream.time_base} is not the output's {old.time_base}")
        if bytes(stream.codec_context.extradata or b"") != old.extradata:
            raise Mismatch("the re-encoded segment's H.264 parameter sets differ from the previous output's")
        packets = [
            (p.pts, p.dts, p) for p in container.demux(stream) if p.pts is not None and p.dts is not None and p.size
        ]
        if not packets:
            raise Mismatch(f"nothing was encoded for frames {run[0]}-{run[1] - 1}")
        shift = old.pts[run[0]] - min(pts for pts, _, _ in packets)
        if sorted(pts + shift for pts, _, _ in packets) != list(old.pts[run[0] : run[1]]):
            raise Mismatch(f"the re-encoded frames {run[0]}-{run[1] - 1} do not fall on the previous output's frames")
        for pts, dts, packet in packets:
            packet.pts, packet.dts = pts + shift, dts + shift
            yield packet


def _packets(demuxed: Iterator) -> Iterator:
    return (p for p in demuxed if p.dts is not None and p.size)


def _timed(packets: Iterator, number: int) -> Iterator:
    """(decode time in seconds, stream number, sequence, packet): what :func:`heapq.merge` interleaves on."""
    for sequence, packet in enumerate(packets):
        yield float(packet.dts * packet.time_base), number, sequence, packet
