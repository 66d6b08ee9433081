"""TTML in the IMSC1 text profile (.ttml, .dfxp, .xml), what distributors ask for.

Written documents declare the IMSC1 text profile, media time base, the track's frame
rate, one bottom region inside the 9:16 title-safe area and one style. Reading accepts
clock times (``00:00:01.500``, ``00:00:01:15`` frames), offsets (``1.5s``, ``45f``,
``900t``), ``<br/>``, nested ``<span>``s and ``ttm:agent`` as speaker. Speakers are
written as ``<ttm:agent>`` declarations in the head (with ``<ttm:name>``) referenced by
``ttm:agent`` on each ``<p>``; a dialogue event puts each line in a ``<span>`` with
its own agent. Italic, bold, underline and colour (``tts:fontStyle``, ``tts:fontWeight``,
``tts:textDecoration``, ``tts:color``, on an element or a style it references) are read into
the toolkit's markup and written as ``<span>``s with those attributes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from fractions import Fraction

from localize.formats.markup import PLAIN, Look, compose, runs
from localize.formats.markup import lines as markup_lines
from localize.formats.registry import Format, ParseError, register
from localize.model import Cue, Track, format_ms

TT = "http://www.w3.org/ns/ttml"
TTP = "http://www.w3.org/ns/ttml#parameter"
TTS = "http://www.w3.org/ns/ttml#styling"
TTM = "http://www.w3.org/ns/ttml#metadata"
XML = "http://www.w3.org/XML/1998/namespace"
IMSC1_TEXT = "http://www.w3.org/ns/ttml/profile/imsc1/text"
CLOCK = re.compile(r"^(\d+):(\d{2}):(\d{2})(?:\.(\d+)|:(\d+)(?:\.\d+)?)?$")
OFFSET = re.compile(r"^(\d+(?:\.\d+)?)(h|m|s|ms|f|t)$")

for prefix, uri in (("", TT), ("ttp", TTP), ("tts", TTS), ("ttm", TTM)):
    ET.register_namespace(prefix, uri)


class _Timing:
    def __init__(self, root: ET.Element):
        rate = Fraction(root.get(f"{{{TTP}}}frameRate", "30"))
        multiplier = root.get(f"{{{TTP}}}frameRateMultiplier")
        if multiplier:
            numerator, denominator = multiplier.split()
            rate *= Fraction(int(numerator), int(denominator))
        self.fps = rate
        self.tick_rate = int(root.get(f"{{{TTP}}}tickRate", "1"))

    def ms(self, value: str) -> int:
        value = value.strip()
        clock = CLOCK.match(value)
        if clock:
            hours, minutes, seconds, fraction, frames = clock.groups()
            total = Fraction((int(hours) * 60 + int(minutes)) * 60 + int(seconds))
            if fraction:
                total += Fraction(int(fraction), 10 ** len(fraction))
            if frames:
                total += Fraction(int(frames)) / self.fps
            return round(total * 1000)
        offset = OFFSET.match(value)
        if not offset:
            raise ValueError(f"unsupported time expression '{value}'")
        number, unit = Fraction(offset.group(1)), offset.group(2)
        scale: dict[str, int | Fraction] = {
            "h": 3_600_000,
            "m": 60_000,
            "s": 1000,
            "ms": 1,
            "f": 1000 / self.fps,
            "t": Fraction(1000, self.tick_rate),
        }
        return round(number * Fraction(scale[unit]))


def _runs(element: ET.Element, look: Look, styles: dict[str | None, dict[str, str]]) -> list[tuple[str, Look]]:
    """The element's text as (text, look) runs, its styling applied over ``look``."""
    look = _styled(element, look, styles)
    pieces = [(element.text or "", look)]
    for child in element:
        pieces += [("\n", look)] if child.tag == f"{{{TT}}}br" else _runs(child, look, styles)
        pieces.append((child.tail or "", look))
    return pieces


