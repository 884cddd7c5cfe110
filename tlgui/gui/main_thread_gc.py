"""Python's cycle collector, run on the GUI thread only, while the window runs.

CPython collects reference cycles in whichever thread allocates past the threshold: a thumbnail
decoder, the intake scan, the trainer. A cycle that holds a Qt object (a class panel whose signals
are connected to lambdas that capture it, or a job's worker) is then destroyed on that thread,
which Qt forbids for widgets: with a thread allocating beside the Data page's tests, one run in six
died in such a collection while the GUI thread painted (none in ten once collection moved here). So, as
pyqtgraph's ``GarbageCollector`` and calibre do, automatic collection is switched off while the
application runs and a timer on the GUI thread collects each generation when CPython would have.
It stays off until the process ends (or ``stop``): after the window closes, jobs still finishing
must not collect it on their thread either.

pyqtgraph's own class is not used: importing pyqtgraph costs more than the window's first paint.
"""

from __future__ import annotations

import gc

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer

# How often the GUI thread looks at the allocation counts. A cycle waits at most this long
# (plus any time the GUI thread spends in one long call) to be collected. Short, because the young
# generation grows meanwhile: a training run's extraction left 64,000 objects in it after 500 ms,
# a 21 ms collection; the GUI-stall benchmark's worst stall was 52 and 99 ms at 500 ms, 29 to 57 ms
# at 100 ms (50 to 56 ms with CPython collecting on its own).
CHECK_INTERVAL_MS = 100


class MainThreadCollector(QObject):
    """Collects cycles on the thread that made it (the GUI thread), on a timer."""

    def __init__(self, app: QCoreApplication):
        super().__init__(app)
        self.thresholds = gc.get_threshold()
        self.collections = [0, 0, 0]  # how many of each generation this object ran
        self._long_lived = 0  # objects in the oldest generation after its last collection here
        self._next_full_check = 0  # the oldest generation's count at which to weigh it again
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        gc.disable()
        self._timer.start()

    def collect_due(self) -> None:
        """Collect the generation CPython would collect now, if any."""
        counts = gc.get_count()
        if counts[0] <= self.thresholds[0]:
            return
        # A generation's count says how many collections of the one below it ran since its own.
        generation = 0
        if counts[1] > self.thresholds[1]:
            generation = 1
            if counts[2] > self.thresholds[2] and counts[2] >= self._next_full_check:
                if self._long_lived_grew_by_a_quarter():
                    generation = 2
                else:
                    self._next_full_check = counts[2] + self.thresholds[2]
        gc.collect(generation)
        self.collections[generation] += 1
        if generation == 2:
            self._long_lived = len(gc.get_objects(generation=2))
            self._next_full_check = 0

    def _long_lived_grew_by_a_quarter(self) -> bool:
        # CPython's own rule for the oldest generation: a full collection (170 ms with torch loaded,
        # on the GUI thread) only once the objects that survived enough collections to reach it have
        # grown by a quarter since the last one. Counting them takes about a sixth of that.
        return len(gc.get_objects(generation=2)) - self._long_lived > self._long_lived // 4

    def stop(self) -> None:
        """Hand collection back to CPython (what a test session does once its windows are gone)."""
        global _collector
        self._timer.stop()
        gc.enable()
        if _collector is self:
            _collector = None


_collector: MainThreadCollector | None = None


def collect_on_gui_thread(app: QCoreApplication) -> MainThreadCollector:
    """Switch ``app`` to collecting cycles on its own thread; once per application."""
    global _collector
    if _collector is None or not shiboken6.isValid(_collector):  # none yet, or its application is gone
        _collector = MainThreadCollector(app)
    return _collector
