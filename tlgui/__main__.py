"""``python -m tlgui`` is the ``tlgui`` command."""

import sys

if getattr(sys, "frozen", False):
    # In a bundle (packaging/tlgui.spec) the executable is also what starts a child process
    # (tlgui.core.runtime.child_process): this hands such a start to the child's code.
    import multiprocessing

    multiprocessing.freeze_support()

try:
    from tlgui.cli.main import entry_point
except KeyboardInterrupt:  # Ctrl-C while the command line loads: one line, not a traceback
    print("tlgui: interrupted", file=sys.stderr)
    sys.exit(130)

entry_point()
