"""A pytest plugin (``-p collect_between_tests``): before each test, Qt's deferred deletions, then a full
cycle collection: the garbage of the tests before is collected at a known moment, after the widgets
it refers to are gone, as a long session eventually does at a moment nobody chose."""

import gc


def pytest_runtest_setup(item):
    from PySide6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        for _ in range(3):
            QCoreApplication.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
