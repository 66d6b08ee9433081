from fractions import Fraction

import pytest

from localize.errors import LocalizeError
from localize.model import Cue, Track, Word, frame_rate, frames_to_ms, join_lines, ms_to_frames, snap_to_frame


@pytest.mark.parametrize(
    "fps, frames, ms",
    [("23.976", 24, 1001), ("24", 24, 1000), ("25", 25, 1000), ("29.97", 30, 1001), ("30", 45, 1500), ("60", 3, 50)],
)
def test_frames_and_ms_round_trip(fps, frames, ms):
    rate = frame_rate(fps)
    assert frames_to_ms(frames, rate) == ms
    assert ms_to_frames(ms, rate) == frames


def test_frame_rate_parsing_is_exact():
    assert frame_rate(29.97) == Fraction(30000, 1001)
    assert frame_rate("30000/1001") == Fraction(30000, 1001)
    assert frame_rate(25) == 25
    with pytest.raises(LocalizeError):
        frame_rate(-1)


def test_snap_to_frame_at_30fps():
    assert snap_to_frame(1010) == 1000
    assert snap_to_frame(1020) == 1033


def test_cue_validation_names_the_cue():
    track = Track([Cue(0, 1000, "a"), Cue(2000, 1500, "b")])
    with pytest.raises(LocalizeError, match="cue 2"):
        track.validate()
    with pytest.raises(LocalizeError, match="negative"):
        Track([Cue(-5, 100, "a")]).validate()


def test_overlap_is_rejected_only_when_asked():
    track = Track([Cue(0, 1000, "a"), Cue(900, 1500, "b")])
    assert track.validate() is track
    with pytest.raises(LocalizeError, match="cue 2: starts at 00:00:00.900"):
        track.validate(allow_overlap=False)


def test_cue_dict_round_trip_keeps_words_source_and_flags():
    cue = Cue(100, 900, "Hello\nthere", source="你好", speaker="A", words=[Word(100, 400, "Hello", 0.9)], flags=["cps"])
    assert Cue.from_dict(cue.to_dict()) == cue


def test_replace_never_mutates_the_original():
    track = Track([Cue(0, 1000, "a")], language="en")
    changed = track.replace(language="zh")
    changed.cues[0].text = "b"
    assert (track.language, track.cues[0].text) == ("en", "a")


def test_join_lines_joins_cjk_without_spaces():
    assert join_lines(["林晚，你终于", "回来了。"]) == "林晚，你终于回来了。"
    assert join_lines(["Lin Wan, you are", "finally back."]) == "Lin Wan, you are finally back."


@pytest.mark.parametrize("bad", ["abc", "1/0", "0/1", "-30", "inf", "nan"])
def test_bad_frame_rates_are_one_line_errors(bad):
    with pytest.raises(LocalizeError):
        frame_rate(bad)
