"""Suspect translations flagged without a model (localize.review.suspect)."""

from __future__ import annotations

from edits_support import delivered_episode
from localize.model import Cue, Track
from localize.review import load_edits, save_edits
from localize.review.context import episode_context
from localize.review.suspect import suspect_flags
from localize.translation.glossary import Glossary, Term

CLEAN = [
    ("林晚，你终于回来了。", "Lin Wan, you're finally back."),
    ("总裁在楼上等你。", "The CEO is waiting for you upstairs."),
    ("我不想见陆景琛。", "I don't want to see Lu Jingchen."),
    ("少爷，她是你的妻子。", "Young master, she is your wife."),
    ("他不是赘婿，他是战神。", "He is not a son-in-law, he is a god of war."),
    ("明天我们回家。", "Tomorrow we go home."),
]


def track(pairs: list[tuple[str, str]], language: str = "en") -> Track:
    return Track(
        [Cue(2000 * n, 2000 * n + 1800, text, source=source) for n, (source, text) in enumerate(pairs)],
        language=language,
    )


def flags_of(pairs: list[tuple[str, str]], **kwargs) -> dict[int, list[str]]:
    return suspect_flags(track(pairs), **kwargs)


def test_a_clean_track_has_no_flags():
    assert flags_of(CLEAN) == {}


def test_two_source_lines_given_the_same_translation_are_both_flagged():
    """The demo: the tiny model turns 把Joy-Con给我。 into a second "Tomorrow we go home."."""
    flags = flags_of([*CLEAN, ("把Joy-Con给我。", "Tomorrow we go home.")])
    assert "suspect: same translation as cue 7 for a different line" in flags[6]
    assert "suspect: same translation as cue 6 for a different line" in flags[7]
    assert "suspect: name 'Joy-Con' is in the source only" in flags[7]
    assert set(flags) == {6, 7}


def test_the_same_line_said_twice_may_have_the_same_translation():
    assert flags_of([*CLEAN, ("明天我们回家。", "Tomorrow we go home!")]) == {}


def test_a_copied_source_and_kept_source_script_are_flagged():
    flags = flags_of(
        [*CLEAN[:4], ("明天我们回家。", "明天我们回家。"), ("总裁在楼上等你。", "The 总裁 is waiting upstairs.")]
    )
    assert "suspect: the target copies the source" in flags[5]
    assert flags[6] == ["suspect: keeps source-script characters (总裁)"]


def test_source_script_is_fine_in_a_target_that_writes_it():
    japanese = Track([Cue(0, 1800, "総裁が二階で待っています。", source="总裁在楼上等你。")], language="ja")
    assert suspect_flags(japanese) == {}


def test_a_length_ratio_far_from_the_tracks_usual_one_is_flagged():
    flags = flags_of(
        [
            *CLEAN[:5],
            (
                "明天我们回家。",
                "Tomorrow, after all of this is over and done with, we finally go back home together to our family.",
            ),
        ]
    )
    assert list(flags) == [6] and flags[6][0].startswith("suspect: length ratio ")


def test_numbers_on_one_side_only_are_flagged():
    flags = flags_of(
        [
            ("我等了你3年。", "I waited for you for years."),
            ("给我五分钟。", "Give me 5 minutes."),
            ("她今年２５岁。", "She is 25 this year."),
            ("房间888。", "Room 889."),
        ]
    )
    assert flags == {
        1: ["suspect: number 3 is in the source only"],
        4: ["suspect: number 888 is in the source only", "suspect: number 889 is in the target only"],
    }


def test_llm_refusals_and_commentary_are_flagged():
    flags = flags_of(
        [
            ("总裁在楼上等你。", "As an AI language model, I cannot translate this."),
            ("明天我们回家。", "Here is the translation: Tomorrow we go home."),
            ("我不想见陆景琛。", "I don't want to see Lu Jingchen. (Note: Lu is a surname.)"),
        ]
    )
    assert [f for fs in flags.values() for f in fs if "LLM commentary" in f] == [
        "suspect: looks like LLM commentary ('As an AI')",
        "suspect: looks like LLM commentary ('Here is the translation')",
        "suspect: looks like LLM commentary ('(Note:')",
    ]


