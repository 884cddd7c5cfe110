"""``python -m tlgui`` is the ``tlgui`` command (and, asked by ``TLGUI_CHILD_PROCESS``, a child process
serving one call: tlgui.core.runtime.child_process)."""

import os
import sys

if os.environ.get("TLGUI_CHILD_PROCESS") == "1":
    from tlgui.core.runtime.child_process import serve

    serve()

try:
    from tlgui.cli.main import entry_point
except KeyboardInterrupt:  # Ctrl-C while the command line loads: one line, not a traceback
    print("tlgui: interrupted", file=sys.stderr)
    sys.exit(130)

entry_point()
