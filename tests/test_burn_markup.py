"""Inline markup: one model (``<i>``, ``<b>``, ``<u>``, ``<font color>``; everything else literal) read
from and written to every format, and burned as styling, never as commands. The burn checks
look at real libass output with RapidOCR.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from localize import burn
from localize.formats import dumps, load, loads, save
from localize.formats.markup import compose, plain, runs, whole_look
from localize.imaging import text_mask
from localize.model import Cue, Track
from localize.timing import load_profile, retime
from localize.timing.linebreak import break_lines, fits, text_length
from localize.translation import translate
from test_burn_layout import HEIGHT, cer, luma_at, plain_clip, read_lines, text_lines  # noqa: F401 - fixture
from test_translate import argos  # noqa: F401 - fixture

pytest.importorskip("rapidocr", reason="rapidocr is not installed (pip install rapidocr==3.10.0)")

REVIEW_SRT = (
    "1\n00:00:00,400 --> 00:00:03,000\n{\\p1}m 0 0 l 1000 0 1000 1000 0 1000{\\p0}\n\n"
    "2\n00:00:04,600 --> 00:00:07,000\n<i>Lin Wan</i> &amp; {\\fs300}me\n"
)
MARKED = '<i>Lin Wan</i> & {\\fs300}me\n<font color="#FF0000">C:\\new\\folder</font> a<b <b>bold</b>'


def test_srt_tags_and_entities_become_the_markup(tmp_path):
    (tmp_path / "t.srt").write_text(
        REVIEW_SRT.replace("&amp;", "&amp; <FONT COLOR=red>x</font> <font face=Arial>y</font>"), encoding="utf-8"
    )
    first, second = load(tmp_path / "t.srt").cues
    assert first.text == "{\\p1}m 0 0 l 1000 0 1000 1000 0 1000{\\p0}"  # literal text, not a drawing
    assert second.text == '<i>Lin Wan</i> & <font color="#FF0000">x</font> y {\\fs300}me'


def test_srt_escapes_only_what_would_be_read_as_an_entity():
    text = "Tom & Jerry wrote &amp; and &lt;3 literally"
    written = dumps(Track(cues=[Cue(1000, 2000, text)], language="en"), "srt")
    assert "Tom & Jerry wrote &amp;amp; and &amp;lt;3 literally" in written
    assert loads(written, "srt").cues[0].text == text


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ttml", "ass", "json"])
def test_markup_and_literal_text_round_trip_every_format(fmt):
    track = Track(cues=[Cue(1000, 2000, MARKED)], language="en")
    assert loads(dumps(track, fmt), fmt).cues[0].text == MARKED


@pytest.mark.parametrize("fmt", ["vtt", "ttml"])
def test_a_tag_over_both_lines_of_a_dialogue_event_styles_both(fmt):
    cue = Cue(1000, 2000, "<i>-Who is it?\n-It is me.</i>", speaker="A", line_speakers=["A", "B"])
    read = loads(dumps(Track(cues=[cue], language="en"), fmt), fmt).cues[0]
    assert read.line_speakers == ["A", "B"] and plain(read.text) == plain(cue.text)
    assert whole_look(read.text).italic


def test_each_format_writes_markup_in_its_own_syntax():
    track = Track(cues=[Cue(1000, 2000, MARKED)], language="en")
    ttml, vtt, ass = dumps(track, "ttml"), dumps(track, "vtt"), dumps(track, "ass")
    assert '<span tts:fontStyle="italic">Lin Wan</span> &amp; {\\fs300}me' in ttml and "&lt;i&gt;" not in ttml
    assert (
        '<span tts:color="#FF0000">C:\\new\\folder</span>' in ttml and '<span tts:fontWeight="bold">bold</span>' in ttml
    )
    assert "<i>Lin Wan</i> &amp; {\\fs300}me" in vtt and "&amp;amp;" not in vtt and "<c.red>C:\\new\\folder</c>" in vtt
    event = ass.splitlines()[-1]
    assert "{\\r\\i1}Lin Wan{\\r} & \\{\\fs300\\}me\\N" in event  # the braces escaped: shown, not executed
    assert "C:\\\u2060new\\folder" in event  # a word joiner keeps "\n" from being a line break


def test_ass_overrides_other_than_styling_are_dropped_when_read():
    text = (
        "[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\nFormat: Name, Fontname, Fontsize\n"
        "Style: Default,Arial,20\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, "
        "MarginV, Effect, Text\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,"
        "{\\an8\\fs300\\i1}Hi{\\i0} {\\p1}m 0 0 l 10 10{\\p0}there{\\c&H0000FF&}red\\Nnext\n"
    )
    assert loads(text, "ass").cues[0].text == '<i>Hi</i> there<font color="#FF0000">red\nnext</font>'


def test_ttml_styles_are_read_as_markup():
    doc = (
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"><head><styling>'
        '<style xml:id="it" tts:fontStyle="italic"/></styling></head><body><div>'
        '<p begin="1s" end="2s"><span style="it">off</span> screen <span tts:fontWeight="bold">now</span></p>'
        "</div></body></tt>"
    )
    assert loads(doc, "ttml").cues[0].text == "<i>off</i> screen <b>now</b>"


def test_ttml_italics_of_a_div_are_inherited_but_the_body_colour_is_no_markup():
    doc = (
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"><head><styling>'
        '<style xml:id="it" tts:fontStyle="italic"/><style xml:id="s1" tts:color="#FFFFFF"/></styling></head>'
        '<body style="s1"><div style="it"><p begin="1s" end="2s">off <span tts:fontStyle="normal">screen</span></p>'
        '</div><div><p begin="3s" end="4s">plain</p></div></body></tt>'
    )
    assert [cue.text for cue in loads(doc, "ttml").cues] == ["<i>off </i>screen", "plain"]


def rgb_at(path: Path, ms: int) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        return next(f.to_ndarray(format="rgb24") for f in container.decode(video=0) if f.time * 1000 >= ms)


def slant(luma: np.ndarray, top: int, bottom: int) -> float:
    """How far right the text's top third sits from its bottom third (px): italics lean right."""
    mask = text_mask(luma[top:bottom])
    third = (bottom - top) // 3
    centre = lambda rows: np.flatnonzero(rows.sum(axis=0)).mean()  # noqa: E731
    return centre(mask[:third]) - centre(mask[-third:])


