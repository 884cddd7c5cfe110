"""Progress in words: no "in 0 s", no "Evaluating: Evaluating", and never cut off by its bar."""

from __future__ import annotations

from tlgui.core.progress import Phase, ProgressEvent
from tlgui.gui.widgets.progress_panel import ProgressPanel
from tlgui.gui.widgets.progress_text import counted, describe_event, format_duration, format_eta


def test_durations_never_say_zero_seconds():
    assert format_duration(0.2) == "less than 1 s"
    assert format_duration(0.6) == "1 s"
    assert format_duration(185) == "3 min 05 s"
    assert format_duration(3725) == "1 h 02 min"
    assert format_eta(0.1) == "almost done"
    assert format_eta(12) == "about 12 s left"
    assert format_eta(None) == format_eta(float("nan")) == ""


def test_a_phase_is_not_named_twice():
    assert describe_event(ProgressEvent(Phase.EVALUATE, 0, 1, message="Evaluating")) == "Evaluating"
    assert describe_event(ProgressEvent(Phase.EXPORT, 0, None, message="checking")) == "Exporting: checking"
    assert describe_event(ProgressEvent(Phase.EXTRACT, 120, 398, eta_s=12)) == \
        "Extracting features 120/398 — about 12 s left"


def test_counts_agree_with_their_nouns():
    assert counted(1, "photo") == "1 photo"
    assert counted(0, "photo") == "0 photos"
    assert counted(12_345, "file") == "12,345 files"
    assert counted(2, "copy", "copies") == "2 copies"


def test_the_panel_shows_its_words_beside_the_bar_and_shortens_them_only_when_narrow(qtbot):
    panel = ProgressPanel("Stop")
    qtbot.addWidget(panel)
    panel.resize(900, 40)
    panel.show()
    long = "Epoch 3/10 (fine-tuning the last 2 stages) — loss 0.231 — about 3 min 05 s left"
    panel.show_fraction(0.3, long)
    qtbot.waitUntil(lambda: panel.label.text() == long)
    assert not panel.bar.isTextVisible()
    assert panel.label.width() > panel.bar.width()  # the words get the room, not the bar
    assert abs(panel.label.geometry().center().y() - panel.bar.geometry().center().y()) < 8  # one line
    panel.resize(420, 60)  # a narrow column: the words go above the bar, over the whole width
    qtbot.waitUntil(lambda: panel.label.geometry().bottom() < panel.bar.geometry().top())
    assert panel.label.width() >= 400
    panel.resize(300, 60)
    qtbot.waitUntil(lambda: panel.label.text() != long)
    assert panel.label.text().endswith("…") and panel.label.toolTip() == long
    assert panel.text() == long  # the full text, whatever fits
    panel.cancel_button.click()
    assert panel.text() == long + " — stopping…"
