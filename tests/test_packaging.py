"""Installing tlgui as an app: the system-library check before Qt starts, the desktop entry, the
resources of an installed wheel.

The PyInstaller bundle itself is built and smoke-tested by packaging/build-bundle.sh (minutes, a GB
of output): too slow for the test suite.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tlgui.cli.main import main as cli_main
from tlgui.core import resources
from tlgui.gui import system_libraries
from tlgui.gui.system_libraries import (
    APT_LINE,
    XCB_LIBRARIES,
    missing_libraries,
    uses_xcb,
    window_libraries_problem,
)

REPO = Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"


def _without(*absent: str):
    return lambda soname: soname not in absent


# --- which platform Qt will use ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({}, "linux", True),
        ({"XDG_SESSION_TYPE": "x11"}, "linux", True),
        ({"XDG_SESSION_TYPE": "wayland"}, "linux", False),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb", "XDG_SESSION_TYPE": "wayland"}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb:nomitshm"}, "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "minimal"}, "linux", False),
        ({"QT_QPA_PLATFORM": "wayland"}, "linux", False),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
        ({"QT_QPA_PLATFORM": " "}, "linux", True),
        ({}, "darwin", False),
        ({}, "win32", False),
        ({"QT_QPA_PLATFORM": "xcb"}, "darwin", False),
    ],
)
def test_uses_xcb_follows_qts_choice_of_platform(environ, platform, expected):
    assert uses_xcb(environ, platform) is expected


# --- which libraries are missing -----------------------------------------------------------------


def test_missing_libraries_lists_the_ones_that_do_not_load_in_table_order():
    absent = ["libxcb-keysyms.so.1", "libxcb-cursor.so.0"]
    assert missing_libraries(_without(*absent)) == ["libxcb-cursor.so.0", "libxcb-keysyms.so.1"]
    assert missing_libraries(lambda soname: True) == []


def test_can_load_asks_the_dynamic_loader():
    assert system_libraries.can_load("libc.so.6")
    assert not system_libraries.can_load("libtlgui-never-installed.so.0")


def test_no_problem_when_everything_loads_or_qt_does_not_use_xcb():
    assert window_libraries_problem({}, "linux", lambda soname: True) is None
    nothing_loads = _without(*XCB_LIBRARIES)
    assert window_libraries_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", nothing_loads) is None
    assert window_libraries_problem({"XDG_SESSION_TYPE": "wayland"}, "linux", nothing_loads) is None
    assert window_libraries_problem({}, "darwin", nothing_loads) is None


def test_the_problem_names_the_missing_libraries_their_packages_and_the_apt_line():
    problem = window_libraries_problem({}, "linux", _without("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    assert problem is not None
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in problem
    assert "packages: libxcb-icccm4 libxcb-keysyms1)" in problem
    assert APT_LINE in problem
    assert "libxcb-cursor.so.0" not in problem.split("Install")[0]


def test_the_apt_line_installs_every_checked_library_and_is_the_one_in_the_readme():
    assert APT_LINE.startswith("sudo apt-get install ")
    packages = APT_LINE.removeprefix("sudo apt-get install ").split()
    assert set(packages) == set(XCB_LIBRARIES.values())
    assert {"libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"} <= set(packages)
    assert APT_LINE in (REPO / "README.md").read_text(encoding="utf-8")


# Needed by Qt's window libraries but not checked: the C runtime, and libraries that the checked
# packages depend on (libx11-xcb1 → libX11, libfontconfig1 → freetype, zlib) or that every desktop has.
UNCHECKED_BASE = {
    "libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "ld-linux-x86-64.so.2",
    "libX11.so.6", "libfreetype.so.6", "libz.so.1", "libzstd.so.1", "libglib-2.0.so.0", "libgthread-2.0.so.0",
}


def test_the_library_table_covers_what_qts_window_libraries_link_against():
    """A newer PySide6 that links one more system library (as 6.5 did with xcb-cursor) fails here."""
    qt = _pyside_qt_folder()
    readelf = shutil.which("readelf")
    if qt is None or readelf is None or not sys.platform.startswith("linux"):
        pytest.skip("needs PySide6's Qt libraries and readelf (binutils), on Linux")
    needed: set[str] = set()
    for binary in ["plugins/platforms/libqxcb.so", "lib/libQt6XcbQpa.so.6", "lib/libQt6Gui.so.6",
                   "lib/libQt6DBus.so.6", "lib/libQt6Widgets.so.6"]:
        dynamic = subprocess.run([readelf, "-d", str(qt / binary)], capture_output=True, text=True, check=True)
        needed |= {line.split("[", 1)[1].rstrip("]") for line in dynamic.stdout.splitlines() if "(NEEDED)" in line}
    from_the_wheel = {name for name in needed if name.startswith(("libQt6", "libicu"))}
    assert needed - from_the_wheel - UNCHECKED_BASE == set(XCB_LIBRARIES)


def _pyside_qt_folder() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "Qt"
    return folder if (folder / "plugins" / "platforms" / "libqxcb.so").is_file() else None


# --- the tlgui command ---------------------------------------------------------------------------


def test_tlgui_without_arguments_prints_the_problem_instead_of_starting_qt(monkeypatch, capsys):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monkeypatch.setattr(system_libraries, "can_load", _without("libxcb-cursor.so.0"))
    started = []
    import tlgui.gui.app

    monkeypatch.setattr(tlgui.gui.app, "main", lambda argv: started.append(argv) or 0)
    assert cli_main([]) == 1
    assert started == []
    err = capsys.readouterr().err
    assert err.startswith("tlgui: error: the window needs system libraries that are missing here: libxcb-cursor.so.0")
    assert APT_LINE in err


def test_a_double_clicked_project_gets_the_same_check(monkeypatch, capsys, tmp_path):
    project = tmp_path / "cats.tlgui"
    project.write_bytes(b"")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(system_libraries, "can_load", _without("libxcb-icccm.so.4"))
    assert cli_main([str(project)]) == 1
    assert APT_LINE in capsys.readouterr().err


def _tlgui_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"QT_QPA_PLATFORM", "XDG_SESSION_TYPE", "WAYLAND_DISPLAY"}}
    env.update(extra)
    return env


def test_tlgui_process_with_a_missing_library_exits_with_the_apt_line_before_importing_qt():
    """The whole path in a fresh process: entry point → check → message, status 1, PySide6 never imported."""
    script = textwrap.dedent(
        """
        import sys
        from tlgui.gui import system_libraries
        system_libraries.XCB_LIBRARIES["libtlgui-never-installed.so.0"] = "tlgui-never-installed0"
        from tlgui.cli.main import main
        code = main([])
        print("PySide6 imported:", any(name.startswith("PySide6") for name in sys.modules))
        sys.exit(code)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=_tlgui_env(DISPLAY=":99"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    missing, packages = done.stderr.split("missing here: ", 1)[1].split(" (Debian/Ubuntu packages: ", 1)
    assert "libtlgui-never-installed.so.0" in missing.split(", ")
    assert "tlgui-never-installed0" in packages.split(")", 1)[0].split()
    assert APT_LINE in done.stderr
    assert "PySide6 imported: False" in done.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux") or not missing_libraries(),
                    reason="every library Qt's xcb plugin needs is installed here")