def test_glossary_terms_on_one_side_only_are_flagged():
    glossary = Glossary([Term("总裁", "CEO"), Term("林晚", "Lin Wan")])
    flags = flags_of(
        [
            ("总裁在楼上等你。", "The boss is waiting for you upstairs."),
            ("我不想见你。", "Lin Wan doesn't want to see you."),
            ("林晚，你终于回来了。", "Lin Wan, you're finally back."),
        ],
        glossary=glossary,
    )
    assert flags == {
        1: ["suspect: glossary term '总裁' is in the source but 'CEO' not in the target"],
        2: ["suspect: glossary rendering 'Lin Wan' is in the target, '林晚' not in the source"],
    }


def test_suspect_flags_reach_the_xliff_notes_and_keep_saved_flags(tmp_path):
    episode = delivered_episode(tmp_path)
    layer = load_edits(episode, "en-US")
    layer.cue("3").text = layer.cue("1").machine  # cue 3 now says what cue 1 says
    layer.cue("2").flags.append("qc: reading speed 24 cps")
    save_edits(layer, episode)
    units = episode_context(episode, "en-US").units
    assert "flag: suspect: same translation as cue 3 for a different line" in units["1"].notes
    assert "flag: suspect: same translation as cue 1 for a different line" in units["3"].notes
    assert "flag: qc: reading speed 24 cps" in units["2"].notes


def test_the_edit_layer_keeps_its_suspect_flags_current(tmp_path):
    episode = delivered_episode(tmp_path)
    layer = load_edits(episode, "en-US")
    layer.cue("3").text = layer.cue("1").machine
    layer.cue("3").flags.append("qc: too fast")
    saved = save_edits(layer, episode)
    assert saved.cue("1").flags == ["suspect: same translation as cue 3 for a different line"]
    assert saved.cue("3").flags == ["qc: too fast", "suspect: same translation as cue 1 for a different line"]
    saved.cue("3").text = "We go home tomorrow."
    fixed = save_edits(saved, episode)
    assert [c.flags for c in fixed.cues] == [[], [], ["qc: too fast"]]
    assert [c.flags for c in load_edits(episode, "en-US").cues] == [[], [], ["qc: too fast"]]


def test_the_demos_merged_last_cue_saying_one_line_twice_is_flagged():
    """Timing merged 明天我们回家。 and 把Joy-Con给我。 into one cue that says "Tomorrow we go home." twice."""
    merged = [*CLEAN[:5], ("明天我们回家。\n把Joy-Con给我。", "Tomorrow we go home.\nTomorrow we go home.")]
    assert flags_of(merged) == {
        6: [
            "suspect: one translation for two different lines in this cue",
            "suspect: name 'Joy-Con' is in the source only",
        ]
    }

    joined = [*CLEAN[:5], ("明天我们回家。把Joy-Con给我。", "Tomorrow we go home.\nTomorrow we go home.")]
    assert flags_of(joined) == flags_of(merged)  # the timing joins Chinese lines without a break
    wrapped = [*CLEAN[:5], ("明天我们回家。", "Tomorrow we\ngo home.")]  # one sentence on two lines: no pairing
    assert flags_of(wrapped) == {}


def test_a_sentence_split_over_two_cues_is_checked_as_one():
    glossary = Glossary(
        [
            Term("赘婿", "live-in son-in-law"),
            Term("上门女婿", "live-in son-in-law"),
            Term("战神", "God of War"),
            Term("少爷", "Young Master"),
            Term("师父", "Master"),
        ]
    )
    split = [
        ("少爷，她是你的妻子。", "Young master, she is your wife."),
        ("他不是赘婿，他是战神。", "He is not a\nlive-in son-in-law,"),
        ("他不是赘婿，他是战神。", "he is the God of War."),
    ]
    assert flags_of(split, glossary=glossary) == {}
    wrong = [split[0], (split[1][0], "He is not a son-in-law,"), split[2]]
    assert flags_of(wrong, glossary=glossary) == {
        2: ["suspect: glossary term '赘婿' is in the source but 'live-in son-in-law' not in the target"],
        3: ["suspect: glossary term '赘婿' is in the source but 'live-in son-in-law' not in the target"],
    }