def test_markup_is_burned_as_styling_and_text_never_as_commands(plain_clip, tmp_path):
    subs = tmp_path / "tags.srt"
    subs.write_text(
        '1\n00:00:00,200 --> 00:00:00,900\n<font color="#00FF00">{\\p1}m 0 0 l 1000 0 1000 1000 0 1000{\\p0}</font>\n\n'
        "2\n00:00:01,000 --> 00:00:01,600\n<i>Lin Wan</i> &amp; {\\fs300}me\n\n"
        "3\n00:00:01,700 --> 00:00:02,300\nC:\\new\\folder\n\n"
        "4\n00:00:02,400 --> 00:00:02,900\n{\\an8}Top\n\n"
        "5\n00:00:03,000 --> 00:00:03,400\n<i>Hello Hello</i>\n\n"
        "6\n00:00:03,500 --> 00:00:03,900\nHello Hello\n",
        encoding="utf-8",
    )
    out = tmp_path / "tags.mp4"
    assert burn(plain_clip, subs, out, cover="none").cues == 6
    changed = np.abs(luma_at(out, 550).astype(int) - luma_at(plain_clip, 550).astype(int)) > 40
    assert changed.mean() < 0.05  # no vector drawing filling the picture
    band = int(0.6 * HEIGHT)
    luma = luma_at(out, 1300)
    lines = text_lines(luma, band, HEIGHT)
    assert len(lines) == 1 and lines[0][1] - lines[0][0] < 60  # no 300-px "me"
    assert cer(read_lines(luma, band, HEIGHT), "Lin Wan & {\\fs300}me") <= 0.25  # "&", not "&amp;" or "<i>"
    luma = luma_at(out, 2000)
    assert len(text_lines(luma, band, HEIGHT)) == 1  # "\n" of "C:\new" is no line break
    assert cer(read_lines(luma, band, HEIGHT), "C:\\new\\folder") <= 0.25
    luma = luma_at(out, 2650)
    assert not text_lines(luma[: HEIGHT // 2], 0, HEIGHT // 2) or "Top" not in read_lines(luma, 0, HEIGHT // 2)
    assert "Top" in read_lines(luma, band, HEIGHT)  # {\an8} shown as text where subtitles go
    italic, upright = luma_at(out, 3200), luma_at(out, 3700)
    [(a, b)], [(c, d)] = text_lines(italic, band, HEIGHT), text_lines(upright, band, HEIGHT)
    assert slant(italic, a, b) - slant(upright, c, d) >= 3  # <i> is drawn in italics
    red, green, blue = (rgb_at(out, 550)[band:].astype(int)[..., channel] for channel in range(3))
    assert ((green > 180) & (red < 90) & (blue < 90)).sum() > 150  # <font color="#00FF00"> is drawn green


def test_save_writes_the_markup_for_a_player(tmp_path):
    track = Track(cues=[Cue(1000, 2000, "<i>Lin Wan</i> & me")], language="en")
    save(track, tmp_path / "t.ttml")
    assert "&lt;i&gt;" not in Path(tmp_path / "t.ttml").read_text(encoding="utf-8")


def test_line_breaking_counts_only_what_shows_and_keeps_the_markup():
    profile = load_profile("en")
    text = '<font color="#FF0000">Hello there my friend, how are you</font> doing today, I wonder'
    assert fits(text, profile)  # 59 characters show: two lines of 42 hold them (the tag takes no room)
    broken = break_lines(text, profile)
    assert compose(runs(broken)) == broken and '<font color="#FF0000">Hello' in broken  # no break inside a tag
    assert plain(broken).replace("\n", " ") == plain(text)
    assert all(text_length(line) <= profile.chars_per_line for line in broken.split("\n"))
    chinese = "<i>" + "林晚你终于回来了总裁在楼上等你" * 2 + "</i>"
    broken = break_lines(chinese, load_profile("zh"))
    assert "\n" in broken and broken.startswith("<i>") and broken.endswith("</i>") and whole_look(broken).italic


def test_retime_keeps_every_piece_of_an_italic_cue_italic():
    text = (
        "<i>I never wanted any of this to happen to us. You know that better than anyone here tonight. "
        "So please, just listen to me for once, and then go home.</i>"
    )
    out = retime(Track([Cue(0, 9000, text)], language="en"), "en")
    assert len(out.cues) >= 2
    for cue in out.cues:
        assert whole_look(cue.text).italic and compose(runs(cue.text)) == cue.text, cue.text
    assert " ".join(plain(cue.text).replace("\n", " ") for cue in out.cues) == plain(text)


def test_translation_sees_plain_text_and_keeps_whole_cue_styling(argos):
    lines = ["林晚，你终于回来了。", "总裁在楼上等你。", "我不想见他。"]
    marked = ["<i>林晚，你终于回来了。</i>", '<font color="#FF0000">总裁</font>在楼上等你。', "<b>我不想见他。"]
    timed = lambda texts: Track([Cue(i * 3000, i * 3000 + 2000, t) for i, t in enumerate(texts)], language="zh")  # noqa: E731
    bare, styled = translate(timed(lines), "en", cache=False), translate(timed(marked), "en", cache=False)
    first, second, third = (cue.text for cue in styled.cues)
    assert first == f"<i>{bare.cues[0].text}</i>" and third == f"<b>{bare.cues[2].text}</b>"
    assert second == bare.cues[1].text  # styling of part of a line has no place in the translation
    assert [cue.source for cue in styled.cues] == marked
