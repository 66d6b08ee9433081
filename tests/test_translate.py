"""The translate stage on the tiny real Argos packages (fixtures/argos/*.argosmodel),
installed once per session into a temporary ARGOS_PACKAGES_DIR via `models install --file`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from localize.cli import cli
from localize.errors import LocalizeError
from localize.formats import load
from localize.model import Cue, Track
from localize.translation import TranslationOptions, get_translator, installed_pairs, translate

ROOT = Path(__file__).resolve().parents[1]
ARGOS = ROOT / "fixtures" / "argos"
HOUSE = ROOT / "glossaries" / "zh_en_microdrama.csv"
NAMES = ROOT / "glossaries" / "examples" / "title_names.csv"
ES_419 = ROOT / "glossaries" / "markets" / "es-419.csv"
REFERENCE_ZH = ROOT / "fixtures" / "episode_zh" / "reference.srt"
SCRIPT_ZH = json.loads((ROOT / "fixtures" / "episode_zh" / "script.json").read_text(encoding="utf-8"))
ZH = [line["text"] for line in SCRIPT_ZH["lines"]]  # the six fixture sentences
EN = [line["translation"] for line in SCRIPT_ZH["lines"]]  # their approved English


@pytest.fixture(scope="session")
def argos(tmp_path_factory):
    """Both tiny packages installed through the CLI's offline path; HOME and caches isolated."""
    packages = [ARGOS / "zh_en.argosmodel", ARGOS / "en_es.argosmodel"]
    if not all(p.is_file() for p in packages):
        pytest.skip("fixtures/argos/*.argosmodel not built (python fixtures/argos/build_argos_model.py)")
    root = tmp_path_factory.mktemp("argos-env")
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "HOME",
            "XDG_DATA_HOME",
            "XDG_CACHE_HOME",
            "XDG_CONFIG_HOME",
            "ARGOS_PACKAGES_DIR",
            "LOCALIZE_CACHE",
        ):
            (root / name).mkdir()
            patch.setenv(name, str(root / name))
        result = CliRunner().invoke(cli, ["models", "install", *sum((["--file", str(p)] for p in packages), [])])
        assert result.exit_code == 0, result.output
        assert "installed zh->en" in result.output and "installed en->es" in result.output
        yield root


def zh_track() -> Track:
    if REFERENCE_ZH.is_file():
        return load(REFERENCE_ZH)
    return Track([Cue(i * 3000, i * 3000 + 2500, text) for i, text in enumerate(ZH)], language="zh")


def texts(track: Track) -> list[str]:
    return [c.text for c in track.cues]


def test_packages_install_and_list(argos):
    pairs = {p.pair: p for p in installed_pairs()}
    assert set(pairs) == {"zh->en", "en->es"}
    assert pairs["zh->en"].path.parent == argos / "ARGOS_PACKAGES_DIR"
    assert pairs["zh->en"].to_dict()["name"] == "translate zh->en 0.1"


def test_fixture_episode_every_term_enforced(argos):
    track = zh_track()
    english = translate(track, "en", glossaries=[HOUSE, NAMES], cache=False)
    assert texts(english) == EN
    assert [c.source for c in english.cues] == ZH
    assert [(c.start, c.end) for c in english.cues] == [(c.start, c.end) for c in track.cues]
    report = english.translation.glossary.to_dict()
    # The tiny model drops the second of two placeholders in cue 5; repair puts it right.
    assert report == {
        "terms_checked": 6,
        "violations": [],
        "repaired": 1,
        "lines_with_terms": 5,
        "right_first_time": 4,
        "right_after_reask": 0,
        "lines_repaired": 1,
        "lines_flagged": 0,
    }
    assert english.language == "en" and not any(c.flags for c in english.cues)


def test_without_enforcement_the_model_gets_terms_wrong(argos):
    raw = translate(zh_track(), "en", glossaries=[HOUSE, NAMES], options=TranslationOptions(enforce=False), cache=False)
    wrong = {v["term"] for v in raw.translation.glossary.to_dict()["violations"]}
    assert wrong == {"林晚", "总裁", "陆景琛", "少爷", "赘婿", "战神"}
    assert raw.cues[4].text == "He is not a son-in-law, he is the war god."


