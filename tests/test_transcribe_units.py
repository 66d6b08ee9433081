"""Cue cutting, Chinese normalization, glossary restoration and timing helpers (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from localize.chinese import chinese_text
from localize.errors import LocalizeError
from localize.language import parse_language
from localize.model import Word
from localize.transcription import CueRules, words_to_cues
from localize.transcription.core import _snap, audio_windows, decode_options, echoes_hotwords, looks_looped
from localize.transcription.engines import _words
from localize.transcription.terms import restore_terms, sounds_like


def words(*spec: tuple[int, int, str]) -> list[Word]:
    return [Word(start, end, text) for start, end, text in spec]


def test_cues_break_at_sentence_end_and_at_pauses():
    cues = words_to_cues(
        words((0, 300, "Hello"), (320, 600, "there."), (650, 900, "Come"), (920, 1200, "here"), (1700, 2000, "now"))
    )
    assert [c.text for c in cues] == ["Hello there.", "Come here", "now"]
    assert [(c.start, c.end) for c in cues] == [(0, 600), (650, 1200), (1700, 2000)]
    assert [len(c.words) for c in cues] == [2, 2, 1]


def test_chinese_cues_join_without_spaces_and_respect_the_length_cap():
    chars = "我不想见陆景琛他是你的妻子明天我们回家"
    track = words(*[(i * 200, i * 200 + 180, c) for i, c in enumerate(chars)])
    cues = words_to_cues(track, CueRules.for_language("zh"))
    assert "".join(c.text for c in cues) == chars
    assert all(len(c.text) <= 16 for c in cues) and len(cues) == 2


def test_long_cue_splits_at_the_comma_not_mid_clause():
    spec = [
        (0, "He"),
        (1, "is"),
        (2, "not"),
        (3, "a"),
        (4, "live-in"),
        (5, "son-in-law,"),
        (6, "he"),
        (7, "is"),
        (8, "the"),
        (9, "God"),
        (10, "of"),
        (11, "War."),
    ]
    cues = words_to_cues(words(*[(i * 700, i * 700 + 650, t) for i, t in spec]))  # 8.4 s: over the 7 s cap
    assert [c.text for c in cues] == ["He is not a live-in son-in-law,", "he is the God of War."]


def test_glued_pieces_join_the_word_before():
    merged = _words(
        [(0.0, 0.3, " son", 0.9), (0.3, 0.4, "-in", 0.8), (0.4, 0.6, "-law,", 0.95), (0.7, 0.9, " he", 0.9)]
    )
    assert [(w.text, w.start, w.end) for w in merged] == [("son-in-law,", 0, 600), ("he", 700, 900)]
    assert merged[0].probability == 0.8
    chinese = _words([(0.0, 0.2, "林", 0.9), (0.2, 0.4, "晚,", 0.9)])
    assert [w.text for w in chinese] == ["林", "晚,"]


def test_chinese_text_is_simplified_with_full_width_punctuation():
    assert chinese_text("臨完,你終於回來了? ok, fine") == "临完，你终于回来了？ ok, fine"
    assert chinese_text("我们回家", "traditional") == "我們回家"


def test_glossary_names_are_restored_by_sound_only():
    heard = words((0, 300, "临"), (300, 600, "完，"), (700, 900, "我"), (900, 1100, "不想见"), (1100, 1500, "路天真"))
    fixed = restore_terms(heard, ["林晚", "陆景琛", "Lin Wan"])
    assert "".join(w.text for w in fixed) == "林晚，我不想见路天真"  # lu tian zhen is too far from lu jing chen
    assert [(w.start, w.end) for w in fixed] == [(w.start, w.end) for w in heard]
    assert sounds_like(["lin", "wan"], ["lin", "wan"]) and not sounds_like(
        ["lu", "tian", "zhen"], ["lu", "jing", "chen"]
    )


def test_word_edges_in_silence_snap_to_the_voice():
    regions = [(700, 1300), (1560, 2600)]
    assert _snap(Word(300, 900, "Lin"), regions) == Word(700, 900, "Lin")
    assert _snap(Word(1200, 1500, "Wan,"), regions) == Word(1200, 1300, "Wan,")
    assert _snap(Word(800, 1000, "in"), regions) == Word(800, 1000, "in")


def test_language_options():
    assert parse_language("auto") == (None, ("zh", "en"))
    assert parse_language("ZH") == ("zh", ("zh",))
    assert parse_language("zh,en,ja") == (None, ("zh", "en", "ja"))
    for bad in ("zh;en", "klingon", "zh-tw"):
        with pytest.raises(LocalizeError, match="bad language"):
            parse_language(bad)
    assert decode_options("en", ["林晚", "Lin Wan", "Lu Jingchen"], True).hotwords == "Lin Wan, Lu Jingchen"
    assert decode_options("zh", ["林晚", "Lin Wan", "陆景琛"], True).hotwords is None  # restored by sound instead


def test_decoder_loops_are_recognized():
    assert looks_looped("林晚 陆景琛琛琛琛琛琛") and looks_looped(
        "林晚，陆景琛。林晚，陆景琛。林晚，陆景琛。林晚，陆景琛。"
    )
    assert not looks_looped("林晚，你终于回来了。哈哈，明天我们回家。") and not looks_looped("one two three")


def test_output_made_of_hotwords_is_distrusted():
    """Seen on some CPUs: a whole Mandarin episode decoded as its two glossary names."""
    assert echoes_hotwords("林晚，\n陆景琛琛陆\n景琛", "林晚，陆景琛")
    assert echoes_hotwords("Lin Wan. Lu Jingchen, Lin Wan.", "Lin Wan, Lu Jingchen")
    assert not echoes_hotwords("林晚，你终于回来了。陆景琛在楼上。", "林晚，陆景琛")
    assert not echoes_hotwords("Lin Wan, you are finally back.", "Lin Wan, Lu Jingchen")
    assert not echoes_hotwords("林晚", "林晚")  # too short to judge


def test_long_audio_is_cut_into_windows_at_quiet_points(tmp_path):
    import soundfile

    rate = 16_000
    tone = 0.3 * np.sin(np.arange(rate * 35) * 2 * np.pi * 220 / rate).astype(np.float32)
    tone[rate * 17 : rate * 17 + rate // 5] = 0  # a 200 ms gap at 17 s
    path = tmp_path / "tone.wav"
    soundfile.write(path, tone, rate)
    windows = list(audio_windows(path, seconds=20))
    assert [offset for offset, _ in windows][0] == 0 and len(windows) == 2
    cut = windows[1][0]
    assert 17_000 <= cut <= 17_200
    assert sum(len(a) for _, a in windows) == len(tone)
