"""``localize export`` / ``localize import`` on episodes the real chain delivered (source subtitles, tiny Argos)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lxml import etree

from localize.review.xliff import NS12
from support import ROOT, ZH_LINES, install_argos, isolated_env, make_episode, run_cli

N12 = {"x": NS12}
GLOSSARY = ROOT / "glossaries" / "examples" / "title_names.csv"


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """OUT with ep01 and ep02 localized for en-US (4 lines each, title glossary), plus the environment."""
    root = tmp_path_factory.mktemp("review-io")
    env = isolated_env(root)
    install_argos(env, ("zh_en",))
    out = root / "out"
    for index, name in enumerate(("ep01", "ep02")):
        lines = [ZH_LINES[(index + k) % len(ZH_LINES)] for k in range(2)]
        media = make_episode(root / "in", name, index, lines=lines)
        result = run_cli(
            [
                "run",
                media,
                "--source-subs",
                media.with_suffix(".srt"),
                "--markets",
                "en-US",
                "-o",
                out,
                "-g",
                GLOSSARY,
                "--language",
                "zh",
            ],
            env,
        )
        assert result.returncode == 0, result.stderr
    return out, env


@pytest.fixture
def out(delivered, tmp_path):
    """A private copy of the delivered OUT (tests write edit layers into it)."""
    copy = tmp_path / "out"
    shutil.copytree(delivered[0], copy, ignore=shutil.ignore_patterns(".cache"))
    return copy


def localize(args: list, delivered) -> object:
    return run_cli(args, delivered[1])


def one_line_error(result, *fragments: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_export_import_round_trip_applies_one_edit(out, delivered):
    exported = localize(["export", out / "ep01", "--market", "en-US"], delivered)
    assert exported.returncode == 0, exported.stderr
    path = out / "ep01" / "en-US" / "ep01.en.xlf"
    assert exported.stdout.strip() == f"Wrote {path}"
    tree = etree.parse(str(path))
    units = tree.getroot().findall(".//x:trans-unit", N12)
    assert ["".join(u.find("x:source", N12).itertext()) for u in units] == ZH_LINES[:2]
    assert "Lin Wan" in units[0].find("x:target", N12).text  # 林晚 -> the title glossary's rendering
    units[1].find("x:target", N12).text = "The boss is waiting for you upstairs."
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    imported = localize(["import", path, "--json"], delivered)  # the episode folder is found above the file
    assert imported.returncode == 0, imported.stderr
    result = json.loads(imported.stdout)
    assert (result["episode"], result["market"], result["units"], result["changed"], result["revision"]) == (
        "ep01",
        "en-US",
        2,
        ["2"],
        1,
    )
    layer = json.loads((out / "ep01" / "en-US" / "edits.json").read_text(encoding="utf-8"))
    assert [(c["text"], c["status"]) for c in layer["cues"]] == [
        (None, "machine"),
        ("The boss is waiting for you upstairs.", "reviewed"),
    ]
    again = localize(["import", path, "--out", out], delivered)
    assert again.returncode == 0 and again.stdout.strip().endswith("2 units, 0 changed, revision 1")


def test_export_writes_xliff2_tmx_and_tbx(out, delivered):
    for args, name in (
        (["--to", "xliff2", "--xliff-version", "2.1"], "ep01/en-US/ep01.en.xliff2.xlf"),
        (["--to", "tmx"], "memory.en-US.tmx"),
        (["--to", "tbx"], "ep01/en-US/glossary.tbx"),
    ):
        result = localize(["export", out / "ep01", "-m", "en-US", *args], delivered)
        assert result.returncode == 0, result.stderr
        assert (out / name).is_file() and result.stdout.strip() == f"Wrote {out / name}"
    assert etree.parse(str(out / "ep01/en-US/ep01.en.xliff2.xlf")).getroot().get("version") == "2.1"
    tbx = (out / "ep01/en-US/glossary.tbx").read_text(encoding="utf-8")
    assert "<term>林晚</term>" in tbx and "<term>Lin Wan</term>" in tbx


def test_an_altered_source_is_refused_with_one_line_and_nothing_written(out, delivered):
    path = out / "x.xlf"
    assert localize(["export", out / "ep01", "-m", "en-US", "-o", path], delivered).returncode == 0
    path.write_text(path.read_text(encoding="utf-8").replace(ZH_LINES[1], "董事长在楼上等你。"), encoding="utf-8")
    one_line_error(localize(["import", path, "--out", out], delivered), "unit '2': the source was changed")
    assert not (out / "ep01" / "en-US" / "edits.json").exists()


def test_an_xliff_for_another_episode_or_language_is_refused(out, delivered):
    path = out / "ep02.xlf"
    assert localize(["export", out / "ep02", "-m", "en-US", "-o", path], delivered).returncode == 0
    one_line_error(localize(["import", path, "--out", out / "ep01"], delivered), "is for episode ep02, not ep01")
    path.write_text(
        path.read_text(encoding="utf-8").replace('target-language="en"', 'target-language="es"'), encoding="utf-8"
    )
    one_line_error(localize(["import", path, "--out", out], delivered), "is in es, ep02/en-US is in en")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("<xliff", "malformed XML"),
        ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xliff version="1.2"/>', "DOCTYPE"),
        (
            "<xliff version='1.2' xmlns='urn:oasis:names:tc:xliff:document:1.2'><file original='ep01/en-US' "
            "source-language='zh' target-language='en' datatype='plaintext'><body><trans-unit id='9'><source>x</source>"
            "</trans-unit></body></file></xliff>",
            "unit '9' is no cue of ep01/en-US (ids 1..2)",
        ),
    ],
)
def test_bad_xliff_is_one_line(out, delivered, text, fragment):
    path = out / "bad.xlf"
    path.write_text(text, encoding="utf-8")
    one_line_error(localize(["import", path, "--out", out], delivered), fragment)


def test_bad_export_arguments_are_one_line(out, delivered):
    one_line_error(localize(["export", out / "ep01", "-m", "fr-FR"], delivered), "no market 'fr-FR'")
    one_line_error(localize(["export", out / "nope", "-m", "en-US"], delivered), "no manifest.json")
    manifest = out / "ep01" / "manifest.json"
    before = manifest.read_bytes()
    one_line_error(localize(["export", out / "ep01", "-m", "en-US", "-o", manifest], delivered), "is an input")
    assert manifest.read_bytes() == before
    one_line_error(localize(["import", out / "missing.xlf", "--out", out], delivered), "no such file")
    assert localize(["export", out / "ep01", "-m", "en-US", "--to", "po"], delivered).returncode == 2


def test_library_entry_points():
    import localize as package

    assert package.export_xliff.__module__ == "localize.review.xliff"
    assert package.import_xliff.__module__ == "localize.review.xliff_import"
    assert Path(package.load_edits.__wrapped__.__code__.co_filename).name == "edits.py"  # under validate.public
