"""Draft a per-title glossary: recurring Chinese names (romanized name-style) and terms."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from localize.model import Track
from localize.translation.glossary import COLUMNS, Glossary

COMPOUND_SURNAMES = "欧阳 司马 上官 慕容 诸葛 东方 皇甫 令狐 南宫 公孙 夏侯 宇文 长孙 独孤 司徒 端木".split()
SURNAMES = set(
    "李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤傅"
    "温霍柳萧楚凌慕裴纪池季乔安宁景顾洛封厉靳薄傅霍盛秦祁阮"
)
# Surnames whose reading differs from the common reading of the character.
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "尉迟": "yuchi",
    "万俟": "moqi",
}
# Characters that end a name: particles, pronouns, common verbs and prepositions.
STOP_CHARS = set(
    "的了是在和与跟给对把被说道你我他她它们吗呢吧啊呀哦就也都还又要会能想去来到不没很太这那有个上下里后前为从向让叫请"
)
CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


@dataclass
class Suggestion:
    source: str
    target: str
    kind: str
    count: int
    files: int

    def note(self) -> str:
        return f"{self.kind}; {self.count}x in {self.files} file(s); review"


def romanize_name(name: str) -> str:
    """Name-style pinyin: surname and given name capitalized, given syllables joined.

    >>> romanize_name("陆景琛")
    'Lu Jingchen'
    """
    from pypinyin import Style, lazy_pinyin

    surname = next(
        (s for s in COMPOUND_SURNAMES + list(SURNAME_READINGS) if name.startswith(s) and len(name) > len(s)), name[:1]
    )
    family = SURNAME_READINGS.get(surname) or "".join(lazy_pinyin(surname, style=Style.NORMAL))
    given = lazy_pinyin(name[len(surname) :], style=Style.NORMAL)
    joined = given[0] if given else ""
    for syllable in given[1:]:
        joined += ("'" if syllable[:1] in "aoe" else "") + syllable
    return f"{family.capitalize()} {joined.capitalize()}".strip()


def name_candidates(text: str) -> Iterable[tuple[str, bool]]:
    """(candidate, at_edge) for each surname + 1-2 given-name characters in ``text``.

    ``at_edge`` is true when the name ends at punctuation or the end of a run (a strong signal).
    """
    for run in CJK_RUN.finditer(text):
        chars = run.group(0)
        for index in range(len(chars)):
            surname = next(
                (s for s in COMPOUND_SURNAMES if chars.startswith(s, index)),
                chars[index] if chars[index] in SURNAMES else "",
            )
            if not surname:
                continue
            given = ""
            for char in chars[index + len(surname) : index + len(surname) + 2]:
                if char in STOP_CHARS:
                    break
                given += char
            if given:
                end = index + len(surname) + len(given)
                yield surname + given, end == len(chars)


def suggest(tracks: Sequence[Track], min_count: int = 2, known: Glossary | None = None) -> list[Suggestion]:
    """Recurring names across a season's source subtitles, most frequent first.

    A name seen fewer than ``min_count`` times is kept only if it once stood alone
    (before punctuation). Terms already in ``known`` (e.g. the house termbase) are skipped.
    """
    counts: Counter[str] = Counter()
    edges: Counter[str] = Counter()
    files: defaultdict[str, set[int]] = defaultdict(set)
    for number, track in enumerate(tracks):
        for cue in track.cues:
            for candidate, at_edge in name_candidates(cue.plain_text):
                counts[candidate] += 1
                edges[candidate] += at_edge
                files[candidate].add(number)
    skip = {t.source for t in known.terms} if known else set()
    chosen = [
        c
        for c in counts
        if c not in skip and (counts[c] >= min_count and (edges[c] or counts[c] > 1) or edges[c] and min_count <= 1)
    ]
    chosen = [c for c in chosen if not any(o != c and c in o and counts[o] >= counts[c] for o in chosen)]
    chosen.sort(key=lambda c: (-counts[c], c))
    return [Suggestion(c, romanize_name(c), "name", counts[c], len(files[c])) for c in chosen]


def to_csv(suggestions: Sequence[Suggestion]) -> str:
    import csv
    import io

    out = io.StringIO()
    out.write("# Draft per-title glossary from `localize glossary suggest`: check every row before use.\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in suggestions:
        writer.writerow([item.source, item.target, *_scope(item), item.note()])
    return out.getvalue()


def _scope(item: Suggestion) -> list[str]:
    """language, market, case, dnt, variants of a row (a correction names its market and the wrong rendering)."""
    if isinstance(item, EditSuggestion):
        return [item.language, item.market, "", "", item.wrong]
    return ["", "", "", "", ""]


@dataclass
class EditSuggestion(Suggestion):
    """A rendering people corrected the same way in several places: ``wrong`` became ``target``."""

    language: str = ""
    market: str = ""
    wrong: str = ""
    episodes: tuple[str, ...] = ()

    def note(self) -> str:
        return f"corrected '{self.wrong}' -> '{self.target}' {self.count}x in {', '.join(self.episodes)}; review"
