"""Screenshots of every page of the window in one language, to look for clipped or overlapping text.

    PYTHONPATH=. xvfb-run -s "-screen 0 1280x800x24" python resources/i18n/screenshots.py zh_CN /tmp/shots

Opens the window with the demo classes, trains them briefly (head only, on cached features) so the
Train, Results and Classify pages have something to show, and writes one PNG per page at 1280×800,
plus the menus and the About box. Needs a CJK font (``fonts-noto-cjk``) for Chinese.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tlgui.core.training.trainer import train
from tlgui.gui.app import make_application, open_window
from tlgui.gui.language import install_language

WIDTH, HEIGHT = 1280, 800


def settle(app: QApplication, ms: int = 400) -> None:
    """Let layouts, thumbnails and timers run for ``ms`` milliseconds."""
    done = []
    QTimer.singleShot(ms, lambda: done.append(True))
    while not done:
        app.processEvents()


def main(language: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = make_application(["tlgui"])
    install_language(app, language)
    window = open_window()
    window.resize(WIDTH, HEIGHT)
    window.show()
    settle(app, 1500)
    controller = window.controller
    config = replace(controller.config, epochs=3, freeze_level=0)
    controller.set_config(config)
    controller.set_training_result(train(controller.dataset, config, backbone=controller.backbone_id))
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        settle(app, 2500)
        window.grab().save(str(out / f"{language}-page{index + 1}.png"))
    for action in window.menuBar().actions():
        menu = action.menu()
        if menu is None:
            continue
        menu.popup(window.mapToGlobal(window.menuBar().actionGeometry(action).bottomLeft()))
        settle(app, 300)
        menu.grab().save(str(out / f"{language}-menu-{action.text().replace('&', '')}.png"))
        menu.hide()
    from tlgui.gui.about import AboutDialog

    about = AboutDialog(window)
    about.show()
    settle(app, 500)
    about.grab().save(str(out / f"{language}-about.png"))
    print("\n".join(sorted(str(p) for p in out.glob(f"{language}-*.png"))))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "zh_CN", Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots"))
