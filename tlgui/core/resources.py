"""Where tlgui's bundled files (the demo photos) live."""

from __future__ import annotations

from pathlib import Path

import tlgui


def resources_dir() -> Path:
    """The top-level ``resources/`` folder beside the ``tlgui`` package."""
    return Path(tlgui.__file__).resolve().parent.parent / "resources"


def demo_dir() -> Path:
    """The bundled demo set: ``train/`` and ``val/``, each with ``ants/`` and ``bees/``."""
    return resources_dir() / "demo"