def test_pivot_through_english_for_a_spanish_market(argos):
    spanish = translate(zh_track(), "es-419", glossaries=[HOUSE, NAMES, ES_419], cache=False)
    assert "+" in spanish.translation.model
    assert spanish.language == "es-419"
    assert spanish.translation.glossary.to_dict()["violations"] == []
    assert spanish.cues[1].text.startswith("El CEO")
    assert "Dios de la Guerra" in spanish.cues[4].text and "yerno mantenido" in spanish.cues[4].text
    assert spanish.cues[0].text.startswith("Lin Wan,")
    neutral = translate(zh_track(), "es", glossaries=[HOUSE, NAMES, ES_419], cache=False)
    assert "presidente ejecutivo" in neutral.cues[1].text


def test_english_source_word_boundaries(argos):
    track = Track([Cue(0, 2000, EN[4]), Cue(2000, 4000, EN[0])], language="en")
    glossary = Path(argos / "en_es.csv")
    glossary.write_text(
        "source,target,language\nGod of War,Dios de la Guerra,es\nLin Wan,Lin Wan,es\n", encoding="utf-8"
    )
    spanish = translate(track, "es", glossaries=[glossary], cache=False)
    assert "Dios de la Guerra" in spanish.cues[0].text
    report = spanish.translation.glossary.to_dict()
    assert (report["terms_checked"], report["violations"], report["repaired"]) == (2, [], 0)


def test_sentence_over_two_cues_is_translated_once_and_spread_by_time(argos):
    track = Track([Cue(0, 1800, "他不是赘婿，"), Cue(1800, 3000, "他是战神。")], language="zh")
    english = translate(track, "en", glossaries=[HOUSE], cache=False)
    assert texts(english) == ["He is not a live-in son-in-law,", "he is the God of War."]
    assert [c.source for c in english.cues] == ["他不是赘婿，", "他是战神。"]


def test_translation_memory_reuses_output_without_loading_the_model(argos, tmp_path):
    memory = tmp_path / "memory.sqlite3"
    first = translate(zh_track(), "en", glossaries=[HOUSE, NAMES], cache=memory)
    translator = get_translator("zh", "en")
    second = translate(zh_track(), "en", glossaries=[HOUSE, NAMES], cache=memory, translator=translator)
    assert texts(second) == texts(first) == EN
    assert translator._model is None  # every sentence came from the memory
    changed = get_translator("zh", "en")
    translate(zh_track(), "en", glossaries=[HOUSE], cache=memory, translator=changed)
    assert changed._model is not None  # another glossary is another key


def test_unrepairable_term_is_flagged_and_strict_raises(argos):
    track = Track([Cue(0, 2000, "他不是赘婿，他是战神。")], language="zh")
    glossary = Path(argos / "strict.csv")
    glossary.write_text("source,target\n赘婿,kept husband\n战神,Ares\n", encoding="utf-8")
    result = translate(track, "en", glossaries=[glossary], cache=False)
    assert result.cues[0].text == "He is not a kept husband, he is the daughter."  # the engine lost ZZ1
    (violation,) = result.translation.glossary.to_dict()["violations"]
    assert violation["cue"] == 1 and violation["term"] == "战神" and violation["expected"] == "Ares"
    assert violation["found"] == result.cues[0].text
    assert result.cues[0].flags == ["glossary: '战神' should be 'Ares'"]
    with pytest.raises(LocalizeError, match="1 glossary violation"):
        translate(track, "en", glossaries=[glossary], cache=False, strict=True)


# --- the command line -------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_cli_translate_writes_subtitles_and_report(argos, tmp_path):
    source = tmp_path / "zh.srt"
    source.write_text(
        "".join(f"{i}\n00:00:0{i},000 --> 00:00:0{i},900\n{t}\n\n" for i, t in enumerate(ZH, 1)), encoding="utf-8"
    )
    out, report = tmp_path / "en.srt", tmp_path / "report.json"
    result = run(
        "translate",
        source,
        "--to",
        "en",
        "-o",
        out,
        "--glossary",
        HOUSE,
        "--glossary",
        NAMES,
        "--report",
        report,
        "--strict",
    )
    assert result.exit_code == 0, result.output
    assert texts(load(out)) == EN
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["terms_checked"] == 6 and data["violations"] == []


def one_line_error(result, output: Path) -> str:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert not output.exists()
    return lines[0]