def _styled(element: ET.Element, look: Look, styles: dict[str | None, dict[str, str]]) -> Look:
    values: dict[str, str] = {}
    for reference in (element.get("style") or "").split():
        values.update(styles.get(reference, {}))
    values.update(element.attrib)
    get = lambda name: values.get(f"{{{TTS}}}{name}", "")  # noqa: E731
    colour = get("color").strip()
    return Look(
        get("fontStyle") == "italic" if get("fontStyle") else look.italic,
        get("fontWeight") == "bold" if get("fontWeight") else look.bold,
        "underline" in get("textDecoration") if get("textDecoration") else look.underline,
        f"#{colour[1:7].upper()}" if re.fullmatch(r"#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?", colour) else look.color,
    )


def read(text: str) -> Track:
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as error:
        raise ParseError(f"malformed XML ({error})", error.position[0]) from None
    if root.tag != f"{{{TT}}}tt":
        raise ParseError("not a TTML document (root element must be <tt> in the TTML namespace)", 1)
    timing = _Timing(root)
    styles = {s.get(f"{{{XML}}}id"): dict(s.attrib) for s in root.iter(f"{{{TT}}}style") if s.get(f"{{{XML}}}id")}
    agents = {a.get(f"{{{XML}}}id"): (a.findtext(f"{{{TTM}}}name") or "").strip() for a in root.iter(f"{{{TTM}}}agent")}
    cues = []
    parents = {child: parent for parent in root.iter() for child in parent}
    for number, p in enumerate(root.iter(f"{{{TT}}}p"), 1):
        try:
            start, end = timing.ms(p.attrib["begin"]), timing.ms(p.attrib["end"])
        except (KeyError, ValueError) as error:
            raise ParseError(f"paragraph {number}: missing or bad begin/end ({error})") from None
        inherited = _inherited(p, parents, styles)
        lines = [" ".join(line.split()) for line in compose(_runs(p, inherited, styles)).split("\n")]
        speaker = _agent(p.get(f"{{{TTM}}}agent"), agents)
        line_speakers = _line_agents(p, agents)
        cues.append(
            Cue(
                start=start,
                end=end,
                text="\n".join(lines).strip(),
                speaker=speaker,
                line_speakers=line_speakers if len(line_speakers) == len(lines) else [],
            )
        )
    language = root.get(f"{{{XML}}}lang") or None
    return Track(cues=cues, language=language, fps=timing.fps)


def _inherited(p: ET.Element, parents: dict[ET.Element, ET.Element], styles: dict[str | None, dict[str, str]]) -> Look:
    """The italic, bold and underline ``p`` inherits from the ``<body>`` and ``<div>``s around it (a colour
    there is the document's text colour, such as the white this writer sets, not markup)."""
    chain = []
    while p in parents and parents[p].tag in (f"{{{TT}}}div", f"{{{TT}}}body"):
        p = parents[p]
        chain.append(p)
    look = PLAIN
    for element in reversed(chain):
        look = _styled(element, look, styles)
    return Look(look.italic, look.bold, look.underline)


def _agent(reference: str | None, agents: dict[str | None, str]) -> str | None:
    """The speaker an agent reference names: the declared ``<ttm:name>``, else the reference itself."""
    if not reference:
        return None
    first = reference.split()[0]
    return agents.get(first) or first


def _line_agents(p: ET.Element, agents: dict[str | None, str]) -> list[str]:
    """The agent of each line when every line of ``p`` is a ``<span ttm:agent>`` (a dialogue event)."""
    spans = [child for child in p if child.tag == f"{{{TT}}}span" and child.get(f"{{{TTM}}}agent")]
    if len(spans) < 2:
        return []
    return [_agent(span.get(f"{{{TTM}}}agent"), agents) or "" for span in spans]


def _declare_agents(head: ET.Element, track: Track) -> dict[str, str]:
    """``<ttm:agent>`` elements for every speaker; speaker -> xml:id."""
    names = list(dict.fromkeys(name for cue in track.cues for name in cue.speakers))
    if not names:
        return {}
    metadata = ET.SubElement(head, f"{{{TT}}}metadata")
    ids = {}
    for number, name in enumerate(names, 1):
        ids[name] = f"agent{number}"
        agent = ET.SubElement(metadata, f"{{{TTM}}}agent", {f"{{{XML}}}id": ids[name], "type": "character"})
        ET.SubElement(agent, f"{{{TTM}}}name", {"type": "full"}).text = name
    return ids


