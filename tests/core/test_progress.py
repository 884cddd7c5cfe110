"""Progress events name their phase with the one shared vocabulary, whatever the emitter passed."""

from __future__ import annotations

import pytest

from tlgui.core.progress import Phase, ProgressEvent, RateMeter


def test_a_phase_given_by_its_value_becomes_the_phase_with_its_title():
    event = ProgressEvent("scan", 3, 10)
    assert event.phase is Phase.SCAN and event.phase.title == "Reading photos"


def test_an_unknown_phase_is_refused_where_it_is_emitted():
    with pytest.raises(ValueError):
        ProgressEvent("scanning", 0, None)
    with pytest.raises(ValueError):
        RateMeter("trian", 10, None)


def test_every_phase_has_a_title():
    assert all(phase.title and phase.title[0].isupper() for phase in Phase)
