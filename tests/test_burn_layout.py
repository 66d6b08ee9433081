"""Where ``burn`` draws and how: placement on the covered band clear of static text, line breaks
that keep CJK and Thai inside a 9:16 frame, the font of a detected language, RTL direction, style
values, odd frame sizes, a dub without audio and cues after the end. Real ffmpeg/libass, RapidOCR.

The placement clip (720x1280, 6 s) has three Chinese lines burned into a band and a static credit
line just below it, the review's held-out case: the English must land on the blurred band, every
frame readable, and never on the credit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from localize import burn
from localize.cli import cli
from localize.errors import LocalizeError
from localize.hardsub import load_ocr
from localize.hardsub.frames import frames
from localize.imaging import row_runs, text_mask
from localize.model import Cue, Track
from localize.text import edit_distance

pytest.importorskip("rapidocr", reason="rapidocr is not installed (pip install rapidocr==3.10.0)")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import make_hardsub  # noqa: E402

WIDTH, HEIGHT = 720, 1280
CHINESE = [(300, 2000, "林晚，你终于回来了。"), (2600, 4200, "总裁在楼上等你。"), (4600, 5800, "我不想见陆景琛。")]
CREDIT = "出品 星光影业   监制 陆景琛"
ENGLISH = [
    (400, 1900, "Lin Wan, you are finally back."),
    (2700, 4100, "The president is waiting upstairs for you, and he is not patient today."),
    (4700, 5700, "I do not want to see Lu Jingchen."),
]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def credit_clip(tmp_path_factory) -> Path:
    """The fixture episode at 720x1280 with Chinese subtitles and a static credit line just under their band."""
    folder = tmp_path_factory.mktemp("credit")
    script = make_hardsub.ass_script(CHINESE, 6000, HEIGHT)
    script = "\n".join(line for line in script.splitlines() if ",Static,," not in line) + "\n"
    credit_style = (
        "Style: Credit,Noto Sans CJK SC,28,&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,-1,0,0,0,"
        "100,100,0,0,1,2,0,2,10,10,170,1\n\n[Events]"
    )
    script = script.replace("[Events]", credit_style) + f"Dialogue: 0,0:00:00.00,0:00:07.00,Credit,,0,0,0,,{CREDIT}\n"
    (folder / "b.ass").write_text(script, encoding="utf-8")
    path = folder / "credit.mp4"
    ffmpeg(
        "-i",
        str(FIXTURES / "episode_zh" / "episode.mp4"),
        "-t",
        "6",
        "-vf",
        f"scale={WIDTH}:{HEIGHT},subtitles=filename={folder / 'b.ass'}",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "20",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        str(path),
    )
    return path


@pytest.fixture(scope="module")
def plain_clip(tmp_path_factory) -> Path:
    """4 s of the fixture episode at 720x1280, nothing burned in."""
    path = tmp_path_factory.mktemp("plain") / "plain.mp4"
    ffmpeg(
        "-i",
        str(FIXTURES / "episode_zh" / "episode.mp4"),
        "-t",
        "4",
        "-vf",
        f"scale={WIDTH}:{HEIGHT}",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        str(path),
    )
    return path


def srt(path: Path, cues: list[tuple[int, int, str]]) -> Path:
    def stamp(ms: int) -> str:
        return f"00:00:{ms // 1000:02d},{ms % 1000:03d}"

    path.write_text(
        "\n".join(f"{n}\n{stamp(a)} --> {stamp(b)}\n{t}\n" for n, (a, b, t) in enumerate(cues, 1)), encoding="utf-8"
    )
    return path


def luma_at(path: Path, ms: int) -> np.ndarray:
    return next(f.luma for f in frames(path) if f.time >= ms)


def text_lines(luma: np.ndarray, top: int, bottom: int) -> list[tuple[int, int]]:
    """Absolute (top, bottom) rows of the text lines between ``top`` and ``bottom``."""
    mask = text_mask(luma[top:bottom])
    rows = np.flatnonzero((mask[:, 1:] & ~mask[:, :-1]).sum(axis=1) >= 3)
    if rows.size == 0:
        return []
    return [(top + a, top + b) for a, b in row_runs(rows, 4) if b - a >= 8]


def read_lines(luma: np.ndarray, top: int, bottom: int) -> str:
    """OCR of every text line between rows ``top`` and ``bottom``, joined by spaces."""
    texts = []
    for a, b in text_lines(luma, top, bottom):
        pad = (b - a) // 2
        text, _ = load_ocr().read_line(luma[max(0, a - pad) : b + pad])
        texts.append(text)
    return " ".join(texts)


def cer(read: str, truth: str) -> float:
    squash = lambda s: "".join(s.lower().split())  # noqa: E731
    return edit_distance(squash(read), squash(truth)) / max(1, len(squash(truth)))


def credit_rows(clip: Path) -> tuple[int, int]:
    """Rows of the credit line in the source (the lowest text line, on screen the whole time)."""
    return text_lines(luma_at(clip, 2300), int(0.8 * HEIGHT), HEIGHT)[0]


def test_target_lands_on_the_covered_band_and_never_on_the_credit(credit_clip, tmp_path):
    out = tmp_path / "en.mp4"
    result = CliRunner().invoke(
        cli, ["burn", str(credit_clip), str(srt(tmp_path / "en.srt", ENGLISH)), "-o", str(out), "--cover", "blur"]
    )
    assert result.exit_code == 0, result.output
    assert "source band" in result.output and "static text" not in result.output
    credit_top, credit_bottom = credit_rows(credit_clip)
    found = 0
    for start, end, text in ENGLISH:  # 3 frames per cue: 9 frames, as the review counted
        for ms in np.linspace(start + 150, end - 150, 3):
            luma = luma_at(out, int(ms))
            found += cer(read_lines(luma, int(0.6 * HEIGHT), credit_top - 2), text) <= 0.15
            # every text line is above the credit or is the credit itself (one drawn into it would merge with it)
            assert all(
                b <= credit_top or (a >= credit_top - 6 and b <= credit_bottom + 6)
                for a, b in text_lines(luma, int(0.6 * HEIGHT), HEIGHT)
            )
            credit, _ = load_ocr().read_line(luma[credit_top - 8 : credit_bottom + 8])
            assert cer(credit, CREDIT) <= 0.2  # the credit is untouched and readable
    assert found == 9
    # centred on the band: a one-line cue's centre is where the Chinese line's centre was
    [(zh_top, zh_bottom)] = text_lines(luma_at(credit_clip, 1000), int(0.6 * HEIGHT), credit_top - 2)
    [(en_top, en_bottom)] = text_lines(luma_at(out, 1000), int(0.6 * HEIGHT), credit_top - 2)
    assert abs((en_top + en_bottom) / 2 - (zh_top + zh_bottom) / 2) <= 8


def test_a_style_that_puts_the_text_on_the_credit_is_reported(credit_clip, tmp_path):
    credit_top, credit_bottom = credit_rows(credit_clip)
    margin = round((HEIGHT - credit_bottom + 4) * 1920 / HEIGHT)  # the bottom edge of the text inside the credit
    report = burn(
        credit_clip,
        Track(cues=[Cue(*ENGLISH[0][:2], "Hello there")], language="en"),
        tmp_path / "o.mp4",
        cover="blur",
        style=f"MarginV={margin}",
    )
    assert report.placement == "style" and report.overlapping == [1]
    assert any("could not be kept clear of static text" in note for note in report.notes)
    assert report.static_text and abs(report.static_text[0][1] - credit_top) <= 6


def test_long_chinese_line_from_a_subtitle_file_wraps_inside_the_frame(plain_clip, tmp_path):
    text = "林晚你终于回来了总裁在楼上等你" * 5
    out = tmp_path / "zh.mp4"
    report = burn(plain_clip, srt(tmp_path / "zh.srt", [(300, 3000, text)]), out, cover="none")
    assert report.language == "zh" and report.font == "Noto Sans CJK SC"  # detected: the SRT names no language
    luma = luma_at(out, 1500)
    lines = text_lines(luma, HEIGHT // 4, HEIGHT)
    assert len(lines) >= 5
    mask = text_mask(luma[lines[0][0] : lines[-1][1]])
    columns = np.flatnonzero(mask.sum(axis=0))
    assert columns[0] > 0.03 * WIDTH and columns[-1] < 0.97 * WIDTH  # inside both edges
    assert cer(read_lines(luma, HEIGHT // 4, HEIGHT), text) <= 0.1  # every character drawn, in order


def test_long_thai_line_wraps_inside_the_frame_in_the_thai_font(plain_clip, tmp_path):
    text = "สวัสดีครับวันนี้อากาศดีมากเลยนะครับผมจะไปตลาดกับแม่" * 3
    out = tmp_path / "th.mp4"
    report = burn(plain_clip, srt(tmp_path / "th.srt", [(300, 3000, text)]), out, cover="none")
    assert report.language == "th" and report.font == "Noto Sans Thai"
    luma = luma_at(out, 1500)
    lines = text_lines(luma, HEIGHT // 4, HEIGHT)
    assert len(lines) >= 3
    columns = np.flatnonzero(text_mask(luma[lines[0][0] : lines[-1][1]]).sum(axis=0))
    assert columns[0] > 0.03 * WIDTH and columns[-1] < 0.97 * WIDTH


def test_a_word_wider_than_the_frame_is_broken_inside_it(plain_clip, tmp_path):
    text = "Visit https://example.com/a/very/long/path/that/never/ends/at/all now"
    out = tmp_path / "url.mp4"
    burn(plain_clip, Track(cues=[Cue(300, 3000, text)], language="en"), out, cover="none", style="Fontsize=120")
    luma = luma_at(out, 1500)
    lines = text_lines(luma, HEIGHT // 4, HEIGHT)
    columns = np.flatnonzero(text_mask(luma[lines[0][0] : lines[-1][1]]).sum(axis=0))
    assert len(lines) >= 4 and columns[0] > 0.03 * WIDTH and columns[-1] < 0.97 * WIDTH


def bars_left_and_right(luma: np.ndarray) -> tuple[int, int]:
    """Tall thin glyphs (the bars of '!') in the left and right half of one line of text."""
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(text_mask(luma).astype(np.uint8))
    glyphs = [stats[i] for i in range(1, count) if stats[i, 4] > 20]
    left, right = min(g[0] for g in glyphs), max(g[0] + g[2] for g in glyphs)
    tallest = max(g[3] for g in glyphs)
    bars = [g[0] + g[2] / 2 for g in glyphs if g[3] >= 0.6 * tallest and g[2] <= 0.35 * g[3]]
    return sum(x < (left + right) / 2 for x in bars), sum(x >= (left + right) / 2 for x in bars)


@pytest.mark.parametrize("language", ["he", "en"])  # en: a Hebrew line quoted in an English track
def test_hebrew_punctuation_ends_the_line_on_the_left(plain_clip, tmp_path, language):
    out = tmp_path / "he.mp4"
    burn(plain_clip, Track(cues=[Cue(300, 3000, "שמש בכם!!!")], language=language), out, cover="none")
    luma = luma_at(out, 1500)
    top, bottom = text_lines(luma, HEIGHT // 2, HEIGHT)[-1]
    assert bars_left_and_right(luma[top - 4 : bottom + 4]) == (3, 0)  # right to left: the sentence ends on the left


@pytest.mark.parametrize(
    "style, message",
    [
        ("Fontsize=99999", "bad style Fontsize=99999: Fontsize must be a number from 16 to 240"),
        ("Fontsize=-5", "bad style Fontsize=-5: Fontsize must be a number from 16 to 240"),
        ("MarginV=99999", "bad style MarginV=99999: MarginV must be a number from 0 to 960"),
        ("Outline=thick", "bad style Outline=thick: Outline must be a number from 0 to 20"),
        ("PrimaryColour=red", "bad style PrimaryColour=red: an ASS colour"),
        ("MarginL=400,MarginR=400", "MarginL \\+ MarginR = 800 leaves too little width"),
    ],
)
def test_style_values_are_checked_before_work(plain_clip, tmp_path, style, message):
    result = CliRunner().invoke(
        cli,
        [
            "burn",
            str(plain_clip),
            str(srt(tmp_path / "en.srt", ENGLISH[:1])),
            "-o",
            str(tmp_path / "o.mp4"),
            "--style",
            style,
        ],
    )
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("Error: ") and __import__("re").search(message, result.output), result.output
    assert not (tmp_path / "o.mp4").exists()


def odd_clip(source: Path, target: Path) -> Path:
    """The first 2 s of ``source`` at 721x1281 (4:4:4, which an odd size allows)."""
    ffmpeg(
        *("-i", str(source), "-t", "2", "-vf", "scale=721:1281", "-c:v", "libx264", "-preset", "ultrafast"),
        *("-pix_fmt", "yuv444p", "-c:a", "aac", str(target)),
    )
    return target


def video_stream(path: Path) -> tuple[int, int, str]:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=width,height,pix_fmt", "-select_streams", "v"]
        + ["-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    stream = json.loads(probe.stdout)["streams"][0]
    return stream["width"], stream["height"], stream["pix_fmt"]


def test_odd_frame_size_burns(tmp_path):
    odd = odd_clip(FIXTURES / "episode_zh" / "episode.mp4", tmp_path / "odd.mp4")
    out = tmp_path / "o.mp4"
    report = burn(odd, Track(cues=[Cue(200, 1800, "Hello there")], language="en"), out, cover="none")
    assert any("odd frame size 721x1281" in note for note in report.notes)
    assert video_stream(out) == (722, 1282, "yuv420p")
    assert cer(read_lines(luma_at(out, 1000), HEIGHT // 2, 1281), "Hello there") <= 0.1


def test_odd_frame_size_is_inpainted(tmp_path):
    odd = odd_clip(FIXTURES / "episode_zh_hardsub" / "episode.mp4", tmp_path / "odd.mp4")
    out = tmp_path / "i.mp4"
    report = burn(odd, Track(cues=[Cue(1500, 1900, "Hi")], language="en"), out, cover="inpaint")
    assert report.cover == "inpaint" and video_stream(out) == (722, 1282, "yuv420p")
    left, top, right, bottom = report.cover_box
    before, after = (text_mask(luma_at(clip, 1000)[top:bottom, left:right]).mean() for clip in (odd, out))
    assert after < 0.25 * before  # the Chinese line is gone from the band


def test_dub_without_an_audio_stream_is_named(plain_clip, tmp_path):
    silent = tmp_path / "noaudio.mp4"
    ffmpeg("-i", str(plain_clip), "-an", "-c", "copy", str(silent))
    with pytest.raises(LocalizeError, match=f"^{silent}: has no audio stream to use as the dub$"):
        burn(plain_clip, Track(cues=[Cue(200, 1800, "Hi")], language="en"), tmp_path / "o.mp4", audio=silent)


def test_cue_after_the_end_is_reported_not_counted(plain_clip, tmp_path):
    track = Track(cues=[Cue(200, 1800, "Hi"), Cue(9000, 10000, "Too late")], language="en")
    result = CliRunner().invoke(
        cli,
        [
            "burn",
            str(plain_clip),
            str(srt(tmp_path / "en.srt", [(200, 1800, "Hi"), (9000, 10000, "Too late")])),
            "-o",
            str(tmp_path / "o.mp4"),
            "--cover",
            "none",
        ],
    )
    assert result.exit_code == 0 and "1 cues burned in" in result.output
    assert "1 cue(s) start after the video ends at 00:00:04.000 and are not burned in: 2" in result.output
    assert burn(plain_clip, track, tmp_path / "o2.mp4", cover="none").cues == 1
    late = Track(cues=[Cue(9000, 10000, "Too late")], language="en")
    with pytest.raises(
        LocalizeError, match="every cue starts after the video ends at 00:00:04.000 .the first at 00:00:09"
    ):
        burn(plain_clip, late, tmp_path / "o3.mp4", cover="none")
    assert not (tmp_path / "o3.mp4").exists()