def write(track: Track) -> str:
    fps = Fraction(track.fps)
    base, multiplier = (round(fps * Fraction(1001, 1000)), "1000 1001") if fps.denominator == 1001 else (fps, None)
    root = ET.Element(
        f"{{{TT}}}tt",
        {
            f"{{{XML}}}lang": track.language or "",
            f"{{{TTP}}}profile": IMSC1_TEXT,
            f"{{{TTP}}}timeBase": "media",
            f"{{{TTP}}}frameRate": str(int(base)),
            f"{{{TTS}}}extent": "1080px 1920px",
        },
    )
    if multiplier:
        root.set(f"{{{TTP}}}frameRateMultiplier", multiplier)
    head = ET.SubElement(root, f"{{{TT}}}head")
    agents = _declare_agents(head, track)
    styling = ET.SubElement(head, f"{{{TT}}}styling")
    ET.SubElement(
        styling,
        f"{{{TT}}}style",
        {
            f"{{{XML}}}id": "s1",
            f"{{{TTS}}}color": "#FFFFFF",
            f"{{{TTS}}}fontFamily": "proportionalSansSerif",
            f"{{{TTS}}}fontSize": "100%",
            f"{{{TTS}}}textAlign": "center",
            f"{{{TTS}}}textOutline": "#000000 5%",
        },
    )
    layout = ET.SubElement(head, f"{{{TT}}}layout")
    ET.SubElement(
        layout,
        f"{{{TT}}}region",
        {
            f"{{{XML}}}id": "bottom",
            f"{{{TTS}}}origin": "8% 10%",
            f"{{{TTS}}}extent": "84% 76%",
            f"{{{TTS}}}displayAlign": "after",
        },
    )
    div = ET.SubElement(ET.SubElement(root, f"{{{TT}}}body", {"region": "bottom", "style": "s1"}), f"{{{TT}}}div")
    for number, cue in enumerate(track.cues, 1):
        p = ET.SubElement(
            div, f"{{{TT}}}p", {f"{{{XML}}}id": f"c{number}", "begin": format_ms(cue.start), "end": format_ms(cue.end)}
        )
        if cue.speaker:
            p.set(f"{{{TTM}}}agent", " ".join(agents[name] for name in cue.speakers))
        lines = markup_lines(runs(cue.text))  # a tag may span lines: split after reading it
        if cue.line_speakers and len(cue.line_speakers) == len(lines):
            _dialogue(p, lines, [agents[name] for name in cue.line_speakers])
            continue
        for number, line in enumerate(lines):
            if number:
                ET.SubElement(p, f"{{{TT}}}br")
            _fill(p, line)
    _indent_around_paragraphs(root, div)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _indent_around_paragraphs(root: ET.Element, div: ET.Element) -> None:
    """Indent the document but not inside a ``<p>``, where indentation would become text."""
    contents = [(p, p.text, list(p)) for p in div]
    for p, _, children in contents:
        p.text = None
        for child in children:
            p.remove(child)
    ET.indent(root, space=" ")
    for p, text, children in contents:
        p.text = text
        p.extend(children)


def _dialogue(p: ET.Element, lines: list[list[tuple[str, Look]]], agents: list[str]) -> None:
    for number, (line, agent) in enumerate(zip(lines, agents)):
        if number:
            ET.SubElement(p, f"{{{TT}}}br")
        _fill(ET.SubElement(p, f"{{{TT}}}span", {f"{{{TTM}}}agent": agent}), line)


def _fill(parent: ET.Element, pieces: list[tuple[str, Look]]) -> None:
    """Append one line's runs to ``parent``: plain text as text, styled text as a ``<span>``."""
    for text, look in pieces:
        if look == PLAIN:
            last = parent[-1] if len(parent) else None
            if last is None:
                parent.text = (parent.text or "") + text
            else:
                last.tail = (last.tail or "") + text
            continue
        attributes = {
            f"{{{TTS}}}{name}": value
            for name, value, on in (
                ("fontStyle", "italic", look.italic),
                ("fontWeight", "bold", look.bold),
                ("textDecoration", "underline", look.underline),
                ("color", look.color, look.color),
            )
            if on and value
        }
        ET.SubElement(parent, f"{{{TT}}}span", attributes).text = text


register(Format("ttml", (".ttml", ".dfxp", ".xml"), read, write, "TTML, IMSC1 text profile"))
