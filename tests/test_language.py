"""localize.language: the one place for language tags, names and the language of a text."""

import pytest

from localize.errors import InputError
from localize.language import base_language, detect_language, iso639_2, language_name, looks_chinese, parse_language


@pytest.mark.parametrize(
    "text, chinese",
    [
        ("你终于回来了，林婉。", True),
        ("OK, 林婉你好", True),  # Han are over 30% of what is not space
        ("He said 好 and left the room.", False),
        ("おかえりなさい、林さん。", False),  # kana: Japanese
        ("안녕하세요 林", False),  # hangul: Korean
        ("", False),
    ],
)
def test_looks_chinese_is_han_without_kana_or_hangul(text, chinese):
    assert looks_chinese(text) is chinese


def test_detect_language_takes_chinese_at_a_glance_and_asks_langdetect_otherwise():
    assert detect_language("回来") == "zh"
    assert detect_language("回来", allowed={"en", "es"}) != "zh"
    assert detect_language("Where have you been all this time? I waited for you every night.") == "en"
    assert detect_language("   ") is None


def test_tags_names_and_whisper_codes():
    assert base_language("es-419") == "es" and base_language("zh_Hans") == "zh"
    with pytest.raises(InputError, match="unknown language code"):
        base_language("xx-YY")
    assert iso639_2("en-US") == "eng" and iso639_2(None) == "und" and iso639_2("fil") == "fil"
    assert language_name("es-419") == "Spanish"
    assert parse_language("zh,en") == (None, ("zh", "en"))
