"""The ``tlgui`` command: with no arguments it opens the window; subcommands work headless.

The CLI is the third driver of the engine (beside the window and the tests): everything here is a
thin layer of argument parsing and printing over tlgui.core.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tlgui import __version__
from tlgui.core.errors import TlguiError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        from tlgui.gui.app import main as gui_main

        return gui_main([])
    if len(argv) == 1 and argv[0].endswith(".tlgui") and Path(argv[0]).exists():
        # A double-clicked project file arrives as the only argument.
        from tlgui.gui.app import main as gui_main

        return gui_main(argv)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tlgui",
        description="Transfer learning for photos. Without arguments, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"tlgui {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from tlgui.cli_commands import add_commands

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


def write_predictions(predictions, fmt: str, out=None) -> None:
    """Print predictions as an aligned table, CSV (path,label,probability,...) or JSON."""
    out = out or sys.stdout
    if fmt == "json":
        rows = [
            {
                "path": str(p.path),
                "label": p.label,
                "probability": p.probability,
                "top": [{"label": lab, "probability": prob} for lab, prob in p.top],
                "error": p.error,
            }
            for p in predictions
        ]
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    if fmt == "csv":
        k = max((len(p.top) for p in predictions), default=1)
        writer = csv.writer(out)
        header = ["path", "label", "probability"]
        for rank in range(2, k + 1):
            header += [f"label_{rank}", f"probability_{rank}"]
        writer.writerow([*header, "error"])
        for p in predictions:
            row = [str(p.path), p.label or "", _fmt_prob(p.probability)]
            for lab, prob in p.top[1:]:
                row += [lab, _fmt_prob(prob)]
            row += [""] * (len(header) - len(row))
            writer.writerow([*row, p.error or ""])
        return
    width = max((len(str(p.path)) for p in predictions), default=4)
    for p in predictions:
        if p.error:
            out.write(f"{str(p.path):<{width}}  skipped: {p.error}\n")
            continue
        top = "  ".join(f"{lab} {prob:6.1%}" for lab, prob in p.top)
        out.write(f"{str(p.path):<{width}}  {top}\n")


def _fmt_prob(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


if __name__ == "__main__":
    entry_point()
