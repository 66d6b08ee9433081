"""``localize speakers``: the title's cast: list, show sample lines, rename, merge, set a voice."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import click

from localize.cli.common import echo_json
from localize.errors import InputError

TITLE = click.Path(file_okay=False, path_type=Path)
HIDDEN = ("Cc", "Cf", "Zl", "Zp")  # Unicode categories a terminal would obey rather than show


@click.group("speakers")
def speakers_group() -> None:
    """The speakers of a title (the folder holding speakers.registry.json and speakers.toml).

    \b
    Examples:
      localize speakers list out/
      localize speakers show out/ S2
      localize speakers rename out/ S2 "Lin Wan" --gender female
      localize speakers voice out/ S2 en-US piper:/voices/en_US-amy-medium.onnx
      localize speakers merge out/ S4 S2
    """


def _registry(title: Path):
    from localize.speakers import REGISTRY_FILE, SpeakerRegistry

    if not (title / REGISTRY_FILE).is_file():
        raise InputError(f"{title}: no {REGISTRY_FILE} here (transcribe or run with --speakers first)")
    return SpeakerRegistry(title)


def _known(registry, label: str) -> str:
    resolved = registry.resolve(label)
    if resolved not in registry.speakers:
        raise InputError(
            shown(f"no speaker {label} in {registry.path} (known: {', '.join(registry.speakers) or 'none'})")
        )
    return resolved


def shown(text: object) -> str:
    """``text`` for the terminal: control and format characters (ANSI escapes, newlines, bidi
    overrides) escaped, not obeyed; other characters, CJK spaces included, as they are."""
    return "".join(
        c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) in HIDDEN else c for c in str(text)
    )


@speakers_group.command("list")
@click.argument("title", type=TITLE)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(title: Path, as_json: bool) -> None:
    """Each speaker: label, name, gender, speech time, episodes, voices."""
    registry = _registry(title)
    rows = []
    for label, entry in registry.speakers.items():
        profile = registry.profile(label)
        rows.append(
            {
                "label": label,
                "name": profile.name,
                "gender": profile.gender,
                "speech_s": round(entry.speech_ms / 1000, 1),
                "episodes": entry.episodes,
                "voices": profile.voices,
                "merged": sorted(k for k, v in registry.merged.items() if registry.resolve(k) == label),
            }
        )
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        extra = f" (merged: {', '.join(row['merged'])})" if row["merged"] else ""
        voices = ", ".join(f"{m}={v}" for m, v in row["voices"].items()) or "automatic"
        click.echo(
            shown(
                f"{row['label']:<4} {row['name'] or '-':<16} {row['gender'] or '-':<7} {row['speech_s']:>6.1f} s  "
                f"{len(row['episodes'])} episode(s)  voice: {voices}{extra}"
            )
        )


@speakers_group.command("show")
@click.argument("title", type=TITLE)
@click.argument("label")
def show_command(title: Path, label: str) -> None:
    """A speaker's sample lines, with episode and times, to tell who it is."""
    from localize.model import format_ms

    registry = _registry(title)
    label = _known(registry, label)
    entry, profile = registry.speakers[label], registry.profile(label)
    click.echo(
        shown(
            f"{label} {profile.name or ''}".rstrip()
            + f": {entry.speech_ms / 1000:.1f} s in {', '.join(entry.episodes)}"
        )
    )
    for sample in entry.samples:
        click.echo(
            shown(
                f"  {sample['episode']} {format_ms(sample['start'])} --> {format_ms(sample['end'])}  {sample['text']}"
            )
        )


@speakers_group.command("rename")
@click.argument("title", type=TITLE)
@click.argument("label")
@click.argument("name")
@click.option("--gender", type=click.Choice(["female", "male", "other"]), default=None)
def rename_command(title: Path, label: str, name: str, gender: str | None) -> None:
    """Give speaker LABEL a NAME (and gender) in speakers.toml."""
    registry = _registry(title)
    label = _known(registry, label)
    registry.name_speaker(label, name, gender)
    click.echo(shown(f"{label} = {name}"))


@speakers_group.command("voice")
@click.argument("title", type=TITLE)
@click.argument("label")
@click.argument("market")
@click.argument("voice")
def voice_command(title: Path, label: str, market: str, voice: str) -> None:
    """Dub speaker LABEL with VOICE (a voice spec) in MARKET (e.g. en-US)."""
    from localize.dubbing import resolve_voice
    from localize.paths import language_tag

    market = language_tag(market, "market")
    registry = _registry(title)
    label = _known(registry, label)
    resolve_voice(voice)  # an unknown voice fails here, not at dub time
    registry.set_voice(label, market, voice)
    click.echo(shown(f"{label}: {market} = {voice}"))


@speakers_group.command("merge")
@click.argument("title", type=TITLE)
@click.argument("source")
@click.argument("target")
def merge_command(title: Path, source: str, target: str) -> None:
    """Fold speaker SOURCE into TARGET (one character heard as two voices)."""
    registry = _registry(title)
    source, target = _known(registry, source), _known(registry, target)
    registry.fold(source, target)
    click.echo(shown(f"{source} -> {target}"))


COMMANDS = [speakers_group]