def test_cli_errors_are_one_line_and_write_nothing(argos, tmp_path):
    source = tmp_path / "zh.srt"
    source.write_text("1\n00:00:01,000 --> 00:00:02,000\n他不是赘婿，他是战神。\n", encoding="utf-8")
    out = tmp_path / "out.srt"
    assert "unknown language code 'xx'" in one_line_error(run("translate", source, "--to", "xx", "-o", out), out)
    assert "localize models install en fr" in one_line_error(run("translate", source, "--to", "fr", "-o", out), out)
    english = tmp_path / "en.srt"
    english.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello there.\n", encoding="utf-8")
    message = one_line_error(run("translate", english, "--from", "en", "--to", "ja", "-o", out), out)
    assert "localize models install en ja" in message and "--file" in message
    empty = tmp_path / "empty.srt"
    empty.write_text("", encoding="utf-8")
    assert "empty" in one_line_error(run("translate", empty, "--to", "en", "-o", out), out)
    bad = tmp_path / "bad.csv"
    bad.write_text("source,target\n战神,God of War\n赘婿,\n", encoding="utf-8")
    assert f"{bad}:3:" in one_line_error(run("translate", source, "--to", "en", "-o", out, "--glossary", bad), out)
    strict = tmp_path / "strict.csv"
    strict.write_text("source,target\n赘婿,kept husband\n战神,Ares\n", encoding="utf-8")
    result = run("translate", source, "--to", "en", "-o", out, "--glossary", strict, "--strict")
    assert result.exit_code == 1 and result.output.strip().splitlines()[-1].startswith("Error: 1 glossary violation")
    assert not out.exists()


def test_models_install_errors_name_the_fix(argos, tmp_path, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "http://127.0.0.1:9/index.json")
    result = run("models", "install", "zh", "fr")
    assert result.exit_code == 1 and result.output.startswith("Error: cannot reach http://127.0.0.1:9/index.json")
    assert (
        "localize models install --file zh_fr.argosmodel" in result.output
        and len(result.output.strip().splitlines()) == 1
    )
    junk = tmp_path / "junk.argosmodel"
    junk.write_bytes(b"not a zip")
    result = run("models", "install", "--file", junk)
    assert result.exit_code == 1 and "not an Argos package" in result.output
    assert {p.pair for p in installed_pairs()} == {"zh->en", "en->es"}


def test_cli_no_cache_leaves_no_memory(argos, tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALIZE_CACHE", str(tmp_path / "cache"))
    source = tmp_path / "zh.srt"
    source.write_text("1\n00:00:01,000 --> 00:00:02,000\n明天我们回家。\n", encoding="utf-8")
    assert run("translate", source, "--to", "en", "-o", tmp_path / "a.srt", "--no-cache").exit_code == 0
    assert not (tmp_path / "cache" / "translate" / "memory.sqlite3").exists()
    assert run("translate", source, "--to", "en", "-o", tmp_path / "b.srt").exit_code == 0
    assert (tmp_path / "cache" / "translate" / "memory.sqlite3").is_file()
    assert texts(load(tmp_path / "a.srt")) == texts(load(tmp_path / "b.srt")) == ["Tomorrow we go home."]


def test_public_stage_functions_stay_functions_across_calls(argos):
    """F10: importing a stage's package never hides the function of the same name."""
    import localize
    import localize.dubbing  # noqa: F401
    import localize.transcription  # noqa: F401
    import localize.translation  # noqa: F401

    first = localize.translate(zh_track(), "en", cache=False)
    second = localize.translate(zh_track(), "es", cache=False)
    assert callable(localize.transcribe) and callable(localize.dub)
    assert (first.language, second.language) == ("en", "es")
    assert first.source_language == second.source_language == "zh"


def test_translation_info_survives_retime_and_json(argos, tmp_path):
    """What translate hands on (source language, glossary report) is typed and lossless."""
    from localize.formats import save
    from localize.timing import retime

    english = translate(zh_track(), "en", glossaries=[HOUSE, NAMES], cache=False)
    timed = retime(english, "en-vertical")
    save(timed, tmp_path / "t.json")
    back = load(tmp_path / "t.json")
    assert back.source_language == "zh"
    assert back.translation == english.translation
    assert back.translation.glossary.terms_checked == english.translation.glossary.terms_checked > 0
