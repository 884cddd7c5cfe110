"""The ``tlgui`` command: with no arguments it opens the window; subcommands work headless.

The CLI is the third driver of the engine (beside the window and the tests): everything here is a
thin layer of argument parsing and printing over tlgui.core. Every mistake the user can make ends
in one line on stderr, ``tlgui: error: ...``, and a non-zero exit status: 2 for a command line that
cannot be used as written, 1 for a file, folder or photo that cannot be used, 130 after Ctrl-C.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tlgui import __version__
from tlgui.core.files.versions import PROJECT_SUFFIX

if TYPE_CHECKING:
    import argparse

EXIT_ERROR = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: this process's) and return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or _is_one_project_file(argv):
        # A double-clicked project file arrives as the only argument.
        return open_window(argv)
    # The sub-commands' modules only here: ``tlgui`` alone opens the window, which needs none of them.
    from tlgui.cli.interrupt import exit_status, prompt_interrupts

    with prompt_interrupts():
        try:
            return _run(argv)
        except KeyboardInterrupt as interrupt:  # Ctrl-C (130) or SIGTERM (143), unwound
            code, message = exit_status(interrupt)
            print(message, file=sys.stderr)
            return code


def _is_one_project_file(argv: list[str]) -> bool:
    return len(argv) == 1 and argv[0].lower().endswith(PROJECT_SUFFIX) and Path(argv[0]).exists()


def _run(argv: list[str]) -> int:
    from tlgui.cli.options import UsageError
    from tlgui.core.errors import TlguiError

    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except SystemExit as exc:  # --help and --version print and exit 0
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (``tlgui predict ... | head``): nothing more to say to anyone.
        _discard_stdout()
        return EXIT_ERROR
    except UsageError as exc:
        _print_error(exc)
        return EXIT_USAGE
    except TlguiError as exc:
        _print_error(exc)
        return EXIT_ERROR
    except OSError as exc:
        # A disk that fills up or goes away while a result is written: still one sentence.
        where = f" ({exc.filename})" if exc.filename else ""
        _print_error(f"{exc.strerror or exc}{where}.")
        return EXIT_ERROR


def _discard_stdout() -> None:
    # Python flushes stdout once more at exit; pointing it at devnull keeps that from failing too.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _print_error(message: object) -> None:
    from tlgui.cli.terminal import shown

    print(f"tlgui: error: {shown(message)}", file=sys.stderr)


def open_window(argv: list[str]) -> int:
    """Start the window, or name the missing system libraries (and the apt line) before Qt aborts."""
    # The window collects cycles on its own thread, on a timer, from when the application exists
    # (gui/main_thread_gc.py). Until then the imports make no garbage worth the ~50 collections they
    # would trigger: off from here, the window paints about 8 ms (3%) sooner.
    gc.disable()
    from tlgui.gui.system_libraries import window_libraries_problem

    problem = window_libraries_problem()
    if problem:
        print(f"tlgui: error: {problem}", file=sys.stderr)
        return EXIT_ERROR
    from tlgui.gui.app import main as gui_main

    return gui_main(argv)


def gui_entry_point() -> None:
    """The installed ``tlgui-gui`` script: the window only, through the same library check."""
    sys.exit(open_window(sys.argv[1:]))


def build_parser() -> argparse.ArgumentParser:
    from tlgui.cli.options import CommandParser

    parser = CommandParser(
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
    try:
        code = main()
    except KeyboardInterrupt as interrupt:  # Ctrl-C or SIGTERM, also before the handlers were set
        from tlgui.cli.interrupt import exit_status

        code, message = exit_status(interrupt)
        print(message, file=sys.stderr)
    if sys.argv[1:]:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry_point()
