"""The typed manifest (version 2): a real run's manifest round-trips through JSON, version 1
files still read, and the title report, the summary and the CLI read its typed fields."""

from __future__ import annotations

import json

import pytest

from localize.dubbing.reports import LineReport
from localize.errors import InputError
from localize.fileio import sha256_file
from localize.pipeline import Manifest, MarketResult, OutputFile, load_manifests
from localize.pipeline.report import title_summary
from localize.timing.check import QCReport
from support import install_argos, isolated_env, make_episode, run_cli

BURN_MARKET = (
    "[market]\ncode = 'en-XB'\nlanguage = 'en'\n[subtitles]\nformats = ['srt', 'vtt']\n"
    "[burn]\nenabled = true\ncover = 'none'\n"
)


@pytest.fixture(scope="module")
def episode(tmp_path_factory):
    """``localize run --dub`` from source subtitles: en-US (dubbed, muxed) and a burning market."""
    root = tmp_path_factory.mktemp("manifest")
    env = isolated_env(root)
    install_argos(env)
    media = make_episode(root / "in", "ep07", 1)
    market = root / "en-xb.toml"
    market.write_text(BURN_MARKET, encoding="utf-8")
    args = [
        "run",
        media,
        "--source-subs",
        media.with_suffix(".srt"),
        "--markets",
        f"en-US,{market}",
        "--dub",
        "-o",
        root / "out",
    ]
    result = run_cli(args, env, timeout=600)
    assert result.returncode == 0, result.stderr
    return root / "out", env, args


def test_manifest_round_trips_and_types_every_result(episode):
    out, _, _ = episode
    path = out / "ep07" / "manifest.json"
    text = path.read_text(encoding="utf-8")
    manifest = Manifest.load(path)
    assert json.loads(text)["manifest_version"] == 2
    assert manifest.to_json() == text  # the file is exactly the typed manifest
    assert Manifest.from_json(manifest.to_json()) == manifest
    en, burning = manifest.markets["en-US"], manifest.markets["en-XB"]
    assert isinstance(en, MarketResult) and isinstance(en.qc, QCReport)
    assert en.dub is not None and all(isinstance(line, LineReport) for line in en.dub.lines)
    assert (en.dub.output, en.dub.mux) == ("en-US/dub.wav", "en-US/muxed.mp4")
    assert en.voice == "piper:en_US-joe-medium" and en.loudness_target == -16.0
    assert burning.dub is not None and burning.burn is not None and burning.burn.output == "en-XB/burned.mp4"
    assert manifest.source.origin == "subtitles" and manifest.source.shots == [2000, 4000]
    assert manifest.inputs.source_subs is not None and manifest.inputs.media.has_video
    assert manifest.versions["models"]["voices"] == {"en-US": en.voice, "en-XB": burning.voice}
    delivered = {p.relative_to(out / "ep07").as_posix() for p in (out / "ep07").rglob("*") if p.is_file()}
    assert {o.path for o in manifest.outputs()} == delivered - {"manifest.json"}
    assert all(isinstance(o, OutputFile) and sha256_file(out / "ep07" / o.path) == o.sha256 for o in manifest.outputs())


def test_version_1_manifests_still_read_and_count_as_up_to_date(episode, tmp_path):
    out, env, args = episode
    path = out / "ep07" / "manifest.json"
    manifest = Manifest.load(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    for version in (1, None):  # version 1 wrote the field; earlier files had none
        old = {k: v for k, v in data.items() if k != "manifest_version"}
        if version is not None:
            old = {"manifest_version": version, **old}
        copy = tmp_path / "manifest.json"
        copy.write_text(json.dumps(old, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        assert Manifest.load(copy) == manifest
    path.write_text(copy.read_text(encoding="utf-8"), encoding="utf-8")  # an old OUT folder
    again = run_cli(args, env)
    assert again.returncode == 0 and "ep07: up to date" in again.stderr
    lines = [
        f"{code}: {m.cues} cues, {len(m.qc.violations)} QC violations, 0 glossary violations"
        for code, m in manifest.markets.items()
    ]
    assert all(line in again.stdout for line in lines)


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"manifest_version": 3, "episode": "x"}', "manifest version 3 is not one this localize reads"),
        ("[1, 2]", "not a manifest"),
        ('{"markets": {}}', r"not a manifest \(KeyError"),
        ("{oops", "not a manifest"),
    ],
)
def test_unreadable_manifest_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "manifest.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as raised:
        Manifest.load(path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_title_summary_and_report_read_the_typed_fields(episode):
    out, _, _ = episode
    manifest = load_manifests(out)[0]
    summary = title_summary(out)["episodes"][0]
    assert summary["source_language"] == manifest.source.language == "zh"
    for code, market in manifest.markets.items():
        row = summary["markets"][code]
        assert (row["cues"], row["qc_violations"]) == (market.cues, len(market.qc.violations))
        assert row["loudness_lufs"] == market.dub.loudness_lufs
    page = (out / "report.html").read_text(encoding="utf-8")
    en = manifest.markets["en-US"]
    assert f"{en.cues} cues" in page and f"{len(en.dub.lines)} lines" in page
    assert f"voice {en.voice}" in page and "Burned-in video (none cover)" in page


def test_suspect_flags_round_trip_and_a_manifest_without_them_reads_as_none(episode):
    out, _, _ = episode
    data = json.loads((out / "ep07" / "manifest.json").read_text(encoding="utf-8"))["markets"]["en-US"]
    plain = {k: v for k, v in data.items() if k != "suspect"}
    assert MarketResult.from_dict(plain).suspect == {} and "suspect" not in MarketResult.from_dict(plain).to_dict()
    flagged = MarketResult.from_dict({**plain, "suspect": {"2": ["suspect: the target copies the source"]}})
    assert flagged.suspect == {2: ["suspect: the target copies the source"]}
    assert flagged.to_dict()["suspect"] == {"2": ["suspect: the target copies the source"]}
