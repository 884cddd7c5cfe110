"""Where tlgui's bundled files (the icon, the demo photos) live.

Three ways of running tlgui put them in two places:

* a source tree, an editable install (``pip install -e .``) and the PyInstaller bundle
  (``packaging/tlgui.spec``) keep ``resources/`` beside the ``tlgui`` package;
* an installed wheel (``pip install .``) has them as data files under ``<prefix>/share/tlgui/resources``
  (pyproject.toml, ``[tool.setuptools.data-files]``), found through the installation's own record.
"""

from __future__ import annotations

import functools
from pathlib import Path

import tlgui

RESOURCES_FOLDER = "resources"
#: A file every installation has, used to find the installed copy in the distribution's record.
MARKER_FILE = "tlgui.svg"
INSTALLED_MARKER = f"share/tlgui/{RESOURCES_FOLDER}/{MARKER_FILE}"


def resources_dir() -> Path:
    """The ``resources/`` folder: beside the package when it is there, else a wheel's installed copy.

    When neither exists (a broken installation) the folder beside the package is returned, so that
    the caller's "missing" message names a real place.
    """
    beside = Path(tlgui.__file__).resolve().parent.parent / RESOURCES_FOLDER
    if beside.is_dir():
        return beside
    return installed_resources_dir() or beside


@functools.cache
def installed_resources_dir() -> Path | None:
    """``share/tlgui/resources`` of the installed distribution, or None without one."""
    from importlib import metadata  # a tenth of a second, and only an installed wheel needs it

    try:
        files = metadata.distribution("tlgui").files or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.as_posix().endswith(INSTALLED_MARKER):
            folder = Path(file.locate()).resolve().parent
            return folder if folder.is_dir() else None
    return None


def demo_dir() -> Path:
    """The bundled demo set: ``train/`` and ``val/``, each with ``ants/`` and ``bees/``."""
    return resources_dir() / "demo"
