"""Glossaries without a model: loading (CSV/TSV/TBX), validation, layering, enforcement
primitives, name suggestion, and the ``glossary`` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from localize.cli import cli
from localize.errors import LocalizeError
from localize.formats import load
from localize.model import Cue, Track
from localize.translation import Glossary, Term, load_glossaries, load_glossary
from localize.translation.enforce import protect, repair, restore, verify
from localize.translation.sentences import group_sentences, split_sentences, spread
from localize.translation.suggest import romanize_name, suggest

ROOT = Path(__file__).resolve().parents[1]
HOUSE = ROOT / "glossaries" / "zh_en_microdrama.csv"
NAMES = ROOT / "glossaries" / "examples" / "title_names.csv"
ES_419 = ROOT / "glossaries" / "markets" / "es-419.csv"
REFERENCE_ZH = ROOT / "fixtures" / "episode_zh" / "reference.srt"
FIXTURE_LINES = [
    "林晚，你终于回来了。",
    "总裁在楼上等你。",
    "我不想见陆景琛。",
    "少爷，她是你的妻子。",
    "他不是赘婿，他是战神。",
    "明天我们回家。",
]

TBX = """<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="zh" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader><fileDesc><sourceDesc><p>test</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="c1">
      <langSec xml:lang="zh"><termSec><term>战神</term></termSec></langSec>
      <langSec xml:lang="en">
        <termSec><term>God of War</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termSec>
        <termSec><term>war god</term><termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></termSec>
      </langSec>
    </conceptEntry>
  </body></text>
</tbx>
"""
TBX_BASIC_V2 = """<?xml version="1.0"?>
<martif type="TBX-Basic" xml:lang="zh">
  <text><body>
    <termEntry id="t1">
      <langSet xml:lang="zh"><tig><term>赘婿</term></tig></langSet>
      <langSet xml:lang="en"><tig><term>live-in son-in-law</term></tig></langSet>
      <langSet xml:lang="es"><tig><term>yerno mantenido</term></tig></langSet>
    </termEntry>
  </body></text>
</martif>
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- loading and validation -------------------------------------------------------------


def test_shipped_glossaries_load_with_the_documented_terms():
    house = load_glossary(HOUSE)
    targets = {t.source: t.target for t in house.terms}
    assert 50 <= len(house) <= 100
    assert targets["总裁"] == "CEO" and targets["战神"] == "God of War" and targets["赘婿"] == "live-in son-in-law"
    assert targets["少爷"] == "Young Master" and targets["王妃"] == "Princess Consort"
    vip = next(t for t in house.terms if t.source == "VIP")
    assert vip.dnt and vip.rendering == "VIP"
    names = {t.source: t.target for t in load_glossary(NAMES).terms}
    assert names["林晚"] == "Lin Wan" and names["陆景琛"] == "Lu Jingchen"


def test_tsv_and_columns(tmp_path):
    path = write(tmp_path, "g.tsv", "source\ttarget\tcase\tvariants\n# comment\nHero\tHéroe\tinsensitive\theroe|hero\n")
    (term,) = load_glossary(path).terms
    assert (term.source, term.target, term.case_sensitive, term.variants) == ("Hero", "Héroe", False, ("heroe", "hero"))
    assert term.origin.endswith("g.tsv:3")


@pytest.mark.parametrize(
    "text, where, words",
    [
        ("source,target\n林晚,\n", ":2:", "no target"),
        ("source,target,colour\n林晚,Lin Wan,red\n", ":1:", "unknown column"),
        ("source,target,dnt\n林晚,Lin Wan,maybe\n", ":2:", "dnt must be yes or no"),
        ("source,target,language\n林晚,Lin Wan,xx\n", ":2:", "unknown language code"),
        ("source,target\n\n# note\n林晚,Lin Wan\n,Nobody\n", ":5:", "empty source"),
        ("source,target\n林晚,Lin Wan,extra\n", ":2:", "3 fields"),
    ],
)
def test_bad_glossary_lines_name_file_and_line(tmp_path, text, where, words):
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(LocalizeError) as error:
        load_glossary(path)
    assert f"bad.csv{where}" in str(error.value) and words in str(error.value)


