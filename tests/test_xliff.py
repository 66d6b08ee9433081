"""XLIFF export and import (localize.review.xliff, xliff_import): schema, translate-toolkit, CAT files, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from edits_support import ENGLISH, SOURCE, delivered_episode
from localize.errors import InputError
from localize.review import edits_path, load_edits, save_edits
from localize.review.edits import now_iso
from localize.review.xliff import NS12, NS20, export_xliff
from localize.review.xliff_import import import_xliff

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = next(
    (
        p
        for p in (ROOT.parent / "shared" / "schemas" / "xliff-1.2", Path("/work/shared/schemas/xliff-1.2"))
        if p.is_dir()
    ),
    Path("/work/shared/schemas/xliff-1.2"),
)
N12 = {"x": NS12}
N20 = {"x": NS20, "slr": "urn:oasis:names:tc:xliff:sizerestriction:2.0"}


@pytest.fixture
def episode(tmp_path):
    """ep01 with a glossary and cuts; cue 2 approved with an edit, cue 3 marked needs-work."""
    folder = delivered_episode(tmp_path, formats=("json", "srt"), glossary=True, shots=(2000, 4000))
    layer = load_edits(folder, "en-US")
    layer.cue("2").text, layer.cue("2").status = "The CEO waits for you upstairs.", "approved"
    layer.cue("3").status = "needs-work"
    save_edits(layer, folder)
    return folder


def strict_schema() -> etree.XMLSchema:
    """The XLIFF 1.2 strict schema, its xml.xsd import pointed at the local copy (no network)."""
    if not (SCHEMAS / "xliff-core-1.2-strict.xsd").is_file():
        pytest.skip(f"{SCHEMAS}: XLIFF 1.2 schema not present")
    document = etree.parse(str(SCHEMAS / "xliff-core-1.2-strict.xsd"))
    for element in document.getroot().iter("{http://www.w3.org/2001/XMLSchema}import"):
        element.set("schemaLocation", str(SCHEMAS / "xml.xsd"))
    return etree.XMLSchema(document)


def layer_json(episode: Path) -> str:
    return edits_path(episode, "en-US").read_text(encoding="utf-8")


def test_xliff_12_is_valid_strict_and_carries_state_notes_budget_and_terms(episode):
    path = export_xliff(episode, "en-US")
    assert path == episode / "en-US" / "ep01.en.xlf"
    document = etree.parse(str(path))
    schema = strict_schema()
    assert schema.validate(document), schema.error_log
    file = document.getroot().find("x:file", N12)
    languages = (file.get("source-language"), file.get("target-language"))
    assert (file.get("original"), *languages) == ("ep01/en-US", "zh", "en")
    units = file.findall(".//x:trans-unit", N12)
    assert [u.get("id") for u in units] == ["1", "2", "3"]
    assert ["".join(u.find("x:source", N12).itertext()) for u in units] == SOURCE
    targets = [u.find("x:target", N12) for u in units]
    assert ["".join(t.itertext()) for t in targets] == [ENGLISH[0], "The CEO waits for you upstairs.", ENGLISH[2]]
    assert [(t.get("state"), t.get("state-qualifier")) for t in targets] == [
        ("needs-review-translation", "mt-suggestion"),
        ("signed-off", None),
        ("needs-review-translation", "rejected-inaccurate"),
    ]
    assert [u.get("approved") for u in units] == [None, "yes", None]
    assert all(u.get("size-unit") == "char" and int(u.get("maxwidth")) == 36 for u in units)  # 20 cps x 1.8 s
    notes = [n.text for n in units[1].findall("x:note", N12)]
    assert "speaker: S2" in notes and "time: 00:00:02.500 --> 00:00:04.300" in notes
    assert "shot: 2 of 3, from 00:00:02.000; crosses a cut at 00:00:04.000" in notes
    terms = [(m.text, m.get("mtype"), m.get("comment")) for m in units[1].iter(f"{{{NS12}}}mrk")]
    assert terms == [("总裁", "term", "glossary: CEO")]


def test_xliff_2_carries_states_size_restriction_and_terms(episode):
    for version in ("2.0", "2.1"):
        path = export_xliff(episode, "en-US", episode / f"out{version}.xlf", version=version)
        root = etree.parse(str(path)).getroot()
        assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == (version, "zh", "en")
        segments = root.findall(".//x:segment", N20)
        assert [(s.get("state"), s.get("subState")) for s in segments] == [
            ("initial", None),
            ("final", None),
            ("initial", "localize:needs-work"),
        ]
        units = root.findall(".//x:unit", N20)
        assert [u.get(f"{{{N20['slr']}}}sizeRestriction") for u in units] == ["36", "36", "36"]
        assert [(m.text, m.get("type")) for m in units[0].iter(f"{{{NS20}}}mrk")] == [("林晚", "term")]
        assert "speaker: S1" in [n.text for n in units[0].iter(f"{{{NS20}}}note")]


@pytest.mark.parametrize("version, module, cls", [("1.2", "xliff", "xlifffile"), ("2.0", "xliff2", "Xliff2File")])
def test_a_translate_toolkit_round_trip_applies_exactly_the_edited_target(episode, version, module, cls):
    storage = pytest.importorskip(f"translate.storage.{module}")
    before = load_edits(episode, "en-US")
    path = export_xliff(episode, "en-US", episode / "x.xlf", version=version)
    store = getattr(storage, cls).parsestring(path.read_bytes())
    units = {u.getid().split("\x04")[-1]: u for u in store.units if u.getid()}
    assert {k: (u.source, u.target) for k, u in units.items()} == {
        c.id: (c.source, c.current) for c in before.cues
    }  # it reads what we write
    units["1"].target = "Lin Wan, you are back at last."
    edited = episode / "edited.xlf"
    edited.write_bytes(bytes(store))
    result = import_xliff(edited, episode.parent)
    assert (result.episode, result.market, result.units, result.changed) == ("ep01", "en-US", 3, ["1"])
    after = load_edits(episode, "en-US")
    assert after.revision == before.revision + 1 and after.cue("1").text == "Lin Wan, you are back at last."
    assert after.cue("1").status in ("reviewed", "approved") and after.cue("1").by == "import edited.xlf"
    assert after.cues[1:] == before.cues[1:]


def test_we_read_what_translate_toolkit_writes(tmp_path):
    xliff = pytest.importorskip("translate.storage.xliff")
    episode = delivered_episode(tmp_path)
    store = xliff.xlifffile(sourcelanguage="zh", targetlanguage="en-US")
    for number, (source, target) in enumerate(zip(SOURCE, ENGLISH, strict=True), 1):
        unit = store.addsourceunit(source)
        unit.setid(str(number))
        unit.target = target.replace("CEO", "boss") if number == 2 else target
    path = tmp_path / "tt.xlf"
    path.write_bytes(bytes(store))
    result = import_xliff(path, episode, market="en-US")  # its file names no episode: the folder and market do
    assert result.changed == ["1", "2", "3"]  # it marks every unit with a target approved="yes"
    layer = load_edits(episode, "en-US")
    assert [(c.text, c.status) for c in layer.cues] == [
        (None, "approved"),
        ("The boss is waiting for you upstairs.", "approved"),
        (None, "approved"),
    ]


def test_units_may_come_back_reordered(episode):
    path = export_xliff(episode, "en-US")
    tree = etree.parse(str(path))
    body = tree.getroot().find(".//x:body", N12)
    units = list(body)
    for unit in units:
        body.remove(unit)
    for unit in reversed(units):
        body.append(unit)
    units[0].find("x:target", N12).text = "Lin Wan! You're back."
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    assert import_xliff(path, episode).changed == ["1"]
    assert load_edits(episode, "en-US").cue("1").current == "Lin Wan! You're back."


SDLXLIFF = """<?xml version="1.0" encoding="utf-8"?>
<xliff xmlns:sdl="http://sdl.com/FileTypes/SdlXliff/1.0" xmlns="urn:oasis:names:tc:xliff:document:1.2"
       version="1.2" sdl:version="1.0">
 <file original="C:\\Projects\\drama\\ep01/en-US" datatype="x-sdlfilterframework2" source-language="zh-CN"
       target-language="en-US">
  <header><file-info xmlns="http://sdl.com/FileTypes/SdlXliff/1.0"><value key="SDL:FileId">a1</value></file-info>
   <sdl:cxt-defs><sdl:cxt-def id="1" type="x-tm-length-info"/></sdl:cxt-defs></header>
  <body>
   <group><sdl:cxts><sdl:cxt id="1"/></sdl:cxts>
   <trans-unit id="2" translate="yes">
    <source>{s2}</source>
    <seg-source><mrk mtype="seg" mid="1">{s2a}</mrk><mrk mtype="seg" mid="2">{s2b}</mrk></seg-source>
    <target><mrk mtype="seg" mid="1">The boss is waiting </mrk><mrk mtype="seg" mid="2">for you upstairs.</mrk></target>
    <sdl:seg-defs><sdl:seg id="1" conf="ApprovedTranslation" origin="interactive"/>
     <sdl:seg id="2" conf="ApprovedSignOff" origin="interactive"><sdl:value key="created_by">anna</sdl:value></sdl:seg>
    </sdl:seg-defs>
   </trans-unit>
   </group>
   <trans-unit id="1"><source>{s1}</source>
    <seg-source><mrk mtype="seg" mid="3">{s1}</mrk></seg-source>
    <target><mrk mtype="seg" mid="3"><g id="5">Lin Wan</g>, you're finally home.<x id="6"/></mrk></target>
    <sdl:seg-defs><sdl:seg id="3" conf="Translated"/></sdl:seg-defs>
   </trans-unit>
   <trans-unit id="3"><source>{s3}</source>
    <seg-source><mrk mtype="seg" mid="4">{s3}</mrk></seg-source>
    <target><mrk mtype="seg" mid="4">{t3}</mrk></target>
    <sdl:seg-defs><sdl:seg id="4" conf="RejectedTranslation"/></sdl:seg-defs>
   </trans-unit>
  </body>
 </file>
