"""Reading and writing subtitle files: formats, encodings, bad input."""

from pathlib import Path

import pytest

from localize.errors import LocalizeError
from localize.formats import FORMATS, load, save
from localize.model import Cue, Track, Word

SUBS = Path(__file__).parent.parent / "fixtures" / "subtitles"
LINES_ZH = ["林晚，你终于回来了。", "总裁在楼上等你。", "我不想见陆景琛。"]


def sample_track() -> Track:
    cues = [
        Cue(1033, 2967, "林晚，你终于回来了。", speaker="A"),
        Cue(3001, 5499, "Lin Wan, you are\nfinally back.", source="林晚，你终于回来了。"),
        Cue(6006, 7007, 'He said <i>"no"</i> & left > now'),
    ]
    return Track(cues, language="en")


@pytest.mark.parametrize("ext", [".vtt", ".ass", ".ttml", ".json", ".sbv", ".srt"])
def test_srt_round_trip_through_every_format_keeps_times_and_text(tmp_path, ext):
    original = tmp_path / "in.srt"
    save(sample_track(), original)
    middle = tmp_path / f"middle{ext}"
    save(load(original), middle)
    back = tmp_path / "back.srt"
    save(load(middle), back)
    assert [(c.start, c.end, c.text) for c in load(back)] == [(c.start, c.end, c.text) for c in sample_track()]


def test_json_is_lossless(tmp_path):
    track = sample_track()
    track.cues[0].words = [Word(1033, 1500, "林晚", 0.91)]
    track.cues[0].flags = ["reading_speed"]
    save(track, tmp_path / "t.json")
    back = load(tmp_path / "t.json")
    assert back.cues == track.cues and back.language == "en"


def test_ass_is_styled_for_vertical_video(tmp_path):
    save(sample_track(), tmp_path / "t.ass")
    text = (tmp_path / "t.ass").read_text(encoding="utf-8")
    assert "PlayResX: 1080" in text and "PlayResY: 1920" in text
    assert "Lin Wan, you are\\Nfinally back." in text


def test_ttml_declares_imsc1_text_profile(tmp_path):
    save(sample_track(), tmp_path / "t.ttml")
    text = (tmp_path / "t.ttml").read_text(encoding="utf-8")
    assert 'ttp:profile="http://www.w3.org/ns/ttml/profile/imsc1/text"' in text
    assert 'begin="00:00:01.033" end="00:00:02.967"' in text


def test_ttml_reads_frames_and_offsets(tmp_path):
    doc = tmp_path / "f.ttml"
    doc.write_text(
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" '
        'ttp:frameRate="30" xml:lang="zh"><body><div>'
        '<p begin="00:00:01:15" end="2.5s">第一行<br/>第二行</p><p begin="90f" end="4000ms">好</p>'
        "</div></body></tt>",
        encoding="utf-8",
    )
    track = load(doc)
    assert [(c.start, c.end, c.text) for c in track] == [(1500, 2500, "第一行\n第二行"), (3000, 4000, "好")]
    assert track.language == "zh"


def test_vtt_voice_tags_become_speakers_and_colour_classes_markup(tmp_path):
    path = tmp_path / "v.vtt"
    path.write_text(
        "WEBVTT\n\nNOTE hi\n\n1\n00:01.000 --> 00:02.000 align:start\n<v Lin Wan><c.red>Hello</c> <i>you</i>\n",
        encoding="utf-8",
    )
    cue = load(path).cues[0]
    assert (cue.start, cue.end, cue.text, cue.speaker) == (
        1000,
        2000,
        '<font color="#FF0000">Hello</font> <i>you</i>',
        "Lin Wan",
    )


ENCODED = [  # file, encoding detected, cue count, first cue text
    ("zh_gbk.srt", "gb18030", None, LINES_ZH[0]),
    ("zh_gb18030.srt", "gb18030", None, LINES_ZH[0]),
    ("zh_utf8.srt", "utf-8", None, LINES_ZH[0]),
    ("zh_utf8_bom.srt", "utf-8 (BOM)", None, LINES_ZH[0]),
    ("zh_utf16le_bom.srt", "utf-16-le (BOM)", None, LINES_ZH[0]),
    ("zh_utf16be_bom.srt", "utf-16-be (BOM)", None, LINES_ZH[0]),
]


