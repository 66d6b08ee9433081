"""Delivery: burned-in target subtitles, with the source's burned-in ones covered, and the dub muxed into the video.

>>> from localize.delivery import burn
>>> burn("ep01.mp4", "ep01.en.srt", "ep01.en.burned.mp4", cover="blur")
"""

from localize.delivery.burn import BurnReport, burn
from localize.delivery.cover import COVERS, Cover
from localize.delivery.muxing import AAC_BITRATE, FFMPEG_SUBTITLES, MUX_FORMATS, check_mux_output, mux
from localize.delivery.smartburn import Rerender, rerender_burn
from localize.delivery.style import FONTS

__all__ = [
    "AAC_BITRATE",
    "COVERS",
    "FFMPEG_SUBTITLES",
    "FONTS",
    "MUX_FORMATS",
    "BurnReport",
    "Cover",
    "Rerender",
    "burn",
    "check_mux_output",
    "mux",
    "rerender_burn",
]
