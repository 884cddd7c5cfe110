"""The ``tlgui`` command: with no arguments it opens the window; subcommands work headless.

The CLI is the third driver of the engine (beside the window and the tests): everything here is a
thin layer of argument parsing and printing over tlgui.core.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tlgui import __version__
from tlgui.core.errors import TlguiError
from tlgui.core.files.versions import PROJECT_SUFFIX

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        return open_window([])
    if len(argv) == 1 and argv[0].lower().endswith(PROJECT_SUFFIX) and Path(argv[0]).exists():
        # A double-clicked project file arrives as the only argument.
        return open_window(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except TlguiError as exc:
        print(f"tlgui: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("tlgui: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def open_window(argv: list[str]) -> int:
    """Start the window, or name the missing system libraries (and the apt line) before Qt aborts."""
    from tlgui.gui.system_libraries import window_libraries_problem

    problem = window_libraries_problem()
    if problem:
        print(f"tlgui: error: {problem}", file=sys.stderr)
        return EXIT_ERROR
    from tlgui.gui.app import main as gui_main

    return gui_main(argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tlgui",
        description="Transfer learning for photos. Without arguments, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"tlgui {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from tlgui.cli.commands import add_commands

    add_commands(sub)
    return parser


def entry_point() -> None:
    """The installed ``tlgui`` script and ``python -m tlgui``.

    After a headless command everything is written and closed, so the process ends at once:
    tearing down torch's modules at interpreter exit takes about a second, a quarter of a warm
    ``tlgui train``.
    """
    code = main()
    if sys.argv[1:]:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry_point()
