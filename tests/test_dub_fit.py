"""The fitting ladder and slot windows, as pure functions."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from localize.dubbing.fit import MAX_BORROW_MS, SAFETY_MS, Slot, plan, slots
from localize.model import Cue


def test_ladder():
    slot = Slot(0, 1010, 500)  # 1000 ms usable, then 500 ms of silence to borrow
    assert plan(900, slot).category == "as_is"
    assert plan(1100, slot).speed == 1.1
    borrowed = plan(1400, slot)
    assert (
        borrowed.speed == 1.15 and borrowed.borrowed == round(1400 / 1.15) - 1000 and borrowed.category == "comfortable"
    )
    capped = plan(1900, slot)
    assert capped.speed == round(1900 / 1500, 4) and capped.borrowed == 500 and capped.category == "capped"
    over = plan(2600, slot)
    assert over.speed == 1.3 and over.overflow == round(2600 / 1.3) - 1500 and over.category == "overflow"


def test_slots_end_at_next_cue_shot_change_or_video_end():
    cues = [Cue(0, 1000, "a"), Cue(3000, 4000, "b"), Cue(5000, 5500, "c")]
    first, second, third = slots(cues, end=6000, shots=[500, 2000, 4500])
    assert (first.window, first.borrowable) == (2000, 1000)  # cut inside the cue is ignored; next cut bounds it
    assert (second.window, second.borrowable) == (1500, 500)
    assert (third.window, third.borrowable) == (1000, 0)  # the video ends


@given(
    natural=st.integers(1, 20_000),
    window=st.integers(SAFETY_MS + 1, 10_000),
    borrowable=st.integers(0, MAX_BORROW_MS),
)
@example(natural=11, window=11, borrowable=7)  # just over the cap: the overflow rounded to 0
def test_plan_never_passes_the_cap_and_fits_when_it_can(natural, window, borrowable):
    fit = plan(natural, Slot(0, window, borrowable))
    assert 1.0 <= fit.speed <= 1.3 and 0 <= fit.borrowed <= borrowable
    room = window - SAFETY_MS + borrowable
    if natural <= room * 1.3:
        assert fit.overflow == 0 and natural / fit.speed <= window - SAFETY_MS + fit.borrowed + 1
    else:
        assert fit.overflow > 0 and fit.speed == 1.3
