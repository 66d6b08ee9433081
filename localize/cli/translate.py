"""``localize translate``, ``localize glossary suggest|check``, ``localize models install``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from localize.cli.common import RegistryChoice, echo_json, warn
from localize.cli.models import models
from localize.errors import InputError, ModelError
from localize.fileio import refuse_overwrite, write_text_atomic


@click.command("translate")
@click.argument("subs", type=click.Path(path_type=Path))
@click.option("--to", "target", required=True, help="Target language or market tag: en, es, es-419.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output subtitles (format by extension).",
)
@click.option("--from", "source", default=None, help="Source language (default: the file's, else detected).")
@click.option(
    "--glossary",
    "glossaries",
    multiple=True,
    type=click.Path(path_type=Path),
    help="CSV/TSV/TBX glossary; repeat to layer (later wins).",
)
@click.option("--market", default=None, help="Market whose glossary rows apply (e.g. es-419).")
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 and write no subtitles while any glossary violation or untranslated line remains.",
)
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write the glossary report as JSON.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the translation memory.")
@click.option("--json", "as_json", is_flag=True, help="Print the glossary report as JSON.")
@click.option(
    "--engine",
    type=RegistryChoice("localize.translation.backends:BACKENDS"),
    default="argos",
    show_default=True,
    help="argos (offline MT) or llm (an OpenAI-compatible chat endpoint: OPENAI_BASE_URL, OPENAI_API_KEY).",
)
@click.option(
    "--model", default=None, help="LLM model name (--engine llm; default: LOCALIZE_LLM_MODEL or the config file)."
)
@click.option(
    "--context",
    "context_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A synopsis (text file) the LLM reads before the lines.",
)
@click.option("--profile", default=None, help="Timing profile for character budgets (default: by target language).")
def translate_command(
    subs: Path,
    target: str,
    output: Path,
    source: str | None,
    glossaries: tuple[Path, ...],
    market: str | None,
    strict: bool,
    report: Path | None,
    no_cache: bool,
    as_json: bool,
    engine: str,
    model: str | None,
    context_file: Path | None,
    profile: str | None,
) -> None:
    """Translate SUBS into another language, enforcing glossary terms."""
    from localize.formats import load, save
    from localize.translation import TranslationOptions, translate
    from localize.translation.core import read_context

    refuse_overwrite([output, report], [subs, *glossaries])
    track = load(subs)
    for path in (output, report):
        if path is not None and path.resolve() == subs.resolve():
            raise InputError(f"{path}: would overwrite the input; choose another output")
    context = read_context(context_file) if context_file else ""
    result = translate(
        track,
        target,
        source=source,
        glossaries=glossaries,
        market=market,
        options=TranslationOptions(engine, model, context, profile),
        cache=not no_cache,
    )
    info = result.translation
    assert info is not None  # translate() always records how it translated
    summary = info.glossary.to_dict()
    if report:
        details = {
            "engine": info.engine,
            "model": info.model,
            "budget": dict(info.budget.__dict__),
            "usage": dict(info.usage.__dict__),
        }
        write_text_atomic(
            report,
            json.dumps(summary | details | {"input": str(subs), "output": str(output)}, ensure_ascii=False, indent=2)
            + "\n",
        )
    for violation in summary["violations"]:
        warn(f"cue {violation['cue']}: '{violation['term']}' should be '{violation['expected']}': {violation['found']}")
    untranslated = info.usage.lines_untranslated
    if untranslated:
        warn(f"{untranslated} of {info.budget.cues} line(s) got no usable translation: source text kept, cue flagged")
    problems = [
        f"{len(summary['violations'])} glossary violation(s)" if summary["violations"] else "",
        f"{untranslated} untranslated line(s)" if untranslated else "",
    ]
    if strict and any(problems):
        raise ModelError(f"{' and '.join(p for p in problems if p)} remain (--strict); {output} not written")
    save(result, output)
    if as_json:
        echo_json(summary)
    else:
        click.echo(
            f"{output}: {len(result)} cues {info.source_language}->{target}; "
            f"{summary['terms_checked']} term(s) checked, {summary['repaired']} repaired, {len(summary['violations'])} violation(s)",
            err=True,
        )
        if info.engine == "llm":
            usage, budget = info.usage, info.budget
            click.echo(
                f"llm {info.model}: {usage.requests} request(s), {usage.prompt_tokens}+{usage.completion_tokens} tokens, "
                f"{usage.memory_hits} line(s) from memory, {usage.lines_reasked} re-asked, {usage.lines_single} alone, "
                f"{usage.lines_untranslated} untranslated; "
                f"glossary lines: {summary['right_first_time']} right first time, {summary['right_after_reask']} after "
                f"re-ask, {summary['lines_repaired']} repaired, {summary['lines_flagged']} flagged; over budget "
                f"({budget.profile}): {budget.over_before_reask} before re-ask, {budget.over_after_reask} after",
                err=True,
            )


@click.group("glossary")
def glossary() -> None:
    """Draft and check glossaries."""


@glossary.command("suggest")
@click.argument("subs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Draft CSV to write."
)
@click.option(
    "--min-count",
    default=2,
    show_default=True,
    help="Times a name must recur (a name seen alone before punctuation counts at 1).",
)
@click.option(
    "--known",
    "known",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Glossaries whose terms to leave out (e.g. the house termbase).",
)
@click.option(
    "--from-edits",
    "from_edits",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Propose rows from the corrections in this output folder's edit layers instead.",
)
def suggest_command(
    subs: tuple[Path, ...], output: Path, min_count: int, known: tuple[Path, ...], from_edits: Path | None
) -> None:
    """Draft a per-title glossary of recurring names from a season's Chinese subtitles, or (--from-edits OUT)
    of renderings people corrected the same way in several places."""
    from localize.formats import load
    from localize.translation.glossary import load_glossaries
    from localize.translation.suggest import suggest, to_csv

    if (from_edits is None) == (not subs):
        raise InputError("give subtitle files or --from-edits OUT (one of them)")
    if from_edits is not None:
        _suggest_from_edits(from_edits, output, min_count)
        return
    refuse_overwrite([output], [*subs, *known])
    tracks = [load(path) for path in subs]
    found = suggest(tracks, min_count, load_glossaries(known) if known else None)
    write_text_atomic(output, to_csv(found))
    click.echo(f"{output}: {len(found)} name(s) from {len(tracks)} file(s); review before use", err=True)


def _suggest_from_edits(out_dir: Path, output: Path, min_count: int) -> None:
    from localize.review.learn import suggest_from_edits
    from localize.translation.suggest import to_csv

    if not out_dir.is_dir():
        raise InputError(f"{out_dir}: no such output folder")
    refuse_overwrite([output], sorted(out_dir.glob("*/*/edits.json")))
    found = suggest_from_edits(out_dir, min_count)
    write_text_atomic(output, to_csv(found))
    click.echo(
        f"{output}: {len(found)} correction(s) made the same way at least {min_count} times; review before use",
        err=True,
    )


@glossary.command("check")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def check_command(path: Path, as_json: bool) -> None:
    """Validate a glossary: errors give file and line; exits 1 on the first error."""
    from localize.translation.glossary import check_glossary, load_glossary

    warnings = check_glossary(path)
    count = len(load_glossary(path))
    if as_json:
        echo_json({"path": str(path), "terms": count, "warnings": warnings})
        return
    for message in warnings:
        warn(message)
    click.echo(f"{path}: {count} term(s) OK")


@models.command("install")
@click.argument("pair", nargs=-1)
@click.option(
    "--file", "files", multiple=True, type=click.Path(path_type=Path), help="Install a .argosmodel file (offline)."
)
def install_command(pair: tuple[str, ...], files: tuple[Path, ...]) -> None:
    """Install translation models: FROM TO from the Argos index, or --file X.argosmodel."""
    from localize.translation.packages import install_file, install_pair

    if not files and len(pair) != 2:
        raise click.UsageError("give FROM TO (e.g. zh en) or --file X.argosmodel")
    installed = [install_file(path) for path in files]
    if pair:
        if len(pair) != 2:
            raise click.UsageError("give FROM TO (e.g. zh en)")
        installed.append(install_pair(*pair, progress=lambda message: click.echo(message, err=True)))
    for package in installed:
        click.echo(f"installed {package.pair} {package.version} -> {package.path}")


COMMANDS = [translate_command, glossary]