def test_tlgui_on_this_machine_names_what_is_really_missing():
    """Where Qt's xcb plugin cannot load (a fresh Debian/Ubuntu), `python -m tlgui` says why, no abort."""
    done = subprocess.run([sys.executable, "-m", "tlgui"], cwd=REPO, env=_tlgui_env(DISPLAY=":99"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert ", ".join(missing_libraries()) in done.stderr
    assert APT_LINE in done.stderr
    assert "qt.qpa" not in done.stderr


@pytest.mark.slow
def test_the_window_opens_offscreen_and_closes_by_itself_in_smoke_test_mode(tmp_path):
    """What packaging/build-bundle.sh runs on the bundle, here on the source tree."""
    env = _tlgui_env(QT_QPA_PLATFORM="offscreen", TLGUI_SMOKE_TEST="1", HOME=str(tmp_path),
                     XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run([sys.executable, "-m", "tlgui"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]


# --- desktop entry, icon, file type --------------------------------------------------------------


def _fake_program(folder: Path) -> Path:
    folder.mkdir(parents=True)
    program = folder / "tlgui"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    return program


def _install_desktop(data_home: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_DATA_HOME=str(data_home))
    if path is not None:
        env["PATH"] = path
    return subprocess.run(["bash", str(PACKAGING / "install-desktop.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def _desktop_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def test_install_desktop_puts_launcher_icon_and_file_type_in_the_data_home(tmp_path):
    # A folder name that needs quoting and escaping in Exec (a space, a dollar sign, a percent sign).
    program = _fake_program(tmp_path / "app dir $HOME 100%")
    data = tmp_path / "data"
    done = _install_desktop(data, path=f"{program.parent}{os.pathsep}{os.environ['PATH']}")
    assert done.returncode == 0, done.stderr

    desktop = data / "applications" / "tlgui.desktop"
    entry = _desktop_entry(desktop)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "tlgui"
    assert entry["Icon"] == "tlgui"
    assert entry["Terminal"] == "false"
    escaped = str(program).replace("$", "\\\\$").replace("%", "%%")
    assert entry["Exec"] == f'"{escaped}" %f'
    assert entry["TryExec"] == str(program)
    mime_types = [t for t in entry["MimeType"].split(";") if t]
    assert mime_types == ["application/x-tlgui-project"]
    validator = shutil.which("desktop-file-validate")
    if validator:
        checked = subprocess.run([validator, str(desktop)], capture_output=True, text=True)
        assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout

    icon = data / "icons" / "hicolor" / "scalable" / "apps" / "tlgui.svg"
    assert ET.parse(icon).getroot().tag.endswith("svg")

    mime = ET.parse(data / "mime" / "packages" / "tlgui.xml").getroot()
    (mime_type,) = mime.findall(f"{MIME_NS}mime-type")
    assert mime_type.get("type") == "application/x-tlgui-project"
    assert [glob.get("pattern") for glob in mime_type.findall(f"{MIME_NS}glob")] == ["*.tlgui"]
    if shutil.which("update-mime-database"):
        # The script rebuilt the user's MIME database: the desktop now maps *.tlgui to the type.
        assert "application/x-tlgui-project:*.tlgui" in (data / "mime" / "globs2").read_text()

    removed = _install_desktop(data, "--uninstall")
    assert removed.returncode == 0, removed.stderr
    assert not desktop.exists() and not icon.exists()
    assert not (data / "mime" / "packages" / "tlgui.xml").exists()


def test_install_desktop_can_launch_a_named_program_such_as_the_bundle(tmp_path):
    program = _fake_program(tmp_path / "dist" / "tlgui")
    done = _install_desktop(tmp_path / "data", str(program), path="/usr/bin:/bin")
    assert done.returncode == 0, done.stderr
    entry = _desktop_entry(tmp_path / "data" / "applications" / "tlgui.desktop")
    assert entry["Exec"] == f'"{program}" %f'


def test_install_desktop_refuses_what_is_not_a_program(tmp_path):
    done = _install_desktop(tmp_path / "data", str(tmp_path / "nothing-here"), path="/usr/bin:/bin")
    assert done.returncode == 1
    assert "is not a program" in done.stderr
    assert not (tmp_path / "data" / "applications" / "tlgui.desktop").exists()


def test_install_desktop_without_a_tlgui_command_says_to_install_it(tmp_path):
    done = _install_desktop(tmp_path / "data", path="/usr/bin:/bin")
    if shutil.which("tlgui", path="/usr/bin:/bin"):
        pytest.skip("a system-wide tlgui is installed")
    assert done.returncode == 1
    assert "Install tlgui first" in done.stderr


# --- resources from the source tree and from a wheel ---------------------------------------------


def test_resources_come_from_the_source_tree_when_it_is_there():
    assert resources.resources_dir() == REPO / "resources"
    assert (resources.demo_dir() / "train" / "ants").is_dir()


def test_without_the_source_tree_the_installed_copy_is_used(monkeypatch, tmp_path):
    import tlgui

    installed = tmp_path / "share" / "tlgui" / "resources"
    installed.mkdir(parents=True)
    monkeypatch.setattr(tlgui, "__file__", str(tmp_path / "site-packages" / "tlgui" / "__init__.py"))
    monkeypatch.setattr(resources, "installed_resources_dir", lambda: installed)
    assert resources.resources_dir() == installed
    assert resources.demo_dir() == installed / "demo"
    monkeypatch.setattr(resources, "installed_resources_dir", lambda: None)
    # Neither: the folder beside the package, so that "missing" names a real place.
    assert resources.resources_dir() == tmp_path / "site-packages" / "resources"


@pytest.mark.slow
def test_an_installed_wheel_finds_its_resources(tmp_path):
    """Build the wheel, install it into a fresh environment, and ask it where the demo photos are."""
    # Built without isolation (offline, quick): the build backend must be here already.
    pytest.importorskip("setuptools", minversion="68")
    pytest.importorskip("wheel")
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(wheels), str(REPO)], check=True, capture_output=True, timeout=300,
                   cwd=tmp_path)
    (wheel,) = wheels.glob("tlgui-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name.split(".data/data/share/tlgui/", 1)[1] for name in archive.namelist()
                   if ".data/data/share/tlgui/" in name}
    # Everything under resources/, except the translations' sources (.ts, scripts): the app reads the .qm.
    expected = {path.relative_to(REPO).as_posix() for path in (REPO / "resources").rglob("*") if path.is_file()
                and not (path.parent.name == "i18n" and path.suffix != ".qm")}
    assert shipped == expected

    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)], check=True, timeout=120)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    where = subprocess.run(
        [str(python), "-c", "import tlgui; from tlgui.core.resources import demo_dir, resources_dir; "
         "print(tlgui.__file__); print(resources_dir()); print(len(list(demo_dir().rglob('*.jpg'))))"],
        cwd=tmp_path, env=_tlgui_env(PYTHONPATH=""), capture_output=True, text=True, check=True, timeout=120,
    ).stdout.splitlines()
    assert where[0].startswith(str(env_dir))
    assert Path(where[1]) == (env_dir / "share" / "tlgui" / "resources").resolve()
    assert int(where[2]) == len(list((REPO / "resources" / "demo").rglob("*.jpg")))


# ---- the bundle's spec ----------------------------------------------------------------------------
def _spec_excludes() -> list[str]:
    import ast

    tree = ast.parse((PACKAGING / "tlgui.spec").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "excludes" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("packaging/tlgui.spec assigns no excludes list")


_WITHOUT_EXCLUDED = """
import importlib.abc, json, sys
excluded = json.loads(sys.argv[1])

class Excluded(importlib.abc.MetaPathFinder):
    # As in the bundle: a module the spec leaves out is not there to import.
    def find_spec(self, name, path=None, target=None):
        if any(name == gone or name.startswith(gone + ".") for gone in excluded):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Excluded())
import numpy as np
from pytorch_grad_cam import GradCAM  # the heatmaps (tlgui/core/predict/explain.py)
from tlgui.core.predict.explain import colour_map
from tlgui.core.quality.suspects import rank_label_issues  # the label check (cleanlab)
colour_map(np.zeros((4, 4)))
labels = np.array([0, 0, 0, 1, 1, 1])
probabilities = np.array([[0.9, 0.1]] * 3 + [[0.2, 0.8]] * 2 + [[0.95, 0.05]])
ranked, _quality = rank_label_issues(labels, probabilities)
print(json.dumps(ranked.tolist()))
"""


def test_the_bundle_leaves_in_what_the_heatmaps_and_the_label_check_import():
    """Grad-CAM and cleanlab load and run with the spec's excluded modules made unimportable."""
    import json

    done = subprocess.run([sys.executable, "-c", _WITHOUT_EXCLUDED, json.dumps(_spec_excludes())],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1]) == [5]  # the "1" that looks like a 0
