"""``localize dub``: synthesize translated subtitles into a dubbed track (and a muxed video)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from localize.cli.common import echo_json, warn
from localize.errors import InputError
from localize.fileio import refuse_overwrite, write_text_atomic


def parse_voices(text: str | None) -> dict[str, str]:
    """``A=piper:en_US-joe-medium,B=espeak:en-us`` -> {speaker: voice spec}."""
    voices: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        speaker, sep, spec = item.partition("=")
        if not sep or not speaker.strip() or not spec.strip():
            raise InputError(f"--voices: expected speaker=voice, got {item!r}")
        voices[speaker.strip()] = spec.strip()
    return voices


def parse_subtitle(text: str) -> tuple[str, str]:
    """``FILE:LANG`` -> (file, language)."""
    path, sep, language = text.rpartition(":")
    if not sep or not path or not language:
        raise InputError(f"--subtitle: expected FILE:LANG, got {text!r}")
    return path, language


@click.command("dub")
@click.argument("subs", type=click.Path(dir_okay=False), required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Dubbed audio: .wav, .flac or .m4a (AAC).")
@click.option(
    "--video", type=click.Path(dir_okay=False), help="The episode: sets the duration, supplies the original audio."
)
@click.option(
    "--voice",
    help="Voice for lines without a speaker and the first automatic speaker voice (with --single-voice: every line not in --voices), e.g. piper:en_US-joe-medium, piper:/path/v.onnx, espeak:es.",
)
@click.option(
    "--single-voice", is_flag=True, help="Speakers not in --voices all get --voice (no automatic distinct voices)."
)
@click.option("--voices", "voices_text", help="Voice per speaker: A=piper:en_US-joe-medium,B=espeak:en-us.")
@click.option(
    "--bed", type=click.Path(dir_okay=False), help="Music-and-effects bed to mix under the dub instead of the original."
)
@click.option(
    "--loudness",
    type=float,
    default=-16.0,
    show_default=True,
    help="Target LUFS (-16 mobile, -23 EBU R128, -27 dialogue-gated).",
)
@click.option("--true-peak", type=float, default=-1.0, show_default=True, help="True-peak ceiling in dBTP.")
@click.option("--language", help="Language of SUBS (ISO 639-1); default: from the file, else detected.")
@click.option("--original-language", help="Language of the video's original audio, for its track tag.")
@click.option(
    "--shots",
    "shots_file",
    type=click.Path(dir_okay=False),
    help="Shot list (CSV, EDL or JSON) bounding each line's window.",
)
@click.option("--max-speed", type=float, default=1.3, show_default=True, help="Never speed a line up past this.")
@click.option(
    "--comfortable-speed", type=float, default=1.15, show_default=True, help="Speed-up tried before borrowing silence."
)
@click.option("--mux", type=click.Path(dir_okay=False), help="Also write the video with the dub: .mp4 or .mkv.")
@click.option(
    "--subtitle",
    "extra_subtitles",
    multiple=True,
    metavar="FILE:LANG",
    help="More subtitle tracks to mux (SUBS is always muxed).",
)
@click.option("--report", "report_file", type=click.Path(dir_okay=False), help="Write the dub report as JSON.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--list-voices", is_flag=True, help="List the voices available here and exit.")
@click.option(
    "--title",
    "title_dir",
    type=click.Path(file_okay=False),
    help="Title folder (speaker registry, speakers.toml): voices stay per character across episodes.",
)
@click.option("--market", help="Market code whose voices speakers.toml gives (e.g. en-US).")
def dub_command(
    subs: str | None,
    output: str | None,
    video: str | None,
    voice: str | None,
    voices_text: str | None,
    bed: str | None,
    loudness: float,
    true_peak: float,
    language: str | None,
    original_language: str | None,
    shots_file: str | None,
    max_speed: float,
    comfortable_speed: float,
    mux: str | None,
    extra_subtitles: tuple[str, ...],
    report_file: str | None,
    as_json: bool,
    list_voices: bool,
    title_dir: str | None,
    market: str | None,
    single_voice: bool,
) -> None:
    """Dub the subtitles SUBS: one synthesized line per cue, fitted to its slot, mixed at LOUDNESS.

    \b
    localize dub episode.es.srt -o episode.es.wav --video episode.mp4 --voice espeak:es
    localize dub episode.en.srt -o dub.m4a --video episode.mp4 --mux episode.en.mp4
    localize dub episode.en.srt -o dub.wav --video ep.mp4 --bed mne.wav --loudness -23
    """
    from localize.dubbing import MixOptions, MuxOptions, VoiceOptions, available_voices, dub, load_subtitles
    from localize.timing import video_cuts

    if list_voices:
        for spec in available_voices():
            click.echo(spec)
        return
    if not subs or not output:
        raise click.UsageError("SUBS and -o/--output are required")
    refuse_overwrite(
        [output, mux, report_file], [subs, video, bed, shots_file, *(parse_subtitle(s)[0] for s in extra_subtitles)]
    )
    track = load_subtitles(subs, language)
    muxing = (
        MuxOptions(mux, [(subs, track.language or ""), *map(parse_subtitle, extra_subtitles)], original_language)
        if mux
        else None
    )
    report = dub(
        track,
        output,
        video=video,
        voice=VoiceOptions(voice, parse_voices(voices_text), not single_voice, title_dir, market),
        mix=MixOptions(loudness, true_peak, max_speed=max_speed, comfortable_speed=comfortable_speed),
        mux=muxing,
        bed=bed,
        shots=video_cuts(shots_file, video) if shots_file else [],
        progress=LineProgress(),
    )
    if report_file:
        write_text_atomic(report_file, json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    for message in report.warnings:
        warn(message)
    if as_json:
        echo_json(report.to_dict())
    else:
        counts = report.fit_counts()
        click.echo(
            f"{output}: {len(report.lines)} lines, {report.duration_ms / 1000:.2f} s, "
            f"{report.loudness_lufs} LUFS ({report.gating}), true peak {report.true_peak_dbtp} dBTP; "
            f"as is {counts['as_is']}, <= {comfortable_speed}x {counts['comfortable']}, "
            f"<= {max_speed}x {counts['capped']}, overflow {counts['overflow']}" + (f"; muxed {mux}" if mux else "")
        )


class LineProgress:
    """A progress bar on stderr that appears with the first synthesized line (after input checks)."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="dubbing", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(1)
        if done == total:
            self.bar.__exit__(None, None, None)


COMMANDS = [dub_command]
