"""Delivery: burned-in target subtitles, with the source's burned-in ones covered.

>>> from localize.delivery import burn
>>> burn("ep01.mp4", "ep01.en.srt", "ep01.en.burned.mp4", cover="blur")
"""
from localize.delivery.burn import FONTS, BurnReport, burn
from localize.delivery.cover import COVERS, Cover
from localize.delivery.smartburn import Rerender, rerender_burn

__all__ = ["COVERS", "FONTS", "BurnReport", "Cover", "Rerender", "burn", "rerender_burn"]
