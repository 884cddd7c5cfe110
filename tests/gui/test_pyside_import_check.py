"""PySide's check of imported modules, answered from the file's bytes, answers as PySide's own does."""

import importlib
import inspect
import sys

import pytest

import tlgui.gui.app  # noqa: F401 - imports the check before the rest of tlgui
from tlgui.gui import pyside_import_check

# Sources that name PySide6 and sources that do not, a package, a C extension and a built-in module.
MODULES = ["tlgui.gui.app", "tlgui.gui.pyside_import_check", "tlgui.core.errors", "tlgui.core.backbones",
           "json", "os", "PySide6.QtCore", "_json", "sys"]


def _pyside_answer(module) -> bool:
    """What shibokensupport.feature._mod_uses_pyside (PySide 6.11) answers: the source names PySide6."""
    try:
        return "PySide6" in inspect.getsource(module)
    except (TypeError, OSError, SyntaxError):
        return False


@pytest.mark.parametrize("name", MODULES)
def test_the_check_answers_as_pysides_own(name):
    module = importlib.import_module(name)
    answer = pyside_import_check.uses_pyside(module)
    assert answer is None or answer == _pyside_answer(module)
    check = sys.modules["shibokensupport.feature"]._mod_uses_pyside
    assert check(module) == _pyside_answer(module)


def test_it_is_installed_once_when_the_window_module_loads():
    feature = sys.modules["shibokensupport.feature"]
    assert getattr(feature._mod_uses_pyside, "reads_bytes", False)
    assert pyside_import_check.install() is False  # a second time changes nothing
    assert feature.pyside_feature_dict.get("tlgui.gui.main_window") == 0  # it uses PySide6