</xliff>"""


def test_a_trados_sdlxliff_is_read_through_its_segment_markers_and_confirmation_levels(tmp_path):
    episode = delivered_episode(tmp_path)
    path = tmp_path / "ep01.en-US.sdlxliff"
    path.write_text(
        SDLXLIFF.format(s1=SOURCE[0], s2=SOURCE[1], s2a=SOURCE[1][:4], s2b=SOURCE[1][4:], s3=SOURCE[2], t3=ENGLISH[2]),
        encoding="utf-8",
    )
    result = import_xliff(path, tmp_path)
    assert sorted(result.changed) == ["1", "2", "3"]
    layer = load_edits(episode, "en-US")
    assert [(c.text, c.status) for c in layer.cues] == [
        ("Lin Wan, you're finally home.", "reviewed"),
        ("The boss is waiting for you upstairs.", "approved"),
        (None, "needs-work"),
    ]


MEMOQ = """<?xml version="1.0" encoding="utf-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" xmlns:mq="MQXliff" version="1.2">
 <file original="ep01/en-US" source-language="zh" target-language="en" datatype="plaintext" mq:id="42">
  <header><mq:import mq:version="9.0"/></header>
  <body>
   <trans-unit id="3" mq:status="ManuallyConfirmed" mq:segmentguid="0f0e"
               mq:lastchangedtimestamp="2026-12-01T10:00:00Z">
    <source>{s3}</source><target mq:segpart="0">We go home tomorrow.</target>
    <mq:minorversions><mq:historical-unit mq:status="PartiallyEdited"/></mq:minorversions>
   </trans-unit>
   <trans-unit id="1" mq:status="Reviewer1Confirmed"><source>{s1}</source><target>{t1}</target></trans-unit>
  </body>
 </file>
