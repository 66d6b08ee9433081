"""TMX (the title's approved memory) and TBX (a market's glossary) export (localize.review.tmx)."""

from __future__ import annotations

import pytest
from lxml import etree

from edits_support import ENGLISH, SOURCE, delivered_episode
from localize.errors import InputError
from localize.review import load_edits, save_edits
from localize.review.edits import now_iso
from localize.review.tmx import export_tbx, export_tmx
from localize.translation.glossary import load_glossary

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def approve(episode, cue_id: str, text: str | None = None, status: str = "approved") -> None:
    layer = load_edits(episode, "en-US")
    edit = layer.cue(cue_id)
    edit.text, edit.status, edit.updated = text, status, now_iso()
    save_edits(layer, episode)


@pytest.fixture
def title(tmp_path):
    """A title: ep01 cues 1 (as is) and 2 (corrected) approved; ep02 cue 1 approved (ep01's pair again) and
    cue 3 only reviewed; ep03 has no saved edits."""
    first = delivered_episode(tmp_path, name="ep01", glossary=True)
    second = delivered_episode(tmp_path, name="ep02")
    delivered_episode(tmp_path, name="ep03")
    approve(first, "2", "The boss is waiting for you upstairs.")
    approve(first, "1")
    approve(second, "1")  # the same pair as ep01 cue 1: written once
    approve(second, "3", "We go home tomorrow.", status="reviewed")
    return tmp_path


def test_tmx_holds_each_approved_pair_of_the_title_once(title):
    path = export_tmx(title, "en-US")
    assert path == title / "memory.en-US.tmx"
    root = etree.parse(str(path)).getroot()
    assert root.get("version") == "1.4"
    header = root.find("header")
    assert (header.get("srclang"), header.get("segtype"), header.get("creationtool")) == ("zh", "sentence", "localize")
    units = root.findall("body/tu")
    assert [u.get("tuid") for u in units] == ["ep01/en-US/1", "ep01/en-US/2"]
    pairs = [[(v.get(XML_LANG), v.findtext("seg")) for v in u.findall("tuv")] for u in units]
    assert pairs == [
        [("zh", SOURCE[0]), ("en", ENGLISH[0])],
        [("zh", SOURCE[1]), ("en", "The boss is waiting for you upstairs.")],
    ]
    assert [p.text for p in units[1].findall("prop")] == ["ep01", "en-US", "2"]
    assert all(len(u.get("changedate")) == 16 and u.get("changedate").endswith("Z") for u in units)


def test_translate_toolkit_reads_our_tmx(title):
    tmx = pytest.importorskip("translate.storage.tmx")
    store = tmx.tmxfile.parsestring(export_tmx(title, "en-US").read_bytes())
    assert [(u.source, u.target) for u in store.units] == [
        (SOURCE[0], ENGLISH[0]),
        (SOURCE[1], "The boss is waiting for you upstairs."),
    ]


def test_an_empty_memory_is_still_a_valid_tmx(tmp_path):
    delivered_episode(tmp_path)
    root = etree.parse(str(export_tmx(tmp_path, "en-US", tmp_path / "m.tmx"))).getroot()
    assert root.tag == "tmx" and root.findall("body/tu") == []


def test_tbx_round_trips_through_the_glossary_reader(title):
    path = export_tbx(title / "ep01", "en-US")
    assert path == title / "ep01" / "en-US" / "glossary.tbx"
    terms = load_glossary(path).terms
    assert [(t.source, t.target, t.language, t.variants) for t in terms] == [
        ("总裁", "CEO", "en", ("President",)),
        ("林晚", "Lin Wan", "en", ()),
    ]
    root = etree.parse(str(path)).getroot()
    assert root.tag == "martif" and root.get("type") == "TBX-Basic" and root.get(XML_LANG) == "zh"


def test_translate_toolkit_reads_our_tbx(title):
    tbx = pytest.importorskip("translate.storage.tbx")
    store = tbx.tbxfile.parsestring(export_tbx(title / "ep01", "en-US").read_bytes())
    assert [(u.source, u.target) for u in store.units] == [("总裁", "CEO"), ("林晚", "Lin Wan")]


def test_tbx_without_a_glossary_is_one_line(title):
    with pytest.raises(InputError, match="^ep02/en-US: the run used no glossary for this market$"):
        export_tbx(title / "ep02", "en-US")
