"""``python -m tlgui`` is the ``tlgui`` command."""

import sys

try:
    from tlgui.cli.main import entry_point
except KeyboardInterrupt:  # Ctrl-C while the command line loads: one line, not a traceback
    print("tlgui: interrupted", file=sys.stderr)
    sys.exit(130)

entry_point()