@pytest.mark.parametrize("name, encoding, _count, first", ENCODED)
def test_chinese_encodings_are_detected(name, encoding, _count, first):
    track = load(SUBS / name)
    assert track.meta["encoding"] == encoding
    assert track.cues[0].text.replace("\n", "") == first


def test_big5_traditional_chinese_is_detected():
    track = load(SUBS / "zh_big5.srt")
    assert track.meta["encoding"].startswith("big5")
    assert "終於" in track.text()


def test_cp1252_is_detected():
    track = load(SUBS / "en_cp1252.srt")
    assert track.meta["encoding"] == "cp1252"
    assert "’" in track.text() or "—" in track.text() or "é" in track.text()


def test_encoding_override_wins():
    track = load(SUBS / "zh_gbk.srt", encoding="gbk")
    assert track.meta["encoding"] == "gbk" and track.cues[0].text.replace("\n", "") == LINES_ZH[0]


@pytest.mark.parametrize("name", ["en_utf8.vtt", "en_utf8.ass", "en_utf8.ttml"])
def test_fixture_files_in_other_formats_read(name):
    track = load(SUBS / name)
    assert len(track) >= 3 and all(c.end > c.start for c in track)
    assert "{" not in track.text() and "<tt" not in track.text()


@pytest.mark.parametrize(
    "name, message",
    [
        ("bad_overlap.srt", None),
        ("bad_negative.srt", "before its start"),
        ("bad_garbage.srt", "not a text subtitle file"),
        ("bad_empty.srt", "file is empty"),
        ("bad_timestamp.srt", r"bad_timestamp.srt:\d+: malformed timing line"),
        ("unknown.xyz", "unknown subtitle extension"),
    ],
)
def test_bad_files_raise_one_line_errors(name, message):
    if message is None:
        with pytest.raises(LocalizeError, match="before cue 1 ends"):
            load(SUBS / name, allow_overlap=False)
        return
    with pytest.raises(LocalizeError, match=message) as error:
        load(SUBS / name)
    assert "\n" not in str(error.value) and name in str(error.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(LocalizeError, match="no such file"):
        load(tmp_path / "nope.srt")
    (tmp_path / "dir.srt").mkdir()
    with pytest.raises(LocalizeError, match="is a directory"):
        load(tmp_path / "dir.srt")


def test_save_is_atomic_on_failure(tmp_path):
    target = tmp_path / "out.srt"
    with pytest.raises(LocalizeError):
        save(Track([Cue(100, 50, "bad")]), target)
    assert list(tmp_path.iterdir()) == []


def test_every_registered_format_has_a_writer_and_reader():
    assert {"srt", "vtt", "ass", "ttml", "json", "sbv"} <= set(FORMATS)


def test_outputs_get_ordinary_permissions(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        save(sample_track(), tmp_path / "perm.srt")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "perm.srt").stat().st_mode) == 0o644


def test_ass_refuses_times_past_its_last_hour_digit(tmp_path):
    """Review F7: 10:00:01 was clamped to 9:59:59.99 (exit 0, unreadable file)."""
    from click.testing import CliRunner

    from localize.cli import cli
    from localize.errors import InputError

    source = tmp_path / "tenh.srt"
    source.write_text("1\n10:00:01,000 --> 10:00:02,500\nhello\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["convert", str(source), str(tmp_path / "tenh.ass")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "Error: cue 1 ends at 10:00:02.500, past 9:59:59.99, the latest time ASS can hold: write SRT, VTT or TTML instead"
    ]
    assert not (tmp_path / "tenh.ass").exists()
    late = Track([Cue(1000, 2000, "a"), Cue(35_999_000, 35_999_991, "b")])
    with pytest.raises(InputError, match="cue 2 ends at 09:59:59.991"):
        save(late, tmp_path / "late.ass")
    save(Track([Cue(35_999_000, 35_999_990, "last")]), tmp_path / "last.ass")
    assert [(c.start, c.end) for c in load(tmp_path / "last.ass")] == [(35_999_000, 35_999_990)]
