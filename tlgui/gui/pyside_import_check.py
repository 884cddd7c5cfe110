"""PySide's check of every imported module, made cheap.

Once PySide6 has loaded, each module named by an import statement (tlgui's, and the standard
library's it names again: ``typing``, ``inspect``, ``zipfile``...) is read once more by PySide, which
asks ``inspect.getsource`` for its whole text, tokenizer and line cache included, only to look for
the word "PySide6" in it (the ``__feature__`` switches; tlgui uses none). Before the window's first
paint that is some 120 modules, about 7% of what a bare PySide window costs in all (measured with
callgrind). Importing this module loads PySide6 and has the same answer given from the file's bytes:
``tlgui.gui.app`` imports it before the rest of tlgui.
"""

from __future__ import annotations

import sys
from types import ModuleType

import PySide6.QtCore  # noqa: F401 - loads shibokensupport.feature, whose check install() replaces

_FEATURE_MODULE = "shibokensupport.feature"
_CHECK = "_mod_uses_pyside"


def uses_pyside(module: ModuleType) -> bool | None:
    """Whether the source file of ``module`` names PySide6; None when it has no readable ``.py`` file."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return None
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return None


def install() -> bool:
    """Replace PySide's check by ``uses_pyside`` (PySide's own where that has no answer). False, and
    nothing changed, where this PySide has no such check or it is replaced already."""
    feature = sys.modules.get(_FEATURE_MODULE)
    original = getattr(feature, _CHECK, None)
    if not callable(original) or getattr(original, "reads_bytes", False):
        return False

    def check(module: ModuleType) -> bool:
        answer = uses_pyside(module)
        return original(module) if answer is None else answer

    check.reads_bytes = True  # type: ignore[attr-defined]
    setattr(feature, _CHECK, check)
    return True


install()