def test_tbx_basic_both_dialect_versions(tmp_path):
    (term,) = load_glossary(write(tmp_path, "g.tbx", TBX)).terms
    assert (term.source, term.target, term.language, term.variants) == ("战神", "God of War", "en", ("war god",))
    terms = load_glossary(write(tmp_path, "v2.tbx", TBX_BASIC_V2)).terms
    assert [(t.target, t.language) for t in terms] == [("live-in son-in-law", "en"), ("yerno mantenido", "es")]
    with pytest.raises(LocalizeError, match=r"broken\.tbx:3"):
        load_glossary(write(tmp_path, "broken.tbx", "<tbx>\n<text>\n<body></text>\n"))


def test_layering_later_wins_and_market_rows_beat_language_rows(tmp_path):
    house = write(tmp_path, "house.csv", "source,target\n总裁,CEO\n战神,God of War\n")
    title = write(tmp_path, "title.csv", "source,target,language\n总裁,President Lu,en\n")
    layered = load_glossaries([house, title]).for_target("en")
    assert {t.source: t.target for t in layered.terms} == {"总裁": "President Lu", "战神": "God of War"}
    spanish = load_glossaries([HOUSE, ES_419], market="es-419").for_target("es", "es-419")
    neutral = load_glossaries([HOUSE, ES_419]).for_target("es")
    assert {t.source: t.target for t in spanish.terms}["总裁"] == "CEO"
    assert {t.source: t.target for t in neutral.terms}["总裁"] == "presidente ejecutivo"
    assert "战神" not in {t.source for t in load_glossaries([HOUSE]).for_target("es").terms}


# --- enforcement primitives -------------------------------------------------------------


def glossary() -> Glossary:
    return load_glossaries([HOUSE, NAMES]).for_target("en")


def test_protect_longest_match_first_and_restore():
    g = glossary()
    protected = protect("老夫人和夫人在等大小姐。", g)
    assert protected.text == "ZZ0和ZZ1在等ZZ2。"
    assert [t.source for t in protected.terms] == ["老夫人", "夫人", "大小姐"]
    restored = restore("ZZ0 and ZZ1 are waiting for the ZZ2.", protected)
    assert restored == "Old Madam and Madam are waiting for the Eldest Miss."
    assert restore("ZZ 0 waits. ZZ7", protect("夫人", g)) == "Madam waits."
    chinese = Glossary([Term("Lin Wan", "林晚")])
    assert restore("我想见 ZZ0 。", protect("I want to see Lin Wan.", chinese), unspaced=True) == "我想见林晚。"
    swapped = restore("He is not a ZZ1, he is the ZZ1.", protect("他不是赘婿，他是战神。", g))
    assert swapped == "He is not a live-in son-in-law, he is the God of War."


def test_english_terms_need_word_boundaries_and_case():
    g = Glossary([Term("God of War", "Dios de la Guerra"), Term("hero", "héroe", case_sensitive=False)])
    assert [m[2].source for m in g.find("The God of War is a Hero, not a superhero.")] == ["God of War", "hero"]
    assert g.find("the god of war") == []


def test_verify_counts_occurrences_and_repair_fixes_variants_and_case():
    g = glossary()
    source = "他不是赘婿，他是战神。"
    wrong = "He is not a son-in-law, he is the war god."
    assert {v.term.source for v in verify(source, wrong, g)} == {"赘婿", "战神"}
    fixed = repair(wrong, verify(source, wrong, g), g)
    assert fixed == "He is not a live-in son-in-law, he is the God of War."
    assert verify(source, fixed, g) == []
    assert (
        repair("Madam is here. madam!", verify("夫人，夫人！", "Madam is here. madam!", g), g)
        == "Madam is here. Madam!"
    )
    assert verify("林晚，林晚！", "Lin Wan, wait!", g)[0].found == 1


# --- sentences ----------------------------------------------------------------------------


def test_sentences_merge_across_cues_and_spread_back_by_time():
    cues = [Cue(0, 1000, "林晚，你"), Cue(1000, 3000, "终于回来了。"), Cue(3500, 4000, "好。")]
    groups = group_sentences(cues)
    assert [(g.cues, g.text) for g in groups] == [([0, 1], "林晚，你终于回来了。"), ([2], "好。")]
    parts = spread("Lin Wan, you are finally back home tonight.", cues[:2], False, ["Lin Wan"])
    assert parts == ["Lin Wan,", "you are finally back home tonight."]
    assert (
        spread("Lin Wan you are finally back", [Cue(0, 100, ""), Cue(100, 3000, "")], False, ["Lin Wan"])[0]
        == "Lin Wan"
    )
    chinese = spread("林晚，你终于回来了。", [Cue(0, 1000, ""), Cue(1000, 2000, "")], True)
    assert chinese == ["林晚，你终", "于回来了。"] or chinese == ["林晚，", "你终于回来了。"]
    assert "".join(chinese) == "林晚，你终于回来了。"
    assert [g.cues for g in group_sentences([Cue(0, 900, "你终于回来了，"), Cue(1700, 3000, "总裁在等你，")])] == [
        [0],
        [1],
    ]
    assert split_sentences("林晚，你回来了。总裁在楼上等你！Really? Yes.") == [
        "林晚，你回来了。",
        "总裁在楼上等你！",
        "Really?",
        "Yes.",
    ]