</xliff>"""


def test_a_memoq_style_file_is_read_with_its_statuses_and_extras_ignored(tmp_path):
    episode = delivered_episode(tmp_path)
    path = tmp_path / "memoq.mqxliff"
    path.write_text(MEMOQ.format(s1=SOURCE[0], s3=SOURCE[2], t1=ENGLISH[0]), encoding="utf-8")
    assert sorted(import_xliff(path, tmp_path).changed) == ["1", "3"]
    layer = load_edits(episode, "en-US")
    assert [(c.text, c.status) for c in layer.cues] == [
        (None, "approved"),
        (None, "machine"),
        ("We go home tomorrow.", "reviewed"),
    ]


def refused(path: Path, out: Path, match: str) -> None:
    """Importing ``path`` fails with one line matching ``match``; no edit layer is written."""
    before = edits_path(out if (out / "manifest.json").is_file() else out / "ep01", "en-US")
    existed = before.read_bytes() if before.is_file() else None
    with pytest.raises(InputError, match=match) as caught:
        import_xliff(path, out)
    assert "\n" not in str(caught.value) and "root:" not in str(caught.value)  # nothing read from the system
    assert (before.read_bytes() if before.is_file() else None) == existed


def edited_export(episode: Path, change) -> Path:
    path = export_xliff(episode, "en-US")
    text = change(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    return path


def test_a_changed_source_is_refused_naming_the_unit_and_nothing_is_half_applied(episode):
    def change(text: str) -> str:
        text = text.replace(ENGLISH[0], "Lin Wan, welcome home.")  # a valid edit in unit 1 ...
        return text.replace(SOURCE[2], "明天我们不回家。")  # ... and an altered source in unit 3

    path = edited_export(episode, change)
    refused(
        path,
        episode.parent,
        r"unit '3': the source was changed \('明天我们不回家。', ep01/en-US has '明天我们回家。'\)",
    )
    assert load_edits(episode, "en-US").cue("1").text is None


def test_an_unknown_unit_id_is_refused(episode):
    path = edited_export(episode, lambda t: t.replace('trans-unit id="3"', 'trans-unit id="17"'))
    refused(path, episode.parent, r"unit '17' is no cue of ep01/en-US \(ids 1..3\)")


def test_a_file_for_another_episode_or_language_is_refused(tmp_path):
    first = delivered_episode(tmp_path / "a")
    other = delivered_episode(tmp_path / "b", name="ep02")
    path = export_xliff(other, "en-US")
    refused(path, first, "is for episode ep02, not ep01")
    french = path.with_name("fr.xlf")
    french.write_text(
        path.read_text(encoding="utf-8").replace('target-language="en"', 'target-language="fr"'), encoding="utf-8"
    )
    refused(french, other, r"is in fr, ep02/en-US is in en")


@pytest.mark.parametrize(
    "text, match",
    [
        ("<xliff version='1.2' xmlns='urn:oasis:names:tc:xliff:document:1.2'><file>", "malformed XML"),
        ("<tmx version='1.4'/>", "not XLIFF"),
        (
            '<?xml version="1.0"?><!DOCTYPE xliff [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<xliff version='1.2' xmlns='urn:oasis:names:tc:xliff:document:1.2'><file><body>"
            "<trans-unit id='1'><source>&x;</source></trans-unit></body></file></xliff>",
            "DOCTYPE",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
            "<xliff version='1.2' xmlns='urn:oasis:names:tc:xliff:document:1.2'><file><body><trans-unit id='1'>"
            "<source>&d;&d;&d;</source></trans-unit></body></file></xliff>",
            "DOCTYPE|malformed",
        ),
    ],
)
def test_malformed_and_hostile_xml_is_refused_with_one_line(tmp_path, text, match):
    episode = delivered_episode(tmp_path)
    path = tmp_path / "bad.xlf"
    path.write_text(text, encoding="utf-8")
    refused(path, episode, match)


def test_an_import_never_reverts_an_edit_made_after_the_export(episode):
    path = edited_export(episode, lambda t: t.replace(ENGLISH[0], "Welcome back, Lin Wan."))
    layer = load_edits(episode, "en-US")
    layer.cue("3").text, layer.cue("3").updated = "Home tomorrow.", now_iso()
    save_edits(layer, episode)  # edited after the export: the file still has the old target for cue 3
    refused(
        path,
        episode,
        r"unit '3': cue 3 of ep01/en-US was edited at .*, after this file was exported .*; "
        "export again",
    )
    path.write_text(path.read_text(encoding="utf-8").replace(ENGLISH[2], "Home tomorrow."), encoding="utf-8")
    assert import_xliff(path, episode).changed == ["1"]  # the file agrees on cue 3: the rest is applied
    assert "Home tomorrow." in layer_json(episode) and "Welcome back, Lin Wan." in layer_json(episode)


XLIFF2 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" xmlns:acme="urn:example:acme" version="2.1" srcLang="zh-CN"
       trgLang="en-US">
 <file id="f9" original="ep01/en-US" acme:project="drama">
  <acme:settings mode="strict"/>
  <unit id="3" acme:reviewer="kim"><segment state="reviewed"><source>明天</source>
    <target>We go <pc id="1">home</pc></target></segment>
   <ignorable><source>我们回家。</source><target><ph id="2"/>&#160;tomorrow<cp hex="0021"/></target></ignorable>
  </unit>
  <unit id="2"><segment state="translated"><source>{s2}</source></segment></unit>
  <unit id="1"><segment state="final"><source>{s1}</source><target>{t1}</target></segment></unit>
 </file>
</xliff>"""


def test_an_xliff_2_file_is_read_through_segments_markers_and_codes(tmp_path):
    episode = delivered_episode(tmp_path)
    path = tmp_path / "back.xlf"
    path.write_text(XLIFF2.format(s1=SOURCE[0], s2=SOURCE[1], t1=ENGLISH[0]), encoding="utf-8")
    result = import_xliff(path, tmp_path)
    assert sorted(result.changed) == ["1", "2", "3"]
    layer = load_edits(episode, "en-US")
    assert [(c.text, c.status) for c in layer.cues] == [
        (None, "approved"),
        (None, "reviewed"),
        ("We go home\u00a0tomorrow!", "reviewed"),
    ]  # no target: text kept
