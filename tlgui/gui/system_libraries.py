"""The system libraries Qt's X11 (xcb) platform plugin needs, checked before Qt is started.

Without them Qt prints a hint about one of them and aborts the process (core dump, status 134). On a
fresh Debian or Ubuntu machine several are missing at once, so tlgui checks all of them first and
prints the one ``apt-get`` line that installs them. This module imports nothing from PySide6: it must
run, and answer, exactly where importing Qt would fail.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

# Shared library (soname) → the Debian/Ubuntu package that provides it: what PySide6's xcb plugin
# and the Qt libraries under it (XcbQpa, Gui, DBus, Widgets) link against from outside the wheel,
# less the C runtime and what the listed packages or any desktop bring along (libX11, freetype,
# zlib, glib). tests/test_packaging.py compares this table with the installed PySide6.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}

# The one line that installs all of them (README.md, "Install as an app", shows the same line).
APT_LINE = "sudo apt-get install " + " ".join(dict.fromkeys(XCB_LIBRARIES.values()))


def uses_xcb(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will start on X11 through its xcb plugin, as it decides from the environment.

    ``QT_QPA_PLATFORM`` wins (its first entry: ``"wayland;xcb"`` tries Wayland first, ``"xcb:opt"``
    passes options); unset, Qt uses xcb on Linux except in a Wayland session, where it tries its
    Wayland plugin first.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        return requested.split(";")[0].split(":")[0].strip() == "xcb"
    return environ.get("XDG_SESSION_TYPE", "").strip().lower() != "wayland"


def can_load(soname: str) -> bool:
    """Whether the dynamic loader finds ``soname``, as it will when Qt asks for it.

    In the PyInstaller bundle that includes the copies it brought along: its launcher puts its own
    folder on ``LD_LIBRARY_PATH`` before Python starts.
    """
    import ctypes  # only on xcb: elsewhere the window starts without it (ctypes is ~2 ms to import)

    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(loadable: Callable[[str], bool] | None = None) -> list[str]:
    """The sonames in ``XCB_LIBRARIES`` that ``loadable`` (default: ``can_load``) rejects, in table order."""
    loadable = loadable or can_load
    return [soname for soname in XCB_LIBRARIES if not loadable(soname)]


def window_libraries_problem(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    loadable: Callable[[str], bool] | None = None,
) -> str | None:
    """What to tell the user instead of starting Qt, or None when the window can start.

    Only when Qt will use xcb: offscreen, Wayland, VNC and the other plugins do without the X11
    libraries, and macOS and Windows have what Qt needs.
    """
    if not uses_xcb(environ, platform):
        return None
    missing = missing_libraries(loadable)
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(XCB_LIBRARIES[soname] for soname in missing))
    return (
        f"the window needs system libraries that are missing here: {', '.join(missing)} "
        f"(Debian/Ubuntu packages: {packages}). Install them all with:\n"
        f"    {APT_LINE}\n"
        "The command-line tools work without them (tlgui --help)."
    )