# --- suggest ------------------------------------------------------------------------------


def test_romanize_names_name_style():
    assert romanize_name("林晚") == "Lin Wan"
    assert romanize_name("陆景琛") == "Lu Jingchen"
    assert romanize_name("欧阳娜娜") == "Ouyang Nana"
    assert romanize_name("曾小安") == "Zeng Xiao'an"


def reference_zh() -> Track:
    if REFERENCE_ZH.is_file():
        return load(REFERENCE_ZH)
    return Track([Cue(i * 3000, i * 3000 + 2500, text) for i, text in enumerate(FIXTURE_LINES)], language="zh")


def test_suggest_finds_the_fixture_names(tmp_path):
    track = reference_zh()
    found = suggest([track], min_count=1, known=load_glossary(HOUSE))
    assert [(s.source, s.target) for s in found] == [("林晚", "Lin Wan"), ("陆景琛", "Lu Jingchen")]
    season = [track, Track([Cue(0, 1000, "林晚，别走。"), Cue(1000, 2000, "苏念在楼下。")])]
    recurring = suggest(season, min_count=2, known=load_glossary(HOUSE))
    assert [(s.source, s.count, s.files) for s in recurring] == [("林晚", 2, 2)]


def test_glossary_suggest_and_check_commands(tmp_path):
    subs = REFERENCE_ZH if REFERENCE_ZH.is_file() else None
    if subs is None:
        subs = tmp_path / "zh.srt"
        subs.write_text(
            "".join(f"{i}\n00:00:0{i},000 --> 00:00:0{i},900\n{t}\n\n" for i, t in enumerate(FIXTURE_LINES, 1)),
            encoding="utf-8",
        )
    out = tmp_path / "names.csv"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["glossary", "suggest", str(subs), "--min-count", "1", "--known", str(HOUSE), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[1] == "source,target,language,market,case,dnt,variants,note"
    assert rows[2].startswith("林晚,Lin Wan,") and rows[3].startswith("陆景琛,Lu Jingchen,")
    checked = runner.invoke(cli, ["glossary", "check", str(out)])
    assert checked.exit_code == 0 and "2 term(s) OK" in checked.output
    bad = write(tmp_path, "bad.csv", "source,target\n林晚,Lin Wan\n陆景琛,\n")
    failed = runner.invoke(cli, ["glossary", "check", str(bad)])
    assert failed.exit_code == 1
    assert failed.output.strip().splitlines() == [
        f"Error: {bad}:3: '陆景琛' has no target (fill it in, or set dnt=yes)"
    ]
    missing = runner.invoke(cli, ["glossary", "suggest", str(tmp_path / "nope.srt"), "-o", str(tmp_path / "x.csv")])
    assert missing.exit_code == 1 and missing.output.startswith("Error:") and not (tmp_path / "x.csv").exists()


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["Lin", "Wan,", "you", "are", "the", "God", "of", "War.", "CEO", "upstairs"]),
        min_size=1,
        max_size=14,
    ),
    durations=st.lists(st.integers(200, 4000), min_size=1, max_size=4),
)
def test_spread_keeps_every_word_in_order_and_one_part_per_cue(words, durations):
    text = " ".join(words)
    starts = [sum(durations[:i]) for i in range(len(durations))]
    cues = [Cue(s, s + d, "") for s, d in zip(starts, durations)]
    parts = spread(text, cues, False, ["God of War"])
    assert len(parts) == len(cues)
    assert " ".join(p for p in parts if p) == text
    assert sum(p.count("God of War") for p in parts) == text.count("God of War")  # never split
    if len(words) >= len(cues) and "God of War" not in text:
        assert all(parts)


def test_restore_drops_placeholders_the_engine_invented():
    from localize.translation.enforce import Protected, restore

    assert restore("Tomorrow ZZ0 we go home.", Protected("明天我们回家。")) == "Tomorrow we go home."
